//! Schema layouts against the real database: each foreign platform's
//! schema, created from its DDL as documented, is detected as its layout;
//! ours is detected on a migrated database; doctor says which and what a
//! near miss lacks; the console refuses a layout it cannot browse yet.

use std::process::Command;

use sqlx::Executor;

use crate::support;

async fn with_ddl(layout: &str) -> support::TestDb {
    let t = support::empty().await;
    let mut c = t.conn().await;
    c.execute(ragdesk::schema::ddl(layout).expect("a foreign layout's DDL")).await.unwrap();
    t
}

fn ragdesk(url: &str, args: &[&str]) -> (bool, String) {
    let o = Command::new(env!("CARGO_BIN_EXE_ragdesk"))
        .args(["--database-url", url])
        .args(args)
        .env("XDG_CONFIG_HOME", "/nonexistent-ragdesk-test")
        .env("RAGDESK_MODEL_DIR", crate::embed::model_dir())
        .output()
        .unwrap();
    (o.status.success(), format!("{}{}", String::from_utf8_lossy(&o.stdout), String::from_utf8_lossy(&o.stderr)))
}

#[tokio::test]
async fn each_platforms_schema_is_detected_as_its_layout() {
    for name in ["domo", "workspaces", "limitless", "omni"] {
        let t = with_ddl(name).await;
        let catalog = ragdesk::db::catalog::read(&mut t.conn().await).await.unwrap();
        let (chosen, fits) = ragdesk::schema::detect(&catalog);
        assert_eq!(chosen.as_ref().map(|l| l.name.as_str()), Some(name), "{fits:#?}");
        let native = fits.iter().find(|f| f.layout == "native").unwrap();
        assert!(!native.full(), "{name}: ours must not match a foreign schema");
    }
    let t = support::migrated().await;
    let catalog = ragdesk::db::catalog::read(&mut t.conn().await).await.unwrap();
    assert_eq!(ragdesk::schema::detect(&catalog).0.map(|l| l.name), Some("native".to_string()));
}

#[tokio::test]
async fn the_values_a_schema_lists_for_a_column_are_what_its_filter_key_takes() {
    use ragdesk::schema::Table;
    let t = support::migrated().await;
    let mut c = t.conn().await;
    // An enum's labels, in their order; a CHECK's list; not a pattern's or a range's.
    sqlx::raw_sql(
        "CREATE TYPE public.mood AS ENUM ('calm', 'angry'); ALTER TABLE public.tenants ADD COLUMN mood public.mood; \
         ALTER TABLE public.tenants ADD COLUMN tier text CHECK (tier IN ('a', 'b', 'c')) CHECK (tier <> 'c')",
    )
    .execute(&mut c)
    .await
    .unwrap();
    let catalog = ragdesk::db::catalog::read(&mut c).await.unwrap();
    let values = |table: &str, column: &str| catalog.column(&Table::parse(table), column).unwrap().values.clone();
    assert_eq!(values("public.sessions", "channel"), ["chat", "voice", "sms"]);
    assert_eq!(values("public.demos", "status"), ["draft", "active", "expired", "blueprint"]);
    assert_eq!(values("public.tenants", "mood"), ["calm", "angry"]);
    assert!(values("public.tenants", "slug").is_empty(), "a pattern lists nothing");
    assert!(values("public.knowledge_bases", "embedding_dim").is_empty(), "nor does a range");
    // Two checks on one column: the list, as the other leaves it is not known
    // (`<>` is no list), so the one list stands.
    assert_eq!(values("public.tenants", "tier"), ["a", "b", "c"]);
    // What the console checks a typed value against: our layout's keys.
    let native = ragdesk::schema::load("native").unwrap();
    let mapped = ragdesk::db::mapped::Mapped::new(native, catalog).unwrap();
    let types = mapped.key_types();
    let channel = &types[&(Kind::Session, "channel".to_string())];
    assert!(
        channel.check_listed("channel", "fax", &[]).is_err() && channel.check_listed("channel", "SMS", &[]).is_ok()
    );
    assert_eq!(types[&(Kind::Demo, "status".to_string())].values.len(), 4);
    // Another platform's too (001's demos).
    let t = with_ddl("domo").await;
    let catalog = ragdesk::db::catalog::read(&mut t.conn().await).await.unwrap();
    let status = &catalog.column(&Table::parse("public.demos"), "status").unwrap().values;
    assert_eq!(status, &["draft", "published", "archived"]);
}

#[tokio::test]
async fn doctor_warns_of_a_big_list_no_index_serves_and_its_advice_silences_it() {
    let (t, _m, filled) = mapped_database("omni").await;
    let mut c = t.conn().await;
    // Small tables: the lists no index orders are named in one line.
    let (ok, out) = ragdesk(&t.url, &["doctor"]);
    assert!(ok, "{out}");
    assert!(out.contains("no index is in the order of") && out.contains("Conversations under Customers"), "{out}");
    assert!(!out.contains("warn  indexes"), "{out}");
    // Nobody has said which model wrote the pages' vectors: said before a question is typed.
    assert!(out.contains("text search on Chunks needs the model that wrote its vectors"), "{out}");
    // 12,000 conversations under one customer: each page of that list would read them all.
    let customer = &filled.ids[&Kind::Tenant][0];
    sqlx::query(
        "INSERT INTO public.conversations (customer_id, started_at) \
         SELECT $1::uuid, timestamptz '2025-01-01' + g * interval '1 minute' FROM generate_series(1, 12000) g",
    )
    .bind(customer)
    .execute(&mut c)
    .await
    .unwrap();
    c.execute("ANALYZE public.conversations").await.unwrap();
    let (ok, out) = ragdesk(&t.url, &["doctor"]);
    assert!(ok, "a warning, not a failure: {out}");
    let advice = r#"CREATE INDEX ON "public"."conversations" ("customer_id", "started_at", "id")"#;
    let warning = out.lines().find(|l| l.contains("warn  indexes")).unwrap_or_else(|| panic!("{out}"));
    assert!(warning.contains("Conversations under Customers: each page reads all ~12,0"), "{warning}");
    assert!(warning.contains(advice), "{warning}");
    // The advice, taken as printed, is the index that list needs.
    c.execute(advice).await.unwrap();
    let (_, out) = ragdesk(&t.url, &["doctor"]);
    assert!(!out.contains("warn  indexes") && !out.contains("Conversations under Customers"), "{out}");
}

#[tokio::test]
async fn doctor_names_the_layout_and_what_a_near_miss_lacks() {
    let t = with_ddl("omni").await;
    let (_, out) = ragdesk(&t.url, &["doctor"]);
    assert!(out.contains("layout       'omni' (seed 004)") && out.contains("detected"), "{out}");
    // Our migrations are not expected in another platform's database.
    assert!(out.contains("migrations   not applied here: another platform's schema (omni)"), "{out}");
    assert!(!out.contains("run: ragdesk migrate"), "never advise creating our schema there: {out}");
    // Without the index its messages are counted by, omni still fits: the
    // count is left out of the conversations' list, and doctor says so.
    t.conn().await.execute("DROP INDEX idx_messages_conversation_created").await.unwrap();
    let (_, out) = ragdesk(&t.url, &["doctor"]);
    assert!(out.contains("'omni' (seed 004)") && out.contains("detected"), "{out}");
    assert!(out.contains("left out of the lists") && out.contains("[session] count of message"), "{out}");
    // A column dropped: omni now fits only partly, and doctor says what is missing.
    t.conn().await.execute("ALTER TABLE public.messages DROP COLUMN role").await.unwrap();
    let (_, out) = ragdesk(&t.url, &["doctor"]);
    assert!(out.contains("no built-in layout fits the tables here (public.ai_optimized_content, public."), "{out}");
    assert!(out.contains("describe them in a layout file") && !out.contains("run: ragdesk migrate"), "{out}");
    assert!(out.contains("migrations   not applied: the database holds tables that are not ragdesk's"), "{out}");
    assert!(out.contains("table public.messages has no column \"role\" (named by [message] role"), "{out}");
    // --layout checks the one asked for, and fails with the missing column named.
    let (ok, out) = ragdesk(&t.url, &["--layout", "omni", "doctor"]);
    assert!(!ok && out.contains("as asked does not fit") && out.contains("no column \"role\""), "{out}");
    // A user's layout file with a mistake is refused with its reason.
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("mine.toml");
    std::fs::write(
        &file,
        "name = \"mine\"\ndescription = \"d\"\n[tenant]\ntable = \"public.customers\"\nid = \"id\"\ntitle = \"nmae\"\n",
    )
    .unwrap();
    let (ok, out) = ragdesk(&t.url, &["--layout", file.to_str().unwrap(), "doctor"]);
    assert!(!ok && out.contains("table public.customers has no column \"nmae\" (named by [tenant] title"), "{out}");
    assert!(!out.contains("ragdesk migrate"), "a database asked to be read as another's is not ours to migrate: {out}");
    // doctor makes every check the console makes at connect: an order that
    // cannot page is refused there too, with the order to write instead.
    std::fs::write(
        &file,
        "name = \"mine\"\ndescription = \"d\"\n[tenant]\ntable = \"public.customers\"\nid = \"id\"\ntitle = \"name\"\n\
         created_at = \"created_at\"\norder = [\"created_at\"]\n",
    )
    .unwrap();
    let (ok, out) = ragdesk(&t.url, &["--layout", file.to_str().unwrap(), "doctor"]);
    assert!(!ok && out.contains("[tenant] is paged on public.customers.created_at"), "{out}");
    assert!(out.contains("order = [\"created_at\", \"id\"]") && !out.contains("ragdesk migrate"), "{out}");
    // A missing table is named once, not once per column.
    std::fs::write(
        &file,
        "name = \"mine\"\ndescription = \"d\"\n[tenant]\ntable = \"public.clients\"\nid = \"id\"\ntitle = \"name\"\n",
    )
    .unwrap();
    let (_, out) = ragdesk(&t.url, &["--layout", file.to_str().unwrap(), "doctor"]);
    assert_eq!(out.matches("no table public.clients").count(), 1, "{out}");
    // A time that is not a time is named (date filters would fail on it).
    std::fs::write(
        &file,
        "name = \"mine\"\ndescription = \"d\"\n[tenant]\ntable = \"public.customers\"\nid = \"id\"\ntitle = \"name\"\n\
         created_at = \"name\"\n",
    )
    .unwrap();
    let (ok, out) = ragdesk(&t.url, &["--layout", file.to_str().unwrap(), "doctor"]);
    assert!(
        !ok && out.contains("column public.customers.name is text, not a timestamp (named by [tenant] created_at)"),
        "{out}"
    );
    // Ours, asked for by name, is checked by its migrations, not as a mapping.
    let ours = support::migrated().await;
    let (ok, out) = ragdesk(&ours.url, &["--layout", "native", "doctor"]);
    assert!(out.contains("'native'") && !out.contains("FAIL  layout") && !out.contains("FAIL  writes"), "{out}");
    assert!(out.contains("migrations") && !out.contains("not checked"), "{out}");
    let _ = ok;
}

/// The schema `layout.example.toml` describes, as a platform would have it.
const HELPDESK_DDL: &str = "
CREATE EXTENSION IF NOT EXISTS vector;
CREATE TABLE organisations (id uuid PRIMARY KEY DEFAULT gen_random_uuid(), name text NOT NULL,
    created_at timestamptz NOT NULL DEFAULT now());
CREATE TABLE bots (id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    organisation_id uuid NOT NULL REFERENCES organisations(id), display_name text NOT NULL,
    state text NOT NULL DEFAULT 'live', created_at timestamptz NOT NULL DEFAULT now());
CREATE INDEX ON bots (organisation_id, created_at DESC);
CREATE TABLE customers (id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY, bot_id uuid NOT NULL REFERENCES bots(id),
    email text NOT NULL, first_seen_at timestamptz NOT NULL DEFAULT now());
CREATE INDEX ON customers (bot_id, first_seen_at DESC);
CREATE TABLE tickets (id text PRIMARY KEY, customer_id bigint NOT NULL REFERENCES customers(id), subject text,
    priority smallint, channel text, state text NOT NULL DEFAULT 'open', opened_at timestamptz NOT NULL DEFAULT now(), closed_at timestamptz);
CREATE INDEX ON tickets (customer_id, opened_at DESC);
CREATE TABLE replies (id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY, ticket_id text NOT NULL REFERENCES tickets(id),
    author_kind text NOT NULL, body text NOT NULL, sent_at timestamptz NOT NULL DEFAULT now(), position int NOT NULL,
    meta jsonb, tokens int, UNIQUE (ticket_id, position));
CREATE TABLE help_centres (id uuid PRIMARY KEY DEFAULT gen_random_uuid(), bot_id uuid NOT NULL REFERENCES bots(id),
    name text NOT NULL, created_at timestamptz NOT NULL DEFAULT now());
CREATE TABLE articles (id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    help_centre_id uuid NOT NULL REFERENCES help_centres(id), title text NOT NULL,
    created_at timestamptz NOT NULL DEFAULT now());
CREATE TABLE article_chunks (id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    article_id uuid NOT NULL REFERENCES articles(id), heading text, text text NOT NULL, embedding vector(384),
    position int NOT NULL);
CREATE INDEX ON article_chunks USING hnsw (embedding vector_cosine_ops);
CREATE INDEX ON article_chunks (article_id, position);
CREATE TABLE customer_notes (id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    customer_id bigint NOT NULL REFERENCES customers(id), note text NOT NULL, embedding vector(384),
    created_at timestamptz NOT NULL DEFAULT now());
CREATE TABLE bot_settings (bot_id uuid PRIMARY KEY REFERENCES bots(id), max_messages_per_day int, notes text,
    updated_at timestamptz NOT NULL DEFAULT now());
";

#[tokio::test]
async fn the_documented_example_layout_works_on_the_schema_it_describes() {
    use ragdesk::db::conversation::Conversations;
    let t = support::empty().await;
    let mut c = t.conn().await;
    c.execute(HELPDESK_DDL).await.unwrap();
    // doctor, as a newcomer would run it first.
    let (ok, out) = ragdesk(&t.url, &["--layout", "layout.example.toml", "doctor"]);
    assert!(ok && out.contains("'helpdesk'") && out.contains("all checks passed"), "{out}");
    let layout = ragdesk::schema::load("layout.example.toml").unwrap();
    let catalog = ragdesk::db::catalog::read(&mut c).await.unwrap();
    let m = Mapped::new(layout, catalog).unwrap();
    let filled = ragdesk::seed::layout::fill(&mut c, &m, Default::default(), 5).await.unwrap();
    // Every entity lists, under its parent, in its order.
    for kind in m.layout.kinds().collect::<Vec<_>>() {
        let parent = filled.children.keys().find(|(k, _)| *k == kind).map(|(_, p)| p.clone());
        assert_eq!(parent.is_some(), m.layout.parent_of(kind).is_some(), "{kind}: written under its parent");
        let rows = page_all(&m, &mut c, kind, parent.as_deref()).await;
        assert!(!rows.is_empty(), "{kind}");
    }
    // A ticket's list row carries the columns the layout shows, as the table holds them.
    let customer = filled.children.keys().find(|(k, _)| *k == Kind::Session).map(|(_, p)| p.clone()).unwrap();
    let tickets = page_all(&m, &mut c, Kind::Session, Some(&customer)).await;
    for row in &tickets {
        let (priority, channel, tokens): (Option<i16>, Option<String>, i64) = sqlx::query_as(
            "SELECT priority, channel, (SELECT coalesce(sum(tokens), 0) FROM replies r WHERE r.ticket_id = t.id)::bigint \
             FROM tickets t WHERE id = $1",
        )
        .bind(&row.id)
        .fetch_one(&mut c)
        .await
        .unwrap();
        // Then its replies' tokens, totalled (`sums`).
        assert_eq!(row.cells, vec![priority.map(|p| p.to_string()), channel, Some(tokens.to_string())], "{row:?}");
    }
    assert!(tickets.iter().all(|r| r.cells.iter().all(Option::is_some)), "the seed fills shown columns: {tickets:?}");
    // An organisation's row counts its bots.
    c.execute("INSERT INTO bots (organisation_id, display_name) SELECT id, 'one more' FROM organisations LIMIT 1")
        .await
        .unwrap();
    for row in page_all(&m, &mut c, Kind::Tenant, None).await {
        let (bots,): (i64,) = sqlx::query_as("SELECT count(*) FROM bots WHERE organisation_id = $1::uuid")
            .bind(&row.id)
            .fetch_one(&mut c)
            .await
            .unwrap();
        assert_eq!(row.cells, vec![Some(bots.to_string())], "{row:?}");
    }
    // A ticket reads as the example says: who is the customer, the bot is
    // the customer's bot, and it ends where closed_at says.
    let ticket = filled.ids[&Kind::Session][0].clone();
    c.execute(&*format!("UPDATE tickets SET closed_at = now() WHERE id = '{ticket}'")).await.unwrap();
    let conversations = Conversations::new(std::sync::Arc::new(m));
    let head = conversations.head(&mut c, &ticket).await.unwrap();
    let (email, bot): (String, String) = sqlx::query_as(
        "SELECT cu.email, b.display_name FROM tickets t JOIN customers cu ON cu.id = t.customer_id \
         JOIN bots b ON b.id = cu.bot_id WHERE t.id = $1",
    )
    .bind(&ticket)
    .fetch_one(&mut c)
    .await
    .unwrap();
    assert_eq!((head.who.as_deref(), head.bot.as_deref()), (Some(email.as_str()), Some(bot.as_str())));
    assert!(head.ended_at.is_some() && head.message_count.is_some_and(|n| n > 0), "{head:?}");
    // Its replies' tokens, totalled beside it (`sums`).
    c.execute(&*format!("UPDATE replies SET tokens = position + 1 WHERE ticket_id = '{ticket}'")).await.unwrap();
    let (want,): (i64,) = sqlx::query_as("SELECT sum(tokens) FROM replies WHERE ticket_id = $1")
        .bind(&ticket)
        .fetch_one(&mut c)
        .await
        .unwrap();
    let m = &conversations.0;
    let row = m.row(&mut c, Kind::Session, &ticket).await.unwrap().expect("the ticket");
    assert_eq!(row.cells.last().cloned().flatten(), Some(want.to_string()), "{row:?}");
    // What the layout maps beside a reply's text comes with it.
    c.execute(&*format!(
        "UPDATE replies SET meta = '{{\"channel\": \"email\"}}', tokens = 42 \
         WHERE id = (SELECT min(id) FROM replies WHERE ticket_id = '{ticket}')"
    ))
    .await
    .unwrap();
    let (whole, messages) = conversations.whole(&mut c, &ticket).await.unwrap();
    let first = messages.iter().find(|m| m.token_count.is_some()).expect("the reply with tokens");
    assert_eq!(first.token_count, Some(42));
    let meta = first.metadata.as_ref().unwrap();
    assert_eq!(meta["channel"], "email", "{meta}");
    // Where ours replaced the platform's word for who spoke, that word is kept beside.
    let (kind,): (String,) =
        sqlx::query_as(&format!("SELECT author_kind FROM replies WHERE ticket_id = '{ticket}' ORDER BY id LIMIT 1"))
            .fetch_one(&mut c)
            .await
            .unwrap();
    let replaced = kind != first.role;
    assert_eq!(meta.get("role").and_then(|r| r.as_str()), replaced.then_some(kind.as_str()), "{meta}");
    assert!(messages.windows(2).all(|w| w[0].id != w[1].id) && !messages.is_empty());
    assert_eq!(whole.message_count, Some(messages.len() as i64), "read whole, counted whole");
    // Its Markdown names the bot in the layout's word for bots.
    let md = ragdesk::export::markdown(&whole, &messages);
    assert!(md.starts_with(&format!("# Conversation with {email}")), "{md}");
    assert!(md.contains(&format!("- {}: {bot}", whole.bot_label.as_deref().unwrap())), "{md}");
    assert_ne!(whole.bot_label.as_deref(), Some("Demo"), "{md}");
    // Counting bots needs an index on their organisation: without one the
    // layout is refused at connect, with the index that would serve it.
    c.execute("DROP INDEX bots_organisation_id_created_at_idx").await.unwrap();
    let catalog = ragdesk::db::catalog::read(&mut c).await.unwrap();
    let e = Mapped::new(ragdesk::schema::load("layout.example.toml").unwrap(), catalog).err().unwrap().to_string();
    assert!(
        e.contains("[tenant] counts = \"demo\" needs an index on public.bots.organisation_id")
            && e.contains("CREATE INDEX ON \"public\".\"bots\" (\"organisation_id\")"),
        "{e}"
    );
}

