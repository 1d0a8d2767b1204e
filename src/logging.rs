//! Logs go to a file in the data directory, never to the screen the TUI owns.

use std::fs::OpenOptions;
use std::sync::Mutex;

use tracing_subscriber::EnvFilter;

use crate::config::Paths;

pub fn init_file(paths: &Paths, level: &str) -> std::io::Result<()> {
    std::fs::create_dir_all(&paths.data_dir)?;
    let file = OpenOptions::new().create(true).append(true).open(paths.log_file())?;
    let filter = EnvFilter::try_from_env("RAGDESK_LOG")
        .or_else(|_| EnvFilter::try_new(level))
        .unwrap_or_else(|_| EnvFilter::new("info"));
    let _ = tracing_subscriber::fmt().with_env_filter(filter).with_ansi(false).with_writer(Mutex::new(file)).try_init();
    Ok(())
}
