//! The rate limits the Limits tab reads and writes, whatever the schema:
//! one reader per kind of layout, as for conversations. Ours are defaults
//! with per-tenant overrides, usage and history (`limits`); another
//! platform's are rows of its own, one value per key, written only where
//! its layout declares them safe (`mapped`). Everything above this module
//! (the tab, its editor, the confirmation, the save) is one path.

use std::sync::Arc;

use sqlx::PgConnection;
use uuid::Uuid;

use super::limits::{self, Effective, Expect, Override, Usage};
pub use super::mapped::KeysFrom;
use super::mapped::Mapped;
use super::{DbError, Result};
use crate::schema::Kind;

/// What the Limits tab shows for one scope.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct LimitsView {
    pub rows: Vec<Effective>,
    /// The tenant's usage (tenant scope).
    pub usage: Vec<Usage>,
    /// Which tenants override which key (global scope; the newest first, at most `OVERRIDES_SHOWN`).
    pub overrides: Vec<Override>,
    /// The key the next page that way starts beside
    /// (after it going down, before it going up), when more keys match
    /// than this page holds.
    pub next: Option<String>,
}

/// Overrides loaded for the global view of the Limits tab.
pub const OVERRIDES_SHOWN: u32 = 200;

/// A change to a limit, as the console asks for it.
#[derive(Debug, Clone, PartialEq)]
pub struct LimitWrite {
    pub key: String,
    /// The tenant (id, name) whose override changes; `None`: the default.
    pub tenant: Option<(Uuid, String)>,
    pub change: LimitChange,
    pub reason: Option<String>,
}

#[derive(Debug, Clone, PartialEq)]
pub enum LimitChange {
    Set {
        value: i32,
        expect: Expect,
    },
    /// Remove the tenant's override (back to the default).
    Unset {
        expect: Expect,
    },
    /// A new key with its default and description.
    Create {
        value: i32,
        description: String,
    },
}

/// Who reads and writes rate limits on this database. Both read their
/// rows through the layout; ours adds what only ours has.
#[derive(Debug, Clone)]
pub enum RateLimits {
    /// ragdesk's own schema (`native.toml`): the keys' defaults as every
    /// layout's rows, with tenants' overrides and usage beside them, and
    /// writes audited in our own `audit_log`.
    Native(Arc<Mapped>),
    /// Another platform's schema, through its layout.
    Mapped(Arc<Mapped>),
}

impl RateLimits {
    /// Ours when the layout is ours (tenants, overrides and our audit),
    /// else another platform's.
    pub fn for_layout(m: Arc<Mapped>) -> RateLimits {
        if m.layout.is_native() { RateLimits::Native(m) } else { RateLimits::Mapped(m) }
    }

    /// The layout the keys are read through (ours or theirs).
    fn mapped(&self) -> &Mapped {
        match self {
            RateLimits::Native(m) | RateLimits::Mapped(m) => m,
        }
    }

    /// The limits whose key, description (or the name of the row the key
    /// is the id of) holds every word of `words`: a page of `limit` by key
    /// from where `from` says (keyset: the key is unique; a table of one
    /// per customer may hold millions), in key order; on the first page,
    /// the row of `want` (the key asked for) after them where it is not
    /// among them. Ours as they apply to `tenant` (`None`: the defaults),
    /// with its usage or (global) the overrides; another platform's each
    /// key's value as a default of its own.
    pub async fn view(
        &self,
        conn: &mut PgConnection,
        tenant: Option<Uuid>,
        want: Option<&str>,
        words: &str,
        from: &KeysFrom,
        limit: u32,
    ) -> Result<LimitsView> {
        let m = self.mapped();
        let (mut read, more) = m.limits_matching(&mut *conn, words, from, limit).await?;
        // Where the next page that way starts: after the last key going
        // down, before the first going up.
        let edge = if from.backward() { read.first() } else { read.last() };
        let next = edge.map(|l| l.key.clone()).filter(|_| more);
        // The key asked for (Enter on a customer's row) is shown, past the
        // first page as much as on it.
        // (Not under words: a key they do not hold is not found.)
        let unfiltered = words.trim().is_empty();
        let top = *from == KeysFrom::Top;
        if let Some(key) = want.filter(|k| top && unfiltered && !read.iter().any(|l| l.key == *k))
            && let Some(row) = m.limit(&mut *conn, key).await?
        {
            read.push(row);
        }
        // Ours: each key's override for the tenant, and how many tenants
        // override it.
        let keys: Vec<String> = read.iter().map(|l| l.key.clone()).collect();
        let mut overridden: std::collections::HashMap<String, limits::KeyOverrides> = match self {
            RateLimits::Native(_) => limits::overrides_of_keys(&mut *conn, tenant, &keys).await?,
            RateLimits::Mapped(_) => Vec::new(),
        }
        .into_iter()
        .map(|o| (o.key.clone(), o))
        .collect();
        let rows = read
            .into_iter()
            .map(|l| {
                let o = overridden.remove(&l.key);
                let value = l.value.and_then(|v| i32::try_from(v).ok()).unwrap_or(0);
                let default = limits::Limit { key: l.key, value, description: l.description, version: l.version };
                Effective { name: l.name, ..Effective::of(default, o) }
            })
            .collect();
        // (Read with the rows they stand beside, not with each page more.)
        let (usage, overrides) = match (self, tenant) {
            (RateLimits::Native(_), _) if !from.replaces() => (Vec::new(), Vec::new()),
            (RateLimits::Native(_), Some(t)) => (limits::usage(&mut *conn, t).await?, Vec::new()),
            (RateLimits::Native(_), None) => (Vec::new(), limits::overrides(&mut *conn, None, OVERRIDES_SHOWN).await?),
            (RateLimits::Mapped(_), _) => (Vec::new(), Vec::new()),
        };
        Ok(LimitsView { rows, usage, overrides, next })
    }

