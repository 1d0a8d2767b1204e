//! The Limits tab (the limits of a scope, with usage and where each value
//! comes from), the Audit tab, and the limit editor.

use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::style::Style;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Paragraph, Wrap};

use super::table::{Column, TextCell, cell, col, render_rows, styled};
use crate::app::limits::{LimitEditKind, LimitsPane};
use crate::app::{App, Modal};
use crate::db::limits::Effective;
use crate::sanitize::sanitize_line;
use crate::theme::Theme;

use crate::db::RowCount;
use crate::db::page::group;

/// How close a tenant runs to `row`'s value: the style of its usage.
fn usage_style(used: i64, limit: i32, theme: &Theme) -> Style {
    if limit > 0 && used >= limit as i64 {
        theme.error()
    } else if limit > 0 && used * 10 >= limit as i64 * 8 {
        theme.accent()
    } else {
        theme.base()
    }
}

pub fn render(f: &mut Frame, area: Rect, app: &App, theme: &Theme) {
    let l = &app.limits;
    let tenant = app.limits_tenant();
    let [table_area, detail_area] =
        Layout::vertical([Constraint::Min(4), Constraint::Length(crate::layout::LIMIT_DETAIL)]).areas(area);
    let foreign = app.foreign_limits();
    let title = match (tenant, &foreign) {
        (_, Some((layout, writable))) => format!(
            "{} · {}{}",
            sanitize_line(&app.tab_title(crate::app::Tab::Limits)),
            sanitize_line(layout),
            if *writable { "" } else { " · read-only" }
        ),
        (Some(t), None) => format!("Limits · tenant {}", sanitize_line(&t.label)),
        (None, None) => "Limits · global defaults".to_string(),
    };
    // The words its keys hold (`/`), and how many keys are read.
    let title = match l.filter.is_empty() {
        true => title,
        false => format!("{title} · /{}", sanitize_line(&l.filter)),
    };
    // How many keys are read, and whether more are below them ("+", read as
    // the selection nears the end) or above (read from the end: `G`); of
    // how many, once counted.
    let total = l.count.map(|c| match c {
        RowCount::Exact(n) => group(n),
        RowCount::AtLeast(n) => format!("{}+", group(n)),
        RowCount::Estimate(n) => format!("~{}", group(n)),
    });
    let read = group(l.rows.len() as i64);
    let count = match (l.rows.len(), l.next.is_some(), l.above.is_some(), total) {
        (0, _, _, _) => String::new(),
        (1, false, false, _) => " · 1 key".into(),
        (_, false, false, _) => format!(" · {read} keys"),
        (_, false, true, Some(t)) => format!(" · last {read} of {t} keys"),
        (_, _, _, Some(t)) => format!(" · {read} of {t} keys"),
        (_, true, false, None) => format!(" · {read}+ keys"),
        (_, false, true, None) => format!(" · last {read} keys"),
        (_, true, true, None) => format!(" · {read} keys read"),
    };
    let switch = match (tenant, &app.nav.tenant) {
        (Some(_), _) => " t: defaults ",
        (None, Some(_)) => " t: the tenant's ",
        (None, None) => "",
    };
    // The title gives way to the right side (drawn over it otherwise), its
    // words first: the count stays.
    let room = (table_area.width as usize).saturating_sub(crate::text::width(switch) + crate::text::width(&count) + 4);
    let title = format!("{}{count}", crate::text::truncate(&title, room));
    let block = Block::bordered()
        .border_style(theme.border(true))
        .title(Span::styled(format!(" {title} "), theme.title()))
        .title(Line::from(Span::styled(switch, theme.dim())).right_aligned());
    let inner = block.inner(table_area);
    f.render_widget(block, table_area);
    if l.rows.is_empty() {
        let (text, style) = match (&l.error, l.loading) {
            (Some(e), _) => (format!("Could not load the limits: {}  (r retries)", sanitize_line(e)), theme.error()),
            (None, true) | (None, false) if l.loaded.is_none() || l.loading => ("Loading…".to_string(), theme.dim()),
            _ if !l.filter.is_empty() => {
                (format!("No key holds '{}' (/ changes the words).", sanitize_line(&l.filter)), theme.dim())
            }
            _ if foreign.is_some() => ("This layout's table of limits has no rows.".to_string(), theme.dim()),
            _ => ("No limits in rate_limits (n creates one).".to_string(), theme.dim()),
        };
        f.render_widget(Paragraph::new(Span::styled(text, style)).wrap(Wrap { trim: true }), inner);
    } else if tenant.is_some() {
        let columns = [
            col("Key", Constraint::Fill(1)),
            col("Value", Constraint::Length(10)),
            col("Source", Constraint::Length(8)),
            col("Default", Constraint::Length(10)),
            col("Used", Constraint::Length(16)),
        ];
        let footer = l.error.as_ref().map(|e| format!("reload failed: {}", sanitize_line(e)));
        l.offset.set(render_rows(f, inner, &l.rows, l.selected, l.offset.get(), &columns, theme, footer, |_, r| {
            tenant_cells(l, r, theme)
        }));
    } else {
        // The defaults; another platform's limits are one value per key,
        // with no tenants to override them.
        let overrides = foreign.is_none();
        // Keys that are another row's id, with that row's title (a layout's `key_entity`).
        let named = l.rows.iter().any(|r| r.name.is_some());
        let mut columns: Vec<Column> =
            vec![col("Key", if overrides { Constraint::Length(24) } else { Constraint::Fill(2) })];
        if named {
            columns.push(col("Name", Constraint::Fill(2)));
        }
        columns.push(col(if overrides { "Default" } else { "Value" }, Constraint::Length(10)));
        if overrides {
            columns.push(col("Overrides", Constraint::Length(9)));
        }
        columns.push(col("Description", Constraint::Fill(1)));
        let footer = l.error.as_ref().map(|e| format!("reload failed: {}", sanitize_line(e)));
        l.offset.set(render_rows(f, inner, &l.rows, l.selected, l.offset.get(), &columns, theme, footer, |_, r| {
            let mut cells = vec![cell(&r.key)];
            if named {
                cells.push(cell(r.name.as_deref().unwrap_or("—")));
            }
            cells.push(cell(&group(r.default_value as i64)));
            if overrides {
                cells.push(styled(&group(r.overrides), theme.dim()));
            }
            cells.push(styled(r.description.as_deref().unwrap_or("—"), theme.dim()));
            cells
        }));
    }
    render_limit_detail(f, detail_area, app, theme);
}

