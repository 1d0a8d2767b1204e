//! State-update tests: keys → commands → state, and stale results dropped.

use chrono::TimeZone;
use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use uuid::Uuid;

use super::*;
use crate::action::{Action, Effect, KeysFrom, ListRows, LoadError};
use crate::db::conversation::ConversationPage;
use crate::db::mapped::KeyType;
use crate::db::{Page, RowCount};

fn app() -> App {
    let target = Target { user: "postgres".into(), host: "127.0.0.1".into(), port: 5432, database: "ragdesk".into() };
    let mut a = App::new(target, false, Keymap::default(), 100, 200);
    a.size = (80, 24);
    a
}

fn key(c: char) -> Action {
    Action::Key(KeyEvent::new(KeyCode::Char(c), KeyModifiers::NONE))
}

fn code(c: KeyCode) -> Action {
    Action::Key(KeyEvent::new(c, KeyModifiers::NONE))
}

/// Knowledge base `i` (the Documents tab's first list: the lists'
/// paging, filtering and counting are tested on it).
fn kb(i: u128) -> KnowledgeBaseRow {
    KnowledgeBaseRow {
        id: Uuid::from_u128(i),
        demo_id: Uuid::from_u128(1),
        demo_name: Some("Demo 1".into()),
        name: format!("Knowledge base {i}"),
        kb_type: "documents".into(),
        embedding_provider: "local".into(),
        embedding_model: "all-MiniLM-L6-v2".into(),
        embedding_dim: 384,
        chunk_tokens: None,
        chunk_overlap: None,
        created_at: chrono::Utc.with_ymd_and_hms(2026, 1, 1, 0, 0, 0).unwrap() - chrono::Duration::minutes(i as i64),
        attached: true,
        document_count: RowCount::Exact(2),
        chunk_count: RowCount::Exact(10),
    }
}

fn kb_page(range: std::ops::Range<u128>, more: bool) -> ListRows {
    let rows: Vec<KnowledgeBaseRow> = range.map(kb).collect();
    let next = if more { rows.last().map(|k| crate::db::Cursor { ts: k.created_at, id: k.id }) } else { None };
    ListRows::KnowledgeBases(Page { rows, next })
}

/// The console started, on the Documents tab (5): its first list's loads.
fn on_documents(a: &mut App) -> Vec<Effect> {
    a.start();
    a.update(key('5'))
}

fn load_generation(fx: &[Effect]) -> u64 {
    fx.iter()
        .find_map(|e| match e {
            Effect::LoadPage { generation, .. } => Some(*generation),
            _ => None,
        })
        .expect("a page load")
}

#[test]
fn start_loads_the_first_entity_tab_and_counts_it() {
    use crate::db::mapped::Under;
    let mut a = app();
    let fx = a.start();
    assert!(matches!(
        &fx[0],
        Effect::LoadMapped { kind: crate::schema::Kind::Tenant, under: Under::All, after: None, .. }
    ));
    assert!(matches!(&fx[1], Effect::CountMapped { exact: false, .. }));
    assert!(a.browser.loading() && a.busy());
}

#[test]
fn scrolling_near_the_end_requests_the_next_page_once() {
    let mut a = app();
    let g = load_generation(&on_documents(&mut a));
    a.update(Action::PageLoaded { list: ListKind::KnowledgeBases, generation: g, result: Ok(kb_page(0..100, true)) });
    assert_eq!(a.lists.kbs.rows.len(), 100);
    let mut requests = 0;
    for _ in 0..80 {
        for e in a.update(key('j')) {
            if let Effect::LoadPage { seek: crate::db::Seek::After(c), .. } = e {
                assert_eq!(c.id, Uuid::from_u128(99));
                requests += 1;
            }
        }
    }
    assert_eq!(requests, 1, "one request in flight at a time");
    assert_eq!(a.lists.kbs.selected, 80);
    a.update(Action::PageLoaded {
        list: ListKind::KnowledgeBases,
        generation: g,
        result: Ok(kb_page(100..150, false)),
    });
    assert_eq!(a.lists.kbs.rows.len(), 150);
    assert!(a.lists.kbs.next.is_none());
}

#[test]
fn stale_results_are_dropped() {
    let mut a = app();
    let g1 = load_generation(&on_documents(&mut a));
    // The user filters before the first page arrives: a new generation.
    a.update(key('/'));
    for c in "acme".chars() {
        a.update(key(c));
    }
    let fx = a.update(code(KeyCode::Enter));
    let g2 = load_generation(&fx);
    assert!(g2 > g1);
    assert_eq!(a.lists.kbs.filter_text, "acme");
    // The old page arrives late and is ignored.
    a.update(Action::PageLoaded { list: ListKind::KnowledgeBases, generation: g1, result: Ok(kb_page(0..5, false)) });
    assert!(a.lists.kbs.rows.is_empty());
    assert!(a.lists.kbs.loading);
    a.update(Action::Counted { list: ListKind::KnowledgeBases, generation: g1, result: Ok(RowCount::Exact(5)) });
    assert_eq!(a.lists.kbs.count, None);
    a.update(Action::PageLoaded { list: ListKind::KnowledgeBases, generation: g2, result: Ok(kb_page(7..8, false)) });
    assert_eq!(a.lists.kbs.rows.len(), 1);
    assert!(!a.lists.kbs.loading);
}

#[test]
fn esc_clears_the_filter_first() {
    let mut a = app();
    on_documents(&mut a);
    a.update(key('/'));
    a.update(key('x'));
    a.update(code(KeyCode::Enter));
    assert_eq!(a.lists.kbs.filter_text, "x");
    let fx = a.update(code(KeyCode::Esc));
    assert!(a.lists.kbs.filter_text.is_empty());
    assert!(
        matches!(&fx[0], Effect::LoadPage { query: ListQuery::KnowledgeBases { filter, .. }, .. } if filter.is_empty())
    );
    // In the prompt, ctrl-u clears what is typed, as a shell's does.
    a.update(key('/'));
    for c in "acme corp".chars() {
        a.update(key(c));
    }
    a.update(Action::Key(KeyEvent::new(KeyCode::Char('u'), KeyModifiers::CONTROL)));
    a.update(key('z'));
    a.update(code(KeyCode::Enter));
    assert_eq!(a.lists.kbs.filter_text, "z");
}

/// A page of our rows `ids` of the entity tabs (ours are read through our
/// layout, as another platform's are through theirs).
fn native_rows(ids: &[u128]) -> crate::db::mapped::MappedPage {
    let rows = ids
        .iter()
        .map(|i| crate::db::mapped::MappedRow {
            id: Uuid::from_u128(*i).to_string(),
            title: Some(format!("row {i}")),
            key: vec![Some(i.to_string())],
            ..Default::default()
        })
        .collect();
    crate::db::mapped::MappedPage { rows, next: None }
}

/// The page load among `fx`: (generation, entity, which rows).
fn mapped_load(fx: &[Effect]) -> (u64, crate::schema::Kind, crate::db::mapped::Under) {
    fx.iter()
        .find_map(|e| match e {
            Effect::LoadMapped { generation, kind, under, .. } => Some((*generation, *kind, under.clone())),
            _ => None,
        })
        .unwrap_or_else(|| panic!("a page load in {fx:?}"))
}

#[test]
fn our_tabs_drill_tenant_demo_sessions_and_the_other_tabs_follow_the_path() {
    use crate::db::mapped::Under;
    use crate::schema::Kind;
    let mut a = app();
    // Our own schema's entity tabs, then our other tabs.
    let entity_tabs = [Kind::Tenant, Kind::Demo, Kind::Session].map(Tab::Browse);
    let rest = [Tab::Transcript, Tab::Documents, Tab::Search, Tab::Limits, Tab::Audit];
    assert_eq!(a.tabs(), [entity_tabs.as_slice(), rest.as_slice()].concat());
    assert_eq!(a.tabs().iter().map(|t| a.tab_title(*t)).collect::<Vec<_>>()[..3], ["Tenants", "Demos", "Sessions"]);
    let (g, kind, under) = mapped_load(&a.start());
    assert_eq!((kind, under), (Kind::Tenant, Under::All));
    a.update(Action::MappedLoaded { generation: g, result: Ok(native_rows(&[1, 2])) });
    let (g, kind, under) = mapped_load(&a.update(code(KeyCode::Enter)));
    assert_eq!((a.tab, kind, under), (Tab::Browse(Kind::Demo), Kind::Demo, Under::Row(Uuid::from_u128(1).to_string())));
    assert_eq!(a.nav.tenant.as_ref().map(|t| t.id), Some(Uuid::from_u128(1)), "the Limits tab's tenant");
    a.update(Action::MappedLoaded { generation: g, result: Ok(native_rows(&[10, 11])) });
    a.update(key('j'));
    // A demo opens its sessions; the Documents tab lists its knowledge.
    let (g, kind, under) = mapped_load(&a.update(code(KeyCode::Enter)));
    assert_eq!((kind, under), (Kind::Session, Under::Row(Uuid::from_u128(11).to_string())));
    assert_eq!(a.nav.demo.as_ref().map(|d| d.label.as_str()), Some("row 11"));
    a.update(Action::MappedLoaded { generation: g, result: Ok(native_rows(&[20])) });
    let fx = a.update(key('5'));
    assert!(
        fx.iter().any(|e| matches!(e, Effect::LoadPage { query: ListQuery::KnowledgeBases { demo: Some(d), .. }, .. } if *d == Uuid::from_u128(11))),
        "{fx:?}"
    );
    // Back on the path: Esc up to the demos, the demo no longer chosen.
    a.update(key('3'));
    a.update(code(KeyCode::Esc));
    assert_eq!(a.tab, Tab::Browse(Kind::Demo));
    assert!(a.nav.demo.is_none() && a.nav.tenant.is_some());
    a.update(code(KeyCode::Esc));
    assert_eq!(a.tab, Tab::Browse(Kind::Tenant));
    assert!(a.nav.tenant.is_none());
}

#[test]
fn esc_at_the_top_of_the_roots_path_stays_and_at_the_top_of_a_jump_goes_back() {
    use crate::schema::Kind;
    let mut a = app();
    let (g, ..) = mapped_load(&a.start());
    a.update(Action::MappedLoaded { generation: g, result: Ok(native_rows(&[1, 2])) });
    // 3 at the top: every session, on a path of its own; Esc comes back.
    a.update(key('3'));
    assert_eq!(a.tab, Tab::Browse(Kind::Session));
    a.update(code(KeyCode::Esc));
    assert_eq!(a.tab, Tab::Browse(Kind::Tenant));
    // 3 then 1: the tenants again; Esc there stays (no jump to undo).
    a.update(key('3'));
    a.update(key('1'));
    assert_eq!(a.tab, Tab::Browse(Kind::Tenant));
    a.update(code(KeyCode::Esc));
    assert_eq!(a.tab, Tab::Browse(Kind::Tenant), "Esc at the top of the tenants goes nowhere");
}

#[test]
fn a_demos_leads_are_its_other_list_and_a_lead_opens_its_sessions() {
    use crate::db::mapped::Under;
    use crate::schema::Kind;
    let mut a = app();
    let (g, ..) = mapped_load(&a.start());
    a.update(Action::MappedLoaded { generation: g, result: Ok(native_rows(&[1])) });
    let (g, ..) = mapped_load(&a.update(code(KeyCode::Enter)));
    a.update(Action::MappedLoaded { generation: g, result: Ok(native_rows(&[10])) });
    let (g, ..) = mapped_load(&a.update(code(KeyCode::Enter)));
    a.update(Action::MappedLoaded { generation: g, result: Ok(native_rows(&[20])) });
    // o: the demo's next list, its leads.
    let (g, kind, under) = mapped_load(&a.update(key('o')));
    assert_eq!((kind, under), (Kind::Lead, Under::Row(Uuid::from_u128(10).to_string())));
    a.update(Action::MappedLoaded { generation: g, result: Ok(native_rows(&[30])) });
    // Enter on a lead: its sessions, by their lead column.
    let (_, kind, under) = mapped_load(&a.update(code(KeyCode::Enter)));
    assert_eq!((kind, under), (Kind::Session, Under::Via(Kind::Lead, Uuid::from_u128(30).to_string())));
    assert_eq!(a.tab, Tab::Browse(Kind::Session));
    assert_eq!(a.nav.demo.as_ref().map(|d| d.id), Some(Uuid::from_u128(10)), "still under its demo");
}

#[test]
fn connection_errors_go_offline_and_pings_bring_it_back() {
    let mut a = app();
    let g = load_generation(&on_documents(&mut a));
    let err = LoadError { message: "database unreachable".into(), connection: true };
    a.update(Action::PageLoaded { list: ListKind::KnowledgeBases, generation: g, result: Err(err.clone()) });
    assert!(matches!(a.conn, ConnState::Offline { .. }));
    let mut pings = 0;
    for _ in 0..PING_EVERY_TICKS {
        pings += a.update(Action::Tick).iter().filter(|e| **e == Effect::Ping).count();
    }
    assert_eq!(pings, 1);
    // Still down: stays offline, pings again later.
    a.update(Action::Health { result: Err(err) });
    assert!(matches!(a.conn, ConnState::Offline { .. }));
    let fx = a.update(Action::Health { result: Ok(()) });
    assert_eq!(a.conn, ConnState::Online);
    assert!(
        fx.iter().any(|e| matches!(e, Effect::LoadPage { query: ListQuery::KnowledgeBases { .. }, .. })),
        "failed list reloads"
    );
}

