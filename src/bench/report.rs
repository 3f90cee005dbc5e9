//! The results of a run and how they are shown: a table for people, JSON for machines.

use super::args::{Framing, Mode};
use super::stats::Counts;
use super::timeline::Second;
use hdrhistogram::Histogram;
use serde::Serialize;
use std::fmt::Write as _;
use std::time::Duration;

/// The results of one run at one connection count.
#[derive(Debug, Clone, Serialize)]
pub struct RunReport {
    /// The mode that ran.
    pub mode: Mode,
    /// The framing used.
    pub framing: Framing,
    /// Concurrent connections.
    pub connections: u32,
    /// Names in flight per connection (pipeline mode).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub depth: Option<u32>,
    /// Seconds measured (idle mode: seconds the final check took).
    pub seconds: f64,
    /// Correct replies while measuring (churn: connections completed).
    pub messages: u64,
    /// Correct replies over the whole run, warm-up and drain included: what the server did.
    pub messages_total: u64,
    /// `messages` per second.
    pub throughput: f64,
    /// Connections open and greeted when the hold ended (idle mode).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub held: Option<u64>,
    /// Reply latency percentiles in microseconds (churn: connect to reply); under `--rate`
    /// from when each message was due, corrected for coordinated omission.
    pub latency_us: Latency,
    /// Under `--rate`: the same replies' latency from when each message actually went.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub latency_uncorrected_us: Option<Latency>,
    /// Under `--rate`: the rate asked for and the rate achieved.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub rate: Option<Rate>,
    /// Everything that went wrong.
    pub errors: Errors,
    /// The measured replies and errors second by second.
    pub timeline: Vec<Second>,
    /// The run's latency histograms, for `--hdr-out`.
    #[serde(skip)]
    pub histograms: Histograms,
    /// Which of `--runs` this was, from 1 (absent for a single run).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub run: Option<u32>,
}

/// A run's latency histograms, in nanoseconds.
#[derive(Clone)]
pub struct Histograms {
    /// From when each message was due (without `--rate`, from when it went).
    pub latency: Histogram<u64>,
    /// Under `--rate`, from when each message went.
    pub uncorrected: Option<Histogram<u64>>,
}

impl std::fmt::Debug for Histograms {
    /// The number of values only: the buckets would drown a test's failure message.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "Histograms {{ values: {} }}", self.latency.len())
    }
}

/// Latency percentiles in microseconds.
#[derive(Debug, Clone, Copy, Default, Serialize)]
pub struct Latency {
    /// Median.
    pub p50: f64,
    /// 90th percentile.
    pub p90: f64,
    /// 99th percentile.
    pub p99: f64,
    /// 99.9th percentile.
    pub p999: f64,
    /// Slowest.
    pub max: f64,
    /// Mean.
    pub mean: f64,
}

/// The rate of a `--rate` run.
#[derive(Debug, Clone, Copy, Default, Serialize)]
pub struct Rate {
    /// Messages (churn: conversations) per second asked for.
    pub target: f64,
    /// Correct replies per second while measuring.
    pub achieved: f64,
    /// Messages that went more than 10 ms after their due time (their connection was still
    /// waiting on the server, or the generator fell behind).
    pub behind_schedule: u64,
}

impl Latency {
    /// The percentiles of `h`, a histogram in nanoseconds.
    pub fn of(h: &Histogram<u64>) -> Self {
        let us = |ns: u64| ns as f64 / 1000.0;
        Latency {
            p50: us(h.value_at_quantile(0.5)),
            p90: us(h.value_at_quantile(0.9)),
            p99: us(h.value_at_quantile(0.99)),
            p999: us(h.value_at_quantile(0.999)),
            max: us(h.max()),
            mean: h.mean() / 1000.0,
        }
    }
}

