//! Tenants: the top of the hierarchy.
//!
//! The console's lists of these read through our layout (`mapped`, the
//! built-in `native`), as every schema's do. The typed pages here are the
//! reference those are held to (`tests/integration/layouts.rs`) and measured
//! beside (`ragdesk-bench --native-layout`); `find` names a tenant for the CLI.

use chrono::{DateTime, Utc};
use sqlx::{FromRow, PgConnection, Postgres, QueryBuilder};
use uuid::Uuid;

use super::filter::push_keyset_desc;
use super::{Cursor, Filter, Page, Result, RowCount, Seek};

pub const FILTER_KEYS: &[&str] = &["plan", "after", "before"];

#[derive(Debug, Clone, PartialEq, FromRow)]
pub struct TenantRow {
    pub id: Uuid,
    pub name: String,
    pub slug: String,
    pub plan: String,
    pub created_at: DateTime<Utc>,
    pub demo_count: i64,
}

impl TenantRow {
    pub fn cursor(&self) -> Cursor {
        Cursor { ts: self.created_at, id: self.id }
    }
}

/// Refuses a filter this list cannot take, before anything is sent
/// (`filter::dry_run`).
pub fn check_filter(filter: &Filter) -> Result<()> {
    super::filter::dry_run(|qb| push_where(qb, filter))
}

fn push_where(qb: &mut QueryBuilder<'_, Postgres>, filter: &Filter) -> Result<()> {
    filter.check_keys(FILTER_KEYS)?;
    qb.push(" WHERE true");
    filter.push_words(qb, &["t.name", "t.slug"]);
    filter.push_enum(qb, "plan", "t.plan", &["free", "starter", "pro", "enterprise"])?;
    filter.push_dates(qb, "t.created_at")?;
    Ok(())
}

pub async fn list(
    conn: &mut PgConnection,
    filter: &Filter,
    seek: impl Into<Seek>,
    limit: u32,
) -> Result<Page<TenantRow>> {
    let seek: Seek = seek.into();
    let mut qb = QueryBuilder::new(
        "SELECT t.id, t.name, t.slug, t.plan, t.created_at, \
         (SELECT count(*) FROM demos d WHERE d.tenant_id = t.id) AS demo_count FROM tenants t",
    );
    push_where(&mut qb, filter)?;
    push_keyset_desc(&mut qb, "t.created_at", "t.id", seek, limit);
    let rows = qb.build_query_as::<TenantRow>().fetch_all(&mut *conn).await?;
    Ok(Page::from_seek(rows, limit, seek, TenantRow::cursor))
}

pub async fn count(conn: &mut PgConnection, filter: &Filter, exact: bool) -> Result<RowCount> {
    if filter.is_empty() && !exact {
        return super::page_estimate(&mut *conn, "tenants").await;
    }
    let mut qb = QueryBuilder::new("SELECT count(*) FROM (SELECT 1 FROM tenants t");
    push_where(&mut qb, filter)?;
    super::finish_count(&mut *conn, qb, exact).await
}

pub async fn get(conn: &mut PgConnection, id: Uuid) -> Result<TenantRow> {
    sqlx::query_as(
        "SELECT t.id, t.name, t.slug, t.plan, t.created_at, \
         (SELECT count(*) FROM demos d WHERE d.tenant_id = t.id) AS demo_count FROM tenants t WHERE t.id = $1",
    )
    .bind(id)
    .fetch_optional(&mut *conn)
    .await?
    .ok_or_else(|| super::DbError::NotFound(format!("tenant {id}")))
}

/// Finds a tenant by id, slug or name (case-insensitive): (id, name).
pub async fn find(conn: &mut PgConnection, spec: &str) -> Result<(Uuid, String)> {
    let rows: Vec<(Uuid, String)> = sqlx::query_as(
        "SELECT id, name FROM tenants WHERE id::text = lower($1) OR slug = lower($1) OR lower(name) = lower($1) \
         ORDER BY (id::text = lower($1)) DESC, (slug = lower($1)) DESC LIMIT 20",
    )
    .bind(spec.trim())
    .fetch_all(&mut *conn)
    .await?;
    match rows.as_slice() {
        [] => Err(super::DbError::NotFound(format!("tenant '{spec}' (give its id, slug or name)"))),
        [one] => Ok(one.clone()),
        _ => Err(super::DbError::Filter(format!(
            "'{spec}' names {} tenants; pass an id or slug: {}",
            rows.len(),
            rows.iter().map(|r| r.0.to_string()).collect::<Vec<_>>().join(", ")
        ))),
    }
}
