//! `--trace` and `--trace-ascii` against curl's own trace of the same exchange: every block
//! and dump line must be curl's, byte for byte; only the `== Info:` lines, which are each
//! tool's own words about what it does, are left out of the comparison.

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

/// Both trace styles of a GET, a POST with a body and a chunked response with trailers are
/// curl's, block for block.
#[test]
fn traces_are_curls() {
    if !require_tool("curl") {
        return;
    }
    let _turn = TURN
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner);
    let server = Recorder::start();
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
    if !require_tool("curl") {
        return;
    }
    let Some(proxy) = TinyProxy::start("BasicAuth me secret") else {
        return;
    };
    let _turn = TURN
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner);
    let server = Recorder::start();
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
