//! Defines `sockit bench`'s flags: clap derive, the `///` docs are the `--help` text.

use crate::addr::Address;
use crate::duration;
pub use crate::protocol::Framing;
use clap::{Parser, Subcommand, ValueEnum};
use std::path::PathBuf;
use std::time::Duration;

/// Load generator for the hello protocol: drives a server with many connections, checks every
/// reply byte for byte, and reports throughput and latency percentiles.
///
/// Any wrong or missing reply, or a connection that fails, is counted and makes the exit status
/// non-zero; a late reply too with --fail-on-late.
#[derive(Debug, Clone, Parser)]
#[command(name = "sockit bench", args_conflicts_with_subcommands = true)]
pub struct BenchArgs {
    /// Instead of a run: `merge`.
    #[command(subcommand)]
    pub command: Option<BenchCommand>,

    /// Server to load: HOST:PORT, unix:/path/to.sock, or tls:HOST:PORT (as `--tls`).
    #[arg(short, long, value_name = "ADDR", default_value = "127.0.0.1:9999")]
    pub addr: Address,

    /// What each connection does: lockstep (send a name, wait for its reply, repeat),
    /// pipeline (keep --depth names in flight), churn (connect, greeting, one name, exit,
    /// close, repeat) or idle (open -c connections, hold them for -d, then check each answers).
    #[arg(short, long, value_enum, value_name = "MODE", default_value_t = Mode::Lockstep)]
    pub mode: Mode,

    /// Concurrent connections.
    #[arg(short = 'c', long = "connections", value_name = "CONNS", default_value_t = 50,
          value_parser = clap::value_parser!(u32).range(1..))]
    pub connections: u32,

    /// How long to measure (idle mode: how long to hold the connections), e.g. 500ms, 10s, 1m.
    #[arg(short, long, value_name = "DURATION", default_value = "10s", value_parser = duration::parse)]
    pub duration: Duration,

    /// Load applied before measuring starts, not counted in the results (lockstep, pipeline
    /// and churn).
    #[arg(long, value_name = "DURATION", default_value = "0s", value_parser = duration::parse)]
    pub warmup: Duration,

    /// Open-loop load at this many messages per second over all connections (churn:
    /// conversations per second), each sent when its fixed schedule says, whether or not the
    /// server kept up; latency counts from when a message was due (corrected for coordinated
    /// omission, as wrk2 does). Without it, each connection sends as fast as replies come.
    #[arg(long, value_name = "R", value_parser = parse_rate)]
    pub rate: Option<f64>,

    /// Names in flight per connection in pipeline mode.
    #[arg(long, value_name = "N", default_value_t = 32,
          value_parser = clap::value_parser!(u32).range(1..=4096))]
    pub depth: u32,

    /// Framing the server speaks: line (newline-delimited) or chunk (the tutorial's
    /// one-read-one-message; lockstep, churn and idle only).
    #[arg(long, value_enum, value_name = "FRAMING", default_value_t = Framing::Line)]
    pub framing: Framing,

    /// A correct reply slower than this counts as late: reported, and an error only with
    /// --fail-on-late.
    #[arg(long, value_name = "DURATION", default_value = "1s", value_parser = duration::parse)]
    pub late: Duration,

    /// Make late replies errors, so that any of them makes the exit status non-zero.
    #[arg(long)]
    pub fail_on_late: bool,

    /// What the server sends first (line framing adds the newline), or `none` for a server
    /// that greets nothing.
    #[arg(long, value_name = "TEXT|none", default_value = "Welcome!")]
    pub greeting: String,

    /// The payload of each message. `{conn}` becomes the connection's number and `{seq}` the
    /// message's place in a short cycle, so that a reply given to the wrong message or
    /// connection is caught; a name without them is the same every time, and such a mix-up
    /// cannot be seen.
    #[arg(long, value_name = "TEXT", default_value = "c{conn}n{seq}")]
    pub name: String,

    /// The reply each name must get, byte for byte; `{name}` stands for the name sent.
    #[arg(long, value_name = "TEMPLATE", default_value = "Hello, {name}!")]
    pub reply: String,

    /// Give up on a connection that has waited this long for a reply (or to connect); its
    /// outstanding replies count as missing.
    #[arg(long, value_name = "DURATION", default_value = "5s", value_parser = duration::parse)]
    pub timeout: Duration,

    /// Spread connections over this many loopback source addresses, 127.0.0.1 to 127.0.0.N,
    /// so that tens of thousands of connections do not run out of ephemeral ports.
    /// Default: one address per 10,000 connections.
    #[arg(long, value_name = "N", value_parser = clap::value_parser!(u8).range(1..))]
    pub sources: Option<u8>,

    /// Run the mode once per connection count, e.g. 1,10,100,1000 (overrides -c).
    #[arg(long, value_name = "CONNS,...", value_delimiter = ',',
          value_parser = clap::value_parser!(u32).range(1..))]
    pub sweep: Vec<u32>,

    /// Draw a chart into this SVG file: with --sweep, throughput and p99 latency against
    /// connections; otherwise latency (p50, p99, max) second by second.
    #[cfg(feature = "plot")]
    #[arg(long, value_name = "FILE.svg")]
    pub plot: Option<PathBuf>,

    /// Print the results as JSON instead of a table.
    #[arg(long)]
    pub json: bool,

    /// Repeat the run this many times, and report each run and the best, worst and median
    /// of them (by throughput; under --rate by p99 latency).
    #[arg(long, value_name = "N", default_value_t = 1,
          value_parser = clap::value_parser!(u32).range(1..=1000))]
    pub runs: u32,

    /// Write each run's latency histogram into this file, in HdrHistogram's interval-log
    /// format (V2 compressed, nanoseconds) with the run's counts, for HdrHistogram's tools
    /// and `sockit bench merge`.
    #[arg(long, value_name = "FILE")]
    pub hdr_out: Option<PathBuf>,

    /// TLS: `--tls` (each connection shakes hands in full, without session resumption, so in
    /// churn mode every connection is a full handshake), the certificates to trust and the
    /// one to present.
    #[command(flatten)]
    pub tls: crate::net::tls::TlsArgs,

    /// Pin the load generator to this CPU (its runtime is single-threaded).
    #[arg(long, value_name = "N")]
    pub cpu: Option<usize>,
}

