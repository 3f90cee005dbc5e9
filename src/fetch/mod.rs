//! `sockit fetch`: the tutorial's page fetcher made real, an HTTP/1.1, HTTP/2 and HTTPS
//! downloader with curl's flags and exit codes.
//!
//! # Layout
//!
//! Four layers and the story on top; each layer imports only those below it, and every
//! layer speaks `error.rs`'s failures (each with its curl exit code; TLS's 35, 60 and 77
//! from [`crate::net::tls::TlsError`]).
//!
//! - `flags/`: curl's flags (`args.rs`, grouped in `--help` under `headings.rs`, URLs and
//!   outputs in typed order, request data and bodies, `-K` [`config_file`], [`netrc`],
//!   [`curl_options`]), and `plan.rs`, which turns them into one `FetchPlan` per URL made of
//!   the plain settings the layers below take. clap stops here.
//! - `output/`: where the response goes and what the user sees: the file (`.part`, its lock,
//!   the `--segments` sidecar), heads printed (`-i`, `-D`), progress, `-v`, [`writeout`],
//!   `--checksum`.
//! - `conn/`: dialing as a stack of hops (`hops.rs`: TCP or a Unix socket, SOCKS, TLS to an
//!   https proxy, CONNECT, TLS from [`crate::net::tls`] to the origin; `route.rs`:
//!   `--resolve` and `--connect-to`; proxies with `--noproxy`), the kept-alive pool, and `transfer.rs`: one request and its
//!   response over a connection; `link.rs` starts the HTTP version a connection speaks,
//!   HTTP/1.1 or HTTP/2 (`h2.rs`, a connection shared per origin through the pool).
//! - `http/`: bytes and rules, no I/O: the request, the [`head`], body framing ([`body`]),
//!   content decoding ([`decode`]), redirects, cookies and their jar, multipart forms,
//!   Digest authentication.
//! - The story: [`run`] fetches the URLs in turn or `-Z` at once (`parallel.rs`); `job.rs`
//!   owns one URL, attempt after attempt under `--retry` (`retry.rs`), each watched for
//!   `-Y`/`-y`'s speed floor (`pace.rs`, which also spaces serial URLs for `--rate`), then `-w`;
//!   `exchange.rs` owns one attempt, from the first request through redirects to the body
//!   in its destination, or over several connections (`segments.rs`).
//!
//! The byte-level parts are pure and tested on their own; the rest only wires them to
//! sockets and files.

mod conn;
mod error;
mod exchange;
pub(crate) mod flags;
pub(crate) mod http;
mod job;
pub(crate) mod output;
mod pace;
mod parallel;
mod retry;
mod segments;

pub use flags::{config_file, curl_options, glob, netrc, next};
pub use http::{body, decode, head};
pub use output::writeout;

pub use error::FetchError;
pub use flags::args::FetchArgs;
pub use flags::next::Groups;
pub use flags::plan::DEFAULT_CONNECT_TIMEOUT;
pub use output::file::ContinueAt;

use exchange::RunState;
#[cfg(any(test, feature = "fuzzing"))]
pub(crate) use flags::plan::parse_url_with;
use flags::plan::FetchPlan;

/// Opens `--trace`/`--trace-ascii`'s file for the run; one that cannot be created is a
/// warning, and the run goes on without it, as curl's does.
fn start_trace(args: &FetchArgs) {
    let target = match (&args.trace, &args.trace_ascii) {
        (Some(path), _) => Some((path.as_path(), output::trace::Style::Hex)),
        (None, Some(path)) => Some((path.as_path(), output::trace::Style::Ascii)),
        (None, None) => None,
    };
    if target.is_none() && !args.trace_time {
        return;
    }
    if let Err(e) = output::trace::start(target, args.trace_time) {
        eprintln!("sockit: warning: cannot open the trace file: {e}");
    }
}

/// Fetches every URL the groups name (one group without `-:`), one after another or `-Z`
/// at once, and returns the failures in URL order (none when every URL was fetched): the
/// caller reports each, and the last one decides the exit code, as in curl. Every group is
/// planned before the first byte is sent, so a bad option in a late group fails the run at
/// once, as curl's parser does; a late group without a URL fails it after the groups before.
pub async fn run(groups: Groups) -> Vec<FetchError> {
    if groups.first().tls.version {
        print!("{}", output::version::text());
        return Vec::new();
    }
    let mut plans = Vec::new();
    let mut stopped = None;
    let mut firsts = Vec::new();
    let mut urls_before = 0;
    for args in groups.all() {
        if args.targets.urls.is_empty() && groups.all().len() > 1 {
            // A `--next` with no URL after it: curl fetches the groups before, then fails.
            stopped = Some(FetchError::Usage("no URL given after --next".into()));
            break;
        }
        let planned = match FetchPlan::for_each_url(args) {
            Ok(planned) => planned,
            Err(e) => return vec![e],
        };
        firsts.extend(planned.plans.first().cloned());
        plans.extend(planned.plans.into_iter().map(|mut plan| {
            // %{urlnum} counts on across the groups, as curl's does.
            plan.urlnum += urls_before;
            plan
        }));
        urls_before += args.targets.urls.len();
        if planned.stopped.is_some() {
            stopped = planned.stopped;
            break;
        }
    }
    let args = groups.first();
    start_trace(args);
    for first in &firsts {
        if let Err(e) = output::heads::HeadSinks::start_dump(&first.heads) {
            return vec![e];
        }
    }
    let results = if args.parallel && plans.len() > 1 {
        parallel::fetch_all(plans, usize::from(args.parallel_max)).await
    } else {
        let run = RunState::default();
        let mut results = Vec::with_capacity(plans.len());
        let mut turn = tokio::time::Instant::now();
        for plan in &plans {
            if let Some(every) = plan.pace.every {
                tokio::time::sleep_until(turn).await;
                turn = tokio::time::Instant::now() + every;
            }
            let result = job::fetch(plan, &run).await;
            let failed = result.is_err();
            results.push(result);
            if failed && args.fail_early {
                break;
            }
        }
        results
    };
    let mut failures: Vec<FetchError> = results.into_iter().filter_map(Result::err).collect();
    failures.extend(stopped);
    for cookies in firsts.iter().filter_map(|first| first.cookies.as_ref()) {
        if let Err(e) = cookies.save() {
            failures.push(e);
        }
    }
    for alt_svc in firsts.iter().filter_map(|first| first.alt_svc.as_ref()) {
        if let Err(e) = alt_svc.save() {
            failures.push(e);
        }
    }
    for hsts in firsts.iter().filter_map(|first| first.hsts.as_ref()) {
        hsts.save();
    }
    failures
}
