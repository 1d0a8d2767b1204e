//! Sessions: conversation threads of a lead.

use chrono::{DateTime, Utc};
use sqlx::{FromRow, PgConnection, Postgres, QueryBuilder};
use uuid::Uuid;

use super::filter::push_keyset_desc;
use super::{Cursor, DbError, Filter, Page, Result, RowCount, Seek};

pub const FILTER_KEYS: &[&str] = &["channel", "state", "after", "before"];
pub const CHANNELS: &[&str] = &["chat", "voice", "sms"];

/// Which sessions a list shows.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SessionScope {
    All,
    Tenant(Uuid),
    Demo(Uuid),
    Lead(Uuid),
}

#[derive(Debug, Clone, PartialEq, FromRow, serde::Serialize, serde::Deserialize)]
pub struct SessionRow {
    pub id: Uuid,
    pub lead_id: Uuid,
    pub demo_id: Uuid,
    pub lead_identifier: String,
    pub lead_display_name: Option<String>,
    pub demo_name: Option<String>,
    pub channel: String,
    pub created_at: DateTime<Utc>,
    pub ended_at: Option<DateTime<Utc>>,
    pub metadata: serde_json::Value,
    pub message_count: i64,
    pub token_total: i64,
}

impl SessionRow {
    pub fn cursor(&self) -> Cursor {
        Cursor { ts: self.created_at, id: self.id }
    }
    pub fn lead_label(&self) -> &str {
        self.lead_display_name.as_deref().unwrap_or(&self.lead_identifier)
    }
    pub fn duration(&self) -> Option<chrono::Duration> {
        self.ended_at.map(|e| e - self.created_at)
    }
}

fn push_where(qb: &mut QueryBuilder<'_, Postgres>, scope: SessionScope, filter: &Filter) -> Result<()> {
    filter.check_keys(FILTER_KEYS)?;
    qb.push(" WHERE true");
    match scope {
        SessionScope::All => {}
        SessionScope::Tenant(t) => {
            qb.push(" AND s.demo_id IN (SELECT id FROM demos WHERE tenant_id = ").push_bind(t).push(")");
        }
        SessionScope::Demo(d) => {
            qb.push(" AND s.demo_id = ").push_bind(d);
        }
        SessionScope::Lead(l) => {
            qb.push(" AND s.lead_id = ").push_bind(l);
        }
    }
    filter.push_words(qb, &["l.identifier", "l.display_name"]);
    filter.push_enum(qb, "channel", "s.channel", CHANNELS)?;
    match filter.term("state").map(str::to_ascii_lowercase).as_deref() {
        Some("open") => {
            qb.push(" AND s.ended_at IS NULL");
        }
        Some("ended") => {
            qb.push(" AND s.ended_at IS NOT NULL");
        }
        Some(_) => return Err(DbError::Filter("state: must be open or ended".into())),
        None => {}
    }
    filter.push_dates(qb, "s.created_at")?;
    Ok(())
}

const SELECT_OUTER: &str = "SELECT p.id, p.lead_id, p.demo_id, p.lead_identifier, p.lead_display_name, \
    d.company_name AS demo_name, p.channel, p.created_at, p.ended_at, p.metadata, \
    agg.message_count, agg.token_total FROM (";

pub async fn list(
    conn: &mut PgConnection,
    scope: SessionScope,
    filter: &Filter,
    seek: impl Into<Seek>,
    limit: u32,
) -> Result<Page<SessionRow>> {
    let seek: Seek = seek.into();
    // The page is chosen first (index order, LIMIT), and only its rows get
    // the per-session aggregates (index-only scans on messages).
    let mut qb = QueryBuilder::new(SELECT_OUTER);
    qb.push(
        "SELECT s.id, s.lead_id, s.demo_id, l.identifier AS lead_identifier, l.display_name AS lead_display_name, \
         s.channel, s.created_at, s.ended_at, s.metadata FROM sessions s JOIN leads l ON l.id = s.lead_id",
    );
    push_where(&mut qb, scope, filter)?;
    let dir = push_keyset_desc(&mut qb, "s.created_at", "s.id", seek, limit);
    qb.push(
        ") p JOIN demos d ON d.id = p.demo_id \
         CROSS JOIN LATERAL (SELECT count(*) AS message_count, coalesce(sum(m.token_count), 0)::bigint AS token_total \
         FROM messages m WHERE m.session_id = p.id) agg",
    );
    qb.push(format!(" ORDER BY p.created_at {dir}, p.id {dir}"));
    let rows = qb.build_query_as::<SessionRow>().fetch_all(&mut *conn).await?;
    Ok(Page::from_seek(rows, limit, seek, SessionRow::cursor))
}

pub async fn count(conn: &mut PgConnection, scope: SessionScope, filter: &Filter, exact: bool) -> Result<RowCount> {
    if scope == SessionScope::All && filter.is_empty() && !exact {
        return super::page_estimate(&mut *conn, "sessions").await;
    }
    let mut qb = QueryBuilder::new("SELECT count(*) FROM (SELECT 1 FROM sessions s JOIN leads l ON l.id = s.lead_id");
    push_where(&mut qb, scope, filter)?;
    super::finish_count(&mut *conn, qb, exact).await
}

pub async fn get(conn: &mut PgConnection, id: Uuid) -> Result<SessionRow> {
    let mut qb = QueryBuilder::new(SELECT_OUTER);
    qb.push(
        "SELECT s.id, s.lead_id, s.demo_id, l.identifier AS lead_identifier, l.display_name AS lead_display_name, \
         s.channel, s.created_at, s.ended_at, s.metadata FROM sessions s JOIN leads l ON l.id = s.lead_id WHERE s.id = ",
    );
    qb.push_bind(id);
    qb.push(
        ") p JOIN demos d ON d.id = p.demo_id \
         CROSS JOIN LATERAL (SELECT count(*) AS message_count, coalesce(sum(m.token_count), 0)::bigint AS token_total \
         FROM messages m WHERE m.session_id = p.id) agg",
    );
    qb.build_query_as::<SessionRow>()
        .fetch_optional(&mut *conn)
        .await?
        .ok_or_else(|| DbError::NotFound(format!("session {id}")))
}
