//! A conversation and its messages as the console's transcript, the
//! exports and the clipboard read them, whatever the schema: through the
//! database's layout (`mapped`), ours (`native.toml`) as every other. The
//! heading is read up the layout's chain (its lead, its bot, their tenant);
//! the messages a page at a time in the layout's order.

use std::sync::Arc;

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use sqlx::PgConnection;
use uuid::Uuid;

use super::mapped::{Mapped, MappedRow};
use super::{DbError, Result};
use crate::schema::{Extra, Kind};

/// Who reads conversations on this database: its layout.
#[derive(Debug, Clone)]
pub struct Conversations(pub Arc<Mapped>);

/// A conversation's heading: what the transcript's title and an export's
/// header show. Fields a layout does not have are `None`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct ConversationHead {
    /// The id as text (UUID, TEXT or bigint, as the schema has it).
    pub id: String,
    /// Who the conversation is with (a lead's name, else the conversation's title).
    pub who: Option<String>,
    /// The conversation's own title (a layout's subject or visitor column).
    pub title: Option<String>,
    /// The visitor's identifier, when ours records one beside the name.
    pub who_id: Option<String>,
    /// The bot it was held with (a demo's name).
    pub bot: Option<String>,
    /// What a layout calls one of its bots ("Widget", "Project"), when
    /// `bot` is one of theirs.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub bot_label: Option<String>,
    /// What a layout calls one of its conversations ("Conversation",
    /// "Ticket"), when it is one of theirs.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub label: Option<String>,
    /// Ours: the demo, whose knowledge base a question is replayed on.
    pub demo_id: Option<Uuid>,
    /// The layout's own columns of it, as (column, value): ours, its channel.
    /// In JSON an object, in the layout's order (`{"channel": "chat"}`).
    #[serde(default, skip_serializing_if = "Vec::is_empty", with = "in_order")]
    pub details: Vec<(String, String)>,
    pub status: Option<String>,
    pub started_at: Option<DateTime<Utc>>,
    pub ended_at: Option<DateTime<Utc>>,
    /// Known before every page is in: every message counted (`None` where
    /// a layout's conversation has no count, or it could not be counted).
    pub message_count: Option<i64>,
    pub token_total: Option<i64>,
    /// The layout it was read through, when not ours.
    pub layout: Option<String>,
    /// A layout's tenant the conversation is under, in its words
    /// ("Customer", "Pixel & Pine Marketing"), when the chain reaches one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tenant: Option<HeldBy>,
}

/// The row a conversation is held under, named in its layout's words.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct HeldBy {
    /// What one such row is called ("Customer").
    pub label: String,
    /// Its title ("Pixel & Pine Marketing").
    pub name: String,
}

impl ConversationHead {
    /// What a person calls it: who it is with, else its title (`None`: it
    /// has only its id).
    pub fn name(&self) -> Option<&str> {
        self.who.as_deref().or(self.title.as_deref())
    }
}

/// One message of a conversation.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Utterance {
    pub id: String,
    pub role: String,
    pub content: String,
    pub created_at: Option<DateTime<Utc>>,
    pub token_count: Option<i32>,
    pub metadata: Option<serde_json::Value>,
}

/// A page of messages, oldest first, and where the next one starts.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct ConversationPage {
    pub rows: Vec<Utterance>,
    pub next: Option<Vec<Option<String>>>,
}

/// The most messages one whole read (an export, a copy) takes, a page at a time.
pub const WHOLE_CAP: usize = 100_000;

impl Conversations {
    pub fn new(mapped: Arc<Mapped>) -> Conversations {
        Conversations(mapped)
    }

