//! `--layout-search N`: the Search tab's search on another platform's
//! vectors at scale, through its layout. Loads N chunks into 001's
//! `knowledge_chunks` under one demo (1536-d: clustered 384-d unit vectors
//! zero-padded, as `ragdesk --layout domo seed` pads the local model's),
//! builds the platform's own ivfflat index on them (its DDL's `lists =
//! 100`), then runs the same queries through `search::run_with_vector`
//! exactly and at several `ivfflat.probes`, and reports p50/p95 latency
//! and recall@10 against the exact result, and the ratio to it.
//!
//! The database must hold 001's schema, seeded (`ragdesk --layout domo
//! seed`). The rows the benchmark adds are marked `source = 'ragdesk-bench'`
//! and replaced on each run; the index is rebuilt as the DDL has it.

use std::time::Instant;

use color_eyre::eyre::{Result, eyre};
use pgvector::Vector;
use ragdesk::db::Db;
use ragdesk::db::mapped::Mapped;
use ragdesk::db::search::{Metric, Mode};
use ragdesk::schema::Kind;
use ragdesk::search::{LayoutScope, Query, Request, Scope};
use rand::SeedableRng;

use super::search::{QUERIES, batches, near, pct, unit};

const K: u32 = 10;
/// The column's dimension (001's `vector(1536)`) and the model's.
const COLUMN_DIM: usize = 1536;

/// Where the benchmark's vectors come from.
pub enum Vectors {
    /// Clustered 384-d unit vectors (`n / 100` topics).
    Synthetic,
    /// The local model's embeddings of real prose: the documentation under
    /// this directory (Markdown paragraphs and Rust doc comments, as
    /// crates ship them); the questions are held-out paragraphs' first
    /// sentences.
    Real { corpus: std::path::PathBuf, model: std::path::PathBuf },
}

/// Paragraphs of real documentation under `dir`, in a stable order:
/// Markdown paragraphs and the doc comments (`///`, `//!`) of Rust
/// sources, joined by block, whitespace folded, 200 to 600 characters
/// (cut at a word), each once.
fn prose(dir: &std::path::Path, want: usize) -> Vec<String> {
    fn walk(dir: &std::path::Path, out: &mut Vec<std::path::PathBuf>) {
        let Ok(entries) = std::fs::read_dir(dir) else { return };
        let mut paths: Vec<_> = entries.flatten().map(|e| e.path()).collect();
        paths.sort();
        for p in paths {
            if p.is_dir() {
                walk(&p, out);
            } else if p.extension().is_some_and(|e| e == "md" || e == "rs") {
                out.push(p);
            }
        }
    }
    let mut files = Vec::new();
    walk(dir, &mut files);
    let mut seen = std::collections::HashSet::new();
    let mut out = Vec::new();
    let mut keep = |block: &str, out: &mut Vec<String>| {
        let text: String = block.split_whitespace().collect::<Vec<_>>().join(" ");
        if text.len() < 200 || text.contains("```") || !text.chars().next().is_some_and(char::is_alphabetic) {
            return;
        }
        let mut end = text.len().min(600);
        while !text.is_char_boundary(end) {
            end -= 1;
        }
        let cut = if end < text.len() { text[..end].rsplit_once(' ').map_or(&text[..end], |(a, _)| a) } else { &text };
        if seen.insert(cut.to_string()) {
            out.push(cut.to_string());
        }
    };
    for f in files {
        let Ok(source) = std::fs::read_to_string(&f) else { continue };
        let rust = f.extension().is_some_and(|e| e == "rs");
        let mut block = String::new();
        for line in source.lines() {
            let line = line.trim();
            let text = if rust {
                line.strip_prefix("///").or_else(|| line.strip_prefix("//!")).map(str::trim)
            } else {
                Some(line)
            };
            match text {
                Some(t) if !t.is_empty() && !t.starts_with('#') && !t.starts_with('|') => {
                    block.push(' ');
                    block.push_str(t);
                }
                _ => {
                    keep(&block, &mut out);
                    block.clear();
                }
            }
        }
        keep(&block, &mut out);
        if out.len() >= want {
            break;
        }
    }
    out
}

/// Embeds `texts` with the local model on both cores, in order.
fn embed_all(model: &ragdesk::embed::local::LocalModel, texts: &[String]) -> Result<Vec<Vec<f32>>> {
    let batches: Vec<&[String]> = texts.chunks(64).collect();
    let next = std::sync::atomic::AtomicUsize::new(0);
    let done: std::sync::Mutex<Vec<(usize, Vec<Vec<f32>>)>> = Default::default();
    let started = Instant::now();
    std::thread::scope(|s| {
        for _ in 0..2 {
            s.spawn(|| {
                loop {
                    let i = next.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
                    let Some(b) = batches.get(i) else { break };
                    let v = model.embed_batch(&b.to_vec()).expect("the local model embeds");
                    done.lock().unwrap().push((i, v));
                    if i % 50 == 0 {
                        eprintln!("embedded {} of {} in {:.0} s", i * 64, texts.len(), started.elapsed().as_secs_f64());
                    }
                }
            });
        }
    });
    let mut done = done.into_inner().unwrap();
    done.sort_by_key(|(i, _)| *i);
    Ok(done.into_iter().flat_map(|(_, v)| v).collect())
}

