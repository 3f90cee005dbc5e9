//! Which source address each connection of the load comes from, opening it through
//! [`crate::net`], and its TLS handshake with `--tls`.

use super::BenchArgs;
use crate::addr::{Address, Endpoint};
use crate::net::tls::TlsClient;
use crate::net::{ConnectOptions, LocalName, Stream};
use std::io;
use std::net::{IpAddr, Ipv4Addr, SocketAddr};
use std::time::Duration;

/// Connections one loopback source address carries by default. The ephemeral port range
/// (32768-60999 on Linux) holds about 28,000 ports, but on loopback the TIME_WAIT entries of
/// earlier runs hold some of them: with 25,000 of them about, 19,000 connects from 127.0.0.1
/// failed with EADDRNOTAVAIL after 18,250. 10,000 per address leaves room for that.
pub const CONNECTIONS_PER_SOURCE: u32 = 10_000;

/// Where connections come from: for a loopback IPv4 target spread over `count` source
/// addresses (127.0.0.1 to 127.0.0.N), otherwise whatever the kernel picks.
#[derive(Debug, Clone, Copy)]
pub struct Sources {
    count: u8,
}

impl Sources {
    /// `requested` addresses, or by default one per [`CONNECTIONS_PER_SOURCE`] connections.
    pub fn new(requested: Option<u8>, connections: u32) -> Self {
        let auto = connections.div_ceil(CONNECTIONS_PER_SOURCE).clamp(1, 254) as u8;
        Sources {
            count: requested.unwrap_or(auto),
        }
    }

    /// The source address for connection `index`, when one must be bound.
    fn for_connection(&self, target: &Endpoint, index: u32) -> Option<IpAddr> {
        match target {
            Endpoint::Tcp(SocketAddr::V4(v4)) if self.count > 1 && v4.ip().is_loopback() => {
                let host = 1 + (index % u32::from(self.count)) as u8;
                Some(IpAddr::V4(Ipv4Addr::new(127, 0, 0, host)))
            }
            _ => None,
        }
    }
}

/// Opens connection `index` to `target` within `timeout`.
pub async fn connect(
    target: &Endpoint,
    sources: &Sources,
    index: u32,
    timeout: Duration,
) -> io::Result<Stream> {
    let mut options = ConnectOptions::new(timeout);
    options.socket.local = sources.for_connection(target, index).map(LocalName::Addr);
    crate::net::connect_endpoint(target, &options)
        .await
        .map_err(|e| match e {
            crate::net::ConnectError::Connect { cause, .. } => cause,
            other => io::Error::new(io::ErrorKind::TimedOut, other.to_string()),
        })
}

/// The TLS side of every connection with `--tls`: the client configuration, made once, and
/// the server's name from `-a`.
#[derive(Debug, Clone)]
pub struct Secure {
    client: TlsClient,
    host: String,
}

impl Secure {
    /// The TLS set-up `args` ask for, if any.
    pub fn from_args(args: &BenchArgs) -> anyhow::Result<Option<Self>> {
        if !args.tls.wanted(&args.addr) {
            return Ok(None);
        }
        let host = match &args.addr {
            Address::Tcp { host, .. } | Address::Tls { host, .. } => host.clone(),
            Address::Unix(_) => anyhow::bail!("--tls needs a TCP address, not {}", args.addr),
        };
        // Resuming would replace most handshakes with a cheaper one; churn measures full ones.
        let client = TlsClient::new(&args.tls)?.without_resumption();
        Ok(Some(Secure { client, host }))
    }

    /// Shakes hands over `stream` within `timeout`.
    pub async fn handshake(&self, stream: Stream, timeout: Duration) -> io::Result<Stream> {
        let Stream::Tcp(tcp) = stream else {
            return Err(io::Error::other("--tls needs a TCP connection"));
        };
        let shaking = self.client.handshake(tcp, &self.host);
        match tokio::time::timeout(timeout, shaking).await {
            Ok(Ok(tls)) => Ok(Stream::Tls(Box::new(tls))),
            Ok(Err(e)) => Err(io::Error::other(e.to_string())),
            Err(_) => Err(io::Error::new(
                io::ErrorKind::TimedOut,
                "TLS handshake timed out",
            )),
        }
    }
}
