//! Demos: chatbot configurations, owned by a tenant.
//!
//! The console's lists of these read through our layout (`mapped`, the
//! built-in `native`), as every schema's do. The typed pages here are the
//! reference those are held to (`tests/integration/layouts.rs`) and measured
//! beside (`ragdesk-bench --native-layout`).

use chrono::{DateTime, Utc};
use sqlx::{FromRow, PgConnection, Postgres, QueryBuilder};
use uuid::Uuid;

use super::filter::push_keyset_desc;
use super::{Cursor, DbError, Filter, Page, Result, RowCount, Seek};

pub const FILTER_KEYS: &[&str] = &["status", "mission", "after", "before"];
pub const STATUSES: &[&str] = &["draft", "active", "expired", "blueprint"];
pub const MISSIONS: &[&str] = &["reactivation", "nurture", "service", "review"];

#[derive(Debug, Clone, PartialEq, FromRow)]
pub struct DemoRow {
    pub id: Uuid,
    pub tenant_id: Uuid,
    pub tenant_name: String,
    pub company_name: Option<String>,
    pub industry: Option<String>,
    pub status: String,
    pub mission_profile: Option<String>,
    pub created_at: DateTime<Utc>,
    pub expires_at: Option<DateTime<Utc>>,
    pub deleted_at: Option<DateTime<Utc>>,
}

impl DemoRow {
    pub fn cursor(&self) -> Cursor {
        Cursor { ts: self.created_at, id: self.id }
    }
    pub fn label(&self) -> &str {
        self.company_name.as_deref().unwrap_or("(unnamed demo)")
    }
}

/// Every field of seed 000's `demos`, for the detail view.
#[derive(Debug, Clone, PartialEq, FromRow)]
pub struct DemoDetail {
    pub id: Uuid,
    pub tenant_id: Uuid,
    pub tenant_name: String,
    pub created_at: DateTime<Utc>,
    pub expires_at: Option<DateTime<Utc>>,
    pub company_name: Option<String>,
    pub industry: Option<String>,
    pub website_url: Option<String>,
    pub products_services: Vec<String>,
    pub offers: Vec<String>,
    pub qualification_criteria: Vec<String>,
    pub logo_url: Option<String>,
    pub primary_color: String,
    pub secondary_color: String,
    pub mission_profile: Option<String>,
    pub openrouter_model: Option<String>,
    pub system_prompt: Option<String>,
    pub status: String,
    pub created_by: Option<String>,
    pub updated_at: DateTime<Utc>,
    pub deleted_at: Option<DateTime<Utc>>,
    pub current_step: Option<String>,
    pub knowledge_base_id: Option<Uuid>,
    pub lead_count: i64,
    pub session_count: i64,
}

const SELECT_ROW: &str = "SELECT d.id, d.tenant_id, t.name AS tenant_name, d.company_name, d.industry, d.status, \
     d.mission_profile, d.created_at, d.expires_at, d.deleted_at FROM demos d JOIN tenants t ON t.id = d.tenant_id";

/// Refuses a filter this list cannot take, before anything is sent
/// (`filter::dry_run`).
pub fn check_filter(filter: &Filter) -> Result<()> {
    super::filter::dry_run(|qb| push_where(qb, None, filter))
}

fn push_where(qb: &mut QueryBuilder<'_, Postgres>, tenant: Option<Uuid>, filter: &Filter) -> Result<()> {
    filter.check_keys(FILTER_KEYS)?;
    qb.push(" WHERE true");
    if let Some(t) = tenant {
        qb.push(" AND d.tenant_id = ").push_bind(t);
    }
    filter.push_words(qb, &["d.company_name", "d.industry", "d.website_url"]);
    match filter.term("status").map(str::to_ascii_lowercase).as_deref() {
        // Soft-deleted demos keep their status; `status:deleted` finds them.
        Some("deleted") => {
            qb.push(" AND d.deleted_at IS NOT NULL");
        }
        Some(s) if STATUSES.contains(&s) => {
            qb.push(" AND d.deleted_at IS NULL AND d.status = ").push_bind(s.to_string());
        }
        Some(_) => {
            return Err(DbError::Filter(format!("status: must be one of {}, deleted", STATUSES.join(", "))));
        }
        None => {}
    }
    filter.push_enum(qb, "mission", "d.mission_profile", MISSIONS)?;
    filter.push_dates(qb, "d.created_at")?;
    Ok(())
}

pub async fn list(
    conn: &mut PgConnection,
    tenant: Option<Uuid>,
    filter: &Filter,
    seek: impl Into<Seek>,
    limit: u32,
) -> Result<Page<DemoRow>> {
    let seek: Seek = seek.into();
    let mut qb = QueryBuilder::new(SELECT_ROW);
    push_where(&mut qb, tenant, filter)?;
    push_keyset_desc(&mut qb, "d.created_at", "d.id", seek, limit);
    let rows = qb.build_query_as::<DemoRow>().fetch_all(&mut *conn).await?;
    Ok(Page::from_seek(rows, limit, seek, DemoRow::cursor))
}

pub async fn count(conn: &mut PgConnection, tenant: Option<Uuid>, filter: &Filter, exact: bool) -> Result<RowCount> {
    if tenant.is_none() && filter.is_empty() && !exact {
        return super::page_estimate(&mut *conn, "demos").await;
    }
    let mut qb = QueryBuilder::new("SELECT count(*) FROM (SELECT 1 FROM demos d");
    push_where(&mut qb, tenant, filter)?;
    super::finish_count(&mut *conn, qb, exact).await
}

pub async fn get(conn: &mut PgConnection, id: Uuid) -> Result<DemoDetail> {
    sqlx::query_as(
        "SELECT d.id, d.tenant_id, t.name AS tenant_name, d.created_at, d.expires_at, d.company_name, d.industry, \
         d.website_url, d.products_services, d.offers, d.qualification_criteria, d.logo_url, d.primary_color, \
         d.secondary_color, d.mission_profile, d.openrouter_model, d.system_prompt, d.status, d.created_by, \
         d.updated_at, d.deleted_at, d.current_step, d.knowledge_base_id, \
         (SELECT count(*) FROM leads l WHERE l.demo_id = d.id) AS lead_count, \
         (SELECT count(*) FROM sessions s WHERE s.demo_id = d.id) AS session_count \
         FROM demos d JOIN tenants t ON t.id = d.tenant_id WHERE d.id = $1",
    )
    .bind(id)
    .fetch_optional(&mut *conn)
    .await?
    .ok_or_else(|| DbError::NotFound(format!("demo {id}")))
}
