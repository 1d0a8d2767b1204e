//! Benchmarks of the console's data paths against a real database (seed it
//! with `ragdesk seed --scale large` first). Prints a Markdown table; the
//! figures in BENCHMARKS.md come from here.
//!
//!     cargo run --release --bin ragdesk-bench -- --database-url URL [--iterations N] [--first-frame] [--console-process]
//!     cargo run --release --bin ragdesk-bench -- --database-url URL --ingest [--ingest-mb N]
//!     cargo run --release --bin ragdesk-bench -- --pdf DIR     (PDFs from scripts/pdf-corpus)
//!     cargo run --release --bin ragdesk-bench -- --database-url SCRATCH_URL --search 100000
//!     cargo run --release --bin ragdesk-bench -- --database-url OMNI_OR_DOMO_URL --layouts
//!     cargo run --release --bin ragdesk-bench -- --database-url LARGE_URL --native-layout
//!     cargo run --release --bin ragdesk-bench -- --database-url DOMO_URL --layout-search 100000

use std::process::Command;
use std::time::{Duration, Instant};

use clap::Parser;
use ragdesk::app::transcript::Transcript;
use ragdesk::db::sessions::SessionScope;
use ragdesk::db::{self, ConnectSettings, Cursor, Db, Filter};
use uuid::Uuid;

mod embed;
mod ingest;
mod layout_search;
mod layouts;
mod native_layout;
mod pdf;
mod scale;
mod search;

#[derive(Parser)]
struct Args {
    #[arg(long, env = "DATABASE_URL")]
    database_url: Option<String>,
    /// Measure similarity search over this many random 384-d chunks instead
    /// (needs a scratch database: it rebuilds the 384-d index).
    #[arg(long, value_name = "N")]
    search: Option<usize>,
    /// --search: build the HNSW index with this m (with --hnsw-ef-construction)
    /// instead of the migration's (pgvector's defaults, m 16, ef_construction 64).
    #[arg(long, requires = "hnsw_ef_construction")]
    hnsw_m: Option<u32>,
    #[arg(long, requires = "hnsw_m")]
    hnsw_ef_construction: Option<u32>,
    /// Measure PDF text extraction on the PDFs of this directory instead
    /// (no database needed; make them with scripts/pdf-corpus).
    #[arg(long, value_name = "DIR")]
    pdf: Option<std::path::PathBuf>,
    #[arg(long, default_value_t = 20)]
    iterations: usize,
    /// Also time the console's first frame with data (needs tmux).
    #[arg(long)]
    first_frame: bool,
    /// Also measure the console process in tmux: memory after browsing deep, CPU while idle.
    #[arg(long)]
    console_process: bool,
    /// Measure only our lists through our layout (the console's path)
    /// beside our typed queries, on our schema (the 10M-message database).
    #[arg(long)]
    native_layout: bool,
    /// Measure another platform's schema through its layout instead (a
    /// database seeded with `ragdesk --layout omni|domo seed`; grown once to
    /// ~1M messages).
    #[arg(long)]
    layouts: bool,
    /// Measure the Search tab's search on 001's knowledge through its layout
    /// instead, with this many chunks (a database seeded with `ragdesk
    /// --layout domo seed`; its ivfflat index is rebuilt).
    #[arg(long, value_name = "N")]
    layout_search: Option<usize>,
    /// --layout-search: the local model's embeddings of real documentation
    /// (Markdown and Rust doc comments under DIR, e.g. ~/.cargo/registry/src)
    /// instead of synthetic clustered vectors.
    #[arg(long, value_name = "DIR")]
    real_text: Option<std::path::PathBuf>,
    /// Measure the ingest stages instead (extract, chunk, local embed, store).
    #[arg(long)]
    ingest: bool,
    /// Measure the local model's throughput on the sample corpus instead
    /// (no database needed; run from the repository).
    #[arg(long)]
    embed: bool,
    /// Chunks embedded by --embed.
    #[arg(long, default_value_t = 512)]
    embed_chunks: usize,
    /// --embed: measure only this batch size (in a process of its own, for its peak memory).
    #[arg(long)]
    embed_batch: Option<usize>,
    /// --embed: also run the peer (ONNX Runtime) with this python (from scripts/bench-peer/setup).
    #[arg(long, value_name = "PYTHON")]
    peer: Option<String>,
    /// Time questions end to end (local embedding + search) on this knowledge base.
    #[arg(long, value_name = "KB")]
    query_kb: Option<String>,
    /// Size of the generated Markdown corpus for --ingest, in MB.
    #[arg(long, default_value_t = 0.5)]
    ingest_mb: f64,
}

