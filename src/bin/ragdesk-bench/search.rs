//! `--search N`: similarity search at scale. Loads N 384-d unit vectors
//! into a scratch knowledge base of a scratch database (the 384-d HNSW
//! index is dropped for the load and built after it, as one would for a
//! bulk load), then runs the same queries through the index at several
//! `ef_search` values and exactly, through ragdesk's own search code, and
//! reports p50/p95 latency and recall@10 against the exact result.
//!
//! The vectors are clustered like real embeddings (topics): N / 100 random
//! centres, each point a centre plus noise, and each query a point of a
//! random topic. Uniformly random 384-d vectors have no neighbours worth
//! the name (every distance is about the same) and measure nothing useful:
//! recall@10 at ef_search 40 was 0.06 on them.

use std::time::Instant;

use color_eyre::eyre::{Result, eyre};
use pgvector::Vector;
use ragdesk::db::Db;
use ragdesk::db::knowledge::{self, NewKnowledgeBase};
use ragdesk::db::search::{self, Metric, Mode, SearchParams};
use rand::{Rng, SeedableRng};
use uuid::Uuid;

const DIM: usize = 384;
pub(super) const QUERIES: usize = 50;
const K: u32 = 10;
/// How far points lie from their topic's centre (a unit vector scaled).
const NOISE: f32 = 1.2;

pub(super) fn unit(rng: &mut rand_chacha::ChaCha8Rng) -> Vec<f32> {
    let mut v: Vec<f32> = (0..DIM).map(|_| rng.random_range(-1.0f32..1.0)).collect();
    let n = v.iter().map(|x| x * x).sum::<f32>().sqrt();
    v.iter_mut().for_each(|x| *x /= n);
    v
}

/// A point of a random topic of `centres`: its centre plus noise, as a
/// unit vector.
pub(super) fn near(centres: &[Vec<f32>], rng: &mut rand_chacha::ChaCha8Rng) -> Vec<f32> {
    let c = &centres[rng.random_range(0..centres.len())];
    let noise = unit(rng);
    let mut v: Vec<f32> = c.iter().zip(&noise).map(|(a, b)| a + NOISE * b).collect();
    let len = v.iter().map(|x| x * x).sum::<f32>().sqrt();
    v.iter_mut().for_each(|x| *x /= len);
    v
}

/// The rows `0..n` in loads of `size`.
pub(super) fn batches(n: usize, size: usize) -> impl Iterator<Item = std::ops::Range<usize>> {
    (0..n).step_by(size.max(1)).map(move |from| from..(from + size).min(n))
}

pub(super) fn pct(v: &mut [f64], q: f64) -> f64 {
    v.sort_by(f64::total_cmp);
    v[((v.len() as f64 - 1.0) * q).round() as usize]
}

