//! The pace of a run: `-Y`/`-y` abort a transfer that stalls or never answers (28, curl's
//! words, no file under its final name) and leave one that keeps up alone; `--rate` spaces
//! serial transfers; `--parallel-immediate` dials at once instead of waiting to share an
//! HTTP/2 connection (against nginx, as `h2.rs`).

use crate::support::fetch_run::{fetch, fetch_in};
use crate::support::http_server::{ok, reply, End, Server};
use std::io::Write;
use std::sync::{Arc, Mutex};
use std::time::Instant;

/// A server that sends a head promising a megabyte, 100 bytes of it, and then nothing.
fn stalling() -> Server {
    Server::plain(|_, stream| {
        let _ = stream.write_all(b"HTTP/1.1 200 OK\r\nContent-Length: 1000000\r\n\r\n");
        let _ = stream.write_all(&[b'x'; 100]);
        let _ = stream.flush();
        End::Hold
    })
}

/// A transfer that stalls below `-Y` for `-y`'s second is aborted with curl's 28 and words;
/// nothing is left under the output's name.
#[test]
fn a_stalled_transfer_is_aborted_after_speed_time() {
    let server = stalling();
    let dir = tempfile::tempdir().unwrap();
    let url = server.url("/big");
    let run = fetch_in(
        dir.path(),
        &["-sS", "-Y", "1000", "-y", "1", "-o", "out", &url],
    );
    let run = run.expect(28);
    assert_eq!(
        run.stderr,
        "sockit: (28) Operation too slow. Less than 1000 bytes/sec transferred the last 1 \
         seconds\n"
    );
    assert!(!dir.path().join("out").exists());
}

/// `-y` alone aborts a server that takes the request and never answers (1 byte a second,
/// as curl).
#[test]
fn speed_time_alone_catches_a_server_that_never_answers() {
    let server = Server::plain(|_, _| End::Hold);
    let run = fetch(&["-sS", "-y", "1", &server.url("/")]).expect(28);
    assert!(
        run.stderr
            .contains("Less than 1 bytes/sec transferred the last 1 seconds"),
        "{}",
        run.stderr
    );
}

/// A transfer that keeps up is left alone: the floor is not a deadline.
#[test]
fn a_transfer_that_keeps_up_is_not_aborted() {
    let server = Server::plain(|_, stream| reply(stream, &ok(b"hello")));
    let run = fetch(&["-sS", "-Y", "1", "-y", "1", &server.url("/")]).expect(0);
    assert_eq!(run.out(), "hello");
}

/// `--rate 4/s`: each serial transfer starts a quarter second after the one before, where
/// without it they follow each other at once.
#[test]
fn rate_spaces_serial_transfers() {
    let arrivals = Arc::new(Mutex::new(Vec::new()));
    let seen = arrivals.clone();
    let server = Server::plain(move |_, stream| {
        seen.lock().unwrap().push(Instant::now());
        reply(stream, &ok(b"x"))
    });
    let url = server.url("/");
    fetch(&["-sS", "--rate", "4/s", &url, &url, &url]).expect(0);
    let times = arrivals.lock().unwrap().clone();
    assert_eq!(times.len(), 3);
    for pair in times.windows(2) {
        let gap = pair[1] - pair[0];
        // Started 250 ms apart; the first had a connect to make that the others reuse.
        assert!(gap.as_millis() >= 200, "{gap:?}");
    }
}

/// `-Z --parallel-immediate` opens a connection per fetch at once where plain `-Z` waits
/// and shares the first HTTP/2 connection.
#[test]
fn parallel_immediate_dials_without_waiting_to_share() {
    let found = crate::support::nginx::find_nginx();
    if !crate::support::require(found.is_some(), "nginx") {
        return;
    }
    let files: Vec<(String, Vec<u8>)> = (0..8)
        .map(|i| (format!("p{i}.txt"), format!("file {i}").into_bytes()))
        .collect();
    let named: Vec<(&str, &[u8])> = files
        .iter()
        .map(|(n, b)| (n.as_str(), b.as_slice()))
        .collect();
    let nginx = crate::support::nginx::Nginx::start(&found.unwrap(), &named);
    let ca = nginx.cacert();
    let urls: Vec<String> = (0..8)
        .map(|i| nginx.url(crate::support::nginx::Port::H2, &format!("/p{i}.txt")))
        .collect();
    let dir = tempfile::tempdir().unwrap();
    let connects = |immediate: bool| {
        let mut args = vec!["-sS", "-Z", "--cacert", &ca, "--remote-name-all"];
        args.extend(["-w", "%{num_connects}\n"]);
        if immediate {
            args.push("--parallel-immediate");
        }
        args.extend(urls.iter().map(String::as_str));
        let run = fetch_in(dir.path(), &args).expect(0);
        let out = run.out();
        out.lines()
            .filter_map(|l| l.parse::<u32>().ok())
            .sum::<u32>()
    };
    assert_eq!(connects(false), 1);
    assert!(connects(true) > 1);
}
