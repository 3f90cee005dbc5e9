//! Owns the recording HTTP server of the curl differential tests: it logs every byte a
//! client sends and answers from a fixed set of canned responses, so curl and sockit can be
//! run one after the other against the same server and their requests compared byte for byte.
//!
//! The responses are the ones that tell HTTP clients apart: LF-only heads, chunked bodies
//! with trailers, redirects (one to the same URL), ranges and 416, gzip, deflate, br, zstd
//! and stacked encodings, `Expect: 100-continue` answered with 100, with a final status, or
//! not at all, and a proxy's 407 asking for Digest.
//! A thread per connection serves requests until the client closes; [`Recorder::take`]
//! waits (with a deadline) until every connection has closed, so the log holds all a client
//! sent before it is read. [`Recorder::start_with_unix`] serves the same on a Unix socket
//! too (the Docker engine's shape), into the same log.

mod scripts;

use flate2::write::{GzEncoder, ZlibEncoder};
use flate2::Compression;
use std::io::{self, Read, Write};
use std::net::{Shutdown, SocketAddr, TcpListener, TcpStream};
use std::os::unix::net::{UnixListener, UnixStream};
use std::path::Path;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Condvar, Mutex};
use std::thread::{self, JoinHandle};
use std::time::{Duration, Instant};

/// Socket timeouts: no connection thread outlives its test by more than this.
const IO_TIMEOUT: Duration = Duration::from_secs(10);

/// The body of `/data`: 100 bytes, each position readable in the bytes themselves.
pub const DATA: &[u8; 100] = b"0000000000111111111122222222223333333333444444444455555555556666666666777777777788888888889999999999";

/// The ETag `/etag` sends, and answers 304 to.
pub const ETAG: &str = "\"v1\"";

/// The `Last-Modified` of `/dated`: 2001-09-09 01:46:40 UTC, Unix time 1000000000.
pub const LAST_MODIFIED: &str = "Sun, 09 Sep 2001 01:46:40 GMT";

/// What clients sent, and how many of their connections are still open.
#[derive(Default)]
struct Log {
    state: Mutex<State>,
    changed: Condvar,
}

#[derive(Default)]
struct State {
    bytes: Vec<u8>,
    open: usize,
}

impl Log {
    fn record(&self, bytes: &[u8]) {
        self.state.lock().unwrap().bytes.extend_from_slice(bytes);
    }

    fn opened(&self) {
        self.state.lock().unwrap().open += 1;
    }

    fn closed(&self) {
        self.state.lock().unwrap().open -= 1;
        self.changed.notify_all();
    }
}

/// A connection's stream: TCP or a Unix socket.
trait Socket: Read + Write + Send + 'static {
    /// Sends FIN (or the Unix socket's end of stream) and keeps reading.
    fn close_write(&self);
}

impl Socket for TcpStream {
    fn close_write(&self) {
        let _ = self.shutdown(Shutdown::Write);
    }
}

impl Socket for UnixStream {
    fn close_write(&self) {
        let _ = self.shutdown(Shutdown::Write);
    }
}

/// The recording server on 127.0.0.1, port chosen by the OS; stops when dropped.
pub struct Recorder {
    pub addr: SocketAddr,
    /// The Unix socket it also listens on, if started with one.
    unix: Option<std::path::PathBuf>,
    log: Arc<Log>,
    stop: Arc<AtomicBool>,
    accept: Vec<JoinHandle<()>>,
}

impl Recorder {
    /// Starts the server.
    pub fn start() -> Recorder {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let addr = listener.local_addr().unwrap();
        let log = Arc::new(Log::default());
        let stop = Arc::new(AtomicBool::new(false));
        let next = move || listener.accept().map(|(tcp, _)| tcp);
        let accept = accepting(next, addr, &log, &stop, |tcp| {
            let _ = tcp.set_read_timeout(Some(IO_TIMEOUT));
            let _ = tcp.set_write_timeout(Some(IO_TIMEOUT));
        });
        Recorder {
            addr,
            unix: None,
            log,
            stop,
            accept: vec![accept],
        }
    }

