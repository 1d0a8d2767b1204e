//! Chunking sized in tokens of the knowledge base's own model, with real
//! overlap; Markdown-aware for Markdown. A size the model cannot read in
//! full is clamped, with a warning the caller must show.
//!
//! Why not text-splitter's own overlap alone: it overlaps only in whole
//! units of the level it splits at, and on prose that level is the
//! paragraph, which is larger than any useful overlap, so measured on real
//! prose no chunk overlapped and chunks ended a paragraph short of the
//! target. So text-splitter cuts the text into pieces that each fit
//! (sentences, and words inside an over-long sentence), and the pieces are
//! packed here: each chunk as full as the size allows, and each next chunk
//! starting with the previous chunk's last sentences, up to the overlap.
//! Markdown keeps text-splitter's structure-aware chunks and gets the same
//! overlap from the previous chunk's last sentences.

use text_splitter::{ChunkConfig, MarkdownSplitter, TextSplitter};
use unicode_segmentation::UnicodeSegmentation;

use crate::embed::TokenCounter;

pub use crate::spec::ChunkSettings;

#[derive(Debug, Clone, PartialEq)]
pub struct Chunk {
    pub index: usize,
    /// Byte offsets into the document's text.
    pub start: usize,
    pub end: usize,
    pub text: String,
    pub tokens: usize,
}

#[derive(Debug, Clone, PartialEq)]
pub struct ChunkPlan {
    /// The settings actually used (after clamping).
    pub settings: ChunkSettings,
    pub chunks: Vec<Chunk>,
    pub warnings: Vec<String>,
}

impl ChunkPlan {
    /// The chunks as a dry run shows them.
    pub fn previews(&self) -> Vec<super::ChunkPreview> {
        self.chunks
            .iter()
            .map(|c| super::ChunkPreview {
                index: c.index,
                tokens: c.tokens,
                start: c.start,
                end: c.end,
                text: c.text.clone(),
            })
            .collect()
    }
}

/// Checks `requested` against the model's limit: a size above it is clamped
/// (with a warning), an overlap that is not smaller than the size is refused.
pub fn effective_settings(
    requested: ChunkSettings,
    model: &str,
    max_tokens: usize,
) -> Result<(ChunkSettings, Vec<String>), String> {
    let mut warnings = Vec::new();
    if requested.tokens == 0 {
        return Err("chunk size must be at least 1 token".into());
    }
    let mut s = requested;
    if s.tokens > max_tokens {
        warnings.push(format!(
            "chunk size {} is more than {model} reads ({max_tokens} tokens; it silently drops the rest): clamped to {max_tokens}",
            s.tokens
        ));
        s.tokens = max_tokens;
    }
    if s.overlap >= s.tokens {
        return Err(format!("overlap ({}) must be smaller than the chunk size ({})", s.overlap, s.tokens));
    }
    Ok((s, warnings))
}

pub fn chunk(
    text: &str,
    markdown: bool,
    requested: ChunkSettings,
    counter: &TokenCounter,
    model: &str,
    max_tokens: usize,
) -> Result<ChunkPlan, String> {
    let (settings, warnings) = effective_settings(requested, model, max_tokens)?;
    let ranges = if markdown {
        // Structure first: sections and paragraphs stay whole where they fit
        // in the size less the overlap; the overlap is then added in front.
        let config = ChunkConfig::new(settings.tokens - settings.overlap).with_sizer(counter.clone()).with_trim(true);
        let base: Vec<(usize, usize)> =
            MarkdownSplitter::new(config).chunk_indices(text).map(|(s, p)| (s, s + p.len())).collect();
        with_overlap(text, &base, settings, counter)
    } else {
        // Pieces no larger than the overlap, so there is always a tail of
        // the previous chunk that fits in it (a sentence longer than the
        // overlap is cut at words).
        let piece_max = if settings.overlap > 0 { settings.overlap } else { settings.tokens };
        pack(text, &pieces(text, piece_max, counter), settings, counter)
    };
    let chunks = ranges
        .into_iter()
        .enumerate()
        .map(|(index, (start, end))| Chunk {
            index,
            start,
            end,
            text: text[start..end].to_string(),
            tokens: counter.count(&text[start..end]),
        })
        .collect();
    Ok(ChunkPlan { settings, chunks, warnings })
}

