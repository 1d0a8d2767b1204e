//! Schema layouts: how our entities (tenant, demo, lead, session, message,
//! knowledge base, document, chunk, rate limit, memory) map onto the tables
//! and columns of one platform's schema. A layout is a TOML description;
//! the built-in ones (ours and the four platforms of `shared/seeds`) live
//! in `src/schema/layouts/`, a user's in a file of its own.
//!
//! A layout is checked twice: on its own (names are identifiers, every
//! entity has what it needs, references point at entities it has), and
//! against a database's catalog (every table and column it names exists,
//! embeddings are `vector` columns). Detection matches the catalog against
//! every built-in layout and says which one fits and what the others miss.
//!
//! Identifiers reach SQL only through [`quote_ident`] / [`Table::quoted`],
//! from a validated layout: never user input.

use std::collections::BTreeMap;
use std::fmt;

use serde::Deserialize;

/// The DDL of each foreign layout's schema, as its seed document describes it.
pub const DDL: &[(&str, &str)] = &[
    ("domo", include_str!("ddl/001_domo.sql")),
    ("workspaces", include_str!("ddl/002_workspaces.sql")),
    ("limitless", include_str!("ddl/003_limitless.sql")),
    ("omni", include_str!("ddl/004_omni.sql")),
];

const BUILT_IN: &[(&str, &str)] = &[
    ("native", include_str!("layouts/native.toml")),
    ("domo", include_str!("layouts/domo.toml")),
    ("workspaces", include_str!("layouts/workspaces.toml")),
    ("limitless", include_str!("layouts/limitless.toml")),
    ("omni", include_str!("layouts/omni.toml")),
];

/// The most extra columns a list shows (`columns` and `counts`
/// together): past this, an 80-column terminal has no room left for the
/// title.
pub const MAX_SHOWN: usize = 4;

/// A count of rows under a row (`counts`) stops here: a list shows "1,000+"
/// rather than count a conversation of a million messages on every page.
pub const COUNT_CAP: i64 = 1000;

/// The entities ragdesk ever writes: rate limits (the Limits tab), and
/// knowledge on ingest (knowledge bases, documents, chunks).
pub const WRITABLE: &[Kind] = &[Kind::RateLimit, Kind::KnowledgeBase, Kind::Document, Kind::Chunk];

/// Who speaks in our transcripts (what a layout's `roles` map to).
pub const ROLES: &[&str] = &["user", "assistant", "system", "tool"];

/// Our entities, in the order the console shows them.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Kind {
    Tenant,
    Demo,
    Lead,
    Session,
    Message,
    KnowledgeBase,
    Document,
    Chunk,
    RateLimit,
    Memory,
}

impl Kind {
    pub const ALL: [Kind; 10] = [
        Kind::Tenant,
        Kind::Demo,
        Kind::Lead,
        Kind::Session,
        Kind::Message,
        Kind::KnowledgeBase,
        Kind::Document,
        Kind::Chunk,
        Kind::RateLimit,
        Kind::Memory,
    ];

    /// The name in layout files (`[knowledge_base]`, `parent_entity = "demo"`).
    pub fn name(self) -> &'static str {
        match self {
            Kind::Tenant => "tenant",
            Kind::Demo => "demo",
            Kind::Lead => "lead",
            Kind::Session => "session",
            Kind::Message => "message",
            Kind::KnowledgeBase => "knowledge_base",
            Kind::Document => "document",
            Kind::Chunk => "chunk",
            Kind::RateLimit => "rate_limit",
            Kind::Memory => "memory",
        }
    }

    pub fn from_name(s: &str) -> Option<Kind> {
        Kind::ALL.into_iter().find(|k| k.name() == s)
    }

    /// Where an entity hangs when its layout does not say otherwise.
    pub fn natural_parent(self) -> Option<Kind> {
        match self {
            Kind::Demo | Kind::Memory => Some(Kind::Tenant),
            Kind::Lead | Kind::Session | Kind::KnowledgeBase => Some(Kind::Demo),
            Kind::Message => Some(Kind::Session),
            Kind::Document => Some(Kind::KnowledgeBase),
            Kind::Chunk => Some(Kind::Document),
            Kind::Tenant | Kind::RateLimit => None,
        }
    }

    /// The tab's word in our own schema.
    pub fn default_label(self) -> &'static str {
        match self {
            Kind::Tenant => "Tenants",
            Kind::Demo => "Demos",
            Kind::Lead => "Leads",
            Kind::Session => "Sessions",
            Kind::Message => "Messages",
            Kind::KnowledgeBase => "Knowledge bases",
            Kind::Document => "Documents",
            Kind::Chunk => "Chunks",
            Kind::RateLimit => "Limits",
            Kind::Memory => "Memories",
        }
    }
}

