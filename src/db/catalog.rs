//! The tables and columns of the connected database, for matching schema
//! layouts (`crate::schema`). One bounded query over information_schema
//! (the system schemas left out).

use sqlx::PgConnection;

use super::Result;
use crate::schema::{Catalog, Column, Table};

pub async fn read(conn: &mut PgConnection) -> Result<Catalog> {
    let rows: Vec<(String, String, String, String, String, bool, bool, i32)> = sqlx::query_as(
        "SELECT table_schema::text, table_name::text, column_name::text, udt_schema::text, udt_name::text, \
                is_nullable = 'YES', \
                column_default IS NOT NULL OR is_identity = 'YES' OR is_generated = 'ALWAYS', ordinal_position::int4 \
         FROM information_schema.columns \
         WHERE table_schema NOT IN ('pg_catalog', 'information_schema') AND table_schema NOT LIKE 'pg\\_%' \
         ORDER BY 1, 2, ordinal_position LIMIT 100000",
    )
    .fetch_all(&mut *conn)
    .await?;
    let mut catalog = Catalog::default();
    for (schema, table, column, udt_schema, udt, nullable, has_default, position) in rows {
        let c = Column {
            udt,
            udt_schema,
            nullable,
            has_default,
            position,
            dim: None,
            index: None,
            index_ops: None,
            index_on_size: false,
            unique: false,
            leads_index: false,
            values: Vec::new(),
        };
        catalog.tables.entry(Table { schema, name: table }).or_default().insert(column, c);
    }
    // Vector dimensions (the type modifier), and the method and operator
    // class of each column's single-column index (a vector index first,
    // cosine first among several), else of a vector index on the column
    // cast to a size (ours: one per size, `(embedding)::vector(384)`, for a
    // layout's `dimension`): what a search on that column can use, and by
    // which distance. Whether a btree index starts with it: a list
    // narrowed by it (even to NULL) is then a range.
    let extra: Vec<(String, String, String, i32, Option<Vec<String>>, bool, bool)> = sqlx::query_as(
        "SELECT n.nspname::text, c.relname::text, a.attname::text, \
                CASE WHEN ty.typname = 'vector' THEN a.atttypmod ELSE -1 END, \
                coalesce((SELECT ARRAY[am.amname::text, oc.opcname::text, ''] FROM pg_index i \
                   JOIN pg_class ic ON ic.oid = i.indexrelid JOIN pg_am am ON am.oid = ic.relam \
                   JOIN pg_opclass oc ON oc.oid = i.indclass[0] \
                 WHERE i.indrelid = c.oid AND i.indnatts = 1 AND i.indkey[0] = a.attnum AND i.indpred IS NULL \
                 ORDER BY am.amname <> 'hnsw', am.amname <> 'ivfflat', oc.opcname <> 'vector_cosine_ops', \
                          am.amname, oc.opcname LIMIT 1), \
                 (SELECT ARRAY[am.amname::text, oc.opcname::text, 'sized'] FROM pg_index i \
                   JOIN pg_class ic ON ic.oid = i.indexrelid JOIN pg_am am ON am.oid = ic.relam \
                   JOIN pg_opclass oc ON oc.oid = i.indclass[0] \
                 WHERE ty.typname = 'vector' AND i.indrelid = c.oid AND i.indnatts = 1 AND i.indkey[0] = 0 \
                   AND am.amname IN ('hnsw', 'ivfflat') \
                   AND starts_with(pg_get_expr(i.indexprs, i.indrelid), '(' || quote_ident(a.attname) || ')::') \
                   AND pg_get_expr(i.indexprs, i.indrelid) ~ '^\\([^)]*\\)::([a-z_]+\\.)?vector\\([0-9]+\\)$' \
                 ORDER BY am.amname <> 'hnsw', oc.opcname <> 'vector_cosine_ops', oc.opcname LIMIT 1)), \
                EXISTS (SELECT 1 FROM pg_index u WHERE u.indrelid = c.oid AND u.indnatts = 1 \
                        AND u.indkey[0] = a.attnum AND u.indisunique AND u.indpred IS NULL), \
                EXISTS (SELECT 1 FROM pg_index l JOIN pg_class lc ON lc.oid = l.indexrelid \
                        JOIN pg_am lam ON lam.oid = lc.relam WHERE l.indrelid = c.oid \
                        AND l.indkey[0] = a.attnum AND l.indpred IS NULL AND lam.amname = 'btree' \
                        AND l.indisvalid) \
         FROM pg_attribute a JOIN pg_class c ON c.oid = a.attrelid JOIN pg_namespace n ON n.oid = c.relnamespace \
         JOIN pg_type ty ON ty.oid = a.atttypid \
         WHERE c.relkind IN ('r', 'p') AND a.attnum > 0 AND NOT a.attisdropped \
           AND n.nspname NOT IN ('pg_catalog', 'information_schema') AND n.nspname NOT LIKE 'pg\\_%' \
           AND (ty.typname = 'vector' OR EXISTS (SELECT 1 FROM pg_index i WHERE i.indrelid = c.oid \
                AND i.indkey[0] = a.attnum)) \
         LIMIT 100000",
    )
    .fetch_all(&mut *conn)
    .await?;
    for (schema, table, column, typmod, index, unique, leads_index) in extra {
        if let Some(c) = catalog.tables.get_mut(&Table { schema, name: table }).and_then(|t| t.get_mut(&column)) {
            c.dim = usize::try_from(typmod).ok().filter(|d| *d > 0);
            c.unique = unique;
            c.leads_index = leads_index;
            if let Some([method, ops, on]) = index.as_deref() {
                c.index = Some(method.clone());
                c.index_ops = Some(ops.clone());
                c.index_on_size = on == "sized";
            }
        }
    }
    // Every index of plain columns without a predicate, read once for two
    // uses: unique keys of several columns (a message's (session,
    // position): an order may end on one within its parent), and valid
    // btree indexes (which lists a page reads as an index range).
    let indexes: Vec<(String, String, Vec<String>, bool, bool)> = sqlx::query_as(
        "SELECT n.nspname::text, c.relname::text, array_agg(a.attname::text ORDER BY k.ord), \
                i.indisunique AND i.indnkeyatts > 1, am.amname = 'btree' AND i.indisvalid \
         FROM pg_index i JOIN pg_class c ON c.oid = i.indrelid JOIN pg_namespace n ON n.oid = c.relnamespace \
         JOIN pg_class ic ON ic.oid = i.indexrelid JOIN pg_am am ON am.oid = ic.relam \
         CROSS JOIN LATERAL unnest(i.indkey) WITH ORDINALITY AS k(attnum, ord) \
         JOIN pg_attribute a ON a.attrelid = c.oid AND a.attnum = k.attnum \
         WHERE i.indpred IS NULL AND k.ord <= i.indnkeyatts AND NOT 0 = ANY (i.indkey::int2[]) \
           AND n.nspname NOT IN ('pg_catalog', 'information_schema') AND n.nspname NOT LIKE 'pg\\_%' \
         GROUP BY n.nspname, c.relname, i.indexrelid, i.indisunique, i.indnkeyatts, am.amname, i.indisvalid \
         LIMIT 100000",
    )
    .fetch_all(&mut *conn)
    .await?;
    for (schema, name, columns, unique_key, btree) in indexes {
        let table = Table { schema, name };
        if unique_key {
            catalog.unique_keys.entry(table.clone()).or_default().push(columns.clone());
        }
        if btree {
            catalog.btree_indexes.entry(table).or_default().push(columns);
        }
    }
    // The values a column may hold, where the schema lists them: an enum's
    // labels, or a CHECK on that column alone (what a filter key's value is
    // checked against before anything is sent).
    let listed: Vec<(String, String, String, Option<Vec<String>>, Option<String>)> = sqlx::query_as(
        "SELECT n.nspname::text, c.relname::text, a.attname::text, \
                (SELECT array_agg(e.enumlabel::text ORDER BY e.enumsortorder) FROM pg_enum e \
                 WHERE e.enumtypid = a.atttypid), \
                NULL::text \
         FROM pg_attribute a JOIN pg_class c ON c.oid = a.attrelid JOIN pg_namespace n ON n.oid = c.relnamespace \
         JOIN pg_type ty ON ty.oid = a.atttypid \
         WHERE c.relkind IN ('r', 'p') AND a.attnum > 0 AND NOT a.attisdropped AND ty.typtype = 'e' \
           AND n.nspname NOT IN ('pg_catalog', 'information_schema') AND n.nspname NOT LIKE 'pg\\_%' \
         UNION ALL \
         SELECT n.nspname::text, c.relname::text, a.attname::text, NULL, pg_get_constraintdef(co.oid) \
         FROM pg_constraint co JOIN pg_class c ON c.oid = co.conrelid JOIN pg_namespace n ON n.oid = c.relnamespace \
         JOIN pg_attribute a ON a.attrelid = c.oid AND a.attnum = co.conkey[1] \
         WHERE co.contype = 'c' AND co.convalidated AND cardinality(co.conkey) = 1 \
           AND n.nspname NOT IN ('pg_catalog', 'information_schema') AND n.nspname NOT LIKE 'pg\\_%' \
         LIMIT 100000",
    )
    .fetch_all(&mut *conn)
    .await?;
    for (schema, table, column, labels, check) in listed {
        let Some(values) = labels.or_else(|| check.as_deref().and_then(|c| listed_values(c, &column))) else {
            continue;
        };
        if let Some(c) = catalog.tables.get_mut(&Table { schema, name: table }).and_then(|t| t.get_mut(&column)) {
            // Two lists on one column: a value must be in both.
            c.values = if c.values.is_empty() {
                values
            } else {
                values.into_iter().filter(|v| c.values.contains(v)).collect()
            };
        }
    }
    // The tables' row estimates: what reading a list no index serves costs.
    let estimates: Vec<(String, String, i64)> = sqlx::query_as(
        "SELECT n.nspname::text, c.relname::text, c.reltuples::int8 FROM pg_class c \
         JOIN pg_namespace n ON n.oid = c.relnamespace WHERE c.relkind IN ('r', 'p') \
           AND n.nspname NOT IN ('pg_catalog', 'information_schema') AND n.nspname NOT LIKE 'pg\\_%' LIMIT 100000",
    )
    .fetch_all(&mut *conn)
    .await?;
    for (schema, table, rows) in estimates {
        catalog.estimated_rows.insert(Table { schema, name: table }, rows);
    }
    Ok(catalog)
}

