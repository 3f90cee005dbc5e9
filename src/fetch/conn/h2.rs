//! Owns HTTP/2 on a connection sockit dialled itself (TLS that agreed on ALPN `h2`, or clear
//! text under `--http2-prior-knowledge`): the handshake, one request as one stream, the
//! response head in the shape the exchange already takes, the body's DATA frames, the
//! trailers, and h2's failures as curl's exit codes (16, 92).
//!
//! The request is rendered once, as HTTP/1.1 bytes (`request.rs`), and converted here, as
//! curl 7.88 converts its own: the request line gives `:method` and `:path`, `Host` gives
//! `:authority`, the connection-specific fields go (RFC 9113 section 8.2.2), and the rest
//! keep their order with lower-case names. So every flag that shapes a request shapes it
//! alike in both versions, and the exchange above never asks which one carried it.
//!
//! A connection is shared: its handle ([`H2Conn`]) is cloned into every fetch to the
//! origin, and counts its open streams against the server's
//! `SETTINGS_MAX_CONCURRENT_STREAMS` ([`H2Conn::has_room`]). A task of its own drives the
//! frames; it ends when the last handle is dropped or the server goes away.

use super::transfer::{self, Conn};
use super::upgrade::Upgraded;
use crate::fetch::error::{describe, FetchError};
use crate::fetch::http::body::BodyDecoder;
use crate::fetch::http::decode::BodySink;
use crate::fetch::http::h2c;
use crate::fetch::http::head::Head;
use crate::fetch::http::request::Payload;
use crate::fetch::output::progress::Meter;
use crate::fetch::output::trace;
use crate::fetch::output::verbose::Verbose;
use crate::net::Pipe;
use bytes::Bytes;
use h2::client::{ResponseFuture, SendRequest};
use h2::{Reason, RecvStream, SendStream};
use std::net::SocketAddr;
use std::path::Path;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::Arc;
use tokio::io::AsyncReadExt;
use url::Url;

/// The receive window of each stream. h2's default (64 KiB) holds one stream to a window
/// a round trip; 4 MiB lets a single download run as fast as over HTTP/1.1 (measured in
/// docs/BENCHMARKS.md, "HTTP/2 windows"), and at most this much waits in memory when the
/// disk is slower than the network.
const STREAM_WINDOW: u32 = 4 << 20;
/// The receive window of the connection: the bytes of all its streams that may wait in
/// memory at once.
const CONNECTION_WINDOW: u32 = 8 << 20;
/// The most body bytes gathered from DATA frames before they go on to the output: as much
/// as the HTTP/1.1 path reads at once.
const BATCH: usize = transfer::BUFFER_SIZE;
/// The chunk a `-T` file is read and sent in.
const UPLOAD_CHUNK: usize = 64 * 1024;

/// A handle on one HTTP/2 connection; clones share it.
#[derive(Clone)]
pub struct H2Conn {
    send: SendRequest<Bytes>,
    /// Streams open on it now: requests whose response body is not read to its end.
    open: Arc<AtomicUsize>,
    /// The connection's task has ended (closed, GOAWAY, broken): no new streams.
    closed: Arc<AtomicBool>,
    /// Becomes true once the server's SETTINGS are known (its stream limit among them):
    /// only then can [`H2Conn::has_room`] answer for other fetches.
    settled: tokio::sync::watch::Receiver<bool>,
    local: Option<SocketAddr>,
    remote: Option<SocketAddr>,
}

/// A stream counted as open on its connection until dropped.
struct Slot(Arc<AtomicUsize>);

impl Drop for Slot {
    fn drop(&mut self) {
        self.0.fetch_sub(1, Ordering::Relaxed);
    }
}

/// A response's body, arriving on its stream.
pub struct H2Body {
    recv: RecvStream,
    _slot: Slot,
}

/// Why a request on a connection failed.
pub enum Failed {
    /// The server refused the stream or went away before it (REFUSED_STREAM, or a GOAWAY
    /// naming an earlier last stream): it never saw the request, which may go again on a
    /// new connection (RFC 9113 section 8.7).
    Unprocessed,
    /// Anything else: the fetch fails.
    Fetch(FetchError),
}

impl From<FetchError> for Failed {
    fn from(e: FetchError) -> Self {
        Failed::Fetch(e)
    }
}

