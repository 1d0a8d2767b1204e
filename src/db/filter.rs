//! Server-side list filters typed by the operator: free words plus
//! `key:value` terms, e.g. `acme status:active after:2026-01-01`.
//! Words match names and identifiers (case-insensitive substring); each list
//! declares the keys it understands.

use chrono::{DateTime, NaiveDate, Utc};
use sqlx::{Postgres, QueryBuilder};

use super::{DbError, Result, like_pattern};

#[derive(Debug, Clone, Default, PartialEq)]
pub struct Filter {
    pub words: Vec<String>,
    pub terms: Vec<(String, String)>,
}

/// A token as `key:value` (the key in lower case), unless it is a word: a
/// phrase, a URL (`https://…`), a time (`10:30`), a key that is no plain
/// identifier (a layout's column as a key: `session_type:`, `line2:`).
fn term_of(tok: &str, phrase: bool) -> Option<(String, String)> {
    let (k, v) = tok.split_once(':').filter(|_| !phrase)?;
    let identifier = k.starts_with(|c: char| c.is_ascii_alphabetic() || c == '_')
        && k.chars().all(|c| c.is_ascii_alphanumeric() || c == '_');
    (identifier && !v.is_empty() && !v.starts_with("//")).then(|| (k.to_ascii_lowercase(), v.to_string()))
}

/// The filter's tokens: split on whitespace, except inside double quotes
/// (`key:"Acme Corp"`, `"two words"`), which are dropped; each with whether
/// it began quoted (a phrase, then: words, even with a colon in it).
fn tokens(input: &str) -> Vec<(String, bool)> {
    let mut out = Vec::new();
    let mut cur = String::new();
    let mut quoted = false;
    let mut began_quoted = false;
    for c in input.chars() {
        match c {
            '"' => {
                if cur.is_empty() && !quoted {
                    began_quoted = true;
                }
                quoted = !quoted;
            }
            c if c.is_whitespace() && !quoted => {
                if !cur.is_empty() {
                    out.push((std::mem::take(&mut cur), began_quoted));
                }
                began_quoted = false;
            }
            c => cur.push(c),
        }
    }
    if !cur.is_empty() {
        out.push((cur, began_quoted));
    }
    out
}

impl Filter {
    pub fn parse(input: &str) -> Filter {
        let mut f = Filter::default();
        for (tok, phrase) in tokens(input) {
            match term_of(&tok, phrase) {
                Some(term) => f.terms.push(term),
                None => f.words.push(tok),
            }
        }
        f
    }

    /// `key:value` as `parse` reads it back: the value quoted when it has
    /// spaces (a layout's key may be any text).
    pub fn term_text(key: &str, value: &str) -> String {
        if value.chars().any(char::is_whitespace) || value.contains('"') {
            format!("{key}:\"{}\"", value.replace('"', ""))
        } else {
            format!("{key}:{value}")
        }
    }

    pub fn is_empty(&self) -> bool {
        self.words.is_empty() && self.terms.is_empty()
    }

    /// `input` as words only, `key:value` ones too (a list with no keys:
    /// a rate limit's key may well be `user:42:rpm`).
    pub fn words_of(input: &str) -> Filter {
        Filter { words: tokens(input).into_iter().map(|(tok, _)| tok).collect(), terms: Vec::new() }
    }

    /// `input` with each term written anew where `rewrite` gives another
    /// (a unique start of a key typed for the key: `mission:` for
    /// `mission_profile:`; a value in the spelling the schema lists), the
    /// rest as typed.
    pub fn rewrite_terms(input: &str, rewrite: impl Fn(&str, &str) -> Option<(String, String)>) -> String {
        let mut out: Vec<String> = Vec::new();
        let mut renamed = false;
        for (tok, phrase) in tokens(input) {
            match term_of(&tok, phrase) {
                Some((k, v)) => {
                    let (k, v) = match rewrite(&k, &v) {
                        Some(new) => {
                            renamed = true;
                            new
                        }
                        None => (k, v),
                    };
                    out.push(Filter::term_text(&k, &v));
                }
                None if phrase || tok.chars().any(char::is_whitespace) => out.push(format!("\"{tok}\"")),
                None => out.push(tok),
            }
        }
        if renamed { out.join(" ") } else { input.to_string() }
    }

    /// Refuses `status:` with nothing after it where `status` is a key of
    /// the list: a key without its value, not a word to look for (`Re:` on
    /// a list with no `re:` key is a word).
    pub fn check_values(&self, allowed: &[&str]) -> Result<()> {
        match self
            .words
            .iter()
            .find(|w| w.strip_suffix(':').is_some_and(|k| allowed.iter().any(|a| a.eq_ignore_ascii_case(k))))
        {
            Some(w) => Err(DbError::Filter(format!("'{w}' needs a value after the colon ({w}…)"))),
            None => Ok(()),
        }
    }

