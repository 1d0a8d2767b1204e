//! Rendering: a pure function of the app state. One file per pane; every
//! string from the database goes through `sanitize` on its way to a widget.

mod browse;
mod detail;
mod documents;
mod form;
pub mod help;
mod limits;
mod search;
mod status;
mod table;
mod transcript;

use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::style::Style;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Paragraph};
use unicode_width::UnicodeWidthStr;

use crate::app::{App, InputPurpose, Tab};
use crate::sanitize::sanitize_line;
use crate::theme::Theme;

pub use crate::layout::WIDE;

/// Rows: tabs, breadcrumb, body, hint/input line, status bar.
fn frame_areas(area: Rect) -> [Rect; 5] {
    Layout::vertical([
        Constraint::Length(1),
        Constraint::Length(1),
        Constraint::Min(3),
        Constraint::Length(1),
        Constraint::Length(1),
    ])
    .areas(area)
}

/// Where the list and its detail go: side by side on wide screens; on
/// narrow ones the detail, when shown, takes the whole body.
pub(crate) fn body_split(body: Rect, app: &App) -> (Option<Rect>, Option<Rect>) {
    let wide = crate::layout::detail_beside(body.width);
    match (wide, app.detail_visible()) {
        (true, true) => {
            let [l, r] = Layout::horizontal([Constraint::Percentage(58), Constraint::Percentage(42)]).areas(body);
            (Some(l), Some(r))
        }
        (false, true) => (None, Some(body)),
        (_, false) => (Some(body), None),
    }
}

pub fn render(f: &mut Frame, app: &App, theme: &Theme) {
    let area = f.area();
    f.render_widget(Block::default().style(theme.base()), area);
    let [tabs, crumbs, body, hint, status] = frame_areas(area);
    render_tabs(f, tabs, app, theme);
    render_breadcrumb(f, crumbs, app, theme);
    match app.tab {
        Tab::Transcript => transcript::render(f, body, app, theme),
        Tab::Documents => documents::render(f, body, app, theme),
        Tab::Search => search::render(f, body, app, theme),
        Tab::Limits => limits::render(f, body, app, theme),
        Tab::Audit => limits::render_audit(f, body, app, theme),
        Tab::Browse(_) => browse::render(f, body, app, theme),
    }
    render_hint(f, hint, app, theme);
    status::render(f, status, app, theme);
    limits::render_overlay(f, area, app, theme);
    documents::render_overlays(f, area, app, theme);
    match &app.modal {
        Some(crate::app::Modal::Help { scroll }) => help::render(f, area, app, theme, *scroll),
        Some(crate::app::Modal::Messages { scroll }) => help::render_log(f, area, app, theme, *scroll),
        _ => {}
    }
}

fn render_tabs(f: &mut Frame, area: Rect, app: &App, theme: &Theme) {
    let mut spans = Vec::new();
    // Full titles when they fit; otherwise the other tabs shrink to three
    // letters (80 columns hold eight tabs that way) and the current one stays whole.
    let tabs = app.tabs();
    let titles: Vec<String> = tabs.iter().map(|t| sanitize_line(&app.tab_title(*t)).into_owned()).collect();
    let full: usize = titles.iter().map(|t| t.width() + 5).sum();
    let short = full > area.width as usize;
    let shortened = |t: &str| -> usize { t.char_indices().nth(3).map_or(t.len(), |(i, _)| i) };
    for (i, (tab, full_title)) in tabs.iter().zip(&titles).enumerate() {
        let title = if short && *tab != app.tab { &full_title[..shortened(full_title)] } else { full_title.as_str() };
        let label = format!(" {} {} ", i + 1, title);
        let style = if *tab == app.tab { theme.tab_active() } else { theme.dim() };
        spans.push(Span::styled(label, style));
        spans.push(Span::raw(" "));
    }
    let used: usize = spans.iter().map(|s| s.width()).sum();
    let brand = if (area.width as usize) > used + " ragdesk ".len() { " ragdesk " } else { "" };
    if !brand.is_empty() {
        spans.push(Span::raw(" ".repeat(area.width as usize - used - brand.width())));
        spans.push(Span::styled(brand, theme.accent()));
    }
    f.render_widget(Paragraph::new(Line::from(spans)), area);
}

