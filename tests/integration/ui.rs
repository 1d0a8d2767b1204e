//! Every pane drawn into ratatui's TestBackend at 80×24 and 120×40 and
//! compared with insta snapshots; every cell must be terminal-safe.

use chrono::{TimeZone, Utc};
use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use ragdesk::action::{Action, Effect, KeysFrom, ListKind, ListRows};
use ragdesk::app::{App, Tab};
use ragdesk::db::demos::{DemoDetail, DemoRow};
use ragdesk::db::knowledge::{ChunkRow, DocumentRow, KnowledgeBaseRow};
use ragdesk::db::leads::LeadRow;
use ragdesk::db::mapped::MappedRow;
use ragdesk::db::messages::MessageRow;
use ragdesk::db::sessions::SessionRow;
use ragdesk::db::tenants::TenantRow;
use ragdesk::db::{Page, RowCount, Target};
use ragdesk::ingest::{ChunkPreview, FileReport, Outcome, Stage, StageTimes};
use ragdesk::keymap::Keymap;
use ragdesk::schema::Kind;
use ragdesk::theme::Theme;
use ratatui::Terminal;
use ratatui::backend::TestBackend;
use ratatui::buffer::Buffer;
use ratatui::style::Color;
use uuid::Uuid;

const HOSTILE: &str = "\x1b]2;owned\x07\x1b[2J";

fn ts(day: u32, min: u32) -> chrono::DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 10, day, 9, min, 0).unwrap()
}

fn id(n: u128) -> Uuid {
    Uuid::from_u128(n)
}

fn tenants() -> Vec<TenantRow> {
    ["Northstar Agency", "Pixel & Pine Marketing", "Lumen Digital", "Evil\x1b[31m Corp\u{202E}"]
        .iter()
        .enumerate()
        .map(|(i, n)| TenantRow {
            id: id(i as u128 + 1),
            name: n.to_string(),
            slug: format!("tenant-{i}"),
            plan: ["pro", "free", "enterprise", "starter"][i].into(),
            created_at: ts(20 - i as u32, 0),
            demo_count: i as i64 + 1,
        })
        .collect()
}

fn demos() -> Vec<DemoRow> {
    [
        ("Bright Smile Dental", "active", None),
        ("Polar Air Heating & Cooling", "expired", None),
        ("Trattoria Nonna", "draft", Some(ts(3, 0))),
    ]
    .iter()
    .enumerate()
    .map(|(i, (c, s, del))| DemoRow {
        id: id(100 + i as u128),
        tenant_id: id(1),
        tenant_name: "Northstar Agency".into(),
        company_name: Some(c.to_string()),
        industry: Some(["Dental clinic", "HVAC services", "Restaurant"][i].into()),
        status: s.to_string(),
        mission_profile: Some("nurture".into()),
        created_at: ts(10 - i as u32, 0),
        expires_at: None,
        deleted_at: *del,
    })
    .collect()
}

fn demo_detail() -> DemoDetail {
    DemoDetail {
        id: id(100),
        tenant_id: id(1),
        tenant_name: "Northstar Agency".into(),
        created_at: ts(10, 0),
        expires_at: Some(ts(30, 0)),
        company_name: Some("Bright Smile Dental".into()),
        industry: Some("Dental clinic".into()),
        website_url: Some("https://www.bright-smile-dental.example".into()),
        products_services: vec!["Teeth cleaning".into(), "Invisalign".into(), "Emergency care".into()],
        offers: vec!["$99 cleaning and X-rays".into()],
        qualification_criteria: vec!["Has dental insurance or budget".into(), "Lives within 20 miles".into()],
        logo_url: None,
        primary_color: "#2563EB".into(),
        secondary_color: "#F8F9FA".into(),
        mission_profile: Some("nurture".into()),
        openrouter_model: Some("openai/gpt-4o-mini".into()),
        system_prompt: Some(format!(
            "You are the virtual assistant of Bright Smile Dental.\nNever invent prices. {HOSTILE}"
        )),
        status: "active".into(),
        created_by: Some("user_1234".into()),
        updated_at: ts(11, 0),
        deleted_at: None,
        current_step: Some("complete".into()),
        knowledge_base_id: None,
        lead_count: 12,
        session_count: 30,
    }
}

fn sessions() -> Vec<SessionRow> {
    (0..3)
        .map(|i| SessionRow {
            id: id(200 + i),
            lead_id: id(300 + i),
            demo_id: id(100),
            lead_identifier: ["maria.garcia@gmail.example", "+12025550143", "anon_V1StGXR8_Z5jdHi6B-myT"][i as usize]
                .into(),
            lead_display_name: [Some("Maria Garcia".to_string()), Some("山田 太郎".to_string()), None][i as usize]
                .clone(),
            demo_name: Some("Bright Smile Dental".into()),
            channel: ["chat", "voice", "sms"][i as usize].into(),
            created_at: ts(9, 10 * i as u32),
            ended_at: if i == 2 { None } else { Some(ts(9, 10 * i as u32 + 7)) },
            metadata: serde_json::json!({"locale": "en-US"}),
            message_count: [6, 1_204, 2][i as usize],
            token_total: [140, 35_877, 20][i as usize],
        })
        .collect()
}

fn leads() -> Vec<LeadRow> {
    sessions()
        .into_iter()
        .map(|s| LeadRow {
            id: s.lead_id,
            demo_id: s.demo_id,
            identifier: s.lead_identifier.clone(),
            identifier_type: Some(
                if s.lead_identifier.contains('@') {
                    "email"
                } else if s.lead_identifier.starts_with('+') {
                    "phone"
                } else {
                    "anonymous"
                }
                .into(),
            ),
            display_name: s.lead_display_name.clone(),
            created_at: ts(1, 0),
            last_seen_at: s.created_at,
            metadata: serde_json::json!({"source": "google_ads", "device": "mobile"}),
            session_count: 1,
        })
        .collect()
}

fn messages() -> Vec<MessageRow> {
    let texts = [
        ("system", "Conversation started on the chat channel."),
        ("user", "Hi! Do you take Delta Dental insurance? 🦷"),
        (
            "assistant",
            "Yes, we're in network with Delta Dental PPO. Most cleanings are covered at 100%; I can check your plan if you share your member ID at the visit.",
        ),
        ("user", HOSTILE),
        ("user", "こんにちは、予約を変更したいのですが、来週の火曜日は空いていますか？"),
        (
            "assistant",
            "Love it!!! 😍🎉🔥 see you Saturday 👨‍👩‍👧 — and a very long line follows: [req-00001] status=ok latency_ms=12 path=/api/v2/orders/4411 [req-00002] status=ok latency_ms=80 path=/api/v2/orders/5012",
        ),
    ];
    texts
        .iter()
        .enumerate()
        .map(|(i, (role, content))| MessageRow {
            id: id(400 + i as u128),
            session_id: id(200),
            role: role.to_string(),
            content: content.to_string(),
            created_at: ts(9, i as u32),
            token_count: 10 + i as i32,
            metadata: serde_json::json!({"model": "openai/gpt-4o-mini", "latency_ms": 812}),
        })
        .collect()
}

/// Our canned rows as our layout reads them for the entity tabs: a
/// title, a state, the layout's columns, counts and sums.
fn native_rows(kind: Kind) -> Vec<MappedRow> {
    let key = |at: chrono::DateTime<Utc>, id: Uuid| vec![Some(at.to_string()), Some(id.to_string())];
    match kind {
        Kind::Tenant => tenants()
            .into_iter()
            .map(|t| MappedRow {
                id: t.id.to_string(),
                title: Some(t.name),
                created_at: Some(t.created_at),
                key: key(t.created_at, t.id),
                cells: vec![Some(t.slug), Some(t.plan), Some(t.demo_count.to_string())],
                ..Default::default()
            })
            .collect(),
        Kind::Demo => demos()
            .into_iter()
            .zip([(30, 12), (1_204, 340), (0, 0)])
            .map(|(d, (sessions, leads))| MappedRow {
                id: d.id.to_string(),
                title: d.company_name,
                // A demo deleted but kept reads as deleted (`deleted_at`).
                status: Some(if d.deleted_at.is_some() { "deleted".into() } else { d.status }),
                created_at: Some(d.created_at),
                key: key(d.created_at, d.id),
                cells: vec![d.industry, d.mission_profile, Some(sessions.to_string()), Some(leads.to_string())],
                ..Default::default()
            })
            .collect(),
        Kind::Session => sessions()
            .into_iter()
            .map(|s| MappedRow {
                id: s.id.to_string(),
                title: Some(s.lead_label().to_string()),
                status: Some(if s.ended_at.is_some() { "ended" } else { "open" }.into()),
                created_at: Some(s.created_at),
                ended_at: s.ended_at,
                key: key(s.created_at, s.id),
                // Past the cap a total is of the first rows, marked (as `sum_sql` reads it).
                cells: vec![
                    Some(s.channel),
                    Some(s.message_count.to_string()),
                    Some(format!("{}{}", s.token_total, if s.message_count > 1_000 { "+" } else { "" })),
                ],
                ..Default::default()
            })
            .collect(),
        Kind::Lead => leads()
            .into_iter()
            .map(|l| MappedRow {
                id: l.id.to_string(),
                title: Some(l.label().to_string()),
                created_at: Some(l.created_at),
                key: key(l.created_at, l.id),
                cells: vec![
                    Some(l.identifier),
                    Some(l.last_seen_at.format("%Y-%m-%d %H:%M").to_string()),
                    Some(l.session_count.to_string()),
                ],
                ..Default::default()
            })
            .collect(),
        other => panic!("no canned {other:?} rows"),
    }
}

/// A row read whole for the detail, as `row_fields` gives it: a demo's
/// every column; another row's title and columns.
fn native_fields(kind: Kind, row_id: &str) -> Vec<(String, serde_json::Value)> {
    use serde_json::json;
    if kind == Kind::Demo {
        let d = demo_detail();
        return vec![
            ("id".into(), json!(d.id)),
            ("tenant_id".into(), json!(d.tenant_id)),
            ("created_at".into(), json!(d.created_at)),
            ("expires_at".into(), json!(d.expires_at)),
            ("company_name".into(), json!(d.company_name)),
            ("industry".into(), json!(d.industry)),
            ("website_url".into(), json!(d.website_url)),
            ("products_services".into(), json!(d.products_services)),
            ("offers".into(), json!(d.offers)),
            ("qualification_criteria".into(), json!(d.qualification_criteria)),
            ("logo_url".into(), json!(d.logo_url)),
            ("primary_color".into(), json!(d.primary_color)),
            ("secondary_color".into(), json!(d.secondary_color)),
            ("mission_profile".into(), json!(d.mission_profile)),
            ("openrouter_model".into(), json!(d.openrouter_model)),
            ("system_prompt".into(), json!(d.system_prompt)),
            ("status".into(), json!(d.status)),
        ];
    }
    let row = native_rows(kind).into_iter().find(|r| r.id == row_id).expect("a canned row");
    let mut fields = vec![("id".to_string(), json!(row.id)), ("name".to_string(), json!(row.title))];
    fields.push(("created_at".into(), json!(row.created_at)));
    fields
}