    /// Rejects keys the list does not know, naming the ones it does (and a
    /// key without its value).
    pub fn check_keys(&self, allowed: &[&str]) -> Result<()> {
        self.check_values(allowed)?;
        for (i, (k, _)) in self.terms.iter().enumerate() {
            if allowed.is_empty() {
                return Err(DbError::Filter(format!("'{k}:' is no key here: this list is filtered by words only")));
            }
            if !allowed.contains(&k.as_str()) {
                return Err(DbError::Filter(format!(
                    "unknown filter '{k}:' here (try {})",
                    allowed.iter().map(|a| format!("{a}:")).collect::<Vec<_>>().join(" ")
                )));
            }
            // One value per key: a second would be taken over the first unsaid.
            if self.terms[..i].iter().any(|(earlier, _)| earlier == k) {
                return Err(DbError::Filter(format!("'{k}:' is given twice: one value per key")));
            }
        }
        Ok(())
    }

    pub fn term(&self, key: &str) -> Option<&str> {
        self.terms.iter().rev().find(|(k, _)| k == key).map(|(_, v)| v.as_str())
    }

    /// `AND (col1 ILIKE w OR col2 ILIKE w)` for every word.
    pub fn push_words(&self, qb: &mut QueryBuilder<'_, Postgres>, columns: &[&str]) {
        self.push_words_or(qb, columns, |_, _| {});
    }

