//! Any OpenAI-compatible `/v1/embeddings` endpoint (OpenAI, OpenRouter,
//! Ollama, vLLM, TEI). The API key is read from the environment variable
//! named in the config and is never stored in the database or logged.

use std::time::Duration;

use futures::future::BoxFuture;
use rand::Rng;
use serde::{Deserialize, Serialize};

use super::{EmbedError, EmbeddingProvider, TokenCounter};

/// Inputs per request (OpenAI allows 2048; smaller requests retry cheaper).
pub const MAX_INPUTS_PER_REQUEST: usize = 128;
/// Tokens per request (OpenAI allows 300k).
pub const MAX_TOKENS_PER_REQUEST: usize = 250_000;

#[derive(Debug, Clone)]
pub struct OpenAiSettings {
    /// e.g. `https://api.openai.com/v1` (the `/embeddings` path is appended).
    pub base_url: String,
    pub model: String,
    /// Value of the key, read from the environment by the caller.
    pub api_key: Option<String>,
    /// Ask the model for shorter vectors (text-embedding-3 supports it).
    pub dimensions: Option<usize>,
    /// The dimension the vectors will have.
    pub dim: usize,
    /// The most tokens one input may have.
    pub max_input_tokens: usize,
    pub timeout: Duration,
    pub max_retries: u32,
    /// First retry delay; doubles each attempt (plus jitter).
    pub backoff: Duration,
}

impl OpenAiSettings {
    pub fn new(base_url: &str, model: &str, dim: usize) -> OpenAiSettings {
        OpenAiSettings {
            base_url: base_url.trim_end_matches('/').to_string(),
            model: model.to_string(),
            api_key: None,
            dimensions: None,
            dim,
            max_input_tokens: 8191,
            timeout: Duration::from_secs(60),
            max_retries: 5,
            backoff: Duration::from_millis(500),
        }
    }
}

/// Known models: their native dimension.
pub fn native_dimension(model: &str) -> Option<usize> {
    match model.rsplit('/').next().unwrap_or(model) {
        "text-embedding-3-small" | "text-embedding-ada-002" => Some(1536),
        "text-embedding-3-large" => Some(3072),
        _ => None,
    }
}

pub struct OpenAiProvider {
    settings: OpenAiSettings,
    client: reqwest::Client,
    counter: TokenCounter,
}

#[derive(Serialize)]
struct Request<'a> {
    model: &'a str,
    input: &'a [String],
    encoding_format: &'static str,
    #[serde(skip_serializing_if = "Option::is_none")]
    dimensions: Option<usize>,
}

#[derive(Deserialize)]
struct Response {
    data: Vec<Item>,
}

#[derive(Deserialize)]
struct Item {
    embedding: Vec<f32>,
    index: usize,
}

fn install_crypto_provider() {
    // reqwest is built without a bundled provider; use ring (as sqlx does).
    let _ = rustls::crypto::ring::default_provider().install_default();
}

impl OpenAiProvider {
    pub fn new(settings: OpenAiSettings) -> Result<OpenAiProvider, EmbedError> {
        install_crypto_provider();
        let client = reqwest::Client::builder()
            .timeout(settings.timeout)
            .connect_timeout(Duration::from_secs(10))
            .user_agent(concat!("ragdesk/", env!("CARGO_PKG_VERSION")))
            .build()
            .map_err(|e| EmbedError::Network(e.to_string()))?;
        Ok(OpenAiProvider { settings, client, counter: TokenCounter::cl100k() })
    }

