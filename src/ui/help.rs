//! `?`: every key of the current pane, generated from the keymap; it
//! scrolls when the screen is too small to hold it.

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Clear, Paragraph};

use crate::app::{App, Tab};
use crate::keymap::{Command, Context};
use crate::theme::Theme;

/// The list keys the entity tabs answer.
const BROWSE: &[Command] = &[
    Command::Up,
    Command::Down,
    Command::PageUp,
    Command::PageDown,
    Command::Top,
    Command::Bottom,
    Command::Open,
    Command::Filter,
    Command::ExactCount,
    Command::ToggleDetail,
    Command::DetailDown,
    Command::DetailUp,
    Command::OtherList,
    Command::MoreLikeThis,
    Command::SearchKnowledgeBase,
];

/// List keys that only do something in the entity tabs.
const BROWSE_ONLY: &[Command] = &[Command::OtherList];

/// Keys that only do something in the Documents tab.
const DOCUMENTS_ONLY: &[Command] = &[Command::NewKnowledgeBase, Command::Upload, Command::Delete, Command::CancelJob];

/// What a key does in `ctx`, where a command means something of its own
/// there (the Audit tab's filter takes other terms than a list's).
pub fn description(ctx: Context, cmd: Command) -> &'static str {
    match (ctx, cmd) {
        (Context::Audit, Command::Filter) => {
            "Filter on the server: words, entity:limit, key:KEY, tenant:NAME, action:set, after:DATE, before:DATE"
        }
        (Context::Limits, Command::Filter) => {
            "Show the limits whose key or description holds these words (or the name of the row a key is the id of); Esc clears them"
        }
        (Context::Limits, Command::Bottom) => "Go to the last key: the last page is read from the end",
        (Context::Limits, Command::Delete) => "Remove the tenant's override (the default applies again; asks first)",
        (Context::Transcript, Command::Bottom) => "Go to the last message (loads the rest)",
        _ => cmd.description(),
    }
}

/// The help's lines, descriptions wrapped to `width` columns (the popup's
/// inside): at 80 columns the long ones would be cut.
pub fn lines(app: &App, theme: &Theme, width: usize) -> Vec<Line<'static>> {
    let ctx = app.context();
    let rows_of = |c: Context, keep: &dyn Fn(Command) -> bool| -> Vec<(String, String)> {
        app.keymap
            .help(c)
            .into_iter()
            .filter(|(cmd, _)| keep(*cmd))
            .map(|(cmd, keys)| {
                (keys.iter().map(|k| k.to_string()).collect::<Vec<_>>().join(" "), description(c, cmd).to_string())
            })
            .collect()
    };
    let documents = app.tab == Tab::Documents;
    let mut sections: Vec<(String, Vec<(String, String)>)> = Vec::new();
    // The pane's own keys first: the upload preview's while it is open.
    if documents && app.docs.upload.is_some() {
        let rows = App::PREVIEW_KEYS.iter().map(|(k, d)| (k.to_string(), d.to_string())).collect();
        sections.push(("Upload preview".into(), rows));
    }
    if documents {
        sections.push(("Documents".into(), rows_of(ctx, &|c| DOCUMENTS_ONLY.contains(&c))));
    }
    let browse = app.tab.is_browse();
    // Another platform's limits: one value per row, edited or looked up.
    let foreign_limits = app.tab == Tab::Limits && app.foreign_limits().is_some();
    sections.push((
        ctx.name().to_string(),
        // The list keys that work in one tab only are listed there only.
        rows_of(ctx, &|c| {
            if browse {
                return BROWSE.contains(&c) && app.browser.answers(c);
            }
            if app.foreign() && app.tab == Tab::Search {
                return app.search.answers(c);
            }
            // Replaying retrieval needs our demo and its knowledge base.
            if app.foreign() && app.tab == Tab::Transcript && c == Command::ReplayRetrieval {
                return false;
            }
            if foreign_limits {
                // Edited where the layout declares the write; a history where it writes anything.
                let writable = app.foreign_limits().is_some_and(|(_, w)| w);
                let audited = app.tabs().contains(&Tab::Audit);
                return match c {
                    Command::NewLimit | Command::Delete | Command::ToggleScope => false,
                    Command::EditLimit => writable,
                    Command::LimitHistory => audited,
                    _ => true,
                };
            }
            ctx != Context::List || (!DOCUMENTS_ONLY.contains(&c) && !BROWSE_ONLY.contains(&c))
        }),
    ));
    // The tab keys as this console's tabs are (a foreign layout has two).
    let tabs = app.tabs();
    let tab_of = |c: Command| crate::keymap::TAB_COMMANDS.iter().position(|t| *t == c);
    let global: Vec<(String, String)> = app
        .keymap
        .help(Context::Global)
        .into_iter()
        .filter_map(|(cmd, keys)| {
            let desc = match tab_of(cmd) {
                Some(n) => format!("Go to the {} tab", crate::sanitize::sanitize_line(&app.tab_title(*tabs.get(n)?))),
                None => cmd.description().to_string(),
            };
            Some((keys.iter().map(|k| k.to_string()).collect::<Vec<_>>().join(" "), desc))
        })
        .collect();
    sections.push((Context::Global.name().to_string(), global));
    let key_width =
        sections.iter().flat_map(|(_, r)| r.iter().map(|(k, _)| k.chars().count())).max().unwrap_or(8).min(24);
    let mut lines = Vec::new();
    for (c, rows) in sections {
        lines.push(Line::from(Span::styled(format!("{c} keys"), theme.title())));
        let desc_width = width.saturating_sub(key_width + 4).max(16);
        for (keys, desc) in rows {
            for (i, part) in crate::text::wrap(&desc, desc_width).into_iter().enumerate() {
                let lead = if i == 0 { format!("  {keys:<key_width$}  ") } else { " ".repeat(key_width + 4) };
                lines.push(Line::from(vec![Span::styled(lead, theme.accent()), Span::styled(part, theme.base())]));
            }
        }
        lines.push(Line::raw(""));
    }
    lines
}

