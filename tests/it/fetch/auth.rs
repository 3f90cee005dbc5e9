//! `--digest` and `--anyauth` against a real Digest server, and `--proxy-digest` and
//! `--proxy-anyauth` against a real Digest proxy: Apache's mod_auth_digest (MD5, `qop=auth`,
//! nonce counts; with mod_proxy for the proxy), started by the test on a port of its own on
//! 127.0.0.1. Skipped
//! (with a message) when apache2 is not installed; `.ci/run` installs it. The bytes are
//! checked against curl in `tests/it/curl_diff/auth.rs`, SHA-256's arithmetic against RFC
//! 7616's own example in `src/fetch/http/digest.rs`.

use crate::support::fetch_run::fetch_in;
use crate::support::recorder::Recorder;
use crate::support::{require, ChildGuard};
use std::net::{SocketAddr, TcpListener, TcpStream};
use std::os::unix::fs::PermissionsExt;
use std::path::Path;
use std::process::Command;
use std::time::{Duration, Instant};

const APACHE: &str = "/usr/sbin/apache2";
const MODULES: &str = "/usr/lib/apache2/modules";

/// Apache serving `/private/` behind Digest for `user:secret` in realm `sockit`.
fn start_apache(dir: &Path) -> (ChildGuard, u16) {
    let private = dir.join("root/private");
    std::fs::create_dir_all(&private).unwrap();
    std::fs::write(private.join("page.txt"), "secret page\n").unwrap();
    let d = dir.display();
    let site = format!(
        "DocumentRoot {d}/root\n<Directory {d}/root/private>\n{}</Directory>\n",
        digest_required(dir)
    );
    run_apache(dir, &[], &site)
}

/// Apache as a forward proxy (absolute form and CONNECT to any port) that asks for Digest
/// from `user:secret` in realm `sockit` (its 407), to reach servers on loopback.
fn start_apache_proxy(dir: &Path) -> (ChildGuard, u16) {
    let site = format!(
        "ProxyRequests On\nAllowCONNECT 1-65535\n<Proxy \"*\">\n{}</Proxy>\n",
        digest_required(dir)
    );
    let proxy = [
        ("proxy_module", "mod_proxy.so"),
        ("proxy_http_module", "mod_proxy_http.so"),
        ("proxy_connect_module", "mod_proxy_connect.so"),
    ];
    run_apache(dir, &proxy, &site)
}

/// The lines that ask for Digest from `user:secret` in realm `sockit` (the htdigest file
/// written in `dir`).
fn digest_required(dir: &Path) -> String {
    let ha1: String = md5::Md5::digest(b"user:sockit:secret")
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect();
    std::fs::write(dir.join("htdigest"), format!("user:sockit:{ha1}\n")).unwrap();
    format!(
        " AuthType Digest\n AuthName sockit\n AuthDigestProvider file\n \
         AuthUserFile {}/htdigest\n Require valid-user\n",
        dir.display()
    )
}

/// Starts Apache from `dir` with the Digest modules, `extra` ones, and `site`'s lines, on a
/// port of its own; returns it (killed when dropped) and its port once it listens.
fn run_apache(dir: &Path, extra: &[(&str, &str)], site: &str) -> (ChildGuard, u16) {
    // Apache's children run as www-data: the files must be readable by it.
    std::fs::set_permissions(dir, std::fs::Permissions::from_mode(0o755)).unwrap();
    let port = TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let d = dir.display();
    let modules: String = [
        ("mpm_prefork_module", "mod_mpm_prefork.so"),
        ("authn_core_module", "mod_authn_core.so"),
        ("authn_file_module", "mod_authn_file.so"),
        ("authz_core_module", "mod_authz_core.so"),
        ("authz_user_module", "mod_authz_user.so"),
        ("auth_digest_module", "mod_auth_digest.so"),
    ]
    .iter()
    .chain(extra)
    .map(|(name, file)| format!("LoadModule {name} {MODULES}/{file}\n"))
    .collect();
    let config = format!(
        "{modules}ServerRoot {d}\nServerName localhost\nListen 127.0.0.1:{port}\n\
         PidFile {d}/apache.pid\nErrorLog {d}/error.log\nUser www-data\nGroup www-data\n\
         StartServers 1\n{site}"
    );
    std::fs::write(dir.join("apache.conf"), config).unwrap();
    let mut cmd = Command::new(APACHE);
    // -X: one process, no children, so killing it (the guard's drop) leaves nothing behind.
    cmd.args(["-f", &format!("{d}/apache.conf"), "-X"]);
    let guard = ChildGuard::spawn(cmd);
    let addr = SocketAddr::from(([127, 0, 0, 1], port));
    let start = Instant::now();
    while TcpStream::connect_timeout(&addr, Duration::from_millis(100)).is_err() {
        let log = std::fs::read_to_string(dir.join("error.log"));
        assert!(
            start.elapsed() < Duration::from_secs(10),
            "apache did not start: {log:?}"
        );
        std::thread::sleep(Duration::from_millis(20));
    }
    (guard, port)
}

