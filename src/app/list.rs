//! A list that pages from the server with keyset pagination and loads more
//! as the selection nears the end. It is read from the top (`g`) or from
//! the bottom (`G`): the bottom of millions of rows is one backward page
//! away, and rows above it load as the selection climbs.

use crate::action::{Effect, ListQuery, LoadError};
use crate::db::{Cursor, Page, RowCount, Seek};

#[derive(Debug, Clone)]
pub struct PagedList<R> {
    pub rows: Vec<R>,
    pub selected: usize,
    /// First visible row (kept by `scroll_into_view`).
    pub offset: usize,
    /// Where the rows below the loaded ones start; `None` when none are left.
    pub next: Option<Cursor>,
    /// Where the rows above the loaded ones end (lists read from the
    /// bottom); `None` when the top is loaded.
    pub prev: Option<Cursor>,
    /// Read from the bottom (after `G`): rows load upwards.
    pub from_end: bool,
    /// Moves asked for past the loaded rows while a page was loading; they
    /// apply when it arrives, so no key press is lost.
    pub pending_moves: isize,
    /// What the rows belong to; `None` until the first load.
    pub query: Option<ListQuery>,
    /// Filter text as typed (shown above the list while set).
    pub filter_text: String,
    pub generation: u64,
    /// The generation counts belong to: a new query's (reset), kept when
    /// `g`/`G` re-read the same query from the other end.
    pub count_generation: u64,
    pub loading: bool,
    pub count: Option<RowCount>,
    pub counting: bool,
    pub error: Option<String>,
}

impl<R> Default for PagedList<R> {
    fn default() -> Self {
        PagedList {
            rows: Vec::new(),
            selected: 0,
            offset: 0,
            next: None,
            prev: None,
            from_end: false,
            pending_moves: 0,
            query: None,
            filter_text: String::new(),
            generation: 0,
            count_generation: 0,
            loading: false,
            count: None,
            counting: false,
            error: None,
        }
    }
}

impl<R> PagedList<R> {
    pub fn selected_row(&self) -> Option<&R> {
        self.rows.get(self.selected)
    }

    /// Starts over for `query` under a fresh generation: results of earlier
    /// requests will no longer match and are dropped.
    pub fn reset(&mut self, query: ListQuery, generation: u64, page_effects: &mut Vec<Effect>) {
        self.start_over(generation, false);
        self.count = None;
        self.counting = true;
        self.count_generation = generation;
        self.query = Some(query.clone());
        page_effects.push(Effect::LoadPage { generation, query: query.clone(), seek: Seek::First });
        page_effects.push(Effect::Count { generation, query, exact: false });
    }

    fn start_over(&mut self, generation: u64, from_end: bool) {
        self.rows.clear();
        self.selected = 0;
        self.offset = 0;
        self.next = None;
        self.prev = None;
        self.error = None;
        self.pending_moves = 0;
        self.from_end = from_end;
        self.loading = true;
        self.generation = generation;
    }

    /// `G`: the true end of the list. When rows below the loaded ones
    /// exist, the list is read again from its bottom (one backward page,
    /// nothing in between); otherwise the selection just moves there.
    /// `generation` is fresh, so a page still loading from the top is dropped.
    pub fn jump_to_end(&mut self, generation: u64, effects: &mut Vec<Effect>) {
        match (&self.query, self.next.is_some() || (self.loading && !self.from_end)) {
            (Some(query), true) => {
                let query = query.clone();
                self.start_over(generation, true);
                effects.push(Effect::LoadPage { generation, query, seek: Seek::Last });
            }
            _ => self.move_by(isize::MAX / 2),
        }
    }

    /// `g`: the top of the list, read again from the top if it was read
    /// from the bottom and the top is not loaded.
    pub fn jump_to_top(&mut self, generation: u64, effects: &mut Vec<Effect>) {
        match (&self.query, self.prev.is_some() || (self.loading && self.from_end)) {
            (Some(query), true) => {
                let query = query.clone();
                self.start_over(generation, false);
                effects.push(Effect::LoadPage { generation, query, seek: Seek::First });
            }
            _ => self.move_by(isize::MIN / 2),
        }
    }

