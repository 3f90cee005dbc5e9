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
        line(&["-s", "-i", "-f", "{u}/status/404"]),
        line(&["-s", "-I", "-f", "{u}/status/404"]),
        line(&["-s", "-i", "-f", "-o", "out", "{u}/status/404"]).differs(
            &[Aspect::Files],
            "curl leaves the head -i wrote in out though the transfer failed (22); sockit \
             makes no file for a failed transfer",
        ),
        line(&["-s", "-o", "out", "{u}/status/404"]),
        line(&["-s", "-f", "{u}/hello"]),
        line(&["-s", "-f", "{u}/hello", "{u}/status/404"]),
        line(&["-s", "-f", "{u}/status/404", "{u}/hello"]).differs(
            &[Aspect::Exit],
            "a run fails when any of its URLs failed (22 here): curl exits with the last \
             transfer's code, 0, though the first URL failed",
        ),
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
        line(&[
            "-s",
            "--retry",
            "1",
            "--retry-delay",
            "0",
            "-o",
            "out",
            "{u}/truncated",
        ])
        .differs(
            &[Aspect::Request, Aspect::Files],
            "sockit retries a download into a file that dropped mid-body (issue 19), \
                 curl only with --retry-all-errors; and it leaves out.part, not out",
        ),
        line(&["-s", "--retry", "1", "--retry-delay", "0", "{u}/truncated"]),
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
        line(&["-s", "-w", "%{redirect_url}", "{u}/redirect"]),
        line(&["-s", "-w", "%{redirect_url}", "{u}/redirect-abs"]),
        line(&["-s", "-L", "-w", "[%{redirect_url}]", "{u}/redirect"]),
        line(&["-s", "-w", "[%{redirect_url}]", "{u}/hello"]),
        line(&[
            "-s",
            "-w",
            "%{method} %{scheme} %{http_version}",
            "{u}/hello",
        ]),
        line(&["-s", "-w", "%{method} %{http_version}", "{u}/http10"]),
        line(&["-s", "-I", "-w", "%{method}", "{u}/hello"]),
        line(&[
            "-s",
            "-d",
            "x",
            "-w",
            "%{method} %{size_request} %{size_upload}",
            "-A",
            "same",
            "{u}/hello",
        ]),
        line(&[
            "-s",
            "-A",
            "x",
            "-w",
            "%{size_request} %{size_upload}",
            "{u}/hello",
        ]),
        line(&[
            "-s",
            "-T",
            "up",
            "-A",
            "x",
            "-w",
            "%{size_request} %{size_upload}",
            "{u}/hello",
        ])
        .file("up", b"uploaded\n"),
        line(&[
            "-s",
            "-w",
            "%{num_headers} %{urlnum} %{num_connects}",
            "{u}/hello",
        ]),
        line(&[
            "-s",
            "-w",
            "%{urlnum} %{num_connects}\\n",
            "{u}/hello",
            "{u}/json",
        ]),
        line(&[
            "-s",
            "-w",
            "%{url} %{filename_effective}",
            "-o",
            "out",
            "{u}/hello",
        ]),
        line(&[
            "-s",
            "-w",
            "%{url} %{filename_effective}",
            "-O",
            "{u}/hello",
        ]),
        line(&["-s", "-w", "[%{filename_effective}]", "{u}/hello"]),
        line(&["-s", "-L", "-w", "%{url} %{url_effective}", "{u}/redirect"]),
        line(&[
            "-s",
            "-w",
            "%header{content-type}|%header{x-none}|",
            "{u}/hello",
        ]),
        line(&[
            "-s",
            "-w",
            "%header{Content-Length}",
            "-o",
            "out",
            "{u}/data",
        ]),
        line(&["-s", "-e", "http://from/", "-w", "%{referer}", "{u}/hello"]),
        line(&[
            "-s",
            "-w",
            "%{local_ip} %{remote_ip} %{remote_port}",
            "{u}/hello",
        ]),
        line(&[
            "-s",
            "-w",
            "%{ssl_verify_result} %{http_connect} [%{ftp_entry_path}]",
            "{u}/hello",
        ]),
        line(&["-s", "-w", "a%{onerror}b", "{u}/hello"]),
        line(&["-s", "-f", "-w", "a%{onerror}b", "{u}/status/404"]),
        line(&["-s", "-w", "%{header_json}", "-o", "out", "{u}/hello"]),
        line(&["-s", "-w", "%{response_code} %{http_code}", "{u}/empty"]),
    ]
}
