//! Demos pane: the list, and every field of the selected demo.

use ratatui::Frame;
use ratatui::layout::{Constraint, Rect};
use ratatui::style::Style;
use ratatui::text::Span;

use super::detail::{Detail, placeholder};
use super::table::{cell, col, render_list, styled};
use super::{body_split, fmt_ts};
use crate::app::App;
use crate::db::demos::DemoDetail;
use crate::theme::{Theme, parse_hex_colour};

pub fn status_style(status: &str, deleted: bool, theme: &Theme) -> Style {
    if deleted {
        return theme.error();
    }
    match status {
        "active" => theme.ok(),
        "expired" => theme.warning(),
        "blueprint" => theme.accent(),
        _ => theme.dim(),
    }
}

pub fn render(f: &mut Frame, area: Rect, app: &App, theme: &Theme) {
    let (list_area, detail_area) = body_split(area, app);
    if let Some(a) = list_area {
        let title = match &app.nav.tenant {
            Some(_) => "Demos of this tenant",
            None => "Demos (all tenants)",
        };
        // Across all tenants, which tenant a demo belongs to matters more
        // than its industry and mission: on narrow screens those give way.
        let show_tenant = app.nav.tenant.is_none();
        let show_profile = !show_tenant || a.width >= 100;
        let mut columns = vec![col("Company", Constraint::Fill(2)), col("Status", Constraint::Length(9))];
        if show_tenant {
            columns.insert(1, col("Tenant", Constraint::Fill(1)));
        }
        if show_profile {
            columns.push(col("Industry", Constraint::Fill(1)));
            columns.push(col("Mission", Constraint::Length(12)));
        }
        columns.push(col("Created", Constraint::Length(16)));
        render_list(f, a, title, &app.lists.demos, &columns, theme, |d| {
            let status = if d.deleted_at.is_some() { "deleted" } else { d.status.as_str() };
            let mut cells =
                vec![cell(d.label()), styled(status, status_style(&d.status, d.deleted_at.is_some(), theme))];
            if show_tenant {
                cells.insert(1, styled(&d.tenant_name, theme.dim()));
            }
            if show_profile {
                cells.push(cell(d.industry.as_deref().unwrap_or("—")));
                cells.push(cell(d.mission_profile.as_deref().unwrap_or("—")));
            }
            cells.push(styled(&fmt_ts(d.created_at), theme.dim()));
            cells
        });
    }
    if let Some(a) = detail_area {
        match (&app.demo_detail.detail, &app.demo_detail.error) {
            (Some(d), _) if Some(d.id) == app.lists.demos.selected_row().map(|r| r.id) => {
                render_detail(f, a, d, theme, app.detail_scroll)
            }
            (_, Some(e)) => {
                placeholder(f, a, "Demo", &format!("Could not load: {}", crate::sanitize::sanitize_line(e)), theme)
            }
            _ if app.lists.demos.rows.is_empty() => placeholder(f, a, "Demo", "No demo selected.", theme),
            _ => placeholder(f, a, "Demo", "Loading…", theme),
        }
    }
}

pub(super) fn swatch(hex: &str, theme: &Theme) -> Vec<Span<'static>> {
    let safe = crate::sanitize::sanitize_line(hex).into_owned();
    match parse_hex_colour(hex) {
        Some(c) if !theme.monochrome => {
            vec![Span::styled("██ ", Style::default().fg(theme.data_colour(c))), Span::raw(safe)]
        }
        _ => vec![Span::raw(safe)],
    }
}

fn render_detail(f: &mut Frame, area: Rect, d: &DemoDetail, theme: &Theme, scroll: u16) {
    let mut v = Detail::new(area.width, theme);
    let status = match d.deleted_at {
        Some(t) => format!("{} (deleted {})", d.status, fmt_ts(t)),
        None => d.status.clone(),
    };
    v.field_styled("Status", &status, status_style(&d.status, d.deleted_at.is_some(), theme))
        .field("Tenant", &d.tenant_name)
        .opt("Industry", d.industry.as_deref())
        .opt("Website", d.website_url.as_deref())
        .opt("Mission", d.mission_profile.as_deref())
        .opt("Model", d.openrouter_model.as_deref())
        .field("Leads", &d.lead_count.to_string())
        .field("Sessions", &d.session_count.to_string())
        .field("Created", &fmt_ts(d.created_at))
        .field("Updated", &fmt_ts(d.updated_at))
        .opt("Expires", d.expires_at.map(fmt_ts).as_deref())
        .opt("Created by", d.created_by.as_deref())
        .opt("Builder step", d.current_step.as_deref())
        .opt("Logo", d.logo_url.as_deref())
        .opt("Knowledge base", d.knowledge_base_id.map(|k| k.to_string()).as_deref())
        .spans("Primary", swatch(&d.primary_color, theme))
        .spans("Secondary", swatch(&d.secondary_color, theme))
        .field("ID", &d.id.to_string());
    v.heading("Products & services").bullets(&d.products_services);
    v.heading("Offers").bullets(&d.offers);
    v.heading("Qualification criteria").bullets(&d.qualification_criteria);
    v.heading("System prompt");
    match &d.system_prompt {
        Some(p) => v.block(p, theme.base()),
        None => v.block("(none)", theme.dim()),
    };
    v.render(f, area, d.company_name.as_deref().unwrap_or("Demo"), scroll);
}
