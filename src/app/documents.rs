//! The Documents tab's interactions: creating a knowledge base, uploading
//! (path prompt with completion → live chunk preview → background job with
//! per-stage progress and cancel) and deleting a document after confirmation.

use std::path::PathBuf;

use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};

use super::form::{Field, Form, FormEvent};
use super::{App, InputPurpose, Tab};
use crate::action::{Effect, JobEvent};
use crate::db::knowledge::{KB_TYPES, KnowledgeBaseRow, NewKnowledgeBase};
use crate::embed::{LOCAL_DIM, LOCAL_MODEL};
use crate::ingest::{ChunkSettings, Event as IngestEvent, FileReport, Outcome, Stage};

/// Ticks are 250 ms.
const TICKS_PER_SECOND: f64 = 4.0;

#[derive(Debug, Clone)]
pub struct UploadState {
    pub kb: KnowledgeBaseRow,
    pub paths: Vec<PathBuf>,
    pub chunk: ChunkSettings,
    pub generation: u64,
    pub loading: bool,
    pub files: Vec<FileReport>,
    pub error: Option<String>,
    /// Selected file in the preview, and the first chunk shown.
    pub selected: usize,
    pub scroll: usize,
}

impl UploadState {
    /// Files that would be stored (extracted and chunked fine, not duplicates).
    pub fn storable(&self) -> usize {
        self.files.iter().filter(|f| matches!(f.outcome, Outcome::DryRun { .. })).count()
    }
}

#[derive(Debug, Clone)]
pub struct JobState {
    pub id: u64,
    pub kb_name: String,
    pub files_total: usize,
    pub file_index: usize,
    pub file: String,
    /// (done, total) per stage for the current file, in `Stage::ALL` order.
    pub stages: [(u64, u64); 4],
    pub ticks: u32,
    /// Chunks embedded since the job started (for the rate).
    pub embedded: u64,
    pub reports: Vec<FileReport>,
    pub finished: Option<Result<(), String>>,
    pub cancel_requested: bool,
}

impl JobState {
    pub fn running(&self) -> bool {
        self.finished.is_none()
    }
    pub fn elapsed_secs(&self) -> f64 {
        self.ticks as f64 / TICKS_PER_SECOND
    }
    /// Chunks embedded per second so far.
    pub fn rate(&self) -> Option<f64> {
        let t = self.elapsed_secs();
        (t >= 1.0 && self.embedded > 0).then(|| self.embedded as f64 / t)
    }
    /// Seconds left for the current file's embedding, at the current rate.
    pub fn eta_secs(&self) -> Option<f64> {
        let (done, total) = self.stages[2];
        if total == 0 {
            return None;
        }
        Some(total.saturating_sub(done) as f64 / self.rate()?)
    }
    fn stage_index(stage: Stage) -> usize {
        Stage::ALL.iter().position(|s| *s == stage).unwrap_or(0)
    }
}

/// The "new knowledge base" form: a shared [`Form`] with the checks only
/// a knowledge base needs.
pub struct KbForm {
    pub form: Form,
}

/// Field positions in the KB form.
mod kb_field {
    pub const NAME: usize = 0;
    pub const TYPE: usize = 1;
    pub const PROVIDER: usize = 2;
    pub const MODEL: usize = 3;
    pub const DIMENSIONS: usize = 4;
    pub const ATTACH: usize = 5;
}

const PROVIDERS: &[&str] = &["local", "openai"];

impl KbForm {
    pub fn new() -> KbForm {
        let mut kb = KbForm {
            form: Form::new(vec![
                Field::text("Name", ""),
                Field::choice("Type", KB_TYPES, KB_TYPES.iter().position(|t| *t == "faq").unwrap_or(0)),
                Field::choice("Provider", PROVIDERS, 0),
                Field::text("Model", "text-embedding-3-small"),
                Field::number("Dimensions", "", 1, 16_000, true),
                Field::choice("Attach", &["yes, the demo uses it", "no"], 0),
            ]),
        };
        kb.sync_fixed();
        kb
    }

    /// The local provider runs one model: its model and dimension are shown
    /// fixed, not edited.
    pub fn sync_fixed(&mut self) {
        let local = self.is_local();
        self.form.fields[kb_field::MODEL].fixed = local.then(|| LOCAL_MODEL.to_string());
        self.form.fields[kb_field::DIMENSIONS].fixed = local.then(|| LOCAL_DIM.to_string());
    }

