//! Owns one URL's whole fetch: attempts until one delivers or `--retry` gives up, the
//! `.part` clean-up after a failure, and `-w`'s report.

use super::error::FetchError;
use super::exchange::{self, Attempt, Done, RunState};
use super::flags::plan::FetchPlan;
use super::output::file;
use super::output::part_lock::PartLock;
use super::output::writeout::{self, Stats};
use super::pace::SpeedFloor;
use super::retry::Attempts;
use super::segments;
use std::io::Write;
use std::sync::atomic::AtomicU64;

/// Fetches `plan`'s URL (on a connection `run` kept for its origin, if any); a closed
/// stdout pipe counts as success.
pub async fn fetch(plan: &FetchPlan, run: &RunState) -> Result<(), FetchError> {
    let (result, mut stats) = fetch_with_retries(plan, run).await;
    let result = match result {
        Err(FetchError::StdoutClosed(_)) => Ok(()),
        other => other,
    };
    if let Some(format) = &plan.write_out {
        if let Err(e) = &result {
            stats.exitcode = e.exit_code();
            stats.errormsg = e.to_string();
        }
        write_out(format, &stats);
    }
    result
}

/// Runs attempts until one delivers, fails for good, or `--retry` runs out; returns the
/// outcome and the last attempt's stats. The `.part` file is claimed for the whole run.
async fn fetch_with_retries(plan: &FetchPlan, run: &RunState) -> (Result<(), FetchError>, Stats) {
    if let Some(path) = plan.output.as_deref().filter(|_| plan.create_dirs) {
        if let Err(e) = file::create_dirs(path) {
            return (Err(e), Stats::default());
        }
    }
    let lock = match plan.output.as_deref().map(PartLock::claim).transpose() {
        Ok(lock) => lock.flatten(),
        Err(e) => return (Err(e), Stats::default()),
    };
    let mut attempts = Attempts::new(&plan.retry, plan.max_time);
    let mut next = exchange::prepare(plan).map(|resume| (resume, None));
    loop {
        let (resume, if_range) = match next {
            Ok(start) => start,
            Err(e) => {
                if let Some(lock) = lock {
                    lock.drop_if_unused();
                }
                return (Err(e), Stats::default());
            }
        };
        let mut attempt = Attempt::new(&resume, if_range);
        attempt.part = lock.as_ref().and_then(PartLock::handle);
        let moved = attempt.moved.clone();
        // Boxed: the exchange's future is large, and the two wrappers below moved it by
        // value, a memcpy of all of it each time (2% of a 500-file run's samples in
        // job::fetch alone; docs/BENCHMARKS.md, stop 31).
        let work = Box::pin(exchange::fetch(plan, run, &mut attempt, &attempts));
        let result = within(plan.max_time, above_floor(plan.pace.floor, &moved, work)).await;
        attempt.stats.time_total = attempt.started.elapsed();
        let (wait, why) = match result {
            Ok(Done::Delivered | Done::NotModified) => {
                // Unused after a 304, or when -J wrote under the server's name instead.
                if let Some(lock) = lock {
                    lock.drop_if_unused();
                }
                return (Ok(()), attempt.stats);
            }
            Ok(Done::Retry { status, after }) => (
                attempts.next(after),
                format!("the server answered {status}"),
            ),
            Err(e) if retryable(plan, &attempts, &attempt, &e) => {
                (attempts.next(None), e.to_string())
            }
            Err(e) => {
                if let Some(path) = &plan.output {
                    file::clean_up_part(path, resume, plan.keep_partial);
                    if !plan.keep_partial {
                        segments::forget(path);
                    }
                }
                if let Some(lock) = lock {
                    lock.drop_if_unused();
                }
                return (Err(e), attempt.stats);
            }
        };
        if plan.heads.warn {
            eprintln!(
                "sockit: warning: {why}; retrying in {} ms, {} retries left",
                wait.as_millis(),
                attempts.left()
            );
        }
        tokio::time::sleep(wait).await;
        next = next_start(plan, &attempt);
    }
}

/// A failed attempt is retried when the error is transient, or a download into a file
/// dropped after its head came (beyond curl), and attempts are left; but not when body
/// bytes already went to stdout: they cannot be taken back, and a second copy after them
/// would corrupt the output (curl writes it anyway).
fn retryable(plan: &FetchPlan, attempts: &Attempts, attempt: &Attempt, err: &FetchError) -> bool {
    let written_to_stdout = plan.output.is_none() && attempt.stats.size_download > 0;
    let dropped_file =
        plan.output.is_some() && attempt.stats.http_code != 0 && attempts.is_dropped_download(err);
    attempts.can_retry()
        && (attempts.is_transient(err) || dropped_file)
        && !written_to_stdout
        && !attempt.retry_refused
}

/// Where the next attempt starts: continuing the `.part` file with Range and If-Range when
/// the last response allowed it (beyond curl, which starts over), else as the first did.
/// The If-Range is the version the `.part` file's bytes are of: the one the last attempt
/// resumed from when it answered 206, so a server that sent another version then is asked
/// for the old one again, never mixed in (issue 17).
fn next_start(
    plan: &FetchPlan,
    last: &Attempt,
) -> Result<(file::Resume, Option<String>), FetchError> {
    let segmented = plan.output.as_deref().is_some_and(segments::in_progress);
    // A range the user asked for (`-r`, `-H Range`, `-C N` with nothing local) starts over:
    // its .part does not begin at byte 0.
    let ranged = plan.request.range.is_some()
        || plan.request.sends_range_header()
        || last.ask_from != last.offset;
    let resumed = last.offset > 0 && last.stats.http_code == 206;
    let validator = match resumed {
        true => last.if_range.as_deref().or(last.hint.if_range()),
        false => last.hint.if_range(),
    };
    if let (Some(path), Some(validator), false) = (&plan.output, validator, segmented || ranged) {
        let have = file::part_len(path);
        if have > 0 {
            let resume = file::Resume {
                offset: have,
                copied: false,
                ask_from: have,
            };
            return Ok((resume, Some(validator.to_string())));
        }
    }
    exchange::prepare(plan).map(|resume| (resume, None))
}

/// Runs `fetch` while the bytes counted in `moved` keep above `-Y`/`-y`'s floor, if any.
async fn above_floor(
    floor: Option<SpeedFloor>,
    moved: &AtomicU64,
    fetch: impl std::future::Future<Output = Result<Done, FetchError>>,
) -> Result<Done, FetchError> {
    let Some(floor) = floor else {
        return fetch.await;
    };
    tokio::select! {
        done = fetch => done,
        too_slow = floor.watch(moved) => Err(too_slow),
    }
}

/// Runs `fetch` within `-m`'s limit, if any.
async fn within(
    limit: Option<std::time::Duration>,
    fetch: impl std::future::Future<Output = Result<Done, FetchError>>,
) -> Result<Done, FetchError> {
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
            writeout::Channel::Stdout => {
                let mut out = std::io::stdout().lock();
                out.write_all(text.as_bytes()).and_then(|()| out.flush())
            }
            writeout::Channel::Stderr => std::io::stderr().write_all(text.as_bytes()),
        };
    }
}
