-- Seed 004 ("Supabase Omni", 004_d5af4a63e5b7d4b5.txt), its schema as documented:
-- every table of "Detailed Schema" with its columns as listed, in that
-- order, and the indexes named under "Indexes". The document names them and
-- what they serve, not their columns; the columns here are a reading of
-- that, and two are guesses: "recently active pages (last 7 days)" cannot be
-- an index predicate (now() is not immutable), so it is pages with status
-- 'completed'; "customer training data by type" indexes training_data's
-- user_id, as that table has no customer column. Left out: row-level
-- security, the "automatic triggers", and the tables the document lists
-- without columns. Supabase's auth.users is reduced to what the references
-- need.
CREATE EXTENSION IF NOT EXISTS vector;
-- uuid-ossp and pg_trgm as the document asks, where the server has them;
-- uuid_generate_v4() otherwise stands in with core gen_random_uuid() (the
-- same version-4 UUIDs), and trigram search is simply not there.
DO $$
BEGIN
    CREATE EXTENSION IF NOT EXISTS "uuid-ossp";
EXCEPTION WHEN OTHERS THEN
    CREATE OR REPLACE FUNCTION public.uuid_generate_v4() RETURNS uuid LANGUAGE sql AS 'SELECT gen_random_uuid()';
END
$$;
DO $$
BEGIN
    CREATE EXTENSION IF NOT EXISTS pg_trgm;
EXCEPTION WHEN OTHERS THEN
    RAISE NOTICE 'pg_trgm is not available on this server';
