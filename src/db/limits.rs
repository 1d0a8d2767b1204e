//! Rate limits: the global defaults (`rate_limits`) and per-tenant
//! overrides (`tenant_rate_limits`). Every change is validated first,
//! refused when the row changed since the caller read it (optimistic
//! concurrency on the row's `xmin`), and audited in the same transaction.

use chrono::{DateTime, Utc};
use serde_json::json;
use sqlx::{FromRow, PgConnection};
use uuid::Uuid;

use super::audit::{self, Change};
use super::{DbError, Result};

/// Sane bounds per key, checked before anything is sent. A value outside
/// them is almost certainly a typo (an extra zero, a pasted id).
///
/// | key | bounds | why |
/// |---|---|---|
/// | `messages_per_demo` | 0–10,000 | a demo session is a conversation, not a log |
/// | `demos_per_hour` | 0–1,000 | one every 4 s is already a script |
/// | `api_calls_per_minute` | 0–6,000 | 100 a second protects the scraper's targets |
/// | `tokens_per_demo` | 0–10,000,000 | ~$100 of tokens for the largest models |
/// | any other key | 0–1,000,000,000 | fits `integer`, with room to spare |
pub const BOUNDS: &[(&str, i32, i32)] = &[
    ("messages_per_demo", 0, 10_000),
    ("demos_per_hour", 0, 1_000),
    ("api_calls_per_minute", 0, 6_000),
    ("tokens_per_demo", 0, 10_000_000),
];
pub const CUSTOM_BOUNDS: (i32, i32) = (0, 1_000_000_000);

pub fn bounds(key: &str) -> (i32, i32) {
    BOUNDS.iter().find(|(k, _, _)| *k == key).map(|&(_, lo, hi)| (lo, hi)).unwrap_or(CUSTOM_BOUNDS)
}

/// Parses and checks a value typed for `key`: a whole number within the
/// key's bounds. The message says what is wrong and what is allowed.
pub fn parse_value(key: &str, text: &str) -> Result<i32> {
    let (lo, hi) = bounds(key);
    let typed = text.trim();
    let (lo_text, hi_text) = (super::page::group(lo as i64), super::page::group(hi as i64));
    let invalid = |why: String| DbError::Invalid(format!("{key}: {why} (allowed: {lo_text} to {hi_text})"));
    if typed.is_empty() {
        return Err(invalid("a value is required".into()));
    }
    let t = ungroup(typed).ok_or_else(|| {
        invalid(format!("'{typed}' is not a whole number (group digits in threes: 10,000 or 10_000)"))
    })?;
    // Digits only (a sign of `+`, or digits of another script, are not what
    // the bounds are written in); a leading `-` is said to be negative below.
    let digits = t.strip_prefix('-').unwrap_or(&t);
    if digits.is_empty() || !digits.chars().all(|c| c.is_ascii_digit()) {
        return Err(invalid(format!("'{typed}' is not a whole number")));
    }
    // A leading zero is more often a slip (a digit lost before it) than meant.
    if digits.len() > 1 && digits.starts_with('0') {
        return Err(invalid(format!("'{typed}' starts with a zero; type the number as it is read")));
    }
    let v: i64 = t.parse().map_err(|_| {
        // (Digits only by now: too many of them for any bound.)
        invalid(if t.starts_with('-') { "must not be negative".into() } else { format!("{typed} is out of bounds") })
    })?;
    if v < 0 {
        return Err(invalid("must not be negative".into()));
    }
    if v < lo as i64 || v > hi as i64 {
        return Err(invalid(format!("{v} is out of bounds")));
    }
    Ok(v as i32)
}

