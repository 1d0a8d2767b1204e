//! Keymap: key → command per context. Defaults live here; the config's
//! `[keymap.<context>]` tables rebind commands (`command = ["key", ...]`).
//! The help overlay is generated from this table, so it cannot drift.

use std::collections::BTreeMap;
use std::fmt;

use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use serde::Deserialize;

macro_rules! commands {
    ($($variant:ident => $name:literal, $desc:literal;)*) => {
        /// What a key asks for, independent of which key it was.
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
        pub enum Command { $($variant,)* }

        impl Command {
            pub const ALL: &[Command] = &[$(Command::$variant,)*];
            pub fn name(self) -> &'static str {
                match self { $(Command::$variant => $name,)* }
            }
            pub fn description(self) -> &'static str {
                match self { $(Command::$variant => $desc,)* }
            }
            pub fn from_name(s: &str) -> Option<Command> {
                match s { $($name => Some(Command::$variant),)* _ => None }
            }
        }
    };
}

commands! {
    Quit => "quit", "Quit ragdesk";
    Help => "help", "Show the keys of this pane";
    MessageLog => "messages", "Show the message log";
    NextTab => "next_tab", "Next tab";
    PrevTab => "prev_tab", "Previous tab";
    TabTenants => "tab_tenants", "Go to the Tenants tab";
    TabDemos => "tab_demos", "Go to the Demos tab";
    TabSessions => "tab_sessions", "Go to the Sessions tab";
    TabTranscript => "tab_transcript", "Go to the Transcript tab";
    TabDocuments => "tab_documents", "Go to the Documents tab";
    Refresh => "refresh", "Reload from the database";
    Up => "up", "Move up";
    Down => "down", "Move down";
    PageUp => "page_up", "Page up";
    PageDown => "page_down", "Page down";
    Top => "top", "Go to the first row";
    Bottom => "bottom", "Go to the last row (the list's end, read from there)";
    Open => "open", "Open / drill down";
    Back => "back", "Back up one level / clear filter";
    Filter => "filter", "Filter on the server (e.g. acme status:active after:2026-01-01)";
    ToggleDetail => "toggle_detail", "Show, enlarge or hide the detail";
    DetailDown => "detail_down", "Scroll the detail down";
    DetailUp => "detail_up", "Scroll the detail up";
    NewKnowledgeBase => "new_knowledge_base", "Documents: create a knowledge base for the open demo";
    Upload => "upload", "Documents: upload files or a directory (preview first)";
    Delete => "delete", "Documents: delete the selected document (asks first)";
    CancelJob => "cancel_job", "Documents: cancel the running ingest (or dismiss its report)";
    ExactCount => "exact_count", "Count the rows exactly (may be slow on big tables)";
    NextMessage => "next_message", "Next message";
    PrevMessage => "prev_message", "Previous message";
    Search => "search", "Search in the transcript";
    SearchNext => "search_next", "Next match";
    SearchPrev => "search_prev", "Previous match";
    ToggleMetadata => "toggle_metadata", "Show or hide message metadata";
    ExportMarkdown => "export_markdown", "Export the transcript to Markdown";
    ExportJson => "export_json", "Export the transcript to JSON";
    CopyMessage => "copy_message", "Copy the selected message (OSC 52)";
    CopyTranscript => "copy_transcript", "Copy the whole transcript (OSC 52)";
    TabSearch => "tab_search", "Go to the Search tab";
    SearchKnowledgeBase => "search_knowledge_base", "Documents: search the selected knowledge base (another platform's lists: the chunks below the row)";
    MoreLikeThis => "more_like_this", "Search with the selected chunk's own vector (more like this; a memory's too on another platform's lists)";
    EditQuery => "edit_query", "Search: type the query (searched as you type)";
    KMore => "k_more", "Search: twice as many results (k)";
    KLess => "k_less", "Search: half as many results (k)";
    ThresholdUp => "threshold_up", "Search: raise the similarity threshold by 0.05";
    ThresholdDown => "threshold_down", "Search: lower the similarity threshold by 0.05 (to none)";
    CycleMetric => "cycle_metric", "Search: distance metric cosine → inner product → L2";
    ToggleExact => "toggle_exact", "Search: approximate (HNSW, ivfflat) or exact search";
    ToggleCompare => "toggle_compare", "Search: compare with exact search (recall@k)";
    ToggleHybrid => "toggle_hybrid", "Search: hybrid, vector + full text by reciprocal rank fusion";
    EfMore => "ef_more", "Search: double hnsw.ef_search (ivfflat.probes on an ivfflat column)";
    EfLess => "ef_less", "Search: halve hnsw.ef_search (ivfflat.probes on an ivfflat column)";
    ToggleIterative => "toggle_iterative", "Search: hnsw.iterative_scan relaxed_order or off";
    Explain => "explain", "Search: EXPLAIN (ANALYZE, BUFFERS) of the query (again: hide)";
    HistoryPrev => "history_prev", "Search: the previous remembered question";
    HistoryNext => "history_next", "Search: the next remembered question";
    ReplayRetrieval => "replay_retrieval", "Replay the bot's retrieval for a user message";
    OpenConversation => "open_conversation", "Open a conversation by its id";
    TabLimits => "tab_limits", "Go to the Limits tab";
    TabAudit => "tab_audit", "Go to the Audit tab";
    EditLimit => "edit_limit", "Limits: edit the selected value (asks to confirm)";
    NewLimit => "new_limit", "Limits: create a new limit with a description";
    ToggleScope => "toggle_scope", "Limits: the breadcrumb's tenant or the global defaults";
    LimitHistory => "limit_history", "Limits: the audit of the selected key";
    OtherList => "other_list", "The next list at this level (a demo's sessions, its leads)";
}