/// Starts HTTP/2 over `conn`: sends the preface and SETTINGS (with the windows above) and
/// spawns the task that drives the connection.
pub async fn handshake(conn: Conn) -> Result<H2Conn, FetchError> {
    let (local, remote) = conn.addresses();
    let mut builder = h2::client::Builder::new();
    builder.initial_window_size(STREAM_WINDOW);
    start(builder, piped(conn), local, remote).await
}

/// `conn` as one [`Pipe`], TLS or not: h2's client is compiled for that one type, where a
/// copy for each kind of connection made the binary 100 KB larger apiece; the box costs
/// one indirect call per read or write of a TLS record.
fn piped(conn: Conn) -> Pipe {
    match conn {
        Conn::Plain(pipe) => pipe,
        Conn::Tls(tls) => tls,
    }
}

/// The response to the request the server took in HTTP/1.1 before its `101` to h2c
/// (`upgrade.rs`): HTTP/2 goes on over `conn`, `early` being the bytes read past the 101's
/// head, with the SETTINGS the upgrade offered; `request` goes out as the client's stream
/// 1, kept off the wire (the server has it), and stream 1's response comes back. The
/// connection carries nothing else.
pub async fn answer_upgraded(
    conn: Conn,
    early: Vec<u8>,
    request: H2Request,
) -> Result<(Head, H2Body), FetchError> {
    let (local, remote) = conn.addresses();
    let mut builder = h2::client::Builder::new();
    builder
        .max_concurrent_streams(h2c::MAX_STREAMS)
        .initial_window_size(h2c::STREAM_WINDOW);
    let io: Pipe = Box::new(Upgraded::new(piped(conn), early));
    let h2 = start(builder, io, local, remote).await?;
    let failed = |e: Failed| match e {
        Failed::Fetch(e) => e,
        Failed::Unprocessed => FetchError::EmptyReply,
    };
    let (slot, mut send) = h2.new_stream().await.map_err(failed)?;
    // Its body, if any, went with the HTTP/1.1 request.
    let (response, _) = send
        .send_request(request.request, true)
        .map_err(|e| failed(refused(&e, None)))?;
    let (head, recv) = answer(response).await.map_err(failed)?;
    Ok((head, H2Body { recv, _slot: slot }))
}

async fn start(
    mut builder: h2::client::Builder,
    io: Pipe,
    local: Option<SocketAddr>,
    remote: Option<SocketAddr>,
) -> Result<H2Conn, FetchError> {
    let (send, mut connection) = builder
        .initial_connection_window_size(CONNECTION_WINDOW)
        .enable_push(false)
        .handshake::<Pipe, Bytes>(io)
        .await
        .map_err(|e| match refused(&e, None) {
            Failed::Fetch(e) => e,
            Failed::Unprocessed => FetchError::EmptyReply,
        })?;
    let closed = Arc::new(AtomicBool::new(false));
    let ended = closed.clone();
    let (settle, settled) = tokio::sync::watch::channel(false);
    if let Some(mut ping) = connection.ping_pong() {
        // A server's SETTINGS is its first frame: once a PING's answer is back, its
        // SETTINGS have been applied. The first request does not wait for this.
        tokio::spawn(async move {
            let _ = ping.ping(h2::Ping::opaque()).await;
            settle.send_replace(true);
        });
    }
    tokio::spawn(async move {
        // Its error reaches every open stream, which reports it.
        let _ = connection.await;
        ended.store(true, Ordering::Relaxed);
    });
    Ok(H2Conn {
        send,
        open: Arc::new(AtomicUsize::new(0)),
        closed,
        settled,
        local,
        remote,
    })
}

/// A request converted for HTTP/2, and how `-v` shows it.
pub struct H2Request {
    /// The request head.
    pub(super) request: http::Request<()>,
    /// The body bytes rendered with the head (`-d`, `--json`).
    pub(super) inline: Bytes,
    /// curl's `-v` view: `GET /path HTTP/2`, `Host:`, then the fields in lower case.
    pub shown: Vec<u8>,
    /// The header list as sent, for `-v`'s `h2h3 [name: value]` lines.
    pub fields: Vec<(String, String)>,
}

/// Fields that belong to one HTTP/1.1 connection and must not go in an HTTP/2 request
/// (RFC 9113 section 8.2.2); `expect` too: an h2 body is not held back for a 100.
const CONNECTION_FIELDS: [&str; 7] = [
    "host",
    "connection",
    "keep-alive",
    "proxy-connection",
    "transfer-encoding",
    "upgrade",
    "expect",
];

