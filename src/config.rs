//! Configuration: an XDG config file (or `--config PATH`), named connection
//! profiles, and environment/flag overrides for the database URL. A broken
//! file never stops the console: it is reported and defaults are used.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use serde::Deserialize;

use crate::keymap::KeymapOverrides;

#[derive(Debug, Clone, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Config {
    /// Connection string used when no profile, flag or DATABASE_URL says otherwise.
    pub database_url: Option<String>,
    /// Profile used when `--profile` is not given.
    pub default_profile: Option<String>,
    /// Open connections with `default_transaction_read_only = on`.
    pub read_only: bool,
    /// Server-side limit for every console query, in milliseconds.
    pub statement_timeout_ms: u64,
    /// Rows fetched per page in every list.
    pub page_size: u32,
    /// Messages fetched per page in the transcript.
    pub transcript_page_size: u32,
    /// Built-in theme name (`dark`, `light`, `ansi16`) or a user theme file's name.
    pub theme: String,
    /// Directory the console writes exports to.
    pub export_dir: Option<PathBuf>,
    /// `tracing` filter for the log file, e.g. `info` or `ragdesk=debug`.
    pub log_level: String,
    pub embedding: EmbeddingConfig,
    pub ingest: IngestConfig,
    pub profiles: BTreeMap<String, Profile>,
    pub keymap: KeymapOverrides,
    /// The model that wrote each foreign layout's vectors, by layout name
    /// (`[layout_models.domo]`): a text query there needs it.
    pub layout_models: BTreeMap<String, LayoutModelConfig>,
}

/// `[layout_models.NAME]`: which model made a foreign layout's vectors.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct LayoutModelConfig {
    /// `openai` (any OpenAI-compatible endpoint) or `local` (our model,
    /// zero-padded to the column when it is wider).
    pub provider: String,
    /// The model's name; `local` needs none (it has one model).
    #[serde(default)]
    pub model: Option<String>,
    /// The endpoint, when not `[embedding.openai]`'s.
    pub base_url: Option<String>,
    pub api_key_env: Option<String>,
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct EmbeddingConfig {
    /// sentence-transformers directory of all-MiniLM-L6-v2.
    pub local_model_dir: Option<PathBuf>,
    pub openai: OpenAiConfig,
}

impl EmbeddingConfig {
    /// RAGDESK_MODEL_DIR, else `local_model_dir`, else the data directory's copy.
    pub fn model_dir(&self, paths: &Paths) -> PathBuf {
        std::env::var_os("RAGDESK_MODEL_DIR")
            .filter(|v| !v.is_empty())
            .map(PathBuf::from)
            .or_else(|| self.local_model_dir.clone())
            .unwrap_or_else(|| paths.default_model_dir())
    }

    /// The embedder settings this config resolves to (paths and the API
    /// key from the environment).
    pub fn embedder(&self, paths: &Paths) -> crate::spec::EmbedderSettings {
        crate::spec::EmbedderSettings {
            local_model_dir: self.model_dir(paths),
            openai: crate::spec::OpenAiEndpoint {
                base_url: self.openai.base_url.clone(),
                api_key_env: self.openai.api_key_env.clone(),
                api_key: std::env::var(&self.openai.api_key_env).ok().filter(|k| !k.is_empty()),
                timeout: std::time::Duration::from_secs(self.openai.timeout_secs.max(1)),
                max_retries: self.openai.max_retries,
            },
        }
    }
}

#[derive(Debug, Clone, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct OpenAiConfig {
    /// OpenAI-compatible API root; `/embeddings` is appended.
    pub base_url: String,
    /// Name of the environment variable holding the API key (the key itself
    /// never goes in this file, the database or the log).
    pub api_key_env: String,
    pub timeout_secs: u64,
    pub max_retries: u32,
}

