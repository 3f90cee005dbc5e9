//! The cookie flags' failures: what fetch does when the jar cannot be written or a cookie
//! file cannot be read (the bytes on the wire are in `tests/it/curl_diff/cookies.rs`).

use crate::support::fetch_run::fetch_in;
use crate::support::http_server::{ok, reply, Server};

/// A jar that cannot be written fails the run with curl's write error (23), the body still
/// delivered and no temporary file left beside the jar.
#[test]
fn an_unwritable_jar_is_a_write_error() {
    let server = Server::plain(|_, s| reply(s, &ok(b"hello\n")));
    let dir = tempfile::tempdir().unwrap();
    std::fs::create_dir(dir.path().join("jar")).unwrap();
    let run = fetch_in(dir.path(), &["-sS", "-c", "jar", &server.url("/")]).expect(23);
    assert!(run.stderr.contains("jar"), "{}", run.stderr);
    assert!(!run.stdout.is_empty());
    let names: Vec<_> = std::fs::read_dir(dir.path()).unwrap().collect();
    assert_eq!(names.len(), 1, "{names:?}");
}

/// A cookie file that exists but cannot be read is curl's read error (26), before any
/// request; one that does not exist is no cookies, as in curl.
#[test]
fn an_unreadable_cookie_file_is_a_read_error() {
    let server = Server::plain(|_, s| reply(s, &ok(b"hello\n")));
    let dir = tempfile::tempdir().unwrap();
    fetch_in(dir.path(), &["-sS", "-b", ".", &server.url("/")]).expect(26);
    fetch_in(dir.path(), &["-sS", "-b", "missing", &server.url("/")]).expect(0);
}
