//! Reading any schema through its layout: pages of an entity's rows under a
//! parent, keyset-paged on the layout's order columns (never OFFSET, never
//! a whole table), ids of any type carried as text. The SQL is built from
//! the layout's identifiers, quoted, and from nothing else; values are
//! bound, cast to the column's own type so its indexes serve the query.
//!
//! Lists are newest first; messages and chunks are in their own order
//! (oldest first, by position). A derived entity (001's conversations, the
//! distinct `conversation_id`s of its messages) is walked with a skip scan
//! over the parent column's index: one index probe per row shown.

use chrono::{DateTime, Utc};
use sqlx::{PgConnection, Postgres, QueryBuilder};

use super::{DbError, Result};
use crate::schema::{COUNT_CAP, Catalog, Entity, Kind, Layout, Table, quote_ident};

/// A layout checked against one database: every name it uses exists there,
/// with the types recorded for casts.
#[derive(Debug, Clone)]
pub struct Mapped {
    pub layout: Layout,
    catalog: Catalog,
    /// Entities whose order is unique only within a parent (a message's
    /// (session, position) key): listed under a parent, never across.
    within_parent: std::collections::BTreeSet<Kind>,
    /// A built-in layout's list extras this database could not serve, left
    /// out (`doctor` says which).
    pub dropped_extras: Vec<String>,
}

/// What the console's entity tabs read through: a layout checked against
/// the database at connect, or ours, checked when the database first
/// answers (a console started while the server was down).
#[derive(Debug, Clone)]
pub enum Lists {
    Checked(std::sync::Arc<Mapped>),
    Ours(std::sync::Arc<tokio::sync::OnceCell<std::sync::Arc<Mapped>>>),
}

impl Lists {
    /// Ours, to be checked when the database answers.
    pub fn ours() -> Lists {
        Lists::Ours(Default::default())
    }

    /// The checked layout (ours checked now, once).
    pub async fn mapped(&self, conn: &mut PgConnection) -> Result<std::sync::Arc<Mapped>> {
        match self {
            Lists::Checked(m) => Ok(m.clone()),
            Lists::Ours(checked) => checked
                .get_or_try_init(|| async {
                    let ours = crate::schema::load("native").map_err(|e| DbError::Invalid(e.to_string()))?;
                    let catalog = super::catalog::read(conn).await?;
                    let mapped = Mapped::new(ours, catalog).map_err(|e| {
                        DbError::Invalid(format!("{e} (`ragdesk doctor` says what this database needs)"))
                    })?;
                    // The tabs were drawn for our whole layout: a column it
                    // lacks would put values under another's heading.
                    if !mapped.dropped_extras.is_empty() {
                        return Err(DbError::Invalid(format!(
                            "this database lacks columns of ours ({}): run `ragdesk migrate`",
                            mapped.dropped_extras.join(", ")
                        )));
                    }
                    Ok(std::sync::Arc::new(mapped))
                })
                .await
                .cloned(),
        }
    }
}

/// A row read whole: every column (but vectors and bytes) and its value,
/// in the table's order.
pub type Fields = Vec<(String, serde_json::Value)>;

/// What a row read whole says in place of a column that may hold a
/// secret (its value is never read).
pub const HIDDEN: &str = "(not read: it may hold a secret)";

/// Replaces, at any depth of a JSON value, what a key that may name a
/// secret holds (`{"api_key": …}`) with [`HIDDEN`].
pub fn hide_secrets(value: &mut serde_json::Value) {
    match value {
        serde_json::Value::Object(map) => {
            for (k, v) in map.iter_mut() {
                if may_be_secret(k) {
                    *v = serde_json::Value::String(HIDDEN.into());
                } else {
                    hide_secrets(v);
                }
            }
        }
        serde_json::Value::Array(items) => items.iter_mut().for_each(hide_secrets),
        _ => {}
    }
}

/// Does a column's name say it may hold a secret (a password, a token, a
/// key, credentials)? A count of tokens does not.
pub fn may_be_secret(column: &str) -> bool {
    // In words of snake case, whatever the name's case (`accessToken`).
    let mut c = String::with_capacity(column.len() + 4);
    for (i, ch) in column.chars().enumerate() {
        if ch.is_ascii_uppercase() && i > 0 {
            c.push('_');
        }
        c.push(ch.to_ascii_lowercase());
    }
    ["password", "passwd", "secret", "credential", "api_key", "apikey", "private_key", "access_key", "encrypted"]
        .iter()
        .any(|w| c.contains(w))
        || c == "token"
        || c.ends_with("_token")
        || c == "key"
        || c.ends_with("_key")
        // A hash of a secret (a token's, a reset code's); a content hash is not.
        || (c.ends_with("_hash") && !matches!(c.as_str(), "content_hash" | "file_hash" | "chunk_hash" | "text_hash"))
}

/// One row of any entity, as the console shows it.
#[derive(Debug, Clone, Default, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct MappedRow {
    pub id: String,
    pub title: Option<String>,
    pub status: Option<String>,
    pub created_at: Option<DateTime<Utc>>,
    /// Messages: who spoke and what was said. Chunks: the text.
    pub role: Option<String>,
    pub content: Option<String>,
    /// Messages: what the platform keeps beside the text, and the tokens
    /// it took, where the layout maps them.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub metadata: Option<serde_json::Value>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub token_count: Option<i64>,
    /// Where the row is in its order (the order columns as text; `None` for
    /// NULL): pass it back as `after` for the next page.
    pub key: Vec<Option<String>>,
    /// What its list shows beside the title (`Entity::extras`): the values
    /// of the entity's `columns`, then its `counts`, then its `sums`, as text.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub cells: Vec<Option<String>>,
    /// The title of the row it is under, when its list is not under one
    /// row (every session: which demo each is of).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub parent_title: Option<String>,
    /// When a conversation ended, where the layout maps it (`None`: open).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ended_at: Option<DateTime<Utc>>,
}

/// What `Mapped::row_extras` reads of a row beyond `MappedRow`.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct RowExtras {
    pub parent: Option<String>,
    pub title: Option<String>,
    /// Its other name (`title_else`: a lead's e-mail) where the title is
    /// another one (its display name).
    pub other_name: Option<String>,
    pub at: Option<DateTime<Utc>>,
    /// The row it is `listed_under` by the column asked for (a session's lead).
    pub listed_by: Option<String>,
}

/// A page and where the next one starts (`None`: the end).
#[derive(Debug, Clone, PartialEq)]
pub struct MappedPage {
    pub rows: Vec<MappedRow>,
    pub next: Option<Vec<Option<String>>>,
}

/// Which rows of an entity a list shows.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Under {
    /// Every row (a list at the top).
    All,
    /// The rows under one parent row (its id, as text).
    Row(String),
    /// The rows whose parent column is NULL, under no parent at all (002's
    /// chat sessions without a project): reachable from the top.
    Nothing,
    /// The rows under any child of one row (its id, as text): a
    /// workspace's chat sessions across its projects, a tenant's sessions
    /// across its demos.
    Grandparent(String),
    /// The rows a row of another entity lists besides their parent's
    /// (`listed_under`): a lead's sessions.
    Via(Kind, String),
}

impl Under {
    pub fn of(parent: Option<&str>) -> Under {
        parent.map_or(Under::All, |p| Under::Row(p.to_string()))
    }

    pub fn row(&self) -> Option<&str> {
        match self {
            Under::Row(p) => Some(p),
            Under::All | Under::Nothing | Under::Grandparent(_) | Under::Via(..) => None,
        }
    }
}

impl Mapped {
    /// Fails with the first missing table or column, or an order this
    /// reader cannot page on.
    pub fn new(mut layout: Layout, catalog: Catalog) -> Result<Mapped> {
        let fit = crate::schema::fit(&layout, &catalog);
        let dropped_extras = if layout.built_in { layout.drop_unavailable_extras(&catalog) } else { Vec::new() };
        if let Some(first) = fit.missing.first() {
            return Err(DbError::Invalid(format!("layout '{}' does not fit this database: {first}", layout.name)));
        }
        let mut within_parent = std::collections::BTreeSet::new();
        for kind in layout.kinds() {
            let e = layout.entity(kind).expect("a kind it has");
            let Some(table) = e.table.as_deref().map(Table::parse) else { continue };
            if e.order.len() > 2 {
                return Err(DbError::Invalid(format!(
                    "layout '{}': [{kind}] order has {} columns; use one or two (a sort column, then a unique one)",
                    layout.name,
                    e.order.len()
                )));
            }
            // Keyset pages start strictly after the last row's key: rows
            // that tie on it all would be skipped. Unique alone, or with
            // the parent column (lists are under a parent). (A JSON array's
            // elements are ordered by their position instead.)
            // A rate limit is found and written by its key: that must be unique.
            if let (Kind::RateLimit, Some(key)) = (kind, e.key.as_deref()) {
                if !catalog.unique(&table, &[key], None) {
                    return Err(DbError::Invalid(format!(
                        "layout '{}': [rate_limit] key = \"{key}\" must be unique and NOT NULL in {table} (a \
                         primary key or unique index on it alone): a limit is found and written by its key",
                        layout.name
                    )));
                }
                continue;
            }
            let last = e.order.last().or(e.id.as_ref()).or(e.key.as_ref());
            if let (None, Some(last)) = (&e.json_array, last) {
                if catalog.unique(&table, &[last.as_str()], None) {
                    continue;
                }
                if let Some(p) = e.parent.as_deref().filter(|p| catalog.unique(&table, &[p, last.as_str()], Some(p))) {
                    tracing::debug!(layout = %layout.name, %kind, parent = p, "order unique within its parent");
                    within_parent.insert(kind);
                    continue;
                }
                let first = e.order.first().or(e.created_at.as_ref()).unwrap_or(last);
                let unique = e.id.as_deref().or(e.key.as_deref()).unwrap_or("id");
                let hint =
                    if first == unique { format!("[\"{unique}\"]") } else { format!("[\"{first}\", \"{unique}\"]") };
                return Err(DbError::Invalid(format!(
                    "layout '{}': [{kind}] is paged on {table}.{last}, which no primary key or unique index \
                     holds alone (or with its parent column): rows that tie on it would be skipped. End its \
                     order with a unique column (order = {hint})",
                    layout.name
                )));
            }
        }
        // A count reads a range of the child's index on its parent column
        // for every row of every page: without one it would read the
        // child's whole table as many times. A shown column must be
        // something a list can show.
        for kind in layout.kinds() {
            let e = layout.entity(kind).expect("a kind it has");
            // A column shown or matched by words is one a list can read as text.
            if let Some(table) = e.table.as_deref().map(Table::parse) {
                let named = e.shown.iter().map(|c| (c, "columns", "nothing a list can show"));
                for (c, field, why) in named.chain(e.words.iter().map(|c| (c, "words", "no words to match"))) {
                    let udt = catalog.column(&table, c).map(|col| col.udt.as_str()).unwrap_or("text");
                    if crate::schema::unreadable_in_a_list(udt) {
                        return Err(DbError::Invalid(format!(
                            "layout '{}': [{kind}] {field} names {table}.{c}, a {udt}: {why}",
                            layout.name
                        )));
                    }
                }
            }
            for sum in &e.sums {
                if let Err(why) = layout.summable(kind, sum, &catalog) {
                    return Err(DbError::Invalid(format!(
                        "layout '{}': [{kind}] sums = \"{sum}\": {why}",
                        layout.name
                    )));
                }
            }
            for child in &e.counts {
                let ck = Kind::from_name(child).expect("checked layout");
                let ce = layout.entity(ck).expect("checked layout");
                let (Some(t), Some(p)) = (ce.table.as_deref(), layout.counting_column(kind, ck)) else { continue };
                let table = Table::parse(t);
                if !layout.counted_by_index(kind, ck, &catalog) {
                    return Err(DbError::Invalid(format!(
                        "layout '{}': [{kind}] counts = \"{child}\" needs an index on {table}.{p}, which has none: \
                         every row of every page would read the whole table (CREATE INDEX ON {} ({}), or drop the count)",
                        layout.name,
                        table.quoted(),
                        quote_ident(p)
                    )));
                }
            }
        }
        // Only where limits are written: a value read as a whole number but
        // stored otherwise would be shown, expected and written wrong.
        if let Some(e) = layout.rate_limit.as_ref().filter(|_| layout.writes(Kind::RateLimit))
            && let (Some(t), Some(v)) = (e.table.as_deref(), e.value.as_deref())
        {
            let table = Table::parse(t);
            let udt = catalog.column(&table, v).map(|c| c.udt.as_str()).unwrap_or("?");
            if !matches!(udt, "int2" | "int4" | "int8") {
                return Err(DbError::Invalid(format!(
                    "layout '{}': [rate_limit] value = \"{v}\" is {udt} in {table}; a limit is a whole number \
                         (an integer column)",
                    layout.name
                )));
            }
        }
        // A key or a column naming another entity's row by its id (a limit's
        // `key_entity`, a row's `title_from`): of one type with that id, or
        // every read of the list would fail on a value that is no such id.
        // (And a column listing rows under another's, `listed_under`.)
        let references = layout.kinds().flat_map(|kind| {
            let e = layout.entity(kind).expect("a kind it has");
            let Some(table) = e.table.as_deref() else { return Vec::new() };
            let mut named: Vec<(Kind, &str, &str, &str, &str)> = match (&e.key_entity, &e.key, &e.title_from) {
                (Some(named), Some(k), _) => vec![(kind, "key_entity", table, k.as_str(), named.as_str())],
                (_, _, Some(from)) => vec![(kind, "title_from", table, from.column.as_str(), from.entity.as_str())],
                _ => Vec::new(),
            };
            named.extend(
                e.listed_under.iter().map(|(other, c)| (kind, "listed_under", table, c.as_str(), other.as_str())),
            );
            named
        });
        for (kind, field, table, column, named) in references {
            let n = Kind::from_name(named).and_then(|k| layout.entity(k)).expect("checked layout");
            let (nt, id) =
                (Table::parse(n.table.as_deref().expect("checked layout")), n.id.as_deref().expect("checked layout"));
            let udt = |t: &Table, c: &str| catalog.column(t, c).map(|c| c.udt.clone()).unwrap_or_default();
            let (held, id_type) = (udt(&Table::parse(table), column), udt(&nt, id));
            if !crate::schema::same_id_family(&held, &id_type) {
                let what = if field == "key_entity" { "key" } else { "column" };
                return Err(DbError::Invalid(format!(
                    "layout '{}': [{kind}] {field} = \"{named}\": the {what} {column} is {held}, the id {nt}.{id} \
                     is {id_type}; they must be of one type",
                    layout.name
                )));
            }
        }
        if !dropped_extras.is_empty() {
            tracing::info!(layout = %layout.name, ?dropped_extras, "list extras this database lacks, left out");
        }
        Ok(Mapped { layout, catalog, within_parent, dropped_extras })
    }

    /// The layout a database is read through: `asked` when given (checked
    /// against the catalog), else the built-in layout the catalog matches
    /// when that is another platform's. `None`: ragdesk's own schema, or a
    /// database no layout fits. Shared by the console and the CLI.
    pub async fn for_database(conn: &mut PgConnection, asked: Option<Layout>) -> Result<Option<Mapped>> {
        let catalog = super::catalog::read(conn).await?;
        let layout = match asked {
            Some(l) => Some(l),
            None => crate::schema::detect(&catalog).0.filter(|l| l.name != "native"),
        };
        layout.map(|l| Mapped::new(l, catalog)).transpose()
    }

    /// The layout the console reads a database through: `asked`, else the
    /// built-in one its catalog matches, ours included (`None`: none fits).
    pub async fn for_console(conn: &mut PgConnection, asked: Option<Layout>) -> Result<Option<Mapped>> {
        let catalog = super::catalog::read(conn).await?;
        let layout = asked.or_else(|| crate::schema::detect(&catalog).0);
        layout.map(|l| Mapped::new(l, catalog)).transpose()
    }

    /// The type of `kind`'s id column (`uuid`, `text`, `int8`…), where it
    /// has one of a table's.
    pub fn id_type(&self, kind: Kind) -> Option<String> {
        let e = self.layout.entity(kind)?;
        let table = Table::parse(e.table.as_deref()?);
        Some(self.catalog.column(&table, e.id.as_deref()?)?.udt.clone())
    }

    pub fn catalog(&self) -> &Catalog {
        &self.catalog
    }

    /// The type of each column a list's filter keys name (its shown
    /// columns, status and id), by entity: what the console checks a typed
    /// value against before anything is sent.
    pub fn key_types(&self) -> std::collections::BTreeMap<(Kind, String), KeyType> {
        let mut types = std::collections::BTreeMap::new();
        for kind in self.layout.kinds() {
            let e = self.layout.entity(kind).expect("a kind it has");
            let Some(table) = e.table.as_deref().map(Table::parse) else { continue };
            for c in e.shown.iter().chain(&e.status).chain(&e.id) {
                if let Some(col) = self.catalog.column(&table, c) {
                    types.insert((kind, c.clone()), KeyType { udt: col.udt.clone(), values: col.values.clone() });
                }
            }
        }
        types
    }

    /// The entities some of whose rows have no parent (a NULL in a nullable
    /// parent column), to list at the top as `Under::Nothing`. Only where
    /// an index starts with that column, so both the check (one probe each)
    /// and the list are index ranges; entities with no such row are left
    /// out, so a schema of nullable keys does not crowd the top.
    pub async fn parentless(&self, conn: &mut PgConnection) -> Result<Vec<Kind>> {
        let mut out = Vec::new();
        for kind in self.layout.kinds() {
            let Some(e) = self.layout.entity(kind) else { continue };
            let (Some(table), Some(p), None) = (e.table.as_deref(), e.parent.as_deref(), &e.json_array) else {
                continue;
            };
            let table = Table::parse(table);
            if self.within_parent.contains(&kind)
                || !self.catalog.column(&table, p).is_some_and(|c| c.nullable && c.leads_index)
            {
                continue;
            }
            let (some,): (bool,) = sqlx::query_as(&format!(
                "SELECT EXISTS (SELECT 1 FROM {} WHERE {} IS NULL)",
                table.quoted(),
                quote_ident(p)
            ))
            .fetch_one(&mut *conn)
            .await?;
            if some {
                out.push(kind);
            }
        }
        Ok(out)
    }

    fn entity(&self, kind: Kind) -> Result<&Entity> {
        self.layout.entity(kind).ok_or_else(|| DbError::Invalid(format!("layout '{}' has no {kind}", self.layout.name)))
    }

    /// Can `column` of `table` hold NULL (unknown columns: assume so)?
    fn nullable(&self, table: &Table, column: &str) -> bool {
        self.catalog.column(table, column).is_none_or(|c| c.nullable)
    }

    /// The SQL type to cast a bound value to for `column` of `table`.
    fn cast(&self, table: &Table, column: &str) -> Result<String> {
        let Some(c) = self.catalog.column(table, column) else { return Ok("text".into()) };
        let udt = c.udt.as_str();
        // udt names are identifiers (int4, timestamptz, uuid…); anything else
        // is not something a cursor can hold.
        if udt.chars().all(|c| c.is_ascii_alphanumeric() || c == '_') && !udt.starts_with('_') {
            Ok(c.type_sql())
        } else {
            Err(DbError::Invalid(format!("{table}.{column} is of type {udt}, which cannot order a list")))
        }
    }

    /// Messages and chunks read in their own order, rate limits by key;
    /// everything else newest first.
    fn ascending(kind: Kind) -> bool {
        matches!(kind, Kind::Message | Kind::Chunk | Kind::RateLimit)
    }

    /// A page of `kind`'s rows, under `parent` when given (the id, as
    /// text), after `after` (a previous row's `key`).
    pub async fn page(
        &self,
        conn: &mut PgConnection,
        kind: Kind,
        parent: Option<&str>,
        after: Option<&[Option<String>]>,
        limit: u32,
    ) -> Result<MappedPage> {
        self.page_filtered(conn, kind, parent, after, limit, "").await
    }

