//! Owns `-Z/--parallel`: running every URL's fetch at once, at most `--parallel-max` at a
//! time, each with its own progress bar in one indicatif MultiProgress.
//!
//! The fetches run as tasks on the current thread (a LocalSet): a download to stdout holds
//! stdout's lock across awaits, which is not Send, and one thread is all a downloader
//! needs.

use super::error::FetchError;
use super::exchange::RunState;
use super::flags::plan::FetchPlan;
use super::job;
use indicatif::MultiProgress;
use std::sync::Arc;
use tokio::sync::Semaphore;
use tokio::task::{JoinSet, LocalSet};

/// Fetches all `plans`, `max` at a time, sharing kept-alive connections and one display
/// for their progress bars; the results in the plans' order.
///
/// A fetch's task is spawned only once it holds its permit: its future holds the whole
/// exchange's state, and spawning every URL's task up front allocated all of them (500 for
/// 500 URLs) while only `max` could run. A finished task is taken off as soon as the next
/// one is spawned: a task's memory (its future's room, 7 KB) stays allocated until its
/// result is taken, and holding them all to the end kept 3.5 MB for 500 URLs, each page of
/// it a page fault.
pub async fn fetch_all(plans: Vec<FetchPlan>, max: usize) -> Vec<Result<(), FetchError>> {
    let permits = Arc::new(Semaphore::new(max.max(1)));
    let run = Arc::new(RunState {
        bars: Some(MultiProgress::new()),
        ..RunState::default()
    });
    let local = LocalSet::new();
    local
        .run_until(async {
            let mut results: Vec<Option<Result<(), FetchError>>> =
                std::iter::repeat_with(|| None).take(plans.len()).collect();
            let mut tasks = JoinSet::new();
            for (i, plan) in plans.into_iter().enumerate() {
                // The semaphore is never closed, so a permit always comes.
                let permit = permits.clone().acquire_owned().await.ok();
                let run = run.clone();
                tasks.spawn_local(async move {
                    let _permit = permit;
                    (i, job::fetch(&plan, &run).await)
                });
                while let Some(done) = tasks.try_join_next() {
                    take(done, &mut results);
                }
            }
            while let Some(done) = tasks.join_next().await {
                take(done, &mut results);
            }
            results
                .into_iter()
                .map(|r| r.expect("every task gives its result"))
                .collect()
        })
        .await
}

/// Puts a finished task's result in its URL's place.
fn take(
    done: Result<(usize, Result<(), FetchError>), tokio::task::JoinError>,
    results: &mut [Option<Result<(), FetchError>>],
) {
    // Tasks are never aborted, so a join error is a panic: let it go on.
    let (i, result) = done.unwrap_or_else(|e| std::panic::resume_unwind(e.into_panic()));
    results[i] = Some(result);
}