/// The digits of `text` when its separators (`,` or `_`, one kind) group
/// them in threes from the right, as a reader would: `10,000` and `10_000`
/// are ten thousand; `1,00` or `1,0,0` are slips, not a hundred. Text
/// without separators is returned as it is (the parse then judges it).
fn ungroup(text: &str) -> Option<String> {
    let (sign, digits) = match text.strip_prefix('-') {
        Some(rest) => ("-", rest),
        None => ("", text),
    };
    let separator = match (digits.contains(','), digits.contains('_')) {
        (false, false) => return Some(text.to_string()),
        (true, true) => return None,
        (true, false) => ',',
        (false, true) => '_',
    };
    let groups: Vec<&str> = digits.split(separator).collect();
    let (first, rest) = groups.split_first()?;
    let well_grouped = (1..=3).contains(&first.len()) && rest.iter().all(|g| g.len() == 3);
    let all_digits = groups.iter().all(|g| g.chars().all(|c| c.is_ascii_digit()));
    (well_grouped && all_digits).then(|| format!("{sign}{}", groups.concat()))
}

/// A new key's name: lower-case words joined by `_`, like the built-in ones.
pub fn check_key_name(key: &str) -> Result<()> {
    let ok = (2..=63).contains(&key.len())
        && key.starts_with(|c: char| c.is_ascii_lowercase())
        && key.chars().all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_');
    if ok {
        Ok(())
    } else {
        Err(DbError::Invalid(format!("'{key}' is not a key name (use lower_case_words, 2-63 chars)")))
    }
}

/// A global limit. `version` is the row's `xmin`: pass it back to a write
/// so a change made since is not overwritten.
#[derive(Debug, Clone, PartialEq, FromRow, serde::Serialize)]
pub struct Limit {
    pub key: String,
    pub value: i32,
    pub description: Option<String>,
    pub version: String,
}

/// A limit as it applies to one tenant: the default, and the override when
/// there is one.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct Effective {
    pub key: String,
    pub description: Option<String>,
    pub default_value: i32,
    pub default_version: String,
    pub override_value: Option<i32>,
    pub override_version: Option<String>,
    pub override_updated_at: Option<DateTime<Utc>>,
    pub override_updated_by: Option<String>,
    /// Tenants with an override of this key (all of them, not just this one).
    pub overrides: i64,
    /// What the key names, where a layout says (the title of the bot whose
    /// id it is); ours are names already.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
}

impl Effective {
    /// A key's row (its default) with what our overrides say of it.
    pub fn of(default: Limit, o: Option<KeyOverrides>) -> Effective {
        Effective {
            key: default.key,
            description: default.description,
            default_value: default.value,
            default_version: default.version,
            override_value: o.as_ref().and_then(|o| o.override_value),
            override_version: o.as_ref().and_then(|o| o.override_version.clone()),
            override_updated_at: o.as_ref().and_then(|o| o.override_updated_at),
            override_updated_by: o.as_ref().and_then(|o| o.override_updated_by.clone()),
            overrides: o.map_or(0, |o| o.overrides),
            name: None,
        }
    }

    pub fn value(&self) -> i32 {
        self.override_value.unwrap_or(self.default_value)
    }

    pub fn source(&self) -> &'static str {
        if self.override_value.is_some() { "override" } else { "default" }
    }
}

/// A tenant's override, for the list of overrides of a key.
#[derive(Debug, Clone, PartialEq, FromRow, serde::Serialize)]
pub struct Override {
    pub tenant_id: Uuid,
    pub tenant_name: String,
    pub key: String,
    pub value: i32,
    pub updated_at: DateTime<Utc>,
    pub updated_by: Option<String>,
}

/// What our overrides say of each of `keys`: `tenant`'s override (none
/// for the global view) and how many tenants override it. The keys' own
/// rows (their defaults) are read through our layout (`rate_limits`).
pub async fn overrides_of_keys(
    conn: &mut PgConnection,
    tenant: Option<Uuid>,
    keys: &[String],
) -> Result<Vec<KeyOverrides>> {
    Ok(sqlx::query_as(
        "SELECT k.key, o.value AS override_value, o.xmin::text AS override_version, \
                o.updated_at AS override_updated_at, o.updated_by AS override_updated_by, \
                (SELECT count(*) FROM tenant_rate_limits c WHERE c.key = k.key) AS overrides \
         FROM unnest($1::text[]) k(key) LEFT JOIN tenant_rate_limits o ON o.key = k.key AND o.tenant_id = $2",
    )
    .bind(keys)
    .bind(tenant)
    .fetch_all(&mut *conn)
    .await?)
}

