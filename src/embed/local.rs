//! all-MiniLM-L6-v2 in-process, loaded from a sentence-transformers
//! directory, on one of two engines:
//! - ONNX Runtime (the default where installed): the model's graph
//!   (`model.onnx`, built from its safetensors by
//!   `scripts/lib/minilm_onnx.py`) run by the `libonnxruntime.so` of PyPI's
//!   onnxruntime wheel, loaded at run time from `onnxruntime/` in the model
//!   directory (or `RAGDESK_ORT_DYLIB`); both put there by
//!   `scripts/lib/provision.sh`.
//! - candle (pure Rust): the fallback when ONNX Runtime is not installed.
//!
//! `RAGDESK_EMBED_BACKEND=candle|onnx` forces one. Both reproduce
//! sentence-transformers: batch-longest padding, truncation at 256 tokens,
//! mean pooling over the attention mask, L2 normalisation.

use std::path::{Path, PathBuf};
use std::sync::Arc;

use candle_core::{DType, Device, Tensor};
use candle_nn::VarBuilder;
use candle_transformers::models::bert::{BertModel, Config, DTYPE};
use futures::future::BoxFuture;
use tokenizers::{PaddingParams, PaddingStrategy, Tokenizer, TruncationParams};

use super::{EmbedError, EmbeddingProvider, LOCAL_DIM, LOCAL_MODEL, TokenCounter};

/// sentence-transformers' max_seq_length for this model (word pieces,
/// special tokens included).
pub const MAX_SEQ_LEN: usize = 256;
/// Inputs per forward pass. Measured in a release build on 2 cores, chunks
/// sorted by length: on the demo corpus's 114-token chunks (`ragdesk-bench
/// --embed --embed-batch N`, each in a process of its own) 8 → 3,893
/// tokens/s at 192 MB peak, 16 → 4,400 at 265 MB, 32 → 4,235 at 392 MB; but
/// on 196-token chunks (`--ingest`) 16 was slower than 8 (3,491 against
/// 3,915 tokens/s) and took 631 MB against 492. No size wins on both within
/// this machine's noise (~10%), so the smaller memory stays.
pub const BATCH: usize = 8;

pub const REQUIRED_FILES: &[&str] = &["config.json", "tokenizer.json", "model.safetensors", "1_Pooling/config.json"];

pub struct LocalModel {
    engine: Engine,
    tokenizer: Tokenizer,
}

enum Engine {
    Candle {
        model: BertModel,
        device: Device,
    },
    /// `run` needs the session mutably; batches run one at a time anyway
    /// (each uses both cores).
    Onnx(std::sync::Mutex<ort::session::Session>),
}

/// Which engine runs the model.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum EngineKind {
    Candle,
    Onnx,
}

impl EngineKind {
    pub fn name(self) -> &'static str {
        match self {
            EngineKind::Candle => "candle",
            EngineKind::Onnx => "onnx",
        }
    }
}

/// Inputs per forward pass through ONNX Runtime. Measured in a release
/// build on 2 cores, the demo corpus's 118-token chunks sorted by length
/// (`ragdesk-bench --embed`): 8 → 14,255 tokens/s, 16 → 13,290, 32 →
/// 11,651, 64 → 9,696. Smaller batches pad less and stay in cache.
pub const ONNX_BATCH: usize = 8;

/// Where the ONNX Runtime library is looked for.
pub fn onnx_runtime_library(dir: &Path) -> PathBuf {
    std::env::var_os("RAGDESK_ORT_DYLIB")
        .filter(|v| !v.is_empty())
        .map(PathBuf::from)
        .unwrap_or_else(|| dir.join("onnxruntime").join("libonnxruntime.so"))
}

/// The process's ONNX Runtime environment: the library is loaded once.
fn onnx_environment(library: &Path) -> Result<ort::environment::Environment, EmbedError> {
    static ENV: std::sync::OnceLock<Result<ort::environment::Environment, String>> = std::sync::OnceLock::new();
    ENV.get_or_init(|| {
        if !library.is_file() {
            return Err(format!("no ONNX Runtime library at {}", library.display()));
        }
        ort::init_from(library)
            .map_err(|e| format!("cannot load {}: {e}", library.display()))?
            .with_name("ragdesk")
            .build()
            .map_err(|e| e.to_string())
    })
    .clone()
    .map_err(EmbedError::Model)
}

