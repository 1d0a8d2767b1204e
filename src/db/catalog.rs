//! The tables and columns of the connected database, for matching schema
//! layouts (`crate::schema`). One bounded query over information_schema
//! (the system schemas left out).

use sqlx::PgConnection;

use super::Result;
use crate::schema::{Catalog, Column, Table};

pub async fn read(conn: &mut PgConnection) -> Result<Catalog> {
    let rows: Vec<(String, String, String, String, bool, bool, i32)> = sqlx::query_as(
        "SELECT table_schema::text, table_name::text, column_name::text, udt_name::text, is_nullable = 'YES', \
                column_default IS NOT NULL OR is_identity = 'YES' OR is_generated = 'ALWAYS', ordinal_position::int4 \
         FROM information_schema.columns \
         WHERE table_schema NOT IN ('pg_catalog', 'information_schema') AND table_schema NOT LIKE 'pg\\_%' \
         ORDER BY 1, 2, ordinal_position LIMIT 100000",
    )
    .fetch_all(&mut *conn)
    .await?;
    let mut catalog = Catalog::default();
    for (schema, table, column, udt, nullable, has_default, position) in rows {
        let c = Column { udt, nullable, has_default, position };
        catalog.tables.entry(Table { schema, name: table }).or_default().insert(column, c);
    }
    Ok(catalog)
}
