//! netrc credentials (issue 19): `-n`, `--netrc-optional` and `--netrc-file`, through the real
//! binary against a server that records the `Authorization` it is sent, with the real curl
//! sending the same command line as the oracle, except where curl 7.88 would send one login's
//! password with another login.

use crate::support::fetch_run::fetch_in;
use crate::support::http_server::{ok, reply, Server};
use crate::support::require_tool;
use std::path::Path;
use std::process::{Command, Stdio};

/// The file every case reads: one entry for 127.0.0.1, none for localhost.
const NETRC: &str = "# a comment\nmachine 127.0.0.1\n  login nu\n  password \"n p\"\n";

/// A server that answers 200 to everything, or a redirect to `/moved` on `to` for `/go`.
fn recorder(to: Option<String>) -> Server {
    Server::plain(move |req, s| match (&to, req.target.as_str()) {
        (Some(to), "/go") => reply(
            s,
            format!("HTTP/1.1 302 Found\r\nLocation: {to}\r\nContent-Length: 0\r\n\r\n").as_bytes(),
        ),
        _ => reply(s, &ok(b"ok")),
    })
}

/// The `Authorization` of each request the server saw, in order.
fn authorizations(server: &Server) -> Vec<Option<String>> {
    server
        .requests()
        .iter()
        .map(|r| r.header("authorization").map(str::to_owned))
        .collect()
}

/// `Basic` credentials for `pair`, as the server should see them.
fn basic(pair: &str) -> Option<String> {
    // Standard base64, written out here so the test does not share the code it checks.
    const ALPHABET: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let mut out = String::from("Basic ");
    for chunk in pair.as_bytes().chunks(3) {
        let n = chunk.iter().fold(0u32, |n, b| n << 8 | u32::from(*b)) << (8 * (3 - chunk.len()));
        for i in 0..4 {
            if i <= chunk.len() {
                out.push(ALPHABET[(n >> (18 - 6 * i) & 63) as usize] as char);
            } else {
                out.push('=');
            }
        }
    }
    Some(out)
}

fn curl_in(dir: &Path, args: &[&str]) -> i32 {
    Command::new("curl")
        .args(["-q", "-s", "-o", "/dev/null"])
        .args(args)
        .current_dir(dir)
        .stdin(Stdio::null())
        .status()
        .expect("curl runs")
        .code()
        .unwrap_or(-1)
}

/// Each command line sends the same credentials from sockit as from curl: the file's for its
/// host, the URL's when `--netrc-optional` and the URL has some, `-u` over the file, none
/// for a host the file does not name or when the file is missing.
#[test]
fn netrc_credentials_as_curl_sends_them() {
    if !require_tool("curl") {
        return;
    }
    let server = recorder(None);
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("netrc"), NETRC).unwrap();
    let port = server
        .url("/")
        .split(':')
        .nth(2)
        .unwrap()
        .trim_end_matches('/')
        .to_owned();
    let at =
        |userinfo: &str, host: &str, path: &str| format!("http://{userinfo}{host}:{port}{path}");
    let cases: Vec<(Vec<String>, Option<String>)> = vec![
        (
            vec![
                "--netrc-file".into(),
                "netrc".into(),
                at("", "127.0.0.1", "/a"),
            ],
            basic("nu:n p"),
        ),
        (
            vec![
                "--netrc-file".into(),
                "netrc".into(),
                "--netrc-optional".into(),
                at("uu:up@", "127.0.0.1", "/b"),
            ],
            basic("uu:up"),
        ),
        (
            vec![
                "--netrc-file".into(),
                "netrc".into(),
                "-u".into(),
                "xu:xp".into(),
                at("", "127.0.0.1", "/c"),
            ],
            basic("xu:xp"),
        ),
        (
            vec![
                "--netrc-file".into(),
                "missing".into(),
                at("", "127.0.0.1", "/d"),
            ],
            None,
        ),
        (
            vec![
                "--netrc-file".into(),
                "netrc".into(),
                at("nu@", "127.0.0.1", "/e"),
            ],
            basic("nu:n p"),
        ),
        (
            vec![
                "--netrc-file".into(),
                "netrc".into(),
                at("", "localhost", "/f"),
            ],
            None,
        ),
        (vec![at("", "127.0.0.1", "/g")], None),
    ];
    for (args, expected) in &cases {
        let args: Vec<&str> = args.iter().map(String::as_str).collect();
        assert_eq!(curl_in(dir.path(), &args), 0, "curl {args:?}");
        fetch_in(dir.path(), &[&["-q", "-s"][..], &args].concat()).expect(0);
        let seen = authorizations(&server);
        let (by_curl, by_sockit) = (&seen[seen.len() - 2], &seen[seen.len() - 1]);
        assert_eq!(by_sockit, by_curl, "{args:?}");
        assert_eq!(by_sockit, expected, "{args:?}");
    }
}