impl fmt::Display for Kind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// One entity's mapping. Every column is a column of `table` (or, for a
/// derived entity, of the entity it is derived from).
#[derive(Debug, Clone, Default, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Entity {
    /// The platform's word for the tab ("Workspaces", "Campaigns").
    pub label: Option<String>,
    /// The word for one row ("Workspace"), where the label's singular is
    /// not the label less its plural ending ("People": one = "Person").
    pub one: Option<String>,
    /// `schema.table` (or `table`, in `public`).
    pub table: Option<String>,
    /// This entity has no table: its ids are the distinct values of the
    /// named entity's `parent` column (001's conversations are the
    /// `conversation_id`s of its messages).
    pub derived_from: Option<String>,
    pub id: Option<String>,
    /// The column holding the parent entity's id.
    pub parent: Option<String>,
    /// Which entity `parent` points at, when not the natural one (001's
    /// chunks belong to a demo directly).
    pub parent_entity: Option<String>,
    /// Other entities whose rows list this one's too, each by the column
    /// holding that entity's id (`listed_under = { lead = "lead_id" }`: a
    /// lead's sessions, beside its demo's).
    #[serde(default)]
    pub listed_under: BTreeMap<String, String>,
    /// A column naming the row for people (a name, an email, a title).
    pub title: Option<String>,
    /// A column read as the title where `title` is NULL (a lead with no
    /// name is known by its e-mail or phone).
    pub title_else: Option<String>,
    /// Where the row has no title of its own (or none is mapped), the title
    /// of another entity's row it holds the id of: a session named by its
    /// lead (`title_from = { entity = "lead", column = "lead_id" }`).
    pub title_from: Option<TitleFrom>,
    pub created_at: Option<String>,
    pub status: Option<String>,
    /// Messages: who spoke, and what was said.
    pub role: Option<String>,
    pub content: Option<String>,
    /// Chunks and memories: the vector column.
    pub embedding: Option<String>,
    /// Chunks and memories whose vector column holds vectors of several
    /// sizes (ours: `vector` with no size): the integer column holding each
    /// row's. A search compares with the rows of the query's size, cast to
    /// it, as an index per size (`((embedding::vector(384))) WHERE dim =
    /// 384`) serves.
    pub dimension: Option<String>,
    /// Rate limits: the key, its value and description.
    pub key: Option<String>,
    pub value: Option<String>,
    pub description: Option<String>,
    /// A timestamp column a write sets to `now()` (004's
    /// `customer_configs.updated_at`, which its platform keeps with a
    /// trigger the seed document mentions but does not give).
    pub updated_at: Option<String>,
    /// Sessions: when the conversation ended (NULL: still open).
    pub ended_at: Option<String>,
    /// A timestamp set when the row is deleted but kept (a soft delete):
    /// such a row reads as "deleted" whatever its status, `status:deleted`
    /// finds it and any other `status:` leaves it out.
    pub deleted_at: Option<String>,
    /// Messages: a `json`/`jsonb` column of what the platform keeps beside
    /// the text (shown by `m` in the transcript, kept in exports).
    pub metadata: Option<String>,
    /// Messages: an integer column of the tokens each one took.
    pub token_count: Option<String>,
    /// The columns a list is ordered (and keyset-paged) by, most
    /// significant first; the last one must make the order total (an id).
    #[serde(default)]
    pub order: Vec<String>,
    /// More columns of `table` a list shows beside the title (`columns =
    /// ["channel", "plan"]`), headed by their names and read as text; at
    /// most [`MAX_SHOWN`]. The selected row's detail shows them whole.
    #[serde(default, rename = "columns")]
    pub shown: Vec<String>,
    /// Entities under this one whose rows a list counts for each row
    /// (`counts = ["session"]`: a demo's conversations), up to
    /// [`COUNT_CAP`], by an index on their parent column.
    #[serde(default)]
    pub counts: Vec<String>,
    /// Totals of a column of an entity under this one, for each row
    /// (`sums = ["message.token_count"]`: a conversation's tokens), over
    /// the same index range a count reads and up to the same cap (past it
    /// the total is of the first rows and marked "+").
    #[serde(default)]
    pub sums: Vec<String>,
    /// The columns a filter's free words match (`words = ["email",
    /// "company_name"]`), in any case; by default the title and the text.
    /// With `title_from`, words also match the named row's words (a
    /// session found by its lead's e-mail).
    #[serde(default)]
    pub words: Vec<String>,
    /// Rate limits: the entity whose ids the key holds (`key_entity =
    /// "demo"`: a bot's quota keyed by its id); that row's title is shown
    /// beside the key, so a limit reads as what it limits.
    pub key_entity: Option<String>,
    /// The rows are the elements of a JSON array in this `jsonb` column of
    /// `table` (003's messages inside LangGraph checkpoints), taken from the
    /// parent's newest row by `latest`; `role` and `content` are then
    /// dotted paths inside each element, and the order is the array's.
    pub json_array: Option<String>,
    /// Where the array is inside `json_array` ("channel_values.messages").
    pub json_path: Option<String>,
    /// The column whose greatest value marks the parent's newest row.
    pub latest: Option<String>,
    /// Messages: the platform's words for who spoke, as ours (`user`,
    /// `assistant`, `system`, `tool`): `{ student = "user", tutor =
    /// "assistant" }`. The transcript colours and replays by ours; the
    /// platform's word stays in the message's metadata.
    #[serde(default)]
    pub roles: BTreeMap<String, String>,
}

impl Entity {
    /// A dotted JSON path as its keys ("kwargs.content" → [kwargs, content]).
    pub fn json_keys(path: &str) -> Vec<String> {
        path.split('.').map(str::to_string).collect()
    }
}

/// Another entity's row whose title names a row (`title_from`).
#[derive(Debug, Clone, Default, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TitleFrom {
    /// The entity whose row it is.
    pub entity: String,
    /// The column of this entity's table holding that row's id.
    pub column: String,
}

/// A layout file, as read.
#[derive(Debug, Clone, Default, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Layout {
    pub name: String,
    pub description: String,
    /// The seed document it follows ("001").
    pub seed: Option<String>,
    /// One of ragdesk's own (`built_in`): its list extras (`columns`,
    /// `counts`) are dropped where a platform's database lacks them, not
    /// held against the whole layout; a user's file is held to every one.
    #[serde(skip)]
    pub built_in: bool,
    /// Entities where the product may write in this schema ("rate_limit",
    /// "chunk"); everything else is read-only here.
    #[serde(default)]
    pub writes: Vec<String>,
    pub tenant: Option<Entity>,
    pub demo: Option<Entity>,
    pub lead: Option<Entity>,
    pub session: Option<Entity>,
    pub message: Option<Entity>,
    pub knowledge_base: Option<Entity>,
    pub document: Option<Entity>,
    pub chunk: Option<Entity>,
    pub rate_limit: Option<Entity>,
    pub memory: Option<Entity>,
}

#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum LayoutError {
    #[error("layout file {path}: {message}")]
    File { path: String, message: String },
    #[error("layout '{layout}': {message}")]
    Invalid { layout: String, message: String },
    #[error("unknown layout '{0}' (built in: native, domo, workspaces, limitless, omni; or a path to a .toml file)")]
    Unknown(String),
}

/// `schema.table`, split.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Table {
    pub schema: String,
    pub name: String,
}

impl Table {
    pub fn parse(s: &str) -> Table {
        match s.split_once('.') {
            Some((schema, name)) => Table { schema: schema.into(), name: name.into() },
            None => Table { schema: "public".into(), name: s.into() },
        }
    }

    /// `"schema"."table"`, for SQL.
    pub fn quoted(&self) -> String {
        format!("{}.{}", quote_ident(&self.schema), quote_ident(&self.name))
    }
}

impl fmt::Display for Table {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}.{}", self.schema, self.name)
    }
}

/// An identifier quoted for SQL (`"a""b"` for `a"b`).
pub fn quote_ident(s: &str) -> String {
    format!("\"{}\"", s.replace('"', "\"\""))
}

