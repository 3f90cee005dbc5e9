//! Lines about ranges and resuming: `-r`, `-C`, a user's `Range`, and 416.

use super::{check, line, Aspect, Line};
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
        line(&["-s", "-r", "10-19", "-o", "part", "{u}/data"]),
        line(&["-s", "-r", "-5", "-o", "part", "{u}/data"]),
        line(&["-s", "-r", "90-", "-O", "{u}/data"]),
        line(&["-s", "-H", "Range: bytes=0-9", "-o", "f", "{u}/data"]),
        line(&["-s", "-H", "Range: bytes=0-9", "-o", "f", "{u}/data"]).file("f", b"old"),
        line(&["-s", "-C", "50", "-o", "f", "{u}/data"]),
        line(&["-s", "-C", "0", "-o", "f", "{u}/data"]),
        line(&["-s", "-C", "200", "-o", "f", "{u}/data"]),
        line(&["-s", "-C", "200", "{u}/data"]),
        line(&["-s", "-C", "50", "-o", "f", "{u}/data"])
            .file("f", DATA)
            .differs(&[Aspect::Files], "curl appends the bytes from 50 after all 100 local ones (150 bytes); sockit keeps the first 50 and continues there"),
        line(&["-s", "-C", "50", "-o", "f", "{u}/data"])
            .file("f", &DATA[..10])
            .differs(&[Aspect::Request, Aspect::Files, Aspect::Exit], "curl appends the bytes from 50 after the 10 local ones, a file with a hole; sockit refuses (33) before asking"),
        line(&["-s", "-C", "-", "-o", "f", "{u}/data"])
            .file("f.part", &DATA[..30])
            .differs(
                &[Aspect::Request, Aspect::Files],
                "sockit's -C - continues the FILE.part an earlier failed run left (curl \
                 knows no .part) and renames it to FILE",
            ),
        line(&["-s", "-C", "-", "-w", "%{http_code} %{size_download}", "-o", "f", "{u}/data"]).file("f", &DATA[..30]),
        line(&["-s", "-H", "Range: bytes=0-9", "{u}/data"]),
        line(&["-s", "-C", "50", "{u}/data"]),
        line(&["-s", "-C", "-", "-o", "f", "{u}/data"]).file("f", &DATA[..50]),
        line(&["-s", "-C", "-", "-o", "f", "{u}/data"]).file("f", DATA),
        line(&["-s", "-C", "-", "-o", "f", "{u}/data"]),
        line(&["-s", "-C", "-", "{u}/data"]),
        line(&["-s", "-f", "-r", "200-300", "{u}/data"]),
    ]
}
