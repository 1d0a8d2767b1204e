//! Bulk loading with COPY (text format), used by the sample-data generator.
//! Rows are encoded into a buffer and shipped in batches, so memory stays
//! bounded by one batch whatever the table size.

use std::fmt::Write as _;

use sqlx::postgres::PgConnection;
use sqlx::{Connection, Executor};

use super::Result;

/// The tables the seeder fills, in dependency order, with their COPY column lists.
pub const TENANTS: &str = "COPY tenants (id, name, slug, plan, metadata, created_at, updated_at) FROM STDIN";
pub const DEMOS: &str = "COPY demos (id, tenant_id, created_at, expires_at, company_name, industry, website_url, \
    products_services, offers, qualification_criteria, logo_url, primary_color, secondary_color, mission_profile, \
    openrouter_model, system_prompt, status, created_by, updated_at, deleted_at, current_step) FROM STDIN";
pub const LEADS: &str = "COPY leads (id, demo_id, identifier, identifier_type, display_name, created_at, last_seen_at, metadata) FROM STDIN";
pub const SESSIONS: &str = "COPY sessions (id, lead_id, demo_id, channel, created_at, ended_at, metadata) FROM STDIN";
pub const MESSAGES: &str =
    "COPY messages (id, session_id, role, content, created_at, token_count, metadata) FROM STDIN";

/// Encodes rows in PostgreSQL's COPY text format.
#[derive(Default)]
pub struct CopyBuf {
    pub buf: String,
    first_in_row: bool,
    pub rows: u64,
}

impl CopyBuf {
    pub fn new() -> CopyBuf {
        CopyBuf { buf: String::with_capacity(1 << 20), first_in_row: true, rows: 0 }
    }

    fn sep(&mut self) {
        if !self.first_in_row {
            self.buf.push('\t');
        }
        self.first_in_row = false;
    }

    pub fn text(&mut self, s: &str) -> &mut Self {
        self.sep();
        escape_into(&mut self.buf, s);
        self
    }

    pub fn opt_text(&mut self, s: Option<&str>) -> &mut Self {
        match s {
            Some(s) => self.text(s),
            None => self.null(),
        }
    }

    pub fn display(&mut self, v: impl std::fmt::Display) -> &mut Self {
        self.sep();
        let _ = write!(self.buf, "{v}");
        self
    }

    pub fn null(&mut self) -> &mut Self {
        self.sep();
        self.buf.push_str("\\N");
        self
    }

    pub fn ts(&mut self, t: chrono::DateTime<chrono::Utc>) -> &mut Self {
        self.display(t.format("%Y-%m-%d %H:%M:%S%.6f+00"))
    }

    pub fn opt_ts(&mut self, t: Option<chrono::DateTime<chrono::Utc>>) -> &mut Self {
        match t {
            Some(t) => self.ts(t),
            None => self.null(),
        }
    }

    /// A `text[]` value: array literal, then COPY escaping on top.
    pub fn text_array(&mut self, items: &[String]) -> &mut Self {
        let mut lit = String::from("{");
        for (i, it) in items.iter().enumerate() {
            if i > 0 {
                lit.push(',');
            }
            lit.push('"');
            for c in it.chars() {
                if c == '"' || c == '\\' {
                    lit.push('\\');
                }
                lit.push(c);
            }
            lit.push('"');
        }
        lit.push('}');
        self.text(&lit)
    }

    pub fn end_row(&mut self) {
        self.buf.push('\n');
        self.first_in_row = true;
        self.rows += 1;
    }
}

fn escape_into(out: &mut String, s: &str) {
    for c in s.chars() {
        match c {
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            c => out.push(c),
        }
    }
}

/// A COPY in progress on one connection.
pub struct CopyStream<'c> {
    copy: sqlx::postgres::PgCopyIn<&'c mut PgConnection>,
}

/// Bytes buffered before a batch is sent to the server.
pub const BATCH_BYTES: usize = 4 << 20;