/// `ragdesk seed --layout NAME` on an empty database, for the layouts the
/// other tests fill through the library: the platform's schema is created,
/// filled, its vectors labelled as what they are, and then detected as it.
#[tokio::test]
async fn seed_creates_and_fills_each_platforms_schema_from_the_command_line() {
    for (name, word) in [("workspaces", "Workspaces: "), ("limitless", "Owners: ")] {
        let t = support::empty().await;
        let (ok, out) = ragdesk(&t.url, &["--layout", name, "seed", "--scale", "tiny"]);
        assert!(ok, "{out}");
        assert!(out.contains(&format!("created the '{name}' schema")) && out.contains(word), "{name}: {out}");
        assert!(out.contains("vectors by all-MiniLM-L6-v2 (384-d, zero-padded to 1536)"), "{name}: {out}");
        let (ok, out) = ragdesk(&t.url, &["doctor"]);
        assert!(ok, "{name}: {out}");
        let detected =
            out.lines().any(|l| l.contains("layout") && l.contains(&format!("'{name}'")) && l.contains("detected"));
        assert!(detected, "{name}: {out}");
    }
}

#[tokio::test]
async fn a_foreign_layout_is_seeded_and_browsed_in_a_real_terminal() {
    let t = support::empty().await;
    let (ok, out) = ragdesk(&t.url, &["--layout", "omni", "seed", "--scale", "tiny"]);
    assert!(ok, "{out}");
    assert!(
        out.contains("created the 'omni' schema") && out.contains("Customers: 2") && out.contains("Messages:"),
        "{out}"
    );
    assert!(
        out.contains("vectors by all-MiniLM-L6-v2 (384-d, zero-padded to 1536)"),
        "sample vectors are embeddings of their text, labelled as what they are: {out}"
    );
    let home = tempfile::tempdir().unwrap();
    let exports = home.path().join("exports");
    std::fs::create_dir_all(home.path().join("config/ragdesk")).unwrap();
    std::fs::write(
        home.path().join("config/ragdesk/config.toml"),
        format!("export_dir = {:?}\n", exports.display().to_string()),
    )
    .unwrap();
    let tmux = support::console_in_tmux("browse-omni", &t.url, home.path());
    let screen = tmux.wait_for("the customers", |s| {
        // Its entities' tabs in its words, the layout named under them.
        s.contains("1 Customers")
            && s.contains("2 Wid")
            && s.contains("layout omni (seed 004)")
            && s.contains("Enter: Widgets")
    });
    assert!(screen.contains("Enter: Widgets, Conversations"), "{screen}");
    tmux.keys(&["Enter"]);
    tmux.wait_for("the customer's widgets", |s| s.contains("┌ Widgets") && s.contains("Customers ›"));
    // 3: the Conversations tab, of the customer selected.
    tmux.keys(&["3"]);
    tmux.wait_for("the customer's conversations", |s| {
        s.contains("┌ Conversations") && s.contains("2026-01-01") && s.contains("3 Conversations")
    });
    tmux.keys(&["Enter"]);
    // The conversation opens in our transcript reader, read through the layout.
    let screen = tmux.wait_for("a transcript", |s| {
        s.contains("5 Transcript") && s.contains("msgs ") && s.contains("msg 1/") && s.contains("assistant  20")
    });
    // The first turn is a customer's question, the next one its answer.
    let turns: Vec<&str> = screen.lines().filter(|l| l.contains(" user  20") || l.contains(" assistant  20")).collect();
    assert!(turns.len() >= 2 && turns[0].contains(" user  ") && turns[1].contains(" assistant  "), "{screen}");
    // Exported as ours are: Markdown into the configured directory.
    tmux.keys(&["e"]);
    // At 80 columns the status keeps the end of the message: the file's name.
    tmux.wait_for("the export", |s| s.lines().rev().take(2).any(|l| l.contains("expo") && l.contains(".md")));
    let files: Vec<_> = std::fs::read_dir(&exports).unwrap().map(|e| e.unwrap().path()).collect();
    assert_eq!(files.len(), 1, "{files:?}");
    // Named in the platform's word for one of its conversations.
    let name = files[0].file_name().unwrap().to_string_lossy().to_string();
    assert!(name.starts_with("conversation-") && name.ends_with(".md"), "{name}");
    let md = std::fs::read_to_string(&files[0]).unwrap();
    assert!(md.contains("- Layout: omni") && md.contains("**user**") && md.contains("**assistant**"), "{md}");
    tmux.keys(&["Escape"]);
    tmux.wait_for("back to the conversations", |s| s.contains("┌ Conversations"));
    tmux.keys(&["q"]);
    support::assert_terminal_restored(&tmux);
}

use ragdesk::db::mapped::{Mapped, MappedRow};
use ragdesk::schema::Kind;

/// A comparable form of a key's text: numbers as numbers, times as times.
fn sortable(v: &Option<String>) -> (u8, i64, String) {
    match v {
        None => (1, 0, String::new()),
        Some(s) => match s.parse::<i64>() {
            Ok(n) => (0, n, String::new()),
            Err(_) => match chrono::DateTime::parse_from_str(&format!("{s}00"), "%Y-%m-%d %H:%M:%S%.f%z")
                .or_else(|_| chrono::DateTime::parse_from_rfc3339(s))
            {
                Ok(t) => (0, t.timestamp_micros(), String::new()),
                Err(_) => (0, 0, s.clone()),
            },
        },
    }
}

/// Every row under `parent`, two at a time.
async fn page_all(m: &Mapped, c: &mut sqlx::PgConnection, kind: Kind, parent: Option<&str>) -> Vec<MappedRow> {
    page_all_under(m, c, kind, &ragdesk::db::mapped::Under::of(parent), 2).await
}

/// Every row `under` says, `size` to a page.
async fn page_all_under(
    m: &Mapped,
    c: &mut sqlx::PgConnection,
    kind: Kind,
    under: &ragdesk::db::mapped::Under,
    size: u32,
) -> Vec<MappedRow> {
    let mut out = Vec::new();
    let mut after: Option<Vec<Option<String>>> = None;
    for _ in 0..1000 {
        let page = m.page_under(c, kind, under, after.as_deref(), size, "").await.unwrap();
        out.extend(page.rows);
        match page.next {
            Some(n) => after = Some(n),
            None => return out,
        }
    }
    panic!("paging did not end");
}

/// The Search tab's request for `m`'s chunks (through their index unless
/// `exact`, at `probes` and `ef_search`), under `within` when given.
fn layout_request(
    m: &Mapped,
    query: ragdesk::search::Query,
    within: Option<&str>,
    k: u32,
    mode: ragdesk::db::search::Mode,
) -> ragdesk::search::Request {
    layout_request_of(m, Kind::Chunk, query, within, k, mode)
}

/// A search of `kind`'s vectors (chunks, or 002's memories).
fn layout_request_of(
    m: &Mapped,
    kind: Kind,
    query: ragdesk::search::Query,
    within: Option<&str>,
    k: u32,
    mode: ragdesk::db::search::Mode,
) -> ragdesk::search::Request {
    let (_, index) = m.vector_column(kind).unwrap();
    let metric = m.metric(kind).unwrap();
    ragdesk::search::Request {
        scope: ragdesk::search::Scope::Layout(ragdesk::search::LayoutScope::new(
            &m.layout,
            kind,
            within.map(|w| (w.to_string(), w.to_string())),
            index.map(str::to_string),
            metric,
        )),
        query,
        k,
        metric,
        threshold: None,
        mode,
        compare: true,
        hybrid: false,
        histogram: 0,
    }
}

/// The chunks nearest to chunk `id`'s own vector, as the Search tab finds
/// them: (id, distance).
async fn more_like_this(
    m: &Mapped,
    c: &mut sqlx::PgConnection,
    id: &str,
    k: u32,
    exact: bool,
) -> Result<Vec<(String, f64)>, ragdesk::search::SearchError> {
    more_like_this_of(m, Kind::Chunk, c, id, k, exact).await
}

async fn more_like_this_of(
    m: &Mapped,
    kind: Kind,
    c: &mut sqlx::PgConnection,
    id: &str,
    k: u32,
    exact: bool,
) -> Result<Vec<(String, f64)>, ragdesk::search::SearchError> {
    use ragdesk::db::search::Mode;
    let mode =
        if exact { Mode::Exact } else { Mode::Approximate { ef_search: None, probes: None, iterative_scan: true } };
    let req = layout_request_of(m, kind, ragdesk::search::Query::Like(id.to_string()), None, k, mode);
    let o = ragdesk::search::run_with_vector(c, m, &req, None, std::time::Instant::now()).await?;
    Ok(o.rows.into_iter().map(|r| (r.chunk_id, r.distance)).collect())
}

async fn mapped_database(name: &str) -> (support::TestDb, Mapped, ragdesk::seed::layout::Filled) {
    let t = with_ddl(name).await;
    let mut c = t.conn().await;
    let catalog = ragdesk::db::catalog::read(&mut c).await.unwrap();
    let m = Mapped::new(ragdesk::schema::load(name).unwrap(), catalog).unwrap();
    let filled = ragdesk::seed::layout::fill(&mut c, &m, Default::default(), 7).await.unwrap();
    (t, m, filled)
}

#[tokio::test]
async fn a_row_read_whole_leaves_its_vector_and_its_secrets_on_the_server() {
    let (t, m, filled) = mapped_database("omni").await;
    let mut c = t.conn().await;
    let chunk = filled.ids[&Kind::Chunk][0].clone();
    // (Whatever the server sends is kept: a vector read would be listed.)
    let fields = m.row_fields(&mut c, Kind::Chunk, &chunk).await.unwrap().unwrap();
    let names: Vec<&str> = fields.iter().map(|(n, _)| n.as_str()).collect();
    let e = m.layout.entity(Kind::Chunk).unwrap();
    assert!(names.contains(&e.content.as_deref().unwrap()), "{names:?}");
    assert!(!names.contains(&e.embedding.as_deref().unwrap()), "{names:?}");
    // A widget's stored secret is not read, though the column has a value.
    let widget = filled.ids[&Kind::Demo][0].clone();
    sqlx::query(
        "UPDATE public.customer_configs SET woocommerce_consumer_secret = 'cs_live_123', \
         woocommerce_consumer_key = 'ck_live_456' WHERE id::text = $1",
    )
    .bind(&widget)
    .execute(&mut c)
    .await
    .unwrap();
    let fields = m.row_fields(&mut c, Kind::Demo, &widget).await.unwrap().unwrap();
    let secret = fields.iter().find(|(n, _)| n == "woocommerce_consumer_secret").map(|(_, v)| v.clone());
    assert_eq!(secret, Some(serde_json::json!(ragdesk::db::mapped::HIDDEN)));
    assert!(!format!("{fields:?}").contains("cs_live_123") && !format!("{fields:?}").contains("ck_live_456"));
    assert!(fields.iter().any(|(n, v)| n == "domain" && v.is_string()), "{fields:?}");
}

#[tokio::test]
async fn every_tab_of_every_layout_pages_in_order_with_ties() {
    // (ragdesk's own schema is filled by its own seeder: see the next tests.)
    for name in ["domo", "workspaces", "limitless", "omni"] {
        let (t, m, filled) = mapped_database(name).await;
        let mut c = t.conn().await;
        for kind in m.layout.kinds().collect::<Vec<_>>() {
            let e = m.layout.entity(kind).unwrap();
            let Some(written) = filled.ids.get(&kind) else { continue };
            // Each parent's rows, or all of them for a root (or derived) entity.
            let groups: Vec<(Option<String>, Vec<String>)> = match m.layout.parent_of(kind) {
                Some(p) if e.derived_from.is_none() => filled.ids[&p]
                    .iter()
                    .map(|pid| {
                        (Some(pid.clone()), filled.children.get(&(kind, pid.clone())).cloned().unwrap_or_default())
                    })
                    .collect(),
                _ => vec![(None, written.clone())],
            };
            for (parent, want) in groups {
                let rows = page_all(&m, &mut c, kind, parent.as_deref()).await;
                let count = m.count(&mut c, kind, parent.as_deref(), "").await.unwrap();
                match &e.derived_from {
                    None => assert_eq!(count, Some(ragdesk::db::RowCount::Exact(rows.len() as i64)), "{name} {kind}"),
                    Some(_) => assert_eq!(count, None, "{name} {kind}: a derived list is not counted"),
                }
                let mut got: Vec<String> = rows.iter().map(|r| r.id.clone()).collect();
                let mut want = want.clone();
                assert_eq!(got.len(), want.len(), "{name} {kind} under {parent:?}: no row twice, none lost");
                got.sort();
                want.sort();
                assert_eq!(got, want, "{name} {kind}");
                // In order: ascending for messages, chunks and derived ids; newest first otherwise.
                let keys: Vec<Vec<(u8, i64, String)>> =
                    rows.iter().map(|r| r.key.iter().map(sortable).collect()).collect();
                let ascending = matches!(kind, Kind::Message | Kind::Chunk) || e.derived_from.is_some();
                assert!(
                    rows.iter().all(|r| r.key.iter().all(Option::is_some)),
                    "{name} {kind}: sample keys have no NULLs"
                );
                for w in keys.windows(2) {
                    let ok = if ascending { w[0] < w[1] } else { w[0] > w[1] };
                    assert!(ok, "{name} {kind}: out of order {:?} then {:?}", w[0], w[1]);
                }
                // Pairs of rows share their first order value: ties were crossed.
                let by_time = !e.order.is_empty()
                    && e.table.as_deref().is_some_and(|t| {
                        let first = m.catalog().column(&ragdesk::schema::Table::parse(t), &e.order[0]);
                        first.is_some_and(|c| c.udt.starts_with("timestamp"))
                    });
                if rows.len() >= 2 && e.order.len() == 2 && by_time {
                    assert!(keys.windows(2).any(|w| w[0][0] == w[1][0]), "{name} {kind}: the sample has ties");
                }
            }
        }
    }
}

#[tokio::test]
async fn a_transcript_of_each_layout_reads_in_its_order() {
    for name in ["domo", "workspaces", "limitless", "omni"] {
        let (t, m, filled) = mapped_database(name).await;
        let mut c = t.conn().await;
        let session = filled.ids[&Kind::Session][0].clone();
        let messages = page_all(&m, &mut c, Kind::Message, Some(&session)).await;
        assert_eq!(messages.len(), 7, "{name}");
        // In order: each answer follows its question.
        let text = |i: usize| messages[i].content.clone().unwrap();
        let topic = ragdesk::seed::content::INDUSTRIES
            .iter()
            .flat_map(|i| i.topics.iter())
            .find(|(q, _)| *q == text(0))
            .unwrap_or_else(|| panic!("{name}: the first message is a question: {}", text(0)));
        assert_eq!(text(1), topic.1, "{name}");
        let roles: Vec<&str> = messages.iter().map(|r| r.role.as_deref().unwrap()).collect();
        // LangChain's words on 003 (human/ai), the platforms' own elsewhere.
        let user = if name == "limitless" { "human" } else { "user" };
        assert_eq!(roles.iter().filter(|r| **r == user).count(), 4, "{name}: {roles:?}");
        // Counted like any list.
        let n = m.count(&mut c, Kind::Message, Some(&session), "").await.unwrap().unwrap();
        assert_eq!(n.label(), "7", "{name}");
        // Every conversation's messages come after its own start (not the
        // first conversation's), where both have a time.
        for session in &filled.ids[&Kind::Session] {
            let started = m.row(&mut c, Kind::Session, session).await.unwrap().and_then(|r| r.created_at);
            let first = page_all(&m, &mut c, Kind::Message, Some(session)).await.first().and_then(|r| r.created_at);
            if let (Some(started), Some(first)) = (started, first) {
                assert!(first >= started, "{name} {session}: {first} before {started}");
            }
        }
    }
}

#[tokio::test]
async fn rows_with_no_parent_are_listed_at_the_top() {
    use ragdesk::db::mapped::Under;
    let (t, m, filled) = mapped_database("workspaces").await;
    let mut c = t.conn().await;
    // 002's chat sessions may have no project (project_id is nullable, and
    // an index starts with it): those are listed on their own, once some are.
    assert_eq!(m.parentless(&mut c).await.unwrap(), [], "the sample rows all have their parent");
    let (user,): (uuid::Uuid,) = sqlx::query_as("SELECT id FROM auth.users LIMIT 1").fetch_one(&mut c).await.unwrap();
    let mut loose = Vec::new();
    for i in 0..3 {
        let (id,): (String,) = sqlx::query_as(
            "INSERT INTO public.chat_sessions (user_id, project_id, status, created_at) \
             VALUES ($1, NULL, 'active', now() - make_interval(mins => $2)) RETURNING id::text",
        )
        .bind(user)
        .bind(i)
        .fetch_one(&mut c)
        .await
        .unwrap();
        loose.push(id);
    }
    assert_eq!(m.parentless(&mut c).await.unwrap(), [Kind::Session]);
    let mut seen = Vec::new();
    let mut after: Option<Vec<Option<String>>> = None;
    loop {
        let page = m.page_under(&mut c, Kind::Session, &Under::Nothing, after.as_deref(), 2, "").await.unwrap();
        seen.extend(page.rows.into_iter().map(|r| r.id));
        match page.next {
            Some(n) => after = Some(n),
            None => break,
        }
    }
    assert_eq!(seen, loose, "newest first, paged, and only those with no project");
    let n = m.count_under(&mut c, Kind::Session, &Under::Nothing, "").await.unwrap().unwrap();
    assert_eq!(n.label(), "3");
    // Every session, at the top: those of projects and the loose ones.
    let all = m.count_under(&mut c, Kind::Session, &Under::All, "").await.unwrap().unwrap();
    assert_eq!(all.label(), (filled.ids[&Kind::Session].len() + 3).to_string());
    // Messages always have their session: no such list.
    assert_eq!(m.parentless(&mut c).await.unwrap(), [Kind::Session], "only what has such rows");
    // Workspaces have no parent column: there is nothing to be without.
    let e = m.page_under(&mut c, Kind::Tenant, &Under::Nothing, None, 2, "").await.unwrap_err();
    assert!(e.to_string().contains("have no parent to be without"), "{e}");
}

