//! Proxies (issue 10) through a real tinyproxy started by the test: absolute-form http,
//! CONNECT for https, -U, the environment as curl reads it, --noproxy, and the exit codes
//! for a proxy that is unreachable (7) or refuses the tunnel (56).
//!
//! tinyproxy is a Debian package that .ci/run installs; without it (outside CI) the tests
//! say they are skipped.

use crate::support::fetch_run::{fetch, Run, Running};
use crate::support::http_server::{ok, reply, End, Server};
use crate::support::tinyproxy::{wait_until_listening, TinyProxy};
use crate::support::ChildGuard;
use std::net::TcpListener;
use std::process::Command;

/// Runs `sockit fetch ARGS` with `env` set (proxy variables are cleared otherwise).
fn fetch_env(env: &[(&str, &str)], args: &[&str]) -> Run {
    let dir = tempfile::tempdir().unwrap();
    Running::start_with_env(dir.path(), args, env).finish()
}

/// Plain http goes through -x as an absolute-form request (tinyproxy adds its Via), with
/// -U's credentials; https goes through a CONNECT tunnel to the real server.
#[test]
fn http_and_https_through_the_proxy() {
    let Some(proxy) = TinyProxy::start("BasicAuth me secret") else {
        return;
    };
    let plain = Server::plain(|_, s| reply(s, &ok(b"via proxy")));
    let flags = ["-x", &proxy.addr(), "-U", "me:secret"];
    let run = fetch(&[&flags[..], &[&plain.url("/p")]].concat()).expect(0);
    assert_eq!(run.out(), "via proxy");
    let seen = &plain.requests()[0];
    assert!(
        seen.header("via").is_some_and(|v| v.contains("tinyproxy")),
        "{seen:?}"
    );
    assert_eq!(
        seen.header("proxy-authorization"),
        None,
        "the proxy keeps its credentials"
    );
    let secure = Server::tls(|_, s| reply(s, &ok(b"tunnelled")));
    let cacert = secure.cert_pem().to_str().unwrap().to_string();
    let url = secure.url_localhost("/s");
    let run = fetch(&[&flags[..], &["--cacert", &cacert, &url]].concat()).expect(0);
    assert_eq!(run.out(), "tunnelled");
    let run = fetch(&["-x", &proxy.addr(), &plain.url("/p")]).expect(0);
    assert!(
        run.out().contains("407"),
        "without -U the proxy asks for credentials"
    );
}

/// The environment as curl reads it: http_proxy (lower case only), HTTPS_PROXY, and
/// NO_PROXY / --noproxy to go direct; -x "" turns the environment off.
#[test]
fn environment_and_noproxy() {
    let Some(proxy) = TinyProxy::start("") else {
        return;
    };
    let server = Server::plain(|_, s| reply(s, &ok(b"hi")));
    let url = server.url("/");
    let via = |server: &Server, i: usize| server.requests()[i].header("via").is_some();
    let proxied = format!("http://{}", proxy.addr());
    fetch_env(&[("http_proxy", &proxied)], &[&url]).expect(0);
    assert!(via(&server, 0), "http_proxy is used");
    fetch_env(&[("HTTP_PROXY", &proxied)], &[&url]).expect(0);
    assert!(!via(&server, 1), "HTTP_PROXY is ignored, as curl does");
    fetch_env(
        &[("http_proxy", &proxied), ("NO_PROXY", "127.0.0.1")],
        &[&url],
    )
    .expect(0);
    assert!(!via(&server, 2), "NO_PROXY goes direct");
    fetch_env(&[("http_proxy", &proxied)], &["--noproxy", "*", &url]).expect(0);
    assert!(!via(&server, 3), "--noproxy goes direct");
    fetch_env(&[("http_proxy", &proxied)], &["-x", "", &url]).expect(0);
    assert!(!via(&server, 4), "-x \"\" turns proxies off");
    let secure = Server::tls(|_, s| reply(s, &ok(b"s")));
    let cacert = secure.cert_pem().to_str().unwrap().to_string();
    let env = [("HTTPS_PROXY", proxied.as_str())];
    fetch_env(&env, &["--cacert", &cacert, &secure.url_localhost("/")]).expect(0);
}