/// The values a CHECK constraint of one column allows, when it is a list
/// and nothing else: `CHECK ((channel = ANY (ARRAY['chat'::text, …])))`, as
/// the server prints `channel IN ('chat', …)`, a varchar's with its casts.
/// `None` for any other condition (a range, a pattern, a list OR'ed with
/// something, a list an expression of the column is compared with), whose
/// values are not a list of the column's.
fn listed_values(definition: &str, column: &str) -> Option<Vec<String>> {
    // The literals, and the condition with each one as `?`.
    let mut values = Vec::new();
    let mut shape = String::new();
    let mut chars = definition.chars().peekable();
    while let Some(c) = chars.next() {
        if c != '\'' {
            shape.push(c);
            continue;
        }
        let mut literal = String::new();
        loop {
            match chars.next()? {
                '\'' if chars.peek() == Some(&'\'') => {
                    chars.next();
                    literal.push('\'');
                }
                '\'' => break,
                other => literal.push(other),
            }
        }
        values.push(literal);
        shape.push('?');
    }
    let once = |needle: &str| shape.matches(needle).count() == 1;
    let other_logic = [" AND ", " OR ", "NOT ", "<>", "!=", "~", "<", ">"].iter().any(|w| shape.contains(w));
    if !(shape.starts_with("CHECK (") && once(" = ANY (") && once("ARRAY[") && !other_logic && !values.is_empty()) {
        return None;
    }
    // What is compared: the column itself (in parentheses, cast to text).
    let (left, right) = shape["CHECK (".len()..].split_once(" = ANY (")?;
    let bare = left.trim_start_matches('(').trim_end_matches(')');
    let bare = bare.strip_suffix("::text").unwrap_or(bare).trim_end_matches(')').trim_start_matches('(');
    let quoted = format!("\"{}\"", column.replace('"', "\"\""));
    if bare != column && bare != quoted {
        return None;
    }
    // Every literal inside the array.
    let array = right.split_once("ARRAY[")?.1.split_once(']')?.0;
    (array.matches('?').count() == values.len()).then_some(values)
}