#[tokio::test]
async fn a_conversation_is_found_by_its_id_on_every_layout() {
    use ragdesk::db::conversation::Conversations;
    for name in ["domo", "workspaces", "limitless", "omni"] {
        let (t, m, filled) = mapped_database(name).await;
        let mut c = t.conn().await;
        let conversations = Conversations::new(std::sync::Arc::new(m));
        let id = filled.ids[&Kind::Session][1].clone();
        assert_eq!(conversations.resolve(&mut c, &format!(" {id} ")).await.unwrap(), id, "{name}");
        // A prefix of it, as the transcript's title shows it (001's text
        // ids too, though they exist only in their messages).
        let cut: String = id.chars().take(id.len() - 1).collect();
        assert_eq!(conversations.resolve(&mut c, &cut).await.unwrap(), id, "{name}: a unique prefix");
        if name == "domo" {
            // A prefix two ids share asks for more of it.
            let other = &filled.ids[&Kind::Session][0];
            let shared: String = id.chars().zip(other.chars()).take_while(|(a, b)| a == b).map(|(a, _)| a).collect();
            assert!(!shared.is_empty(), "{id} {other}");
            let e = conversations.resolve(&mut c, &shared).await.unwrap_err().to_string();
            assert!(e.contains("type more of it"), "{e}");
            // A prefix every id shares: more than the few looked at, not their number.
            let all = &filled.ids[&Kind::Session];
            let common: String = all.iter().fold(all[0].clone(), |p, id| {
                p.chars().zip(id.chars()).take_while(|(a, b)| a == b).map(|(a, _)| a).collect()
            });
            assert!(all.len() > 3 && !common.is_empty(), "{all:?}");
            let e = conversations.resolve(&mut c, &common).await.unwrap_err().to_string();
            assert!(e.contains("is ambiguous, type more of it: it starts more than 3 ids"), "{e}");
        }
        for missing in ["no-such-conversation", "00000000-0000-0000-0000-000000000000"] {
            let e = conversations.resolve(&mut c, missing).await.unwrap_err().to_string();
            assert!(e.starts_with("not found: no ") && e.contains(missing), "{name}: {e}");
        }
    }
    // Ours: a unique prefix of the id.
    let t = support::seeded(12, support::tiny()).await;
    let mut c = t.conn().await;
    let (id,): (uuid::Uuid,) = sqlx::query_as("SELECT id FROM sessions LIMIT 1").fetch_one(&mut c).await.unwrap();
    let prefix = &id.to_string()[..13];
    let catalog = ragdesk::db::catalog::read(&mut c).await.unwrap();
    let ours = Conversations::new(std::sync::Arc::new(
        Mapped::new(ragdesk::schema::load("native").unwrap(), catalog).unwrap(),
    ));
    assert_eq!(ours.resolve(&mut c, prefix).await.unwrap(), id.to_string());
    let e = ours.resolve(&mut c, "abc").await.unwrap_err().to_string();
    assert!(e.contains("first 6+ hex digits"), "{e}");
}

#[tokio::test]
async fn a_layout_naming_a_missing_column_is_refused_with_its_name() {
    let t = with_ddl("workspaces").await;
    let mut c = t.conn().await;
    c.execute("ALTER TABLE public.session_messages RENAME COLUMN sequence_number TO seq").await.unwrap();
    let catalog = ragdesk::db::catalog::read(&mut c).await.unwrap();
    let e = Mapped::new(ragdesk::schema::load("workspaces").unwrap(), catalog).unwrap_err().to_string();
    assert!(
        e.contains("table public.session_messages has no column \"sequence_number\" (named by [message] order"),
        "{e}"
    );
    // An order whose last column can tie would skip rows between pages: refused.
    let catalog = ragdesk::db::catalog::read(&mut c).await.unwrap();
    let mut layout = ragdesk::schema::load("workspaces").unwrap();
    let message = layout.message.as_mut().unwrap();
    message.order = vec!["seq".into()];
    let e = Mapped::new(layout.clone(), catalog.clone()).unwrap_err().to_string();
    assert!(
        e.contains("[message] is paged on public.session_messages.seq, which no primary key or unique index"),
        "{e}"
    );
    layout.message.as_mut().unwrap().order = vec!["seq".into(), "id".into()];
    assert!(Mapped::new(layout.clone(), catalog).is_ok(), "ended by the primary key it pages");
    // (session_id, seq) is a unique key: once seq cannot be NULL, a
    // session's messages page on their position alone, within the session.
    c.execute("ALTER TABLE public.session_messages ALTER COLUMN seq SET NOT NULL").await.unwrap();
    let catalog = ragdesk::db::catalog::read(&mut c).await.unwrap();
    layout.message.as_mut().unwrap().order = vec!["seq".into()];
    let m = Mapped::new(layout.clone(), catalog.clone()).expect("unique within its parent");
    let e = m.page_under(&mut c, Kind::Message, &ragdesk::db::mapped::Under::All, None, 5, "").await.unwrap_err();
    assert!(e.to_string().contains("ordered within their parent only"), "{e}");
    // A user's sum must total a number its rows have, found by an index.
    for (sum, why) in [
        ("message.tokens", "public.session_messages has no column tokens"),
        ("message.content", "public.session_messages.content is text, not a number"),
    ] {
        // (A built-in layout's extras a database lacks are left out; a user's are not.)
        let mut bad = ragdesk::schema::Layout { built_in: false, ..layout.clone() };
        bad.session.as_mut().unwrap().sums = vec![sum.into()];
        let e = Mapped::new(bad, catalog.clone()).unwrap_err().to_string();
        assert!(e.contains(&format!("[session] sums = \"{sum}\": {why}")), "{e}");
    }
}

#[tokio::test]
async fn a_conversations_heading_is_read_up_the_layouts_chain() {
    use ragdesk::db::conversation::Conversations;
    let t = support::seeded(13, support::tiny()).await;
    let mut c = t.conn().await;
    // Our schema through a layout whose sessions hang on their lead: the
    // heading's who is the lead, its bot the lead's demo, its end the column named.
    // (A demo then no longer has sessions of its own to count.)
    let text = std::fs::read_to_string("src/schema/layouts/native.toml")
        .unwrap()
        .replacen(
            "[session]\ntable = \"public.sessions\"\nid = \"id\"\nparent = \"demo_id\"\n",
            "[session]\ntable = \"public.sessions\"\nid = \"id\"\nparent = \"lead_id\"\nparent_entity = \"lead\"\n",
            1,
        )
        .replacen("counts = [\"session\", \"lead\"]\n", "counts = [\"lead\"]\n", 1)
        .replacen("listed_under = { lead = \"lead_id\" }\n", "", 1);
    assert!(text.contains("parent_entity = \"lead\""), "the layout changed");
    let layout = ragdesk::schema::parse(&text, "by-lead.toml").unwrap();
    let catalog = ragdesk::db::catalog::read(&mut c).await.unwrap();
    let by_lead = Conversations::new(std::sync::Arc::new(Mapped::new(layout, catalog.clone()).unwrap()));
    let native = Conversations::new(std::sync::Arc::new(
        Mapped::new(ragdesk::schema::load("native").unwrap(), catalog).unwrap(),
    ));
    let (id,): (uuid::Uuid,) = sqlx::query_as(
        "SELECT s.id FROM sessions s JOIN leads l ON l.id = s.lead_id WHERE l.display_name IS NOT NULL \
         AND s.ended_at IS NOT NULL LIMIT 1",
    )
    .fetch_one(&mut c)
    .await
    .unwrap();
    // Ours through our layout: the heading our typed session gives, every field.
    let typed: ragdesk::db::conversation::ConversationHead =
        ragdesk::db::sessions::get(&mut c, id).await.unwrap().into();
    let ours = native.head(&mut c, &id.to_string()).await.unwrap();
    // And the tenant it is under, up the chain (no field of our typed row).
    let (tenant,): (String,) = sqlx::query_as(
        "SELECT t.name FROM sessions s JOIN demos d ON d.id = s.demo_id JOIN tenants t ON t.id = d.tenant_id WHERE s.id = $1",
    )
    .bind(id)
    .fetch_one(&mut c)
    .await
    .unwrap();
    let held = ragdesk::db::conversation::HeldBy { label: "Tenant".into(), name: tenant };
    assert_eq!(ours, ragdesk::db::conversation::ConversationHead { tenant: Some(held), ..typed });
    assert!(ours.who_id.is_some() && ours.demo_id.is_some() && ours.token_total.is_some(), "{ours:?}");
    let theirs = by_lead.head(&mut c, &id.to_string()).await.unwrap();
    assert_eq!(
        (&theirs.who, &theirs.bot, theirs.ended_at, theirs.started_at, theirs.message_count),
        (&ours.who, &ours.bot, ours.ended_at, ours.started_at, ours.message_count)
    );
    assert_eq!(theirs.layout.as_deref(), Some("native"), "a layout file named native is not ours");
    // A conversation longer than a list counts: its heading counts and
    // totals every message all the same.
    sqlx::query(
        "INSERT INTO messages (session_id, role, content, token_count, created_at) \
         SELECT $1, 'user', 'again ' || g, 3, now() + g * interval '1 second' FROM generate_series(1, 1200) g",
    )
    .bind(id)
    .execute(&mut c)
    .await
    .unwrap();
    let typed: ragdesk::db::conversation::ConversationHead =
        ragdesk::db::sessions::get(&mut c, id).await.unwrap().into();
    let ours = native.head(&mut c, &id.to_string()).await.unwrap();
    assert!(typed.message_count.unwrap() > 1200);
    assert_eq!((ours.message_count, ours.token_total), (typed.message_count, typed.token_total));
}

/// The ids of our typed Sessions page of `scope` filtered by `words`: the
/// reference our layout's session lists are held to.
async fn typed_session_ids(
    c: &mut sqlx::PgConnection,
    scope: ragdesk::db::sessions::SessionScope,
    words: &str,
    limit: u32,
) -> Vec<String> {
    let filter = ragdesk::db::Filter::parse(words);
    let page = ragdesk::db::sessions::list(c, scope, &filter, ragdesk::db::Seek::First, limit).await.unwrap();
    page.rows.iter().map(|r| r.id.to_string()).collect()
}

/// Our lists as the console reads them (through our layout), two rows to a
/// page, where every row of a list shares its time: the id alone orders
/// them, and no row is lost or read twice between pages.
#[tokio::test]
async fn our_lists_through_our_layout_page_across_ties_as_the_server_orders_them() {
    use ragdesk::db::mapped::Under;
    let t = support::seeded(14, support::tiny()).await;
    let mut c = t.conn().await;
    sqlx::raw_sql(
        "UPDATE tenants SET created_at = '2026-01-01'; UPDATE demos SET created_at = '2026-01-01'; \
         UPDATE leads SET created_at = '2026-01-01'; UPDATE sessions SET created_at = '2026-01-01'; \
         UPDATE messages SET created_at = '2026-01-01'",
    )
    .execute(&mut c)
    .await
    .unwrap();
    let catalog = ragdesk::db::catalog::read(&mut c).await.unwrap();
    let m = Mapped::new(ragdesk::schema::load("native").unwrap(), catalog).unwrap();
    async fn ids(c: &mut sqlx::PgConnection, sql: &str, scope: Option<uuid::Uuid>) -> Vec<String> {
        let rows: Vec<(uuid::Uuid,)> = sqlx::query_as(sql).bind(scope).fetch_all(c).await.unwrap();
        rows.into_iter().map(|r| r.0.to_string()).collect()
    }
    let read = |rows: Vec<MappedRow>| rows.into_iter().map(|r| r.id).collect::<Vec<_>>();
    let tenants = ids(&mut c, "SELECT id FROM tenants WHERE $1::uuid IS NULL ORDER BY id DESC", None).await;
    assert_eq!(read(page_all(&m, &mut c, Kind::Tenant, None).await), tenants);
    let (demo, lead, session): (uuid::Uuid, uuid::Uuid, uuid::Uuid) = sqlx::query_as(
        "SELECT s.demo_id, s.lead_id, s.id FROM sessions s JOIN leads l ON l.id = s.lead_id \
         WHERE (SELECT count(*) FROM sessions x WHERE x.lead_id = s.lead_id) > 2 \
           AND (SELECT count(*) FROM leads y WHERE y.demo_id = s.demo_id) > 2 LIMIT 1",
    )
    .fetch_one(&mut c)
    .await
    .unwrap();
    let tenant: (uuid::Uuid,) =
        sqlx::query_as("SELECT tenant_id FROM demos WHERE id = $1").bind(demo).fetch_one(&mut c).await.unwrap();
    let lists = [
        (
            Kind::Demo,
            Under::Row(tenant.0.to_string()),
            "SELECT id FROM demos WHERE tenant_id = $1 ORDER BY id DESC",
            tenant.0,
        ),
        (Kind::Lead, Under::Row(demo.to_string()), "SELECT id FROM leads WHERE demo_id = $1 ORDER BY id DESC", demo),
        (
            Kind::Session,
            Under::Row(demo.to_string()),
            "SELECT id FROM sessions WHERE demo_id = $1 ORDER BY id DESC",
            demo,
        ),
        (
            Kind::Session,
            Under::Via(Kind::Lead, lead.to_string()),
            "SELECT id FROM sessions WHERE lead_id = $1 ORDER BY id DESC",
            lead,
        ),
        (
            Kind::Message,
            Under::Row(session.to_string()),
            "SELECT id FROM messages WHERE session_id = $1 ORDER BY id",
            session,
        ),
    ];
    for (kind, under, sql, scope) in lists {
        let want = ids(&mut c, sql, Some(scope)).await;
        assert!(want.len() > 2, "{kind} {under:?}: more than one page");
        assert_eq!(read(page_all_under(&m, &mut c, kind, &under, 2).await), want, "{kind} {under:?}");
    }
    // Every session, across demos (the Sessions tab at the top).
    let all = ids(&mut c, "SELECT id FROM sessions WHERE $1::uuid IS NULL ORDER BY id DESC", None).await;
    assert_eq!(read(page_all_under(&m, &mut c, Kind::Session, &Under::All, 7).await), all);
}

