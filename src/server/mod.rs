//! The hello server: a builder for its settings, binding, and [`Server::run`], which accepts
//! connections until a shutdown future resolves and then drains them. The library never ends
//! the process: the binary owns the signals and the exit codes.
//!
//! The pieces live one per file, each importing only those below it (this file, with the
//! settings and the state every connection shares, is the root):
//!
//! - `listener`: binding (listening only once the whole start has succeeded) and the accept
//!   loop, with the TLS of a `tls:` listener as an option rather than a kind of listener.
//! - `admit`: the one order every connection passes: a `--max-connections` slot and the
//!   connection-rate limits (`rate`), the PROXY header, the client's per-address share, the
//!   TLS handshake, the conversation; whom it turns away goes through `rejection_log`, the
//!   few-a-second lines of turned-away connections.
//! - `conn`: one connection's life, for a plain or a TLS stream alike, ending with its
//!   `access_log` line.
//! - `tls`: certificates, their reload and the acceptor; the handshake's deadline.
//! - `proxy` and `per_address`: the PROXY protocol parser, and the per-address counts.
//! - `shutdown`: the drain and its grace period; `pulse`: the server-wide wake-up.
//! - `settings`: what a connection is served with, read once as it is accepted, which a
//!   reload replaces for the connections after it.
//! - [`config_file`] reads `--config`; [`reload`] is what SIGHUP does (the binary owns the
//!   signal): the file read again and applied, then the TLS certificate loaded again.
//! - [`metrics`] counts what happens and serves it (`--metrics`), with readiness;
//!   [`systemd`] takes sockets passed by systemd and tells it when the server is ready and
//!   when it stops.
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

mod access_log;
mod admit;
pub mod config_file;
mod conn;
mod listener;
pub mod metrics;
mod per_address;
pub mod proxy;
mod pulse;
mod rate;
mod rejection_log;
pub mod reload;
mod settings;
mod shutdown;
pub mod systemd;
mod tls;

use crate::addr::{Address, Endpoint};
use crate::duration::{self, shown};
use crate::exit;
use crate::logging::LogFormat;
use crate::protocol::{self, Framing, InputBudget};
use anyhow::Context as _;
use listener::Listener;
pub use listener::{FD_RESERVE, MAX_PENDING_REJECTS};
use metrics::{Metrics, Rejection};
use per_address::PerAddress;
use proxy::ProxyConfig;
use rate::RateLimits;
use rejection_log::RejectionLog;
pub use reload::Reloader;
use settings::{Current, Settings};
use shutdown::Drain;
use std::future::{poll_fn, Future};
use std::net::SocketAddr;
use std::num::{NonZeroU32, NonZeroUsize};
use std::path::PathBuf;
use std::pin::Pin;
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering::Relaxed};
use std::sync::Arc;
use std::task::{Context, Poll};
use std::time::Duration;
use tls::Tls;
pub use tls::{TlsConfig, TlsSetupError, DEFAULT_HANDSHAKE_TIMEOUT};
use tokio::sync::{Notify, Semaphore};
use tokio_util::sync::CancellationToken;
use tracing::info;

/// Where the server listens when no address is given.
pub const DEFAULT_BIND: &str = "127.0.0.1:9999";
/// `--idle-timeout`'s default.
pub const DEFAULT_IDLE_TIMEOUT: Duration = Duration::from_secs(300);
/// `--max-connections`'s default.
pub const DEFAULT_MAX_CONNECTIONS: usize = 10_000;
/// `--grace`'s default.
pub const DEFAULT_GRACE: Duration = Duration::from_secs(10);
/// `--backlog`'s default.
pub const DEFAULT_BACKLOG: u32 = 1024;
/// How long a closing connection may take to accept its last replies and `ERR` line.
pub const DEFAULT_CLOSE_TIMEOUT: Duration = Duration::from_secs(2);
/// How long a lingering close reads and discards before it gives up on the client's FIN.
pub const DEFAULT_LINGER: Duration = Duration::from_secs(2);
/// `--send-timeout`'s default, nginx's `send_timeout`.
pub const DEFAULT_SEND_TIMEOUT: Duration = Duration::from_secs(60);
/// `--max-input-memory`'s default, as `--help` shows it.
pub const DEFAULT_MAX_INPUT_MEMORY: &str = "64MiB";
/// How long a connection may sit on an unfinished line before the log suggests
/// `--framing chunk` (the tutorial's client sends a name without a newline, then waits).
pub const FRAMING_HINT_AFTER: Duration = Duration::from_secs(2);

