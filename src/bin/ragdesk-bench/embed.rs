//! `ragdesk-bench --embed`: the local model's throughput on the sample
//! corpus's chunks (~150 tokens), by way of running it, so the fastest is
//! chosen by measurement. No database needed.

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Instant;

use ragdesk::embed::local::LocalModel;
use ragdesk::ingest::ChunkSettings;

/// The chunks of the demo's sample corpus, as the demo makes them.
pub fn corpus_chunks(model: &LocalModel, limit: usize) -> Vec<String> {
    let counter = ragdesk::embed::TokenCounter::HuggingFace(Arc::new(model.counting_tokenizer()));
    let mut out = Vec::new();
    for dir in ["scripts/samples/hvac", "scripts/samples/dental"] {
        let mut files: Vec<_> =
            std::fs::read_dir(dir).expect("run from the repository").flatten().map(|e| e.path()).collect();
        files.sort();
        for f in files.iter().filter(|p| p.extension().is_some_and(|e| e == "md")) {
            let text = std::fs::read_to_string(f).unwrap();
            let plan = ragdesk::ingest::chunk::chunk(
                &text,
                true,
                ChunkSettings { tokens: 160, overlap: 0 },
                &counter,
                "all-MiniLM-L6-v2",
                254,
            )
            .unwrap();
            out.extend(plan.chunks.into_iter().map(|c| text[c.start..c.end].to_string()));
        }
    }
    out.truncate(limit);
    out
}

fn tokens(model: &LocalModel, texts: &[String]) -> usize {
    let t = model.counting_tokenizer();
    texts.iter().map(|s| t.encode(s.as_str(), true).unwrap().get_ids().len().min(256)).sum()
}

/// Embeds `texts` longest first in batches of `batch`, on `workers` threads
/// taking batches from one queue. Returns the seconds taken.
fn run(model: &Arc<LocalModel>, texts: &[String], batch: usize, workers: usize) -> f64 {
    run_in(model, texts, batch, workers, false)
}

/// Like `run`; `pools`: each worker inside a rayon pool of one thread of
/// its own, so candle's parallel matrix products stay on that worker.
fn run_in(model: &Arc<LocalModel>, texts: &[String], batch: usize, workers: usize, pools: bool) -> f64 {
    let mut order: Vec<usize> = (0..texts.len()).collect();
    order.sort_by_key(|&i| std::cmp::Reverse(texts[i].len()));
    let batches: Vec<Vec<String>> =
        order.chunks(batch).map(|b| b.iter().map(|&i| texts[i].clone()).collect()).collect();
    let next = AtomicUsize::new(0);
    let started = Instant::now();
    std::thread::scope(|s| {
        for _ in 0..workers {
            s.spawn(|| {
                let work = || loop {
                    let i = next.fetch_add(1, Ordering::Relaxed);
                    let Some(b) = batches.get(i) else { break };
                    model.embed_batch(b).unwrap();
                };
                if pools {
                    rayon::ThreadPoolBuilder::new().num_threads(1).build().unwrap().install(work);
                } else {
                    work();
                }
            });
        }
    });
    started.elapsed().as_secs_f64()
}

/// The peer in the same run: the same model files and texts through ONNX
/// Runtime (scripts/bench-peer), its vectors checked against the reference.
fn peer(
    python: &str,
    model_dir: &std::path::Path,
    texts: &[String],
    batch: usize,
) -> Result<serde_json::Value, String> {
    let file = std::env::temp_dir().join(format!("ragdesk-peer-texts-{}.json", std::process::id()));
    std::fs::write(&file, serde_json::to_string(texts).map_err(|e| e.to_string())?).map_err(|e| e.to_string())?;
    let out = std::process::Command::new(python)
        .arg("scripts/bench-peer/minilm_onnxruntime.py")
        .arg(model_dir)
        .arg(&file)
        .arg("tests/fixtures/minilm-reference.json")
        .args(["--batch", &batch.to_string(), "--threads", "2"])
        .output()
        .map_err(|e| format!("{python}: {e}"))?;
    let _ = std::fs::remove_file(&file);
    if !out.status.success() {
        return Err(String::from_utf8_lossy(&out.stderr).lines().last().unwrap_or("failed").to_string());
    }
    serde_json::from_slice(&out.stdout).map_err(|e| e.to_string())
}

