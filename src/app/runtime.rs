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
use std::collections::HashMap;
use std::sync::Mutex;

use uuid::Uuid;

use crate::action::{Action, Effect, JobEvent, ListQuery, ListRows, LoadError};
use crate::cli::Context;
use crate::config::{EmbeddingConfig, Paths};
use crate::db::knowledge::KnowledgeBaseRow;
use crate::db::{self, Db};
use crate::embed::{self, Provider};
use crate::ingest::{self, Cancel, ChunkSettings};
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
    app.ingest_defaults = ctx.config.ingest.chunk_settings();
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
    let runner = EffectRunner::new(
        db.clone(),
        tx.clone(),
        Settings {
            export_dir,
            page_size: ctx.config.page_size.clamp(10, 10_000),
            transcript_page_size: ctx.config.transcript_page_size.clamp(10, 10_000),
            embedding: ctx.config.embedding.clone(),
            paths: ctx.paths.clone(),
            max_file_bytes: ctx.config.ingest.max_file_mb.saturating_mul(1_000_000),
        },
    );
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
    // A cancelled job rolls back within a batch; don't hang on a stuck one.
    if tokio::time::timeout(Duration::from_secs(5), db.pool.close()).await.is_err() {
        tracing::warn!("connections still busy 5 s after quitting; closing anyway");
    }
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
    pub embedding: EmbeddingConfig,
    pub paths: Paths,
    pub max_file_bytes: u64,
}

/// Runs effects as tasks; each reports back through the action channel.
#[derive(Clone)]
pub struct EffectRunner {
    pub db: Db,
    pub tx: UnboundedSender<Action>,
    pub settings: Arc<Settings>,
    /// Loaded embedding models, by provider:model:dimension (loading the
    /// local model takes a moment; it is done once).
    providers: Arc<tokio::sync::Mutex<HashMap<String, Provider>>>,
    /// Cancel switches of running ingest jobs.
    jobs: Arc<Mutex<HashMap<u64, Cancel>>>,
    /// Cancel switch of the preview being computed (only the newest matters).
    preview: Arc<Mutex<Cancel>>,
    /// Texts of the files previewed, reused by the next preview and the job.
    extracted: ingest::ExtractCache,
}

impl EffectRunner {
    pub fn new(db: Db, tx: UnboundedSender<Action>, settings: Settings) -> EffectRunner {
        EffectRunner {
            db,
            tx,
            settings: Arc::new(settings),
            providers: Arc::default(),
            jobs: Arc::default(),
            preview: Arc::default(),
            extracted: ingest::ExtractCache::default(),
        }
    }

    pub fn run(&self, effect: Effect) {
        match effect {
            Effect::StartIngest { job, kb, paths, chunk } => {
                // Registered before the task starts, so a cancel right behind it is not lost.
                let cancel = Cancel::default();
                self.jobs.lock().expect("jobs lock").insert(job, cancel.clone());
                let this = self.clone();
                tokio::spawn(async move {
                    let tx = this.tx.clone();
                    let done = AssertUnwindSafe(this.ingest_job(job, kb, paths, chunk, cancel)).catch_unwind().await;
                    if done.is_err() {
                        let event = JobEvent::Finished(Err("internal error (see the log)".into()));
                        let _ = tx.send(Action::Job { job, event });
                    }
                });
            }
            Effect::CancelIngest { job } => {
                if let Some(c) = self.jobs.lock().expect("jobs lock").get(&job) {
                    c.cancel();
                }
            }
            Effect::CancelPreview => self.preview.lock().expect("preview lock").cancel(),
            other => {
                let this = self.clone();
                tokio::spawn(async move {
                    let fallback = failure_action(&other);
                    // A panic in a task becomes an error report, never a dead screen.
                    let action = match AssertUnwindSafe(this.execute(other)).catch_unwind().await {
                        Ok(a) => a,
                        Err(_) => fallback,
                    };
                    if let Some(a) = action {
                        let _ = this.tx.send(a);
                    }
                });
            }
        }
    }

    /// The embedding provider a knowledge base needs, loaded once.
    pub async fn provider(&self, kb: &KnowledgeBaseRow) -> Result<Provider, String> {
        let spec = kb.model_spec();
        let key = format!("{}:{}:{}", spec.provider, spec.model, spec.dim);
        let mut cache = self.providers.lock().await;
        if let Some(p) = cache.get(&key) {
            return Ok(p.clone());
        }
        let (cfg, paths) = (self.settings.embedding.clone(), self.settings.paths.clone());
        let p = tokio::task::spawn_blocking(move || embed::provider_for(&spec, &cfg, &paths))
            .await
            .map_err(|e| e.to_string())?
            .map_err(|e| e.to_string())?;
        cache.insert(key, p.clone());
        Ok(p)
    }

