//! Owns one exchange on a connection: sending the request (and streaming a `-T` body from
//! disk through one buffer), reading heads (skipping 1xx), and moving the body from the
//! socket through the body decoder to the output.
//!
//! One read buffer serves the whole fetch: the head is parsed in place, and body bytes go
//! from it to the output as borrowed slices, so nothing is allocated per read. It starts at
//! [`FIRST_SIZE`] and doubles whenever a read fills it, up to [`BUFFER_SIZE`]: a 4 KiB file
//! never touches more, a 1 TiB one reaches the full size after five reads and stays there,
//! so the memory used is bounded whatever the body's size. (A fixed 256 KiB buffer per
//! fetch cost `-Z` with 500 small files a zeroed 256 KiB and its page faults per file, and
//! 50 parallel fetches 34 MiB of peak RSS: docs/BENCHMARKS.md.)
//!
//! It moves bytes between the socket and the http layer's state machines; from `output/` it
//! takes only the plain tools it is handed (the progress meter, the `-v` trace).

use crate::fetch::error::{describe, FetchError};
use crate::fetch::http::body::{BodyDecoder, BodyStep};
use crate::fetch::http::decode::BodySink;
use crate::fetch::http::head::{self, BodyFraming, Head, Parsed};
use crate::fetch::http::multipart::Piece;
use crate::fetch::http::request::{Payload, RequestSpec};
use crate::fetch::output::progress::{Meter, Progress};
use crate::fetch::output::trace;
use crate::fetch::output::verbose::Verbose;
use crate::net::splice::{Failed, Splicer};
use crate::net::{Pipe, Transport};
use std::fs::File;
use std::io;
use std::path::Path;
use std::time::{Duration, Instant};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio_rustls::client::TlsStream;

/// The chunk an uploaded file is read in.
const CHUNK: usize = 64 * 1024;
/// The read buffer's largest size: large reads mean few syscalls per megabyte.
pub const BUFFER_SIZE: usize = 256 * 1024;
/// The read buffer's first size: a response head and a small body arrive in one read.
pub const FIRST_SIZE: usize = 16 * 1024;
/// The most 1xx responses accepted before the final one: each is kept (for `-i`), so a
/// server sending them forever must not grow memory forever.
pub const MAX_INTERIM: usize = 32;

/// A connection to the server, over whatever hops the dial stacked (TCP or a Unix socket,
/// SOCKS, TLS to a proxy, a CONNECT tunnel).
pub enum Conn {
    /// http://
    Plain(Pipe),
    /// https://
    Tls(Box<TlsStream<Pipe>>),
}

/// What a read returned.
enum Read {
    Bytes(usize),
    /// The peer closed; `clean` is false for TLS without close_notify.
    Eof {
        clean: bool,
    },
}

impl Conn {
    /// The local and remote addresses of the TCP connection underneath (none over a Unix
    /// socket).
    pub fn addresses(&self) -> (Option<std::net::SocketAddr>, Option<std::net::SocketAddr>) {
        match self {
            Conn::Plain(s) => s.addresses(),
            Conn::Tls(s) => s.addresses(),
        }
    }

    /// Sends the whole request.
    pub async fn send(&mut self, request: &[u8]) -> Result<(), FetchError> {
        let result = match self {
            Conn::Plain(s) => match s.write_all(request).await {
                Ok(()) => s.flush().await,
                Err(e) => Err(e),
            },
            Conn::Tls(s) => match s.write_all(request).await {
                Ok(()) => s.flush().await,
                Err(e) => Err(e),
            },
        };
        result.map_err(|e| FetchError::Send(describe(&e)))
    }

    async fn read(&mut self, buf: &mut [u8]) -> Result<Read, FetchError> {
        let result = match self {
            Conn::Plain(s) => s.read(buf).await,
            Conn::Tls(s) => s.read(buf).await,
        };
        match result {
            Ok(0) => Ok(Read::Eof { clean: true }),
            Ok(n) => Ok(Read::Bytes(n)),
            Err(e) if e.kind() == io::ErrorKind::UnexpectedEof => Ok(Read::Eof { clean: false }),
            Err(e) => Err(FetchError::Recv(describe(&e))),
        }
    }
}

/// The fetch's read buffer, the unconsumed bytes in it (`start..end`), and when the
/// response being read began.
pub struct Buffer {
    bytes: Vec<u8>,
    start: usize,
    end: usize,
    /// The size `bytes` may grow to.
    most: usize,
    /// When the first byte of the response arrived (`-w`'s `time_starttransfer`).
    first_byte: Option<Instant>,
}

