//! The effect runner: turns the effects `update` returns into tasks owned
//! by the [`TaskRegistry`], and sends their results back as actions. Every
//! effect has a task key (a newer effect with the same key supersedes the
//! older, which is cancelled on the server), debounced effects wait in the
//! registry, and writes pass one gate that refuses them on a read-only
//! connection.

pub mod tasks;

use std::collections::HashMap;
use std::panic::AssertUnwindSafe;
use std::path::PathBuf;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use futures::FutureExt;
use sqlx::PgConnection;
use tokio::sync::mpsc::UnboundedSender;
use uuid::Uuid;

use crate::action::{Action, Effect, JobEvent, ListQuery, ListRows, LoadError};
use crate::db::knowledge::KnowledgeBaseRow;
use crate::db::{self, Db};
use crate::embed::{self, Provider};
use crate::ingest::{self, Cancel, ChunkSettings};
use crate::schema::Kind;
use crate::spec::EmbedderSettings;
pub use tasks::{TaskCtx, TaskInfo, TaskRegistry};

/// Said when a write reaches the gate on a read-only connection.
pub const READ_ONLY_REFUSAL: &str = "read-only connection: writes are disabled";

/// What effects need besides the database.
#[derive(Debug, Clone)]
pub struct Settings {
    pub export_dir: PathBuf,
    pub page_size: u32,
    pub transcript_page_size: u32,
    pub embedder: EmbedderSettings,
    pub max_file_bytes: u64,
    /// Where search queries are remembered, one file per knowledge base.
    pub history_dir: PathBuf,
    /// The layout of a database of another platform (its search and
    /// audit read through it); `None` on ours.
    pub mapped: Option<Arc<db::mapped::Mapped>>,
    /// What the entity tabs and the conversations read through (ours too).
    pub lists: db::mapped::Lists,
    /// The model the config names for that layout's vectors.
    pub layout_model: Option<crate::spec::LayoutModel>,
}

impl Settings {
    /// Who reads and writes rate limits here: the layout (ours with our
    /// overrides and audit).
    pub async fn rate_limits(&self, conn: &mut sqlx::PgConnection) -> db::Result<db::rate_limits::RateLimits> {
        Ok(db::rate_limits::RateLimits::for_layout(self.lists.mapped(conn).await?))
    }

    /// Who reads conversations here: the database's layout (ours checked
    /// on first use).
    pub async fn conversations(&self, conn: &mut sqlx::PgConnection) -> db::Result<db::conversation::Conversations> {
        Ok(db::conversation::Conversations::new(self.lists.mapped(conn).await?))
    }

    /// Who reads the Documents tab's documents and chunks: our layout
    /// (another platform's knowledge is listed in its entity tabs).
    pub async fn knowledge(&self, conn: &mut sqlx::PgConnection) -> db::Result<db::knowledge::KnowledgeLists> {
        let m = self.lists.mapped(conn).await?;
        if !m.layout.is_native() {
            return Err(db::DbError::Invalid(format!(
                "the Documents tab is ragdesk's own: on layout '{}' its knowledge is in the entity tabs",
                m.layout.name
            )));
        }
        Ok(db::knowledge::KnowledgeLists(m))
    }
}

/// Runs effects as tasks; each reports back through the action channel.
#[derive(Clone)]
pub struct EffectRunner {
    pub db: Db,
    pub tx: UnboundedSender<Action>,
    pub settings: Arc<Settings>,
    pub tasks: TaskRegistry,
    /// Loaded embedding models, by provider:model:dimension (loading the
    /// local model takes a moment; it is done once).
    providers: Arc<tokio::sync::Mutex<HashMap<String, Provider>>>,
    /// Texts of the files previewed, reused by the next preview and the job.
    extracted: ingest::ExtractCache,
    /// Numbers the keys of tasks that never supersede each other (exports, writes).
    once: Arc<AtomicU64>,
}

impl EffectRunner {
    pub fn new(db: Db, tx: UnboundedSender<Action>, settings: Settings) -> EffectRunner {
        let limit = TaskRegistry::limit_for_pool(db.max_connections);
        EffectRunner {
            tasks: TaskRegistry::new(db.clone(), limit),
            db,
            tx,
            settings: Arc::new(settings),
            providers: Arc::default(),
            extracted: ingest::ExtractCache::default(),
            once: Arc::default(),
        }
    }

