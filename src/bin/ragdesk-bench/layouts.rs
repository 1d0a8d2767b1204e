//! Another platform's schema at scale, read through its layout (the SQL
//! `db::mapped` builds from the description), beside the naive way in the
//! same run: keyset pages against OFFSET, a derived list (001's
//! conversations, the distinct ids of its messages) against DISTINCT …
//! OFFSET, the capped count against count(*), and a transcript page.
//!
//! The database must hold the layout's schema, seeded (`ragdesk --layout
//! omni seed` or `--layout domo`); the benchmark grows it once to about a
//! million messages (rows it marks as its own: `bench-…` ids and session
//! ids), then measures. Sample rows come from SQL here, not from the
//! product: they only need the platform's shape and volume.

use std::sync::Arc;

use ragdesk::db::Db;
use ragdesk::db::conversation::Conversations;
use ragdesk::db::mapped::{ListPath, Mapped, Reading, Under};
use ragdesk::schema::Kind;
use sqlx::PgPool;

use super::{ratio_row, row, time};

/// Conversations the benchmark adds, and messages in each (plus one
/// conversation of `LONG` messages).
const CONVERSATIONS: i64 = 50_000;
const PER_CONVERSATION: i64 = 20;
const LONG: i64 = 10_000;
const PAGE: u32 = 100;

