//! --segments (issue 10, beyond curl): one URL over N ranged connections into the .part
//! file, byte-identical, resumable from its sidecar, one connection when ranges are not
//! offered.

use crate::support::fetch_run::fetch_in;
use crate::support::http_server::{pattern, End, Req, Server, Stream};
use crate::support::ranges::{requested, Ranges};
use std::collections::HashSet;
use std::fs;
use std::io::Write;
use std::path::Path;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Condvar, Mutex};
use std::time::{Duration, Instant};

const SIZE: usize = 8 << 20;

/// Serves `body` with ranges and an ETag; `cut(start)` says whether to drop the answer
/// that starts there half-way.
fn ranged(body: Arc<Vec<u8>>, cut: impl Fn(usize) -> bool + Send + Sync + 'static) -> Server {
    Ranges::new(body)
        .etag("\"v1\"")
        .cut(move |a| cut(a.from).then_some(a.from + (a.to - a.from) / 2))
        .serve()
}

/// Runs `--segments N -o f` against a server that cuts every ranged segment once, so the
/// run stops with its `.part` file and sidecar left behind, most segments unfinished.
fn interrupted(dir: &Path, body: &Arc<Vec<u8>>, segments: &str) {
    let cut_once = Mutex::new(HashSet::new());
    let broken = ranged(body.clone(), move |from| {
        from > 0 && cut_once.lock().unwrap().insert(from)
    });
    let run = fetch_in(
        dir,
        &[
            "-s",
            "-S",
            "--segments",
            segments,
            "-o",
            "f",
            &broken.url("/"),
        ],
    );
    assert_eq!(run.code, 18, "{}", run.stderr);
    assert!(dir.join("f.segments").exists());
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
        .filter_map(|r| requested(r, SIZE))
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
        .filter_map(|r| requested(r, SIZE))
        .map(|(a, _)| a)
        .collect();
    assert!(starts.contains(&(last + SIZE / 8)), "{starts:?}");
}

/// A way to spoil a `.part` file.
type Spoil = fn(&Path);

/// Issue 17: a sidecar is only believed over a `.part` file that holds what it claims.
/// With the `.part` file removed, emptied, cut short or zeroed (a power cut that kept the
/// sidecar but not the data), the next run starts over and delivers the server's bytes;
/// before, it believed the sidecar and exited 0 with zero blocks in the file.
#[test]
fn a_sidecar_without_its_bytes_is_not_believed() {
    let body = Arc::new(pattern(SIZE));
    let good = ranged(body.clone(), |_| false);
    let spoil: [(&str, Spoil); 4] = [
        ("removed", |p| fs::remove_file(p).unwrap()),
        ("emptied", |p| fs::write(p, b"").unwrap()),
        ("cut short", |p| {
            fs::File::options()
                .write(true)
                .open(p)
                .unwrap()
                .set_len(SIZE as u64 / 2)
                .unwrap()
        }),
        ("zeroed", |p| fs::write(p, vec![0u8; SIZE]).unwrap()),
    ];
    for (how, spoil) in spoil {
        for resume in [&["-C", "-"][..], &[]] {
            let dir = tempfile::tempdir().unwrap();
            interrupted(dir.path(), &body, "4");
            spoil(&dir.path().join("f.part"));
            let flags = [&["-s", "-S", "--segments", "4", "-o", "f"][..], resume].concat();
            fetch_in(dir.path(), &[&flags[..], &[&good.url("/")]].concat()).expect(0);
            let got = fs::read(dir.path().join("f")).unwrap();
            assert!(
                got == *body,
                "the .part file {how}, {resume:?}: wrong bytes"
            );
            assert!(!dir.path().join("f.segments").exists());
        }
    }
}

/// Counts the connections a server has open at once.
#[derive(Default)]
struct Open {
    now: Mutex<usize>,
    most: Mutex<usize>,
    changed: Condvar,
}

impl Open {
    /// How long a connection waits for others to show up beside it, and for a crowd to
    /// thin out again (a closing connection the server has not yet seen close).
    const PATIENCE: Duration = Duration::from_millis(300);

    /// One more is open. It waits (up to [`Self::PATIENCE`]) for more than `limit` to be
    /// open, so a client that opens too many at once is caught even when each is short;
    /// then counts how many are open once any excess had the same time to go away.
    fn enter(&self, limit: usize) {
        let mut now = self.now.lock().unwrap();
        *now += 1;
        self.changed.notify_all();
        now = self.wait_while(now, |n| n <= limit);
        now = self.wait_while(now, |n| n > limit);
        let mut most = self.most.lock().unwrap();
        *most = (*most).max(*now);
    }

