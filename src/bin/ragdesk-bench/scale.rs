//! Benchmarks at scale beside the naive way, measured in the same run:
//! keyset pages against OFFSET at rows 1 to 199,900 of the session
//! list and of a 10,000-message transcript; drawing each pane (driven
//! through the real effect path with the database's own rows) at 80×24 and
//! 200×50; and the console process (resident memory after browsing deep,
//! CPU while idle) in a real terminal.

use std::process::Command;
use std::time::{Duration, Instant};

use ragdesk::action::{Action, Effect};
use ragdesk::app::App;
use ragdesk::config::{Config, Paths};
use ragdesk::db::Db;
use ragdesk::keymap::Keymap;
use ragdesk::runner::{Settings, execute};
use ragdesk::theme::Theme;
use ratatui::Terminal;
use ratatui::backend::TestBackend;
use uuid::Uuid;

use super::{Stats, ratio_row, row, time};

/// The messages a long session must have for the transcript rows.
const LONG_SESSION: i64 = 10_000;

/// A session of at least 10,000 messages: the longest there is, or one
/// made for the benchmark (a copy of the busiest session's messages,
/// repeated), so the transcript rows have the size the issue names.
async fn long_session(db: &Db) -> color_eyre::eyre::Result<Uuid> {
    let pool = &db.pool;
    let (id, n): (Uuid, i64) =
        sqlx::query_as("SELECT session_id, count(*) FROM messages GROUP BY 1 ORDER BY 2 DESC LIMIT 1")
            .fetch_one(pool)
            .await?;
    if n >= LONG_SESSION {
        return Ok(id);
    }
    let (lead, demo): (Uuid, Uuid) =
        sqlx::query_as("SELECT lead_id, demo_id FROM sessions WHERE id = $1").bind(id).fetch_one(pool).await?;
    let (new,): (Uuid,) = sqlx::query_as(
        "INSERT INTO sessions (lead_id, demo_id, channel, created_at, metadata) \
         VALUES ($1, $2, 'chat', now(), '{\"bench\": \"10k-message session made by ragdesk-bench\"}') RETURNING id",
    )
    .bind(lead)
    .bind(demo)
    .fetch_one(pool)
    .await?;
    sqlx::query(
        "INSERT INTO messages (session_id, role, content, created_at, token_count) \
         SELECT $1, m.role, m.content, now() - interval '1 day' + (g * interval '1 second'), m.token_count \
         FROM generate_series(0, $3 - 1) g \
         JOIN LATERAL (SELECT role, content, token_count FROM messages WHERE session_id = $2 \
                       ORDER BY created_at, id OFFSET (g % $4) LIMIT 1) m ON true",
    )
    .bind(new)
    .bind(id)
    .bind(LONG_SESSION)
    .bind(n)
    .execute(pool)
    .await?;
    sqlx::query("ANALYZE messages").execute(pool).await?;
    Ok(new)
}