/// Error counts of a run.
#[derive(Debug, Clone, Default, Serialize)]
pub struct Errors {
    /// Replies that did not match, byte for byte, what was sent.
    pub wrong: u64,
    /// Replies that never came.
    pub missing: u64,
    /// Correct replies slower than `--late`, among `messages`.
    pub late: u64,
    /// Connections that could not be opened or broke.
    pub failed: u64,
    /// The errors that fail the run: the sum of the above, `late` only with `--fail-on-late`.
    pub total: u64,
    /// The first connection failure, if any.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub first_failure: Option<String>,
}

/// What a run was asked to do, to label its report.
#[derive(Debug, Clone, Copy)]
pub struct RunSpec {
    /// The mode.
    pub mode: Mode,
    /// The framing.
    pub framing: Framing,
    /// Concurrent connections.
    pub connections: u32,
    /// Pipeline depth, when it applies.
    pub depth: Option<u32>,
}

impl RunReport {
    /// Builds the report from a run's counts over `elapsed`; `rate` is the `--rate` asked for.
    pub fn new(
        spec: RunSpec,
        counts: &Counts,
        elapsed: Duration,
        held: Option<u64>,
        rate: Option<f64>,
    ) -> Self {
        let seconds = elapsed.as_secs_f64();
        let throughput = if seconds > 0.0 {
            counts.measured as f64 / seconds
        } else {
            0.0
        };
        RunReport {
            mode: spec.mode,
            framing: spec.framing,
            connections: spec.connections,
            depth: spec.depth,
            seconds,
            messages: counts.measured,
            messages_total: counts.total,
            throughput,
            held,
            latency_us: Latency::of(&counts.latency),
            latency_uncorrected_us: counts.uncorrected.as_ref().map(Latency::of),
            rate: rate.map(|target| Rate {
                target,
                achieved: throughput,
                behind_schedule: counts.behind_schedule,
            }),
            histograms: Histograms {
                latency: counts.latency.clone(),
                uncorrected: counts.uncorrected.clone(),
            },
            run: None,
            timeline: counts
                .timeline
                .as_ref()
                .map(|t| t.seconds())
                .unwrap_or_default(),
            errors: Errors {
                wrong: counts.wrong,
                missing: counts.missing,
                late: counts.late,
                failed: counts.failed,
                total: counts.errors(),
                first_failure: counts.first_failure.clone(),
            },
        }
    }
}

/// Best, worst and median of `--runs`, as memtier_benchmark reports them.
#[derive(Debug, Clone, Serialize)]
pub struct Summary {
    /// What ranks the runs: `throughput` (higher is better), or under `--rate`, where the
    /// throughput is the rate asked for, `p99` latency (lower is better).
    pub by: &'static str,
    /// The best run.
    pub best: Pick,
    /// The worst run.
    pub worst: Pick,
    /// The run in the middle.
    pub median: Pick,
}

/// One run, picked by the [`Summary`].
#[derive(Debug, Clone, Copy, Serialize)]
pub struct Pick {
    /// Which run, from 1.
    pub run: u32,
    /// Its messages per second.
    pub throughput: f64,
    /// Its latency percentiles in microseconds.
    pub latency_us: Latency,
    /// Its errors.
    pub errors: u64,
}

impl Summary {
    /// The summary of the runs of a `--runs` report; `None` for a single run or a sweep.
    pub fn of(reports: &[RunReport]) -> Option<Summary> {
        if reports.len() < 2 || reports.iter().any(|r| r.run.is_none()) {
            return None;
        }
        let paced = reports[0].rate.is_some();
        let mut ranked: Vec<&RunReport> = reports.iter().collect();
        if paced {
            ranked.sort_by(|a, b| a.latency_us.p99.total_cmp(&b.latency_us.p99));
        } else {
            ranked.sort_by(|a, b| b.throughput.total_cmp(&a.throughput));
        }
        let pick = |r: &RunReport| Pick {
            run: r.run.unwrap_or(1),
            throughput: r.throughput,
            latency_us: r.latency_us,
            errors: r.errors.total,
        };
        Some(Summary {
            by: if paced { "p99" } else { "throughput" },
            best: pick(ranked[0]),
            worst: pick(ranked[ranked.len() - 1]),
            median: pick(ranked[(ranked.len() - 1) / 2]),
        })
    }
}