/// What `sockit bench` does instead of a run.
#[derive(Debug, Clone, Subcommand)]
pub enum BenchCommand {
    /// Add up the --hdr-out files of several generators (or runs) into one report: latency
    /// histograms added, counts summed, throughputs added as of generators that ran at the
    /// same time.
    Merge(MergeArgs),
}

/// `sockit bench merge`'s flags.
#[derive(Debug, Clone, clap::Args)]
pub struct MergeArgs {
    /// Files written by `sockit bench --hdr-out`, one per generator.
    #[arg(value_name = "FILE", required = true)]
    pub files: Vec<PathBuf>,

    /// Print the merged report as JSON instead of a table.
    #[arg(long)]
    pub json: bool,
}

/// What each connection does; see `--mode`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Mode {
    /// Send a name, wait for its reply, repeat.
    Lockstep,
    /// Keep `--depth` names in flight.
    Pipeline,
    /// Connect, read the greeting, one name, `exit`, close, repeat.
    Churn,
    /// Open the connections, hold them, then check that each still answers.
    Idle,
}

impl std::fmt::Display for Mode {
    /// The mode as it is spelled on the command line.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let value = self.to_possible_value().expect("every mode has a name");
        f.write_str(value.get_name())
    }
}

impl BenchArgs {
    /// The connection counts to run: the `--sweep` list, or just `-c`.
    pub fn connection_counts(&self) -> Vec<u32> {
        if self.sweep.is_empty() {
            vec![self.connections]
        } else {
            self.sweep.clone()
        }
    }
}

/// A `--rate`: a positive number of messages per second.
fn parse_rate(text: &str) -> Result<f64, String> {
    match text.parse::<f64>() {
        Ok(rate) if rate.is_finite() && rate > 0.0 => Ok(rate),
        _ => Err(format!(
            "{text:?} is not a rate: give messages per second, e.g. 1000 or 2.5"
        )),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(args: &[&str]) -> Result<BenchArgs, clap::Error> {
        BenchArgs::try_parse_from(std::iter::once("bench").chain(args.iter().copied()))
    }

    /// The defaults are the documented ones: lockstep, 50 connections, 10s, depth 32.
    #[test]
    fn defaults() {
        let a = parse(&[]).unwrap();
        assert_eq!(a.mode, Mode::Lockstep);
        assert_eq!(a.connections, 50);
        assert_eq!(a.duration, Duration::from_secs(10));
        assert_eq!(a.depth, 32);
        assert_eq!(a.framing, Framing::Line);
        assert_eq!(a.connection_counts(), vec![50]);
    }

    /// `--sweep` takes a comma list and replaces `-c`; durations take units.
    #[test]
    fn sweep_and_durations() {
        let a = parse(&[
            "--sweep", "1,10,100", "-c", "7", "-d", "500ms", "--warmup", "1s",
        ])
        .unwrap();
        assert_eq!(a.connection_counts(), vec![1, 10, 100]);
        assert_eq!(a.duration, Duration::from_millis(500));
        assert_eq!(a.warmup, Duration::from_secs(1));
    }

    /// Zero connections and durations that are not one are refused with a message; a bare
    /// number is seconds, as in every subcommand.
    #[test]
    fn rejects_nonsense() {
        assert!(parse(&["-c", "0"]).is_err());
        let err = parse(&["-d", "soon"]).unwrap_err().to_string();
        assert!(err.contains("500ms"), "{err}");
        assert_eq!(
            parse(&["-d", "10"]).unwrap().duration,
            Duration::from_secs(10)
        );
        for rate in ["0", "-5", "fast", "inf", "NaN"] {
            assert!(parse(&["--rate", rate]).is_err(), "{rate}");
        }
        assert_eq!(parse(&["--rate", "2.5"]).unwrap().rate, Some(2.5));
        assert!(parse(&["--runs", "0"]).is_err());
    }

    /// `merge` takes files and `--json`, and no run flags beside it.
    #[test]
    fn merge_subcommand() {
        let a = parse(&["merge", "a.hlog", "b.hlog", "--json"]).unwrap();
        let Some(BenchCommand::Merge(m)) = a.command else {
            panic!("{a:?}")
        };
        assert_eq!(m.files.len(), 2);
        assert!(m.json);
        assert!(parse(&["merge"]).is_err());
        assert!(parse(&["-c", "5", "merge", "a.hlog"]).is_err());
    }
}