fn tenant_cells(l: &LimitsPane, r: &Effective, theme: &Theme) -> Vec<TextCell> {
    let source_style = if r.override_value.is_some() { theme.accent() } else { theme.dim() };
    let used = match l.usage_of(&r.key) {
        Some(u) => {
            let mark = if u.over(r.value()) { " over" } else { "" };
            styled(&format!("{}{mark}", group(u.used)), usage_style(u.used, r.value(), theme))
        }
        None => styled("—", theme.dim()),
    };
    vec![
        cell(&r.key),
        cell(&group(r.value() as i64)),
        styled(r.source(), source_style),
        styled(&group(r.default_value as i64), theme.dim()),
        used,
    ]
}

fn render_limit_detail(f: &mut Frame, area: Rect, app: &App, theme: &Theme) {
    let l = &app.limits;
    let Some(r) = l.selected_row() else { return };
    let tenant = app.limits_tenant();
    let (lo, hi) = crate::db::limits::bounds(&r.key);
    let mut lines = vec![Line::from(vec![
        Span::styled(sanitize_line(&r.key).into_owned(), theme.title()),
        Span::styled(r.name.as_deref().map(|n| format!("  {}", sanitize_line(n))).unwrap_or_default(), theme.accent()),
        Span::styled(
            format!("  {}", sanitize_line(r.description.as_deref().unwrap_or("(no description)"))),
            theme.dim(),
        ),
    ])];
    match (tenant, r.override_value) {
        _ if app.foreign_limits().is_some() => {
            let edit = match app.foreign_limits() {
                Some((_, true)) if app.read_only => "Writes are off on this connection: read-only here.",
                Some((_, true)) => {
                    "Enter edits it (checked, confirmed, audited in ragdesk_audit.audit_log; a: its history)."
                }
                _ => "The layout does not declare these writable: read-only here.",
            };
            lines.push(Line::from(format!("{} in the platform's own row. {edit}", group(r.default_value as i64))));
        }
        (Some(_), Some(v)) => {
            let when = r.override_updated_at.map(|t| t.format("%Y-%m-%d %H:%M").to_string()).unwrap_or_default();
            let by = r.override_updated_by.as_deref().map(|b| format!(" by {}", sanitize_line(b))).unwrap_or_default();
            lines.push(Line::from(format!(
                "Override {} (default {}), set {when}{by}. d resets it.",
                group(v as i64),
                group(r.default_value as i64)
            )));
        }
        (Some(_), None) => lines.push(Line::from(format!(
            "Uses the default {}; Enter sets an override for this tenant.",
            group(r.default_value as i64)
        ))),
        (None, _) => {
            let overriding = match r.overrides {
                0 => "no tenant overrides it".to_string(),
                1 => "1 tenant overrides it".to_string(),
                n => format!("{} tenants override it", group(n)),
            };
            lines.push(Line::from(format!("Default for every tenant; {overriding}. Enter edits it.")));
            let shown: Vec<String> = l
                .overrides_of(&r.key)
                .map(|o| format!("{} {}", sanitize_line(&o.tenant_name), group(o.value as i64)))
                .collect();
            if !shown.is_empty() {
                let more = r.overrides - shown.len() as i64;
                let more = if more > 0 { format!(" and {more} more") } else { String::new() };
                lines.push(Line::from(vec![
                    Span::styled("Overridden for: ", theme.dim()),
                    Span::raw(format!("{}{more}", shown.join(", "))),
                ]));
            }
        }
    }
    if let Some(u) = l.usage_of(&r.key) {
        let pct = if r.value() > 0 {
            format!(" ({}% of {})", u.used * 100 / r.value() as i64, group(r.value() as i64))
        } else {
            String::new()
        };
        lines.push(Line::from(vec![
            Span::raw("Used: "),
            Span::styled(format!("{}{pct}", group(u.used)), usage_style(u.used, r.value(), theme)),
            Span::styled(format!(", {}", u.basis), theme.dim()),
        ]));
    } else if tenant.is_some() {
        lines.push(Line::from(Span::styled("Used: not recorded in this schema", theme.dim())));
    }
    lines.push(Line::from(Span::styled(
        format!("Allowed values: {} to {}", group(lo as i64), group(hi as i64)),
        theme.dim(),
    )));
    let block = Block::bordered().border_style(theme.border(false));
    f.render_widget(Paragraph::new(lines).block(block).wrap(Wrap { trim: true }), area);
}

