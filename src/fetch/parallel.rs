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
pub async fn fetch_all(plans: Vec<FetchPlan>, max: usize) -> Vec<Result<(), FetchError>> {
    let permits = Arc::new(Semaphore::new(max.max(1)));
    let run = Arc::new(RunState {
        bars: Some(MultiProgress::new()),
        ..RunState::default()
    });
    let local = LocalSet::new();
    let tasks: Vec<_> = plans
        .into_iter()
        .map(|plan| {
            let (permits, run) = (permits.clone(), run.clone());
            local.spawn_local(async move {
                let _permit = permits.acquire_owned().await;
                job::fetch(&plan, &run).await
            })
        })
        .collect();
    local
        .run_until(async {
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