pub async fn run(db: &Db, n: usize, hnsw: Option<(u32, u32)>) -> Result<()> {
    let pool = &db.pool;
    let mut conn = pool.acquire().await?;
    // Building the index takes minutes: no statement timeout here.
    sqlx::query("SET statement_timeout = 0").execute(&mut *conn).await?;
    // A knowledge base of its own (the demo data is left alone).
    let demo: Uuid = sqlx::query_scalar("SELECT id FROM demos LIMIT 1")
        .fetch_optional(&mut *conn)
        .await?
        .ok_or_else(|| eyre!("the database has no demo: run `ragdesk seed --scale tiny` on it first"))?;
    let existing: i64 =
        sqlx::query_scalar("SELECT count(*) FROM chunks WHERE embedding_dim = 384").fetch_one(&mut *conn).await?;
    if existing > 0 {
        return Err(eyre!(
            "--search needs a scratch database without 384-d chunks (it rebuilds their index); this one has {existing}"
        ));
    }
    let kb_id = knowledge::create(
        &mut conn,
        &NewKnowledgeBase {
            demo_id: demo,
            name: format!("bench-search-{n}"),
            kb_type: "custom".into(),
            provider: "local".into(),
            model: "all-MiniLM-L6-v2".into(),
            dim: DIM as i32,
            chunk_tokens: None,
            chunk_overlap: None,
            attach: false,
        },
    )
    .await?;
    let doc: Uuid =
        sqlx::query_scalar("INSERT INTO documents (kb_id, filename, content) VALUES ($1, 'bench', '') RETURNING id")
            .bind(kb_id)
            .fetch_one(&mut *conn)
            .await?;
    println!("## Search at {n} chunks (384-d, {} topics of clustered unit vectors)", (n / 100).max(1));
    println!();
    sqlx::query("DROP INDEX IF EXISTS chunks_embedding_hnsw_384").execute(&mut *conn).await?;
    let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(2026);
    let centres: Vec<Vec<f32>> = (0..(n / 100).max(1)).map(|_| unit(&mut rng)).collect();
    let near = |rng: &mut rand_chacha::ChaCha8Rng| near(&centres, rng);
    let t = Instant::now();
    let batch = 5_000;
    for rows in batches(n, batch) {
        let vectors: Vec<Vector> = rows.clone().map(|_| Vector::from(near(&mut rng))).collect();
        let indexes: Vec<i32> = rows.map(|i| i as i32).collect();
        sqlx::query(
            "INSERT INTO chunks (kb_id, document_id, chunk_index, content, embedding, embedding_dim) \
             SELECT $1, $2, u.i, 'chunk ' || u.i, u.e, 384 FROM UNNEST($3::int[], $4::vector[]) AS u(i, e)",
        )
        .bind(kb_id)
        .bind(doc)
        .bind(&indexes)
        .bind(&vectors)
        .execute(&mut *conn)
        .await?;
    }
    let load = t.elapsed();
    let t = Instant::now();
    // Room to build the graph in memory (this machine has 24 GB): at 1M
    // chunks the index outgrows 1 GB and the build slows down.
    sqlx::query("SET maintenance_work_mem = '4GB'").execute(&mut *conn).await?;
    match hnsw {
        // The migration's index.
        None => {
            sqlx::query("SELECT ensure_embedding_index(384)").execute(&mut *conn).await?;
        }
        // The same index with other build parameters (numbers only).
        Some((m, ef)) => {
            sqlx::query(&format!(
                "CREATE INDEX chunks_embedding_hnsw_384 ON chunks USING hnsw ((embedding::vector(384)) vector_cosine_ops) \
                 WITH (m = {m}, ef_construction = {ef}) WHERE embedding_dim = 384"
            ))
            .execute(&mut *conn)
            .await?;
        }
    }
    sqlx::query("ANALYZE chunks").execute(&mut *conn).await?;
    let build = t.elapsed();
    // What the index was built with, as the server has it.
    let options: Option<Vec<String>> =
        sqlx::query_scalar("SELECT reloptions::text[] FROM pg_class WHERE relname = 'chunks_embedding_hnsw_384'")
            .fetch_one(&mut *conn)
            .await?;
    println!(
        "load {:.1} s, HNSW build ({}, maintenance_work_mem 4GB) {:.1} s",
        load.as_secs_f64(),
        options.map(|o| o.join(", ")).unwrap_or_else(|| "pgvector's defaults: m=16, ef_construction=64".into()),
        build.as_secs_f64()
    );
    println!();

    // Our chunks are searched through our layout, as the console does.
    let ours = db.ours().await?;
    let queries: Vec<Vector> = (0..QUERIES).map(|_| Vector::from(near(&mut rng))).collect();
    let params =
        |mode: Mode| SearchParams { kb: kb_id, dim: DIM as i32, k: K, metric: Metric::Cosine, mode, threshold: None };
    // Exact first: it is the reference for recall.
    let mut exact_ms = Vec::new();
    let mut exact = Vec::new();
    for q in &queries {
        let t = Instant::now();
        let found = search::search(&mut conn, &ours, q, &params(Mode::Exact)).await?;
        exact_ms.push(t.elapsed().as_secs_f64() * 1000.0);
        exact.push(found.ranked);
    }
    println!("| search ({QUERIES} queries, k {K}) | p50 ms | p95 ms | recall@{K} (mean) | min recall |");
    println!("|---|---|---|---|---|");
    for ef in [40u32, 100, 200, 400] {
        let mut ms = Vec::new();
        let mut recalls = Vec::new();
        for (q, reference) in queries.iter().zip(&exact) {
            let t = Instant::now();
            let found = search::search(
                &mut conn,
                &ours,
                q,
                &params(Mode::Approximate { ef_search: Some(ef), probes: None, iterative_scan: true }),
            )
            .await?;
            ms.push(t.elapsed().as_secs_f64() * 1000.0);
            let ids = |hits: &[search::Hit]| hits.iter().map(|h| h.chunk_id).collect::<Vec<_>>();
            recalls.push(search::compare(&ids(&found.ranked), &ids(reference)).recall);
        }
        let mean = recalls.iter().sum::<f64>() / recalls.len() as f64;
        let min = recalls.iter().copied().fold(f64::MAX, f64::min);
        println!(
            "| HNSW, ef_search {ef} | {:.2} | {:.2} | {mean:.3} | {min:.2} |",
            pct(&mut ms, 0.5),
            pct(&mut ms, 0.95)
        );
    }
    println!(
        "| exact scan | {:.2} | {:.2} | 1.000 | 1.00 |",
        pct(&mut exact_ms.clone(), 0.5),
        pct(&mut exact_ms, 0.95)
    );
    // Through our layout beside the typed query it replaced, same queries,
    // same run: what reading the top k through `native.toml` costs.
    println!();
    println!("| top 10 ({QUERIES} queries) | through the layout p50 ms | typed query p50 ms | layout / typed |");
    println!("|---|---|---|---|");
    for (label, mode) in [
        ("HNSW, ef_search 40", Mode::Approximate { ef_search: Some(40), probes: None, iterative_scan: true }),
        ("exact scan", Mode::Exact),
    ] {
        let (mut layout_ms, mut typed_ms) = (Vec::new(), Vec::new());
        for q in &queries {
            let t = Instant::now();
            let found = search::search(&mut conn, &ours, q, &params(mode)).await?;
            layout_ms.push(t.elapsed().as_secs_f64() * 1000.0);
            let t = Instant::now();
            let typed = typed_top_k(&mut conn, kb_id, q, mode).await?;
            typed_ms.push(t.elapsed().as_secs_f64() * 1000.0);
            if mode == Mode::Exact && typed != found.ranked.iter().map(|h| h.chunk_id).collect::<Vec<_>>() {
                return Err(eyre!("the typed exact query and the layout's disagree"));
            }
        }
        let (l, t) = (pct(&mut layout_ms, 0.5), pct(&mut typed_ms, 0.5));
        println!("| {label} | {l:.2} | {t:.2} | {:.2}× |", l / t);
    }
    // A question end to end: embedded by the local model (its real cost,
    // on real questions), then the HNSW search at this scale (its real
    // cost; the query vectors are the synthetic ones above, since the
    // chunks are synthetic too, so only the times mean anything).
    let model_dir = std::env::var_os("RAGDESK_MODEL_DIR").map(std::path::PathBuf::from).unwrap_or_else(|| {
        directories::BaseDirs::new().expect("a home").data_dir().join("ragdesk/models/all-MiniLM-L6-v2")
    });
    match ragdesk::embed::local::LocalProvider::load(&model_dir) {
        Ok(provider) => {
            use ragdesk::embed::EmbeddingProvider;
            let questions = [
                "what does error E07 mean on the heat pump",
                "there is ice all over my outdoor unit",
                "how much does the maintenance plan cost",
                "water on the floor around my furnace",
                "do you take Delta Dental insurance",
            ];
            provider.embed(&[questions[0].to_string()]).await?;
            println!();
            println!(
                "| a question end to end ({QUERIES} questions, k {K}) | embed p50 ms | total p50 ms | total p95 ms |"
            );
            println!("|---|---|---|---|");
            for ef in [40u32, 200] {
                let (mut embed_ms, mut total_ms) = (Vec::new(), Vec::new());
                for (i, q) in queries.iter().enumerate() {
                    let t = Instant::now();
                    provider.embed(&[questions[i % questions.len()].to_string()]).await?;
                    let e = t.elapsed().as_secs_f64() * 1000.0;
                    search::search(
                        &mut conn,
                        &ours,
                        q,
                        &params(Mode::Approximate { ef_search: Some(ef), probes: None, iterative_scan: true }),
                    )
                    .await?;
                    embed_ms.push(e);
                    total_ms.push(t.elapsed().as_secs_f64() * 1000.0);
                }
                println!(
                    "| local model + HNSW, ef_search {ef} | {:.2} | {:.2} | {:.2} |",
                    pct(&mut embed_ms, 0.5),
                    pct(&mut total_ms.clone(), 0.5),
                    pct(&mut total_ms, 0.95)
                );
            }
        }
        Err(e) => println!("a question end to end: not measured ({e})"),
    }
    // Leave the database as found: the chunks go, the index stays (empty).
    sqlx::query("DELETE FROM knowledge_bases WHERE id = $1").bind(kb_id).execute(&mut *conn).await?;
    Ok(())
}

