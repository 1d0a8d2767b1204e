//! A list that pages from the server with keyset pagination and loads more
//! as the selection nears the end.

use crate::action::{Effect, ListQuery, LoadError};
use crate::db::{Cursor, Page, RowCount};

#[derive(Debug, Clone)]
pub struct PagedList<R> {
    pub rows: Vec<R>,
    pub selected: usize,
    /// First visible row (kept by `scroll_into_view`).
    pub offset: usize,
    /// Where the next page starts; `None` when everything is loaded.
    pub next: Option<Cursor>,
    /// What the rows belong to; `None` until the first load.
    pub query: Option<ListQuery>,
    /// Filter text as typed (shown above the list while set).
    pub filter_text: String,
    pub generation: u64,
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
            query: None,
            filter_text: String::new(),
            generation: 0,
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
        self.rows.clear();
        self.selected = 0;
        self.offset = 0;
        self.next = None;
        self.error = None;
        self.count = None;
        self.counting = true;
        self.loading = true;
        self.generation = generation;
        self.query = Some(query.clone());
        page_effects.push(Effect::LoadPage { generation, query: query.clone(), after: None });
        page_effects.push(Effect::Count { generation, query, exact: false });
    }

    /// Applies a page if it belongs to the current generation.
    pub fn apply_page(&mut self, generation: u64, result: Result<Page<R>, LoadError>) -> bool {
        if generation != self.generation {
            return false;
        }
        self.loading = false;
        match result {
            Ok(page) => {
                self.rows.extend(page.rows);
                self.next = page.next;
                self.error = None;
            }
            Err(e) => self.error = Some(e.message),
        }
        self.clamp();
        true
    }

    pub fn apply_count(&mut self, generation: u64, result: Result<RowCount, LoadError>) -> bool {
        if generation != self.generation {
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
        let (Some(next), Some(query)) = (self.next, self.query.clone()) else {
            return;
        };
        let threshold = (page_size as usize / 4).max(1);
        if self.selected + threshold >= self.rows.len() {
            self.loading = true;
            effects.push(Effect::LoadPage { generation: self.generation, query, after: Some(next) });
        }
    }

    pub fn move_by(&mut self, delta: isize) {
        if self.rows.is_empty() {
            self.selected = 0;
            return;
        }
        let max = self.rows.len() as isize - 1;
        self.selected = (self.selected as isize + delta).clamp(0, max) as usize;
    }

    pub fn clamp(&mut self) {
        if self.selected >= self.rows.len() {
            self.selected = self.rows.len().saturating_sub(1);
        }
    }

    /// Keeps the selection visible in a viewport of `height` rows.
    pub fn scroll_into_view(&mut self, height: usize) {
        let height = height.max(1);
        if self.selected < self.offset {
            self.offset = self.selected;
        } else if self.selected >= self.offset + height {
            self.offset = self.selected + 1 - height;
        }
    }

    /// "N of M" for the list title.
    pub fn position_label(&self) -> String {
        let total = match &self.count {
            Some(c) => c.label(),
            None if self.counting => "counting…".into(),
            None => "?".into(),
        };
        if self.rows.is_empty() { format!("0 of {total}") } else { format!("{} of {total}", self.selected + 1) }
    }
}
