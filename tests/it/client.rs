//! `sockit client` failures as a person meets them, and the library's `Client`.

use crate::support::{loopback, sockit, TestServer};
use sockit::client::{Client, ClientError};
use sockit::protocol::Framing;
use sockit::server::Server;
use std::time::Duration;

/// A refused connection names the address, hints at the server, and exits 7 like curl.
#[test]
fn refused_connection_exits_7() {
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let out = sockit()
        .args(["client", "-a", &format!("127.0.0.1:{port}"), "x"])
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(7), "{stderr}");
    assert_eq!(
        stderr.trim(),
        format!("sockit: cannot connect to 127.0.0.1:{port}: connection refused (is sockit serve running?)")
    );
}

/// A server that accepts but never answers runs into --timeout: exit 28.
#[test]
fn silent_server_times_out_with_28() {
    let silent = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = silent.local_addr().unwrap().to_string();
    let out = sockit()
        .args(["client", "-a", &addr, "--timeout", "300ms", "x"])
        .output()
        .unwrap();
    assert_eq!(
        out.status.code(),
        Some(28),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
}

/// An `ERR` line from the server goes to stderr and the exit status is non-zero.
#[tokio::test]
async fn server_error_line_goes_to_stderr() {
    let server = TestServer::start(loopback().max_line(4)).await;
    let addr = server.addr().to_string();
    let out = tokio::task::spawn_blocking(move || {
        sockit()
            .args(["client", "-a", &addr, "ok", "far-too-long"])
            .output()
            .unwrap()
    })
    .await
    .unwrap();
    assert_eq!(
        String::from_utf8_lossy(&out.stdout),
        "Welcome!\nHello, ok!\n"
    );
    assert_eq!(
        String::from_utf8_lossy(&out.stderr).trim(),
        "sockit: server said: line too long"
    );
    assert_eq!(out.status.code(), Some(1));
    server.stop().await;
}

/// The library client speaks to a Unix socket server one name at a time.
#[tokio::test]
async fn library_client_over_unix_socket() {
    let dir = tempfile::tempdir().unwrap();
    let address: sockit::addr::Address = format!("unix:{}", dir.path().join("s").display())
        .parse()
        .unwrap();
    let server = TestServer::start(Server::builder().bind(address.clone())).await;
    let mut client = Client::connect(&address, Framing::Line, Duration::from_secs(5))
        .await
        .unwrap();
    assert_eq!(client.greeting().await.unwrap(), b"Welcome!");
    assert_eq!(client.hello(b"Sarah").await.unwrap(), b"Hello, Sarah!");
    assert!(matches!(
        client.hello(b"a\nb").await,
        Err(ClientError::BadName(_))
    ));
    client.exit().await.unwrap();
    server.stop().await;
}

/// On a terminal the client prompts for each name and ends on `exit`. Runs under `script(1)`
/// for a pseudo-terminal, and is skipped when `script` is not installed.
#[tokio::test]
async fn interactive_on_a_terminal() {
    use std::io::Write;
    use std::process::{Command, Stdio};
    if !crate::support::require_tool("script") {
        return;
    }
    let server = TestServer::default().await;
    let cmd = format!(
        "{} client -a {}",
        env!("CARGO_BIN_EXE_sockit"),
        server.addr()
    );
    let out = tokio::task::spawn_blocking(move || {
        let mut child = Command::new("script")
            .args(["-qec", &cmd, "/dev/null"])
            .env("TERM", "xterm")
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .spawn()
            .unwrap();
        let mut stdin = child.stdin.take().unwrap();
        stdin.write_all(b"Michael\n").unwrap();
        std::thread::sleep(Duration::from_millis(300));
        stdin.write_all(b"exit\n").unwrap();
        std::thread::sleep(Duration::from_millis(300));
        drop(stdin);
        child.wait_with_output().unwrap()
    })
    .await
    .unwrap();
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(out.status.success(), "{text}");
    assert!(text.contains("Welcome!"), "{text}");
    assert!(text.contains("name> "), "{text}");
    assert!(text.contains("Hello, Michael!"), "{text}");
    assert!(!text.contains("Hello, exit!"), "{text}");
    server.stop().await;
}