/// `key` as it applies to `tenant` now: its default and the tenant's
/// override (what a write of ours gives back).
pub async fn effective_of(conn: &mut PgConnection, tenant: Uuid, key: &str) -> Result<Effective> {
    let default = get(&mut *conn, key).await?;
    let o = overrides_of_keys(&mut *conn, Some(tenant), &[key.to_string()]).await?.pop();
    Ok(Effective::of(default, o))
}

/// A key's overrides, as `overrides_of_keys` reads them.
#[derive(Debug, Clone, PartialEq, FromRow)]
pub struct KeyOverrides {
    pub key: String,
    pub override_value: Option<i32>,
    pub override_version: Option<String>,
    pub override_updated_at: Option<DateTime<Utc>>,
    pub override_updated_by: Option<String>,
    pub overrides: i64,
}

pub async fn get(conn: &mut PgConnection, key: &str) -> Result<Limit> {
    sqlx::query_as("SELECT key, value, description, xmin::text AS version FROM rate_limits WHERE key = $1")
        .bind(key)
        .fetch_optional(&mut *conn)
        .await?
        .ok_or_else(|| unknown_key(key))
}

fn unknown_key(key: &str) -> DbError {
    DbError::Invalid(format!("unknown limit '{key}' (create it with a description first)"))
}

/// The overrides of `key` (all keys when `None`), newest change first, at
/// most `limit`.
pub async fn overrides(conn: &mut PgConnection, key: Option<&str>, limit: u32) -> Result<Vec<Override>> {
    Ok(sqlx::query_as(
        "SELECT o.tenant_id, t.name AS tenant_name, o.key, o.value, o.updated_at, o.updated_by \
         FROM tenant_rate_limits o JOIN tenants t ON t.id = o.tenant_id \
         WHERE $1::text IS NULL OR o.key = $1 ORDER BY o.updated_at DESC, o.tenant_id LIMIT $2",
    )
    .bind(key)
    .bind(limit as i64)
    .fetch_all(&mut *conn)
    .await?)
}

/// What a write expects to find: the version it read, or (for an
/// override) that there is none yet.
#[derive(Debug, Clone, PartialEq)]
pub enum Expect {
    /// The row as read, by `xmin`.
    Version(String),
    /// No override row yet.
    Absent,
    /// Whatever is there (`limits unset` on the command line: removing an
    /// override whatever its value is what the operator asked for).
    Any,
}

/// Who changed an override, for `tenant_rate_limits.updated_by`.
fn updated_by() -> String {
    let a = audit::Actor::current();
    format!("{}@{}", a.os_user, a.host)
}

fn conflict(what: &str, current: Option<i32>) -> DbError {
    DbError::Conflict(match current {
        Some(v) => format!("{what} changed since it was read: it is now {v}; nothing was written"),
        None => format!("{what} changed since it was read: it is now unset; nothing was written"),
    })
}

/// Commits `tx` when `result` is Ok; otherwise rolls it back at once. A
/// transaction only dropped rolls back on its connection's next use, so a
/// refused write on a connection kept open would hold its row locks and
/// block the next writer until then.
pub(crate) async fn finish<T>(tx: sqlx::Transaction<'_, sqlx::Postgres>, result: Result<T>) -> Result<T> {
    match result {
        Ok(v) => {
            tx.commit().await?;
            Ok(v)
        }
        Err(e) => {
            let _ = tx.rollback().await;
            Err(e)
        }
    }
}

/// Audits a change of `key`: a default when `tenant` is `None`, that
/// tenant's override otherwise. Call it on the change's transaction.
async fn audit_change(
    tx: &mut PgConnection,
    action: &str,
    key: &str,
    tenant: Option<Uuid>,
    old: Option<serde_json::Value>,
    new: Option<serde_json::Value>,
    reason: Option<&str>,
) -> Result<i64> {
    let entity = if tenant.is_some() { "tenant_rate_limit" } else { "rate_limit" };
    audit::record(tx, &Change { action, entity, key: key.to_string(), tenant, old, new, reason }).await
}

