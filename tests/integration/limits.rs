//! Rate limits, the audit trail and read-only mode, against the real
//! database: concurrent edits, validation, audit atomicity, and every write
//! path refused by the server when the connection is read-only.

use ragdesk::db::audit::{AuditRow, AuditTrail};
use ragdesk::db::knowledge::{self, DocumentWriter, NewChunk, NewDocument};
use ragdesk::db::limits::{self, Expect};
use ragdesk::db::{ConnectSettings, Db, DbError, Filter, access, bulk};
use sqlx::Executor;
use uuid::Uuid;

use crate::support;

async fn audit_rows(t: &support::TestDb, filter: &str) -> Vec<AuditRow> {
    AuditTrail::Native.page(&mut t.conn().await, &Filter::parse(filter), None, 100).await.unwrap()
}

async fn first_tenant(t: &support::TestDb) -> Uuid {
    let (id,): (Uuid,) =
        sqlx::query_as("SELECT id FROM tenants ORDER BY created_at, id LIMIT 1").fetch_one(&t.db.pool).await.unwrap();
    id
}

/// Sets a default as the console does: through our layout, audited in our
/// own log.
async fn set_default(
    c: &mut sqlx::PgConnection,
    key: &str,
    value: i32,
    expect: &Expect,
    reason: Option<&str>,
) -> Result<String, DbError> {
    use ragdesk::db::rate_limits::{LimitChange, LimitWrite, RateLimits};
    let ours = RateLimits::for_layout(ragdesk::db::mapped::Lists::ours().mapped(c).await?);
    let change = LimitChange::Set { value, expect: expect.clone() };
    ours.write(c, &LimitWrite { key: key.into(), tenant: None, change, reason: reason.map(Into::into) }).await
}

fn is_conflict(e: &DbError) -> bool {
    matches!(e, DbError::Conflict(_))
}

#[tokio::test]
async fn two_connections_edit_the_same_default_exactly_one_wins() {
    let t = support::migrated().await;
    let (mut a, mut b) = (t.conn().await, t.conn().await);
    let shown = limits::get(&mut a, "messages_per_demo").await.unwrap();
    assert_eq!(shown.value, 50);
    let expect = Expect::Version(shown.version.clone());
    // Both were shown the same row; both write at once.
    let (ra, rb) = tokio::join!(
        set_default(&mut a, "messages_per_demo", 70, &expect, Some("a")),
        set_default(&mut b, "messages_per_demo", 90, &expect, Some("b")),
    );
    let (winner, loser) = match (&ra, &rb) {
        (Ok(_), Err(e)) => (70, e),
        (Err(e), Ok(_)) => (90, e),
        other => panic!("exactly one write must win: {other:?}"),
    };
    assert!(is_conflict(loser), "{loser}");
    assert!(loser.to_string().contains(&format!("it is now {winner}")), "the current value is shown: {loser}");
    assert_eq!(limits::get(&mut a, "messages_per_demo").await.unwrap().value, winner);
    let audit = audit_rows(&t, "entity:rate_limit key:messages_per_demo").await;
    assert_eq!(audit.len(), 1, "only the winning change is audited: {audit:?}");
    assert_eq!(audit[0].new_value, Some(serde_json::json!(winner)));
    assert_eq!(audit[0].old_value, Some(serde_json::json!(50)));

    // A stale version (shown before the winner wrote) is refused later too.
    let e = set_default(&mut b, "messages_per_demo", 10, &expect, None).await.unwrap_err();
    assert!(is_conflict(&e), "{e}");
    assert_eq!(limits::get(&mut b, "messages_per_demo").await.unwrap().value, winner);
}

