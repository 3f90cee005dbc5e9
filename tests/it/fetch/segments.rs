//! --segments (issue 10, beyond curl): one URL over N ranged connections into the .part
//! file, byte-identical, resumable from its sidecar, one connection when ranges are not
//! offered.

use super::server::{pattern, End, Req, Server, Stream};
use super::support::fetch_in;
use std::fs;
use std::io::Write;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;

const SIZE: usize = 8 << 20;

/// `bytes=A-B` or `bytes=A-`.
fn range(req: &Req, len: usize) -> Option<(usize, usize)> {
    let spec = req.header("range")?.strip_prefix("bytes=")?;
    let (a, b) = spec.split_once('-')?;
    let end = if b.is_empty() {
        len - 1
    } else {
        b.parse().ok()?
    };
    Some((a.parse().ok()?, end))
}

/// Serves `body` with ranges and an ETag; `cut(req, start)` says whether to drop this
/// response half-way.
fn ranged(body: Arc<Vec<u8>>, cut: impl Fn(usize) -> bool + Send + Sync + 'static) -> Server {
    Server::plain(move |req: &Req, s: &mut Stream| {
        let head = match range(req, body.len()) {
            Some((a, b)) if req.header("if-range") == Some("\"v1\"") => {
                let head = format!(
                    "HTTP/1.1 206 Partial Content\r\nETag: \"v1\"\r\nContent-Length: {}\r\n\
                     Content-Range: bytes {a}-{b}/{}\r\n\r\n",
                    b + 1 - a,
                    body.len()
                );
                (head, a, b + 1)
            }
            _ => {
                let head = format!(
                    "HTTP/1.1 200 OK\r\nETag: \"v1\"\r\nAccept-Ranges: bytes\r\n\
                     Content-Length: {}\r\n\r\n",
                    body.len()
                );
                (head, 0, body.len())
            }
        };
        let (head, from, to) = head;
        let _ = s.write_all(head.as_bytes());
        let to = if cut(from) {
            from + (to - from) / 2
        } else {
            to
        };
        let _ = s.write_all(&body[from..to]);
        End::Close
    })
}

/// Four connections, the first without Range, three ranged with If-Range; the file is
/// byte-identical and no sidecar is left.
#[test]
fn segments_download_byte_identical() {
    let body = Arc::new(pattern(SIZE));
    let server = ranged(body.clone(), |_| false);
    let dir = tempfile::tempdir().unwrap();
    fetch_in(
        dir.path(),
        &["-s", "--segments", "4", "-o", "f", &server.url("/")],
    )
    .expect(0);
    assert!(fs::read(dir.path().join("f")).unwrap() == *body);
    assert_eq!(
        fs::read_dir(dir.path()).unwrap().count(),
        1,
        "no .part or sidecar left"
    );
    let reqs = server.requests();
    assert_eq!(reqs.len(), 4);
    assert_eq!(
        reqs.iter().filter(|r| r.header("range").is_some()).count(),
        3
    );
    assert!(reqs
        .iter()
        .filter(|r| r.header("range").is_some())
        .all(|r| r.header("if-range") == Some("\"v1\"")));
}

/// A segment cut off leaves the .part and its sidecar (18); -C - continues every segment
/// where it stopped, and the result is byte-identical.
#[test]
fn interrupted_segments_resume() {
    let body = Arc::new(pattern(SIZE));
    let once = AtomicBool::new(true);
    let last = SIZE / 4 * 3;
    let broken = ranged(body.clone(), move |from| {
        from == last && once.swap(false, Ordering::SeqCst)
    });
    let dir = tempfile::tempdir().unwrap();
    let run = fetch_in(
        dir.path(),
        &["-s", "-S", "--segments", "4", "-o", "f", &broken.url("/")],
    );
    assert_eq!(run.code, 18, "{}", run.stderr);
    assert!(dir.path().join("f.segments").exists());
    assert!(!dir.path().join("f").exists());
    let good = ranged(body.clone(), |_| false);
    fetch_in(
        dir.path(),
        &[
            "-s",
            "-C",
            "-",
            "--segments",
            "4",
            "-o",
            "f",
            &good.url("/"),
        ],
    )
    .expect(0);
    assert!(fs::read(dir.path().join("f")).unwrap() == *body);
    assert!(!dir.path().join("f.segments").exists());
    let continued: Vec<usize> = good
        .requests()
        .iter()
        .filter_map(|r| range(r, SIZE))
        .map(|(a, _)| a)
        .collect();
    assert!(continued.contains(&(last + SIZE / 8)), "{continued:?}");
}

/// Without Accept-Ranges the download takes one connection.
#[test]
fn no_ranges_means_one_connection() {
    let body = pattern(SIZE);
    let sent = body.clone();
    let server = Server::plain(move |_, s| {
        let _ = s.write_all(
            format!("HTTP/1.1 200 OK\r\nContent-Length: {}\r\n\r\n", sent.len()).as_bytes(),
        );
        let _ = s.write_all(&sent);
        End::Close
    });
    let dir = tempfile::tempdir().unwrap();
    fetch_in(
        dir.path(),
        &["-s", "--segments", "4", "-o", "f", &server.url("/")],
    )
    .expect(0);
    assert!(fs::read(dir.path().join("f")).unwrap() == body);
    assert_eq!(server.requests().len(), 1);
}

/// With --retry-all-errors a cut segment is retried in the same run: every segment goes on
/// from its sidecar, nothing is fetched twice from byte 0.
#[test]
fn retry_continues_segments() {
    let body = Arc::new(pattern(SIZE));
    let once = AtomicBool::new(true);
    let last = SIZE / 4 * 3;
    let server = ranged(body.clone(), move |from| {
        from == last && once.swap(false, Ordering::SeqCst)
    });
    let dir = tempfile::tempdir().unwrap();
    let flags = [
        "-s",
        "--retry",
        "1",
        "--retry-all-errors",
        "--retry-delay",
        "10ms",
    ];
    let more = ["--segments", "4", "-o", "f"];
    fetch_in(
        dir.path(),
        &[&flags[..], &more[..], &[&server.url("/")]].concat(),
    )
    .expect(0);
    assert!(fs::read(dir.path().join("f")).unwrap() == *body);
    assert!(!dir.path().join("f.segments").exists());
    let starts: Vec<usize> = server
        .requests()
        .iter()
        .filter_map(|r| range(r, SIZE))
        .map(|(a, _)| a)
        .collect();
    assert!(starts.contains(&(last + SIZE / 8)), "{starts:?}");
}
