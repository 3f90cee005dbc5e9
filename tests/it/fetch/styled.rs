//! `-i`'s heads on a terminal (`--styled-output`, curl's default): header names in bold and
//! a Location linked (OSC 8) to where it leads, byte for byte as curl 7.88 writes them, both
//! tools run on a pseudo terminal against the same server; and never styled where curl does
//! not style them (`--no-styled-output`, a pipe, a file, `-D`).

use crate::curl_diff::isolate;
use crate::support::fetch_run::fetch;
use crate::support::http_server::{reply, End, Server, Stream};
use crate::support::pty::{self, run_on_tty};
use crate::support::tinyproxy::TinyProxy;
use crate::support::{require, require_tool, sockit};
use std::collections::BTreeMap;
use std::path::Path;
use std::process::Command;

/// A head with a Location of every shape: absolute with its default port and a fragment,
/// relative with blanks before it, ftp, `javascript:` (never linked), protocol-relative, a
/// query alone, dot segments; an empty value; then a chunked body with a trailer, which
/// curl styles too.
const LOCATIONS: &[u8] = b"HTTP/1.1 200 OK\r\n\
    Location: http://127.0.0.1:80/x#frag\r\n\
    location:  /next?a=1\r\n\
    LOCATION: ftp://files.test/p\r\n\
    Location: javascript:alert(1)\r\n\
    Location: //other.test:81/p\r\n\
    Location: ?only=query\r\n\
    Location: b/../c\r\n\
    X-Empty:\r\n\
    Connection: close\r\n\
    Transfer-Encoding: chunked\r\n\r\n";

/// The chunked body after [`LOCATIONS`], and its trailer.
const BODY: &[u8] = b"3\r\nhi\n\r\n0\r\nX-Trailer: done\r\n\r\n";

/// A redirect whose status line has a colon (curl makes what comes before it bold).
const MOVED: &[u8] =
    b"HTTP/1.1 301 Moved: here\r\nLocation: a\r\nContent-Length: 0\r\nConnection: close\r\n\r\n";

/// The server: `/dir/moved` redirects to `/dir/a`, which answers [`LOCATIONS`].
fn server() -> Server {
    Server::plain(|req, s: &mut Stream| match req.target.as_str() {
        "/dir/moved" => reply(s, MOVED),
        _ if req.method == "HEAD" => reply(s, LOCATIONS),
        _ => reply(s, &[LOCATIONS, BODY].concat()),
    })
}

/// What one tool did on a terminal: its exit code, stdout, and the files it left.
#[derive(Debug, PartialEq, Eq)]
struct OnTty {
    code: i32,
    stdout: String,
    files: BTreeMap<String, String>,
}

/// Runs `cmd ARGS` on a terminal in a fresh directory, isolated as the curl table runs it.
fn on_tty(mut cmd: Command, args: &[String]) -> OnTty {
    let dir = tempfile::tempdir().unwrap();
    cmd.args(args);
    isolate(&mut cmd, dir.path());
    let run = run_on_tty(cmd);
    OnTty {
        code: run.code,
        stdout: run.stdout.escape_ascii().to_string(),
        files: files(dir.path()),
    }
}

/// The files in `dir`, each as escaped text.
fn files(dir: &Path) -> BTreeMap<String, String> {
    std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .map(|p| {
            let name = p.file_name().unwrap().to_string_lossy().into_owned();
            (name, std::fs::read(&p).unwrap().escape_ascii().to_string())
        })
        .collect()
}

/// Runs `args` (`{u}` standing for the server's base URL) with curl and with sockit, each
/// on a terminal; asserts they did the same, and returns what sockit did.
fn as_curl_on_tty(base: &str, args: &[&str]) -> OnTty {
    let args: Vec<String> = args.iter().map(|a| a.replace("{u}", base)).collect();
    let theirs = on_tty(Command::new("curl"), &args);
    let mut ours = sockit();
    ours.arg("fetch");
    let mine = on_tty(ours, &args);
    assert_eq!(
        mine, theirs,
        "sockit (left) and curl (right) on a terminal: {args:?}"
    );
    mine
}

/// The escapes styling writes, as they read once escaped.
const BOLD: &str = "\\x1b[1m";
const LINK: &str = "\\x1b]8;;";

/// On a terminal, `-i`'s and `-I`'s heads (a redirect's too, a trailer, and with
/// `--styled-output` after `--no-styled-output`) are bold and linked as curl's, byte for
/// byte.
#[test]
fn styled_heads_are_curls_byte_for_byte() {
    if !require_tool("curl") || !require(pty::available(), "a pseudo terminal") {
        return;
    }
    let server = server();
    let base = server.url("");
    for args in [
        &["-si", "{u}/dir/a"][..],
        &["-sI", "{u}/dir/a"],
        &["-siL", "{u}/dir/moved"],
        &["-si", "--no-styled-output", "--styled-output", "{u}/dir/a"],
    ] {
        let run = as_curl_on_tty(&base, args);
        assert!(run.stdout.contains(BOLD), "{args:?}: {}", run.stdout);
        assert!(run.stdout.contains(LINK), "{args:?}: {}", run.stdout);
    }
}

/// Where curl writes heads as received, so does sockit, terminal or not:
/// `--no-styled-output` (global: it holds across `-:`), `-D -`, and `-i` into a file; and a
/// pipe never gets an escape.
#[test]
fn heads_are_as_received_where_curl_does_not_style_them() {
    if !require_tool("curl") || !require(pty::available(), "a pseudo terminal") {
        return;
    }
    let server = server();
    let base = server.url("");
    for args in [
        &["-si", "--no-styled-output", "{u}/dir/a"][..],
        &["-s", "-D", "-", "-o", "body.txt", "{u}/dir/a"],
        &["-si", "-o", "out.txt", "{u}/dir/a"],
        &[
            "--no-styled-output",
            "-si",
            "{u}/dir/a",
            "-:",
            "-si",
            "{u}/dir/a",
        ],
    ] {
        let run = as_curl_on_tty(&base, args);
        let written: String = run.files.values().chain([&run.stdout]).cloned().collect();
        assert!(written.contains("X-Empty:"), "{args:?}: {written}");
        assert!(!written.contains("\\x1b"), "{args:?}: {written}");
    }
    let piped = fetch(&["-si", &server.url("/dir/a")]).expect(0);
    assert!(piped.out().starts_with("HTTP/1.1 200 OK\r\nLocation: http"));
    assert!(!piped.stdout.contains(&0x1b), "{}", piped.out());
}

/// A proxy's answer to CONNECT is styled as the origin's head is, as curl styles it.
#[test]
fn a_tunnels_connect_answer_is_styled_too() {
    if !require_tool("curl") || !require(pty::available(), "a pseudo terminal") {
        return;
    }
    let Some(proxy) = TinyProxy::start("") else {
        return;
    };
    let server = Server::plain(|_, s| {
        reply(s, b"HTTP/1.1 200 OK\r\nContent-Length: 3\r\n\r\nhi\n");
        End::Next
    });
    let run = as_curl_on_tty(
        &server.url(""),
        &["-si", "-p", "-x", &proxy.addr(), "{u}/t"],
    );
    assert!(
        run.stdout
            .contains("Connection established\\r\\n\\x1b[1mProxy-agent\\x1b[0m:"),
        "{}",
        run.stdout
    );
}
