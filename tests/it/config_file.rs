//! `sockit serve --config FILE`: every flag is a key, the command line wins, a bad file is one
//! line naming file, line and key with exit 2, and SIGHUP reloads what can change under
//! running connections, refuses what cannot, and keeps everything on a broken file.

use crate::support::{sockit, spawn_server, ChildGuard, WAIT};
use std::io::{Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

/// A TOML file in a temporary directory.
struct File {
    _dir: tempfile::TempDir,
    path: PathBuf,
}

impl File {
    fn new(text: &str) -> File {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("sockit.toml");
        std::fs::write(&path, text).unwrap();
        File { _dir: dir, path }
    }

    fn rewrite(&self, text: &str) {
        std::fs::write(&self.path, text).unwrap();
    }

    fn arg(&self) -> &str {
        self.path.to_str().unwrap()
    }
}

/// `sockit serve --config FILE ARGS` to its end: exit code and stderr.
fn refused(file: &Path, args: &[&str]) -> (Option<i32>, String) {
    let out = sockit()
        .args(["serve", "--config", file.to_str().unwrap()])
        .args(args)
        .output()
        .unwrap();
    (out.status.code(), String::from_utf8(out.stderr).unwrap())
}

/// What a client hears first, then what a second client hears while the first is open.
fn first_two(addr: SocketAddr) -> (Vec<u8>, Vec<u8>) {
    let read_some = |c: &mut TcpStream| {
        c.set_read_timeout(Some(WAIT)).unwrap();
        let mut buf = vec![0; 64];
        let n = c.read(&mut buf).unwrap();
        buf.truncate(n);
        buf
    };
    let mut first = TcpStream::connect(addr).unwrap();
    let one = read_some(&mut first);
    let mut second = TcpStream::connect(addr).unwrap();
    let two = read_some(&mut second);
    let _ = first.write_all(b"exit\n");
    (one, two)
}

/// The long flags `sockit serve --help` lists.
fn serve_flags() -> Vec<String> {
    let help = sockit().args(["serve", "--help"]).output().unwrap();
    let help = String::from_utf8(help.stdout).unwrap();
    let mut flags: Vec<String> = help
        .split_whitespace()
        .filter_map(|w| w.strip_prefix("--"))
        .map(|w| {
            w.trim_end_matches(|c: char| !c.is_ascii_alphanumeric())
                .to_owned()
        })
        .filter(|w| !w.is_empty() && w.chars().all(|c| c.is_ascii_lowercase() || c == '-'))
        .collect();
    flags.sort();
    flags.dedup();
    flags
}

/// Every long flag of `serve` (but `--config`, `--help` and `--version`) is a key: given a value of the
/// wrong kind, each is refused for its value, naming the key, never as an unknown key.
#[test]
fn every_serve_flag_is_a_key() {
    let flags = serve_flags();
    assert!(flags.len() > 20, "{flags:?}");
    let settings = flags
        .iter()
        .filter(|f| !["config", "help", "version"].contains(&f.as_str()));
    for flag in settings {
        let file = File::new(&format!("{flag} = {{ not = \"a value\" }}\n"));
        let (code, stderr) = refused(&file.path, &[]);
        assert_eq!(code, Some(2), "{flag}: {stderr}");
        assert!(
            stderr.starts_with(&format!("sockit: {}:1: {flag}: expected", file.arg())),
            "{flag}: {stderr}"
        );
        assert!(!stderr.contains("no such key"), "{flag}: {stderr}");
    }
}

/// A bad file is one line naming the file, the line and the key, with exit 2: an unknown key
/// (with the one it probably meant), a wrong type, a value the flag would refuse, broken
/// TOML, and a file that is not there.
#[test]
fn a_bad_file_is_one_line_with_file_line_and_key() {
    let cases = [
        (
            "greeting = \"Hi\"\nmax-conections = 5\n",
            ":2: max-conections: no such key (did you mean 'max-connections'?)",
        ),
        ("\n\nquiet = \"yes\"\n", ":3: quiet: expected true or false"),
        (
            "max-connections = \"lots\"\n",
            ":1: max-connections: invalid value 'lots' for '--max-connections <N>'",
        ),
        ("max-line = -1\n", ":1: max-line: invalid value '-1'"),
        (
            "greeting = [\"a\", \"b\"]\n",
            ":1: greeting: takes one value, not an array",
        ),
        ("bind = [\"127.0.0.1:0\"\n", ":1: "),
    ];
    for (text, expected) in cases {
        let file = File::new(text);
        let (code, stderr) = refused(&file.path, &[]);
        assert_eq!(code, Some(2), "{text:?}: {stderr}");
        let line = format!("sockit: {}{expected}", file.arg());
        assert!(stderr.starts_with(&line), "{text:?}: {stderr}");
        assert_eq!(stderr.lines().count(), 1, "{text:?}: {stderr}");
    }
    let dir = tempfile::tempdir().unwrap();
    let (code, stderr) = refused(&dir.path().join("missing.toml"), &[]);
    assert_eq!(code, Some(2), "{stderr}");
    assert!(
        stderr.contains("missing.toml: cannot read it: "),
        "{stderr}"
    );
}

/// The file's keys apply, arrays make repeatable flags, and a flag on the command line wins
/// over its key: the greeting comes from the command line, the limit of one connection from
/// the file.
#[test]
fn the_command_line_wins_over_the_file() {
    let file = File::new(
        "greeting = \"Hi from the file\"\nmax-connections = 1\nbind = [\"127.0.0.1:0\"]\nquiet = true\n",
    );
    let (_server, addr) = spawn_server(&["--config", file.arg(), "--greeting", "Hey"]);
    let (first, second) = first_two(addr);
    assert_eq!(first, b"Hey\n");
    assert_eq!(second, b"ERR server busy\n");
}

/// Scrapes the server's `/metrics` with curl.
fn scrape(http: SocketAddr) -> String {
    let out = std::process::Command::new("curl")
        .args([
            "-sSf",
            "--max-time",
            "10",
            &format!("http://{http}/metrics"),
        ])
        .output()
        .unwrap();
    String::from_utf8(out.stdout).unwrap()
}

/// Waits for a scrape to contain `sample`. Only for a count with no event after it: a failed
/// TLS reload is logged before it is counted, and nothing is logged after.
fn wait_for_sample(http: SocketAddr, sample: &str) {
    let deadline = Instant::now() + WAIT;
    while !scrape(http).contains(sample) {
        assert!(
            Instant::now() < deadline,
            "no {sample:?} in\n{}",
            scrape(http)
        );
        std::thread::sleep(Duration::from_millis(20));
    }
}

/// Starts `serve --config FILE` with metrics; returns it, its address and the metrics'.
fn start(file: &File) -> (ChildGuard, SocketAddr, SocketAddr) {
    let (mut server, addr) = spawn_server(&["--config", file.arg(), "--metrics", "127.0.0.1:0"]);
    let http = server.wait_for_metrics_addr();
    (server, addr, http)
}

/// SIGHUP applies changed settings to new connections (here the connection limit, lowered
/// from 2 to 1, the greeting and the log format) and refuses a changed listener setting
/// (`backlog`) with one line naming the key while the rest applies; a broken file then
/// changes nothing and is counted as an error. The metrics count both reloads and keep the
/// last success's time.
#[test]
fn sighup_applies_refuses_and_keeps() {
    if !crate::support::require_tool("curl") {
        return;
    }
    let file = File::new("max-connections = 2\ngreeting = \"Hi\"\n");
    let (mut server, addr, http) = start(&file);
    assert_eq!(first_two(addr), (b"Hi\n".to_vec(), b"Hi\n".to_vec()));
    // Each access line is written once its close is counted.
    server.wait_for_stderr("closed.");
    server.wait_for_stderr("closed.");
    let started = scrape(http);
    assert!(started.contains("sockit_connections_open 0\n"), "{started}");
    assert!(
        started.contains("sockit_config_reloads_total{result=\"ok\"} 0\n"),
        "{started}"
    );

    file.rewrite(
        "max-connections = 1\ngreeting = \"Hello\"\nlog-format = \"json\"\nbacklog = 16\n",
    );
    server.signal("HUP");
    let refusal = server.wait_for_stderr("backlog changed");
    assert!(
        refusal.contains("takes effect only at a restart"),
        "{refusal}"
    );
    // Counted before it is logged.
    server.wait_for_stderr("reloaded");
    let reloaded = scrape(http);
    assert!(
        reloaded.contains("sockit_config_reloads_total{result=\"ok\"} 1\n"),
        "{reloaded}"
    );
    assert!(
        reloaded.contains("sockit_connections_max 1\n"),
        "{reloaded}"
    );
    assert_eq!(
        first_two(addr),
        (b"Hello\n".to_vec(), b"ERR server busy\n".to_vec())
    );
    let json = server.wait_for_stderr("closed.");
    assert!(
        json.trim_start().starts_with('{'),
        "the log format changed: {json}"
    );

    file.rewrite("max-connections = [\n");
    server.signal("HUP");
    let failed = server.wait_for_stderr("kept");
    assert!(failed.contains("sockit.toml:"), "{failed}");
    // The failure is counted before it is logged, and the one connection served since the
    // last reload has logged its close.
    let kept = scrape(http);
    for sample in [
        "sockit_config_reloads_total{result=\"error\"} 1\n",
        "sockit_config_last_reload_successful 0\n",
        "sockit_connections_open 0\n",
    ] {
        assert!(kept.contains(sample), "no {sample:?} in\n{kept}");
    }
    assert_eq!(
        first_two(addr),
        (b"Hello\n".to_vec(), b"ERR server busy\n".to_vec())
    );
}

/// Every key is either applied by a reload or named as needing a restart, so a new flag
/// cannot be silently ignored by SIGHUP: the two lists cover `serve --help`'s flags exactly.
#[test]
fn every_key_is_reloadable_or_needs_a_restart() {
    use sockit::server::config_file::{AT_RESTART, RELOADABLE};
    let mut listed: Vec<String> = (RELOADABLE.iter().chain(&AT_RESTART))
        .map(|k| k.to_string())
        .collect();
    listed.extend(["config", "help", "version"].map(String::from));
    listed.sort();
    assert_eq!(listed, serve_flags());
}

/// A lowered limit closes no one: connections open beyond it stay served, and the limit
/// holds again once they have ended.
#[test]
fn a_lowered_limit_closes_no_one() {
    if !crate::support::require_tool("curl") {
        return;
    }
    let file = File::new("max-connections = 3\n");
    let (mut server, addr, http) = start(&file);
    let mut open: Vec<TcpStream> = (0..3).map(|_| TcpStream::connect(addr).unwrap()).collect();
    let mut heard: Vec<Vec<u8>> = vec![Vec::new(); 3];
    // A greeting is sent after its connection is counted.
    for (c, heard) in open.iter_mut().zip(&mut heard) {
        c.set_read_timeout(Some(WAIT)).unwrap();
        heard.resize(9, 0);
        c.read_exact(heard).unwrap();
    }
    let before = scrape(http);
    assert!(before.contains("sockit_connections_open 3\n"), "{before}");
    file.rewrite("max-connections = 1\n");
    server.signal("HUP");
    server.wait_for_stderr("reloaded");
    for (c, heard) in open.iter_mut().zip(&mut heard) {
        c.write_all(b"Bob\nexit\n").unwrap();
        c.read_to_end(heard).unwrap();
        assert_eq!(heard, b"Welcome!\nHello, Bob!\n");
    }
    for _ in 0..3 {
        server.wait_for_stderr("closed.");
    }
    assert_eq!(
        first_two(addr),
        (b"Welcome!\n".to_vec(), b"ERR server busy\n".to_vec())
    );
}

/// A file that sets `tls-cert` and `tls-key` together starts a TLS listener (the bug: each
/// key was checked alone, so clap's "requires --tls-key" refused the pair, which is the
/// example docs/DEPLOY.md gives); a file with the certificate and no key anywhere is still
/// refused.
#[test]
fn tls_cert_and_key_go_together_in_a_file() {
    use crate::support::pki::{Key, Pki};
    let pki = Pki::new("ca");
    let pair = pki.server("localhost", Key::EcdsaP256);
    let (cert, key) = (pair.cert.to_str().unwrap(), pair.key.to_str().unwrap());
    let file = File::new(&format!("tls-cert = \"{cert}\"\ntls-key = \"{key}\"\n"));
    let (_server, addr) = spawn_server(&["--config", file.arg(), "--bind", "tls:127.0.0.1:0"]);
    let out = sockit()
        .args([
            "client",
            "--tls",
            "--cacert",
            pki.ca.to_str().unwrap(),
            "-a",
        ])
        .arg(format!("tls:localhost:{}", addr.port()))
        .arg("Tracy")
        .output()
        .unwrap();
    assert_eq!(
        String::from_utf8_lossy(&out.stdout),
        "Welcome!\nHello, Tracy!\n",
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let alone = File::new(&format!("tls-cert = \"{cert}\"\n"));
    let (code, stderr) = refused(&alone.path, &[]);
    assert_eq!(code, Some(2), "{stderr}");
}

/// A reload whose file is fine but whose certificate cannot be loaded keeps the certificate
/// in force and is counted as a failed reload, so the reload-failure alert sees it.
#[test]
fn a_certificate_that_fails_to_load_is_a_failed_reload() {
    use crate::support::pki::{Key, Pki};
    if !crate::support::require_tool("curl") {
        return;
    }
    let pki = Pki::new("ca");
    let pair = pki.server("localhost", Key::EcdsaP256);
    let (cert, key) = (pair.cert.to_str().unwrap(), pair.key.to_str().unwrap());
    let file = File::new(&format!("tls-cert = \"{cert}\"\ntls-key = \"{key}\"\n"));
    let args = ["--config", file.arg(), "--metrics", "127.0.0.1:0"];
    let (mut server, _) = spawn_server(&[&args[..], &["--bind", "tls:127.0.0.1:0"]].concat());
    let http = server.wait_for_metrics_addr();
    file.rewrite(&format!(
        "tls-cert = \"{cert}.gone\"\ntls-key = \"{key}\"\n"
    ));
    server.signal("HUP");
    let failed = server.wait_for_stderr("TLS reload failed");
    assert!(failed.contains(".gone"), "{failed}");
    wait_for_sample(http, "sockit_config_reloads_total{result=\"error\"} 1\n");
    assert!(scrape(http).contains("sockit_config_reloads_total{result=\"ok\"} 0\n"));
}
