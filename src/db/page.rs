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
    /// by chunk_index, then id) page on (position, id); the position travels
    /// as seconds since the epoch in `ts`, so every list shares one cursor type.
    pub fn position(pos: i64, id: Uuid) -> Cursor {
        Cursor { ts: DateTime::UNIX_EPOCH + chrono::Duration::seconds(pos), id }
    }
    pub fn as_position(&self) -> i64 {
        self.ts.timestamp()
    }
}

/// Where a page starts. Lists are read from either end: `Last` and
/// `Before` read the order backwards (index scans work both ways), so the
/// end of a list of millions is one page away, never a walk.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Seek {
    /// The top of the list.
    First,
    /// The rows after this one (scrolling down).
    After(Cursor),
    /// The bottom of the list.
    Last,
    /// The rows before this one (scrolling up from the bottom).
    Before(Cursor),
}

impl Seek {
    /// Does this page read the list's order backwards?
    pub fn backward(self) -> bool {
        matches!(self, Seek::Last | Seek::Before(_))
    }
    /// The cursor bounding the page, if any.
    pub fn cursor(self) -> Option<Cursor> {
        match self {
            Seek::After(c) | Seek::Before(c) => Some(c),
            Seek::First | Seek::Last => None,
        }
    }
}

impl From<Option<Cursor>> for Seek {
    fn from(after: Option<Cursor>) -> Seek {
        after.map_or(Seek::First, Seek::After)
    }
}

#[derive(Debug, Clone)]
pub struct Page<T> {
    pub rows: Vec<T>,
    /// Where the next page in the same direction starts (after the last
    /// row going down, before the first row going up); `None` at the end.
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

    /// Builds a page read with `seek` from `limit + 1` fetched rows; rows
    /// read backwards are turned back into the list's order.
    pub fn from_seek(rows: Vec<T>, limit: u32, seek: Seek, cursor: impl Fn(&T) -> Cursor) -> Page<T> {
        let mut page = Page::from_rows(rows, limit, cursor);
        if seek.backward() {
            page.rows.reverse();
        }
        page
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
    /// The number, whatever it is (a count's "at least", an estimate).
    pub fn value(&self) -> i64 {
        match self {
            RowCount::Exact(n) | RowCount::AtLeast(n) | RowCount::Estimate(n) => *n,
        }
    }

    pub fn is_exact(&self) -> bool {
        matches!(self, RowCount::Exact(_))
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
        if i > 0 && (s.len() - i).is_multiple_of(3) {
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
    fn backward_pages_come_back_in_list_order_with_the_cursor_above_them() {
        let c = |v: &i64| Cursor { ts: DateTime::from_timestamp(*v, 0).unwrap(), id: Uuid::nil() };
        // A descending list 5,4,3,2,1 read from its end: the query yields 1,2,3.
        let p = Page::from_seek(vec![1, 2, 3], 2, Seek::Last, c);
        assert_eq!(p.rows, vec![2, 1]);
        assert_eq!(p.next.unwrap().ts.timestamp(), 2, "the next page up starts above row 2");
        let p = Page::from_seek(vec![1, 2], 2, Seek::Last, c);
        assert!(p.next.is_none());
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