/// Creates a new key with its default and a description (required: an
/// undocumented limit is a trap for the next operator).
pub async fn create(
    conn: &mut PgConnection,
    key: &str,
    value: i32,
    description: &str,
    reason: Option<&str>,
) -> Result<Limit> {
    check_key_name(key)?;
    check_bounds(key, value)?;
    if description.trim().is_empty() {
        return Err(DbError::Invalid(format!("a new limit needs a description ('{key}' is not a known limit)")));
    }
    let mut tx = sqlx::Connection::begin(&mut *conn).await?;
    let result = create_in(&mut tx, key, value, description, reason).await;
    finish(tx, result).await
}

async fn create_in(
    tx: &mut PgConnection,
    key: &str,
    value: i32,
    description: &str,
    reason: Option<&str>,
) -> Result<Limit> {
    let created: Option<Limit> = sqlx::query_as(
        "INSERT INTO rate_limits (key, value, description) VALUES ($1, $2, $3) ON CONFLICT (key) DO NOTHING \
         RETURNING key, value, description, xmin::text AS version",
    )
    .bind(key)
    .bind(value)
    .bind(description.trim())
    .fetch_optional(&mut *tx)
    .await?;
    let Some(row) = created else {
        let existing: (i32,) =
            sqlx::query_as("SELECT value FROM rate_limits WHERE key = $1").bind(key).fetch_one(&mut *tx).await?;
        return Err(DbError::Conflict(format!("{key} already exists (value {}); nothing was written", existing.0)));
    };
    audit_change(
        tx,
        "create",
        key,
        None,
        None,
        Some(json!({"value": value, "description": description.trim()})),
        reason,
    )
    .await?;
    Ok(row)
}

fn check_bounds(key: &str, value: i32) -> Result<()> {
    parse_value(key, &value.to_string()).map(|_| ())
}

/// Sets `tenant`'s override of `key`.
pub async fn set_override(
    conn: &mut PgConnection,
    tenant: Uuid,
    key: &str,
    value: i32,
    expect: &Expect,
    reason: Option<&str>,
) -> Result<Effective> {
    check_bounds(key, value)?;
    let mut tx = sqlx::Connection::begin(&mut *conn).await?;
    let result = set_override_in(&mut tx, tenant, key, value, expect, reason).await;
    finish(tx, result).await?;
    effective_of(conn, tenant, key).await
}

async fn set_override_in(
    tx: &mut PgConnection,
    tenant: Uuid,
    key: &str,
    value: i32,
    expect: &Expect,
    reason: Option<&str>,
) -> Result<()> {
    // The key must exist, and must not be removed while we write.
    let known: Option<(i32,)> = sqlx::query_as("SELECT value FROM rate_limits WHERE key = $1 FOR SHARE")
        .bind(key)
        .fetch_optional(&mut *tx)
        .await?;
    if known.is_none() {
        return Err(unknown_key(key));
    }
    let current: Option<(i32, String)> =
        sqlx::query_as("SELECT value, xmin::text FROM tenant_rate_limits WHERE tenant_id = $1 AND key = $2 FOR UPDATE")
            .bind(tenant)
            .bind(key)
            .fetch_optional(&mut *tx)
            .await?;
    let what = format!("the override of {key}");
    match (&current, expect) {
        (Some((old, v)), Expect::Version(want)) if v != want => return Err(conflict(&what, Some(*old))),
        (Some((old, _)), Expect::Absent) => return Err(conflict(&what, Some(*old))),
        (None, Expect::Version(_)) => return Err(conflict(&what, None)),
        _ => {}
    }
    let by = updated_by();
    if current.is_some() {
        sqlx::query("UPDATE tenant_rate_limits SET value = $3, updated_by = $4 WHERE tenant_id = $1 AND key = $2")
            .bind(tenant)
            .bind(key)
            .bind(value)
            .bind(&by)
            .execute(&mut *tx)
            .await?;
    } else {
        // Two writers that both saw no override: the second one's insert
        // waits for the first and then finds its row.
        let inserted = sqlx::query(
            "INSERT INTO tenant_rate_limits (tenant_id, key, value, updated_by) VALUES ($1, $2, $3, $4) \
             ON CONFLICT (tenant_id, key) DO NOTHING",
        )
        .bind(tenant)
        .bind(key)
        .bind(value)
        .bind(&by)
        .execute(&mut *tx)
        .await
        .map_err(|e| match DbError::from(e) {
            DbError::Sql(sqlx::Error::Database(d)) if d.code().as_deref() == Some("23503") => {
                DbError::NotFound(format!("tenant {tenant}"))
            }
            other => other,
        })?;
        if inserted.rows_affected() == 0 {
            let now: (i32,) = sqlx::query_as("SELECT value FROM tenant_rate_limits WHERE tenant_id = $1 AND key = $2")
                .bind(tenant)
                .bind(key)
                .fetch_one(&mut *tx)
                .await?;
            return Err(conflict(&what, Some(now.0)));
        }
    }
    audit_change(tx, "set", key, Some(tenant), current.map(|(v, _)| json!(v)), Some(json!(value)), reason).await?;
    Ok(())
}

