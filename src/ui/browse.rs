//! The entity tabs: a schema's entities through its layout (ours too), in
//! its own words; a list with the selected row in full below it (beside
//! it on a wide screen): a message's whole text, a row's every column.

use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Paragraph, Wrap};

use super::detail::Detail;
use super::table::{cell, col, col_named, render_rows, styled};
use crate::app::App;
use crate::sanitize::sanitize_line;
use crate::schema::Kind;
use crate::theme::Theme;

/// The width of a conversation's duration ("59m59s", "23h59m", "999d23h").
const DURATION_WIDTH: u16 = 8;
/// The widest a layout's own column is drawn in the list.
const SHOWN_WIDTH: usize = 20;
/// What a list keeps for the title beside a layout's own columns.
const TITLE_ROOM: usize = 16;
/// Rows either side of the selection a layout's column is as wide as.
const WIDTH_SAMPLE: usize = 100;

pub fn render(f: &mut Frame, area: Rect, app: &App, theme: &Theme) {
    let b = &app.browser;
    let s = b.current();
    // The detail beside the list on a wide screen, under it otherwise; `i`
    // gives it the whole pane, then its room to the list.
    let (list_area, detail_area) = match (b.detail, crate::layout::browse_detail_beside(area.width)) {
        (false, _) => (area, None),
        // The whole pane the detail's: the list is not drawn.
        (true, _) if b.detail_full => {
            if let Some(r) = s.selected_row() {
                render_detail(f, area, b, s.kind, r, theme);
                return;
            }
            (area, None)
        }
        (true, true) => {
            let [l, r] = Layout::horizontal([Constraint::Percentage(58), Constraint::Percentage(42)]).areas(area);
            (l, Some(r))
        }
        (true, false) => {
            let rows = Constraint::Length(crate::layout::BROWSE_DETAIL);
            let [l, d] = Layout::vertical([Constraint::Min(4), rows]).areas(area);
            (l, Some(d))
        }
    };
    let more = match (s.next.is_some(), s.prev.is_some()) {
        (true, _) => " ↓more",
        (false, true) => " ↑more",
        _ => "",
    };
    let others = b.other_lists().len() > 1;
    let block = Block::bordered()
        .border_style(theme.border(true))
        .title(Span::styled(
            if s.filter.is_empty() {
                format!(" {} ", sanitize_line(&b.label()))
            } else {
                format!(" {} · {} ", sanitize_line(&b.label()), sanitize_line(&s.filter))
            },
            theme.title(),
        ))
        .title(
            Line::from(Span::styled(
                format!(
                    " {}{more}{} ",
                    match (&s.count, s.rows.is_empty()) {
                        (Some(c), true) => format!("0 of {}", c.label()),
                        // Read from the end: where the row is, counted from there.
                        _ if s.from_end => {
                            let from_end = s.rows.len() - s.selected;
                            match s.count {
                                Some(crate::db::RowCount::Exact(n)) => format!(
                                    "{} of {}",
                                    crate::db::page::group(n - from_end as i64 + 1),
                                    crate::db::page::group(n)
                                ),
                                _ => format!("{} from the end", crate::db::page::group(from_end as i64)),
                            }
                        }
                        (Some(c), false) => {
                            format!("{} of {}", crate::db::page::group(s.selected as i64 + 1), c.label())
                        }
                        (None, _) => format!("{} rows", s.rows.len()),
                    },
                    if others { " · o: other list" } else { "" }
                ),
                theme.dim(),
            ))
            .right_aligned(),
        );
    let inner = block.inner(list_area);
    f.render_widget(block, list_area);
    if s.rows.is_empty() {
        let (text, style) = match &s.error {
            Some(e) => (format!("Could not load: {}  (r retries)", sanitize_line(e)), theme.error()),
            None if !s.loaded => ("Loading…".to_string(), theme.dim()),
            None if !s.filter.is_empty() => ("Nothing matches this filter (Esc clears it).".to_string(), theme.dim()),
            None => ("Nothing here.".to_string(), theme.dim()),
        };
        f.render_widget(Paragraph::new(Span::styled(text, style)).wrap(Wrap { trim: true }), inner);
    } else if s.kind == Kind::Message {
        let columns = [
            col("Who", Constraint::Length(10)),
            col("Message", Constraint::Fill(1)),
            col("At", Constraint::Length(16)),
        ];
        let footer = s.error.as_ref().map(|e| format!("load failed: {}", sanitize_line(e)));
        // Speakers in our words where the layout maps them, as the transcript shows them.
        let roles = b.layout.entity(Kind::Message).map(|e| &e.roles);
        s.offset.set(render_rows(f, inner, &s.rows, s.selected, s.offset.get(), &columns, theme, footer, |_, r| {
            let raw = r.role.as_deref().unwrap_or("?");
            let role = roles.and_then(|m| m.get(raw)).map(String::as_str).unwrap_or(raw);
            vec![
                styled(role, theme.role(role)),
                cell(r.content.as_deref().unwrap_or("")),
                styled(&r.created_at.map(|t| t.format("%Y-%m-%d %H:%M").to_string()).unwrap_or_default(), theme.dim()),
            ]
        }));
    } else if s.kind == Kind::RateLimit {
        let writable = b.layout.writes(Kind::RateLimit);
        // Named as the tab bar names that tab.
        let edit_here = format!("Enter: {} tab", sanitize_line(b.layout.label(Kind::RateLimit)));
        let columns =
            [col("Key", Constraint::Fill(2)), col("Value", Constraint::Length(12)), col("", Constraint::Fill(1))];
        let footer = s.error.as_ref().map(|e| format!("load failed: {}", sanitize_line(e)));
        s.offset.set(render_rows(f, inner, &s.rows, s.selected, s.offset.get(), &columns, theme, footer, |_, r| {
            vec![
                cell(r.title.as_deref().unwrap_or(&r.id)),
                // A number as the Limits tab writes it (10,000).
                styled(
                    &r.status.as_deref().map_or("unset".into(), |v| {
                        v.parse::<i64>().map(crate::db::page::group).unwrap_or_else(|_| v.to_string())
                    }),
                    theme.accent(),
                ),
                styled(if writable { &edit_here } else { "read-only" }, theme.dim()),
            ]
        }));
    } else {
        // Chunks and memories are read for their text; other rows by name.
        // A column the entity does not have is not drawn.
        let text_first = matches!(s.kind, Kind::Chunk | Kind::Memory);
        let e = b.layout.entity(s.kind);
        // A column no loaded row has a value in is not drawn: room for the rest.
        let filled = |v: Option<&str>| v.is_some_and(|v| !v.trim().is_empty());
        let has_status = e.is_some_and(|e| e.status.is_some() || e.state_from_end().is_some())
            && s.rows.iter().any(|r| filled(r.status.as_deref()));
        // A derived list (001's conversations) has its first row's time.
        let has_created = e.is_some_and(|e| e.created_at.is_some()) || s.rows.iter().any(|r| r.created_at.is_some());
        // Rows with neither a name nor a text (004's conversations) are
        // known by their id, given the room a name would have had.
        // A list under the very row that names its rows (a lead's sessions,
        // each named by that lead) is known by ids too: the name is the path's.
        let named_by_path = e.is_some_and(|e| {
            e.title.is_none()
                && e.title_from.as_ref().and_then(|f| Kind::from_name(&f.entity)) == s.via
                && s.via.is_some()
        });
        let has_name = !named_by_path
            && (text_first
                || e.is_some_and(|e| e.title.is_some() || e.content.is_some())
                || s.rows.iter().any(|r| r.title.is_some() || r.content.is_some()));
        // A list sorted by a time of its own (a thread by its last post)
        // shows that time, not its creation: the order is then readable.
        let sorted_by = e
            .and_then(|e| e.order.first().filter(|o| e.order.len() > 1 && Some(*o) != e.created_at.as_ref()))
            .filter(|_| s.rows.iter().any(|r| order_time(r).is_some()));
        let time_header = sorted_by.map(|o| column_words(o)).unwrap_or_else(|| "Created".into());
        // A narrow list shows the day alone: its six columns go to the names.
        let time_width = if inner.width < NARROW_LIST { 10 } else { 16 };
        let mut columns = vec![if has_name {
            col(if text_first { "Text" } else { "Name" }, Constraint::Fill(2))
        } else {
            col("Id", Constraint::Fill(2))
        }];
        // The rows about the selection, which the columns are as wide as:
        // a frame's work stays the same after a long scroll.
        let hi = (s.selected + WIDTH_SAMPLE).min(s.rows.len());
        let near = &s.rows[s.selected.saturating_sub(WIDTH_SAMPLE).min(hi)..hi];
        // A list under no one row names the row each is under (every
        // session: its demo), headed by that entity's word.
        let parent_heading = b.layout.parent_of(s.kind).map(|p| sanitize_line(&b.layout.one(p)).into_owned());
        let by_parent = s.rows.iter().any(|r| r.parent_title.is_some());
        if let Some(heading) = parent_heading.as_ref().filter(|_| by_parent) {
            columns.push(col_named(heading, Constraint::Fill(1)));
        }
        // A state as wide as the widest near ("ended", "processing").
        let status_width = near
            .iter()
            .filter_map(|r| r.status.as_deref())
            .map(|v| crate::text::width(&sanitize_line(v)))
            .max()
            .unwrap_or(0)
            .clamp("Status".len(), 12);
        // A conversation with an end: how long it lasted.
        let has_duration = e.is_some_and(|e| e.ended_at.is_some()) && s.rows.iter().any(|r| r.ended_at.is_some());
        // A state read from that end says no more than its length does
        // ("—": still open): its room goes to the names.
        // (Not where a row may read as deleted: only its state says so.)
        let has_status =
            has_status && !(has_duration && e.is_some_and(|e| e.state_from_end().is_some() && e.deleted_at.is_none()));
        if has_status {
            columns.push(col("Status", Constraint::Length(status_width as u16)));
        }
        if has_duration {
            columns.push(col("Duration", Constraint::Length(DURATION_WIDTH)));
        }
        // The layout's own columns and counts, each as wide as its widest
        // loaded value (or its heading), up to a cap that leaves the title room.
        // (Each keeps its place among a row's cells.)
        let extra: Vec<(usize, (String, Shown))> = extra_columns(&b.layout, s.kind)
            .into_iter()
            .enumerate()
            .filter(|(i, _)| s.rows.iter().any(|r| filled(r.cells.get(*i).and_then(|v| v.as_deref()))))
            .collect();
        // The id is in the detail: beside a layout's own columns, the list
        // gives its room to them.
        let id_column = has_name && extra.is_empty();
        // What the other columns leave them: the title keeps TITLE_ROOM and
        // the id a few characters; each column has its share of the rest.
        let fixed = if has_status { status_width + 1 } else { 0 }
            + if has_duration { DURATION_WIDTH as usize + 1 } else { 0 }
            + if has_created || sorted_by.is_some() { time_width + 1 } else { 0 };
        // (Less the gap after the title.)
        // The title keeps a quarter of the list, at least TITLE_ROOM.
        let title_room = TITLE_ROOM.max(inner.width as usize / 4);
        let room = (inner.width as usize).saturating_sub(fixed + title_room + 1);
        // Each as wide as its widest near value as drawn (a count grouped,
        // "1,000+").
        let widest: Vec<usize> = extra
            .iter()
            .map(|(i, heading)| {
                near.iter()
                    .filter_map(|r| r.cells.get(*i).and_then(|v| v.as_deref()))
                    .map(|v| crate::text::width(&heading.1.text(v)))
                    .max()
                    .unwrap_or(0)
            })
            .collect();
        // A number is never cut ("1,0…" would read as another), nor its
        // heading beyond that: numbers first, then the text columns share
        // what is left.
        let number_width = |j: usize| widest[j].max(crate::text::width(&extra[j].1.0).min(widest[j].max(8)));
        let numbers: usize =
            (0..extra.len()).filter(|j| extra[*j].1.1 != Shown::Text).map(|j| number_width(j) + 1).sum();
        let texts = extra.iter().filter(|(_, h)| h.1 == Shown::Text).count();
        let share = (room.saturating_sub(numbers) / texts.max(1)).saturating_sub(1).max(4);
        for (j, (_, heading)) in extra.iter().enumerate() {
            let width = match heading.1 {
                Shown::Text => widest[j].max(crate::text::width(&heading.0)).min(SHOWN_WIDTH).min(share),
                Shown::Count | Shown::Total => number_width(j),
            } as u16;
            columns.push(col_named(&heading.0, Constraint::Length(width)));
        }
        if has_created || sorted_by.is_some() {
            columns.push(col_named(&time_header, Constraint::Length(time_width as u16)));
        }
        if id_column {
            columns.push(col("Id", Constraint::Fill(1)));
        }
        let footer = s.error.as_ref().map(|e| format!("load failed: {}", sanitize_line(e)));
        s.offset.set(render_rows(f, inner, &s.rows, s.selected, s.offset.get(), &columns, theme, footer, |_, r| {
            let name = if text_first {
                r.content.as_deref().or(r.title.as_deref())
            } else {
                r.title.as_deref().or(r.content.as_deref())
            };
            let mut cells = vec![if has_name { cell(name.unwrap_or("—")) } else { cell(&r.id) }];
            if by_parent {
                cells.push(styled(r.parent_title.as_deref().unwrap_or("—"), theme.dim()));
            }
            if has_status {
                let state = r.status.as_deref().unwrap_or("");
                cells.push(styled(state, state_style(state, theme)));
            }
            if has_duration {
                let took = r.created_at.zip(r.ended_at).map(|(from, to)| duration_text(to - from));
                cells.push(styled(took.as_deref().unwrap_or("—"), theme.dim()));
            }
            for (i, (_, shown)) in &extra {
                let v = r.cells.get(*i).cloned().flatten().unwrap_or_default();
                cells.push(if *shown == Shown::Text { cell(&v) } else { styled(&shown.text(&v), theme.dim()) });
            }
            if sorted_by.is_some() {
                let at = order_time(r).unwrap_or_default();
                cells.push(styled(&at[..time_width.min(at.len())], theme.dim()));
            } else if has_created {
                let at = r.created_at.map(|t| t.format("%Y-%m-%d %H:%M").to_string()).unwrap_or_default();
                cells.push(styled(&at[..time_width.min(at.len())], theme.dim()));
            }
            if id_column {
                cells.push(styled(&r.id, theme.dim()));
            }
            cells
        }));
    }
    if let (Some(r), Some(detail_area)) = (s.selected_row(), detail_area) {
        render_detail(f, detail_area, b, s.kind, r, theme);
    }
}