#[test]
fn an_entity_tab_that_failed_offline_reloads_when_the_server_is_back() {
    let mut a = app();
    let (g, ..) = mapped_load(&a.start());
    let lost = LoadError { message: "connection refused".into(), connection: true };
    a.update(Action::MappedLoaded { generation: g, result: Err(lost) });
    assert!(matches!(a.conn, ConnState::Offline { .. }));
    assert!(a.browser.current().error.is_some());
    let fx = a.update(Action::Health { result: Ok(()) });
    let (_, kind, _) = mapped_load(&fx);
    assert_eq!(kind, crate::schema::Kind::Tenant, "the failed level is read again");
    assert!(a.browser.current().error.is_none());
}

#[test]
fn a_transcripts_heading_lost_offline_is_read_again_when_the_server_is_back() {
    let mut a = app();
    a.start();
    a.update(key('#'));
    for c in "3fa85f64".chars() {
        a.update(key(c));
    }
    a.update(code(KeyCode::Enter));
    let fx = a.update(Action::ConversationResolved { spec: "3fa85f64".into(), result: Ok("s-1".into()) });
    let g = fx
        .iter()
        .find_map(|e| match e {
            Effect::LoadSession { generation, .. } => Some(*generation),
            _ => None,
        })
        .expect("the heading is read");
    // The messages come; the heading is still on its way when something
    // else finds the connection gone: not asked for twice.
    a.update(Action::MessagesLoaded { generation: g, result: Ok(ConversationPage { rows: vec![], next: None }) });
    let lost = LoadError { message: "connection refused".into(), connection: true };
    a.update(Action::KeyTypesRead { result: Err(lost.clone()) });
    let fx = a.update(Action::Health { result: Ok(()) });
    assert!(!fx.iter().any(|e| matches!(e, Effect::LoadSession { .. })), "still on its way: {fx:?}");
    // Its own read finds the connection gone.
    a.update(Action::SessionLoaded { generation: g, result: Err(lost) });
    assert!(matches!(a.conn, ConnState::Offline { .. }) && a.transcript.session.is_none());
    let fx = a.update(Action::Health { result: Ok(()) });
    assert!(
        fx.iter().any(|e| matches!(e, Effect::LoadSession { generation, id } if *generation == g && id == "s-1")),
        "read again: {fx:?}"
    );
}

#[test]
fn a_console_started_before_the_server_answered_reads_its_filter_keys_types_when_it_does() {
    use crate::schema::Kind;
    let mut a = app();
    let fx = a.start();
    assert!(fx.contains(&Effect::ReadKeyTypes), "{fx:?}");
    let lost = LoadError { message: "connection refused".into(), connection: true };
    a.update(Action::KeyTypesRead { result: Err(lost) });
    assert!(matches!(a.conn, ConnState::Offline { .. }));
    let fx = a.update(Action::Health { result: Ok(()) });
    assert!(fx.contains(&Effect::ReadKeyTypes), "read again once the server is back: {fx:?}");
    let types = [((Kind::Tenant, "id".to_string()), KeyType::of("uuid"))].into_iter().collect();
    a.update(Action::KeyTypesRead { result: Ok(types) });
    // Now a value the column cannot hold is refused as it is typed.
    a.update(key('/'));
    for c in "id:12".chars() {
        a.update(key(c));
    }
    let fx = a.update(code(KeyCode::Enter));
    assert!(!fx.iter().any(|e| matches!(e, Effect::LoadMapped { .. })), "{fx:?}");
    assert!(a.log.back().unwrap().text.contains("id: is a UUID"), "{:?}", a.log.back());
}

#[test]
fn help_opens_and_any_key_closes() {
    let mut a = app();
    a.start();
    a.update(key('?'));
    assert!(matches!(a.modal, Some(Modal::Help { .. })));
    a.update(key('q'));
    assert!(a.modal.is_none());
    assert!(!a.should_quit, "the key that closes help does nothing else");
    a.update(key('q'));
    assert!(a.should_quit);
}

#[test]
fn transcript_loads_on_open_and_drops_old_sessions() {
    use crate::db::messages::MessageRow;
    let mut a = app();
    a.tab = Tab::Browse(crate::schema::Kind::Session);
    a.open_transcript(Uuid::from_u128(1).to_string(), &mut Vec::new());
    let old = a.transcript.generation;
    let mut fx = Vec::new();
    a.open_transcript(Uuid::from_u128(2).to_string(), &mut fx);
    a.tab = Tab::Transcript;
    let msg = MessageRow {
        id: Uuid::from_u128(9),
        session_id: Uuid::from_u128(1),
        role: "user".into(),
        content: "old".into(),
        created_at: chrono::Utc::now(),
        token_count: 1,
        metadata: serde_json::json!({}),
    };
    a.update(Action::MessagesLoaded {
        generation: old,
        result: Ok(ConversationPage { rows: vec![msg.clone().into()], next: None }),
    });
    assert!(a.transcript.messages.is_empty(), "late page of the previous session is dropped");
    let g = a.transcript.generation;
    a.update(Action::MessagesLoaded {
        generation: g,
        result: Ok(ConversationPage { rows: vec![msg.into()], next: None }),
    });
    assert_eq!(a.transcript.messages.len(), 1);
    let fx = a.update(key('y'));
    assert!(matches!(&fx[..], [Effect::Copy(t)] if t == "old"));
}

#[test]
fn a_failed_transcript_reloads_after_reconnecting() {
    let mut a = app();
    a.start();
    a.tab = Tab::Transcript;
    a.open_transcript(Uuid::from_u128(7).to_string(), &mut Vec::new());
    let g = a.transcript.generation;
    let err = LoadError { message: "database unreachable".into(), connection: true };
    a.update(Action::MessagesLoaded { generation: g, result: Err(err) });
    assert!(matches!(a.conn, ConnState::Offline { .. }));
    let fx = a.update(Action::Health { result: Ok(()) });
    assert!(
        fx.iter()
            .any(|e| matches!(e, Effect::LoadMessages { session, after: None, .. } if *session == Uuid::from_u128(7).to_string())),
        "{fx:?}"
    );
}

#[test]
fn detail_scrolls_with_j_k_when_it_fills_the_pane() {
    let mut a = app();
    let g = load_generation(&on_documents(&mut a));
    a.update(Action::PageLoaded { list: ListKind::KnowledgeBases, generation: g, result: Ok(kb_page(1..5, false)) });
    a.update(key('J'));
    assert_eq!(a.detail_scroll, 3);
    a.update(key('K'));
    assert_eq!(a.detail_scroll, 0);
    a.update(key('i'));
    assert!(a.detail_visible());
    a.update(key('j'));
    assert_eq!((a.detail_scroll, a.lists.kbs.selected), (3, 0), "j scrolls the detail, not the list");
    a.update(key('i'));
    a.update(key('j'));
    assert_eq!((a.detail_scroll, a.lists.kbs.selected), (0, 1));
}

/// A page read backwards, as the database returns it for `G`: in list
/// order, with the cursor of its top row when more rows are above.
fn kb_page_from_end(range: std::ops::Range<u128>, more_above: bool) -> ListRows {
    let rows: Vec<KnowledgeBaseRow> = range.map(kb).collect();
    let next = if more_above { rows.first().map(|k| crate::db::Cursor { ts: k.created_at, id: k.id }) } else { None };
    ListRows::KnowledgeBases(Page { rows, next })
}

#[test]
fn capital_g_reads_the_true_end_and_small_g_goes_back_to_the_top() {
    use crate::db::Seek;
    let mut a = app();
    let g = load_generation(&on_documents(&mut a));
    a.update(Action::PageLoaded { list: ListKind::KnowledgeBases, generation: g, result: Ok(kb_page(0..100, true)) });
    // G: one backward page from the bottom, nothing in between.
    let fx = a.update(key('G'));
    let (g_end, seek) = fx
        .iter()
        .find_map(|e| match e {
            Effect::LoadPage { generation, seek, .. } => Some((*generation, *seek)),
            _ => None,
        })
        .expect("a page from the end");
    assert_eq!(seek, Seek::Last);
    assert!(g_end > g, "a fresh generation drops pages still loading from the top");
    // Keys pressed while it loads are kept.
    a.update(key('k'));
    a.update(key('k'));
    a.update(Action::PageLoaded {
        list: ListKind::KnowledgeBases,
        generation: g_end,
        result: Ok(kb_page_from_end(9_900..10_000, true)),
    });
    assert_eq!(a.lists.kbs.rows.last().unwrap().id, Uuid::from_u128(9_999), "the last row of the whole list");
    assert_eq!(a.lists.kbs.selected, 97, "the selection is at the end, then two up");
    // Climbing towards the top of the loaded rows loads the page above.
    let mut above = None;
    for _ in 0..90 {
        for e in a.update(key('k')) {
            if let Effect::LoadPage { seek: Seek::Before(c), generation, .. } = e {
                above = Some((c, generation));
            }
        }
    }
    let (c, gen_above) = above.expect("the page above was requested");
    assert_eq!(c.id, Uuid::from_u128(9_900));
    let selected_id = a.lists.kbs.selected_row().unwrap().id;
    a.update(Action::PageLoaded {
        list: ListKind::KnowledgeBases,
        generation: gen_above,
        result: Ok(kb_page_from_end(9_800..9_900, true)),
    });
    assert_eq!(a.lists.kbs.rows.len(), 200);
    assert_eq!(a.lists.kbs.selected_row().unwrap().id, selected_id, "the selection stays on its row");
    // The count of the unchanged query still lands after G (it is not stale).
    assert!(a.lists.kbs.counting);
    a.update(Action::Counted { list: ListKind::KnowledgeBases, generation: g, result: Ok(RowCount::Exact(10_000)) });
    assert_eq!(a.lists.kbs.count, Some(RowCount::Exact(10_000)));
    // Row i of the fixture sits at position i + 1 of the whole list.
    let at = a.lists.kbs.selected_row().unwrap().id.as_u128() + 1;
    assert_eq!(a.lists.kbs.position_label(), format!("{} of 10,000", crate::db::page::group(at as i64)));
    // g: back to the top, read again from the top.
    let fx = a.update(key('g'));
    assert!(fx.iter().any(|e| matches!(e, Effect::LoadPage { seek: Seek::First, .. })));
    assert!(a.lists.kbs.rows.is_empty() && a.lists.kbs.loading);
}

#[test]
fn capital_g_on_a_fully_loaded_list_just_moves() {
    let mut a = app();
    let g = load_generation(&on_documents(&mut a));
    a.update(Action::PageLoaded { list: ListKind::KnowledgeBases, generation: g, result: Ok(kb_page(0..30, false)) });
    let fx = a.update(key('G'));
    assert!(!fx.iter().any(|e| matches!(e, Effect::LoadPage { .. })));
    assert_eq!(a.lists.kbs.selected, 29);
}

#[test]
fn a_stale_connection_failure_does_not_put_the_console_offline() {
    let mut a = app();
    let g1 = load_generation(&on_documents(&mut a));
    a.update(Action::PageLoaded { list: ListKind::KnowledgeBases, generation: g1, result: Ok(kb_page(0..5, false)) });
    a.update(key('r'));
    let lost = LoadError { message: "connection refused".into(), connection: true };
    a.update(Action::PageLoaded { list: ListKind::KnowledgeBases, generation: g1, result: Err(lost.clone()) });
    assert_eq!(a.conn, ConnState::Online, "a failure of an older generation is stale");
    a.update(Action::Counted { list: ListKind::KnowledgeBases, generation: g1, result: Err(lost) });
    assert_eq!(a.conn, ConnState::Online);
}

#[test]
fn the_row_read_whole_is_debounced_while_the_selection_moves() {
    let mut a = app();
    a.size = (140, 40);
    let (g, ..) = mapped_load(&a.start());
    let mut fx =
        a.update(Action::MappedLoaded { generation: g, result: Ok(native_rows(&(0..20).collect::<Vec<_>>())) });
    for _ in 0..10 {
        fx.extend(a.update(key('j')));
    }
    // Every read is a debounced one under the same task key, so the
    // runner replaces each with the next and only the last one runs.
    let loads: Vec<_> = fx.iter().filter(|e| matches!(e, Effect::Debounce { .. })).collect();
    assert_eq!(loads.len(), 11);
    assert!(loads.iter().all(|e| e.task_key().as_deref() == Some("browse-row")));
    assert!(!fx.iter().any(|e| matches!(e, Effect::LoadRowFields { .. })), "no undebounced read");
}

#[test]
fn writes_are_marked_for_the_gate() {
    let kb = Uuid::from_u128(1);
    assert!(Effect::DeleteDocument { id: kb, filename: "x".into() }.writes());
    assert!(
        Effect::StartIngest { job: 1, kb, paths: vec![], chunk: crate::spec::ChunkSettings { tokens: 10, overlap: 0 } }
            .writes()
    );
    let read = Effect::LoadRowFields { generation: 1, kind: crate::schema::Kind::Demo, id: kb.to_string() };
    assert!(!read.writes());
}