    /// How many rows `kind` has under `parent` (matching `words`), counted up
    /// to `COUNT_CAP` and no further. `None` for a derived list (counting
    /// its distinct values would read them all).
    pub async fn count(
        &self,
        conn: &mut PgConnection,
        kind: Kind,
        parent: Option<&str>,
        words: &str,
    ) -> Result<Option<super::RowCount>> {
        self.count_under(conn, kind, &Under::of(parent), words).await
    }

    /// `count`, of the rows `under` says.
    pub async fn count_under(
        &self,
        conn: &mut PgConnection,
        kind: Kind,
        under: &Under,
        words: &str,
    ) -> Result<Option<super::RowCount>> {
        self.count_rows_under(conn, kind, under, words, false).await
    }

    /// The total of `column` over every row of `kind` under `parent` (not
    /// capped: one parent's rows, one index range where the layout's
    /// lists are served); `None` for an array's elements or no rows.
    pub async fn total_under(
        &self,
        conn: &mut PgConnection,
        kind: Kind,
        parent: &str,
        column: &str,
    ) -> Result<Option<i64>> {
        let e = self.entity(kind)?;
        let (Some(table), None) = (e.table.as_deref().map(Table::parse), &e.json_array) else { return Ok(None) };
        let mut qb = QueryBuilder::<Postgres>::new(format!(
            "SELECT sum(t.{})::int8 FROM {} t WHERE true",
            quote_ident(column),
            table.quoted()
        ));
        self.push_where(&mut qb, kind, &table, &Under::Row(parent.to_string()), "")?;
        let (total,): (Option<i64>,) =
            none_if_mistyped(qb.build_query_as().fetch_optional(&mut *conn).await)?.unwrap_or((None,));
        Ok(total)
    }

    /// `count_under`, or every row when `exact` (asked for: bounded by the
    /// statement timeout, not by a cap).
    pub async fn count_rows_under(
        &self,
        conn: &mut PgConnection,
        kind: Kind,
        under: &Under,
        words: &str,
        exact: bool,
    ) -> Result<Option<super::RowCount>> {
        let e = self.entity(kind)?;
        let parent = under.row();
        if *under == Under::Nothing && (e.table.is_none() || e.json_array.is_some()) {
            return Err(DbError::Invalid(format!("{} always have a parent", self.layout.label(kind))));
        }
        if let Under::Grandparent(_) = under {
            self.listable(kind, under)?;
        }
        if let (Some(_), Some(parent)) = (&e.json_array, parent) {
            // An array's elements, counted whole: one row's array bounds it.
            let mut qb = self.json_elements(e, parent, true)?;
            Self::push_json_words(&mut qb, e, words)?;
            let (n,): (i64,) = qb.build_query_as().fetch_one(&mut *conn).await?;
            return Ok(Some(super::RowCount::from_capped(n)));
        }
        let Some(table) = e.table.as_deref().map(Table::parse) else { return Ok(None) };
        // A whole table unfiltered: the planner's estimate where it is big
        // (counted where it is small), unless every row is to be counted.
        if *under == Under::All && words.trim().is_empty() && !exact {
            return super::page_estimate(conn, &table.quoted()).await.map(Some);
        }
        let mut qb = QueryBuilder::<Postgres>::new(format!(
            "SELECT count(*) FROM (SELECT 1 FROM {} t WHERE true",
            table.quoted()
        ));
        self.push_where(&mut qb, kind, &table, under, words)?;
        if exact {
            qb.push(") counted");
            let (n,): (i64,) = qb.build_query_as().fetch_one(&mut *conn).await?;
            return Ok(Some(super::RowCount::Exact(n)));
        }
        qb.push(" LIMIT ").push_bind(super::page::COUNT_CAP + 1).push(") counted");
        let (n,): (i64,) = qb.build_query_as().fetch_one(&mut *conn).await?;
        Ok(Some(super::RowCount::from_capped(n)))
    }

    /// `AND` the rows under `parent` (when given) whose title or text holds
    /// every one of `words` (ILIKE, wildcards literal): what a page and its
    /// count share.
    fn push_where(
        &self,
        qb: &mut QueryBuilder<'_, Postgres>,
        kind: Kind,
        table: &Table,
        under: &Under,
        words: &str,
    ) -> Result<()> {
        let e = self.entity(kind)?;
        match (&e.parent, under) {
            (_, Under::All) => {}
            (Some(p), Under::Row(value)) => {
                qb.push(format!(" AND t.{} = ", quote_ident(p)));
                qb.push_bind(value.to_string()).push(format!("::{}", self.cast(table, p)?));
            }
            // The index on (parent, …) that serves a parent's list serves
            // this one too: btree indexes hold NULLs.
            (Some(p), Under::Nothing) => {
                qb.push(format!(" AND t.{} IS NULL", quote_ident(p)));
            }
            (None, Under::Nothing) => {
                return Err(DbError::Invalid(format!("{} have no parent to be without", self.layout.label(kind))));
            }
            (None, Under::Row(_)) => {}
            // Its parent rows under that row, by their own parent column.
            (Some(p), Under::Grandparent(id)) => {
                let (pt, pid, pp) = self.grandparent_path(kind)?;
                qb.push(format!(
                    " AND t.{} IN (SELECT g.{} FROM {} g WHERE g.{} = ",
                    quote_ident(p),
                    quote_ident(pid),
                    pt.quoted(),
                    quote_ident(pp)
                ));
                qb.push_bind(id.to_string()).push(format!("::{})", self.cast(&pt, pp)?));
            }
            (None, Under::Grandparent(_)) => {
                return Err(DbError::Invalid(format!("{} have no parent", self.layout.label(kind))));
            }
            (_, Under::Via(other, id)) => {
                let column = self.layout.listed_by(kind, *other).ok_or_else(|| {
                    DbError::Invalid(format!(
                        "{} are not listed under {} here",
                        self.layout.label(kind),
                        self.layout.label(*other)
                    ))
                })?;
                qb.push(format!(" AND t.{} = ", quote_ident(column)));
                qb.push_bind(id.to_string()).push(format!("::{}", self.cast(table, column)?));
            }
        }
        // The filter syntax of our own lists: words, `status:` where the
        // entity has a status, `after:`/`before:` (YYYY-MM-DD) where it has a time.
        let filter = check_filter(&self.layout, kind, words)?;
        let status = filter.term("status");
        // `status:deleted` where rows are deleted but kept: those; any
        // other state: the rows not deleted in it.
        let deleted = e.deleted_at.as_deref().map(|c| format!("t.{}", quote_ident(c)));
        match (&deleted, status) {
            (Some(d), Some(v)) if v.eq_ignore_ascii_case("deleted") => {
                qb.push(format!(" AND {d} IS NOT NULL"));
            }
            (_, Some(v)) => {
                if let Some(d) = &deleted {
                    qb.push(format!(" AND {d} IS NULL"));
                }
                if let Some(c) = &e.status {
                    self.push_key_match(qb, table, "status", c, v)?;
                }
                if let Some(end) = e.state_from_end() {
                    let open = open_or_ended(v)?;
                    qb.push(format!(" AND t.{} IS {}NULL", quote_ident(end), if open { "" } else { "NOT " }));
                }
            }
            (_, None) => {}
        }
        if let Some(c) = &e.created_at {
            filter.push_dates(qb, &format!("t.{}", quote_ident(c)))?;
        }
        // A column the list shows is a key of its own, matched as shown.
        for c in e.shown.iter().filter(|c| !RESERVED_KEYS.contains(&c.as_str())) {
            if let Some(v) = filter.term(c) {
                self.push_key_match(qb, table, c, c, v)?;
            }
        }
        // The row it is under, by words of its name (`demo:flowright`): the
        // ids of the parents whose title holds them, by the parent column.
        // (Each such key given narrows it: `tenant:` and `customer:` both.)
        let named: Vec<String> =
            parent_keys(&self.layout, kind).iter().filter_map(|k| filter.term(k)).map(str::to_string).collect();
        for v in &named {
            let (Some(column), Some(p)) = (e.parent.as_deref(), self.layout.parent_of(kind)) else { break };
            let pe = self.entity(p)?;
            let (pt, pid) = (Table::parse(pe.table.as_deref().expect("checked: a named parent")), pe.id.as_deref());
            let title = Self::title_sql(pe, "r").expect("checked: a named parent has a title");
            qb.push(format!(
                " AND t.{} IN (SELECT r.{} FROM {} r WHERE {title} ILIKE ",
                quote_ident(column),
                quote_ident(pid.expect("checked: a named parent has an id")),
                pt.quoted()
            ));
            qb.push_bind(super::like_pattern(v)).push(")");
        }
        let id_udt = e.id.as_deref().and_then(|c| self.catalog.column(table, c)).map(|c| c.udt.as_str());
        if let (Some(idc), Some(v)) = (e.id.as_deref(), filter.term("id")) {
            let c = format!("t.{}", quote_ident(idc));
            match IdMatch::parse(id_udt.unwrap_or("text"), v)? {
                IdMatch::Range(lo, hi) => {
                    qb.push(format!(" AND {c} BETWEEN ")).push_bind(lo).push(" AND ").push_bind(hi);
                }
                IdMatch::Prefix(p) => {
                    qb.push(format!(" AND {c}::text LIKE ")).push_bind(p).push(" ESCAPE '\\'");
                }
                IdMatch::Whole(_) => self.push_key_match(qb, table, "id", idc, v)?,
            }
        }
        let searched = e.word_columns();
        // Words also find a row by the row that names it (a session by its
        // lead's e-mail): that entity's word columns, by its primary key.
        let named = e.title_from.as_ref().and_then(|from| {
            let n = Kind::from_name(&from.entity).and_then(|k| self.layout.entity(k))?;
            Some((from.column.as_str(), Table::parse(n.table.as_deref()?), n.id.as_deref()?, n.word_columns()))
        });
        // Beside its text, a word of hex digits may be the start of a UUID
        // id (ours: 6+).
        let uuid_ids = id_udt == Some("uuid");
        let words: Vec<&str> = filter.words.iter().map(String::as_str).collect();
        // (`check_filter` refused words where there is no text: `id:` there.)
        if !words.is_empty() && searched.is_empty() && named.is_none() {
            return Err(DbError::Invalid(format!("{} has no text column to filter on", self.layout.label(kind))));
        }
        for w in words {
            let pattern = super::like_pattern(w);
            // The alternatives joined by OR; one alone stands bare, so that a
            // lookup in the naming entity alone (a session by its lead) is a
            // semi-join the planner may run either way round, not a hashed
            // scan of that whole table.
            let mut or = "";
            qb.push(" AND (");
            for c in &searched {
                qb.push(format!("{or}t.{}::text ILIKE ", quote_ident(c))).push_bind(pattern.clone());
                or = " OR ";
            }
            if let Some((column, nt, nid, ncols)) = named.as_ref().filter(|n| !n.3.is_empty()) {
                let (column, nid) = (quote_ident(column), quote_ident(nid));
                qb.push(format!("{or}t.{column} IN (SELECT r.{nid} FROM {} r WHERE ", nt.quoted()));
                for (i, c) in ncols.iter().enumerate() {
                    let or = if i == 0 { "" } else { " OR " };
                    qb.push(format!("{or}r.{}::text ILIKE ", quote_ident(c))).push_bind(pattern.clone());
                }
                qb.push(")");
                or = " OR ";
            }
            if let (true, Some(idc), Some((lo, hi))) = (uuid_ids, e.id.as_deref(), super::sessions::id_prefix_range(w))
            {
                qb.push(format!("{or}t.{} BETWEEN ", quote_ident(idc))).push_bind(lo).push(" AND ").push_bind(hi);
                or = " OR ";
            }
            // Nothing here could hold this word: no row does.
            if or.is_empty() {
                qb.push("false");
            }
            qb.push(")");
        }
        Ok(())
    }

    /// Like `page`, keeping the rows whose title or text contains every
    /// word of `words` (case-insensitive). Like the native lists' word
    /// filters, it walks the order until a page is full: bounded by the
    /// statement timeout for a rare word.
    pub async fn page_filtered(
        &self,
        conn: &mut PgConnection,
        kind: Kind,
        parent: Option<&str>,
        after: Option<&[Option<String>]>,
        limit: u32,
        words: &str,
    ) -> Result<MappedPage> {
        self.page_under(conn, kind, &Under::of(parent), after, limit, words).await
    }

    /// The table, id and parent column of `kind`'s parent entity, through
    /// which its rows are listed under a grandparent row; refused where
    /// that entity has no table or no parent of its own.
    fn grandparent_path(&self, kind: Kind) -> Result<(Table, &str, &str)> {
        let refused =
            || DbError::Invalid(format!("{} are not listed across their parents' rows here", self.layout.label(kind)));
        self.layout.grandparent_of(kind).ok_or_else(refused)?;
        let pe = self.layout.parent_of(kind).and_then(|p| self.layout.entity(p)).ok_or_else(refused)?;
        match (&pe.table, &pe.id, &pe.parent) {
            (Some(t), Some(id), Some(parent)) => Ok((Table::parse(t), id.as_str(), parent.as_str())),
            _ => Err(refused()),
        }
    }

    /// `kind`'s description, when its rows can be listed `under` that:
    /// rows without a parent only where a nullable parent column holds them,
    /// an order unique only within its parent only under one.
    fn listable(&self, kind: Kind, under: &Under) -> Result<&Entity> {
        let e = self.entity(kind)?;
        if *under == Under::Nothing && (e.table.is_none() || e.json_array.is_some()) {
            return Err(DbError::Invalid(format!("{} always have a parent", self.layout.label(kind))));
        }
        if let Under::Grandparent(_) = under {
            self.grandparent_path(kind)?;
        }
        if under.row().is_none() && self.within_parent.contains(&kind) {
            return Err(DbError::Invalid(format!(
                "{} are ordered within their parent only: open one to list them",
                self.layout.label(kind)
            )));
        }
        Ok(e)
    }

    /// `page_filtered`, of the rows `under` says.
    pub async fn page_under(
        &self,
        conn: &mut PgConnection,
        kind: Kind,
        under: &Under,
        after: Option<&[Option<String>]>,
        limit: u32,
        words: &str,
    ) -> Result<MappedPage> {
        let e = self.listable(kind, under)?;
        let parent = under.row();
        if e.json_array.is_some() {
            return self.json_page(conn, kind, parent, after, limit, words).await;
        }
        if let Some(from) = &e.derived_from {
            if !words.trim().is_empty() {
                return Err(DbError::Invalid(format!(
                    "a derived list ({}) cannot be filtered: it has no columns of its own",
                    self.layout.label(kind)
                )));
            }
            let source = Kind::from_name(from).expect("checked layout");
            return self.derived_page(conn, source, after, limit, false).await;
        }
        self.table_page(conn, kind, under, after, limit, words, false).await
    }

    /// The page of `kind`'s rows just above `before` (a row's `key`), or
    /// the last page of the list when `None`: the order read backwards, as
    /// one range of the same index, and the rows given back in the list's
    /// order. Its `next` is where the page above starts. `G` reads the end
    /// of a list of millions this way, in one page. A table's rows or a
    /// derived list's ids (an array's elements are read from the top).
    pub async fn page_before(
        &self,
        conn: &mut PgConnection,
        kind: Kind,
        under: &Under,
        before: Option<&[Option<String>]>,
        limit: u32,
        words: &str,
    ) -> Result<MappedPage> {
        let e = self.listable(kind, under)?;
        let mut page = match (&e.derived_from, e.table.is_some() && e.json_array.is_none()) {
            (Some(from), _) if words.trim().is_empty() => {
                let source = Kind::from_name(from).expect("checked layout");
                self.derived_page(conn, source, before, limit, true).await?
            }
            (None, true) => self.table_page(conn, kind, under, before, limit, words, true).await?,
            _ => return Err(DbError::Invalid(format!("{} are read from the top only", self.layout.label(kind)))),
        };
        page.rows.reverse();
        Ok(page)
    }

    /// A page of a table's rows from `after` (its key) in the list's order,
    /// or `backward` from it (rows in reverse order; `next` then the key of
    /// the topmost).
    #[allow(clippy::too_many_arguments)]
    async fn table_page(
        &self,
        conn: &mut PgConnection,
        kind: Kind,
        under: &Under,
        after: Option<&[Option<String>]>,
        limit: u32,
        words: &str,
        backward: bool,
    ) -> Result<MappedPage> {
        let e = self.entity(kind)?;
        let table = Table::parse(e.table.as_deref().expect("checked layout"));
        let order: Vec<&str> = self.select_rows(kind, e, &table).1;
        // Read backwards, the order and the keyset's comparison turn round.
        let asc = Self::ascending(kind) != backward;
        let dir = if asc { "ASC" } else { "DESC" };
        let q = |c: &str| format!("t.{}", quote_ident(c));
        // An order whose first column may be NULL (a nullable timestamp, as
        // Supabase schemas have) lists its NULL rows last, read as a part
        // of their own: each part is then one range of a plain (parent,
        // a, b) index in either NULLS placement, so a page costs the same
        // at any depth. (One statement with `OR a IS NULL` walks the
        // index from the top, filtering: the cost of OFFSET.)
        let nullable_first = order.len() == 2 && self.nullable(&table, order[0]);
        // A parent's rows that an index finds but none orders are read first, then sorted.
        let fence = match (under, e.parent.as_deref()) {
            (Under::Row(id), Some(p)) if self.reading(&table, Some(p), &order) == Reading::SortedPerParent => {
                Some((p, id.as_str(), self.cast(&table, p)?))
            }
            _ => None,
        };
        // The parts in reading order (the NULL rows last in the list, so
        // first read backwards), from the one the cursor is in.
        let all: &[Part] = match (nullable_first, backward) {
            (false, _) => &[Part::Whole],
            (true, false) => &[Part::NotNull, Part::Null],
            (true, true) => &[Part::Null, Part::NotNull],
        };
        let cursor_part = match after.map(|k| k.first().is_some_and(Option::is_some)) {
            _ if !nullable_first => Part::Whole,
            None => all[0],
            Some(true) => Part::NotNull,
            Some(false) => Part::Null,
        };
        let parts = &all[all.iter().position(|p| *p == cursor_part).unwrap_or(0)..];
        let mut rows: Vec<Raw> = Vec::new();
        for (i, part) in parts.iter().enumerate() {
            let want = limit as usize + 1 - rows.len();
            if want == 0 {
                break;
            }
            // Listed under no one row: each names the row it is under.
            let named_parent =
                matches!(under, Under::All | Under::Grandparent(_)).then(|| self.layout.parent_of(kind)).flatten();
            let (mut qb, _) = self.select_rows_in(kind, e, &table, fence.clone(), named_parent);
            self.push_where(&mut qb, kind, &table, under, words)?;
            // The cursor bounds the part it is in; a later part is read from its start.
            if let Some(key) = after.filter(|_| i == 0) {
                self.push_keyset(&mut qb, &table, &order, key, asc)?;
            }
            match part {
                Part::Whole => {}
                Part::NotNull => {
                    qb.push(format!(" AND {} IS NOT NULL", q(order[0])));
                }
                Part::Null => {
                    qb.push(format!(" AND {} IS NULL", q(order[0])));
                }
            }
            // Every part in the whole order, a column held NULL included (the
            // parent of rows without one, `a` in the NULL part): PostgreSQL
            // does not take `IS NULL` as fixing a column for ordering, so
            // only the index's own column list, in one direction, is read
            // as an ordered range of a (parent, a, b) index.
            let held_null = match (under, e.parent.as_deref()) {
                (Under::Nothing, Some(p)) => Some(p),
                _ => None,
            };
            let by: Vec<String> =
                held_null.into_iter().chain(order.iter().copied()).map(|o| format!("{} {dir}", q(o))).collect();
            qb.push(format!(" ORDER BY {} LIMIT ", by.join(", "))).push_bind(want as i64);
            rows.extend(qb.build_query_as::<Raw>().fetch_all(&mut *conn).await?);
        }
        Ok(finish(rows, limit))
    }