/// Where a key is read. `Global` applies everywhere unless a pane binds the key.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Context {
    Global,
    List,
    Transcript,
    Search,
    Limits,
    Audit,
}

impl Context {
    pub fn name(self) -> &'static str {
        match self {
            Context::Global => "global",
            Context::List => "list",
            Context::Transcript => "transcript",
            Context::Search => "search",
            Context::Limits => "limits",
            Context::Audit => "audit",
        }
    }
}

/// One key with its modifiers, as written in config: `q`, `G`, `ctrl-c`,
/// `enter`, `pgdown`, `shift-tab`, `f1`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Key {
    pub code: KeyCodeOrd,
    pub ctrl: bool,
    pub alt: bool,
}

/// KeyCode with an order, for stable help listings.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum KeyCodeOrd {
    Char(char),
    F(u8),
    Named(u8),
}

const NAMED: &[(&str, KeyCode)] = &[
    ("enter", KeyCode::Enter),
    ("esc", KeyCode::Esc),
    ("tab", KeyCode::Tab),
    ("backtab", KeyCode::BackTab),
    ("backspace", KeyCode::Backspace),
    ("up", KeyCode::Up),
    ("down", KeyCode::Down),
    ("left", KeyCode::Left),
    ("right", KeyCode::Right),
    ("pgup", KeyCode::PageUp),
    ("pgdown", KeyCode::PageDown),
    ("home", KeyCode::Home),
    ("end", KeyCode::End),
    ("delete", KeyCode::Delete),
];

impl Key {
    pub fn parse(s: &str) -> Result<Key, String> {
        let mut ctrl = false;
        let mut alt = false;
        let mut shift = false;
        let mut rest = s;
        loop {
            let lower = rest.to_ascii_lowercase();
            if rest.len() > 1 && lower.starts_with("ctrl-") {
                ctrl = true;
                rest = &rest[5..];
            } else if rest.len() > 1 && lower.starts_with("alt-") {
                alt = true;
                rest = &rest[4..];
            } else if rest.len() > 1 && lower.starts_with("shift-") {
                shift = true;
                rest = &rest[6..];
            } else {
                break;
            }
        }
        let lower = rest.to_ascii_lowercase();
        let code = if lower == "space" {
            KeyCodeOrd::Char(' ')
        } else if shift && lower == "tab" {
            KeyCodeOrd::Named(NAMED.iter().position(|(n, _)| *n == "backtab").unwrap() as u8)
        } else if let Some(i) = NAMED.iter().position(|(n, _)| *n == lower) {
            KeyCodeOrd::Named(i as u8)
        } else if let Some(n) = lower.strip_prefix('f').and_then(|n| n.parse::<u8>().ok()) {
            KeyCodeOrd::F(n)
        } else {
            let mut chars = rest.chars();
            match (chars.next(), chars.next()) {
                (Some(c), None) => KeyCodeOrd::Char(if shift { c.to_ascii_uppercase() } else { c }),
                _ => return Err(format!("unknown key '{s}'")),
            }
        };
        Ok(Key { code, ctrl, alt })
    }

    pub fn from_event(ev: &KeyEvent) -> Option<Key> {
        let ctrl = ev.modifiers.contains(KeyModifiers::CONTROL);
        let alt = ev.modifiers.contains(KeyModifiers::ALT);
        let code = match ev.code {
            KeyCode::Char(c) => KeyCodeOrd::Char(if ctrl { c.to_ascii_lowercase() } else { c }),
            KeyCode::F(n) => KeyCodeOrd::F(n),
            other => KeyCodeOrd::Named(NAMED.iter().position(|(_, k)| *k == other)? as u8),
        };
        Some(Key { code, ctrl, alt })
    }
}

