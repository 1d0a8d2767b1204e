//! PDF extraction measured against poppler's `pdftotext`: word recall and
//! time of each candidate reader on every PDF of a directory (make one with
//! `scripts/pdf-corpus`). Word recall is the share of pdftotext's words
//! (letters and digits, lower-cased; CJK per character) that a reader gives
//! back whole.

use std::path::Path;
use std::time::Instant;

use color_eyre::eyre::{Result, eyre};
use ragdesk::ingest::extract::{self, Limits};
use ragdesk::ingest::pdf::{pdf_extract, word_recall, words};

fn reference(path: &Path) -> Result<String> {
    let out = std::process::Command::new("pdftotext").args(["-enc", "UTF-8"]).arg(path).arg("-").output()?;
    if !out.status.success() {
        return Err(eyre!("pdftotext failed on {}", path.display()));
    }
    Ok(String::from_utf8_lossy(&out.stdout).into_owned())
}

/// Runs `f` three times; the median time in ms and the last result.
fn timed<T>(mut f: impl FnMut() -> T) -> (f64, T) {
    let mut times = Vec::new();
    let mut last = None;
    for _ in 0..3 {
        let t = Instant::now();
        last = Some(f());
        times.push(t.elapsed().as_secs_f64() * 1000.0);
    }
    times.sort_by(f64::total_cmp);
    (times[1], last.expect("ran"))
}

pub fn run(dir: &Path) -> Result<()> {
    let mut files: Vec<_> = std::fs::read_dir(dir)?
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.extension().is_some_and(|x| x == "pdf"))
        .collect();
    files.sort();
    if files.is_empty() {
        return Err(eyre!("no PDFs in {} (make them with scripts/pdf-corpus)", dir.display()));
    }
    println!("## PDF text: word recall against poppler's pdftotext");
    println!();
    println!("| PDF (producer) | words | pdf-extract recall | pdf-extract ms | ragdesk recall | ragdesk ms |");
    println!("|---|---|---|---|---|---|");
    let (mut sum_a, mut sum_b) = (0.0, 0.0);
    for path in &files {
        let name = path.file_stem().unwrap_or_default().to_string_lossy();
        let want = reference(path)?;
        let bytes = std::fs::read(path)?;
        let (ms_a, a) = timed(|| pdf_extract(&bytes));
        let (recall_a, shown_a) = match &a {
            Ok(text) => (word_recall(&want, text), format!("{:.3}", word_recall(&want, text))),
            Err(e) => (0.0, format!("0 (failed: {})", format!("{e:?}").chars().take(60).collect::<String>())),
        };
        let (ms_b, b) = timed(|| extract::extract(&bytes, "x.pdf", Limits::default()));
        let recall_b = match &b {
            Ok(x) => word_recall(&want, &x.text),
            Err(_) => 0.0,
        };
        sum_a += recall_a;
        sum_b += recall_b;
        println!("| {name} | {} | {shown_a} | {ms_a:.1} | {recall_b:.3} | {ms_b:.1} |", words(&want).len());
    }
    let n = files.len() as f64;
    println!("| **mean over {} PDFs** | | **{:.3}** | | **{:.3}** | |", files.len(), sum_a / n, sum_b / n);
    Ok(())
}
