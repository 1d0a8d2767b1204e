//! The Search pane: what is searched (one of our knowledge bases, or
//! another platform's vectors through its layout), a query searched as you
//! type, and the settings that explain a result (k, threshold, metric,
//! approximate or exact, compare, hybrid, ef_search or probes). A
//! component: it owns its state, handles its keys and answers with a
//! `Reply`; its searches run as one task key, so a newer query supersedes
//! (and cancels) the older.

use uuid::Uuid;

use super::{InputPurpose, Reply};
use crate::action::Effect;
use crate::db::knowledge::KnowledgeBaseRow;
use crate::db::search::{Metric, Mode};
use crate::keymap::Command;
use crate::search::{Outcome, Query, Request, Scope};

/// How long typing must pause before the query runs.
pub const SEARCH_DEBOUNCE_MS: u64 = 250;
/// pgvector's default `hnsw.ef_search`.
pub const DEFAULT_EF_SEARCH: u32 = 40;
/// pgvector's default `ivfflat.probes`.
pub const DEFAULT_PROBES: u32 = 1;

pub struct SearchPane {
    /// Whose vectors are searched.
    pub scope: Option<Scope>,
    /// What is searched: typed text, or a stored row ("more like this").
    pub query: Option<Query>,
    /// The text typed (kept when searching like a chunk, to go back to).
    pub text: String,
    /// The query the shown result answers.
    pub result_query: Option<Query>,
    pub k: u32,
    pub metric: Metric,
    pub threshold: Option<f64>,
    pub exact: bool,
    pub ef_search: u32,
    /// Another platform's index breadth (`ivfflat.probes`, or
    /// `hnsw.ef_search` on its HNSW column), once `e`/`E` set it; until
    /// then the server's own setting applies (the platform may have tuned
    /// it), not ours.
    pub breadth: Option<u32>,
    pub iterative_scan: bool,
    pub compare: bool,
    pub hybrid: bool,
    /// How many top scores the histogram shows.
    pub histogram: u32,
    pub generation: u64,
    pub loading: bool,
    pub result: Option<Outcome>,
    pub error: Option<String>,
    pub selected: usize,
    pub offset: usize,
    /// The plan of the last query (EXPLAIN ANALYZE), while shown.
    pub plan: Option<(String, bool)>,
    /// Replaying a conversation: the bot's answer to the question searched.
    pub replay_answer: Option<String>,
    /// The chunks around the selected result in its document, once loaded:
    /// (the result's chunk, [(index, text)]).
    pub neighbours: Option<(String, Vec<(i32, String)>)>,
    /// The result whose neighbours were asked for last.
    pub neighbours_asked: Option<String>,
    /// Remembered questions of the knowledge base, oldest first, and where
    /// `[`/`]` are in them (None: at the question being typed).
    pub history: Vec<String>,
    pub history_pos: Option<usize>,
    /// Lines of the detail (the plan, else the selected row's text)
    /// scrolled past (`J`/`K`).
    pub detail_scroll: u16,
    /// How far the detail scrolls as last drawn (its wrapped lines past the
    /// pane's height): `J` stops there, so `K` moves at once.
    pub detail_room: std::cell::Cell<u16>,
    /// The plan's search was asked to go through a vector index.
    pub plan_through_index: bool,
    /// `p` was pressed while a search ran: its plan is asked for when it lands.
    pub plan_wanted: bool,
    /// The console reads another platform's layout (what to say when
    /// nothing is chosen yet).
    pub on_layout: bool,
}

impl Default for SearchPane {
    fn default() -> Self {
        SearchPane {
            scope: None,
            query: None,
            text: String::new(),
            result_query: None,
            k: 10,
            metric: Metric::Cosine,
            threshold: None,
            exact: false,
            ef_search: DEFAULT_EF_SEARCH,
            breadth: None,
            iterative_scan: true,
            compare: true,
            hybrid: false,
            histogram: 100,
            generation: 0,
            loading: false,
            result: None,
            error: None,
            selected: 0,
            offset: 0,
            plan: None,
            replay_answer: None,
            neighbours: None,
            neighbours_asked: None,
            history: Vec::new(),
            history_pos: None,
            detail_scroll: 0,
            detail_room: std::cell::Cell::new(0),
            plan_through_index: false,
            plan_wanted: false,
            on_layout: false,
        }
    }
}

