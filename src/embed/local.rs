//! all-MiniLM-L6-v2 in-process with candle (pure Rust, CPU), loaded from a
//! sentence-transformers directory. Reproduces sentence-transformers:
//! batch-longest padding, truncation at 256 tokens, mean pooling over the
//! attention mask, L2 normalisation.

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
    model: BertModel,
    tokenizer: Tokenizer,
    device: Device,
}

fn model_err(e: impl std::fmt::Display) -> EmbedError {
    EmbedError::Model(e.to_string())
}

impl LocalModel {
    pub fn load(dir: &Path) -> Result<LocalModel, EmbedError> {
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
        keep_freed_tensor_memory();
        let device = Device::Cpu;
        // SAFETY: the file is memory-mapped read-only and not modified while loaded.
        let vb = unsafe { VarBuilder::from_mmaped_safetensors(&[dir.join("model.safetensors")], DTYPE, &device) }
            .map_err(model_err)?;
        let model = BertModel::load(vb, &config).map_err(model_err)?;
        let mut tokenizer = Tokenizer::from_file(dir.join("tokenizer.json")).map_err(model_err)?;
        // The shipped tokenizer.json pads and truncates to a fixed 128; the
        // reference pads to the longest input and truncates at 256.
        tokenizer.with_padding(Some(PaddingParams { strategy: PaddingStrategy::BatchLongest, ..Default::default() }));
        tokenizer
            .with_truncation(Some(TruncationParams { max_length: MAX_SEQ_LEN, ..Default::default() }))
            .map_err(model_err)?;
        Ok(LocalModel { model, tokenizer, device })
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
        let input_ids = Tensor::from_vec(ids, (n, len), &self.device).map_err(model_err)?;
        let attention = Tensor::from_vec(mask, (n, len), &self.device).map_err(model_err)?;
        let token_types = input_ids.zeros_like().map_err(model_err)?;
        let hidden = self.model.forward(&input_ids, &token_types, Some(&attention)).map_err(model_err)?;
        // Mean over real tokens only.
        let m = attention.to_dtype(DType::F32).map_err(model_err)?.unsqueeze(2).map_err(model_err)?;
        let summed = hidden.broadcast_mul(&m).and_then(|t| t.sum(1)).map_err(model_err)?;
        let counts = m.sum(1).map_err(model_err)?;
        let mean = summed.broadcast_div(&counts).map_err(model_err)?;
        let mut rows: Vec<Vec<f32>> = mean.to_vec2().map_err(model_err)?;
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
        let model = LocalModel::load(dir)?;
        let counter = TokenCounter::HuggingFace(Arc::new(model.counting_tokenizer()));
        Ok(LocalProvider { model: Arc::new(model), counter, dir: dir.to_path_buf() })
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
        2 * BATCH
    }
    fn embed<'a>(&'a self, texts: &'a [String]) -> BoxFuture<'a, Result<Vec<Vec<f32>>, EmbedError>> {
        Box::pin(async move {
            // Batches of similar lengths, as sentence-transformers does: a
            // batch is padded to its longest text, so mixing a 20-token
            // heading with 250-token paragraphs wastes most of the work.
            let order = by_length(texts);
            let mut out: Vec<Option<Vec<f32>>> = vec![None; texts.len()];
            for batch in order.chunks(BATCH) {
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
