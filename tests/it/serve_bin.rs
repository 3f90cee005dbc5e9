//! `sockit serve` as a person runs it: the real binary, its log lines, signals, exit codes.

use crate::support::{sockit, spawn_server};
use std::io::{Read, Write};
use std::net::TcpStream;

fn connect(addr: std::net::SocketAddr) -> TcpStream {
    let c = TcpStream::connect(addr).unwrap();
    c.set_read_timeout(Some(crate::support::WAIT)).unwrap();
    c
}

/// SIGTERM closes the listener at once, lets an open connection finish, logs how many are
/// draining, and exits 0 once it has closed.
#[test]
fn sigterm_drains_and_exits_zero() {
    let (mut server, addr) = spawn_server(&[]);
    let mut c = connect(addr);
    let mut greeting = [0u8; 9];
    c.read_exact(&mut greeting).unwrap();
    server.wait_for_stderr("Accept new connection from 127.0.0.1:");
    server.signal("TERM");
    let draining = server.wait_for_stderr("Shutting down");
    assert!(draining.contains("1 connection(s) draining"), "{draining}");
    assert!(
        TcpStream::connect(addr).is_err(),
        "new connections are refused"
    );
    c.write_all(b"Sarah\nexit\n").unwrap();
    let mut rest = Vec::new();
    c.read_to_end(&mut rest).unwrap();
    assert_eq!(rest, b"Hello, Sarah!\n");
    let (status, log) = server.wait();
    assert_eq!(status.code(), Some(0), "{log}");
    assert!(log.contains("closed."), "{log}");
}

/// A second signal does not wait for connections: exit status 130.
#[test]
fn second_signal_exits_at_once() {
    let (mut server, addr) = spawn_server(&["--grace", "1m"]);
    let _open = connect(addr);
    server.wait_for_stderr("Accept new connection");
    server.signal("INT");
    server.wait_for_stderr("Shutting down");
    server.signal("INT");
    let (status, _) = server.wait();
    assert_eq!(status.code(), Some(130));
}

/// A port already in use is one clear line and a non-zero exit, not a panic.
#[test]
fn port_in_use_is_a_clear_error() {
    let taken = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = taken.local_addr().unwrap().to_string();
    let out = sockit().args(["serve", "--bind", &addr]).output().unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(1));
    assert!(
        stderr.contains(&format!(
            "sockit: cannot listen on {addr}: address already in use (is another server running?)"
        )),
        "{stderr}"
    );
    assert!(!stderr.contains("panicked"), "{stderr}");
}

/// A malformed address says which forms are expected; exit 2 (usage).
#[test]
fn malformed_address_says_what_is_expected() {
    let out = sockit()
        .args(["serve", "--bind", "localhost"])
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2));
    assert!(stderr.contains("expected HOST:PORT"), "{stderr}");
}

/// `-q` drops the per-connection lines but keeps the rest of the log.
#[test]
fn quiet_drops_per_connection_lines() {
    let (mut server, addr) = spawn_server(&["-q"]);
    let mut c = connect(addr);
    c.write_all(b"exit\n").unwrap();
    let mut all = Vec::new();
    c.read_to_end(&mut all).unwrap();
    server.signal("TERM");
    let (status, log) = server.wait();
    assert_eq!(status.code(), Some(0));
    assert!(!log.contains("Accept new connection"), "{log}");
    assert!(log.contains("Server stopped."), "{log}");
}

/// Both the binary's client and server agree on the tutorial's transcript.
#[test]
fn binary_client_prints_the_transcript() {
    let (_server, addr) = spawn_server(&[]);
    let out = sockit()
        .args([
            "client",
            "--addr",
            &addr.to_string(),
            "Michael",
            "Tracy",
            "Sarah",
        ])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0));
    assert_eq!(
        String::from_utf8_lossy(&out.stdout),
        "Welcome!\nHello, Michael!\nHello, Tracy!\nHello, Sarah!\n"
    );
}

/// stdin lines are pipelined and every reply printed in order.
#[test]
fn binary_client_pipelines_stdin() {
    let (_server, addr) = spawn_server(&["-q"]);
    let mut cmd = sockit();
    cmd.args(["client", "--addr", &addr.to_string()])
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped());
    let mut child = cmd.spawn().unwrap();
    let mut stdin = child.stdin.take().unwrap();
    let writer = std::thread::spawn(move || {
        for i in 0..50_000 {
            writeln!(stdin, "n{i}").unwrap();
        }
    });
    let out = child.wait_with_output().unwrap();
    writer.join().unwrap();
    assert_eq!(out.status.code(), Some(0));
    let text = String::from_utf8(out.stdout).unwrap();
    let mut lines = text.lines();
    assert_eq!(lines.next(), Some("Welcome!"));
    for i in 0..50_000 {
        assert_eq!(lines.next(), Some(format!("Hello, n{i}!").as_str()));
    }
    assert_eq!(lines.next(), None);
}

