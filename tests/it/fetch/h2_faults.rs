//! HTTP/2 faults nginx never shows on purpose, from a server in the test (the h2 crate's
//! server, on loopback, h2c): a stream reset, a GOAWAY before the request was processed and
//! one after, frames that break the framing (curl 7.88 says 52 there, not 16), a stream
//! limit that only another connection gets past, and trailers (nginx sends none). Each case runs curl (the oracle for the exit
//! code) and sockit against the same behaviour.

use crate::support::fetch_run::{fetch, fetch_in};
use crate::support::http_server::pattern;
use crate::support::{on_path, require_tool};
use bytes::Bytes;
use h2::Reason;
use std::net::SocketAddr;
use std::process::Command;
use std::sync::Arc;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

/// What the server does with the request it is sent.
#[derive(Debug, Clone, Copy)]
enum Fault {
    /// Resets the request's stream with this code.
    Reset(Reason),
    /// The first connection answers the preface with GOAWAY (last stream 0, NO_ERROR):
    /// the request was never seen; later connections answer `hello`.
    GoAwayUnseen,
    /// Sends the head and part of the body, then GOAWAY with INTERNAL_ERROR.
    GoAwayMidBody,
    /// Answers the preface with a DATA frame on stream 0, a connection error.
    BadFrame,
    /// Answers `hello` with a trailer field after it.
    Trailers,
    /// Answers with [`LARGE`] bytes of [`pattern`] as its Content-Length, in 16 KiB frames:
    /// whole, or `cut` short by a GOAWAY, or with `extra` bytes more than it said.
    Large { cut: Option<usize>, extra: usize },
    /// Allows `streams` streams per connection, and answers none until `total` requests
    /// have arrived, over all connections: a client that queued requests behind the limit
    /// instead of opening another connection would wait forever.
    Held { streams: u32, total: usize },
}

/// A misbehaving h2c server on its own thread and runtime; stopped and joined on drop.
struct FaultServer {
    addr: SocketAddr,
    stop: Option<tokio::sync::oneshot::Sender<()>>,
    thread: Option<std::thread::JoinHandle<()>>,
}

impl Drop for FaultServer {
    fn drop(&mut self) {
        drop(self.stop.take());
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
    }
}

impl FaultServer {
    fn start(fault: Fault) -> FaultServer {
        let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        listener.set_nonblocking(true).unwrap();
        let addr = listener.local_addr().unwrap();
        let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
        let thread = std::thread::spawn(move || {
            let runtime = tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
                .unwrap();
            runtime.block_on(async move {
                let arrived = Arc::new(tokio::sync::watch::Sender::new(0usize));
                let listener = tokio::net::TcpListener::from_std(listener).unwrap();
                let mut connections = tokio::task::JoinSet::new();
                let accepting = async {
                    for n in 1.. {
                        let Ok((tcp, _)) = listener.accept().await else {
                            return;
                        };
                        connections.spawn(serve(tcp, fault, n, arrived.clone()));
                    }
                };
                tokio::select! {
                    _ = stopped => {}
                    () = accepting => {}
                }
            });
        });
        FaultServer {
            addr,
            stop: Some(stop),
            thread: Some(thread),
        }
    }

    fn url(&self) -> String {
        format!("http://{}/f", self.addr)
    }
}

/// An empty SETTINGS frame.
const SETTINGS: [u8; 9] = [0, 0, 0, 4, 0, 0, 0, 0, 0];

