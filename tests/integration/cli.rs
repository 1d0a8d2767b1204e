//! The CLI, run as the real binary.

use std::process::{Command, Output};

use crate::support;

fn ragdesk(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_ragdesk"))
        .args(args)
        .env_remove("DATABASE_URL")
        .env("XDG_CONFIG_HOME", "/nonexistent-ragdesk-test")
        .output()
        .expect("run ragdesk")
}

/// `ragdesk --database-url URL ARGS` with the local model.
fn ragdesk_on(url: &str, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_ragdesk"))
        .args(["--database-url", url])
        .args(args)
        .env("RAGDESK_MODEL_DIR", crate::embed::model_dir())
        .env("XDG_CONFIG_HOME", "/nonexistent-ragdesk-test")
        .output()
        .unwrap()
}

fn text(o: &Output) -> String {
    format!("{}{}", String::from_utf8_lossy(&o.stdout), String::from_utf8_lossy(&o.stderr))
}

#[tokio::test]
async fn migrate_seed_export_doctor() {
    let t = support::empty().await;
    let url = t.url.as_str();

    let o = ragdesk(&["--database-url", url, "migrate"]);
    assert!(o.status.success(), "{}", text(&o));
    let n = ragdesk::db::MIGRATOR.iter().count();
    assert!(text(&o).contains(&format!("{n} applied now")), "{}", text(&o));
    let o = ragdesk(&["--database-url", url, "migrate"]);
    assert!(text(&o).contains("0 applied now"), "{}", text(&o));

    let o = ragdesk(&["--database-url", url, "seed", "--scale", "tiny", "--seed", "5"]);
    assert!(o.status.success(), "{}", text(&o));
    assert!(text(&o).contains("messages: 300"), "{}", text(&o));
    let o = ragdesk(&["--database-url", url, "seed", "--scale", "tiny"]);
    assert!(!o.status.success(), "seeding twice needs --reset or --if-empty");
    assert!(text(&o).contains("--reset"), "{}", text(&o));
    let o = ragdesk(&["--database-url", url, "seed", "--if-empty"]);
    assert!(o.status.success() && text(&o).contains("not seeding"), "{}", text(&o));
    let o = ragdesk(&[
        "--database-url",
        url,
        "seed",
        "--reset",
        "--tenants",
        "2",
        "--demos",
        "3",
        "--leads",
        "4",
        "--sessions",
        "5",
        "--messages",
        "77",
    ]);
    assert!(o.status.success() && text(&o).contains("messages: 77"), "{}", text(&o));
    let o = ragdesk(&["--database-url", url, "seed", "--reset", "--sessions", "5", "--leads", "9"]);
    assert!(!o.status.success() && text(&o).contains("--leads"), "{}", text(&o));

    let (id,): (uuid::Uuid,) =
        sqlx::query_as("SELECT session_id FROM messages GROUP BY 1 ORDER BY count(*) DESC LIMIT 1")
            .fetch_one(&t.db.pool)
            .await
            .unwrap();
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("t.json");
    let o = ragdesk(&[
        "--database-url",
        url,
        "export",
        "session",
        &id.to_string(),
        "--format",
        "json",
        "-o",
        out.to_str().unwrap(),
    ]);
    assert!(o.status.success(), "{}", text(&o));
    let back: ragdesk::export::TranscriptExport = serde_json::from_slice(&std::fs::read(&out).unwrap()).unwrap();
    let typed = ragdesk::db::messages::all(&mut t.db.pool.acquire().await.unwrap(), id).await.unwrap();
    let exported: Vec<_> = back
        .messages
        .iter()
        .map(|m| (m.id.clone(), m.role.clone(), m.content.clone(), m.created_at, m.token_count, m.metadata.clone()))
        .collect();
    let stored: Vec<_> = typed
        .into_iter()
        .map(|m| (m.id.to_string(), m.role, m.content, Some(m.created_at), Some(m.token_count), Some(m.metadata)))
        .collect();
    assert_eq!(exported, stored, "every message, every field, in order");
    assert_eq!((back.layout.as_str(), back.format.as_str()), ("native", ragdesk::export::JSON_FORMAT_TAG));
    let o = ragdesk(&["--database-url", url, "export", "session", &id.to_string(), "--format", "md"]);
    assert!(o.status.success());
    assert!(String::from_utf8_lossy(&o.stdout).starts_with("# Conversation with "));
    let o = ragdesk(&["--database-url", url, "export", "session", &uuid::Uuid::nil().to_string()]);
    assert!(!o.status.success() && text(&o).contains("not found"), "{}", text(&o));
    // -o /dev/stdout onto a file the shell opened for appending (`>> all.md`):
    // appended to, never renamed over.
    let dir = tempfile::tempdir().unwrap();
    let all = dir.path().join("all.md");
    std::fs::write(&all, "before\n").unwrap();
    let appending = std::fs::OpenOptions::new().append(true).open(&all).unwrap();
    let status = Command::new(env!("CARGO_BIN_EXE_ragdesk"))
        .args(["--database-url", url, "export", "session", &id.to_string(), "--format", "md", "-o", "/dev/stdout"])
        .env("XDG_CONFIG_HOME", "/nonexistent-ragdesk-test")
        .stdout(appending)
        .status()
        .unwrap();
    assert!(status.success());
    let written = std::fs::read_to_string(&all).unwrap();
    assert!(written.starts_with("before\n# Conversation with "), "{written}");

    // doctor: all well (scripts/test provides the model via RAGDESK_MODEL_DIR).
    let o = ragdesk(&["--database-url", url, "doctor"]);
    assert!(o.status.success(), "{}", text(&o));
    for check in ["connection", "server", "pgvector", "migrations", "model"] {
        assert!(text(&o).contains(check), "{}", text(&o));
    }
    // Every list our tabs page is an index range of our migrations' indexes
    // (checked through our layout's description, as another's would be).
    assert!(text(&o).contains("indexes      9 of 9 lists are paged as an index range"), "{}", text(&o));
}

