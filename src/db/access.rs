//! What the server lets this connection write, read at connect: a
//! read-only session, a replica in recovery, or a role without the
//! privileges the product's writes need. The console shows it and disables
//! write actions; the server refuses them anyway.

use sqlx::PgConnection;

use super::Result;

/// The tables the product writes, with the privileges its writes need.
/// All of them are needed for writes to be on: the console does not offer
/// a partial set (limits only, say) to a role that has only some.
const WRITES: &[(&str, &str)] = &[
    ("demos", "UPDATE"),
    ("rate_limits", "INSERT, UPDATE"),
    ("tenant_rate_limits", "INSERT, UPDATE, DELETE"),
    ("audit_log", "INSERT"),
    ("knowledge_bases", "INSERT, DELETE"),
    ("documents", "INSERT, UPDATE, DELETE"),
    ("chunks", "INSERT"),
];

#[derive(Debug, Clone, PartialEq, Default, serde::Serialize)]
pub struct Access {
    /// `transaction_read_only` of a new transaction on this connection.
    pub read_only_session: bool,
    /// The server is a replica (`pg_is_in_recovery()`).
    pub in_recovery: bool,
    pub role: String,
    /// "INSERT on audit_log", for each privilege the role lacks.
    pub missing: Vec<String>,
}

impl Access {
    pub fn can_write(&self) -> bool {
        !self.read_only_session && !self.in_recovery && self.missing.is_empty()
    }

    /// Why writes are off, in a line; `None` when they are on.
    pub fn why_read_only(&self) -> Option<String> {
        if self.in_recovery {
            Some("the server is a replica in recovery".into())
        } else if self.read_only_session {
            Some("the session is read-only (transaction_read_only = on)".into())
        } else if !self.missing.is_empty() {
            let shown: Vec<&str> = self.missing.iter().take(3).map(String::as_str).collect();
            let more = self.missing.len().saturating_sub(3);
            Some(format!(
                "role {} lacks {}{}",
                self.role,
                shown.join(", "),
                if more > 0 { format!(" and {more} more") } else { String::new() }
            ))
        } else {
            None
        }
    }
}

pub async fn check(conn: &mut PgConnection) -> Result<Access> {
    let (read_only, in_recovery, role): (String, bool, String) =
        sqlx::query_as("SELECT current_setting('transaction_read_only'), pg_is_in_recovery(), current_user::text")
            .fetch_one(&mut *conn)
            .await?;
    // Every table and privilege in one round trip. A table that does not
    // exist yet (before `migrate`) is not a missing privilege.
    let (tables, privileges): (Vec<&str>, Vec<&str>) =
        WRITES.iter().flat_map(|(table, privileges)| privileges.split(", ").map(move |p| (*table, p))).unzip();
    let missing: Vec<String> = sqlx::query_scalar(
        "SELECT w.p || ' on ' || w.t FROM unnest($1::text[], $2::text[]) WITH ORDINALITY AS w(t, p, n) \
         WHERE CASE WHEN to_regclass(w.t) IS NULL THEN false ELSE NOT has_table_privilege(w.t, w.p) END \
         ORDER BY w.n",
    )
    .bind(&tables)
    .bind(&privileges)
    .fetch_all(&mut *conn)
    .await?;
    Ok(Access { read_only_session: read_only == "on", in_recovery, role, missing })
}
