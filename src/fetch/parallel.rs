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
use tokio::task::LocalSet;

/// Fetches all `plans`, `max` at a time, sharing kept-alive connections and one display
/// for their progress bars; the results in the plans' order.
///
/// A fetch's task is spawned only once it holds its permit: its future holds the whole
/// exchange's state, and spawning every URL's task up front allocated all of them (500 for
/// 500 URLs) while only `max` could run.
pub async fn fetch_all(plans: Vec<FetchPlan>, max: usize) -> Vec<Result<(), FetchError>> {
    let permits = Arc::new(Semaphore::new(max.max(1)));
    let run = Arc::new(RunState {
        bars: Some(MultiProgress::new()),
        ..RunState::default()
    });
    let local = LocalSet::new();
    local
        .run_until(async {
            let mut tasks = Vec::with_capacity(plans.len());
            for plan in plans {
                // The semaphore is never closed, so a permit always comes.
                let permit = permits.clone().acquire_owned().await.ok();
                let run = run.clone();
                tasks.push(tokio::task::spawn_local(async move {
                    let _permit = permit;
                    job::fetch(&plan, &run).await
                }));
            }
            let mut results = Vec::with_capacity(tasks.len());
            for task in tasks {
                // Tasks are never aborted, so a join error is a panic: let it go on.
                results.push(
                    task.await
                        .unwrap_or_else(|e| std::panic::resume_unwind(e.into_panic())),
                );
            }
            results
        })
        .await
}
