//! Lines for the long tail of curl's request and output options (issue 26): `--url-query`,
//! `--proto`, `--proto-redir`, `--oauth2-bearer`, `-R`, `--no-clobber` and the traces.

use super::{check, line, Aspect, Line};

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
        line(&["-s", "--oauth2-bearer", "tok", "{u}/hello"]),
        line(&["-s", "-u", "a:b", "--oauth2-bearer", "tok", "{u}/hello"]),
        line(&[
            "-s",
            "--oauth2-bearer",
            "tok",
            "-H",
            "Authorization: x",
            "{u}/hello",
        ]),
        line(&[
            "-s",
            "--oauth2-bearer",
            "tok",
            "-r",
            "1-2",
            "-e",
            "r",
            "{u}/data",
        ]),
        line(&["-s", "-L", "--oauth2-bearer", "tok", "{u}/redirect-other"]),
        line(&["-s", "-L", "--oauth2-bearer", "tok", "{u}/redirect"]),
        line(&[
            "-s",
            "-L",
            "--location-trusted",
            "--oauth2-bearer",
            "tok",
            "{u}/redirect-other",
        ]),
        line(&["-s", "-R", "-o", "out", "{u}/dated"]),
        line(&["-s", "-R", "{u}/dated"]),
        line(&["-s", "--remote-time", "-O", "{u}/hello"]),
        line(&["-s", "--no-clobber", "-o", "f", "{u}/hello"]),
        line(&[
            "-s",
            "--no-clobber",
            "-o",
            "f",
            "-w",
            "%{filename_effective}",
            "{u}/hello",
        ])
        .file("f", b"old")
        .file("f.1", b"older"),
        line(&["-s", "--no-clobber", "-O", "{u}/hello"]).file("hello", b"mine"),
        line(&["-s", "--no-clobber", "--clobber", "-o", "f", "{u}/hello"]).file("f", b"old"),
        line(&[
            "-s",
            "--no-clobber",
            "-o",
            "f",
            "{u}/hello",
            "-o",
            "f",
            "{u}/json",
        ]),
        line(&["-s", "--no-clobber", "-o", "-", "{u}/hello"]),
        line(&["-s", "--trace-ascii", "/dev/null", "{u}/hello"]),
        line(&["-s", "--trace", "/dev/null", "-d", "x=1", "{u}/json"]),
        line(&["-s", "--trace-ascii", "t", "{u}/hello"]).differs(
            &[Aspect::Files],
            "the trace's `== Info:` lines are each tool's own words; every other line is \
             curl's byte for byte (curl_diff::trace)",
        ),
        line(&["-s", "--trace", "-", "-o", "out", "{u}/hello"]).differs(
            &[Aspect::Stdout],
            "the trace's `== Info:` lines are each tool's own words; every other line is \
             curl's byte for byte (curl_diff::trace)",
        ),
        line(&[
            "-s",
            "--trace",
            "t",
            "--trace-ascii",
            "/dev/null",
            "{u}/hello",
        ]),
        line(&["-s", "--trace-time", "-o", "out", "{u}/hello"]),
    ]
}
