//! The output flags of `out_flags.rs` against the in-test server: `-J`'s names, and `-:`'s
//! groups each with their own options.

use crate::support::fetch_run::fetch_in;
use crate::support::http_server::{ok, reply, Server};
use std::fs;

/// A server whose every reply offers `disposition` as its Content-Disposition.
fn offering(disposition: &'static str) -> Server {
    Server::plain(move |_, stream| {
        let head = format!(
            "HTTP/1.1 200 OK\r\nContent-Disposition: {disposition}\r\nContent-Length: 6\r\n\r\n"
        );
        reply(stream, &[head.as_bytes(), b"named\n"].concat())
    })
}

/// `-OJ` saves under RFC 6266's `filename*` (UTF-8, percent-encoded), preferred to
/// `filename`, and leaves no `.part` of the URL's own name behind.
#[test]
fn remote_header_name_prefers_filename_star() {
    let server = offering("attachment; filename=plain.txt; filename*=UTF-8''n%C3%A4me.txt");
    let dir = tempfile::tempdir().unwrap();
    fetch_in(dir.path(), &["-s", "-OJ", &server.url("/dl")]).expect(0);
    let names: Vec<_> = fs::read_dir(dir.path())
        .unwrap()
        .map(|e| e.unwrap().file_name().into_string().unwrap())
        .collect();
    assert_eq!(names, ["näme.txt"]);
    assert_eq!(fs::read(dir.path().join("näme.txt")).unwrap(), b"named\n");
}

/// A name with a path lands in --output-dir under its base name, never outside it.
#[test]
fn remote_header_name_stays_in_the_output_dir() {
    let server = offering("attachment; filename*=UTF-8''..%2F..%2Fescaped.txt");
    let top = tempfile::tempdir().unwrap();
    let out = top.path().join("a/b");
    fs::create_dir_all(&out).unwrap();
    fetch_in(
        top.path(),
        &["-s", "-OJ", "--output-dir", "a/b", &server.url("/dl")],
    )
    .expect(0);
    assert_eq!(fs::read(out.join("escaped.txt")).unwrap(), b"named\n");
    assert!(!top.path().join("escaped.txt").exists());
    assert!(!top.path().join("a/escaped.txt").exists());
}

/// A file that already has the server's name is left as it was: exit 23, as curl 7.88,
/// and no `.part` file left behind.
#[test]
fn remote_header_name_never_replaces_a_file() {
    let server = offering("attachment; filename=\"name.txt\"");
    let dir = tempfile::tempdir().unwrap();
    fs::write(dir.path().join("name.txt"), b"precious\n").unwrap();
    let run = fetch_in(dir.path(), &["-sS", "-OJ", &server.url("/dl")]).expect(23);
    assert!(run.stderr.contains("name.txt"), "{}", run.stderr);
    assert_eq!(
        fs::read(dir.path().join("name.txt")).unwrap(),
        b"precious\n"
    );
    assert_eq!(fs::read_dir(dir.path()).unwrap().count(), 1);
}

/// `-:` starts a group with options of its own: the first URL is a plain GET, the second
/// a POST with its header and data; neither group's options leak into the other.
#[test]
fn next_groups_take_their_own_options() {
    let server = Server::plain(|_, stream| reply(stream, &ok(b"ok\n")));
    let dir = tempfile::tempdir().unwrap();
    let url = server.url("/x");
    fetch_in(
        dir.path(),
        &[
            "-s", "-H", "X-One: 1", &url, "-:", "-H", "X-Two: 2", "-d", "data", &url,
        ],
    )
    .expect(0);
    let requests = server.requests();
    assert_eq!(requests.len(), 2);
    assert_eq!(requests[0].method, "GET");
    assert_eq!(requests[0].header("x-one"), Some("1"));
    assert_eq!(requests[0].header("x-two"), None);
    assert_eq!(requests[1].method, "POST");
    assert_eq!(requests[1].body, b"data");
    assert_eq!(requests[1].header("x-one"), None);
}

/// A `--next` with nothing after it is curl's usage error (2), after the URLs before it
/// were fetched, as curl fetches them.
#[test]
fn next_without_a_url_after_it_is_a_usage_error() {
    let server = Server::plain(|_, stream| reply(stream, &ok(b"ok\n")));
    let dir = tempfile::tempdir().unwrap();
    let run = fetch_in(dir.path(), &["-s", &server.url("/x"), "--next"]).expect(2);
    assert_eq!(run.out(), "ok\n");
    assert_eq!(server.requests().len(), 1);
}
