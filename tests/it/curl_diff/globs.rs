//! Lines about URL globbing (`{a,b}`, `[1-3]`, `#N` in `-o`, `-g`) and the URL forms curl
//! takes as typed.

use super::{check, line, Line};

/// Globbed URLs expand, number and name their outputs as curl's do.
#[test]
fn globs_are_curls() {
    check(table());
}

fn table() -> Vec<Line> {
    vec![
        line(&["-s", "{u}/{hello,json}"]),
        line(&["-s", "{u}/{hello,json,}"]),
        line(&["-s", "{u}/status/[200-201]"]),
        line(&["-s", "-o", "n#1", "{u}/hello?n=[0098-0101:3]"]),
        line(&["-s", "{u}/status/[200-204:2]"]),
        line(&["-s", "{u}/x[a-c]"]),
        line(&["-s", "{u}/{hello,json}/[1-2]"]),
        line(&["-s", "-o", "out_#1", "{u}/{hello,json}"]),
        line(&["-s", "-o", "#2-#1.txt", "{u}/{hello,json}?n=[1-2]"]),
        line(&["-s", "-o", "keep#3#0", "{u}/{hello,json}"]),
        line(&["-s", "-O", "{u}/{hello,json}"]),
        line(&["-s", "-w", "%{urlnum} ", "{u}/{hello,json}", "{u}/data"]),
        line(&["-s", "-w", "%{url_effective} ", "{u}/[1-2]", "-o", "out"]),
        line(&["-s", "-I", "{u}/{hello,data}"]),
        line(&["-s", "{u}/hello[]"]),
        line(&["-s", "-g", "{u}/[1-2]"]),
        line(&["-s", "-g", "{u}/a{b}"]),
        line(&["-s", "-g", "{u}/a/../{}?q={x}#{f}"]),
        line(&["-s", "-g", "-i", "{u}/%7b{}"]),
        line(&["-s", "-g", "-w", "%{url_effective} %{url}", "{u}/a{b}"]),
        line(&["-s", "--globoff", "{u}/x[1]"]),
        line(&["-s", "{u}/x[1]"]),
        line(&["-s", "{u}/{hello"]),
        line(&["-s", "{u}/hello}"]),
        line(&["-s", "{u}/[1-]"]),
        line(&["-s", "{u}/[3-1]"]),
        line(&["-s", "{u}/{}"]),
        line(&["-s", "{u}/[a-Z]"]),
        line(&["-s", "{u}/{a,{b}}"]),
        line(&["-s", "{u}/hello", "{u}/[1-2:0]", "{u}/json"]),
        line(&[
            "-s",
            "-o",
            "a",
            "-o",
            "b",
            "{u}/hello",
            "{u}/{hello",
            "{u}/json",
        ]),
        line(&["-s", "-o", "out", "{u}/{hello,data}"]),
    ]
}
