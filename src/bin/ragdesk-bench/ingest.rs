//! `--ingest`: throughput of each ingest stage on this machine, each stage
//! measured alone (extract per format, chunk, embed with the local model,
//! store with COPY) and then the whole pipeline end to end. Everything it
//! writes goes into a scratch knowledge base that is deleted at the end.

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::{Duration, Instant};

use color_eyre::eyre::{Result, eyre};
use ragdesk::db::knowledge::{self, DocumentWriter, NewChunk, NewDocument, NewKnowledgeBase};
use ragdesk::db::{Db, Filter};
use ragdesk::embed::local::LocalProvider;
use ragdesk::embed::{EmbeddingProvider, Provider};
use ragdesk::ingest::{self, Cancel, ChunkSettings, Options, extract};

const CHUNK: ChunkSettings = ChunkSettings { tokens: 250, overlap: 50 };
/// Rows per COPY in the store measurement (what ingest uses for HTTP providers).
const STORE_BATCH: usize = 64;

fn repo(rel: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join(rel)
}

/// Support-style prose, `paragraphs` paragraphs of Markdown.
fn markdown_corpus(paragraphs: usize) -> String {
    let topics = ["opening hours", "insurance", "financing", "emergencies", "parking", "warranty", "pricing"];
    let mut out = String::from("# Customer handbook\n\n");
    for i in 0..paragraphs {
        let t = topics[i % topics.len()];
        if i % 6 == 0 {
            out.push_str(&format!("## Section {i}: {t}\n\n"));
        }
        out.push_str(&format!(
            "Question {i} about {t}: customers often ask whether the {t} policy changed this season. \
             Our team answers within one business day, and the details below apply to every location, \
             including weekend appointments, same-day visits and follow-ups booked online.\n\n"
        ));
    }
    out
}

fn html_corpus(paragraphs: usize) -> String {
    let body: String = markdown_corpus(paragraphs)
        .split("\n\n")
        .map(|p| format!("<p>{p}</p>\n<script>track({});</script>\n", p.len()))
        .collect();
    format!("<html><head><style>p {{ margin: 0 }}</style></head><body>{body}</body></html>")
}

/// Repeats `f` until at least `min` has passed; returns (runs, elapsed).
fn repeat(min: Duration, mut f: impl FnMut()) -> (usize, Duration) {
    let start = Instant::now();
    let mut runs = 0;
    while runs == 0 || start.elapsed() < min {
        f();
        runs += 1;
    }
    (runs, start.elapsed())
}

/// A directory removed when dropped.
struct Scratch(PathBuf);

impl Scratch {
    fn path(&self) -> &Path {
        &self.0
    }
}

