//! What every subcommand shares: exit codes and the `sockit: ` line, a closed stdout, the
//! completion scripts and the man page, all from the real binary.

use crate::support::{sockit, spawn_server, ChildGuard};
use std::io::{Read, Write};
use std::process::{Command, ExitStatus};
use std::time::Duration;

/// Runs `cmd` with its stdout a pipe whose reader has already gone away, within the suite's
/// bound; returns the status and stderr.
fn with_closed_stdout(cmd: Command) -> (ExitStatus, String) {
    let mut child = ChildGuard::spawn(cmd);
    drop(child.child.stdout.take());
    child.wait()
}

/// Asserts a run ended quietly with 0.
fn assert_quiet_success((status, stderr): (ExitStatus, String)) {
    assert_eq!(status.code(), Some(0), "{stderr}");
    assert!(!stderr.contains("panicked"), "{stderr}");
    assert!(!stderr.contains("sockit: "), "{stderr}");
}

fn sockit_with(args: &[&str]) -> Command {
    let mut cmd = sockit();
    cmd.args(args);
    cmd
}

/// Completions and the man page go to a reader that went away: exit 0, nothing on stderr.
#[test]
fn generated_text_to_a_closed_stdout_is_not_an_error() {
    assert_quiet_success(with_closed_stdout(sockit_with(&["completions", "bash"])));
    assert_quiet_success(with_closed_stdout(sockit_with(&["man"])));
    assert_quiet_success(with_closed_stdout(sockit_with(&["serve", "--help"])));
}

/// `sockit bench --json | true` (the bug: it panicked, exit 101) ends quietly with 0.
#[test]
fn bench_report_to_a_closed_stdout_is_not_an_error() {
    let (_server, addr) = spawn_server(&["-q"]);
    let addr = addr.to_string();
    for format in [&["--json"][..], &[]] {
        let mut cmd = sockit_with(&["bench", "-a", &addr, "-c", "2", "-d", "200ms"]);
        cmd.args(format);
        assert_quiet_success(with_closed_stdout(cmd));
    }
}

/// A client printing replies to a reader that went away ends quietly with 0.
#[test]
fn client_names_to_a_closed_stdout_is_not_an_error() {
    let (_server, addr) = spawn_server(&["-q"]);
    let names: Vec<String> = (0..2000).map(|i| format!("n{i}")).collect();
    let mut cmd = sockit_with(&["client", "-a", &addr.to_string()]);
    cmd.args(&names);
    assert_quiet_success(with_closed_stdout(cmd));
}

/// serve writes nothing to stdout (its log is on stderr), so a closed stdout changes
/// nothing: it serves and stops on SIGTERM with 0.
#[test]
fn serve_with_a_closed_stdout_serves_and_stops() {
    let mut server = ChildGuard::spawn(sockit_with(&["serve", "--bind", "127.0.0.1:0"]));
    drop(server.child.stdout.take());
    let addr = server.wait_for_listen_addr();
    let mut c = std::net::TcpStream::connect(addr).unwrap();
    c.set_read_timeout(Some(crate::support::WAIT)).unwrap();
    c.write_all(b"Sarah\nexit\n").unwrap();
    let mut transcript = Vec::new();
    c.read_to_end(&mut transcript).unwrap();
    assert_eq!(transcript, b"Welcome!\nHello, Sarah!\n");
    server.signal("TERM");
    let (status, log) = server.wait();
    assert_eq!(status.code(), Some(0), "{log}");
}

/// fetch writing a body to a reader that went away ends quietly with 0, as curl does.
#[test]
fn fetch_body_to_a_closed_stdout_is_not_an_error() {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let url = format!("http://{}/", listener.local_addr().unwrap());
    let serving = std::thread::spawn(move || {
        let (mut conn, _) = listener.accept().unwrap();
        conn.set_read_timeout(Some(crate::support::WAIT)).unwrap();
        let mut head = Vec::new();
        let mut byte = [0u8; 1];
        while !head.ends_with(b"\r\n\r\n") && conn.read(&mut byte).unwrap() == 1 {
            head.push(byte[0]);
        }
        let body = vec![b'x'; 4 << 20];
        let reply = format!("HTTP/1.1 200 OK\r\nContent-Length: {}\r\n\r\n", body.len());
        let _ = conn.write_all(reply.as_bytes());
        let _ = conn.write_all(&body);
    });
    assert_quiet_success(with_closed_stdout(sockit_with(&["fetch", &url])));
    serving.join().unwrap();
}