#[tokio::test]
async fn the_native_layout_read_through_the_mapping_equals_the_native_queries() {
    let t = support::seeded(11, support::tiny()).await;
    let mut c = t.conn().await;
    let catalog = ragdesk::db::catalog::read(&mut c).await.unwrap();
    let m = Mapped::new(ragdesk::schema::load("native").unwrap(), catalog).unwrap();
    let filter = ragdesk::db::Filter::default();
    let ours = ragdesk::db::tenants::list(&mut c, &filter, ragdesk::db::Seek::First, 100).await.unwrap().rows;
    let native: Vec<String> = ours.iter().map(|r| r.id.to_string()).collect();
    let mapped_rows = page_all(&m, &mut c, Kind::Tenant, None).await;
    let mapped: Vec<String> = mapped_rows.iter().map(|r| r.id.clone()).collect();
    assert_eq!(mapped, native);
    // What the layout shows beside a tenant's name is what our Tenants tab
    // shows: its slug, its plan and how many demos it has.
    assert!(!ours.is_empty() && ours.len() == mapped_rows.len());
    for (theirs, ours) in mapped_rows.iter().zip(&ours) {
        let want = vec![Some(ours.slug.clone()), Some(ours.plan.clone()), Some(ours.demo_count.to_string())];
        assert_eq!(theirs.cells, want, "{}", ours.name);
    }
    // A tenant's demos: their industry, mission and how many sessions and
    // leads each has, as a demo's own row reads them.
    for tenant in &ours {
        let theirs = page_all(&m, &mut c, Kind::Demo, Some(&tenant.id.to_string())).await;
        let typed = ragdesk::db::demos::list(&mut c, Some(tenant.id), &filter, ragdesk::db::Seek::First, 100)
            .await
            .unwrap()
            .rows;
        assert_eq!(
            theirs.iter().map(|r| r.id.clone()).collect::<Vec<_>>(),
            typed.iter().map(|d| d.id.to_string()).collect::<Vec<_>>()
        );
        for (theirs, d) in theirs.iter().zip(&typed) {
            let whole = ragdesk::db::demos::get(&mut c, d.id).await.unwrap();
            let counts = [whole.session_count, whole.lead_count].map(|n| Some(n.to_string()));
            let want = [vec![d.industry.clone(), d.mission_profile.clone()], counts.to_vec()].concat();
            assert_eq!(theirs.cells, want, "{:?}", d.company_name);
            assert_eq!(theirs.title, d.company_name);
        }
    }
    // A session is named by its lead (`title_from`), as our Sessions tab names it.
    let demo: (uuid::Uuid,) = sqlx::query_as("SELECT demo_id FROM sessions GROUP BY 1 ORDER BY count(*) DESC LIMIT 1")
        .fetch_one(&mut c)
        .await
        .unwrap();
    let theirs = page_all(&m, &mut c, Kind::Session, Some(&demo.0.to_string())).await;
    let ours = ragdesk::db::sessions::list(
        &mut c,
        ragdesk::db::sessions::SessionScope::Demo(demo.0),
        &filter,
        ragdesk::db::Seek::First,
        1000,
    )
    .await
    .unwrap()
    .rows;
    assert!(!ours.is_empty() && ours.len() == theirs.len());
    for (theirs, ours) in theirs.iter().zip(&ours) {
        assert_eq!(
            (theirs.id.as_str(), theirs.title.as_deref()),
            (ours.id.to_string().as_str(), Some(ours.lead_label()))
        );
        // Beside it, as our tab shows: the channel, the messages and their
        // tokens (`sums`).
        let want =
            vec![Some(ours.channel.clone()), Some(ours.message_count.to_string()), Some(ours.token_total.to_string())];
        assert_eq!(theirs.cells, want, "{}", ours.id);
    }
    assert!(ours.iter().any(|s| s.token_total > 0), "the sample has tokens to total");
    assert!(theirs.iter().all(|r| r.parent_title.is_none()), "under one demo: no need to name it");
    // Every session: each names its demo, as our Sessions tab did.
    let everyone = m.page_under(&mut c, Kind::Session, &ragdesk::db::mapped::Under::All, None, 50, "").await.unwrap();
    let typed_all = ragdesk::db::sessions::list(
        &mut c,
        ragdesk::db::sessions::SessionScope::All,
        &filter,
        ragdesk::db::Seek::First,
        50,
    )
    .await
    .unwrap()
    .rows;
    assert_eq!(
        everyone.rows.iter().map(|r| r.parent_title.clone()).collect::<Vec<_>>(),
        typed_all.iter().map(|r| r.demo_name.clone()).collect::<Vec<_>>()
    );
    // `demo:` finds every session by words of its demo's name: exactly the
    // sessions of the demos so named.
    let name: (String,) =
        sqlx::query_as("SELECT company_name FROM demos WHERE id = $1").bind(demo.0).fetch_one(&mut c).await.unwrap();
    let word = name.0.split_whitespace().next().unwrap().to_lowercase();
    let found = m
        .page_under(&mut c, Kind::Session, &ragdesk::db::mapped::Under::All, None, 1000, &format!("demo:{word}"))
        .await
        .unwrap()
        .rows;
    let (want,): (i64,) = sqlx::query_as(
        "SELECT count(*) FROM sessions s JOIN demos d ON d.id = s.demo_id WHERE d.company_name ILIKE '%' || $1 || '%'",
    )
    .bind(&word)
    .fetch_one(&mut c)
    .await
    .unwrap();
    assert!(want > 0 && found.len() as i64 == want.min(1000), "{word}: {} of {want}", found.len());
    assert!(found.iter().all(|r| r.parent_title.as_deref().is_some_and(|t| t.to_lowercase().contains(&word))));

    // A demo deleted but kept reads as deleted (`deleted_at`): `status:deleted`
    // finds it, and no other state does.
    let (gone, tenant_of): (uuid::Uuid, uuid::Uuid) =
        sqlx::query_as("UPDATE demos SET deleted_at = now(), status = 'active' WHERE id = (SELECT id FROM demos ORDER BY id LIMIT 1) RETURNING id, tenant_id")
            .fetch_one(&mut c)
            .await
            .unwrap();
    let under = Some(tenant_of.to_string());
    let mut of_tenant = Vec::new();
    for f in ["", "status:deleted", "status:DELETED", "status:active"] {
        of_tenant.push(m.page_filtered(&mut c, Kind::Demo, under.as_deref(), None, 100, f).await.unwrap().rows);
    }
    let gone_id = gone.to_string();
    let status_of_gone = of_tenant[0].iter().find(|r| r.id == gone_id).and_then(|r| r.status.clone());
    assert_eq!(status_of_gone.as_deref(), Some("deleted"));
    assert!(of_tenant[1].len() == 1 && of_tenant[1][0].id == gone_id && of_tenant[2].len() == 1);
    assert!(!of_tenant[3].iter().any(|r| r.id == gone_id));
    sqlx::query("UPDATE demos SET deleted_at = NULL WHERE id = $1").bind(gone).execute(&mut c).await.unwrap();
    // A demo read whole for its detail: every column in the table's order,
    // its arrays as arrays; no row, no fields.
    let fields = m.row_fields(&mut c, Kind::Demo, &demo.0.to_string()).await.unwrap().unwrap();
    let names: Vec<&str> = fields.iter().map(|(n, _)| n.as_str()).collect();
    assert_eq!(names.first(), Some(&"id"), "{names:?}");
    let typed = ragdesk::db::demos::get(&mut c, demo.0).await.unwrap();
    let field = |n: &str| fields.iter().find(|(f, _)| f == n).map(|(_, v)| v.clone()).unwrap();
    assert_eq!(field("products_services"), serde_json::json!(typed.products_services));
    assert_eq!(field("primary_color"), serde_json::json!(typed.primary_color));
    assert_eq!(m.row_fields(&mut c, Kind::Demo, &uuid::Uuid::nil().to_string()).await.unwrap(), None);
    assert_eq!(m.row_fields(&mut c, Kind::Demo, "not-an-id").await.unwrap(), None, "a mistyped id names no row");
    // A demo's leads, as our Leads list has them, and a lead's sessions
    // (`listed_under`), as our Sessions tab has them with a lead chosen.
    let leads = page_all(&m, &mut c, Kind::Lead, Some(&demo.0.to_string())).await;
    let typed_leads =
        ragdesk::db::leads::list(&mut c, demo.0, &filter, ragdesk::db::Seek::First, 1000).await.unwrap().rows;
    assert_eq!(
        leads.iter().map(|l| (l.id.clone(), l.title.clone())).collect::<Vec<_>>(),
        typed_leads.iter().map(|l| (l.id.to_string(), Some(l.label().to_string()))).collect::<Vec<_>>()
    );
    // Beside each: its identifier, when it was last seen and its
    // sessions (counted by their lead column, `listed_under`), as our Leads list had them.
    for (theirs, ours) in leads.iter().zip(&typed_leads) {
        let want = vec![
            Some(ours.identifier.clone()),
            Some(ours.last_seen_at.format("%Y-%m-%d %H:%M").to_string()),
            Some(ours.session_count.to_string()),
        ];
        assert_eq!(theirs.cells, want, "{}", ours.identifier);
    }
    let busiest = typed_leads.iter().max_by_key(|l| l.session_count).unwrap();
    assert!(busiest.session_count > 1, "a lead with several sessions to list");
    let under = ragdesk::db::mapped::Under::Via(Kind::Lead, busiest.id.to_string());
    let theirs: Vec<String> =
        page_all_under(&m, &mut c, Kind::Session, &under, 1).await.into_iter().map(|r| r.id).collect();
    let lead_scope = ragdesk::db::sessions::SessionScope::Lead(busiest.id);
    assert_eq!(theirs, typed_session_ids(&mut c, lead_scope, "", 1000).await);
    let counted = m.count_rows_under(&mut c, Kind::Session, &under, "", true).await.unwrap();
    assert_eq!(counted, Some(ragdesk::db::RowCount::Exact(busiest.session_count)));
    // The same filters find the same rows both ways: words over several
    // columns (`words`), over the lead that names a session (`title_from`),
    // a word that starts a session's id, and `id:`.
    let some = &ours[ours.len() / 2];
    let email_word = some.lead_identifier.split('@').next().unwrap().to_string();
    let id_start = some.id.to_string()[..8].to_string();
    for words in [email_word.as_str(), id_start.as_str(), &format!("id:{id_start}"), &format!("id:{}", some.id)] {
        let theirs: Vec<String> = m
            .page_filtered(&mut c, Kind::Session, Some(&demo.0.to_string()), None, 1000, words)
            .await
            .unwrap()
            .rows
            .into_iter()
            .map(|r| r.id)
            .collect();
        let ours = typed_session_ids(&mut c, ragdesk::db::sessions::SessionScope::Demo(demo.0), words, 1000).await;
        assert!(ours.contains(&some.id.to_string()) && theirs == ours, "{words}: {theirs:?} vs {ours:?}");
    }
    let refused = m.page_filtered(&mut c, Kind::Session, Some(&demo.0.to_string()), None, 10, "id:3fa8").await;
    assert!(refused.unwrap_err().to_string().contains("6+ hex digits"), "too short a prefix is refused");
    let tenant = &ragdesk::db::tenants::list(&mut c, &filter, ragdesk::db::Seek::First, 1).await.unwrap().rows[0];
    let by_slug: Vec<String> = m
        .page_filtered(&mut c, Kind::Tenant, None, None, 100, &tenant.slug)
        .await
        .unwrap()
        .rows
        .into_iter()
        .map(|r| r.id)
        .collect();
    assert!(by_slug.contains(&tenant.id.to_string()), "a tenant is found by its slug, not only its name");
    // A tenant's sessions across its demos (a list under a grandparent) are
    // our Sessions tab's with a tenant chosen, in the same order.
    let (tenant,): (uuid::Uuid,) = sqlx::query_as(
        "SELECT d.tenant_id FROM sessions s JOIN demos d ON d.id = s.demo_id GROUP BY 1 ORDER BY count(*) DESC LIMIT 1",
    )
    .fetch_one(&mut c)
    .await
    .unwrap();
    let under = ragdesk::db::mapped::Under::Grandparent(tenant.to_string());
    let theirs: Vec<String> =
        page_all_under(&m, &mut c, Kind::Session, &under, 7).await.into_iter().map(|r| r.id).collect();
    let ours = typed_session_ids(&mut c, ragdesk::db::sessions::SessionScope::Tenant(tenant), "", 10_000).await;
    assert!(ours.len() > 7 && theirs == ours, "{} vs {}", theirs.len(), ours.len());
    let counted = m.count_rows_under(&mut c, Kind::Session, &under, "", true).await.unwrap();
    assert_eq!(counted, Some(ragdesk::db::RowCount::Exact(ours.len() as i64)));
    // Our limits and their audit stay ours when our lists are shown through
    // the layout: tenants and overrides, audited in our own audit_log.
    let m = std::sync::Arc::new(m);
    assert!(matches!(
        ragdesk::db::rate_limits::RateLimits::for_layout(m.clone()),
        ragdesk::db::rate_limits::RateLimits::Native(_)
    ));
    assert!(matches!(ragdesk::db::audit::AuditTrail::for_layout(Some(&m)), ragdesk::db::audit::AuditTrail::Native));
    // A session's transcript, both ways, in the same order.
    let (session,): (uuid::Uuid,) =
        sqlx::query_as("SELECT session_id FROM messages GROUP BY 1 ORDER BY count(*) DESC LIMIT 1")
            .fetch_one(&mut c)
            .await
            .unwrap();
    let native: Vec<String> =
        ragdesk::db::messages::all(&mut c, session).await.unwrap().iter().map(|r| r.id.to_string()).collect();
    let mapped: Vec<String> =
        page_all(&m, &mut c, Kind::Message, Some(&session.to_string())).await.into_iter().map(|r| r.id).collect();
    assert_eq!(mapped, native);
}

#[tokio::test]
async fn more_like_this_on_each_layout_equals_a_brute_force_top_k() {
    for name in ["domo", "workspaces", "limitless", "omni"] {
        let (t, m, filled) = mapped_database(name).await;
        let mut c = t.conn().await;
        let all = m.all_vectors(&mut c, Kind::Chunk, 10_000).await.unwrap();
        assert_eq!(all.len(), filled.ids[&Kind::Chunk].len(), "{name}");
        let (query_id, query) = all[3].clone();
        let cosine = |a: &[f32], b: &[f32]| {
            let dot: f64 = a.iter().zip(b).map(|(x, y)| *x as f64 * *y as f64).sum();
            let na: f64 = a.iter().map(|x| (*x as f64).powi(2)).sum::<f64>().sqrt();
            let nb: f64 = b.iter().map(|x| (*x as f64).powi(2)).sum::<f64>().sqrt();
            1.0 - dot / (na * nb)
        };
        // The scope: a document's chunks are searched with every document
        // under the same parent (knowledge base, domain or project); 001's
        // chunks hang on their demo, which is their scope. Worked out from
        // what was written.
        let parent_of = |kind: Kind, id: &str| {
            filled
                .children
                .iter()
                .find(|((k, _), ids)| *k == kind && ids.iter().any(|x| x == id))
                .map(|((_, p), _)| p.clone())
        };
        let pk = m.layout.parent_of(Kind::Chunk).unwrap();
        let parent = parent_of(Kind::Chunk, &query_id).unwrap();
        let siblings = match pk {
            Kind::Document => filled.children[&(pk, parent_of(pk, &parent).unwrap())].clone(),
            _ => vec![parent],
        };
        let scope: Vec<String> = siblings
            .iter()
            .flat_map(|p| filled.children.get(&(Kind::Chunk, p.clone())).cloned().unwrap_or_default())
            .collect();
        assert!(scope.len() >= 4 && scope.len() < all.len(), "{name}: a scope of its own, not the whole table");
        let mut brute: Vec<(String, f64)> =
            all.iter().filter(|(id, _)| scope.contains(id)).map(|(id, v)| (id.clone(), cosine(&query, v))).collect();
        brute.sort_by(|a, b| a.1.total_cmp(&b.1));
        brute.truncate(10);
        let exact = more_like_this(&m, &mut c, &query_id, 10, true).await.unwrap();
        assert_eq!(exact[0].0, query_id, "{name}: the chunk itself comes first");
        assert!(exact[0].1.abs() < 1e-6, "{name}: similarity 1 with itself");
        let ids = |v: &[(String, f64)]| v.iter().map(|r| r.0.clone()).collect::<Vec<_>>();
        assert_eq!(ids(&exact), ids(&brute), "{name}");
        for (e, b) in exact.iter().zip(&brute) {
            assert!((e.1 - b.1).abs() < 1e-5, "{name}: {e:?} vs {b:?}");
        }
        // Through the index too (HNSW or ivfflat): the chunk itself is found.
        let ann = more_like_this(&m, &mut c, &query_id, 10, false).await.unwrap();
        assert_eq!(ann[0].0, query_id, "{name}");
        // 002's memories (ivfflat) are vectors of their own: searched among
        // their project's, exactly as a brute force ranks them.
        if name != "workspaces" {
            continue;
        }
        let all = m.all_vectors(&mut c, Kind::Memory, 10_000).await.unwrap();
        assert_eq!(all.len(), filled.ids[&Kind::Memory].len());
        let (query_id, query) = all[1].clone();
        let project = parent_of(Kind::Memory, &query_id).unwrap();
        let scope = &filled.children[&(Kind::Memory, project)];
        assert!(scope.len() >= 3 && scope.len() < all.len(), "a project's memories, not every one");
        let mut brute: Vec<(String, f64)> =
            all.iter().filter(|(id, _)| scope.contains(id)).map(|(id, v)| (id.clone(), cosine(&query, v))).collect();
        brute.sort_by(|a, b| a.1.total_cmp(&b.1));
        brute.truncate(5);
        let exact = more_like_this_of(&m, Kind::Memory, &mut c, &query_id, 5, true).await.unwrap();
        assert_eq!(ids(&exact), ids(&brute), "memories");
        for (e, b) in exact.iter().zip(&brute) {
            assert!((e.1 - b.1).abs() < 1e-5, "memories: {e:?} vs {b:?}");
        }
        let ann = more_like_this_of(&m, Kind::Memory, &mut c, &query_id, 5, false).await.unwrap();
        assert_eq!(ann[0].0, query_id, "a memory finds itself through the index");
    }
}

#[tokio::test]
async fn a_column_indexed_for_another_distance_is_searched_by_that_distance() {
    use ragdesk::db::mapped::{Probe, VectorMode};
    use ragdesk::db::search::Metric;
    let (t, m, filled) = mapped_database("domo").await;
    assert_eq!(m.metric(Kind::Chunk).unwrap(), Metric::Cosine, "001 ships vector_cosine_ops");
    let mut c = t.conn().await;
    // The same chunks, indexed for L2 instead (as a platform may have them).
    sqlx::query("DROP INDEX public.knowledge_chunks_vector_embedding_idx").execute(&mut c).await.unwrap();
    sqlx::query(
        "CREATE INDEX knowledge_chunks_l2 ON public.knowledge_chunks USING ivfflat (vector_embedding vector_l2_ops) \
         WITH (lists = 2)",
    )
    .execute(&mut c)
    .await
    .unwrap();
    let catalog = ragdesk::db::catalog::read(&mut c).await.unwrap();
    let l2 = Mapped::new(m.layout.clone(), catalog).unwrap();
    assert_eq!(l2.metric(Kind::Chunk).unwrap(), Metric::L2, "the operator class is read from the catalog");
    let query_id = filled.ids[&Kind::Chunk][2].clone();
    let (demo,): (uuid::Uuid,) = sqlx::query_as("SELECT demo_id FROM public.knowledge_chunks WHERE id = $1::uuid")
        .bind(&query_id)
        .fetch_one(&mut c)
        .await
        .unwrap();
    // Brute force, by L2, over the demo's chunks.
    let brute: Vec<(String, f64)> = sqlx::query_as(
        "SELECT id::text, (vector_embedding <-> (SELECT vector_embedding FROM public.knowledge_chunks WHERE id = $1::uuid))::float8 \
         FROM public.knowledge_chunks WHERE demo_id = $2 ORDER BY 2, 1 LIMIT 5",
    )
    .bind(&query_id)
    .bind(demo)
    .fetch_all(&mut c)
    .await
    .unwrap();
    for mode in [VectorMode::EXACT, VectorMode { probes: Some(2), ..VectorMode::default() }] {
        let found = l2.nearest(&mut c, Kind::Chunk, Probe::Row(&query_id), 5, mode).await.unwrap();
        let got: Vec<(String, f64)> = found.iter().map(|n| (n.id.clone(), n.distance)).collect();
        assert_eq!(got.len(), brute.len(), "{mode:?}");
        for (g, b) in got.iter().zip(&brute) {
            assert!((g.1 - b.1).abs() < 1e-5, "{mode:?}: L2 distances, not cosine: {got:?} vs {brute:?}");
        }
        assert!(found.iter().all(|n| n.similarity.is_none()), "L2 has no similarity to show");
    }
    // An operator class of a distance ragdesk does not search by is named.
    sqlx::query("DROP INDEX public.knowledge_chunks_l2").execute(&mut c).await.unwrap();
    sqlx::query(
        "CREATE INDEX knowledge_chunks_l1 ON public.knowledge_chunks USING hnsw (vector_embedding vector_l1_ops)",
    )
    .execute(&mut c)
    .await
    .unwrap();
    let catalog = ragdesk::db::catalog::read(&mut c).await.unwrap();
    let l1 = Mapped::new(m.layout.clone(), catalog).unwrap();
    let e = l1.nearest(&mut c, Kind::Chunk, Probe::Row(&query_id), 5, VectorMode::EXACT).await.unwrap_err();
    assert!(e.to_string().contains("vector_l1_ops"), "{e}");
    // Of two vector indexes, the cosine one is chosen, whatever their names' order.
    c.execute("DROP INDEX public.knowledge_chunks_l1").await.unwrap();
    c.execute("CREATE INDEX a_l2 ON public.knowledge_chunks USING hnsw (vector_embedding vector_l2_ops)")
        .await
        .unwrap();
    c.execute("CREATE INDEX z_cos ON public.knowledge_chunks USING hnsw (vector_embedding vector_cosine_ops)")
        .await
        .unwrap();
    let catalog = ragdesk::db::catalog::read(&mut c).await.unwrap();
    assert_eq!(Mapped::new(m.layout.clone(), catalog).unwrap().metric(Kind::Chunk).unwrap(), Metric::Cosine);
}

#[tokio::test]
async fn vectors_whose_type_lives_off_the_search_path_are_searched() {
    use ragdesk::db::mapped::{Probe, VectorMode};
    let (t, m, filled) = mapped_database("domo").await;
    let mut c = t.conn().await;
    // Supabase keeps pgvector in `extensions`; here it is not on the path.
    c.execute("CREATE SCHEMA extensions").await.unwrap();
    c.execute("ALTER EXTENSION vector SET SCHEMA extensions").await.unwrap();
    c.execute("SET search_path = public").await.unwrap();
    let (path,): (String,) = sqlx::query_as("SHOW search_path").fetch_one(&mut c).await.unwrap();
    assert_eq!(path, "public");
    let catalog = ragdesk::db::catalog::read(&mut c).await.unwrap();
    let moved = Mapped::new(m.layout.clone(), catalog).unwrap();
    let id = filled.ids[&Kind::Chunk][1].clone();
    let found = moved.nearest(&mut c, Kind::Chunk, Probe::Row(&id), 3, VectorMode::EXACT).await.unwrap();
    assert_eq!(found[0].id, id, "more like this");
    let all = moved.all_vectors(&mut c, Kind::Chunk, 1000).await.unwrap();
    let (_, vector) = all.iter().find(|(i, _)| *i == id).unwrap().clone();
    let (demo,): (String,) = sqlx::query_as("SELECT demo_id::text FROM public.knowledge_chunks WHERE id = $1::uuid")
        .bind(&id)
        .fetch_one(&mut c)
        .await
        .unwrap();
    let probe = Probe::Vector { vector: &vector, within: &demo };
    let found = moved.nearest(&mut c, Kind::Chunk, probe, 3, VectorMode::EXACT).await.unwrap();
    assert_eq!(found[0].id, id, "a query vector, cast to extensions.vector");
    // A declared write too: 001's chunks, their vectors typed by the column.
    let written =
        moved.insert_chunks(&mut c, &demo, "moved.txt", &[("moved text".into(), vector.clone())]).await.unwrap();
    let found = moved.nearest(&mut c, Kind::Chunk, Probe::Row(&written[0]), 2, VectorMode::EXACT).await.unwrap();
    assert!(found.iter().all(|n| n.distance.abs() < 1e-6), "the copy and its original: {found:?}");
}

