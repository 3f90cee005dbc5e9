//! The differential test against curl: each line of a table of command lines is run with the
//! real `curl` (7.88) and with the real `sockit fetch` against the same recording server
//! (`support::recorder`), and the two runs are compared on the request bytes (the default
//! User-Agent line aside), stdout, the files left in the working directory and the exit code.
//!
//! A line where sockit differs on purpose names the aspects that differ and why; they must
//! then really differ, so a note never outlives the difference it explains. A
//! line that differs for a reason not yet fixed is not in the table at all.
//!
//! The table is split by area (`requests.rs`, `responses.rs`, ...), each area one test with
//! its own server. The areas take turns, so the table keeps at most one curl or sockit
//! process running at a time on the shared 2-core machine, beside the suite's timing tests.

mod alt_svc;
mod auth;
mod conditional;
mod cookies;
mod dirs;
#[cfg(not(feature = "dns"))]
mod dns;
mod fail;
mod flags;
mod forms;
mod globs;
mod h2;
mod hsts;
mod multipart;
mod options;
mod out_flags;
mod outputs;
mod pace;
mod ranges;
mod requests;
mod responses;
mod routing;
mod scripts;
mod sigv4;
mod sockets;
mod tls;
mod trace;
mod tunnel;
mod wire;

use crate::support::recorder::Recorder;
use crate::support::{require_tool, sockit, ChildGuard, PROXY_VARS, TLS_VARS};
use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::io::{Read, Write};
use std::path::Path;
use std::process::{Command, Stdio};
use std::thread;
use std::time::Duration;

/// Held while an area runs its lines (see the module docs).
static TURN: std::sync::Mutex<()> = std::sync::Mutex::new(());

/// The bound on one run of either tool.
const DEADLINE: Duration = Duration::from_secs(20);

/// What the two runs are compared on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Aspect {
    /// The bytes sent to the server.
    Request,
    /// What was written on stdout.
    Stdout,
    /// The files in the working directory afterwards.
    Files,
    /// The exit code.
    Exit,
}