    /// Starts the server on 127.0.0.1 and on a Unix socket at `path` (which must not exist).
    pub fn start_with_unix(path: &Path) -> Recorder {
        let mut recorder = Recorder::start();
        let listener = UnixListener::bind(path).unwrap();
        let accept = accepting(
            move || listener.accept().map(|(unix, _)| unix),
            recorder.addr,
            &recorder.log,
            &recorder.stop,
            |unix| {
                let _ = unix.set_read_timeout(Some(IO_TIMEOUT));
                let _ = unix.set_write_timeout(Some(IO_TIMEOUT));
            },
        );
        recorder.accept.push(accept);
        recorder.unix = Some(path.to_path_buf());
        recorder
    }

    /// `http://127.0.0.1:PORT`.
    pub fn base(&self) -> String {
        format!("http://{}", self.addr)
    }

    /// Everything clients sent since the last call, once all their connections have closed
    /// (a client that exited has closed its own); panics after `bound`.
    pub fn take(&self, bound: Duration) -> Vec<u8> {
        let deadline = Instant::now() + bound;
        let mut state = self.log.state.lock().unwrap();
        while state.open > 0 {
            let left = deadline.saturating_duration_since(Instant::now());
            assert!(!left.is_zero(), "a client connection is still open");
            state = self.log.changed.wait_timeout(state, left).unwrap().0;
        }
        std::mem::take(&mut state.bytes)
    }
}

impl Drop for Recorder {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::Relaxed);
        // Wake the blocking accepts so their threads see the flag.
        let _ = TcpStream::connect(self.addr);
        if let Some(path) = &self.unix {
            let _ = UnixStream::connect(path);
        }
        for t in self.accept.drain(..) {
            let _ = t.join();
        }
    }
}

/// A thread taking connections from `next`, each served on its own thread (after `setup`)
/// until `stop` is set.
fn accepting<S: Socket>(
    mut next: impl FnMut() -> io::Result<S> + Send + 'static,
    addr: SocketAddr,
    log: &Arc<Log>,
    stop: &Arc<AtomicBool>,
    setup: fn(&S),
) -> JoinHandle<()> {
    let (log, stop) = (log.clone(), stop.clone());
    thread::spawn(move || loop {
        let stream = next();
        if stop.load(Ordering::Relaxed) {
            return;
        }
        let Ok(stream) = stream else { continue };
        setup(&stream);
        log.opened();
        let log = log.clone();
        thread::spawn(move || {
            serve(stream, addr, &log);
            log.closed();
        });
    })
}

/// One client connection: requests answered until the client closes or a response ends it.
fn serve<S: Socket>(tcp: S, addr: SocketAddr, log: &Log) {
    let mut conn = Conn {
        tcp,
        buf: Vec::new(),
        log,
    };
    while let Some(head) = conn.read_head() {
        let request = Request::parse(&head);
        let after = respond(&mut conn, &request, addr).unwrap_or(After::Close);
        if after == After::Hold {
            // Neither more bytes nor the end of the stream: the client gives up on its own.
            while conn.fill().is_some() {
                conn.buf.clear();
            }
            return;
        }
        if after == After::Close {
            conn.tcp.close_write();
            // Record (and wait out) whatever the client still sends until it closes.
            while conn.fill().is_some() {
                conn.buf.clear();
            }
            return;
        }
    }
}

/// A connection's socket and the bytes read from it but not yet used.
struct Conn<'a, S: Socket> {
    tcp: S,
    buf: Vec<u8>,
    log: &'a Log,
}

impl<S: Socket> Conn<'_, S> {
    /// Reads more bytes into the buffer (and the log); None at the end of the stream.
    fn fill(&mut self) -> Option<()> {
        let mut chunk = [0u8; 16 * 1024];
        let n = self.tcp.read(&mut chunk).ok().filter(|&n| n > 0)?;
        self.log.record(&chunk[..n]);
        self.buf.extend_from_slice(&chunk[..n]);
        Some(())
    }

    /// The next request head, CRLF CRLF included.
    fn read_head(&mut self) -> Option<Vec<u8>> {
        loop {
            if let Some(at) = find(&self.buf, b"\r\n\r\n") {
                return Some(self.buf.drain(..at + 4).collect());
            }
            self.fill()?;
        }
    }

    /// Reads and drops a body of `len` bytes.
    fn skip(&mut self, len: usize) -> Option<()> {
        while self.buf.len() < len {
            self.fill()?;
        }
        self.buf.drain(..len);
        Some(())
    }

    /// Reads and drops a line ending in CRLF; returns it without the CRLF.
    fn line(&mut self) -> Option<Vec<u8>> {
        loop {
            if let Some(at) = find(&self.buf, b"\r\n") {
                let line = self.buf.drain(..at + 2).take(at).collect();
                return Some(line);
            }
            self.fill()?;
        }
    }

    /// Reads and drops a chunked body, trailers included.
    fn skip_chunked(&mut self) -> Option<()> {
        loop {
            let line = self.line()?;
            let size = String::from_utf8_lossy(&line);
            let size = size.split(';').next().unwrap_or("").trim();
            let size = usize::from_str_radix(size, 16).ok()?;
            if size == 0 {
                while !self.line()?.is_empty() {}
                return Some(());
            }
            self.skip(size + 2)?;
        }
    }

    /// Reads the request's body, as its head frames it.
    fn read_body(&mut self, request: &Request) -> Option<()> {
        if request.chunked {
            self.skip_chunked()
        } else {
            self.skip(request.length)
        }
    }
}

