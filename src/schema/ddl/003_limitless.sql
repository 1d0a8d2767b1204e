-- Seed 003 ("Limitless OS", 003_aa265139879f6ac1.txt), its schema as
-- documented: the Drizzle definitions of "Drizzle Schema Definitions"
-- translated to SQL column by column (Drizzle's timestamp() is `timestamp`
-- without time zone; text ids as declared), the LangGraph tables as the
-- document describes them ("reference only": LangGraph's own layout, with
-- the primary key it names), and the indexes of each section. Left out:
-- row-level security (Supabase's auth.uid()).
CREATE EXTENSION IF NOT EXISTS vector;

-- 1. LangGraph tables.
CREATE TABLE checkpoints (
    thread_id            text NOT NULL,
    checkpoint_id        text NOT NULL,
    parent_checkpoint_id text,
    checkpoint           jsonb NOT NULL,
    metadata             jsonb,
    created_at           timestamp NOT NULL DEFAULT now(),
    PRIMARY KEY (thread_id, checkpoint_id)
);
CREATE TABLE checkpoint_writes (
    thread_id     text NOT NULL,
    checkpoint_id text NOT NULL,
    task_id       text NOT NULL,
    idx           integer NOT NULL,
    channel       text NOT NULL,
    value         jsonb,
    created_at    timestamp NOT NULL DEFAULT now()
);

-- 2. Owners.
CREATE TABLE owners (
    id               text PRIMARY KEY DEFAULT 'owner-001',
    email            text NOT NULL UNIQUE,
    name             text NOT NULL,
    instagram_handle text,
    supabase_user_id text NOT NULL UNIQUE,
    created_at       timestamp NOT NULL DEFAULT now(),
    last_login_at    timestamp,
    is_active        boolean NOT NULL DEFAULT true
);
CREATE INDEX idx_owners_supabase_user_id ON owners(supabase_user_id);
CREATE INDEX idx_owners_email ON owners(email);

-- 3. Campaigns.
CREATE TABLE campaigns (
    id                  text PRIMARY KEY DEFAULT gen_random_uuid(),
    code                text NOT NULL UNIQUE,
    name                text NOT NULL,
    description         text,
    owner_id            text NOT NULL REFERENCES owners(id),
    platform            text,
    is_active           boolean NOT NULL DEFAULT true,
    total_clicks        integer NOT NULL DEFAULT 0,
    total_conversations integer NOT NULL DEFAULT 0,
    total_qualified     integer NOT NULL DEFAULT 0,
    total_conversions   integer NOT NULL DEFAULT 0,
    created_at          timestamp NOT NULL DEFAULT now(),
    updated_at          timestamp NOT NULL DEFAULT now()
);
CREATE UNIQUE INDEX idx_campaigns_code ON campaigns(code);
CREATE INDEX idx_campaigns_owner_id ON campaigns(owner_id);
CREATE INDEX idx_campaigns_is_active ON campaigns(is_active) WHERE is_active = true;

-- 4. Documents.
CREATE TABLE documents (
    id                 text PRIMARY KEY DEFAULT gen_random_uuid(),
    filename           text NOT NULL,
    file_type          text NOT NULL,
    file_size          integer NOT NULL,
    storage_url        text NOT NULL,
    storage_bucket     text NOT NULL,
    owner_id           text NOT NULL REFERENCES owners(id),
    category           text,
    tags               jsonb,
    processing_status  text NOT NULL DEFAULT 'pending',
    embeddings_created boolean NOT NULL DEFAULT false,
    total_chunks       integer DEFAULT 0,
    version            integer NOT NULL DEFAULT 1,
    replaced_by_id     text REFERENCES documents(id),
    created_at         timestamp NOT NULL DEFAULT now(),
    processed_at       timestamp
);
CREATE INDEX idx_documents_owner_id ON documents(owner_id);
CREATE INDEX idx_documents_category ON documents(category);
CREATE INDEX idx_documents_processing_status ON documents(processing_status);
CREATE INDEX idx_documents_created_at ON documents(created_at DESC);

-- 5. Document embeddings.
CREATE TABLE document_embeddings (
    id             text PRIMARY KEY DEFAULT gen_random_uuid(),
    document_id    text NOT NULL REFERENCES documents(id) ON DELETE CASCADE,
    chunk_index    integer NOT NULL,
    chunk_text     text NOT NULL,
    chunk_metadata jsonb,
    embedding      vector(1536) NOT NULL,
    created_at     timestamp NOT NULL DEFAULT now()
);
CREATE INDEX idx_document_embeddings_vector ON document_embeddings USING hnsw (embedding vector_cosine_ops);
CREATE INDEX idx_document_embeddings_document_id ON document_embeddings(document_id);
CREATE INDEX idx_document_embeddings_chunk_index ON document_embeddings(chunk_index);

-- 6. Conversations (the id is LangGraph's thread_id).
CREATE TABLE conversations (
    id                  text PRIMARY KEY,
    instagram_handle    text NOT NULL,
    email               text,
    campaign_id         text NOT NULL REFERENCES campaigns(id),
    campaign_code       text NOT NULL,
    current_stage       text NOT NULL,
    qualified           boolean NOT NULL DEFAULT false,
    qualification_score real DEFAULT 0,
    business_type       text,
    monthly_revenue     text,
    main_pain_point     text,
    pitch_delivered     boolean NOT NULL DEFAULT false,
    pitch_type          text,
    payment_link_sent   boolean NOT NULL DEFAULT false,
    payment_completed   boolean NOT NULL DEFAULT false,
    preferred_plan      text,
    total_messages      integer NOT NULL DEFAULT 0,
    total_sessions      integer NOT NULL DEFAULT 1,
    followup_count      integer NOT NULL DEFAULT 0,
    created_at          timestamp NOT NULL DEFAULT now(),
    last_message_at     timestamp NOT NULL DEFAULT now(),
    completed_at        timestamp
);
CREATE INDEX idx_conversations_instagram_handle ON conversations(instagram_handle);
CREATE INDEX idx_conversations_campaign_id ON conversations(campaign_id);
CREATE INDEX idx_conversations_current_stage ON conversations(current_stage);
CREATE INDEX idx_conversations_qualified ON conversations(qualified) WHERE qualified = true;
CREATE INDEX idx_conversations_created_at ON conversations(created_at DESC);
CREATE INDEX idx_conversations_last_message_at ON conversations(last_message_at DESC);

-- 7. Analytics events.
CREATE TABLE analytics_events (
    id              text PRIMARY KEY DEFAULT gen_random_uuid(),
    conversation_id text REFERENCES conversations(id),
    campaign_id     text REFERENCES campaigns(id),
    event_type      text NOT NULL,
    event_data      jsonb,
    created_at      timestamp NOT NULL DEFAULT now()
);
CREATE INDEX idx_analytics_events_conversation_id ON analytics_events(conversation_id);
CREATE INDEX idx_analytics_events_campaign_id ON analytics_events(campaign_id);
CREATE INDEX idx_analytics_events_event_type ON analytics_events(event_type);
CREATE INDEX idx_analytics_events_created_at ON analytics_events(created_at DESC);

-- 8. Payments.
CREATE TABLE payments (
    id                     text PRIMARY KEY DEFAULT gen_random_uuid(),
    conversation_id        text NOT NULL REFERENCES conversations(id),
    campaign_id            text NOT NULL REFERENCES campaigns(id),
    instagram_handle       text NOT NULL,
    email                  text NOT NULL,
    stripe_session_id      text NOT NULL UNIQUE,
    stripe_customer_id     text,
    stripe_subscription_id text,
    plan                   text NOT NULL,
    amount_monthly         integer NOT NULL,
    amount_onetime         integer,
    currency               text NOT NULL DEFAULT 'usd',
    payment_status         text NOT NULL,
    created_at             timestamp NOT NULL DEFAULT now(),
    completed_at           timestamp
);
CREATE INDEX idx_payments_conversation_id ON payments(conversation_id);
CREATE INDEX idx_payments_campaign_id ON payments(campaign_id);
CREATE INDEX idx_payments_stripe_session_id ON payments(stripe_session_id);
CREATE INDEX idx_payments_payment_status ON payments(payment_status);
CREATE INDEX idx_payments_created_at ON payments(created_at DESC);

-- LangGraph checkpoint lookups ("Indexes & Performance").
CREATE INDEX idx_checkpoints_thread_id ON checkpoints(thread_id);
