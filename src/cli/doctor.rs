//! `ragdesk doctor`: checks everything the console needs and says what to
//! do about each problem. Exit code 0 only if every check passes.

use std::time::Duration;

use color_eyre::eyre::Result;

use super::{Context, output};
use crate::db::Db;

struct Report {
    failed: bool,
}

impl Report {
    fn ok(&mut self, what: &str, detail: impl AsRef<str>) {
        let _ = output::out(format!("  ok    {what:<12} {}", detail.as_ref()));
    }
    fn fail(&mut self, what: &str, detail: impl AsRef<str>, fix: impl AsRef<str>) {
        self.failed = true;
        let _ = output::out(format!("  FAIL  {what:<12} {}", detail.as_ref()));
        let _ = output::out(format!("        {:<12} fix: {}", "", fix.as_ref()));
    }
    fn warn(&mut self, what: &str, detail: impl AsRef<str>) {
        let _ = output::out(format!("  warn  {what:<12} {}", detail.as_ref()));
    }
}

use crate::embed::local::REQUIRED_FILES as MODEL_FILES;

fn parse_version(v: &str) -> Vec<u32> {
    v.split(|c: char| !c.is_ascii_digit()).filter(|s| !s.is_empty()).take(3).filter_map(|s| s.parse().ok()).collect()
}

