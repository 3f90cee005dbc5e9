//! Interop with a real nginx (`support::nginx`) over HTTP/1.1: plain and TLS, gzip, a
//! 16 MiB file, resume, checked by SHA-256. Fails under CI=true when nginx is not
//! installed (`.ci/run` installs it), and says it skipped otherwise.

use crate::support::fetch_run::fetch_in;
use crate::support::http_server::pattern;
use crate::support::nginx::{find_nginx, Nginx, Port};

const BIG: usize = 16 << 20;

pub(super) fn text() -> Vec<u8> {
    (0..40_000)
        .flat_map(|i| {
            format!("line {i}: the quick brown fox jumps over the lazy dog\n").into_bytes()
        })
        .collect()
}

pub(super) fn sha256(bytes: &[u8]) -> Vec<u8> {
    ring::digest::digest(&ring::digest::SHA256, bytes)
        .as_ref()
        .to_vec()
}

/// 16 MiB over http and https, gzip over both, and a resumed download, all byte-exact.
#[test]
fn nginx_interop() {
    let found = find_nginx();
    if !crate::support::require(found.is_some(), "nginx") {
        return;
    }
    let binary = found.expect("checked above");
    let (big, text) = (pattern(BIG), text());
    let nginx = Nginx::start(&binary, &[("big.bin", &big), ("text.txt", &text)]);
    let out = tempfile::tempdir().unwrap();
    let cacert = nginx.cacert();
    let big = sha256(&big);
    for port in [Port::Plain, Port::Tls] {
        let tls = port == Port::Tls;
        let url = nginx.url(port, "/big.bin");
        fetch_in(out.path(), &["-sS", "--cacert", &cacert, "-o", "big", &url]).expect(0);
        let got = std::fs::read(out.path().join("big")).unwrap();
        assert_eq!(sha256(&got), big, "tls={tls}");
        let url = nginx.url(port, "/text.txt");
        let run = fetch_in(
            out.path(),
            &["-sS", "--compressed", "--cacert", &cacert, "-D", "h", &url],
        )
        .expect(0);
        let head = std::fs::read_to_string(out.path().join("h")).unwrap();
        assert!(head.contains("Content-Encoding: gzip"), "{head}");
        assert_eq!(sha256(&run.stdout), sha256(&text), "gzip tls={tls}");
    }
    std::fs::write(out.path().join("resumed.part"), &pattern(BIG)[..BIG / 3]).unwrap();
    let url = nginx.url(Port::Plain, "/big.bin");
    fetch_in(out.path(), &["-sS", "-C", "-", "-o", "resumed", &url]).expect(0);
    assert_eq!(
        sha256(&std::fs::read(out.path().join("resumed")).unwrap()),
        big
    );
}