pub async fn run(db: &Db, n: usize) -> color_eyre::eyre::Result<()> {
    let mapped = {
        let mut conn = db.pool.acquire().await?;
        Mapped::for_database(&mut conn, None)
            .await?
            .ok_or_else(|| color_eyre::eyre::eyre!("this database matches no other platform's layout"))?
    };
    let name = mapped.layout.name.clone();
    // Grown in one transaction without the statement timeout: all or nothing.
    let mut tx = db.pool.begin().await?;
    sqlx::query("SET LOCAL statement_timeout = 0").execute(&mut *tx).await?;
    let grown = match name.as_str() {
        "omni" => grow_omni(&mut tx).await?,
        "domo" => grow_domo(&mut tx).await?,
        other => color_eyre::eyre::bail!("the benchmark grows omni and domo databases, not {other}"),
    };
    tx.commit().await?;
    // The catalog after growing: statistics and indexes as they are now.
    let mapped = {
        let mut conn = db.pool.acquire().await?;
        Arc::new(Mapped::for_database(&mut conn, Some(mapped.layout.clone())).await?.expect("asked"))
    };
    super::print_sizes(db, &format!("(layout {name})"), &["conversations", "messages", "conversation_messages"])
        .await?;
    println!();
    let pool = &db.pool;
    let long_what = format!("a {}-message conversation's messages", group(LONG));
    let lists: Vec<List> = match name.as_str() {
        "omni" => vec![
            List {
                kind: Kind::Session,
                parent: grown.parent.clone(),
                depths: depths(grown.siblings),
                naive: "SELECT * FROM public.conversations WHERE customer_id = $1::uuid \
                        ORDER BY started_at DESC NULLS LAST, id DESC OFFSET $2 LIMIT 100",
                single_statement: Some(
                    "SELECT * FROM public.conversations t WHERE t.customer_id = $1::uuid \
                     AND (t.started_at < $2::timestamptz OR (t.started_at = $2::timestamptz AND t.id < $3::uuid) \
                     OR t.started_at IS NULL) ORDER BY t.started_at DESC NULLS LAST, t.id DESC LIMIT 101",
                ),
                what: format!("conversations of the busiest customer ({} rows)", group(grown.siblings)),
            },
            List {
                kind: Kind::Message,
                parent: grown.long.clone(),
                depths: vec![1, LONG - 100],
                naive: "SELECT * FROM public.messages WHERE conversation_id = $1::uuid \
                        ORDER BY created_at, id OFFSET $2 LIMIT 100",
                single_statement: None,
                what: long_what,
            },
        ],
        _ => vec![
            List {
                kind: Kind::Session,
                parent: String::new(),
                depths: depths(grown.siblings),
                naive: "SELECT DISTINCT conversation_id FROM public.conversation_messages \
                        WHERE conversation_id IS NOT NULL ORDER BY 1 OFFSET $1 LIMIT 100",
                single_statement: None,
                what: format!("conversations, derived from {} messages' ids", group(grown.messages)),
            },
            List {
                kind: Kind::Message,
                parent: grown.long.clone(),
                depths: vec![1, LONG - 100],
                naive: "SELECT * FROM public.conversation_messages WHERE conversation_id = $1 \
                        ORDER BY timestamp, id OFFSET $2 LIMIT 100",
                single_statement: None,
                what: long_what,
            },
        ],
    };
    let header = || {
        println!();
        println!(
            "| page of 100 starting at row N, through the layout | keyset p50 ms | OFFSET p50 ms | OFFSET / keyset |"
        );
        println!("|---|---|---|---|");
    };
    header();
    for list in &lists {
        for start in &list.depths {
            keyset_vs_offset(pool, &mapped, n, list, *start, "").await?;
        }
    }
    // The lists no index serves, again with the index `doctor` names for
    // each (made for the run, then dropped: the schema is left as it was).
    let paths = mapped.list_paths();
    let unserved: Vec<(&List, &ListPath)> = lists
        .iter()
        .filter_map(|l| paths.iter().find(|p| p.kind == l.kind && p.reading != Reading::Range).map(|p| (l, p)))
        .collect();
    if !unserved.is_empty() {
        println!();
        println!("The same lists with the index `ragdesk doctor` names for each:");
        header();
    }
    for (list, path) in unserved {
        let index = format!("ragdesk_bench_{}", list.kind.name());
        let create = path.create.replacen("CREATE INDEX ON", &format!("CREATE INDEX {index} ON"), 1);
        sqlx::query(&create).execute(pool).await?;
        sqlx::query(&format!("ANALYZE {}", path.table.quoted())).execute(pool).await?;
        // Read as the console would on connecting now: with the index in its catalog.
        let with_index =
            Mapped::for_database(&mut *pool.acquire().await?, Some(mapped.layout.clone())).await?.expect("asked");
        for start in &list.depths {
            keyset_vs_offset(pool, &with_index, n, list, *start, " (with the index)").await?;
        }
        if let Some(single) = list.single_statement {
            println!();
            println!(
                "With the index, the two-part keyset (set `started_at`, then NULL) beside the single \
                 statement it replaced (`… OR started_at IS NULL`), same cursor:"
            );
            println!();
            println!("| page of 100 starting at row N | two parts p50 ms | one statement p50 ms | ratio |");
            println!("|---|---|---|---|");
            for start in &list.depths {
                two_parts_vs_one(pool, &with_index, n, list, *start, single).await?;
            }
        }
        // What counting the rows under each row costs a page (004: a
        // conversation's messages, up to 1,001 index entries each).
        if with_index.layout.entity(list.kind).is_some_and(|e| !e.counts.is_empty()) {
            let mut bare = with_index.layout.clone();
            bare.entity_mut(list.kind).expect("a kind it has").counts.clear();
            let bare = Mapped::for_database(&mut *pool.acquire().await?, Some(bare)).await?.expect("asked");
            println!();
            println!("With the index, the page with its counts beside the same page without them:");
            println!();
            println!("| page of 100 starting at row N | with counts p50 ms | without p50 ms | with / without |");
            println!("|---|---|---|---|");
            for start in &list.depths {
                let after = cursor_before(pool, &with_index, list, *start).await?;
                let page = |m: &Mapped| {
                    let (m, after, under) = (m.clone(), after.clone(), list.under());
                    async move {
                        let mut conn = pool.acquire().await.unwrap();
                        m.page_under(&mut conn, list.kind, &under, after.as_deref(), PAGE, "").await.unwrap()
                    }
                };
                let counted = time(n, || page(&with_index)).await;
                let plain = time(n, || page(&bare)).await;
                println!(
                    "| {}, N = {} | {:.2} | {:.2} | {:.2}× |",
                    list.what,
                    group(*start),
                    counted.ms(0.5),
                    plain.ms(0.5),
                    counted.ms(0.5) / plain.ms(0.5)
                );
            }
        }
        sqlx::query(&format!("DROP INDEX {}.{index}", path.table.schema)).execute(pool).await?;
    }
    println!();
    println!("| operation | min ms | p50 ms | p95 ms |");
    println!("|---|---|---|---|");
    let table = if name == "omni" { "public.messages" } else { "public.conversation_messages" };
    let m = mapped.clone();
    row(
        "messages (all): the list's count, capped at 10,000",
        &time(n, || async {
            m.count_under(&mut pool.acquire().await.unwrap(), Kind::Message, &Under::All, "").await.unwrap()
        })
        .await,
    );
    row(
        &format!("messages (all): count(*), exact ({})", group(grown.messages)),
        &time(n.min(5), || async {
            let (c,): (i64,) = sqlx::query_as(&format!("SELECT count(*) FROM {table}")).fetch_one(pool).await.unwrap();
            c
        })
        .await,
    );
    let reader = Conversations::new(mapped.clone());
    row(
        &format!("transcript of the {}-message conversation: heading and first page of 200", group(LONG)),
        &time(n, || async {
            let mut conn = pool.acquire().await.unwrap();
            reader.head(&mut conn, &grown.long).await.unwrap();
            reader.page(&mut conn, &grown.long, None, 200).await.unwrap()
        })
        .await,
    );
    row(
        &format!("transcript of the {}-message conversation: whole (for export)", group(LONG)),
        &time(n.min(5), || async { reader.whole(&mut pool.acquire().await.unwrap(), &grown.long).await.unwrap() })
            .await,
    );
    if name == "omni" {
        rate_limits(pool, &mapped, n).await?;
    }
    Ok(())
}

