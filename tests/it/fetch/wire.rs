//! The wire flags of issue 26 (`--path-as-is`, `--proto-default` ...): how a URL becomes
//! the request and how the reply's bytes are taken, as curl 7.88 does.

use crate::support::fetch_run::fetch;
use crate::support::http_server::{ok, reply, Server};

/// `--path-as-is` sends `..`, `.` and `%2e%2e` as typed, where the url crate would squash
/// them (`/b/c`).
#[test]
fn path_as_is_sends_the_typed_path() {
    let server = Server::plain(|req, s| reply(s, &ok(req.target.as_bytes())));
    let url = server.url("/a/../b/./c/%2e%2e/d?x/../y");
    let run = fetch(&["-s", "--path-as-is", &url]).expect(0);
    assert_eq!(run.out(), "/a/../b/./c/%2e%2e/d?x/../y");
    let run = fetch(&["-s", &server.url("/a/../b/./c")]).expect(0);
    assert_eq!(run.out(), "/b/c");
}

/// `--proto-default https` makes a URL typed without a scheme an https one; a name curl does
/// not know is exit 1, and one sockit does not speak fails its URL with exit 1.
#[test]
fn proto_default_picks_the_missing_scheme() {
    let server = Server::tls(|req, s| reply(s, &ok(req.target.as_bytes())));
    let bare = server.url("/x").replace("https://", "");
    let run = fetch(&["-sk", "--proto-default", "HTTPS", &bare]).expect(0);
    assert_eq!(run.out(), "/x");
    let run = fetch(&["-sS", "--proto-default", "foo", &bare]).expect(1);
    assert!(run.stderr.contains("\"foo\""), "{}", run.stderr);
    fetch(&["-s", "--proto-default", "ftp", &bare]).expect(1);
}

/// A reply without a status line is curl's exit 1 ("Received HTTP/0.9 when not allowed"),
/// a leading blank line before the status line too; `--http0.9` takes it as the body,
/// `%{http_code}` 000 and `%{http_version}` 0, to a file as well.
#[test]
fn http09_is_refused_unless_allowed() {
    let bare = Server::plain(|_, s| reply(s, b"hello there\n"));
    let blank =
        Server::plain(|_, s| reply(s, b"\r\nHTTP/1.1 200 OK\r\nContent-Length: 3\r\n\r\nabc"));
    for server in [&bare, &blank] {
        let run = fetch(&["-sS", &server.url("/")]).expect(1);
        assert!(
            run.stderr.contains("Received HTTP/0.9 when not allowed"),
            "{}",
            run.stderr
        );
    }
    let format = "%{http_code} %{http_version}";
    let run = fetch(&["-s", "--http0.9", "-i", "-w", format, &bare.url("/")]).expect(0);
    assert_eq!(run.out(), "hello there\n000 0");
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("f");
    let out_arg = out.to_str().unwrap();
    fetch(&["-s", "--http0.9", "-o", out_arg, &bare.url("/")]).expect(0);
    assert_eq!(std::fs::read(&out).unwrap(), b"hello there\n");
}

/// `data` gzipped.
fn gzip(data: &[u8]) -> Vec<u8> {
    use std::io::Write;
    let mut encoder = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
    encoder.write_all(data).unwrap();
    encoder.finish().unwrap()
}

/// `body` as one chunk and the last, with `Transfer-Encoding: CODINGS`.
fn chunked(codings: &str, extra: &str, body: &[u8]) -> Vec<u8> {
    let mut reply = format!(
        "HTTP/1.1 200 OK\r\nTransfer-Encoding: {codings}\r\n{extra}\r\n{:x}\r\n",
        body.len()
    )
    .into_bytes();
    reply.extend_from_slice(body);
    reply.extend_from_slice(b"\r\n0\r\n\r\n");
    reply
}