    pub fn run(&self, effect: Effect) {
        self.run_after(effect, None);
    }

    fn run_after(&self, effect: Effect, delay: Option<Duration>) {
        // The write gate: one place that refuses every write on a read-only
        // connection (the server refuses them too when it opened read-only).
        if effect.writes() && self.db.read_only {
            if let Some(a) = failure_action(&effect, READ_ONLY_REFUSAL) {
                let _ = self.tx.send(a);
            }
            return;
        }
        match effect {
            Effect::Debounce { delay_ms, effect } => self.run_after(*effect, Some(Duration::from_millis(delay_ms))),
            Effect::CancelIngest { job } => {
                self.tasks.cancel(&format!("job:{job}"));
            }
            Effect::CancelPreview => {
                self.tasks.cancel("preview");
            }
            // The terminal writes it; nothing to run here.
            Effect::Copy(_) => {}
            Effect::StartIngest { job, kb, paths, chunk } => {
                let this = self.clone();
                self.tasks.spawn(format!("job:{job}"), delay, move |ctx| async move {
                    let tx = this.tx.clone();
                    let cancel = Cancel::from_token(ctx.cancel.clone());
                    let done = AssertUnwindSafe(this.ingest_job(job, kb, paths, chunk, cancel)).catch_unwind().await;
                    if done.is_err() {
                        let event = JobEvent::Finished(Err("internal error (see the log)".into()));
                        let _ = tx.send(Action::Job { job, event });
                    }
                });
            }
            other => {
                let key =
                    other.task_key().unwrap_or_else(|| format!("once:{}", self.once.fetch_add(1, Ordering::Relaxed)));
                let this = self.clone();
                self.tasks.spawn(key, delay, move |ctx| async move {
                    let fallback = failure_action(&other, "internal error (see the log)");
                    // A panic in a task becomes an error report, never a dead screen.
                    let action = match AssertUnwindSafe(this.execute(&ctx, other)).catch_unwind().await {
                        Ok(a) => a,
                        Err(_) => fallback,
                    };
                    // A superseded task reports nothing, whatever it came back with.
                    if let Some(a) = action.filter(|_| !ctx.is_cancelled()) {
                        let _ = this.tx.send(a);
                    }
                });
            }
        }
    }

    /// One search for the console, on any layout: the query embedded
    /// first (a superseded query's embedding is dropped as soon as it
    /// returns, before any query runs), then the queries on a connection
    /// that a supersede cancels on the server. `None` when superseded.
    async fn search(
        &self,
        ctx: &TaskCtx,
        req: &crate::search::Request,
    ) -> Option<Result<crate::search::Outcome, crate::search::SearchError>> {
        use crate::search::{Query, Scope, SearchError};
        let started = std::time::Instant::now();
        if let Err(e) = crate::search::check_request(req) {
            return Some(Err(e));
        }
        let mut model_note = None;
        let embedded = match &req.query {
            Query::Text(text) => {
                let (spec, cfg) = match &req.scope {
                    Scope::Knowledge(kb) => (kb.model_spec(), self.settings.embedder.clone()),
                    Scope::Layout(scope) => match self.layout_query_model(ctx, scope.kind).await? {
                        Ok(m) => {
                            model_note = Some(m.source);
                            (m.spec, m.embedder)
                        }
                        Err(e) => return Some(Err(SearchError::Refused(e))),
                    },
                };
                let provider = match self.provider_of(spec.clone(), cfg).await {
                    Ok(p) => p,
                    Err(e) => {
                        return Some(Err(SearchError::Refused(format!(
                            "cannot embed the query with {}:{}: {e}",
                            spec.provider, spec.model
                        ))));
                    }
                };
                tokio::select! {
                    r = crate::search::embed_text(&provider, &spec, text) => match r {
                        Ok(v) => Some(v),
                        Err(e) => return Some(Err(e)),
                    },
                    _ = ctx.cancel.cancelled() => return None,
                }
            }
            Query::Like(_) => None,
        };
        let mut conn = match ctx.connect().await {
            Ok(Some(c)) => c,
            Ok(None) => return None,
            Err(e) => return Some(Err(e.into())),
        };
        let pid = conn.pid;
        let work = async {
            // The database's layout reads the vectors, ours included.
            let mapped = self.settings.lists.mapped(&mut conn.conn).await?;
            let mut outcome = crate::search::run_with_vector(&mut conn.conn, &mapped, req, embedded, started).await?;
            outcome.model = model_note;
            Ok(outcome)
        };
        ctx.until_cancelled(pid, work).await
    }

