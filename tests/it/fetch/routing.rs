//! Routing (issue 19): `--resolve` and `--connect-to` to a TLS server whose certificate names
//! a host that does not resolve, HTTP and HTTPS over a Unix socket to a real nginx (and over
//! an abstract one), client certificates against nginx with `ssl_verify_client on`, and
//! `--haproxy-protocol` against nginx listening with `proxy_protocol`.

use crate::support::fetch_run::{fetch, fetch_in};
use crate::support::http_server::{ok, reply, Server};
use crate::support::nginx::{find_nginx, spawn};
use crate::support::pki::{Key, Pki};
use std::io::{BufRead, BufReader, Write};
use std::path::{Path, PathBuf};
use std::process::Child;
use std::time::{Duration, Instant};

/// The name on the test certificate: under `.test`, so it never resolves.
const NAME: &str = "sockit-route.test";

/// --resolve: the request goes to the given address while SNI, the certificate check and
/// the Host header stay the URL's name; without the name in the URL the certificate fails.
#[test]
fn resolve_keeps_the_urls_name_for_tls_and_host() {
    let server = Server::tls_named(&[NAME], |_, s| reply(s, &ok(b"resolved")));
    let cacert = server.cert_pem().to_str().unwrap().to_string();
    let port = server.addr.port();
    let url = format!("https://{NAME}:{port}/r");
    let entry = format!("{NAME}:{port}:127.0.0.1");
    let run = fetch(&["--cacert", &cacert, "--resolve", &entry, &url]).expect(0);
    assert_eq!(run.out(), "resolved");
    let seen = &server.requests()[0];
    assert_eq!(seen.sni.as_deref(), Some(NAME));
    assert_eq!(seen.header("host"), Some(format!("{NAME}:{port}").as_str()));
    let wildcard = format!("*:{port}:[::1],127.0.0.1");
    fetch(&["--cacert", &cacert, "--resolve", &wildcard, &url]).expect(0);
    let direct = format!("https://127.0.0.1:{port}/r");
    fetch(&["--cacert", &cacert, "--resolve", &entry, &direct]).expect(60);
}

/// --connect-to: the connection goes to HOST2:PORT2, the URL's name stays in SNI and Host;
/// a matching entry with a bad port is curl's 49.
#[test]
fn connect_to_keeps_the_urls_name_for_tls_and_host() {
    let server = Server::tls_named(&[NAME], |_, s| reply(s, &ok(b"moved")));
    let cacert = server.cert_pem().to_str().unwrap().to_string();
    let entry = format!("{NAME}:443:127.0.0.1:{}", server.addr.port());
    let url = format!("https://{NAME}/c");
    let run = fetch(&["--cacert", &cacert, "--connect-to", &entry, &url]).expect(0);
    assert_eq!(run.out(), "moved");
    let seen = &server.requests()[0];
    assert_eq!(seen.sni.as_deref(), Some(NAME));
    assert_eq!(seen.header("host"), Some(NAME));
    let bad = format!("{NAME}:443:127.0.0.1:port");
    let run = fetch(&["--cacert", &cacert, "--connect-to", &bad, &url]).expect(49);
    assert!(run.stderr.contains("--connect-to"), "{}", run.stderr);
}

/// A real nginx, our child in the foreground, with its files in a temporary directory.
struct Nginx {
    child: Child,
    dir: tempfile::TempDir,
}

impl Drop for Nginx {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl Nginx {
    /// nginx with `servers` (server blocks, `{d}` standing for its directory, which holds
    /// index.txt); None when nginx is not installed. Waits until `ready` (a path under the
    /// directory that nginx creates: a Unix socket) exists.
    fn start(servers: &str, ready: &str) -> Option<Nginx> {
        let binary = find_nginx();
        if !crate::support::require(binary.is_some(), "nginx") {
            return None;
        }
        let dir = tempfile::tempdir().unwrap();
        let d = dir.path().display().to_string();
        std::fs::write(dir.path().join("index.txt"), "from nginx\n").unwrap();
        let config = format!(
            "daemon off;\nmaster_process off;\nworker_processes 1;\npid {d}/nginx.pid;\n\
             error_log {d}/error.log;\nevents {{ worker_connections 64; }}\n\
             http {{\n access_log off;\n client_body_temp_path {d}/body;\n\
             proxy_temp_path {d}/proxy;\n fastcgi_temp_path {d}/fastcgi;\n\
             uwsgi_temp_path {d}/uwsgi;\n scgi_temp_path {d}/scgi;\n{}\n}}\n",
            servers.replace("{d}", &d)
        );
        let child = spawn(&binary.unwrap(), dir.path(), &config);
        let nginx = Nginx { child, dir };
        nginx.wait_for(&nginx.path(ready));
        Some(nginx)
    }

