//! Untrusted text: every string that comes from the database (messages,
//! documents, names) is end-user data. Before it reaches a widget it passes
//! through here, so no control character, escape sequence or bidi override
//! can reach the terminal.
//!
//! Control characters are not silently dropped: C0 controls become their
//! visible Unicode "control pictures" (ESC shows as `␛`), so an operator can
//! see that a message contained an escape sequence, while the terminal only
//! ever receives printable characters.

use std::borrow::Cow;

/// Is `c` safe to hand to the terminal as-is (for one line of text)?
fn is_plain(c: char) -> bool {
    !(c.is_control() || is_bidi_control(c) || c == '\u{2028}' || c == '\u{2029}')
}

/// Bidirectional formatting characters: they can reorder what is displayed
/// ("Trojan Source") and so are removed outright.
pub fn is_bidi_control(c: char) -> bool {
    matches!(c,
        '\u{061C}' | '\u{200E}' | '\u{200F}' | '\u{202A}'..='\u{202E}' | '\u{2066}'..='\u{2069}')
}

fn push_visible(out: &mut String, c: char) {
    match c {
        // C0 controls and DEL map to the Control Pictures block (U+2400..).
        '\0'..='\u{1F}' => out.push(char::from_u32(0x2400 + c as u32).unwrap_or('\u{FFFD}')),
        '\u{7F}' => out.push('\u{2421}'),
        // C1 controls (U+0080..U+009F) include CSI (U+009B) and OSC (U+009D):
        // some terminals act on them, so they become a replacement character.
        '\u{80}'..='\u{9F}' => out.push('\u{FFFD}'),
        c if is_bidi_control(c) => {}
        '\u{2028}' | '\u{2029}' => out.push(' '),
        c => out.push(c),
    }
}

/// Sanitises text that is laid out on one line (names, identifiers, cells):
/// newlines and tabs become spaces, every other control becomes visible.
/// JSON escapes U+0000–U+001F itself; DEL and U+0080–U+009F (C1, which
/// some terminals obey like ESC) are legal raw in JSON strings, so they are
/// written as `\u` escapes here. The JSON value is unchanged.
pub fn escape_terminal_controls(json: &str) -> String {
    let mut out = String::with_capacity(json.len());
    for c in json.chars() {
        if c == '\u{7f}' || ('\u{80}'..='\u{9f}').contains(&c) {
            out.push_str(&format!("\\u{:04x}", c as u32));
        } else {
            out.push(c);
        }
    }
    out
}

pub fn sanitize_line(s: &str) -> Cow<'_, str> {
    if s.chars().all(is_plain) {
        return Cow::Borrowed(s);
    }
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '\n' | '\t' | '\r' => out.push(' '),
            c => push_visible(&mut out, c),
        }
    }
    Cow::Owned(out)
}

/// Sanitises multi-line text (message bodies, prompts, documents): keeps
/// `\n` and `\t` for the layout to handle, normalises `\r\n` and Unicode line
/// separators to `\n`, and makes every other control visible.
pub fn sanitize_multiline(s: &str) -> Cow<'_, str> {
    if s.chars().all(|c| c == '\n' || c == '\t' || is_plain(c)) {
        return Cow::Borrowed(s);
    }
    let mut out = String::with_capacity(s.len());
    let mut chars = s.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '\n' | '\t' => out.push(c),
            '\r' => {
                if chars.peek() != Some(&'\n') {
                    out.push('\n');
                }
            }
            '\u{2028}' | '\u{2029}' => out.push('\n'),
            c => push_visible(&mut out, c),
        }
    }
    Cow::Owned(out)
}

/// True if `s` would reach the terminal unchanged: the invariant every
/// rendered string must satisfy (used by tests over whole screens).
pub fn is_terminal_safe(s: &str) -> bool {
    s.chars().all(is_plain)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The attack corpus: each entry must come out terminal-safe from both
    /// sanitizers, and keep its visible payload.
    const ATTACKS: &[&str] = &[
        "\x1b]2;owned\x07\x1b[2J",                     // OSC set title + CSI clear screen
        "\x1b[31mred\x1b[0m",                          // SGR colour
        "\x1b[1;1H\x1b[2K",                            // cursor move, erase line
        "\x1bP1;2|payload\x1b\\",                      // DCS with ST
        "\x1b]52;c;ZXZpbA==\x07",                      // OSC 52 clipboard write
        "\x1b]8;;http://evil\x1b\\link\x1b]8;;\x1b\\", // OSC 8 hyperlink
        "\u{9b}31m C1 CSI \u{9d}0;title\u{9c}",        // 8-bit C1 CSI, OSC, ST
        "nul\0byte",
        "bell\x07 backspace\x08 del\x7f",
        "bidi \u{202E}gnp.exe\u{202C} \u{2066}iso\u{2069} \u{200F}",
        "cr\roverwrite",
        "line\u{2028}sep\u{2029}para",
        "\x1b",
    ];

    #[test]
    fn attack_corpus_is_neutralised() {
        for attack in ATTACKS {
            for out in [sanitize_line(attack), sanitize_multiline(attack)] {
                assert!(!out.contains('\x1b'), "{attack:?} -> {out:?}");
                assert!(out.chars().all(|c| c == '\n' || c == '\t' || is_plain(c)), "{attack:?} -> {out:?}");
            }
            assert!(is_terminal_safe(&sanitize_line(attack)));
        }
    }

    #[test]
    fn escape_sequences_become_visible_text() {
        assert_eq!(sanitize_line("\x1b]2;owned\x07\x1b[2J"), "␛]2;owned␇␛[2J");
        assert_eq!(sanitize_line("a\0b"), "a␀b");
        assert_eq!(sanitize_line("\u{9b}x"), "\u{FFFD}x");
        assert_eq!(sanitize_line("x\u{202E}y"), "xy");
    }

    #[test]
    fn layout_characters() {
        assert_eq!(sanitize_line("a\nb\tc"), "a b c");
        assert_eq!(sanitize_multiline("a\r\nb\rc\td"), "a\nb\nc\td");
        assert_eq!(sanitize_multiline("a\u{2028}b"), "a\nb");
    }

    #[test]
    fn clean_text_is_borrowed() {
        for s in ["plain", "emoji 🎉 and 漢字", "tabs\tand\nnewlines"] {
            assert!(matches!(sanitize_multiline(s), Cow::Borrowed(_)));
        }
        assert!(matches!(sanitize_line("漢字 🎉"), Cow::Borrowed(_)));
    }

    #[test]
    fn very_long_lines_survive_linearly() {
        let long = "\x1b[2J".repeat(100_000);
        let out = sanitize_line(&long);
        assert_eq!(out.chars().count(), 400_000);
        assert!(is_terminal_safe(&out));
    }
}
