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
    assert_eq!(back.messages, ragdesk::db::messages::all(&mut *t.db.pool.acquire().await.unwrap(), id).await.unwrap());
    let o = ragdesk(&["--database-url", url, "export", "session", &id.to_string(), "--format", "md"]);
    assert!(o.status.success());
    assert!(String::from_utf8_lossy(&o.stdout).starts_with("# Conversation with "));
    let o = ragdesk(&["--database-url", url, "export", "session", &uuid::Uuid::nil().to_string()]);
    assert!(!o.status.success() && text(&o).contains("not found"), "{}", text(&o));

    // doctor: all well (scripts/test provides the model via RAGDESK_MODEL_DIR).
    let o = ragdesk(&["--database-url", url, "doctor"]);
    assert!(o.status.success(), "{}", text(&o));
    for check in ["connection", "server", "pgvector", "migrations", "model"] {
        assert!(text(&o).contains(check), "{}", text(&o));
    }
}

#[tokio::test]
async fn doctor_fails_clearly_and_never_shows_the_password() {
    let t = support::empty().await;
    // Unmigrated database: exit 1, says to migrate.
    let o = ragdesk(&["--database-url", &t.url, "doctor"]);
    assert_eq!(o.status.code(), Some(1), "{}", text(&o));
    assert!(text(&o).contains("ragdesk migrate"), "{}", text(&o));

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
    let model = crate::embed::model_dir();
    let run = |args: &[&str]| {
        Command::new(env!("CARGO_BIN_EXE_ragdesk"))
            .args(["--database-url", url])
            .args(args)
            .env("RAGDESK_MODEL_DIR", &model)
            .env("XDG_CONFIG_HOME", "/nonexistent-ragdesk-test")
            .output()
            .unwrap()
    };
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
