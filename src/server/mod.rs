//! The hello server: a builder for its settings, binding, and [`Server::run`], which accepts
//! connections until a shutdown future resolves and then drains them.
//!
//! The pieces live one per file: [`listener`] binds sockets and runs the accept loops with
//! their limits, `conn` owns one connection's life, and `shutdown` turns signals into the
//! future that [`Server::run`] waits on.
//!
//! ```
//! # #[tokio::main(flavor = "current_thread")]
//! # async fn main() -> anyhow::Result<()> {
//! use sockit::server::Server;
//! use tokio::io::{AsyncReadExt, AsyncWriteExt};
//!
//! let server = Server::builder().bind("127.0.0.1:0".parse()?).quiet(true).listen().await?;
//! let endpoint = server.local_endpoints()[0].clone();
//! let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
//! let running = tokio::spawn(server.run(async move { let _ = stopped.await; }));
//!
//! let sockit::addr::Endpoint::Tcp(addr) = endpoint else { unreachable!() };
//! let mut conn = tokio::net::TcpStream::connect(addr).await?;
//! conn.write_all(b"Michael\nexit\n").await?;
//! let mut transcript = String::new();
//! conn.read_to_string(&mut transcript).await?;
//! assert_eq!(transcript, "Welcome!\nHello, Michael!\n");
//!
//! stop.send(()).unwrap();
//! running.await??;
//! # Ok(()) }
//! ```

mod conn;
mod listener;
pub mod shutdown;

use crate::addr::{Address, Endpoint};
use crate::protocol::{self, Framing};
use anyhow::{bail, Context as _};
use listener::Listener;
use std::future::Future;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::Duration;
use tokio::sync::{Notify, Semaphore};
use tokio_util::sync::CancellationToken;
use tokio_util::task::TaskTracker;
use tracing::{info, warn};

/// Everything that shapes the server's behaviour. Built with [`Server::builder`].
#[derive(Debug, Clone)]
pub struct Config {
    /// Addresses to listen on; a host name binds every address it resolves to.
    pub binds: Vec<Address>,
    /// How the byte stream is cut into names.
    pub framing: Framing,
    /// Sent on accept (a newline is added with line framing).
    pub greeting: String,
    /// The longest line accepted, in bytes; a longer one gets `ERR line too long`.
    pub max_line: usize,
    /// A connection that sends nothing for this long gets `ERR idle timeout`; zero disables
    /// the timeout.
    pub idle_timeout: Duration,
    /// Connections served at once; one more gets `ERR server busy`.
    pub max_connections: usize,
    /// After a shutdown signal, how long open connections may go on before they are closed.
    pub grace: Duration,
    /// The listen(2) backlog.
    pub backlog: u32,
    /// Leave out the per-connection log lines.
    pub quiet: bool,
    /// Raise the soft open-file limit to the hard limit, and cap `max_connections` to fit.
    pub raise_fd_limit: bool,
}

impl Default for Config {
    fn default() -> Self {
        Config {
            binds: Vec::new(),
            framing: Framing::Line,
            greeting: protocol::DEFAULT_GREETING.to_owned(),
            max_line: protocol::DEFAULT_MAX_LINE,
            idle_timeout: Duration::from_secs(300),
            max_connections: 10_000,
            grace: Duration::from_secs(10),
            backlog: 1024,
            quiet: false,
            raise_fd_limit: true,
        }
    }
}

/// Builds a [`Server`]: set the addresses and limits, then [`Builder::listen`].
#[derive(Debug, Default)]
pub struct Builder {
    config: Config,
}

impl Builder {
    /// Adds an address to listen on (repeatable). With none, `127.0.0.1:9999`.
    pub fn bind(mut self, address: Address) -> Self {
        self.config.binds.push(address);
        self
    }

    /// Sets the framing (default [`Framing::Line`]).
    pub fn framing(mut self, framing: Framing) -> Self {
        self.config.framing = framing;
        self
    }

    /// Replaces the `Welcome!` greeting.
    pub fn greeting(mut self, greeting: impl Into<String>) -> Self {
        self.config.greeting = greeting.into();
        self
    }

    /// Sets the longest accepted line in bytes (default 65536).
    pub fn max_line(mut self, bytes: usize) -> Self {
        self.config.max_line = bytes;
        self
    }

    /// Sets the idle timeout (default 5 minutes; zero disables it).
    pub fn idle_timeout(mut self, timeout: Duration) -> Self {
        self.config.idle_timeout = timeout;
        self
    }

    /// Sets how many connections are served at once (default 10000).
    pub fn max_connections(mut self, n: usize) -> Self {
        self.config.max_connections = n;
        self
    }

    /// Sets how long connections may drain after shutdown begins (default 10 s).
    pub fn grace(mut self, grace: Duration) -> Self {
        self.config.grace = grace;
        self
    }

    /// Sets the listen backlog (default 1024).
    pub fn backlog(mut self, backlog: u32) -> Self {
        self.config.backlog = backlog;
        self
    }

    /// Leaves out the per-connection log lines.
    pub fn quiet(mut self, quiet: bool) -> Self {
        self.config.quiet = quiet;
        self
    }

    /// Whether to raise the open-file limit at start (default true).
    pub fn raise_fd_limit(mut self, raise: bool) -> Self {
        self.config.raise_fd_limit = raise;
        self
    }

    /// Uses a whole [`Config`].
    pub fn config(mut self, config: Config) -> Self {
        self.config = config;
        self
    }

