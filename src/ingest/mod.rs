//! Ingest: files → extracted text → chunks (in model tokens) → embeddings →
//! one transaction per document. Each file gets its own report; a bad file
//! never stops the others, and a failed or cancelled file leaves nothing.

pub mod chunk;
pub mod extract;
pub mod pdf;

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use serde::Serialize;
use sha2::{Digest, Sha256};
use uuid::Uuid;

use crate::db::Db;
use crate::db::knowledge::{self, DocumentWriter, KnowledgeBaseRow, NewChunk, NewDocument};
use crate::embed::{self, Provider};
pub use chunk::{Chunk, ChunkPlan, ChunkSettings};
pub use extract::{Format, Limits};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Stage {
    Extract,
    Chunk,
    Embed,
    Store,
}

impl Stage {
    pub const ALL: [Stage; 4] = [Stage::Extract, Stage::Chunk, Stage::Embed, Stage::Store];
    pub fn name(self) -> &'static str {
        match self {
            Stage::Extract => "extract",
            Stage::Chunk => "chunk",
            Stage::Embed => "embed",
            Stage::Store => "store",
        }
    }
}

#[derive(Debug, Clone)]
pub struct Options {
    /// Requested chunking (clamped to the model's limit, with a warning).
    pub chunk: ChunkSettings,
    pub dry_run: bool,
    /// Store even if the same content is already in the knowledge base.
    pub force: bool,
    pub max_file_bytes: u64,
    pub limits: Limits,
    /// Texts already extracted, reused while the file is unchanged.
    pub cache: Option<ExtractCache>,
}

/// Extracted texts kept between runs over the same files: the console's
/// preview re-chunks on every `+`/`-` and then stores, and parsing a PDF
/// again each time would be wasted. Keyed by path, size and modification
/// time; emptied when it holds more than [`ExtractCache::BUDGET`] of text.
#[derive(Debug, Clone, Default)]
pub struct ExtractCache(Arc<Mutex<HashMap<CacheKey, extract::Extracted>>>);

type CacheKey = (PathBuf, u64, Option<std::time::SystemTime>);

impl ExtractCache {
    pub const BUDGET: usize = 64 << 20;

    fn get(&self, key: &CacheKey) -> Option<extract::Extracted> {
        self.0.lock().expect("extract cache lock").get(key).cloned()
    }

    fn put(&self, key: CacheKey, value: extract::Extracted) {
        let mut map = self.0.lock().expect("extract cache lock");
        let held: usize = map.values().map(|e| e.text.len()).sum();
        if held + value.text.len() > Self::BUDGET {
            map.clear();
        }
        map.insert(key, value);
    }
}

/// Progress events, in order, for a progress bar or the console's job view.
#[derive(Debug, Clone)]
pub enum Event {
    FileStarted {
        index: usize,
        total: usize,
        path: String,
        bytes: u64,
    },
    /// `done` of `total` units of `stage` for the current file (bytes for
    /// extract, chunks for the others).
    Progress {
        stage: Stage,
        done: u64,
        total: u64,
    },
    FileDone(FileReport),
}