/// A run of text that is never split further: a sentence, or a part of a
/// sentence too long for one chunk. Byte range and tokens.
#[derive(Debug, Clone, Copy)]
struct Piece {
    start: usize,
    end: usize,
    tokens: usize,
}

/// The text as sentences (Unicode sentence boundaries), each no larger
/// than `max` tokens: a longer one is cut by text-splitter (at words).
fn pieces(text: &str, max: usize, counter: &TokenCounter) -> Vec<Piece> {
    let mut out = Vec::new();
    for (start, sentence) in text.split_sentence_bound_indices() {
        if sentence.trim().is_empty() {
            continue;
        }
        let tokens = counter.count(sentence);
        if tokens <= max {
            out.push(Piece { start, end: start + sentence.len(), tokens });
            continue;
        }
        let config = ChunkConfig::new(max).with_sizer(counter.clone());
        for (s, part) in TextSplitter::new(config).chunk_indices(sentence) {
            out.push(Piece { start: start + s, end: start + s + part.len(), tokens: counter.count(part) });
        }
    }
    out
}

/// Packs pieces into chunks of at most `settings.tokens` tokens, each next
/// chunk starting with the previous one's last pieces worth at most
/// `settings.overlap` tokens. Every chunk takes at least one new piece.
fn pack(text: &str, pieces: &[Piece], settings: ChunkSettings, counter: &TokenCounter) -> Vec<(usize, usize)> {
    let mut out = Vec::new();
    let mut first = 0; // first piece of the current chunk
    let mut next_new = 0; // first piece not yet in any chunk
    while next_new < pieces.len() {
        // Fill: pieces from `first` while they fit (counting the joined
        // text, since token counts do not quite add up across a boundary).
        let mut last = next_new;
        let mut sum: usize = pieces[first..=last].iter().map(|p| p.tokens).sum();
        while last + 1 < pieces.len() && sum + pieces[last + 1].tokens <= settings.tokens {
            sum += pieces[last + 1].tokens;
            last += 1;
        }
        // Token counts do not add up exactly across joins (and skipped
        // blank segments count too): trim the overlap first, then new pieces.
        let (mut start, mut end) = (pieces[first].start, pieces[last].end);
        while counter.count(&text[start..end]) > settings.tokens {
            if first < next_new {
                first += 1;
                start = pieces[first].start;
            } else if last > next_new {
                last -= 1;
                end = pieces[last].end;
            } else {
                break;
            }
        }
        out.push(trimmed(text, start, end));
        next_new = last + 1;
        // The next chunk starts with the last pieces of this one, as many as
        // fit in the overlap (none if even the last is larger).
        let mut back = next_new;
        let mut overlap = 0;
        while back > first + 1 && overlap + pieces[back - 1].tokens <= settings.overlap {
            overlap += pieces[back - 1].tokens;
            back -= 1;
        }
        first = back.min(next_new);
    }
    out
}

/// Adds overlap in front of chunks made elsewhere (Markdown): each chunk
/// after the first starts earlier, at the start of the previous chunk's
/// last sentences that fit in `settings.overlap` tokens.
fn with_overlap(
    text: &str,
    base: &[(usize, usize)],
    settings: ChunkSettings,
    counter: &TokenCounter,
) -> Vec<(usize, usize)> {
    let mut out = Vec::with_capacity(base.len());
    for (i, &(start, end)) in base.iter().enumerate() {
        if i == 0 || settings.overlap == 0 {
            out.push((start, end));
            continue;
        }
        let (prev_start, prev_end) = base[i - 1];
        let prev = pieces(&text[prev_start..prev_end], settings.overlap.max(1), counter);
        let mut new_start = start;
        let mut overlap = 0;
        for p in prev.iter().rev() {
            if overlap + p.tokens > settings.overlap {
                break;
            }
            overlap += p.tokens;
            new_start = prev_start + p.start;
        }
        if new_start < start && counter.count(&text[new_start..end]) > settings.tokens {
            new_start = start;
        }
        out.push(trimmed(text, new_start, end));
    }
    out
}