impl Config {
    /// The model configured for layout `name`'s vectors, with how to reach
    /// it: the connection profile's own when it names one, else the layout's.
    pub fn layout_model(&self, name: &str, profile: Option<&str>, paths: &Paths) -> Option<crate::spec::LayoutModel> {
        let (m, configured_at) = match profile.and_then(|p| Some((p, self.profiles.get(p)?.vector_model.as_ref()?))) {
            Some((p, m)) => (m, format!("[profiles.{p}.vector_model]")),
            None => (self.layout_models.get(name)?, format!("[layout_models.{name}]")),
        };
        let mut embedder = self.embedding.embedder(paths);
        if let Some(url) = &m.base_url {
            embedder.openai.base_url = url.clone();
        }
        if let Some(env) = &m.api_key_env {
            embedder.openai.api_key = std::env::var(env).ok().filter(|k| !k.is_empty());
            embedder.openai.api_key_env = env.clone();
        }
        // Without a name: the local model's own (an endpoint's is needed, and
        // its absence is said when a query would use it).
        let model = match (&m.model, m.provider.as_str()) {
            (Some(name), _) => name.clone(),
            (None, "local") => crate::embed::LOCAL_MODEL.to_string(),
            (None, _) => String::new(),
        };
        Some(crate::spec::LayoutModel { provider: m.provider.clone(), model, embedder, configured_at })
    }
}

impl Default for OpenAiConfig {
    fn default() -> Self {
        OpenAiConfig {
            base_url: "https://api.openai.com/v1".into(),
            api_key_env: "OPENAI_API_KEY".into(),
            timeout_secs: 60,
            max_retries: 5,
        }
    }
}

#[derive(Debug, Clone, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct IngestConfig {
    /// Chunk size in tokens of the knowledge base's model. 250 fits both
    /// models: all-MiniLM-L6-v2 reads 254 (256 minus 2 special tokens).
    pub chunk_tokens: usize,
    pub chunk_overlap: usize,
    /// Files larger than this are refused.
    pub max_file_mb: u64,
}

impl Default for IngestConfig {
    fn default() -> Self {
        let chunk = crate::spec::ChunkSettings::default();
        IngestConfig { chunk_tokens: chunk.tokens, chunk_overlap: chunk.overlap, max_file_mb: 50 }
    }
}

impl IngestConfig {
    /// Chunking used when neither the upload nor the knowledge base says.
    pub fn chunk_settings(&self) -> crate::spec::ChunkSettings {
        crate::spec::ChunkSettings { tokens: self.chunk_tokens, overlap: self.chunk_overlap }
    }
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Profile {
    pub database_url: String,
    #[serde(default)]
    pub read_only: bool,
    /// The model that wrote this database's vectors, when it is not the one
    /// `[layout_models.NAME]` gives its layout (`[profiles.X.vector_model]`:
    /// a staging copy embedded with another model, say).
    pub vector_model: Option<LayoutModelConfig>,
}

impl Default for Config {
    fn default() -> Self {
        Config {
            database_url: None,
            default_profile: None,
            read_only: false,
            statement_timeout_ms: 5_000,
            page_size: 100,
            transcript_page_size: 200,
            theme: "dark".into(),
            export_dir: None,
            log_level: "info".into(),
            embedding: EmbeddingConfig::default(),
            ingest: IngestConfig::default(),
            profiles: BTreeMap::new(),
            keymap: KeymapOverrides::default(),
            layout_models: BTreeMap::new(),
        }
    }
}

/// Where ragdesk keeps its files (XDG on Linux).
#[derive(Debug, Clone)]
pub struct Paths {
    pub config_dir: PathBuf,
    pub data_dir: PathBuf,
}

impl Paths {
    pub fn discover() -> Paths {
        match directories::ProjectDirs::from("", "", "ragdesk") {
            Some(d) => Paths { config_dir: d.config_dir().to_path_buf(), data_dir: d.data_dir().to_path_buf() },
            None => Paths { config_dir: PathBuf::from(".ragdesk"), data_dir: PathBuf::from(".ragdesk") },
        }
    }
    pub fn config_file(&self) -> PathBuf {
        self.config_dir.join("config.toml")
    }
    pub fn themes_dir(&self) -> PathBuf {
        self.config_dir.join("themes")
    }
    pub fn log_file(&self) -> PathBuf {
        self.data_dir.join("ragdesk.log")
    }
    pub fn default_model_dir(&self) -> PathBuf {
        self.data_dir.join("models").join("all-MiniLM-L6-v2")
    }
}

/// A loaded configuration and the problems met while loading it.
#[derive(Debug, Clone)]
pub struct Loaded {
    pub config: Config,
    pub path: PathBuf,
    pub warnings: Vec<String>,
}

impl Config {
    /// Parses a config file. Errors give the line and the problem but never
    /// quote the file (a quoted line could hold a password).
    pub fn parse(text: &str) -> Result<Config, String> {
        toml::from_str(text).map_err(|e| {
            let line = e.span().map(|s| text[..s.start.min(text.len())].matches('\n').count() + 1);
            let msg = redact_urls(e.message().trim());
            match line {
                Some(l) => format!("line {l}: {msg}"),
                None => msg,
            }
        })
    }