/// What the server needs to know of a request.
struct Request {
    method: String,
    path: String,
    range: Option<String>,
    length: usize,
    chunked: bool,
    expect_continue: bool,
    /// The Authorization header's scheme, if one was sent.
    auth_scheme: Option<String>,
    /// The Proxy-Authorization header's scheme, if one was sent.
    proxy_auth_scheme: Option<String>,
    /// The If-None-Match header's value, if one was sent.
    if_none_match: Option<String>,
    /// The If-Modified-Since and If-Unmodified-Since headers' values, if sent.
    if_modified_since: Option<String>,
    if_unmodified_since: Option<String>,
}

impl Request {
    fn parse(head: &[u8]) -> Request {
        let text = String::from_utf8_lossy(head);
        let mut lines = text.split("\r\n");
        let mut first = lines.next().unwrap_or("").split(' ');
        let method = first.next().unwrap_or("").to_string();
        let target = first.next().unwrap_or("");
        // Absolute form (through a proxy): keep only the path.
        let target = match target.split_once("://") {
            Some((_, rest)) => rest.find('/').map_or("/", |at| &rest[at..]),
            None => target,
        };
        let path = target.split('?').next().unwrap_or("").to_string();
        let mut request = Request {
            method,
            path,
            range: None,
            length: 0,
            chunked: false,
            expect_continue: false,
            auth_scheme: None,
            proxy_auth_scheme: None,
            if_none_match: None,
            if_modified_since: None,
            if_unmodified_since: None,
        };
        for line in lines {
            let Some((name, value)) = line.split_once(':') else {
                continue;
            };
            let value = value.trim();
            match name.trim().to_ascii_lowercase().as_str() {
                "content-length" => request.length = value.parse().unwrap_or(0),
                "transfer-encoding" => request.chunked = value.contains("chunked"),
                "expect" => request.expect_continue = value.eq_ignore_ascii_case("100-continue"),
                "range" => request.range = Some(value.to_string()),
                "if-none-match" => request.if_none_match = Some(value.to_string()),
                "if-modified-since" => request.if_modified_since = Some(value.to_string()),
                "if-unmodified-since" => request.if_unmodified_since = Some(value.to_string()),
                "authorization" => {
                    request.auth_scheme = value.split(' ').next().map(str::to_ascii_lowercase)
                }
                "proxy-authorization" => {
                    request.proxy_auth_scheme = value.split(' ').next().map(str::to_ascii_lowercase)
                }
                _ => {}
            }
        }
        request
    }
}

/// What the server does after a response.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum After {
    /// Reads the next request.
    Keep,
    /// Closes its side (and records what the client still sends until it closes).
    Close,
    /// Stalls: sends nothing more and keeps its side open until the client closes.
    Hold,
}

/// Answers one request; says what the connection does next.
fn respond<S: Socket>(
    conn: &mut Conn<S>,
    request: &Request,
    addr: SocketAddr,
) -> io::Result<After> {
    if request.expect_continue {
        if request.path == "/refuse-body" {
            // A final status instead of 100: the client must not send the body.
            conn.tcp
                .write_all(&response("401 Unauthorized", &[], b"no body wanted\n"))?;
            return Ok(After::Close);
        }
        if request.path != "/no-continue" {
            conn.tcp.write_all(b"HTTP/1.1 100 Continue\r\n\r\n")?;
        }
    }
    if conn.read_body(request).is_none() {
        return Ok(After::Close);
    }
    let reply = canned(request, addr);
    let after = reply.after;
    let bytes = if request.method == "HEAD" {
        reply.bytes[..find(&reply.bytes, b"\r\n\r\n").map_or(reply.bytes.len(), |at| at + 4)]
            .to_vec()
    } else {
        reply.bytes
    };
    conn.tcp.write_all(&bytes)?;
    Ok(after)
}

