//! The native schema: migrations, seed 000 fidelity, multi-dimension HNSW.

use ragdesk::db::MIGRATOR;
use sqlx::Row;

use crate::support;

#[tokio::test]
async fn migrations_apply_from_empty_and_rerun_is_a_noop() {
    let t = support::empty().await;
    t.db.migrate().await.expect("first run");
    let status = t.db.migration_status().await.unwrap();
    assert!(status.pending.is_empty());
    assert_eq!(status.applied, MIGRATOR.iter().count());
    let tables = |pool: sqlx::PgPool| async move {
        let rows: Vec<(String,)> = sqlx::query_as(
            "SELECT table_name::text FROM information_schema.tables WHERE table_schema = 'public' ORDER BY 1",
        )
        .fetch_all(&pool)
        .await
        .unwrap();
        rows.into_iter().map(|r| r.0).collect::<Vec<_>>()
    };
    let before = tables(t.db.pool.clone()).await;
    t.db.migrate().await.expect("second run is a no-op");
    assert_eq!(tables(t.db.pool.clone()).await, before);
    for table in [
        "tenants",
        "demos",
        "leads",
        "sessions",
        "messages",
        "knowledge_bases",
        "documents",
        "chunks",
        "rate_limits",
        "tenant_rate_limits",
        "audit_log",
    ] {
        assert!(before.contains(&table.to_string()), "{table} missing: {before:?}");
    }
    let limits: Vec<(String, i32)> =
        sqlx::query_as("SELECT key, value FROM rate_limits ORDER BY key").fetch_all(&t.db.pool).await.unwrap();
    assert_eq!(
        limits,
        vec![
            ("api_calls_per_minute".into(), 5),
            ("demos_per_hour".into(), 10),
            ("messages_per_demo".into(), 50),
            ("tokens_per_demo".into(), 10000)
        ]
    );
}

