//! Opening connections for the load: TCP (optionally from a chosen loopback source address)
//! or a Unix socket, as the crate's [`Stream`].

use crate::addr::Endpoint;
pub use crate::net::Stream;
use std::io;
use std::net::{IpAddr, Ipv4Addr, SocketAddr};
use tokio::net::TcpSocket;

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

/// Connects connection `index` to `target`.
pub async fn connect(target: &Endpoint, sources: &Sources, index: u32) -> io::Result<Stream> {
    match (target, sources.for_connection(target, index)) {
        (Endpoint::Tcp(addr), Some(ip)) => {
            let socket = TcpSocket::new_v4()?;
            socket.bind(SocketAddr::new(ip, 0))?;
            let stream = socket.connect(*addr).await?;
            stream.set_nodelay(true)?;
            Ok(Stream::Tcp(stream))
        }
        _ => crate::net::connect_endpoint(target).await,
    }
}
