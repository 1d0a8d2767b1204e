//! `ragdesk search`: the console's Search numbers on the command line.

use clap::Args;
use color_eyre::eyre::{Result, bail, eyre};
use uuid::Uuid;

use super::{Context, output};
use crate::db::knowledge;
use crate::db::search::{Metric, Mode};
use crate::embed;
use crate::search::{self, Outcome, Query, Request, Scope};

#[derive(Debug, Args)]
pub struct SearchArgs {
    /// Knowledge base: id or name.
    #[arg(long)]
    pub kb: Option<String>,
    /// Only this demo's knowledge bases (id or company name), to tell apart equal names.
    #[arg(long)]
    pub demo: Option<String>,
    /// How many chunks.
    #[arg(long, default_value_t = 10)]
    pub k: u32,
    /// Cosine similarity a chunk must exceed (match_chunks' match_threshold), from -1 to 1.
    #[arg(long, value_parser = cosine_similarity, allow_negative_numbers = true)]
    pub threshold: Option<f64>,
    /// cosine (served by the HNSW index), ip or l2 (exact scans).
    #[arg(long, default_value = "cosine")]
    pub metric: String,
    /// Search exactly (index scans off) instead of through the index.
    #[arg(long, conflicts_with = "compare")]
    pub exact: bool,
    /// Run the exact search beside the approximate one: recall@k and what moved.
    #[arg(long)]
    pub compare: bool,
    /// Fuse the vector ranking with a full-text ranking (reciprocal rank fusion).
    #[arg(long)]
    pub hybrid: bool,
    /// hnsw.ef_search for the approximate search (pgvector's default is 40).
    #[arg(long)]
    pub ef_search: Option<u32>,
    /// Turn hnsw.iterative_scan off (it is relaxed_order by default, as in match_chunks).
    #[arg(long)]
    pub no_iterative_scan: bool,
    /// Search with this chunk's stored vector ("more like this"; no model needed).
    #[arg(long, value_name = "CHUNK_ID", conflicts_with = "query")]
    pub like: Option<Uuid>,
    /// Print the whole outcome as JSON (rows, scores, timings, the comparison).
    #[arg(long)]
    pub json: bool,
    /// Another platform's layout: the parent row of the vectors searched
    /// (001: a demo, its knowledge; a document: it and the other documents
    /// of its knowledge base, domain or project).
    #[arg(long, value_name = "ID")]
    pub under: Option<String>,
    /// Another platform's layout: which entity's vectors (chunk, memory).
    #[arg(long, default_value = "chunk")]
    pub entity: String,
    /// Another platform's layout: more like this row (any id type).
    #[arg(long, value_name = "ROW_ID", conflicts_with_all = ["query", "like"])]
    pub like_row: Option<String>,
    /// ivfflat.probes for the approximate search (pgvector's default is 1).
    #[arg(long, value_parser = clap::value_parser!(u32).range(1..=32_768))]
    pub probes: Option<u32>,
    /// The question.
    pub query: Option<String>,
}

/// A cosine similarity, which is never outside -1…1.
fn cosine_similarity(s: &str) -> Result<f64, String> {
    match s.parse::<f64>() {
        Ok(v) if (-1.0..=1.0).contains(&v) => Ok(v),
        Ok(_) => Err("a cosine similarity is from -1 to 1".into()),
        Err(_) => Err(format!("'{s}' is not a number")),
    }
}

