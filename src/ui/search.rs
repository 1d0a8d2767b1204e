//! Search pane: the query and settings, the ranked chunks (or the hybrid
//! fusion table), and for the selected chunk its whole text with the
//! query's words highlighted, the score histogram with the threshold on
//! it, the comparison with exact search, and the plan when asked.

use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::style::Style;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Paragraph, Wrap};

use crate::db::RowCount;

use super::table::{Column, TextCell, cell, col, render_rows, styled};
use crate::app::App;
use crate::app::search::SearchPane;
use crate::layout::{SEARCH_HEADER, detail_beside};
use crate::sanitize::sanitize_line;
use crate::search::{Outcome, Scope};
use crate::theme::Theme;

pub fn render(f: &mut Frame, area: Rect, app: &App, theme: &Theme) {
    let pane = &app.search;
    let [header, body] = Layout::vertical([Constraint::Length(SEARCH_HEADER), Constraint::Min(3)]).areas(area);
    render_header(f, header, pane, app.foreign(), theme);
    let Some(scope) = &pane.scope else {
        let text = if app.foreign() {
            "Nothing to search yet. In a list of chunks or memories (or on the row they belong to), \
                        press s to ask a question, or m on one of them for more like it."
        } else {
            "No knowledge base yet. In the Documents tab (5), select one and press s to search it, \
                     or press m on a chunk to search for more like it."
        };
        let p = Paragraph::new(Span::styled(text, theme.dim())).wrap(Wrap { trim: true });
        f.render_widget(p.block(Block::bordered().border_style(theme.border(false))), body);
        return;
    };
    let (list, detail) = if detail_beside(area.width) {
        let [l, r] = Layout::horizontal([Constraint::Percentage(58), Constraint::Percentage(42)]).areas(body);
        (l, r)
    } else {
        let [l, r] = Layout::vertical([Constraint::Percentage(50), Constraint::Percentage(50)]).areas(body);
        (l, r)
    };
    render_results(f, list, pane, scope, theme);
    render_detail(f, detail, pane, theme);
}

/// `foreign`: the console reads another platform's layout.
fn render_header(f: &mut Frame, area: Rect, p: &SearchPane, foreign: bool, theme: &Theme) {
    let mut lines = Vec::new();
    let kb = match &p.scope {
        Some(Scope::Knowledge(kb)) => format!(
            "{} ({}:{}, {}-d)",
            sanitize_line(&kb.name),
            sanitize_line(&kb.embedding_provider),
            sanitize_line(&kb.embedding_model),
            kb.embedding_dim
        ),
        Some(scope @ Scope::Layout(l)) => format!("{} ({})", sanitize_line(&scope.name()), sanitize_line(&l.layout)),
        None if foreign => "nothing to search: s on a list of chunks (or their row), m on a chunk".into(),
        None => "no knowledge base".into(),
    };
    let query = match &p.query {
        Some(crate::search::Query::Like(id)) => {
            format!("more like {}", crate::text::truncate(&sanitize_line(id), 13))
        }
        // (Another platform's vectors need a scope first: `/` has none to ask.)
        _ if p.text.is_empty() && foreign && p.scope.is_none() => String::new(),
        _ if p.text.is_empty() => "/ to type a question".into(),
        _ => sanitize_line(&p.text).into_owned(),
    };
    // The question first: a long scope must not push it off a narrow screen.
    lines.push(Line::from(vec![
        Span::styled(" ⌕ ", theme.accent()),
        Span::styled(query, theme.base()),
        Span::styled(if p.scope.is_some() { "  in " } else { "  · " }, theme.dim()),
        Span::styled(kb, theme.title()),
    ]));
    // Before anything is chosen, ours are searched through HNSW.
    let native = !foreign && !matches!(p.scope, Some(Scope::Layout(_)));
    let index = match &p.scope {
        Some(scope) => scope.index(),
        None if native => Some("hnsw"),
        None => None,
    };
    let how = match index {
        _ if p.exact => "exact scan".to_string(),
        None => "exact scan (no vector index)".into(),
        Some(_) if native && !p.metric.indexed() => "exact scan (index serves cosine only)".into(),
        // Another platform's breadth is its server's until set here.
        Some(index) if !native => {
            let name = if index == "ivfflat" { "ivfflat probes" } else { "HNSW ef_search" };
            // The server's setting, as the last search read it.
            match (p.breadth, p.result.as_ref().and_then(|o| o.breadth)) {
                (Some(n), _) => format!("{name} {n}"),
                (None, Some(n)) => format!("{name} {n} (the server's)"),
                (None, None) => format!("{name}: the server's"),
            }
        }
        Some(_) => {
            format!("HNSW ef_search {}{}", p.ef_search, if p.iterative_scan { " iterative" } else { "" })
        }
    };
    let threshold = match (p.threshold, p.metric == crate::db::search::Metric::Cosine) {
        (Some(t), true) => format!("sim > {t:.2}"),
        (Some(_), false) => "threshold off (cosine only)".into(),
        (None, _) => "no threshold".into(),
    };
    // Which model embedded the question (another platform's vectors), once one was.
    let model = p.result.as_ref().and_then(|o| o.model.as_ref()).map(|m| format!(" · query by {}", sanitize_line(m)));
    let settings = format!(
        " k {} · {} · {} · {}{}{}{}",
        p.k,
        p.metric.name(),
        how,
        threshold,
        if p.compare && !p.exact && index.is_some() { " · vs exact" } else { "" },
        if p.hybrid { " · hybrid" } else { "" },
        model.unwrap_or_default()
    );
    // Nothing chosen on another platform's layout: no settings to show yet.
    let settings = if foreign && p.scope.is_none() { String::new() } else { settings };
    lines.push(Line::from(Span::styled(settings, theme.dim())));
    let status = match (&p.result, &p.error) {
        (_, Some(e)) => Line::from(Span::styled(format!(" {}", sanitize_line(e)), theme.error())),
        (Some(o), None) => summary(o, theme),
        (None, None) if p.loading => Line::from(Span::styled(" searching…", theme.dim())),
        (None, None) => Line::from(Span::raw("")),
    };
    lines.push(status);
    f.render_widget(Paragraph::new(lines), area);
}

