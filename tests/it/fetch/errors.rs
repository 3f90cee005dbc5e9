//! Every curl exit code sockit fetch promises, each from a server (or a command line) that
//! provokes it, with its one-line message.

use crate::support::fetch_run::{fetch, fetch_in, Running};
use crate::support::http_server::{reply, End, Server};
use std::io::{Read, Write};
use std::net::TcpListener;

/// Serves `bytes` as the whole reply.
fn replying(bytes: impl Into<Vec<u8>>) -> Server {
    let bytes = bytes.into();
    Server::plain(move |_, s| reply(s, &bytes))
}

/// A missing URL or an unknown flag is a usage error (2).
#[test]
fn usage_is_2() {
    fetch(&[]).expect(2);
    fetch(&["--no-such-flag", "http://127.0.0.1/"]).expect(2);
    fetch(&["-H", "no colon here", "http://127.0.0.1:9/"]).expect(2);
    fetch(&["-X", "GET /x HTTP/1.1\r\n", "http://127.0.0.1:9/"]).expect(2);
}

/// A URL that does not parse is 3; a scheme other than http(s) is curl's 1.
#[test]
fn malformed_url_is_3() {
    let run = fetch(&["http://exa mple.com/"]).expect(3);
    assert!(
        run.stderr.starts_with("sockit: (3) malformed URL"),
        "{}",
        run.stderr
    );
    fetch(&["http://[::1/"]).expect(3);
    fetch(&["http://"]).expect(3);
    fetch(&["ftp://127.0.0.1/"]).expect(1);
}

/// No address of the requested family is a resolve failure (6), without leaving loopback.
#[test]
fn no_address_is_6() {
    let run = fetch(&["-6", "http://127.0.0.1:9/"]).expect(6);
    assert!(run.stderr.contains("no IPv6 address"), "{}", run.stderr);
    fetch(&["-4", "http://[::1]:9/"]).expect(6);
}

/// A refused connection is 7, with curl's wording.
#[test]
fn refused_is_7() {
    let port = {
        let l = TcpListener::bind("127.0.0.1:0").unwrap();
        l.local_addr().unwrap().port()
    };
    let run = fetch(&[&format!("http://127.0.0.1:{port}/")]).expect(7);
    assert_eq!(
        run.stderr.trim(),
        format!("sockit: (7) cannot connect to 127.0.0.1 port {port}: connection refused")
    );
}

/// Malformed heads and smuggling-prone framing are "weird server reply" (8): a bare CR
/// too, also among LF-only line endings (which are fine alone, as in curl).
#[test]
fn weird_replies_are_8() {
    for bad in [
        &b"HTTP/1.1 200 OK\r\nX: a\rb\r\nContent-Length: 0\r\n\r\n"[..],
        b"HTTP/1.1 200 OK\nX: a\rb\nContent-Length: 0\n\n",
        b"HTTP/1.1 200 OK\nTransfer-Encoding: chunked\n\n3\rabc\n0\n\n",
        b"HTTP/1.1 101 Switching Protocols\r\nUpgrade: x\r\n\r\n",
        b"HTTP/1.1 200 OK\r\nContent-Length: 3\r\nContent-Length: 4\r\n\r\nabcd",
        b"HTTP/1.1 200 OK\r\nContent-Length: 3\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabc\r\n0\r\n\r\n",
        b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n3 \r\nabc\r\n0\r\n\r\n",
        b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n3 ext\r\nabc\r\n0\r\n\r\n",
        b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n",
    ] {
        let server = replying(bad);
        let run = fetch(&[&server.url("/")]);
        assert_eq!(run.code, 8, "{:?}: {}", String::from_utf8_lossy(bad), run.stderr);
        assert!(run.stderr.starts_with("sockit: (8) weird server reply"), "{}", run.stderr);
        assert_eq!(run.stderr.lines().count(), 1);
    }
}

/// A status line curl 7.88 refuses is its exit 1, in its words: no number, or a number of
/// four digits or below 100 (read off curl against the same replies).
#[test]
fn status_lines_curl_refuses_are_1() {
    for (bad, words) in [
        (
            &b"HTTP/1.1 abc OK\r\n\r\n"[..],
            "Unsupported HTTP version in response",
        ),
        // No status line at all: curl's HTTP/0.9, refused without --http0.9.
        (b"garbage\r\n\r\n", "Received HTTP/0.9 when not allowed"),
        (
            b"HTTP/1.1 2001 Odd\r\n\r\n",
            "Unsupported response code in HTTP response",
        ),
        (
            b"HTTP/1.1 099 Low\r\nContent-Length: 0\r\n\r\n",
            "Unsupported response code in HTTP response",
        ),
    ] {
        let server = replying(bad);
        let run = fetch(&[&server.url("/")]);
        assert_eq!(
            run.code,
            1,
            "{:?}: {}",
            String::from_utf8_lossy(bad),
            run.stderr
        );
        assert_eq!(run.stderr.trim(), format!("sockit: (1) {words}"));
    }
}

