//! Owns `--http2` on an `http://` URL as curl 7.88 does it: the HTTP/1.1 request asks to
//! upgrade (`Connection: Upgrade, HTTP2-Settings`, `Upgrade: h2c`, `HTTP2-Settings`), and a
//! server that answers `101 Switching Protocols` goes on in HTTP/2 on the same connection,
//! its response to that request coming on stream 1 (RFC 7540 section 3.2). A server that
//! ignores the offer (nginx) answers in HTTP/1.1 as usual.
//!
//! The h2 crate's client cannot take over a stream it did not open, so the connection is
//! given to it through [`Upgraded`]: the client sends the request again, which becomes its
//! stream 1, and [`Upgraded`] keeps that request's HEADERS (and CONTINUATION) frames off
//! the wire, since the server has it already; every other frame passes. Nothing the server
//! sent is read until the client has written that HEADERS frame: a response on a stream
//! the client has not opened yet is a protocol error to it. The client's
//! header compression then remembers fields the server never saw, so the connection
//! carries that one response and is not kept for others. The offer itself, and the
//! SETTINGS it names, are the http layer's (`fetch/http/h2c.rs`).

use crate::net::{Pipe, Transport};
use std::io;
use std::net::SocketAddr;
use std::pin::Pin;
use std::task::{ready, Context, Poll, Waker};
use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};

/// The preface every HTTP/2 client sends first: passed on as a frame's payload is.
const PREFACE: &[u8] = b"PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n";
/// An HTTP/2 frame header's length.
const FRAME_HEAD: usize = 9;
/// The frame types that carry a request's header block.
const HEADERS: u8 = 0x1;
const CONTINUATION: u8 = 0x9;

/// Where the outgoing byte stream stands.
#[derive(Debug)]
enum Out {
    /// Gathering a frame's header.
    Head {
        bytes: [u8; FRAME_HEAD],
        have: usize,
    },
    /// Within the preface or a frame's payload: this many bytes, dropped or passed.
    Payload { left: usize, drop: bool },
}

impl Out {
    /// Before the next frame's header.
    const NEXT: Out = Out::Head {
        bytes: [0; FRAME_HEAD],
        have: 0,
    };
}

/// An upgraded connection as the h2 client sees it: once the client has opened its stream
/// 1, the bytes read past the 101's head come first, then the socket's; outgoing, stream
/// 1's HEADERS and CONTINUATION frames are dropped (see the module's text).
///
/// It is a [`Pipe`] itself, so h2's client runs over the one type it runs over everywhere
/// (`h2.rs`, `piped`): a connection type of its own cost the binary 100 KB of another copy
/// of h2's client.
#[derive(Debug)]
pub struct Upgraded {
    inner: Pipe,
    /// The client has written stream 1's HEADERS: the server's bytes may be read.
    opened: bool,
    /// A read that waits for that.
    reader: Option<Waker>,
    early: Vec<u8>,
    taken: usize,
    out: Out,
    /// A passing frame's header, not yet written to `inner`.
    pending: Vec<u8>,
}

impl Upgraded {
    /// Wraps `inner`, with `early` the bytes already read past the 101's head.
    pub fn new(inner: Pipe, early: Vec<u8>) -> Self {
        Upgraded {
            inner,
            opened: false,
            reader: None,
            early,
            taken: 0,
            out: Out::Payload {
                left: PREFACE.len(),
                drop: false,
            },
            pending: Vec::new(),
        }
    }

    /// Writes out a passing frame's held header.
    fn poll_pending(&mut self, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        while !self.pending.is_empty() {
            let n = ready!(Pin::new(&mut self.inner).poll_write(cx, &self.pending))?;
            if n == 0 {
                return Poll::Ready(Err(io::ErrorKind::WriteZero.into()));
            }
            self.pending.drain(..n);
        }
        Poll::Ready(Ok(()))
    }
}

impl Transport for Upgraded {
    fn addresses(&self) -> (Option<SocketAddr>, Option<SocketAddr>) {
        self.inner.addresses()
    }
}

impl AsyncRead for Upgraded {
    fn poll_read(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        let me = &mut *self;
        if !me.opened {
            me.reader = Some(cx.waker().clone());
            return Poll::Pending;
        }
        if me.taken < me.early.len() {
            let n = (me.early.len() - me.taken).min(buf.remaining());
            buf.put_slice(&me.early[me.taken..me.taken + n]);
            me.taken += n;
            return Poll::Ready(Ok(()));
        }
        Pin::new(&mut me.inner).poll_read(cx, buf)
    }
}