#[test]
fn messages_are_logged_and_an_error_goes_when_its_cause_is_fixed() {
    let mut a = app();
    let g = load_generation(&on_documents(&mut a));
    a.update(Action::Counted {
        list: ListKind::KnowledgeBases,
        generation: g,
        result: Err(LoadError { message: "canceling statement due to statement timeout".into(), connection: false }),
    });
    assert!(a.message.as_ref().unwrap().text.contains("count failed"));
    // The count works on a retry: its error is gone from the status line…
    let fx = a.update(key('c'));
    let g2 = fx
        .iter()
        .find_map(|e| match e {
            Effect::Count { generation, exact: true, .. } => Some(*generation),
            _ => None,
        })
        .unwrap();
    a.update(Action::Counted { list: ListKind::KnowledgeBases, generation: g2, result: Ok(RowCount::Exact(3)) });
    assert!(a.message.is_none(), "{:?}", a.message);
    // …but kept in the log, which M opens.
    assert!(a.log.iter().any(|e| e.text.contains("count failed") && e.level == Level::Error));
    for i in 0..5 {
        a.info(format!("note {i}"));
    }
    a.update(key('M'));
    assert!(matches!(a.modal, Some(Modal::Messages { scroll: 0 })), "at the newest");
    // k goes up to older lines, j back down to the newest (and no further).
    a.update(key('k'));
    a.update(key('k'));
    a.update(key('j'));
    assert!(matches!(a.modal, Some(Modal::Messages { scroll: 1 })));
    a.update(key('j'));
    a.update(key('j'));
    assert!(matches!(a.modal, Some(Modal::Messages { scroll: 0 })));
    // Up past the oldest line stops there: one j is one line back down.
    for _ in 0..50 {
        a.update(key('k'));
    }
    let Some(Modal::Messages { scroll: top }) = a.modal else { panic!("the log") };
    assert!(top > 0 && top <= a.log.len() as u16 * 2, "{top} for {} entries", a.log.len());
    a.update(key('j'));
    assert!(matches!(a.modal, Some(Modal::Messages { scroll }) if scroll == top - 1));
    a.update(code(KeyCode::Esc));
    assert!(a.modal.is_none());
    // An unrelated message is not cleared by the count.
    a.info("exported 3 messages to /tmp/x.md");
    a.update(Action::Counted { list: ListKind::KnowledgeBases, generation: g2, result: Ok(RowCount::Exact(3)) });
    assert!(a.message.is_some());
}

#[test]
fn replaying_a_user_message_searches_the_demos_knowledge_base_with_the_bots_answer_beside() {
    use crate::db::messages::MessageRow;
    let mut a = app();
    a.start();
    let session = Uuid::from_u128(5);
    a.open_transcript(session.to_string(), &mut Vec::new());
    a.tab = Tab::Transcript;
    let g = a.transcript.generation;
    let m = |i: u128, role: &str, text: &str| MessageRow {
        id: Uuid::from_u128(100 + i),
        session_id: session,
        role: role.into(),
        content: text.into(),
        created_at: chrono::Utc.with_ymd_and_hms(2026, 1, 1, 0, 0, i as u32).unwrap(),
        token_count: 3,
        metadata: serde_json::json!({}),
    };
    let rows =
        vec![m(0, "user", "Are you open on Saturday?"), m(1, "assistant", "Yes, 9 to 1."), m(2, "user", "Thanks")];
    a.update(Action::MessagesLoaded {
        generation: g,
        result: Ok(ConversationPage { rows: rows.into_iter().map(Into::into).collect(), next: None }),
    });
    let demo = Uuid::from_u128(77);
    let mut s = crate::db::sessions::SessionRow {
        id: session,
        lead_id: Uuid::from_u128(6),
        demo_id: demo,
        lead_identifier: "x@example.com".into(),
        lead_display_name: None,
        demo_name: None,
        channel: "chat".into(),
        created_at: chrono::Utc::now(),
        ended_at: None,
        metadata: serde_json::json!({}),
        message_count: 3,
        token_total: 9,
    };
    s.demo_id = demo;
    a.update(Action::SessionLoaded { generation: g, result: Ok(s.into()) });
    // On the assistant's message: refused, it is not a question.
    a.transcript.selected = 1;
    assert!(a.update(key('R')).is_empty());
    a.transcript.selected = 0;
    let fx = a.update(key('R'));
    let Some(Effect::FindReplayKb { demo: d, question, answer }) = fx.first().cloned() else { panic!("{fx:?}") };
    assert_eq!((d, question.as_str(), answer.as_deref()), (demo, "Are you open on Saturday?", Some("Yes, 9 to 1.")));
    let mut kb = crate::db::knowledge::sample(9, "FAQ");
    kb.demo_id = demo;
    let fx = a.update(Action::ReplayReady { result: Ok(kb), question, answer });
    assert_eq!(a.tab, Tab::Search);
    assert_eq!(a.search.text, "Are you open on Saturday?");
    assert_eq!(a.search.replay_answer.as_deref(), Some("Yes, 9 to 1."));
    assert!(matches!(fx.first(), Some(Effect::Search { .. })), "searched at once: {fx:?}");
    assert!(fx.iter().any(|e| matches!(e, Effect::LoadHistory { .. })), "and its remembered questions read");
}

fn limit(key: &str, default: i32, over: Option<i32>) -> crate::db::limits::Effective {
    crate::db::limits::Effective {
        key: key.into(),
        description: Some("d".into()),
        default_value: default,
        default_version: "10".into(),
        override_value: over,
        override_version: over.map(|_| "11".to_string()),
        override_updated_at: None,
        override_updated_by: None,
        overrides: 0,
        name: None,
    }
}

/// The generation of the Limits or Audit tab's load (or count) among `fx`
/// that `which` accepts.
fn limits_load(fx: &[Effect], which: impl Fn(&Effect) -> bool) -> u64 {
    fx.iter()
        .find_map(|e| match e {
            Effect::LoadLimits { generation, .. }
            | Effect::CountLimits { generation, .. }
            | Effect::LoadAudit { generation, .. }
                if which(e) =>
            {
                Some(*generation)
            }
            _ => None,
        })
        .unwrap_or_else(|| panic!("a limits load: {fx:?}"))
}

/// The Limits tab for tenant 1 (from the breadcrumb), loaded with `rows`.
fn limits_for_tenant(rows: Vec<crate::db::limits::Effective>) -> App {
    let mut a = app();
    // Tenant 1 drilled into on the Tenants tab.
    let (g, ..) = mapped_load(&a.start());
    a.update(Action::MappedLoaded { generation: g, result: Ok(native_rows(&[1])) });
    a.update(code(KeyCode::Enter));
    assert_eq!(a.nav.tenant.as_ref().map(|t| t.id), Some(Uuid::from_u128(1)));
    let fx = a.update(key('7'));
    let generation = fx
        .iter()
        .find_map(|e| match e {
            Effect::LoadLimits { generation, tenant, .. } => {
                assert_eq!(*tenant, Some(Uuid::from_u128(1)));
                Some(*generation)
            }
            _ => None,
        })
        .expect("the limits load");
    a.update(Action::LimitsLoaded {
        generation,
        from: KeysFrom::Top,
        result: Ok(crate::action::LimitsView { rows, ..Default::default() }),
    });
    a
}

fn submitted_write(a: &mut App, value: &str) -> crate::action::LimitWrite {
    a.update(code(KeyCode::Enter));
    assert!(matches!(a.modal, Some(Modal::LimitEdit(_))));
    for c in value.chars() {
        a.update(key(c));
    }
    a.update(code(KeyCode::Enter));
    let Some(Modal::Confirm(c)) = &a.modal else { panic!("a confirmation") };
    let Effect::SaveLimit(w) = c.effect.clone() else { panic!("a limit write") };
    let fx = a.update(key('y'));
    assert!(matches!(fx.as_slice(), [Effect::SaveLimit(x)] if *x == w), "{fx:?}");
    w
}

#[test]
fn a_limit_edit_carries_the_version_it_was_shown_and_the_scope() {
    use crate::action::LimitChange;
    use crate::db::limits::Expect;
    let mut a = limits_for_tenant(vec![limit("demos_per_hour", 10, None), limit("messages_per_demo", 50, Some(80))]);
    // The value starts empty, its hint naming the value now (not a value itself).
    a.update(code(KeyCode::Enter));
    match &a.modal {
        Some(Modal::LimitEdit(e)) => match &e.form.fields[0].value {
            crate::app::form::FieldValue::Text(t) => {
                assert_eq!((t.lines().join(""), t.placeholder_text()), (String::new(), "now 10: type the new value"))
            }
            _ => panic!("a text field"),
        },
        _ => panic!("the editor is open"),
    }
    a.update(code(KeyCode::Esc));
    // No override yet: the write expects none.
    let w = submitted_write(&mut a, "20");
    assert_eq!(w.tenant.as_ref().map(|t| t.0), Some(Uuid::from_u128(1)));
    assert_eq!(w.change, LimitChange::Set { value: 20, expect: Expect::Absent });
    // An override: the write expects its version.
    a.update(key('j'));
    let w = submitted_write(&mut a, "90");
    assert_eq!(w.change, LimitChange::Set { value: 90, expect: Expect::Version("11".into()) });
    // The global view edits the default with the default's version.
    let fx = a.update(key('t'));
    assert!(a.limits_tenant().is_none());
    let generation = fx.iter().find_map(|e| match e {
        Effect::LoadLimits { generation, tenant: None, .. } => Some(*generation),
        _ => None,
    });
    a.update(Action::LimitsLoaded {
        generation: generation.expect("a reload for the global scope"),
        from: KeysFrom::Top,
        result: Ok(crate::action::LimitsView {
            rows: vec![limit("demos_per_hour", 10, None), limit("messages_per_demo", 50, None)],
            ..Default::default()
        }),
    });
    let w = submitted_write(&mut a, "60");
    assert_eq!((w.tenant, w.change), (None, LimitChange::Set { value: 60, expect: Expect::Version("10".into()) }));
}

#[test]
fn a_bad_limit_value_stays_in_the_form_and_sends_nothing() {
    let mut a = limits_for_tenant(vec![limit("messages_per_demo", 50, None)]);
    a.update(code(KeyCode::Enter));
    for text in ["-3", "x", "10001"] {
        for c in text.chars() {
            a.update(key(c));
        }
        let fx = a.update(code(KeyCode::Enter));
        assert!(fx.is_empty(), "{fx:?}");
        let Some(Modal::LimitEdit(e)) = &a.modal else { panic!("the form stays open") };
        assert!(e.form.error.as_deref().is_some_and(|m| m.contains("allowed: 0 to 10,000")), "{:?}", e.form.error);
        for _ in text.chars() {
            a.update(code(KeyCode::Backspace));
        }
    }
    a.update(code(KeyCode::Esc));
    assert!(a.modal.is_none());
}

#[test]
fn stale_limits_and_a_refused_write_reload_the_scope() {
    let mut a = limits_for_tenant(vec![limit("messages_per_demo", 50, None)]);
    // Switch to the global view: a late answer for the tenant is dropped.
    let old_generation = a.limits.generation;
    let fx = a.update(key('t'));
    assert!(fx.iter().any(|e| matches!(e, Effect::LoadLimits { tenant: None, .. })));
    a.update(Action::LimitsLoaded {
        generation: old_generation,
        from: KeysFrom::Top,
        result: Ok(crate::action::LimitsView {
            rows: vec![limit("messages_per_demo", 50, Some(999))],
            ..Default::default()
        }),
    });
    assert!(a.limits.rows.iter().all(|r| r.override_value.is_none()), "a stale scope's rows are not shown");
    // A conflict is said, and the scope reloads to show the value now.
    let fx = a.update(Action::LimitSaved { result: Err("conflict: … it is now 70; nothing was written".into()) });
    assert!(a.message.as_ref().is_some_and(|m| m.level == Level::Error && m.text.contains("it is now 70")));
    assert!(fx.iter().any(|e| matches!(e, Effect::LoadLimits { .. })), "{fx:?}");
    // Coming back to the tab reads the values again.
    a.update(Action::LimitsLoaded {
        generation: a.limits.generation,
        from: KeysFrom::Top,
        result: Ok(Default::default()),
    });
    a.update(key('1'));
    let fx = a.update(key('7'));
    assert!(fx.iter().any(|e| matches!(e, Effect::LoadLimits { .. })), "{fx:?}");
}

#[test]
fn removing_a_tenants_override_asks_a_reason_then_confirms() {
    use crate::db::limits::Expect;
    use crate::db::rate_limits::{LimitChange, LimitWrite};
    let mut a = limits_for_tenant(vec![limit("messages_per_demo", 50, Some(80))]);
    a.update(key('d'));
    let Some(Modal::LimitEdit(edit)) = &a.modal else { panic!("a reason first") };
    assert_eq!(edit.title(), "messages_per_demo · tenant row 1 · remove the override 80");
    for c in "spike over".chars() {
        a.update(key(c));
    }
    a.update(code(KeyCode::Enter));
    let Some(Modal::Confirm(c)) = &a.modal else { panic!("then the question") };
    assert_eq!(
        c.text,
        "messages_per_demo: remove the override 80 for tenant row 1? The default 50 applies again. \
         Reason: spike over. (y/n)"
    );
    let fx = a.update(key('y'));
    let want = Effect::SaveLimit(LimitWrite {
        key: "messages_per_demo".into(),
        tenant: Some((Uuid::from_u128(1), "row 1".into())),
        change: LimitChange::Unset { expect: Expect::Version("11".into()) },
        reason: Some("spike over".into()),
    });
    assert!(fx.contains(&want), "{fx:?}");
}

#[test]
fn a_server_that_refuses_writes_disables_them_with_its_reason() {
    let mut a = limits_for_tenant(vec![limit("messages_per_demo", 50, None)]);
    let access = crate::db::access::Access {
        read_only_session: false,
        in_recovery: true,
        role: "app".into(),
        missing: Vec::new(),
    };
    a.update(Action::AccessChecked { result: Ok(access) });
    assert!(a.read_only, "the badge shows");
    a.update(code(KeyCode::Enter));
    assert!(a.modal.is_none(), "no editor on a replica");
    assert!(a.message.as_ref().is_some_and(|m| m.text.contains("replica")), "{:?}", a.message);
    a.update(key('n'));
    assert!(a.modal.is_none());
}