    /// Loads `explicit` or the XDG file. A missing default file is normal; a
    /// missing explicit file, unreadable or invalid content becomes a warning.
    pub fn load(explicit: Option<&Path>, paths: &Paths) -> Loaded {
        let path = explicit.map(Path::to_path_buf).unwrap_or_else(|| paths.config_file());
        let mut warnings = Vec::new();
        let config = match std::fs::read_to_string(&path) {
            Ok(text) => match Config::parse(&text) {
                Ok(c) => c,
                Err(e) => {
                    warnings.push(format!("config {}: {} (using defaults)", path.display(), one_line(&e)));
                    Config::default()
                }
            },
            Err(e) if e.kind() == std::io::ErrorKind::NotFound && explicit.is_none() => Config::default(),
            Err(e) => {
                warnings.push(format!("config {}: {e} (using defaults)", path.display()));
                Config::default()
            }
        };
        Loaded { config, path, warnings }
    }

    /// Picks the connection. Precedence: `--database-url`, then `--profile`
    /// (or `default_profile`), then `DATABASE_URL`, then `database_url`.
    pub fn resolve_connection(
        &self,
        flag_url: Option<&str>,
        flag_profile: Option<&str>,
        env_url: Option<&str>,
    ) -> Result<Connection, String> {
        let read_only = self.read_only;
        if let Some(url) = flag_url {
            return Ok(Connection { url: url.to_string(), read_only, profile: None });
        }
        if let Some(name) = flag_profile.or(if env_url.is_none() { self.default_profile.as_deref() } else { None }) {
            let p = self.profiles.get(name).ok_or_else(|| {
                let known: Vec<_> = self.profiles.keys().cloned().collect();
                format!(
                    "no profile named '{name}' (known: {})",
                    if known.is_empty() { "none".into() } else { known.join(", ") }
                )
            })?;
            return Ok(Connection {
                url: p.database_url.clone(),
                read_only: read_only || p.read_only,
                profile: Some(name.to_string()),
            });
        }
        if let Some(url) = env_url.filter(|u| !u.is_empty()) {
            return Ok(Connection { url: url.to_string(), read_only, profile: None });
        }
        if let Some(url) = &self.database_url {
            return Ok(Connection { url: url.clone(), read_only, profile: None });
        }
        Err("no database configured: pass --database-url, set DATABASE_URL, or add database_url to the config file \
             (scripts/demo --no-console prints one for the local demo database)"
            .into())
    }
}

#[derive(Debug, Clone, PartialEq)]
pub struct Connection {
    pub url: String,
    pub read_only: bool,
    pub profile: Option<String>,
}

/// Replaces the password of any `scheme://user:password@host` in `s`.
pub fn redact_urls(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    let mut rest = s;
    while let Some(i) = rest.find("://") {
        let (head, tail) = rest.split_at(i + 3);
        out.push_str(head);
        let end = tail.find(|c: char| c.is_whitespace() || c == '"' || c == '\'' || c == '/').unwrap_or(tail.len());
        let authority = &tail[..end];
        match (authority.rfind('@'), authority.find(':')) {
            (Some(at), Some(colon)) if colon < at => {
                out.push_str(&authority[..colon]);
                out.push_str(":***");
                out.push_str(&authority[at..]);
            }
            _ => out.push_str(authority),
        }
        rest = &tail[end..];
    }
    out.push_str(rest);
    out
}

fn one_line(s: &str) -> String {
    s.split_whitespace().collect::<Vec<_>>().join(" ")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn example_config_parses() {
        let text = include_str!("../config.example.toml");
        let c = Config::parse(text).expect("config.example.toml must parse");
        assert!(c.profiles.contains_key("staging"));
    }

    #[test]
    fn precedence() {
        let c = Config::parse(
            r#"database_url = "postgres://file/db"
               [profiles.prod]
               database_url = "postgres://prod/db"
               read_only = true"#,
        )
        .unwrap();
        let f = |flag, prof, env| c.resolve_connection(flag, prof, env).unwrap();
        assert_eq!(f(Some("postgres://flag/db"), Some("prod"), Some("postgres://env/db")).url, "postgres://flag/db");
        let p = f(None, Some("prod"), Some("postgres://env/db"));
        assert_eq!((p.url.as_str(), p.read_only), ("postgres://prod/db", true));
        assert_eq!(f(None, None, Some("postgres://env/db")).url, "postgres://env/db");
        assert_eq!(f(None, None, None).url, "postgres://file/db");
        assert!(c.resolve_connection(None, Some("nope"), None).unwrap_err().contains("prod"));
    }

    #[test]
    fn a_profiles_vector_model_comes_before_its_layouts() {
        let c = Config::parse(
            r#"[layout_models.domo]
               provider = "openai"
               model = "text-embedding-3-small"
               [profiles.staging]
               database_url = "postgres://staging/db"
               [profiles.staging.vector_model]
               provider = "local"
               model = "all-MiniLM-L6-v2"
               [profiles.prod]
               database_url = "postgres://prod/db""#,
        )
        .unwrap();
        let paths = Paths { config_dir: "/nonexistent".into(), data_dir: "/nonexistent".into() };
        let model = |profile| c.layout_model("domo", profile, &paths).map(|m| (m.model, m.configured_at));
        let staging = ("all-MiniLM-L6-v2".to_string(), "[profiles.staging.vector_model]".to_string());
        let layout = ("text-embedding-3-small".to_string(), "[layout_models.domo]".to_string());
        assert_eq!(model(Some("staging")), Some(staging));
        assert_eq!(model(Some("prod")), Some(layout.clone()), "no model of its own");
        assert_eq!(model(None), Some(layout));
        assert!(c.layout_model("omni", None, &paths).is_none());
        // The local provider has one model: no name needed.
        let c = Config::parse("[layout_models.omni]\nprovider = \"local\"").unwrap();
        assert_eq!(c.layout_model("omni", None, &paths).unwrap().model, "all-MiniLM-L6-v2");
    }

    #[test]
    fn broken_file_falls_back_with_a_message() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("config.toml");
        std::fs::write(&path, "page_size = \"many\"\n[[[").unwrap();
        let paths = Paths { config_dir: dir.path().into(), data_dir: dir.path().into() };
        let loaded = Config::load(Some(&path), &paths);
        assert_eq!(loaded.config.page_size, 100);
        assert_eq!(loaded.warnings.len(), 1);
        assert!(loaded.warnings[0].contains("using defaults"));

        let missing = Config::load(Some(&dir.path().join("nope.toml")), &paths);
        assert_eq!(missing.warnings.len(), 1);
        let empty = tempfile::tempdir().unwrap();
        let absent_default =
            Config::load(None, &Paths { config_dir: empty.path().into(), data_dir: empty.path().into() });
        assert!(absent_default.warnings.is_empty());
    }

    #[test]
    fn parse_errors_never_quote_secrets() {
        let err = Config::parse("databse_url = \"postgres://alice:hunter2secret@db/app\"").unwrap_err();
        assert!(err.contains("databse_url") && err.contains("line 1"), "{err}");
        assert!(!err.contains("hunter2secret"), "{err}");
        let err = Config::parse("database_url = postgres://alice:hunter2secret@db/app").unwrap_err();
        assert!(!err.contains("hunter2secret"), "{err}");
        assert_eq!(redact_urls("x postgres://a:b@h:5/d y"), "x postgres://a:***@h:5/d y");
        assert_eq!(redact_urls("http://h/p"), "http://h/p");
    }

    #[test]
    fn unknown_keys_are_reported() {
        assert!(Config::parse("pagesize = 3").unwrap_err().contains("pagesize"));
    }
}
