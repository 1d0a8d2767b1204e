//! `ragdesk search`: the console's Search numbers on the command line.

use clap::Args;
use color_eyre::eyre::{Result, bail, eyre};
use uuid::Uuid;

use super::{Context, output};
use crate::db::knowledge;
use crate::db::search::{Metric, Mode};
use crate::embed;
use crate::search::{self, Outcome, Query, Request};

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
    /// Cosine similarity a chunk must exceed (match_chunks' match_threshold).
    #[arg(long)]
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
    #[arg(long)]
    pub probes: Option<u32>,
    /// The question.
    pub query: Option<String>,
}

pub async fn search(ctx: &Context, a: SearchArgs) -> Result<()> {
    let db = ctx.connect_batch().await?;
    let mut conn = db.pool.acquire().await?;
    if let Some(mapped) = ctx.foreign_mapped(&mut conn).await? {
        return foreign_search(ctx, &mut conn, mapped, a).await;
    }
    let metric = Metric::parse(&a.metric).ok_or_else(|| eyre!("unknown --metric '{}' (cosine, ip, l2)", a.metric))?;
    let kb = match (&a.kb, a.like) {
        (Some(name), _) => {
            let demo = match &a.demo {
                Some(d) => Some(knowledge::find_demo(&mut conn, d).await?.0),
                None => None,
            };
            knowledge::find(&mut conn, name, demo).await?
        }
        (None, Some(chunk)) => {
            let (_, kb, _) = crate::db::search::chunk_vector(&mut conn, chunk).await?;
            knowledge::get(&mut conn, kb).await?
        }
        (None, None) => bail!("name the knowledge base with --kb (or search --like CHUNK_ID)"),
    };
    drop(conn);
    let query = match (a.like, &a.query) {
        (Some(chunk), _) => Query::Like(chunk),
        (None, Some(q)) if !q.trim().is_empty() => Query::Text(q.clone()),
        _ => bail!("give a question to search for (or --like CHUNK_ID)"),
    };
    let provider = match &query {
        Query::Text(_) => Some(embed::provider_for(&kb.model_spec(), &ctx.config.embedding.embedder(&ctx.paths))?),
        Query::Like(_) => None,
    };
    let mode = if a.exact {
        Mode::Exact
    } else {
        Mode::Approximate { ef_search: a.ef_search, iterative_scan: !a.no_iterative_scan }
    };
    let req = Request {
        kb,
        query,
        k: a.k,
        metric,
        threshold: a.threshold,
        mode,
        compare: a.compare,
        hybrid: a.hybrid,
        histogram: 0,
    };
    let out = search::run(&db, provider.as_ref(), &req).await?;
    if a.json {
        output::json(&out)?;
    } else {
        print(&out, a.ef_search)?;
    }
    Ok(())
}

