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

/// A hello server on 127.0.0.1 that answers correctly except for its fault; stops on drop.
struct Faulty {
    addr: SocketAddr,
    stop: Arc<AtomicBool>,
}

impl Faulty {
    fn start(fault: Fault) -> Faulty {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let addr = listener.local_addr().unwrap();
        let stop = Arc::new(AtomicBool::new(false));
        let stopping = stop.clone();
        thread::spawn(move || {
            for stream in listener.incoming() {
                if stopping.load(Ordering::SeqCst) {
                    break;
                }
                if let Ok(stream) = stream {
                    thread::spawn(move || serve_faulty(stream, fault));
                }
            }
        });
        Faulty { addr, stop }
    }
}

impl Drop for Faulty {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::SeqCst);
        // Wakes the accept loop so it sees the flag.
        let _ = TcpStream::connect(self.addr);
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
struct Output {
    status: std::process::ExitStatus,
    stdout: Vec<u8>,
    stderr: Vec<u8>,
}

/// Runs the real binary to completion within the suite's bound (killed if it overstays).
fn sockit_bench(args: &[&str]) -> Output {
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

fn json(output: &Output) -> serde_json::Value {
    serde_json::from_slice(&output.stdout).unwrap_or_else(|e| {
        panic!(
            "{e}: stdout {:?} stderr {:?}",
            String::from_utf8_lossy(&output.stdout),
            String::from_utf8_lossy(&output.stderr)
        )
    })
}

/// Asserts the run failed with one `sockit: ...` line on stderr.
fn assert_failed_with_one_line(output: &Output) {
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
async fn bench_in_process(args: &[&str]) -> RunReport {
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
