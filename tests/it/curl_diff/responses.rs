//! Lines about the responses a client must take as curl does: LF-only heads, encodings,
//! redirects.

use super::{check, line, Aspect, Line};

/// sockit takes and follows the server's responses as curl does.
#[test]
fn responses_are_curls() {
    check(table());
}

fn table() -> Vec<Line> {
    vec![
        line(&["-s", "{u}/lf"]),
        line(&["-s", "-i", "{u}/lf"]),
        line(&["-s", "-I", "{u}/lf"]),
        line(&["-s", "{u}/lf-chunked"]),
        line(&["-s", "-i", "{u}/lf-chunked"]),
        line(&["-s", "-D", "-", "{u}/lf-chunked"]),
        line(&["-s", "-D", "head", "-o", "out", "{u}/lf"]),
        line(&["-s", "-w", "%{http_code} %{size_header}", "{u}/lf"]),
        line(&["-s", "-L", "{u}/lf-redirect"]),
        line(&["-s", "-i", "-L", "{u}/lf-redirect"]),
        line(&["-s", "{u}/bare-cr"]).differs(
            &[Aspect::Stdout, Aspect::Exit],
            "sockit refuses a bare CR in a head (exit 8), where response splitting and \
             smuggling live; curl takes it",
        ),
        line(&["-sS", "{u}/status-4digit"]),
        line(&["-s", "-i", "-w", "%{http_code}", "{u}/status-4digit"]),
        line(&["-sS", "-o", "out", "{u}/status-low"]),
        line(&["-s", "-i", "{u}/status-loose"]),
        line(&[
            "-s",
            "-w",
            "%{http_code} %{size_header}",
            "{u}/status-loose",
        ]),
        line(&["-s", "{u}/gzip"]),
        line(&["-s", "--compressed", "{u}/gzip"]),
        line(&["-s", "--compressed", "{u}/deflate"]),
        line(&["-s", "--compressed", "{u}/br"]),
        line(&["-s", "--compressed", "{u}/zstd"]),
        line(&["-s", "{u}/zstd"]),
        line(&["-s", "-i", "--compressed", "{u}/zstd"]),
        line(&["-s", "--compressed", "{u}/zstd-frames"]),
        line(&["-s", "--compressed", "{u}/gzip-br"]),
        line(&["-s", "--compressed", "{u}/gzip-then-zstd"]),
        line(&["-s", "--compressed", "{u}/gzip-5"]),
        line(&["-s", "--compressed", "{u}/gzip-6"]),
        line(&["-s", "--compressed", "{u}/gzip-members"]),
        line(&["-s", "--compressed", "{u}/deflate-garbage"]),
        line(&["-s", "--compressed", "-o", "out", "{u}/gzip-members"]).differs(
            &[Aspect::Files],
            "curl leaves the first member's bytes under out; sockit never leaves a partial \
             file under the final name",
        ),
        line(&["-s", "-L", "--max-redirs", "3", "{u}/self"]),
        line(&["-s", "-L", "{u}/self"]),
        line(&[
            "-s",
            "-L",
            "-w",
            "%{num_redirects}",
            "--max-redirs",
            "2",
            "{u}/self",
        ]),
        line(&["-s", "{u}/redirect"]),
        line(&["-s", "-i", "{u}/redirect"]),
        line(&["-s", "-L", "{u}/redirect"]),
        line(&["-s", "-i", "-L", "{u}/redirect"]),
        line(&["-s", "-I", "-L", "{u}/redirect"]),
        line(&["-s", "-L", "{u}/redirect-twice"]),
        line(&["-s", "-L", "--max-redirs", "1", "{u}/redirect-twice"]),
        line(&["-s", "-L", "{u}/redirect-abs"]),
        line(&["-s", "-L", "-d", "x=1", "{u}/redirect"]),
        line(&["-s", "-L", "-d", "x=1", "{u}/redirect-303"]),
        line(&["-s", "-L", "-d", "x=1", "{u}/redirect-307"]),
        line(&["-s", "-L", "-d", "x=1", "{u}/redirect-308"]),
        line(&[
            "-s",
            "-L",
            "-w",
            "%{num_redirects} %{url_effective}",
            "{u}/redirect",
        ]),
        line(&["-s", "-L", "-u", "a:b", "{u}/redirect-abs"]),
        line(&["-s", "-L", "-u", "a:b", "{u}/redirect-other"]),
        line(&[
            "-s",
            "-L",
            "--location-trusted",
            "-u",
            "a:b",
            "{u}/redirect-other",
        ]),
        line(&[
            "-s",
            "-L",
            "-H",
            "Authorization: Bearer t",
            "{u}/redirect-other",
        ]),
        line(&["-s", "-L", "-H", "Cookie: c=1", "{u}/redirect-other"]),
        line(&["-s", "-L", "-H", "Host: example.com", "{u}/redirect-other"]),
        line(&["-s", "-L", "http://a:b@{a}/redirect-other"]),
        line(&["-s", "-L", "-o", "out", "{u}/redirect"]),
        line(&["-s", "-L", "-D", "-", "-o", "out", "{u}/redirect"]),
    ]
}