#[test]
fn an_idle_console_needs_no_redraw_on_a_tick() {
    let mut a = app();
    let (generation, ..) = mapped_load(&a.start());
    a.update(Action::MappedLoaded { generation, result: Ok(native_rows(&[1, 2, 3, 4])) });
    a.update(Action::MappedCounted { generation, result: Ok(Some(RowCount::Exact(4))) });
    assert!(!a.changes_with_time(), "nothing pending, no message: a tick changes nothing");
    a.info("exported");
    assert!(a.changes_with_time(), "a status message counts down");
    for _ in 0..100 {
        a.update(Action::Tick);
    }
    assert!(a.message.is_none() && !a.changes_with_time());
    a.update(key('j'));
    a.update(key('r'));
    assert!(a.changes_with_time(), "a reload is pending: the spinner turns");
}

/// A Browse row named `row ID`, keyed by its id.
/// Answers the Browse page `fx` asks for with rows `ids`.
fn answer_browse_page(a: &mut App, fx: &[Effect], ids: &[&str]) {
    let (generation, ..) = browse_load(fx).expect("a page is asked for");
    let page = crate::db::mapped::MappedPage { rows: ids.iter().map(browse_row).collect(), next: None };
    a.update(Action::MappedLoaded { generation, result: Ok(page) });
}

/// The Browse page `fx` asks for: (generation, where it starts, read backwards).
fn browse_load(fx: &[Effect]) -> Option<(u64, Option<Vec<Option<String>>>, bool)> {
    fx.iter().find_map(|e| match e {
        Effect::LoadMapped { generation, after, backward, .. } => Some((*generation, after.clone(), *backward)),
        _ => None,
    })
}

fn browse_row(id: impl std::fmt::Display) -> crate::db::mapped::MappedRow {
    let id = id.to_string();
    crate::db::mapped::MappedRow {
        title: Some(format!("row {id}")),
        status: None,
        created_at: None,
        role: None,
        content: None,
        key: vec![Some(id.clone())],
        id,
        ..Default::default()
    }
}

#[test]
fn g_reads_a_browse_list_from_its_end_and_up_and_g_from_its_top() {
    use crate::db::mapped::MappedPage;
    let rows = |ids: std::ops::Range<u32>| ids.map(browse_row).collect::<Vec<_>>();
    let load = |fx: &[Effect]| browse_load(fx).unwrap_or_else(|| panic!("a page is asked for: {fx:?}"));
    let mut a = app();
    a.browse_layout(crate::schema::load("omni").unwrap());
    let (generation, _, _) = load(&a.start());
    // The top page, with more below.
    let next = Some(vec![Some("19".to_string())]);
    a.update(Action::MappedLoaded { generation, result: Ok(MappedPage { rows: rows(10..20), next }) });
    // G: the end, read up from it in one page (not the next page down).
    let (generation, after, backward) = load(&a.update(key('G')));
    assert_eq!((after, backward), (None, true));
    let above = Some(vec![Some("90".to_string())]);
    let end = MappedPage { rows: rows(90..100), next: above.clone() };
    a.update(Action::MappedLoaded { generation, result: Ok(end) });
    let s = a.browser.current();
    assert_eq!((s.rows.first().unwrap().id.as_str(), s.selected, s.next.is_none()), ("90", 9, true), "on the last row");
    // Up towards the top of what is loaded: the page above, kept in order,
    // the selection on the same row.
    let mut fx = Vec::new();
    for _ in 0..9 {
        fx.extend(a.update(key('k')));
    }
    let (generation, after, backward) = load(&fx);
    assert_eq!((after, backward), (above, true));
    a.update(Action::MappedLoaded {
        generation,
        result: Ok(MappedPage { rows: rows(80..90), next: Some(vec![Some("80".into())]) }),
    });
    let s = a.browser.current();
    let ids: Vec<&str> = s.rows.iter().map(|r| r.id.as_str()).collect();
    assert_eq!((ids.first().copied(), ids.last().copied(), ids.len()), (Some("80"), Some("99"), 20));
    assert_eq!(s.selected_row().unwrap().id, "90", "the same row selected");
    // g: the top again, read from the top.
    let (generation, after, backward) = load(&a.update(key('g')));
    assert_eq!((after, backward), (None, false));
    let next = Some(vec![Some("19".to_string())]);
    a.update(Action::MappedLoaded { generation, result: Ok(MappedPage { rows: rows(10..20), next }) });
    // c: every row counted, and that count shown (a later page does not drop it).
    let fx = a.update(key('c'));
    let Some(Effect::CountMapped { generation, exact: true, .. }) =
        fx.iter().find(|e| matches!(e, Effect::CountMapped { .. })).cloned()
    else {
        panic!("{fx:?}")
    };
    // A page asked for while counting (moving down) does not make the count stale.
    let mut paged = false;
    for _ in 0..12 {
        paged |= a.update(key('j')).iter().any(|e| matches!(e, Effect::LoadMapped { .. }));
    }
    assert!(paged, "the next page was asked for meanwhile");
    a.update(Action::MappedCounted { generation, result: Ok(Some(crate::db::RowCount::Exact(123_456))) });
    assert_eq!(a.browser.current().count, Some(crate::db::RowCount::Exact(123_456)));
    let fx = a.update(key('c'));
    let Some(Effect::CountMapped { generation, .. }) =
        fx.iter().find(|e| matches!(e, Effect::CountMapped { .. })).cloned()
    else {
        panic!("{fx:?}")
    };
    let timeout = LoadError { message: "canceling statement due to statement timeout".into(), connection: false };
    a.update(Action::MappedCounted { generation, result: Err(timeout) });
    assert!(a.log.back().unwrap().text.contains("count failed: canceling statement"), "a failure is said");
    assert_eq!(a.browser.current().count, Some(crate::db::RowCount::Exact(123_456)), "kept");
    // i: the detail in the whole pane (j scrolls it; Esc gives the list
    // back), then hidden, then back under the list.
    a.update(key('i'));
    assert!(a.browser.detail && a.browser.detail_full);
    let (at, depth) = (a.browser.current().selected, a.browser.stack.len());
    a.update(key('j'));
    assert_eq!((a.browser.current().selected, a.browser.detail_scroll), (at, 1), "j scrolls the detail");
    // It scrolls no further than it has lines (as last drawn): back up at once.
    a.browser.detail_max.set(Some(2));
    for _ in 0..5 {
        a.update(key('j'));
    }
    a.update(key('k'));
    assert_eq!(a.browser.detail_scroll, 1);
    a.update(key('G'));
    assert_eq!(a.browser.detail_scroll, 2, "G: the detail's end");
    a.update(code(KeyCode::Esc));
    assert!(a.browser.detail && !a.browser.detail_full, "Esc: the list again");
    assert_eq!((a.browser.stack.len(), a.browser.current().selected), (depth, at), "at the same level and row");
    a.update(key('i'));
    a.update(key('i'));
    assert!(!a.browser.detail);
    a.update(key('i'));
    assert!(a.browser.detail && !a.browser.detail_full);
}

#[test]
fn a_burst_of_page_downs_while_a_browse_page_loads_is_applied_when_it_lands() {
    use crate::db::mapped::MappedPage;
    let rows = |ids: std::ops::Range<u32>| ids.map(browse_row).collect::<Vec<_>>();
    let asked = |fx: &[Effect]| browse_load(fx).map(|(generation, after, _)| (generation, after));
    let mut a = app();
    a.browse_layout(crate::schema::load("omni").unwrap());
    let (generation, _) = asked(&a.start()).unwrap();
    let next = |last: u32| Some(vec![Some(last.to_string())]);
    a.update(Action::MappedLoaded { generation, result: Ok(MappedPage { rows: rows(0..100), next: next(99) }) });
    let page = a.browse_page();
    // Pages down at once, as many as reach into the second page: the
    // first ones reach the loaded end and ask for the next page; the rest
    // wait for it.
    let presses = 199 / page;
    let mut fx = Vec::new();
    for _ in 0..presses {
        fx.extend(a.update(code(KeyCode::PageDown)));
    }
    let loads: Vec<_> = fx.iter().filter_map(|e| asked(std::slice::from_ref(e))).collect();
    assert_eq!(loads.len(), 1, "one page asked for: {fx:?}");
    let (generation, after) = loads[0].clone();
    assert_eq!(after, next(99));
    assert_eq!(a.browser.current().selected, 99, "held at the loaded end");
    let fx =
        a.update(Action::MappedLoaded { generation, result: Ok(MappedPage { rows: rows(100..200), next: next(199) }) });
    // Every press counted, across both pages, and the next page asked for
    // on the way (the selection is within a page of its end).
    let s = a.browser.current();
    assert_eq!(s.selected, presses * page, "page {page}");
    let (generation, after) = asked(&fx).expect("the next page, the selection near the loaded end");
    assert_eq!(after, next(199));
    // The last page: what still waited lands on it, and past the end of a
    // list with no more rows nothing waits.
    a.update(Action::MappedLoaded { generation, result: Ok(MappedPage { rows: rows(200..210), next: None }) });
    let s = a.browser.current();
    assert_eq!(s.selected, presses * page, "page {page}");
    for _ in 0..(210 - s.selected) {
        assert!(asked(&a.update(key('j'))).is_none(), "no page past the end");
    }
    let s = a.browser.current();
    assert_eq!((s.selected, s.pending_moves), (209, 0));
}

#[test]
fn the_browse_detail_reads_the_row_it_rests_on_whole_and_drops_older_reads() {
    use crate::db::mapped::MappedPage;
    use crate::schema::Kind;
    let mut a = app();
    a.browse_layout(crate::schema::load("omni").unwrap());
    let fx = a.start();
    let generation = load_generation_of_mapped(&fx);
    let fx = a.update(Action::MappedLoaded {
        generation,
        result: Ok(MappedPage { rows: vec![browse_row("c1"), browse_row("c2")], next: None }),
    });
    let read = |fx: &[Effect]| {
        fx.iter().find_map(|e| match e {
            Effect::Debounce { effect, .. } => match &**effect {
                Effect::LoadRowFields { generation, kind, id } => Some((*generation, *kind, id.clone())),
                _ => None,
            },
            _ => None,
        })
    };
    let (first, kind, id) = read(&fx).expect("the selected row is read whole, debounced");
    assert_eq!((kind, id.as_str()), (Kind::Tenant, "c1"));
    let (second, _, id) = read(&a.update(key('j'))).expect("moving reads the next row");
    assert_eq!(id, "c2");
    assert!(read(&a.update(key('j'))).is_none(), "at the last row: no move, nothing read again");
    // The first read lands late: dropped; the second is kept.
    let fields = |v: &str| Ok(Some(vec![("name".to_string(), serde_json::json!(v))]));
    a.update(Action::RowFieldsLoaded { generation: first, result: fields("stale") });
    assert!(a.browser.whole.of_row(Kind::Tenant, "c2").is_none());
    a.update(Action::RowFieldsLoaded { generation: second, result: fields("fresh") });
    let whole = a.browser.whole.of_row(Kind::Tenant, "c2").cloned();
    assert_eq!(whole, Some(Ok(Some(vec![("name".to_string(), serde_json::json!("fresh"))]))));
    // `i` twice hides the detail: nothing more is read until it shows again.
    a.update(key('i'));
    a.update(key('i'));
    assert!(read(&a.update(key('k'))).is_none());
    assert!(read(&a.update(key('i'))).is_some());
}

fn load_generation_of_mapped(fx: &[Effect]) -> u64 {
    fx.iter()
        .find_map(|e| match e {
            Effect::LoadMapped { generation, .. } => Some(*generation),
            _ => None,
        })
        .expect("a page is loaded")
}

#[test]
fn the_browser_drops_stale_pages_drills_down_and_back() {
    use crate::db::mapped::{MappedPage, Under};
    use crate::schema::Kind;
    let row = browse_row;
    let mut a = app();
    a.browse_layout(crate::schema::load("omni").unwrap());
    // Its entities' tabs in its words, then the console's own.
    let entity_tabs = [Kind::Tenant, Kind::Demo, Kind::Session, Kind::KnowledgeBase].map(Tab::Browse);
    let tabs = [entity_tabs.to_vec(), vec![Tab::Transcript, Tab::Search, Tab::Limits, Tab::Audit]].concat();
    assert_eq!(a.tabs(), tabs);
    let titles: Vec<String> = entity_tabs.iter().map(|t| a.tab_title(*t)).collect();
    assert_eq!(titles, ["Customers", "Widgets", "Conversations", "Domains"]);
    let fx = a.start();
    let Some(Effect::LoadMapped { generation, kind: Kind::Tenant, under: Under::All, .. }) = fx.first().cloned() else {
        panic!("the root loads first: {fx:?}")
    };
    // An answer for another generation is dropped.
    a.update(Action::MappedLoaded {
        generation: generation + 100,
        result: Ok(MappedPage { rows: vec![row("stale")], next: None }),
    });
    assert!(a.browser.current().rows.is_empty());
    a.update(Action::MappedLoaded {
        generation,
        result: Ok(MappedPage { rows: vec![row("c1"), row("c2")], next: None }),
    });
    a.update(key('j'));
    let fx = a.update(code(KeyCode::Enter));
    assert!(
        fx.iter().any(|e| matches!(e, Effect::LoadMapped { kind: Kind::Demo, under: Under::Row(p), .. } if p == "c2")),
        "Enter lists the selected customer's widgets: {fx:?}"
    );
    assert_eq!(a.tab, Tab::Browse(Kind::Demo), "the widgets' tab follows");
    // 3: the conversations of the customer selected on the path.
    let fx = a.update(key('3'));
    assert_eq!(a.tab, Tab::Browse(Kind::Session));
    assert!(
        fx.iter()
            .any(|e| matches!(e, Effect::LoadMapped { kind: Kind::Session, under: Under::Row(p), .. } if p == "c2")),
        "{fx:?}"
    );
    assert_eq!(a.browser.stack.len(), 2, "in place of the widgets, under the customer");
    // Esc: back to the customers, where they were; 1 shows them too.
    a.update(code(KeyCode::Esc));
    let b = &a.browser;
    assert_eq!((b.stack.len(), b.current().kind, b.current().selected), (1, Kind::Tenant, 1), "back where it was");
    assert_eq!(a.tab, Tab::Browse(Kind::Tenant));
    // 001's conversations belong to no demo: their tab lists them all.
    let mut a = app();
    a.browse_layout(crate::schema::load("domo").unwrap());
    a.start();
    let fx = a.update(key('3'));
    assert_eq!(a.tab_title(a.tab), "Conversations");
    assert!(
        fx.iter().any(|e| matches!(e, Effect::LoadMapped { kind: Kind::Session, under: Under::All, .. })),
        "{fx:?}"
    );
}

