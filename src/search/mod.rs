//! One similarity search as the console and the CLI run it, on any layout:
//! embed the query with the model that wrote the vectors (or take a stored
//! row's vector: "more like this"), run the top k, and everything that
//! explains the result: the exact search beside the approximate one with
//! recall@k, the scores' histogram and the timings; on ragdesk's own
//! knowledge bases also what the platform's `match_chunks` returns and
//! full-text ranking fused by reciprocal rank.

pub mod history;
pub mod layout;

use std::time::Instant;

use pgvector::Vector;
use serde::Serialize;
use sqlx::PgConnection;
use uuid::Uuid;

use crate::db::knowledge::KnowledgeBaseRow;
use crate::db::mapped::{Mapped, Probe, VectorMode};
use crate::db::search::{self as sql, Comparison, Hit, Metric, Mode, SearchParams};
use crate::db::{Db, DbError};
use crate::embed::{self, Provider};
use crate::schema::Kind;

/// What to search with.
#[derive(Debug, Clone, PartialEq)]
pub enum Query {
    /// Text, embedded with the model that wrote the vectors.
    Text(String),
    /// A stored row's own vector (its id as text): no model needed.
    Like(String),
}

/// Whose vectors a search compares.
#[derive(Debug, Clone, PartialEq)]
pub enum Scope {
    /// One of ragdesk's knowledge bases.
    Knowledge(KnowledgeBaseRow),
    /// Another platform's rows, through its layout.
    Layout(LayoutScope),
}

/// Another platform's vectors, as `Mapped::nearest` scopes them: the rows
/// of `kind` under the row `within` (and, for a document's chunks, under
/// the other documents of its parent).
#[derive(Debug, Clone, PartialEq)]
pub struct LayoutScope {
    pub layout: String,
    pub kind: Kind,
    /// The entity in the platform's words ("Page embeddings").
    pub label: String,
    /// The parent row a text query searches under: (id, what it is
    /// called). More like a row needs none: the row says where it belongs.
    pub within: Option<(String, String)>,
    /// The column's vector index method (`hnsw`, `ivfflat`), if any.
    pub index: Option<String>,
    /// The distance the column's index serves (cosine without one).
    pub metric: Metric,
    /// `within` is the parent of the rows' documents (a domain, whose
    /// pages' chunks are searched), not one of the rows' own parents.
    pub whole: bool,
}

impl Scope {
    /// What is searched, for headings: the knowledge base's name, or the
    /// platform's entity and the row it is under.
    pub fn name(&self) -> String {
        match self {
            Scope::Knowledge(kb) => kb.name.clone(),
            Scope::Layout(s) => s.name(),
        }
    }

    /// The name its remembered questions are kept under (a file name:
    /// another platform's ids may hold any character, so they are hashed).
    pub fn history_key(&self) -> String {
        match self {
            Scope::Knowledge(kb) => kb.id.to_string(),
            Scope::Layout(s) => {
                use sha2::Digest;
                let within = s.within.as_ref().map(|w| w.0.as_str()).unwrap_or("");
                let digest = sha2::Sha256::digest(format!("{}\0{}\0{within}\0{}", s.layout, s.kind.name(), s.whole));
                let hex: String = digest.iter().take(16).map(|b| format!("{b:02x}")).collect();
                format!("layout-{hex}")
            }
        }
    }

    /// The index method an approximate search goes through.
    pub fn index(&self) -> Option<&str> {
        match self {
            Scope::Knowledge(_) => Some("hnsw"),
            Scope::Layout(s) => s.index(),
        }
    }
}

impl LayoutScope {
    /// The vectors of `kind` in `layout` under `within` (id, what it is
    /// called), searched through the column's `index` by `metric`. Said as
    /// `Mapped::nearest` searches it: a document's chunks are searched with
    /// those of every document under the same parent (a page's with its
    /// whole domain's), so the title names that parent.
    pub fn new(
        layout: &crate::schema::Layout,
        kind: Kind,
        within: Option<(String, String)>,
        index: Option<String>,
        metric: Metric,
    ) -> LayoutScope {
        let widened = layout
            .parent_of(kind)
            .filter(|p| *p == Kind::Document)
            .and_then(|p| layout.parent_of(p))
            .map(|g| layout.label(g).to_string());
        let within = match (within, widened) {
            (Some((id, title)), Some(g)) => {
                let documents = layout.label(Kind::Document);
                Some((id, format!("{title} and the other {documents} of its {g}")))
            }
            (within, _) => within,
        };
        LayoutScope {
            layout: layout.name.clone(),
            kind,
            label: layout.label(kind).to_string(),
            within,
            index,
            metric,
            whole: false,
        }
    }

