//! --checksum (issue 10, beyond curl): verified while streaming, before the rename; a
//! mismatch deletes the .part, leaves FILE untouched and exits 32.

use crate::support::fetch_run::{fetch, fetch_in};
use crate::support::http_server::{ok, pattern, reply, Server};
use crate::support::ranges::Ranges;
use std::fs;

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

fn sha256(data: &[u8]) -> String {
    hex(ring::digest::digest(&ring::digest::SHA256, data).as_ref())
}

/// The right digest commits the file; a wrong one removes the .part and keeps the old FILE.
#[test]
fn mismatch_keeps_the_old_file() {
    let body = pattern(200_000);
    let sent = body.clone();
    let server = Server::plain(move |_, s| reply(s, &ok(&sent)));
    let dir = tempfile::tempdir().unwrap();
    let good = format!("sha256={}", sha256(&body));
    fetch_in(
        dir.path(),
        &["-s", "--checksum", &good, "-o", "f", &server.url("/")],
    )
    .expect(0);
    assert!(fs::read(dir.path().join("f")).unwrap() == body);
    fs::write(dir.path().join("f"), b"old").unwrap();
    let bad = format!("sha256={}", sha256(b"something else"));
    let run = fetch_in(
        dir.path(),
        &["-sS", "--checksum", &bad, "-o", "f", &server.url("/")],
    );
    assert_eq!(run.code, 32, "{}", run.stderr);
    assert!(run.stderr.contains(&sha256(&body)), "{}", run.stderr);
    assert_eq!(fs::read(dir.path().join("f")).unwrap(), b"old");
    assert!(!dir.path().join("f.part").exists());
    let md5 = "md5=900150983cd24fb0d6963f7d28e17f72";
    let abc = Server::plain(|_, s| reply(s, &ok(b"abc")));
    assert_eq!(
        fetch(&["--checksum", md5, &abc.url("/")]).expect(0).out(),
        "abc"
    );
    fetch(&["--checksum", "crc=00", &abc.url("/")]).expect(2);
}

/// A resumed download is verified over the whole file: the kept bytes and the new ones.
#[test]
fn resumed_download_is_verified_whole() {
    let body = pattern(100_000);
    let server = Ranges::new(body.clone()).serve();
    let dir = tempfile::tempdir().unwrap();
    fs::write(dir.path().join("f.part"), &body[..40_000]).unwrap();
    let good = format!("sha256={}", sha256(&body));
    let flags = ["-s", "-C", "-", "--checksum", &good, "-o", "f"];
    fetch_in(dir.path(), &[&flags[..], &[&server.url("/")]].concat()).expect(0);
    assert!(fs::read(dir.path().join("f")).unwrap() == body);
}
