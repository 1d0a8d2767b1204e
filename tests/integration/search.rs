//! Similarity search against the real database: exact search equals a
//! brute-force top k computed here, recall of the approximate search, the
//! threshold outside the LIMIT, more-like-this, the platform's own
//! `match_chunks`, the plan, and full-text ranking fused with the vectors.

use pgvector::Vector;
use ragdesk::db::knowledge::NewKnowledgeBase;
use ragdesk::db::mapped::{Probe, VectorMode};
use ragdesk::db::search::{self, Metric, Mode, SearchParams};
use ragdesk::schema::Kind;
use rand::{Rng, SeedableRng};
use uuid::Uuid;

use crate::support;

const DIM: usize = 384;

fn unit(rng: &mut rand_chacha::ChaCha8Rng) -> Vec<f32> {
    let mut v: Vec<f32> = (0..DIM).map(|_| rng.random_range(-1.0f32..1.0)).collect();
    let n = v.iter().map(|x| x * x).sum::<f32>().sqrt();
    v.iter_mut().for_each(|x| *x /= n);
    v
}

fn cosine_distance(a: &[f32], b: &[f32]) -> f64 {
    let dot: f64 = a.iter().zip(b).map(|(x, y)| (*x as f64) * (*y as f64)).sum();
    let na: f64 = a.iter().map(|x| (*x as f64).powi(2)).sum::<f64>().sqrt();
    let nb: f64 = b.iter().map(|x| (*x as f64).powi(2)).sum::<f64>().sqrt();
    1.0 - dot / (na * nb)
}

struct Corpus {
    t: support::TestDb,
    /// Our layout, which the chunks are searched through.
    ours: std::sync::Arc<ragdesk::db::mapped::Mapped>,
    kb: Uuid,
    vectors: Vec<(Uuid, Vec<f32>)>,
}

/// A knowledge base of `n` chunks with random unit vectors, in one document.
async fn corpus(n: usize, texts: impl Fn(usize) -> String) -> Corpus {
    let t = support::seeded(31, support::tiny()).await;
    let pool = &t.db.pool;
    let demo: Uuid = sqlx::query_scalar("SELECT id FROM demos LIMIT 1").fetch_one(pool).await.unwrap();
    let kb = support::create_kb(
        &t,
        &NewKnowledgeBase {
            demo_id: demo,
            name: "search".into(),
            kb_type: "faq".into(),
            provider: "local".into(),
            model: "all-MiniLM-L6-v2".into(),
            dim: DIM as i32,
            chunk_tokens: None,
            chunk_overlap: None,
            attach: false,
        },
    )
    .await;
    let doc: Uuid = sqlx::query_scalar(
        "INSERT INTO documents (kb_id, filename, content) VALUES ($1, 'corpus.txt', 'x') RETURNING id",
    )
    .bind(kb.id)
    .fetch_one(pool)
    .await
    .unwrap();
    let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(7);
    let vectors: Vec<(Uuid, Vec<f32>)> = (0..n).map(|_| (Uuid::new_v4(), unit(&mut rng))).collect();
    let ids: Vec<Uuid> = vectors.iter().map(|(id, _)| *id).collect();
    let embeddings: Vec<Vector> = vectors.iter().map(|(_, v)| Vector::from(v.clone())).collect();
    let contents: Vec<String> = (0..n).map(&texts).collect();
    let indexes: Vec<i32> = (0..n as i32).collect();
    sqlx::query(
        "INSERT INTO chunks (id, kb_id, document_id, chunk_index, content, embedding, embedding_dim) \
         SELECT u.id, $4, $5, u.i, u.content, u.e, 384 FROM UNNEST($1::uuid[], $2::int[], $3::text[], $6::vector[]) \
         AS u(id, i, content, e)",
    )
    .bind(&ids)
    .bind(&indexes)
    .bind(&contents)
    .bind(kb.id)
    .bind(doc)
    .bind(&embeddings)
    .execute(pool)
    .await
    .unwrap();
    sqlx::query("ANALYZE chunks").execute(pool).await.unwrap();
    let ours = support::knowledge_lists(&t).await.0;
    Corpus { t, ours, kb: kb.id, vectors }
}

fn params(kb: Uuid, k: u32, mode: Mode) -> SearchParams {
    SearchParams { kb, dim: DIM as i32, k, metric: Metric::Cosine, mode, threshold: None }
}

const ANN: Mode = Mode::Approximate { ef_search: Some(100), probes: None, iterative_scan: true };