    /// The vectors of `kind` in every document under `within` (id, what it
    /// is called): a domain's pages' chunks, a project's documents'.
    pub fn under_documents_of(
        layout: &crate::schema::Layout,
        kind: Kind,
        within: (String, String),
        index: Option<String>,
        metric: Metric,
    ) -> LayoutScope {
        LayoutScope { within: Some(within), whole: true, ..LayoutScope::new(layout, kind, None, index, metric) }
    }

    fn name(&self) -> String {
        match &self.within {
            Some((_, title)) => format!("{} of {title}", self.label),
            None => self.label.clone(),
        }
    }

    /// The vector index an approximate search goes through (not a btree
    /// someone put on the column).
    fn index(&self) -> Option<&str> {
        self.index.as_deref().filter(|i| matches!(*i, "hnsw" | "ivfflat"))
    }
}

#[derive(Debug, Clone, PartialEq)]
pub struct Request {
    pub scope: Scope,
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
    /// The row's id as text (a chunk's UUID on ragdesk's own schema).
    pub chunk_id: String,
    /// Ragdesk's own chunks only: their document.
    pub document_id: Option<String>,
    /// Our chunk's file; another platform's row's parent's title (its page
    /// or document), where its layout names one.
    pub filename: String,
    pub chunk_index: Option<i32>,
    pub token_count: Option<i32>,
    pub distance: f64,
    /// 1 − distance for cosine, the inner product for ip, none for L2.
    pub similarity: Option<f64>,
    pub content: String,
}