pub(crate) struct Stats(Vec<Duration>);

impl Stats {
    fn ms(&self, q: f64) -> f64 {
        let mut v = self.0.clone();
        v.sort();
        let i = ((v.len() as f64 - 1.0) * q).round() as usize;
        v[i].as_secs_f64() * 1000.0
    }
}

async fn time<F, Fut, T>(n: usize, mut f: F) -> Stats
where
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = T>,
{
    // One warm-up run: caches and prepared statements, as in a live console.
    f().await;
    let mut out = Vec::with_capacity(n);
    for _ in 0..n {
        let t = Instant::now();
        f().await;
        out.push(t.elapsed());
    }
    Stats(out)
}

fn row(name: &str, s: &Stats) {
    println!("| {name} | {:.2} | {:.2} | {:.2} |", s.ms(0.0), s.ms(0.5), s.ms(0.95));
}

/// The session half-way down every session, newest first (as a keyset
/// cursor): a page there costs what the first does.
pub(crate) async fn half_way_session(pool: &sqlx::PgPool) -> sqlx::Result<Cursor> {
    let (ts, id): (chrono::DateTime<chrono::Utc>, Uuid) = sqlx::query_as(
        "SELECT created_at, id FROM sessions ORDER BY created_at DESC, id DESC \
         OFFSET (SELECT (reltuples / 2)::bigint FROM pg_class WHERE relname = 'sessions') LIMIT 1",
    )
    .fetch_one(pool)
    .await?;
    Ok(Cursor { ts, id })
}

/// The demo with the most sessions.
pub(crate) async fn busiest_demo(pool: &sqlx::PgPool) -> sqlx::Result<Uuid> {
    let (demo,): (Uuid,) = sqlx::query_as("SELECT demo_id FROM sessions GROUP BY 1 ORDER BY count(*) DESC LIMIT 1")
        .fetch_one(pool)
        .await?;
    Ok(demo)
}

/// Keyset against the naive way for one page: both p50s and their ratio.
fn ratio_row(what: &str, keyset: &Stats, offset: &Stats) {
    println!(
        "| {what} | {:.2} | {:.2} | **{:.1}×** |",
        keyset.ms(0.5),
        offset.ms(0.5),
        offset.ms(0.5) / keyset.ms(0.5).max(0.001)
    );
}

/// The database measured and its tables' sizes (the planner's estimates).
async fn print_sizes(db: &Db, what: &str, tables: &[&str]) -> color_eyre::eyre::Result<()> {
    let counts: Vec<(String, i64)> = sqlx::query_as(
        "SELECT relname::text, reltuples::bigint FROM pg_class WHERE relname = ANY($1) AND relkind = 'r' ORDER BY 2",
    )
    .bind(tables)
    .fetch_all(&db.pool)
    .await?;
    let sizes = counts.iter().map(|(t, c)| format!("{t} ~{c}")).collect::<Vec<_>>().join(", ");
    println!("database: {} {what} — {sizes}", db.target);
    Ok(())
}

fn peak_rss_mb() -> f64 {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| s.lines().find(|l| l.starts_with("VmHWM:")).map(|l| l.to_string()))
        .and_then(|l| l.split_whitespace().nth(1).and_then(|v| v.parse::<f64>().ok()))
        .map(|kb| kb / 1024.0)
        .unwrap_or(f64::NAN)
}

