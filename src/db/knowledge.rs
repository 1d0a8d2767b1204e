//! Knowledge bases, their documents and chunks. Storing a document is one
//! transaction: the document and all its chunks appear together or not at all.

use chrono::{DateTime, Utc};
use serde_json::json;
use sqlx::{FromRow, PgConnection, PgPool, Postgres, Transaction};
use uuid::Uuid;

use super::audit::{self, Change};
use super::mapped::{ChunkToWrite, MappedRow, Under};
use super::{Cursor, DbError, Page, Result, RowCount, Seek};
use crate::schema::{Extra, Kind};

pub const KB_TYPES: &[&str] = &["product_catalog", "faq", "service_menu", "review_template", "custom"];

/// A knowledge base as the console knows it: its row read through our
/// layout (name, time, counts), with the settings only ragdesk keeps.
#[derive(Debug, Clone, PartialEq)]
pub struct KnowledgeBaseRow {
    pub id: Uuid,
    pub demo_id: Uuid,
    pub demo_name: Option<String>,
    pub name: String,
    pub kb_type: String,
    pub embedding_provider: String,
    pub embedding_model: String,
    pub embedding_dim: i32,
    pub chunk_tokens: Option<i32>,
    pub chunk_overlap: Option<i32>,
    pub created_at: DateTime<Utc>,
    pub attached: bool,
    /// Counted as every list counts a row's children: up to a cap.
    pub document_count: RowCount,
    pub chunk_count: RowCount,
}

impl KnowledgeBaseRow {
    /// The knowledge base's own chunking where it sets one, else `defaults`.
    pub fn chunk_settings(&self, defaults: crate::spec::ChunkSettings) -> crate::spec::ChunkSettings {
        crate::spec::ChunkSettings {
            tokens: self.chunk_tokens.map(|v| v as usize).unwrap_or(defaults.tokens),
            overlap: self.chunk_overlap.map(|v| v as usize).unwrap_or(defaults.overlap),
        }
    }

    pub fn model_spec(&self) -> crate::spec::ModelSpec {
        crate::spec::ModelSpec {
            provider: self.embedding_provider.clone(),
            model: self.embedding_model.clone(),
            dim: self.embedding_dim as usize,
        }
    }

    pub fn cursor(&self) -> Cursor {
        Cursor { ts: self.created_at, id: self.id }
    }
}

/// What ragdesk keeps of a knowledge base that its layout's list does not
/// carry whole: how its text is embedded and chunked (a model's full name,
/// not a list's cut of it), its demo, and whether the demo uses it.
#[derive(Debug, Clone, FromRow)]
struct KbSettings {
    id: Uuid,
    demo_id: Uuid,
    demo_name: Option<String>,
    #[sqlx(rename = "type")]
    kb_type: String,
    embedding_provider: String,
    embedding_model: String,
    embedding_dim: i32,
    chunk_tokens: Option<i32>,
    chunk_overlap: Option<i32>,
    attached: bool,
}

/// The settings of the knowledge bases `ids` (a page's: one index probe each).
async fn settings_of(conn: &mut PgConnection, ids: &[Uuid]) -> Result<std::collections::HashMap<Uuid, KbSettings>> {
    let rows: Vec<KbSettings> = sqlx::query_as(
        "SELECT k.id, k.demo_id, d.company_name AS demo_name, k.type, k.embedding_provider, k.embedding_model, \
         k.embedding_dim, k.chunk_tokens, k.chunk_overlap, (d.knowledge_base_id IS NOT DISTINCT FROM k.id) AS attached \
         FROM knowledge_bases k JOIN demos d ON d.id = k.demo_id WHERE k.id = ANY($1)",
    )
    .bind(ids)
    .fetch_all(&mut *conn)
    .await?;
    Ok(rows.into_iter().map(|s| (s.id, s)).collect())
}

/// The knowledge bases named `name` (in any case), of `demo` when given:
/// up to 20, with their demos' names, for `find` to choose or list.
async fn named(conn: &mut PgConnection, name: &str, demo: Option<Uuid>) -> Result<Vec<(Uuid, Option<String>)>> {
    Ok(sqlx::query_as(
        "SELECT k.id, d.company_name FROM knowledge_bases k JOIN demos d ON d.id = k.demo_id \
         WHERE lower(k.name) = lower($1) AND ($2::uuid IS NULL OR k.demo_id = $2) ORDER BY k.created_at DESC LIMIT 20",
    )
    .bind(name)
    .bind(demo)
    .fetch_all(&mut *conn)
    .await?)
}

