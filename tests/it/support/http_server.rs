//! The in-test HTTP server: plain or TLS (a certificate made with rcgen at test time), on
//! 127.0.0.1 port 0, where each test scripts the raw bytes of its replies, hostile ones
//! included.
//!
//! A thread accepts; each connection gets a thread that reads one request and calls the
//! handler with it and the stream. Every socket has read and write timeouts, so no thread
//! outlives its test by more than a few seconds, and dropping the [`Server`] stops accepting
//! (it wakes the blocked accept with a connection of its own: no polling).

use rustls::pki_types::{PrivateKeyDer, PrivatePkcs8KeyDer};
use rustls::{ServerConfig, ServerConnection, StreamOwned};
use std::io::{self, Read, Write};
use std::net::{SocketAddr, TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::thread::{self, JoinHandle};
use std::time::Duration;

/// Socket timeouts: bound every wait in the server.
const IO_TIMEOUT: Duration = Duration::from_secs(20);

/// A request as the server saw it.
#[derive(Debug, Clone)]
pub struct Req {
    pub method: String,
    pub target: String,
    pub headers: Vec<(String, String)>,
    pub body: Vec<u8>,
    /// TLS only: the SNI name and the negotiated ALPN protocol.
    pub sni: Option<String>,
    pub alpn: Option<Vec<u8>>,
    /// TLS only: what the connection negotiated.
    pub tls: Option<Negotiated>,
    /// The client's address: the same for requests on one kept-alive connection.
    pub peer: Option<SocketAddr>,
}

impl Req {
    /// The first value of header `name` (case-insensitive).
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }
}

/// What a TLS connection negotiated, as rustls names it (`TLSv1_2`,
/// `TLS13_AES_128_GCM_SHA256`, `X25519`), and whether it resumed an earlier session.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Negotiated {
    pub version: String,
    pub suite: String,
    pub group: String,
    pub resumed: bool,
}

/// How the server ends a connection after the handler wrote its reply.
pub enum End {
    /// Close normally (TLS: with close_notify).
    Close,
    /// TLS: close the TCP connection without close_notify.
    NoCloseNotify,
    /// Close with a TCP reset.
    Reset,
    /// Say nothing more and wait for the client to go away.
    Hold,
    /// Keep the connection: read the next request on it (keep-alive).
    Next,
}

/// The server side of a connection.
pub enum Stream {
    Plain(TcpStream),
    Tls(Box<StreamOwned<ServerConnection, TcpStream>>),
}

impl Read for Stream {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        match self {
            Stream::Plain(s) => s.read(buf),
            Stream::Tls(s) => s.read(buf),
        }
    }
}

impl Write for Stream {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        match self {
            Stream::Plain(s) => s.write(buf),
            Stream::Tls(s) => s.write(buf),
        }
    }
    fn flush(&mut self) -> io::Result<()> {
        match self {
            Stream::Plain(s) => s.flush(),
            Stream::Tls(s) => s.flush(),
        }
    }
}

impl Stream {
    fn tcp(&self) -> &TcpStream {
        match self {
            Stream::Plain(s) => s,
            Stream::Tls(s) => s.get_ref(),
        }
    }

    fn end(mut self, how: End) {
        match how {
            End::Close => {
                if let Stream::Tls(s) = &mut self {
                    s.conn.send_close_notify();
                    let _ = s.flush();
                }
                let _ = self.flush();
                let _ = self.tcp().shutdown(std::net::Shutdown::Write);
                // Drain until the client closes, so our close never turns into a reset.
                let mut sink = [0u8; 4096];
                while matches!(self.tcp().read(&mut sink), Ok(n) if n > 0) {}
            }
            End::NoCloseNotify => {
                let _ = self.flush();
                let _ = self.tcp().shutdown(std::net::Shutdown::Both);
            }
            End::Reset => {
                let _ = self.flush();
                let _ = socket2::SockRef::from(self.tcp()).set_linger(Some(Duration::ZERO));
            }
            End::Next => unreachable!("serve reads the next request instead"),
            End::Hold => {
                let mut sink = [0u8; 4096];
                while matches!(self.tcp().read(&mut sink), Ok(n) if n > 0) {}
            }
        }
    }
}

type Handler = dyn Fn(&Req, &mut Stream) -> End + Send + Sync;

/// A running test server; stops accepting when dropped.
pub struct Server {
    pub addr: SocketAddr,
    scheme: &'static str,
    stop: Arc<AtomicBool>,
    accept: Option<JoinHandle<()>>,
    requests: Arc<Mutex<Vec<Req>>>,
    /// TLS only: the certificate's PEM file (for --cacert) and its directory.
    cert: Option<(tempfile::TempDir, PathBuf)>,
}

