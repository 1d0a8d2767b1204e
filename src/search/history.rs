//! Queries remembered per knowledge base, in the data directory (one file
//! per knowledge base, one query per line, newest last), so a question can
//! be asked again later.

use std::io::Write;
use std::path::{Path, PathBuf};

use uuid::Uuid;

/// Queries kept per knowledge base.
pub const KEEP: usize = 200;

fn file(dir: &Path, kb: Uuid) -> PathBuf {
    dir.join(format!("{kb}.txt"))
}

/// The remembered queries of `kb`, oldest first (none when there is no file).
pub fn load(dir: &Path, kb: Uuid) -> std::io::Result<Vec<String>> {
    match std::fs::read_to_string(file(dir, kb)) {
        Ok(text) => Ok(text.lines().filter(|l| !l.trim().is_empty()).map(str::to_string).collect()),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(Vec::new()),
        Err(e) => Err(e),
    }
}

/// Remembers `query` for `kb` (moved to the end if it was there), keeping
/// the newest [`KEEP`]. Returns the history after it.
pub fn remember(dir: &Path, kb: Uuid, query: &str) -> std::io::Result<Vec<String>> {
    let query = query.split_whitespace().collect::<Vec<_>>().join(" ");
    let mut all = load(dir, kb)?;
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
    let tmp = dir.join(format!(".{kb}.{}.{n}.partial", std::process::id()));
    let mut f = std::fs::File::create(&tmp)?;
    for q in &all {
        writeln!(f, "{q}")?;
    }
    f.sync_all()?;
    std::fs::rename(&tmp, file(dir, kb))?;
    Ok(all)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn remembers_newest_last_without_repeats() {
        let dir = tempfile::tempdir().unwrap();
        let kb = Uuid::from_u128(3);
        assert!(load(dir.path(), kb).unwrap().is_empty());
        remember(dir.path(), kb, "opening  hours").unwrap();
        remember(dir.path(), kb, "whitening price").unwrap();
        let all = remember(dir.path(), kb, "opening hours").unwrap();
        assert_eq!(all, vec!["whitening price", "opening hours"]);
        assert_eq!(load(dir.path(), kb).unwrap(), all);
        // Another knowledge base has its own.
        assert!(load(dir.path(), Uuid::from_u128(4)).unwrap().is_empty());
    }
}