fn kbs() -> Vec<KnowledgeBaseRow> {
    [
        ("Services & prices", "service_menu", "local", "all-MiniLM-L6-v2", 384),
        ("FAQ", "faq", "openai", "text-embedding-3-small", 1536),
    ]
    .iter()
    .enumerate()
    .map(|(i, (name, kind, provider, model, dim))| KnowledgeBaseRow {
        id: id(500 + i as u128),
        demo_id: id(100),
        demo_name: Some("Bright Smile Dental".into()),
        name: name.to_string(),
        kb_type: kind.to_string(),
        embedding_provider: provider.to_string(),
        embedding_model: model.to_string(),
        embedding_dim: *dim,
        chunk_tokens: None,
        chunk_overlap: None,
        created_at: ts(12, i as u32),
        attached: i == 0,
        // The second past the lists' count cap: its "+" must show.
        document_count: [ragdesk::db::RowCount::Exact(2), ragdesk::db::RowCount::AtLeast(1000)][i],
        chunk_count: [ragdesk::db::RowCount::Exact(14), ragdesk::db::RowCount::AtLeast(123_456)][i],
    })
    .collect()
}

fn documents() -> Vec<DocumentRow> {
    [
        ("price-list.md", "markdown", 3_412, 9),
        ("insurance\x1b[2J.pdf", "pdf", 48_230, 5),
        ("empty-scan.pdf", "pdf", 900, 0),
    ]
    .iter()
    .enumerate()
    .map(|(i, (name, kind, size, chunks))| DocumentRow {
        id: id(600 + i as u128),
        kb_id: id(500),
        filename: name.to_string(),
        content_type: Some(kind.to_string()),
        size_bytes: Some(*size),
        chunk_count: *chunks,
        created_at: ts(13, i as u32),
        text_bytes: Some(*size / 2),
    })
    .collect()
}

fn chunks() -> Vec<ChunkRow> {
    [
        "# Prices\n\nCleaning and X-rays: $99 for new patients. Whitening from $299.",
        "Invisalign consultations are free; treatment from $3,900 with 0% financing over 24 months.",
        "Emergency visits the same day when you call before 11 am. 急诊 🦷",
    ]
    .iter()
    .enumerate()
    .map(|(i, text)| ChunkRow {
        id: id(700 + i as u128),
        chunk_index: i as i32,
        token_count: Some(18 + i as i32),
        content: text.to_string(),
        embedding_dim: 384,
        start_offset: Some(i as i32 * 80),
        end_offset: Some(i as i32 * 80 + text.len() as i32),
    })
    .collect()
}

/// What a dry run of two files (and one bad one) gives at `tokens`/`overlap`.
fn preview(tokens: usize, overlap: usize) -> Vec<FileReport> {
    let file = |path: &str, format, outcome, warnings: Vec<String>| FileReport {
        path: path.into(),
        format,
        bytes: 2_048,
        text_chars: 1_900,
        chunk_tokens: tokens.min(254),
        chunk_overlap: overlap,
        outcome,
        warnings,
        seconds: StageTimes::default(),
    };
    let pieces = ["## Opening hours\n\nMonday to Friday 8–18, Saturday 9–13.", "Parking is free behind the clinic."];
    let chunks = pieces
        .iter()
        .enumerate()
        .map(|(i, t)| ChunkPreview {
            index: i,
            tokens: 12 + i,
            start: i * 60,
            end: i * 60 + t.len(),
            text: t.to_string(),
        })
        .collect();
    let warnings = if tokens > 254 {
        vec![format!("chunk size {tokens} is more than all-MiniLM-L6-v2 reads (254 tokens): clamped to 254")]
    } else {
        Vec::new()
    };
    vec![
        file("docs/hours.md", Some("markdown"), Outcome::DryRun { chunks }, warnings),
        file(
            "docs/old.md",
            Some("markdown"),
            Outcome::Duplicate { existing_document: id(600), existing_filename: "price-list.md".into() },
            Vec::new(),
        ),
        file(
            "docs/scan.pdf",
            None,
            Outcome::Failed { error: "encrypted PDF: cannot read its text".into() },
            Vec::new(),
        ),
    ]
}

fn new_app(w: u16, h: u16) -> App {
    let target = Target { user: "postgres".into(), host: "db.internal".into(), port: 5432, database: "ragdesk".into() };
    let mut app = App::new(target, false, Keymap::default(), 100, 200);
    app.size = (w, h);
    app
}

/// Answers every effect the app asks for with the canned data.
fn serve(app: &mut App, effects: Vec<Effect>) {
    let mut queue = effects;
    while let Some(fx) = queue.pop() {
        let action = match fx {
            Effect::LoadPage { generation, query, .. } => {
                let list = query.kind();
                let rows = match list {
                    ListKind::KnowledgeBases => ListRows::KnowledgeBases(Page { rows: kbs(), next: None }),
                    ListKind::Documents => ListRows::Documents(Page { rows: documents(), next: None }),
                    ListKind::Chunks => ListRows::Chunks(Page { rows: chunks(), next: None }),
                };
                Action::PageLoaded { list, generation, result: Ok(rows) }
            }
            Effect::Count { generation, query, .. } => {
                Action::Counted { list: query.kind(), generation, result: Ok(RowCount::Exact(3)) }
            }
            Effect::LoadMapped { generation, kind, under, .. } => {
                let mut rows = native_rows(kind);
                // Under no one row, each names the row it is under.
                if kind == Kind::Session
                    && matches!(under, ragdesk::db::mapped::Under::All | ragdesk::db::mapped::Under::Grandparent(_))
                {
                    for (r, s) in rows.iter_mut().zip(sessions()) {
                        r.parent_title = s.demo_name;
                    }
                }
                let page = ragdesk::db::mapped::MappedPage { rows, next: None };
                Action::MappedLoaded { generation, result: Ok(page) }
            }
            // Every session of a big platform: the planner's estimate.
            Effect::CountMapped { generation, kind, under, filter, .. } => {
                let count = match (kind, under) {
                    (Kind::Session, ragdesk::db::mapped::Under::All) if filter.is_empty() => {
                        RowCount::Estimate(1_250_000)
                    }
                    (kind, _) => RowCount::Exact(native_rows(kind).len() as i64),
                };
                Action::MappedCounted { generation, result: Ok(Some(count)) }
            }
            Effect::LoadRowFields { generation, kind, id } => {
                Action::RowFieldsLoaded { generation, result: Ok(Some(native_fields(kind, &id))) }
            }
            Effect::LoadSession { generation, .. } => {
                Action::SessionLoaded { generation, result: Ok(sessions()[0].clone().into()) }
            }
            Effect::LoadMessages { generation, .. } => Action::MessagesLoaded {
                generation,
                result: Ok(ragdesk::db::conversation::ConversationPage {
                    rows: messages().into_iter().map(Into::into).collect(),
                    next: None,
                }),
            },
            Effect::LoadLimits { generation, tenant, .. } => {
                let (usage, overrides) =
                    if tenant.is_some() { (usage(), Vec::new()) } else { (Vec::new(), overrides()) };
                let rows = limit_rows(tenant.is_some());
                Action::LimitsLoaded {
                    generation,
                    from: KeysFrom::Top,
                    result: Ok(ragdesk::action::LimitsView { rows, usage, overrides, next: None }),
                }
            }
            Effect::LoadAudit { generation, before, .. } => {
                Action::AuditLoaded { generation, append: before.is_some(), result: Ok(audit_rows()) }
            }
            Effect::Preview { generation, chunk, .. } => {
                Action::PreviewReady { generation, result: Ok(preview(chunk.tokens, chunk.overlap)) }
            }
            // The runner runs a debounced effect once its delay has passed.
            Effect::Debounce { effect, .. } => {
                queue.push(*effect);
                continue;
            }
            _ => continue,
        };
        queue.extend(app.update(action));
    }
}

fn key(app: &mut App, code: KeyCode) {
    let fx = app.update(Action::Key(KeyEvent::new(code, KeyModifiers::NONE)));
    serve(app, fx);
}

fn buffer_text(buf: &Buffer) -> String {
    let mut out = String::new();
    for y in 0..buf.area.height {
        let mut line = String::new();
        let mut covered = 0;
        for x in 0..buf.area.width {
            // The cell after a double-width glyph belongs to it.
            if covered > 0 {
                covered -= 1;
                continue;
            }
            let sym = buf[(x, y)].symbol();
            covered = ragdesk::text::width(sym).saturating_sub(1);
            line.push_str(sym);
        }
        out.push_str(line.trim_end());
        out.push('\n');
    }
    out
}

fn draw(app: &App, theme: &Theme) -> Buffer {
    let mut term = Terminal::new(TestBackend::new(app.size.0, app.size.1)).unwrap();
    term.draw(|f| ragdesk::ui::render(f, app, theme)).unwrap();
    // (No per-cell control-character check here: ratatui drops control
    // characters itself, so such a check could never fail. The panes' tests
    // assert that hostile text shows up escaped, which fails without our
    // sanitising, since ratatui would silently drop the ESC.)
    term.backend().buffer().clone()
}

fn snapshot(name: &str, app: &App) -> String {
    let text = buffer_text(&draw(app, &Theme::default_dark()));
    insta::assert_snapshot!(name, text);
    text
}

fn at_tab(w: u16, h: u16, tab_key: char) -> App {
    let mut app = new_app(w, h);
    let fx = app.start();
    serve(&mut app, fx);
    key(&mut app, KeyCode::Char(tab_key));
    app
}

#[test]
fn tenants_pane() {
    for (w, h) in [(80, 24), (120, 40)] {
        let app = at_tab(w, h, '1');
        let text = snapshot(&format!("tenants_{w}x{h}"), &app);
        assert!(text.contains("Evil␛[31m Corp"), "hostile names are visible, not executed");
    }
}

