//! Lines about the wire flags: the request target as typed (`--path-as-is`, and the bytes
//! curl sends raw where the url crate encodes them; a space refused), the scheme of a
//! URL typed without one (`--proto-default`), a reply without a status line (`--http0.9`),
//! the body's framing and codings (`--raw`, `--tr-encoding`, `--ignore-content-length`), and
//! -F's names (`--form-escape`).

use super::{check, line, Line};

/// sockit takes the wire flags as curl does.
#[test]
fn wire_flags_are_curls() {
    check(table());
}

fn table() -> Vec<Line> {
    vec![
        line(&["-s", "--path-as-is", "http://{a}/a/../hello"]),
        line(&["-s", "--path-as-is", "{u}/x/./../%2e%2e/hello?q=./.."]),
        line(&["-s", "--path-as-is", "{u}"]),
        line(&["-s", "--path-as-is", "{u}/a\\b/.."]),
        line(&["-s", "{u}/a\\b?c\\d"]),
        line(&["-s", "{u}/a\\..\\b/../c"]),
        line(&["-s", "{u}/a\"b<>`^|?q=\"<>`'"]),
        line(&["-s", "-w", "%{url_effective} %{url}", "{u}/ä/x?ä#ä"]),
        line(&[
            "-s",
            "-w",
            "%{url_effective} %{url}",
            "{u}/a/%2e%2e/b/./c/..",
        ]),
        line(&["-s", "-w", "%{url_effective} %{url}", "{u}/a/../hello"]),
        line(&["-s", "-G", "-d", "x=\"", "{u}/a\"b"]),
        line(&["-s", "http://LocalHost:{p}/hello"]),
        line(&["-s", "-x", "{u}", "http://Example.COM/"]),
        line(&["-s", "{u}/a b"]),
        line(&["-s", "{u}/a\tb"]),
        line(&["-s", "{u}/#a b"]),
        line(&["-s", "--proto-default", "http", "{a}/hello"]),
        line(&["-s", "--proto-default", "HTTP", "{a}/hello"]),
        line(&["-s", "--proto-default", "foo", "{a}/hello"]),
        line(&["-s", "--proto-default", "https", "{u}/hello"]),
        line(&["-s", "{u}/http09"]),
        line(&["-s", "--http0.9", "{u}/http09"]),
        line(&[
            "-s",
            "--http0.9",
            "-i",
            "-w",
            "%{http_code} %{http_version}",
            "{u}/http09",
        ]),
        line(&["-s", "--http0.9", "-o", "out", "{u}/http09"]),
        line(&["-s", "{u}/blank-first"]),
        line(&["-s", "--http0.9", "{u}/blank-first"]),
        line(&["-s", "{u}/te-gzip"]),
        line(&["-s", "--tr-encoding", "{u}/te-gzip"]),
        line(&[
            "-s",
            "--tr-encoding",
            "-H",
            "Connection: close",
            "{u}/hello",
        ]),
        line(&["-s", "--tr-encoding", "-H", "TE: trailers", "{u}/hello"]),
        line(&[
            "-s",
            "--tr-encoding",
            "--compressed",
            "-e",
            "r",
            "-d",
            "a",
            "{u}/hello",
        ]),
        line(&["-s", "--raw", "{u}/te-gzip"]),
        line(&["-s", "--raw", "{u}/trailers"]),
        line(&["-s", "--raw", "-i", "{u}/trailers"]),
        line(&["-s", "--ignore-content-length", "{u}/chunked"]),
        line(&["-s", "--raw", "-o", "out", "{u}/chunked"]),
        line(&["-s", "--raw", "--compressed", "{u}/gzip"]),
        line(&["-s", "{u}/long-body"]),
        line(&["-s", "--ignore-content-length", "{u}/long-body"]),
        line(&["-s", "-F", "n\"a\\b=v;filename=x\"y\\z", "{u}/hello"]),
        line(&[
            "-s",
            "--form-escape",
            "-F",
            "n\"a\\b=v;filename=x\"y\\z",
            "{u}/hello",
        ]),
        line(&["-s", "--form-escape", "-F", "f=@q\"a\\b", "{u}/hello"]).file("q\"a\\b", b"x"),
    ]
}