/// The local model's files: `RAGDESK_MODEL_DIR`, else where `scripts/demo`
/// puts them (the bench reads no config file).
fn model_dir() -> std::path::PathBuf {
    ragdesk::config::EmbeddingConfig::default().model_dir(&ragdesk::config::Paths::discover())
}

#[tokio::main]
async fn main() -> color_eyre::eyre::Result<()> {
    let args = Args::parse();
    if let Some(dir) = &args.pdf {
        return pdf::run(dir);
    }
    if args.embed {
        return embed::bench(&model_dir(), args.embed_chunks, args.embed_batch, args.peer.as_deref());
    }
    let url = args
        .database_url
        .clone()
        .ok_or_else(|| color_eyre::eyre::eyre!("--database-url (or DATABASE_URL) is needed"))?;
    let settings = ConnectSettings { statement_timeout: Some(Duration::from_secs(5)), ..Default::default() };
    let db = Db::connect(&url, &settings).await?;
    if args.ingest {
        return ingest::run(&db, args.ingest_mb, &url).await;
    }
    if let Some(kb) = &args.query_kb {
        return embed::query_end_to_end(&db, &model_dir(), kb, args.iterations).await;
    }
    if args.layouts {
        return layouts::run(&db, args.iterations).await;
    }
    if args.native_layout {
        return native_layout::run(&db, args.iterations).await;
    }
    if let Some(n) = args.layout_search {
        let vectors = match &args.real_text {
            Some(corpus) => layout_search::Vectors::Real { corpus: corpus.clone(), model: model_dir() },
            None => layout_search::Vectors::Synthetic,
        };
        return layout_search::run(&db, n, vectors).await;
    }
    if let Some(n) = args.search {
        return search::run(&db, n, args.hnsw_m.zip(args.hnsw_ef_construction)).await;
    }
    let pool = &db.pool;
    let n = args.iterations;
    print_sizes(&db, "", &["tenants", "demos", "leads", "sessions", "messages"]).await?;
    println!();
    println!("| operation (page = 100 rows unless said) | min ms | p50 ms | p95 ms |");
    println!("|---|---|---|---|");

    let none = Filter::default();
    row(
        "tenants: first page",
        &time(n, || async { db::tenants::list(&mut pool.acquire().await.unwrap(), &none, None, 100).await }).await,
    );
    row(
        "demos (all tenants): first page",
        &time(n, || async { db::demos::list(&mut pool.acquire().await.unwrap(), None, &none, None, 100).await }).await,
    );
    row(
        "sessions (all): first page, with per-session message/token totals",
        &time(n, || async {
            db::sessions::list(&mut pool.acquire().await.unwrap(), SessionScope::All, &none, None, 100).await
        })
        .await,
    );
    // A cursor half-way down the biggest list: keyset pages cost the same there.
    let mid = Some(half_way_session(pool).await?);
    row(
        "sessions (all): page half-way down (keyset)",
        &time(n, || async {
            db::sessions::list(&mut pool.acquire().await.unwrap(), SessionScope::All, &none, mid, 100).await
        })
        .await,
    );
    let demo = busiest_demo(pool).await?;
    row(
        "sessions of the busiest demo: first page",
        &time(n, || async {
            db::sessions::list(&mut pool.acquire().await.unwrap(), SessionScope::Demo(demo), &none, None, 100).await
        })
        .await,
    );
    row(
        "leads of the busiest demo: first page",
        &time(n, || async { db::leads::list(&mut pool.acquire().await.unwrap(), demo, &none, None, 100).await }).await,
    );
    let voice_open = Filter::parse("channel:voice state:open");
    row(
        "sessions (all) filtered `channel:voice state:open`",
        &time(n, || async {
            db::sessions::list(&mut pool.acquire().await.unwrap(), SessionScope::All, &voice_open, None, 100).await
        })
        .await,
    );
    let word = Filter::parse("ivanova");
    row(
        "sessions (all) filtered by a lead-name word",
        &time(n, || async {
            db::sessions::list(&mut pool.acquire().await.unwrap(), SessionScope::All, &word, None, 100).await
        })
        .await,
    );
    row(
        "count sessions (all): planner estimate",
        &time(n, || async {
            db::sessions::count(&mut pool.acquire().await.unwrap(), SessionScope::All, &none, false).await
        })
        .await,
    );
    row(
        "count sessions of the busiest demo (capped at 10,000)",
        &time(n, || async {
            db::sessions::count(&mut pool.acquire().await.unwrap(), SessionScope::Demo(demo), &none, false).await
        })
        .await,
    );

    let (marathon, total): (Uuid, i64) =
        sqlx::query_as("SELECT session_id, count(*) FROM messages GROUP BY 1 ORDER BY 2 DESC LIMIT 1")
            .fetch_one(pool)
            .await?;
    row(
        &format!("transcript: first page of 200 (session of {total} messages)"),
        &time(n, || async { db::messages::page(&mut pool.acquire().await.unwrap(), marathon, None, 200).await }).await,
    );
    let all = db::messages::all(&mut *pool.acquire().await?, marathon).await?;
    let mid_msg = Some(all[all.len() / 2].cursor());
    row(
        "transcript: page of 200 half-way (keyset)",
        &time(n, || async { db::messages::page(&mut pool.acquire().await.unwrap(), marathon, mid_msg, 200).await })
            .await,
    );
    row(
        &format!("transcript: all {total} messages (pages of 1000, for export)"),
        &time(n.min(5), || async { db::messages::all(&mut pool.acquire().await.unwrap(), marathon).await }).await,
    );

    // Layout and drawing: pure CPU.
    let all: Vec<ragdesk::db::conversation::Utterance> = all.into_iter().map(Into::into).collect();
    let rss_before = peak_rss_mb();
    let layout = time(n.min(10), || async {
        let mut t = Transcript::default();
        t.layout_width = 96;
        t.append(all.clone(), None);
        t.lines.len()
    })
    .await;
    row(&format!("transcript: lay out {total} messages at 96 columns (CPU)"), &layout);
    let mut t = Transcript::default();
    t.layout_width = 96;
    t.append(all.clone(), None);
    println!();
    println!(
        "transcript of {total} messages laid out: {} lines; peak RSS of this process {:.1} MB (before layout {:.1} MB)",
        t.lines.len(),
        peak_rss_mb(),
        rss_before
    );

    scale::offset_vs_keyset(&db, n).await?;
    scale::render(&db, n).await?;
    if args.console_process
        && let Err(e) = scale::console_process(&url)
    {
        println!("console process: not measured ({e})");
    }
    if args.first_frame {
        println!();
        match first_frame(&url) {
            Ok(d) => println!(
                "time to first frame with data (tmux, 100x30, tenants list shown): {:.0} ms",
                d.as_secs_f64() * 1000.0
            ),
            Err(e) => println!("time to first frame: not measured ({e})"),
        }
    }
    Ok(())
}

/// Starts the console in tmux and waits until the tenant list is on screen.
fn first_frame(url: &str) -> Result<Duration, String> {
    let bin = std::env::current_exe().map_err(|e| e.to_string())?.with_file_name("ragdesk");
    if !bin.exists() {
        return Err(format!("{} not built", bin.display()));
    }
    let socket = format!("ragdesk-bench-{}", std::process::id());
    let tmux = |args: &[&str]| Command::new("tmux").arg("-L").arg(&socket).args(args).output();
    let start = Instant::now();
    let cmd = format!("{} --database-url '{url}'", bin.display());
    tmux(&["-f", "/dev/null", "new-session", "-d", "-s", "b", "-x", "100", "-y", "30", &cmd])
        .map_err(|e| e.to_string())?;
    let result = loop {
        let out = tmux(&["capture-pane", "-p", "-t", "b"]).map_err(|e| e.to_string())?;
        let screen = String::from_utf8_lossy(&out.stdout);
        if screen.contains("1 of ") {
            break Ok(start.elapsed());
        }
        if start.elapsed() > Duration::from_secs(20) {
            break Err("no data frame within 20 s".into());
        }
        std::thread::sleep(Duration::from_millis(5));
    };
    let _ = tmux(&["kill-server"]);
    result
}
