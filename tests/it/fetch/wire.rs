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
