//! Owns the last step of a download to a file: making the finished `.part` file durable
//! and giving it its final name, in batches on tokio's blocking pool.
//!
//! The fsync before the rename is what lets FILE survive a power cut (README), and both
//! calls block, so they leave the runtime's thread. One blocking-pool task per file cost
//! `-Z` with 500 small files about four context switches a file (docs/BENCHMARKS.md): here
//! a file that finishes while a batch is being renamed joins the queue, and the task already
//! running takes it next, so the hand-over to the pool is per batch, not per file.
//!
//! Where the syncs are measured to be quick (tmpfs, a disk cache that acknowledges at
//! once), even a batched hand-over costs more than the sync itself: on one CPU, 500 small
//! files over HTTP/2 took 47 ms of CPU with the pool and 40 ms without it, curl 36 ms
//! (docs/BENCHMARKS.md). So once [`QUICK_IN_A_ROW`] renames in a row each took at most
//! [`QUICK`], the next ones run where the fetch is, and the first that takes longer sends
//! the rest back to the pool: a slow disk holds the other transfers up once, not per file.

use crate::fetch::error::FetchError;
use std::fs::{self, File};
use std::os::unix::fs::MetadataExt;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, AtomicU32, Ordering};
use std::sync::{Mutex, MutexGuard, PoisonError};
use std::time::{Duration, Instant};
use tokio::sync::oneshot;

/// A sync and rename this quick costs the fetch's thread less than handing it over to the
/// blocking pool and back (two context switches and a wake-up).
const QUICK: Duration = Duration::from_micros(100);
/// How many quick renames in a row, measured on the pool, before they are done in place.
const QUICK_IN_A_ROW: u32 = 8;

/// A finished `.part` file waiting for its name, and where to say how it went.
struct Job {
    file: File,
    part: PathBuf,
    path: PathBuf,
    done: oneshot::Sender<Result<(), FetchError>>,
}

/// The files waiting, and whether a blocking task is renaming them already.
struct Queue {
    jobs: Vec<Job>,
    draining: bool,
}

/// One queue for the process, as the blocking pool it feeds is one.
static QUEUE: Mutex<Queue> = Mutex::new(Queue {
    jobs: Vec::new(),
    draining: false,
});

fn queue() -> MutexGuard<'static, Queue> {
    QUEUE.lock().unwrap_or_else(PoisonError::into_inner)
}

/// Whether renames run in place or on the pool, from how long the last ones took.
struct Mode {
    in_place: AtomicBool,
    quick_in_a_row: AtomicU32,
}

impl Mode {
    /// On the pool, until renames there show they are quick.
    const fn new() -> Self {
        Mode {
            in_place: AtomicBool::new(false),
            quick_in_a_row: AtomicU32::new(0),
        }
    }

    fn in_place(&self) -> bool {
        self.in_place.load(Ordering::Relaxed)
    }

    /// Records that a rename took `took`.
    fn took(&self, took: Duration) {
        if took > QUICK {
            self.quick_in_a_row.store(0, Ordering::Relaxed);
            self.in_place.store(false, Ordering::Relaxed);
        } else if self.quick_in_a_row.fetch_add(1, Ordering::Relaxed) + 1 >= QUICK_IN_A_ROW {
            self.in_place.store(true, Ordering::Relaxed);
        }
    }

    /// Runs one rename, timed.
    fn run(&self, file: &File, part: &Path, path: &Path) -> Result<(), FetchError> {
        let started = Instant::now();
        let outcome = durable_rename(file, part, path);
        self.took(started.elapsed());
        outcome
    }
}

/// One for the process: the renames of a run go mostly to one file system.
static MODE: Mode = Mode::new();

/// Makes `part` (open as `file`) durable, then renames it to `path` with the owner and
/// mode of the file it replaces; returns once that is done.
pub async fn rename(file: File, part: PathBuf, path: PathBuf) -> Result<(), FetchError> {
    if MODE.in_place() {
        return MODE.run(&file, &part, &path);
    }
    on_pool(file, part, path).await
}

/// As [`rename`], on the blocking pool: queued, and a task started when none is draining.
async fn on_pool(file: File, part: PathBuf, path: PathBuf) -> Result<(), FetchError> {
    let (done, outcome) = oneshot::channel();
    let start = {
        let mut queue = queue();
        queue.jobs.push(Job {
            file,
            part,
            path,
            done,
        });
        !std::mem::replace(&mut queue.draining, true)
    };
    if start {
        tokio::task::spawn_blocking(drain);
    }
    // The sender goes only after it sent, unless the rename panicked: let the panic show.
    outcome
        .await
        .unwrap_or_else(|_| panic!("the rename of a finished download panicked"))
}