#[test]
fn a_tab_off_the_drill_path_sets_the_path_aside_and_its_tabs_come_back_to_it() {
    use crate::db::mapped::Under;
    use crate::keymap::Command;
    use crate::schema::Kind;
    let page = answer_browse_page;
    let mut a = app();
    a.browse_layout(crate::schema::load("domo").unwrap());
    let fx = a.start();
    page(&mut a, &fx, &["u1", "u2"]);
    a.update(key('j'));
    let fx = a.update(code(KeyCode::Enter));
    page(&mut a, &fx, &["d1", "d2"]);
    let fx = a.update(code(KeyCode::Enter));
    page(&mut a, &fx, &["k1"]);
    assert_eq!(a.tab, Tab::Browse(Kind::Chunk), "d1's knowledge, in the Knowledge tab");
    let b = &a.browser;
    assert!(!b.answers(Command::Open) && !b.answers(Command::OtherList), "a leaf with no siblings");
    assert!(b.answers(Command::MoreLikeThis) && b.answers(Command::SearchKnowledgeBase));
    // 3: the conversations (of no demo on 001): all of them, on a path of their own.
    let fx = a.update(key('3'));
    assert!(fx.iter().any(|e| matches!(e, Effect::LoadMapped { kind: Kind::Session, under: Under::All, .. })));
    page(&mut a, &fx, &["conv_1"]);
    // 4: d1's knowledge again, where it was; 2 and 1: the demos and users as left.
    a.update(key('4'));
    let b = &a.browser;
    assert_eq!((b.current().kind, b.current().parent.as_ref().map(|p| p.0.as_str())), (Kind::Chunk, Some("d1")));
    assert_eq!(b.current().rows.len(), 1, "its rows kept");
    a.update(key('1'));
    let b = &a.browser;
    assert_eq!((a.tab, b.current().kind, b.current().selected), (Tab::Browse(Kind::Tenant), Kind::Tenant, 1));
    // Esc at the top of the conversations' own path: back to the one left.
    a.update(key('3'));
    assert_eq!(a.browser.stack.len(), 1);
    a.update(code(KeyCode::Esc));
    let b = &a.browser;
    assert_eq!((a.tab, b.current().kind, b.current().selected), (Tab::Browse(Kind::Tenant), Kind::Tenant, 1));
    // s on all the knowledge (no demo chosen) says what it needs.
    a.update(key('4'));
    a.update(key('1'));
    let b = &mut a.browser;
    b.stack = vec![super::browser::Stage { rows: vec![browse_row("k9")], loaded: true, ..b.stack[0].clone() }];
    b.stack[0].kind = Kind::Chunk;
    assert!(!b.answers(Command::SearchKnowledgeBase));
    a.update(key('s'));
    let said = a.message.as_ref().map(|m| m.text.clone()).unwrap_or_default();
    assert!(said.contains("under one row of Demos"), "{said}");
}

#[test]
fn s_on_a_domain_asks_of_all_its_pages_chunks() {
    use crate::db::mapped::MappedPage;
    use crate::schema::Kind;
    use crate::search::Scope;
    let mut a = app();
    a.browse_layout(crate::schema::load("omni").unwrap());
    a.start();
    // 4: the Domains (004's knowledge bases), a root of their own.
    let fx = a.update(key('4'));
    let generation = fx
        .iter()
        .find_map(|e| match e {
            Effect::LoadMapped { generation, kind: Kind::KnowledgeBase, .. } => Some(*generation),
            _ => None,
        })
        .expect("the domains load");
    a.update(Action::MappedLoaded {
        generation,
        result: Ok(MappedPage { rows: vec![browse_row("dom1")], next: None }),
    });
    assert!(a.browser.answers(crate::keymap::Command::SearchKnowledgeBase));
    a.update(key('s'));
    assert_eq!(a.tab, Tab::Search);
    let Some(Scope::Layout(scope)) = &a.search.scope else { panic!("{:?}", a.search.scope) };
    assert!(scope.whole && scope.kind == Kind::Chunk, "{scope:?}");
    assert_eq!(scope.within, Some(("dom1".into(), "row dom1".into())));
}

#[test]
fn a_conversation_of_another_layout_opens_in_the_transcript_tab_and_esc_comes_back() {
    use crate::db::mapped::MappedPage;
    use crate::schema::Kind;
    let mut a = app();
    a.browse_layout(crate::schema::load("omni").unwrap());
    let mut fx = a.start();
    // Customers → (businesses, `o`:) conversations, each answered with one row.
    for (kind, id, next) in [(Kind::Tenant, "c1", 'E'), (Kind::Demo, "b1", 'o'), (Kind::Session, "42", 'E')] {
        let Some(Effect::LoadMapped { generation, kind: k, .. }) =
            fx.iter().find(|e| matches!(e, Effect::LoadMapped { .. })).cloned()
        else {
            panic!("{kind} loads: {fx:?}")
        };
        assert_eq!(k, kind);
        a.update(Action::MappedLoaded {
            generation,
            result: Ok(MappedPage { rows: vec![browse_row(id)], next: None }),
        });
        fx = a.update(if next == 'E' { code(KeyCode::Enter) } else { key(next) });
    }
    assert_eq!(a.tab, Tab::Transcript, "Enter on a conversation reads it");
    assert!(fx.iter().any(|e| matches!(e, Effect::LoadSession { id, .. } if id == "42")), "{fx:?}");
    assert!(
        fx.iter().any(|e| matches!(e, Effect::LoadMessages { session, after: None, .. } if session == "42")),
        "{fx:?}"
    );
    // Its export goes through the same effect as ours, with the layout's id.
    let fx = a.update(key('E'));
    assert!(fx.iter().any(|e| matches!(e, Effect::Export { session, .. } if session == "42")), "{fx:?}");
    a.update(key('3'));
    assert_eq!(a.tab, Tab::Browse(Kind::Session), "3 is the conversations' tab, as they were");
    assert_eq!(a.browser.stack.len(), 2);
    a.update(key('5'));
    assert_eq!(a.tab, Tab::Transcript);
    a.update(code(KeyCode::Esc));
    assert_eq!(a.tab, Tab::Browse(Kind::Session), "Esc goes back to where it was opened");
    assert_eq!(a.browser.current().kind, Kind::Session);
}

#[test]
fn rows_without_a_parent_are_one_more_list_at_the_top() {
    use crate::db::mapped::Under;
    use crate::schema::Kind;
    let mut a = app();
    a.browse_layout(crate::schema::load("workspaces").unwrap());
    a.browser.parentless = vec![Kind::Session];
    a.start();
    let roots = super::browser::roots(&a.browser.layout);
    // Past the roots, `o` comes to the chat sessions that have no project.
    let mut fx = Vec::new();
    for _ in 0..roots.len() {
        fx = a.update(key('o'));
    }
    let b = &a.browser;
    assert_eq!((b.current().kind, b.current().parentless), (Kind::Session, true));
    assert_eq!(b.label(), "Chat sessions outside Projects");
    assert!(
        fx.iter().any(|e| matches!(e, Effect::LoadMapped { kind: Kind::Session, under: Under::Nothing, .. })),
        "{fx:?}"
    );
    assert!(fx.iter().any(|e| matches!(e, Effect::CountMapped { under: Under::Nothing, .. })), "{fx:?}");
    // And round again to the first root.
    a.update(key('o'));
    let b = &a.browser;
    assert_eq!((b.current().kind, b.current().parentless), (roots[0], false));
}

#[test]
fn hash_opens_a_conversation_by_its_id_on_any_layout() {
    for foreign in [false, true] {
        let mut a = app();
        if foreign {
            a.browse_layout(crate::schema::load("domo").unwrap());
        }
        a.start();
        a.update(key('#'));
        assert!(matches!(&a.modal, Some(Modal::Input(i)) if i.purpose == InputPurpose::ConversationId));
        for c in "conv_1a".chars() {
            a.update(key(c));
        }
        let fx = a.update(code(KeyCode::Enter));
        assert_eq!(fx, vec![Effect::ResolveConversation { spec: "conv_1a".into() }]);
        // Not found: said, and nothing opens.
        let spec = "conv_1a".to_string();
        a.update(Action::ConversationResolved {
            spec: spec.clone(),
            result: Err("no conversation with id 'conv_1a'".into()),
        });
        assert_ne!(a.tab, Tab::Transcript);
        assert!(a.log.back().unwrap().text.contains("no conversation"));
        // Given back to mend.
        match &a.modal {
            Some(Modal::Input(i)) => assert_eq!(i.textarea.lines().join(""), "conv_1a"),
            _ => panic!("the prompt is open again"),
        }
        a.update(code(KeyCode::Esc));
        let fx = a.update(Action::ConversationResolved { spec, result: Ok("conv_1a2b".into()) });
        assert_eq!(a.tab, Tab::Transcript, "foreign: {foreign}");
        assert!(fx.iter().any(|e| matches!(e, Effect::LoadSession { id, .. } if id == "conv_1a2b")), "{fx:?}");
    }
}

#[test]
fn a_browse_filter_the_list_cannot_take_is_refused_before_loading() {
    let mut a = app();
    a.browse_layout(crate::schema::load("omni").unwrap());
    a.start();
    a.update(key('/'));
    for c in "acme status:live".chars() {
        a.update(key(c));
    }
    let fx = a.update(code(KeyCode::Enter));
    assert!(!fx.iter().any(|e| matches!(e, Effect::LoadMapped { .. })), "nothing loaded: {fx:?}");
    assert_eq!(a.browser.current().filter, "", "the list stays as it was");
    assert!(
        a.log
            .back()
            .unwrap()
            .text
            .contains("not filtered: unknown filter 'status:' here (try email: company_name: id: after: before:)")
    );
    // The prompt is open again on what was typed; Esc leaves it.
    match &a.modal {
        Some(Modal::Input(i)) => assert_eq!(i.textarea.lines().join(""), "acme status:live"),
        _ => panic!("the filter prompt is open again"),
    }
    a.update(code(KeyCode::Esc));
    assert!(a.modal.is_none());
    // A filter it takes is applied.
    a.update(key('/'));
    for c in "acme after:2026-01-01".chars() {
        a.update(key(c));
    }
    let fx = a.update(code(KeyCode::Enter));
    assert!(fx.iter().any(|e| matches!(e, Effect::LoadMapped { filter, .. } if filter == "acme after:2026-01-01")));
    assert!(a.message.is_none(), "the refusal went once a filter was taken: {:?}", a.message);
    // Lists with nothing to filter on say so as the filter is entered: 001's
    // conversations (derived from messages).
    let mut a = app();
    a.browse_layout(crate::schema::load("domo").unwrap());
    a.start();
    a.update(key('o'));
    assert_eq!(a.browser.current().kind, crate::schema::Kind::Session);
    a.update(key('/'));
    for c in "conv_3".chars() {
        a.update(key(c));
    }
    let fx = a.update(code(KeyCode::Enter));
    assert!(!fx.iter().any(|e| matches!(e, Effect::LoadMapped { .. })), "{fx:?}");
    assert!(a.log.back().unwrap().text.contains("nothing to filter on (# opens one by its id)"), "{:?}", a.log.back());
}

#[test]
fn a_page_in_flight_when_drilling_down_does_not_freeze_the_list_on_return() {
    use crate::db::mapped::MappedPage;
    let row = browse_row;
    let mut a = app();
    a.browse_layout(crate::schema::load("omni").unwrap());
    let fx = a.start();
    let Some(Effect::LoadMapped { generation, .. }) = fx.first().cloned() else { panic!("{fx:?}") };
    let rows: Vec<_> = (0..30).map(row).collect();
    a.update(Action::MappedLoaded { generation, result: Ok(MappedPage { rows, next: Some(vec![Some("29".into())]) }) });
    // Move towards the end: the next page is asked for; drill down before it comes.
    let asked = |fx: &[Effect]| fx.iter().any(|e| matches!(e, Effect::LoadMapped { after: Some(_), .. }));
    let mut moves = 0;
    while !asked(&a.update(code(KeyCode::PageDown))) {
        moves += 1;
        assert!(moves < 30, "the next page was asked for on the way down");
    }
    a.update(code(KeyCode::Enter));
    a.update(code(KeyCode::Esc));
    // The late answer was for a level no longer shown: moving asks again.
    let fx = a.update(key('k'));
    assert!(
        fx.iter().any(|e| matches!(e, Effect::LoadMapped { after: Some(_), .. })),
        "the next page is asked again: {fx:?}"
    );
}