    /// The conversation `spec` names, which must exist: its id, or a unique
    /// prefix of it (what the transcript's title shows of it).
    pub async fn resolve(&self, conn: &mut PgConnection, spec: &str) -> Result<String> {
        let m = &self.0;
        let spec = spec.trim();
        let one = m.layout.one(Kind::Session).to_lowercase();
        let missing = || DbError::NotFound(format!("no {one} with id '{spec}'"));
        // (An id not even of the id's type is no row: `row` says None.)
        if let Some(row) = m.row(&mut *conn, Kind::Session, spec).await? {
            return Ok(row.id);
        }
        // Not a whole id: the start of one. A UUID's takes 6+ hex digits
        // (what is not hex at all is just no id).
        let hex = !spec.is_empty() && spec.chars().all(|c| c.is_ascii_hexdigit() || c == '-');
        if hex
            && m.id_type(Kind::Session).as_deref() == Some("uuid")
            && super::sessions::id_prefix_range(spec).is_none()
        {
            return Err(DbError::Filter(format!(
                "a {one} id is a UUID or its first {}+ hex digits, not '{spec}'",
                super::sessions::MIN_ID_PREFIX
            )));
        }
        match m.ids_with_prefix(&mut *conn, Kind::Session, spec, 4).await?.as_slice() {
            [one] => Ok(one.clone()),
            [] => Err(missing()),
            // Four asked for: a fourth says only that there are more.
            many => Err(DbError::Filter(format!(
                "'{spec}' is ambiguous, type more of it: it starts {} ids ({}{})",
                if many.len() > 3 { "more than 3".to_string() } else { many.len().to_string() },
                many.iter().take(3).cloned().collect::<Vec<_>>().join(", "),
                if many.len() > 3 { ", …" } else { "" }
            ))),
        }
    }

    pub async fn head(&self, conn: &mut PgConnection, id: &str) -> Result<ConversationHead> {
        let m = &self.0;
        let row = m
            .row(&mut *conn, Kind::Session, id)
            .await?
            .ok_or_else(|| DbError::NotFound(format!("{} {id}", m.layout.label(Kind::Session))))?;
        // Every message counted, and its tokens totalled (one
        // conversation's rows: not capped as a list's counts are).
        let under = super::mapped::Under::of(Some(id));
        let count = m.count_rows_under(&mut *conn, Kind::Message, &under, "", true).await?;
        let tokens = m.layout.entity(Kind::Message).and_then(|e| e.token_count.clone());
        let token_total = match &tokens {
            Some(column) => m.total_under(&mut *conn, Kind::Message, id, column).await?,
            None => None,
        };
        let e = m.layout.entity(Kind::Session).expect("a layout has conversations");
        let mut head = head_of_row(m, row);
        // Who and which bot, up the layout's chain: a lead's name (and its
        // other name: ours, an e-mail), a demo's name; and when it ended,
        // where the layout says.
        let ended = e.ended_at.as_deref();
        let lead_column = e.listed_under.get(Kind::Lead.name()).map(String::as_str);
        let session = m.row_extras(&mut *conn, Kind::Session, id, ended, lead_column).await?;
        head.ended_at = session.at;
        // A lead it is listed under besides its parent (ours: its demo's
        // session, held with one lead).
        if let Some(lead_id) = session.listed_by {
            let lead = m.row_extras(&mut *conn, Kind::Lead, &lead_id, None, None).await?;
            head.who = lead.title;
            head.who_id = lead.other_name;
        }
        let mut parent = session.parent;
        let mut kind = m.layout.parent_of(Kind::Session);
        // A few steps at most (a lead, its demo, their tenant).
        for _ in 0..4 {
            let (Some(k), Some(pid)) = (kind, parent.clone()) else { break };
            let row = m.row_extras(&mut *conn, k, &pid, None, None).await?;
            let title = row.title;
            match k {
                Kind::Lead => {
                    head.who = title;
                    head.who_id = row.other_name;
                }
                Kind::Demo => {
                    // Ours: the demo whose knowledge a question is replayed on.
                    if m.layout.is_native() {
                        head.demo_id = Uuid::parse_str(&pid).ok();
                    } else {
                        head.bot_label = Some(m.layout.one(Kind::Demo));
                    }
                    head.bot = title;
                }
                Kind::Tenant => {
                    head.tenant = title.map(|name| HeldBy { label: m.layout.one(Kind::Tenant), name });
                    break;
                }
                _ => break,
            }
            parent = row.parent;
            kind = m.layout.parent_of(k);
        }
        // An estimate is no count: the title then counts what is loaded.
        head.message_count = match count {
            Some(super::RowCount::Exact(n)) => Some(n),
            _ => None,
        };
        // No messages: no tokens either, where they are counted.
        head.token_total = tokens.and(Some(token_total.unwrap_or(0)));
        Ok(head)
    }

    /// Messages of conversation `id` after `after` (a page's `next`).
    pub async fn page(
        &self,
        conn: &mut PgConnection,
        id: &str,
        after: Option<&[Option<String>]>,
        limit: u32,
    ) -> Result<ConversationPage> {
        let m = &self.0;
        let page = m.page(&mut *conn, Kind::Message, Some(id), after, limit).await?;
        let roles = m.layout.entity(Kind::Message).map(|e| &e.roles);
        let rows = page.rows.into_iter().map(|r| utterance_of_row(r, roles)).collect();
        Ok(ConversationPage { rows, next: page.next })
    }

