//! `--max-connection-rate` and `--max-connection-rate-per-ip`: a burst passes, the next
//! connection hears `ERR too many connections, slow down` and is closed, each client
//! address (the PROXY header's client behind a balancer) has its own bucket, and every
//! refusal is counted by reason.
//!
//! The buckets hold one token and refill at one a second, so a test's connections, made
//! back to back, are over the rate unless a second passes between two of them: each test
//! counts refusals rather than expecting one exact sequence.

use crate::access_log::json_line;
use crate::support::{loopback, read_to_end, spawn_server, TestServer, WAIT};
use std::net::SocketAddr;
use std::num::NonZeroU32;
use tokio::io::AsyncWriteExt;
use tokio::net::{TcpSocket, TcpStream};

const SLOW_DOWN: &[u8] = b"ERR too many connections, slow down\n";

fn one() -> NonZeroU32 {
    NonZeroU32::new(1).unwrap()
}

/// What a client from `from` (a loopback address) hears after sending `first`, to the end.
async fn hears(server: SocketAddr, from: &str, first: &[u8]) -> Vec<u8> {
    let socket = TcpSocket::new_v4().unwrap();
    socket.bind(format!("{from}:0").parse().unwrap()).unwrap();
    let mut c = tokio::time::timeout(WAIT, socket.connect(server))
        .await
        .expect("connect in time")
        .unwrap();
    c.write_all(first).await.unwrap();
    read_to_end(&mut c).await
}

/// Five connections at once against a rate of one a second: the first is served, and at
/// least three of the others (all of them unless the machine stalls for a second) are told
/// to slow down and closed; each refusal is counted as `reason="rate"`.
#[tokio::test]
async fn global_rate_turns_away_the_burst_past_n() {
    let server = loopback().max_connection_rate(one()).quiet(true);
    let server = server.listen().await.unwrap();
    let metrics = server.metrics();
    let server = TestServer::run(server);
    let mut refused = 0;
    for i in 0..5 {
        let heard = hears(server.addr(), "127.0.0.1", b"exit\n").await;
        if heard == SLOW_DOWN {
            refused += 1;
        } else {
            assert_eq!(heard, b"Welcome!\n", "connection {i}");
        }
    }
    assert!(refused >= 3, "{refused} refused");
    server.stop().await;
    let line = format!("sockit_connections_rejected_total{{reason=\"rate\"}} {refused}\n");
    assert!(metrics.render().contains(&line), "{}", metrics.render());
}

/// Per address: 127.0.0.1 is refused on its second connection while 127.0.0.2, another
/// client, still gets its own burst.
#[tokio::test]
async fn each_address_has_its_own_bucket() {
    let server = TestServer::start(loopback().max_connection_rate_per_ip(one())).await;
    assert_eq!(
        hears(server.addr(), "127.0.0.1", b"exit\n").await,
        b"Welcome!\n"
    );
    let second = hears(server.addr(), "127.0.0.1", b"exit\n").await;
    let other = hears(server.addr(), "127.0.0.2", b"exit\n").await;
    assert_eq!(second, SLOW_DOWN);
    assert_eq!(other, b"Welcome!\n");
    server.stop().await;
}

/// Behind a balancer the bucket is the PROXY header's client's: two clients behind the one
/// balancer address are limited apart, and the second connection of one is refused.
#[tokio::test]
async fn behind_a_balancer_the_proxied_client_is_limited() {
    let server = TestServer::start(
        loopback()
            .proxy_protocol(vec!["127.0.0.0/8".parse().unwrap()])
            .max_connection_rate_per_ip(one()),
    )
    .await;
    let from = |client: &str| format!("PROXY TCP4 {client} 127.0.0.1 40000 9999\r\nexit\n");
    let a = from("192.0.2.1");
    assert_eq!(
        hears(server.addr(), "127.0.0.1", a.as_bytes()).await,
        b"Welcome!\n"
    );
    let again = hears(server.addr(), "127.0.0.1", a.as_bytes()).await;
    let b = hears(server.addr(), "127.0.0.1", from("192.0.2.2").as_bytes()).await;
    assert_eq!(again, SLOW_DOWN);
    assert_eq!(b, b"Welcome!\n");
    server.stop().await;
}

/// The binary: `--max-connection-rate 1` turns a burst of 40 away; each refusal is logged
/// with its reason and peer, no more than ten a second, and one line counts the rest; the
/// metrics count every one as `reason="rate"`.
#[test]
fn refusals_are_logged_a_few_a_second_and_the_rest_counted() {
    let (mut server, addr) = spawn_server(&[
        "--max-connection-rate",
        "1",
        "--log-format",
        "json",
        "--metrics",
        "127.0.0.1:0",
        "-q",
    ]);
    for _ in 0..40 {
        let mut c = std::net::TcpStream::connect(addr).unwrap();
        c.set_read_timeout(Some(WAIT)).unwrap();
        std::io::Write::write_all(&mut c, b"exit\n").unwrap();
        let mut heard = Vec::new();
        std::io::Read::read_to_end(&mut c, &mut heard).unwrap();
    }
    let refusal = json_line(&mut server, "Connection rejected");
    assert_eq!(refusal["reason"], "rate");
    let peer = refusal["peer"].as_str().expect("a peer field");
    assert!(peer.starts_with("127.0.0.1:"), "{peer}");
    let summary = json_line(&mut server, "not logged");
    assert_eq!(summary["level"], "WARN");
    assert!(summary["suppressed"].as_u64().unwrap() >= 1, "{summary}");
}

/// The refusal comes at once, before the client sends anything, and leaves the connection
/// that holds the token served.
#[tokio::test]
async fn the_refusal_needs_no_input() {
    let server = TestServer::start(loopback().max_connection_rate(one())).await;
    let mut first = TcpStream::connect(server.addr()).await.unwrap();
    let mut second = TcpStream::connect(server.addr()).await.unwrap();
    let heard = read_to_end(&mut second).await;
    first.write_all(b"exit\n").await.unwrap();
    assert_eq!(read_to_end(&mut first).await, b"Welcome!\n");
    assert_eq!(heard, SLOW_DOWN);
    server.stop().await;
}