    /// The elements of a JSON array in the parent's newest row (003's
    /// messages in a LangGraph checkpoint), in array order after position
    /// `after`. Keys and paths are bound as `text[]`; only the layout's
    /// identifiers, quoted, are in the statement.
    async fn json_page(
        &self,
        conn: &mut PgConnection,
        kind: Kind,
        parent: Option<&str>,
        after: Option<&[Option<String>]>,
        limit: u32,
        words: &str,
    ) -> Result<MappedPage> {
        let e = self.entity(kind)?;
        let parent = parent.ok_or_else(|| {
            DbError::Invalid(format!(
                "{} are listed under one {}",
                self.layout.label(kind),
                kind.natural_parent().map(|k| k.name()).unwrap_or("parent")
            ))
        })?;
        let mut qb = self.json_elements(e, parent, false)?;
        let after: i64 = match after.and_then(|k| k.first().cloned().flatten()) {
            Some(v) => v.parse().map_err(|_| DbError::Invalid("a cursor from another list".into()))?,
            None => 0,
        };
        qb.push(" AND e.ord > ").push_bind(after);
        Self::push_json_words(&mut qb, e, words)?;
        qb.push(" ORDER BY e.ord LIMIT ").push_bind(limit as i64 + 1);
        let rows: Vec<Raw> = qb.build_query_as().fetch_all(&mut *conn).await?;
        Ok(finish(rows, limit))
    }

    /// `AND` the elements whose content holds every one of `words`.
    fn push_json_words(qb: &mut QueryBuilder<'static, Postgres>, e: &Entity, words: &str) -> Result<()> {
        // Elements have no status or time of their own: words only.
        let filter = super::Filter::parse(words);
        filter.check_keys(&[])?;
        let content = e.content.as_deref().map(Entity::json_keys).unwrap_or_default();
        for w in &filter.words {
            qb.push(" AND e.elem #>> ").push_bind(content.clone()).push(" ILIKE ");
            qb.push_bind(super::like_pattern(w));
        }
        Ok(())
    }

    /// `SELECT` of the elements of `e`'s array under `parent`, as
    /// `MappedRow` reads them, or their count (`… WHERE true`, for the
    /// caller to narrow).
    fn json_elements(&self, e: &Entity, parent: &str, count: bool) -> Result<QueryBuilder<'static, Postgres>> {
        let table = Table::parse(e.table.as_deref().expect("checked layout"));
        let (json, pcol, latest) = (
            quote_ident(e.json_array.as_deref().expect("a JSON array entity")),
            e.parent.as_deref().expect("checked layout"),
            quote_ident(e.latest.as_deref().expect("checked layout")),
        );
        let path = Entity::json_keys(e.json_path.as_deref().expect("checked layout"));
        let mut qb = QueryBuilder::<Postgres>::new("SELECT ");
        if count {
            qb.push("count(*) ");
        } else {
            qb.push("e.ord::text, NULL::text, NULL::text, NULL::timestamptz, ");
            for field in [&e.role, &e.content] {
                match field {
                    Some(p) => qb.push("e.elem #>> ").push_bind(Entity::json_keys(p)).push(", "),
                    None => qb.push("NULL::text, "),
                };
            }
            qb.push("NULL::text, NULL::bigint, ARRAY[e.ord::text], ARRAY[]::text[], NULL::text, NULL::timestamptz ");
        }
        qb.push(format!("FROM (SELECT t.{json}::jsonb #> ")).push_bind(path);
        qb.push(format!(" AS a FROM {} t WHERE t.{} = ", table.quoted(), quote_ident(pcol)));
        qb.push_bind(parent.to_string()).push(format!("::{}", self.cast(&table, pcol)?));
        // A row without a `latest` value is never the newest.
        let nulls =
            if self.nullable(&table, e.latest.as_deref().expect("checked layout")) { " NULLS LAST" } else { "" };
        qb.push(format!(
            " ORDER BY t.{latest} DESC{nulls} LIMIT 1) c, \
             jsonb_array_elements(CASE WHEN jsonb_typeof(c.a) = 'array' THEN c.a ELSE '[]'::jsonb END) \
             WITH ORDINALITY AS e(elem, ord) WHERE true"
        ));
        Ok(qb)
    }

    /// `SELECT` of a row as `MappedRow` reads it (`FROM table t WHERE true`,
    /// for the caller to narrow), and the order columns it keys on.
    fn select_rows<'e>(
        &self,
        kind: Kind,
        e: &'e Entity,
        table: &Table,
    ) -> (QueryBuilder<'static, Postgres>, Vec<&'e str>) {
        self.select_rows_in(kind, e, table, None, None)
    }

    /// `select_rows`, reading only the rows under one parent first when
    /// `fence` is (column, value, cast): a subquery the planner cannot
    /// flatten, so the parent's index finds them and the page sorts them,
    /// instead of walking an index of the order column across the whole
    /// table hoping to meet the parent's rows early (001's messages: a
    /// 10,000-message conversation's first page read 1M index entries).
    fn select_rows_in<'e>(
        &self,
        kind: Kind,
        e: &'e Entity,
        table: &Table,
        fence: Option<(&str, &str, String)>,
        parent_of: Option<Kind>,
    ) -> (QueryBuilder<'static, Postgres>, Vec<&'e str>) {
        let col = |c: &Option<String>, ty: &str| match c {
            Some(c) => format!("t.{}::{ty}", quote_ident(c)),
            None => format!("NULL::{ty}"),
        };
        let mut qb = QueryBuilder::<Postgres>::new("SELECT ");
        let id = e.id.as_deref().or(e.key.as_deref()).expect("checked layout");
        qb.push(format!("t.{}::text, ", quote_ident(id)));
        // A rate limit reads as its key and its value.
        // Its own title, else (`title_from`) the title of the row it holds the id of.
        let own = Self::title_sql(e, "t").unwrap_or_else(|| col(&e.key, "text"));
        match e.title_from.as_ref().and_then(|from| self.title_of_sql(&from.entity, &from.column)) {
            Some(theirs) if e.title.is_some() => qb.push(format!("COALESCE({own}, {theirs}), ")),
            Some(theirs) => qb.push(format!("{theirs}, ")),
            None => qb.push(own).push(", "),
        };
        // A row deleted but kept reads as deleted, whatever its status says.
        if let Some(deleted) = &e.deleted_at {
            qb.push(format!("CASE WHEN t.{} IS NOT NULL THEN 'deleted' ELSE ", quote_ident(deleted)));
        }
        match e.state_from_end() {
            Some(end) => qb.push(format!("CASE WHEN t.{} IS NULL THEN 'open' ELSE 'ended' END", quote_ident(end))),
            None => qb.push(col(if e.status.is_some() { &e.status } else { &e.value }, "text")),
        };
        qb.push(if e.deleted_at.is_some() { " END, " } else { ", " });
        qb.push(col(&e.created_at, "timestamptz")).push(", ");
        qb.push(col(&e.role, "text")).push(", ");
        // A rate limit's description reads as its text.
        qb.push(col(if e.content.is_some() { &e.content } else { &e.description }, "text")).push(", ");
        // A message's metadata and tokens, where the layout maps them.
        // As text, parsed here: a json value jsonb refuses (a \u0000) must
        // not fail the page.
        qb.push(col(&e.metadata, "text")).push(", ");
        qb.push(col(&e.token_count, "bigint")).push(", ARRAY[");
        let order: Vec<&str> = if e.order.is_empty() { vec![id] } else { e.order.iter().map(String::as_str).collect() };
        for (i, o) in order.iter().enumerate() {
            if i > 0 {
                qb.push(", ");
            }
            qb.push(format!("t.{}::text", quote_ident(o)));
        }
        // What the list shows beside the title, in the order of the cells;
        // a column cut to what a list line can show (the detail says more).
        let shown: Vec<String> = e
            .extras()
            .into_iter()
            .map(|x| match x {
                // A time as the lists show times (UTC, to the minute).
                crate::schema::Extra::Column(c) => match self.catalog.column(table, c).map(|c| c.udt.as_str()) {
                    Some("timestamptz") => {
                        format!("to_char(t.{} AT TIME ZONE 'UTC', 'YYYY-MM-DD HH24:MI')", quote_ident(c))
                    }
                    Some("timestamp") => format!("to_char(t.{}, 'YYYY-MM-DD HH24:MI')", quote_ident(c)),
                    _ => format!("left(t.{}::text, {SHOWN_CHARS})", quote_ident(c)),
                },
                crate::schema::Extra::Count(child) => self.count_sql(kind, e, child),
                crate::schema::Extra::Sum(child, column) => self.sum_sql(kind, e, child, column),
            })
            .collect();
        let parent_title = match (parent_of, e.parent.as_deref()) {
            (Some(p), Some(column)) => self.title_of_sql(p.name(), column),
            _ => None,
        };
        qb.push(format!(
            "]::text[], ARRAY[{}]::text[], {}, ",
            shown.join(", "),
            parent_title.as_deref().unwrap_or("NULL::text")
        ));
        qb.push(col(&e.ended_at, "timestamptz"));
        match fence {
            None => {
                qb.push(format!(" FROM {} t WHERE true", table.quoted()));
            }
            Some((column, value, cast)) => {
                qb.push(format!(" FROM (SELECT * FROM {} WHERE {} = ", table.quoted(), quote_ident(column)));
                qb.push_bind(value.to_string()).push(format!("::{cast} OFFSET 0) t WHERE true"));
            }
        }
        (qb, order)
    }

    /// `AND` the rows whose `column` is `value` (`key:value`, `key` as
    /// typed), compared as the column's type ([`KeyValue::parse`]); a value
    /// its column cannot hold is refused, not matched against nothing.
    fn push_key_match(
        &self,
        qb: &mut QueryBuilder<'_, Postgres>,
        table: &Table,
        key: &str,
        column: &str,
        value: &str,
    ) -> Result<()> {
        let c = format!("t.{}", quote_ident(column));
        let col = self.catalog.column(table, column);
        let udt = col.map(|col| col.udt.as_str()).unwrap_or("text");
        match KeyValue::parse(udt, key, value)? {
            KeyValue::Bool(b) => qb.push(format!(" AND {c} = ")).push_bind(b),
            KeyValue::Int(n) => qb.push(format!(" AND {c} = ")).push_bind(n),
            // As the column's own type: an index on it serves the match.
            KeyValue::Typed(text) => qb
                .push(format!(" AND {c} = "))
                .push_bind(text)
                .push(format!("::{}", col.map(|c| c.type_sql()).unwrap_or_else(|| "text".into()))),
            // Where an index leads with the column, the spellings it may
            // hold (an equality it serves); elsewhere any case at all.
            KeyValue::Text(cases) if col.is_some_and(|c| c.leads_index) => {
                qb.push(format!(" AND {c}::text = ANY(")).push_bind(cases).push(")")
            }
            KeyValue::Text(_) => {
                qb.push(format!(" AND lower({c}::text) = lower(")).push_bind(value.to_string()).push(")")
            }
        };
        Ok(())
    }

    /// The title of the row of entity `named` whose id `t.column` holds, by
    /// that entity's primary key (one probe per row read): what names a row
    /// by another's (`title_from`) and a limit by what it limits
    /// (`key_entity`).
    fn title_of_sql(&self, named: &str, column: &str) -> Option<String> {
        let n = Kind::from_name(named).and_then(|k| self.layout.entity(k))?;
        let (nt, id, title) = (Table::parse(n.table.as_deref()?), n.id.as_deref()?, Self::title_sql(n, "r")?);
        let cast = self.catalog.column(&nt, id).map(|c| c.type_sql()).unwrap_or_else(|| "text".into());
        Some(format!(
            "(SELECT {title} FROM {} r WHERE r.{} = t.{}::{cast})",
            nt.quoted(),
            quote_ident(id),
            quote_ident(column)
        ))
    }

    /// A row's own title as text, from the table aliased `alias`: its
    /// title column, else (NULL there) its `title_else`.
    fn title_sql(e: &Entity, alias: &str) -> Option<String> {
        let title = format!("{alias}.{}::text", quote_ident(e.title.as_deref()?));
        Some(match e.title_else.as_deref() {
            Some(other) => format!("COALESCE({title}, {alias}.{}::text)", quote_ident(other)),
            None => title,
        })
    }

    /// The rows of `child` under the row `t` of `kind` (entity `e`): a
    /// range of the child's index on the column that holds `kind`'s id (its
    /// parent column, or the one it is `listed_under` by; checked at
    /// connect), up to one past [`COUNT_CAP`] (so "more" can be told from
    /// "exactly"), each as `v`: the child's `value` column, or 1.
    fn rows_under_sql(&self, kind: Kind, e: &Entity, child: Kind, value: Option<&str>) -> String {
        let ce = self.layout.entity(child).expect("checked layout: counts and sums name entities it has");
        let table = Table::parse(ce.table.as_deref().expect("checked layout: a counted entity has a table"));
        let by = self.layout.counting_column(kind, child).expect("checked layout: a counted entity is under it");
        let id = e.id.as_deref().expect("checked layout: a counting entity has an id");
        // The column's own type, as its index holds it.
        let cast = self.catalog.column(&table, by).map(|c| c.type_sql()).unwrap_or_else(|| "text".into());
        format!(
            "(SELECT {} AS v FROM {} c WHERE c.{} = t.{}::{cast} LIMIT {})",
            value.map_or("1".to_string(), |v| format!("c.{}", quote_ident(v))),
            table.quoted(),
            quote_ident(by),
            quote_ident(id),
            COUNT_CAP + 1
        )
    }

    /// How many rows of the entity `child` a row of `kind` has, as text, up
    /// to one past [`COUNT_CAP`].
    fn count_sql(&self, kind: Kind, e: &Entity, child: Kind) -> String {
        format!("(SELECT count(*) FROM {} n)::text", self.rows_under_sql(kind, e, child, None))
    }

    /// The total of `column` over the rows of `child` under a row of `kind`,
    /// as text: the same rows `count_sql` reads; past the cap the total of
    /// the first rows, marked "+" (at least that).
    fn sum_sql(&self, kind: Kind, e: &Entity, child: Kind, column: &str) -> String {
        format!(
            "(SELECT coalesce(sum(n.v), 0)::text || CASE WHEN count(*) > {COUNT_CAP} THEN '+' ELSE '' END FROM {} n)",
            self.rows_under_sql(kind, e, child, Some(column))
        )
    }

    /// Up to `limit` ids of `kind` that start with `prefix`, in id order: a
    /// UUID id by the range of its primary key (6+ hex digits, as ours), a
    /// text id by the range of its index from the prefix on, a derived
    /// entity's text ids by a skip scan from the prefix (ids that sort apart
    /// from their prefix in the column's collation are missed).
    /// Empty for other ids (numbers are given whole).
    pub async fn ids_with_prefix(
        &self,
        conn: &mut PgConnection,
        kind: Kind,
        prefix: &str,
        limit: u32,
    ) -> Result<Vec<String>> {
        let e = self.entity(kind)?;
        // A derived entity's ids are its source's parent values (001's text
        // conversation ids): a skip scan from the prefix, one index probe
        // per distinct id, ending at the first that does not start with it.
        if let Some(from) = &e.derived_from {
            let s = self.entity(Kind::from_name(from).expect("checked layout"))?;
            let (Some(table), Some(p)) = (s.table.as_deref(), s.parent.as_deref()) else { return Ok(Vec::new()) };
            let table = Table::parse(table);
            if !matches!(self.catalog.column(&table, p).map(|c| c.udt.as_str()), Some("text" | "varchar")) {
                return Ok(Vec::new());
            }
            let (t, p) = (table.quoted(), quote_ident(p));
            // Each step the next distinct id that matches (LIKE, as above):
            // the matches, however the collation sorts them among others.
            let rows: Vec<(String,)> = sqlx::query_as(&format!(
                "WITH RECURSIVE ids(id) AS ((SELECT min({p}) FROM {t} WHERE {p} LIKE $1 ESCAPE '\\') \
                 UNION ALL SELECT (SELECT min({p}) FROM {t} WHERE {p} > ids.id AND {p} LIKE $1 ESCAPE '\\') \
                 FROM ids WHERE ids.id IS NOT NULL) \
                 SELECT id::text FROM ids WHERE id IS NOT NULL LIMIT $2"
            ))
            .bind(like_prefix(prefix))
            .bind(limit as i64)
            .fetch_all(&mut *conn)
            .await?;
            return Ok(rows.into_iter().map(|r| r.0).collect());
        }
        let (Some(table), Some(idc)) = (e.table.as_deref(), e.id.as_deref()) else { return Ok(Vec::new()) };
        let table = Table::parse(table);
        let i = quote_ident(idc);
        let t = table.quoted();
        match self.catalog.column(&table, idc).map(|c| c.udt.as_str()) {
            Some("uuid") => {
                let Some((lo, hi)) = super::sessions::id_prefix_range(prefix) else { return Ok(Vec::new()) };
                let rows: Vec<(String,)> = sqlx::query_as(&format!(
                    "SELECT {i}::text FROM {t} WHERE {i} BETWEEN $1 AND $2 ORDER BY {t}.{i} LIMIT $3"
                ))
                .bind(lo)
                .bind(hi)
                .bind(limit as i64)
                .fetch_all(&mut *conn)
                .await?;
                Ok(rows.into_iter().map(|r| r.0).collect())
            }
            // LIKE 'prefix%': an index range where the column's collation
            // (C) or an index (text_pattern_ops) allows it, else a walk
            // bounded by the statement timeout; never a guess from the
            // sort order, which a linguistic collation does not keep
            // together (thr_Ab1, thr_ab5, thr_Ab9).
            Some("text" | "varchar") => {
                let rows: Vec<(String,)> = sqlx::query_as(&format!(
                    "SELECT {i}::text FROM {t} WHERE {i} LIKE $1 ESCAPE '\\' ORDER BY {t}.{i} LIMIT $2"
                ))
                .bind(like_prefix(prefix))
                .bind(limit as i64)
                .fetch_all(&mut *conn)
                .await?;
                Ok(rows.into_iter().map(|r| r.0).collect())
            }
            _ => Ok(Vec::new()),
        }
    }

    /// Row `id` of `kind`'s parent id, title and other name, `column` (a
    /// timestamp the layout names, e.g. a session's `ended_at`) and
    /// `listed_by` (a column holding another row's id), where it has them:
    /// what a conversation's heading reads up the chain, a query a step.
    pub async fn row_extras(
        &self,
        conn: &mut PgConnection,
        kind: Kind,
        id: &str,
        column: Option<&str>,
        listed_by: Option<&str>,
    ) -> Result<RowExtras> {
        let e = self.entity(kind)?;
        let (Some(table), Some(idc), None) = (e.table.as_deref(), e.id.as_deref(), &e.json_array) else {
            return Ok(RowExtras::default());
        };
        let table = Table::parse(table);
        let text = |c: Option<&str>| c.map_or("NULL::text".to_string(), |c| format!("t.{}::text", quote_ident(c)));
        let at = column.map_or("NULL::timestamptz".to_string(), |c| format!("t.{}::timestamptz", quote_ident(c)));
        type Found = (Option<String>, Option<String>, Option<String>, Option<DateTime<Utc>>, Option<String>);
        let found: Option<Found> = sqlx::query_as(&format!(
            "SELECT {}, {}, {}, {at}, {} FROM {} t WHERE t.{} = $1::{}",
            text(e.parent.as_deref()),
            Self::title_sql(e, "t").unwrap_or_else(|| "NULL::text".into()),
            text(e.title_else.as_deref().filter(|_| e.title.is_some())),
            text(listed_by),
            table.quoted(),
            quote_ident(idc),
            self.cast(&table, idc)?
        ))
        .bind(id)
        .fetch_optional(&mut *conn)
        .await?;
        Ok(found
            .map(|(parent, title, other, at, listed_by)| RowExtras {
                other_name: other.filter(|o| Some(o) != title.as_ref()),
                parent,
                title,
                at,
                listed_by,
            })
            .unwrap_or_default())
    }

    /// Every column of row `id` of `kind` but its vectors and bytes, in the
    /// table's column order, as JSON values (what the detail shows whole:
    /// a demo's arrays, prompt and colours; a customer's every field); a
    /// column whose name says it may hold a secret is not read ([`HIDDEN`]).
    /// `None` when there is no such row; empty for rows that are not a
    /// table's own (a derived id, an array element).
    pub async fn row_fields(&self, conn: &mut PgConnection, kind: Kind, id: &str) -> Result<Option<Fields>> {
        let e = self.entity(kind)?;
        let (Some(table), Some(idc), None) = (e.table.as_deref(), e.id.as_deref(), &e.json_array) else {
            return Ok(Some(Vec::new()));
        };
        let table = Table::parse(table);
        let Some(columns) = self.catalog.tables.get(&table) else { return Ok(Some(Vec::new())) };
        let mut shown: Vec<(&String, i32)> = columns
            .iter()
            .filter(|(_, c)| !crate::schema::unreadable_in_a_list(&c.udt))
            .map(|(name, c)| (name, c.position))
            .collect();
        shown.sort_by_key(|(_, position)| *position);
        // Only the columns shown are read (a row's 1536 floats are not
        // turned into JSON to be dropped), and none that may hold a secret.
        let read: Vec<&String> = shown.iter().map(|(n, _)| *n).filter(|n| !may_be_secret(n)).collect();
        let mut qb = QueryBuilder::<Postgres>::new("SELECT ");
        if read.is_empty() {
            qb.push("'{}'::jsonb");
        }
        // jsonb_build_object takes at most 100 arguments: 50 columns each.
        for (i, part) in read.chunks(50).enumerate() {
            qb.push(if i == 0 { "jsonb_build_object(" } else { " || jsonb_build_object(" });
            for (j, name) in part.iter().enumerate() {
                if j > 0 {
                    qb.push(", ");
                }
                qb.push_bind(name.to_string()).push(format!("::text, t.{}", quote_ident(name)));
            }
            qb.push(")");
        }
        qb.push(format!(" FROM {} t WHERE t.{} = ", table.quoted(), quote_ident(idc)));
        qb.push_bind(id.to_string()).push(format!("::{}", self.cast(&table, idc)?));
        let found: Option<(serde_json::Value,)> =
            none_if_mistyped(qb.build_query_as().fetch_optional(&mut *conn).await)?;
        let Some((serde_json::Value::Object(mut row),)) = found else { return Ok(None) };
        let mut fields: Fields = shown
            .iter()
            .filter_map(|(name, _)| match may_be_secret(name) {
                true => Some(((*name).clone(), serde_json::Value::String(HIDDEN.into()))),
                false => Some(((*name).clone(), row.remove(*name)?)),
            })
            .collect();
        // Only what was asked for comes back; anything else would be said
        // too, not dropped here (a test holds that no vector comes back).
        fields.extend(row);
        // Inside a JSON column too (`settings.api_key`), by its keys' names.
        for (_, value) in &mut fields {
            hide_secrets(value);
        }
        // A time with a zone as every other time ragdesk writes (UTC, `Z`),
        // not as the server renders it in JSON (`+00:00`).
        for (name, value) in &mut fields {
            let zoned = columns.get(name).is_some_and(|c| c.udt == "timestamptz");
            if let (true, serde_json::Value::String(text)) = (zoned, &*value)
                && let Ok(at) = DateTime::parse_from_rfc3339(text)
            {
                let utc = at.with_timezone(&Utc).to_rfc3339_opts(chrono::SecondsFormat::AutoSi, true);
                *value = serde_json::Value::String(utc);
            }
        }
        Ok(Some(fields))
    }

    /// Row `id` of `kind`, if there is one (a derived entity's row exists
    /// while some row of its source carries the id).
    pub async fn row(&self, conn: &mut PgConnection, kind: Kind, id: &str) -> Result<Option<MappedRow>> {
        let e = self.entity(kind)?;
        if e.json_array.is_some() {
            return Err(DbError::Invalid(format!("{} are read in a list, not one by one", self.layout.label(kind))));
        }
        if let Some(from) = &e.derived_from {
            let source = Kind::from_name(from).expect("checked layout");
            let s = self.entity(source)?;
            let table = Table::parse(s.table.as_deref().expect("a derived entity's source has a table"));
            let parent = s.parent.as_deref().expect("checked layout");
            // Its first row by the source's order: the conversation's start.
            let cast = self.cast(&table, parent)?;
            let at = s.created_at.as_deref().map(|c| format!("m.{}::timestamptz", quote_ident(c)));
            let order = s.order.first().or(s.id.as_ref()).map(|o| format!(" ORDER BY m.{}", quote_ident(o)));
            let orders: Vec<&str> = s.order.iter().map(String::as_str).collect();
            // As its messages are listed: fenced to its rows where no index orders them.
            let from = match self.reading(&table, Some(parent), &orders) {
                Reading::SortedPerParent => {
                    format!("(SELECT * FROM {} WHERE {} = $1::{cast} OFFSET 0)", table.quoted(), quote_ident(parent))
                }
                _ => table.quoted(),
            };
            let first: std::result::Result<Option<(String, Option<DateTime<Utc>>)>, sqlx::Error> =
                sqlx::query_as(&format!(
                    "SELECT m.{p}::text, {} FROM {from} m WHERE m.{p} = $1::{cast}{} LIMIT 1",
                    at.unwrap_or_else(|| "NULL::timestamptz".into()),
                    order.unwrap_or_default(),
                    p = quote_ident(parent),
                ))
                .bind(id)
                .fetch_optional(&mut *conn)
                .await;
            let first = none_if_mistyped(first)?;
            return Ok(first.map(|(id, created_at)| MappedRow {
                key: vec![Some(id.clone())],
                id,
                title: None,
                status: None,
                created_at,
                ..MappedRow::default()
            }));
        }
        let table = Table::parse(e.table.as_deref().expect("checked layout"));
        let (mut qb, _) = self.select_rows(kind, e, &table);
        let idc = e.id.as_deref().or(e.key.as_deref()).expect("checked layout");
        qb.push(format!(" AND t.{} = ", quote_ident(idc)))
            .push_bind(id.to_string())
            .push(format!("::{}", self.cast(&table, idc)?));
        let rows: Vec<Raw> = none_if_mistyped(qb.build_query_as().fetch_all(&mut *conn).await)?;
        Ok(finish(rows, 1).rows.into_iter().next())
    }

    /// `AND` the rows after `key` in an order of one or two columns (the
    /// last one unique and NOT NULL): a row comparison, which an (a, b)
    /// index serves as a range. A key whose first value is NULL is in the
    /// NULL rows (listed last, read as a part of their own by `page_under`),
    /// ordered by the last column alone.
    fn push_keyset(
        &self,
        qb: &mut QueryBuilder<'_, Postgres>,
        table: &Table,
        order: &[&str],
        key: &[Option<String>],
        asc: bool,
    ) -> Result<()> {
        if key.len() != order.len() {
            return Err(DbError::Invalid("a cursor from another list".into()));
        }
        let op = if asc { ">" } else { "<" };
        let bind = |qb: &mut QueryBuilder<'_, Postgres>, v: &str, c: &str| -> Result<()> {
            qb.push_bind(v.to_string()).push(format!("::{}", self.cast(table, c)?));
            Ok(())
        };
        let last = order[order.len() - 1];
        let last_value = key[key.len() - 1]
            .as_deref()
            .ok_or_else(|| DbError::Invalid(format!("{table}.{last} is NULL: the last order column must be unique")))?;
        let q = |c: &str| format!("t.{}", quote_ident(c));
        match (order.len(), key[0].as_deref()) {
            (1, _) => {
                qb.push(format!(" AND {} {op} ", q(last)));
                bind(qb, last_value, last)
            }
            (_, Some(first_value)) => {
                qb.push(format!(" AND ({}, {}) {op} (", q(order[0]), q(last)));
                bind(qb, first_value, order[0])?;
                qb.push(", ");
                bind(qb, last_value, last)?;
                qb.push(")");
                Ok(())
            }
            (_, None) => {
                qb.push(format!(" AND {} IS NULL AND {} {op} ", q(order[0]), q(last)));
                bind(qb, last_value, last)
            }
        }
    }

    /// The distinct values of `source`'s parent column, in order, by a skip
    /// scan (each step is one probe of the column's index), with the time
    /// of each one's first row.
    /// (Read `backward` from `after`, or from the end: the ids in reverse,
    /// `next` the topmost's, for `page_before`.)
    async fn derived_page(
        &self,
        conn: &mut PgConnection,
        source: Kind,
        after: Option<&[Option<String>]>,
        limit: u32,
        backward: bool,
    ) -> Result<MappedPage> {
        let s = self.entity(source)?;
        let table = Table::parse(s.table.as_deref().expect("a derived entity's source has a table"));
        let parent = s.parent.as_deref().expect("checked layout");
        let (t, p) = (table.quoted(), quote_ident(parent));
        let cast = self.cast(&table, parent)?;
        let first_at = match (&s.created_at, s.order.first()) {
            (Some(c), Some(o)) => format!(
                "(SELECT m.{}::timestamptz FROM {t} m WHERE m.{p} = ids.id ORDER BY m.{} LIMIT 1)",
                quote_ident(c),
                quote_ident(o)
            ),
            _ => "NULL::timestamptz".to_string(),
        };
        let (op, dir) = if backward { ("<", "DESC") } else { (">", "ASC") };
        let mut qb = QueryBuilder::<Postgres>::new(format!(
            "WITH RECURSIVE ids(id) AS ((SELECT m.{p} FROM {t} m WHERE m.{p} IS NOT NULL"
        ));
        if let Some(key) = after {
            let v = key.first().cloned().flatten().ok_or_else(|| DbError::Invalid("an empty cursor".into()))?;
            qb.push(format!(" AND m.{p} {op} ")).push_bind(v).push(format!("::{cast}"));
        }
        qb.push(format!(
            " ORDER BY m.{p} {dir} LIMIT 1) UNION ALL \
             SELECT (SELECT m.{p} FROM {t} m WHERE m.{p} {op} ids.id ORDER BY m.{p} {dir} LIMIT 1) \
             FROM ids WHERE ids.id IS NOT NULL) \
             SELECT ids.id::text, NULL::text, NULL::text, {first_at}, NULL::text, NULL::text, NULL::text, NULL::bigint, \
                    ARRAY[ids.id::text], ARRAY[]::text[], NULL::text, NULL::timestamptz \
             FROM ids WHERE ids.id IS NOT NULL LIMIT "
        ));
        qb.push_bind(limit as i64 + 1);
        let rows: Vec<Raw> = qb.build_query_as().fetch_all(&mut *conn).await?;
        Ok(finish(rows, limit))
    }
}