/// A gzip Transfer-Encoding is decoded with `--tr-encoding` or without, as curl does; the
/// flag asks for it with `Connection: TE` and `TE: gzip`, a `-H Connection` value joining
/// TE in one line, and a `-H TE` of the user's replacing both.
#[test]
fn tr_encoding_asks_for_gzip_and_it_is_decoded() {
    let server =
        Server::plain(|_, s| reply(s, &chunked("gzip, chunked", "", &gzip(b"hello te\n"))));
    let run = fetch(&["-s", &server.url("/")]).expect(0);
    assert_eq!(run.out(), "hello te\n");
    assert_eq!(server.requests()[0].header("te"), None);
    let run = fetch(&["-s", "--tr-encoding", &server.url("/")]).expect(0);
    assert_eq!(run.out(), "hello te\n");
    let asked = &server.requests()[1];
    assert_eq!(
        (asked.header("connection"), asked.header("te")),
        (Some("TE"), Some("gzip"))
    );
    fetch(&[
        "-s",
        "--tr-encoding",
        "-H",
        "Connection: close",
        &server.url("/"),
    ])
    .expect(0);
    let merged = &server.requests()[2];
    assert_eq!(merged.header("connection"), Some("close, TE"));
    assert_eq!(
        merged
            .headers
            .iter()
            .filter(|(n, _)| n.eq_ignore_ascii_case("connection"))
            .count(),
        1
    );
    fetch(&[
        "-s",
        "--tr-encoding",
        "-H",
        "TE: trailers",
        &server.url("/"),
    ])
    .expect(0);
    let own = &server.requests()[3];
    assert_eq!(
        (own.header("connection"), own.header("te")),
        (None, Some("trailers"))
    );
}

/// `--raw` writes the body as received: the chunk sizes and trailers, a gzip
/// Transfer-Encoding and a Content-Encoding asked for with `--compressed` all left in.
#[test]
fn raw_leaves_framing_and_codings_in() {
    let packed = gzip(b"hello raw\n");
    let wire = chunked("gzip, chunked", "Content-Type: text/plain\r\n", &packed);
    let expected = wire[wire.windows(4).position(|w| w == b"\r\n\r\n").unwrap() + 4..].to_vec();
    let server = Server::plain(move |_, s| reply(s, &wire));
    let run = fetch(&["-s", "--raw", &server.url("/")]).expect(0);
    assert_eq!(run.stdout, expected);
    let encoded = [
        format!(
            "HTTP/1.1 200 OK\r\nContent-Encoding: gzip\r\nContent-Length: {}\r\n\r\n",
            packed.len()
        )
        .into_bytes(),
        packed.clone(),
    ]
    .concat();
    let server = Server::plain(move |_, s| reply(s, &encoded));
    let run = fetch(&["-s", "--raw", "--compressed", &server.url("/")]).expect(0);
    assert_eq!(run.stdout, packed);
    let run = fetch(&["-s", "--compressed", &server.url("/")]).expect(0);
    assert_eq!(run.out(), "hello raw\n");
}

/// `--ignore-content-length` reads the body until the server closes, past a Content-Length
/// that says less (curl's cure for Apache 1.x's lengths past 2 GiB).
#[test]
fn ignore_content_length_reads_until_close() {
    let server =
        Server::plain(|_, s| reply(s, b"HTTP/1.1 200 OK\r\nContent-Length: 3\r\n\r\nabcdef"));
    let run = fetch(&["-s", &server.url("/")]).expect(0);
    assert_eq!(run.out(), "abc");
    let run = fetch(&["-s", "--ignore-content-length", &server.url("/")]).expect(0);
    assert_eq!(run.out(), "abcdef");
}

/// `--form-escape` sends -F names and file names with backslashes before `\` and `"`,
/// where the default sends `"` as `%22`.
#[test]
fn form_escape_uses_backslashes() {
    let server = Server::plain(|req, s| reply(s, &ok(&req.body)));
    let part = "n\"a\\b=v;filename=x\"y\\z";
    let run = fetch(&["-s", "-F", part, &server.url("/")]).expect(0);
    assert!(
        run.out()
            .contains("name=\"n%22a\\b\"; filename=\"x%22y\\z\""),
        "{}",
        run.out()
    );
    let run = fetch(&["-s", "--form-escape", "-F", part, &server.url("/")]).expect(0);
    assert!(
        run.out()
            .contains("name=\"n\\\"a\\\\b\"; filename=\"x\\\"y\\\\z\""),
        "{}",
        run.out()
    );
}
