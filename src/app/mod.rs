//! Application state and its update function. `update` is pure: it changes
//! state and returns the effects (queries, exports, clipboard writes) for the
//! runtime to start; their results come back as actions.

mod browse;
pub mod browser;
pub mod documents;
pub mod form;
pub mod limits;
pub mod list;
pub mod search;
pub mod transcript;

use crossterm::event::{KeyCode, KeyEvent, KeyEventKind};
use ratatui_textarea::TextArea;
use uuid::Uuid;

pub use documents::{Confirm, JobState, KbForm, UploadState};

use crate::action::{Action, Effect, ListKind, ListQuery, ListRows, LoadError};
use crate::db::Target;
use crate::db::knowledge::{ChunkRow, DocumentRow, KnowledgeBaseRow};
use crate::ingest::ChunkSettings;
use crate::keymap::{Command, Context, Keymap};
use list::{AnyList, PagedList};
use transcript::Transcript;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Tab {
    /// A schema's entities, read through its layout (ours too): one tab
    /// per entity group it has (`Browser::tab_heads`), named in its words;
    /// they are views of one drill path.
    Browse(crate::schema::Kind),
    Transcript,
    Documents,
    Search,
    Limits,
    Audit,
}

impl Tab {
    pub fn title(self) -> &'static str {
        match self {
            Tab::Transcript => "Transcript",
            Tab::Documents => "Documents",
            Tab::Search => "Search",
            Tab::Limits => "Limits",
            Tab::Audit => "Audit",
            Tab::Browse(_) => "Browse",
        }
    }

    /// One of the entity tabs.
    pub fn is_browse(self) -> bool {
        matches!(self, Tab::Browse(_))
    }
}

#[derive(Debug, Clone, PartialEq)]
pub struct Crumb {
    pub id: Uuid,
    pub label: String,
}

/// Where the operator has drilled to (the breadcrumb).
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Nav {
    pub tenant: Option<Crumb>,
    pub demo: Option<Crumb>,
    /// Documents tab: the open knowledge base and document.
    pub kb: Option<Crumb>,
    pub document: Option<Crumb>,
}

#[derive(Debug, Clone, PartialEq)]
pub enum ConnState {
    Online,
    Offline { error: String },
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Level {
    Info,
    Error,
}

#[derive(Debug, Clone, PartialEq)]
pub struct StatusMessage {
    pub text: String,
    pub level: Level,
    pub ticks_left: u32,
    /// Cleared as soon as this is fine again.
    pub cause: Option<Cause>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum InputPurpose {
    Filter(ListKind),
    Search,
    UploadPath,
    /// The Search tab's query, searched as it is typed.
    SearchQuery,
    /// The Audit tab's server-side filter.
    AuditFilter,
    /// Words the Limits tab's keys hold.
    LimitsFilter,
    /// An entity tab's filter (words and the layout's keys).
    BrowseFilter,
    /// A conversation's id (`#`), to open in the Transcript tab.
    ConversationId,
}

pub struct Input {
    pub purpose: InputPurpose,
    pub textarea: TextArea<'static>,
}

/// What has the keys above the panes: one at a time.
pub enum Modal {
    /// A one-line prompt (list filter, transcript search, upload paths).
    Input(Input),
    /// A destructive action waiting for y/n.
    Confirm(Confirm),
    /// The new-knowledge-base form.
    KbForm(KbForm),
    /// `?`: the keys of the pane (scrolled this many lines).
    Help { scroll: u16 },
    /// `M`: the message log (scrolled this many lines up from the newest).
    Messages { scroll: u16 },
    /// The limit editor (a value, or a new key).
    LimitEdit(limits::LimitEdit),
}

/// What a pane asks of the app after handling a key: effects to run, a
/// message for the status line, a prompt to open. Panes that own their
/// state (the transcript) answer with this instead of reaching into `App`.
#[derive(Default)]
pub struct Reply {
    pub effects: Vec<Effect>,
    pub message: Option<(Level, String)>,
    pub prompt: Option<(InputPurpose, String)>,
    /// A conversation (its id) to read in the Transcript tab.
    pub transcript: Option<String>,
    /// A rate limit (its key) to show in the Limits tab.
    pub limit: Option<String>,
    /// A search to open in the Search tab.
    pub search: Option<SearchOpen>,
}

/// What a pane asks the Search tab to search.
#[derive(Debug, Clone, PartialEq)]
pub enum SearchOpen {
    /// More like this row (no model needed).
    Like { scope: crate::search::Scope, id: String },
    /// A text query, typed at the prompt.
    Ask(crate::search::Scope),
}

impl Reply {
    pub fn info(text: impl Into<String>) -> Reply {
        Reply { message: Some((Level::Info, text.into())), ..Reply::default() }
    }
    pub fn error(text: impl Into<String>) -> Reply {
        Reply { message: Some((Level::Error, text.into())), ..Reply::default() }
    }
    pub fn with(mut self, effect: Effect) -> Reply {
        self.effects.push(effect);
        self
    }
}

/// What a status message is about: it is cleared when that is fine again.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Cause {
    /// A list's load or count.
    List(ListKind),
    /// The connection.
    Connection,
    /// Something the operator typed (a filter, an id): cleared when the
    /// next one is taken.
    Entry,
}

/// One line of the message log.
#[derive(Debug, Clone, PartialEq)]
pub struct LogEntry {
    pub at: chrono::DateTime<chrono::Local>,
    pub level: Level,
    pub text: String,
}

/// Messages kept in the log.
const LOG_CAPACITY: usize = 500;

/// The lists of every pane, by kind (`get`/`get_mut` are the one place
/// that maps a kind to its list).
#[derive(Default)]
pub struct Lists {
    pub kbs: PagedList<KnowledgeBaseRow>,
    pub documents: PagedList<DocumentRow>,
    pub chunks: PagedList<ChunkRow>,
}

impl Lists {
    pub fn get(&self, kind: ListKind) -> &dyn AnyList {
        match kind {
            ListKind::KnowledgeBases => &self.kbs,
            ListKind::Documents => &self.documents,
            ListKind::Chunks => &self.chunks,
        }
    }

