//! Addresses and connecting: IPv6 literals, -4/-6 on a name with both families, Happy
//! Eyeballs past an address that never answers, and --connect-timeout (28).

use super::server::{ok, reply, Server};
use super::support::fetch;
use socket2::{Domain, Socket, Type};
use std::net::{SocketAddr, TcpListener, TcpStream};
use std::time::Duration;

/// A loopback address whose SYNs go unanswered: a listener with a backlog of 0, its queue
/// filled by one connection, drops further SYNs. Keep the returned sockets alive.
fn black_hole() -> (SocketAddr, Socket, TcpStream) {
    let socket = Socket::new(Domain::IPV4, Type::STREAM, None).unwrap();
    socket
        .bind(&"127.0.0.1:0".parse::<SocketAddr>().unwrap().into())
        .unwrap();
    socket.listen(0).unwrap();
    let addr = socket.local_addr().unwrap().as_socket().unwrap();
    let filler = TcpStream::connect_timeout(&addr, Duration::from_secs(5)).unwrap();
    (addr, socket, filler)
}

fn ipv6_loopback() -> Option<TcpListener> {
    TcpListener::bind("[::1]:0").ok()
}

/// An IPv6 literal URL connects, and Host carries the brackets and port.
#[test]
fn ipv6_literal() {
    let Some(listener) = ipv6_loopback() else {
        eprintln!("skipped: no IPv6 loopback");
        return;
    };
    let port = listener.local_addr().unwrap().port();
    let handle = std::thread::spawn(move || {
        use std::io::{Read, Write};
        let (mut s, _) = listener.accept().unwrap();
        s.set_read_timeout(Some(Duration::from_secs(10))).unwrap();
        let mut buf = [0u8; 4096];
        let n = s.read(&mut buf).unwrap();
        s.write_all(&ok(b"v6")).unwrap();
        String::from_utf8_lossy(&buf[..n]).into_owned()
    });
    let run = fetch(&[&format!("http://[::1]:{port}/")]).expect(0);
    assert_eq!(run.out(), "v6");
    let request = handle.join().unwrap();
    assert!(
        request.contains(&format!("Host: [::1]:{port}\r\n")),
        "{request}"
    );
}

/// -4 reaches a server listening on 127.0.0.1 through "localhost"; -6 does not.
#[test]
fn family_flags_pick_addresses() {
    let server = Server::plain(|_, s| reply(s, &ok(b"v4")));
    assert_eq!(
        fetch(&["-4", &server.url_localhost("/")]).expect(0).out(),
        "v4"
    );
    assert_eq!(fetch(&[&server.url_localhost("/")]).expect(0).out(), "v4");
    if ipv6_loopback().is_some() {
        let run = fetch(&["-6", &server.url_localhost("/")]);
        assert!(run.code == 7 || run.code == 6, "{}", run.stderr);
    }
}

/// Happy Eyeballs: when the first address never answers, the next one is tried after the
/// attempt delay and wins.
#[test]
fn happy_eyeballs_skips_a_silent_address() {
    let (dead, _socket, _filler) = black_hole();
    let server = Server::plain(|_, s| reply(s, &ok(b"")));
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    let stream = rt.block_on(async {
        tokio::time::timeout(
            Duration::from_secs(10),
            sockit::fetch::connect_happy_eyeballs(
                &[dead, server.addr],
                "test",
                sockit::fetch::ATTEMPT_DELAY,
            ),
        )
        .await
    });
    let stream = stream.expect("connect finished").expect("connected");
    assert_eq!(stream.peer_addr().unwrap(), server.addr);
}

/// --connect-timeout gives up on an address that never answers with 28.
#[test]
fn connect_timeout_is_28() {
    let (dead, _socket, _filler) = black_hole();
    let run = fetch(&["--connect-timeout", "0.3", &format!("http://{dead}/")]).expect(28);
    assert!(
        run.stderr.contains("timed out after 300 ms"),
        "{}",
        run.stderr
    );
}
