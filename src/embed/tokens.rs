//! Token counting in the model's own tokenizer, for chunk sizes.

use std::sync::Arc;

/// Counts tokens without the special tokens the model adds around each input.
#[derive(Clone)]
pub enum TokenCounter {
    /// A Hugging Face tokenizer (the local model's tokenizer.json), with
    /// truncation and padding switched off so long texts count in full.
    HuggingFace(Arc<tokenizers::Tokenizer>),
    /// tiktoken (cl100k_base for OpenAI's text-embedding-3 models).
    Tiktoken(Arc<tiktoken_rs::CoreBPE>),
}

impl TokenCounter {
    pub fn count(&self, text: &str) -> usize {
        match self {
            TokenCounter::HuggingFace(t) => t.encode_fast(text, false).map(|e| e.get_ids().len()).unwrap_or(0),
            TokenCounter::Tiktoken(b) => b.encode_ordinary(text).len(),
        }
    }

    pub fn cl100k() -> TokenCounter {
        TokenCounter::Tiktoken(Arc::new(tiktoken_rs::cl100k_base().expect("cl100k_base is bundled")))
    }
}

impl text_splitter::ChunkSizer for TokenCounter {
    fn size(&self, chunk: &str) -> usize {
        self.count(chunk)
    }
}