#[tokio::test]
async fn two_operators_adding_the_same_override_exactly_one_wins() {
    let t = support::seeded(3, support::tiny()).await;
    let tenant = first_tenant(&t).await;
    let (mut a, mut b) = (t.conn().await, t.conn().await);
    let (ra, rb) = tokio::join!(
        limits::set_override(&mut a, tenant, "demos_per_hour", 20, &Expect::Absent, None),
        limits::set_override(&mut b, tenant, "demos_per_hour", 30, &Expect::Absent, None),
    );
    assert!(ra.is_ok() != rb.is_ok(), "exactly one wins: {ra:?} {rb:?}");
    let loser = ra.as_ref().err().or(rb.as_ref().err()).unwrap();
    assert!(is_conflict(loser), "{loser}");
    let winner = ra.as_ref().or(rb.as_ref()).unwrap();
    assert_eq!((winner.source(), winner.default_value), ("override", 10));
    let audit = audit_rows(&t, "entity:tenant_rate_limit").await;
    assert_eq!(audit.len(), 1, "{audit:?}");
    assert_eq!(audit_rows(&t, "entity:override").await, audit, "the Audit tab's short name filters the same");
    // One tenant's changes, by its name (any case); another's are not among them.
    let (name,): (String,) = sqlx::query_as("SELECT name FROM tenants WHERE id = $1")
        .bind(tenant)
        .fetch_one(&mut t.conn().await)
        .await
        .unwrap();
    let quoted = ragdesk::db::Filter::term_text("tenant", &name.to_uppercase());
    assert_eq!(audit_rows(&t, &format!("entity:override {quoted}")).await, audit);
    assert!(audit_rows(&t, "tenant:\"no such tenant\"").await.is_empty());
    assert_eq!(audit[0].tenant_id, Some(tenant));
    assert_eq!(audit[0].new_value, Some(serde_json::json!(winner.value())));
    assert_eq!(audit[0].old_value, None);

    // Edit it with the version shown, then reset to the default.
    let shown = winner.override_version.clone().unwrap();
    let edited =
        limits::set_override(&mut a, tenant, "demos_per_hour", 25, &Expect::Version(shown.clone()), Some("busy week"))
            .await
            .unwrap();
    assert_eq!(edited.value(), 25);
    let stale =
        limits::unset_override(&mut b, tenant, "demos_per_hour", &Expect::Version(shown), None).await.unwrap_err();
    assert!(is_conflict(&stale), "{stale}");
    let removed = limits::unset_override(
        &mut b,
        tenant,
        "demos_per_hour",
        &Expect::Version(edited.override_version.unwrap()),
        None,
    )
    .await
    .unwrap();
    assert_eq!(removed, 25);
    let row = limits::effective_of(&mut a, tenant, "demos_per_hour").await.unwrap();
    assert_eq!((row.value(), row.source()), (10, "default"));
    let audit = audit_rows(&t, "entity:limit key:demos_per_hour").await;
    let actions: Vec<&str> = audit.iter().map(|r| r.action.as_str()).collect();
    assert_eq!(actions, ["unset", "set", "set"], "newest first");
    assert_eq!(audit[1].reason.as_deref(), Some("busy week"));
    assert_eq!(audit[0].change_text(), "25 → (removed)");
}

#[tokio::test]
async fn invalid_values_are_refused_before_anything_is_sent_and_the_old_value_stays() {
    let t = support::seeded(4, support::tiny()).await;
    let tenant = first_tenant(&t).await;
    let mut c = t.conn().await;
    for text in ["-1", "ten", "1e3", "10001", ""] {
        assert!(matches!(limits::parse_value("messages_per_demo", text), Err(DbError::Invalid(_))), "{text}");
    }
    let shown = limits::get(&mut c, "messages_per_demo").await.unwrap();
    let e = set_default(&mut c, "messages_per_demo", 20_000, &Expect::Version(shown.version.clone()), None)
        .await
        .unwrap_err();
    assert!(matches!(e, DbError::Invalid(_)) && e.to_string().contains("0 to 10,000"), "{e}");
    let e = limits::set_override(&mut c, tenant, "messages_per_demo", -5, &Expect::Absent, None).await.unwrap_err();
    assert!(matches!(e, DbError::Invalid(_)), "{e}");
    // Unknown keys need a description to exist.
    let e = limits::set_override(&mut c, tenant, "uploads_per_day", 5, &Expect::Absent, None).await.unwrap_err();
    assert!(e.to_string().contains("unknown limit"), "{e}");
    let e = limits::create(&mut c, "uploads_per_day", 5, "  ", None).await.unwrap_err();
    assert!(e.to_string().contains("description"), "{e}");
    let e = limits::create(&mut c, "Bad Key", 5, "x", None).await.unwrap_err();
    assert!(matches!(e, DbError::Invalid(_)), "{e}");
    assert_eq!(limits::get(&mut c, "messages_per_demo").await.unwrap(), shown, "nothing changed");
    assert!(audit_rows(&t, "entity:limit").await.is_empty(), "nothing audited");
    // Created with a description, it is a limit like the others.
    limits::create(&mut c, "uploads_per_day", 5, "Documents a tenant may upload per day", Some("new plan"))
        .await
        .unwrap();
    let e = limits::create(&mut c, "uploads_per_day", 6, "again", None).await.unwrap_err();
    assert!(is_conflict(&e) && e.to_string().contains("value 5"), "{e}");
    assert_eq!(audit_rows(&t, "entity:rate_limit action:create").await.len(), 1);
}

