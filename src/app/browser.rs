//! The entity tabs: any schema's entities, ours included, read through its
//! layout (`db::mapped`). One level per entity drilled into, from the
//! layout's roots down (the platform's own words on each), each a
//! keyset-paged list, the selected row in full in the detail (read whole
//! once the selection rests on it).

use std::sync::Arc;

use super::Reply;
use crate::action::Effect;
use crate::db::mapped::{MappedPage, MappedRow, Under};
use crate::keymap::Command;
use crate::schema::{Kind, Layout};

/// The entities that share a tab, the console's order: a layout's tab is
/// the first of a group it has (ours: Tenants, Demos, Sessions, Knowledge
/// bases; 004's: Customers, Widgets, Conversations, Domains).
const TAB_GROUPS: [&[Kind]; 5] = [
    &[Kind::Tenant],
    &[Kind::Demo],
    &[Kind::Session, Kind::Lead, Kind::Message],
    &[Kind::KnowledgeBase, Kind::Document, Kind::Chunk],
    &[Kind::Memory],
];

/// The row level `i` of `path` was opened on: the one the level below it
/// lists the rows of (the last level's selection is not opened yet).
fn opened(path: &[Stage], i: usize) -> Option<&MappedRow> {
    let below = path.get(i + 1)?;
    let row = path[i].selected_row()?;
    below.parent.as_ref().is_some_and(|(id, _)| *id == row.id).then_some(row)
}

/// Where a page that arrives goes among a level's rows.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Placing {
    /// In their place (the first page, from the top or the end).
    #[default]
    Replace,
    /// Below them.
    Append,
    /// Above them (read up from the end).
    Prepend,
}

/// The rows of one entity under one parent.
#[derive(Debug, Clone)]
pub struct Stage {
    pub kind: Kind,
    /// The parent row (id, what it is called), `None` at a root.
    pub parent: Option<(String, String)>,
    /// At the top: the rows of a child entity that have no parent.
    pub parentless: bool,
    /// Under `parent`'s children, not `parent` itself: its rows across
    /// them (a tenant's sessions across its demos).
    pub across: bool,
    /// Listed under a row of this entity besides their parent's
    /// (`listed_under`): a lead's sessions.
    pub via: Option<Kind>,
    pub rows: Vec<MappedRow>,
    /// Where the next page starts; `None` when the last page is in.
    pub next: Option<Vec<Option<String>>>,
    /// Read from the end (`G`): where the page above the rows starts;
    /// `None` when the top is in.
    pub prev: Option<Vec<Option<String>>>,
    pub from_end: bool,
    /// Where the page being loaded goes.
    pub pending: Placing,
    pub selected: usize,
    pub loaded: bool,
    pub loading: bool,
    pub generation: u64,
    pub error: Option<String>,
    /// Words the rows' title or text must contain (`/`).
    pub filter: String,
    /// How many rows the list has (capped), once counted.
    pub count: Option<crate::db::RowCount>,
    /// The count asked for last (a page load does not make it stale).
    pub count_generation: u64,
    /// That count is one `c` asked for (said when it comes).
    pub exact_asked: bool,
    /// Moves asked past the loaded rows toward rows still to come: applied
    /// as the page lands (a burst of keys while it loads is not lost).
    pub pending_moves: isize,
    /// The first row shown, as last drawn: the view stays put while the
    /// selection moves inside it.
    pub offset: std::cell::Cell<usize>,
}

impl Stage {
    fn new(kind: Kind, parent: Option<(String, String)>) -> Stage {
        Stage {
            filter: String::new(),
            count: None,
            count_generation: 0,
            exact_asked: false,
            pending_moves: 0,
            offset: std::cell::Cell::new(0),
            kind,
            parent,
            parentless: false,
            across: false,
            via: None,
            rows: Vec::new(),
            next: None,
            prev: None,
            from_end: false,
            pending: Placing::Replace,
            selected: 0,
            loaded: false,
            loading: false,
            generation: 0,
            error: None,
        }
    }

    pub fn selected_row(&self) -> Option<&MappedRow> {
        self.rows.get(self.selected)
    }

    /// Forgets the rows and where they were read from, to be read anew.
    fn clear_rows(&mut self) {
        self.rows.clear();
        self.next = None;
        self.prev = None;
        self.selected = 0;
        self.from_end = false;
        self.pending = Placing::Replace;
        self.pending_moves = 0;
        self.loaded = false;
        self.loading = false;
        self.error = None;
    }

    /// The page of this level from `after`, or up from it (`backward`).
    fn load(&self, generation: u64, after: Option<Vec<Option<String>>>, backward: bool) -> Effect {
        Effect::LoadMapped {
            generation,
            kind: self.kind,
            under: self.under(),
            after,
            filter: self.filter.clone(),
            backward,
        }
    }

