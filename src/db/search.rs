//! Similarity search over a knowledge base's chunks, and the tools to see
//! why a chunk won: the same query run exactly (index scans off), recall of
//! the approximate search against it, the query plan, the platform's own
//! `match_chunks`, full-text ranking and its fusion with the vector ranking.
//!
//! The top k is read through our layout (`native.toml`, `Mapped::nearest`),
//! as every platform's nearest rows are. Chunks of one dimension share a
//! partial HNSW index on `embedding::vector(DIM)` with cosine distance; the
//! layout's `dimension` makes the query name the same expression and
//! `embedding_dim = DIM` so the index can serve it. The threshold is
//! applied outside `ORDER BY distance LIMIT k`, the form the index can
//! serve.

use std::collections::HashMap;
use std::time::Instant;

use pgvector::Vector;
use sqlx::PgConnection;
use uuid::Uuid;

use super::mapped::{Mapped, Probe, VectorMode};
use super::{DbError, Result};
use crate::schema::Kind;

/// The distance a search ranks by. The HNSW indexes serve cosine only; the
/// others are exact scans.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Metric {
    #[default]
    Cosine,
    InnerProduct,
    L2,
}

impl Metric {
    pub const ALL: [Metric; 3] = [Metric::Cosine, Metric::InnerProduct, Metric::L2];

    pub(crate) fn operator(self) -> &'static str {
        match self {
            Metric::Cosine => "<=>",
            Metric::InnerProduct => "<#>",
            Metric::L2 => "<->",
        }
    }

    pub fn name(self) -> &'static str {
        match self {
            Metric::Cosine => "cosine",
            Metric::InnerProduct => "ip",
            Metric::L2 => "l2",
        }
    }

    pub fn parse(s: &str) -> Option<Metric> {
        Metric::ALL.into_iter().find(|m| m.name() == s)
    }

    /// The distance an index of operator class `ops` serves
    /// (`vector_l2_ops` → L2; `halfvec_…` and `sparsevec_…` alike).
    pub fn of_opclass(ops: &str) -> Option<Metric> {
        match ops.rsplit_once('_').map(|(head, _)| head)?.rsplit('_').next()? {
            "cosine" => Some(Metric::Cosine),
            "ip" => Some(Metric::InnerProduct),
            "l2" => Some(Metric::L2),
            _ => None,
        }
    }

    /// Does the knowledge base's vector index serve this metric?
    pub fn indexed(self) -> bool {
        self == Metric::Cosine
    }

    /// The similarity shown for a raw distance: 1 − distance for cosine,
    /// the inner product itself for ip (pgvector's `<#>` is its negative),
    /// none for L2 (only the distance means something).
    pub fn similarity(self, distance: f64) -> Option<f64> {
        match self {
            Metric::Cosine => Some(1.0 - distance),
            Metric::InnerProduct => Some(-distance),
            Metric::L2 => None,
        }
    }
}

/// How the index is searched.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Mode {
    /// Through the vector index (HNSW), with its settings.
    Approximate { ef_search: Option<u32>, probes: Option<u32>, iterative_scan: bool },
    /// Every chunk of the knowledge base compared (the vector index kept out).
    Exact,
}

