//! Lines of curl's TLS options against a real nginx over TLS (`support::nginx`): curl 7.88
//! (OpenSSL) and sockit (rustls) run the same command line and are compared on stdout, the
//! files left and the exit code, as the HTTP/2 lines are (`h2.rs`). The versions, suites
//! and groups asked for are ones both libraries have, so where they agree the line says so;
//! where OpenSSL would offer more (TLS 1.1, X448), sockit says so in its `--help` instead.

use super::h2::run;
use crate::support::nginx::{find_nginx, Nginx, Port};
use crate::support::{require, require_tool, sockit};
use std::fmt::Write as _;
use std::process::Command;

/// sockit takes curl's TLS options and exits as curl does with each.
#[test]
fn tls_option_lines_are_curls() {
    let found = find_nginx();
    if !require(found.is_some(), "nginx") || !require_tool("curl") || !require_tool("openssl") {
        return;
    }
    let _turn = super::TURN
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner);
    let nginx = Nginx::start(&found.expect("checked above"), &[("s.txt", b"small\n")]);
    let url = nginx.url(Port::Tls, "/s.txt");
    let ca = nginx.cacert();
    // --capath as curl (OpenSSL) needs it: the CA under its hashed name.
    let capath = tempfile::tempdir().unwrap();
    std::fs::copy(&ca, capath.path().join("ca.pem")).unwrap();
    let rehash = Command::new("openssl")
        .arg("rehash")
        .arg(capath.path())
        .status()
        .unwrap();
    assert!(rehash.success());
    let capath = capath.path().to_str().unwrap().to_string();
    let table: Vec<Vec<&str>> = vec![
        vec!["--cacert", "{ca}", "{url}"],
        vec!["{url}"],
        vec!["--capath", "{capath}", "{url}"],
        vec!["--capath", "/nonexistent", "{url}"],
        vec!["--cacert", "{ca}", "--tlsv1.2", "{url}"],
        vec!["--cacert", "{ca}", "-1", "--tls-max", "1.2", "{url}"],
        vec!["--cacert", "{ca}", "--tlsv1.3", "--tls-max", "1.2", "{url}"],
        vec!["--cacert", "{ca}", "--tls-max", "default", "{url}"],
        vec![
            "--cacert",
            "{ca}",
            "--tls-max",
            "1.2",
            "--ciphers",
            "ECDHE-ECDSA-AES128-GCM-SHA256",
            "{url}",
        ],
        vec!["--cacert", "{ca}", "--ciphers", "BOGUS", "{url}"],
        vec![
            "--cacert",
            "{ca}",
            "--tls13-ciphers",
            "TLS_AES_256_GCM_SHA384",
            "{url}",
        ],
        vec!["--cacert", "{ca}", "--tls13-ciphers", "BOGUS", "{url}"],
        vec!["--cacert", "{ca}", "--curves", "X25519:P-256", "{url}"],
        vec!["--cacert", "{ca}", "--curves", "secp384r1", "{url}"],
        vec!["--cacert", "{ca}", "--curves", "bogus", "{url}"],
        vec!["--cacert", "{ca}", "--false-start", "--no-npn", "{url}"],
    ];
    let mut report = String::new();
    for line in &table {
        let args: Vec<String> = line
            .iter()
            .map(|a| {
                a.replace("{url}", &url)
                    .replace("{ca}", &ca)
                    .replace("{capath}", &capath)
            })
            .collect();
        let mut all = vec!["-s".to_string()];
        all.extend(args.iter().cloned());
        let mut curl = Command::new("curl");
        curl.args(&all);
        let theirs = run(curl, &[]);
        let mut ours = sockit();
        ours.arg("fetch").args(&all);
        let mine = run(ours, &[]);
        if theirs != mine {
            let _ = writeln!(report, "{args:?}\n  curl:   {theirs:?}\n  sockit: {mine:?}");
        }
    }
    assert!(report.is_empty(), "sockit and curl differ:\n{report}");
}
