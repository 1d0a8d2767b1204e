//! Text extraction: the format is detected from the content (the extension
//! is only a hint between text formats), every reader is bounded, and every
//! failure is a clear per-file error.

use std::io::Read;
use std::path::Path;

/// Formats ragdesk extracts.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    Text,
    Markdown,
    Html,
    Pdf,
    Docx,
}

impl Format {
    pub fn name(self) -> &'static str {
        match self {
            Format::Text => "text",
            Format::Markdown => "markdown",
            Format::Html => "html",
            Format::Pdf => "pdf",
            Format::Docx => "docx",
        }
    }
}

#[derive(Debug, thiserror::Error, PartialEq)]
pub enum ExtractError {
    #[error("empty file")]
    Empty,
    #[error("scanned or image-only PDF: it has no text layer (run OCR on it first)")]
    ScannedPdf,
    #[error("no text could be extracted")]
    NoText,
    #[error("unsupported content: {0}")]
    Unsupported(String),
    #[error("not valid UTF-8 text (byte {0}); convert it to UTF-8 first")]
    InvalidUtf8(usize),
    #[error("the PDF is encrypted; decrypt it first")]
    EncryptedPdf,
    #[error("corrupt or unreadable PDF: {0}")]
    CorruptPdf(String),
    #[error("corrupt DOCX: {0}")]
    CorruptDocx(String),
    #[error("DOCX expands to more than {limit} bytes (zip bomb?); refused")]
    TooLargeExpanded { limit: u64 },
}

/// Bounds on what extraction will do.
#[derive(Debug, Clone, Copy)]
pub struct Limits {
    /// Most bytes a compressed part (DOCX XML) may expand to.
    pub max_expanded: u64,
}

impl Default for Limits {
    fn default() -> Self {
        Limits { max_expanded: 64 << 20 }
    }
}

#[derive(Debug, Clone, PartialEq)]
pub struct Extracted {
    pub format: Format,
    pub text: String,
}

/// Detects the format from the bytes; `name` only breaks ties between text
/// formats (Markdown versus plain text).
pub fn detect(bytes: &[u8], name: &str) -> Result<Format, ExtractError> {
    if bytes.starts_with(b"%PDF-") {
        return Ok(Format::Pdf);
    }
    if bytes.starts_with(b"PK\x03\x04") {
        return if contains(bytes, b"word/document.xml") {
            Ok(Format::Docx)
        } else {
            Err(ExtractError::Unsupported("a zip archive that is not a DOCX document".into()))
        };
    }
    for (magic, what) in [
        (&b"\x89PNG"[..], "a PNG image"),
        (b"\xff\xd8\xff", "a JPEG image"),
        (b"GIF8", "a GIF image"),
        (b"\x7fELF", "an executable"),
        (b"\x1f\x8b", "a gzip archive"),
        (b"\xd0\xcf\x11\xe0", "a legacy Office (OLE) file; save it as DOCX or PDF"),
        (b"{\\rtf", "an RTF document"),
    ] {
        if bytes.starts_with(magic) {
            return Err(ExtractError::Unsupported(what.into()));
        }
    }
    let sample = &bytes[..bytes.len().min(8192)];
    if sample.contains(&0) {
        return Err(ExtractError::Unsupported("binary data".into()));
    }
    let head = String::from_utf8_lossy(sample).to_ascii_lowercase();
    let lower_name = name.to_ascii_lowercase();
    let trimmed = head.trim_start_matches('\u{feff}').trim_start();
    if trimmed.starts_with("<!doctype html")
        || trimmed.starts_with("<html")
        || (head.contains("<body") && head.contains("</"))
    {
        return Ok(Format::Html);
    }
    if lower_name.ends_with(".html") || lower_name.ends_with(".htm") {
        return Ok(Format::Html);
    }
    if lower_name.ends_with(".md") || lower_name.ends_with(".markdown") || looks_like_markdown(&head) {
        return Ok(Format::Markdown);
    }
    Ok(Format::Text)
}

fn contains(hay: &[u8], needle: &[u8]) -> bool {
    hay.windows(needle.len()).any(|w| w == needle)
}

fn looks_like_markdown(head: &str) -> bool {
    let lines: Vec<&str> = head.lines().take(200).collect();
    let headings =
        lines.iter().filter(|l| l.starts_with("# ") || l.starts_with("## ") || l.starts_with("### ")).count();
    let fences = lines.iter().filter(|l| l.starts_with("```")).count();
    headings >= 2 || fences >= 2 || (headings >= 1 && head.contains("](http"))
}

