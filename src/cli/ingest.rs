//! `ragdesk kb …` and `ragdesk ingest …`.

use std::path::PathBuf;
use std::sync::Mutex;

use crate::cli::output;
use clap::{Args, Subcommand};
use color_eyre::eyre::{Result, bail, eyre};
use indicatif::{ProgressBar, ProgressStyle};

use super::Context;
use crate::db::Seek;
use crate::db::knowledge::{self, KB_TYPES, KnowledgeBaseRow, KnowledgeLists, NewKnowledgeBase};
use crate::embed::{self, LOCAL_DIM, LOCAL_MODEL};
use crate::ingest::{self, Cancel, ChunkSettings, Event, Outcome};

#[derive(Debug, Subcommand)]
pub enum KbCommand {
    /// Create a knowledge base for a demo.
    Create(KbCreate),
    /// List knowledge bases.
    List {
        /// Only this demo's (id or company name).
        #[arg(long)]
        demo: Option<String>,
        #[arg(long)]
        json: bool,
    },
}

#[derive(Debug, Args)]
pub struct KbCreate {
    /// Demo id or company name.
    #[arg(long)]
    pub demo: String,
    #[arg(long)]
    pub name: String,
    /// product_catalog, faq, service_menu, review_template or custom.
    #[arg(long = "type", default_value = "custom")]
    pub kb_type: String,
    /// local (all-MiniLM-L6-v2, in-process) or openai (any OpenAI-compatible endpoint).
    #[arg(long, default_value = "local")]
    pub provider: String,
    /// Model name (openai provider), e.g. text-embedding-3-small.
    #[arg(long)]
    pub model: Option<String>,
    /// Vector dimension (openai provider; defaults to the model's own).
    #[arg(long)]
    pub dimensions: Option<usize>,
    #[arg(long)]
    pub chunk_tokens: Option<usize>,
    /// Tokens each chunk repeats from the one before (default: as for the size).
    #[arg(long)]
    pub overlap: Option<usize>,
    /// Make it the demo's knowledge base.
    #[arg(long)]
    pub attach: bool,
    /// Succeed without creating when the demo already has one of this name.
    #[arg(long)]
    pub if_missing: bool,
}

#[derive(Debug, Args)]
pub struct IngestArgs {
    /// Knowledge base id or name.
    #[arg(long, required_unless_present = "under")]
    pub kb: Option<String>,
    /// On another platform's layout that declares chunks writable: the
    /// row the chunks go under, of the chunks' parent entity (001: a demo;
    /// elsewhere a document, as the layout says).
    #[arg(long, value_name = "ID", conflicts_with = "kb")]
    pub under: Option<String>,
    /// Demo id or company name (to pick among knowledge bases of the same name).
    #[arg(long)]
    pub demo: Option<String>,
    /// Chunk size in the model's tokens (default: the knowledge base's, else the config's).
    #[arg(long)]
    pub chunk_tokens: Option<usize>,
    /// Tokens each chunk repeats from the one before (default: as for the size).
    #[arg(long)]
    pub overlap: Option<usize>,
    /// Extract and chunk only: print the chunks, store nothing.
    #[arg(long)]
    pub dry_run: bool,
    /// Print a JSON summary on stdout.
    #[arg(long)]
    pub json: bool,
    /// Store even when the same content (on a layout: a file of the same
    /// name under the same row) is already there.
    #[arg(long)]
    pub force: bool,
    /// Files or directories (read recursively).
    #[arg(required = true)]
    pub paths: Vec<PathBuf>,
}

