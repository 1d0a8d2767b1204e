//! Keyset pagination returns every row exactly once, in order, across pages
//! (including rows that tie on the sort timestamp); filters run on the server.

use std::collections::HashSet;

use ragdesk::db::sessions::SessionScope;
use ragdesk::db::{self, Cursor, Filter, Page, RowCount};
use uuid::Uuid;

use crate::support;

fn n<R>(p: &Page<R>) -> i64 {
    p.rows.len() as i64
}

/// Pages through a list with `fetch` until the end; checks no page is
/// empty before the end and no row repeats.
async fn collect<R, F, Fut>(mut fetch: F, id: impl Fn(&R) -> Uuid) -> Vec<Uuid>
where
    F: FnMut(Option<Cursor>) -> Fut,
    Fut: std::future::Future<Output = db::Result<Page<R>>>,
{
    let mut out = Vec::new();
    let mut after = None;
    for _ in 0..100_000 {
        let page = fetch(after).await.expect("page");
        out.extend(page.rows.iter().map(&id));
        match page.next {
            Some(c) => {
                assert!(!page.rows.is_empty());
                after = Some(c)
            }
            None => break,
        }
    }
    let unique: HashSet<_> = out.iter().collect();
    assert_eq!(unique.len(), out.len(), "a row came back twice");
    out
}

/// Every row from the end up, a page at a time, in the list's order.
async fn collect_back<R, F, Fut>(mut fetch: F, id: impl Fn(&R) -> Uuid) -> Vec<Uuid>
where
    F: FnMut(db::Seek) -> Fut,
    Fut: std::future::Future<Output = db::Result<Page<R>>>,
{
    let mut back: Vec<Uuid> = Vec::new();
    let mut seek = db::Seek::Last;
    for _ in 0..100_000 {
        let page = fetch(seek).await.expect("page");
        back.splice(0..0, page.rows.iter().map(&id));
        match page.next {
            Some(c) => seek = db::Seek::Before(c),
            None => break,
        }
    }
    back
}

async fn ids(pool: &sqlx::PgPool, sql: &str) -> Vec<Uuid> {
    sqlx::query_scalar(sql).fetch_all(pool).await.unwrap()
}

#[tokio::test]
async fn tenants_page_exactly_once_with_ties() {
    let t = support::migrated().await;
    let pool = &t.db.pool;
    // 253 tenants in groups of 10 sharing one timestamp.
    sqlx::query(
        "INSERT INTO tenants (name, slug, created_at) \
         SELECT 'Tenant ' || g, 'tenant-' || g, timestamptz '2026-01-01' + ((g / 10) || ' minutes')::interval \
         FROM generate_series(1, 253) g",
    )
    .execute(pool)
    .await
    .unwrap();
    let f = Filter::default();
    let fr = &f;
    let got = collect(
        |after| async move { db::tenants::list(&mut pool.acquire().await.unwrap(), fr, after, 7).await },
        |r| r.id,
    )
    .await;
    let want = ids(pool, "SELECT id FROM tenants ORDER BY created_at DESC, id DESC").await;
    assert_eq!(got.len(), 253);
    assert_eq!(got, want);
    assert_eq!(db::tenants::count(&mut pool.acquire().await.unwrap(), &f, false).await.unwrap(), RowCount::Exact(253));
}

