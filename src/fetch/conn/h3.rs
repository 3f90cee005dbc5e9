//! Owns HTTP/3 (only with the `http3` feature): dialling QUIC for a URL (`--resolve` and
//! `--connect-to` pick the address as for TCP, [`crate::net::quic`] makes the connection
//! with the TLS configuration `dial.rs` builds, offering ALPN `h3`), one request as one
//! stream, the response head in the shape the exchange takes, the body, the trailers, and
//! the failures as curl 7.88 reports them.
//!
//! The request is the HTTP/1.1 rendering converted as for HTTP/2 (`h2::convert`), so every
//! flag shapes it alike in all three versions. A connection is shared, as an HTTP/2 one
//! is: its handle ([`H3Conn`]) is cloned into every fetch to the origin; QUIC itself makes
//! a request wait when the server's stream limit is reached, so there is no room to count.
//!
//! curl 7.88's `recv_closed_stream` (lib/vquic/curl_ngtcp2.c and curl_quiche.c) reports a
//! stream the server reset as "HTTP/3 stream N reset by server": a partial file (18) once
//! the head was in, a receive error (56) before it; a GOAWAY before the request was taken
//! lets it go again on a new connection, as for HTTP/2.

use super::h2::{self, Failed, H2Request};
use super::hops::Net;
use super::route::HostPort;
use super::transfer;
use crate::fetch::error::{describe, FetchError};
use crate::fetch::http::body::BodyDecoder;
use crate::fetch::http::decode::BodySink;
use crate::fetch::http::head::Head;
use crate::fetch::http::request::Payload;
use crate::fetch::output::progress::Meter;
use crate::fetch::output::trace;
use crate::fetch::output::verbose::Verbose;
use crate::net::quic::{self, QuicError};
use bytes::{Buf, Bytes};
use h3::error::StreamError;
use std::net::SocketAddr;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};
use tokio::io::AsyncReadExt;
use url::Url;

/// The chunk a `-T` file is read and sent in.
const UPLOAD_CHUNK: usize = 64 * 1024;

type H3Stream = h3::client::RequestStream<h3_quinn::BidiStream<Bytes>, Bytes>;

/// A handle on one HTTP/3 connection; clones share it.
#[derive(Clone)]
pub struct H3Conn {
    send: h3::client::SendRequest<h3_quinn::OpenStreams, Bytes>,
    /// The connection's driver has ended (closed, GOAWAY, broken): no new requests.
    closed: Arc<AtomicBool>,
    local: Option<SocketAddr>,
    remote: SocketAddr,
}

/// A response's body, arriving on its stream.
pub struct H3Body {
    stream: H3Stream,
    /// The stream's number, for messages.
    id: u64,
}

/// Opens an HTTP/3 connection for `url` within `timeout`: to `alternative` (an alt-svc
/// entry's host and port) when given, else where `--resolve`/`--connect-to` say; `tls` is
/// the trust (with ALPN `h3`). Also says when the name was resolved, for `-w`.
pub async fn dial(
    net: Net<'_>,
    url: &Url,
    alternative: Option<HostPort>,
    tls: Arc<rustls::ClientConfig>,
    timeout: Duration,
) -> Result<(H3Conn, Instant), FetchError> {
    let label = url.host_str().unwrap_or_default().to_owned();
    let port = url.port_or_known_default().unwrap_or(443);
    let origin = label.trim_matches(['[', ']']);
    let target = match alternative {
        Some(to) => to,
        None => net.routes.connect_to(origin, port)?,
    };
    let addrs = net.resolve(&target.host, target.port).await?;
    let resolved = Instant::now();
    net.trace.info(format_args!(
        "Trying {} over QUIC (HTTP/3)...",
        addrs.first().map_or(String::new(), SocketAddr::to_string)
    ));
    let quic = quic::connect(&addrs, origin, tls, timeout)
        .await
        .map_err(|e| quic_error(e, &label, port))?;
    let remote = quic.conn.remote_address();
    net.trace.info(format_args!(
        "Connected to {label} ({}) port {} over QUIC",
        remote.ip(),
        remote.port()
    ));
    net.trace.info("using HTTP/3");
    let local = quic.local;
    let (mut driver, send) = h3::client::new(h3_quinn::Connection::new(quic.conn.clone()))
        .await
        .map_err(|e| FetchError::Recv(format!("HTTP/3 handshake with {label}: {e}")))?;
    let closed = Arc::new(AtomicBool::new(false));
    let ended = closed.clone();
    tokio::spawn(async move {
        // The endpoint (the UDP socket) lives as long as the connection is driven.
        let _quic = quic;
        let _ = std::future::poll_fn(|cx| driver.poll_close(cx)).await;
        ended.store(true, Ordering::Relaxed);
    });
    let conn = H3Conn {
        send,
        closed,
        local,
        remote,
    };
    Ok((conn, resolved))
}

