//! What a server must show besides a trusted certificate, as curl checks it:
//! `--pinnedpubkey` (90), `--crlfile` (60 revoked, 82 a bad file), `--cert-status` (91);
//! and how sessions and ALPN go: resumption across a run's connections, `--no-sessionid`,
//! `--no-alpn`.

use super::tls_options::serving;
use crate::support::fetch_run::fetch;
use crate::support::pki::{Key, Pki};
use crate::support::require_tool;
use base64::Engine;

/// The base64 SHA-256 of the SubjectPublicKeyInfo of the PEM certificate `cert`, and that
/// SubjectPublicKeyInfo.
fn spki(cert: &std::path::Path) -> (String, Vec<u8>) {
    let pem = std::fs::read(cert).unwrap();
    let (_, pem) = x509_parser::pem::parse_x509_pem(&pem).unwrap();
    let parsed = pem.parse_x509().unwrap();
    let der = parsed.tbs_certificate.subject_pki.raw.to_vec();
    let hash = ring::digest::digest(&ring::digest::SHA256, &der);
    let b64 = base64::engine::general_purpose::STANDARD.encode(hash.as_ref());
    (b64, der)
}

/// --pinnedpubkey takes the key's hash (one of several) or the key as a PEM or DER file;
/// another key is curl's 90, with -k too, and a file that cannot be read pins nothing.
#[test]
fn pinned_public_key_must_match() {
    let pki = Pki::new("pin-ca");
    let pair = pki.server("pinned", Key::EcdsaP256);
    let server = serving(&pair, rustls::ALL_VERSIONS, &[], |_| {});
    let url = server.url_localhost("/");
    let ca = pki.ca.to_str().unwrap();
    let (hash, der) = spki(&pair.cert);
    let dir = tempfile::tempdir().unwrap();
    let der_file = dir.path().join("key.der");
    std::fs::write(&der_file, &der).unwrap();
    let b64 = base64::engine::general_purpose::STANDARD.encode(&der);
    let pem_file = dir.path().join("key.pem");
    std::fs::write(
        &pem_file,
        format!("-----BEGIN PUBLIC KEY-----\n{b64}\n-----END PUBLIC KEY-----\n"),
    )
    .unwrap();
    let other = format!(
        "sha256//{}",
        spki(&pki.server("other", Key::EcdsaP256).cert).0
    );
    for good in [
        format!("sha256//{hash}"),
        format!("{other};sha256//{hash}"),
        der_file.display().to_string(),
        pem_file.display().to_string(),
    ] {
        let run = fetch(&["--cacert", ca, "--pinnedpubkey", &good, &url]).expect(0);
        assert_eq!(run.out(), "trusted", "{good}");
    }
    let run = fetch(&["--cacert", ca, "--pinnedpubkey", &other, &url]).expect(90);
    assert!(run.stderr.contains("pinned public key"), "{}", run.stderr);
    fetch(&["-k", "--pinnedpubkey", &other, &url]).expect(90);
    fetch(&["-k", "--pinnedpubkey", "/nonexistent.pem", &url]).expect(90);
    fetch(&["--pinnedpubkey", &format!("sha256//{hash}"), &url]).expect(60);
}

/// --crlfile refuses a certificate its CA revoked (60), takes one it did not, refuses one
/// whose issuer has no list in the file (as OpenSSL's CRL check), and a file without a
/// list is curl's 82.
#[test]
fn revoked_certificates_are_refused() {
    let pki = Pki::new("crl-ca");
    let pair = pki.server("listed", Key::EcdsaP256);
    let server = serving(&pair, rustls::ALL_VERSIONS, &[], |_| {});
    let url = server.url_localhost("/");
    let ca = pki.ca.to_str().unwrap();
    let revoking = pki.crl("revoking", &[&pair]);
    let other_cert = pki.server("other", Key::EcdsaP256);
    let sparing = pki.crl("sparing", &[&other_cert]);
    let foreign_ca = Pki::new("foreign-ca");
    let foreign = foreign_ca.crl("foreign", &[]);
    let crl = |path: &std::path::Path| path.to_str().unwrap().to_string();
    let run = fetch(&["--cacert", ca, "--crlfile", &crl(&revoking), &url]).expect(60);
    assert!(run.stderr.contains("revoked"), "{}", run.stderr);
    fetch(&["--cacert", ca, "--crlfile", &crl(&sparing), &url]).expect(0);
    fetch(&["--cacert", ca, "--crlfile", &crl(&foreign), &url]).expect(60);
    let run = fetch(&["--cacert", ca, "--crlfile", ca, &url]).expect(82);
    assert!(run.stderr.contains("CRL"), "{}", run.stderr);
    fetch(&["--cacert", ca, "--crlfile", "/nonexistent.crl", &url]).expect(82);
}

