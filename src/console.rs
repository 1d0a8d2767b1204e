//! The console's event loop, at the edge of the program: owns the
//! terminal, turns terminal events and signals into actions, hands the
//! effects `update` returns to the runner, and draws. It is the one place
//! that sees the CLI context, the state, the runner and the UI together.

use std::time::Duration;

use color_eyre::eyre::{Result, eyre};
use crossterm::event::{Event, EventStream};
use futures::StreamExt;
use tokio::sync::mpsc::{UnboundedSender, unbounded_channel};

use crate::action::{Action, Effect};
use crate::app::App;
use crate::cli::Context;
use crate::db::Db;
use crate::keymap::Keymap;
use crate::runner::{EffectRunner, Settings};
use crate::theme::Theme;
use crate::tui::{self, Tui};

/// How long quitting waits for tasks (a cancelled ingest rolls back).
const QUIT_GRACE: Duration = Duration::from_secs(5);

/// The layout the console reads the database through: the one asked for
/// (`--layout`), else the built-in one its catalog matches (ours included).
/// `None` when none fits, or the server does not answer in time: the entity
/// tabs then read ours, checked when the server answers (the console's
/// offline handling takes it from there). A layout that matches but is
/// refused (an order that cannot page) stops the console with the reason:
/// opening the tabs on it would only fail. With it, the entities whose
/// parentless rows are listed at the top (best effort: left out when that
/// cannot be read quickly).
async fn read_layout(
    db: &Db,
    asked: Option<&str>,
) -> Result<Option<(crate::db::mapped::Mapped, Vec<crate::schema::Kind>)>> {
    use std::time::Duration;
    let asked = asked.map(crate::schema::load).transpose().map_err(|e| eyre!(e))?;
    let name = asked.as_ref().map(|l| l.name.clone());
    let read = async { crate::db::mapped::Mapped::for_console(&mut *db.acquire().await?, asked).await };
    let mapped = match tokio::time::timeout(Duration::from_secs(3), read).await {
        Ok(Ok(Some(m))) => m,
        Ok(Ok(None)) => return Ok(None),
        Ok(Err(e @ crate::db::DbError::Invalid(_))) => return Err(eyre!(e)),
        Ok(Err(e)) if name.is_some() => return Err(eyre!(e)),
        _ => match name {
            Some(n) => return Err(eyre!("cannot read the database's catalog to check the '{n}' layout against it")),
            None => return Ok(None),
        },
    };
    let probe = async { mapped.parentless(&mut *db.acquire().await?).await };
    let parentless = match tokio::time::timeout(Duration::from_secs(2), probe).await {
        Ok(Ok(kinds)) => kinds,
        Ok(Err(e)) => {
            tracing::warn!("rows without a parent not looked for: {e}");
            Vec::new()
        }
        Err(_) => {
            tracing::warn!("rows without a parent not looked for: no answer in 2 s");
            Vec::new()
        }
    };
    Ok(Some((mapped, parentless)))
}