    /// Which rows of its entity the level lists.
    pub fn under(&self) -> Under {
        match (&self.parent, self.parentless) {
            (_, true) => Under::Nothing,
            (Some((id, _)), false) if self.via.is_some() => Under::Via(self.via.expect("checked"), id.clone()),
            (Some((id, _)), false) if self.across => Under::Grandparent(id.clone()),
            (Some((id, _)), false) => Under::Row(id.clone()),
            (None, false) => Under::All,
        }
    }
}

/// The selected row read whole for the detail (every column but vectors),
/// once the selection rests on it.
#[derive(Debug, Clone, Default)]
pub struct WholeRow {
    /// The row asked for last.
    pub of: Option<(Kind, String)>,
    pub generation: u64,
    /// `None` while it is read; `Ok(None)`: the row is gone.
    pub fields: Option<Result<Option<crate::db::mapped::Fields>, String>>,
}

impl WholeRow {
    /// The fields of row `id` of `kind`, when they are in.
    pub fn of_row(&self, kind: Kind, id: &str) -> Option<&Result<Option<crate::db::mapped::Fields>, String>> {
        self.of.as_ref().filter(|(k, i)| *k == kind && i == id).and(self.fields.as_ref())
    }
}

pub struct Browser {
    pub layout: Arc<Layout>,
    /// The index method on each entity's vector column (`hnsw`,
    /// `ivfflat`), which says what an approximate search tunes.
    pub vector_index: std::collections::BTreeMap<Kind, String>,
    /// The distance each entity's vectors are searched by (their index's).
    pub vector_metric: std::collections::BTreeMap<Kind, crate::db::search::Metric>,
    /// Entities some of whose rows have no parent: listed at the top too
    /// (`Mapped::parentless`).
    pub parentless: Vec<Kind>,
    /// The type of each column a filter key names (a list's shown columns
    /// and its status), as the catalog has it: a value the column cannot
    /// hold is refused as it is entered.
    pub key_types: std::collections::BTreeMap<(Kind, String), crate::db::mapped::KeyType>,
    /// The drill path: the root level first, the one shown last.
    pub stack: Vec<Stage>,
    /// The path the last jump to a tab off it set aside (`show_tab`).
    pub aside: Vec<Stage>,
    /// The path shown is one a tab key started (its rows across parents),
    /// and `aside` the one it left: Esc at its top goes back there. At the
    /// top of the path started from the roots, Esc stays.
    pub jumped: bool,
    /// The selected row in full under the list (`i` hides it: more rows).
    pub detail: bool,
    /// The detail has the whole pane (`i` once: a demo's configuration
    /// read at 80×24); moving keys scroll it.
    pub detail_full: bool,
    /// The selected row's every column, for the detail.
    pub whole: WholeRow,
    /// How far the detail is scrolled (J/K).
    pub detail_scroll: u16,
    /// How far the detail could scroll, as last drawn (`None`: not drawn
    /// yet): scrolling stops there, so the way back starts at once.
    pub detail_max: std::cell::Cell<Option<u16>>,
}

impl Browser {
    pub fn new(layout: Layout) -> Browser {
        let root = roots(&layout).first().copied().unwrap_or(Kind::Tenant);
        Browser {
            stack: vec![Stage::new(root, None)],
            aside: Vec::new(),
            jumped: false,
            layout: Arc::new(layout),
            vector_index: Default::default(),
            parentless: Vec::new(),
            key_types: Default::default(),
            vector_metric: Default::default(),
            detail: true,
            detail_full: false,
            whole: WholeRow::default(),
            detail_scroll: 0,
            detail_max: Default::default(),
        }
    }

    /// The entity tabs of this layout, in the console's order: the first
    /// entity it has of each group (a tenant; a bot; a conversation, or a
    /// lead; a knowledge base, else its documents, else its chunks; a
    /// memory). Rate limits and messages have tabs of their own.
    pub fn tab_heads(&self) -> Vec<Kind> {
        TAB_GROUPS
            .iter()
            .filter_map(|group| group.iter().copied().find(|k| self.layout.entity(*k).is_some()))
            .filter(|k| !own_tab(&self.layout, *k))
            .collect()
    }

    /// The entity tab a list of `kind` is shown under.
    fn head_of(&self, kind: Kind) -> Option<Kind> {
        let group = TAB_GROUPS.iter().find(|g| g.contains(&kind))?;
        group.iter().copied().find(|k| self.layout.entity(*k).is_some())
    }

    /// The tab of the list shown: the deepest level on the path that has
    /// one (a rate limit's list at the top is under the first).
    pub fn tab_kind(&self) -> Kind {
        let heads = self.tab_heads();
        self.stack
            .iter()
            .rev()
            .find_map(|s| self.head_of(s.kind))
            .or_else(|| heads.first().copied())
            .unwrap_or(Kind::Tenant)
    }

