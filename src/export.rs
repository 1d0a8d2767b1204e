//! Transcript export: JSON (exact, round-trips) and Markdown (for people;
//! control characters are made visible, as on screen).

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
            let mut s = serde_json::to_string_pretty(&doc).expect("transcripts serialise");
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