    /// The model that wrote a foreign layout's vectors of `kind`, read on
    /// a connection given back before the embedding (a slow endpoint must
    /// not hold one of the pool's few). `None` when superseded.
    async fn layout_query_model(
        &self,
        ctx: &TaskCtx,
        kind: crate::schema::Kind,
    ) -> Option<Result<crate::search::layout::QueryModel, String>> {
        let Some(mapped) = self.settings.mapped.clone() else {
            return Some(Err("this database is read with ragdesk's own layout".into()));
        };
        let mut conn = match ctx.connect().await {
            Ok(Some(c)) => c,
            Ok(None) => return None,
            Err(e) => return Some(Err(e.to_string())),
        };
        let configured = self.settings.layout_model.as_ref();
        Some(
            match crate::search::layout::query_model(&mut conn.conn, &mapped, kind, configured, &self.settings.embedder)
                .await
            {
                // Only where the model is the matter (not a lost connection).
                Err(e) if e.contains("none is named") => Err(format!("{e}. More like this (m) needs no model")),
                other => other,
            },
        )
    }

    /// The embedding provider a knowledge base needs, loaded once.
    pub async fn provider(&self, kb: &KnowledgeBaseRow) -> Result<Provider, String> {
        self.provider_of(kb.model_spec(), self.settings.embedder.clone()).await
    }

