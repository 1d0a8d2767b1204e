//! Everything that changes the app's state arrives as an `Action`: terminal
//! events, and the results of background tasks. `Effect`s are what `update`
//! asks the runtime to do (queries, exports, clipboard writes); their results
//! come back as actions carrying the generation they were issued for, so a
//! result that arrives after the user moved on is dropped.

use crossterm::event::KeyEvent;
use uuid::Uuid;

use std::path::PathBuf;

use crate::db::access::Access;
use crate::db::audit::{AuditCursor, AuditRow};
use crate::db::conversation::{ConversationHead, ConversationPage};
use crate::db::knowledge::{ChunkRow, DocumentRow, KnowledgeBaseRow, NewKnowledgeBase};
use crate::db::{Page, RowCount, Seek};
use crate::export::Format;
use crate::ingest::{ChunkSettings, Event as IngestEvent, FileReport};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
/// The Documents tab's lists (the entity tabs are the browser's).
pub enum ListKind {
    KnowledgeBases,
    Documents,
    Chunks,
}

/// What a list shows: its scope and server-side filter (documents' and
/// chunks' as typed: our layout, which reads them, parses it).
#[derive(Debug, Clone, PartialEq)]
pub enum ListQuery {
    KnowledgeBases { demo: Option<Uuid>, filter: String },
    Documents { kb: Uuid, filter: String },
    Chunks { document: Uuid, filter: String },
}

impl ListKind {
    pub const ALL: [ListKind; 3] = [ListKind::KnowledgeBases, ListKind::Documents, ListKind::Chunks];

    /// The entity whose rows the list shows (read through our layout).
    pub fn entity(self) -> crate::schema::Kind {
        match self {
            ListKind::KnowledgeBases => crate::schema::Kind::KnowledgeBase,
            ListKind::Documents => crate::schema::Kind::Document,
            ListKind::Chunks => crate::schema::Kind::Chunk,
        }
    }

    /// A short name, for task keys and logs.
    pub fn name(self) -> &'static str {
        match self {
            ListKind::KnowledgeBases => "knowledge-bases",
            ListKind::Documents => "documents",
            ListKind::Chunks => "chunks",
        }
    }
}

impl ListQuery {
    pub fn kind(&self) -> ListKind {
        match self {
            ListQuery::KnowledgeBases { .. } => ListKind::KnowledgeBases,
            ListQuery::Documents { .. } => ListKind::Documents,
            ListQuery::Chunks { .. } => ListKind::Chunks,
        }
    }
}

#[derive(Debug, Clone)]
pub enum ListRows {
    KnowledgeBases(Page<KnowledgeBaseRow>),
    Documents(Page<DocumentRow>),
    Chunks(Page<ChunkRow>),
}

/// A failed task, reduced to what the UI needs.
#[derive(Debug, Clone, PartialEq)]
pub struct LoadError {
    pub message: String,
    /// The connection is gone (as opposed to a rejected query).
    pub connection: bool,
}

impl From<crate::db::DbError> for LoadError {
    fn from(e: crate::db::DbError) -> Self {
        let message = if e.is_timeout() {
            "the query ran past statement_timeout and the server stopped it (raise statement_timeout_ms, or narrow the filter)"
                .to_string()
        } else if e.is_cancelled() {
            "query cancelled".to_string()
        } else if e.is_missing_table() {
            format!(
                "{e}: a table ragdesk reads is not in this database (`ragdesk doctor` says what it has and what to do)"
            )
        } else {
            e.to_string()
        };
        LoadError { message, connection: e.is_connection() }
    }
}

pub type TaskResult<T> = Result<T, LoadError>;

