//! Lines over HTTP/2, against a real nginx (`support::nginx`) instead of the recorder, which
//! speaks HTTP/1.1 only: curl 7.88 and sockit run the same command line, and are compared on
//! stdout, the files left and the exit code (`-w`'s output is on stdout). The request bytes
//! are not compared (nginx records none); `date:` lines are, with the time taken out.

use crate::support::nginx::{find_nginx, Nginx, Port};
use crate::support::{require, require_tool, sockit, ChildGuard};
use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::io::Read;
use std::process::Command;
use std::time::Duration;

/// Files in the working directory before a run: (name, bytes).
type Files<'a> = Vec<(&'a str, &'a [u8])>;

/// The bound on one run of either tool.
const DEADLINE: Duration = Duration::from_secs(20);

/// The served files: a small binary one, text, and a second small one.
fn files() -> Vec<(&'static str, Vec<u8>)> {
    let text: Vec<u8> = (0..500)
        .flat_map(|i| format!("line {i}: the quick brown fox\n").into_bytes())
        .collect();
    let small: Vec<u8> = (0..4096u32).map(|i| (i * 7 % 251) as u8).collect();
    vec![
        ("text.txt", text),
        ("s.bin", small.clone()),
        ("t.bin", small),
    ]
}

/// sockit over HTTP/2 prints, writes and exits as curl does.
#[test]
fn http2_lines_are_curls() {
    let found = find_nginx();
    if !require(found.is_some(), "nginx") || !require_tool("curl") {
        return;
    }
    let _turn = super::TURN
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner);
    let files = files();
    let served: Vec<(&str, &[u8])> = files.iter().map(|(n, b)| (*n, b.as_slice())).collect();
    let nginx = Nginx::start(&found.expect("checked above"), &served);
    let (h2, h2c) = (nginx.url(Port::H2, ""), nginx.url(Port::H2c, ""));
    let first_100 = &files[1].1[..100];
    let table: Vec<(Vec<&str>, Files)> = vec![
        (vec!["-s", "{h2}/text.txt"], vec![]),
        (vec!["-s", "-i", "{h2}/s.bin"], vec![]),
        (vec!["-s", "-I", "{h2}/text.txt"], vec![]),
        (vec!["-s", "-D", "-", "-o", "f", "{h2}/s.bin"], vec![]),
        (
            vec![
                "-s",
                "-w",
                "%{http_version} %{http_code}",
                "-o",
                "f",
                "{h2}/s.bin",
            ],
            vec![],
        ),
        (
            vec![
                "-s",
                "--http1.1",
                "-w",
                "%{http_version}",
                "-i",
                "{h2}/s.bin",
            ],
            vec![],
        ),
        (vec!["-s", "-w", "%{http_code}", "{h2}/missing"], vec![]),
        (vec!["-s", "-f", "{h2}/missing"], vec![]),
        (
            vec!["-s", "-L", "-w", "%{num_redirects}", "{h2}/moved"],
            vec![],
        ),
        (vec!["-s", "-r", "10-19", "{h2}/s.bin"], vec![]),
        (vec!["-s", "--compressed", "-i", "{h2}/text.txt"], vec![]),
        (vec!["-s", "-O", "{h2}/s.bin"], vec![]),
        (
            vec!["-s", "-C", "100", "-o", "f", "{h2}/s.bin"],
            vec![("f", first_100)],
        ),
        (
            vec!["-s", "--max-filesize", "100", "-o", "f", "{h2}/s.bin"],
            vec![],
        ),
        (
            vec!["-s", "-Z", "--remote-name-all", "{h2}/s.bin", "{h2}/t.bin"],
            vec![],
        ),
        (
            vec![
                "-s",
                "-w",
                "%{num_connects}\n",
                "-o",
                "/dev/null",
                "{h2}/s.bin",
                "{h2}/t.bin",
            ],
            vec![],
        ),
        (
            vec!["-s", "--http2-prior-knowledge", "-i", "{h2c}/s.bin"],
            vec![],
        ),
        (
            vec![
                "-s",
                "--http2-prior-knowledge",
                "-w",
                "%{http_version}",
                "{h2c}/text.txt",
            ],
            vec![],
        ),
    ];
    let mut report = String::new();
    for (args, before) in &table {
        let args: Vec<String> = args
            .iter()
            .map(|a| a.replace("{h2c}", &h2c).replace("{h2}", &h2))
            .collect();
        let mut all = vec!["--cacert".to_string(), nginx.cacert()];
        all.extend(args.iter().cloned());
        let mut curl = Command::new("curl");
        curl.args(&all);
        let theirs = run(curl, before);
        let mut ours = sockit();
        ours.arg("fetch").args(&all);
        let mine = run(ours, before);
        if theirs != mine {
            let _ = writeln!(report, "{args:?}\n  curl:   {theirs:?}\n  sockit: {mine:?}");
        }
    }
    assert!(report.is_empty(), "sockit and curl differ:\n{report}");
}

