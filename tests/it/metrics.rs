//! `--metrics`: every figure counted exactly after known traffic, the output accepted by
//! Prometheus's own checker, and `/ready` turning 503 at the first shutdown signal.

use crate::support::events::Events;
use crate::support::{
    loopback, read_exact, read_to_end, require_tool, spawn_server, TestServer, WAIT,
};
use sockit::server::metrics::Metrics;
use sockit::server::Builder;
use std::collections::BTreeMap;
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

/// `GET path` over HTTP/1.1 within [`WAIT`]: the status code and the body.
async fn get(addr: SocketAddr, path: &str) -> (u16, String) {
    let exchange = async {
        let mut c = TcpStream::connect(addr)
            .await
            .expect("connect to the metrics port");
        let request = format!("GET {path} HTTP/1.1\r\nHost: sockit\r\nConnection: close\r\n\r\n");
        c.write_all(request.as_bytes()).await.unwrap();
        let mut response = String::new();
        c.read_to_string(&mut response).await.unwrap();
        response
    };
    let response = tokio::time::timeout(WAIT, exchange)
        .await
        .expect("metrics answer in time");
    let status = response
        .split(' ')
        .nth(1)
        .and_then(|code| code.parse().ok())
        .unwrap_or_else(|| panic!("no status line in {response:?}"));
    let body = response.split_once("\r\n\r\n").map_or("", |(_, body)| body);
    (status, body.to_owned())
}

/// The samples of a Prometheus text exposition: `name{labels}` to value.
fn samples(text: &str) -> BTreeMap<String, f64> {
    text.lines()
        .filter(|line| !line.starts_with('#') && !line.is_empty())
        .map(|line| {
            let (name, value) = line.rsplit_once(' ').expect("name and value");
            (name.to_owned(), value.parse().expect("a number"))
        })
        .collect()
}

/// What `sample` reads in a scrape of `/metrics` now (0 when it is not there).
async fn sample(addr: SocketAddr, sample: &str) -> f64 {
    let (status, body) = get(addr, "/metrics").await;
    assert_eq!(status, 200);
    samples(&body).get(sample).copied().unwrap_or_default()
}

/// A server started from `builder` with metrics on 127.0.0.1:0, and its log on for the
/// test's [`Events`] (the access line of a connection says its close is counted).
struct Measured {
    server: TestServer,
    /// Where `/metrics` and `/ready` are served.
    http: SocketAddr,
    /// The same metrics, readable after the server has stopped.
    metrics: Arc<Metrics>,
}

async fn start(builder: Builder) -> Measured {
    let server = builder
        .metrics("127.0.0.1:0".parse().unwrap())
        .quiet(false)
        .listen()
        .await
        .expect("server binds");
    let http = server.metrics_addr().expect("metrics are on");
    let metrics = server.metrics();
    Measured {
        server: TestServer::run(server),
        http,
        metrics,
    }
}

/// Asserts every sample in `expected` and that each sample of those families not listed
/// there is zero.
fn assert_counts(text: &str, expected: &[(&str, f64)]) {
    let got = samples(text);
    for (name, value) in expected {
        assert_eq!(got.get(*name), Some(value), "{name} in:\n{text}");
    }
    for (name, value) in &got {
        let listed = expected.iter().any(|(n, _)| n == name);
        let counted_family = name.starts_with("sockit_connections_rejected_total")
            || name.starts_with("sockit_connections_closed_total");
        if counted_family && !listed {
            assert_eq!(*value, 0.0, "{name} in:\n{text}");
        }
    }
}

