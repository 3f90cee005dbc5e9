//! What the connections of one run record: replies, errors and the latency histogram.
//!
//! All connections of a run are tasks on one thread (a `LocalSet`), so they share one
//! [`Tally`] through `Rc` and `RefCell` with no atomics and no locks; recording a reply is a
//! histogram increment.

use hdrhistogram::Histogram;
use std::cell::{Cell, RefCell};
use std::time::{Duration, Instant};

/// Slowest latency the histogram resolves; slower ones are clamped to it (and are late anyway).
const MAX_LATENCY_NS: u64 = 60_000_000_000;

/// Where a run is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RunPhase {
    /// Load applied but not recorded.
    Warmup,
    /// Load applied and recorded.
    Measure,
    /// No new requests; outstanding replies are awaited and checked.
    Stop,
}

/// Counts and latencies of one run.
#[derive(Debug, Clone)]
pub struct Counts {
    /// Reply latencies in nanoseconds, recorded while measuring.
    pub latency: Histogram<u64>,
    /// Correct replies while measuring.
    pub measured: u64,
    /// Correct replies over the whole run, warm-up and drain included.
    pub total: u64,
    /// Replies that did not match what was sent.
    pub wrong: u64,
    /// Replies that never came.
    pub missing: u64,
    /// Correct replies slower than `--late`, among the `measured` ones.
    pub late: u64,
    /// Whether late replies are errors (`--fail-on-late`).
    pub late_is_error: bool,
    /// Connections that could not be opened or failed with an I/O error.
    pub failed: u64,
    /// The first failure, to show what went wrong.
    pub first_failure: Option<String>,
}

impl Counts {
    /// Errors of every kind that fails the run: late replies only with `--fail-on-late`.
    pub fn errors(&self) -> u64 {
        let late = if self.late_is_error { self.late } else { 0 };
        self.wrong + self.missing + late + self.failed
    }
}

/// The state the connections of one run share.
#[derive(Debug)]
pub struct Tally {
    phase: Cell<RunPhase>,
    late_after: Duration,
    counts: RefCell<Counts>,
    measure_start: Cell<Option<Instant>>,
}

impl Tally {
    /// A tally in `phase`; replies slower than `late_after` count as late, and as errors if
    /// `late_is_error`.
    pub fn new(phase: RunPhase, late_after: Duration, late_is_error: bool) -> Self {
        let latency = Histogram::new_with_bounds(1, MAX_LATENCY_NS, 3)
            .expect("constant histogram bounds are valid");
        Tally {
            phase: Cell::new(phase),
            late_after,
            counts: RefCell::new(Counts {
                latency,
                measured: 0,
                total: 0,
                wrong: 0,
                missing: 0,
                late: 0,
                late_is_error,
                failed: 0,
                first_failure: None,
            }),
            measure_start: Cell::new((phase == RunPhase::Measure).then(Instant::now)),
        }
    }

    /// The current phase.
    pub fn phase(&self) -> RunPhase {
        self.phase.get()
    }

    /// Moves to `phase`; entering [`RunPhase::Measure`] starts the clock for throughput.
    pub fn set_phase(&self, phase: RunPhase) {
        if phase == RunPhase::Measure {
            self.measure_start.set(Some(Instant::now()));
        }
        self.phase.set(phase);
    }

    /// A correct reply that took `latency`. Late ones are counted among the measured replies
    /// only, so that `late` never exceeds `messages` in the report.
    pub fn reply(&self, latency: Duration) {
        let mut c = self.counts.borrow_mut();
        c.total += 1;
        if self.phase.get() == RunPhase::Measure {
            c.measured += 1;
            c.late += u64::from(latency > self.late_after);
            let ns = u64::try_from(latency.as_nanos()).unwrap_or(u64::MAX).max(1);
            c.latency.saturating_record(ns);
        }
    }

    /// A reply that did not match.
    pub fn wrong(&self) {
        self.counts.borrow_mut().wrong += 1;
    }

    /// `n` replies that never came.
    pub fn missing(&self, n: u64) {
        self.counts.borrow_mut().missing += n;
    }

    /// A connection that failed to open or broke.
    pub fn failed(&self, why: impl FnOnce() -> String) {
        let mut c = self.counts.borrow_mut();
        c.failed += 1;
        if c.first_failure.is_none() {
            c.first_failure = Some(why());
        }
    }

    /// Correct replies so far and errors so far, for the progress line.
    pub fn progress(&self) -> (u64, u64) {
        let c = self.counts.borrow();
        (c.total, c.errors())
    }

    /// When measuring started, if it has.
    pub fn measure_start(&self) -> Option<Instant> {
        self.measure_start.get()
    }

    /// A copy of the counts.
    pub fn snapshot(&self) -> Counts {
        self.counts.borrow().clone()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Warm-up replies count in the total only; late replies are errors with
    /// `--fail-on-late`, and still recorded.
    #[test]
    fn warmup_is_not_measured_and_late_is_an_error() {
        let t = Tally::new(RunPhase::Warmup, Duration::from_millis(10), true);
        t.reply(Duration::from_micros(5));
        t.set_phase(RunPhase::Measure);
        t.reply(Duration::from_micros(7));
        t.reply(Duration::from_millis(20));
        t.wrong();
        t.missing(2);
        t.failed(|| "refused".into());
        let c = t.snapshot();
        assert_eq!((c.total, c.measured, c.late), (3, 2, 1));
        assert_eq!(c.latency.len(), 2);
        assert_eq!(c.errors(), 5);
        assert_eq!(c.first_failure.as_deref(), Some("refused"));
        assert!(t.measure_start().is_some());
    }

    /// Regression (issue 22: "20 messages ... 25 late"): replies that arrive during warm-up
    /// or the drain are not measured, so they are not counted late either; and without
    /// `--fail-on-late` late replies are no error.
    #[test]
    fn late_replies_are_among_the_measured_ones() {
        let t = Tally::new(RunPhase::Warmup, Duration::from_millis(10), false);
        t.reply(Duration::from_secs(1));
        t.set_phase(RunPhase::Measure);
        t.reply(Duration::from_secs(1));
        t.set_phase(RunPhase::Stop);
        t.reply(Duration::from_secs(1));
        let c = t.snapshot();
        assert_eq!((c.total, c.measured, c.late), (3, 1, 1));
        assert_eq!(c.errors(), 0);
    }
}