/// Rate limit keys the benchmark adds to 004's `customer_configs` (one per
/// customer's domain: a platform of many shops has this many).
const LIMIT_KEYS: i64 = 500_000;

/// The Limits tab on 004's rate limits at scale: its pages by key from the
/// top and from the end (`G`) and the page above the end's, against OFFSET
/// to the same rows, and the title's count, capped, against count(*).
async fn rate_limits(pool: &PgPool, mapped: &Mapped, n: usize) -> color_eyre::eyre::Result<()> {
    use ragdesk::db::mapped::KeysFrom;
    let (done,): (bool,) = sqlx::query_as(
        "SELECT EXISTS (SELECT 1 FROM public.customer_configs WHERE domain = 'bench-shop-0000001.example')",
    )
    .fetch_one(pool)
    .await?;
    if !done {
        eprintln!("growing customer_configs (once): {LIMIT_KEYS} rate limits");
        let mut tx = pool.begin().await?;
        sqlx::query("SET LOCAL statement_timeout = 0").execute(&mut *tx).await?;
        sqlx::query(
            "INSERT INTO public.customer_configs (customer_id, domain, rate_limit) \
             SELECT (SELECT id FROM public.customers ORDER BY created_at, id LIMIT 1), \
                    'bench-shop-' || lpad(g::text, 7, '0') || '.example', 10 + g % 990 \
             FROM generate_series(1, $1) g",
        )
        .bind(LIMIT_KEYS)
        .execute(&mut *tx)
        .await?;
        tx.commit().await?;
        sqlx::query("ANALYZE public.customer_configs").execute(pool).await?;
    }
    let (keys,): (i64,) = sqlx::query_as("SELECT count(*) FROM public.customer_configs").fetch_one(pool).await?;
    println!();
    println!("Rate limits ({} keys, 004's `customer_configs`), a page of {PAGE} by key:", group(keys));
    println!();
    println!("| page | through the layout p50 ms | OFFSET p50 ms | OFFSET / layout |");
    println!("|---|---|---|---|");
    // The key above the end's page, for the page above it.
    let (above,): (String,) = sqlx::query_as(&format!(
        "SELECT domain FROM public.customer_configs ORDER BY domain DESC OFFSET {} LIMIT 1",
        PAGE - 1
    ))
    .fetch_one(pool)
    .await?;
    let cases = [
        ("the first keys", KeysFrom::Top, 0),
        ("the last keys (G)", KeysFrom::End, keys - PAGE as i64),
        ("the page above the last keys", KeysFrom::Before(above), keys - 2 * PAGE as i64),
    ];
    for (what, from, offset) in cases {
        let layout = time(n, || async {
            let mut conn = pool.acquire().await.unwrap();
            mapped.limits_matching(&mut conn, "", &from, PAGE).await.unwrap()
        })
        .await;
        let naive = time(n, || async {
            sqlx::query("SELECT domain, rate_limit FROM public.customer_configs ORDER BY domain OFFSET $1 LIMIT $2")
                .bind(offset)
                .bind(PAGE as i64)
                .fetch_all(pool)
                .await
                .unwrap()
        })
        .await;
        ratio_row(what, &layout, &naive);
    }
    println!();
    println!("| operation | min ms | p50 ms | p95 ms |");
    println!("|---|---|---|---|");
    row(
        "the title's count of keys holding a word (capped at 10,000)",
        &time(n, || async { mapped.count_limits(&mut pool.acquire().await.unwrap(), "shop", false).await.unwrap() })
            .await,
    );
    row(
        "the same keys counted exactly (`c`)",
        &time(n.min(5), || async {
            mapped.count_limits(&mut pool.acquire().await.unwrap(), "shop", true).await.unwrap()
        })
        .await,
    );
    Ok(())
}

