//! The Search tab end to end without a terminal: the app's state machine,
//! the real runner, database and local model. A knowledge base is searched
//! as the question is typed (debounced, superseded queries dropped), then
//! exactly, its plan shown, and more like the top chunk.

use std::sync::Arc;

use crossterm::event::KeyCode;
use ragdesk::app::Tab;
use ragdesk::db::knowledge::NewKnowledgeBase;

use crate::console_ingest::Console;
use crate::support;

#[tokio::test]
async fn search_as_you_type_then_exact_plan_and_more_like_this() {
    let t = support::seeded(12, support::tiny()).await;
    let demo: uuid::Uuid = sqlx::query_scalar("SELECT id FROM demos LIMIT 1").fetch_one(&t.db.pool).await.unwrap();
    let kb = support::create_kb(
        &t,
        &NewKnowledgeBase {
            chunk_tokens: Some(40),
            chunk_overlap: Some(0),
            ..support::local_kb_spec(demo, "Searchable")
        },
    )
    .await;
    let provider: ragdesk::embed::Provider =
        Arc::new(ragdesk::embed::local::LocalProvider::load(&crate::embed::model_dir()).unwrap());
    support::ingest_fixtures(&t, &kb, provider, &["faq.md", "menu.html", "hours.txt"]).await;

    let mut c = Console::new(&t);
    c.key(KeyCode::Char('5'));
    c.until("knowledge bases", |a| !a.lists.kbs.rows.is_empty() && !a.lists.kbs.loading).await;
    let at = c.app.lists.kbs.rows.iter().position(|k| k.name == "Searchable").unwrap();
    c.app.lists.kbs.selected = at;
    c.key(KeyCode::Char('s'));
    assert_eq!(c.app.tab, Tab::Search);
    assert!(c.app.input().is_some(), "the question prompt opens");
    // Typed key by key: every key is a debounced search of one task key.
    c.type_text("when are you open on saturday");
    c.until("the search result", |a| {
        !a.search.loading && a.search.result.is_some() && a.search.text == "when are you open on saturday"
    })
    .await;
    let o = c.app.search.result.clone().unwrap();
    assert_eq!(o.rows[0].filename, "hours.txt", "the opening hours first: {:?}", o.rows);
    assert!(o.compare.as_ref().unwrap().recall > 0.99);
    assert_eq!(o.platform_agrees, Some(true));
    c.key(KeyCode::Enter);
    assert!(c.app.input().is_none());
    // Enter remembered the question for this knowledge base.
    c.until("the history", |a| a.search.history == vec!["when are you open on saturday".to_string()]).await;
    // The selected result's neighbours in its document load beside it.
    let top = o.rows[0].chunk_id.clone();
    c.until("the neighbours", |a| a.search.neighbours.as_ref().is_some_and(|(id, _)| *id == top)).await;
    let (_, around) = c.app.search.neighbours.clone().unwrap();
    let want: Vec<(i32, String)> = sqlx::query_as(
        "SELECT chunk_index, content FROM chunks WHERE document_id = $1 AND abs(chunk_index - $2) = 1 ORDER BY chunk_index",
    )
    .bind(uuid::Uuid::parse_str(o.rows[0].document_id.as_deref().unwrap()).unwrap())
    .bind(o.rows[0].chunk_index)
    .fetch_all(&t.db.pool)
    .await
    .unwrap();
    assert_eq!(around, want);

    // Exact search, then its plan.
    c.key(KeyCode::Char('x'));
    c.until("the exact result", |a| !a.search.loading && a.search.result.as_ref().is_some_and(|r| r.exact)).await;
    assert_eq!(c.app.search.result.as_ref().unwrap().rows[0].filename, "hours.txt");
    c.key(KeyCode::Char('p'));
    c.until("the plan", |a| a.search.plan.is_some()).await;
    let (plan, indexed) = c.app.search.plan.clone().unwrap();
    assert!(!indexed && plan.contains("Buffers"), "{plan}");
    c.key(KeyCode::Char('p'));
    assert!(c.app.search.plan.is_none());

    // More like the second result: it comes first, similarity 1.
    c.key(KeyCode::Char('j'));
    let second = c.app.search.selected_row().unwrap().chunk_id.clone();
    c.key(KeyCode::Char('m'));
    c.until("more like this", |a| {
        !a.search.loading
            && a.search.result.as_ref().is_some_and(|r| r.rows.first().is_some_and(|x| x.chunk_id == second))
    })
    .await;
    let top = &c.app.search.result.as_ref().unwrap().rows[0];
    assert!((top.similarity.unwrap() - 1.0).abs() < 1e-5);

    // `[` asks the remembered question again.
    c.key(KeyCode::Char('['));
    c.until("the remembered question", |a| {
        !a.search.loading && a.search.result.as_ref().is_some_and(|r| r.rows[0].filename == "hours.txt")
    })
    .await;
    assert_eq!(c.app.search.text, "when are you open on saturday");
}

/// Another platform's vectors with no model said to have written them: a
/// question typed in the Search tab is refused with what to configure, and
/// nothing is embedded by a model whose vectors would not compare.
#[tokio::test]
async fn a_question_on_another_platforms_vectors_is_refused_until_their_model_is_named() {
    use ragdesk::schema::Kind;
    use sqlx::Executor;
    let t = support::empty().await;
    let mut conn = t.conn().await;
    conn.execute(ragdesk::schema::ddl("domo").unwrap()).await.unwrap();
    let catalog = ragdesk::db::catalog::read(&mut conn).await.unwrap();
    let m = ragdesk::db::mapped::Mapped::new(ragdesk::schema::load("domo").unwrap(), catalog).unwrap();
    ragdesk::seed::layout::fill(&mut conn, &m, Default::default(), 3).await.unwrap();
    let mut c = Console::reading(&t, Some(Arc::new(m)));
    // Its demos (every one), then a question on the selected one's knowledge.
    c.key(KeyCode::Char('2'));
    c.until("the demos", |a| a.browser.current().kind == Kind::Demo && !a.browser.current().rows.is_empty()).await;
    c.key(KeyCode::Char('s'));
    assert_eq!(c.app.tab, Tab::Search);
    assert!(c.app.input().is_some(), "the question prompt opens");
    c.type_text("whitening price");
    c.until("the refusal", |a| a.search.error.is_some()).await;
    let said = c.app.search.error.clone().unwrap();
    assert!(
        said.contains("none is named") && said.contains("[layout_models.domo]") && said.contains("More like this (m)"),
        "{said}"
    );
    assert!(c.app.search.result.is_none(), "nothing was searched");
}