/// Everything that shapes the server's behaviour: `sockit serve`'s flags (the `///` docs are
/// their `--help` text) and the library's settings, defined once. Built with
/// [`Server::builder`] or parsed by clap.
#[derive(Debug, Clone, PartialEq, Eq, clap::Args)]
pub struct Config {
    /// Address to listen on (repeatable): HOST:PORT, `[V6]:PORT`, unix:PATH, or tls:HOST:PORT
    /// (TLS with `--tls-cert` and `--tls-key`). A host name binds every address it resolves
    /// to; port 0 lets the OS choose (the port is logged).
    #[arg(short, long = "bind", value_name = "ADDR", default_value = DEFAULT_BIND)]
    pub binds: Vec<Address>,

    /// How names are framed: `line` (one per line) or `chunk` (one per read, the tutorial's
    /// wire format).
    #[arg(long, value_enum, value_name = "FRAMING", default_value_t = Framing::Line)]
    pub framing: Framing,

    /// The greeting sent on accept (a newline is added with line framing).
    #[arg(long, value_name = "TEXT", default_value = protocol::DEFAULT_GREETING)]
    pub greeting: String,

    /// The longest line accepted, in bytes; a longer one gets `ERR line too long`.
    #[arg(long, value_name = "BYTES", default_value_t = protocol::DEFAULT_MAX_LINE)]
    pub max_line: usize,

    /// Close a connection that sends nothing for this long (`500ms`, `30s`, `5m`) with
    /// `ERR idle timeout`; `0` disables the timeout.
    #[arg(long, value_name = "DURATION", default_value = shown!(DEFAULT_IDLE_TIMEOUT),
          value_parser = duration::parse)]
    pub idle_timeout: Duration,

    /// Close a connection whose pending replies make no progress for this long (the client
    /// does not read them); no `ERR` line can reach it. `0` disables the timeout.
    #[arg(long, value_name = "DURATION", default_value = shown!(DEFAULT_SEND_TIMEOUT),
          value_parser = duration::parse)]
    pub send_timeout: Duration,

    /// Memory for unfinished lines, all connections together (`16MiB`, `1GiB`, bytes). A line
    /// that fits in one read needs none; a connection that needs more while it is spent is not
    /// read until some frees (its idle timeout still runs). A PROXY v2 header longer than 232
    /// bytes is charged here too, and refused when it does not fit. At least `--max-line`.
    #[arg(long, value_name = "SIZE", default_value = DEFAULT_MAX_INPUT_MEMORY,
          value_parser = crate::size::parse)]
    pub max_input_memory: usize,

    /// Connections served at once; one more gets `ERR server busy` at once. Capped to fit the
    /// open-file limit, with a warning.
    #[arg(long, value_name = "N", default_value_t = DEFAULT_MAX_CONNECTIONS)]
    pub max_connections: usize,

    /// Connections one client address may hold at once (IPv6 clients are counted by their
    /// /64, behind a balancer by the PROXY header's address); one more gets
    /// `ERR too many connections from your address`. Off by default.
    #[arg(long, value_name = "N")]
    pub max_connections_per_ip: Option<NonZeroUsize>,

    /// New connections per second over all listeners, in bursts of up to N (a token bucket);
    /// one more gets `ERR too many connections, slow down` at once and is closed (a TLS one
    /// before its handshake, without the line). Off by default.
    #[arg(long, value_name = "N")]
    pub max_connection_rate: Option<NonZeroU32>,

    /// New connections per second from one client address (counted as for
    /// `--max-connections-per-ip`), in bursts of up to N; one more gets
    /// `ERR too many connections, slow down` at once and is closed. Off by default.
    #[arg(long, value_name = "N")]
    pub max_connection_rate_per_ip: Option<NonZeroU32>,

    /// After the first SIGINT/SIGTERM, keep accepting and serving for this long before the
    /// graceful shutdown starts, while `/ready` already answers 503: time for a load balancer
    /// that health-checks it to stop sending new clients.
    #[arg(long, value_name = "DURATION", default_value = "0", value_parser = duration::parse)]
    pub drain_delay: Duration,

    /// After SIGINT/SIGTERM, how long open connections may finish before they are closed.
    #[arg(long, value_name = "DURATION", default_value = shown!(DEFAULT_GRACE),
          value_parser = duration::parse)]
    pub grace: Duration,

    /// The listen(2) backlog.
    #[arg(long, value_name = "N", default_value_t = DEFAULT_BACKLOG)]
    pub backlog: u32,

    /// Serve Prometheus metrics at http://ADDR/metrics and readiness at /ready (200 while
    /// accepting, 503 from the first shutdown signal on); port 0 lets the OS choose (logged).
    #[arg(long, value_name = "ADDR")]
    pub metrics: Option<SocketAddr>,
    /// Set SO_REUSEPORT on TCP listeners, so that several `sockit serve` processes can
    /// share a port (the kernel spreads connections among them) and a new one can start on
    /// the port before the old one stops.
    #[arg(long)]
    pub reuse_port: bool,

    /// Leave out the per-connection log lines.
    #[arg(short, long)]
    pub quiet: bool,

    /// How log lines are written: `text`, or `json` (one object per line with `timestamp`,
    /// `level`, `message` and the event's fields) for a log shipper.
    #[arg(long, value_enum, value_name = "FORMAT", default_value_t = LogFormat::Text)]
    pub log_format: LogFormat,

    /// Raise the soft open-file limit to the hard limit, and cap `max_connections` to fit.
    #[arg(skip = true)]
    pub raise_fd_limit: bool,

    /// How long a closing connection may take to accept its last replies and `ERR` line
    /// before it is dropped.
    #[arg(skip = DEFAULT_CLOSE_TIMEOUT)]
    pub close_timeout: Duration,

    /// How long a lingering close (half-close, then read and discard, so the client's unread
    /// bytes cannot provoke a reset that destroys replies in flight) waits for the client's
    /// FIN.
    #[arg(skip = DEFAULT_LINGER)]
    pub linger: Duration,

    /// How long a connection to the metrics endpoint may take to send a request head.
    #[arg(skip = metrics::HEAD_TIMEOUT)]
    pub metrics_head_timeout: Duration,

    /// Running behind a load balancer: the PROXY protocol and whom to believe.
    #[command(flatten)]
    pub proxy: ProxyConfig,

    /// The certificate, key and handshake limit of `tls:` listeners.
    #[command(flatten)]
    pub tls: TlsConfig,
}