/// The typed top-k query our search ran before it went through the layout
/// (kept here as the peer it is measured against): the chunk ids, best
/// first, with the same settings.
async fn typed_top_k(conn: &mut sqlx::PgConnection, kb: Uuid, q: &Vector, mode: Mode) -> Result<Vec<Uuid>> {
    let exact = mode == Mode::Exact;
    let order = if exact { " + 0" } else { "" };
    let sql = format!(
        "SELECT c.id FROM (SELECT c.id, c.embedding::vector({DIM}) <=> $1::vector({DIM}) AS distance FROM chunks c \
               WHERE c.kb_id = $2 AND c.embedding_dim = {DIM} \
               ORDER BY (c.embedding::vector({DIM}) <=> $1::vector({DIM})){order} LIMIT $3) m \
         JOIN chunks c ON c.id = m.id JOIN documents d ON d.id = c.document_id ORDER BY m.distance, c.id"
    );
    let mut tx = sqlx::Connection::begin(&mut *conn).await?;
    sqlx::query("SET LOCAL plan_cache_mode = force_custom_plan").execute(&mut *tx).await?;
    if !exact {
        for set in
            ["hnsw.ef_search = 40", "hnsw.iterative_scan = relaxed_order", "enable_seqscan = off", "enable_sort = off"]
        {
            sqlx::query(&format!("SET LOCAL {set}")).execute(&mut *tx).await?;
        }
    }
    let ids: Vec<Uuid> = sqlx::query_scalar(&sql).bind(q).bind(kb).bind(K as i64).fetch_all(&mut *tx).await?;
    tx.commit().await?;
    Ok(ids)
}