    /// The whole conversation, a page at a time (at most [`WHOLE_CAP`]).
    /// Pages double from 1,000 to 16,000: a long conversation is a few
    /// statements, which matters where each page sorts the conversation's
    /// rows (a layout whose index finds them but does not order them).
    pub async fn whole(&self, conn: &mut PgConnection, id: &str) -> Result<(ConversationHead, Vec<Utterance>)> {
        let head = self.head(&mut *conn, id).await?;
        let mut messages = Vec::new();
        let mut after: Option<Vec<Option<String>>> = None;
        for pages in 0u32.. {
            // Never past the cap (one more row says there are more).
            let size = (1000u32 << pages.min(4)).min((WHOLE_CAP + 1 - messages.len()) as u32);
            let page = self.page(&mut *conn, id, after.as_deref(), size).await?;
            messages.extend(page.rows);
            match page.next {
                Some(_) if messages.len() >= WHOLE_CAP => {
                    return Err(DbError::Invalid(format!("more than {WHOLE_CAP} messages: too many to read whole")));
                }
                Some(next) => after = Some(next),
                // Read whole, it is counted whole (a layout's heading counts up to a cap).
                None => {
                    let mut head = head;
                    head.message_count = Some(messages.len() as i64);
                    return Ok((head, messages));
                }
            }
        }
        unreachable!("the pages end or the cap is reached")
    }
}

/// A layout's session row as a heading: its own title (a subject, a
/// handle: not known to be a person, so not who it is with: a lead up the
/// chain says that; not a title read from another row), its status (where
/// it has one of its own) and its own columns as details.
fn head_of_row(m: &Mapped, row: MappedRow) -> ConversationHead {
    let e = m.layout.entity(Kind::Session).expect("a layout has conversations");
    let mut head = ConversationHead {
        id: row.id,
        title: row.title.filter(|_| e.title.is_some()),
        // (Open or ended, where that is read from its end: as its list says.)
        status: row.status,
        started_at: row.created_at,
        layout: (!m.layout.is_native()).then(|| m.layout.name.clone()),
        label: (!m.layout.is_native()).then(|| m.layout.one(Kind::Session)),
        ..ConversationHead::default()
    };
    for (extra, value) in e.extras().into_iter().zip(row.cells) {
        if let (Extra::Column(c), Some(value)) = (extra, value) {
            head.details.push((c.to_string(), value));
        }
    }
    head
}

/// The platform's metadata of a message, with the platform's own word for
/// who spoke (`{"role": "student"}`) where ours replaced it: kept beside
/// what the platform has, never over a key of its own.
fn merged_metadata(theirs: Option<serde_json::Value>, role: Option<serde_json::Value>) -> Option<serde_json::Value> {
    // Without a word to add, the platform's value exactly as it is (`{}`
    // included: a JSON export round-trips it).
    let Some(role) = role else { return theirs };
    // With one, an empty object (a column's default) says nothing of its own.
    let theirs = theirs.filter(|v| !(v.is_null() || v.as_object().is_some_and(|m| m.is_empty())));
    let role = Some(role);
    match (theirs, role) {
        (Some(serde_json::Value::Object(mut map)), Some(serde_json::Value::Object(r))) => {
            for (k, v) in r {
                map.entry(k).or_insert(v);
            }
            Some(serde_json::Value::Object(map))
        }
        (None, role) => role,
        // Not an object: kept whole under a key, the word beside it.
        (Some(theirs), Some(serde_json::Value::Object(mut r))) if !theirs.is_object() => {
            r.insert("metadata".into(), theirs);
            Some(serde_json::Value::Object(r))
        }
        (Some(theirs), _) => Some(theirs),
    }
}

/// A layout's message as ours: its role in our words where the layout maps
/// them, the platform's own word kept in the metadata.
fn utterance_of_row(row: MappedRow, roles: Option<&std::collections::BTreeMap<String, String>>) -> Utterance {
    let theirs = row.role.unwrap_or_else(|| "?".into());
    let ours = roles.and_then(|r| r.get(&theirs)).cloned();
    Utterance {
        id: row.id,
        metadata: merged_metadata(row.metadata, ours.as_ref().map(|_| serde_json::json!({ "role": theirs }))),
        role: ours.unwrap_or(theirs),
        content: row.content.unwrap_or_default(),
        created_at: row.created_at,
        token_count: row.token_count.map(|n| i32::try_from(n).unwrap_or(i32::MAX)),
    }
}

