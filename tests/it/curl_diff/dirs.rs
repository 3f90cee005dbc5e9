//! Lines about where files go: `--output-dir` and `--create-dirs` (issue 19).

use super::{check, line, Aspect, Line};

/// Files land where curl puts them, in the directories curl makes.
#[test]
fn output_directories_are_curls() {
    check(table());
}

fn table() -> Vec<Line> {
    vec![
        line(&[
            "-s",
            "--create-dirs",
            "--output-dir",
            "d/e",
            "-o",
            "x",
            "{u}/hello",
        ]),
        line(&["-s", "--create-dirs", "-o", "sub/dir/y", "{u}/hello"]),
        line(&[
            "-s",
            "--create-dirs",
            "--output-dir",
            "d2",
            "-O",
            "{u}/hello",
        ]),
        line(&["-s", "--output-dir", "d", "-o", "-", "{u}/hello"]),
        line(&["-s", "--output-dir", "missing", "-o", "x", "{u}/hello"]).differs(
            &[Aspect::Request],
            "sockit claims FILE.part before it asks, so a missing directory fails (23) \
             before the request is sent",
        ),
    ]
}
