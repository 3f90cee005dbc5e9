//! `sockit bench merge`: the `--hdr-out` files of several generators judged as one run.
//!
//! Load from one machine is often not enough, and percentiles cannot be averaged: the p99 of
//! two generators is not the mean of their p99s. Each generator writes its latency histogram
//! (`--hdr-out`); merging adds the histograms, so the merged percentiles are those of every
//! reply together, as vegeta's report does. The files are taken as generators that ran at the
//! same time: their throughputs and connections add up, and the merged run lasted as long as
//! the longest. Within one file, runs (`--runs`, `--sweep`) went one after another.

use super::args::MergeArgs;
use super::hdr::{self, HdrFile};
use super::report::{self, Errors, Latency, Rate};
use anyhow::{bail, Context};
use serde::Serialize;
use std::fmt::Write as _;

/// The merged report.
#[derive(Debug, Clone, Serialize)]
pub struct Merged {
    /// Files merged.
    pub files: usize,
    /// Runs in them.
    pub runs: usize,
    /// Connections of all generators together (per file, its largest run's).
    pub connections: u64,
    /// The longest file's measured seconds.
    pub seconds: f64,
    /// Correct replies measured by every generator.
    pub messages: u64,
    /// Messages per second of all generators together.
    pub throughput: f64,
    /// Latency percentiles of every reply, in microseconds.
    pub latency_us: Latency,
    /// Under `--rate`, the uncorrected latency of every reply.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub latency_uncorrected_us: Option<Latency>,
    /// Under `--rate`, the rates of all generators added.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub rate: Option<Rate>,
    /// Every generator's errors added.
    pub errors: Errors,
}

/// Runs `sockit bench merge`: the report on stdout; an error if any merged run had errors.
pub fn execute(args: &MergeArgs) -> anyhow::Result<()> {
    let files = args
        .files
        .iter()
        .map(|path| hdr::read(path))
        .collect::<anyhow::Result<Vec<_>>>()?;
    let merged = merge(&files)?;
    let text = if args.json {
        format!("{}\n", serde_json::to_string_pretty(&merged)?)
    } else {
        table(&merged)
    };
    crate::exit::write_stdout(text.as_bytes()).context("cannot write the report")?;
    if merged.errors.total > 0 {
        bail!(
            "{} errors in the merged runs (wrong, missing or late replies, or failed connections; see the report)",
            merged.errors.total
        );
    }
    Ok(())
}

/// Adds up `files`; see the module docs.
pub fn merge(files: &[HdrFile]) -> anyhow::Result<Merged> {
    let mut latency = None;
    let mut uncorrected = None;
    let mut merged = Merged {
        files: files.len(),
        runs: 0,
        connections: 0,
        seconds: 0.0,
        messages: 0,
        throughput: 0.0,
        latency_us: Latency::default(),
        latency_uncorrected_us: None,
        rate: None,
        errors: Errors::default(),
    };
    for file in files {
        hdr::add(&mut latency, &file.latency)?;
        if let Some(h) = &file.uncorrected {
            hdr::add(&mut uncorrected, h)?;
        }
        let seconds: f64 = file.runs.iter().map(|r| r.seconds).sum();
        let messages: u64 = file.runs.iter().map(|r| r.messages).sum();
        merged.runs += file.runs.len();
        merged.connections += file
            .runs
            .iter()
            .map(|r| u64::from(r.connections))
            .max()
            .unwrap_or(0);
        merged.seconds = merged.seconds.max(seconds);
        merged.messages += messages;
        let throughput = if seconds > 0.0 {
            messages as f64 / seconds
        } else {
            0.0
        };
        merged.throughput += throughput;
        let e = &mut merged.errors;
        for r in &file.runs {
            e.wrong += r.wrong;
            e.missing += r.missing;
            e.late += r.late;
            e.failed += r.failed;
            e.total += r.errors;
        }
        if let Some(target) = file.runs.first().and_then(|r| r.rate) {
            let rate = merged.rate.get_or_insert(Rate::default());
            rate.target += target;
            rate.achieved += throughput;
            rate.behind_schedule += file
                .runs
                .iter()
                .filter_map(|r| r.behind_schedule)
                .sum::<u64>();
        }
    }
    merged.latency_us = Latency::of(&latency.context("nothing to merge")?);
    // The uncorrected latency and the rate describe every reply only if every generator ran
    // with --rate.
    if files.iter().all(|f| f.uncorrected.is_some()) {
        merged.latency_uncorrected_us = uncorrected.as_ref().map(Latency::of);
    } else {
        merged.rate = None;
    }
    Ok(merged)
}

