//! Owns the network edge every subcommand shares: one resolver, one connect (with Happy
//! Eyeballs), the connected [`Stream`], and the one way an I/O error is worded for a user.
//!
//! The client, fetch and the load generator all connect to "an address the user typed",
//! which may be a host name with addresses of both families or a Unix socket path. Doing
//! that in one place means a refused, unreachable or slow address behaves, and reads, the
//! same in every subcommand: `resolve.rs` orders the addresses, `connect.rs` races them.
//! With the `http3` feature, `quic.rs` makes QUIC connections with the same TLS trust.
//! `splice.rs` moves a plain socket's bytes into a file without a copy through user space.

mod connect;
#[cfg(feature = "dns")]
pub mod dns;
#[cfg(feature = "dns")]
pub mod doh;
mod local;
#[cfg(feature = "http3")]
pub mod quic;
mod resolve;
pub mod socks;
pub mod splice;
pub mod tls;
mod transport;
mod unix;

pub use connect::{
    connect, connect_addrs, connect_endpoint, connect_first, ConnectError, ConnectOptions, Family,
    ATTEMPT_DELAY,
};
pub use local::{BindError, LocalName, SocketOptions};
pub use resolve::{resolve, resolve_by, Names};
pub use transport::{Pipe, Tcp, Transport};
pub use unix::{connect_unix, UnixAddr};

use std::io;
use std::pin::Pin;
use std::task::{Context, Poll};
use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};
use tokio::net::{TcpStream, UnixStream};
use tokio_rustls::client::TlsStream;

/// A parsed host, borrowed (`url::Host<String>` has no `as_ref`): what the resolver and the
/// TLS handshake take.
pub(crate) fn borrow_host(host: &url::Host<String>) -> url::Host<&str> {
    match host {
        url::Host::Domain(name) => url::Host::Domain(name.as_str()),
        url::Host::Ipv4(ip) => url::Host::Ipv4(*ip),
        url::Host::Ipv6(ip) => url::Host::Ipv6(*ip),
    }
}

/// An `io::Error` as a short phrase starting in lower case ("connection refused"), without
/// the "(os error 111)" suffix that means nothing to a user.
pub fn describe(err: &io::Error) -> String {
    if err.raw_os_error().is_some() && err.kind() == io::ErrorKind::AddrNotAvailable {
        // EADDRNOTAVAIL's strerror, "Cannot assign requested address", reads as if the user
        // had assigned something; this names what is wrong.
        return "address not available".to_owned();
    }
    let text = err.to_string();
    let text = match text.find(" (os error ") {
        Some(at) => &text[..at],
        None => &text,
    };
    let mut chars = text.chars();
    match chars.next() {
        Some(first) => first.to_lowercase().chain(chars).collect(),
        None => String::new(),
    }
}

/// What to try when binding `addr` failed with `err`, as a parenthesised hint to append to
/// [`describe`]'s words (empty when there is nothing useful to say). Beside `describe`
/// because every listener (serve's, its metrics endpoint's) words a failed bind the same way.
pub fn bind_hint(err: &io::Error, addr: std::net::SocketAddr) -> &'static str {
    match err.kind() {
        io::ErrorKind::AddrInUse => " (is another server running?)",
        io::ErrorKind::PermissionDenied if addr.port() < 1024 => {
            " (ports below 1024 need root or the CAP_NET_BIND_SERVICE capability)"
        }
        io::ErrorKind::AddrNotAvailable => {
            " (is that address on one of this machine's interfaces?)"
        }
        _ => "",
    }
}

/// A connected stream: TCP (with `TCP_NODELAY` on) or a Unix socket.
#[derive(Debug)]
pub enum Stream {
    /// A TCP connection.
    Tcp(TcpStream),
    /// A Unix domain socket connection.
    Unix(UnixStream),
    /// A TLS connection over TCP (boxed: its state is large, and most streams are plain).
    Tls(Box<TlsStream<TcpStream>>),
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
            Stream::Tls(s) => Pin::new(s).poll_read(cx, buf),
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
            Stream::Tls(s) => Pin::new(s).poll_write(cx, buf),
        }
    }

    fn poll_flush(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        match self.get_mut() {
            Stream::Tcp(s) => Pin::new(s).poll_flush(cx),
            Stream::Unix(s) => Pin::new(s).poll_flush(cx),
            Stream::Tls(s) => Pin::new(s).poll_flush(cx),
        }
    }

    fn poll_shutdown(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        match self.get_mut() {
            Stream::Tcp(s) => Pin::new(s).poll_shutdown(cx),
            Stream::Unix(s) => Pin::new(s).poll_shutdown(cx),
            Stream::Tls(s) => Pin::new(s).poll_shutdown(cx),
        }
    }
}
