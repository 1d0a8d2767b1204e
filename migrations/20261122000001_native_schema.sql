-- ragdesk native schema: seed 000 (demos, leads, sessions, messages, knowledge
-- bases, documents, chunks, rate limits) plus tenancy, multi-model embeddings,
-- per-tenant rate-limit overrides and a console audit log.
--
-- Defaults use gen_random_uuid() (core PostgreSQL since 13) where seed 000 says
-- uuid_generate_v4(): both produce random v4 UUIDs, and the uuid-ossp
-- extension is not available on every server (the bundled one lacks it).

CREATE EXTENSION IF NOT EXISTS vector;

-- Shared trigger function: seed 000's `updated_at` trigger.
CREATE OR REPLACE FUNCTION set_updated_at() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    NEW.updated_at := now();
    RETURN NEW;
END;
$$;

---------------------------------------------------------------------------
-- Tenancy: the top of the hierarchy (not in seed 000, which predates it).
---------------------------------------------------------------------------
CREATE TABLE tenants (
    id          uuid        PRIMARY KEY DEFAULT gen_random_uuid(),
    name        text        NOT NULL,
    slug        text        NOT NULL UNIQUE CHECK (slug ~ '^[a-z0-9][a-z0-9-]*$'),
    plan        text        NOT NULL DEFAULT 'free' CHECK (plan IN ('free', 'starter', 'pro', 'enterprise')),
    metadata    jsonb       NOT NULL DEFAULT '{}',
    created_at  timestamptz NOT NULL DEFAULT now(),
    updated_at  timestamptz NOT NULL DEFAULT now()
);
CREATE TRIGGER tenants_updated_at BEFORE UPDATE ON tenants
    FOR EACH ROW EXECUTE FUNCTION set_updated_at();
-- Console list order: most recent first, id breaks ties (keyset pagination).
CREATE INDEX tenants_created_at_id_idx ON tenants (created_at DESC, id DESC);

---------------------------------------------------------------------------
-- Knowledge bases record the embedding model that made their vectors and its
-- dimension, so 1536-d (text-embedding-3-small) and 384-d (all-MiniLM-L6-v2)
-- bases coexist in one database. demos.knowledge_base_id references this
-- table and knowledge_bases.demo_id references demos, so the demo FK is added
-- after both tables exist.
---------------------------------------------------------------------------
CREATE TABLE demos (
    id                      uuid        PRIMARY KEY DEFAULT gen_random_uuid(),
    tenant_id               uuid        NOT NULL REFERENCES tenants(id) ON DELETE CASCADE,
    created_at              timestamptz NOT NULL DEFAULT now(),
    expires_at              timestamptz,
    company_name            text,
    industry                text,
    website_url             text,
    products_services       text[]      NOT NULL DEFAULT '{}',
    offers                  text[]      NOT NULL DEFAULT '{}',
    qualification_criteria  text[]      NOT NULL DEFAULT '{}',
    logo_url                text,
    primary_color           text        NOT NULL DEFAULT '#2563EB',
    secondary_color         text        NOT NULL DEFAULT '#F8F9FA',
    mission_profile         text        CHECK (mission_profile IN ('reactivation', 'nurture', 'service', 'review')),
    openrouter_model        text,
    system_prompt           text,
    status                  text        NOT NULL DEFAULT 'draft' CHECK (status IN ('draft', 'active', 'expired', 'blueprint')),
    created_by              text,
    updated_at              timestamptz NOT NULL DEFAULT now(),
    deleted_at              timestamptz,
    current_step            text        DEFAULT 'mission',
    knowledge_base_id       uuid
);
CREATE INDEX idx_demos_status ON demos (status);
CREATE INDEX idx_demos_created_by ON demos (created_by);
CREATE INDEX idx_demos_deleted_at ON demos (deleted_at);
CREATE INDEX demos_tenant_created_idx ON demos (tenant_id, created_at DESC, id DESC);
CREATE INDEX demos_created_idx ON demos (created_at DESC, id DESC);
CREATE TRIGGER demos_updated_at BEFORE UPDATE ON demos
    FOR EACH ROW EXECUTE FUNCTION set_updated_at();