fn onnx_session(dir: &Path) -> Result<ort::session::Session, EmbedError> {
    let graph = dir.join("model.onnx");
    if !graph.is_file() {
        return Err(EmbedError::Model(format!("no {} (scripts/lib/provision.sh builds it)", graph.display())));
    }
    let env = onnx_environment(&onnx_runtime_library(dir))?;
    let threads = std::thread::available_parallelism().map(|n| n.get()).unwrap_or(2);
    ort::session::Session::builder(&env)
        .map_err(model_err)?
        .with_optimization_level(ort::session::builder::GraphOptimizationLevel::Level3)
        .map_err(model_err)?
        .with_intra_threads(threads)
        .map_err(model_err)?
        .commit_from_file(&graph)
        .map_err(model_err)
}

fn model_err(e: impl std::fmt::Display) -> EmbedError {
    EmbedError::Model(e.to_string())
}

impl LocalModel {
    /// Loads the model on the engine `RAGDESK_EMBED_BACKEND` names, else
    /// ONNX Runtime where installed, else candle.
    pub fn load(dir: &Path) -> Result<LocalModel, EmbedError> {
        let wanted = match std::env::var("RAGDESK_EMBED_BACKEND").unwrap_or_default().as_str() {
            "candle" => Some(EngineKind::Candle),
            "onnx" => Some(EngineKind::Onnx),
            "" => None,
            other => {
                return Err(EmbedError::Model(format!("RAGDESK_EMBED_BACKEND={other}: use candle or onnx")));
            }
        };
        Self::load_on(dir, wanted)
    }

    /// Loads the model on `engine` (`None`: ONNX Runtime where installed,
    /// else candle).
    pub fn load_on(dir: &Path, engine: Option<EngineKind>) -> Result<LocalModel, EmbedError> {
        let missing: Vec<_> = REQUIRED_FILES.iter().filter(|f| !dir.join(f).is_file()).collect();
        if !missing.is_empty() {
            return Err(EmbedError::Model(format!(
                "{} is not a sentence-transformers directory of {LOCAL_MODEL} (missing {}); scripts/demo installs it",
                dir.display(),
                missing.iter().map(|s| s.to_string()).collect::<Vec<_>>().join(", ")
            )));
        }
        let pooling: serde_json::Value =
            serde_json::from_str(&std::fs::read_to_string(dir.join("1_Pooling/config.json")).map_err(model_err)?)
                .map_err(model_err)?;
        if pooling.get("pooling_mode_mean_tokens") != Some(&serde_json::Value::Bool(true)) {
            return Err(EmbedError::Model("only mean pooling is supported (1_Pooling/config.json)".into()));
        }
        let config: Config =
            serde_json::from_str(&std::fs::read_to_string(dir.join("config.json")).map_err(model_err)?)
                .map_err(model_err)?;
        let mut tokenizer = Tokenizer::from_file(dir.join("tokenizer.json")).map_err(model_err)?;
        // The shipped tokenizer.json pads and truncates to a fixed 128; the
        // reference pads to the longest input and truncates at 256.
        tokenizer.with_padding(Some(PaddingParams { strategy: PaddingStrategy::BatchLongest, ..Default::default() }));
        tokenizer
            .with_truncation(Some(TruncationParams { max_length: MAX_SEQ_LEN, ..Default::default() }))
            .map_err(model_err)?;
        let onnx = || -> Result<LocalModel, EmbedError> {
            let model = LocalModel {
                engine: Engine::Onnx(std::sync::Mutex::new(onnx_session(dir)?)),
                tokenizer: tokenizer.clone(),
            };
            // A graph that loads but does not run (another model's, or a
            // broken file) is found now, not at the first ingest.
            let probe = model.embed_batch(&["ragdesk".to_string()])?;
            if probe.first().map(Vec::len) != Some(LOCAL_DIM) {
                return Err(EmbedError::Model(format!(
                    "{} does not give {LOCAL_DIM}-d vectors",
                    dir.join("model.onnx").display()
                )));
            }
            Ok(model)
        };
        match engine {
            Some(EngineKind::Candle) => Ok(LocalModel { engine: Self::candle(dir, &config)?, tokenizer }),
            Some(EngineKind::Onnx) => onnx(),
            None => onnx().or_else(|e| {
                tracing::info!("local model on candle: {e}");
                Ok(LocalModel { engine: Self::candle(dir, &config)?, tokenizer: tokenizer.clone() })
            }),
        }
    }

