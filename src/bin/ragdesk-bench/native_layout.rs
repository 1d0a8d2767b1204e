//! Our own lists read the way the console reads them now (through our
//! layout, `db::mapped`), beside our typed queries for the same page, in
//! one run: the layout-driven SQL must cost what the hand-written SQL does.

use ragdesk::db::mapped::{Mapped, Under};
use ragdesk::db::sessions::SessionScope;
use ragdesk::db::{self, Db, Filter};
use ragdesk::schema::Kind;
use uuid::Uuid;

use super::{Stats, time};

/// p50s of the layout's page and the typed one, and their ratio.
fn pair(what: &str, layout: &Stats, typed: &Stats) {
    println!(
        "| {what} | {:.2} | {:.2} | {:.2}× |",
        layout.ms(0.5),
        typed.ms(0.5),
        layout.ms(0.5) / typed.ms(0.5).max(0.001)
    );
}

pub async fn run(db: &Db, n: usize) -> color_eyre::eyre::Result<()> {
    let pool = &db.pool;
    let m = Mapped::for_console(&mut *pool.acquire().await?, Some(ragdesk::schema::load("native")?))
        .await?
        .expect("asked for");
    let none = Filter::default();
    println!();
    println!("| page of 100 (ours) | through the layout p50 ms | typed query p50 ms | ratio |");
    println!("|---|---|---|---|");
    let page = |kind: Kind, under: Under, after: Option<Vec<Option<String>>>, words: &str| {
        let (m, words) = (&m, words.to_string());
        move || {
            let (under, after, words) = (under.clone(), after.clone(), words.clone());
            async move {
                m.page_under(&mut pool.acquire().await.unwrap(), kind, &under, after.as_deref(), 100, &words)
                    .await
                    .unwrap()
            }
        }
    };
    pair(
        "tenants (slug, plan, demos counted)",
        &time(n, page(Kind::Tenant, Under::All, None, "")).await,
        &time(n, || async { db::tenants::list(&mut pool.acquire().await.unwrap(), &none, None, 100).await }).await,
    );
    pair(
        "demos, all tenants (sessions counted)",
        &time(n, page(Kind::Demo, Under::All, None, "")).await,
        &time(n, || async { db::demos::list(&mut pool.acquire().await.unwrap(), None, &none, None, 100).await }).await,
    );
    pair(
        "sessions, all (lead named, messages counted, tokens totalled)",
        &time(n, page(Kind::Session, Under::All, None, "")).await,
        &time(n, || async {
            db::sessions::list(&mut pool.acquire().await.unwrap(), SessionScope::All, &none, None, 100).await
        })
        .await,
    );
    let mid = super::half_way_session(pool).await?;
    // The same row as the layout's cursor: its order columns as text.
    let at = mid.ts.to_rfc3339_opts(chrono::SecondsFormat::Micros, true);
    let (key, id) = (mid.id.to_string(), mid.id);
    let mid = Some(mid);
    pair(
        "sessions, all: half-way down (keyset)",
        &time(n, page(Kind::Session, Under::All, Some(vec![Some(at), Some(key)]), "")).await,
        &time(n, || async {
            db::sessions::list(&mut pool.acquire().await.unwrap(), SessionScope::All, &none, mid, 100).await
        })
        .await,
    );
    let demo = super::busiest_demo(pool).await?;
    pair(
        "sessions of the busiest demo",
        &time(n, page(Kind::Session, Under::Row(demo.to_string()), None, "")).await,
        &time(n, || async {
            db::sessions::list(&mut pool.acquire().await.unwrap(), SessionScope::Demo(demo), &none, None, 100).await
        })
        .await,
    );
    pair(
        "leads of the busiest demo",
        &time(n, page(Kind::Lead, Under::Row(demo.to_string()), None, "")).await,
        &time(n, || async { db::leads::list(&mut pool.acquire().await.unwrap(), demo, &none, None, 100).await }).await,
    );
    let (lead,): (Uuid,) = sqlx::query_as("SELECT lead_id FROM sessions GROUP BY 1 ORDER BY count(*) DESC LIMIT 1")
        .fetch_one(pool)
        .await?;
    pair(
        "sessions of the busiest lead (listed_under)",
        &time(n, page(Kind::Session, Under::Via(Kind::Lead, lead.to_string()), None, "")).await,
        &time(n, || async {
            db::sessions::list(&mut pool.acquire().await.unwrap(), SessionScope::Lead(lead), &none, None, 100).await
        })
        .await,
    );
    let word = Filter::parse("ivanova");
    pair(
        "sessions, all, filtered by a lead-name word",
        &time(n, page(Kind::Session, Under::All, None, "ivanova")).await,
        &time(n, || async {
            db::sessions::list(&mut pool.acquire().await.unwrap(), SessionScope::All, &word, None, 100).await
        })
        .await,
    );
    // A word no lead has: the whole list is read to say so (both ways).
    let rare = Filter::parse("zzqqx");
    pair(
        "sessions, all, filtered by a word no lead has",
        &time(n, page(Kind::Session, Under::All, None, "zzqqx")).await,
        &time(n, || async {
            db::sessions::list(&mut pool.acquire().await.unwrap(), SessionScope::All, &rare, None, 100).await
        })
        .await,
    );
    let id_words = format!("id:{}", &id.to_string()[..8]);
    let by_id = Filter::parse(&id_words);
    pair(
        "sessions, all, by an id's first 8 hex digits",
        &time(n, page(Kind::Session, Under::All, None, &id_words)).await,
        &time(n, || async {
            db::sessions::list(&mut pool.acquire().await.unwrap(), SessionScope::All, &by_id, None, 100).await
        })
        .await,
    );
    pair(
        "a demo read whole (every column) / our typed demo detail",
        &time(n, || async {
            m.row_fields(&mut pool.acquire().await.unwrap(), Kind::Demo, &demo.to_string()).await.unwrap()
        })
        .await,
        &time(n, || async { db::demos::get(&mut pool.acquire().await.unwrap(), demo).await.unwrap() }).await,
    );
    // The transcript, as the console and the exports read it now.
    let (marathon, total): (Uuid, i64) =
        sqlx::query_as("SELECT session_id, count(*) FROM messages GROUP BY 1 ORDER BY 2 DESC LIMIT 1")
            .fetch_one(pool)
            .await?;
    let reader = ragdesk::db::conversation::Conversations::new(std::sync::Arc::new(m.clone()));
    let sid = marathon.to_string();
    pair(
        "a conversation's heading (lead, demo, tenant, counts) / our typed session",
        &time(n, || async { reader.head(&mut pool.acquire().await.unwrap(), &sid).await.unwrap() }).await,
        &time(n, || async { db::sessions::get(&mut pool.acquire().await.unwrap(), marathon).await.unwrap() }).await,
    );
    pair(
        &format!("transcript: first page of 200 (of {total} messages)"),
        &time(n, || async { reader.page(&mut pool.acquire().await.unwrap(), &sid, None, 200).await.unwrap() }).await,
        &time(n, || async {
            db::messages::page(&mut pool.acquire().await.unwrap(), marathon, None, 200).await.unwrap()
        })
        .await,
    );
    pair(
        &format!("transcript: all {total} messages (export)"),
        &time(n.min(5), || async { reader.whole(&mut pool.acquire().await.unwrap(), &sid).await.unwrap() }).await,
        &time(n.min(5), || async { db::messages::all(&mut pool.acquire().await.unwrap(), marathon).await.unwrap() })
            .await,
    );
    Ok(())
}