/// What one run left: stdout (times taken out), the files, the exit code.
#[derive(Debug, PartialEq, Eq)]
pub(super) struct Outcome {
    pub(super) stdout: String,
    pub(super) files: BTreeMap<String, Vec<u8>>,
    pub(super) exit: i32,
}

/// Runs `cmd` in a fresh directory holding `before`, within [`DEADLINE`] (also for the
/// other lines that need a real server: `alt_svc.rs`).
pub(super) fn run(mut cmd: Command, before: &[(&str, &[u8])]) -> Outcome {
    let dir = tempfile::tempdir().unwrap();
    for (name, bytes) in before {
        std::fs::write(dir.path().join(name), bytes).unwrap();
    }
    super::isolate(&mut cmd, dir.path());
    let mut child = ChildGuard::spawn(cmd);
    let mut out = child.child.stdout.take().unwrap();
    let reader = std::thread::spawn(move || {
        let mut bytes = Vec::new();
        let _ = out.read_to_end(&mut bytes);
        bytes
    });
    let (status, _) = child.wait_within(DEADLINE);
    let stdout = String::from_utf8_lossy(&reader.join().unwrap()).into_owned();
    let mut files = BTreeMap::new();
    for entry in std::fs::read_dir(dir.path()).unwrap() {
        let path = entry.unwrap().path();
        let name = path.file_name().unwrap().to_string_lossy().into_owned();
        files.insert(name, std::fs::read(&path).unwrap());
    }
    Outcome {
        stdout: without_times(&stdout),
        files,
        exit: status.code().unwrap_or(-1),
    }
}

/// A line of the cache-file tables (`alt_svc.rs`, `hsts.rs`): the arguments, and the files
/// the run's directory starts with.
pub(super) type CacheLine<'a> = (Vec<String>, Vec<(&'a str, &'a [u8])>);

/// Runs each of `lines` with curl and with sockit (`--cacert CA` first), `mask` taking the
/// run's own times out of both outcomes, and fails with every line that differs; each line's
/// curl run must have written `f`.
pub(super) fn check_cache_lines(ca: &str, lines: &[CacheLine], mask: fn(Outcome) -> Outcome) {
    let mut report = String::new();
    for (args, before) in lines {
        let mut all = vec!["--cacert".to_string(), ca.to_string()];
        all.extend(args.iter().cloned());
        let mut curl = Command::new("curl");
        curl.args(&all);
        let theirs = mask(run(curl, before));
        let mut ours = sockit();
        ours.arg("fetch").args(&all);
        let mine = mask(run(ours, before));
        assert!(theirs.files.contains_key("f"), "{args:?}: {theirs:?}");
        if theirs != mine {
            let _ = writeln!(
                report,
                "{args:?}\n  curl:   {}\n  sockit: {}",
                summary(&theirs),
                summary(&mine)
            );
        }
    }
    assert!(report.is_empty(), "sockit and curl differ:\n{report}");
}

/// An outcome in a few lines: the exit code, stdout, each file's size and the cache's text.
fn summary(outcome: &Outcome) -> String {
    let files: Vec<String> = outcome
        .files
        .iter()
        .map(|(name, bytes)| match name.as_str() {
            "cache" => format!("cache: {:?}", String::from_utf8_lossy(bytes)),
            _ => format!("{name}: {} bytes", bytes.len()),
        })
        .collect();
    format!(
        "exit {} stdout {:?} {files:?}",
        outcome.exit, outcome.stdout
    )
}

/// `stdout` with each `date:` line's value taken out (the two runs straddle a second now
/// and then).
fn without_times(stdout: &str) -> String {
    stdout
        .split_inclusive('\n')
        .map(
            |line| match line.to_ascii_lowercase().starts_with("date: ") {
                true => "date: (now)\r\n",
                false => line,
            },
        )
        .collect()
}
