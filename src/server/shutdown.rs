//! Shutdown's drain: the grace period that lets open connections finish, and its end.
//!
//! What starts a shutdown is the future given to [`Server::run`](super::Server::run); the
//! library never ends the process itself. The binary turns the first SIGINT/SIGTERM into that
//! future and a second one into exit status 130, as mini-redis's binary owns its signals.
//!
//! `Drain` tracks every connection task, lets them finish for the grace period, then flips
//! one flag and pulses the server-wide wake-up, so each connection sends its pending replies
//! and `ERR server shutting down`. Connections only ask `Drain::is_over` when that pulse (or
//! the idle tick) wakes them: no timer or cancellation future per connection, which keeps an
//! idle connection under 1 KiB and the hot path free of extra work.

use std::future::Future;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;
use tokio::sync::Notify;
use tokio_util::task::TaskTracker;
use tracing::{info, warn};

/// Every connection task, and whether the grace period after a shutdown is over.
#[derive(Debug)]
pub(crate) struct Drain {
    tasks: TaskTracker,
    over: AtomicBool,
}

impl Drain {
    /// A drain with no task yet.
    pub(crate) fn new() -> Self {
        Drain {
            tasks: TaskTracker::new(),
            over: AtomicBool::new(false),
        }
    }

    /// Runs a connection task (or a reject), tracked so that the drain waits for it.
    pub(crate) fn spawn<F>(&self, task: F)
    where
        F: Future<Output = ()> + Send + 'static,
    {
        self.tasks.spawn(task);
    }

    /// Whether the grace period is over: a connection that sees this sends its pending
    /// replies and `ERR server shutting down`, and closes.
    pub(crate) fn is_over(&self) -> bool {
        self.over.load(Ordering::Relaxed)
    }

    /// The drain delay: the listeners keep accepting for `delay` after the first signal, so a
    /// balancer that saw `/ready` turn 503 stops sending before they close.
    pub(crate) async fn keep_accepting(&self, delay: Duration) {
        if !delay.is_zero() {
            info!("Still accepting for {delay:?} (--drain-delay) before shutting down...");
            tokio::time::sleep(delay).await;
        }
    }

    /// Resolves once the grace period is over (`wake` is the pulse that announces it), for
    /// waits before a conversation that must not outlast it.
    pub(crate) async fn over(&self, wake: &Notify) {
        loop {
            let pulse = wake.notified();
            if self.is_over() {
                return;
            }
            pulse.await;
        }
    }

    /// Waits for the open connections to finish within `grace`; then ends the grace period,
    /// pulses `wake` so every connection sees [`Drain::is_over`], and waits for them to close.
    /// `open` counts the connections still open, for the log.
    pub(crate) async fn run(&self, grace: Duration, wake: &Notify, open: impl Fn() -> usize) {
        self.tasks.close();
        match open() {
            0 => info!("Shutting down: no open connections."),
            n => info!("Shutting down: {n} connection(s) draining, up to {grace:?}..."),
        }
        if tokio::time::timeout(grace, self.tasks.wait())
            .await
            .is_err()
        {
            warn!("Grace period over: closing {} connection(s).", open());
            self.over.store(true, Ordering::Relaxed);
            wake.notify_waiters();
            self.tasks.wait().await;
        }
        info!("Server stopped.");
    }
}
