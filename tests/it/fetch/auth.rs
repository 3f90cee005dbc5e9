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
use std::path::Path;

use crate::support::apache::{self, APACHE};

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

/// Starts Apache from `dir` with the Digest modules, `extra` ones, and `site`'s lines
/// (`support::apache`).
fn run_apache(dir: &Path, extra: &[(&str, &str)], site: &str) -> (ChildGuard, u16) {
    let modules: Vec<(&str, &str)> = [
        ("mpm_prefork_module", "mod_mpm_prefork.so"),
        ("authn_core_module", "mod_authn_core.so"),
        ("authn_file_module", "mod_authn_file.so"),
        ("authz_core_module", "mod_authz_core.so"),
        ("authz_user_module", "mod_authz_user.so"),
        ("auth_digest_module", "mod_auth_digest.so"),
    ]
    .into_iter()
    .chain(extra.iter().copied())
    .collect();
    apache::run(dir, &modules, site)
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
