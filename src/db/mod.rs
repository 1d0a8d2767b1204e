//! All SQL lives under `db/`. Two implementations read a database:
//!
//! - ragdesk's own schema, by the typed queries of one module per entity
//!   (`tenants`, `demos`, `leads`, `sessions`, `messages`, `knowledge`,
//!   `search`, `limits`, `audit`): readable SQL with what our tabs show
//!   (counts, joins, tokens), keyset-paged both ways;
//! - any other platform's schema, by `mapped`: SQL built from a validated
//!   layout description (identifiers quoted, values bound).
//!
//! Where a capability is the same for both, one reader chooses between
//! them and everything above it is one path: `conversation` (a session's
//! heading and messages, for the transcript, exports, copy and open-by-id),
//! `rate_limits` (the Limits tab, its editor and its saves) and
//! `audit::AuditTrail` (the Audit tab, `ragdesk audit`). Lists and
//! search are not there yet: our tabs call the typed modules, another
//! layout's Browse tab calls `mapped` (the native layout read through
//! `mapped` is checked equal to the typed queries by tests).

pub mod access;
pub mod audit;
pub mod bulk;
pub mod catalog;
pub mod conversation;
pub mod demos;
pub mod filter;
pub mod knowledge;
pub mod leads;
pub mod limits;
pub mod mapped;
pub mod messages;
pub mod page;
pub mod rate_limits;
pub mod search;
pub mod sessions;
pub mod tenants;

use std::fmt;
use std::str::FromStr;
use std::time::Duration;

use sqlx::postgres::{PgConnectOptions, PgPool, PgPoolOptions};
use sqlx::{ConnectOptions, Executor};

pub use filter::Filter;
pub use page::{Cursor, Page, RowCount, Seek};

pub static MIGRATOR: sqlx::migrate::Migrator = sqlx::migrate!("./migrations");

#[derive(Debug, thiserror::Error)]
pub enum DbError {
    #[error("invalid database URL: {0}")]
    BadUrl(String),
    #[error("{0}")]
    Filter(String),
    #[error("not found: {0}")]
    NotFound(String),
    /// A value refused before anything was sent (bounds, names, types).
    #[error("{0}")]
    Invalid(String),
    /// The row changed since it was read; nothing was written.
    #[error("conflict: {0}")]
    Conflict(String),
    #[error("migration failed: {0}")]
    Migrate(#[from] sqlx::migrate::MigrateError),
    #[error("{}", describe(.0))]
    Sql(#[from] sqlx::Error),
    /// Every connection of the pool was busy for the whole acquire timeout;
    /// the server itself answers (this is not a lost connection).
    #[error("database busy: all {0} connections in use (timed out waiting for one)")]
    Busy(u32),
}

/// A one-line, credential-free description of a sqlx error.
fn describe(e: &sqlx::Error) -> String {
    match e {
        sqlx::Error::Database(d) => d.message().to_string(),
        sqlx::Error::PoolTimedOut => "timed out waiting for a database connection".into(),
        sqlx::Error::Io(io) if io.kind() == std::io::ErrorKind::ConnectionRefused => {
            "database unreachable: connection refused".into()
        }
        sqlx::Error::Io(io) if io.kind() == std::io::ErrorKind::TimedOut => {
            "database unreachable: connecting timed out".into()
        }
        sqlx::Error::Io(io) => format!("database unreachable: {io}"),
        sqlx::Error::RowNotFound => "no such row".into(),
        other => other.to_string(),
    }
}

impl DbError {
    /// True when the error means "no usable connection", as opposed to a
    /// query the server rejected: the console then reports it as offline and
    /// retries.
    pub fn is_connection(&self) -> bool {
        match self {
            DbError::Sql(e) => match e {
                // A pool time-out alone says nothing about the server: `Db::acquire`
                // finds out which it was (busy or unreachable) before reporting.
                sqlx::Error::Io(_)
                | sqlx::Error::PoolClosed
                | sqlx::Error::Tls(_)
                | sqlx::Error::Protocol(_)
                | sqlx::Error::WorkerCrashed => true,
                // admin_shutdown, crash_shutdown, cannot_connect_now
                sqlx::Error::Database(d) => {
                    matches!(d.code().as_deref(), Some("57P01" | "57P02" | "57P03" | "08006" | "08003" | "08001"))
                }
                _ => false,
            },
            _ => false,
        }
    }

    /// True when the server cancelled the statement on statement_timeout.
    pub fn is_timeout(&self) -> bool {
        self.query_canceled().is_some_and(|m| m.contains("statement timeout"))
    }

    /// True when the statement was cancelled by a cancel request (a user's
    /// cancel, or a superseded query), not by a time-out.
    pub fn is_cancelled(&self) -> bool {
        self.query_canceled().is_some_and(|m| !m.contains("statement timeout"))
    }

    /// True when a table the query reads is not there (SQLSTATE 42P01): on
    /// a database that is neither ours (migrated) nor one a layout fits.
    pub fn is_missing_table(&self) -> bool {
        matches!(self, DbError::Sql(sqlx::Error::Database(d)) if d.code().as_deref() == Some("42P01"))
    }

    /// The server's message for SQLSTATE 57014 (query_canceled), which covers
    /// both a time-out and a cancel request; only the message tells them apart.
    fn query_canceled(&self) -> Option<&str> {
        match self {
            DbError::Sql(sqlx::Error::Database(d)) if d.code().as_deref() == Some("57014") => Some(d.message()),
            _ => None,
        }
    }
}

pub type Result<T> = std::result::Result<T, DbError>;

/// Where we are connected, for display: never includes the password.
#[derive(Debug, Clone, PartialEq)]
pub struct Target {
    pub user: String,
    pub host: String,
    pub port: u16,
    pub database: String,
}

impl fmt::Display for Target {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}@{}:{}/{}", self.user, self.host, self.port, self.database)
    }
}

