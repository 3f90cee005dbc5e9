//! Output safety: FILE appears only complete, an existing FILE survives a failed download,
//! `.part` files are kept (or removed) and resumed byte for byte.

use crate::support::fetch_run::{fetch_in, Running};
use crate::support::http_server::{pattern, reply, End, Server};
use crate::support::ranges::Ranges;
use std::fs;
use std::io::Write;

/// Serves `body` with Range support, cutting the connection after `cut` bytes of the body
/// when `cut` is set (a download that fails half-way).
fn ranged(body: Vec<u8>, cut: Option<usize>) -> Server {
    Ranges::new(body)
        .cut(move |answer| cut.map(|c| c.max(answer.from)))
        .serve()
}

/// A failed download leaves no FILE, keeps FILE.part, and leaves an existing FILE alone.
#[test]
fn failure_leaves_no_final_file() {
    let body = pattern(50_000);
    let server = ranged(body.clone(), Some(20_000));
    let dir = tempfile::tempdir().unwrap();
    fetch_in(dir.path(), &["-s", "-o", "f.bin", &server.url("/f")]).expect(18);
    assert!(!dir.path().join("f.bin").exists());
    assert_eq!(
        fs::read(dir.path().join("f.bin.part")).unwrap(),
        &body[..20_000]
    );
    fs::write(dir.path().join("old.bin"), b"precious").unwrap();
    fetch_in(dir.path(), &["-s", "-o", "old.bin", &server.url("/f")]).expect(18);
    assert_eq!(fs::read(dir.path().join("old.bin")).unwrap(), b"precious");
}

/// A body large enough to be spliced from the socket into FILE (src/net/splice.rs) arrives
/// byte for byte: cut off, FILE.part holds exactly the bytes that came (18); continued with
/// `-C -`, FILE is whole, and `%{size_download}` counts the bytes as read ones are counted.
#[test]
fn large_bodies_moved_straight_to_the_file_are_exact() {
    let body = pattern(3 << 20);
    let cut = (3 << 20) / 2 + 12_345;
    let dir = tempfile::tempdir().unwrap();
    let broken = ranged(body.clone(), Some(cut));
    fetch_in(dir.path(), &["-s", "-o", "f", &broken.url("/")]).expect(18);
    assert_eq!(fs::read(dir.path().join("f.part")).unwrap(), &body[..cut]);
    let good = ranged(body.clone(), None);
    let args = [
        "-s",
        "-C",
        "-",
        "-o",
        "f",
        "-w",
        "%{size_download}",
        &good.url("/"),
    ];
    let out = fetch_in(dir.path(), &args).expect(0);
    assert_eq!(out.out(), (body.len() - cut).to_string());
    assert_eq!(fs::read(dir.path().join("f")).unwrap(), body);
    let whole = ["-s", "-o", "g", "-w", "%{size_download}", &good.url("/")];
    let out = fetch_in(dir.path(), &whole).expect(0);
    assert_eq!(out.out(), body.len().to_string());
    assert_eq!(fs::read(dir.path().join("g")).unwrap(), body);
}

/// The same body to stdout: into a pipe (the test reads it) and into a regular file (as
/// `> FILE` gives it), after `-i`'s head, and appended to (`>> FILE`, which splice(2)
/// refuses, so the bytes are written the ordinary way): every byte, in order.
#[test]
fn large_bodies_to_stdout_are_exact() {
    let body = pattern(3 << 20);
    let server = ranged(body.clone(), None);
    let dir = tempfile::tempdir().unwrap();
    let piped = fetch_in(dir.path(), &["-s", &server.url("/")]).expect(0);
    assert!(piped.stdout == body, "the body through a pipe differs");
    let to_file = |name: &str, append: bool, args: &[&str]| {
        let path = dir.path().join(name);
        let out = fs::OpenOptions::new()
            .create(true)
            .append(append)
            .write(!append)
            .open(&path)
            .unwrap();
        let status = crate::support::sockit()
            .arg("fetch")
            .args(args)
            .arg(server.url("/"))
            .stdout(out)
            .status()
            .unwrap();
        assert_eq!(status.code(), Some(0));
        fs::read(&path).unwrap()
    };
    let headed = to_file("headed", false, &["-s", "-i"]);
    let end = headed.windows(4).position(|w| w == b"\r\n\r\n").unwrap() + 4;
    assert!(headed.starts_with(b"HTTP/1.1 200"));
    assert!(headed[end..] == body, "the body after -i's head differs");
    fs::write(dir.path().join("appended"), b"before\n").unwrap();
    let appended = to_file("appended", true, &["-s"]);
    assert!(appended[..7] == *b"before\n" && appended[7..] == body);
}