impl Row {
    /// Where the row is: `file.pdf#3` for ragdesk's chunks; for another
    /// platform's rows, what their parent is called (a page, a document)
    /// where the layout says, else their id.
    pub fn place(&self) -> String {
        match self.chunk_index {
            Some(i) => format!("{}#{i}", self.filename),
            None if !self.filename.is_empty() => self.filename.clone(),
            None => self.chunk_id.clone(),
        }
    }
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct CompareReport {
    pub recall: f64,
    pub exact_ms: f64,
    /// (row, exact rank, approximate rank)
    pub moved: Vec<(String, usize, usize)>,
    pub appeared: Vec<String>,
    pub vanished: Vec<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct FusedRow {
    pub chunk_id: String,
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
    /// What was searched (`Scope::name`).
    pub kb: String,
    pub metric: &'static str,
    /// A vector index serves the distance searched by: on our chunks, HNSW
    /// serves cosine only (ip and L2 scan); another platform's column is
    /// searched by the distance its index serves, so any index of it does.
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
    /// How it searched (`Request::how`): exact, or the index and its breadth.
    pub searched_by: String,
    /// The breadth the index was searched at (`ivfflat.probes`,
    /// `hnsw.ef_search`): the one asked, else the server's own setting
    /// (read, so that doubling it doubles what applied).
    pub breadth: Option<u32>,
    /// Which model embedded a text query, when it is not the knowledge
    /// base's own (another platform's vectors: where that was said).
    pub model: Option<String>,
    /// The query vector (for more-like-this, histograms, re-runs).
    #[serde(skip)]
    pub vector: Vec<f32>,
}

impl Request {
    /// How the request searches: exact, or through which index at what
    /// breadth (`HNSW index, ef_search 40 (default)`).
    pub fn how(&self) -> String {
        match (self.mode, self.scope.index()) {
            (Mode::Exact, _) | (_, None) => "exact scan".into(),
            (_, Some("hnsw")) if !self.metric.indexed() && matches!(self.scope, Scope::Knowledge(_)) => {
                "exact scan (the index serves cosine only)".into()
            }
            (Mode::Approximate { ef_search, .. }, Some("hnsw")) => format!(
                "HNSW index, ef_search {}",
                ef_search.map(|e| e.to_string()).unwrap_or_else(|| "the server's setting".into())
            ),
            (Mode::Approximate { probes, .. }, Some(other)) => {
                format!(
                    "{other} index, probes {}",
                    probes.map(|p| p.to_string()).unwrap_or_else(|| "1 (default)".into())
                )
            }
        }
    }

    /// The database query this request runs first on a knowledge base of
    /// ours (its top k).
    pub fn params(&self, kb: &KnowledgeBaseRow) -> SearchParams {
        SearchParams {
            kb: kb.id,
            dim: kb.embedding_dim,
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

/// Runs one search on ragdesk's own knowledge bases, on its own
/// connection. `provider` is needed for a text query only; it must be the
/// model the knowledge base was built with.
pub async fn run(db: &Db, provider: Option<&Provider>, req: &Request) -> Result<Outcome, SearchError> {
    let Scope::Knowledge(kb) = &req.scope else {
        return Err(SearchError::Refused("another platform's vectors are searched with its layout".into()));
    };
    let started = Instant::now();
    let embedded = match &req.query {
        Query::Text(text) => {
            let provider = provider.ok_or_else(|| {
                SearchError::Refused(format!(
                    "no model to embed the query: this knowledge base was built with {}:{} ({}-d)",
                    kb.embedding_provider, kb.embedding_model, kb.embedding_dim
                ))
            })?;
            Some(embed_text(provider, &kb.model_spec(), text).await?)
        }
        Query::Like(_) => None,
    };
    let ours = db.ours().await?;
    let mut conn = db.acquire().await?;
    run_with_vector(&mut conn, &ours, req, embedded, started).await
}

/// Embeds a text query with `provider`, which must be the model `spec`
/// names (no database needed): the vector and how long it took.
pub async fn embed_text(
    provider: &Provider,
    spec: &crate::spec::ModelSpec,
    text: &str,
) -> Result<(Vec<f32>, f64), SearchError> {
    embed::ensure_same_model(spec, provider.as_ref())?;
    let t = Instant::now();
    let mut out = provider.embed(&[text.to_string()]).await?;
    let v = out.pop().ok_or_else(|| SearchError::Refused("the model returned no vector".into()))?;
    if v.len() != spec.dim {
        return Err(SearchError::Refused(format!(
            "the model returned {}-d vectors; the vectors searched are {}-d",
            v.len(),
            spec.dim
        )));
    }
    Ok((v, t.elapsed().as_secs_f64() * 1000.0))
}

/// Everything after embedding: the top k and what explains it, on either
/// kind of scope. `embedded` is a text query's vector and how long it
/// took; `None` for more like a stored row. `mapped` is the database's
/// layout, which reads the vectors: ours for a `Scope::Knowledge`,
/// another platform's for a `Scope::Layout`.
pub async fn run_with_vector(
    conn: &mut PgConnection,
    mapped: &Mapped,
    req: &Request,
    embedded: Option<(Vec<f32>, f64)>,
    started: Instant,
) -> Result<Outcome, SearchError> {
    match &req.scope {
        Scope::Knowledge(kb) => {
            let ours = ours(mapped)?;
            let (vector, embed_ms) = match embedded {
                Some((v, ms)) => (Vector::from(v), ms),
                None => (like_vector(conn, req, kb).await?, 0.0),
            };
            run_knowledge(conn, ours, kb, req, vector, embed_ms, started).await
        }
        Scope::Layout(scope) => run_layout(conn, layout(mapped, scope)?, scope, req, embedded, started).await,
    }
}

/// Our layout, which our knowledge bases are searched through.
fn ours(mapped: &Mapped) -> Result<&Mapped, SearchError> {
    if mapped.layout.is_native() {
        Ok(mapped)
    } else {
        Err(SearchError::Refused(format!(
            "ragdesk's own knowledge bases are not in this database (layout '{}')",
            mapped.layout.name
        )))
    }
}

/// The layout a scope of another platform was made for, if it is this database's.
fn layout<'m>(mapped: &'m Mapped, scope: &LayoutScope) -> Result<&'m Mapped, SearchError> {
    if mapped.layout.name == scope.layout {
        Ok(mapped)
    } else {
        Err(SearchError::Refused(format!("this database is not read through layout '{}'", scope.layout)))
    }
}

/// A stored chunk's vector, which must be of the knowledge base searched.
async fn like_vector(conn: &mut PgConnection, req: &Request, kb: &KnowledgeBaseRow) -> Result<Vector, SearchError> {
    let Query::Like(id) = &req.query else {
        return Err(SearchError::Refused("a text query needs its vector".into()));
    };
    let chunk = Uuid::parse_str(id).map_err(|_| SearchError::Refused(format!("'{id}' is not a chunk id")))?;
    let (v, of_kb, _) = sql::chunk_vector(conn, chunk).await?;
    if of_kb != kb.id {
        return Err(SearchError::Refused("that chunk belongs to another knowledge base".into()));
    }
    Ok(v)
}

/// A search of one of our knowledge bases: the top k, the comparison, the
/// platform's function, the hybrid ranking and the histogram's scores.
async fn run_knowledge(
    conn: &mut PgConnection,
    ours: &Mapped,
    kb: &KnowledgeBaseRow,
    req: &Request,
    vector: Vector,
    embed_ms: f64,
    started: Instant,
) -> Result<Outcome, SearchError> {
    let params = req.params(kb);
    let found = sql::search(conn, ours, &vector, &params).await?;
    let compare = if req.compare && req.mode != Mode::Exact {
        let exact = sql::search(conn, ours, &vector, &SearchParams { mode: Mode::Exact, ..params.clone() }).await?;
        Some(report(&ids(&found.ranked), &ids(&exact.ranked), exact.query_ms))
    } else {
        None
    };
    let platform_agrees = if req.metric == Metric::Cosine {
        // Like with like: match_chunks runs the index at the server's
        // default ef_search with relaxed_order, so ours is compared with
        // the same search, not with an exact or re-tuned one.
        let default = Mode::Approximate { ef_search: None, probes: None, iterative_scan: true };
        let ours = if req.mode == default {
            found.clone()
        } else {
            sql::search(conn, ours, &vector, &SearchParams { mode: default, ..params.clone() }).await?
        };
        let threshold = req.threshold.unwrap_or(f64::NEG_INFINITY);
        let theirs = sql::match_chunks(conn, kb.id, &vector, threshold, req.k).await?;
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
        sql::search(conn, ours, &vector, &SearchParams { k: wide_k, threshold: None, ..params.clone() }).await?.ranked
    } else {
        found.ranked.clone()
    };
    let scores: Vec<f64> =
        wide.iter().take(req.histogram.max(req.k) as usize).filter_map(|h| req.metric.similarity(h.distance)).collect();
    let hybrid = match hybrid_text {
        Some(text) => {
            let text_ranked = sql::text_search(conn, kb.id, text, depth).await?;
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
                            chunk_id: f.chunk_id.to_string(),
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
        kb: kb.name.clone(),
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
        searched_by: req.how(),
        breadth: match req.mode {
            Mode::Approximate { ef_search, .. } => ef_search,
            Mode::Exact => None,
        },
        model: None,
        vector: vector.to_vec(),
    })
}

/// Refuses what cannot be searched before anything is done for it (a
/// question is not sent to a model, perhaps a paid one, to be refused
/// after): on another platform's vectors, what they do not offer, and a
/// question with no row to search under.
pub fn check_request(req: &Request) -> Result<(), SearchError> {
    let Scope::Layout(scope) = &req.scope else { return Ok(()) };
    check_layout_request(scope, req)?;
    match (&req.query, &scope.within) {
        (Query::Text(_), None) => Err(SearchError::Refused(format!(
            "a question searches the {} under one row: open their list from that row, or select it, and press s",
            scope.label
        ))),
        _ => Ok(()),
    }
}

/// What ragdesk's own knowledge bases offer and another platform's
/// vectors do not: refused with the reason, never silently ignored.
fn check_layout_request(scope: &LayoutScope, req: &Request) -> Result<(), SearchError> {
    if req.hybrid {
        return Err(SearchError::Refused(
            "hybrid ranking fuses ragdesk's full-text column; another platform's rows have none".into(),
        ));
    }
    if req.metric != scope.metric {
        return Err(SearchError::Refused(format!(
            "these vectors are compared by {} distance, the one their index serves",
            scope.metric.name()
        )));
    }
    if req.threshold.is_some() && scope.metric != Metric::Cosine {
        return Err(SearchError::Refused("the threshold is a cosine similarity: it applies to cosine only".into()));
    }
    if req.k == 0 || req.k > 1000 {
        return Err(SearchError::Refused("k must be from 1 to 1000".into()));
    }
    Ok(())
}

/// How a layout's search runs a request's mode: its breadth settings,
/// always with an iterative scan (the scope is a filter after the index;
/// the pane's toggle is our knowledge bases' only).
fn layout_mode(mode: Mode) -> VectorMode {
    VectorMode { single_pass: false, ..mode.vector_mode() }
}

/// What a layout search compares with: a stored row, or a text query's
/// vector under the scope's parent row.
fn probe<'a>(scope: &'a LayoutScope, req: &'a Request, vector: Option<&'a [f32]>) -> Result<Probe<'a>, SearchError> {
    match (&req.query, vector) {
        (Query::Like(id), _) => Ok(Probe::Row(id)),
        (Query::Text(_), Some(vector)) => match &scope.within {
            Some((within, _)) if scope.whole => Ok(Probe::VectorIn { vector, grandparent: within }),
            Some((within, _)) => Ok(Probe::Vector { vector, within }),
            None => {
                Err(check_request(req).err().unwrap_or_else(|| SearchError::Refused("a question needs a row".into())))
            }
        },
        (Query::Text(_), None) => Err(SearchError::Refused("a text query needs its vector".into())),
    }
}

/// A search of another platform's vectors through its layout: the top k,
/// the comparison with exact search and the histogram's scores.
async fn run_layout(
    conn: &mut PgConnection,
    mapped: &Mapped,
    scope: &LayoutScope,
    req: &Request,
    embedded: Option<(Vec<f32>, f64)>,
    started: Instant,
) -> Result<Outcome, SearchError> {
    check_request(req)?;
    let (vector, embed_ms) = embedded.unzip();
    let probe = probe(scope, req, vector.as_deref())?;
    let mode = layout_mode(req.mode);
    let t = Instant::now();
    // The index's breadth setting is read in the search's own transaction:
    // the value that applied (ours, else the server's), even for an exact
    // search, so that `e` doubles what the platform uses.
    let setting = match scope.index() {
        Some("ivfflat") => Some("ivfflat.probes"),
        Some(_) => Some("hnsw.ef_search"),
        None => None,
    };
    let (found, breadth) = mapped.nearest_reading(conn, scope.kind, probe, req.k, mode, setting).await?;
    let query_ms = t.elapsed().as_secs_f64() * 1000.0;
    let row_ids = |rows: &[crate::db::mapped::Nearest]| rows.iter().map(|n| n.id.clone()).collect::<Vec<_>>();
    let indexed = scope.index().is_some();
    let approximate = req.mode != Mode::Exact && indexed;
    let searched_by = match req.mode {
        Mode::Approximate { ef_search: None, probes: None, iterative_scan } if approximate => {
            let mode = match scope.index() {
                Some("ivfflat") => Mode::Approximate { ef_search: None, probes: breadth, iterative_scan },
                _ => Mode::Approximate { ef_search: breadth, probes: None, iterative_scan },
            };
            format!("{} (the server's setting)", Request { mode, ..req.clone() }.how())
        }
        _ => req.how(),
    };
    let compare = if req.compare && approximate {
        let t = Instant::now();
        let exact = mapped.nearest(conn, scope.kind, probe, req.k, VectorMode::EXACT).await?;
        Some(report(&row_ids(&found), &row_ids(&exact), t.elapsed().as_secs_f64() * 1000.0))
    } else {
        None
    };
    let wide = if req.histogram > req.k {
        mapped.nearest(conn, scope.kind, probe, req.histogram, mode).await?
    } else {
        found.clone()
    };
    let scores = wide.iter().filter_map(|n| n.similarity).collect();
    let passed = match req.threshold {
        Some(th) => found.iter().take_while(|n| n.similarity.unwrap_or(f64::MIN) > th).count(),
        None => found.len(),
    };
    let rows = found
        .into_iter()
        .enumerate()
        .map(|(i, n)| Row {
            rank: i + 1,
            chunk_id: n.id,
            document_id: None,
            // Where it comes from (its page or document), as the layout names it.
            filename: n.parent_title.unwrap_or_default(),
            chunk_index: None,
            token_count: None,
            distance: n.distance,
            similarity: n.similarity,
            content: n.text.unwrap_or_default(),
        })
        .collect();
    Ok(Outcome {
        kb: scope.name(),
        metric: req.metric.name(),
        index_serves_metric: indexed,
        exact: !approximate,
        k: req.k,
        threshold: req.threshold,
        rows,
        passed,
        embed_ms: embed_ms.unwrap_or(0.0),
        query_ms,
        total_ms: started.elapsed().as_secs_f64() * 1000.0,
        compare,
        platform_agrees: None,
        hybrid: None,
        scores,
        searched_by,
        breadth,
        model: None,
        vector: vector.unwrap_or_default(),
    })
}

/// The plan of a request's first query (EXPLAIN ANALYZE), and whether a
/// vector index served it. `vector` is the query's (empty for more like a
/// row, which a layout's query reads itself).
pub async fn explain(
    conn: &mut PgConnection,
    mapped: &Mapped,
    req: &Request,
    vector: Vec<f32>,
) -> Result<(String, bool), SearchError> {
    match &req.scope {
        Scope::Knowledge(kb) => Ok(sql::explain(conn, ours(mapped)?, &Vector::from(vector), &req.params(kb)).await?),
        Scope::Layout(scope) => {
            let mapped = layout(mapped, scope)?;
            check_request(req)?;
            let vector = (!vector.is_empty()).then_some(vector);
            let probe = probe(scope, req, vector.as_deref())?;
            Ok(mapped.explain_nearest(conn, scope.kind, probe, req.k, layout_mode(req.mode)).await?)
        }
    }
}

fn ids(hits: &[Hit]) -> Vec<String> {
    hits.iter().map(|h| h.chunk_id.to_string()).collect()
}

/// The approximate ranking held against the exact one.
fn report(approximate: &[String], exact: &[String], exact_ms: f64) -> CompareReport {
    let Comparison { recall, moved, appeared, vanished } = sql::compare(approximate, exact);
    CompareReport { recall, exact_ms, moved, appeared, vanished }
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
        chunk_id: h.chunk_id.to_string(),
        document_id: Some(h.document_id.to_string()),
        filename: h.filename.clone(),
        chunk_index: Some(h.chunk_index),
        token_count: h.token_count,
        distance: h.distance,
        similarity: metric.similarity(h.distance),
        content: h.content.clone(),
    }
}

