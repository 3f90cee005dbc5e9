//! Connecting, shared by the client, fetch and bench: Happy Eyeballs past a refused or silent
//! address, the deadline, and the source-address option, all over loopback.

use crate::support::{black_hole, refusing, WAIT};
use sockit::addr::Endpoint;
use sockit::net::{self, ConnectError, ConnectOptions};
use std::net::{IpAddr, Ipv4Addr, SocketAddr};
use std::time::{Duration, Instant};
use tokio::net::TcpListener;

async fn listener() -> (TcpListener, SocketAddr) {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    (listener, addr)
}

/// A refused first address falls through to the next at once, without waiting out the
/// attempt delay.
#[tokio::test]
async fn a_refused_address_falls_through_to_the_next() {
    let (_listener, live) = listener().await;
    let (stream, won) = net::connect_addrs(&[refusing(), live], &ConnectOptions::new(WAIT))
        .await
        .expect("the second address accepts");
    assert_eq!(won, live);
    assert_eq!(stream.peer_addr().unwrap(), live);
}

/// An address that never answers costs one attempt delay, not the whole timeout: the next
/// address is tried beside it and wins well before a 5 s deadline. (The client once spent its
/// whole `--timeout` on the first address of a name.)
#[tokio::test]
async fn a_silent_address_does_not_eat_the_timeout() {
    let (dead, _socket, _filler) = black_hole();
    let (_listener, live) = listener().await;
    let options = ConnectOptions::new(Duration::from_secs(5));
    let started = Instant::now();
    let (stream, won) = net::connect_addrs(&[dead, live], &options)
        .await
        .expect("the second address accepts");
    assert_eq!(won, live);
    assert_eq!(stream.peer_addr().unwrap(), live);
    assert!(
        started.elapsed() >= net::ATTEMPT_DELAY,
        "{:?}",
        started.elapsed()
    );
}

/// An IPv6 address that fails (refused, or no IPv6 here at all) gives way to an IPv4 one.
#[tokio::test]
async fn a_failing_ipv6_address_gives_way_to_ipv4() {
    let (_listener, live) = listener().await;
    let v6 = SocketAddr::new("::1".parse().unwrap(), refusing().port());
    let (_, won) = net::connect_addrs(&[v6, live], &ConnectOptions::new(WAIT))
        .await
        .expect("the IPv4 address accepts");
    assert_eq!(won, live);
}

/// With only a silent address the deadline ends the attempt with a timeout, exit code 28 for
/// the client.
#[tokio::test]
async fn the_deadline_ends_a_silent_connect() {
    let (dead, _socket, _filler) = black_hole();
    let address = Endpoint::Tcp(dead).to_string().parse().unwrap();
    let options = ConnectOptions::new(Duration::from_millis(300));
    let err = net::connect(&address, &options).await.unwrap_err();
    assert!(matches!(err, ConnectError::Timeout { .. }), "{err}");
    assert_eq!(
        err.to_string(),
        format!("timed out after 300ms connecting to {dead}")
    );
    let client = sockit::client::ClientError::Connect(err);
    assert_eq!(client.exit_code(), 28);
}

/// Every address refused: the error names the last one and why, and maps to 7.
#[tokio::test]
async fn all_refused_is_a_connect_error() {
    let (first, last) = (refusing(), refusing());
    let err = net::connect_addrs(&[first, last], &ConnectOptions::new(WAIT))
        .await
        .unwrap_err();
    assert_eq!(
        err.to_string(),
        format!("cannot connect to {last}: connection refused (is sockit serve running?)")
    );
    let client = sockit::client::ClientError::Connect(err);
    assert_eq!(client.exit_code(), 7);
}

/// The source option binds the local address before connecting: the server sees 127.0.0.2.
#[tokio::test]
async fn the_source_option_binds_the_local_address() {
    let (listener, live) = listener().await;
    let source = IpAddr::V4(Ipv4Addr::new(127, 0, 0, 2));
    let mut options = ConnectOptions::new(WAIT);
    options.socket.local = Some(net::LocalName::Addr(source));
    let stream = net::connect_endpoint(&Endpoint::Tcp(live), &options)
        .await
        .expect("connects from 127.0.0.2");
    let (_accepted, peer) = tokio::time::timeout(WAIT, listener.accept())
        .await
        .expect("accepted in time")
        .unwrap();
    assert_eq!(peer.ip(), source);
    drop(stream);
}

