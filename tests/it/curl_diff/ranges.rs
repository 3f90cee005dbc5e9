//! Lines about ranges and resuming: `-r`, `-C`, a user's `Range`, and 416.

use super::{check, line, Line};
use crate::support::recorder::DATA;

/// sockit asks for and writes ranges as curl does.
#[test]
fn ranges_are_curls() {
    check(table());
}

fn table() -> Vec<Line> {
    vec![
        line(&["-s", "{u}/data"]),
        line(&["-s", "-r", "0-9", "{u}/data"]),
        line(&["-s", "-r", "90-", "{u}/data"]),
        line(&["-s", "-r", "-5", "{u}/data"]),
        line(&["-s", "-r", "200-300", "{u}/data"]),
        line(&["-s", "-i", "-r", "0-9", "{u}/data"]),
        line(&["-s", "-H", "Range: bytes=0-9", "{u}/data"]),
        line(&["-s", "-C", "50", "{u}/data"]),
        line(&["-s", "-C", "-", "-o", "f", "{u}/data"]).file("f", &DATA[..50]),
        line(&["-s", "-C", "-", "-o", "f", "{u}/data"]).file("f", DATA),
        line(&["-s", "-C", "-", "-o", "f", "{u}/data"]),
        line(&["-s", "-C", "-", "{u}/data"]),
        line(&["-s", "-f", "-r", "200-300", "{u}/data"]),
    ]
}
