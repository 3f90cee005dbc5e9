//! Interop with a real nginx (`support::nginx`) over HTTP/1.1: plain and TLS, gzip, a
//! 16 MiB file, resume, checked by SHA-256; its cookies through -b, -c and -L. Fails under CI=true when nginx is not
//! installed (`.ci/run` installs it), and says it skipped otherwise.

use crate::support::fetch_run::fetch_in;
use crate::support::http_server::pattern;
use crate::support::nginx::{find_nginx, Nginx, Port};

const BIG: usize = 16 << 20;

/// A login that sets cookies with `add_header` and redirects, and a page that echoes the
/// Cookie header it got; in both servers, so https sets a Secure cookie as well.
const COOKIE_LOCATIONS: &str = "\
    location = /login { add_header Set-Cookie \"session=abc; Path=/; HttpOnly\";\n\
      add_header Set-Cookie \"pref=dark; Max-Age=3600\";\n\
      add_header Set-Cookie \"tls=1; Secure\";\n\
      add_header Set-Cookie \"narrow=1; Path=/private\";\n\
      return 302 /account; }\n\
    location = /account { return 200 \"cookie: $http_cookie\\n\"; }\n\
    location = /logout { add_header Set-Cookie \"session=; Max-Age=0; Path=/\";\n\
      return 200 \"bye\\n\"; }\n";

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

/// nginx's Set-Cookie headers are kept across a redirect and sent back on it, saved by -c,
/// read again by -b in the next run, deleted by Max-Age=0; a Secure cookie kept from
/// 127.0.0.1 and https, which curl both counts as secure.
#[test]
fn nginx_cookies() {
    let found = find_nginx();
    if !crate::support::require(found.is_some(), "nginx") {
        return;
    }
    let nginx = Nginx::start_with(&found.expect("checked above"), &[], COOKIE_LOCATIONS);
    let out = tempfile::tempdir().unwrap();
    let (login, account) = (
        nginx.url(Port::Plain, "/login"),
        nginx.url(Port::Plain, "/account"),
    );
    let run = fetch_in(out.path(), &["-sS", "-L", "-c", "jar", &login]).expect(0);
    assert_eq!(run.out(), "cookie: session=abc; pref=dark; tls=1\n");
    let jar = std::fs::read_to_string(out.path().join("jar")).unwrap();
    assert!(
        jar.contains("#HttpOnly_127.0.0.1\tFALSE\t/\tFALSE\t0\tsession\tabc"),
        "{jar}"
    );
    assert!(
        jar.contains("127.0.0.1\tFALSE\t/\tTRUE\t0\ttls\t1"),
        "{jar}"
    );
    let logout = nginx.url(Port::Plain, "/logout");
    let run = fetch_in(
        out.path(),
        &["-sS", "-b", "jar", "-c", "jar", &account, &logout, &account],
    )
    .expect(0);
    assert_eq!(
        run.out(),
        "cookie: session=abc; pref=dark; tls=1\nbye\ncookie: pref=dark; tls=1\n"
    );
    let cacert = nginx.cacert();
    let (login, account) = (
        nginx.url(Port::Tls, "/login"),
        nginx.url(Port::Tls, "/account"),
    );
    let run = fetch_in(
        out.path(),
        &["-sS", "--cacert", &cacert, "-L", "-b", "", &login, &account],
    )
    .expect(0);
    assert_eq!(
        run.out(),
        "cookie: session=abc; pref=dark; tls=1\ncookie: session=abc; pref=dark; tls=1\n"
    );
}
