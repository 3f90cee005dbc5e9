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
        let cookies = COOKIE_LOCATIONS;
        let config = format!(
            "daemon off;\nmaster_process off;\nworker_processes 1;\npid {d}/nginx.pid;\n\
             error_log {d}/error.log;\nevents {{ worker_connections 64; }}\n\
             http {{\n access_log off;\n client_body_temp_path {d}/body;\n\
             proxy_temp_path {d}/proxy;\n fastcgi_temp_path {d}/fastcgi;\n\
             uwsgi_temp_path {d}/uwsgi;\n scgi_temp_path {d}/scgi;\n\
             types {{ text/plain txt; application/octet-stream bin; }}\n\
             gzip on;\n gzip_types text/plain;\n gzip_min_length 1;\n\
             server {{ listen 127.0.0.1:{plain}; root {d}/root;\n{cookies} }}\n\
             server {{ listen 127.0.0.1:{tls} ssl; root {d}/root;\n{cookies}\n\
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

/// A login that sets cookies with `add_header` and redirects, and a page that echoes the
/// Cookie header it got; in both servers, so https sets a Secure cookie as well.
const COOKIE_LOCATIONS: &str = "\
    location = /login { add_header Set-Cookie \"session=abc; Path=/; HttpOnly\";\n\
      add_header Set-Cookie \"pref=dark; Max-Age=3600\";\n\
      add_header Set-Cookie \"tls=1; Secure\";\n\
      add_header Set-Cookie \"narrow=1; Path=/private\";\n\
      return 302 /account; }\n\
    location = /account { return 200 \"cookie: $http_cookie\\n\"; }\n\
    location = /logout { add_header Set-Cookie \"session=; Max-Age=0; Path=/\";\n\
      return 200 \"bye\\n\"; }\n";

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

/// nginx's Set-Cookie headers are kept across a redirect and sent back on it, saved by -c,
/// read again by -b in the next run, deleted by Max-Age=0; a Secure cookie kept from
/// 127.0.0.1 and https, which curl both counts as secure.
#[test]
fn nginx_cookies() {
    let found = find_nginx();
    if !crate::support::require(found.is_some(), "nginx") {
        return;
    }
    let nginx = Nginx::start(&found.expect("checked above"));
    let out = tempfile::tempdir().unwrap();
    let (login, account) = (nginx.url(false, "/login"), nginx.url(false, "/account"));
    let run = fetch_in(out.path(), &["-sS", "-L", "-c", "jar", &login]).expect(0);
    assert_eq!(run.out(), "cookie: session=abc; pref=dark; tls=1\n");
    let jar = std::fs::read_to_string(out.path().join("jar")).unwrap();
    assert!(
        jar.contains("#HttpOnly_127.0.0.1\tFALSE\t/\tFALSE\t0\tsession\tabc"),
        "{jar}"
    );
    assert!(
        jar.contains("127.0.0.1\tFALSE\t/\tTRUE\t0\ttls\t1"),
        "{jar}"
    );
    let logout = nginx.url(false, "/logout");
    let run = fetch_in(
        out.path(),
        &["-sS", "-b", "jar", "-c", "jar", &account, &logout, &account],
    )
    .expect(0);
    assert_eq!(
        run.out(),
        "cookie: session=abc; pref=dark; tls=1\nbye\ncookie: pref=dark; tls=1\n"
    );
    let cacert = nginx.cacert();
    let (login, account) = (nginx.url(true, "/login"), nginx.url(true, "/account"));
    let run = fetch_in(
        out.path(),
        &["-sS", "--cacert", &cacert, "-L", "-b", "", &login, &account],
    )
    .expect(0);
    assert_eq!(
        run.out(),
        "cookie: session=abc; pref=dark; tls=1\ncookie: session=abc; pref=dark; tls=1\n"
    );
}
