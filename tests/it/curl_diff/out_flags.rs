//! Lines about the output flags of `out_flags.rs` and the groups of `-:`: `-J`'s names,
//! and each `--next` group with options of its own.

use super::{check, line, Aspect, Line};

/// Why an RFC 6266 name differs.
const FILENAME_STAR: &str = "sockit reads RFC 6266's filename*=UTF-8''... and prefers it to \
                             filename=, as the RFC asks; curl 7.88 reads only filename=";

/// What sockit names files, and what it refuses, is what curl does.
#[test]
fn output_flags_are_curls() {
    check(table());
}

fn table() -> Vec<Line> {
    vec![
        line(&["-s", "-OJ", "{u}/cd/plain"]),
        line(&["-s", "-O", "-J", "{u}/cd/path"]),
        line(&["-s", "-OJ", "{u}/cd/backslash"]),
        line(&["-s", "-OJ", "{u}/hello"]),
        line(&["-s", "-J", "{u}/cd/plain"]),
        line(&["-s", "-J", "-o", "out", "{u}/cd/plain"]),
        line(&["-s", "-OJ", "--output-dir", "d", "{u}/cd/path"]).file("d/keep", b"k\n"),
        line(&["-sS", "-OJ", "{u}/cd/plain"]).file("name.txt", b"precious\n"),
        line(&["-s", "-OJ", "{u}/cd/empty"]),
        line(&["-s", "-OJ", "-i", "{u}/cd/plain"]),
        line(&["-s", "-OJ", "-C", "-", "{u}/cd/plain"]),
        line(&["-s", "-OJ", "{u}/cd/star"]).differs(&[Aspect::Files], FILENAME_STAR),
        line(&["-s", "-OJ", "{u}/cd/both"]).differs(&[Aspect::Files], FILENAME_STAR),
        line(&["-s", "{u}/hello", "-:", "-d", "x", "{u}/json"]),
        line(&["-s", "-o", "a", "{u}/hello", "--next", "{u}/json"]),
        line(&["-s", "-i", "{u}/hello", "-:", "{u}/json"]),
        line(&[
            "-s",
            "-H",
            "X-A: 1",
            "{u}/hello",
            "-:",
            "-H",
            "X-B: 2",
            "{u}/hello",
        ]),
        line(&[
            "-w",
            "%{urlnum}:%{http_code}\n",
            "-s",
            "{u}/hello",
            "-:",
            "{u}/json",
        ]),
        line(&["-s", "{u}/hello", "-:", "-OJ", "{u}/cd/plain"]),
        line(&["-s", "-d", "--next", "{u}/hello", "-:", "-I", "{u}/json"]),
        line(&["--next", "-s", "{u}/hello", "-:", "-:", "{u}/json"]),
        line(&["-s", "{u}/hello", "--next"]),
        line(&["-s", "-N", "{u}/chunked"]),
        line(&["-#", "-o", "out", "{u}/data"]),
        line(&["--progress-bar", "{u}/hello"]),
        line(&["-s", "--no-buffer", "-o", "out", "{u}/hello"]),
        line(&["--stderr", "err", "-sS", "-o", "out", "{u}/hello"]),
        line(&["--stderr", "err", "-s", "{u}/hello", "-:", "{u}/json"]),
        line(&["-s", "--xattr", "-o", "out", "{u}/hello"]),
        line(&["-s", "--create-file-mode", "0600", "-o", "out", "{u}/hello"]),
        line(&["-s", "--create-file-mode", "999", "{u}/hello"]),
        line(&["-s", "--create-file-mode", "1777", "{u}/hello"]),
    ]
}