impl Default for Buffer {
    fn default() -> Self {
        Buffer::growing_to(BUFFER_SIZE)
    }
}

impl Buffer {
    /// A smaller buffer, for one of several connections at once (`--segments`); it still
    /// holds the largest head accepted.
    pub fn small() -> Self {
        Buffer::growing_to(2 * head::MAX_HEAD)
    }

    fn growing_to(most: usize) -> Self {
        Buffer {
            bytes: SPARE
                .with_borrow_mut(Vec::pop)
                .unwrap_or_else(|| vec![0; FIRST_SIZE]),
            start: 0,
            end: 0,
            most,
            first_byte: None,
        }
    }

    /// Doubles the buffer, up to its largest size, when `filled` bytes filled it.
    fn grow_if_full(&mut self, filled: usize) {
        if filled == self.bytes.len() && filled < self.most {
            self.bytes.resize((2 * filled).min(self.most), 0);
        }
    }

    /// Forgets what is buffered (before a new connection).
    pub fn clear(&mut self) {
        self.start = 0;
        self.end = 0;
    }

    /// The bytes read past the last head and not yet taken.
    pub fn unread(&self) -> &[u8] {
        &self.bytes[self.start..self.end]
    }

    /// When the first byte of the last response head read arrived; also after a read that
    /// failed part-way, so `-w` can report it for a failed transfer.
    pub fn first_byte(&self) -> Option<Instant> {
        self.first_byte
    }
}

/// The most first-size buffers kept for the next fetches: `--parallel-max`'s largest.
const SPARES: usize = 300;

thread_local! {
    /// First-size buffers of finished fetches, for the next ones: a new one is zeroed
    /// (16 KiB a fetch, which `-Z` with 500 small files paid 500 times), a kept one only
    /// holds an earlier response's bytes, which nothing reads before a read overwrites
    /// them (`start..end` bounds what is read).
    static SPARE: std::cell::RefCell<Vec<Vec<u8>>> = const { std::cell::RefCell::new(Vec::new()) };
}

impl Drop for Buffer {
    fn drop(&mut self) {
        if self.bytes.len() == FIRST_SIZE {
            let bytes = std::mem::take(&mut self.bytes);
            SPARE.with_borrow_mut(|spare| {
                if spare.len() < SPARES {
                    spare.push(bytes);
                }
            });
        }
    }
}

/// The heads a request was answered with.
pub struct Answer {
    /// The interim (1xx) heads, in order.
    pub interim: Vec<Head>,
    /// The final head.
    pub head: Head,
    /// The server answered before asking for the request's body, which was then not sent:
    /// the server may still wait for it, so the connection must not carry another request.
    pub body_withheld: bool,
}

/// Sends `request`'s head (`wire`, traced with `-v`) and its body, after a `100 Continue`
/// or `expect_wait` without an answer when it expects one, then reads the heads until the
/// final one. Body bytes read along with the head stay in `buf`. The one way a request is
/// made, for the exchange and for each `--segments` connection alike.
pub async fn round_trip(
    conn: &mut Conn,
    buf: &mut Buffer,
    request: &RequestSpec,
    wire: &[u8],
    expect_wait: Duration,
    trace: Verbose,
) -> Result<Answer, FetchError> {
    trace.request(wire);
    conn.send(wire).await?;
    let mut body_withheld = false;
    if let Some(body) = &request.body {
        let send = !request.expects_continue() || await_continue(conn, buf, expect_wait).await?;
        if send {
            send_body(conn, body).await?;
        } else {
            body_withheld = true;
        }
    }
    let (interim, head) = read_head(conn, buf, request.http09).await?;
    Ok(Answer {
        interim,
        head,
        body_withheld,
    })
}

