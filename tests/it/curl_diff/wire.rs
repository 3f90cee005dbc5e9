//! Lines about the wire flags: the request target as typed (`--path-as-is`) and the scheme
//! of a URL typed without one (`--proto-default`).

use super::{check, line, Line};

/// sockit takes the wire flags as curl does.
#[test]
fn wire_flags_are_curls() {
    check(table());
}

fn table() -> Vec<Line> {
    vec![
        line(&["-s", "--path-as-is", "http://{a}/a/../hello"]),
        line(&["-s", "--path-as-is", "{u}/x/./../%2e%2e/hello?q=./.."]),
        line(&["-s", "--path-as-is", "{u}"]),
        line(&["-s", "--path-as-is", "{u}/a\\b/.."]),
        line(&["-s", "--proto-default", "http", "{a}/hello"]),
        line(&["-s", "--proto-default", "HTTP", "{a}/hello"]),
        line(&["-s", "--proto-default", "foo", "{a}/hello"]),
        line(&["-s", "--proto-default", "https", "{u}/hello"]),
    ]
}