    pub fn get_mut(&mut self, kind: ListKind) -> &mut dyn AnyList {
        match kind {
            ListKind::KnowledgeBases => &mut self.kbs,
            ListKind::Documents => &mut self.documents,
            ListKind::Chunks => &mut self.chunks,
        }
    }
}

/// The Documents tab beyond its lists: the open knowledge base, the upload
/// prompt's target, the preview, and the ingest job.
#[derive(Default)]
pub struct DocumentsPane {
    /// The open knowledge base, with what uploads need.
    pub kb: Option<KnowledgeBaseRow>,
    pub upload: Option<UploadState>,
    /// Where the files typed at the open upload prompt go.
    pub upload_kb: Option<KnowledgeBaseRow>,
    pub job: Option<JobState>,
    /// Chunking used when neither the upload nor the knowledge base says.
    pub ingest_defaults: ChunkSettings,
}

/// Ticks (250 ms each) between reconnection attempts while offline.
const PING_EVERY_TICKS: u32 = 8;
const MESSAGE_TICKS: u32 = 32;
/// How long the selection must rest on a row before its detail loads.
pub const DETAIL_DEBOUNCE_MS: u64 = 120;

pub struct App {
    pub tab: Tab,
    pub nav: Nav,
    /// The Documents tab's lists.
    pub lists: Lists,
    /// The Documents tab's own state.
    pub docs: DocumentsPane,
    /// Flips the default detail visibility (shown on wide screens, hidden on narrow).
    pub detail_toggled: bool,
    /// First line of the detail pane shown (a chunk's long text scrolls).
    pub detail_scroll: u16,
    pub transcript: Transcript,
    pub search: search::SearchPane,
    pub limits: limits::LimitsPane,
    pub audit: limits::AuditPane,
    /// The entity tabs' drill path, through the database's layout: ours
    /// (the built-in `native`) unless another platform's is read.
    pub browser: browser::Browser,
    /// The dialog or prompt that has the keys, if any.
    pub modal: Option<Modal>,
    /// Every status message shown, newest last (`M` opens it).
    pub log: std::collections::VecDeque<LogEntry>,
    pub conn: ConnState,
    pub target: Target,
    /// Writes are off: asked for (`--read-only`), or the server says so.
    pub read_only: bool,
    /// Why, when the server said so (a replica, a read-only session, a
    /// role without privileges).
    pub read_only_why: Option<String>,
    pub message: Option<StatusMessage>,
    pub keymap: Keymap,
    pub page_size: u32,
    pub transcript_page_size: u32,
    pub size: (u16, u16),
    pub spinner: usize,
    pub should_quit: bool,
    generation: u64,
    ticks_since_ping: u32,
    ping_in_flight: bool,
}

/// A one-line text input holding `text`, the cursor at its end.
pub(crate) fn one_line_input(text: &str) -> TextArea<'static> {
    let mut t = TextArea::new(vec![text.to_string()]);
    t.move_cursor(ratatui_textarea::CursorMove::End);
    t.set_cursor_line_style(ratatui::style::Style::default());
    t
}

impl App {
    pub fn new(target: Target, read_only: bool, keymap: Keymap, page_size: u32, transcript_page_size: u32) -> App {
        App {
            tab: Tab::Browse(crate::schema::Kind::Tenant),
            nav: Nav::default(),
            lists: Lists::default(),
            docs: DocumentsPane::default(),
            detail_toggled: false,
            detail_scroll: 0,
            transcript: Transcript::default(),
            search: search::SearchPane::default(),
            limits: limits::LimitsPane::default(),
            audit: limits::AuditPane::default(),
            browser: browser::Browser::new(crate::schema::load("native").expect("the built-in layout parses")),
            modal: None,
            log: std::collections::VecDeque::new(),
            conn: ConnState::Online,
            target,
            read_only,
            read_only_why: None,
            message: None,
            keymap,
            page_size: page_size.max(10),
            transcript_page_size: transcript_page_size.max(10),
            size: (80, 24),
            spinner: 0,
            should_quit: false,
            generation: 0,
            ticks_since_ping: 0,
            ping_in_flight: false,
        }
    }

    /// The list of `kind` (see `Lists::get`).
    pub fn list(&self, kind: ListKind) -> &dyn AnyList {
        self.lists.get(kind)
    }

    pub fn list_mut(&mut self, kind: ListKind) -> &mut dyn AnyList {
        self.lists.get_mut(kind)
    }

    pub(super) fn next_generation(&mut self) -> u64 {
        self.generation += 1;
        self.generation
    }

    /// Effects for the first frame.
    pub fn start(&mut self) -> Vec<Effect> {
        let mut fx = Vec::new();
        self.sync(&mut fx);
        // What the server lets us write decides the read-only badge.
        fx.push(Effect::CheckAccess);
        // Started before the server answered: the filter keys' types are
        // read when it does.
        if self.browser.key_types.is_empty() {
            fx.push(Effect::ReadKeyTypes);
        }
        fx
    }

    pub fn info(&mut self, text: impl Into<String>) {
        self.say(Level::Info, text.into(), None);
    }

    pub fn error(&mut self, text: impl Into<String>) {
        self.say(Level::Error, text.into(), None);
    }

    /// A key refused where it was pressed: it goes with the next thing
    /// taken, or another tab (the log keeps it: `M`). Failures of work in
    /// the background are `error`s, which stay their while.
    pub fn refuse(&mut self, text: impl Into<String>) {
        self.say(Level::Error, text.into(), Some(Cause::Entry));
    }

    /// An error about `cause`: it goes away when `cause` is fine again.
    pub fn error_about(&mut self, cause: Cause, text: impl Into<String>) {
        self.say(Level::Error, text.into(), Some(cause));
    }

    fn say(&mut self, level: Level, text: String, cause: Option<Cause>) {
        if self.log.len() >= LOG_CAPACITY {
            self.log.pop_front();
        }
        self.log.push_back(LogEntry { at: chrono::Local::now(), level, text: text.clone() });
        let ticks_left = if level == Level::Error { MESSAGE_TICKS * 2 } else { MESSAGE_TICKS };
        self.message = Some(StatusMessage { text, level, ticks_left, cause });
    }

