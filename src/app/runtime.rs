//! The console's runtime: owns the terminal, turns terminal events into
//! actions, runs effects as tasks that report back, and draws.

use std::panic::AssertUnwindSafe;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use color_eyre::eyre::{Result, eyre};
use crossterm::event::{Event, EventStream};
use futures::{FutureExt, StreamExt};
use tokio::sync::mpsc::{UnboundedSender, unbounded_channel};

use super::App;
use crate::action::{Action, Effect, ListQuery, ListRows, LoadError};
use crate::cli::Context;
use crate::db::{self, Db};
use crate::keymap::Keymap;
use crate::theme::Theme;
use crate::tui::{self, Tui};

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
    let export_dir = ctx.config.export_dir.clone().unwrap_or_else(|| PathBuf::from("."));

    let mut app =
        App::new(db.target.clone(), conn.read_only, keymap, ctx.config.page_size, ctx.config.transcript_page_size);
    if let Some(w) = ctx.warnings.first() {
        let more = if ctx.warnings.len() > 1 {
            format!(" (+{} more in the log)", ctx.warnings.len() - 1)
        } else {
            String::new()
        };
        app.error(format!("{w}{more}"));
    }
    for w in &ctx.warnings {
        tracing::warn!("{w}");
    }
    if let Err(e) = &log {
        app.error(format!("logging disabled: {e}"));
    }

    let mut tui = Tui::enter()?;
    let size = tui.terminal.size()?;
    app.size = (size.width, size.height);

    let (tx, mut rx) = unbounded_channel::<Action>();
    spawn_terminal_events(tx.clone());
    let in_tmux = std::env::var_os("TMUX").is_some();
    let runner = EffectRunner {
        db: db.clone(),
        tx: tx.clone(),
        settings: Arc::new(Settings {
            export_dir,
            page_size: ctx.config.page_size.clamp(10, 10_000),
            transcript_page_size: ctx.config.transcript_page_size.clamp(10, 10_000),
        }),
    };
    for fx in app.start() {
        runner.run(fx);
    }

    loop {
        tui.draw(|f| crate::ui::render(f, &app, &theme))?;
        let Some(first) = rx.recv().await else { break };
        // Apply everything already queued before drawing again.
        let mut batch = vec![first];
        while let Ok(a) = rx.try_recv() {
            batch.push(a);
            if batch.len() >= 256 {
                break;
            }
        }
        for action in batch {
            for fx in app.update(action) {
                match fx {
                    Effect::Copy(text) => tui.write_raw(&tui::osc52(&text, in_tmux))?,
                    other => runner.run(other),
                }
            }
        }
        if app.should_quit {
            break;
        }
    }
    drop(tui);
    db.pool.close().await;
    tracing::info!("console closed");
    Ok(())
}

fn spawn_terminal_events(tx: UnboundedSender<Action>) {
    tokio::spawn(async move {
        let mut events = EventStream::new();
        let mut tick = tokio::time::interval(Duration::from_millis(250));
        loop {
            let action = tokio::select! {
                _ = tick.tick() => Action::Tick,
                ev = events.next() => match ev {
                    Some(Ok(Event::Key(k))) => Action::Key(k),
                    Some(Ok(Event::Resize(w, h))) => Action::Resize(w, h),
                    Some(Ok(_)) => continue,
                    Some(Err(e)) => { tracing::error!("terminal event error: {e}"); break }
                    None => break,
                },
            };
            if tx.send(action).is_err() {
                break;
            }
        }
    });
}

/// What effects need besides the database.
#[derive(Debug, Clone)]
pub struct Settings {
    pub export_dir: PathBuf,
    pub page_size: u32,
    pub transcript_page_size: u32,
}

/// Runs effects as tasks; each reports back exactly one action.
#[derive(Clone)]
pub struct EffectRunner {
    pub db: Db,
    pub tx: UnboundedSender<Action>,
    pub settings: Arc<Settings>,
}

impl EffectRunner {
    pub fn run(&self, effect: Effect) {
        let db = self.db.clone();
        let tx = self.tx.clone();
        let settings = self.settings.clone();
        tokio::spawn(async move {
            let fallback = failure_action(&effect);
            // A panic in a task becomes an error report, never a dead screen.
            let action = match AssertUnwindSafe(execute(&db, effect, &settings)).catch_unwind().await {
                Ok(a) => a,
                Err(_) => fallback,
            };
            if let Some(a) = action {
                let _ = tx.send(a);
            }
        });
    }
}