impl Default for Config {
    /// The flags' defaults, except that no address is set: [`Builder::listen`] falls back to
    /// [`DEFAULT_BIND`] when none is added.
    fn default() -> Self {
        Config {
            binds: Vec::new(),
            framing: Framing::Line,
            greeting: protocol::DEFAULT_GREETING.to_owned(),
            max_line: protocol::DEFAULT_MAX_LINE,
            idle_timeout: DEFAULT_IDLE_TIMEOUT,
            send_timeout: DEFAULT_SEND_TIMEOUT,
            max_input_memory: crate::size::parse(DEFAULT_MAX_INPUT_MEMORY)
                .expect("the default is a size"),
            max_connections: DEFAULT_MAX_CONNECTIONS,
            max_connections_per_ip: None,
            max_connection_rate: None,
            max_connection_rate_per_ip: None,
            drain_delay: Duration::ZERO,
            grace: DEFAULT_GRACE,
            backlog: DEFAULT_BACKLOG,
            metrics: None,
            reuse_port: false,
            quiet: false,
            log_format: LogFormat::Text,
            raise_fd_limit: true,
            close_timeout: DEFAULT_CLOSE_TIMEOUT,
            linger: DEFAULT_LINGER,
            metrics_head_timeout: metrics::HEAD_TIMEOUT,
            tls: TlsConfig::default(),
            proxy: ProxyConfig::default(),
        }
    }
}

impl Config {
    /// Refuses settings that cannot work together, at start and at each reload.
    fn check(&self) -> Result<(), ConfigError> {
        if self.max_connections == 0 {
            return Err(ConfigError::NoConnections);
        }
        if self.proxy.proxy_protocol && self.tls.handshake_timeout.is_zero() {
            return Err(ConfigError::Tls(TlsSetupError::NoHandshakeTime));
        }
        if self.max_input_memory < self.max_line {
            return Err(ConfigError::InputMemoryBelowLine {
                memory: self.max_input_memory,
                line: self.max_line,
            });
        }
        Ok(())
    }

    fn tcp_options(&self) -> listener::TcpOptions {
        listener::TcpOptions {
            reuse_port: self.reuse_port,
        }
    }
}