    /// Applies a page if it belongs to the current generation.
    pub fn apply_page(&mut self, generation: u64, result: Result<Page<R>, LoadError>) -> bool {
        if generation != self.generation {
            return false;
        }
        self.loading = false;
        match result {
            Ok(page) if self.from_end && !self.rows.is_empty() => {
                // A page above the loaded rows: they shift down under it.
                let n = page.rows.len();
                self.rows.splice(0..0, page.rows);
                self.selected += n;
                self.offset += n;
                self.prev = page.next;
                self.error = None;
            }
            Ok(page) if self.from_end => {
                self.rows = page.rows;
                self.prev = page.next;
                self.selected = self.rows.len().saturating_sub(1);
                self.error = None;
            }
            Ok(page) => {
                self.rows.extend(page.rows);
                self.next = page.next;
                self.error = None;
            }
            Err(e) => self.error = Some(e.message),
        }
        self.clamp();
        let pending = std::mem::take(&mut self.pending_moves);
        if pending != 0 {
            self.move_by(pending);
        }
        true
    }

    pub fn apply_count(&mut self, generation: u64, result: Result<RowCount, LoadError>) -> bool {
        if generation != self.count_generation {
            return false;
        }
        self.counting = false;
        if let Ok(c) = result {
            self.count = Some(c);
        }
        true
    }

    /// Asks for the next page when the selection is within a quarter page
    /// of the loaded end.
    pub fn maybe_load_more(&mut self, page_size: u32, effects: &mut Vec<Effect>) {
        if self.loading || self.error.is_some() {
            return;
        }
        let Some(query) = self.query.clone() else {
            return;
        };
        let threshold = (page_size as usize / 4).max(1);
        let seek = match (self.next, self.prev) {
            (Some(next), _) if self.selected + threshold >= self.rows.len() => Seek::After(next),
            (_, Some(prev)) if self.selected < threshold => Seek::Before(prev),
            _ => return,
        };
        self.loading = true;
        effects.push(Effect::LoadPage { generation: self.generation, query, seek });
    }

    /// Moves the selection; a move past the loaded rows while more are
    /// loading that way is kept and applied when they arrive.
    pub fn move_by(&mut self, delta: isize) {
        let (more_below, more_above) =
            more_coming(self.next.is_some(), self.prev.is_some(), self.loading, self.from_end);
        let overshoot = move_within(&mut self.selected, self.rows.len(), delta, more_below, more_above);
        if self.loading {
            self.pending_moves = self.pending_moves.saturating_add(overshoot);
        }
    }

    pub fn clamp(&mut self) {
        if self.selected >= self.rows.len() {
            self.selected = self.rows.len().saturating_sub(1);
        }
    }

    /// Keeps the selection visible in a viewport of `height` rows.
    pub fn scroll_into_view(&mut self, height: usize) {
        self.offset = offset_showing(self.selected, self.offset, height);
    }

    /// "N of M" for the list title (read from the bottom with an unknown
    /// number of rows above: "N from the end").
    pub fn position_label(&self) -> String {
        let total = match &self.count {
            Some(c) => c.label(),
            None if self.counting => "counting…".into(),
            None => "?".into(),
        };
        if self.rows.is_empty() {
            return format!("0 of {total}");
        }
        if self.prev.is_some() {
            let from_end = self.rows.len() - self.selected;
            return match self.count {
                Some(RowCount::Exact(n)) => format!("{} of {total}", crate::db::page::group(n - from_end as i64 + 1)),
                _ => format!("{from_end} from the end of {total}"),
            };
        }
        format!("{} of {total}", crate::db::page::group(self.selected as i64 + 1))
    }
}

/// The first visible row of a viewport of `height` rows that was at
/// `offset`, moved as little as possible to show row `selected`.
pub fn offset_showing(selected: usize, offset: usize, height: usize) -> usize {
    let height = height.max(1);
    if selected < offset {
        selected
    } else if selected >= offset + height {
        selected + 1 - height
    } else {
        offset
    }
}

/// What the app does with any of its lists, whatever their rows: the
/// seven lists are handled through this (`App::list`/`App::list_mut` are
/// the one place that maps a `ListKind` to its list), and only rendering
/// and applying a page see the row types.
pub trait AnyList {
    fn query(&self) -> Option<&ListQuery>;
    /// Forget the query: the next `sync` reloads the list.
    fn invalidate(&mut self);
    fn reset(&mut self, query: ListQuery, generation: u64, effects: &mut Vec<Effect>);
    fn maybe_load_more(&mut self, page_size: u32, effects: &mut Vec<Effect>);
    fn scroll_into_view(&mut self, height: usize);
    fn generation(&self) -> u64;
    fn count_generation(&self) -> u64;
    fn loading(&self) -> bool;
    fn failed(&self) -> bool;
    fn apply_count(&mut self, generation: u64, result: Result<RowCount, LoadError>) -> bool;
    /// Starts an exact count: returns the generation it belongs to.
    fn start_count(&mut self) -> u64;
    fn filter_text(&self) -> &str;
    fn set_filter_text(&mut self, text: String);
    fn move_by(&mut self, delta: isize);
    fn jump_to_top(&mut self, generation: u64, effects: &mut Vec<Effect>);
    fn jump_to_end(&mut self, generation: u64, effects: &mut Vec<Effect>);
}