#[test]
fn demos_pane_with_detail() {
    for (w, h) in [(80, 24), (140, 40)] {
        let mut app = at_tab(w, h, '1');
        key(&mut app, KeyCode::Enter);
        assert_eq!(app.tab, Tab::Browse(Kind::Demo));
        let text = snapshot(&format!("demos_{w}x{h}"), &app);
        // States in colours that say how they stand: a deleted demo in the error colour.
        let theme = Theme::default_dark();
        let buf = draw(&app, &theme);
        let at = |needle: &str| {
            let y = text.lines().position(|l| l.contains(needle)).unwrap_or_else(|| panic!("{needle}: {text}"));
            let x = text.lines().nth(y).unwrap().find(needle).unwrap();
            (text.lines().nth(y).unwrap()[..x].chars().count() as u16, y as u16)
        };
        let (x, y) = at("deleted");
        assert_eq!(buf[(x, y)].fg, theme.error().fg.unwrap(), "{text}");
        let (x, y) = at("expired ");
        assert_eq!(buf[(x, y)].fg, theme.warning().fg.unwrap(), "{text}");
        assert!(text.contains("Northstar Agency › ") || text.contains("Tenants › Northstar Agency"), "{text}");
        if w < 140 {
            // The demo read whole under the list, scrolled with J.
            for _ in 0..3 {
                key(&mut app, KeyCode::Char('J'));
            }
            let text = snapshot(&format!("demo_detail_{w}x{h}"), &app);
            assert!(text.contains("Products services") && text.contains("• Invisalign"), "{text}");
            // i: the demo in the whole pane, the list set aside; j scrolls it.
            for _ in 0..3 {
                key(&mut app, KeyCode::Char('K'));
            }
            key(&mut app, KeyCode::Char('i'));
            let text = snapshot(&format!("demo_detail_full_{w}x{h}"), &app);
            assert!(!text.contains("│Name ") && text.contains("• $99 cleaning and X-rays"), "{text}");
        } else {
            assert!(text.contains("System prompt") && text.contains("• Invisalign"), "{text}");
            // The hostile prompt is shown escaped.
            assert!(text.contains("␛]2;owned␇"), "{text}");
        }
    }
}

#[test]
fn sessions_and_leads_panes() {
    for (w, h) in [(80, 24), (120, 40)] {
        let all = at_tab(w, h, '3');
        let text = snapshot(&format!("sessions_all_{w}x{h}"), &all);
        assert!(text.contains("~1,250,000 (estimate)"), "{text}");
        // Every session: which demo each is of.
        assert!(text.lines().any(|l| l.contains("Maria Garcia") && l.contains("Brigh")), "{text}");
        let mut app = at_tab(w, h, '2');
        key(&mut app, KeyCode::Enter);
        assert_eq!(app.tab, Tab::Browse(Kind::Session));
        let text = snapshot(&format!("sessions_{w}x{h}"), &app);
        assert!(text.contains("1 of 3") && !text.contains("estimate"), "{text}");
        // How long each lasted; an open one has no length yet.
        assert!(text.contains("7m00s") && text.lines().any(|l| l.contains("anon_") && l.contains("—")), "{text}");
        // A session's tokens are totalled, grouped.
        assert!(text.contains("35,877+") && text.contains("1,000+"), "{text}");
        // o: the demo's leads.
        key(&mut app, KeyCode::Char('o'));
        assert_eq!(app.browser.current().kind, Kind::Lead);
        snapshot(&format!("leads_{w}x{h}"), &app);
        // A lead's sessions: each is that lead's, so they are known by their ids.
        key(&mut app, KeyCode::Enter);
        let text = buffer_text(&draw(&app, &Theme::default_dark()));
        assert!(text.lines().nth(3).is_some_and(|header| header.starts_with("│Id ")), "{text}");
    }
}

#[test]
fn transcript_pane() {
    for (w, h) in [(80, 24), (120, 40)] {
        let mut app = at_tab(w, h, '3');
        key(&mut app, KeyCode::Enter);
        assert_eq!(app.tab, Tab::Transcript);
        let text = snapshot(&format!("transcript_{w}x{h}"), &app);
        assert!(text.contains("␛]2;owned␇␛[2J"), "{text}");
        assert!(text.contains("こんにちは"));
        // Search, then metadata on.
        key(&mut app, KeyCode::Char('/'));
        for c in "delta".chars() {
            key(&mut app, KeyCode::Char(c));
        }
        key(&mut app, KeyCode::Enter);
        key(&mut app, KeyCode::Char('m'));
        let text = snapshot(&format!("transcript_search_meta_{w}x{h}"), &app);
        assert!(text.contains("/delta: 1/2"), "{text}");
        assert!(text.contains("latency_ms"), "{text}");
    }
}

#[test]
fn help_overlay_shows_every_binding_of_the_pane() {
    let mut app = at_tab(80, 24, '4');
    key(&mut app, KeyCode::Char('?'));
    let mut seen = snapshot("help_transcript_80x24", &app);
    // Scroll to the end: every line of the keymap must have been on screen.
    for _ in 0..40 {
        key(&mut app, KeyCode::Char('j'));
        seen.push_str(&buffer_text(&draw(&app, &Theme::default_dark())));
    }
    for ctx in [ragdesk::keymap::Context::Transcript, ragdesk::keymap::Context::Global] {
        for (cmd, keys) in app.keymap.help(ctx) {
            let said = ragdesk::ui::help::description(ctx, cmd);
            assert!(seen.contains(said), "{said} missing from help");
            for k in keys {
                assert!(seen.contains(&k.to_string()), "key {k} missing");
            }
        }
    }
    assert!(matches!(app.modal, Some(ragdesk::app::Modal::Help { .. })));
    key(&mut app, KeyCode::Char('x'));
    assert!(app.modal.is_none(), "any other key closes it");
}

#[test]
fn status_bar_offline_read_only_and_no_password() {
    // The target comes from a URL with a password, as in real use.
    let opts = ragdesk::db::parse_url("postgres://support:hunter2secret@db.internal:5432/ragdesk").unwrap();
    let mut app = App::new(ragdesk::db::target_of(&opts), false, Keymap::default(), 100, 200);
    app.size = (80, 24);
    app.read_only = true;
    let fx = app.start();
    let fx_err: Vec<Action> = fx
        .into_iter()
        .filter_map(|e| match e {
            Effect::LoadMapped { generation, .. } => Some(Action::MappedLoaded {
                generation,
                result: Err(ragdesk::action::LoadError {
                    message: "database unreachable: Connection refused".into(),
                    connection: true,
                }),
            }),
            _ => None,
        })
        .collect();
    for a in fx_err {
        app.update(a);
    }
    let text = snapshot("offline_read_only_80x24", &app);
    assert!(text.contains("offline") && text.contains(" RO ") && text.contains("support@db.internal"), "{text}");
    assert!(!text.contains("hunter2secret"));
}

#[test]
fn ansi16_theme_uses_only_named_colours_and_no_color_uses_modifiers() {
    let mut app = at_tab(80, 24, '3');
    key(&mut app, KeyCode::Enter);
    let buf = draw(&app, &Theme::builtin("ansi16").unwrap());
    for cell in buf.content() {
        for c in [cell.fg, cell.bg] {
            assert!(!matches!(c, Color::Rgb(..) | Color::Indexed(_)), "{c:?}");
        }
    }
    // A demo's brand colours (24-bit in the data) become 16 colours too.
    let demos = at_tab(140, 40, '2');
    let text = buffer_text(&draw(&demos, &Theme::default_dark()));
    assert!(text.contains("██ #2563EB"), "the swatch is drawn:\n{text}");
    let buf = draw(&demos, &Theme::builtin("ansi16").unwrap());
    for cell in buf.content() {
        for c in [cell.fg, cell.bg] {
            assert!(!matches!(c, Color::Rgb(..) | Color::Indexed(_)), "{c:?} in {:?}", cell.symbol());
        }
    }
    let swatch = buf.content().iter().find(|c| c.symbol() == "█").expect("swatch cell");
    assert_eq!(swatch.fg, Color::LightBlue, "#2563EB as the nearest of the 16");
    let buf = draw(&app, &Theme::monochrome());
    for cell in buf.content() {
        // Brand swatches and role colours are off too.
        assert!(matches!(cell.fg, Color::Reset) && matches!(cell.bg, Color::Reset), "{:?}", cell);
    }
}

fn type_text(app: &mut App, text: &str) {
    for c in text.chars() {
        key(app, KeyCode::Char(c));
    }
}

#[test]
fn documents_pane_kbs_documents_chunks_and_delete() {
    for (w, h) in [(80, 24), (120, 40)] {
        // Every demo's knowledge bases say whose each is, at any width (in
        // the model's place where the list is under 100 columns).
        let all = at_tab(w, h, '5');
        let heading = buffer_text(&draw(&all, &Theme::default_dark()));
        let heading = heading.lines().find(|l| l.contains("Name")).unwrap_or_default().to_string();
        assert!(heading.contains("Demo") && (w > 80 || !heading.contains("Model")), "{heading}");
        let mut app = at_tab(w, h, '2');
        key(&mut app, KeyCode::Enter);
        key(&mut app, KeyCode::Char('5'));
        assert_eq!(app.tab, Tab::Documents);
        let text = snapshot(&format!("documents_kbs_{w}x{h}"), &app);
        assert!(text.contains("Services & prices") && text.contains("1536"), "{text}");
        key(&mut app, KeyCode::Enter);
        let text = snapshot(&format!("documents_list_{w}x{h}"), &app);
        assert!(text.contains("price-list.md") && text.contains("no chunks"), "{text}");
        assert!(text.contains("insurance␛[2J"), "hostile file names are visible, not executed: {text}");
        key(&mut app, KeyCode::Enter);
        let text = snapshot(&format!("documents_chunks_{w}x{h}"), &app);
        assert!(text.contains("Invisalign consultations"), "{text}");
        key(&mut app, KeyCode::Esc);
        key(&mut app, KeyCode::Char('d'));
        let text = snapshot(&format!("documents_confirm_delete_{w}x{h}"), &app);
        assert!(text.contains("Delete 'price-list.md' and its 9 chunks?"), "{text}");
        // Anything but y keeps the document.
        let fx = app.update(Action::Key(KeyEvent::new(KeyCode::Char('n'), KeyModifiers::NONE)));
        assert!(fx.is_empty() && app.confirm().is_none());
        key(&mut app, KeyCode::Char('d'));
        let fx = app.update(Action::Key(KeyEvent::new(KeyCode::Char('y'), KeyModifiers::NONE)));
        assert!(matches!(fx.as_slice(), [Effect::DeleteDocument { id: d, .. }] if *d == id(600)), "{fx:?}");
        // A filter stays in sight in the list's title, as the entity tabs'.
        key(&mut app, KeyCode::Char('/'));
        type_text(&mut app, "chunk:0");
        key(&mut app, KeyCode::Enter);
        let text = buffer_text(&draw(&app, &Theme::default_dark()));
        assert!(text.contains("┌ Documents · chunk_count:0 "), "{text}");
    }
}

