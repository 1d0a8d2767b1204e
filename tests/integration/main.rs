//! All integration tests in one binary (each file in tests/ would link its
//! own). They need a real PostgreSQL with pgvector: `scripts/test` starts one
//! and sets RAGDESK_TEST_ADMIN_URL.

mod cli;
mod console_ingest;
mod console_search;
mod embed;
mod ingest;
mod layouts;
mod limits;
mod paging;
mod reconnect;
mod runtime;
mod schema;
mod search;
mod seed_export;
mod support;
mod terminal;
mod ui;