#[tokio::test]
async fn doctor_fails_clearly_and_never_shows_the_password() {
    let t = support::empty().await;
    // Unmigrated database: exit 1, says to migrate, even with what a
    // hosting platform brings (Supabase's auth schema) or an extension's
    // own table (pgvector has none: a table made part of an extension here).
    let o = ragdesk(&["--database-url", &t.url, "doctor"]);
    assert_eq!(o.status.code(), Some(1), "{}", text(&o));
    assert!(text(&o).contains("ragdesk migrate"), "{}", text(&o));
    let mut c = t.conn().await;
    sqlx::Executor::execute(&mut c, "CREATE SCHEMA auth; CREATE TABLE auth.users (id uuid PRIMARY KEY)").await.unwrap();
    let o = ragdesk(&["--database-url", &t.url, "doctor"]);
    assert_eq!(o.status.code(), Some(1), "{}", text(&o));
    assert!(text(&o).contains("run: ragdesk migrate") && !text(&o).contains("auth.users"), "{}", text(&o));
    // An application's table is another matter: described, not migrated over.
    sqlx::Executor::execute(&mut c, "CREATE TABLE public.tickets (id int PRIMARY KEY)").await.unwrap();
    let o = ragdesk(&["--database-url", &t.url, "doctor"]);
    assert!(text(&o).contains("no built-in layout fits the tables here (public.tickets)"), "{}", text(&o));
    assert!(!text(&o).contains("run: ragdesk migrate"), "{}", text(&o));
    // The console has nothing to show there without a layout: a failure.
    assert_eq!(o.status.code(), Some(1), "{}", text(&o));
    // And the console's lists say so, not only the server's words.
    let e = ragdesk::db::tenants::list(&mut c, &Default::default(), ragdesk::db::Seek::First, 10).await.unwrap_err();
    let said = ragdesk::action::LoadError::from(e).message;
    assert!(
        said.contains("a table ragdesk reads is not in this database") && said.contains("ragdesk doctor"),
        "{said}"
    );

    // Unreachable server with a password in the URL.
    let o = ragdesk(&["--database-url", "postgres://alice:hunter2secret@127.0.0.1:1/db", "doctor"]);
    assert_eq!(o.status.code(), Some(1));
    assert!(text(&o).contains("FAIL"), "{}", text(&o));
    assert!(!text(&o).contains("hunter2secret"), "{}", text(&o));
    let o = ragdesk(&["--database-url", "postgres://alice:hunter2secret@127.0.0.1:notaport/db", "migrate"]);
    assert!(!o.status.success());
    assert!(!text(&o).contains("hunter2secret"), "{}", text(&o));

    // No database configured at all.
    let o = ragdesk(&["migrate"]);
    assert!(!o.status.success() && text(&o).contains("DATABASE_URL"), "{}", text(&o));
}

