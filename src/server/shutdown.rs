//! Turns SIGINT and SIGTERM into the future [`Server::run`](super::Server::run) waits on.
//!
//! The first signal starts a graceful shutdown; a second one means the person really wants
//! the process gone, so it exits at once with status 130, as shells report an interrupt.

use tokio::signal::unix::{signal, Signal, SignalKind};
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
    /// with status 130 without waiting for connections to drain.
    pub async fn first_then_force_exit(mut self) {
        let name = self.next().await;
        info!("{name} received: shutting down (send it again to exit at once)");
        tokio::spawn(async move {
            let name = self.next().await;
            warn!("second {name}: exiting now");
            std::process::exit(130);
        });
    }

    async fn next(&mut self) -> &'static str {
        tokio::select! {
            _ = self.interrupt.recv() => "SIGINT",
            _ = self.terminate.recv() => "SIGTERM",
        }
    }
}
