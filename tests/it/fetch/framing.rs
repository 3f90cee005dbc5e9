//! Body framing and the everyday flags: what a download looks like when the server is fine.

use crate::support::fetch_run::{fetch, fetch_in};
use crate::support::http_server::{ok, pattern, reply, Server};

/// A Content-Length body goes to stdout unchanged, and the request is the tutorial's,
/// without `Connection: close` (curl sends none; the connection closes when the run ends).
#[test]
fn content_length_body_to_stdout() {
    let body = pattern(300_000);
    let sent = body.clone();
    let server = Server::plain(move |_, s| reply(s, &ok(&sent)));
    let run = fetch(&[&server.url("/a/b?q=1")]).expect(0);
    assert_eq!(run.stdout, body);
    let req = &server.requests()[0];
    assert_eq!(
        (req.method.as_str(), req.target.as_str()),
        ("GET", "/a/b?q=1")
    );
    assert_eq!(req.header("host"), Some(server.addr.to_string().as_str()));
    assert_eq!(req.header("connection"), None);
    assert_eq!(req.header("accept"), Some("*/*"));
    let ua = format!("sockit/{}", env!("CARGO_PKG_VERSION"));
    assert_eq!(req.header("user-agent"), Some(ua.as_str()));
}

/// Chunked bodies with extensions and trailers decode; bytes after the last chunk are ignored.
#[test]
fn chunked_with_extensions_and_trailers() {
    let server = Server::plain(|_, s| {
        reply(
            s,
            b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n\
              5;a=b\r\nhello\r\n1;x\r\n \r\nA\r\n0123456789\r\n0\r\nX-Trailer: yes\r\n\r\nGARBAGE",
        )
    });
    let run = fetch(&[&server.url("/")]).expect(0);
    assert_eq!(run.out(), "hello 0123456789");
    let dir = tempfile::tempdir().unwrap();
    fetch_in(dir.path(), &["-D", "head", &server.url("/")]).expect(0);
    let dumped = std::fs::read_to_string(dir.path().join("head")).unwrap();
    assert!(
        dumped.ends_with("chunked\r\n\r\nX-Trailer: yes\r\n"),
        "{dumped}"
    );
}

/// An HTTP/1.0 response without a length runs until the server closes.
#[test]
fn close_delimited_body() {
    let body = pattern(100_000);
    let sent = body.clone();
    let server = Server::plain(move |_, s| {
        let mut r = b"HTTP/1.0 200 OK\r\n\r\n".to_vec();
        r.extend_from_slice(&sent);
        reply(s, &r)
    });
    assert_eq!(fetch(&[&server.url("/")]).expect(0).stdout, body);
}

/// A Transfer-Encoding that does not end in chunked is read until close (RFC 9112 6.3).
#[test]
fn transfer_encoding_not_chunked_reads_until_close() {
    let server = Server::plain(|_, s| {
        reply(
            s,
            b"HTTP/1.1 200 OK\r\nTransfer-Encoding: identity\r\n\r\nuntil close",
        )
    });
    assert_eq!(fetch(&[&server.url("/")]).expect(0).out(), "until close");
}

/// 1xx interim responses, and blank lines after them, are skipped; -i shows every head.
#[test]
fn interim_responses_are_skipped() {
    let server = Server::plain(|_, s| {
        reply(
            s,
            b"HTTP/1.1 100 Continue\r\n\r\n\r\nHTTP/1.1 103 Early Hints\r\nLink: </x>\r\n\r\n\
              HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok",
        )
    });
    assert_eq!(fetch(&[&server.url("/")]).expect(0).out(), "ok");
    let run = fetch(&["-i", &server.url("/")]).expect(0);
    let out = run.out();
    assert!(
        out.starts_with("HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 103"),
        "{out}"
    );
    assert!(out.ends_with("Content-Length: 2\r\n\r\nok"), "{out}");
}