/// The selected row in full: what it is and what Enter opens, its counts
/// and totals, then every column of its row once read (arrays as lists,
/// long text wrapped, a colour with its swatch); until then what the list
/// read of it. J/K scroll it.
fn render_detail(
    f: &mut Frame,
    area: Rect,
    b: &crate::app::browser::Browser,
    kind: Kind,
    r: &crate::db::mapped::MappedRow,
    theme: &Theme,
) {
    // What Enter opens: a conversation's messages are read in the Transcript tab.
    let below: Vec<String> = b
        .children(kind)
        .iter()
        .map(|k| match k {
            Kind::Message => "the transcript".to_string(),
            k => sanitize_line(b.layout.label(*k)).into_owned(),
        })
        .collect();
    let whole = b.whole.of_row(kind, &r.id).filter(|_| b.reads_whole(kind));
    let extras = extra_columns(&b.layout, kind);
    // Field names as wide as the widest (a third of the pane at most).
    let widest = match whole {
        Some(Ok(Some(fields))) => fields.iter().map(|(c, _)| crate::text::width(&crate::text::column_words(c))).max(),
        _ => None,
    };
    let widest = widest.into_iter().chain(extras.iter().map(|(h, _)| crate::text::width(h))).max().unwrap_or(0);
    let mut v = Detail::new(area.width, theme).with_label(widest);
    let what = format!("{} ", sanitize_line(&b.layout.one(kind)));
    let id = sanitize_line(&r.id).into_owned();
    let enter = if below.is_empty() { String::new() } else { format!("Enter: {}", below.join(", ")) };
    // What Enter opens goes on a line of its own where it would be cut.
    let room = (area.width as usize).saturating_sub(2);
    if enter.is_empty() || crate::text::width(&what) + crate::text::width(&id) + 2 + crate::text::width(&enter) <= room
    {
        v.lines.push(Line::from(vec![
            Span::styled(what, theme.title()),
            Span::styled(id, theme.dim()),
            Span::styled(format!("  {enter}"), theme.accent()),
        ]));
    } else {
        v.lines.push(Line::from(vec![Span::styled(what, theme.title()), Span::styled(id, theme.dim())]));
        v.lines.push(Line::from(Span::styled(enter, theme.accent())));
    }
    match whole {
        Some(Ok(Some(fields))) => {
            // What names it where its row does not (a session by its lead),
            // and the row it is under, by name: ids below say no more.
            let own_title = b.layout.entity(kind).is_some_and(|e| e.title.is_some());
            if let Some(t) = r.title.as_ref().filter(|t| **t != r.id && !own_title) {
                v.lines.push(Line::from(Span::styled(sanitize_line(t).into_owned(), theme.title())));
            }
            if let (Some(p), Some(under)) = (b.layout.parent_of(kind), r.parent_title.as_deref()) {
                v.field(&sanitize_line(&b.layout.one(p)), under);
            }
            // Counts and totals are not columns of the row: said first.
            for ((heading, shown), v_) in extras.iter().zip(&r.cells).filter(|((_, s), _)| *s != Shown::Text) {
                v.field(heading, &v_.as_deref().map_or("—".into(), |x| shown.text(x)));
            }
            let id_column = b.layout.entity(kind).and_then(|e| e.id.as_deref());
            for (column, value) in fields.iter().filter(|(c, _)| Some(c.as_str()) != id_column) {
                let name = crate::text::truncate(&crate::text::column_words(column), v.label_width());
                whole_field(&mut v, &name, value, theme);
            }
        }
        _ => {
            // The title, unless it is the id again (a rate limit's key).
            if let Some(t) = r.title.as_ref().filter(|t| **t != r.id) {
                v.lines.push(Line::from(sanitize_line(t).into_owned()));
            }
            // The layout's columns and counts, as read (the list cuts them to its width).
            for ((heading, shown), v_) in extras.iter().zip(&r.cells) {
                v.field(heading, &v_.as_deref().map_or("—".into(), |x| shown.text(x)));
            }
            if let Some(c) = &r.content {
                v.block(c, theme.base());
            }
            match whole {
                None if b.reads_whole(kind) => {
                    v.lines.push(Line::from(Span::styled("reading the whole row…", theme.dim())));
                }
                Some(Err(e)) => {
                    let text = format!("could not read the whole row: {}", sanitize_line(e));
                    v.lines.push(Line::from(Span::styled(text, theme.error())));
                }
                Some(Ok(None)) => {
                    v.lines.push(Line::from(Span::styled("this row is gone (r reloads the list)", theme.dim())));
                }
                _ => {}
            }
        }
    }
    // How far it can scroll: where the keys stop (`Browser::detail_max`).
    let max = v.lines.len().saturating_sub(area.height.saturating_sub(2) as usize).min(u16::MAX as usize);
    b.detail_max.set(Some(max as u16));
    v.render(f, area, "", b.detail_scroll);
}

