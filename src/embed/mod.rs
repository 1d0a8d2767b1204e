//! Embedding providers behind one trait: `local` (all-MiniLM-L6-v2 run
//! in-process with candle) and `openai` (any OpenAI-compatible
//! `/v1/embeddings` endpoint). A knowledge base records which one made its
//! vectors; ingest and queries must use the same model.

pub mod local;
pub mod openai;
mod tokens;

use std::sync::Arc;

use futures::future::BoxFuture;

pub use tokens::TokenCounter;

pub const LOCAL_MODEL: &str = "all-MiniLM-L6-v2";
pub const LOCAL_DIM: usize = 384;

#[derive(Debug, thiserror::Error)]
pub enum EmbedError {
    #[error("embedding model: {0}")]
    Model(String),
    #[error(
        "embedding API rejected the API key ({0}); check the environment variable named in embedding.openai.api_key_env"
    )]
    Unauthorized(String),
    #[error("embedding API rejected the request: {0}")]
    BadRequest(String),
    #[error("embedding API error {status}: {message}")]
    Http { status: u16, message: String },
    #[error("embedding API unreachable: {0}")]
    Network(String),
    #[error("the model returned {got}-dimensional vectors, the knowledge base stores {expected}")]
    Dimension { expected: usize, got: usize },
    #[error("{0}")]
    Mismatch(String),
}

/// What every provider offers. Object-safe, so a knowledge base can pick one
/// at run time.
pub trait EmbeddingProvider: Send + Sync {
    /// `local` or `openai`, as recorded on knowledge bases.
    fn provider(&self) -> &'static str;
    fn model(&self) -> &str;
    fn dimension(&self) -> usize;
    /// The most tokens the model reads from one input (special tokens
    /// excluded): chunks must not be longer, or the model silently drops the rest.
    fn max_input_tokens(&self) -> usize;
    /// Counts tokens the way this model does (for chunk sizes).
    fn tokens(&self) -> TokenCounter;
    /// Chunks ingest embeds and stores at a time. Between two such batches a
    /// cancel takes effect and progress is reported, so a slow provider
    /// wants them small; an HTTP one wants fewer, larger requests.
    fn ingest_batch(&self) -> usize {
        64
    }
    /// Embeds `texts` in order; one vector each, L2-normalised.
    fn embed<'a>(&'a self, texts: &'a [String]) -> BoxFuture<'a, Result<Vec<Vec<f32>>, EmbedError>>;
}

pub type Provider = Arc<dyn EmbeddingProvider>;

use crate::spec::EmbedderSettings;
pub use crate::spec::ModelSpec;

/// Refuses to mix models: a knowledge base is searched and extended only
/// with the model that made its vectors.
pub fn ensure_same_model(kb: &ModelSpec, p: &dyn EmbeddingProvider) -> Result<(), EmbedError> {
    if kb.provider != p.provider() || kb.model != p.model() || kb.dim != p.dimension() {
        return Err(EmbedError::Mismatch(format!(
            "this knowledge base was built with {}:{} ({}-d); refusing to use {}:{} ({}-d), whose vectors are not comparable",
            kb.provider,
            kb.model,
            kb.dim,
            p.provider(),
            p.model(),
            p.dimension()
        )));
    }
    Ok(())
}

pub fn l2_normalize(v: &mut [f32]) {
    let norm = v.iter().map(|x| x * x).sum::<f32>().sqrt();
    if norm > 0.0 {
        for x in v.iter_mut() {
            *x /= norm;
        }
    }
}

pub fn cosine(a: &[f32], b: &[f32]) -> f32 {
    let dot: f32 = a.iter().zip(b).map(|(x, y)| x * y).sum();
    let na = a.iter().map(|x| x * x).sum::<f32>().sqrt();
    let nb = b.iter().map(|x| x * x).sum::<f32>().sqrt();
    dot / (na * nb).max(f32::MIN_POSITIVE)
}

/// Builds the provider a knowledge base records.
pub fn provider_for(spec: &ModelSpec, cfg: &EmbedderSettings) -> Result<Provider, EmbedError> {
    match spec.provider.as_str() {
        "local" if spec.dim <= LOCAL_DIM => {
            if spec.model != LOCAL_MODEL || spec.dim != LOCAL_DIM {
                return Err(EmbedError::Mismatch(format!(
                    "the local provider runs {LOCAL_MODEL} ({LOCAL_DIM}-d), not {} ({}-d)",
                    spec.model, spec.dim
                )));
            }
            Ok(Arc::new(local::LocalProvider::load(&cfg.local_model_dir)?))
        }
        // Our model's vectors in a wider column (another platform's 1536-d
        // one, filled by `seed --layout`): zero-padded, see `Padded`.
        "local" if spec.model == LOCAL_MODEL && spec.dim > LOCAL_DIM => {
            Ok(Arc::new(Padded { inner: Arc::new(local::LocalProvider::load(&cfg.local_model_dir)?), dim: spec.dim }))
        }
        "openai" => {
            let mut s = openai::OpenAiSettings::new(&cfg.openai.base_url, &spec.model, spec.dim);
            s.api_key = cfg.openai.api_key.clone();
            if s.api_key.is_none() && cfg.openai.base_url.contains("api.openai.com") {
                return Err(EmbedError::Unauthorized(format!("no API key: set ${}", cfg.openai.api_key_env)));
            }
            // Ask for shorter vectors only when they differ from the model's own.
            s.dimensions = match openai::native_dimension(&spec.model) {
                Some(native) if native != spec.dim => Some(spec.dim),
                _ => None,
            };
            s.timeout = cfg.openai.timeout;
            s.max_retries = cfg.openai.max_retries;
            Ok(Arc::new(openai::OpenAiProvider::new(s)?))
        }
        "local" => Err(EmbedError::Mismatch(format!(
            "the local provider runs {LOCAL_MODEL} ({LOCAL_DIM}-d, or zero-padded wider), not {}",
            spec.model
        ))),
        other => Err(EmbedError::Mismatch(format!("unknown embedding provider '{other}' (local, openai)"))),
    }
}

/// A provider's vectors zero-padded to a wider dimension. Padding changes
/// no dot product and no norm, so cosine and inner-product rankings over
/// padded vectors are exactly the originals': our 384-d model can fill
/// (and query) another platform's 1536-d column, labelled as such.
pub struct Padded {
    pub inner: Provider,
    pub dim: usize,
}

impl EmbeddingProvider for Padded {
    fn provider(&self) -> &'static str {
        self.inner.provider()
    }
    fn model(&self) -> &str {
        self.inner.model()
    }
    fn dimension(&self) -> usize {
        self.dim
    }
    fn max_input_tokens(&self) -> usize {
        self.inner.max_input_tokens()
    }
    fn tokens(&self) -> TokenCounter {
        self.inner.tokens()
    }
    fn ingest_batch(&self) -> usize {
        self.inner.ingest_batch()
    }
    fn embed<'a>(&'a self, texts: &'a [String]) -> BoxFuture<'a, Result<Vec<Vec<f32>>, EmbedError>> {
        Box::pin(async move {
            let mut vectors = self.inner.embed(texts).await?;
            for v in &mut vectors {
                v.resize(self.dim, 0.0);
            }
            Ok(vectors)
        })
    }
}
