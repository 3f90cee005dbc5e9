//! Wire compatibility with the tutorial: its own Python client and server, run unchanged (but
//! for the port) against `sockit serve --framing chunk` and `sockit client --framing chunk`.
//! Skipped, with a message, where python3 is not installed.

use crate::support::{sockit, spawn_server, ChildGuard};
use std::path::PathBuf;
use std::process::Command;

const TRANSCRIPT: &str = "Welcome!\nHello, Michael!\nHello, Tracy!\nHello, Sarah!\n";

fn script(name: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("tests/it/tutorial")
        .join(name)
}

/// The program succeeded and printed exactly the tutorial's transcript.
fn assert_transcript(out: &std::process::Output) {
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "{stderr}");
    assert_eq!(String::from_utf8_lossy(&out.stdout), TRANSCRIPT);
}

fn python() -> Option<Command> {
    crate::support::require_tool("python3").then(|| {
        let mut cmd = Command::new("python3");
        cmd.arg("-u");
        cmd
    })
}

/// The tutorial's client prints its exact transcript against `sockit serve --framing chunk`.
#[test]
fn tutorial_client_against_sockit_server() {
    let Some(mut py) = python() else { return };
    let (_server, addr) = spawn_server(&["--framing", "chunk"]);
    let out = py
        .arg(script("echo_client.py"))
        .arg(addr.port().to_string())
        .output()
        .unwrap();
    assert_transcript(&out);
}

/// `sockit client --framing chunk` prints the transcript against the tutorial's server.
#[test]
fn sockit_client_against_tutorial_server() {
    let Some(mut py) = python() else { return };
    py.arg(script("echo_server.py")).arg("0");
    let mut server = ChildGuard::spawn(py);
    // Kept open to the end: the server prints a line per connection and would die of EPIPE.
    let mut stdout = std::io::BufReader::new(server.child.stdout.take().unwrap());
    let mut first = String::new();
    std::io::BufRead::read_line(&mut stdout, &mut first).unwrap();
    let port = first
        .trim()
        .strip_prefix("Waiting for connection on port ")
        .and_then(|p| p.strip_suffix("..."))
        .expect("the server prints its port");
    let out = sockit()
        .args([
            "client",
            "--framing",
            "chunk",
            "--addr",
            &format!("127.0.0.1:{port}"),
        ])
        .args(["Michael", "Tracy", "Sarah"])
        .output()
        .unwrap();
    assert_transcript(&out);
}
