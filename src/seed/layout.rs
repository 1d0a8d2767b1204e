//! Sample rows for any schema layout, written through the layout: each
//! entity's rows under each row of its parent, with the mapped columns set
//! (names, times with deliberate ties, roles, texts, vectors) and every
//! other required column filled by `db::mapped::Writer`. Used by the tests
//! of every layout; `ragdesk seed --layout` is to build on it.

use std::collections::BTreeMap;

use chrono::{Duration, TimeZone, Utc};
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use sqlx::PgConnection;

use crate::db::mapped::{Mapped, Value, Writer};
use crate::db::{DbError, Result};
use crate::schema::{Kind, Table};

/// Rows made under each parent row.
#[derive(Debug, Clone, Copy)]
pub struct LayoutSizes {
    pub tenants: usize,
    pub per_parent: usize,
    pub messages: usize,
    pub chunks: usize,
}

impl Default for LayoutSizes {
    fn default() -> Self {
        LayoutSizes { tenants: 2, per_parent: 3, messages: 7, chunks: 4 }
    }
}

/// The ids written, per entity, in the order written.
#[derive(Debug, Clone, Default)]
pub struct Filled {
    pub ids: BTreeMap<Kind, Vec<String>>,
    /// (kind, parent id) → ids of that parent's rows.
    pub children: BTreeMap<(Kind, String), Vec<String>>,
}