/// What the benchmark grew: a parent with many rows under it, and a long
/// conversation.
struct Grown {
    /// The parent the session list is read under ("" for a list at the top).
    parent: String,
    /// Rows in that list.
    siblings: i64,
    /// The id of the conversation of `LONG` messages.
    long: String,
    messages: i64,
}

fn depths(rows: i64) -> Vec<i64> {
    // The last two: a page that reaches the end (on 004, where the rows
    // without a start time are), and the very last page.
    let mut out = vec![1, 1_000, 10_000, rows - 500, rows - 100];
    out.retain(|d| *d >= 1 && *d <= rows - 99);
    out.dedup();
    out
}

fn group(n: i64) -> String {
    ragdesk::db::page::group(n)
}

/// A list measured: `kind` under `parent` ("" at the top), the page at
/// each of `depths`, beside `naive` (bound: the parent when there is one,
/// then the rows to skip).
struct List {
    kind: Kind,
    parent: String,
    depths: Vec<i64>,
    naive: &'static str,
    /// The page as one statement with `OR a IS NULL` (the way before the
    /// two-part read), bound: parent, the cursor's two values.
    single_statement: Option<&'static str>,
    what: String,
}

/// Times the page of 100 that starts at row `start` of `list`, by the
/// layout's keyset and by its naive OFFSET, and prints the ratio.
async fn keyset_vs_offset(
    pool: &PgPool,
    mapped: &Mapped,
    n: usize,
    list: &List,
    start: i64,
    note: &str,
) -> color_eyre::eyre::Result<()> {
    let (kind, parent) = (list.kind, list.parent.as_str());
    let under = list.under();
    let after = cursor_before(pool, mapped, list, start).await?;
    let keyset = time(n, || async {
        let mut conn = pool.acquire().await.unwrap();
        let page = mapped.page_under(&mut conn, kind, &under, after.as_deref(), PAGE, "").await.unwrap();
        assert!(!page.rows.is_empty(), "a page at row {start}");
        page
    })
    .await;
    let offset = time(n, || async {
        let q = sqlx::query(list.naive);
        let q = if parent.is_empty() { q } else { q.bind(parent) };
        q.bind(start - 1).fetch_all(pool).await.unwrap()
    })
    .await;
    ratio_row(&format!("{}{note}, N = {}", list.what, group(start)), &keyset, &offset);
    Ok(())
}

impl List {
    fn under(&self) -> Under {
        if self.parent.is_empty() { Under::All } else { Under::Row(self.parent.clone()) }
    }
}