#[test]
fn browse_text_search_opens_the_search_tab_under_the_selected_row_and_retunes_the_index() {
    use crate::db::search::Mode;
    use crate::schema::Kind;
    use crate::search::{Query, Scope};
    let page = answer_browse_page;
    let mut a = app();
    a.browse_layout(crate::schema::load("domo").unwrap());
    a.browser.vector_index.insert(Kind::Chunk, "ivfflat".into());
    assert!(a.tabs().contains(&Tab::Search), "domo has vectors: the Search tab is there");
    let fx = a.start();
    page(&mut a, &fx, &["u1"]);
    // On users there is nothing with vectors below: s says so.
    assert!(a.update(key('s')).is_empty());
    assert!(a.modal.is_none(), "no prompt on a list without vectors below it");
    assert_eq!(a.tab, Tab::Browse(Kind::Tenant));
    let fx = a.update(code(KeyCode::Enter));
    page(&mut a, &fx, &["d1", "d2"]);
    a.update(key('j'));
    // On a demo: its knowledge is searched, in the Search tab.
    a.update(key('s'));
    assert_eq!(a.tab, Tab::Search);
    for c in "whitening price".chars() {
        a.update(key(c));
    }
    let fx = a.update(code(KeyCode::Enter));
    let searched = |fx: &[Effect]| {
        fx.iter().find_map(|e| match e {
            Effect::Search { request, .. } => Some(request.clone()),
            _ => None,
        })
    };
    let req = searched(&fx).expect("the search runs");
    let Scope::Layout(scope) = &req.scope else { panic!("{:?}", req.scope) };
    assert_eq!((scope.kind, scope.within.as_ref().map(|w| w.0.as_str())), (Kind::Chunk, Some("d2")));
    assert_eq!(req.query, Query::Text("whitening price".into()));
    assert_eq!(
        req.mode,
        Mode::Approximate { ef_search: None, probes: None, iterative_scan: true },
        "through the ivfflat index, at the server's probes (the platform may have tuned them)"
    );
    // The server's probes were 10 (the search read them): e doubles those.
    a.update(Action::SearchDone {
        generation: a.search.generation,
        result: Ok(crate::search::Outcome { breadth: Some(10), ..crate::search::empty_outcome(1) }),
    });
    let req = searched(&a.update(key('e'))).expect("searched again");
    assert_eq!(req.mode, Mode::Approximate { ef_search: None, probes: Some(20), iterative_scan: true });
    a.search.breadth = None;
    a.search.result = None;
    // x: exact; e doubles probes (not ef_search: the column is ivfflat).
    assert_eq!(searched(&a.update(key('x'))).expect("searched again").mode, Mode::Exact);
    a.update(key('x'));
    let req = searched(&a.update(key('e'))).expect("searched again");
    assert_eq!(req.mode, Mode::Approximate { ef_search: None, probes: Some(2), iterative_scan: true });
    let req = searched(&a.update(key('E'))).expect("searched again");
    assert!(matches!(req.mode, Mode::Approximate { probes: Some(1), .. }), "halved, never below 1");
    // What our knowledge bases have and this platform has not is refused.
    for k in ['H', 'o', 'I'] {
        assert!(searched(&a.update(key(k))).is_none(), "{k} is refused here");
        assert_eq!(a.message.as_ref().map(|m| m.level), Some(Level::Error));
    }
    // m on a result: more like it, in the same scope.
    a.update(Action::SearchDone {
        generation: a.search.generation,
        result: Ok(crate::search::Outcome {
            rows: vec![crate::search::Row {
                rank: 1,
                chunk_id: "c7".into(),
                document_id: None,
                filename: String::new(),
                chunk_index: None,
                token_count: None,
                distance: 0.1,
                similarity: Some(0.9),
                content: "Whitening costs".into(),
            }],
            ..crate::search::empty_outcome(1)
        }),
    });
    let req = searched(&a.update(key('m'))).expect("more like this runs");
    assert_eq!(req.query, Query::Like("c7".into()));
    // Back in the demos' tab (2), they are where they were.
    a.update(key('2'));
    let b = &a.browser;
    assert_eq!((a.tab, b.current().kind, b.current().selected), (Tab::Browse(Kind::Demo), Kind::Demo, 1));
    // s on the other demo: its own question, not the last one's to type onto.
    a.update(key('k'));
    a.update(key('s'));
    assert_eq!(a.input().map(|i| i.textarea.lines().join("")), Some(String::new()));
    a.update(code(KeyCode::Esc));
    assert!(a.search.query.is_none() && a.search.result.is_none(), "nothing of the other demo's search");
}

#[test]
fn a_foreign_limit_is_edited_in_the_limits_tab_with_a_confirmation() {
    use crate::db::limits::{Effective, Expect};
    use crate::db::mapped::{MappedPage, MappedRow};
    use crate::db::rate_limits::{LimitChange, LimitWrite, LimitsView};
    use crate::schema::Kind;
    let limit =
        |key: &str, value: &str| MappedRow { status: Some(value.into()), title: Some(key.into()), ..browse_row(key) };
    let effective = |key: &str, value: i32, version: &str| {
        Effective::of(
            crate::db::limits::Limit { key: key.into(), value, description: None, version: version.into() },
            None,
        )
    };
    for (layout, writable) in [("omni", true), ("omni-read-only", false)] {
        let mut l = crate::schema::load("omni").unwrap();
        if !writable {
            l.writes.clear();
        }
        let mut a = app();
        a.browse_layout(l);
        // The audit where the layout declares a write (omni: its limits).
        let audit = writable.then_some(Tab::Audit);
        let tabs = [Kind::Tenant, Kind::Demo, Kind::Session, Kind::KnowledgeBase].map(Tab::Browse);
        let tabs = [tabs.to_vec(), vec![Tab::Transcript, Tab::Search, Tab::Limits]].concat();
        assert_eq!(a.tabs(), [tabs.to_vec(), audit.into_iter().collect()].concat());
        a.start();
        // o at the top: the other root lists, the rate limits among them.
        let mut fx = Vec::new();
        for _ in 0..6 {
            fx = a.update(key('o'));
            if a.browser.current().kind == Kind::RateLimit {
                break;
            }
        }
        let generation = fx
            .iter()
            .find_map(|e| match e {
                Effect::LoadMapped { generation, kind: Kind::RateLimit, .. } => Some(*generation),
                _ => None,
            })
            .expect("the limits load");
        a.update(Action::MappedLoaded {
            generation,
            result: Ok(MappedPage { rows: vec![limit("a.example", "10"), limit("b.example", "30")], next: None }),
        });
        a.update(key('j'));
        // Enter: the Limits tab, through the same reader as ours, on that key.
        let fx = a.update(code(KeyCode::Enter));
        assert_eq!(a.tab, Tab::Limits, "{layout}");
        assert_eq!(a.tab_title(Tab::Limits), "Rate limits");
        let Some(Effect::LoadLimits { generation, tenant: None, .. }) =
            fx.iter().find(|e| matches!(e, Effect::LoadLimits { .. })).cloned()
        else {
            panic!("{fx:?}")
        };
        let rows = vec![effective("a.example", 10, "7"), effective("b.example", 30, "8")];
        a.update(Action::LimitsLoaded {
            generation,
            from: KeysFrom::Top,
            result: Ok(LimitsView { rows, ..Default::default() }),
        });
        assert_eq!(a.limits.selected_row().map(|r| r.key.as_str()), Some("b.example"), "the key asked for");
        // No tenants, overrides or new keys on another platform's limits.
        a.update(key('n'));
        assert!(a.modal.is_none() && a.log.back().unwrap().text.contains("ragdesk edits existing ones"));
        a.update(code(KeyCode::Enter));
        if !writable {
            assert!(a.modal.is_none(), "no editor on a layout that does not declare the write");
            assert!(a.log.back().unwrap().text.contains("read-only here"), "{layout}");
            a.update(key('a'));
            assert_eq!(a.tab, Tab::Limits, "no audit tab to go to");
            assert!(a.log.back().unwrap().text.contains("declares no writes"), "{layout}");
            continue;
        }
        assert!(matches!(a.modal, Some(Modal::LimitEdit(_))), "the editor");
        for c in "45".chars() {
            a.update(key(c));
        }
        a.update(code(KeyCode::Tab));
        for c in "promo".chars() {
            a.update(key(c));
        }
        a.update(code(KeyCode::Enter));
        let Some(Modal::Confirm(c)) = &a.modal else { panic!("a confirmation: {:?}", a.log.back()) };
        assert_eq!(c.text, "b.example: 30 → 45, its row in layout 'omni'. Reason: promo. Apply? (y/n)");
        // A stray key neither writes nor drops the question; only y or n answer.
        assert!(a.update(key('2')).is_empty() && a.update(code(KeyCode::Down)).is_empty());
        let ctrl_y = Action::Key(KeyEvent::new(KeyCode::Char('y'), KeyModifiers::CONTROL));
        assert!(a.update(ctrl_y).is_empty(), "ctrl-y is not a yes");
        assert!(matches!(a.modal, Some(Modal::Confirm(_))), "still asked");
        // n: back to the form as typed, to correct it; asked again on Enter.
        a.update(key('n'));
        let Some(Modal::LimitEdit(edit)) = &a.modal else { panic!("back to the form") };
        assert_eq!((edit.form.text(0), edit.form.text(1)), ("45".to_string(), "promo".to_string()));
        a.update(code(KeyCode::Enter));
        assert!(matches!(a.modal, Some(Modal::Confirm(_))), "asked again");
        let fx = a.update(key('y'));
        let want = Effect::SaveLimit(LimitWrite {
            key: "b.example".into(),
            tenant: None,
            change: LimitChange::Set { value: 45, expect: Expect::Version("8".into()) },
            reason: Some("promo".into()),
        });
        assert!(fx.contains(&want), "{fx:?}");
        // a: the key's history, in the Audit tab (4 here), read through the
        // same reader as ours.
        let fx = a.update(key('a'));
        assert_eq!(a.tab, Tab::Audit);
        let Some(Effect::LoadAudit { generation, .. }) = fx.iter().find(
            |e| matches!(e, Effect::LoadAudit { filter, before: None, .. } if filter == "entity:limit key:b.example"),
        ) else {
            panic!("{fx:?}")
        };
        let row = crate::db::audit::AuditRow {
            id: 1,
            at: chrono::Utc::now(),
            action: "set".into(),
            entity: "rate_limit".into(),
            entity_key: "b.example".into(),
            tenant_id: None,
            tenant_name: None,
            old_value: Some(30.into()),
            new_value: Some(45.into()),
            reason: Some("promo".into()),
            db_role: None,
            os_user: None,
            client_host: None,
            layout: Some("omni".into()),
        };
        a.update(Action::AuditLoaded { generation: *generation, append: false, result: Ok(vec![row]) });
        assert_eq!(a.audit.rows.len(), 1);
        // Coming back to the tab reads it again (someone may have written
        // since), the rows shown meanwhile.
        a.update(key('7'));
        let fx = a.update(key('8'));
        assert!(fx.iter().any(|e| matches!(e, Effect::LoadAudit { .. })), "{fx:?}");
        assert_eq!(a.audit.rows.len(), 1, "kept while read again");
        // A filter this trail cannot take is refused as it is entered
        // (another platform's has no tenants), the rows left as they were.
        a.update(key('/'));
        for c in " tenant:x".chars() {
            a.update(key(c));
        }
        let fx = a.update(code(KeyCode::Enter));
        assert!(!fx.iter().any(|e| matches!(e, Effect::LoadAudit { .. })), "{fx:?}");
        assert!(a.log.back().unwrap().text.contains("tenant: is for ragdesk's own schema"));
        assert_eq!(a.audit.rows.len(), 1);
        a.update(code(KeyCode::Esc));
        // Another filter: the rows of the last one go at once, and a failure
        // leaves none of them under the new title.
        a.update(key('/'));
        for c in " launch".chars() {
            a.update(key(c));
        }
        let fx = a.update(code(KeyCode::Enter));
        let Some(Effect::LoadAudit { generation, filter, .. }) =
            fx.iter().find(|e| matches!(e, Effect::LoadAudit { .. }))
        else {
            panic!("{fx:?}")
        };
        assert!(filter.ends_with("launch") && a.audit.rows.is_empty(), "{filter}");
        let failed = LoadError { message: "query cancelled".into(), connection: false };
        a.update(Action::AuditLoaded { generation: *generation, append: false, result: Err(failed) });
        assert!(a.audit.rows.is_empty() && a.audit.error.as_deref() == Some("query cancelled"));
        // Esc clears the filter, then goes back to Browse.
        a.update(code(KeyCode::Esc));
        assert_eq!((a.tab, a.audit.filter.as_str()), (Tab::Audit, ""));
        a.update(code(KeyCode::Esc));
        assert_eq!(a.tab, Tab::Browse(Kind::Tenant));
        a.update(key('7'));
        assert_eq!(a.tab, Tab::Limits);
        // Esc: back to Browse.
        a.update(code(KeyCode::Esc));
        assert_eq!(a.tab, Tab::Browse(Kind::Tenant));
    }
}

#[test]
fn our_schema_shown_through_its_layout_keeps_our_limits_tab() {
    let mut ours = app();
    ours.browse_layout(crate::schema::load("native").unwrap());
    assert_eq!(ours.foreign_limits(), None, "tenants and overrides: our own Limits tab");
    // The tenant drilled into is the one whose overrides `t` shows.
    let fx = ours.start();
    let tenant = uuid::Uuid::from_u128(7);
    answer_browse_page(&mut ours, &fx, &[&tenant.to_string()]);
    ours.update(code(KeyCode::Enter));
    assert_eq!(ours.nav.tenant.as_ref().map(|c| c.id), Some(tenant));
    ours.update(code(KeyCode::Esc));
    assert_eq!(ours.nav.tenant, None, "back at the top: no tenant");
    let mut theirs = app();
    theirs.browse_layout(crate::schema::load("omni").unwrap());
    assert_eq!(theirs.foreign_limits(), Some(("omni".to_string(), true)));
}