pub async fn run(db: &Db, n: usize, vectors: Vectors) -> Result<()> {
    let pool = &db.pool;
    let mut conn = pool.acquire().await?;
    // Loading and building the index take minutes: no statement timeout here.
    sqlx::query("SET statement_timeout = 0").execute(&mut *conn).await?;
    let layout = ragdesk::schema::load("domo").map_err(|e| eyre!(e))?;
    Mapped::for_database(&mut conn, Some(layout.clone()))
        .await?
        .ok_or_else(|| eyre!("this database does not hold 001's schema"))?;
    let demo: uuid::Uuid = sqlx::query_scalar("SELECT id FROM public.demos ORDER BY id LIMIT 1")
        .fetch_optional(&mut *conn)
        .await?
        .ok_or_else(|| eyre!("the database has no demo: run `ragdesk --layout domo seed` on it first"))?;
    sqlx::query("DELETE FROM public.knowledge_chunks WHERE source = 'ragdesk-bench'").execute(&mut *conn).await?;
    sqlx::query("DROP INDEX IF EXISTS public.knowledge_chunks_vector_embedding_idx").execute(&mut *conn).await?;
    let padded = |v: Vec<f32>| -> Vec<f32> {
        let mut v = v;
        v.resize(COLUMN_DIM, 0.0);
        v
    };
    let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(2026);
    // The chunks (text, vector) and the questions' vectors.
    let (texts, chunk_vectors, queries): (Vec<String>, Vec<Vec<f32>>, Vec<Vec<f32>>) = match &vectors {
        Vectors::Synthetic => {
            let topics = (n / 100).max(1);
            println!(
                "## 001's knowledge at {n} chunks, through its layout (1536-d: {topics} topics of clustered 384-d unit vectors, zero-padded)"
            );
            let centres: Vec<Vec<f32>> = (0..topics).map(|_| unit(&mut rng)).collect();
            let chunks = (0..n).map(|_| near(&centres, &mut rng)).collect();
            let queries = (0..QUERIES).map(|_| near(&centres, &mut rng)).collect();
            ((0..n).map(|i| format!("bench chunk {i}")).collect(), chunks, queries)
        }
        Vectors::Real { corpus, model } => {
            let model = ragdesk::embed::local::LocalModel::load(model)?;
            let mut all = prose(corpus, n + QUERIES * 20);
            // The held-out paragraphs are taken from the first QUERIES × 20.
            if all.len() < (n + QUERIES).max(QUERIES * 20) {
                return Err(eyre!("{} holds {} paragraphs; {n} asked for", corpus.display(), all.len()));
            }
            // Every twentieth paragraph of the first QUERIES × 20 is held out:
            // its first sentence is a question the others may answer.
            let held: Vec<String> = (0..QUERIES).map(|i| all.remove(i * 19)).collect();
            all.truncate(n);
            let questions: Vec<String> =
                held.iter().map(|p| p.split_inclusive(". ").next().unwrap_or(p).trim().to_string()).collect();
            println!(
                "## 001's knowledge at {n} chunks of real documentation, through its layout (1536-d: all-MiniLM-L6-v2's 384-d embeddings, zero-padded)"
            );
            println!();
            println!(
                "The chunks are paragraphs (200–600 characters) of the Markdown and Rust doc comments under `{}`; the {QUERIES} questions are the first sentences of held-out paragraphs (\"{}\").",
                corpus.display(),
                questions[0].replace('|', "/")
            );
            let t = Instant::now();
            let chunks = embed_all(&model, &all)?;
            let queries = embed_all(&model, &questions)?;
            println!();
            println!("embedding {} paragraphs took {:.0} s", all.len(), t.elapsed().as_secs_f64());
            (all, chunks, queries)
        }
    };
    println!();
    let queries: Vec<Vec<f32>> = queries.into_iter().map(padded).collect();
    let t = Instant::now();
    let batch = 2_000;
    for rows in batches(n, batch) {
        let vectors: Vec<Vector> = rows.clone().map(|i| Vector::from(padded(chunk_vectors[i].clone()))).collect();
        let contents: Vec<&str> = rows.map(|i| texts[i].as_str()).collect();
        sqlx::query(
            "INSERT INTO public.knowledge_chunks (demo_id, content, source, vector_embedding) \
             SELECT $1, u.c, 'ragdesk-bench', u.e FROM UNNEST($2::text[], $3::vector[]) AS u(c, e)",
        )
        .bind(demo)
        .bind(&contents)
        .bind(&vectors)
        .execute(&mut *conn)
        .await?;
    }
    let load = t.elapsed();
    let t = Instant::now();
    sqlx::query("SET maintenance_work_mem = '2GB'").execute(&mut *conn).await?;
    // The platform's own index, as its DDL makes it.
    sqlx::query(
        "CREATE INDEX knowledge_chunks_vector_embedding_idx ON public.knowledge_chunks \
         USING ivfflat (vector_embedding vector_cosine_ops) WITH (lists = 100)",
    )
    .execute(&mut *conn)
    .await?;
    sqlx::query("ANALYZE public.knowledge_chunks").execute(&mut *conn).await?;
    let build = t.elapsed();
    let in_demo: i64 = sqlx::query_scalar("SELECT count(*) FROM public.knowledge_chunks WHERE demo_id = $1")
        .bind(demo)
        .fetch_one(&mut *conn)
        .await?;
    println!(
        "load {:.1} s, ivfflat build (lists 100, as 001's DDL) {:.1} s; {in_demo} chunks under the demo searched",
        load.as_secs_f64(),
        build.as_secs_f64()
    );
    println!();
    // The catalog as it is now (the index rebuilt).
    let mapped = Mapped::for_database(&mut conn, Some(layout.clone())).await?.expect("checked above");
    let (_, index) = mapped.vector_column(Kind::Chunk)?;
    let scope = Scope::Layout(LayoutScope::new(
        &layout,
        Kind::Chunk,
        Some((demo.to_string(), "the benchmark's demo".into())),
        index.map(str::to_string),
        Metric::Cosine,
    ));
    // One search as the Search tab asks it: the question's vector under
    // the demo, k 10; `console` adds what the tab shows beside it (the
    // exact search for recall, the top 100 scores for the histogram).
    let request = |mode: Mode, console: bool| Request {
        scope: scope.clone(),
        query: Query::Text("benchmark".into()),
        k: K,
        metric: Metric::Cosine,
        threshold: None,
        mode,
        compare: console,
        hybrid: false,
        histogram: if console { 100 } else { 0 },
    };
    // (ms per query, the rows found, the breadth that applied, whether the
    // plan of the first query went through the vector index).
    let mut measure = async |mode: Mode, console: bool| -> Result<(Vec<f64>, Vec<Vec<String>>, Option<u32>, bool)> {
        let (_, indexed) =
            ragdesk::search::explain(&mut conn, &mapped, &request(mode, false), queries[0].clone()).await?;
        let mut ms = Vec::new();
        let mut found = Vec::new();
        let mut breadth = None;
        for q in &queries {
            let t = Instant::now();
            let o = ragdesk::search::run_with_vector(
                &mut conn,
                &mapped,
                &request(mode, console),
                Some((q.clone(), 0.0)),
                t,
            )
            .await?;
            ms.push(t.elapsed().as_secs_f64() * 1000.0);
            breadth = o.breadth;
            found.push(o.rows.into_iter().map(|r| r.chunk_id).collect());
        }
        Ok((ms, found, breadth, indexed))
    };
    // Exact first: the reference for recall, and the peer of the ratio.
    let (mut exact_ms, exact, _, exact_indexed) = measure(Mode::Exact, false).await?;
    let exact_p50 = pct(&mut exact_ms, 0.5);
    println!(
        "| search ({QUERIES} queries, k {K}, through the layout) | p50 ms | p95 ms | exact / this (p50) | recall@{K} (mean) | min recall | plan: vector index |"
    );
    println!("|---|---|---|---|---|---|---|");
    // None: the probes the server has (read in the search, as the Search tab shows them).
    for probes in [None, Some(1u32), Some(4), Some(10), Some(32)] {
        let mode = Mode::Approximate { ef_search: None, probes, iterative_scan: true };
        let (mut ms, found, applied, indexed) = measure(mode, false).await?;
        let recalls: Vec<f64> =
            found.iter().zip(&exact).map(|(f, e)| ragdesk::db::search::compare(f, e).recall).collect();
        let mean = recalls.iter().sum::<f64>() / recalls.len() as f64;
        let min = recalls.iter().copied().fold(f64::MAX, f64::min);
        let p50 = pct(&mut ms, 0.5);
        let what = match probes {
            Some(p) => format!("ivfflat, probes {p}"),
            None => format!("ivfflat, the server's probes ({})", applied.map(|a| a.to_string()).unwrap_or("?".into())),
        };
        println!(
            "| {what} | {p50:.2} | {:.2} | {:.1}× | {mean:.3} | {min:.2} | {} |",
            pct(&mut ms, 0.95),
            exact_p50 / p50,
            if indexed { "yes" } else { "no" }
        );
    }
    println!(
        "| exact scan | {exact_p50:.2} | {:.2} | 1.0× | 1.000 | 1.00 | {} |",
        pct(&mut exact_ms, 0.95),
        if exact_indexed { "yes" } else { "no" }
    );
    let mode = Mode::Approximate { ef_search: None, probes: Some(10), iterative_scan: true };
    let (mut ms, ..) = measure(mode, true).await?;
    println!(
        "| the Search tab's whole search at probes 10 (+ exact for recall, + top 100 for the histogram) | {:.2} | {:.2} | | | | |",
        pct(&mut ms, 0.5),
        pct(&mut ms, 0.95)
    );
    Ok(())
}