    /// Binds every address. Fails, naming the address and what to do, if any cannot be bound.
    pub async fn listen(self) -> anyhow::Result<Server> {
        let mut config = self.config;
        if config.max_connections == 0 {
            bail!("--max-connections must be at least 1");
        }
        if config.binds.is_empty() {
            config.binds.push(Address::Tcp {
                host: "127.0.0.1".into(),
                port: 9999,
            });
        }
        let mut listeners = Vec::new();
        for address in &config.binds {
            listeners.extend(listener::bind(address, config.backlog).await?);
        }
        if config.raise_fd_limit {
            config.max_connections =
                listener::fit_fd_limit(config.max_connections, listeners.len());
        }
        let endpoints = listeners.iter().map(|l| l.endpoint().clone()).collect();
        Ok(Server {
            listeners,
            endpoints,
            shared: Arc::new(Shared::new(config)),
        })
    }
}

/// State every connection task shares.
#[derive(Debug)]
struct Shared {
    config: Config,
    /// The greeting as sent on the wire, built once.
    greeting: Vec<u8>,
    /// One permit per connection slot, taken before a connection is served.
    slots: Arc<Semaphore>,
    /// Bounds the short-lived tasks that tell surplus clients `ERR server busy`.
    rejects: Arc<Semaphore>,
    /// Every connection task, so shutdown can wait for them.
    tracker: TaskTracker,
    /// Set when the grace period is over: connections send `ERR server shutting down`.
    draining: AtomicBool,
    /// Pulsed by the idle ticker and by the end of the grace period; every connection waits
    /// on it (one `Notified` each, instead of a timer and a cancellation future each, which
    /// keeps an idle connection under 1 KiB) and then checks its idle time and `draining`.
    wake: Notify,
    /// How often connections check their idle time: a tenth of the idle timeout, between
    /// 10 ms and 5 s, so a timeout fires at most 10% late.
    tick: Duration,
}

impl Shared {
    fn new(config: Config) -> Self {
        Shared {
            greeting: protocol::greeting_bytes(&config.greeting, config.framing),
            slots: Arc::new(Semaphore::new(config.max_connections)),
            rejects: Arc::new(Semaphore::new(listener::MAX_PENDING_REJECTS)),
            tracker: TaskTracker::new(),
            draining: AtomicBool::new(false),
            wake: Notify::new(),
            tick: (config.idle_timeout / 10)
                .clamp(Duration::from_millis(10), Duration::from_secs(5)),
            config,
        }
    }

    fn is_draining(&self) -> bool {
        self.draining.load(Ordering::Relaxed)
    }

    /// Wakes every connection so it checks its idle time, until the server stops. With the
    /// idle timeout disabled there is nothing to check, and it only waits for the stop.
    async fn idle_ticker(shared: Arc<Shared>, stop: CancellationToken) {
        if shared.config.idle_timeout.is_zero() {
            return stop.cancelled().await;
        }
        let mut ticks = tokio::time::interval(shared.tick);
        ticks.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        loop {
            tokio::select! {
                _ = stop.cancelled() => return,
                _ = ticks.tick() => shared.wake.notify_waiters(),
            }
        }
    }

    fn open_connections(&self) -> usize {
        self.config.max_connections - self.slots.available_permits()
    }
}

/// A bound server, ready to [`run`](Server::run).
#[derive(Debug)]
pub struct Server {
    listeners: Vec<Listener>,
    endpoints: Vec<Endpoint>,
    shared: Arc<Shared>,
}

impl Server {
    /// Starts building a server.
    pub fn builder() -> Builder {
        Builder::default()
    }

    /// The endpoints actually bound, with the ports the OS chose for port 0.
    pub fn local_endpoints(&self) -> &[Endpoint] {
        &self.endpoints
    }

    /// The connection limit in force (after fitting it to the open-file limit).
    pub fn max_connections(&self) -> usize {
        self.shared.config.max_connections
    }

    /// Serves until `shutdown` resolves, then stops accepting at once, lets open connections
    /// finish for the grace period, and closes the rest with `ERR server shutting down`.
    pub async fn run(self, shutdown: impl Future<Output = ()>) -> anyhow::Result<()> {
        let Server {
            listeners, shared, ..
        } = self;
        let stop_accepting = CancellationToken::new();
        let mut accept_loops = Vec::new();
        for l in listeners {
            info!("Waiting for connection on {}...", l.endpoint());
            let task = listener::accept_loop(l, shared.clone(), stop_accepting.clone());
            accept_loops.push(tokio::spawn(task));
        }
        let stop_ticking = CancellationToken::new();
        let ticker = tokio::spawn(Shared::idle_ticker(shared.clone(), stop_ticking.clone()));
        shutdown.await;
        stop_accepting.cancel();
        for task in accept_loops {
            task.await.context("an accept loop failed")?;
        }
        drain(&shared).await;
        stop_ticking.cancel();
        ticker.await.context("the idle ticker failed")?;
        Ok(())
    }
}

/// Waits for open connections to finish within the grace period, then closes the rest.
async fn drain(shared: &Shared) {
    shared.tracker.close();
    let grace = shared.config.grace;
    let open = shared.open_connections();
    if open > 0 {
        info!("Shutting down: {open} connection(s) draining, up to {grace:?}...");
    } else {
        info!("Shutting down: no open connections.");
    }
    if tokio::time::timeout(grace, shared.tracker.wait())
        .await
        .is_err()
    {
        let open = shared.open_connections();
        warn!("Grace period over: closing {open} connection(s).");
        shared.draining.store(true, Ordering::Relaxed);
        shared.wake.notify_waiters();
        shared.tracker.wait().await;
    }
    info!("Server stopped.");
}