    /// Shows the list of tab `head`: the level of it on the path (the
    /// levels below it are left, as Esc would); else its rows under the
    /// row opened in its parent's list on the path (Enter there: a row
    /// only selected in the list shown is not opened); else the same on
    /// the path set aside by the last jump off it; else all its rows,
    /// across parents, on a path of their own (the one left is set aside,
    /// to come back to: Esc there, or another of its tabs).
    pub fn show_tab(&mut self, head: Kind) {
        if self.head_of(self.current().kind) == Some(head) {
            return;
        }
        self.leave_current();
        if self.show_on_path(head) {
            return;
        }
        if self.reaches(&self.aside, head) {
            std::mem::swap(&mut self.stack, &mut self.aside);
            self.jumped = !self.jumped;
            self.show_on_path(head);
            return;
        }
        // A path of its own: the one left is kept to come back to (a
        // path started so before is not: it is left for this one).
        if !self.jumped {
            self.aside = std::mem::replace(&mut self.stack, vec![Stage::new(head, None)]);
        } else {
            self.stack = vec![Stage::new(head, None)];
        }
        self.jumped = true;
    }

    /// Does `path` hold tab `head`'s list, or a row opened that its list is
    /// under (its parent's, or its grandparent's where it is listed across)?
    fn reaches(&self, path: &[Stage], head: Kind) -> bool {
        let parent = self.layout.parent_of(head);
        let grandparent = self.layout.grandparent_of(head);
        path.iter().enumerate().any(|(i, s)| {
            self.head_of(s.kind) == Some(head)
                || ((Some(s.kind) == parent || Some(s.kind) == grandparent) && opened(path, i).is_some())
        })
    }

    /// `show_tab` on the path shown: false when it does not reach `head`.
    fn show_on_path(&mut self, head: Kind) -> bool {
        if let Some(i) = self.stack.iter().rposition(|s| self.head_of(s.kind) == Some(head)) {
            self.stack.truncate(i + 1);
            return true;
        }
        let parent = self.layout.parent_of(head).and_then(|p| {
            let j = self.stack.iter().rposition(|s| s.kind == p)?;
            let row = opened(&self.stack, j)?;
            Some((j, (row.id.clone(), row.title.clone().unwrap_or_else(|| row.id.clone()))))
        });
        if let Some((j, crumb)) = parent {
            self.stack.truncate(j + 1);
            self.stack.push(Stage::new(head, Some(crumb)));
            return true;
        }
        // Else the row above its parent: its rows across that row's children.
        let above = self.layout.grandparent_of(head).and_then(|g| {
            let j = self.stack.iter().rposition(|s| s.kind == g)?;
            let row = opened(&self.stack, j)?;
            Some((j, (row.id.clone(), row.title.clone().unwrap_or_else(|| row.id.clone()))))
        });
        let Some((j, crumb)) = above else { return false };
        self.stack.truncate(j + 1);
        self.stack.push(Stage { across: true, ..Stage::new(head, Some(crumb)) });
        true
    }

    pub fn current(&self) -> &Stage {
        self.stack.last().expect("the root level is never popped")
    }

    fn current_mut(&mut self) -> &mut Stage {
        self.stack.last_mut().expect("the root level is never popped")
    }

    /// The entity of the row level `s` is listed under: its parent's, its
    /// grandparent's (listed across), or the one it is listed under besides
    /// (`listed_under`).
    pub fn parent_kind(&self, s: &Stage) -> Option<Kind> {
        s.parent.as_ref()?;
        match (s.via, s.across) {
            (Some(via), _) => Some(via),
            (None, true) => self.layout.grandparent_of(s.kind),
            (None, false) => self.layout.parent_of(s.kind),
        }
    }

    /// The entities listed under a row of `kind` (first: where Enter goes):
    /// its children, then what it lists besides (`listed_under`); a bot's
    /// conversations before its visitors.
    pub fn children(&self, kind: Kind) -> Vec<Kind> {
        let l = &self.layout;
        let mut children: Vec<Kind> = l
            .kinds()
            .filter(|k| l.entity(*k).is_some_and(|e| e.derived_from.is_none()) && l.parent_of(*k) == Some(kind))
            .chain(l.kinds().filter(|k| l.listed_by(*k, kind).is_some()))
            .filter(|k| !own_tab(l, *k))
            .collect();
        children.sort_by_key(|k| *k == Kind::Lead);
        children
    }

    /// A level of `child`'s rows under the row `parent` of `kind`: through
    /// `listed_under` where `kind` is not its parent.
    fn level_under(&self, kind: Kind, child: Kind, parent: (String, String)) -> Stage {
        let via = (self.layout.parent_of(child) != Some(kind)).then_some(kind);
        Stage { via, ..Stage::new(child, Some(parent)) }
    }