pub async fn run(ctx: &Context) -> Result<()> {
    let mut r = Report { failed: false };
    output::out("ragdesk doctor")?;
    // Say what was found, not just that nothing failed.
    let config_path = ctx.cli.config.clone().unwrap_or_else(|| ctx.paths.config_file());
    for w in &ctx.warnings {
        r.fail("config", w, "fix or remove the file; defaults are used meanwhile");
    }
    if ctx.warnings.is_empty() {
        if config_path.is_file() {
            r.ok("config", format!("read {}", config_path.display()));
        } else {
            r.ok("config", format!("no file at {} (built-in defaults)", config_path.display()));
        }
    }
    let mut theme_warnings = Vec::new();
    let theme = crate::theme::Theme::load(&ctx.config.theme, &ctx.paths.themes_dir(), false, &mut theme_warnings);
    if theme_warnings.is_empty() {
        let from_file = ctx.paths.themes_dir().join(format!("{}.toml", ctx.config.theme));
        let source = if from_file.is_file() { format!("from {}", from_file.display()) } else { "built in".into() };
        r.ok("theme", format!("'{}' ({source})", theme.name));
    }
    for w in &theme_warnings {
        r.warn("theme", w);
    }
    let mut keymap_warnings = Vec::new();
    crate::keymap::Keymap::with_overrides(&ctx.config.keymap, &mut keymap_warnings);
    let remapped: usize = ctx.config.keymap.values().map(|t| t.len()).sum();
    if keymap_warnings.is_empty() {
        r.ok("keymap", if remapped == 0 { "defaults".to_string() } else { format!("{remapped} commands remapped") });
    }
    for w in &keymap_warnings {
        r.warn("keymap", w);
    }

    let model_dir = ctx.config.embedding.model_dir(&ctx.paths);
    let missing: Vec<_> = MODEL_FILES.iter().filter(|f| !model_dir.join(f).is_file()).collect();
    if missing.is_empty() {
        r.ok("model", format!("all-MiniLM-L6-v2 at {}", model_dir.display()));
        // Which engine runs it: loading it says (and proves it loads).
        let dir = model_dir.clone();
        match tokio::task::spawn_blocking(move || crate::embed::local::LocalModel::load(&dir)).await {
            Ok(Ok(m)) if m.engine() == crate::embed::local::EngineKind::Onnx => {
                r.ok("engine", "ONNX Runtime (in-process, both cores)")
            }
            Ok(Ok(_)) => r.warn(
                "engine",
                format!(
                    "candle: about 3× slower than ONNX Runtime, which is not installed ({} or model.onnx missing; \
                     scripts/demo --no-console installs it)",
                    crate::embed::local::onnx_runtime_library(&model_dir).display()
                ),
            ),
            Ok(Err(e)) => r.fail("engine", e.to_string(), "reinstall the model: scripts/demo --no-console"),
            Err(e) => r.fail("engine", e.to_string(), "report this"),
        }
    } else {
        // Browsing, transcripts, limits and more-like-this need no model:
        // only text queries and ingest with the local one do.
        r.warn(
            "model",
            format!(
                "{} lacks {}: text queries and ingest with the local model will not work (browsing, \
                 transcripts, limits and more-like-this do); run scripts/demo --no-console from the repository \
                 (it installs the model), or set embedding.local_model_dir",
                model_dir.display(),
                missing.iter().map(|s| s.to_string()).collect::<Vec<_>>().join(", ")
            ),
        );
    }

    match crate::ingest::pdf::poppler_version() {
        Some(v) => r.ok("pdf", format!("poppler ({v}) reads PDFs")),
        None => r.warn(
            "pdf",
            "pdftotext not found: PDFs are read by the built-in reader, which loses words on some producers \
             (install poppler-utils)",
        ),
    }

    match ctx.connection() {
        Err(e) => r.fail("connection", e.to_string(), "set DATABASE_URL or use --database-url / --profile"),
        Ok(conn) => {
            let settings = ctx.console_settings(conn.read_only);
            match tokio::time::timeout(Duration::from_secs(8), Db::connect(&conn.url, &settings)).await {
                Err(_) => r.fail("connection", "timed out after 8s", "is the server running and reachable?"),
                Ok(Err(e)) => {
                    r.fail("connection", e.to_string(), "check the URL, that the server runs, and credentials")
                }
                Ok(Ok(db)) => {
                    r.ok("connection", format!("{}{}", db.target, if db.read_only { " (read-only)" } else { "" }));
                    check_server(&mut r, &db).await;
                    check_access(&mut r, &db).await;
                    match check_layout(&mut r, &db, ctx).await {
                        Verdict::Foreign(foreign) => r.ok(
                            "migrations",
                            format!("not applied here: another platform's schema ({foreign}), read through its layout"),
                        ),
                        // Never advise our migrations on a database asked to
                        // be read as another platform's.
                        Verdict::AskedForeign(name) => r.ok(
                            "migrations",
                            format!("not checked: the database is to be read as '{name}', not migrated"),
                        ),
                        Verdict::Native => check_migrations(&mut r, &db).await,
                        Verdict::Unknown(tables) => r.warn(
                            "migrations",
                            format!(
                                "not applied: the database holds tables that are not ragdesk's ({}); \
                                 `ragdesk migrate` would add ragdesk's own beside them, which is only \
                                 right if this database is to be ragdesk's",
                                tables.join(", ")
                            ),
                        ),
                    }
                }
            }
        }
    }
    if r.failed {
        output::out("some checks failed")?;
        std::process::exit(1);
    }
    output::out("all checks passed")?;
    Ok(())
}

/// What the server lets this connection write: a replica, a read-only
/// session or a role without privileges is reported (not a failure: a
/// read-only console is a valid way to run).
async fn check_access(r: &mut Report, db: &Db) {
    let access = async { crate::db::access::check(&mut *db.acquire().await?).await };
    match access.await {
        Err(e) => r.warn("access", format!("could not read the privileges: {e}")),
        Ok(a) => match a.why_read_only() {
            None => r.ok("access", format!("read-write as role {}", a.role)),
            Some(why) => r.ok("access", format!("read-only: {why}; write actions are disabled")),
        },
    }
}

/// What the layout check found: ragdesk's own schema (or nothing that
/// fits: our migrations are then the advice), another platform's read
/// through its layout, or one asked for (`--layout`) that does not work here.
enum Verdict {
    Native,
    /// No layout fits tables that are there (named, up to a few): another
    /// platform's, to be described, not migrated over.
    Unknown(Vec<String>),
    Foreign(String),
    AskedForeign(String),
}