pub fn bench(
    model_dir: &std::path::Path,
    limit: usize,
    only_batch: Option<usize>,
    peer_python: Option<&str>,
) -> color_eyre::eyre::Result<()> {
    use ragdesk::embed::local::{BATCH, EngineKind, ONNX_BATCH};
    let model = Arc::new(LocalModel::load(model_dir)?);
    let texts = corpus_chunks(&model, limit);
    let n_tokens = tokens(&model, &texts);
    println!("{} chunks, {} tokens ({:.0} a chunk)", texts.len(), n_tokens, n_tokens as f64 / texts.len() as f64);
    if let Some(batch) = only_batch {
        // One setting in a process of its own: its peak memory is its own.
        run(&model, &texts[..16.min(texts.len())], batch, 1);
        let s = run(&model, &texts, batch, 1);
        println!(
            "{} batch {batch}: {s:.2} s, {:.0} tokens/s, peak RSS {:.0} MB",
            model.engine().name(),
            n_tokens as f64 / s,
            super::peak_rss_mb()
        );
        return Ok(());
    }
    let onnx = LocalModel::load_on(model_dir, Some(EngineKind::Onnx)).map(Arc::new);
    let candle = Arc::new(LocalModel::load_on(model_dir, Some(EngineKind::Candle))?);
    let rate = |m: &Arc<LocalModel>, batch: usize| {
        run(m, &texts[..16.min(texts.len())], batch, 1);
        n_tokens as f64 / run(m, &texts, batch, 1)
    };
    if let Some(python) = peer_python {
        // Ours as it ships (ONNX Runtime, else candle) on both sides of the
        // peer, then the peer, then candle: one run, the same texts.
        // The peer at its usual batch (32, sentence-transformers' default)
        // and at ours; the ratio is against the faster of the two.
        let onnx_before = onnx.as_ref().ok().map(|m| rate(m, ONNX_BATCH));
        let peers: Vec<Result<serde_json::Value, String>> =
            [32, ONNX_BATCH].into_iter().map(|b| peer(python, model_dir, &texts, b)).collect();
        let onnx_after = onnx.as_ref().ok().map(|m| rate(m, ONNX_BATCH));
        let candle_rate = rate(&candle, BATCH);
        println!("| engine | tokens/s | vectors vs reference |");
        println!("|---|---|---|");
        if let (Some(a), Some(b)) = (onnx_before, onnx_after) {
            println!(
                "| ragdesk (ONNX Runtime in-process, batch {ONNX_BATCH}) | {:.0} (before the peers {a:.0}, after {b:.0}) | cosine ≥ 0.999 (tests/integration/embed.rs) |",
                (a + b) / 2.0
            );
        } else if let Err(e) = &onnx {
            println!("| ragdesk (ONNX Runtime) | not measured: {e} | |");
        }
        println!(
            "| ragdesk (candle, batch {BATCH}) | {candle_rate:.0} | cosine ≥ 0.999 (tests/integration/embed.rs) |"
        );
        let mut best = f64::NAN;
        for p in &peers {
            match p {
                Ok(p) => {
                    let peer_rate = p["tokens_per_s"].as_f64().unwrap_or(f64::NAN);
                    best = if best.is_nan() { peer_rate } else { best.max(peer_rate) };
                    println!(
                        "| {} (Python, batch {}, {} threads) | {peer_rate:.0} | min cosine {:.7} |",
                        p["engine"].as_str().unwrap_or("peer"),
                        p["batch"],
                        p["threads"],
                        p["min_cosine_vs_reference"].as_f64().unwrap_or(f64::NAN)
                    );
                }
                Err(e) => println!("| peer | not measured: {e} | |"),
            }
        }
        if let (Some(a), Some(b)) = (onnx_before, onnx_after) {
            println!("ragdesk (ONNX Runtime) / best peer: **{:.2}×**", (a + b) / 2.0 / best);
        }
        println!("ragdesk (candle) / best peer: {:.2}×", candle_rate / best);
        return Ok(());
    }
    if let Ok(onnx) = &onnx {
        println!("| ONNX Runtime: batch | tokens/s |");
        println!("|---|---|");
        for batch in [8, 16, 32, 64] {
            println!("| {batch} | {:.0} |", rate(onnx, batch));
        }
    }
    println!("| candle: threads for matmul | workers | batch | s | tokens/s |");
    println!("|---|---|---|---|---|");
    let model = candle;
    for batch in [16, 32, 64] {
        let s = run_in(&model, &texts, batch, 2, true);
        println!("| 1 (own pool) | 2 | {batch} | {s:.2} | {:.0} |", n_tokens as f64 / s);
    }
    for (threads, workers, batch) in [(2, 1, 8), (2, 1, 32), (1, 2, 32), (1, 2, 64)] {
        // candle reads RAYON_NUM_THREADS before every matrix product.
        // SAFETY: no other thread reads or writes the environment now.
        unsafe { std::env::set_var("RAYON_NUM_THREADS", threads.to_string()) };
        let s = run(&model, &texts, batch, workers);
        println!("| {threads} | {workers} | {batch} | {s:.2} | {:.0} |", n_tokens as f64 / s);
    }
    Ok(())
}