/// A local-model knowledge base with id `id`, for tests.
#[cfg(test)]
pub(crate) fn sample(id: u128, name: &str) -> KnowledgeBaseRow {
    KnowledgeBaseRow {
        id: Uuid::from_u128(id),
        demo_id: Uuid::from_u128(2),
        demo_name: None,
        name: name.into(),
        kb_type: "faq".into(),
        embedding_provider: "local".into(),
        embedding_model: "all-MiniLM-L6-v2".into(),
        embedding_dim: 384,
        chunk_tokens: None,
        chunk_overlap: None,
        created_at: chrono::Utc::now(),
        attached: true,
        document_count: RowCount::Exact(1),
        chunk_count: RowCount::Exact(1),
    }
}

/// Finds a demo by id or by company name (case-insensitive, not deleted).
pub async fn find_demo(conn: &mut PgConnection, spec: &str) -> Result<(Uuid, String)> {
    if let Ok(id) = Uuid::parse_str(spec) {
        let row: Option<(Uuid, Option<String>)> = sqlx::query_as("SELECT id, company_name FROM demos WHERE id = $1")
            .bind(id)
            .fetch_optional(&mut *conn)
            .await?;
        return row.map(|(i, n)| (i, n.unwrap_or_default())).ok_or_else(|| DbError::NotFound(format!("demo {id}")));
    }
    let rows: Vec<(Uuid, Option<String>)> = sqlx::query_as(
        "SELECT id, company_name FROM demos WHERE lower(company_name) = lower($1) AND deleted_at IS NULL ORDER BY created_at DESC LIMIT 20",
    )
    .bind(spec)
    .fetch_all(&mut *conn)
    .await?;
    match rows.len() {
        0 => Err(DbError::NotFound(format!("demo '{spec}'"))),
        1 => Ok((rows[0].0, rows[0].1.clone().unwrap_or_default())),
        n => Err(DbError::Filter(format!(
            "'{spec}' names {n} demos; pass an id: {}",
            rows.iter().map(|r| r.0.to_string()).collect::<Vec<_>>().join(", ")
        ))),
    }
}

#[derive(Debug, Clone, PartialEq)]
pub struct NewKnowledgeBase {
    pub demo_id: Uuid,
    pub name: String,
    pub kb_type: String,
    pub provider: String,
    pub model: String,
    pub dim: i32,
    pub chunk_tokens: Option<i32>,
    pub chunk_overlap: Option<i32>,
    /// Make it the demo's knowledge base (demos.knowledge_base_id).
    pub attach: bool,
}

/// Creates a knowledge base (audited); its id.
pub async fn create(conn: &mut PgConnection, kb: &NewKnowledgeBase) -> Result<Uuid> {
    if !KB_TYPES.contains(&kb.kb_type.as_str()) {
        return Err(DbError::Filter(format!("type must be one of {}", KB_TYPES.join(", "))));
    }
    let mut tx = sqlx::Connection::begin(&mut *conn).await?;
    let (id,): (Uuid,) = sqlx::query_as(
        "INSERT INTO knowledge_bases (demo_id, name, type, embedding_provider, embedding_model, embedding_dim, chunk_tokens, chunk_overlap) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8) RETURNING id",
    )
    .bind(kb.demo_id)
    .bind(&kb.name)
    .bind(&kb.kb_type)
    .bind(&kb.provider)
    .bind(&kb.model)
    .bind(kb.dim)
    .bind(kb.chunk_tokens)
    .bind(kb.chunk_overlap)
    .fetch_one(&mut *tx)
    .await?;
    // A new dimension gets its own partial HNSW index.
    sqlx::query("SELECT ensure_embedding_index($1)").bind(kb.dim).execute(&mut *tx).await?;
    if kb.attach {
        sqlx::query("UPDATE demos SET knowledge_base_id = $1 WHERE id = $2")
            .bind(id)
            .bind(kb.demo_id)
            .execute(&mut *tx)
            .await?;
    }
    let tenant = tenant_of_demo(&mut tx, kb.demo_id).await?;
    audit::record(
        &mut tx,
        &Change {
            action: "create",
            entity: "knowledge_base",
            key: id.to_string(),
            tenant,
            old: None,
            new: Some(json!({
                "name": kb.name, "demo_id": kb.demo_id, "type": kb.kb_type, "provider": kb.provider,
                "model": kb.model, "dim": kb.dim, "chunk_tokens": kb.chunk_tokens,
                "chunk_overlap": kb.chunk_overlap, "attached": kb.attach,
            })),
            reason: None,
        },
    )
    .await?;
    tx.commit().await?;
    Ok(id)
}

