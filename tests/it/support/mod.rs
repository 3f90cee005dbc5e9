//! Helpers shared by the integration tests: an in-process server on a loopback port chosen by
//! the OS, the real `sockit` binary as a child that is killed when the test ends (also on a
//! panic), and reads that give up after a bound instead of hanging the suite. For fetch:
//! the scripted HTTP(S) server (`http_server`), and `sockit fetch` run with a deadline
//! (`fetch_run`).

#![allow(dead_code)] // each test module uses its own subset

pub mod apache;
pub mod balancers;
pub mod caddy;
pub mod dns;
pub mod events;
pub mod fetch_run;
pub mod http_server;
pub mod nginx;
pub mod pki;
pub mod pty;
pub mod ranges;
pub mod recorder;
pub mod socks;
pub mod tinyproxy;
pub mod unbound;

use sockit::addr::Endpoint;
use sockit::server::{Builder, Server};
use std::io::{BufRead, BufReader, Write};
use std::net::SocketAddr;
use std::process::{Child, ChildStderr, Command, Stdio};
use std::sync::mpsc::{self, Receiver, RecvTimeoutError};
use std::time::{Duration, Instant};
use tokio::io::{AsyncRead, AsyncReadExt};
use tokio::net::TcpStream;
use tokio::sync::oneshot;
use tokio::task::JoinHandle;

/// The bound on any single wait in a test.
pub const WAIT: Duration = Duration::from_secs(10);

/// The variables curl (and sockit fetch) read proxies from.
pub const PROXY_VARS: [&str; 8] = [
    "http_proxy",
    "HTTP_PROXY",
    "https_proxy",
    "HTTPS_PROXY",
    "all_proxy",
    "ALL_PROXY",
    "no_proxy",
    "NO_PROXY",
];

/// The variables curl (and sockit fetch) read trust and TLS key logging from: the machine
/// the tests run on may set them (to its own bundle), so each test sets its own.
pub const TLS_VARS: [&str; 4] = [
    "CURL_CA_BUNDLE",
    "SSL_CERT_DIR",
    "SSL_CERT_FILE",
    "SSLKEYLOGFILE",
];

/// The test server's grace period: tests close their clients before stopping the server, so
/// only a test that leaves one open on purpose waits for it.
pub const GRACE: Duration = Duration::from_millis(500);

/// The test server's lingering close and close timeout, short so that a client that keeps its
/// socket open does not hold the server's shutdown for the production default of 2 s.
pub const LINGER: Duration = Duration::from_millis(100);
pub const CLOSE_TIMEOUT: Duration = Duration::from_millis(500);

/// A server builder with the test server's short timeouts and no address.
pub fn quick() -> Builder {
    Server::builder()
        .grace(GRACE)
        .linger(LINGER)
        .close_timeout(CLOSE_TIMEOUT)
}

/// A server builder bound to 127.0.0.1 on a port the OS chooses, with short timeouts.
pub fn loopback() -> Builder {
    quick().bind("127.0.0.1:0".parse().unwrap())
}

/// A server running in this process; stopped (and awaited) by [`TestServer::stop`].
pub struct TestServer {
    pub endpoint: Endpoint,
    stop: Option<oneshot::Sender<()>>,
    task: Option<JoinHandle<anyhow::Result<()>>>,
}

impl TestServer {
    /// Starts `builder` (with `quiet` on and 127.0.0.1:0 if no address was set).
    pub async fn start(builder: Builder) -> TestServer {
        let server = builder.quiet(true).listen().await.expect("server binds");
        Self::run(server)
    }

    /// Starts `builder` with its log on, for a test that waits for what it logs
    /// ([`events::Events`]).
    pub async fn start_logged(builder: Builder) -> TestServer {
        let server = builder.quiet(false).listen().await.expect("server binds");
        Self::run(server)
    }

    /// Starts the default server on 127.0.0.1 with an ephemeral port.
    pub async fn default() -> TestServer {
        Self::start(loopback()).await
    }