/// The range without the whitespace at its ends.
fn trimmed(text: &str, start: usize, end: usize) -> (usize, usize) {
    let s = &text[start..end];
    let lead = s.len() - s.trim_start().len();
    let trail = s.len() - s.trim_end().len();
    (start + lead, (end - trail).max(start + lead))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn words(n: usize) -> String {
        (0..n).map(|i| format!("word{i}")).collect::<Vec<_>>().join(" ")
    }

    #[test]
    fn sizes_in_model_tokens_with_overlap() {
        let counter = TokenCounter::cl100k();
        let text = words(3000);
        let plan =
            chunk(&text, false, ChunkSettings { tokens: 200, overlap: 40 }, &counter, "text-embedding-3-small", 8191)
                .unwrap();
        assert!(plan.chunks.len() > 10);
        for c in &plan.chunks {
            assert!(c.tokens <= 200, "{}", c.tokens);
            assert_eq!(&text[c.start..c.end], c.text);
        }
        // Consecutive chunks overlap.
        assert!(plan.chunks.windows(2).all(|w| w[1].start < w[0].end));
        assert!(plan.warnings.is_empty());
    }

    #[test]
    fn clamps_to_what_the_model_reads_and_refuses_bad_overlap() {
        let (s, w) = effective_settings(ChunkSettings { tokens: 400, overlap: 50 }, "all-MiniLM-L6-v2", 254).unwrap();
        assert_eq!(s.tokens, 254);
        assert!(w[0].contains("clamped to 254"), "{w:?}");
        assert!(effective_settings(ChunkSettings { tokens: 100, overlap: 100 }, "m", 254).is_err());
        assert!(effective_settings(ChunkSettings { tokens: 0, overlap: 0 }, "m", 254).is_err());
    }

    /// Prose: sentences of ~12 tokens in paragraphs of ~8 sentences.
    fn prose() -> String {
        let mut out = String::new();
        for p in 0..40 {
            for s in 0..8 {
                out.push_str(&format!(
                    "In paragraph {p} sentence {s} the technician checks the filter and writes down the reading. "
                ));
            }
            out.push_str("\n\n");
        }
        out
    }

    #[test]
    fn prose_chunks_fill_the_size_and_overlap_as_configured() {
        let counter = TokenCounter::cl100k();
        let text = prose();
        let plan =
            chunk(&text, false, ChunkSettings { tokens: 250, overlap: 50 }, &counter, "text-embedding-3-small", 8191)
                .unwrap();
        let n = plan.chunks.len();
        assert!(n > 5);
        for c in &plan.chunks {
            assert!(c.tokens <= 250, "{}", c.tokens);
            assert_eq!(&text[c.start..c.end], c.text);
        }
        // Every chunk but the last is nearly full…
        let full = plan.chunks[..n - 1].iter().map(|c| c.tokens).sum::<usize>() / (n - 1);
        assert!(full >= 220, "average {full} of 250");
        // …and starts inside the previous one by up to the overlap.
        for w in plan.chunks.windows(2) {
            assert!(w[1].start < w[0].end, "no overlap between {} and {}", w[0].index, w[1].index);
            let shared = counter.count(&text[w[1].start..w[0].end]);
            assert!((20..=55).contains(&shared), "overlap of {shared} tokens");
        }
        // No overlap asked: none given.
        let plan = chunk(&text, false, ChunkSettings { tokens: 250, overlap: 0 }, &counter, "m", 8191).unwrap();
        assert!(plan.chunks.windows(2).all(|w| w[1].start >= w[0].end));
        assert!(plan.chunks.iter().all(|c| c.tokens <= 250), "the size holds without overlap too");
    }

    #[test]
    fn a_sentence_longer_than_a_chunk_is_cut_inside() {
        let counter = TokenCounter::cl100k();
        let text = words(1000);
        let plan = chunk(&text, false, ChunkSettings { tokens: 100, overlap: 20 }, &counter, "m", 8191).unwrap();
        assert!(plan.chunks.len() >= 10);
        assert!(plan.chunks.iter().all(|c| c.tokens <= 100));
        assert!(plan.chunks.windows(2).all(|w| w[1].start < w[0].end), "words overlap too");
    }

    #[test]
    fn markdown_splits_on_structure() {
        let counter = TokenCounter::cl100k();
        let md = format!("# Menu\n\n{}\n\n# Hours\n\nOpen daily 9 to 5.\n", words(60));
        let plan = chunk(&md, true, ChunkSettings { tokens: 70, overlap: 0 }, &counter, "m", 8191).unwrap();
        // A heading stays with its section when they fit together.
        assert!(plan.chunks.iter().any(|c| c.text.contains("# Hours\n\nOpen daily 9 to 5.")), "{:?}", plan.chunks);
        assert!(plan.chunks.iter().all(|c| c.tokens <= 70));
    }
}
