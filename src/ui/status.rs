//! The status bar: where we are connected (never the password), read-only
//! badge, a spinner while work is pending, and non-blocking messages.

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::Paragraph;

use crate::app::{App, ConnState, Level};
use crate::sanitize::sanitize_line;
use crate::theme::Theme;

pub fn render(f: &mut Frame, area: Rect, app: &App, theme: &Theme) {
    let base = theme.status();
    let mut spans = Vec::new();
    // The read-only badge comes first so it is never cut off.
    if app.read_only {
        spans.push(Span::styled(" RO ", theme.badge()));
    }
    // A message is what the operator must read now: the connection's
    // label gives it room (all of it, past its first dozen columns: the dot
    // still says the connection is up), never the reverse.
    let target = sanitize_line(&app.target.to_string()).into_owned();
    let target = match &app.message {
        Some(m) => {
            let wanted = crate::text::width(&sanitize_line(&m.text)) + 8;
            match (area.width as usize).saturating_sub(wanted) {
                keep if keep >= 12 => crate::text::truncate(&target, keep),
                _ => String::new(),
            }
        }
        None => target,
    };
    match &app.conn {
        ConnState::Online => {
            spans.push(Span::styled(" ● ", base.fg(theme.ok)));
            spans.push(Span::styled(target, base));
        }
        ConnState::Offline { error } => {
            spans.push(Span::styled(" ✖ offline ", base.fg(theme.error)));
            spans.push(Span::styled(
                format!("{} — retrying: {}", sanitize_line(&app.target.to_string()), sanitize_line(error)),
                base,
            ));
        }
    }
    if app.busy() {
        spans.push(Span::styled(format!(" {} ", super::spinner(app)), base.fg(theme.accent)));
    }
    if let Some(m) = &app.message {
        let style = match m.level {
            Level::Info => base,
            Level::Error => base.fg(theme.error),
        };
        spans.push(Span::styled(" │ ", base));
        // A long message ending in a path loses its middle, so the file
        // name stays; others lose their end. `M` shows them whole.
        let used: usize = spans.iter().map(|s| s.width()).sum();
        let room = (area.width as usize).saturating_sub(used);
        let text = sanitize_line(&m.text);
        let last_word = text.rsplit(' ').next().unwrap_or_default();
        let shown = if last_word.contains('/') {
            let file_name = last_word.rsplit('/').next().unwrap_or_default();
            crate::text::truncate_middle_keeping(&text, room, crate::text::width(file_name) + 1)
        } else {
            crate::text::truncate(&text, room)
        };
        spans.push(Span::styled(shown, style));
    }
    let line = super::truncate_line(Line::from(spans), area.width as usize);
    f.render_widget(Paragraph::new(line).style(base), area);
}