/// One list the console pages, and how the database reads a page of it.
#[derive(Debug, Clone, PartialEq)]
pub struct ListPath {
    pub kind: Kind,
    /// The entity it is listed under (`None`: at the top).
    pub under: Option<Kind>,
    pub table: Table,
    /// The planner's estimate of the table's rows.
    pub rows: Option<i64>,
    pub reading: Reading,
    /// The index that would make a page one range of it.
    pub create: String,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Reading {
    /// An index starts with the parent and the order: a page is a range.
    Range,
    /// An index finds the parent's rows, which each page then sorts.
    SortedPerParent,
    /// No index helps: each page reads (and sorts) the whole table.
    WholeTable,
}

/// A part of a list read by `page_under`: the whole order, or (when its
/// first column may be NULL) the rows where it is set, then those where it
/// is NULL.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Part {
    Whole,
    NotNull,
    Null,
}

type Raw = (
    String,
    Option<String>,
    Option<String>,
    Option<DateTime<Utc>>,
    Option<String>,
    Option<String>,
    Option<String>,
    Option<i64>,
    Vec<Option<String>>,
    Vec<Option<String>>,
    Option<String>,
    Option<DateTime<Utc>>,
);

/// Rows of a `limit + 1` query: the page, and the next cursor when the
/// extra row says there is more.
fn finish(rows: Vec<Raw>, limit: u32) -> MappedPage {
    let more = rows.len() > limit as usize;
    let rows: Vec<MappedRow> = rows
        .into_iter()
        .take(limit as usize)
        .map(
            |(
                id,
                title,
                status,
                created_at,
                role,
                content,
                metadata,
                token_count,
                key,
                cells,
                parent_title,
                ended_at,
            )| {
                MappedRow {
                    id,
                    title,
                    status,
                    created_at,
                    role,
                    content,
                    // Text that is not JSON (a json column holds only JSON) is kept as a string.
                    metadata: metadata.map(|m| serde_json::from_str(&m).unwrap_or(serde_json::Value::String(m))),
                    token_count,
                    key,
                    cells,
                    parent_title,
                    ended_at,
                }
            },
        )
        .collect();
    let next = if more { rows.last().map(|r| r.key.clone()) } else { None };
    MappedPage { rows, next }
}

/// `prefix%` for LIKE, the prefix's own `%`, `_` and `\` taken literally.
fn like_prefix(prefix: &str) -> String {
    let mut out = String::with_capacity(prefix.len() + 1);
    for c in prefix.chars() {
        if matches!(c, '%' | '_' | '\\') {
            out.push('\\');
        }
        out.push(c);
    }
    out.push('%');
    out
}

/// A vector as pgvector's text form (`[0.1,0.2]`): each float written in
/// its shortest form that reads back to the same value.
pub fn vector_text(v: &[f32]) -> String {
    format!("[{}]", v.iter().map(|x| x.to_string()).collect::<Vec<_>>().join(","))
}

/// A value to write, as text cast to the column's type (`None`: NULL).
pub type Value = Option<String>;

/// What a required column nobody sets is given: (type, column, a serial
/// number, a vector's dimension) → the value as text. Sample data decides
/// (`seed::layout::sample_value`); [`filler`] is the plain one.
pub type Filler = fn(&str, &str, u64, Option<usize>) -> String;

/// Writes rows into a layout's tables for sample data and tests: the
/// mapped columns as given, and every other NOT NULL column without a
/// default filled by `fill` (a foreign key with a row of the table it
/// points at, made the same way when that table is empty).
pub struct Writer<'m> {
    mapped: &'m Mapped,
    fill: Filler,
    /// (table, column) → (table, column) it references (single-column keys).
    fks: std::collections::HashMap<(Table, String), (Table, String)>,
    serial: u64,
    /// How deep `any_row` has recursed through required foreign keys.
    depth: u32,
}

impl<'m> Writer<'m> {
    pub async fn new(conn: &mut PgConnection, mapped: &'m Mapped, fill: Filler) -> Result<Writer<'m>> {
        let fks: Vec<(String, String, String, String, String, String)> = sqlx::query_as(
            "SELECT sn.nspname::text, s.relname::text, sa.attname::text, tn.nspname::text, t.relname::text, ta.attname::text \
             FROM pg_constraint c \
             JOIN pg_class s ON s.oid = c.conrelid JOIN pg_namespace sn ON sn.oid = s.relnamespace \
             JOIN pg_class t ON t.oid = c.confrelid JOIN pg_namespace tn ON tn.oid = t.relnamespace \
             JOIN pg_attribute sa ON sa.attrelid = c.conrelid AND sa.attnum = c.conkey[1] \
             JOIN pg_attribute ta ON ta.attrelid = c.confrelid AND ta.attnum = c.confkey[1] \
             WHERE c.contype = 'f' AND array_length(c.conkey, 1) = 1 \
               AND sn.nspname NOT IN ('pg_catalog', 'information_schema')",
        )
        .fetch_all(&mut *conn)
        .await?;
        Ok(Writer {
            mapped,
            fill,
            fks: fks
                .into_iter()
                .map(|(sn, s, sa, tn, t, ta)| {
                    ((Table { schema: sn, name: s }, sa), (Table { schema: tn, name: t }, ta))
                })
                .collect(),
            serial: 0,
            depth: 0,
        })
    }

    /// The (table, column) a column's single-column foreign key points at.
    pub fn references(&self, table: &Table, column: &str) -> Option<&(Table, String)> {
        self.fks.get(&(table.clone(), column.to_string()))
    }

    /// The dimension of a vector column (`None`: not a vector, or no fixed dimension).
    pub fn dimension(&self, table: &Table, column: &str) -> Option<usize> {
        self.mapped.catalog.column(table, column).and_then(|c| c.dim)
    }

    /// Inserts one row of `table` with `set` (column → value) and returns
    /// the text of `returning`.
    pub fn insert<'a>(
        &'a mut self,
        conn: &'a mut PgConnection,
        table: &'a Table,
        set: Vec<(String, Value)>,
        returning: &'a str,
    ) -> futures::future::BoxFuture<'a, Result<Option<String>>> {
        Box::pin(async move {
            let columns = self.mapped.catalog.tables.get(table).cloned().unwrap_or_default();
            let mut names = Vec::new();
            let mut values: Vec<(Value, String)> = Vec::new();
            let mut by_position: Vec<(&String, &crate::schema::Column)> = columns.iter().collect();
            by_position.sort_by_key(|(_, c)| c.position);
            for (name, c) in by_position {
                let value = match set.iter().find(|(n, _)| n == name) {
                    Some((_, v)) => v.clone(),
                    None if c.nullable || c.has_default => continue,
                    None => {
                        self.serial += 1;
                        match self.fks.get(&(table.clone(), name.clone())).cloned() {
                            Some((ref_table, ref_column)) => {
                                self.any_row(&mut *conn, &ref_table, ref_column.as_str()).await?
                            }
                            None => Some((self.fill)(&c.udt, name, self.serial, self.dimension(table, name))),
                        }
                    }
                };
                names.push(quote_ident(name));
                values.push((value, c.type_sql()));
            }
            let mut qb = QueryBuilder::<Postgres>::new(format!("INSERT INTO {} (", table.quoted()));
            qb.push(names.join(", ")).push(") VALUES (");
            for (i, (v, type_sql)) in values.into_iter().enumerate() {
                if i > 0 {
                    qb.push(", ");
                }
                qb.push_bind(v).push(format!("::{type_sql}"));
            }
            if names.is_empty() {
                qb = QueryBuilder::new(format!("INSERT INTO {} DEFAULT VALUES", table.quoted()));
            } else {
                qb.push(")");
            }
            qb.push(format!(" RETURNING {}::text", quote_ident(returning)));
            let (id,): (Option<String>,) = qb.build_query_as().fetch_one(&mut *conn).await?;
            Ok(id)
        })
    }

    /// A value of `column` from some row of `table`, made when it has none.
    async fn any_row(&mut self, conn: &mut PgConnection, table: &Table, column: &str) -> Result<Value> {
        // A required key to its own table (or a cycle of them) cannot be
        // filled this way: refuse rather than recurse without end.
        self.depth += 1;
        if self.depth > 8 {
            self.depth = 0;
            return Err(DbError::Invalid(format!(
                "{table}.{column}: required foreign keys form a cycle; fill this table by hand"
            )));
        }
        let v = self.any_row_at(conn, table, column).await;
        self.depth = self.depth.saturating_sub(1);
        v
    }

    async fn any_row_at(&mut self, conn: &mut PgConnection, table: &Table, column: &str) -> Result<Value> {
        let found: Option<(Option<String>,)> =
            sqlx::query_as(&format!("SELECT {}::text FROM {} LIMIT 1", quote_ident(column), table.quoted()))
                .fetch_optional(&mut *conn)
                .await?;
        match found {
            Some((v,)) => Ok(v),
            None => self.insert(conn, table, Vec::new(), column).await,
        }
    }
}

