//! Ingest against the real database: every format, every kind of bad input,
//! duplicates, and all-or-nothing storage under failure, a killed
//! connection and cancellation.

use std::path::PathBuf;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

use futures::future::BoxFuture;
use ragdesk::db::knowledge::{KnowledgeBaseRow, NewKnowledgeBase};
use ragdesk::embed::{EmbedError, EmbeddingProvider, Provider, TokenCounter};
use ragdesk::ingest::{self, Cancel, ChunkSettings, Event, Options, Outcome};
use tokio::sync::Notify;

use crate::support;

fn fixture(name: &str) -> PathBuf {
    PathBuf::from("tests/fixtures/ingest").join(name)
}

fn options(tokens: usize, overlap: usize) -> Options {
    Options {
        chunk: ChunkSettings { tokens, overlap },
        dry_run: false,
        force: false,
        max_file_bytes: 10_000_000,
        limits: ingest::Limits::default(),
        cache: None,
    }
}

async fn new_kb(t: &support::TestDb, provider: &str, model: &str, dim: i32) -> KnowledgeBaseRow {
    let (demo,): (uuid::Uuid,) =
        sqlx::query_as("SELECT id FROM demos ORDER BY created_at LIMIT 1").fetch_one(&t.db.pool).await.unwrap();
    support::create_kb(
        t,
        &NewKnowledgeBase {
            demo_id: demo,
            name: format!("kb-{provider}-{dim}"),
            kb_type: "faq".into(),
            provider: provider.into(),
            model: model.into(),
            dim,
            chunk_tokens: None,
            chunk_overlap: None,
            attach: true,
        },
    )
    .await
}

fn local() -> Provider {
    Arc::new(ragdesk::embed::local::LocalProvider::load(&crate::embed::model_dir()).unwrap())
}

fn quiet() -> impl Fn(Event) + Send + Sync {
    |_| {}
}

async fn counts(t: &support::TestDb) -> (i64, i64) {
    sqlx::query_as("SELECT (SELECT count(*) FROM documents), (SELECT count(*) FROM chunks)")
        .fetch_one(&t.db.pool)
        .await
        .unwrap()
}

fn outcome<'a>(reports: &'a [ingest::FileReport], name: &str) -> &'a Outcome {
    &reports.iter().find(|r| r.path.ends_with(name)).unwrap_or_else(|| panic!("no report for {name}")).outcome
}

fn error_of(reports: &[ingest::FileReport], name: &str) -> String {
    match outcome(reports, name) {
        Outcome::Failed { error } => error.clone(),
        other => panic!("{name} should fail, got {other:?}"),
    }
}