#[tokio::test]
async fn more_like_this_and_a_question_from_the_browse_tab_in_the_search_tab() {
    let t = support::empty().await;
    let (ok, out) = ragdesk(&t.url, &["--layout", "domo", "seed", "--scale", "tiny"]);
    assert!(ok, "{out}");
    let home = tempfile::tempdir().unwrap();
    let model = format!("RAGDESK_MODEL_DIR={}", crate::embed::model_dir().display());
    let tmux = support::console_in_tmux_with("browse-like", &t.url, home.path(), &model);
    tmux.wait_for("the users", |s| s.contains("┌ Users") && s.contains("Enter: Demos"));
    tmux.keys(&["Enter"]);
    tmux.wait_for("the user's demos", |s| s.contains("┌ Demos") && s.contains("Enter: Knowledge"));
    tmux.keys(&["Enter"]);
    tmux.wait_for("the demo's knowledge chunks", |s| s.contains("┌ Knowledge") && s.contains("1 of "));
    tmux.keys(&["m"]);
    // The Search tab, through the column's index first at the server's
    // probes (a vector is always in the list of its own nearest centroid,
    // so it finds itself).
    let screen = tmux.wait_for("the nearest chunks through the index", |s| {
        s.contains("ivfflat probes 1 (the server's)") && s.contains("more like ") && s.contains("1.000")
    });
    // The chunk itself first, at similarity 1: its id begins as the heading says.
    let like = screen.split("more like ").nth(1).unwrap_or_default().chars().take(8).collect::<String>();
    let first = screen.lines().find(|l| l.contains("│1 ")).unwrap_or_default().to_string();
    assert!(like.len() == 8 && first.contains(&like) && first.contains("1.000"), "itself first: {screen}");
    // c: beside the exact answer, recall@k; e: probes 2 (from pgvector's 1).
    tmux.keys(&["c"]);
    tmux.wait_for("the comparison", |s| s.contains("vs exact") && s.contains("recall@10"));
    tmux.keys(&["e"]);
    tmux.wait_for("two probes", |s| s.contains("ivfflat probes 2") && s.contains("recall@10"));
    // x searches exactly; p shows the plan of that (asked at once: the
    // plan follows the search).
    tmux.keys(&["x", "p"]);
    tmux.wait_for("the plan", |s| s.contains("EXPLAIN (ANALYZE, BUFFERS)") && s.contains("no vector index used"));
    // Through the index again: a verdict either way (whether the planner
    // takes the index on a demo this small is its choice; a test of the
    // verdict itself is `the_plan_says_whether_the_vector_index_served_it`).
    // (The approximate search's results first: until they land, the exact
    // one's plan may still be on screen, and would pass for this one's.)
    tmux.keys(&["x"]);
    tmux.wait_for("the approximate search", |s| s.contains("recall@10") && !s.contains("EXPLAIN"));
    tmux.keys(&["p"]);
    // (The plan's verdict, not the status line's "running EXPLAIN…": an
    // Esc before the plan lands would leave the tab.)
    tmux.wait_for("the approximate search's plan", |s| {
        s.contains("ivfflat probes 2")
            && (s.contains("the vector index served it") || s.contains("no vector index used"))
    });
    // Esc hides the plan, then goes back to Browse, where it was; a text
    // query there: the first chunk's own words find it first (the model
    // seed recorded embeds the question).
    tmux.keys(&["Escape"]);
    tmux.wait_for("the plan hidden", |s| !s.contains("EXPLAIN"));
    tmux.keys(&["Escape"]);
    let screen = tmux.wait_for("the knowledge again", |s| s.contains("┌ Knowledge ") && !s.contains("recall@"));
    let words: String = screen
        .lines()
        .find(|l| l.starts_with("│") && l.contains('?'))
        .and_then(|l| l.trim_start_matches('│').split('?').next())
        .unwrap_or_default()
        .trim()
        .to_string();
    assert!(words.len() > 8, "a question on screen: {screen}");
    tmux.keys(&["s"]);
    tmux.wait_for("the question prompt", |s| s.contains("question:"));
    tmux.keys(&["-l", &words]);
    tmux.keys(&["Enter"]);
    let screen = tmux.wait_for("the text search", |s| {
        // (The pane keeps its settings: probes 2 as set above.)
        s.contains("Knowledge of ") && s.contains("ivfflat probes 2") && s.contains("query by") && s.contains("│1 ")
    });
    let first = screen.lines().find(|l| l.contains("│1 ")).unwrap_or_default().to_string();
    assert!(first.contains(&words.chars().take(10).collect::<String>()), "the chunk with those words first: {screen}");
    tmux.keys(&["q"]);
    support::assert_terminal_restored(&tmux);
}

#[tokio::test]
async fn a_seeded_pages_url_is_on_its_domains_host() {
    let (t, _, _) = mapped_database("omni").await;
    let mut c = t.conn().await;
    let (pages, elsewhere): (i64, i64) = sqlx::query_as(
        "SELECT count(*), count(*) FILTER (WHERE p.url NOT LIKE 'https://' || d.domain || '/%') \
         FROM public.scraped_pages p JOIN public.domains d ON d.id = p.domain_id",
    )
    .fetch_one(&mut c)
    .await
    .unwrap();
    assert!(pages > 0 && elsewhere == 0, "{elsewhere} of {pages} pages are on another host than their domain");
}

#[tokio::test]
async fn the_plan_says_whether_the_vector_index_served_it() {
    use ragdesk::db::search::Mode;
    let (t, m, _) = mapped_database("domo").await;
    let mut c = t.conn().await;
    let (id, _) = m.all_vectors(&mut c, Kind::Chunk, 1).await.unwrap().remove(0);
    let like = ragdesk::search::Query::Like(id);
    let approximate = Mode::Approximate { ef_search: None, probes: Some(4), iterative_scan: true };
    // A planner that would rather not read the table: the index serves the
    // approximate search; the exact one is kept off it (`+ 0`) all the same.
    for off in ["enable_seqscan", "enable_sort"] {
        sqlx::query(&format!("SET {off} = off")).execute(&mut c).await.unwrap();
    }
    let plan = |mode| layout_request(&m, like.clone(), None, 5, mode);
    let (text, indexed) = ragdesk::search::explain(&mut c, &m, &plan(approximate), Vec::new()).await.unwrap();
    assert!(indexed && text.contains("knowledge_chunks_vector_embedding_idx"), "{text}");
    let (text, indexed) = ragdesk::search::explain(&mut c, &m, &plan(Mode::Exact), Vec::new()).await.unwrap();
    assert!(!indexed && !text.contains("Order By:"), "{text}");
    // The server's own probes apply until the console sets them, and the
    // outcome says which applied (the console doubles that one).
    sqlx::query("SET ivfflat.probes = 10").execute(&mut c).await.unwrap();
    let server = Mode::Approximate { ef_search: None, probes: None, iterative_scan: true };
    let o = ragdesk::search::run_with_vector(&mut c, &m, &plan(server), None, std::time::Instant::now()).await.unwrap();
    assert_eq!(o.breadth, Some(10));
    assert!(o.searched_by.contains("probes 10 (the server's setting)"), "{}", o.searched_by);
    let o = ragdesk::search::run_with_vector(&mut c, &m, &plan(approximate), None, std::time::Instant::now())
        .await
        .unwrap();
    assert_eq!((o.breadth, o.searched_by.as_str()), (Some(4), "ivfflat index, probes 4"));
    // A question with no row to search under is refused before any plan.
    let question = layout_request(&m, ragdesk::search::Query::Text("x".into()), None, 5, approximate);
    let e = ragdesk::search::explain(&mut c, &m, &question, vec![0.0; 1536]).await.unwrap_err();
    assert!(e.to_string().contains("under one row"), "{e}");
}

#[tokio::test]
async fn a_foreign_list_filters_by_words_on_the_server() {
    let (t, m, filled) = mapped_database("omni").await;
    let mut c = t.conn().await;
    let session = filled.ids[&Kind::Session][0].clone();
    let all = page_all(&m, &mut c, Kind::Message, Some(&session)).await;
    // A word of the first message (its longest), searched in another case.
    let word: String = all[0]
        .content
        .as_deref()
        .unwrap()
        .split(|c: char| !c.is_alphabetic())
        .max_by_key(|w| w.len())
        .unwrap()
        .to_uppercase();
    let want: Vec<String> = all
        .iter()
        .filter(|r| r.content.as_deref().unwrap_or("").to_uppercase().contains(&word))
        .map(|r| r.id.clone())
        .collect();
    assert!(!want.is_empty() && want.len() < all.len(), "the sample has some messages with the word, not all");
    // Two at a time, as the console pages: the filter holds across pages.
    let mut got = Vec::new();
    let mut after: Option<Vec<Option<String>>> = None;
    loop {
        let page = m.page_filtered(&mut c, Kind::Message, Some(&session), after.as_deref(), 2, &word).await.unwrap();
        got.extend(page.rows.into_iter().map(|r| r.id));
        match page.next {
            Some(n) => after = Some(n),
            None => break,
        }
    }
    assert_eq!(got, want);
    // Wildcards are literal: "o%e" is no message's text (as a pattern it would match most).
    let none = m.page_filtered(&mut c, Kind::Message, Some(&session), None, 10, "o%e").await.unwrap();
    assert!(none.rows.is_empty());
    // Our lists' terms where the entity has what they need: a time for
    // after:/before: (messages here), a status for status: (not here).
    let e = m.layout.entity(Kind::Message).unwrap();
    let old: Vec<String> = all.iter().take(3).map(|r| r.id.clone()).collect();
    sqlx::query(&format!(
        "UPDATE {} SET \"{}\" = '2025-06-01' WHERE \"{}\"::text = ANY($1)",
        ragdesk::schema::Table::parse(e.table.as_deref().unwrap()).quoted(),
        e.created_at.as_deref().unwrap(),
        e.id.as_deref().unwrap()
    ))
    .bind(&old)
    .execute(&mut c)
    .await
    .unwrap();
    let all = page_all(&m, &mut c, Kind::Message, Some(&session)).await;
    let want: Vec<String> = all.iter().filter(|r| !old.contains(&r.id)).map(|r| r.id.clone()).collect();
    assert!(!want.is_empty() && want.len() < all.len());
    let later = m.page_filtered(&mut c, Kind::Message, Some(&session), None, 100, "after:2026-01-01").await.unwrap();
    assert_eq!(later.rows.iter().map(|r| r.id.clone()).collect::<Vec<_>>(), want);
    let e = m.page_filtered(&mut c, Kind::Message, Some(&session), None, 10, "status:live").await.unwrap_err();
    assert!(e.to_string().contains("unknown filter 'status:' here (try id: after: before:)"), "{e}");
    let e = m.page_filtered(&mut c, Kind::Message, Some(&session), None, 10, "after:yesterday").await.unwrap_err();
    assert!(e.to_string().contains("is not a date"), "{e}");
    // A column the list shows is a key of its own: a widget's rate_limit.
    let customer = filled.ids[&Kind::Tenant][0].clone();
    let widgets = page_all(&m, &mut c, Kind::Demo, Some(&customer)).await;
    let limit_of = |r: &MappedRow| r.cells[1].clone().unwrap();
    let some = limit_of(&widgets[0]);
    let want: Vec<String> = widgets.iter().filter(|r| limit_of(r) == some).map(|r| r.id.clone()).collect();
    assert!(want.len() < widgets.len(), "the sample's widgets have different limits: {widgets:?}");
    let page =
        m.page_filtered(&mut c, Kind::Demo, Some(&customer), None, 100, &format!("rate_limit:{some}")).await.unwrap();
    assert_eq!(page.rows.iter().map(|r| r.id.clone()).collect::<Vec<_>>(), want);
    // The whole value, in any case: a page's status.
    let pages = page_all(&m, &mut c, Kind::Document, None).await;
    let status = pages[0].status.clone().unwrap();
    let want: Vec<String> = pages.iter().filter(|r| r.status.as_ref() == Some(&status)).map(|r| r.id.clone()).collect();
    let shouted = format!("status:{}", status.to_uppercase());
    let got = m.page_filtered(&mut c, Kind::Document, None, None, 1000, &shouted).await.unwrap();
    assert_eq!(got.rows.iter().map(|r| r.id.clone()).collect::<Vec<_>>(), want, "{shouted}");
    let part = format!("status:{}", &status[..status.len() - 1]);
    assert!(m.page_filtered(&mut c, Kind::Document, None, None, 10, &part).await.unwrap().rows.is_empty());
    // A number is compared as one ("010" is 10), and a value its column
    // cannot hold is refused rather than matched against nothing.
    let padded = format!("rate_limit:0{some}");
    let page = m.page_filtered(&mut c, Kind::Demo, Some(&customer), None, 100, &padded).await.unwrap();
    let limited: Vec<String> = widgets.iter().filter(|r| limit_of(r) == some).map(|r| r.id.clone()).collect();
    assert_eq!(page.rows.iter().map(|r| r.id.clone()).collect::<Vec<_>>(), limited);
    let e = m.page_filtered(&mut c, Kind::Demo, Some(&customer), None, 10, "rate_limit:abc").await.unwrap_err();
    assert!(e.to_string().contains("rate_limit: is a whole number, not 'abc'"), "{e}");
    // A boolean takes yes and no as well as true and false.
    sqlx::query(
        "UPDATE public.domains SET active = false WHERE id = (SELECT id FROM public.domains ORDER BY id LIMIT 1)",
    )
    .execute(&mut c)
    .await
    .unwrap();
    let domains = page_all(&m, &mut c, Kind::KnowledgeBase, None).await;
    let active = |r: &MappedRow| r.cells[1].as_deref() == Some("true");
    let want: Vec<String> = domains.iter().filter(|r| active(r)).map(|r| r.id.clone()).collect();
    assert!(!want.is_empty() && want.len() < domains.len(), "some domains active, some not: {domains:?}");
    let page = m.page_filtered(&mut c, Kind::KnowledgeBase, None, None, 100, "active:YES").await.unwrap();
    assert_eq!(page.rows.iter().map(|r| r.id.clone()).collect::<Vec<_>>(), want);
    let e = m.page_filtered(&mut c, Kind::KnowledgeBase, None, None, 10, "active:maybe").await.unwrap_err();
    assert!(e.to_string().contains("active: is yes or no"), "{e}");
    // 004's conversations have no status but an end: open or ended, read
    // and filtered from it.
    sqlx::query(
        "UPDATE public.conversations SET ended_at = now() WHERE id IN \
         (SELECT id FROM public.conversations WHERE customer_id = $1::uuid ORDER BY id LIMIT 1)",
    )
    .bind(&customer)
    .execute(&mut c)
    .await
    .unwrap();
    let all = page_all(&m, &mut c, Kind::Session, Some(&customer)).await;
    let ended: Vec<(String,)> = sqlx::query_as(
        "SELECT id::text FROM public.conversations WHERE customer_id = $1::uuid AND ended_at IS NOT NULL",
    )
    .bind(&customer)
    .fetch_all(&mut c)
    .await
    .unwrap();
    let ended: Vec<String> = ended.into_iter().map(|(id,)| id).collect();
    assert!(!ended.is_empty() && ended.len() < all.len(), "some conversations ended, some open");
    for r in &all {
        let want = if ended.contains(&r.id) { "ended" } else { "open" };
        assert_eq!(r.status.as_deref(), Some(want), "{}", r.id);
    }
    let open = m.page_filtered(&mut c, Kind::Session, Some(&customer), None, 1000, "status:OPEN").await.unwrap();
    assert_eq!(open.rows.len(), all.len() - ended.len());
    assert!(open.rows.iter().all(|r| r.status.as_deref() == Some("open")));
    let e = m.page_filtered(&mut c, Kind::Session, Some(&customer), None, 10, "status:paused").await.unwrap_err();
    assert!(e.to_string().contains("status: is open or ended here"), "{e}");
    // Every conversation, by words of its customer's name; each parent key
    // given narrows it (no customer is named zzqqx).
    let all = ragdesk::db::mapped::Under::All;
    let customers = page_all(&m, &mut c, Kind::Tenant, None).await;
    let title = customers.iter().find(|r| r.id == customer).and_then(|r| r.title.clone()).unwrap();
    let word = title.split_whitespace().next().unwrap().to_lowercase();
    let named = m.page_under(&mut c, Kind::Session, &all, None, 100, &format!("customer:{word}")).await.unwrap().rows;
    let of_word = |r: &MappedRow| r.parent_title.as_deref().is_some_and(|t| t.to_lowercase().contains(&word));
    assert!(!named.is_empty() && named.iter().all(of_word), "{word}: {named:?}");
    let both_keys = format!("customer:{word} tenant:zzqqx");
    let both = m.page_under(&mut c, Kind::Session, &all, None, 100, &both_keys).await.unwrap();
    assert!(both.rows.is_empty(), "{:?}", both.rows);
    let e = m.page_filtered(&mut c, Kind::Demo, Some(&customer), None, 10, "plan:pro").await.unwrap_err();
    assert!(e.to_string().contains("(try business_name: rate_limit: id: tenant: customer: after: before:)"), "{e}");
}

#[tokio::test]
async fn a_nullable_order_pages_newest_first_with_ties_and_nulls_last_as_the_server_orders() {
    // 004's conversations: (started_at DESC, id DESC), started_at nullable.
    let (t, m, filled) = mapped_database("omni").await;
    let mut c = t.conn().await;
    let customer = filled.ids[&Kind::Tenant][0].clone();
    let conversations = &filled.children[&(Kind::Session, customer.clone())];
    assert!(conversations.len() >= 3, "{conversations:?}");
    // Ties on the first column and rows without one (several: a page then
    // ends inside the NULL part, and the next starts from a NULL row's key).
    c.execute(
        format!(
            "UPDATE public.conversations SET started_at = NULL WHERE id = '{}'; \
             UPDATE public.conversations SET started_at = '2026-03-01' WHERE id IN ('{}', '{}'); \
             INSERT INTO public.conversations (customer_id, started_at) \
             SELECT '{customer}'::uuid, NULL::timestamptz FROM generate_series(1, 3) UNION ALL \
             SELECT '{customer}'::uuid, '2026-03-01' FROM generate_series(1, 2)",
            conversations[0], conversations[1], conversations[2]
        )
        .as_str(),
    )
    .await
    .unwrap();
    let want: Vec<String> = sqlx::query_scalar(
        "SELECT id::text FROM public.conversations WHERE customer_id = $1::uuid ORDER BY started_at DESC NULLS LAST, id DESC",
    )
    .bind(&customer)
    .fetch_all(&mut c)
    .await
    .unwrap();
    let nulls: i64 = sqlx::query_scalar(
        "SELECT count(*) FROM public.conversations WHERE customer_id = $1::uuid AND started_at IS NULL",
    )
    .bind(&customer)
    .fetch_one(&mut c)
    .await
    .unwrap();
    assert_eq!(nulls, 4);
    // Pages of every size, so that a page ends on each side of the NULL part and inside it.
    for size in 1..=want.len() as u32 + 1 {
        let mut got = Vec::new();
        let mut after: Option<Vec<Option<String>>> = None;
        loop {
            let page = m.page(&mut c, Kind::Session, Some(&customer), after.as_deref(), size).await.unwrap();
            assert!(page.rows.len() <= size as usize);
            got.extend(page.rows.iter().map(|r| r.id.clone()));
            match page.next {
                Some(n) => after = Some(n),
                None => break,
            }
        }
        assert_eq!(got, want, "pages of {size}");
        // And from the end up (G), each page in the list's order: the same rows.
        let mut up: Vec<String> = Vec::new();
        let mut before: Option<Vec<Option<String>>> = None;
        let under = ragdesk::db::mapped::Under::Row(customer.clone());
        loop {
            let page = m.page_before(&mut c, Kind::Session, &under, before.as_deref(), size, "").await.unwrap();
            assert!(page.rows.len() <= size as usize);
            up.splice(0..0, page.rows.iter().map(|r| r.id.clone()));
            match page.next {
                Some(n) => before = Some(n),
                None => break,
            }
        }
        assert_eq!(up, want, "pages of {size} from the end");
    }
}