#[test]
fn help_for_every_command() {
    for args in [
        vec!["--help"],
        vec!["migrate", "--help"],
        vec!["seed", "--help"],
        vec!["export", "--help"],
        vec!["export", "session", "--help"],
        vec!["doctor", "--help"],
        vec!["console", "--help"],
    ] {
        let o = ragdesk(&args);
        assert!(o.status.success(), "{args:?}: {}", text(&o));
        assert!(text(&o).contains("Usage"), "{args:?}");
    }
    assert!(text(&ragdesk(&["seed", "--help"])).contains("--scale"));
}

#[tokio::test]
async fn kb_create_and_ingest_from_the_command_line() {
    let t = support::seeded(6, support::tiny()).await;
    let url = t.url.as_str();
    let run = |args: &[&str]| ragdesk_on(url, args);
    let (demo,): (String,) =
        sqlx::query_as("SELECT id::text FROM demos ORDER BY created_at LIMIT 1").fetch_one(&t.db.pool).await.unwrap();
    let o = run(&["kb", "create", "--demo", &demo, "--name", "Support FAQ", "--type", "faq", "--attach"]);
    assert!(o.status.success(), "{}", text(&o));
    let o = run(&["kb", "create", "--demo", &demo, "--name", "Support FAQ", "--if-missing"]);
    assert!(o.status.success() && text(&o).contains("exists"), "{}", text(&o));
    let o = run(&["kb", "create", "--demo", &demo, "--name", "Big", "--provider", "openai", "--model", "my-model"]);
    assert!(!o.status.success() && text(&o).contains("--dimensions"), "{}", text(&o));

    // Dry run: chunks printed, nothing stored.
    let o = run(&[
        "ingest",
        "--kb",
        "Support FAQ",
        "--dry-run",
        "--chunk-tokens",
        "40",
        "--overlap",
        "5",
        "tests/fixtures/ingest/faq.md",
    ]);
    assert!(o.status.success(), "{}", text(&o));
    assert!(text(&o).contains("dry run") && text(&o).contains("#0"), "{}", text(&o));
    let (n,): (i64,) = sqlx::query_as("SELECT count(*) FROM documents").fetch_one(&t.db.pool).await.unwrap();
    assert_eq!(n, 0);

    // Real ingest with a bad file among good ones: JSON summary, exit 1.
    let o = run(&[
        "ingest",
        "--kb",
        "support faq",
        "--json",
        "tests/fixtures/ingest/faq.md",
        "tests/fixtures/ingest/menu.html",
        "tests/fixtures/ingest/latin1.txt",
    ]);
    assert_eq!(o.status.code(), Some(1), "{}", text(&o));
    let summary: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    assert_eq!(summary["stored"], 2);
    assert_eq!(summary["failed"], 1);
    assert_eq!(summary["files"][0]["status"], "stored");
    assert_eq!(summary["files"][2]["status"], "failed");
    assert!(summary["files"][2]["error"].as_str().unwrap().contains("UTF-8"));
    let o = run(&["kb", "list", "--demo", &demo, "--json"]);
    let list: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    assert_eq!(list[0]["documents"], 2);
    assert_eq!(list[0]["attached"], true);
    assert_eq!(list[0]["dimension"], 384);
    // Same content again: skipped.
    let o = run(&["ingest", "--kb", "Support FAQ", "tests/fixtures/ingest/faq.md"]);
    assert!(o.status.success() && text(&o).contains("skipped"), "{}", text(&o));
}