/// A response's bytes, and what the connection does after it.
struct Reply {
    bytes: Vec<u8>,
    after: After,
}

impl Reply {
    fn keep(bytes: Vec<u8>) -> Reply {
        Reply {
            bytes,
            after: After::Keep,
        }
    }

    fn close(bytes: Vec<u8>) -> Reply {
        Reply {
            bytes,
            after: After::Close,
        }
    }
}

/// The canned response for a request, by path.
fn canned(request: &Request, addr: SocketAddr) -> Reply {
    if let Some(reply) = scripts::canned(request, addr) {
        return reply;
    }
    let path = request.path.as_str();
    if let Some(code) = path.strip_prefix("/status/") {
        let status = format!("{code} {}", reason(code));
        return Reply::keep(response(
            &status,
            &[],
            format!("status {code}\n").as_bytes(),
        ));
    }
    Reply::keep(match path {
        "/hello" | "/" | "/refuse-body" | "/no-continue" => {
            response("200 OK", &[("Content-Type", "text/plain")], b"hello\n")
        }
        // 304 to the ETag it sends, the resource in full to anything else.
        "/etag" if request.if_none_match.as_deref() == Some(ETAG) => {
            format!("HTTP/1.1 304 Not Modified\r\nETag: {ETAG}\r\n\r\n").into_bytes()
        }
        "/etag" => response("200 OK", &[("ETag", ETAG)], b"tagged\n"),
        // RFC 9110's conditions on a document last modified at LAST_MODIFIED: 304 to
        // If-Modified-Since at or after it, 412 to If-Unmodified-Since before it.
        "/since" if since(&request.if_modified_since, |at, modified| at >= modified) => {
            format!("HTTP/1.1 304 Not Modified\r\nLast-Modified: {LAST_MODIFIED}\r\n\r\n")
                .into_bytes()
        }
        "/since" if since(&request.if_unmodified_since, |at, modified| at < modified) => {
            response("412 Precondition Failed", &[], b"failed\n")
        }
        "/since" | "/ignores-since" => response(
            "200 OK",
            &[("Last-Modified", LAST_MODIFIED)],
            b"dated\n",
        ),
        "/dated" => response(
            "200 OK",
            &[("Last-Modified", LAST_MODIFIED)],
            b"dated\n",
        ),
        "/json" => response(
            "200 OK",
            &[("Content-Type", "application/json")],
            b"{\"ok\":true}\n",
        ),
        "/lf" => b"HTTP/1.1 200 OK\nContent-Type: text/plain\nContent-Length: 6\n\nhello\n".to_vec(),
        "/lf-chunked" => b"HTTP/1.1 200 OK\nTransfer-Encoding: chunked\n\n3\nhel\n3\nlo\n\n0\nX-Sum: 6\n\n".to_vec(),
        "/lf-redirect" => b"HTTP/1.1 302 Found\nLocation: /lf\nContent-Length: 0\n\n".to_vec(),
        "/status-4digit" => b"HTTP/1.1 2001 Odd\r\nContent-Length: 6\r\n\r\nhello\n".to_vec(),
        "/status-low" => b"HTTP/1.1 099 Low\r\nContent-Length: 6\r\n\r\nhello\n".to_vec(),
        "/status-loose" => b"HTTP/1.1  200a\r\nContent-Length: 6\r\n\r\nhello\n".to_vec(),
        "/bare-cr" => b"HTTP/1.1 200 OK\r\nX: a\rb\r\nContent-Length: 6\r\n\r\nhello\n".to_vec(),
        "/chunked" => b"HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nhel\r\n3\r\nlo\n\r\n0\r\n\r\n".to_vec(),
        "/trailers" => b"HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nTransfer-Encoding: chunked\r\nTrailer: X-Sum\r\n\r\n3\r\nhel\r\n3\r\nlo\n\r\n0\r\nX-Sum: 6\r\n\r\n".to_vec(),
        "/close" => {
            return Reply::close(b"HTTP/1.1 200 OK\r\nConnection: close\r\n\r\nuntil close\n".to_vec())
        }
        "/truncated" => {
            return Reply::close([&b"HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\n"[..], &DATA[..50]].concat())
        }
        "/http10" => {
            return Reply::close(b"HTTP/1.0 200 OK\r\nContent-Type: text/plain\r\n\r\nold\n".to_vec())
        }
        "/empty" => b"HTTP/1.1 204 No Content\r\n\r\n".to_vec(),
        // No status line: HTTP/0.9's bare body, until close (`--http0.9`).
        "/http09" => return Reply::close(b"hello there\n".to_vec()),
        // A gzip Transfer-Encoding under the chunks (`--tr-encoding`, `--raw`).
        "/te-gzip" => {
            let packed = gzip(b"hello te\n");
            let mut wire = format!(
                "HTTP/1.1 200 OK\r\nTransfer-Encoding: gzip, chunked\r\n\r\n{:x}\r\n",
                packed.len()
            )
            .into_bytes();
            wire.extend_from_slice(&packed);
            wire.extend_from_slice(b"\r\n0\r\n\r\n");
            wire
        }
        // More body than the Content-Length says, then close (`--ignore-content-length`).
        "/long-body" => {
            return Reply::close(b"HTTP/1.1 200 OK\r\nContent-Length: 3\r\n\r\nabcdef".to_vec())
        }
        // A blank line before the status line, which curl takes for HTTP/0.9.
        "/blank-first" => {
            return Reply::close(b"\r\nHTTP/1.1 200 OK\r\nContent-Length: 6\r\n\r\nhello\n".to_vec())
        }
        "/redirect" => redirect("302 Found", "/hello"),
        "/redirect-abs" => redirect("301 Moved Permanently", &format!("http://{addr}/hello")),
        // Another origin (host name, not address): credentials must not follow.
        "/redirect-other" => redirect("302 Found", &format!("http://localhost:{}/hello", addr.port())),
        "/redirect-twice" => redirect("302 Found", "/redirect"),
        "/redirect-303" => redirect("303 See Other", "/hello"),
        "/redirect-307" => redirect("307 Temporary Redirect", "/hello"),
        "/redirect-308" => redirect("308 Permanent Redirect", "/hello"),
        "/self" => redirect("302 Found", "/self"),
        "/data" => ranged(request.range.as_deref()),
        // Digest (MD5 or SHA-256) or Basic asked for; any answer in that scheme is taken (the
        // answer's arithmetic is checked against a real server in tests/it/fetch/auth.rs).
        "/digest" | "/digest-sha" | "/basic-only" => {
            let (scheme, challenge) = match path {
                "/digest" => ("digest", "Digest realm=\"sockit\", nonce=\"n0nce\", qop=\"auth\", algorithm=MD5, opaque=\"op\""),
                "/digest-sha" => ("digest", "Digest realm=\"sockit\", nonce=\"n0nce\", qop=\"auth,auth-int\", algorithm=SHA-256"),
                _ => ("basic", "Basic realm=\"sockit\""),
            };
            if request.auth_scheme.as_deref() == Some(scheme) {
                response("200 OK", &[("Content-Type", "text/plain")], b"hello\n")
            } else {
                response("401 Unauthorized", &[("WWW-Authenticate", challenge)], b"who?\n")
            }
        }
        // Bearer offered beside Basic or Digest (`--oauth2-bearer` with `--basic`, `--digest`
        // or `--anyauth` picks from the 401); an answer in either scheme is taken.
        "/bearer-or-basic" | "/bearer-or-digest" => {
            let (scheme, challenge) = match path {
                "/bearer-or-basic" => ("basic", "Basic realm=\"sockit\""),
                _ => ("digest", "Digest realm=\"sockit\", nonce=\"n0nce\", qop=\"auth\""),
            };
            match request.auth_scheme.as_deref() {
                Some(given) if given == scheme || given == "bearer" => {
                    response("200 OK", &[("Content-Type", "text/plain")], b"hello\n")
                }
                _ => response(
                    "401 Unauthorized",
                    &[("WWW-Authenticate", challenge), ("WWW-Authenticate", "Bearer realm=\"sockit\"")],
                    b"who?\n",
                ),
            }
        }
        // Answering as an HTTP proxy that asks for Digest (or Basic only), and takes any
        // answer in that scheme (Apache checks the arithmetic in tests/it/fetch/auth.rs).
        "/proxy-digest" | "/proxy-basic-only" => {
            let (scheme, challenge) = match path {
                "/proxy-digest" => ("digest", "Digest realm=\"proxy\", nonce=\"pr0xy\", qop=\"auth\", algorithm=MD5"),
                _ => ("basic", "Basic realm=\"proxy\""),
            };
            if request.proxy_auth_scheme.as_deref() == Some(scheme) {
                response("200 OK", &[("Content-Type", "text/plain")], b"through\n")
            } else {
                response("407 Proxy Authentication Required", &[("Proxy-Authenticate", challenge)], b"who?\n")
            }
        }
        "/cookies/set" => response("200 OK", &SET_COOKIES.map(|c| ("Set-Cookie", c)), b"set\n"),
        "/cookies/redirect" => response(
            "302 Found",
            &[("Set-Cookie", "r=1; Path=/cookies"), ("Location", "/cookies/back")],
            b"moved\n",
        ),
        // A cookie for this host, then another origin (host name, not address).
        "/cookies/other" => response(
            "302 Found",
            &[
                ("Set-Cookie", "o=1"),
                ("Location", &format!("http://localhost:{}/cookies/back", addr.port())),
            ],
            b"moved\n",
        ),
        "/gzip" => encoded("gzip", &gzip(b"hello gzip\n")),
        "/gzip-members" => encoded("gzip", &[gzip(b"one\n"), gzip(b"two\n")].concat()),
        "/deflate" => encoded("deflate", &deflate(b"hello deflate\n")),
        "/br" => encoded("br", &brotli(b"hello br\n")),
        "/gzip-br" => encoded("gzip, br", &brotli(&gzip(b"hello stacked\n"))),
        "/zstd" => encoded("zstd", &zstd(b"hello zstd\n")),
        "/zstd-frames" => encoded("zstd", &[zstd(b"one\n"), zstd(b"two\n")].concat()),
        "/deflate-garbage" => encoded("deflate", &[deflate(b"hello\n"), b"junk".to_vec()].concat()),
        // Two Content-Encoding fields are one list: zstd was applied last.
        "/gzip-then-zstd" => response(
            "200 OK",
            &[("Content-Encoding", "gzip"), ("Content-Encoding", "zstd")],
            &zstd(&gzip(b"hello two fields\n")),
        ),
        "/gzip-5" => encoded("gzip, gzip, gzip, gzip, gzip", &gzip_times(5, b"deep\n")),
        "/gzip-6" => encoded("gzip, gzip, gzip, gzip, gzip, gzip", &gzip_times(6, b"deep\n")),
        path if path.starts_with("/cd/") => disposition(path),
        _ => response("404 Not Found", &[("Content-Type", "text/plain")], b"not here\n"),
    })
}

