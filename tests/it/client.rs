//! `sockit client` failures as a person meets them, and the library's `Client`.

use crate::support::{loopback, quick, sockit, ChildGuard, TestServer, WAIT};
use sockit::client::{Client, ClientError};
use sockit::protocol::Framing;
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
    let server = TestServer::start(quick().bind(address.clone())).await;
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
    use std::process::Command;
    if !crate::support::require_tool("script") {
        return;
    }
    let server = TestServer::default().await;
    let cmd = format!(
        "{} client -a {}",
        env!("CARGO_BIN_EXE_sockit"),
        server.addr()
    );
    let (status, text) = tokio::task::spawn_blocking(move || {
        let mut script = Command::new("script");
        script
            .args(["-qec", &cmd, "/dev/null"])
            .env("TERM", "xterm");
        let mut child = ChildGuard::spawn_with_stdin(script, std::process::Stdio::piped());
        let mut stdin = child.child.stdin.take().unwrap();
        let mut screen = Screen::watch(child.child.stdout.take().unwrap());
        screen.wait_for("name> ");
        stdin.write_all(b"Michael\n").unwrap();
        screen.wait_for("Hello, Michael!");
        stdin.write_all(b"exit\n").unwrap();
        let (status, _) = child.wait();
        drop(stdin);
        (status, screen.rest())
    })
    .await
    .unwrap();
    assert!(status.success(), "{text}");
    assert!(text.contains("Welcome!"), "{text}");
    assert!(text.contains("name> "), "{text}");
    assert!(text.contains("Hello, Michael!"), "{text}");
    assert!(!text.contains("Hello, exit!"), "{text}");
    server.stop().await;
}

/// What a terminal program has printed so far, read by a thread so that every wait for a
/// prompt or a reply has a deadline.
struct Screen {
    text: String,
    chunks: std::sync::mpsc::Receiver<Vec<u8>>,
}

impl Screen {
    fn watch(mut out: impl std::io::Read + Send + 'static) -> Screen {
        let (send, chunks) = std::sync::mpsc::channel();
        std::thread::spawn(move || {
            let mut buf = [0u8; 4096];
            while let Ok(n @ 1..) = out.read(&mut buf) {
                if send.send(buf[..n].to_vec()).is_err() {
                    return;
                }
            }
        });
        Screen {
            text: String::new(),
            chunks,
        }
    }

    /// Waits, within [`WAIT`], until `needle` has been printed.
    fn wait_for(&mut self, needle: &str) {
        let deadline = std::time::Instant::now() + WAIT;
        while !self.text.contains(needle) {
            let left = deadline.saturating_duration_since(std::time::Instant::now());
            match self.chunks.recv_timeout(left) {
                Ok(chunk) => self.text.push_str(&String::from_utf8_lossy(&chunk)),
                Err(e) => panic!("no {needle:?} on the terminal ({e}): {}", self.text),
            }
        }
    }

    /// Everything printed, once the program has ended.
    fn rest(mut self) -> String {
        while let Ok(chunk) = self.chunks.recv_timeout(WAIT) {
            self.text.push_str(&String::from_utf8_lossy(&chunk));
        }
        self.text
    }
}
