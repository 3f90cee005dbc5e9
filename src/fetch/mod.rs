//! `sockit fetch`: the tutorial's page fetcher made real, an HTTP/1.1 and HTTPS downloader
//! with curl's flags and exit codes.
//!
//! [`run`] turns the flags into a [`FetchPlan`] (`plan.rs`), the only thing later layers
//! read. [`exchange`] then, for each URL in a redirect chain, opens a connection
//! (`connect.rs`, `tls.rs`), sends the request (`request.rs`), reads the head ([`head`],
//! shown by `heads.rs`), and either follows a redirect (`redirect.rs`) or streams the body
//! ([`body`], [`decode`]) into its destination (`output.rs`). The byte-level parts (head,
//! body framing, content decoding, redirects) are pure and tested on their own; the rest
//! only wires them to sockets and files.

mod args;
pub mod body;
mod connect;
pub mod decode;
mod error;
mod exchange;
pub mod head;
mod heads;
mod output;
mod plan;
mod progress;
mod redirect;
mod request;
mod tls;
mod transfer;
mod upload;
mod verbose;
pub mod writeout;

pub use args::{ContinueAt, FetchArgs};
pub use connect::{connect as connect_happy_eyeballs, ATTEMPT_DELAY};
pub use error::FetchError;
pub use plan::DEFAULT_CONNECT_TIMEOUT;

use plan::FetchPlan;
use std::io::Write;
use std::time::Instant;
use writeout::Stats;

/// Fetches `args.url` as the flags say. A closed stdout pipe counts as success.
pub async fn run(args: FetchArgs) -> Result<(), FetchError> {
    let plan = FetchPlan::new(&args)?;
    let started = Instant::now();
    let mut stats = Stats {
        url_effective: plan.url.to_string(),
        ..Stats::default()
    };
    let result = match exchange::prepare(&plan) {
        Ok(resume) => {
            let result = within(
                plan.max_time,
                exchange::fetch(&plan, resume.offset, &mut stats, started),
            )
            .await;
            if let (Err(_), Some(path)) = (&result, &plan.output) {
                output::clean_up_part(path, resume, plan.keep_partial);
            }
            result
        }
        Err(e) => Err(e),
    };
    let result = match result {
        Err(FetchError::StdoutClosed) => Ok(()),
        other => other,
    };
    if let Some(format) = &plan.write_out {
        stats.time_total = started.elapsed();
        if let Err(e) = &result {
            stats.exitcode = e.exit_code();
            stats.errormsg = e.to_string();
        }
        write_out(format, &stats);
    }
    result
}

/// Runs `fetch` within `-m`'s limit, if any.
async fn within(
    limit: Option<std::time::Duration>,
    fetch: impl std::future::Future<Output = Result<(), FetchError>>,
) -> Result<(), FetchError> {
    let Some(limit) = limit else {
        return fetch.await;
    };
    tokio::time::timeout(limit, fetch)
        .await
        .unwrap_or_else(|_| {
            Err(FetchError::Timeout(format!(
                "operation timed out after {} ms",
                limit.as_millis()
            )))
        })
}

/// Prints `-w`'s report; a closed stream is not an error here either.
fn write_out(format: &str, stats: &Stats) {
    for (stream, text) in writeout::render(format, stats) {
        let _ = match stream {
            writeout::Stream::Stdout => {
                let mut out = std::io::stdout().lock();
                out.write_all(text.as_bytes()).and_then(|()| out.flush())
            }
            writeout::Stream::Stderr => std::io::stderr().write_all(text.as_bytes()),
        };
    }
}
