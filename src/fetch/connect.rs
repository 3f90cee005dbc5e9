//! fetch's side of connecting: [`crate::net`] resolves and races the addresses (Happy
//! Eyeballs); this maps its errors to curl's exit codes (6, 7, 28) and curl's wording, which
//! names the host as written in the URL.

pub use crate::net::Family;

use super::error::{describe, FetchError};
use crate::net::{ConnectError, ConnectOptions};
use std::time::Duration;
use tokio::net::TcpStream;
use url::Host;

/// Connects to `host` on `port` over the families `family` allows, within `timeout`.
pub async fn tcp(
    host: &Host<&str>,
    port: u16,
    family: Family,
    timeout: Duration,
) -> Result<TcpStream, FetchError> {
    let name = match host {
        Host::Domain(name) => (*name).to_owned(),
        Host::Ipv4(ip) => ip.to_string(),
        Host::Ipv6(ip) => ip.to_string(),
    };
    let options = ConnectOptions {
        family,
        ..ConnectOptions::new(timeout)
    };
    let label = host.to_string();
    crate::net::connect_tcp(&name, port, &options)
        .await
        .map_err(|e| match e {
            ConnectError::Resolve { cause, .. } => FetchError::Resolve {
                host: label,
                reason: describe(&cause),
            },
            ConnectError::Connect { cause, .. } => FetchError::Connect {
                host: label,
                port,
                reason: describe(&cause),
            },
            ConnectError::Timeout { timeout, .. } => FetchError::Timeout(format!(
                "connection to {label} port {port} timed out after {} ms",
                timeout.as_millis()
            )),
        })
}
