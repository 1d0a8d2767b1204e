//! The audit trail: every write the product makes records one audit row in
//! the same transaction as the change, so the two commit or roll back
//! together. Who made it: the database role (filled in by the server), and
//! the OS user and host of the process that made it.
//!
//! In our schema the rows are `audit_log`; in another platform's database
//! they are `ragdesk_audit.audit_log`, a schema of ragdesk's own made by its
//! first write there (the platform's tables stay as they are). One reader,
//! `AuditTrail`, serves both: the Audit tab, `ragdesk audit` and
//! `limits history` read either the same way.

use chrono::{DateTime, Utc};
use serde_json::Value;
use sqlx::{FromRow, PgConnection, Postgres, QueryBuilder};
use uuid::Uuid;

use super::{DbError, Filter, Result};

pub const FILTER_KEYS: &[&str] = &["entity", "key", "action", "tenant", "after", "before"];

/// The entities the product writes, as recorded in `audit_log.entity`.
pub const ENTITIES: &[&str] = &["rate_limit", "tenant_rate_limit", "knowledge_base", "document", "database"];

/// The entities ragdesk writes in another platform's schema (where its
/// layout declares them safe).
pub const FOREIGN_ENTITIES: &[&str] = &["rate_limit", "chunk"];

/// ragdesk's audit in another platform's database, made by the first
/// write there (or beforehand by an administrator, for a role that may
/// insert into it but not create schemas).
const FOREIGN_AUDIT: &str = "CREATE SCHEMA IF NOT EXISTS ragdesk_audit; \
     CREATE TABLE IF NOT EXISTS ragdesk_audit.audit_log ( \
         id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY, at timestamptz NOT NULL DEFAULT now(), \
         layout text NOT NULL, action text NOT NULL, entity text NOT NULL, entity_key text NOT NULL, \
         old_value jsonb, new_value jsonb, reason text, db_role text NOT NULL DEFAULT current_user, \
         os_user text, client_host text); \
     CREATE INDEX IF NOT EXISTS audit_log_at_id ON ragdesk_audit.audit_log (at, id)";

/// The advisory lock two first writes take so that one makes the audit's
/// schema and the other finds it (`CREATE … IF NOT EXISTS` alone races).
const FOREIGN_AUDIT_LOCK: i64 = 0x7261_6764_6573_6b41; // "ragdeskA"

/// One change, as recorded.
#[derive(Debug, Clone, PartialEq)]
pub struct Change<'a> {
    /// What was done: `set`, `create`, `unset`, `delete`, `ingest`, `seed`, `reset`.
    pub action: &'a str,
    pub entity: &'a str,
    /// Which one: a limit's key, a knowledge base's or document's id.
    pub key: String,
    /// The tenant it applies to (a tenant override), if any.
    pub tenant: Option<Uuid>,
    pub old: Option<Value>,
    pub new: Option<Value>,
    pub reason: Option<&'a str>,
}

/// The process making changes: who, for the audit.
#[derive(Debug, Clone, PartialEq)]
pub struct Actor {
    pub os_user: String,
    pub host: String,
}

impl Actor {
    /// The current OS user and host name (`USER`/`LOGNAME`, then the uid;
    /// the kernel's host name, then `HOSTNAME`).
    pub fn current() -> Actor {
        let os_user = ["USER", "LOGNAME"]
            .iter()
            .find_map(|v| std::env::var(v).ok().filter(|s| !s.is_empty()))
            .or_else(user_from_passwd)
            .unwrap_or_else(|| format!("uid {}", uid_from_proc()));
        let host = std::fs::read_to_string("/proc/sys/kernel/hostname")
            .ok()
            .map(|h| h.trim().to_string())
            .filter(|h| !h.is_empty())
            .or_else(|| std::env::var("HOSTNAME").ok())
            .unwrap_or_else(|| "unknown-host".into());
        Actor { os_user, host }
    }
}

/// The name of the real uid in /etc/passwd (services and `sudo -i` shells
/// often have no `USER`).
fn user_from_passwd() -> Option<String> {
    let uid = uid_from_proc();
    let passwd = std::fs::read_to_string("/etc/passwd").ok()?;
    passwd.lines().find_map(|l| {
        let mut f = l.split(':');
        let name = f.next()?;
        (f.nth(1)? == uid).then(|| name.to_string())
    })
}

/// The real uid, from /proc (no libc call needed for a label).
fn uid_from_proc() -> String {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| {
            s.lines().find(|l| l.starts_with("Uid:")).map(|l| l.split_whitespace().nth(1).unwrap_or("?").to_string())
        })
        .unwrap_or_else(|| "?".into())
}

/// Records `change`; call it on the connection of the transaction that makes
/// the change.
pub async fn record(conn: &mut PgConnection, change: &Change<'_>) -> Result<i64> {
    let actor = Actor::current();
    let (id,): (i64,) = sqlx::query_as(
        "INSERT INTO audit_log (actor, action, entity, entity_key, tenant_id, old_value, new_value, reason, os_user, client_host) \
         VALUES ($1 || '@' || $2 || ' as ' || current_user, $3, $4, $5, $6, $7, $8, $9, $1, $2) RETURNING id",
    )
    .bind(&actor.os_user)
    .bind(&actor.host)
    .bind(change.action)
    .bind(change.entity)
    .bind(&change.key)
    .bind(change.tenant)
    .bind(&change.old)
    .bind(&change.new)
    .bind(change.reason.filter(|r| !r.trim().is_empty()))
    .fetch_one(&mut *conn)
    .await?;
    Ok(id)
}