impl AsyncWrite for Upgraded {
    fn poll_write(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        let me = &mut *self;
        ready!(me.poll_pending(cx))?;
        match &mut me.out {
            Out::Payload { left, drop } => {
                let most = (*left).min(buf.len());
                let n = match drop {
                    true => most,
                    false => ready!(Pin::new(&mut me.inner).poll_write(cx, &buf[..most]))?,
                };
                *left -= n;
                if *left == 0 {
                    me.out = Out::NEXT;
                }
                Poll::Ready(Ok(n))
            }
            Out::Head { bytes, have } => {
                let n = (FRAME_HEAD - *have).min(buf.len());
                bytes[*have..*have + n].copy_from_slice(&buf[..n]);
                *have += n;
                if *have == FRAME_HEAD {
                    let head = *bytes;
                    let left = usize::from(head[0]) << 16
                        | usize::from(head[1]) << 8
                        | usize::from(head[2]);
                    let stream =
                        u32::from_be_bytes([head[5], head[6], head[7], head[8]]) & 0x7fff_ffff;
                    let drop = stream == 1 && matches!(head[3], HEADERS | CONTINUATION);
                    if !drop {
                        me.pending.extend_from_slice(&head);
                    } else if !me.opened {
                        me.opened = true;
                        if let Some(reader) = me.reader.take() {
                            reader.wake();
                        }
                    }
                    me.out = match left {
                        0 => Out::NEXT,
                        _ => Out::Payload { left, drop },
                    };
                }
                Poll::Ready(Ok(n))
            }
        }
    }

    fn poll_flush(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        ready!(self.poll_pending(cx))?;
        Pin::new(&mut self.inner).poll_flush(cx)
    }

    fn poll_shutdown(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        ready!(self.poll_pending(cx))?;
        Pin::new(&mut self.inner).poll_shutdown(cx)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use tokio::io::{AsyncReadExt, AsyncWriteExt, DuplexStream};

    impl Transport for DuplexStream {
        fn addresses(&self) -> (Option<SocketAddr>, Option<SocketAddr>) {
            (None, None)
        }
    }

    fn frame(kind: u8, stream: u32, payload: &[u8]) -> Vec<u8> {
        let len = payload.len() as u32;
        let mut out = len.to_be_bytes()[1..].to_vec();
        out.extend([kind, 0]);
        out.extend(stream.to_be_bytes());
        out.extend(payload);
        out
    }

    /// Stream 1's HEADERS and CONTINUATION are dropped, whatever the writes' sizes; the
    /// preface and every other frame (stream 1's WINDOW_UPDATE, stream 3's HEADERS, empty
    /// ones) pass in order; nothing is read before stream 1's HEADERS went, the early bytes
    /// first.
    #[tokio::test]
    async fn stream_ones_header_block_stays_off_the_wire() {
        let settings = frame(0x4, 0, &[0, 4, 0, 0, 0, 9]);
        let dropped = [frame(HEADERS, 1, b"abc"), frame(CONTINUATION, 1, b"de")].concat();
        let kept = [
            frame(0x8, 1, &[0, 0, 1, 0]),
            frame(HEADERS, 3, b"xyz"),
            frame(0x4, 0, b""),
        ]
        .concat();
        let mut sent = PREFACE.to_vec();
        sent.extend(&settings);
        sent.extend(&dropped);
        sent.extend(&kept);
        for size in [1, 2, 5, 9, 10, 64] {
            let (client, mut server) = tokio::io::duplex(4096);
            let mut up = Upgraded::new(Box::new(client), b"early".to_vec());
            let mut early = [0u8; 5];
            let held = tokio::time::timeout(
                std::time::Duration::from_millis(20),
                up.read_exact(&mut early),
            );
            assert!(held.await.is_err(), "read before stream 1 was opened");
            for piece in sent.chunks(size) {
                up.write_all(piece).await.unwrap();
            }
            up.flush().await.unwrap();
            up.read_exact(&mut early).await.unwrap();
            assert_eq!(&early, b"early");
            drop(up);
            let mut wire = Vec::new();
            server.read_to_end(&mut wire).await.unwrap();
            let want = [PREFACE, &settings, &kept].concat();
            assert_eq!(wire, want, "writes of {size} bytes");
        }
    }
}