#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(tag = "status", rename_all = "snake_case")]
pub enum Outcome {
    Stored { document_id: Uuid, chunks: usize, tokens: usize },
    Duplicate { existing_document: Uuid, existing_filename: String },
    DryRun { chunks: Vec<ChunkPreview> },
    Failed { error: String },
    Cancelled,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ChunkPreview {
    pub index: usize,
    pub tokens: usize,
    pub start: usize,
    pub end: usize,
    pub text: String,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct FileReport {
    pub path: String,
    pub format: Option<&'static str>,
    pub bytes: u64,
    pub text_chars: usize,
    pub chunk_tokens: usize,
    pub chunk_overlap: usize,
    #[serde(flatten)]
    pub outcome: Outcome,
    pub warnings: Vec<String>,
    /// Seconds spent in each stage.
    pub seconds: StageTimes,
}

#[derive(Debug, Clone, Copy, Default, PartialEq, Serialize)]
pub struct StageTimes {
    pub extract: f64,
    pub chunk: f64,
    pub embed: f64,
    pub store: f64,
}

impl FileReport {
    pub fn new(path: &Path) -> FileReport {
        FileReport {
            path: path.display().to_string(),
            format: None,
            bytes: 0,
            text_chars: 0,
            chunk_tokens: 0,
            chunk_overlap: 0,
            outcome: Outcome::Cancelled,
            warnings: Vec::new(),
            seconds: StageTimes::default(),
        }
    }
    fn failed(mut self, error: impl std::fmt::Display) -> FileReport {
        self.outcome = Outcome::Failed { error: error.to_string() };
        self
    }
}

/// A cancel switch shared with the job's owner (the console's task
/// registry hands its task's token in; the CLI makes its own).
#[derive(Debug, Clone, Default)]
pub struct Cancel(tokio_util::sync::CancellationToken);

impl Cancel {
    pub fn from_token(token: tokio_util::sync::CancellationToken) -> Cancel {
        Cancel(token)
    }
    pub fn cancel(&self) {
        self.0.cancel();
    }
    pub fn is_cancelled(&self) -> bool {
        self.0.is_cancelled()
    }
}

/// Expands directories (recursively, sorted, hidden entries skipped); a path
/// that cannot be read becomes an error entry for its own report.
pub fn expand_paths(paths: &[PathBuf]) -> Vec<Result<PathBuf, (PathBuf, String)>> {
    let mut out = Vec::new();
    for p in paths {
        walk(p, &mut out, true);
    }
    out
}

fn walk(p: &Path, out: &mut Vec<Result<PathBuf, (PathBuf, String)>>, top: bool) {
    match std::fs::metadata(p) {
        Err(e) => out.push(Err((p.to_path_buf(), io_message(&e)))),
        Ok(m) if m.is_dir() => match std::fs::read_dir(p) {
            Err(e) => out.push(Err((p.to_path_buf(), io_message(&e)))),
            Ok(rd) => {
                let mut entries: Vec<PathBuf> = rd.filter_map(|e| e.ok().map(|e| e.path())).collect();
                entries.sort();
                for e in entries {
                    let hidden = e.file_name().and_then(|n| n.to_str()).is_some_and(|n| n.starts_with('.'));
                    if !hidden {
                        walk(&e, out, false);
                    }
                }
            }
        },
        Ok(m) if m.is_file() => out.push(Ok(p.to_path_buf())),
        Ok(_) if top => out.push(Err((p.to_path_buf(), "not a regular file".into()))),
        Ok(_) => {}
    }
}

fn io_message(e: &std::io::Error) -> String {
    match e.kind() {
        std::io::ErrorKind::NotFound => "no such file or directory".into(),
        std::io::ErrorKind::PermissionDenied => "permission denied".into(),
        _ => e.to_string(),
    }
}

pub fn sha256_hex(text: &str) -> String {
    let digest = Sha256::digest(text.as_bytes());
    digest.iter().map(|b| format!("{b:02x}")).collect()
}

/// Reads, extracts and chunks one file (no database, no model calls).
pub async fn prepare(
    path: &Path,
    opts: &Options,
    provider: &Provider,
    report: &mut FileReport,
    events: &(dyn Fn(Event) + Send + Sync),
) -> Result<(extract::Extracted, ChunkPlan), String> {
    let t = Instant::now();
    let meta = std::fs::metadata(path).map_err(|e| io_message(&e))?;
    report.bytes = meta.len();
    if meta.len() > opts.max_file_bytes {
        return Err(format!(
            "file is {:.1} MB, over the {:.0} MB limit (ingest.max_file_mb)",
            meta.len() as f64 / 1e6,
            opts.max_file_bytes as f64 / 1e6
        ));
    }
    events(Event::Progress { stage: Stage::Extract, done: 0, total: meta.len() });
    let key = (path.to_path_buf(), meta.len(), meta.modified().ok());
    let extracted = match opts.cache.as_ref().and_then(|c| c.get(&key)) {
        Some(hit) => hit,
        None => {
            let owned = path.to_path_buf();
            let limits = opts.limits;
            let extracted = tokio::task::spawn_blocking(move || {
                let bytes = std::fs::read(&owned).map_err(|e| io_message(&e))?;
                let name = owned.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default();
                extract::extract(&bytes, &name, limits).map_err(|e| e.to_string())
            })
            .await
            .map_err(|e| format!("extraction crashed: {e}"))??;
            if let Some(c) = &opts.cache {
                c.put(key, extracted.clone());
            }
            extracted
        }
    };
    report.format = Some(extracted.format.name());
    report.text_chars = extracted.text.chars().count();
    report.seconds.extract = t.elapsed().as_secs_f64();
    events(Event::Progress { stage: Stage::Extract, done: meta.len(), total: meta.len() });

    let t = Instant::now();
    let counter = provider.tokens();
    let model = provider.model().to_string();
    let max = provider.max_input_tokens();
    let markdown = extracted.format == Format::Markdown;
    let text = extracted.text.clone();
    let settings = opts.chunk;
    let plan = tokio::task::spawn_blocking(move || chunk::chunk(&text, markdown, settings, &counter, &model, max))
        .await
        .map_err(|e| format!("chunking crashed: {e}"))??;
    report.seconds.chunk = t.elapsed().as_secs_f64();
    report.chunk_tokens = plan.settings.tokens;
    report.chunk_overlap = plan.settings.overlap;
    report.warnings.extend(plan.warnings.iter().cloned());
    let n = plan.chunks.len() as u64;
    events(Event::Progress { stage: Stage::Chunk, done: n, total: n });
    Ok((extracted, plan))
}

/// Ingests `paths` into `kb`, one report per file, in order.
pub async fn run(
    db: &Db,
    kb: &KnowledgeBaseRow,
    provider: Provider,
    paths: &[PathBuf],
    opts: &Options,
    cancel: &Cancel,
    events: &(dyn Fn(Event) + Send + Sync),
) -> Result<Vec<FileReport>, embed::EmbedError> {
    embed::ensure_same_model(&kb.model_spec(), provider.as_ref())?;
    let files = expand_paths(paths);
    let total = files.len();
    let mut reports = Vec::with_capacity(total);
    for (index, entry) in files.into_iter().enumerate() {
        let report = match entry {
            Err((p, msg)) => FileReport::new(&p).failed(msg),
            Ok(path) => {
                events(Event::FileStarted { index, total, path: path.display().to_string(), bytes: 0 });
                if cancel.is_cancelled() {
                    FileReport::new(&path)
                } else {
                    ingest_one(db, kb, &provider, &path, opts, cancel, events).await
                }
            }
        };
        events(Event::FileDone(report.clone()));
        reports.push(report);
    }
    Ok(reports)
}

async fn ingest_one(
    db: &Db,
    kb: &KnowledgeBaseRow,
    provider: &Provider,
    path: &Path,
    opts: &Options,
    cancel: &Cancel,
    events: &(dyn Fn(Event) + Send + Sync),
) -> FileReport {
    let mut report = FileReport::new(path);
    let (extracted, plan) = match prepare(path, opts, provider, &mut report, events).await {
        Ok(x) => x,
        Err(e) => return report.failed(e),
    };
    let sha = sha256_hex(&extracted.text);
    if !opts.force {
        let duplicate = async { knowledge::find_duplicate(&mut *db.acquire().await?, kb.id, &sha).await };
        match duplicate.await {
            Ok(Some((id, name))) => {
                report.outcome = Outcome::Duplicate { existing_document: id, existing_filename: name };
                return report;
            }
            Ok(None) => {}
            Err(e) => return report.failed(e),
        }
    }
    if opts.dry_run {
        report.outcome = Outcome::DryRun { chunks: plan.previews() };
        return report;
    }
    match store(db, kb, provider, path, &extracted, &plan, &sha, &mut report, cancel, events).await {
        Ok(Some(id)) => {
            report.outcome = Outcome::Stored {
                document_id: id,
                chunks: plan.chunks.len(),
                tokens: plan.chunks.iter().map(|c| c.tokens).sum(),
            };
            report
        }
        Ok(None) => {
            report.outcome = Outcome::Cancelled;
            report
        }
        Err(e) => report.failed(e),
    }
}

/// Chunks written per UNNEST insert inside the document's transaction.
const STORE_BATCH: usize = 256;

#[allow(clippy::too_many_arguments)]
async fn store(
    db: &Db,
    kb: &KnowledgeBaseRow,
    provider: &Provider,
    path: &Path,
    extracted: &extract::Extracted,
    plan: &ChunkPlan,
    sha: &str,
    report: &mut FileReport,
    cancel: &Cancel,
    events: &(dyn Fn(Event) + Send + Sync),
) -> Result<Option<Uuid>, String> {
    let filename =
        path.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_else(|| path.display().to_string());
    // Embed every chunk first, then write the document and its chunks in
    // one short transaction: embedding can take minutes (a slow model, an
    // API retrying), and a transaction held open that long blocks vacuum
    // and is killed by idle timeouts. Still all or nothing.
    let total = plan.chunks.len() as u64;
    let batch_size = provider.ingest_batch().max(1);
    let mut embed_time = Duration::ZERO;
    let mut vectors: Vec<Vec<f32>> = Vec::with_capacity(plan.chunks.len());
    for batch in plan.chunks.chunks(batch_size) {
        if cancel.is_cancelled() {
            return Ok(None);
        }
        let t = Instant::now();
        let texts: Vec<String> = batch.iter().map(|c| c.text.clone()).collect();
        let got = provider.embed(&texts).await.map_err(|e| e.to_string())?;
        if got.len() != batch.len() {
            return Err(format!("the model returned {} vectors for {} chunks", got.len(), batch.len()));
        }
        vectors.extend(got);
        embed_time += t.elapsed();
        let done = batch.last().map(|c| c.index as u64 + 1).unwrap_or(0);
        events(Event::Progress { stage: Stage::Embed, done, total });
    }
    if cancel.is_cancelled() {
        return Ok(None);
    }
    let t = Instant::now();
    let ours = db.ours().await.map_err(|e| e.to_string())?;
    let mut writer = DocumentWriter::begin(
        &db.pool,
        ours,
        NewDocument {
            kb_id: kb.id,
            dim: kb.embedding_dim,
            filename: &filename,
            content: &extracted.text,
            content_type: extracted.format.name(),
            size_bytes: report.bytes as i64,
            sha256: sha,
        },
    )
    .await
    .map_err(|e| e.to_string())?;
    let mut vectors = vectors.into_iter();
    for batch in plan.chunks.chunks(STORE_BATCH) {
        if cancel.is_cancelled() {
            // Dropping the writer rolls the transaction back.
            return Ok(None);
        }
        let rows = batch
            .iter()
            .zip(vectors.by_ref())
            .map(|(c, v)| NewChunk {
                index: c.index as i32,
                content: &c.text,
                tokens: c.tokens as i32,
                start: c.start as i32,
                end: c.end as i32,
                embedding: v,
            })
            .collect();
        writer.write(rows).await.map_err(|e| e.to_string())?;
        let done = batch.last().map(|c| c.index as u64 + 1).unwrap_or(0);
        events(Event::Progress { stage: Stage::Store, done, total });
    }
    if cancel.is_cancelled() {
        return Ok(None);
    }
    let id = writer.commit().await.map_err(|e| e.to_string())?;
    let store_time = t.elapsed();
    report.seconds.embed = embed_time.as_secs_f64();
    report.seconds.store = store_time.as_secs_f64();
    Ok(Some(id))
}
