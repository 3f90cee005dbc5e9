//! A real nginx on loopback for the fetch tests: HTTP/1.1 in clear text and over TLS, HTTP/2
//! over TLS (ALPN `h2`) and in clear text (h2c), all serving one document root.
//!
//! nginx runs as our child in the foreground (`daemon off`, `master_process off`, so it
//! never switches user), on ports picked at run time, listening on 127.0.0.1 only, with its
//! config, pid, logs and temp paths in a temporary directory; the guard kills it at the end.

use std::net::{SocketAddr, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

/// How a URL reaches nginx.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Port {
    /// HTTP/1.1 in clear text.
    Plain,
    /// HTTP/1.1 over TLS (nginx offers no `h2` there).
    Tls,
    /// HTTP/2 (or HTTP/1.1) over TLS.
    H2,
    /// HTTP/2 in clear text (prior knowledge only).
    H2c,
}

/// A running nginx; killed and reaped on drop.
pub struct Nginx {
    child: Child,
    ports: [(Port, u16); 4],
    dir: tempfile::TempDir,
}

impl Drop for Nginx {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Starts nginx from `dir` with `config` as its nginx.conf (its prefix, and its early errors
/// in dir/error.log); the caller waits for it to listen and kills it.
pub fn spawn(binary: &Path, dir: &Path, config: &str) -> Child {
    std::fs::write(dir.join("nginx.conf"), config).unwrap();
    Command::new(binary)
        .arg("-p")
        .arg(dir)
        .arg("-c")
        .arg(dir.join("nginx.conf"))
        .arg("-e")
        .arg(dir.join("error.log"))
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("start nginx")
}

/// nginx's binary (Debian installs it in /usr/sbin, often not on a user's PATH).
pub fn find_nginx() -> Option<PathBuf> {
    let path = std::env::var_os("PATH").unwrap_or_default();
    std::env::split_paths(&path)
        .chain([PathBuf::from("/usr/sbin"), PathBuf::from("/usr/local/sbin")])
        .map(|d| d.join("nginx"))
        .find(|p| p.is_file())
}

impl Nginx {
    /// Starts `binary` serving `files` (name, bytes) from its root, gzip on for text, and
    /// `/moved` redirecting (302) to `/text.txt`; returns once every port accepts.
    pub fn start(binary: &Path, files: &[(&str, &[u8])]) -> Self {
        Self::start_with(binary, files, "")
    }

    /// [`Nginx::start`] with `locations` (nginx `location` blocks) in every server.
    pub fn start_with(binary: &Path, files: &[(&str, &[u8])], locations: &str) -> Self {
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path().join("root");
        std::fs::create_dir(&root).unwrap();
        for (name, bytes) in files {
            std::fs::write(root.join(name), bytes).unwrap();
        }
        let cert = rcgen::generate_simple_self_signed(vec!["localhost".into(), "127.0.0.1".into()])
            .unwrap();
        std::fs::write(dir.path().join("cert.pem"), cert.cert.pem()).unwrap();
        std::fs::write(dir.path().join("key.pem"), cert.signing_key.serialize_pem()).unwrap();
        let ports = [
            (Port::Plain, super::free_port()),
            (Port::Tls, super::free_port()),
            (Port::H2, super::free_port()),
            (Port::H2c, super::free_port()),
        ];
        let d = dir.path().display();
        let server = |listen: String| {
            format!(
                " server {{ listen 127.0.0.1:{listen}; root {d}/root;\n\
                 ssl_certificate {d}/cert.pem; ssl_certificate_key {d}/key.pem;\n\
                 location = /moved {{ return 302 /text.txt; }}\n{locations} }}\n"
            )
        };
        let servers: String = ports
            .iter()
            .map(|(kind, port)| {
                server(match kind {
                    Port::Plain => port.to_string(),
                    Port::Tls => format!("{port} ssl"),
                    Port::H2 => format!("{port} ssl http2"),
                    Port::H2c => format!("{port} http2"),
                })
            })
            .collect();
        let config = format!(
            "daemon off;\nmaster_process off;\nworker_processes 1;\npid {d}/nginx.pid;\n\
             error_log {d}/error.log;\nevents {{ worker_connections 1024; }}\n\
             http {{\n access_log off;\n client_body_temp_path {d}/body;\n\
             proxy_temp_path {d}/proxy;\n fastcgi_temp_path {d}/fastcgi;\n\
             uwsgi_temp_path {d}/uwsgi;\n scgi_temp_path {d}/scgi;\n\
             types {{ text/plain txt; application/octet-stream bin; }}\n\
             gzip on;\n gzip_types text/plain;\n gzip_min_length 1;\n{servers}}}\n"
        );
        let child = spawn(binary, dir.path(), &config);
        let nginx = Nginx { child, ports, dir };
        nginx.wait_ready();
        nginx
    }

    fn wait_ready(&self) {
        let start = Instant::now();
        for (_, port) in self.ports {
            let addr = SocketAddr::from(([127, 0, 0, 1], port));
            // nginx gives no readiness signal: a bounded connect per try paces the wait.
            while TcpStream::connect_timeout(&addr, Duration::from_millis(100)).is_err() {
                let log = std::fs::read_to_string(self.dir.path().join("error.log"));
                assert!(
                    start.elapsed() < Duration::from_secs(10),
                    "nginx did not start: {log:?}"
                );
                std::thread::sleep(Duration::from_millis(20));
            }
        }
    }

    /// The URL of `path` on `port`: https by name (the certificate's), http by address.
    pub fn url(&self, port: Port, path: &str) -> String {
        let number = self.ports.iter().find(|(k, _)| *k == port).unwrap().1;
        match port {
            Port::Tls | Port::H2 => format!("https://localhost:{number}{path}"),
            Port::Plain | Port::H2c => format!("http://127.0.0.1:{number}{path}"),
        }
    }

    /// The PEM file to trust the servers' certificate with.
    pub fn cacert(&self) -> String {
        self.dir.path().join("cert.pem").display().to_string()
    }
}