impl fmt::Display for Key {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.ctrl {
            f.write_str("ctrl-")?;
        }
        if self.alt {
            f.write_str("alt-")?;
        }
        match self.code {
            KeyCodeOrd::Char(' ') => f.write_str("space"),
            KeyCodeOrd::Char(c) => write!(f, "{c}"),
            KeyCodeOrd::F(n) => write!(f, "f{n}"),
            KeyCodeOrd::Named(i) => f.write_str(NAMED[i as usize].0),
        }
    }
}

/// `[keymap.<context>]` tables from the config file.
pub type KeymapOverrides = BTreeMap<Context, BTreeMap<String, Vec<String>>>;

#[derive(Debug, Clone)]
pub struct Keymap {
    bindings: BTreeMap<Context, BTreeMap<Key, Command>>,
}

/// The tab commands, in the order of the tabs they go to (`1`…`8` by
/// default): the n-th goes to the n-th tab shown.
pub const TAB_COMMANDS: [Command; 8] = [
    Command::TabTenants,
    Command::TabDemos,
    Command::TabSessions,
    Command::TabTranscript,
    Command::TabDocuments,
    Command::TabSearch,
    Command::TabLimits,
    Command::TabAudit,
];

const DEFAULTS: &[(Context, Command, &[&str])] = {
    use Command::*;
    use Context::*;
    &[
        (Global, Quit, &["q", "ctrl-c"]),
        (Global, Help, &["?", "f1"]),
        (Global, MessageLog, &["M"]),
        (Global, NextTab, &["tab"]),
        (Global, PrevTab, &["backtab"]),
        (Global, TabTenants, &["1"]),
        (Global, TabDemos, &["2"]),
        (Global, TabSessions, &["3"]),
        (Global, TabTranscript, &["4"]),
        (Global, TabDocuments, &["5"]),
        (Global, TabSearch, &["6"]),
        (Global, TabLimits, &["7"]),
        (Global, TabAudit, &["8"]),
        (Global, Refresh, &["ctrl-r", "r"]),
        (Global, OpenConversation, &["#"]),
        (Global, Back, &["esc", "backspace", "h", "left"]),
        (List, Up, &["k", "up"]),
        (List, Down, &["j", "down"]),
        (List, PageUp, &["pgup", "ctrl-u"]),
        (List, PageDown, &["pgdown", "ctrl-d"]),
        (List, Top, &["g", "home"]),
        (List, Bottom, &["G", "end"]),
        (List, Open, &["enter", "l", "right"]),
        (List, Filter, &["/"]),
        (List, ToggleDetail, &["i", "space"]),
        (List, DetailDown, &["J"]),
        (List, DetailUp, &["K"]),
        (List, NewKnowledgeBase, &["n"]),
        (List, Upload, &["u"]),
        (List, Delete, &["d", "delete"]),
        (List, CancelJob, &["x"]),
        (List, ExactCount, &["c"]),
        (List, SearchKnowledgeBase, &["s"]),
        (List, MoreLikeThis, &["m"]),
        (List, OtherList, &["o"]),
        (Context::Search, EditQuery, &["/"]),
        (Context::Search, Up, &["k", "up"]),
        (Context::Search, Down, &["j", "down"]),
        (Context::Search, PageUp, &["pgup", "ctrl-u"]),
        (Context::Search, PageDown, &["pgdown", "ctrl-d"]),
        (Context::Search, Top, &["g", "home"]),
        (Context::Search, Bottom, &["G", "end"]),
        (Context::Search, KMore, &["+"]),
        (Context::Search, KLess, &["-"]),
        (Context::Search, ThresholdUp, &["t"]),
        (Context::Search, ThresholdDown, &["T"]),
        (Context::Search, CycleMetric, &["o"]),
        (Context::Search, ToggleExact, &["x"]),
        (Context::Search, ToggleCompare, &["c"]),
        (Context::Search, ToggleHybrid, &["H"]),
        (Context::Search, EfMore, &["e"]),
        (Context::Search, EfLess, &["E"]),
        (Context::Search, ToggleIterative, &["I"]),
        (Context::Search, Explain, &["p"]),
        (Context::Search, DetailDown, &["J"]),
        (Context::Search, DetailUp, &["K"]),
        (Context::Search, MoreLikeThis, &["m"]),
        (Context::Search, HistoryPrev, &["["]),
        (Context::Search, HistoryNext, &["]"]),
        (Context::Limits, Up, &["k", "up"]),
        (Context::Limits, Down, &["j", "down"]),
        (Context::Limits, PageUp, &["pgup", "ctrl-u"]),
        (Context::Limits, PageDown, &["pgdown", "ctrl-d"]),
        (Context::Limits, Top, &["g", "home"]),
        (Context::Limits, Bottom, &["G", "end"]),
        (Context::Limits, EditLimit, &["enter", "e"]),
        (Context::Limits, NewLimit, &["n"]),
        (Context::Limits, Delete, &["d", "delete"]),
        (Context::Limits, ToggleScope, &["t"]),
        (Context::Limits, LimitHistory, &["a"]),
        (Context::Limits, Filter, &["/"]),
        (Context::Limits, ExactCount, &["c"]),
        (Context::Audit, Up, &["k", "up"]),
        (Context::Audit, Down, &["j", "down"]),
        (Context::Audit, PageUp, &["pgup", "ctrl-u"]),
        (Context::Audit, PageDown, &["pgdown", "ctrl-d"]),
        (Context::Audit, Top, &["g", "home"]),
        (Context::Audit, Bottom, &["G", "end"]),
        (Context::Audit, Filter, &["/"]),
        (Transcript, Up, &["k", "up"]),
        (Transcript, Down, &["j", "down"]),
        (Transcript, PageUp, &["pgup", "ctrl-u"]),
        (Transcript, PageDown, &["pgdown", "ctrl-d", "space"]),
        (Transcript, Top, &["g", "home"]),
        (Transcript, Bottom, &["G", "end"]),
        (Transcript, NextMessage, &["]", "J"]),
        (Transcript, PrevMessage, &["[", "K"]),
        (Transcript, Command::Search, &["/"]),
        (Transcript, SearchNext, &["n"]),
        (Transcript, SearchPrev, &["N"]),
        (Transcript, ToggleMetadata, &["m"]),
        (Transcript, ExportMarkdown, &["e"]),
        (Transcript, ExportJson, &["E"]),
        (Transcript, CopyMessage, &["y"]),
        (Transcript, CopyTranscript, &["Y"]),
        (Transcript, ReplayRetrieval, &["R"]),
    ]
};

