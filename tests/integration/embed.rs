//! Embedding providers: the local model against reference vectors, and the
//! OpenAI-compatible client against a local server speaking the protocol.

use std::time::Duration;

use ragdesk::embed::openai::{OpenAiProvider, OpenAiSettings};
use ragdesk::embed::{EmbedError, EmbeddingProvider, cosine};

pub fn model_dir() -> std::path::PathBuf {
    std::env::var_os("RAGDESK_MODEL_DIR")
        .map(Into::into)
        .expect("RAGDESK_MODEL_DIR is not set: run the suite with scripts/test (it installs the model)")
}

#[tokio::test]
async fn local_model_reproduces_sentence_transformers() {
    let reference: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string("tests/fixtures/minilm-reference.json").unwrap()).unwrap();
    let items = reference["items"].as_array().unwrap();
    assert_eq!(items.len(), 5);
    let texts: Vec<String> = items.iter().map(|i| i["text"].as_str().unwrap().to_string()).collect();
    // Both engines: ONNX Runtime (installed by scripts/test) and candle.
    use ragdesk::embed::local::{EngineKind, LocalModel, LocalProvider};
    for engine in [EngineKind::Onnx, EngineKind::Candle] {
        let model = LocalModel::load_on(&model_dir(), Some(engine)).unwrap();
        assert_eq!(model.engine(), engine);
        let provider = LocalProvider::with_model(model, &model_dir());
        assert_eq!((provider.dimension(), provider.max_input_tokens()), (384, 254));
        // All five in one batch: padding to the longest must not change results.
        let got = provider.embed(&texts).await.unwrap();
        for (item, v) in items.iter().zip(&got) {
            let want: Vec<f32> =
                item["embedding"].as_array().unwrap().iter().map(|x| x.as_f64().unwrap() as f32).collect();
            let c = cosine(&want, v);
            assert!(c >= 0.999, "cosine {c} for {:?}", item["text"]);
            let norm: f32 = v.iter().map(|x| x * x).sum::<f32>().sqrt();
            assert!((norm - 1.0).abs() < 1e-4);
        }
        // One at a time gives the same vectors.
        let single = provider.embed(&texts[..1]).await.unwrap();
        assert!(cosine(&single[0], &got[0]) > 0.99999);
    }
}

#[tokio::test]
async fn local_model_is_refused_for_a_missing_directory() {
    let err = ragdesk::embed::local::LocalProvider::load(std::path::Path::new("/nonexistent")).err().unwrap();
    assert!(err.to_string().contains("missing") && err.to_string().contains("scripts/demo"), "{err}");
}

use crate::support::mock_server;

/// An OpenAI-style success body: vector i is [i+1, 1, 0, ...] of `dim`,
/// listed in reverse order (the client must sort by index).
fn embeddings_body(inputs: usize, dim: usize) -> String {
    let data: Vec<serde_json::Value> = (0..inputs)
        .rev()
        .map(|i| {
            let mut v = vec![0.0f32; dim];
            v[0] = (i + 1) as f32;
            v[1] = 1.0;
            serde_json::json!({"object": "embedding", "index": i, "embedding": v})
        })
        .collect();
    serde_json::json!({"object": "list", "data": data, "model": "m", "usage": {"prompt_tokens": 1, "total_tokens": 1}})
        .to_string()
}

fn inputs(body: &serde_json::Value) -> usize {
    body["input"].as_array().map(|a| a.len()).unwrap_or(0)
}

fn provider(base: &str, dim: usize) -> OpenAiProvider {
    let mut s = OpenAiSettings::new(base, "text-embedding-3-small", dim);
    s.api_key = Some("sk-test-123".into());
    s.backoff = Duration::from_millis(10);
    s.max_retries = 3;
    OpenAiProvider::new(s).unwrap()
}

fn texts(n: usize) -> Vec<String> {
    (0..n).map(|i| format!("text number {i}")).collect()
}

