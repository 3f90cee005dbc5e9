//! Request flags (issue 10): the -d family, --json, -T, -e and -r, as curl sends them.

use crate::support::fetch_run::{fetch, fetch_in};
use crate::support::http_server::{ok, pattern, reply, Server};

/// Echoes the request: method, content type, accept, range, referer, then the body.
fn echo() -> Server {
    Server::plain(|req, s| {
        let mut out = format!(
            "{} {} ct={} accept={} range={} referer={}\n",
            req.method,
            req.target,
            req.header("content-type").unwrap_or("-"),
            req.header("accept").unwrap_or("-"),
            req.header("range").unwrap_or("-"),
            req.header("referer").unwrap_or("-"),
        )
        .into_bytes();
        out.extend_from_slice(&req.body);
        reply(s, &ok(&out))
    })
}

/// -d pieces join with &; -d @FILE drops line breaks, --data-binary @FILE keeps them,
/// --data-raw sends @ literally; all are a POSTed form, joined in the order typed.
#[test]
fn data_flags_build_a_form() {
    let server = echo();
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("f"), b"x=1\ny=2\n").unwrap();
    let form = "ct=application/x-www-form-urlencoded accept=*/* range=- referer=-";
    let run = fetch_in(dir.path(), &["-d", "a=1", "-d", "@f", &server.url("/p")]).expect(0);
    assert_eq!(run.out(), format!("POST /p {form}\na=1&x=1y=2"));
    let run = fetch_in(dir.path(), &["--data-binary", "@f", &server.url("/p")]).expect(0);
    assert_eq!(run.out(), format!("POST /p {form}\nx=1\ny=2\n"));
    let run = fetch_in(dir.path(), &["--data-raw", "@f", &server.url("/p")]).expect(0);
    assert_eq!(run.out(), format!("POST /p {form}\n@f"));
    let mixed = [
        "--data-raw",
        "@f",
        "-d",
        "@f",
        "--data-binary",
        "b",
        &server.url("/p"),
    ];
    let run = fetch_in(dir.path(), &mixed).expect(0);
    assert_eq!(
        run.out(),
        format!("POST /p {form}\n@f&x=1y=2&b"),
        "in the order typed"
    );
}

/// --json sends JSON and asks for JSON back.
#[test]
fn json_sets_both_types() {
    let server = echo();
    let run = fetch(&["--json", "{\"a\":", "--json", "1}", &server.url("/j")]).expect(0);
    assert_eq!(
        run.out(),
        "POST /j ct=application/json accept=application/json range=- referer=-\n{\"a\":1}"
    );
    fetch(&["--json", "{}", "-d", "x", &server.url("/j")]).expect(2);
}

/// -T FILE PUTs the file byte for byte; to a URL ending in / under the file's name.
#[test]
fn upload_file_puts_it() {
    let server = echo();
    let dir = tempfile::tempdir().unwrap();
    let data = pattern(1 << 20);
    std::fs::write(dir.path().join("up.bin"), &data).unwrap();
    let run = fetch_in(dir.path(), &["-T", "up.bin", &server.url("/dir/")]).expect(0);
    let head = "PUT /dir/up.bin ct=- accept=*/* range=- referer=-\n";
    assert!(run.stdout.starts_with(head.as_bytes()), "{}", run.out());
    assert!(run.stdout[head.len()..] == data[..], "the upload differs");
    let run = fetch_in(dir.path(), &["-T", "missing", &server.url("/")]).expect(26);
    assert!(run.stderr.contains("missing"), "{}", run.stderr);
}

/// -e sends Referer, -r sends Range and the 206 reply is written; a bad range or a line
/// break in -e is a usage error.
#[test]
fn referer_and_range() {
    let server = echo();
    let run = fetch(&["-e", "http://from.test/", "-r", "0-9,20-", &server.url("/")]).expect(0);
    assert_eq!(
        run.out(),
        "GET / ct=- accept=*/* range=bytes=0-9,20- referer=http://from.test/\n"
    );
    fetch(&["-r", "ten-twenty", &server.url("/")]).expect(2);
    fetch(&["-e", "a\r\nX: y", &server.url("/")]).expect(2);
    let partial = Server::plain(|_, s| {
        reply(
            s,
            b"HTTP/1.1 206 Partial Content\r\nContent-Range: bytes 0-3/10\r\nContent-Length: 4\r\n\r\nabcd",
        )
    });
    assert_eq!(
        fetch(&["-r", "0-3", &partial.url("/")]).expect(0).out(),
        "abcd"
    );
}