/// A proxy that is not listening is a connect failure (7); one that refuses CONNECT is
/// curl's 56, with its status in words.
#[test]
fn unreachable_and_refusing_proxies() {
    let closed = TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap();
    let run = fetch(&["-x", &closed.to_string(), "http://127.0.0.1:9/"]).expect(7);
    assert!(
        run.stderr.contains(&closed.port().to_string()),
        "{}",
        run.stderr
    );
    let Some(proxy) = TinyProxy::start("ConnectPort 1") else {
        return;
    };
    let secure = Server::tls(|_, s| reply(s, &ok(b"never")));
    let run = fetch(&["-k", "-x", &proxy.addr(), &secure.url("/")]).expect(56);
    assert!(run.stderr.contains("refused the tunnel"), "{}", run.stderr);
    assert!(run.stderr.contains("403"), "{}", run.stderr);
    assert!(secure.requests().is_empty());
}

/// Issue 17: NO_PROXY as curl 7.88 reads it: a trailing dot on the entry or on the URL's
/// host, and CIDR ranges (IPv4 and IPv6), send the request direct; each went through the
/// proxy before. The "proxy" is an in-test server that answers everything it gets.
#[test]
fn noproxy_reads_trailing_dots_and_cidr_ranges_as_curl() {
    let origin = Server::plain(|_, s| reply(s, &ok(b"direct")));
    let proxy = Server::plain(|_, s| reply(s, &ok(b"proxied")));
    let proxied = proxy.url("");
    let direct = [
        ("127.0.0.0/8", origin.url("/")),
        ("10.0.0.0/8, 127.0.0.1/32", origin.url("/")),
        ("localhost.", origin.url_localhost("/")),
    ];
    for (no_proxy, url) in direct {
        let env = [("http_proxy", proxied.as_str()), ("NO_PROXY", no_proxy)];
        let run = fetch_env(&env, &["-sS", &url]).expect(0);
        assert_eq!(run.out(), "direct", "NO_PROXY={no_proxy}");
    }
    // `localhost.` does not resolve (nor does it for curl): what matters is that the
    // proxy is not asked.
    let dotted = origin.url_localhost("/").replace("localhost", "localhost.");
    let env = [("http_proxy", proxied.as_str()), ("NO_PROXY", "localhost")];
    fetch_env(&env, &["-sS", &dotted]).expect(6);
    let env = [("http_proxy", proxied.as_str()), ("NO_PROXY", "::1/128")];
    fetch_env(&env, &["-sS", &format!("http://[::1]:{}/", free_port())]).expect(7);
    assert!(proxy.requests().is_empty(), "{:?}", proxy.requests());
}

