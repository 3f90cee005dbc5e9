//! Lines about where things go: stdout, `-o`/`-O` files, `-i`, `-I`, `-D`, `-f` and `-w`.

use super::{check, line, Aspect, Line};

/// Why a cut-off download's file differs.
const NO_PARTIAL: &str = "sockit never leaves a partial file under the final name: \
                          the bytes that came wait in FILE.part for -C -";

/// What sockit writes, and where, is what curl writes.
#[test]
fn outputs_are_curls() {
    check(table());
}

fn table() -> Vec<Line> {
    vec![
        line(&["-s", "-o", "out", "{u}/hello"]),
        line(&["-o", "out", "{u}/hello"]),
        line(&["-s", "-O", "{u}/hello"]),
        line(&["-s", "-D", "-", "-o", "out", "{u}/hello"]),
        line(&["-s", "-D", "head", "-o", "out", "{u}/hello"]),
        line(&["-s", "-D", "head", "{u}/hello"]),
        line(&["-s", "-i", "{u}/hello"]),
        line(&["-s", "-i", "-o", "out", "{u}/hello"]),
        line(&["-s", "-I", "{u}/hello"]),
        line(&["-s", "-I", "-o", "out", "{u}/hello"]),
        line(&["-s", "{u}/chunked"]),
        line(&["-s", "-i", "{u}/chunked"]),
        line(&["-s", "{u}/trailers"]),
        line(&["-s", "-i", "{u}/trailers"]),
        line(&["-s", "-D", "-", "{u}/trailers"]),
        line(&["-s", "-D", "head", "{u}/trailers"]),
        line(&["-s", "-D", "head", "-o", "out", "{u}/trailers"]),
        line(&["-s", "{u}/close"]),
        line(&["-s", "-i", "{u}/close"]),
        line(&["-s", "{u}/http10"]),
        line(&["-s", "-i", "{u}/http10"]),
        line(&["-s", "{u}/empty"]),
        line(&["-s", "-i", "{u}/empty"]),
        line(&["-s", "{u}/status/404"]),
        line(&["-s", "-i", "{u}/status/500"]),
        line(&["-s", "-f", "{u}/status/404"]),
        line(&["-sS", "-f", "{u}/status/503"]),
        line(&["-s", "-f", "-o", "out", "{u}/status/500"]),
        line(&["-s", "-o", "out", "{u}/status/404"]),
        line(&["-s", "-f", "{u}/hello"]),
        line(&["-s", "{u}/hello", "{u}/json"]),
        line(&["-s", "-o", "a", "{u}/hello", "-o", "b", "{u}/json"]),
        line(&["-s", "-o", "a", "{u}/hello", "{u}/json"]),
        line(&["-s", "-O", "{u}/hello", "-O", "{u}/json"]),
        line(&["-s", "-o", "out", "{u}/hello"]).file("out", b"old contents\n"),
        line(&["-s", "{u}/truncated"]),
        line(&["-s", "-o", "out", "{u}/truncated"]).differs(&[Aspect::Files], NO_PARTIAL),
        line(&["-s", "-o", "out", "{u}/truncated"])
            .file("out", b"old contents\n")
            .differs(&[Aspect::Files], NO_PARTIAL),
        line(&["-s", "-o", "out", "--max-filesize", "3", "{u}/hello"]),
        line(&["-s", "-w", "%{http_code}", "{u}/hello"]),
        line(&["-s", "--limit-rate", "1000B", "{u}/hello"]),
        line(&["-s", "--limit-rate", "100k", "-o", "out", "{u}/data"]),
        line(&["-s", "--max-filesize", "1k", "{u}/data"]),
        line(&["-s", "-w", "%{http_code}\\n", "-o", "out", "{u}/status/404"]),
        line(&[
            "-s",
            "-w",
            "%{http_code} %{size_download} %{num_redirects} %{content_type} %{exitcode}\\n",
            "{u}/hello",
        ]),
        line(&["-s", "-w", "%{url_effective}", "{u}/hello?x=1"]),
        line(&["-s", "-w", "%{size_header}", "{u}/hello"]),
        line(&["-s", "-w", "%{stderr}to stderr", "{u}/hello"]),
        line(&["-s", "-w", "@fmt", "{u}/hello"]).file("fmt", b"code %{http_code}\n"),
        line(&[
            "-s",
            "-f",
            "-w",
            "%{http_code} %{exitcode}",
            "{u}/status/404",
        ]),
    ]
}