END
$$;
CREATE SCHEMA IF NOT EXISTS auth;
CREATE TABLE IF NOT EXISTS auth.users (
    id         uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    email      text UNIQUE,
    created_at timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE public.customers (
    id                          UUID PRIMARY KEY DEFAULT uuid_generate_v4(),
    auth_user_id                UUID REFERENCES auth.users(id) ON DELETE CASCADE,
    email                       TEXT UNIQUE NOT NULL,
    name                        TEXT,
    company_name                TEXT,
    created_at                  TIMESTAMPTZ DEFAULT NOW(),
    updated_at                  TIMESTAMPTZ DEFAULT NOW()
);

CREATE TABLE public.customer_configs (
    id                          UUID PRIMARY KEY DEFAULT uuid_generate_v4(),
    customer_id                 UUID REFERENCES customers(id) ON DELETE CASCADE,
    domain                      TEXT UNIQUE NOT NULL,
    business_name               TEXT,
    business_description        TEXT,
    primary_color               TEXT DEFAULT '#000000',
    welcome_message             TEXT,
    suggested_questions         JSONB DEFAULT '[]'::jsonb,
    woocommerce_url             TEXT,
    woocommerce_consumer_key    TEXT,
    woocommerce_consumer_secret TEXT,
    encrypted_credentials       JSONB,
    owned_domains               TEXT[] DEFAULT '{}',
    rate_limit                  INTEGER DEFAULT 10,
    allowed_origins             TEXT[] DEFAULT ARRAY['*'],
    active                      BOOLEAN DEFAULT true,
    created_at                  TIMESTAMPTZ DEFAULT NOW(),
    updated_at                  TIMESTAMPTZ DEFAULT NOW()
);

CREATE TABLE public.domains (
    id                          UUID PRIMARY KEY DEFAULT uuid_generate_v4(),
    user_id                     UUID REFERENCES auth.users(id) ON DELETE CASCADE,
    domain                      TEXT UNIQUE NOT NULL,
    name                        TEXT,
    description                 TEXT,
    last_scraped_at             TIMESTAMPTZ,
    last_content_refresh        TIMESTAMPTZ,
    scrape_frequency            TEXT DEFAULT 'weekly',
    active                      BOOLEAN DEFAULT true,
    created_at                  TIMESTAMPTZ DEFAULT NOW(),
    updated_at                  TIMESTAMPTZ DEFAULT NOW()
);

CREATE TABLE public.scraped_pages (
    id                          UUID PRIMARY KEY DEFAULT uuid_generate_v4(),
    domain_id                   UUID REFERENCES domains(id) ON DELETE CASCADE,
    url                         TEXT NOT NULL,
    title                       TEXT,
    content                     TEXT,
    html                        TEXT,
    metadata                    JSONB DEFAULT '{}'::jsonb,
    status                      TEXT DEFAULT 'pending',
    error_message               TEXT,
    scraped_at                  TIMESTAMPTZ,
    last_modified               TIMESTAMPTZ,
    created_at                  TIMESTAMPTZ DEFAULT NOW()
);

CREATE TABLE public.website_content (
    id                          UUID PRIMARY KEY DEFAULT uuid_generate_v4(),
    domain_id                   UUID REFERENCES domains(id) ON DELETE CASCADE,
    url                         TEXT NOT NULL,
    title                       TEXT,
    content                     TEXT,
    summary                     TEXT,
    content_type                TEXT,
    content_hash                TEXT,
    metadata                    JSONB DEFAULT '{}'::jsonb,
    scraped_at                  TIMESTAMPTZ,
    created_at                  TIMESTAMPTZ DEFAULT NOW(),
    updated_at                  TIMESTAMPTZ DEFAULT NOW()
);

CREATE TABLE public.structured_extractions (
    id                          UUID PRIMARY KEY DEFAULT uuid_generate_v4(),
    domain_id                   UUID REFERENCES domains(id) ON DELETE CASCADE,
    url                         TEXT NOT NULL,
    extract_type                TEXT NOT NULL,
    extracted_data              JSONB NOT NULL,
    schema_used                 JSONB,
    confidence_score            FLOAT,
    extracted_at                TIMESTAMPTZ,
    created_at                  TIMESTAMPTZ DEFAULT NOW()
);

CREATE TABLE public.content_refresh_jobs (
    id                          UUID PRIMARY KEY DEFAULT uuid_generate_v4(),
    domain_id                   UUID REFERENCES domains(id) ON DELETE CASCADE,
    job_type                    TEXT NOT NULL,
    status                      TEXT DEFAULT 'pending',
    started_at                  TIMESTAMPTZ,
    completed_at                TIMESTAMPTZ,
    error_message               TEXT,
    metadata                    JSONB DEFAULT '{}'::jsonb,
    created_at                  TIMESTAMPTZ DEFAULT NOW(),
    updated_at                  TIMESTAMPTZ DEFAULT NOW()
);

CREATE TABLE public.page_embeddings (
    id                          UUID PRIMARY KEY DEFAULT uuid_generate_v4(),
    page_id                     UUID REFERENCES scraped_pages(id) ON DELETE CASCADE,
    chunk_text                  TEXT NOT NULL,
    embedding                   vector(1536),
    metadata                    JSONB DEFAULT '{}'::jsonb,
    created_at                  TIMESTAMPTZ DEFAULT NOW()
);

CREATE TABLE public.ai_optimized_content (
    id                          UUID PRIMARY KEY DEFAULT uuid_generate_v4(),
    domain_id                   UUID REFERENCES domains(id) ON DELETE CASCADE,
    source_content_id           UUID REFERENCES website_content(id) ON DELETE CASCADE,
    url                         TEXT NOT NULL,
    content_type                TEXT NOT NULL,
    raw_content                 TEXT,
    raw_html                    TEXT,
    optimized_title             TEXT,
    optimized_summary           TEXT,
    optimized_content           TEXT,
    key_points                  JSONB DEFAULT '[]'::jsonb,
    topics                      JSONB DEFAULT '[]'::jsonb,
    meta_title                  TEXT,
    meta_description            TEXT,
    keywords                    TEXT[],
    structured_data             JSONB DEFAULT '{}'::jsonb,
    readability_score           REAL,
    content_quality_score       REAL,
    seo_score                   REAL,
    ai_model_used               TEXT,
    processing_version          TEXT,
    processing_tokens           INTEGER,
    processing_cost             DECIMAL(10,4),
    processed_at                TIMESTAMPTZ,
    created_at                  TIMESTAMPTZ DEFAULT NOW(),
    updated_at                  TIMESTAMPTZ DEFAULT NOW()
);

CREATE TABLE public.training_data (
    id                          UUID PRIMARY KEY DEFAULT uuid_generate_v4(),
    user_id                     UUID REFERENCES auth.users(id) ON DELETE CASCADE,
    domain_id                   UUID REFERENCES domains(id) ON DELETE CASCADE,
    type                        TEXT NOT NULL,
    input_text                  TEXT NOT NULL,
    output_text                 TEXT NOT NULL,
    metadata                    JSONB DEFAULT '{}'::jsonb,
    status                      TEXT DEFAULT 'pending',
    created_at                  TIMESTAMPTZ DEFAULT NOW(),
    updated_at                  TIMESTAMPTZ DEFAULT NOW()
);

CREATE TABLE public.conversations (
    id                          UUID PRIMARY KEY DEFAULT uuid_generate_v4(),
    customer_id                 UUID REFERENCES customers(id) ON DELETE CASCADE,
    domain_id                   UUID REFERENCES domains(id) ON DELETE CASCADE,
    session_id                  TEXT,
    started_at                  TIMESTAMPTZ DEFAULT NOW(),
    ended_at                    TIMESTAMPTZ,
    metadata                    JSONB DEFAULT '{}'::jsonb,
    created_at                  TIMESTAMPTZ DEFAULT NOW()
);

CREATE TABLE public.messages (
    id                          UUID PRIMARY KEY DEFAULT uuid_generate_v4(),
    conversation_id             UUID REFERENCES conversations(id) ON DELETE CASCADE,
    role                        TEXT NOT NULL,
    content                     TEXT NOT NULL,
    metadata                    JSONB DEFAULT '{}'::jsonb,
    created_at                  TIMESTAMPTZ DEFAULT NOW()
);

-- Indexes (section "Indexes").
CREATE INDEX idx_scraped_pages_url ON public.scraped_pages (url);
CREATE INDEX idx_scraped_pages_domain ON public.scraped_pages (domain_id);
CREATE INDEX idx_website_content_url ON public.website_content (url);
CREATE INDEX idx_customer_configs_domain ON public.customer_configs (domain);
CREATE INDEX idx_page_embeddings_vector ON public.page_embeddings USING ivfflat (embedding vector_cosine_ops) WITH (lists = 100);
CREATE INDEX idx_scraped_pages_last_scraped ON public.scraped_pages (scraped_at DESC);
CREATE INDEX idx_conversations_created_at ON public.conversations (created_at DESC);
CREATE INDEX idx_messages_created_at ON public.messages (created_at DESC);
CREATE INDEX idx_scraped_pages_metadata_gin ON public.scraped_pages USING gin (metadata);
CREATE INDEX idx_page_embeddings_metadata_gin ON public.page_embeddings USING gin (metadata);
CREATE INDEX idx_scraped_pages_domain_scraped ON public.scraped_pages (domain_id, scraped_at DESC);
CREATE INDEX idx_messages_conversation_created ON public.messages (conversation_id, created_at);
CREATE INDEX idx_training_data_customer_type ON public.training_data (user_id, type);
CREATE INDEX idx_scraped_pages_active ON public.scraped_pages (domain_id, scraped_at DESC) WHERE status = 'completed';
CREATE INDEX idx_customer_configs_active_woo ON public.customer_configs (domain) WHERE woocommerce_url IS NOT NULL;