/// Names in layouts are plain SQL identifiers: lower-case letters, digits
/// and `_` (what the seeds use); anything else is refused, not quoted into
/// a surprise.
fn is_identifier(s: &str) -> bool {
    !s.is_empty()
        && s.len() <= 63
        && s.starts_with(|c: char| c.is_ascii_lowercase() || c == '_')
        && s.chars().all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_')
}

impl Layout {
    pub fn entity(&self, kind: Kind) -> Option<&Entity> {
        match kind {
            Kind::Tenant => self.tenant.as_ref(),
            Kind::Demo => self.demo.as_ref(),
            Kind::Lead => self.lead.as_ref(),
            Kind::Session => self.session.as_ref(),
            Kind::Message => self.message.as_ref(),
            Kind::KnowledgeBase => self.knowledge_base.as_ref(),
            Kind::Document => self.document.as_ref(),
            Kind::Chunk => self.chunk.as_ref(),
            Kind::RateLimit => self.rate_limit.as_ref(),
            Kind::Memory => self.memory.as_ref(),
        }
    }

    /// The entities this layout has.
    pub fn kinds(&self) -> impl Iterator<Item = Kind> + '_ {
        Kind::ALL.into_iter().filter(|k| self.entity(*k).is_some())
    }

    /// The tab word for `kind`.
    pub fn label(&self, kind: Kind) -> &str {
        self.entity(kind).and_then(|e| e.label.as_deref()).unwrap_or(kind.default_label())
    }

    /// ragdesk's own schema (the built-in `native`): its limits and their
    /// audit are ours, read and written by our own queries whichever way
    /// its lists are shown.
    pub fn is_native(&self) -> bool {
        self.built_in && self.name == "native"
    }

    /// The entity whose rows `kind`'s rows can be listed under across
    /// their parents (a tenant, for sessions under demos): where `kind`'s
    /// rows are a table's with a parent column, and its parent's rows are a
    /// table's with an id and a parent of their own.
    pub fn grandparent_of(&self, kind: Kind) -> Option<Kind> {
        let e =
            self.entity(kind).filter(|e| e.table.is_some() && e.json_array.is_none() && e.derived_from.is_none())?;
        e.parent.as_ref()?;
        let p = self.parent_of(kind)?;
        let pe = self.entity(p).filter(|pe| pe.table.is_some() && pe.id.is_some() && pe.json_array.is_none())?;
        pe.parent.as_ref()?;
        self.parent_of(p)
    }

    /// The word for one row of `kind` ("Widget" for "Widgets"): the
    /// entity's `one`, else its label less its plural ending.
    pub fn one(&self, kind: Kind) -> String {
        if let Some(one) = self.entity(kind).and_then(|e| e.one.clone()) {
            return one;
        }
        singular(self.label(kind))
    }

    /// Which entity `kind`'s `parent` column points at.
    pub fn parent_of(&self, kind: Kind) -> Option<Kind> {
        let e = self.entity(kind)?;
        e.parent.as_ref()?;
        match &e.parent_entity {
            Some(p) => Kind::from_name(p),
            None => kind.natural_parent(),
        }
    }

    /// The column of `kind`'s table that lists its rows under a row of
    /// `other` besides its parent (`listed_under`).
    pub fn listed_by(&self, kind: Kind, other: Kind) -> Option<&str> {
        self.entity(kind)?.listed_under.get(other.name()).map(String::as_str)
    }

    /// May the product write `kind` in this schema?
    pub fn writes(&self, kind: Kind) -> bool {
        self.writes.iter().any(|w| w == kind.name())
    }

    fn invalid(&self, message: String) -> LayoutError {
        LayoutError::Invalid { layout: self.name.clone(), message }
    }

    /// Checks the layout on its own: identifiers, what each entity needs,
    /// references to entities it has.
    /// Every problem is named at once (one per entity at most), so a
    /// layout is mended in one pass.
    pub fn check(&self) -> Result<(), LayoutError> {
        let mut problems: Vec<String> = Vec::new();
        if !is_identifier(&self.name.replace('-', "_")) {
            problems.push("name must be lower-case letters, digits, '-' or '_'".into());
        }
        for w in &self.writes {
            match Kind::from_name(w) {
                // What the console writes at all: limits, and knowledge on ingest.
                Some(k) if !WRITABLE.contains(&k) => problems.push(format!(
                    "writes names '{w}', which ragdesk never writes (it writes {})",
                    WRITABLE.iter().map(|k| k.name()).collect::<Vec<_>>().join(", ")
                )),
                Some(k) if self.entity(k).is_some() => {}
                Some(_) => problems.push(format!("writes names '{w}', which this layout does not map")),
                None => problems.push(format!("writes names '{w}', which is not an entity")),
            }
        }
        for kind in self.kinds() {
            if let Err(LayoutError::Invalid { message, .. }) = self.check_entity(kind) {
                problems.push(message);
            }
        }
        match problems.len() {
            0 => Ok(()),
            1 => Err(self.invalid(problems.remove(0))),
            n => Err(self.invalid(format!("{n} problems: {}", problems.join("; ")))),
        }
    }

    /// The first problem of one entity's description.
    fn check_entity(&self, kind: Kind) -> Result<(), LayoutError> {
        let e = self.entity(kind).expect("a kind it has");
        let at = |field: &str| format!("[{kind}] {field}");
        if e.metadata.is_some() || e.token_count.is_some() {
            if kind != Kind::Message {
                return Err(self.invalid(format!("[{kind}] metadata and token_count: only messages have them")));
            }
            if e.json_array.is_some() {
                return Err(self.invalid(format!(
                    "[{kind}] metadata and token_count are columns: not for elements of json_array"
                )));
            }
        }
        for (field, value) in e.columns() {
            if !is_identifier(value) {
                return Err(self.invalid(format!("{} = \"{value}\" is not a plain column name", at(field))));
            }
        }
        match (&e.table, &e.derived_from) {
            (Some(t), None) => {
                let parts: Vec<&str> = t.split('.').collect();
                if parts.len() > 2 || !parts.iter().all(|p| is_identifier(p)) {
                    return Err(self.invalid(format!("{} = \"{t}\" is not schema.table", at("table"))));
                }
                // An array's elements are identified by their position.
                if e.id.is_none() && kind != Kind::RateLimit && e.json_array.is_none() {
                    return Err(self.invalid(format!("{} is missing (the column that identifies a row)", at("id"))));
                }
            }
            (None, Some(from)) => {
                let Some(source) = Kind::from_name(from).and_then(|k| self.entity(k)) else {
                    return Err(self.invalid(format!("{} = \"{from}\": no such entity here", at("derived_from"))));
                };
                if source.table.is_none() {
                    return Err(self.invalid(format!(
                        "{} = \"{from}\": [{from}] must have a table of its own",
                        at("derived_from")
                    )));
                }
                if source.parent.is_none() {
                    return Err(self.invalid(format!(
                        "{} = \"{from}\": [{from}] has no parent column to take the ids from",
                        at("derived_from")
                    )));
                }
            }
            (Some(_), Some(_)) => {
                return Err(self.invalid(format!("[{kind}] has both table and derived_from: choose one")));
            }
            (None, None) => return Err(self.invalid(format!("[{kind}] needs a table (or derived_from)"))),
        }
        if let Some(p) = &e.parent_entity {
            match Kind::from_name(p) {
                Some(k) if self.entity(k).is_some() => {}
                _ => {
                    return Err(self.invalid(format!(
                        "{} = \"{p}\": no such entity here (one of {})",
                        at("parent_entity"),
                        self.kinds().map(|k| k.name()).collect::<Vec<_>>().join(", ")
                    )));
                }
            }
        } else if e.parent.is_some() {
            let natural = kind.natural_parent();
            if natural.is_none_or(|k| self.entity(k).is_none()) {
                return Err(self.invalid(format!(
                    "{} points at [{}], which this layout does not map: say which entity with parent_entity",
                    at("parent"),
                    natural.map(|k| k.name()).unwrap_or("nothing")
                )));
            }
        }
        if kind == Kind::RateLimit {
            // Found and written by its key alone: a second identity, a
            // status read as its value, or a parent (keys repeated per
            // tenant) would edit the wrong row or several.
            for (field, set) in [
                ("id", e.id.is_some()),
                ("status", e.status.is_some()),
                ("title", e.title.is_some()),
                ("parent", e.parent.is_some()),
                ("order", !e.order.is_empty()),
            ] {
                if set {
                    return Err(self.invalid(format!(
                        "{} is not for rate limits: a rate limit is the row of its unique key (key, value, description)",
                        at(field)
                    )));
                }
            }
        }
        if e.deleted_at.is_some() && e.status.is_none() && e.state_from_end().is_none() {
            return Err(
                self.invalid(format!("{} goes with status: a deleted row reads as such there", at("deleted_at")))
            );
        }
        if e.title_else.is_some() && e.title.is_none() {
            return Err(
                self.invalid(format!("{} goes with title: it is read where the title is NULL", at("title_else")))
            );
        }
        if let Some(from) = &e.title_from {
            if e.derived_from.is_some() || e.json_array.is_some() || kind == Kind::RateLimit {
                return Err(self.invalid(format!("{} is for rows of a table of their own", at("title_from"))));
            }
            let target = Kind::from_name(&from.entity).and_then(|k| self.entity(k));
            if !target.is_some_and(|t| t.table.is_some() && t.id.is_some() && t.title.is_some()) {
                return Err(self.invalid(format!(
                    "{} entity = \"{}\": no such entity here with a table, an id and a title",
                    at("title_from"),
                    from.entity
                )));
            }
        }
        if let Some(named) = &e.key_entity {
            if kind != Kind::RateLimit {
                return Err(self.invalid(format!("{} is for [rate_limit] only", at("key_entity"))));
            }
            let target = Kind::from_name(named).and_then(|k| self.entity(k));
            match target {
                Some(t) if t.table.is_some() && t.id.is_some() && t.title.is_some() => {}
                Some(_) => {
                    return Err(self.invalid(format!(
                        "{} = \"{named}\": [{named}] needs a table, an id and a title to name a limit by",
                        at("key_entity")
                    )));
                }
                None => {
                    return Err(self.invalid(format!("{} = \"{named}\": no such entity here", at("key_entity"))));
                }
            }
        }
        if !e.roles.is_empty() && kind != Kind::Message {
            return Err(self.invalid(format!("[{kind}] roles: only messages have roles")));
        }
        if let Some((theirs, ours)) = e.roles.iter().find(|(_, ours)| !ROLES.contains(&ours.as_str())) {
            return Err(self
                .invalid(format!("[message] roles: {theirs} = \"{ours}\" is not one of ours ({})", ROLES.join(", "))));
        }
        for c in &e.counts {
            let child = Kind::from_name(c).filter(|k| self.entity(*k).is_some());
            let Some(child) = child else {
                return Err(self.invalid(format!("{} names \"{c}\": no such entity here", at("counts"))));
            };
            let ce = self.entity(child).expect("an entity it has");
            if self.counting_column(kind, child).is_none() || ce.table.is_none() || ce.json_array.is_some() {
                return Err(self.invalid(format!(
                    "{} names \"{c}\", whose rows are not rows of a table under [{kind}] (neither its parent column nor a listed_under column points here)",
                    at("counts")
                )));
            }
        }
        for sum in &e.sums {
            let under = sum_parts(sum).filter(|(child, _)| {
                self.counting_column(kind, *child).is_some()
                    && self.entity(*child).is_some_and(|ce| ce.table.is_some() && ce.json_array.is_none())
            });
            if under.is_none() {
                return Err(self.invalid(format!(
                    "{} names \"{sum}\": it takes \"entity.column\", a column of an entity whose rows are rows of \
                     a table under [{kind}]",
                    at("sums")
                )));
            }
        }
        // One name once: each is a filter key and a field of an export.
        for (field, list) in [("columns", &e.shown), ("counts", &e.counts), ("sums", &e.sums)] {
            if let Some(twice) = list.iter().enumerate().find_map(|(j, c)| list[..j].contains(c).then_some(c)) {
                return Err(self.invalid(format!("[{kind}] {field} names \"{twice}\" twice")));
            }
        }
        let extras = e.shown.len() + e.counts.len() + e.sums.len();
        if extras > MAX_SHOWN {
            return Err(self.invalid(format!(
                "[{kind}] columns, counts and sums name {extras} columns; a list shows at most {MAX_SHOWN} beside its title"
            )));
        }
        for (other, column) in &e.listed_under {
            let target = Kind::from_name(other).and_then(|k| self.entity(k));
            if e.table.is_none() || e.json_array.is_some() || kind == Kind::RateLimit {
                return Err(self.invalid(format!("{} is for rows of a table of their own", at("listed_under"))));
            }
            if !target.is_some_and(|t| t.table.is_some() && t.id.is_some() && t.json_array.is_none()) {
                return Err(self.invalid(format!(
                    "{} {other} = \"{column}\": no such entity here with a table and an id",
                    at("listed_under")
                )));
            }
            if Kind::from_name(other) == self.parent_of(kind) {
                return Err(self.invalid(format!("{} {other}: that is its parent already", at("listed_under"))));
            }
        }
        if !e.words.is_empty() && (e.derived_from.is_some() || e.json_array.is_some() || kind == Kind::RateLimit) {
            return Err(self.invalid(format!("{} is for rows of a table of their own", at("words"))));
        }
        if !e.shown.is_empty() || !e.counts.is_empty() || !e.sums.is_empty() {
            // A derived entity's rows are only ids; an array's elements
            // have no columns; a rate limit's list is its key and value.
            let why = if e.derived_from.is_some() {
                Some("its rows are the distinct ids of another table, with no columns of their own")
            } else if e.json_array.is_some() {
                Some("its rows are elements of a JSON array, with no columns")
            } else if kind == Kind::RateLimit {
                Some("a rate limit's list is its key, value and description")
            } else if kind == Kind::Message {
                Some("messages are read as a conversation: who, what and when")
            } else {
                None
            };
            if let Some(why) = why {
                let field = if !e.shown.is_empty() {
                    "columns"
                } else if !e.counts.is_empty() {
                    "counts"
                } else {
                    "sums"
                };
                return Err(self.invalid(format!("{} is not for [{kind}]: {why}", at(field))));
            }
        }
        if e.json_array.is_some() && e.derived_from.is_some() {
            return Err(self.invalid(format!("[{kind}] json_array needs a table of its own, not derived_from")));
        }
        if e.json_array.is_some() {
            for (field, ok) in
                [("parent", e.parent.is_some()), ("json_path", e.json_path.is_some()), ("latest", e.latest.is_some())]
            {
                if !ok {
                    return Err(self.invalid(format!("{} is missing (json_array needs it)", at(field))));
                }
            }
            for (field, path) in [("json_path", &e.json_path), ("role", &e.role), ("content", &e.content)] {
                if let Some(p) = path
                    && !p.split('.').all(|k| !k.is_empty() && k.chars().all(|c| c.is_ascii_alphanumeric() || c == '_'))
                {
                    return Err(self.invalid(format!("{} = \"{p}\" is not a dotted path of plain keys", at(field))));
                }
            }
        } else if e.json_path.is_some() || e.latest.is_some() {
            return Err(self.invalid(format!("[{kind}] json_path and latest go with json_array")));
        }
        if e.dimension.is_some() && e.embedding.is_none() {
            return Err(self.invalid(format!("[{kind}] dimension goes with embedding (the size of its vectors)")));
        }
        let needs: &[(&str, bool)] = match kind {
            Kind::Message => &[
                ("content", e.content.is_some()),
                ("order", !e.order.is_empty() || e.json_array.is_some()),
                ("parent", e.parent.is_some()),
            ],
            Kind::Chunk => &[("content", e.content.is_some()), ("embedding", e.embedding.is_some())],
            Kind::Memory => &[("content", e.content.is_some())],
            Kind::RateLimit => &[("key", e.key.is_some()), ("value", e.value.is_some())],
            _ => &[],
        };
        if let Some((field, _)) = needs.iter().find(|(_, ok)| !ok) {
            return Err(self.invalid(format!("{} is missing", at(field))));
        }

        Ok(())
    }

    /// Every (table, column) this layout reads, with where it says so.
    pub fn references(&self) -> Vec<Reference> {
        let mut out = Vec::new();
        for kind in self.kinds() {
            let e = self.entity(kind).expect("a kind it has");
            let table = match (&e.table, &e.derived_from) {
                (Some(t), _) => Table::parse(t),
                (None, Some(from)) => {
                    // A derived entity's columns are its source's.
                    match Kind::from_name(from).and_then(|k| self.entity(k)).and_then(|s| s.table.as_ref()) {
                        Some(t) => Table::parse(t),
                        None => continue,
                    }
                }
                (None, None) => continue,
            };
            out.push(Reference { kind, field: "table", table: table.clone(), column: None, vector: false });
            for (field, column) in e.columns() {
                out.push(Reference {
                    kind,
                    field,
                    table: table.clone(),
                    column: Some(column.to_string()),
                    vector: field == "embedding",
                });
            }
        }
        out
    }
}