fn print(o: &Outcome, ef_search: Option<u32>) -> Result<()> {
    let how = if o.exact {
        "exact scan".to_string()
    } else if o.index_serves_metric {
        format!("HNSW index, ef_search {}", ef_search.map(|e| e.to_string()).unwrap_or_else(|| "40 (default)".into()))
    } else {
        "exact scan (the index serves cosine only)".into()
    };
    output::out(format!("knowledge base '{}' · {} · {} · k {}", o.kb, o.metric, how, o.k))?;
    output::out(format!("embed {:.1} ms · query {:.1} ms · total {:.1} ms", o.embed_ms, o.query_ms, o.total_ms))?;
    output::out("")?;
    output::out(format!(
        "{:>4}  {:>10}  {:>9}  {:<28}  {:>6}  text",
        "rank", "similarity", "distance", "document#chunk", "tokens"
    ))?;
    for r in o.hits() {
        let sim = r.similarity.map(|s| format!("{s:.4}")).unwrap_or_else(|| "—".into());
        let doc = crate::text::truncate(&format!("{}#{}", r.filename, r.chunk_index), 28);
        let preview = crate::text::truncate(&r.content.split_whitespace().collect::<Vec<_>>().join(" "), 60);
        let tokens = r.token_count.map(|t| t.to_string()).unwrap_or_default();
        output::out(format!("{:>4}  {sim:>10}  {:>9.4}  {doc:<28}  {tokens:>6}  {preview}", r.rank, r.distance))?;
    }
    if let Some(th) = o.threshold
        && o.passed < o.rows.len()
    {
        output::out(format!("threshold {th}: {} of the top {} pass (the rest are below it)", o.passed, o.rows.len()))?;
    }
    if (o.rows.len() as u32) < o.k {
        output::out(format!(
            "only {} rows came back for k {} (the knowledge base is smaller, or the index scan stopped at ef_search)",
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
            let doc = crate::text::truncate(&format!("{}#{}", f.filename, f.chunk_index), 28);
            let preview = crate::text::truncate(&f.content.split_whitespace().collect::<Vec<_>>().join(" "), 40);
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

/// `--layout NAME search` on another platform's schema: a text query
/// embedded with the model that wrote its vectors, or more like a row.
async fn foreign_search(
    ctx: &Context,
    conn: &mut sqlx::PgConnection,
    mapped: crate::db::mapped::Mapped,
    a: SearchArgs,
) -> Result<()> {
    use crate::db::mapped::{Probe, VectorMode};
    // What ragdesk's own knowledge bases offer and a layout's vectors do
    // not: said, not silently ignored.
    let unsupported = [
        (a.hybrid, "--hybrid (a layout has no full-text index of ragdesk's to fuse with)"),
        (a.metric != "cosine", "--metric (the distance is the one the column's index serves)"),
        (a.threshold.is_some(), "--threshold"),
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
    let mode = VectorMode { exact: a.exact, probes: a.probes, ef_search: a.ef_search };
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
    let how = match metric {
        crate::db::search::Metric::Cosine => mode.describe(index),
        other => format!("{}, {} distance", mode.describe(index), other.name()),
    };
    // The search's own time (not the query's embedding, nor --compare's exact run).
    let searched;
    let (rows, exact, model) = match (&a.like_row, &a.query) {
        (Some(id), _) => {
            let started = std::time::Instant::now();
            let rows = mapped.nearest(&mut *conn, kind, Probe::Row(id), a.k, mode).await?;
            searched = started.elapsed();
            let exact = match a.compare {
                true => Some(mapped.nearest(&mut *conn, kind, Probe::Row(id), a.k, VectorMode::EXACT).await?),
                false => None,
            };
            (rows, exact, None)
        }
        (None, Some(q)) if !q.trim().is_empty() => {
            let within = a.under.as_deref().ok_or_else(|| {
                eyre!("say where to search with --under ID (a {} or the row its rows belong to)", a.entity)
            })?;
            if let Some(parent) = mapped.layout.parent_of(kind)
                && mapped.row(&mut *conn, parent, within).await.ok().flatten().is_none()
            {
                bail!("no {} with id {within} in layout '{}'", mapped.layout.label(parent), mapped.layout.name);
            }
            let configured = ctx.layout_model(&mapped.layout.name);
            let embedder = ctx.config.embedding.embedder(&ctx.paths);
            let model = crate::search::layout::query_model(&mut *conn, &mapped, kind, configured.as_ref(), &embedder)
                .await
                .map_err(|e| eyre!("{e} (--like-row ID searches with a row's own vector, no model)"))?;
            let (spec, cfg) = (model.spec.clone(), model.embedder.clone());
            let provider = tokio::task::spawn_blocking(move || embed::provider_for(&spec, &cfg)).await??;
            let vector = crate::search::layout::embed_query(&provider, &model, q).await.map_err(|e| eyre!(e))?;
            let probe = Probe::Vector { vector: &vector, within };
            let started = std::time::Instant::now();
            let rows = mapped.nearest(&mut *conn, kind, probe, a.k, mode).await?;
            searched = started.elapsed();
            let exact = match a.compare {
                true => Some(mapped.nearest(&mut *conn, kind, probe, a.k, VectorMode::EXACT).await?),
                false => None,
            };
            (rows, exact, Some(model.source))
        }
        _ => bail!("give a question to search for (or --like-row ROW_ID)"),
    };
    // --compare: how much of the exact top k the index found.
    let recall = exact.as_ref().map(|exact| {
        let found = exact.iter().filter(|e| rows.iter().any(|r| r.id == e.id)).count();
        (found, exact.len())
    });
    if a.json {
        match (&exact, recall) {
            (Some(exact), Some((found, of))) => output::json(&serde_json::json!({
                "results": rows,
                "exact": exact,
                "recall": if of == 0 { 1.0 } else { found as f64 / of as f64 },
            }))?,
            _ => output::json(&rows)?,
        }
        return Ok(());
    }
    output::out(format!(
        "{} · {} · {how} · k {} · {:.1} ms{}",
        mapped.layout.name,
        mapped.layout.label(kind),
        a.k,
        searched.as_secs_f64() * 1000.0,
        model.map(|m| format!(" · query embedded by {m}")).unwrap_or_default()
    ))?;
    // L2 has no similarity: its distance is shown instead.
    let score_name = if rows.iter().all(|r| r.similarity.is_some()) { "similarity" } else { "distance" };
    output::out(format!("{:>4}  {:>10}  {:<36}  text", "rank", score_name, "id"))?;
    for (i, r) in rows.iter().enumerate() {
        let text = r.text.as_deref().unwrap_or("");
        let preview = crate::text::truncate(&text.split_whitespace().collect::<Vec<_>>().join(" "), 60);
        output::out(format!(
            "{:>4}  {:>10.4}  {:<36}  {preview}",
            i + 1,
            r.similarity.unwrap_or(r.distance),
            crate::text::truncate(&r.id, 36)
        ))?;
    }
    if let (Some(exact), Some((found, of))) = (&exact, recall) {
        output::out(format!("recall@{}: {found} of the exact top {of} found through the index", a.k))?;
        for (i, e) in exact.iter().enumerate().filter(|(_, e)| !rows.iter().any(|r| r.id == e.id)) {
            output::out(format!(
                "  missed: exact rank {} · {:.4} · {}",
                i + 1,
                e.similarity.unwrap_or(e.distance),
                crate::text::truncate(&e.id, 36)
            ))?;
        }
    }
    Ok(())
}