#[test]
fn documents_upload_preview_job_and_kb_form() {
    let (w, h) = (80, 24);
    let mut app = at_tab(w, h, '2');
    key(&mut app, KeyCode::Enter);
    key(&mut app, KeyCode::Char('5'));
    key(&mut app, KeyCode::Char('u'));
    type_text(&mut app, "docs/");
    let text = snapshot("documents_upload_prompt_80x24", &app);
    assert!(text.contains("upload: docs/"), "{text}");
    key(&mut app, KeyCode::Enter);
    let text = snapshot("documents_preview_80x24", &app);
    assert!(text.contains("chunks of 250 tokens, overlap 50") && text.contains("#1 · 13 tokens"), "{text}");
    assert!(text.contains("encrypted PDF") && text.contains("duplicate of price-list.md"), "{text}");
    // Growing past the model's limit clamps, with the warning on screen.
    for _ in 0..3 {
        key(&mut app, KeyCode::Char('+'));
    }
    let text = snapshot("documents_preview_clamped_80x24", &app);
    assert!(text.contains("reads (254 tokens): clamped to") && text.contains("chunks of 254 tokens"), "{text}");

    // Enter starts the job; progress arrives as events.
    let fx = app.update(Action::Key(KeyEvent::new(KeyCode::Enter, KeyModifiers::NONE)));
    let job = match fx.as_slice() {
        [Effect::StartIngest { job, chunk, .. }] => {
            assert_eq!(chunk.tokens, 254);
            *job
        }
        other => panic!("{other:?}"),
    };
    assert!(app.docs.upload.is_none());
    use ragdesk::action::JobEvent;
    use ragdesk::ingest::Event;
    let events = [
        Event::FileStarted { index: 0, total: 3, path: "docs/hours.md".into(), bytes: 2_048 },
        Event::Progress { stage: Stage::Extract, done: 2_048, total: 2_048 },
        Event::Progress { stage: Stage::Chunk, done: 40, total: 40 },
        Event::Progress { stage: Stage::Embed, done: 16, total: 40 },
    ];
    for e in events {
        app.update(Action::Job { job, event: JobEvent::Progress(e) });
    }
    for _ in 0..8 {
        app.update(Action::Tick);
    }
    let text = snapshot("documents_job_running_80x24", &app);
    assert!(
        text.contains("file 1/3") && text.contains("16 / 40") && text.contains("8.0 chunks/s · file ETA 3s"),
        "{text}"
    );
    // The rest of the console stays usable while it runs.
    key(&mut app, KeyCode::Char('1'));
    assert_eq!(app.tab, Tab::Browse(Kind::Tenant));
    key(&mut app, KeyCode::Char('5'));
    // An event of another job is ignored.
    app.update(Action::Job { job: job + 1000, event: JobEvent::Finished(Err("not ours".into())) });
    assert!(app.docs.job.as_ref().unwrap().running());
    let reports = preview(254, 50)
        .into_iter()
        .map(|mut r| {
            if let Outcome::DryRun { chunks } = &r.outcome {
                r.outcome = Outcome::Stored { document_id: id(900), chunks: chunks.len(), tokens: 25 };
            }
            r
        })
        .collect();
    app.update(Action::Job { job, event: JobEvent::Finished(Ok(reports)) });
    let text = snapshot("documents_job_done_80x24", &app);
    assert!(text.contains("Ingest · done") && text.contains("✓ docs/hours.md  2 chunks"), "{text}");
    key(&mut app, KeyCode::Char('x'));
    assert!(app.docs.job.is_none(), "x dismisses a finished job");

    // A new knowledge base: the form validates before anything is sent.
    key(&mut app, KeyCode::Char('n'));
    let fx = app.update(Action::Key(KeyEvent::new(KeyCode::Enter, KeyModifiers::NONE)));
    assert!(fx.is_empty());
    let text = snapshot("documents_kb_form_80x24", &app);
    assert!(text.contains("give the knowledge base a name"), "{text}");
    type_text(&mut app, "Reviews");
    key(&mut app, KeyCode::Tab);
    key(&mut app, KeyCode::Right);
    let fx = app.update(Action::Key(KeyEvent::new(KeyCode::Enter, KeyModifiers::NONE)));
    match fx.as_slice() {
        [Effect::CreateKb(kb)] => {
            assert_eq!(
                (kb.name.as_str(), kb.kb_type.as_str(), kb.dim, kb.demo_id),
                ("Reviews", "service_menu", 384, id(100))
            )
        }
        other => panic!("{other:?}"),
    }
}

#[test]
fn the_footer_shows_the_users_keys() {
    let overrides: ragdesk::keymap::KeymapOverrides =
        toml::from_str("[global]\nquit = [\"ctrl-q\"]\n[list]\nfilter = [\"f\"]").unwrap();
    let target = Target { user: "postgres".into(), host: "db.internal".into(), port: 5432, database: "ragdesk".into() };
    let mut app = App::new(target, false, Keymap::with_overrides(&overrides, &mut Vec::new()), 100, 200);
    app.size = (100, 24);
    let fx = app.start();
    serve(&mut app, fx);
    let text = buffer_text(&draw(&app, &Theme::default_dark()));
    let footer = text.lines().nth(22).unwrap();
    assert!(footer.contains("ctrl-q quit") && footer.contains("f filter"), "{footer}");
    assert!(!footer.contains(" q quit") && !footer.contains("/ filter"), "{footer}");
}

#[test]
fn help_lists_the_documents_and_upload_preview_keys_only_where_they_work() {
    let mut app = at_tab(100, 40, '1');
    key(&mut app, KeyCode::Char('?'));
    let tenants_help = buffer_text(&draw(&app, &Theme::default_dark()));
    assert!(!tenants_help.contains("Documents keys") && !tenants_help.contains("upload"), "{tenants_help}");
    assert!(!tenants_help.contains("leads"), "the leads toggle is a Sessions key: {tenants_help}");
    key(&mut app, KeyCode::Esc);

    let mut app = at_tab(100, 40, '2');
    key(&mut app, KeyCode::Enter);
    key(&mut app, KeyCode::Char('5'));
    key(&mut app, KeyCode::Char('?'));
    let docs_help = buffer_text(&draw(&app, &Theme::default_dark()));
    assert!(docs_help.contains("Documents keys") && docs_help.contains("upload"), "{docs_help}");
    key(&mut app, KeyCode::Esc);
    key(&mut app, KeyCode::Char('u'));
    type_text(&mut app, "docs/");
    key(&mut app, KeyCode::Enter);
    key(&mut app, KeyCode::Char('?'));
    let preview_help = buffer_text(&draw(&app, &Theme::default_dark()));
    assert!(preview_help.contains("Upload preview keys"), "{preview_help}");
    assert!(preview_help.contains("+ -") && preview_help.contains("chunk size"), "{preview_help}");
    assert!(preview_help.contains("> <") && preview_help.contains("overlap"), "{preview_help}");
}

#[test]
fn a_long_status_message_keeps_the_end_of_its_path() {
    let mut app = at_tab(80, 24, '1');
    app.info("exported 68 messages to /root/ragdesk/exports/2026/november/session-3fa85f64-5717-4562.md");
    let text = buffer_text(&draw(&app, &Theme::default_dark()));
    let status = text.lines().last().unwrap();
    assert!(status.contains("exported") && status.ends_with("/session-3fa85f64-5717-4562.md"), "{status}");
}

/// The styled runs of a screen, one per line: `row col..col fg/bg/modifiers
/// "text"`. Snapshots of these catch a lost highlight, colour or badge that
/// a text-only snapshot cannot see.
fn style_runs(buf: &Buffer, rows: std::ops::Range<u16>) -> String {
    let mut out = String::new();
    for y in rows {
        let mut x = 0;
        while x < buf.area.width {
            let cell = &buf[(x, y)];
            let key = (cell.fg, cell.bg, cell.modifier);
            let start = x;
            let mut text = String::new();
            while x < buf.area.width {
                let c = &buf[(x, y)];
                if (c.fg, c.bg, c.modifier) != key {
                    break;
                }
                text.push_str(c.symbol());
                x += 1;
            }
            if key != (Color::Reset, Color::Reset, ratatui::style::Modifier::empty()) && !text.trim().is_empty() {
                out.push_str(&format!(
                    "{y:>2} {start:>3}..{:<3} {:?}/{:?}/{:?} {:?}\n",
                    x - 1,
                    key.0,
                    key.1,
                    key.2,
                    text.trim_end()
                ));
            }
        }
    }
    out
}

#[test]
fn styles_of_the_selection_an_error_and_the_read_only_badge() {
    let theme = Theme::builtin("ansi16").unwrap();
    // The selected row of a list.
    let mut app = at_tab(80, 24, '1');
    key(&mut app, KeyCode::Char('j'));
    let buf = draw(&app, &theme);
    insta::assert_snapshot!("style_tenants_selection_ansi16", style_runs(&buf, 3..8));
    // An error on the status line, and the read-only badge.
    app.read_only = true;
    app.error("count failed: canceling statement due to statement timeout");
    let buf = draw(&app, &theme);
    insta::assert_snapshot!("style_status_error_read_only_ansi16", style_runs(&buf, 23..24));
}

fn search_outcome() -> ragdesk::search::Outcome {
    let texts = [
        ("hours.txt", 0, 0.1812, "We are open Monday to Friday 8-18 and on Saturday 9-13. Closed on Sundays."),
        ("faq.md", 2, 0.4430, "## Do you take insurance? Yes, we are in network with Delta Dental PPO."),
        ("menu.html", 1, 0.5120, "Cleaning and X-rays: $99 for new patients. Whitening from $299."),
        ("faq.md", 0, 0.6021, "# Frequently asked questions \u{1b}[2J"),
    ];
    let rows: Vec<ragdesk::search::Row> = texts
        .iter()
        .enumerate()
        .map(|(i, (file, index, d, text))| ragdesk::search::Row {
            rank: i + 1,
            chunk_id: id(900 + i as u128).to_string(),
            document_id: Some(id(800).to_string()),
            filename: file.to_string(),
            chunk_index: Some(*index),
            token_count: Some(20 + i as i32),
            distance: *d,
            similarity: Some(1.0 - d),
            content: text.to_string(),
        })
        .collect();
    ragdesk::search::Outcome {
        kb: "Services & prices".into(),
        metric: "cosine",
        index_serves_metric: true,
        exact: false,
        k: 10,
        threshold: Some(0.5),
        passed: 2,
        rows,
        embed_ms: 11.8,
        query_ms: 1.4,
        total_ms: 16.0,
        compare: Some(ragdesk::search::CompareReport {
            recall: 1.0,
            exact_ms: 0.6,
            moved: vec![],
            appeared: vec![],
            vanished: vec![],
        }),
        platform_agrees: Some(true),
        hybrid: None,
        scores: vec![0.82, 0.56, 0.49, 0.40, 0.38, 0.30, 0.29, 0.22],
        searched_by: "HNSW index, ef_search 40".into(),
        breadth: Some(40),
        model: None,
        vector: vec![],
    }
}