impl Server {
    /// A plain HTTP server.
    pub fn plain(handler: impl Fn(&Req, &mut Stream) -> End + Send + Sync + 'static) -> Self {
        Self::start(None, Arc::new(handler))
    }

    /// An HTTPS server with a fresh self-signed certificate for localhost and 127.0.0.1.
    pub fn tls(handler: impl Fn(&Req, &mut Stream) -> End + Send + Sync + 'static) -> Self {
        Self::tls_named(&["localhost", "127.0.0.1"], handler)
    }

    /// An HTTPS server whose self-signed certificate names only `names`.
    pub fn tls_named(
        names: &[&str],
        handler: impl Fn(&Req, &mut Stream) -> End + Send + Sync + 'static,
    ) -> Self {
        let names = names.iter().map(|n| n.to_string()).collect::<Vec<_>>();
        let cert = rcgen::generate_simple_self_signed(names).unwrap();
        Self::tls_with(&cert.cert, &cert.signing_key, handler)
    }

    /// An HTTPS server made with `config` (any versions, suites, client authentication);
    /// `cert_pem` is the PEM file `cert_pem()` names.
    pub fn tls_config(
        config: ServerConfig,
        cert_pem: &Path,
        handler: impl Fn(&Req, &mut Stream) -> End + Send + Sync + 'static,
    ) -> Self {
        let dir = tempfile::tempdir().unwrap();
        let pem = dir.path().join("cert.pem");
        std::fs::copy(cert_pem, &pem).unwrap();
        let mut server = Self::start(Some(Arc::new(config)), Arc::new(handler));
        server.cert = Some((dir, pem));
        server
    }

    /// An HTTPS server presenting `cert` (its key: `key`); `cert_pem()` is that
    /// certificate.
    pub fn tls_with(
        cert: &rcgen::Certificate,
        key: &rcgen::KeyPair,
        handler: impl Fn(&Req, &mut Stream) -> End + Send + Sync + 'static,
    ) -> Self {
        let dir = tempfile::tempdir().unwrap();
        let pem = dir.path().join("cert.pem");
        std::fs::write(&pem, cert.pem()).unwrap();
        let key = PrivateKeyDer::Pkcs8(PrivatePkcs8KeyDer::from(key.serialize_der()));
        let mut config =
            ServerConfig::builder_with_provider(Arc::new(rustls::crypto::ring::default_provider()))
                .with_safe_default_protocol_versions()
                .unwrap()
                .with_no_client_auth()
                .with_single_cert(vec![cert.der().clone()], key)
                .unwrap();
        config.alpn_protocols = vec![b"http/1.1".to_vec()];
        let mut server = Self::start(Some(Arc::new(config)), Arc::new(handler));
        server.cert = Some((dir, pem));
        server
    }

    fn start(tls: Option<Arc<ServerConfig>>, handler: Arc<Handler>) -> Self {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let addr = listener.local_addr().unwrap();
        let stop = Arc::new(AtomicBool::new(false));
        let requests = Arc::new(Mutex::new(Vec::new()));
        let accept = {
            let (stop, requests) = (stop.clone(), requests.clone());
            let tls = tls.clone();
            // Accept blocks; dropping the server wakes it with a connection of its own.
            thread::spawn(move || {
                for tcp in listener.incoming() {
                    if stop.load(Ordering::Acquire) {
                        return;
                    }
                    let Ok(tcp) = tcp else { continue };
                    let (tls, handler, requests) = (tls.clone(), handler.clone(), requests.clone());
                    thread::spawn(move || serve(tcp, tls, &*handler, &requests));
                }
            })
        };
        Server {
            addr,
            scheme: if tls.is_some() { "https" } else { "http" },
            stop,
            accept: Some(accept),
            requests,
            cert: None,
        }
    }

    /// `http(s)://127.0.0.1:PORT` + `path`.
    pub fn url(&self, path: &str) -> String {
        format!("{}://{}{path}", self.scheme, self.addr)
    }

    /// The same server reached through the name `localhost`.
    pub fn url_localhost(&self, path: &str) -> String {
        format!("{}://localhost:{}{path}", self.scheme, self.addr.port())
    }

    /// The requests served so far.
    pub fn requests(&self) -> Vec<Req> {
        self.requests.lock().unwrap().clone()
    }