/// Bytes a terminal could act on: C0 controls other than newline and tab,
/// DEL, and the C1 controls (as UTF-8).
fn terminal_controls(bytes: &[u8]) -> Vec<String> {
    let text = String::from_utf8_lossy(bytes);
    text.chars()
        .filter(|c| (c.is_control() && *c != '\n' && *c != '\t') || ('\u{80}'..='\u{9f}').contains(c))
        .map(|c| format!("{:?}", c))
        .collect()
}

const HOSTILE: &str = "Evil\u{1b}]2;owned\u{7}\u{1b}[2J\u{9b}31m KB";

#[tokio::test]
async fn every_command_sanitises_database_text() {
    let t = support::seeded(9, support::tiny()).await;
    let url = t.url.as_str();
    let demo: uuid::Uuid = sqlx::query_scalar("SELECT id FROM demos LIMIT 1").fetch_one(&t.db.pool).await.unwrap();
    // A hostile knowledge base name, created by the CLI itself…
    let o = ragdesk(&["--database-url", url, "kb", "create", "--demo", &demo.to_string(), "--name", HOSTILE]);
    assert!(o.status.success(), "{}", text(&o));
    assert!(terminal_controls(&o.stdout).is_empty() && terminal_controls(&o.stderr).is_empty(), "{}", text(&o));
    // …and a hostile lead name on a session.
    let session: uuid::Uuid =
        sqlx::query_scalar("SELECT id FROM sessions LIMIT 1").fetch_one(&t.db.pool).await.unwrap();
    sqlx::query("UPDATE leads SET display_name = $1 WHERE id = (SELECT lead_id FROM sessions WHERE id = $2)")
        .bind(HOSTILE)
        .bind(session)
        .execute(&t.db.pool)
        .await
        .unwrap();
    let sid = session.to_string();
    for args in [
        vec!["kb", "list"],
        vec!["kb", "list", "--json"],
        vec!["export", "session", sid.as_str(), "--format", "md"],
        vec!["export", "session", sid.as_str(), "--format", "json"],
        vec!["doctor"],
    ] {
        let mut full = vec!["--database-url", url];
        full.extend(args.iter().copied());
        let o = ragdesk(&full);
        let bad: Vec<String> = terminal_controls(&o.stdout).into_iter().chain(terminal_controls(&o.stderr)).collect();
        assert!(bad.is_empty(), "{args:?} printed {bad:?}:\n{}", text(&o));
        if args[0] != "doctor" {
            assert!(o.status.success(), "{args:?}: {}", text(&o));
            assert!(text(&o).contains("Evil"), "{args:?} shows the name (made safe): {}", text(&o));
        }
    }
    // JSON keeps the exact value.
    let o = ragdesk(&["--database-url", url, "kb", "list", "--json"]);
    let v: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    assert!(v.to_string().contains("\\u001b]2;owned"), "{v}");
}