fn render_breadcrumb(f: &mut Frame, area: Rect, app: &App, theme: &Theme) {
    let sep = Span::styled(" › ", theme.dim());
    let mut spans = vec![Span::styled(" ", theme.dim())];
    let mut push = |label: String, style: Style| {
        if spans.len() > 1 {
            spans.push(sep.clone());
        }
        spans.push(Span::styled(label, style));
    };
    let b = &app.browser;
    // Another platform's database, and the entity tabs of ours: the path
    // drilled. (Our other tabs say where they are in our words below.)
    if app.foreign() || app.tab.is_browse() {
        if let (Tab::Transcript, Some(id)) = (app.tab, &app.transcript.session_id) {
            // The conversation read, by its name (it may have been opened by
            // id, from anywhere: the Browse path is not its place).
            // Where it is held, as far as the heading read up the chain: its
            // tenant and its bot, else the platform's word for it.
            let head = app.transcript.session.as_ref();
            let tenant = head.and_then(|h| h.tenant.as_ref()).map(|t| &t.name);
            let bot = head.and_then(|h| h.bot.as_ref());
            if tenant.is_none() && bot.is_none() {
                push(sanitize_line(b.layout.label(crate::schema::Kind::Session)).into_owned(), theme.dim());
            }
            for above in [tenant, bot].into_iter().flatten() {
                push(crate::text::truncate(&sanitize_line(above), 30), theme.dim());
            }
            let name = head.and_then(|h| h.name()).unwrap_or(id);
            push(crate::text::truncate(&sanitize_line(name), 40), theme.title());
        } else if app.tab == Tab::Limits {
            push(sanitize_line(b.layout.label(crate::schema::Kind::RateLimit)).into_owned(), theme.dim());
        } else if app.tab == Tab::Audit {
            // What it reads, not where Browse was left: ours, or ragdesk's
            // writes in another platform's database.
            let trail = if b.layout.is_native() { "audit_log" } else { "ragdesk_audit.audit_log" };
            push(format!("{}: ragdesk's writes ({trail})", sanitize_line(&b.layout.name)), theme.dim());
        } else {
            // The path drilled, in the layout's own words
            // (a search level under the row its list was under: named once).
            push(sanitize_line(b.layout.label(b.stack[0].kind)).into_owned(), theme.dim());
            let mut last: Option<&str> = None;
            for stage in &b.stack[1..] {
                if let Some((id, label)) = stage.parent.as_ref().filter(|(id, _)| Some(id.as_str()) != last) {
                    push(sanitize_line(label).into_owned(), theme.title());
                    last = Some(id);
                }
            }
        }
        // Which layout reads this database (and the seed document it
        // follows), at the right where the path leaves room.
        let used: usize = spans.iter().map(|s| s.width()).sum();
        let name = sanitize_line(&b.layout.name).into_owned();
        let tag = match b.layout.seed.as_deref().filter(|s| *s != "none") {
            Some(seed) => format!("layout {name} (seed {seed}) "),
            None => format!("layout {name} "),
        };
        if app.foreign() && (area.width as usize) > used + tag.width() + 1 {
            spans.push(Span::raw(" ".repeat(area.width as usize - used - tag.width())));
            spans.push(Span::styled(tag, theme.dim()));
        }
        let line = Line::from(spans);
        f.render_widget(Paragraph::new(truncate_line(line, area.width as usize)), area);
        return;
    }
    // The transcript names its own conversation (it may have been opened
    // by id, and the lists may have moved on since).
    if let (Tab::Transcript, Some(id)) = (app.tab, &app.transcript.session_id) {
        let head = app.transcript.session.as_ref();
        // Its tenant first: demos of one name may be several tenants'.
        if let Some(tenant) = head.and_then(|h| h.tenant.as_ref()) {
            push(crate::text::truncate(&sanitize_line(&tenant.name), 30), theme.dim());
        }
        if let Some(bot) = head.and_then(|h| h.bot.as_ref()) {
            push(sanitize_line(bot).into_owned(), theme.dim());
        }
        if let Some(who) = head.and_then(|h| h.who.as_ref()) {
            push(sanitize_line(who).into_owned(), theme.title());
        }
        push(format!("session {}", id.chars().take(8).collect::<String>()), theme.title());
        let line = Line::from(spans);
        f.render_widget(Paragraph::new(truncate_line(line, area.width as usize)), area);
        return;
    }
    match (&app.nav.tenant, &app.nav.demo) {
        // The Documents tab lists a demo's knowledge, or every demo's: a
        // tenant alone does not narrow it, so it is not named there.
        (_, None) if app.tab == Tab::Documents => push("All demos".into(), theme.dim()),
        (Some(t), _) => push(sanitize_line(&t.label).into_owned(), theme.title()),
        // A demo opened from every tenant's demos: its tenant is not on the path.
        (None, Some(_)) => {}
        (None, None) => push("All tenants".into(), theme.dim()),
    }
    if let Some(d) = &app.nav.demo {
        push(sanitize_line(&d.label).into_owned(), theme.title());
    }
    if app.tab == Tab::Documents {
        for c in [&app.nav.kb, &app.nav.document].into_iter().flatten() {
            push(sanitize_line(&c.label).into_owned(), theme.title());
        }
    }
    let line = Line::from(spans);
    f.render_widget(Paragraph::new(truncate_line(line, area.width as usize)), area);
}