/// Issue 11: a chunk size followed by `;` and no extension name (`a;`) is refused (8), as
/// llhttp refuses it, and no `-o` file appears.
#[test]
fn chunk_extension_without_name_is_8() {
    let server = replying(
        &b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\na;\r\n0123456789\r\n0\r\n\r\n"[..],
    );
    let dir = tempfile::tempdir().unwrap();
    let run = fetch_in(dir.path(), &["-o", "out", &server.url("/")]).expect(8);
    assert_eq!(
        run.stderr.trim(),
        "sockit: (8) weird server reply: chunk extension without a name"
    );
    assert!(!dir.path().join("out").exists());
}

/// A head that never ends, or has more than 100 fields, is refused (8) without waiting for
/// the server to stop.
#[test]
fn endless_head_is_8() {
    let server = Server::plain(|_, s| {
        let _ = s.write_all(b"HTTP/1.1 200 OK\r\n");
        for _ in 0..1_000_000 {
            if s.write_all(b"X-Endless: aaaaaaaaaaaaaaaa\r\n").is_err() {
                break;
            }
        }
        End::Close
    });
    let run = fetch(&[&server.url("/")]).expect(8);
    assert!(
        run.stderr.contains("larger than 65536 bytes"),
        "{}",
        run.stderr
    );
    let many = format!("HTTP/1.1 200 OK\r\n{}\r\n", "X: y\r\n".repeat(101));
    let run = fetch(&[&replying(many).url("/")]).expect(8);
    assert!(
        run.stderr.contains("more than 100 header fields"),
        "{}",
        run.stderr
    );
}