    /// How many keys hold every word of `words` (as `view` finds them).
    pub async fn count(&self, conn: &mut PgConnection, words: &str, exact: bool) -> Result<super::RowCount> {
        self.mapped().count_limits(conn, words, exact).await
    }

    /// Carries out `w`, audited in the same transaction; what changed, in a line.
    pub async fn write(&self, conn: &mut PgConnection, w: &LimitWrite) -> Result<String> {
        match self {
            RateLimits::Native(m) => write_native(conn, m, w).await,
            RateLimits::Mapped(m) => match (&w.change, &w.tenant) {
                (LimitChange::Set { value, expect }, None) => {
                    let (old, new) = m.set_limit(conn, &w.key, *value, version(expect), w.reason.as_deref()).await?;
                    // The change first: a narrow status line keeps it.
                    Ok(format!(
                        "saved {} → {new}: {} (audited in ragdesk_audit.audit_log)",
                        old.map(|v| v.to_string()).unwrap_or_else(|| "unset".into()),
                        w.key
                    ))
                }
                _ => Err(DbError::Invalid(format!(
                    "on layout '{}' a {} is a value of its own row: it is set, not created, overridden or reset",
                    m.layout.name,
                    m.layout.label(Kind::RateLimit)
                ))),
            },
        }
    }
}

/// The row version a write must find (`None`: any).
fn version(expect: &Expect) -> Option<&str> {
    match expect {
        Expect::Version(v) => Some(v.as_str()),
        Expect::Absent | Expect::Any => None,
    }
}

/// Ours: a default is set through our layout as another platform's limit
/// is (audited in our own log); overrides and new keys, which only ours
/// have, by our own queries.
async fn write_native(conn: &mut PgConnection, m: &Mapped, w: &LimitWrite) -> Result<String> {
    let reason = w.reason.as_deref();
    let scope = match &w.tenant {
        Some((_, name)) => format!("for tenant {}", crate::sanitize::sanitize_line(name)),
        None => "(global default)".to_string(),
    };
    Ok(match (&w.change, &w.tenant) {
        (LimitChange::Set { expect: Expect::Absent, .. }, None) => {
            return Err(DbError::Invalid(format!("{} is a default: it always exists", w.key)));
        }
        (LimitChange::Set { value, expect }, None) => {
            let set = m.set_limit(conn, &w.key, *value, version(expect), reason).await;
            let (_, new) = set.map_err(|e| match e {
                DbError::NotFound(_) => {
                    DbError::Invalid(format!("unknown limit '{}' (create it with a description first)", w.key))
                }
                e => e,
            })?;
            format!("{} = {new} {scope}", w.key)
        }
        (LimitChange::Set { value, expect }, Some((tenant, _))) => {
            let row = limits::set_override(conn, *tenant, &w.key, *value, expect, reason).await?;
            format!("{} = {} {scope}", row.key, row.value())
        }
        (LimitChange::Unset { expect }, Some((tenant, _))) => {
            let old = limits::unset_override(conn, *tenant, &w.key, expect, reason).await?;
            format!("{}: override {old} removed {scope}; the default applies", w.key)
        }
        (LimitChange::Unset { .. }, None) => {
            return Err(DbError::Invalid("a default cannot be unset, only changed".into()));
        }
        (LimitChange::Create { value, description }, _) => {
            let row = limits::create(conn, &w.key, *value, description, reason).await?;
            format!("created {} = {}", row.key, row.value)
        }
    })
}