/// --no-keep-partial removes the .part file after a failure.
#[test]
fn no_keep_partial_removes_part() {
    let server = ranged(pattern(50_000), Some(100));
    let dir = tempfile::tempdir().unwrap();
    fetch_in(
        dir.path(),
        &["-s", "--no-keep-partial", "-o", "f", &server.url("/")],
    )
    .expect(18);
    assert!(!dir.path().join("f").exists());
    assert!(!dir.path().join("f.part").exists());
}

/// -C - continues a .part file with a Range request and the result is byte-exact.
#[test]
fn resume_from_part_is_byte_exact() {
    let body = pattern(200_000);
    let dir = tempfile::tempdir().unwrap();
    let broken = ranged(body.clone(), Some(75_000));
    fetch_in(dir.path(), &["-s", "-o", "f", &broken.url("/")]).expect(18);
    let good = ranged(body.clone(), None);
    fetch_in(dir.path(), &["-s", "-C", "-", "-o", "f", &good.url("/")]).expect(0);
    assert_eq!(fs::read(dir.path().join("f")).unwrap(), body);
    assert!(!dir.path().join("f.part").exists());
    assert_eq!(good.requests()[0].header("range"), Some("bytes=75000-"));
}

/// -C - without a .part file continues an existing FILE's length; -C N starts at byte N;
/// with nothing local, -C N asks for the bytes from N and writes them as they come, as
/// curl does; a local copy shorter than N is refused (33) and left alone, where curl would
/// append after it and leave a file with a hole.
#[test]
fn resume_from_file_and_offset() {
    let body = pattern(10_000);
    let server = ranged(body.clone(), None);
    let dir = tempfile::tempdir().unwrap();
    fs::write(dir.path().join("f"), &body[..4000]).unwrap();
    fetch_in(dir.path(), &["-s", "-C", "-", "-o", "f", &server.url("/")]).expect(0);
    assert_eq!(fs::read(dir.path().join("f")).unwrap(), body);
    fs::write(dir.path().join("g.part"), &body[..9000]).unwrap();
    fetch_in(
        dir.path(),
        &["-s", "-C", "5000", "-o", "g", &server.url("/")],
    )
    .expect(0);
    assert_eq!(fs::read(dir.path().join("g")).unwrap(), body);
    let reqs = server.requests();
    assert_eq!(reqs[0].header("range"), Some("bytes=4000-"));
    assert_eq!(reqs[1].header("range"), Some("bytes=5000-"));
    fetch_in(
        dir.path(),
        &["-s", "-C", "9000", "-o", "h", &server.url("/")],
    )
    .expect(0);
    assert_eq!(fs::read(dir.path().join("h")).unwrap(), &body[9000..]);
    assert_eq!(server.requests()[2].header("range"), Some("bytes=9000-"));
    fs::write(dir.path().join("short"), &body[..10]).unwrap();
    let run = fetch_in(
        dir.path(),
        &["-s", "-S", "-C", "9000", "-o", "short", &server.url("/")],
    );
    assert_eq!(run.code, 33, "{}", run.stderr);
    assert_eq!(fs::read(dir.path().join("short")).unwrap(), &body[..10]);
}

/// A server that ignores Range (200, not 206) restarts the download from zero.
#[test]
fn ignored_range_restarts() {
    let body = pattern(30_000);
    let sent = body.clone();
    let server = Server::plain(move |_, s| {
        let mut r =
            format!("HTTP/1.1 200 OK\r\nContent-Length: {}\r\n\r\n", sent.len()).into_bytes();
        r.extend_from_slice(&sent);
        reply(s, &r)
    });
    let dir = tempfile::tempdir().unwrap();
    fs::write(dir.path().join("f.part"), b"stale bytes that must go").unwrap();
    fetch_in(dir.path(), &["-s", "-C", "-", "-o", "f", &server.url("/")]).expect(0);
    assert_eq!(fs::read(dir.path().join("f")).unwrap(), body);
}