#[tokio::test]
async fn the_audit_row_and_the_change_commit_or_roll_back_together() {
    let t = support::migrated().await;
    let mut c = t.conn().await;
    // An audit insert that fails (here a constraint that refuses it) takes
    // the change down with it.
    c.execute("ALTER TABLE audit_log ADD CONSTRAINT refuse_limits CHECK (entity <> 'rate_limit')").await.unwrap();
    let shown = limits::get(&mut c, "tokens_per_demo").await.unwrap();
    let e = set_default(&mut c, "tokens_per_demo", 20_000, &Expect::Version(shown.version.clone()), None)
        .await
        .unwrap_err();
    assert!(e.to_string().contains("refuse_limits"), "{e}");
    assert_eq!(limits::get(&mut c, "tokens_per_demo").await.unwrap().value, 10_000, "the change rolled back");
    c.execute("ALTER TABLE audit_log DROP CONSTRAINT refuse_limits").await.unwrap();
    // And a change that fails leaves no audit row.
    c.execute("ALTER TABLE rate_limits ADD CONSTRAINT small CHECK (value < 15000)").await.unwrap();
    let e = set_default(&mut c, "tokens_per_demo", 20_000, &Expect::Version(shown.version.clone()), None)
        .await
        .unwrap_err();
    assert!(e.to_string().contains("small"), "{e}");
    assert!(audit_rows(&t, "").await.is_empty());
    // Who: the server's role, the OS user and host of this process.
    set_default(&mut c, "tokens_per_demo", 12_000, &Expect::Version(shown.version), Some("pilot")).await.unwrap();
    let row = &audit_rows(&t, "").await[0];
    assert_eq!(row.db_role.as_deref(), Some("postgres"));
    assert!(row.os_user.as_deref().is_some_and(|u| !u.is_empty()) && row.client_host.is_some(), "{row:?}");
    assert_eq!((row.reason.as_deref(), row.change_text().as_str()), (Some("pilot"), "10000 → 12000"));
}

#[tokio::test]
async fn every_write_of_the_product_is_audited() {
    let t = support::seeded(5, support::tiny()).await;
    let kb = support::local_kb(&t, "audited").await;
    let doc = store_document(&t.db, &kb).await.unwrap();
    knowledge::delete_document(&mut t.conn().await, doc).await.unwrap();
    knowledge::delete_kb(&mut t.conn().await, kb.id).await.unwrap();
    bulk::reset(&mut t.conn().await).await.unwrap();
    let rows = audit_rows(&t, "").await;
    let seen: Vec<(&str, &str)> = rows.iter().rev().map(|r| (r.action.as_str(), r.entity.as_str())).collect();
    assert_eq!(
        seen,
        [
            ("seed", "database"),
            ("create", "knowledge_base"),
            ("ingest", "document"),
            ("delete", "document"),
            ("delete", "knowledge_base"),
            ("reset", "database"),
        ]
    );
    let ingest = &rows[3];
    assert_eq!(ingest.entity_key, doc.to_string());
    assert_eq!(ingest.new_value.as_ref().unwrap()["chunks"], 2);
    assert!(ingest.tenant_id.is_some(), "scoped to the demo's tenant");
    // The reset keeps the audit (and says what it removed).
    assert_eq!(rows[0].old_value.as_ref().unwrap()["tenants"], support::tiny().tenants as i64);
}

