//! Lines about conditional and cached downloads: `--etag-save`, `--etag-compare` and
//! `-z`'s dates, the 304 that leaves an existing output alone (issue 19). `-z FILE` is in
//! tests/it/fetch/conditional.rs: a file made per run would put a different second in the
//! two runs' requests.

use super::{check, line, Line};

/// sockit saves and compares ETags, and reads `-z` dates, as curl does.
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
        line(&["-s", "-z", "Sun, 09 Sep 2001 01:46:40 GMT", "{u}/since"]),
        line(&["-s", "-z", "Sat, 08 Sep 2001 01:46:40 GMT", "{u}/since"]),
        line(&[
            "-s",
            "-z",
            "Sun, 09 Sep 2001 01:46:40 GMT",
            "-o",
            "out",
            "{u}/since",
        ])
        .file("out", b"kept\n"),
        line(&["-s", "-z", "20020101", "-o", "out", "{u}/since"]),
        line(&["-s", "-z", "+20020101", "{u}/since"]),
        line(&["-s", "-z", "-20010101", "{u}/since"]),
        line(&["-s", "-z", "-20020101", "{u}/since"]),
        line(&["-s", "-z", "-20010101", "-o", "out", "{u}/since"]),
        line(&["-s", "-z", "=20010101", "{u}/since"]),
        line(&["-s", "-z", "Sunday, 09-Sep-01 01:46:40 GMT", "{u}/since"]),
        line(&["-s", "-z", "Sun Sep  9 01:46:40 2001", "{u}/since"]),
        line(&["-s", "-z", "9 Sep 2001 03:46 +0200", "{u}/since"]),
        line(&["-s", "-z", "Sun, 09 Sep 2001 01:46:40 GMT", "{u}/hello"]),
        line(&["-s", "-z", "garbage", "{u}/since"]),
        line(&["-s", "-z", "1999", "{u}/since"]),
        line(&["-s", "-z", "20020101", "{u}/ignores-since"]),
        line(&["-s", "-z", "20020101", "-o", "out", "{u}/ignores-since"]).file("out", b"kept\n"),
        line(&["-s", "-z", "20000101", "{u}/ignores-since"]),
        line(&["-s", "-z", "-20000101", "{u}/ignores-since"]),
    ]
}
