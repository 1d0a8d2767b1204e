//! Screen geometry that both the state (`app`: paging keys, scrolling,
//! what is visible) and rendering (`ui`) need. Kept here, below both, so
//! `app` never imports `ui` and the two always agree on the numbers.

/// From this width on, the detail pane sits beside the list.
pub const WIDE: u16 = 120;

/// Rows around the body: tab bar, breadcrumb, hint/input line, status bar.
pub const CHROME_ROWS: u16 = 4;

/// Rows of the ingest job panel under the Documents lists, borders included.
pub const JOB_PANEL: u16 = 7;

/// The job panel is only drawn when the lists keep at least this many rows.
const MIN_LIST_ROWS_WITH_JOB: u16 = 5;

/// Height of the body (between breadcrumb and hint line).
pub fn body_height(size: (u16, u16)) -> u16 {
    size.1.saturating_sub(CHROME_ROWS)
}

/// Whether a body of `body_height` rows shows the job panel for a job.
pub fn job_panel_shown(body_height: u16, has_job: bool) -> bool {
    has_job && body_height >= JOB_PANEL + MIN_LIST_ROWS_WITH_JOB
}

/// Does the detail sit beside the list at this width?
pub fn detail_beside(width: u16) -> bool {
    width >= WIDE
}

/// From this width on, an entity tab's detail sits beside its list: the
/// list keeps 80 columns for a layout's own columns, counts and totals.
pub const BROWSE_WIDE: u16 = 140;

/// Does an entity tab's detail sit beside its list at this width?
pub fn browse_detail_beside(width: u16) -> bool {
    width >= BROWSE_WIDE
}

/// Visible table rows for a terminal of `size` (border and header
/// excluded), with the job panel taking its share when shown.
pub fn list_rows(size: (u16, u16), has_job: bool) -> usize {
    let body = body_height(size);
    let body = if job_panel_shown(body, has_job) { body - JOB_PANEL } else { body };
    (body as usize).saturating_sub(2 + 1).max(1)
}

/// Rows under a list for its selected row in full: the Browse tabs' (when
/// shown), the Limits tab's and the Audit tab's. Paging moves by the rows
/// left visible above them.
pub const BROWSE_DETAIL: u16 = 8;
pub const LIMIT_DETAIL: u16 = 7;
pub const AUDIT_DETAIL: u16 = 6;

/// Rows of a list with `detail` rows under it: a page's worth.
pub fn rows_above_detail(size: (u16, u16), detail: u16) -> usize {
    list_rows(size, false).saturating_sub(detail as usize).max(1)
}

/// Rows of the Search pane's header (query and settings).
pub const SEARCH_HEADER: u16 = 3;

/// Result rows visible in the Search pane (header, borders and the table
/// header excluded); the detail sits beside on wide screens, below on narrow.
pub fn search_rows(size: (u16, u16)) -> usize {
    let body = body_height(size).saturating_sub(SEARCH_HEADER);
    let list = if detail_beside(size.0) { body } else { body / 2 };
    (list as usize).saturating_sub(2 + 1).max(1)
}

/// Width and height of the transcript text area (border and gutter excluded).
pub fn transcript_viewport(size: (u16, u16)) -> (usize, usize) {
    let w = (size.0 as usize).saturating_sub(2 + 2).max(10);
    let h = (body_height(size) as usize).saturating_sub(2).max(1);
    (w, h)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_job_panel_takes_rows_from_the_list_only_when_it_fits() {
        assert_eq!(list_rows((80, 24), false), 17);
        assert_eq!(list_rows((80, 24), true), 10);
        // Too short for the panel: the list keeps the whole body.
        assert_eq!(list_rows((80, 14), true), list_rows((80, 14), false));
    }
}
