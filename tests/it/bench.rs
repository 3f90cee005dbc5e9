//! `sockit bench`: every mode end to end against a server on loopback, and proof that wrong,
//! missing and reordered replies are caught and fail the run.

use crate::support::{self, ChildGuard, TestServer};
use sockit::bench::{BenchArgs, RunReport};
use sockit::protocol::Framing;
use sockit::server::Server;
use std::io::{BufRead, BufReader, Read, Write};
use std::net::{SocketAddr, TcpListener, TcpStream};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::thread;
use std::time::Duration;

/// What a [`Faulty`] server gets wrong.
#[derive(Clone, Copy)]
enum Fault {
    /// The third reply on each connection has a wrong byte.
    WrongByte,
    /// The third name on each connection gets no reply.
    DropThird,
    /// The second and third replies on each connection are swapped.
    SwapSecondAndThird,
}

/// A server on 127.0.0.1 written for one test: a thread per connection runs `serve` on it.
/// Stops accepting on drop.
pub(crate) struct Peer {
    pub(crate) addr: SocketAddr,
    stop: Arc<AtomicBool>,
}

impl Peer {
    pub(crate) fn start(serve: impl Fn(TcpStream) + Send + Sync + 'static) -> Peer {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let addr = listener.local_addr().unwrap();
        let stop = Arc::new(AtomicBool::new(false));
        let stopping = stop.clone();
        let serve = Arc::new(serve);
        thread::spawn(move || {
            for stream in listener.incoming() {
                if stopping.load(Ordering::SeqCst) {
                    break;
                }
                if let Ok(stream) = stream {
                    let serve = serve.clone();
                    thread::spawn(move || serve(stream));
                }
            }
        });
        Peer { addr, stop }
    }

    /// The address as `-a` takes it.
    pub(crate) fn addr(&self) -> String {
        self.addr.to_string()
    }
}

impl Drop for Peer {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::SeqCst);
        // Wakes the accept loop so it sees the flag.
        let _ = TcpStream::connect(self.addr);
    }
}

/// A hello server that answers correctly except for its fault.
struct Faulty;

impl Faulty {
    fn start(fault: Fault) -> Peer {
        Peer::start(move |stream| serve_faulty(stream, fault))
    }
}

fn serve_faulty(mut stream: TcpStream, fault: Fault) {
    let _ = stream.set_nodelay(true);
    let _ = stream.set_read_timeout(Some(Duration::from_secs(10)));
    if stream.write_all(b"Welcome!\n").is_err() {
        return;
    }
    let mut reader = BufReader::new(stream.try_clone().unwrap());
    let mut held: Option<Vec<u8>> = None;
    let mut line = Vec::new();
    for n in 1.. {
        line.clear();
        match reader.read_until(b'\n', &mut line) {
            Ok(0) | Err(_) => return,
            Ok(_) => {}
        }
        let name = line.strip_suffix(b"\n").unwrap_or(&line);
        if name == b"exit" {
            return;
        }
        let mut reply = [b"Hello, ", name, b"!\n"].concat();
        let third = n % 1000 == 3;
        match fault {
            Fault::WrongByte if third => reply[7] ^= 0x20,
            Fault::DropThird if third => continue,
            Fault::SwapSecondAndThird if n % 1000 == 2 => {
                held = Some(reply);
                continue;
            }
            _ => {}
        }
        let mut out = reply;
        if let Some(earlier) = held.take() {
            out.extend_from_slice(&earlier);
        }
        if stream.write_all(&out).is_err() {
            return;
        }
    }
}

/// What a finished `sockit bench` left behind.
pub(crate) struct Output {
    pub(crate) status: std::process::ExitStatus,
    pub(crate) stdout: Vec<u8>,
    pub(crate) stderr: Vec<u8>,
}

