//! Transcript pane: messages styled by role, timestamp and tokens per
//! message, optional metadata, search highlights. Only visible lines are built.

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::style::Style;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Paragraph};

use super::detail::placeholder;
use super::fmt_ts;
use crate::app::App;
use crate::app::transcript::LineKind;
use crate::db::conversation::ConversationHead;
use crate::db::page::group;
use crate::sanitize::sanitize_line;
use crate::theme::Theme;

pub fn render(f: &mut Frame, area: Rect, app: &App, theme: &Theme) {
    let t = &app.transcript;
    if t.session_id.is_none() {
        let hint = format!(
            "Nothing open: Enter on one of the {} in their tab, or # and its id.",
            app.browser.layout.label(crate::schema::Kind::Session)
        );
        placeholder(f, area, "Transcript", &sanitize_line(&hint), theme);
        return;
    }
    let title = match &t.session {
        Some(s) => title_parts(s, t.messages.len(), t.complete()),
        None => vec!["Transcript".to_string()],
    };
    // The heading knows the full count before every page is loaded (when
    // the schema gives one).
    let loaded = t.messages.len() as i64;
    let total = t.session.as_ref().and_then(|s| s.message_count).unwrap_or(loaded).max(loaded);
    let position = match t.selected_message() {
        Some(i) if t.complete() || t.session.as_ref().is_some_and(|s| s.message_count.is_some()) => {
            format!(" msg {}/{} ", group(i as i64 + 1), group(total))
        }
        Some(i) => format!(" msg {}/{}+ ", group(i as i64 + 1), group(total)),
        None => String::new(),
    };
    // The heading gives way to the position on its right a whole part at a
    // time ("21,052 tokens" goes, not "tok…" left to read as a count).
    let room = (area.width as usize).saturating_sub(2 + crate::text::width(&position) + 1);
    let mut block = Block::bordered()
        .border_style(theme.border(true))
        .title(Span::styled(whole_parts(&title, room), theme.title()))
        .title(Line::from(Span::styled(position, theme.dim())).right_aligned());
    if let Some(s) = &t.search {
        let n = s.matches.len();
        let label = if n == 0 {
            format!(" /{}: no match ", sanitize_line(&s.query))
        } else {
            format!(" /{}: {}/{} ", sanitize_line(&s.query), s.current + 1, n)
        };
        block = block.title_bottom(Line::from(Span::styled(label, theme.accent())).right_aligned());
    }
    let inner = block.inner(area);
    f.render_widget(block, area);

    if t.messages.is_empty() {
        let (text, style) = match (&t.error, t.loading) {
            (Some(e), _) => (format!("Could not load: {}  (r retries)", sanitize_line(e)), theme.error()),
            (None, true) => ("Loading…".into(), theme.dim()),
            (None, false) => ("This session has no messages.".into(), theme.dim()),
        };
        f.render_widget(Paragraph::new(Span::styled(text, style)), inner);
        return;
    }

    let height = inner.height as usize;
    let selected = t.selected_message();
    let query = t.search.as_ref().map(|s| s.query.to_lowercase());
    let current_match = t.current_match_line();
    let mut lines: Vec<Line> = Vec::with_capacity(height);
    for (idx, line) in t.lines.iter().enumerate().skip(t.scroll).take(height) {
        let m = &t.messages[line.msg];
        let gutter = if Some(line.msg) == selected && line.kind != LineKind::Blank {
            Span::styled("▌ ", theme.role(&m.role))
        } else {
            Span::raw("  ")
        };
        let mut spans = vec![gutter];
        match line.kind {
            LineKind::Header => {
                spans.push(Span::styled(sanitize_line(&m.role).into_owned(), theme.role(&m.role)));
                let mut about = String::new();
                if let Some(at) = m.created_at {
                    about.push_str(&format!("  {}", at.format("%Y-%m-%d %H:%M:%S")));
                }
                if let Some(n) = m.token_count {
                    about.push_str(&format!("  {n} tok"));
                }
                spans.push(Span::styled(about, theme.dim()));
            }
            LineKind::Body => spans.extend(highlight(&line.text, query.as_deref(), Some(idx) == current_match, theme)),
            LineKind::Meta => spans.push(Span::styled(line.text.clone(), theme.dim())),
            LineKind::Blank => {}
        }
        lines.push(Line::from(spans));
    }
    if t.loading && lines.len() < height {
        lines.push(Line::from(Span::styled("  loading more…", theme.dim())));
    } else if let Some(e) = &t.error
        && lines.len() < height
    {
        lines.push(Line::from(Span::styled(format!("  load failed: {} (r retries)", sanitize_line(e)), theme.error())));
    }
    f.render_widget(Paragraph::new(lines), inner);
}