pub async fn fill(conn: &mut PgConnection, mapped: &Mapped, sizes: LayoutSizes, seed: u64) -> Result<Filled> {
    let layout = &mapped.layout;
    let mut writer = Writer::new(&mut *conn, mapped, sample_value).await?;
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    let mut filled = Filled::default();
    let mut tables_written: Vec<Table> = Vec::new();
    let base = Utc.with_ymd_and_hms(2026, 1, 1, 9, 0, 0).unwrap();
    let mut pending: Vec<Kind> = layout.kinds().collect();
    let mut serial: u64 = 0;
    // Row id → its industry (an index into INDUSTRIES), for its children.
    let mut industries: std::collections::HashMap<String, usize> = Default::default();
    // Row id → its position among its siblings.
    let mut positions: std::collections::HashMap<String, usize> = Default::default();
    // Host names of rows titled by a domain: their pages' URLs are on them.
    let mut hosts: std::collections::HashMap<String, String> = Default::default();
    // Row id → its time: a row's children come after it (a conversation's
    // messages from its start, not from the first conversation's).
    // (By kind too: integer ids of two tables may be equal.)
    let mut times: std::collections::BTreeMap<(Kind, String), chrono::DateTime<Utc>> = Default::default();
    while !pending.is_empty() {
        let before = pending.len();
        let mut i = 0;
        while i < pending.len() {
            let kind = pending[i];
            let e = layout.entity(kind).expect("a kind it has");
            let parent_kind = layout.parent_of(kind);
            // Parents first; a derived entity comes from its source's rows.
            if e.derived_from.is_some() || parent_kind.is_some_and(|p| pending.contains(&p) && p != kind) {
                let derived_ready = e.derived_from.is_some();
                if derived_ready {
                    pending.remove(i);
                    continue;
                }
                i += 1;
                continue;
            }
            pending.remove(i);
            let table = Table::parse(e.table.as_deref().expect("checked layout"));
            if tables_written.contains(&table) {
                // Another entity's rows already are this one's (004's limits live on its widgets).
                continue;
            }
            tables_written.push(table.clone());
            let parents: Vec<Option<String>> = match parent_kind {
                Some(p) if layout.entity(p).is_some_and(|pe| pe.derived_from.is_some()) => {
                    // Parent rows that exist only as values: make them up.
                    let source_parent = e.parent.as_deref().expect("checked layout");
                    let ids = made_up_ids(mapped, &table, source_parent, sizes.per_parent * sizes.tenants, &mut rng);
                    filled.ids.insert(p, ids.clone());
                    ids.into_iter().map(Some).collect()
                }
                Some(p) => filled.ids.get(&p).cloned().unwrap_or_default().into_iter().map(Some).collect(),
                None => vec![None],
            };
            let count = match kind {
                Kind::Tenant => sizes.tenants,
                Kind::Message => sizes.messages,
                Kind::Chunk => sizes.chunks,
                _ => sizes.per_parent,
            };
            if e.json_array.is_some() {
                for parent in parents.into_iter().flatten() {
                    let industry = &INDUSTRIES[industry_for(kind, 0, Some(&parent), &industries)];
                    let ids = fill_json_array(
                        &mut *conn,
                        &mut writer,
                        e,
                        (&table, &parent),
                        count,
                        industry,
                        base,
                        &mut serial,
                        &mut rng,
                    )
                    .await?;
                    filled.ids.entry(kind).or_default().extend(ids.iter().cloned());
                    filled.children.entry((kind, parent)).or_default().extend(ids);
                }
                continue;
            }
            for parent in parents {
                for n in 0..count {
                    let mut set: Vec<(String, Value)> = Vec::new();
                    let mut put = |col: &Option<String>, v: Option<String>| {
                        if let Some(c) = col.as_ref().filter(|c| !set.iter().any(|(x, _)| x == *c)) {
                            set.push((c.clone(), v));
                        }
                    };
                    put(&e.parent, parent.clone());
                    // Pairs of rows share a time: paging must break the tie.
                    let origin = parent
                        .as_ref()
                        .zip(parent_kind)
                        .and_then(|(p, pk)| times.get(&(pk, p.clone())))
                        .copied()
                        .unwrap_or(base);
                    let at = match kind {
                        Kind::Message => origin + Duration::seconds((n / 2) as i64),
                        _ => origin + Duration::minutes((n / 2) as i64),
                    };
                    let industry = industry_for(kind, n, parent.as_deref(), &industries);
                    let mut title = None;
                    if let Some(column) = &e.title {
                        serial += 1;
                        let t = sample_title(kind, column, n, &INDUSTRIES[industry], serial, &mut rng);
                        // A page's URL is on its domain's host (004's pages
                        // of a domain), where the parent is a host name.
                        let host = parent.as_ref().and_then(|p| hosts.get(p)).filter(|_| column.contains("url"));
                        let t = match (host, t.split_once(".example.com/")) {
                            (Some(host), Some((_, path))) => format!("https://{host}/{path}"),
                            _ => t,
                        };
                        if column.contains("domain") {
                            title = Some(t.clone());
                        }
                        put(&e.title, Some(t));
                    }
                    // A status the platform sets itself (no default): one
                    // a row of this kind would have; a default is left to it.
                    // (A required one the writer fills by its name: 003's stages.)
                    if let Some(c) = e.status.as_deref().filter(|c| {
                        mapped_column(mapped, &table, c).is_some_and(|col| {
                            col.nullable && !col.has_default && matches!(col.udt.as_str(), "text" | "varchar")
                        })
                    }) {
                        let states: &[&str] = match kind {
                            Kind::Session => &["active", "completed", "completed", "abandoned"],
                            Kind::Document | Kind::Chunk => &["completed", "completed", "processing", "failed"],
                            _ => &["active", "active", "inactive"],
                        };
                        put(&Some(c.to_string()), Some(states[n % states.len()].to_string()));
                    }
                    put(&e.role, Some(if n % 2 == 0 { "user" } else { "assistant" }.into()));
                    // Siblings' children say different things: a project's
                    // documents do not all hold the same chunks.
                    let offset = match parent_kind {
                        Some(Kind::Document) => {
                            parent.as_ref().and_then(|p| positions.get(p)).copied().unwrap_or(0) * count
                        }
                        _ => 0,
                    };
                    put(&e.content, Some(sample_text(kind, n, offset, &INDUSTRIES[industry], &mut rng)));
                    if let Some(key) = &e.key {
                        // A key that is another entity's id (a bot's
                        // settings) takes one of its rows, a different one
                        // each; otherwise a value of the key's type.
                        let referenced = writer.references(&table, key).and_then(|(t, c)| {
                            let owner = layout.kinds().find(|k| {
                                layout.entity(*k).is_some_and(|o| {
                                    o.table.as_deref().map(Table::parse).as_ref() == Some(t) && o.id.as_ref() == Some(c)
                                })
                            })?;
                            filled.ids.get(&owner)?.get(n).cloned()
                        });
                        let udt = mapped_udt(mapped, &table, key);
                        let value = match referenced {
                            Some(id) => id,
                            None if udt == "uuid" => uuid::Uuid::from_u128(rng.random()).to_string(),
                            None if udt.starts_with("int") => (n + 1).to_string(),
                            None => format!("key-{}", rng.random_range(1000..9999)),
                        };
                        put(&e.key, Some(value));
                    }
                    put(&e.value, Some(rng.random_range(1..100).to_string()));
                    // The columns the list shows: values a platform of this
                    // kind would hold there, else a list of blanks.
                    // Only a plain value of its own: a column the layout
                    // maps otherwise (a time, an id), a reference or a type
                    // of the platform's is filled as the writer fills it.
                    let mapped_elsewhere = |c: &str| {
                        e.columns().iter().any(|(field, named)| !matches!(*field, "columns" | "words") && *named == c)
                    };
                    // A text column with a default keeps the platform's own
                    // (a session type, a scrape frequency), and a running
                    // total is the platform's to keep (003's total_messages).
                    let platform_keeps = |c: &str| {
                        let col = mapped_column(mapped, &table, c);
                        let text = col.is_some_and(|col| matches!(col.udt.as_str(), "text" | "varchar"));
                        (text && col.is_some_and(|col| col.has_default))
                            || c.starts_with("total_")
                            || c.ends_with("_count")
                    };
                    for column in e.shown.iter().filter(|c| {
                        !mapped_elsewhere(c)
                            && !platform_keeps(c)
                            && writer.references(&table, c).is_none()
                            && PLAIN_TYPES.contains(&mapped_udt(mapped, &table, c).as_str())
                    }) {
                        serial += 1;
                        let udt = mapped_udt(mapped, &table, column);
                        let v = shown_sample(&udt, column, kind, n, &INDUSTRIES[industry], serial, &mut rng);
                        put(&Some(column.clone()), Some(v));
                    }
                    put(&e.created_at, Some(at.to_rfc3339()));
                    if let Some(col) = &e.embedding {
                        let dim = writer.dimension(&table, col).unwrap_or(384);
                        put(&e.embedding, Some(vector(dim, &mut rng)));
                    }
                    // Order columns nobody set: a position or a time.
                    for o in e.order.iter().filter(|o| Some(*o) != e.id.as_ref()) {
                        let udt = mapped_udt(mapped, &table, o);
                        if udt.starts_with("int") {
                            put(&Some(o.clone()), Some(n.to_string()));
                        } else if udt.starts_with("timestamp") {
                            put(&Some(o.clone()), Some(at.to_rfc3339()));
                        }
                    }
                    if let Some(id) = &e.id {
                        // Text ids are set even with a default: 003's owners default to
                        // one constant id ("owner-001"), good for one row only.
                        // UUIDs are set too, time-ordered as UUIDv7 are: rows
                        // that tie on time then page in the order they were
                        // written (a question before its answer).
                        if mapped_column(mapped, &table, id)
                            .is_some_and(|c| !c.has_default || c.udt == "text" || c.udt == "varchar" || c.udt == "uuid")
                        {
                            let udt = mapped_udt(mapped, &table, id);
                            serial += 1;
                            let v = if udt == "uuid" {
                                time_ordered_uuid(at, serial, &mut rng)
                            } else {
                                format!("{}-{}", kind.name(), rng.random_range(100_000..999_999))
                            };
                            put(&e.id, Some(v));
                        }
                    }
                    let returning = e.id.as_deref().or(e.key.as_deref()).expect("checked layout");
                    let id = writer
                        .insert(&mut *conn, &table, set, returning)
                        .await?
                        .ok_or_else(|| DbError::Invalid(format!("{table}: an inserted row has no {returning}")))?;
                    industries.insert(id.clone(), industry);
                    positions.insert(id.clone(), n);
                    times.insert((kind, id.clone()), at);
                    if let Some(host) = title {
                        hosts.insert(id.clone(), host);
                    }
                    filled.ids.entry(kind).or_default().push(id.clone());
                    if let Some(p) = &parent {
                        filled.children.entry((kind, p.clone())).or_default().push(id);
                    }
                }
            }
        }
        if pending.len() == before {
            return Err(DbError::Invalid(format!(
                "layout '{}': entities whose parents never come: {pending:?}",
                layout.name
            )));
        }
    }
    Ok(filled)
}