/// One column a list shows beside the title, in the order of a row's
/// cells: the entity's `columns`, then its `counts`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Extra<'a> {
    /// A column of its table.
    Column(&'a str),
    /// How many rows of this entity are under the row.
    Count(Kind),
    /// The total of this entity's column over its rows under the row.
    Sum(Kind, &'a str),
}

impl Entity {
    /// A conversation with no status of its own but an end: its state is
    /// read from that, open or ended (004's conversations).
    pub fn state_from_end(&self) -> Option<&str> {
        self.ended_at.as_deref().filter(|_| self.status.is_none() && self.value.is_none())
    }

    /// What its list shows beside the title, in order (a checked layout's
    /// counts name entities).
    pub fn extras(&self) -> Vec<Extra<'_>> {
        let columns = self.shown.iter().map(|c| Extra::Column(c.as_str()));
        let sums = self.sums.iter().filter_map(|s| sum_parts(s)).map(|(k, c)| Extra::Sum(k, c));
        columns.chain(self.counts.iter().filter_map(|c| Kind::from_name(c)).map(Extra::Count)).chain(sums).collect()
    }

    /// The columns a filter's free words match: `words`, else the title
    /// and the text.
    pub fn word_columns(&self) -> Vec<&str> {
        if self.words.is_empty() {
            [&self.title, &self.title_else, &self.content].into_iter().flatten().map(String::as_str).collect()
        } else {
            self.words.iter().map(String::as_str).collect()
        }
    }

    /// The columns it names, with the field naming each.
    pub fn columns(&self) -> Vec<(&'static str, &str)> {
        let json = self.json_array.is_some();
        let single = [
            ("id", &self.id),
            ("parent", &self.parent),
            ("title", &self.title),
            ("title_else", &self.title_else),
            ("created_at", &self.created_at),
            ("status", &self.status),
            ("role", &self.role),
            ("content", &self.content),
            ("embedding", &self.embedding),
            ("dimension", &self.dimension),
            ("key", &self.key),
            ("value", &self.value),
            ("description", &self.description),
            ("updated_at", &self.updated_at),
            ("ended_at", &self.ended_at),
            ("deleted_at", &self.deleted_at),
            ("metadata", &self.metadata),
            ("token_count", &self.token_count),
        ];
        let mut out: Vec<(&'static str, &str)> = single
            .into_iter()
            // In a JSON array's elements, role and content are paths, not columns.
            .filter(|(f, _)| !(json && (*f == "role" || *f == "content")))
            .filter_map(|(f, v)| v.as_deref().map(|v| (f, v)))
            .collect();
        out.extend(self.order.iter().map(|c| ("order", c.as_str())));
        out.extend(self.shown.iter().map(|c| ("columns", c.as_str())));
        out.extend(self.words.iter().map(|c| ("words", c.as_str())));
        out.extend(self.listed_under.values().map(|c| ("listed_under", c.as_str())));
        out.extend(self.title_from.as_ref().map(|t| ("title_from", t.column.as_str())));
        out.extend(self.json_array.as_deref().map(|c| ("json_array", c)));
        out.extend(self.latest.as_deref().map(|c| ("latest", c)));
        out
    }
}

/// One table or column a layout reads.
#[derive(Debug, Clone, PartialEq)]
pub struct Reference {
    pub kind: Kind,
    pub field: &'static str,
    pub table: Table,
    /// `None`: the table itself.
    pub column: Option<String>,
    /// The column must be a pgvector `vector`.
    pub vector: bool,
}

impl fmt::Display for Reference {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.column {
            None => write!(f, "table {} ([{}] table)", self.table, self.kind),
            Some(c) => write!(f, "column {}.{} ([{}] {})", self.table, c, self.kind, self.field),
        }
    }
}