/// The transcript's title: who, how, when and how much, as far as the
/// schema says (ours says all of it).
fn title_parts(s: &ConversationHead, loaded: usize, complete: bool) -> Vec<String> {
    let mut parts: Vec<String> = Vec::new();
    // Without a name, whose conversation it is (004's customer), else the
    // id (the breadcrumb has more of it).
    match (s.name(), &s.tenant) {
        (Some(who), _) => parts.push(sanitize_line(who).into_owned()),
        // (Cut: the count and the time matter as much at 80 columns.)
        (None, Some(held)) => {
            let whose = format!("{} {}", sanitize_line(&held.label), sanitize_line(&held.name));
            parts.push(crate::text::truncate(&whose, 24));
        }
        (None, None) => parts.push(crate::text::truncate(&sanitize_line(&s.id), 14)),
    }
    // A conversation's own words (ours: its channel); a number or a yes/no
    // says nothing without its column's name (the export names them).
    let words = s.details.iter().map(|(_, v)| v).filter(|v| {
        let plain = v.parse::<f64>().is_err() && !matches!(v.as_str(), "true" | "false");
        plain && crate::text::width(v) <= 20
    });
    for v in words.chain(&s.status) {
        parts.push(sanitize_line(v).into_owned());
    }
    // Where no state says it, open or ended, early (a narrow title cuts its
    // end). A layout may record no end at all: there only an ended one is said.
    match (s.ended_at, &s.layout, &s.status) {
        (None, None, None) => parts.push("open".into()),
        (Some(_), _, None) => parts.push("ended".into()),
        _ => {}
    }
    if let Some(at) = s.started_at {
        parts.push(fmt_ts(at));
    }
    match s.message_count {
        Some(n) => parts.push(format!("{} msgs", group(n))),
        None => parts.push(format!("{}{} msgs", group(loaded as i64), if complete { "" } else { "+" })),
    }
    if let Some(n) = s.token_total {
        parts.push(format!("{} tokens", group(n)));
    }
    parts
}

/// The heading's parts as one title: " a · b · c ".
fn joined(parts: &[String]) -> String {
    format!(" {} ", parts.join(" · "))
}

/// The heading with as many whole parts as fit in `room` columns (a part
/// is never split, even at a " · " of its own); the first is cut when even
/// it does not fit.
fn whole_parts(parts: &[String], room: usize) -> String {
    let title = joined(parts);
    if crate::text::width(&title) <= room || parts.is_empty() {
        return title;
    }
    let mut kept = format!(" {} ", parts[0]);
    if crate::text::width(&kept) > room {
        return crate::text::truncate(&kept, room);
    }
    for p in &parts[1..] {
        let longer = format!("{}· {p} ", kept);
        if crate::text::width(&longer) > room {
            break;
        }
        kept = longer;
    }
    kept
}

