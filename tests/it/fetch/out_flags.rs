//! The output flags of `out_flags.rs` against the in-test server: `-J`'s names, `-:`'s
//! groups each with their own options, `-N`, `--stderr`, `--xattr` and `-M`.

use crate::support::fetch_run::{fetch_in, Running};
use crate::support::http_server::{ok, reply, Server};
use crate::support::{refusing, skip, sockit};
use std::fs;
use std::io::{Read, Write};
use std::sync::mpsc;
use std::sync::Mutex;
use std::time::Duration;

/// The bound on waiting for output a fetch should already have written.
const WAIT: Duration = Duration::from_secs(10);

/// A server whose every reply offers `disposition` as its Content-Disposition.
fn offering(disposition: &'static str) -> Server {
    Server::plain(move |_, stream| {
        let head = format!(
            "HTTP/1.1 200 OK\r\nContent-Disposition: {disposition}\r\nContent-Length: 6\r\n\r\n"
        );
        reply(stream, &[head.as_bytes(), b"named\n"].concat())
    })
}

/// `-OJ` saves under RFC 6266's `filename*` (UTF-8, percent-encoded), preferred to
/// `filename`, and leaves no `.part` of the URL's own name behind.
#[test]
fn remote_header_name_prefers_filename_star() {
    let server = offering("attachment; filename=plain.txt; filename*=UTF-8''n%C3%A4me.txt");
    let dir = tempfile::tempdir().unwrap();
    fetch_in(dir.path(), &["-s", "-OJ", &server.url("/dl")]).expect(0);
    let names: Vec<_> = fs::read_dir(dir.path())
        .unwrap()
        .map(|e| e.unwrap().file_name().into_string().unwrap())
        .collect();
    assert_eq!(names, ["näme.txt"]);
    assert_eq!(fs::read(dir.path().join("näme.txt")).unwrap(), b"named\n");
}

/// A name with a path lands in --output-dir under its base name, never outside it.
#[test]
fn remote_header_name_stays_in_the_output_dir() {
    let server = offering("attachment; filename*=UTF-8''..%2F..%2Fescaped.txt");
    let top = tempfile::tempdir().unwrap();
    let out = top.path().join("a/b");
    fs::create_dir_all(&out).unwrap();
    fetch_in(
        top.path(),
        &["-s", "-OJ", "--output-dir", "a/b", &server.url("/dl")],
    )
    .expect(0);
    assert_eq!(fs::read(out.join("escaped.txt")).unwrap(), b"named\n");
    assert!(!top.path().join("escaped.txt").exists());
    assert!(!top.path().join("a/escaped.txt").exists());
}

/// A file that already has the server's name is left as it was: exit 23, as curl 7.88,
/// and no `.part` file left behind.
#[test]
fn remote_header_name_never_replaces_a_file() {
    let server = offering("attachment; filename=\"name.txt\"");
    let dir = tempfile::tempdir().unwrap();
    fs::write(dir.path().join("name.txt"), b"precious\n").unwrap();
    let run = fetch_in(dir.path(), &["-sS", "-OJ", &server.url("/dl")]).expect(23);
    assert!(run.stderr.contains("name.txt"), "{}", run.stderr);
    assert_eq!(
        fs::read(dir.path().join("name.txt")).unwrap(),
        b"precious\n"
    );
    assert_eq!(fs::read_dir(dir.path()).unwrap().count(), 1);
}

/// `-:` starts a group with options of its own: the first URL is a plain GET, the second
/// a POST with its header and data; neither group's options leak into the other.
#[test]
fn next_groups_take_their_own_options() {
    let server = Server::plain(|_, stream| reply(stream, &ok(b"ok\n")));
    let dir = tempfile::tempdir().unwrap();
    let url = server.url("/x");
    fetch_in(
        dir.path(),
        &[
            "-s", "-H", "X-One: 1", &url, "-:", "-H", "X-Two: 2", "-d", "data", &url,
        ],
    )
    .expect(0);
    let requests = server.requests();
    assert_eq!(requests.len(), 2);
    assert_eq!(requests[0].method, "GET");
    assert_eq!(requests[0].header("x-one"), Some("1"));
    assert_eq!(requests[0].header("x-two"), None);
    assert_eq!(requests[1].method, "POST");
    assert_eq!(requests[1].body, b"data");
    assert_eq!(requests[1].header("x-one"), None);
}

/// A `--next` with nothing after it is curl's usage error (2), after the URLs before it
/// were fetched, as curl fetches them.
#[test]
fn next_without_a_url_after_it_is_a_usage_error() {
    let server = Server::plain(|_, stream| reply(stream, &ok(b"ok\n")));
    let dir = tempfile::tempdir().unwrap();
    let run = fetch_in(dir.path(), &["-s", &server.url("/x"), "--next"]).expect(2);
    assert_eq!(run.out(), "ok\n");
    assert_eq!(server.requests().len(), 1);
}

