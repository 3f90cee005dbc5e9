//! Opening connections for the load: TCP (optionally from a chosen loopback source address)
//! or a Unix socket, behind one stream type the modes read and write.

use crate::addr::Endpoint;
use std::io;
use std::net::{IpAddr, Ipv4Addr, SocketAddr};
use std::pin::Pin;
use std::task::{Context, Poll};
use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};
use tokio::net::{TcpSocket, TcpStream, UnixStream};

/// Connections one loopback source address carries by default; the ephemeral port range
/// (32768-60999 on Linux) holds about 28,000, so this leaves room for churn and TIME_WAIT.
pub const CONNECTIONS_PER_SOURCE: u32 = 20_000;

/// A connection to the server under load.
#[derive(Debug)]
pub enum Stream {
    /// TCP, with Nagle off so small requests leave at once.
    Tcp(TcpStream),
    /// A Unix domain socket.
    Unix(UnixStream),
}

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
    match target {
        Endpoint::Unix(path) => Ok(Stream::Unix(UnixStream::connect(path).await?)),
        Endpoint::Tcp(addr) => {
            let stream = match sources.for_connection(target, index) {
                None => TcpStream::connect(addr).await?,
                Some(ip) => {
                    let socket = TcpSocket::new_v4()?;
                    socket.bind(SocketAddr::new(ip, 0))?;
                    socket.connect(*addr).await?
                }
            };
            stream.set_nodelay(true)?;
            Ok(Stream::Tcp(stream))
        }
    }
}

impl AsyncRead for Stream {
    fn poll_read(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        match self.get_mut() {
            Stream::Tcp(s) => Pin::new(s).poll_read(cx, buf),
            Stream::Unix(s) => Pin::new(s).poll_read(cx, buf),
        }
    }
}

impl AsyncWrite for Stream {
    fn poll_write(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        match self.get_mut() {
            Stream::Tcp(s) => Pin::new(s).poll_write(cx, buf),
            Stream::Unix(s) => Pin::new(s).poll_write(cx, buf),
        }
    }

    fn poll_flush(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        match self.get_mut() {
            Stream::Tcp(s) => Pin::new(s).poll_flush(cx),
            Stream::Unix(s) => Pin::new(s).poll_flush(cx),
        }
    }

    fn poll_shutdown(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        match self.get_mut() {
            Stream::Tcp(s) => Pin::new(s).poll_shutdown(cx),
            Stream::Unix(s) => Pin::new(s).poll_shutdown(cx),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// 10,000 connections need one source address, 50,000 need three; non-loopback targets
    /// and Unix sockets never bind one.
    #[test]
    fn sources_spread_only_over_loopback() {
        let target = Endpoint::Tcp("127.0.0.1:9".parse().unwrap());
        assert_eq!(Sources::new(None, 10_000).count, 1);
        let s = Sources::new(None, 50_000);
        assert_eq!(s.count, 3);
        assert_eq!(
            s.for_connection(&target, 4),
            Some(IpAddr::V4(Ipv4Addr::new(127, 0, 0, 2)))
        );
        let v6 = Endpoint::Tcp("[::1]:9".parse().unwrap());
        assert_eq!(s.for_connection(&v6, 4), None);
        assert_eq!(s.for_connection(&Endpoint::Unix("/x".into()), 4), None);
        assert_eq!(Sources::new(None, 10).for_connection(&target, 4), None);
    }
}