pub async fn search(ctx: &Context, a: SearchArgs) -> Result<()> {
    let started = std::time::Instant::now();
    let db = ctx.connect_batch().await?;
    let mut conn = db.pool.acquire().await?;
    let mapped = ctx.foreign_mapped(&mut conn).await?;
    // One search, the console's, on either kind of scope: only what is
    // searched and which model embeds the question differ.
    let (scope, query, metric, model) = match &mapped {
        Some(m) => layout_request(ctx, &mut conn, m, &a).await?,
        None => knowledge_request(ctx, &db, &mut conn, &a).await?,
    };
    // The options both kinds take (what either refuses was refused above:
    // --probes on ours; --hybrid and --no-iterative-scan on a layout's).
    let mode = if a.exact {
        Mode::Exact
    } else {
        Mode::Approximate { ef_search: a.ef_search, probes: a.probes, iterative_scan: !a.no_iterative_scan }
    };
    let req = Request {
        scope,
        query,
        k: a.k,
        metric,
        threshold: a.threshold,
        mode,
        compare: a.compare,
        hybrid: a.hybrid,
        histogram: 0,
    };
    let embedded = match (&req.query, &model) {
        (Query::Text(text), Some((spec, cfg, _))) => {
            let (spec2, cfg) = (spec.clone(), cfg.clone());
            let provider = tokio::task::spawn_blocking(move || embed::provider_for(&spec2, &cfg)).await??;
            Some(search::embed_text(&provider, spec, text).await?)
        }
        _ => None,
    };
    // The database's layout reads the vectors, ours included.
    let reader = match mapped {
        Some(m) => std::sync::Arc::new(m),
        None => db.ours().await?,
    };
    let mut out = search::run_with_vector(&mut conn, &reader, &req, embedded, started).await?;
    out.model = model.and_then(|(_, _, note)| note).filter(|_| matches!(req.query, Query::Text(_)));
    if a.json {
        output::json(&out)?;
    } else {
        print(&out, matches!(req.scope, Scope::Knowledge(_)))?;
        if req.compare && out.compare.is_none() {
            output::out("nothing compared: no vector index on this column, so the search was exact")?;
        }
    }
    Ok(())
}

/// What a search of one of ragdesk's knowledge bases needs: the knowledge
/// base, the query, the metric and the model a text query is embedded with.
async fn knowledge_request(
    ctx: &Context,
    db: &crate::db::Db,
    conn: &mut sqlx::PgConnection,
    a: &SearchArgs,
) -> Result<Searched> {
    if let Some(what) = [
        (a.under.is_some(), "--under"),
        (a.like_row.is_some(), "--like-row"),
        (a.probes.is_some(), "--probes"),
        (a.entity != "chunk", "--entity"),
    ]
    .iter()
    .find(|(set, _)| *set)
    .map(|(_, w)| w)
    {
        bail!("{what} is for another platform's layout; ragdesk's own knowledge bases are named with --kb");
    }
    let metric = Metric::parse(&a.metric).ok_or_else(|| eyre!("unknown --metric '{}' (cosine, ip, l2)", a.metric))?;
    let kb = match (&a.kb, a.like) {
        (Some(name), _) => {
            let demo = match &a.demo {
                Some(d) => Some(knowledge::find_demo(&mut *conn, d).await?.0),
                None => None,
            };
            knowledge::KnowledgeLists::of(db).await?.find(&mut *conn, name, demo).await?
        }
        (None, Some(chunk)) => {
            let (_, kb, _) = crate::db::search::chunk_vector(&mut *conn, chunk).await?;
            knowledge::KnowledgeLists::of(db).await?.knowledge_base(&mut *conn, kb).await?
        }
        (None, None) => bail!("name the knowledge base with --kb (or search --like CHUNK_ID)"),
    };
    let query = match (a.like, &a.query) {
        (Some(chunk), _) => Query::Like(chunk.to_string()),
        (None, Some(q)) if !q.trim().is_empty() => Query::Text(q.clone()),
        _ => bail!("give a question to search for (or --like CHUNK_ID)"),
    };
    let model = (kb.model_spec(), ctx.config.embedding.embedder(&ctx.paths), None);
    Ok((Scope::Knowledge(kb), query, metric, Some(model)))
}

/// The model a text query is embedded with, how it is reached, and where
/// that was said (another platform's vectors).
type QueryEmbedder = (crate::spec::ModelSpec, crate::spec::EmbedderSettings, Option<String>);

/// What a search is of, what it asks, the distance it compares by, and the
/// model a question is embedded with.
type Searched = (Scope, Query, Metric, Option<QueryEmbedder>);

