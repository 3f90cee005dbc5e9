//! `sockit fetch`: the tutorial's page fetcher made real, an HTTP/1.1, HTTP/2 and HTTPS
//! downloader with curl's flags and exit codes.
//!
//! # Layout
//!
//! - Flags: `args.rs` (clap derive), `targets.rs` and `data_args.rs` (URLs, outputs and
//!   request data, kept in typed order), grouped in `--help` under `headings.rs`;
//!   [`curl_options`] lists curl's options, for the one line that refuses one fetch lacks;
//!   `plan.rs` turns them into one `FetchPlan` per URL, the only thing later layers read.
//! - [`run`] fetches the URLs in turn or `-Z` at once (`parallel.rs`), sharing kept-alive
//!   connections (`pool.rs`); `job.rs` owns one URL: attempts and `--retry` (`retry.rs`),
//!   then `-w` ([`writeout`]).
//! - `exchange.rs` owns one attempt: it dials (`dial.rs`: `connect.rs`, `proxy.rs` with
//!   `noproxy.rs`, and TLS from [`crate::net::tls`]), starts the HTTP version the connection
//!   speaks (`link.rs`: HTTP/1.1, or HTTP/2 in `h2.rs`, one connection shared per origin
//!   through `pool.rs`), sends the request (`request.rs`, `upload.rs`), reads heads ([`head`], shown
//!   by `heads.rs` and traced by `verbose.rs`), follows redirects (`redirect.rs`) and streams
//!   the body ([`body`], [`decode`], `transfer.rs`, `progress.rs`) into its destination
//!   (`output.rs`, `checksum.rs`, the `.part` claimed by `part_lock.rs`), or over several
//!   connections (`segments.rs`, resumable through `sidecar.rs`).
//! - `error.rs`: every failure and its curl exit code (TLS's 35, 60 and 77 from
//!   [`crate::net::tls::TlsError`]).
//!
//! The byte-level parts (head, body framing, content decoding, redirects, `-w`) are pure
//! and tested on their own; the rest only wires them to sockets and files.

mod args;
pub mod body;
mod checksum;
pub mod config_file;
mod connect;
pub mod curl_options;
mod data_args;
pub mod decode;
mod dial;
mod error;
mod exchange;
mod h2;
pub mod head;
mod headings;
mod heads;
mod job;
mod link;
pub mod netrc;
mod noproxy;
pub(crate) mod output;
mod parallel;
mod part_lock;
mod plan;
mod pool;
mod progress;
mod proxy;
pub(crate) mod redirect;
pub(crate) mod request;
mod retry;
mod segments;
pub(crate) mod sidecar;
mod targets;
mod transfer;
mod upload;
mod verbose;
pub mod writeout;

pub use args::{ContinueAt, FetchArgs};
pub use error::FetchError;
pub use plan::DEFAULT_CONNECT_TIMEOUT;

#[cfg(any(test, feature = "fuzzing"))]
pub(crate) use plan::parse_url;
use plan::FetchPlan;
use pool::Pool;
use std::sync::Arc;

/// Fetches every URL the flags name, one after another or `-Z` at once, and returns the
/// failures in URL order (none when every URL was fetched): the caller reports each, and the
/// last one decides the exit code, as in curl.
pub async fn run(args: FetchArgs) -> Vec<FetchError> {
    let plans = match FetchPlan::for_each_url(&args) {
        Ok(plans) => plans,
        Err(e) => return vec![e],
    };
    if let Some(first) = plans.first() {
        if let Err(e) = heads::HeadSinks::start_dump(&first.heads) {
            return vec![e];
        }
    }
    let pool = Arc::new(Pool::default());
    let results = if args.parallel && plans.len() > 1 {
        parallel::fetch_all(plans, usize::from(args.parallel_max), pool).await
    } else {
        let mut results = Vec::with_capacity(plans.len());
        for plan in &plans {
            results.push(job::fetch(plan, &pool).await);
        }
        results
    };
    results.into_iter().filter_map(Result::err).collect()
}
