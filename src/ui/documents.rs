//! Documents pane: a demo's knowledge bases → their documents → a
//! document's chunks; the upload preview (chunks with token counts and
//! boundaries, re-chunked live); the background job with a gauge per stage;
//! and the popups (new knowledge base, delete confirmation).

use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Clear, Paragraph};

use super::detail::{Detail, placeholder};
use super::table::{cell, col, render_list, styled};
use super::{body_split, fmt_duration, fmt_ts, truncate_line};
use crate::action::ListKind;
use crate::app::App;
use crate::app::documents::{JobState, KbForm, UploadState};
use crate::db::page::group;
use crate::ingest::{Outcome, Stage};
use crate::sanitize::{sanitize_line, sanitize_multiline};
use crate::text::{human_bytes, truncate, wrap};
use crate::theme::Theme;

use crate::layout::{JOB_PANEL, job_panel_shown};

pub fn render(f: &mut Frame, area: Rect, app: &App, theme: &Theme) {
    if let Some(up) = &app.docs.upload {
        render_preview(f, area, up, theme);
        return;
    }
    let (lists, job_area) = match &app.docs.job {
        Some(_) if job_panel_shown(area.height, true) => {
            let [l, j] = Layout::vertical([Constraint::Min(5), Constraint::Length(JOB_PANEL)]).areas(area);
            (l, Some(j))
        }
        _ => (area, None),
    };
    match app.current_list() {
        Some(ListKind::Chunks) => render_chunks(f, lists, app, theme),
        Some(ListKind::Documents) => render_documents(f, lists, app, theme),
        _ => render_kbs(f, lists, app, theme),
    }
    if let (Some(job), Some(a)) = (&app.docs.job, job_area) {
        render_job(f, a, job, theme);
    }
}

/// Popups owned by this pane; drawn over everything else.
pub fn render_overlays(f: &mut Frame, area: Rect, app: &App, theme: &Theme) {
    if let Some(form) = app.kb_form() {
        render_kb_form(f, area, form, app, theme);
    }
    if let Some(c) = app.confirm() {
        let w = area.width.saturating_sub(4).min(70);
        let lines = wrap(&sanitize_line(&c.text), w.saturating_sub(4) as usize);
        let popup = centered(area, w, lines.len() as u16 + 2);
        f.render_widget(Clear, popup);
        let block = Block::bordered().title(" Confirm ").border_style(theme.error()).style(theme.base());
        let text: Vec<Line> = lines.into_iter().map(|l| Line::from(Span::styled(l, theme.title()))).collect();
        f.render_widget(Paragraph::new(text).block(block), popup);
    }
}

fn centered(area: Rect, w: u16, h: u16) -> Rect {
    let w = w.min(area.width);
    let h = h.min(area.height);
    Rect { x: area.x + (area.width - w) / 2, y: area.y + (area.height - h) / 2, width: w, height: h }
}