/// Records `change`, made through layout `layout` in another platform's
/// database; call it on the connection of the transaction that makes it
/// (the audit's schema is made by the first write, in that transaction).
pub async fn record_foreign(conn: &mut PgConnection, layout: &str, change: &Change<'_>) -> Result<()> {
    // Made only where missing: CREATE SCHEMA IF NOT EXISTS asks for the
    // right to create schemas even when the schema exists.
    let (exists,): (bool,) =
        sqlx::query_as("SELECT to_regclass('ragdesk_audit.audit_log') IS NOT NULL").fetch_one(&mut *conn).await?;
    if !exists {
        sqlx::query("SELECT pg_advisory_xact_lock($1)").bind(FOREIGN_AUDIT_LOCK).execute(&mut *conn).await?;
        sqlx::Executor::execute(&mut *conn, FOREIGN_AUDIT).await?;
    }
    let actor = Actor::current();
    sqlx::query(
        "INSERT INTO ragdesk_audit.audit_log \
         (layout, action, entity, entity_key, old_value, new_value, reason, os_user, client_host) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)",
    )
    .bind(layout)
    .bind(change.action)
    .bind(change.entity)
    .bind(&change.key)
    .bind(&change.old)
    .bind(&change.new)
    .bind(change.reason.filter(|r| !r.trim().is_empty()))
    .bind(&actor.os_user)
    .bind(&actor.host)
    .execute(&mut *conn)
    .await?;
    Ok(())
}

#[derive(Debug, Clone, PartialEq, FromRow, serde::Serialize)]
pub struct AuditRow {
    pub id: i64,
    pub at: DateTime<Utc>,
    pub action: String,
    pub entity: String,
    pub entity_key: String,
    pub tenant_id: Option<Uuid>,
    /// The tenant's name, when the row is about one that still exists.
    pub tenant_name: Option<String>,
    pub old_value: Option<Value>,
    pub new_value: Option<Value>,
    pub reason: Option<String>,
    /// NULL on rows written before roles were recorded.
    pub db_role: Option<String>,
    pub os_user: Option<String>,
    pub client_host: Option<String>,
    /// In another platform's database: the layout the write went through.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub layout: Option<String>,
}

/// Where a page of the audit starts: after this (at, id), newest first.
pub type AuditCursor = (DateTime<Utc>, i64);

/// ragdesk's audit of the database it is connected to: ours, or the one it
/// keeps in another platform's database.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AuditTrail {
    Native,
    Foreign,
}

impl AuditTrail {
    /// The trail of a database read through `layout` (`None`, or our own
    /// layout asked for by name: ours).
    pub fn for_layout(layout: Option<&super::mapped::Mapped>) -> AuditTrail {
        match layout {
            Some(m) if !m.layout.is_native() => AuditTrail::Foreign,
            _ => AuditTrail::Native,
        }
    }