/// A body shorter than its Content-Length, or cut inside a chunk, is a partial file (18).
#[test]
fn truncated_bodies_are_18() {
    let run = fetch(&[&replying(b"HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\nabc").url("/")])
        .expect(18);
    assert!(
        run.stderr.contains("7 bytes of the body missing"),
        "{}",
        run.stderr
    );
    assert_eq!(run.stdout, b"abc");
    let chunk = replying(b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nab");
    fetch(&[&chunk.url("/")]).expect(18);
    let no_last = replying(b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n2\r\nab\r\n");
    fetch(&[&no_last.url("/")]).expect(18);
}

/// --fail turns a status of 400 or more into 22 and writes no body.
#[test]
fn fail_is_22() {
    let server = replying(b"HTTP/1.1 404 Not Found\r\nContent-Length: 4\r\n\r\nnope");
    let run = fetch(&["-f", &server.url("/")]).expect(22);
    assert_eq!(run.stdout, b"");
    assert_eq!(
        run.stderr.trim(),
        "sockit: (22) the requested URL returned error: 404 Not Found"
    );
    assert_eq!(fetch(&[&server.url("/")]).expect(0).out(), "nope");
    fetch(&["-s", "-f", &server.url("/")]).expect(22);
    let run = fetch(&["-s", "-f", &server.url("/")]);
    assert_eq!(run.stderr, "", "-s hides the error");
    let run = fetch(&["-sS", "-f", &server.url("/")]);
    assert!(run.stderr.contains("(22)"), "-S shows it again");
}

/// An output file that cannot be created is a write error (23) naming the path.
#[test]
fn unwritable_output_is_23() {
    let server = replying(b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok");
    let run = fetch(&["-s", "-S", "-o", "/nonexistent-dir/out", &server.url("/")]).expect(23);
    assert!(
        run.stderr.contains("/nonexistent-dir/out.part"),
        "{}",
        run.stderr
    );
}

/// A silent server and --max-time give 28 promptly.
#[test]
fn silent_server_times_out_28() {
    let server = Server::plain(|_, _| End::Hold);
    let run = fetch(&["-m", "0.5", &server.url("/")]).expect(28);
    assert!(
        run.stderr.contains("timed out after 500 ms"),
        "{}",
        run.stderr
    );
    let slow = Server::plain(|_, s| {
        let _ = s.write_all(b"HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\nsome");
        End::Hold
    });
    fetch(&["--max-time", "300ms", &slow.url("/")]).expect(28);
}

/// A connection closed before any byte of a reply is curl's "empty reply" (52).
#[test]
fn empty_reply_is_52() {
    let server = replying(b"");
    fetch(&[&server.url("/")]).expect(52);
}

/// A connection reset in the middle of a body is a receive failure (56): the server resets
/// only once the client has passed the first body bytes on to stdout.
#[test]
fn reset_is_56() {
    let (go, wait) = std::sync::mpsc::channel::<()>();
    let wait = std::sync::Mutex::new(wait);
    let server = Server::plain(move |_, s| {
        // The newline makes the client's line-buffered stdout pass the bytes on at once.
        let _ = s.write_all(b"HTTP/1.1 200 OK\r\nContent-Length: 100000\r\n\r\npartial\n");
        let _ = s.flush();
        let _ = wait.lock().unwrap().recv_timeout(crate::support::WAIT);
        End::Reset
    });
    let dir = tempfile::tempdir().unwrap();
    let mut running = Running::start(dir.path(), &[&server.url("/")]);
    let mut first = [0u8; 8];
    running
        .stdout
        .as_mut()
        .unwrap()
        .read_exact(&mut first)
        .unwrap();
    assert_eq!(&first, b"partial\n");
    go.send(()).unwrap();
    let run = running.finish().expect(56);
    assert!(run.stderr.contains("connection reset"), "{}", run.stderr);
}

/// A body that decodes to nonsense with --compressed is bad content encoding (61).
#[test]
fn corrupt_encoding_is_61() {
    let server = replying(
        b"HTTP/1.1 200 OK\r\nContent-Encoding: gzip\r\nContent-Length: 9\r\n\r\nnot gzip!",
    );
    fetch(&["--compressed", &server.url("/")]).expect(61);
    assert_eq!(fetch(&[&server.url("/")]).expect(0).out(), "not gzip!");
}

/// `-d @FILE` with a missing file is curl's read error (26), before any connection.
#[test]
fn missing_data_file_is_26() {
    let run = fetch(&["-d", "@/nonexistent/data", "http://127.0.0.1:9/"]).expect(26);
    assert!(run.stderr.contains("/nonexistent/data"), "{}", run.stderr);
}

/// A server that sends 1xx responses forever is refused (8) instead of growing memory.
#[test]
fn endless_interim_responses_are_8() {
    let server = Server::plain(|_, s| {
        for _ in 0..1000 {
            if s.write_all(b"HTTP/1.1 102 Processing\r\n\r\n").is_err() {
                break;
            }
        }
        End::Close
    });
    let run = fetch(&[&server.url("/")]).expect(8);
    assert!(run.stderr.contains("interim"), "{}", run.stderr);
}

/// A server that resets the connection while the request body is still being sent is a
/// send failure (55).
#[test]
fn reset_while_sending_is_55() {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = listener.local_addr().unwrap();
    let resetter = std::thread::spawn(move || {
        let (mut tcp, _) = listener.accept().unwrap();
        // Read the start of the request first, so the client is surely sending by now.
        tcp.set_read_timeout(Some(std::time::Duration::from_secs(10)))
            .unwrap();
        let mut start = [0u8; 1024];
        std::io::Read::read_exact(&mut tcp, &mut start).unwrap();
        socket2::SockRef::from(&tcp)
            .set_linger(Some(std::time::Duration::ZERO))
            .unwrap();
    });
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    std::fs::write(&data, vec![b'x'; 64 << 20]).unwrap();
    let body = format!("@{}", data.display());
    let run = fetch(&["-d", &body, &format!("http://{addr}/")]).expect(55);
    assert!(
        run.stderr.starts_with("sockit: (55) failure sending"),
        "{}",
        run.stderr
    );
    resetter.join().unwrap();
}

/// Issue 10: -A with CR or LF is refused (2) like -H and -X, before any connection.
#[test]
fn user_agent_with_line_break_is_2() {
    let run = fetch(&["-A", "x\r\nEvil: 1", "http://127.0.0.1:9/"]).expect(2);
    assert!(run.stderr.contains("line break"), "{}", run.stderr);
    fetch(&["-A", "x\nEvil: 1", "http://127.0.0.1:9/"]).expect(2);
}

/// Issue 10: -m 0 and --connect-timeout 0 mean no limit, as in curl (not "time out at once").
#[test]
fn zero_timeouts_mean_no_limit() {
    let server = replying(b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok");
    let run = fetch(&["-m", "0", "--connect-timeout", "0", &server.url("/")]).expect(0);
    assert_eq!(run.out(), "ok");
}