/// Parses a URL into connect options. Errors never echo the URL (it may
/// hold a password).
pub fn parse_url(url: &str) -> Result<PgConnectOptions> {
    PgConnectOptions::from_str(url).map_err(|e| {
        let msg = match e {
            sqlx::Error::Configuration(c) => redact(&c.to_string(), url),
            other => redact(&other.to_string(), url),
        };
        DbError::BadUrl(msg)
    })
}

fn redact(msg: &str, url: &str) -> String {
    let mut m = msg.replace(url, "<url>");
    if let Some(pw) = url::password(url)
        && !pw.is_empty()
    {
        m = m.replace(pw, "***");
    }
    m
}

mod url {
    /// The password part of `scheme://user:password@host/...`, if any.
    pub fn password(url: &str) -> Option<&str> {
        let rest = url.split_once("://")?.1;
        let auth = rest.split(['/', '?']).next()?;
        let (userinfo, _) = auth.rsplit_once('@')?;
        Some(userinfo.split_once(':')?.1)
    }
}

pub fn target_of(opts: &PgConnectOptions) -> Target {
    Target {
        user: opts.get_username().to_string(),
        host: opts.get_host().to_string(),
        port: opts.get_port(),
        database: opts.get_database().unwrap_or("postgres").to_string(),
    }
}

/// How the console talks to the database.
#[derive(Debug, Clone)]
pub struct ConnectSettings {
    pub read_only: bool,
    pub statement_timeout: Option<Duration>,
    pub max_connections: u32,
    pub application_name: &'static str,
}

impl Default for ConnectSettings {
    fn default() -> Self {
        ConnectSettings { read_only: false, statement_timeout: None, max_connections: 5, application_name: "ragdesk" }
    }
}

/// One pool for everything. Cheap to clone.
#[derive(Debug, Clone)]
pub struct Db {
    pub pool: PgPool,
    pub target: Target,
    pub read_only: bool,
    pub max_connections: u32,
    /// For a direct connection attempt when the pool only says "timed out".
    options: StoredOptions,
    /// Our layout, checked against this database once, on first use: what
    /// our chunks are written through.
    ours: mapped::Lists,
}

/// Connect options (they hold the password, so no `Debug` of their own).
#[derive(Clone)]
struct StoredOptions(PgConnectOptions);

impl fmt::Debug for StoredOptions {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("StoredOptions(..)")
    }
}

