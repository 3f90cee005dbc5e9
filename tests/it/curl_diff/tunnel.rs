//! Lines for a proxy's answers to CONNECT (`-p`) through a real tinyproxy: `-i`, `-I` and
//! `-D` show them before the origin's head, as curl does (`HTTP/1.0 200 Connection
//! established`, tinyproxy's `Proxy-agent`, a blank line), also a refusal (403, exit 56) and
//! a challenge (407). tinyproxy closes on its 407, so `--proxy-anyauth` answers it on a
//! second connection, which `%{num_connects}` counts as curl's does.
//! `--suppress-connect-headers` leaves the answers out of all three, and `-w` counts them
//! either way (`%{size_header}`, `%{http_connect}`). A refused tunnel leaves no `-o` file,
//! where curl leaves one holding the refusal's head.

use super::{check_with, line, Aspect, Line};
use crate::support::tinyproxy::TinyProxy;

/// Through tinyproxy's tunnels, sockit shows (or leaves out) what curl shows.
#[test]
fn connect_answers_are_shown_as_curl_shows_them() {
    if !crate::support::require_tool("curl") {
        return;
    }
    let (Some(open), Some(refusing), Some(locked)) = (
        TinyProxy::start(""),
        TinyProxy::start("ConnectPort 1"),
        TinyProxy::start("BasicAuth me secret"),
    ) else {
        return;
    };
    check_with(
        tunnel(),
        &[
            ("{x}", open.addr()),
            ("{xr}", refusing.addr()),
            ("{xa}", locked.addr()),
        ],
    );
}

fn tunnel() -> Vec<Line> {
    let mut lines = Vec::new();
    for suppress in [&[][..], &["--suppress-connect-headers"]] {
        let with = |args: &[&'static str]| line(&[suppress, args].concat());
        lines.extend([
            with(&["-s", "-i", "-p", "-x", "{x}", "{u}/hello"]),
            with(&["-s", "-I", "-p", "-x", "{x}", "{u}/hello"]),
            with(&["-s", "-D", "heads.txt", "-p", "-x", "{x}", "{u}/hello"]),
            with(&[
                "-s",
                "-D",
                "-",
                "-o",
                "b.txt",
                "-p",
                "-x",
                "{x}",
                "{u}/hello",
            ]),
            with(&[
                "-s",
                "-i",
                "-D",
                "h.txt",
                "-p",
                "-x",
                "{x}",
                "{u}/hello",
                "{u}/data",
            ]),
            with(&["-s", "-iL", "-p", "-x", "{x}", "{u}/redirect"]),
            with(&[
                "-s",
                "-o",
                "b.txt",
                "-w",
                "%{size_header} %{http_connect} %{http_code}",
                "-p",
                "-x",
                "{x}",
                "{u}/hello",
            ]),
            with(&["-s", "-i", "-D", "h.txt", "-p", "-x", "{xr}", "{u}/hello"]),
            with(&[
                "-s",
                "-i",
                "-p",
                "-U",
                "me:secret",
                "-x",
                "{xa}",
                "{u}/hello",
            ]),
            with(&["-s", "-i", "-p", "-x", "{xa}", "{u}/hello"]),
            // tinyproxy closes on its 407: the answer goes on a second connection.
            with(&[
                "-s",
                "-i",
                "-p",
                "--proxy-anyauth",
                "-U",
                "me:secret",
                "-x",
                "{xa}",
                "{u}/hello",
            ]),
            with(&[
                "-s",
                "-o",
                "b.txt",
                "-w",
                "%{num_connects} %{http_connect} %{size_header}",
                "-p",
                "--proxy-anyauth",
                "-U",
                "me:wrong",
                "-x",
                "{xa}",
                "{u}/hello",
            ]),
            with(&[
                "-s",
                "-w",
                "%{num_connects} %{http_connect}",
                "-p",
                "-x",
                "{xr}",
                "{u}/hello",
            ]),
        ]);
    }
    lines.extend([
        line(&["-s", "-i", "-o", "b.txt", "-p", "-x", "{xr}", "{u}/hello"]).differs(
            &[Aspect::Files],
            "a failed transfer makes no file: curl leaves the refusal's head in b.txt",
        ),
        line(&[
            "-s",
            "--suppress-connect-headers",
            "-i",
            "-o",
            "b.txt",
            "-p",
            "-x",
            "{xr}",
            "{u}/hello",
        ]),
    ]);
    lines
}