/// Another platform's vectors as the Search tab searches them: 001's
/// knowledge (ivfflat) under one of its demos.
fn domo_search_scope() -> ragdesk::search::Scope {
    ragdesk::search::Scope::Layout(ragdesk::search::LayoutScope {
        layout: "domo".into(),
        kind: ragdesk::schema::Kind::Chunk,
        label: "Knowledge".into(),
        within: Some(("5b1e0c7a-1d2f-4c8e-9a31-0f6d2b7c9e10".into(), "Bright Smiles Dental".into())),
        index: Some("ivfflat".into()),
        metric: ragdesk::db::search::Metric::Cosine,
        whole: false,
    })
}

/// 004's page embeddings (its Chunks, ivfflat), with no parent row chosen.
fn omni_search_scope() -> ragdesk::search::Scope {
    ragdesk::search::Scope::Layout(ragdesk::search::LayoutScope {
        layout: "omni".into(),
        kind: ragdesk::schema::Kind::Chunk,
        label: "Chunks".into(),
        within: None,
        index: Some("ivfflat".into()),
        metric: ragdesk::db::search::Metric::Cosine,
        whole: false,
    })
}

#[test]
fn search_pane_under_a_foreign_layout() {
    let theme = Theme::default_dark();
    for (w, h) in [(80, 24), (120, 40)] {
        let mut app = new_app(w, h);
        app.browse_layout(ragdesk::schema::load("domo").unwrap());
        app.tab = ragdesk::app::Tab::Search;
        let text = snapshot(&format!("search_layout_empty_{w}x{h}"), &app);
        assert!(text.contains("nothing to search") && text.contains("press s to ask a question"), "{text}");
        app.search.open(domo_search_scope());
        app.search.breadth = Some(4);
        app.search.compare = true;
        app.search.text = "whitening price".into();
        app.search.query = Some(ragdesk::search::Query::Text("whitening price".into()));
        let mut o = search_outcome();
        for (i, r) in o.rows.iter_mut().enumerate() {
            r.chunk_id = format!("kc-{}", 1041 + i);
            (r.document_id, r.filename, r.chunk_index, r.token_count) = (None, String::new(), None, None);
        }
        o.kb = "Knowledge of Bright Smiles Dental".into();
        o.platform_agrees = None;
        o.threshold = None;
        o.passed = o.rows.len();
        o.model = Some("all-MiniLM-L6-v2, 384-d, zero-padded to 1536".into());
        o.compare = Some(ragdesk::search::CompareReport {
            recall: 0.75,
            exact_ms: 2.5,
            moved: vec![],
            appeared: vec!["kc-2001".into()],
            vanished: vec!["kc-1999".into()],
        });
        app.search.result = Some(o);
        let text = snapshot(&format!("search_layout_results_{w}x{h}"), &app);
        assert!(text.contains("ivfflat probes 4") && text.contains("kc-1041"), "{text}");
        assert!(text.contains("Knowledge of Bright Smiles Dental (domo"), "{text}");
        assert!(!text.contains("match_chunks") && !text.contains("Document#chunk"), "{text}");
        if w >= 120 {
            assert!(text.contains("zero-padded to 1536"), "the model that embedded the question: {text}");
        }
        // Recall under 1 is a warning, in the warning colour.
        let buf = draw(&app, &theme);
        let warned: String =
            buf.content().iter().filter(|c| c.fg == theme.warning().fg.unwrap()).map(|c| c.symbol()).collect();
        assert!(warned.contains("recall@10 0.75"), "{warned:?}");
        // The tab bar names the Search tab among the layout's own.
        assert!(text.lines().next().is_some_and(|l| l.contains("Search")), "{text}");
    }
}

#[test]
fn search_pane() {
    for (w, h) in [(80, 24), (120, 40)] {
        let mut app = at_tab(w, h, '6');
        let text = snapshot(&format!("search_empty_{w}x{h}"), &app);
        assert!(text.contains("No knowledge base yet"), "{text}");
        app.search.scope = Some(ragdesk::search::Scope::Knowledge(kbs()[0].clone()));
        app.search.text = "open on saturday".into();
        app.search.query = Some(ragdesk::search::Query::Text("open on saturday".into()));
        app.search.threshold = Some(0.5);
        app.search.result = Some(search_outcome());
        let text = snapshot(&format!("search_results_{w}x{h}"), &app);
        assert!(text.contains("hours.txt#0") && text.contains("0.819"), "{text}");
        assert!(text.contains("recall@10 1.00"), "{text}");
        if w >= 120 {
            assert!(text.contains("match_chunks agrees"), "{text}");
        }
        assert!(text.contains("2 of 4 pass the threshold"), "{text}");
        // The query's words are highlighted in the chunk's text.
        let buf = draw(&app, &Theme::default_dark());
        let theme = Theme::default_dark();
        let highlighted: String = buf.content().iter().filter(|c| c.fg == theme.match_fg).map(|c| c.symbol()).collect();
        assert!(highlighted.contains("open") && highlighted.contains("Saturday"), "{highlighted:?}");
        // Hostile text in a chunk is shown escaped.
        app.search.selected = 3;
        let text = buffer_text(&draw(&app, &Theme::default_dark()));
        assert!(text.contains("␛[2J"), "{text}");
        // Hybrid: each chunk's vector and text rank and score, and the fused score.
        app.search.selected = 0;
        app.search.hybrid = true;
        let mut o = search_outcome();
        o.hybrid = Some(
            o.rows
                .iter()
                .enumerate()
                .map(|(i, r)| ragdesk::search::FusedRow {
                    chunk_id: r.chunk_id.clone(),
                    filename: r.filename.clone(),
                    chunk_index: r.chunk_index.unwrap_or_default(),
                    content: r.content.clone(),
                    vector_rank: Some(i + 1),
                    vector_score: r.similarity,
                    text_rank: (i < 2).then(|| 2 - i),
                    text_score: (i < 2).then_some(0.1 * (i + 1) as f64),
                    fused: 1.0 / (61.0 + i as f64) + if i < 2 { 1.0 / (62.0 - i as f64) } else { 0.0 },
                })
                .collect(),
        );
        app.search.result = Some(o);
        let text = snapshot(&format!("search_hybrid_{w}x{h}"), &app);
        assert!(text.contains("V.rank") && text.contains("T.score") && text.contains("Fused"), "{text}");
    }
}

/// The selected chunk's whole text is read in the detail at 80x24: `J`
/// scrolls it (the title says so), and another row starts at its top.
#[test]
fn search_detail_scrolls_a_long_chunk() {
    let mut app = at_tab(80, 24, '6');
    app.search.scope = Some(ragdesk::search::Scope::Knowledge(kbs()[0].clone()));
    app.search.text = "open on saturday".into();
    let mut o = search_outcome();
    let long: Vec<String> = (1..=40).map(|i| format!("Paragraph {i} of the clinic's policies.")).collect();
    o.rows[0].content = long.join("\n");
    app.search.result = Some(o);
    let before = buffer_text(&draw(&app, &Theme::default_dark()));
    // (The results row cuts the text: the whole line is the detail's.)
    let (first, last) = ("Paragraph 1 of the clinic's policies.", "Paragraph 40 of the clinic's policies.");
    assert!(before.contains(first) && !before.contains(last), "{before}");
    assert!(before.contains("(J/K scroll)"), "{before}");
    for _ in 0..20 {
        key(&mut app, KeyCode::Char('J'));
        draw(&app, &Theme::default_dark());
    }
    let after = buffer_text(&draw(&app, &Theme::default_dark()));
    assert!(after.contains(last) && !after.contains(first), "{after}");
    // The next row's text from its top.
    key(&mut app, KeyCode::Char('j'));
    assert_eq!(app.search.detail_scroll, 0);
    // Nothing through the index in one pass is not said to be an empty
    // knowledge base; with the iterative scan (the default) or exactly, it is.
    let mut o = search_outcome();
    o.rows.clear();
    app.search.result = Some(o.clone());
    app.search.iterative_scan = false;
    let text = buffer_text(&draw(&app, &Theme::default_dark()));
    assert!(text.contains("Nothing came back through the index in one pass"), "{text}");
    app.search.iterative_scan = true;
    let text = buffer_text(&draw(&app, &Theme::default_dark()));
    assert!(text.contains("No chunks in this knowledge base."), "{text}");
    app.search.iterative_scan = false;
    o.exact = true;
    app.search.result = Some(o);
    let text = buffer_text(&draw(&app, &Theme::default_dark()));
    assert!(text.contains("No chunks in this knowledge base."), "{text}");
}

fn limit_rows(for_tenant: bool) -> Vec<ragdesk::db::limits::Effective> {
    [
        ("api_calls_per_minute", "Scraping rate limit", 5, None, 0),
        ("demos_per_hour", "Max demos created per hour", 10, None, 2),
        ("messages_per_demo", "Max messages per demo session", 50, Some(80), 3),
        ("tokens_per_demo", "Max tokens per demo \x1b[2J", 10_000, None, 0),
    ]
    .iter()
    .map(|(key, desc, default, over, n)| ragdesk::db::limits::Effective {
        key: key.to_string(),
        description: Some(desc.to_string()),
        default_value: *default,
        default_version: "100".into(),
        override_value: over.filter(|_| for_tenant),
        override_version: over.filter(|_| for_tenant).map(|_| "101".to_string()),
        override_updated_at: over.filter(|_| for_tenant).map(|_| ts(12, 30)),
        override_updated_by: over.filter(|_| for_tenant).map(|_| "ops@bastion".to_string()),
        overrides: *n,
        name: None,
    })
    .collect()
}

/// Another platform's limit: its value as a default of its own, no
/// tenants or overrides.
fn foreign_limit(key: &str, value: i32, about: Option<&str>) -> ragdesk::db::limits::Effective {
    let default =
        ragdesk::db::limits::Limit { key: key.into(), value, description: about.map(Into::into), version: "1".into() };
    ragdesk::db::limits::Effective::of(default, None)
}

fn overrides() -> Vec<ragdesk::db::limits::Override> {
    ["Pixel & Pine Marketing", "Lumen Digital", "Evil\x1b[31m Corp"]
        .iter()
        .enumerate()
        .map(|(i, name)| ragdesk::db::limits::Override {
            tenant_id: id(i as u128 + 2),
            tenant_name: name.to_string(),
            key: "messages_per_demo".into(),
            value: 100 + 20 * i as i32,
            updated_at: ts(11, i as u32),
            updated_by: Some("ops@bastion".into()),
        })
        .collect()
}

fn usage() -> Vec<ragdesk::db::limits::Usage> {
    use ragdesk::db::limits::Usage;
    vec![
        Usage { key: "messages_per_demo", used: 70, basis: "busiest of its 200 newest sessions" },
        Usage { key: "demos_per_hour", used: 1, basis: "demos created in the last hour" },
        Usage { key: "tokens_per_demo", used: 12_814, basis: "busiest of its 10 newest demos" },
    ]
}