/// The tables and columns of a database (`db::catalog` reads it).
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Catalog {
    /// table → column → what it is.
    pub tables: BTreeMap<Table, BTreeMap<String, Column>>,
    /// table → the column sets of its primary key and unique indexes (of
    /// columns, without a predicate): what makes a row's key unique.
    pub unique_keys: BTreeMap<Table, Vec<Vec<String>>>,
    /// table → the key columns of its btree indexes without a predicate,
    /// in index order: which lists a page reads as a range.
    pub btree_indexes: BTreeMap<Table, Vec<Vec<String>>>,
    /// table → the planner's estimate of its rows (`reltuples`; -1 before
    /// the first ANALYZE).
    pub estimated_rows: BTreeMap<Table, i64>,
}

/// One column of the catalog.
#[derive(Debug, Clone, PartialEq)]
pub struct Column {
    /// `udt_name`: `uuid`, `text`, `int4`, `timestamptz`, `vector`, `_text`…
    pub udt: String,
    /// The schema that type lives in (`pg_catalog` for built-ins;
    /// `extensions` for Supabase's pgvector, an enum's own schema).
    pub udt_schema: String,
    pub nullable: bool,
    pub has_default: bool,
    /// Its position in the table (1-based), for a stable order.
    pub position: i32,
    /// A `vector(n)` column's `n`.
    pub dim: Option<usize>,
    /// The access method of an index on this column alone (`hnsw`,
    /// `ivfflat`, `btree`…), when it has one.
    pub index: Option<String>,
    /// That index's operator class (`vector_cosine_ops`, `vector_l2_ops`…):
    /// which distance it can serve.
    pub index_ops: Option<String>,
    /// That index is on the column cast to one size (`(embedding)::vector(384)`,
    /// one of several): a search walks it only where the layout names the
    /// rows' `dimension` (and so casts as it does).
    pub index_on_size: bool,
    /// A primary key or unique index holds this column alone: it can end a
    /// keyset order (rows never tie on it).
    pub unique: bool,
    /// Some index starts with this column: a list narrowed by it (a
    /// parent's rows, or those with none) is an index range, not a scan.
    pub leads_index: bool,
    /// The only values it may hold, where the schema says so (an enum's
    /// labels, or a CHECK of this column alone `= ANY (ARRAY[...])`, as
    /// `IN (...)` is kept); empty: any value of its type.
    pub values: Vec<String>,
}

