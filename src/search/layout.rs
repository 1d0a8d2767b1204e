//! Text queries on another platform's vectors: which model wrote them
//! (the config's `[layout_models.NAME]`, else what `seed --layout`
//! recorded), refused with what to configure when nobody says. The query
//! is then embedded by `search::embed_text`, which refuses a model of
//! another dimension.

use sqlx::PgConnection;

use crate::db::mapped::Mapped;
use crate::schema::Kind;
use crate::spec::{EmbedderSettings, LayoutModel, ModelSpec};

/// The model to embed a query for `kind`'s vectors, and where that was
/// said ("config", or the recorded label's note).
#[derive(Debug, Clone, PartialEq)]
pub struct QueryModel {
    pub spec: ModelSpec,
    pub embedder: EmbedderSettings,
    pub source: String,
}

/// Which model a text query on `kind` must use, or why there is none.
pub async fn query_model(
    conn: &mut PgConnection,
    mapped: &Mapped,
    kind: Kind,
    configured: Option<&LayoutModel>,
    embedder: &EmbedderSettings,
) -> Result<QueryModel, String> {
    let (dim, _) = mapped.vector_column(kind).map_err(|e| e.to_string())?;
    let name = &mapped.layout.name;
    let recorded = match mapped.vector_label(conn, kind).await {
        Ok(label) => label,
        // A role that may not read ragdesk's labels still asks the model
        // the config names (unchecked against them, as before any label).
        Err(e) if configured.is_some() => {
            tracing::warn!("the recorded vector model could not be read: {e}");
            None
        }
        Err(e) => return Err(e.to_string()),
    };
    if let Some(m) = configured {
        if m.model.is_empty() {
            return Err(format!("{} names provider \"{}\" but no model = \"…\"", m.configured_at, m.provider));
        }
        // The config says which model to ask, not which one wrote the
        // vectors: where ragdesk recorded that, another one is refused.
        if let Some(label) = recorded.as_ref().filter(|l| !same_model(&l.spec.model, &m.model)) {
            return Err(format!(
                "{} names model \"{}\", but these vectors were recorded as written by {}: a query embedded by \
                 another model ranks them by nothing it means. Name that model there (served by any provider), \
                 or, if the vectors were rewritten since, delete their row of ragdesk_meta.vector_models",
                m.configured_at, m.model, label.note
            ));
        }
        let Some(dim) = dim else {
            return Err(format!(
                "the {} vector column has no fixed dimension to check a model against",
                mapped.layout.label(kind)
            ));
        };
        return Ok(QueryModel {
            spec: ModelSpec { provider: m.provider.clone(), model: m.model.clone(), dim },
            embedder: m.embedder.clone(),
            source: format!("{} in the config", m.configured_at),
        });
    }
    match recorded {
        Some(label) => {
            if dim.is_some_and(|d| d != label.spec.dim) {
                return Err(format!(
                    "the recorded model ({}) wrote {}-d vectors, but the column now holds {}-d ones",
                    label.note,
                    label.spec.dim,
                    dim.unwrap_or_default()
                ));
            }
            Ok(QueryModel { spec: label.spec, embedder: embedder.clone(), source: label.note })
        }
        None => Err(format!(
            "text is embedded here only by the model that wrote these vectors ({}-d), and none is named: \
             name it in the config under [layout_models.{name}] (provider = \"openai\", model = \"…\", \
             base_url = \"…\"; or provider = \"local\" for ragdesk's own model, zero-padded), or under the \
             connection profile's [profiles.NAME.vector_model]",
            dim.map(|d| d.to_string()).unwrap_or_else(|| "?".into())
        )),
    }
}

/// Whether two names are of one model, whoever serves it: the name after
/// any organisation (`sentence-transformers/all-MiniLM-L6-v2`), in any case.
fn same_model(a: &str, b: &str) -> bool {
    let bare = |m: &str| m.trim().rsplit('/').next().unwrap_or_default().to_ascii_lowercase();
    bare(a) == bare(b)
}

#[cfg(test)]
mod tests {
    #[test]
    fn a_model_is_the_same_whoever_serves_it() {
        assert!(super::same_model("all-MiniLM-L6-v2", "sentence-transformers/all-minilm-l6-v2"));
        assert!(!super::same_model("all-MiniLM-L6-v2", "text-embedding-3-small"));
        assert!(!super::same_model("text-embedding-3-small", "text-embedding-3-large"));
    }
}
