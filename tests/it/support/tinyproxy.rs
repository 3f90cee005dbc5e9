//! A real tinyproxy for the proxy tests, started on a free port of 127.0.0.1 with the
//! configuration lines a test needs (`BasicAuth`, `ConnectPort` ...) and stopped when dropped.
//!
//! tinyproxy is a Debian package that .ci/run installs; without it (outside CI) the tests
//! that need it say they are skipped.

use crate::support::ChildGuard;
use std::net::TcpStream;
use std::process::Command;
use std::time::{Duration, Instant};

/// A tinyproxy on 127.0.0.1, stopped when dropped.
pub struct TinyProxy {
    /// Its port on 127.0.0.1.
    pub port: u16,
    _child: ChildGuard,
    _dir: tempfile::TempDir,
}

impl TinyProxy {
    /// Starts tinyproxy with `extra` config lines; None when tinyproxy is not installed
    /// (a failure under CI=true, where it must be).
    pub fn start(extra: &str) -> Option<TinyProxy> {
        if !crate::support::require_tool("tinyproxy") {
            return None;
        }
        // tinyproxy needs its port in the config: take a free one from the OS, and try
        // again in the rare case another process takes it first.
        for _ in 0..5 {
            let port = crate::support::free_port();
            let dir = tempfile::tempdir().unwrap();
            let conf = dir.path().join("tinyproxy.conf");
            std::fs::write(
                &conf,
                format!(
                    "Port {port}\nListen 127.0.0.1\nTimeout 20\nAllow 127.0.0.1\n\
                     MaxClients 20\nLogLevel Error\n{extra}\n"
                ),
            )
            .unwrap();
            let mut cmd = Command::new("tinyproxy");
            cmd.args(["-d", "-c"]).arg(&conf);
            let mut child = ChildGuard::spawn(cmd);
            if wait_until_listening(port, &mut child) {
                return Some(TinyProxy {
                    port,
                    _child: child,
                    _dir: dir,
                });
            }
        }
        panic!("tinyproxy did not start");
    }

    /// `127.0.0.1:PORT`.
    pub fn addr(&self) -> String {
        format!("127.0.0.1:{}", self.port)
    }
}

/// Waits (within 10 s) until `port` accepts, or the process has exited.
pub fn wait_until_listening(port: u16, child: &mut ChildGuard) -> bool {
    let deadline = Instant::now() + Duration::from_secs(10);
    while Instant::now() < deadline {
        if TcpStream::connect(("127.0.0.1", port)).is_ok() {
            return true;
        }
        if child.child.try_wait().unwrap().is_some() {
            return false;
        }
        std::thread::sleep(Duration::from_millis(10));
    }
    false
}