    /// `cause` is fine again: its message, if shown, goes.
    fn resolved(&mut self, cause: Cause) {
        if self.message.as_ref().is_some_and(|m| m.cause == Some(cause)) {
            self.message = None;
        }
    }

    /// The open prompt, if any.
    pub fn input(&self) -> Option<&Input> {
        match &self.modal {
            Some(Modal::Input(i)) => Some(i),
            _ => None,
        }
    }

    pub fn confirm(&self) -> Option<&Confirm> {
        match &self.modal {
            Some(Modal::Confirm(c)) => Some(c),
            _ => None,
        }
    }

    pub fn kb_form(&self) -> Option<&KbForm> {
        match &self.modal {
            Some(Modal::KbForm(f)) => Some(f),
            _ => None,
        }
    }

    /// Opens the console on the layout the database is read through (ours
    /// too, as checked against it): its entity tabs, the first shown.
    pub fn browse_layout(&mut self, layout: crate::schema::Layout) {
        let foreign = !layout.is_native();
        self.browser = browser::Browser::new(layout);
        self.search.on_layout = foreign;
        // Comparing with the exact search reads every vector of the scope:
        // on another platform's wide columns that is 0.4 s per
        // search at 100,000 chunks (BENCHMARKS.md), so it waits for `c`.
        self.search.compare = !foreign;
        self.tab = self.browse_tab();
    }

    /// Opens the console on `m`, as read from the database: its layout's
    /// tabs, the entities with rows under no parent (`parentless`), each
    /// vector column's index and distance, and the types and listed
    /// values its filter keys are checked against.
    pub fn read_through(&mut self, m: &crate::db::mapped::Mapped, parentless: Vec<crate::schema::Kind>) {
        self.browse_layout(m.layout.clone());
        let b = &mut self.browser;
        b.parentless = parentless;
        for kind in m.layout.kinds() {
            if let Ok((_, Some(index))) = m.vector_column(kind) {
                b.vector_index.insert(kind, index.to_string());
            }
            if let Ok(metric) = m.metric(kind) {
                b.vector_metric.insert(kind, metric);
            }
        }
        b.key_types = m.key_types();
    }

    /// Is the database another platform's (read through its layout), not ours?
    pub fn foreign(&self) -> bool {
        !self.browser.layout.is_native()
    }

    /// The entity tab the browser shows (the tab of its shown list).
    fn browse_tab(&self) -> Tab {
        Tab::Browse(self.browser.tab_kind())
    }

    /// What tab `t` is called here: the entity tabs in the layout's words.
    pub fn tab_title(&self, t: Tab) -> String {
        let l = &self.browser.layout;
        match t {
            Tab::Browse(kind) => l.label(kind).to_string(),
            Tab::Limits if self.foreign() => l.label(crate::schema::Kind::RateLimit).to_string(),
            _ => t.title().to_string(),
        }
    }

    /// The tabs of this console: the layout's entity tabs, then the
    /// conversations where it has messages, the search where it has
    /// vectors, limits where it has rate limits, and the audit where it
    /// declares a write. Ours has the Documents tab for its knowledge
    /// (uploads and ingest) in place of an entity tab for it.
    pub fn tabs(&self) -> Vec<Tab> {
        let b = &self.browser;
        let l = &b.layout;
        let mut tabs: Vec<Tab> = b.tab_heads().into_iter().map(Tab::Browse).collect();
        tabs.extend(l.message.is_some().then_some(Tab::Transcript));
        tabs.extend((!self.foreign()).then_some(Tab::Documents));
        let vectors = l.kinds().any(|k| l.entity(k).is_some_and(|e| e.embedding.is_some()));
        tabs.extend(vectors.then_some(Tab::Search));
        tabs.extend(l.rate_limit.is_some().then_some(Tab::Limits));
        tabs.extend((!l.writes.is_empty()).then_some(Tab::Audit));
        tabs
    }

    /// Does the screen change with time alone (a spinner, a running job's
    /// clock, a status message counting down)? If not, a tick needs no
    /// redraw.
    pub fn changes_with_time(&self) -> bool {
        self.busy() || self.message.is_some() || self.docs.job.as_ref().is_some_and(|j| j.running())
    }

    /// Is anything in flight (drives the spinner)?
    pub fn busy(&self) -> bool {
        ListKind::ALL.iter().any(|k| self.list(*k).loading())
            || self.docs.job.as_ref().is_some_and(|j| j.running())
            || self.docs.upload.as_ref().is_some_and(|u| u.loading)
            || self.transcript.loading
            || self.search.loading
            || self.limits.loading
            || self.audit.loading
            || self.browser.loading()
            || self.transcript.exports_in_flight > 0
    }

    pub fn current_list(&self) -> Option<ListKind> {
        match self.tab {
            Tab::Transcript | Tab::Search | Tab::Limits | Tab::Audit | Tab::Browse(_) => None,
            // Knowledge bases → documents → chunks, as far as drilled.
            Tab::Documents => Some(if self.nav.document.is_some() {
                ListKind::Chunks
            } else if self.nav.kb.is_some() {
                ListKind::Documents
            } else {
                ListKind::KnowledgeBases
            }),
        }
    }

    pub fn context(&self) -> Context {
        match self.tab {
            Tab::Transcript => Context::Transcript,
            Tab::Search => Context::Search,
            Tab::Limits => Context::Limits,
            Tab::Audit => Context::Audit,
            _ => Context::List,
        }
    }

    /// Wide screens show the detail beside the list by default.
    pub fn detail_visible(&self) -> bool {
        let wide = crate::layout::detail_beside(self.size.0);
        wide != self.detail_toggled
    }

    /// Rows of the shown Browse list left above its detail: a page.
    pub fn browse_page(&self) -> usize {
        // Beside the list on a wide screen, under it otherwise.
        let under = self.browser.detail && !crate::layout::browse_detail_beside(self.size.0);
        let detail = if under { crate::layout::BROWSE_DETAIL } else { 0 };
        crate::layout::rows_above_detail(self.size, detail)
    }