#[tokio::test]
async fn every_format_and_every_bad_input() {
    let t = support::seeded(2, support::tiny()).await;
    let kb = new_kb(&t, "local", "all-MiniLM-L6-v2", 384).await;
    let events = std::sync::Mutex::new(Vec::new());
    let record = |e: Event| events.lock().unwrap().push(e);
    let paths = vec![fixture(""), PathBuf::from("tests/fixtures/ingest/missing.txt")];
    let reports =
        ingest::run(&t.db, &kb, local(), &paths, &options(60, 10), &Cancel::default(), &record).await.unwrap();

    for name in ["hours.txt", "faq.md", "menu.html", "services.pdf", "policy.docx"] {
        assert!(matches!(outcome(&reports, name), Outcome::Stored { .. }), "{name}: {:?}", outcome(&reports, name));
    }
    let formats: Vec<_> = ["hours.txt", "faq.md", "menu.html", "services.pdf", "policy.docx"]
        .iter()
        .map(|n| reports.iter().find(|r| r.path.ends_with(n)).unwrap().format.unwrap())
        .collect();
    assert_eq!(formats, ["text", "markdown", "html", "pdf", "docx"]);
    assert_eq!(error_of(&reports, "empty.txt"), "empty file");
    assert_eq!(error_of(&reports, "blank.txt"), "no text could be extracted");
    assert!(error_of(&reports, "image.png").contains("PNG image"));
    assert!(error_of(&reports, "latin1.txt").contains("not valid UTF-8"));
    assert!(error_of(&reports, "encrypted.pdf").contains("encrypted"));
    assert!(error_of(&reports, "corrupt.pdf").contains("PDF"), "{}", error_of(&reports, "corrupt.pdf"));
    assert!(error_of(&reports, "corrupt.docx").contains("corrupt DOCX"));
    assert!(error_of(&reports, "bomb.docx").contains("zip bomb"));
    assert!(
        error_of(&reports, "no-text.pdf").contains("scanned or image-only PDF"),
        "{}",
        error_of(&reports, "no-text.pdf")
    );
    assert_eq!(error_of(&reports, "missing.txt"), "no such file or directory");

    // What is stored: text, chunk order, dimensions, norms, counts.
    let pool = &t.db.pool;
    let (docs, chunks) = counts(&t).await;
    assert_eq!(docs, 5);
    // The list shows the stored size of each text (it never reads the text).
    let listed = support::knowledge_lists(&t)
        .await
        .documents(&mut pool.acquire().await.unwrap(), kb.id, "", ragdesk::db::Seek::First, 100)
        .await
        .unwrap();
    assert_eq!(listed.rows.len(), 5);
    for d in &listed.rows {
        let actual: i64 = sqlx::query_scalar("SELECT octet_length(content)::bigint FROM documents WHERE id = $1")
            .bind(d.id)
            .fetch_one(pool)
            .await
            .unwrap();
        assert_eq!(d.text_bytes, Some(actual), "{}", d.filename);
    }
    let stored: i64 =
        reports.iter().map(|r| if let Outcome::Stored { chunks, .. } = r.outcome { chunks as i64 } else { 0 }).sum();
    assert_eq!(chunks, stored);
    let bad: (i64,) = sqlx::query_as(
        "SELECT count(*) FROM documents d WHERE d.chunk_count <> (SELECT count(*) FROM chunks c WHERE c.document_id = d.id) \
         OR (SELECT array_agg(chunk_index ORDER BY chunk_index) FROM chunks c WHERE c.document_id = d.id) \
            <> (SELECT array_agg(g) FROM generate_series(0, d.chunk_count - 1) g) \
         OR EXISTS (SELECT 1 FROM chunks c WHERE c.document_id = d.id \
                    AND (c.kb_id <> d.kb_id OR c.token_count IS NULL OR c.token_count <= 0))",
    )
    .fetch_one(pool)
    .await
    .unwrap();
    // (Written through our layout: the knowledge base from the document's
    // row, the tokens from the chunk's values.)
    assert_eq!(bad.0, 0, "chunk_count right, chunk indexes 0..n in order, each with its tokens and knowledge base");
    let (dims_ok, norm_min, norm_max): (bool, f64, f64) = sqlx::query_as(
        "SELECT bool_and(vector_dims(embedding) = 384 AND embedding_dim = 384), min(vector_norm(embedding)), max(vector_norm(embedding)) FROM chunks",
    )
    .fetch_one(pool)
    .await
    .unwrap();
    assert!(dims_ok);
    assert!((norm_min - 1.0).abs() < 1e-4 && (norm_max - 1.0).abs() < 1e-4, "{norm_min} {norm_max}");
    let content: Vec<(String, String)> =
        sqlx::query_as("SELECT filename, content FROM documents ORDER BY filename").fetch_all(pool).await.unwrap();
    let text = |f: &str| content.iter().find(|c| c.0 == f).unwrap().1.clone();
    assert!(text("menu.html").contains("Fresh pasta made daily.") && !text("menu.html").contains("tracking"));
    assert!(text("services.pdf").contains("Tune-up special: $79."), "{}", text("services.pdf"));
    assert!(text("policy.docx").contains("Late cancellations are charged $50 & may lose"), "{}", text("policy.docx"));
    assert!(text("hours.txt").contains("14:00.\n\nClosed"), "paragraph breaks kept: {:?}", text("hours.txt"));
    // Chunk text is the document's text at the recorded offsets.
    let offsets_ok: (bool,) = sqlx::query_as(
        "SELECT bool_and(substring(convert_to(d.content, 'UTF8') FROM c.start_offset + 1 FOR c.end_offset - c.start_offset) = convert_to(c.content, 'UTF8')) \
         FROM chunks c JOIN documents d ON d.id = c.document_id",
    )
    .fetch_one(pool)
    .await
    .unwrap();
    assert!(offsets_ok.0);
    // The knowledge base can be searched with the same model.
    let q = local().embed(&["do you accept Delta Dental insurance?".to_string()]).await.unwrap().remove(0);
    let best: (String,) = sqlx::query_as(
        "SELECT d.filename FROM match_chunks($1, $2, 0.0, 1) m JOIN documents d ON d.id = m.document_id",
    )
    .bind(kb.id)
    .bind(pgvector::Vector::from(q))
    .fetch_one(pool)
    .await
    .unwrap();
    assert_eq!(best.0, "faq.md");

    // Progress went through every stage.
    let seen: std::collections::HashSet<&'static str> = events
        .lock()
        .unwrap()
        .iter()
        .filter_map(|e| if let Event::Progress { stage, .. } = e { Some(stage.name()) } else { None })
        .collect();
    assert_eq!(seen.len(), 4, "{seen:?}");
}