    pub fn is_local(&self) -> bool {
        self.form.choice(kb_field::PROVIDER) == 0
    }

    pub fn provider_name(&self) -> &'static str {
        PROVIDERS[self.form.choice(kb_field::PROVIDER)]
    }

    /// The knowledge base to create, or what is wrong with the form.
    pub fn build(&self, demo: uuid::Uuid) -> Result<NewKnowledgeBase, String> {
        let name = self.form.text(kb_field::NAME);
        if name.is_empty() {
            return Err("give the knowledge base a name".into());
        }
        let (model, dim) = if self.is_local() {
            (LOCAL_MODEL.to_string(), LOCAL_DIM)
        } else {
            let model = self.form.text(kb_field::MODEL);
            if model.is_empty() {
                return Err("name the model (e.g. text-embedding-3-small)".into());
            }
            let dim = match self.form.number(kb_field::DIMENSIONS)? {
                Some(d) => d as usize,
                None => crate::embed::openai::native_dimension(&model)
                    .ok_or_else(|| format!("the dimension of '{model}' is not known: enter it"))?,
            };
            (model, dim)
        };
        Ok(NewKnowledgeBase {
            demo_id: demo,
            name,
            kb_type: KB_TYPES[self.form.choice(kb_field::TYPE)].to_string(),
            provider: self.provider_name().to_string(),
            model,
            dim: dim as i32,
            chunk_tokens: None,
            chunk_overlap: None,
            attach: self.form.choice(kb_field::ATTACH) == 0,
        })
    }
}

impl Default for KbForm {
    fn default() -> Self {
        KbForm::new()
    }
}

/// A pending destructive action, run only after `y`.
pub struct Confirm {
    pub text: String,
    pub effect: Effect,
    /// Said when the answer is no ("not deleted").
    pub declined: &'static str,
    /// The form the question came from, as typed: `n` goes back to it, so a
    /// value refused on second thought is corrected, not typed again.
    pub back: Option<Box<super::limits::LimitEdit>>,
}

/// Paths typed at the prompt: separated by spaces; `"…"` keeps spaces.
pub fn parse_paths(input: &str) -> Vec<PathBuf> {
    let mut out = Vec::new();
    let mut cur = String::new();
    let mut quoted = false;
    for c in input.chars() {
        match c {
            '"' => quoted = !quoted,
            ' ' if !quoted => {
                if !cur.is_empty() {
                    out.push(PathBuf::from(crate::pathcomplete::expand_home(&std::mem::take(&mut cur))));
                }
            }
            c => cur.push(c),
        }
    }
    if !cur.is_empty() {
        out.push(PathBuf::from(crate::pathcomplete::expand_home(&cur)));
    }
    out
}

impl App {
    /// The knowledge base an upload goes to: the open one, or the selected one.
    fn upload_target(&self) -> Option<KnowledgeBaseRow> {
        match self.nav.kb {
            Some(_) => self.docs.kb.clone(),
            None => self.lists.kbs.selected_row().cloned(),
        }
    }

    pub(super) fn start_upload_prompt(&mut self) {
        if self.writes_refused("uploading") {
            return;
        }
        match self.upload_target() {
            Some(kb) => {
                self.open_input(InputPurpose::UploadPath, "");
                self.info(format!("files or directories for '{}' (Tab completes, Enter previews)", kb.name));
                // Fixed now: a list reloading under the prompt must not change where files go.
                self.docs.upload_kb = Some(kb);
            }
            None => self.error("pick a knowledge base first (or create one with n)"),
        }
    }

    pub(super) fn submit_upload_paths(&mut self, text: &str, fx: &mut Vec<Effect>) {
        let paths = parse_paths(text);
        let Some(kb) = self.docs.upload_kb.take() else {
            self.error("no knowledge base to upload to");
            return;
        };
        if paths.is_empty() {
            self.info("no paths given; nothing uploaded");
            return;
        }
        let chunk = kb.chunk_settings(self.docs.ingest_defaults);
        let generation = self.next_generation();
        fx.push(Effect::Preview { generation, kb: kb.id, paths: paths.clone(), chunk });
        self.docs.upload = Some(UploadState {
            kb,
            paths,
            chunk,
            generation,
            loading: true,
            files: Vec::new(),
            error: None,
            selected: 0,
            scroll: 0,
        });
    }