/// A document of two 384-d chunks, through the same writer ingest uses.
async fn store_document(db: &Db, kb: &knowledge::KnowledgeBaseRow) -> ragdesk::db::Result<Uuid> {
    let mut w = DocumentWriter::begin(
        &db.pool,
        db.ours().await?,
        NewDocument {
            kb_id: kb.id,
            dim: kb.embedding_dim,
            filename: "a.md",
            content: "one two",
            content_type: "markdown",
            size_bytes: 7,
            sha256: "x",
        },
    )
    .await?;
    let chunk = |i: i32, text: &'static str| NewChunk {
        index: i,
        content: text,
        tokens: 1,
        start: 0,
        end: 3,
        embedding: vec![0.05; kb.embedding_dim as usize],
    };
    w.write(vec![chunk(0, "one"), chunk(1, "two")]).await?;
    w.commit().await
}

fn read_only_refusal(what: &str, e: &DbError) {
    let text = e.to_string();
    assert!(text.contains("read-only transaction"), "{what}: refused by the server, not by us: {text}");
}

#[tokio::test]
async fn read_only_connections_fail_every_write_path_at_the_server() {
    let t = support::seeded(6, support::tiny()).await;
    let tenant = first_tenant(&t).await;
    let kb = support::local_kb(&t, "kept").await;
    let doc = store_document(&t.db, &kb).await.unwrap();
    let ro = Db::lazy(&t.url, &ConnectSettings { read_only: true, ..Default::default() }).unwrap();
    let mut c = ro.acquire().await.unwrap();

    let access = access::check(&mut c).await.unwrap();
    assert!(access.read_only_session && !access.can_write(), "{access:?}");
    assert!(access.why_read_only().unwrap().contains("read-only"));

    // The db layer called directly: no gate of ours in the way.
    let shown = limits::get(&mut c, "messages_per_demo").await.unwrap();
    read_only_refusal(
        "set default",
        &set_default(&mut c, "messages_per_demo", 60, &Expect::Version(shown.version), None).await.unwrap_err(),
    );
    read_only_refusal("create limit", &limits::create(&mut c, "x_per_day", 1, "d", None).await.unwrap_err());
    read_only_refusal(
        "set override",
        &limits::set_override(&mut c, tenant, "messages_per_demo", 60, &Expect::Absent, None).await.unwrap_err(),
    );
    let (demo,): (Uuid,) = sqlx::query_as("SELECT demo_id FROM knowledge_bases WHERE id = $1")
        .bind(kb.id)
        .fetch_one(&mut *c)
        .await
        .unwrap();
    let new_kb = support::local_kb_spec(demo, "nope");
    read_only_refusal("create kb", &knowledge::create(&mut c, &new_kb).await.unwrap_err());
    read_only_refusal("ingest", &store_document(&ro, &kb).await.unwrap_err());
    read_only_refusal("delete document", &knowledge::delete_document(&mut c, doc).await.unwrap_err());
    read_only_refusal("delete kb", &knowledge::delete_kb(&mut c, kb.id).await.unwrap_err());
    read_only_refusal("reset", &bulk::reset(&mut c).await.unwrap_err());
    read_only_refusal("seed", &ragdesk::seed::seed(&mut c, 1, support::tiny(), |_, _| {}).await.unwrap_err());
    drop(c);
    let e = ro.migrate().await.unwrap_err();
    read_only_refusal("migrate", &e);
    // Every new transaction of the pool starts read-only. (A session could
    // still lift it with SET or BEGIN READ WRITE; the product never does,
    // and only a role without write privileges rules it out: see the next
    // test and the README.)
    let mut c = ro.acquire().await.unwrap();
    let (ro_setting,): (String,) = sqlx::query_as("SHOW transaction_read_only").fetch_one(&mut *c).await.unwrap();
    assert_eq!(ro_setting, "on");

    // Nothing changed.
    let mut rw = t.conn().await;
    assert_eq!(limits::get(&mut rw, "messages_per_demo").await.unwrap().value, 50);
    let kb = support::knowledge_lists(&t).await.knowledge_base(&mut rw, kb.id).await.unwrap();
    assert_eq!(kb.document_count, ragdesk::db::RowCount::Exact(1));
}