pub async fn kb(ctx: &Context, cmd: KbCommand) -> Result<()> {
    let db = ctx.connect_batch().await?;
    match cmd {
        KbCommand::List { demo, json } => {
            let demo_id = match &demo {
                Some(d) => Some(knowledge::find_demo(&mut *db.pool.acquire().await?, d).await?.0),
                None => None,
            };
            // Demos have a handful; the limit only guards against a
            // pathological database.
            let mut conn = db.pool.acquire().await?;
            let lists = KnowledgeLists::of(&db).await?;
            let rows = lists.knowledge_bases(&mut conn, demo_id, "", Seek::First, 1000).await?.rows;
            if json {
                let v: Vec<_> = rows.iter().map(kb_json).collect();
                output::json(&v)?;
            } else {
                for k in &rows {
                    output::out(format!(
                        "{}  {:<24} {:<16} {}:{} ({}-d)  {} docs, {} chunks  demo: {}",
                        k.id,
                        k.name,
                        k.kb_type,
                        k.embedding_provider,
                        k.embedding_model,
                        k.embedding_dim,
                        k.document_count.label(),
                        k.chunk_count.label(),
                        k.demo_name.as_deref().unwrap_or("?")
                    ))?;
                }
            }
            Ok(())
        }
        KbCommand::Create(a) => {
            let mut conn = db.pool.acquire().await?;
            let (demo_id, demo_name) = knowledge::find_demo(&mut conn, &a.demo).await?;
            let lists = KnowledgeLists::of(&db).await?;
            if a.if_missing
                && let Ok(existing) = lists.find(&mut conn, &a.name, Some(demo_id)).await
            {
                output::out(format!("{} (exists)", existing.id))?;
                return Ok(());
            }
            if db.read_only {
                bail!("refusing to create a knowledge base over a read-only connection");
            }
            if !KB_TYPES.contains(&a.kb_type.as_str()) {
                bail!("--type must be one of {}", KB_TYPES.join(", "));
            }
            let (model, dim) = match a.provider.as_str() {
                "local" => {
                    if a.model.as_deref().is_some_and(|m| m != LOCAL_MODEL)
                        || a.dimensions.is_some_and(|d| d != LOCAL_DIM)
                    {
                        bail!("the local provider runs {LOCAL_MODEL} ({LOCAL_DIM}-d) only");
                    }
                    (LOCAL_MODEL.to_string(), LOCAL_DIM)
                }
                "openai" => {
                    let model = a.model.clone().unwrap_or_else(|| "text-embedding-3-small".into());
                    let dim = a.dimensions.or_else(|| embed::openai::native_dimension(&model)).ok_or_else(|| {
                        eyre!("--dimensions is required for model '{model}' (its dimension is not known to ragdesk)")
                    })?;
                    (model, dim)
                }
                other => bail!("--provider must be local or openai, not '{other}'"),
            };
            let id = knowledge::create(
                &mut conn,
                &NewKnowledgeBase {
                    demo_id,
                    name: a.name.clone(),
                    kb_type: a.kb_type.clone(),
                    provider: a.provider.clone(),
                    model,
                    dim: dim as i32,
                    chunk_tokens: a.chunk_tokens.map(|v| v as i32),
                    chunk_overlap: a.overlap.map(|v| v as i32),
                    attach: a.attach,
                },
            )
            .await?;
            output::err(format!("created knowledge base '{}' for {demo_name}", a.name));
            output::out(format!("{id}"))?;
            Ok(())
        }
    }
}

fn kb_json(k: &KnowledgeBaseRow) -> serde_json::Value {
    serde_json::json!({
        "id": k.id, "demo_id": k.demo_id, "demo": k.demo_name, "name": k.name, "type": k.kb_type,
        "provider": k.embedding_provider, "model": k.embedding_model, "dimension": k.embedding_dim,
        "chunk_tokens": k.chunk_tokens, "chunk_overlap": k.chunk_overlap, "attached": k.attached,
        // Counted up to a cap, as the console lists them: `*_exact` says
        // whether the number is the whole count or where counting stopped.
        "documents": k.document_count.value(), "documents_exact": k.document_count.is_exact(),
        "chunks": k.chunk_count.value(), "chunks_exact": k.chunk_count.is_exact(), "created_at": k.created_at,
    })
}

/// Chunk settings: the upload's flags, else the knowledge base's, else the config's.
pub fn chunk_settings(
    ctx: &Context,
    kb: &KnowledgeBaseRow,
    tokens: Option<usize>,
    overlap: Option<usize>,
) -> ChunkSettings {
    let base = kb.chunk_settings(ctx.config.ingest.chunk_settings());
    ChunkSettings { tokens: tokens.unwrap_or(base.tokens), overlap: overlap.unwrap_or(base.overlap) }
}