/// HEAD (-I) prints only the head even when it announces a length; 204 and 304 have no body.
#[test]
fn head_204_and_304_have_no_body() {
    let server = Server::plain(|req, s| match req.target.as_str() {
        "/204" => reply(s, b"HTTP/1.1 204 No Content\r\nContent-Length: 10\r\n\r\n"),
        "/304" => reply(s, b"HTTP/1.1 304 Not Modified\r\n\r\n"),
        _ => reply(s, b"HTTP/1.1 200 OK\r\nContent-Length: 1000\r\n\r\n"),
    });
    let run = fetch(&["-I", "-s", &server.url("/")]).expect(0);
    assert_eq!(run.out(), "HTTP/1.1 200 OK\r\nContent-Length: 1000\r\n\r\n");
    assert_eq!(server.requests()[0].method, "HEAD");
    assert_eq!(fetch(&[&server.url("/204")]).expect(0).out(), "");
    assert_eq!(fetch(&[&server.url("/304")]).expect(0).out(), "");
}

/// -o writes the file and prints nothing on stdout, as curl; `-D - -o FILE` is the
/// tutorial's "print the head, save the body"; -O names the file after the URL; -D dumps
/// the head.
#[test]
fn output_flags() {
    let server = Server::plain(|_, s| reply(s, &ok(b"file body")));
    let dir = tempfile::tempdir().unwrap();
    let run = fetch_in(dir.path(), &["-o", "out.txt", &server.url("/x")]).expect(0);
    assert_eq!(run.out(), "");
    let run = fetch_in(dir.path(), &["-D", "-", "-o", "out.txt", &server.url("/x")]).expect(0);
    assert_eq!(run.out(), "HTTP/1.1 200 OK\r\nContent-Length: 9\r\n\r\n");
    assert_eq!(
        run.stderr, "",
        "no progress bar when stderr is not a terminal"
    );
    assert_eq!(
        std::fs::read(dir.path().join("out.txt")).unwrap(),
        b"file body"
    );
    let run = fetch_in(dir.path(), &["-s", "-O", &server.url("/dir/name.bin")]).expect(0);
    assert_eq!(run.out(), "");
    assert_eq!(
        std::fs::read(dir.path().join("name.bin")).unwrap(),
        b"file body"
    );
    fetch_in(dir.path(), &["-s", "-O", &server.url("/dir/")]).expect(0);
    assert!(dir.path().join("index.html").exists());
    let run = fetch_in(dir.path(), &["-D", "head.txt", &server.url("/")]).expect(0);
    assert_eq!(run.out(), "file body");
    let dumped = std::fs::read_to_string(dir.path().join("head.txt")).unwrap();
    assert_eq!(dumped, "HTTP/1.1 200 OK\r\nContent-Length: 9\r\n\r\n");
    let run = fetch_in(dir.path(), &["-i", &server.url("/")]).expect(0);
    assert_eq!(
        run.out(),
        "HTTP/1.1 200 OK\r\nContent-Length: 9\r\n\r\nfile body"
    );
}

/// -H adds and replaces headers, -A sets User-Agent, -X the method, -d sends a POST body.
#[test]
fn request_flags() {
    let server = Server::plain(|_, s| reply(s, &ok(b"")));
    fetch(&[
        "-H",
        "X-One: 1",
        "-H",
        "Accept: text/plain",
        "-A",
        "agent/9",
        "-d",
        "a=1&b=2",
        &server.url("/form"),
    ])
    .expect(0);
    fetch(&["-X", "DELETE", "-H", "User-Agent:", &server.url("/thing")]).expect(0);
    let reqs = server.requests();
    assert_eq!(reqs[0].method, "POST");
    assert_eq!(reqs[0].body, b"a=1&b=2");
    assert_eq!(
        reqs[0].header("content-type"),
        Some("application/x-www-form-urlencoded")
    );
    assert_eq!(reqs[0].header("x-one"), Some("1"));
    assert_eq!(reqs[0].header("accept"), Some("text/plain"));
    assert_eq!(reqs[0].header("user-agent"), Some("agent/9"));
    assert_eq!(reqs[1].method, "DELETE");
    assert_eq!(reqs[1].header("user-agent"), None);
}

