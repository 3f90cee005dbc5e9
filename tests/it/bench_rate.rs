//! `sockit bench --rate`: open-loop load whose latency is corrected for coordinated omission,
//! proven against a server that stalls, and a rate that holds on an idle server.

use crate::bench::{bench_in_process, json, sockit_bench, Peer};
use crate::support::TestServer;
use std::io::{BufRead, BufReader, Write};
use std::thread;
use std::time::{Duration, Instant};

/// How long the stalling server stops answering, once a second.
const STALL: Duration = Duration::from_millis(200);

/// A hello server that answers at once, except during the first 200 ms of every second
/// (counted from its start), when it holds every reply until the stall ends.
fn stalling_server() -> Peer {
    let epoch = Instant::now();
    Peer::start(move |stream| {
        let _ = stream.set_nodelay(true);
        let mut writer = stream.try_clone().unwrap();
        if writer.write_all(b"Welcome!\n").is_err() {
            return;
        }
        let mut reader = BufReader::new(stream);
        let mut line = Vec::new();
        while matches!(reader.read_until(b'\n', &mut line), Ok(n) if n > 0) {
            let name = line.strip_suffix(b"\n").unwrap_or(&line);
            if name == b"exit" {
                return;
            }
            let into_second =
                Duration::from_nanos((epoch.elapsed().as_nanos() % 1_000_000_000) as u64);
            if into_second < STALL {
                thread::sleep(STALL - into_second);
            }
            if writer
                .write_all(&[b"Hello, ", name, b"!\n"].concat())
                .is_err()
            {
                return;
            }
            line.clear();
        }
    })
}

/// The proof of the correction: one connection at 300 msg/s against a server that stalls
/// 200 ms once a second. Closed-loop timing sees one slow reply per stall (under 1% of the
/// messages, so its p99 would stay small); measured from when each message was due, the
/// fifth of the messages that fell due during a stall waited up to 200 ms, so the corrected
/// p99 is at least 100 ms, while the uncorrected median stays under 5 ms.
#[tokio::test]
async fn stalls_show_in_corrected_latency_only() {
    let server = stalling_server();
    let addr = server.addr();
    let r = bench_in_process(&[
        "-a", &addr, "-c", "1", "--rate", "300", "-d", "3s", "--warmup", "200ms",
    ])
    .await;
    let corrected = r.latency_us;
    let uncorrected = r
        .latency_uncorrected_us
        .expect("--rate reports both latencies");
    assert!(corrected.p99 >= 100_000.0, "corrected {corrected:?}");
    assert!(uncorrected.p50 < 5_000.0, "uncorrected {uncorrected:?}");
    let rate = r.rate.expect("--rate reports the rate");
    assert!(rate.behind_schedule > 0, "{rate:?}");
    assert_eq!(r.errors.total, 0, "{r:?}");
}

/// On an idle server the achieved rate is within 2% of the target, and nothing fell
/// behind schedule for long.
#[tokio::test]
async fn achieved_rate_matches_the_target_on_an_idle_server() {
    let server = TestServer::default().await;
    let addr = server.endpoint.to_string();
    let r = bench_in_process(&[
        "-a", &addr, "-c", "4", "--rate", "400", "-d", "2s", "--warmup", "300ms",
    ])
    .await;
    let rate = r.rate.expect("--rate reports the rate");
    assert!(
        (rate.achieved - 400.0).abs() <= 8.0,
        "achieved {} of 400 msg/s: {r:?}",
        rate.achieved
    );
    assert_eq!(r.errors.total, 0, "{r:?}");
    server.stop().await;
}

/// Churn under `--rate` paces conversations and reports both latencies.
#[tokio::test]
async fn churn_is_paced_in_conversations() {
    let server = TestServer::default().await;
    let addr = server.endpoint.to_string();
    let r = bench_in_process(&[
        "-a", &addr, "-m", "churn", "-c", "2", "--rate", "100", "-d", "1s", "--warmup", "200ms",
    ])
    .await;
    let rate = r.rate.expect("--rate reports the rate");
    assert!((rate.achieved - 100.0).abs() <= 10.0, "{r:?}");
    assert!(r.latency_uncorrected_us.is_some());
    server.stop().await;
}