/// Converts `rendered` (an HTTP/1.1 request for `url`, as `request.rs` renders it) into
/// an HTTP/2 request, or an HTTP/3 one for `version` HTTP_3 (the same fields, as curl
/// converts for both).
pub fn convert(
    rendered: &[u8],
    url: &Url,
    version: http::Version,
) -> Result<H2Request, FetchError> {
    let mut fields = [httparse::EMPTY_HEADER; 128];
    let mut parsed = httparse::Request::new(&mut fields);
    let label = match version {
        http::Version::HTTP_3 => "HTTP/3",
        _ => "HTTP/2",
    };
    let bad = |reason: String| FetchError::Usage(format!("cannot send over {label}: {reason}"));
    let used = match parsed.parse(rendered) {
        Ok(httparse::Status::Complete(used)) => used,
        Ok(httparse::Status::Partial) => return Err(bad("an incomplete request head".into())),
        Err(e) => return Err(bad(e.to_string())),
    };
    let (method, path) = (parsed.method.unwrap_or("GET"), parsed.path.unwrap_or("/"));
    let host = parsed
        .headers
        .iter()
        .find(|h| h.name.eq_ignore_ascii_case("host"))
        .map(|h| String::from_utf8_lossy(h.value).into_owned())
        .unwrap_or_default();
    let mut builder = http::Request::builder()
        .method(method)
        .uri(format!("{}://{host}{path}", url.scheme()))
        .version(version);
    let mut shown = format!("{method} {path} {label}\r\nHost: {host}\r\n");
    let mut list = vec![
        (":method".to_string(), method.to_string()),
        (":path".to_string(), path.to_string()),
        (":scheme".to_string(), url.scheme().to_string()),
        (":authority".to_string(), host.clone()),
    ];
    for field in parsed.headers.iter() {
        let name = field.name.to_ascii_lowercase();
        let value = String::from_utf8_lossy(field.value).into_owned();
        if CONNECTION_FIELDS.contains(&name.as_str()) || (name == "te" && value != "trailers") {
            continue;
        }
        shown.push_str(&format!("{name}: {value}\r\n"));
        builder = builder.header(name.as_str(), field.value);
        list.push((name, value));
    }
    shown.push_str("\r\n");
    let request = builder.body(()).map_err(|e| bad(e.to_string()))?;
    Ok(H2Request {
        request,
        inline: Bytes::copy_from_slice(&rendered[used..]),
        shown: shown.into_bytes(),
        fields: list,
    })
}

impl H2Conn {
    /// Whether another stream may start on this connection now: it is up, its server's
    /// SETTINGS are known, and fewer streams are open than they allow.
    pub fn has_room(&self) -> bool {
        !self.closed.load(Ordering::Relaxed)
            && *self.settled.borrow()
            && self.open.load(Ordering::Relaxed) < self.send.current_max_send_streams()
    }

    /// Waits until the server's SETTINGS are known (or the connection is gone).
    pub fn settled(&self) -> impl std::future::Future<Output = ()> + Send + 'static {
        let mut settled = self.settled.clone();
        async move {
            let _ = settled.wait_for(|known| *known).await;
        }
    }

    /// Whether the connection has ended.
    pub fn is_closed(&self) -> bool {
        self.closed.load(Ordering::Relaxed)
    }

    /// The local and remote addresses of the TCP connection underneath.
    pub fn addresses(&self) -> (Option<SocketAddr>, Option<SocketAddr>) {
        (self.local, self.remote)
    }

    /// A stream counted as open, and the handle to send its request on once the
    /// connection can take one more.
    async fn new_stream(&self) -> Result<(Slot, SendRequest<Bytes>), Failed> {
        self.open.fetch_add(1, Ordering::Relaxed);
        let slot = Slot(self.open.clone());
        let send = self.send.clone().ready().await;
        Ok((slot, send.map_err(|e| refused(&e, None))?))
    }

    /// Sends `request` (with `body` after its head when it is a `-T` upload) on a new
    /// stream and waits for the response head.
    pub async fn exchange(
        &self,
        request: H2Request,
        body: Option<&Payload>,
        trace: Verbose,
    ) -> Result<(Head, H2Body), Failed> {
        let (slot, mut send) = self.new_stream().await?;
        let streamed = matches!(body, Some(Payload::File { .. } | Payload::Chunked(_)));
        let ends = request.inline.is_empty() && !streamed;
        let H2Request {
            request,
            inline,
            shown,
            fields,
        } = request;
        let (response, stream) = send
            .send_request(request, ends)
            .map_err(|e| refused(&e, None))?;
        for (name, value) in &fields {
            trace.info(format_args!("h2h3 [{name}: {value}]"));
        }
        trace.info(format_args!(
            "Using Stream ID: {}",
            u32::from(response.stream_id())
        ));
        trace.request(&shown);
        if !ends {
            let sending = send_body(stream, inline, body);
            let (sent, head) = tokio::join!(sending, answer(response));
            // An answer before the whole body went out (a 413, say) is the answer.
            let (head, recv) = head?;
            if let Err(e) = sent {
                if head.status < 300 {
                    return Err(Failed::Fetch(e));
                }
            }
            return Ok((head, H2Body { recv, _slot: slot }));
        }
        let (head, recv) = answer(response).await?;
        Ok((head, H2Body { recv, _slot: slot }))
    }
}

