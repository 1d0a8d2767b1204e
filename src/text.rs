//! Layout helpers for terminal text: display width (CJK and emoji are two
//! columns wide), word wrapping that never splits a grapheme or a wide
//! character across the edge, and truncation with an ellipsis.

use unicode_segmentation::UnicodeSegmentation;
use unicode_width::UnicodeWidthStr;

pub const TAB_WIDTH: usize = 4;

pub fn width(s: &str) -> usize {
    UnicodeWidthStr::width(s)
}

/// A column's name in words, whole (`products_services` → "Products
/// services"). A name is the database's too (a quoted identifier may hold
/// anything): sanitised.
pub fn column_words(column: &str) -> String {
    let words = crate::sanitize::sanitize_line(column).replace('_', " ");
    let mut chars = words.chars();
    chars.next().map(|c| c.to_uppercase().chain(chars).collect()).unwrap_or_default()
}

/// Truncates `s` to at most `max` columns, ending with `…` when cut.
pub fn truncate(s: &str, max: usize) -> String {
    if width(s) <= max {
        return s.to_string();
    }
    if max == 0 {
        return String::new();
    }
    let mut out = String::new();
    let mut used = 0;
    for g in s.graphemes(true) {
        let w = width(g);
        if used + w > max - 1 {
            break;
        }
        out.push_str(g);
        used += w;
    }
    out.push('…');
    out
}

/// Truncates `s` to at most `max` columns by cutting its middle (`…`), so
/// both the start and the end survive: a long status message keeps what
/// happened and the end of its path (`exported 68 messages to …/session-3fa8.md`).
pub fn truncate_middle(s: &str, max: usize) -> String {
    truncate_middle_keeping(s, max, 0)
}

/// Like [`truncate_middle`], keeping at least `tail` columns of the end
/// when the line has room for them (a whole file name, say).
pub fn truncate_middle_keeping(s: &str, max: usize, tail: usize) -> String {
    if width(s) <= max {
        return s.to_string();
    }
    if max < 8 {
        return truncate(s, max);
    }
    let graphemes: Vec<&str> = s.graphemes(true).collect();
    let tail_budget = ((max - 1) * 3 / 5).max(tail.min(max - 1 - 4));
    let head_budget = max - 1 - tail_budget;
    let mut head = String::new();
    let mut used = 0;
    for g in &graphemes {
        if used + width(g) > head_budget {
            break;
        }
        head.push_str(g);
        used += width(g);
    }
    let mut tail: Vec<&str> = Vec::new();
    let mut used = 0;
    for g in graphemes.iter().rev() {
        if used + width(g) > tail_budget {
            break;
        }
        tail.push(g);
        used += width(g);
    }
    tail.reverse();
    format!("{head}…{}", tail.concat())
}

/// Words of a text (for comparing extractions, highlighting a query): runs
/// of letters and digits,
/// lower-cased (a word split by a stray space counts as lost). Scripts
/// written without spaces (Chinese, Japanese, Korean) count per character.
pub fn words(text: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut word = String::new();
    for c in text.chars() {
        if is_cjk(c) {
            if !word.is_empty() {
                out.push(std::mem::take(&mut word).to_lowercase());
            }
            out.push(c.to_string());
        } else if c.is_alphanumeric() {
            word.push(c);
        } else if !word.is_empty() {
            out.push(std::mem::take(&mut word).to_lowercase());
        }
    }
    if !word.is_empty() {
        out.push(word.to_lowercase());
    }
    out
}

fn is_cjk(c: char) -> bool {
    matches!(c as u32,
        0x3040..=0x30FF   // Hiragana, Katakana
        | 0x3400..=0x4DBF // CJK Extension A
        | 0x4E00..=0x9FFF // CJK Unified Ideographs
        | 0xAC00..=0xD7AF // Hangul syllables
        | 0xF900..=0xFAFF)
}

/// Pads or truncates `s` to exactly `cols` columns.
pub fn fit(s: &str, cols: usize) -> String {
    let mut t = truncate(s, cols);
    let w = width(&t);
    t.extend(std::iter::repeat_n(' ', cols.saturating_sub(w)));
    t
}

/// Wraps sanitised multi-line text to `max` columns. Breaks at spaces where
/// it can and inside a word only when the word alone is wider than a line.
/// Tabs expand to the next multiple of [`TAB_WIDTH`].
pub fn wrap(text: &str, max: usize) -> Vec<String> {
    let max = max.max(1);
    let mut lines = Vec::new();
    for raw in text.split('\n') {
        wrap_paragraph(raw, max, &mut lines);
    }
    lines
}