fn render_kbs(f: &mut Frame, area: Rect, app: &App, theme: &Theme) {
    let (list_area, detail_area) = body_split(area, app);
    if let Some(a) = list_area {
        let title = if app.nav.demo.is_some() { "Knowledge bases of this demo" } else { "Knowledge bases (all demos)" };
        // Every demo's: whose each one is. Below 100 columns the demo takes
        // the model's place (the detail names the model).
        let show_demo = app.nav.demo.is_none();
        let show_model = !show_demo || a.width >= 100;
        let mut columns = vec![
            col("Name", Constraint::Fill(2)),
            col("Type", Constraint::Length(15)),
            col("Dim", Constraint::Length(4)),
            // Room for a capped count's "+" ("1,000+") and a whole total
            // of millions ("1,234,567").
            col("Docs", Constraint::Length(6)),
            col("Chunks", Constraint::Length(9)),
        ];
        if show_model {
            columns.insert(2, col("Model", Constraint::Fill(1)));
        }
        if show_demo {
            columns.insert(1, col("Demo", Constraint::Fill(1)));
        }
        render_list(f, a, title, &app.lists.kbs, &columns, theme, |k| {
            let name = if k.attached { k.name.clone() } else { format!("{} (detached)", k.name) };
            let mut cells = vec![
                cell(&name),
                cell(&k.kb_type),
                cell(&k.embedding_dim.to_string()),
                cell(&k.document_count.label()),
                cell(&k.chunk_count.label()),
            ];
            if show_model {
                cells.insert(2, styled(&k.embedding_model, theme.dim()));
            }
            if show_demo {
                cells.insert(1, styled(k.demo_name.as_deref().unwrap_or("—"), theme.dim()));
            }
            cells
        });
    }
    if let Some(a) = detail_area {
        match app.lists.kbs.selected_row() {
            Some(k) => {
                let mut d = Detail::new(a.width, theme);
                let c = k.chunk_settings(app.docs.ingest_defaults);
                let source = if k.chunk_tokens.is_none() && k.chunk_overlap.is_none() { " (defaults)" } else { "" };
                let chunking = format!("{} tokens, {} overlap{source}", c.tokens, c.overlap);
                d.field("Type", &k.kb_type)
                    .opt("Demo", k.demo_name.as_deref())
                    .field("Attached", if k.attached { "yes (the demo uses it)" } else { "no" })
                    .field("Provider", &k.embedding_provider)
                    .field("Model", &k.embedding_model)
                    .field("Dimension", &k.embedding_dim.to_string())
                    .field("Chunking", &chunking)
                    .field("Documents", &k.document_count.label())
                    .field("Chunks", &k.chunk_count.label())
                    .field("Created", &fmt_ts(k.created_at))
                    .field("ID", &k.id.to_string());
                d.heading("Keys").block("Enter documents · u upload · n new knowledge base", theme.dim());
                d.render(f, a, &k.name, app.detail_scroll);
            }
            None => placeholder(f, a, "Knowledge base", "No knowledge base selected (n creates one).", theme),
        }
    }
}

/// What a stored document is: it has chunks, or its text gave none.
fn document_status(chunks: i32) -> &'static str {
    if chunks > 0 { "ready" } else { "no chunks" }
}

fn render_documents(f: &mut Frame, area: Rect, app: &App, theme: &Theme) {
    let (list_area, detail_area) = body_split(area, app);
    if let Some(a) = list_area {
        let columns = [
            col("Filename", Constraint::Fill(1)),
            col("Type", Constraint::Length(9)),
            col("Size", Constraint::Length(8)),
            col("Chunks", Constraint::Length(6)),
            col("Status", Constraint::Length(9)),
            col("Uploaded", Constraint::Length(16)),
        ];
        render_list(f, a, "Documents", &app.lists.documents, &columns, theme, |d| {
            let status = document_status(d.chunk_count);
            vec![
                cell(&d.filename),
                cell(d.content_type.as_deref().unwrap_or("—")),
                cell(&d.size_bytes.map(|b| human_bytes(b as u64)).unwrap_or_else(|| "—".into())),
                cell(&group(d.chunk_count as i64)),
                styled(status, if d.chunk_count > 0 { theme.ok() } else { theme.warning() }),
                styled(&fmt_ts(d.created_at), theme.dim()),
            ]
        });
    }
    if let Some(a) = detail_area {
        match app.lists.documents.selected_row() {
            Some(d) => {
                let mut det = Detail::new(a.width, theme);
                det.field("Filename", &d.filename)
                    .opt("Type", d.content_type.as_deref())
                    .opt("Size", d.size_bytes.map(|b| human_bytes(b as u64)).as_deref())
                    .opt("Text", d.text_bytes.map(|b| human_bytes(b as u64)).as_deref())
                    .field("Chunks", &group(d.chunk_count as i64))
                    .field("Status", document_status(d.chunk_count))
                    .field("Uploaded", &fmt_ts(d.created_at))
                    .field("ID", &d.id.to_string());
                if let Some(kb) = &app.docs.kb {
                    det.field("Model", &format!("{} ({}-d)", kb.embedding_model, kb.embedding_dim));
                }
                det.heading("Keys").block("Enter chunks · d delete · u upload", theme.dim());
                det.render(f, a, &d.filename, app.detail_scroll);
            }
            None => placeholder(f, a, "Document", "No document selected (u uploads files).", theme),
        }
    }
}