/// A value of type `udt` for a NOT NULL column nobody mapped: unique where
/// it is text (such columns are often UNIQUE), neutral otherwise: zero,
/// false, an empty object, a fixed time, a fresh UUID, a unit vector,
/// `column-serial`.
pub fn filler(udt: &str, column: &str, serial: u64, dim: Option<usize>) -> String {
    match udt {
        "int2" | "int4" | "int8" | "numeric" | "float4" | "float8" => "0".into(),
        "bool" => "false".into(),
        "json" | "jsonb" => "{}".into(),
        "timestamptz" | "timestamp" | "date" => "2026-01-01 00:00:00+00".into(),
        "uuid" => uuid::Uuid::new_v4().to_string(),
        "vector" => {
            let d = dim.unwrap_or(3);
            format!("[{}]", std::iter::repeat_n("0", d.saturating_sub(1)).chain(["1"]).collect::<Vec<_>>().join(","))
        }
        t if t.starts_with('_') => "{}".into(),
        _ => format!("{column}-{serial}"),
    }
}

/// Creates a layout's schema from its DDL (`schema::ddl`), in one
/// transaction: all of it or nothing.
pub async fn create_schema(conn: &mut PgConnection, ddl: &str) -> Result<()> {
    use sqlx::Executor;
    let mut tx = sqlx::Connection::begin(&mut *conn).await?;
    tx.execute(ddl).await?;
    tx.commit().await?;
    Ok(())
}

/// What a vector search on a layout compares with.
#[derive(Debug, Clone, Copy)]
pub enum Probe<'a> {
    /// Row `id`'s own vector (more-like-this: no model needed), among the
    /// rows under its grandparent.
    Row(&'a str),
    /// A query's vector, among the rows under parent `within`'s parent.
    Vector { vector: &'a [f32], within: &'a str },
    /// A query's vector, among the rows of every document under
    /// `grandparent` (a domain's pages' chunks, a project's documents').
    VectorIn { vector: &'a [f32], grandparent: &'a str },
}

/// How a vector search runs: every vector compared, or through the
/// column's index (HNSW or ivfflat) at these settings (`None`: the
/// server's, pgvector's defaults being ef_search 40 and probes 1).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct VectorMode {
    pub exact: bool,
    pub probes: Option<u32>,
    pub ef_search: Option<u32>,
    /// The index's first candidates only, with no iterative scan (as
    /// pgvector before 0.8): a scope filtered after the scan may then get
    /// fewer than k rows.
    pub single_pass: bool,
    /// The distance compared by, where not the one the column's index
    /// serves (ours: cosine, ip or l2 as asked; its indexes serve cosine).
    pub metric: Option<super::search::Metric>,
}

impl VectorMode {
    pub const EXACT: VectorMode =
        VectorMode { exact: true, probes: None, ef_search: None, single_pass: false, metric: None };
}

/// One search result: the row, its distance by the column's metric, the
/// similarity that distance means (none for L2) and its text.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct Nearest {
    pub id: String,
    pub distance: f64,
    pub similarity: Option<f64>,
    pub text: Option<String>,
    /// What the row's parent is called (a chunk's page or document), where
    /// the layout names a title for it: why a chunk won is read with where
    /// it comes from.
    pub parent_title: Option<String>,
    /// The parent row's id, where to place it in its list (the order's
    /// first column, when that is not the id) and the values of the
    /// layout's shown columns: what a hit shows beyond its text, read in
    /// the same statement (ours: its document, position and tokens).
    #[serde(skip)]
    pub parent: Option<String>,
    #[serde(skip)]
    pub position: Option<String>,
    #[serde(skip)]
    pub cells: Vec<Option<String>>,
}

impl Mapped {
    /// The vector column of `kind`: (table, id column, vector column).
    fn vector_columns(&self, kind: Kind) -> Result<(Table, &str, &str)> {
        let e = self.entity(kind)?;
        match (e.table.as_deref(), e.id.as_deref(), e.embedding.as_deref()) {
            (Some(t), Some(i), Some(v)) => Ok((Table::parse(t), i, v)),
            _ => Err(DbError::Invalid(format!("layout '{}': [{kind}] has no vectors to compare", self.layout.name))),
        }
    }

    /// The dimension and vector index method of `kind`'s vector column.
    pub fn vector_column(&self, kind: Kind) -> Result<(Option<usize>, Option<&str>)> {
        let (table, _, v) = self.vector_columns(kind)?;
        let dim = self.catalog.column(&table, v).and_then(|c| c.dim);
        Ok((dim, self.vector_index(kind).map(|(method, _)| method)))
    }

    /// The vector index a search of `kind` can walk: its method and
    /// operator class. Only a vector index says a distance (a btree on the
    /// column does not); one on the column cast to a size counts where the
    /// layout names the rows' `dimension`, so the search casts as it does.
    fn vector_index(&self, kind: Kind) -> Option<(&str, &str)> {
        let e = self.entity(kind).ok()?;
        let (table, _, v) = self.vector_columns(kind).ok()?;
        let c = self.catalog.column(&table, v)?;
        if c.index_on_size && e.dimension.is_none() {
            return None;
        }
        match (c.index.as_deref(), c.index_ops.as_deref()) {
            (Some(method @ ("hnsw" | "ivfflat")), Some(ops)) => Some((method, ops)),
            _ => None,
        }
    }

    /// The distance `kind`'s vectors are compared by: the one their index's
    /// operator class serves (a search by another would not use the index),
    /// cosine when the column has no vector index.
    pub fn metric(&self, kind: Kind) -> Result<super::search::Metric> {
        let (table, _, v) = self.vector_columns(kind)?;
        match self.vector_index(kind).map(|(_, ops)| ops) {
            None => Ok(super::search::Metric::Cosine),
            Some(ops) => super::search::Metric::of_opclass(ops).ok_or_else(|| {
                DbError::Invalid(format!(
                    "{table}.{v} is indexed with {ops}, a distance ragdesk does not search by (cosine, ip, l2)"
                ))
            }),
        }
    }

    /// A search like row `id` in a column of vectors of several sizes
    /// (`dimension`): the row's vector and parent, read first, since the
    /// statement is built for the query's size. `None` for any other probe
    /// or column (the statement reads the row itself).
    async fn row_as_query(
        &self,
        conn: &mut PgConnection,
        kind: Kind,
        probe: Probe<'_>,
    ) -> Result<Option<(Vec<f32>, String)>> {
        let e = self.entity(kind)?;
        let Probe::Row(id) = probe else { return Ok(None) };
        if e.dimension.is_none() {
            return Ok(None);
        }
        let (table, idc, emb) = self.vector_columns(kind)?;
        let parent = e.parent.as_deref().ok_or_else(|| {
            DbError::Invalid(format!("layout '{}': [{kind}] has no parent to search under", self.layout.name))
        })?;
        let row: std::result::Result<Option<(Option<Vec<f32>>, Option<String>)>, sqlx::Error> =
            sqlx::query_as(&format!(
                "SELECT c.{}::real[], c.{}::text FROM {} c WHERE c.{} = $1::{}",
                quote_ident(emb),
                quote_ident(parent),
                table.quoted(),
                quote_ident(idc),
                self.cast(&table, idc)?
            ))
            .bind(id)
            .fetch_optional(&mut *conn)
            .await;
        match none_if_mistyped(row)? {
            Some((Some(vector), Some(within))) => Ok(Some((vector, within))),
            _ => Err(DbError::NotFound(format!("{kind} {id} (or it has no vector)"))),
        }
    }

    /// Does a vector index of `kind`'s column serve `metric` (an
    /// approximate search then walks it)?
    fn index_serves(&self, kind: Kind, metric: super::search::Metric) -> bool {
        self.vector_index(kind).and_then(|(_, ops)| super::search::Metric::of_opclass(ops)) == Some(metric)
    }

    /// The `k` rows of `kind` nearest to `probe` by its metric, within
    /// its scope (never other tenants' rows when the layout says whose they
    /// are), exactly or through the vector index as `mode` says.
    pub async fn nearest(
        &self,
        conn: &mut PgConnection,
        kind: Kind,
        probe: Probe<'_>,
        k: u32,
        mode: VectorMode,
    ) -> Result<Vec<Nearest>> {
        Ok(self.nearest_reading(conn, kind, probe, k, mode, None).await?.0)
    }

    /// `nearest`, and the value `setting` (`ivfflat.probes`,
    /// `hnsw.ef_search`) had for it: read in its transaction after the
    /// search, so pgvector is loaded and the value is the one that applied
    /// (the console's, else the server's, database's or role's).
    pub async fn nearest_reading(
        &self,
        conn: &mut PgConnection,
        kind: Kind,
        probe: Probe<'_>,
        k: u32,
        mode: VectorMode,
        setting: Option<&str>,
    ) -> Result<(Vec<Nearest>, Option<u32>)> {
        let own = self.row_as_query(conn, kind, probe).await?;
        let probe = own.as_ref().map_or(probe, |(vector, within)| Probe::Vector { vector, within });
        let (sql, metric) = self.nearest_sql(kind, probe, mode)?;
        let mut tx = sqlx::Connection::begin(&mut *conn).await?;
        search_settings(&mut tx, mode, self.index_serves(kind, metric)).await?;
        type Hit = (String, f64, Option<String>, Option<String>, Option<String>, Option<String>, Vec<Option<String>>);
        let rows: Vec<Hit> = none_if_mistyped(bind_probe(sqlx::query_as(&sql), probe, k).fetch_all(&mut *tx).await)?;
        let applied = match setting {
            Some(name) => super::search::index_setting(&mut tx, name).await?,
            None => None,
        };
        tx.commit().await?;
        if rows.is_empty()
            && let Probe::Row(id) = probe
        {
            return Err(DbError::NotFound(format!("{kind} {id} (or it has no vector)")));
        }
        let mut rows: Vec<Nearest> = rows
            .into_iter()
            .map(|(id, distance, text, parent_title, parent, position, cells)| Nearest {
                id,
                distance,
                similarity: metric.similarity(distance),
                text,
                parent_title,
                parent,
                position,
                cells,
            })
            .collect();
        // An iterative scan in relaxed order may give a row a little out of
        // place (pgvector's words): the rows the index found, in order
        // (equal distances by id, so a comparison sees no false moves).
        rows.sort_by(|a, b| a.distance.total_cmp(&b.distance).then_with(|| a.id.cmp(&b.id)));
        Ok((rows, applied))
    }

    /// The plan of `nearest` (EXPLAIN ANALYZE, run and rolled back), and
    /// whether a vector index ordered the rows (an index scan's `Order By`:
    /// a sort reads every vector).
    pub async fn explain_nearest(
        &self,
        conn: &mut PgConnection,
        kind: Kind,
        probe: Probe<'_>,
        k: u32,
        mode: VectorMode,
    ) -> Result<(String, bool)> {
        let own = self.row_as_query(conn, kind, probe).await?;
        let probe = own.as_ref().map_or(probe, |(vector, within)| Probe::Vector { vector, within });
        let (sql, metric) = self.nearest_sql(kind, probe, mode)?;
        let explain = format!("EXPLAIN (ANALYZE, BUFFERS) {sql}");
        let mut tx = sqlx::Connection::begin(&mut *conn).await?;
        search_settings(&mut tx, mode, self.index_serves(kind, metric)).await?;
        let lines = bind_probe(sqlx::query_as::<_, (String,)>(&explain), probe, k).fetch_all(&mut *tx).await?;
        tx.rollback().await?;
        let plan: Vec<String> = lines.into_iter().map(|(l,)| super::search::shorten_vectors(&l)).collect();
        let indexed = plan.iter().any(|l| l.trim_start().starts_with("Order By:"));
        Ok((plan.join("\n"), indexed))
    }

    /// The statement of `nearest` and the metric its distances are in.
    /// Only identifiers of the layout, quoted, reach it; the probe is bound.
    fn nearest_sql(&self, kind: Kind, probe: Probe<'_>, mode: VectorMode) -> Result<(String, super::search::Metric)> {
        let e = self.entity(kind)?;
        let (table, idc, emb) = self.vector_columns(kind)?;
        let (t, i) = (table.quoted(), quote_ident(idc));
        let text = e.content.as_deref().map(|c| format!("c.{}::text", quote_ident(c))).unwrap_or("NULL::text".into());
        let cast = self.cast(&table, idc)?;
        // A column of vectors of several sizes (ours) is compared at the
        // query's size, cast to it, in the rows of that size: the
        // expression and predicate of that size's index.
        let (sized, only_sized) = match (e.dimension.as_deref(), probe) {
            (None, _) => (None, String::new()),
            // (`row_as_query` makes it a search by the row's vector.)
            (Some(_), Probe::Row(_)) => {
                return Err(DbError::Invalid(format!(
                    "{table}.{emb} holds vectors of several sizes: search with the row's vector, not its id"
                )));
            }
            (Some(d), Probe::Vector { vector, .. } | Probe::VectorIn { vector, .. }) => {
                (Some(vector.len()), format!(" AND c.{} = {}", quote_ident(d), vector.len()))
            }
        };
        let v = match sized {
            Some(n) => format!("{}::{}({n})", quote_ident(emb), self.cast(&table, emb)?),
            None => quote_ident(emb),
        };
        let (query, own_parent) = match probe {
            Probe::Row(_) => (
                format!("(SELECT {v} FROM {t} WHERE {i} = $1::{cast})"),
                e.parent
                    .as_deref()
                    .map(|p| format!("(SELECT c2.{0} FROM {t} c2 WHERE c2.{i} = $1::{cast})", quote_ident(p))),
            ),
            Probe::Vector { vector, .. } | Probe::VectorIn { vector, .. } => {
                if let Some(d) = self.catalog.column(&table, emb).and_then(|c| c.dim).filter(|d| *d != vector.len()) {
                    return Err(DbError::Invalid(format!(
                        "the query vector has {} dimensions; {table}.{emb} holds {d}",
                        vector.len()
                    )));
                }
                let p = match (&e.parent, probe) {
                    (Some(p), Probe::Vector { .. }) => Some(format!("$3::{}", self.cast(&table, p)?)),
                    _ => None,
                };
                // The column's own type, named with its schema (Supabase
                // keeps pgvector in `extensions`), at the rows' size.
                let size = sized.map(|n| format!("({n})")).unwrap_or_default();
                (format!("$1::real[]::{}{size}", self.cast(&table, emb)?), p)
            }
        };
        let scope = match probe {
            Probe::VectorIn { .. } => self.documents_scope(kind)?,
            _ => self.similar_scope(kind, own_parent)?,
        };
        let metric = match mode.metric {
            Some(m) => m,
            None => self.metric(kind)?,
        };
        // pgvector's operators live in its schema, as its type does: named
        // with it, they are found off the search path too.
        let op = match self.catalog.column(&table, emb).map(|c| c.udt_schema.as_str()) {
            Some(schema) if schema != "pg_catalog" && !schema.is_empty() => {
                format!("OPERATOR({}.{})", quote_ident(schema), metric.operator())
            }
            _ => metric.operator().to_string(),
        };
        // Exact: every vector of the scope compared. `+ 0` keeps the vector
        // index out of the plan (it cannot serve an expression), while the
        // btree indexes that find the scope still can.
        // Exact: ties by id, so the k at the edge are the same each time
        // (a comparison sees no false moves).
        let order = if mode.exact { format!("(c.{v} {op} {query}) + 0, c.{i}") } else { format!("c.{v} {op} {query}") };
        let parent_title = self.parent_title_sql(kind)?;
        let as_text = |c: Option<&String>| c.map(|c| format!("c.{}::text", quote_ident(c)));
        let parent = as_text(e.parent.as_ref()).unwrap_or("NULL::text".into());
        let position = as_text(e.order.first().filter(|o| Some(*o) != e.id.as_ref())).unwrap_or("NULL::text".into());
        let shown: Vec<String> = e.shown.iter().filter_map(|c| as_text(Some(c))).collect();
        let cells = format!("ARRAY[{}]::text[]", shown.join(", "));
        // The top k by where each row is (its table and ctid), then their
        // text and parent's title read for those k alone: a subquery in
        // the list of the ranking's own select would keep an exact search
        // on one core, and its text would be read for every row compared
        // (ours, exact at 100,000 chunks: 150 against 200 ms).
        let sql = format!(
            "SELECT c.{i}::text, m.distance::float8, {text}, {parent_title}, {parent}, {position}, {cells} \
             FROM (SELECT c.tableoid AS tableoid, c.ctid AS ctid, (c.{v} {op} {query}) AS distance FROM {t} c \
                   WHERE c.{} IS NOT NULL AND {query} IS NOT NULL{only_sized}{scope} ORDER BY {order} LIMIT $2) m \
             JOIN {t} c ON c.tableoid = m.tableoid AND c.ctid = m.ctid",
            quote_ident(emb)
        );
        Ok((sql, metric))
    }

    /// The title of the document a row `c` of `kind` belongs to (a page's
    /// URL, a file's name), looked up by its id (one index probe per result
    /// row); NULL where the parent is no document (001's chunks belong to
    /// the demo searched: the same for every row) or has no title.
    fn parent_title_sql(&self, kind: Kind) -> Result<String> {
        let e = self.entity(kind)?;
        let parent =
            self.layout.parent_of(kind).filter(|pk| *pk == Kind::Document).and_then(|pk| self.layout.entity(pk));
        let (Some(column), Some(pe)) = (e.parent.as_deref(), parent) else { return Ok("NULL::text".into()) };
        let (Some(pt), Some(pid), Some(title)) = (pe.table.as_deref(), pe.id.as_deref(), pe.title.as_deref()) else {
            return Ok("NULL::text".into());
        };
        let ptable = Table::parse(pt);
        // The child's column cast to the parent id's own type: its index serves.
        let cast = self.cast(&ptable, pid)?;
        Ok(format!(
            "(SELECT p.{}::text FROM {} p WHERE p.{} = c.{}::{cast})",
            quote_ident(title),
            ptable.quoted(),
            quote_ident(pid),
            quote_ident(column)
        ))
    }

    /// Where a search looks, given the SQL of the parent the probe belongs
    /// to: for a document's rows, every document under the same parent (a
    /// chunk's neighbours in its whole knowledge base, domain or project);
    /// otherwise the parent's rows (001's demo, 002's workspace). Only identifiers of the layout,
    /// quoted.
    fn similar_scope(&self, kind: Kind, own_parent: Option<String>) -> Result<String> {
        let e = self.entity(kind)?;
        let (Some(parent), Some(own_parent)) = (e.parent.as_deref(), own_parent) else { return Ok(String::new()) };
        let p = quote_ident(parent);
        // A document's chunks belong to its knowledge base (domain,
        // project) as a whole; a demo's or a knowledge base's are the
        // scope themselves.
        let grand = self
            .layout
            .parent_of(kind)
            .filter(|pk| *pk == Kind::Document)
            .and_then(|pk| self.layout.entity(pk))
            .and_then(|pe| Some((Table::parse(pe.table.as_deref()?), pe.id.as_deref()?, pe.parent.as_deref()?)));
        Ok(match grand {
            Some((pt, pid, pparent)) => {
                let (pt, pid, pp) = (pt.quoted(), quote_ident(pid), quote_ident(pparent));
                format!(
                    " AND c.{p} IN (SELECT s.{pid} FROM {pt} s WHERE s.{pp} = \
                     (SELECT s2.{pp} FROM {pt} s2 WHERE s2.{pid} = {own_parent}))"
                )
            }
            None => format!(" AND c.{p} = {own_parent}"),
        })
    }