/// Splits `text` into spans with every case-insensitive occurrence of
/// `query` highlighted (the current match more strongly).
fn highlight(text: &str, query: Option<&str>, current: bool, theme: &Theme) -> Vec<Span<'static>> {
    let Some(q) = query.filter(|q| !q.is_empty()) else {
        return vec![Span::raw(text.to_string())];
    };
    let lower = text.to_lowercase();
    // Lowercasing can change byte lengths (e.g. 'İ'); fall back to no highlight then.
    if lower.len() != text.len() {
        return vec![Span::raw(text.to_string())];
    }
    let style: Style =
        if current { theme.matched().add_modifier(ratatui::style::Modifier::BOLD) } else { theme.matched() };
    let mut spans = Vec::new();
    let mut pos = 0;
    while let Some(found) = lower[pos..].find(q) {
        let start = pos + found;
        let end = start + q.len();
        if !text.is_char_boundary(start) || !text.is_char_boundary(end) {
            break;
        }
        if start > pos {
            spans.push(Span::raw(text[pos..start].to_string()));
        }
        spans.push(Span::styled(text[start..end].to_string(), style));
        pos = end;
    }
    if pos < text.len() {
        spans.push(Span::raw(text[pos..].to_string()));
    }
    spans
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    #[test]
    fn the_title_says_what_the_schema_knows_of_the_end() {
        let at = chrono::Utc.with_ymd_and_hms(2026, 1, 2, 3, 4, 0).unwrap();
        let ours = ConversationHead {
            id: "s".into(),
            who: Some("Ann".into()),
            details: vec![("channel".into(), "sms".into())],
            started_at: Some(at),
            ..Default::default()
        };
        // Said early, where a narrow title keeps it.
        let title = joined(&title_parts(&ours, 3, true));
        assert!(title.starts_with(" Ann · sms · open · 2026-01-02"), "ours, not ended: open: {title}");
        let ended = ConversationHead { ended_at: Some(at), ..ours.clone() };
        let title = joined(&title_parts(&ended, 3, true));
        assert!(title.starts_with(" Ann · sms · ended · ") && !title.contains("open"), "{title}");
        let theirs = ConversationHead { layout: Some("omni".into()), ..ours };
        assert!(!joined(&title_parts(&theirs, 3, false)).contains("open"), "a layout may not record ends");
        assert!(joined(&title_parts(&theirs, 3, false)).contains("3+ msgs"), "more to load");
        let theirs_ended = ConversationHead { ended_at: Some(at), ..theirs };
        let title = joined(&title_parts(&theirs_ended, 3, true));
        assert!(title.contains(" · ended · "), "{title}");
        // A number or a yes/no of its own is not said without its name.
        let counted = ConversationHead {
            details: vec![("total_messages".into(), "57".into()), ("qualified".into(), "true".into())],
            ..theirs_ended.clone()
        };
        let title = joined(&title_parts(&counted, 3, true));
        assert!(!title.contains("57") && !title.contains("true"), "{title}");
        // No name: whose it is, in the layout's word.
        let held = ConversationHead {
            tenant: Some(crate::db::conversation::HeldBy { label: "Customer".into(), name: "Pixel & Pine".into() }),
            ..ConversationHead { who: None, ..theirs_ended.clone() }
        };
        assert!(joined(&title_parts(&held, 3, true)).starts_with(" Customer Pixel & Pine · "));
        // A state of its own says it instead.
        let stated = ConversationHead { status: Some("resolved".into()), ..theirs_ended };
        let title = joined(&title_parts(&stated, 3, true));
        assert!(title.contains("resolved") && !title.contains("ended"), "{title}");
        // Squeezed by the position beside it, whole parts go from the end.
        let parts: Vec<String> = ["Jonas · Dubois", "chat", "2026-11-01 06:21", "1,319 msgs", "21,052 tokens", "open"]
            .map(String::from)
            .to_vec();
        assert_eq!(whole_parts(&parts, 60), " Jonas · Dubois · chat · 2026-11-01 06:21 · 1,319 msgs ");
        assert_eq!(whole_parts(&parts, 200), joined(&parts));
        // A name with a separator of its own is one part: cut, never split.
        assert_eq!(whole_parts(&parts, 12), crate::text::truncate(" Jonas · Dubois ", 12));
    }
}
