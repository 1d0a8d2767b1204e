//! The sample-data generator and transcript export.

use ragdesk::db::{self, bulk};
use ragdesk::export::{self, Format, TranscriptExport};
use ragdesk::seed::SeedSizes;

use crate::support;

#[tokio::test]
async fn seed_counts_are_exact_and_cover_every_kind() {
    let sizes = SeedSizes { tenants: 3, demos: 8, leads: 21, sessions: 45, messages: 1_234 };
    let t = support::seeded(99, sizes).await;
    let mut c = t.conn().await;
    let counts = bulk::table_counts(&mut c).await.unwrap();
    assert_eq!(
        counts,
        vec![
            ("tenants".to_string(), 3),
            ("demos".to_string(), 8),
            ("leads".to_string(), 21),
            ("sessions".to_string(), 45),
            ("messages".to_string(), 1_234)
        ]
    );
    let pool = &t.db.pool;
    let distinct = |sql: &'static str| async move {
        let v: Vec<String> = sqlx::query_scalar(sql).fetch_all(pool).await.unwrap();
        v
    };
    assert_eq!(
        distinct("SELECT DISTINCT status FROM demos ORDER BY 1").await,
        ["active", "blueprint", "draft", "expired"]
    );
    assert_eq!(
        distinct("SELECT DISTINCT identifier_type FROM leads ORDER BY 1").await,
        ["anonymous", "email", "phone"]
    );
    assert_eq!(distinct("SELECT DISTINCT channel FROM sessions ORDER BY 1").await, ["chat", "sms", "voice"]);
    assert_eq!(distinct("SELECT DISTINCT role FROM messages ORDER BY 1").await, ["assistant", "system", "user"]);
    let one = |sql: &'static str| async move { sqlx::query_scalar::<_, bool>(sql).fetch_one(pool).await.unwrap() };
    assert!(one("SELECT EXISTS (SELECT 1 FROM demos WHERE deleted_at IS NOT NULL)").await, "a soft-deleted demo");
    assert!(one("SELECT EXISTS (SELECT 1 FROM sessions WHERE ended_at IS NULL)").await, "an open session");
    assert!(
        one("SELECT EXISTS (SELECT 1 FROM messages WHERE content = E'\\x1b]2;owned\\x07\\x1b[2J')").await,
        "hostile text"
    );
    assert!(one("SELECT EXISTS (SELECT 1 FROM messages WHERE content ~ '[\\u4e00-\\u9fff]')").await, "CJK");
    assert!(one("SELECT EXISTS (SELECT 1 FROM messages WHERE content LIKE '%🎉%')").await, "emoji");
    assert!(one("SELECT EXISTS (SELECT 1 FROM messages WHERE length(content) > 2000)").await, "a very long line");
    assert!(one("SELECT bool_and(token_count > 0) FROM messages").await);
    assert!(one("SELECT bool_and(metadata ? 'model') FROM messages WHERE role = 'assistant'").await);
    assert!(
        one("SELECT bool_and(system_prompt IS NOT NULL AND cardinality(qualification_criteria) > 0) FROM demos").await
    );
    // Referential integrity holds even though the load skipped FK triggers.
    assert!(one("SELECT NOT EXISTS (SELECT 1 FROM messages m LEFT JOIN sessions s ON s.id = m.session_id WHERE s.id IS NULL)").await);
    assert!(
        one(
            "SELECT NOT EXISTS (SELECT 1 FROM sessions s JOIN leads l ON l.id = s.lead_id WHERE l.demo_id <> s.demo_id)"
        )
        .await
    );
    assert!(one("SELECT bool_and(l.last_seen_at >= l.created_at) FROM leads l").await);
}

#[tokio::test]
async fn the_same_seed_gives_the_same_data() {
    let fingerprint = |t: &support::TestDb| {
        let pool = t.db.pool.clone();
        async move {
            sqlx::query_scalar::<_, String>(
                "SELECT md5(string_agg(id::text || role || content || created_at::text || token_count || metadata::text, ',' ORDER BY id)) FROM messages",
            )
            .fetch_one(&pool)
            .await
            .unwrap()
        }
    };
    let a = support::seeded(1234, support::tiny()).await;
    let b = support::seeded(1234, support::tiny()).await;
    let c = support::seeded(1235, support::tiny()).await;
    assert_eq!(fingerprint(&a).await, fingerprint(&b).await);
    assert_ne!(fingerprint(&a).await, fingerprint(&c).await);
}

#[tokio::test]
async fn a_failed_seed_leaves_nothing() {
    let t = support::migrated().await;
    let mut c = t.conn().await;
    // The tenants load works; a CHECK violation would abort the transaction.
    sqlx::query("ALTER TABLE messages ADD CONSTRAINT no_long CHECK (length(content) < 1000)")
        .execute(&mut c)
        .await
        .unwrap();
    let r = ragdesk::seed::seed(&mut c, 1, support::tiny(), |_, _| {}).await;
    assert!(r.is_err());
    drop(c);
    let mut c = t.conn().await;
    assert!(!bulk::has_tenants(&mut c).await.unwrap(), "no partial seed is visible");
}