    /// Rows visible in the list pane (for paging keys).
    pub fn list_height(&self) -> usize {
        crate::layout::list_rows(self.size, self.tab == Tab::Documents && self.docs.job.is_some())
    }

    /// Result rows visible in the Search pane.
    pub fn search_rows(&self) -> usize {
        crate::layout::search_rows(self.size)
    }

    pub fn transcript_viewport(&self) -> (usize, usize) {
        crate::layout::transcript_viewport(self.size)
    }

    /// What the user typed as the filter of `kind`'s list.
    pub fn filter_text(&self, kind: ListKind) -> &str {
        self.list(kind).filter_text()
    }

    /// The query each list should show for the current breadcrumb.
    pub fn desired_query(&self, kind: ListKind) -> Option<ListQuery> {
        let text = self.filter_text(kind).to_string();
        Some(match kind {
            ListKind::KnowledgeBases => {
                ListQuery::KnowledgeBases { demo: self.nav.demo.as_ref().map(|d| d.id), filter: text }
            }
            ListKind::Documents => ListQuery::Documents { kb: self.nav.kb.as_ref()?.id, filter: text },
            ListKind::Chunks => ListQuery::Chunks { document: self.nav.document.as_ref()?.id, filter: text },
        })
    }

    /// Brings what is on screen in line with the state: (re)loads the
    /// visible list when its query changed, pages in more rows near the end,
    /// loads the entity tabs' pages, the row read whole and transcript
    /// pages as needed.
    fn sync(&mut self, fx: &mut Vec<Effect>) {
        if let Some(kind) = self.current_list()
            && let Some(q) = self.desired_query(kind)
        {
            let generation = self.generation + 1;
            let page_size = self.page_size;
            let height = self.list_height();
            let l = self.list_mut(kind);
            let reloaded = l.query() != Some(&q);
            if reloaded {
                l.reset(q, generation, fx);
            } else {
                l.maybe_load_more(page_size, fx);
            }
            l.scroll_into_view(height);
            if reloaded {
                self.generation = generation;
            }
        }
        self.sync_limits(fx);
        if self.tab.is_browse() {
            // The tab follows the list shown (Enter on a demo shows its
            // conversations' tab, Esc the demos' again).
            self.tab = self.browse_tab();
            let generation = self.generation + 1;
            let loads = self.browser.want(generation);
            if !loads.is_empty() {
                self.generation = generation;
                fx.extend(loads);
            }
            let generation = self.generation + 1;
            if let Some(load) = self.browser.want_whole_row(generation) {
                self.generation = generation;
                fx.push(load);
            }
        }
        if self.tab == Tab::Search
            && let Some(load) = self.search.want_neighbours()
        {
            fx.push(load);
        }
        if self.tab == Tab::Transcript {
            let (width, height) = self.transcript_viewport();
            let t = &mut self.transcript;
            t.ensure_layout(width);
            if let Some(session) = t.session_id.clone() {
                if t.complete() {
                    if t.follow_to_end {
                        t.follow_to_end = false;
                        t.to_end(height);
                    }
                    if t.search_pending {
                        t.search_pending = false;
                        if !t.goto_match(true, height) {
                            let q = t.search.as_ref().map(|s| s.query.clone()).unwrap_or_default();
                            self.error(format!("no match for '{q}'"));
                        }
                    }
                } else if !t.loading && t.error.is_none() {
                    let near_end = t.scroll + height * 3 >= t.lines.len();
                    if let (Some(next), true) = (t.next.clone(), near_end || t.follow_to_end || t.search_pending) {
                        t.loading = true;
                        fx.push(Effect::LoadMessages { generation: t.generation, session, after: Some(next) });
                    }
                }
            }
        }
    }

    pub fn update(&mut self, action: Action) -> Vec<Effect> {
        let mut fx = Vec::new();
        // Whatever moves to another tab leaves the refusals said in this one.
        let tab_before = self.tab;
        self.handle(action, &mut fx);
        if self.tab != tab_before {
            self.resolved(Cause::Entry);
        }
        self.sync(&mut fx);
        fx
    }

