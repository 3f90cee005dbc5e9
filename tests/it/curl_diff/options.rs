//! Lines for the long tail of curl's request and output options (issue 26): `--url-query`,
//! `--proto`, `--proto-redir`, and the rest as they land.

use super::{check, line, Line};

/// The options shape the request and the output as curl's do.
#[test]
fn options_are_curls() {
    check(table());
}

fn table() -> Vec<Line> {
    vec![
        line(&["-s", "--url-query", "a=b c", "{u}/hello"]),
        line(&["-s", "--url-query", "a=b%20c", "{u}/hello?x=0"]),
        line(&["-s", "--url-query", "+a=b%20c&d", "{u}/hello"]),
        line(&["-s", "--url-query", "=x&y", "{u}/hello"]),
        line(&["-s", "--url-query", "x&y=1", "{u}/hello"]),
        line(&["-s", "--url-query", "a=é~!*()/?:@", "{u}/hello"]),
        line(&["-s", "--url-query", "@q", "{u}/hello"]).file("q", b"file content&x\n"),
        line(&["-s", "--url-query", "n@q", "{u}/hello"]).file("q", b"a b"),
        line(&["-s", "--url-query", "+@q", "{u}/hello"]),
        line(&[
            "-s",
            "--url-query",
            "a=1",
            "--url-query",
            "b=2",
            "{u}/hello",
        ]),
        line(&["-s", "-G", "-d", "g=1", "--url-query", "q=1", "{u}/hello"]),
        line(&["-s", "--url-query", "q=1", "-d", "p=1", "{u}/hello"]),
        line(&["-s", "--url-query", "+", "{u}/hello"]),
        line(&["-s", "--url-query", "-x=1", "{u}/hello"]),
        line(&["-s", "--url-query", "a", "{u}/hello?"]),
        line(&["-s", "--url-query", "a b=c", "{u}/hello"]),
        line(&["-s", "--url-query", "q=[1-2]", "{u}/{hello,json}"]),
        line(&["-s", "--proto", "https", "{u}/hello"]),
        line(&["-s", "--proto", "=https", "{u}/hello"]),
        line(&["-s", "--proto", "-http", "{u}/hello"]),
        line(&["-s", "--proto", "-all,+http", "{u}/hello"]),
        line(&["-s", "--proto", "all,-http", "{u}/hello"]),
        line(&["-s", "--proto", "=HTTP", "{u}/hello"]),
        line(&["-s", "--proto", "=xyz", "{u}/hello"]),
        line(&["-s", "--proto", "=https", "--proto", "+http", "{u}/hello"]),
        line(&["-s", "--proto", "=,http", "{u}/hello"]),
        line(&["-s", "--proto", "=https", "-w", "%{exitcode}", "{u}/hello"]),
        line(&["-s", "--proto", "=https", "{u}/hello", "--proto", "=http"]),
        line(&["-s", "-L", "--proto-redir", "=https", "{u}/redirect"]),
        line(&["-s", "-L", "--proto-redir", "-all,http", "{u}/redirect"]),
        line(&["-s", "--proto-redir", "=https", "{u}/redirect"]),
        line(&[
            "-s",
            "-L",
            "--proto-redir",
            "all",
            "--proto",
            "=https",
            "{u}/hello",
        ]),
    ]
}
