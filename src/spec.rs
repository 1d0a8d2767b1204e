//! Leaf types shared by the layers: how to chunk, which model made a
//! knowledge base's vectors, and how to reach an embedder. This module
//! imports nothing from the crate, so `db`, `ingest`, `embed` and `config`
//! can all use it without depending on each other.

use std::path::PathBuf;
use std::time::Duration;

/// Chunk size and overlap, in tokens of the knowledge base's model.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ChunkSettings {
    pub tokens: usize,
    pub overlap: usize,
}

impl Default for ChunkSettings {
    /// 250 tokens fit both models (all-MiniLM-L6-v2 reads 254), with a
    /// fifth of that as overlap.
    fn default() -> Self {
        ChunkSettings { tokens: 250, overlap: 50 }
    }
}

/// The model a knowledge base was built with.
#[derive(Debug, Clone, PartialEq)]
pub struct ModelSpec {
    pub provider: String,
    pub model: String,
    pub dim: usize,
}

/// What it takes to load an embedding provider, resolved from the config
/// (paths, environment) by the caller.
#[derive(Debug, Clone, PartialEq)]
pub struct EmbedderSettings {
    /// sentence-transformers directory of the local model.
    pub local_model_dir: PathBuf,
    pub openai: OpenAiEndpoint,
}

/// An OpenAI-compatible `/v1/embeddings` endpoint.
#[derive(Debug, Clone, PartialEq)]
pub struct OpenAiEndpoint {
    /// API root; `/embeddings` is appended.
    pub base_url: String,
    /// The environment variable holding the key (named in errors).
    pub api_key_env: String,
    /// The key itself, read from that variable (never logged).
    pub api_key: Option<String>,
    pub timeout: Duration,
    pub max_retries: u32,
}

/// The model that wrote another platform's vectors, as the config names
/// it for a layout (the dimension is the vector column's own).
#[derive(Debug, Clone, PartialEq)]
pub struct LayoutModel {
    pub provider: String,
    pub model: String,
    pub embedder: EmbedderSettings,
    /// Where the config names it (`[layout_models.domo]`), said with results.
    pub configured_at: String,
}