#[tokio::test]
async fn exact_search_equals_a_brute_force_top_k_and_recall_is_measured() {
    let c = corpus(600, |i| format!("chunk number {i}")).await;
    let mut conn = c.t.db.pool.acquire().await.unwrap();
    let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(99);
    let q = unit(&mut rng);
    let query = Vector::from(q.clone());
    // Another knowledge base of the same size holds the query itself: it
    // is not searched (our chunks keep to theirs by their own kb_id).
    let other = support::local_kb(&c.t, "other").await.id;
    let twin: Uuid = sqlx::query_scalar(
        "WITH d AS (INSERT INTO documents (kb_id, filename, content) VALUES ($1, 'twin.txt', 'x') RETURNING id) \
         INSERT INTO chunks (kb_id, document_id, chunk_index, content, embedding, embedding_dim) \
         SELECT $1, d.id, 0, 'the query itself', $2, 384 FROM d RETURNING id",
    )
    .bind(other)
    .bind(&query)
    .fetch_one(&c.t.db.pool)
    .await
    .unwrap();

    // Brute force here, in f64.
    let mut brute: Vec<(Uuid, f64)> = c.vectors.iter().map(|(id, v)| (*id, cosine_distance(&q, v))).collect();
    brute.sort_by(|a, b| a.1.total_cmp(&b.1));
    let exact = search::search(&mut conn, &c.ours, &query, &params(c.kb, 10, Mode::Exact)).await.unwrap();
    assert_eq!(
        exact.hits().iter().map(|h| h.chunk_id).collect::<Vec<_>>(),
        brute.iter().take(10).map(|b| b.0).collect::<Vec<_>>()
    );
    for (h, b) in exact.hits().iter().zip(&brute) {
        assert!((h.distance - b.1).abs() < 1e-5, "{} vs {}", h.distance, b.1);
        // What the tab shows of each came with it: its file and position.
        let index = c.vectors.iter().position(|(id, _)| *id == h.chunk_id).unwrap() as i32;
        assert_eq!((h.filename.as_str(), h.chunk_index), ("corpus.txt", index));
    }

    // The approximate search and its recall against the exact one.
    let approx = search::search(&mut conn, &c.ours, &query, &params(c.kb, 10, ANN)).await.unwrap();
    let ids = |hits: &[search::Hit]| hits.iter().map(|h| h.chunk_id).collect::<Vec<_>>();
    let cmp = search::compare(&ids(approx.hits()), &ids(exact.hits()));
    let found = approx.hits().iter().filter(|h| exact.hits().iter().any(|e| e.chunk_id == h.chunk_id)).count();
    assert_eq!(cmp.recall, found as f64 / 10.0);
    assert!(cmp.recall >= 0.8, "HNSW at ef_search 100 on 600 chunks: {}", cmp.recall);
    assert_eq!(cmp.vanished.len(), 10 - found);
    assert!(approx.ranked.iter().all(|h| h.chunk_id != twin), "another knowledge base's chunk came back");

    // The plan says which one used the index.
    let (plan, indexed) = search::explain(&mut conn, &c.ours, &query, &params(c.kb, 10, ANN)).await.unwrap();
    assert!(indexed, "the approximate search uses the HNSW index:\n{plan}");
    // Read through our layout, whose `dimension` names the size's own
    // expression and predicate: the 384-d partial index serves it.
    assert!(plan.contains("chunks_embedding_hnsw_384"), "{plan}");
    // The catalog sees those per-size indexes as the column's (no size of its own).
    assert_eq!(c.ours.vector_column(Kind::Chunk).unwrap(), (None, Some("hnsw")));
    // More like a row, by its id: its vector is read first, for its size;
    // it comes first, at distance 0, among its document's knowledge base.
    let id = c.vectors[0].0.to_string();
    let like = c.ours.nearest(&mut conn, Kind::Chunk, Probe::Row(&id), 5, VectorMode::EXACT).await.unwrap();
    assert_eq!((like[0].id.as_str(), like.len()), (id.as_str(), 5));
    assert!(like[0].distance.abs() < 1e-6, "{}", like[0].distance);
    let gone = Uuid::from_u128(7).to_string();
    let e = c.ours.nearest(&mut conn, Kind::Chunk, Probe::Row(&gone), 5, VectorMode::EXACT).await.unwrap_err();
    assert!(e.to_string().contains("or it has no vector"), "{e}");
    let (plan, indexed) = search::explain(&mut conn, &c.ours, &query, &params(c.kb, 10, Mode::Exact)).await.unwrap();
    assert!(!indexed, "the exact search does not:\n{plan}");
    assert!(plan.contains("Buffers"), "EXPLAIN (ANALYZE, BUFFERS):\n{plan}");
}