/// Known traffic of every kind, then the exact figures: connections accepted, open,
/// rejected as busy, closed by exit, end of stream, an over-long line, a reset and shutdown;
/// names answered, bytes each way, one duration per connection, and the build.
#[tokio::test]
async fn counts_are_exact_after_known_traffic() {
    let mut events = Events::catch();
    let m = start(
        loopback()
            .max_connections(2)
            .max_line(16)
            .idle_timeout(Duration::ZERO),
    )
    .await;

    // exit: 19 bytes in, greeting (9) + 16 + 14 out, 2 names.
    let mut c = m.server.connect().await;
    c.write_all(b"Michael\nTracy\nexit\n").await.unwrap();
    assert_eq!(
        read_to_end(&mut c).await,
        b"Welcome!\nHello, Michael!\nHello, Tracy!\n"
    );
    // Each step waits for its slot to be given back, so that none is taken for busy.
    events.wait_for_close(c.local_addr().unwrap()).await;
    // end of stream with an unterminated last name: 5 in, 9 + 14 out, 1 name.
    let mut c = m.server.connect().await;
    c.write_all(b"Sarah").await.unwrap();
    c.shutdown().await.unwrap();
    assert_eq!(read_to_end(&mut c).await, b"Welcome!\nHello, Sarah!\n");
    events.wait_for_close(c.local_addr().unwrap()).await;
    // a line past --max-line 16 (17 would be allowed for a \r): 18 in, 9 + 18 out.
    let mut c = m.server.connect().await;
    c.write_all(&[b'x'; 18]).await.unwrap();
    assert_eq!(read_to_end(&mut c).await, b"Welcome!\nERR line too long\n");
    events.wait_for_close(c.local_addr().unwrap()).await;
    // a reset: 9 out.
    let mut c = m.server.connect().await;
    assert_eq!(read_exact(&mut c, 9).await, b"Welcome!\n");
    socket2::SockRef::from(&c)
        .set_linger(Some(Duration::ZERO))
        .unwrap();
    let peer = c.local_addr().unwrap();
    drop(c);
    let reset = events.wait_for_close(peer).await;
    assert!(reset.contains("close=\"reset\""), "{reset}");

    // Both slots taken (9 out each), so the next client is told it is busy.
    let mut held = Vec::new();
    for _ in 0..2 {
        let mut c = m.server.connect().await;
        assert_eq!(read_exact(&mut c, 9).await, b"Welcome!\n");
        held.push(c);
    }
    // Each greeting comes after its connection is counted, and the busy line after its
    // rejection.
    assert_eq!(sample(m.http, "sockit_connections_open").await, 2.0);
    let mut busy = m.server.connect().await;
    assert_eq!(read_to_end(&mut busy).await, b"ERR server busy\n");
    let busy_total = "sockit_connections_rejected_total{reason=\"busy\"}";
    assert_eq!(sample(m.http, busy_total).await, 1.0);

    // Shutdown with both still open: the grace period runs out, each is told (25 out).
    m.server.stop().await;
    for c in &mut held {
        assert_eq!(read_to_end(c).await, b"ERR server shutting down\n");
    }

    let text = m.metrics.render();
    assert_counts(
        &text,
        &[
            ("sockit_connections_accepted_total", 6.0),
            ("sockit_connections_open", 0.0),
            ("sockit_connections_rejected_total{reason=\"busy\"}", 1.0),
            ("sockit_connections_closed_total{reason=\"exit\"}", 1.0),
            ("sockit_connections_closed_total{reason=\"eof\"}", 1.0),
            (
                "sockit_connections_closed_total{reason=\"line_too_long\"}",
                1.0,
            ),
            ("sockit_connections_closed_total{reason=\"reset\"}", 1.0),
            ("sockit_connections_closed_total{reason=\"shutdown\"}", 2.0),
            ("sockit_messages_total", 3.0),
            ("sockit_received_bytes_total", (19 + 5 + 18) as f64),
            (
                "sockit_sent_bytes_total",
                (39 + 23 + 27 + 9 + 2 * (9 + 25)) as f64,
            ),
            ("sockit_connection_duration_seconds_count", 6.0),
            (
                "sockit_connection_duration_seconds_bucket{le=\"+Inf\"}",
                6.0,
            ),
            (
                &format!(
                    "sockit_build_info{{version=\"{}\"}}",
                    env!("CARGO_PKG_VERSION")
                ),
                1.0,
            ),
        ],
    );
}

/// A silent client is closed by the idle timeout and counted as such.
#[tokio::test]
async fn idle_timeout_is_counted() {
    let mut events = Events::catch();
    let m = start(loopback().idle_timeout(Duration::from_millis(100))).await;
    let mut c = m.server.connect().await;
    assert_eq!(read_to_end(&mut c).await, b"Welcome!\nERR idle timeout\n");
    events.wait_for_close(c.local_addr().unwrap()).await;
    m.server.stop().await;
    assert_counts(
        &m.metrics.render(),
        &[
            ("sockit_connections_accepted_total", 1.0),
            (
                "sockit_connections_closed_total{reason=\"idle_timeout\"}",
                1.0,
            ),
            ("sockit_sent_bytes_total", (9 + 17) as f64),
            ("sockit_received_bytes_total", 0.0),
        ],
    );
}