#[tokio::test]
async fn the_readme_read_only_role_is_reported_at_connect_and_refused_by_the_server() {
    let t = support::seeded(7, support::tiny()).await;
    let tenant = first_tenant(&t).await;
    let kb = support::local_kb(&t, "kept").await;
    let doc = store_document(&t.db, &kb).await.unwrap();
    let role = format!("ragdesk_ro_{}", &Uuid::new_v4().simple().to_string()[..8]);
    let mut admin = t.conn().await;
    let database: (String,) = sqlx::query_as("SELECT current_database()").fetch_one(&mut admin).await.unwrap();
    // The README's recipe, word for word but the names.
    for sql in [
        format!("CREATE ROLE {role} LOGIN"),
        format!("GRANT CONNECT ON DATABASE \"{}\" TO {role}", database.0),
        format!("GRANT USAGE ON SCHEMA public TO {role}"),
        format!("GRANT SELECT ON ALL TABLES IN SCHEMA public TO {role}"),
        format!("ALTER ROLE {role} SET default_transaction_read_only = on"),
    ] {
        admin.execute(sql.as_str()).await.unwrap();
    }
    let url = t.url.replacen("postgres@", &format!("{role}@"), 1);
    // Not opened read-only by us: the role alone must stop every write.
    let db = Db::lazy(&url, &ConnectSettings::default()).unwrap();
    let mut c = db.acquire().await.unwrap();
    let access = access::check(&mut c).await.unwrap();
    assert!(access.read_only_session, "the role's default applies: {access:?}");
    assert!(access.missing.contains(&"UPDATE on rate_limits".to_string()), "{access:?}");
    assert!(!access.can_write());
    // Even a transaction that asks for read-write is refused by the privileges.
    c.execute("SET default_transaction_read_only = off").await.unwrap();
    let shown = limits::get(&mut c, "messages_per_demo").await.unwrap();
    let denied = |what: &str, e: DbError| {
        assert!(e.to_string().contains("permission denied"), "{what}: {e}");
    };
    denied(
        "set default",
        set_default(&mut c, "messages_per_demo", 60, &Expect::Version(shown.version), None).await.unwrap_err(),
    );
    denied(
        "set override",
        limits::set_override(&mut c, tenant, "messages_per_demo", 60, &Expect::Absent, None).await.unwrap_err(),
    );
    denied("delete document", knowledge::delete_document(&mut c, doc).await.unwrap_err());
    denied("delete kb", knowledge::delete_kb(&mut c, kb.id).await.unwrap_err());
    denied("reset", bulk::reset(&mut c).await.unwrap_err());
    drop(c);
    // The CLI names the reason up front.
    let o = std::process::Command::new(env!("CARGO_BIN_EXE_ragdesk"))
        .args(["--database-url", &url, "limits", "set", "messages_per_demo", "60"])
        .env("XDG_CONFIG_HOME", "/nonexistent-ragdesk-test")
        .output()
        .unwrap();
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(!o.status.success() && err.contains("refusing to change limits: the session is read-only"), "{err}");
    db.pool.close().await;
    admin.execute(format!("DROP OWNED BY {role}").as_str()).await.unwrap();
    admin.execute(format!("DROP ROLE {role}").as_str()).await.unwrap();
}

#[tokio::test]
async fn a_refused_write_releases_its_row_locks_at_once() {
    // b's write is refused after it locked the row; b is not used again.
    // Were its transaction only dropped, the rollback would wait for b's next
    // use, and a would wait for b's lock forever.
    let t = support::seeded(9, support::tiny()).await;
    let tenant = first_tenant(&t).await;
    let (mut a, mut b) = (t.conn().await, t.conn().await);
    let set = limits::set_override(&mut a, tenant, "demos_per_hour", 20, &Expect::Absent, None).await.unwrap();
    let e = limits::set_override(&mut b, tenant, "demos_per_hour", 30, &Expect::Absent, None).await.unwrap_err();
    assert!(is_conflict(&e), "{e}");
    let version = Expect::Version(set.override_version.unwrap());
    let again = tokio::time::timeout(
        std::time::Duration::from_secs(10),
        limits::set_override(&mut a, tenant, "demos_per_hour", 25, &version, None),
    )
    .await
    .expect("not blocked by the refused writer's lock");
    assert_eq!(again.unwrap().value(), 25);
    drop(b);
}

