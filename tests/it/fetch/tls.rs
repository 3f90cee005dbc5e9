//! HTTPS: verification against --cacert, SNI and ALPN, -k, certificate (60) and handshake
//! (35) failures, and truncation without close_notify.

use crate::support::fetch_run::fetch;
use crate::support::http_server::{ok, reply, End, Server};
use std::io::Write;

/// With the test CA in --cacert the download works, sending SNI and negotiating http/1.1.
#[test]
fn cacert_sni_and_alpn() {
    let server = Server::tls(|_, s| reply(s, &ok(b"secret body")));
    let cacert = server.cert_pem().to_str().unwrap().to_string();
    let run = fetch(&["--cacert", &cacert, &server.url_localhost("/")]).expect(0);
    assert_eq!(run.out(), "secret body");
    let req = &server.requests()[0];
    assert_eq!(req.sni.as_deref(), Some("localhost"));
    assert_eq!(req.alpn.as_deref(), Some(&b"http/1.1"[..]));
    fetch(&["--cacert", &cacert, &server.url("/")]).expect(0);
}

/// A certificate no trusted root signed is refused (60); -k accepts it with a warning.
#[test]
fn untrusted_certificate_is_60_unless_insecure() {
    let server = Server::tls(|_, s| reply(s, &ok(b"body")));
    let run = fetch(&[&server.url_localhost("/")]).expect(60);
    assert!(
        run.stderr
            .starts_with("sockit: (60) certificate verification failed"),
        "{}",
        run.stderr
    );
    let run = fetch(&["-k", &server.url_localhost("/")]).expect(0);
    assert_eq!(run.out(), "body");
    assert!(run.stderr.contains("warning: --insecure"), "{}", run.stderr);
}

/// A certificate for another name is refused (60) even when its CA is trusted.
#[test]
fn wrong_name_is_60() {
    let server = Server::tls_named(&["other.test"], |_, s| reply(s, &ok(b"body")));
    let cacert = server.cert_pem().to_str().unwrap().to_string();
    let run = fetch(&["--cacert", &cacert, &server.url("/")]).expect(60);
    assert!(run.stderr.contains("127.0.0.1"), "{}", run.stderr);
}

/// A server that does not speak TLS fails the handshake (35).
#[test]
fn not_tls_is_35() {
    let server = Server::plain(|_, s| reply(s, b"HTTP/1.1 400 Bad Request\r\n\r\n"));
    let url = server.url("/").replace("http://", "https://");
    let run = fetch(&[&url]).expect(35);
    assert!(
        run.stderr.starts_with("sockit: (35) TLS handshake"),
        "{}",
        run.stderr
    );
}

/// A close-delimited body cut off without close_notify is truncation (18), not success;
/// with close_notify it is complete.
#[test]
fn missing_close_notify_is_truncation() {
    let server = Server::tls(|req, s| {
        let _ = s.write_all(b"HTTP/1.1 200 OK\r\n\r\nno length here");
        if req.target == "/cut" {
            End::NoCloseNotify
        } else {
            End::Close
        }
    });
    let cacert = server.cert_pem().to_str().unwrap().to_string();
    let run = fetch(&["--cacert", &cacert, &server.url("/cut")]).expect(18);
    assert!(run.stderr.contains("close_notify"), "{}", run.stderr);
    let run = fetch(&["--cacert", &cacert, &server.url("/clean")]).expect(0);
    assert_eq!(run.out(), "no length here");
}

/// --cacert with a file holding no certificate is curl's 77.
#[test]
fn bad_cacert_is_77() {
    let dir = tempfile::tempdir().unwrap();
    let empty = dir.path().join("empty.pem");
    std::fs::write(&empty, "not a certificate\n").unwrap();
    fetch(&["--cacert", empty.to_str().unwrap(), "https://127.0.0.1:9/"]).expect(77);
}

/// Params for a certificate naming `names`, valid from 2020 for a century (or `expired`).
fn params(names: &[&str], expired: bool) -> rcgen::CertificateParams {
    let names: Vec<String> = names.iter().map(|n| n.to_string()).collect();
    let mut p = rcgen::CertificateParams::new(names.clone()).unwrap();
    let cn = names.first().map_or("sockit test CA", String::as_str);
    p.distinguished_name = rcgen::DistinguishedName::new();
    p.distinguished_name.push(rcgen::DnType::CommonName, cn);
    p.not_before = rcgen::date_time_ymd(2020, 1, 1);
    p.not_after = rcgen::date_time_ymd(if expired { 2021 } else { 2120 }, 1, 1);
    p
}

