//! Owns [`Transport`], the one shape every layer of a connection has: a byte stream that
//! also knows the socket addresses at its bottom, and [`Pipe`], such a stream boxed.
//!
//! A connection is built as a stack, the way curl's connection filters stack (TCP or a Unix
//! socket, then SOCKS, then TLS to a proxy, then a CONNECT tunnel, then TLS to the origin):
//! each step takes a [`Pipe`] and gives one back, so no step knows what sits below or above
//! it, and a new kind of hop is one new step. The box costs one indirect call per read or
//! write of up to 256 KiB, which nothing measures.

use std::net::SocketAddr;
use tokio::io::{AsyncRead, AsyncWrite};
use tokio::net::{TcpStream, UnixStream};
use tokio_rustls::client::TlsStream;

/// A byte stream that can say which socket addresses carry it.
pub trait Transport: AsyncRead + AsyncWrite + Unpin + Send + Sync + std::fmt::Debug {
    /// The local and the remote address of the TCP connection underneath; None for each over
    /// a Unix socket.
    fn addresses(&self) -> (Option<SocketAddr>, Option<SocketAddr>);
}

/// A connection's stream, whatever the layers under it.
pub type Pipe = Box<dyn Transport>;

impl Transport for TcpStream {
    fn addresses(&self) -> (Option<SocketAddr>, Option<SocketAddr>) {
        (self.local_addr().ok(), self.peer_addr().ok())
    }
}

impl Transport for UnixStream {
    fn addresses(&self) -> (Option<SocketAddr>, Option<SocketAddr>) {
        (None, None)
    }
}

impl<T: Transport> Transport for TlsStream<T> {
    fn addresses(&self) -> (Option<SocketAddr>, Option<SocketAddr>) {
        self.get_ref().0.addresses()
    }
}

impl Transport for Pipe {
    fn addresses(&self) -> (Option<SocketAddr>, Option<SocketAddr>) {
        self.as_ref().addresses()
    }
}