/// Every column of seed 000 with its type, nullability and default.
#[tokio::test]
async fn seed_000_columns_are_all_there() {
    let t = support::migrated().await;
    // (table, column, data type, nullable, default contains)
    let expected: &[(&str, &str, &str, &str, &str)] = &[
        ("demos", "id", "uuid", "NO", "gen_random_uuid()"),
        ("demos", "created_at", "timestamp with time zone", "NO", "now()"),
        ("demos", "expires_at", "timestamp with time zone", "YES", ""),
        ("demos", "company_name", "text", "YES", ""),
        ("demos", "industry", "text", "YES", ""),
        ("demos", "website_url", "text", "YES", ""),
        ("demos", "products_services", "ARRAY", "NO", "'{}'"),
        ("demos", "offers", "ARRAY", "NO", "'{}'"),
        ("demos", "qualification_criteria", "ARRAY", "NO", "'{}'"),
        ("demos", "logo_url", "text", "YES", ""),
        ("demos", "primary_color", "text", "NO", "'#2563EB'"),
        ("demos", "secondary_color", "text", "NO", "'#F8F9FA'"),
        ("demos", "mission_profile", "text", "YES", ""),
        ("demos", "openrouter_model", "text", "YES", ""),
        ("demos", "system_prompt", "text", "YES", ""),
        ("demos", "status", "text", "NO", "'draft'"),
        ("demos", "created_by", "text", "YES", ""),
        ("demos", "updated_at", "timestamp with time zone", "NO", "now()"),
        ("demos", "deleted_at", "timestamp with time zone", "YES", ""),
        ("demos", "current_step", "text", "YES", "'mission'"),
        ("demos", "knowledge_base_id", "uuid", "YES", ""),
        ("demos", "tenant_id", "uuid", "NO", ""),
        ("leads", "id", "uuid", "NO", "gen_random_uuid()"),
        ("leads", "demo_id", "uuid", "NO", ""),
        ("leads", "identifier", "text", "NO", ""),
        ("leads", "identifier_type", "text", "YES", ""),
        ("leads", "display_name", "text", "YES", ""),
        ("leads", "created_at", "timestamp with time zone", "NO", "now()"),
        ("leads", "last_seen_at", "timestamp with time zone", "NO", "now()"),
        ("leads", "metadata", "jsonb", "NO", "'{}'"),
        ("sessions", "id", "uuid", "NO", "gen_random_uuid()"),
        ("sessions", "lead_id", "uuid", "NO", ""),
        ("sessions", "demo_id", "uuid", "NO", ""),
        ("sessions", "channel", "text", "NO", "'chat'"),
        ("sessions", "created_at", "timestamp with time zone", "NO", "now()"),
        ("sessions", "ended_at", "timestamp with time zone", "YES", ""),
        ("sessions", "metadata", "jsonb", "NO", "'{}'"),
        ("messages", "id", "uuid", "NO", "gen_random_uuid()"),
        ("messages", "session_id", "uuid", "NO", ""),
        ("messages", "role", "text", "NO", ""),
        ("messages", "content", "text", "NO", ""),
        ("messages", "created_at", "timestamp with time zone", "NO", "now()"),
        ("messages", "token_count", "integer", "NO", "0"),
        ("messages", "metadata", "jsonb", "NO", "'{}'"),
        ("knowledge_bases", "id", "uuid", "NO", "gen_random_uuid()"),
        ("knowledge_bases", "demo_id", "uuid", "NO", ""),
        ("knowledge_bases", "name", "text", "NO", "'Default'"),
        ("knowledge_bases", "type", "text", "NO", "'custom'"),
        ("knowledge_bases", "created_at", "timestamp with time zone", "NO", "now()"),
        ("knowledge_bases", "embedding_model", "text", "NO", ""),
        ("knowledge_bases", "embedding_dim", "integer", "NO", ""),
        ("documents", "id", "uuid", "NO", "gen_random_uuid()"),
        ("documents", "kb_id", "uuid", "NO", ""),
        ("documents", "filename", "text", "NO", ""),
        ("documents", "content", "text", "NO", ""),
        ("documents", "chunk_count", "integer", "NO", "0"),
        ("documents", "created_at", "timestamp with time zone", "NO", "now()"),
        ("chunks", "id", "uuid", "NO", "gen_random_uuid()"),
        ("chunks", "kb_id", "uuid", "NO", ""),
        ("chunks", "document_id", "uuid", "NO", ""),
        ("chunks", "content", "text", "NO", ""),
        ("chunks", "embedding", "USER-DEFINED", "NO", ""),
        ("chunks", "chunk_index", "integer", "NO", ""),
        ("chunks", "created_at", "timestamp with time zone", "NO", "now()"),
        ("rate_limits", "key", "text", "NO", ""),
        ("rate_limits", "value", "integer", "NO", ""),
        ("rate_limits", "description", "text", "YES", ""),
    ];
    for (table, column, ty, nullable, default) in expected {
        let row = sqlx::query(
            "SELECT data_type::text, is_nullable::text, coalesce(column_default, '')::text FROM information_schema.columns \
             WHERE table_schema = 'public' AND table_name = $1 AND column_name = $2",
        )
        .bind(table)
        .bind(column)
        .fetch_optional(&t.db.pool)
        .await
        .unwrap()
        .unwrap_or_else(|| panic!("{table}.{column} is missing"));
        let (got_ty, got_null, got_default): (String, String, String) = (row.get(0), row.get(1), row.get(2));
        assert_eq!((got_ty.as_str(), got_null.as_str()), (*ty, *nullable), "{table}.{column}");
        assert!(got_default.contains(default), "{table}.{column} default {got_default:?} lacks {default:?}");
    }
    // Seed 000's indexes (by their columns) and the unique lead identifier.
    for (table, cols) in [
        ("demos", "(status)"),
        ("demos", "(created_by)"),
        ("demos", "(deleted_at)"),
        ("leads", "(demo_id)"),
        ("leads", "(demo_id, identifier)"),
        ("sessions", "(lead_id)"),
        ("sessions", "(demo_id)"),
        ("messages", "(session_id)"),
        ("messages", "(session_id, created_at)"),
        ("knowledge_bases", "(demo_id)"),
        ("documents", "(kb_id)"),
        ("chunks", "(kb_id)"),
    ] {
        let n: (i64,) =
            sqlx::query_as("SELECT count(*) FROM pg_indexes WHERE tablename = $1 AND indexdef LIKE '%' || $2")
                .bind(table)
                .bind(format!("USING btree {cols}"))
                .fetch_one(&t.db.pool)
                .await
                .unwrap();
        assert!(n.0 >= 1, "index on {table} {cols} missing");
    }
}

#[tokio::test]
async fn updated_at_trigger_and_constraints() {
    let t = support::seeded(3, support::tiny()).await;
    let pool = &t.db.pool;
    let (id, before): (uuid::Uuid, chrono::DateTime<chrono::Utc>) =
        sqlx::query_as("SELECT id, updated_at FROM demos LIMIT 1").fetch_one(pool).await.unwrap();
    sqlx::query("UPDATE demos SET industry = 'x' WHERE id = $1").bind(id).execute(pool).await.unwrap();
    let (after,): (chrono::DateTime<chrono::Utc>,) =
        sqlx::query_as("SELECT updated_at FROM demos WHERE id = $1").bind(id).fetch_one(pool).await.unwrap();
    assert!(after > before, "the trigger sets updated_at");
    for bad in [
        "UPDATE demos SET status = 'paused'",
        "UPDATE sessions SET channel = 'fax'",
        "UPDATE messages SET role = 'tool'",
        "UPDATE leads SET identifier_type = 'fax'",
        "INSERT INTO leads (demo_id, identifier) SELECT demo_id, identifier FROM leads LIMIT 1",
    ] {
        assert!(sqlx::query(bad).execute(pool).await.is_err(), "{bad} must be rejected");
    }
}