/// One column of a row read whole, as its JSON value: a list as bullets, a
/// long or many-line text under its name, a colour with its swatch.
fn whole_field(v: &mut Detail<'_>, name: &str, value: &serde_json::Value, theme: &Theme) {
    use serde_json::Value;
    match value {
        Value::Null => {
            v.opt(name, None);
        }
        Value::String(text) if text == crate::db::mapped::HIDDEN => {
            v.field_styled(name, text, theme.dim());
        }
        Value::String(text) if text.contains('\n') || crate::text::width(text) > 160 => {
            v.heading(name).block(text, theme.base());
        }
        Value::String(text) => {
            if crate::theme::parse_hex_colour(text).is_some() {
                v.spans(name, super::detail::swatch(text, theme));
            } else if let Ok(at) = chrono::DateTime::parse_from_rfc3339(text) {
                // A time as the lists show times (UTC), to the second.
                v.field(name, &at.with_timezone(&chrono::Utc).format("%Y-%m-%d %H:%M:%S").to_string());
            } else {
                v.field(name, text);
            }
        }
        Value::Array(items) if items.iter().all(|i| !i.is_array() && !i.is_object()) => {
            let items: Vec<String> = items.iter().map(scalar_text).collect();
            v.heading(name).bullets(&items);
        }
        Value::Array(_) | Value::Object(_) => {
            v.heading(name).json(value);
        }
        other => {
            v.field(name, &scalar_text(other));
        }
    }
}