#[tokio::test]
async fn openai_request_shape_batching_and_order() {
    let (base, seen) = mock_server(|_, req| (200, vec![], embeddings_body(inputs(&req.body), 8))).await;
    let mut s = OpenAiSettings::new(&base, "text-embedding-3-small", 8);
    s.api_key = Some("sk-test-123".into());
    s.dimensions = Some(8);
    let p = OpenAiProvider::new(s).unwrap();
    let out = p.embed(&texts(300)).await.unwrap();
    assert_eq!(out.len(), 300);
    // Order follows the inputs even though the server listed them reversed.
    let first_of_batch = |v: &Vec<f32>| (v[0] / v[1]).round() as usize;
    assert_eq!(first_of_batch(&out[0]), 1);
    assert_eq!(first_of_batch(&out[127]), 128);
    assert_eq!(first_of_batch(&out[128]), 1, "second request starts again at index 0");
    assert!(out.iter().all(|v| (v.iter().map(|x| x * x).sum::<f32>().sqrt() - 1.0).abs() < 1e-5), "normalised");
    let seen = seen.lock().unwrap();
    assert_eq!(seen.iter().map(|r| inputs(&r.body)).collect::<Vec<_>>(), vec![128, 128, 44]);
    for r in seen.iter() {
        assert_eq!(r.path, "/v1/embeddings");
        assert_eq!(r.auth.as_deref(), Some("Bearer sk-test-123"));
        assert_eq!(r.body["model"], "text-embedding-3-small");
        assert_eq!(r.body["encoding_format"], "float");
        assert_eq!(r.body["dimensions"], 8);
    }
    assert_eq!(seen[0].body["input"][5], "text number 5");
}

#[tokio::test]
async fn openai_retries_429_and_5xx_honouring_retry_after() {
    let (base, seen) = mock_server(|n, req| match n {
        0 => (429, vec![("retry-after".into(), "0.05".into())], r#"{"error":{"message":"rate limited"}}"#.into()),
        1 => (503, vec![], "upstream down".into()),
        _ => (200, vec![], embeddings_body(inputs(&req.body), 4)),
    })
    .await;
    let started = std::time::Instant::now();
    let out = provider(&base, 4).embed(&texts(3)).await.unwrap();
    assert_eq!(out.len(), 3);
    assert_eq!(seen.lock().unwrap().len(), 3, "429, 503, then success");
    assert!(started.elapsed() >= Duration::from_millis(50), "waited for Retry-After");

    // Retries run out: the last error is reported.
    let (base, seen) = mock_server(|_, _| (500, vec![], r#"{"error":{"message":"boom"}}"#.into())).await;
    let err = provider(&base, 4).embed(&texts(1)).await.unwrap_err();
    assert!(matches!(&err, EmbedError::Http { status: 500, message } if message == "boom"), "{err}");
    assert_eq!(seen.lock().unwrap().len(), 4, "one try and three retries");
}

#[tokio::test]
async fn openai_maps_401_400_and_bad_dimensions_without_retrying() {
    let (base, seen) =
        mock_server(|_, _| (401, vec![], r#"{"error":{"message":"Incorrect API key provided"}}"#.into())).await;
    let err = provider(&base, 4).embed(&texts(1)).await.unwrap_err();
    assert!(matches!(err, EmbedError::Unauthorized(_)), "{err}");
    assert!(err.to_string().contains("Incorrect API key") && !err.to_string().contains("sk-test-123"), "{err}");
    assert_eq!(seen.lock().unwrap().len(), 1);

    let (base, seen) = mock_server(|_, _| (400, vec![], r#"{"error":{"message":"input too long"}}"#.into())).await;
    let err = provider(&base, 4).embed(&texts(1)).await.unwrap_err();
    assert!(matches!(&err, EmbedError::BadRequest(m) if m.contains("input too long")), "{err}");
    assert_eq!(seen.lock().unwrap().len(), 1);

    let (base, _) = mock_server(|_, req| (200, vec![], embeddings_body(inputs(&req.body), 6))).await;
    let err = provider(&base, 4).embed(&texts(2)).await.unwrap_err();
    assert!(matches!(err, EmbedError::Dimension { expected: 4, got: 6 }), "{err}");

    // Nothing listens: a clear network error after the retries.
    let err = provider("http://127.0.0.1:1/v1", 4).embed(&texts(1)).await.unwrap_err();
    assert!(matches!(err, EmbedError::Network(_)), "{err}");
}