async fn serve(
    mut tcp: TcpStream,
    fault: Fault,
    n: u32,
    arrived: Arc<tokio::sync::watch::Sender<usize>>,
) {
    match (fault, n) {
        (Fault::Held { streams, total }, _) => hold(tcp, streams, total, arrived).await,
        (Fault::GoAwayUnseen, 1) => {
            let mut preface = [0u8; 24];
            let _ = tcp.read_exact(&mut preface).await;
            let go_away = [0, 0, 8, 7, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0];
            let _ = tcp.write_all(&[&SETTINGS[..], &go_away].concat()).await;
            let _ = tcp.read_to_end(&mut Vec::new()).await;
        }
        (Fault::BadFrame, _) => {
            let mut preface = [0u8; 24];
            let _ = tcp.read_exact(&mut preface).await;
            let data_on_zero = [0, 0, 1, 0, 0, 0, 0, 0, 0, b'x'];
            let _ = tcp
                .write_all(&[&SETTINGS[..], &data_on_zero].concat())
                .await;
            let _ = tcp.read_to_end(&mut Vec::new()).await;
        }
        _ => answer(tcp, fault).await,
    }
}

/// Serves `Fault::Held`: each request waits until `total` have arrived, then gets `ok`.
async fn hold(
    tcp: TcpStream,
    streams: u32,
    total: usize,
    arrived: Arc<tokio::sync::watch::Sender<usize>>,
) {
    let handshake = h2::server::Builder::new()
        .max_concurrent_streams(streams)
        .handshake::<_, Bytes>(tcp);
    let Ok(mut conn) = handshake.await else {
        return;
    };
    let mut answers = tokio::task::JoinSet::new();
    while let Some(Ok((_, mut respond))) = conn.accept().await {
        arrived.send_modify(|n| *n += 1);
        let mut all_in = arrived.subscribe();
        answers.spawn(async move {
            let _ = all_in.wait_for(|n| *n >= total).await;
            let head = http::Response::builder().status(200).body(()).unwrap();
            if let Ok(mut body) = respond.send_response(head, false) {
                let _ = body.send_data(Bytes::from_static(b"ok\n"), true);
            }
        });
    }
}

/// Speaks HTTP/2 properly up to the fault.
async fn answer(tcp: TcpStream, fault: Fault) {
    let Ok(mut conn) = h2::server::handshake(tcp).await else {
        return;
    };
    let Some(Ok((_, mut respond))) = conn.accept().await else {
        return;
    };
    match fault {
        Fault::Reset(reason) => respond.send_reset(reason),
        Fault::Trailers => {
            let head = http::Response::builder().status(200).body(()).unwrap();
            if let Ok(mut body) = respond.send_response(head, false) {
                let _ = body.send_data(Bytes::from_static(b"hello\n"), false);
                let mut trailers = http::HeaderMap::new();
                trailers.insert("x-checksum", http::HeaderValue::from_static("abc"));
                let _ = body.send_trailers(trailers);
            }
        }
        Fault::Large { cut, extra } => send_large(&mut conn, respond, cut, extra).await,
        Fault::GoAwayMidBody => {
            let head = http::Response::builder()
                .status(200)
                .header("content-length", "100000")
                .body(())
                .unwrap();
            if let Ok(mut body) = respond.send_response(head, false) {
                let _ = body.send_data(Bytes::from(vec![b'x'; 1000]), false);
            }
            // h2 writes a GOAWAY before queued frames: driving the connection a while
            // first lets the head and the bytes out (the client never opens a second
            // stream, so this always runs the full 200 ms).
            let _ =
                tokio::time::timeout(std::time::Duration::from_millis(200), conn.accept()).await;
            conn.abrupt_shutdown(Reason::INTERNAL_ERROR);
        }
        _ => {
            let head = http::Response::builder().status(200).body(()).unwrap();
            if let Ok(mut body) = respond.send_response(head, false) {
                let _ = body.send_data(Bytes::from_static(b"hello\n"), true);
            }
        }
    }
    while let Some(Ok(_)) = conn.accept().await {}
}

/// The size of [`Fault::Large`]'s body: large enough to be written from the frames
/// straight into the output (`src/fetch/conn/h2.rs`, `Direct`).
const LARGE: usize = 1 << 20;

