//! Many processes on one port and restarts without dropping a client: `--reuse-port` and
//! `--drain-delay`, with the real binary.

use crate::support::{read_to_end, spawn_server, ChildGuard, TestServer};
use std::io::{Read, Write};
use std::net::{SocketAddr, TcpStream};

/// One conversation: a name and `exit`; the whole transcript.
fn converse(addr: SocketAddr) -> std::io::Result<String> {
    let mut c = TcpStream::connect(addr)?;
    c.set_read_timeout(Some(crate::support::WAIT))?;
    c.write_all(b"Michael\nexit\n")?;
    let mut transcript = String::new();
    c.read_to_string(&mut transcript)?;
    Ok(transcript)
}

const TRANSCRIPT: &str = "Welcome!\nHello, Michael!\n";

/// Two processes with `--reuse-port` share one port and both get connections; when one stops
/// (exit 0), the other serves every new one. Without the flag the second cannot bind.
#[test]
fn reuse_port_shares_a_port_between_processes() {
    let (mut first, addr) = spawn_server(&["--reuse-port"]);
    let bind = addr.to_string();
    let (mut second, _) = spawn_server(&["--reuse-port", "--bind", &bind]);
    for _ in 0..32 {
        assert_eq!(converse(addr).unwrap(), TRANSCRIPT);
    }
    first.wait_for_stderr("Accept new connection");
    second.wait_for_stderr("Accept new connection");

    let mut refused = crate::support::sockit();
    refused.args(["serve", "--bind", &bind]);
    let (status, stderr) = ChildGuard::spawn(refused).wait();
    assert_eq!(status.code(), Some(1), "{stderr}");

    first.signal("TERM");
    assert!(first.wait().0.success());
    for _ in 0..16 {
        assert_eq!(converse(addr).unwrap(), TRANSCRIPT);
    }
}

/// Connections the kernel completed but the server had not accepted when it stopped are
/// accepted and served (greeting, then `ERR server shutting down` after the grace period)
/// instead of being reset with the listener.
#[tokio::test]
async fn queued_connections_are_served_at_shutdown() {
    let server = TestServer::default().await;
    // Connected by the kernel before the server's accept loop first runs: this test task
    // does not yield until the stop is sent.
    let queued: Vec<_> = (0..5)
        .map(|_| std::net::TcpStream::connect(server.addr()).unwrap())
        .collect();
    let stopping = tokio::spawn(server.stop());
    for c in queued {
        c.set_nonblocking(true).unwrap();
        let mut c = tokio::net::TcpStream::from_std(c).unwrap();
        assert_eq!(
            read_to_end(&mut c).await,
            b"Welcome!\nERR server shutting down\n"
        );
    }
    stopping.await.unwrap();
}

/// After SIGTERM with `--drain-delay`, the server keeps accepting and serving new clients
/// for the delay, then shuts down and exits 0.
#[test]
fn drain_delay_keeps_serving_after_sigterm() {
    let (mut server, addr) = spawn_server(&["--drain-delay", "2s", "--grace", "1s"]);
    server.signal("TERM");
    server.wait_for_stderr("Still accepting");
    assert_eq!(converse(addr).unwrap(), TRANSCRIPT);
    server.wait_for_stderr("Shutting down");
    assert!(server.wait().0.success());
    assert!(TcpStream::connect(addr).is_err());
}
