//! Transcript export: JSON (exact, round-trips) and Markdown (for people;
//! control characters are made visible, as on screen).

use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use crate::db::messages::MessageRow;
use crate::db::sessions::SessionRow;
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

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TranscriptExport {
    pub format: String,
    pub session: SessionRow,
    pub messages: Vec<MessageRow>,
}

pub const JSON_FORMAT_TAG: &str = "ragdesk.transcript.v1";

pub fn render(format: Format, session: &SessionRow, messages: &[MessageRow]) -> String {
    match format {
        Format::Json => {
            let doc = TranscriptExport {
                format: JSON_FORMAT_TAG.into(),
                session: session.clone(),
                messages: messages.to_vec(),
            };
            // Same value, but no raw character a terminal would act on
            // (`cat export.json` is safe).
            let mut s = crate::sanitize::escape_terminal_controls(
                &serde_json::to_string_pretty(&doc).expect("transcripts serialise"),
            );
            s.push('\n');
            s
        }
        Format::Md => markdown(session, messages),
    }
}

pub fn default_file_name(session: &SessionRow, format: Format) -> String {
    format!("session-{}.{}", session.id, format.extension())
}

fn markdown(s: &SessionRow, messages: &[MessageRow]) -> String {
    let mut out = String::new();
    let lead = sanitize_line(s.lead_label());
    out.push_str(&format!("# Conversation with {lead}\n\n"));
    out.push_str(&format!("- Session: `{}`\n", s.id));
    if let Some(d) = &s.demo_name {
        out.push_str(&format!("- Demo: {}\n", sanitize_line(d)));
    }
    out.push_str(&format!("- Lead: {} (`{}`)\n", lead, sanitize_line(&s.lead_identifier)));
    out.push_str(&format!("- Channel: {}\n", sanitize_line(&s.channel)));
    out.push_str(&format!("- Started: {}\n", s.created_at.format("%Y-%m-%d %H:%M:%S UTC")));
    match s.ended_at {
        Some(e) => out.push_str(&format!("- Ended: {}\n", e.format("%Y-%m-%d %H:%M:%S UTC"))),
        None => out.push_str("- Ended: (still open)\n"),
    }
    let tokens: i64 = messages.iter().map(|m| m.token_count as i64).sum();
    out.push_str(&format!("- Messages: {}, tokens: {}\n", messages.len(), tokens));
    for m in messages {
        out.push_str(&format!(
            "\n---\n\n**{}** · {} · {} tokens\n\n",
            sanitize_line(&m.role),
            m.created_at.format("%Y-%m-%d %H:%M:%S"),
            m.token_count
        ));
        for line in sanitize_multiline(&m.content).lines() {
            // Quote each line so Markdown in messages cannot restructure the export.
            out.push_str("> ");
            out.push_str(line);
            out.push('\n');
        }
    }
    out
}

/// A conversation of another platform's schema, read through its layout.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct LayoutTranscript {
    pub format: String,
    /// The layout it was read through ("domo").
    pub layout: String,
    pub session: crate::db::mapped::MappedRow,
    pub messages: Vec<crate::db::mapped::MappedRow>,
}

pub const LAYOUT_JSON_FORMAT_TAG: &str = "ragdesk.layout-transcript.v1";

/// The most messages one export reads (a page at a time).
pub const LAYOUT_EXPORT_CAP: usize = 100_000;

/// Reads session `id` of `mapped` and all its messages in their order.
pub async fn read_layout_transcript(
    conn: &mut sqlx::PgConnection,
    mapped: &crate::db::mapped::Mapped,
    id: &str,
) -> crate::db::Result<LayoutTranscript> {
    use crate::schema::Kind;
    let session = mapped
        .row(&mut *conn, Kind::Session, id)
        .await?
        .ok_or_else(|| crate::db::DbError::NotFound(format!("{} {id}", mapped.layout.label(Kind::Session))))?;
    let mut messages = Vec::new();
    let mut after: Option<Vec<Option<String>>> = None;
    loop {
        let page = mapped.page(&mut *conn, Kind::Message, Some(id), after.as_deref(), 1000).await?;
        messages.extend(page.rows);
        match page.next {
            Some(next) if messages.len() < LAYOUT_EXPORT_CAP => after = Some(next),
            Some(_) => {
                return Err(crate::db::DbError::Invalid(format!(
                    "more than {LAYOUT_EXPORT_CAP} messages: too many for one export"
                )));
            }
            None => break,
        }
    }
    Ok(LayoutTranscript {
        format: LAYOUT_JSON_FORMAT_TAG.into(),
        layout: mapped.layout.name.clone(),
        session,
        messages,
    })
}

/// A layout transcript as JSON (exact; no raw control character) or
/// Markdown (for people; controls made visible, lines quoted).
pub fn render_layout(format: Format, t: &LayoutTranscript) -> String {
    match format {
        Format::Json => {
            let mut s = crate::sanitize::escape_terminal_controls(
                &serde_json::to_string_pretty(t).expect("transcripts serialise"),
            );
            s.push('\n');
            s
        }
        Format::Md => {
            let mut out = format!("# Conversation {}\n\n", sanitize_line(&t.session.id));
            out.push_str(&format!("- Layout: {}\n", sanitize_line(&t.layout)));
            if let Some(title) = &t.session.title {
                out.push_str(&format!("- Title: {}\n", sanitize_line(title)));
            }
            if let Some(at) = t.session.created_at {
                out.push_str(&format!("- Started: {}\n", at.format("%Y-%m-%d %H:%M:%S UTC")));
            }
            out.push_str(&format!("- Messages: {}\n", t.messages.len()));
            for m in &t.messages {
                let at = m.created_at.map(|a| a.format(" · %Y-%m-%d %H:%M:%S").to_string()).unwrap_or_default();
                out.push_str(&format!("\n---\n\n**{}**{at}\n\n", sanitize_line(m.role.as_deref().unwrap_or("?"))));
                for line in sanitize_multiline(m.content.as_deref().unwrap_or("")).lines() {
                    out.push_str("> ");
                    out.push_str(line);
                    out.push('\n');
                }
            }
            out
        }
    }
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
/// truncated file behind. Replaces `path` if it exists (the caller named it).
pub fn write_atomically(path: &Path, bytes: &[u8]) -> std::io::Result<()> {
    let dir = path.parent().filter(|p| !p.as_os_str().is_empty()).unwrap_or(Path::new("."));
    let tmp = dir.join(format!(".{}.partial", path.file_name().and_then(|n| n.to_str()).unwrap_or("export")));
    std::fs::write(&tmp, bytes)?;
    std::fs::rename(&tmp, path)
}

/// Exports one session into `dir` (the console's `e`/`E`), under a new name.
pub async fn export_session(
    db: &crate::db::Db,
    session: uuid::Uuid,
    format: Format,
    dir: &Path,
) -> Result<String, String> {
    let s = crate::db::sessions::get(&mut *db.acquire().await.map_err(|e| e.to_string())?, session)
        .await
        .map_err(|e| e.to_string())?;
    let messages = crate::db::messages::all(&mut *db.acquire().await.map_err(|e| e.to_string())?, session)
        .await
        .map_err(|e| e.to_string())?;
    let text = render(format, &s, &messages);
    let path = write_new_file(dir, &default_file_name(&s, format), text.as_bytes())
        .map_err(|e| format!("cannot write into {}: {e}", dir.display()))?;
    Ok(format!("exported {} messages to {}", messages.len(), path.display()))
}

#[cfg(test)]
mod tests {
    use super::*;

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