/// A sample value for a required column the layout does not map, in the
/// shape its name suggests (003's campaign codes, conversation stages,
/// Instagram handles, storage URLs, payment plans…), so sample rows read
/// like the platform's; otherwise the plain [`filler`] of its type. Text
/// stays unique by `serial` where such columns often are (codes, handles,
/// URLs, ids).
pub fn sample_value(udt: &str, column: &str, serial: u64, dim: Option<usize>) -> String {
    use crate::db::mapped::filler;
    let pick = |options: &[&str]| options[serial as usize % options.len()].to_string();
    let c = column.to_ascii_lowercase();
    let text = matches!(udt, "text" | "varchar" | "bpchar");
    let int = matches!(udt, "int2" | "int4" | "int8" | "numeric");
    match () {
        // Codes only where the column has no length limit (not char(2)).
        _ if udt == "text" && c.ends_with("code") => format!("SPRING{}-{serial:03}", 24 + serial % 3),
        _ if text && c.contains("stage") => pick(&["greeting", "qualification", "pitch", "nurture", "complete"]),
        _ if text && c.contains("handle") => format!("@{}_{serial}", pick(&["maya", "leo", "sara", "omar", "june"])),
        _ if text && c.contains("email") => format!("{}{serial}@example.com", pick(&["maya", "leo", "sara", "omar"])),
        _ if text && c.contains("bucket") => "documents".into(),
        _ if text && (c.ends_with("url") || c.ends_with("_path")) => {
            format!("https://files.example.com/{serial:05}/{}", pick(&["guide.pdf", "faq.md", "prices.txt"]))
        }
        _ if text && c.contains("file_type") || text && c == "mime_type" => {
            pick(&["application/pdf", "text/markdown", "text/plain"])
        }
        _ if text && c.contains("payment_status") => pick(&["paid", "paid", "pending", "failed"]),
        _ if text && c == "plan" => pick(&["starter", "growth", "pro"]),
        _ if text && (c.contains("event_type") || c == "job_type" || c.ends_with("_type") || c == "type") => {
            pick(&["created", "updated", "message_sent", "completed"])
        }
        _ if text && c.ends_with("_id") => format!("{}_{serial:06}", c.trim_end_matches("_id")),
        // Within smallint's range too.
        _ if int && (c.contains("size") || c.contains("bytes")) => {
            let top = if udt == "int2" { 30_000 } else { 900_000 };
            (2_048 + serial * 7_919 % top).to_string()
        }
        _ if int && (c.contains("amount") || c.contains("price")) => pick(&["49", "99", "199"]),
        _ => filler(udt, column, serial, dim),
    }
}