    /// The rows of `kind` in every document under the grandparent bound as
    /// `$3` (a domain's pages' chunks): for a layout whose `kind` belongs
    /// to documents that have a parent. Only identifiers of the layout, quoted.
    fn documents_scope(&self, kind: Kind) -> Result<String> {
        let e = self.entity(kind)?;
        // Rows that name the grandparent themselves (ours: a chunk's
        // `kb_id`, its `listed_under`) are kept by that one column: a
        // filter a parallel scan serves, where a join to the documents is
        // planned on one core (ours, exact at 100,000 chunks: 103 against
        // 188 ms).
        let grandparent = self.layout.parent_of(Kind::Document);
        if let Some(column) = grandparent.and_then(|g| e.listed_under.get(g.name())) {
            let (table, _, _) = self.vector_columns(kind)?;
            return Ok(format!(" AND c.{} = $3::{}", quote_ident(column), self.cast(&table, column)?));
        }
        let documents =
            self.layout.parent_of(kind).filter(|pk| *pk == Kind::Document).and_then(|pk| self.layout.entity(pk));
        let (Some(p), Some(de)) = (e.parent.as_deref(), documents) else {
            return Err(DbError::Invalid(format!("{} do not belong to documents", self.layout.label(kind))));
        };
        let (Some(dt), Some(did), Some(dparent)) = (de.table.as_deref(), de.id.as_deref(), de.parent.as_deref()) else {
            return Err(DbError::Invalid(format!(
                "{} have no parent to search under",
                self.layout.label(Kind::Document)
            )));
        };
        let dt = Table::parse(dt);
        let cast = self.cast(&dt, dparent)?;
        // The child's column cast to the documents' id type, as
        // `parent_title_sql` does: a text key against uuid ids compares.
        let id_type = self.cast(&dt, did)?;
        Ok(format!(
            " AND c.{}::{id_type} IN (SELECT s.{} FROM {} s WHERE s.{} = $3::{cast})",
            quote_ident(p),
            quote_ident(did),
            dt.quoted(),
            quote_ident(dparent)
        ))
    }

    /// Every vector of `kind` as (id, values): for checks on small sets only.
    pub async fn all_vectors(
        &self,
        conn: &mut PgConnection,
        kind: Kind,
        limit: u32,
    ) -> Result<Vec<(String, Vec<f32>)>> {
        let e = self.entity(kind)?;
        let (Some(table), Some(emb), Some(idc)) = (e.table.as_deref(), e.embedding.as_deref(), e.id.as_deref()) else {
            return Err(DbError::Invalid(format!("[{kind}] has no vectors")));
        };
        // As `real[]`: a cast found wherever pgvector's type lives.
        let rows: Vec<(String, Vec<f32>)> = sqlx::query_as(&format!(
            "SELECT {}::text, {}::real[] FROM {} WHERE {} IS NOT NULL LIMIT $1",
            quote_ident(idc),
            quote_ident(emb),
            Table::parse(table).quoted(),
            quote_ident(emb)
        ))
        .bind(limit as i64)
        .fetch_all(&mut *conn)
        .await?;
        Ok(rows)
    }
}

/// Where ragdesk labels the vectors it wrote into another platform's
/// tables (`seed --layout`): which model made them, so a text query uses
/// the same one. A schema of our own; the platform's tables stay as they are.
const VECTOR_LABELS: &str = "CREATE SCHEMA IF NOT EXISTS ragdesk_meta; \
     CREATE TABLE IF NOT EXISTS ragdesk_meta.vector_models ( \
         table_schema text NOT NULL, table_name text NOT NULL, column_name text NOT NULL, \
         provider text NOT NULL, model text NOT NULL, dimension int NOT NULL, note text NOT NULL, \
         at timestamptz NOT NULL DEFAULT now(), PRIMARY KEY (table_schema, table_name, column_name))";

/// What made a column's vectors, as recorded in `ragdesk_meta`.
#[derive(Debug, Clone, PartialEq)]
pub struct VectorLabel {
    pub spec: crate::spec::ModelSpec,
    /// For people: "all-MiniLM-L6-v2, 384-d, zero-padded to 1536".
    pub note: String,
}

impl Mapped {
    /// Records which model wrote `kind`'s vectors.
    pub async fn label_vectors(&self, conn: &mut PgConnection, kind: Kind, label: &VectorLabel) -> Result<()> {
        use sqlx::Executor;
        let (table, _, emb) = self.vector_columns(kind)?;
        let mut tx = sqlx::Connection::begin(&mut *conn).await?;
        tx.execute(VECTOR_LABELS).await?;
        sqlx::query(
            "INSERT INTO ragdesk_meta.vector_models (table_schema, table_name, column_name, provider, model, dimension, note) \
             VALUES ($1, $2, $3, $4, $5, $6, $7) ON CONFLICT (table_schema, table_name, column_name) DO UPDATE \
             SET provider = EXCLUDED.provider, model = EXCLUDED.model, dimension = EXCLUDED.dimension, \
                 note = EXCLUDED.note, at = now()",
        )
        .bind(&table.schema)
        .bind(&table.name)
        .bind(emb)
        .bind(&label.spec.provider)
        .bind(&label.spec.model)
        .bind(label.spec.dim as i32)
        .bind(&label.note)
        .execute(&mut *tx)
        .await?;
        tx.commit().await?;
        Ok(())
    }

    /// Which model wrote `kind`'s vectors, when ragdesk recorded it.
    pub async fn vector_label(&self, conn: &mut PgConnection, kind: Kind) -> Result<Option<VectorLabel>> {
        let (table, _, emb) = self.vector_columns(kind)?;
        let (exists,): (bool,) = sqlx::query_as("SELECT to_regclass('ragdesk_meta.vector_models') IS NOT NULL")
            .fetch_one(&mut *conn)
            .await?;
        if !exists {
            return Ok(None);
        }
        let row: Option<(String, String, i32, String)> = sqlx::query_as(
            "SELECT provider, model, dimension, note FROM ragdesk_meta.vector_models \
             WHERE table_schema = $1 AND table_name = $2 AND column_name = $3",
        )
        .bind(&table.schema)
        .bind(&table.name)
        .bind(emb)
        .fetch_optional(&mut *conn)
        .await?;
        Ok(row.map(|(provider, model, dim, note)| VectorLabel {
            spec: crate::spec::ModelSpec { provider, model, dim: dim as usize },
            note,
        }))
    }

    /// Rewrites the vectors of `kind`'s rows with `embed` of their text, a
    /// page at a time in the table's id order (sample data: `seed --layout`).
    /// Returns how many rows it embedded.
    pub async fn embed_rows<F>(&self, conn: &mut PgConnection, kind: Kind, batch: u32, mut embed: F) -> Result<usize>
    where
        F: AsyncFnMut(Vec<String>) -> Result<Vec<Vec<f32>>>,
    {
        let e = self.entity(kind)?;
        let (table, idc, emb) = self.vector_columns(kind)?;
        let content = e.content.as_deref().ok_or_else(|| DbError::Invalid(format!("[{kind}] has no text to embed")))?;
        let (t, i, v, c) = (table.quoted(), quote_ident(idc), quote_ident(emb), quote_ident(content));
        let cast = self.cast(&table, idc)?;
        let mut after: Option<String> = None;
        let mut done = 0;
        loop {
            let rows: Vec<(String, String)> = sqlx::query_as(&format!(
                "SELECT {i}::text, coalesce({c}::text, '') FROM {t} \
                 WHERE $1::text IS NULL OR {i} > $1::{cast} ORDER BY {t}.{i} LIMIT $2"
            ))
            .bind(after.as_deref())
            .bind(batch.max(1) as i64)
            .fetch_all(&mut *conn)
            .await?;
            let Some(last) = rows.last().map(|r| r.0.clone()) else { break };
            let (ids, texts): (Vec<String>, Vec<String>) = rows.into_iter().unzip();
            let vectors = embed(texts).await?;
            // As text ('[0.1,…]'), read by the column's own type wherever
            // pgvector lives.
            let sizes: Vec<i32> = vectors.iter().map(|v| v.len() as i32).collect();
            let vectors: Vec<String> = vectors.iter().map(|v| vector_text(v)).collect();
            let vector_type = self.cast(&table, emb)?;
            // A column of several sizes keeps each row's beside it.
            let size = e.dimension.as_deref().map(|d| format!(", {} = u.n", quote_ident(d))).unwrap_or_default();
            sqlx::query(&format!(
                "UPDATE {t} SET {v} = u.v::{vector_type}{size} \
                 FROM unnest($1::text[], $2::text[], $3::int4[]) AS u(id, v, n) WHERE {t}.{i} = u.id::{cast}"
            ))
            .bind(&ids)
            .bind(&vectors)
            .bind(&sizes)
            .execute(&mut *conn)
            .await?;
            done += ids.len();
            after = Some(last);
        }
        Ok(done)
    }
}

impl Mapped {
    /// The whole-number column a written chunk's position goes in: its
    /// order's first column when that is an integer (not the id).
    fn chunk_position(&self) -> Option<&str> {
        let e = self.layout.entity(Kind::Chunk)?;
        let table = Table::parse(e.table.as_deref()?);
        let first = e.order.first().filter(|o| Some(*o) != e.id.as_ref())?;
        let column = self.catalog.column(&table, first)?;
        // Not a serial or identity (it has a default), nor unique across
        // parents (the next position under one parent would collide).
        let ours = matches!(column.udt.as_str(), "int2" | "int4" | "int8")
            && !column.has_default
            && !self.catalog.unique(&table, &[first.as_str()], None);
        ours.then_some(first.as_str())
    }

    /// How many chunks under `under` came from a file named `source` (0
    /// where the layout maps no title for chunks: nothing says where they came from).
    pub async fn chunks_from(&self, conn: &mut PgConnection, under: &str, source: &str) -> Result<i64> {
        let e = self.entity(Kind::Chunk)?;
        let (Some(table), Some(parent), Some(title)) = (e.table.as_deref(), e.parent.as_deref(), e.title.as_deref())
        else {
            return Ok(0);
        };
        let table = Table::parse(table);
        let (n,): (i64,) = sqlx::query_as(&format!(
            "SELECT count(*) FROM {} WHERE {} = $1::{} AND {}::text = $2",
            table.quoted(),
            quote_ident(parent),
            self.cast(&table, parent)?,
            quote_ident(title)
        ))
        .bind(under)
        .bind(source)
        .fetch_one(&mut *conn)
        .await?;
        Ok(n)
    }

    /// How each list of the layout is read, as the catalog's indexes say:
    /// the paths the console pages (an entity under its parent, or at the
    /// top), with the index that would make one a range where none does.
    /// The platform's schema is theirs: `doctor` reports, nothing is made.
    pub fn list_paths(&self) -> Vec<ListPath> {
        let mut out = Vec::new();
        for kind in self.layout.kinds() {
            let Some(e) = self.layout.entity(kind) else { continue };
            if e.json_array.is_some() {
                continue;
            }
            // A derived list (001's conversations) walks its source's parent column.
            let (table, parent, order): (Table, Option<&str>, Vec<&str>) = match &e.derived_from {
                Some(from) => {
                    let Some(s) = Kind::from_name(from).and_then(|k| self.layout.entity(k)) else { continue };
                    let (Some(t), Some(p)) = (s.table.as_deref(), s.parent.as_deref()) else { continue };
                    (Table::parse(t), None, vec![p])
                }
                None => {
                    let Some(t) = e.table.as_deref() else { continue };
                    let id = e.id.as_deref().or(e.key.as_deref()).unwrap_or_default();
                    let order =
                        if e.order.is_empty() { vec![id] } else { e.order.iter().map(String::as_str).collect() };
                    (Table::parse(t), e.parent.as_deref(), order)
                }
            };
            let reading = self.reading(&table, parent, &order);
            let wanted: Vec<&str> = parent.into_iter().chain(order.iter().copied()).collect();
            let create = format!(
                "CREATE INDEX ON {} ({})",
                table.quoted(),
                wanted.iter().map(|c| quote_ident(c)).collect::<Vec<_>>().join(", ")
            );
            out.push(ListPath {
                kind,
                under: self.layout.parent_of(kind).filter(|_| parent.is_some()),
                rows: self.catalog.estimated_rows.get(&table).copied().filter(|n| *n >= 0),
                table,
                reading,
                create,
            });
        }
        out
    }

    /// The rows of `table`, counted up to `cap` (for a table the planner has
    /// no estimate of: never analyzed).
    pub async fn count_rows(&self, conn: &mut PgConnection, table: &Table, cap: i64) -> Result<i64> {
        let (n,): (i64,) =
            sqlx::query_as(&format!("SELECT count(*) FROM (SELECT 1 FROM {} LIMIT $1) counted", table.quoted()))
                .bind(cap)
                .fetch_one(&mut *conn)
                .await?;
        Ok(n)
    }

    /// How a page of `table`'s rows (under `parent`'s value when given) in
    /// `order` is read, by the btree indexes the catalog has.
    fn reading(&self, table: &Table, parent: Option<&str>, order: &[&str]) -> Reading {
        let indexes = self.catalog.btree_indexes.get(table).map(Vec::as_slice).unwrap_or_default();
        let starts_with =
            |cols: &[&str]| indexes.iter().any(|ix| ix.len() >= cols.len() && ix.iter().zip(cols).all(|(a, b)| a == b));
        let wanted: Vec<&str> = parent.into_iter().chain(order.iter().copied()).collect();
        if starts_with(&wanted[..wanted.len().min(parent.map_or(1, |_| 2))]) {
            Reading::Range
        } else if parent.is_some_and(|p| starts_with(&[p])) {
            Reading::SortedPerParent
        } else {
            Reading::WholeTable
        }
    }

    /// The columns of `table` a write must fill (NOT NULL, no default)
    /// that are not among `filled`.
    fn unfilled_required(&self, table: &Table, filled: &[&str]) -> Vec<&String> {
        let Some(cols) = self.catalog.tables.get(table) else { return Vec::new() };
        cols.iter()
            .filter(|(name, c)| !c.nullable && !c.has_default && !filled.contains(&name.as_str()))
            .map(|(name, _)| name)
            .collect()
    }

    /// Why a chunk write cannot work here, if it cannot: the layout does
    /// not declare it, maps no parent or text, or the table requires a
    /// column the layout does not map. (`doctor` and `ingest --dry-run`
    /// say so before anything is read or embedded.)
    pub fn chunk_write_blockers(&self) -> Result<()> {
        if !self.layout.writes(Kind::Chunk) {
            return Err(DbError::Invalid(format!(
                "layout '{}' does not declare its chunks writable: ragdesk only reads them there",
                self.layout.name
            )));
        }
        let e = self.entity(Kind::Chunk)?;
        let (table, _, emb) = self.vector_columns(Kind::Chunk)?;
        let (Some(parent), Some(content)) = (e.parent.as_deref(), e.content.as_deref()) else {
            return Err(DbError::Invalid(format!(
                "layout '{}': [chunk] needs parent and content to be written",
                self.layout.name
            )));
        };
        // A platform's own rows are written with what the layout maps and
        // the table's defaults, nothing made up: a required column nobody
        // maps (a tenant key, say) refuses the write instead of being
        // filled with some other row's value.
        let mut mapped_columns = vec![parent, content, emb];
        mapped_columns.extend(e.dimension.as_deref());
        mapped_columns.extend(e.listed_under.values().map(String::as_str));
        mapped_columns.extend(e.title.as_deref());
        mapped_columns.extend(e.created_at.as_deref());
        mapped_columns.extend(self.chunk_position());
        let required = self.unfilled_required(&table, &mapped_columns);
        if !required.is_empty() {
            // A whole-number column is likely a position: ingest fills the
            // first column of the order when it is one.
            let position = required.iter().find(|c| {
                self.catalog.column(&table, c).is_some_and(|c| matches!(c.udt.as_str(), "int2" | "int4" | "int8"))
            });
            let hint = position
                .map(|p| format!(" (if {p} is a chunk's position, put it first in [chunk] order: ingest fills it)"))
                .unwrap_or_default();
            return Err(DbError::Invalid(format!(
                "{table} requires {} which layout '{}' does not map: ragdesk will not guess them{hint}",
                required.iter().map(|c| c.as_str()).collect::<Vec<_>>().join(", "),
                self.layout.name
            )));
        }
        Ok(())
    }