/// Sends [`Fault::Large`]'s answer on `respond`, driving `conn` until the client has it.
async fn send_large(
    conn: &mut h2::server::Connection<TcpStream, Bytes>,
    mut respond: h2::server::SendResponse<Bytes>,
    cut: Option<usize>,
    extra: usize,
) {
    let head = http::Response::builder()
        .status(200)
        .header("content-length", LARGE.to_string())
        .body(())
        .unwrap();
    let Ok(mut body) = respond.send_response(head, false) else {
        return;
    };
    let mut bytes = pattern(LARGE);
    bytes.truncate(cut.unwrap_or(LARGE));
    bytes.extend(std::iter::repeat_n(b'+', extra));
    let frames: Vec<Bytes> = bytes.chunks(16 << 10).map(Bytes::copy_from_slice).collect();
    let last = frames.len() - 1;
    for (i, frame) in frames.into_iter().enumerate() {
        let _ = body.send_data(frame, cut.is_none() && i == last);
    }
    // Driving the connection lets the frames out before a GOAWAY (see GoAwayMidBody).
    let _ = tokio::time::timeout(std::time::Duration::from_millis(300), conn.accept()).await;
    if cut.is_some() {
        conn.abrupt_shutdown(Reason::INTERNAL_ERROR);
    }
}

/// curl's exit code for `url` with prior knowledge, or None when curl is missing.
fn curl_code(url: &str) -> Option<i32> {
    if !on_path("curl") {
        require_tool("curl");
        return None;
    }
    let status = Command::new("curl")
        .args(["-s", "-o", "/dev/null", "--http2-prior-knowledge", url])
        .status()
        .unwrap();
    status.code()
}

/// A stream the server resets is curl's 92, the h2 error code in words.
#[test]
fn a_reset_stream_is_92_with_its_code_in_words() {
    let server = FaultServer::start(Fault::Reset(Reason::PROTOCOL_ERROR));
    let run = fetch(&["-sS", "--http2-prior-knowledge", &server.url()]).expect(92);
    let words = "HTTP/2 stream 1 was reset by the server: PROTOCOL_ERROR (err 1)";
    assert!(run.stderr.contains(words), "{}", run.stderr);
    if let Some(code) = curl_code(&server.url()) {
        assert_eq!(code, 92);
    }
}

/// A GOAWAY before the request was processed sends it again on a new connection.
#[test]
fn a_goaway_before_the_request_retries_it_on_a_new_connection() {
    let server = FaultServer::start(Fault::GoAwayUnseen);
    let run = fetch(&[
        "-sS",
        "--http2-prior-knowledge",
        "-w",
        "%{num_connects}",
        &server.url(),
    ]);
    assert_eq!(run.expect(0).out(), "hello\n2");
}

/// A GOAWAY with an error after the body began fails that transfer as a partial file (18,
/// as curl), and leaves no file under the final name.
#[test]
fn a_goaway_mid_body_fails_the_transfer() {
    let server = FaultServer::start(Fault::GoAwayMidBody);
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("f");
    let out = out.to_str().unwrap();
    fetch(&["-sS", "--http2-prior-knowledge", "-o", out, &server.url()]).expect(18);
    assert!(!dir.path().join("f").exists());
    if let Some(code) = curl_code(&server.url()) {
        assert_eq!(code, 18);
    }
}

/// Frames that break HTTP/2's framing before any response are curl 7.88's 52 (nothing came
/// back), not 16: curl is the oracle.
#[test]
fn a_framing_error_before_the_response_is_52_as_curls() {
    let server = FaultServer::start(Fault::BadFrame);
    fetch(&["-sS", "--http2-prior-knowledge", &server.url()]).expect(52);
    if let Some(code) = curl_code(&server.url()) {
        assert_eq!(code, 52);
    }
}

