//! `?`: every key of the current pane, generated from the keymap; it
//! scrolls when the screen is too small to hold it.

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Clear, Paragraph};

use crate::app::App;
use crate::keymap::Context;
use crate::theme::Theme;

pub fn lines(app: &App, theme: &Theme) -> Vec<Line<'static>> {
    let ctx = app.context();
    let sections: Vec<(Context, Vec<(String, &'static str)>)> = [ctx, Context::Global]
        .into_iter()
        .map(|c| {
            let rows = app
                .keymap
                .help(c)
                .into_iter()
                .map(|(cmd, keys)| {
                    (keys.iter().map(|k| k.to_string()).collect::<Vec<_>>().join(" "), cmd.description())
                })
                .collect();
            (c, rows)
        })
        .collect();
    let key_width =
        sections.iter().flat_map(|(_, r)| r.iter().map(|(k, _)| k.chars().count())).max().unwrap_or(8).min(24);
    let mut lines = Vec::new();
    for (c, rows) in sections {
        lines.push(Line::from(Span::styled(format!("{} keys", c.name()), theme.title())));
        for (keys, desc) in rows {
            lines.push(Line::from(vec![
                Span::styled(format!("  {keys:<key_width$}  "), theme.accent()),
                Span::styled(desc.to_string(), theme.base()),
            ]));
        }
        lines.push(Line::raw(""));
    }
    lines
}

pub fn render(f: &mut Frame, area: Rect, app: &App, theme: &Theme) {
    let lines = lines(app, theme);
    let w = area.width.saturating_sub(4).min(96);
    let h = (lines.len() as u16 + 2).min(area.height.saturating_sub(2));
    let popup =
        Rect { x: area.x + (area.width - w) / 2, y: area.y + (area.height.saturating_sub(h)) / 2, width: w, height: h };
    let visible = h.saturating_sub(2) as usize;
    let max_scroll = lines.len().saturating_sub(visible) as u16;
    let scroll = app.help_scroll.min(max_scroll);
    let hint = if max_scroll > 0 { " j/k scroll · any other key closes " } else { " any key closes " };
    f.render_widget(Clear, popup);
    let block = Block::bordered()
        .title(" Help ")
        .title_bottom(Line::from(Span::styled(hint, theme.dim())).right_aligned())
        .border_style(theme.border(true))
        .style(theme.base());
    f.render_widget(Paragraph::new(lines).block(block).scroll((scroll, 0)), popup);
}