    pub fn loading(&self) -> bool {
        self.current().loading
    }

    /// Is a row of `kind` read whole for its detail? A table's own rows
    /// with an id; not a message (read in the transcript) or a rate limit
    /// (the Limits tab has it).
    pub fn reads_whole(&self, kind: Kind) -> bool {
        !matches!(kind, Kind::Message | Kind::RateLimit)
            && self.layout.entity(kind).is_some_and(|e| e.table.is_some() && e.id.is_some() && e.json_array.is_none())
    }

    /// The read of the selected row whole, when the detail shows it and
    /// it is not the one read last: debounced, so moving quickly over rows
    /// reads only the one stopped on.
    pub fn want_whole_row(&mut self, generation: u64) -> Option<Effect> {
        let s = self.current();
        let want = s.selected_row().filter(|_| self.detail && self.reads_whole(s.kind)).map(|r| (s.kind, r.id.clone()));
        if want.is_none() || want == self.whole.of {
            return None;
        }
        let (kind, id) = want.clone().expect("checked");
        self.whole = WholeRow { of: want, generation, fields: None };
        self.detail_scroll = 0;
        let load = Effect::LoadRowFields { generation, kind, id };
        Some(Effect::Debounce { delay_ms: super::DETAIL_DEBOUNCE_MS, effect: Box::new(load) })
    }

    /// The row read whole arrived: kept when it is the one asked last.
    pub fn apply_whole_row(
        &mut self,
        generation: u64,
        result: Result<Option<Vec<(String, serde_json::Value)>>, String>,
    ) {
        if self.whole.generation == generation {
            self.whole.fields = Some(result);
        }
    }

    /// The loads the shown level needs: its first page, and its count
    /// (a task of its own, so neither supersedes the other).
    pub fn want(&mut self, generation: u64) -> Vec<Effect> {
        let s = self.current_mut();
        if s.loaded || s.loading || s.error.is_some() {
            return Vec::new();
        }
        s.loading = true;
        s.generation = generation;
        s.count_generation = generation;
        // The list's own count (capped), not one `c` asked for.
        s.exact_asked = false;
        s.pending = Placing::Replace;
        vec![
            s.load(generation, None, s.from_end),
            Effect::CountMapped { generation, kind: s.kind, under: s.under(), filter: s.filter.clone(), exact: false },
        ]
    }

    /// The shown list's count arrived (kept when it is for the count asked
    /// last). A failure is given back to be said; the rows still page and
    /// the count shown stays. What to say: the count `c` asked for (a
    /// list's own count is in its title, unsaid).
    pub fn apply_count(
        &mut self,
        generation: u64,
        result: Result<Option<crate::db::RowCount>, String>,
    ) -> Result<Option<String>, String> {
        let label = self.label();
        let s = self.current_mut();
        if s.count_generation != generation {
            return Ok(None);
        }
        let asked = std::mem::take(&mut s.exact_asked);
        let count = result?;
        s.count = count;
        Ok(count.filter(|_| asked).map(|c| match c {
            crate::db::RowCount::Exact(1) => format!("{label}: 1 row"),
            c => format!("{label}: {} rows", c.label()),
        }))
    }

    /// A page arrived: kept when it is the shown level's latest load.
    pub fn apply(&mut self, generation: u64, result: Result<MappedPage, String>) {
        let s = self.current_mut();
        if s.generation != generation {
            return;
        }
        s.loading = false;
        match result {
            Ok(page) => {
                match s.pending {
                    Placing::Append => {
                        s.rows.extend(page.rows);
                        s.next = page.next;
                    }
                    // Read up from the end: the page above, the selection kept on its row.
                    Placing::Prepend => {
                        s.selected += page.rows.len();
                        s.offset.set(s.offset.get() + page.rows.len());
                        s.rows.splice(0..0, page.rows);
                        s.prev = page.next;
                    }
                    Placing::Replace if s.from_end => {
                        s.selected = page.rows.len().saturating_sub(1);
                        s.rows = page.rows;
                        s.prev = page.next;
                        s.next = None;
                    }
                    Placing::Replace => {
                        s.rows = page.rows;
                        s.selected = 0;
                        s.next = page.next;
                    }
                }
                s.loaded = true;
                s.error = None;
                // The moves that waited for these rows; what goes past them
                // too waits for the next page.
                let waiting = std::mem::take(&mut s.pending_moves);
                if waiting != 0 {
                    let (n, below, above) = (s.rows.len(), s.next.is_some(), s.prev.is_some());
                    s.pending_moves = super::list::move_within(&mut s.selected, n, waiting, below, above);
                }
            }
            Err(e) => {
                s.error = Some(e);
                s.pending_moves = 0;
            }
        }
    }