/// Which schema layout the database follows (or whether the one asked for
/// fits, and pages: every check the console makes at connect), and what the
/// near misses lack.
async fn check_layout(r: &mut Report, db: &Db, ctx: &Context) -> Verdict {
    let asked = ctx.cli.layout.as_deref();
    let catalog = async { crate::db::catalog::read(&mut *db.acquire().await?).await };
    let catalog = match catalog.await {
        Ok(c) => c,
        Err(e) => {
            r.warn("layout", format!("could not read the catalog: {e}"));
            return Verdict::Native;
        }
    };
    let describe = |f: &crate::schema::Fit| {
        format!(
            "'{}'{} ({} of {} tables and columns)",
            f.layout,
            f.seed.as_deref().map(|s| format!(" (seed {s})")).unwrap_or_default(),
            f.present,
            f.total
        )
    };
    if let Some(spec) = asked {
        let foreign = |name: &str| {
            if name == "native" { Verdict::Native } else { Verdict::AskedForeign(name.to_string()) }
        };
        match crate::schema::load(spec) {
            Err(e) => {
                let fix = if std::path::Path::new(spec).exists() {
                    "fix the layout file (layout.example.toml documents every field)"
                } else {
                    "give a built-in name (native, domo, workspaces, limitless, omni) or a layout file's path"
                };
                r.fail("layout", e.to_string(), fix);
                return if spec == "native" { Verdict::Native } else { Verdict::AskedForeign(spec.to_string()) };
            }
            Ok(layout) => {
                let f = crate::schema::fit(&layout, &catalog);
                if !f.full() {
                    r.fail(
                        "layout",
                        format!("{} as asked does not fit: {}", describe(&f), f.missing.join("; ")),
                        "fix the layout file, or connect to the database it describes",
                    );
                    return foreign(&layout.name);
                }
                let name = layout.name.clone();
                // Ours is checked by its migrations (below), not as a mapping:
                // the console reads it with its own queries.
                if name == "native" {
                    r.ok("layout", format!("{} as asked (--layout): every table and column is there", describe(&f)));
                    check_native_list_paths(r, db, &catalog).await;
                    return Verdict::Native;
                }
                match crate::db::mapped::Mapped::new(layout, catalog) {
                    Err(e) => {
                        r.fail(
                            "layout",
                            e.to_string(),
                            "fix the layout file (layout.example.toml documents every field)",
                        );
                        return foreign(&name);
                    }
                    Ok(m) => {
                        r.ok(
                            "layout",
                            format!("{} as asked (--layout): every table and column is there", describe(&f)),
                        );
                        check_readable(r, db, ctx, &m).await;
                        return match foreign(&name) {
                            Verdict::AskedForeign(n) => Verdict::Foreign(n),
                            v => v,
                        };
                    }
                }
            }
        }
    }
    let (chosen, fits) = crate::schema::detect(&catalog);
    // Tables of someone else's, when no layout fits: a few named.
    // (A database with our migrations table is ours, however far along.)
    // (Ours: the migrations table where ragdesk keeps it, holding at least
    // one of ragdesk's own; another sqlx application's is not ours.)
    let ours = chosen.is_none()
        && catalog.tables.contains_key(&crate::schema::Table::parse("public._sqlx_migrations"))
        && db.migration_status().await.is_ok_and(|m| m.applied > 0);
    let others: Vec<String> = match &chosen {
        Some(_) => Vec::new(),
        None if ours => Vec::new(),
        None => {
            let tables = async { Ok::<_, crate::db::DbError>(application_tables(&mut *db.acquire().await?).await?) };
            match tables.await {
                Ok(t) => t,
                Err(e) => {
                    r.warn("layout", format!("could not read the database's tables: {e}"));
                    Vec::new()
                }
            }
        }
    };
    let foreign = chosen.as_ref().map(|l| l.name.clone()).filter(|n| n != "native");
    // A detected platform's layout is checked as the console will read it.
    let read =
        chosen.clone().filter(|l| l.name != "native").map(|l| crate::db::mapped::Mapped::new(l, catalog.clone()));
    let refused = match &read {
        Some(Err(e)) => Some(e.to_string()),
        _ => None,
    };
    match (chosen, refused) {
        (Some(_), Some(why)) => r.fail(
            "layout",
            format!("{} detected, but cannot be read: {why}", describe(&fits[0])),
            "pass --layout FILE: a copy of the built-in layout (src/schema/layouts/) fitted to this database",
        ),
        (Some(_), None) => {
            r.ok("layout", format!("{} detected: every table and column it names is there", describe(&fits[0])))
        }
        // The console has nothing to show here without a layout.
        (None, _) if !others.is_empty() => r.fail(
            "layout",
            format!("no built-in layout fits the tables here ({})", others.join(", ")),
            "describe them in a layout file (layout.example.toml documents every field) and pass --layout FILE",
        ),
        (None, _) if ours => r.warn(
            "layout",
            "ragdesk's own schema is not complete here (its migrations table is): run `ragdesk migrate`",
        ),
        (None, _) => r.warn(
            "layout",
            "no tables of an application here yet: run `ragdesk migrate` for ragdesk's own schema, or pass \
             --layout FILE",
        ),
    }
    if let Some(Ok(m)) = &read {
        check_readable(r, db, ctx, m).await;
    }
    if fits.first().is_some_and(|f| f.layout == "native" && f.full()) {
        check_native_list_paths(r, db, &catalog).await;
    }
    // The near misses, with what they lack (a layout the user may have meant).
    for f in fits.iter().filter(|f| !f.full() && f.present * 2 > f.total) {
        let shown: Vec<&str> = f.missing.iter().take(3).map(String::as_str).collect();
        let more = f.missing.len().saturating_sub(3);
        r.warn(
            "layout",
            format!(
                "{} partly: missing {}{}",
                describe(f),
                shown.join("; "),
                if more > 0 { format!(" and {more} more") } else { String::new() }
            ),
        );
    }
    match foreign {
        Some(name) => Verdict::Foreign(name),
        None if !others.is_empty() => Verdict::Unknown(others),
        None => Verdict::Native,
    }
}