/// Our limits narrowed by words as the Limits tab's `/` asks: by key or by
/// description, every word, in any case; a tenant's view the same way.
#[tokio::test]
async fn our_limits_are_found_by_words_of_their_key_or_description() {
    use ragdesk::db::rate_limits::{KeysFrom, RateLimits};
    let t = support::seeded(41, support::tiny()).await;
    let mut c = t.conn().await;
    let ours = RateLimits::for_layout(ragdesk::db::mapped::Lists::ours().mapped(&mut c).await.unwrap());
    let keys = |v: &ragdesk::db::rate_limits::LimitsView| v.rows.iter().map(|r| r.key.clone()).collect::<Vec<_>>();
    let all = ours.view(&mut c, None, None, "", &KeysFrom::Top, 100).await.unwrap();
    assert!(all.rows.len() >= 4 && all.next.is_none());
    let by_key = ours.view(&mut c, None, None, "PER_demo", &KeysFrom::Top, 100).await.unwrap();
    let mut want: Vec<String> =
        all.rows.iter().filter(|r| r.key.to_lowercase().contains("per_demo")).map(|r| r.key.clone()).collect();
    want.sort();
    let mut got = keys(&by_key);
    got.sort();
    assert_eq!(got, want);
    assert!(got.len() >= 2);
    // "Scraping rate limit" is api_calls_per_minute's description, not its key.
    let by_description = ours.view(&mut c, None, None, "scraping limit", &KeysFrom::Top, 100).await.unwrap();
    assert_eq!(keys(&by_description), ["api_calls_per_minute"]);
    let tenant = first_tenant(&t).await;
    let theirs = ours.view(&mut c, Some(tenant), None, "scraping", &KeysFrom::Top, 100).await.unwrap();
    assert_eq!(keys(&theirs), ["api_calls_per_minute"]);
    assert!(
        ours.view(&mut c, None, None, "scraping tokens", &KeysFrom::Top, 100).await.unwrap().rows.is_empty(),
        "every word"
    );
}