#[test]
fn a_refusal_goes_with_the_tab_it_was_said_in() {
    let mut a = app();
    a.browse_layout(crate::schema::load("omni").unwrap());
    a.start();
    let search = a.tabs().iter().position(|t| *t == Tab::Search).unwrap();
    a.update(key(char::from_digit(search as u32 + 1, 10).unwrap()));
    a.update(key('/'));
    let said = a.message.as_ref().map(|m| m.text.clone()).unwrap_or_default();
    assert!(said.contains("nothing to search yet"), "{said}");
    a.update(key('1'));
    assert!(a.message.is_none(), "still said on another tab: {:?}", a.message);
    // The same for what the app itself refuses (`t` with no tenant chosen).
    let mut ours = app();
    ours.start();
    ours.update(key('7'));
    ours.update(key('t'));
    assert!(ours.message.as_ref().is_some_and(|m| m.text.contains("no tenant chosen")), "{:?}", ours.message);
    ours.update(key('1'));
    assert!(ours.message.is_none(), "still said on another tab: {:?}", ours.message);
}

#[test]
fn a_filter_value_its_column_cannot_hold_is_refused_as_it_is_entered() {
    let mut a = app();
    a.browse_layout(crate::schema::load("omni").unwrap());
    a.start();
    // As the console fills it at connect from the catalog.
    a.browser.key_types.insert((crate::schema::Kind::Tenant, "company_name".into()), KeyType::of("int4"));
    a.update(key('/'));
    for c in "company_name:acme".chars() {
        a.update(key(c));
    }
    let fx = a.update(code(KeyCode::Enter));
    assert!(!fx.iter().any(|e| matches!(e, Effect::LoadMapped { .. })), "nothing loaded: {fx:?}");
    let said = &a.log.back().unwrap().text;
    assert!(said.contains("not filtered: company_name: is a whole number, not 'acme'"), "{said}");
    assert!(matches!(&a.modal, Some(Modal::Input(_))), "the prompt is open again to mend it");
}

#[test]
fn another_platforms_limits_read_their_next_page_as_the_selection_nears_the_end() {
    let mut a = app();
    a.browse_layout(crate::schema::load("omni").unwrap());
    a.start();
    let fx = a.update(key('7'));
    let g = limits_load(&fx, |e| matches!(e, Effect::LoadLimits { from: KeysFrom::Top, .. }));
    let page = |from: usize, to: usize| (from..to).map(|i| limit(&format!("k{i:03}"), i as i32, None)).collect();
    // A key opened from elsewhere came with the first page, after it.
    let mut first: Vec<crate::db::limits::Effective> = page(0, 30);
    first.push(limit("k045", 45, None));
    a.update(Action::LimitsLoaded {
        generation: g,
        from: KeysFrom::Top,
        result: Ok(crate::action::LimitsView { rows: first, next: Some("k029".into()), ..Default::default() }),
    });
    // Near the top: nothing more asked for.
    assert!(!a.update(key('j')).iter().any(|e| matches!(e, Effect::LoadLimits { .. })));
    // Near the end of the rows read: the next page, after the last key in order.
    a.limits.selected = 30;
    let fx = a.update(key('k'));
    let g = limits_load(&fx, |e| matches!(e, Effect::LoadLimits { from: KeysFrom::After(k), .. } if k == "k029"));
    a.update(key('j'));
    // Asked once while it loads; three j past the last row read are kept
    // for the page and taken when it lands.
    for _ in 0..3 {
        assert!(!a.update(key('j')).iter().any(|e| matches!(e, Effect::LoadLimits { .. })));
    }
    assert_eq!(a.limits.selected, 30);
    a.update(Action::LimitsLoaded {
        generation: g,
        from: KeysFrom::After(String::new()),
        result: Ok(crate::action::LimitsView { rows: page(30, 60), next: None, ..Default::default() }),
    });
    let keys: Vec<&str> = a.limits.rows.iter().map(|r| r.key.as_str()).collect();
    assert_eq!(keys.len(), 60, "every key once (k045 not twice): {keys:?}");
    assert!(a.limits.next.is_none());
    assert_eq!(
        a.limits.selected_row().map(|r| r.key.as_str()),
        Some("k032"),
        "three rows past k045, the last row read"
    );
}

#[test]
fn switching_the_limits_scope_keeps_the_selected_key() {
    let rows = || vec![limit("api_calls_per_minute", 60, None), limit("tokens_per_demo", 10_000, Some(20_000))];
    let mut a = limits_for_tenant(rows());
    a.update(key('G'));
    assert_eq!(a.limits.selected_row().unwrap().key, "tokens_per_demo");
    let fx = a.update(key('t'));
    let generation = fx
        .iter()
        .find_map(|e| match e {
            Effect::LoadLimits { generation, tenant: None, .. } => Some(*generation),
            _ => None,
        })
        .expect("the defaults load");
    a.update(Action::LimitsLoaded {
        generation,
        from: KeysFrom::Top,
        result: Ok(crate::action::LimitsView { rows: rows(), ..Default::default() }),
    });
    assert_eq!(a.limits.selected_row().unwrap().key, "tokens_per_demo", "t then Enter edits the key that was shown");
}

#[test]
fn the_limits_tab_filters_by_words_and_a_key_asked_for_that_is_gone_is_said() {
    let rows = || vec![limit("api_calls_per_minute", 60, None), limit("tokens_per_demo", 10_000, Some(20_000))];
    let mut a = limits_for_tenant(rows());
    a.update(key('/'));
    for c in "tokens".chars() {
        a.update(key(c));
    }
    let fx = a.update(code(KeyCode::Enter));
    // The key selected does not go with the words (they may not hold it).
    let generation =
        limits_load(&fx, |e| matches!(e, Effect::LoadLimits { words, want: None, .. } if words == "tokens"));
    a.update(Action::LimitsLoaded {
        generation,
        from: KeysFrom::Top,
        result: Ok(crate::action::LimitsView { rows: vec![rows().remove(1)], ..Default::default() }),
    });
    // Another search: the last one's keys are not left under its words
    // while it loads (nor after it fails).
    a.update(key('/'));
    for c in " user:42:rpm".chars() {
        a.update(key(c));
    }
    let fx = a.update(code(KeyCode::Enter));
    // A key:value is a word here (a key may be `user:42:rpm`).
    let generation =
        limits_load(&fx, |e| matches!(e, Effect::LoadLimits { words, .. } if words == "tokens user:42:rpm"));
    assert!(a.limits.rows.is_empty(), "{:?}", a.limits.rows);
    let failed = LoadError { message: "query cancelled".into(), connection: false };
    a.update(Action::LimitsLoaded { generation, from: KeysFrom::Top, result: Err(failed) });
    assert!(a.limits.rows.is_empty() && a.limits.error.is_some());
    a.limits.filter = "tokens".into();
    // Esc clears the words (before it goes anywhere): every key again.
    let fx = a.update(code(KeyCode::Esc));
    assert_eq!((a.tab, a.limits.filter.as_str()), (Tab::Limits, ""));
    assert!(fx.iter().any(|e| matches!(e, Effect::LoadLimits { words, .. } if words.is_empty())), "{fx:?}");
    a.limits.filter = "tokens".into();
    // Enter on a rate limit elsewhere asks for its key; when the view has
    // it not, that is said and nothing else is taken for it.
    a.limits.want_key = Some("gone_key".into());
    a.limits.invalidate();
    let fx = a.update(key('7'));
    // The key asked for goes with the load.
    let generation = limits_load(&fx, |e| matches!(e, Effect::LoadLimits { want: Some(k), .. } if k == "gone_key"));
    a.update(Action::LimitsLoaded {
        generation,
        from: KeysFrom::Top,
        result: Ok(crate::action::LimitsView { rows: rows(), ..Default::default() }),
    });
    let said = &a.log.back().unwrap().text;
    assert!(said.contains("no rate limit keyed 'gone_key' here now"), "{said}");
}

#[test]
fn a_filter_our_list_cannot_take_is_refused_as_it_is_entered() {
    use crate::schema::Kind;
    let mut a = app();
    a.start();
    a.update(key('3'));
    // The id's type, as the console reads it from the catalog at connect.
    a.browser.key_types.insert((Kind::Session, "id".into()), KeyType::of("uuid"));
    // And the values its CHECK lists.
    let channel = KeyType { udt: "text".into(), values: vec!["chat".into(), "voice".into(), "sms".into()] };
    a.browser.key_types.insert((Kind::Session, "channel".into()), channel);
    for (typed, said) in [
        ("id:742", "id: is a UUID or its first 6+ hex digits, not '742'"),
        ("channel:fax", "channel: is chat, voice or sms here, not 'fax'"),
        ("after:2026-13-01", "is not a date"),
        ("colour:red", "unknown filter 'colour:'"),
    ] {
        a.update(key('/'));
        for c in typed.chars() {
            a.update(key(c));
        }
        let fx = a.update(code(KeyCode::Enter));
        assert!(!fx.iter().any(|e| matches!(e, Effect::LoadMapped { .. })), "{typed}: nothing loaded: {fx:?}");
        let log = &a.log.back().unwrap().text;
        assert!(log.starts_with("not filtered: ") && log.contains(said), "{typed}: {log}");
        match &a.modal {
            Some(Modal::Input(i)) => assert_eq!(i.textarea.lines().join(""), typed),
            _ => panic!("{typed}: the prompt is open again"),
        }
        a.update(code(KeyCode::Esc));
        assert_eq!(a.browser.current().filter, "", "{typed}: the list stays as it was");
    }
    // One it takes is applied.
    a.update(key('/'));
    for c in "chan:Voice 3fa85f64".chars() {
        a.update(key(c));
    }
    let fx = a.update(code(KeyCode::Enter));
    // A key by its start and a listed value in any case, written as the
    // schema has them (the server compares exactly).
    assert_eq!(a.browser.current().filter, "channel:voice 3fa85f64");
    assert!(fx.iter().any(|e| matches!(e, Effect::LoadMapped { kind: Kind::Session, .. })), "{fx:?}");
    // The Documents tab's lists too, read through our layout: its keys, a
    // key by its start, refused as the entity tabs refuse them.
    a.update(key('5'));
    a.update(key('/'));
    for c in "x:y".chars() {
        a.update(key(c));
    }
    a.update(code(KeyCode::Enter));
    let said = &a.log.back().unwrap().text;
    assert!(said.contains("unknown filter 'x:'") && said.contains("embedding_dim:"), "{said}");
    a.update(code(KeyCode::Esc));
    a.update(key('/'));
    for c in "embed:1536 faq".chars() {
        a.update(key(c));
    }
    let fx = a.update(code(KeyCode::Enter));
    assert_eq!(a.lists.kbs.filter_text, "embedding_dim:1536 faq");
    assert!(
        fx.iter().any(|e| matches!(e, Effect::LoadPage { query: ListQuery::KnowledgeBases { filter, .. }, .. }
            if filter == "embedding_dim:1536 faq")),
        "{fx:?}"
    );
    let g = a.lists.kbs.generation;
    a.update(Action::PageLoaded { list: ListKind::KnowledgeBases, generation: g, result: Ok(kb_page(0..3, false)) });
    a.update(code(KeyCode::Enter));
    assert_eq!(a.current_list(), Some(ListKind::Documents));
    a.update(key('/'));
    for c in "colour:red".chars() {
        a.update(key(c));
    }
    a.update(code(KeyCode::Enter));
    let said = &a.log.back().unwrap().text;
    assert!(said.contains("unknown filter 'colour:'") && said.contains("chunk_count:"), "{said}");
    a.update(code(KeyCode::Esc));
    a.update(key('/'));
    for c in "chunk:0 report".chars() {
        a.update(key(c));
    }
    let fx = a.update(code(KeyCode::Enter));
    assert_eq!(a.lists.documents.filter_text, "chunk_count:0 report");
    assert!(
        fx.iter().any(|e| matches!(e, Effect::LoadPage { query: ListQuery::Documents { filter, .. }, .. }
            if filter == "chunk_count:0 report")),
        "{fx:?}"
    );
    // The Audit tab's filter the same way, its short names said.
    a.update(key('8'));
    for (typed, said) in [("after:2026-13-01", "is not a date"), ("entity:bogus", "must be limit, override, kb or")] {
        a.update(key('/'));
        for c in typed.chars() {
            a.update(key(c));
        }
        a.update(code(KeyCode::Enter));
        let log = &a.log.back().unwrap().text;
        assert!(log.starts_with("not filtered: ") && log.contains(said), "{typed}: {log}");
        assert!(matches!(&a.modal, Some(Modal::Input(_))), "{typed}: the prompt is open again");
        a.update(code(KeyCode::Esc));
        assert_eq!(a.audit.filter, "", "{typed}");
    }
}

#[test]
fn s_on_a_002_project_asks_of_its_documents_chunks_not_its_memories() {
    use crate::schema::Kind;
    let mut a = app();
    a.browse_layout(crate::schema::load("workspaces").unwrap());
    let fx = a.start();
    answer_browse_page(&mut a, &fx, &["w1"]);
    let fx = a.update(code(KeyCode::Enter));
    answer_browse_page(&mut a, &fx, &["p1"]);
    assert_eq!(a.browser.current().kind, Kind::Demo);
    let (kind, (within, _), through_documents) = a.browser.text_search_target().expect("something to search");
    assert_eq!((kind, within.as_str(), through_documents), (Kind::Chunk, "p1", true));
}

