//! Transcript export: JSON (exact, round-trips) and Markdown (for people;
//! control characters are made visible, as on screen).

use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use crate::db::conversation::{ConversationHead, Conversations, Utterance};
use crate::sanitize::{sanitize_line, sanitize_multiline};

#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Format {
    Md,
    Json,
}

impl Format {
    pub fn extension(self) -> &'static str {
        match self {
            Format::Md => "md",
            Format::Json => "json",
        }
    }
}

/// `NOUN-ID.EXT` (`session-…` for ours, a layout's word for one of its
/// conversations for theirs: `conversation-…`, `ticket-…`), both kept to
/// what a file name can safely hold (a layout's ids are any text).
fn file_name_for(noun: &str, id: &str, format: Format) -> String {
    let safe = |s: &str, n: usize| -> String {
        s.chars().take(n).map(|c| if c.is_ascii_alphanumeric() || c == '-' || c == '_' { c } else { '_' }).collect()
    };
    // A word with no letter or digit of ASCII (empty, "会話") names nothing;
    // a name never starts with a dash (read as an option by shell tools).
    let noun = safe(&noun.to_lowercase().replace(' ', "-"), 30);
    let noun = noun.trim_start_matches(['-', '_']);
    let noun = if noun.chars().any(|c| c.is_ascii_alphanumeric()) { noun } else { "conversation" };
    format!("{noun}-{}.{}", safe(id, 80), format.extension())
}

/// A conversation for people, whatever schema it was read from: its
/// heading (what the layout has of it), then each message quoted, so
/// Markdown in messages cannot restructure the export. Control characters
/// are made visible, as on screen.
pub fn markdown(head: &ConversationHead, messages: &[Utterance]) -> String {
    let ts = |t: &chrono::DateTime<chrono::Utc>| t.format("%Y-%m-%d %H:%M:%S UTC").to_string();
    let mut out = match (&head.who, &head.title) {
        (Some(who), _) => format!("# Conversation with {}\n\n", sanitize_line(who)),
        // Not known to be with a person: in the platform's word for one.
        (None, Some(title)) => {
            format!(
                "# {}: {}\n\n",
                sanitize_line(head.label.as_deref().unwrap_or("Conversation")),
                sanitize_line(title)
            )
        }
        (None, None) => {
            format!(
                "# {} {}\n\n",
                sanitize_line(head.label.as_deref().unwrap_or("Conversation")),
                sanitize_line(&head.id)
            )
        }
    };
    let what = head.label.as_deref().unwrap_or("Session");
    out.push_str(&format!("- {}: `{}`\n", sanitize_line(what), sanitize_line(&head.id)));
    if let Some(l) = &head.layout {
        out.push_str(&format!("- Layout: {}\n", sanitize_line(l)));
    }
    if let Some(t) = head.title.as_ref().filter(|_| head.who.is_some()) {
        out.push_str(&format!("- Title: {}\n", sanitize_line(t)));
    }
    if let Some(crate::db::conversation::HeldBy { label, name }) = &head.tenant {
        out.push_str(&format!("- {}: {}\n", sanitize_line(label), sanitize_line(name)));
    }
    if let Some(d) = &head.bot {
        out.push_str(&format!(
            "- {}: {}\n",
            sanitize_line(head.bot_label.as_deref().unwrap_or("Demo")),
            sanitize_line(d)
        ));
    }
    // Who, with their other name (an e-mail, a phone) where they have one.
    match (&head.who, &head.who_id) {
        (Some(who), Some(id)) => out.push_str(&format!("- Lead: {} (`{}`)\n", sanitize_line(who), sanitize_line(id))),
        (Some(who), None) => out.push_str(&format!("- Lead: {}\n", sanitize_line(who))),
        _ => {}
    }
    // Its own columns as the layout shows them (ours: its channel), then its state.
    let details = head.details.iter().map(|(c, v)| (crate::text::column_words(c), v));
    for (label, v) in details.chain(head.status.iter().map(|v| ("Status".to_string(), v))) {
        out.push_str(&format!("- {label}: {}\n", sanitize_line(v)));
    }
    if let Some(at) = &head.started_at {
        out.push_str(&format!("- Started: {}\n", ts(at)));
    }
    match (&head.ended_at, &head.layout) {
        (Some(e), _) => out.push_str(&format!("- Ended: {}\n", ts(e))),
        // Ours records the end; a layout without one says nothing.
        (None, None) => out.push_str("- Ended: (still open)\n"),
        (None, Some(_)) => {}
    }
    // Tokens where every message counts them (none to count says nothing).
    let tokens: Option<i64> =
        messages.iter().map(|m| m.token_count.map(i64::from)).sum::<Option<i64>>().filter(|_| !messages.is_empty());
    match tokens {
        Some(t) => out.push_str(&format!("- Messages: {}, tokens: {t}\n", messages.len())),
        None => out.push_str(&format!("- Messages: {}\n", messages.len())),
    }
    for m in messages {
        out.push_str(&format!("\n---\n\n**{}**", sanitize_line(&m.role)));
        if let Some(at) = m.created_at {
            out.push_str(&format!(" · {}", at.format("%Y-%m-%d %H:%M:%S")));
        }
        if let Some(n) = m.token_count {
            out.push_str(&format!(" · {n} tokens"));
        }
        out.push_str("\n\n");
        for line in sanitize_multiline(&m.content).lines() {
            out.push_str("> ");
            out.push_str(line);
            out.push('\n');
        }
    }
    out
}