/// A document as the Documents tab lists it.
#[derive(Debug, Clone, PartialEq)]
pub struct DocumentRow {
    pub id: Uuid,
    pub kb_id: Uuid,
    pub filename: String,
    pub content_type: Option<String>,
    pub size_bytes: Option<i64>,
    pub chunk_count: i32,
    pub created_at: DateTime<Utc>,
    /// Size of the extracted text (stored: listing never reads the text).
    pub text_bytes: Option<i64>,
}

impl DocumentRow {
    pub fn cursor(&self) -> Cursor {
        Cursor { ts: self.created_at, id: self.id }
    }
}

/// A chunk as the Documents tab lists it.
#[derive(Debug, Clone, PartialEq)]
pub struct ChunkRow {
    pub id: Uuid,
    pub chunk_index: i32,
    pub token_count: Option<i32>,
    pub content: String,
    pub embedding_dim: i32,
    pub start_offset: Option<i32>,
    pub end_offset: Option<i32>,
}

impl ChunkRow {
    pub fn cursor(&self) -> Cursor {
        Cursor::position(self.chunk_index as i64, self.id)
    }
}

/// The tenant a demo belongs to, for the audit's scope.
async fn tenant_of_demo(conn: &mut PgConnection, demo: Uuid) -> Result<Option<Uuid>> {
    Ok(sqlx::query_as("SELECT tenant_id FROM demos WHERE id = $1")
        .bind(demo)
        .fetch_optional(&mut *conn)
        .await?
        .map(|(t,): (Uuid,)| t))
}

/// Deletes a knowledge base with its documents and chunks (ON DELETE
/// CASCADE), audited with what it held.
pub async fn delete_kb(conn: &mut PgConnection, id: Uuid) -> Result<u64> {
    let mut tx = sqlx::Connection::begin(&mut *conn).await?;
    let gone: Option<(String, Uuid, Uuid, i64, i64)> = sqlx::query_as(
        "DELETE FROM knowledge_bases k USING demos d WHERE k.id = $1 AND d.id = k.demo_id          RETURNING k.name, k.demo_id, d.tenant_id,                    (SELECT count(*) FROM documents WHERE kb_id = k.id), (SELECT count(*) FROM chunks WHERE kb_id = k.id)",
    )
    .bind(id)
    .fetch_optional(&mut *tx)
    .await?;
    let Some((name, demo, tenant, documents, chunks)) = gone else { return Ok(0) };
    audit::record(
        &mut tx,
        &Change {
            action: "delete",
            entity: "knowledge_base",
            key: id.to_string(),
            tenant: Some(tenant),
            old: Some(json!({"name": name, "demo_id": demo, "documents": documents, "chunks": chunks})),
            new: None,
            reason: None,
        },
    )
    .await?;
    tx.commit().await?;
    Ok(1)
}

/// Deletes a document; its chunks go with it (ON DELETE CASCADE). Audited
/// with its name, knowledge base and size.
pub async fn delete_document(conn: &mut PgConnection, id: Uuid) -> Result<u64> {
    let mut tx = sqlx::Connection::begin(&mut *conn).await?;
    let gone: Option<(String, Uuid, i32, Option<String>)> =
        sqlx::query_as("DELETE FROM documents WHERE id = $1 RETURNING filename, kb_id, chunk_count, content_sha256")
            .bind(id)
            .fetch_optional(&mut *tx)
            .await?;
    let Some((filename, kb, chunks, sha)) = gone else { return Ok(0) };
    let tenant = tenant_of_kb(&mut tx, kb).await?;
    audit::record(
        &mut tx,
        &Change {
            action: "delete",
            entity: "document",
            key: id.to_string(),
            tenant,
            old: Some(json!({"filename": filename, "kb_id": kb, "chunks": chunks, "sha256": sha})),
            new: None,
            reason: None,
        },
    )
    .await?;
    tx.commit().await?;
    Ok(1)
}