/// Up to four tables an application made here (and how many more), by
/// name: plain and partitioned tables outside the schemas a server or a
/// hosting platform brings (Supabase's auth, storage…), not an extension's
/// (PostGIS's spatial_ref_sys), not ragdesk's audit. None: nothing of an
/// application's, so ragdesk's own schema is the advice.
async fn application_tables(conn: &mut sqlx::PgConnection) -> sqlx::Result<Vec<String>> {
    let names: Vec<String> = sqlx::query_scalar(
        "SELECT n.nspname || '.' || c.relname FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace \
         WHERE c.relkind IN ('r', 'p') AND NOT c.relispartition \
           AND n.nspname NOT IN ('pg_catalog', 'information_schema', 'ragdesk_audit', 'auth', 'storage', \
                                 'extensions', 'realtime', 'graphql', 'graphql_public', 'pgsodium', 'vault', \
                                 'supabase_functions', 'supabase_migrations', 'net', 'cron', 'pgbouncer', \
                                 '_realtime', '_analytics', 'topology', 'tiger', 'tiger_data') \
           AND n.nspname NOT LIKE 'pg\\_%' \
           AND NOT EXISTS (SELECT 1 FROM pg_depend d WHERE d.classid = 'pg_class'::regclass \
                           AND d.objid = c.oid AND d.deptype = 'e') \
         ORDER BY 1 LIMIT 1000",
    )
    .fetch_all(&mut *conn)
    .await?;
    let more = names.len().saturating_sub(4);
    let mut named: Vec<String> = names.into_iter().take(4).collect();
    if more > 0 {
        named.push(format!("{more} more"));
    }
    Ok(named)
}