    /// Like `push_words`, with `more` adding ` OR …` alternatives of its
    /// own for a word (e.g. the word as an id prefix).
    pub fn push_words_or(
        &self,
        qb: &mut QueryBuilder<'_, Postgres>,
        columns: &[&str],
        more: impl Fn(&mut QueryBuilder<'_, Postgres>, &str),
    ) {
        for w in &self.words {
            let pat = like_pattern(w);
            qb.push(" AND (");
            for (i, col) in columns.iter().enumerate() {
                if i > 0 {
                    qb.push(" OR ");
                }
                qb.push(*col).push(" ILIKE ").push_bind(pat.clone());
            }
            more(qb, w);
            qb.push(")");
        }
    }

    /// Are `after:` and `before:`, where given, dates?
    pub fn check_dates(&self) -> Result<()> {
        for key in ["after", "before"] {
            if let Some(v) = self.term(key) {
                parse_day(v)?;
            }
        }
        Ok(())
    }

    /// `after:` and `before:` (YYYY-MM-DD, UTC) on a timestamp column.
    pub fn push_dates(&self, qb: &mut QueryBuilder<'_, Postgres>, column: &str) -> Result<()> {
        if let Some(v) = self.term("after") {
            qb.push(" AND ").push(column).push(" >= ").push_bind(parse_day(v)?);
        }
        if let Some(v) = self.term("before") {
            qb.push(" AND ").push(column).push(" < ").push_bind(parse_day(v)?);
        }
        Ok(())
    }

    /// `key:value` that must be one of `allowed`, compared with `column = value`.
    pub fn push_enum(
        &self,
        qb: &mut QueryBuilder<'_, Postgres>,
        key: &str,
        column: &str,
        allowed: &[&str],
    ) -> Result<()> {
        if let Some(v) = self.term(key) {
            let v = v.to_ascii_lowercase();
            if !allowed.contains(&v.as_str()) {
                return Err(DbError::Filter(format!("{key}: must be one of {}", allowed.join(", "))));
            }
            qb.push(" AND ").push(column).push(" = ").push_bind(v);
        }
        Ok(())
    }
}

fn parse_day(v: &str) -> Result<DateTime<Utc>> {
    NaiveDate::parse_from_str(v, "%Y-%m-%d")
        .map(|d| d.and_hms_opt(0, 0, 0).unwrap().and_utc())
        .map_err(|_| DbError::Filter(format!("'{v}' is not a date (use YYYY-MM-DD)")))
}

/// The checks a list's query makes of its filter (a key it lacks, a value
/// out of its set, a bad date or id), run on a statement that is never
/// sent: a filter is refused as it is entered, by the query's own rules.
pub fn dry_run(build: impl FnOnce(&mut QueryBuilder<'_, Postgres>) -> Result<()>) -> Result<()> {
    build(&mut QueryBuilder::<Postgres>::new("SELECT 1"))
}

/// Appends the keyset condition and order for a list shown in descending
/// (ts, id) order, read from where `seek` says, and fetches `limit + 1`
/// rows so the page knows whether more exist. Returns the direction the
/// rows come back in (`DESC`, or `ASC` when read backwards), for an outer
/// query that must keep it.
pub fn push_keyset_desc(
    qb: &mut QueryBuilder<'_, Postgres>,
    ts_col: &str,
    id_col: &str,
    seek: super::Seek,
    limit: u32,
) -> &'static str {
    let (cmp, dir) = if seek.backward() { (">", "ASC") } else { ("<", "DESC") };
    if let Some(c) = seek.cursor() {
        qb.push(format!(" AND ({ts_col}, {id_col}) {cmp} ("));
        qb.push_bind(c.ts).push(", ").push_bind(c.id).push(")");
    }
    qb.push(format!(" ORDER BY {ts_col} {dir}, {id_col} {dir} LIMIT "));
    qb.push_bind(limit as i64 + 1);
    dir
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_words_and_terms() {
        let f = Filter::parse("  acme  status:Active after:2026-01-01 http://x.y ");
        assert_eq!(f.words, vec!["acme", "http://x.y"]);
        assert_eq!(f.term("status"), Some("Active"));
        assert_eq!(f.term("after"), Some("2026-01-01"));
        assert!(Filter::parse("").is_empty());
        // A layout's column is a key, underscores and digits and all; a time is a word.
        let f = Filter::parse("session_type:demo line2:x 10:30");
        assert_eq!((f.term("session_type"), f.term("line2")), (Some("demo"), Some("x")));
        assert_eq!(f.words, vec!["10:30".to_string()]);
    }

    #[test]
    fn quotes_keep_spaces_in_a_value_or_a_word() {
        let f = Filter::parse(r#"entity:limit key:"Acme Corp" "two words" x"#);
        assert_eq!(f.term("key"), Some("Acme Corp"));
        assert_eq!(f.words, vec!["two words", "x"]);
        // A quoted phrase is words, a colon in it included.
        let f = Filter::parse(r#""note: call back" status:open"#);
        assert_eq!((f.words.clone(), f.term("status")), (vec!["note: call back".to_string()], Some("open")));
        // What `a` writes for a key is read back as that key.
        for key in ["plain.example", "Acme Corp"] {
            assert_eq!(Filter::parse(&Filter::term_text("key", key)).term("key"), Some(key));
        }
    }

    #[test]
    fn unknown_keys_are_named() {
        let err = Filter::parse("colour:red").check_keys(&["status"]).unwrap_err().to_string();
        assert!(err.contains("colour") && err.contains("status:"), "{err}");
    }

    #[test]
    fn a_key_given_twice_or_a_key_where_words_only_go_is_refused() {
        let e = Filter::parse("status:active status:deleted").check_keys(&["status"]).unwrap_err().to_string();
        assert!(e.contains("'status:' is given twice"), "{e}");
        let e = Filter::parse("tokens key:x").check_keys(&[]).unwrap_err().to_string();
        assert!(e.contains("'key:' is no key here: this list is filtered by words only"), "{e}");
        assert!(Filter::parse("status:active acme").check_keys(&["status"]).is_ok());
    }

    #[test]
    fn a_term_is_rewritten_where_asked_and_the_rest_kept_as_typed() {
        let rename = |k: &str, v: &str| (k == "mission").then(|| ("mission_profile".to_string(), v.to_string()));
        assert_eq!(
            Filter::rewrite_terms(r#"acme mission:nurture "two words" key:"Acme Corp""#, rename),
            r#"acme mission_profile:nurture "two words" key:"Acme Corp""#
        );
        assert_eq!(
            Filter::rewrite_terms("  acme  status:x ", rename),
            "  acme  status:x ",
            "nothing renamed: as typed"
        );
        let f = Filter::parse(&Filter::rewrite_terms(r#"mission:"a b" x"#, rename));
        assert_eq!(f.terms, vec![("mission_profile".to_string(), "a b".to_string())]);
        assert_eq!(f.words, vec!["x".to_string()]);
    }

    #[test]
    fn words_only_take_a_key_value_for_a_word() {
        let f = Filter::words_of(r#"user:42:rpm "two words""#);
        assert_eq!((f.words, f.terms), (vec!["user:42:rpm".to_string(), "two words".to_string()], vec![]));
    }

    #[test]
    fn a_key_without_its_value_is_refused() {
        let e = Filter::parse("okafor status:").check_keys(&["status"]).unwrap_err().to_string();
        assert!(e.contains("'status:' needs a value"), "{e}");
        assert!(Filter::parse("10:30 https://x.example").check_keys(&[]).is_ok(), "a time and a URL are words");
        assert!(Filter::parse("Re: refund").check_keys(&["status"]).is_ok(), "a word ending in a colon, no such key");
    }

    #[test]
    fn bad_dates_are_rejected() {
        assert!(parse_day("2026-13-01").is_err());
        assert_eq!(parse_day("2026-02-03").unwrap().to_rfc3339(), "2026-02-03T00:00:00+00:00");
    }
}