/// Our typed session as a heading: what reading it through our layout
/// gives (held equal by the layouts test), kept for the tests' fixtures
/// and the bench's reference reads.
impl From<super::sessions::SessionRow> for ConversationHead {
    fn from(s: super::sessions::SessionRow) -> ConversationHead {
        ConversationHead {
            id: s.id.to_string(),
            who: Some(s.lead_label().to_string()),
            // The identifier where the name is another (shown beside it).
            who_id: s
                .lead_display_name
                .as_ref()
                .filter(|n| **n != s.lead_identifier)
                .map(|_| s.lead_identifier.clone()),
            bot: s.demo_name,
            demo_id: Some(s.demo_id),
            details: vec![("channel".into(), s.channel)],
            status: Some(if s.ended_at.is_some() { "ended" } else { "open" }.into()),
            started_at: Some(s.created_at),
            ended_at: s.ended_at,
            message_count: Some(s.message_count),
            token_total: Some(s.token_total),
            ..ConversationHead::default()
        }
    }
}

/// Our typed message as an utterance (as our layout reads it).
impl From<super::messages::MessageRow> for Utterance {
    fn from(m: super::messages::MessageRow) -> Utterance {
        Utterance {
            id: m.id.to_string(),
            role: m.role,
            content: m.content,
            created_at: Some(m.created_at),
            token_count: Some(m.token_count),
            metadata: Some(m.metadata),
        }
    }
}

/// Pairs as a JSON object whose keys keep their order, both ways (a map
/// type would sort them).
mod in_order {
    use serde::de::{MapAccess, Visitor};
    use serde::ser::SerializeMap;
    use serde::{Deserializer, Serializer};

    pub fn serialize<S: Serializer>(pairs: &[(String, String)], s: S) -> Result<S::Ok, S::Error> {
        let mut map = s.serialize_map(Some(pairs.len()))?;
        for (k, v) in pairs {
            map.serialize_entry(k, v)?;
        }
        map.end()
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Vec<(String, String)>, D::Error> {
        struct Pairs;
        impl<'de> Visitor<'de> for Pairs {
            type Value = Vec<(String, String)>;
            fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
                f.write_str("an object of text values")
            }
            fn visit_map<M: MapAccess<'de>>(self, mut m: M) -> Result<Self::Value, M::Error> {
                let mut out = Vec::new();
                while let Some(pair) = m.next_entry()? {
                    out.push(pair);
                }
                Ok(out)
            }
        }
        d.deserialize_map(Pairs)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_headings_details_are_an_object_in_their_order_both_ways() {
        let head = ConversationHead {
            id: "1".into(),
            details: vec![("zone".into(), "b".into()), ("channel".into(), "chat".into())],
            ..Default::default()
        };
        let json = serde_json::to_string(&head).unwrap();
        assert!(json.contains(r#""details":{"zone":"b","channel":"chat"}"#), "{json}");
        assert_eq!(serde_json::from_str::<ConversationHead>(&json).unwrap(), head);
    }

    #[test]
    fn the_platforms_metadata_keeps_its_keys_and_gains_the_role_word() {
        use serde_json::json;
        let role = Some(json!({ "role": "student" }));
        assert_eq!(
            merged_metadata(Some(json!({ "channel": "sms" })), role.clone()),
            Some(json!({ "channel": "sms", "role": "student" }))
        );
        // Its own "role" key is never written over.
        assert_eq!(merged_metadata(Some(json!({ "role": "x" })), role.clone()), Some(json!({ "role": "x" })));
        // A column's default ({}) or NULL says nothing beside the word;
        // without one, the value is kept exactly.
        assert_eq!(merged_metadata(Some(json!({})), role.clone()), role);
        assert_eq!(merged_metadata(Some(json!({})), None), Some(json!({})));
        assert_eq!(merged_metadata(Some(serde_json::Value::Null), role.clone()), role);
        assert_eq!(merged_metadata(None, None), None);
        // Metadata that is not an object keeps the word beside it too.
        assert_eq!(merged_metadata(Some(json!(["a"])), role), Some(json!({ "metadata": ["a"], "role": "student" })));
    }
}