/// Resuming a file that is already complete (416 with the same length) succeeds.
#[test]
fn resume_of_complete_file_succeeds() {
    let server = Server::plain(|_, s| {
        reply(s, b"HTTP/1.1 416 Range Not Satisfiable\r\nContent-Range: bytes */5\r\nContent-Length: 0\r\n\r\n")
    });
    let dir = tempfile::tempdir().unwrap();
    fs::write(dir.path().join("f.part"), b"12345").unwrap();
    fetch_in(dir.path(), &["-s", "-C", "-", "-o", "f", &server.url("/")]).expect(0);
    assert_eq!(fs::read(dir.path().join("f")).unwrap(), b"12345");
}

/// --fail on an error status creates no file at all.
#[test]
fn fail_creates_no_file() {
    let server =
        Server::plain(|_, s| reply(s, b"HTTP/1.1 500 Oops\r\nContent-Length: 3\r\n\r\nbad"));
    let dir = tempfile::tempdir().unwrap();
    fetch_in(dir.path(), &["-s", "-f", "-o", "f", &server.url("/")]).expect(22);
    assert!(fs::read_dir(dir.path()).unwrap().next().is_none());
}

/// `-o /dev/null` writes to the device: no `/dev/null.part`, and no rename that would
/// replace the device node with a regular file.
#[test]
fn dev_null_is_written_in_place() {
    use std::os::unix::fs::FileTypeExt;
    let server = Server::plain(|_, s| reply(s, &crate::support::http_server::ok(b"discarded")));
    let dir = tempfile::tempdir().unwrap();
    fetch_in(dir.path(), &["-s", "-o", "/dev/null", &server.url("/")]).expect(0);
    assert!(fs::metadata("/dev/null")
        .unwrap()
        .file_type()
        .is_char_device());
    assert!(!std::path::Path::new("/dev/null.part").exists());
}

/// A symbolic link as FILE: the download replaces the file it points to, the link stays.
#[test]
fn symlink_output_writes_through() {
    let server = Server::plain(|_, s| reply(s, &crate::support::http_server::ok(b"new contents")));
    let dir = tempfile::tempdir().unwrap();
    fs::write(dir.path().join("target"), b"old").unwrap();
    std::os::unix::fs::symlink("target", dir.path().join("link")).unwrap();
    fetch_in(dir.path(), &["-s", "-o", "link", &server.url("/")]).expect(0);
    assert!(fs::symlink_metadata(dir.path().join("link"))
        .unwrap()
        .file_type()
        .is_symlink());
    assert_eq!(
        fs::read(dir.path().join("target")).unwrap(),
        b"new contents"
    );
}

/// Issue 10: `-D - -o f URL | head -1`: the reader of the printed head goes away, the download
/// still finishes, f is committed and the exit code is the download's.
#[test]
fn closed_stdout_does_not_lose_the_file() {
    let (go, wait) = std::sync::mpsc::channel::<()>();
    let wait = std::sync::Mutex::new(wait);
    let body = pattern(300_000);
    let sent = body.clone();
    let server = Server::plain(move |_, s| {
        let _ = wait.lock().unwrap().recv_timeout(crate::support::WAIT);
        reply(s, &crate::support::http_server::ok(&sent))
    });
    let dir = tempfile::tempdir().unwrap();
    let mut running = Running::start(dir.path(), &["-D", "-", "-o", "f", &server.url("/")]);
    drop(running.stdout.take());
    go.send(()).unwrap();
    let run = running.finish().expect(0);
    assert_eq!(run.stderr, "");
    assert_eq!(fs::read(dir.path().join("f")).unwrap(), body);
    assert!(!dir.path().join("f.part").exists());
}