#[tokio::test]
async fn a_session_is_exported_by_a_unique_id_prefix() {
    let t = support::seeded(11, support::tiny()).await;
    let url = t.url.as_str();
    let ids: Vec<uuid::Uuid> =
        sqlx::query_scalar("SELECT id FROM sessions ORDER BY id").fetch_all(&t.db.pool).await.unwrap();
    let id = ids[ids.len() / 2];
    // The shortest prefix (at least 6 digits) that names only this session.
    let hex = id.simple().to_string();
    let prefix = (6..=32)
        .map(|n| &hex[..n])
        .find(|p| ids.iter().filter(|i| i.simple().to_string().starts_with(p)).count() == 1)
        .unwrap();
    let o = ragdesk(&["--database-url", url, "export", "session", prefix, "--format", "json"]);
    assert!(o.status.success(), "{}", text(&o));
    let back: ragdesk::export::TranscriptExport = serde_json::from_slice(&o.stdout).unwrap();
    assert_eq!(back.session.id, id.to_string());

    // Two sessions sharing a prefix: the prefix is refused, naming them.
    let a = uuid::Uuid::parse_str("abcdef12-0000-4000-8000-000000000001").unwrap();
    let b = uuid::Uuid::parse_str("abcdef12-0000-4000-8000-000000000002").unwrap();
    for new in [a, b] {
        sqlx::query("INSERT INTO sessions (id, lead_id, demo_id, channel) SELECT $1, lead_id, demo_id, channel FROM sessions LIMIT 1")
            .bind(new)
            .execute(&t.db.pool)
            .await
            .unwrap();
    }
    let o = ragdesk(&["--database-url", url, "export", "session", "abcdef12"]);
    assert!(!o.status.success());
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(err.contains("ambiguous") && err.contains(&a.to_string()) && err.contains(&b.to_string()), "{err}");
    assert_eq!(err.trim().lines().count(), 1, "one line: {err}");
    let o = ragdesk(&["--database-url", url, "export", "session", "abc"]);
    assert!(!o.status.success() && String::from_utf8_lossy(&o.stderr).contains("first 6+ hex digits"), "{}", text(&o));
}

#[test]
fn errors_are_one_plain_line_and_exit_non_zero() {
    let port = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
    let url = format!("postgres://postgres@127.0.0.1:{port}/none");
    let o = ragdesk(&["--database-url", &url, "kb", "list"]);
    assert!(!o.status.success());
    let err = String::from_utf8_lossy(&o.stderr);
    assert_eq!(err.trim().lines().count(), 1, "{err}");
    assert!(err.starts_with("error: ") && err.contains("refused"), "{err}");
    assert!(!err.contains('\u{1b}'), "no colour when not a terminal: {err:?}");
    // --verbose adds the report.
    let o = ragdesk(&["--verbose", "--database-url", &url, "kb", "list"]);
    assert!(String::from_utf8_lossy(&o.stderr).trim().lines().count() > 1);
}

#[tokio::test]
async fn a_closed_pipe_ends_quietly() {
    use std::process::Stdio;
    let t = support::seeded(12, support::tiny()).await;
    let session: uuid::Uuid =
        sqlx::query_scalar("SELECT session_id FROM messages GROUP BY 1 ORDER BY count(*) DESC LIMIT 1")
            .fetch_one(&t.db.pool)
            .await
            .unwrap();
    let mut child = Command::new(env!("CARGO_BIN_EXE_ragdesk"))
        .args(["--database-url", &t.url, "export", "session", &session.to_string(), "--format", "json"])
        .env("XDG_CONFIG_HOME", "/nonexistent-ragdesk-test")
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    // The reader goes away before anything is written (as `| head -0` would).
    drop(child.stdout.take());
    let o = child.wait_with_output().unwrap();
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(!err.contains("panicked") && !err.contains("Broken pipe"), "{err}");
    assert_eq!(o.status.code(), Some(141), "{err}");
}

#[tokio::test]
async fn doctor_says_what_it_found() {
    let t = support::migrated().await;
    // No config file: said so (not "ok config" for a file that is not there).
    let o = ragdesk(&["--database-url", &t.url, "doctor"]);
    let out = text(&o);
    assert!(out.contains("no file at /nonexistent-ragdesk-test"), "{out}");
    assert!(out.contains("theme") && out.contains("built in"), "{out}");
    assert!(out.contains("keymap") && out.contains("defaults"), "{out}");
    // An unknown theme and a bad keymap entry are reported, not "ok".
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("config.toml");
    std::fs::write(&file, "theme = \"no-such-theme\"\n[keymap.global]\nno_such_command = [\"x\"]\n").unwrap();
    let o = ragdesk(&["--config", file.to_str().unwrap(), "--database-url", &t.url, "doctor"]);
    let out = text(&o);
    assert!(out.contains(&format!("read {}", file.display())), "{out}");
    assert!(out.contains("warn  theme") && out.contains("no theme named 'no-such-theme'"), "{out}");
    assert!(out.contains("warn  keymap") && out.contains("no_such_command"), "{out}");
    assert!(!out.contains("ok    theme") && !out.contains("ok    keymap"), "{out}");
}

