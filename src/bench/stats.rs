//! What the connections of one run record: replies, errors and the latency histograms.
//!
//! All connections of a run are tasks on one thread (a `LocalSet`), so they share one
//! [`Tally`] through `Rc` and `RefCell` with no atomics and no locks; recording a reply is a
//! histogram increment.

use super::schedule::Stamp;
use super::timeline::Timeline;
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
    /// Reply latencies in nanoseconds, recorded while measuring; under `--rate` from when
    /// each message was due (corrected for coordinated omission).
    pub latency: Histogram<u64>,
    /// Under `--rate`, the same replies' latencies from when each message actually went.
    pub uncorrected: Option<Histogram<u64>>,
    /// Under `--rate`, messages sent while measuring that went late on their schedule.
    pub behind_schedule: u64,
    /// The measured replies and errors second by second, once measuring has started.
    pub timeline: Option<Timeline>,
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
    /// When the run stopped, if it has.
    stopped_at: Cell<Option<Instant>>,
    /// Whether messages have due times (`--rate`): then a reply is measured when its message
    /// was due while measuring, whenever it arrives.
    paced: bool,
}

impl Tally {
    /// A tally in `phase`; replies slower than `late_after` count as late, and as errors if
    /// `late_is_error`. A `paced` run (`--rate`) also keeps the uncorrected latencies.
    pub fn new(phase: RunPhase, late_after: Duration, late_is_error: bool, paced: bool) -> Self {
        let latency = new_histogram();
        Tally {
            phase: Cell::new(phase),
            late_after,
            counts: RefCell::new(Counts {
                latency,
                uncorrected: paced.then(new_histogram),
                behind_schedule: 0,
                timeline: (phase == RunPhase::Measure)
                    .then(|| Timeline::new(Instant::now(), &new_histogram())),
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
            stopped_at: Cell::new(None),
            paced,
        }
    }

    /// The current phase.
    pub fn phase(&self) -> RunPhase {
        self.phase.get()
    }

    /// Moves to `phase`; entering [`RunPhase::Measure`] starts the clock for throughput.
    pub fn set_phase(&self, phase: RunPhase) {
        match phase {
            RunPhase::Measure => {
                let now = Instant::now();
                self.measure_start.set(Some(now));
                let mut c = self.counts.borrow_mut();
                c.timeline = Some(Timeline::new(now, &c.latency));
            }
            RunPhase::Stop => self.stopped_at.set(Some(Instant::now())),
            RunPhase::Warmup => {}
        }
        self.phase.set(phase);
    }

    /// Whether a message due at `due` is still to be sent: any while the run goes on, and
    /// under `--rate` also those that fell due before it stopped, so that a generator that
    /// fell behind skips none of them.
    pub fn still_due(&self, due: Instant) -> bool {
        match self.stopped_at.get() {
            None => true,
            Some(stop) => self.paced && due < stop,
        }
    }

    /// Whether the reply to the message `stamp` describes is measured: without `--rate`, one
    /// that arrives while measuring; under it, one whose message fell due while measuring,
    /// whenever it arrives, so that a slow reply at the end is not left out.
    fn measures(&self, stamp: Stamp) -> bool {
        if !self.paced {
            return self.phase.get() == RunPhase::Measure;
        }
        let started = self
            .measure_start
            .get()
            .is_some_and(|start| stamp.due >= start);
        started && self.still_due(stamp.due)
    }

    /// How long measuring lasted: from its start to the stop (or to now).
    pub fn measured_time(&self) -> Duration {
        let end = self.stopped_at.get().unwrap_or_else(Instant::now);
        self.measure_start
            .get()
            .map_or(Duration::ZERO, |start| end.saturating_duration_since(start))
    }

    /// A correct reply, arrived at `now`, to the message `stamp` describes; its latency counts
    /// from when the message was due. Late ones are counted among the measured replies only,
    /// so that `late` never exceeds `messages` in the report.
    pub fn reply(&self, now: Instant, stamp: Stamp) {
        let latency = now.saturating_duration_since(stamp.due);
        let mut c = self.counts.borrow_mut();
        c.total += 1;
        if self.measures(stamp) {
            c.measured += 1;
            let late = latency > self.late_after;
            let late_error = late && c.late_is_error;
            c.late += u64::from(late);
            let ns = nanos(latency);
            c.latency.saturating_record(ns);
            if let Some(timeline) = &mut c.timeline {
                timeline.reply(now, ns);
                if late_error {
                    timeline.errors(now, 1);
                }
            }
            if let Some(uncorrected) = &mut c.uncorrected {
                uncorrected.saturating_record(nanos(now.saturating_duration_since(stamp.sent)));
            }
        }
    }

    /// A message went as `stamp` says; counted if it went behind its schedule.
    pub fn sent(&self, stamp: Stamp) {
        if stamp.behind() && self.measures(stamp) {
            self.counts.borrow_mut().behind_schedule += 1;
        }
    }

    /// A reply of `latency` to a message sent with no schedule, for tests.
    #[cfg(test)]
    pub fn reply_after(&self, latency: Duration) {
        let now = Instant::now();
        self.reply(now + latency, Stamp::unpaced(now));
    }

    /// A reply that did not match.
    pub fn wrong(&self) {
        self.counts.borrow_mut().wrong += 1;
        self.timeline_errors(1);
    }

    /// `n` replies that never came.
    pub fn missing(&self, n: u64) {
        self.counts.borrow_mut().missing += n;
        self.timeline_errors(n);
    }

    /// A connection that failed to open or broke.
    pub fn failed(&self, why: impl FnOnce() -> String) {
        self.timeline_errors(1);
        let mut c = self.counts.borrow_mut();
        c.failed += 1;
        if c.first_failure.is_none() {
            c.first_failure = Some(why());
        }
    }

    /// Puts `n` errors into the timeline's current second, while measuring.
    fn timeline_errors(&self, n: u64) {
        if n > 0 && self.phase.get() == RunPhase::Measure {
            if let Some(timeline) = &mut self.counts.borrow_mut().timeline {
                timeline.errors(Instant::now(), n);
            }
        }
    }

    /// Correct replies so far and errors so far, for the progress line.
    pub fn progress(&self) -> (u64, u64) {
        let c = self.counts.borrow();
        (c.total, c.errors())
    }

    /// A copy of the counts.
    pub fn snapshot(&self) -> Counts {
        self.counts.borrow().clone()
    }
}

fn new_histogram() -> Histogram<u64> {
    Histogram::new_with_bounds(1, MAX_LATENCY_NS, 3).expect("constant histogram bounds are valid")
}

/// `d` in whole nanoseconds, at least 1 (the histogram's lowest value).
fn nanos(d: Duration) -> u64 {
    u64::try_from(d.as_nanos()).unwrap_or(u64::MAX).max(1)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Warm-up replies count in the total only; late replies are errors with
    /// `--fail-on-late`, and still recorded.
    #[test]
    fn warmup_is_not_measured_and_late_is_an_error() {
        let t = Tally::new(RunPhase::Warmup, Duration::from_millis(10), true, false);
        t.reply_after(Duration::from_micros(5));
        t.set_phase(RunPhase::Measure);
        t.reply_after(Duration::from_micros(7));
        t.reply_after(Duration::from_millis(20));
        t.wrong();
        t.missing(2);
        t.failed(|| "refused".into());
        let c = t.snapshot();
        assert_eq!((c.total, c.measured, c.late), (3, 2, 1));
        assert_eq!(c.latency.len(), 2);
        assert_eq!(c.errors(), 5);
        assert_eq!(c.first_failure.as_deref(), Some("refused"));
        assert!(t.measured_time() > Duration::ZERO);
    }

    /// Regression (issue 22: "20 messages ... 25 late"): replies that arrive during warm-up
    /// or the drain are not measured, so they are not counted late either; and without
    /// `--fail-on-late` late replies are no error.
    #[test]
    fn late_replies_are_among_the_measured_ones() {
        let t = Tally::new(RunPhase::Warmup, Duration::from_millis(10), false, false);
        t.reply_after(Duration::from_secs(1));
        t.set_phase(RunPhase::Measure);
        t.reply_after(Duration::from_secs(1));
        t.set_phase(RunPhase::Stop);
        t.reply_after(Duration::from_secs(1));
        let c = t.snapshot();
        assert_eq!((c.total, c.measured, c.late), (3, 1, 1));
        assert_eq!(c.errors(), 0);
    }

    /// Under `--rate` a reply's latency counts from when it was due, the uncorrected one from
    /// when it went, and a send well after its due time is behind schedule.
    #[test]
    fn paced_replies_keep_both_latencies() {
        let t = Tally::new(RunPhase::Measure, Duration::from_secs(1), false, true);
        let due = Instant::now();
        let stamp = Stamp {
            due,
            sent: due + Duration::from_millis(200),
        };
        t.sent(stamp);
        t.reply(due + Duration::from_millis(201), stamp);
        let c = t.snapshot();
        assert!(c.latency.max() >= 200_000_000, "{}", c.latency.max());
        assert!(c.uncorrected.unwrap().max() <= 1_100_000);
        assert_eq!(c.behind_schedule, 1);
    }

    /// Under `--rate` what counts is when a message was due: one due before the stop is
    /// still sent and measured after it, one due after the stop is not sent at all, and one
    /// due before measuring started is not measured.
    #[test]
    fn paced_runs_measure_by_due_time() {
        let t = Tally::new(RunPhase::Warmup, Duration::from_secs(1), false, true);
        let early = Instant::now();
        t.set_phase(RunPhase::Measure);
        let inside = Instant::now();
        t.set_phase(RunPhase::Stop);
        let late = Instant::now() + Duration::from_millis(1);
        assert!(t.still_due(inside) && !t.still_due(late));
        for due in [early, inside] {
            t.reply(late, Stamp { due, sent: due });
        }
        let c = t.snapshot();
        assert_eq!((c.total, c.measured), (2, 1));
    }
}