/// Types `shown_sample` makes a value of.
const PLAIN_TYPES: &[&str] = &["text", "varchar", "bool", "int2", "int4", "int8", "numeric", "float4", "float8"];

/// A sample for a column a layout shows in its lists (`columns`): text
/// shaped like its name (a business, a person, a page), a yes or no, a
/// count; what [`sample_value`] gives otherwise.
fn shown_sample(
    udt: &str,
    column: &str,
    kind: Kind,
    n: usize,
    industry: &Industry,
    serial: u64,
    rng: &mut ChaCha8Rng,
) -> String {
    let c = column.to_ascii_lowercase();
    match udt {
        "bool" => (serial % 4 != 0).to_string(),
        "int2" | "int4" | "int8" if c.contains("limit") => ["10", "20", "60"][serial as usize % 3].into(),
        "int2" | "int4" | "int8" | "numeric" => rng.random_range(0..60).to_string(),
        "float4" | "float8" => format!("{:.2}", rng.random_range(0.0..1.0)),
        "text" | "varchar" if c.contains("business") || c.contains("company") => {
            industry.companies[n % industry.companies.len()].to_string()
        }
        "text" | "varchar" if c == "title" || c.ends_with("_title") || c == "name" => {
            sample_title(kind, column, n, industry, serial, rng)
        }
        _ => sample_value(udt, column, serial, None),
    }
}

fn mapped_column<'a>(mapped: &'a Mapped, table: &Table, column: &str) -> Option<&'a crate::schema::Column> {
    mapped.catalog().column(table, column)
}

