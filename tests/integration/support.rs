//! Test databases: each test gets its own, cloned from a template that was
//! migrated once (per migration set), so tests run in parallel.

use std::process::Command;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use ragdesk::db::{ConnectSettings, Db, MIGRATOR};
use sqlx::{Connection, Executor, PgConnection};

pub fn admin_url() -> String {
    std::env::var("RAGDESK_TEST_ADMIN_URL").expect(
        "RAGDESK_TEST_ADMIN_URL is not set: run the suite with scripts/test (it starts PostgreSQL with pgvector)",
    )
}

fn url_for(db: &str) -> String {
    let admin = admin_url();
    let base = admin.rsplit_once('/').expect("admin URL has a database").0;
    format!("{base}/{db}")
}

fn template_name() -> String {
    // A new migration set gets a new template.
    let mut h: u64 = 0xcbf29ce484222325;
    for m in MIGRATOR.iter() {
        for b in m.checksum.iter().chain(m.version.to_le_bytes().iter()) {
            h = (h ^ *b as u64).wrapping_mul(0x100000001b3);
        }
    }
    format!("ragdesk_tpl_{h:016x}")
}

pub struct TestDb {
    pub url: String,
    pub db: Db,
}

impl TestDb {
    pub async fn conn(&self) -> PgConnection {
        PgConnection::connect(&self.url).await.expect("connect to test database")
    }
}

static COUNTER: AtomicU64 = AtomicU64::new(0);

fn unique_name() -> String {
    let n = COUNTER.fetch_add(1, Ordering::SeqCst);
    format!("ragdesk_t_{}_{}_{}", std::process::id(), n, &uuid::Uuid::new_v4().simple().to_string()[..8])
}

/// A new, empty database (no migrations).
pub async fn empty() -> TestDb {
    let name = unique_name();
    let mut admin = PgConnection::connect(&admin_url()).await.expect("connect to the admin database");
    admin.execute(format!("CREATE DATABASE \"{name}\"").as_str()).await.unwrap();
    let url = url_for(&name);
    let db = Db::lazy(&url, &ConnectSettings::default()).unwrap();
    TestDb { url, db }
}

/// A new database with the current schema.
pub async fn migrated() -> TestDb {
    let template = template_name();
    let name = unique_name();
    let mut admin = PgConnection::connect(&admin_url()).await.expect("connect to the admin database");
    // One process at a time builds the template or clones it (cloning needs
    // nobody connected to the template).
    admin.execute("SELECT pg_advisory_lock(727274)").await.unwrap();
    let exists: Option<(i32,)> = sqlx::query_as("SELECT 1 FROM pg_database WHERE datname = $1")
        .bind(&template)
        .fetch_optional(&mut admin)
        .await
        .unwrap();
    if exists.is_none() {
        let building = format!("{template}_build");
        admin.execute(format!("DROP DATABASE IF EXISTS \"{building}\" WITH (FORCE)").as_str()).await.unwrap();
        admin.execute(format!("CREATE DATABASE \"{building}\"").as_str()).await.unwrap();
        {
            let mut c = PgConnection::connect(&url_for(&building)).await.unwrap();
            MIGRATOR.run(&mut c).await.expect("migrations apply to an empty database");
            c.close().await.unwrap();
        }
        admin.execute(format!("ALTER DATABASE \"{building}\" RENAME TO \"{template}\"").as_str()).await.unwrap();
    }
    let created = admin.execute(format!("CREATE DATABASE \"{name}\" TEMPLATE \"{template}\"").as_str()).await;
    admin.execute("SELECT pg_advisory_unlock(727274)").await.unwrap();
    created.expect("clone the template");
    let url = url_for(&name);
    let db = Db::lazy(&url, &ConnectSettings::default()).unwrap();
    TestDb { url, db }
}

/// A migrated database filled by the seeder.
pub async fn seeded(seed: u64, sizes: ragdesk::seed::SeedSizes) -> TestDb {
    let t = migrated().await;
    let mut c = t.conn().await;
    ragdesk::seed::seed(&mut c, seed, sizes, |_, _| {}).await.expect("seed");
    t
}

pub fn tiny() -> ragdesk::seed::SeedSizes {
    ragdesk::seed::SeedSizes::preset("tiny").unwrap()
}

/// A tmux server of its own (own socket) running one program in a pane.
pub struct Tmux {
    pub socket: String,
    pub target: String,
}

