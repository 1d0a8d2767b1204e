//! Messages of a session, in conversation order (created_at, id).

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use sqlx::{FromRow, PgConnection};
use uuid::Uuid;

use super::{Cursor, Page, Result};

#[derive(Debug, Clone, PartialEq, FromRow, Serialize, Deserialize)]
pub struct MessageRow {
    pub id: Uuid,
    pub session_id: Uuid,
    pub role: String,
    pub content: String,
    pub created_at: DateTime<Utc>,
    pub token_count: i32,
    pub metadata: serde_json::Value,
}

impl MessageRow {
    pub fn cursor(&self) -> Cursor {
        Cursor { ts: self.created_at, id: self.id }
    }
}

/// One page of a transcript, oldest first, strictly after `after`.
pub async fn page(
    conn: &mut PgConnection,
    session: Uuid,
    after: Option<Cursor>,
    limit: u32,
) -> Result<Page<MessageRow>> {
    let rows: Vec<MessageRow> = match after {
        None => {
            sqlx::query_as(
                "SELECT id, session_id, role, content, created_at, token_count, metadata FROM messages \
             WHERE session_id = $1 ORDER BY created_at, id LIMIT $2",
            )
            .bind(session)
            .bind(limit as i64 + 1)
            .fetch_all(&mut *conn)
            .await?
        }
        Some(c) => {
            sqlx::query_as(
                "SELECT id, session_id, role, content, created_at, token_count, metadata FROM messages \
             WHERE session_id = $1 AND (created_at, id) > ($2, $3) ORDER BY created_at, id LIMIT $4",
            )
            .bind(session)
            .bind(c.ts)
            .bind(c.id)
            .bind(limit as i64 + 1)
            .fetch_all(&mut *conn)
            .await?
        }
    };
    Ok(Page::from_rows(rows, limit, MessageRow::cursor))
}

/// The whole transcript, fetched page by page (never one huge query).
pub async fn all(conn: &mut PgConnection, session: Uuid) -> Result<Vec<MessageRow>> {
    let mut out = Vec::new();
    let mut after = None;
    loop {
        let p = page(&mut *conn, session, after, 1000).await?;
        out.extend(p.rows);
        match p.next {
            Some(c) => after = Some(c),
            None => return Ok(out),
        }
    }
}
