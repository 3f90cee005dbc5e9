//! The `sockit` binary: parses flags, starts logging, runs a subcommand, maps errors to exit codes.

#![forbid(unsafe_code)]

mod cli;

use clap::Parser;
use std::process::ExitCode;

fn main() -> ExitCode {
    let cli = cli::Cli::parse();
    match cli.command {}
}
