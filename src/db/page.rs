//! Keyset pagination: every list is ordered by a timestamp and the row id
//! (which breaks ties), and the next page starts strictly after the last
//! row's (timestamp, id). Never OFFSET, never a whole table.

use chrono::{DateTime, Utc};
use uuid::Uuid;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Cursor {
    pub ts: DateTime<Utc>,
    pub id: Uuid,
}

impl Cursor {
    /// Lists ordered by a position rather than a time (a document's chunks,
    /// by chunk_index) page on that position; it travels in the cursor's id
    /// so every list shares one cursor type.
    pub fn position(pos: i64) -> Cursor {
        Cursor { ts: DateTime::UNIX_EPOCH, id: Uuid::from_u64_pair(0, pos as u64) }
    }
    pub fn as_position(&self) -> i64 {
        self.id.as_u64_pair().1 as i64
    }
}

#[derive(Debug, Clone)]
pub struct Page<T> {
    pub rows: Vec<T>,
    /// Where the next page starts; `None` when this was the last page.
    pub next: Option<Cursor>,
}

impl<T> Page<T> {
    /// Builds a page from `limit + 1` fetched rows: the extra row only says
    /// whether another page exists.
    pub fn from_rows(mut rows: Vec<T>, limit: u32, cursor: impl Fn(&T) -> Cursor) -> Page<T> {
        let more = rows.len() > limit as usize;
        rows.truncate(limit as usize);
        let next = if more { rows.last().map(&cursor) } else { None };
        Page { rows, next }
    }
}

/// How many rows a list has, and how sure we are.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RowCount {
    Exact(i64),
    /// Counting stopped at this many rows.
    AtLeast(i64),
    /// The planner's statistics (`pg_class.reltuples`): cheap on any size.
    Estimate(i64),
}

/// Rows counted exactly before a count gives up and says "at least".
pub const COUNT_CAP: i64 = 10_000;

impl RowCount {
    pub fn from_capped(n: i64) -> RowCount {
        if n > COUNT_CAP { RowCount::AtLeast(COUNT_CAP) } else { RowCount::Exact(n) }
    }
    pub fn label(&self) -> String {
        match self {
            RowCount::Exact(n) => group(*n),
            RowCount::AtLeast(n) => format!("{}+", group(*n)),
            RowCount::Estimate(n) => format!("~{} (estimate)", group(*n)),
        }
    }
}

/// 12345678 → "12,345,678".
pub fn group(n: i64) -> String {
    let s = n.unsigned_abs().to_string();
    let mut out = String::new();
    for (i, c) in s.chars().enumerate() {
        if i > 0 && (s.len() - i) % 3 == 0 {
            out.push(',');
        }
        out.push(c);
    }
    if n < 0 { format!("-{out}") } else { out }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn labels() {
        assert_eq!(RowCount::Exact(1234).label(), "1,234");
        assert_eq!(RowCount::from_capped(20_000).label(), "10,000+");
        assert_eq!(RowCount::Estimate(12_345_678).label(), "~12,345,678 (estimate)");
        assert_eq!(group(0), "0");
        assert_eq!(group(-1000), "-1,000");
    }

    #[test]
    fn page_detects_more() {
        let c = |v: &i64| Cursor { ts: DateTime::from_timestamp(*v, 0).unwrap(), id: Uuid::nil() };
        let p = Page::from_rows(vec![3, 2, 1], 2, c);
        assert_eq!(p.rows, vec![3, 2]);
        assert_eq!(p.next.unwrap().ts.timestamp(), 2);
        let p = Page::from_rows(vec![3, 2], 2, c);
        assert!(p.next.is_none());
    }
}