#[derive(Debug, Clone)]
pub enum Action {
    Key(KeyEvent),
    Resize(u16, u16),
    Tick,
    PageLoaded {
        list: ListKind,
        generation: u64,
        result: TaskResult<ListRows>,
    },
    Counted {
        list: ListKind,
        generation: u64,
        result: TaskResult<RowCount>,
    },
    SessionLoaded {
        generation: u64,
        result: TaskResult<ConversationHead>,
    },
    MessagesLoaded {
        generation: u64,
        result: TaskResult<ConversationPage>,
    },
    Exported {
        result: Result<String, String>,
    },
    Health {
        result: TaskResult<()>,
    },
    /// Dry-run chunks of the files being uploaded, for the preview.
    PreviewReady {
        generation: u64,
        result: Result<Vec<FileReport>, String>,
    },
    /// Progress of a running ingest job.
    Job {
        job: u64,
        event: JobEvent,
    },
    KbCreated {
        result: Result<KnowledgeBaseRow, String>,
    },
    DocumentDeleted {
        result: Result<String, String>,
    },
    /// The remembered queries of a knowledge base, oldest first.
    History {
        /// Whose questions (`Scope::history_key`).
        key: String,
        result: Result<Vec<String>, String>,
    },
    /// The chunks around a search result in its document.
    Neighbours {
        chunk: Uuid,
        result: Result<Vec<(i32, String)>, String>,
    },
    /// The conversation asked for by id, found (its full id).
    ConversationResolved {
        /// What was typed (given back to mend when it names none).
        spec: String,
        result: Result<String, String>,
    },
    /// The knowledge base a replayed question goes to was found.
    ReplayReady {
        result: Result<KnowledgeBaseRow, String>,
        question: String,
        answer: Option<String>,
    },
    /// A similarity search finished.
    SearchDone {
        generation: u64,
        result: Result<crate::search::Outcome, String>,
    },
    /// The plan of the search of `generation`: (EXPLAIN text, index used).
    SearchPlan {
        generation: u64,
        result: Result<(String, bool), String>,
    },
    /// Tab completion of the upload prompt's `input`.
    PathCompleted {
        input: String,
        completed: String,
        candidates: Vec<String>,
    },
    /// What the server lets this connection write (read at connect and
    /// after reconnecting).
    AccessChecked {
        result: TaskResult<Access>,
    },
    /// The limits of a scope (a tenant's, or the global defaults), the
    /// tenant's usage, and (global view) the overrides of every key.
    LimitsLoaded {
        generation: u64,
        /// Where the page starts (`LoadLimits::from`): beside a key read,
        /// its rows go after or before the ones there.
        from: KeysFrom,
        result: TaskResult<LimitsView>,
    },
    /// How many keys the Limits tab's words find (capped unless exact).
    LimitsCounted {
        generation: u64,
        result: TaskResult<RowCount>,
    },
    /// A limit change was written (a line saying what), or refused.
    LimitSaved {
        result: Result<String, String>,
    },
    /// A page of a layout's entity (an entity tab); where it goes among
    /// the rows shown is the level's own (`browser::Placing`).
    MappedLoaded {
        generation: u64,
        result: TaskResult<crate::db::mapped::MappedPage>,
    },
    /// The types of the columns the entity tabs' filter keys name.
    KeyTypesRead {
        result: TaskResult<std::collections::BTreeMap<(crate::schema::Kind, String), crate::db::mapped::KeyType>>,
    },
    /// Every column of the row the Browse detail shows (`None`: the row is
    /// gone).
    RowFieldsLoaded {
        generation: u64,
        result: TaskResult<Option<crate::db::mapped::Fields>>,
    },
    /// The row count of the Browse list of `generation` (`None`: a derived
    /// list, not counted).
    MappedCounted {
        generation: u64,
        result: TaskResult<Option<RowCount>>,
    },
    /// A page of the audit; `append` when it continues the rows shown.
    AuditLoaded {
        generation: u64,
        append: bool,
        result: TaskResult<Vec<AuditRow>>,
    },
    /// The console cannot go on (a signal, the terminal gone): it exits
    /// with the terminal restored, saying why.
    Fatal(String),
}

/// What an ingest job reports.
#[derive(Debug, Clone)]
pub enum JobEvent {
    Progress(IngestEvent),
    Finished(Result<Vec<FileReport>, String>),
}

pub use crate::db::rate_limits::{KeysFrom, LimitChange, LimitWrite, LimitsView, OVERRIDES_SHOWN};