impl<'c> CopyStream<'c> {
    pub async fn start(conn: &'c mut PgConnection, statement: &str) -> Result<CopyStream<'c>> {
        Ok(CopyStream { copy: conn.copy_in_raw(statement).await? })
    }

    /// Sends the buffer if it is over the batch size (or `force`).
    pub async fn flush(&mut self, buf: &mut CopyBuf, force: bool) -> Result<()> {
        if buf.buf.len() >= BATCH_BYTES || (force && !buf.buf.is_empty()) {
            self.copy.send(buf.buf.as_bytes()).await?;
            buf.buf.clear();
        }
        Ok(())
    }

    pub async fn finish(mut self, buf: &mut CopyBuf) -> Result<u64> {
        self.flush(buf, true).await?;
        Ok(self.copy.finish().await?)
    }
}

/// Starts the bulk-load transaction. On servers where we are superuser,
/// foreign-key triggers are skipped for the load (the generator only writes
/// consistent rows); elsewhere the load simply runs with them.
pub async fn begin_load(conn: &mut PgConnection) -> Result<()> {
    conn.execute("BEGIN").await?;
    conn.execute("SET LOCAL statement_timeout = 0").await?;
    let superuser: (bool,) =
        sqlx::query_as("SELECT rolsuper FROM pg_roles WHERE rolname = current_user").fetch_one(&mut *conn).await?;
    if superuser.0 {
        conn.execute("SET LOCAL session_replication_role = replica").await?;
    }
    Ok(())
}

pub async fn commit_load(conn: &mut PgConnection) -> Result<()> {
    conn.execute("COMMIT").await?;
    // Fresh statistics for the planner and a visibility map for index-only scans.
    conn.execute("VACUUM (ANALYZE) tenants, demos, leads, sessions, messages").await?;
    Ok(())
}

pub async fn has_tenants(conn: &mut PgConnection) -> Result<bool> {
    let (b,): (bool,) = sqlx::query_as("SELECT EXISTS (SELECT 1 FROM tenants)").fetch_one(&mut *conn).await?;
    Ok(b)
}

/// Removes all console data: not the global rate limits, not the schema,
/// and not the audit, which records the reset with what it removed.
pub async fn reset(conn: &mut PgConnection) -> Result<()> {
    let mut tx = conn.begin().await?;
    let mut counts = table_counts(&mut tx).await?;
    for t in ["knowledge_bases", "documents", "chunks", "tenant_rate_limits"] {
        let (n,): (i64,) = sqlx::query_as(&format!("SELECT count(*) FROM {t}")).fetch_one(&mut *tx).await?;
        counts.push((t.to_string(), n));
    }
    tx.execute(
        "TRUNCATE tenants, demos, leads, sessions, messages, knowledge_bases, documents, chunks, tenant_rate_limits",
    )
    .await?;
    let removed: serde_json::Map<String, serde_json::Value> = counts.into_iter().map(|(t, n)| (t, n.into())).collect();
    super::audit::record(
        &mut tx,
        &super::audit::Change {
            action: "reset",
            entity: "database",
            key: "console data".into(),
            tenant: None,
            old: Some(removed.into()),
            new: None,
            reason: None,
        },
    )
    .await?;
    tx.commit().await?;
    Ok(())
}

/// Exact row counts of the seeded tables (for `seed` output and tests).
pub async fn table_counts(conn: &mut PgConnection) -> Result<Vec<(String, i64)>> {
    let mut out = Vec::new();
    for t in ["tenants", "demos", "leads", "sessions", "messages"] {
        let (n,): (i64,) = sqlx::query_as(&format!("SELECT count(*) FROM {t}")).fetch_one(&mut *conn).await?;
        out.push((t.to_string(), n));
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn copy_text_escaping() {
        let mut b = CopyBuf::new();
        b.text("a\tb\nc\\d").null().display(5).text_array(&["x\"y".into(), "z".into()]);
        b.end_row();
        assert_eq!(b.buf, "a\\tb\\nc\\\\d\t\\N\t5\t{\"x\\\\\"y\",\"z\"}\n");
    }
}