/// Short names of the audited entities, for a narrow column.
fn entity_label(entity: &str) -> &str {
    match entity {
        "rate_limit" => "limit",
        "tenant_rate_limit" => "override",
        "knowledge_base" => "kb",
        other => other,
    }
}

pub fn render_audit(f: &mut Frame, area: Rect, app: &App, theme: &Theme) {
    let a = &app.audit;
    let [table_area, detail_area] =
        Layout::vertical([Constraint::Min(4), Constraint::Length(crate::layout::AUDIT_DETAIL)]).areas(area);
    let more = if a.more { "+" } else { "" };
    let counted = format!(
        " {}{more} {} · / filter ",
        a.rows.len(),
        if a.rows.len() == 1 && more.is_empty() { "entry" } else { "entries" }
    );
    // The filter cut (with an ellipsis) where it would run into the count.
    let room = (table_area.width as usize).saturating_sub(counted.chars().count() + 12);
    let filter = if a.filter.is_empty() {
        String::new()
    } else {
        format!(" · {}", crate::text::truncate(&sanitize_line(&a.filter), room.max(8)))
    };
    let block = Block::bordered()
        .border_style(theme.border(true))
        .title(Span::styled(format!(" Audit{filter} "), theme.title()))
        .title(Line::from(Span::styled(counted, theme.dim())).right_aligned());
    let inner = block.inner(table_area);
    f.render_widget(block, table_area);
    if a.rows.is_empty() {
        let (text, style) = match &a.error {
            Some(e) => (format!("Could not load the audit: {}  (r retries)", sanitize_line(e)), theme.error()),
            None if a.loading || a.loaded.is_none() => ("Loading…".to_string(), theme.dim()),
            None if !a.filter.is_empty() => ("No entries match this filter (Esc clears it).".to_string(), theme.dim()),
            None => ("Nothing audited yet: every write the product makes will appear here.".to_string(), theme.dim()),
        };
        f.render_widget(Paragraph::new(Span::styled(text, style)).wrap(Wrap { trim: true }), inner);
    } else {
        let columns = [
            col("When", Constraint::Length(11)),
            col("Action", Constraint::Length(6)),
            col("Entity", Constraint::Length(8)),
            col("Key", Constraint::Fill(3)),
            col("Scope", Constraint::Fill(2)),
            col("Change", Constraint::Fill(3)),
        ];
        let footer = a.error.as_ref().map(|e| format!("load failed: {}", sanitize_line(e)));
        a.offset.set(render_rows(f, inner, &a.rows, a.selected, a.offset.get(), &columns, theme, footer, |_, r| {
            vec![
                styled(&r.at.with_timezone(&chrono::Local).format("%m-%d %H:%M").to_string(), theme.dim()),
                cell(&r.action),
                styled(entity_label(&r.entity), theme.dim()),
                cell(&r.entity_key),
                cell(&r.scope_text()),
                cell(&r.change_text()),
            ]
        }));
    }
    if let Some(r) = a.selected_row() {
        let mut lines = vec![
            Line::from(vec![
                Span::styled(format!("{} {} ", sanitize_line(&r.action), sanitize_line(&r.entity)), theme.title()),
                Span::raw(sanitize_line(&r.entity_key).into_owned()),
                Span::styled(format!("  {}", sanitize_line(&r.scope_text())), theme.dim()),
            ]),
            // When, who and why before the change, which can be long (an
            // ingest's file, hash and ids) and is the one line let to wrap
            // out of the pane.
            Line::from(Span::styled(
                format!(
                    "{} by {}",
                    r.at.with_timezone(&chrono::Local).format("%Y-%m-%d %H:%M:%S"),
                    sanitize_line(&r.who()),
                ),
                theme.dim(),
            )),
        ];
        if let Some(reason) = &r.reason {
            lines.push(Line::from(format!("reason: {}", sanitize_line(reason))));
        }
        lines.push(Line::from(sanitize_line(&r.change_text()).into_owned()));
        let block = Block::bordered().border_style(theme.border(false));
        f.render_widget(Paragraph::new(lines).block(block).wrap(Wrap { trim: true }), detail_area);
    }
}

/// The limit editor over the screen.
pub fn render_overlay(f: &mut Frame, area: Rect, app: &App, theme: &Theme) {
    let Some(Modal::LimitEdit(edit)) = &app.modal else { return };
    let note = match &edit.kind {
        LimitEditKind::Value { key, .. } => {
            let (lo, hi) = crate::db::limits::bounds(key);
            format!(
                "Allowed: {} to {}. Checked here, then confirmed; a change made since it was shown is refused.",
                group(lo as i64),
                group(hi as i64)
            )
        }
        LimitEditKind::New => "Key: lower_case_words. A new limit applies to every tenant.".to_string(),
        LimitEditKind::Reset { default, .. } => format!(
            "The tenant gets the default {} again. The reason is kept in the audit; confirmed next.",
            group(*default as i64)
        ),
    };
    let text = super::form::FormText { title: &edit.title(), subtitle: "", submit: "review", note: &note };
    super::form::render(f, area, &edit.form, &text, theme);
}