/// Runs the real binary to completion within the suite's bound (killed if it overstays).
pub(crate) fn sockit_bench(args: &[&str]) -> Output {
    let mut cmd = support::sockit();
    cmd.arg("bench").args(args);
    let mut child = ChildGuard::spawn(cmd);
    let (status, stderr) = child.wait();
    let mut stdout = Vec::new();
    child
        .child
        .stdout
        .take()
        .unwrap()
        .read_to_end(&mut stdout)
        .unwrap();
    Output {
        status,
        stdout,
        stderr: stderr.into_bytes(),
    }
}

pub(crate) fn json(output: &Output) -> serde_json::Value {
    serde_json::from_slice(&output.stdout).unwrap_or_else(|e| {
        panic!(
            "{e}: stdout {:?} stderr {:?}",
            String::from_utf8_lossy(&output.stdout),
            String::from_utf8_lossy(&output.stderr)
        )
    })
}

/// Asserts the run failed with one `sockit: ...` line on stderr.
pub(crate) fn assert_failed_with_one_line(output: &Output) {
    assert!(!output.status.success());
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(stderr.lines().count(), 1, "{stderr}");
    assert!(stderr.starts_with("sockit: "), "{stderr}");
}

/// A reply with one wrong byte is counted as wrong and the exit status is non-zero.
#[test]
fn wrong_reply_fails_the_run() {
    let server = Faulty::start(Fault::WrongByte);
    let addr = server.addr.to_string();
    let out = sockit_bench(&["-a", &addr, "-c", "2", "-d", "300ms", "--json"]);
    assert_failed_with_one_line(&out);
    let run = &json(&out)["runs"][0];
    assert!(run["errors"]["wrong"].as_u64().unwrap() >= 2, "{run}");
    assert!(run["messages"].as_u64().unwrap() > 2, "{run}");
}

/// A name that never gets its reply is counted as missing once the timeout passes.
#[test]
fn missing_reply_fails_the_run() {
    let server = Faulty::start(Fault::DropThird);
    let addr = server.addr.to_string();
    let out = sockit_bench(&[
        "-a",
        &addr,
        "-c",
        "1",
        "-d",
        "300ms",
        "--timeout",
        "200ms",
        "--json",
    ]);
    assert_failed_with_one_line(&out);
    let run = &json(&out)["runs"][0];
    assert!(run["errors"]["missing"].as_u64().unwrap() >= 1, "{run}");
}

/// Swapped replies on a pipelined connection are caught.
#[test]
fn reordered_replies_fail_the_run() {
    let server = Faulty::start(Fault::SwapSecondAndThird);
    let addr = server.addr.to_string();
    let out = sockit_bench(&[
        "-a", &addr, "-m", "pipeline", "--depth", "8", "-c", "1", "-d", "300ms", "--json",
    ]);
    assert_failed_with_one_line(&out);
    let run = &json(&out)["runs"][0];
    assert!(run["errors"]["total"].as_u64().unwrap() >= 2, "{run}");
}

/// The human table names the error kinds when a run fails.
#[test]
fn table_reports_errors() {
    let server = Faulty::start(Fault::WrongByte);
    let addr = server.addr.to_string();
    let out = sockit_bench(&["-a", &addr, "-c", "1", "-d", "200ms"]);
    assert_failed_with_one_line(&out);
    let table = String::from_utf8_lossy(&out.stdout);
    assert!(table.starts_with("mode"), "{table}");
    assert!(table.contains(" wrong, 0 missing"), "{table}");
}

/// Nothing listening: one line that names the address and what to check, non-zero exit.
#[test]
fn refused_connection_is_one_line() {
    let port = TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let addr = format!("127.0.0.1:{port}");
    let out = sockit_bench(&["-a", &addr, "-d", "100ms"]);
    assert_failed_with_one_line(&out);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains(&addr) && stderr.contains("is sockit serve running?"),
        "{stderr}"
    );
}