impl Default for Keymap {
    fn default() -> Self {
        let mut bindings: BTreeMap<Context, BTreeMap<Key, Command>> = BTreeMap::new();
        for (ctx, cmd, keys) in DEFAULTS {
            for k in *keys {
                bindings.entry(*ctx).or_default().insert(Key::parse(k).expect("default keys parse"), *cmd);
            }
        }
        Keymap { bindings }
    }
}

impl Keymap {
    /// Defaults with the user's overrides merged over them: a command named
    /// in an override loses its default keys in that context and gets the
    /// listed ones. Bad entries become warnings and are skipped.
    pub fn with_overrides(overrides: &KeymapOverrides, warnings: &mut Vec<String>) -> Keymap {
        let mut km = Keymap::default();
        for (ctx, table) in overrides {
            for (cmd_name, keys) in table {
                let Some(cmd) = Command::from_name(cmd_name) else {
                    warnings.push(format!("keymap.{}: unknown command '{cmd_name}'", ctx.name()));
                    continue;
                };
                let parsed: Result<Vec<Key>, String> = keys.iter().map(|k| Key::parse(k)).collect();
                match parsed {
                    Ok(parsed) => {
                        let map = km.bindings.entry(*ctx).or_default();
                        map.retain(|_, c| *c != cmd);
                        for k in parsed {
                            map.insert(k, cmd);
                        }
                    }
                    Err(e) => warnings.push(format!("keymap.{}.{cmd_name}: {e}", ctx.name())),
                }
            }
        }
        km
    }

    /// The command for a key in a pane: the pane's binding first, then global.
    pub fn lookup(&self, ctx: Context, ev: &KeyEvent) -> Option<Command> {
        let key = Key::from_event(ev)?;
        let find = |c: Context| self.bindings.get(&c).and_then(|m| m.get(&key)).copied();
        find(ctx).or_else(|| find(Context::Global))
    }