#[cfg(test)]
mod tests {
    use super::listed_values;

    #[test]
    fn a_check_that_lists_values_gives_them_and_any_other_check_gives_none() {
        // As the server prints them (pg_get_constraintdef).
        let listed = "CHECK ((channel = ANY (ARRAY['chat'::text, 'voice'::text, 'sms'::text])))";
        assert_eq!(listed_values(listed, "channel"), Some(vec!["chat".into(), "voice".into(), "sms".into()]));
        let varchar = "CHECK (((status)::text = ANY ((ARRAY['open'::character varying, 'it''s done'::character varying])::text[])))";
        assert_eq!(listed_values(varchar, "status"), Some(vec!["open".into(), "it's done".into()]));
        let quoted = r#"CHECK (("Kind" = ANY (ARRAY['a'::text, 'b'::text])))"#;
        assert_eq!(listed_values(quoted, "Kind"), Some(vec!["a".into(), "b".into()]));
        // Another column's list, or an expression of this one: not its values.
        assert_eq!(listed_values(listed, "medium"), None);
        let part = "CHECK ((split_part(email, '@'::text, 2) = ANY (ARRAY['a.com'::text])))";
        assert_eq!(listed_values(part, "email"), None);
        for other in [
            "CHECK ((slug ~ '^[a-z0-9][a-z0-9-]*$'::text))",
            "CHECK (((embedding_dim >= 1) AND (embedding_dim <= 16000)))",
            "CHECK ((value >= 0))",
            "CHECK (((status IS NULL) OR (status = ANY (ARRAY['a'::text, 'b'::text]))))",
            "CHECK ((NOT (status = ANY (ARRAY['a'::text]))))",
            "CHECK ((status <> ALL (ARRAY['a'::text])))",
            "CHECK ((char_length(name) >= 1))",
        ] {
            assert_eq!(listed_values(other, "status"), None, "{other}");
        }
    }
}