/// A configuration that cannot work, told apart from a failure to listen so that it exits
/// with the usage code.
#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    /// `max_connections` is zero: the server could serve no one.
    #[error("--max-connections must be at least 1")]
    NoConnections,
    /// A `tls:` listener without a usable certificate, or TLS flags without one.
    #[error(transparent)]
    Tls(#[from] TlsSetupError),
    /// The input memory could not hold one line of the longest length allowed.
    #[error("--max-input-memory ({memory} bytes) must be at least --max-line ({line} bytes)")]
    InputMemoryBelowLine {
        /// `max_input_memory`.
        memory: usize,
        /// `max_line`.
        line: usize,
    },
}

impl ConfigError {
    /// The exit code of a configuration that cannot work: usage, as for a bad flag.
    pub fn exit_code(&self) -> u8 {
        exit::serve::BAD_CONFIG
    }
}

/// The exit code for an error from building or running the server: a [`ConfigError`]'s own
/// code wherever it sits in the error's chain, else [`exit::serve::CANNOT_LISTEN`] (cannot
/// listen, or failed while running).
pub fn exit_code(err: &anyhow::Error) -> u8 {
    err.downcast_ref::<ConfigError>()
        .map_or(exit::serve::CANNOT_LISTEN, ConfigError::exit_code)
}

/// Builds a [`Server`]: set the addresses and limits, then [`Builder::listen`].
#[derive(Debug, Default)]
pub struct Builder {
    config: Config,
    /// Sockets passed by systemd, served instead of `config.binds` when there are any.
    inherited: Vec<systemd::Inherited>,
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

    /// Sets how long pending replies may make no progress before the connection is closed
    /// (default 60 s; zero disables it).
    pub fn send_timeout(mut self, timeout: Duration) -> Self {
        self.config.send_timeout = timeout;
        self
    }

    /// Sets the memory for unfinished lines, all connections together (default 64 MiB).
    pub fn max_input_memory(mut self, bytes: usize) -> Self {
        self.config.max_input_memory = bytes;
        self
    }

    /// Sets how many connections are served at once (default 10000).
    pub fn max_connections(mut self, n: usize) -> Self {
        self.config.max_connections = n;
        self
    }

    /// Lets one client address hold at most `n` connections at once (default: no limit).
    pub fn max_connections_per_ip(mut self, n: NonZeroUsize) -> Self {
        self.config.max_connections_per_ip = Some(n);
        self
    }

    /// Lets at most `n` new connections a second in, in bursts of up to `n` (default: no
    /// limit).
    pub fn max_connection_rate(mut self, n: NonZeroU32) -> Self {
        self.config.max_connection_rate = Some(n);
        self
    }

    /// Lets at most `n` new connections a second in from one client address, in bursts of up
    /// to `n` (default: no limit).
    pub fn max_connection_rate_per_ip(mut self, n: NonZeroU32) -> Self {
        self.config.max_connection_rate_per_ip = Some(n);
        self
    }

    /// Requires a PROXY protocol header on every connection, believed from `trusted`
    /// networks only (the flags' default is loopback).
    pub fn proxy_protocol(mut self, trusted: Vec<ipnet::IpNet>) -> Self {
        self.config.proxy = ProxyConfig {
            proxy_protocol: true,
            proxy_from: trusted,
        };
        self
    }