impl Tmux {
    pub fn start(name: &str, width: u16, height: u16, shell: &str) -> Tmux {
        let n = COUNTER.fetch_add(1, Ordering::SeqCst);
        let t = Tmux { socket: format!("ragdesk-test-{name}-{}-{n}", std::process::id()), target: "console".into() };
        let out = Command::new("tmux")
            .args(["-L", &t.socket, "-f", "/dev/null", "new-session", "-d", "-s", "console"])
            .args(["-x", &width.to_string(), "-y", &height.to_string(), shell])
            .output()
            .expect("tmux runs (scripts/test installs it)");
        assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
        t
    }
    pub fn cmd(&self, args: &[&str]) -> String {
        let out = Command::new("tmux").arg("-L").arg(&self.socket).args(args).output().expect("tmux runs");
        String::from_utf8_lossy(&out.stdout).into_owned()
    }
    pub fn screen(&self) -> String {
        self.cmd(&["capture-pane", "-p", "-t", &self.target])
    }
    pub fn keys(&self, keys: &[&str]) {
        let mut args = vec!["send-keys", "-t", self.target.as_str()];
        args.extend_from_slice(keys);
        self.cmd(&args);
    }
    pub fn display(&self, fmt: &str) -> String {
        self.cmd(&["display-message", "-p", "-t", &self.target, fmt]).trim().to_string()
    }
    /// Waits until the screen satisfies `ok`, or fails with the last screen.
    pub fn wait_for(&self, what: &str, ok: impl Fn(&str) -> bool) -> String {
        let start = Instant::now();
        loop {
            let s = self.screen();
            if ok(&s) {
                return s;
            }
            if start.elapsed() > Duration::from_secs(30) {
                panic!("timed out waiting for {what}; screen:\n{s}");
            }
            std::thread::sleep(Duration::from_millis(100));
        }
    }
}

impl Drop for Tmux {
    fn drop(&mut self) {
        let _ = Command::new("tmux").args(["-L", &self.socket, "kill-server"]).output();
    }
}

/// The console started in tmux on `url`, with its config and data dirs in
/// a temporary home; prints RAGDESK_EXITED and the tty modes when it ends.
pub fn console_in_tmux(name: &str, url: &str, home: &std::path::Path) -> Tmux {
    console_in_tmux_with(name, url, home, "")
}

/// Like `console_in_tmux`, with extra `NAME=value` environment words.
pub fn console_in_tmux_with(name: &str, url: &str, home: &std::path::Path, env: &str) -> Tmux {
    let shell = format!(
        "env XDG_CONFIG_HOME={home}/config XDG_DATA_HOME={home}/data {env} {bin} --database-url '{url}'; \
         echo RAGDESK_EXITED; stty -a; sleep 60",
        home = home.display(),
        bin = env!("CARGO_BIN_EXE_ragdesk"),
    );
    Tmux::start(name, 80, 24, &shell)
}

/// Waits for the console started by `console_in_tmux` to exit, and checks
/// the terminal was given back: alternate screen left, cursor shown,
/// cooked mode (icanon, echo) restored. Returns the screen.
pub fn assert_terminal_restored(tmux: &Tmux) -> String {
    let after = tmux.wait_for("the console to exit", |s| s.contains("RAGDESK_EXITED") && s.contains("icanon"));
    assert_eq!(tmux.display("#{alternate_on}"), "0", "alternate screen left:\n{after}");
    assert_eq!(tmux.display("#{cursor_flag}"), "1", "cursor shown again");
    assert!(after.contains(" icanon") && after.contains(" echo"), "cooked mode restored:\n{after}");
    assert!(!after.contains("-icanon"), "{after}");
    after
}

/// A new knowledge base of the local model (384-d) for `demo`, unattached.
pub fn local_kb_spec(demo: uuid::Uuid, name: &str) -> ragdesk::db::knowledge::NewKnowledgeBase {
    ragdesk::db::knowledge::NewKnowledgeBase {
        demo_id: demo,
        name: name.into(),
        kb_type: "faq".into(),
        provider: "local".into(),
        model: "all-MiniLM-L6-v2".into(),
        dim: 384,
        chunk_tokens: None,
        chunk_overlap: None,
        attach: false,
    }
}

/// Ingests `files` of tests/fixtures/ingest into `kb` with `provider`, in
/// chunks of 40 tokens without overlap.
pub async fn ingest_fixtures(
    t: &TestDb,
    kb: &ragdesk::db::knowledge::KnowledgeBaseRow,
    provider: ragdesk::embed::Provider,
    files: &[&str],
) {
    let opts = ragdesk::ingest::Options {
        chunk: ragdesk::ingest::ChunkSettings { tokens: 40, overlap: 0 },
        dry_run: false,
        force: false,
        max_file_bytes: 1_000_000,
        limits: ragdesk::ingest::Limits::default(),
        cache: None,
    };
    let paths: Vec<std::path::PathBuf> = files.iter().map(|f| format!("tests/fixtures/ingest/{f}").into()).collect();
    ragdesk::ingest::run(&t.db, kb, provider, &paths, &opts, &ragdesk::ingest::Cancel::default(), &|_| {})
        .await
        .expect("the fixtures ingest");
}

/// A knowledge base of the local model (384-d) for the first demo of `t`.
pub async fn local_kb(t: &TestDb, name: &str) -> ragdesk::db::knowledge::KnowledgeBaseRow {
    let demo: uuid::Uuid = sqlx::query_scalar("SELECT id FROM demos ORDER BY created_at LIMIT 1")
        .fetch_one(&t.db.pool)
        .await
        .expect("a seeded demo");
    create_kb(t, &local_kb_spec(demo, name)).await
}

