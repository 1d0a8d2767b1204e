//! Chunking with text-splitter, sized in tokens of the knowledge base's own
//! model, with overlap; Markdown-aware for Markdown. A size the model cannot
//! read in full is clamped, with a warning the caller must show.

use text_splitter::{ChunkConfig, MarkdownSplitter, TextSplitter};

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
    let config = ChunkConfig::new(settings.tokens)
        .with_sizer(counter.clone())
        .with_overlap(settings.overlap)
        .map_err(|e| e.to_string())?;
    let pieces: Vec<(usize, &str)> = if markdown {
        MarkdownSplitter::new(config).chunk_indices(text).collect()
    } else {
        TextSplitter::new(config).chunk_indices(text).collect()
    };
    let chunks = pieces
        .into_iter()
        .enumerate()
        .map(|(index, (start, piece))| Chunk {
            index,
            start,
            end: start + piece.len(),
            text: piece.to_string(),
            tokens: counter.count(piece),
        })
        .collect();
    Ok(ChunkPlan { settings, chunks, warnings })
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
