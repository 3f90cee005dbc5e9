//! Behind a load balancer over loopback: the PROXY protocol (v1 and v2, split headers,
//! LOCAL, refusals) and `--max-connections-per-ip`, in-process and through the real binary
//! where the log is what is checked.

use crate::support::{
    loopback, quick, read_to_end, spawn_server, wait_until_read, TestServer, WAIT,
};
use std::net::SocketAddr;
use std::num::NonZeroUsize;
use std::time::Duration;
use tokio::io::{AsyncReadExt, AsyncWriteExt};

const V2_SIGNATURE: &[u8] = b"\r\n\r\n\0\r\nQUIT\n";

/// A v2 PROXY header for a TCP client over IPv4, with `tlv` appended after the addresses.
pub fn v2_header(client: SocketAddr, server: SocketAddr, tlv: &[u8]) -> Vec<u8> {
    let (SocketAddr::V4(c), SocketAddr::V4(s)) = (client, server) else {
        panic!("IPv4 only");
    };
    let mut h = V2_SIGNATURE.to_vec();
    h.extend([0x21, 0x11]);
    h.extend(((12 + tlv.len()) as u16).to_be_bytes());
    h.extend(c.ip().octets());
    h.extend(s.ip().octets());
    h.extend(c.port().to_be_bytes());
    h.extend(s.port().to_be_bytes());
    h.extend(tlv);
    h
}

/// The v2 LOCAL header HAProxy sends for its own health checks.
fn v2_local() -> Vec<u8> {
    let mut h = V2_SIGNATURE.to_vec();
    h.extend([0x20, 0x00, 0x00, 0x00]);
    h
}

async fn proxied() -> TestServer {
    TestServer::start(loopback().proxy_protocol(vec!["127.0.0.0/8".parse().unwrap()])).await
}

/// A v1 header with the client's names right behind it in the same write: the header is
/// taken, the names are answered.
#[tokio::test]
async fn v1_header_then_names_in_one_write() {
    let server = proxied().await;
    let mut c = server.connect().await;
    c.write_all(b"PROXY TCP4 192.0.2.7 127.0.0.1 56324 9999\r\nMichael\nexit\n")
        .await
        .unwrap();
    assert_eq!(read_to_end(&mut c).await, b"Welcome!\nHello, Michael!\n");
    server.stop().await;
}

/// A v2 header with a TLV, sent a few bytes at a time: the server waits for the rest and
/// skips the TLV.
#[tokio::test]
async fn v2_header_in_pieces_with_tlvs() {
    // Waiting for each piece's read looks at the kernel's socket table, which takes long on
    // a machine busy with other tests: more than the 10 s default to finish the header.
    let builder = loopback()
        .proxy_protocol(vec!["127.0.0.0/8".parse().unwrap()])
        .handshake_timeout(WAIT * 3);
    let server = TestServer::start(builder).await;
    let mut c = server.connect().await;
    let tlv = [
        0x02, 0x00, 0x0b, b'e', b'x', b'a', b'm', b'p', b'l', b'e', b'.', b'c', b'o', b'm',
    ];
    let header = v2_header("192.0.2.7:4000".parse().unwrap(), server.addr(), &tlv);
    for piece in header.chunks(5) {
        c.write_all(piece).await.unwrap();
        // Each piece read alone, so the server sees the header unfinished.
        wait_until_read(&c).await;
    }
    c.write_all(b"Tracy\nexit\n").await.unwrap();
    assert_eq!(read_to_end(&mut c).await, b"Welcome!\nHello, Tracy!\n");
    server.stop().await;
}

