//! The list widget every pane uses: only the visible slice of rows is built,
//! each cell sanitised, the selection highlighted, the title shows position
//! and count (estimates say so), and loading/errors/empty are explicit.

use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::style::Style;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Cell, Paragraph, Row, Table};

use crate::app::list::PagedList;
use crate::sanitize::sanitize_line;
use crate::theme::Theme;

const COLUMN_SPACING: u16 = 1;

pub struct Column {
    /// Ours, or (a layout's column heading) made from the platform's names.
    pub title: std::borrow::Cow<'static, str>,
    pub width: Constraint,
}

pub const fn col(title: &'static str, width: Constraint) -> Column {
    Column { title: std::borrow::Cow::Borrowed(title), width }
}

/// A column headed by text made at run time (sanitized here).
pub fn col_named(title: &str, width: Constraint) -> Column {
    Column { title: std::borrow::Cow::Owned(sanitize_line(title).into_owned()), width }
}

/// A table cell: sanitised text, cut to its column (with an ellipsis) when
/// the table is drawn.
pub struct TextCell {
    text: String,
    style: Style,
    /// Cut in the middle, not at the end: the end tells such values apart
    /// (a page's path on one host).
    middle: bool,
}

impl TextCell {
    /// The same cell, cut in the middle when it does not fit.
    pub fn cut_in_the_middle(self) -> TextCell {
        TextCell { middle: true, ..self }
    }
}

/// A cell from untrusted text.
pub fn cell(s: &str) -> TextCell {
    TextCell { text: sanitize_line(s).into_owned(), style: Style::default(), middle: false }
}

pub fn styled(s: &str, style: Style) -> TextCell {
    TextCell { text: sanitize_line(s).into_owned(), style, middle: false }
}

pub fn render_list<R>(
    f: &mut Frame,
    area: Rect,
    title: &str,
    list: &PagedList<R>,
    columns: &[Column],
    theme: &Theme,
    mut row: impl FnMut(&R) -> Vec<TextCell>,
) {
    let more = if list.next.is_some() { " ↓more" } else { "" };
    // The filter shown with what it narrows, as the entity tabs show theirs.
    let title = match list.filter_text.trim() {
        "" => title.to_string(),
        words => format!("{title} · {}", sanitize_line(words)),
    };
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

    let footer = list.error.as_ref().map(|e| format!("load failed: {}", sanitize_line(e)));
    render_rows(f, inner, &list.rows, list.selected, list.offset, columns, theme, footer, |_, r| row(r));
}

/// The rows of a table in `inner` (header, the visible slice, the selection
/// highlighted, each cell cut to its column), with an error footer; the
/// first row shown, from `offset` moved as little as shows the selection
/// (kept by the caller for the next frame: the view stays put while the
/// selection moves inside it).
#[allow(clippy::too_many_arguments)]
pub fn render_rows<R>(
    f: &mut Frame,
    inner: Rect,
    rows: &[R],
    selected: usize,
    offset: usize,
    columns: &[Column],
    theme: &Theme,
    footer: Option<String>,
    mut row: impl FnMut(usize, &R) -> Vec<TextCell>,
) -> usize {
    let height = (inner.height as usize).saturating_sub(1).max(1);
    // Keep the selection on screen even if the state's offset lags a resize.
    let offset = crate::app::list::offset_showing(selected, offset.min(rows.len().saturating_sub(1)), height);
    let widths: Vec<Constraint> = columns.iter().map(|c| c.width).collect();
    // The same split the table makes, so each cell knows its room.
    let rooms: Vec<usize> = Layout::horizontal(widths.clone())
        .spacing(COLUMN_SPACING)
        .split(inner)
        .iter()
        .map(|r| r.width as usize)
        .collect();
    let body: Vec<Row> = rows
        .iter()
        .enumerate()
        .skip(offset)
        .take(height)
        .map(|(i, r)| {
            // The selected row is drawn in the selection's colours alone: a
            // cell's own colour (an accent, a dim) can vanish on its background.
            let cells = row(i, r).into_iter().zip(&rooms).map(|(c, room)| {
                let style = if i == selected { Style::default() } else { c.style };
                let text = if c.middle {
                    crate::text::truncate_middle(&c.text, *room)
                } else {
                    crate::text::truncate(&c.text, *room)
                };
                Cell::from(Span::styled(text, style))
            });
            let row = Row::new(cells.collect::<Vec<_>>());
            if i == selected { row.style(theme.selection()) } else { row }
        })
        .collect();
    let header = Row::new(columns.iter().map(|c| Cell::from(c.title.as_ref()))).style(theme.accent());
    let mut table = Table::new(body, widths).header(header).column_spacing(COLUMN_SPACING);
    if let Some(e) = footer {
        // A failed "load more" keeps the rows and says why below them.
        table = table.footer(Row::new(vec![Cell::from(Span::styled(e, theme.error()))]));
    }
    f.render_widget(table, inner);
    offset
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The text of one row of a 30-column table drawing `cell`.
    fn drawn(cell: TextCell) -> String {
        let mut term = ratatui::Terminal::new(ratatui::backend::TestBackend::new(30, 3)).unwrap();
        let mut cell = Some(cell);
        term.draw(|f| {
            let columns = [col("From", Constraint::Fill(1))];
            render_rows(f, f.area(), &[()], 1, 0, &columns, &Theme::default_dark(), None, |_, _| {
                vec![cell.take().expect("drawn once")]
            });
        })
        .unwrap();
        let buf = term.backend().buffer().clone();
        (0..30).map(|x| buf[(x, 1)].symbol().to_string()).collect::<String>().trim_end().to_string()
    }

    #[test]
    fn a_cell_cut_in_the_middle_keeps_its_end() {
        let url = "https://metro-honda-89.example.com/service-menu";
        assert!(drawn(cell(url)).starts_with("https://metro-honda-89.examp"), "cut at the end by default");
        let middle = drawn(cell(url).cut_in_the_middle());
        assert!(middle.starts_with("https://") && middle.ends_with("service-menu"), "{middle}");
    }
}