pub async fn run_console(mut ctx: Context) -> Result<()> {
    let log = crate::logging::init_file(&ctx.paths, &ctx.config.log_level);
    let no_color = std::env::var_os("NO_COLOR").is_some_and(|v| !v.is_empty());
    let theme = Theme::load(&ctx.config.theme, &ctx.paths.themes_dir(), no_color, &mut ctx.warnings);
    let keymap = Keymap::with_overrides(&ctx.config.keymap, &mut ctx.warnings);
    let conn = match ctx.connection() {
        Ok(c) => c,
        Err(e) => {
            // The console cannot start: say why, including config problems
            // that may be the cause (e.g. a broken file that held the URL).
            for w in &ctx.warnings {
                eprintln!("warning: {w}");
            }
            return Err(e);
        }
    };
    let db = Db::lazy(&conn.url, &ctx.console_settings(conn.read_only)).map_err(|e| eyre!(e))?;
    tracing::info!(target = %db.target, read_only = conn.read_only, "console starting");
    let (layout, parentless) = match read_layout(&db, ctx.cli.layout.as_deref()).await? {
        Some((m, parentless)) => (Some(std::sync::Arc::new(m)), parentless),
        None => (None, Vec::new()),
    };
    // The entity tabs and the conversations read through it; ours when
    // none was read (checked when the server answers).
    let lists = layout.clone().map_or_else(|| db.our_lists(), crate::db::mapped::Lists::Checked);
    // Another platform's: its limits, search and audit too. Ours keeps
    // our own readers for those.
    let mapped = layout.clone().filter(|m| !m.layout.is_native());
    // Not the directory the console was started from (an SSH session's
    // home, a checkout): the data directory's, said with each export.
    let export_dir = ctx.config.export_dir.clone().unwrap_or_else(|| ctx.paths.data_dir.join("exports"));

    let mut app =
        App::new(db.target.clone(), conn.read_only, keymap, ctx.config.page_size, ctx.config.transcript_page_size);
    app.docs.ingest_defaults = ctx.config.ingest.chunk_settings();
    if let Some(m) = &layout {
        tracing::info!(layout = %m.layout.name, "reading the database through its layout");
        // (Ours as checked here: a built-in layout's extras this database
        // lacks are left out of it.)
        app.read_through(m, parentless);
    }
    for w in &ctx.warnings {
        tracing::warn!("{w}");
        app.error(w.clone());
    }
    if let Err(e) = &log {
        app.error(format!("logging disabled: {e}"));
    }

    let mut tui = Tui::enter()?;
    let size = tui.terminal().size()?;
    app.size = (size.width, size.height);

    let (tx, mut rx) = unbounded_channel::<Action>();
    spawn_terminal_events(tx.clone());
    spawn_signal_watch(tx.clone());
    let in_tmux = std::env::var_os("TMUX").is_some();
    let runner = EffectRunner::new(
        db.clone(),
        tx.clone(),
        Settings {
            export_dir,
            page_size: ctx.config.page_size.clamp(10, 10_000),
            transcript_page_size: ctx.config.transcript_page_size.clamp(10, 10_000),
            embedder: ctx.config.embedding.embedder(&ctx.paths),
            max_file_bytes: ctx.config.ingest.max_file_mb.saturating_mul(1_000_000),
            history_dir: ctx.paths.data_dir.join("search-history"),
            layout_model: mapped.as_ref().and_then(|m| ctx.layout_model(&m.layout.name)),
            mapped,
            lists,
        },
    );
    for fx in app.start() {
        runner.run(fx);
    }
    // Tests prove the terminal is restored after a panic inside the app.
    let panic_key = std::env::var("RAGDESK_TEST_PANIC_ON_KEY").ok().and_then(|k| k.chars().next());

    let mut fatal: Option<String> = None;
    let mut redraw = true;
    loop {
        // A terminal that is gone (a hang-up mid-redraw) ends the console
        // through the same shutdown as `q`: tasks cancelled, pool closed.
        if redraw && let Err(e) = tui.draw(|f| crate::ui::render(f, &app, &theme)) {
            fatal = Some(format!("cannot draw: {e}"));
            break;
        }
        let Some(first) = rx.recv().await else { break };
        // Apply everything already queued before drawing again.
        let mut batch = vec![first];
        while let Ok(a) = rx.try_recv() {
            batch.push(a);
            if batch.len() >= 256 {
                break;
            }
        }
        // An idle console does no work: a batch of ticks redraws only when
        // something on screen moves with time (a spinner, a job's clock, a
        // status message that is about to go).
        let only_ticks = batch.iter().all(|a| matches!(a, Action::Tick));
        redraw = !only_ticks || app.changes_with_time();
        for action in batch {
            if let (Some(k), Action::Key(key)) = (panic_key, &action)
                && key.code == crossterm::event::KeyCode::Char(k)
            {
                panic!("test panic requested by RAGDESK_TEST_PANIC_ON_KEY");
            }
            if let Action::Fatal(why) = action {
                fatal = Some(why);
                break;
            }
            for fx in app.update(action) {
                match fx {
                    Effect::Copy(text) => {
                        if let Err(e) = tui.write_raw(&tui::osc52(&text, in_tmux)) {
                            fatal = Some(format!("cannot write to the terminal: {e}"));
                        }
                    }
                    other => runner.run(other),
                }
            }
        }
        if app.should_quit || fatal.is_some() {
            break;
        }
    }
    drop(tui);
    // Running tasks are cancelled (queries on the server, a job rolls back);
    // a stuck one does not hold the exit.
    runner.tasks.cancel_all();
    if !runner.tasks.drained(QUIT_GRACE).await {
        tracing::warn!("tasks still running {QUIT_GRACE:?} after quitting: {:?}", runner.tasks.running());
        runner.tasks.abort_all();
    }
    if tokio::time::timeout(Duration::from_secs(2), db.pool.close()).await.is_err() {
        tracing::warn!("connections still busy after quitting; closing anyway");
    }
    tracing::info!("console closed");
    match fatal {
        Some(why) => Err(eyre!(why)),
        None => Ok(()),
    }
}

/// Reads terminal events. If reading fails or the reader panics, the loop
/// is told (`Action::Fatal`) and the console exits with the terminal restored.
fn spawn_terminal_events(tx: UnboundedSender<Action>) {
    let reader_tx = tx.clone();
    let reader = tokio::spawn(async move {
        let mut events = EventStream::new();
        let mut tick = tokio::time::interval(Duration::from_millis(250));
        loop {
            let action = tokio::select! {
                _ = tick.tick() => Action::Tick,
                ev = events.next() => match ev {
                    Some(Ok(Event::Key(k))) => Action::Key(k),
                    Some(Ok(Event::Resize(w, h))) => Action::Resize(w, h),
                    Some(Ok(_)) => continue,
                    Some(Err(e)) => return Err(format!("cannot read the terminal: {e}")),
                    None => return Err("the terminal closed its input".to_string()),
                },
            };
            if reader_tx.send(action).is_err() {
                return Ok(());
            }
        }
    });
    tokio::spawn(async move {
        let why = match reader.await {
            Ok(Ok(())) => return,
            Ok(Err(why)) => why,
            Err(e) if e.is_panic() => "the terminal reader crashed (see the log)".to_string(),
            Err(_) => return,
        };
        tracing::error!("{why}");
        let _ = tx.send(Action::Fatal(why));
    });
}

/// SIGTERM, SIGHUP and SIGINT end the console the way `q` does, so the
/// terminal is restored (SIGINT only arrives from `kill`: raw mode turns
/// Ctrl-C into a key).
fn spawn_signal_watch(tx: UnboundedSender<Action>) {
    #[cfg(unix)]
    tokio::spawn(async move {
        use tokio::signal::unix::{SignalKind, signal};
        let (Ok(mut term), Ok(mut hup), Ok(mut int)) =
            (signal(SignalKind::terminate()), signal(SignalKind::hangup()), signal(SignalKind::interrupt()))
        else {
            tracing::warn!("cannot watch signals; SIGTERM may leave the terminal in raw mode");
            return;
        };
        let name = tokio::select! {
            _ = term.recv() => "SIGTERM",
            _ = hup.recv() => "SIGHUP",
            _ = int.recv() => "SIGINT",
        };
        tracing::info!("{name} received: closing");
        let _ = tx.send(Action::Fatal(format!("stopped by {name}")));
    });
}