/// Removes `tenant`'s override of `key`: the default applies again.
pub async fn unset_override(
    conn: &mut PgConnection,
    tenant: Uuid,
    key: &str,
    expect: &Expect,
    reason: Option<&str>,
) -> Result<i32> {
    let mut tx = sqlx::Connection::begin(&mut *conn).await?;
    let result = unset_override_in(&mut tx, tenant, key, expect, reason).await;
    finish(tx, result).await
}

async fn unset_override_in(
    tx: &mut PgConnection,
    tenant: Uuid,
    key: &str,
    expect: &Expect,
    reason: Option<&str>,
) -> Result<i32> {
    let current: Option<(i32, String)> =
        sqlx::query_as("SELECT value, xmin::text FROM tenant_rate_limits WHERE tenant_id = $1 AND key = $2 FOR UPDATE")
            .bind(tenant)
            .bind(key)
            .fetch_optional(&mut *tx)
            .await?;
    let what = format!("the override of {key}");
    let Some((old, version)) = current else {
        return Err(match expect {
            Expect::Version(_) => conflict(&what, None),
            _ => DbError::NotFound(format!("an override of {key} for this tenant")),
        });
    };
    match expect {
        Expect::Version(v) if *v != version => return Err(conflict(&what, Some(old))),
        // The caller believed there was none: what it saw is out of date.
        Expect::Absent => return Err(conflict(&what, Some(old))),
        _ => {}
    }
    sqlx::query("DELETE FROM tenant_rate_limits WHERE tenant_id = $1 AND key = $2")
        .bind(tenant)
        .bind(key)
        .execute(&mut *tx)
        .await?;
    audit_change(tx, "unset", key, Some(tenant), Some(json!(old)), None, reason).await?;
    Ok(old)
}

/// How close a tenant runs to a limit, from bounded queries.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct Usage {
    pub key: &'static str,
    pub used: i64,
    /// What `used` counts, in words ("busiest of the 200 newest sessions").
    pub basis: &'static str,
}

impl Usage {
    /// Has it reached `limit` (a limit of 0: none set)?
    pub fn over(&self, limit: i32) -> bool {
        limit > 0 && self.used >= limit as i64
    }
}

/// Demos and sessions looked at per usage figure: enough to find a tenant
/// running hot, and every step an index range (demos by tenant and time,
/// sessions by demo and time, messages by session), so the cost does not
/// grow with the tenant's history.
const USAGE_SESSIONS: i64 = 200;
const USAGE_DEMOS: i64 = 10;