/// Pipeline with chunk framing cannot be checked, and says so instead of running.
#[test]
fn pipeline_with_chunk_framing_is_refused() {
    let server = Faulty::start(Fault::WrongByte);
    let addr = server.addr.to_string();
    let out = sockit_bench(&["-a", &addr, "-m", "pipeline", "--framing", "chunk"]);
    assert_failed_with_one_line(&out);
    assert!(String::from_utf8_lossy(&out.stderr).contains("--framing line"));
}

/// Runs the bench in-process with these flags and returns its one report.
pub(crate) async fn bench_in_process(args: &[&str]) -> RunReport {
    let argv = std::iter::once("bench").chain(args.iter().copied());
    let flags = <BenchArgs as clap::Parser>::parse_from(argv);
    let mut reports = sockit::bench::run(&flags).await.unwrap();
    assert_eq!(reports.len(), 1);
    reports.remove(0)
}

fn assert_clean(r: &RunReport) {
    assert_eq!(r.errors.total, 0, "{r:?}");
    assert!(r.messages > 0, "{r:?}");
    assert!(
        r.latency_us.max >= r.latency_us.p99 && r.latency_us.p99 > 0.0,
        "{r:?}"
    );
}

/// Lockstep against sockit serve: every reply checked, none wrong.
#[tokio::test]
async fn lockstep_against_sockit_serve() {
    let server = TestServer::default().await;
    let addr = server.endpoint.to_string();
    let r = bench_in_process(&["-a", &addr, "-c", "4", "-d", "200ms", "--warmup", "50ms"]).await;
    assert_clean(&r);
    server.stop().await;
}

/// Pipeline (depth 16) against sockit serve: every reply checked, in order.
#[tokio::test]
async fn pipeline_against_sockit_serve() {
    let server = TestServer::default().await;
    let addr = server.endpoint.to_string();
    let r = bench_in_process(&[
        "-a", &addr, "-m", "pipeline", "--depth", "16", "-c", "4", "-d", "200ms",
    ])
    .await;
    assert_clean(&r);
    assert_eq!(r.depth, Some(16));
    server.stop().await;
}

/// Churn against sockit serve: whole connections, greeting to close, each one checked.
#[tokio::test]
async fn churn_against_sockit_serve() {
    let server = TestServer::default().await;
    let addr = server.endpoint.to_string();
    let r = bench_in_process(&["-a", &addr, "-m", "churn", "-c", "4", "-d", "200ms"]).await;
    assert_clean(&r);
    server.stop().await;
}

/// Idle over two loopback source addresses: every connection held, and each answers after.
#[tokio::test]
async fn idle_over_two_source_addresses() {
    let server = TestServer::default().await;
    let addr = server.endpoint.to_string();
    let r = bench_in_process(&[
        "-a",
        &addr,
        "-m",
        "idle",
        "-c",
        "300",
        "--sources",
        "2",
        "-d",
        "100ms",
    ])
    .await;
    assert_clean(&r);
    assert_eq!(r.held, Some(300));
    assert_eq!(r.messages, 300);
    server.stop().await;
}

/// The tutorial's chunk framing: lockstep, churn and idle all check out against
/// `sockit serve --framing chunk`.
#[tokio::test]
async fn chunk_framing_modes() {
    let builder = Server::builder()
        .bind("127.0.0.1:0".parse().unwrap())
        .framing(Framing::Chunk);
    let server = TestServer::start(builder).await;
    let addr = server.endpoint.to_string();
    for mode in ["lockstep", "churn", "idle"] {
        let r = bench_in_process(&[
            "-a",
            &addr,
            "--framing",
            "chunk",
            "-m",
            mode,
            "-c",
            "3",
            "-d",
            "150ms",
        ])
        .await;
        assert_clean(&r);
    }
    server.stop().await;
}