/// A QUIC failure in curl's terms: TLS's own codes (35, 60), 28 when the time ran out, 7
/// when nothing answered.
fn quic_error(e: QuicError, label: &str, port: u16) -> FetchError {
    match e {
        QuicError::Tls(tls) => FetchError::Tls(tls),
        QuicError::Timeout(limit) => FetchError::Timeout(format!(
            "QUIC connection to {label} port {port} timed out after {} ms",
            limit.as_millis()
        )),
        QuicError::Connect(reason) => FetchError::Connect {
            host: label.to_owned(),
            port,
            reason,
            refused: false,
        },
    }
}

impl H3Conn {
    /// Whether the connection has ended.
    pub fn is_closed(&self) -> bool {
        self.closed.load(Ordering::Relaxed)
    }

    /// The local UDP address and the server's.
    pub fn addresses(&self) -> (Option<SocketAddr>, Option<SocketAddr>) {
        (self.local, Some(self.remote))
    }

    /// Sends `request` (with `body` after its head when it is a `-T` upload) on a new
    /// stream and waits for the response head.
    pub async fn exchange(
        &self,
        request: H2Request,
        body: Option<&Payload>,
        trace: Verbose,
    ) -> Result<(Head, H3Body), Failed> {
        let H2Request {
            request,
            inline,
            shown,
            fields,
        } = request;
        let mut send = self.send.clone();
        // Failing here, the request never went out on a stream (the connection is going
        // away, or closed): it may go again on a new one.
        let mut stream = send
            .send_request(request)
            .await
            .map_err(|_| Failed::Unprocessed)?;
        let id = stream.id().into_inner();
        for (name, value) in &fields {
            trace.info(format_args!("h2h3 [{name}: {value}]"));
        }
        trace.info(format_args!("Using HTTP/3 Stream ID: {id:x}"));
        trace.request(&shown);
        let sent = send_body(&mut stream, inline, body).await;
        let response = stream
            .recv_response()
            .await
            .map_err(|e| unsent(e, Some(id)));
        let response = match (response, sent) {
            // An answer before the whole body went out (a 413, say) is the answer.
            (Ok(response), Err(e)) if response.status().as_u16() < 300 => {
                return Err(Failed::Fetch(e));
            }
            (Ok(response), _) => response,
            (Err(e), _) => return Err(e),
        };
        let (parts, ()) = response.into_parts();
        Ok((h2::head_of(&parts, 3), H3Body { stream, id }))
    }
}

/// A failure before the response head: a request the server rejected unseen
/// (H3_REQUEST_REJECTED, RFC 9114 section 4.1.1) may go again; a reset is curl 7.88's 56,
/// like a broken connection.
fn unsent(e: StreamError, id: Option<u64>) -> Failed {
    let rejected = matches!(&e, StreamError::RemoteTerminate { code, .. }
        if *code == h3::error::Code::H3_REQUEST_REJECTED);
    match rejected {
        true => Failed::Unprocessed,
        false => Failed::Fetch(FetchError::Recv(words(&e, id))),
    }
}

/// A stream error in curl's words.
fn words(e: &StreamError, id: Option<u64>) -> String {
    let id = id.map_or(String::new(), |id| format!(" {id}"));
    match e {
        StreamError::RemoteTerminate { code, .. } => format!(
            "HTTP/3 stream{id} reset by server (error 0x{:x} {code})",
            code.value()
        ),
        other => format!("HTTP/3 stream{id}: {other}"),
    }
}

/// Sends the request body: the bytes rendered with the head, or the `-T` file or stdin;
/// then ends the request's side of the stream.
async fn send_body(
    stream: &mut H3Stream,
    inline: Bytes,
    body: Option<&Payload>,
) -> Result<(), FetchError> {
    let sending = |e: StreamError| FetchError::Send(words(&e, None));
    match body {
        Some(Payload::File { path, len }) => send_file(stream, path, *len).await?,
        Some(Payload::Chunked(data)) => stream
            .send_data(Bytes::from(data.clone()))
            .await
            .map_err(sending)?,
        _ if !inline.is_empty() => stream.send_data(inline).await.map_err(sending)?,
        _ => {}
    }
    stream.finish().await.map_err(sending)
}