async fn tenant_of_kb(conn: &mut PgConnection, kb: Uuid) -> Result<Option<Uuid>> {
    Ok(sqlx::query_as("SELECT d.tenant_id FROM knowledge_bases k JOIN demos d ON d.id = k.demo_id WHERE k.id = $1")
        .bind(kb)
        .fetch_optional(&mut *conn)
        .await?
        .map(|(t,): (Uuid,)| t))
}

/// An existing document of `kb` with the same extracted content.
pub async fn find_duplicate(conn: &mut PgConnection, kb: Uuid, sha256: &str) -> Result<Option<(Uuid, String)>> {
    Ok(sqlx::query_as("SELECT id, filename FROM documents WHERE kb_id = $1 AND content_sha256 = $2 LIMIT 1")
        .bind(kb)
        .bind(sha256)
        .fetch_optional(&mut *conn)
        .await?)
}

/// A document being written. Nothing is visible to others until `commit`;
/// dropping it (error, cancel, lost connection) rolls everything back.
pub struct DocumentWriter {
    tx: Transaction<'static, Postgres>,
    /// Our layout, which writes the chunks as every platform's are written.
    ours: std::sync::Arc<super::mapped::Mapped>,
    pub document_id: Uuid,
    kb_id: Uuid,
    dim: i32,
    pub chunks_written: i32,
}

pub struct NewDocument<'a> {
    pub kb_id: Uuid,
    pub dim: i32,
    pub filename: &'a str,
    pub content: &'a str,
    pub content_type: &'a str,
    pub size_bytes: i64,
    pub sha256: &'a str,
}

pub struct NewChunk<'a> {
    pub index: i32,
    pub content: &'a str,
    pub tokens: i32,
    pub start: i32,
    pub end: i32,
    pub embedding: Vec<f32>,
}

impl DocumentWriter {
    pub async fn begin(
        pool: &PgPool,
        ours: std::sync::Arc<super::mapped::Mapped>,
        doc: NewDocument<'_>,
    ) -> Result<DocumentWriter> {
        let mut tx = pool.begin().await?;
        // Writing thousands of chunks into HNSW indexes takes longer than
        // the console's statement timeout allows a query (~1,000 rows/s).
        sqlx::query("SET LOCAL statement_timeout = 0").execute(&mut *tx).await?;
        let (document_id,): (Uuid,) = sqlx::query_as(
            "INSERT INTO documents (kb_id, filename, content, content_type, size_bytes, content_sha256, text_bytes) \
             VALUES ($1, $2, $3, $4, $5, $6, octet_length($3)) RETURNING id",
        )
        .bind(doc.kb_id)
        .bind(doc.filename)
        .bind(doc.content)
        .bind(doc.content_type)
        .bind(doc.size_bytes)
        .bind(doc.sha256)
        .fetch_one(&mut *tx)
        .await?;
        Ok(DocumentWriter { tx, ours, document_id, kb_id: doc.kb_id, dim: doc.dim, chunks_written: 0 })
    }

    /// Writes one batch of chunks through our layout (`Mapped::write_chunks`,
    /// one statement), in the document's order.
    pub async fn write(&mut self, batch: Vec<NewChunk<'_>>) -> Result<()> {
        let first = self.chunks_written;
        for (i, c) in batch.iter().enumerate() {
            if c.embedding.len() as i32 != self.dim {
                return Err(DbError::Filter(format!(
                    "a {}-d vector for a {}-d knowledge base",
                    c.embedding.len(),
                    self.dim
                )));
            }
            // Positions follow on from the chunks written (the layout
            // numbers them so).
            if c.index != first + i as i32 {
                return Err(DbError::Invalid(format!(
                    "chunk {} written out of order ({} was next)",
                    c.index,
                    first + i as i32
                )));
            }
        }
        let rows: Vec<ChunkToWrite> = batch
            .iter()
            .map(|c| ChunkToWrite {
                text: c.content,
                vector: &c.embedding,
                values: vec![
                    ("token_count", Some(c.tokens.to_string())),
                    ("start_offset", Some(c.start.to_string())),
                    ("end_offset", Some(c.end.to_string())),
                ],
            })
            .collect();
        let document = self.document_id.to_string();
        let written = self.ours.write_chunks(&mut self.tx, &document, None, first as i64, &rows).await?;
        self.chunks_written += written.len() as i32;
        Ok(())
    }