/// `/ready` answers 200 while the server accepts; paths other than `/metrics` and `/ready`
/// are 404; `/metrics` is Prometheus text.
#[tokio::test]
async fn endpoint_serves_ready_metrics_and_404() {
    let m = start(loopback()).await;
    assert_eq!(get(m.http, "/ready").await, (200, "ready\n".to_owned()));
    assert_eq!(get(m.http, "/").await.0, 404);
    assert_eq!(get(m.http, "/metrics/extra").await.0, 404);
    let (status, body) = get(m.http, "/metrics").await;
    assert_eq!(status, 200);
    assert!(
        body.contains("# TYPE sockit_connections_accepted_total counter"),
        "{body}"
    );
    m.server.stop().await;
}

/// `promtool check metrics` (Prometheus's own linter) accepts the output after traffic.
#[tokio::test]
async fn promtool_accepts_the_output() {
    if !require_tool("promtool") {
        return;
    }
    let mut events = Events::catch();
    let m = start(loopback()).await;
    let mut c = m.server.connect().await;
    c.write_all(b"Michael\nexit\n").await.unwrap();
    read_to_end(&mut c).await;
    events.wait_for_close(c.local_addr().unwrap()).await;
    let (_, body) = get(m.http, "/metrics").await;
    m.server.stop().await;
    let mut check = std::process::Command::new("promtool")
        .args(["check", "metrics"])
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .expect("promtool runs");
    std::io::Write::write_all(&mut check.stdin.take().unwrap(), body.as_bytes()).unwrap();
    let out = check.wait_with_output().unwrap();
    assert!(
        out.status.success() && out.stdout.is_empty() && out.stderr.is_empty(),
        "promtool: {}{}\n{body}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
}

/// The binary: `--metrics 127.0.0.1:0` logs its port; `/ready` is 200, then 503 from the
/// first SIGTERM on while a connection still drains (the endpoint stays up until the end).
#[tokio::test]
async fn ready_turns_503_at_the_first_signal() {
    let (mut server, addr) = spawn_server(&["--metrics", "127.0.0.1:0", "--grace", "1m"]);
    let http = server.wait_for_metrics_addr();
    assert_eq!(get(http, "/ready").await.0, 200);
    let mut open = TcpStream::connect(addr).await.unwrap();
    assert_eq!(read_exact(&mut open, 9).await, b"Welcome!\n");
    server.signal("TERM");
    server.wait_for_stderr("Shutting down: 1 connection(s) draining");
    assert_eq!(
        get(http, "/ready").await,
        (503, "not ready: shutting down\n".to_owned())
    );
    assert_eq!(get(http, "/elsewhere").await.0, 404);
    open.write_all(b"exit\n").await.unwrap();
    read_to_end(&mut open).await;
    let (status, log) = server.wait();
    assert_eq!(status.code(), Some(0), "{log}");
}

/// An address already in use for metrics fails at start, naming it, exit 1.
#[test]
fn metrics_port_in_use_is_a_clear_error() {
    let taken = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = taken.local_addr().unwrap().to_string();
    let out = crate::support::sockit()
        .args(["serve", "--bind", "127.0.0.1:0", "--metrics", &addr])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    assert_eq!(
        String::from_utf8_lossy(&out.stderr).trim(),
        format!("sockit: cannot serve metrics on {addr}: address already in use (is another server running?)")
    );
}

/// Over TLS: a plaintext client fails the handshake and counts only as
/// `rejected{reason="tls_handshake"}`; a TLS conversation is counted like a plain one, its
/// bytes as the conversation's, not TLS records.
#[tokio::test]
async fn tls_handshakes_and_conversations_are_counted() {
    use crate::support::pki::{Key, Pki};
    use crate::tls::{client_config, tls_connect, transcript};
    let pki = Pki::new("ca");
    let pair = pki.server("server", Key::EcdsaP256);
    let builder = crate::support::quick()
        .bind("tls:127.0.0.1:0".parse().unwrap())
        .tls_cert(&pair.cert, &pair.key);
    let mut events = Events::catch();
    let m = start(builder).await;
    let mut plain = m.server.connect().await;
    plain.write_all(b"Michael\nexit\n").await.unwrap();
    read_to_end(&mut plain).await;
    // The rejection is counted before it is logged.
    let rejected = format!("peer={}", plain.local_addr().unwrap());
    events.wait_for(&rejected).await;
    let tls = tls_connect(m.server.addr(), client_config(&pki.ca, None)).await;
    assert_eq!(
        transcript(tls.unwrap()).await.unwrap(),
        b"Welcome!\nHello, Michael!\n"
    );
    events.wait_for(" closed.").await;
    m.server.stop().await;
    assert_counts(
        &m.metrics.render(),
        &[
            ("sockit_connections_accepted_total", 1.0),
            (
                "sockit_connections_rejected_total{reason=\"tls_handshake\"}",
                1.0,
            ),
            ("sockit_connections_closed_total{reason=\"exit\"}", 1.0),
            ("sockit_messages_total", 1.0),
            ("sockit_received_bytes_total", 13.0),
            ("sockit_sent_bytes_total", (9 + 16) as f64),
        ],
    );
}

/// Behind a balancer: a client over `--max-connections-per-ip` counts as
/// `rejected{reason="per_address"}`, a bad PROXY header as `reason="proxy_header"`; the
/// header is not part of the conversation's bytes.
#[tokio::test]
async fn per_address_and_proxy_header_rejections_are_counted() {
    let builder = loopback()
        .max_connections_per_ip(std::num::NonZeroUsize::new(1).unwrap())
        .proxy_protocol(vec!["127.0.0.0/8".parse().unwrap()]);
    let mut events = Events::catch();
    let m = start(builder).await;
    let header = b"PROXY TCP4 192.0.2.7 198.51.100.1 56324 9999\r\n";
    let mut first = m.server.connect().await;
    first.write_all(header).await.unwrap();
    assert_eq!(read_exact(&mut first, 9).await, b"Welcome!\n");
    let mut second = m.server.connect().await;
    second.write_all(header).await.unwrap();
    assert_eq!(
        read_to_end(&mut second).await,
        b"ERR too many connections from your address\n"
    );
    let mut garbled = m.server.connect().await;
    let garbled_peer = format!("peer={}", garbled.local_addr().unwrap());
    garbled.write_all(b"HELLO there\r\n").await.unwrap();
    // Closed without a greeting; unread bytes may turn the close into a reset.
    let mut got = Vec::new();
    let _ = tokio::time::timeout(WAIT, garbled.read_to_end(&mut got))
        .await
        .expect("closed in time");
    assert_eq!(got, b"");
    events.wait_for(&garbled_peer).await;
    first.write_all(b"exit\n").await.unwrap();
    read_to_end(&mut first).await;
    events.wait_for(" closed.").await;
    m.server.stop().await;
    assert_counts(
        &m.metrics.render(),
        &[
            ("sockit_connections_accepted_total", 1.0),
            (
                "sockit_connections_rejected_total{reason=\"per_address\"}",
                1.0,
            ),
            (
                "sockit_connections_rejected_total{reason=\"proxy_header\"}",
                1.0,
            ),
            ("sockit_connections_closed_total{reason=\"exit\"}", 1.0),
            ("sockit_received_bytes_total", 5.0),
            ("sockit_sent_bytes_total", 9.0),
        ],
    );
}

/// With `--drain-delay`, `/ready` answers 503 from the first signal while the listeners
/// still accept and serve new clients.
#[tokio::test]
async fn ready_is_503_during_the_drain_delay() {
    let (mut server, addr) = spawn_server(&["--metrics", "127.0.0.1:0", "--drain-delay", "1m"]);
    let http = server.wait_for_metrics_addr();
    server.signal("TERM");
    // Logged once /ready has turned 503.
    server.wait_for_stderr("Still accepting for");
    assert_eq!(get(http, "/ready").await.0, 503);
    let mut c = TcpStream::connect(addr).await.unwrap();
    c.write_all(b"Tracy\nexit\n").await.unwrap();
    assert_eq!(read_to_end(&mut c).await, b"Welcome!\nHello, Tracy!\n");
}

/// Issue 17: connections that never finish a request head and hold every scraper slot
/// (16, as the probe opened) leave `/ready` answered (200) from a reserve, where `/metrics` is
/// a quick 503 counted as `turned_away{reason="scrape_busy"}`; past the reserve a connection
/// is closed and counted too. Before the fix the 17th connection was closed: 0 of 28 `/ready`
/// answers.
#[tokio::test]
async fn ready_is_answered_while_silent_connections_hold_every_scraper_slot() {
    let mut events = Events::catch();
    let m = start(loopback().metrics_head_timeout(WAIT * 2)).await;
    let mut silent = Vec::new();
    for _ in 0..16 {
        silent.push(TcpStream::connect(m.http).await.unwrap());
    }
    assert_eq!(get(m.http, "/ready").await, (200, "ready\n".to_owned()));
    assert_eq!(get(m.http, "/metrics").await.0, 503);
    for _ in 0..8 {
        silent.push(TcpStream::connect(m.http).await.unwrap());
    }
    let mut closed = TcpStream::connect(m.http).await.unwrap();
    assert_eq!(read_to_end(&mut closed).await, b"");
    drop(silent);
    // Counted before it is logged. Read off the registry, not scraped: the silent
    // connections' scraper slots come back only as the server reads their ends, which it
    // does not log, and a scrape before that would be one more 503.
    events.wait_for("too many connections, closed").await;
    let body = m.metrics.render();
    let closed = "sockit_metrics_turned_away_total{reason=\"closed\"}";
    assert_eq!(samples(&body)[closed], 1.0);
    let got = samples(&body);
    assert_eq!(
        got["sockit_metrics_turned_away_total{reason=\"scrape_busy\"}"],
        1.0
    );
    m.server.stop().await;
}

/// Issue 17: a connection to the metrics endpoint that sends no request head is closed after
/// the head timeout (500 ms by default; it was 10 s) and counted as
/// `turned_away{reason="head_timeout"}`.
#[tokio::test]
async fn a_silent_metrics_connection_is_closed_after_the_head_timeout() {
    let mut events = Events::catch();
    let m = start(loopback()).await;
    let mut silent = TcpStream::connect(m.http).await.unwrap();
    let mut got = Vec::new();
    tokio::time::timeout(Duration::from_secs(5), silent.read_to_end(&mut got))
        .await
        .expect("closed well within the old 10 s")
        .unwrap();
    assert_eq!(got, b"");
    // Counted before it is logged.
    events.wait_for("no request head within").await;
    let head_timeout = "sockit_metrics_turned_away_total{reason=\"head_timeout\"}";
    assert_eq!(sample(m.http, head_timeout).await, 1.0);
    m.server.stop().await;
}

/// Issue 17: 1,000 pipelined requests followed by a half-close are all answered (the probe saw
/// 999: the end of the client's stream cut the last one off).
#[tokio::test]
async fn pipelined_scrapes_are_all_answered_after_a_half_close() {
    let m = start(loopback()).await;
    let mut c = TcpStream::connect(m.http).await.unwrap();
    let requests = "GET /ready HTTP/1.1\r\nHost: sockit\r\n\r\n".repeat(1000);
    let (mut read, mut write) = c.split();
    let sending = async {
        write.write_all(requests.as_bytes()).await.unwrap();
        write.shutdown().await.unwrap();
    };
    let (_, answers) = tokio::join!(sending, read_to_end(&mut read));
    let answers = String::from_utf8(answers).unwrap();
    assert_eq!(answers.matches("HTTP/1.1 200 OK\r\n").count(), 1000);
    m.server.stop().await;
}

/// `sockit_ready` follows `/ready` (1 while serving, 0 after the stop), and
/// `sockit_connections_max` is the connection limit in force, what the saturation alert
/// divides by.
#[tokio::test]
async fn readiness_and_the_connection_limit_are_samples() {
    let mut events = Events::catch();
    let m = start(loopback().max_connections(7)).await;
    // Logged once readiness is announced.
    events.wait_for("Serving metrics on").await;
    assert_eq!(sample(m.http, "sockit_ready").await, 1.0);
    assert_eq!(sample(m.http, "sockit_connections_max").await, 7.0);
    m.server.stop().await;
    assert_counts(&m.metrics.render(), &[("sockit_ready", 0.0)]);
}