fn render_chunks(f: &mut Frame, area: Rect, app: &App, theme: &Theme) {
    let (list_area, detail_area) = body_split(area, app);
    if let Some(a) = list_area {
        let columns = [
            col("#", Constraint::Length(5)),
            col("Tokens", Constraint::Length(6)),
            col("Text", Constraint::Fill(1)),
            col("Dim", Constraint::Length(4)),
        ];
        render_list(f, a, "Chunks", &app.lists.chunks, &columns, theme, |c| {
            // One line of the chunk: its newlines become spaces.
            let flat: String = c.content.split_whitespace().collect::<Vec<_>>().join(" ");
            vec![
                cell(&c.chunk_index.to_string()),
                cell(&c.token_count.map(|t| t.to_string()).unwrap_or_else(|| "—".into())),
                cell(&flat),
                styled(&c.embedding_dim.to_string(), theme.dim()),
            ]
        });
    }
    if let Some(a) = detail_area {
        match app.lists.chunks.selected_row() {
            Some(c) => {
                let mut d = Detail::new(a.width, theme);
                let span = match (c.start_offset, c.end_offset) {
                    (Some(s), Some(e)) => format!("bytes {s}–{e} of the document's text"),
                    _ => "—".into(),
                };
                d.field("Index", &c.chunk_index.to_string())
                    .opt("Tokens", c.token_count.map(|t| t.to_string()).as_deref())
                    .field("Dimension", &c.embedding_dim.to_string())
                    .field("Position", &span)
                    .field("ID", &c.id.to_string());
                d.heading("Text").block(&c.content, theme.base());
                d.render(f, a, &format!("Chunk {}", c.chunk_index), app.detail_scroll);
            }
            None => placeholder(f, a, "Chunk", "No chunk selected.", theme),
        }
    }
}

/// `██████░░░░` for `done` of `total`, `width` cells wide.
fn bar(done: u64, total: u64, width: usize) -> String {
    let filled = if total == 0 { 0 } else { ((done.min(total) as f64 / total as f64) * width as f64).round() as usize };
    format!("{}{}", "█".repeat(filled), "░".repeat(width.saturating_sub(filled)))
}

fn render_job(f: &mut Frame, area: Rect, job: &JobState, theme: &Theme) {
    let inner_w = area.width.saturating_sub(2) as usize;
    let (title, hint) = match &job.finished {
        None if job.cancel_requested => (" Ingest · cancelling… ", " rolling back "),
        None => (" Ingest · running ", " x cancel "),
        Some(Ok(())) => (" Ingest · done ", " x dismiss "),
        Some(Err(_)) => (" Ingest · failed ", " x dismiss "),
    };
    let block = Block::bordered()
        .border_style(theme.border(job.running()))
        .title(Span::styled(title, theme.title()))
        .title(Line::from(Span::styled(format!(" → {} ", sanitize_line(&job.kb_name)), theme.dim())).right_aligned())
        .title_bottom(Line::from(Span::styled(hint, theme.accent())).right_aligned());
    let mut lines: Vec<Line> = Vec::new();
    match &job.finished {
        None => {
            let rate = match (job.rate(), job.eta_secs()) {
                (Some(r), Some(eta)) => format!("  {r:.1} chunks/s · file ETA {}", secs(eta)),
                (Some(r), None) => format!("  {r:.1} chunks/s"),
                _ => String::new(),
            };
            let files = if job.files_total > 0 {
                format!("file {}/{}  ", job.file_index + 1, job.files_total)
            } else {
                "scanning…  ".into()
            };
            let room = inner_w.saturating_sub(files.len() + rate.chars().count());
            lines.push(Line::from(vec![
                Span::styled(files, theme.accent()),
                Span::styled(truncate(&sanitize_line(&job.file), room), theme.base()),
                Span::styled(rate, theme.dim()),
            ]));
            let bar_w = inner_w.saturating_sub(8 + 2 + 16).clamp(4, 50);
            for (i, stage) in Stage::ALL.iter().enumerate() {
                let (done, total) = job.stages[i];
                let style = if total > 0 && done >= total { theme.ok() } else { theme.accent() };
                let count = match stage {
                    Stage::Extract => format!("{} / {}", human_bytes(done), human_bytes(total)),
                    _ => format!("{done} / {total}"),
                };
                lines.push(Line::from(vec![
                    Span::styled(format!("{:<8}  ", stage.name()), theme.dim()),
                    Span::styled(bar(done, total, bar_w), style),
                    Span::styled(format!("  {count}"), theme.base()),
                ]));
            }
        }
        Some(result) => {
            if let Err(e) = result {
                lines.push(Line::from(Span::styled(sanitize_line(e).into_owned(), theme.error())));
            }
            let elapsed = format!("in {}", secs(job.elapsed_secs()));
            lines.push(Line::from(vec![
                Span::styled(format!("{} files ", job.reports.len()), theme.accent()),
                Span::styled(elapsed, theme.dim()),
            ]));
            for r in job.reports.iter().take(4) {
                lines.push(report_line(r, theme));
            }
            if job.reports.len() > 4 {
                lines.push(Line::from(Span::styled(format!("… and {} more", job.reports.len() - 4), theme.dim())));
            }
        }
    }
    let lines: Vec<Line> = lines.into_iter().map(|l| truncate_line(l, inner_w)).collect();
    f.render_widget(Paragraph::new(lines).block(block), area);
}