    fn handle(&mut self, action: Action, fx: &mut Vec<Effect>) {
        let mut fx = fx;
        match action {
            Action::Key(key) => {
                if key.kind != KeyEventKind::Release {
                    self.on_key(key, &mut fx);
                }
            }
            Action::Resize(w, h) => self.size = (w, h),
            Action::Tick => self.on_tick(&mut fx),
            Action::PageLoaded { list, generation, result } => self.on_page(list, generation, result),
            Action::Counted { list, generation, result } => {
                // A failure of an older generation is as stale as its rows.
                let current = self.list(list).count_generation() == generation;
                match (&result, current) {
                    (Err(e), true) => {
                        self.note_connection(e);
                        self.error_about(Cause::List(list), format!("count failed: {}", e.message));
                    }
                    (Ok(_), true) => self.resolved(Cause::List(list)),
                    _ => {}
                }
                self.list_mut(list).apply_count(generation, result);
            }
            Action::History { key, result } => {
                if self.search.scope.as_ref().map(crate::search::Scope::history_key) == Some(key) {
                    match result {
                        Ok(queries) => self.search.history = queries,
                        Err(e) => self.error(format!("search history: {e}")),
                    }
                }
            }
            Action::Neighbours { chunk, result } => {
                // Only the selected result's neighbours are kept.
                let chunk = chunk.to_string();
                if self.search.selected_row().map(|r| &r.chunk_id) == Some(&chunk) {
                    match result {
                        Ok(rows) => self.search.neighbours = Some((chunk, rows)),
                        Err(e) => self.error(format!("neighbouring chunks: {e}")),
                    }
                }
            }
            Action::ConversationResolved { spec, result } => match result {
                Ok(id) => {
                    self.resolved(Cause::Entry);
                    self.open_transcript(id, &mut fx);
                    self.tab = Tab::Transcript;
                }
                // Said, and given back to mend (as a refused filter is),
                // unless something else was opened meanwhile.
                Err(e) => {
                    self.say(Level::Error, e, Some(Cause::Entry));
                    if self.modal.is_none() {
                        self.open_input(InputPurpose::ConversationId, &spec);
                    }
                }
            },
            Action::ReplayReady { result, question, answer } => match result {
                Ok(kb) => {
                    let generation = self.next_generation();
                    let reply = self.search.replay(kb, question, answer, generation);
                    self.tab = Tab::Search;
                    self.apply_reply(reply, &mut fx);
                }
                Err(e) => self.error(format!("cannot replay the retrieval: {e}")),
            },
            Action::SearchDone { generation, result } => {
                // A failed or refused search is kept whole in the log (`M`),
                // once, until a search lands.
                let failed = result.as_ref().err().map(|e| format!("search: {e}"));
                let repeated = failed.is_some() && self.log.back().map(|m| &m.text) == failed.as_ref();
                if self.search.apply(generation, result) {
                    if let Some(e) = failed.filter(|_| !repeated) {
                        self.error_about(Cause::Entry, e);
                    }
                    // A search landed: what was said of the one before it is past.
                    if self.search.result.is_some() {
                        self.resolved(Cause::Entry);
                    }
                    let height = self.search_rows();
                    if let Some(reply) = self.search.wanted_plan(height) {
                        self.apply_reply(reply, &mut fx);
                    }
                }
            }
            Action::SearchPlan { generation, result } => {
                if generation == self.search.generation {
                    match result {
                        Ok(plan) => {
                            self.search.plan = Some(plan);
                            self.search.detail_scroll = 0;
                            self.info("the plan is beside the results (J/K scroll it, p hides it)");
                        }
                        Err(e) => self.error(format!("EXPLAIN failed: {e}")),
                    }
                }
            }
            Action::PathCompleted { input, completed, candidates } => {
                self.on_path_completed(input, completed, candidates)
            }
            Action::AccessChecked { result } => match result {
                Ok(access) => {
                    if let Some(why) = access.why_read_only() {
                        // The server would refuse writes: say so once, show the badge.
                        if !self.read_only {
                            self.error(format!("writes are disabled: {why}"));
                        }
                        self.read_only = true;
                        self.read_only_why = Some(why);
                    }
                }
                Err(e) => self.note_connection(&e),
            },
            Action::LimitsLoaded { generation, from, result } => self.on_limits_loaded(generation, from, result),
            Action::LimitsCounted { generation, result } => self.on_limits_counted(generation, result),
            Action::LimitSaved { result } => self.on_limit_saved(result),
            Action::AuditLoaded { generation, append, result } => self.on_audit_loaded(generation, append, result),
            Action::MappedLoaded { generation, result } => {
                let next = self.next_generation();
                let height = self.browse_page();
                // Only the shown level's own failure says the connection is gone.
                if let Err(e) = &result
                    && self.browser.current().generation == generation
                {
                    self.note_connection(e);
                }
                let b = &mut self.browser;
                let waited = b.current().pending_moves != 0 && result.is_ok();
                b.apply(generation, result.map_err(|e| e.message));
                // Moves that waited for this page may need the next one
                // (not after a failure: `r` retries that).
                if waited {
                    let reply = b.load_near_selection(next, height);
                    self.apply_reply(reply, &mut fx);
                }
            }
            Action::KeyTypesRead { result } => match result {
                Ok(types) => self.browser.key_types = types,
                // Read again once the server is back (`retry_failed`).
                Err(e) => self.note_connection(&e),
            },
            Action::RowFieldsLoaded { generation, result } => {
                if let Err(e) = &result
                    && self.browser.whole.generation == generation
                {
                    self.note_connection(e);
                }
                self.browser.apply_whole_row(generation, result.map_err(|e| e.message));
            }
            Action::MappedCounted { generation, result } => {
                if let Err(e) = &result
                    && self.browser.current().count_generation == generation
                {
                    self.note_connection(e);
                }
                match self.browser.apply_count(generation, result.map_err(|e| e.message)) {
                    Ok(Some(counted)) => self.info(counted),
                    Err(e) => self.error(format!("count failed: {e}")),
                    Ok(None) => {}
                }
            }
            Action::Fatal(why) => {
                self.error(why);
                self.should_quit = true;
            }
            Action::SessionLoaded { generation, result } => {
                if generation == self.transcript.generation {
                    match result {
                        Ok(s) => {
                            self.transcript.session = Some(s);
                            self.transcript.session_lost = false;
                        }
                        Err(e) => {
                            self.transcript.session_lost = e.connection;
                            self.note_connection(&e);
                            if !e.connection {
                                self.error(format!("could not read the conversation: {}", e.message));
                            }
                        }
                    }
                }
            }
            Action::MessagesLoaded { generation, result } => {
                if generation == self.transcript.generation {
                    self.transcript.loading = false;
                    match result {
                        Ok(page) => self.transcript.append(page.rows, page.next),
                        Err(e) => {
                            self.note_connection(&e);
                            self.transcript.error = Some(e.message);
                        }
                    }
                }
            }
            Action::Exported { result } => {
                self.transcript.exports_in_flight = self.transcript.exports_in_flight.saturating_sub(1);
                match result {
                    Ok(msg) => self.info(msg),
                    Err(e) => self.error(format!("export failed: {e}")),
                }
            }
            Action::Health { result } => {
                self.ping_in_flight = false;
                match result {
                    Ok(()) => {
                        if matches!(self.conn, ConnState::Offline { .. }) {
                            self.conn = ConnState::Online;
                            self.resolved(Cause::Connection);
                            self.info("reconnected");
                            self.retry_failed(&mut fx);
                            fx.push(Effect::CheckAccess);
                        }
                    }
                    // Only a connection error keeps the console offline; any
                    // other answer means the server is there.
                    Err(e) if e.connection => self.conn = ConnState::Offline { error: e.message },
                    Err(_) => {
                        if matches!(self.conn, ConnState::Offline { .. }) {
                            self.conn = ConnState::Online;
                            self.retry_failed(&mut fx);
                        }
                    }
                }
            }
            Action::PreviewReady { generation, result } => self.on_preview_ready(generation, result),
            Action::Job { job, event } => self.on_job_event(job, event),
            Action::KbCreated { result } => match result {
                Ok(kb) => {
                    self.info(format!(
                        "created knowledge base '{}' ({}:{})",
                        kb.name, kb.embedding_provider, kb.embedding_model
                    ));
                    self.lists.kbs.query = None;
                }
                Err(e) => self.error(format!("could not create the knowledge base: {e}")),
            },
            Action::DocumentDeleted { result } => match result {
                Ok(msg) => {
                    self.info(msg);
                    self.lists.documents.query = None;
                    self.lists.kbs.query = None;
                }
                Err(e) => self.error(format!("not deleted: {e}")),
            },
        }
    }