fn render_hint(f: &mut Frame, area: Rect, app: &App, theme: &Theme) {
    if let Some(input) = app.input() {
        let label = match input.purpose {
            InputPurpose::Filter(_) => " filter: ".to_string(),
            InputPurpose::Search => " search: ".into(),
            InputPurpose::UploadPath => " upload: ".into(),
            InputPurpose::SearchQuery => " question: ".into(),
            InputPurpose::AuditFilter => " audit filter: ".into(),
            InputPurpose::LimitsFilter => " limits with words: ".into(),
            InputPurpose::BrowseFilter => " filter: ".into(),
            // In the layout's word for one ("chat session id"), as its answers say.
            InputPurpose::ConversationId => {
                let one = app.browser.layout.one(crate::schema::Kind::Session).to_lowercase();
                crate::text::truncate(&format!(" {} id: ", sanitize_line(&one)), 30)
            }
        };
        let width = crate::text::width(&label) as u16;
        let [l, r] = Layout::horizontal([Constraint::Length(width), Constraint::Min(1)]).areas(area);
        f.render_widget(Paragraph::new(Span::styled(label, theme.accent())), l);
        f.render_widget(&input.textarea, r);
        return;
    }
    let filter = app.current_list().map(|k| app.filter_text(k));
    let line = match filter {
        Some(f) if !f.is_empty() => Line::from(vec![
            Span::styled(" filter: ", theme.accent()),
            Span::styled(sanitize_line(f).into_owned(), theme.title()),
            Span::styled("  (Esc clears, / edits)", theme.dim()),
        ]),
        _ => {
            use crate::action::ListKind;
            use crate::keymap::Command::*;
            // The keys shown are the user's (a remapped quit shows its new key).
            let hints: &[(&[crate::keymap::Command], &str)] = match app.tab {
                Tab::Transcript => &[
                    (&[Down, Up], "scroll"),
                    (&[PrevMessage, NextMessage], "message"),
                    (&[Search], "search"),
                    (&[SearchNext, SearchPrev], "next"),
                    (&[ToggleMetadata], "metadata"),
                    (&[ExportMarkdown, ExportJson], "export"),
                    (&[CopyMessage, CopyTranscript], "copy"),
                    (&[Help], "help"),
                    (&[Quit], "quit"),
                ],
                // Only what the list shown answers (`offered` below).
                Tab::Browse(_) => &[
                    (&[Open], "open"),
                    (&[MoreLikeThis], "like"),
                    (&[SearchKnowledgeBase], "search"),
                    (&[OtherList], "other list"),
                    (&[Filter], "filter"),
                    (&[ToggleDetail], "detail"),
                    (&[Back], "back"),
                    (&[Help], "help"),
                    (&[Quit], "quit"),
                ],
                // Words narrowing the limits: what clears them first (and
                // no edit where the layout writes none).
                Tab::Limits
                    if !app.limits.filter.is_empty() && app.foreign_limits().is_some_and(|(_, writable)| !writable) =>
                {
                    &[
                        (&[Down, Up], "move"),
                        (&[Filter], "words"),
                        (&[Back], "clear"),
                        (&[Help], "help"),
                        (&[Quit], "quit"),
                    ]
                }
                Tab::Limits if !app.limits.filter.is_empty() => &[
                    (&[EditLimit], "edit"),
                    (&[Down, Up], "move"),
                    (&[Filter], "words"),
                    (&[Back], "clear"),
                    (&[Help], "help"),
                    (&[Quit], "quit"),
                ],
                // Another platform's limits a layout does not write: read only.
                Tab::Limits if app.foreign_limits().is_some_and(|(_, writable)| !writable) => &[
                    (&[Down, Up], "move"),
                    (&[Filter], "find"),
                    (&[Back], "back"),
                    (&[Help], "help"),
                    (&[Quit], "quit"),
                ],
                // Another platform's limits: one value per row, edited in place.
                Tab::Limits if app.foreign_limits().is_some() => &[
                    (&[EditLimit], "edit"),
                    (&[Down, Up], "move"),
                    (&[Filter], "find"),
                    (&[LimitHistory], "history"),
                    (&[Back], "back"),
                    (&[Help], "help"),
                    (&[Quit], "quit"),
                ],
                Tab::Limits => &[
                    (&[EditLimit], "edit"),
                    (&[ToggleScope], "tenant/defaults"),
                    (&[Delete], "reset"),
                    (&[NewLimit], "new"),
                    (&[LimitHistory], "history"),
                    (&[Help], "help"),
                    (&[Quit], "quit"),
                ],
                Tab::Audit => &[
                    (&[Filter], "filter"),
                    (&[Down, Up], "move"),
                    (&[Refresh], "reload"),
                    (&[Back], "clear"),
                    (&[Help], "help"),
                    (&[Quit], "quit"),
                ],
                // Another platform's vectors: their index's own distance and breadth.
                // Another platform's vectors: what they answer (`offered` below).
                Tab::Search if app.foreign() => &[
                    (&[EditQuery], "question"),
                    (&[KMore, KLess], "k"),
                    (&[ThresholdUp, ThresholdDown], "threshold"),
                    (&[ToggleExact], "exact"),
                    (&[EfMore, EfLess], "probes/ef"),
                    (&[ToggleCompare], "vs exact"),
                    (&[Explain], "plan"),
                    (&[MoreLikeThis], "like"),
                    (&[Back], "back"),
                    (&[Help], "help"),
                    (&[Quit], "quit"),
                ],
                Tab::Search => &[
                    (&[EditQuery], "question"),
                    (&[KMore, KLess], "k"),
                    (&[ThresholdUp, ThresholdDown], "threshold"),
                    (&[CycleMetric], "metric"),
                    (&[ToggleExact], "exact"),
                    (&[ToggleHybrid], "hybrid"),
                    (&[EfMore, EfLess], "ef"),
                    (&[Explain], "plan"),
                    (&[MoreLikeThis], "like"),
                    (&[Help], "help"),
                ],
                Tab::Documents => match app.current_list() {
                    Some(ListKind::Documents) => &[
                        (&[Open], "chunks"),
                        (&[Upload], "upload"),
                        (&[Delete], "delete"),
                        (&[Filter], "filter"),
                        (&[ToggleDetail], "detail"),
                        (&[CancelJob], "job"),
                        (&[Back], "back"),
                        (&[Help], "help"),
                    ],
                    Some(ListKind::Chunks) => &[
                        (&[Open], "full text"),
                        (&[Filter], "filter"),
                        (&[ToggleDetail], "detail"),
                        (&[Back], "back"),
                        (&[Help], "help"),
                    ],
                    _ => &[
                        (&[Open], "open"),
                        (&[SearchKnowledgeBase], "search"),
                        (&[NewKnowledgeBase], "new KB"),
                        (&[Upload], "upload"),
                        (&[Filter], "filter"),
                        (&[CancelJob], "job"),
                        (&[Back], "back"),
                        (&[Help], "help"),
                    ],
                },
            };
            let ctx = app.context();
            // Another platform's list: the keys its rows answer.
            let offered = |cmd: crate::keymap::Command| match app.tab {
                Tab::Browse(_) => app.browser.answers(cmd),
                Tab::Search if app.foreign() => app.search.answers(cmd),
                _ => true,
            };
            // What e/E tune on another platform's vectors: their index's own breadth.
            let breadth = match app.search.layout_scope().and_then(|l| l.index.as_deref()) {
                Some("ivfflat") => "probes",
                Some("hnsw") => "ef_search",
                _ => "probes/ef",
            };
            let text: String = hints
                .iter()
                .filter(|(cmds, _)| offered(cmds[0]))
                .map(|(cmds, label)| (cmds, if *label == "probes/ef" { breadth } else { label }))
                .filter_map(|(cmds, label)| {
                    let keys: Vec<String> =
                        cmds.iter().filter_map(|c| app.keymap.key_for(ctx, *c)).map(|k| key_label(&k)).collect();
                    (!keys.is_empty()).then(|| format!(" {} {label} ", keys.join("/")))
                })
                .collect();
            Line::from(Span::styled(text, theme.dim()))
        }
    };
    f.render_widget(Paragraph::new(truncate_line(line, area.width as usize)), area);
}

