//! `sockit bench`: every mode end to end against a server on loopback, and proof that wrong,
//! missing and reordered replies are caught and fail the run.

use std::io::{BufRead, BufReader, Write};
use std::net::{SocketAddr, TcpListener, TcpStream};
use std::process::{Command, Output, Stdio};
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

/// Runs the real binary with a bounded time, killing it if it overstays.
fn sockit_bench(args: &[&str]) -> Output {
    let child = Command::new(env!("CARGO_BIN_EXE_sockit"))
        .arg("bench")
        .args(args)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let guard = KillOnDrop(Some(child));
    guard.wait_with_timeout(Duration::from_secs(30))
}

/// Kills and reaps the child if the test ends (or panics) before it exits.
struct KillOnDrop(Option<std::process::Child>);

impl KillOnDrop {
    fn wait_with_timeout(mut self, limit: Duration) -> Output {
        let start = std::time::Instant::now();
        loop {
            let child = self.0.as_mut().unwrap();
            if child.try_wait().unwrap().is_some() {
                return self.0.take().unwrap().wait_with_output().unwrap();
            }
            assert!(
                start.elapsed() < limit,
                "sockit bench did not finish in {limit:?}"
            );
            thread::sleep(Duration::from_millis(20));
        }
    }
}

impl Drop for KillOnDrop {
    fn drop(&mut self) {
        if let Some(mut child) = self.0.take() {
            let _ = child.kill();
            let _ = child.wait();
        }
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