impl Column {
    /// Its type as SQL names it, quoted: a type of another schema (an enum,
    /// a domain, Supabase's `extensions.vector`) with its schema, which
    /// need not be on the search path.
    pub fn type_sql(&self) -> String {
        match self.udt_schema.as_str() {
            "pg_catalog" | "" => quote_ident(&self.udt),
            schema => format!("{}.{}", quote_ident(schema), quote_ident(&self.udt)),
        }
    }

    /// A column of `udt`, nullable, without default (for tests).
    pub fn of(udt: &str) -> Column {
        Column {
            udt: udt.into(),
            udt_schema: "pg_catalog".into(),
            nullable: true,
            has_default: false,
            position: 0,
            dim: None,
            index: None,
            index_ops: None,
            index_on_size: false,
            unique: false,
            leads_index: false,
            values: Vec::new(),
        }
    }
}

impl Catalog {
    pub fn column(&self, table: &Table, column: &str) -> Option<&Column> {
        self.tables.get(table)?.get(column)
    }

    /// Do `columns` together hold a unique key of `table` (a primary key or
    /// unique index whose columns are all among them), with no NULL in it
    /// but in `filtered` (a column a list fixes to one value)? A unique
    /// index lets NULLs repeat, and a keyset cannot step past a NULL.
    pub fn unique(&self, table: &Table, columns: &[&str], filtered: Option<&str>) -> bool {
        let Some(t) = self.tables.get(table) else { return false };
        let not_null = |c: &str| Some(c) == filtered || t.get(c).is_some_and(|c| !c.nullable);
        columns.iter().any(|c| t.get(*c).is_some_and(|col| col.unique) && not_null(c))
            || self.unique_keys.get(table).is_some_and(|keys| {
                keys.iter()
                    .any(|k| !k.is_empty() && k.iter().all(|c| columns.contains(&c.as_str()) && not_null(c.as_str())))
            })
    }
}