#[test]
fn a_tab_below_the_row_chosen_lists_its_rows_across_that_rows_children() {
    use crate::db::mapped::Under;
    use crate::schema::Kind;
    // 002: chat sessions belong to projects, projects to workspaces. With a
    // workspace opened and no project, the sessions tab lists the
    // workspace's sessions across its projects, not every workspace's.
    let mut a = app();
    a.browse_layout(crate::schema::load("workspaces").unwrap());
    let fx = a.start();
    answer_browse_page(&mut a, &fx, &["w1", "w2"]);
    a.update(key('j'));
    let fx = a.update(code(KeyCode::Enter));
    answer_browse_page(&mut a, &fx, &["p1", "p2"]);
    let sessions = a.tabs().iter().position(|t| *t == Tab::Browse(Kind::Session)).unwrap();
    let fx = a.update(key(char::from_digit(sessions as u32 + 1, 10).unwrap()));
    let under = fx.iter().find_map(|e| match e {
        Effect::LoadMapped { kind: Kind::Session, under, .. } => Some(under.clone()),
        _ => None,
    });
    assert_eq!(under, Some(Under::Grandparent("w2".into())), "{fx:?}");
    let b = &a.browser;
    assert!(b.label().ends_with("of all its projects"), "{}", b.label());
    // Back at the top; the workspace opened again.
    a.update(code(KeyCode::Esc));
    assert_eq!(a.browser.current().kind, Kind::Tenant);
    let fx = a.update(code(KeyCode::Enter));
    answer_browse_page(&mut a, &fx, &["p1", "p2"]);
    // Memories listed across the workspace's projects: a search needs one
    // project (they are no documents' chunks), and `m` is not offered.
    let memories = a.tabs().iter().position(|t| *t == Tab::Browse(Kind::Memory)).unwrap();
    let fx = a.update(key(char::from_digit(memories as u32 + 1, 10).unwrap()));
    answer_browse_page(&mut a, &fx, &["m1"]);
    let b = &a.browser;
    assert!(b.current().across && !b.answers(crate::keymap::Command::MoreLikeThis));
    assert_eq!(b.text_search_target(), None);
    a.update(key('m'));
    assert!(a.search.scope.is_none(), "no search across projects: {:?}", a.search.scope);
}

#[test]
fn another_platforms_limits_are_read_from_the_end_by_capital_g_and_upwards_from_there() {
    let mut a = app();
    a.browse_layout(crate::schema::load("omni").unwrap());
    a.start();
    let fx = a.update(key('7'));
    let g = limits_load(&fx, |e| matches!(e, Effect::LoadLimits { from: KeysFrom::Top, .. }));
    let page = |from: usize, to: usize| (from..to).map(|i| limit(&format!("k{i:04}"), i as i32, None)).collect();
    let view = |rows, next: Option<&str>| {
        Ok(crate::action::LimitsView { rows, next: next.map(str::to_string), ..Default::default() })
    };
    a.update(Action::LimitsLoaded { generation: g, from: KeysFrom::Top, result: view(page(0, 30), Some("k0029")) });
    // G: the last keys, one page read backwards from the end (not every
    // page between), the rows of the top gone meanwhile.
    let fx = a.update(key('G'));
    let g = limits_load(&fx, |e| matches!(e, Effect::LoadLimits { from: KeysFrom::End, want: None, .. }));
    assert!(a.limits.rows.is_empty() && a.limits.loading);
    a.update(Action::LimitsLoaded {
        generation: g,
        from: KeysFrom::End,
        result: view(page(9970, 10000), Some("k9970")),
    });
    assert_eq!(a.limits.selected_row().map(|r| r.key.as_str()), Some("k9999"), "the last key selected");
    assert!(a.limits.next.is_none() && a.limits.above.as_deref() == Some("k9970"));
    // Up towards the top of those: the page above, before the first key.
    // Forty k in a burst: 29 to the top of the rows read, eleven kept for
    // the page above and taken when it lands (k9999 less forty).
    let mut fx = Vec::new();
    for _ in 0..40 {
        fx.extend(a.update(key('k')));
    }
    let g = limits_load(&fx, |e| matches!(e, Effect::LoadLimits { from: KeysFrom::Before(k), .. } if k == "k9970"));
    assert_eq!((a.limits.selected, a.limits.pending_moves), (0, -11));
    let selected = Some("k9959".to_string());
    a.update(Action::LimitsLoaded {
        generation: g,
        from: KeysFrom::Before("k9970".into()),
        result: view(page(9940, 9970), Some("k9940")),
    });
    let keys: Vec<&str> = a.limits.rows.iter().map(|r| r.key.as_str()).collect();
    assert_eq!(keys, (9940..10000).map(|i| format!("k{i:04}")).collect::<Vec<_>>(), "in key order, each once");
    assert_eq!(a.limits.selected_row().map(|r| r.key.clone()), selected, "every k taken");
    assert_eq!(a.limits.above.as_deref(), Some("k9940"));
    // A save reads the rows again from the key selected (a page above the
    // end's here): it stays selected, the rows above it read as it goes up.
    for _ in 0..5 {
        a.update(key('k'));
    }
    let selected = a.limits.selected_row().map(|r| r.key.clone()).unwrap();
    let at: usize = selected[1..].parse().unwrap();
    assert!(at < 9970, "in the page read above the end: {selected}");
    a.limits.invalidate();
    let fx = a.update(Action::Tick);
    let g = limits_load(&fx, |e| matches!(e, Effect::LoadLimits { from: KeysFrom::At(k), .. } if *k == selected));
    let fx = a.update(Action::LimitsLoaded {
        generation: g,
        from: KeysFrom::At(selected.clone()),
        result: view(page(at, at + 30), Some(&format!("k{:04}", at + 29))),
    });
    assert_eq!(a.limits.selected_row().map(|r| r.key.as_str()), Some(selected.as_str()));
    assert_eq!((a.limits.above.as_deref(), a.limits.rows.len()), (Some(selected.as_str()), 30));
    let g = limits_load(&fx, |e| matches!(e, Effect::LoadLimits { from: KeysFrom::Before(k), .. } if *k == selected));
    a.update(Action::LimitsLoaded {
        generation: g,
        from: KeysFrom::Before(selected.clone()),
        result: view(page(at - 30, at), Some(&format!("k{:04}", at - 30))),
    });
    assert_eq!(a.limits.selected_row().map(|r| r.key.as_str()), Some(selected.as_str()), "still on it");
    // A key asked for from elsewhere (Enter on a customer's limit) is read
    // from the top, where it is shown, not from the rows read.
    a.limits.want_key = Some("k5000".into());
    a.limits.invalidate();
    let fx = a.update(Action::Tick);
    let g = limits_load(
        &fx,
        |e| matches!(e, Effect::LoadLimits { from: KeysFrom::Top, want: Some(k), .. } if k == "k5000"),
    );
    let mut rows: Vec<crate::db::limits::Effective> = page(0, 30);
    rows.push(limit("k5000", 5000, None));
    a.update(Action::LimitsLoaded { generation: g, from: KeysFrom::Top, result: view(rows, Some("k0029")) });
    assert_eq!(a.limits.selected_row().map(|r| r.key.as_str()), Some("k5000"));
    assert_eq!(a.limits.above, None);
    // G again and three k before the last keys land: taken when they do.
    let g = limits_load(&a.update(key('G')), |e| matches!(e, Effect::LoadLimits { from: KeysFrom::End, .. }));
    for _ in 0..3 {
        a.update(key('k'));
    }
    a.update(Action::LimitsLoaded {
        generation: g,
        from: KeysFrom::End,
        result: view(page(9970, 10000), Some("k9970")),
    });
    assert_eq!(a.limits.selected_row().map(|r| r.key.as_str()), Some("k9996"));
    // Then g: the top again, read from the top.
    let fx = a.update(key('g'));
    let g = limits_load(&fx, |e| matches!(e, Effect::LoadLimits { from: KeysFrom::Top, .. }));
    a.update(Action::LimitsLoaded { generation: g, from: KeysFrom::Top, result: view(page(0, 30), Some("k0029")) });
    assert_eq!((a.limits.selected, a.limits.above.as_deref()), (0, None));
    assert_eq!(a.limits.selected_row().map(|r| r.key.as_str()), Some("k0000"));
}

#[test]
fn the_limits_tab_counts_the_keys_its_words_find_and_c_counts_them_all() {
    let mut a = app();
    a.browse_layout(crate::schema::load("omni").unwrap());
    a.start();
    let fx = a.update(key('7'));
    // Counted with the first page (capped, or the planner's estimate).
    let g = limits_load(&fx, |e| matches!(e, Effect::CountLimits { words, exact: false, .. } if words.is_empty()));
    a.update(Action::LimitsCounted { generation: g, result: Ok(RowCount::Estimate(2_000_000)) });
    assert_eq!(a.limits.count, Some(RowCount::Estimate(2_000_000)));
    // c: every key counted.
    let fx = a.update(key('c'));
    let g = limits_load(&fx, |e| matches!(e, Effect::CountLimits { exact: true, .. }));
    // An older count landing late is dropped.
    a.update(Action::LimitsCounted { generation: g - 1, result: Ok(RowCount::Exact(1)) });
    a.update(Action::LimitsCounted { generation: g, result: Ok(RowCount::Exact(2_000_113)) });
    assert_eq!(a.limits.count, Some(RowCount::Exact(2_000_113)));
    // Other words: counted again; the same words in another scope: not.
    a.update(key('/'));
    for ch in "shop".chars() {
        a.update(key(ch));
    }
    let fx = a.update(code(KeyCode::Enter));
    assert!(
        fx.iter().any(|e| matches!(e, Effect::CountLimits { words, exact: false, .. } if words == "shop")),
        "{fx:?}"
    );
    assert_eq!(a.limits.count, None, "no old count under new words");
}

#[test]
fn bursts_of_keys_past_the_rows_read_are_all_taken_as_pages_land() {
    let mut a = app();
    a.browse_layout(crate::schema::load("omni").unwrap());
    a.start();
    let fx = a.update(key('7'));
    let page = |from: usize, to: usize| (from..to).map(|i| limit(&format!("k{i:03}"), i as i32, None)).collect();
    let view = |rows, next: Option<&str>| {
        Ok(crate::action::LimitsView { rows, next: next.map(str::to_string), ..Default::default() })
    };
    let g = limits_load(&fx, |e| matches!(e, Effect::LoadLimits { from: KeysFrom::Top, .. }));
    a.update(Action::LimitsLoaded { generation: g, from: KeysFrom::Top, result: view(page(0, 30), Some("k029")) });
    // G then g before the last keys land: the later jump wins (the end's
    // page, landing late, is dropped).
    let end = limits_load(&a.update(key('G')), |e| matches!(e, Effect::LoadLimits { from: KeysFrom::End, .. }));
    let top = limits_load(&a.update(key('g')), |e| matches!(e, Effect::LoadLimits { from: KeysFrom::Top, .. }));
    a.update(Action::LimitsLoaded { generation: end, from: KeysFrom::End, result: view(page(60, 90), Some("k060")) });
    assert!(a.limits.rows.is_empty() && a.limits.loading);
    a.update(Action::LimitsLoaded { generation: top, from: KeysFrom::Top, result: view(page(0, 30), Some("k029")) });
    assert_eq!(a.limits.selected_row().map(|r| r.key.as_str()), Some("k000"));
    // 75 j at once: 29 through the rows read, the rest kept for the pages
    // after them, each taken as it lands (more than one page's worth).
    let mut fx = Vec::new();
    for _ in 0..75 {
        fx.extend(a.update(key('j')));
    }
    let g = limits_load(&fx, |e| matches!(e, Effect::LoadLimits { from: KeysFrom::After(k), .. } if k == "k029"));
    let fx = a.update(Action::LimitsLoaded {
        generation: g,
        from: KeysFrom::After("k029".into()),
        result: view(page(30, 60), Some("k059")),
    });
    assert_eq!((a.limits.selected, a.limits.pending_moves), (59, 16));
    let g = limits_load(&fx, |e| matches!(e, Effect::LoadLimits { from: KeysFrom::After(k), .. } if k == "k059"));
    a.update(Action::LimitsLoaded {
        generation: g,
        from: KeysFrom::After("k059".into()),
        result: view(page(60, 90), None),
    });
    assert_eq!(a.limits.selected_row().map(|r| r.key.as_str()), Some("k075"));
    // The Audit tab's rows the same way.
    let fx = a.update(key('8'));
    let audit = |i: i64| crate::db::audit::AuditRow {
        id: 1000 - i,
        at: chrono::Utc::now(),
        action: "set".into(),
        entity: "rate_limit".into(),
        entity_key: format!("k{i:03}"),
        tenant_id: None,
        tenant_name: None,
        old_value: None,
        new_value: None,
        reason: None,
        db_role: None,
        os_user: None,
        client_host: None,
        layout: Some("omni".into()),
    };
    let size = a.page_size as i64;
    let rows = |from: i64| (from..from + size).map(audit).collect::<Vec<_>>();
    let first = limits_load(&fx, |e| matches!(e, Effect::LoadAudit { .. }));
    a.update(Action::AuditLoaded { generation: first, append: false, result: Ok(rows(0)) });
    let mut fx = Vec::new();
    for _ in 0..(size + 20) {
        fx.extend(a.update(key('j')));
    }
    let more = limits_load(&fx, |e| matches!(e, Effect::LoadAudit { before: Some(_), .. }));
    a.update(Action::AuditLoaded { generation: more, append: true, result: Ok(rows(size)) });
    assert_eq!(a.audit.selected as i64, size + 20, "every j taken");
}

#[test]
fn esc_walks_back_from_chunks_to_documents_to_knowledge_bases_to_the_entity_tab() {
    let mut a = app();
    let fx = on_documents(&mut a);
    let g = load_generation(&fx);
    a.update(Action::PageLoaded { list: ListKind::KnowledgeBases, generation: g, result: Ok(kb_page(0..3, false)) });
    a.update(code(KeyCode::Enter));
    assert_eq!(a.current_list(), Some(ListKind::Documents));
    a.update(code(KeyCode::Esc));
    assert_eq!((a.tab, a.current_list()), (Tab::Documents, Some(ListKind::KnowledgeBases)));
    a.update(code(KeyCode::Esc));
    assert!(matches!(a.tab, Tab::Browse(_)), "{:?}", a.tab);
}