/// A server on a Unix socket can be loaded too.
#[tokio::test]
async fn unix_socket() {
    let dir = tempfile::tempdir().unwrap();
    let bind = format!("unix:{}", dir.path().join("s.sock").display());
    let server = TestServer::start(Server::builder().bind(bind.parse().unwrap())).await;
    let addr = server.endpoint.to_string();
    let r = bench_in_process(&["-a", &addr, "-m", "pipeline", "-c", "2", "-d", "150ms"]).await;
    assert_clean(&r);
    server.stop().await;
}

/// The binary against the binary: a sweep prints one JSON run per connection count, draws
/// the chart, and exits 0.
#[cfg(feature = "plot")]
#[test]
fn binary_sweep_json_and_plot() {
    let (_server, addr) = support::spawn_server(&["-q"]);
    let addr = addr.to_string();
    let dir = tempfile::tempdir().unwrap();
    let svg = dir.path().join("sweep.svg");
    let svg_arg = svg.to_str().unwrap();
    let out = sockit_bench(&[
        "-a", &addr, "--sweep", "1,3", "-d", "150ms", "--json", "--plot", svg_arg, "--cpu", "0",
    ]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let runs = json(&out)["runs"].as_array().unwrap().clone();
    let conns: Vec<u64> = runs
        .iter()
        .map(|r| r["connections"].as_u64().unwrap())
        .collect();
    assert_eq!(conns, [1, 3]);
    assert!(runs.iter().all(|r| r["errors"]["total"] == 0), "{runs:?}");
    let chart = std::fs::read_to_string(&svg).unwrap();
    assert!(chart.starts_with("<svg") && chart.contains("p99 latency"));
}

/// Serves lines: `greeting` on accept, then `answer(line)` for each line, after `delay`.
fn serve_lines(
    stream: TcpStream,
    greeting: &[u8],
    delay: Duration,
    answer: impl Fn(&[u8]) -> Vec<u8>,
) {
    let _ = stream.set_nodelay(true);
    let mut writer = stream.try_clone().unwrap();
    if writer.write_all(greeting).is_err() {
        return;
    }
    let mut reader = BufReader::new(stream);
    let mut line = Vec::new();
    while matches!(reader.read_until(b'\n', &mut line), Ok(n) if n > 0) {
        let name = line.strip_suffix(b"\n").unwrap_or(&line);
        if name == b"exit" {
            return;
        }
        thread::sleep(delay);
        if writer.write_all(&answer(name)).is_err() {
            return;
        }
        line.clear();
    }
}

fn hello(name: &[u8]) -> Vec<u8> {
    [b"Hello, ", name, b"!\n"].concat()
}

/// Regression (issue 22): late replies are reported and the run exits 0 unless
/// `--fail-on-late`; and the counts add up: no more late replies than messages (a run once
/// reported "20 messages ... 25 late", counting the drain's replies as late but not as
/// messages).
#[test]
fn late_replies_are_reported_and_fail_only_when_asked() {
    let server = Peer::start(|s| serve_lines(s, b"Welcome!\n", Duration::from_millis(120), hello));
    let addr = server.addr();
    let flags = [
        "-a", &addr, "-c", "3", "-d", "700ms", "--late", "50ms", "--json",
    ];
    let out = sockit_bench(&flags);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "{stderr}");
    let run = &json(&out)["runs"][0];
    let (messages, late) = (
        run["messages"].as_u64().unwrap(),
        run["errors"]["late"].as_u64().unwrap(),
    );
    assert!(late > 0 && late <= messages, "{run}");
    assert_eq!(run["errors"]["total"], 0, "{run}");

    let out = sockit_bench(&[&flags[..], &["--fail-on-late"]].concat());
    assert_failed_with_one_line(&out);
    let run = &json(&out)["runs"][0];
    assert_eq!(run["errors"]["total"], run["errors"]["late"], "{run}");
}

