-- Paging keys that do not move and do not tie.
-- Leads are listed by when they were first seen (created_at, id): paging on
-- last_seen_at, which every new message moves, skipped or repeated leads.
CREATE INDEX leads_demo_created_idx ON leads (demo_id, created_at DESC, id DESC);
-- A document's chunks page on (chunk_index, id): the index alone may tie.
CREATE INDEX chunks_document_position_idx ON chunks (document_id, chunk_index, id);
-- Documents written by other tools may lack the size the list shows; fill
-- it once here so listing never reads a document's whole text.
UPDATE documents SET size_bytes = octet_length(content) WHERE size_bytes IS NULL;
-- The size of the extracted text, stored at ingest (the list used to
-- compute length(content), reading every document's whole text).
ALTER TABLE documents ADD COLUMN text_bytes bigint;
UPDATE documents SET text_bytes = octet_length(content);