#[tokio::test]
async fn search_from_the_command_line() {
    let t = support::seeded(7, support::tiny()).await;
    let url = t.url.as_str();
    let run = |args: &[&str]| ragdesk_on(url, args);
    let (demo,): (String,) =
        sqlx::query_as("SELECT id::text FROM demos ORDER BY created_at LIMIT 1").fetch_one(&t.db.pool).await.unwrap();
    assert!(run(&["kb", "create", "--demo", &demo, "--name", "Docs"]).status.success());
    let o = run(&[
        "ingest",
        "--kb",
        "Docs",
        "--chunk-tokens",
        "40",
        "--overlap",
        "0",
        "tests/fixtures/ingest/faq.md",
        "tests/fixtures/ingest/menu.html",
        "tests/fixtures/ingest/hours.txt",
    ]);
    assert!(o.status.success(), "{}", text(&o));

    let o = run(&[
        "search",
        "--kb",
        "Docs",
        "--k",
        "3",
        "--compare",
        "--hybrid",
        "--json",
        "when are you open on saturday",
    ]);
    assert!(o.status.success(), "{}", text(&o));
    let v: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    let rows = v["rows"].as_array().unwrap();
    assert_eq!(rows.len(), 3);
    assert_eq!(rows[0]["filename"], "hours.txt", "the opening hours answer the question: {v:#}");
    assert!(v["embed_ms"].as_f64().unwrap() > 0.0);
    assert!(v["compare"]["recall"].as_f64().unwrap() > 0.99, "a tiny base: the index finds it all");
    assert_eq!(v["platform_agrees"], true, "match_chunks returns the same");
    assert!(v["hybrid"].as_array().unwrap().iter().any(|f| f["text_rank"].is_number()));

    // More like this: the chunk itself, similarity 1, no model needed.
    let chunk = rows[1]["chunk_id"].as_str().unwrap().to_string();
    let o = Command::new(env!("CARGO_BIN_EXE_ragdesk"))
        .args(["--database-url", url, "search", "--like", &chunk, "--k", "2", "--json"])
        .env("RAGDESK_MODEL_DIR", "/nonexistent-model")
        .env("XDG_CONFIG_HOME", "/nonexistent-ragdesk-test")
        .output()
        .unwrap();
    assert!(o.status.success(), "{}", text(&o));
    let v: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    assert_eq!(v["rows"][0]["chunk_id"].as_str().unwrap(), chunk);
    assert!((v["rows"][0]["similarity"].as_f64().unwrap() - 1.0).abs() < 1e-5);

    // The human-readable table, and a threshold that lets one row through.
    let o = run(&["search", "--kb", "Docs", "--k", "3", "--threshold", "0.999", "opening hours"]);
    assert!(o.status.success(), "{}", text(&o));
    assert!(text(&o).contains("of the top 3 pass"), "{}", text(&o));
    // A threshold is a cosine similarity: refused on another metric, in one line.
    let o = run(&["search", "--kb", "Docs", "--metric", "l2", "--threshold", "0.5", "opening hours"]);
    assert!(!o.status.success());
    assert_eq!(String::from_utf8_lossy(&o.stderr).trim().lines().count(), 1, "{}", text(&o));
    assert!(text(&o).contains("cosine"), "{}", text(&o));
    // Another platform's options on ours are refused, not ignored.
    let o = run(&["search", "--kb", "Docs", "--probes", "4", "opening hours"]);
    assert!(!o.status.success() && text(&o).contains("--probes is for another platform's layout"), "{}", text(&o));
}