CREATE TABLE knowledge_bases (
    id                  uuid        PRIMARY KEY DEFAULT gen_random_uuid(),
    demo_id             uuid        NOT NULL REFERENCES demos(id) ON DELETE CASCADE,
    name                text        NOT NULL DEFAULT 'Default',
    type                text        NOT NULL DEFAULT 'custom'
                        CHECK (type IN ('product_catalog', 'faq', 'service_menu', 'review_template', 'custom')),
    created_at          timestamptz NOT NULL DEFAULT now(),
    -- Which provider/model made this base's vectors, and their dimension.
    -- Every chunk of the base must have exactly this dimension (see chunks).
    embedding_provider  text        NOT NULL DEFAULT 'openai' CHECK (embedding_provider IN ('openai', 'local')),
    embedding_model     text        NOT NULL DEFAULT 'text-embedding-3-small',
    embedding_dim       integer     NOT NULL DEFAULT 1536 CHECK (embedding_dim BETWEEN 1 AND 16000),
    chunk_tokens        integer     CHECK (chunk_tokens > 0),
    chunk_overlap       integer     CHECK (chunk_overlap >= 0),
    UNIQUE (id, embedding_dim)
);
CREATE INDEX idx_knowledge_bases_demo_id ON knowledge_bases (demo_id);

ALTER TABLE demos ADD CONSTRAINT demos_knowledge_base_id_fkey
    FOREIGN KEY (knowledge_base_id) REFERENCES knowledge_bases(id) ON DELETE SET NULL;

---------------------------------------------------------------------------
-- Leads, sessions, messages.
---------------------------------------------------------------------------
CREATE TABLE leads (
    id               uuid        PRIMARY KEY DEFAULT gen_random_uuid(),
    demo_id          uuid        NOT NULL REFERENCES demos(id) ON DELETE CASCADE,
    identifier       text        NOT NULL,
    identifier_type  text        CHECK (identifier_type IN ('email', 'phone', 'anonymous')),
    display_name     text,
    created_at       timestamptz NOT NULL DEFAULT now(),
    last_seen_at     timestamptz NOT NULL DEFAULT now(),
    metadata         jsonb       NOT NULL DEFAULT '{}',
    CONSTRAINT leads_demo_id_identifier_key UNIQUE (demo_id, identifier)
);
CREATE INDEX idx_leads_demo_id ON leads (demo_id);
CREATE INDEX idx_leads_demo_identifier ON leads (demo_id, identifier);
CREATE INDEX leads_demo_last_seen_idx ON leads (demo_id, last_seen_at DESC, id DESC);

CREATE TABLE sessions (
    id          uuid        PRIMARY KEY DEFAULT gen_random_uuid(),
    lead_id     uuid        NOT NULL REFERENCES leads(id) ON DELETE CASCADE,
    demo_id     uuid        NOT NULL REFERENCES demos(id) ON DELETE CASCADE,
    channel     text        NOT NULL DEFAULT 'chat' CHECK (channel IN ('chat', 'voice', 'sms')),
    created_at  timestamptz NOT NULL DEFAULT now(),
    ended_at    timestamptz,
    metadata    jsonb       NOT NULL DEFAULT '{}'
);
CREATE INDEX idx_sessions_lead_id ON sessions (lead_id);
CREATE INDEX idx_sessions_demo_id ON sessions (demo_id);
CREATE INDEX sessions_created_idx ON sessions (created_at DESC, id DESC);
CREATE INDEX sessions_demo_created_idx ON sessions (demo_id, created_at DESC, id DESC);
CREATE INDEX sessions_lead_created_idx ON sessions (lead_id, created_at DESC, id DESC);

