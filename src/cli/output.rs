//! Everything the CLI prints goes through here. Text from the database is
//! end-user data: each line is sanitised on its way out (control
//! characters and escape sequences made visible), so no command can print
//! one raw. JSON keeps its exact values, with the characters a terminal
//! could act on (DEL and the C1 controls, which JSON allows raw) escaped.
//! A closed pipe (`ragdesk … | head`) is an error the caller ends quietly on.

use std::io::{self, Write};

use crate::sanitize::{escape_terminal_controls, sanitize_multiline};

/// Prints `text` and a newline on standard output, sanitised.
pub fn out(text: impl AsRef<str>) -> io::Result<()> {
    let mut stdout = io::stdout().lock();
    writeln!(stdout, "{}", sanitize_multiline(text.as_ref()))
}

/// Prints `text` and a newline on standard error, sanitised.
pub fn err(text: impl AsRef<str>) {
    let _ = writeln!(io::stderr().lock(), "{}", sanitize_multiline(text.as_ref()));
}

/// Prints `value` as pretty JSON on standard output.
pub fn json(value: &impl serde::Serialize) -> io::Result<()> {
    let text = serde_json::to_string_pretty(value).map_err(io::Error::other)?;
    let mut stdout = io::stdout().lock();
    writeln!(stdout, "{}", escape_terminal_controls(&text))
}

/// Writes raw bytes (an export's own format) on standard output.
pub fn raw(bytes: &[u8]) -> io::Result<()> {
    io::stdout().lock().write_all(bytes)
}

/// Is this error (anywhere in its chain) a closed standard output?
pub fn is_broken_pipe(e: &color_eyre::eyre::Report) -> bool {
    e.chain().any(|c| c.downcast_ref::<io::Error>().is_some_and(|io| io.kind() == io::ErrorKind::BrokenPipe))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn json_keeps_values_but_escapes_c1_and_del() {
        let v = serde_json::json!({ "name": "a\u{9b}31mb\u{7f}\u{1b}[2J" });
        let text = escape_terminal_controls(&serde_json::to_string(&v).unwrap());
        assert!(!text.chars().any(|c| c.is_control()), "{text:?}");
        let back: serde_json::Value = serde_json::from_str(&text).unwrap();
        assert_eq!(back, v);
    }
}