/// A loopback port nothing listens on.
fn free_port() -> u16 {
    TcpListener::bind("[::1]:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

/// Through a CONNECT tunnel, TLS with the origin offers ALPN h2 inside it, as curl does: a
/// real nginx behind tinyproxy answers over HTTP/2.
#[test]
fn http2_inside_a_connect_tunnel() {
    let Some(nginx_bin) = crate::support::nginx::find_nginx() else {
        crate::support::require(false, "nginx");
        return;
    };
    let Some(proxy) = TinyProxy::start("") else {
        return;
    };
    use crate::support::nginx::{Nginx, Port};
    let nginx = Nginx::start(&nginx_bin, &[("f.txt", b"over h2\n")]);
    let url = nginx.url(Port::H2, "/f.txt");
    let ca = nginx.cacert();
    let args = ["-sS", "-x", &proxy.addr(), "--cacert", &ca];
    let run = fetch(&[&args[..], &["-w", "%{http_version}", &url]].concat()).expect(0);
    assert_eq!(run.out(), "over h2\n2");
}

/// stunnel in front of tinyproxy: an `https://` proxy, stopped when dropped.
struct TlsProxy {
    port: u16,
    _stunnel: ChildGuard,
    _inner: TinyProxy,
    _dir: tempfile::TempDir,
}

impl TlsProxy {
    /// tinyproxy behind stunnel presenting `pair` (for localhost); None when either is not
    /// installed (a failure under CI=true).
    fn start(pair: &crate::support::pki::Pair) -> Option<TlsProxy> {
        Self::start_with(pair, "")
    }

    /// As [`TlsProxy::start`], with `extra` lines in stunnel's service section.
    fn start_with(pair: &crate::support::pki::Pair, extra: &str) -> Option<TlsProxy> {
        if !crate::support::require_all(&[
            (crate::support::on_path("stunnel4"), "stunnel4"),
            (crate::support::on_path("tinyproxy"), "tinyproxy"),
        ]) {
            return None;
        }
        let inner = TinyProxy::start("")?;
        for _ in 0..5 {
            let port = crate::support::free_port();
            let dir = tempfile::tempdir().unwrap();
            let conf = dir.path().join("stunnel.conf");
            std::fs::write(
                &conf,
                format!(
                    "foreground = yes\npid =\n[proxy]\naccept = 127.0.0.1:{port}\n\
                     connect = 127.0.0.1:{}\ncert = {}\nkey = {}\n{extra}\n",
                    inner.port,
                    pair.cert.display(),
                    pair.key.display()
                ),
            )
            .unwrap();
            let mut cmd = Command::new("stunnel4");
            cmd.arg(&conf);
            let mut child = ChildGuard::spawn(cmd);
            if wait_until_listening(port, &mut child) {
                return Some(TlsProxy {
                    port,
                    _stunnel: child,
                    _inner: inner,
                    _dir: dir,
                });
            }
        }
        panic!("stunnel did not start");
    }
}

/// `-x https://PROXY`: TLS to the proxy, verified with --proxy-cacert (or not, with
/// --proxy-insecure), then absolute-form http or a CONNECT tunnel with TLS to the origin
/// inside; an untrusted proxy is curl's 60.
#[test]
fn https_proxy_through_stunnel() {
    let pki = crate::support::pki::Pki::new("proxy-ca");
    let pair = pki.server("proxy", crate::support::pki::Key::EcdsaP256);
    let Some(proxy) = TlsProxy::start(&pair) else {
        return;
    };
    let url = format!("https://localhost:{}", proxy.port);
    let ca = pki.ca.to_str().unwrap();
    let plain = Server::plain(|_, s| reply(s, &ok(b"plain via tls proxy")));
    let run = fetch(&["-x", &url, "--proxy-cacert", ca, &plain.url("/p")]).expect(0);
    assert_eq!(run.out(), "plain via tls proxy");
    assert!(plain.requests()[0].header("via").is_some(), "absolute form");
    let secure = Server::tls(|_, s| reply(s, &ok(b"tls in tls")));
    let cacert = secure.cert_pem().to_str().unwrap();
    let run = fetch(&[
        "-x",
        &url,
        "--proxy-cacert",
        ca,
        "--cacert",
        cacert,
        &secure.url_localhost("/s"),
    ])
    .expect(0);
    assert_eq!(run.out(), "tls in tls");
    fetch(&["-x", &url, "--proxy-insecure", &plain.url("/p")]).expect(0);
    fetch(&["-x", &url, &plain.url("/p")]).expect(60);
}

/// `-p`: plain http through a CONNECT tunnel too (no Via from tinyproxy), and connections
/// through the proxy kept for the next URL as direct ones are.
#[test]
fn proxytunnel_and_kept_tunnels() {
    let Some(proxy) = TinyProxy::start("") else {
        return;
    };
    let plain = Server::plain(|_, s| {
        reply(s, &ok(b"t"));
        End::Next
    });
    let (one, two) = (plain.url("/1"), plain.url("/2"));
    let flags = ["-p", "-x", &proxy.addr(), "-w", "%{num_connects} "];
    let run = fetch(&[&flags[..], &[&one, &two]].concat()).expect(0);
    assert_eq!(run.out(), "t1 t0 ");
    let seen = plain.requests();
    assert!(seen.iter().all(|r| r.header("via").is_none()), "{seen:?}");
    assert_eq!(seen[0].peer, seen[1].peer, "one tunnel for both");
}

/// `head`, then `extra`, then `tail`: one command line.
fn joined(head: &[&str], extra: &[&str], tail: &str) -> Vec<String> {
    let all = head.iter().chain(extra).chain([&tail]);
    all.map(|arg| arg.to_string()).collect()
}

/// Runs `sockit fetch ARGS`.
fn fetch_line(args: &[String]) -> Run {
    fetch(&args.iter().map(String::as_str).collect::<Vec<_>>())
}

/// Runs `curl -q -s ARGS` (no .curlrc, bounded by -m 30, without the environment's proxy
/// and CA variables) and returns its exit code and stdout.
fn curl(args: &[String]) -> (i32, Vec<u8>) {
    let mut cmd = Command::new("curl");
    cmd.args(["-q", "-s", "-m", "30"]).args(args);
    for var in crate::support::PROXY_VARS
        .iter()
        .chain(&crate::support::TLS_VARS)
    {
        cmd.env_remove(var);
    }
    let out = cmd.output().expect("curl runs");
    (out.status.code().unwrap_or(-1), out.stdout)
}

/// Runs ARGS with sockit, which must exit with `code`, and, where curl is installed, with
/// curl, which must exit the same and print the same: the differential line of an option
/// that needs an https:// proxy.
#[track_caller]
fn as_curl(args: &[String], code: i32) -> Run {
    let run = fetch_line(args).expect(code);
    if crate::support::require_tool("curl") {
        let (theirs, out) = curl(args);
        assert_eq!((theirs, out), (code, run.stdout.clone()), "curl {args:?}");
    }
    run
}

/// The --proxy-* TLS twins against stunnel's https:// proxy, each exiting as curl 7.88
/// does: trust by --proxy-capath (or the origin's --capath, which curl passes on),
/// --proxy-crlfile (60 revoked; --crlfile counts too), --proxy-ciphers and
/// --proxy-tls13-ciphers (59 when none is known), --proxy-tlsv1; --proxy-pinnedpubkey (90).
#[test]
fn https_proxy_tls_options() {
    use crate::support::pki::{Key, Pki};
    if !crate::support::require_tool("openssl") {
        return;
    }
    let pki = Pki::new("proxy-tls-ca");
    let pair = pki.server("proxy", Key::EcdsaP256);
    let Some(proxy) = TlsProxy::start(&pair) else {
        return;
    };
    let plain = Server::plain(|_, s| reply(s, &ok(b"via the proxy")));
    let proxy_url = format!("https://localhost:{}", proxy.port);
    let target = plain.url("/p");
    let ca = pki.ca.to_str().unwrap();
    let dir = tempfile::tempdir().unwrap();
    // The CA under OpenSSL's hashed name, as curl's --capath needs it.
    std::fs::copy(&pki.ca, dir.path().join("ca.pem")).unwrap();
    let rehashed = Command::new("openssl")
        .arg("rehash")
        .arg(dir.path())
        .status();
    assert!(rehashed.is_ok_and(|s| s.success()), "openssl rehash");
    let capath = dir.path().to_str().unwrap();
    let revoking = pki.crl("revoking", &[&pair]);
    let sparing = pki.crl("sparing", &[]);
    let (revoking, sparing) = (revoking.to_str().unwrap(), sparing.to_str().unwrap());
    let head = ["-x", proxy_url.as_str()];
    let line = |extra: &[&str]| joined(&head, extra, &target);
    let run = as_curl(&line(&["--proxy-capath", capath]), 0);
    assert_eq!(run.out(), "via the proxy");
    as_curl(&line(&["--capath", capath]), 0);
    as_curl(&line(&["--cacert", ca]), 60);
    let trusted = ["--proxy-cacert", ca];
    as_curl(
        &line(&[&trusted[..], &["--proxy-crlfile", sparing]].concat()),
        0,
    );
    as_curl(
        &line(&[&trusted[..], &["--proxy-crlfile", revoking]].concat()),
        60,
    );
    as_curl(
        &line(&[&trusted[..], &["--crlfile", revoking]].concat()),
        60,
    );
    as_curl(
        &line(&[&trusted[..], &["--proxy-crlfile", ca]].concat()),
        82,
    );
    as_curl(&line(&[&trusted[..], &["--proxy-tlsv1"]].concat()), 0);
    let suite = ["--proxy-tls13-ciphers", "TLS_AES_128_GCM_SHA256"];
    as_curl(&line(&[&trusted[..], &suite].concat()), 0);
    as_curl(
        &line(&[&trusted[..], &["--proxy-tls13-ciphers", "bogus"]].concat()),
        59,
    );
    as_curl(
        &line(&[&trusted[..], &["--proxy-ciphers", "bogus"]].concat()),
        59,
    );
    // curl 7.88 never checks --proxy-pinnedpubkey (its tool does not pass it to libcurl), so
    // these are sockit's alone: the pin is enforced, as curl's manual says.
    let pem = std::fs::read(&pair.cert).unwrap();
    let (_, pem) = x509_parser::pem::parse_x509_pem(&pem).unwrap();
    let spki = pem
        .parse_x509()
        .unwrap()
        .tbs_certificate
        .subject_pki
        .raw
        .to_vec();
    use base64::Engine;
    let hash = ring::digest::digest(&ring::digest::SHA256, &spki);
    let pin = format!(
        "sha256//{}",
        base64::engine::general_purpose::STANDARD.encode(hash)
    );
    let pinned = |pin: &str| {
        fetch_line(&line(
            &[&trusted[..], &["--proxy-pinnedpubkey", pin]].concat(),
        ))
    };
    assert_eq!(pinned(&pin).expect(0).out(), "via the proxy");
    let run = pinned("sha256//AAAA").expect(90);
    assert!(run.stderr.contains("pinned"), "{}", run.stderr);
    fetch_line(&line(&[
        "--proxy-insecure",
        "--proxy-pinnedpubkey",
        "sha256//AAAA",
    ]))
    .expect(90);
}

/// An https:// proxy that requires a client certificate (stunnel's requireCert): the one
/// --proxy-cert/--proxy-key present, an encrypted key opened with --proxy-pass, and curl's
/// 58 for a wrong passphrase or a type other than PEM; none presented is a failed handshake.
#[test]
fn https_proxy_client_certificates() {
    use crate::support::pki::{Key, Pki};
    if !crate::support::require_tool("openssl") {
        return;
    }
    let pki = Pki::new("proxy-mtls-ca");
    let pair = pki.server("proxy", Key::EcdsaP256);
    let verify = format!(
        "verifyChain = yes\nrequireCert = yes\nCAfile = {}",
        pki.ca.display()
    );
    let Some(proxy) = TlsProxy::start_with(&pair, &verify) else {
        return;
    };
    let plain = Server::plain(|_, s| reply(s, &ok(b"client known")));
    let proxy_url = format!("https://localhost:{}", proxy.port);
    let target = plain.url("/c");
    let client = pki.client("proxy-client");
    let (cert, key) = (client.cert.to_str().unwrap(), client.key.to_str().unwrap());
    let locked = pki.encrypted_key(&client, "s3cret");
    let locked = locked.to_str().unwrap();
    let ca = pki.ca.to_str().unwrap();
    let head = ["-x", proxy_url.as_str(), "--proxy-cacert", ca];
    let line = |extra: &[&str]| joined(&head, extra, &target);
    let run = as_curl(&line(&["--proxy-cert", cert, "--proxy-key", key]), 0);
    assert_eq!(run.out(), "client known");
    let opened = [
        "--proxy-cert",
        cert,
        "--proxy-key",
        locked,
        "--proxy-pass",
        "s3cret",
    ];
    as_curl(&line(&opened), 0);
    as_curl(
        &line(&[
            "--proxy-cert",
            &format!("{cert}:s3cret"),
            "--proxy-key",
            locked,
        ]),
        0,
    );
    let wrong = [
        "--proxy-cert",
        cert,
        "--proxy-key",
        locked,
        "--proxy-pass",
        "bad",
    ];
    let run = as_curl(&line(&wrong), 58);
    assert!(run.stderr.contains("wrong passphrase"), "{}", run.stderr);
    let typed = [
        "--proxy-cert",
        cert,
        "--proxy-key",
        key,
        "--proxy-cert-type",
        "P12",
    ];
    fetch_line(&line(&typed)).expect(58);
    let typed = [
        "--proxy-cert",
        cert,
        "--proxy-key",
        key,
        "--proxy-key-type",
        "DER",
    ];
    fetch_line(&line(&typed)).expect(58);
    assert_ne!(fetch_line(&line(&[])).code, 0, "no client certificate");
}