/// A URL without a scheme is http://, as curl assumes.
#[test]
fn scheme_defaults_to_http() {
    let server = Server::plain(|_, s| reply(s, &ok(b"plain")));
    let url = format!("{}/", server.addr);
    assert_eq!(fetch(&[&url]).expect(0).out(), "plain");
}

/// A reader that closes stdout early (`sockit fetch URL | head -c 10`) is not an error.
#[test]
fn closed_stdout_is_success() {
    use std::io::Read;
    use std::process::{Command, Stdio};
    let server = Server::plain(|_, s| reply(s, &ok(&pattern(20 << 20))));
    let mut child = Command::new(env!("CARGO_BIN_EXE_sockit"))
        .args(["fetch", &server.url("/")])
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut first = [0u8; 10];
    child.stdout.take().unwrap().read_exact(&mut first).unwrap();
    // stderr closes when sockit ends: its reader says when, within a deadline.
    let mut err = child.stderr.take().unwrap();
    let (done, ended) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        let mut stderr = String::new();
        let _ = err.read_to_string(&mut stderr);
        let _ = done.send(stderr);
    });
    let Ok(stderr) = ended.recv_timeout(std::time::Duration::from_secs(30)) else {
        let _ = child.kill();
        let _ = child.wait();
        panic!("sockit kept running after stdout closed");
    };
    let status = child.wait().unwrap();
    assert_eq!((status.code(), stderr.as_str()), (Some(0), ""));
}

/// -D - dumps the head to stdout, before the body.
#[test]
fn dump_header_to_stdout() {
    let server = Server::plain(|_, s| reply(s, &ok(b"body")));
    let run = fetch(&["-D", "-", &server.url("/")]).expect(0);
    assert_eq!(
        run.out(),
        "HTTP/1.1 200 OK\r\nContent-Length: 4\r\n\r\nbody"
    );
}

/// Credentials in the URL are sent as Basic authorization, not in the request line.
#[test]
fn url_credentials_are_basic_auth() {
    let server = Server::plain(|_, s| reply(s, &ok(b"")));
    let url = server.url("/private").replace("://", "://user:pa%3Ass@");
    fetch(&[&url]).expect(0);
    let req = &server.requests()[0];
    assert_eq!(req.header("authorization"), Some("Basic dXNlcjpwYTpzcw=="));
    assert_eq!(req.target, "/private");
}

/// On a terminal the progress bar appears on stderr; -s hides it. Runs under `script(1)` for
/// a pseudo-terminal, and is skipped when `script` is missing or has no pty to give.
#[test]
fn progress_bar_only_on_a_terminal() {
    use std::process::Command;
    let works = Command::new("script")
        .args(["-qec", "true", "/dev/null"])
        .output()
        .is_ok_and(|o| o.status.success());
    if !crate::support::require(works, "script(1) with a pseudo-terminal") {
        return;
    }
    let server = Server::plain(|_, s| {
        use std::io::Write;
        let _ = s.write_all(b"HTTP/1.1 200 OK\r\nContent-Length: 400000\r\n\r\n");
        for _ in 0..8 {
            let _ = s.write_all(&[b'x'; 50_000]);
            let _ = s.flush();
            std::thread::sleep(std::time::Duration::from_millis(60));
        }
        crate::support::http_server::End::Close
    });
    let dir = tempfile::tempdir().unwrap();
    let bin = env!("CARGO_BIN_EXE_sockit");
    let on_terminal = |flags: &str| {
        let cmd = format!("{bin} fetch {flags} -o out {}", server.url("/"));
        let out = Command::new("script")
            .args(["-qec", &cmd, "/dev/null"])
            .current_dir(dir.path())
            .env("TERM", "xterm")
            .output()
            .unwrap();
        assert!(out.status.success(), "{cmd}");
        String::from_utf8_lossy(&out.stdout).into_owned()
    };
    assert!(
        on_terminal("").contains("ETA"),
        "no progress bar on a terminal"
    );
    assert!(
        !on_terminal("-s").contains("ETA"),
        "a progress bar despite -s"
    );
}
