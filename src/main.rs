//! The `sockit` binary: parses flags, starts logging, runs a subcommand, maps errors to exit codes.

#![forbid(unsafe_code)]

mod cli;

use clap::Parser;
use std::process::ExitCode;

fn main() -> ExitCode {
    let cli = cli::Cli::parse();
    match cli.command {
        cli::Command::Bench(args) => exit_code(bench(args)),
    }
}

/// Runs `sockit bench` on a single-threaded runtime, pinned to `--cpu` when given.
fn bench(args: sockit::bench::BenchArgs) -> anyhow::Result<()> {
    if let Some(cpu) = args.cpu {
        sockit::bench::pin_to_cpu(cpu)?;
    }
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()?;
    runtime.block_on(sockit::bench::execute(args))
}

/// Prints an error as one line, `sockit: ...`, and fails.
fn exit_code(result: anyhow::Result<()>) -> ExitCode {
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("sockit: {e:#}");
            ExitCode::FAILURE
        }
    }
}
