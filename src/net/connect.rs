//! Owns connecting to an address: the options, the errors, and Happy Eyeballs.
//!
//! Every caller (the client, fetch, bench) connects through here, so a host name with a dead
//! address costs the same everywhere: attempts alternate families (RFC 8305 section 4, see
//! [`super::resolve`]) and each starts [`ConnectOptions::attempt_delay`] after the previous
//! one unless that one has already failed; the first to connect wins and the others are
//! dropped, which closes them. One deadline covers the lookup and every attempt. Each
//! attempt's socket is made and bound as [`SocketOptions`] say (`super::local`).

use super::local::{self, AttemptError, BindError, SocketOptions};
use super::{describe, resolve, Stream};
use crate::addr::{Address, Endpoint};
use std::io;
use std::net::{Ipv4Addr, SocketAddr};
use std::path::Path;
use std::time::Duration;
use tokio::net::{TcpStream, UnixStream};
use tokio::task::JoinSet;

/// How long an attempt gets before the next address is tried alongside it (RFC 8305), unless
/// [`ConnectOptions::attempt_delay`] says otherwise.
pub const ATTEMPT_DELAY: Duration = Duration::from_millis(250);

/// Which address families a name may be connected over.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub enum Family {
    /// Both (the default).
    #[default]
    Any,
    /// IPv4 only (`-4`).
    V4,
    /// IPv6 only (`-6`).
    V6,
}

impl Family {
    /// Whether `endpoint` may be used; a Unix socket has no family and always may.
    pub fn allows(self, endpoint: &Endpoint) -> bool {
        match (self, endpoint) {
            (Family::Any, _) | (_, Endpoint::Unix(_)) => true,
            (Family::V4, Endpoint::Tcp(addr)) => addr.is_ipv4(),
            (Family::V6, Endpoint::Tcp(addr)) => addr.is_ipv6(),
        }
    }
}

/// How to connect.
///
/// ```
/// use sockit::net::{ConnectOptions, Family};
/// use std::time::Duration;
///
/// let options = ConnectOptions {
///     family: Family::V4,
///     ..ConnectOptions::new(Duration::from_secs(5))
/// };
/// assert_eq!(options.socket.local, None);
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ConnectOptions {
    /// The deadline for the lookup and every attempt together.
    pub timeout: Duration,
    /// The address families a name may be connected over.
    pub family: Family,
    /// What is set on each socket before it connects, and where it is bound; bench spreads
    /// its connections over 127.0.0.N with `socket.local`, to get past one address's ports.
    pub socket: SocketOptions,
    /// How long an attempt gets before the next address is tried beside it.
    pub attempt_delay: Duration,
}

impl ConnectOptions {
    /// Any family, the default socket (unbound, `TCP_NODELAY`), [`ATTEMPT_DELAY`], and
    /// `timeout` for the whole connect.
    pub fn new(timeout: Duration) -> Self {
        ConnectOptions {
            timeout,
            family: Family::Any,
            socket: SocketOptions::default(),
            attempt_delay: ATTEMPT_DELAY,
        }
    }
}

/// Why a connection could not be made.
#[derive(Debug, thiserror::Error)]
pub enum ConnectError {
    /// The host name did not resolve, or to no address of the family asked for.
    #[error("cannot resolve '{address}': {}", describe(cause))]
    Resolve {
        /// The address looked up.
        address: Address,
        /// What the resolver said (part of the message, so not chained as a source too).
        cause: io::Error,
    },
    /// Every address was tried and none accepted the connection.
    #[error("cannot connect to {endpoint}: {}{}", describe(cause), hint(cause))]
    Connect {
        /// The endpoint whose failure came last.
        endpoint: Endpoint,
        /// Why it failed (part of the message, so not chained as a source too).
        cause: io::Error,
    },
    /// The local end could not be bound as asked (an interface, address or ports).
    #[error(transparent)]
    Bind(BindError),
    /// The deadline passed before any address answered.
    #[error("timed out after {timeout:?} connecting to {target}")]
    Timeout {
        /// What was being connected to, as shown to the user.
        target: String,
        /// The deadline that ran out.
        timeout: Duration,
    },
}

fn hint(err: &io::Error) -> &'static str {
    match err.kind() {
        io::ErrorKind::ConnectionRefused | io::ErrorKind::NotFound => " (is sockit serve running?)",
        _ => "",
    }
}

/// Resolves `address` and connects to the first of its endpoints that accepts, Happy
/// Eyeballs style, all within `options.timeout`.
///
/// ```no_run
/// # async fn demo() -> Result<(), sockit::net::ConnectError> {
/// use sockit::net::{connect, ConnectOptions};
/// use std::time::Duration;
/// let addr = "localhost:9999".parse().unwrap();
/// let stream = connect(&addr, &ConnectOptions::new(Duration::from_secs(10))).await?;
/// # drop(stream); Ok(()) }
/// ```
pub async fn connect(address: &Address, options: &ConnectOptions) -> Result<Stream, ConnectError> {
    Ok(connect_first(address, options).await?.0)
}

/// Like [`connect`], and also says which endpoint answered, so that later connections can go
/// straight there.
pub async fn connect_first(
    address: &Address,
    options: &ConnectOptions,
) -> Result<(Stream, Endpoint), ConnectError> {
    let work = async {
        match address {
            Address::Unix(path) => {
                let stream = attempt_unix(path).await?;
                Ok((stream, Endpoint::Unix(path.clone())))
            }
            Address::Tcp { .. } | Address::Tls { .. } => {
                let (tcp, addr) = happy_eyeballs(address, options).await?;
                Ok((Stream::Tcp(tcp), Endpoint::Tcp(addr)))
            }
        }
    };
    within(options.timeout, || address.to_string(), work).await
}

