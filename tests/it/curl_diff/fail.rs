//! Lines about `--fail-with-body`: the body written, then curl's 22 (issue 19).

use super::{check, line, Line};

/// `--fail-with-body` writes what curl writes and exits as curl exits.
#[test]
fn fail_with_body_is_curls() {
    check(table());
}

fn table() -> Vec<Line> {
    vec![
        line(&["-s", "--fail-with-body", "{u}/status/404"]),
        line(&["-s", "--fail-with-body", "-o", "out", "{u}/status/500"]),
        line(&["-s", "--fail-with-body", "{u}/hello"]),
        line(&["-s", "-f", "--fail-with-body", "{u}/hello"]),
        line(&[
            "-s",
            "--fail-with-body",
            "-u",
            "user:pass",
            "--digest",
            "{u}/digest-sha",
        ]),
    ]
}