    pub async fn commit(mut self) -> Result<Uuid> {
        let (filename, sha, bytes): (String, Option<String>, Option<i64>) = sqlx::query_as(
            "UPDATE documents SET chunk_count = $1 WHERE id = $2 RETURNING filename, content_sha256, size_bytes",
        )
        .bind(self.chunks_written)
        .bind(self.document_id)
        .fetch_one(&mut *self.tx)
        .await?;
        let tenant = tenant_of_kb(&mut self.tx, self.kb_id).await?;
        audit::record(
            &mut self.tx,
            &Change {
                action: "ingest",
                entity: "document",
                key: self.document_id.to_string(),
                tenant,
                old: None,
                new: Some(json!({
                    "filename": filename, "kb_id": self.kb_id, "chunks": self.chunks_written,
                    "size_bytes": bytes, "sha256": sha,
                })),
                reason: None,
            },
        )
        .await?;
        self.tx.commit().await?;
        Ok(self.document_id)
    }
}

/// The Documents tab's lists (knowledge bases, documents, chunks), read
/// through our layout (`native.toml`) as every platform's rows are: the
/// layout's keyset pages, filters (words, `after:`/`before:`, a key for each
/// shown column) and counts, made into the tab's rows.
#[derive(Debug, Clone)]
pub struct KnowledgeLists(pub std::sync::Arc<super::mapped::Mapped>);

impl KnowledgeLists {
    /// Ours on `db` (checked once per pool: `Db::ours`).
    pub async fn of(db: &super::Db) -> Result<KnowledgeLists> {
        Ok(KnowledgeLists(db.ours().await?))
    }

    /// Knowledge bases of a demo (or of every demo), newest first, each
    /// with ragdesk's settings for it.
    pub async fn knowledge_bases(
        &self,
        conn: &mut PgConnection,
        demo: Option<Uuid>,
        filter: &str,
        seek: Seek,
        limit: u32,
    ) -> Result<Page<KnowledgeBaseRow>> {
        let under = Under::of(demo.map(|d| d.to_string()).as_deref());
        let (rows, more) = self.read(conn, Kind::KnowledgeBase, &under, filter, seek, time_key, limit).await?;
        let rows = self.with_settings(conn, rows).await?;
        Ok(page_of(rows, more, seek, KnowledgeBaseRow::cursor))
    }

    /// Knowledge base `id`.
    pub async fn knowledge_base(&self, conn: &mut PgConnection, id: Uuid) -> Result<KnowledgeBaseRow> {
        let row = self.0.row(conn, Kind::KnowledgeBase, &id.to_string()).await?;
        let rows = self.with_settings(conn, row.into_iter().collect()).await?;
        rows.into_iter().next().ok_or_else(|| DbError::NotFound(format!("knowledge base {id}")))
    }

    /// A knowledge base by id, or by name (case-insensitive) within `demo`
    /// when given; a name that matches several is an error that lists them.
    pub async fn find(&self, conn: &mut PgConnection, spec: &str, demo: Option<Uuid>) -> Result<KnowledgeBaseRow> {
        if let Ok(id) = Uuid::parse_str(spec) {
            return self.knowledge_base(conn, id).await;
        }
        let found = named(&mut *conn, spec, demo).await?;
        match found.as_slice() {
            [] => Err(DbError::NotFound(format!("knowledge base '{spec}'"))),
            [(id, _)] => self.knowledge_base(conn, *id).await,
            _ => Err(DbError::Filter(format!(
                "'{spec}' names {} knowledge bases; pass --demo or an id: {}",
                found.len(),
                found
                    .iter()
                    .map(|(id, demo)| format!("{id} ({})", demo.as_deref().unwrap_or("?")))
                    .collect::<Vec<_>>()
                    .join(", ")
            ))),
        }
    }

    /// The knowledge base a demo's bot retrieves from: the one attached to
    /// the demo (`demos.knowledge_base_id`), else its newest.
    pub async fn for_demo(&self, conn: &mut PgConnection, demo: Uuid) -> Result<Option<KnowledgeBaseRow>> {
        let rows = self.knowledge_bases(conn, Some(demo), "", Seek::First, 50).await?.rows;
        let attached = rows.iter().position(|k| k.attached);
        Ok(match attached {
            Some(i) => rows.into_iter().nth(i),
            None => rows.into_iter().next(),
        })
    }