/// One command line of the table.
pub struct Line {
    /// The arguments after `curl` or `sockit fetch`; `{u}` stands for `http://127.0.0.1:PORT`,
    /// `{a}` for `127.0.0.1:PORT` and `{p}` for PORT (an area may add its own, see
    /// [`check_with`]).
    args: Vec<String>,
    /// Files in the working directory before the run.
    files: Vec<(&'static str, Vec<u8>)>,
    /// What the tool reads on stdin.
    stdin: Vec<u8>,
    /// The aspects where sockit differs on purpose, and why.
    differs: Option<(&'static [Aspect], &'static str)>,
}

/// A line running `args`.
pub fn line(args: &[&'static str]) -> Line {
    Line {
        args: args.iter().map(|a| a.to_string()).collect(),
        files: Vec::new(),
        stdin: Vec::new(),
        differs: None,
    }
}

/// A line written as a script writes it, split into arguments as sh splits them (quotes and
/// backslashes; no variables or globs).
pub fn sh(command: &str) -> Line {
    let args = shlex::split(command).unwrap_or_else(|| panic!("unbalanced quotes: {command}"));
    Line {
        args,
        files: Vec::new(),
        stdin: Vec::new(),
        differs: None,
    }
}

impl Line {
    /// With `name` holding `bytes` in the working directory before the run.
    pub fn file(mut self, name: &'static str, bytes: &[u8]) -> Line {
        self.files.push((name, bytes.to_vec()));
        self
    }

    /// With `bytes` on stdin.
    pub fn stdin(mut self, bytes: &[u8]) -> Line {
        self.stdin = bytes.to_vec();
        self
    }

    /// sockit differs from curl in `aspects` on purpose, for `reason`.
    pub fn differs(mut self, aspects: &'static [Aspect], reason: &'static str) -> Line {
        self.differs = Some((aspects, reason));
        self
    }
}

/// What one run of one tool did.
#[derive(Debug, PartialEq, Eq)]
struct Outcome {
    request: Vec<u8>,
    stdout: Vec<u8>,
    files: BTreeMap<String, Vec<u8>>,
    exit: i32,
}

impl Outcome {
    fn aspect(&self, aspect: Aspect) -> String {
        match aspect {
            Aspect::Request => shown(&self.request),
            Aspect::Stdout => shown(&self.stdout),
            Aspect::Files => format!(
                "{:?}",
                self.files
                    .iter()
                    .map(|(name, bytes)| (name, shown(bytes)))
                    .collect::<Vec<_>>()
            ),
            Aspect::Exit => self.exit.to_string(),
        }
    }
}

/// Bytes as an escaped string, cut short when long.
fn shown(bytes: &[u8]) -> String {
    let text = bytes.escape_ascii().to_string();
    match text.char_indices().nth(600) {
        Some((at, _)) => format!("{}...", &text[..at]),
        None => text,
    }
}

/// Runs every line with both tools against one recording server; panics listing every line
/// whose runs differ where the table says they agree.
pub fn check(table: Vec<Line>) {
    check_with(table, &[]);
}

/// [`check`], with each `(PLACEHOLDER, VALUE)` of `extra` replaced in the arguments too (the
/// address of a peer the area started, such as a SOCKS proxy).
pub fn check_with(table: Vec<Line>, extra: &[(&str, String)]) {
    if !require_tool("curl") {
        return;
    }
    check_on(&Recorder::start(), table, extra);
}

/// [`check_with`] against a recording server the area started itself (one that also
/// listens on a Unix socket, say); the caller has made sure curl is there.
pub fn check_on(server: &Recorder, table: Vec<Line>, extra: &[(&str, String)]) {
    let _turn = TURN
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner);
    let base = server.base();
    let mut report = String::new();
    for line in &table {
        let addr = server.addr.to_string();
        let port = server.addr.port().to_string();
        let args: Vec<String> = line
            .args
            .iter()
            .map(|a| {
                let a = a
                    .replace("{u}", &base)
                    .replace("{a}", &addr)
                    .replace("{p}", &port);
                extra
                    .iter()
                    .fold(a, |a, (name, value)| a.replace(name, value))
            })
            .collect();
        let mut curl = Command::new("curl");
        curl.args(&args);
        let theirs = run(curl, line, server);
        let mut ours = sockit();
        ours.arg("fetch").args(&args);
        let mine = run(ours, line, server);
        for aspect in [Aspect::Request, Aspect::Stdout, Aspect::Files, Aspect::Exit] {
            let (a, b) = (theirs.aspect(aspect), mine.aspect(aspect));
            match line.differs {
                Some((on, _)) if on.contains(&aspect) && a == b => {
                    let _ = writeln!(
                        report,
                        "{args:?}: said to differ in {aspect:?}, but agrees: {a}"
                    );
                }
                Some((on, _)) if on.contains(&aspect) => {}
                _ if a != b => {
                    let _ = writeln!(
                        report,
                        "{args:?}: {aspect:?} differs\n  curl:   {a}\n  sockit: {b}"
                    );
                }
                _ => {}
            }
        }
    }
    assert!(report.is_empty(), "sockit and curl differ:\n{report}");
}

/// Makes `cmd` run in `dir` as a fresh user would: no ~/.curlrc (curl's or sockit's), no
/// proxies or CA settings from the environment the tests run in.
pub fn isolate(cmd: &mut Command, dir: &Path) {
    cmd.current_dir(dir)
        .env("HOME", dir)
        .env_remove("CURL_HOME")
        .env_remove("XDG_CONFIG_HOME");
    for var in PROXY_VARS.iter().chain(&TLS_VARS) {
        cmd.env_remove(var);
    }
}

/// Runs `cmd` for `line` in a fresh directory; returns what it did.
fn run(mut cmd: Command, line: &Line, server: &Recorder) -> Outcome {
    let dir = tempfile::tempdir().unwrap();
    for (name, bytes) in &line.files {
        let path = dir.path().join(name);
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(path, bytes).unwrap();
    }
    isolate(&mut cmd, dir.path());
    let mut child = ChildGuard::spawn_with_stdin(cmd, Stdio::piped());
    let mut stdin = child.child.stdin.take().unwrap();
    let input = line.stdin.clone();
    let feed = thread::spawn(move || {
        let _ = stdin.write_all(&input);
    });
    let mut out = child.child.stdout.take().unwrap();
    // stdout closes when the command ends: its reader says when, so the wait is for that
    // event, with a deadline, not a poll.
    let (done, ended) = std::sync::mpsc::channel();
    thread::spawn(move || {
        let mut bytes = Vec::new();
        let _ = out.read_to_end(&mut bytes);
        let _ = done.send(bytes);
    });
    let stdout = ended
        .recv_timeout(DEADLINE)
        .unwrap_or_else(|_| panic!("{:?} did not finish", line.args));
    let status = child.child.wait().unwrap();
    let _ = feed.join();
    Outcome {
        request: without_boundaries(&normalised(&server.take(DEADLINE))),
        stdout,
        files: files(dir.path()),
        exit: status.code().unwrap_or(-1),
    }
}

/// The request bytes with each tool's default User-Agent line made the same, and the client's
/// port in a PROXY line (`--haproxy-protocol`), which each connection picks anew.
fn normalised(bytes: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(bytes.len());
    let mut rest = bytes;
    while let Some(at) = rest.windows(2).position(|w| w == b"\r\n") {
        let line = &rest[..at];
        if line.starts_with(b"User-Agent: curl/") || line.starts_with(b"User-Agent: sockit/") {
            out.extend_from_slice(b"User-Agent: (default)");
        } else if line.starts_with(b"Authorization: Digest ")
            || line.starts_with(b"Proxy-Authorization: Digest ")
        {
            out.extend_from_slice(&without_random_digest(line));
        } else if line.starts_with(b"PROXY TCP") {
            let mut fields: Vec<&[u8]> = line.split(|b| *b == b' ').collect();
            if let Some(port) = fields.get_mut(4) {
                *port = b"(port)";
            }
            out.extend_from_slice(&fields.join(&b' '));
        } else {
            out.extend_from_slice(line);
        }
        out.extend_from_slice(b"\r\n");
        rest = &rest[at + 2..];
    }
    out.extend_from_slice(rest);
    out
}

/// A Digest answer with its client nonce, and the response computed from it, made the same:
/// both are random by design (the response's arithmetic is checked against a real server).
fn without_random_digest(line: &[u8]) -> Vec<u8> {
    let mut text = String::from_utf8_lossy(line).into_owned();
    for key in ["cnonce=\"", "response=\""] {
        if let Some(start) = text.find(key).map(|at| at + key.len()) {
            if let Some(len) = text[start..].find('"') {
                text.replace_range(start..start + len, "(random)");
            }
        }
    }
    text.into_bytes()
}

/// The bytes with the random part of every multipart boundary (curl's shape: 24 dashes and
/// 16 hex digits, with two more dashes where it separates parts) made the same: the only part of a `-F` request that may differ.
fn without_boundaries(bytes: &[u8]) -> Vec<u8> {
    const DASHES: &[u8] = b"------------------------";
    let mut out = bytes.to_vec();
    let mut at = 0;
    while let Some(found) = out[at..].windows(DASHES.len()).position(|w| w == DASHES) {
        let dashes = out[at + found..].iter().take_while(|&&b| b == b'-').count();
        let start = at + found + dashes;
        let hex = out[start..]
            .iter()
            .take_while(|b| b.is_ascii_hexdigit())
            .count();
        if hex == 16 {
            out[start..start + 16].copy_from_slice(b"RANDOMBOUNDARY16");
        }
        at = start;
    }
    out
}

/// Every file under `dir`, by its path relative to `dir`.
fn files(dir: &Path) -> BTreeMap<String, Vec<u8>> {
    let mut found = BTreeMap::new();
    let mut dirs = vec![dir.to_path_buf()];
    while let Some(at) = dirs.pop() {
        for path in std::fs::read_dir(&at).unwrap().map(|e| e.unwrap().path()) {
            if path.is_dir() {
                dirs.push(path);
            } else if path.is_file() {
                let name = path
                    .strip_prefix(dir)
                    .unwrap()
                    .to_string_lossy()
                    .into_owned();
                found.insert(name, std::fs::read(&path).unwrap());
            }
        }
    }
    found
}