    fn on_page(&mut self, list: ListKind, generation: u64, result: Result<ListRows, LoadError>) {
        // A failure of an older generation is as stale as its rows: it
        // never flips the connection status.
        let current = self.list(list).generation() == generation;
        match (&result, current) {
            (Err(e), true) => self.note_connection(e),
            (Ok(_), true) => self.resolved(Cause::List(list)),
            _ => {}
        }
        // Each list takes the page of its own row type.
        macro_rules! apply {
            ($field:ident, $variant:ident) => {
                self.lists.$field.apply_page(
                    generation,
                    result.map(|r| match r {
                        ListRows::$variant(p) => p,
                        other => unreachable!("{other:?} for {list:?}"),
                    }),
                )
            };
        }
        match list {
            ListKind::KnowledgeBases => apply!(kbs, KnowledgeBases),
            ListKind::Documents => apply!(documents, Documents),
            ListKind::Chunks => apply!(chunks, Chunks),
        };
    }

    /// A connection error puts the console offline; pings then bring it back.
    pub(super) fn note_connection(&mut self, e: &LoadError) {
        if e.connection {
            self.conn = ConnState::Offline { error: e.message.clone() };
        }
    }

    /// After reconnecting, reload whatever failed while offline.
    fn retry_failed(&mut self, fx: &mut Vec<Effect>) {
        for kind in ListKind::ALL {
            let l = self.list_mut(kind);
            if l.failed() {
                l.invalidate();
            }
        }
        if self.transcript.error.is_some()
            && let Some(id) = self.transcript.session_id.take()
        {
            self.open_transcript(id, fx);
        } else if std::mem::take(&mut self.transcript.session_lost)
            && let Some(id) = self.transcript.session_id.clone()
        {
            // Its messages came, its heading was lost (read by a task of
            // its own): that one again.
            fx.push(Effect::LoadSession { generation: self.transcript.generation, id });
        }
        self.browser.retry_failed();
        if self.browser.key_types.is_empty() {
            fx.push(Effect::ReadKeyTypes);
        }
        if self.limits.error.is_some() {
            self.limits.invalidate();
        }
        if self.audit.error.is_some() {
            self.audit.loaded = None;
        }
    }

    fn on_tick(&mut self, fx: &mut Vec<Effect>) {
        if self.busy() {
            self.spinner = self.spinner.wrapping_add(1);
        }
        if let Some(job) = &mut self.docs.job
            && job.running()
        {
            job.ticks += 1;
        }
        if let Some(m) = &mut self.message {
            m.ticks_left = m.ticks_left.saturating_sub(1);
            if m.ticks_left == 0 {
                self.message = None;
            }
        }
        if matches!(self.conn, ConnState::Offline { .. }) && !self.ping_in_flight {
            self.ticks_since_ping += 1;
            if self.ticks_since_ping >= PING_EVERY_TICKS {
                self.ticks_since_ping = 0;
                self.ping_in_flight = true;
                fx.push(Effect::Ping);
            }
        }
    }

    fn on_key(&mut self, key: KeyEvent, fx: &mut Vec<Effect>) {
        // A modal has the keys first; each kind handles its own.
        match &mut self.modal {
            Some(Modal::Input(_)) => return self.on_input_key(key, fx),
            Some(Modal::Confirm(_)) => return self.on_confirm_key(key, fx),
            Some(Modal::KbForm(_)) => return self.on_kb_form_key(key, fx),
            Some(Modal::LimitEdit(_)) => return self.on_limit_edit_key(key),
            Some(modal @ (Modal::Help { .. } | Modal::Messages { .. })) => {
                // The log's lines as its overlay wraps them: scrolling up
                // stops at the oldest (no presses lost past it).
                let log_width = (self.size.0.saturating_sub(8).max(20) as usize).saturating_sub(10);
                let log_lines: usize = self
                    .log
                    .iter()
                    .map(|e| crate::text::wrap(&crate::sanitize::sanitize_line(&e.text), log_width).len().max(1))
                    .sum();
                // Moving keys scroll the overlay; any other key closes it.
                // The log counts lines up from its newest (at the bottom),
                // so down is toward fewer of them.
                let from_end = matches!(modal, Modal::Messages { .. });
                let (Modal::Help { scroll } | Modal::Messages { scroll }) = modal else { unreachable!() };
                let by: i32 = match key.code {
                    KeyCode::Down | KeyCode::Char('j') => 1,
                    KeyCode::Up | KeyCode::Char('k') => -1,
                    KeyCode::PageDown | KeyCode::Char(' ') => 10,
                    KeyCode::PageUp => -10,
                    _ => {
                        self.modal = None;
                        return;
                    }
                };
                let by = if from_end { -by } else { by };
                let most = if from_end { log_lines as i32 } else { u16::MAX as i32 };
                *scroll = (*scroll as i32 + by).clamp(0, most.min(u16::MAX as i32)) as u16;
                return;
            }
            None => {}
        }
        if self.docs.upload.is_some() && self.tab == Tab::Documents && self.on_preview_key(key, fx) {
            return;
        }
        let Some(cmd) = self.keymap.lookup(self.context(), &key) else {
            return;
        };
        self.on_command(cmd, fx);
    }