impl SearchPane {
    /// The search the current settings describe, if there is one to run.
    pub fn request(&self) -> Option<Request> {
        let scope = self.scope.clone()?;
        let index = scope.index().map(str::to_string);
        let layout = matches!(scope, Scope::Layout(_));
        Some(Request {
            scope,
            query: self.query.clone()?,
            k: self.k,
            metric: self.metric,
            threshold: self.threshold.filter(|_| self.metric == Metric::Cosine),
            mode: if self.exact {
                Mode::Exact
            } else {
                // The breadth of the index the search goes through: ours as
                // set here; another platform's as set, else its server's.
                let breadth = if layout { self.breadth } else { Some(self.ef_search) };
                Mode::Approximate {
                    ef_search: breadth.filter(|_| index.as_deref() == Some("hnsw")),
                    probes: breadth.filter(|_| index.as_deref() == Some("ivfflat")),
                    iterative_scan: self.iterative_scan,
                }
            },
            compare: self.compare && !self.exact,
            hybrid: self.hybrid,
            histogram: self.histogram,
        })
    }

    /// Opens the pane on `scope` (another one forgets the old result and
    /// reads its remembered questions). Another platform's vectors are
    /// compared by the distance their index serves.
    pub fn open(&mut self, scope: Scope) -> Reply {
        let mut reply = Reply::default();
        if self.scope.as_ref().map(Scope::history_key) != Some(scope.history_key()) {
            self.result = None;
            self.error = None;
            self.forget_in_flight();
            self.plan = None;
            self.history.clear();
            self.history_pos = None;
            // A new scope starts with no question (its remembered ones are a
            // `[` away), at its server's index breadth (another column's
            // probes are no ef_search of this one).
            self.text.clear();
            self.breadth = None;
            self.query = None;
            self.replay_answer = None;
            reply = reply.with(Effect::LoadHistory { key: scope.history_key() });
        }
        if let Scope::Layout(s) = &scope {
            self.metric = s.metric;
            self.hybrid = false;
            if s.metric != Metric::Cosine {
                self.threshold = None;
            }
        }
        self.scope = Some(scope);
        reply
    }

    /// A search still running is no longer wanted (the query was cleared, or
    /// another knowledge base opened): its result must not land.
    fn forget_in_flight(&mut self) {
        // No generation the app hands out is this one.
        self.generation = u64::MAX;
        self.loading = false;
    }

    /// Remembers the question being searched (on Enter, not per keystroke).
    pub fn remember(&self) -> Option<Effect> {
        let key = self.scope.as_ref()?.history_key();
        let query = self.text.trim();
        (!query.is_empty()).then(|| Effect::RememberQuery { key, query: query.to_string() })
    }

    /// Runs the search now (or after `debounce_ms`) under a new generation.
    pub fn run(&mut self, generation: u64, debounce_ms: u64) -> Reply {
        let Some(request) = self.request() else { return Reply::default() };
        self.generation = generation;
        self.loading = true;
        self.error = None;
        self.plan = None;
        let effect = Effect::Search { generation, request };
        let effect =
            if debounce_ms > 0 { Effect::Debounce { delay_ms: debounce_ms, effect: Box::new(effect) } } else { effect };
        Reply::default().with(effect)
    }

    /// "What would the bot have retrieved for this?": `question` searched
    /// in `kb`, with the bot's `answer` shown beside the results.
    pub fn replay(&mut self, kb: KnowledgeBaseRow, question: String, answer: Option<String>, generation: u64) -> Reply {
        let opened = self.open(Scope::Knowledge(kb));
        self.text = question.clone();
        self.query = Some(Query::Text(question));
        self.replay_answer = answer;
        self.selected = 0;
        let mut reply = self.run(generation, 0);
        reply.effects.extend(opened.effects);
        reply
    }

    /// The query text changed (typing): search it after a pause.
    pub fn typed(&mut self, text: &str, generation: u64) -> Reply {
        self.ask(text, generation, SEARCH_DEBOUNCE_MS)
    }

    /// Enter on the question: searched now, without waiting for the pause.
    pub fn submitted(&mut self, text: &str, generation: u64) -> Reply {
        self.ask(text, generation, 0)
    }