/// The reports as one JSON document: `{"runs": [...]}`, and with `--runs` a `summary`.
pub fn json(reports: &[RunReport]) -> String {
    #[derive(Serialize)]
    struct Doc<'a> {
        runs: &'a [RunReport],
        #[serde(skip_serializing_if = "Option::is_none")]
        summary: Option<Summary>,
    }
    let doc = Doc {
        runs: reports,
        summary: Summary::of(reports),
    };
    serde_json::to_string_pretty(&doc).expect("reports serialize")
}

/// The reports as a table, one row per run, then one line per run that had errors.
pub fn table(reports: &[RunReport]) -> String {
    let mut out = String::new();
    let unit = match reports.first().map(|r| r.mode) {
        Some(Mode::Churn) => "conn/s",
        _ => "msg/s",
    };
    let _ = writeln!(
        out,
        "{:<9} {:>6} {:>6} {:>10} {:>11} {:>9} {:>9} {:>9} {:>9} {:>9} {:>7}",
        "mode", "conns", "secs", "messages", unit, "p50", "p90", "p99", "p99.9", "max", "errors"
    );
    for r in reports {
        let label = match r.run {
            Some(n) => format!("run {n}"),
            None => mode_name(r),
        };
        row(&mut out, &label, r, &r.latency_us);
        if let Some(uncorrected) = &r.latency_uncorrected_us {
            row(&mut out, "uncorr.", r, uncorrected);
        }
    }
    if let Some(s) = Summary::of(reports) {
        for (name, p) in [("best", s.best), ("worst", s.worst), ("median", s.median)] {
            let _ = writeln!(
                out,
                "{name:<6} (by {}): run {}, {:.0} {unit}, p50 {}, p99 {}, {} errors",
                s.by,
                p.run,
                p.throughput,
                micros(p.latency_us.p50),
                micros(p.latency_us.p99),
                p.errors
            );
        }
    }
    for r in reports {
        if let Some(rate) = &r.rate {
            let _ = writeln!(
                out,
                "{} conns: rate {:.0}/s asked, {:.0}/s achieved, {} sent behind schedule; latency counts from when each message was due (uncorr.: from when it went)",
                r.connections, rate.target, rate.achieved, rate.behind_schedule
            );
        }
    }
    for r in reports
        .iter()
        .filter(|r| r.errors.total > 0 || r.errors.late > 0 || r.held.is_some())
    {
        let e = &r.errors;
        let _ = write!(out, "{} conns:", r.connections);
        if let Some(held) = r.held {
            let _ = write!(out, " {held} held;");
        }
        let _ = write!(
            out,
            " {} wrong, {} missing, {} late, {} failed",
            e.wrong, e.missing, e.late, e.failed
        );
        if let Some(why) = &e.first_failure {
            let _ = write!(out, " (first: {why})");
        }
        out.push('\n');
    }
    out
}

/// One row of the table: `label`, the run's counts and `latency`.
fn row(out: &mut String, label: &str, r: &RunReport, l: &Latency) {
    let _ = writeln!(
        out,
        "{:<9} {:>6} {:>6.1} {:>10} {:>11.0} {:>9} {:>9} {:>9} {:>9} {:>9} {:>7}",
        label,
        r.connections,
        r.seconds,
        r.messages,
        r.throughput,
        micros(l.p50),
        micros(l.p90),
        micros(l.p99),
        micros(l.p999),
        micros(l.max),
        r.errors.total
    );
}