/// Renames queued files until none is left.
fn drain() {
    // A panic in one rename must not leave the queue marked as drained by nobody.
    struct OnPanic;
    impl Drop for OnPanic {
        fn drop(&mut self) {
            if std::thread::panicking() {
                queue().draining = false;
            }
        }
    }
    let _on_panic = OnPanic;
    loop {
        let jobs = {
            let mut queue = queue();
            if queue.jobs.is_empty() {
                // Under the lock that `rename` pushes under: a file queued after this
                // starts a new task.
                queue.draining = false;
                return;
            }
            std::mem::take(&mut queue.jobs)
        };
        for job in jobs {
            let _ = job.done.send(MODE.run(&job.file, &job.part, &job.path));
        }
    }
}

/// Makes `part` (open as `file`) durable, then gives it its final name `path`, with the
/// owner and mode of the file it replaces.
fn durable_rename(file: &File, part: &Path, path: &Path) -> Result<(), FetchError> {
    adopt_owner_and_mode(file, path);
    file.sync_all().map_err(|e| FetchError::write(part, &e))?;
    fs::rename(part, path).map_err(|e| FetchError::write(path, &e))
}

/// Gives the new file the mode of the file it replaces, and its owner and group where
/// permitted (owner first: chown may clear set-id bits that chmod then restores).
fn adopt_owner_and_mode(file: &File, path: &Path) {
    let Ok(old) = fs::metadata(path) else {
        return;
    };
    if let Err(e) = std::os::unix::fs::fchown(file, Some(old.uid()), Some(old.gid())) {
        tracing::debug!(error = %e, "cannot keep the replaced file's owner");
    }
    if let Err(e) = file.set_permissions(old.permissions()) {
        tracing::debug!(error = %e, "cannot keep the replaced file's mode");
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Renames move in place only after enough quick ones in a row, and the first slow one
    /// sends them back to the pool, counting again from nothing.
    #[test]
    fn quick_renames_move_in_place_and_a_slow_one_moves_them_back() {
        let mode = Mode::new();
        let quick = QUICK / 2;
        let slow = QUICK * 2;
        for _ in 1..QUICK_IN_A_ROW {
            mode.took(quick);
        }
        mode.took(slow);
        for _ in 1..QUICK_IN_A_ROW {
            mode.took(quick);
        }
        assert!(
            !mode.in_place(),
            "a slow one in between starts the count again"
        );
        mode.took(quick);
        assert!(mode.in_place());
        mode.took(quick);
        assert!(mode.in_place());
        mode.took(slow);
        assert!(!mode.in_place());
        mode.took(quick);
        assert!(!mode.in_place());
    }

    /// Files finishing at once all get their names and their bytes, whichever batch takes
    /// them, and a failed rename fails only its own file.
    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn every_queued_file_is_renamed() {
        let dir = tempfile::tempdir().unwrap();
        let mut tasks = Vec::new();
        for n in 0..200 {
            let part = dir.path().join(format!("f{n}.part"));
            std::fs::write(&part, format!("body {n}")).unwrap();
            let file = File::open(&part).unwrap();
            let path = match n {
                7 => dir.path().join("no such dir").join("f7"),
                n => dir.path().join(format!("f{n}")),
            };
            tasks.push(tokio::spawn(on_pool(file, part, path)));
        }
        for (n, task) in tasks.into_iter().enumerate() {
            let outcome = task.await.unwrap();
            if n == 7 {
                assert!(matches!(outcome, Err(FetchError::Write { .. })));
                continue;
            }
            outcome.unwrap();
            let body = std::fs::read_to_string(dir.path().join(format!("f{n}"))).unwrap();
            assert_eq!(body, format!("body {n}"));
            assert!(!dir.path().join(format!("f{n}.part")).exists());
        }
        // A file finishing after the queue ran dry still gets a task to rename it.
        let part = dir.path().join("late.part");
        std::fs::write(&part, "late").unwrap();
        let late = on_pool(File::open(&part).unwrap(), part, dir.path().join("late"));
        let outcome = tokio::time::timeout(std::time::Duration::from_secs(10), late).await;
        outcome.expect("a late file is renamed").unwrap();
    }
}