#[tokio::test]
async fn sessions_leads_demos_and_messages_page_in_order_with_ties() {
    let t = support::seeded(
        11,
        ragdesk::seed::SeedSizes { tenants: 3, demos: 9, leads: 40, sessions: 120, messages: 2_400 },
    )
    .await;
    let pool = &t.db.pool;
    // Force many ties on every sort key.
    for sql in [
        "UPDATE sessions SET created_at = date_trunc('day', created_at)",
        "UPDATE leads SET last_seen_at = date_trunc('month', last_seen_at)",
        "UPDATE demos SET created_at = date_trunc('month', created_at)",
        "UPDATE messages SET created_at = date_trunc('hour', created_at)",
    ] {
        sqlx::query(sql).execute(pool).await.unwrap();
    }
    let f = Filter::default();
    let fr = &f;

    let got = collect(
        |a| async move { db::sessions::list(&mut pool.acquire().await.unwrap(), SessionScope::All, fr, a, 3).await },
        |r| r.id,
    )
    .await;
    assert_eq!(got, ids(pool, "SELECT id FROM sessions ORDER BY created_at DESC, id DESC").await);

    let (demo, tenant): (Uuid, Uuid) = sqlx::query_as(
        "SELECT s.demo_id, d.tenant_id FROM sessions s JOIN demos d ON d.id = s.demo_id GROUP BY 1, 2 ORDER BY count(*) DESC LIMIT 1",
    )
    .fetch_one(pool)
    .await
    .unwrap();
    let got =
        collect(
            |a| async move {
                db::sessions::list(&mut pool.acquire().await.unwrap(), SessionScope::Demo(demo), fr, a, 4).await
            },
            |r| r.id,
        )
        .await;
    let want: Vec<Uuid> =
        sqlx::query_scalar("SELECT id FROM sessions WHERE demo_id = $1 ORDER BY created_at DESC, id DESC")
            .bind(demo)
            .fetch_all(pool)
            .await
            .unwrap();
    assert_eq!(got, want);
    let got = collect(
        |a| async move {
            db::sessions::list(&mut pool.acquire().await.unwrap(), SessionScope::Tenant(tenant), fr, a, 5).await
        },
        |r| r.id,
    )
    .await;
    let want: Vec<Uuid> = sqlx::query_scalar(
        "SELECT s.id FROM sessions s JOIN demos d ON d.id = s.demo_id WHERE d.tenant_id = $1 ORDER BY s.created_at DESC, s.id DESC",
    )
    .bind(tenant)
    .fetch_all(pool)
    .await
    .unwrap();
    assert_eq!(got, want);

    let got =
        collect(|a| async move { db::leads::list(&mut pool.acquire().await.unwrap(), demo, fr, a, 3).await }, |r| r.id)
            .await;
    let want: Vec<Uuid> =
        sqlx::query_scalar("SELECT id FROM leads WHERE demo_id = $1 ORDER BY created_at DESC, id DESC")
            .bind(demo)
            .fetch_all(pool)
            .await
            .unwrap();
    assert_eq!(got, want);

    let got = collect(
        |a| async move { db::demos::list(&mut pool.acquire().await.unwrap(), Some(tenant), fr, a, 2).await },
        |r| r.id,
    )
    .await;
    let want: Vec<Uuid> =
        sqlx::query_scalar("SELECT id FROM demos WHERE tenant_id = $1 ORDER BY created_at DESC, id DESC")
            .bind(tenant)
            .fetch_all(pool)
            .await
            .unwrap();
    assert_eq!(got, want);

    // The longest transcript, 17 messages a page, oldest first.
    let (session,): (Uuid,) =
        sqlx::query_as("SELECT session_id FROM messages GROUP BY 1 ORDER BY count(*) DESC LIMIT 1")
            .fetch_one(pool)
            .await
            .unwrap();
    let got = collect(
        |a| async move { db::messages::page(&mut pool.acquire().await.unwrap(), session, a, 17).await },
        |r| r.id,
    )
    .await;
    let want: Vec<Uuid> = sqlx::query_scalar("SELECT id FROM messages WHERE session_id = $1 ORDER BY created_at, id")
        .bind(session)
        .fetch_all(pool)
        .await
        .unwrap();
    assert!(want.len() > 100, "the longest session is long ({})", want.len());
    assert_eq!(got, want);
}

#[tokio::test]
async fn session_rows_carry_exact_aggregates() {
    let t = support::seeded(5, support::tiny()).await;
    let pool = &t.db.pool;
    let page = db::sessions::list(&mut pool.acquire().await.unwrap(), SessionScope::All, &Filter::default(), None, 100)
        .await
        .unwrap();
    assert_eq!(page.rows.len(), 20);
    for s in &page.rows {
        let (n, tokens): (i64, i64) = sqlx::query_as(
            "SELECT count(*), coalesce(sum(token_count), 0)::bigint FROM messages WHERE session_id = $1",
        )
        .bind(s.id)
        .fetch_one(pool)
        .await
        .unwrap();
        assert_eq!((s.message_count, s.token_total), (n, tokens));
    }
}

