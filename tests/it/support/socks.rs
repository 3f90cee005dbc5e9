//! Real SOCKS proxies on loopback for fetch's tests and the differential table: microsocks
//! (SOCKS5, with or without a user name and password) and Dante's danted (SOCKS4 and
//! SOCKS5, no authentication). Both are Debian packages that .ci/run installs; without them
//! (outside CI) the tests say they are skipped.
//!
//! Neither takes port 0, so each is given a port the OS just handed out, and started again
//! on another in the rare case that port was taken meanwhile.

use super::balancers::wait_listening;
use super::{require_tool, ChildGuard};
use std::net::SocketAddr;
use std::process::Command;

/// A SOCKS proxy process on 127.0.0.1, stopped when dropped.
pub struct SocksProxy {
    pub addr: SocketAddr,
    _child: ChildGuard,
    _dir: tempfile::TempDir,
}

impl SocksProxy {
    /// microsocks (SOCKS5 only), asking for `user` (NAME, PASSWORD) when given; None when it
    /// is not installed.
    pub fn microsocks(user: Option<(&str, &str)>) -> Option<SocksProxy> {
        if !require_tool("microsocks") {
            return None;
        }
        Some(start(|port, _dir| {
            let mut cmd = Command::new("microsocks");
            cmd.args(["-i", "127.0.0.1", "-p", &port.to_string()]);
            if let Some((name, password)) = user {
                cmd.args(["-u", name, "-P", password]);
            }
            cmd
        }))
    }

    /// danted (SOCKS4 and SOCKS5, no authentication; it refuses SOCKS4a's names), logging
    /// to stderr; None when it is not installed.
    pub fn dante() -> Option<SocksProxy> {
        let danted = ["/usr/sbin/danted", "/usr/local/sbin/danted"]
            .into_iter()
            .find(|p| std::path::Path::new(p).is_file());
        if !super::require(danted.is_some(), "danted") {
            return None;
        }
        let danted = danted.expect("checked above");
        Some(start(|port, dir| {
            let conf = dir.join("danted.conf");
            std::fs::write(
                &conf,
                format!(
                    "logoutput: stderr\ninternal: 127.0.0.1 port = {port}\n\
                     external: 127.0.0.1\nsocksmethod: none\nclientmethod: none\n\
                     user.privileged: root\nuser.unprivileged: nobody\n\
                     client pass {{ from: 127.0.0.0/8 to: 0.0.0.0/0 }}\n\
                     socks pass {{ from: 127.0.0.0/8 to: 0.0.0.0/0 protocol: tcp }}\n"
                ),
            )
            .unwrap();
            let mut cmd = Command::new(danted);
            cmd.arg("-f")
                .arg(&conf)
                .arg("-p")
                .arg(dir.join("danted.pid"));
            cmd
        }))
    }
}

/// Starts the proxy that `command` makes for a port and a scratch directory.
fn start(command: impl Fn(u16, &std::path::Path) -> Command) -> SocksProxy {
    for _ in 0..5 {
        let port = crate::support::free_port();
        let dir = tempfile::tempdir().unwrap();
        let mut child = ChildGuard::spawn(command(port, dir.path()));
        let addr = SocketAddr::from(([127, 0, 0, 1], port));
        wait_listening(addr);
        if child.child.try_wait().unwrap().is_none() {
            return SocksProxy {
                addr,
                _child: child,
                _dir: dir,
            };
        }
    }
    panic!("the SOCKS proxy did not start");
}