    pub fn run(server: Server) -> TestServer {
        let endpoint = server.local_endpoints()[0].clone();
        let (stop, stopped) = oneshot::channel();
        let task = tokio::spawn(server.run(async move {
            let _ = stopped.await;
        }));
        TestServer {
            endpoint,
            stop: Some(stop),
            task: Some(task),
        }
    }

    pub fn addr(&self) -> SocketAddr {
        match &self.endpoint {
            Endpoint::Tcp(addr) => *addr,
            Endpoint::Unix(_) => panic!("not a TCP server"),
        }
    }

    pub async fn connect(&self) -> TcpStream {
        let stream = tokio::time::timeout(WAIT, TcpStream::connect(self.addr()))
            .await
            .expect("connect in time")
            .expect("connect");
        stream.set_nodelay(true).unwrap();
        stream
    }

    /// Starts a graceful shutdown and waits for it to finish.
    pub async fn stop(mut self) {
        let _ = self.stop.take().unwrap().send(());
        let task = self.task.take().unwrap();
        tokio::time::timeout(WAIT * 2, task)
            .await
            .expect("server stops in time")
            .expect("server task")
            .expect("server result");
    }
}

impl Drop for TestServer {
    fn drop(&mut self) {
        if let Some(task) = &self.task {
            task.abort();
        }
    }
}

/// Reads until the peer closes, within [`WAIT`].
pub async fn read_to_end<R: AsyncRead + Unpin>(r: &mut R) -> Vec<u8> {
    let mut out = Vec::new();
    tokio::time::timeout(WAIT, r.read_to_end(&mut out))
        .await
        .expect("peer closes in time")
        .expect("read");
    out
}

/// Reads exactly `n` bytes within [`WAIT`].
pub async fn read_exact<R: AsyncRead + Unpin>(r: &mut R, n: usize) -> Vec<u8> {
    let mut out = vec![0; n];
    tokio::time::timeout(WAIT, r.read_exact(&mut out))
        .await
        .expect("bytes arrive in time")
        .expect("read");
    out
}

/// Reads one `\n`-terminated line (byte by byte, so nothing after it is consumed).
pub async fn read_line<R: AsyncRead + Unpin>(r: &mut R) -> Vec<u8> {
    let mut line = Vec::new();
    let read = async {
        let mut byte = [0u8; 1];
        loop {
            if r.read(&mut byte).await.expect("read") == 0 {
                return;
            }
            line.push(byte[0]);
            if byte[0] == b'\n' {
                return;
            }
        }
    };
    tokio::time::timeout(WAIT, read)
        .await
        .expect("line arrives in time");
    line
}

/// The real `sockit` binary.
pub fn sockit() -> Command {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_sockit"));
    cmd.env_remove("RUST_LOG");
    cmd
}

/// A child process that is killed and reaped when dropped.
pub struct ChildGuard {
    pub child: Child,
    pub stderr: Option<BufReader<ChildStderr>>,
    /// stderr's lines, read by a thread once a test waits for one, so that a wait has a
    /// deadline even when the child prints nothing.
    lines: Option<Receiver<String>>,
}

impl ChildGuard {
    /// Spawns `cmd` with stdin from /dev/null and stdout and stderr piped.
    pub fn spawn(cmd: Command) -> ChildGuard {
        Self::spawn_with_stdin(cmd, Stdio::null())
    }

    /// Spawns `cmd` with `stdin` (`Stdio::piped()` to write to it) and stdout and stderr piped.
    pub fn spawn_with_stdin(mut cmd: Command, stdin: Stdio) -> ChildGuard {
        let mut child = cmd
            .stdin(stdin)
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .expect("spawn");
        let stderr = child.stderr.take().map(BufReader::new);
        ChildGuard {
            child,
            stderr,
            lines: None,
        }
    }

    /// Reads stderr lines until one contains `needle`, within [`WAIT`]; returns that line.
    pub fn wait_for_stderr(&mut self, needle: &str) -> String {
        self.wait_for_stderr_within(needle, WAIT)
    }

