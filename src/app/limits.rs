//! The Limits and Audit tabs. Limits: the defaults, or a tenant's effective
//! values with where each comes from, edited through the shared form, a
//! confirmation that shows old → new and the scope, and a write that the
//! server refuses when the row changed since it was shown. Audit: every
//! write the product made, newest first, filtered on the server.

use uuid::Uuid;

use super::form::{Field, Form, FormEvent};
use super::{App, Confirm, Crumb, InputPurpose, Modal, Tab};
use crate::action::{Effect, KeysFrom, LimitChange, LimitWrite, LimitsView, LoadError};
use crate::db::audit::AuditRow;
use crate::db::limits::{self, Effective, Expect, Override, Usage};
use crate::keymap::Command;
use crate::sanitize::sanitize_line;

#[derive(Default)]
pub struct LimitsPane {
    /// Show the global defaults even when a tenant is in the breadcrumb.
    pub global: bool,
    pub rows: Vec<Effective>,
    pub usage: Vec<Usage>,
    /// Global view: which tenants override which key.
    pub overrides: Vec<Override>,
    /// The scope being shown or loaded (`Some(None)`: global); `None`
    /// asks for a (re)load.
    pub loaded: Option<Option<Uuid>>,
    /// The scope `rows` belong to.
    pub rows_scope: Option<Option<Uuid>>,
    pub selected: usize,
    pub generation: u64,
    pub loading: bool,
    pub error: Option<String>,
    /// The key to select once the rows are in (Enter on a rate limit in Browse).
    pub want_key: Option<String>,
    /// Words the keys shown hold (`/`), as typed.
    pub filter: String,
    /// The words `rows` were read with.
    pub rows_filter: Option<String>,
    /// The key the next page starts after, while more keys match than are
    /// read (read as the selection nears the end).
    pub next: Option<String>,
    /// Moves asked past the rows read toward rows still to come (down:
    /// positive, up: negative): taken as the page lands, as the entity
    /// lists take theirs (`list::move_within`), so a burst is not lost.
    pub pending_moves: isize,
    /// Read from the end (`G`) or from the key selected: the key the page
    /// above the rows read ends before, while more keys may be above them
    /// (read as the selection nears the top).
    pub above: Option<String>,
    /// The last keys are to be read, or on their way (`G` past the rows
    /// read), until they land.
    pub from_end: bool,
    /// The first row shown, as last drawn: the view stays put while the
    /// selection moves inside it.
    pub offset: std::cell::Cell<usize>,
    /// How many keys the words find (capped, or the planner's estimate,
    /// unless `c` counted them all), and the words it was asked for.
    pub count: Option<crate::db::RowCount>,
    pub counted_words: Option<String>,
    pub count_generation: u64,
    /// `c`: the next count counts every key.
    pub count_exact: bool,
}

impl LimitsPane {
    pub fn selected_row(&self) -> Option<&Effective> {
        self.rows.get(self.selected)
    }

    pub fn usage_of(&self, key: &str) -> Option<&Usage> {
        self.usage.iter().find(|u| u.key == key)
    }

    /// The loaded overrides of `key`, newest change first.
    pub fn overrides_of<'a>(&'a self, key: &'a str) -> impl Iterator<Item = &'a Override> + 'a {
        self.overrides.iter().filter(move |o| o.key == key)
    }

    /// Reload on the next sync (after a write, a refresh, a reconnect).
    pub fn invalidate(&mut self) {
        self.loaded = None;
    }

    /// Reads the list again from one end (`G`: the last keys), the rows
    /// read so far gone meanwhile.
    fn jump(&mut self, to_end: bool) {
        self.rows.clear();
        self.next = None;
        self.above = None;
        self.selected = 0;
        self.from_end = to_end;
        self.pending_moves = 0;
        self.invalidate();
    }

    /// Is a jump's page on its way (no rows yet)?
    fn jumping(&self) -> bool {
        self.rows.is_empty() && self.loading
    }
}