/// `--greeting`, `--name` and `--reply` load a server that speaks another dialogue of the
/// same shape, and a server that greets nothing; a name with `{conn}` is checked per
/// connection.
#[test]
fn another_dialogue_is_checked() {
    let yo = |name: &[u8]| [b"Yo ", name, b"\n"].concat();
    let server = Peer::start(move |s| serve_lines(s, b"", Duration::ZERO, yo));
    let addr = server.addr();
    let out = sockit_bench(&[
        "-a",
        &addr,
        "-c",
        "2",
        "-d",
        "200ms",
        "--json",
        "--greeting",
        "none",
        "--name",
        "ann{conn}",
        "--reply",
        "Yo {name}",
    ]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(json(&out)["runs"][0]["messages"].as_u64().unwrap() > 0);

    // The same server with the default dialogue: every reply is wrong, and it says so.
    let out = sockit_bench(&["-a", &addr, "-c", "1", "-d", "200ms", "--greeting", "none"]);
    assert_failed_with_one_line(&out);
}

/// Against `sockit serve --greeting 'Hi there'`, bench with `--greeting 'Hi there'` runs
/// clean, and without it every connection fails with a hint naming the flag.
#[tokio::test]
async fn greeting_flag_matches_sockit_serve_greeting() {
    let builder = Server::builder()
        .bind("127.0.0.1:0".parse().unwrap())
        .greeting("Hi there");
    let server = TestServer::start(builder).await;
    let addr = server.endpoint.to_string();
    let r = bench_in_process(&[
        "-a",
        &addr,
        "-c",
        "2",
        "-d",
        "150ms",
        "--greeting",
        "Hi there",
    ])
    .await;
    assert_clean(&r);
    let r = bench_in_process(&["-a", &addr, "-c", "1", "-d", "150ms"]).await;
    let why = r.errors.first_failure.clone().unwrap_or_default();
    assert!(r.errors.failed > 0 && why.contains("--greeting"), "{r:?}");
    server.stop().await;
}

/// Issue 23: a server that greets `Welcome!` without a newline (the tutorial's framing)
/// gets a hint to use `--framing chunk`, not only "no reply in time".
#[test]
fn welcome_without_newline_hints_chunk_framing() {
    let server = Peer::start(|mut s| {
        let _ = s.write_all(b"Welcome!");
        let _ = s.read(&mut [0u8; 64]);
    });
    let addr = server.addr();
    let out = sockit_bench(&["-a", &addr, "-c", "1", "-d", "300ms", "--timeout", "200ms"]);
    assert_failed_with_one_line(&out);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("without a newline") && stderr.contains("--framing chunk"),
        "{stderr}"
    );
}

/// The README's command for the tutorial's own Python server (one second of sleep per
/// message) reports what it saw with exit 0: `--framing chunk --late 2s`.
#[test]
fn tutorial_server_with_late_allowance_exits_0() {
    if !support::require_tool("python3") {
        return;
    }
    let script =
        std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/it/tutorial/echo_server.py");
    let mut py = std::process::Command::new("python3");
    py.arg("-u").arg(script).arg("0");
    let mut server = ChildGuard::spawn(py);
    // Kept open to the end: the server prints a line per connection and would die of EPIPE.
    let mut stdout = BufReader::new(server.child.stdout.take().unwrap());
    let mut first = String::new();
    stdout.read_line(&mut first).unwrap();
    let port = first
        .trim()
        .strip_prefix("Waiting for connection on port ")
        .and_then(|p| p.strip_suffix("..."))
        .expect("the server prints its port");
    let addr = format!("127.0.0.1:{port}");
    let out = sockit_bench(&[
        "-a",
        &addr,
        "--framing",
        "chunk",
        "--late",
        "2s",
        "-c",
        "2",
        "-d",
        "2500ms",
        "--json",
    ]);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "{stderr}");
    let run = &json(&out)["runs"][0];
    assert!(run["messages"].as_u64().unwrap() >= 2, "{run}");
    assert_eq!(run["errors"]["total"], 0, "{run}");
    assert_eq!(run["errors"]["late"], 0, "{run}");
}