    /// After reconnecting: every level that failed, on the path shown and
    /// the one set aside, is read again when it is shown (the shown one at
    /// once).
    pub fn retry_failed(&mut self) {
        for s in self.stack.iter_mut().chain(self.aside.iter_mut()).filter(|s| s.error.is_some()) {
            if s.rows.is_empty() {
                s.clear_rows();
            } else {
                // A page below the rows failed: they stay, and the next move
                // asks for it again.
                s.error = None;
            }
        }
        if matches!(self.whole.fields, Some(Err(_))) {
            self.whole.of = None;
        }
    }

    /// Reload the shown level (after a failure, or `r`).
    pub fn reload(&mut self) {
        let s = self.current_mut();
        s.loaded = false;
        s.loading = false;
        s.error = None;
        s.pending_moves = 0;
    }

    pub fn on_command(&mut self, cmd: Command, generation: u64, height: usize) -> Reply {
        // With the whole pane the detail's, moving keys scroll it (to its
        // top and end too); with no row to show, the list has them.
        let full = self.detail_full && self.current().selected_row().is_some();
        let max = self.detail_max.get().unwrap_or(u16::MAX);
        let scrolled = match cmd {
            Command::DetailDown => Some(self.detail_scroll.saturating_add(3)),
            Command::DetailUp => Some(self.detail_scroll.saturating_sub(3)),
            Command::Down if full => Some(self.detail_scroll.saturating_add(1)),
            Command::Up if full => Some(self.detail_scroll.saturating_sub(1)),
            Command::PageDown if full => Some(self.detail_scroll.saturating_add(10)),
            Command::PageUp if full => Some(self.detail_scroll.saturating_sub(10)),
            Command::Top if full => Some(0),
            Command::Bottom if full => Some(max),
            _ => None,
        };
        if let Some(to) = scrolled {
            self.detail_scroll = to.min(max);
            return Reply::default();
        }
        let from_end_ok = self.reads_from_end();
        let kind = self.current().kind;
        let derived = self.layout.entity(kind).is_some_and(|e| e.derived_from.is_some());
        let label = self.layout.label(kind).to_string();
        let s = self.current_mut();
        let n = s.rows.len();
        let page = height.max(1);
        match cmd {
            // G with rows below the loaded ones: the list's end, read up from
            // it in one page (never a walk); g back to its top the same way.
            Command::Bottom if from_end_ok && (s.next.is_some() || (s.loading && !s.from_end)) => {
                return self.restart(true, generation);
            }
            Command::Top if s.from_end && (s.prev.is_some() || s.loading) => return self.restart(false, generation),
            // c: every row counted (the list's own count stops at a cap).
            Command::ExactCount if derived => {
                return Reply::info(format!(
                    "{label} are not counted: they are the distinct ids of other rows (a count would read them all)"
                ));
            }
            Command::ExactCount => {
                s.count_generation = generation;
                s.exact_asked = true;
                let (kind, under, filter) = (s.kind, s.under(), s.filter.clone());
                return Reply::info("counting every row…").with(Effect::CountMapped {
                    generation,
                    kind,
                    under,
                    filter,
                    exact: true,
                });
            }
            // i: the detail in the whole pane, then hidden, then back.
            Command::ToggleDetail => {
                (self.detail, self.detail_full) = match (self.detail, self.detail_full) {
                    (true, false) => (true, true),
                    (true, true) => (false, false),
                    (false, _) => (true, false),
                };
                return Reply::default();
            }

            _ if let Some(delta) = super::list::step(cmd, page) => {
                let (more_below, more_above) =
                    super::list::more_coming(s.next.is_some(), s.prev.is_some(), s.loading, s.from_end);
                let overshoot = super::list::move_within(&mut s.selected, n, delta, more_below, more_above);
                s.pending_moves = s.pending_moves.saturating_add(overshoot);
            }
            _ if super::list::move_selection(&mut s.selected, n, page, cmd) => {}
            Command::Open => return self.open(),
            Command::OtherList => return self.other_list(),
            Command::MoreLikeThis => return self.more_like_this(),
            Command::SearchKnowledgeBase => return self.text_search(),
            Command::Back => {
                self.back();
                return Reply::default();
            }
            Command::Filter => {
                let filter = self.current().filter.clone();
                return Reply { prompt: Some((super::InputPurpose::BrowseFilter, filter)), ..Reply::default() };
            }
            _ => {}
        }
        self.load_near_selection(generation, page)
    }