/// Issue 10: a read-only FILE is not replaced (23, untouched, nothing downloaded), nor is a
/// directory (23, no DIR.part).
#[test]
fn read_only_file_and_directory_are_refused() {
    use std::os::unix::fs::PermissionsExt;
    let server = Server::plain(|_, s| reply(s, &crate::support::http_server::ok(b"new")));
    let dir = tempfile::tempdir().unwrap();
    let locked = dir.path().join("locked");
    fs::write(&locked, b"keep me").unwrap();
    fs::set_permissions(&locked, fs::Permissions::from_mode(0o444)).unwrap();
    let run = fetch_in(dir.path(), &["-o", "locked", &server.url("/")]).expect(23);
    assert!(run.stderr.contains("read-only"), "{}", run.stderr);
    assert_eq!(fs::read(&locked).unwrap(), b"keep me");
    fs::create_dir(dir.path().join("sub")).unwrap();
    let run = fetch_in(dir.path(), &["-o", "sub", &server.url("/")]).expect(23);
    assert!(run.stderr.contains("directory"), "{}", run.stderr);
    assert!(!dir.path().join("sub.part").exists());
    assert!(server.requests().is_empty(), "nothing is downloaded");
}

/// Issue 10: the new file keeps the mode of the one it replaces, and its owner and group
/// where permitted (checked when the tests run as root).
#[test]
fn replacing_keeps_the_mode() {
    use std::os::unix::fs::{MetadataExt, PermissionsExt};
    let server = Server::plain(|_, s| reply(s, &crate::support::http_server::ok(b"#!/bin/sh\n")));
    let dir = tempfile::tempdir().unwrap();
    let script = dir.path().join("run.sh");
    fs::write(&script, b"old").unwrap();
    fs::set_permissions(&script, fs::Permissions::from_mode(0o751)).unwrap();
    let root = fs::metadata(&script).unwrap().uid() == 0;
    if root {
        std::os::unix::fs::chown(&script, Some(4321), Some(4322)).unwrap();
    }
    fetch_in(dir.path(), &["-s", "-o", "run.sh", &server.url("/")]).expect(0);
    assert_eq!(fs::read(&script).unwrap(), b"#!/bin/sh\n");
    let meta = fs::metadata(&script).unwrap();
    assert_eq!(meta.permissions().mode() & 0o7777, 0o751);
    if root {
        assert_eq!((meta.uid(), meta.gid()), (4321, 4322));
    }
}

/// Issue 10: a dangling symbolic link as FILE: its target is created, the link stays.
#[test]
fn dangling_symlink_creates_its_target() {
    let server = Server::plain(|_, s| reply(s, &crate::support::http_server::ok(b"through")));
    let dir = tempfile::tempdir().unwrap();
    fs::create_dir(dir.path().join("d")).unwrap();
    std::os::unix::fs::symlink("d/new", dir.path().join("link")).unwrap();
    fetch_in(dir.path(), &["-s", "-o", "link", &server.url("/")]).expect(0);
    assert!(fs::symlink_metadata(dir.path().join("link"))
        .unwrap()
        .file_type()
        .is_symlink());
    assert_eq!(fs::read(dir.path().join("d/new")).unwrap(), b"through");
}

/// Issue 10: -O with a 255-byte name works: the .part name is shortened, not the final one.
#[test]
fn longest_remote_name_works() {
    let name = "n".repeat(255);
    let server = Server::plain(|_, s| reply(s, &crate::support::http_server::ok(b"long")));
    let dir = tempfile::tempdir().unwrap();
    fetch_in(dir.path(), &["-s", "-O", &server.url(&format!("/{name}"))]).expect(0);
    assert_eq!(fs::read(dir.path().join(&name)).unwrap(), b"long");
    assert_eq!(fs::read_dir(dir.path()).unwrap().count(), 1);
}

