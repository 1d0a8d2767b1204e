//! Leads: unique visitors of a demo.
//!
//! The console's lists of these read through our layout (`mapped`, the
//! built-in `native`), as every schema's do. The typed pages here are the
//! reference those are held to (`tests/integration/layouts.rs`) and measured
//! beside (`ragdesk-bench --native-layout`).

use chrono::{DateTime, Utc};
use sqlx::{FromRow, PgConnection, Postgres, QueryBuilder};
use uuid::Uuid;

use super::filter::push_keyset_desc;
use super::{Cursor, Filter, Page, Result, RowCount, Seek};

pub const FILTER_KEYS: &[&str] = &["type", "after", "before"];
pub const IDENTIFIER_TYPES: &[&str] = &["email", "phone", "anonymous"];

#[derive(Debug, Clone, PartialEq, FromRow)]
pub struct LeadRow {
    pub id: Uuid,
    pub demo_id: Uuid,
    pub identifier: String,
    pub identifier_type: Option<String>,
    pub display_name: Option<String>,
    pub created_at: DateTime<Utc>,
    pub last_seen_at: DateTime<Utc>,
    pub metadata: serde_json::Value,
    pub session_count: i64,
}

impl LeadRow {
    /// Leads are listed by recent activity.
    pub fn cursor(&self) -> Cursor {
        Cursor { ts: self.created_at, id: self.id }
    }
    pub fn label(&self) -> &str {
        self.display_name.as_deref().unwrap_or(&self.identifier)
    }
}

/// Refuses a filter this list cannot take, before anything is sent
/// (`filter::dry_run`).
pub fn check_filter(filter: &Filter) -> Result<()> {
    super::filter::dry_run(|qb| push_where(qb, Uuid::nil(), filter))
}

fn push_where(qb: &mut QueryBuilder<'_, Postgres>, demo: Uuid, filter: &Filter) -> Result<()> {
    filter.check_keys(FILTER_KEYS)?;
    qb.push(" WHERE l.demo_id = ").push_bind(demo);
    filter.push_words(qb, &["l.identifier", "l.display_name"]);
    filter.push_enum(qb, "type", "l.identifier_type", IDENTIFIER_TYPES)?;
    filter.push_dates(qb, "l.last_seen_at")?;
    Ok(())
}

pub async fn list(
    conn: &mut PgConnection,
    demo: Uuid,
    filter: &Filter,
    seek: impl Into<Seek>,
    limit: u32,
) -> Result<Page<LeadRow>> {
    let seek: Seek = seek.into();
    let mut qb = QueryBuilder::new(
        "SELECT l.id, l.demo_id, l.identifier, l.identifier_type, l.display_name, l.created_at, l.last_seen_at, \
         l.metadata, (SELECT count(*) FROM sessions s WHERE s.lead_id = l.id) AS session_count FROM leads l",
    );
    push_where(&mut qb, demo, filter)?;
    // Paged on when the lead was first seen: `last_seen_at` moves while
    // a list is open, and a moving key would skip or repeat leads.
    push_keyset_desc(&mut qb, "l.created_at", "l.id", seek, limit);
    let rows = qb.build_query_as::<LeadRow>().fetch_all(&mut *conn).await?;
    Ok(Page::from_seek(rows, limit, seek, LeadRow::cursor))
}

pub async fn count(conn: &mut PgConnection, demo: Uuid, filter: &Filter, exact: bool) -> Result<RowCount> {
    let mut qb = QueryBuilder::new("SELECT count(*) FROM (SELECT 1 FROM leads l");
    push_where(&mut qb, demo, filter)?;
    super::finish_count(&mut *conn, qb, exact).await
}
