//! Lines for the pace of a run (issue 26): `-Y/--speed-limit` and `-y/--speed-time` on a
//! transfer that stalls (28, the bytes before it written) and on one that keeps up, `--rate`
//! over serial URLs, `--parallel-immediate`, and the values curl refuses (2).

use super::{check, line, Aspect, Line};

/// The pacing flags send what curl sends and end as curl ends.
#[test]
fn pacing_is_curls() {
    check(table());
}

fn table() -> Vec<Line> {
    vec![
        line(&["-s", "-Y", "1000", "-y", "1", "{u}/stall"]),
        line(&["-s", "-y", "1", "{u}/stall"]),
        line(&["-s", "-Y", "1000", "-y", "1", "-o", "out", "{u}/stall"]).differs(
            &[Aspect::Files],
            "sockit never leaves a partial file under the output's name",
        ),
        line(&["-s", "-Y", "1", "-y", "1", "{u}/hello"]),
        line(&["-s", "--speed-limit", "1", "--speed-time", "1", "{u}/hello"]),
        line(&["-s", "-Y", "0", "{u}/hello"]),
        line(&["-s", "-y", "0", "{u}/hello"]),
        line(&["-s", "-Y", "1k", "{u}/hello"]),
        line(&["-s", "-y", "1.5", "{u}/hello"]),
        line(&["-s", "-Y", "-1", "{u}/hello"]),
        line(&[
            "-s",
            "--rate",
            "10/s",
            "{u}/hello",
            "{u}/hello",
            "{u}/hello",
        ]),
        line(&["-s", "--rate", "1000/m", "{u}/hello", "{u}/json"]),
        line(&["-s", "--rate", "0", "{u}/hello"]),
        line(&["-s", "--rate", "1/x", "{u}/hello"]),
        line(&["-s", "--rate", "1/2s", "{u}/hello"]),
        line(&["-s", "--rate", "1000/sec", "{u}/hello", "{u}/json"]),
        line(&["-s", "--rate", "2000/hour", "{u}/hello"]),
        line(&["-s", "--rate", " 100/s", "{u}/hello"]),
        line(&["-s", "--rate", "1/", "{u}/hello"]),
        line(&["-s", "--rate", "3 /s", "{u}/hello"]),
        line(&["-s", "--parallel-immediate", "{u}/hello"]),
    ]
}
