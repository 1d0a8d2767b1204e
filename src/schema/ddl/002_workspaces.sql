-- Seed 002 (a "Thinking Partner" workspace platform, 002_803c0f462ccac60b.txt),
-- its schema as documented: every table of "Core Tables" with the columns,
-- types and notes of its table (PK, FK →, required, defaults, "Auto"
-- timestamps), created in dependency order, then the indexes the document
-- names (ADR-005: an ivfflat index on the memories' embeddings) and the
-- orderings its retrieval patterns rely on. Left out: row-level security,
-- the RPCs and the updated_at triggers, which the document names without
-- their code. Supabase's auth.users is reduced to what the references need.
-- Added beyond the document, and said so here: NOT NULL with now() on the
-- "Auto" timestamps and on started_at, NOT NULL on is_active, and the
-- (parent, time) indexes at the end, which its lists and joins need; the
-- document names no index but the memories' ivfflat.
CREATE EXTENSION IF NOT EXISTS vector;
CREATE SCHEMA IF NOT EXISTS auth;
CREATE TABLE IF NOT EXISTS auth.users (
    id         uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    email      text UNIQUE,
    created_at timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE public.workspaces (
    id                           uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    name                         text NOT NULL,
    owner_id                     uuid REFERENCES auth.users(id),
    owner_email                  text,
    subscription_status          text DEFAULT 'free',
    subscription_expires_at      timestamptz,
    lemonsqueezy_customer_id     text,
    lemonsqueezy_subscription_id text,
    created_at                   timestamptz NOT NULL DEFAULT now(),
    updated_at                   timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE public.projects (
    id                           uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    name                         text NOT NULL,
    description                  text,
    workspace_id                 uuid REFERENCES public.workspaces(id) ON DELETE CASCADE,
    created_at                   timestamptz NOT NULL DEFAULT now(),
    updated_at                   timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE public.memories (
    id                           uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    user_id                      uuid NOT NULL REFERENCES auth.users(id),
    project_id                   uuid REFERENCES public.projects(id) ON DELETE CASCADE,
    content                      text,
    embedding                    vector(1536),
    tags                         text[],
    entities                     jsonb,
    importance                   double precision,
    source_type                  text,
    source_ref                   jsonb,
    is_active                    boolean NOT NULL DEFAULT true,
    created_at                   timestamptz NOT NULL DEFAULT now(),
    updated_at                   timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE public.chat_sessions (
    id                           uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    user_id                      uuid REFERENCES auth.users(id),
    project_id                   uuid REFERENCES public.projects(id) ON DELETE CASCADE,
    session_type                 text DEFAULT 'thinking_partner',
    status                       text,
    started_at                   timestamptz NOT NULL DEFAULT now(),
    ended_at                     timestamptz,
    context_metadata             jsonb,
    created_at                   timestamptz NOT NULL DEFAULT now(),
    updated_at                   timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE public.session_messages (
    id                           uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    session_id                   uuid REFERENCES public.chat_sessions(id) ON DELETE CASCADE,
    role                         text,
    content                      text,
    sequence_number              integer,
    metadata                     jsonb,
    created_at                   timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE public.documents (
    id                           uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    user_id                      uuid REFERENCES auth.users(id),
    project_id                   uuid REFERENCES public.projects(id) ON DELETE CASCADE,
    filename                     text NOT NULL,
    file_url                     text,
    storage_path                 text,
    file_type                    text,
    file_size                    integer,
    processing_status            text,
    processed_at                 timestamptz,
    error_message                text,
    page_count                   integer,
    word_count                   integer,
    created_at                   timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE public.chunks (
    id                           uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    document_id                  uuid REFERENCES public.documents(id) ON DELETE CASCADE,
    content                      text,
    embedding                    vector(1536),
    chunk_index                  integer,
    page_number                  integer,
    metadata                     jsonb,
    token_count                  integer,
    created_at                   timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE public.work_tickets (
    id                           uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    task                         text,
    agent_type                   text,
    status                       text,
    parameters                   jsonb,
    error_message                text,
    project_id                   uuid REFERENCES public.projects(id) ON DELETE CASCADE,
    created_at                   timestamptz NOT NULL DEFAULT now(),
    started_at                   timestamptz,
    completed_at                 timestamptz
);

CREATE TABLE public.work_outputs (
    id                           uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    title                        text,
    output_type                  text,
    content                      text,
    file_url                     text,
    file_format                  text,
    ticket_id                    uuid REFERENCES public.work_tickets(id) ON DELETE CASCADE,
    created_at                   timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE public.subscription_events (
    id                           uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    workspace_id                 uuid REFERENCES public.workspaces(id) ON DELETE CASCADE,
    event_type                   text,
    event_source                 text DEFAULT 'lemonsqueezy',
    ls_subscription_id           text,
    ls_customer_id               text,
    payload                      jsonb,
    created_at                   timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE public.scheduled_messages (
    id                           uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    workspace_id                 uuid REFERENCES public.workspaces(id) ON DELETE CASCADE,
    scheduled_for                timestamptz,
    message_type                 text,
    subject                      text,
    content                      jsonb,
    recipient_email              text,
    status                       text,
    sent_at                      timestamptz,
    failure_reason               text,
    created_at                   timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE public.email_delivery_log (
    id                           uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    scheduled_message_id         uuid REFERENCES public.scheduled_messages(id) ON DELETE CASCADE,
    recipient                    text,
    subject                      text,
    provider                     text DEFAULT 'resend',
    provider_message_id          text,
    status                       text,
    status_updated_at            timestamptz,
    created_at                   timestamptz NOT NULL DEFAULT now()
);

-- "sequence_number: order within session (unique per session)".
ALTER TABLE public.session_messages ADD CONSTRAINT session_messages_session_sequence_key UNIQUE (session_id, sequence_number);
-- ADR-005: "vector(1536) column with ivfflat index".
CREATE INDEX memories_embedding_idx ON public.memories USING ivfflat (embedding vector_cosine_ops) WITH (lists = 100);
CREATE INDEX memories_user_idx ON public.memories (user_id) WHERE is_active;
CREATE INDEX chat_sessions_user_idx ON public.chat_sessions (user_id, created_at DESC);
CREATE INDEX chat_sessions_project_idx ON public.chat_sessions (project_id, created_at DESC);
CREATE INDEX documents_project_idx ON public.documents (project_id, created_at DESC);
CREATE INDEX chunks_document_idx ON public.chunks (document_id, chunk_index);
CREATE INDEX projects_workspace_idx ON public.projects (workspace_id, created_at DESC);
