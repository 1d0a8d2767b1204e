//! The transcript of one session: messages loaded page by page, laid out
//! into display lines for the current width (cached, extended as pages
//! arrive), with line scrolling, message jumps and in-transcript search.

use super::{InputPurpose, Reply};
use crate::action::Effect;
use crate::export::Format;
use crate::keymap::Command;

use crate::db::conversation::{ConversationHead, Utterance};
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
    /// The open conversation's id (as text: any layout's).
    pub session_id: Option<String>,
    pub session: Option<ConversationHead>,
    /// The heading's read found the connection gone (read again when the
    /// server is back).
    pub session_lost: bool,
    pub messages: Vec<Utterance>,
    pub next: Option<Vec<Option<String>>>,
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
    /// Exports started and not yet reported (they outlive a switch of session).
    pub exports_in_flight: usize,
}

impl Transcript {
    pub fn reset(&mut self, session: String, generation: u64) {
        *self = Transcript {
            show_meta: self.show_meta,
            layout_width: self.layout_width,
            exports_in_flight: self.exports_in_flight,
            ..Default::default()
        };
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
            if let (true, Some(meta)) = (self.show_meta, m.metadata.as_ref().filter(|v| says_something(v))) {
                let pretty = serde_json::to_string_pretty(meta).unwrap_or_default();
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

    pub fn append(&mut self, rows: Vec<Utterance>, next: Option<Vec<Option<String>>>) {
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

/// Metadata worth a line: not NULL, not an empty object (a column's `{}`
/// default, kept exactly in exports, says nothing on screen).
fn says_something(v: &serde_json::Value) -> bool {
    !(v.is_null() || v.as_object().is_some_and(|m| m.is_empty()))
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    pub fn msg(i: usize, role: &str, content: &str) -> Utterance {
        Utterance {
            id: (i + 1).to_string(),
            role: role.into(),
            content: content.into(),
            created_at: Some(chrono::Utc.with_ymd_and_hms(2026, 1, 1, 0, 0, i as u32).unwrap()),
            token_count: Some(3),
            metadata: Some(serde_json::json!({"k": i})),
        }
    }

    #[test]
    fn layout_search_and_jumps() {
        let mut t = Transcript::default();
        t.reset("s1".into(), 1);
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
        // An empty object (a column's default) or NULL has no line.
        for m in &mut t.messages {
            m.metadata = Some(serde_json::json!({}));
        }
        t.messages[2].metadata = Some(serde_json::Value::Null);
        t.relayout(20);
        assert!(!t.lines.iter().any(|l| l.kind == LineKind::Meta));
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

/// The Transcript pane's keys, handled by the pane itself: scrolling,
/// message jumps, search, export and copy. What it needs from the rest of
/// the app (effects to run, a message, the search prompt) it asks for in
/// its `Reply`.
impl Transcript {
    /// Starts loading session `id` under `generation`.
    pub fn open(&mut self, id: String, generation: u64) -> Vec<Effect> {
        self.reset(id.clone(), generation);
        vec![
            Effect::LoadSession { generation, id: id.clone() },
            Effect::LoadMessages { generation, session: id, after: None },
        ]
    }

    /// Searches the whole transcript for `query` (the rest loads first).
    pub fn start_search(&mut self, query: &str, height: usize) -> Reply {
        self.set_search(query);
        if self.search.is_none() {
            return Reply::default();
        }
        if self.complete() {
            if !self.goto_match(true, height) {
                return Reply::error(format!("no match for '{query}'"));
            }
        } else {
            // Search covers the whole transcript: load the rest first.
            self.search_pending = true;
        }
        Reply::default()
    }

    /// One command in a viewport of `(width, height)`.
    pub fn on_command(&mut self, cmd: Command, (width, height): (usize, usize)) -> Reply {
        use Command::*;
        let Some(session) = self.session_id.clone() else {
            return if cmd == Search {
                Reply::default()
            } else {
                Reply::error("no transcript open: press Enter on a conversation first")
            };
        };
        let page = height.saturating_sub(2).max(1) as isize;
        if matches!(cmd, Up | Down | PageUp | PageDown | Top | Bottom | NextMessage | PrevMessage) {
            // After moving by hand, n/N search from the screen again.
            if let Some(s) = &mut self.search {
                s.visited = false;
            }
        }
        match cmd {
            Up => self.scroll_by(-1, height),
            Down => self.scroll_by(1, height),
            PageUp => self.scroll_by(-page, height),
            PageDown => self.scroll_by(page, height),
            Top => self.select_message(0, height),
            Bottom => {
                self.to_end(height);
                if !self.complete() {
                    self.follow_to_end = true;
                }
            }
            NextMessage => self.jump_message(true, height),
            PrevMessage => self.jump_message(false, height),
            Search => {
                let current = self.search.as_ref().map(|s| s.query.clone()).unwrap_or_default();
                return Reply { prompt: Some((InputPurpose::Search, current)), ..Reply::default() };
            }
            SearchNext | SearchPrev => {
                if self.search.is_none() {
                    return Reply::error("no search: press / first");
                } else if !self.goto_match(cmd == SearchNext, height) {
                    return Reply::error("no match");
                }
            }
            ToggleMetadata => {
                self.show_meta = !self.show_meta;
                self.relayout(width);
                // The selected message stays on screen.
                let sel = self.selected;
                self.select_message(sel, height);
                // Say so when there is nothing to show (a schema without any).
                let none = self.messages.iter().all(|m| !m.metadata.as_ref().is_some_and(says_something));
                if self.show_meta && none && !self.messages.is_empty() {
                    return Reply::info("these messages have no metadata");
                }
            }
            ExportMarkdown | ExportJson => {
                self.exports_in_flight += 1;
                let format = if cmd == ExportMarkdown { Format::Md } else { Format::Json };
                return Reply::info("exporting…").with(Effect::Export { session, format });
            }
            CopyMessage => {
                if let Some(m) = self.selected_message().and_then(|i| self.messages.get(i)) {
                    let text = crate::sanitize::sanitize_multiline(&m.content).into_owned();
                    let n = text.chars().count();
                    return Reply::info(format!("copied message ({n} chars) to the clipboard (OSC 52)"))
                        .with(Effect::Copy(text));
                }
            }
            ReplayRetrieval => {
                let Some(i) = self.selected_message() else { return Reply::default() };
                let m = &self.messages[i];
                if m.role != "user" {
                    return Reply::error("select a user message (]/[ jump between messages) to replay its retrieval");
                }
                let Some(head) = self.session.as_ref() else {
                    return Reply::error("the session is still loading");
                };
                let Some(demo) = head.demo_id else {
                    return Reply::error(
                        "replaying retrieval needs ragdesk's own schema (a demo and its knowledge base)",
                    );
                };
                // The bot's answer: the next assistant message.
                let answer = self.messages[i + 1..].iter().find(|n| n.role == "assistant").map(|n| n.content.clone());
                return Reply::info("finding the demo's knowledge base…").with(Effect::FindReplayKb {
                    demo,
                    question: m.content.clone(),
                    answer,
                });
            }
            CopyTranscript => {
                if !self.complete() {
                    return Reply::error("the transcript is still loading: press G to load it all, then copy");
                } else if let Some(s) = &self.session {
                    let md = crate::export::markdown(s, &self.messages);
                    let n = self.messages.len();
                    return Reply::info(format!("copied transcript ({n} messages) to the clipboard (OSC 52)"))
                        .with(Effect::Copy(md));
                }
            }
            _ => {}
        }
        Reply::default()
    }
}

#[cfg(test)]
mod pane_tests {
    use super::*;

    #[test]
    fn the_pane_answers_its_keys_with_a_reply() {
        let mut t = Transcript::default();
        let r = t.on_command(Command::Down, (80, 20));
        assert!(matches!(r.message, Some((super::super::Level::Error, ref m)) if m.contains("no transcript open")));
        let fx = t.open("7".into(), 3);
        assert_eq!(fx.len(), 2);
        let r = t.on_command(Command::ExportJson, (80, 20));
        assert_eq!(r.effects, vec![Effect::Export { session: "7".into(), format: Format::Json }]);
        assert_eq!(t.exports_in_flight, 1);
        // An export outlives a switch of session.
        t.open("8".into(), 4);
        assert_eq!(t.exports_in_flight, 1);
        let r = t.on_command(Command::Search, (80, 20));
        assert!(matches!(r.prompt, Some((InputPurpose::Search, ref q)) if q.is_empty()));
        // m on messages without metadata says there is none.
        t.loading = false;
        t.append(
            vec![Utterance { id: "1".into(), role: "user".into(), content: "hi".into(), ..Default::default() }],
            None,
        );
        let r = t.on_command(Command::ToggleMetadata, (80, 20));
        assert!(matches!(r.message, Some((_, ref m)) if m.contains("no metadata")), "{:?}", r.message);
    }
}
