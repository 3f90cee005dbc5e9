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
    let capath_dir = capath;
    let capath = capath_dir.path().to_str().unwrap().to_string();
    let pin = pin_of(&ca);
    // A client certificate whose key is encrypted (PKCS#8, as OpenSSL 3 writes it), for
    // --pass: curl loads it whether or not the server asks for one, and so does sockit.
    let client = tempfile::tempdir().unwrap();
    let (ccert, ckey) = (client.path().join("c.pem"), client.path().join("k.pem"));
    let made = Command::new("openssl")
        .args([
            "req",
            "-x509",
            "-newkey",
            "ec",
            "-pkeyopt",
            "ec_paramgen_curve:P-256",
        ])
        .args([
            "-subj",
            "/CN=client",
            "-days",
            "2",
            "-passout",
            "pass:s3cret",
            "-keyout",
        ])
        .arg(&ckey)
        .arg("-out")
        .arg(&ccert)
        .output()
        .unwrap();
    assert!(made.status.success(), "{made:?}");
    let (ccert, ckey) = (ccert.to_str().unwrap(), ckey.to_str().unwrap());
    let h2 = nginx.url(Port::H2, "/s.txt");
    let table: Vec<Vec<&str>> = vec![
        vec!["--cacert", "{ca}", "{url}"],
        vec!["{url}"],
        vec!["--capath", "{capath}", "{url}"],
        vec!["--capath", "/nonexistent", "{url}"],
        vec!["--cacert", "{ca}", "--tlsv1.2", "{url}"],
        vec!["--cacert", "{ca}", "--tlsv1.1", "{url}"],
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
        vec!["--cacert", "{ca}", "--pinnedpubkey", "{pin}", "{url}"],
        vec![
            "--cacert",
            "{ca}",
            "--pinnedpubkey",
            "sha256//AAAA;{pin}",
            "{url}",
        ],
        vec![
            "--cacert",
            "{ca}",
            "--pinnedpubkey",
            "sha256//AAAA",
            "{url}",
        ],
        vec!["-k", "--pinnedpubkey", "sha256//AAAA", "{url}"],
        vec![
            "--cacert",
            "{ca}",
            "--pinnedpubkey",
            "/nonexistent.pem",
            "{url}",
        ],
        vec!["--cacert", "{ca}", "--crlfile", "/nonexistent.crl", "{url}"],
        vec!["--cacert", "{ca}", "--crlfile", "{ca}", "{url}"],
        vec!["--cacert", "{ca}", "--cert-status", "{url}"],
        vec!["--cacert", "{ca}", "--no-sessionid", "{url}", "{url}"],
        vec![
            "--cacert", "{ca}", "--cert", "{ccert}", "--key", "{ckey}", "--pass", "s3cret", "{url}",
        ],
        vec![
            "--cacert",
            "{ca}",
            "--cert",
            "{ccert}:s3cret",
            "--key",
            "{ckey}",
            "{url}",
        ],
        vec![
            "--cacert", "{ca}", "--cert", "{ccert}", "--key", "{ckey}", "--pass", "bad", "{url}",
        ],
        vec!["--cacert", "{ca}", "-w", "%{http_version}", "{h2}"],
        vec![
            "--cacert",
            "{ca}",
            "--no-alpn",
            "-w",
            "%{http_version}",
            "{h2}",
        ],
    ];
    let mut report = String::new();
    for line in &table {
        let args: Vec<String> = line
            .iter()
            .map(|a| {
                a.replace("{url}", &url)
                    .replace("{h2}", &h2)
                    .replace("{ca}", &ca)
                    .replace("{capath}", &capath)
                    .replace("{pin}", &pin)
                    .replace("{ccert}", ccert)
                    .replace("{ckey}", ckey)
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

/// `sha256//BASE64` of the public key of the PEM certificate in `cert`.
fn pin_of(cert: &str) -> String {
    use base64::Engine;
    let pem = std::fs::read(cert).unwrap();
    let (_, pem) = x509_parser::pem::parse_x509_pem(&pem).unwrap();
    let parsed = pem.parse_x509().unwrap();
    let spki = parsed.tbs_certificate.subject_pki.raw;
    let hash = ring::digest::digest(&ring::digest::SHA256, spki);
    let b64 = base64::engine::general_purpose::STANDARD.encode(hash.as_ref());
    format!("sha256//{b64}")
}