/// The merged report as a table, as a run's.
pub fn table(m: &Merged) -> String {
    let mut out = String::new();
    let _ = writeln!(
        out,
        "{:<9} {:>6} {:>6} {:>10} {:>11} {:>9} {:>9} {:>9} {:>9} {:>9} {:>7}",
        "merged",
        "conns",
        "secs",
        "messages",
        "msg/s",
        "p50",
        "p90",
        "p99",
        "p99.9",
        "max",
        "errors"
    );
    let row = |out: &mut String, label: &str, l: &Latency| {
        let _ = writeln!(
            out,
            "{:<9} {:>6} {:>6.1} {:>10} {:>11.0} {:>9} {:>9} {:>9} {:>9} {:>9} {:>7}",
            label,
            m.connections,
            m.seconds,
            m.messages,
            m.throughput,
            report::micros(l.p50),
            report::micros(l.p90),
            report::micros(l.p99),
            report::micros(l.p999),
            report::micros(l.max),
            m.errors.total
        );
    };
    row(&mut out, &format!("{} files", m.files), &m.latency_us);
    if let Some(l) = &m.latency_uncorrected_us {
        row(&mut out, "uncorr.", l);
    }
    let e = &m.errors;
    let _ = writeln!(
        out,
        "{} runs: {} wrong, {} missing, {} late, {} failed",
        m.runs, e.wrong, e.missing, e.late, e.failed
    );
    if let Some(rate) = &m.rate {
        let _ = writeln!(
            out,
            "rate {:.0}/s asked, {:.0}/s achieved, {} sent behind schedule",
            rate.target, rate.achieved, rate.behind_schedule
        );
    }
    out
}

#[cfg(test)]
mod tests {
    use super::super::hdr::tests::run_of;
    use super::*;

    fn file(runs: &[crate::bench::RunReport]) -> HdrFile {
        let mut latency = None;
        let mut uncorrected = None;
        for r in runs {
            hdr::add(&mut latency, &r.histograms.latency).unwrap();
            if let Some(h) = &r.histograms.uncorrected {
                hdr::add(&mut uncorrected, h).unwrap();
            }
        }
        HdrFile {
            runs: runs.iter().map(hdr::RunCounts::of).collect(),
            latency: latency.unwrap(),
            uncorrected,
        }
    }

    /// Two generators at once: counts and throughputs add, percentiles are those of every
    /// reply together (not an average of percentiles), and the time is the longest file's.
    #[test]
    fn generators_add_up() {
        let a = file(&[run_of(100, true)]);
        let b = file(&[run_of(300, true), run_of(300, true)]);
        let m = merge(&[a, b]).unwrap();
        assert_eq!((m.files, m.runs, m.connections), (2, 3, 6));
        assert_eq!(m.messages, 700);
        assert!((m.seconds - 4.0).abs() < 1e-9);
        // 100 in 2 s, and 600 in 4 s: 50 + 150 per second.
        assert!((m.throughput - 200.0).abs() < 1e-9, "{}", m.throughput);
        assert_eq!(m.errors.missing, 3);
        assert_eq!(m.errors.total, 3);
        let p50_ms = m.latency_us.p50 / 1000.0;
        assert!((p50_ms - 125.0).abs() < 2.0, "{p50_ms}");
        let rate = m.rate.unwrap();
        assert!((rate.target - 200.0).abs() < 1e-9);
        assert!(m.latency_uncorrected_us.is_some());
        let t = table(&m);
        assert!(
            t.contains("2 files") && t.contains("uncorr.") && t.contains("3 missing"),
            "{t}"
        );
    }
}