    fn candle(dir: &Path, config: &Config) -> Result<Engine, EmbedError> {
        keep_freed_tensor_memory();
        let device = Device::Cpu;
        // SAFETY: the file is memory-mapped read-only and not modified while loaded.
        let vb = unsafe { VarBuilder::from_mmaped_safetensors(&[dir.join("model.safetensors")], DTYPE, &device) }
            .map_err(model_err)?;
        let model = BertModel::load(vb, config).map_err(model_err)?;
        Ok(Engine::Candle { model, device })
    }

    /// The engine this model runs on.
    pub fn engine(&self) -> EngineKind {
        match self.engine {
            Engine::Candle { .. } => EngineKind::Candle,
            Engine::Onnx(_) => EngineKind::Onnx,
        }
    }

    /// Inputs per forward pass on this engine.
    pub fn batch(&self) -> usize {
        match self.engine {
            Engine::Candle { .. } => BATCH,
            Engine::Onnx(_) => ONNX_BATCH,
        }
    }

    /// Embeds one batch (blocking, CPU-heavy: call off the async threads).
    pub fn embed_batch(&self, texts: &[String]) -> Result<Vec<Vec<f32>>, EmbedError> {
        if texts.is_empty() {
            return Ok(Vec::new());
        }
        let encodings = self.tokenizer.encode_batch(texts.to_vec(), true).map_err(model_err)?;
        let len = encodings[0].get_ids().len();
        let n = encodings.len();
        let mut ids = Vec::with_capacity(n * len);
        let mut mask = Vec::with_capacity(n * len);
        for e in &encodings {
            ids.extend(e.get_ids().iter().map(|&x| x as i64));
            mask.extend(e.get_attention_mask().iter().map(|&x| x as i64));
        }
        let mut rows = match &self.engine {
            Engine::Candle { model, device } => {
                let input_ids = Tensor::from_vec(ids, (n, len), device).map_err(model_err)?;
                let attention = Tensor::from_vec(mask, (n, len), device).map_err(model_err)?;
                let token_types = input_ids.zeros_like().map_err(model_err)?;
                let hidden = model.forward(&input_ids, &token_types, Some(&attention)).map_err(model_err)?;
                // Mean over real tokens only.
                let m = attention.to_dtype(DType::F32).map_err(model_err)?.unsqueeze(2).map_err(model_err)?;
                let summed = hidden.broadcast_mul(&m).and_then(|t| t.sum(1)).map_err(model_err)?;
                let counts = m.sum(1).map_err(model_err)?;
                let mean = summed.broadcast_div(&counts).map_err(model_err)?;
                mean.to_vec2().map_err(model_err)?
            }
            Engine::Onnx(session) => {
                let shape = [n as i64, len as i64];
                let input_ids = ort::value::Tensor::from_array((shape, ids)).map_err(model_err)?;
                let attention = ort::value::Tensor::from_array((shape, mask.clone())).map_err(model_err)?;
                let mut session =
                    session.lock().map_err(|_| EmbedError::Model("the model's session was poisoned".into()))?;
                let outputs = session
                    .run(ort::inputs!["input_ids" => input_ids, "attention_mask" => attention])
                    .map_err(model_err)?;
                let (out_shape, hidden) = outputs[0].try_extract_tensor::<f32>().map_err(model_err)?;
                let dim = *out_shape.last().unwrap_or(&0) as usize;
                if out_shape.len() != 3 || dim == 0 || hidden.len() != n * len * dim {
                    return Err(EmbedError::Model(format!("unexpected output shape {out_shape:?}")));
                }
                mean_pool(hidden, &mask, n, len, dim)
            }
        };
        for r in &mut rows {
            super::l2_normalize(r);
        }
        Ok(rows)
    }

    /// A tokenizer that counts whole texts (no truncation, no padding).
    pub fn counting_tokenizer(&self) -> Tokenizer {
        let mut t = self.tokenizer.clone();
        t.with_padding(None);
        let _ = t.with_truncation(None);
        t
    }
}

/// The mean of each input's hidden states over its real tokens (mask 1),
/// from `hidden` laid out [n, len, dim].
fn mean_pool(hidden: &[f32], mask: &[i64], n: usize, len: usize, dim: usize) -> Vec<Vec<f32>> {
    (0..n)
        .map(|b| {
            let mut sum = vec![0f32; dim];
            let mut count = 0f32;
            for t in 0..len {
                if mask[b * len + t] == 0 {
                    continue;
                }
                count += 1.0;
                let row = &hidden[(b * len + t) * dim..(b * len + t + 1) * dim];
                for (s, h) in sum.iter_mut().zip(row) {
                    *s += h;
                }
            }
            sum.iter_mut().for_each(|s| *s /= count.max(1.0));
            sum
        })
        .collect()
}

