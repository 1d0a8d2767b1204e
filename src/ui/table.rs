//! The list widget every pane uses: only the visible slice of rows is built,
//! each cell sanitised, the selection highlighted, the title shows position
//! and count (estimates say so), and loading/errors/empty are explicit.

use ratatui::Frame;
use ratatui::layout::{Constraint, Rect};
use ratatui::style::Style;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Cell, Paragraph, Row, Table};

use crate::app::list::PagedList;
use crate::sanitize::sanitize_line;
use crate::theme::Theme;

pub struct Column {
    pub title: &'static str,
    pub width: Constraint,
}

pub const fn col(title: &'static str, width: Constraint) -> Column {
    Column { title, width }
}

/// A cell from untrusted text.
pub fn cell(s: &str) -> Cell<'static> {
    Cell::from(sanitize_line(s).into_owned())
}

pub fn styled(s: &str, style: Style) -> Cell<'static> {
    Cell::from(Span::styled(sanitize_line(s).into_owned(), style))
}

pub fn render_list<R>(
    f: &mut Frame,
    area: Rect,
    title: &str,
    list: &PagedList<R>,
    columns: &[Column],
    theme: &Theme,
    mut row: impl FnMut(&R) -> Vec<Cell<'static>>,
) {
    let more = if list.next.is_some() { " ↓more" } else { "" };
    let block = Block::bordered()
        .border_style(theme.border(true))
        .title(Span::styled(format!(" {title} "), theme.title()))
        .title(Line::from(Span::styled(format!(" {}{} ", list.position_label(), more), theme.dim())).right_aligned());
    let inner = block.inner(area);
    f.render_widget(block, area);

    if list.rows.is_empty() {
        let (text, style) = if let Some(e) = &list.error {
            (format!("Could not load: {}  (r retries)", sanitize_line(e)), theme.error())
        } else if list.loading || list.query.is_none() {
            ("Loading…".to_string(), theme.dim())
        } else if !list.filter_text.is_empty() {
            ("Nothing matches this filter (Esc clears it).".to_string(), theme.dim())
        } else {
            ("Nothing here yet.".to_string(), theme.dim())
        };
        f.render_widget(
            Paragraph::new(Line::from(Span::styled(text, style))).wrap(ratatui::widgets::Wrap { trim: true }),
            inner,
        );
        return;
    }

    let height = (inner.height as usize).saturating_sub(1).max(1);
    // Keep the selection on screen even if the state's offset lags a resize.
    let mut offset = list.offset.min(list.rows.len().saturating_sub(1));
    if list.selected >= offset + height {
        offset = list.selected + 1 - height;
    }
    if list.selected < offset {
        offset = list.selected;
    }
    let rows: Vec<Row> = list
        .rows
        .iter()
        .enumerate()
        .skip(offset)
        .take(height)
        .map(|(i, r)| {
            let row = Row::new(row(r));
            if i == list.selected { row.style(theme.selection()) } else { row }
        })
        .collect();
    let header = Row::new(columns.iter().map(|c| Cell::from(c.title))).style(theme.accent());
    let widths: Vec<Constraint> = columns.iter().map(|c| c.width).collect();
    let mut table = Table::new(rows, widths).header(header).column_spacing(1);
    if let Some(e) = &list.error {
        // A failed "load more" keeps the rows and says why below them.
        table = table.footer(Row::new(vec![Cell::from(Span::styled(
            format!("load failed: {}", sanitize_line(e)),
            theme.error(),
        ))]));
    }
    f.render_widget(table, inner);
}