/// Reads heads until a final (non-1xx) one; returns the interim heads and the final head,
/// noting in `buf` when the response began. Body bytes read along with the head stay in
/// `buf`. A reply that cannot begin with a status line is HTTP/0.9's bare body: taken as
/// one (a head of its own, nothing in it) when `http09` allows it, refused otherwise.
async fn read_head(
    conn: &mut Conn,
    buf: &mut Buffer,
    http09: bool,
) -> Result<(Vec<Head>, Head), FetchError> {
    buf.first_byte = None;
    let mut interim = Vec::new();
    let mut received = 0usize;
    loop {
        if interim.is_empty() && head::is_http09(&buf.bytes[buf.start..buf.end]) {
            return match http09 {
                true => Ok((interim, Head::http09())),
                false => Err(FetchError::Http09),
            };
        }
        match head::parse(&buf.bytes[buf.start..buf.end]) {
            Ok(Parsed::Complete(h, used)) => {
                buf.start += used;
                if !h.is_interim() {
                    return Ok((interim, h));
                }
                if interim.len() == MAX_INTERIM {
                    return Err(FetchError::BadReply(format!(
                        "more than {MAX_INTERIM} interim (1xx) responses"
                    )));
                }
                interim.push(h);
                continue;
            }
            Ok(Parsed::Partial) => {}
            Err(e) => return Err(e.into()),
        }
        buf.bytes.copy_within(buf.start..buf.end, 0);
        buf.end -= buf.start;
        buf.start = 0;
        buf.grow_if_full(buf.end);
        match conn.read(&mut buf.bytes[buf.end..]).await? {
            Read::Bytes(n) => {
                buf.end += n;
                received += n;
                buf.first_byte.get_or_insert_with(Instant::now);
            }
            Read::Eof { .. } if received == 0 && interim.is_empty() => {
                return Err(FetchError::EmptyReply)
            }
            Read::Eof { .. } => {
                return Err(FetchError::BadReply(
                    "connection closed before the response head was complete".into(),
                ))
            }
        }
    }
}

/// Sends the body a head went out without (`-T`, `-F`): the file from disk, stdin's bytes
/// as one chunk and the last, empty one, or a form's pieces with its files from disk.
async fn send_body(conn: &mut Conn, body: &Payload) -> Result<(), FetchError> {
    match body {
        Payload::File { path, len } => send_file(conn, path, *len).await,
        Payload::Chunked(data) => {
            let mut wire = Vec::with_capacity(data.len() + 16);
            if !data.is_empty() {
                wire.extend_from_slice(format!("{:x}\r\n", data.len()).as_bytes());
                wire.extend_from_slice(data);
                wire.extend_from_slice(b"\r\n");
            }
            wire.extend_from_slice(b"0\r\n\r\n");
            trace::send_data(&wire);
            conn.send(&wire).await
        }
        Payload::Multipart(form) => {
            for piece in &form.pieces {
                match piece {
                    Piece::Bytes(bytes) => conn.send(bytes).await?,
                    Piece::File { path, len } => send_file(conn, path, *len).await?,
                }
            }
            Ok(())
        }
        Payload::Bytes { .. } => Ok(()),
    }
}

/// Sends `len` bytes of `path` on `conn`, a chunk at a time.
async fn send_file(conn: &mut Conn, path: &Path, len: u64) -> Result<(), FetchError> {
    let failed = |e: std::io::Error| FetchError::Read {
        path: path.display().to_string(),
        reason: describe(&e),
    };
    let mut file = tokio::fs::File::open(path).await.map_err(failed)?;
    let mut left = len;
    let mut chunk = vec![0u8; CHUNK];
    while left > 0 {
        let want = usize::try_from(left).map_or(CHUNK, |l| l.min(CHUNK));
        let n = file.read(&mut chunk[..want]).await.map_err(failed)?;
        if n == 0 {
            return Err(FetchError::Read {
                path: path.display().to_string(),
                reason: format!("the file shrank by {left} bytes during the upload"),
            });
        }
        trace::send_data(&chunk[..n]);
        conn.send(&chunk[..n]).await?;
        left -= n as u64;
    }
    Ok(())
}

/// After a head that says `Expect: 100-continue`: waits up to `wait` for the server's
/// answer. True when the body should go out: a 1xx came, or nothing in time (curl then
/// sends it anyway); false when a final response came instead, whose body then is not sent.
/// What was read stays in `buf` for `read_head`.
async fn await_continue(
    conn: &mut Conn,
    buf: &mut Buffer,
    wait: Duration,
) -> Result<bool, FetchError> {
    let deadline = tokio::time::Instant::now() + wait;
    loop {
        match head::parse(&buf.bytes[buf.start..buf.end]) {
            Ok(Parsed::Complete(h, _)) => return Ok(h.is_interim()),
            Ok(Parsed::Partial) => {}
            // read_head reports it.
            Err(_) => return Ok(false),
        }
        buf.bytes.copy_within(buf.start..buf.end, 0);
        buf.end -= buf.start;
        buf.start = 0;
        buf.grow_if_full(buf.end);
        let read = conn.read(&mut buf.bytes[buf.end..]);
        match tokio::time::timeout_at(deadline, read).await {
            Err(_) => return Ok(true),
            Ok(Ok(Read::Bytes(n))) => buf.end += n,
            Ok(Ok(Read::Eof { .. })) => return Ok(false),
            Ok(Err(e)) => return Err(e),
        }
    }
}

