//! Owns the progress display: an indicatif bar (bytes, rate, ETA) when the length is known,
//! a spinner when it is not, and nothing at all unless stderr is a terminal and `-s` is off.

use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};
use std::io::IsTerminal;

const BAR: &str = "{bar:40.cyan/blue} {bytes}/{total_bytes} {binary_bytes_per_sec} ETA {eta}";
const SPINNER: &str = "{spinner} {bytes} {binary_bytes_per_sec} {elapsed}";

/// Progress of one body; a no-op when disabled.
pub struct Progress(Option<ProgressBar>);

impl Progress {
    /// A bar for a body of `total` bytes (a spinner when unknown), shown only when `wanted`
    /// and stderr is a terminal.
    pub fn new(wanted: bool, total: Option<u64>) -> Self {
        if !wanted || !std::io::stderr().is_terminal() {
            return Progress(None);
        }
        let (bar, template) = match total {
            Some(n) => (ProgressBar::new(n), BAR),
            None => (ProgressBar::new_spinner(), SPINNER),
        };
        bar.set_draw_target(ProgressDrawTarget::stderr());
        if let Ok(style) = ProgressStyle::with_template(template) {
            bar.set_style(style);
        }
        Progress(Some(bar))
    }

    /// Counts `n` more bytes received.
    pub fn advance(&self, n: usize) {
        if let Some(bar) = &self.0 {
            bar.inc(n as u64);
        }
    }

    /// Removes the bar (on success and on failure alike, so the error line stands alone).
    pub fn finish(&self) {
        if let Some(bar) = &self.0 {
            bar.finish_and_clear();
        }
    }
}

impl Drop for Progress {
    fn drop(&mut self) {
        self.finish();
    }
}