/// --cert-status takes a good OCSP staple from the issuer, and refuses none, a revoked
/// one, or one about another certificate, with curl's 91.
#[test]
fn cert_status_needs_a_good_staple() {
    if !require_tool("openssl") {
        return;
    }
    let pki = Pki::new("ocsp-ca");
    let pair = pki.server("stapled", Key::EcdsaP256);
    let other = pki.server("other", Key::EcdsaP256);
    let ca = pki.ca.to_str().unwrap();
    let status = |staple: &[u8], versions: &[&'static rustls::SupportedProtocolVersion]| {
        let server = serving(&pair, versions, staple, |_| {});
        fetch(&["--cacert", ca, "--cert-status", &server.url_localhost("/")]).code
    };
    let good = pki.ocsp(&pair, "good");
    assert_eq!(status(&good, rustls::ALL_VERSIONS), 0);
    assert_eq!(status(&good, &[&rustls::version::TLS12]), 0);
    assert_eq!(status(&[], rustls::ALL_VERSIONS), 91);
    assert_eq!(
        status(&pki.ocsp(&pair, "revoked"), rustls::ALL_VERSIONS),
        91
    );
    assert_eq!(status(&pki.ocsp(&other, "good"), rustls::ALL_VERSIONS), 91);
    let server = serving(&pair, rustls::ALL_VERSIONS, &[], |_| {});
    let run = fetch(&["--cacert", ca, "--cert-status", &server.url_localhost("/")]);
    assert!(run.stderr.contains("no OCSP response"), "{}", run.stderr);
    fetch(&["--cacert", ca, &server.url_localhost("/")]).expect(0);
}

/// A run's second connection to a server resumes the first one's TLS session, as curl's
/// does; --no-sessionid makes every connection a full handshake.
#[test]
fn sessions_resume_across_a_runs_connections() {
    let pki = Pki::new("resume-ca");
    let pair = pki.server("resumed", Key::EcdsaP256);
    let server = serving(&pair, rustls::ALL_VERSIONS, &[], |_| {});
    let url = server.url_localhost("/");
    let ca = pki.ca.to_str().unwrap();
    let resumed = |args: &[&str]| -> Vec<bool> {
        let before = server.requests().len();
        fetch(&[&["--cacert", ca], args, &[&url, &url]].concat()).expect(0);
        let requests = server.requests();
        requests[before..]
            .iter()
            .map(|r| r.tls.as_ref().unwrap().resumed)
            .collect()
    };
    assert_eq!(resumed(&[]), [false, true]);
    assert_eq!(resumed(&["--tls-max", "1.2"]), [false, true]);
    assert_eq!(resumed(&["--no-sessionid"]), [false, false]);
}

/// ALPN offers http/1.1 (h2 first with HTTP/2 allowed); --no-alpn offers nothing.
#[test]
fn no_alpn_offers_no_protocol() {
    let pki = Pki::new("alpn-ca");
    let pair = pki.server("alpn", Key::EcdsaP256);
    let server = serving(&pair, rustls::ALL_VERSIONS, &[], |_| {});
    let url = server.url_localhost("/");
    let ca = pki.ca.to_str().unwrap();
    fetch(&["--cacert", ca, &url]).expect(0);
    fetch(&["--cacert", ca, "--no-alpn", &url]).expect(0);
    let alpn: Vec<Option<Vec<u8>>> = server.requests().into_iter().map(|r| r.alpn).collect();
    assert_eq!(alpn, [Some(b"http/1.1".to_vec()), None]);
}