#[tokio::test]
async fn the_threshold_keeps_exactly_the_rows_above_it_and_match_chunks_agrees() {
    let c = corpus(200, |i| format!("chunk {i}")).await;
    let mut conn = c.t.db.pool.acquire().await.unwrap();
    let query = Vector::from(c.vectors[17].1.clone());
    let all = search::search(&mut conn, &c.ours, &query, &params(c.kb, 10, Mode::Exact)).await.unwrap();
    // A threshold between the 4th and the 5th similarity.
    let s4 = 1.0 - all.ranked[3].distance;
    let s5 = 1.0 - all.ranked[4].distance;
    let threshold = (s4 + s5) / 2.0;
    let mut p = params(c.kb, 10, Mode::Exact);
    p.threshold = Some(threshold);
    let found = search::search(&mut conn, &c.ours, &query, &p).await.unwrap();
    assert_eq!(found.passed, 4);
    assert_eq!(found.ranked.len(), 10, "the threshold is applied outside the top k");
    assert!(found.hits().iter().all(|h| 1.0 - h.distance > threshold));
    // The platform's own function returns the same chunks in the same order.
    let theirs = search::match_chunks(&mut conn, c.kb, &query, threshold, 10).await.unwrap();
    assert_eq!(
        theirs.iter().map(|t| t.0).collect::<Vec<_>>(),
        found.hits().iter().map(|h| h.chunk_id).collect::<Vec<_>>()
    );
    // A threshold on another metric is refused.
    p.metric = Metric::L2;
    assert!(search::search(&mut conn, &c.ours, &query, &p).await.unwrap_err().to_string().contains("cosine"));
}

#[tokio::test]
async fn more_like_this_finds_the_chunk_itself_first_and_its_neighbours_as_a_brute_force_does() {
    let c = corpus(100, |i| format!("chunk {i}")).await;
    let mut conn = c.t.db.pool.acquire().await.unwrap();
    let (id, _) = &c.vectors[42];
    let (vector, kb, dim) = search::chunk_vector(&mut conn, *id).await.unwrap();
    assert_eq!((kb, dim), (c.kb, DIM as i32));
    let found = search::search(&mut conn, &c.ours, &vector, &params(kb, 5, ANN)).await.unwrap();
    assert_eq!(found.hits()[0].chunk_id, *id);
    assert!((Metric::Cosine.similarity(found.hits()[0].distance).unwrap() - 1.0).abs() < 1e-6);
    // Exactly: the chunk's neighbours as a brute force ranks them.
    let mine = &c.vectors[42].1;
    let mut brute: Vec<(Uuid, f64)> = c.vectors.iter().map(|(id, v)| (*id, cosine_distance(mine, v))).collect();
    brute.sort_by(|a, b| a.1.total_cmp(&b.1));
    let exact = search::search(&mut conn, &c.ours, &vector, &params(kb, 10, Mode::Exact)).await.unwrap();
    assert_eq!(
        exact.hits().iter().map(|h| h.chunk_id).collect::<Vec<_>>(),
        brute.iter().take(10).map(|b| b.0).collect::<Vec<_>>()
    );
    for (h, b) in exact.hits().iter().zip(&brute) {
        assert!((h.distance - b.1).abs() < 1e-5, "{} vs {}", h.distance, b.1);
        // What the tab shows of each came with it: its file and position.
        let index = c.vectors.iter().position(|(id, _)| *id == h.chunk_id).unwrap() as i32;
        assert_eq!((h.filename.as_str(), h.chunk_index), ("corpus.txt", index));
    }
}

#[tokio::test]
async fn hybrid_ranks_text_matches_and_fuses_by_reciprocal_rank() {
    let c = corpus(60, |i| match i {
        5 => "How do I reset the thermostat after a power cut".to_string(),
        9 => "The thermostat schedule and the power saving mode".to_string(),
        _ => format!("unrelated chunk about invoices number {i}"),
    })
    .await;
    let mut conn = c.t.db.pool.acquire().await.unwrap();
    let text = search::text_search(&mut conn, c.kb, "thermostat power", 10).await.unwrap();
    let ids: Vec<Uuid> = text.iter().map(|t| t.0).collect();
    assert_eq!(ids.len(), 2, "only the two chunks with both words");
    assert!(ids.contains(&c.vectors[5].0) && ids.contains(&c.vectors[9].0));
    // Fusion with the vector ranking of chunk 9's own vector.
    let query = Vector::from(c.vectors[9].1.clone());
    let vector = search::search(&mut conn, &c.ours, &query, &params(c.kb, 10, Mode::Exact)).await.unwrap();
    let vranks: Vec<(Uuid, f64)> = vector.hits().iter().map(|h| (h.chunk_id, 1.0 - h.distance)).collect();
    let fused = search::fuse(&vranks, &text, 10);
    // Chunk 9 is first in the vector list and in the text list (1st or 2nd).
    assert_eq!(fused[0].chunk_id, c.vectors[9].0);
    let text_rank = text.iter().position(|t| t.0 == c.vectors[9].0).unwrap() + 1;
    let want = 1.0 / (search::RRF_K + 1.0) + 1.0 / (search::RRF_K + text_rank as f64);
    assert!((fused[0].score - want).abs() < 1e-12);
}