/// `--layout NAME search` on another platform's schema: its vectors under
/// `--under`, a text query embedded with the model that wrote them, or
/// more like a row.
async fn layout_request(
    ctx: &Context,
    conn: &mut sqlx::PgConnection,
    mapped: &crate::db::mapped::Mapped,
    a: &SearchArgs,
) -> Result<Searched> {
    // What ragdesk's own knowledge bases offer and a layout's vectors do
    // not: said, not silently ignored.
    let unsupported = [
        (a.hybrid, "--hybrid (a layout has no full-text index of ragdesk's to fuse with)"),
        (a.metric != "cosine", "--metric (the distance is the one the column's index serves)"),
        (a.no_iterative_scan, "--no-iterative-scan (the scope is a filter after the index scan: it must iterate)"),
        (
            a.kb.is_some() || a.demo.is_some() || a.like.is_some(),
            "--kb, --demo and --like (use --under and --like-row)",
        ),
    ];
    if let Some((_, what)) = unsupported.iter().find(|(set, _)| *set) {
        bail!("on layout '{}' search does not take {what}", mapped.layout.name);
    }
    let kind = crate::schema::Kind::from_name(&a.entity)
        .filter(|k| mapped.vector_column(*k).is_ok())
        .ok_or_else(|| eyre!("layout '{}' has no vectors on '{}'", mapped.layout.name, a.entity))?;
    let (_, index) = mapped.vector_column(kind)?;
    // A setting of another index type than the column's would do nothing.
    let wrong = match (index, a.probes.is_some(), a.ef_search.is_some()) {
        (Some("hnsw"), true, _) => Some("--probes tunes ivfflat; this column's index is HNSW (use --ef-search)"),
        (Some("ivfflat"), _, true) => Some("--ef-search tunes HNSW; this column's index is ivfflat (use --probes)"),
        (Some("hnsw" | "ivfflat"), _, _) => None,
        (_, true, _) | (_, _, true) => Some("--probes and --ef-search tune a vector index; this column has none"),
        _ => None,
    };
    if let Some(why) = wrong {
        bail!("{why}");
    }
    let metric = mapped.metric(kind)?;
    if a.threshold.is_some() && metric != Metric::Cosine {
        bail!("--threshold is a cosine similarity; these vectors are compared by {} distance", metric.name());
    }
    let (query, within, model) = match (&a.like_row, &a.query) {
        (Some(_), _) if a.under.is_some() => {
            bail!("--like-row searches where that row belongs: --under is for a question")
        }
        (Some(id), _) => (Query::Like(id.clone()), None, None),
        (None, Some(q)) if !q.trim().is_empty() => {
            let within = a.under.clone().ok_or_else(|| {
                eyre!(
                    "say where to search with --under ID: the {} row the {} belong to",
                    mapped.layout.parent_of(kind).map(|p| mapped.layout.label(p)).unwrap_or("parent"),
                    mapped.layout.label(kind)
                )
            })?;
            // The row's id: a parent of the rows (a page), or the parent of
            // their documents (a domain: all its pages' chunks).
            let l = &mapped.layout;
            let documents_parent =
                l.parent_of(kind).filter(|p| *p == crate::schema::Kind::Document).and_then(|d| l.parent_of(d));
            let (title, whole) = match l.parent_of(kind) {
                Some(parent) => match mapped.row(&mut *conn, parent, &within).await.ok().flatten() {
                    Some(row) => (row.title.unwrap_or_else(|| within.clone()), false),
                    None => {
                        let above = match documents_parent {
                            Some(g) => mapped.row(&mut *conn, g, &within).await.ok().flatten(),
                            None => None,
                        };
                        let Some(row) = above else {
                            let (rows, of) = (l.label(parent), l.label(kind));
                            let or =
                                documents_parent.map(|g| format!(" or of the {} row", l.label(g))).unwrap_or_default();
                            bail!(
                                "no {rows} with id {within} in layout '{}' (--under takes the id of the {rows} row the {of} belong to{or})",
                                l.name
                            )
                        };
                        (row.title.unwrap_or_else(|| within.clone()), true)
                    }
                },
                None => (within.clone(), false),
            };
            let configured = ctx.layout_model(&mapped.layout.name);
            let embedder = ctx.config.embedding.embedder(&ctx.paths);
            let model = crate::search::layout::query_model(&mut *conn, mapped, kind, configured.as_ref(), &embedder)
                .await
                .map_err(|e| eyre!("{e} (--like-row ID searches with a row's own vector, no model)"))?;
            (
                Query::Text(q.clone()),
                Some((within, title, whole)),
                Some((model.spec, model.embedder, Some(model.source))),
            )
        }
        _ => bail!("give a question to search for (or --like-row ROW_ID)"),
    };
    let index = index.map(str::to_string);
    let scope = match within {
        Some((id, title, true)) => {
            crate::search::LayoutScope::under_documents_of(&mapped.layout, kind, (id, title), index, metric)
        }
        within => crate::search::LayoutScope::new(
            &mapped.layout,
            kind,
            within.map(|(id, title, _)| (id, title)),
            index,
            metric,
        ),
    };
    Ok((Scope::Layout(scope), query, metric, model))
}