    /// TLS only: the PEM file holding the server's certificate.
    pub fn cert_pem(&self) -> &Path {
        &self.cert.as_ref().expect("a TLS server").1
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::Release);
        // Wakes the accept, which then sees `stop`; it only fails when the listener is gone.
        let _ = TcpStream::connect_timeout(&self.addr, IO_TIMEOUT);
        if let Some(t) = self.accept.take() {
            let _ = t.join();
        }
    }
}

fn serve(tcp: TcpStream, tls: Option<Arc<ServerConfig>>, handler: &Handler, log: &Mutex<Vec<Req>>) {
    tcp.set_read_timeout(Some(IO_TIMEOUT)).unwrap();
    tcp.set_write_timeout(Some(IO_TIMEOUT)).unwrap();
    let mut stream = match tls {
        Some(config) => {
            let conn = ServerConnection::new(config).unwrap();
            let mut s = StreamOwned::new(conn, tcp);
            // Drive the handshake; a client that rejects the certificate ends here.
            while s.conn.is_handshaking() {
                if s.conn.complete_io(&mut s.sock).is_err() {
                    return;
                }
            }
            Stream::Tls(Box::new(s))
        }
        None => Stream::Plain(tcp),
    };
    loop {
        let Some(mut req) = read_request(&mut stream) else {
            return;
        };
        if let Stream::Tls(s) = &stream {
            req.sni = s.conn.server_name().map(str::to_string);
            req.alpn = s.conn.alpn_protocol().map(<[u8]>::to_vec);
            req.tls = Some(negotiated(&s.conn));
        }
        req.peer = stream.tcp().peer_addr().ok();
        log.lock().unwrap().push(req.clone());
        match handler(&req, &mut stream) {
            End::Next => {
                let _ = stream.flush();
            }
            end => return stream.end(end),
        }
    }
}

fn negotiated(conn: &ServerConnection) -> Negotiated {
    let name = |debug: Option<String>| debug.unwrap_or_default();
    Negotiated {
        version: name(conn.protocol_version().map(|v| format!("{v:?}"))),
        suite: name(
            conn.negotiated_cipher_suite()
                .map(|s| format!("{:?}", s.suite())),
        ),
        group: name(
            conn.negotiated_key_exchange_group()
                .map(|g| format!("{:?}", g.name())),
        ),
        resumed: matches!(conn.handshake_kind(), Some(rustls::HandshakeKind::Resumed)),
    }
}

fn read_request(stream: &mut Stream) -> Option<Req> {
    let mut buf = Vec::new();
    let mut chunk = [0u8; 4096];
    loop {
        let n = stream.read(&mut chunk).ok()?;
        if n == 0 {
            return None;
        }
        buf.extend_from_slice(&chunk[..n]);
        let mut fields = [httparse::EMPTY_HEADER; 64];
        let mut parsed = httparse::Request::new(&mut fields);
        if let httparse::Status::Complete(len) = parsed.parse(&buf).ok()? {
            let headers: Vec<(String, String)> = parsed
                .headers
                .iter()
                .map(|h| {
                    (
                        h.name.to_string(),
                        String::from_utf8_lossy(h.value).into_owned(),
                    )
                })
                .collect();
            let mut req = Req {
                method: parsed.method?.to_string(),
                target: parsed.path?.to_string(),
                headers,
                body: buf[len..].to_vec(),
                sni: None,
                alpn: None,
                tls: None,
                peer: None,
            };
            let want: usize = req
                .header("content-length")
                .map_or(0, |v| v.parse().unwrap());
            while req.body.len() < want {
                let n = stream.read(&mut chunk).ok()?;
                if n == 0 {
                    return None;
                }
                req.body.extend_from_slice(&chunk[..n]);
            }
            return Some(req);
        }
    }
}

/// Writes `bytes` and ends normally: the common handler body.
pub fn reply(stream: &mut Stream, bytes: &[u8]) -> End {
    let _ = stream.write_all(bytes);
    End::Close
}

/// A 200 response with Content-Length.
pub fn ok(body: &[u8]) -> Vec<u8> {
    let mut out = format!("HTTP/1.1 200 OK\r\nContent-Length: {}\r\n\r\n", body.len()).into_bytes();
    out.extend_from_slice(body);
    out
}

/// Deterministic pseudo-random bytes (so a test can check a body byte for byte).
pub fn pattern(len: usize) -> Vec<u8> {
    let mut x: u32 = 0x9e37_79b9;
    (0..len)
        .map(|_| {
            x ^= x << 13;
            x ^= x >> 17;
            x ^= x << 5;
            x as u8
        })
        .collect()
}
