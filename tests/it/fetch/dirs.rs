//! `--create-dirs` beyond what the differential table sees: the mode of what it makes.

use crate::support::fetch_run::fetch_in;
use crate::support::http_server::{ok, reply, Server};

/// The directories `--create-dirs` makes are mode 0750, as curl makes them.
#[test]
fn created_directories_are_0750() {
    use std::os::unix::fs::PermissionsExt;
    let server = Server::plain(|_, s| reply(s, &ok(b"x")));
    let dir = tempfile::tempdir().unwrap();
    fetch_in(
        dir.path(),
        &["-s", "--create-dirs", "-o", "a/b/f", &server.url("/")],
    )
    .expect(0);
    for made in ["a", "a/b"] {
        let mode = std::fs::metadata(dir.path().join(made))
            .unwrap()
            .permissions()
            .mode();
        assert_eq!(mode & 0o777, 0o750, "{made}");
    }
}