    /// Reads stderr lines until one contains `needle`; panics if none has come after
    /// `bound`, even if the child is silent, or if the child ends first.
    pub fn wait_for_stderr_within(&mut self, needle: &str, bound: Duration) -> String {
        let deadline = Instant::now() + bound;
        let lines = self.stderr_lines();
        loop {
            match lines.recv_timeout(deadline.saturating_duration_since(Instant::now())) {
                Ok(line) if line.contains(needle) => return line,
                Ok(_) => {}
                Err(RecvTimeoutError::Timeout) => panic!("no {needle:?} on stderr in {bound:?}"),
                Err(RecvTimeoutError::Disconnected) => {
                    panic!("process ended before printing {needle:?}")
                }
            }
        }
    }

    /// stderr as a channel of lines, fed by a thread that ends when the child's stderr closes.
    fn stderr_lines(&mut self) -> &Receiver<String> {
        if self.lines.is_none() {
            let mut stderr = self.stderr.take().expect("stderr is piped");
            let (send, lines) = mpsc::channel();
            std::thread::spawn(move || {
                let mut line = String::new();
                while matches!(stderr.read_line(&mut line), Ok(n) if n > 0) {
                    if send.send(std::mem::take(&mut line)).is_err() {
                        return;
                    }
                }
            });
            self.lines = Some(lines);
        }
        self.lines.as_ref().expect("set above")
    }

    /// Waits for the next `Waiting for connection on ADDR...` log line (text or JSON);
    /// returns ADDR (without the `tls:` of a TLS listener).
    pub fn wait_for_listen_addr(&mut self) -> SocketAddr {
        let line = self.wait_for_stderr("Waiting for connection on ");
        line.split("Waiting for connection on ")
            .nth(1)
            .and_then(|rest| rest.split_once("...").map(|(addr, _)| addr))
            .map(|addr| addr.strip_prefix("tls:").unwrap_or(addr))
            .expect("address in the log line")
            .parse()
            .expect("socket address")
    }

    /// Waits for the `--metrics` endpoint's log line and returns the address it serves on.
    pub fn wait_for_metrics_addr(&mut self) -> SocketAddr {
        let line = self.wait_for_stderr("Serving metrics on http://");
        line.split("http://")
            .nth(1)
            .and_then(|rest| rest.split('/').next())
            .and_then(|addr| addr.parse().ok())
            .unwrap_or_else(|| panic!("no address in {line:?}"))
    }

    /// The child's process id.
    pub fn pid(&self) -> u32 {
        self.child.id()
    }

    /// Sends a signal with kill(1), which keeps the tests free of unsafe code.
    pub fn signal(&self, sig: &str) {
        let status = Command::new("kill")
            .args([&format!("-{sig}"), &self.child.id().to_string()])
            .status()
            .expect("kill runs");
        assert!(status.success());
    }

    /// Waits for the process to exit within [`WAIT`]; returns its status and remaining stderr.
    pub fn wait(&mut self) -> (std::process::ExitStatus, String) {
        self.wait_within(WAIT)
    }

    /// [`ChildGuard::wait`] with another bound. The child's end is seen as the end of its
    /// stderr (the thread reading it hangs up), then reaped.
    pub fn wait_within(&mut self, bound: Duration) -> (std::process::ExitStatus, String) {
        let deadline = Instant::now() + bound;
        let lines = self.stderr_lines();
        let mut rest = String::new();
        loop {
            match lines.recv_timeout(deadline.saturating_duration_since(Instant::now())) {
                Ok(line) => rest.push_str(&line),
                Err(RecvTimeoutError::Disconnected) => break,
                Err(RecvTimeoutError::Timeout) => panic!("process did not exit in time"),
            }
        }
        let status = self.child.wait().expect("wait");
        (status, rest)
    }
}