impl Db {
    /// Builds the pool without connecting: the console starts even when the
    /// server is down, and each query (re)connects as needed.
    pub fn lazy(url: &str, settings: &ConnectSettings) -> Result<Db> {
        let mut opts = parse_url(url)?
            .application_name(settings.application_name)
            .log_statements(tracing::log::LevelFilter::Debug)
            .log_slow_statements(tracing::log::LevelFilter::Warn, Duration::from_secs(2));
        let mut server_opts: Vec<(&str, String)> = Vec::new();
        if let Some(t) = settings.statement_timeout {
            server_opts.push(("statement_timeout", format!("{}", t.as_millis())));
        }
        if settings.read_only {
            server_opts.push(("default_transaction_read_only", "on".into()));
        }
        if !server_opts.is_empty() {
            opts = opts.options(server_opts);
        }
        let target = target_of(&opts);
        let read_only = settings.read_only;
        let pool = PgPoolOptions::new()
            .max_connections(settings.max_connections)
            // Read-only twice over: the startup option above, and the
            // session's characteristics, so no transaction of this pool
            // starts read-write unless it says so (and we never do).
            .after_connect(move |conn, _| {
                Box::pin(async move {
                    if read_only {
                        conn.execute("SET SESSION CHARACTERISTICS AS TRANSACTION READ ONLY").await?;
                    }
                    Ok(())
                })
            })
            .min_connections(0)
            .acquire_timeout(Duration::from_secs(4))
            .idle_timeout(Duration::from_secs(300))
            .test_before_acquire(true)
            .connect_lazy_with(opts.clone());
        Ok(Db {
            pool,
            target,
            read_only: settings.read_only,
            max_connections: settings.max_connections,
            options: StoredOptions(opts),
            ours: mapped::Lists::ours(),
        })
    }

    /// Our layout's reader for this database, sharing `ours`'s check (the
    /// console's lists and its ingest check the catalog once between them).
    pub fn our_lists(&self) -> mapped::Lists {
        self.ours.clone()
    }

    /// Our layout on this database (checked on first use, then kept).
    pub async fn ours(&self) -> Result<std::sync::Arc<mapped::Mapped>> {
        // Once checked, without a connection.
        if let mapped::Lists::Ours(checked) = &self.ours
            && let Some(m) = checked.get()
        {
            return Ok(m.clone());
        }
        self.ours.mapped(&mut *self.acquire().await?).await
    }

    /// A connection from the pool. sqlx reports a pool that could not open a
    /// connection as a time-out, hiding a refused or failed connect; then a
    /// direct attempt tells which it was: the server is unreachable (a
    /// connection error, the console goes offline) or just busy.
    pub async fn acquire(&self) -> Result<sqlx::pool::PoolConnection<sqlx::Postgres>> {
        match self.pool.acquire().await {
            Ok(c) => Ok(c),
            Err(sqlx::Error::PoolTimedOut) => Err(self.diagnose_pool_timeout().await),
            Err(e) => Err(e.into()),
        }
    }

    async fn diagnose_pool_timeout(&self) -> DbError {
        use sqlx::Connection;
        let attempt = tokio::time::timeout(Duration::from_secs(3), sqlx::PgConnection::connect_with(&self.options.0));
        match attempt.await {
            Ok(Ok(conn)) => {
                let _ = conn.close().await;
                DbError::Busy(self.max_connections)
            }
            Ok(Err(e)) => DbError::Sql(e),
            Err(_) => {
                DbError::Sql(sqlx::Error::Io(std::io::Error::new(std::io::ErrorKind::TimedOut, "no answer within 3 s")))
            }
        }
    }

    /// Like `lazy`, then checks that the server answers.
    pub async fn connect(url: &str, settings: &ConnectSettings) -> Result<Db> {
        let db = Db::lazy(url, settings)?;
        db.ping().await?;
        Ok(db)
    }

    pub async fn ping(&self) -> Result<()> {
        let mut conn = self.acquire().await?;
        conn.execute("SELECT 1").await?;
        Ok(())
    }

    pub async fn migrate(&self) -> Result<()> {
        MIGRATOR.run(&self.pool).await?;
        Ok(())
    }

    pub async fn server_info(&self) -> Result<ServerInfo> {
        let (version,): (String,) = sqlx::query_as("SHOW server_version").fetch_one(&self.pool).await?;
        let vector: Option<(String,)> = sqlx::query_as("SELECT extversion FROM pg_extension WHERE extname = 'vector'")
            .fetch_optional(&self.pool)
            .await?;
        let available: Option<(Option<String>,)> =
            sqlx::query_as("SELECT default_version FROM pg_available_extensions WHERE name = 'vector'")
                .fetch_optional(&self.pool)
                .await?;
        Ok(ServerInfo { version, vector_installed: vector.map(|v| v.0), vector_available: available.and_then(|v| v.0) })
    }