fn mapped_udt(mapped: &Mapped, table: &Table, column: &str) -> String {
    mapped_column(mapped, table, column).map(|c| c.udt.clone()).unwrap_or_else(|| "text".into())
}

/// Ids for a derived entity, of the type of the column that holds them.
fn made_up_ids(mapped: &Mapped, table: &Table, column: &str, n: usize, rng: &mut ChaCha8Rng) -> Vec<String> {
    let uuid = mapped_udt(mapped, table, column) == "uuid";
    (0..n)
        .map(|_| {
            if uuid {
                uuid::Uuid::from_u128(rng.random()).to_string()
            } else {
                format!("conv_{:08x}", rng.random::<u32>())
            }
        })
        .collect()
}

use crate::seed::content::{INDUSTRIES, Industry};

/// The industry of a row: a tenant's by its position, a demo's (a
/// business) varies within its tenant, everything else inherits its
/// parent's, so a business's documents, chunks and conversations agree.
/// A parent known only as a value (a derived id) picks one by its text.
fn industry_for(kind: Kind, n: usize, parent: Option<&str>, known: &std::collections::HashMap<String, usize>) -> usize {
    let inherited = parent.and_then(|p| known.get(p).copied());
    let by_text =
        || parent.map(|p| p.bytes().fold(0usize, |h, b| h.wrapping_mul(31).wrapping_add(b as usize))).unwrap_or(n);
    let index = match kind {
        Kind::Tenant => n,
        Kind::Demo => inherited.unwrap_or_else(by_text) + n + 1,
        _ => inherited.unwrap_or_else(by_text),
    };
    index % INDUSTRIES.len()
}

/// A name for a row, in the shape its column suggests (an email, a domain,
/// a URL, a file name, a handle) and otherwise what the entity is called:
/// companies for tenants, businesses for demos, people for leads and
/// sessions. `serial` keeps values of UNIQUE columns apart.
fn sample_title(kind: Kind, column: &str, n: usize, industry: &Industry, serial: u64, rng: &mut ChaCha8Rng) -> String {
    use crate::seed::content::{FIRST_NAMES, LAST_NAMES, TENANT_NAMES};
    let slug = super::slugify;
    let business = industry.companies[n % industry.companies.len()];
    let mut person = || {
        let first = FIRST_NAMES[rng.random_range(0..FIRST_NAMES.len())];
        let last = LAST_NAMES[rng.random_range(0..LAST_NAMES.len())];
        (first.to_string(), last.to_string())
    };
    match column {
        c if c.contains("email") => {
            let (first, last) = person();
            format!("{}.{}{serial}@example.com", slug(&first), slug(&last))
        }
        c if c.contains("domain") => format!("{}-{serial}.example.com", slug(business)),
        c if c.contains("url") => {
            let page = industry.products[n % industry.products.len()];
            format!("https://{}.example.com/{}", slug(business), slug(page))
        }
        c if c.contains("file") || c == "source" => {
            let page = industry.products[n % industry.products.len()];
            format!("{}-{}.md", slug(page), n + 1)
        }
        c if c.contains("handle") => {
            let (first, last) = person();
            format!("@{}_{}{serial}", slug(&first), slug(&last))
        }
        _ => match kind {
            Kind::Tenant => format!("{} {}", TENANT_NAMES[n % TENANT_NAMES.len()], serial),
            Kind::Demo => business.to_string(),
            Kind::Lead | Kind::Session => {
                let (first, last) = person();
                format!("{first} {last}")
            }
            Kind::Document | Kind::KnowledgeBase => industry.products[n % industry.products.len()].to_string(),
            _ => format!("{} {}", industry.name, n + 1),
        },
    }
}

