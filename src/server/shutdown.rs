//! Shutdown in one place: the signals that start it, and the drain that ends it.
//!
//! [`Signals`] turns SIGINT and SIGTERM into the future [`Server::run`](super::Server::run)
//! waits on. The first signal starts a graceful shutdown; a second one means the person really
//! wants the process gone, so it exits at once with status 130, as shells report an interrupt.
//!
//! `Drain` tracks every connection task, lets them finish for the grace period, then flips
//! one flag and pulses the server-wide wake-up, so each connection sends its pending replies
//! and `ERR server shutting down`. Connections only ask `Drain::is_over` when that pulse (or
//! the idle tick) wakes them: no timer or cancellation future per connection, which keeps an
//! idle connection under 1 KiB and the hot path free of extra work.

use crate::exit;
use std::future::Future;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;
use tokio::signal::unix::{signal, Signal, SignalKind};
use tokio::sync::Notify;
use tokio_util::task::TaskTracker;
use tracing::{info, warn};

/// The signals that stop the server, registered up front so that a signal arriving while the
/// server starts is not lost to the default action.
#[derive(Debug)]
pub struct Signals {
    interrupt: Signal,
    terminate: Signal,
}

impl Signals {
    /// Registers handlers for SIGINT and SIGTERM. Needs a running tokio runtime.
    pub fn register() -> std::io::Result<Self> {
        Ok(Signals {
            interrupt: signal(SignalKind::interrupt())?,
            terminate: signal(SignalKind::terminate())?,
        })
    }

    /// Resolves on the first signal; then watches for a second one, which exits the process
    /// with [`exit::serve::FORCED`] without waiting for connections to drain.
    pub async fn first_then_force_exit(mut self) {
        let name = self.next().await;
        info!("{name} received: shutting down (send it again to exit at once)");
        tokio::spawn(async move {
            let name = self.next().await;
            warn!("second {name}: exiting now");
            exit::now(exit::serve::FORCED);
        });
    }

    async fn next(&mut self) -> &'static str {
        tokio::select! {
            _ = self.interrupt.recv() => "SIGINT",
            _ = self.terminate.recv() => "SIGTERM",
        }
    }
}

/// Every connection task, and whether the grace period after a shutdown is over.
#[derive(Debug)]
pub(crate) struct Drain {
    grace: Duration,
    tasks: TaskTracker,
    over: AtomicBool,
}

impl Drain {
    /// A drain that gives connections `grace` to finish.
    pub(crate) fn new(grace: Duration) -> Self {
        Drain {
            grace,
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

    /// Waits for the open connections to finish within the grace period; then ends it,
    /// pulses `wake` so every connection sees [`Drain::is_over`], and waits for them to close.
    /// `open` counts the connections still open, for the log.
    pub(crate) async fn run(&self, wake: &Notify, open: impl Fn() -> usize) {
        self.tasks.close();
        let grace = self.grace;
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