pub fn render(f: &mut Frame, area: Rect, app: &App, theme: &Theme, scroll: u16) {
    // The popup's inside: as wide as `overlay` makes it, less its borders.
    let inside = area.width.saturating_sub(4).min(96).saturating_sub(2) as usize;
    overlay(f, area, theme, " Help ", lines(app, theme, inside), scroll, false);
}

/// `M`: the message log, newest at the bottom, scrolled up by `scroll`.
pub fn render_log(f: &mut Frame, area: Rect, app: &App, theme: &Theme, scroll: u16) {
    let width = area.width.saturating_sub(8).max(20) as usize;
    let mut lines: Vec<Line<'static>> = Vec::new();
    for e in &app.log {
        let style = match e.level {
            crate::app::Level::Info => theme.base(),
            crate::app::Level::Error => theme.error(),
        };
        let text = crate::sanitize::sanitize_line(&e.text).into_owned();
        for (i, part) in crate::text::wrap(&text, width.saturating_sub(10)).into_iter().enumerate() {
            let stamp = if i == 0 { e.at.format("%H:%M:%S ").to_string() } else { " ".repeat(9) };
            lines.push(Line::from(vec![Span::styled(stamp, theme.dim()), Span::styled(part, style)]));
        }
    }
    if lines.is_empty() {
        lines.push(Line::from(Span::styled("no messages yet", theme.dim())));
    }
    overlay(f, area, theme, " Messages ", lines, scroll, true);
}

/// A centred, scrollable popup; `from_end` shows the last lines first.
fn overlay(
    f: &mut Frame,
    area: Rect,
    theme: &Theme,
    title: &str,
    lines: Vec<Line<'static>>,
    scroll: u16,
    from_end: bool,
) {
    let w = area.width.saturating_sub(4).min(96);
    let h = (lines.len() as u16 + 2).min(area.height.saturating_sub(2));
    let popup =
        Rect { x: area.x + (area.width - w) / 2, y: area.y + (area.height.saturating_sub(h)) / 2, width: w, height: h };
    let visible = h.saturating_sub(2) as usize;
    let max_scroll = lines.len().saturating_sub(visible) as u16;
    let scroll = scroll.min(max_scroll);
    let scroll = if from_end { max_scroll - scroll } else { scroll };
    let hint = if max_scroll > 0 { " j/k scroll · any other key closes " } else { " any key closes " };
    // A blank column either side too: a stray character of the pane below
    // between two borders reads as part of the popup.
    let margin = Rect { x: popup.x.saturating_sub(1).max(area.x), width: (popup.width + 2).min(area.width), ..popup };
    f.render_widget(Clear, margin);
    let block = Block::bordered()
        .title(title.to_string())
        .title_bottom(Line::from(Span::styled(hint, theme.dim())).right_aligned())
        .border_style(theme.border(true))
        .style(theme.base());
    f.render_widget(Paragraph::new(lines).block(block).scroll((scroll, 0)), popup);
}
