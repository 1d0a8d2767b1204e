//! The transcript of one session: messages loaded page by page, laid out
//! into display lines for the current width (cached, extended as pages
//! arrive), with line scrolling, message jumps and in-transcript search.

use uuid::Uuid;

use super::InputPurpose;
use crate::action::Effect;
use crate::export::Format;
use crate::keymap::Command;

use crate::db::Cursor;
use crate::db::messages::MessageRow;
use crate::db::sessions::SessionRow;
use crate::sanitize::sanitize_multiline;
use crate::text::wrap;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LineKind {
    Header,
    Body,
    Meta,
    Blank,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Line {
    pub msg: usize,
    pub kind: LineKind,
    pub text: String,
}

#[derive(Debug, Clone, Default)]
pub struct Search {
    pub query: String,
    /// Indices of lines containing the query (case-insensitive).
    pub matches: Vec<usize>,
    pub current: usize,
    /// `current` has been jumped to (n/N continue from it).
    pub visited: bool,
}

#[derive(Debug, Clone, Default)]
pub struct Transcript {
    pub session_id: Option<Uuid>,
    pub session: Option<SessionRow>,
    pub messages: Vec<MessageRow>,
    pub next: Option<Cursor>,
    pub generation: u64,
    pub loading: bool,
    pub error: Option<String>,
    /// Top visible line.
    pub scroll: usize,
    /// Selected message index.
    pub selected: usize,
    pub show_meta: bool,
    pub lines: Vec<Line>,
    /// First line of each message.
    pub msg_start: Vec<usize>,
    /// Width the lines were laid out for.
    pub layout_width: usize,
    pub search: Option<Search>,
    /// Keep loading pages, then jump to the end (G).
    pub follow_to_end: bool,
    /// Re-run the search when all pages are in.
    pub search_pending: bool,
}

impl Transcript {
    pub fn reset(&mut self, session: Uuid, generation: u64) {
        *self = Transcript { show_meta: self.show_meta, layout_width: self.layout_width, ..Default::default() };
        self.session_id = Some(session);
        self.generation = generation;
        self.loading = true;
    }

    pub fn complete(&self) -> bool {
        self.next.is_none() && !self.loading
    }

    /// Lays out messages from `from` on, appending lines.
    fn layout_from(&mut self, from: usize) {
        let width = self.layout_width.max(10);
        for (i, m) in self.messages.iter().enumerate().skip(from) {
            self.msg_start.push(self.lines.len());
            self.lines.push(Line { msg: i, kind: LineKind::Header, text: String::new() });
            let body = sanitize_multiline(&m.content);
            for l in wrap(&body, width) {
                self.lines.push(Line { msg: i, kind: LineKind::Body, text: l });
            }
            if self.show_meta {
                let pretty = serde_json::to_string_pretty(&m.metadata).unwrap_or_default();
                for l in wrap(&sanitize_multiline(&pretty), width) {
                    self.lines.push(Line { msg: i, kind: LineKind::Meta, text: l });
                }
            }
            self.lines.push(Line { msg: i, kind: LineKind::Blank, text: String::new() });
        }
    }

    /// Re-lays out everything (width or metadata toggle changed), keeping
    /// the top message in place.
    pub fn relayout(&mut self, width: usize) {
        // Keep the message at the top of the screen at the top.
        let top_msg = self.lines.get(self.scroll).map(|l| l.msg);
        self.layout_width = width;
        self.lines.clear();
        self.msg_start.clear();
        self.layout_from(0);
        if let Some(m) = top_msg {
            self.scroll = self.msg_start.get(m).copied().unwrap_or(0);
        }
        self.refresh_search();
    }

    pub fn ensure_layout(&mut self, width: usize) {
        if width != self.layout_width {
            self.relayout(width);
        }
    }

    pub fn append(&mut self, rows: Vec<MessageRow>, next: Option<Cursor>) {
        let from = self.messages.len();
        self.messages.extend(rows);
        self.next = next;
        self.layout_from(from);
        self.refresh_search();
    }

    /// The selected message (highlighted; what `y` copies).
    pub fn selected_message(&self) -> Option<usize> {
        (!self.messages.is_empty()).then(|| self.selected.min(self.messages.len() - 1))
    }

    pub fn max_scroll(&self, height: usize) -> usize {
        self.lines.len().saturating_sub(height.max(1))
    }

    /// Line range [start, end) of message `m`.
    fn message_lines(&self, m: usize) -> (usize, usize) {
        let start = self.msg_start.get(m).copied().unwrap_or(0);
        let end = self.msg_start.get(m + 1).copied().unwrap_or(self.lines.len());
        (start, end)
    }

    /// Scrolls by lines; a selection that leaves the screen follows it.
    pub fn scroll_by(&mut self, delta: isize, height: usize) {
        let max = self.max_scroll(height) as isize;
        self.scroll = (self.scroll as isize + delta).clamp(0, max.max(0)) as usize;
        if let Some(sel) = self.selected_message() {
            let (start, end) = self.message_lines(sel);
            if end <= self.scroll || start >= self.scroll + height.max(1) {
                let line = if delta >= 0 {
                    self.scroll
                } else {
                    (self.scroll + height.max(1) - 1).min(self.lines.len().saturating_sub(1))
                };
                self.selected = self.lines.get(line).map(|l| l.msg).unwrap_or(0);
            }
        }
    }

    /// Selects message `m` and scrolls its first line to the top (as far as
    /// the end of the transcript allows).
    pub fn select_message(&mut self, m: usize, height: usize) {
        if self.messages.is_empty() {
            return;
        }
        self.selected = m.min(self.messages.len() - 1);
        let (start, _) = self.message_lines(self.selected);
        self.scroll = start.min(self.max_scroll(height));
    }

    pub fn jump_message(&mut self, forward: bool, height: usize) {
        let Some(cur) = self.selected_message() else {
            return;
        };
        let target = if forward { cur + 1 } else { cur.saturating_sub(1) };
        self.select_message(target, height);
    }

    pub fn to_end(&mut self, height: usize) {
        if let Some(last) = self.messages.len().checked_sub(1) {
            self.selected = last;
            self.scroll = self.max_scroll(height);
        }
    }

    pub fn set_search(&mut self, query: &str) {
        if query.is_empty() {
            self.search = None;
            return;
        }
        self.search = Some(Search { query: query.to_string(), ..Default::default() });
        self.refresh_search();
    }

    fn refresh_search(&mut self) {
        let Some(search) = &mut self.search else {
            return;
        };
        let q = search.query.to_lowercase();
        search.matches = self
            .lines
            .iter()
            .enumerate()
            .filter(|(_, l)| l.kind == LineKind::Body && l.text.to_lowercase().contains(&q))
            .map(|(i, _)| i)
            .collect();
        if search.current >= search.matches.len() {
            search.current = 0;
        }
    }

    /// Moves to the next (or previous) match from the current scroll
    /// position, wrapping around. Returns false when there is none.
    pub fn goto_match(&mut self, forward: bool, height: usize) -> bool {
        let scroll = self.scroll;
        let Some(search) = &mut self.search else {
            return false;
        };
        if search.matches.is_empty() {
            return false;
        }
        let n = search.matches.len();
        let idx = if search.visited {
            if forward { (search.current + 1) % n } else { (search.current + n - 1) % n }
        } else if forward {
            search.matches.iter().position(|&l| l >= scroll).unwrap_or(0)
        } else {
            search.matches.iter().rposition(|&l| l < scroll + height.max(1)).unwrap_or(n - 1)
        };
        search.visited = true;
        search.current = idx;
        let line = search.matches[idx];
        self.scroll = line.saturating_sub(2).min(self.max_scroll(height));
        self.selected = self.lines[line].msg;
        true
    }

    pub fn current_match_line(&self) -> Option<usize> {
        self.search.as_ref().and_then(|s| s.matches.get(s.current).copied())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    pub fn msg(i: usize, role: &str, content: &str) -> MessageRow {
        MessageRow {
            id: Uuid::from_u128(i as u128 + 1),
            session_id: Uuid::nil(),
            role: role.into(),
            content: content.into(),
            created_at: chrono::Utc.with_ymd_and_hms(2026, 1, 1, 0, 0, i as u32).unwrap(),
            token_count: 3,
            metadata: serde_json::json!({"k": i}),
        }
    }

    #[test]
    fn layout_search_and_jumps() {
        let mut t = Transcript::default();
        t.reset(Uuid::nil(), 1);
        t.layout_width = 20;
        t.loading = false;
        t.append(
            vec![
                msg(0, "user", "hello there, I need help"),
                msg(1, "assistant", "Sure! What do you need?"),
                msg(2, "user", "help with booking"),
            ],
            None,
        );
        // header + 2 body + blank, header + 2 body + blank, header + 1 body + blank
        assert_eq!(t.lines.len(), 11);
        assert_eq!(t.msg_start, vec![0, 4, 8]);
        t.jump_message(true, 5);
        assert_eq!(t.selected_message(), Some(1));
        t.set_search("HELP");
        assert_eq!(t.search.as_ref().unwrap().matches, vec![2, 9]);
        t.scroll = 0;
        assert!(t.goto_match(true, 5));
        assert_eq!(t.current_match_line(), Some(2));
        t.show_meta = true;
        t.relayout(20);
        assert!(t.lines.iter().any(|l| l.kind == LineKind::Meta));
    }

    #[test]
    fn hostile_content_is_laid_out_safely() {
        let mut t = Transcript::default();
        t.layout_width = 40;
        t.append(vec![msg(0, "user", "\x1b]2;owned\x07\x1b[2J")], None);
        let body: Vec<_> = t.lines.iter().filter(|l| l.kind == LineKind::Body).collect();
        assert_eq!(body[0].text, "␛]2;owned␇␛[2J");
    }
}

/// The Transcript pane's keys: scrolling, message jumps, search, export
/// and copy. Its state is the `Transcript` above.
impl super::App {
    pub(super) fn start_search(&mut self, query: &str) {
        let (_, height) = self.transcript_viewport();
        let t = &mut self.transcript;
        t.set_search(query);
        if t.search.is_none() {
            return;
        }
        if t.complete() {
            if !t.goto_match(true, height) {
                self.error(format!("no match for '{query}'"));
            }
        } else {
            // Search covers the whole transcript: load the rest first.
            t.search_pending = true;
        }
    }

    pub(super) fn open_transcript(&mut self, id: Uuid, fx: &mut Vec<Effect>) {
        let generation = self.next_generation();
        self.transcript.reset(id, generation);
        fx.push(Effect::LoadSession { generation, id });
        fx.push(Effect::LoadMessages { generation, session: id, after: None });
    }

    pub(super) fn on_transcript_command(&mut self, cmd: Command, fx: &mut Vec<Effect>) {
        use Command::*;
        let (width, height) = self.transcript_viewport();
        let t = &mut self.transcript;
        let Some(session) = t.session_id else {
            if cmd != Search {
                self.error("no transcript open: pick a session in the Sessions tab");
            }
            return;
        };
        let page = height.saturating_sub(2).max(1) as isize;
        if matches!(cmd, Up | Down | PageUp | PageDown | Top | Bottom | NextMessage | PrevMessage) {
            // After moving by hand, n/N search from the screen again.
            if let Some(s) = &mut t.search {
                s.visited = false;
            }
        }
        match cmd {
            Up => t.scroll_by(-1, height),
            Down => t.scroll_by(1, height),
            PageUp => t.scroll_by(-page, height),
            PageDown => t.scroll_by(page, height),
            Top => t.select_message(0, height),
            Bottom => {
                t.to_end(height);
                if !t.complete() {
                    t.follow_to_end = true;
                }
            }
            NextMessage => t.jump_message(true, height),
            PrevMessage => t.jump_message(false, height),
            Search => {
                let current = t.search.as_ref().map(|s| s.query.clone()).unwrap_or_default();
                self.open_input(InputPurpose::Search, &current);
            }
            SearchNext | SearchPrev => {
                if t.search.is_none() {
                    self.error("no search: press / first");
                } else if !t.goto_match(cmd == SearchNext, height) {
                    self.error("no match");
                }
            }
            ToggleMetadata => {
                t.show_meta = !t.show_meta;
                t.relayout(width);
                // The selected message stays on screen.
                let sel = t.selected;
                t.select_message(sel, height);
            }
            ExportMarkdown | ExportJson => {
                self.exports_in_flight += 1;
                let format = if cmd == ExportMarkdown { Format::Md } else { Format::Json };
                fx.push(Effect::Export { session, format });
                self.info("exporting…");
            }
            CopyMessage => {
                if let Some(m) = t.selected_message().and_then(|i| t.messages.get(i)) {
                    let text = crate::sanitize::sanitize_multiline(&m.content).into_owned();
                    let n = text.chars().count();
                    fx.push(Effect::Copy(text));
                    self.info(format!("copied message ({n} chars) to the clipboard (OSC 52)"));
                }
            }
            CopyTranscript => {
                if !t.complete() {
                    self.error("the transcript is still loading: press G to load it all, then copy");
                } else if let Some(s) = &t.session {
                    let md = crate::export::render(Format::Md, s, &t.messages);
                    let n = t.messages.len();
                    fx.push(Effect::Copy(md));
                    self.info(format!("copied transcript ({n} messages) to the clipboard (OSC 52)"));
                }
            }
            _ => {}
        }
    }
}
