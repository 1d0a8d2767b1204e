//! PDF text extraction. Poppler's `pdftotext` (Debian's `poppler-utils`)
//! is the extractor: measured over PDFs from LibreOffice, Chromium,
//! pdfLaTeX (with Type3 fonts and two columns), reportlab, groff and
//! Ghostscript, the `pdf-extract` crate kept whole words in only some of
//! them and panicked on others (`ragdesk-bench --pdf`, BENCHMARKS.md).
//! When `pdftotext` is not installed, `pdf-extract` is the fallback, and
//! `doctor` says so.
//!
//! `pdftotext` runs as a child process on the file's bytes (stdin), with a
//! time limit and an output cap, so a hostile PDF costs at most that.

use std::io::{Read, Write};
use std::process::{Command, Stdio};
use std::time::Duration;

/// Longest a single PDF may take to extract.
const TIME_LIMIT: Duration = Duration::from_secs(120);
/// Most text kept from one PDF.
const MAX_TEXT: u64 = 256 << 20;

/// Which extractor read a PDF.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Reader {
    Poppler,
    PdfExtract,
}

/// Why a PDF gave no text.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PdfError {
    Encrypted,
    /// The reader could not parse it (its message).
    Unreadable(String),
}

/// The text of a PDF, and which reader made it.
pub fn text(bytes: &[u8]) -> Result<(String, Reader), PdfError> {
    match poppler(bytes) {
        Ok(text) => Ok((text, Reader::Poppler)),
        Err(Poppler::NotInstalled) => pdf_extract(bytes).map(|t| (t, Reader::PdfExtract)),
        Err(Poppler::Failed(e)) => Err(e),
    }
}

enum Poppler {
    NotInstalled,
    Failed(PdfError),
}

/// `pdftotext`'s version line, if it is installed (for `doctor`).
pub fn poppler_version() -> Option<String> {
    let out = Command::new("pdftotext").arg("-v").output().ok()?;
    let text = String::from_utf8_lossy(&out.stderr).into_owned() + &String::from_utf8_lossy(&out.stdout);
    text.lines().next().map(|l| l.trim().to_string())
}

fn poppler(bytes: &[u8]) -> Result<String, Poppler> {
    let mut child = match Command::new("pdftotext")
        .args(["-enc", "UTF-8", "-", "-"])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
    {
        Ok(c) => c,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Err(Poppler::NotInstalled),
        Err(e) => return Err(Poppler::Failed(PdfError::Unreadable(format!("cannot run pdftotext: {e}")))),
    };
    let failed = |m: String| Poppler::Failed(PdfError::Unreadable(m));
    // Feed and drain on threads, so neither pipe can fill and block the other.
    let mut stdin = child.stdin.take().expect("piped stdin");
    let input = bytes.to_vec();
    let writer = std::thread::spawn(move || {
        let _ = stdin.write_all(&input);
    });
    let mut stdout = child.stdout.take().expect("piped stdout");
    // Past a cap the rest is read and thrown away: closing the pipe would
    // kill pdftotext with SIGPIPE and turn a long output into a failure.
    let reader = std::thread::spawn(move || {
        let mut out = Vec::new();
        let _ = (&mut stdout).take(MAX_TEXT).read_to_end(&mut out);
        let rest = std::io::copy(&mut stdout, &mut std::io::sink()).unwrap_or(0);
        (out, rest > 0)
    });
    let mut stderr = child.stderr.take().expect("piped stderr");
    let errors = std::thread::spawn(move || {
        let mut out = Vec::new();
        let _ = (&mut stderr).take(64 << 10).read_to_end(&mut out);
        let _ = std::io::copy(&mut stderr, &mut std::io::sink());
        out
    });
    // Polled (1 ms) rather than waited on, so a stuck child is killed
    // through its handle, never by a pid that may have been reused.
    let start = std::time::Instant::now();
    let status = loop {
        match child.try_wait() {
            Ok(Some(status)) => break status,
            Ok(None) if start.elapsed() > TIME_LIMIT => {
                let _ = child.kill();
                let _ = child.wait();
                return Err(failed(format!("pdftotext took longer than {} s", TIME_LIMIT.as_secs())));
            }
            Ok(None) => std::thread::sleep(Duration::from_millis(1)),
            Err(e) => return Err(failed(format!("pdftotext: {e}"))),
        }
    };
    let _ = writer.join();
    let (text, cut) = reader.join().unwrap_or_default();
    if cut {
        return Err(failed(format!("its text is larger than {} MB", MAX_TEXT >> 20)));
    }
    let errors = String::from_utf8_lossy(&errors.join().unwrap_or_default()).into_owned();
    if errors.contains("Incorrect password") {
        return Err(Poppler::Failed(PdfError::Encrypted));
    }
    if !status.success() {
        // The first message says most ("Couldn't find trailer dictionary").
        let first = errors
            .lines()
            .map(|l| l.trim_start_matches("Syntax Error:").trim_start_matches("Command Line Error:").trim())
            .find(|l| !l.is_empty())
            .unwrap_or("pdftotext failed")
            .to_string();
        return Err(failed(first));
    }
    Ok(String::from_utf8_lossy(&text).into_owned())
}

/// The pure-Rust reader, for machines without poppler. It panics on some
/// fonts ("missing unicode map and encoding"): caught quietly.
pub fn pdf_extract(bytes: &[u8]) -> Result<String, PdfError> {
    let owned = bytes.to_vec();
    match crate::panics::catch_quietly(move || pdf_extract::extract_text_from_mem(&owned)) {
        Ok(Ok(text)) => Ok(text),
        Ok(Err(e)) => {
            let msg = e.to_string();
            if msg.to_ascii_lowercase().contains("encrypt") {
                Err(PdfError::Encrypted)
            } else {
                Err(PdfError::Unreadable(msg))
            }
        }
        Err(why) => Err(PdfError::Unreadable(format!("the PDF reader gave up: {why}"))),
    }
}

pub use crate::text::words;

/// The share of `reference`'s words (with multiplicity) found in `candidate`.
pub fn word_recall(reference: &str, candidate: &str) -> f64 {
    let want = words(reference);
    if want.is_empty() {
        return 1.0;
    }
    let mut have: std::collections::HashMap<String, usize> = std::collections::HashMap::new();
    for w in words(candidate) {
        *have.entry(w).or_default() += 1;
    }
    let mut found = 0usize;
    for w in &want {
        if let Some(n) = have.get_mut(w).filter(|n| **n > 0) {
            *n -= 1;
            found += 1;
        }
    }
    found as f64 / want.len() as f64
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn recall_counts_whole_words_with_multiplicity() {
        assert_eq!(word_recall("Example document here", "Example document here"), 1.0);
        // "Exa mp le do cumen t": the words are lost even if the letters are there.
        assert!(word_recall("Example document", "Exa mp le do cumen t") < 0.01);
        assert_eq!(word_recall("the the cat", "the cat"), 2.0 / 3.0);
        assert_eq!(words("Grüße, 東京 — x2"), vec!["grüße", "東", "京", "x2"]);
    }
}