impl Drop for ChildGuard {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Starts `sockit serve` with `args` on an ephemeral port; returns the child and its address.
pub fn spawn_server(args: &[&str]) -> (ChildGuard, SocketAddr) {
    let mut cmd = sockit();
    cmd.arg("serve").args(args);
    if !args.contains(&"--bind") {
        cmd.args(["--bind", "127.0.0.1:0"]);
    }
    let mut child = ChildGuard::spawn(cmd);
    let addr = child.wait_for_listen_addr();
    (child, addr)
}

/// Whether the test may use `name`, an external program looked up on `PATH`. When it is
/// missing the test is skipped with a line saying so, except under `CI=true`, where .ci/run
/// has installed every tool and a missing one fails the test instead of passing it unrun.
pub fn require_tool(name: &str) -> bool {
    require(on_path(name), name)
}

/// Whether `name` is a program on `PATH`.
pub fn on_path(name: &str) -> bool {
    let path = std::env::var_os("PATH").unwrap_or_default();
    std::env::split_paths(&path).any(|dir| dir.join(name).is_file())
}

/// [`require_tool`] for a tool found some other way: `installed` says whether it was.
pub fn require(installed: bool, name: &str) -> bool {
    require_all(&[(installed, name)])
}

/// [`require`] for a test that needs several peers: the skip line names the missing ones.
pub fn require_all(peers: &[(bool, &str)]) -> bool {
    let missing: Vec<&str> = peers
        .iter()
        .filter(|(installed, _)| !installed)
        .map(|(_, name)| *name)
        .collect();
    skip_unless(
        missing.is_empty(),
        &not_installed(&missing),
        &format!("{}; .ci/run installs them", not_installed(&missing)),
    )
}

/// "nginx is not installed", "nginx and haproxy are not installed".
fn not_installed(names: &[&str]) -> String {
    match names {
        [] => String::new(),
        [one] => format!("{one} is not installed"),
        [init @ .., last] => format!("{} and {last} are not installed", init.join(", ")),
    }
}

/// `bound`, the result of binding something to `[::1]`, when this machine has an IPv6
/// loopback; `None` (and the test skipped) when it has not. A machine property rather than a
/// tool, but CI machines have one, so under `CI=true` its absence fails the test too.
pub fn require_ipv6_loopback<T>(bound: Option<T>) -> Option<T> {
    let ok = skip_unless(
        bound.is_some(),
        "this machine has no IPv6 loopback",
        "an IPv6 loopback (::1) is required",
    );
    bound.filter(|_| ok)
}

fn skip_unless(ok: bool, skipped: &str, required: &str) -> bool {
    if ok {
        return true;
    }
    assert!(
        std::env::var("CI").as_deref() != Ok("true"),
        "CI=true: {required}"
    );
    skip(skipped);
    false
}

/// Says that the running test checked nothing because of `why`, where the person running
/// `cargo test` sees it: libtest captures only the `print!` family, so the line goes to the
/// stderr file itself, and the run ends with a count of the skips (see [`skips`]).
pub fn skip(why: &str) {
    let thread = std::thread::current();
    let test = thread.name().unwrap_or("a test");
    let line = format!("skipped: {test} - {why}\n");
    let _ = std::io::stderr().write_all(line.as_bytes());
    skips::record(&line);
}

/// The count of skipped tests at the end of the run. libtest has no hook at its end, so the
/// first skip starts a small `sh` that is handed each skip line on a pipe; when the test
/// binary exits, the pipe closes and the shell prints the count and the reasons on the same
/// stderr, then exits itself.
mod skips {
    use std::io::Write;
    use std::process::{ChildStdin, Command, Stdio};
    use std::sync::{Mutex, OnceLock};

    /// The shell's stdin, for the whole run; `None` if the shell could not start.
    static TALLY: OnceLock<Mutex<Option<ChildStdin>>> = OnceLock::new();