#[tokio::test]
async fn duplicates_are_skipped_unless_forced_and_dry_run_stores_nothing() {
    let t = support::seeded(2, support::tiny()).await;
    let kb = new_kb(&t, "local", "all-MiniLM-L6-v2", 384).await;
    let p = vec![fixture("hours.txt")];
    let mut o = options(60, 10);
    o.dry_run = true;
    let r = ingest::run(&t.db, &kb, local(), &p, &o, &Cancel::default(), &quiet()).await.unwrap();
    assert!(matches!(&r[0].outcome, Outcome::DryRun { chunks } if !chunks.is_empty()));
    assert_eq!(counts(&t).await, (0, 0));

    let o = options(60, 10);
    let r = ingest::run(&t.db, &kb, local(), &p, &o, &Cancel::default(), &quiet()).await.unwrap();
    assert!(matches!(r[0].outcome, Outcome::Stored { .. }));
    let r = ingest::run(&t.db, &kb, local(), &p, &o, &Cancel::default(), &quiet()).await.unwrap();
    assert!(matches!(&r[0].outcome, Outcome::Duplicate { existing_filename, .. } if existing_filename == "hours.txt"));
    let mut forced = options(60, 10);
    forced.force = true;
    let r = ingest::run(&t.db, &kb, local(), &p, &forced, &Cancel::default(), &quiet()).await.unwrap();
    assert!(matches!(r[0].outcome, Outcome::Stored { .. }));
    assert_eq!(counts(&t).await.0, 2);
}

#[tokio::test]
async fn the_extract_cache_serves_an_unchanged_file_and_rereads_a_changed_one() {
    let t = support::seeded(2, support::tiny()).await;
    let kb = new_kb(&t, "local", "all-MiniLM-L6-v2", 384).await;
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("note.txt");
    std::fs::write(&path, "Opening hours: Monday to Friday.").unwrap();
    let mtime = std::fs::metadata(&path).unwrap().modified().unwrap();
    let mut o = options(60, 10);
    o.dry_run = true;
    o.cache = Some(ingest::ExtractCache::default());
    let text_of = |r: &[ingest::FileReport]| match &r[0].outcome {
        Outcome::DryRun { chunks } => chunks.iter().map(|c| c.text.clone()).collect::<String>(),
        other => panic!("{other:?}"),
    };
    let run = |o: Options| {
        let (db, kb, p) = (t.db.clone(), kb.clone(), vec![path.clone()]);
        async move { ingest::run(&db, &kb, local(), &p, &o, &Cancel::default(), &quiet()).await.unwrap() }
    };
    assert_eq!(text_of(&run(o.clone()).await), "Opening hours: Monday to Friday.");
    // Same size and modification time: the cached text is used, the file is not read.
    std::fs::write(&path, "Opening hours: Friday to Monday.").unwrap();
    std::fs::File::options().write(true).open(&path).unwrap().set_modified(mtime).unwrap();
    assert_eq!(text_of(&run(o.clone()).await), "Opening hours: Monday to Friday.");
    // A changed file is read again.
    std::fs::write(&path, "Opening hours: every day, 8 to 18.").unwrap();
    assert_eq!(text_of(&run(o.clone()).await), "Opening hours: every day, 8 to 18.");
    o.cache = None;
    assert_eq!(text_of(&run(o).await), "Opening hours: every day, 8 to 18.");
}