    /// Applied and pending migrations, by version.
    pub async fn migration_status(&self) -> Result<MigrationStatus> {
        let exists: (bool,) =
            sqlx::query_as("SELECT to_regclass('_sqlx_migrations') IS NOT NULL").fetch_one(&self.pool).await?;
        let applied: Vec<(i64, bool)> = if exists.0 {
            sqlx::query_as("SELECT version, success FROM _sqlx_migrations ORDER BY version")
                .fetch_all(&self.pool)
                .await?
        } else {
            Vec::new()
        };
        let known: Vec<i64> = MIGRATOR.iter().map(|m| m.version).collect();
        let pending = known.iter().filter(|v| !applied.iter().any(|(a, ok)| a == *v && *ok)).copied().collect();
        let failed = applied.iter().filter(|(_, ok)| !ok).map(|(v, _)| *v).collect();
        let unknown = applied.iter().filter(|(v, _)| !known.contains(v)).map(|(v, _)| *v).collect();
        Ok(MigrationStatus { known: known.len(), applied: applied.len(), pending, failed, unknown })
    }
}

#[derive(Debug, Clone)]
pub struct ServerInfo {
    pub version: String,
    pub vector_installed: Option<String>,
    pub vector_available: Option<String>,
}

#[derive(Debug, Clone)]
pub struct MigrationStatus {
    pub known: usize,
    pub applied: usize,
    pub pending: Vec<i64>,
    pub failed: Vec<i64>,
    pub unknown: Vec<i64>,
}

/// Escapes LIKE wildcards so user text matches literally.
pub(crate) fn like_pattern(word: &str) -> String {
    let mut p = String::with_capacity(word.len() + 2);
    p.push('%');
    for c in word.chars() {
        if matches!(c, '%' | '_' | '\\') {
            p.push('\\');
        }
        p.push(c);
    }
    p.push('%');
    p
}

/// The planner's row estimate for a whole table: instant on any size. Small
/// tables get a (capped) exact count instead.
pub(crate) async fn page_estimate(conn: &mut sqlx::PgConnection, table: &str) -> Result<RowCount> {
    let (n,): (f32,) = sqlx::query_as("SELECT reltuples FROM pg_class WHERE oid = to_regclass($1)")
        .bind(table)
        .fetch_optional(&mut *conn)
        .await?
        .unwrap_or((-1.0,));
    if n < page::COUNT_CAP as f32 {
        // Small or never analysed: an exact count is cheap (and capped).
        let qb = sqlx::QueryBuilder::new(format!("SELECT count(*) FROM (SELECT 1 FROM {table}"));
        return finish_count(conn, qb, false).await;
    }
    Ok(RowCount::Estimate(n as i64))
}

/// Closes a `SELECT count(*) FROM (SELECT 1 FROM ... WHERE ...` query: capped
/// at [`page::COUNT_CAP`] unless `exact`.
pub(crate) async fn finish_count(
    conn: &mut sqlx::PgConnection,
    mut qb: sqlx::QueryBuilder<'_, sqlx::Postgres>,
    exact: bool,
) -> Result<RowCount> {
    if !exact {
        qb.push(" LIMIT ").push_bind(page::COUNT_CAP + 1);
    }
    qb.push(") counted");
    let (n,): (i64,) = qb.build_query_as().fetch_one(conn).await?;
    Ok(if exact { RowCount::Exact(n) } else { RowCount::from_capped(n) })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn target_never_shows_the_password() {
        let opts = parse_url("postgres://alice:s3cret@db.example.com:6543/app").unwrap();
        let t = target_of(&opts);
        assert_eq!(t.to_string(), "alice@db.example.com:6543/app");
        assert!(!format!("{t:?}").contains("s3cret"));
    }

    #[test]
    fn bad_url_errors_are_redacted() {
        let err = parse_url("postgres://alice:s3cret@host:notaport/db").unwrap_err().to_string();
        assert!(!err.contains("s3cret"), "{err}");
    }

    #[test]
    fn like_patterns_escape_wildcards() {
        assert_eq!(like_pattern("50%_off\\"), "%50\\%\\_off\\\\%");
    }
}