/// The key of the row just before row `start`, read by the layout's own
/// pages (outside any timing).
async fn cursor_before(
    pool: &PgPool,
    mapped: &Mapped,
    list: &List,
    start: i64,
) -> color_eyre::eyre::Result<Option<Vec<Option<String>>>> {
    let mut after: Option<Vec<Option<String>>> = None;
    let mut skipped = 0;
    while skipped < start - 1 {
        let step = (start - 1 - skipped).min(10_000) as u32;
        let mut conn = pool.acquire().await?;
        let page = mapped.page_under(&mut conn, list.kind, &list.under(), after.as_deref(), step, "").await?;
        skipped += page.rows.len() as i64;
        after = page.rows.last().map(|r| r.key.clone());
        if page.next.is_none() {
            break;
        }
    }
    Ok(after)
}

/// The layout's two-part page at row `start` beside `single`, the one
/// statement with `OR a IS NULL`, from the same cursor (one in the set
/// values: the NULL part's own pages are the same statement either way).
async fn two_parts_vs_one(
    pool: &PgPool,
    mapped: &Mapped,
    n: usize,
    list: &List,
    start: i64,
    single: &str,
) -> color_eyre::eyre::Result<()> {
    let Some(after) = cursor_before(pool, mapped, list, start).await? else { return Ok(()) };
    let [Some(first), Some(last)] = after.as_slice() else { return Ok(()) };
    let under = list.under();
    let parts = time(n, || async {
        let mut conn = pool.acquire().await.unwrap();
        mapped.page_under(&mut conn, list.kind, &under, Some(&after), PAGE, "").await.unwrap()
    })
    .await;
    let one = time(n, || async {
        sqlx::query(single).bind(&list.parent).bind(first).bind(last).fetch_all(pool).await.unwrap()
    })
    .await;
    ratio_row(&format!("{}, N = {}", list.what, group(start)), &parts, &one);
    Ok(())
}

/// 004: 50,000 conversations (most under one customer, started in ties
/// of ten, one in a hundred with no start time), 20 messages each, and
/// one of 10,000.
async fn grow_omni(conn: &mut sqlx::PgConnection) -> color_eyre::eyre::Result<Grown> {
    let (customer,): (String,) =
        sqlx::query_as("SELECT id::text FROM public.customers ORDER BY created_at, id LIMIT 1")
            .fetch_one(&mut *conn)
            .await?;
    let (done,): (bool,) =
        sqlx::query_as("SELECT EXISTS (SELECT 1 FROM public.conversations WHERE session_id = 'bench-long')")
            .fetch_one(&mut *conn)
            .await?;
    if !done {
        eprintln!("growing the omni database (once): {CONVERSATIONS} conversations, ~1M messages");
        // Four in five under the first customer (a deep list under one
        // parent), the rest under the others.
        sqlx::query(
            "WITH cs AS (SELECT id, row_number() OVER (ORDER BY created_at, id) - 1 AS i, count(*) OVER () AS n \
                         FROM public.customers) \
             INSERT INTO public.conversations (customer_id, session_id, started_at, ended_at, metadata) \
             SELECT cs.id, 'bench-' || g, \
                    CASE WHEN g % 100 <> 0 THEN timestamptz '2025-01-01' + (g / 10) * interval '10 minutes' END, \
                    timestamptz '2025-01-01' + (g / 10) * interval '10 minutes' + interval '5 minutes', \
                    '{\"bench\": \"made by ragdesk-bench\"}' \
             FROM generate_series(1, $1) g \
             JOIN cs ON cs.i = CASE WHEN g % 5 = 0 THEN g % cs.n ELSE 0 END",
        )
        .bind(CONVERSATIONS)
        .execute(&mut *conn)
        .await?;
        sqlx::query(
            "INSERT INTO public.messages (conversation_id, role, content, created_at) \
             SELECT c.id, CASE WHEN k % 2 = 0 THEN 'user' ELSE 'assistant' END, \
                    'bench message ' || k || ' of conversation ' || c.session_id, \
                    coalesce(c.started_at, timestamptz '2025-06-01') + k * interval '1 second' \
             FROM public.conversations c CROSS JOIN generate_series(0, $1 - 1) k \
             WHERE c.session_id LIKE 'bench-%'",
        )
        .bind(PER_CONVERSATION)
        .execute(&mut *conn)
        .await?;
        sqlx::query(
            "WITH long AS (INSERT INTO public.conversations (customer_id, session_id, started_at, metadata) \
                           VALUES ($1::uuid, 'bench-long', now(), '{\"bench\": \"made by ragdesk-bench\"}') RETURNING id) \
             INSERT INTO public.messages (conversation_id, role, content, created_at) \
             SELECT long.id, CASE WHEN k % 2 = 0 THEN 'user' ELSE 'assistant' END, 'bench long message ' || k, \
                    now() - interval '1 day' + (k / 2) * interval '1 second' \
             FROM long CROSS JOIN generate_series(0, $2 - 1) k",
        )
        .bind(&customer)
        .bind(LONG)
        .execute(&mut *conn)
        .await?;
        sqlx::query("ANALYZE public.conversations").execute(&mut *conn).await?;
        sqlx::query("ANALYZE public.messages").execute(&mut *conn).await?;
    }
    let (long,): (String,) =
        sqlx::query_as("SELECT id::text FROM public.conversations WHERE session_id = 'bench-long'")
            .fetch_one(&mut *conn)
            .await?;
    let (siblings,): (i64,) = sqlx::query_as("SELECT count(*) FROM public.conversations WHERE customer_id = $1::uuid")
        .bind(&customer)
        .fetch_one(&mut *conn)
        .await?;
    let (messages,): (i64,) = sqlx::query_as("SELECT count(*) FROM public.messages").fetch_one(&mut *conn).await?;
    Ok(Grown { parent: customer, siblings, long, messages })
}