fn secs(s: f64) -> String {
    fmt_duration(chrono::Duration::milliseconds((s * 1000.0) as i64))
}

/// One file's outcome: `✓ faq.md  12 chunks`.
fn report_line(r: &crate::ingest::FileReport, theme: &Theme) -> Line<'static> {
    let name = sanitize_line(&r.path).into_owned();
    let (mark, text, style) = match &r.outcome {
        Outcome::Stored { chunks, tokens, .. } => ("✓", format!("{chunks} chunks, {tokens} tokens"), theme.ok()),
        Outcome::Duplicate { existing_filename, .. } => {
            ("=", format!("duplicate of {}, skipped", sanitize_line(existing_filename)), theme.dim())
        }
        Outcome::DryRun { chunks } => ("·", crate::text::count_of(chunks.len(), "chunk"), theme.base()),
        Outcome::Failed { error } => ("✗", sanitize_line(error).into_owned(), theme.error()),
        Outcome::Cancelled => ("–", "cancelled, nothing stored".into(), theme.warning()),
    };
    Line::from(vec![
        Span::styled(format!("{mark} "), style),
        Span::styled(name, theme.base()),
        Span::styled("  ", theme.base()),
        Span::styled(text, style),
    ])
}

fn render_preview(f: &mut Frame, area: Rect, up: &UploadState, theme: &Theme) {
    let block = Block::bordered()
        .border_style(theme.border(true))
        .title(Span::styled(format!(" Upload preview → {} ", sanitize_line(&up.kb.name)), theme.title()))
        .title_bottom(
            Line::from(Span::styled(
                " +/- size  </> overlap  j/k file  J/K scroll  Enter store  Esc cancel ",
                theme.accent(),
            ))
            .right_aligned(),
        );
    let inner = block.inner(area);
    f.render_widget(block, area);
    let w = inner.width as usize;

    let mut head = vec![
        Span::styled("chunks of ", theme.dim()),
        Span::styled(format!("{} tokens", up.chunk.tokens), theme.title()),
        Span::styled(", overlap ", theme.dim()),
        Span::styled(format!("{}", up.chunk.overlap), theme.title()),
        Span::styled(format!("  · {} ({}-d)", sanitize_line(&up.kb.embedding_model), up.kb.embedding_dim), theme.dim()),
    ];
    if up.loading {
        head.push(Span::styled("  · chunking…", theme.accent()));
    }
    let files_h = (up.files.len().max(1) as u16).min(5).min(inner.height.saturating_sub(4) / 2).max(1);
    let [head_area, files_area, sep_area, chunks_area] = Layout::vertical([
        Constraint::Length(1),
        Constraint::Length(files_h),
        Constraint::Length(1),
        Constraint::Min(1),
    ])
    .areas(inner);
    f.render_widget(Paragraph::new(truncate_line(Line::from(head), w)), head_area);

    if let Some(e) = &up.error {
        let text = Line::from(Span::styled(format!("preview failed: {}", sanitize_line(e)), theme.error()));
        let below = Rect { y: files_area.y, height: inner.height.saturating_sub(1), ..inner };
        f.render_widget(Paragraph::new(text).wrap(ratatui::widgets::Wrap { trim: true }), below);
        return;
    }
    if up.files.is_empty() {
        let text = if up.loading { "reading and chunking…" } else { "no files found at those paths" };
        f.render_widget(Paragraph::new(Span::styled(text, theme.dim())), files_area);
        return;
    }
    // The files, scrolled so the selected one shows.
    let first = up.selected.saturating_sub(files_h as usize - 1);
    let file_lines: Vec<Line> = up
        .files
        .iter()
        .enumerate()
        .skip(first)
        .take(files_h as usize)
        .map(|(i, r)| {
            let line = report_line(r, theme);
            let line = truncate_line(line, w);
            if i == up.selected { line.style(theme.selection()) } else { line }
        })
        .collect();
    f.render_widget(Paragraph::new(file_lines), files_area);

    let Some(file) = up.files.get(up.selected) else { return };
    let summary = format!(
        "── {} · {} · {} chars{}",
        file.format.unwrap_or("?"),
        human_bytes(file.bytes),
        group(file.text_chars as i64),
        if up.files.len() > 1 { format!(" · file {}/{}", up.selected + 1, up.files.len()) } else { String::new() }
    );
    f.render_widget(Paragraph::new(Span::styled(truncate(&summary, w), theme.dim())), sep_area);

    let mut lines: Vec<Line> = Vec::new();
    for warning in &file.warnings {
        for l in wrap(&sanitize_line(warning), w.saturating_sub(2)) {
            lines.push(Line::from(Span::styled(format!("! {l}"), theme.warning())));
        }
    }
    match &file.outcome {
        Outcome::DryRun { chunks } => {
            for c in chunks.iter().skip(up.scroll) {
                if lines.len() >= chunks_area.height as usize {
                    break;
                }
                let rule = format!("┄ #{} · {} tokens · bytes {}–{} ", c.index, c.tokens, c.start, c.end);
                let fill = w.saturating_sub(crate::text::width(&rule));
                lines.push(Line::from(Span::styled(format!("{rule}{}", "┄".repeat(fill)), theme.accent())));
                for l in wrap(&sanitize_multiline(&c.text), w.saturating_sub(2)) {
                    lines.push(Line::from(Span::styled(format!("  {l}"), theme.base())));
                }
            }
            if chunks.is_empty() {
                lines.push(Line::from(Span::styled("this file gives no chunks", theme.warning())));
            }
        }
        other => {
            let line = match other {
                Outcome::Duplicate { .. } => "already in this knowledge base (same content): it will be skipped",
                Outcome::Failed { .. } => "this file will be skipped; the others carry on",
                _ => "",
            };
            lines.push(Line::from(Span::styled(line, theme.dim())));
        }
    }
    lines.truncate(chunks_area.height as usize);
    f.render_widget(Paragraph::new(lines), chunks_area);
}

fn render_kb_form(f: &mut Frame, area: Rect, kb: &KbForm, app: &App, theme: &Theme) {
    let demo = app.nav.demo.as_ref().map(|d| format!("for {}", d.label)).unwrap_or_default();
    let note = if kb.is_local() {
        "runs in-process; no API key needed"
    } else {
        "OpenAI-compatible endpoint from [embedding.openai]; empty dimensions = the model's native size"
    };
    let text = super::form::FormText { title: "New knowledge base", subtitle: &demo, submit: "create", note };
    super::form::render(f, area, &kb.form, &text, theme);
}