CREATE TABLE messages (
    id           uuid        PRIMARY KEY DEFAULT gen_random_uuid(),
    session_id   uuid        NOT NULL REFERENCES sessions(id) ON DELETE CASCADE,
    role         text        NOT NULL CHECK (role IN ('system', 'user', 'assistant')),
    content      text        NOT NULL,
    created_at   timestamptz NOT NULL DEFAULT now(),
    token_count  integer     NOT NULL DEFAULT 0,
    metadata     jsonb       NOT NULL DEFAULT '{}'
);
CREATE INDEX idx_messages_session_id ON messages (session_id);
CREATE INDEX idx_messages_session_created ON messages (session_id, created_at);
-- Transcript keyset order (created_at, id); token_count is included so the
-- session list's per-session totals are index-only scans.
CREATE INDEX messages_session_created_id_idx ON messages (session_id, created_at, id) INCLUDE (token_count);

---------------------------------------------------------------------------
-- Documents and chunks.
--
-- Multi-model design: chunks.embedding is an unconstrained `vector`, and
-- chunks.embedding_dim records its dimension. A composite FK to
-- knowledge_bases(id, embedding_dim) plus a CHECK on vector_dims() guarantee
-- that every vector in a base has the base's dimension. HNSW needs a fixed
-- dimension, so there is one partial expression index per dimension:
--     USING hnsw ((embedding::vector(N)) vector_cosine_ops) WHERE embedding_dim = N
-- A query uses it when it filters on embedding_dim = N and orders by
-- embedding::vector(N) <=> $q::vector(N) (match_chunks below does exactly
-- that). One table keeps documents, chunk counts and deletes uniform across
-- models; a new dimension only needs one more partial index (see
-- ensure_embedding_index()).
---------------------------------------------------------------------------
CREATE TABLE documents (
    id           uuid        PRIMARY KEY DEFAULT gen_random_uuid(),
    kb_id        uuid        NOT NULL REFERENCES knowledge_bases(id) ON DELETE CASCADE,
    filename     text        NOT NULL,
    content      text        NOT NULL,
    chunk_count  integer     NOT NULL DEFAULT 0,
    created_at   timestamptz NOT NULL DEFAULT now(),
    -- Ingest bookkeeping (not in seed 000): detected format, original size
    -- and a content hash for duplicate detection.
    content_type text,
    size_bytes   bigint,
    content_sha256 text
);
CREATE INDEX idx_documents_kb_id ON documents (kb_id);
CREATE INDEX documents_kb_created_idx ON documents (kb_id, created_at DESC, id DESC);
CREATE INDEX documents_kb_sha_idx ON documents (kb_id, content_sha256);

CREATE TABLE chunks (
    id             uuid        PRIMARY KEY DEFAULT gen_random_uuid(),
    kb_id          uuid        NOT NULL REFERENCES knowledge_bases(id) ON DELETE CASCADE,
    document_id    uuid        NOT NULL REFERENCES documents(id) ON DELETE CASCADE,
    content        text        NOT NULL,
    embedding      vector      NOT NULL,
    embedding_dim  integer     NOT NULL,
    chunk_index    integer     NOT NULL,
    token_count    integer,
    created_at     timestamptz NOT NULL DEFAULT now(),
    CONSTRAINT chunks_embedding_dim_matches CHECK (vector_dims(embedding) = embedding_dim),
    CONSTRAINT chunks_kb_dim_fkey FOREIGN KEY (kb_id, embedding_dim)
        REFERENCES knowledge_bases(id, embedding_dim) ON DELETE CASCADE
);
-- Keep vectors inline (MAIN, not the default EXTENDED): a 1536-d vector is
-- ~6 KB, which still fits a page, but by default it is moved to TOAST. The
-- heap then looks tiny, the planner prices a seq scan as nearly free (the
-- TOAST fetches and distance computations are not in its estimate) and
-- picks it over HNSW even on tables of tens of thousands of rows. Inline
-- storage makes the estimate honest and seq scans cheaper too.
ALTER TABLE chunks ALTER COLUMN embedding SET STORAGE MAIN;
CREATE INDEX idx_chunks_kb_id ON chunks (kb_id);
CREATE INDEX idx_chunks_document_id ON chunks (document_id, chunk_index);