/// Issue 10: `-fC -` on a file that is already complete (416) succeeds and leaves no .part.
#[test]
fn fail_resume_of_complete_file_leaves_no_part() {
    let server = Server::plain(|_, s| {
        reply(s, b"HTTP/1.1 416 Range Not Satisfiable\r\nContent-Range: bytes */5\r\nContent-Length: 0\r\n\r\n")
    });
    let dir = tempfile::tempdir().unwrap();
    fs::write(dir.path().join("f"), b"12345").unwrap();
    fetch_in(dir.path(), &["-sf", "-C", "-", "-o", "f", &server.url("/")]).expect(0);
    assert_eq!(fs::read(dir.path().join("f")).unwrap(), b"12345");
    assert!(!dir.path().join("f.part").exists());
    let refusing = Server::plain(|_, s| {
        reply(
            s,
            b"HTTP/1.1 416 Range Not Satisfiable\r\nContent-Length: 0\r\n\r\n",
        )
    });
    fetch_in(
        dir.path(),
        &["-sf", "-C", "-", "-o", "f", &refusing.url("/")],
    )
    .expect(22);
    assert_eq!(fs::read(dir.path().join("f")).unwrap(), b"12345");
    assert!(!dir.path().join("f.part").exists());
}

/// A server that sends `body` in two halves, holding the second until `release` says so;
/// `arrived` hears of each request as it comes.
fn held_halfway(
    body: Vec<u8>,
    arrived: std::sync::mpsc::Sender<String>,
    release: std::sync::mpsc::Receiver<()>,
) -> Server {
    let arrived = std::sync::Mutex::new(arrived);
    let release = std::sync::Mutex::new(release);
    Server::plain(move |req, s| {
        let head = format!("HTTP/1.1 200 OK\r\nContent-Length: {}\r\n\r\n", body.len());
        let _ = s.write_all(head.as_bytes());
        let _ = s.write_all(&body[..body.len() / 2]);
        let _ = s.flush();
        let _ = arrived.lock().unwrap().send(req.target.clone());
        if req.target == "/held" {
            let wait = std::time::Duration::from_secs(30);
            let _ = release.lock().unwrap().recv_timeout(wait);
        }
        let _ = s.write_all(&body[body.len() / 2..]);
        End::Close
    })
}

/// Issue 17: two runs to one `-o FILE` at once do not share `FILE.part`: the second is
/// refused (23) while the first writes it, and the first delivers its bytes whole (the
/// second used to finish and rename, and the first kept writing into the delivered file).
#[test]
fn two_runs_to_one_file_do_not_share_the_part_file() {
    let body = pattern(200_000);
    let (arrived, heard) = std::sync::mpsc::channel();
    let (release, released) = std::sync::mpsc::channel();
    let server = held_halfway(body.clone(), arrived, released);
    let dir = tempfile::tempdir().unwrap();
    let first = Running::start(dir.path(), &["-sS", "-o", "f", &server.url("/held")]);
    let wait = std::time::Duration::from_secs(30);
    assert_eq!(heard.recv_timeout(wait).unwrap(), "/held");
    let second = fetch_in(dir.path(), &["-sS", "-o", "f", &server.url("/other")]).expect(23);
    assert!(second.stderr.contains("f.part"), "{}", second.stderr);
    assert!(
        second.stderr.contains("another download"),
        "{}",
        second.stderr
    );
    release.send(()).unwrap();
    first.finish().expect(0);
    assert!(fs::read(dir.path().join("f")).unwrap() == body);
    assert!(!dir.path().join("f.part").exists());
}

/// `-R` gives the file the server's Last-Modified time, as curl does; without it the file
/// has the time it was written.
#[test]
fn remote_time_sets_the_files_mtime() {
    use crate::support::recorder::Recorder;
    use std::time::{Duration, UNIX_EPOCH};
    let server = Recorder::start();
    let dir = tempfile::tempdir().unwrap();
    let url = format!("{}/dated", server.base());
    fetch_in(dir.path(), &["-s", "-R", "-o", "r", &url]).expect(0);
    fetch_in(dir.path(), &["-s", "-o", "plain", &url]).expect(0);
    let mtime = |name: &str| {
        fs::metadata(dir.path().join(name))
            .unwrap()
            .modified()
            .unwrap()
    };
    assert_eq!(mtime("r"), UNIX_EPOCH + Duration::from_secs(1_000_000_000));
    assert!(mtime("plain") > UNIX_EPOCH + Duration::from_secs(1_700_000_000));
}