#[tokio::test]
async fn sizes_above_the_model_limit_are_clamped_with_a_warning() {
    let t = support::seeded(2, support::tiny()).await;
    let kb = new_kb(&t, "local", "all-MiniLM-L6-v2", 384).await;
    let mut o = options(400, 50);
    o.dry_run = true;
    let r = ingest::run(&t.db, &kb, local(), &[fixture("faq.md")], &o, &Cancel::default(), &quiet()).await.unwrap();
    assert_eq!(r[0].chunk_tokens, 254);
    assert!(r[0].warnings.iter().any(|w| w.contains("clamped to 254")), "{:?}", r[0].warnings);
    let mut o = options(100, 100);
    o.dry_run = true;
    let r = ingest::run(&t.db, &kb, local(), &[fixture("faq.md")], &o, &Cancel::default(), &quiet()).await.unwrap();
    assert!(matches!(&r[0].outcome, Outcome::Failed { error } if error.contains("overlap")));
    // Over the size limit.
    let mut o = options(100, 10);
    o.max_file_bytes = 100;
    let r =
        ingest::run(&t.db, &kb, local(), &[fixture("policy.docx")], &o, &Cancel::default(), &quiet()).await.unwrap();
    assert!(matches!(&r[0].outcome, Outcome::Failed { error } if error.contains("over the")), "{:?}", r[0].outcome);
}

#[tokio::test]
async fn a_model_other_than_the_knowledge_bases_is_refused() {
    let t = support::seeded(2, support::tiny()).await;
    let kb = new_kb(&t, "openai", "text-embedding-3-small", 1536).await;
    let err = ingest::run(&t.db, &kb, local(), &[fixture("hours.txt")], &options(60, 10), &Cancel::default(), &quiet())
        .await
        .unwrap_err();
    assert!(err.to_string().contains("refusing") && err.to_string().contains("text-embedding-3-small"), "{err}");
    assert_eq!(counts(&t).await, (0, 0));
}

/// A stand-in model with deterministic vectors, whose `embed` can fail,
/// pause or cancel on a chosen call: for the all-or-nothing tests.
struct Scripted {
    calls: AtomicUsize,
    on_call: usize,
    action: Action,
}

enum Action {
    Fail,
    /// Tell the test we are here, then wait for it.
    Pause(Arc<Notify>, Arc<Notify>),
    Cancel(Cancel),
    /// Return a vector the server refuses.
    NaN,
}