impl Catalog {
    /// Why `r` does not hold in this database, or `None` when it does.
    pub fn missing(&self, r: &Reference) -> Option<String> {
        let Some(columns) = self.tables.get(&r.table) else {
            return Some(format!("no table {} (named by [{}])", r.table, r.kind));
        };
        let column = r.column.as_ref()?;
        match columns.get(column) {
            None => Some(format!(
                "table {} has no column \"{column}\" (named by [{}] {}; it has: {})",
                r.table,
                r.kind,
                r.field,
                columns.keys().cloned().collect::<Vec<_>>().join(", ")
            )),
            Some(c) if r.field == "json_array" && c.udt != "jsonb" && c.udt != "json" => {
                Some(format!("column {}.{column} is {}, not jsonb (named by [{}] json_array)", r.table, c.udt, r.kind))
            }
            Some(c)
                if matches!(r.field, "updated_at" | "ended_at" | "created_at")
                    && !matches!(c.udt.as_str(), "timestamptz" | "timestamp" | "date") =>
            {
                Some(format!(
                    "column {}.{column} is {}, not a timestamp (named by [{}] {})",
                    r.table, c.udt, r.kind, r.field
                ))
            }
            Some(c) if r.field == "metadata" && c.udt != "jsonb" && c.udt != "json" => Some(format!(
                "column {}.{column} is {}, not json or jsonb (named by [{}] metadata)",
                r.table, c.udt, r.kind
            )),
            Some(c)
                if matches!(r.field, "token_count" | "dimension")
                    && !matches!(c.udt.as_str(), "int2" | "int4" | "int8") =>
            {
                Some(format!(
                    "column {}.{column} is {}, not an integer (named by [{}] {})",
                    r.table, c.udt, r.kind, r.field
                ))
            }
            Some(c) if r.vector && c.udt != "vector" => Some(format!(
                "column {}.{column} is {}, not a vector (named by [{}] embedding)",
                r.table, c.udt, r.kind
            )),
            Some(_) => None,
        }
    }
}

/// How well one layout fits a database.
#[derive(Debug, Clone, PartialEq)]
pub struct Fit {
    pub layout: String,
    pub seed: Option<String>,
    pub present: usize,
    pub total: usize,
    /// What the database lacks, one line each (empty: a full match).
    pub missing: Vec<String>,
}

impl Fit {
    pub fn full(&self) -> bool {
        self.missing.is_empty()
    }
}

/// Checks `layout` against `catalog`: every table and column it names.
pub fn fit(layout: &Layout, catalog: &Catalog) -> Fit {
    // A built-in layout's list extras are not what makes a platform its own.
    let refs: Vec<Reference> = layout
        .references()
        .into_iter()
        .filter(|r| !(layout.built_in && matches!(r.field, "columns" | "words")))
        .collect();
    let misses: Vec<String> = refs.iter().filter_map(|r| catalog.missing(r)).collect();
    // A missing table is said once, not once per column it would hold.
    let mut missing: Vec<String> = Vec::new();
    for m in &misses {
        if !missing.contains(m) {
            missing.push(m.clone());
        }
    }
    Fit {
        layout: layout.name.clone(),
        seed: layout.seed.clone(),
        present: refs.len() - misses.len(),
        total: refs.len(),
        missing,
    }
}

impl Layout {
    /// A built-in layout's list extras this database cannot serve, taken
    /// out: a shown column it lacks (or a vector or bytes, nothing to
    /// read), a count whose rows no index finds by their parent. What was
    /// dropped is returned, said as `doctor` says it.
    pub fn drop_unavailable_extras(&mut self, catalog: &Catalog) -> Vec<String> {
        let mut dropped = Vec::new();
        let kinds: Vec<Kind> = self.kinds().collect();
        for kind in kinds {
            let counted_index: Vec<(String, bool)> = self
                .entity(kind)
                .expect("a kind it has")
                .counts
                .iter()
                .map(|c| (c.clone(), Kind::from_name(c).is_some_and(|ck| self.counted_by_index(kind, ck, catalog))))
                .collect();
            let summed: Vec<(String, bool)> = self
                .entity(kind)
                .expect("a kind it has")
                .sums
                .iter()
                .map(|s| (s.clone(), self.summable(kind, s, catalog).is_ok()))
                .collect();
            let e = self.entity_mut(kind).expect("a kind it has");
            let Some(table) = e.table.as_deref().map(Table::parse) else { continue };
            e.sums.retain(|s| {
                let ok = summed.iter().any(|(n, fine)| n == s && *fine);
                if !ok {
                    dropped.push(format!("[{kind}] sum of {s}"));
                }
                ok
            });
            // A column shown or matched by words, where it is there as text.
            for (columns, what) in [(&mut e.shown, "column"), (&mut e.words, "words of")] {
                columns.retain(|c| {
                    let ok = catalog.column(&table, c).is_some_and(|col| !unreadable_in_a_list(&col.udt));
                    if !ok {
                        dropped.push(format!("[{kind}] {what} {c}"));
                    }
                    ok
                });
            }
            e.counts.retain(|c| {
                let ok = counted_index.iter().any(|(n, indexed)| n == c && *indexed);
                if !ok {
                    dropped.push(format!("[{kind}] count of {c}"));
                }
                ok
            });
        }
        dropped
    }

    /// Can a list total `sum` ("entity.column") for each row: the column is
    /// a number of that entity's table, whose rows an index finds by their
    /// parent? If not, why not (said as the layout's error says it).
    pub fn summable(&self, kind: Kind, sum: &str, catalog: &Catalog) -> Result<(), String> {
        let Some((child, column)) = sum_parts(sum) else { return Err(format!("\"{sum}\" is not entity.column")) };
        let Some(ce) = self.entity(child) else { return Err(format!("no [{child}] here")) };
        let (Some(t), Some(p)) = (ce.table.as_deref(), self.counting_column(kind, child)) else {
            return Err(format!("[{child}] has no table and column holding [{kind}]'s id"));
        };
        let table = Table::parse(t);
        match catalog.column(&table, column).map(|c| c.udt.as_str()) {
            None => return Err(format!("{table} has no column {column}")),
            Some("int2" | "int4" | "int8" | "numeric" | "float4" | "float8") => {}
            Some(udt) => return Err(format!("{table}.{column} is {udt}, not a number")),
        }
        if !self.counted_by_index(kind, child, catalog) {
            return Err(format!(
                "{table}.{p} has no index: every row of every page would read the whole table \
                 (CREATE INDEX ON {} ({}), or drop the sum)",
                table.quoted(),
                quote_ident(p)
            ));
        }
        Ok(())
    }

