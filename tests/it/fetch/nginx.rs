//! Interop with a real nginx: plain and TLS, gzip, a 16 MiB file, resume, checked by
//! SHA-256. Skipped (with a message) when nginx is not installed; `.ci/run` installs it.
//!
//! nginx runs as our child in the foreground (`daemon off`, `master_process off`, so it
//! never switches user), on ports picked at run time, listening on 127.0.0.1 only, with its
//! config, pid, logs and temp paths in a temporary directory; the guard kills it at the end.

use crate::support::fetch_run::fetch_in;
use crate::support::http_server::pattern;
use std::net::{SocketAddr, TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

const BIG: usize = 16 << 20;

/// A running nginx; killed and reaped on drop.
struct Nginx {
    child: Child,
    plain: u16,
    tls: u16,
    dir: tempfile::TempDir,
}

impl Drop for Nginx {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn find_nginx() -> Option<PathBuf> {
    let path = std::env::var_os("PATH").unwrap_or_default();
    std::env::split_paths(&path)
        .chain([PathBuf::from("/usr/sbin"), PathBuf::from("/usr/local/sbin")])
        .map(|d| d.join("nginx"))
        .find(|p| p.is_file())
}

fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

impl Nginx {
    fn start(binary: &Path) -> Self {
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path().join("root");
        std::fs::create_dir(&root).unwrap();
        std::fs::write(root.join("big.bin"), pattern(BIG)).unwrap();
        std::fs::write(root.join("text.txt"), text()).unwrap();
        let cert = rcgen::generate_simple_self_signed(vec!["localhost".into(), "127.0.0.1".into()])
            .unwrap();
        std::fs::write(dir.path().join("cert.pem"), cert.cert.pem()).unwrap();
        std::fs::write(dir.path().join("key.pem"), cert.signing_key.serialize_pem()).unwrap();
        let (plain, tls) = (free_port(), free_port());
        let d = dir.path().display();
        let config = format!(
            "daemon off;\nmaster_process off;\nworker_processes 1;\npid {d}/nginx.pid;\n\
             error_log {d}/error.log;\nevents {{ worker_connections 64; }}\n\
             http {{\n access_log off;\n client_body_temp_path {d}/body;\n\
             proxy_temp_path {d}/proxy;\n fastcgi_temp_path {d}/fastcgi;\n\
             uwsgi_temp_path {d}/uwsgi;\n scgi_temp_path {d}/scgi;\n\
             types {{ text/plain txt; application/octet-stream bin; }}\n\
             gzip on;\n gzip_types text/plain;\n gzip_min_length 1;\n\
             server {{ listen 127.0.0.1:{plain}; root {d}/root; }}\n\
             server {{ listen 127.0.0.1:{tls} ssl; root {d}/root;\n\
             ssl_certificate {d}/cert.pem; ssl_certificate_key {d}/key.pem; }}\n}}\n"
        );
        std::fs::write(dir.path().join("nginx.conf"), config).unwrap();
        let child = Command::new(binary)
            .arg("-p")
            .arg(dir.path())
            .arg("-c")
            .arg(dir.path().join("nginx.conf"))
            .arg("-e")
            .arg(dir.path().join("error.log"))
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("start nginx");
        let nginx = Nginx {
            child,
            plain,
            tls,
            dir,
        };
        nginx.wait_ready();
        nginx
    }

    fn wait_ready(&self) {
        let start = Instant::now();
        for port in [self.plain, self.tls] {
            let addr = SocketAddr::from(([127, 0, 0, 1], port));
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

    fn url(&self, tls: bool, path: &str) -> String {
        match tls {
            true => format!("https://localhost:{}{path}", self.tls),
            false => format!("http://127.0.0.1:{}{path}", self.plain),
        }
    }

    fn cacert(&self) -> String {
        self.dir.path().join("cert.pem").display().to_string()
    }
}

fn text() -> Vec<u8> {
    (0..40_000)
        .flat_map(|i| {
            format!("line {i}: the quick brown fox jumps over the lazy dog\n").into_bytes()
        })
        .collect()
}

fn sha256(bytes: &[u8]) -> Vec<u8> {
    ring::digest::digest(&ring::digest::SHA256, bytes)
        .as_ref()
        .to_vec()
}

/// 16 MiB over http and https, gzip over both, and a resumed download, all byte-exact.
#[test]
fn nginx_interop() {
    let found = find_nginx();
    if !crate::support::require(found.is_some(), "nginx") {
        return;
    }
    let binary = found.expect("checked above");
    let nginx = Nginx::start(&binary);
    let out = tempfile::tempdir().unwrap();
    let cacert = nginx.cacert();
    let big = sha256(&pattern(BIG));
    let text = text();
    for tls in [false, true] {
        let url = nginx.url(tls, "/big.bin");
        fetch_in(out.path(), &["-sS", "--cacert", &cacert, "-o", "big", &url]).expect(0);
        let got = std::fs::read(out.path().join("big")).unwrap();
        assert_eq!(sha256(&got), big, "tls={tls}");
        let url = nginx.url(tls, "/text.txt");
        let run = fetch_in(
            out.path(),
            &["-sS", "--compressed", "--cacert", &cacert, "-D", "h", &url],
        )
        .expect(0);
        let head = std::fs::read_to_string(out.path().join("h")).unwrap();
        assert!(head.contains("Content-Encoding: gzip"), "{head}");
        assert_eq!(sha256(&run.stdout), sha256(&text), "gzip tls={tls}");
    }
    std::fs::write(out.path().join("resumed.part"), &pattern(BIG)[..BIG / 3]).unwrap();
    let url = nginx.url(false, "/big.bin");
    fetch_in(out.path(), &["-sS", "-C", "-", "-o", "resumed", &url]).expect(0);
    assert_eq!(
        sha256(&std::fs::read(out.path().join("resumed")).unwrap()),
        big
    );
}