/// What `/cookies/set` sets: each rule of curl's cookie engine once (host-only, a path, a
/// domain, HttpOnly, Secure over loopback, a date, a path without a slash, a prefix without
/// Secure, an empty value, one already expired, a public suffix).
const SET_COOKIES: [&str; 11] = [
    "a=1",
    "b=2; Path=/cookies/",
    "c=3; Domain=127.0.0.1",
    "d=4; HttpOnly",
    "e=5; Secure",
    "g=7; Expires=Wed, 09-Jun-2100 10:18:14 GMT",
    "h=8; path=nosl",
    "__Host-j=10; Path=/",
    "k=; Path=/x",
    "gone=1; Expires=Thu, 01 Jan 1970 00:00:01 GMT",
    "psl=1; Domain=com",
];

/// `/cd/...`: a body whose Content-Disposition offers a file name (`-J`), in each form a
/// client must read: quoted, with a path, with a backslash, RFC 6266's `filename*` alone and
/// beside `filename`, and empty.
fn disposition(path: &str) -> Vec<u8> {
    let value = match path {
        "/cd/plain" => "attachment; filename=\"name.txt\"",
        "/cd/path" => "attachment; filename=\"../../evil.txt\"",
        "/cd/backslash" => "attachment; filename=\"a/b\\\\c.txt\"",
        "/cd/star" => "attachment; filename*=UTF-8''n%C3%A4me.txt",
        "/cd/both" => "attachment; filename=plain.txt; filename*=UTF-8''star.txt",
        "/cd/empty" => "attachment; filename=\"\"",
        _ => "inline",
    };
    response("200 OK", &[("Content-Disposition", value)], b"named\n")
}