/// Sends `len` bytes of `path`, a chunk at a time.
async fn send_file(
    stream: &mut H3Stream,
    path: &std::path::Path,
    len: u64,
) -> Result<(), FetchError> {
    let failed = |e: std::io::Error| FetchError::Read {
        path: path.display().to_string(),
        reason: describe(&e),
    };
    let mut file = tokio::fs::File::open(path).await.map_err(failed)?;
    let mut left = len;
    while left > 0 {
        let want = usize::try_from(left).map_or(UPLOAD_CHUNK, |l| l.min(UPLOAD_CHUNK));
        let mut chunk = vec![0u8; want];
        let n = file.read(&mut chunk).await.map_err(failed)?;
        if n == 0 {
            return Err(FetchError::Read {
                path: path.display().to_string(),
                reason: format!("the file shrank by {left} bytes during the upload"),
            });
        }
        chunk.truncate(n);
        stream
            .send_data(Bytes::from(chunk))
            .await
            .map_err(|e| FetchError::Send(words(&e, None)))?;
        left -= n as u64;
    }
    Ok(())
}

/// Streams the body through `decoder` (which checks a Content-Length) into `sink`, then
/// reads the trailers; returns them as a trailer section, empty when there were none.
///
/// The DATA arrives a QUIC packet's worth at a time (about 1,200 bytes): handed on one by
/// one, each was a write to the file, 200,000 of them for 256 MiB. Whatever has arrived
/// is gathered into one batch of up to [`BATCH`] bytes first, as over HTTP/2.
pub async fn read_body(
    body: &mut H3Body,
    decoder: &mut BodyDecoder,
    sink: &mut impl BodySink,
    meter: &mut Meter,
) -> Result<Vec<u8>, FetchError> {
    let id = body.id;
    let broken = |e: StreamError| FetchError::Partial(words(&e, Some(id)));
    let mut batch = Vec::new();
    let mut after_empty = false;
    loop {
        let more =
            std::future::poll_fn(|cx| gather(&mut body.stream, &mut batch, &mut after_empty, cx))
                .await
                .map_err(broken)?;
        if !batch.is_empty() {
            if transfer::feed(decoder, &batch, sink)? {
                return Err(FetchError::Partial(format!(
                    "HTTP/3 stream {id}: more body than its Content-Length"
                )));
            }
            meter.received(batch.len()).await;
            batch.clear();
        }
        if !more {
            break;
        }
    }
    if !decoder.is_done() {
        decoder
            .finish_at_eof()
            .map_err(|e| FetchError::Partial(e.to_string()))?;
    }
    let trailers = body.stream.recv_trailers().await.map_err(broken)?;
    Ok(h2::trailer_section(trailers))
}

/// The most body bytes gathered before they go on to the output: as much as the HTTP/1.1
/// path reads at once.
const BATCH: usize = transfer::BUFFER_SIZE;

/// Moves the DATA already received into `batch`, up to [`BATCH`] bytes; ready when the
/// batch is full, when nothing more is waiting (and the batch has some), or at the body's
/// end: true while more may come.
///
/// h3 0.0.8 reads an empty DATA frame (legal, and caddy's gzip sends one before the gzip
/// trailer) as the body's end; the true end, or trailers, reads as the end again, while an
/// empty frame is followed by the rest of the body. `after_empty` carries the first such
/// end over from one call to the next.
fn gather(
    stream: &mut H3Stream,
    batch: &mut Vec<u8>,
    after_empty: &mut bool,
    cx: &mut std::task::Context<'_>,
) -> std::task::Poll<Result<bool, StreamError>> {
    use std::task::Poll;
    while batch.len() < BATCH {
        match stream.poll_recv_data(cx) {
            Poll::Ready(Ok(Some(mut chunk))) => {
                *after_empty = false;
                while chunk.has_remaining() {
                    let piece = chunk.chunk();
                    trace::recv_data(piece);
                    batch.extend_from_slice(piece);
                    let len = piece.len();
                    chunk.advance(len);
                }
            }
            Poll::Ready(Ok(None)) if !*after_empty => *after_empty = true,
            Poll::Ready(Ok(None)) => return Poll::Ready(Ok(false)),
            Poll::Ready(Err(e)) => return Poll::Ready(Err(e)),
            Poll::Pending if batch.is_empty() => return Poll::Pending,
            Poll::Pending => break,
        }
    }
    Poll::Ready(Ok(true))
}