#[tokio::test]
async fn json_export_round_trips_the_transcript_exactly() {
    let t = support::seeded(8, support::tiny()).await;
    let pool = &t.db.pool;
    // The showcase session holds hostile text, CJK, emoji and a long line.
    let (id,): (uuid::Uuid,) =
        sqlx::query_as("SELECT session_id FROM messages WHERE content LIKE E'\\x1b]2;%' LIMIT 1")
            .fetch_one(pool)
            .await
            .unwrap();
    let session = db::sessions::get(&mut pool.acquire().await.unwrap(), id).await.unwrap();
    let messages = db::messages::all(&mut pool.acquire().await.unwrap(), id).await.unwrap();
    // Read as the console and the CLI read it: through our layout.
    let mut c = pool.acquire().await.unwrap();
    let catalog = db::catalog::read(&mut c).await.unwrap();
    let native = db::mapped::Mapped::new(ragdesk::schema::load("native").unwrap(), catalog).unwrap();
    let reader = db::conversation::Conversations::new(std::sync::Arc::new(native));
    let read = export::read_transcript(&mut c, &reader, &id.to_string()).await.unwrap();
    let json = export::render(Format::Json, &read);
    let back: TranscriptExport = serde_json::from_str(&json).unwrap();
    assert_eq!(back, read);
    assert_eq!((back.format.as_str(), back.layout.as_str()), (export::JSON_FORMAT_TAG, "native"));
    // The heading and the messages our typed queries read, exactly.
    let typed: db::conversation::ConversationHead = session.into();
    assert!(back.session.tenant.is_some(), "the tenant up the chain too");
    assert_eq!(back.session, db::conversation::ConversationHead { tenant: back.session.tenant.clone(), ..typed });
    let typed: Vec<db::conversation::Utterance> = messages.iter().cloned().map(Into::into).collect();
    assert_eq!(back.messages, typed, "every field of every message, exactly");
    // A conversation opened by a system message whose metadata is `{}`:
    // kept as `{}`, exactly.
    let (with_system,): (uuid::Uuid,) =
        sqlx::query_as("SELECT session_id FROM messages WHERE role = 'system' AND metadata = '{}'::jsonb LIMIT 1")
            .fetch_one(pool)
            .await
            .unwrap();
    let read_system = export::read_transcript(&mut c, &reader, &with_system.to_string()).await.unwrap();
    let typed_system: Vec<db::conversation::Utterance> =
        db::messages::all(&mut c, with_system).await.unwrap().into_iter().map(Into::into).collect();
    assert_eq!(read_system.messages, typed_system);
    assert!(read_system.messages.iter().any(|m| m.metadata == Some(serde_json::json!({}))));
    // And the session's own row beside them (its lead and demo by id).
    assert_eq!(back.row.get("id").and_then(|v| v.as_str()), Some(id.to_string().as_str()));
    assert!(back.row.contains_key("lead_id") && back.row.contains_key("channel"), "{:?}", back.row);
    // Its times written as the heading's are (UTC, `Z`).
    assert_eq!(back.row["created_at"], serde_json::to_value(back.session.started_at.unwrap()).unwrap());
    assert!(!json.contains('\x1b'), "JSON escapes control characters");

    let md = export::render(Format::Md, &read);
    assert!(!md.contains('\x1b'), "Markdown shows controls as visible symbols");
    assert!(md.contains("␛]2;owned␇␛[2J"));
    assert_eq!(md.matches("\n---\n").count(), messages.len());
}

/// Sample conversations read in the order they were held: in (time, id)
/// order a question comes before its answer, turns alternate, and a
/// same-second burst (kept: real logs have them) does not swap them.
#[tokio::test]
async fn sample_conversations_read_question_then_answer_in_time_and_id_order() {
    let sizes = SeedSizes { tenants: 2, demos: 4, leads: 12, sessions: 60, messages: 3_000 };
    let t = support::seeded(98, sizes).await;
    let mut c = t.conn().await;
    // Messages whose `column` equals the one before them in (time, id) order.
    async fn same_as_before(c: &mut sqlx::PgConnection, column: &str) -> i64 {
        let sql = format!(
            "SELECT count(*) FROM (SELECT {column} AS v, lag({column}) OVER (PARTITION BY session_id \
             ORDER BY created_at, id) AS prev FROM messages) x WHERE v = prev"
        );
        sqlx::query_scalar(&sql).fetch_one(c).await.unwrap()
    }
    assert_eq!(same_as_before(&mut c, "role").await, 0, "turns alternate");
    let (answer_first,): (i64,) = sqlx::query_as(
        "SELECT count(*) FROM (SELECT DISTINCT ON (session_id) role FROM messages WHERE role <> 'system' \
         ORDER BY session_id, created_at, id) f WHERE role <> 'user'",
    )
    .fetch_one(&mut c)
    .await
    .unwrap();
    assert_eq!(answer_first, 0, "a visitor speaks first");
    assert!(same_as_before(&mut c, "created_at").await > 0, "same-second bursts are in the sample");
}
