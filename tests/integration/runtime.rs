//! The console's runtime against the real server: a superseded query is
//! cancelled on the server (gone from pg_stat_activity), a debounced burst
//! runs once, the write gate refuses writes on a read-only connection,
//! statement_timeout is applied and reported as what it is, and a pool
//! time-out says whether the server refused or was only busy.

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use ragdesk::action::{Action, Effect};
use ragdesk::db::{ConnectSettings, Db};
use ragdesk::runner::{EffectRunner, READ_ONLY_REFUSAL, Settings, TaskRegistry};
use tokio::sync::mpsc::unbounded_channel;

use crate::support;

/// Backends of `db` running `SELECT pg_sleep` statements right now.
async fn sleeping(admin: &sqlx::PgPool, db: &str, marker: &str) -> i64 {
    sqlx::query_scalar(
        "SELECT count(*) FROM pg_stat_activity WHERE datname = $1 AND state = 'active' AND query LIKE $2",
    )
    .bind(db)
    .bind(format!("%{marker}%"))
    .fetch_one(admin)
    .await
    .unwrap()
}

async fn admin() -> sqlx::PgPool {
    sqlx::PgPool::connect(&support::admin_url()).await.unwrap()
}

async fn eventually(what: &str, mut ok: impl AsyncFnMut() -> bool) {
    let deadline = tokio::time::Instant::now() + Duration::from_secs(10);
    while !ok().await {
        assert!(tokio::time::Instant::now() < deadline, "timed out waiting for {what}");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

#[tokio::test]
async fn a_superseded_query_is_cancelled_on_the_server() {
    let t = support::migrated().await;
    let admin = admin().await;
    let registry = TaskRegistry::new(t.db.clone(), 3);
    let reported = Arc::new(AtomicUsize::new(0));
    let slow = |n: usize| {
        let reported = reported.clone();
        move |ctx: ragdesk::runner::TaskCtx| async move {
            let mut conn = ctx.connect().await.unwrap().unwrap();
            let pid = conn.pid;
            let sql = format!("SELECT pg_sleep(30), 'supersede-marker-{n}'");
            let out = ctx.until_cancelled(pid, sqlx::query(&sql).execute(&mut *conn.conn)).await;
            if out.is_some() {
                reported.fetch_add(1, Ordering::SeqCst);
            }
        }
    };
    registry.spawn("search", None, slow(1));
    eventually("the first query to run", async || {
        sleeping(&admin, &t.db.target.database, "supersede-marker-1").await == 1
    })
    .await;
    let pid = registry.running()[0].backend_pid.expect("the task records its backend pid");
    // A newer task with the same key supersedes it.
    registry.spawn("search", None, slow(2));
    eventually("the superseded query to leave the server", async || {
        sleeping(&admin, &t.db.target.database, "supersede-marker-1").await == 0
    })
    .await;
    eventually("the newer query to run", async || {
        sleeping(&admin, &t.db.target.database, "supersede-marker-2").await == 1
    })
    .await;
    // Cancel the second too; nothing was reported by either.
    assert!(registry.cancel("search"));
    assert!(registry.drained(Duration::from_secs(5)).await, "tasks end after a cancel");
    assert_eq!(reported.load(Ordering::SeqCst), 0);
    // The connection went back to the pool idle, not with a query running.
    let state: Option<String> = sqlx::query_scalar("SELECT state FROM pg_stat_activity WHERE pid = $1")
        .bind(pid)
        .fetch_optional(&admin)
        .await
        .unwrap();
    assert_ne!(state.as_deref(), Some("active"));
}

#[tokio::test]
async fn a_debounced_burst_runs_only_its_last_task() {
    let t = support::migrated().await;
    let registry = TaskRegistry::new(t.db.clone(), 3);
    let runs = Arc::new(std::sync::Mutex::new(Vec::new()));
    for i in 0..20 {
        let runs = runs.clone();
        registry.spawn("demo", Some(Duration::from_millis(80)), move |_| async move {
            runs.lock().unwrap().push(i);
        });
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
    assert!(registry.drained(Duration::from_secs(5)).await);
    assert_eq!(*runs.lock().unwrap(), vec![19]);
}

#[tokio::test]
async fn the_concurrency_limit_holds_under_a_burst_of_keys() {
    let t = support::migrated().await;
    let admin = admin().await;
    let registry = TaskRegistry::new(t.db.clone(), 2);
    for i in 0..8 {
        registry.spawn(format!("k{i}"), None, move |ctx| async move {
            if let Ok(Some(mut c)) = ctx.connect().await {
                let pid = c.pid;
                let sql = "SELECT pg_sleep(0.4), 'burst-marker'";
                ctx.until_cancelled(pid, sqlx::query(sql).execute(&mut *c.conn)).await;
            }
        });
    }
    let mut most = 0;
    for _ in 0..20 {
        most = most.max(sleeping(&admin, &t.db.target.database, "burst-marker").await);
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    assert!(registry.drained(Duration::from_secs(10)).await);
    assert!(most >= 1, "the tasks ran");
    assert!(most <= 2, "at most 2 queries at once, saw {most}");
}

fn settings() -> Settings {
    let dir = tempfile::tempdir().unwrap().keep();
    Settings {
        export_dir: dir.clone(),
        page_size: 100,
        transcript_page_size: 200,
        embedder: ragdesk::config::EmbeddingConfig::default()
            .embedder(&ragdesk::config::Paths { config_dir: dir.join("c"), data_dir: dir.join("d") }),
        max_file_bytes: 1_000_000,
        history_dir: dir.join("d/search-history"),
        mapped: None,
        lists: ragdesk::db::mapped::Lists::ours(),
        layout_model: None,
    }
}

#[tokio::test]
async fn the_write_gate_refuses_writes_on_a_read_only_connection() {
    let t = support::migrated().await;
    let ro = Db::lazy(&t.url, &ConnectSettings { read_only: true, ..Default::default() }).unwrap();
    let (tx, mut rx) = unbounded_channel();
    let runner = EffectRunner::new(ro, tx, settings());
    runner.run(Effect::DeleteDocument { id: uuid::Uuid::new_v4(), filename: "x".into() });
    match tokio::time::timeout(Duration::from_secs(5), rx.recv()).await.unwrap().unwrap() {
        Action::DocumentDeleted { result: Err(e) } => assert_eq!(e, READ_ONLY_REFUSAL),
        other => panic!("{other:?}"),
    }
    assert!(runner.tasks.running().is_empty(), "the write never became a task");
}

#[tokio::test]
async fn statement_timeout_is_applied_and_reported_as_a_time_out() {
    let t = support::migrated().await;
    let settings_ms = ConnectSettings { statement_timeout: Some(Duration::from_millis(150)), ..Default::default() };
    let db = Db::lazy(&t.url, &settings_ms).unwrap();
    let mut conn = db.acquire().await.unwrap();
    let shown: String = sqlx::query_scalar("SHOW statement_timeout").fetch_one(&mut *conn).await.unwrap();
    assert_eq!(shown, "150ms");
    let err = sqlx::query("SELECT pg_sleep(2)").execute(&mut *conn).await.unwrap_err();
    let err = ragdesk::db::DbError::from(err);
    assert!(err.is_timeout() && !err.is_cancelled() && !err.is_connection(), "{err}");
    let shown = ragdesk::action::LoadError::from(err);
    assert!(shown.message.contains("statement_timeout"), "{}", shown.message);
    assert!(!shown.connection, "a time-out does not put the console offline");
}

#[tokio::test]
async fn a_refused_connection_says_refused_and_a_busy_pool_is_not_offline() {
    // Nothing listens on this port (bound, then closed).
    let port = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
    let down = Db::lazy(&format!("postgres://postgres@127.0.0.1:{port}/x"), &ConnectSettings::default()).unwrap();
    let err = down.acquire().await.unwrap_err();
    assert!(err.is_connection(), "{err}");
    assert!(err.to_string().contains("refused"), "{err}");
    assert!(!err.to_string().contains("timed out"), "{err}");

    // A pool of one, held: the next acquire times out, but the server is there.
    let t = support::migrated().await;
    let one = Db::lazy(&t.url, &ConnectSettings { max_connections: 1, ..Default::default() }).unwrap();
    let _held = one.acquire().await.unwrap();
    let err = one.acquire().await.unwrap_err();
    assert!(!err.is_connection(), "busy is not offline: {err}");
    assert!(err.to_string().contains("busy"), "{err}");
}

#[tokio::test]
async fn a_list_page_runs_through_the_runner_with_its_task_key() {
    let t = support::seeded(5, support::tiny()).await;
    let (tx, mut rx) = unbounded_channel();
    let runner = EffectRunner::new(t.db.clone(), tx, settings());
    // Our tenants, read through our layout (checked against the database
    // on the first read).
    let load = |generation, backward| Effect::LoadMapped {
        generation,
        kind: ragdesk::schema::Kind::Tenant,
        under: ragdesk::db::mapped::Under::All,
        after: None,
        filter: String::new(),
        backward,
    };
    runner.run(load(1, false));
    // Superseded at once by the end of the list: only that one reports.
    runner.run(load(2, true));
    let got = tokio::time::timeout(Duration::from_secs(5), rx.recv()).await.unwrap().unwrap();
    match got {
        Action::MappedLoaded { generation, result: Ok(page) } => {
            assert_eq!(generation, 2);
            assert!(!page.rows.is_empty());
        }
        other => panic!("{other:?}"),
    }
    assert!(runner.tasks.drained(Duration::from_secs(5)).await);
    assert!(rx.try_recv().is_err(), "the superseded page never reports");
}

#[tokio::test]
async fn quick_preview_changes_never_show_a_cancelled_preview() {
    let t = support::seeded(6, support::tiny()).await;
    let kb = support::local_kb(&t, "preview").await;
    let (tx, mut rx) = unbounded_channel();
    let mut s = settings();
    s.embedder.local_model_dir = crate::embed::model_dir();
    let runner = EffectRunner::new(t.db.clone(), tx, s);
    let paths: Vec<std::path::PathBuf> =
        ["hours.txt", "faq.md", "menu.html"].iter().map(|f| format!("tests/fixtures/ingest/{f}").into()).collect();
    // `+` pressed five times quickly: five previews, each superseding the last.
    for generation in 1..=5u64 {
        let chunk = ragdesk::spec::ChunkSettings { tokens: 40 + 10 * generation as usize, overlap: 5 };
        runner.run(Effect::Preview { generation, kb: kb.id, paths: paths.clone(), chunk });
    }
    let got = tokio::time::timeout(Duration::from_secs(60), rx.recv()).await.unwrap().unwrap();
    let Action::PreviewReady { generation, result } = got else { panic!("{got:?}") };
    assert_eq!(generation, 5, "only the newest preview reports");
    let files = result.unwrap();
    assert!(
        files.iter().all(|f| matches!(f.outcome, ragdesk::ingest::Outcome::DryRun { .. })),
        "{:?}",
        files.iter().map(|f| &f.outcome).collect::<Vec<_>>()
    );
    assert!(runner.tasks.drained(Duration::from_secs(5)).await);
    assert!(rx.try_recv().is_err(), "no superseded preview reports later");
}

#[tokio::test]
async fn a_superseded_search_is_gone_from_pg_stat_activity() {
    let t = support::seeded(13, support::tiny()).await;
    let pool = &t.db.pool;
    let kb = support::local_kb(&t, "locked").await;
    let doc: uuid::Uuid =
        sqlx::query_scalar("INSERT INTO documents (kb_id, filename, content) VALUES ($1, 'd', 'x') RETURNING id")
            .bind(kb.id)
            .fetch_one(pool)
            .await
            .unwrap();
    let chunk: uuid::Uuid = sqlx::query_scalar(
        "INSERT INTO chunks (kb_id, document_id, chunk_index, content, embedding, embedding_dim) \
         VALUES ($1, $2, 0, 'c', array_fill(0.05::real, ARRAY[384])::vector, 384) RETURNING id",
    )
    .bind(kb.id)
    .bind(doc)
    .fetch_one(pool)
    .await
    .unwrap();
    // Another session holds the chunks table: every search waits, active, on the server.
    let mut locker = t.conn().await;
    sqlx::query("BEGIN").execute(&mut locker).await.unwrap();
    sqlx::query("LOCK TABLE chunks IN ACCESS EXCLUSIVE MODE").execute(&mut locker).await.unwrap();

    let (tx, mut rx) = unbounded_channel();
    let runner = EffectRunner::new(t.db.clone(), tx, settings());
    let request = ragdesk::search::Request {
        scope: ragdesk::search::Scope::Knowledge(kb.clone()),
        query: ragdesk::search::Query::Like(chunk.to_string()),
        k: 5,
        metric: ragdesk::db::search::Metric::Cosine,
        threshold: None,
        mode: ragdesk::db::search::Mode::Exact,
        compare: false,
        hybrid: false,
        histogram: 0,
    };
    let admin = admin().await;
    let waiting = |admin: sqlx::PgPool, db: String| async move {
        sqlx::query_scalar::<_, i32>(
            "SELECT pid FROM pg_stat_activity WHERE datname = $1 AND state = 'active' AND wait_event_type = 'Lock' ORDER BY pid",
        )
        .bind(db)
        .fetch_all(&admin)
        .await
        .unwrap()
    };
    let db_name = t.db.target.database.clone();
    runner.run(Effect::Search { generation: 1, request: request.clone() });
    let mut first = Vec::new();
    for _ in 0..100 {
        first = waiting(admin.clone(), db_name.clone()).await;
        if !first.is_empty() {
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    assert_eq!(first.len(), 1, "the first search waits on the server");
    // A newer search supersedes it: the first is cancelled on the server.
    runner.run(Effect::Search { generation: 2, request });
    let mut now = Vec::new();
    for _ in 0..100 {
        now = waiting(admin.clone(), db_name.clone()).await;
        if now.len() == 1 && now[0] != first[0] {
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    assert!(!now.contains(&first[0]), "the superseded search is gone: {now:?} (was {first:?})");
    assert_eq!(now.len(), 1, "the newer one waits: {now:?}");
    sqlx::query("ROLLBACK").execute(&mut locker).await.unwrap();
    let got = tokio::time::timeout(Duration::from_secs(10), rx.recv()).await.unwrap().unwrap();
    match got {
        Action::SearchDone { generation, result } => {
            assert_eq!(generation, 2);
            assert_eq!(result.unwrap().rows[0].chunk_id, chunk.to_string());
        }
        other => panic!("{other:?}"),
    }
    assert!(runner.tasks.drained(Duration::from_secs(5)).await);
    assert!(rx.try_recv().is_err(), "the superseded search never reports");
}
