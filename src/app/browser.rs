//! The Browse tab: any schema layout's entities, read through the layout
//! (`db::mapped`). One level per entity drilled into, from the layout's
//! roots down (the platform's own words on each), each a keyset-paged list;
//! a session's messages in their order, the selected one in full below.

use std::sync::Arc;

use super::Reply;
use crate::action::Effect;
use crate::db::mapped::{MappedPage, MappedRow};
use crate::keymap::Command;
use crate::schema::{Kind, Layout};

/// The rows of one entity under one parent.
#[derive(Debug, Clone)]
pub struct Stage {
    pub kind: Kind,
    /// The parent row (id, what it is called), `None` at a root.
    pub parent: Option<(String, String)>,
    pub rows: Vec<MappedRow>,
    /// Where the next page starts; `None` when the last page is in.
    pub next: Option<Vec<Option<String>>>,
    pub selected: usize,
    pub loaded: bool,
    pub loading: bool,
    pub generation: u64,
    pub error: Option<String>,
    /// More-like-this: the rows nearest to this row's vector (exact, by
    /// cosine; the similarity is in each row's status).
    pub similar_to: Option<String>,
    /// Words the rows' title or text must contain (`/`).
    pub filter: String,
    /// How many rows the list has (capped), once counted.
    pub count: Option<crate::db::RowCount>,
}