/// Waits for the response head of stream `id`.
async fn answer(response: ResponseFuture) -> Result<(Head, RecvStream), Failed> {
    let id = u32::from(response.stream_id());
    let response = response.await.map_err(|e| refused(&e, Some(id)))?;
    let (parts, recv) = response.into_parts();
    Ok((head_of(&parts, 2), recv))
}

/// A failure before the response head, as curl 7.88 reports it: unprocessed when the server
/// says so (see below), 92 for a stream it reset, 16 for a GOAWAY with an error code, and
/// curl's 52 (nothing came back) for a broken connection or framing before any response.
///
/// A graceful GOAWAY (NO_ERROR) lets the streams up to its last one finish, so one that
/// fails with it was beyond; a GOAWAY with an error code fails every stream alike, seen or
/// not, and h2 does not tell which: that one fails the fetch.
fn refused(e: &h2::Error, id: Option<u32>) -> Failed {
    let graceful_go_away = e.is_go_away() && e.reason() == Some(Reason::NO_ERROR);
    let refused_stream = e.is_reset() && e.reason() == Some(Reason::REFUSED_STREAM);
    if e.is_remote() && (graceful_go_away || refused_stream) {
        return Failed::Unprocessed;
    }
    Failed::Fetch(match e.reason() {
        Some(_) if e.is_remote() => failure(e, id),
        _ => FetchError::EmptyReply,
    })
}

/// The response head as the exchange takes it, its raw bytes as curl shows an HTTP/2 (or,
/// for `version` 3, HTTP/3) head: `HTTP/2 200 ` and the fields with their lower-case names.
pub(super) fn head_of(parts: &http::response::Parts, version: u8) -> Head {
    let status = parts.status.as_u16();
    let mut raw = format!("HTTP/{version} {status} \r\n").into_bytes();
    let mut headers = Vec::with_capacity(parts.headers.len());
    for (name, value) in &parts.headers {
        raw.extend_from_slice(name.as_str().as_bytes());
        raw.extend_from_slice(b": ");
        raw.extend_from_slice(value.as_bytes());
        raw.extend_from_slice(b"\r\n");
        headers.push((name.as_str().to_string(), value.as_bytes().to_vec()));
    }
    raw.extend_from_slice(b"\r\n");
    Head {
        version,
        status,
        reason: String::new(),
        headers,
        raw,
    }
}

/// Sends the request body: the bytes rendered with the head, or the `-T` file or stdin.
async fn send_body(
    mut stream: SendStream<Bytes>,
    inline: Bytes,
    body: Option<&Payload>,
) -> Result<(), FetchError> {
    match body {
        Some(Payload::File { path, len }) => send_file(&mut stream, path, *len).await,
        Some(Payload::Chunked(data)) => send_all(&mut stream, Bytes::from(data.clone())).await,
        _ => send_all(&mut stream, inline).await,
    }?;
    stream
        .send_data(Bytes::new(), true)
        .map_err(|e| FetchError::Send(failure(&e, None).to_string()))
}