/// What is checked of a layout the console can read here: the writes it
/// declares, how its lists are paged, and the model its text searches need.
async fn check_readable(r: &mut Report, db: &Db, ctx: &Context, m: &crate::db::mapped::Mapped) {
    if !m.dropped_extras.is_empty() {
        r.warn(
            "layout",
            format!(
                "left out of the lists, as this database lacks them (a column, or an index to count by): {}",
                m.dropped_extras.join(", ")
            ),
        );
    }
    check_declared_writes(r, m);
    check_list_paths(r, db, m).await;
    check_text_search_model(r, ctx, db, m).await;
}

/// A text query on a layout's vectors needs the model that wrote them:
/// named in the config (for the layout or the profile) or recorded by
/// `seed --layout`. Said before anyone types a question.
async fn check_text_search_model(r: &mut Report, ctx: &Context, db: &Db, m: &crate::db::mapped::Mapped) {
    use crate::schema::Kind;
    let Ok(mut conn) = db.acquire().await else { return };
    let configured = ctx.layout_model(&m.layout.name);
    for kind in [Kind::Chunk, Kind::Memory] {
        if m.layout.entity(kind).is_none_or(|e| e.embedding.is_none()) {
            continue;
        }
        let label = m.layout.label(kind).to_string();
        let recorded = m.vector_label(&mut conn, kind).await.ok().flatten();
        match (&configured, recorded) {
            (Some(c), _) => {
                r.ok("model", format!("text search on {label}: {} {} ({})", c.provider, c.model, c.configured_at))
            }
            (None, Some(l)) => r.ok("model", format!("text search on {label}: {} (recorded with the vectors)", l.note)),
            (None, None) => r.warn(
                "model",
                format!(
                    "text search on {label} needs the model that wrote its vectors, and none is named: set \
                     [layout_models.{}] in the config (more like this needs no model)",
                    m.layout.name
                ),
            ),
        }
    }
}

/// Tables past this many rows (the planner's estimate) make a list no index
/// serves a warning; below it, a note.
const BIG_TABLE: i64 = 10_000;

/// How each list of a layout is paged by the server: as an index range, or
/// by reading and sorting rows each page. The platform's schema is its
/// own, so this names the index to create and creates nothing. Lists of
/// small tables are named in one line; a big one gets a warning each.
async fn check_list_paths(r: &mut Report, db: &Db, m: &crate::db::mapped::Mapped) {
    use crate::db::mapped::Reading;
    let mut paths = m.list_paths();
    // A table never analyzed has no estimate: counted, up to the size that matters.
    for p in paths.iter_mut().filter(|p| p.rows.is_none() && p.reading != Reading::Range) {
        if let Ok(mut conn) = db.acquire().await {
            p.rows = m.count_rows(&mut conn, &p.table, BIG_TABLE).await.ok();
        }
    }
    let name = |p: &crate::db::mapped::ListPath| match p.under {
        Some(u) => format!("{} under {}", m.layout.label(p.kind), m.layout.label(u)),
        None => m.layout.label(p.kind).to_string(),
    };
    let (big, small): (Vec<_>, Vec<_>) =
        paths.iter().filter(|p| p.reading != Reading::Range).partition(|p| p.rows.is_some_and(|n| n >= BIG_TABLE));
    for p in &big {
        let rows = crate::db::page::group(p.rows.unwrap_or_default());
        let how = match p.reading {
            Reading::SortedPerParent => {
                format!("each page reads and sorts one parent's rows of {} (~{rows} rows in all)", p.table)
            }
            _ => format!("each page reads all ~{rows} rows of {}", p.table),
        };
        r.warn("indexes", format!("{}: {how}; `{}` makes it one index range", name(p), p.create));
    }
    let ranges = paths.len() - big.len() - small.len();
    if small.is_empty() {
        r.ok("indexes", format!("{ranges} of {} lists are paged as an index range", paths.len()));
    } else {
        let names: Vec<String> = small.iter().map(|p| format!("{} (`{}`)", name(p), p.create)).collect();
        r.ok(
            "indexes",
            format!(
                "{ranges} of {} lists are paged as an index range; no index is in the order of {} \
                 (tables under {} rows now: run doctor again as they grow)",
                paths.len(),
                names.join(", "),
                crate::db::page::group(BIG_TABLE)
            ),
        );
    }
}

