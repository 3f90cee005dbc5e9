//! fetch's sockets as curl makes them: `--interface` and `--local-port` seen from the server
//! (the peer address it accepted), a port or interface that cannot be had (exit 45), and the
//! options set before connect (keepalive, `TCP_NODELAY`, Fast Open) read off the system
//! calls with strace. The options on the socket itself are checked in `net.rs`.

use crate::support::fetch_run::fetch;
use crate::support::http_server::{ok, reply, Server};
use crate::support::{require_tool, sockit, ChildGuard};
use std::net::{IpAddr, SocketAddr};
use std::process::Stdio;

fn hello() -> Server {
    Server::plain(|_, stream| reply(stream, &ok(b"hello")))
}

/// The client address the server saw for its one request.
fn peer(server: &Server) -> SocketAddr {
    let requests = server.requests();
    assert_eq!(requests.len(), 1, "{requests:?}");
    requests[0].peer.unwrap()
}

/// `--interface ADDR` and `host!NAME` bind the connection's local address: the server sees
/// the request come from it; `if!lo` connects through the loopback interface.
#[test]
fn interface_binds_the_local_address() {
    for (interface, from) in [
        ("127.0.0.2", [127, 0, 0, 2]),
        ("host!127.0.0.3", [127, 0, 0, 3]),
        ("if!lo", [127, 0, 0, 1]),
        ("lo", [127, 0, 0, 1]),
    ] {
        let server = hello();
        let run = fetch(&["-sS", "--interface", interface, &server.url("/")]).expect(0);
        assert_eq!(run.out(), "hello");
        assert_eq!(peer(&server).ip(), IpAddr::from(from), "{interface}");
    }
}

/// An interface that does not exist, or a name that is neither an interface nor a host, is
/// curl's 45, with one line naming it; nothing is sent.
#[test]
fn an_interface_that_cannot_be_had_is_45() {
    let server = hello();
    for (interface, said) in [
        (
            "if!nosuchif0",
            "sockit: (45) cannot bind to interface 'nosuchif0': there is no such interface\n",
        ),
        (
            "nosuchif0.invalid",
            "sockit: (45) cannot bind to 'nosuchif0.invalid': it is neither an interface nor \
             a host name that resolves\n",
        ),
    ] {
        let run = fetch(&["-sS", "--interface", interface, &server.url("/")]).expect(45);
        assert_eq!(run.stderr, said);
    }
    assert!(server.requests().is_empty());
}

/// `--local-port N-M` skips a port that is taken and connects from the next free one of the
/// range; a single port that is taken is curl's 45.
#[test]
fn local_port_takes_the_first_free_port_of_the_range() {
    // Bound, not listening: the port is taken for every local address, and reachable by none.
    let taken = socket2::Socket::new(socket2::Domain::IPV4, socket2::Type::STREAM, None).unwrap();
    taken
        .bind(&"0.0.0.0:0".parse::<SocketAddr>().unwrap().into())
        .unwrap();
    let port = taken.local_addr().unwrap().as_socket().unwrap().port();
    let server = hello();
    let range = format!("{port}-{}", port.saturating_add(20));
    fetch(&["-sS", "--local-port", &range, &server.url("/")]).expect(0);
    let from = peer(&server).port();
    assert!(from > port && from <= port + 20, "{from} outside {range}");

    let single = port.to_string();
    let run = fetch(&["-sS", "--local-port", &single, &server.url("/")]).expect(45);
    assert_eq!(
        run.stderr,
        format!("sockit: (45) cannot bind to 0.0.0.0 port {port}: address already in use\n")
    );
    assert_eq!(
        server.requests().len(),
        1,
        "nothing sent from the taken port"
    );
}

/// A port range that ends below its start, or a port past 65535, is a usage error (2), as
/// curl's "is badly used here".
#[test]
fn a_bad_local_port_is_a_usage_error() {
    for bad in ["5-3", "70000", "abc"] {
        fetch(&["--local-port", bad, "http://127.0.0.1:9/"]).expect(2);
    }
}

/// The setsockopt calls `sockit fetch ARGS URL` makes, as strace shows them.
fn setsockopts(args: &[&str]) -> Option<String> {
    if !require_tool("strace") {
        return None;
    }
    let server = hello();
    let dir = tempfile::tempdir().unwrap();
    let log = dir.path().join("strace.log");
    let mut cmd = std::process::Command::new("strace");
    cmd.args(["-f", "-e", "trace=setsockopt", "-o"])
        .arg(&log)
        .arg(sockit().get_program())
        .arg("fetch")
        .args(args)
        .arg(server.url("/"))
        .env_remove("RUST_LOG")
        .stdout(Stdio::null());
    let mut child = ChildGuard::spawn_with_stdin(cmd, Stdio::null());
    let status = child.child.wait().unwrap();
    assert!(status.success(), "{args:?}: {status}");
    Some(std::fs::read_to_string(log).unwrap())
}

/// By default the socket gets curl's options before it connects: TCP_NODELAY, and keepalive
/// probes after 60 s idle, every 60 s.
#[test]
fn the_default_socket_options_are_curls() {
    let Some(calls) = setsockopts(&["-s"]) else {
        return;
    };
    for expected in [
        "TCP_NODELAY, [1]",
        "SO_KEEPALIVE, [1]",
        "TCP_KEEPIDLE, [60]",
        "TCP_KEEPINTVL, [60]",
    ] {
        assert!(calls.contains(expected), "{expected} not in\n{calls}");
    }
    assert!(!calls.contains("TCP_FASTOPEN_CONNECT"), "{calls}");
}

/// `--keepalive-time 7`, `--no-tcp-nodelay` and `--tcp-fastopen` change exactly their
/// options; `--no-keepalive` sets none.
#[test]
fn socket_flags_set_their_options() {
    let Some(calls) = setsockopts(&[
        "-s",
        "--keepalive-time",
        "7",
        "--no-tcp-nodelay",
        "--tcp-fastopen",
    ]) else {
        return;
    };
    for expected in [
        "TCP_KEEPIDLE, [7]",
        "TCP_KEEPINTVL, [7]",
        "TCP_FASTOPEN_CONNECT, [1]",
    ] {
        assert!(calls.contains(expected), "{expected} not in\n{calls}");
    }
    assert!(!calls.contains("TCP_NODELAY"), "{calls}");
    let Some(calls) = setsockopts(&["-s", "--no-keepalive"]) else {
        return;
    };
    assert!(!calls.contains("SO_KEEPALIVE"), "{calls}");
    assert!(calls.contains("TCP_NODELAY, [1]"), "{calls}");
}