impl EmbeddingProvider for Scripted {
    fn provider(&self) -> &'static str {
        "local"
    }
    fn model(&self) -> &str {
        "all-MiniLM-L6-v2"
    }
    fn dimension(&self) -> usize {
        384
    }
    fn max_input_tokens(&self) -> usize {
        254
    }
    fn tokens(&self) -> TokenCounter {
        TokenCounter::cl100k()
    }
    fn embed<'a>(&'a self, texts: &'a [String]) -> BoxFuture<'a, Result<Vec<Vec<f32>>, EmbedError>> {
        Box::pin(async move {
            let n = self.calls.fetch_add(1, Ordering::SeqCst);
            if n == self.on_call {
                match &self.action {
                    Action::Fail => return Err(EmbedError::Network("injected failure".into())),
                    Action::Pause(here, go) => {
                        here.notify_one();
                        go.notified().await;
                    }
                    Action::Cancel(c) => c.cancel(),
                    Action::NaN => return Ok(texts.iter().map(|_| vec![f32::NAN; 384]).collect()),
                }
            }
            Ok(texts
                .iter()
                .map(|_| {
                    let mut v = vec![0.0f32; 384];
                    v[n % 384] = 1.0;
                    v
                })
                .collect())
        })
    }
}

/// A document of many paragraphs: several store batches at 20 tokens a chunk.
fn big_document(dir: &tempfile::TempDir) -> PathBuf {
    let p = dir.path().join("big.txt");
    let text: String = (0..400)
        .map(|i| format!("Paragraph {i}: our technicians service every brand of furnace and heat pump.\n\n"))
        .collect();
    std::fs::write(&p, text).unwrap();
    p
}

#[tokio::test]
async fn an_embedding_failure_mid_document_leaves_nothing() {
    let t = support::seeded(2, support::tiny()).await;
    let kb = new_kb(&t, "local", "all-MiniLM-L6-v2", 384).await;
    let dir = tempfile::tempdir().unwrap();
    let paths = vec![big_document(&dir), fixture("hours.txt")];
    let p: Provider = Arc::new(Scripted { calls: AtomicUsize::new(0), on_call: 2, action: Action::Fail });
    let r = ingest::run(&t.db, &kb, p, &paths, &options(20, 0), &Cancel::default(), &quiet()).await.unwrap();
    assert!(
        matches!(&r[0].outcome, Outcome::Failed { error } if error.contains("injected failure")),
        "{:?}",
        r[0].outcome
    );
    assert!(matches!(r[1].outcome, Outcome::Stored { .. }), "the next file carries on");
    let (docs, chunks) = counts(&t).await;
    assert_eq!(docs, 1, "only hours.txt");
    let (orphans,): (i64,) = sqlx::query_as(
        "SELECT count(*) FROM chunks c JOIN documents d ON d.id = c.document_id WHERE d.filename = 'big.txt'",
    )
    .fetch_one(&t.db.pool)
    .await
    .unwrap();
    assert_eq!(orphans, 0);
    assert!(chunks > 0);
}

#[tokio::test]
async fn no_transaction_is_open_while_embedding() {
    let t = support::seeded(2, support::tiny()).await;
    let kb = new_kb(&t, "local", "all-MiniLM-L6-v2", 384).await;
    let dir = tempfile::tempdir().unwrap();
    let paths = vec![big_document(&dir)];
    let here = Arc::new(Notify::new());
    let go = Arc::new(Notify::new());
    let p: Provider =
        Arc::new(Scripted { calls: AtomicUsize::new(0), on_call: 2, action: Action::Pause(here.clone(), go.clone()) });
    let db = t.db.clone();
    let job =
        tokio::spawn(
            async move { ingest::run(&db, &kb, p, &paths, &options(20, 0), &Cancel::default(), &|_| {}).await },
        );
    // The model is half-way through the document: nothing of this database
    // may be inside a transaction (the write comes after, and is short).
    here.notified().await;
    let mut admin = sqlx::PgConnection::connect(&support::admin_url()).await.unwrap();
    let open: i64 = sqlx::query_scalar(
        // Clients only: an autovacuum worker on the fresh database is no transaction of ours.
        "SELECT count(*) FROM pg_stat_activity WHERE datname = $1 AND xact_start IS NOT NULL \
         AND backend_type = 'client backend' AND pid <> pg_backend_pid()",
    )
    .bind(t.url.rsplit('/').next().unwrap())
    .fetch_one(&mut admin)
    .await
    .unwrap();
    assert_eq!(open, 0, "a transaction is open while the model embeds");
    go.notify_one();
    let r = job.await.unwrap().unwrap();
    assert!(matches!(&r[0].outcome, Outcome::Stored { .. }), "{:?}", r[0].outcome);
}