fn wrap_paragraph(para: &str, max: usize, lines: &mut Vec<String>) {
    let mut line = String::new();
    let mut line_w = 0usize;
    // Position just after the last space on the current line, for word breaks.
    let mut last_space: Option<(usize, usize)> = None; // (byte index, width up to it)
    for g in para.graphemes(true) {
        if g == "\t" {
            let spaces = TAB_WIDTH - (line_w % TAB_WIDTH);
            if line_w + spaces > max {
                lines.push(std::mem::take(&mut line));
                line_w = 0;
                last_space = None;
                continue;
            }
            line.extend(std::iter::repeat_n(' ', spaces));
            line_w += spaces;
            last_space = Some((line.len(), line_w));
            continue;
        }
        let w = width(g);
        if line_w + w > max {
            if g == " " {
                // A space at the edge ends the line and is dropped.
                lines.push(std::mem::take(&mut line));
                line_w = 0;
                last_space = None;
                continue;
            }
            match last_space {
                Some((idx, w_at)) if idx < line.len() => {
                    let rest = line.split_off(idx);
                    lines.push(std::mem::replace(&mut line, rest));
                    line_w -= w_at;
                }
                _ => {
                    lines.push(std::mem::take(&mut line));
                    line_w = 0;
                }
            }
            last_space = None;
        }
        line.push_str(g);
        line_w += w;
        if g == " " {
            last_space = Some((line.len(), line_w));
        }
    }
    lines.push(line);
}

/// `n` things, the noun in the singular for one ("1 chunk", "3 chunks").
pub fn count_of(n: usize, noun: &str) -> String {
    if n == 1 { format!("1 {noun}") } else { format!("{n} {noun}s") }
}

/// Human size: 1.2 KB, 3.4 MB.
pub fn human_bytes(n: u64) -> String {
    match n {
        n if n < 1_000 => format!("{n} B"),
        n if n < 1_000_000 => format!("{:.1} KB", n as f64 / 1e3),
        n => format!("{:.1} MB", n as f64 / 1e6),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn one_thing_is_said_in_the_singular() {
        assert_eq!(count_of(1, "chunk"), "1 chunk");
        assert_eq!((count_of(0, "chunk"), count_of(12, "chunk")), ("0 chunks".into(), "12 chunks".into()));
    }

    #[test]
    fn middle_truncation_keeps_the_end_of_a_path() {
        let m = "exported 68 messages to /root/exports/very/deep/directory/session-3fa85f64.md";
        let t = truncate_middle(m, 50);
        assert_eq!(width(&t), 50);
        assert!(t.starts_with("exported 68") && t.ends_with("directory/session-3fa85f64.md"), "{t}");
        assert_eq!(truncate_middle("short", 50), "short");
        let t = truncate_middle_keeping(m, 40, "session-3fa85f64.md".len() + 1);
        assert!(t.ends_with("/session-3fa85f64.md") && width(&t) == 40, "{t}");
    }

    #[test]
    fn wraps_at_word_boundaries() {
        assert_eq!(wrap("hello brave new world", 11), vec!["hello brave", "new world"]);
        assert_eq!(wrap("a\nb", 10), vec!["a", "b"]);
        assert_eq!(wrap("", 10), vec![""]);
    }

    #[test]
    fn hard_breaks_long_words() {
        assert_eq!(wrap("abcdefghij", 4), vec!["abcd", "efgh", "ij"]);
    }

    #[test]
    fn wide_characters_never_cross_the_edge() {
        // Each CJK character is two columns: a 5-column line holds two.
        let lines = wrap("漢字漢字漢", 5);
        assert_eq!(lines, vec!["漢字", "漢字", "漢"]);
        for l in &lines {
            assert!(width(l) <= 5);
        }
        let emoji = wrap("🎉🎉🎉 ok", 4);
        assert!(emoji.iter().all(|l| width(l) <= 4), "{emoji:?}");
    }

    #[test]
    fn graphemes_stay_whole() {
        // Family emoji is one grapheme made of several code points.
        let fam = "👨‍👩‍👧";
        let lines = wrap(&format!("{fam}{fam}{fam}"), 4);
        assert!(lines.iter().all(|l| l.graphemes(true).all(|g| g == fam)));
    }

    #[test]
    fn tabs_expand() {
        assert_eq!(wrap("a\tb", 20), vec!["a   b"]);
    }

    #[test]
    fn truncation() {
        assert_eq!(truncate("hello world", 5), "hell…");
        assert_eq!(truncate("漢字漢字", 5), "漢字…");
        assert_eq!(fit("ab", 4), "ab  ");
        assert_eq!(width(&fit("漢字漢字", 5)), 5);
    }
}