/// A conversation as exported in JSON, whatever the schema: its heading,
/// its own row, its messages.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TranscriptExport {
    pub format: String,
    /// The layout it was read through ("native" for ours, "domo"…).
    pub layout: String,
    pub session: ConversationHead,
    /// The conversation's own row, every column but vectors, bytes and
    /// what may hold a secret (`Mapped::row_fields`): the platform's
    /// fields beside our heading. Empty for a conversation with no row of
    /// its own (001's, derived from its messages).
    #[serde(default, skip_serializing_if = "serde_json::Map::is_empty")]
    pub row: serde_json::Map<String, serde_json::Value>,
    pub messages: Vec<Utterance>,
}

/// One format for every schema (ours was `ragdesk.transcript.v1`, another
/// platform's `ragdesk.layout-transcript.v3`, before ours was read through
/// its layout too).
pub const JSON_FORMAT_TAG: &str = "ragdesk.transcript.v2";

/// Reads conversation `id` and all its messages in their order.
pub async fn read_transcript(
    conn: &mut sqlx::PgConnection,
    conversations: &Conversations,
    id: &str,
) -> crate::db::Result<TranscriptExport> {
    let (session, messages) = conversations.whole(conn, id).await?;
    let mapped = &conversations.0;
    // Beside the transcript, not a condition of it: a role that may not
    // read every column (column GRANTs) still exports the conversation.
    let row = match mapped.row_fields(&mut *conn, crate::schema::Kind::Session, &session.id).await {
        Ok(fields) => fields.unwrap_or_default(),
        Err(e) => {
            tracing::warn!("the conversation's own row is left out of its export: {e}");
            Vec::new()
        }
    };
    Ok(TranscriptExport {
        format: JSON_FORMAT_TAG.into(),
        layout: mapped.layout.name.clone(),
        session,
        row: row.into_iter().collect(),
        messages,
    })
}

/// A transcript as JSON (exact; no raw control character) or Markdown (for
/// people; controls made visible, lines quoted).
pub fn render(format: Format, t: &TranscriptExport) -> String {
    match format {
        Format::Json => json(t),
        Format::Md => markdown(&t.session, &t.messages),
    }
}

/// An export document as pretty JSON with no raw character a terminal
/// would act on (`cat export.json` is safe), the value unchanged.
fn json<T: Serialize>(doc: &T) -> String {
    let mut s =
        crate::sanitize::escape_terminal_controls(&serde_json::to_string_pretty(doc).expect("transcripts serialise"));
    s.push('\n');
    s
}

/// One conversation rendered for export, whatever the schema.
#[derive(Debug, Clone, PartialEq)]
pub struct Rendered {
    pub text: String,
    pub messages: usize,
    pub file_name: String,
}

/// Reads conversation `id` whole through `conversations` and renders it
/// ([`render`]). At most [`crate::db::conversation::WHOLE_CAP`] messages.
pub async fn render_conversation(
    conn: &mut sqlx::PgConnection,
    conversations: &Conversations,
    id: &str,
    format: Format,
) -> crate::db::Result<Rendered> {
    let id = conversations.resolve(&mut *conn, id).await?;
    let t = read_transcript(&mut *conn, conversations, &id).await?;
    let (text, messages) = (render(format, &t), t.messages.len());
    // Ours: `session-…`; another platform's in its word for one.
    let noun = conversations.0.layout.one(crate::schema::Kind::Session);
    Ok(Rendered { text, messages, file_name: file_name_for(&noun, &id, format) })
}