/// A name resolves through the same path: `localhost` reaches a server on 127.0.0.1.
#[tokio::test]
async fn a_name_connects_and_reports_the_endpoint() {
    let (_listener, live) = listener().await;
    let address = format!("localhost:{}", live.port()).parse().unwrap();
    let options = ConnectOptions {
        family: net::Family::V4,
        ..ConnectOptions::new(WAIT)
    };
    let (_stream, endpoint) = net::connect_first(&address, &options).await.unwrap();
    assert_eq!(endpoint, Endpoint::Tcp(live));
}

/// The socket options are on the connected socket: keepalive with its idle time and
/// interval, TCP_NODELAY off when asked, TCP_FASTOPEN_CONNECT on when asked.
#[tokio::test]
async fn socket_options_are_set_on_the_connection() {
    let (_listener, live) = listener().await;
    let mut options = ConnectOptions::new(WAIT);
    options.socket.keepalive = Some(Duration::from_secs(7));
    options.socket.nodelay = false;
    options.socket.fastopen = true;
    let net::Stream::Tcp(stream) = net::connect_endpoint(&Endpoint::Tcp(live), &options)
        .await
        .unwrap()
    else {
        panic!("a TCP stream");
    };
    let socket = socket2::SockRef::from(&stream);
    assert!(socket.keepalive().unwrap());
    assert_eq!(socket.keepalive_time().unwrap(), Duration::from_secs(7));
    assert_eq!(socket.keepalive_interval().unwrap(), Duration::from_secs(7));
    assert!(!socket.nodelay().unwrap());
    let fastopen =
        nix::sys::socket::getsockopt(&stream, nix::sys::socket::sockopt::TcpFastOpenConnect);
    assert!(fastopen.unwrap());

    let default = net::connect_endpoint(&Endpoint::Tcp(live), &ConnectOptions::new(WAIT))
        .await
        .unwrap();
    let net::Stream::Tcp(default) = default else {
        panic!("a TCP stream");
    };
    let socket = socket2::SockRef::from(&default);
    assert!(socket.nodelay().unwrap(), "TCP_NODELAY is on by default");
    assert!(!socket.keepalive().unwrap(), "keepalive is off by default");
}

/// The attempt delay is the caller's: with a delay longer than the deadline, the address
/// after a silent one is never tried, where the default delay would have reached it.
#[tokio::test]
async fn the_attempt_delay_is_the_callers() {
    let (dead, _socket, _filler) = black_hole();
    let (_listener, live) = listener().await;
    let mut options = ConnectOptions::new(Duration::from_millis(800));
    net::connect_addrs(&[dead, live], &options)
        .await
        .expect("the default delay reaches the second address");
    options.attempt_delay = Duration::from_secs(60);
    let err = net::connect_addrs(&[dead, live], &options)
        .await
        .unwrap_err();
    assert!(matches!(err, ConnectError::Timeout { .. }), "{err}");
}

/// A local port range skips a taken port; a taken single port is a bind error, not a
/// connect error (fetch's 45, not 7).
#[tokio::test]
async fn a_taken_local_port_is_skipped_or_a_bind_error() {
    let (listener, live) = listener().await;
    let taken = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = taken.local_addr().unwrap().port();
    let mut options = ConnectOptions::new(WAIT);
    options.socket.local = Some(net::LocalName::Addr(Ipv4Addr::LOCALHOST.into()));
    options.socket.ports = Some((port, port.saturating_add(20)));
    let _stream = net::connect_endpoint(&Endpoint::Tcp(live), &options)
        .await
        .unwrap();
    let (_accepted, peer) = listener.accept().await.unwrap();
    assert!(peer.port() > port && peer.port() <= port + 20, "{peer}");
    options.socket.ports = Some((port, port));
    let err = net::connect_endpoint(&Endpoint::Tcp(live), &options)
        .await
        .unwrap_err();
    assert!(matches!(err, ConnectError::Bind(_)), "{err}");
}