/// Streams the body: buffered bytes first, then reads until the decoder says it is complete
/// (or, for a close-delimited body, until the server closes). True when the connection
/// stands exactly at the body's end, so it can carry another request (keep-alive).
pub async fn read_body(
    conn: &mut Conn,
    buf: &mut Buffer,
    body: &mut BodyDecoder,
    sink: &mut impl BodySink,
    meter: &mut Meter,
) -> Result<bool, FetchError> {
    let (start, end) = (buf.start, buf.end);
    if end > start {
        trace::recv_data(&buf.bytes[start..end]);
    }
    let mut beyond = feed(body, &buf.bytes[start..end], sink)?;
    meter.received(end - start).await;
    buf.clear();
    let mut direct = Direct::Untried;
    while !body.is_done() {
        match direct.next(conn, body, sink, meter).await? {
            Some(0) => return at_eof(body, true),
            Some(n) => {
                body.skip(n as u64);
                sink.moved(n as u64);
                meter.received(n).await;
                continue;
            }
            None => {}
        }
        let size = meter.read_size(buf.bytes.len());
        match conn.read(&mut buf.bytes[..size]).await? {
            Read::Bytes(n) => {
                trace::recv_data(&buf.bytes[..n]);
                beyond |= feed(body, &buf.bytes[..n], sink)?;
                meter.received(n).await;
                buf.grow_if_full(n);
            }
            Read::Eof { clean } => return at_eof(body, clean),
        }
    }
    Ok(!beyond)
}

/// The connection closed under `body`: its end for a close-delimited body, else (or for
/// TLS without close_notify) a truncation. False: the connection carries nothing more.
fn at_eof(body: &BodyDecoder, clean: bool) -> Result<bool, FetchError> {
    if !clean && body.is_close_delimited() {
        return Err(FetchError::Partial(format!(
            "the TLS connection closed without close_notify after {} bytes: \
             the body may be truncated",
            body.received()
        )));
    }
    body.finish_at_eof()
        .map(|()| false)
        .map_err(|e| FetchError::Partial(e.to_string()))
}

/// The smallest rest of a body moved straight into its file: below it, a pipe and its
/// system calls cost more than the copy they save.
const DIRECT_FROM: u64 = BUFFER_SIZE as u64;

/// A body's way straight from a plain TCP socket into its output (`net/splice.rs`): the
/// `.part` file, or stdout when it is a pipe or a regular file, for a Content-Length body
/// the output writes unchanged, with no trace of its data. Once asked for, there is one or
/// there is none.
enum Direct {
    Untried,
    Open(Splicer, File),
    None,
}

impl Direct {
    /// Moves the next bytes of `body` into the file (0: the server closed); None where
    /// they are to be read the ordinary way.
    async fn next(
        &mut self,
        conn: &Conn,
        body: &BodyDecoder,
        sink: &mut impl BodySink,
        meter: &Meter,
    ) -> Result<Option<usize>, FetchError> {
        let (Some(remaining), Conn::Plain(pipe)) = (body.remaining(), conn) else {
            return Ok(None);
        };
        if let Direct::Untried = self {
            *self = Self::open(pipe.tcp().is_some(), remaining, sink);
        }
        let (Direct::Open(splicer, file), Some(tcp)) = (&*self, pipe.tcp()) else {
            return Ok(None);
        };
        let most = meter.read_size(splicer.size());
        let most = most.min(usize::try_from(remaining).unwrap_or(usize::MAX));
        match splicer.move_into(tcp, file, most).await {
            Ok(n) => Ok(Some(n)),
            Err(Failed::Recv(e)) => Err(FetchError::Recv(describe(&e))),
            Err(Failed::Write(e)) => Err(sink.direct_failed(e)),
        }
    }

