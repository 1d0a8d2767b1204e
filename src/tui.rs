//! The terminal: raw mode and the alternate screen on entry, and restored on
//! every way out (normal exit, error via Drop, panic via the hook).

use std::io::{self, Stdout, Write};
use std::sync::atomic::{AtomicBool, Ordering};

use color_eyre::eyre::Result;
use crossterm::terminal::{self, EnterAlternateScreen, LeaveAlternateScreen};
use crossterm::{cursor, execute};
use ratatui::Terminal;
use ratatui::backend::CrosstermBackend;

pub type Backend = CrosstermBackend<Stdout>;

/// Set while the console owns the terminal, so hooks know to restore it.
static ACTIVE: AtomicBool = AtomicBool::new(false);

pub struct Tui {
    /// Always `Some` until dropped (see `Drop`): ratatui's own drop prints
    /// to stderr when it cannot show the cursor, which panics once the
    /// terminal is gone (a closed SSH session, `tmux kill-session`: SIGHUP).
    terminal: Option<Terminal<Backend>>,
}

impl Tui {
    pub fn enter() -> Result<Tui> {
        terminal::enable_raw_mode()?;
        ACTIVE.store(true, Ordering::SeqCst);
        let mut out = io::stdout();
        if let Err(e) = execute!(out, EnterAlternateScreen, cursor::Hide) {
            restore();
            return Err(e.into());
        }
        let terminal = Terminal::new(CrosstermBackend::new(out))?;
        Ok(Tui { terminal: Some(terminal) })
    }

    pub fn terminal(&mut self) -> &mut Terminal<Backend> {
        self.terminal.as_mut().expect("the terminal is there until the Tui is dropped")
    }

    /// Draws one frame inside a synchronized update, so terminals that
    /// support it never show a half-drawn screen.
    pub fn draw(&mut self, f: impl FnOnce(&mut ratatui::Frame)) -> Result<()> {
        let term = self.terminal();
        execute!(term.backend_mut(), terminal::BeginSynchronizedUpdate)?;
        let res = term.draw(f).map(|_| ());
        execute!(term.backend_mut(), terminal::EndSynchronizedUpdate)?;
        res?;
        Ok(())
    }

    /// Writes raw bytes (OSC 52) straight to the terminal.
    pub fn write_raw(&mut self, bytes: &[u8]) -> Result<()> {
        let out = self.terminal().backend_mut();
        out.write_all(bytes)?;
        out.flush()?;
        Ok(())
    }
}

impl Drop for Tui {
    fn drop(&mut self) {
        // The cursor shown while the terminal is there; when it is not, the
        // Terminal is left undropped (the process is ending), so nothing
        // tries to print to a terminal that no longer exists.
        if let Some(mut t) = self.terminal.take()
            && t.show_cursor().is_err()
        {
            std::mem::forget(t);
        }
        restore();
    }
}

/// Leaves the alternate screen and raw mode. Safe to call more than once;
/// does nothing when the console is not running.
pub fn restore() {
    if !ACTIVE.swap(false, Ordering::SeqCst) {
        return;
    }
    let _ = terminal::disable_raw_mode();
    let _ = execute!(io::stdout(), LeaveAlternateScreen, cursor::Show);
}

/// Panic and error reports restore the terminal before they print.
pub fn install_hooks() -> Result<()> {
    // No colour in reports written to a pipe or a file.
    let theme = if std::io::IsTerminal::is_terminal(&std::io::stderr()) {
        color_eyre::config::Theme::dark()
    } else {
        color_eyre::config::Theme::new()
    };
    let (panic_hook, eyre_hook) =
        color_eyre::config::HookBuilder::default().display_env_section(false).theme(theme).into_hooks();
    eyre_hook.install()?;
    let panic_hook = panic_hook.into_panic_hook();
    std::panic::set_hook(Box::new(move |info| {
        // An expected panic, caught where it happens (a parser on a bad file).
        if crate::panics::is_quiet() {
            tracing::warn!("caught: {info}");
            return;
        }
        // Where it came from, in the log (the screen may be gone).
        tracing::error!("panic: {info}\n{}", std::backtrace::Backtrace::force_capture());
        // A panic in a background task is caught and reported by its task;
        // printing a report over the console's screen would only garble it.
        let main_thread = std::thread::current().name() == Some("main");
        if ACTIVE.load(Ordering::SeqCst) && !main_thread {
            return;
        }
        restore();
        panic_hook(info);
    }));
    Ok(())
}

/// OSC 52 "set clipboard". Inside tmux the sequence is also sent wrapped
/// for passthrough, so it reaches the outer terminal whichever way tmux is set.
pub fn osc52(text: &str, in_tmux: bool) -> Vec<u8> {
    use base64::Engine;
    let b64 = base64::engine::general_purpose::STANDARD.encode(text.as_bytes());
    let plain = format!("\x1b]52;c;{b64}\x07");
    let mut out = plain.clone().into_bytes();
    if in_tmux {
        out.extend(format!("\x1bPtmux;{}\x1b\\", plain.replace('\x1b', "\x1b\x1b")).into_bytes());
    }
    out
}

#[cfg(test)]
mod tests {
    #[test]
    fn osc52_encodes_base64() {
        assert_eq!(super::osc52("hi", false), b"\x1b]52;c;aGk=\x07".to_vec());
        let wrapped = String::from_utf8(super::osc52("hi", true)).unwrap();
        assert!(wrapped.ends_with("\x1bPtmux;\x1b\x1b]52;c;aGk=\x07\x1b\\"));
    }
}