/// What the result says, most important first (the line is cut on narrow
/// screens): how many pass the threshold, recall, the platform's function,
/// then the timings.
fn summary(o: &Outcome, theme: &Theme) -> Line<'static> {
    let mut spans = vec![Span::raw(" ")];
    let mut push = |text: String, style: Style| {
        if spans.len() > 1 {
            spans.push(Span::styled(" · ", theme.dim()));
        }
        spans.push(Span::styled(text, style));
    };
    if o.passed < o.rows.len() {
        push(format!("{} of {} pass the threshold", o.passed, o.rows.len()), theme.warning());
    }
    if (o.rows.len() as u32) < o.k {
        push(format!("only {} rows for k {}", o.rows.len(), o.k), theme.warning());
    }
    if let Some(c) = &o.compare {
        let style = if c.recall < 1.0 { theme.warning() } else { theme.ok() };
        push(format!("recall@{} {:.2}", o.k, c.recall), style);
    }
    match o.platform_agrees {
        Some(true) => push("match_chunks agrees".into(), theme.ok()),
        Some(false) => push("match_chunks DIFFERS".into(), theme.error()),
        None => {}
    }
    push(format!("embed {:.0} ms, query {:.1} ms, total {:.0} ms", o.embed_ms, o.query_ms, o.total_ms), theme.dim());
    Line::from(spans)
}

