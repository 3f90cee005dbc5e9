//! Owns [`Transport`], the one shape every layer of a connection has: a byte stream that
//! also knows the socket addresses at its bottom, and [`Pipe`], such a stream boxed.
//!
//! A connection is built as a stack, the way curl's connection filters stack (TCP or a Unix
//! socket, then SOCKS, then TLS to a proxy, then a CONNECT tunnel, then TLS to the origin):
//! each step takes a [`Pipe`] and gives one back, so no step knows what sits below or above
//! it, and a new kind of hop is one new step. The box costs one indirect call per read or
//! write of up to 256 KiB, which nothing measures.

use std::io::IoSlice;
use std::net::SocketAddr;
use std::pin::Pin;
use std::task::{Context, Poll};
use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};
use tokio::net::{TcpStream, UnixStream};
use tokio_rustls::client::TlsStream;

/// A byte stream that can say which socket addresses carry it.
pub trait Transport: AsyncRead + AsyncWrite + Unpin + Send + Sync + std::fmt::Debug {
    /// The local and the remote address of the TCP connection underneath; None for each over
    /// a Unix socket.
    fn addresses(&self) -> (Option<SocketAddr>, Option<SocketAddr>);

    /// The TCP socket itself, when this stream is one with nothing stacked on it: its
    /// bytes are then the body's bytes, and can be spliced (`splice.rs`).
    fn tcp(&self) -> Option<&TcpStream> {
        None
    }
}

/// A connection's stream, whatever the layers under it.
pub type Pipe = Box<dyn Transport>;

/// A TCP connection with its addresses read once, when it is made: each request on a kept
/// connection notes them (for `-w` and `-v`), and asking the kernel every time cost `-Z`
/// with 500 small files 1,000 system calls.
#[derive(Debug)]
pub struct Tcp {
    stream: TcpStream,
    local: Option<SocketAddr>,
    remote: Option<SocketAddr>,
}

impl From<TcpStream> for Tcp {
    fn from(stream: TcpStream) -> Self {
        Tcp {
            local: stream.local_addr().ok(),
            remote: stream.peer_addr().ok(),
            stream,
        }
    }
}

impl Transport for Tcp {
    fn addresses(&self) -> (Option<SocketAddr>, Option<SocketAddr>) {
        (self.local, self.remote)
    }

    fn tcp(&self) -> Option<&TcpStream> {
        Some(&self.stream)
    }
}

impl AsyncRead for Tcp {
    fn poll_read(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<std::io::Result<()>> {
        Pin::new(&mut self.stream).poll_read(cx, buf)
    }
}

impl AsyncWrite for Tcp {
    fn poll_write(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<std::io::Result<usize>> {
        Pin::new(&mut self.stream).poll_write(cx, buf)
    }

    fn poll_write_vectored(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        bufs: &[IoSlice<'_>],
    ) -> Poll<std::io::Result<usize>> {
        Pin::new(&mut self.stream).poll_write_vectored(cx, bufs)
    }

    fn is_write_vectored(&self) -> bool {
        self.stream.is_write_vectored()
    }

    fn poll_flush(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<std::io::Result<()>> {
        Pin::new(&mut self.stream).poll_flush(cx)
    }

    fn poll_shutdown(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<std::io::Result<()>> {
        Pin::new(&mut self.stream).poll_shutdown(cx)
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

    fn tcp(&self) -> Option<&TcpStream> {
        self.as_ref().tcp()
    }
}