/// 001: 50,000 conversations of 20 messages each (their ids are only in
/// the messages), and one of 10,000.
async fn grow_domo(conn: &mut sqlx::PgConnection) -> color_eyre::eyre::Result<Grown> {
    let (done,): (bool,) = sqlx::query_as(
        "SELECT EXISTS (SELECT 1 FROM public.conversation_messages WHERE conversation_id = 'bench-long')",
    )
    .fetch_one(&mut *conn)
    .await?;
    if !done {
        eprintln!("growing the domo database (once): {CONVERSATIONS} conversations, ~1M messages");
        sqlx::query(
            "INSERT INTO public.conversation_messages (conversation_id, role, content, content_length, timestamp) \
             SELECT 'bench-' || lpad((g / $2)::text, 6, '0'), CASE WHEN g % 2 = 0 THEN 'user' ELSE 'assistant' END, \
                    'bench message ' || g, 14, timestamptz '2025-01-01' + (g / 2) * interval '1 second' \
             FROM generate_series(0, $1 * $2 - 1) g",
        )
        .bind(CONVERSATIONS)
        .bind(PER_CONVERSATION)
        .execute(&mut *conn)
        .await?;
        sqlx::query(
            "INSERT INTO public.conversation_messages (conversation_id, role, content, content_length, timestamp) \
             SELECT 'bench-long', CASE WHEN k % 2 = 0 THEN 'user' ELSE 'assistant' END, 'bench long message ' || k, 19, \
                    now() - interval '1 day' + (k / 2) * interval '1 second' \
             FROM generate_series(0, $1 - 1) k",
        )
        .bind(LONG)
        .execute(&mut *conn)
        .await?;
        sqlx::query("ANALYZE public.conversation_messages").execute(&mut *conn).await?;
    }
    let (siblings,): (i64,) = sqlx::query_as(
        "WITH RECURSIVE ids(id) AS ((SELECT min(conversation_id) FROM public.conversation_messages) \
         UNION ALL SELECT (SELECT min(conversation_id) FROM public.conversation_messages WHERE conversation_id > ids.id) \
         FROM ids WHERE ids.id IS NOT NULL) SELECT count(id) FROM ids",
    )
    .fetch_one(&mut *conn)
    .await?;
    let (messages,): (i64,) =
        sqlx::query_as("SELECT count(*) FROM public.conversation_messages").fetch_one(&mut *conn).await?;
    Ok(Grown { parent: String::new(), siblings, long: "bench-long".into(), messages })
}