    /// The provider of `spec` reached through `cfg`, loaded once.
    async fn provider_of(&self, spec: embed::ModelSpec, cfg: EmbedderSettings) -> Result<Provider, String> {
        let key =
            format!("{}:{}:{}:{}:{}", spec.provider, spec.model, spec.dim, cfg.openai.base_url, cfg.openai.api_key_env);
        let mut cache = self.providers.lock().await;
        if let Some(p) = cache.get(&key) {
            return Ok(p.clone());
        }
        let p = tokio::task::spawn_blocking(move || embed::provider_for(&spec, &cfg))
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

    /// Knowledge base `id`, read as the Documents tab lists it.
    async fn knowledge_base(&self, id: Uuid) -> Result<KnowledgeBaseRow, String> {
        async {
            let mut conn = self.db.acquire().await?;
            self.settings.knowledge(&mut conn).await?.knowledge_base(&mut conn, id).await
        }
        .await
        .map_err(|e: db::DbError| e.to_string())
    }

    /// Runs one ingest job to the end, reporting progress as actions.
    pub async fn ingest_job(&self, job: u64, kb: Uuid, paths: Vec<PathBuf>, chunk: ChunkSettings, cancel: Cancel) {
        let tx = self.tx.clone();
        let report = |event: JobEvent| {
            let _ = tx.send(Action::Job { job, event });
        };
        let result = async {
            let kb = self.knowledge_base(kb).await?;
            let provider = self.provider(&kb).await?;
            let opts = self.ingest_options(chunk, false);
            let on_event = |e: ingest::Event| report(JobEvent::Progress(e));
            ingest::run(&self.db, &kb, provider, &paths, &opts, &cancel, &on_event).await.map_err(|e| e.to_string())
        }
        .await;
        report(JobEvent::Finished(result));
    }

    /// Executes one single-answer effect; `None` when there is nothing to
    /// report (it was superseded).
    async fn execute(&self, ctx: &TaskCtx, effect: Effect) -> Option<Action> {
        match effect {
            Effect::Preview { generation, kb, paths, chunk } => {
                // A newer preview (or closing it) stops this one between files.
                let cancel = Cancel::from_token(ctx.cancel.clone());
                let result = async {
                    let kb = self.knowledge_base(kb).await?;
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
                let result = async {
                    let mut conn = self.db.acquire().await?;
                    let id = db::knowledge::create(&mut conn, &new).await?;
                    self.settings.knowledge(&mut conn).await?.knowledge_base(&mut conn, id).await
                }
                .await
                .map_err(|e| e.to_string());
                Some(Action::KbCreated { result })
            }
            Effect::DeleteDocument { id, filename } => {
                let deleted = async { db::knowledge::delete_document(&mut *self.db.acquire().await?, id).await };
                let result = match deleted.await {
                    Ok(0) => Err(format!("'{filename}' was already gone")),
                    Ok(_) => Ok(format!("deleted '{}' and its chunks", crate::sanitize::sanitize_line(&filename))),
                    Err(e) => Err(e.to_string()),
                };
                Some(Action::DocumentDeleted { result })
            }
            Effect::SaveLimit(write) => {
                let saved = async {
                    let mut conn = self.db.acquire().await?;
                    self.settings.rate_limits(&mut conn).await?.write(&mut conn, &write).await
                };
                Some(Action::LimitSaved { result: saved.await.map_err(|e| e.to_string()) })
            }
            Effect::Search { generation, request } => Some(Action::SearchDone {
                generation,
                result: self.search(ctx, &request).await?.map_err(|e| e.to_string()),
            }),
            Effect::LoadHistory { key } => {
                let dir = self.settings.history_dir.clone();
                let k = key.clone();
                let r = tokio::task::spawn_blocking(move || crate::search::history::load(&dir, &k)).await.ok()?;
                Some(Action::History { key, result: r.map_err(|e| e.to_string()) })
            }
            Effect::RememberQuery { key, query } => {
                let dir = self.settings.history_dir.clone();
                let k = key.clone();
                let r = tokio::task::spawn_blocking(move || crate::search::history::remember(&dir, &k, &query))
                    .await
                    .ok()?;
                Some(Action::History { key, result: r.map_err(|e| e.to_string()) })
            }
            Effect::CompletePath { input } => {
                let (done, candidates) = tokio::task::spawn_blocking({
                    let input = input.clone();
                    move || crate::pathcomplete::complete_path(&input)
                })
                .await
                .ok()?;
                Some(Action::PathCompleted { input, completed: done, candidates })
            }
            Effect::Export { session, format } => {
                let result = crate::export::export_session(
                    &self.db,
                    &self.settings.lists,
                    &session,
                    format,
                    &self.settings.export_dir,
                )
                .await;
                Some(Action::Exported { result })
            }
            other => {
                // A query on a connection of its own, so a supersede can
                // cancel it on the server.
                // The health ping must get through when slow queries hold
                // every permit.
                let conn =
                    if matches!(other, Effect::Ping) { ctx.connect_unlimited().await } else { ctx.connect().await };
                let conn = match conn {
                    Ok(Some(c)) => c,
                    Ok(None) => return None,
                    Err(e) => return failure(&other, e.into()),
                };
                let mut conn = conn;
                let pid = conn.pid;
                ctx.until_cancelled(pid, execute(&mut conn.conn, other, &self.settings)).await.flatten()
            }
        }
    }
}

/// The action that reports `effect` as failed with `message`.
pub fn failure_action(effect: &Effect, message: &str) -> Option<Action> {
    failure(effect, LoadError { message: message.to_string(), connection: false })
}

/// The action that reports `effect` as failed with `error`.
fn failure(effect: &Effect, error: LoadError) -> Option<Action> {
    let err = || error.clone();
    let msg = error.message.clone();
    Some(match effect {
        Effect::LoadPage { generation, query, .. } => {
            Action::PageLoaded { list: query.kind(), generation: *generation, result: Err(err()) }
        }
        Effect::Count { generation, query, .. } => {
            Action::Counted { list: query.kind(), generation: *generation, result: Err(err()) }
        }
        Effect::LoadSession { generation, .. } => Action::SessionLoaded { generation: *generation, result: Err(err()) },
        Effect::LoadMessages { generation, .. } => {
            Action::MessagesLoaded { generation: *generation, result: Err(err()) }
        }
        Effect::Export { .. } => Action::Exported { result: Err(msg) },
        Effect::Ping => Action::Health { result: Err(err()) },
        Effect::Preview { generation, .. } => Action::PreviewReady { generation: *generation, result: Err(msg) },
        Effect::CreateKb(_) => Action::KbCreated { result: Err(msg) },
        Effect::DeleteDocument { .. } => Action::DocumentDeleted { result: Err(msg) },
        Effect::StartIngest { job, .. } => Action::Job { job: *job, event: JobEvent::Finished(Err(msg)) },
        Effect::Search { generation, .. } => Action::SearchDone { generation: *generation, result: Err(msg) },
        Effect::LoadNeighbours { chunk, .. } => Action::Neighbours { chunk: *chunk, result: Err(msg) },
        Effect::LoadHistory { key } | Effect::RememberQuery { key, .. } => {
            Action::History { key: key.clone(), result: Err(msg) }
        }
        Effect::FindReplayKb { question, answer, .. } => {
            Action::ReplayReady { result: Err(msg), question: question.clone(), answer: answer.clone() }
        }
        Effect::ResolveConversation { spec } => Action::ConversationResolved { spec: spec.clone(), result: Err(msg) },
        Effect::Explain { generation, .. } => Action::SearchPlan { generation: *generation, result: Err(msg) },
        Effect::CheckAccess => Action::AccessChecked { result: Err(err()) },
        Effect::LoadLimits { generation, from, .. } => {
            Action::LimitsLoaded { generation: *generation, from: from.clone(), result: Err(err()) }
        }
        Effect::CountLimits { generation, .. } => Action::LimitsCounted { generation: *generation, result: Err(err()) },
        Effect::SaveLimit(_) => Action::LimitSaved { result: Err(msg) },
        Effect::LoadAudit { generation, before, .. } => {
            Action::AuditLoaded { generation: *generation, append: before.is_some(), result: Err(err()) }
        }
        Effect::LoadMapped { generation, .. } => Action::MappedLoaded { generation: *generation, result: Err(err()) },
        Effect::CountMapped { generation, .. } => Action::MappedCounted { generation: *generation, result: Err(err()) },
        Effect::LoadRowFields { generation, .. } => {
            Action::RowFieldsLoaded { generation: *generation, result: Err(err()) }
        }
        Effect::ReadKeyTypes => Action::KeyTypesRead { result: Err(err()) },
        Effect::Debounce { effect, .. } => return failure(effect, error),
        Effect::Copy(_) | Effect::CancelIngest { .. } | Effect::CancelPreview | Effect::CompletePath { .. } => {
            return None;
        }
    })
}

/// Executes one read effect on `conn`; public for tests and the bench.
pub async fn execute(conn: &mut PgConnection, effect: Effect, settings: &Settings) -> Option<Action> {
    Some(match effect {
        Effect::LoadPage { generation, query, seek } => {
            let list = query.kind();
            let result = load_page(conn, &query, seek, settings).await.map_err(Into::into);
            Action::PageLoaded { list, generation, result }
        }
        Effect::Count { generation, query, exact } => {
            let list = query.kind();
            // Each list counted under its parent row (knowledge bases: the
            // demo's, or all).
            let (kind, parent, filter) = match &query {
                ListQuery::KnowledgeBases { demo, filter } => (Kind::KnowledgeBase, *demo, filter),
                ListQuery::Documents { kb, filter } => (Kind::Document, Some(*kb), filter),
                ListQuery::Chunks { document, filter } => (Kind::Chunk, Some(*document), filter),
            };
            let result = async { settings.knowledge(conn).await?.count(conn, kind, parent, filter, exact).await }.await;
            Action::Counted { list, generation, result: result.map_err(Into::into) }
        }
        Effect::Explain { generation, request, vector } => {
            let result = async {
                let mapped = settings.lists.mapped(conn).await?;
                crate::search::explain(conn, &mapped, &request, vector).await
            }
            .await;
            Action::SearchPlan { generation, result: result.map_err(|e| e.to_string()) }
        }
        Effect::LoadNeighbours { chunk, document, index } => {
            let result = db::search::neighbours(conn, document, index).await.map_err(|e| e.to_string());
            Action::Neighbours { chunk, result }
        }
        Effect::ResolveConversation { spec } => {
            let result = async { settings.conversations(conn).await?.resolve(conn, &spec).await }
                .await
                .map_err(|e| e.to_string());
            Action::ConversationResolved { spec, result }
        }
        Effect::FindReplayKb { demo, question, answer } => {
            let result = match async { settings.knowledge(conn).await?.for_demo(conn, demo).await }.await {
                Ok(Some(kb)) => Ok(kb),
                Ok(None) => Err("this demo has no knowledge base: its bot retrieves nothing".to_string()),
                Err(e) => Err(e.to_string()),
            };
            Action::ReplayReady { result, question, answer }
        }
        Effect::LoadSession { generation, id } => {
            let result = async { settings.conversations(conn).await?.head(conn, &id).await }.await.map_err(Into::into);
            Action::SessionLoaded { generation, result }
        }
        Effect::LoadMessages { generation, session, after } => {
            let size = settings.transcript_page_size;
            let result =
                async { settings.conversations(conn).await?.page(conn, &session, after.as_deref(), size).await }
                    .await
                    .map_err(Into::into);
            Action::MessagesLoaded { generation, result }
        }
        Effect::CheckAccess => Action::AccessChecked { result: db::access::check(conn).await.map_err(Into::into) },
        Effect::LoadLimits { generation, tenant, want, words, from } => {
            let (want, size) = (want.as_deref(), settings.page_size);
            let result =
                async { settings.rate_limits(conn).await?.view(conn, tenant, want, &words, &from, size).await }
                    .await
                    .map_err(Into::into);
            Action::LimitsLoaded { generation, from, result }
        }
        Effect::CountLimits { generation, words, exact } => {
            let result = async { settings.rate_limits(conn).await?.count(conn, &words, exact).await }.await;
            Action::LimitsCounted { generation, result: result.map_err(Into::into) }
        }
        Effect::LoadAudit { generation, filter, before } => {
            let result = db::audit::AuditTrail::for_layout(settings.mapped.as_deref())
                .page(conn, &db::Filter::parse(&filter), before, settings.page_size)
                .await
                .map_err(Into::into);
            Action::AuditLoaded { generation, append: before.is_some(), result }
        }
        Effect::LoadMapped { generation, kind, under, after, filter, backward } => {
            let (after, size) = (after.as_deref(), settings.page_size);
            let result = async {
                let m = settings.lists.mapped(conn).await?;
                if backward {
                    m.page_before(conn, kind, &under, after, size, &filter).await
                } else {
                    m.page_under(conn, kind, &under, after, size, &filter).await
                }
            }
            .await;
            Action::MappedLoaded { generation, result: result.map_err(Into::into) }
        }
        Effect::CountMapped { generation, kind, under, filter, exact } => {
            let result =
                async { settings.lists.mapped(conn).await?.count_rows_under(conn, kind, &under, &filter, exact).await }
                    .await;
            Action::MappedCounted { generation, result: result.map_err(Into::into) }
        }
        Effect::ReadKeyTypes => {
            let result = settings.lists.mapped(conn).await.map(|m| m.key_types());
            Action::KeyTypesRead { result: result.map_err(Into::into) }
        }
        Effect::LoadRowFields { generation, kind, id } => {
            let result = async { settings.lists.mapped(conn).await?.row_fields(conn, kind, &id).await }.await;
            Action::RowFieldsLoaded { generation, result: result.map_err(Into::into) }
        }
        Effect::Ping => {
            let result =
                sqlx::query("SELECT 1").execute(&mut *conn).await.map(|_| ()).map_err(|e| db::DbError::from(e).into());
            Action::Health { result }
        }
        // Handled by the EffectRunner or the terminal.
        _ => return None,
    })
}

/// A page of the Documents tab's list `query` asks for.
async fn load_page(
    conn: &mut PgConnection,
    query: &ListQuery,
    at: db::Seek,
    settings: &Settings,
) -> db::Result<ListRows> {
    let page = settings.page_size;
    Ok(match query {
        ListQuery::KnowledgeBases { demo, filter } => ListRows::KnowledgeBases(
            settings.knowledge(conn).await?.knowledge_bases(conn, *demo, filter, at, page).await?,
        ),
        ListQuery::Documents { kb, filter } => {
            ListRows::Documents(settings.knowledge(conn).await?.documents(conn, *kb, filter, at, page).await?)
        }
        ListQuery::Chunks { document, filter } => {
            ListRows::Chunks(settings.knowledge(conn).await?.chunks(conn, *document, filter, at, page).await?)
        }
    })
}
