//! A connected byte stream over TCP or a Unix socket, and connecting to an [`Address`] with a
//! deadline.
//!
//! The client and the load generator both speak to "an address the user typed", which may be
//! a host name with several IPs or a Unix socket path; this file owns that one decision so the
//! error a user sees for a refused or slow connection is the same everywhere.

use crate::addr::{Address, Endpoint};
use std::io;
use std::pin::Pin;
use std::task::{Context, Poll};
use std::time::Duration;
use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};
use tokio::net::{TcpStream, UnixStream};

/// Why a connection could not be made.
#[derive(Debug, thiserror::Error)]
pub enum ConnectError {
    /// The host name did not resolve.
    #[error("cannot resolve '{host}': {}", crate::net::describe(cause))]
    Resolve {
        /// The name looked up.
        host: String,
        /// What the resolver said (part of the message, so not chained as a source too).
        cause: io::Error,
    },
    /// Every address was tried and none accepted the connection.
    #[error(
        "cannot connect to {endpoint}: {}{}",
        crate::net::describe(cause),
        hint(cause)
    )]
    Connect {
        /// The last endpoint tried.
        endpoint: Endpoint,
        /// Why it failed (part of the message, so not chained as a source too).
        cause: io::Error,
    },
    /// The deadline passed before any address answered.
    #[error("timed out after {timeout:?} connecting to {address}")]
    Timeout {
        /// The address being connected to.
        address: Address,
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

/// An `io::Error` as a short lower-case phrase ("connection refused"), without the
/// "(os error 111)" suffix that means nothing to a user.
pub fn describe(err: &io::Error) -> String {
    let text = match err.kind() {
        io::ErrorKind::ConnectionRefused => "connection refused".to_owned(),
        io::ErrorKind::AddrInUse => "address already in use".to_owned(),
        io::ErrorKind::AddrNotAvailable => "address not available".to_owned(),
        io::ErrorKind::PermissionDenied => "permission denied".to_owned(),
        io::ErrorKind::NotFound => "no such file or directory".to_owned(),
        io::ErrorKind::ConnectionReset => "connection reset by peer".to_owned(),
        _ => err.to_string(),
    };
    match text.find(" (os error") {
        Some(i) => text[..i].to_lowercase(),
        None => text,
    }
}

/// A connected stream: TCP (with `TCP_NODELAY` on) or a Unix socket.
#[derive(Debug)]
pub enum Stream {
    /// A TCP connection.
    Tcp(TcpStream),
    /// A Unix domain socket connection.
    Unix(UnixStream),
}

/// Connects to the first endpoint of `address` that accepts, trying them in resolver order,
/// all within `timeout`.
///
/// ```no_run
/// # async fn demo() -> Result<(), sockit::net::ConnectError> {
/// use std::time::Duration;
/// let addr = "127.0.0.1:9999".parse().unwrap();
/// let stream = sockit::net::connect(&addr, Duration::from_secs(10)).await?;
/// # drop(stream); Ok(()) }
/// ```
pub async fn connect(address: &Address, timeout: Duration) -> Result<Stream, ConnectError> {
    let attempt = async {
        let endpoints = address
            .resolve()
            .await
            .map_err(|cause| ConnectError::Resolve {
                host: address.to_string(),
                cause,
            })?;
        let mut last = None;
        for endpoint in endpoints {
            match connect_endpoint(&endpoint).await {
                Ok(stream) => return Ok(stream),
                Err(cause) => last = Some(ConnectError::Connect { endpoint, cause }),
            }
        }
        Err(last.unwrap_or_else(|| ConnectError::Resolve {
            host: address.to_string(),
            cause: io::Error::new(io::ErrorKind::NotFound, "no addresses found"),
        }))
    };
    match tokio::time::timeout(timeout, attempt).await {
        Ok(result) => result,
        Err(_) => Err(ConnectError::Timeout {
            address: address.clone(),
            timeout,
        }),
    }
}

/// Connects to one concrete endpoint.
pub async fn connect_endpoint(endpoint: &Endpoint) -> io::Result<Stream> {
    match endpoint {
        Endpoint::Tcp(addr) => {
            let stream = TcpStream::connect(addr).await?;
            stream.set_nodelay(true)?;
            Ok(Stream::Tcp(stream))
        }
        Endpoint::Unix(path) => Ok(Stream::Unix(UnixStream::connect(path).await?)),
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