    /// Writes `chunks` under row `under` with one statement, in the
    /// caller's transaction, as the layout maps them: the parent, text and
    /// vector columns; each row's size (`dimension`); the file's name
    /// (`title`); times a microsecond apart (`created_at`), so a file's
    /// chunks list in its order; positions from `first_position` (the
    /// order's whole-number first column); the grandparent's id where the
    /// rows name it too (`listed_under`: our chunks' knowledge base); and
    /// the chunks' `values` of the layout's shown columns (ours: tokens and
    /// byte offsets). Every platform's chunks, ours included, are written
    /// here. Returns the ids written, in order.
    pub async fn write_chunks(
        &self,
        tx: &mut PgConnection,
        under: &str,
        source: Option<&str>,
        first_position: i64,
        chunks: &[ChunkToWrite<'_>],
    ) -> Result<Vec<String>> {
        let e = self.entity(Kind::Chunk)?;
        let (table, idc, emb) = self.vector_columns(Kind::Chunk)?;
        let (Some(parent), Some(content)) = (e.parent.as_deref(), e.content.as_deref()) else {
            return Err(DbError::Invalid(format!("layout '{}': [chunk] needs parent and content", self.layout.name)));
        };
        let Some(first) = chunks.first() else { return Ok(Vec::new()) };
        let named: Vec<&str> = first.values.iter().map(|(c, _)| *c).collect();
        if let Some(c) = named.iter().find(|c| !e.shown.iter().any(|s| s == *c)) {
            return Err(DbError::Invalid(format!("layout '{}' shows no chunk column {c}", self.layout.name)));
        }
        if chunks.iter().any(|c| c.values.iter().map(|(n, _)| *n).ne(named.iter().copied())) {
            return Err(DbError::Invalid("chunks written together give the same columns".into()));
        }
        let cast = |column: &str| self.cast(&table, column);
        let (mut columns, mut exprs) = (vec![parent, content, emb], Vec::new());
        // The parent and what is the same for every row are bound once.
        exprs.push(format!("$1::{}", cast(parent)?));
        exprs.push(format!("u.c0::{}", cast(content)?));
        exprs.push(format!("u.c1::{}", cast(emb)?));
        let mut arrays: Vec<Vec<Option<String>>> = vec![
            chunks.iter().map(|c| Some(c.text.to_string())).collect(),
            chunks.iter().map(|c| Some(vector_text(c.vector))).collect(),
        ];
        let mut binds: Vec<Option<String>> = vec![Some(under.to_string())];
        if let Some(d) = e.dimension.as_deref() {
            columns.push(d);
            exprs.push(format!("u.c{}::{}", arrays.len(), cast(d)?));
            arrays.push(chunks.iter().map(|c| Some(c.vector.len().to_string())).collect());
        }
        if let (Some(t), Some(source)) = (e.title.as_deref(), source) {
            columns.push(t);
            binds.push(Some(source.to_string()));
            exprs.push(format!("${}::{}", binds.len(), cast(t)?));
        }
        if let Some(c) = e.created_at.as_deref() {
            columns.push(c);
            binds.push(Some(Utc::now().to_rfc3339()));
            exprs.push(format!(
                "(${}::timestamptz + (u.ord - 1) * interval '1 microsecond')::{}",
                binds.len(),
                cast(c)?
            ));
        }
        if let Some(pos) = self.chunk_position() {
            columns.push(pos);
            binds.push(Some(first_position.to_string()));
            exprs.push(format!("(${}::int8 + u.ord - 1)::{}", binds.len(), cast(pos)?));
        }
        // The grandparent's id, from the parent row (once for the statement).
        let parent_kind = self.layout.parent_of(Kind::Chunk);
        let grand = parent_kind.and_then(|p| self.layout.parent_of(p).map(|g| (p, g)));
        if let Some((pk, gk)) = grand
            && let Some(column) = e.listed_under.get(gk.name())
            && let Some(pe) = self.layout.entity(pk)
            && let (Some(pt), Some(pid), Some(pp)) = (pe.table.as_deref(), pe.id.as_deref(), pe.parent.as_deref())
        {
            let pt = Table::parse(pt);
            columns.push(column);
            exprs.push(format!(
                "(SELECT p.{} FROM {} p WHERE p.{} = $1::{})::{}",
                quote_ident(pp),
                pt.quoted(),
                quote_ident(pid),
                self.cast(&pt, pid)?,
                cast(column)?
            ));
        }
        // A value for a column the layout fills already would name it twice.
        if let Some(c) = named.iter().enumerate().find(|(i, c)| columns.contains(c) || named[..*i].contains(c)) {
            return Err(DbError::Invalid(format!("chunk column {} is written once, by the layout", c.1)));
        }
        for (i, name) in named.iter().enumerate() {
            columns.push(name);
            exprs.push(format!("u.c{}::{}", arrays.len(), cast(name)?));
            arrays.push(chunks.iter().map(|c| c.values[i].1.clone()).collect());
        }
        // A required column left out would fail on the first row; said by name.
        let missing = self.unfilled_required(&table, &columns);
        if !missing.is_empty() {
            return Err(DbError::Invalid(format!(
                "{table} requires {} which these chunks do not fill",
                missing.iter().map(|c| c.as_str()).collect::<Vec<_>>().join(", ")
            )));
        }
        let arrays_from = binds.len() + 1;
        let unnest: Vec<String> = (0..arrays.len()).map(|k| format!("${}::text[]", arrays_from + k)).collect();
        let names: Vec<String> = (0..arrays.len()).map(|k| format!("c{k}")).collect();
        // Only identifiers of the layout, quoted, reach it; every value is bound.
        let sql = format!(
            "INSERT INTO {} ({}) SELECT {} FROM unnest({}) WITH ORDINALITY AS u({}, ord) ORDER BY u.ord RETURNING {}::text",
            table.quoted(),
            columns.iter().map(|c| quote_ident(c)).collect::<Vec<_>>().join(", "),
            exprs.join(", "),
            unnest.join(", "),
            names.join(", "),
            quote_ident(idc)
        );
        let mut q = sqlx::query_scalar::<_, String>(&sql);
        for b in &binds {
            q = q.bind(b.clone());
        }
        for a in &arrays {
            q = q.bind(a.clone());
        }
        Ok(q.fetch_all(&mut *tx).await?)
    }

    /// Adds a document's chunks under row `under` (001: a demo), where the
    /// layout declares chunks a safe write: every chunk with its vector in
    /// one transaction with its audit row, so a failure leaves nothing.
    /// Returns the ids written.
    pub async fn insert_chunks(
        &self,
        conn: &mut PgConnection,
        under: &str,
        source: &str,
        chunks: &[(String, Vec<f32>)],
    ) -> Result<Vec<String>> {
        self.chunk_write_blockers()?;
        let e = self.entity(Kind::Chunk)?;
        let (table, _, emb) = self.vector_columns(Kind::Chunk)?;
        let parent = e.parent.as_deref().expect("checked");
        let parent_kind = self.layout.parent_of(Kind::Chunk).expect("a chunk with a parent column");
        if self.row(&mut *conn, parent_kind, under).await?.is_none() {
            return Err(DbError::NotFound(format!("{} {under}", self.layout.label(parent_kind))));
        }
        if let Some((d, (_, v))) = self.catalog.column(&table, emb).and_then(|c| c.dim).zip(chunks.first())
            && v.len() != d
        {
            return Err(DbError::Invalid(format!("{}-d vectors for a {d}-d column", v.len())));
        }
        let mut tx = sqlx::Connection::begin(&mut *conn).await?;
        let result = async {
            // A file's chunks go in one statement, into the platform's
            // vector index: longer than a statement timeout may allow.
            sqlx::query("SET LOCAL statement_timeout = 0").execute(&mut *tx).await?;
            // The file's chunks follow the ones already under the parent
            // where the order is a position (unique within the parent).
            let position = self.chunk_position();
            let first_position: i64 = match position {
                Some(pos) => {
                    let (next,): (i64,) = sqlx::query_as(&format!(
                        "SELECT coalesce(max({p})::int8 + 1, 0) FROM {t} WHERE {par} = $1::{cast}",
                        p = quote_ident(pos),
                        t = table.quoted(),
                        par = quote_ident(parent),
                        cast = self.cast(&table, parent)?
                    ))
                    .bind(under)
                    .fetch_one(&mut *tx)
                    .await?;
                    next
                }
                None => 0,
            };
            // Chunks of a file of the same name already there (a forced
            // ingest again): said in the audit, as a second copy is.
            let already = self.chunks_from(&mut tx, under, source).await?;
            // Nothing is made up here (required unmapped columns were refused).
            let rows: Vec<ChunkToWrite> =
                chunks.iter().map(|(text, vector)| ChunkToWrite { text, vector, values: Vec::new() }).collect();
            let ids = self.write_chunks(&mut tx, under, Some(source), first_position, &rows).await?;
            let change = super::audit::Change {
                action: "ingest",
                entity: "chunk",
                key: source.to_string(),
                tenant: None,
                old: None,
                new: Some(if already > 0 {
                    serde_json::json!({ "under": under, "chunks": ids.len(), "already_from_this_file": already })
                } else {
                    serde_json::json!({ "under": under, "chunks": ids.len() })
                }),
                reason: None,
            };
            super::audit::record_foreign(&mut tx, &self.layout.name, &change).await?;
            Ok(ids)
        }
        .await;
        super::limits::finish(tx, result).await
    }
}

/// One chunk to write through the layout (`Mapped::write_chunks`).
pub struct ChunkToWrite<'a> {
    pub text: &'a str,
    pub vector: &'a [f32],
    /// Values of the layout's shown chunk columns, by name, as text (ours:
    /// `token_count`, `start_offset`, `end_offset`); the same names for
    /// every chunk of one write.
    pub values: Vec<(&'a str, Option<String>)>,
}

/// One row of a layout's rate limits (004: a widget's `rate_limit`, keyed
/// by its domain).
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct MappedLimit {
    pub key: String,
    /// The title of the row the key is the id of (`key_entity`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    pub value: Option<i64>,
    /// The layout's `description` column, when it maps one.
    pub description: Option<String>,
    /// The row's `xmin`: a write carries it back, and a row changed since
    /// is not overwritten.
    pub version: String,
}

/// What the operator saw of a limit before changing it.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Seen {
    /// No expectation (a script that sets a value whatever it was).
    Anything,
    /// This value (`None`: unset).
    Value(Option<i64>),
}

/// What a filter key's column takes: its type, and the only values it
/// may hold where the schema lists them.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct KeyType {
    /// `udt_name` (`int4`, `uuid`, `text`…).
    pub udt: String,
    /// Empty: any value of its type.
    pub values: Vec<String>,
}

impl KeyType {
    pub fn of(udt: &str) -> KeyType {
        KeyType { udt: udt.into(), values: Vec::new() }
    }

    /// The value as the schema lists it (`inProgress` for `inprogress`):
    /// what the server compares exactly.
    pub fn listed_spelling(&self, value: &str) -> Option<&str> {
        self.values.iter().find(|v| v.eq_ignore_ascii_case(value)).map(String::as_str)
    }

    /// Refuses a value the column cannot hold (`channel:fax` where it is
    /// chat, voice or sms), naming the ones it can; `also` are values the
    /// key takes besides them (`status:deleted` of a soft delete). Case
    /// does not matter: the console writes the listed spelling
    /// (`listed_spelling`) before it is sent.
    pub fn check_listed(&self, key: &str, value: &str, also: &[&str]) -> Result<()> {
        let known = |v: &str| v.eq_ignore_ascii_case(value);
        if self.values.is_empty() || self.values.iter().any(|v| known(v)) || also.iter().any(|v| known(v)) {
            return Ok(());
        }
        let mut listed: Vec<&str> = self.values.iter().map(String::as_str).chain(also.iter().copied()).collect();
        listed.dedup();
        let last = listed.pop().unwrap_or_default();
        let some = if listed.is_empty() { last.to_string() } else { format!("{} or {last}", listed.join(", ")) };
        Err(DbError::Filter(format!("{key}: is {some} here, not '{value}'")))
    }
}

/// Which rate limits `limit_rows` reads: one key, or a page of those
/// holding some words from where `from` says.
#[derive(Debug, Clone, Copy)]
enum LimitRows<'a> {
    Key(&'a str),
    Page { words: &'a str, from: &'a KeysFrom },
}

/// Where a page of rate limits starts, in key order (keyset: the key is
/// unique): a table of one per customer may hold millions, read a page at
/// a time from either end.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub enum KeysFrom {
    /// The first keys.
    #[default]
    Top,
    /// The keys after this one (going down).
    After(String),
    /// The last keys.
    End,
    /// The keys before this one (going up from the end).
    Before(String),
    /// This key and those after it: the rows read again around the one
    /// selected (after a save), the rows above read as the selection goes up.
    At(String),
}

impl KeysFrom {
    /// Is the order read backwards (from the end, or up from a key)?
    pub fn backward(&self) -> bool {
        matches!(self, KeysFrom::End | KeysFrom::Before(_))
    }

    /// Does the page take the place of the rows read (rather than go
    /// beside them)?
    pub fn replaces(&self) -> bool {
        matches!(self, KeysFrom::Top | KeysFrom::End | KeysFrom::At(_))
    }
}

/// A `key:value` filter's value, checked against its column's type.
#[derive(Debug, Clone, PartialEq)]
pub enum KeyValue {
    Bool(bool),
    Int(i64),
    /// A number or an id, bound as the column's type (numeric, floats, uuid).
    Typed(String),
    /// Text: as typed, in lower, upper and capitalised case.
    Text(Vec<String>),
}

impl KeyValue {
    /// `value` for a column of type `udt`: a yes or no for a boolean, a
    /// whole number for an integer (`1,000` grouped by thousands, not
    /// `1,5`), a number for numeric and floats, an id for a uuid; a time is
    /// refused (after:/before: filter by time); anything else is text.
    pub fn parse(udt: &str, key: &str, value: &str) -> Result<KeyValue> {
        let refuse = |what: &str| DbError::Filter(format!("{key}: is {what}, not '{value}'"));
        // Commas only as thousands' separators: "1,5" is no number here.
        let number = || -> Option<String> {
            let (int, frac) = value.split_once('.').map_or((value, None), |(i, f)| (i, Some(f)));
            let digits = int.strip_prefix('-').unwrap_or(int);
            let groups: Vec<&str> = digits.split(',').collect();
            let grouped = groups.len() == 1
                || (!groups[0].is_empty() && groups[0].len() <= 3 && groups[1..].iter().all(|g| g.len() == 3));
            grouped.then(|| format!("{}{}", int.replace(',', ""), frac.map(|f| format!(".{f}")).unwrap_or_default()))
        };
        Ok(match udt {
            "bool" => KeyValue::Bool(match value.to_ascii_lowercase().as_str() {
                "true" | "t" | "yes" | "y" | "1" | "on" => true,
                "false" | "f" | "no" | "n" | "0" | "off" => false,
                _ => return Err(refuse("yes or no (true, false)")),
            }),
            "int2" | "int4" | "int8" => {
                KeyValue::Int(number().and_then(|n| n.parse().ok()).ok_or_else(|| refuse("a whole number"))?)
            }
            "numeric" | "float4" | "float8" => {
                let n = number().filter(|n| n.parse::<f64>().is_ok_and(f64::is_finite));
                KeyValue::Typed(n.ok_or_else(|| refuse("a number"))?)
            }
            "uuid" => KeyValue::Typed(uuid::Uuid::parse_str(value).map_err(|_| refuse("a whole UUID"))?.to_string()),
            "date" | "timestamp" | "timestamptz" | "time" | "timetz" | "interval" => {
                return Err(refuse("a time: filter by after: and before:, or by its row's id"));
            }
            _ => {
                let mut capitalised = value.to_lowercase();
                if let Some(first) = capitalised.chars().next() {
                    capitalised.replace_range(..first.len_utf8(), &first.to_uppercase().to_string());
                }
                let mut cases = vec![value.to_string(), value.to_lowercase(), value.to_uppercase(), capitalised];
                cases.sort();
                cases.dedup();
                KeyValue::Text(cases)
            }
        })
    }
}

/// What `id:` asks of an id column: a UUID's range (a whole one is a
/// range of one), the start of a text id, or a whole value of another type.
#[derive(Debug, Clone, PartialEq)]
pub enum IdMatch {
    Range(uuid::Uuid, uuid::Uuid),
    /// A LIKE pattern: the prefix, its wildcards escaped, then `%`.
    Prefix(String),
    Whole(KeyValue),
}

impl IdMatch {
    /// `value` for an id column of type `udt`; refused where no id of that
    /// type could start so.
    pub fn parse(udt: &str, value: &str) -> Result<IdMatch> {
        match udt {
            "uuid" => {
                if let Ok(whole) = uuid::Uuid::parse_str(value) {
                    return Ok(IdMatch::Range(whole, whole));
                }
                let (lo, hi) = super::sessions::id_prefix_range(value).ok_or_else(|| {
                    DbError::Filter(format!(
                        "id: is a UUID or its first {}+ hex digits, not '{value}'",
                        super::sessions::MIN_ID_PREFIX
                    ))
                })?;
                Ok(IdMatch::Range(lo, hi))
            }
            "text" | "varchar" | "bpchar" => Ok(IdMatch::Prefix(like_prefix(value))),
            _ => Ok(IdMatch::Whole(KeyValue::parse(udt, "id", value)?)),
        }
    }
}

/// `status:` of a conversation whose state is read from its end: open
/// (true) or ended (false).
fn open_or_ended(value: &str) -> Result<bool> {
    match value.to_ascii_lowercase().as_str() {
        "open" | "active" => Ok(true),
        "ended" | "closed" | "done" => Ok(false),
        _ => Err(DbError::Filter(format!("status: is open or ended here, not '{value}'"))),
    }
}

/// Filter keys every list reads its own way: a shown column of these names
/// is not a key of its own.
const RESERVED_KEYS: &[&str] = &["id", "status", "after", "before"];

/// The most characters of a shown column a list line reads.
const SHOWN_CHARS: usize = 200;

/// A list filter of `kind` on `layout`, checked before anything is sent:
/// words, `status:` where the entity has a status, `after:`/`before:`
/// (YYYY-MM-DD) where it has a time, and a key for each shown column. The
/// console checks as it is typed.
pub fn check_filter(layout: &Layout, kind: Kind, words: &str) -> Result<super::Filter> {
    let filter = super::Filter::parse(words);
    let e = layout.entity(kind).ok_or_else(|| DbError::Invalid(format!("layout '{}' has no {kind}", layout.name)))?;
    // A list with nothing to filter on says so (a conversation: # opens one by id).
    let by_id = if kind == Kind::Session { " (# opens one by its id)" } else { "" };
    let has_id = has_own_ids(e);
    if e.derived_from.is_some() && !filter.is_empty() {
        return Err(DbError::Filter(format!(
            "{} are derived from other rows and have nothing to filter on{by_id}",
            layout.label(kind)
        )));
    }
    let keys = filter_keys(layout, kind);
    let keys: Vec<&str> = keys.iter().map(String::as_str).collect();
    // A key of the list typed without its value is said as that, before
    // anything takes it for a word.
    filter.check_values(&keys)?;
    if !filter.words.is_empty() && e.word_columns().is_empty() && e.title_from.is_none() {
        let by_id = if has_id { " (id: finds one by its id)" } else { by_id };
        return Err(DbError::Filter(format!("{} have no name or text to filter on{by_id}", layout.label(kind))));
    }
    let deleted = |v: &str| e.deleted_at.is_some() && v.eq_ignore_ascii_case("deleted");
    if let (Some(_), Some(v)) = (e.state_from_end(), filter.term("status").filter(|v| !deleted(v))) {
        open_or_ended(v)?;
    }
    if !filter.terms.is_empty() && keys.is_empty() {
        return Err(DbError::Filter(format!(
            "{} filter by words only (they have no status, time or shown column)",
            layout.label(kind)
        )));
    }
    filter.check_keys(&keys)?;
    filter.check_dates()?;
    Ok(filter)
}

/// Are the entity's rows a table's own, each with its id (not an array's
/// elements, not ids derived from another table)? Then `id:` finds them.
fn has_own_ids(e: &Entity) -> bool {
    e.table.is_some() && e.id.is_some() && e.json_array.is_none() && e.derived_from.is_none()
}

/// The keys a list of `kind` takes, the layout's own first (a narrow
/// status line keeps them): a key for each shown column, `id:`, `status:`
/// where the entity has a state, its parent's name, `after:`/`before:`
/// where it has a time.
pub fn filter_keys(layout: &Layout, kind: Kind) -> Vec<String> {
    let Some(e) = layout.entity(kind) else { return Vec::new() };
    let has_id = has_own_ids(e);
    let mut keys: Vec<String> = e.shown.iter().filter(|c| !RESERVED_KEYS.contains(&c.as_str())).cloned().collect();
    if has_id {
        keys.push("id".into());
    }
    if e.status.is_some() || e.state_from_end().is_some() {
        keys.push("status".into());
    }
    keys.extend(parent_keys(layout, kind));
    if e.created_at.is_some() {
        keys.extend(["after".into(), "before".into()]);
    }
    keys
}

/// `text` with each key typed by a unique start of one of the list's keys
/// written whole (`mission:` → `mission_profile:`, as a narrow list's
/// heading shows the column); any other key as typed (`check_filter` says
/// what it takes).
pub fn expand_keys(layout: &Layout, kind: Kind, text: &str) -> String {
    let keys = filter_keys(layout, kind);
    super::Filter::rewrite_terms(text, |typed, value| {
        // (Three letters at least: `a:` is more likely a slip than `after:`.)
        if typed.len() < 3 || keys.iter().any(|k| k == typed) {
            return None;
        }
        match keys.iter().filter(|k| k.starts_with(typed)).collect::<Vec<_>>().as_slice() {
            [one] => Some((one.to_string(), value.to_string())),
            _ => None,
        }
    })
}

/// The keys that name the row a list's rows are under by words of its
/// title: our word for that entity (`demo:`), and the layout's own where it
/// differs (`customer:`). None where the parent has no table, id or title,
/// or a shown column has the name.
fn parent_keys(layout: &Layout, kind: Kind) -> Vec<String> {
    // A table's own rows (not an array's elements, not derived ids) under a
    // table's rows.
    let own_rows = |e: &Entity| e.table.is_some() && e.json_array.is_none() && e.derived_from.is_none();
    let Some(e) = layout.entity(kind).filter(|e| own_rows(e) && e.parent.is_some()) else { return Vec::new() };
    let Some(p) = layout.parent_of(kind) else { return Vec::new() };
    if !layout.entity(p).is_some_and(|pe| own_rows(pe) && pe.id.is_some() && pe.title.is_some()) {
        return Vec::new();
    }
    let theirs = layout.one(p).to_lowercase().replace(' ', "_");
    let mut keys = vec![p.name().to_string()];
    // As a filter reads a key: a letter or `_` first, then word characters.
    let a_key = theirs.starts_with(|c: char| c.is_ascii_alphabetic() || c == '_')
        && theirs.chars().all(|c| c.is_ascii_alphanumeric() || c == '_');
    if theirs != p.name() && a_key {
        keys.push(theirs);
    }
    keys.retain(|k| !e.shown.contains(k) && !RESERVED_KEYS.contains(&k.as_str()));
    keys
}