/// A JSON scalar as a person reads it: a string without its quotes.
fn scalar_text(value: &serde_json::Value) -> String {
    match value {
        serde_json::Value::String(s) => s.clone(),
        other => other.to_string(),
    }
}

/// A row's first order value when it reads as a time (`2025-01-01 10:00…`,
/// as the server writes a timestamp), to the minute.
fn order_time(r: &crate::db::mapped::MappedRow) -> Option<&str> {
    let v = r.key.first()?.as_deref()?;
    let b = v.as_bytes();
    let looks = b.len() >= 16
        && b[4] == b'-'
        && b[7] == b'-'
        && b[10] == b' '
        && b[13] == b':'
        && b.iter().take(16).enumerate().all(|(i, c)| matches!(i, 4 | 7 | 10 | 13) || c.is_ascii_digit());
    looks.then(|| &v[..16])
}

/// Lists narrower than this (inside their border) show a row's day, not
/// its minute: an 80-column terminal's names need the room.
const NARROW_LIST: u16 = 100;

/// What a layout's extra column holds, as the list draws it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Shown {
    /// A column's value, as text.
    Text,
    /// A count, read up to one past the cap: past it, "1,000+".
    Count,
    /// A total, marked "+" when it is of the first rows only.
    Total,
}

impl Shown {
    fn text(self, v: &str) -> String {
        let (number, more) = v.strip_suffix('+').map_or((v, ""), |n| (n, "+"));
        match (self, number.parse::<i64>()) {
            (Shown::Text, _) | (_, Err(_)) => sanitize_line(v).into_owned(),
            (Shown::Count, Ok(n)) if n > crate::schema::COUNT_CAP => {
                format!("{}+", crate::db::page::group(crate::schema::COUNT_CAP))
            }
            (_, Ok(n)) => format!("{}{more}", crate::db::page::group(n)),
        }
    }
}

