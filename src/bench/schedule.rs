//! The open-loop schedule of `--rate`: when each message of a connection is due, fixed in
//! advance, and the two times every reply's latency is measured from.
//!
//! A closed loop sends the next message when the last reply came, so a server that stalls
//! also stalls the load, and the stall shows in one reply instead of in every message that
//! should have gone meanwhile: coordinated omission. Under `--rate` each connection owns a
//! [`Pacer`] whose due times do not move with the replies; a message that cannot go when due
//! (its connection is still waiting on earlier replies) goes as soon as it can, and its
//! latency counts from when it was due, as wrk2 corrects it. The latency from the actual send
//! is kept beside it, uncorrected, to show what the correction added.

use std::time::{Duration, Instant};

/// A send later than this after its due time counts as behind schedule: ten times the 1 ms
/// tick of tokio's timer, which wakes a sleeper up to a tick late, so that timer jitter on a
/// loaded machine does not count, and a connection held back by a slow reply does.
pub const BEHIND_SLACK: Duration = Duration::from_millis(10);

/// When connection `index`'s messages are due: connections share the rate evenly, each one
/// offset by `1 / rate` from the previous so their sends interleave instead of bunching.
#[derive(Debug, Clone)]
pub struct Pacer {
    epoch: Instant,
    /// Nanoseconds from `epoch` to the first message.
    offset_ns: f64,
    /// Nanoseconds between this connection's messages.
    interval_ns: f64,
    /// The next message to send.
    next: u64,
}

impl Pacer {
    /// Connection `index` of `connections`, sharing `rate` messages per second, its schedule
    /// starting at `epoch`.
    pub fn new(epoch: Instant, rate: f64, connections: u32, index: u32) -> Self {
        Pacer {
            epoch,
            offset_ns: f64::from(index) * 1e9 / rate,
            interval_ns: f64::from(connections) * 1e9 / rate,
            next: 0,
        }
    }

    /// When the next message is due.
    pub fn next_due(&self) -> Instant {
        self.due(self.next)
    }

    /// When message `k` is due.
    fn due(&self, k: u64) -> Instant {
        let ns = self.offset_ns + k as f64 * self.interval_ns;
        self.epoch + Duration::from_nanos(ns as u64)
    }

    /// How many messages are due by `now`, at most `limit`.
    pub fn due_by(&self, now: Instant, limit: usize) -> usize {
        (0..limit)
            .take_while(|&j| self.due(self.next + j as u64) <= now)
            .count()
    }

    /// Takes the next message; returns when it was due.
    pub fn take(&mut self) -> Instant {
        let due = self.next_due();
        self.next += 1;
        due
    }
}

/// When a message was due and when it went: a reply's latency is measured from both.
#[derive(Debug, Clone, Copy)]
pub struct Stamp {
    /// When the schedule said it should go (the send time, without `--rate`).
    pub due: Instant,
    /// When it went.
    pub sent: Instant,
}

impl Stamp {
    /// A message sent at `now` with no schedule.
    pub fn unpaced(now: Instant) -> Self {
        Stamp {
            due: now,
            sent: now,
        }
    }

    /// Whether it went more than [`BEHIND_SLACK`] after it was due.
    pub fn behind(&self) -> bool {
        self.sent.saturating_duration_since(self.due) > BEHIND_SLACK
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Four connections sharing 1000 msg/s each send every 4 ms, offset by 1 ms, so together
    /// one message goes every millisecond.
    #[test]
    fn connections_share_the_rate_and_interleave() {
        let epoch = Instant::now();
        let mut due: Vec<Duration> = (0..4)
            .flat_map(|i| {
                let mut p = Pacer::new(epoch, 1000.0, 4, i);
                (0..3).map(move |_| p.take() - epoch).collect::<Vec<_>>()
            })
            .collect();
        due.sort();
        let ms: Vec<u128> = due.iter().map(|d| d.as_millis()).collect();
        assert_eq!(ms, (0..12).collect::<Vec<u128>>());
    }

    /// Messages due by a time are counted up to the window's room, and the schedule does not
    /// move when sends are late: the next one is still due at its fixed time.
    #[test]
    fn due_messages_are_counted_and_the_schedule_holds() {
        let epoch = Instant::now();
        let mut p = Pacer::new(epoch, 100.0, 1, 0);
        let later = epoch + Duration::from_millis(35);
        assert_eq!(p.due_by(later, 10), 4);
        assert_eq!(p.due_by(later, 2), 2);
        p.take();
        p.take();
        assert_eq!(p.next_due() - epoch, Duration::from_millis(20));
        let stamp = Stamp {
            due: p.take(),
            sent: later,
        };
        assert!(stamp.behind());
        assert!(!Stamp::unpaced(later).behind());
    }
}