/// A lookup's result where a value the server refuses as not of the
/// column's type ('abc' or a cut-off id for a UUID) names no row: nothing
/// found, not an error. Every lookup by a typed id goes through it.
fn none_if_mistyped<T: Default>(found: std::result::Result<T, sqlx::Error>) -> Result<T> {
    match found {
        Err(sqlx::Error::Database(d)) if d.code().as_deref() == Some("22P02") => Ok(T::default()),
        other => Ok(other?),
    }
}

impl Mapped {
    fn limit_columns(&self) -> Result<(Table, &str, &str)> {
        let e = self.entity(Kind::RateLimit)?;
        match (e.table.as_deref(), e.key.as_deref(), e.value.as_deref()) {
            (Some(t), Some(k), Some(v)) => Ok((Table::parse(t), k, v)),
            _ => Err(DbError::Invalid(format!("layout '{}' maps no rate limits", self.layout.name))),
        }
    }

    /// A page of the rate limits whose key, description or the name of the
    /// row the key is the id of holds every word of `words`, by key, from
    /// where `from` says (keyset: the key is unique), at most `limit`, in
    /// key order; and whether more match beyond it in its direction.
    pub async fn limits_matching(
        &self,
        conn: &mut PgConnection,
        words: &str,
        from: &KeysFrom,
        limit: u32,
    ) -> Result<(Vec<MappedLimit>, bool)> {
        // One more than the page says whether another follows.
        let mut rows = self.limit_rows(conn, LimitRows::Page { words, from }, limit + 1).await?;
        let more = rows.len() > limit as usize;
        rows.truncate(limit as usize);
        // Read backwards from the end or a key: given back in key order.
        if from.backward() {
            rows.reverse();
        }
        Ok((rows, more))
    }

    /// The rate limit of `key`, if there is one.
    pub async fn limit(&self, conn: &mut PgConnection, key: &str) -> Result<Option<MappedLimit>> {
        Ok(self.limit_rows(conn, LimitRows::Key(key), 1).await?.into_iter().next())
    }

    /// How many rate limits hold every word of `words` (as
    /// `limits_matching` finds them): counted up to `COUNT_CAP`, or every
    /// one when `exact`; with no words, the planner's estimate of a big
    /// table unless `exact`.
    pub async fn count_limits(&self, conn: &mut PgConnection, words: &str, exact: bool) -> Result<super::RowCount> {
        let (table, _, _) = self.limit_columns()?;
        if words.trim().is_empty() && !exact {
            return super::page_estimate(conn, &table.quoted()).await;
        }
        let mut qb = QueryBuilder::<Postgres>::new(format!(
            "SELECT count(*) FROM (SELECT 1 FROM {} t WHERE true",
            table.quoted()
        ));
        self.push_limit_words(&mut qb, words)?;
        if !exact {
            qb.push(" LIMIT ").push_bind(super::page::COUNT_CAP + 1);
        }
        qb.push(") counted");
        let (n,): (i64,) = qb.build_query_as().fetch_one(&mut *conn).await?;
        Ok(if exact { super::RowCount::Exact(n) } else { super::RowCount::from_capped(n) })
    }

    /// The description and the name of the row the key is the id of, as
    /// SQL of the row `t` (NULL where the layout has none).
    fn limit_texts(&self) -> Result<(String, String)> {
        let (_, k, _) = self.limit_columns()?;
        let e = self.entity(Kind::RateLimit)?;
        let description = match &e.description {
            Some(d) => format!("t.{}::text", quote_ident(d)),
            None => "NULL::text".into(),
        };
        let name = e
            .key_entity
            .as_deref()
            .and_then(|named| self.title_of_sql(named, k))
            .unwrap_or_else(|| "NULL::text".into());
        Ok((description, name))
    }

    /// `AND` the limits holding every one of `words`: words only, a key is
    /// found by what it says (a domain, what it is for, whose it is).
    fn push_limit_words(&self, qb: &mut QueryBuilder<'_, Postgres>, words: &str) -> Result<()> {
        let (_, k, _) = self.limit_columns()?;
        let (description, name) = self.limit_texts()?;
        for w in &super::Filter::words_of(words).words {
            let pattern = super::like_pattern(w);
            qb.push(format!(" AND (t.{}::text ILIKE ", quote_ident(k))).push_bind(pattern.clone());
            qb.push(format!(" OR ({name}) ILIKE ")).push_bind(pattern.clone());
            qb.push(format!(" OR {description} ILIKE ")).push_bind(pattern).push(")");
        }
        Ok(())
    }

    async fn limit_rows(&self, conn: &mut PgConnection, rows: LimitRows<'_>, limit: u32) -> Result<Vec<MappedLimit>> {
        let (table, k, v) = self.limit_columns()?;
        let (description, name) = self.limit_texts()?;
        let mut qb = QueryBuilder::<Postgres>::new(format!(
            "SELECT t.{k}::text, t.{v}::bigint, t.xmin::text, {description}, {name} FROM {t} t WHERE true",
            k = quote_ident(k),
            v = quote_ident(v),
            t = table.quoted()
        ));
        let words = match rows {
            LimitRows::Key(key) => {
                qb.push(format!(" AND t.{} = ", quote_ident(k)))
                    .push_bind(key.to_string())
                    .push(format!("::{}", self.cast(&table, k)?));
                ""
            }
            LimitRows::Page { words, from } => {
                // Beside a key read, compared as stored (a number's order).
                let beside = match from {
                    KeysFrom::After(key) => Some((">", key)),
                    KeysFrom::Before(key) => Some(("<", key)),
                    KeysFrom::At(key) => Some((">=", key)),
                    KeysFrom::Top | KeysFrom::End => None,
                };
                if let Some((op, key)) = beside {
                    qb.push(format!(" AND t.{} {op} ", quote_ident(k)))
                        .push_bind(key.to_string())
                        .push(format!("::{}", self.cast(&table, k)?));
                }
                words
            }
        };
        let backward = matches!(rows, LimitRows::Page { from, .. } if from.backward());
        self.push_limit_words(&mut qb, words)?;
        // By the column as stored (a number's order), not the text it is
        // selected as: a bare name in ORDER BY means the output column.
        // (Read from the end backwards: one range of the key's index either way.)
        let dir = if backward { "DESC" } else { "ASC" };
        qb.push(format!(" ORDER BY t.{} {dir} LIMIT ", quote_ident(k))).push_bind(limit as i64);
        let rows: Vec<(String, Option<i64>, String, Option<String>, Option<String>)> =
            none_if_mistyped(qb.build_query_as().fetch_all(&mut *conn).await)?;
        Ok(rows
            .into_iter()
            .map(|(key, value, version, description, name)| MappedLimit { key, name, value, description, version })
            .collect())
    }

    /// Sets the limit of `key` as `set_limit` does, provided its value is
    /// still the one the operator saw: the version read with it goes with
    /// the write, so a change in between is refused too.
    pub async fn set_limit_seen(
        &self,
        conn: &mut PgConnection,
        key: &str,
        value: i32,
        seen: Seen,
        reason: Option<&str>,
    ) -> Result<(Option<i64>, i64)> {
        let current = self
            .limit(&mut *conn, key)
            .await?
            .ok_or_else(|| DbError::NotFound(format!("a rate limit keyed '{key}' in layout '{}'", self.layout.name)))?;
        if let Seen::Value(v) = seen
            && current.value != v
        {
            let show = |v: Option<i64>| v.map(|v| v.to_string()).unwrap_or_else(|| "unset".into());
            return Err(DbError::Conflict(format!(
                "{key} is {} now, not {}; nothing was written",
                show(current.value),
                show(v)
            )));
        }
        self.set_limit(conn, key, value, Some(&current.version), reason).await
    }

    /// Sets the limit of `key`, where the layout declares rate limits a
    /// safe write: checked like ours (a whole number within bounds: ours,
    /// each key's), refused when the row changed since `expect` was read,
    /// and audited in the same transaction: in `ragdesk_audit.audit_log`,
    /// ours in our `audit_log`. (old, new).
    pub async fn set_limit(
        &self,
        conn: &mut PgConnection,
        key: &str,
        value: i32,
        expect: Option<&str>,
        reason: Option<&str>,
    ) -> Result<(Option<i64>, i64)> {
        if !self.layout.writes(Kind::RateLimit) {
            return Err(DbError::Invalid(format!(
                "layout '{}' does not declare its rate limits writable: ragdesk only reads them there",
                self.layout.name
            )));
        }
        let (table, k, v) = self.limit_columns()?;
        // Our keys have bounds of their own; another platform's value
        // column has one for all.
        let ours = self.layout.is_native();
        let bound = super::limits::parse_value(if ours { key } else { v }, &value.to_string())?;
        let mut tx = sqlx::Connection::begin(&mut *conn).await?;
        let result = async {
            let cast = self.cast(&table, k)?;
            // The key as the row holds it (a UUID typed in capitals is
            // audited as stored, so its history is found by either spelling).
            let current: std::result::Result<Option<(Option<i64>, String, String)>, sqlx::Error> =
                sqlx::query_as(&format!(
                    "SELECT {v}::bigint, xmin::text, {k}::text FROM {t} WHERE {k} = $1::{cast} FOR NO KEY UPDATE",
                    k = quote_ident(k),
                    v = quote_ident(v),
                    t = table.quoted()
                ))
                .bind(key)
                .fetch_optional(&mut *tx)
                .await;
            let current = none_if_mistyped(current)?;
            let Some((old, version, stored_key)) = current else {
                return Err(DbError::NotFound(format!("a rate limit keyed '{key}'")));
            };
            if expect.is_some_and(|e| e != version) {
                return Err(DbError::Conflict(format!(
                    "{key} changed since it was read: it is now {}; nothing was written",
                    old.map(|o| o.to_string()).unwrap_or_else(|| "unset".into())
                )));
            }
            let touched = match &self.entity(Kind::RateLimit)?.updated_at {
                Some(u) => format!(", {} = now()", quote_ident(u)),
                None => String::new(),
            };
            sqlx::query(&format!(
                "UPDATE {t} SET {v} = $2{touched} WHERE {k} = $1::{cast}",
                k = quote_ident(k),
                v = quote_ident(v),
                t = table.quoted()
            ))
            .bind(key)
            .bind(bound)
            .execute(&mut *tx)
            .await?;
            let change = super::audit::Change {
                action: "set",
                entity: "rate_limit",
                key: stored_key.clone(),
                tenant: None,
                old: old.map(serde_json::Value::from),
                new: Some(serde_json::Value::from(bound)),
                reason,
            };
            if ours {
                super::audit::record(&mut tx, &change).await?;
            } else {
                super::audit::record_foreign(&mut tx, &self.layout.name, &change).await?;
            }
            Ok((old, bound as i64))
        }
        .await;
        super::limits::finish(tx, result).await
    }
}

/// Settings for one vector search (SET LOCAL ends with the transaction);
/// numbers, never text, reach the statements.
async fn search_settings(tx: &mut PgConnection, mode: VectorMode, index_serves: bool) -> Result<()> {
    // A plan for the values bound, every time: after five runs of the
    // prepared statement the server may settle on a generic plan, which
    // cannot know that the scope holds most of the table and sorts every
    // one of its vectors instead of walking the vector index (found by
    // `ragdesk-bench --layout-search`: 560 ms against 2 ms per search).
    let mut settings = vec!["plan_cache_mode = force_custom_plan".to_string()];
    if !mode.exact {
        // The scope is a filter applied after the index scan: without an
        // iterative scan, probes 1 or ef_search 40 may find few of the
        // scope's rows, or none (pgvector 0.8 scans on until k pass).
        let scan = if mode.single_pass { "off" } else { "relaxed_order" };
        settings.push(format!("hnsw.iterative_scan = {scan}"));
        settings.push(format!("ivfflat.iterative_scan = {scan}"));
        // The approximate search is the index's: on a small scope the
        // planner would rather read the scope's rows and sort them, which
        // would hide what the index returns. Without sorts it takes the
        // ordered path, the vector index. (Where no index serves the
        // distance, the planner is left to scan as it sees best.)
        if index_serves {
            settings.push("enable_seqscan = off".into());
            settings.push("enable_sort = off".into());
        }
        if let Some(p) = mode.probes {
            settings.push(format!("ivfflat.probes = {}", p.clamp(1, 32_768)));
        }
        if let Some(ef) = mode.ef_search {
            settings.push(format!("hnsw.ef_search = {}", ef.clamp(1, 1000)));
        }
    }
    // One round trip for them all (our words and clamped numbers only).
    let sql: String = settings.iter().map(|s| format!("SET LOCAL {s};")).collect();
    sqlx::Executor::execute(&mut *tx, sql.as_str()).await?;
    Ok(())
}

/// The probe's values bound to `nearest`'s statement: a row's id, or the
/// query's vector (as `real[]`, cast in the statement to the column's own
/// type: the driver need not know where pgvector lives) and its parent row.
fn bind_probe<'q, Row>(
    q: sqlx::query::QueryAs<'q, sqlx::Postgres, Row, sqlx::postgres::PgArguments>,
    probe: Probe<'_>,
    k: u32,
) -> sqlx::query::QueryAs<'q, sqlx::Postgres, Row, sqlx::postgres::PgArguments> {
    match probe {
        Probe::Row(id) => q.bind(id.to_string()).bind(k as i64),
        Probe::Vector { vector, within } => q.bind(vector.to_vec()).bind(k as i64).bind(within.to_string()),
        Probe::VectorIn { vector, grandparent } => q.bind(vector.to_vec()).bind(k as i64).bind(grandparent.to_string()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_key_typed_by_its_unique_start_is_written_whole() {
        let native = crate::schema::load("native").unwrap();
        assert_eq!(expand_keys(&native, Kind::Demo, "acme mission:nurture"), "acme mission_profile:nurture");
        assert_eq!(expand_keys(&native, Kind::Demo, "indus:dental"), "industry:dental");
        // Whole keys, short starts and unknown keys as typed.
        assert_eq!(expand_keys(&native, Kind::Demo, "status:active"), "status:active");
        assert_eq!(expand_keys(&native, Kind::Demo, "mi:x colour:red"), "mi:x colour:red");
        assert!(check_filter(&native, Kind::Demo, &expand_keys(&native, Kind::Demo, "mission:nurture")).is_ok());
    }

    #[test]
    fn a_listed_column_takes_its_values_in_any_case_and_names_them_otherwise() {
        let status = KeyType { udt: "text".into(), values: vec!["draft".into(), "active".into()] };
        assert!(status.check_listed("status", "Active", &[]).is_ok());
        let said = status.check_listed("status", "gone", &["deleted"]).unwrap_err().to_string();
        assert!(said.contains("status: is draft, active or deleted here, not 'gone'"), "{said}");
        assert!(status.check_listed("status", "DELETED", &["deleted"]).is_ok(), "what the key takes besides");
        let one = KeyType { udt: "text".into(), values: vec!["on".into()] };
        assert!(one.check_listed("k", "off", &[]).unwrap_err().to_string().contains("k: is on here, not 'off'"));
        assert!(KeyType::of("text").check_listed("k", "anything", &[]).is_ok(), "no list: any value");
    }

    #[test]
    fn a_list_takes_its_parents_name_as_a_key_only_where_a_query_can_use_it() {
        let omni = crate::schema::load("omni").unwrap();
        assert_eq!(parent_keys(&omni, Kind::Session), ["tenant", "customer"]);
        assert!(check_filter(&omni, Kind::Session, "tenant:lumen customer:digital").is_ok());
        assert!(parent_keys(&omni, Kind::Tenant).is_empty(), "the top has no parent");
        // 003's messages are elements of a JSON array: read by position, not filtered by key.
        let limitless = crate::schema::load("limitless").unwrap();
        assert!(parent_keys(&limitless, Kind::Message).is_empty());
        assert!(check_filter(&limitless, Kind::Message, "session:x").is_err());
        // 001's conversations are derived ids: nothing to filter on.
        assert!(parent_keys(&crate::schema::load("domo").unwrap(), Kind::Session).is_empty());
    }

    #[test]
    fn a_secret_inside_json_is_hidden_by_its_key() {
        let mut v =
            serde_json::json!({"model": "gpt", "auth": {"apiKey": "sk-1", "tokens": 3}, "hooks": [{"secret": "s"}]});
        hide_secrets(&mut v);
        assert_eq!(
            v,
            serde_json::json!({"model": "gpt", "auth": {"apiKey": HIDDEN, "tokens": 3}, "hooks": [{"secret": HIDDEN}]})
        );
    }

    #[test]
    fn columns_that_may_hold_a_secret_are_told_by_their_names() {
        for secret in [
            "encrypted_password",
            "woocommerce_consumer_secret",
            "woocommerce_consumer_key",
            "refresh_token",
            "api_key",
            "accessToken",
            "privateKey",
            "reset_token_hash",
        ] {
            assert!(may_be_secret(secret), "{secret}");
        }
        for plain in ["token_count", "tokensUsed", "display_name", "primary_color", "content_hash", "keyword"] {
            assert!(!may_be_secret(plain), "{plain}");
        }
    }

    #[test]
    fn an_id_is_matched_whole_or_by_its_start_as_its_type_allows() {
        let whole = "3fa85f64-5717-4562-b3fc-2c963f66afa6";
        let u = uuid::Uuid::parse_str(whole).unwrap();
        assert_eq!(IdMatch::parse("uuid", whole).unwrap(), IdMatch::Range(u, u));
        let IdMatch::Range(lo, hi) = IdMatch::parse("uuid", "3fa85f64").unwrap() else { panic!("a range") };
        assert_eq!((lo.to_string(), hi.to_string()).0, "3fa85f64-0000-0000-0000-000000000000");
        assert_eq!(hi.to_string(), "3fa85f64-ffff-ffff-ffff-ffffffffffff");
        assert!(IdMatch::parse("uuid", "3fa8").unwrap_err().to_string().contains("6+ hex digits"));
        assert_eq!(IdMatch::parse("text", "thr_5%").unwrap(), IdMatch::Prefix("thr\\_5\\%%".into()));
        assert_eq!(IdMatch::parse("int8", "1,024").unwrap(), IdMatch::Whole(KeyValue::Int(1024)));
        assert!(IdMatch::parse("int8", "10a").is_err());
    }

    #[test]
    fn a_key_filters_value_is_read_as_its_columns_type() {
        let parse = |udt: &str, v: &str| KeyValue::parse(udt, "k", v);
        assert_eq!(parse("bool", "Yes").unwrap(), KeyValue::Bool(true));
        assert_eq!(parse("bool", "0").unwrap(), KeyValue::Bool(false));
        assert!(parse("bool", "maybe").unwrap_err().to_string().contains("k: is yes or no"));
        assert_eq!(parse("int4", "010").unwrap(), KeyValue::Int(10));
        assert_eq!(parse("int8", "-1,000,000").unwrap(), KeyValue::Int(-1_000_000));
        // A comma is a thousands' separator or nothing: "1,5" is not 15.
        for bad in ["1,5", "1,0,0", "abc", "1.5"] {
            assert!(parse("int4", bad).is_err(), "{bad}");
        }
        assert_eq!(parse("float4", "0.1").unwrap(), KeyValue::Typed("0.1".into()));
        assert_eq!(parse("numeric", "1,234.50").unwrap(), KeyValue::Typed("1234.50".into()));
        assert!(parse("numeric", "1,5").is_err() && parse("numeric", "NaN").is_err());
        assert!(parse("uuid", "abc").unwrap_err().to_string().contains("a whole UUID"));
        assert!(parse("timestamptz", "2026-01-01").unwrap_err().to_string().contains("after: and before:"));
        let KeyValue::Text(cases) = parse("text", "Open").unwrap() else { panic!("text") };
        assert!(cases.contains(&"open".to_string()) && cases.contains(&"OPEN".to_string()));
    }
}
