-- Seed 001 ("Domo AI MVP", 001_073714ed82dd5c5d.txt), its schema as documented:
-- the tables, indexes, constraints, functions and triggers of the sections
-- "Core Tables", "Database Functions", "Data Types and Constraints",
-- "Triggers and Automation" and "Performance Optimization", in that order.
-- Left out: row-level security policies and storage buckets (Supabase's
-- auth.uid() and storage schema), and the realtime publication. Supabase's
-- auth.users is reduced to what the references need.
CREATE EXTENSION IF NOT EXISTS vector;
CREATE SCHEMA IF NOT EXISTS auth;
CREATE TABLE IF NOT EXISTS auth.users (
    id         uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    email      text UNIQUE,
    created_at timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE public.demos (
    id UUID PRIMARY KEY DEFAULT gen_random_uuid(),
    name TEXT NOT NULL,
    description TEXT,
    created_at TIMESTAMP WITH TIME ZONE DEFAULT NOW(),
    updated_at TIMESTAMP WITH TIME ZONE DEFAULT NOW(),
    user_id UUID NOT NULL REFERENCES auth.users(id),
    agent_name TEXT DEFAULT 'Demo Agent',
    agent_personality TEXT DEFAULT 'Friendly and helpful',
    agent_greeting TEXT DEFAULT 'Hello! I''m your demo agent. How can I help you today?',
    cta_text TEXT,
    cta_link TEXT,
    status TEXT DEFAULT 'draft',
    published_url TEXT,
    tavus_persona_id TEXT,
    tavus_conversation_id TEXT,
    video_storage_path TEXT DEFAULT '',
    metadata JSONB DEFAULT '{}'
);

CREATE INDEX idx_demos_user_id ON public.demos(user_id);

CREATE INDEX idx_demos_status ON public.demos(status);

CREATE INDEX idx_demos_tavus_persona_id ON public.demos(tavus_persona_id);

CREATE TABLE public.demo_videos (
    id UUID PRIMARY KEY DEFAULT gen_random_uuid(),
    demo_id UUID NOT NULL REFERENCES public.demos(id) ON DELETE CASCADE,
    title TEXT NOT NULL,
    storage_url TEXT NOT NULL,
    order_index INTEGER NOT NULL,
    duration_seconds INTEGER,
    processing_status TEXT DEFAULT 'pending',
    created_at TIMESTAMP WITH TIME ZONE DEFAULT NOW(),
    updated_at TIMESTAMP WITH TIME ZONE DEFAULT NOW(),
    transcript TEXT
);

CREATE INDEX idx_demo_videos_demo_id ON public.demo_videos(demo_id);

CREATE INDEX idx_demo_videos_order ON public.demo_videos(demo_id, order_index);

CREATE INDEX idx_demo_videos_status ON public.demo_videos(processing_status);

CREATE TABLE public.knowledge_chunks (
    id UUID PRIMARY KEY DEFAULT gen_random_uuid(),
    demo_id UUID NOT NULL REFERENCES public.demos(id) ON DELETE CASCADE,
    content TEXT NOT NULL,
    question TEXT,
    answer TEXT,
    source TEXT,
    vector_embedding vector(1536),
    created_at TIMESTAMP WITH TIME ZONE DEFAULT NOW(),
    updated_at TIMESTAMP WITH TIME ZONE DEFAULT NOW()
);

CREATE INDEX idx_knowledge_chunks_demo_id ON public.knowledge_chunks(demo_id);

CREATE INDEX knowledge_chunks_vector_embedding_idx ON public.knowledge_chunks 
USING ivfflat (vector_embedding vector_cosine_ops) WITH (lists = 100);

CREATE TABLE public.processed_webhook_events (
    id UUID PRIMARY KEY DEFAULT gen_random_uuid(),
    conversation_id TEXT NOT NULL,
    event_type TEXT NOT NULL,
    event_data JSONB NOT NULL,
    processed_at TIMESTAMP WITH TIME ZONE DEFAULT NOW(),
    processing_duration_ms INTEGER,
    event_hash TEXT UNIQUE -- For idempotency
);

CREATE INDEX idx_webhook_events_conversation_id ON public.processed_webhook_events(conversation_id);

CREATE INDEX idx_webhook_events_type ON public.processed_webhook_events(event_type);

CREATE INDEX idx_webhook_events_processed_at ON public.processed_webhook_events(processed_at);

CREATE UNIQUE INDEX idx_webhook_events_hash ON public.processed_webhook_events(event_hash);

CREATE TABLE public.conversation_messages (
    id UUID PRIMARY KEY DEFAULT gen_random_uuid(),
    conversation_id TEXT NOT NULL,
    message_id TEXT,
    role TEXT NOT NULL, -- 'user' or 'assistant'
    content TEXT,
    content_length INTEGER,
    timestamp TIMESTAMP WITH TIME ZONE,
    sentiment TEXT,
    intent TEXT,
    confidence DECIMAL(3,2),
    created_at TIMESTAMP WITH TIME ZONE DEFAULT NOW()
);

CREATE INDEX idx_conversation_messages_conversation_id ON public.conversation_messages(conversation_id);

CREATE INDEX idx_conversation_messages_timestamp ON public.conversation_messages(timestamp);

CREATE INDEX idx_conversation_messages_role ON public.conversation_messages(role);

CREATE OR REPLACE FUNCTION search_knowledge_chunks(
    query_embedding vector(1536),
    demo_id uuid,
    match_threshold float DEFAULT 0.7,
    match_count int DEFAULT 5
)
RETURNS TABLE (
    id uuid,
    content text,
    question text,
    answer text,
    source text,
    similarity float
)
LANGUAGE sql
AS $$
    SELECT
        id,
        content,
        question,
        answer,
        source,
        1 - (vector_embedding <=> query_embedding) AS similarity
    FROM knowledge_chunks
    WHERE 
        knowledge_chunks.demo_id = search_knowledge_chunks.demo_id
        AND 1 - (vector_embedding <=> query_embedding) > match_threshold
    ORDER BY vector_embedding <=> query_embedding
    LIMIT match_count;
$$;

CREATE OR REPLACE FUNCTION get_demo_stats(demo_uuid uuid)
RETURNS TABLE (
    video_count bigint,
    knowledge_chunk_count bigint,
    total_video_duration integer,
    last_conversation_at timestamp with time zone
)
LANGUAGE sql
AS $$
    SELECT
        (SELECT COUNT(*) FROM demo_videos WHERE demo_id = demo_uuid) as video_count,
        (SELECT COUNT(*) FROM knowledge_chunks WHERE demo_id = demo_uuid) as knowledge_chunk_count,
        (SELECT COALESCE(SUM(duration_seconds), 0) FROM demo_videos WHERE demo_id = demo_uuid) as total_video_duration,
        (SELECT MAX(processed_at) FROM processed_webhook_events 
         WHERE event_data->>'demo_id' = demo_uuid::text) as last_conversation_at;
$$;

CREATE TYPE demo_status AS ENUM ('draft', 'published', 'archived');

CREATE TYPE processing_status AS ENUM ('pending', 'processing', 'completed', 'failed');

CREATE TYPE message_role AS ENUM ('user', 'assistant', 'system');

ALTER TABLE demos ADD CONSTRAINT demos_status_check 
CHECK (status IN ('draft', 'published', 'archived'));

ALTER TABLE demos ADD CONSTRAINT demos_name_length_check 
CHECK (char_length(name) >= 1 AND char_length(name) <= 255);

ALTER TABLE demo_videos ADD CONSTRAINT demo_videos_order_index_check 
CHECK (order_index >= 0);

ALTER TABLE demo_videos ADD CONSTRAINT demo_videos_duration_check 
CHECK (duration_seconds IS NULL OR duration_seconds > 0);

ALTER TABLE knowledge_chunks ADD CONSTRAINT knowledge_chunks_content_length_check 
CHECK (char_length(content) >= 1);

CREATE OR REPLACE FUNCTION update_updated_at_column()
RETURNS TRIGGER AS $$
BEGIN
    NEW.updated_at = NOW();
    RETURN NEW;
END;
$$ language 'plpgsql';

CREATE TRIGGER update_demos_updated_at 
    BEFORE UPDATE ON demos 
    FOR EACH ROW EXECUTE FUNCTION update_updated_at_column();

CREATE TRIGGER update_demo_videos_updated_at 
    BEFORE UPDATE ON demo_videos 
    FOR EACH ROW EXECUTE FUNCTION update_updated_at_column();

CREATE TRIGGER update_knowledge_chunks_updated_at 
    BEFORE UPDATE ON knowledge_chunks 
    FOR EACH ROW EXECUTE FUNCTION update_updated_at_column();

CREATE INDEX idx_demos_user_status ON public.demos(user_id, status);

CREATE INDEX idx_videos_demo_order ON public.demo_videos(demo_id, order_index);

CREATE INDEX idx_chunks_demo_source ON public.knowledge_chunks(demo_id, source);

CREATE INDEX idx_videos_processing ON public.demo_videos(demo_id) 
WHERE processing_status = 'pending';

CREATE INDEX idx_demos_metadata_gin ON public.demos USING gin(metadata);

CREATE TABLE public.audit_logs (
    id UUID PRIMARY KEY DEFAULT gen_random_uuid(),
    user_id UUID REFERENCES auth.users(id),
    action TEXT NOT NULL,
    table_name TEXT NOT NULL,
    record_id UUID,
    old_values JSONB,
    new_values JSONB,
    created_at TIMESTAMP WITH TIME ZONE DEFAULT NOW()
);