/// A key as hints show it: named keys capitalised (Enter, Esc, PgDown).
fn key_label(key: &str) -> String {
    match key {
        "pgup" => "PgUp".into(),
        "pgdown" => "PgDn".into(),
        k if k.chars().count() > 1 && !k.contains('-') => {
            let mut c = k.chars();
            c.next().map(|f| f.to_uppercase().chain(c).collect()).unwrap_or_default()
        }
        k => k.to_string(),
    }
}

/// Cuts a line of spans to `max` columns (with an ellipsis).
pub(crate) fn truncate_line(line: Line<'_>, max: usize) -> Line<'static> {
    let mut out = Vec::new();
    let mut used = 0;
    for span in line.spans {
        let w = span.width();
        if used + w <= max {
            used += w;
            out.push(Span::styled(span.content.into_owned(), span.style));
        } else {
            let room = max.saturating_sub(used);
            if room > 0 {
                out.push(Span::styled(crate::text::truncate(&span.content, room), span.style));
            }
            break;
        }
    }
    Line::from(out)
}

pub(crate) fn spinner(app: &App) -> &'static str {
    const FRAMES: [&str; 10] = ["⠋", "⠙", "⠹", "⠸", "⠼", "⠴", "⠦", "⠧", "⠇", "⠏"];
    FRAMES[app.spinner % FRAMES.len()]
}

pub(crate) fn fmt_ts(t: chrono::DateTime<chrono::Utc>) -> String {
    t.format("%Y-%m-%d %H:%M").to_string()
}

pub(crate) fn fmt_duration(d: chrono::Duration) -> String {
    let s = d.num_seconds().max(0);
    if s < 60 {
        format!("{s}s")
    } else if s < 3600 {
        format!("{}m{:02}s", s / 60, s % 60)
    } else if s < 86_400 {
        format!("{}h{:02}m", s / 3600, (s % 3600) / 60)
    } else {
        format!("{}d{:02}h", s / 86_400, (s % 86_400) / 3600)
    }
}
