//! Defines sockit's command line: one subcommand per program, `///` docs are the `--help` text.

use clap::{Args, Parser, Subcommand};
use sockit::addr::Address;
use sockit::protocol::Framing;
use std::time::Duration;

/// The socket tutorial's programs, made real: a hello server, its client, a page fetcher and a
/// load generator.
#[derive(Debug, Parser)]
#[command(name = "sockit", version, about, propagate_version = true)]
pub struct Cli {
    /// What to run.
    #[command(subcommand)]
    pub command: Command,
}

/// The subcommands.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Run the hello server: greets `Welcome!`, answers each NAME line with `Hello, NAME!`,
    /// closes on `exit`.
    Serve(ServeArgs),
    /// Talk to a hello server: send NAMEs (or stdin lines) and print the replies.
    Client(ClientArgs),
    /// Download a URL over HTTP/1.1 or HTTPS, with curl's flags and exit codes.
    Fetch(Box<sockit::fetch::FetchArgs>),
    /// Load a hello server: lockstep, pipeline, churn or idle connections, every reply checked.
    Bench(sockit::bench::BenchArgs),
}

/// Flags of `sockit serve`.
#[derive(Debug, Args)]
pub struct ServeArgs {
    /// Address to listen on (repeatable): HOST:PORT, [V6]:PORT or unix:PATH. A host name
    /// binds every address it resolves to; port 0 lets the OS choose (the port is logged).
    #[arg(
        short,
        long = "bind",
        value_name = "ADDR",
        default_value = "127.0.0.1:9999"
    )]
    pub bind: Vec<Address>,

    /// How names are framed: `line` (one per line) or `chunk` (one per read, the tutorial's
    /// wire format).
    #[arg(long, value_enum, value_name = "FRAMING", default_value_t = Framing::Line)]
    pub framing: Framing,

    /// The greeting sent on accept.
    #[arg(long, value_name = "TEXT", default_value = sockit::protocol::DEFAULT_GREETING)]
    pub greeting: String,

    /// The longest line accepted, in bytes; a longer one gets `ERR line too long`.
    #[arg(long, value_name = "BYTES", default_value_t = sockit::protocol::DEFAULT_MAX_LINE)]
    pub max_line: usize,

    /// Close a connection that sends nothing for this long (`500ms`, `30s`, `5m`); `0`
    /// disables the timeout.
    #[arg(long, value_name = "DURATION", default_value = "5m", value_parser = parse_duration)]
    pub idle_timeout: Duration,

    /// Connections served at once; one more gets `ERR server busy`.
    #[arg(long, value_name = "N", default_value_t = 10_000)]
    pub max_connections: usize,

    /// After SIGINT/SIGTERM, how long open connections may finish before they are closed.
    #[arg(long, value_name = "DURATION", default_value = "10s", value_parser = parse_duration)]
    pub grace: Duration,

    /// The listen(2) backlog.
    #[arg(long, value_name = "N", default_value_t = 1024)]
    pub backlog: u32,

    /// Worker threads [default: the CPUs this process may run on]; 1 runs everything on one
    /// thread.
    #[arg(long, value_name = "N")]
    pub threads: Option<usize>,

    /// Leave out the per-connection log lines.
    #[arg(short, long)]
    pub quiet: bool,
}

/// Flags of `sockit client`.
#[derive(Debug, Args)]
pub struct ClientArgs {
    /// The server: HOST:PORT, [V6]:PORT or unix:PATH.
    #[arg(short, long, value_name = "ADDR", default_value = "127.0.0.1:9999")]
    pub addr: Address,

    /// How names are framed: `line` or `chunk` (the tutorial's wire format).
    #[arg(long, value_enum, value_name = "FRAMING", default_value_t = Framing::Line)]
    pub framing: Framing,

    /// Bounds connecting and the wait for each reply (exit 28 when it runs out).
    #[arg(long, value_name = "DURATION", default_value = "10s", value_parser = parse_duration)]
    pub timeout: Duration,

    /// Names to send, one at a time. Without any, stdin lines are sent (pipelined when stdin
    /// is not a terminal; with a prompt when it is).
    #[arg(value_name = "NAME")]
    pub names: Vec<String>,
}

/// Parses `500ms`, `1s`, `5m`, `1h30m`; a bare number is seconds.
fn parse_duration(s: &str) -> Result<Duration, String> {
    if let Ok(secs) = s.parse::<u64>() {
        return Ok(Duration::from_secs(secs));
    }
    humantime::parse_duration(s).map_err(|e| format!("{e} (expected e.g. 500ms, 30s, 5m)"))
}