/// `-N`: a body's first bytes (no newline in them) reach stdout while the rest is still
/// on its way; without it they wait in the buffer until the body ends.
#[test]
fn no_buffer_writes_each_piece_at_once() {
    let (go_on, wait) = mpsc::channel::<()>();
    let wait = Mutex::new(wait);
    let server = Server::plain(move |_, stream| {
        let _ = stream.write_all(b"HTTP/1.1 200 OK\r\nContent-Length: 8\r\n\r\nfirst");
        let _ = stream.flush();
        let _ = wait.lock().unwrap().recv_timeout(WAIT);
        reply(stream, b"end")
    });
    let dir = tempfile::tempdir().unwrap();
    let mut running = Running::start(dir.path(), &["-s", "-N", &server.url("/slow")]);
    let mut stdout = running.stdout.take().unwrap();
    let (got, first) = mpsc::channel();
    std::thread::spawn(move || {
        let mut piece = [0u8; 5];
        let _ = got.send(stdout.read_exact(&mut piece).map(|()| piece));
    });
    let piece = first
        .recv_timeout(WAIT)
        .expect("the first bytes reached stdout");
    assert_eq!(&piece.unwrap(), b"first");
    go_on.send(()).unwrap();
    running.finish().expect(0);
}

/// `--stderr FILE` puts the error line in FILE and nothing on stderr; `--stderr -` puts it
/// on stdout.
#[test]
fn stderr_goes_where_told() {
    let dir = tempfile::tempdir().unwrap();
    let url = format!("http://{}/", refusing());
    let run = fetch_in(dir.path(), &["--stderr", "err.txt", "-sS", &url]).expect(7);
    assert_eq!(run.stderr, "");
    let written = fs::read_to_string(dir.path().join("err.txt")).unwrap();
    assert!(written.starts_with("sockit: (7) "), "{written}");
    let run = fetch_in(dir.path(), &["--stderr", "-", "-sS", &url]).expect(7);
    assert_eq!(run.stderr, "");
    assert!(run.out().starts_with("sockit: (7) "), "{}", run.out());
}

/// `--xattr` gives the file `user.xdg.origin.url` (without the URL's credentials) and
/// `user.mime_type`, as curl names them.
#[test]
fn xattr_records_the_origin_and_type() {
    let server = Server::plain(|_, stream| {
        reply(
            stream,
            b"HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Length: 3\r\n\r\nhi\n",
        )
    });
    let dir = tempfile::tempdir().unwrap();
    let probe = dir.path().join("probe");
    fs::write(&probe, b"").unwrap();
    let set = rustix::fs::setxattr(&probe, "user.probe", b"1", rustix::fs::XattrFlags::empty());
    if set.is_err() {
        return skip("the temporary directory's file system takes no user.* extended attributes");
    }
    let url = server.url("/f.txt").replace("http://", "http://me:secret@");
    fetch_in(dir.path(), &["-s", "--xattr", "-o", "f.txt", &url]).expect(0);
    let read = |name: &str| {
        let mut value = vec![0u8; 256];
        let n = rustix::fs::getxattr(dir.path().join("f.txt"), name, &mut value).unwrap();
        String::from_utf8(value[..n].to_vec()).unwrap()
    };
    assert_eq!(read("user.xdg.origin.url"), server.url("/f.txt"));
    assert_eq!(read("user.mime_type"), "text/plain");
}

/// `-M` prints the manual, the same page as `sockit man`.
#[test]
fn manual_is_sockit_man() {
    let run = fetch_in(tempfile::tempdir().unwrap().path(), &["-M"]).expect(0);
    let man = sockit().arg("man").output().unwrap();
    assert!(man.status.success());
    assert_eq!(run.stdout, man.stdout);
}

/// Runs `sockit ARGS` on a pty (python3's pty module) with `COLUMNS=60`: what the terminal
/// showed, or None when python3 is missing (the test then says it skipped).
fn on_a_terminal(args: &[&str]) -> Option<Vec<u8>> {
    if !crate::support::require_tool("python3") {
        return None;
    }
    const SCRIPT: &str = "import os, pty, subprocess, sys
main, side = pty.openpty()
child = subprocess.Popen(sys.argv[2:], stdin=side, stdout=side, stderr=side)
os.close(side)
shown = b''
while True:
    try:
        data = os.read(main, 4096)
    except OSError:
        break
    if not data:
        break
    shown += data
child.wait()
open(sys.argv[1], 'wb').write(shown)
sys.exit(child.returncode)
";
    let dir = tempfile::tempdir().unwrap();
    let shown = dir.path().join("shown");
    let mut cmd = std::process::Command::new("python3");
    cmd.args(["-c", SCRIPT])
        .arg(&shown)
        .arg(env!("CARGO_BIN_EXE_sockit"))
        .args(args)
        .env("COLUMNS", "60")
        .current_dir(dir.path());
    let (status, stderr) =
        crate::support::ChildGuard::spawn(cmd).wait_within(Duration::from_secs(30));
    assert!(status.success(), "{status}: {stderr}");
    Some(fs::read(&shown).unwrap())
}

/// `-#` draws curl's bar on a terminal: at COLUMNS=60, 53 `#` and ` 100.0%` after a `\r`,
/// then the line break (the pty shows it as CRLF), as curl 7.88 draws it.
#[test]
fn progress_bar_draws_curls_hashes_on_a_terminal() {
    let server = Server::plain(|_, s| reply(s, &ok(&vec![b'x'; 100_000])));
    let url = server.url("/");
    let Some(shown) = on_a_terminal(&["fetch", "-#", "-o", "out", &url]) else {
        return;
    };
    let done = format!("\r{} 100.0%\r\n", "#".repeat(53));
    assert!(
        shown.ends_with(done.as_bytes()),
        "{:?}",
        String::from_utf8_lossy(&shown)
    );
    let Some(meter) = on_a_terminal(&["fetch", "-o", "out", &url]) else {
        return;
    };
    assert!(
        !meter.windows(3).any(|w| w == b"###"),
        "no hashes without -#"
    );
}
