//! Owns curl's `-#` progress bar: `\r`, a `#` for each share of the body received in a field
//! as wide as the terminal less 7, then the percentage, as curl 7.88 draws it
//! (`tool_cb_prg.c`), and a line break when the transfer ends.
//!
//! curl takes the width from `COLUMNS` (21 to 9999), else the terminal's, else 79. The bar
//! is redrawn only when its text changes (a `#` more, or a tenth of a percent), so a fast
//! body does not flood the terminal. A body of unknown length draws nothing but the final
//! line break (curl flies a `#=O=-` there; sockit does not).

use std::io::Write;
use std::sync::Mutex;

/// The width curl uses when neither `COLUMNS` nor the terminal says one.
const DEFAULT_WIDTH: usize = 79;

/// The widest bar curl draws.
const MAX_WIDTH: usize = 256;

/// One body's `-#` bar on stderr, shared by the connections that fill the body.
#[derive(Debug)]
pub struct HashBar {
    total: Option<u64>,
    width: usize,
    state: Mutex<State>,
}

#[derive(Debug, Default)]
struct State {
    /// Bytes received so far.
    done: u64,
    /// The text last drawn, so an unchanged one is not drawn again.
    drawn: String,
    /// The line break that ends the bar was written.
    ended: bool,
}

impl HashBar {
    /// A bar for a body of `total` bytes, as wide as curl would draw it.
    pub fn new(total: Option<u64>) -> Self {
        HashBar {
            total,
            width: width(std::env::var("COLUMNS").ok().as_deref(), terminal_columns()),
            state: Mutex::default(),
        }
    }

    /// Counts `n` more bytes, redrawing when the text changes.
    pub fn advance(&self, n: u64) {
        let mut state = self.lock();
        state.done += n;
        self.draw(&mut state);
    }

    /// Sets the count to `n` bytes (a resumed body).
    pub fn set(&self, n: u64) {
        let mut state = self.lock();
        state.done = n;
        self.draw(&mut state);
    }

    /// Ends the bar with a line break, once.
    pub fn finish(&self) {
        let mut state = self.lock();
        if !state.ended {
            state.ended = true;
            let _ = std::io::stderr().write_all(b"\n");
        }
    }

    fn draw(&self, state: &mut State) {
        let Some(total) = self.total.filter(|_| !state.ended) else {
            return;
        };
        let text = line(self.width, state.done, total);
        if text != state.drawn {
            let mut err = std::io::stderr().lock();
            let _ = err.write_all(text.as_bytes()).and_then(|()| err.flush());
            state.drawn = text;
        }
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, State> {
        self.state
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }
}

/// The bar's width: `COLUMNS` when it is a number from 21 to 9999, else the terminal's
/// columns when more than 20, else 79; at most 256.
fn width(columns: Option<&str>, terminal: Option<u16>) -> usize {
    let from_env = columns
        .and_then(|c| c.parse::<usize>().ok())
        .filter(|c| (21..10_000).contains(c));
    let from_terminal = terminal.map(usize::from).filter(|&c| c > 20);
    from_env
        .or(from_terminal)
        .unwrap_or(DEFAULT_WIDTH)
        .min(MAX_WIDTH)
}

/// The terminal's columns, from stderr.
fn terminal_columns() -> Option<u16> {
    rustix::termios::tcgetwinsize(std::io::stderr())
        .ok()
        .map(|size| size.ws_col)
}

/// curl's text for `done` of `total` bytes in a bar `width` wide: `\r`, the `#`s left
/// aligned in `width - 7` places, a space, the percentage as `%5.1f%%`.
fn line(width: usize, done: u64, total: u64) -> String {
    let field = width - 7;
    let fraction = match total {
        0 => 1.0,
        _ => (done as f64 / total as f64).min(1.0),
    };
    let hashes = "#".repeat((field as f64 * fraction) as usize);
    format!("\r{hashes:<field$} {:5.1}%", fraction * 100.0)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The text is curl's: the hashes padded to the field, the percentage in five places.
    #[test]
    fn lines_are_curls() {
        assert_eq!(
            line(20, 0, 100),
            format!("\r{} {:>5}%", " ".repeat(13), "0.0")
        );
        assert_eq!(
            line(20, 50, 100),
            format!("\r######{}  50.0%", " ".repeat(7))
        );
        assert_eq!(
            line(60, 100_000, 100_000),
            format!("\r{} 100.0%", "#".repeat(53))
        );
        assert_eq!(line(60, 7, 0), format!("\r{} 100.0%", "#".repeat(53)));
    }

    /// `COLUMNS` wins when it is in curl's range, then the terminal, then 79.
    #[test]
    fn widths_are_curls() {
        assert_eq!(width(Some("60"), Some(100)), 60);
        assert_eq!(width(Some("20"), Some(100)), 100);
        assert_eq!(width(Some("x"), Some(10)), 79);
        assert_eq!(width(None, None), 79);
        assert_eq!(width(Some("9000"), None), 256);
    }
}
