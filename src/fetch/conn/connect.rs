//! fetch's side of connecting: [`crate::net`] resolves and races the addresses (Happy
//! Eyeballs); this maps its errors to curl's exit codes (6, 7, 28) and curl's wording, which
//! names the host as written in the URL.
//!
//! Resolving and connecting are two calls so that `-v` can show the addresses found, and so
//! that a proxy's name that does not resolve can be told apart (curl's 5) from the target's.

pub use crate::net::Family;

use crate::addr::{Address, Endpoint};
use crate::fetch::error::{describe, FetchError};
use crate::net::{ConnectError, ConnectOptions, Names, SocketOptions};
use std::net::SocketAddr;
use std::time::Duration;
use tokio::net::TcpStream;
use url::Host;

/// The addresses of `host` that `family` allows, looked up by `names`, in Happy Eyeballs
/// order.
pub async fn resolve(
    names: &Names,
    host: &Host<&str>,
    port: u16,
    family: Family,
) -> Result<Vec<SocketAddr>, FetchError> {
    let name = match host {
        Host::Domain(name) => (*name).to_owned(),
        Host::Ipv4(ip) => ip.to_string(),
        Host::Ipv6(ip) => ip.to_string(),
    };
    let address = Address::Tcp { host: name, port };
    let endpoints = crate::net::resolve_by(names, &address, family)
        .await
        .map_err(|e| curl_error(e, &host.to_string(), port))?;
    Ok(endpoints
        .into_iter()
        .filter_map(|endpoint| match endpoint {
            Endpoint::Tcp(addr) => Some(addr),
            Endpoint::Unix(_) => None,
        })
        .collect())
}

/// Connects to the first of `addrs` that answers within `timeout` (`None`: no limit, as
/// `--connect-timeout 0`), each socket as `sockets` says; `label` is the host as written,
/// for messages.
pub async fn connect(
    addrs: &[SocketAddr],
    label: &str,
    timeout: Option<Duration>,
    sockets: &Sockets,
) -> Result<TcpStream, FetchError> {
    let options = ConnectOptions {
        socket: sockets.options.clone(),
        attempt_delay: sockets.attempt_delay,
        // tokio treats Duration::MAX as a deadline that never comes.
        ..ConnectOptions::new(timeout.unwrap_or(Duration::MAX))
    };
    let port = addrs.first().map_or(0, SocketAddr::port);
    let (stream, _) = crate::net::connect_addrs(addrs, &options)
        .await
        .map_err(|e| curl_error(e, label, port))?;
    Ok(stream)
}

/// How fetch's sockets are made: what is set on them and bound (`--interface`,
/// `--local-port`, `--keepalive-time`, `--tcp-nodelay`, `--tcp-fastopen`), and how long
/// Happy Eyeballs gives an address before trying the next (`--happy-eyeballs-timeout-ms`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Sockets {
    /// What is set on each socket, and where it is bound.
    pub options: SocketOptions,
    /// How long an attempt gets before the next address is tried beside it.
    pub attempt_delay: Duration,
}

impl Default for Sockets {
    /// curl's: `TCP_NODELAY` on, keepalive every 60 s, 200 ms between attempts.
    fn default() -> Self {
        Sockets {
            options: SocketOptions {
                keepalive: Some(DEFAULT_KEEPALIVE),
                ..SocketOptions::default()
            },
            attempt_delay: DEFAULT_ATTEMPT_DELAY,
        }
    }
}

/// curl's keepalive idle time and probe interval when `--keepalive-time` is not given.
pub const DEFAULT_KEEPALIVE: Duration = Duration::from_secs(60);

/// curl's `--happy-eyeballs-timeout-ms` default.
pub const DEFAULT_ATTEMPT_DELAY: Duration = Duration::from_millis(200);

/// A connect error in curl's terms: 6 cannot resolve, 7 cannot connect, 28 timed out, 45 the
/// local end could not be bound.
fn curl_error(err: ConnectError, label: &str, port: u16) -> FetchError {
    match err {
        ConnectError::Resolve { cause, .. } => FetchError::Resolve {
            host: label.to_owned(),
            reason: describe(&cause),
        },
        ConnectError::Connect { cause, .. } => FetchError::Connect {
            host: label.to_owned(),
            port,
            reason: describe(&cause),
            refused: cause.kind() == std::io::ErrorKind::ConnectionRefused,
        },
        ConnectError::Bind(e) => FetchError::Interface(e),
        ConnectError::Timeout { timeout, .. } => FetchError::Timeout(format!(
            "connection to {label} port {port} timed out after {} ms",
            timeout.as_millis()
        )),
    }
}