fn audit_rows() -> Vec<ragdesk::db::audit::AuditRow> {
    let row = |n: i64, action: &str, entity: &str, key: &str, tenant: bool, old: Option<i64>, new: Option<i64>| {
        ragdesk::db::audit::AuditRow {
            id: n,
            at: ts(12, 40 - n as u32),
            action: action.into(),
            entity: entity.into(),
            entity_key: key.into(),
            tenant_id: tenant.then(|| id(1)),
            tenant_name: tenant.then(|| "Northstar Agency".to_string()),
            old_value: old.map(serde_json::Value::from),
            new_value: new.map(serde_json::Value::from),
            reason: (n == 1).then(|| "pilot customer \x1b[31mred".to_string()),
            db_role: Some("ragdesk_ops".into()),
            os_user: Some("ops".into()),
            client_host: Some("bastion".into()),
            layout: None,
        }
    };
    vec![
        row(1, "set", "tenant_rate_limit", "messages_per_demo", true, None, Some(80)),
        row(2, "set", "rate_limit", "tokens_per_demo", false, Some(8_000), Some(10_000)),
        row(3, "delete", "document", "5b1e0c7e-8d7e-4c4e-9a51-3c1f6f3f2a10", true, None, None),
    ]
}

#[test]
fn limits_and_audit_panes_and_the_limit_editor() {
    let theme = Theme::builtin("ansi16").unwrap();
    for (w, h) in [(80, 24), (120, 40)] {
        // Global defaults (no tenant chosen).
        let mut app = at_tab(w, h, '7');
        let text = snapshot(&format!("limits_global_{w}x{h}"), &app);
        assert!(text.contains("Limits · global defaults") && text.contains("Overrides"), "{text}");
        assert!(text.contains("Max tokens per demo ␛[2J"), "hostile descriptions are escaped: {text}");
        // The overrides of the selected key, by tenant.
        key(&mut app, KeyCode::Char('j'));
        key(&mut app, KeyCode::Char('j'));
        let text = snapshot(&format!("limits_global_overrides_{w}x{h}"), &app);
        assert!(text.contains("Overridden for: Pixel & Pine Marketing 100, Lumen Digital 120"), "{text}");
        key(&mut app, KeyCode::Char('g'));
        // A tenant's effective values: open a tenant, then Limits.
        key(&mut app, KeyCode::Char('1'));
        key(&mut app, KeyCode::Enter);
        key(&mut app, KeyCode::Char('7'));
        key(&mut app, KeyCode::Char('j'));
        key(&mut app, KeyCode::Char('j'));
        let text = snapshot(&format!("limits_tenant_{w}x{h}"), &app);
        assert!(text.contains("Limits · tenant Northstar Agency") && text.contains("override"), "{text}");
        assert!(text.contains("Override 80 (default 50)") && text.contains("87% of 80"), "{text}");
        if w == 80 {
            // Over the limit is red, close to it yellow-ish (accent), and the
            // override's source stands out: a lost colour fails here.
            let buf = draw(&app, &theme);
            insta::assert_snapshot!("style_limits_tenant_ansi16", style_runs(&buf, 4..9));
        }
        // The editor: a bad value is refused in the form, a good one asks
        // to confirm with old → new and the scope.
        key(&mut app, KeyCode::Enter);
        for c in "-5".chars() {
            key(&mut app, KeyCode::Char(c));
        }
        key(&mut app, KeyCode::Enter);
        let text = snapshot(&format!("limits_editor_refused_{w}x{h}"), &app);
        assert!(text.contains("must not be negative"), "{text}");
        key(&mut app, KeyCode::Backspace);
        key(&mut app, KeyCode::Backspace);
        for c in "120".chars() {
            key(&mut app, KeyCode::Char(c));
        }
        key(&mut app, KeyCode::Enter);
        let text = snapshot(&format!("limits_confirm_{w}x{h}"), &app);
        assert!(text.contains("80 → 120") && text.contains("the override for tenant Northstar"), "{text}");
        // n: back to the form as typed; Esc leaves it.
        key(&mut app, KeyCode::Char('n'));
        assert!(matches!(app.modal, Some(ragdesk::app::Modal::LimitEdit(_))));
        key(&mut app, KeyCode::Esc);
        assert!(app.modal.is_none());
        // The audit, from the selected key (a).
        key(&mut app, KeyCode::Char('a'));
        assert_eq!(app.tab, Tab::Audit);
        // In the tenant's view: that tenant's history of the key.
        assert_eq!(app.audit.filter, "entity:limit key:messages_per_demo tenant:\"Northstar Agency\"");
        let text = snapshot(&format!("audit_{w}x{h}"), &app);
        assert!(text.contains("(none) → 80") || text.contains("new: 80"), "{text}");
        assert!(text.contains("reason: pilot customer ␛[31mred"), "{text}");
    }
}

fn mapped_rows(layout: &str, kind: ragdesk::schema::Kind, n: usize) -> Vec<ragdesk::db::mapped::MappedRow> {
    let entity = ragdesk::schema::load(layout).unwrap().entity(kind).cloned().unwrap_or_default();
    use ragdesk::schema::Kind;
    (0..n)
        .map(|i| ragdesk::db::mapped::MappedRow {
            id: if kind == Kind::Session { format!("conv_{i:08x}") } else { id(500 + i as u128).to_string() },
            title: match kind {
                Kind::Tenant => {
                    Some(["ana@brightsmile.example", "ops@polarair.example", "Evil\x1b[31m Corp"][i % 3].into())
                }
                Kind::Demo => Some(format!("Demo {}", i + 1)),
                _ => None,
            },
            status: (kind == Kind::Demo).then(|| "published".to_string()),
            created_at: Some(ts(12, i as u32)),
            role: (kind == Kind::Message).then(|| if i % 2 == 0 { "user" } else { "assistant" }.to_string()),
            content: (kind == Kind::Message).then(|| {
                if i == 1 { "Sure: we are open 8-18.\n\x1b[2Jsecond line".to_string() } else { format!("message {i}") }
            }),
            key: vec![Some(i.to_string())],
            // The layout's own columns (a hostile one among them), then its
            // counts (one past the cap: "1,000+").
            cells: entity
                .shown
                .iter()
                .map(|c| Some(if i == 0 { format!("{c}\x1b]0;x\x07 {i}") } else { format!("{c} {i}") }))
                .chain(entity.counts.iter().map(|_| Some(["3", "1001", "0"][i % 3].to_string())))
                .collect(),
            ..Default::default()
        })
        .collect()
}

#[test]
fn browse_pane_under_two_foreign_layouts() {
    use ragdesk::schema::Kind;
    for layout in ["domo", "omni"] {
        let mut app = new_app(80, 24);
        app.browse_layout(ragdesk::schema::load(layout).unwrap());
        let mut fx = app.start();
        // The root's rows, then drilling to a conversation's messages.
        let answer = |app: &mut App, fx: Vec<Effect>| -> Vec<Effect> {
            let mut out = Vec::new();
            for e in fx {
                match e {
                    Effect::LoadMapped { generation, kind, .. } => {
                        let page = ragdesk::db::mapped::MappedPage { rows: mapped_rows(layout, kind, 3), next: None };
                        out.extend(app.update(Action::MappedLoaded { generation, result: Ok(page) }));
                    }
                    Effect::CountMapped { generation, kind, .. } => {
                        // A derived list (001's conversations) is not counted.
                        let count = (kind != Kind::Session || layout == "omni").then_some(RowCount::Exact(3));
                        out.extend(app.update(Action::MappedCounted { generation, result: Ok(count) }));
                    }
                    // A conversation opens in the Transcript tab, with the
                    // heading the reader gives: omni's conversations have a
                    // visitor and a status; 001's (derived) only an id.
                    Effect::LoadSession { generation, id } => {
                        let omni = layout == "omni";
                        let head = ragdesk::db::conversation::ConversationHead {
                            who: omni.then(|| "ana@brightsmile.example".into()),
                            tenant: omni.then(|| ragdesk::db::conversation::HeldBy {
                                label: "Customers".into(),
                                name: "Pixel & Pine".into(),
                            }),
                            status: omni.then(|| "active".into()),
                            started_at: Some(chrono::Utc.with_ymd_and_hms(2026, 10, 12, 9, 0, 0).unwrap()),
                            layout: Some(layout.into()),
                            id,
                            ..Default::default()
                        };
                        out.extend(app.update(Action::SessionLoaded { generation, result: Ok(head) }));
                    }
                    // The selected row read whole, once the selection rests.
                    Effect::Debounce { effect, .. } => {
                        if let Effect::LoadRowFields { generation, kind, id } = *effect {
                            assert_ne!(kind, Kind::Message, "a message is read in the transcript");
                            let fields = if kind == Kind::Session {
                                vec![
                                    ("id".to_string(), serde_json::json!(id)),
                                    ("channel".to_string(), serde_json::json!("widget")),
                                    ("metadata".to_string(), serde_json::json!({"page": "/pricing\u{1b}[2J"})),
                                ]
                            } else {
                                vec![
                                    ("id".to_string(), serde_json::json!(id)),
                                    ("name".to_string(), serde_json::json!("Evil\u{1b}[31m Corp")),
                                    ("brand_colour".to_string(), serde_json::json!("#1f6feb")),
                                    ("plans".to_string(), serde_json::json!(["starter", "pro"])),
                                    ("notes".to_string(), serde_json::Value::Null),
                                ]
                            };
                            out.extend(app.update(Action::RowFieldsLoaded { generation, result: Ok(Some(fields)) }));
                        }
                    }
                    Effect::LoadMessages { generation, .. } => {
                        let rows = mapped_rows(layout, Kind::Message, 3)
                            .into_iter()
                            .map(|r| ragdesk::db::conversation::Utterance {
                                id: r.id,
                                role: r.role.unwrap_or_default(),
                                content: r.content.unwrap_or_default(),
                                created_at: r.created_at,
                                ..Default::default()
                            })
                            .collect();
                        let page = ragdesk::db::conversation::ConversationPage { rows, next: None };
                        out.extend(app.update(Action::MessagesLoaded { generation, result: Ok(page) }));
                    }
                    _ => {}
                }
            }
            out
        };
        // Until nothing more is asked: the rows, then the selected row whole.
        while !fx.is_empty() {
            fx = answer(&mut app, fx);
        }
        let text = snapshot(&format!("browse_{layout}_root_80x24"), &app);
        let (root_label, child) = if layout == "omni" { ("Customers", "Widgets") } else { ("Users", "Demos") };
        assert!(text.contains(&format!("┌ {root_label}")) && text.contains(&format!("Enter: {child}")), "{text}");
        assert!(text.contains("Evil␛[31m Corp"), "hostile names are escaped: {text}");
        // The selected row whole under the list: a colour with its swatch
        // (in that colour), a list as bullets; the id is in the first line only.
        assert!(text.contains("Brand colour   ██ #1f6feb") && text.contains("J more ↓"), "{text}");
        let buf = draw(&app, &Theme::default_dark());
        let swatch_row = text.lines().position(|l| l.contains("██ #1f6feb")).unwrap() as u16;
        assert_eq!(buf[(16, swatch_row)].fg, ratatui::style::Color::Rgb(0x1f, 0x6f, 0xeb), "the swatch is the colour");
        // J scrolls the detail to what is below.
        app.update(Action::Key(KeyEvent::new(KeyCode::Char('J'), KeyModifiers::SHIFT)));
        let scrolled = buffer_text(&draw(&app, &Theme::default_dark()));
        assert!(scrolled.contains("  • starter") && scrolled.contains("  • pro"), "{scrolled}");
        app.update(Action::Key(KeyEvent::new(KeyCode::Char('K'), KeyModifiers::SHIFT)));
        // The tabs are its entities, in its words; the layout is named under them.
        let (tabs, path) = (text.lines().next().unwrap(), text.lines().nth(1).unwrap());
        let (first, name) = if layout == "omni" {
            ("1 Customers", "layout omni (seed 004)")
        } else {
            ("1 Users", "layout domo (seed 001)")
        };
        assert!(tabs.contains(first) && path.ends_with(name), "{tabs}\n{path}");
        // The layout maps no status for its tenants: no such column.
        assert!(!text.contains("Status") && text.contains("Created"), "{text}");
        // domo: conversations are another root (derived from the messages); omni: under a customer.
        let keys: &[KeyCode] =
            if layout == "domo" { &[KeyCode::Char('o')] } else { &[KeyCode::Enter, KeyCode::Char('o')] };
        for k in keys {
            fx.extend(app.update(Action::Key(KeyEvent::new(*k, KeyModifiers::NONE))));
            while !fx.is_empty() {
                fx = answer(&mut app, std::mem::take(&mut fx));
            }
        }
        assert_eq!(app.browser.current().kind, Kind::Session, "{layout}");
        // Conversations have no name on either layout: no Name column of
        // dashes, and the id has its room.
        let text = snapshot(&format!("browse_{layout}_conversations_80x24"), &app);
        assert!(!text.contains("Name") && !text.contains("│—"), "{text}");
        assert!(text.lines().any(|l| l.starts_with("│Id ")) && text.contains("│conv_00000001 "), "{text}");
        fx.extend(app.update(Action::Key(KeyEvent::new(KeyCode::Enter, KeyModifiers::NONE))));
        let _ = answer(&mut app, fx);
        app.update(Action::Key(KeyEvent::new(KeyCode::Char(']'), KeyModifiers::NONE)));
        let text = snapshot(&format!("browse_{layout}_transcript_80x24"), &app);
        // Our transcript reader, on the layout's conversation: who and what
        // state in the title, each message's role and time, escaped text.
        let heading = if layout == "omni" { "ana@brightsmile.example · active · " } else { "┌ conv_" };
        assert!(text.contains(" 5 Transcript ") && text.contains(heading), "{text}");
        // The breadcrumb: where the conversation is held (omni: its
        // customer), else the platform's word for conversations.
        let crumb = text.lines().nth(1).unwrap();
        let want =
            if layout == "omni" { " Pixel & Pine › ana@brightsmile.example" } else { " Conversations › conv_" };
        assert!(crumb.starts_with(want), "{crumb}");
        assert!(text.contains("assistant  2026-10-12 09:01") && text.contains("msg 2/3"), "{text}");
        assert!(text.contains("␛[2Jsecond line") && !text.contains('\u{1b}'), "{text}");
        // Roles keep their colours, and the selected message its gutter.
        let theme = Theme::default_dark();
        let buf = draw(&app, &theme);
        let row_of = |needle: &str| text.lines().position(|l| l.contains(needle)).expect(needle) as u16;
        let (assistant, user) = (row_of("assistant  2026"), row_of("user  2026-10-12 09:00"));
        assert_eq!(buf[(3, assistant)].fg, theme.role("assistant").fg.unwrap(), "{layout}: the assistant's colour");
        assert_eq!(buf[(3, user)].fg, theme.role("user").fg.unwrap(), "{layout}: the user's colour");
        assert_eq!((buf[(1, assistant)].symbol(), buf[(1, user)].symbol()), ("▌", " "), "{layout}: the gutter");
    }
}