/// A knowledge base of ours embedded by an OpenAI-compatible endpoint (the
/// local test server, at 384-d): a question is embedded by that endpoint, as
/// the knowledge base records, and the exact search returns the top k a
/// brute force ranks from the stored vectors.
#[tokio::test(flavor = "multi_thread")]
async fn a_text_query_through_an_openai_compatible_endpoint_equals_a_brute_force_top_k() {
    use ragdesk::embed::openai::{OpenAiProvider, OpenAiSettings};
    use std::sync::Arc;
    let (base, seen) = support::local_model_server(DIM).await;
    let t = support::seeded(32, support::tiny()).await;
    let pool = &t.db.pool;
    let demo: Uuid = sqlx::query_scalar("SELECT id FROM demos LIMIT 1").fetch_one(pool).await.unwrap();
    // A knowledge base recorded as embedded by an OpenAI-compatible model.
    let spec = NewKnowledgeBase {
        provider: "openai".into(),
        model: "text-embedding-3-small".into(),
        chunk_tokens: Some(40),
        chunk_overlap: Some(0),
        ..support::local_kb_spec(demo, "hosted")
    };
    let kb = support::create_kb(&t, &spec).await;
    let mut settings = OpenAiSettings::new(&base, "text-embedding-3-small", DIM);
    settings.api_key = Some("sk-test".into());
    let writer: ragdesk::embed::Provider = Arc::new(OpenAiProvider::new(settings).unwrap());
    let files = ["faq.md", "menu.html", "hours.txt", "policy.docx", "services.pdf", "latin1.txt"];
    support::ingest_fixtures(&t, &kb, writer, &files).await;
    // The query's provider, as the console makes it from the knowledge
    // base's record and the config's endpoint.
    let mut embedder = ragdesk::config::Config::default().embedding.embedder(&ragdesk::config::Paths::discover());
    embedder.openai.base_url = base.clone();
    embedder.openai.api_key = Some("sk-test".into());
    let provider = ragdesk::embed::provider_for(&kb.model_spec(), &embedder).unwrap();
    let question = "when are you open on saturday";
    let (query, _) = ragdesk::search::embed_text(&provider, &kb.model_spec(), question).await.unwrap();
    assert!(
        seen.lock().unwrap().iter().any(|s| s.body["input"].to_string().contains(question)),
        "the endpoint embedded the question"
    );
    let req = ragdesk::search::Request {
        scope: ragdesk::search::Scope::Knowledge(kb.clone()),
        query: ragdesk::search::Query::Text(question.into()),
        k: 5,
        metric: Metric::Cosine,
        threshold: None,
        mode: Mode::Exact,
        compare: false,
        hybrid: false,
        histogram: 0,
    };
    let mut conn = pool.acquire().await.unwrap();
    let ours = support::knowledge_lists(&t).await.0;
    let embedded = Some((query.clone(), 0.0));
    let o =
        ragdesk::search::run_with_vector(&mut conn, &ours, &req, embedded, std::time::Instant::now()).await.unwrap();
    let stored: Vec<(Uuid, Vector)> =
        sqlx::query_as("SELECT id, embedding FROM chunks WHERE kb_id = $1").bind(kb.id).fetch_all(pool).await.unwrap();
    assert!(stored.len() > 5, "several chunks to rank: {}", stored.len());
    let mut brute: Vec<(String, f64)> =
        stored.iter().map(|(id, v)| (id.to_string(), cosine_distance(&query, v.as_slice()))).collect();
    brute.sort_by(|a, b| a.1.total_cmp(&b.1));
    assert_eq!(o.rows.len(), 5);
    for (r, b) in o.rows.iter().zip(&brute) {
        assert!((r.distance - b.1).abs() < 1e-5, "{} {} vs {} {}", r.chunk_id, r.distance, b.0, b.1);
    }
    assert_eq!(o.rows[0].chunk_id, brute[0].0);
    assert_eq!(o.rows[0].filename, "hours.txt", "the opening hours answer it: {:?}", o.rows);
    // Each hit's document, position and tokens, as stored.
    for r in &o.rows {
        let (doc, index, tokens): (Uuid, i32, Option<i32>) =
            sqlx::query_as("SELECT document_id, chunk_index, token_count FROM chunks WHERE id = $1::uuid")
                .bind(&r.chunk_id)
                .fetch_one(pool)
                .await
                .unwrap();
        assert_eq!((r.document_id.clone(), r.chunk_index, r.token_count), (Some(doc.to_string()), Some(index), tokens));
        assert!(tokens.is_some());
    }
}