-- Creates the HNSW cosine index for one dimension if it is missing.
CREATE OR REPLACE FUNCTION ensure_embedding_index(dim integer) RETURNS void
LANGUAGE plpgsql AS $$
BEGIN
    IF dim > 2000 AND dim <> 1536 THEN
        -- pgvector's HNSW indexes `vector` up to 2000 dimensions; larger
        -- bases are searched exactly.
        RETURN;
    END IF;
    EXECUTE format(
        'CREATE INDEX IF NOT EXISTS %I ON chunks USING hnsw ((embedding::vector(%s)) vector_cosine_ops) WHERE embedding_dim = %s',
        'chunks_embedding_hnsw_' || dim, dim, dim);
END;
$$;
SELECT ensure_embedding_index(1536);
SELECT ensure_embedding_index(384);

-- Seed 000's RPC: cosine similarity search within one knowledge base. The
-- dimension is taken from the query vector so the matching partial HNSW index
-- is used; iterative scans keep LIMIT results coming when other bases share
-- the index.
CREATE OR REPLACE FUNCTION match_chunks(
    kb_id uuid,
    query_embedding vector,
    match_threshold double precision,
    match_count integer
) RETURNS TABLE (id uuid, document_id uuid, content text, chunk_index integer, similarity double precision)
LANGUAGE plpgsql STABLE
SET hnsw.iterative_scan = 'relaxed_order'
AS $$
DECLARE
    dim integer := vector_dims(query_embedding);
BEGIN
    RETURN QUERY EXECUTE format(
        'SELECT m.id, m.document_id, m.content, m.chunk_index, m.similarity FROM (
             SELECT c.id, c.document_id, c.content, c.chunk_index,
                    1 - (c.embedding::vector(%1$s) <=> $1::vector(%1$s)) AS similarity
             FROM chunks c
             WHERE c.kb_id = $2 AND c.embedding_dim = %1$s
             ORDER BY c.embedding::vector(%1$s) <=> $1::vector(%1$s)
             LIMIT $3) m
         WHERE m.similarity > $4
         ORDER BY m.similarity DESC', dim)
    USING query_embedding, kb_id, match_count, match_threshold;
END;
$$;

---------------------------------------------------------------------------
-- Rate limits: seed 000's global table with its four defaults, per-tenant
-- overrides, and an audit log of changes made through the console.
---------------------------------------------------------------------------
CREATE TABLE rate_limits (
    key          text    PRIMARY KEY,
    value        integer NOT NULL CHECK (value >= 0),
    description  text
);
INSERT INTO rate_limits (key, value, description) VALUES
    ('messages_per_demo', 50, 'Max messages per demo session'),
    ('demos_per_hour', 10, 'Max demos created per hour'),
    ('api_calls_per_minute', 5, 'Scraping rate limit'),
    ('tokens_per_demo', 10000, 'Max tokens per demo')
ON CONFLICT (key) DO NOTHING;

CREATE TABLE tenant_rate_limits (
    tenant_id   uuid        NOT NULL REFERENCES tenants(id) ON DELETE CASCADE,
    key         text        NOT NULL REFERENCES rate_limits(key) ON DELETE CASCADE,
    value       integer     NOT NULL CHECK (value >= 0),
    updated_at  timestamptz NOT NULL DEFAULT now(),
    updated_by  text,
    PRIMARY KEY (tenant_id, key)
);
CREATE TRIGGER tenant_rate_limits_updated_at BEFORE UPDATE ON tenant_rate_limits
    FOR EACH ROW EXECUTE FUNCTION set_updated_at();

CREATE TABLE audit_log (
    id          bigint      GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    at          timestamptz NOT NULL DEFAULT now(),
    actor       text        NOT NULL,
    action      text        NOT NULL,
    entity      text        NOT NULL,
    entity_key  text        NOT NULL,
    tenant_id   uuid        REFERENCES tenants(id) ON DELETE SET NULL,
    old_value   jsonb,
    new_value   jsonb,
    reason      text
);
CREATE INDEX audit_log_at_idx ON audit_log (at DESC, id DESC);
CREATE INDEX audit_log_entity_idx ON audit_log (entity, entity_key, at DESC);