    /// Sets how long the server keeps accepting after a shutdown signal (default 0).
    pub fn drain_delay(mut self, delay: Duration) -> Self {
        self.config.drain_delay = delay;
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

    /// Sets how long a closing connection may take to accept its last replies (default 2 s).
    pub fn close_timeout(mut self, timeout: Duration) -> Self {
        self.config.close_timeout = timeout;
        self
    }

    /// Sets how long a lingering close waits for the client's FIN (default 2 s).
    pub fn linger(mut self, linger: Duration) -> Self {
        self.config.linger = linger;
        self
    }

    /// Sets SO_REUSEPORT on TCP listeners (default off).
    pub fn reuse_port(mut self, reuse: bool) -> Self {
        self.config.reuse_port = reuse;
        self
    }

    /// Serves `tls:` listeners with this certificate chain and key (PEM files).
    pub fn tls_cert(mut self, chain: impl Into<PathBuf>, key: impl Into<PathBuf>) -> Self {
        self.config.tls.tls_cert = Some(chain.into());
        self.config.tls.tls_key = Some(key.into());
        self
    }

    /// Requires TLS clients to present a certificate signed by a CA in this PEM file.
    pub fn tls_client_ca(mut self, ca: impl Into<PathBuf>) -> Self {
        self.config.tls.tls_client_ca = Some(ca.into());
        self
    }

    /// Sets how long a client may take to finish its handshake, the PROXY header and the TLS
    /// one (default 10 s).
    pub fn handshake_timeout(mut self, timeout: Duration) -> Self {
        self.config.tls.handshake_timeout = timeout;
        self
    }

    /// Sets how long a connection to the metrics endpoint may take to send a request head
    /// (default 500 ms).
    pub fn metrics_head_timeout(mut self, timeout: Duration) -> Self {
        self.config.metrics_head_timeout = timeout;
        self
    }

    /// Serves metrics and readiness over HTTP on `addr` (port 0: the OS chooses).
    pub fn metrics(mut self, addr: SocketAddr) -> Self {
        self.config.metrics = Some(addr);
        self
    }

    /// Serves on sockets passed by systemd ([`systemd::inherited_sockets`]) instead of the
    /// bound addresses, when `sockets` is not empty.
    pub fn inherited(mut self, sockets: Vec<systemd::Inherited>) -> Self {
        self.inherited = sockets;
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
        config.check()?;
        if config.binds.is_empty() {
            config.binds.push(DEFAULT_BIND.parse()?);
        }
        let tls_binds: Vec<String> = (config.binds.iter())
            .filter(|a| matches!(a, Address::Tls { .. }))
            .map(|a| a.to_string())
            .collect();
        let tls = Tls::from_config(&config.tls, &tls_binds).map_err(ConfigError::from)?;
        // Everything that can fail comes before the service sockets listen (see
        // `listener::Bound`): a failed start must reset no connection the kernel queued.
        let bound = if self.inherited.is_empty() {
            Self::bind_all(&config).await?
        } else {
            Vec::new()
        };
        let metrics_listener = match config.metrics {
            Some(addr) => Some(metrics::bind(addr).await?),
            None => None,
        };
        let listeners = if self.inherited.is_empty() {
            (bound.into_iter())
                .map(|(bound, is_tls)| {
                    let listener = bound.listen(config.backlog)?;
                    Ok(match (&tls, is_tls) {
                        (Some(tls), true) => listener.with_tls(tls.clone()),
                        _ => listener,
                    })
                })
                .collect::<anyhow::Result<Vec<_>>>()?
        } else {
            info!(
                "Socket activation: serving on {} socket(s) passed by systemd instead of --bind.",
                self.inherited.len()
            );
            (self.inherited.into_iter())
                .map(systemd::adopt)
                .collect::<anyhow::Result<_>>()?
        };
        if config.raise_fd_limit {
            config.max_connections =
                listener::fit_fd_limit(config.max_connections, listeners.len());
        }
        let endpoints = listeners.iter().map(|l| l.endpoint().clone()).collect();
        Ok(Server {
            listeners,
            endpoints,
            tls,
            metrics_listener,
            shared: Arc::new(Shared::new(config)),
        })
    }

    /// Binds every address of `config.binds`, without listening yet; each says whether it is
    /// a `tls:` one.
    async fn bind_all(config: &Config) -> anyhow::Result<Vec<(listener::Bound, bool)>> {
        let mut bound = Vec::new();
        for address in &config.binds {
            let is_tls = matches!(address, Address::Tls { .. });
            for socket in listener::bind(address, config.tcp_options()).await? {
                bound.push((socket, is_tls));
            }
        }
        Ok(bound)
    }
}

/// State every connection task shares.
#[derive(Debug)]
struct Shared {
    /// The settings as the server started with them: what a reload cannot change (the
    /// listeners, the close and linger times). What can change is in `settings`.
    config: Config,
    /// The per-connection settings in force for new connections, which a reload replaces.
    settings: Current,
    /// One permit per connection slot, taken before a connection is served.
    slots: Arc<Semaphore>,
    /// The connection limit in force: `config.max_connections` until a reload changes it.
    limit: AtomicUsize,
    /// How many slots a lowered limit still has to take back as connections end.
    owed: Arc<AtomicUsize>,
    /// Bounds the short-lived tasks that tell surplus clients `ERR server busy`.
    rejects: Arc<Semaphore>,
    /// Every connection task, and the end of the grace period after a shutdown.
    drain: Drain,
    /// Each client address's open connections, counted while `--max-connections-per-ip` is
    /// set.
    per_address: Arc<PerAddress>,
    /// `--max-connection-rate` and `--max-connection-rate-per-ip`.
    rate: RateLimits,
    /// The log lines of turned-away connections, a few a second at most.
    rejections: RejectionLog,
    /// Pulsed by the [`pulse`] thread and by the end of the grace period; every connection waits
    /// on it (one `Notified` each, instead of a timer and a cancellation future each, which
    /// keeps an idle connection under 1 KiB) and then checks its idle time and `draining`.
    wake: Notify,
    /// How often connections check their timers, in nanoseconds: a tenth of the shortest
    /// timeout, so it fires at most 10% late, but at least every half [`FRAMING_HINT_AFTER`]
    /// (the hint comes 2 to 3 s after the last byte) and at most every 10 ms. A reload that
    /// changes the timeouts changes it, and the pulse follows at its next beat.
    tick: AtomicU64,
    /// The memory every connection's unfinished line is charged to.
    input_budget: InputBudget,
    /// What the connections count, and whether the server is ready.
    metrics: Arc<Metrics>,
}

impl Shared {
    fn new(config: Config) -> Self {
        let metrics = Arc::new(Metrics::new());
        metrics.set_max_connections(config.max_connections);
        Shared {
            settings: Current::new(Settings::of(&config)),
            slots: Arc::new(Semaphore::new(config.max_connections)),
            limit: AtomicUsize::new(config.max_connections),
            owed: Arc::new(AtomicUsize::new(0)),
            rejects: Arc::new(Semaphore::new(listener::MAX_PENDING_REJECTS)),
            drain: Drain::new(),
            per_address: PerAddress::new(),
            rate: RateLimits::new(
                config.max_connection_rate,
                config.max_connection_rate_per_ip,
            ),
            rejections: RejectionLog::default(),
            wake: Notify::new(),
            tick: AtomicU64::new(nanos(Self::tick_for(&config))),
            input_budget: InputBudget::new(config.max_input_memory),
            metrics,
            config,
        }
    }

