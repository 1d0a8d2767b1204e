//! `?`: every key of the current pane, generated from the keymap.

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Clear, Paragraph};

use crate::app::App;
use crate::keymap::Context;
use crate::theme::Theme;

pub fn render(f: &mut Frame, area: Rect, app: &App, theme: &Theme) {
    let ctx = app.context();
    let mut lines = Vec::new();
    for c in [ctx, Context::Global] {
        lines.push(Line::from(Span::styled(format!("{} keys", c.name()), theme.title())));
        for (cmd, keys) in app.keymap.help(c) {
            let keys = keys.iter().map(|k| k.to_string()).collect::<Vec<_>>().join(" ");
            lines.push(Line::from(vec![
                Span::styled(format!("  {keys:<18}"), theme.accent()),
                Span::styled(cmd.description().to_string(), theme.base()),
            ]));
        }
        lines.push(Line::raw(""));
    }
    lines.push(Line::from(Span::styled("any key closes this help", theme.dim())));
    let w = area.width.saturating_sub(4).min(92);
    let h = (lines.len() as u16 + 2).min(area.height.saturating_sub(2));
    let popup =
        Rect { x: area.x + (area.width - w) / 2, y: area.y + (area.height.saturating_sub(h)) / 2, width: w, height: h };
    f.render_widget(Clear, popup);
    let block = Block::bordered().title(" Help ").border_style(theme.border(true)).style(theme.base());
    f.render_widget(Paragraph::new(lines).block(block), popup);
}
