//! Panics that are expected and handled where they happen (a third-party
//! parser that panics on a malformed file) are caught quietly: the panic
//! hook logs them and prints nothing, so neither the CLI's output nor the
//! console's screen gets a report for a file that was simply bad.

use std::cell::Cell;
use std::panic::{AssertUnwindSafe, catch_unwind};

thread_local! {
    static QUIET: Cell<bool> = const { Cell::new(false) };
}

/// Runs `f`, turning a panic into `Err` with its message, without the
/// panic report being printed.
pub fn catch_quietly<R>(f: impl FnOnce() -> R) -> Result<R, String> {
    let was = QUIET.with(|q| q.replace(true));
    let result = catch_unwind(AssertUnwindSafe(f));
    QUIET.with(|q| q.set(was));
    result.map_err(|payload| {
        payload
            .downcast_ref::<&str>()
            .map(|s| s.to_string())
            .or_else(|| payload.downcast_ref::<String>().cloned())
            .unwrap_or_else(|| "a panic".to_string())
    })
}

/// Is the current thread inside `catch_quietly`? (Read by the panic hook.)
pub fn is_quiet() -> bool {
    QUIET.with(|q| q.get())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_panic_becomes_its_message_and_quiet_is_scoped() {
        assert!(!is_quiet());
        let r: Result<(), String> = catch_quietly(|| {
            assert!(is_quiet());
            panic!("missing unicode map and encoding")
        });
        assert_eq!(r.unwrap_err(), "missing unicode map and encoding");
        assert!(!is_quiet());
        assert_eq!(catch_quietly(|| 7), Ok(7));
    }
}
