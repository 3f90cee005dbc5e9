//! curl's TLS options over loopback: trust from the system, the environment and `--capath`;
//! `SSLKEYLOGFILE`; versions, suites and groups, each checked on what the server negotiated.

use crate::support::fetch_run::{fetch, Running};
use crate::support::http_server::{ok, reply, Server};
use crate::support::pki::{Key, Pair, Pki};
use rustls::pki_types::pem::PemObject;
use rustls::pki_types::{CertificateDer, PrivateKeyDer};
use rustls::{ServerConfig, SupportedProtocolVersion};
use std::sync::{Arc, Mutex};

/// An HTTPS server with a certificate from `pki` for localhost, speaking `versions`, with
/// `tweak` applied to its configuration.
fn server(
    pki: &Pki,
    versions: &[&'static SupportedProtocolVersion],
    tweak: impl FnOnce(&mut ServerConfig),
) -> Server {
    let pair = pki.server("origin", Key::EcdsaP256);
    serving(&pair, versions, &[], tweak)
}

/// An HTTPS server presenting `pair`, speaking `versions`, stapling `ocsp` (if not empty),
/// with `tweak` applied to its configuration.
pub(super) fn serving(
    pair: &Pair,
    versions: &[&'static SupportedProtocolVersion],
    ocsp: &[u8],
    tweak: impl FnOnce(&mut ServerConfig),
) -> Server {
    let chain = CertificateDer::pem_file_iter(&pair.cert)
        .unwrap()
        .collect::<Result<Vec<_>, _>>()
        .unwrap();
    let key = PrivateKeyDer::from_pem_file(&pair.key).unwrap();
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let mut config = ServerConfig::builder_with_provider(provider)
        .with_protocol_versions(versions)
        .unwrap()
        .with_no_client_auth()
        .with_single_cert_with_ocsp(chain, key, ocsp.to_vec())
        .unwrap();
    config.alpn_protocols = vec![b"http/1.1".to_vec()];
    tweak(&mut config);
    Server::tls_config(config, &pair.cert, |_, s| reply(s, &ok(b"trusted")))
}

/// Runs `sockit fetch ARGS` with `env` set (and the machine's own TLS variables cleared).
fn fetch_env(args: &[&str], env: &[(&str, &str)]) -> crate::support::fetch_run::Run {
    let dir = tempfile::tempdir().unwrap();
    Running::start_with_env(dir.path(), args, env).finish()
}

/// A CA named by CURL_CA_BUNDLE, SSL_CERT_FILE or (as a directory) SSL_CERT_DIR is trusted,
/// as curl reads them; without any of them the same server is not (60).
#[test]
fn the_environment_names_the_ca_as_curl_reads_it() {
    let pki = Pki::new("env-ca");
    let server = server(&pki, rustls::ALL_VERSIONS, |_| {});
    let url = server.url_localhost("/");
    let ca = pki.ca.to_str().unwrap();
    let dir = tempfile::tempdir().unwrap();
    std::fs::copy(&pki.ca, dir.path().join("any-name.pem")).unwrap();
    let ca_dir = dir.path().to_str().unwrap();
    for env in [
        ("CURL_CA_BUNDLE", ca),
        ("SSL_CERT_FILE", ca),
        ("SSL_CERT_DIR", ca_dir),
    ] {
        let run = fetch_env(&[&url], &[env]).expect(0);
        assert_eq!(run.out(), "trusted", "{env:?}");
    }
    let run = fetch(&[&url]).expect(60);
    assert!(run.stderr.contains("unknown issuer"), "{}", run.stderr);
    // CURL_CA_BUNDLE goes first: a useless SSL_CERT_FILE beside it is not read.
    fetch_env(
        &[&url],
        &[
            ("CURL_CA_BUNDLE", ca),
            ("SSL_CERT_FILE", "/nonexistent.pem"),
        ],
    )
    .expect(0);
    // --cacert wins over the environment, whose CA is then not used.
    let other = Pki::new("other-ca");
    fetch_env(
        &["--cacert", other.ca.to_str().unwrap(), &url],
        &[("CURL_CA_BUNDLE", ca)],
    )
    .expect(60);
}

/// --capath trusts the PEM files of a directory, by OpenSSL's hashed names or any others;
/// a directory without the CA leaves the server untrusted (60), as in curl.
#[test]
fn capath_trusts_a_directory_of_cas() {
    let pki = Pki::new("capath-ca");
    let server = server(&pki, rustls::ALL_VERSIONS, |_| {});
    let url = server.url_localhost("/");
    let dir = tempfile::tempdir().unwrap();
    let capath = dir.path().to_str().unwrap();
    fetch(&["--capath", capath, &url]).expect(60);
    std::fs::copy(&pki.ca, dir.path().join("0a1b2c3d.0")).unwrap();
    let run = fetch(&["--capath", capath, &url]).expect(0);
    assert_eq!(run.out(), "trusted");
    fetch(&["--capath", "/nonexistent-dir", &url]).expect(60);
}

/// The system's bundle is trusted by default: a public root is in the roots `-V` names, and
/// a CA only the test knows is not.
#[test]
fn version_names_the_trust_store() {
    let run = fetch(&["-V"]).expect(0);
    let out = run.out();
    assert!(out.starts_with("sockit-fetch "), "{out}");
    assert!(out.contains("Protocols: http https"), "{out}");
    let system = std::path::Path::new("/etc/ssl/certs/ca-certificates.crt").is_file();
    let expected = match system {
        true => "Trust: the system's CA bundle /etc/ssl/certs/ca-certificates.crt (",
        false => "Trust: the Mozilla roots built into sockit",
    };
    assert!(out.contains(expected), "{out}");
}

/// A KeyLog that keeps the lines a key log file would have.
#[derive(Debug, Default)]
struct Lines(Mutex<Vec<String>>);

impl rustls::KeyLog for Lines {
    fn log(&self, label: &str, client_random: &[u8], secret: &[u8]) {
        let hex = |b: &[u8]| b.iter().map(|x| format!("{x:02x}")).collect::<String>();
        let line = format!("{label} {} {}", hex(client_random), hex(secret));
        self.0.lock().unwrap().push(line);
    }
}

/// With SSLKEYLOGFILE set, the session's secrets are written there in NSS's format: the
/// very secrets the server derived, so a capture of it can be decrypted.
#[test]
fn key_log_file_holds_the_sessions_secrets() {
    let pki = Pki::new("keylog-ca");
    let server_log = Arc::new(Lines::default());
    let log = server_log.clone();
    let server = server(&pki, rustls::ALL_VERSIONS, move |c| c.key_log = log);
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("keys.log");
    let ca = pki.ca.to_str().unwrap();
    let url = server.url_localhost("/");
    fetch_env(
        &["--cacert", ca, &url],
        &[("SSLKEYLOGFILE", file.to_str().unwrap())],
    )
    .expect(0);
    let written = std::fs::read_to_string(&file).unwrap();
    let lines: Vec<&str> = written.lines().collect();
    assert!(
        lines
            .iter()
            .any(|l| l.starts_with("CLIENT_TRAFFIC_SECRET_0 ")),
        "{written}"
    );
    let server_lines = server_log.0.lock().unwrap().clone();
    for line in &lines {
        assert!(
            server_lines.iter().any(|s| s == line),
            "{line} not the server's"
        );
    }
}

/// --tls-max 1.2 makes TLS 1.2 (1.3 by default); a range that leaves neither version
/// rustls speaks is curl's 35, said plainly, before any connection.
#[test]
fn versions_are_offered_as_asked() {
    let pki = Pki::new("versions-ca");
    let server = server(&pki, rustls::ALL_VERSIONS, |_| {});
    let url = server.url_localhost("/");
    let ca = pki.ca.to_str().unwrap();
    fetch(&["--cacert", ca, "--tlsv1.0", "--tls-max", "1.2", &url]).expect(0);
    fetch(&["--cacert", ca, "--tlsv1.2", &url]).expect(0);
    let versions: Vec<String> = server
        .requests()
        .iter()
        .map(|r| r.tls.clone().unwrap().version)
        .collect();
    assert_eq!(versions, ["TLSv1_2", "TLSv1_3"]);
    let run = fetch(&["--cacert", ca, "--tlsv1.3", "--tls-max", "1.2", &url]).expect(35);
    assert!(
        run.stderr.contains("no TLS version is left"),
        "{}",
        run.stderr
    );
    let run = fetch(&["--cacert", ca, "--tls-max", "1.1", &url]).expect(35);
    assert!(
        run.stderr.contains("TLSv1.2 and TLSv1.3 only"),
        "{}",
        run.stderr
    );
    assert_eq!(
        server.requests().len(),
        2,
        "no connection for a refused range"
    );
    let only12 = self::server(&pki, &[&rustls::version::TLS12], |_| {});
    fetch(&["--cacert", ca, "-1", &only12.url_localhost("/")]).expect(0);
    fetch(&["--cacert", ca, "--tlsv1.3", &only12.url_localhost("/")]).expect(35);
}

/// --ciphers, --tls13-ciphers and --curves pick what is negotiated, by OpenSSL's names;
/// a list naming nothing sockit has is curl's 59.
#[test]
fn suites_and_groups_are_offered_as_asked() {
    let pki = Pki::new("suites-ca");
    let server = server(&pki, rustls::ALL_VERSIONS, |_| {});
    let url = server.url_localhost("/");
    let ca = pki.ca.to_str().unwrap();
    let negotiated = |args: &[&str]| {
        let all = [&["--cacert", ca], args, &[url.as_str()]].concat();
        fetch(&all).expect(0);
        server.requests().last().unwrap().tls.clone().unwrap()
    };
    let tls12 = negotiated(&[
        "--tls-max",
        "1.2",
        "--ciphers",
        "BOGUS:ECDHE-ECDSA-AES256-GCM-SHA384",
    ]);
    assert_eq!(tls12.suite, "TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384");
    let tls13 = negotiated(&["--tls13-ciphers", "TLS_CHACHA20_POLY1305_SHA256"]);
    assert_eq!(tls13.suite, "TLS13_CHACHA20_POLY1305_SHA256");
    assert_eq!(negotiated(&["--curves", "secp384r1"]).group, "secp384r1");
    assert_eq!(negotiated(&["--curves", "X448:P-256"]).group, "secp256r1");
    assert_eq!(
        negotiated(&["--false-start", "--no-npn"]).version,
        "TLSv1_3"
    );
    for (flag, list) in [
        ("--ciphers", "BOGUS"),
        ("--tls13-ciphers", "TLS_NOPE"),
        ("--curves", "bogus:X25519"),
    ] {
        let run = fetch(&["--cacert", ca, flag, list, &url]).expect(59);
        assert!(run.stderr.contains(list), "{}", run.stderr);
    }
}