/// The headings of the columns a layout adds to `kind`'s list, in the order
/// of a row's `cells`: its `columns` (by their names), its `counts` (by the
/// entity's word, "Widgets") and its `sums` (by the column's name).
fn extra_columns(layout: &crate::schema::Layout, kind: Kind) -> Vec<(String, Shown)> {
    let Some(e) = layout.entity(kind) else { return Vec::new() };
    e.extras()
        .into_iter()
        .map(|x| match x {
            crate::schema::Extra::Column(c) => (column_words(c), Shown::Text),
            crate::schema::Extra::Count(k) => {
                (crate::text::truncate(&sanitize_line(layout.label(k)), 16), Shown::Count)
            }
            // A total of `token_count` reads "Tokens".
            crate::schema::Extra::Sum(_, c) => match c.strip_suffix("_count") {
                Some(what) => (format!("{}s", column_words(what)), Shown::Total),
                None => (column_words(c), Shown::Total),
            },
        })
        .collect()
}

/// A state in a colour that says how it stands: gone or failed in the
/// error colour, lapsed or waiting in the warning colour, live in the ok
/// colour, a template in the accent; any other word dim.
fn state_style(state: &str, theme: &Theme) -> ratatui::style::Style {
    match state.to_ascii_lowercase().as_str() {
        "deleted" | "failed" | "error" | "cancelled" | "canceled" | "banned" => theme.error(),
        "expired" | "pending" | "processing" | "paused" | "past_due" | "trialing" => theme.warning(),
        "active" | "ready" | "completed" | "done" | "processed" | "open" => theme.ok(),
        "blueprint" => theme.accent(),
        _ => theme.dim(),
    }
}