impl<R> AnyList for PagedList<R> {
    fn query(&self) -> Option<&ListQuery> {
        self.query.as_ref()
    }
    fn invalidate(&mut self) {
        self.query = None;
    }
    fn reset(&mut self, query: ListQuery, generation: u64, effects: &mut Vec<Effect>) {
        PagedList::reset(self, query, generation, effects)
    }
    fn maybe_load_more(&mut self, page_size: u32, effects: &mut Vec<Effect>) {
        PagedList::maybe_load_more(self, page_size, effects)
    }
    fn scroll_into_view(&mut self, height: usize) {
        PagedList::scroll_into_view(self, height)
    }
    fn generation(&self) -> u64 {
        self.generation
    }
    fn count_generation(&self) -> u64 {
        self.count_generation
    }
    fn loading(&self) -> bool {
        self.loading
    }
    fn failed(&self) -> bool {
        self.error.is_some()
    }
    fn apply_count(&mut self, generation: u64, result: Result<RowCount, LoadError>) -> bool {
        PagedList::apply_count(self, generation, result)
    }
    fn start_count(&mut self) -> u64 {
        self.counting = true;
        self.count = None;
        self.count_generation
    }
    fn filter_text(&self) -> &str {
        &self.filter_text
    }
    fn set_filter_text(&mut self, text: String) {
        self.filter_text = text;
    }
    fn move_by(&mut self, delta: isize) {
        PagedList::move_by(self, delta)
    }
    fn jump_to_top(&mut self, generation: u64, effects: &mut Vec<Effect>) {
        PagedList::jump_to_top(self, generation, effects)
    }
    fn jump_to_end(&mut self, generation: u64, effects: &mut Vec<Effect>) {
        PagedList::jump_to_end(self, generation, effects)
    }
}

/// Whether rows are still to come below and above the loaded ones: a
/// page beyond them, or one loading in that direction.
pub fn more_coming(next: bool, prev: bool, loading: bool, from_end: bool) -> (bool, bool) {
    (next || (loading && !from_end), prev || (loading && from_end))
}

/// Moves `selected` by `delta` among `n` loaded rows. Returns how far the
/// move went past them where more rows are coming that way (`more_below`,
/// `more_above`), to apply when they land (no key press lost); 0 otherwise.
/// Jumps (g/G use huge deltas) are never carried; steps and pages are.
pub fn move_within(selected: &mut usize, n: usize, delta: isize, more_below: bool, more_above: bool) -> isize {
    let max = n as isize - 1;
    let want = (*selected as isize).saturating_add(delta);
    let overshoot = match () {
        _ if want > max && more_below => want - max.max(0),
        _ if want < 0 && more_above => want,
        _ => 0,
    };
    *selected = if n == 0 { 0 } else { want.clamp(0, max) as usize };
    if overshoot.unsigned_abs() < 1_000_000 { overshoot } else { 0 }
}

/// How far a step or page command moves the selection (`page` rows a
/// page); `None` for any other command (jumps included).
pub fn step(cmd: crate::keymap::Command, page: usize) -> Option<isize> {
    use crate::keymap::Command;
    let page = page.max(1) as isize;
    match cmd {
        Command::Up => Some(-1),
        Command::Down => Some(1),
        Command::PageUp => Some(-page),
        Command::PageDown => Some(page),
        _ => None,
    }
}

/// Moves `selected` in a list of `n` rows for a movement command (`page`
/// rows a page); false when `cmd` is not one. The panes that keep a plain
/// row vector (limits, audit, the layout browser) share it.
pub fn move_selection(selected: &mut usize, n: usize, page: usize, cmd: crate::keymap::Command) -> bool {
    use crate::keymap::Command;
    let last = n.saturating_sub(1);
    *selected = match cmd {
        Command::Up => selected.saturating_sub(1),
        Command::Down => (*selected + 1).min(last),
        Command::PageUp => selected.saturating_sub(page.max(1)),
        Command::PageDown => (*selected + page.max(1)).min(last),
        Command::Top => 0,
        Command::Bottom => last,
        _ => return false,
    };
    true
}