#[tokio::test]
async fn a_write_failing_mid_document_leaves_nothing() {
    let t = support::seeded(2, support::tiny()).await;
    let kb = new_kb(&t, "local", "all-MiniLM-L6-v2", 384).await;
    let dir = tempfile::tempdir().unwrap();
    // A vector the server refuses (NaN) in a late batch: the earlier batches
    // were already written in the same transaction, and must go with it.
    let p: Provider = Arc::new(Scripted { calls: AtomicUsize::new(0), on_call: 5, action: Action::NaN });
    let paths = vec![big_document(&dir)];
    let r = ingest::run(&t.db, &kb, p, &paths, &options(20, 0), &Cancel::default(), &quiet()).await.unwrap();
    assert!(matches!(&r[0].outcome, Outcome::Failed { error } if error.contains("NaN")), "{:?}", r[0].outcome);
    assert_eq!(counts(&t).await, (0, 0), "no document, no orphan chunks");
}

#[tokio::test]
async fn cancelling_mid_document_leaves_nothing() {
    let t = support::seeded(2, support::tiny()).await;
    let kb = new_kb(&t, "local", "all-MiniLM-L6-v2", 384).await;
    let dir = tempfile::tempdir().unwrap();
    let cancel = Cancel::default();
    let p: Provider =
        Arc::new(Scripted { calls: AtomicUsize::new(0), on_call: 1, action: Action::Cancel(cancel.clone()) });
    let paths = vec![big_document(&dir), fixture("hours.txt")];
    let r = ingest::run(&t.db, &kb, p, &paths, &options(20, 0), &cancel, &quiet()).await.unwrap();
    assert_eq!(r.iter().map(|r| r.outcome.clone()).collect::<Vec<_>>(), vec![Outcome::Cancelled, Outcome::Cancelled]);
    assert_eq!(counts(&t).await, (0, 0));
}

use sqlx::Connection;

#[tokio::test]
async fn prose_chunks_honour_size_and_overlap_in_model_tokens() {
    let t = support::seeded(3, support::tiny()).await;
    let kb = new_kb(&t, "local", "all-MiniLM-L6-v2", 384).await;
    let provider = local();
    let counter = provider.tokens();
    let mut opts = options(250, 50);
    opts.dry_run = true;
    let r = ingest::run(
        &t.db,
        &kb,
        provider,
        &[PathBuf::from("tests/fixtures/prose/prose.txt")],
        &opts,
        &Cancel::default(),
        &quiet(),
    )
    .await
    .unwrap();
    let Outcome::DryRun { chunks } = &r[0].outcome else { panic!("{:?}", r[0].outcome) };
    assert!(chunks.len() >= 5, "{}", chunks.len());
    for c in chunks {
        assert!(c.tokens <= 250, "chunk {} has {} model tokens", c.index, c.tokens);
    }
    let n = chunks.len();
    let average = chunks[..n - 1].iter().map(|c| c.tokens).sum::<usize>() / (n - 1);
    assert!(average >= 200, "chunks average {average} model tokens against 250");
    let overlapping = chunks.windows(2).filter(|w| w[1].start < w[0].end).count();
    assert_eq!(overlapping, n - 1, "every consecutive pair overlaps");
    for w in chunks.windows(2) {
        let shared = &w[0].text[w[0].text.len() - (w[0].end - w[1].start)..];
        let tokens = counter.count(shared);
        assert!((10..=55).contains(&tokens), "overlap of {tokens} model tokens: {shared:?}");
    }
}

