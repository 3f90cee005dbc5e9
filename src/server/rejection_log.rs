//! The log lines of turned-away connections: each says the reason and the peer, and a flood
//! cannot flood the log.
//!
//! Up to [`LINES_PER_SECOND`] rejections a second are logged one by one; past that they are
//! counted, and once the second is over one line says how many were left out (written by the
//! next rejection or by the server's pulse, whichever comes first, so a flood that stops
//! still gets its count). nginx's `limit_conn` logs every refusal; at a reconnect storm's
//! tens of thousands a second that is the disk's problem, which this avoids.

use super::conn::Peer;
use super::metrics::Rejection;
use std::fmt::Display;
use std::sync::{Mutex, PoisonError};
use std::time::{Duration, Instant};
use tracing::{info, warn};

/// How many rejections a second are logged one by one.
pub const LINES_PER_SECOND: u32 = 10;

const WINDOW: Duration = Duration::from_secs(1);

/// The current second's count of logged and suppressed rejection lines.
#[derive(Debug)]
pub(super) struct RejectionLog {
    window: Mutex<Window>,
}

#[derive(Debug)]
struct Window {
    start: Instant,
    logged: u32,
    suppressed: u64,
}

impl Default for RejectionLog {
    fn default() -> Self {
        RejectionLog {
            window: Mutex::new(Window {
                start: Instant::now(),
                logged: 0,
                suppressed: 0,
            }),
        }
    }
}

impl RejectionLog {
    /// Logs that `peer` was turned away for `why` (`detail`, such as `": why"`, says more, or
    /// is empty), unless
    /// this second's lines are spent.
    pub(super) fn note(&self, why: Rejection, peer: &Peer, detail: impl Display) {
        let now = Instant::now();
        let mut window = self.window.lock().unwrap_or_else(PoisonError::into_inner);
        window.roll(now);
        if window.logged >= LINES_PER_SECOND {
            window.suppressed += 1;
            return;
        }
        window.logged += 1;
        drop(window);
        info!(reason = why.label(), peer = %peer, "Connection rejected{detail}");
    }

    /// Writes the count of the lines a past second left out, if there is one (the pulse
    /// calls this).
    pub(super) fn flush(&self) {
        let mut window = self.window.lock().unwrap_or_else(PoisonError::into_inner);
        window.roll(Instant::now());
    }
}

impl Window {
    /// Starts a new second if this one is over, reporting what it suppressed.
    fn roll(&mut self, now: Instant) {
        if now.duration_since(self.start) < WINDOW {
            return;
        }
        if self.suppressed > 0 {
            let suppressed = self.suppressed;
            warn!(
                suppressed,
                "{suppressed} more rejected connection(s) not logged (at most {LINES_PER_SECOND} a second)"
            );
        }
        *self = Window {
            start: now,
            logged: 0,
            suppressed: 0,
        };
    }
}