#[derive(Default)]
pub struct AuditPane {
    /// The filter as typed (`entity:limit key:… words`).
    pub filter: String,
    pub rows: Vec<AuditRow>,
    /// The filter asked for last (`None`: to be read again).
    pub loaded: Option<String>,
    /// The filter the rows shown belong to.
    pub rows_filter: Option<String>,
    pub selected: usize,
    pub generation: u64,
    pub loading: bool,
    /// The last page was full: older rows may exist.
    pub more: bool,
    pub error: Option<String>,
    /// The first row shown, as last drawn.
    pub offset: std::cell::Cell<usize>,
    /// Moves asked past the last row read while more load: taken when
    /// they land (`list::move_within`).
    pub pending_moves: isize,
}

impl AuditPane {
    pub fn selected_row(&self) -> Option<&AuditRow> {
        self.rows.get(self.selected)
    }
}

/// What the limit dialog edits.
pub enum LimitEditKind {
    /// The value of an existing key in the pane's scope.
    Value { key: String, old: i32, expect: Expect, source: &'static str },
    /// A new key (global).
    New,
    /// Removing a tenant's override (its only field: the reason).
    Reset { key: String, value: i32, default: i32, expect: Expect },
}

/// The limit dialog: the shared form, and what it changes.
pub struct LimitEdit {
    pub form: Form,
    pub kind: LimitEditKind,
    pub tenant: Option<(Uuid, String)>,
    /// Another platform's layout whose row is edited (its name), if not ours.
    pub layout: Option<String>,
}

mod field {
    // Editing a value: value, reason. A new key: key, value, description,
    // reason. Removing an override: reason.
    pub const VALUE: usize = 0;
    pub const REASON: usize = 1;
    pub const NEW_KEY: usize = 0;
    pub const NEW_VALUE: usize = 1;
    pub const NEW_DESCRIPTION: usize = 2;
    pub const NEW_REASON: usize = 3;
    pub const RESET_REASON: usize = 0;
}

impl LimitEdit {
    pub fn title(&self) -> String {
        match (&self.kind, &self.tenant) {
            (LimitEditKind::Value { key, old, source, .. }, Some((_, name))) => {
                format!("{key} · tenant {} · now {old} ({source})", sanitize_line(name))
            }
            (LimitEditKind::Value { key, old, .. }, None) => match &self.layout {
                Some(layout) => format!("{} · {} · now {old}", sanitize_line(key), sanitize_line(layout)),
                None => format!("{key} · global default · now {old}"),
            },
            (LimitEditKind::New, _) => "New limit (global)".to_string(),
            (LimitEditKind::Reset { key, value, .. }, tenant) => format!(
                "{key} · tenant {} · remove the override {value}",
                sanitize_line(tenant.as_ref().map(|t| t.1.as_str()).unwrap_or("?"))
            ),
        }
    }