#[tokio::test]
async fn filters_run_on_the_server() {
    let t =
        support::seeded(7, ragdesk::seed::SeedSizes { tenants: 3, demos: 12, leads: 30, sessions: 90, messages: 900 })
            .await;
    let pool = &t.db.pool;
    let all = |sql: &'static str| async move { sqlx::query_scalar::<_, i64>(sql).fetch_one(pool).await.unwrap() };
    let list_demos = |q: &'static str| async move {
        db::demos::list(&mut pool.acquire().await.unwrap(), None, &Filter::parse(q), None, 1000).await
    };
    let list_sessions = |q: &'static str| async move {
        db::sessions::list(&mut pool.acquire().await.unwrap(), SessionScope::All, &Filter::parse(q), None, 1000).await
    };

    assert_eq!(
        n(&list_demos("status:deleted").await.unwrap()),
        all("SELECT count(*) FROM demos WHERE deleted_at IS NOT NULL").await
    );
    assert!(all("SELECT count(*) FROM demos WHERE deleted_at IS NOT NULL").await >= 1);
    let active = list_demos("status:active").await.unwrap();
    assert!(!active.rows.is_empty(), "the filter has something to check");
    assert!(active.rows.iter().all(|d| d.status == "active" && d.deleted_at.is_none()));
    assert_eq!(n(&active), all("SELECT count(*) FROM demos WHERE status = 'active' AND deleted_at IS NULL").await);
    let dental = list_demos("DENTAL").await.unwrap();
    assert_eq!(n(&dental), all("SELECT count(*) FROM demos WHERE company_name ILIKE '%dental%' OR industry ILIKE '%dental%' OR website_url ILIKE '%dental%'").await);

    let voice_open = list_sessions("channel:voice state:open").await.unwrap();
    assert!(!voice_open.rows.is_empty(), "the filter has something to check");
    assert!(voice_open.rows.iter().all(|s| s.channel == "voice" && s.ended_at.is_none()));
    assert_eq!(n(&voice_open), all("SELECT count(*) FROM sessions WHERE channel = 'voice' AND ended_at IS NULL").await);
    let dated = list_sessions("after:2026-08-01 before:2026-10-01").await.unwrap();
    assert_eq!(
        n(&dated),
        all("SELECT count(*) FROM sessions WHERE created_at >= '2026-08-01' AND created_at < '2026-10-01'").await
    );
    assert!(n(&dated) > 0);

    // Words match the lead's identifier or name.
    let (ident,): (String,) = sqlx::query_as("SELECT identifier FROM leads WHERE identifier_type = 'phone' LIMIT 1")
        .fetch_one(pool)
        .await
        .unwrap();
    let by_lead = db::sessions::list(
        &mut pool.acquire().await.unwrap(),
        SessionScope::All,
        &Filter::parse(&ident[2..9]),
        None,
        1000,
    )
    .await
    .unwrap();
    assert!(!by_lead.rows.is_empty());
    assert!(by_lead.rows.iter().all(|s| s.lead_identifier.contains(&ident[2..9])));

    let (demo,): (Uuid,) = sqlx::query_as("SELECT demo_id FROM leads GROUP BY 1 ORDER BY count(*) DESC LIMIT 1")
        .fetch_one(pool)
        .await
        .unwrap();
    let anon = db::leads::list(&mut pool.acquire().await.unwrap(), demo, &Filter::parse("type:anonymous"), None, 1000)
        .await
        .unwrap();
    assert!(!anon.rows.is_empty(), "the filter has something to check");
    assert!(anon.rows.iter().all(|l| l.identifier_type.as_deref() == Some("anonymous")));

    // Bad filters are clear errors.
    let e = list_demos("colour:red").await.unwrap_err().to_string();
    assert!(e.contains("colour") && e.contains("status:"), "{e}");
    let e = list_sessions("channel:fax").await.unwrap_err().to_string();
    assert!(e.contains("chat, voice, sms"), "{e}");
    let e = list_sessions("after:yesterday").await.unwrap_err().to_string();
    assert!(e.contains("YYYY-MM-DD"), "{e}");
}