    fn wait_while<'a>(
        &self,
        mut now: std::sync::MutexGuard<'a, usize>,
        condition: impl Fn(usize) -> bool,
    ) -> std::sync::MutexGuard<'a, usize> {
        let deadline = Instant::now() + Self::PATIENCE;
        while condition(*now) {
            let left = deadline.saturating_duration_since(Instant::now());
            if left.is_zero() {
                break;
            }
            now = self.changed.wait_timeout(now, left).unwrap().0;
        }
        now
    }

    fn leave(&self) {
        *self.now.lock().unwrap() -= 1;
        self.changed.notify_all();
    }
}

/// Issue 17: a sidecar that lists more segments than `--segments` never opens more
/// connections than `--segments` (today's 8 listed opened 8 at once; 20,000 opened 14,433).
#[test]
fn a_sidecar_with_more_segments_opens_no_more_connections() {
    let body = Arc::new(pattern(SIZE));
    let dir = tempfile::tempdir().unwrap();
    interrupted(dir.path(), &body, "8");
    let open = Arc::new(Open::default());
    let counted = open.clone();
    let ranges = Ranges::new(body.clone()).etag("\"v1\"");
    // Only ranged requests are counted: the first answer's connection is closed at once
    // (its segment is done), but the server may not notice before the others arrive.
    let server = Server::plain(move |req: &Req, s: &mut Stream| {
        if req.header("range").is_none() {
            return ranges.answer(req, s);
        }
        counted.enter(2);
        let end = ranges.answer(req, s);
        // Open until the client closes it, after its segment.
        let _ = std::io::copy(s, &mut std::io::sink());
        counted.leave();
        end
    });
    let flags = ["-s", "-S", "--segments", "2", "-o", "f"];
    fetch_in(dir.path(), &[&flags[..], &[&server.url("/")]].concat()).expect(0);
    assert!(fs::read(dir.path().join("f")).unwrap() == *body);
    let ranged = server
        .requests()
        .iter()
        .filter(|r| r.header("range").is_some())
        .count();
    assert!(
        ranged > 3,
        "the sidecar's segments were continued: {ranged}"
    );
    let most = *open.most.lock().unwrap();
    assert!(most <= 2, "{most} ranged connections open at once");
}

/// Issue 17: a server that ignores If-Range and answers a segment with another version of
/// the file (another ETag) is refused with 33, never mixed into one file (it exited 0
/// with 2 MiB of version 1 and 6 MiB of version 2).
#[test]
fn a_segment_of_another_version_is_refused() {
    let v1 = Arc::new(pattern(SIZE));
    let v2: Vec<u8> = v1.iter().map(|b| b ^ 0xff).collect();
    let server = Ranges::new(v1)
        .etag("\"v1\"")
        .ranges_of_another_version(v2, "\"v2\"")
        .serve();
    let dir = tempfile::tempdir().unwrap();
    let flags = ["-s", "-S", "--segments", "4", "-o", "f"];
    let run = fetch_in(dir.path(), &[&flags[..], &[&server.url("/")]].concat()).expect(33);
    assert!(run.stderr.contains("another version"), "{}", run.stderr);
    assert!(!dir.path().join("f").exists());
}

/// Whether this machine can give a test a private mount namespace (`unshare -rm`: as root,
/// or through a user namespace), where a small tmpfs can fill up without touching the host.
fn private_mounts() -> bool {
    let works = std::process::Command::new("unshare")
        .args(["-rm", "true"])
        .stderr(std::process::Stdio::null())
        .status()
        .is_ok_and(|s| s.success());
    crate::support::require(works, "unshare -rm (a private mount namespace)")
}

/// Issue 17: a `--segments` download to a disk without room for it fails with 23 naming
/// the `.part` file, and leaves no empty `FILE.segments.new` (it named the sidecar, whose
/// first save failed, and left the empty temporary file). The download runs in its own
/// mount namespace on a 3 MiB tmpfs, filled but for a few pages before it starts.
#[test]
fn a_full_disk_names_the_part_file_and_leaves_no_temporary_sidecar() {
    if !private_mounts() {
        return;
    }
    let body = Arc::new(pattern(SIZE));
    let server = ranged(body, |_| false);
    let dir = tempfile::tempdir().unwrap();
    let script = r#"mount -t tmpfs -o size=3m tmpfs "$1" && cd "$1" || exit 99
dd if=/dev/zero of=filler bs=4k count=760 2>/dev/null || exit 98
"$2" fetch -sS --segments 4 -o f "$3"
code=$?
echo "left: $(ls -A | tr '\n' ' ')" >&2
exit $code"#;
    let mut cmd = std::process::Command::new("unshare");
    cmd.args(["-rm", "sh", "-c", script, "sh"])
        .arg(dir.path())
        .arg(env!("CARGO_BIN_EXE_sockit"))
        .arg(server.url("/"));
    let mut child = crate::support::ChildGuard::spawn(cmd);
    let (status, stderr) = child.wait_within(Duration::from_secs(60));
    assert_eq!(status.code(), Some(23), "{stderr}");
    assert!(stderr.contains("cannot write to f.part"), "{stderr}");
    assert!(stderr.contains("left: filler \n"), "{stderr}");
}