    /// The page next to the selection when it is within a page of the
    /// loaded end (or, read from the end, of the loaded top) and none is
    /// loading: after a move, and after a page lands with moves waiting.
    pub fn load_near_selection(&mut self, generation: u64, page: usize) -> Reply {
        let page = page.max(1);
        let s = self.current_mut();
        let (below, above) = (s.next.clone(), s.prev.clone());
        let (after, backward, placing) = match (below, above) {
            (Some(after), _) if !s.loading && s.selected + page >= s.rows.len() => (after, false, Placing::Append),
            (_, Some(before)) if !s.loading && s.selected < page => (before, true, Placing::Prepend),
            _ => return Reply::default(),
        };
        s.loading = true;
        s.generation = generation;
        s.pending = placing;
        Reply::default().with(s.load(generation, Some(after), backward))
    }

    /// Reads the shown list again from its end (`G`) or its top (`g`); a
    /// page still loading from the other end is dropped (a new generation).
    fn restart(&mut self, from_end: bool, generation: u64) -> Reply {
        self.detail_full = false;
        let s = self.current_mut();
        s.clear_rows();
        s.from_end = from_end;
        s.loading = true;
        s.generation = generation;
        Reply::default().with(s.load(generation, None, from_end))
    }

    /// Enter: the selected row's first child entity (a session's messages,
    /// a demo's sessions…); on a rate limit, its editor where the layout
    /// declares the write.
    fn open(&mut self) -> Reply {
        let s = self.current();
        let Some(row) = s.selected_row() else { return Reply::default() };
        let kind = s.kind;
        // A rate limit is read and edited in the Limits tab, as ours are.
        if kind == Kind::RateLimit {
            return Reply { limit: Some(row.id.clone()), ..Reply::default() };
        }
        let children = self.children(kind);
        let Some(child) = children.first().copied() else {
            return Reply::info(format!("nothing below {} here", self.layout.label(kind)));
        };
        // A conversation is read in the Transcript tab, as ours are.
        if child == Kind::Message {
            return Reply { transcript: Some(row.id.clone()), ..Reply::default() };
        }
        let parent = (row.id.clone(), row.title.clone().unwrap_or_else(|| row.id.clone()));
        let level = self.level_under(kind, child, parent);
        self.leave_current();
        self.stack.push(level);
        Reply::default()
    }

    /// Esc: clears the shown list's filter first, then goes up a level;
    /// at the top of a path a tab jumped to, back to the one it left.
    pub fn back(&mut self) {
        if self.detail_full {
            // The list again, the detail under it.
            self.detail_full = false;
        } else if !self.current().filter.is_empty() {
            self.set_filter(String::new());
        } else if self.stack.len() > 1 {
            self.stack.pop();
        } else if self.jumped && !self.aside.is_empty() {
            self.leave_current();
            self.stack = std::mem::take(&mut self.aside);
            self.jumped = false;
        }
    }

    /// The shown level is being left for another: a page it was waiting for
    /// will be dropped when it comes (its generation is no longer the shown
    /// one's), so it must not stay waiting; the next page is asked again
    /// when the operator comes back and moves.
    fn leave_current(&mut self) {
        // Not loaded: its first page is asked again on return (`want`);
        // moves that waited for the page in flight are not for it.
        let s = self.current_mut();
        s.loading = false;
        s.pending_moves = 0;
        // Another level shows its list first.
        self.detail_full = false;
    }

    /// Shows the current list filtered by `words` (reloaded from the start).
    pub fn set_filter(&mut self, words: String) {
        // The list is shown again, to see what the filter kept.
        self.detail_full = false;
        let s = self.current_mut();
        s.filter = words;
        s.count = None;
        s.clear_rows();
    }

    /// Can the shown list be read from its end? (A table's rows or a
    /// derived list's ids; not an array's elements.)
    fn reads_from_end(&self) -> bool {
        let s = self.current();
        self.layout.entity(s.kind).is_some_and(|e| {
            (e.table.is_some() && e.json_array.is_none()) || (e.derived_from.is_some() && s.filter.is_empty())
        })
    }

    /// `m` on a row with a vector: the rows nearest to it, in the Search
    /// tab (no model needed).
    fn more_like_this(&self) -> Reply {
        let s = self.current();
        let has_vectors = self.layout.entity(s.kind).is_some_and(|e| e.embedding.is_some());
        let Some(row) = s.selected_row().filter(|_| has_vectors) else {
            return Reply::info("more like this works on rows with a vector (chunks, memories)");
        };
        // Listed across a row's children: searched across them where
        // those are documents (a domain's pages' chunks); else from one.
        let through_documents = self.layout.parent_of(s.kind) == Some(Kind::Document);
        if s.across && !through_documents {
            let parents = self.layout.parent_of(s.kind).map(|p| self.layout.label(p)).unwrap_or("parents");
            return Reply::info(format!("open one of its {} to search more like a row there", parents.to_lowercase()));
        }
        let scope = self.search_scope(s.kind, s.parent.clone(), s.across);
        Reply { search: Some(super::SearchOpen::Like { scope, id: row.id.clone() }), ..Reply::default() }
    }

