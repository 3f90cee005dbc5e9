//! SOCKS proxies (issue 19) through real microsocks and danted: who resolves the name
//! (`socks5` here, `socks5h` the proxy), `ALL_PROXY` as curl reads it, RFC 1929 credentials,
//! https through the proxy, and a connection through it kept for the next URL.

use crate::support::fetch_run::{Run, Running};
use crate::support::http_server::{ok, reply, End, Server};
use crate::support::socks::SocksProxy;

/// The name a SOCKS test asks for: under `.test`, so only `--resolve` knows it.
const NAME: &str = "sockit-socks.test";

fn fetch_env(env: &[(&str, &str)], args: &[&str]) -> Run {
    let dir = tempfile::tempdir().unwrap();
    Running::start_with_env(dir.path(), args, env).finish()
}

/// socks5:// resolves here (so --resolve applies), socks5h:// sends the name to the proxy
/// (which cannot resolve it: curl's 97); ALL_PROXY and all_proxy are read for both schemes.
#[test]
fn who_resolves_the_name() {
    let Some(proxy) = SocksProxy::microsocks(None) else {
        return;
    };
    let server = Server::plain(|_, s| reply(s, &ok(b"through socks")));
    let port = server.addr.port();
    let url = format!("http://{NAME}:{port}/n");
    let resolve = format!("{NAME}:{port}:127.0.0.1");
    let local = format!("socks5://{}", proxy.addr);
    let run = fetch_env(&[], &["-x", &local, "--resolve", &resolve, &url]).expect(0);
    assert_eq!(run.out(), "through socks");
    assert_eq!(
        server.requests()[0].header("host"),
        Some(format!("{NAME}:{port}").as_str())
    );
    let remote = format!("socks5h://{}", proxy.addr);
    let run = fetch_env(&[], &["-x", &remote, "--resolve", &resolve, &url]).expect(97);
    assert!(run.stderr.contains("SOCKS5"), "{}", run.stderr);
    for var in ["ALL_PROXY", "all_proxy"] {
        fetch_env(&[(var, &local)], &["--resolve", &resolve, &url]).expect(0);
    }
    fetch_env(&[("ALL_PROXY", &remote)], &["--resolve", &resolve, &url]).expect(97);
}

/// RFC 1929: the proxy URL's or -U's credentials are sent, wrong ones are curl's 97, and
/// https goes through the proxy with TLS to the origin on top.
#[test]
fn credentials_and_https_through_socks5() {
    let Some(proxy) = SocksProxy::microsocks(Some(("me", "s3cret"))) else {
        return;
    };
    let server = Server::tls(|_, s| reply(s, &ok(b"secure via socks")));
    let cacert = server.cert_pem().to_str().unwrap().to_string();
    let url = server.url_localhost("/s");
    let with_user = format!("socks5h://me:s3cret@{}", proxy.addr);
    let run = fetch_env(&[], &["--cacert", &cacert, "-x", &with_user, &url]).expect(0);
    assert_eq!(run.out(), "secure via socks");
    assert_eq!(server.requests()[0].sni.as_deref(), Some("localhost"));
    let bare = format!("socks5://{}", proxy.addr);
    let flags = ["--cacert", &cacert, "-x", &bare];
    fetch_env(&[], &[&flags[..], &["-U", "me:s3cret", &url]].concat()).expect(0);
    fetch_env(&[], &[&flags[..], &["-U", "me:wrong", &url]].concat()).expect(97);
    fetch_env(&[], &[&flags[..], &[&url]].concat()).expect(97);
}

/// SOCKS4 through danted, by --socks4 and by socks4:// in -x.
#[test]
fn socks4_through_dante() {
    let Some(proxy) = SocksProxy::dante() else {
        return;
    };
    let server = Server::plain(|_, s| reply(s, &ok(b"socks4")));
    let addr = proxy.addr.to_string();
    let run = fetch_env(&[], &["--socks4", &addr, &server.url("/4")]).expect(0);
    assert_eq!(run.out(), "socks4");
    let url = format!("socks4://{addr}");
    fetch_env(&[], &["-x", &url, &server.url_localhost("/4")]).expect(0);
}

/// Two URLs of one run through the same SOCKS proxy share one connection, as direct ones do:
/// the second reports no new connect and arrives from the same proxy-side address.
#[test]
fn connections_through_a_proxy_are_kept_alive() {
    let Some(proxy) = SocksProxy::microsocks(None) else {
        return;
    };
    let server = Server::plain(|_, s| {
        reply(s, &ok(b"k"));
        End::Next
    });
    let via = format!("socks5://{}", proxy.addr);
    let (one, two) = (server.url("/1"), server.url("/2"));
    let run = fetch_env(&[], &["-x", &via, "-w", "%{num_connects} ", &one, &two]).expect(0);
    assert_eq!(run.out(), "k1 k0 ");
    let seen = server.requests();
    assert_eq!(seen.len(), 2);
    assert_eq!(seen[0].peer, seen[1].peer, "one connection for both");
}