    /// The rows read through the layout, each with ragdesk's settings for
    /// it (one read for the page); a row deleted in between is left out.
    async fn with_settings(&self, conn: &mut PgConnection, rows: Vec<MappedRow>) -> Result<Vec<KnowledgeBaseRow>> {
        let e = self.0.layout.entity(Kind::KnowledgeBase);
        let extras = e.map(|e| e.extras()).unwrap_or_default();
        let at = |want: fn(&Extra) -> bool, what: &str| {
            extras.iter().position(want).ok_or_else(|| {
                DbError::Invalid(format!("layout '{}' does not count knowledge bases' {what}", self.0.layout.name))
            })
        };
        let documents = at(|x| matches!(x, Extra::Count(Kind::Document)), "documents")?;
        let chunks = at(|x| matches!(x, Extra::Sum(Kind::Document, "chunk_count")), "chunks")?;
        let ids = rows.iter().map(|r| parse_id(&r.id)).collect::<Result<Vec<_>>>()?;
        let mut settings = settings_of(&mut *conn, &ids).await?;
        rows.into_iter()
            .zip(ids)
            .filter_map(|(r, id)| settings.remove(&id).map(|s| (r, s)))
            .map(|(r, s)| {
                let cell = |i: usize| r.cells.get(i).cloned().flatten();
                Ok(KnowledgeBaseRow {
                    id: s.id,
                    demo_id: s.demo_id,
                    demo_name: s.demo_name,
                    name: r.title.clone().unwrap_or_default(),
                    kb_type: s.kb_type,
                    embedding_provider: s.embedding_provider,
                    embedding_model: s.embedding_model,
                    embedding_dim: s.embedding_dim,
                    chunk_tokens: s.chunk_tokens,
                    chunk_overlap: s.chunk_overlap,
                    created_at: r
                        .created_at
                        .ok_or_else(|| DbError::Invalid("a knowledge base without created_at".into()))?,
                    attached: s.attached,
                    document_count: capped_count(cell(documents))?,
                    chunk_count: parse_tally(cell(chunks))?,
                })
            })
            .collect()
    }

    /// A knowledge base's documents, newest first.
    pub async fn documents(
        &self,
        conn: &mut PgConnection,
        kb: Uuid,
        filter: &str,
        seek: Seek,
        limit: u32,
    ) -> Result<Page<DocumentRow>> {
        let under = Under::Row(kb.to_string());
        let (rows, more) = self.read(conn, Kind::Document, &under, filter, seek, time_key, limit).await?;
        let cells = self.cells(Kind::Document, &["content_type", "size_bytes", "chunk_count", "text_bytes"])?;
        let rows = rows
            .into_iter()
            .map(|r| {
                let c = |i: usize| r.cells.get(cells[i]).cloned().flatten();
                Ok(DocumentRow {
                    id: parse_id(&r.id)?,
                    kb_id: kb,
                    filename: r.title.clone().unwrap_or_default(),
                    content_type: c(0),
                    size_bytes: parse_opt(c(1))?,
                    chunk_count: parse_opt(c(2))?.unwrap_or(0),
                    created_at: r.created_at.ok_or_else(|| DbError::Invalid("a document without created_at".into()))?,
                    text_bytes: parse_opt(c(3))?,
                })
            })
            .collect::<Result<Vec<_>>>()?;
        Ok(page_of(rows, more, seek, DocumentRow::cursor))
    }

    /// A document's chunks in order (by chunk_index, then id).
    pub async fn chunks(
        &self,
        conn: &mut PgConnection,
        document: Uuid,
        filter: &str,
        seek: Seek,
        limit: u32,
    ) -> Result<Page<ChunkRow>> {
        let key = |c: Cursor| vec![Some(c.as_position().to_string()), Some(c.id.to_string())];
        let under = Under::Row(document.to_string());
        let (rows, more) = self.read(conn, Kind::Chunk, &under, filter, seek, key, limit).await?;
        let cells = self.cells(Kind::Chunk, &["token_count", "embedding_dim", "start_offset", "end_offset"])?;
        let rows = rows
            .into_iter()
            .map(|r| {
                let c = |i: usize| r.cells.get(cells[i]).cloned().flatten();
                // The first order column: its position.
                let index = r.key.first().cloned().flatten();
                Ok(ChunkRow {
                    id: parse_id(&r.id)?,
                    chunk_index: parse_opt(index)?
                        .ok_or_else(|| DbError::Invalid("a chunk without its index".into()))?,
                    token_count: parse_opt(c(0))?,
                    content: r.content.clone().unwrap_or_default(),
                    embedding_dim: parse_opt(c(1))?.unwrap_or(0),
                    start_offset: parse_opt(c(2))?,
                    end_offset: parse_opt(c(3))?,
                })
            })
            .collect::<Result<Vec<_>>>()?;
        Ok(page_of(rows, more, seek, ChunkRow::cursor))
    }