use md5::Digest as _;

/// Apache takes fetch's Digest answers (two URLs on one nonce, `nc` counting up, with
/// --digest and with --anyauth); a wrong password is a 401, and -f makes that curl's 22.
#[test]
fn apache_takes_digest_answers() {
    if !require(Path::new(APACHE).exists(), "apache2") {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let (_apache, port) = start_apache(dir.path());
    let url = format!("http://127.0.0.1:{port}/private/page.txt");
    let out = dir.path();
    let run = fetch_in(out, &["-sS", "--digest", "-u", "user:secret", &url, &url]).expect(0);
    assert_eq!(run.out(), "secret page\nsecret page\n");
    let run = fetch_in(out, &["-sS", "--anyauth", "-u", "user:secret", &url]).expect(0);
    assert_eq!(run.out(), "secret page\n");
    let run = fetch_in(
        out,
        &[
            "-s",
            "-w",
            "%{http_code}",
            "--digest",
            "-u",
            "user:wrong",
            &url,
        ],
    )
    .expect(0);
    assert!(run.out().ends_with("401"), "{}", run.out());
    fetch_in(out, &["-sf", "--digest", "-u", "user:wrong", &url]).expect(22);
}

/// `--proxy-digest` and `--proxy-anyauth` through Apache as a forward proxy: its 407 is
/// answered in absolute form and in CONNECT (on the same connection), two URLs share the
/// nonce; a wrong password leaves the 407 (0, or 22 with -f) and refuses the tunnel (56).
#[test]
fn apache_proxy_takes_proxy_digest_answers() {
    if !require(Path::new(APACHE).exists(), "apache2") {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let (_apache, port) = start_apache_proxy(dir.path());
    let origin = Recorder::start();
    let url = format!("{}/hello", origin.base());
    let proxy = format!("127.0.0.1:{port}");
    let out = dir.path();
    let through = |extra: &[&str]| -> Vec<String> {
        ["-sS", "-x", &proxy, "-U", "user:secret"]
            .iter()
            .chain(extra)
            .chain([&url.as_str()])
            .map(|a| a.to_string())
            .collect()
    };
    let run = fetch_in(out, &refs(&through(&["--proxy-digest", &url]))).expect(0);
    assert_eq!(run.out(), "hello\nhello\n");
    let run = fetch_in(out, &refs(&through(&["--proxy-digest", "-p"]))).expect(0);
    assert_eq!(run.out(), "hello\n");
    let run = fetch_in(out, &refs(&through(&["--proxy-anyauth"]))).expect(0);
    assert_eq!(run.out(), "hello\n");
    let run = fetch_in(out, &refs(&through(&["--proxy-anyauth", "-p"]))).expect(0);
    assert_eq!(run.out(), "hello\n");
    let wrong = ["-s", "-x", &proxy, "-U", "user:wrong", "--proxy-digest"];
    let run = fetch_in(
        out,
        &[&wrong[..], &["-w", "%{http_code}", "-o", "/dev/null", &url]].concat(),
    )
    .expect(0);
    assert_eq!(run.out(), "407");
    fetch_in(out, &[&wrong[..], &["-f", &url]].concat()).expect(22);
    fetch_in(out, &[&wrong[..], &["-p", &url]].concat()).expect(56);
}

/// The arguments as the `&str`s `fetch_in` takes.
fn refs(args: &[String]) -> Vec<&str> {
    args.iter().map(String::as_str).collect()
}