/// Text a platform of this kind holds: a conversation's turns (a
/// customer's question, the bot's answer) and knowledge that answers such
/// questions, in the industry of the business it belongs to, so a text
/// query finds its answer among other businesses' knowledge.
fn sample_text(kind: Kind, n: usize, offset: usize, industry: &Industry, rng: &mut ChaCha8Rng) -> String {
    match kind {
        Kind::Message => {
            // Turns in pairs: a question, then its answer.
            let (q, a) = industry.topics[(n / 2) % industry.topics.len()];
            if n.is_multiple_of(2) { q.to_string() } else { a.to_string() }
        }
        Kind::Chunk | Kind::Document | Kind::Memory => {
            // The questions and answers first, then what is on offer.
            // A knowledge base's first document (or a demo's knowledge)
            // holds them; its other documents (`offset`: a sibling's
            // position) go on through every product with every offer and
            // rule, so no two say the same.
            let topics = industry.topics.len();
            if offset == 0 && n < topics {
                let (q, a) = industry.topics[n];
                return format!("{q} {a}");
            }
            let i = if offset == 0 { n - topics } else { n + offset };
            let (p, o) = (industry.products.len(), industry.offers.len());
            let product = industry.products[i % p];
            let offer = industry.offers[(i / p) % o];
            format!(
                "{product} ({}): {offer}. Who it is for: {}.",
                industry.name.to_lowercase(),
                industry.criteria[(i / (p * o)) % industry.criteria.len()].to_lowercase()
            )
        }
        _ => {
            let product = industry.products[rng.random_range(0..industry.products.len())];
            format!("{} — {product}", industry.name)
        }
    }
}

/// One parent's rows as the elements of a JSON array (003's messages in a
/// LangGraph checkpoint): an older checkpoint holding the first turns, then
/// the newest one with all of them, each message a serialised LangChain
/// message (role and content at the layout's paths). Returns the
/// elements' positions, which are their ids.
#[allow(clippy::too_many_arguments)]
async fn fill_json_array(
    conn: &mut PgConnection,
    writer: &mut Writer<'_>,
    e: &crate::schema::Entity,
    (table, parent): (&Table, &str),
    count: usize,
    industry: &Industry,
    base: chrono::DateTime<Utc>,
    serial: &mut u64,
    rng: &mut ChaCha8Rng,
) -> Result<Vec<String>> {
    use serde_json::{Value as Json, json};
    // Paths that run into a value that is not an object (role "kwargs"
    // and content "kwargs.content") cannot both be written.
    fn put(target: &mut Json, keys: &[String], value: Json) -> Result<()> {
        let clash = || DbError::Invalid(format!("the JSON paths of this layout overlap at {}", keys.join(".")));
        let mut at = target;
        for k in &keys[..keys.len() - 1] {
            at = at.as_object_mut().ok_or_else(clash)?.entry(k.clone()).or_insert_with(|| json!({}));
        }
        at.as_object_mut().ok_or_else(clash)?.insert(keys[keys.len() - 1].clone(), value);
        Ok(())
    }
    let mut messages: Vec<Json> = Vec::with_capacity(count);
    for n in 0..count {
        let (role, class) = if n % 2 == 0 { ("human", "HumanMessage") } else { ("ai", "AIMessage") };
        let mut m = json!({"lc": 1, "type": "constructor", "id": ["langchain", "schema", "messages", class]});
        if let Some(p) = &e.role {
            put(&mut m, &crate::schema::Entity::json_keys(p), json!(role))?;
        }
        if let Some(p) = &e.content {
            let text = sample_text(Kind::Message, n, 0, industry, rng);
            put(&mut m, &crate::schema::Entity::json_keys(p), json!(text))?;
        }
        messages.push(m);
    }
    let path = crate::schema::Entity::json_keys(e.json_path.as_deref().expect("checked layout"));
    // The older checkpoint first: the newest must be the one read.
    for upto in [count / 2, count] {
        let mut state = json!({"v": 1});
        put(&mut state, &path, Json::Array(messages[..upto].to_vec()))?;
        *serial += 1;
        let mut set: Vec<(String, Value)> = vec![
            (e.parent.clone().expect("checked layout"), Some(parent.to_string())),
            (e.json_array.clone().expect("a JSON array entity"), Some(state.to_string())),
            (e.latest.clone().expect("checked layout"), Some(time_ordered_uuid(base, *serial, rng))),
        ];
        set.dedup_by(|a, b| a.0 == b.0);
        let returning = e.latest.as_deref().expect("checked layout");
        writer.insert(&mut *conn, table, set, returning).await?;
    }
    Ok((1..=count).map(|n| n.to_string()).collect())
}