    /// Counts the lines, then prints the total and how many skipped for each reason.
    const SUMMARY: &str = r#"
        lines=$(cat)
        [ -n "$lines" ] || exit 0
        n=$(printf '%s\n' "$lines" | wc -l)
        if [ "$n" = 1 ]; then tests="1 test"; else tests="$n tests"; fi
        {
            printf '\n%s skipped, checking nothing:\n' "$tests"
            printf '%s\n' "$lines" | sed 's/^skipped: [^ ]* - //' | sort | uniq -c
        } >&2
    "#;

    /// Hands one skip line to the shell that counts them.
    pub fn record(line: &str) {
        let tally = TALLY.get_or_init(|| {
            let shell = Command::new("sh")
                .args(["-c", SUMMARY])
                .stdin(Stdio::piped())
                .stdout(Stdio::null())
                .spawn();
            Mutex::new(shell.ok().and_then(|mut child| child.stdin.take()))
        });
        if let Some(stdin) = tally.lock().unwrap().as_mut() {
            let _ = stdin.write_all(line.as_bytes());
        }
    }
}

/// A loopback address whose SYNs go unanswered: a listener with a backlog of 0, its queue
/// filled by one connection, drops further SYNs. Keep the returned sockets alive.
pub fn black_hole() -> (SocketAddr, socket2::Socket, std::net::TcpStream) {
    use socket2::{Domain, Socket, Type};
    let socket = Socket::new(Domain::IPV4, Type::STREAM, None).unwrap();
    socket
        .bind(&"127.0.0.1:0".parse::<SocketAddr>().unwrap().into())
        .unwrap();
    socket.listen(0).unwrap();
    let addr = socket.local_addr().unwrap().as_socket().unwrap();
    let filler = std::net::TcpStream::connect_timeout(&addr, WAIT).unwrap();
    (addr, socket, filler)
}

/// A loopback address where nothing listens: connecting is refused at once.
pub fn refusing() -> SocketAddr {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    listener.local_addr().unwrap()
}

/// A TCP socket's kernel queues: bytes not yet acknowledged by the peer, and bytes received
/// but not yet read.
pub struct Queues {
    pub send: usize,
    pub receive: usize,
}

/// The queues of the IPv4 loopback socket from `local` to `remote`, from `/proc/net/tcp`.
pub fn queues(local: SocketAddr, remote: SocketAddr) -> Queues {
    find_queues(local, remote)
        .unwrap_or_else(|| panic!("no socket {local} -> {remote} in /proc/net/tcp"))
}

/// [`queues`], `None` when there is no such socket. Only the line of that socket is parsed:
/// on a machine where other test runs hold 20,000 sockets, parsing the whole table took
/// long enough for a 5 s timeout to pass between two looks.
fn find_queues(local: SocketAddr, remote: SocketAddr) -> Option<Queues> {
    let table = std::fs::read_to_string("/proc/net/tcp").expect("read /proc/net/tcp");
    let (local, remote) = (
        format!("0100007F:{:04X}", local.port()),
        format!("0100007F:{:04X}", remote.port()),
    );
    let parse = |q: &str| usize::from_str_radix(q, 16).ok();
    table
        .lines()
        .filter_map(|line| line.split_once(": ").map(|(_, rest)| rest))
        .filter(|rest| rest.starts_with(local.as_str()))
        .map(|rest| rest.split_whitespace().collect::<Vec<_>>())
        .filter(|f| f.len() > 3 && f[0] == local && f[1] == remote)
        // A socket in TIME_WAIT (state 06) with the same ports, from an earlier connection,
        // stands for this one only when there is no other.
        .min_by_key(|f| f[2] == "06")
        .and_then(|f| {
            let (send, receive) = f[3].split_once(':')?;
            Some(Queues {
                send: parse(send)?,
                receive: parse(receive)?,
            })
        })
}

/// Every IPv4 TCP socket's queues, by (local port, remote port), from one read of
/// `/proc/net/tcp`. A socket in TIME_WAIT (state 06) never replaces another of the same two
/// port numbers: with the tens of thousands a busy machine keeps, one whose ports were
/// reused in the other role replaced the live socket a test asked about with empty queues.
/// (One still counts when it is the only one: a server that read and closed leaves it.)
pub fn queue_table() -> std::collections::HashMap<(u16, u16), Queues> {
    let table = std::fs::read_to_string("/proc/net/tcp").expect("read /proc/net/tcp");
    let port = |field: &str| {
        let hex = field.rsplit(':').next().expect("ADDR:PORT");
        u16::from_str_radix(hex, 16).expect("hex port")
    };
    let parse = |q: &str| usize::from_str_radix(q, 16).expect("hex queue length");
    table
        .lines()
        .skip(1)
        .map(|line| line.split_whitespace().collect::<Vec<_>>())
        .filter(|f| f.len() > 4)
        .fold(std::collections::HashMap::new(), |mut table, f| {
            let (send, receive) = f[4].split_once(':').expect("tx_queue:rx_queue");
            let queues = Queues {
                send: parse(send),
                receive: parse(receive),
            };
            let key = (port(f[1]), port(f[2]));
            if f[3] != "06" || !table.contains_key(&key) {
                table.insert(key, queues);
            }
            table
        })
}

/// The skip line names only the missing peers, with a verb that agrees (the bug: "haproxy,
/// nginx and libnginx-mod-stream is not installed" when all three were meant, or only one
/// was missing).
#[test]
fn skip_lines_name_the_missing_peers() {
    assert_eq!(not_installed(&["nginx"]), "nginx is not installed");
    assert_eq!(
        not_installed(&["haproxy", "nginx", "libnginx-mod-stream"]),
        "haproxy, nginx and libnginx-mod-stream are not installed"
    );
}

/// A port on 127.0.0.1 that nothing listened on (TCP or UDP) a moment ago and that this
/// process never handed out before, for a peer that must be told its port in a config file
/// (nginx, tinyproxy, stunnel, SOCKS servers, caddy): a caller retries in the rare case
/// another process takes it first. The kernel may give the same ephemeral port to two
/// tests running side by side; peers that bind with SO_REUSEPORT (caddy does) would then
/// share it silently and answer each other's clients, hence the process-wide record.
pub fn free_port() -> u16 {
    static GIVEN: std::sync::Mutex<Vec<u16>> = std::sync::Mutex::new(Vec::new());
    loop {
        let tcp = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        let port = tcp.local_addr().unwrap().port();
        let udp_free = std::net::UdpSocket::bind(("127.0.0.1", port)).is_ok();
        let mut given = GIVEN.lock().unwrap_or_else(|e| e.into_inner());
        if udp_free && !given.contains(&port) {
            given.push(port);
            return port;
        }
    }
}

/// Waits, within [`WAIT`], until the server end of `client` (a connection over IPv4 loopback)
/// has read every byte sent to it: its kernel receive queue is empty. On loopback a write has
/// reached the peer's socket by the time it returns, so this is how a test makes each piece
/// of its input arrive in a read of its own, without guessing how long the server takes.
/// (The client's unacknowledged bytes are no help: delayed ACKs hold them for 30-170 ms.)
pub async fn wait_until_read(client: &TcpStream) {
    let local = client.local_addr().unwrap();
    let remote = client.peer_addr().unwrap();
    let unread = || find_queues(remote, local).map(|q| q.receive);
    let what = format!("the server to read what {local} sent");
    wait_for_the_kernel(&what, || unread() == Some(0)).await;
}

/// Waits, within [`WAIT`], until `done` says the kernel's sockets are as a test needs them.
/// The kernel gives no notification of a peer's read, so its queues are looked at, ever less
/// often (from 50 us, doubling, to 10 ms apart).
pub async fn wait_for_the_kernel(what: &str, mut done: impl FnMut() -> bool) {
    let deadline = Instant::now() + WAIT;
    let mut pause = Duration::from_micros(50);
    while !done() {
        assert!(Instant::now() < deadline, "waited {WAIT:?} for {what}");
        tokio::time::sleep(pause).await;
        pause = (pause * 2).min(Duration::from_millis(10));
    }
}
