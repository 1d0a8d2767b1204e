//! Tenants pane.

use ratatui::Frame;
use ratatui::layout::{Constraint, Rect};

use super::detail::{Detail, placeholder};
use super::table::{cell, col, render_list, styled};
use super::{body_split, fmt_ts};
use crate::app::App;
use crate::theme::Theme;

pub fn render(f: &mut Frame, area: Rect, app: &App, theme: &Theme) {
    let (list_area, detail_area) = body_split(area, app);
    if let Some(a) = list_area {
        let columns = [
            col("Tenant", Constraint::Fill(2)),
            col("Slug", Constraint::Fill(1)),
            col("Plan", Constraint::Length(10)),
            col("Demos", Constraint::Length(6)),
            col("Created", Constraint::Length(16)),
        ];
        render_list(f, a, "Tenants", &app.lists.tenants, &columns, theme, |t| {
            vec![
                cell(&t.name),
                styled(&t.slug, theme.dim()),
                cell(&t.plan),
                cell(&t.demo_count.to_string()),
                styled(&fmt_ts(t.created_at), theme.dim()),
            ]
        });
    }
    if let Some(a) = detail_area {
        match app.lists.tenants.selected_row() {
            Some(t) => {
                let mut d = Detail::new(a.width, theme);
                d.field("Name", &t.name)
                    .field("Slug", &t.slug)
                    .field("Plan", &t.plan)
                    .field("Demos", &t.demo_count.to_string())
                    .field("Created", &fmt_ts(t.created_at))
                    .field("ID", &t.id.to_string());
                d.render(f, a, &t.name, app.detail_scroll);
            }
            None => placeholder(f, a, "Tenant", "No tenant selected.", theme),
        }
    }
}