/// Writes `bytes` to `dir/file_name`, creating `dir` if missing and never
/// replacing an earlier file: a name already taken gets `-2`, `-3`… before
/// its extension. The file appears whole or not at all (written to a
/// temporary file, then hard-linked to a name that must not exist yet, so
/// two exports racing for a name cannot overwrite each other).
pub fn write_new_file(dir: &Path, file_name: &str, bytes: &[u8]) -> std::io::Result<PathBuf> {
    std::fs::create_dir_all(dir)?;
    let tmp = dir.join(format!(".{file_name}.{}.partial", std::process::id()));
    std::fs::write(&tmp, bytes)?;
    let (stem, ext) = match file_name.rsplit_once('.') {
        Some((s, e)) if !s.is_empty() => (s, format!(".{e}")),
        _ => (file_name, String::new()),
    };
    let mut result = Err(std::io::Error::other("no free file name"));
    for n in 1..10_000u32 {
        let name = if n == 1 { file_name.to_string() } else { format!("{stem}-{n}{ext}") };
        let path = dir.join(name);
        match std::fs::hard_link(&tmp, &path) {
            Ok(()) => {
                result = Ok(path);
                break;
            }
            Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => continue,
            Err(e) => {
                result = Err(e);
                break;
            }
        }
    }
    let _ = std::fs::remove_file(&tmp);
    result
}

/// Writes via a temporary file and rename: a failed export never leaves a
/// truncated file behind. Replaces `path` if it is a file (the caller named
/// it). Anything else named is written into, never replaced: a device, a
/// pipe or a terminal (`-o /dev/null`, `-o /dev/stdout`: a rename would put
/// a plain file in its place); and a link to a file replaces the file it
/// points at, the link staying.
pub fn write_atomically(path: &Path, bytes: &[u8]) -> std::io::Result<()> {
    use std::io::Write;
    // A device or a pipe, or a name for one of the process's own files
    // (`/dev/stdout` → `/proc/self/fd/1`, maybe a file opened for appending
    // by the shell): written into as named.
    let special = path.starts_with("/dev") || path.starts_with("/proc");
    if special || std::fs::metadata(path).is_ok_and(|m| !m.is_file()) {
        // Appending: `/proc/self/fd/1` opened anew starts at offset 0, and
        // would write over what the shell's `>>` put before.
        let mut f = std::fs::OpenOptions::new().append(true).open(path)?;
        f.write_all(bytes)?;
        return f.flush();
    }
    let path = match std::fs::symlink_metadata(path) {
        // The file a link points at (made there when it does not exist yet).
        Ok(m) if m.file_type().is_symlink() => match std::fs::canonicalize(path) {
            Ok(target) => target,
            Err(_) => {
                let target = std::fs::read_link(path)?;
                path.parent().map(|dir| dir.join(&target)).unwrap_or(target)
            }
        },
        _ => path.to_path_buf(),
    };
    let dir = path.parent().filter(|p| !p.as_os_str().is_empty()).unwrap_or(Path::new("."));
    let tmp = dir.join(format!(".{}.partial", path.file_name().and_then(|n| n.to_str()).unwrap_or("export")));
    std::fs::write(&tmp, bytes)?;
    std::fs::rename(&tmp, &path)
}