    /// The column of `child`'s table that holds the id of a row of `kind`
    /// it is under: its parent column, or the one it is `listed_under` by.
    pub fn counting_column(&self, kind: Kind, child: Kind) -> Option<&str> {
        let ce = self.entity(child)?;
        match self.parent_of(child) == Some(kind) {
            true => ce.parent.as_deref(),
            false => self.listed_by(child, kind),
        }
    }

    /// Does an index find the rows of `child` under a row of `kind` (by
    /// `counting_column`)?
    pub fn counted_by_index(&self, kind: Kind, child: Kind, catalog: &Catalog) -> bool {
        let Some(ce) = self.entity(child) else { return false };
        let (Some(t), Some(p)) = (ce.table.as_deref(), self.counting_column(kind, child)) else { return false };
        catalog.column(&Table::parse(t), p).is_some_and(|c| c.leads_index)
    }

    pub fn entity_mut(&mut self, kind: Kind) -> Option<&mut Entity> {
        match kind {
            Kind::Tenant => self.tenant.as_mut(),
            Kind::Demo => self.demo.as_mut(),
            Kind::Lead => self.lead.as_mut(),
            Kind::Session => self.session.as_mut(),
            Kind::Message => self.message.as_mut(),
            Kind::KnowledgeBase => self.knowledge_base.as_mut(),
            Kind::Document => self.document.as_mut(),
            Kind::Chunk => self.chunk.as_mut(),
            Kind::RateLimit => self.rate_limit.as_mut(),
            Kind::Memory => self.memory.as_mut(),
        }
    }
}

/// An English plural's singular, by its ending ("Memories" → "Memory",
/// "Businesses" → "Business", "Widgets" → "Widget"); a word that is no
/// plural ("Knowledge", "Status") stays as it is. A layout's `one` says
/// otherwise where this is wrong.
pub fn singular(plural: &str) -> String {
    let lower = plural.to_ascii_lowercase();
    // Words whose singular ends in "ie", or that are their own singular.
    const IE: &[&str] = &["movies", "cookies", "zombies", "rookies", "selfies", "ties", "pies", "lies"];
    const SAME: &[&str] = &["series", "species", "news"];
    let last_word = lower.rsplit(' ').next().unwrap_or(&lower);
    let cut = match () {
        _ if SAME.contains(&last_word) => 0,
        _ if IE.contains(&last_word) => 1,
        _ if lower.ends_with("ies") && plural.len() > 4 => return format!("{}y", &plural[..plural.len() - 3]),
        // "Addresses", "Batches", "Wishes", "Boxes", "Statuses"; but
        // "Caches", "Sizes", "Cases" lose the s alone.
        _ if ["sses", "tches", "shes", "xes", "uses"].iter().any(|e| lower.ends_with(e)) => 2,
        _ if lower.ends_with('s') && !lower.ends_with("ss") && !lower.ends_with("us") => 1,
        _ => 0,
    };
    plural[..plural.len() - cut].to_string()
}

/// Do two column types hold the same ids, whatever their width (int4 and
/// int8, text and varchar)? One may be cast to the other's type.
pub fn same_id_family(a: &str, b: &str) -> bool {
    let family = |u: &str| match u {
        "int2" | "int4" | "int8" => "integer",
        "text" | "varchar" | "bpchar" => "text",
        _ => "",
    };
    a == b || (!family(a).is_empty() && family(a) == family(b))
}

/// A `sums` entry (`"message.token_count"`) as the entity and its column.
pub fn sum_parts(sum: &str) -> Option<(Kind, &str)> {
    let (entity, column) = sum.split_once('.')?;
    Some((Kind::from_name(entity)?, column)).filter(|(_, c)| !c.is_empty())
}

/// Types a list column cannot show: a vector or raw bytes.
pub fn unreadable_in_a_list(udt: &str) -> bool {
    matches!(udt, "vector" | "bytea" | "halfvec" | "sparsevec")
}

/// Which built-in layout a database follows: every fit, best first, and
/// the chosen one (the full match that names the most; `None` when none
/// matches fully).
pub fn detect(catalog: &Catalog) -> (Option<Layout>, Vec<Fit>) {
    let layouts = built_in();
    let mut fits: Vec<(Fit, Layout)> = layouts.into_iter().map(|l| (fit(&l, catalog), l)).collect();
    fits.sort_by(|(a, _), (b, _)| {
        b.full().cmp(&a.full()).then(b.present.cmp(&a.present)).then(a.missing.len().cmp(&b.missing.len()))
    });
    let chosen = fits.first().filter(|(f, _)| f.full()).map(|(_, l)| l.clone());
    (chosen, fits.into_iter().map(|(f, _)| f).collect())
}

/// The built-in layouts, parsed and checked (a broken one is a bug: the
/// unit tests parse them all).
pub fn built_in() -> Vec<Layout> {
    BUILT_IN.iter().map(|(name, text)| built_in_layout(name, text).expect("built-in layouts are valid")).collect()
}

fn built_in_layout(name: &str, text: &str) -> Result<Layout, LayoutError> {
    Ok(Layout { built_in: true, ..parse(text, name)? })
}

/// Parses and checks one layout's TOML; `origin` names it in errors.
pub fn parse(text: &str, origin: &str) -> Result<Layout, LayoutError> {
    let layout: Layout =
        toml::from_str(text).map_err(|e| LayoutError::File { path: origin.into(), message: e.to_string() })?;
    layout.check()?;
    Ok(layout)
}

/// A built-in layout by name, or a user's layout file by path.
pub fn load(spec: &str) -> Result<Layout, LayoutError> {
    if let Some((_, text)) = BUILT_IN.iter().find(|(n, _)| *n == spec) {
        return built_in_layout(spec, text);
    }
    if spec.ends_with(".toml") || spec.contains('/') {
        let text = std::fs::read_to_string(spec)
            .map_err(|e| LayoutError::File { path: spec.into(), message: e.to_string() })?;
        return parse(&text, spec);
    }
    Err(LayoutError::Unknown(spec.into()))
}

/// The DDL of a foreign built-in layout's schema.
pub fn ddl(layout: &str) -> Option<&'static str> {
    DDL.iter().find(|(n, _)| *n == layout).map(|(_, sql)| *sql)
}

#[cfg(test)]
mod tests;