/// Indexes of `texts`, longest first (length in bytes stands in for tokens).
fn by_length(texts: &[String]) -> Vec<usize> {
    let mut order: Vec<usize> = (0..texts.len()).collect();
    order.sort_by_key(|&i| std::cmp::Reverse(texts[i].len()));
    order
}

/// Keeps glibc from returning tensor buffers to the kernel after each use.
/// Buffers above the mmap threshold (dynamic, from 128 KB) are fresh
/// mmaps, so every layer of a forward pass page-faults its outputs in again
/// (measured: a third of the CPU time in the kernel). The threshold goes to
/// glibc's maximum (32 MB; a batch of 8 keeps every tensor below it) and
/// freed heap is kept for reuse, so the process stays bounded by one
/// batch's activations.
fn keep_freed_tensor_memory() {
    #[cfg(all(target_os = "linux", target_env = "gnu"))]
    {
        static ONCE: std::sync::Once = std::sync::Once::new();
        ONCE.call_once(|| {
            // SAFETY: mallopt only changes allocator thresholds; it is
            // thread-safe in glibc and called once.
            let ok = unsafe {
                libc::mallopt(libc::M_MMAP_THRESHOLD, 32 << 20) == 1
                    && libc::mallopt(libc::M_TRIM_THRESHOLD, 256 << 20) == 1
                    && libc::mallopt(libc::M_TOP_PAD, 64 << 20) == 1
            };
            if !ok {
                tracing::warn!("mallopt refused the allocator settings for the local model");
            }
        });
    }
}

/// The `local` provider: the model shared behind an Arc, batches run on the
/// blocking pool so the async runtime (and the UI) never waits on them.
#[derive(Clone)]
pub struct LocalProvider {
    model: Arc<LocalModel>,
    counter: TokenCounter,
    pub dir: PathBuf,
}

impl LocalProvider {
    pub fn load(dir: &Path) -> Result<LocalProvider, EmbedError> {
        Ok(Self::with_model(LocalModel::load(dir)?, dir))
    }

    /// The provider of an already loaded model.
    pub fn with_model(model: LocalModel, dir: &Path) -> LocalProvider {
        let counter = TokenCounter::HuggingFace(Arc::new(model.counting_tokenizer()));
        LocalProvider { model: Arc::new(model), counter, dir: dir.to_path_buf() }
    }

    pub fn model(&self) -> &LocalModel {
        &self.model
    }
}

impl EmbeddingProvider for LocalProvider {
    fn provider(&self) -> &'static str {
        "local"
    }
    fn model(&self) -> &str {
        LOCAL_MODEL
    }
    fn dimension(&self) -> usize {
        LOCAL_DIM
    }
    fn max_input_tokens(&self) -> usize {
        // [CLS] and [SEP] take two of the 256 positions.
        MAX_SEQ_LEN - 2
    }
    fn tokens(&self) -> TokenCounter {
        self.counter.clone()
    }
    fn ingest_batch(&self) -> usize {
        // ~2 s of work on 2 cores (release build) at ~200 tokens a chunk: a
        // cancel or a progress update never waits longer than that.
        2 * self.model.batch()
    }
    fn embed<'a>(&'a self, texts: &'a [String]) -> BoxFuture<'a, Result<Vec<Vec<f32>>, EmbedError>> {
        Box::pin(async move {
            // Batches of similar lengths, as sentence-transformers does: a
            // batch is padded to its longest text, so mixing a 20-token
            // heading with 250-token paragraphs wastes most of the work.
            let order = by_length(texts);
            let mut out: Vec<Option<Vec<f32>>> = vec![None; texts.len()];
            for batch in order.chunks(self.model.batch()) {
                let model = self.model.clone();
                let inputs: Vec<String> = batch.iter().map(|&i| texts[i].clone()).collect();
                let vectors = tokio::task::spawn_blocking(move || model.embed_batch(&inputs))
                    .await
                    .map_err(|e| EmbedError::Model(format!("embedding task failed: {e}")))??;
                if vectors.len() != batch.len() {
                    return Err(EmbedError::Model(format!("{} vectors for {} texts", vectors.len(), batch.len())));
                }
                for (&i, v) in batch.iter().zip(vectors) {
                    out[i] = Some(v);
                }
            }
            Ok(out.into_iter().map(|v| v.expect("every text embedded")).collect())
        })
    }
}