fn render_results(f: &mut Frame, area: Rect, p: &SearchPane, scope: &Scope, theme: &Theme) {
    // Fused scores are ranks, not similarities: never held against the threshold.
    let hybrid = p.result.as_ref().is_some_and(|o| o.hybrid.is_some());
    let title = if hybrid { " Hybrid (RRF; threshold not applied to fused) " } else { " Results " };
    let position = p.result.as_ref().map(|_| format!(" {} of {} ", p.selected + 1, p.shown_rows())).unwrap_or_default();
    let block = Block::bordered()
        .border_style(theme.border(true))
        .title(Span::styled(title, theme.title()))
        .title(Line::from(Span::styled(position, theme.dim())).right_aligned());
    let inner = block.inner(area);
    f.render_widget(block, area);
    let Some(o) = &p.result else {
        let (text, style) = match (&p.error, p.loading) {
            (_, true) => ("Searching…".to_string(), theme.dim()),
            // Why there are no rows, whole (the line above cuts it).
            (Some(e), false) => (sanitize_line(e).into_owned(), theme.error()),
            (None, false) => ("Type a question with /: it is searched as you type.".to_string(), theme.dim()),
        };
        f.render_widget(Paragraph::new(Span::styled(text, style)).wrap(Wrap { trim: true }), inner);
        return;
    };
    if o.rows.is_empty() {
        let text = match scope {
            // Through the index in a single pass, nothing may come back
            // though rows exist: its first candidates can all be other
            // bases' (an iterative scan goes on for this one's).
            Scope::Knowledge(kb)
                if !o.exact && o.index_serves_metric && !p.iterative_scan && kb.chunk_count != RowCount::Exact(0) =>
            {
                "Nothing came back through the index in one pass: its first candidates were all other \
                 knowledge bases' chunks. I scans on until this one's come (iterative scan); x searches exactly."
                    .to_string()
            }
            Scope::Knowledge(_) => "No chunks in this knowledge base.".to_string(),
            Scope::Layout(l) => format!("No {} with a vector here.", sanitize_line(&l.label)),
        };
        f.render_widget(Paragraph::new(Span::styled(text, theme.dim())).wrap(Wrap { trim: true }), inner);
        return;
    }
    if let Some(fused) = &o.hybrid {
        let columns: [Column; 7] = [
            col("#", Constraint::Length(3)),
            col("V.rank", Constraint::Length(6)),
            col("V.score", Constraint::Length(7)),
            col("T.rank", Constraint::Length(6)),
            col("T.score", Constraint::Length(7)),
            col("Fused", Constraint::Length(7)),
            col("Document#chunk · text", Constraint::Fill(1)),
        ];
        let dash = || cell("—");
        render_rows(f, inner, fused, p.selected, p.offset, &columns, theme, None, |i, r| {
            vec![
                cell(&(i + 1).to_string()),
                r.vector_rank.map(|v| cell(&v.to_string())).unwrap_or_else(dash),
                r.vector_score.map(|v| cell(&format!("{v:.3}"))).unwrap_or_else(dash),
                r.text_rank.map(|v| cell(&v.to_string())).unwrap_or_else(dash),
                r.text_score.map(|v| cell(&format!("{v:.3}"))).unwrap_or_else(dash),
                cell(&format!("{:.4}", r.fused)),
                cell(&format!("{}#{} · {}", r.filename, r.chunk_index, one_line(&r.content))),
            ]
        });
        return;
    }
    // Our chunks have a document, a place in it and a token count;
    // another platform's rows are known by their id.
    let ours = matches!(scope, Scope::Knowledge(_));
    let mut columns: Vec<Column> = vec![
        col("#", Constraint::Length(3)),
        // Room for a sign: inner products and far vectors go negative.
        col("Sim", Constraint::Length(7)),
        col("Dist", Constraint::Length(6)),
        // Another platform's rows by where they come from, where the layout names it.
        col(
            match (ours, o.rows.iter().any(|r| !r.filename.is_empty())) {
                (true, _) => "Document#chunk",
                (false, true) => "From",
                (false, false) => "Id",
            },
            Constraint::Fill(2),
        ),
    ];
    if ours {
        columns.push(col("Tok", Constraint::Length(4)));
    }
    columns.push(col("Text", Constraint::Fill(3)));
    render_rows(f, inner, &o.rows, p.selected, p.offset, &columns, theme, None, |i, r| {
        // Rows below the threshold stay visible, dimmed: how far the winners stand out.
        let below = i >= o.passed;
        let style = if below { theme.dim() } else { Style::default() };
        let c = |s: &str| -> TextCell { styled(s, style) };
        let mut cells = vec![
            c(&r.rank.to_string()),
            c(&r.similarity.map(|s| format!("{s:.3}")).unwrap_or_else(|| "—".into())),
            c(&format!("{:.3}", r.distance)),
            // Where it is from: pages of one site differ at their end.
            c(&r.place()).cut_in_the_middle(),
        ];
        if ours {
            cells.push(c(&r.token_count.map(|t| t.to_string()).unwrap_or_default()));
        }
        cells.push(c(&one_line(&r.content)));
        cells
    });
}

fn one_line(s: &str) -> String {
    s.split_whitespace().collect::<Vec<_>>().join(" ")
}