    fn tick_for(config: &Config) -> Duration {
        [config.idle_timeout, config.send_timeout]
            .into_iter()
            .filter(|t| !t.is_zero())
            .map(|t| t / 10)
            .fold(FRAMING_HINT_AFTER / 2, Duration::min)
            .max(Duration::from_millis(10))
    }

    /// How often the pulse beats now.
    fn tick(&self) -> Duration {
        Duration::from_nanos(self.tick.load(Relaxed))
    }

    /// Readiness, for `/ready` and systemd: on once every listener accepts, off from the
    /// first shutdown signal.
    fn announce_ready(&self, ready: bool) {
        self.metrics.set_ready(ready);
        if ready {
            systemd::notify_ready();
        } else {
            systemd::notify_stopping();
        }
    }

    /// Counts and logs (a few a second at most) a connection turned away for `why`.
    fn reject(&self, why: Rejection, peer: &conn::Peer, detail: impl std::fmt::Display) {
        self.metrics.rejected(why);
        self.rejections.note(why, peer, detail);
    }

    /// What the pulse does each tick: wakes every connection to check its timers, writes
    /// the count of rejection lines left out, and the access lines gathered since the last
    /// tick (at most a second's: the tick is never longer).
    fn pulse(&self) {
        self.wake.notify_waiters();
        self.rejections.flush();
        crate::logging::flush();
    }

    fn open_connections(&self) -> usize {
        (self.limit.load(Relaxed) + self.owed.load(Relaxed))
            .saturating_sub(self.slots.available_permits())
    }