/// A response with Content-Length.
/// Whether the date header `value`, if any and readable, holds `test` against
/// LAST_MODIFIED.
fn since(
    value: &Option<String>,
    test: fn(std::time::SystemTime, std::time::SystemTime) -> bool,
) -> bool {
    let modified = httpdate::parse_http_date(LAST_MODIFIED).unwrap();
    value
        .as_deref()
        .and_then(|v| httpdate::parse_http_date(v).ok())
        .is_some_and(|at| test(at, modified))
}

fn response(status: &str, headers: &[(&str, &str)], body: &[u8]) -> Vec<u8> {
    let mut out = format!("HTTP/1.1 {status}\r\n");
    for (name, value) in headers {
        out.push_str(&format!("{name}: {value}\r\n"));
    }
    out.push_str(&format!("Content-Length: {}\r\n\r\n", body.len()));
    let mut bytes = out.into_bytes();
    bytes.extend_from_slice(body);
    bytes
}

fn reason(code: &str) -> &'static str {
    match code {
        "200" => "OK",
        "400" => "Bad Request",
        "401" => "Unauthorized",
        "403" => "Forbidden",
        "404" => "Not Found",
        "500" => "Internal Server Error",
        "503" => "Service Unavailable",
        _ => "Other",
    }
}

fn redirect(status: &str, location: &str) -> Vec<u8> {
    response(status, &[("Location", location)], b"moved\n")
}