    /// Tab at the upload prompt: the directory is read by a task (never
    /// inside `update`); `on_path_completed` applies its answer.
    pub(super) fn complete_upload_path(&mut self, fx: &mut Vec<Effect>) {
        let Some(input) = self.input() else { return };
        let current = input.textarea.lines().join(" ");
        fx.push(Effect::CompletePath { input: current });
    }

    /// A completion arrived: applied only if the prompt still holds what was
    /// completed (typing on makes it stale).
    pub(super) fn on_path_completed(&mut self, input: String, completed: String, candidates: Vec<String>) {
        let Some(super::Modal::Input(prompt)) = &mut self.modal else { return };
        if prompt.purpose != super::InputPurpose::UploadPath || prompt.textarea.lines().join(" ") != input {
            return;
        }
        if completed != input {
            prompt.textarea = super::one_line_input(&completed);
        }
        if candidates.len() > 1 {
            let shown: Vec<_> = candidates.iter().take(12).cloned().collect();
            let more = if candidates.len() > 12 { format!(" (+{})", candidates.len() - 12) } else { String::new() };
            self.info(format!("{}{more}", shown.join("  ")));
        }
    }

    /// The keys of the upload preview (handled by `on_preview_key`), for `?`.
    pub const PREVIEW_KEYS: &'static [(&'static str, &'static str)] = &[
        ("enter", "store: embed and write every previewed file (a background job)"),
        ("esc", "close the preview; nothing is stored"),
        ("j k", "previous / next file"),
        ("J K", "scroll the file's chunks"),
        ("+ -", "chunk size up / down by 25 tokens (re-chunks at once)"),
        ("> <", "overlap up / down by 10 tokens"),
    ];

    /// Keys while the upload preview is open; false for a key it leaves to
    /// the keymap (quit, help, tabs, cancelling a running job).
    pub(super) fn on_preview_key(&mut self, key: KeyEvent, fx: &mut Vec<Effect>) -> bool {
        let Some(up) = &mut self.docs.upload else { return false };
        let mut rechunk = false;
        match key.code {
            KeyCode::Esc => {
                self.docs.upload = None;
                fx.push(Effect::CancelPreview);
                self.info("upload cancelled; nothing stored");
                return true;
            }
            KeyCode::Enter => {
                if up.loading {
                    self.error("the preview is still being prepared");
                } else if up.error.is_some() {
                    self.error("the preview failed: change the settings or Esc");
                } else if up.storable() == 0 {
                    self.error("nothing to store: every file failed or is a duplicate (Esc closes)");
                } else {
                    let up = self.docs.upload.take().expect("upload state");
                    self.start_job(up, fx);
                }
                return true;
            }
            KeyCode::Char('j') | KeyCode::Down => {
                up.selected = (up.selected + 1).min(up.files.len().saturating_sub(1));
                up.scroll = 0;
            }
            KeyCode::Char('k') | KeyCode::Up => {
                up.selected = up.selected.saturating_sub(1);
                up.scroll = 0;
            }
            KeyCode::Char('J') | KeyCode::PageDown => {
                let chunks = match up.files.get(up.selected).map(|f| &f.outcome) {
                    Some(Outcome::DryRun { chunks }) => chunks.len(),
                    _ => 0,
                };
                up.scroll = (up.scroll + 1).min(chunks.saturating_sub(1));
            }
            KeyCode::Char('K') | KeyCode::PageUp => up.scroll = up.scroll.saturating_sub(1),
            KeyCode::Char('+') | KeyCode::Char('=') => {
                up.chunk.tokens += 25;
                rechunk = true;
            }
            KeyCode::Char('-') => {
                up.chunk.tokens = up.chunk.tokens.saturating_sub(25).max(up.chunk.overlap + 10).max(10);
                rechunk = true;
            }
            KeyCode::Char('>') | KeyCode::Char('.') => {
                up.chunk.overlap = (up.chunk.overlap + 10).min(up.chunk.tokens.saturating_sub(10));
                rechunk = true;
            }
            KeyCode::Char('<') | KeyCode::Char(',') => {
                up.chunk.overlap = up.chunk.overlap.saturating_sub(10);
                rechunk = true;
            }
            _ => return false,
        }
        if rechunk {
            // A new generation: an older preview still being computed is dropped.
            self.generation += 1;
            let up = self.docs.upload.as_mut().expect("upload state");
            up.generation = self.generation;
            up.loading = true;
            fx.push(Effect::Preview {
                generation: up.generation,
                kb: up.kb.id,
                paths: up.paths.clone(),
                chunk: up.chunk,
            });
        }
        true
    }

    pub(super) fn on_preview_ready(&mut self, generation: u64, result: Result<Vec<FileReport>, String>) {
        let Some(up) = &mut self.docs.upload else { return };
        if generation != up.generation {
            return;
        }
        up.loading = false;
        match result {
            Ok(files) => {
                // A size above the model's limit came back clamped (with a
                // warning on each file): the prompt follows, so `+` stops there.
                if let Some(used) = files.iter().map(|f| f.chunk_tokens).filter(|t| *t > 0).min() {
                    up.chunk.tokens = up.chunk.tokens.min(used);
                }
                up.selected = up.selected.min(files.len().saturating_sub(1));
                up.scroll = 0;
                up.files = files;
                up.error = None;
            }
            Err(e) => {
                up.files.clear();
                up.error = Some(e);
            }
        }
    }

    fn start_job(&mut self, up: UploadState, fx: &mut Vec<Effect>) {
        if self.docs.job.as_ref().is_some_and(|j| j.running()) {
            self.error("an ingest job is already running (x cancels it)");
            self.docs.upload = Some(up);
            return;
        }
        let id = self.next_generation();
        fx.push(Effect::StartIngest { job: id, kb: up.kb.id, paths: up.paths.clone(), chunk: up.chunk });
        self.docs.job = Some(JobState {
            id,
            kb_name: up.kb.name.clone(),
            files_total: 0,
            file_index: 0,
            file: String::new(),
            stages: [(0, 0); 4],
            ticks: 0,
            embedded: 0,
            reports: Vec::new(),
            finished: None,
            cancel_requested: false,
        });
        self.tab = Tab::Documents;
        self.info(format!("ingesting into '{}' in the background (x cancels)", up.kb.name));
    }

    pub(super) fn on_job_event(&mut self, id: u64, event: JobEvent) {
        let Some(job) = &mut self.docs.job else { return };
        if job.id != id {
            return;
        }
        match event {
            JobEvent::Progress(IngestEvent::FileStarted { index, total, path, .. }) => {
                job.file_index = index;
                job.files_total = total;
                job.file = path;
                job.stages = [(0, 0); 4];
            }
            JobEvent::Progress(IngestEvent::Progress { stage, done, total }) => {
                let i = JobState::stage_index(stage);
                if stage == Stage::Embed {
                    job.embedded += done.saturating_sub(job.stages[i].0);
                }
                job.stages[i] = (done, total);
            }
            JobEvent::Progress(IngestEvent::FileDone(report)) => job.reports.push(report),
            JobEvent::Finished(result) => {
                let summary = match &result {
                    Ok(reports) => {
                        let count = |f: fn(&Outcome) -> bool| reports.iter().filter(|r| f(&r.outcome)).count();
                        format!(
                            "ingest done: {} stored, {} skipped as duplicates, {} failed, {} cancelled",
                            count(|o| matches!(o, Outcome::Stored { .. })),
                            count(|o| matches!(o, Outcome::Duplicate { .. })),
                            count(|o| matches!(o, Outcome::Failed { .. })),
                            count(|o| matches!(o, Outcome::Cancelled)),
                        )
                    }
                    Err(e) => format!("ingest failed: {e}"),
                };
                if let Ok(reports) = &result {
                    job.reports = reports.clone();
                }
                job.finished = Some(result.map(|_| ()));
                let failed = job.finished.as_ref().is_some_and(|r| r.is_err())
                    || job.reports.iter().any(|r| matches!(r.outcome, Outcome::Failed { .. }));
                if failed {
                    self.error(summary)
                } else {
                    self.info(summary)
                };
                // New documents: the lists reload.
                self.lists.kbs.query = None;
                self.lists.documents.query = None;
            }
        }
    }

    pub(super) fn cancel_or_dismiss_job(&mut self, fx: &mut Vec<Effect>) {
        match &mut self.docs.job {
            Some(job) if job.running() => {
                job.cancel_requested = true;
                fx.push(Effect::CancelIngest { job: job.id });
                self.info("cancelling: the current document is rolled back, nothing partial stays");
            }
            Some(_) => self.docs.job = None,
            None => self.error("no ingest job is running"),
        }
    }

    pub(super) fn ask_delete_document(&mut self) {
        if self.writes_refused("deleting") {
            return;
        }
        match self.lists.documents.selected_row() {
            Some(d) => {
                self.modal = Some(super::Modal::Confirm(Confirm {
                    text: format!(
                        "Delete '{}' and its {}? This cannot be undone. (y/n)",
                        crate::sanitize::sanitize_line(&d.filename),
                        crate::text::count_of(d.chunk_count.max(0) as usize, "chunk")
                    ),
                    effect: Effect::DeleteDocument { id: d.id, filename: d.filename.clone() },
                    declined: "not deleted",
                    back: None,
                }));
            }
            None => self.error("select a document to delete"),
        }
    }

    pub(super) fn on_confirm_key(&mut self, key: KeyEvent, fx: &mut Vec<Effect>) {
        let Some(super::Modal::Confirm(c)) = self.modal.take() else { return };
        // y with a modifier (ctrl-y, alt-y) is not a yes; ctrl-c is a no.
        let plain = !key.modifiers.intersects(KeyModifiers::CONTROL | KeyModifiers::ALT);
        match key.code {
            KeyCode::Char('y') | KeyCode::Char('Y') if plain => fx.push(c.effect),
            KeyCode::Char('n') | KeyCode::Char('N') | KeyCode::Esc => match c.back {
                Some(edit) => {
                    self.info(format!("{}: back to the form", c.declined));
                    self.modal = Some(super::Modal::LimitEdit(*edit));
                }
                None => self.info(c.declined),
            },
            KeyCode::Char('c') if key.modifiers.contains(KeyModifiers::CONTROL) => self.info(c.declined),
            // A stray key (a tab number typed ahead, an arrow) neither
            // writes nor throws the question away: it stays asked.
            _ => self.modal = Some(super::Modal::Confirm(c)),
        }
    }

    pub(super) fn open_kb_form(&mut self) {
        if self.writes_refused("creating knowledge bases") {
            return;
        }
        if self.nav.demo.is_none() {
            self.error("knowledge bases belong to a demo: open a demo first (Demos tab, Enter), then press n here");
        } else {
            self.modal = Some(super::Modal::KbForm(KbForm::new()));
        }
    }

    pub(super) fn on_kb_form_key(&mut self, key: KeyEvent, fx: &mut Vec<Effect>) {
        let Some(super::Modal::KbForm(kb)) = &mut self.modal else { return };
        match kb.form.handle_key(key) {
            FormEvent::Cancel => self.modal = None,
            FormEvent::Submit => {
                let demo = self.nav.demo.as_ref().map(|d| d.id).expect("the form needs a demo");
                match kb.build(demo) {
                    Ok(new) => {
                        fx.push(Effect::CreateKb(new));
                        self.modal = None;
                    }
                    Err(e) => kb.form.error = Some(e),
                }
            }
            FormEvent::Changed => kb.sync_fixed(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_paths_with_quotes() {
        assert_eq!(
            parse_paths(r#"a.md  "my docs/b.pdf" c"#),
            vec![PathBuf::from("a.md"), PathBuf::from("my docs/b.pdf"), PathBuf::from("c")]
        );
    }

    #[test]
    fn tab_completion_reads_no_directory_in_update_and_drops_stale_answers() {
        use crate::action::Action;
        use crossterm::event::{KeyEvent, KeyModifiers};
        let mut app = app_with_kb();
        app.nav.kb = Some(crate::app::Crumb { id: uuid::Uuid::from_u128(1), label: "FAQ".into() });
        let press = |app: &mut App, code: KeyCode| app.update(Action::Key(KeyEvent::new(code, KeyModifiers::NONE)));
        press(&mut app, KeyCode::Char('u'));
        assert!(app.input().is_some(), "{:?}", app.message);
        for c in "/no/such/dir/fa".chars() {
            press(&mut app, KeyCode::Char(c));
        }
        let fx = press(&mut app, KeyCode::Tab);
        assert_eq!(fx, vec![Effect::CompletePath { input: "/no/such/dir/fa".into() }]);
        // The answer for what is still typed is applied…
        app.update(Action::PathCompleted {
            input: "/no/such/dir/fa".into(),
            completed: "/no/such/dir/faq-".into(),
            candidates: vec!["faq-one.md".into(), "faq-two.md".into()],
        });
        let typed = |app: &App| app.input().unwrap().textarea.lines().join(" ");
        assert_eq!(typed(&app), "/no/such/dir/faq-");
        assert!(app.message.as_ref().unwrap().text.contains("faq-one.md"));
        // …one for an older text is not.
        press(&mut app, KeyCode::Char('x'));
        app.update(Action::PathCompleted {
            input: "/no/such/dir/faq-".into(),
            completed: "/no/such/dir/faq-one.md".into(),
            candidates: vec![],
        });
        assert_eq!(typed(&app), "/no/such/dir/faq-x");
    }

    fn app_with_kb() -> App {
        let target = crate::db::Target { user: "u".into(), host: "h".into(), port: 5432, database: "d".into() };
        let mut app = App::new(target, false, crate::keymap::Keymap::default(), 100, 200);
        app.size = (80, 24);
        app.tab = Tab::Documents;
        app.docs.kb = Some(KnowledgeBaseRow {
            id: uuid::Uuid::from_u128(1),
            demo_id: uuid::Uuid::from_u128(2),
            demo_name: None,
            name: "FAQ".into(),
            kb_type: "faq".into(),
            embedding_provider: "local".into(),
            embedding_model: LOCAL_MODEL.into(),
            embedding_dim: 384,
            chunk_tokens: Some(120),
            chunk_overlap: None,
            created_at: chrono::Utc::now(),
            attached: true,
            document_count: crate::db::RowCount::Exact(0),
            chunk_count: crate::db::RowCount::Exact(0),
        });
        // The list loads are in flight: only the keys' own effects follow.
        app.start();
        app
    }

    /// As if the prompt had been opened on the app's knowledge base.
    fn submit(app: &mut App, text: &str, fx: &mut Vec<Effect>) {
        app.docs.upload_kb = app.docs.kb.clone();
        app.submit_upload_paths(text, fx);
    }

    fn report(tokens: usize) -> FileReport {
        FileReport {
            path: "a.md".into(),
            format: Some("markdown"),
            bytes: 10,
            text_chars: 10,
            chunk_tokens: tokens,
            chunk_overlap: 50,
            outcome: Outcome::DryRun { chunks: Vec::new() },
            warnings: Vec::new(),
            seconds: Default::default(),
        }
    }

    fn key(app: &mut App, code: KeyCode) -> Vec<Effect> {
        app.update(crate::action::Action::Key(KeyEvent::new(code, crossterm::event::KeyModifiers::NONE)))
    }

    #[test]
    fn an_older_preview_is_dropped_and_the_kb_chunking_is_used() {
        let mut app = app_with_kb();
        let mut fx = Vec::new();
        submit(&mut app, "a.md", &mut fx);
        let first = match fx.as_slice() {
            [Effect::Preview { generation, chunk, .. }] => {
                // The knowledge base's own size, the config's overlap.
                assert_eq!(*chunk, ChunkSettings { tokens: 120, overlap: 50 });
                *generation
            }
            other => panic!("{other:?}"),
        };
        let fx = key(&mut app, KeyCode::Char('+'));
        let second = match fx.as_slice() {
            [Effect::Preview { generation, chunk, .. }] => {
                assert_eq!(chunk.tokens, 145);
                *generation
            }
            other => panic!("{other:?}"),
        };
        assert_ne!(first, second);
        app.on_preview_ready(first, Ok(vec![report(120)]));
        assert!(app.docs.upload.as_ref().unwrap().loading, "the stale preview was dropped");
        assert!(key(&mut app, KeyCode::Enter).is_empty(), "nothing is stored while the preview is pending");
        app.on_preview_ready(second, Ok(vec![report(145)]));
        let up = app.docs.upload.as_ref().unwrap();
        assert!(!up.loading && up.files[0].chunk_tokens == 145);
        let fx = key(&mut app, KeyCode::Enter);
        assert!(matches!(fx.as_slice(), [Effect::StartIngest { chunk, .. }] if chunk.tokens == 145), "{fx:?}");
        // A second job while one runs is refused and the preview kept.
        submit(&mut app, "a.md", &mut Vec::new());
        let generation = app.docs.upload.as_ref().unwrap().generation;
        app.on_preview_ready(generation, Ok(vec![report(120)]));
        assert!(key(&mut app, KeyCode::Enter).is_empty());
        assert!(app.docs.upload.is_some());
    }

    #[test]
    fn esc_closes_the_preview_and_read_only_refuses_uploads() {
        let mut app = app_with_kb();
        submit(&mut app, "a.md", &mut Vec::new());
        assert!(matches!(key(&mut app, KeyCode::Esc).as_slice(), [Effect::CancelPreview]));
        assert!(app.docs.upload.is_none());
        app.read_only = true;
        key(&mut app, KeyCode::Char('u'));
        assert!(app.input().is_none());
        key(&mut app, KeyCode::Char('n'));
        assert!(app.kb_form().is_none());
    }

    #[test]
    fn the_preview_leaves_quit_to_the_keymap_and_quitting_cancels_a_job() {
        let mut app = app_with_kb();
        submit(&mut app, "a.md", &mut Vec::new());
        assert!(app.docs.upload_kb.is_none() && app.docs.upload.is_some());
        let generation = app.docs.upload.as_ref().unwrap().generation;
        app.on_preview_ready(generation, Err("boom".into()));
        assert!(key(&mut app, KeyCode::Enter).is_empty(), "a failed preview stores nothing");
        app.on_preview_ready(generation, Ok(vec![report(120)]));
        let fx = key(&mut app, KeyCode::Enter);
        let job = match fx.as_slice() {
            [Effect::StartIngest { job, .. }] => *job,
            other => panic!("{other:?}"),
        };
        let fx = key(&mut app, KeyCode::Char('q'));
        assert!(app.should_quit);
        assert!(matches!(fx.as_slice(), [Effect::CancelIngest { job: j }] if *j == job), "{fx:?}");
    }

    #[test]
    fn the_upload_goes_to_the_kb_named_when_the_prompt_opened() {
        let mut app = app_with_kb();
        // The open knowledge base counts only while it is open.
        app.nav.kb = Some(super::super::Crumb { id: uuid::Uuid::from_u128(1), label: "FAQ".into() });
        key(&mut app, KeyCode::Char('u'));
        assert_eq!(app.docs.upload_kb.as_ref().map(|k| k.name.as_str()), Some("FAQ"));
        app.docs.kb = None;
        app.nav.kb = None;
        for c in "a.md".chars() {
            key(&mut app, KeyCode::Char(c));
        }
        let fx = key(&mut app, KeyCode::Enter);
        assert!(matches!(fx.as_slice(), [Effect::Preview { kb, .. }] if *kb == uuid::Uuid::from_u128(1)), "{fx:?}");
        // Nothing open and nothing selected: no prompt.
        app.docs.upload = None;
        key(&mut app, KeyCode::Char('u'));
        assert!(app.input().is_none());
    }

    #[test]
    fn kb_form_validates() {
        let demo = uuid::Uuid::nil();
        let mut f = KbForm::new();
        let press = |f: &mut KbForm, code: KeyCode| {
            f.form.handle_key(KeyEvent::new(code, crossterm::event::KeyModifiers::NONE));
            f.sync_fixed();
        };
        let type_in = |f: &mut KbForm, field: usize, text: &str| {
            f.form.focus = field;
            for _ in 0..40 {
                press(f, KeyCode::Backspace);
            }
            for c in text.chars() {
                press(f, KeyCode::Char(c));
            }
        };
        assert!(f.build(demo).unwrap_err().contains("name"));
        type_in(&mut f, kb_field::NAME, "Menu");
        let kb = f.build(demo).unwrap();
        assert_eq!(
            (kb.provider.as_str(), kb.model.as_str(), kb.dim, kb.kb_type.as_str()),
            ("local", LOCAL_MODEL, 384, "faq")
        );
        f.form.focus = kb_field::PROVIDER;
        press(&mut f, KeyCode::Right);
        assert_eq!(f.build(demo).unwrap().dim, 1536);
        type_in(&mut f, kb_field::MODEL, "nomic-embed-text");
        assert!(f.build(demo).unwrap_err().contains("not known"));
        type_in(&mut f, kb_field::DIMENSIONS, "768");
        assert_eq!(f.build(demo).unwrap().dim, 768);
        type_in(&mut f, kb_field::DIMENSIONS, "4294967297");
        assert!(f.build(demo).is_err(), "no wrap-around into a small dimension");
        // The local provider's model fields are fixed and skipped by Tab.
        f.form.focus = kb_field::PROVIDER;
        press(&mut f, KeyCode::Left);
        assert!(f.is_local());
        press(&mut f, KeyCode::Tab);
        assert_eq!(f.form.focus, kb_field::ATTACH);
        press(&mut f, KeyCode::BackTab);
        assert_eq!(f.form.focus, kb_field::PROVIDER);
    }
}