/// A bad flag is one `sockit: ` line (plus clap's usage hint) and exit 2, for every
/// subcommand; `--help` is not an error.
#[test]
fn usage_errors_exit_2_with_one_prefix() {
    for sub in ["serve", "client", "fetch", "bench", "completions"] {
        let out = sockit_with(&[sub, "--no-such-flag"]).output().unwrap();
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(2), "{sub}: {stderr}");
        assert!(
            stderr.starts_with("sockit: unexpected argument '--no-such-flag'"),
            "{sub}: {stderr}"
        );
    }
    let out = sockit_with(&["serve", "--grace", "soon"]).output().unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("500ms"));
    let out = sockit_with(&["--help"]).output().unwrap();
    assert_eq!(out.status.code(), Some(0));
    let out = sockit_with(&[]).output().unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("Usage: sockit <COMMAND>"));
}

/// Every shell's completions name each subcommand and their flags.
#[test]
fn completions_cover_every_subcommand() {
    for shell in ["bash", "zsh", "fish"] {
        let out = sockit_with(&["completions", shell]).output().unwrap();
        assert_eq!(out.status.code(), Some(0), "{shell}");
        let script = String::from_utf8_lossy(&out.stdout);
        for word in [
            "serve",
            "client",
            "fetch",
            "bench",
            "idle-timeout",
            "max-connections",
            "max-time",
            "connections",
            "json",
        ] {
            assert!(script.contains(word), "{shell} completions lack {word}");
        }
    }
}

/// `wait_for_stderr` gives up on a child that prints nothing instead of blocking forever.
#[test]
fn waiting_for_a_silent_child_has_a_deadline() {
    let mut silent = Command::new("sleep");
    silent.arg("30");
    let mut child = ChildGuard::spawn(silent);
    let started = std::time::Instant::now();
    let waited = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
        child.wait_for_stderr_within("never printed", Duration::from_millis(200))
    }));
    assert!(waited.is_err(), "the wait gave up");
    assert!(started.elapsed() < Duration::from_secs(5));
}

/// README's table of serve's flags lists exactly the flags `sockit serve --help` has, with
/// the same defaults.
#[test]
fn readme_serve_table_matches_the_help() {
    let readme = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/README.md"))
        .expect("README.md");
    let table = readme
        .split("## serve")
        .nth(1)
        .and_then(|s| s.split("\n\n| flag |").nth(1))
        .and_then(|s| s.split("\n\n").next())
        .expect("serve's flag table");
    let help = sockit_with(&["serve", "--help"]).output().unwrap();
    let help = String::from_utf8_lossy(&help.stdout).into_owned();
    let mut documented = Vec::new();
    for row in table.lines().skip(2) {
        let cells: Vec<&str> = row.split(" | ").collect();
        let flag = cells[0]
            .split_whitespace()
            .map(|w| w.trim_matches(|c| c == '`' || c == ','))
            .find(|w| w.starts_with("--"))
            .unwrap_or_else(|| panic!("no long flag in {row:?}"));
        let default = cells[1].trim_matches('`');
        let block = help_block(&help, flag);
        if !default.is_empty() && !default.contains(' ') {
            assert!(
                block.contains(&format!("[default: {default}]")),
                "README says {flag} defaults to {default}; --help says:\n{block}"
            );
        }
        documented.push(flag.to_owned());
    }
    for line in help.lines() {
        let Some(flag) = line.split_whitespace().find(|w| w.starts_with("--")) else {
            continue;
        };
        let flag = flag.trim_end_matches(',');
        if line.trim_start().starts_with('-') && !["--help", "--version"].contains(&flag) {
            assert!(documented.iter().any(|d| d == flag), "README lacks {flag}");
        }
    }
}

/// The lines of `--help` that describe `flag`.
fn help_block<'a>(help: &'a str, flag: &str) -> &'a str {
    let start = help
        .find(&format!("{flag} "))
        .or_else(|| help.find(&format!("{flag}\n")))
        .unwrap_or_else(|| panic!("--help lacks {flag}"));
    let rest = &help[start..];
    let end = rest[1..]
        .find("\n  -")
        .or_else(|| rest[1..].find("\n      --"))
        .map_or(rest.len(), |i| i + 1);
    &rest[..end]
}
