//! Sessions pane: a scope's sessions, or (L) a demo's leads.

use ratatui::Frame;
use ratatui::layout::{Constraint, Rect};

use super::detail::{Detail, placeholder};
use super::table::{cell, col, render_list, styled};
use super::{body_split, fmt_duration, fmt_ts};
use crate::app::{App, SessionsMode};
use crate::db::page::group;
use crate::theme::Theme;

pub fn render(f: &mut Frame, area: Rect, app: &App, theme: &Theme) {
    match app.sessions_mode {
        SessionsMode::Sessions => render_sessions(f, area, app, theme),
        SessionsMode::Leads => render_leads(f, area, app, theme),
    }
}

fn render_sessions(f: &mut Frame, area: Rect, app: &App, theme: &Theme) {
    let (list_area, detail_area) = body_split(area, app);
    if let Some(a) = list_area {
        let title = if app.nav.lead.is_some() {
            "Sessions of this lead"
        } else if app.nav.demo.is_some() {
            "Sessions of this demo"
        } else if app.nav.tenant.is_some() {
            "Sessions of this tenant"
        } else {
            "Sessions (all tenants)"
        };
        let show_demo = app.nav.demo.is_none() && a.width >= 100;
        let mut columns = vec![
            col("Lead", Constraint::Fill(1)),
            col("Chan", Constraint::Length(5)),
            col("Started", Constraint::Length(16)),
            col("Ended", Constraint::Length(11)),
            col("Duration", Constraint::Length(8)),
            col("Msgs", Constraint::Length(6)),
            col("Tokens", Constraint::Length(8)),
        ];
        if show_demo {
            columns.insert(1, col("Demo", Constraint::Fill(1)));
        }
        render_list(f, a, title, &app.lists.sessions, &columns, theme, |s| {
            let (ended, duration) = match (s.ended_at, s.duration()) {
                (Some(e), Some(d)) => {
                    // The date only when it differs from the start's.
                    let fmt = if e.date_naive() == s.created_at.date_naive() { "%H:%M" } else { "%m-%d %H:%M" };
                    (styled(&e.format(fmt).to_string(), theme.dim()), styled(&fmt_duration(d), theme.base()))
                }
                _ => (styled("open", theme.ok()), styled("—", theme.dim())),
            };
            let mut cells = vec![
                cell(s.lead_label()),
                cell(&s.channel),
                styled(&fmt_ts(s.created_at), theme.dim()),
                ended,
                duration,
                cell(&group(s.message_count)),
                cell(&group(s.token_total)),
            ];
            if show_demo {
                cells.insert(1, styled(s.demo_name.as_deref().unwrap_or("—"), theme.dim()));
            }
            cells
        });
    }
    if let Some(a) = detail_area {
        match app.lists.sessions.selected_row() {
            Some(s) => {
                let mut d = Detail::new(a.width, theme);
                d.field("Lead", s.lead_label())
                    .field("Identifier", &s.lead_identifier)
                    .opt("Demo", s.demo_name.as_deref())
                    .field("Channel", &s.channel)
                    .field("Started", &fmt_ts(s.created_at))
                    .opt("Ended", s.ended_at.map(fmt_ts).as_deref())
                    .opt("Duration", s.duration().map(fmt_duration).as_deref())
                    .field("Messages", &group(s.message_count))
                    .field("Tokens", &group(s.token_total))
                    .field("ID", &s.id.to_string());
                d.heading("Metadata").json(&s.metadata);
                d.render(f, a, "Session", app.detail_scroll);
            }
            None => placeholder(f, a, "Session", "No session selected.", theme),
        }
    }
}

fn render_leads(f: &mut Frame, area: Rect, app: &App, theme: &Theme) {
    let (list_area, detail_area) = body_split(area, app);
    if let Some(a) = list_area {
        let columns = [
            col("Lead", Constraint::Fill(2)),
            col("Type", Constraint::Length(9)),
            col("Sessions", Constraint::Length(8)),
            col("Last seen", Constraint::Length(16)),
            col("First seen", Constraint::Length(16)),
        ];
        render_list(f, a, "Leads of this demo", &app.lists.leads, &columns, theme, |l| {
            vec![
                cell(l.label()),
                cell(l.identifier_type.as_deref().unwrap_or("—")),
                cell(&l.session_count.to_string()),
                styled(&fmt_ts(l.last_seen_at), theme.dim()),
                styled(&fmt_ts(l.created_at), theme.dim()),
            ]
        });
    }
    if let Some(a) = detail_area {
        match app.lists.leads.selected_row() {
            Some(l) => {
                let mut d = Detail::new(a.width, theme);
                d.field("Identifier", &l.identifier)
                    .opt("Type", l.identifier_type.as_deref())
                    .opt("Display name", l.display_name.as_deref())
                    .field("First seen", &fmt_ts(l.created_at))
                    .field("Last seen", &fmt_ts(l.last_seen_at))
                    .field("Sessions", &l.session_count.to_string())
                    .field("ID", &l.id.to_string());
                d.heading("Metadata").json(&l.metadata);
                d.render(f, a, l.label(), app.detail_scroll);
            }
            None => placeholder(f, a, "Lead", "No lead selected.", theme),
        }
    }
}
