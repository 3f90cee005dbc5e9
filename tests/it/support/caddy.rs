//! A real caddy on loopback for the HTTP/3 tests: HTTPS with a certificate from the test CA
//! (`support::pki`), HTTP/1.1 and HTTP/2 over TCP and, unless told otherwise, HTTP/3 over
//! UDP on the same port number, serving one document root (gzip for text).
//!
//! caddy runs as our child (`caddy run`, admin endpoint off, automatic HTTPS off so it
//! binds nothing but the one port), with its config, data and logs in a temporary
//! directory, listening on 127.0.0.1 only; the guard kills it at the end.

use super::pki::{Key, Pki};
use std::net::{SocketAddr, TcpStream};
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

/// A running caddy; killed and reaped on drop.
pub struct Caddy {
    child: Child,
    port: u16,
    /// Whether it listens for HTTP/3 (UDP) too.
    h3: bool,
    dir: tempfile::TempDir,
    pki: Pki,
}

impl Drop for Caddy {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// caddy's binary, when installed.
pub fn find_caddy() -> Option<PathBuf> {
    let path = std::env::var_os("PATH").unwrap_or_default();
    std::env::split_paths(&path)
        .chain([PathBuf::from("/usr/bin"), PathBuf::from("/usr/sbin")])
        .map(|d| d.join("caddy"))
        .find(|p| p.is_file())
}

impl Caddy {
    /// Starts `binary` serving `files` (name, bytes) over h1, h2 and, with `h3`, HTTP/3;
    /// returns once it listens on TCP (and UDP).
    pub fn start(binary: &std::path::Path, files: &[(&str, &[u8])], h3: bool) -> Self {
        // A port from free_port() can be taken by another test before caddy binds it;
        // then caddy exits, and a new port is tried.
        for _ in 0..5 {
            let mut caddy = Self::spawn(binary, files, h3);
            if caddy.wait_ready() {
                return caddy;
            }
        }
        panic!("caddy did not start on any of 5 ports");
    }

    /// caddy started on a free port, serving `files`.
    fn spawn(binary: &std::path::Path, files: &[(&str, &[u8])], h3: bool) -> Self {
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path().join("root");
        std::fs::create_dir(&root).unwrap();
        for (name, bytes) in files {
            std::fs::write(root.join(name), bytes).unwrap();
        }
        let pki = Pki::new("caddy-test-ca");
        let pair = pki.server("caddy", Key::EcdsaP256);
        let port = super::free_port();
        let protocols = match h3 {
            true => "h1 h2 h3",
            false => "h1 h2",
        };
        let d = dir.path().display();
        let config = format!(
            "{{\n admin off\n auto_https off\n skip_install_trust\n ocsp_stapling off\n\
             storage file_system {d}/data\n servers {{\n  protocols {protocols}\n }}\n}}\n\
             https://localhost:{port} {{\n bind 127.0.0.1\n tls {} {}\n\
             encode /*.txt gzip\n root * {d}/root\n file_server\n}}\n",
            pair.cert.display(),
            pair.key.display(),
        );
        std::fs::write(dir.path().join("Caddyfile"), config).unwrap();
        let log = std::fs::File::create(dir.path().join("caddy.log")).unwrap();
        let child = Command::new(binary)
            .args(["run", "--adapter", "caddyfile", "--config"])
            .arg(dir.path().join("Caddyfile"))
            .env("HOME", dir.path())
            .env("XDG_DATA_HOME", dir.path())
            .env("XDG_CONFIG_HOME", dir.path())
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(log)
            .spawn()
            .expect("start caddy");
        Caddy {
            child,
            port,
            h3,
            dir,
            pki,
        }
    }

    /// Waits until caddy logs that it serves its configuration, its TCP port accepts and,
    /// for HTTP/3, its UDP port is bound (as /proc/net/udp lists it); false when caddy
    /// exited instead (its port was taken). A port that accepts is not enough alone: it
    /// may be another test's listener on the same port.
    fn wait_ready(&mut self) -> bool {
        let start = Instant::now();
        let addr = SocketAddr::from(([127, 0, 0, 1], self.port));
        let udp = format!("0100007F:{:04X} ", self.port);
        let log_path = self.dir.path().join("caddy.log");
        loop {
            let log = std::fs::read_to_string(&log_path).unwrap_or_default();
            if self.child.try_wait().unwrap().is_some() {
                eprintln!("caddy exited on port {}: {log}", self.port);
                return false;
            }
            let ready = log.contains("serving initial configuration")
                && TcpStream::connect_timeout(&addr, Duration::from_millis(100)).is_ok()
                && (!self.h3
                    || std::fs::read_to_string("/proc/net/udp")
                        .is_ok_and(|table| table.contains(&udp)));
            if ready {
                return true;
            }
            assert!(
                start.elapsed() < Duration::from_secs(10),
                "caddy did not start: {log:?}"
            );
            // The log is a file caddy writes: polled every 50 ms, bounded above.
            std::thread::sleep(Duration::from_millis(50));
        }
    }

    /// The URL of `path`.
    pub fn url(&self, path: &str) -> String {
        format!("https://localhost:{}{path}", self.port)
    }

    /// The PEM file of the CA that signed caddy's certificate.
    pub fn cacert(&self) -> String {
        self.pki.ca.display().to_string()
    }
}