/// `/data`, honouring one `bytes=` range as a server does: 206 with Content-Range, or 416.
fn ranged(range: Option<&str>) -> Vec<u8> {
    let total = DATA.len() as u64;
    let Some(spec) = range.and_then(|r| r.strip_prefix("bytes=")) else {
        return response("200 OK", &[("Accept-Ranges", "bytes")], DATA);
    };
    let Some((first, last)) = spec.split_once('-') else {
        return response("400 Bad Request", &[], b"bad range\n");
    };
    let (first, last) = match (first.parse::<u64>(), last.parse::<u64>()) {
        (Ok(f), Ok(l)) => (f, l.min(total - 1)),
        (Ok(f), Err(_)) => (f, total - 1),
        (Err(_), Ok(n)) => (total.saturating_sub(n), total - 1),
        _ => return response("400 Bad Request", &[], b"bad range\n"),
    };
    if first >= total || first > last {
        let unsatisfied = format!("bytes */{total}");
        return response(
            "416 Range Not Satisfiable",
            &[("Content-Range", &unsatisfied)],
            b"",
        );
    }
    let content_range = format!("bytes {first}-{last}/{total}");
    response(
        "206 Partial Content",
        &[
            ("Accept-Ranges", "bytes"),
            ("Content-Range", &content_range),
        ],
        &DATA[first as usize..=last as usize],
    )
}

fn encoded(coding: &str, body: &[u8]) -> Vec<u8> {
    response(
        "200 OK",
        &[("Content-Type", "text/plain"), ("Content-Encoding", coding)],
        body,
    )
}

fn gzip(data: &[u8]) -> Vec<u8> {
    let mut e = GzEncoder::new(Vec::new(), Compression::default());
    e.write_all(data).unwrap();
    e.finish().unwrap()
}

/// `data` gzipped `times` times over.
fn gzip_times(times: usize, data: &[u8]) -> Vec<u8> {
    (0..times).fold(data.to_vec(), |bytes, _| gzip(&bytes))
}

fn zstd(data: &[u8]) -> Vec<u8> {
    zstd::encode_all(data, 3).unwrap()
}

/// HTTP's `deflate` is the zlib format (RFC 9110 8.4.1.2).
fn deflate(data: &[u8]) -> Vec<u8> {
    let mut e = ZlibEncoder::new(Vec::new(), Compression::default());
    e.write_all(data).unwrap();
    e.finish().unwrap()
}

fn brotli(data: &[u8]) -> Vec<u8> {
    let mut out = Vec::new();
    let mut e = brotli::CompressorWriter::new(&mut out, 4096, 5, 22);
    e.write_all(data).unwrap();
    drop(e);
    out
}

fn find(haystack: &[u8], needle: &[u8]) -> Option<usize> {
    haystack.windows(needle.len()).position(|w| w == needle)
}
