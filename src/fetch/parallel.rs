//! Owns `-Z/--parallel`: running every URL's fetch at once, at most `--parallel-max` at a
//! time, each with its own progress bar in one indicatif MultiProgress.
//!
//! The fetches run as tasks on the current thread (a LocalSet): a download to stdout holds
//! stdout's lock across awaits, which is not Send, and one thread is all a downloader
//! needs.

use super::conn::pool::Pool;
use super::error::FetchError;
use super::flags::plan::FetchPlan;
use super::job;
use indicatif::MultiProgress;
use std::sync::Arc;
use tokio::sync::Semaphore;
use tokio::task::LocalSet;

/// Fetches all `plans`, `max` at a time; the results in the plans' order.
pub async fn fetch_all(
    plans: Vec<FetchPlan>,
    max: usize,
    pool: Arc<Pool>,
) -> Vec<Result<(), FetchError>> {
    let permits = Arc::new(Semaphore::new(max.max(1)));
    let bars = MultiProgress::new();
    let local = LocalSet::new();
    let tasks: Vec<_> = plans
        .into_iter()
        .map(|mut plan| {
            plan.bars = Some(bars.clone());
            let (permits, pool) = (permits.clone(), pool.clone());
            local.spawn_local(async move {
                let _permit = permits.acquire_owned().await;
                job::fetch(&plan, &pool).await
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