    fn ingest_options(&self, chunk: ChunkSettings, dry_run: bool) -> ingest::Options {
        ingest::Options {
            chunk,
            dry_run,
            force: false,
            max_file_bytes: self.settings.max_file_bytes,
            limits: ingest::Limits::default(),
            cache: Some(self.extracted.clone()),
        }
    }

    /// Runs one ingest job to the end, reporting progress as actions.
    pub async fn ingest_job(&self, job: u64, kb: Uuid, paths: Vec<PathBuf>, chunk: ChunkSettings, cancel: Cancel) {
        let tx = self.tx.clone();
        let report = |event: JobEvent| {
            let _ = tx.send(Action::Job { job, event });
        };
        let result = async {
            let kb = db::knowledge::get(&self.db.pool, kb).await.map_err(|e| e.to_string())?;
            let provider = self.provider(&kb).await?;
            let opts = self.ingest_options(chunk, false);
            let on_event = |e: ingest::Event| report(JobEvent::Progress(e));
            ingest::run(&self.db, &kb, provider, &paths, &opts, &cancel, &on_event).await.map_err(|e| e.to_string())
        }
        .await;
        self.jobs.lock().expect("jobs lock").remove(&job);
        report(JobEvent::Finished(result));
    }

    /// Executes one single-answer effect against the database.
    pub async fn execute(&self, effect: Effect) -> Option<Action> {
        match effect {
            Effect::Preview { generation, kb, paths, chunk } => {
                // A newer preview (or closing it) stops this one between files.
                let cancel = Cancel::default();
                std::mem::replace(&mut *self.preview.lock().expect("preview lock"), cancel.clone()).cancel();
                let result = async {
                    let kb = db::knowledge::get(&self.db.pool, kb).await.map_err(|e| e.to_string())?;
                    let provider = self.provider(&kb).await?;
                    let opts = self.ingest_options(chunk, true);
                    ingest::run(&self.db, &kb, provider, &paths, &opts, &cancel, &|_| {})
                        .await
                        .map_err(|e| e.to_string())
                }
                .await;
                Some(Action::PreviewReady { generation, result })
            }
            Effect::CreateKb(new) => {
                let result = db::knowledge::create(&self.db.pool, &new).await.map_err(|e| e.to_string());
                Some(Action::KbCreated { result })
            }
            Effect::DeleteDocument { id, filename } => {
                let result = match db::knowledge::delete_document(&self.db.pool, id).await {
                    Ok(0) => Err(format!("'{filename}' was already gone")),
                    Ok(_) => Ok(format!("deleted '{}' and its chunks", crate::sanitize::sanitize_line(&filename))),
                    Err(e) => Err(e.to_string()),
                };
                Some(Action::DocumentDeleted { result })
            }
            other => execute(&self.db, other, &self.settings).await,
        }
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
        Effect::Preview { generation, .. } => {
            Action::PreviewReady { generation: *generation, result: Err("internal error (see the log)".into()) }
        }
        Effect::CreateKb(_) => Action::KbCreated { result: Err("internal error (see the log)".into()) },
        Effect::DeleteDocument { .. } => Action::DocumentDeleted { result: Err("internal error (see the log)".into()) },
        Effect::Copy(_) | Effect::StartIngest { .. } | Effect::CancelIngest { .. } | Effect::CancelPreview => {
            return None;
        }
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
                ListQuery::KnowledgeBases { demo, filter } => {
                    db::knowledge::count_kbs(pool, *demo, filter, exact).await
                }
                ListQuery::Documents { kb, filter } => db::knowledge::count_documents(pool, *kb, filter, exact).await,
                ListQuery::Chunks { document, filter } => {
                    db::knowledge::count_chunks(pool, *document, filter, exact).await
                }
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
        // Handled by the EffectRunner (they need its caches) or the terminal.
        Effect::Copy(_)
        | Effect::Preview { .. }
        | Effect::StartIngest { .. }
        | Effect::CancelIngest { .. }
        | Effect::CancelPreview
        | Effect::CreateKb(_)
        | Effect::DeleteDocument { .. } => return None,
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
        ListQuery::KnowledgeBases { demo, filter } => {
            ListRows::KnowledgeBases(db::knowledge::page(pool, *demo, filter, after, page).await?)
        }
        ListQuery::Documents { kb, filter } => {
            ListRows::Documents(db::knowledge::documents(pool, *kb, filter, after, page).await?)
        }
        ListQuery::Chunks { document, filter } => {
            ListRows::Chunks(db::knowledge::chunks(pool, *document, filter, after, page).await?)
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
