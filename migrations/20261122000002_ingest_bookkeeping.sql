-- Ingest bookkeeping: where each chunk sits in its document's extracted text
-- (byte offsets into documents.content), so the console can show chunk
-- boundaries and why a chunk matched.
ALTER TABLE chunks ADD COLUMN start_offset integer;
ALTER TABLE chunks ADD COLUMN end_offset integer;
-- Knowledge bases of a demo, newest first.
CREATE INDEX knowledge_bases_demo_created_idx ON knowledge_bases (demo_id, created_at DESC, id DESC);
