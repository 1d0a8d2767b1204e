//! The Documents tab end to end without a terminal: the app's state machine
//! wired to the real effect runner, the real database and the local model,
//! as the console's event loop does. Create a knowledge base, upload (path
//! prompt → live preview → background job), browse documents and chunks,
//! delete, and cancel a job half-way with nothing left behind.

use std::sync::Arc;
use std::time::Duration;

use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use ragdesk::action::{Action, Effect, JobEvent};
use ragdesk::app::{App, Tab};
use ragdesk::ingest::{Event, Outcome, Stage};
use ragdesk::keymap::Keymap;
use ragdesk::runner::{EffectRunner, Settings};
use tokio::sync::mpsc::{UnboundedReceiver, unbounded_channel};

use crate::support;

pub(crate) struct Console {
    pub(crate) app: App,
    runner: EffectRunner,
    rx: UnboundedReceiver<Action>,
    /// Every job event seen, in order.
    job_events: Vec<JobEvent>,
    _data: tempfile::TempDir,
}

impl Console {
    pub(crate) fn new(t: &support::TestDb) -> Console {
        Console::reading(t, None)
    }

    /// The console on another platform's database, read through `mapped`
    /// as `ragdesk` opens it.
    pub(crate) fn reading(t: &support::TestDb, mapped: Option<Arc<ragdesk::db::mapped::Mapped>>) -> Console {
        let data = tempfile::tempdir().unwrap();
        let (tx, rx) = unbounded_channel();
        let mut embedding = ragdesk::config::EmbeddingConfig::default();
        embedding.local_model_dir = Some(crate::embed::model_dir());
        let settings = Settings {
            export_dir: data.path().to_path_buf(),
            page_size: 100,
            transcript_page_size: 200,
            embedder: embedding.embedder(&ragdesk::config::Paths {
                config_dir: data.path().join("config"),
                data_dir: data.path().join("data"),
            }),
            max_file_bytes: 10_000_000,
            history_dir: data.path().join("data/search-history"),
            mapped: mapped.clone(),
            lists: mapped.clone().map_or_else(ragdesk::db::mapped::Lists::ours, ragdesk::db::mapped::Lists::Checked),
            layout_model: None,
        };
        let runner = EffectRunner::new(t.db.clone(), tx, settings);
        let mut app = App::new(t.db.target.clone(), false, Keymap::default(), 100, 200);
        if let Some(m) = &mapped {
            app.read_through(m, Vec::new());
        }
        app.size = (120, 40);
        let fx = app.start();
        let mut c = Console { app, runner, rx, job_events: Vec::new(), _data: data };
        c.run(fx);
        c
    }

    fn run(&mut self, fx: Vec<Effect>) {
        for e in fx {
            self.runner.run(e);
        }
    }

    pub(crate) fn key(&mut self, code: KeyCode) {
        let fx = self.app.update(Action::Key(KeyEvent::new(code, KeyModifiers::NONE)));
        self.run(fx);
    }

    pub(crate) fn type_text(&mut self, text: &str) {
        for c in text.chars() {
            self.key(KeyCode::Char(c));
        }
    }

    /// Feeds results back until `done` holds (the event loop, minus drawing).
    pub(crate) async fn until(&mut self, what: &str, done: impl Fn(&App) -> bool) {
        let deadline = tokio::time::Instant::now() + Duration::from_secs(120);
        while !done(&self.app) {
            let action = tokio::time::timeout_at(deadline, self.rx.recv())
                .await
                .unwrap_or_else(|_| panic!("timed out waiting for {what}; status: {:?}", self.app.message))
                .expect("runner alive");
            if let Action::Job { event, .. } = &action {
                self.job_events.push(event.clone());
            }
            let fx = self.app.update(action);
            self.run(fx);
        }
    }
}

async fn documents_of(t: &support::TestDb, kb_name: &str) -> Vec<(String, i32, i64, i32)> {
    sqlx::query_as(
        "SELECT d.filename, d.chunk_count, (SELECT count(*) FROM chunks c WHERE c.document_id = d.id), \
         (SELECT min(vector_dims(c.embedding)) FROM chunks c WHERE c.document_id = d.id) \
         FROM documents d JOIN knowledge_bases k ON k.id = d.kb_id WHERE k.name = $1 ORDER BY d.filename",
    )
    .bind(kb_name)
    .fetch_all(&t.db.pool)
    .await
    .unwrap()
}

