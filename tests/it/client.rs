//! `sockit client` failures as a person meets them, and the library's `Client`.

use crate::support::{loopback, quick, sockit, spawn_server, ChildGuard, TestServer, WAIT};
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

/// `sockit client -a ADDR --timeout 300ms x`: its exit code and stderr.
fn client_of(addr: &str, extra: &[&str]) -> (Option<i32>, String) {
    let out = sockit()
        .args(["client", "-a", addr, "--timeout", "300ms"])
        .args(extra)
        .arg("x")
        .output()
        .unwrap();
    let stderr = String::from_utf8(out.stderr).unwrap();
    (out.status.code(), stderr)
}

/// A server that accepts but never says a word runs into --timeout, exit 28, and is named
/// for what it probably is (the bug: only "no reply within 10s", which a newcomer who
/// pointed the client at a web server could not read).
#[test]
fn silent_server_times_out_with_28_and_a_hint() {
    let silent = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = silent.local_addr().unwrap().to_string();
    let (code, stderr) = client_of(&addr, &[]);
    assert_eq!(code, Some(28), "{stderr}");
    assert_eq!(
        stderr,
        "sockit: the server accepted the connection but sent no greeting within 300ms; a \
         hello server greets at once, so this is probably one that waits for its client to \
         speak first, such as a web server (try sockit fetch http://HOST:PORT/) or a TLS one \
         (try --tls)\n"
    );
}

/// A server that answers with an HTTP status line is an HTTP server: said so, exit 8
/// (curl's weird server reply) instead of printing the status line as a greeting.
#[test]
fn an_http_server_is_named_and_exits_8() {
    let http = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = http.local_addr().unwrap().to_string();
    let serving = std::thread::spawn(move || {
        use std::io::Write;
        let (mut conn, _) = http.accept().unwrap();
        let _ = conn.write_all(b"HTTP/1.1 408 Request Timeout\r\nConnection: close\r\n\r\n");
    });
    let (code, stderr) = client_of(&addr, &[]);
    assert_eq!(code, Some(8), "{stderr}");
    assert_eq!(
        stderr,
        "sockit: the server answered \"HTTP/1.1 408 Request Timeout\": it speaks HTTP, not \
         the hello protocol (for a web page, use sockit fetch)\n"
    );
    serving.join().unwrap();
}

/// A server with the tutorial's chunk framing greets `Welcome!` without a newline: a line
/// client waits in vain, and says to try `--framing chunk`, which then works.
#[test]
fn a_chunk_framing_server_gets_the_framing_hint() {
    let (_server, addr) = spawn_server(&["-q", "--framing", "chunk"]);
    let addr = addr.to_string();
    let (code, stderr) = client_of(&addr, &[]);
    assert_eq!(code, Some(28), "{stderr}");
    assert_eq!(
        stderr,
        "sockit: no newline within 300ms after \"Welcome!\"; the server may speak the \
         tutorial's chunk framing (try --framing chunk)\n"
    );
    let (code, stderr) = client_of(&addr, &["--framing", "chunk"]);
    assert_eq!(code, Some(0), "{stderr}");
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