#[tokio::test]
async fn nulls_in_an_order_column_page_last_and_a_null_vector_is_not_found() {
    let (t, m, filled) = mapped_database("domo").await;
    let mut c = t.conn().await;
    let session = filled.ids[&Kind::Session][0].clone();
    // Three of this conversation's messages lose their timestamp (the column allows it).
    c.execute(
        format!(
            "UPDATE public.conversation_messages SET \"timestamp\" = NULL WHERE id IN \
             (SELECT id FROM public.conversation_messages WHERE conversation_id = '{session}' ORDER BY id LIMIT 3)"
        )
        .as_str(),
    )
    .await
    .unwrap();
    let rows = page_all(&m, &mut c, Kind::Message, Some(&session)).await;
    assert_eq!(rows.len(), 7, "no row lost or repeated across the NULLs");
    // Read from the end (an ascending list, its NULL rows first when read up).
    let under = ragdesk::db::mapped::Under::Row(session.clone());
    let mut up: Vec<String> = Vec::new();
    let mut before: Option<Vec<Option<String>>> = None;
    loop {
        let page = m.page_before(&mut c, Kind::Message, &under, before.as_deref(), 2, "").await.unwrap();
        up.splice(0..0, page.rows.iter().map(|r| r.id.clone()));
        match page.next {
            Some(n) => before = Some(n),
            None => break,
        }
    }
    assert_eq!(up, rows.iter().map(|r| r.id.clone()).collect::<Vec<_>>(), "the same rows, from the end");
    // A derived list (the conversations, distinct ids of the messages) from its end too.
    let forward: Vec<String> = page_all(&m, &mut c, Kind::Session, None).await.into_iter().map(|r| r.id).collect();
    let all = ragdesk::db::mapped::Under::All;
    let mut up: Vec<String> = Vec::new();
    let mut before: Option<Vec<Option<String>>> = None;
    loop {
        let page = m.page_before(&mut c, Kind::Session, &all, before.as_deref(), 2, "").await.unwrap();
        up.splice(0..0, page.rows.iter().map(|r| r.id.clone()));
        match page.next {
            Some(n) => before = Some(n),
            None => break,
        }
    }
    assert!(forward.len() > 2 && up == forward, "{forward:?} {up:?}");
    let nulls: Vec<bool> = rows.iter().map(|r| r.key[0].is_none()).collect();
    assert_eq!(nulls, [false, false, false, false, true, true, true], "NULLs last, in id order");
    let mut ids: Vec<&String> = rows.iter().map(|r| &r.id).collect();
    ids.dedup();
    assert_eq!(ids.len(), 7);
    // A chunk without a vector: more-like-this says so instead of failing.
    let chunk = filled.ids[&Kind::Chunk][0].clone();
    c.execute(format!("UPDATE public.knowledge_chunks SET vector_embedding = NULL WHERE id = '{chunk}'").as_str())
        .await
        .unwrap();
    let e = more_like_this(&m, &mut c, &chunk, 5, true).await.unwrap_err();
    assert!(e.to_string().contains("has no vector"), "{e}");
}

/// A schema of a test's own: `orgs` (bigint ids) and what `ddl` adds, in
/// an empty database; with the text of a layout whose tenants are the orgs,
/// `top` its top-level keys and `entities` its other entities.
async fn with_orgs(ddl: &str, top: &str, entities: &str) -> (support::TestDb, String) {
    let t = support::empty().await;
    let orgs = "CREATE TABLE orgs (id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY, name text NOT NULL, \
                created_at timestamptz NOT NULL DEFAULT now());";
    t.conn().await.execute(format!("{orgs} {ddl}").as_str()).await.unwrap();
    let text = format!(
        "name = \"orgs\"\ndescription = \"a test's own schema\"\n{top}\
         [tenant]\ntable = \"public.orgs\"\nid = \"id\"\ntitle = \"name\"\ncreated_at = \"created_at\"\n\
         order = [\"created_at\", \"id\"]\n{entities}"
    );
    (t, text)
}

#[tokio::test]
async fn a_text_id_prefix_finds_every_id_it_starts_and_only_those() {
    use ragdesk::db::conversation::Conversations;
    let (t, text) = with_orgs(
        "CREATE TABLE threads (id text PRIMARY KEY, org_id bigint REFERENCES orgs(id), \
                               opened_at timestamptz NOT NULL DEFAULT now()); \
         INSERT INTO orgs (name) VALUES ('acme'); \
         INSERT INTO threads (id, org_id) SELECT v, 1 FROM unnest(ARRAY['thr_Ab1', 'thr_ab5', 'thr_Ab9', 'thrXAb2', 'thr_Ac0']) v",
        "",
        "[session]\ntable = \"public.threads\"\nid = \"id\"\nparent = \"org_id\"\nparent_entity = \"tenant\"\n\
         created_at = \"opened_at\"\norder = [\"opened_at\", \"id\"]\n",
    )
    .await;
    let mut c = t.conn().await;
    let layout = ragdesk::schema::parse(&text, "threads.toml").unwrap();
    let m = Mapped::for_database(&mut c, Some(layout)).await.unwrap().unwrap();
    // `_` is a character here, not LIKE's wildcard (thrXAb2 does not start with thr_Ab).
    assert_eq!(m.ids_with_prefix(&mut c, Kind::Session, "thr_Ab", 4).await.unwrap(), ["thr_Ab1", "thr_Ab9"]);
    let conversations = Conversations::new(std::sync::Arc::new(m));
    let e = conversations.resolve(&mut c, "thr_Ab").await.unwrap_err().to_string();
    assert!(e.contains("is ambiguous, type more of it: it starts 2 ids"), "{e}");
    assert_eq!(conversations.resolve(&mut c, "thr_ab").await.unwrap(), "thr_ab5");
    assert_eq!(conversations.resolve(&mut c, "thrX").await.unwrap(), "thrXAb2");
}

#[tokio::test]
async fn rows_with_number_ids_are_all_embedded_page_by_page() {
    let (t, text) = with_orgs(
        "CREATE EXTENSION IF NOT EXISTS vector; \
         CREATE TABLE notes (id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY, org_id bigint REFERENCES orgs(id), \
                             body text NOT NULL, embedding vector(3), position int NOT NULL); \
         INSERT INTO orgs (name) VALUES ('acme'); \
         INSERT INTO notes (org_id, body, position) SELECT 1, 'note ' || g, g FROM generate_series(1, 25) g",
        "",
        "[chunk]\ntable = \"public.notes\"\nid = \"id\"\nparent = \"org_id\"\nparent_entity = \"tenant\"\n\
         content = \"body\"\nembedding = \"embedding\"\norder = [\"position\", \"id\"]\n",
    )
    .await;
    let mut c = t.conn().await;
    let layout = ragdesk::schema::parse(&text, "notes.toml").unwrap();
    let m = Mapped::for_database(&mut c, Some(layout)).await.unwrap().unwrap();
    // Pages of 10 by id: 1..10, then after 10 (as a number: 11.., not "10" < "2" as text).
    let mut seen = 0;
    let n = m
        .embed_rows(&mut c, Kind::Chunk, 10, async |texts: Vec<String>| {
            seen += texts.len();
            Ok(texts.iter().map(|_| vec![0.1, 0.2, 0.3]).collect())
        })
        .await
        .unwrap();
    let (missing,): (i64,) =
        sqlx::query_as("SELECT count(*) FROM notes WHERE embedding IS NULL").fetch_one(&mut c).await.unwrap();
    assert_eq!((n, seen, missing), (25, 25, 0));
}

#[tokio::test]
async fn rate_limits_keyed_by_numbers_are_listed_in_number_order() {
    let (t, text) = with_orgs(
        "CREATE TABLE quotas (org_id bigint PRIMARY KEY REFERENCES orgs(id), quota int); \
         INSERT INTO orgs (name) SELECT 'org ' || g FROM generate_series(1, 12) g; \
         INSERT INTO quotas SELECT id, id * 10 FROM orgs",
        "writes = [\"rate_limit\"]\n",
        "[rate_limit]\ntable = \"public.quotas\"\nkey = \"org_id\"\nvalue = \"quota\"\nkey_entity = \"tenant\"\n",
    )
    .await;
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("quotas.toml");
    std::fs::write(&file, text).unwrap();
    let layout = file.to_str().unwrap();
    let (ok, out) = ragdesk(&t.url, &["--layout", layout, "limits", "list", "--json"]);
    assert!(ok, "{out}");
    let rows: Vec<serde_json::Value> = serde_json::from_str(&out).unwrap();
    let keys: Vec<&str> = rows.iter().map(|r| r["key"].as_str().unwrap()).collect();
    let want: Vec<String> = (1..=12).map(|n| n.to_string()).collect();
    assert_eq!(keys, want, "1, 2 … 12, not 1, 10, 11, 12, 2");
    // Each key reads as the org it is the id of (`key_entity`), in the list too.
    let names: Vec<&str> = rows.iter().map(|r| r["name"].as_str().unwrap()).collect();
    let want: Vec<String> = (1..=12).map(|n| format!("org {n}")).collect();
    assert_eq!(names, want);
    let (ok, out) = ragdesk(&t.url, &["--layout", layout, "limits", "list"]);
    assert!(ok && out.lines().any(|l| l.starts_with("12 ") && l.contains("120  org 12")), "{out}");
    // Words find a key by the name of the row it is the id of, too.
    let mut c = t.conn().await;
    let m = Mapped::for_database(&mut c, Some(ragdesk::schema::load(layout).unwrap())).await.unwrap().unwrap();
    let limits = ragdesk::db::rate_limits::RateLimits::for_layout(std::sync::Arc::new(m));
    let view = limits.view(&mut c, None, None, "org 1", &ragdesk::db::rate_limits::KeysFrom::Top, 100).await.unwrap();
    let keys: Vec<&str> = view.rows.iter().map(|r| r.key.as_str()).collect();
    assert_eq!(keys, ["1", "10", "11", "12"], "by their orgs' names, in number order");
    // A key of another type than the id it names is refused at connect
    // (every read of the list would fail on it), and so is a vector shown
    // in a list.
    c.execute(
        "ALTER TABLE quotas DROP CONSTRAINT quotas_org_id_fkey; ALTER TABLE quotas ALTER org_id TYPE text; \
         CREATE EXTENSION IF NOT EXISTS vector; ALTER TABLE orgs ADD COLUMN emb vector(3)",
    )
    .await
    .unwrap();
    let catalog = ragdesk::db::catalog::read(&mut c).await.unwrap();
    let layout = ragdesk::schema::load(layout).unwrap();
    let e = Mapped::new(layout.clone(), catalog.clone()).err().unwrap().to_string();
    assert!(e.contains("the key org_id is text, the id public.orgs.id is int8; they must be of one type"), "{e}");
    let mut shows_a_vector = layout;
    shows_a_vector.rate_limit.as_mut().unwrap().key_entity = None;
    shows_a_vector.tenant.as_mut().unwrap().shown = vec!["emb".into()];
    let e = Mapped::new(shows_a_vector, catalog).err().unwrap().to_string();
    assert!(e.contains("[tenant] columns names public.orgs.emb, a vector: nothing a list can show"), "{e}");
}

#[tokio::test]
async fn a_role_that_may_not_create_schemas_writes_once_the_audit_exists() {
    let t = support::empty().await;
    let (ok, out) = ragdesk(&t.url, &["--layout", "omni", "seed", "--scale", "tiny"]);
    assert!(ok, "{out}");
    let (_, out) = ragdesk(&t.url, &["limits", "list", "--json"]);
    let rows: Vec<serde_json::Value> = serde_json::from_str(&out).unwrap();
    let key = rows[0]["key"].as_str().unwrap().to_string();
    // The first write (an administrator's) makes ragdesk_audit.
    let (ok, out) = ragdesk(&t.url, &["limits", "set", &key, "20", "--reason", "admin"]);
    assert!(ok, "{out}");
    // A role with what a limit write needs, and no right to create anything.
    let db = t.url.rsplit('/').next().unwrap().to_string();
    let role = format!("w_{}", db.trim_start_matches("ragdesk_t_"));
    let mut c = t.conn().await;
    c.execute(
        format!(
            "CREATE ROLE {role} LOGIN; GRANT CONNECT ON DATABASE {db} TO {role}; \
             GRANT USAGE ON SCHEMA public, ragdesk_audit TO {role}; \
             GRANT SELECT ON ALL TABLES IN SCHEMA public TO {role}; \
             GRANT UPDATE ON public.customer_configs TO {role}; \
             GRANT SELECT, INSERT ON ragdesk_audit.audit_log TO {role}"
        )
        .as_str(),
    )
    .await
    .unwrap();
    let as_role = t.url.replacen("postgres@", &format!("{role}@"), 1);
    let (ok, out) = ragdesk(&as_role, &["limits", "set", &key, "30", "--reason", "least privilege"]);
    let reasons: Vec<Option<String>> =
        sqlx::query_scalar("SELECT reason FROM ragdesk_audit.audit_log ORDER BY id").fetch_all(&mut c).await.unwrap();
    c.execute(format!("DROP OWNED BY {role}; DROP ROLE {role}").as_str()).await.unwrap();
    assert!(ok, "{out}");
    assert_eq!(reasons, [Some("admin".to_string()), Some("least privilege".to_string())]);
}

/// 004 keeps one rate limit per customer's domain: thousands. They page by
/// key (keyset: the key is unique), every key once, in order; a key opened
/// from elsewhere is on the first page wherever it sorts; words find keys.
#[tokio::test]
async fn a_platforms_many_limits_page_by_key_and_are_found_by_words() {
    use ragdesk::db::rate_limits::{KeysFrom, RateLimits};
    let (t, m, _) = mapped_database("omni").await;
    let mut c = t.conn().await;
    sqlx::query(
        "INSERT INTO public.customer_configs (customer_id, domain, rate_limit) \
         SELECT (SELECT id FROM public.customers ORDER BY id LIMIT 1), 'shop-' || lpad(g::text, 5, '0') || '.example', g \
         FROM generate_series(1, 1200) g",
    )
    .execute(&mut c)
    .await
    .unwrap();
    let (total,): (i64,) =
        sqlx::query_as("SELECT count(*) FROM public.customer_configs").fetch_one(&mut c).await.unwrap();
    let limits = RateLimits::for_layout(std::sync::Arc::new(m));
    let mut keys: Vec<String> = Vec::new();
    let mut from = KeysFrom::Top;
    let mut pages = 0;
    loop {
        let view = limits.view(&mut c, None, None, "", &from, 100).await.unwrap();
        assert!(view.rows.len() <= 100);
        keys.extend(view.rows.iter().map(|r| r.key.clone()));
        pages += 1;
        match view.next {
            Some(next) => {
                assert_eq!(Some(&next), keys.last(), "the next page starts after the last key read");
                from = KeysFrom::After(next);
            }
            None => break,
        }
    }
    assert_eq!((keys.len() as i64, pages), (total, (total + 99) / 100), "every key once, a page of 100 at a time");
    assert!(keys.windows(2).all(|w| w[0] < w[1]), "by key, none twice");
    // From the end (`G`) and upwards, a page at a time: the same keys.
    let mut up: Vec<String> = Vec::new();
    let mut from = KeysFrom::End;
    loop {
        let view = limits.view(&mut c, None, None, "", &from, 100).await.unwrap();
        assert!(view.rows.windows(2).all(|w| w[0].key < w[1].key), "each page in key order");
        up.splice(0..0, view.rows.iter().map(|r| r.key.clone()));
        match view.next {
            Some(next) => {
                assert_eq!(Some(&next), up.first(), "the page above ends before the first key read");
                from = KeysFrom::Before(next);
            }
            None => break,
        }
    }
    assert_eq!(up, keys, "read from the end, every key once, in order");
    // Counted: capped or exact, by the same words.
    use ragdesk::db::RowCount;
    assert_eq!(limits.count(&mut c, "shop-011", false).await.unwrap(), RowCount::Exact(100));
    assert_eq!(limits.count(&mut c, "", true).await.unwrap(), RowCount::Exact(total));
    assert_eq!(limits.count(&mut c, "nothing-like-this", true).await.unwrap(), RowCount::Exact(0));
    // From a key (read again after a save): it and those after it.
    let view = limits.view(&mut c, None, None, "", &KeysFrom::At("shop-00500.example".into()), 3).await.unwrap();
    let at: Vec<&str> = view.rows.iter().map(|r| r.key.as_str()).collect();
    assert_eq!(at, ["shop-00500.example", "shop-00501.example", "shop-00502.example"]);
    assert_eq!(view.next.as_deref(), Some("shop-00502.example"));
    // Words from the end too: the last keys holding them.
    let view = limits.view(&mut c, None, None, "shop-011", &KeysFrom::End, 5).await.unwrap();
    let last: Vec<&str> = view.rows.iter().map(|r| r.key.as_str()).collect();
    assert_eq!(last, (1195..1200).map(|i| format!("shop-0{i}.example")).collect::<Vec<_>>());
    assert_eq!(view.next.as_deref(), Some("shop-01195.example"));
    // A key past the first page, asked for: on it, its own value.
    let far = "shop-01150.example";
    let first = limits.view(&mut c, None, None, "", &KeysFrom::Top, 100).await.unwrap();
    assert!(!first.rows.iter().any(|r| r.key == far));
    let view = limits.view(&mut c, None, Some(far), "", &KeysFrom::Top, 100).await.unwrap();
    let row = view.rows.iter().find(|r| r.key == far).expect("the key asked for");
    assert_eq!(row.default_value, 1150);
    assert_eq!(view.next, first.next, "the next page is where it was");
    // Words: the keys holding them, every one (a key asked for that they
    // do not hold is not shown as if found).
    let view = limits.view(&mut c, None, Some("shop-00001.example"), "shop-0115", &KeysFrom::Top, 100).await.unwrap();
    let found: Vec<&str> = view.rows.iter().map(|r| r.key.as_str()).collect();
    assert_eq!(found.len(), 10, "{found:?}");
    assert!(view.next.is_none() && found.iter().all(|k| k.starts_with("shop-0115")), "{found:?}");
    // A key:value is a word here (keys may hold colons): no such key.
    assert!(limits.view(&mut c, None, None, "domain:x", &KeysFrom::Top, 100).await.unwrap().rows.is_empty());
    // The command line pages the same way: a page, and where the next starts.
    let list = |extra: &[&str]| {
        let o = Command::new(env!("CARGO_BIN_EXE_ragdesk"))
            .args(["--database-url", &t.url, "--layout", "omni", "limits", "list", "--json", "--limit", "1000"])
            .args(extra)
            .env("XDG_CONFIG_HOME", "/nonexistent-ragdesk-test")
            .output()
            .unwrap();
        assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
        let rows: Vec<serde_json::Value> = serde_json::from_slice(&o.stdout).unwrap();
        (
            rows.iter().map(|r| r["key"].as_str().unwrap().to_string()).collect::<Vec<_>>(),
            String::from_utf8_lossy(&o.stderr).to_string(),
        )
    };
    let (first, said) = list(&[]);
    assert_eq!(first.len(), 1000);
    assert!(said.contains(&format!("`limits list --after {}`", first[999])), "{said}");
    let (rest, said) = list(&["--after", &first[999]]);
    assert!(said.is_empty(), "the last page: {said}");
    assert_eq!([first, rest].concat(), keys, "every key once, in order");
}