#[test]
fn help_on_another_layout_names_its_own_tabs() {
    let mut app = new_app(80, 24);
    app.browse_layout(ragdesk::schema::load("omni").unwrap());
    let theme = Theme::default_dark();
    let text: String = ragdesk::ui::help::lines(&app, &theme, 74)
        .iter()
        .map(|l| l.spans.iter().map(|s| s.content.as_ref()).collect::<String>() + "\n")
        .collect();
    // Its entities' tabs, in its words.
    for tab in ["Customers", "Widgets", "Conversations", "Domains", "Transcript"] {
        assert!(text.contains(&format!("Go to the {tab} tab")), "{tab}: {text}");
    }
    // omni declares its limits writable: the audit of those writes is a tab there.
    assert!(text.contains("Go to the Rate limits tab") && text.contains("Go to the Audit tab"), "{text}");
    assert!(!text.contains("Go to the Tenants tab") && text.contains("Go to the Search tab"), "{text}");
    // Only the list keys Browse answers are offered there (counting every
    // row and hiding the detail now among them; uploads are our Documents tab's).
    for cmd in [ragdesk::keymap::Command::ToggleDetail, ragdesk::keymap::Command::ExactCount] {
        assert!(text.contains(cmd.description()), "{} not offered in Browse: {text}", cmd.description());
    }
    for cmd in [ragdesk::keymap::Command::Upload, ragdesk::keymap::Command::NewKnowledgeBase] {
        assert!(!text.contains(cmd.description()), "{} offered in Browse: {text}", cmd.description());
    }
    assert!(text.contains("The next list at this level"), "{text}");
    // Our Limits tab offers d (the control: the check below can fail).
    let mut ours = new_app(80, 24);
    ours.tab = ragdesk::app::Tab::Limits;
    let text: String = ragdesk::ui::help::lines(&ours, &theme, 74).iter().map(|l| format!("{l}\n")).collect::<String>();
    assert!(text.contains("  d delete ") && text.contains("  t "), "{text}");
    // Its Rate limits tab: edit and history, none of our tenants' keys.
    app.tab = ragdesk::app::Tab::Limits;
    let text: String = ragdesk::ui::help::lines(&app, &theme, 74).iter().map(|l| format!("{l}\n")).collect::<String>();
    assert!(text.contains("limits keys") && text.contains("  a "), "{text}");
    for key in ["  n ", "  t ", "  d delete "] {
        assert!(!text.contains(key), "{key} offered on another platform's limits: {text}");
    }
    // Its Search tab offers what its vectors answer: no metric to cycle
    // (the index's own), no hybrid (no full-text column of ours).
    app.search.open(omni_search_scope());
    app.tab = ragdesk::app::Tab::Search;
    let text: String = ragdesk::ui::help::lines(&app, &theme, 74).iter().map(|l| format!("{l}\n")).collect::<String>();
    for key in ["  o ", "  H ", "  I "] {
        assert!(!text.contains(key), "{key} offered on a layout's vectors: {text}");
    }
    for key in ["  x ", "  c ", "  e ", "  p "] {
        assert!(text.contains(key), "{key} not offered: {text}");
    }
    // Its Transcript tab: no replay of retrieval (that needs our demo and
    // its knowledge base); ours offers it (the control).
    let replay = ragdesk::keymap::Command::ReplayRetrieval.description();
    for (app, offered) in [(&mut app, false), (&mut new_app(80, 24), true)] {
        app.tab = ragdesk::app::Tab::Transcript;
        let text: String = ragdesk::ui::help::lines(app, &theme, 74).iter().map(|l| format!("{l}\n")).collect();
        assert_eq!(text.contains(replay), offered, "{text}");
    }
    // The Audit tab's filter, with the terms it takes.
    app.tab = ragdesk::app::Tab::Audit;
    let text: String = ragdesk::ui::help::lines(&app, &theme, 74).iter().map(|l| format!("{l}\n")).collect::<String>();
    assert!(text.contains("entity:limit") && text.contains("key:KEY") && !text.contains("status:active"), "{text}");
}

#[test]
fn limits_tab_under_a_foreign_layout() {
    use ragdesk::db::limits::Effective;
    let mut app = new_app(80, 24);
    app.browse_layout(ragdesk::schema::load("omni").unwrap());
    app.start();
    let fx = app.update(Action::Key(KeyEvent::new(KeyCode::Char('7'), KeyModifiers::NONE)));
    let generation = fx
        .iter()
        .find_map(|e| match e {
            Effect::LoadLimits { generation, tenant: None, .. } => Some(*generation),
            _ => None,
        })
        .expect("the limits load through the layout's reader");
    let row = foreign_limit;
    let rows =
        vec![row("brightsmile.example", 60, Some("per minute, widget chat")), row("evil\u{1b}[31m.example", 10, None)];
    // A key that is another row's id reads with that row's title (`key_entity`).
    let mut rows = rows;
    rows.push(Effective {
        name: Some("Harbor\u{1b}]0;x\u{7} Dental".into()),
        ..row("a1b2c3d4-0000-4000-8000-000000000001", 25, None)
    });
    app.update(Action::LimitsLoaded {
        generation,
        from: KeysFrom::Top,
        result: Ok(ragdesk::db::rate_limits::LimitsView { rows, ..Default::default() }),
    });
    let text = snapshot("limits_omni_80x24", &app);
    assert!(text.contains("┌ Rate limits · omni") && text.contains("Description"), "{text}");
    assert!(!text.contains("Overrides") && !text.contains("tenant"), "no tenants or overrides here: {text}");
    assert!(text.contains("evil␛[31m.example") && text.contains("Enter edits it"), "{text}");
    assert!(text.contains("│Key ") && text.contains(" Name ") && text.contains("Harbor␛]0;x␇ Dental"), "{text}");
    // Words typed with `/`: the title says them, the hints how to clear
    // them.
    app.update(Action::Key(KeyEvent::new(KeyCode::Char('/'), KeyModifiers::NONE)));
    for c in "bright".chars() {
        app.update(Action::Key(KeyEvent::new(KeyCode::Char(c), KeyModifiers::NONE)));
    }
    let fx = app.update(Action::Key(KeyEvent::new(KeyCode::Enter, KeyModifiers::NONE)));
    let generation = fx
        .iter()
        .find_map(|e| match e {
            Effect::LoadLimits { generation, words, .. } if words == "bright" => Some(*generation),
            _ => None,
        })
        .expect("the limits load with the words");
    let rows = vec![row("brightsmile.example", 60, Some("per minute, widget chat"))];
    app.update(Action::LimitsLoaded {
        generation,
        from: KeysFrom::Top,
        result: Ok(ragdesk::db::rate_limits::LimitsView {
            rows,
            next: Some("brightsmile.example".into()),
            ..Default::default()
        }),
    });
    let text = snapshot("limits_omni_words_80x24", &app);
    // More keys than read: "+" until the last page is in.
    assert!(text.contains("┌ Rate limits · omni · /bright · 1+ keys ─"), "{text}");
    assert!(text.lines().rev().nth(1).is_some_and(|l| l.contains("Esc clear") && l.contains("Enter edit")), "{text}");
    // Long words: cut inside the border, the count kept.
    app.limits.filter = "a-very-long-customer-domain-name.example.com-and-then-some-more-words".into();
    let text = buffer_text(&draw(&app, &Theme::default_dark()));
    let top = text.lines().find(|l| l.starts_with('┌')).unwrap();
    assert!(top.contains("… · 1+ keys ") && top.ends_with("┐"), "{top}");
}