pub async fn ingest(ctx: &Context, a: IngestArgs) -> Result<()> {
    let db = ctx.connect_batch().await?;
    if db.read_only && !a.dry_run {
        bail!("refusing to ingest over a read-only connection (use --dry-run to preview)");
    }
    let Some(kb) = a.kb.as_deref() else {
        let mut conn = db.pool.acquire().await?;
        let mapped = ctx.foreign_mapped(&mut conn).await?.ok_or_else(|| {
            eyre!("--under is for another platform's layout (--layout NAME); here name the knowledge base with --kb")
        })?;
        return foreign_ingest(ctx, &mut conn, mapped, &a).await;
    };
    let demo = match &a.demo {
        Some(d) => Some(knowledge::find_demo(&mut *db.pool.acquire().await?, d).await?.0),
        None => None,
    };
    let mut conn = db.pool.acquire().await?;
    let kb = KnowledgeLists::of(&db).await?.find(&mut conn, kb, demo).await?;
    drop(conn);
    let provider = embed::provider_for(&kb.model_spec(), &ctx.config.embedding.embedder(&ctx.paths))?;
    let opts = ingest::Options {
        chunk: chunk_settings(ctx, &kb, a.chunk_tokens, a.overlap),
        dry_run: a.dry_run,
        force: a.force,
        max_file_bytes: ctx.config.ingest.max_file_mb.saturating_mul(1_000_000),
        limits: ingest::Limits::default(),
        cache: None,
    };
    let tty = std::io::IsTerminal::is_terminal(&std::io::stderr());
    let bar = tty.then(|| {
        let b = ProgressBar::new(0);
        b.set_style(
            ProgressStyle::with_template("{prefix:.bold} {wide_msg} [{bar:30}] {pos}/{len} {per_sec} eta {eta}")
                .unwrap()
                .progress_chars("=> "),
        );
        b
    });
    let current = Mutex::new(String::new());
    let on_event = |ev: Event| {
        let Some(b) = &bar else { return };
        match ev {
            Event::FileStarted { index, total, path, .. } => {
                *current.lock().unwrap() = path.clone();
                b.set_prefix(format!("[{}/{}]", index + 1, total));
                b.set_message(path);
                b.set_position(0);
            }
            Event::Progress { stage, done, total } => {
                let file = current.lock().unwrap().clone();
                b.set_message(format!("{} {file}", stage.name()));
                b.set_length(total);
                b.set_position(done);
            }
            Event::FileDone(r) => b.println(summary_line(&r)),
        }
    };
    let cancel = Cancel::default();
    let ctrl_c = cancel.clone();
    tokio::spawn(async move {
        if tokio::signal::ctrl_c().await.is_ok() {
            ctrl_c.cancel();
        }
    });
    let reports = ingest::run(&db, &kb, provider, &a.paths, &opts, &cancel, &on_event).await?;
    if let Some(b) = &bar {
        b.finish_and_clear();
    }
    let failed = reports.iter().filter(|r| matches!(r.outcome, Outcome::Failed { .. })).count();
    if a.json {
        let doc = serde_json::json!({
            "knowledge_base": kb_json(&kb),
            "files": reports,
            "stored": reports.iter().filter(|r| matches!(r.outcome, Outcome::Stored { .. })).count(),
            "failed": failed,
        });
        output::json(&doc)?;
    } else {
        for r in &reports {
            if !tty {
                output::out(&summary_line(r))?;
            }
            for w in &r.warnings {
                output::out(format!("  warning: {w}"))?;
            }
            if let Outcome::DryRun { chunks } = &r.outcome {
                print_previews(chunks)?;
            }
        }
        if tty {
            for r in &reports {
                if !matches!(r.outcome, Outcome::DryRun { .. }) {
                    output::out(&summary_line(r))?;
                }
            }
        }
    }
    if failed > 0 {
        output::err(format!("{failed} of {} files failed", reports.len()));
        std::process::exit(1);
    }
    Ok(())
}

/// A dry run's chunks, one line each: position, tokens, bytes, the text's start.
fn print_previews(chunks: &[ingest::ChunkPreview]) -> Result<()> {
    for c in chunks {
        let preview: String = crate::sanitize::sanitize_line(&c.text).chars().take(90).collect();
        output::out(format!("  #{:<4} {:>4} tok  bytes {}..{}  {}", c.index, c.tokens, c.start, c.end, preview))?;
    }
    Ok(())
}

fn summary_line(r: &ingest::FileReport) -> String {
    let what = match &r.outcome {
        Outcome::Stored { chunks, tokens, .. } => format!(
            "stored   {chunks} chunks, {tokens} tokens ({} {}/{} tok; extract {:.2}s chunk {:.2}s embed {:.2}s store {:.2}s)",
            r.format.unwrap_or("?"),
            r.chunk_tokens,
            r.chunk_overlap,
            r.seconds.extract,
            r.seconds.chunk,
            r.seconds.embed,
            r.seconds.store
        ),
        Outcome::Duplicate { existing_filename, .. } => {
            format!("skipped  same content as '{existing_filename}' (use --force)")
        }
        Outcome::DryRun { chunks } => format!(
            "dry run  {} ({} {}/{} tok)",
            crate::text::count_of(chunks.len(), "chunk"),
            r.format.unwrap_or("?"),
            r.chunk_tokens,
            r.chunk_overlap
        ),
        Outcome::Failed { error } => format!("FAILED   {error}"),
        Outcome::Cancelled => "cancelled (nothing stored)".into(),
    };
    format!("{}: {what}", r.path)
}

