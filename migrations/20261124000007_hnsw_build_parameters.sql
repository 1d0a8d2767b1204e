-- HNSW indexes built with m = 24, ef_construction = 128 instead of
-- pgvector's defaults (16, 64). Measured at 1,000,000 clustered 384-d
-- chunks on this 2-core machine (BENCHMARKS.md, "Similarity search"):
-- the defaults found 65% of the true top 10 at ef_search 40 and needed
-- ef_search 200 (12.9 ms p50) for 95%; these find 96% at ef_search 40
-- (5.8 ms p50) and all of it at ef_search 100 (7.8 ms). The price is a
-- longer build (20 min for 1M rows here) and a slower insert per chunk.
CREATE OR REPLACE FUNCTION ensure_embedding_index(dim integer) RETURNS void
LANGUAGE plpgsql AS $$
BEGIN
    IF dim > 2000 AND dim <> 1536 THEN
        -- pgvector's HNSW indexes `vector` up to 2000 dimensions; larger
        -- bases are searched exactly.
        RETURN;
    END IF;
    EXECUTE format(
        'CREATE INDEX IF NOT EXISTS %I ON chunks USING hnsw ((embedding::vector(%s)) vector_cosine_ops) '
        'WITH (m = 24, ef_construction = 128) WHERE embedding_dim = %s',
        'chunks_embedding_hnsw_' || dim, dim, dim);
END;
$$;

-- Existing indexes are rebuilt with the new parameters where that is quick
-- (up to 100,000 chunks of that dimension). A bigger one is left as it is,
-- with a notice: rebuilding it takes minutes to hours, which a migration
-- must not do unasked. To rebuild it later:
--   DROP INDEX chunks_embedding_hnsw_384; SELECT ensure_embedding_index(384);
DO $$
DECLARE
    idx record;
    dim integer;
    rows bigint;
BEGIN
    FOR idx IN SELECT c.relname FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
               WHERE n.nspname = current_schema() AND c.relname LIKE 'chunks\_embedding\_hnsw\_%' LOOP
        dim := substring(idx.relname FROM 'chunks_embedding_hnsw_([0-9]+)')::integer;
        SELECT count(*) INTO rows FROM (SELECT 1 FROM chunks WHERE embedding_dim = dim LIMIT 100001) s;
        IF rows <= 100000 THEN
            EXECUTE format('DROP INDEX %I', idx.relname);
            PERFORM ensure_embedding_index(dim);
        ELSE
            RAISE NOTICE '% has over 100,000 chunks: left with its old build parameters (see this migration to rebuild it)', idx.relname;
        END IF;
    END LOOP;
END;
$$;