    /// The change the form asks for, checked as the CLI checks it; with the
    /// confirmation's text.
    fn build(&self) -> Result<(LimitWrite, String), String> {
        let reason = |i: usize| Some(self.form.text(i)).filter(|r| !r.is_empty());
        match &self.kind {
            LimitEditKind::Value { key, old, expect, source } => {
                let value = limits::parse_value(key, &self.form.text(field::VALUE)).map_err(|e| e.to_string())?;
                // Equal to a default a tenant uses is allowed: it pins the value.
                if value == *old && *source != "default" {
                    return Err(format!("{key} is already {value}"));
                }
                let scope = match (&self.tenant, &self.layout) {
                    (Some((_, name)), _) if *source == "default" => {
                        format!("a new override for tenant {} (the default stays {old})", sanitize_line(name))
                    }
                    (Some((_, name)), _) => format!("the override for tenant {}", sanitize_line(name)),
                    (None, Some(layout)) => format!("its row in layout '{}'", sanitize_line(layout)),
                    (None, None) => "the global default, for every tenant without an override".to_string(),
                };
                let reason = reason(field::REASON);
                let text = format!(
                    "{}: {old} → {value}, {scope}.{} Apply? (y/n)",
                    sanitize_line(key),
                    reason.as_deref().map(|r| format!(" Reason: {}.", sanitize_line(r))).unwrap_or_default()
                );
                let change = LimitChange::Set { value, expect: expect.clone() };
                Ok((LimitWrite { key: key.clone(), tenant: self.tenant.clone(), change, reason }, text))
            }
            LimitEditKind::New => {
                let key = self.form.text(field::NEW_KEY);
                limits::check_key_name(&key).map_err(|e| e.to_string())?;
                let value = limits::parse_value(&key, &self.form.text(field::NEW_VALUE)).map_err(|e| e.to_string())?;
                let description = self.form.text(field::NEW_DESCRIPTION);
                if description.is_empty() {
                    return Err("a new limit needs a description".into());
                }
                let text =
                    format!("Create {key} = {value} for every tenant (\"{}\")? (y/n)", sanitize_line(&description));
                let reason = reason(field::NEW_REASON);
                let change = LimitChange::Create { value, description };
                Ok((LimitWrite { key, tenant: None, change, reason }, text))
            }
            LimitEditKind::Reset { key, value, default, expect } => {
                let reason = reason(field::RESET_REASON);
                let tenant = self.tenant.as_ref().map(|t| sanitize_line(&t.1).into_owned()).unwrap_or_default();
                let text = format!(
                    "{}: remove the override {value} for tenant {tenant}? The default {default} applies again.{} (y/n)",
                    sanitize_line(key),
                    reason.as_deref().map(|r| format!(" Reason: {}.", sanitize_line(r))).unwrap_or_default()
                );
                let change = LimitChange::Unset { expect: expect.clone() };
                Ok((LimitWrite { key: key.clone(), tenant: self.tenant.clone(), change, reason }, text))
            }
        }
    }
}

impl App {
    /// The tenant the Limits tab shows: the breadcrumb's, unless the
    /// operator switched to the global view.
    pub fn limits_tenant(&self) -> Option<&Crumb> {
        self.nav.tenant.as_ref().filter(|_| !self.limits.global)
    }

    /// Loads what the Limits and Audit tabs show when their scope changed.
    pub(super) fn sync_limits(&mut self, fx: &mut Vec<Effect>) {
        if self.tab == Tab::Limits {
            let want = self.limits_tenant().map(|t| t.id);
            if self.limits.loaded != Some(want) {
                let generation = self.next_generation();
                let l = &mut self.limits;
                // Another scope's values must not stand under this scope's
                // title while it loads (or if it fails).
                // (Nor another search's keys under this one's words.)
                if l.rows_scope != Some(want) || l.rows_filter.as_deref() != Some(l.filter.as_str()) {
                    // The same key stays selected in the other scope (`t`
                    // then Enter edits the key that was shown); not across
                    // words, which may not hold it (it would be shown as
                    // if found, selected for Enter to edit).
                    if l.want_key.is_none() && l.rows_scope != Some(want) {
                        l.want_key = l.selected_row().map(|r| r.key.clone());
                    }
                    l.rows.clear();
                    l.usage.clear();
                    l.overrides.clear();
                    l.next = None;
                    l.above = None;
                    l.pending_moves = 0;
                    l.rows_filter = None;
                    l.selected = 0;
                }
                l.loaded = Some(want);
                l.generation = generation;
                l.loading = true;
                l.error = None;
                // `G`: the end. A key asked for: the top, where it is shown.
                // The same rows read again (after a save, a reconnect): from
                // the key selected, so the operator stays on it wherever the
                // rows were read from (the rows above follow as they go up).
                let again = l.selected_row().map(|r| r.key.clone()).filter(|_| l.want_key.is_none());
                let from = match (l.from_end, again) {
                    (true, _) => KeysFrom::End,
                    (false, Some(key)) => KeysFrom::At(key),
                    (false, None) => KeysFrom::Top,
                };
                let (key, words) = (self.limits.want_key.clone(), self.limits.filter.clone());
                fx.push(Effect::LoadLimits { generation, tenant: want, want: key, words, from });
            }
            // The keys are the same in every scope: counted again for other
            // words only (or all of them, when `c` asks).
            if self.limits.counted_words.as_deref() != Some(self.limits.filter.as_str()) {
                let exact = std::mem::take(&mut self.limits.count_exact);
                self.count_limits(exact, fx);
            }
            if !self.limits.loading {
                // The next page as the selection nears the end of those
                // read, the page above as it nears their top.
                let page = crate::layout::rows_above_detail(self.size, crate::layout::LIMIT_DETAIL);
                let l = &self.limits;
                let down = l.next.clone().filter(|_| l.selected + page >= l.rows.len()).map(KeysFrom::After);
                let up = || l.above.clone().filter(|_| l.selected < page).map(KeysFrom::Before);
                // (Not again on its own after a page failed: moving or a
                // reload asks again.)
                if let Some(from) = down.or_else(up).filter(|_| !l.loading && l.error.is_none()) {
                    let generation = self.next_generation();
                    let l = &mut self.limits;
                    l.generation = generation;
                    l.loading = true;
                    let words = l.filter.clone();
                    fx.push(Effect::LoadLimits { generation, tenant: want, want: None, words, from });
                }
            }
        }
        if self.tab == Tab::Audit {
            let a = &self.audit;
            if a.loaded.as_deref() != Some(a.filter.as_str()) {
                self.load_audit(false, fx);
            } else if a.more
                && !a.loading
                && a.selected + crate::layout::rows_above_detail(self.size, crate::layout::AUDIT_DETAIL) >= a.rows.len()
            {
                self.load_audit(true, fx);
            }
        }
    }

