//! The Documents tab's list keys (knowledge bases, documents, chunks):
//! moving, paging to either end, filtering, counting, opening the selected
//! row (drilling down), and the Documents actions. The lists' state is
//! `list.rs`; their rendering is `ui/documents.rs`. (The entity tabs' keys
//! are the browser's.)

use super::*;
use crate::search::Scope;

impl App {
    pub(super) fn on_list_command(&mut self, cmd: Command, fx: &mut Vec<Effect>) {
        use Command::*;
        let Some(kind) = self.current_list() else {
            return;
        };
        let height = self.list_height() as isize;
        // When the detail has the whole pane (narrow screens), moving keys scroll it.
        let detail_only = self.detail_visible() && !crate::layout::detail_beside(self.size.0);
        let cmd = match cmd {
            Down if detail_only => DetailDown,
            Up if detail_only => DetailUp,
            PageDown if detail_only => DetailDown,
            PageUp if detail_only => DetailUp,
            other => other,
        };
        if !matches!(cmd, DetailDown | DetailUp | ToggleDetail) {
            self.detail_scroll = 0;
        }
        match cmd {
            DetailDown => self.detail_scroll = self.detail_scroll.saturating_add(3),
            DetailUp => self.detail_scroll = self.detail_scroll.saturating_sub(3),
            Up => self.list_mut(kind).move_by(-1),
            Down => self.list_mut(kind).move_by(1),
            PageUp => self.list_mut(kind).move_by(-height),
            PageDown => self.list_mut(kind).move_by(height),
            Top => {
                let generation = self.next_generation();
                self.list_mut(kind).jump_to_top(generation, fx);
            }
            Bottom => {
                let generation = self.next_generation();
                self.list_mut(kind).jump_to_end(generation, fx);
            }
            Filter => {
                let current = self.filter_text(kind).to_string();
                self.open_input(InputPurpose::Filter(kind), &current);
            }
            ToggleDetail => self.detail_toggled = !self.detail_toggled,
            ExactCount => {
                if let Some(query) = self.desired_query(kind) {
                    let generation = self.list_mut(kind).start_count();
                    fx.push(Effect::Count { generation, query, exact: true });
                }
            }
            Open => self.open_selected(kind),
            NewKnowledgeBase | Upload | Delete | CancelJob | SearchKnowledgeBase | MoreLikeThis
                if self.tab != Tab::Documents =>
            {
                self.refuse("that key works in the Documents tab (5)");
            }
            NewKnowledgeBase => self.open_kb_form(),
            Upload => self.start_upload_prompt(),
            Delete => {
                if kind == ListKind::Documents {
                    self.ask_delete_document();
                } else {
                    self.refuse("open a knowledge base and select a document to delete");
                }
            }
            CancelJob => self.cancel_or_dismiss_job(fx),
            SearchKnowledgeBase => {
                // The open knowledge base, or the one selected in the list.
                let kb =
                    if self.nav.kb.is_some() { self.docs.kb.clone() } else { self.lists.kbs.selected_row().cloned() };
                match kb {
                    Some(kb) => {
                        let open = SearchOpen::Ask(Scope::Knowledge(kb));
                        self.apply_reply(Reply { search: Some(open), ..Reply::default() }, fx);
                    }
                    None => self.refuse("select a knowledge base to search"),
                }
            }
            MoreLikeThis => match (kind, self.docs.kb.clone(), self.lists.chunks.selected_row()) {
                (ListKind::Chunks, Some(kb), Some(chunk)) => {
                    let open = SearchOpen::Like { scope: Scope::Knowledge(kb), id: chunk.id.to_string() };
                    self.apply_reply(Reply { search: Some(open), ..Reply::default() }, fx);
                }
                _ => self.refuse("open a document and select a chunk to search for more like it"),
            },
            _ => {}
        }
    }

    pub(super) fn open_selected(&mut self, kind: ListKind) {
        // Drilling down shows the next list, not a detail left open elsewhere.
        self.detail_toggled = false;
        self.detail_scroll = 0;
        match kind {
            ListKind::KnowledgeBases => {
                if let Some(k) = self.lists.kbs.selected_row().cloned() {
                    self.nav.kb = Some(Crumb { id: k.id, label: k.name.clone() });
                    self.nav.document = None;
                    self.lists.documents.filter_text.clear();
                    self.docs.kb = Some(k);
                }
            }
            ListKind::Documents => {
                if let Some(d) = self.lists.documents.selected_row() {
                    self.nav.document = Some(Crumb { id: d.id, label: d.filename.clone() });
                    self.lists.chunks.filter_text.clear();
                }
            }
            // A chunk opens its full text in the detail.
            ListKind::Chunks => self.detail_toggled = !crate::layout::detail_beside(self.size.0),
        }
    }
}
