//! ragdesk: a terminal operator console for AI chat and RAG platforms whose
//! data lives in PostgreSQL with pgvector.

pub mod action;
pub mod app;
pub mod cli;
pub mod config;
pub mod console;
pub mod db;
pub mod embed;
pub mod export;
pub mod ingest;
pub mod keymap;
pub mod layout;
pub mod logging;
pub mod panics;
pub mod pathcomplete;
pub mod runner;
pub mod sanitize;
pub mod schema;
pub mod search;
pub mod seed;
pub mod spec;
pub mod text;
pub mod theme;
pub mod tui;
pub mod ui;