#[tokio::test]
async fn a_declared_limit_write_on_a_foreign_layout_is_validated_conflict_checked_and_audited() {
    let t = support::empty().await;
    let (ok, out) = ragdesk(&t.url, &["--layout", "omni", "seed", "--scale", "tiny"]);
    assert!(ok, "{out}");
    let (ok, out) = ragdesk(&t.url, &["--layout", "omni", "limits", "list", "--json"]);
    assert!(ok, "{out}");
    let rows: Vec<serde_json::Value> = serde_json::from_str(&out).unwrap();
    let key = rows[0]["key"].as_str().unwrap().to_string();
    let old = rows[0]["value"].as_i64().unwrap();
    let (ok, out) = ragdesk(&t.url, &["--layout", "omni", "limits", "set", &key, "-4"]);
    assert!(!ok && out.contains("must not be negative"), "{out}");
    let (ok, out) =
        ragdesk(&t.url, &["--layout", "omni", "limits", "set", &key, "25", "--expect", &(old + 1).to_string()]);
    assert!(!ok && out.contains("conflict"), "{out}");
    let mut c = t.conn().await;
    sqlx::query("UPDATE public.customer_configs SET updated_at = '2020-01-01' WHERE domain = $1")
        .bind(&key)
        .execute(&mut c)
        .await
        .unwrap();
    // Without --layout the CLI detects the layout, as the console does.
    let (ok, out) = ragdesk(&t.url, &["limits", "set", &key, "25", "--reason", "pilot"]);
    assert!(ok && out.contains(&format!("{key}: {old} → 25")), "{out}");
    let (value, touched): (i32, bool) = sqlx::query_as(
        "SELECT rate_limit, updated_at > now() - interval '1 hour' FROM public.customer_configs WHERE domain = $1",
    )
    .bind(&key)
    .fetch_one(&mut c)
    .await
    .unwrap();
    assert_eq!(value, 25);
    assert!(touched, "the layout's updated_at is set by the write");
    let audit: Vec<(String, serde_json::Value, serde_json::Value, Option<String>)> =
        sqlx::query_as("SELECT entity_key, old_value, new_value, reason FROM ragdesk_audit.audit_log")
            .fetch_all(&mut c)
            .await
            .unwrap();
    assert_eq!(audit, [(key.clone(), serde_json::json!(old), serde_json::json!(25), Some("pilot".to_string()))]);
    // The CLI reads that audit back, and the limit's history is it.
    let (ok, out) = ragdesk(&t.url, &["audit", "--json"]);
    assert!(ok, "{out}");
    let read: Vec<serde_json::Value> = serde_json::from_str(&out).unwrap();
    assert_eq!(
        (read.len(), read[0]["entity_key"].as_str(), read[0]["layout"].as_str()),
        (1, Some(key.as_str()), Some("omni"))
    );
    let (ok, out) = ragdesk(&t.url, &["limits", "history", &key]);
    assert!(ok && out.contains(&key.to_string()) && out.contains("→ 25") && out.contains("reason: pilot"), "{out}");
    assert!(out.contains("layout omni"), "the layout it went through: {out}");
    // The Audit tab's reader: the same filters and keyset pages as ours.
    let (ok, out) = ragdesk(&t.url, &["limits", "set", &key, "26", "--reason", "second"]);
    assert!(ok, "{out}");
    let trail = ragdesk::db::audit::AuditTrail::Foreign;
    let t = &t;
    let read = |f: &str, before| {
        let filter = ragdesk::db::Filter::parse(f);
        async move { trail.page(&mut t.conn().await, &filter, before, 1).await }
    };
    let newest = read("entity:limit", None).await.unwrap();
    assert_eq!(newest.iter().map(|r| r.reason.as_deref()).collect::<Vec<_>>(), [Some("second")]);
    let older = read("entity:limit", Some(newest[0].cursor())).await.unwrap();
    assert_eq!(older.iter().map(|r| r.reason.as_deref()).collect::<Vec<_>>(), [Some("pilot")]);
    assert!(read("entity:limit", Some(older[0].cursor())).await.unwrap().is_empty(), "two writes, two pages");
    assert_eq!(read("pilot", None).await.unwrap()[0].id, older[0].id, "a word matches the reason");
    assert_eq!(read("omni", None).await.unwrap()[0].id, newest[0].id, "a word matches the layout shown");
    assert!(read("domo", None).await.unwrap().is_empty());
    assert!(read("entity:chunk", None).await.unwrap().is_empty());
    assert!(read(&format!("key:{key} action:unset"), None).await.unwrap().is_empty());
    let err = read("entity:tenant_rate_limit", None).await.unwrap_err().to_string();
    assert!(err.contains("one of rate_limit, chunk"), "{err}");
    let err = read("tenant:x", None).await.unwrap_err().to_string();
    assert!(err.contains("tenant: is for ragdesk's own schema"), "{err}");
    let err = read("customer:x", None).await.unwrap_err().to_string();
    assert!(err.contains("unknown filter 'customer:'"), "{err}");
    // A key that is not there is said plainly; --tenant has no meaning here.
    let (ok, out) = ragdesk(&t.url, &["limits", "set", "no-such.example", "5"]);
    assert!(!ok && out.contains("not found: a rate limit keyed 'no-such.example'"), "{out}");
    let (ok, out) = ragdesk(&t.url, &["limits", "list", "--tenant", "x"]);
    assert!(!ok && out.contains("--tenant is for ragdesk's own schema"), "{out}");
    // A layout that declares no such write refuses it (001 maps no limits at all).
    let d = support::empty().await;
    let (ok, out) = ragdesk(&d.url, &["--layout", "domo", "seed", "--scale", "tiny"]);
    assert!(ok, "{out}");
    let (ok, out) = ragdesk(&d.url, &["--layout", "domo", "limits", "set", "x", "5"]);
    assert!(!ok && out.contains("has no rate_limit"), "{out}");
    // The same schema through a layout that does not declare the write: refused, value kept.
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("omni-read-only.toml");
    let text = std::fs::read_to_string("src/schema/layouts/omni.toml")
        .unwrap()
        .replace("writes = [\"rate_limit\"]", "writes = []");
    assert!(text.contains("writes = []"));
    std::fs::write(&file, text).unwrap();
    let (ok, out) = ragdesk(&t.url, &["--layout", file.to_str().unwrap(), "limits", "set", &key, "40"]);
    assert!(!ok && out.contains("does not declare its rate limits writable"), "{out}");
    let (value,): (i32,) = sqlx::query_as("SELECT rate_limit FROM public.customer_configs WHERE domain = $1")
        .bind(&key)
        .fetch_one(&mut c)
        .await
        .unwrap();
    assert_eq!(value, 26, "the old value stays");
    // And read-only is refused before anything is read.
    let (ok, out) = ragdesk(&t.url, &["--read-only", "--layout", "omni", "limits", "set", &key, "30"]);
    assert!(!ok && out.contains("read-only"), "{out}");
}

#[tokio::test(flavor = "multi_thread")]
async fn a_text_query_through_an_openai_compatible_server_equals_a_brute_force_top_k() {
    use ragdesk::db::mapped::{Probe, VectorMode};
    use ragdesk::embed::openai::{OpenAiProvider, OpenAiSettings};
    // The platforms' columns are 1536-d: the server pads the local model's
    // vectors to that, as a platform's own model would fill them.
    let (base, seen) = support::local_model_server(1536).await;
    let mut settings = OpenAiSettings::new(&base, "text-embedding-3-small", 1536);
    settings.api_key = Some("sk-test".into());
    let writer: ragdesk::embed::Provider = std::sync::Arc::new(OpenAiProvider::new(settings).unwrap());
    let embedder = ragdesk::config::Config::default().embedding.embedder(&ragdesk::config::Paths::discover());
    let mut configured_embedder = embedder.clone();
    configured_embedder.openai.base_url = base.clone();
    configured_embedder.openai.api_key = Some("sk-test".into());
    let configured = ragdesk::spec::LayoutModel {
        provider: "openai".into(),
        model: "text-embedding-3-small".into(),
        embedder: configured_embedder,
        configured_at: "[layout_models.test]".into(),
    };
    for name in ["domo", "workspaces", "limitless", "omni"] {
        let (t, m, filled) = mapped_database(name).await;
        let mut c = t.conn().await;
        // Before anyone says which model wrote the vectors, a text query is
        // refused with what to configure.
        let refused = ragdesk::search::layout::query_model(&mut c, &m, Kind::Chunk, None, &embedder).await.unwrap_err();
        assert!(refused.contains(&format!("[layout_models.{name}]")), "{name}: {refused}");
        ragdesk::seed::layout::embed_vectors(&mut c, &m, &writer).await.unwrap();
        let model =
            ragdesk::search::layout::query_model(&mut c, &m, Kind::Chunk, Some(&configured), &embedder).await.unwrap();
        assert_eq!(model.spec.dim, 1536, "{name}: the column's dimension");
        if name == "domo" {
            // A configured model that is not the one recorded as writing them: refused, both named.
            let other = ragdesk::spec::LayoutModel { model: "text-embedding-3-large".into(), ..configured.clone() };
            let refused = ragdesk::search::layout::query_model(&mut c, &m, Kind::Chunk, Some(&other), &embedder)
                .await
                .unwrap_err();
            assert!(
                refused.contains("\"text-embedding-3-large\"") && refused.contains("openai:text-embedding-3-small"),
                "{refused}"
            );
            // With none configured, the recorded one is used, unless the
            // column's vectors have changed width since it was recorded.
            let recorded =
                ragdesk::search::layout::query_model(&mut c, &m, Kind::Chunk, None, &embedder).await.unwrap();
            assert_eq!(recorded.spec.model, "text-embedding-3-small");
            sqlx::query("UPDATE ragdesk_meta.vector_models SET dimension = 768").execute(&mut c).await.unwrap();
            let refused =
                ragdesk::search::layout::query_model(&mut c, &m, Kind::Chunk, None, &embedder).await.unwrap_err();
            assert!(refused.contains("wrote 768-d vectors, but the column now holds 1536-d ones"), "{refused}");
            sqlx::query("UPDATE ragdesk_meta.vector_models SET dimension = 1536").execute(&mut c).await.unwrap();
        }
        let provider = ragdesk::embed::provider_for(&model.spec, &model.embedder).unwrap();
        // Search under the parent of a chunk about answering (its demo,
        // or its document: then its whole knowledge base).
        let all = m.all_vectors(&mut c, Kind::Chunk, 10_000).await.unwrap();
        let texts: std::collections::HashMap<String, String> = {
            let rows = page_all(&m, &mut c, Kind::Chunk, None).await;
            rows.into_iter().map(|r| (r.id, r.content.unwrap_or_default())).collect()
        };
        // A chunk that answers a question; the question is the query.
        let (question, answering) = all
            .iter()
            .find_map(|(id, _)| {
                let t = texts.get(id)?;
                let (q, _) = ragdesk::seed::content::INDUSTRIES
                    .iter()
                    .flat_map(|i| i.topics.iter())
                    .find(|(q, _)| t.starts_with(q))?;
                Some((q.to_string(), id.clone()))
            })
            .expect("sample text");
        let answering = &answering;
        let (query, _) = ragdesk::search::embed_text(&provider, &model.spec, &question).await.unwrap();
        let parent_of = |kind: Kind, id: &str| {
            filled
                .children
                .iter()
                .find(|((k, _), ids)| *k == kind && ids.iter().any(|x| x == id))
                .map(|((_, p), _)| p.clone())
                .unwrap()
        };
        let pk = m.layout.parent_of(Kind::Chunk).unwrap();
        let within = parent_of(Kind::Chunk, answering);
        let parents = match pk {
            Kind::Document => filled.children[&(pk, parent_of(pk, &within))].clone(),
            _ => vec![within.clone()],
        };
        let scope: Vec<String> = parents
            .iter()
            .flat_map(|p| filled.children.get(&(Kind::Chunk, p.clone())).cloned().unwrap_or_default())
            .collect();
        let cosine = |a: &[f32], b: &[f32]| 1.0 - ragdesk::embed::cosine(a, b) as f64;
        let mut brute: Vec<(String, f64)> =
            all.iter().filter(|(id, _)| scope.contains(id)).map(|(id, v)| (id.clone(), cosine(&query, v))).collect();
        brute.sort_by(|a, b| a.1.total_cmp(&b.1));
        brute.truncate(5);
        // As the Search tab runs it: the question's vector under the row.
        let search = |mode| {
            let req = layout_request(&m, ragdesk::search::Query::Text(question.clone()), Some(&within), 5, mode);
            (req, Some((query.clone(), 0.0)))
        };
        let (req, embedded) = search(ragdesk::db::search::Mode::Exact);
        let o = ragdesk::search::run_with_vector(&mut c, &m, &req, embedded, std::time::Instant::now()).await.unwrap();
        let exact: Vec<ragdesk::db::mapped::Nearest> = o
            .rows
            .into_iter()
            .map(|r| ragdesk::db::mapped::Nearest {
                id: r.chunk_id,
                distance: r.distance,
                similarity: r.similarity,
                text: Some(r.content),
                parent_title: (!r.filename.is_empty()).then_some(r.filename),
                parent: None,
                position: None,
                cells: Vec::new(),
            })
            .collect();
        // The same distances in the same order, each row's its own (rows of
        // equal text tie, in either order).
        assert_eq!(exact.len(), brute.len(), "{name}");
        let truth: std::collections::HashMap<&String, f64> =
            all.iter().map(|(id, v)| (id, cosine(&query, v))).collect();
        for (e, b) in exact.iter().zip(&brute) {
            assert!((e.distance - b.1).abs() < 1e-4, "{name}: {e:?} vs {b:?}");
            assert!((e.distance - truth[&e.id]).abs() < 1e-4 && scope.contains(&e.id), "{name}: {e:?}");
        }
        assert!(exact[0].text.as_deref().unwrap_or("").starts_with(&question), "{name}: {:?}", exact[0]);
        // Asked of the documents' parent itself (a domain, a project, an
        // owner: `s` on it), the same rows: the same scope, named differently.
        if pk == Kind::Document
            && let Some(grand) = m.layout.parent_of(pk)
        {
            let whole = ragdesk::search::Scope::Layout(ragdesk::search::LayoutScope::under_documents_of(
                &m.layout,
                Kind::Chunk,
                (parent_of(pk, &within), "the parent".into()),
                req.scope.index().map(str::to_string),
                m.metric(Kind::Chunk).unwrap(),
            ));
            let req = ragdesk::search::Request { scope: whole, ..req.clone() };
            let o = ragdesk::search::run_with_vector(
                &mut c,
                &m,
                &req,
                Some((query.clone(), 0.0)),
                std::time::Instant::now(),
            )
            .await
            .unwrap();
            // (Rows of equal text tie, in either order: the distances in order, the rows as a set.)
            let distances: Vec<i64> = o.rows.iter().map(|r| (r.distance * 1e4).round() as i64).collect();
            let want: Vec<i64> = exact.iter().map(|n| (n.distance * 1e4).round() as i64).collect();
            let mut ids: Vec<&str> = o.rows.iter().map(|r| r.chunk_id.as_str()).collect();
            let mut want_ids: Vec<&str> = exact.iter().map(|n| n.id.as_str()).collect();
            ids.sort();
            want_ids.sort();
            assert_eq!((distances, ids), (want, want_ids), "{name}: under its {grand}");
        }
        // Each row says where it comes from: its document's title, as the
        // layout names it (a page's URL, a file's name); 001's chunks belong
        // to the demo searched, the same for all: nothing to say.
        for n in &exact {
            let parent = m.row(&mut c, pk, &parent_of(Kind::Chunk, &n.id)).await.unwrap().unwrap();
            match pk {
                Kind::Document => {
                    assert!(parent.title.is_some() && n.parent_title == parent.title, "{name}: {n:?} vs {parent:?}")
                }
                _ => assert_eq!(n.parent_title, None, "{name}"),
            }
        }
        // Through the index, wide open (every list probed, a wide HNSW
        // beam): the same top 5.
        let (req, embedded) = search(ragdesk::db::search::Mode::Approximate {
            ef_search: Some(400),
            probes: Some(1000),
            iterative_scan: true,
        });
        let ann =
            ragdesk::search::run_with_vector(&mut c, &m, &req, embedded, std::time::Instant::now()).await.unwrap();
        let ann: Vec<i64> = ann.rows.iter().map(|r| (r.distance * 1e4).round() as i64).collect();
        assert_eq!(ann, exact.iter().map(|n| (n.distance * 1e4).round() as i64).collect::<Vec<_>>(), "{name}");
        // A model of another dimension is refused before any query.
        let mut narrow = model.clone();
        narrow.spec.dim = 384;
        let e = ragdesk::search::embed_text(&provider, &narrow.spec, &question).await.unwrap_err().to_string();
        assert!(e.contains("refusing") || e.contains("1536"), "{name}: {e}");
        let e = m
            .nearest(
                &mut c,
                Kind::Chunk,
                Probe::Vector { vector: &query[..384], within: &within },
                5,
                VectorMode::EXACT,
            )
            .await
            .unwrap_err();
        assert!(e.to_string().contains("384 dimensions"), "{name}: {e}");
    }
    assert!(seen.lock().unwrap().iter().all(|s| s.path == "/v1/embeddings"));
}

#[tokio::test]
async fn a_conversation_of_each_layout_exports_to_json_and_back_exactly() {
    use ragdesk::export::{Format, TranscriptExport};
    for name in ["domo", "workspaces", "limitless", "omni"] {
        let (t, m, filled) = mapped_database(name).await;
        let mut c = t.conn().await;
        let session = filled.ids[&Kind::Session][0].clone();
        // A message with a terminal escape, a bell, CJK and an emoji.
        let e = m.layout.entity(Kind::Message).unwrap();
        let first = page_all(&m, &mut c, Kind::Message, Some(&session)).await[0].id.clone();
        let hostile = "\u{1b}]2;owned\u{7}\u{1b}[2J 你好 🎉\nsecond line";
        let table = ragdesk::schema::Table::parse(e.table.as_deref().unwrap()).quoted();
        if e.json_array.is_some() {
            // 003: the first message of the conversation's checkpoints.
            sqlx::query(&format!(
                "UPDATE {table} SET checkpoint = jsonb_set(checkpoint, '{{channel_values,messages,0,kwargs,content}}', to_jsonb($1::text)) \
                 WHERE thread_id = $2"
            ))
            .bind(hostile)
            .bind(&session)
            .execute(&mut c)
            .await
            .unwrap();
        } else {
            let id_udt = m
                .catalog()
                .column(&ragdesk::schema::Table::parse(e.table.as_deref().unwrap()), e.id.as_deref().unwrap())
                .unwrap()
                .udt
                .clone();
            sqlx::query(&format!(
                "UPDATE {table} SET \"{}\" = $1 WHERE \"{}\" = $2::{id_udt}",
                e.content.as_deref().unwrap(),
                e.id.as_deref().unwrap()
            ))
            .bind(hostile)
            .bind(&first)
            .execute(&mut c)
            .await
            .unwrap();
        }
        let m = std::sync::Arc::new(m);
        let reader = ragdesk::db::conversation::Conversations::new(m.clone());
        let read = ragdesk::export::read_transcript(&mut c, &reader, &session).await.unwrap();
        assert_eq!(read.messages.len(), filled.children[&(Kind::Message, session.clone())].len(), "{name}");
        assert_eq!(read.session.id, session, "{name}");
        let json = ragdesk::export::render(Format::Json, &read);
        assert!(!json.contains('\u{1b}') && !json.contains('\u{7}'), "{name}: no raw control character");
        let back: TranscriptExport = serde_json::from_str(&json).unwrap();
        assert_eq!(back, read, "{name}: every field of every message, exactly");
        // Beside our heading, the conversation's own row as the platform
        // keeps it (001's conversations have none: they are derived).
        let session_entity = m.layout.entity(Kind::Session).unwrap();
        match session_entity.id.as_deref() {
            Some(idc) if session_entity.derived_from.is_none() => {
                assert_eq!(read.row.get(idc).and_then(|v| v.as_str()), Some(session.as_str()), "{name}: {:?}", read.row)
            }
            _ => assert!(read.row.is_empty(), "{name}: {:?}", read.row),
        }
        // Its state as its list says it: where that is read from its end,
        // open or ended by that end.
        if session_entity.state_from_end().is_some() {
            let state = if read.session.ended_at.is_some() { "ended" } else { "open" };
            assert_eq!(read.session.status.as_deref(), Some(state), "{name}");
        }
        // The heading names the tenant it is under, in the platform's word
        // for one ("Customer: Pixel & Pine").
        let tenant_label = m.layout.one(Kind::Tenant);
        assert_ne!(tenant_label, m.layout.label(Kind::Tenant), "{name}: one, not the list's word");
        if name != "domo" {
            assert_eq!(read.session.tenant.as_ref().map(|t| &t.label), Some(&tenant_label), "{name}");
            let md = ragdesk::export::render(Format::Md, &read);
            assert!(md.contains(&format!("- {tenant_label}: ")), "{name}: {md}");
            // The conversation itself named in the platform's word for one.
            let one = m.layout.one(Kind::Session);
            assert!(md.contains(&format!("- {one}: `{session}`")), "{name}: {md}");
            // In JSON, named by key: what one is called and its name.
            let value: serde_json::Value = serde_json::from_str(&json).unwrap();
            let tenant = &value["session"]["tenant"];
            assert!(tenant["label"] == tenant_label.as_str() && tenant["name"].is_string(), "{name}: {tenant}");
        }
        if name == "limitless" {
            // LangChain's types read as ours; the platform's word is kept.
            assert_eq!((read.messages[0].role.as_str(), read.messages[1].role.as_str()), ("user", "assistant"));
            assert_eq!(read.messages[0].metadata, Some(serde_json::json!({ "role": "human" })));
        }
        assert_eq!(back.messages[0].content, "\u{1b}]2;owned\u{7}\u{1b}[2J 你好 🎉\nsecond line");
        let md = ragdesk::export::render(Format::Md, &read);
        assert!(!md.contains('\u{1b}') && md.contains("␛]2;owned␇␛[2J"), "{name}: {md}");
        // A conversation that does not exist is an error, not an empty file.
        let missing = ragdesk::export::read_transcript(&mut c, &reader, "no-such-conversation").await;
        assert!(missing.is_err(), "{name}");
        if name == "omni" {
            // The CLI writes the same document.
            let dir = tempfile::tempdir().unwrap();
            let file = dir.path().join("t.json");
            let (ok, out) = ragdesk(
                &t.url,
                &["--layout", name, "export", "session", &session, "--format", "json", "-o", file.to_str().unwrap()],
            );
            assert!(ok, "{out}");
            let from_cli: TranscriptExport = serde_json::from_str(&std::fs::read_to_string(&file).unwrap()).unwrap();
            assert_eq!(from_cli, read);
        }
    }
}