/// The action that reports `effect` as failed (used when its task panics).
fn failure_action(effect: &Effect) -> Option<Action> {
    let err = || LoadError { message: "internal error (see the log)".into(), connection: false };
    Some(match effect {
        Effect::LoadPage { generation, query, .. } => {
            Action::PageLoaded { list: query.kind(), generation: *generation, result: Err(err()) }
        }
        Effect::Count { generation, query, .. } => {
            Action::Counted { list: query.kind(), generation: *generation, result: Err(err()) }
        }
        Effect::LoadDemo { generation, .. } => Action::DemoLoaded { generation: *generation, result: Err(err()) },
        Effect::LoadSession { generation, .. } => Action::SessionLoaded { generation: *generation, result: Err(err()) },
        Effect::LoadMessages { generation, .. } => {
            Action::MessagesLoaded { generation: *generation, result: Err(err()) }
        }
        Effect::Export { .. } => Action::Exported { result: Err("internal error (see the log)".into()) },
        Effect::Ping => Action::Health { result: Err(err()) },
        Effect::Copy(_) => return None,
    })
}

/// Executes one effect against the database; public for tests.
pub async fn execute(db: &Db, effect: Effect, settings: &Settings) -> Option<Action> {
    let pool = &db.pool;
    Some(match effect {
        Effect::LoadPage { generation, query, after } => {
            let list = query.kind();
            let result = load_page(db, &query, after, settings.page_size).await.map_err(Into::into);
            Action::PageLoaded { list, generation, result }
        }
        Effect::Count { generation, query, exact } => {
            let list = query.kind();
            let result = match &query {
                ListQuery::Tenants { filter } => db::tenants::count(pool, filter, exact).await,
                ListQuery::Demos { tenant, filter } => db::demos::count(pool, *tenant, filter, exact).await,
                ListQuery::Leads { demo, filter } => db::leads::count(pool, *demo, filter, exact).await,
                ListQuery::Sessions { scope, filter } => db::sessions::count(pool, *scope, filter, exact).await,
            };
            Action::Counted { list, generation, result: result.map_err(Into::into) }
        }
        Effect::LoadDemo { generation, id } => {
            Action::DemoLoaded { generation, result: db::demos::get(pool, id).await.map_err(Into::into) }
        }
        Effect::LoadSession { generation, id } => {
            Action::SessionLoaded { generation, result: db::sessions::get(pool, id).await.map_err(Into::into) }
        }
        Effect::LoadMessages { generation, session, after } => {
            let result =
                db::messages::page(pool, session, after, settings.transcript_page_size).await.map_err(Into::into);
            Action::MessagesLoaded { generation, result }
        }
        Effect::Export { session, format } => {
            let result = export_session(db, session, format, &settings.export_dir).await;
            Action::Exported { result }
        }
        Effect::Ping => Action::Health { result: db.ping().await.map_err(Into::into) },
        Effect::Copy(_) => return None,
    })
}

async fn load_page(db: &Db, query: &ListQuery, after: Option<db::Cursor>, page: u32) -> db::Result<ListRows> {
    let pool = &db.pool;
    Ok(match query {
        ListQuery::Tenants { filter } => ListRows::Tenants(db::tenants::list(pool, filter, after, page).await?),
        ListQuery::Demos { tenant, filter } => {
            ListRows::Demos(db::demos::list(pool, *tenant, filter, after, page).await?)
        }
        ListQuery::Leads { demo, filter } => ListRows::Leads(db::leads::list(pool, *demo, filter, after, page).await?),
        ListQuery::Sessions { scope, filter } => {
            ListRows::Sessions(db::sessions::list(pool, *scope, filter, after, page).await?)
        }
    })
}

pub async fn export_session(
    db: &Db,
    session: uuid::Uuid,
    format: crate::export::Format,
    dir: &std::path::Path,
) -> Result<String, String> {
    let s = db::sessions::get(&db.pool, session).await.map_err(|e| e.to_string())?;
    let messages = db::messages::all(&db.pool, session).await.map_err(|e| e.to_string())?;
    let text = crate::export::render(format, &s, &messages);
    let path = dir.join(crate::export::default_file_name(&s, format));
    crate::cli::write_atomically(&path, text.as_bytes()).map_err(|e| format!("{e:#}"))?;
    Ok(format!("exported {} messages to {}", messages.len(), path.display()))
}