    fn ask(&mut self, text: &str, generation: u64, debounce_ms: u64) -> Reply {
        if self.text != text {
            // A new question is not the replayed one any more.
            self.replay_answer = None;
        }
        self.text = text.to_string();
        if text.trim().is_empty() {
            self.query = None;
            self.result = None;
            self.forget_in_flight();
            return Reply::default();
        }
        self.query = Some(Query::Text(text.to_string()));
        self.run(generation, debounce_ms)
    }

    /// Searches with a stored row's vector (no model needed).
    pub fn more_like(&mut self, scope: Scope, id: String, generation: u64) -> Reply {
        let opened = self.open(scope);
        self.query = Some(Query::Like(id));
        // The row searched with comes first (by cosine or L2; by inner
        // product the largest vectors may come before it): the top.
        self.selected = 0;
        self.offset = 0;
        let mut reply = self.run(generation, 0);
        reply.effects.extend(opened.effects);
        reply
    }

    /// A result arrived; older generations are dropped.
    pub fn apply(&mut self, generation: u64, result: Result<Outcome, String>) -> bool {
        if generation != self.generation {
            return false;
        }
        self.loading = false;
        match result {
            Ok(o) => {
                self.result = Some(o);
                self.result_query = self.query.clone();
                self.selected = self.selected.min(self.shown_rows().saturating_sub(1));
                if self.plan.is_none() {
                    self.detail_scroll = 0;
                }
                self.error = None;
            }
            // Rows of another question go, the reason shown in their place;
            // the same question's (a setting changed) stay under it.
            Err(e) => {
                if self.result_query != self.query {
                    self.result = None;
                }
                self.error = Some(e);
            }
        }
        true
    }

    /// The plan asked for while the search ran, now that it is in.
    pub fn wanted_plan(&mut self, height: usize) -> Option<Reply> {
        if !std::mem::take(&mut self.plan_wanted) || self.loading || self.result.is_none() || self.error.is_some() {
            return None;
        }
        Some(self.on_command(Command::Explain, self.generation, height))
    }

    /// Asks for the selected result's neighbours if they are not the ones
    /// shown or asked for (debounced: moving quickly loads only the last).
    pub fn want_neighbours(&mut self) -> Option<Effect> {
        if self.result.as_ref()?.hybrid.is_some() {
            // The selection walks the fused list there, not `rows`.
            return None;
        }
        // Our chunks only: another platform's rows have no document order here.
        let row = self.selected_row()?;
        let (chunk, document, index) = (
            Uuid::parse_str(&row.chunk_id).ok()?,
            Uuid::parse_str(row.document_id.as_deref()?).ok()?,
            row.chunk_index?,
        );
        if self.neighbours_asked.as_deref() == Some(row.chunk_id.as_str()) {
            return None;
        }
        self.neighbours_asked = Some(row.chunk_id.clone());
        let load = Effect::LoadNeighbours { chunk, document, index };
        Some(Effect::Debounce { delay_ms: 120, effect: Box::new(load) })
    }

    /// The result row the selection is on (the vector ranking; in hybrid
    /// mode the selection walks the fused list, see `selected_chunk`).
    pub fn selected_row(&self) -> Option<&crate::search::Row> {
        let o = self.result.as_ref()?;
        match &o.hybrid {
            Some(fused) => {
                let id = &fused.get(self.selected)?.chunk_id;
                o.rows.iter().find(|r| r.chunk_id == *id)
            }
            None => o.rows.get(self.selected),
        }
    }

    /// The row the selection is on (its id), in whichever list is shown.
    pub fn selected_chunk(&self) -> Option<String> {
        let o = self.result.as_ref()?;
        match &o.hybrid {
            Some(fused) => fused.get(self.selected).map(|f| f.chunk_id.clone()),
            None => o.rows.get(self.selected).map(|r| r.chunk_id.clone()),
        }
    }

    /// Does a key do something here, on another platform's vectors (for
    /// the footer and the help)? Nothing before a scope is chosen; then
    /// not what needs our own columns (another metric, hybrid, the
    /// iterative switch), the threshold on cosine only, and what tunes or
    /// compares with an index only where the column has one.
    pub fn answers(&self, cmd: Command) -> bool {
        use Command::*;
        let Some(scope) = &self.scope else { return matches!(cmd, Back | Help | Quit) };
        let indexed = scope.index().is_some();
        match (scope, cmd) {
            (Scope::Knowledge(_), _) => true,
            (_, CycleMetric | ToggleHybrid | ToggleIterative) => false,
            (_, ThresholdUp | ThresholdDown) => self.metric == Metric::Cosine,
            (_, ToggleExact | EfMore | EfLess | ToggleCompare) => indexed,
            _ => true,
        }
    }