    fn load_audit(&mut self, more: bool, fx: &mut Vec<Effect>) {
        let generation = self.next_generation();
        let a = &mut self.audit;
        let before = if more { a.rows.last().map(|r| r.cursor()) } else { None };
        if !more {
            a.loaded = Some(a.filter.clone());
            a.error = None;
            // Rows of another filter must not stand under this one's title
            // (nor stay when the server refuses it); the same filter read
            // again keeps them until the new page replaces them.
            if a.rows_filter.as_deref() != Some(a.filter.as_str()) {
                a.rows.clear();
                a.selected = 0;
                a.more = false;
                a.rows_filter = None;
            }
        }
        a.generation = generation;
        a.loading = true;
        fx.push(Effect::LoadAudit { generation, filter: a.filter.clone(), before });
    }

    /// Counts the keys the words find (`exact`: all of them, `c`).
    fn count_limits(&mut self, exact: bool, fx: &mut Vec<Effect>) {
        let generation = self.next_generation();
        let l = &mut self.limits;
        l.count_generation = generation;
        l.counted_words = Some(l.filter.clone());
        if !exact {
            l.count = None;
        }
        fx.push(Effect::CountLimits { generation, words: l.filter.clone(), exact });
    }

    pub(super) fn on_limits_counted(&mut self, generation: u64, result: Result<crate::db::RowCount, LoadError>) {
        if generation != self.limits.count_generation {
            return;
        }
        match result {
            Ok(n) => self.limits.count = Some(n),
            // A count is an extra: its failure is said, the rows stay.
            Err(e) => {
                self.note_connection(&e);
                self.error(format!("keys not counted: {}", e.message));
            }
        }
    }