/// Several URLs on one command line each get their own host's login from the file, in
/// either order, as curl sends them: a login found for one URL never goes to the next.
#[test]
fn each_url_gets_its_own_hosts_login() {
    if !require_tool("curl") {
        return;
    }
    let server = recorder(None);
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("netrc"), NETRC).unwrap();
    let (listed, unlisted) = (server.url("/listed"), server.url_localhost("/unlisted"));
    for urls in [[&listed, &unlisted], [&unlisted, &listed]] {
        let args = ["--netrc-file", "netrc", urls[0], "-o", "/dev/null", urls[1]];
        assert_eq!(curl_in(dir.path(), &args), 0, "curl {args:?}");
        fetch_in(dir.path(), &[&["-q", "-s"][..], &args].concat()).expect(0);
        let seen = authorizations(&server);
        let (by_curl, by_sockit) = seen[seen.len() - 4..].split_at(2);
        assert_eq!(by_sockit, by_curl, "{args:?}");
        let login = |url: &String| (url == &listed).then(|| basic("nu:n p")).flatten();
        assert_eq!(by_sockit, [login(urls[0]), login(urls[1])], "{args:?}");
    }
}

/// Where the URL names a login the file has no password for, curl 7.88 sends the file's
/// other login's password with it; sockit sends the URL's own password instead (a
/// difference on purpose: a password goes only with the login it was written for).
#[test]
fn a_password_goes_only_with_its_own_login() {
    let server = recorder(None);
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("netrc"), NETRC).unwrap();
    let url = server.url("/x").replace("http://", "http://uu:up@");
    fetch_in(dir.path(), &["-q", "-s", "--netrc-file", "netrc", &url]).expect(0);
    let url = server.url("/y").replace("http://", "http://other@");
    fetch_in(dir.path(), &["-q", "-s", "--netrc-file", "netrc", &url]).expect(0);
    assert_eq!(authorizations(&server), [basic("uu:up"), basic("other:")]);
}

/// `-n` reads `$HOME/.netrc`; credentials from it are not sent to another host after a
/// redirect (the other host has no entry, so curl sends none there either).
#[test]
fn home_netrc_and_redirects() {
    let target = recorder(None);
    let moved = target.url_localhost("/moved");
    let server = recorder(Some(moved));
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join(".netrc"), NETRC).unwrap();
    let home = dir.path().to_str().unwrap();
    let run = crate::support::fetch_run::Running::start_with_env(
        dir.path(),
        &["-q", "-s", "-n", "-L", &server.url("/go")],
        &[("HOME", home)],
    )
    .finish()
    .expect(0);
    assert_eq!(run.stdout, b"ok");
    assert_eq!(authorizations(&server), [basic("nu:n p")]);
    assert_eq!(authorizations(&target), [None]);
}

/// A file that cannot be parsed is curl's read error (26), naming the file.
#[test]
fn a_broken_netrc_is_a_read_error() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("netrc"),
        "machine 127.0.0.1 password \"open\n",
    )
    .unwrap();
    let run = fetch_in(
        dir.path(),
        &["-q", "--netrc-file", "netrc", "http://127.0.0.1:1/"],
    )
    .expect(26);
    assert!(run.stderr.contains("netrc"), "{}", run.stderr);
}