#[derive(Debug, Clone, PartialEq)]
pub enum Effect {
    LoadPage {
        generation: u64,
        query: ListQuery,
        seek: Seek,
    },
    Count {
        generation: u64,
        query: ListQuery,
        exact: bool,
    },
    /// A conversation's heading (its id as text: any layout's).
    LoadSession {
        generation: u64,
        id: String,
    },
    LoadMessages {
        generation: u64,
        session: String,
        after: Option<Vec<Option<String>>>,
    },
    Export {
        session: String,
        format: Format,
    },
    /// Put text on the clipboard with OSC 52.
    Copy(String),
    Ping,
    /// Extract and chunk (no storing) for the upload preview.
    Preview {
        generation: u64,
        kb: Uuid,
        paths: Vec<PathBuf>,
        chunk: ChunkSettings,
    },
    StartIngest {
        job: u64,
        kb: Uuid,
        paths: Vec<PathBuf>,
        chunk: ChunkSettings,
    },
    /// Stop computing the open preview (it was closed or replaced).
    CancelPreview,
    CancelIngest {
        job: u64,
    },
    CreateKb(NewKnowledgeBase),
    DeleteDocument {
        id: Uuid,
        filename: String,
    },
    /// Read the remembered queries of a knowledge base.
    LoadHistory {
        key: String,
    },
    /// Remember a query for a knowledge base (a file write).
    RememberQuery {
        key: String,
        query: String,
    },
    /// The chunks just before and after `index` in `document`, for the
    /// search result `chunk`.
    LoadNeighbours {
        chunk: Uuid,
        document: Uuid,
        index: i32,
    },
    /// Find the knowledge base a demo's bot retrieves from, to replay a
    /// user message as a search.
    /// Which conversation an id (or a prefix of ours) names.
    ResolveConversation {
        spec: String,
    },
    FindReplayKb {
        demo: Uuid,
        question: String,
        answer: Option<String>,
    },
    /// A similarity search (embed the query, then the queries).
    Search {
        generation: u64,
        request: crate::search::Request,
    },
    /// EXPLAIN (ANALYZE, BUFFERS) of a search, with the vector it used.
    Explain {
        generation: u64,
        request: crate::search::Request,
        vector: Vec<f32>,
    },
    /// Complete the last path of the upload prompt (reads a directory).
    CompletePath {
        input: String,
    },
    /// Read what the server lets this connection write.
    CheckAccess,
    LoadLimits {
        generation: u64,
        tenant: Option<Uuid>,
        /// The key to show wherever it is (Enter on a rate limit elsewhere).
        want: Option<String>,
        /// Words its keys must hold (`/`).
        words: String,
        /// Where the page starts, by key: the first or last keys, those
        /// from the key selected (read again), or beside a key read.
        from: KeysFrom,
    },
    /// Count the keys the Limits tab's words find (`exact`: every one).
    CountLimits {
        generation: u64,
        words: String,
        exact: bool,
    },
    SaveLimit(LimitWrite),
    /// A page of `kind` under `parent`, after `after`, read through the
    /// layout of the database (another platform's schema).
    LoadMapped {
        generation: u64,
        kind: crate::schema::Kind,
        under: crate::db::mapped::Under,
        after: Option<Vec<Option<String>>>,
        /// Words every row's title or text must contain.
        filter: String,
        /// Read up from `after` (or from the list's end): the page above.
        backward: bool,
    },
    /// The types of the columns the entity tabs' filter keys name, read
    /// from the catalog (a console started while the server was down has
    /// not read them).
    ReadKeyTypes,
    /// Every column of one row, for the Browse detail.
    LoadRowFields {
        generation: u64,
        kind: crate::schema::Kind,
        id: String,
    },
    /// How many rows the shown Browse list has (counted up to a cap, or
    /// every one when `exact`: `c`).
    CountMapped {
        generation: u64,
        kind: crate::schema::Kind,
        under: crate::db::mapped::Under,
        filter: String,
        exact: bool,
    },
    /// A page of the audit, newest first, older than `before`.
    LoadAudit {
        generation: u64,
        filter: String,
        before: Option<AuditCursor>,
    },
    /// Run `effect` after `delay_ms`, unless a newer effect with the same
    /// task key comes first (then only the newer one runs).
    Debounce {
        delay_ms: u64,
        effect: Box<Effect>,
    },
}

impl Effect {
    /// The key of the task that runs this effect: a newer effect with the
    /// same key supersedes (and cancels) the older. `None`: every such
    /// effect runs to its end (exports and writes are never dropped).
    pub fn task_key(&self) -> Option<String> {
        Some(match self {
            Effect::LoadPage { query, .. } => format!("list:{}", query.kind().name()),
            Effect::Count { query, .. } => format!("count:{}", query.kind().name()),
            Effect::LoadSession { .. } => "session".into(),
            Effect::LoadMessages { .. } => "messages".into(),
            Effect::Ping => "ping".into(),
            Effect::Preview { .. } => "preview".into(),
            Effect::CompletePath { .. } => "complete-path".into(),
            Effect::Search { .. } => "search".into(),
            Effect::FindReplayKb { .. } => "replay".into(),
            Effect::ResolveConversation { .. } => "open-conversation".into(),
            Effect::LoadNeighbours { .. } => "search-neighbours".into(),
            Effect::LoadHistory { .. } | Effect::RememberQuery { .. } => "search-history".into(),
            Effect::Explain { .. } => "search-plan".into(),
            Effect::CheckAccess => "access".into(),
            Effect::LoadLimits { .. } => "limits".into(),
            Effect::CountLimits { .. } => "limits-count".into(),
            Effect::LoadAudit { .. } => "audit".into(),
            Effect::LoadMapped { .. } => "browse".into(),
            Effect::CountMapped { .. } => "browse-count".into(),
            Effect::LoadRowFields { .. } => "browse-row".into(),
            Effect::ReadKeyTypes => "key-types".into(),
            Effect::StartIngest { job, .. } => format!("job:{job}"),
            Effect::Debounce { effect, .. } => return effect.task_key(),
            Effect::Export { .. }
            | Effect::Copy(_)
            | Effect::CancelPreview
            | Effect::CancelIngest { .. }
            | Effect::CreateKb(_)
            | Effect::SaveLimit(_)
            | Effect::DeleteDocument { .. } => return None,
        })
    }

    /// Does this effect write to the database? Writes pass the runner's
    /// gate, which refuses them on a read-only connection.
    pub fn writes(&self) -> bool {
        match self {
            Effect::StartIngest { .. } | Effect::CreateKb(_) | Effect::DeleteDocument { .. } | Effect::SaveLimit(_) => {
                true
            }
            Effect::Debounce { effect, .. } => effect.writes(),
            _ => false,
        }
    }
}
