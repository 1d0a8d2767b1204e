//! One similarity search as the console and the CLI run it: embed the
//! query with the knowledge base's own model (or take a stored chunk's
//! vector: "more like this"), run the top k, and everything that explains
//! the result: the exact search beside the approximate one with recall@k,
//! what the platform's `match_chunks` returns, full-text ranking fused by
//! reciprocal rank, and the timings.

pub mod history;
pub mod layout;

use std::time::Instant;

use pgvector::Vector;
use serde::Serialize;
use sqlx::PgConnection;
use uuid::Uuid;

use crate::db::knowledge::KnowledgeBaseRow;
use crate::db::search::{self as sql, Comparison, Hit, Metric, Mode, SearchParams};
use crate::db::{Db, DbError};
use crate::embed::{self, Provider};

/// What to search with.
#[derive(Debug, Clone, PartialEq)]
pub enum Query {
    /// Text, embedded with the knowledge base's model.
    Text(String),
    /// A stored chunk's own vector: no model needed.
    Like(Uuid),
}

#[derive(Debug, Clone, PartialEq)]
pub struct Request {
    pub kb: KnowledgeBaseRow,
    pub query: Query,
    pub k: u32,
    pub metric: Metric,
    pub threshold: Option<f64>,
    pub mode: Mode,
    /// Also run the exact search and compare.
    pub compare: bool,
    /// Also rank by full text and fuse the two rankings.
    pub hybrid: bool,
    /// How many top scores the histogram shows (0: none beyond k).
    pub histogram: u32,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Row {
    pub rank: usize,
    pub chunk_id: Uuid,
    pub document_id: Uuid,
    pub filename: String,
    pub chunk_index: i32,
    pub token_count: Option<i32>,
    pub distance: f64,
    /// 1 − distance for cosine, the inner product for ip, none for L2.
    pub similarity: Option<f64>,
    pub content: String,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct CompareReport {
    pub recall: f64,
    pub exact_ms: f64,
    /// (chunk, exact rank, approximate rank)
    pub moved: Vec<(Uuid, usize, usize)>,
    pub appeared: Vec<Uuid>,
    pub vanished: Vec<Uuid>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct FusedRow {
    pub chunk_id: Uuid,
    pub filename: String,
    pub chunk_index: i32,
    pub content: String,
    pub vector_rank: Option<usize>,
    pub vector_score: Option<f64>,
    pub text_rank: Option<usize>,
    pub text_score: Option<f64>,
    pub fused: f64,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Outcome {
    pub kb: String,
    pub metric: &'static str,
    /// The vector index serves this metric (cosine); the others scan.
    pub index_serves_metric: bool,
    pub exact: bool,
    pub k: u32,
    pub threshold: Option<f64>,
    /// The top k, before the threshold.
    pub rows: Vec<Row>,
    /// How many pass the threshold.
    pub passed: usize,
    pub embed_ms: f64,
    pub query_ms: f64,
    pub total_ms: f64,
    pub compare: Option<CompareReport>,
    /// Does `match_chunks` return the same chunks in the same order?
    /// (cosine only; `None` when not asked or not applicable)
    pub platform_agrees: Option<bool>,
    pub hybrid: Option<Vec<FusedRow>>,
    /// Similarities of the top N (N = the request's histogram, or k), best first.
    pub scores: Vec<f64>,
    /// The query vector (for more-like-this, histograms, re-runs).
    #[serde(skip)]
    pub vector: Vec<f32>,
}

impl Request {
    /// The database query this request runs first (its top k).
    pub fn params(&self) -> SearchParams {
        SearchParams {
            kb: self.kb.id,
            dim: self.kb.embedding_dim,
            k: self.k,
            metric: self.metric,
            mode: self.mode,
            threshold: self.threshold,
        }
    }
}

impl Outcome {
    /// The rows that pass the threshold.
    pub fn hits(&self) -> &[Row] {
        &self.rows[..self.passed]
    }
}

#[derive(Debug, thiserror::Error)]
pub enum SearchError {
    #[error(transparent)]
    Db(#[from] DbError),
    #[error(transparent)]
    Embed(#[from] embed::EmbedError),
    #[error("{0}")]
    Refused(String),
}

/// Runs one search on its own connection. `provider` is needed for a text
/// query only; it must be the model the knowledge base was built with.
pub async fn run(db: &Db, provider: Option<&Provider>, req: &Request) -> Result<Outcome, SearchError> {
    let started = Instant::now();
    let mut conn = db.acquire().await?;
    let (vector, embed_ms) = query_vector(&mut conn, provider, req).await?;
    run_with_vector(&mut conn, req, vector, embed_ms, started).await
}

/// The query as a vector, and how long embedding it took: the text
/// embedded with the knowledge base's own model, or a stored chunk's vector.
pub async fn query_vector(
    conn: &mut PgConnection,
    provider: Option<&Provider>,
    req: &Request,
) -> Result<(Vector, f64), SearchError> {
    match &req.query {
        Query::Like(chunk) => {
            let (v, kb, _) = sql::chunk_vector(conn, *chunk).await?;
            if kb != req.kb.id {
                return Err(SearchError::Refused("that chunk belongs to another knowledge base".into()));
            }
            Ok((v, 0.0))
        }
        Query::Text(text) => embed_text(provider, req, text).await,
    }
}

/// Embeds a text query (no database needed).
pub async fn embed_text(provider: Option<&Provider>, req: &Request, text: &str) -> Result<(Vector, f64), SearchError> {
    let provider = provider.ok_or_else(|| {
        SearchError::Refused(format!(
            "no model to embed the query: this knowledge base was built with {}:{} ({}-d)",
            req.kb.embedding_provider, req.kb.embedding_model, req.kb.embedding_dim
        ))
    })?;
    embed::ensure_same_model(&req.kb.model_spec(), provider.as_ref())?;
    let t = Instant::now();
    let mut out = provider.embed(&[text.to_string()]).await?;
    let v = out.pop().ok_or_else(|| SearchError::Refused("the model returned no vector".into()))?;
    Ok((Vector::from(v), t.elapsed().as_secs_f64() * 1000.0))
}

/// Everything after the query vector: the top k, the comparison, the
/// platform's function, the hybrid ranking and the histogram's scores.
pub async fn run_with_vector(
    conn: &mut PgConnection,
    req: &Request,
    vector: Vector,
    embed_ms: f64,
    started: Instant,
) -> Result<Outcome, SearchError> {
    let params = req.params();
    let found = sql::search(conn, &vector, &params).await?;
    let compare = if req.compare && req.mode != Mode::Exact {
        let exact = sql::search(conn, &vector, &SearchParams { mode: Mode::Exact, ..params.clone() }).await?;
        let Comparison { recall, moved, appeared, vanished } = sql::compare(&found.ranked, &exact.ranked);
        Some(CompareReport { recall, exact_ms: exact.query_ms, moved, appeared, vanished })
    } else {
        None
    };
    let platform_agrees = if req.metric == Metric::Cosine {
        // Like with like: match_chunks runs the index at the server's
        // default ef_search with relaxed_order, so ours is compared with
        // the same search, not with an exact or re-tuned one.
        let default = Mode::Approximate { ef_search: None, iterative_scan: true };
        let ours = if req.mode == default {
            found.clone()
        } else {
            sql::search(conn, &vector, &SearchParams { mode: default, ..params.clone() }).await?
        };
        let threshold = req.threshold.unwrap_or(f64::NEG_INFINITY);
        let theirs = sql::match_chunks(conn, req.kb.id, &vector, threshold, req.k).await?;
        Some(same_ranking(&theirs, ours.hits()))
    } else {
        None
    };
    // One wider top list serves both the histogram (top N scores) and the
    // hybrid fusion (a vector ranking deeper than k); none when k covers both.
    let hybrid_text = match &req.query {
        Query::Text(text) if req.hybrid => Some(text.as_str()),
        _ => None,
    };
    let depth = if hybrid_text.is_some() { req.k.max(50) } else { req.k };
    let wide_k = req.histogram.max(depth);
    let wide = if wide_k > req.k {
        sql::search(conn, &vector, &SearchParams { k: wide_k, threshold: None, ..params.clone() }).await?.ranked
    } else {
        found.ranked.clone()
    };
    let scores: Vec<f64> =
        wide.iter().take(req.histogram.max(req.k) as usize).filter_map(|h| req.metric.similarity(h.distance)).collect();
    let hybrid = match hybrid_text {
        Some(text) => {
            let text_ranked = sql::text_search(conn, req.kb.id, text, depth).await?;
            let vector_ranked = &wide[..wide.len().min(depth as usize)];
            let vr: Vec<(Uuid, f64)> = vector_ranked
                .iter()
                .map(|h| (h.chunk_id, req.metric.similarity(h.distance).unwrap_or(-h.distance)))
                .collect();
            let fused = sql::fuse(&vr, &text_ranked, req.k as usize);
            let ids: Vec<Uuid> = fused.iter().map(|f| f.chunk_id).collect();
            let about: std::collections::HashMap<Uuid, (String, i32, String)> = sql::describe(conn, &ids)
                .await?
                .into_iter()
                .map(|(id, _, filename, index, _, content)| (id, (filename, index, content)))
                .collect();
            Some(
                fused
                    .into_iter()
                    .map(|f| {
                        let (filename, chunk_index, content) = about.get(&f.chunk_id).cloned().unwrap_or_default();
                        FusedRow {
                            chunk_id: f.chunk_id,
                            filename,
                            chunk_index,
                            content,
                            vector_rank: f.vector.map(|v| v.0),
                            vector_score: f.vector.map(|v| v.1),
                            text_rank: f.text.map(|t| t.0),
                            text_score: f.text.map(|t| t.1),
                            fused: f.score,
                        }
                    })
                    .collect(),
            )
        }
        _ => None,
    };
    let rows = found.ranked.iter().enumerate().map(|(i, h)| row(i + 1, h, req.metric)).collect();
    Ok(Outcome {
        kb: req.kb.name.clone(),
        metric: req.metric.name(),
        index_serves_metric: req.metric.indexed(),
        exact: req.mode == Mode::Exact,
        k: req.k,
        threshold: req.threshold,
        rows,
        passed: found.passed,
        embed_ms,
        query_ms: found.query_ms,
        total_ms: started.elapsed().as_secs_f64() * 1000.0,
        compare,
        platform_agrees,
        hybrid,
        scores,
        vector: vector.to_vec(),
    })
}

/// Do `theirs` (chunk, similarity) and `ours` name the same chunks in the
/// same order? Chunks of equal similarity may come in either order (the
/// function breaks no ties).
fn same_ranking(theirs: &[(Uuid, f64)], ours: &[Hit]) -> bool {
    if theirs.len() != ours.len() {
        return false;
    }
    let same_set = {
        let mut a: Vec<Uuid> = theirs.iter().map(|t| t.0).collect();
        let mut b: Vec<Uuid> = ours.iter().map(|h| h.chunk_id).collect();
        a.sort();
        b.sort();
        a == b
    };
    same_set && theirs.iter().zip(ours).all(|(t, h)| (t.1 - (1.0 - h.distance)).abs() < 1e-9)
}

fn row(rank: usize, h: &Hit, metric: Metric) -> Row {
    Row {
        rank,
        chunk_id: h.chunk_id,
        document_id: h.document_id,
        filename: h.filename.clone(),
        chunk_index: h.chunk_index,
        token_count: h.token_count,
        distance: h.distance,
        similarity: metric.similarity(h.distance),
        content: h.content.clone(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    use crate::db::search::test_hit as hit;

    #[test]
    fn equal_similarities_may_come_in_either_order() {
        let ours = [hit(1, 0.1), hit(2, 0.2), hit(3, 0.2)];
        let u = Uuid::from_u128;
        assert!(same_ranking(&[(u(1), 0.9), (u(3), 0.8), (u(2), 0.8)], &ours), "a tie, swapped");
        assert!(!same_ranking(&[(u(2), 0.8), (u(1), 0.9), (u(3), 0.8)], &ours), "a real reorder");
        assert!(!same_ranking(&[(u(1), 0.9), (u(2), 0.8)], &ours), "one missing");
    }
}
