//! Chunked trailers (issue 10): checked like header lines, never copied raw to a terminal,
//! and printed after the body with -i, as curl does.

use crate::support::fetch_run::{fetch, fetch_in};
use crate::support::http_server::{reply, Server};

fn chunked_with(trailers: &'static [u8]) -> Server {
    Server::plain(move |_, s| {
        let mut r =
            b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n4\r\nbody\r\n0\r\n".to_vec();
        r.extend_from_slice(trailers);
        reply(s, &r)
    })
}

/// -i shows the head, the body, then the trailer lines without a blank line after them,
/// as curl does.
#[test]
fn include_prints_trailers_after_the_body() {
    let server = chunked_with(b"X-Sum: 42\r\n\r\n");
    let run = fetch(&["-i", &server.url("/")]).expect(0);
    assert_eq!(
        run.out(),
        "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\nbodyX-Sum: 42\r\n"
    );
    assert_eq!(fetch(&[&server.url("/")]).expect(0).out(), "body");
}

/// An escape sequence, a NUL or a bad name in a trailer is a weird reply (8); with -o the
/// file is not committed and nothing raw reaches stdout.
#[test]
fn control_bytes_in_trailers_are_8() {
    for bad in [
        &b"X-Title: \x1b]0;owned\x07\r\n\r\n"[..],
        b"X-Nul: a\x00b\r\n\r\n",
        b"Bad Name: 1\r\n\r\n",
    ] {
        let server = chunked_with(bad);
        let dir = tempfile::tempdir().unwrap();
        let run = fetch_in(dir.path(), &["-o", "f", &server.url("/")]);
        assert_eq!(
            run.code,
            8,
            "{:?}: {}",
            String::from_utf8_lossy(bad),
            run.stderr
        );
        assert!(!run.stdout.contains(&0x1b) && !run.stdout.contains(&0));
        assert!(!dir.path().join("f").exists());
    }
}