/// `-Z` opens no more streams on a connection than the server's
/// SETTINGS_MAX_CONCURRENT_STREAMS, and opens another connection for the rest: 4 requests
/// the server holds until all have arrived, 2 streams per connection, make 2 connections.
#[test]
fn streams_beyond_the_servers_limit_go_on_another_connection() {
    let server = FaultServer::start(Fault::Held {
        streams: 2,
        total: 4,
    });
    let url = server.url();
    let mut args = vec!["-sS", "-Z", "--http2-prior-knowledge"];
    args.extend(["-w", "%{num_connects}\n"]);
    args.extend([url.as_str(); 4]);
    let run = fetch(&args).expect(0);
    let out = run.out();
    let connects: u32 = out.lines().filter_map(|l| l.parse::<u32>().ok()).sum();
    assert_eq!(connects, 2, "{out}");
    assert_eq!(out.matches("ok").count(), 4, "{out}");
}

/// HTTP/2 trailers are shown as HTTP/1.1's are, after the body with `-i`, byte for byte as
/// curl shows them.
#[test]
fn trailers_follow_the_body() {
    let server = FaultServer::start(Fault::Trailers);
    let run = fetch(&["-sS", "-i", "--http2-prior-knowledge", &server.url()]).expect(0);
    let out = run.out();
    assert!(out.starts_with("HTTP/2 200 \r\n"), "{out}");
    assert!(
        out.ends_with("\r\n\r\nhello\nx-checksum: abc\r\n"),
        "{out:?}"
    );
    if on_path("curl") {
        let curl = Command::new("curl")
            .args(["-s", "-i", "--http2-prior-knowledge", &server.url()])
            .output()
            .unwrap();
        assert_eq!(String::from_utf8_lossy(&curl.stdout), out, "curl's -i");
    }
}

/// A large body goes from the DATA frames straight into its file or stdout, byte for byte:
/// whole into a file and through a pipe; cut off by a GOAWAY, the `.part` holds exactly
/// the bytes that came (18, as curl); with more DATA than its Content-Length, the transfer
/// fails with no file under the final name, as curl 7.88 words it (92, "was not closed
/// cleanly"). curl is not asked there: it says 92 most times, but now and then stops at the
/// Content-Length and exits 0 (seen 1 time in 6), which no test can hold it to.
#[test]
fn large_bodies_written_from_the_frames_are_exact() {
    let body = pattern(LARGE);
    let dir = tempfile::tempdir().unwrap();
    let whole = FaultServer::start(Fault::Large {
        cut: None,
        extra: 0,
    });
    let args = ["-sS", "--http2-prior-knowledge", "-o", "f", &whole.url()];
    fetch_in(dir.path(), &args).expect(0);
    assert!(
        std::fs::read(dir.path().join("f")).unwrap() == body,
        "f differs"
    );
    let piped = fetch(&["-sS", "--http2-prior-knowledge", &whole.url()]).expect(0);
    assert!(piped.stdout == body, "the body through a pipe differs");

    let cut = LARGE / 2 + 12_345;
    let broken = FaultServer::start(Fault::Large {
        cut: Some(cut),
        extra: 0,
    });
    let args = ["-sS", "--http2-prior-knowledge", "-o", "g", &broken.url()];
    fetch_in(dir.path(), &args).expect(18);
    assert!(!dir.path().join("g").exists());
    let part = std::fs::read(dir.path().join("g.part")).unwrap();
    assert!(
        part == body[..cut],
        "g.part: {} bytes, not the first {cut}",
        part.len()
    );
    if let Some(code) = curl_code(&broken.url()) {
        assert_eq!(code, 18);
    }

    let long = FaultServer::start(Fault::Large {
        cut: None,
        extra: 100,
    });
    let args = ["-sS", "--http2-prior-knowledge", "-o", "h", &long.url()];
    let run = fetch_in(dir.path(), &args).expect(92);
    assert!(!dir.path().join("h").exists());
    let words = "HTTP/2 stream 1 was not closed cleanly: PROTOCOL_ERROR (err 1)";
    assert!(run.stderr.contains(words), "{}", run.stderr);
}