/// A UUIDv7 (RFC 9562): milliseconds since the epoch in the top 48 bits,
/// then version 7, random bits and the variant. `serial` is added to the
/// time so rows made at the same sample time still sort as written.
fn time_ordered_uuid(at: chrono::DateTime<Utc>, serial: u64, rng: &mut ChaCha8Rng) -> String {
    let ms = (at.timestamp_millis() as u128 + serial as u128) & ((1 << 48) - 1);
    let rand_a = rng.random::<u16>() as u128 & 0x0fff;
    let rand_b = rng.random::<u64>() as u128 & ((1 << 62) - 1);
    uuid::Uuid::from_u128((ms << 80) | (0x7 << 76) | (rand_a << 64) | (0b10 << 62) | rand_b).to_string()
}

/// A random unit vector (sample data: random, not an embedding of its text).
fn vector(dim: usize, rng: &mut ChaCha8Rng) -> String {
    let mut v: Vec<f32> = (0..dim).map(|_| rng.random_range(-1.0f32..1.0)).collect();
    let norm = v.iter().map(|x| x * x).sum::<f32>().sqrt().max(1e-6);
    v.iter_mut().for_each(|x| *x /= norm);
    crate::db::mapped::vector_text(&v)
}

/// Replaces the sample vectors of every entity with vectors of its text
/// made by `provider` (zero-padded to the column by `embed::Padded` when
/// the column is wider than the model), and labels them in `ragdesk_meta`
/// so that a text query uses the same model. Returns the rows embedded per
/// entity.
pub async fn embed_vectors(
    conn: &mut PgConnection,
    mapped: &Mapped,
    provider: &crate::embed::Provider,
) -> Result<Vec<(Kind, usize)>> {
    let mut done = Vec::new();
    for kind in mapped.layout.kinds() {
        let Ok((dim, _)) = mapped.vector_column(kind) else { continue };
        let dim = dim.unwrap_or(provider.dimension());
        if dim != provider.dimension() {
            // Another column width: its sample vectors stay random (and unlabelled).
            continue;
        }
        let n = mapped
            .embed_rows(&mut *conn, kind, 64, async |texts: Vec<String>| {
                provider.embed(&texts).await.map_err(|e| DbError::Invalid(e.to_string()))
            })
            .await?;
        let spec = crate::spec::ModelSpec {
            provider: provider.provider().into(),
            model: provider.model().into(),
            dim: provider.dimension(),
        };
        let note = if dim > crate::embed::LOCAL_DIM && spec.provider == "local" {
            format!("{} (local, {}-d) zero-padded to {dim} by ragdesk seed", spec.model, crate::embed::LOCAL_DIM)
        } else {
            format!("{}:{} ({dim}-d), written by ragdesk seed", spec.provider, spec.model)
        };
        mapped.label_vectors(&mut *conn, kind, &crate::db::mapped::VectorLabel { spec, note }).await?;
        done.push((kind, n));
    }
    Ok(done)
}

#[cfg(test)]
mod tests {
    use super::sample_value;

    #[test]
    fn unmapped_required_columns_get_values_shaped_like_their_names() {
        assert_eq!(sample_value("text", "campaign_code", 7, None), "SPRING25-007");
        assert!(
            ["greeting", "qualification", "pitch", "nurture", "complete"]
                .contains(&sample_value("text", "current_stage", 3, None).as_str())
        );
        assert!(sample_value("text", "instagram_handle", 4, None).starts_with('@'));
        assert!(sample_value("text", "storage_url", 5, None).starts_with("https://"));
        assert_ne!(
            sample_value("text", "supabase_user_id", 1, None),
            sample_value("text", "supabase_user_id", 2, None)
        );
        assert_ne!(sample_value("int4", "file_size", 9, None), "0");
        assert!(sample_value("int2", "file_size", 999, None).parse::<i16>().is_ok(), "fits a smallint");
        assert_eq!(
            sample_value("bpchar", "country_code", 1, None),
            "country_code-1",
            "not a code too long for char(2)"
        );
        // Anything else: the plain value of its type.
        assert_eq!(sample_value("int4", "idx", 9, None), "0");
        assert_eq!(sample_value("text", "channel_name", 9, None), "channel_name-9");
    }
}