impl Drop for Scratch {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

pub async fn run(db: &Db, mb: f64, url: &str) -> Result<()> {
    let dir = Scratch(std::env::temp_dir().join(format!("ragdesk-bench-{}", std::process::id())));
    std::fs::create_dir_all(dir.path())?;
    let paragraphs = ((mb * 1e6) / 330.0).max(10.0) as usize;
    let big_md = dir.path().join("handbook.md");
    std::fs::write(&big_md, markdown_corpus(paragraphs))?;
    let big_html = dir.path().join("handbook.html");
    std::fs::write(&big_html, html_corpus(paragraphs / 2))?;

    println!("## Extract (per format, text out of the file's bytes)");
    println!();
    println!("| file | format | size | MB/s |");
    println!("|---|---|---|---|");
    let mut files: Vec<PathBuf> = vec![big_md.clone(), big_html.clone()];
    for f in ["faq.md", "hours.txt", "menu.html", "services.pdf", "policy.docx"] {
        files.push(repo("tests/fixtures/ingest").join(f));
    }
    for sample in ["scripts/samples/dental", "scripts/samples/hvac"] {
        let mut entries: Vec<PathBuf> =
            std::fs::read_dir(repo(sample))?.filter_map(|e| e.ok().map(|e| e.path())).collect();
        entries.sort();
        files.extend(
            entries
                .into_iter()
                .filter(|p| matches!(p.extension().and_then(|e| e.to_str()), Some("pdf" | "docx" | "html"))),
        );
    }
    let (mut all_bytes, mut all_time) = (0u64, Duration::ZERO);
    for f in &files {
        let bytes = std::fs::read(f)?;
        let name = f.file_name().unwrap().to_string_lossy().into_owned();
        let mut format = "";
        let (runs, took) = repeat(Duration::from_millis(400), || {
            let e = extract::extract(&bytes, &name, extract::Limits::default()).expect("fixture extracts");
            format = e.format.name();
        });
        let rate = bytes.len() as f64 * runs as f64 / took.as_secs_f64() / 1e6;
        all_bytes += bytes.len() as u64 * runs as u64;
        all_time += took;
        println!("| {name} | {format} | {} | {rate:.1} |", ragdesk::text::human_bytes(bytes.len() as u64));
    }
    println!("| **all of the above** | | | **{:.1}** |", all_bytes as f64 / all_time.as_secs_f64() / 1e6);

    let t = Instant::now();
    let provider = LocalProvider::load(&super::model_dir()).map_err(|e| eyre!("local model: {e}"))?;
    let load = t.elapsed();
    let counter = provider.tokens();
    let text = extract::extract_file(&big_md, extract::Limits::default()).map_err(|e| eyre!("{e}"))?.text;

    println!();
    println!("## Chunk (text-splitter, sized by the local model's tokenizer, {}/{})", CHUNK.tokens, CHUNK.overlap);
    println!();
    let mut plan = None;
    let (runs, took) = repeat(Duration::from_millis(500), || {
        plan = Some(
            ingest::chunk::chunk(&text, true, CHUNK, &counter, "all-MiniLM-L6-v2", provider.max_input_tokens())
                .expect("chunks"),
        );
    });
    let plan = plan.expect("ran once");
    let n = plan.chunks.len();
    let per = took.as_secs_f64() / runs as f64;
    let tokens: usize = plan.chunks.iter().map(|c| c.tokens).sum();
    println!(
        "{} of Markdown → {n} chunks ({:.0} tokens each on average): **{:.0} chunks/s**, {:.2} MB/s",
        ragdesk::text::human_bytes(text.len() as u64),
        tokens as f64 / n as f64,
        n as f64 / per,
        text.len() as f64 / per / 1e6
    );

    println!();
    let step = provider.ingest_batch();
    println!(
        "## Embed (all-MiniLM-L6-v2 in-process; calls of {step} texts as ingest makes them, forward passes of {})",
        ragdesk::embed::local::BATCH
    );
    println!();
    println!("model load: {:.2} s", load.as_secs_f64());
    let provider: Provider = Arc::new(provider);
    let sample: Vec<String> = plan.chunks.iter().take(256).map(|c| c.text.clone()).collect();
    let t = Instant::now();
    for batch in sample.chunks(step) {
        provider.embed(batch).await.map_err(|e| eyre!("{e}"))?;
    }
    let took = t.elapsed().as_secs_f64();
    println!(
        "{} chunks of ~{:.0} tokens: **{:.1} chunks/s** ({:.0} tokens/s)",
        sample.len(),
        tokens as f64 / n as f64,
        sample.len() as f64 / took,
        (tokens as f64 / n as f64) * sample.len() as f64 / took
    );
    let short: Vec<String> =
        sample.iter().map(|s| s.split_whitespace().take(12).collect::<Vec<_>>().join(" ")).collect();
    let t = Instant::now();
    for batch in short.chunks(step) {
        provider.embed(batch).await.map_err(|e| eyre!("{e}"))?;
    }
    println!(
        "{} short chunks (12 words, ~16 tokens): {:.1} chunks/s",
        short.len(),
        short.len() as f64 / t.elapsed().as_secs_f64()
    );

    // A scratch knowledge base for the database stages, removed at the end.
    let demos = ragdesk::db::demos::list(&mut *db.pool.acquire().await?, None, &Filter::default(), None, 1).await?;
    let demo = demos.rows.first().ok_or_else(|| eyre!("the database has no demo: run `ragdesk seed` first"))?.id;
    let mut scratch = Vec::new();
    let result = async {
        println!();
        println!("## Store (one transaction per document, multi-row INSERT … UNNEST in batches of {STORE_BATCH})");
        println!();
        println!("| dimension | rows | ragdesk rows/s | `psql \\copy` rows/s (same rows, same table) | ragdesk / psql |");
        println!("|---|---|---|---|---|");
        for (model, dim, rows) in [("all-MiniLM-L6-v2", 384, 20_000usize), ("text-embedding-3-small", 1536, 10_000)] {
            let kb_id = knowledge::create(
                &mut *db.pool.acquire().await?,
                &NewKnowledgeBase {
                    demo_id: demo,
                    name: format!("bench scratch {dim}-d {}", std::process::id()),
                    kb_type: "custom".into(),
                    provider: if dim == 384 { "local".into() } else { "openai".into() },
                    model: model.into(),
                    dim,
                    chunk_tokens: None,
                    chunk_overlap: None,
                    attach: false,
                },
            )
            .await?;
            scratch.push(kb_id);
            let body = "chunk text of a typical length for a support knowledge base; ".repeat(16);
            let mut vector: Vec<f32> = (0..dim).map(|i| ((i * 7919) % 1000) as f32 / 1000.0).collect();
            ragdesk::embed::l2_normalize(&mut vector);
            let ours = db.ours().await?;
            let t = Instant::now();
            let mut writer = DocumentWriter::begin(
                &db.pool,
                ours,
                NewDocument {
                    kb_id,
                    dim,
                    filename: "bench.txt",
                    content: &body,
                    content_type: "text",
                    size_bytes: body.len() as i64,
                    sha256: "bench",
                },
            )
            .await?;
            for start in (0..rows).step_by(STORE_BATCH) {
                let batch = (start..(start + STORE_BATCH).min(rows))
                    .map(|i| NewChunk {
                        index: i as i32,
                        content: &body,
                        tokens: 200,
                        start: 0,
                        end: body.len() as i32,
                        embedding: vector.clone(),
                    })
                    .collect();
                writer.write(batch).await?;
            }
            let document = writer.document_id;
            writer.commit().await?;
            let ours = rows as f64 / t.elapsed().as_secs_f64();
            // The naive peer: psql's \copy of the same rows (CSV) into the same
            // table and indexes, in the same run.
            let csv = std::env::temp_dir().join(format!("ragdesk-bench-copy-{}.csv", std::process::id()));
            {
                use std::io::Write;
                let mut f = std::io::BufWriter::new(std::fs::File::create(&csv)?);
                let v = format!("\"[{}]\"", vector.iter().map(|x| x.to_string()).collect::<Vec<_>>().join(","));
                for i in 0..rows {
                    writeln!(f, "{},{},{dim},{i},\"{}\",200,{v}", kb_id, document, body.replace('"', "\"\""))?;
                }
            }
            let t = Instant::now();
            let out = std::process::Command::new(std::env::var("PSQL").unwrap_or_else(|_| "psql".into()))
                .args(["-X", "-q", "-v", "ON_ERROR_STOP=1", url, "-c"])
                .arg(format!(
                    "\\copy chunks (kb_id, document_id, embedding_dim, chunk_index, content, token_count, embedding) FROM '{}' WITH (FORMAT csv)",
                    csv.display()
                ))
                .output();
            let psql = match out {
                Ok(o) if o.status.success() => Some(rows as f64 / t.elapsed().as_secs_f64()),
                Ok(o) => {
                    eprintln!("psql \\copy failed: {}", String::from_utf8_lossy(&o.stderr).trim());
                    None
                }
                Err(e) => {
                    eprintln!("psql not run: {e}");
                    None
                }
            };
            let _ = std::fs::remove_file(&csv);
            match psql {
                Some(p) => println!("| {dim} | {rows} | **{ours:.0}** | {p:.0} | **{:.2}×** |", ours / p),
                None => println!("| {dim} | {rows} | **{ours:.0}** | — | — |"),
            }
        }

        println!();
        println!("## Whole pipeline (ragdesk ingest: extract → chunk → embed → store)");
        println!();
        let mut conn = db.pool.acquire().await?;
        let kb = knowledge::KnowledgeLists::of(db).await?.knowledge_base(&mut conn, scratch[0]).await?;
        drop(conn);
        let mut pipeline_files = vec![big_md.clone()];
        pipeline_files.extend(files.iter().skip(2).cloned());
        let opts = Options {
            chunk: CHUNK,
            dry_run: false,
            force: true,
            max_file_bytes: 100 << 20,
            limits: extract::Limits::default(),
            cache: None,
        };
        let t = Instant::now();
        let reports = ingest::run(db, &kb, provider.clone(), &pipeline_files, &opts, &Cancel::default(), &|_| {})
            .await
            .map_err(|e| eyre!("{e}"))?;
        let wall = t.elapsed().as_secs_f64();
        let bytes: u64 = reports.iter().map(|r| r.bytes).sum();
        let chunks: usize = reports
            .iter()
            .map(|r| match &r.outcome {
                ingest::Outcome::Stored { chunks, .. } => *chunks,
                _ => 0,
            })
            .sum();
        let mut s = ingest::StageTimes::default();
        for r in &reports {
            s.extract += r.seconds.extract;
            s.chunk += r.seconds.chunk;
            s.embed += r.seconds.embed;
            s.store += r.seconds.store;
        }
        println!(
            "{} files, {} → {chunks} chunks in {wall:.1} s ({:.1} chunks/s overall); time per stage: \
             extract {:.2} s, chunk {:.2} s, embed {:.2} s, store {:.2} s",
            reports.len(),
            ragdesk::text::human_bytes(bytes),
            chunks as f64 / wall,
            s.extract,
            s.chunk,
            s.embed,
            s.store
        );
        Ok::<(), color_eyre::eyre::Report>(())
    }
    .await;
    for id in scratch {
        knowledge::delete_kb(&mut *db.pool.acquire().await?, id).await?;
    }
    result?;
    println!();
    println!("peak RSS of this process: {:.0} MB", super::peak_rss_mb());
    Ok(())
}