/// Ours, by the same check through its own layout description (the lists
/// our tabs page, as `src/schema/layouts/native.toml` describes them): a
/// migration that lost an index would show here.
async fn check_native_list_paths(r: &mut Report, db: &Db, catalog: &crate::schema::Catalog) {
    let native =
        crate::schema::load("native").ok().and_then(|l| crate::db::mapped::Mapped::new(l, catalog.clone()).ok());
    if let Some(m) = native {
        check_list_paths(r, db, &m).await;
    }
}

/// The writes a layout declares, checked as far as the catalog tells: a
/// chunk write into a table with a required column the layout does not map
/// would be refused at every ingest.
fn check_declared_writes(r: &mut Report, m: &crate::db::mapped::Mapped) {
    use crate::schema::Kind;
    if m.layout.writes(Kind::Chunk) {
        match m.chunk_write_blockers() {
            Ok(()) => r.ok("writes", "chunks can be written here (every required column is mapped)"),
            Err(e) => r.fail("writes", e.to_string(), "map that column in [chunk], or drop \"chunk\" from writes"),
        }
    }
    // Limits: their value column was checked with the layout (a whole number).
    if m.layout.writes(Kind::RateLimit) {
        r.ok(
            "writes",
            format!(
                "{} can be edited here (checked, confirmed, audited in ragdesk_audit.audit_log)",
                m.layout.label(Kind::RateLimit)
            ),
        );
    }
    if m.layout.writes.is_empty() {
        r.ok("writes", "none declared: read-only through this layout");
    }
}

async fn check_server(r: &mut Report, db: &Db) {
    match db.server_info().await {
        Err(e) => r.fail("server", e.to_string(), "check permissions of the database user"),
        Ok(info) => {
            let v = parse_version(&info.version);
            if v.first().copied().unwrap_or(0) >= 13 {
                r.ok("server", format!("PostgreSQL {}", info.version));
            } else {
                r.fail("server", format!("PostgreSQL {} is too old", info.version), "use PostgreSQL 13 or newer");
            }
            match (&info.vector_installed, &info.vector_available) {
                (Some(iv), _) if parse_version(iv) >= vec![0, 7] => r.ok("pgvector", format!("{iv} installed")),
                (Some(iv), _) => r.fail(
                    "pgvector",
                    format!("{iv} is installed; 0.7 or newer is needed"),
                    "ALTER EXTENSION vector UPDATE",
                ),
                (None, Some(av)) => {
                    r.warn("pgvector", format!("{av} available, not installed yet (ragdesk migrate installs it)"))
                }
                (None, None) => {
                    r.fail("pgvector", "not available on this server", "install pgvector >= 0.7 on the server")
                }
            }
        }
    }
}

/// Our migrations: only where ragdesk's own schema is expected.
async fn check_migrations(r: &mut Report, db: &Db) {
    match db.migration_status().await {
        Err(e) => r.fail("migrations", e.to_string(), "check permissions of the database user"),
        Ok(m) if !m.failed.is_empty() => {
            r.fail("migrations", format!("failed: {:?}", m.failed), "inspect _sqlx_migrations and the server log")
        }
        Ok(m) if !m.pending.is_empty() => {
            r.fail("migrations", format!("{} of {} pending", m.pending.len(), m.known), "run: ragdesk migrate")
        }
        Ok(m) => {
            r.ok("migrations", format!("{} of {} applied", m.known, m.known));
            if !m.unknown.is_empty() {
                r.warn("migrations", format!("database has migrations this build does not know: {:?}", m.unknown));
            }
        }
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn versions() {
        assert_eq!(super::parse_version("16.14 (Debian)"), vec![16, 14]);
        assert!(super::parse_version("0.8.5") >= vec![0, 7]);
        assert!(super::parse_version("0.6.2") < vec![0, 7]);
    }
}