    /// Where `s` searches: the shown list's vectors under its parent, or
    /// the vectors under the selected row (a demo's knowledge, a
    /// document's chunks and their knowledge base's), or in the documents
    /// under it (a domain's pages' chunks): (entity, (row id, what it is
    /// called), whether that row is the documents' parent).
    pub fn text_search_target(&self) -> Option<(Kind, (String, String), bool)> {
        let s = self.current();
        let has_vectors = |k: Kind| self.layout.entity(k).is_some_and(|e| e.embedding.is_some() && e.parent.is_some());
        if has_vectors(s.kind)
            && let Some(parent) = &s.parent
        {
            // Listed across a row's children: under that row only through
            // documents (all its pages' chunks).
            if !s.across {
                return Some((s.kind, parent.clone(), false));
            }
            if self.layout.parent_of(s.kind) == Some(Kind::Document) {
                return Some((s.kind, parent.clone(), true));
            }
            return None;
        }
        let row = s.selected_row()?;
        let crumb = (row.id.clone(), row.title.clone().unwrap_or_else(|| row.id.clone()));
        // Its knowledge first: chunks of its own (001's demo), else its
        // documents' chunks (002's project); else other vectors under it
        // (002's memories: searched from their own list too).
        let children = self.children(s.kind);
        if children.contains(&Kind::Chunk) && has_vectors(Kind::Chunk) {
            return Some((Kind::Chunk, crumb, false));
        }
        let through_documents = children
            .iter()
            .find(|k| **k == Kind::Document)
            .and_then(|d| self.children(*d).into_iter().find(|k| has_vectors(*k)));
        if let Some(chunks) = through_documents {
            return Some((chunks, crumb, true));
        }
        let child = children.into_iter().find(|k| has_vectors(*k))?;
        Some((child, crumb, false))
    }

    /// `s`: a text query on the vectors here, typed in the Search tab.
    fn text_search(&self) -> Reply {
        match self.text_search_target() {
            Some((kind, within, whole)) => {
                let scope = self.search_scope(kind, Some(within), whole);
                Reply { search: Some(super::SearchOpen::Ask(scope)), ..Reply::default() }
            }
            None => {
                let l = &self.layout;
                let searched =
                    l.kinds().find(|k| l.entity(*k).is_some_and(|e| e.embedding.is_some() && e.parent.is_some()));
                match searched.and_then(|k| Some((k, l.parent_of(k)?))) {
                    Some((k, p)) => Reply::info(format!(
                        "a question searches the {} under one row of {}: select that row, or open its {}",
                        l.label(k),
                        l.label(p),
                        l.label(k)
                    )),
                    None => Reply::info("this layout has no vectors under a row to search"),
                }
            }
        }
    }

    /// What the Search tab searches for `kind`'s vectors under `within`,
    /// or (`whole`) in every document under it (a domain's pages' chunks):
    /// through the column's index when it has one, by the distance it serves.
    fn search_scope(&self, kind: Kind, within: Option<(String, String)>, whole: bool) -> crate::search::Scope {
        use crate::search::LayoutScope;
        let (index, metric) = (self.vector_index.get(&kind).cloned(), self.vector_metric.get(&kind).copied());
        let metric = metric.unwrap_or_default();
        crate::search::Scope::Layout(match within {
            Some(within) if whole => LayoutScope::under_documents_of(&self.layout, kind, within, index, metric),
            within => LayoutScope::new(&self.layout, kind, within, index, metric),
        })
    }

    /// Does the list shown answer `cmd` with something to do (for the
    /// footer and the help: Enter where a row has something below it, `o`
    /// where the list has siblings, `m` and `s` where there are vectors)?
    pub fn answers(&self, cmd: Command) -> bool {
        let s = self.current();
        let kind = s.kind;
        match cmd {
            Command::Open => kind == Kind::RateLimit || !self.children(kind).is_empty(),
            Command::OtherList => self.other_lists().len() > 1,
            Command::MoreLikeThis => {
                self.layout.entity(kind).is_some_and(|e| e.embedding.is_some())
                    && (!s.across || self.layout.parent_of(kind) == Some(Kind::Document))
            }
            Command::SearchKnowledgeBase => self.text_search_target().is_some(),
            // A list with nothing to filter on (001's derived conversations)
            // refuses one; another takes words, a status or a time.
            Command::DetailDown | Command::DetailUp => self.detail,
            Command::Filter => ["word", "status:x", "after:2000-01-01", "id:x"]
                .iter()
                .any(|f| crate::db::mapped::check_filter(&self.layout, kind, f).is_ok()),
            _ => true,
        }
    }