/// `--layout NAME ingest --under ID FILES`: files chunked and embedded with
/// the model that wrote the layout's vectors, and written as its chunks
/// where the layout declares that safe (001's knowledge_chunks), a file
/// at a time, each whole or not at all.
async fn foreign_ingest(
    ctx: &Context,
    conn: &mut sqlx::PgConnection,
    mapped: crate::db::mapped::Mapped,
    a: &IngestArgs,
) -> Result<()> {
    use crate::schema::Kind;
    let under = a.under.as_deref().expect("clap: --kb or --under");
    // Said before anything is read or embedded; a dry run still previews.
    match mapped.chunk_write_blockers() {
        Ok(()) => {}
        Err(e) if a.dry_run => output::err(format!("note: a real run would be refused: {e}")),
        Err(e) => bail!("{e}; nothing was written"),
    }
    let configured = ctx.layout_model(&mapped.layout.name);
    let embedder = ctx.config.embedding.embedder(&ctx.paths);
    let model = crate::search::layout::query_model(&mut *conn, &mapped, Kind::Chunk, configured.as_ref(), &embedder)
        .await
        .map_err(|e| eyre!("cannot embed the chunks to write: {e}; nothing was read or written"))?;
    let (spec, cfg) = (model.spec.clone(), model.embedder.clone());
    let provider = tokio::task::spawn_blocking(move || embed::provider_for(&spec, &cfg)).await??;
    let opts = ingest::Options {
        chunk: ChunkSettings {
            tokens: a.chunk_tokens.unwrap_or(ctx.config.ingest.chunk_tokens),
            overlap: a.overlap.unwrap_or(ctx.config.ingest.chunk_overlap),
        },
        dry_run: a.dry_run,
        force: a.force,
        max_file_bytes: ctx.config.ingest.max_file_mb.saturating_mul(1_000_000),
        limits: ingest::Limits::default(),
        cache: None,
    };
    // The row the chunks go under must be there, dry run or not.
    let parent = mapped.layout.parent_of(Kind::Chunk);
    if let Some(pk) = parent
        && mapped.row(&mut *conn, pk, under).await?.is_none()
    {
        bail!("no {} with id {under} in layout '{}'; nothing was written", mapped.layout.label(pk), mapped.layout.name);
    }
    let mut failed = 0;
    let mut files = Vec::new();
    for path in ingest::expand_paths(&a.paths) {
        let path = match path {
            Ok(p) => p,
            Err((p, e)) => {
                output::err(format!("{}: {e}", p.display()));
                files.push(serde_json::json!({ "path": p.display().to_string(), "error": e.to_string() }));
                failed += 1;
                continue;
            }
        };
        let mut report = ingest::FileReport::new(&path);
        let source = path.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default();
        let written = async {
            // The same file again under the same row: refused unless forced
            // (the layout's chunks carry the file's name where it maps a title).
            if !a.force && !a.dry_run {
                let already = mapped.chunks_from(&mut *conn, under, &source).await.map_err(|e| e.to_string())?;
                if already > 0 {
                    return Err(format!(
                        "{already} chunks from a file named '{source}' are already under {under} (use --force to \
                         add them again)"
                    ));
                }
            }
            let (_, plan) = ingest::prepare(&path, &opts, &provider, &mut report, &|_| {}).await?;
            let texts: Vec<String> = plan.chunks.iter().map(|c| c.text.clone()).collect();
            if a.dry_run {
                let previews = plan.previews();
                if !a.json {
                    print_previews(&previews).map_err(|e| e.to_string())?;
                }
                files.push(serde_json::json!({ "path": path.display().to_string(), "dry_run": previews }));
                return Ok::<_, String>(format!(
                    "{} (dry run: nothing written)",
                    crate::text::count_of(texts.len(), "chunk")
                ));
            }
            let mut vectors = Vec::with_capacity(texts.len());
            for batch in texts.chunks(provider.ingest_batch().max(1)) {
                vectors.extend(provider.embed(batch).await.map_err(|e| e.to_string())?);
            }
            let rows: Vec<(String, Vec<f32>)> = texts.into_iter().zip(vectors).collect();
            let ids = mapped.insert_chunks(&mut *conn, under, &source, &rows).await.map_err(|e| e.to_string())?;
            files.push(serde_json::json!({ "path": path.display().to_string(), "written": ids }));
            Ok(format!(
                "{} {} written under {under} (audited in ragdesk_audit.audit_log)",
                ids.len(),
                if ids.len() == 1 { "chunk" } else { "chunks" }
            ))
        }
        .await;
        match written {
            Ok(line) if !a.json => output::out(format!("{}: {line}", path.display()))?,
            Ok(_) => {}
            Err(e) => {
                output::err(format!("{}: {e}; nothing was written", path.display()));
                files.push(serde_json::json!({ "path": path.display().to_string(), "error": e }));
                failed += 1;
            }
        }
    }
    if a.json {
        output::json(&serde_json::json!({ "layout": mapped.layout.name, "under": under, "files": files }))?;
    }
    if failed > 0 {
        bail!("{failed} file(s) failed");
    }
    Ok(())
}