#[tokio::test]
async fn limits_and_audit_on_the_command_line() {
    let t = support::seeded(8, support::tiny()).await;
    let url = t.url.as_str();
    let (slug,): (String,) =
        sqlx::query_as("SELECT slug FROM tenants ORDER BY created_at, id LIMIT 1").fetch_one(&t.db.pool).await.unwrap();
    let ok = |args: &[&str]| {
        let o = ragdesk_on(url, args);
        assert!(o.status.success(), "{args:?}: {}", text(&o));
        text(&o)
    };
    let refused = |args: &[&str], why: &str| {
        let o = ragdesk_on(url, args);
        assert!(!o.status.success(), "{args:?} must fail: {}", text(&o));
        let t = text(&o);
        assert_eq!(t.lines().count(), 1, "one line: {t}");
        assert!(t.contains(why), "{args:?}: {t}");
    };
    let listed = ok(&["limits", "list"]);
    assert!(listed.contains("messages_per_demo") && listed.contains("Max messages per demo session"), "{listed}");

    let set = ok(&["limits", "set", "messages_per_demo", "80", "--tenant", &slug, "--reason", "pilot"]);
    assert!(set.contains("50 (default) → 80 (override for tenant"), "{set}");
    let tenant_view = ok(&["limits", "list", "--tenant", &slug, "--json"]);
    let v: serde_json::Value = serde_json::from_str(&tenant_view).unwrap();
    let row = v["limits"].as_array().unwrap().iter().find(|r| r["key"] == "messages_per_demo").unwrap();
    assert_eq!((row["override_value"].as_i64(), row["default_value"].as_i64()), (Some(80), Some(50)));
    assert!(v["usage"].as_array().unwrap().iter().any(|u| u["key"] == "messages_per_demo"));

    refused(&["limits", "set", "messages_per_demo", "-1"], "must not be negative");
    refused(&["limits", "set", "messages_per_demo", "lots"], "is not a whole number");
    refused(&["limits", "set", "messages_per_demo", "99999"], "out of bounds");
    refused(&["limits", "set", "messages_per_demo", "60", "--expect", "40"], "conflict");
    refused(&["limits", "set", "uploads_per_day", "5"], "unknown limit");
    refused(&["--read-only", "limits", "set", "messages_per_demo", "60"], "read-only");
    refused(&["--read-only", "migrate"], "read-only");
    ok(&["limits", "set", "uploads_per_day", "5", "--create", "Documents a tenant may upload per day"]);
    ok(&["limits", "set", "messages_per_demo", "60", "--expect", "50", "--reason", "more room"]);
    let unset = ok(&["limits", "unset", "messages_per_demo", "--tenant", &slug]);
    assert!(unset.contains("override 80 removed") && unset.contains("the default 60 applies"), "{unset}");
    refused(&["limits", "unset", "messages_per_demo", "--tenant", &slug], "not found");

    let history = ok(&["limits", "history", "messages_per_demo"]);
    let lines: Vec<&str> = history.lines().collect();
    assert_eq!(lines.len(), 3, "set override, set default, unset: {history}");
    assert!(lines[0].contains("unset") && lines[0].contains("80 → (removed)"), "{history}");
    assert!(lines[1].contains("50 → 60") && lines[1].contains("reason: more room"), "{history}");
    assert!(lines[2].contains("reason: pilot"), "{history}");
    let audit = ok(&["audit", "--json"]);
    let rows: Vec<serde_json::Value> = serde_json::from_str(&audit).unwrap();
    assert_eq!(rows.len(), 5, "seed, override, create, default, unset: {audit}");
    assert_eq!(rows.last().unwrap()["action"], "seed");
    let only_db = ok(&["audit", "--entity", "database"]);
    assert_eq!(only_db.lines().count(), 1, "{only_db}");
}