/// Issue 17: a v2 header's buffer grows with the bytes that arrive and is charged to
/// `--max-input-memory`. Of two connections each 60,000 bytes into a header that declares
/// 65,535 bytes of TLVs, with 96 KiB of input memory, one is refused (before the fix each
/// took 64 KiB up front, uncharged: 2,000 of them held 146 MB); the other finishes its header
/// and is served, and the memory is given back: a third one like it is served too.
#[tokio::test]
async fn long_v2_headers_are_charged_to_the_input_memory() {
    let builder = loopback()
        .proxy_protocol(vec!["127.0.0.0/8".parse().unwrap()])
        .max_line(1024)
        .max_input_memory(96 << 10)
        .handshake_timeout(WAIT * 3);
    let server = TestServer::start(builder).await;
    let mut tlv = vec![0x04, 0xff, 0xf0]; // a NOOP TLV filling the 65,535 bytes declared
    tlv.resize(3 + 0xfff0, b'.');
    let header = v2_header("192.0.2.7:4000".parse().unwrap(), server.addr(), &tlv);
    let (start, rest) = header.split_at(16 + 12 + 60_000);
    let mut a = server.connect().await;
    let mut b = server.connect().await;
    a.write_all(start).await.unwrap();
    b.write_all(start).await.unwrap();
    let (mut from_a, mut from_b) = ([0; 1], [0; 1]);
    let one_closed = async {
        tokio::select! {
            read = a.read(&mut from_a) => (true, read),
            read = b.read(&mut from_b) => (false, read),
        }
    };
    let (a_refused, read) = tokio::time::timeout(WAIT, one_closed)
        .await
        .expect("one of them is refused");
    assert!(!matches!(read, Ok(1..)), "refused without a greeting");
    let survivor = if a_refused { b } else { a };
    let served = |mut c: tokio::net::TcpStream| async move {
        c.write_all(rest).await.unwrap();
        c.write_all(b"Tracy\nexit\n").await.unwrap();
        assert_eq!(read_to_end(&mut c).await, b"Welcome!\nHello, Tracy!\n");
    };
    tokio::time::timeout(WAIT, async {
        served(survivor).await;
        let mut third = server.connect().await;
        third.write_all(start).await.unwrap();
        served(third).await;
    })
    .await
    .expect("served in time");
    server.stop().await;
}

/// A LOCAL header (the balancer's health check) is served as a direct connection, and so
/// is v1's UNKNOWN.
#[tokio::test]
async fn local_and_unknown_are_served() {
    let server = proxied().await;
    for header in [v2_local(), b"PROXY UNKNOWN\r\n".to_vec()] {
        let mut c = server.connect().await;
        c.write_all(&header).await.unwrap();
        let mut greeting = [0; 9];
        tokio::time::timeout(WAIT, c.read_exact(&mut greeting))
            .await
            .expect("greeting in time")
            .unwrap();
        assert_eq!(&greeting, b"Welcome!\n");
        c.write_all(b"exit\n").await.unwrap();
        assert_eq!(read_to_end(&mut c).await, b"");
    }
    server.stop().await;
}

/// No greeting for a connection without a valid header: plain names, a v1 line over 107
/// bytes, a header cut off by the client's close.
#[tokio::test]
async fn bad_headers_are_closed_without_a_greeting() {
    let server = proxied().await;
    let mut long = b"PROXY TCP4 ".to_vec();
    long.resize(120, b'1');
    long.extend(b"\r\n");
    let cut = v2_header("192.0.2.7:1".parse().unwrap(), server.addr(), &[]);
    for bad in [b"Michael\nexit\n".to_vec(), long, cut[..20].to_vec()] {
        let mut c = server.connect().await;
        c.write_all(&bad).await.unwrap();
        c.shutdown().await.unwrap();
        assert_eq!(no_greeting(&mut c).await, b"", "{bad:?}");
    }
    server.stop().await;
}

/// What a refused connection sends before it closes: nothing. Its unread bytes may turn the
/// close into a reset, which reads as the same silence.
async fn no_greeting(c: &mut tokio::net::TcpStream) -> Vec<u8> {
    let mut got = Vec::new();
    match tokio::time::timeout(WAIT, c.read_to_end(&mut got)).await {
        Ok(Ok(_)) => got,
        Ok(Err(e)) if e.kind() == std::io::ErrorKind::ConnectionReset => got,
        other => panic!("no close in time: {other:?}"),
    }
}

/// A balancer that connects and sends nothing is dropped at `--handshake-timeout`.
#[tokio::test]
async fn silent_peer_is_dropped_at_the_handshake_timeout() {
    let builder = loopback()
        .proxy_protocol(vec!["127.0.0.0/8".parse().unwrap()])
        .handshake_timeout(Duration::from_millis(200));
    let server = TestServer::start(builder).await;
    let mut c = server.connect().await;
    let started = std::time::Instant::now();
    assert_eq!(read_to_end(&mut c).await, b"");
    assert!(started.elapsed() >= Duration::from_millis(150));
    server.stop().await;
}

/// A PROXY header over a Unix socket is taken like one over TCP.
#[tokio::test]
async fn unix_listener_takes_headers() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("s.sock");
    let address = format!("unix:{}", path.display()).parse().unwrap();
    let builder = quick().bind(address).proxy_protocol(vec![]);
    let server = TestServer::start(builder).await;
    let mut c = tokio::net::UnixStream::connect(&path).await.unwrap();
    c.write_all(b"PROXY TCP6 2001:db8::7 2001:db8::1 4000 9999\r\nSarah\nexit\n")
        .await
        .unwrap();
    assert_eq!(read_to_end(&mut c).await, b"Welcome!\nHello, Sarah!\n");
    server.stop().await;
}

