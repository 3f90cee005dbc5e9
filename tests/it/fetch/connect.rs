//! Addresses and connecting: IPv6 literals, -4/-6 on a name with both families, and
//! --connect-timeout (28). Happy Eyeballs itself is shared with the client and bench and
//! tested in `net.rs`.

use crate::support::fetch_run::fetch;
use crate::support::http_server::{ok, reply, Server};
use crate::support::{black_hole, require_ipv6_loopback};
use std::net::TcpListener;
use std::time::Duration;

fn ipv6_loopback() -> Option<TcpListener> {
    TcpListener::bind("[::1]:0").ok()
}

/// An IPv6 literal URL connects, and Host carries the brackets and port.
#[test]
fn ipv6_literal() {
    let Some(listener) = require_ipv6_loopback(ipv6_loopback()) else {
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

/// -4 reaches a server listening on 127.0.0.1 through "localhost"; -6 does not: localhost
/// is ::1 too, whatever the hosts file says (as curl 7.88 has it), and the connection
/// there is refused (7, as curl's).
#[test]
fn family_flags_pick_addresses() {
    let server = Server::plain(|_, s| reply(s, &ok(b"v4")));
    assert_eq!(
        fetch(&["-4", &server.url_localhost("/")]).expect(0).out(),
        "v4"
    );
    assert_eq!(fetch(&[&server.url_localhost("/")]).expect(0).out(), "v4");
    if ipv6_loopback().is_some() {
        fetch(&["-6", &server.url_localhost("/")]).expect(7);
    }
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
