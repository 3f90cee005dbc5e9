//! The `sockit` binary: parses flags, starts logging, runs a subcommand, maps errors to exit codes.

#![forbid(unsafe_code)]

mod cli;

use clap::Parser;
use std::process::ExitCode;

fn main() -> ExitCode {
    let cli = cli::Cli::parse();
    match cli.command {
        cli::Command::Fetch(args) => fetch(args),
    }
}

/// Runs `sockit fetch` on a current-thread runtime; errors become one line on stderr and
/// curl's exit code.
fn fetch(args: sockit::fetch::FetchArgs) -> ExitCode {
    let quiet = args.silent && !args.show_error;
    let runtime = match tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
    {
        Ok(rt) => rt,
        Err(e) => {
            eprintln!("sockit: cannot start the async runtime: {e}");
            return ExitCode::FAILURE;
        }
    };
    match runtime.block_on(sockit::fetch::run(args)) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            let code = e.exit_code();
            if !quiet {
                eprintln!("sockit: ({code}) {e}");
            }
            ExitCode::from(code)
        }
    }
}
