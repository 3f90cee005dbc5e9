//! deploy/prometheus's rules and deploy/grafana's dashboard: Prometheus's own checker accepts
//! them, its rule tests pass (each alert fires on its bad series and stays silent on a
//! healthy one), and every expression names only metrics a running `sockit serve` exports.

use crate::support::{require_tool, spawn_server};
use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use std::process::Command;

fn deploy(path: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("deploy")
        .join(path)
}

/// Runs promtool with `args`; panics with its output unless it succeeds.
fn promtool(args: &[&str]) {
    let out = Command::new("promtool")
        .args(args)
        .output()
        .expect("promtool runs");
    assert!(
        out.status.success(),
        "promtool {args:?}: {}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
}

/// The rules file's `expr:` lines and `record:` names (each is one line in that file).
fn rules() -> (Vec<String>, BTreeSet<String>) {
    let text = std::fs::read_to_string(deploy("prometheus/sockit-rules.yml")).unwrap();
    let field = |name: &str| {
        (text.lines())
            .filter_map(|l| l.trim().strip_prefix(name).map(|v| v.trim().to_owned()))
            .collect::<Vec<_>>()
    };
    let records = field("- record:").into_iter().collect();
    (field("expr:"), records)
}

/// Every PromQL expression of the dashboard (panel targets and the variables'
/// `label_values(...)` queries), with Grafana's variables replaced by what they stand for.
fn dashboard_exprs() -> Vec<String> {
    let text = std::fs::read_to_string(deploy("grafana/sockit.json")).unwrap();
    let dashboard: serde_json::Value = serde_json::from_str(&text).expect("the dashboard is JSON");
    let mut exprs = Vec::new();
    for panel in dashboard["panels"].as_array().expect("panels") {
        for target in panel["targets"].as_array().expect("targets") {
            exprs.push(target["expr"].as_str().expect("expr").to_owned());
        }
    }
    for variable in dashboard["templating"]["list"]
        .as_array()
        .expect("variables")
    {
        if let Some(query) = variable["query"]["query"].as_str() {
            let inner = (query.strip_prefix("label_values("))
                .and_then(|q| q.rsplit_once(','))
                .map(|(selector, _)| selector.to_owned())
                .unwrap_or_else(|| panic!("not a label_values query: {query}"));
            exprs.push(inner);
        }
    }
    assert!(exprs.len() > 10, "{exprs:?}");
    exprs
        .into_iter()
        .map(|e| {
            e.replace("$__rate_interval", "5m")
                .replace("$instance", ".*")
                .replace("$job", "sockit")
        })
        .collect()
}

/// The series names an expression selects: identifiers outside label matchers, ranges and
/// strings, that are neither a function nor a keyword nor a grouping clause's labels.
fn metric_names(expr: &str) -> BTreeSet<String> {
    const KEYWORDS: [&str; 10] = [
        "by",
        "without",
        "on",
        "ignoring",
        "group_left",
        "group_right",
        "bool",
        "and",
        "or",
        "unless",
    ];
    // Aggregations may put their grouping before the parenthesis: `sum by (job) (...)`.
    const AGGREGATIONS: [&str; 12] = [
        "sum",
        "min",
        "max",
        "avg",
        "group",
        "stddev",
        "stdvar",
        "count",
        "count_values",
        "bottomk",
        "topk",
        "quantile",
    ];
    let mut names = BTreeSet::new();
    let chars: Vec<char> = expr.chars().collect();
    let mut i = 0;
    let mut grouping = false;
    while i < chars.len() {
        let c = chars[i];
        if c == '{' || c == '[' || c == '"' {
            let close = match c {
                '{' => '}',
                '[' => ']',
                _ => '"',
            };
            i += 1 + chars[i + 1..]
                .iter()
                .position(|&x| x == close)
                .expect("closed");
        } else if c.is_ascii_alphabetic() || c == '_' || c == ':' {
            let start = i;
            while i < chars.len() && (chars[i].is_ascii_alphanumeric() || "_:".contains(chars[i])) {
                i += 1;
            }
            let word: String = chars[start..i].iter().collect();
            let rest = chars[i..].iter().collect::<String>();
            let called = rest.trim_start().starts_with('(');
            if KEYWORDS.contains(&word.as_str()) {
                // `by (...)` and friends list labels, not metrics.
                grouping = called;
            } else if grouping {
                let close = i + chars[i..].iter().position(|&x| x == ')').expect(")");
                i = close;
                grouping = false;
            } else if !called && !AGGREGATIONS.contains(&word.as_str()) {
                names.insert(word);
            }
            continue;
        } else if c.is_ascii_digit() || c == '.' {
            // A number, with a possible exponent or unit: never a metric.
            while i < chars.len() && (chars[i].is_ascii_alphanumeric() || chars[i] == '.') {
                i += 1;
            }
            continue;
        }
        i += 1;
    }
    names
}

/// The `reason` values an expression matches on (`reason="a"`, `reason=~"a|b"`).
fn reasons(expr: &str) -> Vec<String> {
    let mut found = Vec::new();
    for part in expr.split("reason=").skip(1) {
        let quoted = part.trim_start_matches('~').trim_start_matches('"');
        let value = quoted.split('"').next().unwrap_or_default();
        found.extend(value.split('|').map(str::to_owned));
    }
    found
}

/// The sample names and `reason` labels of a real scrape of `sockit serve --metrics`.
fn scraped() -> (BTreeSet<String>, BTreeSet<String>) {
    let (mut server, _) = spawn_server(&["--metrics", "127.0.0.1:0", "-q"]);
    let http = server.wait_for_metrics_addr();
    let out = Command::new("curl")
        .args([
            "-sSf",
            "--max-time",
            "10",
            &format!("http://{http}/metrics"),
        ])
        .output()
        .expect("curl runs");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let body = String::from_utf8(out.stdout).unwrap();
    let samples = body
        .lines()
        .filter(|l| !l.starts_with('#') && !l.is_empty());
    let mut names = BTreeSet::new();
    let mut reasons = BTreeSet::new();
    for sample in samples {
        let name = sample.split(['{', ' ']).next().unwrap();
        names.insert(name.to_owned());
        reasons.extend(self::reasons(sample));
    }
    (names, reasons)
}

/// `promtool check rules` accepts the rules file, and `promtool test rules` proves each
/// alert: it fires on its bad instance and on no healthy one.
#[test]
fn promtool_checks_and_tests_the_rules() {
    if !require_tool("promtool") {
        return;
    }
    let rules = deploy("prometheus/sockit-rules.yml");
    promtool(&["check", "rules", rules.to_str().unwrap()]);
    let tests = deploy("prometheus/sockit-rules.test.yml");
    promtool(&["test", "rules", tests.to_str().unwrap()]);
}

/// Every alert of the rules file has a unit test in sockit-rules.test.yml.
#[test]
fn every_alert_is_tested() {
    let rules = std::fs::read_to_string(deploy("prometheus/sockit-rules.yml")).unwrap();
    let tests = std::fs::read_to_string(deploy("prometheus/sockit-rules.test.yml")).unwrap();
    let alerts: Vec<&str> = (rules.lines())
        .filter_map(|l| l.trim().strip_prefix("- alert:").map(str::trim))
        .collect();
    assert!(alerts.len() >= 8, "{alerts:?}");
    for alert in alerts {
        assert!(
            tests.contains(&format!("alertname: {alert}\n")),
            "{alert} has no test"
        );
    }
}

/// Every PromQL expression of the Grafana dashboard parses: promtool checks them wrapped as
/// recording rules.
#[test]
fn promtool_parses_every_dashboard_expression() {
    if !require_tool("promtool") {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let mut wrapped = String::from("groups:\n  - name: dashboard\n    rules:\n");
    for (i, expr) in dashboard_exprs().iter().enumerate() {
        let quoted = serde_json::to_string(expr).unwrap();
        wrapped.push_str(&format!(
            "      - record: dashboard:expr{i}\n        expr: {quoted}\n"
        ));
    }
    let file = dir.path().join("dashboard-rules.yml");
    std::fs::write(&file, wrapped).unwrap();
    promtool(&["check", "rules", file.to_str().unwrap()]);
}

/// The rules and the dashboard name only series sockit exports (read off a real scrape),
/// Prometheus's `up`, and the rules' own recordings; and each `reason` they match on is one
/// the metrics give.
#[test]
fn rules_and_dashboard_name_only_exported_metrics() {
    if !require_tool("curl") {
        return;
    }
    let (exported, exported_reasons) = scraped();
    let (rule_exprs, recorded) = rules();
    let known = |name: &String| exported.contains(name) || recorded.contains(name) || name == "up";
    for expr in rule_exprs.iter().chain(&dashboard_exprs()) {
        let names = metric_names(expr);
        assert!(!names.is_empty(), "no metric found in {expr}");
        for name in names {
            assert!(
                known(&name),
                "{name} (in {expr}) is not exported: {exported:?}"
            );
        }
        for reason in reasons(expr) {
            assert!(
                exported_reasons.contains(&reason),
                "reason {reason:?} (in {expr}) is not one sockit gives: {exported_reasons:?}"
            );
        }
    }
}

/// The expression scanner finds metrics and only metrics, so the check above can fail.
#[test]
fn metric_names_skips_functions_labels_and_ranges() {
    let expr = "histogram_quantile(0.99, sum by (le, job) (rate(a_bucket{job=\"x\", le=~\"1|2\"}[5m]))) / on (instance) group_left b:rec unless c > 1e3";
    let names: Vec<String> = metric_names(expr).into_iter().collect();
    assert_eq!(names, ["a_bucket", "b:rec", "c"]);
    assert_eq!(
        reasons("x{reason=~\"busy|rate\"} + y{reason=\"eof\"}"),
        ["busy", "rate", "eof"]
    );
}