    /// Changes the connection limit for new connections (fitted to the open-file limit). A
    /// lower one takes back free slots now and the rest as connections end: no one is
    /// closed for it.
    fn resize(&self, wanted: usize) {
        let limit = listener::fit_fd_limit(wanted.max(1), 0);
        let before = self.limit.swap(limit, Relaxed);
        self.metrics.set_max_connections(limit);
        if limit > before {
            let mut more = limit - before;
            // Slots still owed from an earlier lowering are forgiven first.
            while more > 0 {
                let owed = self.owed.load(Relaxed);
                let forgiven = owed.min(more);
                if forgiven == 0 {
                    break;
                }
                if (self.owed)
                    .compare_exchange(owed, owed - forgiven, Relaxed, Relaxed)
                    .is_ok()
                {
                    more -= forgiven;
                }
            }
            self.slots.add_permits(more);
        } else if limit < before {
            let fewer = before - limit;
            let taken = self.slots.forget_permits(fewer);
            if taken < fewer {
                self.owed.fetch_add(fewer - taken, Relaxed);
                let (slots, owed) = (self.slots.clone(), self.owed.clone());
                tokio::spawn(take_back(slots, owed));
            }
        }
    }
}

/// A tick in nanoseconds (ticks are at most a few seconds).
fn nanos(tick: Duration) -> u64 {
    u64::try_from(tick.as_nanos()).unwrap_or(u64::MAX)
}

/// Takes back, one slot at a time as connections end, the slots a lowered limit still owes
/// (until a raise forgives them).
async fn take_back(slots: Arc<Semaphore>, owed: Arc<AtomicUsize>) {
    while owed.load(Relaxed) > 0 {
        let Ok(slot) = slots.acquire().await else {
            return;
        };
        let still = owed.load(Relaxed);
        if still > 0
            && owed
                .compare_exchange(still, still - 1, Relaxed, Relaxed)
                .is_ok()
        {
            slot.forget();
        }
    }
}

/// What `work` (a poll function) comes to, unless `interrupt` resolves first (`None`);
/// `interrupt` is polled only while `work` is pending. This is how a connection waits on its
/// socket and the pulse, and an accept loop on its queue and the stop token: polling a
/// `Notified` or a cancellation first took a lock on every poll, and a churn connection's
/// whole life is two polls. Work that is always ready still yields to the interrupt, since
/// tokio's cooperative budget makes socket operations answer `Pending` after 128 in one poll.
pub(crate) fn first_unless<'a, T>(
    mut work: impl FnMut(&mut Context<'_>) -> Poll<T> + 'a,
    mut interrupt: Pin<&'a mut impl Future<Output = ()>>,
) -> impl Future<Output = Option<T>> + 'a {
    poll_fn(move |cx| match work(cx) {
        Poll::Ready(done) => Poll::Ready(Some(done)),
        Poll::Pending => interrupt.as_mut().poll(cx).map(|()| None),
    })
}