    pub(super) fn on_limits_loaded(&mut self, generation: u64, from: KeysFrom, result: Result<LimitsView, LoadError>) {
        if generation != self.limits.generation {
            return;
        }
        self.limits.loading = false;
        match result {
            // A later page: after the rows read (but a key opened from
            // elsewhere, shown on the first page, is not shown twice).
            Ok(view) if matches!(from, KeysFrom::After(_)) => {
                let l = &mut self.limits;
                let fresh: Vec<_> = view.rows.into_iter().filter(|r| !l.rows.iter().any(|o| o.key == r.key)).collect();
                l.rows.extend(fresh);
                l.next = view.next;
            }
            // The page above the rows read from the end: before them, the
            // same row staying selected.
            Ok(view) if matches!(from, KeysFrom::Before(_)) => {
                let l = &mut self.limits;
                let fresh: Vec<_> = view.rows.into_iter().filter(|r| !l.rows.iter().any(|o| o.key == r.key)).collect();
                // (Rows read again from a key that is gone may be none.)
                l.selected = (l.selected + fresh.len()).min((l.rows.len() + fresh.len()).saturating_sub(1));
                l.offset.set(l.offset.get() + fresh.len());
                l.rows.splice(0..0, fresh);
                l.above = view.next;
            }
            // The last keys (`G`): the last one selected. The rows read
            // again from the key selected: it stays selected (the first, or
            // the one after it if it is gone), the rows above to be read.
            Ok(view) if matches!(from, KeysFrom::End | KeysFrom::At(_)) => {
                let l = &mut self.limits;
                let (next, above) = match &from {
                    KeysFrom::At(key) => (view.next, Some(key.clone())),
                    _ => (None, view.next),
                };
                l.selected = match from {
                    KeysFrom::At(_) => 0,
                    _ => view.rows.len().saturating_sub(1),
                };
                // The view as `G` leaves it: the last key at its bottom (`k`
                // pressed while it loaded moves inside it).
                let shown = crate::layout::rows_above_detail(self.size, crate::layout::LIMIT_DETAIL);
                l.offset.set(match from {
                    KeysFrom::At(_) => 0,
                    _ => view.rows.len().saturating_sub(shown),
                });
                l.rows = view.rows;
                l.rows_scope = l.loaded;
                l.rows_filter = Some(l.filter.clone());
                l.usage = view.usage;
                l.overrides = view.overrides;
                l.next = next;
                l.above = above;
                l.from_end = false;
            }
            Ok(view) => {
                let l = &mut self.limits;
                // Keep the selection on the same key across reloads (or go
                // to the one asked for).
                let asked = l.want_key.take();
                let key = asked.clone().or_else(|| l.selected_row().map(|r| r.key.clone()));
                let found = key.as_ref().and_then(|k| view.rows.iter().position(|r| r.key == *k));
                l.selected = found.unwrap_or(0);
                l.rows = view.rows;
                l.rows_scope = l.loaded;
                l.rows_filter = Some(l.filter.clone());
                l.usage = view.usage;
                l.overrides = view.overrides;
                l.next = view.next;
                l.above = None;
                // A key asked for by name that is not here is said, not
                // swapped silently for the first row (Enter would edit it).
                if let (Some(k), None) = (asked, found) {
                    self.error(format!("no rate limit keyed '{}' here now", sanitize_line(&k)));
                }
            }
            Err(e) => {
                self.note_connection(&e);
                self.limits.error = Some(e.message);
                self.limits.pending_moves = 0;
                return;
            }
        }
        // The moves that waited for these rows; what goes past them too
        // waits for the next page that way.
        let l = &mut self.limits;
        let waiting = std::mem::take(&mut l.pending_moves);
        if waiting != 0 {
            let (n, below, above) = (l.rows.len(), l.next.is_some(), l.above.is_some());
            l.pending_moves = super::list::move_within(&mut l.selected, n, waiting, below, above);
        }
    }

    pub(super) fn on_audit_loaded(&mut self, generation: u64, append: bool, result: Result<Vec<AuditRow>, LoadError>) {
        if generation != self.audit.generation {
            return;
        }
        let page = self.page_size as usize;
        let a = &mut self.audit;
        a.loading = false;
        match result {
            Ok(rows) => {
                a.more = rows.len() >= page;
                if append {
                    a.rows.extend(rows);
                    // The moves that waited for these rows.
                    let waiting = std::mem::take(&mut a.pending_moves);
                    a.pending_moves = super::list::move_within(&mut a.selected, a.rows.len(), waiting, a.more, false);
                } else {
                    a.pending_moves = 0;
                    // The same filter read again keeps the selection where it can.
                    let same = a.rows_filter.as_deref() == a.loaded.as_deref();
                    a.selected = if same { a.selected.min(rows.len().saturating_sub(1)) } else { 0 };
                    a.rows = rows;
                    a.rows_filter = a.loaded.clone();
                }
            }
            Err(e) => {
                a.error = Some(e.message.clone());
                self.note_connection(&e);
            }
        }
    }

    pub(super) fn on_limit_saved(&mut self, result: Result<String, String>) {
        match result {
            Ok(line) => self.info(line),
            // A conflict shows the value it is now: the reload below puts
            // it in the table too.
            Err(e) => self.error(format!("not changed: {e}")),
        }
        self.limits.invalidate();
        self.audit.loaded = None;
        // A foreign limit's row is in the browser's list too.
        if self.foreign() {
            self.browser.reload();
        }
    }