    /// The filter as typed, with a key typed by its start written whole
    /// (`mapped::expand_keys`) and a value the schema lists written as it
    /// lists it (`inprogress` → `inProgress`: the server compares exactly).
    pub fn canonical_filter(&self, kind: Kind, text: &str) -> String {
        let text = crate::db::mapped::expand_keys(&self.layout, kind, text);
        crate::db::Filter::rewrite_terms(&text, |key, value| {
            let listed = self.key_type(kind, key).filter(|_| key != "id")?.listed_spelling(value)?;
            (listed != value).then(|| (key.to_string(), listed.to_string()))
        })
    }

    /// The type of the column filter key `key` of `kind`'s list names (its
    /// status, its id, else the shown column of that name), as read.
    fn key_type(&self, kind: Kind, key: &str) -> Option<&crate::db::mapped::KeyType> {
        let e = self.layout.entity(kind)?;
        let column = match key {
            "status" => e.status.clone()?,
            "id" => e.id.clone()?,
            _ => key.to_string(),
        };
        self.key_types.get(&(kind, column))
    }

    /// Refuses a filter a list of `kind` cannot take, before anything is
    /// sent: keys it does not have (`check_filter`), and values their
    /// columns cannot hold (`active:maybe`).
    pub fn check_filter(&self, kind: Kind, text: &str) -> Result<(), String> {
        let filter = crate::db::mapped::check_filter(&self.layout, kind, text).map_err(|e| e.to_string())?;
        let e = self.layout.entity(kind);
        for (key, value) in &filter.terms {
            let Some(typed) = self.key_type(kind, key) else { continue };
            if key == "id" {
                crate::db::mapped::IdMatch::parse(&typed.udt, value).map_err(|e| e.to_string())?;
            } else {
                crate::db::mapped::KeyValue::parse(&typed.udt, key, value).map_err(|e| e.to_string())?;
                // A soft-deleted row's state is no value of its column.
                let deleted = key == "status" && e.is_some_and(|e| e.deleted_at.is_some());
                typed.check_listed(key, value, if deleted { &["deleted"] } else { &[] }).map_err(|e| e.to_string())?;
            }
        }
        Ok(())
    }

    /// The lists that share this level, the shown one among them:
    /// (entity, parentless). At the top, the roots and the rows of other
    /// entities that have no parent; below, a row's kinds of children (a
    /// demo's sessions or documents). None for a tab's list of all rows of
    /// an entity that has a parent.
    pub fn other_lists(&self) -> Vec<(Kind, bool)> {
        let depth = self.stack.len();
        let options: Vec<(Kind, bool)> = if depth == 1 {
            roots(&self.layout)
                .into_iter()
                .map(|k| (k, false))
                .chain(self.parentless.iter().map(|k| (*k, true)))
                .collect()
        } else {
            self.children(self.stack[depth - 2].kind).into_iter().map(|k| (k, false)).collect()
        };
        let current = (self.current().kind, self.current().parentless);
        if options.contains(&current) { options } else { Vec::new() }
    }

    /// `o`: the next list at this level.
    fn other_list(&mut self) -> Reply {
        let options = self.other_lists();
        let current = (self.current().kind, self.current().parentless);
        let i = options.iter().position(|k| *k == current).unwrap_or(0);
        let Some((next, parentless)) = options.get((i + 1) % options.len().max(1)).copied().filter(|k| *k != current)
        else {
            return Reply::info("no other list here");
        };
        let parent = self.current().parent.clone();
        let depth = self.stack.len();
        let level = match parent {
            Some(parent) if depth > 1 => self.level_under(self.stack[depth - 2].kind, next, parent),
            parent => Stage { parentless, ..Stage::new(next, parent) },
        };
        *self.current_mut() = level;
        Reply::default()
    }

    /// The tab's title: the shown entity in the platform's words.
    pub fn label(&self) -> String {
        let s = self.current();
        let label = self.layout.label(s.kind);
        if s.parentless {
            let parent = self.layout.parent_of(s.kind).map(|p| self.layout.label(p)).unwrap_or("a parent");
            return format!("{label} outside {parent}");
        }
        if s.across {
            let parent = self.layout.parent_of(s.kind).map(|p| self.layout.label(p)).unwrap_or("its rows");
            return format!("{label} of all its {}", parent.to_lowercase());
        }
        label.to_string()
    }
}

/// The entities at the top: those with no parent column (tenants, a
/// layout's global lists, its rate limits).
pub fn roots(layout: &Layout) -> Vec<Kind> {
    layout.kinds().filter(|k| layout.parent_of(*k).is_none() && !own_tab(layout, *k)).collect()
}

/// Is `kind` shown in a tab of its own rather than on the entity tabs' path?
/// Ours: its knowledge in the Documents tab (uploads, ingest), its rate
/// limits in the Limits tab (defaults and tenants' overrides).
fn own_tab(layout: &Layout, kind: Kind) -> bool {
    layout.is_native() && (TAB_GROUPS[3].contains(&kind) || kind == Kind::RateLimit)
}