/// The third connection from one address gets the `ERR` line; another address is served.
#[tokio::test]
async fn per_ip_limit_turns_away_one_more() {
    let builder = loopback().max_connections_per_ip(NonZeroUsize::new(2).unwrap());
    let server = TestServer::start(builder).await;
    let mut held = Vec::new();
    for _ in 0..2 {
        let mut c = server.connect().await;
        let mut greeting = [0; 9];
        c.read_exact(&mut greeting).await.unwrap();
        held.push(c);
    }
    let mut third = server.connect().await;
    assert_eq!(
        read_to_end(&mut third).await,
        b"ERR too many connections from your address\n"
    );
    drop(held.pop());
    let mut again = tokio::time::timeout(WAIT, async {
        loop {
            let mut c = server.connect().await;
            let mut first = [0; 9];
            if c.read_exact(&mut first).await.is_ok() && &first == b"Welcome!\n" {
                return c;
            }
        }
    })
    .await
    .expect("a slot frees up");
    again.write_all(b"exit\n").await.unwrap();
    drop(held);
    server.stop().await;
}

/// Behind a balancer the limit counts the PROXY header's client: two clients through one
/// balancer address each get their share, and one client's third connection is refused.
#[tokio::test]
async fn per_ip_limit_counts_the_proxied_client() {
    let builder = loopback()
        .proxy_protocol(vec!["127.0.0.0/8".parse().unwrap()])
        .max_connections_per_ip(NonZeroUsize::new(2).unwrap());
    let server = TestServer::start(builder).await;
    let mut held = Vec::new();
    for client in ["192.0.2.1:1", "192.0.2.1:2", "192.0.2.2:1", "192.0.2.2:2"] {
        let mut c = server.connect().await;
        c.write_all(&v2_header(client.parse().unwrap(), server.addr(), &[]))
            .await
            .unwrap();
        let mut greeting = [0; 9];
        c.read_exact(&mut greeting).await.unwrap();
        held.push(c);
    }
    let mut third = server.connect().await;
    third
        .write_all(&v2_header(
            "192.0.2.1:3".parse().unwrap(),
            server.addr(),
            &[],
        ))
        .await
        .unwrap();
    assert_eq!(
        read_to_end(&mut third).await,
        b"ERR too many connections from your address\n"
    );
    drop(held);
    server.stop().await;
}

/// The log names the client the header carries; a refused header is logged once with the
/// real peer, never with the address it claims.
#[test]
fn log_shows_the_proxied_client_and_refusals_the_real_peer() {
    let (mut server, addr) = spawn_server(&["--proxy-protocol"]);
    let mut c = std::net::TcpStream::connect(addr).unwrap();
    std::io::Write::write_all(&mut c, b"PROXY TCP4 192.0.2.7 127.0.0.1 56324 9999\r\n").unwrap();
    server.wait_for_stderr("Accept new connection from 192.0.2.7:56324");
    drop(c);

    let (mut untrusting, addr) = spawn_server(&["--proxy-protocol", "--proxy-from", "10.0.0.0/8"]);
    let mut c = std::net::TcpStream::connect(addr).unwrap();
    let local = c.local_addr().unwrap();
    std::io::Write::write_all(&mut c, b"PROXY TCP4 192.0.2.9 127.0.0.1 1 9999\r\n").unwrap();
    let line = untrusting.wait_for_stderr("PROXY header");
    assert!(line.contains(&local.to_string()), "{line}");
    assert!(line.contains("not in --proxy-from"), "{line}");
    untrusting.signal("TERM");
    let (status, rest) = untrusting.wait();
    assert!(status.success());
    assert!(!rest.contains("192.0.2.9"), "{rest}");
}

/// `--handshake-timeout 0` with `--proxy-protocol` would refuse every header: a usage error.
#[test]
fn zero_handshake_timeout_is_refused() {
    let mut cmd = crate::support::sockit();
    cmd.args(["serve", "--bind", "127.0.0.1:0", "--proxy-protocol"])
        .args(["--handshake-timeout", "0"]);
    let (status, stderr) = crate::support::ChildGuard::spawn(cmd).wait();
    assert_eq!(status.code(), Some(2), "{stderr}");
    assert!(
        stderr.contains("--handshake-timeout must be more than 0"),
        "{stderr}"
    );
}