    /// Says why `what` is disabled when writes are off (the server's
    /// reason when it gave one); true then.
    pub(super) fn writes_refused(&mut self, what: &str) -> bool {
        if self.read_only {
            let why = self.read_only_why.clone().unwrap_or_else(|| "read-only connection".into());
            self.refuse(format!("{why}: {what} is disabled"));
            return true;
        }
        false
    }

    /// Another platform's layout whose rate limits the tab shows: its name,
    /// and whether it declares them writable.
    pub fn foreign_limits(&self) -> Option<(String, bool)> {
        // (Ours shown through its layout keeps our own limits: tenants, overrides.)
        let l = &self.browser.layout;
        self.foreign().then(|| (l.name.clone(), l.writes(crate::schema::Kind::RateLimit)))
    }

    pub(super) fn on_limits_command(&mut self, cmd: Command) {
        let n = self.limits.rows.len();
        let page = crate::layout::rows_above_detail(self.size, crate::layout::LIMIT_DETAIL);
        // Another platform's limits are one value per row: no tenants, no
        // overrides to reset, no keys to create.
        let foreign = self.foreign_limits().is_some();
        let l = &mut self.limits;
        match cmd {
            // Past the rows read toward rows to come (the next page, the
            // page above, or an end on its way): kept for when they land.
            _ if let Some(delta) = super::list::step(cmd, page) => {
                let (below, above) =
                    super::list::more_coming(l.next.is_some(), l.above.is_some(), l.jumping(), l.from_end);
                let overshoot = super::list::move_within(&mut l.selected, n, delta, below, above);
                l.pending_moves = l.pending_moves.saturating_add(overshoot);
                // A move asks again for a page that failed to load.
                if !l.loading {
                    l.error = None;
                }
            }
            Command::ExactCount => {
                l.count_exact = true;
                l.counted_words = None;
                self.info("counting every key…");
            }
            // Past the rows read, at either end: that end of the list is
            // read, one page from it (never a walk through millions).
            // (Also while the other end is on its way: the later jump wins.)
            Command::Bottom if l.next.is_some() || l.jumping() => l.jump(true),
            Command::Top if l.above.is_some() || l.jumping() => l.jump(false),
            _ if super::list::move_selection(&mut l.selected, n, page, cmd) => l.pending_moves = 0,
            Command::ToggleScope | Command::NewLimit | Command::Delete if foreign => {
                self.refuse(match cmd {
                    Command::NewLimit => "a limit here is a row of the platform's own: ragdesk edits existing ones",
                    _ => "a limit here is one value of its own row (no tenants, no overrides): Enter edits it",
                });
            }
            Command::ToggleScope => {
                if self.nav.tenant.is_none() {
                    self.refuse("no tenant chosen: open one in 1 Tenants (Enter), then come back to see its overrides");
                } else {
                    self.limits.global = !self.limits.global;
                }
            }
            Command::Open | Command::EditLimit => self.open_limit_editor(),
            // (Refused writes are said by `writes_refused`, not by a guard.)
            #[allow(clippy::collapsible_match)]
            Command::NewLimit => {
                if !self.writes_refused("creating limits") {
                    self.modal = Some(Modal::LimitEdit(LimitEdit {
                        form: Form::new(vec![
                            Field::text("Key", ""),
                            Field::text("Value", ""),
                            Field::text("Description", ""),
                            Field::text("Reason", ""),
                        ]),
                        kind: LimitEditKind::New,
                        tenant: None,
                        layout: None,
                    }));
                }
            }
            Command::Delete => self.ask_reset_limit(),
            Command::Filter => {
                let initial = self.limits.filter.clone();
                self.open_input(InputPurpose::LimitsFilter, &initial);
            }
            Command::LimitHistory if !self.tabs().contains(&Tab::Audit) => {
                self.refuse("this layout declares no writes: ragdesk has written nothing here to audit");
            }
            Command::LimitHistory => {
                if let Some(r) = self.limits.selected_row() {
                    let key = crate::db::Filter::term_text("key", &r.key);
                    // In a tenant's view, that tenant's history of the key.
                    self.audit.filter = match self.limits_tenant() {
                        Some(t) => format!("entity:limit {key} {}", crate::db::Filter::term_text("tenant", &t.label)),
                        None => format!("entity:limit {key}"),
                    };
                    // Read again, as on any way in: another operator may have written since.
                    self.audit.loaded = None;
                    self.tab = Tab::Audit;
                }
            }
            _ => {}
        }
    }

