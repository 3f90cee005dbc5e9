//! Owns watching the body arrive: the progress display (an indicatif bar with bytes, rate
//! and ETA when the length is known, a spinner when it is not, or with `-#` curl's bar of
//! hashes; nothing unless stderr is a terminal and `-s` is off) and `--limit-rate`'s pacing.
//!
//! Pacing sleeps after a read until the average since the start is back under the limit,
//! and reads at most a quarter second's worth at a time, so the kernel's receive window,
//! not a burst into our buffer, is what slows the server down.

use super::hash_bar::HashBar;
use indicatif::{MultiProgress, ProgressBar, ProgressDrawTarget, ProgressStyle};
use std::io::IsTerminal;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::Duration;
use tokio::time::Instant;

const BAR: &str = "{bar:40.cyan/blue} {bytes}/{total_bytes} {binary_bytes_per_sec} ETA {eta}";
const SPINNER: &str = "{spinner} {bytes} {binary_bytes_per_sec} {elapsed}";

/// Progress of one body; a no-op when disabled. The owner clears the bar when dropped;
/// shares (one per `--segments` connection) only advance it.
pub struct Progress {
    bar: Option<ProgressBar>,
    /// `-#`: curl's bar of hashes instead.
    hashes: Option<Arc<HashBar>>,
    owner: bool,
}

impl Progress {
    /// A bar for a body of `total` bytes (a spinner when unknown), shown only when `wanted`
    /// and stderr is a terminal; one of `bars` when fetches run in parallel.
    pub fn new(wanted: bool, total: Option<u64>, bars: Option<&MultiProgress>) -> Self {
        if !wanted || !std::io::stderr().is_terminal() {
            return Progress {
                bar: None,
                hashes: None,
                owner: true,
            };
        }
        let (bar, template) = match total {
            Some(n) => (ProgressBar::new(n), BAR),
            None => (ProgressBar::new_spinner(), SPINNER),
        };
        let bar = match bars {
            Some(bars) => bars.add(bar),
            None => {
                bar.set_draw_target(ProgressDrawTarget::stderr());
                bar
            }
        };
        if let Ok(style) = ProgressStyle::with_template(template) {
            bar.set_style(style);
        }
        Progress {
            bar: Some(bar),
            hashes: None,
            owner: true,
        }
    }

    /// `-#`: curl's bar of hashes for a body of `total` bytes, shown only when `wanted` and
    /// stderr is a terminal.
    pub fn hashes(wanted: bool, total: Option<u64>) -> Self {
        let shown = wanted && std::io::stderr().is_terminal();
        Progress {
            bar: None,
            hashes: shown.then(|| Arc::new(HashBar::new(total))),
            owner: true,
        }
    }

    /// Counts `n` more bytes received.
    pub fn advance(&self, n: usize) {
        if let Some(bar) = &self.bar {
            bar.inc(n as u64);
        }
        if let Some(hashes) = &self.hashes {
            hashes.advance(n as u64);
        }
    }

    /// Starts the count at `n` bytes (a resumed body).
    pub fn advance_to(&self, n: u64) {
        if let Some(bar) = &self.bar {
            bar.set_position(n);
        }
        if let Some(hashes) = &self.hashes {
            hashes.set(n);
        }
    }

    /// Another handle on the same bar, which does not clear it when dropped.
    pub fn share(&self) -> Progress {
        Progress {
            bar: self.bar.clone(),
            hashes: self.hashes.clone(),
            owner: false,
        }
    }

    /// Removes the bar (on success and on failure alike, so the error line stands alone).
    pub fn finish(&self) {
        if let Some(bar) = self.bar.as_ref().filter(|_| self.owner) {
            bar.finish_and_clear();
        }
        if let Some(hashes) = self.hashes.as_ref().filter(|_| self.owner) {
            hashes.finish();
        }
    }
}

impl Drop for Progress {
    fn drop(&mut self) {
        self.finish();
    }
}

/// Counts body bytes as they arrive: advances the progress display and keeps the average
/// rate under `--limit-rate`.
pub struct Meter {
    progress: Progress,
    /// Bytes per second, when limited.
    limit: Option<u64>,
    started: Instant,
    received: u64,
    /// Where the bytes received are counted for a watch beside the transfer (`-Y`).
    counted: Option<Arc<AtomicU64>>,
}

impl Meter {
    /// Watches a body shown by `progress`, at most `limit` bytes per second.
    pub fn new(progress: Progress, limit: Option<u64>) -> Self {
        Meter {
            progress,
            limit: limit.filter(|&l| l > 0),
            started: Instant::now(),
            received: 0,
            counted: None,
        }
    }

    /// Also counts the bytes received in `counter`, which another task may read.
    pub fn counting(mut self, counter: Arc<AtomicU64>) -> Self {
        self.counted = Some(counter);
        self
    }

    /// The most to read at once: everything fits when unlimited, else a quarter second's
    /// worth (at least 1 KiB).
    pub fn read_size(&self, buffer: usize) -> usize {
        match self.limit {
            Some(rate) => usize::try_from(rate / 4).map_or(buffer, |q| q.clamp(1024, buffer)),
            None => buffer,
        }
    }

    /// Counts `n` more bytes, then waits as long as the limit asks.
    pub async fn received(&mut self, n: usize) {
        self.progress.advance(n);
        self.received += n as u64;
        if let Some(counter) = &self.counted {
            counter.fetch_add(n as u64, Ordering::Relaxed);
        }
        if let Some(rate) = self.limit {
            let due = Duration::from_secs_f64(self.received as f64 / rate as f64);
            tokio::time::sleep_until(self.started + due).await;
        }
    }

    /// Removes the progress display.
    pub fn finish(&self) {
        self.progress.finish();
    }
}