/// How long a conversation lasted, to the second under an hour, to the
/// minute under a day, else in days and hours ("7m05s", "2h03m", "3d04h").
fn duration_text(d: chrono::Duration) -> String {
    let secs = d.num_seconds().max(0);
    let (days, hours, mins) = (secs / 86_400, secs / 3_600 % 24, secs / 60 % 60);
    match (days, secs / 3_600) {
        (0, 0) => format!("{mins}m{:02}s", secs % 60),
        (0, h) => format!("{h}h{mins:02}m"),
        (d, _) => format!("{d}d{hours:02}h"),
    }
}

/// A column's name as a heading: `last_post_at` → "Last post at", cut
/// to a list's heading width.
fn column_words(column: &str) -> String {
    crate::text::truncate(&crate::text::column_words(column), 16)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_order_time_is_read_from_the_key_and_named_from_its_column() {
        let row = |k: &str| crate::db::mapped::MappedRow {
            key: vec![Some(k.into()), Some("1".into())],
            ..Default::default()
        };
        assert_eq!(order_time(&row("2025-01-02 10:30:05.123+00")), Some("2025-01-02 10:30"));
        assert_eq!(order_time(&row("42")), None, "a position is not a time");
        assert_eq!(order_time(&row("2025-01-02")), None, "a date alone is not shown as one");
        assert_eq!(column_words("last_message_at"), "Last message at");
        let took = |s| duration_text(chrono::Duration::seconds(s));
        assert_eq!(
            (took(425), took(7_380), took(273_600), took(-5)),
            ("7m05s".into(), "2h03m".into(), "3d04h".into(), "0m00s".into())
        );
        let count = |v| Shown::Count.text(v);
        assert_eq!((count("7"), count("1000"), count("1001")), ("7".into(), "1,000".into(), "1,000+".into()));
        let total = |v| Shown::Total.text(v);
        assert_eq!(
            (total("12400"), total("12400+")),
            ("12,400".into(), "12,400+".into()),
            "a total is exact or marked"
        );
    }
}
