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
pub(crate) mod tls;
mod transfer;

pub use args::{ContinueAt, FetchArgs};
pub use error::FetchError;
pub use plan::DEFAULT_CONNECT_TIMEOUT;

use plan::FetchPlan;

/// Fetches `args.url` as the flags say. A closed stdout pipe counts as success.
pub async fn run(args: FetchArgs) -> Result<(), FetchError> {
    let plan = FetchPlan::new(&args)?;
    let resume = exchange::prepare(&plan)?;
    let fetch = exchange::fetch(&plan, resume.offset);
    let result = match plan.max_time {
        Some(limit) => tokio::time::timeout(limit, fetch)
            .await
            .unwrap_or_else(|_| {
                Err(FetchError::Timeout(format!(
                    "operation timed out after {} ms",
                    limit.as_millis()
                )))
            }),
        None => fetch.await,
    };
    match result {
        Err(FetchError::StdoutClosed) => Ok(()),
        Err(e) => {
            if let Some(path) = &plan.output {
                output::clean_up_part(path, resume, plan.keep_partial);
            }
            Err(e)
        }
        Ok(()) => Ok(()),
    }
}