    /// The entities this trail records (what `entity:` takes).
    pub fn entities(self) -> &'static [&'static str] {
        match self {
            AuditTrail::Native => ENTITIES,
            AuditTrail::Foreign => FOREIGN_ENTITIES,
        }
    }

    /// Refuses a filter this trail cannot take, before anything is sent: a
    /// key it lacks, an entity it does not record, a bad date, a tenant on
    /// another platform's trail.
    pub fn check_filter(self, filter: &Filter) -> Result<()> {
        filter.check_keys(FILTER_KEYS)?;
        if self == AuditTrail::Foreign && filter.term("tenant").is_some() {
            return Err(DbError::Filter(
                "tenant: is for ragdesk's own schema: another platform's has no tenants here".into(),
            ));
        }
        if let Some(e) = filter.term("entity") {
            self.entity(e)?;
        }
        filter.check_dates()
    }

    /// The entity `entity:` names, in the trail's words: `limit` (global
    /// limits and tenant overrides), the short names (`override`, `kb`), or
    /// one the trail records.
    fn entity(self, named: &str) -> Result<Vec<String>> {
        let e = match named.to_ascii_lowercase().as_str() {
            "override" | "overrides" => "tenant_rate_limit".to_string(),
            "kb" => "knowledge_base".to_string(),
            other => other.to_string(),
        };
        if e == "limit" || e == "limits" {
            Ok(vec!["rate_limit".into(), "tenant_rate_limit".into()])
        } else if self.entities().contains(&e.as_str()) {
            Ok(vec![e])
        } else {
            let short = if self == AuditTrail::Native { "limit, override, kb" } else { "limit" };
            Err(DbError::Filter(format!("entity: must be {short} or one of {}", self.entities().join(", "))))
        }
    }

    /// The history, newest first: `limit` rows older than `before`. The
    /// filter takes words (matched against key, action, entity, reason and,
    /// in ours, the tenant's name; in another platform's, the layout) and `entity:`, `key:`, `action:`,
    /// `after:`, `before:`. Another platform's trail is empty before
    /// ragdesk's first write there.
    pub async fn page(
        self,
        conn: &mut PgConnection,
        filter: &Filter,
        before: Option<AuditCursor>,
        limit: u32,
    ) -> Result<Vec<AuditRow>> {
        self.check_filter(filter)?;
        let mut qb = match self {
            AuditTrail::Native => {
                let mut qb = QueryBuilder::<Postgres>::new(
                    "SELECT a.id, a.at, a.action, a.entity, a.entity_key, a.tenant_id, t.name AS tenant_name, \
                     a.old_value, a.new_value, a.reason, a.db_role, a.os_user, a.client_host, NULL::text AS layout \
                     FROM audit_log a LEFT JOIN tenants t ON t.id = a.tenant_id WHERE true",
                );
                filter.push_words(&mut qb, &["a.entity_key", "a.action", "a.entity", "a.reason", "t.name"]);
                // One tenant's changes, by its name (what the Limits tab's `a` asks in a tenant's view).
                if let Some(name) = filter.term("tenant") {
                    qb.push(" AND lower(t.name) = lower(").push_bind(name.to_string()).push(")");
                }
                qb
            }
            AuditTrail::Foreign => {
                let (exists,): (bool,) = sqlx::query_as("SELECT to_regclass('ragdesk_audit.audit_log') IS NOT NULL")
                    .fetch_one(&mut *conn)
                    .await?;
                if !exists {
                    return Ok(Vec::new());
                }
                let mut qb = QueryBuilder::<Postgres>::new(
                    "SELECT a.id, a.at, a.action, a.entity, a.entity_key, NULL::uuid AS tenant_id, \
                     NULL::text AS tenant_name, a.old_value, a.new_value, a.reason, a.db_role, a.os_user, \
                     a.client_host, a.layout FROM ragdesk_audit.audit_log a WHERE true",
                );
                filter.push_words(&mut qb, &["a.entity_key", "a.action", "a.entity", "a.reason", "a.layout"]);
                qb
            }
        };
        if let Some(e) = filter.term("entity") {
            qb.push(" AND a.entity = ANY(").push_bind(self.entity(e)?).push(")");
        }
        if let Some(k) = filter.term("key") {
            qb.push(" AND a.entity_key = ").push_bind(k.to_string());
        }
        if let Some(a) = filter.term("action") {
            qb.push(" AND a.action = ").push_bind(a.to_ascii_lowercase());
        }
        filter.push_dates(&mut qb, "a.at")?;
        if let Some((at, id)) = before {
            qb.push(" AND (a.at, a.id) < (").push_bind(at).push(", ").push_bind(id).push(")");
        }
        qb.push(" ORDER BY a.at DESC, a.id DESC LIMIT ").push_bind(limit as i64);
        Ok(qb.build_query_as::<AuditRow>().fetch_all(&mut *conn).await?)
    }
}

impl AuditRow {
    pub fn cursor(&self) -> AuditCursor {
        (self.at, self.id)
    }

    /// "old → new" for display: values as JSON scalars where they are.
    pub fn change_text(&self) -> String {
        let show = |v: &Option<Value>| match v {
            None | Some(Value::Null) => "—".to_string(),
            Some(Value::String(s)) => s.clone(),
            Some(other) => compact(other),
        };
        match (&self.old_value, &self.new_value) {
            (None, None) => String::new(),
            (None, n) => format!("new: {}", show(n)),
            (o, None) => format!("{} → (removed)", show(o)),
            (o, n) => format!("{} → {}", show(o), show(n)),
        }
    }

    /// "global" or the tenant's name (or id, when it is gone).
    /// Another platform's rows: the layout the write went through.
    pub fn scope_text(&self) -> String {
        match (&self.tenant_name, self.tenant_id, &self.layout) {
            (Some(n), _, _) => format!("tenant {n}"),
            (None, Some(id), _) => format!("tenant {}", &id.to_string()[..8]),
            (None, None, Some(layout)) => format!("layout {layout}"),
            (None, None, None) => "global".into(),
        }
    }

    /// "os_user@host as role".
    pub fn who(&self) -> String {
        format!(
            "{}@{} as {}",
            self.os_user.as_deref().unwrap_or("?"),
            self.client_host.as_deref().unwrap_or("?"),
            self.db_role.as_deref().unwrap_or("?")
        )
    }
}

/// A JSON value on one line; a `{"value": n}` object shows as `n`.
fn compact(v: &Value) -> String {
    match v {
        Value::Object(m) if m.len() == 1 && m.contains_key("value") => compact(&m["value"]),
        Value::Object(m) => m.iter().map(|(k, v)| format!("{k}={}", compact_scalar(v))).collect::<Vec<_>>().join(" "),
        other => compact_scalar(other),
    }
}

fn compact_scalar(v: &Value) -> String {
    match v {
        Value::String(s) => s.clone(),
        other => other.to_string(),
    }
}
