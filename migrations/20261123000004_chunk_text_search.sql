-- Full-text search over chunks, for hybrid retrieval (vector ranking fused
-- with text ranking). The 'simple' configuration: no stemming and no stop
-- words, so it works the same for every language a knowledge base holds.
ALTER TABLE chunks ADD COLUMN content_tsv tsvector GENERATED ALWAYS AS (to_tsvector('simple', content)) STORED;
CREATE INDEX chunks_content_tsv_idx ON chunks USING gin (content_tsv);