pub fn extract(bytes: &[u8], name: &str, limits: Limits) -> Result<Extracted, ExtractError> {
    if bytes.is_empty() {
        return Err(ExtractError::Empty);
    }
    let format = detect(bytes, name)?;
    let raw = match format {
        Format::Pdf => pdf(bytes)?,
        Format::Docx => docx(bytes, limits)?,
        Format::Html => html(utf8(bytes)?),
        Format::Text | Format::Markdown => utf8(bytes)?.to_string(),
    };
    let text = normalize(&raw, format == Format::Markdown);
    if text.trim().is_empty() {
        // A PDF that parses but yields no text is pages of images.
        return Err(if format == Format::Pdf { ExtractError::ScannedPdf } else { ExtractError::NoText });
    }
    Ok(Extracted { format, text })
}

pub fn extract_file(path: &Path, limits: Limits) -> Result<Extracted, ExtractError> {
    let bytes = std::fs::read(path).map_err(|e| ExtractError::Unsupported(e.to_string()))?;
    extract(&bytes, &path.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default(), limits)
}

fn utf8(bytes: &[u8]) -> Result<&str, ExtractError> {
    let bytes = bytes.strip_prefix(b"\xef\xbb\xbf").unwrap_or(bytes);
    std::str::from_utf8(bytes).map_err(|e| ExtractError::InvalidUtf8(e.valid_up_to()))
}

fn pdf(bytes: &[u8]) -> Result<String, ExtractError> {
    if is_encrypted_pdf(bytes) {
        return Err(ExtractError::EncryptedPdf);
    }
    match super::pdf::text(bytes) {
        Ok((text, _reader)) => Ok(text),
        Err(super::pdf::PdfError::Encrypted) => Err(ExtractError::EncryptedPdf),
        Err(super::pdf::PdfError::Unreadable(why)) => Err(ExtractError::CorruptPdf(why)),
    }
}

/// An encrypted PDF names an /Encrypt dictionary in its trailer.
fn is_encrypted_pdf(bytes: &[u8]) -> bool {
    let tail = &bytes[bytes.len().saturating_sub(4096)..];
    contains(tail, b"/Encrypt") || (contains(bytes, b"/Encrypt") && contains(bytes, b"/Filter /Standard"))
}

fn docx(bytes: &[u8], limits: Limits) -> Result<String, ExtractError> {
    let mut archive =
        zip::ZipArchive::new(std::io::Cursor::new(bytes)).map_err(|e| ExtractError::CorruptDocx(e.to_string()))?;
    let file = archive.by_name("word/document.xml").map_err(|e| ExtractError::CorruptDocx(e.to_string()))?;
    if file.size() > limits.max_expanded {
        return Err(ExtractError::TooLargeExpanded { limit: limits.max_expanded });
    }
    // The declared size can lie: read at most one byte past the limit.
    let mut xml = Vec::new();
    file.take(limits.max_expanded + 1).read_to_end(&mut xml).map_err(|e| ExtractError::CorruptDocx(e.to_string()))?;
    if xml.len() as u64 > limits.max_expanded {
        return Err(ExtractError::TooLargeExpanded { limit: limits.max_expanded });
    }
    docx_text(&xml)
}

/// Text of WordprocessingML: `w:t` runs, tabs, breaks, one paragraph per `w:p`.
fn docx_text(xml: &[u8]) -> Result<String, ExtractError> {
    use quick_xml::events::Event;
    let mut reader = quick_xml::Reader::from_reader(xml);
    let mut out = String::new();
    let mut in_text = false;
    let mut buf = Vec::new();
    loop {
        match reader.read_event_into(&mut buf) {
            Ok(Event::Start(e)) => match e.local_name().into_inner() {
                "t" => in_text = true,
                "tab" => out.push('\t'),
                "br" | "cr" => out.push('\n'),
                _ => {}
            },
            Ok(Event::Empty(e)) => match e.local_name().into_inner() {
                "tab" => out.push('\t'),
                "br" | "cr" => out.push('\n'),
                _ => {}
            },
            Ok(Event::Text(t)) if in_text => out.push_str(&t.xml10_content()),
            // Entity and character references arrive as their own events.
            Ok(Event::GeneralRef(r)) if in_text => match r.resolve_char_ref() {
                Ok(Some(c)) => out.push(c),
                _ => out.push_str(match &*r {
                    "amp" => "&",
                    "lt" => "<",
                    "gt" => ">",
                    "quot" => "\"",
                    "apos" => "'",
                    _ => "",
                }),
            },
            Ok(Event::End(e)) => match e.local_name().into_inner() {
                "t" => in_text = false,
                "p" => out.push_str("\n\n"),
                _ => {}
            },
            Ok(Event::Eof) => break,
            Err(e) => return Err(ExtractError::CorruptDocx(format!("document.xml: {e}"))),
            _ => {}
        }
        buf.clear();
    }
    Ok(out)
}