#[tokio::test]
async fn create_upload_browse_delete_and_cancel_from_the_console() {
    let t = support::seeded(5, support::tiny()).await;
    let mut c = Console::new(&t);
    c.until("tenants", |a| !a.browser.current().rows.is_empty()).await;

    // Open a demo (read through our layout), then its Documents tab.
    c.key(KeyCode::Char('2'));
    c.until("demos", |a| {
        a.browser.current().kind == ragdesk::schema::Kind::Demo && !a.browser.current().rows.is_empty()
    })
    .await;
    c.key(KeyCode::Enter);
    assert!(c.app.nav.demo.is_some(), "the demo opened is the Documents tab's");
    c.key(KeyCode::Char('5'));
    assert_eq!(c.app.tab, Tab::Documents);
    c.until("knowledge bases", |a| a.lists.kbs.query.is_some() && !a.lists.kbs.loading).await;
    let before = c.app.lists.kbs.rows.len();

    // A new knowledge base through the form.
    c.key(KeyCode::Char('n'));
    c.type_text("Console uploads");
    c.key(KeyCode::Enter);
    c.until("the new knowledge base", |a| {
        a.lists.kbs.rows.iter().any(|k| k.name == "Console uploads") && !a.lists.kbs.loading
    })
    .await;
    assert_eq!(c.app.lists.kbs.rows.len(), before + 1);
    let at = c.app.lists.kbs.rows.iter().position(|k| k.name == "Console uploads").unwrap();
    c.app.lists.kbs.selected = at;
    c.key(KeyCode::Enter);
    c.until("documents", |a| a.lists.documents.query.is_some() && !a.lists.documents.loading).await;
    assert!(c.app.lists.documents.rows.is_empty());

    // Upload a directory: two good files and one that yields no text.
    let dir = tempfile::tempdir().unwrap();
    for f in
        ["scripts/samples/dental/patient-faq.md", "tests/fixtures/ingest/hours.txt", "tests/fixtures/ingest/empty.txt"]
    {
        let name = std::path::Path::new(f).file_name().unwrap();
        std::fs::copy(f, dir.path().join(name)).unwrap();
    }
    c.key(KeyCode::Char('u'));
    c.type_text(&format!("{}/", dir.path().display()));
    c.key(KeyCode::Enter);
    c.until("the preview", |a| a.docs.upload.as_ref().is_some_and(|u| !u.loading)).await;
    let up = c.app.docs.upload.as_ref().unwrap();
    assert_eq!(up.files.len(), 3, "{:?}", up.files);
    assert_eq!(up.storable(), 2);
    let first_chunks = match &up.files.iter().find(|f| f.path.ends_with("patient-faq.md")).unwrap().outcome {
        Outcome::DryRun { chunks } => chunks.len(),
        other => panic!("{other:?}"),
    };
    // Smaller chunks re-chunk the preview at once; nothing is stored yet.
    for _ in 0..6 {
        c.key(KeyCode::Char('-'));
    }
    c.until("the re-chunked preview", |a| a.docs.upload.as_ref().is_some_and(|u| !u.loading)).await;
    let up = c.app.docs.upload.as_ref().unwrap();
    assert_eq!(up.chunk.tokens, 100);
    let smaller = match &up.files.iter().find(|f| f.path.ends_with("patient-faq.md")).unwrap().outcome {
        Outcome::DryRun { chunks } => chunks.len(),
        other => panic!("{other:?}"),
    };
    assert!(smaller > first_chunks, "{smaller} chunks at 100 tokens vs {first_chunks} at 250");
    assert!(documents_of(&t, "Console uploads").await.is_empty(), "a preview stores nothing");

    // Store: a background job reporting every stage.
    c.key(KeyCode::Enter);
    assert!(c.app.docs.upload.is_none() && c.app.docs.job.as_ref().is_some_and(|j| j.running()));
    c.until("the job", |a| a.docs.job.as_ref().is_some_and(|j| !j.running())).await;
    let stages: Vec<Stage> = c
        .job_events
        .iter()
        .filter_map(|e| match e {
            JobEvent::Progress(Event::Progress { stage, .. }) => Some(*stage),
            _ => None,
        })
        .collect();
    for s in Stage::ALL {
        assert!(stages.contains(&s), "no progress for {s:?}: {stages:?}");
    }
    let docs = documents_of(&t, "Console uploads").await;
    assert_eq!(docs.len(), 2, "{docs:?}");
    for (name, count, rows, dim) in &docs {
        assert_eq!(*count as i64, *rows, "{name}: chunk_count is right");
        assert_eq!(*dim, 384);
    }
    let job = c.app.docs.job.as_ref().unwrap();
    assert!(job.reports.iter().any(|r| r.path.ends_with("empty.txt") && matches!(r.outcome, Outcome::Failed { .. })));

    // The list reloads with the new documents; their chunks open in order.
    c.until("the reloaded documents", |a| a.lists.documents.rows.len() == 2 && !a.lists.documents.loading).await;
    let faq = c.app.lists.documents.rows.iter().position(|d| d.filename == "patient-faq.md").unwrap();
    c.app.lists.documents.selected = faq;
    c.key(KeyCode::Enter);
    c.until("chunks", |a| a.lists.chunks.query.is_some() && !a.lists.chunks.loading).await;
    let indexes: Vec<i32> = c.app.lists.chunks.rows.iter().map(|r| r.chunk_index).collect();
    assert_eq!(indexes, (0..indexes.len() as i32).collect::<Vec<_>>());
    assert!(!indexes.is_empty());
    assert!(c.app.lists.chunks.rows.iter().all(|r| r.embedding_dim == 384 && r.token_count.unwrap() <= 100));
    c.key(KeyCode::Esc);

    // Delete, after confirmation.
    c.until("documents again", |a| !a.lists.documents.loading).await;
    let faq = c.app.lists.documents.rows.iter().position(|d| d.filename == "patient-faq.md").unwrap();
    c.app.lists.documents.selected = faq;
    let deleted = c.app.lists.documents.rows[faq].id;
    c.key(KeyCode::Char('d'));
    assert!(c.app.confirm().is_some());
    c.key(KeyCode::Char('y'));
    c.until("the deletion", |a| a.lists.documents.rows.len() == 1 && !a.lists.documents.loading).await;
    assert_eq!(documents_of(&t, "Console uploads").await.len(), 1);
    let (left,): (i64,) = sqlx::query_as("SELECT count(*) FROM chunks WHERE document_id = $1")
        .bind(deleted)
        .fetch_one(&t.db.pool)
        .await
        .unwrap();
    assert_eq!(left, 0, "the deleted document's chunks went with it");

    // Cancel a long upload half-way: nothing of it stays.
    c.key(KeyCode::Char('x'));
    assert!(c.app.docs.job.is_none(), "x dismissed the finished job");
    let big = dir.path().join("big.txt");
    let text: String =
        (0..600).map(|i| format!("Paragraph {i}: every brand of furnace and heat pump, serviced.\n\n")).collect();
    std::fs::write(&big, text).unwrap();
    c.app.docs.ingest_defaults = ragdesk::ingest::ChunkSettings { tokens: 20, overlap: 0 };
    c.key(KeyCode::Char('u'));
    c.type_text(&big.display().to_string());
    c.key(KeyCode::Enter);
    c.until("the big preview", |a| a.docs.upload.as_ref().is_some_and(|u| !u.loading)).await;
    c.key(KeyCode::Enter);
    c.until("embedding under way", |a| a.docs.job.as_ref().is_some_and(|j| j.stages[2].0 > 0)).await;
    c.key(KeyCode::Char('x'));
    c.until("the cancelled job", |a| a.docs.job.as_ref().is_some_and(|j| !j.running())).await;
    let job = c.app.docs.job.as_ref().unwrap();
    assert_eq!(job.reports.len(), 1);
    assert_eq!(job.reports[0].outcome, Outcome::Cancelled);
    let names: Vec<String> = documents_of(&t, "Console uploads").await.into_iter().map(|d| d.0).collect();
    assert_eq!(names, vec!["hours.txt".to_string()], "the cancelled document left nothing");
}