impl Stage {
    fn new(kind: Kind, parent: Option<(String, String)>) -> Stage {
        Stage {
            similar_to: None,
            filter: String::new(),
            count: None,
            kind,
            parent,
            rows: Vec::new(),
            next: None,
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
}

pub struct Browser {
    pub layout: Arc<Layout>,
    /// The drill path: the root level first, the one shown last.
    pub stack: Vec<Stage>,
}

impl Browser {
    pub fn new(layout: Layout) -> Browser {
        let root = roots(&layout).first().copied().unwrap_or(Kind::Tenant);
        Browser { stack: vec![Stage::new(root, None)], layout: Arc::new(layout) }
    }

    pub fn current(&self) -> &Stage {
        self.stack.last().expect("the root level is never popped")
    }

    fn current_mut(&mut self) -> &mut Stage {
        self.stack.last_mut().expect("the root level is never popped")
    }

    /// The entities listed under a row of `kind` (first: where Enter goes).
    pub fn children(&self, kind: Kind) -> Vec<Kind> {
        let l = &self.layout;
        l.kinds()
            .filter(|k| l.entity(*k).is_some_and(|e| e.derived_from.is_none()) && l.parent_of(*k) == Some(kind))
            .collect()
    }

    pub fn loading(&self) -> bool {
        self.current().loading
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
        if let Some(id) = &s.similar_to {
            return vec![Effect::LoadSimilar { generation, kind: s.kind, id: id.clone() }];
        }
        let parent = s.parent.as_ref().map(|p| p.0.clone());
        vec![
            Effect::LoadMapped {
                generation,
                kind: s.kind,
                parent: parent.clone(),
                after: None,
                filter: s.filter.clone(),
            },
            Effect::CountMapped { generation, kind: s.kind, parent, filter: s.filter.clone() },
        ]
    }

    /// The shown list's count arrived (kept when it is for the shown load).
    pub fn apply_count(&mut self, generation: u64, result: Result<Option<crate::db::RowCount>, String>) {
        let s = self.current_mut();
        if s.generation == generation {
            // A failed count leaves the list as it is: the rows still page.
            s.count = result.ok().flatten();
        }
    }

    /// A page arrived: kept when it is the shown level's latest load.
    pub fn apply(&mut self, generation: u64, append: bool, result: Result<MappedPage, String>) {
        let s = self.current_mut();
        if s.generation != generation {
            return;
        }
        s.loading = false;
        match result {
            Ok(page) => {
                if append {
                    s.rows.extend(page.rows);
                } else {
                    s.rows = page.rows;
                    s.selected = 0;
                }
                s.next = page.next;
                s.loaded = true;
                s.error = None;
            }
            Err(e) => s.error = Some(e),
        }
    }

    /// Reload the shown level (after a failure, or `r`).
    pub fn reload(&mut self) {
        let s = self.current_mut();
        s.loaded = false;
        s.loading = false;
        s.error = None;
    }

    pub fn on_command(&mut self, cmd: Command, generation: u64, height: usize) -> Reply {
        let s = self.current_mut();
        let n = s.rows.len();
        let page = height.max(1);
        match cmd {
            _ if super::list::move_selection(&mut s.selected, n, page, cmd) => {}
            Command::Open => return self.open(),
            Command::OtherList => return self.other_list(),
            Command::MoreLikeThis => return self.more_like_this(),
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
        // Near the end of what is loaded: the next page.
        let s = self.current_mut();
        if let Some(after) = s.next.clone().filter(|_| !s.loading && s.selected + page >= s.rows.len()) {
            s.loading = true;
            s.generation = generation;
            return Reply::default().with(Effect::LoadMapped {
                generation,
                kind: s.kind,
                parent: s.parent.as_ref().map(|p| p.0.clone()),
                after: Some(after),
                filter: s.filter.clone(),
            });
        }
        Reply::default()
    }

    /// Enter: the selected row's first child entity (a session's messages,
    /// a demo's sessions…).
    fn open(&mut self) -> Reply {
        let s = self.current();
        let Some(row) = s.selected_row() else { return Reply::default() };
        let kind = s.kind;
        let children = self.children(kind);
        let Some(child) = children.first().copied() else {
            return Reply::info(format!("nothing below a {} here", kind.name().replace('_', " ")));
        };
        let parent = (row.id.clone(), row.title.clone().unwrap_or_else(|| row.id.clone()));
        self.leave_current();
        self.stack.push(Stage::new(child, Some(parent)));
        Reply::default()
    }

    /// Esc: clears the shown list's filter first, then goes up a level.
    pub fn back(&mut self) {
        if !self.current().filter.is_empty() {
            self.set_filter(String::new());
        } else if self.stack.len() > 1 {
            self.stack.pop();
        }
    }

    /// The shown level is being left for another: a page it was waiting for
    /// will be dropped when it comes (its generation is no longer the shown
    /// one's), so it must not stay waiting; the next page is asked again
    /// when the operator comes back and moves.
    fn leave_current(&mut self) {
        // Not loaded: its first page is asked again on return (`want`).
        self.current_mut().loading = false;
    }

    /// Shows the current list filtered by `words` (reloaded from the start).
    pub fn set_filter(&mut self, words: String) {
        let s = self.current_mut();
        s.filter = words;
        s.count = None;
        s.rows.clear();
        s.next = None;
        s.selected = 0;
        s.loaded = false;
        s.loading = false;
        s.error = None;
    }

    /// `m` on a row with a vector: the rows nearest to it.
    fn more_like_this(&mut self) -> Reply {
        let s = self.current();
        let kind = s.kind;
        let has_vectors = self.layout.entity(kind).is_some_and(|e| e.embedding.is_some());
        let Some(row) = s.selected_row().filter(|_| has_vectors) else {
            return Reply::info("more like this works on rows with a vector (chunks, memories)");
        };
        let mut stage =
            Stage::new(kind, Some((row.id.clone(), format!("like {}", row.id.chars().take(8).collect::<String>()))));
        stage.similar_to = Some(row.id.clone());
        self.leave_current();
        self.stack.push(stage);
        Reply::default()
    }

    /// `o`: the next list at this level (the other roots at the top; a
    /// row's other kinds of children below: a demo's sessions or documents).
    fn other_list(&mut self) -> Reply {
        let depth = self.stack.len();
        let options = if depth == 1 { roots(&self.layout) } else { self.children(self.stack[depth - 2].kind) };
        let current = self.current().kind;
        let i = options.iter().position(|k| *k == current).unwrap_or(0);
        let Some(next) = options.get((i + 1) % options.len().max(1)).copied().filter(|k| *k != current) else {
            return Reply::info("no other list here");
        };
        let parent = self.current().parent.clone();
        *self.current_mut() = Stage::new(next, parent);
        Reply::default()
    }

    /// The tab's title: the shown entity in the platform's words.
    pub fn label(&self) -> String {
        let s = self.current();
        let label = self.layout.label(s.kind);
        match &s.similar_to {
            Some(id) => format!("{label} like {} (exact)", id.chars().take(8).collect::<String>()),
            None => label.to_string(),
        }
    }
}

/// The entities at the top: those with no parent column (tenants, a
/// layout's global lists).
pub fn roots(layout: &Layout) -> Vec<Kind> {
    layout.kinds().filter(|k| layout.parent_of(*k).is_none() && *k != Kind::RateLimit).collect()
}