/// A bound server, ready to [`run`](Server::run).
#[derive(Debug)]
pub struct Server {
    listeners: Vec<Listener>,
    endpoints: Vec<Endpoint>,
    /// The certificate of the `tls:` listeners, when there are any: a [`Reloader`] loads it
    /// again.
    tls: Option<Arc<Tls>>,
    /// The metrics endpoint's socket, bound with the listeners so that a taken port fails at
    /// start.
    metrics_listener: Option<tokio::net::TcpListener>,
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
        self.shared.limit.load(Relaxed)
    }

    /// What a configuration reload may change while this server runs.
    pub fn reloader(&self) -> Reloader {
        Reloader {
            shared: self.shared.clone(),
            tls: self.tls.clone(),
        }
    }

    /// Where the metrics endpoint listens (with the port the OS chose for port 0), if
    /// metrics were asked for.
    pub fn metrics_addr(&self) -> Option<SocketAddr> {
        self.metrics_listener.as_ref()?.local_addr().ok()
    }

    /// The server's metrics, also readable after [`Server::run`] returns: the final counts.
    pub fn metrics(&self) -> Arc<Metrics> {
        self.shared.metrics.clone()
    }

    /// Serves until `shutdown` resolves, keeps accepting for the drain delay, then stops
    /// accepting (taking what is queued first), lets open connections finish for the grace
    /// period, and closes the rest with `ERR server shutting down`.
    pub async fn run(self, shutdown: impl Future<Output = ()>) -> anyhow::Result<()> {
        let Server {
            listeners,
            shared,
            metrics_listener,
            ..
        } = self;
        let stop_accepting = CancellationToken::new();
        let mut accept_loops = Vec::new();
        for l in listeners {
            let tls = if l.is_tls() { "tls:" } else { "" };
            info!("Waiting for connection on {tls}{}...", l.endpoint());
            let task = listener::accept_loop(l, shared.clone(), stop_accepting.clone());
            accept_loops.push(tokio::spawn(task));
        }
        let stop_ticking = CancellationToken::new();
        let ticker = tokio::spawn(pulse::run(shared.clone(), stop_ticking.clone()));
        shared.announce_ready(true);
        let endpoint = metrics_listener.map(|l| {
            if let Ok(addr) = l.local_addr() {
                info!("Serving metrics on http://{addr}/metrics and readiness on /ready.");
            }
            tokio::spawn(metrics::serve(
                l,
                shared.metrics.clone(),
                shared.config.metrics_head_timeout,
                stop_ticking.clone(),
            ))
        });
        shutdown.await;
        shared.announce_ready(false);
        let settings = shared.settings.load();
        shared.drain.keep_accepting(settings.drain_delay).await;
        stop_accepting.cancel();
        for task in accept_loops {
            task.await.context("an accept loop failed")?;
        }
        // Read again: a reload during the drain delay may have changed the grace period.
        let grace = shared.settings.load().grace;
        shared
            .drain
            .run(grace, &shared.wake, || shared.open_connections())
            .await;
        stop_ticking.cancel();
        ticker.await.context("the pulse failed")?;
        if let Some(endpoint) = endpoint {
            endpoint.await.context("the metrics endpoint failed")?;
        }
        crate::logging::flush();
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use clap::Parser;

    #[derive(Parser)]
    struct Flags {
        #[command(flatten)]
        config: Config,
    }

    /// `sockit serve` with no flags is the library's default server: the defaults are defined
    /// once, so the flags and the builder cannot drift apart.
    #[test]
    fn flag_defaults_are_the_builder_defaults() {
        let flags = Flags::try_parse_from(["serve"]).unwrap().config;
        let expected = Config {
            binds: vec![DEFAULT_BIND.parse().unwrap()],
            ..Config::default()
        };
        assert_eq!(flags, expected);
    }

    /// Durations on the command line take the one syntax: a bare number is seconds.
    #[test]
    fn duration_flags_take_seconds_and_units() {
        let flags = Flags::try_parse_from(["serve", "--grace", "3", "--idle-timeout", "1h"])
            .unwrap()
            .config;
        assert_eq!(flags.grace, Duration::from_secs(3));
        assert_eq!(flags.idle_timeout, Duration::from_secs(3600));
    }

    /// Sizes take units or bytes; the default is at most the 128 MiB issue 11 allows.
    #[test]
    fn max_input_memory_takes_sizes() {
        let parse = |arg: &str| {
            Flags::try_parse_from(["serve", "--max-input-memory", arg]).map(|f| f.config)
        };
        assert_eq!(parse("16MiB").unwrap().max_input_memory, 16 << 20);
        assert_eq!(parse("1048576").unwrap().max_input_memory, 1 << 20);
        assert!(parse("plenty").is_err());
        assert!(Config::default().max_input_memory <= 128 << 20);
    }

    /// The wake-up pulse follows the shortest timeout, and never sleeps past half the
    /// framing hint's wait, even with every timeout disabled.
    #[test]
    fn tick_follows_the_shortest_timeout() {
        let tick = |idle: u64, send: u64| {
            Shared::tick_for(&Config {
                idle_timeout: Duration::from_millis(idle),
                send_timeout: Duration::from_millis(send),
                ..Config::default()
            })
        };
        assert_eq!(tick(300, 60_000), Duration::from_millis(30));
        assert_eq!(tick(0, 500), Duration::from_millis(50));
        assert_eq!(tick(0, 0), FRAMING_HINT_AFTER / 2);
        assert_eq!(tick(300_000, 60_000), FRAMING_HINT_AFTER / 2);
    }

    /// A reload that shortens the idle timeout shortens the pulse's tick with it, so the new
    /// timeout fires at most 10% late (the pulse re-arms at its next beat).
    #[test]
    fn a_reload_retunes_the_tick() {
        let shared = Arc::new(Shared::new(Config::default()));
        let reloader = Reloader {
            shared: shared.clone(),
            tls: None,
        };
        assert_eq!(shared.tick(), FRAMING_HINT_AFTER / 2);
        let shorter = Config {
            idle_timeout: Duration::from_millis(300),
            ..Config::default()
        };
        reloader.apply(&shorter).unwrap();
        assert_eq!(shared.tick(), Duration::from_millis(30));
    }

    /// A reload that lowers `--max-input-memory` lowers the budget every connection's
    /// unfinished line is charged to, for the lines that grow after it.
    #[test]
    fn a_reload_resizes_the_input_memory() {
        let shared = Arc::new(Shared::new(Config::default()));
        let reloader = Reloader {
            shared: shared.clone(),
            tls: None,
        };
        assert!(shared.input_budget.take(1 << 20));
        shared.input_budget.give_back(1 << 20);
        let smaller = Config {
            max_line: 1024,
            max_input_memory: 4096,
            ..Config::default()
        };
        reloader.apply(&smaller).unwrap();
        assert!(!shared.input_budget.take(8192));
        assert!(shared.input_budget.take(4096));
    }

    /// A configuration error is usage (2) wherever it sits in the chain; a bind failure is 1.
    #[test]
    fn exit_codes_tell_configuration_from_listening() {
        let config =
            anyhow::Error::from(ConfigError::NoConnections).context("cannot start the server");
        assert_eq!(exit_code(&config), 2);
        let bind = anyhow::anyhow!("cannot listen on 127.0.0.1:1: permission denied");
        assert_eq!(exit_code(&bind), 1);
    }
}
