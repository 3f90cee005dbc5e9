//! Defines sockit's command line: one subcommand per program, `///` docs are the `--help` text.

use clap::{Parser, Subcommand};

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
    /// Download a URL over HTTP/1.1 or HTTPS, with curl's flags and exit codes.
    Fetch(sockit::fetch::FetchArgs),
}