#[tokio::test]
async fn like_wildcards_match_literally_and_counts_cap() {
    let t = support::migrated().await;
    let pool = &t.db.pool;
    sqlx::query("INSERT INTO tenants (name, slug) VALUES ('50%_off deals', 'a'), ('500 off', 'b'), ('50x_off', 'c')")
        .execute(pool)
        .await
        .unwrap();
    let page = db::tenants::list(&mut pool.acquire().await.unwrap(), &Filter::parse("50%_"), None, 10).await.unwrap();
    assert_eq!(page.rows.iter().map(|r| r.name.as_str()).collect::<Vec<_>>(), vec!["50%_off deals"]);

    sqlx::query("INSERT INTO tenants (name, slug) SELECT 'bulk ' || g, 'bulk-' || g FROM generate_series(1, 10050) g")
        .execute(pool)
        .await
        .unwrap();
    let f = Filter::parse("bulk");
    assert_eq!(
        db::tenants::count(&mut pool.acquire().await.unwrap(), &f, false).await.unwrap(),
        RowCount::AtLeast(10_000)
    );
    assert_eq!(
        db::tenants::count(&mut pool.acquire().await.unwrap(), &f, true).await.unwrap(),
        RowCount::Exact(10_050)
    );
    sqlx::query("ANALYZE tenants").execute(pool).await.unwrap();
    match db::tenants::count(&mut pool.acquire().await.unwrap(), &Filter::default(), false).await.unwrap() {
        RowCount::Estimate(n) => assert!((9_000..11_000).contains(&n), "{n}"),
        other => panic!("an unfiltered big table is estimated, got {other:?}"),
    }
}

#[tokio::test]
async fn the_sessions_filter_finds_a_session_by_its_id_or_a_prefix() {
    let t = support::seeded(8, support::tiny()).await;
    let pool = &t.db.pool;
    let ids: Vec<Uuid> = sqlx::query_scalar("SELECT id FROM sessions ORDER BY id").fetch_all(pool).await.unwrap();
    let id = ids[ids.len() / 3];
    let list = |q: String| async move {
        db::sessions::list(&mut pool.acquire().await.unwrap(), SessionScope::All, &Filter::parse(&q), None, 1000)
            .await
            .unwrap()
            .rows
            .into_iter()
            .map(|r| r.id)
            .collect::<Vec<_>>()
    };
    assert_eq!(list(id.to_string()).await, vec![id], "the full id");
    let prefix = &id.to_string()[..8];
    let want: Vec<Uuid> = ids.iter().copied().filter(|i| i.to_string().starts_with(prefix)).collect();
    let mut got = list(format!("id:{prefix}")).await;
    got.sort();
    assert_eq!(got, want, "id: takes a prefix");
    assert!(list(prefix.to_string()).await.contains(&id), "a bare prefix finds it too");
    let err =
        db::sessions::list(&mut pool.acquire().await.unwrap(), SessionScope::All, &Filter::parse("id:abc"), None, 10)
            .await
            .unwrap_err();
    assert!(err.to_string().contains("at least 6"), "{err}");
}