fn mode_name(r: &RunReport) -> String {
    match (r.mode, r.depth) {
        (Mode::Pipeline, Some(d)) => format!("pipe/{d}"),
        (Mode::Lockstep, _) => "lockstep".into(),
        (Mode::Pipeline, None) => "pipeline".into(),
        (Mode::Churn, _) => "churn".into(),
        (Mode::Idle, _) => "idle".into(),
    }
}

/// `23µs`, `1.25ms`, `2.10s`.
pub fn micros(us: f64) -> String {
    if us < 1000.0 {
        format!("{us:.0}µs")
    } else if us < 1_000_000.0 {
        format!("{:.2}ms", us / 1000.0)
    } else {
        format!("{:.2}s", us / 1_000_000.0)
    }
}

#[cfg(test)]
mod tests {
    use super::super::stats::{RunPhase, Tally};
    use super::*;

    fn sample() -> RunReport {
        let t = Tally::new(RunPhase::Measure, Duration::from_secs(1), true, false);
        for us in 1..=1000 {
            t.reply_after(Duration::from_micros(us));
        }
        t.missing(2);
        let spec = RunSpec {
            mode: Mode::Pipeline,
            framing: Framing::Line,
            connections: 50,
            depth: Some(32),
        };
        RunReport::new(spec, &t.snapshot(), Duration::from_secs(2), None, None)
    }

    /// Percentiles come from the histogram and throughput from the measured time.
    #[test]
    fn report_numbers() {
        let r = sample();
        assert_eq!(r.messages, 1000);
        assert!((r.throughput - 500.0).abs() < 1e-9);
        assert!(
            (r.latency_us.p50 - 500.0).abs() < 1.0,
            "{}",
            r.latency_us.p50
        );
        assert!(
            (r.latency_us.p99 - 990.0).abs() < 1.0,
            "{}",
            r.latency_us.p99
        );
        assert_eq!(r.errors.total, 2);
    }

    /// The table has a header, a row, and an error line; JSON carries the same numbers.
    #[test]
    fn table_and_json() {
        let r = sample();
        let t = table(std::slice::from_ref(&r));
        assert!(t.starts_with("mode"), "{t}");
        assert!(t.contains("pipe/32"), "{t}");
        assert!(t.contains("2 missing"), "{t}");
        let v: serde_json::Value = serde_json::from_str(&json(&[r])).unwrap();
        assert_eq!(v["runs"][0]["mode"], "pipeline");
        assert_eq!(v["runs"][0]["errors"]["missing"], 2);
        assert_eq!(v["runs"][0]["messages"], 1000);
    }

    /// `--runs`: best, worst and median by throughput, or by p99 under `--rate`; none for
    /// a single run.
    #[test]
    fn summary_of_runs() {
        let mut runs: Vec<RunReport> = [300.0, 100.0, 200.0]
            .iter()
            .enumerate()
            .map(|(i, &tp)| {
                let mut r = sample();
                r.throughput = tp;
                r.latency_us.p99 = tp;
                r.run = Some(i as u32 + 1);
                r
            })
            .collect();
        assert!(Summary::of(&runs[..1]).is_none());
        let s = Summary::of(&runs).unwrap();
        assert_eq!(
            (s.by, s.best.run, s.worst.run, s.median.run),
            ("throughput", 1, 2, 3)
        );
        for r in &mut runs {
            r.rate = Some(Rate::default());
        }
        let s = Summary::of(&runs).unwrap();
        assert_eq!((s.by, s.best.run, s.worst.run), ("p99", 2, 1));
        let t = table(&runs);
        assert!(
            t.contains("run 3") && t.contains("median (by p99): run 3"),
            "{t}"
        );
        let v: serde_json::Value = serde_json::from_str(&json(&runs)).unwrap();
        assert_eq!(v["summary"]["best"]["run"], 2);
    }

    /// Latencies read naturally at every scale.
    #[test]
    fn latency_units() {
        assert_eq!(micros(23.4), "23µs");
        assert_eq!(micros(1250.0), "1.25ms");
        assert_eq!(micros(2_100_000.0), "2.10s");
    }
}