#[derive(Debug, Clone, PartialEq)]
pub struct SearchParams {
    pub kb: Uuid,
    pub dim: i32,
    pub k: u32,
    pub metric: Metric,
    pub mode: Mode,
    /// Cosine similarity a hit must exceed (as `match_chunks`' `match_threshold`).
    pub threshold: Option<f64>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Hit {
    pub chunk_id: Uuid,
    pub document_id: Uuid,
    pub filename: String,
    pub chunk_index: i32,
    pub token_count: Option<i32>,
    pub content: String,
    pub distance: f64,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Found {
    /// The top k by distance, before the threshold.
    pub ranked: Vec<Hit>,
    /// How many of them pass the threshold (all when there is none).
    pub passed: usize,
    pub query_ms: f64,
}

impl Found {
    /// The hits that pass the threshold, best first.
    pub fn hits(&self) -> &[Hit] {
        &self.ranked[..self.passed]
    }
}

fn check(p: &SearchParams, query: &Vector) -> Result<()> {
    if query.as_slice().len() as i32 != p.dim {
        return Err(DbError::Filter(format!(
            "the query vector has {} dimensions, the knowledge base {}",
            query.as_slice().len(),
            p.dim
        )));
    }
    if p.k == 0 || p.k > 1000 {
        return Err(DbError::Filter("k must be from 1 to 1000".into()));
    }
    if p.threshold.is_some() && p.metric != Metric::Cosine {
        return Err(DbError::Filter(
            "the threshold is a cosine similarity: it applies to the cosine metric only".into(),
        ));
    }
    Ok(())
}

impl Mode {
    /// How the layout's reader runs it.
    pub fn vector_mode(self) -> VectorMode {
        match self {
            Mode::Exact => VectorMode::EXACT,
            Mode::Approximate { ef_search, probes, iterative_scan } => {
                VectorMode { exact: false, probes, ef_search, single_pass: !iterative_scan, metric: None }
            }
        }
    }
}

/// What a search of ours compares with: the query, among the chunks of the
/// knowledge base's documents, by the metric asked for.
fn probe_and_mode<'a>(query: &'a Vector, kb: &'a str, p: &SearchParams) -> (Probe<'a>, VectorMode) {
    let probe = Probe::VectorIn { vector: query.as_slice(), grandparent: kb };
    (probe, VectorMode { metric: Some(p.metric), ..p.mode.vector_mode() })
}

/// The top k chunks for `query`, read through our layout (`ours`) as every
/// platform's nearest rows are; then what the Search tab shows of each
/// beyond its text (document, position, tokens), by id.
pub async fn search(conn: &mut PgConnection, ours: &Mapped, query: &Vector, p: &SearchParams) -> Result<Found> {
    check(p, query)?;
    let kb = p.kb.to_string();
    let (probe, mode) = probe_and_mode(query, &kb, p);
    let t = Instant::now();
    let nearest = ours.nearest(conn, Kind::Chunk, probe, p.k, mode).await?;
    let query_ms = t.elapsed().as_secs_f64() * 1000.0;
    // What the tab shows of each came with it: its document (the parent)
    // and its name, its position, and its tokens (a shown column). In
    // distance order, equal distances by id.
    let tokens = ours.layout.entity(Kind::Chunk).and_then(|e| e.shown.iter().position(|c| c == "token_count"));
    let uuid = |t: &str| Uuid::parse_str(t).map_err(|_| DbError::Invalid(format!("'{t}' is not one of our ids")));
    let ranked = nearest
        .into_iter()
        .map(|n| {
            Ok(Hit {
                chunk_id: uuid(&n.id)?,
                document_id: uuid(n.parent.as_deref().unwrap_or_default())?,
                filename: n.parent_title.unwrap_or_default(),
                chunk_index: n.position.and_then(|p| p.parse().ok()).unwrap_or_default(),
                token_count: tokens.and_then(|i| n.cells.get(i).cloned().flatten()).and_then(|t| t.parse().ok()),
                content: n.text.unwrap_or_default(),
                distance: n.distance,
            })
        })
        .collect::<Result<Vec<Hit>>>()?;
    let passed = match p.threshold {
        Some(th) => ranked.iter().take_while(|h| p.metric.similarity(h.distance).unwrap_or(f64::MIN) > th).count(),
        None => ranked.len(),
    };
    Ok(Found { ranked, passed, query_ms })
}

/// The plan of the search, run (EXPLAIN ANALYZE, BUFFERS), and whether the
/// vector index served it.
pub async fn explain(
    conn: &mut PgConnection,
    ours: &Mapped,
    query: &Vector,
    p: &SearchParams,
) -> Result<(String, bool)> {
    check(p, query)?;
    let kb = p.kb.to_string();
    let (probe, mode) = probe_and_mode(query, &kb, p);
    ours.explain_nearest(conn, Kind::Chunk, probe, p.k, mode).await
}

/// The plan with each vector literal ('[0.1,0.2,…]') cut to `'[…]'`.
pub(crate) fn shorten_vectors(line: &str) -> String {
    let mut out = String::with_capacity(line.len().min(512));
    let mut rest = line;
    while let Some(i) = rest.find("'[") {
        out.push_str(&rest[..i]);
        match rest[i..].find("]'") {
            Some(j) => {
                out.push_str("'[…]'");
                rest = &rest[i + j + 2..];
            }
            None => {
                rest = &rest[i..];
                break;
            }
        }
    }
    out.push_str(rest);
    out
}

/// How an approximate ranking compares with the exact one, by the ids of
/// their rows (a chunk's UUID, another platform's id of any type).
#[derive(Debug, Clone, PartialEq)]
pub struct Comparison<Id> {
    /// Share of the exact top k that the approximate search found.
    pub recall: f64,
    /// In both, at another rank: (row, exact rank, approximate rank), 1-based.
    pub moved: Vec<(Id, usize, usize)>,
    /// Only in the approximate result.
    pub appeared: Vec<Id>,
    /// Only in the exact result.
    pub vanished: Vec<Id>,
}

pub fn compare<Id: Clone + Eq + std::hash::Hash>(approximate: &[Id], exact: &[Id]) -> Comparison<Id> {
    let rank =
        |ids: &[Id]| -> HashMap<Id, usize> { ids.iter().enumerate().map(|(i, id)| (id.clone(), i + 1)).collect() };
    let (a, e) = (rank(approximate), rank(exact));
    let found = exact.iter().filter(|id| a.contains_key(*id)).count();
    let recall = if exact.is_empty() { 1.0 } else { found as f64 / exact.len() as f64 };
    let moved = exact
        .iter()
        .filter_map(|id| {
            let (re, ra) = (e[id], *a.get(id)?);
            (re != ra).then(|| (id.clone(), re, ra))
        })
        .collect();
    let appeared = approximate.iter().filter(|id| !e.contains_key(*id)).cloned().collect();
    let vanished = exact.iter().filter(|id| !a.contains_key(*id)).cloned().collect();
    Comparison { recall, moved, appeared, vanished }
}

/// What the platform's own `match_chunks` returns for the same vector:
/// (chunk, similarity), best first.
pub async fn match_chunks(
    conn: &mut PgConnection,
    kb: Uuid,
    query: &Vector,
    threshold: f64,
    k: u32,
) -> Result<Vec<(Uuid, f64)>> {
    Ok(sqlx::query_as("SELECT id, similarity FROM match_chunks($1, $2, $3, $4)")
        .bind(kb)
        .bind(query)
        .bind(threshold)
        .bind(k as i32)
        .fetch_all(conn)
        .await?)
}

/// What an index setting (`ivfflat.probes`, `hnsw.ef_search`) is on this
/// connection: the server's, the database's or the role's, as the
/// platform tuned it; `None` where pgvector is not loaded yet.
pub async fn index_setting(conn: &mut PgConnection, name: &str) -> Result<Option<u32>> {
    let value: Option<String> =
        sqlx::query_scalar("SELECT current_setting($1, true)").bind(name).fetch_one(&mut *conn).await?;
    Ok(value.and_then(|v| v.trim().parse().ok()))
}

/// A stored chunk's vector, its knowledge base and dimension: the query of
/// "more like this", which needs no model.
pub async fn chunk_vector(conn: &mut PgConnection, chunk: Uuid) -> Result<(Vector, Uuid, i32)> {
    sqlx::query_as("SELECT embedding, kb_id, embedding_dim FROM chunks WHERE id = $1")
        .bind(chunk)
        .fetch_optional(conn)
        .await?
        .ok_or_else(|| DbError::NotFound(format!("chunk {chunk}")))
}

/// File name, position and text of chunks, by id (for rows that only a
/// text ranking found).
pub async fn describe(
    conn: &mut PgConnection,
    ids: &[Uuid],
) -> Result<Vec<(Uuid, Uuid, String, i32, Option<i32>, String)>> {
    Ok(sqlx::query_as(
        "SELECT c.id, c.document_id, d.filename, c.chunk_index, c.token_count, c.content \
         FROM chunks c JOIN documents d ON d.id = c.document_id WHERE c.id = ANY($1)",
    )
    .bind(ids)
    .fetch_all(conn)
    .await?)
}

/// A chunk's neighbours in its document: the chunks just before and after.
pub async fn neighbours(conn: &mut PgConnection, document: Uuid, index: i32) -> Result<Vec<(i32, String)>> {
    Ok(sqlx::query_as(
        "SELECT chunk_index, content FROM chunks WHERE document_id = $1 AND chunk_index BETWEEN $2 - 1 AND $2 + 1 \
         AND chunk_index <> $2 ORDER BY chunk_index, id",
    )
    .bind(document)
    .bind(index)
    .fetch_all(conn)
    .await?)
}

/// Full-text ranking of a knowledge base's chunks over the stored
/// `content_tsv`: (chunk, rank score), best first. The text is parsed by
/// `websearch_to_tsquery` with the `english` configuration of the stored
/// column (stop words dropped, words stemmed; quotes, `-word`, `or`), and its
/// words are then OR-ed: a question's words rarely all occur in one chunk,
/// and `ts_rank_cd` ranks the chunks with more (and closer) of them first. A
/// query with an exclusion (`-word`) keeps its AND: OR-ing a negation would
/// match nearly every chunk.
pub async fn text_search(conn: &mut PgConnection, kb: Uuid, text: &str, k: u32) -> Result<Vec<(Uuid, f64)>> {
    Ok(sqlx::query_as(
        "SELECT c.id, ts_rank_cd(c.content_tsv, w.q)::float8 AS rank \
         FROM chunks c, (SELECT CASE WHEN strpos(t::text, '!') > 0 THEN t \
                                     ELSE nullif(replace(t::text, ' & ', ' | '), '')::tsquery END AS q \
                          FROM websearch_to_tsquery('english', $2) t) w \
         WHERE c.kb_id = $1 AND w.q IS NOT NULL AND c.content_tsv @@ w.q ORDER BY rank DESC, c.id LIMIT $3",
    )
    .bind(kb)
    .bind(text)
    .bind(k as i64)
    .fetch_all(conn)
    .await?)
}

/// One chunk of a hybrid result.
#[derive(Debug, Clone, PartialEq)]
pub struct Fused {
    pub chunk_id: Uuid,
    /// 1-based ranks and scores in each list, if the chunk is in it.
    pub vector: Option<(usize, f64)>,
    pub text: Option<(usize, f64)>,
    pub score: f64,
}

/// The constant of reciprocal rank fusion (as in the original paper).
pub const RRF_K: f64 = 60.0;

/// Reciprocal rank fusion of a vector ranking (chunk, similarity) and a
/// text ranking (chunk, text score): each list adds 1 / (RRF_K + rank).
pub fn fuse(vector: &[(Uuid, f64)], text: &[(Uuid, f64)], k: usize) -> Vec<Fused> {
    let mut by_chunk: HashMap<Uuid, Fused> = HashMap::new();
    for (i, (id, s)) in vector.iter().enumerate() {
        let f = by_chunk.entry(*id).or_insert(Fused { chunk_id: *id, vector: None, text: None, score: 0.0 });
        f.vector = Some((i + 1, *s));
        f.score += 1.0 / (RRF_K + (i + 1) as f64);
    }
    for (i, (id, s)) in text.iter().enumerate() {
        let f = by_chunk.entry(*id).or_insert(Fused { chunk_id: *id, vector: None, text: None, score: 0.0 });
        f.text = Some((i + 1, *s));
        f.score += 1.0 / (RRF_K + (i + 1) as f64);
    }
    let mut out: Vec<Fused> = by_chunk.into_values().collect();
    out.sort_by(|a, b| b.score.total_cmp(&a.score).then(a.chunk_id.cmp(&b.chunk_id)));
    out.truncate(k);
    out
}

/// A hit of chunk `n` at distance `d`, for tests.
#[cfg(test)]
pub(crate) fn test_hit(n: u128, d: f64) -> Hit {
    Hit {
        chunk_id: Uuid::from_u128(n),
        document_id: Uuid::nil(),
        filename: String::new(),
        chunk_index: 0,
        token_count: None,
        content: String::new(),
        distance: d,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn hit(n: u128, d: f64) -> Hit {
        test_hit(n, d)
    }

    #[test]
    fn recall_and_moves_against_the_exact_result() {
        let exact = [hit(1, 0.1), hit(2, 0.2), hit(3, 0.3), hit(4, 0.4)];
        let approx = [hit(2, 0.2), hit(1, 0.1), hit(3, 0.3), hit(9, 0.5)];
        let id = |hits: &[Hit]| hits.iter().map(|h| h.chunk_id).collect::<Vec<_>>();
        let c = compare(&id(&approx), &id(&exact));
        assert_eq!(c.recall, 0.75);
        assert_eq!(c.vanished, vec![Uuid::from_u128(4)]);
        assert_eq!(c.appeared, vec![Uuid::from_u128(9)]);
        assert_eq!(c.moved, vec![(Uuid::from_u128(1), 1, 2), (Uuid::from_u128(2), 2, 1)]);
    }

    #[test]
    fn fusion_adds_reciprocal_ranks() {
        let (a, b, c) = (Uuid::from_u128(1), Uuid::from_u128(2), Uuid::from_u128(3));
        // a: vector 1st and text 2nd; b: text 1st only; c: vector 2nd only.
        let fused = fuse(&[(a, 0.9), (c, 0.8)], &[(b, 0.5), (a, 0.4)], 10);
        assert_eq!(fused[0].chunk_id, a);
        assert!((fused[0].score - (1.0 / 61.0 + 1.0 / 62.0)).abs() < 1e-12);
        assert_eq!(fused[0].vector, Some((1, 0.9)));
        assert_eq!(fused[0].text, Some((2, 0.4)));
        // b (text 1st) and c (vector 2nd): 1/61 beats 1/62.
        assert_eq!(fused[1].chunk_id, b);
        assert_eq!(fused[2].chunk_id, c);
        assert_eq!(fused.len(), 3);
    }

    #[test]
    fn plans_show_no_vector_literals() {
        assert_eq!(
            shorten_vectors("Order By: (e <=> '[0.1,0.2,0.3]'::vector(3)) and '[1]'"),
            "Order By: (e <=> '[…]'::vector(3)) and '[…]'"
        );
    }

    #[test]
    fn similarities_per_metric() {
        assert_eq!(Metric::Cosine.similarity(0.25), Some(0.75));
        assert_eq!(Metric::InnerProduct.similarity(-0.5), Some(0.5));
        assert_eq!(Metric::L2.similarity(1.0), None);
        assert_eq!(Metric::parse("ip"), Some(Metric::InnerProduct));
    }
}