#[tokio::test]
async fn chunks_with_equal_positions_page_exactly_once() {
    let t = support::seeded(4, support::tiny()).await;
    let pool = &t.db.pool;
    let demo: Uuid = sqlx::query_scalar("SELECT id FROM demos LIMIT 1").fetch_one(pool).await.unwrap();
    let kb: Uuid = sqlx::query_scalar(
        "INSERT INTO knowledge_bases (demo_id, name, type, embedding_provider, embedding_model, embedding_dim) \
         VALUES ($1, 'ties', 'faq', 'local', 'all-MiniLM-L6-v2', 384) RETURNING id",
    )
    .bind(demo)
    .fetch_one(pool)
    .await
    .unwrap();
    let doc: Uuid = sqlx::query_scalar(
        "INSERT INTO documents (kb_id, filename, content) VALUES ($1, 'ties.txt', 'x') RETURNING id",
    )
    .bind(kb)
    .fetch_one(pool)
    .await
    .unwrap();
    // 30 chunks on 10 positions: three share each chunk_index.
    sqlx::query(
        "INSERT INTO chunks (kb_id, document_id, chunk_index, content, embedding, embedding_dim) \
         SELECT $1, $2, i / 3, 'chunk ' || i, array_fill(0.1::real, ARRAY[384])::vector, 384 FROM generate_series(0, 29) i",
    )
    .bind(kb)
    .bind(doc)
    .execute(pool)
    .await
    .unwrap();
    let lists = &support::knowledge_lists(&t).await;
    let got = collect(
        |a| async move { lists.chunks(&mut pool.acquire().await.unwrap(), doc, "", a.into(), 4).await },
        |r| r.id,
    )
    .await;
    let want = ids(pool, &format!("SELECT id FROM chunks WHERE document_id = '{doc}' ORDER BY chunk_index, id")).await;
    assert_eq!(got, want, "every chunk once, in order, though pages end between equal positions");
    // And from the end, one backward page.
    let last = lists.chunks(&mut pool.acquire().await.unwrap(), doc, "", db::Seek::Last, 4).await.unwrap();
    assert_eq!(last.rows.iter().map(|r| r.chunk_index).collect::<Vec<_>>(), vec![8, 9, 9, 9]);
    assert!(last.next.is_some());
}

/// The Documents tab's documents, read through our layout: newest first,
/// every one once across pages whose edges fall inside runs of equal times,
/// from either end, and narrowed by words, a shown column and a date, as
/// the server orders and counts them.
#[tokio::test]
async fn documents_page_through_our_layout_from_either_end_and_filtered() {
    let t = support::seeded(4, support::tiny()).await;
    let pool = &t.db.pool;
    let kb = support::local_kb(&t, "paged").await.id;
    // 23 documents on 5 distinct times; every third gave no chunks.
    sqlx::query(
        "INSERT INTO documents (kb_id, filename, content, content_type, size_bytes, chunk_count, created_at) \
         SELECT $1, 'doc-' || i || CASE WHEN i % 2 = 0 THEN '-even' ELSE '' END || '.md', 'x', 'text/markdown', \
                1000 + i, CASE WHEN i % 3 = 0 THEN 0 ELSE i END, \
                timestamptz '2026-01-01 10:00:00.123456+00' + (i / 5) * interval '1 day' \
         FROM generate_series(1, 23) i",
    )
    .bind(kb)
    .execute(pool)
    .await
    .unwrap();
    let lists = &support::knowledge_lists(&t).await;
    let truth = |filter: &str| {
        format!("SELECT id FROM documents WHERE kb_id = '{kb}'{filter} ORDER BY created_at DESC, id DESC")
    };
    for (typed, sql) in [
        ("", ""),
        ("even", " AND filename ILIKE '%even%'"),
        ("chunk_count:0", " AND chunk_count = 0"),
        ("after:2026-01-03", " AND created_at >= '2026-01-03'"),
    ] {
        let want = ids(pool, &truth(sql)).await;
        let got = collect(
            |a| async move { lists.documents(&mut pool.acquire().await.unwrap(), kb, typed, a.into(), 4).await },
            |r| r.id,
        )
        .await;
        assert_eq!(got, want, "forward, filter '{typed}'");
        // Backward from the end, a page at a time, gives the same rows.
        let back = collect_back(
            |s| async move { lists.documents(&mut pool.acquire().await.unwrap(), kb, typed, s, 4).await },
            |r| r.id,
        )
        .await;
        assert_eq!(back, want, "backward, filter '{typed}'");
        let count =
            lists.count(&mut t.conn().await, ragdesk::schema::Kind::Document, Some(kb), typed, true).await.unwrap();
        assert_eq!(count, db::RowCount::Exact(want.len() as i64), "count, filter '{typed}'");
    }
    // The rows carry what the tab shows.
    let first = lists.documents(&mut t.conn().await, kb, "doc-23", db::Seek::First, 4).await.unwrap().rows;
    let d = &first[0];
    assert_eq!(
        (d.filename.as_str(), d.content_type.as_deref(), d.size_bytes, d.chunk_count, d.kb_id),
        ("doc-23.md", Some("text/markdown"), Some(1023), 23, kb)
    );
    // A key the list does not have is refused, naming the ones it has.
    let err = lists.documents(&mut t.conn().await, kb, "colour:red", db::Seek::First, 4).await.unwrap_err();
    assert!(err.to_string().contains("chunk_count"), "{err}");
}