/// `ours`: one of our knowledge bases was searched (file#chunk and tokens),
/// else another platform's rows (their id and where they come from).
fn print(o: &Outcome, ours: bool) -> Result<()> {
    output::out(format!(
        "'{}' · {} · {} · k {}{}",
        crate::sanitize::sanitize_line(&o.kb),
        o.metric,
        o.searched_by,
        o.k,
        o.model
            .as_ref()
            .map(|m| format!(" · query embedded by {}", crate::sanitize::sanitize_line(m)))
            .unwrap_or_default()
    ))?;
    output::out(format!("embed {:.1} ms · query {:.1} ms · total {:.1} ms", o.embed_ms, o.query_ms, o.total_ms))?;
    output::out("")?;
    // Ours: file#chunk and tokens; another platform's rows: the id whole
    // (what --like-row takes), then where it comes from (its page or document).
    let (place, extra, width) = if ours { ("document#chunk", "tokens", 6) } else { ("id", "from", 30) };
    output::out(format!("{:>4}  {:>10}  {:>9}  {place:<28}  {extra:<width$}  text", "rank", "similarity", "distance"))?;
    for r in o.hits() {
        let sim = r.similarity.map(|s| format!("{s:.4}")).unwrap_or_else(|| "—".into());
        let (doc, extra) = match r.chunk_index {
            Some(_) => (
                crate::text::truncate(&crate::sanitize::sanitize_line(&r.place()), 28),
                r.token_count.map(|t| t.to_string()).unwrap_or_default(),
            ),
            None => (
                crate::sanitize::sanitize_line(&r.chunk_id).into_owned(),
                crate::text::truncate(&crate::sanitize::sanitize_line(&r.filename), 30),
            ),
        };
        let preview = crate::text::truncate(
            &crate::sanitize::sanitize_line(&r.content.split_whitespace().collect::<Vec<_>>().join(" ")),
            60,
        );
        output::out(format!("{:>4}  {sim:>10}  {:>9.4}  {doc:<28}  {extra:<width$}  {preview}", r.rank, r.distance))?;
    }
    if let Some(th) = o.threshold
        && o.passed < o.rows.len()
    {
        output::out(format!("threshold {th}: {} of the top {} pass (the rest are below it)", o.passed, o.rows.len()))?;
    }
    if (o.rows.len() as u32) < o.k {
        output::out(format!(
            "only {} rows came back for k {} (there are fewer, or the index scan stopped early)",
            o.rows.len(),
            o.k
        ))?;
    }
    if let Some(c) = &o.compare {
        output::out(format!(
            "recall@{} against exact search: {:.3} (exact took {:.1} ms) · {} moved, {} appeared, {} vanished",
            o.k,
            c.recall,
            c.exact_ms,
            c.moved.len(),
            c.appeared.len(),
            c.vanished.len()
        ))?;
        for id in &c.vanished {
            output::out(format!("  missed: {}", crate::text::truncate(&crate::sanitize::sanitize_line(id), 60)))?;
        }
    }
    match o.platform_agrees {
        Some(true) => output::out("match_chunks (what the bot gets): the same chunks in the same order")?,
        Some(false) => output::out("match_chunks (what the bot gets): DIFFERENT from this result")?,
        None => {}
    }
    if let Some(h) = &o.hybrid {
        output::out("")?;
        output::out("hybrid (reciprocal rank fusion; the threshold applies to cosine only, never to fused scores):")?;
        output::out(format!(
            "{:>4}  {:<28}  {:>6} {:>8}  {:>6} {:>8}  {:>8}  text",
            "rank", "document#chunk", "v.rank", "v.score", "t.rank", "t.score", "fused"
        ))?;
        for (i, f) in h.iter().enumerate() {
            let opt = |v: Option<usize>| v.map(|x| x.to_string()).unwrap_or_else(|| "—".into());
            let optf = |v: Option<f64>| v.map(|x| format!("{x:.4}")).unwrap_or_else(|| "—".into());
            let place = format!("{}#{}", f.filename, f.chunk_index);
            let doc = crate::text::truncate(&crate::sanitize::sanitize_line(&place), 28);
            let words = f.content.split_whitespace().collect::<Vec<_>>().join(" ");
            let preview = crate::text::truncate(&crate::sanitize::sanitize_line(&words), 40);
            output::out(format!(
                "{:>4}  {doc:<28}  {:>6} {:>8}  {:>6} {:>8}  {:>8.5}  {preview}",
                i + 1,
                opt(f.vector_rank),
                optf(f.vector_score),
                opt(f.text_rank),
                optf(f.text_score),
                f.fused
            ))?;
        }
    }
    Ok(())
}
