//! Sessions: conversation threads of a lead.
//!
//! The console's lists of these read through our layout (`mapped`, the
//! built-in `native`), as every schema's do. The typed pages here are the
//! reference those are held to (`tests/integration/layouts.rs`) and measured
//! beside (`ragdesk-bench --native-layout`); `get` and the id prefixes serve the
//! transcript, exports and `#`.

use chrono::{DateTime, Utc};
use sqlx::{FromRow, PgConnection, Postgres, QueryBuilder};
use uuid::Uuid;

use super::filter::push_keyset_desc;
use super::{Cursor, DbError, Filter, Page, Result, RowCount, Seek};

pub const FILTER_KEYS: &[&str] = &["id", "channel", "state", "after", "before"];

/// The fewest hex digits an id prefix needs (fewer would match too many).
pub const MIN_ID_PREFIX: usize = 6;

/// The range of UUIDs starting with `prefix` (hex digits, dashes ignored,
/// at least [`MIN_ID_PREFIX`]), for an index range scan on the primary key.
pub fn id_prefix_range(prefix: &str) -> Option<(Uuid, Uuid)> {
    let hex: String = prefix.chars().filter(|c| *c != '-').collect();
    if hex.len() < MIN_ID_PREFIX || hex.len() > 32 || !hex.chars().all(|c| c.is_ascii_hexdigit()) {
        return None;
    }
    let lo = format!("{hex:0<32}");
    let hi = format!("{hex:f<32}");
    Some((Uuid::parse_str(&lo).ok()?, Uuid::parse_str(&hi).ok()?))
}

/// `id_prefix_range`, or the error that says what an id prefix must be.
fn required_prefix_range(prefix: &str) -> Result<(Uuid, Uuid)> {
    id_prefix_range(prefix).ok_or_else(|| {
        DbError::Filter(format!("'{prefix}' is not a session id or a prefix of at least {MIN_ID_PREFIX} hex digits"))
    })
}

/// Sessions whose id starts with `prefix`, at most `limit` (to name a few
/// when the prefix is ambiguous).
pub async fn ids_with_prefix(conn: &mut PgConnection, prefix: &str, limit: u32) -> Result<Vec<Uuid>> {
    let (lo, hi) = required_prefix_range(prefix)?;
    Ok(sqlx::query_scalar("SELECT id FROM sessions WHERE id BETWEEN $1 AND $2 ORDER BY id LIMIT $3")
        .bind(lo)
        .bind(hi)
        .bind(limit as i64)
        .fetch_all(conn)
        .await?)
}

/// The one session `id_or_prefix` names: a full id, or a unique prefix.
pub async fn resolve_id(conn: &mut PgConnection, id_or_prefix: &str) -> Result<Uuid> {
    let ids = ids_with_prefix(conn, id_or_prefix.trim(), 4).await?;
    match ids.as_slice() {
        [] => Err(DbError::NotFound(format!("no session id starts with '{id_or_prefix}'"))),
        [one] => Ok(*one),
        many => Err(DbError::Filter(format!(
            "'{id_or_prefix}' is ambiguous: it starts {}{} (type more of the id)",
            many.iter().take(3).map(|u| u.to_string()).collect::<Vec<_>>().join(", "),
            if many.len() > 3 { ", …" } else { "" }
        ))),
    }
}
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

/// Refuses a filter this list cannot take, before anything is sent
/// (`filter::dry_run`).
pub fn check_filter(filter: &Filter) -> Result<()> {
    super::filter::dry_run(|qb| push_where(qb, SessionScope::All, filter))
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
    // `id:` names a session by its id or a prefix of it (6+ hex digits): a
    // range scan on the primary key. A bare word that could be such a
    // prefix matches either the id or the lead (a phone number is hex too).
    if let Some(v) = filter.term("id") {
        let (lo, hi) = required_prefix_range(v)?;
        qb.push(" AND s.id BETWEEN ").push_bind(lo).push(" AND ").push_bind(hi);
    }
    filter.push_words_or(qb, &["l.identifier", "l.display_name"], |qb, w| {
        if let Some((lo, hi)) = id_prefix_range(w) {
            qb.push(" OR s.id BETWEEN ").push_bind(lo).push(" AND ").push_bind(hi);
        }
    });
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn id_prefixes_become_primary_key_ranges() {
        let (lo, hi) = id_prefix_range("3fa85f64-57").unwrap();
        assert_eq!(lo.to_string(), "3fa85f64-5700-0000-0000-000000000000");
        assert_eq!(hi.to_string(), "3fa85f64-57ff-ffff-ffff-ffffffffffff");
        assert!(id_prefix_range("3fa85").is_none(), "too short");
        assert!(id_prefix_range("3fa85g").is_none(), "not hex");
    }
}
