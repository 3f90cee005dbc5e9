//! Lines about `--basic`, `--digest` and `--anyauth`, and `--proxy-digest` and
//! `--proxy-anyauth` to an HTTP proxy: what is sent before and after the server's (or the
//! proxy's) challenge, the client nonce and the response made equal (issue 19).

use super::{check, line, Aspect, Line};

/// Authentication is negotiated as curl negotiates it.
#[test]
fn authentication_is_curls() {
    check(table());
}

fn table() -> Vec<Line> {
    vec![
        line(&[
            "-s",
            "--proxy-digest",
            "-U",
            "u:p",
            "-x",
            "{u}",
            "http://example.com/proxy-digest",
        ]),
        line(&[
            "-s",
            "--proxy-digest",
            "-U",
            "u:p",
            "-x",
            "{u}",
            "http://example.com/proxy-digest?q=1",
        ]),
        line(&[
            "-s",
            "--proxy-anyauth",
            "-U",
            "u:p",
            "-x",
            "{u}",
            "http://example.com/proxy-digest",
        ]),
        line(&[
            "-s",
            "--proxy-anyauth",
            "-U",
            "u:p",
            "-x",
            "{u}",
            "http://example.com/proxy-basic-only",
        ]),
        line(&[
            "-s",
            "--proxy-digest",
            "-U",
            "u:p",
            "-x",
            "{u}",
            "http://example.com/proxy-basic-only",
        ]),
        line(&[
            "-s",
            "--proxy-digest",
            "-x",
            "{u}",
            "http://example.com/proxy-digest",
        ]),
        line(&[
            "-s",
            "--proxy-anyauth",
            "--proxy-basic",
            "-U",
            "u:p",
            "-x",
            "{u}",
            "http://example.com/proxy-digest",
        ]),
        line(&[
            "-s",
            "--proxy-digest",
            "--proxy-basic",
            "-U",
            "u:p",
            "-x",
            "{u}",
            "http://example.com/proxy-digest",
        ]),
        line(&[
            "-s",
            "--proxy-basic",
            "-U",
            "u:p",
            "-x",
            "{u}",
            "http://example.com/proxy-digest",
        ]),
        line(&[
            "-sf",
            "--proxy-basic",
            "-U",
            "u:p",
            "-x",
            "{u}",
            "http://example.com/proxy-digest",
        ]),
        line(&[
            "-s",
            "--proxy-digest",
            "-x",
            "http://u:p@{a}",
            "http://example.com/proxy-digest",
        ]),
        line(&[
            "-s",
            "--proxy-digest",
            "-U",
            "u:p",
            "-u",
            "a:b",
            "--digest",
            "-x",
            "{u}",
            "http://example.com/proxy-digest",
        ]),
        line(&[
            "-s",
            "--proxy-digest",
            "-U",
            "u:p",
            "-x",
            "{u}",
            "http://example.com/proxy-digest",
            "http://example.com/proxy-digest",
        ]),
        line(&["-s", "--digest", "-u", "user:pass", "{u}/digest"]),
        line(&["-s", "--digest", "-u", "us\"er:pass", "{u}/digest-sha?q=1"]),
        line(&[
            "-s",
            "--digest",
            "-u",
            "user:pass",
            "{u}/digest",
            "{u}/digest",
        ])
        .differs(
            &[Aspect::Request],
            "sockit answers the second URL's request with the nonce it already has (nc=2), \
             as issue 19 asks; curl asks for a new challenge first",
        ),
        line(&[
            "-s",
            "--digest",
            "-u",
            "user:pass",
            "-d",
            "x=1",
            "{u}/digest",
        ]),
        line(&["-s", "--digest", "-u", "user:pass", "{u}/basic-only"]),
        line(&["-s", "-f", "--digest", "-u", "user:pass", "{u}/basic-only"]),
        line(&["-s", "--digest", "{u}/digest"]),
        line(&["-s", "--digest", "http://user:pass@{a}/digest"]),
        line(&["-s", "--anyauth", "-u", "user:pass", "{u}/digest"]),
        line(&["-s", "--anyauth", "-u", "user:pass", "{u}/basic-only"]),
        line(&["-s", "--anyauth", "-u", "user:pass", "{u}/hello"]),
        line(&[
            "-s",
            "--digest",
            "--basic",
            "-u",
            "user:pass",
            "{u}/basic-only",
        ]),
        line(&["-s", "--basic", "-u", "user:pass", "{u}/digest"]),
        line(&["-s", "-f", "-u", "user:pass", "{u}/digest"]),
        line(&[
            "-s",
            "-L",
            "--digest",
            "-u",
            "user:pass",
            "{u}/redirect-other",
        ]),
    ]
}