/// A self-signed CA:TRUE certificate, as `openssl req -x509` makes by default.
fn openssl_style(names: &[&str], expired: bool) -> (rcgen::Certificate, rcgen::KeyPair) {
    let key = rcgen::KeyPair::generate().unwrap();
    let mut p = params(names, expired);
    p.is_ca = rcgen::IsCa::Ca(rcgen::BasicConstraints::Unconstrained);
    (p.self_signed(&key).unwrap(), key)
}

/// Issue 10: a self-signed CA:TRUE certificate given to --cacert is trusted when it is
/// exactly the server's, as curl does (rustls alone says "CA used as end entity"); the name
/// and the dates are still checked.
#[test]
fn exact_self_signed_ca_certificate_is_trusted() {
    let (cert, key) = openssl_style(&["localhost"], false);
    let server = Server::tls_with(&cert, &key, |_, s| reply(s, &ok(b"pinned")));
    let cacert = server.cert_pem().to_str().unwrap().to_string();
    let run = fetch(&["--cacert", &cacert, &server.url_localhost("/")]).expect(0);
    assert_eq!(run.out(), "pinned");
    let run = fetch(&["--cacert", &cacert, &server.url("/")]).expect(60);
    assert!(
        run.stderr.contains("for another name, not 127.0.0.1"),
        "{}",
        run.stderr
    );
    let run = fetch(&[&server.url_localhost("/")]).expect(60);
    assert!(
        run.stderr.contains("presents a CA certificate"),
        "{}",
        run.stderr
    );
    let (old, old_key) = openssl_style(&["localhost"], true);
    let expired = Server::tls_with(&old, &old_key, |_, s| reply(s, &ok(b"stale")));
    let cacert = expired.cert_pem().to_str().unwrap().to_string();
    let run = fetch(&["--cacert", &cacert, &expired.url_localhost("/")]).expect(60);
    assert!(
        run.stderr.contains("the certificate has expired"),
        "{}",
        run.stderr
    );
}

/// Issue 10: the server's leaf certificate alone as --cacert (its CA unknown) is trusted
/// when it is exactly the one presented; any other certificate from that CA is not.
#[test]
fn exact_leaf_certificate_is_trusted() {
    let ca_key = rcgen::KeyPair::generate().unwrap();
    let mut ca = params(&[], false);
    ca.is_ca = rcgen::IsCa::Ca(rcgen::BasicConstraints::Unconstrained);
    let issuer = rcgen::Issuer::new(ca, ca_key);
    let leaf = |name: &str| {
        let key = rcgen::KeyPair::generate().unwrap();
        (
            params(&[name], false).signed_by(&key, &issuer).unwrap(),
            key,
        )
    };
    let (cert, key) = leaf("localhost");
    let server = Server::tls_with(&cert, &key, |_, s| reply(s, &ok(b"leaf")));
    let cacert = server.cert_pem().to_str().unwrap().to_string();
    let run = fetch(&["--cacert", &cacert, &server.url_localhost("/")]).expect(0);
    assert_eq!(run.out(), "leaf");
    let (other, other_key) = leaf("localhost");
    let sibling = Server::tls_with(&other, &other_key, |_, s| reply(s, &ok(b"other")));
    let run = fetch(&["--cacert", &cacert, &sibling.url_localhost("/")]).expect(60);
    assert!(run.stderr.contains("unknown issuer"), "{}", run.stderr);
}

/// Issue 17: a server that takes the connection but never answers the TLS handshake ends
/// in 28 with the handshake named, as curl's "SSL connection timeout" (it read
/// "connection ... timed out", as if TCP had not connected).
#[test]
fn stalled_handshake_is_named() {
    // Never accepted: the kernel completes TCP, and the ClientHello waits unread.
    let silent = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let url = format!("https://{}/", silent.local_addr().unwrap());
    let run = fetch(&["--connect-timeout", "0.3", &url]).expect(28);
    assert!(
        run.stderr
            .contains("SSL connection timeout: the TLS handshake with 127.0.0.1"),
        "{}",
        run.stderr
    );
}