    /// What to do when nothing is chosen to search.
    fn nothing_to_search(&self) -> &'static str {
        if self.on_layout {
            "nothing to search yet: s on a list of chunks (or the row they belong to), m on a chunk"
        } else {
            "nothing to search yet: in Documents (5) s on a knowledge base, m on a chunk"
        }
    }

    /// Another platform's vectors are searched (not one of our knowledge bases).
    pub fn layout_scope(&self) -> Option<&crate::search::LayoutScope> {
        match &self.scope {
            Some(Scope::Layout(s)) => Some(s),
            _ => None,
        }
    }

    /// Rows of the list shown (the fused one in hybrid mode).
    pub fn shown_rows(&self) -> usize {
        self.result.as_ref().map(|o| o.hybrid.as_ref().map_or(o.rows.len(), Vec::len)).unwrap_or(0)
    }

    /// One command; `generation` is a fresh one in case it re-runs.
    pub fn on_command(&mut self, cmd: Command, generation: u64, height: usize) -> Reply {
        use Command::*;
        if self.scope.is_none() && cmd != EditQuery {
            return Reply::error(self.nothing_to_search());
        }
        let index = self.scope.as_ref().and_then(Scope::index).map(str::to_string);
        // What our knowledge bases offer and another platform's vectors do
        // not (`answers`), refused with the reason.
        if let Some(s) = self.layout_scope().filter(|_| !self.answers(cmd)) {
            let why = match cmd {
                ToggleExact | EfMore | EfLess | ToggleCompare | ToggleIterative if index.is_none() => {
                    "no vector index on this column: every search is exact".to_string()
                }
                CycleMetric => {
                    format!("these vectors are compared by {} distance, the one their index serves", s.metric.name())
                }
                ToggleHybrid => "hybrid ranking fuses ragdesk's full-text column: this platform has none".into(),
                ToggleIterative => {
                    "the scan is always iterative here: the search's scope filters after the index".into()
                }
                ThresholdUp | ThresholdDown => {
                    format!("the threshold is a cosine similarity; these vectors are compared by {}", s.metric.name())
                }
                _ => "not on another platform's vectors".into(),
            };
            return Reply::error(why);
        }
        let rows = self.shown_rows();
        let rerun = |pane: &mut SearchPane, what: String| -> Reply {
            let mut r = pane.run(generation, 0);
            r.message = Some((super::Level::Info, what));
            r
        };
        match cmd {
            EditQuery => {
                if self.scope.is_none() {
                    return Reply::error(self.nothing_to_search());
                }
                return Reply { prompt: Some((InputPurpose::SearchQuery, self.text.clone())), ..Reply::default() };
            }
            Up | Down | PageUp | PageDown | Top | Bottom => {
                let was = self.selected;
                self.selected = match cmd {
                    Up => self.selected.saturating_sub(1),
                    Down => (self.selected + 1).min(rows.saturating_sub(1)),
                    PageUp => self.selected.saturating_sub(height.max(1)),
                    PageDown => (self.selected + height.max(1)).min(rows.saturating_sub(1)),
                    Top => 0,
                    _ => rows.saturating_sub(1),
                };
                // Another row's text is read from its top.
                if self.selected != was && self.plan.is_none() {
                    self.detail_scroll = 0;
                }
            }
            KMore | KLess => {
                let k = if cmd == KMore { self.k.saturating_mul(2) } else { self.k / 2 };
                self.k = k.clamp(1, 1000);
                return rerun(self, format!("k = {}", self.k));
            }
            ThresholdUp | ThresholdDown => {
                if self.metric != Metric::Cosine {
                    return Reply::error("the threshold is a cosine similarity: switch the metric to cosine (o)");
                }
                let step = if cmd == ThresholdUp { 0.05 } else { -0.05 };
                let t = self.threshold.unwrap_or(if step > 0.0 { 0.45 } else { 0.05 }) + step;
                self.threshold = if t <= 0.0 { None } else { Some((t.min(0.99) * 100.0).round() / 100.0) };
                let what = match self.threshold {
                    Some(t) => format!("threshold: similarity > {t:.2}"),
                    None => "no threshold".into(),
                };
                return rerun(self, what);
            }
            CycleMetric => {
                let i = Metric::ALL.iter().position(|m| *m == self.metric).unwrap_or(0);
                self.metric = Metric::ALL[(i + 1) % Metric::ALL.len()];
                let what = if self.metric.indexed() {
                    format!("metric {}: served by the HNSW index", self.metric.name())
                } else {
                    format!("metric {}: the index serves cosine only, so this is an exact scan", self.metric.name())
                };
                return rerun(self, what);
            }
            ToggleExact => {
                self.exact = !self.exact;
                let what = if self.exact {
                    "exact search (index scans off)".to_string()
                } else {
                    format!("approximate search ({})", index.as_deref().unwrap_or("hnsw"))
                };
                return rerun(self, what);
            }
            ToggleCompare => {
                self.compare = !self.compare;
                let when = if self.exact { " (when searching through the index: x)" } else { "" };
                return rerun(self, format!("compare with exact: {}{when}", if self.compare { "on" } else { "off" }));
            }
            DetailDown | DetailUp => {
                let step = height.max(2) as u16 / 2;
                self.detail_scroll = if cmd == DetailDown {
                    self.detail_scroll.saturating_add(step).min(self.detail_room.get())
                } else {
                    // From where it is drawn (a resize may have left it past the end).
                    self.detail_scroll.min(self.detail_room.get()).saturating_sub(step)
                };
                return Reply::default();
            }
            ToggleHybrid => {
                self.hybrid = !self.hybrid;
                return rerun(
                    self,
                    format!(
                        "hybrid (vector + full text, reciprocal rank fusion): {}",
                        if self.hybrid { "on" } else { "off" }
                    ),
                );
            }
            EfMore | EfLess if self.layout_scope().is_some() => {
                // From the breadth that applied last (the server's setting,
                // which the search read), else pgvector's default.
                let ivfflat = index.as_deref() == Some("ivfflat");
                let (setting, default, max) = if ivfflat {
                    ("ivfflat.probes", DEFAULT_PROBES, 32_768)
                } else {
                    ("hnsw.ef_search", DEFAULT_EF_SEARCH, 1000)
                };
                let applied = self.result.as_ref().and_then(|o| o.breadth);
                let from = self.breadth.or(applied).unwrap_or(default);
                let to = if cmd == EfMore { from.saturating_mul(2) } else { from / 2 };
                let first = self.breadth.is_none();
                self.breadth = Some(to.clamp(1, max));
                let note = match (first, applied) {
                    (true, Some(server)) => format!(" (the server's setting was {server})"),
                    (true, None) => format!(" (from pgvector's default {default})"),
                    _ => String::new(),
                };
                return rerun(self, format!("{setting} = {}{note}", self.breadth.unwrap_or(default)));
            }
            EfMore | EfLess => {
                let ef = if cmd == EfMore { self.ef_search.saturating_mul(2) } else { self.ef_search / 2 };
                self.ef_search = ef.clamp(10, 1000);
                return rerun(self, format!("hnsw.ef_search = {}", self.ef_search));
            }
            ToggleIterative => {
                self.iterative_scan = !self.iterative_scan;
                return rerun(
                    self,
                    format!("hnsw.iterative_scan = {}", if self.iterative_scan { "relaxed_order" } else { "off" }),
                );
            }
            Explain => {
                if self.plan.take().is_some() {
                    self.detail_scroll = 0;
                    return Reply::default();
                }
                let Some(request) = self.request() else { return Reply::error("search something first") };
                // The plan of the search shown: with its vector, not one
                // of a search still running.
                if self.loading {
                    self.plan_wanted = true;
                    return Reply::info("the plan follows once this search is in");
                }
                let vector = self.result.as_ref().map(|r| r.vector.clone()).unwrap_or_default();
                // Was it asked to go through a vector index (what the
                // plan's verdict is held against)?
                self.plan_through_index = match &request.mode {
                    Mode::Exact => false,
                    Mode::Approximate { .. } => {
                        request.scope.index().is_some() && (self.layout_scope().is_some() || request.metric.indexed())
                    }
                };
                return Reply::info("running EXPLAIN (ANALYZE, BUFFERS)…").with(Effect::Explain {
                    generation: self.generation,
                    request,
                    vector,
                });
            }
            HistoryPrev | HistoryNext => {
                if self.history.is_empty() {
                    return Reply::info("no remembered questions here yet (Enter remembers one)");
                }
                let last = self.history.len() - 1;
                self.history_pos = match (cmd, self.history_pos) {
                    (HistoryPrev, None) => Some(last),
                    (HistoryPrev, Some(i)) => Some(i.saturating_sub(1)),
                    (_, Some(i)) if i < last => Some(i + 1),
                    (_, _) => Some(last),
                };
                let i = self.history_pos.unwrap_or(last);
                self.text = self.history[i].clone();
                self.query = Some(Query::Text(self.text.clone()));
                self.replay_answer = None;
                return rerun(self, format!("remembered question {} of {}", i + 1, self.history.len()));
            }
            MoreLikeThis => {
                let (Some(scope), Some(id)) = (self.scope.clone(), self.selected_chunk()) else {
                    return Reply::error("select a result first");
                };
                return self.more_like(scope, id, generation);
            }
            _ => {}
        }
        self.scroll_into_view(height);
        Reply::default()
    }

    pub fn scroll_into_view(&mut self, height: usize) {
        self.offset = super::list::offset_showing(self.selected, self.offset, height);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn kb() -> KnowledgeBaseRow {
        crate::db::knowledge::sample(1, "FAQ")
    }

    use crate::search::empty_outcome as outcome;

    #[test]
    fn typing_debounces_under_one_task_key_and_stale_results_are_dropped() {
        let mut p = SearchPane::default();
        p.open(Scope::Knowledge(kb()));
        let r1 = p.typed("whiten", 1);
        let r2 = p.typed("whitening cost", 2);
        for r in [&r1, &r2] {
            assert!(matches!(&r.effects[..], [Effect::Debounce { delay_ms: SEARCH_DEBOUNCE_MS, .. }]));
            assert_eq!(r.effects[0].task_key().as_deref(), Some("search"));
        }
        // The older query's result arrives late: dropped.
        assert!(!p.apply(1, Ok(outcome(0))));
        assert!(p.result.is_none() && p.loading);
        assert!(p.apply(2, Ok(outcome(0))));
        assert!(!p.loading && p.result.is_some());
        // A question refused or failed: the rows of the one before go, the
        // reason shows in their place.
        p.typed("whitening cost today", 3);
        assert!(p.apply(3, Err("a question searches the Knowledge under one row".into())));
        assert!(p.result.is_none() && p.error.as_deref().is_some_and(|e| e.contains("under one row")));
        // The same question's rows stay when only a setting's re-run fails.
        assert!(p.apply(3, Ok(outcome(0))));
        p.generation = 4;
        assert!(p.apply(4, Err("connection lost".into())));
        assert!(p.result.is_some() && p.error.is_some());
    }

    #[test]
    fn a_result_for_a_cleared_query_or_another_knowledge_base_does_not_land() {
        let mut p = SearchPane::default();
        p.open(Scope::Knowledge(kb()));
        p.typed("whitening", 1);
        p.typed("", 2);
        assert!(!p.apply(1, Ok(outcome(0))), "the query was cleared");
        assert!(p.result.is_none() && !p.loading);
        p.typed("whitening", 3);
        let mut other = kb();
        other.id = Uuid::from_u128(99);
        p.open(Scope::Knowledge(other));
        assert!(!p.apply(3, Ok(outcome(0))), "that was the other knowledge base's search");
        assert!(p.result.is_none());
    }

    #[test]
    fn settings_rerun_the_search_and_the_threshold_is_cosine_only() {
        let mut p = SearchPane::default();
        p.open(Scope::Knowledge(kb()));
        p.typed("q", 1);
        let r = p.on_command(Command::ThresholdUp, 2, 10);
        assert_eq!(p.threshold, Some(0.5));
        assert!(
            matches!(&r.effects[..], [Effect::Search { generation: 2, request }] if request.threshold == Some(0.5))
        );
        p.on_command(Command::CycleMetric, 3, 10);
        assert_eq!(p.metric, Metric::InnerProduct);
        assert_eq!(p.request().unwrap().threshold, None, "never compared against a non-cosine score");
        let r = p.on_command(Command::ThresholdUp, 4, 10);
        assert!(r.effects.is_empty() && matches!(r.message, Some((super::super::Level::Error, _))));
        p.on_command(Command::ToggleExact, 5, 10);
        assert_eq!(p.request().unwrap().mode, Mode::Exact);
        assert!(!p.request().unwrap().compare, "exact needs no comparison with itself");
    }
}