/// Our limits are read through our layout as every platform's are (a
/// page by key, from either end) with each key's override for the tenant
/// and the count of tenants overriding it beside, as the tables hold them.
#[tokio::test]
async fn our_limits_page_by_key_through_our_layout_with_the_tenants_overrides_beside() {
    use ragdesk::db::rate_limits::{KeysFrom, RateLimits};
    let t = support::seeded(43, support::tiny()).await;
    let mut c = t.conn().await;
    for i in 0..7 {
        limits::create(&mut c, &format!("extra_quota_{i}"), 10 + i, "an extra quota", None).await.unwrap();
    }
    let tenants: Vec<Uuid> =
        sqlx::query_scalar("SELECT id FROM tenants ORDER BY id LIMIT 2").fetch_all(&mut c).await.unwrap();
    for (tenant, key, value) in
        [(tenants[0], "extra_quota_2", 5), (tenants[0], "extra_quota_5", 6), (tenants[1], "extra_quota_5", 7)]
    {
        limits::set_override(&mut c, tenant, key, value, &Expect::Absent, None).await.unwrap();
    }
    let ours = RateLimits::for_layout(ragdesk::db::mapped::Lists::ours().mapped(&mut c).await.unwrap());
    type Row = (String, i32, Option<i32>, i64);
    for tenant in [None, Some(tenants[0]), Some(tenants[1])] {
        let want: Vec<Row> = sqlx::query_as(
            "SELECT r.key, r.value, o.value, (SELECT count(*) FROM tenant_rate_limits x WHERE x.key = r.key) \
             FROM rate_limits r LEFT JOIN tenant_rate_limits o ON o.key = r.key AND o.tenant_id = $1 ORDER BY r.key",
        )
        .bind(tenant)
        .fetch_all(&mut c)
        .await
        .unwrap();
        assert!(want.len() >= 11, "{want:?}");
        let row = |e: &ragdesk::db::limits::Effective| (e.key.clone(), e.default_value, e.override_value, e.overrides);
        // Down from the top, three keys a page.
        let (mut down, mut from) = (Vec::<Row>::new(), KeysFrom::Top);
        loop {
            let view = ours.view(&mut c, tenant, None, "", &from, 3).await.unwrap();
            down.extend(view.rows.iter().map(row));
            match view.next {
                Some(k) => from = KeysFrom::After(k),
                None => break,
            }
        }
        assert_eq!(down, want, "down, tenant {tenant:?}");
        // Up from the end.
        let (mut up, mut from) = (Vec::<Row>::new(), KeysFrom::End);
        loop {
            let view = ours.view(&mut c, tenant, None, "", &from, 3).await.unwrap();
            up.splice(0..0, view.rows.iter().map(row));
            match view.next {
                Some(k) => from = KeysFrom::Before(k),
                None => break,
            }
        }
        assert_eq!(up, want, "up, tenant {tenant:?}");
    }
    // A tenant's usage, the global view's overrides, as before.
    let global = ours.view(&mut c, None, None, "extra", &KeysFrom::Top, 100).await.unwrap();
    assert_eq!(global.rows.len(), 7);
    let overridden: i64 =
        sqlx::query_scalar("SELECT count(*) FROM tenant_rate_limits").fetch_one(&mut c).await.unwrap();
    assert_eq!(global.overrides.len() as i64, overridden, "every override, newest first");
    let theirs = ours.view(&mut c, Some(tenants[0]), None, "quota_5", &KeysFrom::Top, 100).await.unwrap();
    assert_eq!(theirs.rows.iter().map(|e| (e.value(), e.source())).collect::<Vec<_>>(), [(6, "override")]);
    // The command line pages ours the same way.
    let o = std::process::Command::new(env!("CARGO_BIN_EXE_ragdesk"))
        .args(["--database-url", &t.url, "limits", "list", "--limit", "4", "--after", "extra_quota_1"])
        .env("XDG_CONFIG_HOME", "/nonexistent-ragdesk-test")
        .output()
        .unwrap();
    let (out, err) = (String::from_utf8_lossy(&o.stdout), String::from_utf8_lossy(&o.stderr));
    assert!(o.status.success(), "{err}");
    // (Its keys' rows, not the overrides listed under them.)
    let listed: Vec<&str> =
        out.lines().filter(|l| l.starts_with("extra_")).filter_map(|l| l.split(' ').next()).collect();
    assert_eq!(listed, ["extra_quota_2", "extra_quota_3", "extra_quota_4", "extra_quota_5"], "{out}");
    assert!(err.contains("`limits list --limit 4 --after extra_quota_5`"), "{err}");
    // A tenant's page says how to go on with that tenant's; JSON says where.
    let o = std::process::Command::new(env!("CARGO_BIN_EXE_ragdesk"))
        .args(["--database-url", &t.url, "limits", "list", "--limit", "2", "--json", "--tenant"])
        .arg(tenants[0].to_string())
        .env("XDG_CONFIG_HOME", "/nonexistent-ragdesk-test")
        .output()
        .unwrap();
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(err.contains(&format!("`limits list --tenant {} --limit 2 --after ", tenants[0])), "{err}");
    let json: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    let shown: Vec<&str> = json["limits"].as_array().unwrap().iter().map(|l| l["key"].as_str().unwrap()).collect();
    assert_eq!(shown.len(), 2);
    assert_eq!(json["next_after"].as_str(), Some(shown[1]));
    assert!(json["usage"].as_array().unwrap().iter().all(|u| shown.contains(&u["key"].as_str().unwrap())));
    // A later page has the usage of its own keys too.
    let list = |extra: &[&str]| {
        let o = std::process::Command::new(env!("CARGO_BIN_EXE_ragdesk"))
            .args(["--database-url", &t.url, "limits", "list", "--json", "--tenant"])
            .arg(tenants[0].to_string())
            .args(extra)
            .env("XDG_CONFIG_HOME", "/nonexistent-ragdesk-test")
            .output()
            .unwrap();
        serde_json::from_slice::<serde_json::Value>(&o.stdout).unwrap()
    };
    let used = |json: &serde_json::Value| -> Vec<String> {
        json["usage"].as_array().unwrap().iter().map(|u| u["key"].as_str().unwrap().to_string()).collect()
    };
    let all = list(&[]);
    let keys: Vec<&str> = all["limits"].as_array().unwrap().iter().map(|l| l["key"].as_str().unwrap()).collect();
    let first_used = used(&all).into_iter().min().expect("the sample tenant uses some limit");
    let at = keys.iter().position(|k| *k == first_used).unwrap();
    assert!(at > 0, "a key before it to page after");
    let later = list(&["--limit", "1", "--after", keys[at - 1]]);
    assert_eq!(used(&later), [first_used]);
}