/// Without `--rate` nothing changes: no rate and no uncorrected latency in the report.
#[tokio::test]
async fn without_rate_the_report_is_as_before() {
    let server = TestServer::default().await;
    let addr = server.endpoint.to_string();
    let r = bench_in_process(&["-a", &addr, "-c", "2", "-d", "100ms"]).await;
    assert!(
        r.rate.is_none() && r.latency_uncorrected_us.is_none(),
        "{r:?}"
    );
    server.stop().await;
}

/// A rate one connection cannot carry (a server that takes 50 ms per reply, 100 msg/s
/// asked of one connection) is said at start, with the connections it needs; the table has
/// the uncorrected row and the rate line, and JSON the rate.
#[test]
fn too_few_connections_are_said_at_start() {
    let server = Peer::start(|stream| {
        let mut writer = stream.try_clone().unwrap();
        let _ = writer.write_all(b"Welcome!\n");
        for line in BufReader::new(stream).lines() {
            let Ok(name) = line else { return };
            if name == "exit" {
                return;
            }
            thread::sleep(Duration::from_millis(50));
            if writer
                .write_all(format!("Hello, {name}!\n").as_bytes())
                .is_err()
            {
                return;
            }
        }
    });
    let addr = server.addr();
    let out = sockit_bench(&["-a", &addr, "-c", "1", "--rate", "100", "-d", "400ms"]);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "{stderr}");
    assert!(
        stderr.starts_with("sockit: warning: --rate 100 is more than 1 connections can carry"),
        "{stderr}"
    );
    // At 50 ms a round trip, a connection carries 20 msg/s: five or more (a slow machine's
    // round trip is longer, never shorter).
    let needed: u32 = stderr
        .split("use -c ")
        .nth(1)
        .and_then(|rest| rest.split(' ').next())
        .and_then(|n| n.parse().ok())
        .unwrap_or_else(|| panic!("{stderr}"));
    assert!((5..=20).contains(&needed), "{stderr}");
    let table = String::from_utf8_lossy(&out.stdout);
    assert!(
        table.contains("uncorr.") && table.contains("/s achieved"),
        "{table}"
    );

    let out = sockit_bench(&[
        "-a", &addr, "-c", "12", "--rate", "100", "-d", "300ms", "--json",
    ]);
    assert!(!String::from_utf8_lossy(&out.stderr).contains("warning"));
    let run = &json(&out)["runs"][0];
    assert_eq!(run["rate"]["target"], 100.0, "{run}");
    assert!(
        run["latency_uncorrected_us"]["p99"].as_f64().unwrap() > 0.0,
        "{run}"
    );
}

/// `--json` has a timeline, one entry per second whose messages add up to the run's, in
/// which the stalls show; `--plot` on a single run draws latency over time.
#[cfg(feature = "plot")]
#[test]
fn timeline_adds_up_and_shows_the_stalls() {
    let server = stalling_server();
    let addr = server.addr();
    let dir = tempfile::tempdir().unwrap();
    let svg = dir.path().join("timeline.svg");
    let out = sockit_bench(&[
        "-a",
        &addr,
        "-c",
        "2",
        "--rate",
        "200",
        "-d",
        "2500ms",
        "--json",
        "--plot",
        svg.to_str().unwrap(),
    ]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let run = &json(&out)["runs"][0];
    let seconds = run["timeline"].as_array().unwrap();
    assert!(seconds.len() >= 3, "{run}");
    for (i, s) in seconds.iter().enumerate() {
        assert_eq!(s["second"], i as u64, "{s}");
    }
    let sum: u64 = seconds
        .iter()
        .map(|s| s["messages"].as_u64().unwrap())
        .sum();
    assert_eq!(sum, run["messages"].as_u64().unwrap(), "{run}");
    let worst = seconds
        .iter()
        .map(|s| s["latency_us"]["max"].as_f64().unwrap())
        .fold(0.0, f64::max);
    assert!(worst >= 150_000.0, "{run}");
    let chart = std::fs::read_to_string(&svg).unwrap();
    assert!(chart.starts_with("<svg") && chart.contains("seconds since measuring started"));
}
