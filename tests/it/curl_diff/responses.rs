//! Lines about the responses a client must take as curl does: LF-only heads, encodings,
//! redirects.

use super::{check, line, Line};

/// sockit takes and follows the server's responses as curl does.
#[test]
fn responses_are_curls() {
    check(table());
}

fn table() -> Vec<Line> {
    vec![
        line(&["-s", "{u}/gzip"]),
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
        line(&["-s", "-L", "-o", "out", "{u}/redirect"]),
        line(&["-s", "-L", "-D", "-", "-o", "out", "{u}/redirect"]),
    ]
}