    fn open_limit_editor(&mut self) {
        let Some(row) = self.limits.selected_row().cloned() else { return self.refuse("no limit selected") };
        if self.writes_refused("editing limits") {
            return;
        }
        let layout = match self.foreign_limits() {
            Some((name, false)) => {
                return self.info(format!("layout '{name}' does not declare its rate limits writable: read-only here"));
            }
            Some((name, true)) => Some(name),
            None => None,
        };
        let tenant = self.limits_tenant().map(|t| (t.id, t.label.clone()));
        let (old, expect, source) = match (&tenant, &row.override_version) {
            (Some(_), Some(v)) => (row.value(), Expect::Version(v.clone()), "override"),
            (Some(_), None) => (row.default_value, Expect::Absent, "default"),
            (None, _) => (row.default_value, Expect::Version(row.default_version.clone()), "global"),
        };
        // Empty, with the current value named in its placeholder (which
        // reads as a hint, not a value, even without colour): typing replaces it.
        let mut value = Field::text("Value", "");
        if let super::form::FieldValue::Text(t) = &mut value.value {
            t.set_placeholder_text(format!("now {}: type the new value", crate::db::page::group(old as i64)));
        }
        self.modal = Some(Modal::LimitEdit(LimitEdit {
            form: Form::new(vec![value, Field::text("Reason", "")]),
            kind: LimitEditKind::Value { key: row.key.clone(), old, expect, source },
            tenant,
            layout,
        }));
    }

    fn ask_reset_limit(&mut self) {
        let Some(row) = self.limits.selected_row().cloned() else { return };
        let Some(tenant) = self.limits_tenant().cloned() else {
            return self.refuse("defaults cannot be removed; choose a tenant to reset its override (t switches views)");
        };
        let Some(version) = row.override_version.clone() else {
            return self.info(format!("{} has no override for this tenant: it already uses the default", row.key));
        };
        if self.writes_refused("resetting limits") {
            return;
        }
        // A reason first (kept in the audit, as the CLI's --reason), then the confirmation.
        self.modal = Some(Modal::LimitEdit(LimitEdit {
            form: Form::new(vec![Field::text("Reason", "")]),
            kind: LimitEditKind::Reset {
                key: row.key.clone(),
                value: row.value(),
                default: row.default_value,
                expect: Expect::Version(version),
            },
            tenant: Some((tenant.id, tenant.label.clone())),
            layout: None,
        }));
    }

    pub(super) fn on_limit_edit_key(&mut self, key: crossterm::event::KeyEvent) {
        let Some(Modal::LimitEdit(edit)) = &mut self.modal else { return };
        match edit.form.handle_key(key) {
            FormEvent::Cancel => {
                self.modal = None;
                self.info("not changed");
            }
            FormEvent::Submit => match edit.build() {
                Ok((write, text)) => {
                    let Some(Modal::LimitEdit(edit)) = self.modal.take() else { unreachable!("matched above") };
                    self.modal = Some(Modal::Confirm(Confirm {
                        text,
                        effect: Effect::SaveLimit(write),
                        declined: "not changed",
                        back: Some(Box::new(edit)),
                    }))
                }
                Err(e) => edit.form.error = Some(e),
            },
            FormEvent::Changed => {}
        }
    }

    pub(super) fn on_audit_command(&mut self, cmd: Command) {
        let n = self.audit.rows.len();
        let page = crate::layout::rows_above_detail(self.size, crate::layout::AUDIT_DETAIL);
        let a = &mut self.audit;
        match cmd {
            // Past the last row read, with more to read: kept for the next page.
            _ if let Some(delta) = super::list::step(cmd, page) => {
                let overshoot = super::list::move_within(&mut a.selected, n, delta, a.more, false);
                a.pending_moves = a.pending_moves.saturating_add(overshoot);
            }
            _ if super::list::move_selection(&mut a.selected, n, page, cmd) => a.pending_moves = 0,
            Command::Filter => {
                let initial = self.audit.filter.clone();
                self.open_input(InputPurpose::AuditFilter, &initial);
            }
            _ => {}
        }
    }
}