/// An outcome with no rows, `passed` of them passing, for tests that fill
/// in what they need.
#[cfg(test)]
pub(crate) fn empty_outcome(passed: usize) -> Outcome {
    Outcome {
        kb: "FAQ".into(),
        metric: "cosine",
        index_serves_metric: true,
        exact: false,
        k: 10,
        threshold: None,
        rows: Vec::new(),
        passed,
        embed_ms: 1.0,
        query_ms: 1.0,
        total_ms: 2.0,
        compare: None,
        platform_agrees: None,
        hybrid: None,
        scores: Vec::new(),
        searched_by: String::new(),
        breadth: None,
        model: None,
        vector: Vec::new(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    use crate::db::search::test_hit as hit;

    #[test]
    fn a_layouts_history_is_kept_per_parent_row_under_a_file_safe_name() {
        let scope = |within: &str| {
            Scope::Layout(LayoutScope {
                layout: "domo".into(),
                kind: Kind::Chunk,
                label: "Knowledge".into(),
                within: Some((within.into(), "Bright Smiles".into())),
                index: Some("ivfflat".into()),
                metric: Metric::Cosine,
                whole: false,
            })
        };
        let (a, b) = (scope("../../etc/passwd"), scope("d2"));
        assert_ne!(a.history_key(), b.history_key());
        assert_eq!(a.history_key(), scope("../../etc/passwd").history_key(), "stable");
        assert!(a.history_key().chars().all(|c| c.is_ascii_alphanumeric() || c == '-'), "{}", a.history_key());
        // Only an index that orders by distance serves an approximate search.
        let Scope::Layout(mut l) = b else { unreachable!() };
        l.index = Some("btree".into());
        assert_eq!(Scope::Layout(l).index(), None);
    }

    #[test]
    fn equal_similarities_may_come_in_either_order() {
        let ours = [hit(1, 0.1), hit(2, 0.2), hit(3, 0.2)];
        let u = Uuid::from_u128;
        assert!(same_ranking(&[(u(1), 0.9), (u(3), 0.8), (u(2), 0.8)], &ours), "a tie, swapped");
        assert!(!same_ranking(&[(u(2), 0.8), (u(1), 0.9), (u(3), 0.8)], &ours), "a real reorder");
        assert!(!same_ranking(&[(u(1), 0.9), (u(2), 0.8)], &ours), "one missing");
    }
}
