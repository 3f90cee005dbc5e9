//! `--hsts FILE` against a real nginx over TLS (`support::nginx`) whose responses carry
//! `Strict-Transport-Security`: a first run over https writes the entry in curl's format, a
//! second run's `http://` URL (or a redirect to one) goes to https before any connection,
//! and the plain-text listener the URL names is never contacted.

use crate::support::fetch_run::fetch_in;
use crate::support::nginx::{find_nginx, Nginx, Port};
use std::io::ErrorKind;
use std::net::TcpListener;

/// nginx's locations: a page with the header, and a redirect (with it too) to an http URL.
const STS_LOCATIONS: &str = "\
    location = /sts { add_header Strict-Transport-Security \"max-age=3600; includeSubDomains\" always;\n\
      return 200 \"secure\\n\"; }\n\
    location = /to-plain { add_header Strict-Transport-Security \"max-age=3600\" always;\n\
      return 302 http://localhost/sts; }\n";

/// A listener standing in for the origin's port 80: whether anything connected to it is
/// asked after the run, from its backlog, so no thread or wait is needed.
struct Plain(TcpListener);

impl Plain {
    fn bind() -> Plain {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        listener.set_nonblocking(true).unwrap();
        Plain(listener)
    }

    fn port(&self) -> u16 {
        self.0.local_addr().unwrap().port()
    }

    /// Whether a client connected (the kernel completes the handshake into the backlog
    /// before any accept, so the connection is there by the time the client has exited).
    fn contacted(&self) -> bool {
        match self.0.accept() {
            Ok(_) => true,
            Err(e) if e.kind() == ErrorKind::WouldBlock => false,
            Err(e) => panic!("accept: {e}"),
        }
    }
}

/// The first https run records the host with includeSubDomains; the second run's
/// `http://localhost/` goes to https on 443 (`--connect-to` maps 443 to nginx's TLS port,
/// 80 to a listener that records a connection): the body arrives over TLS, `-w` shows the
/// https URL, and port 80 is never contacted. Without the cache the same line reaches the
/// listener, so the test cannot pass without the upgrade.
#[test]
fn hsts_upgrades_http_after_https_taught_it() {
    let found = find_nginx();
    if !crate::support::require(found.is_some(), "nginx") {
        return;
    }
    let nginx = Nginx::start_with(&found.expect("checked above"), &[], STS_LOCATIONS);
    let dir = tempfile::tempdir().unwrap();
    let ca = nginx.cacert();
    let tls_port = nginx
        .url(Port::Tls, "")
        .rsplit(':')
        .next()
        .unwrap()
        .to_owned();
    let first = nginx.url(Port::Tls, "/sts");
    fetch_in(
        dir.path(),
        &["-sS", "--cacert", &ca, "--hsts", "cache", &first],
    )
    .expect(0);
    let text = std::fs::read_to_string(dir.path().join("cache")).unwrap();
    let lines: Vec<&str> = text.lines().collect();
    assert_eq!(lines.len(), 3, "{text}");
    assert_eq!(
        lines[0],
        "# Your HSTS cache. https://curl.se/docs/hsts.html"
    );
    assert!(lines[2].starts_with(".localhost \"20"), "{text}");

    let plain = Plain::bind();
    let to_plain = format!("localhost:80:127.0.0.1:{}", plain.port());
    let to_tls = format!("localhost:443:127.0.0.1:{tls_port}");
    let routed = |hsts: &str, url: &str, extra: &[&str]| {
        let mut args = vec![
            "-sS",
            "--cacert",
            &ca,
            "--connect-to",
            &to_plain,
            "--connect-to",
            &to_tls,
            "-w",
            " %{url_effective}",
            "--max-time",
            "10",
        ];
        if !hsts.is_empty() {
            args.extend(["--hsts", hsts]);
        }
        args.extend(extra);
        args.push(url);
        fetch_in(dir.path(), &args)
    };
    let upgraded = routed("cache", "http://localhost/sts", &[]).expect(0);
    assert_eq!(upgraded.out(), "secure\n https://localhost/sts");
    assert!(!plain.contacted(), "the plain port was contacted");
    let redirected = routed("cache", &nginx.url(Port::Tls, "/to-plain"), &["-L"]).expect(0);
    assert_eq!(redirected.out(), "secure\n https://localhost/sts");
    assert!(!plain.contacted(), "the redirect went to the plain port");

    // The control: without the cache the request goes to the plain port, which closes
    // it at once (its accept seen through a channel, with a deadline).
    let (seen, contact) = std::sync::mpsc::channel();
    let listener = plain.0.try_clone().unwrap();
    listener.set_nonblocking(false).unwrap();
    std::thread::spawn(move || {
        let _ = seen.send(listener.accept().is_ok());
    });
    let fresh = routed("", "http://localhost/sts", &[]);
    let reached = contact.recv_timeout(std::time::Duration::from_secs(10));
    assert_eq!(reached, Ok(true), "without the cache: {}", fresh.stderr);
}