fn render_detail(f: &mut Frame, area: Rect, p: &SearchPane, theme: &Theme) {
    let block = Block::bordered().border_style(theme.border(false));
    let inner = block.inner(area);
    let width = inner.width.max(10) as usize;
    let mut lines: Vec<Line<'static>> = Vec::new();
    if let Some((plan, indexed)) = &p.plan {
        // Asked through the index, the planner may still compare every
        // vector (a small scope): then the index's settings did nothing.
        // (Held against what the plan's search asked, not the settings now.)
        let verdict = match (*indexed, p.plan_through_index) {
            (true, _) => ("the vector index served it", theme.ok()),
            (false, true) => (
                "no vector index used: the planner compared every vector, so probes/ef_search did nothing",
                theme.warning(),
            ),
            (false, false) => ("no vector index used", theme.warning()),
        };
        lines.push(Line::from(Span::styled("EXPLAIN (ANALYZE, BUFFERS):", theme.title())));
        for part in crate::text::wrap(verdict.0, width) {
            lines.push(Line::from(Span::styled(part, verdict.1)));
        }
        for l in plan.lines() {
            for part in crate::text::wrap(&sanitize_line(l), width) {
                lines.push(Line::from(Span::styled(part, theme.base())));
            }
        }
        let scroll = detail_scroll(p, &lines, inner.height);
        f.render_widget(
            Paragraph::new(lines).block(block.title(" Plan (J/K scroll, p hides) ")).scroll((scroll, 0)),
            area,
        );
        return;
    }
    let Some(o) = &p.result else {
        f.render_widget(block.title(" Chunk "), area);
        return;
    };
    if let Some(answer) = &p.replay_answer {
        lines.push(Line::from(Span::styled("The bot answered:", theme.title())));
        let safe = crate::sanitize::sanitize_multiline(answer).into_owned();
        for part in crate::text::wrap(&safe, width).into_iter().take(6) {
            lines.push(Line::from(Span::styled(part, theme.role("assistant"))));
        }
        lines.push(Line::raw(""));
    }
    // The threshold the shown result was searched with (a re-run may be loading).
    lines.extend(histogram(&o.scores, o.threshold, width, theme));
    if let Some(c) = &o.compare {
        lines.push(Line::from(Span::styled(
            format!(
                "vs exact ({:.1} ms): {} moved, {} appeared, {} vanished",
                c.exact_ms,
                c.moved.len(),
                c.appeared.len(),
                c.vanished.len()
            ),
            theme.dim(),
        )));
    }
    let words: Vec<String> = crate::text::words(&p.text).into_iter().filter(|w| w.chars().count() > 2).collect();
    let (title, text) = match (&o.hybrid, o.rows.get(p.selected)) {
        (Some(fused), _) => match fused.get(p.selected) {
            Some(r) => (format!(" {}#{} ", r.filename, r.chunk_index), r.content.clone()),
            None => (" Chunk ".into(), String::new()),
        },
        // Another platform's row: where it comes from and its id.
        (None, Some(r)) if r.chunk_index.is_none() && !r.filename.is_empty() => {
            (format!(" {} · {} ", r.filename, r.chunk_id), r.content.clone())
        }
        (None, Some(r)) => (format!(" {} ", r.place()), r.content.clone()),
        (None, None) => (" Chunk ".into(), String::new()),
    };
    lines.push(Line::raw(""));
    let selected = o.rows.get(p.selected);
    let around = p
        .neighbours
        .as_ref()
        .filter(|(c, _)| o.hybrid.is_none() && selected.map(|r| &r.chunk_id) == Some(c))
        .map(|(_, n)| n);
    let index = selected.and_then(|r| r.chunk_index).unwrap_or(0);
    let neighbour = |lines: &mut Vec<Line<'static>>, before: bool| {
        let Some(n) = around else { return };
        for (i, t) in n.iter().filter(|(i, _)| (*i < index) == before) {
            let label = if before { "before" } else { "after" };
            let safe = crate::sanitize::sanitize_multiline(t).into_owned();
            let text = crate::text::truncate(&one_line(&safe), width.saturating_sub(12));
            lines.push(Line::from(vec![
                Span::styled(format!("{label} #{i}: "), theme.dim()),
                Span::styled(text, theme.dim()),
            ]));
        }
    };
    neighbour(&mut lines, true);
    // Another platform's row: its whole id, to copy (`--like-row`, `#`).
    if let Some(r) = selected.filter(|r| r.chunk_index.is_none() && o.hybrid.is_none()) {
        for part in crate::text::wrap(&format!("id {}", sanitize_line(&r.chunk_id)), width) {
            lines.push(Line::from(Span::styled(part, theme.dim())));
        }
    }
    let safe = crate::sanitize::sanitize_multiline(&text).into_owned();
    for part in crate::text::wrap(&safe, width) {
        lines.push(highlight(&part, &words, theme));
    }
    neighbour(&mut lines, false);
    let scroll = detail_scroll(p, &lines, inner.height);
    // Where there is more than shows, the title says how to read it.
    let more = if p.detail_room.get() > 0 { "(J/K scroll) " } else { "" };
    let title = format!("{}{more}", sanitize_line(&title));
    f.render_widget(
        Paragraph::new(lines).block(block.title(Span::styled(title, theme.title()))).scroll((scroll, 0)),
        area,
    );
}