/// A question end to end as the Search tab asks it: embedded with the local
/// model, then searched through the HNSW index (k = 10), on the demo's
/// knowledge base `kb`. (embed, query, total) per run.
pub async fn query_end_to_end(
    db: &ragdesk::db::Db,
    model_dir: &std::path::Path,
    kb: &str,
    n: usize,
) -> color_eyre::eyre::Result<()> {
    use ragdesk::db::search::{Metric, Mode};
    use ragdesk::search::{Query, Request};
    let mut conn = db.acquire().await?;
    let kb = ragdesk::db::knowledge::KnowledgeLists::of(db).await?.find(&mut conn, kb, None).await?;
    drop(conn);
    let provider: ragdesk::embed::Provider = Arc::new(ragdesk::embed::local::LocalProvider::load(model_dir)?);
    let questions = [
        "what does E07 mean on the HP-40",
        "there is ice all over my outdoor unit",
        "how much does the Comfort Club cost",
        "water on the floor around my furnace",
    ];
    let mut embed = Vec::new();
    let mut query = Vec::new();
    let mut total = Vec::new();
    for i in 0..n + 1 {
        let req = Request {
            scope: ragdesk::search::Scope::Knowledge(kb.clone()),
            query: Query::Text(questions[i % questions.len()].into()),
            k: 10,
            metric: Metric::Cosine,
            threshold: None,
            mode: Mode::Approximate { ef_search: None, probes: None, iterative_scan: true },
            compare: false,
            hybrid: false,
            histogram: 0,
        };
        let o = ragdesk::search::run(db, Some(&provider), &req)
            .await
            .map_err(|e| color_eyre::eyre::eyre!(e.to_string()))?;
        if i > 0 {
            embed.push(o.embed_ms);
            query.push(o.query_ms);
            total.push(o.total_ms);
        }
    }
    let p = |v: &mut Vec<f64>, q: f64| {
        v.sort_by(f64::total_cmp);
        v[((v.len() - 1) as f64 * q).round() as usize]
    };
    println!("| a question, end to end ({} chunks, k = 10, HNSW) | p50 ms | p95 ms |", kb.chunk_count.label());
    println!("|---|---|---|");
    println!("| embed (local model) | {:.1} | {:.1} |", p(&mut embed, 0.5), p(&mut embed, 0.95));
    println!("| query (server) | {:.1} | {:.1} |", p(&mut query, 0.5), p(&mut query, 0.95));
    println!("| total | {:.1} | {:.1} |", p(&mut total, 0.5), p(&mut total, 0.95));
    Ok(())
}