    fn on_input_key(&mut self, key: KeyEvent, fx: &mut Vec<Effect>) {
        let Some(Modal::Input(input)) = &mut self.modal else { return };
        match key.code {
            KeyCode::Esc => self.modal = None,
            KeyCode::Tab if input.purpose == InputPurpose::UploadPath => self.complete_upload_path(fx),
            KeyCode::Enter => {
                let text = input.textarea.lines().join(" ").trim().to_string();
                let purpose = input.purpose;
                self.modal = None;
                match purpose {
                    InputPurpose::Filter(kind) => {
                        // A filter the list cannot take is said here, with the
                        // prompt open again on it; the list stays as it was.
                        // The tab's lists are read through our layout: its
                        // filter keys, as the entity tabs take them.
                        let entity = kind.entity();
                        let text = self.browser.canonical_filter(entity, &text);
                        let checked = self.browser.check_filter(entity, &text);
                        if self.filter_taken(InputPurpose::Filter(kind), &text, checked) {
                            self.list_mut(kind).set_filter_text(text);
                        }
                    }
                    InputPurpose::Search => {
                        let (_, height) = self.transcript_viewport();
                        let reply = self.transcript.start_search(&text, height);
                        self.apply_reply(reply, fx);
                    }
                    InputPurpose::UploadPath => self.submit_upload_paths(&text, fx),
                    InputPurpose::AuditFilter => {
                        // Ours, or ragdesk's writes in another platform's database.
                        let trail = match self.foreign_limits() {
                            Some(_) => crate::db::audit::AuditTrail::Foreign,
                            None => crate::db::audit::AuditTrail::Native,
                        };
                        let checked = trail.check_filter(&crate::db::Filter::parse(&text)).map_err(|e| e.to_string());
                        if self.filter_taken(InputPurpose::AuditFilter, &text, checked) {
                            self.audit.filter = text;
                        }
                    }
                    // Words only (`user:42:rpm` too): a key is found by what it says.
                    InputPurpose::LimitsFilter => {
                        self.resolved(Cause::Entry);
                        self.limits.filter = text;
                        self.limits.invalidate();
                    }
                    InputPurpose::BrowseFilter => {
                        // A key typed by its start is written whole (what a
                        // narrow heading shows of a column names its key), a
                        // listed value as the schema spells it.
                        let kind = self.browser.current().kind;
                        let text = self.browser.canonical_filter(kind, &text);
                        // A filter the list cannot take is said here, and the
                        // list stays as it was (not a failed load to retry).
                        let checked = self.browser.check_filter(kind, &text);
                        if self.filter_taken(InputPurpose::BrowseFilter, &text, checked) {
                            self.browser.set_filter(text);
                        }
                    }
                    InputPurpose::ConversationId if !text.is_empty() => {
                        fx.push(Effect::ResolveConversation { spec: text });
                    }
                    // Nothing typed: nothing asked, and the last refusal is past.
                    InputPurpose::ConversationId => self.resolved(Cause::Entry),
                    InputPurpose::SearchQuery => {
                        let generation = self.next_generation();
                        let reply = self.search.submitted(&text, generation);
                        self.apply_reply(reply, fx);
                        fx.extend(self.search.remember());
                    }
                }
            }
            _ => {
                form::type_into(&mut input.textarea, key);
                if input.purpose == InputPurpose::SearchQuery {
                    let text = input.textarea.lines().join(" ");
                    let generation = self.next_generation();
                    let reply = self.search.typed(&text, generation);
                    self.apply_reply(reply, fx);
                }
            }
        }
    }

    /// A filter typed at `purpose`'s prompt, checked as its list's query
    /// would: refused with the reason and the prompt open again on it (the
    /// list stays as it was), or taken (a refusal said before goes).
    fn filter_taken(&mut self, purpose: InputPurpose, text: &str, checked: Result<(), String>) -> bool {
        match checked {
            Err(e) => {
                self.say(Level::Error, format!("not filtered: {e}"), Some(Cause::Entry));
                self.open_input(purpose, text);
                false
            }
            Ok(()) => {
                self.resolved(Cause::Entry);
                true
            }
        }
    }

    /// Our schema: the tenant and the demo drilled into on the entity
    /// tabs' path are the ones the Limits tab shows overrides of (`t`) and
    /// the Documents tab lists the knowledge of. Followed as the path is
    /// walked (Enter, `o`, Esc), not when a tab key only shows another
    /// level of it. Another demo closes the knowledge base open of the last.
    fn follow_native_path(&mut self) {
        if self.foreign() {
            return;
        }
        let b = &self.browser;
        let drilled = |kind: crate::schema::Kind| {
            b.stack.iter().find_map(|s| match &s.parent {
                Some((id, label)) if b.parent_kind(s) == Some(kind) => {
                    Uuid::parse_str(id).ok().map(|id| Crumb { id, label: label.clone() })
                }
                _ => None,
            })
        };
        let (tenant, demo) = (drilled(crate::schema::Kind::Tenant), drilled(crate::schema::Kind::Demo));
        if demo.as_ref().map(|d| d.id) != self.nav.demo.as_ref().map(|d| d.id) {
            self.nav.kb = None;
            self.nav.document = None;
            self.docs.kb = None;
        }
        self.nav.tenant = tenant;
        self.nav.demo = demo;
    }

    /// Carries out what a pane asked for.
    pub(super) fn apply_reply(&mut self, reply: Reply, fx: &mut Vec<Effect>) {
        fx.extend(reply.effects);
        // A refusal is about what was just asked: the next thing taken, or
        // another tab, clears it.
        if let Some((level, text)) = reply.message {
            let cause = (level == Level::Error).then_some(Cause::Entry);
            self.say(level, text, cause);
        }
        if let Some((purpose, initial)) = reply.prompt {
            self.open_input(purpose, &initial);
        }
        if let Some(id) = reply.transcript {
            self.open_transcript(id, fx);
            self.tab = Tab::Transcript;
        }
        if let Some(key) = reply.limit {
            // The key opened is shown whatever words were searched before.
            self.limits.filter.clear();
            self.limits.want_key = Some(key);
            self.limits.invalidate();
            self.tab = Tab::Limits;
        }
        if let Some(open) = reply.search {
            let reply = match open {
                SearchOpen::Like { scope, id } => {
                    let generation = self.next_generation();
                    self.search.more_like(scope, id, generation)
                }
                SearchOpen::Ask(scope) => {
                    // The question asked here before, to edit; none where
                    // another scope's would be typed onto (its history keeps it).
                    let same =
                        self.search.scope.as_ref().map(crate::search::Scope::history_key) == Some(scope.history_key());
                    let mut reply = self.search.open(scope);
                    let initial = if same { self.search.text.clone() } else { String::new() };
                    reply.prompt = Some((InputPurpose::SearchQuery, initial));
                    reply
                }
            };
            self.tab = Tab::Search;
            self.apply_reply(reply, fx);
        }
    }