/// How far the detail is scrolled, within what `lines` (wrapped as drawn)
/// leave past `height`; records that room, where `J` stops.
fn detail_scroll(p: &SearchPane, lines: &[Line<'_>], height: u16) -> u16 {
    let room = lines.len().saturating_sub(height as usize) as u16;
    p.detail_room.set(room);
    p.detail_scroll.min(room)
}

/// A one-line bar chart of the top scores (best on the right) with the
/// threshold marked under it, and the range.
fn histogram(scores: &[f64], threshold: Option<f64>, width: usize, theme: &Theme) -> Vec<Line<'static>> {
    if scores.is_empty() {
        return Vec::new();
    }
    let (lo, hi) = scores.iter().fold((f64::MAX, f64::MIN), |(a, b), s| (a.min(*s), b.max(*s)));
    let lo = threshold.map_or(lo, |t| lo.min(t));
    let hi = threshold.map_or(hi, |t| hi.max(t));
    let bins = (scores.len() / 2).clamp(10, 60).min(width.max(10));
    let span = (hi - lo).max(1e-9);
    let bin_of = |s: f64| (((s - lo) / span) * (bins as f64 - 1.0)).round() as usize;
    let mut counts = vec![0usize; bins];
    for s in scores {
        counts[bin_of(*s).min(bins - 1)] += 1;
    }
    let max = *counts.iter().max().unwrap_or(&1);
    const BARS: [char; 9] = [' ', '▁', '▂', '▃', '▄', '▅', '▆', '▇', '█'];
    let bars: String = counts.iter().map(|c| BARS[(c * 8).div_ceil(max.max(1)).min(8)]).collect();
    let mut marker = vec![' '; bins];
    if let Some(t) = threshold {
        marker[bin_of(t).min(bins - 1)] = '↑';
    }
    let mut out = vec![
        Line::from(Span::styled(format!("top {} scores, {lo:.2} … {hi:.2}", scores.len()), theme.title())),
        Line::from(Span::styled(bars, theme.accent())),
    ];
    if threshold.is_some() {
        out.push(Line::from(vec![
            Span::styled(marker.into_iter().collect::<String>(), theme.warning()),
            Span::styled(" threshold", theme.dim()),
        ]));
    }
    out
}

/// A line with the query's words highlighted (case-insensitive).
fn highlight(line: &str, words: &[String], theme: &Theme) -> Line<'static> {
    if words.is_empty() {
        return Line::from(Span::styled(line.to_string(), theme.base()));
    }
    let lower = line.to_lowercase();
    // Byte ranges to highlight; lower-casing may change lengths, so only
    // matches where it did not are used (ASCII and most scripts).
    let mut marks: Vec<(usize, usize)> = Vec::new();
    if lower.len() == line.len() {
        for w in words {
            let mut from = 0;
            while let Some(i) = lower[from..].find(w.as_str()) {
                let start = from + i;
                marks.push((start, start + w.len()));
                from = start + w.len();
            }
        }
    }
    marks.sort();
    let mut spans = Vec::new();
    let mut at = 0;
    for (s, e) in marks {
        if s < at || !line.is_char_boundary(s) || !line.is_char_boundary(e) {
            continue;
        }
        spans.push(Span::styled(line[at..s].to_string(), theme.base()));
        spans.push(Span::styled(line[s..e].to_string(), theme.matched()));
        at = e;
    }
    spans.push(Span::styled(line[at..].to_string(), theme.base()));
    Line::from(spans)
}