/// Inserts `n` random unit vectors of `dim` into a new knowledge base.
async fn fill_kb(pool: &sqlx::PgPool, demo: uuid::Uuid, dim: i32, model: &str, n: i32) -> uuid::Uuid {
    let (kb,): (uuid::Uuid,) = sqlx::query_as(
        "INSERT INTO knowledge_bases (demo_id, name, embedding_provider, embedding_model, embedding_dim) \
         VALUES ($1, $2, $3, $2, $4) RETURNING id",
    )
    .bind(demo)
    .bind(model)
    .bind(if dim == 384 { "local" } else { "openai" })
    .bind(dim)
    .fetch_one(pool)
    .await
    .unwrap();
    let (doc,): (uuid::Uuid,) =
        sqlx::query_as("INSERT INTO documents (kb_id, filename, content) VALUES ($1, 'x.txt', 'x') RETURNING id")
            .bind(kb)
            .fetch_one(pool)
            .await
            .unwrap();
    sqlx::query(
        "INSERT INTO chunks (kb_id, document_id, content, embedding, embedding_dim, chunk_index) \
         SELECT $1, $2, 'chunk ' || g, (SELECT array_agg(random() - 0.5)::vector FROM generate_series(1, $3) WHERE g > 0), $3, g \
         FROM generate_series(1, $4) g",
    )
    .bind(kb)
    .bind(doc)
    .bind(dim)
    .bind(n)
    .execute(pool)
    .await
    .unwrap();
    kb
}

#[tokio::test]
async fn hnsw_indexes_serve_both_dimensions() {
    let t = support::seeded(1, support::tiny()).await;
    let pool = &t.db.pool;
    let (demo,): (uuid::Uuid,) = sqlx::query_as("SELECT id FROM demos LIMIT 1").fetch_one(pool).await.unwrap();
    // Bulk load, then build the indexes (as ingest of a big corpus would).
    sqlx::query("DROP INDEX chunks_embedding_hnsw_384, chunks_embedding_hnsw_1536").execute(pool).await.unwrap();
    let kb384 = fill_kb(pool, demo, 384, "all-MiniLM-L6-v2", 3000).await;
    // (With default TOAST storage the 1536-d case chose a seq scan even at
    // 12,000 rows; see the SET STORAGE MAIN note in the migration.)
    let kb1536 = fill_kb(pool, demo, 1536, "text-embedding-3-small", 3000).await;
    sqlx::query("SET maintenance_work_mem = '256MB'").execute(pool).await.unwrap();
    for dim in [384, 1536] {
        sqlx::query("SELECT ensure_embedding_index($1)").bind(dim).execute(pool).await.unwrap();
    }
    sqlx::query("ANALYZE chunks").execute(pool).await.unwrap();

    for (kb, dim) in [(kb384, 384), (kb1536, 1536)] {
        let probe: String =
            sqlx::query_scalar("SELECT embedding::text FROM chunks WHERE kb_id = $1 ORDER BY chunk_index LIMIT 1")
                .bind(kb)
                .fetch_one(pool)
                .await
                .unwrap();
        let sql = format!(
            "EXPLAIN (FORMAT JSON) SELECT id FROM chunks WHERE embedding_dim = {dim} \
             ORDER BY embedding::vector({dim}) <=> '{probe}'::vector({dim}) LIMIT 10"
        );
        let plan: serde_json::Value = sqlx::query_scalar(&sql).fetch_one(pool).await.unwrap();
        let plan = plan.to_string();
        assert!(
            plan.contains(&format!("chunks_embedding_hnsw_{dim}")),
            "planner must use the {dim}-d HNSW index: {plan}"
        );

        // match_chunks finds the probe itself first, through the index.
        let rows: Vec<(uuid::Uuid, String, f64)> =
            sqlx::query_as("SELECT id, content, similarity FROM match_chunks($1, $2::vector, 0.0, 5)")
                .bind(kb)
                .bind(&probe)
                .fetch_all(pool)
                .await
                .unwrap();
        assert_eq!(rows.len(), 5);
        assert_eq!(rows[0].1, "chunk 1");
        assert!((rows[0].2 - 1.0).abs() < 1e-6, "{}", rows[0].2);
        assert!(rows.windows(2).all(|w| w[0].2 >= w[1].2), "ordered by similarity");
    }

    // A vector of the wrong dimension for its base is refused.
    let err = sqlx::query(
        "INSERT INTO chunks (kb_id, document_id, content, embedding, embedding_dim, chunk_index) \
         SELECT kb_id, document_id, 'bad', '[1,2,3]', 3, 0 FROM chunks WHERE kb_id = $1 LIMIT 1",
    )
    .bind(kb384)
    .execute(pool)
    .await
    .unwrap_err();
    assert!(err.to_string().contains("chunks_kb_dim_fkey"), "{err}");
}
