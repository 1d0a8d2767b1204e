//! Draws a [`Form`]: one row per field (label, then the value: a text
//! input, a `‹ choice ›`, or a fixed value), a note, and the form's error.

use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::style::Style;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Clear, Paragraph, Wrap};

use crate::app::form::{FieldValue, Form};
use crate::sanitize::sanitize_line;
use crate::theme::Theme;

/// Label column width.
const LABEL: u16 = 12;

/// What a form popup says around its fields.
pub struct FormText<'a> {
    pub title: &'a str,
    /// On the right of the title (e.g. what the form is for).
    pub subtitle: &'a str,
    /// What Enter does ("create", "save").
    pub submit: &'a str,
    /// Under the fields.
    pub note: &'a str,
}

/// A centred popup with the form's fields, and the note and the error under them.
pub fn render(f: &mut Frame, area: Rect, form: &Form, text: &FormText, theme: &Theme) {
    let FormText { title, subtitle, submit, note } = *text;
    // ←/→ only where the form has something to choose.
    let choose = if form.fields.iter().any(|f| matches!(f.value, crate::app::form::FieldValue::Choice { .. })) {
        "←/→ choose  "
    } else {
        ""
    };
    let w = area.width.saturating_sub(4).min(72);
    // Room under the fields for the note and the error as they wrap: a
    // refusal is read whole (it says what is allowed), not cut at 80 columns.
    let text_width = w.saturating_sub(2).max(10) as usize;
    let wrapped = |t: &str| crate::text::wrap(t, text_width).len().max(1) as u16;
    let below = wrapped(note) + form.error.as_deref().map_or(0, |e| wrapped(&sanitize_line(e)));
    let h = (form.fields.len() as u16 + 4 + below).max(form.fields.len() as u16 + 6).min(area.height);
    let popup = Rect { x: area.x + (area.width - w) / 2, y: area.y + (area.height - h) / 2, width: w, height: h };
    f.render_widget(Clear, popup);
    // A long title is cut in its middle: its end says what the form does
    // ("… remove the override 20,000"), which must not be lost.
    // The subtitle (data: a demo's name) has at most half the width; the
    // title has the rest.
    let subtitle = crate::text::truncate(&sanitize_line(subtitle), (w as usize).saturating_sub(4) / 2);
    let room = (w as usize).saturating_sub(4 + if subtitle.is_empty() { 0 } else { crate::text::width(&subtitle) + 3 });
    let title = crate::text::truncate_middle_keeping(&sanitize_line(title), room, 32);
    let mut block = Block::bordered().title(Span::styled(format!(" {title} "), theme.title()));
    if !subtitle.is_empty() {
        block = block.title(Line::from(Span::styled(format!(" {subtitle} "), theme.dim())).right_aligned());
    }
    let block = block
        .title_bottom(
            Line::from(Span::styled(format!(" Tab next  {choose}Enter {submit}  Esc cancel "), theme.accent()))
                .right_aligned(),
        )
        .border_style(theme.border(true))
        .style(theme.base());
    let inner = block.inner(popup);
    f.render_widget(block, popup);
    let n = form.fields.len();
    let rows = Layout::vertical(vec![Constraint::Length(1); n + 1]).split(inner);
    for (i, field) in form.fields.iter().enumerate() {
        let focused = form.focus == i;
        let [l, r] = Layout::horizontal([Constraint::Length(LABEL), Constraint::Min(1)]).areas(rows[i]);
        let label_style = if focused { theme.accent() } else { theme.dim() };
        f.render_widget(Paragraph::new(Span::styled(format!("{:<11}", field.label), label_style)), l);
        let value_style: Style = if focused { theme.selection() } else { theme.base() };
        if let Some(fixed) = &field.fixed {
            f.render_widget(Paragraph::new(Span::styled(sanitize_line(fixed).into_owned(), theme.dim())), r);
            continue;
        }
        match &field.value {
            FieldValue::Choice { options, selected } => {
                let value = options.get(*selected).map(String::as_str).unwrap_or("");
                f.render_widget(Paragraph::new(Span::styled(format!("‹ {value} ›"), value_style)), r);
            }
            FieldValue::Text(t) | FieldValue::Number { input: t, .. } => {
                let mut t = t.clone();
                t.set_style(value_style);
                if !focused {
                    t.set_cursor_style(value_style);
                }
                f.render_widget(&t, r);
            }
        }
    }
    let mut extra = vec![Line::from(Span::styled(note.to_string(), theme.dim()))];
    if let Some(e) = &form.error {
        extra.push(Line::from(Span::styled(sanitize_line(e).into_owned(), theme.error())));
    }
    let below = rows.get(n).map(|r| r.y).unwrap_or(inner.y);
    let rest = Rect { y: below + 1, height: (inner.y + inner.height).saturating_sub(below + 1), ..inner };
    f.render_widget(Paragraph::new(extra).wrap(Wrap { trim: true }), rest);
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::app::form::{Field, Form};

    #[test]
    fn a_long_title_keeps_its_end_and_no_empty_subtitle_is_drawn() {
        let form = Form::new(vec![Field::number("Value", "", 0, 1_000_000, false)]);
        let title = "tokens_per_demo · tenant Pixel & Pine Marketing Worldwide · remove the override 20,000";
        let text = FormText { title, subtitle: "", submit: "review", note: "" };
        let mut term = ratatui::Terminal::new(ratatui::backend::TestBackend::new(80, 24)).unwrap();
        term.draw(|f| render(f, f.area(), &form, &text, &Theme::default_dark())).unwrap();
        let buf = term.backend().buffer().clone();
        let top = (0..24)
            .map(|y| (0..80).map(|x| buf[(x, y)].symbol().to_string()).collect::<String>())
            .find(|l| l.contains('┌'))
            .unwrap();
        assert!(top.contains("remove the override 20,000 "), "{top}");
        assert!(top.contains("tokens_per_demo") && top.contains('…'), "{top}");
        assert!(!top.contains("  ┐"), "no empty title on the right: {top}");
    }
}