/// PDFs made by real producers (scripts/pdf-corpus): pdfLaTeX with Type3
/// bitmap fonts, pdfLaTeX in two columns, LibreOffice with Cyrillic, Greek,
/// Chinese and Japanese. What ingest extracts keeps whole at least 95% of
/// the words poppler's pdftotext reads.
#[test]
fn pdfs_from_real_producers_read_as_pdftotext_reads_them() {
    for name in ["pdflatex-type3", "pdflatex-two-columns", "libreoffice-multilingual"] {
        let path = PathBuf::from(format!("tests/fixtures/pdf/{name}.pdf"));
        let reference = std::process::Command::new("pdftotext")
            .args(["-enc", "UTF-8"])
            .arg(&path)
            .arg("-")
            .output()
            .expect("pdftotext runs (scripts/test installs poppler-utils)");
        let reference = String::from_utf8_lossy(&reference.stdout).into_owned();
        assert!(ingest::pdf::words(&reference).len() > 100, "{name}: the reference has text");
        let got = ingest::extract::extract_file(&path, ingest::extract::Limits::default()).unwrap();
        let recall = ingest::pdf::word_recall(&reference, &got.text);
        assert!(recall >= 0.95, "{name}: word recall {recall:.3}");
    }
}

/// Our chunks written through our layout in several batches: positions
/// carry on across batches, each chunk keeps its own tokens, byte offsets,
/// size and knowledge base, and a chunk out of order is refused.
#[tokio::test]
async fn a_document_written_in_batches_keeps_each_chunks_values() {
    use ragdesk::db::knowledge::{DocumentWriter, NewChunk, NewDocument};
    let t = support::seeded(2, support::tiny()).await;
    let kb = support::local_kb(&t, "batches").await;
    let document = NewDocument {
        kb_id: kb.id,
        dim: 384,
        filename: "big.txt",
        content: "x",
        content_type: "text/plain",
        size_bytes: 1,
        sha256: "abc",
    };
    let mut w = DocumentWriter::begin(&t.db.pool, t.db.ours().await.unwrap(), document).await.unwrap();
    let unit = |i: usize| {
        let mut v = vec![0.0f32; 384];
        v[i % 384] = 1.0;
        v
    };
    let texts: Vec<String> = (0..300).map(|i| format!("chunk {i}")).collect();
    let chunk = |i: usize| NewChunk {
        index: i as i32,
        content: &texts[i],
        tokens: 3 + i as i32,
        start: 10 * i as i32,
        end: 10 * i as i32 + 7,
        embedding: unit(i),
    };
    for range in [0..256usize, 256..300] {
        w.write(range.map(chunk).collect()).await.unwrap();
    }
    let e = w.write(vec![chunk(5)]).await.unwrap_err().to_string();
    assert!(e.contains("chunk 5 written out of order (300 was next)"), "{e}");
    let id = w.commit().await.unwrap();
    let rows: Vec<(i32, String, i32, i32, i32, i32, uuid::Uuid)> = sqlx::query_as(
        "SELECT chunk_index, content, token_count, start_offset, end_offset, embedding_dim, kb_id \
         FROM chunks WHERE document_id = $1 ORDER BY chunk_index",
    )
    .bind(id)
    .fetch_all(&t.db.pool)
    .await
    .unwrap();
    assert_eq!(rows.len(), 300);
    for (i, r) in rows.iter().enumerate() {
        let i32_ = i as i32;
        assert_eq!(r, &(i32_, format!("chunk {i}"), 3 + i32_, 10 * i32_, 10 * i32_ + 7, 384, kb.id));
    }
    // A value for a column the layout fills itself (the row's size) is
    // refused before anything is sent, not sent twice.
    use ragdesk::db::mapped::ChunkToWrite;
    let v = unit(0);
    let twice = ChunkToWrite { text: "x", vector: &v, values: vec![("embedding_dim", Some("384".into()))] };
    let ours = t.db.ours().await.unwrap();
    let e = ours.write_chunks(&mut t.conn().await, &id.to_string(), None, 300, &[twice]).await.unwrap_err();
    assert!(e.to_string().contains("embedding_dim is written once"), "{e}");
}