/// Connects to one endpoint that is already known, its socket as `options.socket` says.
/// The load generator's per-connection path: no lookup, no task spawned.
pub async fn connect_endpoint(
    endpoint: &Endpoint,
    options: &ConnectOptions,
) -> Result<Stream, ConnectError> {
    let work = async {
        match endpoint {
            Endpoint::Tcp(addr) => local::connect(*addr, &options.socket)
                .await
                .map(Stream::Tcp)
                .map_err(|e| failed(*addr, e)),
            Endpoint::Unix(path) => attempt_unix(path).await,
        }
    };
    within(options.timeout, || endpoint.to_string(), work).await
}

/// Runs `work` with a deadline; `target` names what was being connected to if it runs out.
async fn within<T>(
    timeout: Duration,
    target: impl FnOnce() -> String,
    work: impl std::future::Future<Output = Result<T, ConnectError>>,
) -> Result<T, ConnectError> {
    match tokio::time::timeout(timeout, work).await {
        Ok(result) => result,
        Err(_) => Err(ConnectError::Timeout {
            target: target(),
            timeout,
        }),
    }
}

/// Connects to the first of `addrs` that accepts, racing them as for a name that resolved
/// to them, within `options.timeout` (`options.family` does not apply: they are given).
pub async fn connect_addrs(
    addrs: &[SocketAddr],
    options: &ConnectOptions,
) -> Result<(TcpStream, SocketAddr), ConnectError> {
    let target = || {
        let shown: Vec<String> = addrs.iter().map(ToString::to_string).collect();
        shown.join(", ")
    };
    within(options.timeout, target, race(addrs, options)).await
}

/// Resolves a TCP `address` and races its addresses.
async fn happy_eyeballs(
    address: &Address,
    options: &ConnectOptions,
) -> Result<(TcpStream, SocketAddr), ConnectError> {
    let addrs: Vec<SocketAddr> = resolve(address, options.family)
        .await?
        .into_iter()
        .filter_map(|e| match e {
            Endpoint::Tcp(addr) => Some(addr),
            Endpoint::Unix(_) => None,
        })
        .collect();
    race(&addrs, options).await
}

/// An attempt's failure as the error of the whole connect.
fn failed(addr: SocketAddr, err: AttemptError) -> ConnectError {
    match err {
        AttemptError::Bind(e) => ConnectError::Bind(e),
        AttemptError::Connect(cause) => ConnectError::Connect {
            endpoint: addr.into(),
            cause,
        },
    }
}

/// Happy Eyeballs over `addrs`, in order (RFC 8305): a new attempt starts every
/// `options.attempt_delay`, or as soon as all running ones have failed; the first to connect
/// wins and the others are dropped. A single address is connected to directly, with no
/// task. A socket that cannot be bound as asked ends the race: every other would fail alike.
async fn race(
    addrs: &[SocketAddr],
    options: &ConnectOptions,
) -> Result<(TcpStream, SocketAddr), ConnectError> {
    if let [only] = addrs[..] {
        let tcp = local::connect(only, &options.socket)
            .await
            .map_err(|e| failed(only, e))?;
        return Ok((tcp, only));
    }
    let mut pending = addrs.iter().copied();
    let mut attempts = JoinSet::new();
    let start = |attempts: &mut JoinSet<_>, addr: SocketAddr| {
        tracing::debug!(%addr, "connecting");
        let socket = options.socket.clone();
        attempts.spawn(async move { (addr, local::connect(addr, &socket).await) });
    };
    let mut last = None;
    loop {
        if attempts.is_empty() {
            let Some(addr) = pending.next() else {
                let (addr, cause) = last.unwrap_or_else(|| {
                    let none = io::Error::new(io::ErrorKind::NotFound, "no address to try");
                    (SocketAddr::from((Ipv4Addr::UNSPECIFIED, 0)), none)
                });
                return Err(failed(addr, AttemptError::Connect(cause)));
            };
            start(&mut attempts, addr);
        }
        tokio::select! {
            Some(joined) = attempts.join_next() => {
                match joined {
                    Ok((addr, Ok(tcp))) => return Ok((tcp, addr)),
                    Ok((addr, Err(AttemptError::Bind(e)))) => return Err(failed(addr, AttemptError::Bind(e))),
                    Ok((addr, Err(AttemptError::Connect(cause)))) => {
                        tracing::debug!(%addr, error = %cause, "connect attempt failed");
                        last = Some((addr, cause));
                    }
                    Err(e) => tracing::debug!(error = %e, "connect attempt did not finish"),
                }
                if let Some(addr) = pending.next() {
                    start(&mut attempts, addr);
                }
            }
            () = tokio::time::sleep(options.attempt_delay), if pending.len() > 0 => {
                if let Some(addr) = pending.next() {
                    tracing::debug!(%addr, "no answer yet, also trying the next address");
                    start(&mut attempts, addr);
                }
            }
        }
    }
}

async fn attempt_unix(path: &Path) -> Result<Stream, ConnectError> {
    UnixStream::connect(path)
        .await
        .map(Stream::Unix)
        .map_err(|cause| ConnectError::Connect {
            endpoint: Endpoint::Unix(path.to_path_buf()),
            cause,
        })
}