    /// The pipe is made only for a body that will use it: a 1 MiB pipe for every plain
    /// body past its first read, spliced or not, was two system calls and a pipe buffer
    /// for nothing.
    fn open(tcp: bool, remaining: u64, sink: &mut impl BodySink) -> Self {
        let Some(file) = tcp.then(|| direct_file(remaining, sink)).flatten() else {
            return Direct::None;
        };
        match Splicer::new() {
            Ok(splicer) => Direct::Open(splicer, file),
            Err(_) => Direct::None,
        }
    }
}

/// The file the `remaining` bytes of a Content-Length body may be written straight into,
/// past the decoder and the sink's own writes (the sink then counts them with
/// [`BodySink::moved`]): none for a short rest, under `--trace` (which shows the data), or
/// where the sink changes or bounds the bytes. Used by the splice path here and by HTTP/2's
/// writes of whole DATA frames (`h2.rs`).
pub fn direct_file(remaining: u64, sink: &mut impl BodySink) -> Option<File> {
    if remaining < DIRECT_FROM || trace::active() {
        return None;
    }
    sink.direct_file(remaining)
}

/// The largest redirect body read to keep its connection for the next hop; a larger one
/// closes the connection instead, which costs one connect and never a wait on a big body
/// nobody wants.
const REDIRECT_BODY_LIMIT: u64 = 64 * 1024;

/// Reads and drops a redirect's body of `framing` when it is small enough; true when the
/// connection then stands at the body's end and can carry the next request, as curl
/// follows a same-origin redirect on the same connection.
pub async fn drain_small_body(conn: &mut Conn, buf: &mut Buffer, framing: BodyFraming) -> bool {
    match framing {
        BodyFraming::Empty => return buf.start == buf.end,
        BodyFraming::Length(n) if n <= REDIRECT_BODY_LIMIT => {}
        _ => return false,
    }
    let mut meter = Meter::new(Progress::new(false, None, None), None);
    let mut body = BodyDecoder::new(framing);
    read_body(conn, buf, &mut body, &mut Dropped, &mut meter)
        .await
        .unwrap_or(false)
}

/// A body nobody reads.
struct Dropped;

impl BodySink for Dropped {
    fn push(&mut self, _: &[u8]) -> Result<(), FetchError> {
        Ok(())
    }
}

/// Decodes `input` into `sink`; true when bytes followed the body's end.
pub fn feed(
    body: &mut BodyDecoder,
    mut input: &[u8],
    sink: &mut impl BodySink,
) -> Result<bool, FetchError> {
    while !input.is_empty() {
        let (used, step) = body
            .step(input)
            .map_err(|e| FetchError::BadReply(e.to_string()))?;
        match step {
            BodyStep::Data(data) => sink.push(data)?,
            BodyStep::Need => return Ok(false),
            BodyStep::Done => return Ok(used < input.len()),
        }
        input = &input[used..];
    }
    Ok(false)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The read buffer starts small, doubles only when a read filled it, and stops at its
    /// largest size: a small body never costs the full 256 KiB, a large one reaches it.
    #[test]
    fn the_read_buffer_grows_only_when_filled() {
        let mut buf = Buffer::default();
        assert_eq!(buf.bytes.len(), FIRST_SIZE);
        buf.grow_if_full(FIRST_SIZE - 1);
        assert_eq!(
            buf.bytes.len(),
            FIRST_SIZE,
            "a short read leaves it as it is"
        );
        for _ in 0..10 {
            let filled = buf.bytes.len();
            buf.grow_if_full(filled);
        }
        assert_eq!(buf.bytes.len(), BUFFER_SIZE);
        let mut small = Buffer::small();
        for _ in 0..10 {
            let filled = small.bytes.len();
            small.grow_if_full(filled);
        }
        assert_eq!(small.bytes.len(), 2 * head::MAX_HEAD);
    }

    /// A finished fetch's first-size buffer serves the next one, empty to its reader; a
    /// grown one is given back to the allocator instead.
    #[test]
    fn first_size_buffers_are_kept_for_the_next_fetch() {
        let mut first = Buffer::default();
        first.bytes[..5].copy_from_slice(b"stale");
        first.end = 5;
        let kept = first.bytes.as_ptr();
        drop(first);
        let next = Buffer::default();
        assert_eq!(next.bytes.as_ptr(), kept);
        assert_eq!((next.start, next.end, next.bytes.len()), (0, 0, FIRST_SIZE));
        let mut grown = next;
        grown.grow_if_full(FIRST_SIZE);
        let spares = SPARE.with_borrow(Vec::len);
        drop(grown);
        assert_eq!(SPARE.with_borrow(Vec::len), spares);
    }
}
