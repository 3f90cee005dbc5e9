//! The run second by second: messages, errors and latency percentiles of each second, so a
//! stall, a warm-up curve or a slow leak shows where the totals would average it away.
//!
//! One histogram is reused for the second under way and summed up into a [`Second`] when the
//! next one begins, so the timeline costs a few numbers per second however long the run, and
//! a reply costs one more histogram increment.

use super::report::Latency;
use hdrhistogram::Histogram;
use serde::Serialize;
use std::time::Instant;

/// One second of a run.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct Second {
    /// Seconds since measuring started: 0 is the first.
    pub second: u64,
    /// Correct replies measured in this second.
    pub messages: u64,
    /// Errors (of the kinds that fail the run) in this second.
    pub errors: u64,
    /// Latency of this second's replies, in microseconds.
    pub latency_us: SecondLatency,
}

/// The percentiles of one second that the timeline keeps.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct SecondLatency {
    /// Median.
    pub p50: f64,
    /// 99th percentile.
    pub p99: f64,
    /// Slowest.
    pub max: f64,
}

/// The seconds of a run so far; see the module docs.
#[derive(Debug, Clone)]
pub struct Timeline {
    /// When second 0 began: when measuring started.
    start: Instant,
    /// The second under way.
    current: u64,
    /// Its latencies, in nanoseconds.
    histogram: Histogram<u64>,
    messages: u64,
    errors: u64,
    /// The seconds before it.
    done: Vec<Second>,
}

impl Timeline {
    /// A timeline whose second 0 begins at `start`, recording into copies of `histogram`'s
    /// shape.
    pub fn new(start: Instant, histogram: &Histogram<u64>) -> Self {
        let mut histogram = histogram.clone();
        histogram.reset();
        Timeline {
            start,
            current: 0,
            histogram,
            messages: 0,
            errors: 0,
            done: Vec::new(),
        }
    }

    /// A reply at `now` that took `ns` nanoseconds.
    pub fn reply(&mut self, now: Instant, ns: u64) {
        self.advance(now);
        self.messages += 1;
        self.histogram.saturating_record(ns);
    }

    /// `n` errors at `now`.
    pub fn errors(&mut self, now: Instant, n: u64) {
        self.advance(now);
        self.errors += n;
    }

    /// Every second so far, the one under way included, and a second with nothing in it
    /// for each one in which nothing happened.
    pub fn seconds(&self) -> Vec<Second> {
        let mut all = self.done.clone();
        if self.messages > 0 || self.errors > 0 {
            all.push(self.summary());
        }
        all
    }

    /// Closes the seconds before the one `now` falls in.
    fn advance(&mut self, now: Instant) {
        let second = now.saturating_duration_since(self.start).as_secs();
        if second <= self.current {
            return;
        }
        self.done.push(self.summary());
        self.done.extend((self.current + 1..second).map(empty));
        self.current = second;
        self.histogram.reset();
        self.messages = 0;
        self.errors = 0;
    }

    fn summary(&self) -> Second {
        let l = Latency::of(&self.histogram);
        Second {
            second: self.current,
            messages: self.messages,
            errors: self.errors,
            latency_us: SecondLatency {
                p50: l.p50,
                p99: l.p99,
                max: l.max,
            },
        }
    }
}

fn empty(second: u64) -> Second {
    Second {
        second,
        messages: 0,
        errors: 0,
        latency_us: SecondLatency {
            p50: 0.0,
            p99: 0.0,
            max: 0.0,
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Duration;

    /// `secs` seconds after `start`.
    fn at(start: Instant, secs: f64) -> Instant {
        start + Duration::from_secs_f64(secs)
    }

    fn timeline() -> (Instant, Timeline) {
        let start = Instant::now();
        let h = Histogram::new_with_bounds(1, 60_000_000_000, 3).unwrap();
        (start, Timeline::new(start, &h))
    }

    /// Replies land in the second they arrived in, each second with its own percentiles, and
    /// a second in which nothing came is there, empty.
    #[test]
    fn seconds_are_summed_up_separately() {
        let (start, mut t) = timeline();
        for ms in [1_000, 2_000, 3_000] {
            t.reply(at(start, 0.5), ms * 1000);
        }
        t.errors(at(start, 0.9), 2);
        t.reply(at(start, 2.1), 200_000_000);
        let s = t.seconds();
        assert_eq!(s.len(), 3, "{s:?}");
        assert_eq!((s[0].second, s[0].messages, s[0].errors), (0, 3, 2));
        assert!((s[0].latency_us.p50 - 2000.0).abs() < 2.0, "{:?}", s[0]);
        assert!((s[0].latency_us.max - 3000.0).abs() < 3.0, "{:?}", s[0]);
        assert_eq!(s[1], empty(1));
        assert_eq!((s[2].second, s[2].messages), (2, 1));
        assert!(s[2].latency_us.p99 >= 199_000.0, "{:?}", s[2]);
    }

    /// Nothing recorded, nothing to show.
    #[test]
    fn an_empty_run_has_no_seconds() {
        let (_, t) = timeline();
        assert!(t.seconds().is_empty());
    }
}
