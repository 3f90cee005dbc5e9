//! `sockit bench --runs`, `--hdr-out` and `sockit bench merge`: repeated runs summed up, and
//! the histograms of several generators judged as one.

use crate::bench::{assert_failed_with_one_line, json, sockit_bench};
use crate::support;

/// Two generators against one server, one of them with three runs: each writes its
/// histogram, and `merge` adds them: messages and runs add up, the JSON and the table say
/// so, and `--runs` reports best, worst and median.
#[test]
fn runs_and_merged_generators_add_up() {
    let (_server, addr) = support::spawn_server(&["-q"]);
    let addr = addr.to_string();
    let dir = tempfile::tempdir().unwrap();
    let (a, b) = (dir.path().join("a.hlog"), dir.path().join("b.hlog"));
    let (a_arg, b_arg) = (a.to_str().unwrap(), b.to_str().unwrap());

    let out = sockit_bench(&[
        "-a",
        &addr,
        "-c",
        "2",
        "-d",
        "200ms",
        "--runs",
        "3",
        "--hdr-out",
        a_arg,
        "--json",
    ]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let doc = json(&out);
    let runs = doc["runs"].as_array().unwrap();
    let numbers: Vec<u64> = runs.iter().map(|r| r["run"].as_u64().unwrap()).collect();
    assert_eq!(numbers, [1, 2, 3]);
    let a_messages: u64 = runs.iter().map(|r| r["messages"].as_u64().unwrap()).sum();
    let summary = &doc["summary"];
    assert_eq!(summary["by"], "throughput", "{summary}");
    let best = summary["best"]["throughput"].as_f64().unwrap();
    assert!(
        runs.iter()
            .all(|r| r["throughput"].as_f64().unwrap() <= best),
        "{doc}"
    );

    let out = sockit_bench(&[
        "-a",
        &addr,
        "-c",
        "3",
        "-d",
        "200ms",
        "--hdr-out",
        b_arg,
        "--json",
    ]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let b_messages = json(&out)["runs"][0]["messages"].as_u64().unwrap();

    let out = sockit_bench(&["merge", a_arg, b_arg, "--json"]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let merged = json(&out);
    assert_eq!(merged["files"], 2, "{merged}");
    assert_eq!(merged["runs"], 4, "{merged}");
    assert_eq!(merged["connections"], 5, "{merged}");
    assert_eq!(merged["messages"], a_messages + b_messages, "{merged}");
    assert_eq!(merged["errors"]["total"], 0, "{merged}");
    assert!(
        merged["latency_us"]["p99"].as_f64().unwrap() > 0.0,
        "{merged}"
    );

    let out = sockit_bench(&["merge", a_arg, b_arg]);
    let table = String::from_utf8_lossy(&out.stdout);
    assert!(
        table.starts_with("merged") && table.contains("2 files"),
        "{table}"
    );
}

/// A file that is not one `--hdr-out` wrote, or is missing, is one line naming it.
#[test]
fn merge_refuses_what_it_cannot_read() {
    let dir = tempfile::tempdir().unwrap();
    let junk = dir.path().join("junk.hlog");
    std::fs::write(&junk, "not a histogram\n").unwrap();
    let out = sockit_bench(&["merge", junk.to_str().unwrap()]);
    assert_failed_with_one_line(&out);
    assert!(String::from_utf8_lossy(&out.stderr).contains("junk.hlog"));
    let missing = dir.path().join("missing.hlog");
    let out = sockit_bench(&["merge", missing.to_str().unwrap()]);
    assert_failed_with_one_line(&out);
}
