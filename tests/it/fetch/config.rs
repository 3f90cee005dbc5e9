//! curl's config files (issue 19): `-K FILE`, `-K -`, `.curlrc` and `-q`, run through the real
//! binary, with the real curl given the same file as the oracle for what reaches the server.

use crate::support::fetch_run::{fetch_in, Running};
use crate::support::http_server::{ok, reply, Req, Server};
use crate::support::require_tool;
use std::path::Path;
use std::process::{Command, Stdio};

/// A server that answers every request with a short body and keeps what it saw.
fn recorder() -> Server {
    Server::plain(|_, s| reply(s, &ok(b"body\n")))
}

/// What of a request the config file decides: method, target and the headers it names.
fn shape(req: &Req) -> String {
    format!(
        "{} {} ua={} x-a={} referer={}",
        req.method,
        req.target,
        req.header("user-agent").unwrap_or("-"),
        req.header("x-a").unwrap_or("-"),
        req.header("referer").unwrap_or("-"),
    )
}

/// Runs curl with `args` in `dir`, HOME pointed at `dir`; its exit code.
fn curl_in(dir: &Path, args: &[&str]) -> i32 {
    let out = Command::new("curl")
        .args(args)
        .current_dir(dir)
        .env("HOME", dir)
        .env_remove("CURL_HOME")
        .env_remove("XDG_CONFIG_HOME")
        .stdin(Stdio::null())
        .output()
        .expect("curl runs");
    out.status.code().unwrap_or(-1)
}

/// Every form of curl's config syntax (no dashes with `=`, `:` or a space, dashes, short
/// flags, quoted values with escapes, comments) gives the server the same request from
/// sockit as from curl, and the same file.
#[test]
fn a_config_file_sends_what_curl_sends() {
    if !require_tool("curl") {
        return;
    }
    let server = recorder();
    let dir = tempfile::tempdir().unwrap();
    let config = format!(
        "# written by hand\n\
         url = \"{}\"\n\
         user-agent: \"agent with spaces\"\n\
         --header \"X-A: tab\\there\"\n\
         -e http://referer.example/\n\
         silent\n\
         output = out.bin\n",
        server.url("/from-config?q=1")
    );
    std::fs::write(dir.path().join("cfg"), config).unwrap();
    assert_eq!(curl_in(dir.path(), &["-K", "cfg"]), 0);
    let by_curl = std::fs::read(dir.path().join("out.bin")).unwrap();
    std::fs::remove_file(dir.path().join("out.bin")).unwrap();
    let run = Running::start_with_env(dir.path(), &["-K", "cfg"], &home(dir.path())).finish();
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert_eq!(std::fs::read(dir.path().join("out.bin")).unwrap(), by_curl);
    let requests = server.requests();
    assert_eq!(requests.len(), 2);
    assert_eq!(shape(&requests[1]), shape(&requests[0]));
    assert_eq!(
        shape(&requests[1]),
        "GET /from-config?q=1 ua=agent with spaces x-a=tab\there referer=http://referer.example/"
    );
}

/// `-K` stands where it is written: a flag after it overrides the file's, one before it is
/// overridden, as in curl.
#[test]
fn config_options_take_their_place_on_the_command_line() {
    let server = recorder();
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("cfg"), "user-agent = from-file\n").unwrap();
    let url = server.url("/");
    let env = home(dir.path());
    let before = ["-A", "typed", "-K", "cfg", "-s", &url];
    Running::start_with_env(dir.path(), &before, &env)
        .finish()
        .expect(0);
    let after = ["-K", "cfg", "-A", "typed", "-s", &url];
    Running::start_with_env(dir.path(), &after, &env)
        .finish()
        .expect(0);
    let agents: Vec<_> = server
        .requests()
        .iter()
        .map(|r| r.header("user-agent").unwrap().to_owned())
        .collect();
    assert_eq!(agents, ["from-file", "typed"]);
}

/// `~/.curlrc` is read before the command line; `-q` as the first option skips it.
#[test]
fn curlrc_is_read_unless_disabled() {
    let server = recorder();
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join(".curlrc"),
        "header = \"X-A: from-curlrc\"\n",
    )
    .unwrap();
    let url = server.url("/");
    let env = home(dir.path());
    Running::start_with_env(dir.path(), &["-s", &url], &env)
        .finish()
        .expect(0);
    Running::start_with_env(dir.path(), &["-q", "-s", &url], &env)
        .finish()
        .expect(0);
    let seen: Vec<_> = server
        .requests()
        .iter()
        .map(|r| r.header("x-a").map(str::to_owned))
        .collect();
    assert_eq!(seen, [Some("from-curlrc".to_owned()), None]);
}

/// `-K -` reads the options from stdin.
#[test]
fn config_from_stdin() {
    use std::io::Write;
    let server = recorder();
    let dir = tempfile::tempdir().unwrap();
    let mut child = crate::support::sockit()
        .args(["fetch", "-q", "-K", "-", "-s"])
        .env("HOME", dir.path())
        .current_dir(dir.path())
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut stdin = child.stdin.take().unwrap();
    writeln!(stdin, "url = {}", server.url("/stdin")).unwrap();
    drop(stdin);
    let out = child.wait_with_output().unwrap();
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert_eq!(out.stdout, b"body\n");
    assert_eq!(server.requests()[0].target, "/stdin");
}

/// A file that cannot be read is curl's 26; an option sockit does not have is a usage
/// error that names the file and line, not an option silently dropped.
#[test]
fn bad_config_files_fail_clearly() {
    let dir = tempfile::tempdir().unwrap();
    let env = home(dir.path());
    let run = Running::start_with_env(dir.path(), &["-K", "missing", "http://127.0.0.1:1/"], &env)
        .finish()
        .expect(26);
    assert!(
        run.stderr
            .starts_with("sockit: (26) cannot read config from missing:"),
        "{}",
        run.stderr
    );
    if require_tool("curl") {
        assert_eq!(
            curl_in(dir.path(), &["-K", "missing", "http://127.0.0.1:1/"]),
            26
        );
    }
    std::fs::write(dir.path().join("cfg"), "silent\nno-such-option\n").unwrap();
    let run = Running::start_with_env(dir.path(), &["-K", "cfg", "http://127.0.0.1:1/"], &env)
        .finish()
        .expect(2);
    assert!(
        run.stderr
            .contains("cfg:2: 'no-such-option' is not an option of sockit fetch"),
        "{}",
        run.stderr
    );
    std::fs::write(dir.path().join("loop"), "config = loop\n").unwrap();
    let run = Running::start_with_env(dir.path(), &["-K", "loop"], &env)
        .finish()
        .expect(2);
    assert!(run.stderr.contains("nest more than"), "{}", run.stderr);
}

/// A value after a switch is ignored with curl's warning, and the switch still applies.
#[test]
fn trailing_values_warn_as_curl() {
    let server = recorder();
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("cfg"), "silent yes\n").unwrap();
    let run = fetch_in(dir.path(), &["-q", "-K", "cfg", &server.url("/")]).expect(0);
    assert!(
        run.stderr
            .contains("cfg:1: 'silent' had unsupported trailing garbage"),
        "{}",
        run.stderr
    );
}

/// HOME pointed at `dir`, and no other place a `.curlrc` could come from.
fn home(dir: &Path) -> Vec<(&'static str, &str)> {
    let dir = dir.to_str().unwrap();
    vec![("HOME", dir), ("CURL_HOME", dir), ("XDG_CONFIG_HOME", dir)]
}
