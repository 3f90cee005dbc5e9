//! Lines for the rest of fetch's flags: connecting, proxies, many URLs, retries, config.

use super::{check, line, Line};

/// The remaining flags shape the exchange as curl's do.
#[test]
fn flags_are_curls() {
    check(table());
}

fn table() -> Vec<Line> {
    vec![
        line(&["-s", "-4", "{u}/hello"]),
        line(&["-s", "--connect-timeout", "5", "{u}/hello"]),
        line(&["-s", "-m", "5", "{u}/hello"]),
        line(&["-s", "--max-time", "0", "{u}/hello"]),
        line(&["-s", "--retry", "2", "{u}/hello"]),
        line(&["-s", "--retry", "2", "--retry-connrefused", "{u}/json"]),
        line(&["-s", "--url", "{u}/hello"]),
        line(&["-s", "--url", "{u}/hello", "--url", "{u}/json"]),
        line(&["-s", "--remote-name-all", "{u}/hello", "{u}/json"]),
        line(&["-s", "-O", "--remote-name-all", "{u}/hello", "{u}/data"]),
        line(&["-s", "-x", "", "{u}/hello"]),
        line(&[
            "-s",
            "-x",
            "http://127.0.0.1:1",
            "--noproxy",
            "*",
            "{u}/hello",
        ]),
        line(&[
            "-s",
            "-x",
            "http://127.0.0.1:1",
            "--noproxy",
            "127.0.0.1",
            "{u}/hello",
        ]),
        line(&["-s", "-x", "{a}", "http://example.com/data"]),
        line(&["-s", "-x", "{u}", "-i", "http://example.com/chunked"]),
        line(&["-s", "-x", "{u}", "-d", "a=1", "http://example.com/hello"]),
        line(&["-s", "-v", "{u}/hello"]),
        line(&["-sS", "{u}/hello"]),
        line(&["-sSf", "{u}/status/401"]),
        line(&["-fsSL", "{u}/redirect"]),
        line(&["-sSLo", "out", "{u}/redirect-twice"]),
        line(&["-s", "--max-filesize", "10", "-o", "out", "{u}/hello"]),
        line(&["-s", "-K", "cfg", "{u}/hello"]).file(
            "cfg",
            b"header = \"X-Cfg: 1\"\nuser-agent = \"from-config\"\n",
        ),
        line(&["-s", "-K", "cfg"]).file("cfg", b"url = \"http://127.0.0.1:1/\"\n"),
        // A negation in a config file is a switch too: no value taken from the next line.
        line(&["-s", "-K", "cfg", "{u}/redirect"]).file("cfg", b"location\nno-location\ninclude\n"),
        line(&["-s", "-K", "cfg", "{u}/redirect"]).file("cfg", b"--no-location\n-L\n"),
        line(&["-s", "--netrc-file", "n", "{u}/hello"])
            .file("n", b"machine 127.0.0.1 login nu password np\n"),
        line(&["-s", "-4", "-w", "%{remote_ip}", "-o", "out", "{u}/hello"]),
        line(&["-s", "-i", "--no-include", "{u}/hello"]),
        line(&["-s", "--no-include", "-i", "{u}/hello"]),
        line(&["-s", "-L", "--no-location", "{u}/redirect"]),
        line(&["-s", "--no-location", "-L", "{u}/redirect"]),
        line(&["-s", "-f", "--no-fail", "{u}/status/404"]),
        line(&["-s", "--compressed", "--no-compressed", "{u}/gzip"]),
        line(&["-s", "--no-head", "{u}/hello"]),
        line(&["-s", "-G", "--no-get", "-d", "a=1", "{u}/hello"]),
        line(&["-s", "-g", "--no-globoff", "{u}/{hello,json}"]),
        line(&["-sS", "--no-silent", "-o", "out", "{u}/hello"]),
        line(&["-s", "--no-progress-meter", "--progress-meter", "{u}/hello"]),
        line(&[
            "-s",
            "--remote-name-all",
            "--no-remote-name-all",
            "{u}/hello",
        ]),
        line(&[
            "-s",
            "--no-verbose",
            "--no-show-error",
            "--no-insecure",
            "{u}/hello",
        ]),
        line(&["-s", "--no-http1.0", "{u}/hello"]),
        line(&["-s", "--no-ipv4", "{u}/hello"]),
        line(&["-s", "-L", "-w", "%{num_connects}", "{u}/redirect-twice"]),
        line(&["-s", "-w", "%{num_connects} ", "{u}/hello", "{u}/json"]),
        line(&["-s", "-w", "%{num_connects} ", "{u}/{hello,close,json}"]),
        line(&["-s", "-L", "-w", "%{num_connects} ", "{u}/redirect-other"]),
        line(&[
            "-s",
            "-w",
            "%{num_connects} ",
            "-o",
            "a",
            "{u}/hello",
            "{u}/json",
        ]),
    ]
}