/// With a low open-file limit, --max-connections is capped to fit, with a warning saying so.
#[test]
fn max_connections_is_capped_to_the_fd_limit() {
    let bin = env!("CARGO_BIN_EXE_sockit");
    let mut cmd = std::process::Command::new("sh");
    cmd.args([
        "-c",
        &format!("ulimit -n 1000 && exec {bin} serve --bind 127.0.0.1:0 --max-connections 5000"),
    ]);
    let mut server = crate::support::ChildGuard::spawn(cmd);
    let warning = server.wait_for_stderr("--max-connections");
    let listeners = 1;
    let room = 1000
        - sockit::server::FD_RESERVE as usize
        - sockit::server::MAX_PENDING_REJECTS
        - listeners;
    assert!(
        warning.contains(&format!(
            "does not fit the open-file limit of 1000: capped to {room}"
        )),
        "{warning}"
    );
}

/// `localhost:PORT` listens on every address the name resolves to; each one answers.
#[test]
fn localhost_binds_every_address() {
    use std::net::ToSocketAddrs;
    let mut expected: Vec<std::net::IpAddr> = ("localhost", 0)
        .to_socket_addrs()
        .unwrap()
        .map(|a| a.ip())
        .collect();
    expected.dedup();
    let mut server = crate::support::ChildGuard::spawn({
        let mut cmd = sockit();
        cmd.args(["serve", "--bind", "localhost:0", "--threads", "1"]);
        cmd
    });
    for _ in 0..expected.len() {
        let addr = server.wait_for_listen_addr();
        assert!(expected.contains(&addr.ip()), "{addr} not in {expected:?}");
        let mut c = connect(addr);
        c.write_all(b"Tracy\nexit\n").unwrap();
        let mut all = Vec::new();
        c.read_to_end(&mut all).unwrap();
        assert_eq!(all, b"Welcome!\nHello, Tracy!\n", "{addr}");
    }
}

/// A reader that goes away (`sockit client | head -1`) ends the client quietly with status 0.
#[test]
fn closed_stdout_is_not_an_error() {
    use std::io::BufRead;
    let (_server, addr) = spawn_server(&["-q"]);
    let mut child = sockit()
        .args(["client", "--addr", &addr.to_string()])
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    let mut stdin = child.stdin.take().unwrap();
    let writer = std::thread::spawn(move || {
        for i in 0..200_000 {
            if writeln!(stdin, "n{i}").is_err() {
                return;
            }
        }
    });
    let mut stdout = std::io::BufReader::new(child.stdout.take().unwrap());
    let mut first = String::new();
    stdout.read_line(&mut first).unwrap();
    assert_eq!(first, "Welcome!\n");
    drop(stdout);
    let out = child.wait_with_output().unwrap();
    writer.join().unwrap();
    assert_eq!(out.status.code(), Some(0));
    assert_eq!(String::from_utf8_lossy(&out.stderr), "");
}

/// A connection limit of zero could serve nobody: refused at start with a clear line and the
/// usage code, told apart from a failure to listen (1).
#[test]
fn zero_max_connections_is_refused() {
    let out = sockit()
        .args(["serve", "--bind", "127.0.0.1:0", "--max-connections", "0"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert_eq!(
        String::from_utf8_lossy(&out.stderr).trim(),
        "sockit: --max-connections must be at least 1"
    );
}

/// Issue 11: `--bind unix:PATH` where a live server's accept queue is full used to block in
/// connect past every signal. The probe does not block: the server is seen as live, the bind
/// is refused with one line and exit 1, and its socket file stays.
#[test]
fn unix_bind_next_to_a_full_accept_queue_is_refused_at_once() {
    use socket2::{Domain, SockAddr, Socket, Type};
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("busy.sock");
    let live = Socket::new(Domain::UNIX, Type::STREAM, None).unwrap();
    live.bind(&SockAddr::unix(&path).unwrap()).unwrap();
    live.listen(0).unwrap();
    // Fill the queue: connect until a non-blocking connect would block.
    let mut queued = Vec::new();
    loop {
        let c = Socket::new(Domain::UNIX, Type::STREAM, None).unwrap();
        c.set_nonblocking(true).unwrap();
        match c.connect(&SockAddr::unix(&path).unwrap()) {
            Ok(()) => queued.push(c),
            Err(e) if e.kind() == std::io::ErrorKind::WouldBlock => break,
            Err(e) => panic!("filling the accept queue: {e}"),
        }
        assert!(queued.len() < 64, "the accept queue never filled");
    }
    let mut cmd = sockit();
    cmd.args(["serve", "--bind", &format!("unix:{}", path.display())]);
    let mut server = crate::support::ChildGuard::spawn(cmd);
    let (status, log) = server.wait();
    assert_eq!(
        status.code(),
        Some(sockit::exit::serve::CANNOT_LISTEN.into()),
        "{log}"
    );
    assert!(log.contains("another server is listening there"), "{log}");
    assert_eq!(log.trim().lines().count(), 1, "{log}");
    assert!(path.exists(), "the live server's socket file is left alone");
}
