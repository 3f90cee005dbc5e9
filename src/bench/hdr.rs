//! Owns the `--hdr-out` file: each run's latency histogram in HdrHistogram's interval-log
//! format, so HdrHistogram's own tools read it, and the run's counts beside it, so that
//! `sockit bench merge` can add up what several generators saw.
//!
//! The file is a standard interval log: one interval per run, its histogram compressed with
//! the V2 deflate serializer and base64-encoded, values in nanoseconds (what
//! HistogramLogProcessor assumes by default). Under `--rate` a second interval per run,
//! tagged `uncorrected`, holds the latency from when each message actually went. The counts
//! (messages, seconds, errors, rate) go in a comment line before each run's interval,
//! `#[sockit-counts {...}]`, which other readers skip as they skip every comment.

use super::report::RunReport;
use anyhow::{bail, Context};
use base64::Engine;
use hdrhistogram::serialization::interval_log::{
    IntervalLogIterator, IntervalLogWriterBuilder, IntervalLogWriterError, LogEntry, Tag,
};
use hdrhistogram::serialization::{Deserializer, V2DeflateSerializer};
use hdrhistogram::Histogram;
use serde::{Deserialize, Serialize};
use std::path::Path;
use std::time::{Duration, SystemTime};

/// Starts the comment that carries a run's counts.
const COUNTS: &str = "[sockit-counts ";

/// The tag of the intervals that hold uncorrected latency.
const UNCORRECTED: &str = "uncorrected";

/// What one run counted, as the file carries it beside the histogram.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct RunCounts {
    /// The mode that ran.
    pub mode: String,
    /// Concurrent connections.
    pub connections: u32,
    /// Seconds measured.
    pub seconds: f64,
    /// Correct replies measured.
    pub messages: u64,
    /// Replies that did not match.
    pub wrong: u64,
    /// Replies that never came.
    pub missing: u64,
    /// Correct replies slower than `--late`.
    pub late: u64,
    /// Connections that failed.
    pub failed: u64,
    /// The errors that failed the run (`late` among them with `--fail-on-late`).
    pub errors: u64,
    /// Under `--rate`, the rate asked for.
    pub rate: Option<f64>,
    /// Under `--rate`, messages sent behind schedule.
    pub behind_schedule: Option<u64>,
}

impl RunCounts {
    /// The counts of `r`.
    pub fn of(r: &RunReport) -> Self {
        RunCounts {
            mode: r.mode.to_string(),
            connections: r.connections,
            seconds: r.seconds,
            messages: r.messages,
            wrong: r.errors.wrong,
            missing: r.errors.missing,
            late: r.errors.late,
            failed: r.errors.failed,
            errors: r.errors.total,
            rate: r.rate.map(|rate| rate.target),
            behind_schedule: r.rate.map(|rate| rate.behind_schedule),
        }
    }
}

/// Everything one `--hdr-out` file holds, its runs added up.
#[derive(Debug, Clone)]
pub struct HdrFile {
    /// Each run's counts, in order.
    pub runs: Vec<RunCounts>,
    /// Every run's latency, added, in nanoseconds.
    pub latency: Histogram<u64>,
    /// Under `--rate`, every run's uncorrected latency, added.
    pub uncorrected: Option<Histogram<u64>>,
}

/// Writes the runs of `reports` to `path` as an interval log; see the module docs.
pub fn write(path: &Path, reports: &[RunReport]) -> anyhow::Result<()> {
    let text = encode(reports)?;
    std::fs::write(path, text).with_context(|| format!("cannot write {}", path.display()))
}

/// The interval log of `reports`, each run one interval after the other.
fn encode(reports: &[RunReport]) -> anyhow::Result<Vec<u8>> {
    let mut out = Vec::new();
    let mut serializer = V2DeflateSerializer::new();
    let mut writer = IntervalLogWriterBuilder::new()
        .add_comment("sockit bench: one interval per run, latency in nanoseconds")
        .with_start_time(SystemTime::now())
        .with_max_value_divisor(1e6)
        .begin_log_with(&mut out, &mut serializer)?;
    let mut start = Duration::ZERO;
    for r in reports {
        let counts = serde_json::to_string(&RunCounts::of(r))?;
        writer.write_comment(&format!("{COUNTS}{counts}]"))?;
        let length = Duration::from_secs_f64(r.seconds.max(0.0));
        writer
            .write_histogram(&r.histograms.latency, start, length, None)
            .map_err(not_encoded)?;
        if let Some(uncorrected) = &r.histograms.uncorrected {
            writer
                .write_histogram(uncorrected, start, length, Tag::new(UNCORRECTED))
                .map_err(not_encoded)?;
        }
        start += length;
    }
    drop(writer);
    Ok(out)
}

fn not_encoded<E: std::fmt::Debug>(e: IntervalLogWriterError<E>) -> anyhow::Error {
    anyhow::anyhow!("cannot encode the histogram: {e:?}")
}

