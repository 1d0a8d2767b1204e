//! Key/value detail panes built from sanitised, pre-wrapped lines.

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::style::Style;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Paragraph};

use crate::sanitize::{sanitize_line, sanitize_multiline};
use crate::text::wrap;
use crate::theme::{Theme, parse_hex_colour};

/// The width of a field's name.
pub const LABEL: usize = 14;

pub struct Detail<'t> {
    pub lines: Vec<Line<'static>>,
    width: usize,
    /// The width field names are padded to.
    label: usize,
    theme: &'t Theme,
}

impl<'t> Detail<'t> {
    pub fn new(width: u16, theme: &'t Theme) -> Detail<'t> {
        Detail { lines: Vec::new(), width: (width as usize).saturating_sub(2).max(20), label: LABEL, theme }
    }

    /// With field names padded to `label` (the widest name, say), at most
    /// a third of the pane.
    pub fn with_label(mut self, label: usize) -> Self {
        self.label = label.clamp(LABEL, (self.width / 3).max(LABEL));
        self
    }

    /// The width field names are padded to.
    pub fn label_width(&self) -> usize {
        self.label
    }

    /// `label  value`, the value wrapped under itself.
    pub fn field(&mut self, label: &str, value: &str) -> &mut Self {
        self.field_styled(label, value, self.theme.base())
    }

    pub fn field_styled(&mut self, label: &str, value: &str, style: Style) -> &mut Self {
        let value = sanitize_line(value);
        let w = self.label;
        let room = self.width.saturating_sub(w + 1).max(8);
        for (i, l) in wrap(&value, room).into_iter().enumerate() {
            let lab = if i == 0 { format!("{label:<w$} ") } else { " ".repeat(w + 1) };
            self.lines.push(Line::from(vec![Span::styled(lab, self.theme.dim()), Span::styled(l, style)]));
        }
        self
    }

    pub fn opt(&mut self, label: &str, value: Option<&str>) -> &mut Self {
        match value {
            Some(v) => self.field(label, v),
            None => self.field_styled(label, "—", self.theme.dim()),
        }
    }

    pub fn spans(&mut self, label: &str, spans: Vec<Span<'static>>) -> &mut Self {
        let w = self.label;
        let mut all = vec![Span::styled(format!("{label:<w$} "), self.theme.dim())];
        all.extend(spans);
        self.lines.push(Line::from(all));
        self
    }

    pub fn heading(&mut self, text: &str) -> &mut Self {
        self.lines.push(Line::raw(""));
        self.lines.push(Line::from(Span::styled(text.to_string(), self.theme.accent())));
        self
    }

    /// A bulleted list (arrays).
    pub fn bullets(&mut self, items: &[String]) -> &mut Self {
        if items.is_empty() {
            self.lines.push(Line::from(Span::styled("  (none)", self.theme.dim())));
        }
        for it in items {
            for (i, l) in wrap(&sanitize_line(it), self.width.saturating_sub(4)).into_iter().enumerate() {
                let bullet = if i == 0 { "  • " } else { "    " };
                self.lines.push(Line::from(vec![Span::styled(bullet, self.theme.dim()), Span::raw(l)]));
            }
        }
        self
    }

    /// Multi-line text (system prompt, JSON), wrapped.
    pub fn block(&mut self, text: &str, style: Style) -> &mut Self {
        for l in wrap(&sanitize_multiline(text), self.width.saturating_sub(2)) {
            self.lines.push(Line::from(Span::styled(format!("  {l}"), style)));
        }
        self
    }

    pub fn json(&mut self, value: &serde_json::Value) -> &mut Self {
        let pretty = serde_json::to_string_pretty(value).unwrap_or_default();
        let style = self.theme.base();
        self.block(&pretty, style)
    }

    /// Draws the lines from `scroll` on; says so when more lie below.
    pub fn render(self, f: &mut Frame, area: Rect, title: &str, scroll: u16) {
        let visible = area.height.saturating_sub(2) as usize;
        let max_scroll = self.lines.len().saturating_sub(visible) as u16;
        let scroll = scroll.min(max_scroll);
        let mut block = Block::bordered().border_style(self.theme.border(false));
        if !title.is_empty() {
            block = block.title(Span::styled(format!(" {} ", sanitize_line(title)), self.theme.title()));
        }
        if scroll < max_scroll {
            block = block.title_bottom(Line::from(Span::styled(" J more ↓ ", self.theme.dim())).right_aligned());
        }
        f.render_widget(Paragraph::new(self.lines).block(block).scroll((scroll, 0)), area);
    }
}

pub fn placeholder(f: &mut Frame, area: Rect, title: &str, text: &str, theme: &Theme) {
    let block =
        Block::bordered().border_style(theme.border(false)).title(Span::styled(format!(" {title} "), theme.title()));
    f.render_widget(Paragraph::new(Span::styled(text.to_string(), theme.dim())).block(block), area);
}

/// A `#rrggbb` colour as text with a swatch of it before (not on a
/// monochrome theme).
pub fn swatch(hex: &str, theme: &Theme) -> Vec<Span<'static>> {
    let safe = sanitize_line(hex).into_owned();
    match parse_hex_colour(hex) {
        Some(c) if !theme.monochrome => {
            vec![Span::styled("██ ", Style::default().fg(theme.data_colour(c))), Span::raw(safe)]
        }
        _ => vec![Span::raw(safe)],
    }
}