/// Keyset against OFFSET for the page that starts at row N.
pub async fn offset_vs_keyset(db: &Db, n: usize) -> color_eyre::eyre::Result<()> {
    let pool = &db.pool;
    println!();
    println!("| page of 100 starting at row N | keyset p50 ms | OFFSET p50 ms | OFFSET / keyset |");
    println!("|---|---|---|---|");
    for start in [1i64, 100, 10_000, 100_000, 199_900] {
        // The keyset cursor: the row just before the page (found once, outside the timing).
        let cursor: Option<(chrono::DateTime<chrono::Utc>, Uuid)> =
            sqlx::query_as("SELECT created_at, id FROM sessions ORDER BY created_at DESC, id DESC OFFSET $1 LIMIT 1")
                .bind((start - 2).max(0))
                .fetch_optional(pool)
                .await?
                .filter(|_| start > 1);
        let keyset = time(n, || async {
            match cursor {
                Some((ts, id)) => sqlx::query(
                    "SELECT id FROM sessions WHERE (created_at, id) < ($1, $2) ORDER BY created_at DESC, id DESC LIMIT 100",
                )
                .bind(ts)
                .bind(id)
                .fetch_all(pool)
                .await
                .unwrap(),
                None => sqlx::query("SELECT id FROM sessions ORDER BY created_at DESC, id DESC LIMIT 100")
                    .fetch_all(pool)
                    .await
                    .unwrap(),
            }
        })
        .await;
        let offset = time(n, || async {
            sqlx::query("SELECT id FROM sessions ORDER BY created_at DESC, id DESC OFFSET $1 LIMIT 100")
                .bind(start - 1)
                .fetch_all(pool)
                .await
                .unwrap()
        })
        .await;
        ratio_row(&format!("sessions (all), N = {start}"), &keyset, &offset);
    }
    let session = long_session(db).await?;
    for start in [1i64, 100, 10_000 - 100] {
        let cursor: Option<(chrono::DateTime<chrono::Utc>, Uuid)> = sqlx::query_as(
            "SELECT created_at, id FROM messages WHERE session_id = $1 ORDER BY created_at, id OFFSET $2 LIMIT 1",
        )
        .bind(session)
        .bind((start - 2).max(0))
        .fetch_optional(pool)
        .await?
        .filter(|_| start > 1);
        let keyset = time(n, || async {
            let q = match cursor {
                Some((ts, id)) => sqlx::query(
                    "SELECT id, content FROM messages WHERE session_id = $1 AND (created_at, id) > ($2, $3) \
                     ORDER BY created_at, id LIMIT 100",
                )
                .bind(session)
                .bind(ts)
                .bind(id),
                None => sqlx::query(
                    "SELECT id, content FROM messages WHERE session_id = $1 ORDER BY created_at, id LIMIT 100",
                )
                .bind(session),
            };
            q.fetch_all(pool).await.unwrap()
        })
        .await;
        let offset = time(n, || async {
            sqlx::query(
                "SELECT id, content FROM messages WHERE session_id = $1 ORDER BY created_at, id OFFSET $2 LIMIT 100",
            )
            .bind(session)
            .bind(start - 1)
            .fetch_all(pool)
            .await
            .unwrap()
        })
        .await;
        ratio_row(&format!("10,000-message transcript, N = {start}"), &keyset, &offset);
    }
    // The same mechanism on a list of 10M rows: every message, in id order
    // (the primary key). No console list is this long; this is the target's
    // scale measured rather than extrapolated. OFFSET at 10M is slow: one
    // timed run after the warm-up there, on a connection without the
    // console's statement timeout (which OFFSET exceeds from row ~1M).
    let mut long = pool.acquire().await?;
    sqlx::query("SET statement_timeout = 0").execute(&mut *long).await?;
    let long = tokio::sync::Mutex::new(long);
    for start in [1i64, 10_000, 1_000_000, 9_999_900] {
        let cursor: Option<(Uuid,)> = sqlx::query_as("SELECT id FROM messages ORDER BY id OFFSET $1 LIMIT 1")
            .bind((start - 2).max(0))
            .fetch_optional(pool)
            .await?
            .filter(|_| start > 1);
        let runs = if start > 100_000 { 1 } else { n };
        let keyset = time(runs, || async {
            match cursor {
                Some((id,)) => sqlx::query("SELECT id, content FROM messages WHERE id > $1 ORDER BY id LIMIT 100")
                    .bind(id)
                    .fetch_all(pool)
                    .await
                    .unwrap(),
                None => {
                    sqlx::query("SELECT id, content FROM messages ORDER BY id LIMIT 100").fetch_all(pool).await.unwrap()
                }
            }
        })
        .await;
        let offset = time(runs, || async {
            sqlx::query("SELECT id, content FROM messages ORDER BY id OFFSET $1 LIMIT 100")
                .bind(start - 1)
                .fetch_all(&mut **long.lock().await)
                .await
                .unwrap()
        })
        .await;
        let runs = if runs == 1 { " (1 run)" } else { "" };
        ratio_row(&format!("all 10M messages by id, N = {start}{runs}"), &keyset, &offset);
    }
    // The last page of 200k sessions, as `G` reads it (backwards from the end).
    let end = time(n, || async {
        ragdesk::db::sessions::list(
            &mut pool.acquire().await.unwrap(),
            ragdesk::db::sessions::SessionScope::All,
            &ragdesk::db::Filter::default(),
            ragdesk::db::Seek::Last,
            100,
        )
        .await
        .unwrap()
    })
    .await;
    println!();
    println!("| operation | min ms | p50 ms | p95 ms |");
    println!("|---|---|---|---|");
    row("`G`: the last page of every session (keyset read backwards)", &end);
    Ok(())
}

