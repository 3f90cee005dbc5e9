//! `--trace` and `--trace-ascii` against curl's own trace of the same exchange: every block
//! and dump line must be curl's, byte for byte; the `== Info:` lines, which are mostly each
//! tool's own words about what it does, are left out of the comparison, except those naming
//! the authentication a request carries, which scripts grep `-v` for and which are curl's.

use super::TURN;
use crate::support::recorder::Recorder;
use crate::support::tinyproxy::TinyProxy;
use crate::support::{require_tool, sockit, PROXY_VARS};
use std::process::{Command, Stdio};

/// The trace `tool` writes for `args` (`{u}` the server's base URL), Info lines dropped.
fn trace_of(tool: Command, args: &[&str], server: &Recorder) -> String {
    trace_through(tool, args, server, "")
}

/// [`trace_of`], with `{x}` standing for `proxy` (`HOST:PORT`).
fn trace_through(mut tool: Command, args: &[&str], server: &Recorder, proxy: &str) -> String {
    let dir = tempfile::tempdir().unwrap();
    let base = server.base();
    let args: Vec<String> = args
        .iter()
        .map(|a| a.replace("{u}", &base).replace("{x}", proxy))
        .collect();
    tool.args(&args)
        .current_dir(dir.path())
        .env("HOME", dir.path())
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::null());
    for var in PROXY_VARS {
        tool.env_remove(var);
    }
    let status = tool.status().unwrap();
    assert!(status.success(), "{args:?}: {status}");
    server.take(std::time::Duration::from_secs(10));
    let text = std::fs::read_to_string(dir.path().join("t")).unwrap();
    text.lines()
        .filter(|l| !l.starts_with("== Info:"))
        .map(|l| format!("{l}\n"))
        .collect()
}

/// What each comparison here needs: curl (None, after `require_tool`'s verdict, without
/// it), the differential tables' turn, and a recording server.
fn oracle() -> Option<(std::sync::MutexGuard<'static, ()>, Recorder)> {
    if !require_tool("curl") {
        return None;
    }
    let turn = TURN
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner);
    Some((turn, Recorder::start()))
}

/// Both trace styles of a GET, a POST with a body and a chunked response with trailers are
/// curl's, block for block.
#[test]
fn traces_are_curls() {
    let Some((_turn, server)) = oracle() else {
        return;
    };
    for style in ["--trace-ascii", "--trace"] {
        for request in [
            &["-A", "x", "{u}/hello"][..],
            &["-A", "x", "-d", "a=1&b=2", "{u}/json"],
            &["-A", "x", "{u}/trailers"],
            &["-A", "x", "-i", "{u}/lf"],
        ] {
            let mut args = vec!["-s", style, "t"];
            args.extend_from_slice(request);
            let mut ours = sockit();
            ours.arg("fetch");
            let theirs = trace_of(Command::new("curl"), &args, &server);
            let mine = trace_of(ours, &args, &server);
            assert_eq!(mine, theirs, "{args:?}");
        }
    }
}

/// The CONNECT exchange is in the trace as curl puts it there: the request as one block, the
/// answer a block per line, also the 407 of a proxy that closes on its challenge and the
/// second connection's CONNECT that answers it.
#[test]
fn tunnel_traces_are_curls() {
    let Some((_turn, server)) = oracle() else {
        return;
    };
    let Some(proxy) = TinyProxy::start("BasicAuth me secret") else {
        return;
    };
    for login in [
        &["-U", "me:secret"][..],
        &["--proxy-anyauth", "-U", "me:secret"],
    ] {
        let args = [
            &["-s", "--trace-ascii", "t", "-A", "x", "-p"][..],
            login,
            &["-x", "{x}", "{u}/hello"],
        ]
        .concat();
        let mut ours = sockit();
        ours.arg("fetch");
        let theirs = trace_through(Command::new("curl"), &args, &server, &proxy.addr());
        let mine = trace_through(ours, &args, &server, &proxy.addr());
        assert!(theirs.contains("CONNECT 127.0.0.1:"), "{theirs}");
        assert_eq!(mine, theirs, "{args:?}");
    }
}

/// `-v`'s lines naming each request's authentication (`* Server auth using Basic with user
/// 'u'`, `* Proxy auth using Digest with user 'pu'`) are curl's: for each scheme, a user from
/// `-u` or from the URL, the probe of `--digest`, and the cases where curl says nothing
/// (`--anyauth` or `--oauth2-bearer` with `--digest` before a challenge, a `-H Authorization` line, `--aws-sigv4` without a key).
#[test]
fn verbose_names_authentication_as_curl() {
    let Some((_turn, server)) = oracle() else {
        return;
    };
    let sigv4 = ["--aws-sigv4", "aws:amz:us-east-1:s3"];
    let through = ["-x", "{u}", "-U", "pu:pp"];
    let lines: [&[&[&str]]; 15] = [
        &[&["-u", "u:p", "{u}/hello"]],
        &[&["http://me%20x:pw@{a}/hello"]],
        &[&["--digest", "-u", "u:p", "{u}/digest"]],
        &[&["--anyauth", "-u", "u:p", "{u}/digest"]],
        &[&["--anyauth", "-u", "u:p", "{u}/hello"]],
        &[&["--oauth2-bearer", "T", "-u", "me:pw", "{u}/hello"]],
        &[&[
            "--oauth2-bearer",
            "T",
            "--digest",
            "-u",
            "me:pw",
            "{u}/digest",
        ]],
        &[&["--oauth2-bearer", "T", "--basic", "{u}/bearer-or-basic"]],
        &[&sigv4, &["-u", "AKID:SECRET", "{u}/hello"]],
        &[&sigv4, &["{u}/hello"]],
        &[&["-H", "Authorization: X", "-u", "u:p", "{u}/hello"]],
        &[&through, &["-u", "u:p", "http://example.com/hello"]],
        &[
            &through,
            &["--proxy-digest", "http://example.com/proxy-digest"],
        ],
        &[
            &through,
            &["--proxy-anyauth", "http://example.com/proxy-basic-only"],
        ],
        &[
            &through,
            &["--proxy-anyauth", "http://example.com/proxy-digest"],
        ],
    ];
    let mut named = 0;
    for parts in lines {
        let args = [&["-sv"][..], &parts.concat()].concat();
        let theirs = auth_lines(Command::new("curl"), &args, &server);
        let mut ours = sockit();
        ours.arg("fetch");
        let mine = auth_lines(ours, &args, &server);
        assert_eq!(mine, theirs, "{args:?}");
        named += theirs.len();
    }
    assert!(named >= 14, "curl named authentication {named} times");
}

/// The `-v` lines of `tool` run with `args` that name authentication.
fn auth_lines(mut tool: Command, args: &[&str], server: &Recorder) -> Vec<String> {
    let base = server.base();
    let authority = base.trim_start_matches("http://");
    let args: Vec<String> = args
        .iter()
        .map(|a| a.replace("{u}", &base).replace("{a}", authority))
        .collect();
    tool.args(&args).stdin(Stdio::null()).stdout(Stdio::null());
    for var in PROXY_VARS {
        tool.env_remove(var);
    }
    let out = tool.output().unwrap();
    server.take(std::time::Duration::from_secs(10));
    String::from_utf8_lossy(&out.stderr)
        .lines()
        .filter(|l| l.contains(" auth using "))
        .map(str::to_owned)
        .collect()
}