#[test]
fn help_wraps_long_descriptions_to_the_popup_at_80_columns() {
    let app = new_app(80, 24);
    let theme = Theme::default_dark();
    // 80 columns: the popup is 76 wide, 74 inside.
    let lines = ragdesk::ui::help::lines(&app, &theme, 74);
    let texts: Vec<String> = lines.iter().map(|l| l.spans.iter().map(|s| s.content.as_ref()).collect()).collect();
    for t in &texts {
        assert!(unicode_width::UnicodeWidthStr::width(t.as_str()) <= 74, "a line wider than the popup: {t:?}");
    }
    // A long description is all there, over two lines, the second indented
    // under the first's text.
    let joined = texts.join("\n");
    let at = texts.iter().position(|t| t.contains("Filter on the server")).expect("the filter key's line");
    assert!(texts[at + 1].starts_with("      ") && joined.contains("status:active"), "{joined}");
}

#[test]
fn a_layouts_own_columns_leave_the_title_room_at_80_columns() {
    use ragdesk::schema::Kind;
    // Ours through its layout: a demo's list has its status, two columns
    // and a count beside the title, every value long.
    let mut app = new_app(80, 24);
    app.browse_layout(ragdesk::schema::load("native").unwrap());
    let fx = app.start();
    let answer = |app: &mut App, fx: Vec<Effect>, kind: Kind| {
        for e in fx {
            if let Effect::LoadMapped { generation, kind: asked, .. } = e {
                assert_eq!(asked, kind);
                let rows = (0..3)
                    .map(|i| ragdesk::db::mapped::MappedRow {
                        id: id(700 + i).to_string(),
                        title: Some(format!("Harbor Family Dental Clinic {i}")),
                        status: Some("blueprint".into()),
                        created_at: Some(ts(12, i as u32)),
                        key: vec![Some(i.to_string())],
                        cells: vec![
                            Some("Dental clinic and orthodontics".into()),
                            Some("reactivation of lapsed patients".into()),
                            Some("1001".into()),
                        ],
                        ..Default::default()
                    })
                    .collect();
                let page = ragdesk::db::mapped::MappedPage { rows, next: None };
                app.update(Action::MappedLoaded { generation, result: Ok(page) });
            }
        }
    };
    answer(&mut app, fx, Kind::Tenant);
    let fx = app.update(Action::Key(KeyEvent::new(KeyCode::Enter, KeyModifiers::NONE)));
    answer(&mut app, fx, Kind::Demo);
    let text = buffer_text(&draw(&app, &Theme::default_dark()));
    let row = text.lines().find(|l| l.starts_with("│Harbor")).unwrap_or_else(|| panic!("{text}"));
    // The title keeps 16 characters; the columns and the count share the rest.
    assert!(row.contains("Harbor Family De"), "{text}");
    assert!(text.contains("Industry") && text.contains("Sessions") && row.contains("1,000+"), "{text}");
    // Beside its own columns the list gives the id's room to them (the
    // detail has it whole).
    let header = text.lines().find(|l| l.starts_with("│Name")).unwrap();
    assert!(!header.contains(" Id ") && text.contains(&id(700).to_string()), "{text}");
}

#[test]
fn a_browse_page_down_moves_by_the_rows_the_list_shows() {
    // 50 customers: more than fit, with the detail under the list and without.
    let mut app = new_app(80, 24);
    app.browse_layout(ragdesk::schema::load("omni").unwrap());
    for e in app.start() {
        if let Effect::LoadMapped { generation, .. } = e {
            let rows = (0..50)
                .map(|i| ragdesk::db::mapped::MappedRow {
                    id: format!("{i:02}"),
                    title: Some(format!("customer {i:02}")),
                    key: vec![Some(i.to_string())],
                    ..Default::default()
                })
                .collect();
            app.update(Action::MappedLoaded {
                generation,
                result: Ok(ragdesk::db::mapped::MappedPage { rows, next: None }),
            });
        }
    }
    for hide_detail in [false, true] {
        if hide_detail {
            // (Once: the detail has the whole pane; twice: hidden.)
            for _ in 0..2 {
                app.update(Action::Key(KeyEvent::new(KeyCode::Char('i'), KeyModifiers::NONE)));
            }
        }
        let text = buffer_text(&draw(&app, &Theme::default_dark()));
        // The list's rows (a name and an id), not the detail's title line.
        let shown = text
            .lines()
            .filter(|l| l.starts_with("│customer ") && l.trim_matches('│').split_whitespace().count() == 3)
            .count();
        assert_eq!(app.browse_page(), shown, "detail hidden: {hide_detail}\n{text}");
        // A page down from the top lands on the first row not shown before.
        app.update(Action::Key(KeyEvent::new(KeyCode::Char('g'), KeyModifiers::NONE)));
        app.update(Action::Key(KeyEvent::new(KeyCode::PageDown, KeyModifiers::NONE)));
        assert_eq!(app.browser.current().selected, shown, "detail hidden: {hide_detail}");
    }
}

/// The generation of the Limits tab's load (`count`: its count) among `fx`.
fn limits_effect(fx: &[Effect], count: bool) -> u64 {
    fx.iter()
        .find_map(|e| match e {
            Effect::LoadLimits { generation, .. } if !count => Some(*generation),
            Effect::CountLimits { generation, .. } if count => Some(*generation),
            _ => None,
        })
        .unwrap_or_else(|| panic!("a limits {}: {fx:?}", if count { "count" } else { "load" }))
}

/// The first data row of the list drawn (the line under its header).
fn first_row_shown(app: &App, header: &str) -> String {
    let text = buffer_text(&draw(app, &Theme::default_dark()));
    let lines: Vec<&str> = text.lines().collect();
    let at = lines.iter().position(|l| l.contains(header)).expect(header);
    lines[at + 1].to_string()
}

/// Moving the selection up inside the rows shown moves the highlight, not
/// the view (the view kept from the frame before): in the Limits tab and in
/// an entity tab.
#[test]
fn moving_up_moves_the_highlight_not_the_view() {
    use ragdesk::db::limits::Effective;
    let mut app = new_app(80, 24);
    app.browse_layout(ragdesk::schema::load("omni").unwrap());
    app.start();
    let fx = app.update(Action::Key(KeyEvent::new(KeyCode::Char('7'), KeyModifiers::NONE)));
    let generation = limits_effect(&fx, false);
    let rows: Vec<Effective> = (0..60).map(|i| foreign_limit(&format!("shop-{i:02}.example"), i, None)).collect();
    app.update(Action::LimitsLoaded {
        generation,
        from: KeysFrom::Top,
        result: Ok(ragdesk::db::rate_limits::LimitsView { rows, ..Default::default() }),
    });
    let press = |app: &mut App, c: char, n: usize| {
        for _ in 0..n {
            app.update(Action::Key(KeyEvent::new(KeyCode::Char(c), KeyModifiers::NONE)));
            draw(app, &Theme::default_dark());
        }
    };
    press(&mut app, 'j', 20);
    let top = first_row_shown(&app, "│Key");
    assert!(!top.contains("shop-00."), "scrolled by now: {top}");
    press(&mut app, 'k', 3);
    assert_eq!(first_row_shown(&app, "│Key"), top, "the view stays put");
    assert_eq!(app.limits.selected, 17);
    // An entity tab the same way.
    let mut app = new_app(80, 24);
    let fx = app.start();
    let generation = fx
        .iter()
        .find_map(|e| match e {
            Effect::LoadMapped { generation, .. } => Some(*generation),
            _ => None,
        })
        .unwrap();
    let tenant = |i: usize| MappedRow {
        id: format!("{i}"),
        title: Some(format!("Tenant {i:02}")),
        key: vec![Some(format!("{i}"))],
        ..Default::default()
    };
    app.update(Action::MappedLoaded {
        generation,
        result: Ok(ragdesk::db::mapped::MappedPage { rows: (0..60).map(tenant).collect(), next: None }),
    });
    press(&mut app, 'j', 20);
    let top = first_row_shown(&app, "│Name");
    assert!(!top.contains("Tenant 00"), "scrolled by now: {top}");
    press(&mut app, 'k', 3);
    assert_eq!(first_row_shown(&app, "│Name"), top, "the view stays put");
}

/// The Limits tab's title says how many keys are read of how many there
/// are, once counted, and which end they are read from.
#[test]
fn the_limits_title_says_how_many_keys_are_read_of_how_many() {
    use ragdesk::db::limits::Effective;
    let mut app = new_app(80, 24);
    app.browse_layout(ragdesk::schema::load("omni").unwrap());
    app.start();
    let fx = app.update(Action::Key(KeyEvent::new(KeyCode::Char('7'), KeyModifiers::NONE)));
    let (load, count) = (limits_effect(&fx, false), limits_effect(&fx, true));
    let rows: Vec<Effective> = (0..100).map(|i| foreign_limit(&format!("shop-{i:04}.example"), i, None)).collect();
    let view = |next: Option<&str>| {
        Ok(ragdesk::db::rate_limits::LimitsView {
            rows: rows.clone(),
            next: next.map(Into::into),
            ..Default::default()
        })
    };
    app.update(Action::LimitsLoaded { generation: load, from: KeysFrom::Top, result: view(Some("shop-0099.example")) });
    let title =
        |app: &App| buffer_text(&draw(app, &Theme::default_dark())).lines().nth(2).unwrap_or_default().to_string();
    assert!(title(&app).contains("· 100+ keys"), "{}", title(&app));
    app.update(Action::LimitsCounted { generation: count, result: Ok(RowCount::Estimate(3_020)) });
    assert!(title(&app).contains("· 100 of ~3,020 keys"), "{}", title(&app));
    // G: the last keys.
    let fx = app.update(Action::Key(KeyEvent::new(KeyCode::Char('G'), KeyModifiers::NONE)));
    let load = limits_effect(&fx, false);
    app.update(Action::LimitsLoaded { generation: load, from: KeysFrom::End, result: view(Some("shop-0000.example")) });
    assert!(title(&app).contains("· last 100 of ~3,020 keys"), "{}", title(&app));
}