/// Sends `data` as the server's flow control lets it go.
async fn send_all(stream: &mut SendStream<Bytes>, mut data: Bytes) -> Result<(), FetchError> {
    let sending = |e: h2::Error| FetchError::Send(failure(&e, None).to_string());
    while !data.is_empty() {
        stream.reserve_capacity(data.len());
        let granted = std::future::poll_fn(|cx| stream.poll_capacity(cx))
            .await
            .ok_or_else(|| FetchError::Send("the stream closed during the upload".into()))?
            .map_err(sending)?;
        let piece = data.split_to(granted.min(data.len()));
        stream.send_data(piece, false).map_err(sending)?;
    }
    Ok(())
}

/// Sends `len` bytes of `path`, a chunk at a time.
async fn send_file(
    stream: &mut SendStream<Bytes>,
    path: &Path,
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
        send_all(stream, Bytes::from(chunk)).await?;
        left -= n as u64;
    }
    Ok(())
}

/// How far a stream's DATA frames are read.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Until {
    /// To the stream's end: more than the decoder takes is the server's error.
    End,
    /// Until the decoder has what it wants (a `--segments` part of a longer stream).
    Decoded,
}

/// Streams the body's DATA frames through `decoder` (which checks a Content-Length) into
/// `sink`, then reads the trailers; returns them as a trailer section (`name: value` lines
/// and a blank one), empty when there were none.
///
/// Frames are gathered into one batch of up to [`BATCH`] bytes before they go on: nginx
/// sends 8 KiB frames, and handing each one on alone (a write to the file, a wake-up of
/// this task) made 256 MiB take longer than over HTTP/1.1 (see docs/BENCHMARKS.md).
pub async fn read_body(
    body: &mut H2Body,
    decoder: &mut BodyDecoder,
    sink: &mut impl BodySink,
    meter: &mut Meter,
) -> Result<Vec<u8>, FetchError> {
    let id = u32::from(body.recv.stream_id());
    pump(body, decoder, sink, meter, Until::End).await?;
    if !decoder.is_done() {
        decoder
            .finish_at_eof()
            .map_err(|e| FetchError::Partial(e.to_string()))?;
    }
    let trailers = body
        .recv
        .trailers()
        .await
        .map_err(|e| failure(&e, Some(id)))?;
    Ok(trailer_section(trailers))
}

/// The trailer fields of an HTTP/2 or HTTP/3 response as an HTTP/1.1 trailer section
/// (`name: value` lines and a blank one), as `-i` shows them; empty when none came.
pub fn trailer_section(trailers: Option<http::HeaderMap>) -> Vec<u8> {
    let mut section = Vec::new();
    if let Some(fields) = trailers {
        for (name, value) in &fields {
            section.extend_from_slice(name.as_str().as_bytes());
            section.extend_from_slice(b": ");
            section.extend_from_slice(value.as_bytes());
            section.extend_from_slice(b"\r\n");
        }
        section.extend_from_slice(b"\r\n");
    }
    section
}

/// Reads the first bytes of the body that `decoder` asks for (its `Length`) into `sink`,
/// and no more: a `--segments` part at the start of a stream that goes on with the rest of
/// the file. The stream is reset (CANCEL) when the body is dropped.
pub async fn read_prefix(
    body: &mut H2Body,
    decoder: &mut BodyDecoder,
    sink: &mut impl BodySink,
    meter: &mut Meter,
) -> Result<(), FetchError> {
    pump(body, decoder, sink, meter, Until::Decoded).await?;
    match decoder.is_done() {
        true => Ok(()),
        false => decoder
            .finish_at_eof()
            .map_err(|e| FetchError::Partial(e.to_string())),
    }
}