/// Answers the app's effects from the database through the runner's own
/// read path, until it asks for nothing more.
async fn serve(app: &mut App, db: &Db, settings: &Settings, effects: Vec<Effect>) {
    let mut queue = effects;
    while let Some(effect) = queue.pop() {
        let effect = match effect {
            Effect::Debounce { effect, .. } => *effect,
            other => other,
        };
        let mut conn = db.pool.acquire().await.unwrap();
        if let Some(action) = execute(&mut conn, effect, settings).await {
            queue.extend(app.update(action));
        }
    }
}

fn key(c: char) -> Action {
    Action::Key(crossterm::event::KeyEvent::new(
        crossterm::event::KeyCode::Char(c),
        crossterm::event::KeyModifiers::NONE,
    ))
}

fn draw_stats(app: &App, theme: &Theme, n: usize) -> Stats {
    let mut term = Terminal::new(TestBackend::new(app.size.0, app.size.1)).unwrap();
    term.draw(|f| ragdesk::ui::render(f, app, theme)).unwrap();
    let mut out = Vec::with_capacity(n);
    for _ in 0..n {
        let t = Instant::now();
        term.draw(|f| ragdesk::ui::render(f, app, theme)).unwrap();
        out.push(t.elapsed());
    }
    Stats(out)
}

/// Time to draw each pane, with the rows of the 10M-message database.
pub async fn render(db: &Db, n: usize) -> color_eyre::eyre::Result<()> {
    let paths = Paths::discover();
    let config = Config::default();
    let settings = Settings {
        export_dir: std::env::temp_dir(),
        page_size: config.page_size,
        transcript_page_size: config.transcript_page_size,
        embedder: config.embedding.embedder(&paths),
        max_file_bytes: 1 << 20,
        history_dir: std::env::temp_dir(),
        mapped: None,
        lists: ragdesk::db::mapped::Lists::ours(),
        layout_model: None,
    };
    let theme = Theme::default_dark();
    let session = long_session(db).await?;
    println!();
    println!("| drawing (TestBackend, a full frame) | size | min ms | p50 ms | p95 ms |");
    println!("|---|---|---|---|---|");
    for (w, h) in [(80u16, 24u16), (200, 50)] {
        let mut app =
            App::new(db.target.clone(), false, Keymap::default(), config.page_size, config.transcript_page_size);
        app.size = (w, h);
        let fx = app.start();
        serve(&mut app, db, &settings, fx).await;
        let panes: [(char, &str); 3] = [('1', "Tenants"), ('2', "Demos (all, with detail)"), ('3', "Sessions (all)")];
        for (k, name) in panes {
            let fx = app.update(key(k));
            serve(&mut app, db, &settings, fx).await;
            let s = draw_stats(&app, &theme, n);
            println!("| {name} | {w}×{h} | {:.3} | {:.3} | {:.3} |", s.ms(0.0), s.ms(0.5), s.ms(0.95));
        }
        // The 10,000-message transcript, loaded to its end (G).
        let generation = 1_000_000;
        let fx = app.transcript.open(session.to_string(), generation);
        app.tab = ragdesk::app::Tab::Transcript;
        serve(&mut app, db, &settings, fx).await;
        let fx = app.update(key('G'));
        serve(&mut app, db, &settings, fx).await;
        let s = draw_stats(&app, &theme, n);
        println!(
            "| Transcript of {} messages, at its end | {w}×{h} | {:.3} | {:.3} | {:.3} |",
            app.transcript.messages.len(),
            s.ms(0.0),
            s.ms(0.5),
            s.ms(0.95)
        );
        for (k, name) in [('7', "Limits (global)"), ('8', "Audit")] {
            let fx = app.update(key(k));
            serve(&mut app, db, &settings, fx).await;
            let s = draw_stats(&app, &theme, n);
            println!("| {name} | {w}×{h} | {:.3} | {:.3} | {:.3} |", s.ms(0.0), s.ms(0.5), s.ms(0.95));
        }
    }
    Ok(())
}