    fn path(&self, name: &str) -> PathBuf {
        self.dir.path().join(name)
    }

    /// Waits (within 10 s) until nginx has made `path`.
    fn wait_for(&self, path: &Path) {
        let deadline = Instant::now() + crate::support::WAIT;
        while std::os::unix::net::UnixStream::connect(path).is_err() {
            let log = std::fs::read_to_string(self.path("error.log"));
            assert!(Instant::now() < deadline, "nginx did not start: {log:?}");
            std::thread::sleep(Duration::from_millis(50));
        }
    }
}

/// HTTP over a Unix socket to nginx (the Docker engine's way: the URL's host goes in Host),
/// then HTTPS over another, verified for the URL's host; a missing socket is curl's 7, and
/// proxies are not used over a Unix socket, as in curl.
#[test]
fn http_and_https_over_a_unix_socket_to_nginx() {
    let pki = Pki::new("unix-ca");
    let pair = pki.server("unix", Key::EcdsaP256);
    let servers = format!(
        "server {{ listen unix:{{d}}/plain.sock; root {{d}}; }}\n\
         server {{ listen unix:{{d}}/tls.sock ssl; root {{d}};\n\
         ssl_certificate {}; ssl_certificate_key {}; }}",
        pair.cert.display(),
        pair.key.display()
    );
    let Some(nginx) = Nginx::start(&servers, "plain.sock") else {
        return;
    };
    nginx.wait_for(&nginx.path("tls.sock"));
    let plain = nginx.path("plain.sock").display().to_string();
    let run = fetch(&["--unix-socket", &plain, "http://localhost/index.txt"]).expect(0);
    assert_eq!(run.out(), "from nginx\n");
    let via_proxy = ["-x", "http://127.0.0.1:1", "--unix-socket", &plain];
    fetch(&[&via_proxy[..], &["http://localhost/index.txt"]].concat()).expect(0);
    let secure = nginx.path("tls.sock").display().to_string();
    let ca = pki.ca.display().to_string();
    let args = ["--cacert", &ca, "--unix-socket", &secure];
    let run = fetch(&[&args[..], &["https://localhost/index.txt"]].concat()).expect(0);
    assert_eq!(run.out(), "from nginx\n");
    fetch(&[&args[..], &["https://sockit-other.test/index.txt"]].concat()).expect(60);
    let missing = nginx.path("none.sock").display().to_string();
    fetch(&["--unix-socket", &missing, "http://localhost/"]).expect(7);
}

/// HTTP over a socket in Linux's abstract namespace, served by a listener in the test.
#[cfg(target_os = "linux")]
#[test]
fn http_over_an_abstract_unix_socket() {
    use std::os::linux::net::SocketAddrExt;
    use std::os::unix::net::{SocketAddr, UnixListener};
    let name = format!("sockit-test-{}", std::process::id());
    let addr = SocketAddr::from_abstract_name(name.as_bytes()).unwrap();
    let listener = UnixListener::bind_addr(&addr).unwrap();
    let served = std::thread::spawn(move || {
        let (stream, _) = listener.accept().unwrap();
        stream
            .set_read_timeout(Some(Duration::from_secs(10)))
            .unwrap();
        let mut reader = BufReader::new(&stream);
        let mut head = String::new();
        while reader.read_line(&mut head).unwrap() > 2 && !head.ends_with("\r\n\r\n") {}
        (&stream).write_all(&ok(b"abstract")).unwrap();
        head
    });
    let run = fetch(&["--abstract-unix-socket", &name, "http://docker/v"]).expect(0);
    assert_eq!(run.out(), "abstract");
    let head = served.join().unwrap();
    assert!(
        head.starts_with("GET /v HTTP/1.1\r\nHost: docker\r\n"),
        "{head}"
    );
}

/// --cert/--key against nginx with `ssl_verify_client on`: the page with the certificate,
/// nginx's 400 without; an encrypted key opened by --pass or --cert's `:PASSWORD`; a file
/// that cannot be used (missing, not PEM, a key that does not match, an encrypted key with
/// a wrong or no passphrase) is curl's 58 before any request.
#[test]
fn client_certificates_against_nginx() {
    let pki = Pki::new("mtls-ca");
    let pair = pki.server("mtls", Key::EcdsaP256);
    let servers = format!(
        "server {{ listen unix:{{d}}/mtls.sock ssl; root {{d}};\n\
         ssl_certificate {}; ssl_certificate_key {};\n\
         ssl_verify_client on; ssl_client_certificate {}; }}",
        pair.cert.display(),
        pair.key.display(),
        pki.ca.display()
    );
    let Some(nginx) = Nginx::start(&servers, "mtls.sock") else {
        return;
    };
    let client = pki.client("client");
    let other = pki.client("other");
    let socket = nginx.path("mtls.sock").display().to_string();
    let ca = pki.ca.display().to_string();
    let base = ["--cacert", &ca, "--unix-socket", &socket];
    let url = "https://localhost/index.txt";
    let (cert, key) = (client.cert.to_str().unwrap(), client.key.to_str().unwrap());
    let run = fetch(&[&base[..], &["--cert", cert, "--key", key, url]].concat()).expect(0);
    assert_eq!(run.out(), "from nginx\n");
    let both = pki.dir.path().join("both.pem");
    let joined = [std::fs::read(cert).unwrap(), std::fs::read(key).unwrap()].concat();
    std::fs::write(&both, joined).unwrap();
    let both = both.to_str().unwrap();
    let with_password = format!("{both}:unused");
    fetch(
        &[
            &base[..],
            &["-E", &with_password, "--cert-type", "pem", url],
        ]
        .concat(),
    )
    .expect(0);
    let run = fetch(&[&base[..], &[url]].concat()).expect(0);
    assert!(run.out().contains("400"), "{}", run.out());
    let refused = |extra: &[&str]| {
        let run = fetch(&[&base[..], extra, &[url]].concat()).expect(58);
        assert!(run.stderr.starts_with("sockit: (58)"), "{}", run.stderr);
        run.stderr
    };
    refused(&["--cert", "/nonexistent/c.pem"]);
    refused(&["--cert", cert, "--key", key, "--cert-type", "P12"]);
    refused(&["--cert", cert, "--key", other.key.to_str().unwrap()]);
    let encrypted = pki.dir.path().join("encrypted.key");
    std::fs::write(
        &encrypted,
        "-----BEGIN ENCRYPTED PRIVATE KEY-----\nMIIB\n-----END ENCRYPTED PRIVATE KEY-----\n",
    )
    .unwrap();
    let said = refused(&["--cert", cert, "--key", encrypted.to_str().unwrap()]);
    assert!(said.contains("encrypted"), "{said}");
    if crate::support::require_tool("openssl") {
        let locked = pki.encrypted_key(&client, "s3cret");
        let locked = locked.to_str().unwrap();
        let opened = |extra: &[&str]| fetch(&[&base[..], extra, &[url]].concat()).expect(0);
        let run = opened(&["--cert", cert, "--key", locked, "--pass", "s3cret"]);
        assert_eq!(run.out(), "from nginx\n");
        opened(&["--cert", &format!("{cert}:s3cret"), "--key", locked]);
        let said = refused(&["--cert", cert, "--key", locked, "--pass", "wrong"]);
        assert!(said.contains("wrong passphrase"), "{said}");
        let said = refused(&["--cert", cert, "--key", locked]);
        assert!(said.contains("--pass"), "{said}");
    }
    let dir = tempfile::tempdir().unwrap();
    fetch_in(
        dir.path(),
        &["--cert", "missing.pem", "http://127.0.0.1:1/"],
    )
    .expect(7);
}

/// --haproxy-protocol against nginx listening with `proxy_protocol`: nginx reads the client's
/// address and port from the PROXY line (the port is the one `-w %{local_port}` names);
/// without the flag nginx refuses the request.
#[test]
fn haproxy_protocol_line_is_what_nginx_reads() {
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let servers = format!(
        "server {{ listen unix:{{d}}/ready.sock; return 204; }}\n\
         server {{ listen 127.0.0.1:{port} proxy_protocol;\n\
         location / {{ return 200 \"$proxy_protocol_addr $proxy_protocol_port\\n\"; }} }}"
    );
    let Some(_nginx) = Nginx::start(&servers, "ready.sock") else {
        return;
    };
    let url = format!("http://127.0.0.1:{port}/");
    let run = fetch(&["--haproxy-protocol", "-w", "%{local_port}", &url]).expect(0);
    let (told, local_port) = run
        .out()
        .split_once('\n')
        .map(|(a, b)| (a.to_owned(), b.to_owned()))
        .unwrap();
    assert_eq!(told, format!("127.0.0.1 {local_port}"));
    let run = fetch(&["-sS", &url]);
    assert_ne!(run.code, 0, "nginx wants the PROXY line: {}", run.out());
}
