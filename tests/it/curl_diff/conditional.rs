//! Lines about conditional and cached downloads: `--etag-save` and `--etag-compare`, the
//! 304 that leaves an existing output alone (issue 19).

use super::{check, line, Line};

/// sockit saves and compares ETags as curl does.
#[test]
fn conditional_downloads_are_curls() {
    check(table());
}

fn table() -> Vec<Line> {
    vec![
        line(&["-s", "--etag-save", "tag", "{u}/etag"]),
        line(&["-s", "--etag-save", "tag", "-o", "out", "{u}/etag"]),
        line(&["-s", "--etag-save", "tag", "{u}/hello"]),
        line(&["-s", "--etag-save", "tag", "{u}/hello"]).file("tag", b"old\n"),
        line(&["-s", "--etag-compare", "tag", "{u}/etag"]).file("tag", b"\"v1\"\n"),
        line(&["-s", "--etag-compare", "tag", "-o", "out", "{u}/etag"])
            .file("tag", b"\"v1\"\n")
            .file("out", b"kept\n"),
        line(&["-s", "--etag-compare", "tag", "-o", "out", "{u}/etag"]).file("tag", b"\"v1\"\n"),
        line(&["-s", "--etag-compare", "tag", "-o", "out", "{u}/etag"])
            .file("tag", b"\"v0\"\n")
            .file("out", b"old\n"),
        line(&["-s", "--etag-compare", "tag", "{u}/etag"]).file("tag", b""),
        line(&["-s", "--etag-compare", "tag", "{u}/etag"]).file("tag", b"\"v1\"\r\nx\n"),
        line(&["-s", "--etag-compare", "missing", "{u}/etag"]),
        line(&[
            "-s",
            "--etag-compare",
            "tag",
            "--etag-save",
            "tag",
            "-o",
            "out",
            "{u}/etag",
        ])
        .file("tag", b"\"v1\"\n")
        .file("out", b"kept\n"),
        line(&["-s", "-i", "--etag-compare", "tag", "{u}/etag"]).file("tag", b"\"v1\"\n"),
    ]
}