    fn open_transcript(&mut self, id: String, fx: &mut Vec<Effect>) {
        let generation = self.next_generation();
        fx.extend(self.transcript.open(id, generation));
    }

    pub(super) fn open_input(&mut self, purpose: InputPurpose, initial: &str) {
        self.modal = Some(Modal::Input(Input { purpose, textarea: one_line_input(initial) }));
    }

    fn on_command(&mut self, cmd: Command, fx: &mut Vec<Effect>) {
        use Command::*;
        match cmd {
            Quit => {
                // A running job is rolled back, not left to commit after the screen is gone.
                if let Some(job) = self.docs.job.as_mut().filter(|j| j.running()) {
                    job.cancel_requested = true;
                    fx.push(Effect::CancelIngest { job: job.id });
                }
                self.should_quit = true;
            }
            Help => self.modal = Some(Modal::Help { scroll: 0 }),
            MessageLog => self.modal = Some(Modal::Messages { scroll: 0 }),
            NextTab | PrevTab => {
                let tabs = self.tabs();
                let i = tabs.iter().position(|t| *t == self.tab).unwrap_or(0);
                let n = tabs.len();
                self.enter_tab(tabs[if cmd == NextTab { (i + 1) % n } else { (i + n - 1) % n }]);
            }
            // The number keys pick the tab shown under that number, in
            // the order of `tabs`.
            TabTenants | TabDemos | TabSessions | TabTranscript | TabDocuments | TabSearch | TabLimits | TabAudit => {
                let n = crate::keymap::TAB_COMMANDS.iter().position(|c| *c == cmd).expect("a tab command");
                if let Some(tab) = self.tabs().get(n).copied() {
                    self.enter_tab(tab);
                }
            }
            Refresh => self.refresh(fx),
            OpenConversation => self.open_input(InputPurpose::ConversationId, ""),
            Back => self.back(),
            _ if self.tab == Tab::Search => {
                let generation = self.next_generation();
                let height = self.search_rows();
                let reply = self.search.on_command(cmd, generation, height);
                self.apply_reply(reply, fx);
            }
            _ if self.tab == Tab::Transcript => {
                let reply = self.transcript.on_command(cmd, self.transcript_viewport());
                self.apply_reply(reply, fx);
            }
            _ if self.tab.is_browse() => {
                let generation = self.next_generation();
                let height = self.browse_page();
                let reply = self.browser.on_command(cmd, generation, height);
                // Only a step along the path changes what is opened on it.
                if matches!(cmd, Open | OtherList) {
                    self.follow_native_path();
                }
                self.apply_reply(reply, fx);
            }
            _ if self.tab == Tab::Limits => self.on_limits_command(cmd),
            _ if self.tab == Tab::Audit => self.on_audit_command(cmd),
            _ => self.on_list_command(cmd, fx),
        }
    }

    /// Switches to `tab`. The limits and the audit are read again on the
    /// way in (one small query each): another operator, or the CLI, may have
    /// changed them since, and an editor should start from the values now.
    fn enter_tab(&mut self, tab: Tab) {
        // Another platform's tab, even the one shown (a rate limits' list
        // at the top is shown under the first tab: its number shows that).
        if let Tab::Browse(kind) = tab {
            self.browser.show_tab(kind);
        }
        if tab != self.tab {
            match tab {
                Tab::Limits => self.limits.invalidate(),
                Tab::Audit => self.audit.loaded = None,
                _ => {}
            }
        }
        self.tab = tab;
    }

    fn refresh(&mut self, fx: &mut Vec<Effect>) {
        match self.current_list() {
            Some(kind) => self.list_mut(kind).invalidate(),
            None if self.tab == Tab::Limits => self.limits.invalidate(),
            None if self.tab.is_browse() => {
                self.browser.reload();
                // The row read whole is read again too.
                self.browser.whole.of = None;
            }
            None if self.tab == Tab::Audit => self.audit.loaded = None,
            None => {
                if let Some(id) = self.transcript.session_id.clone() {
                    self.open_transcript(id, fx);
                }
            }
        }
    }

    fn back(&mut self) {
        if let Some(kind) = self.current_list() {
            let l = self.list_mut(kind);
            let had_filter = !l.filter_text().is_empty();
            l.set_filter_text(String::new());
            if had_filter {
                return;
            }
        }
        match self.tab {
            Tab::Transcript => {
                if self.transcript.search.take().is_none() {
                    self.tab = self.browse_tab();
                }
            }
            Tab::Search => {
                // A plan shown goes first, then back to the documents.
                if self.search.plan.take().is_none() {
                    self.tab = if self.foreign() { self.browse_tab() } else { Tab::Documents };
                }
            }
            // Esc clears the words first; then another platform's limits,
            // reached from Browse, go back there.
            Tab::Limits if !self.limits.filter.is_empty() => {
                self.limits.filter.clear();
                self.limits.invalidate();
            }
            Tab::Limits if self.foreign() => self.tab = self.browse_tab(),
            Tab::Limits => {}
            Tab::Browse(_) => {
                self.browser.back();
                self.follow_native_path();
            }
            Tab::Audit => {
                // Esc clears the filter first; then, on another platform's
                // database, goes back to Browse as its Limits tab does.
                if !self.audit.filter.is_empty() {
                    self.audit.filter.clear();
                } else if self.foreign() {
                    self.tab = self.browse_tab();
                }
            }
            // A document's chunks, then a knowledge base's documents, then
            // back to the entity tab the knowledge bases were opened from.
            Tab::Documents => {
                if self.nav.document.take().is_none() {
                    if self.nav.kb.take().is_some() {
                        self.docs.kb = None;
                    } else {
                        self.tab = self.browse_tab();
                    }
                }
            }
        }
    }
}

#[cfg(test)]
mod tests;