#[tokio::test]
async fn a_foreign_limit_is_edited_in_the_console_with_a_confirmation_and_audited() {
    let t = support::empty().await;
    let (ok, out) = ragdesk(&t.url, &["--layout", "omni", "seed", "--scale", "tiny"]);
    assert!(ok, "{out}");
    let mut c = t.conn().await;
    let (key, old): (String, i32) =
        sqlx::query_as("SELECT domain, rate_limit FROM public.customer_configs ORDER BY domain LIMIT 1")
            .fetch_one(&mut c)
            .await
            .unwrap();
    let home = tempfile::tempdir().unwrap();
    let tmux = support::console_in_tmux("browse-limit", &t.url, home.path());
    tmux.wait_for("the customers", |s| s.contains("┌ Customers"));
    // o cycles the top lists to the rate limits: the first key, its value.
    for _ in 0..6 {
        tmux.keys(&["o"]);
        if tmux.wait_for("the next list", |s| s.contains("┌ ")).contains("┌ Rate limits") {
            break;
        }
    }
    let screen = tmux.wait_for("the limits", |s| s.contains("┌ Rate limits") && s.contains(&key));
    let line = screen.lines().find(|l| l.contains(&key)).unwrap_or_default().to_string();
    assert!(line.contains(&old.to_string()), "the key with its value: {screen}");
    // Enter: the Limits tab, as ours are read and edited, on that key.
    tmux.keys(&["Enter"]);
    tmux.wait_for("the Limits tab", |s| s.contains("┌ Rate limits · omni") && s.contains("Description"));
    tmux.keys(&["Enter"]);
    tmux.wait_for("the editor", |s| s.contains(&format!("{key} · omni · now {old}")));
    // A bad value is refused in the editor, and nothing is asked or written.
    tmux.keys(&["-l", "lots"]);
    tmux.keys(&["Enter"]);
    tmux.wait_for("the refusal", |s| s.contains("'lots' is not a whole number"));
    tmux.keys(&["BSpace", "BSpace", "BSpace", "BSpace"]);
    tmux.keys(&["-l", "77"]);
    tmux.keys(&["Tab"]);
    tmux.keys(&["-l", "launch week"]);
    tmux.keys(&["Enter"]);
    tmux.wait_for("the confirmation", |s| s.contains(&format!("{old} → 77")) && s.contains("(y/n)"));
    tmux.keys(&["y"]);
    let screen = tmux.wait_for("the saved value", |s| s.contains(&format!("saved {old} → 77")));
    assert!(!screen.contains("could not"), "{screen}");
    tmux.wait_for("the list reloaded", |s| s.lines().any(|l| l.contains(&key) && l.contains("77")));
    // a: that key's history, in the Audit tab the write made.
    tmux.keys(&["a"]);
    tmux.wait_for("the audit of the key", |s| {
        s.contains("Audit · entity:limit key:") && s.contains("reason: launch week") && s.contains("layout omni")
    });
    tmux.keys(&["q"]);
    support::assert_terminal_restored(&tmux);
    let (value,): (i32,) = sqlx::query_as("SELECT rate_limit FROM public.customer_configs WHERE domain = $1")
        .bind(&key)
        .fetch_one(&mut c)
        .await
        .unwrap();
    assert_eq!(value, 77);
    let (reason,): (Option<String>,) =
        sqlx::query_as("SELECT reason FROM ragdesk_audit.audit_log WHERE entity_key = $1")
            .bind(&key)
            .fetch_one(&mut c)
            .await
            .unwrap();
    assert_eq!(reason.as_deref(), Some("launch week"));
}

#[tokio::test]
async fn chunks_are_written_into_001_where_its_layout_declares_it_and_nowhere_else() {
    let t = support::empty().await;
    let (ok, out) = ragdesk(&t.url, &["--layout", "domo", "seed", "--scale", "tiny"]);
    assert!(ok, "{out}");
    let mut c = t.conn().await;
    let (demo,): (String,) =
        sqlx::query_as("SELECT id::text FROM public.demos ORDER BY id LIMIT 1").fetch_one(&mut c).await.unwrap();
    async fn count(c: &mut sqlx::PgConnection, source: &str) -> i64 {
        let q = sqlx::query_as::<_, (i64,)>("SELECT count(*) FROM public.knowledge_chunks WHERE source = $1");
        q.bind(source).fetch_one(c).await.unwrap().0
    }
    let dir = tempfile::tempdir().unwrap();
    let guide = dir.path().join("boiler-guide.md");
    let mut text = String::from("# Boiler guide\n\n");
    for i in 0..30 {
        text.push_str(&format!(
            "## Pressure check {i}\n\nIf the boiler pressure gauge reads below one bar, open the filling loop slowly until it reads 1.5 bar, then close it and bleed the radiators. Section {i}.\n\n"
        ));
    }
    std::fs::write(&guide, &text).unwrap();
    let path = guide.to_str().unwrap();
    // The same layout without `writes = ["chunk"]` (as 004's declares none):
    // refused, nothing read or written.
    let read_only = std::fs::read_to_string("src/schema/layouts/domo.toml").unwrap().replacen(
        "writes = [\"chunk\"]",
        "writes = []",
        1,
    );
    assert!(read_only.contains("writes = []"), "the layout changed");
    let read_only_file = dir.path().join("domo-read-only.toml");
    std::fs::write(&read_only_file, read_only).unwrap();
    let (ok, out) = ragdesk(&t.url, &["--layout", read_only_file.to_str().unwrap(), "ingest", "--under", &demo, path]);
    assert!(!ok && out.contains("does not declare its chunks writable"), "{out}");
    assert_eq!(count(&mut c, "boiler-guide.md").await, 0);
    // An unknown demo: refused, nothing written.
    let nobody = "00000000-0000-0000-0000-000000000000";
    let (ok, out) = ragdesk(&t.url, &["search", "--under", nobody, "x"]);
    assert!(!ok && out.contains(&format!("no Demos with id {nobody}")), "{out}");
    let (ok, out) = ragdesk(&t.url, &["--layout", "domo", "ingest", "--under", nobody, path]);
    assert!(!ok && out.contains("nothing was written"), "{out}");
    assert_eq!(count(&mut c, "boiler-guide.md").await, 0);
    // A file that is not what it says: nothing written for it either.
    let broken = dir.path().join("broken.pdf");
    std::fs::write(&broken, b"%PDF-1.7 this is not a PDF").unwrap();
    let (ok, out) = ragdesk(&t.url, &["--layout", "domo", "ingest", "--under", &demo, broken.to_str().unwrap()]);
    assert!(!ok && out.contains("broken.pdf") && out.contains("nothing was written"), "{out}");
    assert_eq!(count(&mut c, "broken.pdf").await, 0);
    // The guide, with the model seed recorded (the local one, padded to 1536).
    let (ok, out) = ragdesk(
        &t.url,
        &["--layout", "domo", "ingest", "--under", &demo, "--chunk-tokens", "60", "--overlap", "0", path],
    );
    assert!(ok && out.contains("chunks written under"), "{out}");
    let written = count(&mut c, "boiler-guide.md").await;
    assert!(written >= 10, "the guide in several chunks: {written}");
    // The same file again: refused unless forced.
    let (ok, out) = ragdesk(&t.url, &["--layout", "domo", "ingest", "--under", &demo, path]);
    assert!(!ok && out.contains("already under") && out.contains("--force"), "{out}");
    assert_eq!(count(&mut c, "boiler-guide.md").await, written);
    // A dry run shows the chunks (and JSON says the same), under a row that must exist.
    let (ok, out) = ragdesk(&t.url, &["--layout", "domo", "ingest", "--dry-run", "--under", &demo, path]);
    assert!(ok && out.contains("  #0 ") && out.contains(" tok  bytes 0.."), "{out}");
    let (ok, out) = ragdesk(&t.url, &["--layout", "domo", "ingest", "--dry-run", "--json", "--under", &demo, path]);
    let v: serde_json::Value = serde_json::from_str(&out).unwrap_or_else(|e| panic!("{e}: {out}"));
    assert!(ok && v["files"][0]["dry_run"].as_array().is_some_and(|c| c.len() >= 2), "{out}");
    let (ok, out) = ragdesk(&t.url, &["--layout", "domo", "ingest", "--dry-run", "--under", "not-a-demo", path]);
    assert!(!ok && out.contains("no Demos with id not-a-demo"), "{out}");
    let (audited,): (serde_json::Value,) = sqlx::query_as(
        "SELECT new_value FROM ragdesk_audit.audit_log WHERE action = 'ingest' AND entity_key = 'boiler-guide.md'",
    )
    .fetch_one(&mut c)
    .await
    .unwrap();
    assert_eq!(audited["chunks"], serde_json::json!(written));
    assert!(audited.get("already_from_this_file").is_none(), "{audited}");
    // Forced: written again, and the audit says a copy was already there.
    let (ok, out) = ragdesk(&t.url, &["--layout", "domo", "ingest", "--force", "--under", &demo, path]);
    assert!(ok, "{out}");
    let (again,): (serde_json::Value,) = sqlx::query_as(
        "SELECT new_value FROM ragdesk_audit.audit_log WHERE action = 'ingest' AND entity_key = 'boiler-guide.md' \
         ORDER BY id DESC LIMIT 1",
    )
    .fetch_one(&mut c)
    .await
    .unwrap();
    assert_eq!(again["already_from_this_file"], serde_json::json!(written), "{again}");
    let written = written + again["chunks"].as_i64().unwrap();
    assert_eq!(count(&mut c, "boiler-guide.md").await, written);
    // A required column the layout does not map is never guessed: refused
    // by name, nothing written.
    sqlx::query("ALTER TABLE public.knowledge_chunks ADD COLUMN tenant_key text NOT NULL DEFAULT 'x'")
        .execute(&mut c)
        .await
        .unwrap();
    sqlx::query("ALTER TABLE public.knowledge_chunks ALTER COLUMN tenant_key DROP DEFAULT")
        .execute(&mut c)
        .await
        .unwrap();
    let (ok, out) = ragdesk(&t.url, &["--layout", "domo", "ingest", "--under", &demo, path]);
    assert!(!ok && out.contains("requires tenant_key") && out.contains("nothing was written"), "{out}");
    assert_eq!(count(&mut c, "boiler-guide.md").await, written);
    // Said ahead too: by doctor, and by a dry run (which still previews).
    let (ok, out) = ragdesk(&t.url, &["--layout", "domo", "doctor"]);
    assert!(!ok && out.contains("writes") && out.contains("requires tenant_key"), "{out}");
    let (_, out) = ragdesk(&t.url, &["--layout", "domo", "ingest", "--dry-run", "--under", &demo, path]);
    assert!(out.contains("a real run would be refused") && out.contains("dry run: nothing written"), "{out}");
    sqlx::query("ALTER TABLE public.knowledge_chunks DROP COLUMN tenant_key").execute(&mut c).await.unwrap();
    // A layout whose chunks are ordered by a position within their demo:
    // a file's chunks take the next positions there, in file order.
    c.execute("ALTER TABLE public.knowledge_chunks ADD COLUMN seq int").await.unwrap();
    c.execute(
        "UPDATE public.knowledge_chunks k SET seq = n.rn FROM (SELECT id, row_number() OVER \
         (PARTITION BY demo_id ORDER BY created_at, id) - 1 AS rn FROM public.knowledge_chunks) n WHERE n.id = k.id",
    )
    .await
    .unwrap();
    c.execute("ALTER TABLE public.knowledge_chunks ALTER COLUMN seq SET NOT NULL").await.unwrap();
    c.execute("ALTER TABLE public.knowledge_chunks ADD UNIQUE (demo_id, seq)").await.unwrap();
    let positional = dir.path().join("positional.toml");
    let layout = std::fs::read_to_string("src/schema/layouts/domo.toml").unwrap();
    let chunk_at = layout.find("[chunk]").unwrap();
    let (head, tail) = layout.split_at(chunk_at);
    let tail = tail.replacen("order = [\"created_at\", \"id\"]", "order = [\"seq\"]", 1);
    assert!(tail.contains("order = [\"seq\"]"), "{tail}");
    std::fs::write(&positional, format!("{head}{tail}")).unwrap();
    let (before,): (i32,) = sqlx::query_as("SELECT max(seq) FROM public.knowledge_chunks WHERE demo_id = $1::uuid")
        .bind(&demo)
        .fetch_one(&mut c)
        .await
        .unwrap();
    let short = dir.path().join("short-note.md");
    std::fs::write(&short, "# Note\n\nBleed the radiators once a year, from the top floor down.\n").unwrap();
    let (ok, out) = ragdesk(
        &t.url,
        &["--layout", positional.to_str().unwrap(), "ingest", "--under", &demo, short.to_str().unwrap()],
    );
    assert!(ok, "{out}");
    let (seq,): (i32,) = sqlx::query_as("SELECT seq FROM public.knowledge_chunks WHERE source = 'short-note.md'")
        .fetch_one(&mut c)
        .await
        .unwrap();
    assert_eq!(seq, before + 1, "the next position under its demo");
    c.execute("ALTER TABLE public.knowledge_chunks DROP COLUMN seq").await.unwrap();
    // The guide's chunks list in its order (one time each, in file order).
    let texts: Vec<(String,)> = sqlx::query_as(
        "SELECT content FROM public.knowledge_chunks WHERE source = 'boiler-guide.md' ORDER BY created_at, id",
    )
    .fetch_all(&mut c)
    .await
    .unwrap();
    assert!(texts[0].0.starts_with("# Boiler guide"), "{:?}", texts[0]);
    // Searchable at once, beside the demo's sample knowledge: the guide answers.
    let (ok, out) = ragdesk(
        &t.url,
        &["--layout", "domo", "search", "--under", &demo, "--exact", "--json", "the boiler pressure is low"],
    );
    assert!(ok, "{out}");
    let found: serde_json::Value = serde_json::from_str(&out).unwrap();
    assert!(found["rows"][0]["content"].as_str().unwrap().contains("filling loop"), "{out}");
    // A connection profile may name the model that wrote its database's
    // vectors; the query is embedded by it, and the output says where from.
    let home = tempfile::tempdir().unwrap();
    std::fs::create_dir_all(home.path().join("ragdesk")).unwrap();
    std::fs::write(
        home.path().join("ragdesk/config.toml"),
        format!(
            "[profiles.support]\ndatabase_url = {:?}\n[profiles.support.vector_model]\n\
             provider = \"local\"\nmodel = \"all-MiniLM-L6-v2\"\n",
            t.url
        ),
    )
    .unwrap();
    let o = Command::new(env!("CARGO_BIN_EXE_ragdesk"))
        .args(["--profile", "support", "search", "--under", &demo, "--exact", "the boiler pressure is low"])
        .env("XDG_CONFIG_HOME", home.path())
        .env("RAGDESK_MODEL_DIR", crate::embed::model_dir())
        .output()
        .unwrap();
    let out = format!("{}{}", String::from_utf8_lossy(&o.stdout), String::from_utf8_lossy(&o.stderr));
    assert!(o.status.success(), "{out}");
    assert!(out.contains("query embedded by [profiles.support.vector_model] in the config"), "{out}");
    let first = out.lines().find(|l| l.trim_start().starts_with("1 ")).unwrap_or_default();
    assert!(first.contains("Pressure check"), "the guide answers first: {out}");
    // --compare runs the exact search beside the index's: recall@k.
    let (ok, out) = ragdesk(
        &t.url,
        &["--layout", "domo", "search", "--under", &demo, "--compare", "--probes", "100", "--json", "boiler pressure"],
    );
    assert!(ok, "{out}");
    let v: serde_json::Value = serde_json::from_str(&out).unwrap();
    assert_eq!(v["compare"]["recall"], serde_json::json!(1.0), "all lists probed: the exact answer: {out}");
    assert_eq!(v["rows"].as_array().unwrap().len(), 10, "{out}");
    let (ok, out) = ragdesk(&t.url, &["--layout", "domo", "search", "--under", &demo, "--compare", "boiler pressure"]);
    assert!(ok && out.contains("recall@10 against exact search: "), "{out}");
    // What a layout's vectors cannot do is refused, not ignored.
    let (ok, out) = ragdesk(&t.url, &["--layout", "domo", "search", "--under", &demo, "--hybrid", "boiler"]);
    assert!(!ok && out.contains("does not take --hybrid"), "{out}");
    let (ok, out) = ragdesk(&t.url, &["--layout", "domo", "search", "--under", &demo, "--ef-search", "80", "boiler"]);
    assert!(!ok && out.contains("this column's index is ivfflat (use --probes)"), "{out}");
}

#[tokio::test]
async fn seeded_rows_have_the_states_their_platform_would_set() {
    // 002's chat sessions and documents keep a status the platform sets (no
    // default): the sample has some of each, not blanks.
    let (t, m, filled) = mapped_database("workspaces").await;
    let mut c = t.conn().await;
    for kind in [Kind::Session, Kind::Document] {
        let parent = filled.children.keys().find(|(k, _)| *k == kind).map(|(_, p)| p.clone()).unwrap();
        let rows = page_all(&m, &mut c, kind, Some(&parent)).await;
        let states: std::collections::BTreeSet<Option<String>> = rows.iter().map(|r| r.status.clone()).collect();
        assert!(states.len() > 1 && !states.contains(&None), "{kind}: {states:?}");
    }
}