/// Creates knowledge base `spec` on `t`, read back as the Documents tab lists it.
pub async fn create_kb(
    t: &TestDb,
    spec: &ragdesk::db::knowledge::NewKnowledgeBase,
) -> ragdesk::db::knowledge::KnowledgeBaseRow {
    let id = ragdesk::db::knowledge::create(&mut t.conn().await, spec).await.unwrap();
    knowledge_lists(t).await.knowledge_base(&mut t.conn().await, id).await.unwrap()
}

/// One HTTP request as the mock server saw it.
#[derive(Debug, Clone)]
pub struct Seen {
    pub path: String,
    pub auth: Option<String>,
    pub body: serde_json::Value,
}

pub type Reply = (u16, Vec<(String, String)>, String);

/// A tiny HTTP/1.1 server: every request goes to `handler` (with its
/// sequence number), which answers status, headers and body.
pub async fn mock_server(
    handler: impl Fn(usize, &Seen) -> Reply + Send + Sync + 'static,
) -> (String, std::sync::Arc<std::sync::Mutex<Vec<Seen>>>) {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let seen: std::sync::Arc<std::sync::Mutex<Vec<Seen>>> = Default::default();
    let handler = std::sync::Arc::new(handler);
    let log = seen.clone();
    tokio::spawn(async move {
        loop {
            let Ok((mut sock, _)) = listener.accept().await else { return };
            let handler = handler.clone();
            let log = log.clone();
            tokio::spawn(async move {
                let mut buf = Vec::new();
                let mut tmp = [0u8; 65536];
                let (head_end, content_length) = loop {
                    let n = sock.read(&mut tmp).await.unwrap_or(0);
                    if n == 0 {
                        return;
                    }
                    buf.extend_from_slice(&tmp[..n]);
                    if let Some(pos) = buf.windows(4).position(|w| w == b"\r\n\r\n") {
                        let head = String::from_utf8_lossy(&buf[..pos]).to_string();
                        let len = head
                            .lines()
                            .find_map(|l| {
                                l.to_ascii_lowercase()
                                    .strip_prefix("content-length:")
                                    .map(|v| v.trim().parse::<usize>().unwrap())
                            })
                            .unwrap_or(0);
                        break (pos + 4, len);
                    }
                };
                while buf.len() < head_end + content_length {
                    let n = sock.read(&mut tmp).await.unwrap_or(0);
                    if n == 0 {
                        return;
                    }
                    buf.extend_from_slice(&tmp[..n]);
                }
                let head = String::from_utf8_lossy(&buf[..head_end]).to_string();
                let path = head.split_whitespace().nth(1).unwrap_or("").to_string();
                let auth = head.lines().find_map(|l| {
                    let (k, v) = l.split_once(':')?;
                    k.eq_ignore_ascii_case("authorization").then(|| v.trim().to_string())
                });
                let body = serde_json::from_slice(&buf[head_end..head_end + content_length])
                    .unwrap_or(serde_json::Value::Null);
                let req = Seen { path, auth, body };
                let n = {
                    let mut l = log.lock().unwrap();
                    l.push(req.clone());
                    l.len() - 1
                };
                let (status, headers, body) = handler(n, &req);
                let mut resp = format!(
                    "HTTP/1.1 {status} X\r\ncontent-length: {}\r\nconnection: close\r\ncontent-type: application/json\r\n",
                    body.len()
                );
                for (k, v) in headers {
                    resp.push_str(&format!("{k}: {v}\r\n"));
                }
                resp.push_str("\r\n");
                resp.push_str(&body);
                let _ = sock.write_all(resp.as_bytes()).await;
                let _ = sock.shutdown().await;
            });
        }
    });
    (format!("http://{addr}/v1"), seen)
}

/// An OpenAI-compatible `/v1/embeddings` server that answers with the
/// local model's vectors, zero-padded to `dim`: what another platform's
/// 1536-d columns would hold had that model written them.
pub async fn local_model_server(dim: usize) -> (String, std::sync::Arc<std::sync::Mutex<Vec<Seen>>>) {
    let model = std::sync::Arc::new(
        ragdesk::embed::local::LocalModel::load(&crate::embed::model_dir())
            .expect("the local model (scripts/test installs it)"),
    );
    mock_server(move |_, req| {
        let texts: Vec<String> = req.body["input"]
            .as_array()
            .map(|a| a.iter().filter_map(|v| v.as_str().map(String::from)).collect())
            .unwrap_or_default();
        let vectors = model.embed_batch(&texts).expect("the local model embeds");
        let data: Vec<serde_json::Value> = vectors
            .into_iter()
            .enumerate()
            .map(|(i, mut v)| {
                v.resize(dim, 0.0);
                serde_json::json!({"object": "embedding", "index": i, "embedding": v})
            })
            .collect();
        let body = serde_json::json!({"object": "list", "data": data, "model": req.body["model"], "usage": {"prompt_tokens": 1, "total_tokens": 1}});
        (200, Vec::new(), body.to_string())
    })
    .await
}

/// The Documents tab's reader of its lists on `t`: our layout.
pub async fn knowledge_lists(t: &TestDb) -> ragdesk::db::knowledge::KnowledgeLists {
    ragdesk::db::knowledge::KnowledgeLists::of(&t.db).await.unwrap()
}