/// Reads a file `--hdr-out` wrote.
pub fn read(path: &Path) -> anyhow::Result<HdrFile> {
    let bytes = std::fs::read(path).with_context(|| format!("cannot read {}", path.display()))?;
    decode(&bytes).with_context(|| format!("{}", path.display()))
}

/// The runs and added histograms of an interval log written by [`write`].
fn decode(bytes: &[u8]) -> anyhow::Result<HdrFile> {
    let text = std::str::from_utf8(bytes).context("not an interval log: not text")?;
    let runs = text
        .lines()
        .filter_map(|line| {
            line.strip_prefix('#')?
                .strip_prefix(COUNTS)?
                .strip_suffix(']')
        })
        .map(|json| serde_json::from_str(json).context("unreadable counts line"))
        .collect::<anyhow::Result<Vec<RunCounts>>>()?;
    if runs.is_empty() {
        bail!("no sockit-counts line: not written by sockit bench --hdr-out");
    }
    let mut latency: Option<Histogram<u64>> = None;
    let mut uncorrected: Option<Histogram<u64>> = None;
    let mut deserializer = Deserializer::new();
    for entry in IntervalLogIterator::new(bytes) {
        let LogEntry::Interval(interval) =
            entry.map_err(|e| anyhow::anyhow!("not an interval log: {e:?}"))?
        else {
            continue;
        };
        let compressed = base64::engine::general_purpose::STANDARD
            .decode(interval.encoded_histogram())
            .context("a histogram is not base64")?;
        let h: Histogram<u64> = deserializer
            .deserialize(&mut compressed.as_slice())
            .map_err(|e| anyhow::anyhow!("a histogram cannot be decoded: {e:?}"))?;
        let sum = match interval.tag().map(|t| t.as_str()) {
            Some(UNCORRECTED) => &mut uncorrected,
            _ => &mut latency,
        };
        add(sum, &h)?;
    }
    Ok(HdrFile {
        runs,
        latency: latency.context("no histogram in the file")?,
        uncorrected,
    })
}

/// Adds `h` into `sum`, which starts as a copy of the first.
pub fn add(sum: &mut Option<Histogram<u64>>, h: &Histogram<u64>) -> anyhow::Result<()> {
    match sum {
        Some(sum) => sum
            .add(h)
            .map_err(|e| anyhow::anyhow!("histograms cannot be added: {e:?}")),
        None => {
            *sum = Some(h.clone());
            Ok(())
        }
    }
}

#[cfg(test)]
pub(crate) mod tests {
    use super::super::args::{Framing, Mode};
    use super::super::report::RunSpec;
    use super::super::schedule::Stamp;
    use super::super::stats::{RunPhase, Tally};
    use super::*;
    use std::time::Instant;

    /// A run of `n` replies of 1..=n ms; paced runs add an uncorrected histogram.
    pub(crate) fn run_of(n: u64, paced: bool) -> RunReport {
        let t = Tally::new(RunPhase::Measure, Duration::from_secs(10), false, paced);
        for ms in 1..=n {
            let sent = Instant::now();
            t.reply(sent + Duration::from_millis(ms), Stamp::unpaced(sent));
        }
        t.missing(1);
        let spec = RunSpec {
            mode: Mode::Lockstep,
            framing: Framing::Line,
            connections: 3,
            depth: None,
        };
        let rate = paced.then_some(100.0);
        RunReport::new(spec, &t.snapshot(), Duration::from_secs(2), None, rate)
    }

    /// What is written reads back: every run's counts, and the histograms added, the
    /// uncorrected one apart; the file is an interval log HdrHistogram's tools take.
    #[test]
    fn written_runs_read_back() {
        let runs = [run_of(100, true), run_of(300, true)];
        let bytes = encode(&runs).unwrap();
        let text = String::from_utf8(bytes.clone()).unwrap();
        assert!(text.contains("#[StartTime: "), "{text}");
        assert!(text.contains("Tag=uncorrected,"), "{text}");
        let file = decode(&bytes).unwrap();
        assert_eq!(
            file.runs,
            runs.iter().map(RunCounts::of).collect::<Vec<_>>()
        );
        assert_eq!(file.runs[1].rate, Some(100.0));
        assert_eq!(file.latency.len(), 400);
        assert_eq!(file.uncorrected.map(|h| h.len()), Some(400));
        let p50_ms = file.latency.value_at_quantile(0.5) as f64 / 1e6;
        // 1..=100 ms twice and 101..=300 once: the median is 100 ms.
        assert!((p50_ms - 100.0).abs() < 1.0, "{p50_ms}");
    }

    /// Anything else is refused with what is wrong with it.
    #[test]
    fn other_files_are_refused() {
        let err = decode(b"hello\n").unwrap_err().to_string();
        assert!(err.contains("sockit-counts"), "{err}");
        let err = decode(&[0xff, 0xfe]).unwrap_err().to_string();
        assert!(err.contains("not text"), "{err}");
        let forged = b"#[sockit-counts {\"mode\":\"lockstep\"}]\n0.000,1.000,1.0,!!!\n";
        assert!(decode(forged).is_err());
    }
}
