//! Conditional downloads: a 304 to `--etag-compare` leaves the existing output alone,
//! `--etag-save` writes the ETag whole, and `-z FILE` takes FILE's mtime.

use crate::support::fetch_run::fetch_in;
use crate::support::recorder::{Recorder, ETAG, LAST_MODIFIED};
use std::fs;
use std::time::Duration;

/// A 304 leaves an existing `-o` file byte for byte as it was (its mtime too), leaves no
/// `.part` file, and exits 0; the request carried the saved ETag.
#[test]
fn not_modified_leaves_the_output_untouched() {
    let server = Recorder::start();
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("out");
    let precious: Vec<u8> = (0..=255u8).cycle().take(4096).collect();
    fs::write(&out, &precious).unwrap();
    let mtime = fs::metadata(&out).unwrap().modified().unwrap();
    fs::write(dir.path().join("tag"), format!("{ETAG}\n")).unwrap();
    let url = format!("{}/etag", server.base());
    fetch_in(
        dir.path(),
        &["-s", "--etag-compare", "tag", "-o", "out", &url],
    )
    .expect(0);
    let sent = String::from_utf8(server.take(Duration::from_secs(10))).unwrap();
    assert!(
        sent.contains(&format!("\r\nIf-None-Match: {ETAG}\r\n")),
        "{sent}"
    );
    assert_eq!(fs::read(&out).unwrap(), precious);
    assert_eq!(fs::metadata(&out).unwrap().modified().unwrap(), mtime);
    assert!(!dir.path().join("out.part").exists());
}

/// `--etag-save` replaces an old tag file with the new ETag and a newline, leaving no
/// temporary file beside it.
#[test]
fn etag_save_replaces_the_tag_file_whole() {
    let server = Recorder::start();
    let dir = tempfile::tempdir().unwrap();
    fs::write(dir.path().join("tag"), b"\"old-and-longer\"\n").unwrap();
    let url = format!("{}/etag", server.base());
    fetch_in(dir.path(), &["-s", "--etag-save", "tag", "-o", "out", &url]).expect(0);
    assert_eq!(
        fs::read_to_string(dir.path().join("tag")).unwrap(),
        format!("{ETAG}\n")
    );
    let mut names: Vec<_> = fs::read_dir(dir.path())
        .unwrap()
        .map(|e| e.unwrap().file_name().into_string().unwrap())
        .collect();
    names.sort();
    assert_eq!(names, ["out", "tag"]);
}

/// `-z FILE` sends FILE's mtime as If-Modified-Since (`-z -FILE`: If-Unmodified-Since), and
/// the 304 it earns leaves the output alone; a 200 for a document modified in that very
/// second is not older than FILE, so `-z -FILE` drops its body, as curl does.
#[test]
fn time_cond_takes_a_files_mtime() {
    let server = Recorder::start();
    let dir = tempfile::tempdir().unwrap();
    let modified = httpdate::parse_http_date(LAST_MODIFIED).unwrap();
    let stamp = fs::File::create(dir.path().join("stamp")).unwrap();
    stamp.set_modified(modified).unwrap();
    fs::write(dir.path().join("out"), b"kept\n").unwrap();
    let url = format!("{}/since", server.base());
    fetch_in(dir.path(), &["-s", "-z", "stamp", "-o", "out", &url]).expect(0);
    let sent = String::from_utf8(server.take(Duration::from_secs(10))).unwrap();
    assert!(
        sent.contains(&format!("\r\nIf-Modified-Since: {LAST_MODIFIED}\r\n")),
        "{sent}"
    );
    assert_eq!(fs::read(dir.path().join("out")).unwrap(), b"kept\n");
    let run = fetch_in(dir.path(), &["-s", "-z", "-stamp", &url]).expect(0);
    let sent = String::from_utf8(server.take(Duration::from_secs(10))).unwrap();
    assert!(
        sent.contains(&format!("\r\nIf-Unmodified-Since: {LAST_MODIFIED}\r\n")),
        "{sent}"
    );
    assert_eq!(run.stdout, b"");
}