/// The console in tmux on `url`: browse deep (the session list to its end,
/// the longest transcript to its end), then read its resident memory and
/// the CPU it uses over 10 idle seconds.
pub fn console_process(url: &str) -> Result<(), String> {
    let bin = std::env::current_exe().map_err(|e| e.to_string())?.with_file_name("ragdesk");
    let socket = format!("ragdesk-bench-proc-{}", std::process::id());
    let tmux = |args: &[&str]| Command::new("tmux").arg("-L").arg(&socket).args(args).output();
    let cmd = format!("{} --database-url '{url}'", bin.display());
    tmux(&["-f", "/dev/null", "new-session", "-d", "-s", "b", "-x", "120", "-y", "40", &cmd])
        .map_err(|e| e.to_string())?;
    let screen = || String::from_utf8_lossy(&tmux(&["capture-pane", "-p", "-t", "b"]).unwrap().stdout).to_string();
    let wait = |what: &str, ok: &dyn Fn(&str) -> bool| -> Result<(), String> {
        let start = Instant::now();
        while !ok(&screen()) {
            if start.elapsed() > Duration::from_secs(60) {
                return Err(format!("no {what} within 60 s"));
            }
            std::thread::sleep(Duration::from_millis(50));
        }
        Ok(())
    };
    let keys = |k: &[&str]| {
        let mut args = vec!["send-keys", "-t", "b"];
        args.extend_from_slice(k);
        let _ = tmux(&args);
    };
    let result = (|| {
        wait("tenant list", &|s| s.contains(" of "))?;
        keys(&["3"]);
        wait("session list", &|s| s.contains("Sessions") && s.contains(" of "))?;
        keys(&["G"]);
        std::thread::sleep(Duration::from_secs(3));
        keys(&["Enter"]);
        std::thread::sleep(Duration::from_secs(2));
        keys(&["G"]);
        std::thread::sleep(Duration::from_secs(3));
        let pid = String::from_utf8_lossy(&tmux(&["display", "-p", "-t", "b", "#{pane_pid}"]).unwrap().stdout)
            .trim()
            .to_string();
        let status = std::fs::read_to_string(format!("/proc/{pid}/status")).map_err(|e| e.to_string())?;
        let field = |name: &str| {
            status
                .lines()
                .find(|l| l.starts_with(name))
                .and_then(|l| l.split_whitespace().nth(1))
                .unwrap_or("?")
                .to_string()
        };
        let cpu = || -> Result<u64, String> {
            let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).map_err(|e| e.to_string())?;
            let after = stat.rsplit_once(") ").map(|(_, a)| a).unwrap_or("");
            let f: Vec<&str> = after.split_whitespace().collect();
            Ok(f.get(11).and_then(|v| v.parse::<u64>().ok()).unwrap_or(0)
                + f.get(12).and_then(|v| v.parse::<u64>().ok()).unwrap_or(0))
        };
        let before = cpu()?;
        std::thread::sleep(Duration::from_secs(10));
        let used = cpu()? - before;
        let ticks = 100.0; // USER_HZ
        println!();
        println!(
            "console process after browsing to the end of every session and of the longest transcript: \
             resident {} kB (peak {} kB); CPU while idle for 10 s: {:.2} s ({:.1}% of one core)",
            field("VmRSS:"),
            field("VmHWM:"),
            used as f64 / ticks,
            used as f64 / ticks / 10.0 * 100.0
        );
        Ok(())
    })();
    let _ = tmux(&["kill-server"]);
    result
}