    /// How many of `kind`'s rows under `parent` (every one: `None`) the
    /// filter keeps (capped unless `exact`).
    pub async fn count(
        &self,
        conn: &mut PgConnection,
        kind: Kind,
        parent: Option<Uuid>,
        filter: &str,
        exact: bool,
    ) -> Result<RowCount> {
        let under = Under::of(parent.map(|p| p.to_string()).as_deref());
        self.0
            .count_rows_under(conn, kind, &under, filter, exact)
            .await?
            .ok_or_else(|| DbError::Invalid(format!("{} are not counted here", self.0.layout.label(kind))))
    }

    /// The rows of the page `seek` says, in the list's order, and whether
    /// more follow in its direction.
    #[allow(clippy::too_many_arguments)]
    async fn read(
        &self,
        conn: &mut PgConnection,
        kind: Kind,
        under: &Under,
        filter: &str,
        seek: Seek,
        key: impl Fn(Cursor) -> Vec<Option<String>>,
        limit: u32,
    ) -> Result<(Vec<MappedRow>, bool)> {
        let at = seek.cursor().map(key);
        let page = match seek {
            Seek::First | Seek::After(_) => self.0.page_under(conn, kind, under, at.as_deref(), limit, filter).await?,
            Seek::Last | Seek::Before(_) => self.0.page_before(conn, kind, under, at.as_deref(), limit, filter).await?,
        };
        Ok((page.rows, page.next.is_some()))
    }

    /// Where each of `columns` is among `kind`'s cells (the layout's shown
    /// columns come first, in its order).
    fn cells(&self, kind: Kind, columns: &[&str]) -> Result<Vec<usize>> {
        let e = self.0.layout.entity(kind);
        let shown = e.map(|e| e.shown.as_slice()).unwrap_or_default();
        columns
            .iter()
            .map(|c| {
                shown.iter().position(|s| s == c).ok_or_else(|| {
                    DbError::Invalid(format!("layout '{}' does not show {kind}s' {c}", self.0.layout.name))
                })
            })
            .collect()
    }
}

/// A page of rows in the list's order: `next` is the last row's cursor
/// going down, the first's going up, when more follow that way.
fn page_of<T>(rows: Vec<T>, more: bool, seek: Seek, cursor: impl Fn(&T) -> Cursor) -> Page<T> {
    let edge = if seek.backward() { rows.first() } else { rows.last() };
    let next = edge.filter(|_| more).map(cursor);
    Page { rows, next }
}

/// A cursor in a list ordered by time and id, as the layout's key.
fn time_key(c: Cursor) -> Vec<Option<String>> {
    vec![Some(c.ts.to_rfc3339_opts(chrono::SecondsFormat::Micros, true)), Some(c.id.to_string())]
}

/// A list's count of a row's children, as the layout reads it: counted up
/// to the cap, past it "at least".
fn capped_count(text: Option<String>) -> Result<RowCount> {
    Ok(match parse_tally(text)? {
        RowCount::Exact(n) if n > crate::schema::COUNT_CAP => RowCount::AtLeast(crate::schema::COUNT_CAP),
        other => other,
    })
}

/// A list's total of a column over a row's children: the whole total, or,
/// past the count cap, the first rows' total marked "+" (at least that).
fn parse_tally(text: Option<String>) -> Result<RowCount> {
    let text = text.unwrap_or_else(|| "0".into());
    let (digits, more) = match text.strip_suffix('+') {
        Some(d) => (d, true),
        None => (text.as_str(), false),
    };
    let n: i64 = digits.parse().map_err(|_| DbError::Invalid(format!("'{text}' is not a count")))?;
    Ok(if more { RowCount::AtLeast(n) } else { RowCount::Exact(n) })
}

fn parse_id(text: &str) -> Result<Uuid> {
    Uuid::parse_str(text).map_err(|_| DbError::Invalid(format!("'{text}' is not one of our ids")))
}

/// A number read as text (NULL: `None`).
fn parse_opt<T: std::str::FromStr>(text: Option<String>) -> Result<Option<T>> {
    text.map(|t| t.parse().map_err(|_| DbError::Invalid(format!("'{t}' is not a number")))).transpose()
}