/// The Documents tab's knowledge bases, read through our layout beside
/// ragdesk's settings for each: newest first across pages whose edges fall
/// inside runs of equal times, from either end, under one demo or all,
/// filtered by words and shown columns, counted as the server counts; each
/// row with its whole settings, its demo, and its documents and chunks
/// counted up to the lists' cap.
#[tokio::test]
async fn knowledge_bases_page_through_our_layout_with_their_settings() {
    let t = support::seeded(5, support::tiny()).await;
    let pool = &t.db.pool;
    let demos = ids(pool, "SELECT id FROM demos ORDER BY created_at, id LIMIT 2").await;
    let (one, two) = (demos[0], demos[1]);
    sqlx::query("DELETE FROM knowledge_bases").execute(pool).await.unwrap();
    // 13 knowledge bases on 4 distinct times, alternating demos, types and
    // dimensions; one model's name is longer than a list shows of a column.
    let long_model = format!("org/{}", "m".repeat(250));
    sqlx::query(
        "INSERT INTO knowledge_bases (demo_id, name, type, embedding_provider, embedding_model, embedding_dim, \
                                      chunk_tokens, created_at) \
         SELECT CASE WHEN i % 2 = 0 THEN $1 ELSE $2 END, 'kb-' || i || CASE WHEN i % 3 = 0 THEN '-alpha' ELSE '' END, \
                CASE WHEN i % 2 = 0 THEN 'faq' ELSE 'custom' END, CASE WHEN i = 7 THEN 'openai' ELSE 'local' END, \
                CASE WHEN i = 7 THEN $3 ELSE 'all-MiniLM-L6-v2' END, CASE WHEN i = 7 THEN 1536 ELSE 384 END, \
                CASE WHEN i = 4 THEN 90 END, timestamptz '2026-02-01 08:00:00.654321+00' + (i / 4) * interval '1 hour' \
         FROM generate_series(1, 13) i",
    )
    .bind(one)
    .bind(two)
    .bind(&long_model)
    .execute(pool)
    .await
    .unwrap();
    let kb = |name: &str| {
        let name = name.to_string();
        async move {
            sqlx::query_scalar::<_, Uuid>("SELECT id FROM knowledge_bases WHERE name = $1")
                .bind(name)
                .fetch_one(pool)
                .await
                .unwrap()
        }
    };
    let (kb4, kb7, kb8) = (kb("kb-4").await, kb("kb-7").await, kb("kb-8").await);
    sqlx::query("UPDATE demos SET knowledge_base_id = $1 WHERE id = $2")
        .bind(kb8)
        .bind(one)
        .execute(pool)
        .await
        .unwrap();
    // kb-4: 3 documents of 500 chunks each (more chunks than the cap, from
    // few documents: counted whole); kb-7: documents past the count cap.
    sqlx::query(
        "INSERT INTO documents (kb_id, filename, content, chunk_count) \
         SELECT $1, 'd' || i, 'x', 500 FROM generate_series(1, 3) i \
         UNION ALL SELECT $2, 'e' || i, 'x', 2 FROM generate_series(1, 1005) i",
    )
    .bind(kb4)
    .bind(kb7)
    .execute(pool)
    .await
    .unwrap();

    let lists = &support::knowledge_lists(&t).await;
    let truth = |filter: &str| {
        format!("SELECT k.id FROM knowledge_bases k WHERE true{filter} ORDER BY k.created_at DESC, k.id DESC")
    };
    let under_one = format!(" AND demo_id = '{one}'");
    for (demo, typed, sql) in [
        (None, "", String::new()),
        (Some(one), "", under_one.clone()),
        (None, "alpha", " AND name ILIKE '%alpha%'".to_string()),
        (None, "type:faq", " AND type = 'faq'".to_string()),
        (Some(one), "embedding_dim:384 alpha", format!("{under_one} AND embedding_dim = 384 AND name ILIKE '%alpha%'")),
        (None, "embedding_dim:1536", " AND embedding_dim = 1536".to_string()),
    ] {
        let want = ids(pool, &truth(&sql)).await;
        let got = collect(
            |a| async move { lists.knowledge_bases(&mut pool.acquire().await.unwrap(), demo, typed, a.into(), 3).await },
            |r| r.id,
        )
        .await;
        assert_eq!(got, want, "forward, demo {demo:?}, filter '{typed}'");
        let back = collect_back(
            |s| async move { lists.knowledge_bases(&mut pool.acquire().await.unwrap(), demo, typed, s, 3).await },
            |r| r.id,
        )
        .await;
        assert_eq!(back, want, "backward, demo {demo:?}, filter '{typed}'");
        let count =
            lists.count(&mut t.conn().await, ragdesk::schema::Kind::KnowledgeBase, demo, typed, true).await.unwrap();
        assert_eq!(count, db::RowCount::Exact(want.len() as i64), "count, demo {demo:?}, filter '{typed}'");
    }

    // Each row with ragdesk's settings for it, whole.
    let mut conn = t.conn().await;
    let k = lists.knowledge_base(&mut conn, kb7).await.unwrap();
    assert_eq!(
        (k.name.as_str(), k.embedding_provider.as_str(), k.embedding_model.as_str(), k.embedding_dim, k.demo_id),
        ("kb-7", "openai", long_model.as_str(), 1536, two)
    );
    // Past the cap, documents are "at least" and chunks the first ones' total, marked.
    assert_eq!(k.document_count, db::RowCount::AtLeast(ragdesk::schema::COUNT_CAP));
    assert!(
        matches!(k.chunk_count, db::RowCount::AtLeast(n) if n >= 2 * ragdesk::schema::COUNT_CAP),
        "{:?}",
        k.chunk_count
    );
    let k = lists.knowledge_base(&mut conn, kb4).await.unwrap();
    assert_eq!((k.document_count, k.chunk_count), (db::RowCount::Exact(3), db::RowCount::Exact(1500)));
    assert_eq!((k.chunk_tokens, k.kb_type.as_str(), k.attached), (Some(90), "faq", false));
    let demo_name: Option<String> =
        sqlx::query_scalar("SELECT company_name FROM demos WHERE id = $1").bind(one).fetch_one(pool).await.unwrap();
    assert_eq!(k.demo_name, demo_name);

    // The demo's bot uses the attached one, not its newest.
    let used = lists.for_demo(&mut conn, one).await.unwrap().unwrap();
    assert_eq!((used.id, used.attached), (kb8, true));
    // Found by name in any case, by id, and a name two demos use is refused naming both.
    assert_eq!(lists.find(&mut conn, "KB-4", None).await.unwrap().id, kb4);
    assert_eq!(lists.find(&mut conn, &kb7.to_string(), None).await.unwrap().id, kb7);
    sqlx::query("UPDATE knowledge_bases SET name = 'kb-4' WHERE id = $1").bind(kb7).execute(pool).await.unwrap();
    let err = lists.find(&mut conn, "kb-4", None).await.unwrap_err().to_string();
    assert!(err.contains("names 2 knowledge bases") && err.contains(&kb7.to_string()), "{err}");
    assert_eq!(lists.find(&mut conn, "kb-4", Some(one)).await.unwrap().id, kb4);
    // A key the list does not have is refused, naming the ones it has.
    let err = lists.knowledge_bases(&mut conn, None, "colour:red", db::Seek::First, 3).await.unwrap_err();
    assert!(err.to_string().contains("embedding_dim"), "{err}");
}
