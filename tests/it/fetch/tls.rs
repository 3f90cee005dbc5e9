//! HTTPS: verification against --cacert, SNI and ALPN, -k, certificate (60) and handshake
//! (35) failures, and truncation without close_notify.

use super::server::{ok, reply, End, Server};
use super::support::fetch;
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