/// Hands the stream's DATA on to `decoder` and `sink` in batches, `until` its end or until
/// the decoder is done, releasing flow-control window as the bytes go on.
async fn pump(
    body: &mut H2Body,
    decoder: &mut BodyDecoder,
    sink: &mut impl BodySink,
    meter: &mut Meter,
    until: Until,
) -> Result<(), FetchError> {
    let id = u32::from(body.recv.stream_id());
    let mut frames = Frames::default();
    let mut batch = Vec::new();
    let mut direct = Direct::Untried;
    loop {
        let more = std::future::poll_fn(|cx| gather(&mut body.recv, &mut frames, cx))
            .await
            .map_err(|e| failure(&e, Some(id)))?;
        if frames.len > 0 {
            let used = match direct.file(decoder, sink, until, frames.len) {
                Some(file) => {
                    write_frames(file, &frames.list).map_err(|e| sink.direct_failed(e))?;
                    decoder.skip(frames.len as u64);
                    sink.moved(frames.len as u64);
                    frames.len
                }
                None => {
                    batch.clear();
                    for frame in &frames.list {
                        // `--trace` shows the body a DATA frame at a time, as curl does.
                        trace::recv_data(frame);
                        batch.extend_from_slice(frame);
                    }
                    let before = decoder.received();
                    if transfer::feed(decoder, &batch, sink)? && until == Until::End {
                        return Err(FetchError::Http2Stream(format!(
                            "HTTP/2 stream {id}: more body than its Content-Length"
                        )));
                    }
                    match until {
                        Until::End => batch.len(),
                        Until::Decoded => usize::try_from(decoder.received() - before).unwrap_or(0),
                    }
                }
            };
            meter.received(used).await;
            // Handing the bytes on opens the window for more: a slow disk or --limit-rate
            // holds the server back instead of filling memory.
            let _ = body.recv.flow_control().release_capacity(frames.len);
            frames.clear();
        }
        if !more || (until == Until::Decoded && decoder.is_done()) {
            return Ok(());
        }
    }
}

/// DATA frames received and not yet handed on: the frames as h2 gave them (no copy yet)
/// and their length in bytes.
#[derive(Default)]
struct Frames {
    list: Vec<Bytes>,
    len: usize,
}

impl Frames {
    fn clear(&mut self) {
        self.list.clear();
        self.len = 0;
    }
}

/// Moves the DATA frames already received into `frames`, up to [`BATCH`] bytes; ready when
/// the batch is full, when no more frames are waiting (and the batch has some), or at the
/// stream's end: true while more may come.
fn gather(
    recv: &mut RecvStream,
    frames: &mut Frames,
    cx: &mut std::task::Context<'_>,
) -> std::task::Poll<Result<bool, h2::Error>> {
    use std::task::Poll;
    while frames.len < BATCH {
        match recv.poll_data(cx) {
            Poll::Ready(Some(Ok(chunk))) if chunk.is_empty() => {}
            Poll::Ready(Some(Ok(chunk))) => {
                frames.len += chunk.len();
                frames.list.push(chunk);
            }
            Poll::Ready(Some(Err(e))) => return Poll::Ready(Err(e)),
            Poll::Ready(None) => return Poll::Ready(Ok(false)),
            Poll::Pending if frames.len == 0 => return Poll::Pending,
            Poll::Pending => break,
        }
    }
    Poll::Ready(Ok(true))
}

/// The output file a stream's DATA frames are written straight into, a batch of frames by
/// one writev(2): for a Content-Length body the output takes unchanged
/// ([`transfer::direct_file`]), this saves copying every frame into one buffer first, the
/// largest user-space cost of a large HTTP/2 download after decryption (a profile in
/// docs/BENCHMARKS.md). Asked for once; a batch that runs past the Content-Length goes the
/// ordinary way, which refuses it.
enum Direct {
    Untried,
    Open(std::fs::File),
    None,
}

impl Direct {
    fn file(
        &mut self,
        decoder: &BodyDecoder,
        sink: &mut impl BodySink,
        until: Until,
        len: usize,
    ) -> Option<&std::fs::File> {
        let remaining = decoder.remaining()?;
        if until != Until::End || len as u64 > remaining {
            return None;
        }
        if let Direct::Untried = self {
            *self = transfer::direct_file(remaining, sink).map_or(Direct::None, Direct::Open);
        }
        match self {
            Direct::Open(file) => Some(file),
            _ => None,
        }
    }
}

/// Writes every byte of `frames` to `file`, in as few writev(2) calls as it takes.
fn write_frames(mut file: &std::fs::File, frames: &[Bytes]) -> std::io::Result<()> {
    use std::io::{IoSlice, Write};
    let mut slices: Vec<IoSlice<'_>> = frames.iter().map(|f| IoSlice::new(f)).collect();
    let mut rest = &mut slices[..];
    while !rest.is_empty() {
        match file.write_vectored(rest) {
            Ok(0) => return Err(std::io::ErrorKind::WriteZero.into()),
            Ok(n) => IoSlice::advance_slices(&mut rest, n),
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => {}
            Err(e) => return Err(e),
        }
    }
    Ok(())
}

