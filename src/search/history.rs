//! Queries remembered per knowledge base, in the data directory (one file
//! per knowledge base, one query per line, newest last), so a question can
//! be asked again later.

use std::io::Write;
use std::path::{Path, PathBuf};

/// Queries kept per knowledge base.
pub const KEEP: usize = 200;

fn file(dir: &Path, key: &str) -> PathBuf {
    dir.join(format!("{key}.txt"))
}

/// The remembered queries kept under `key` (`Scope::history_key`), oldest first (none when there is no file).
pub fn load(dir: &Path, key: &str) -> std::io::Result<Vec<String>> {
    match std::fs::read_to_string(file(dir, key)) {
        Ok(text) => Ok(text.lines().filter(|l| !l.trim().is_empty()).map(str::to_string).collect()),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(Vec::new()),
        Err(e) => Err(e),
    }
}

/// Remembers `query` under `key` (moved to the end if it was there), keeping
/// the newest [`KEEP`]. Returns the history after it.
pub fn remember(dir: &Path, key: &str, query: &str) -> std::io::Result<Vec<String>> {
    let query = query.split_whitespace().collect::<Vec<_>>().join(" ");
    let mut all = load(dir, key)?;
    if query.is_empty() {
        return Ok(all);
    }
    all.retain(|q| *q != query);
    all.push(query);
    let start = all.len().saturating_sub(KEEP);
    let all = all.split_off(start);
    std::fs::create_dir_all(dir)?;
    // Written whole to a temporary file, then renamed: never half a history.
    static NEXT: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(0);
    let n = NEXT.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
    let tmp = dir.join(format!(".{key}.{}.{n}.partial", std::process::id()));
    let mut f = std::fs::File::create(&tmp)?;
    for q in &all {
        writeln!(f, "{q}")?;
    }
    f.sync_all()?;
    std::fs::rename(&tmp, file(dir, key))?;
    Ok(all)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn remembers_newest_last_without_repeats() {
        let dir = tempfile::tempdir().unwrap();
        let kb = "00000000-0000-0000-0000-000000000003";
        assert!(load(dir.path(), kb).unwrap().is_empty());
        remember(dir.path(), kb, "opening  hours").unwrap();
        remember(dir.path(), kb, "whitening price").unwrap();
        let all = remember(dir.path(), kb, "opening hours").unwrap();
        assert_eq!(all, vec!["whitening price", "opening hours"]);
        assert_eq!(load(dir.path(), kb).unwrap(), all);
        // Another knowledge base has its own.
        assert!(load(dir.path(), "layout-0a").unwrap().is_empty());
    }
}