/// Exports one conversation into `dir` (the console's `e`/`E`), under a new name.
pub async fn export_session(
    db: &crate::db::Db,
    lists: &crate::db::mapped::Lists,
    session: &str,
    format: Format,
    dir: &Path,
) -> Result<String, String> {
    let mut conn = db.acquire().await.map_err(|e| e.to_string())?;
    let conversations = Conversations::new(lists.mapped(&mut conn).await.map_err(|e| e.to_string())?);
    let r = render_conversation(&mut conn, &conversations, session, format).await.map_err(|e| e.to_string())?;
    let path = write_new_file(dir, &r.file_name, r.text.as_bytes())
        .map_err(|e| format!("cannot write into {}: {e}", dir.display()))?;
    Ok(format!("exported {} messages to {}", crate::db::page::group(r.messages as i64), path.display()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_layouts_conversation_without_a_person_is_headed_by_its_title() {
        let head = ConversationHead {
            id: "thr_1".into(),
            title: Some("Question about shipping".into()),
            bot: Some("Acme Support Bot".into()),
            bot_label: Some("Bot".into()),
            layout: Some("chatdesk".into()),
            ..Default::default()
        };
        let md = markdown(&head, &[]);
        assert!(md.starts_with("# Conversation: Question about shipping\n"), "{md}");
        assert!(md.contains("- Bot: Acme Support Bot\n") && !md.contains("Title:"), "{md}");
        // No messages, nothing counted: no tokens line.
        assert!(md.contains("- Messages: 0\n") && !md.contains("tokens"), "{md}");
        // In the platform's word for one, where it has one.
        let ticket = ConversationHead { label: Some("Ticket".into()), ..head.clone() };
        assert!(markdown(&ticket, &[]).starts_with("# Ticket: Question about shipping\n"));
        let bare = ConversationHead { title: None, ..ticket };
        let md = markdown(&bare, &[]);
        assert!(md.starts_with("# Ticket thr_1\n") && md.contains("- Ticket: `thr_1`\n"), "{md}");
    }

    #[test]
    fn an_export_is_named_by_the_layouts_word_safely() {
        assert_eq!(file_name_for("session", "3fa8-01", Format::Md), "session-3fa8-01.md");
        assert_eq!(file_name_for("Support ticket", "t/1", Format::Json), "support-ticket-t_1.json");
        for odd in ["", "会話", "../x", "-rf"] {
            let name = file_name_for(odd, "a.b", Format::Md);
            assert!(!name.starts_with('-') && !name.contains('/') && name.ends_with("-a_b.md"), "{odd:?}: {name}");
        }
        assert_eq!(file_name_for("", "1", Format::Md), "conversation-1.md");
    }

    #[test]
    fn a_named_pipe_or_a_link_is_written_through_never_replaced() {
        use std::os::unix::fs::FileTypeExt;
        let dir = tempfile::tempdir().unwrap();
        // A pipe (as a device or /dev/stdout would be): written into.
        let fifo = dir.path().join("pipe");
        assert!(std::process::Command::new("mkfifo").arg(&fifo).status().unwrap().success());
        let reader = {
            let fifo = fifo.clone();
            std::thread::spawn(move || std::fs::read(fifo).unwrap())
        };
        write_atomically(&fifo, b"through the pipe").unwrap();
        // (Checked before the reader is waited for: a replaced pipe leaves it waiting.)
        assert!(std::fs::metadata(&fifo).unwrap().file_type().is_fifo(), "still a pipe");
        assert_eq!(reader.join().unwrap(), b"through the pipe");
        // A link to a file: the file is replaced, the link stays a link.
        let file = dir.path().join("real.md");
        std::fs::write(&file, b"old").unwrap();
        let link = dir.path().join("link.md");
        std::os::unix::fs::symlink(&file, &link).unwrap();
        write_atomically(&link, b"new").unwrap();
        assert!(std::fs::symlink_metadata(&link).unwrap().file_type().is_symlink());
        assert_eq!(std::fs::read(&file).unwrap(), b"new");
        // A plain file is replaced whole.
        write_atomically(&file, b"newer").unwrap();
        assert_eq!(std::fs::read(&file).unwrap(), b"newer");
        // A link to a file not there yet: the file is made, the link stays.
        let later = dir.path().join("later.md");
        let dangling = dir.path().join("dangling.md");
        std::os::unix::fs::symlink("later.md", &dangling).unwrap();
        write_atomically(&dangling, b"made").unwrap();
        assert!(std::fs::symlink_metadata(&dangling).unwrap().file_type().is_symlink());
        assert_eq!(std::fs::read(&later).unwrap(), b"made");
    }

    #[test]
    fn new_files_never_replace_earlier_ones_and_the_directory_is_made() {
        let tmp = tempfile::tempdir().unwrap();
        let dir = tmp.path().join("exports/deeper");
        let a = write_new_file(&dir, "session-1.md", b"first").unwrap();
        let b = write_new_file(&dir, "session-1.md", b"second").unwrap();
        assert_eq!(a.file_name().unwrap(), "session-1.md");
        assert_eq!(b.file_name().unwrap(), "session-1-2.md");
        assert_eq!(std::fs::read(&a).unwrap(), b"first");
        assert_eq!(std::fs::read(&b).unwrap(), b"second");
        // No temporary file is left behind.
        assert_eq!(std::fs::read_dir(&dir).unwrap().count(), 2);
    }
}