/// Usage of the keys the data can measure (`api_calls_per_minute` is not
/// recorded in this schema).
pub async fn usage(conn: &mut PgConnection, tenant: Uuid) -> Result<Vec<Usage>> {
    let (messages,): (Option<i64>,) = sqlx::query_as(
        "SELECT max(c.n) FROM (SELECT id FROM demos WHERE tenant_id = $1 ORDER BY created_at DESC LIMIT $2) d \
         CROSS JOIN LATERAL (SELECT id FROM sessions WHERE demo_id = d.id ORDER BY created_at DESC LIMIT $3) s \
         CROSS JOIN LATERAL (SELECT count(*) AS n FROM messages m WHERE m.session_id = s.id) c",
    )
    .bind(tenant)
    .bind(USAGE_DEMOS)
    .bind(USAGE_SESSIONS)
    .fetch_one(&mut *conn)
    .await?;
    let (demos,): (i64,) = sqlx::query_as(
        "SELECT count(*) FROM (SELECT 1 FROM demos WHERE tenant_id = $1 AND created_at > now() - interval '1 hour' \
         LIMIT 100000) recent",
    )
    .bind(tenant)
    .fetch_one(&mut *conn)
    .await?;
    let (tokens,): (Option<i64>,) = sqlx::query_as(
        "SELECT max(t) FROM (SELECT id FROM demos WHERE tenant_id = $1 ORDER BY created_at DESC LIMIT $2) d \
         CROSS JOIN LATERAL (SELECT sum(m.token_count)::bigint AS t \
                             FROM (SELECT id FROM sessions WHERE demo_id = d.id ORDER BY created_at DESC LIMIT $3) s \
                             JOIN messages m ON m.session_id = s.id) per_demo",
    )
    .bind(tenant)
    .bind(USAGE_DEMOS)
    .bind(USAGE_SESSIONS)
    .fetch_one(&mut *conn)
    .await?;
    Ok(vec![
        Usage {
            key: "messages_per_demo",
            used: messages.unwrap_or(0),
            basis: "busiest session of its 10 newest demos (200 newest sessions each)",
        },
        Usage { key: "demos_per_hour", used: demos, basis: "demos created in the last hour" },
        Usage {
            key: "tokens_per_demo",
            used: tokens.unwrap_or(0),
            basis: "busiest of its 10 newest demos (200 newest sessions each)",
        },
    ])
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn values_are_whole_non_negative_numbers_within_the_keys_bounds() {
        assert_eq!(parse_value("messages_per_demo", " 1_000 ").unwrap(), 1000);
        assert_eq!(parse_value("tokens_per_demo", "10,000").unwrap(), 10_000);
        assert_eq!(parse_value("tokens_per_demo", "1,000,000").unwrap(), 1_000_000);
        assert_eq!(parse_value("tokens_per_demo", "0").unwrap(), 0);
        for (text, why) in [
            ("-5", "must not be negative"),
            ("five", "'five' is not a whole number"),
            ("1.5", "'1.5' is not a whole number"),
            ("", "a value is required"),
            ("10001", "10001 is out of bounds"),
            ("1,00", "'1,00' is not a whole number (group digits in threes"),
            ("1,0,0,0", "is not a whole number"),
            ("1_000,000", "is not a whole number"),
            ("10,00_0", "is not a whole number"),
            (",100", "is not a whole number"),
            ("100,", "is not a whole number"),
            ("007", "'007' starts with a zero"),
            ("+5", "'+5' is not a whole number"),
            ("１２", "'１２' is not a whole number"),
            ("--5", "'--5' is not a whole number"),
            ("-1,000", "must not be negative"),
            ("99999999999999999999", "99999999999999999999 is out of bounds"),
        ] {
            let err = parse_value("messages_per_demo", text).unwrap_err().to_string();
            assert!(err.contains(why), "{text:?}: {err}");
            assert!(err.contains("0 to 10,000"), "{err}");
        }
        // A key of its own gets the generous custom bounds.
        assert_eq!(parse_value("uploads_per_day", "5000000").unwrap(), 5_000_000);
    }

    #[test]
    fn key_names_are_lower_case_words() {
        assert!(check_key_name("uploads_per_day").is_ok());
        for bad in ["Uploads", "x", "1st_key", "with space", "semi;colon", ""] {
            assert!(check_key_name(bad).is_err(), "{bad}");
        }
    }
}