fn html(source: &str) -> String {
    // Plain text, scripts and styles dropped, links as their text.
    html2text::config::plain_no_decorate()
        .no_link_wrapping()
        .string_from_read(source.as_bytes(), 10_000)
        .unwrap_or_default()
}

/// Whitespace normalised, paragraph breaks kept: trailing spaces go, runs
/// of blank lines become one, control characters (other than newline and
/// tab) are removed. Markdown keeps its indentation (code blocks, lists).
pub fn normalize(text: &str, markdown: bool) -> String {
    let text = text.replace("\r\n", "\n").replace('\r', "\n");
    let mut out = String::with_capacity(text.len());
    let mut blank_run = 0;
    for line in text.lines() {
        let cleaned: String = line
            .chars()
            .filter(|c| !c.is_control() || *c == '\t')
            .map(|c| if c == '\u{a0}' { ' ' } else { c })
            .collect();
        let line = if markdown { cleaned.trim_end().to_string() } else { collapse_spaces(cleaned.trim()) };
        if line.is_empty() {
            blank_run += 1;
            continue;
        }
        if !out.is_empty() {
            out.push_str(if blank_run > 0 { "\n\n" } else { "\n" });
        }
        blank_run = 0;
        out.push_str(&line);
    }
    out
}

fn collapse_spaces(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    let mut space = false;
    for c in s.chars() {
        if c == ' ' || c == '\t' {
            if !space {
                out.push(' ');
            }
            space = true;
        } else {
            out.push(c);
            space = false;
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn detects_from_content_not_extension() {
        assert_eq!(detect(b"%PDF-1.4 ...", "notes.txt").unwrap(), Format::Pdf);
        assert_eq!(detect(b"<!DOCTYPE html><html></html>", "page.txt").unwrap(), Format::Html);
        assert_eq!(detect(b"# Title\n\n## Part\ntext", "x").unwrap(), Format::Markdown);
        assert_eq!(detect(b"just words", "x.md").unwrap(), Format::Markdown);
        assert_eq!(detect(b"just words", "x.pdf").unwrap(), Format::Text, "a .pdf name does not make text a PDF");
        assert!(matches!(detect(b"\x89PNG\r\n", "x.txt"), Err(ExtractError::Unsupported(_))));
        assert!(matches!(detect(b"abc\0def", "x.txt"), Err(ExtractError::Unsupported(_))));
        assert!(matches!(detect(b"PK\x03\x04 other.xml", "x.docx"), Err(ExtractError::Unsupported(_))));
    }

    #[test]
    fn text_errors() {
        assert_eq!(extract(b"", "a.txt", Limits::default()), Err(ExtractError::Empty));
        assert_eq!(extract(b"  \n\n \t ", "a.txt", Limits::default()), Err(ExtractError::NoText));
        assert_eq!(extract(b"ok \xff\xfe bad", "a.txt", Limits::default()), Err(ExtractError::InvalidUtf8(3)));
    }

    #[test]
    fn normalizes_whitespace_and_keeps_paragraphs() {
        assert_eq!(normalize("  a   b \r\n\r\n\r\n c\u{7}d\n e ", false), "a b\n\ncd\ne");
        assert_eq!(normalize("# T\n\n    code\n\n\n- x", true), "# T\n\n    code\n\n- x");
    }

    #[test]
    fn html_drops_scripts_and_styles() {
        let page = "<html><head><style>p{color:red}</style><script>alert('x')</script></head>\
                    <body><h1>Menu</h1><p>Pasta <b>fresh</b> daily.</p><p>Open 9&ndash;5</p></body></html>";
        let t = extract(page.as_bytes(), "p.html", Limits::default()).unwrap();
        assert_eq!(t.format, Format::Html);
        assert!(
            t.text.contains("Menu") && t.text.contains("Pasta fresh daily.") && t.text.contains("Open 9–5"),
            "{}",
            t.text
        );
        assert!(!t.text.contains("alert") && !t.text.contains("color"), "{}", t.text);
        assert!(t.text.contains("\n\n"), "paragraphs kept: {:?}", t.text);
    }

    #[test]
    fn docx_paragraphs_tabs_and_entities() {
        let xml = br#"<w:document xmlns:w="x"><w:body><w:p><w:r><w:t>Hello &amp; welcome</w:t></w:r><w:r><w:tab/><w:t xml:space="preserve"> there</w:t></w:r></w:p><w:p><w:r><w:t>Second</w:t></w:r></w:p></w:body></w:document>"#;
        assert_eq!(normalize(&docx_text(xml).unwrap(), false), "Hello & welcome there\n\nSecond");
    }
}