/// An h2 failure once the response head is in, as curl reports it: a stream the server
/// reset is 92 with the error code in words, and so is one reset here for what the server
/// sent on it (more DATA than its Content-Length: curl 7.88 says the stream "was not closed
/// cleanly"); the connection going away or closing under the body is a partial file (18);
/// a framing error 16, a socket error 56.
fn failure(e: &h2::Error, stream: Option<u32>) -> FetchError {
    let id = stream.map_or(String::new(), |id| format!(" {id}"));
    match e.reason() {
        Some(reason) if e.is_reset() && e.is_remote() => FetchError::Http2Stream(format!(
            "HTTP/2 stream{id} was reset by the server: {}",
            words(reason)
        )),
        Some(reason) if e.is_reset() => FetchError::Http2Stream(format!(
            "HTTP/2 stream{id} was not closed cleanly: {}",
            words(reason)
        )),
        Some(reason) if e.is_go_away() && e.is_remote() => FetchError::Partial(format!(
            "the server closed the connection under the body (GOAWAY {})",
            words(reason)
        )),
        Some(reason) => FetchError::Http2(format!(
            "error in the HTTP/2 framing layer: {}",
            words(reason)
        )),
        None => match e.get_io() {
            Some(io) if io.kind() == std::io::ErrorKind::BrokenPipe => {
                FetchError::Partial(format!("the connection closed under HTTP/2 stream{id}"))
            }
            Some(io) => FetchError::Recv(describe(io)),
            None => FetchError::Http2(e.to_string()),
        },
    }
}

/// An h2 error code as curl names it: `PROTOCOL_ERROR (err 1)`.
fn words(reason: Reason) -> String {
    format!("{reason:?} (err {})", u32::from(reason))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The HTTP/1.1 head converts as curl converts it: pseudo-fields from the request line
    /// and Host, connection fields dropped, the rest in order with lower-case names, and
    /// `-v`'s view with `HTTP/2` in the request line.
    #[test]
    fn an_http1_request_converts_as_curl_converts_it() {
        let url = Url::parse("https://example.test:8443/a?b=c").unwrap();
        let rendered = b"POST /a?b=c HTTP/1.1\r\nHost: example.test:8443\r\n\
            User-Agent: sockit\r\nAccept: */*\r\nX-Foo: Bar\r\nExpect: 100-continue\r\n\
            Transfer-Encoding: chunked\r\nContent-Length: 3\r\n\r\nabc";
        let converted = convert(rendered, &url, http::Version::HTTP_2).unwrap();
        assert_eq!(converted.request.method(), "POST");
        assert_eq!(
            converted.request.uri().to_string(),
            "https://example.test:8443/a?b=c"
        );
        let names: Vec<&str> = converted.fields.iter().map(|(n, _)| n.as_str()).collect();
        assert_eq!(
            names,
            [
                ":method",
                ":path",
                ":scheme",
                ":authority",
                "user-agent",
                "accept",
                "x-foo",
                "content-length"
            ]
        );
        assert_eq!(&converted.inline[..], b"abc");
        assert_eq!(
            String::from_utf8(converted.shown).unwrap(),
            "POST /a?b=c HTTP/2\r\nHost: example.test:8443\r\nuser-agent: sockit\r\n\
             accept: */*\r\nx-foo: Bar\r\ncontent-length: 3\r\n\r\n"
        );
    }

    /// A response head reads as curl prints an HTTP/2 one, with a space after the status.
    #[test]
    fn a_response_head_reads_as_curl_prints_it() {
        let response = http::Response::builder()
            .status(206)
            .header("content-length", "3")
            .header("ETag", "\"x\"")
            .body(())
            .unwrap();
        let (parts, ()) = response.into_parts();
        let head = head_of(&parts, 2);
        assert_eq!(
            String::from_utf8(head.raw.clone()).unwrap(),
            "HTTP/2 206 \r\ncontent-length: 3\r\netag: \"x\"\r\n\r\n"
        );
        assert_eq!((head.version, head.status), (2, 206));
        assert_eq!(head.get("etag"), Some("\"x\""));
    }

    /// Error codes read as curl words them.
    #[test]
    fn error_codes_read_as_curl_words_them() {
        assert_eq!(words(Reason::PROTOCOL_ERROR), "PROTOCOL_ERROR (err 1)");
    }
}