    /// The key to show for `cmd` in `ctx` (its shortest binding there, else
    /// the global one): hints follow the user's keymap.
    pub fn key_for(&self, ctx: Context, cmd: Command) -> Option<String> {
        let find = |c: Context| {
            let map = self.bindings.get(&c)?;
            // The first default key still bound to it (Enter before l),
            // else the shortest key the user gave it.
            let default = DEFAULTS
                .iter()
                .filter(|(dc, dcmd, _)| *dc == c && *dcmd == cmd)
                .flat_map(|(_, _, keys)| keys.iter())
                .filter_map(|k| Key::parse(k).ok())
                .find(|k| map.get(k) == Some(&cmd));
            default.map(|k| k.to_string()).or_else(|| {
                map.iter()
                    .filter(|(_, bound)| **bound == cmd)
                    .map(|(k, _)| k.to_string())
                    .min_by_key(|k| (k.chars().count(), k.clone()))
            })
        };
        find(ctx).or_else(|| find(Context::Global))
    }

    /// Every binding of a context, grouped by command, in declaration order.
    pub fn help(&self, ctx: Context) -> Vec<(Command, Vec<Key>)> {
        let mut out: Vec<(Command, Vec<Key>)> = Vec::new();
        if let Some(map) = self.bindings.get(&ctx) {
            for cmd in Command::ALL {
                let keys: Vec<Key> = map.iter().filter(|(_, c)| *c == cmd).map(|(k, _)| *k).collect();
                if !keys.is_empty() {
                    out.push((*cmd, keys));
                }
            }
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ev(code: KeyCode, m: KeyModifiers) -> KeyEvent {
        KeyEvent::new(code, m)
    }

    #[test]
    fn hints_show_the_users_keys() {
        let km = Keymap::default();
        assert_eq!(km.key_for(Context::List, Command::Quit).as_deref(), Some("q"));
        let overrides: KeymapOverrides = toml::from_str("[global]\nquit = [\"ctrl-q\"]").unwrap();
        let km = Keymap::with_overrides(&overrides, &mut Vec::new());
        assert_eq!(km.key_for(Context::List, Command::Quit).as_deref(), Some("ctrl-q"));
        assert_eq!(km.key_for(Context::List, Command::Upload).as_deref(), Some("u"));
    }

    #[test]
    fn parses_and_prints_keys() {
        for s in ["q", "G", "ctrl-c", "enter", "pgdown", "f1", "space", "?", "backtab"] {
            assert_eq!(Key::parse(s).unwrap().to_string(), s);
        }
        assert_eq!(Key::parse("shift-g").unwrap(), Key::parse("G").unwrap());
        assert!(Key::parse("hyper-x").is_err());
    }

    #[test]
    fn pane_binding_wins_over_global() {
        let km = Keymap::default();
        let slash = ev(KeyCode::Char('/'), KeyModifiers::NONE);
        assert_eq!(km.lookup(Context::Transcript, &slash), Some(Command::Search));
        assert_eq!(km.lookup(Context::List, &slash), Some(Command::Filter));
        let q = ev(KeyCode::Char('q'), KeyModifiers::NONE);
        assert_eq!(km.lookup(Context::List, &q), Some(Command::Quit));
        let shift_g = ev(KeyCode::Char('G'), KeyModifiers::SHIFT);
        assert_eq!(km.lookup(Context::List, &shift_g), Some(Command::Bottom));
        let ctrl_c = ev(KeyCode::Char('c'), KeyModifiers::CONTROL);
        assert_eq!(km.lookup(Context::List, &ctrl_c), Some(Command::Quit));
    }

    #[test]
    fn overrides_replace_and_report() {
        let overrides: KeymapOverrides = toml::from_str(
            r#"[global]
               quit = ["ctrl-q"]
               fly = ["x"]
               [list]
               down = ["hyper-j"]"#,
        )
        .unwrap();
        let mut w = Vec::new();
        let km = Keymap::with_overrides(&overrides, &mut w);
        assert_eq!(w.len(), 2, "{w:?}");
        let q = ev(KeyCode::Char('q'), KeyModifiers::NONE);
        assert_eq!(km.lookup(Context::List, &q), None);
        let cq = ev(KeyCode::Char('q'), KeyModifiers::CONTROL);
        assert_eq!(km.lookup(Context::List, &cq), Some(Command::Quit));
        let j = ev(KeyCode::Char('j'), KeyModifiers::NONE);
        assert_eq!(km.lookup(Context::List, &j), Some(Command::Down), "a rejected override keeps the default");
    }

    #[test]
    fn help_lists_every_default() {
        let km = Keymap::default();
        let total: usize =
            [Context::Global, Context::List, Context::Transcript, Context::Search, Context::Limits, Context::Audit]
                .iter()
                .map(|c| km.help(*c).iter().map(|(_, k)| k.len()).sum::<usize>())
                .sum();
        let expected: usize = DEFAULTS.iter().map(|(_, _, k)| k.len()).sum();
        assert_eq!(total, expected);
    }
}