    /// Splits inputs into requests within the API's limits.
    fn batches<'a>(&self, texts: &'a [String]) -> Vec<&'a [String]> {
        let mut out = Vec::new();
        let mut start = 0;
        let mut tokens = 0;
        for (i, t) in texts.iter().enumerate() {
            let n = self.counter.count(t);
            if i > start && (i - start >= MAX_INPUTS_PER_REQUEST || tokens + n > MAX_TOKENS_PER_REQUEST) {
                out.push(&texts[start..i]);
                start = i;
                tokens = 0;
            }
            tokens += n;
        }
        if start < texts.len() {
            out.push(&texts[start..]);
        }
        out
    }

    async fn request(&self, batch: &[String]) -> Result<Vec<Vec<f32>>, EmbedError> {
        let url = format!("{}/embeddings", self.settings.base_url);
        let body = Request {
            model: &self.settings.model,
            input: batch,
            encoding_format: "float",
            dimensions: self.settings.dimensions,
        };
        let mut attempt = 0;
        loop {
            let mut req = self.client.post(&url).json(&body);
            if let Some(key) = &self.settings.api_key {
                req = req.bearer_auth(key);
            }
            let (retry_after, err) = match req.send().await {
                Err(e) => (None, EmbedError::Network(without_url(&e))),
                Ok(resp) => {
                    let status = resp.status().as_u16();
                    let retry_after = resp
                        .headers()
                        .get(reqwest::header::RETRY_AFTER)
                        .and_then(|v| v.to_str().ok())
                        .and_then(|v| v.trim().parse::<f64>().ok())
                        .map(|s| Duration::from_secs_f64(s.clamp(0.0, 120.0)));
                    if resp.status().is_success() {
                        let parsed: Response = resp
                            .json()
                            .await
                            .map_err(|e| EmbedError::BadRequest(format!("unreadable response: {}", without_url(&e))))?;
                        return self.check(parsed, batch.len());
                    }
                    let text = resp.text().await.unwrap_or_default();
                    let message = api_message(&text);
                    match status {
                        401 | 403 => return Err(EmbedError::Unauthorized(format!("{status}: {message}"))),
                        400 | 404 | 413 | 422 => return Err(EmbedError::BadRequest(format!("{status}: {message}"))),
                        _ => (retry_after, EmbedError::Http { status, message }),
                    }
                }
            };
            let retryable = matches!(&err, EmbedError::Network(_))
                || matches!(&err, EmbedError::Http { status, .. } if *status == 429 || *status >= 500);
            if !retryable || attempt >= self.settings.max_retries {
                return Err(err);
            }
            let backoff = self.settings.backoff * 2u32.pow(attempt);
            let jitter = backoff.mul_f64(rand::rng().random_range(0.0..0.5));
            let wait = retry_after.unwrap_or(backoff + jitter);
            tracing::warn!(attempt, ?wait, "embedding request failed, retrying: {err}");
            tokio::time::sleep(wait).await;
            attempt += 1;
        }
    }

    fn check(&self, mut r: Response, expected: usize) -> Result<Vec<Vec<f32>>, EmbedError> {
        if r.data.len() != expected {
            return Err(EmbedError::BadRequest(format!("asked for {expected} embeddings, got {}", r.data.len())));
        }
        r.data.sort_by_key(|d| d.index);
        let mut out = Vec::with_capacity(expected);
        for mut d in r.data {
            if d.embedding.len() != self.settings.dim {
                return Err(EmbedError::Dimension { expected: self.settings.dim, got: d.embedding.len() });
            }
            super::l2_normalize(&mut d.embedding);
            out.push(d.embedding);
        }
        Ok(out)
    }
}

/// reqwest errors carry the URL; ours may contain credentials in userinfo.
fn without_url(e: &reqwest::Error) -> String {
    let s = e.to_string();
    match e.url() {
        Some(u) => s.replace(u.as_str(), "<endpoint>"),
        None => s,
    }
}

/// The `error.message` of an OpenAI-style error body, else the body itself.
fn api_message(body: &str) -> String {
    serde_json::from_str::<serde_json::Value>(body)
        .ok()
        .and_then(|v| v.pointer("/error/message").and_then(|m| m.as_str()).map(str::to_string))
        .unwrap_or_else(|| body.chars().take(300).collect())
}

impl EmbeddingProvider for OpenAiProvider {
    fn provider(&self) -> &'static str {
        "openai"
    }
    fn model(&self) -> &str {
        &self.settings.model
    }
    fn dimension(&self) -> usize {
        self.settings.dim
    }
    fn max_input_tokens(&self) -> usize {
        self.settings.max_input_tokens
    }
    fn tokens(&self) -> TokenCounter {
        self.counter.clone()
    }
    fn embed<'a>(&'a self, texts: &'a [String]) -> BoxFuture<'a, Result<Vec<Vec<f32>>, EmbedError>> {
        Box::pin(async move {
            let mut out = Vec::with_capacity(texts.len());
            for batch in self.batches(texts) {
                out.extend(self.request(batch).await?);
            }
            Ok(out)
        })
    }
}
