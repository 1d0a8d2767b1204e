//! Leads: unique visitors of a demo.

use chrono::{DateTime, Utc};
use sqlx::{FromRow, PgPool, Postgres, QueryBuilder};
use uuid::Uuid;

use super::filter::push_keyset_desc;
use super::{Cursor, Filter, Page, Result, RowCount};

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
        Cursor { ts: self.last_seen_at, id: self.id }
    }
    pub fn label(&self) -> &str {
        self.display_name.as_deref().unwrap_or(&self.identifier)
    }
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
    pool: &PgPool,
    demo: Uuid,
    filter: &Filter,
    after: Option<Cursor>,
    limit: u32,
) -> Result<Page<LeadRow>> {
    let mut qb = QueryBuilder::new(
        "SELECT l.id, l.demo_id, l.identifier, l.identifier_type, l.display_name, l.created_at, l.last_seen_at, \
         l.metadata, (SELECT count(*) FROM sessions s WHERE s.lead_id = l.id) AS session_count FROM leads l",
    );
    push_where(&mut qb, demo, filter)?;
    push_keyset_desc(&mut qb, "l.last_seen_at", "l.id", after, limit);
    let rows = qb.build_query_as::<LeadRow>().fetch_all(pool).await?;
    Ok(Page::from_rows(rows, limit, LeadRow::cursor))
}

pub async fn count(pool: &PgPool, demo: Uuid, filter: &Filter, exact: bool) -> Result<RowCount> {
    let mut qb = QueryBuilder::new("SELECT count(*) FROM (SELECT 1 FROM leads l");
    push_where(&mut qb, demo, filter)?;
    super::finish_count(pool, qb, exact).await
}
