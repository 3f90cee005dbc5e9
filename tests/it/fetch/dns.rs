//! `--dns-servers`, `--dns-ipv4-addr`, `--dns-ipv6-addr`: names resolved by a DNS server on
//! loopback instead of the system's (with the `dns` feature), or the flags refused with exit 2
//! (without it, as Debian's curl refuses them).

use crate::support::fetch_run::fetch;
#[cfg(feature = "dns")]
use crate::support::{
    dns::Dns,
    http_server::{ok, reply, Server},
};

/// The port `server` listens on.
#[cfg(feature = "dns")]
fn port(server: &Server) -> String {
    server.url("").rsplit_once(':').unwrap().1.to_owned()
}

/// A name only the DNS server knows reaches the HTTP server it points at.
#[cfg(feature = "dns")]
#[test]
fn dns_servers_resolve_what_the_system_cannot() {
    let server = Server::plain(|_, stream| reply(stream, &ok(b"found")));
    let dns = Dns::start(&[("sockit-dns.test", "127.0.0.1".parse().unwrap())]);
    let url = format!("http://sockit-dns.test:{}/", port(&server));
    let run = fetch(&["-sS", "--dns-servers", &dns.server(), &url]).expect(0);
    assert_eq!(run.out(), "found");
    // The system resolver does not know the name: curl's 6.
    fetch(&["-sS", &url]).expect(6);
}

/// A name the server answers NXDOMAIN for is curl's 6, naming the host.
#[cfg(feature = "dns")]
#[test]
fn a_name_the_dns_server_denies_is_6() {
    let dns = Dns::start(&[]);
    let run = fetch(&[
        "-sS",
        "--dns-servers",
        &dns.server(),
        "http://nowhere.test:9/",
    ])
    .expect(6);
    assert!(run.stderr.contains("nowhere.test"), "{}", run.stderr);
    assert!(!dns.queried_from().is_empty());
}

/// `--dns-ipv4-addr` sends the queries from that local address.
#[cfg(feature = "dns")]
#[test]
fn dns_ipv4_addr_binds_the_queries() {
    let server = Server::plain(|_, stream| reply(stream, &ok(b"bound")));
    let dns = Dns::start(&[("bound.test", "127.0.0.1".parse().unwrap())]);
    let url = format!("http://bound.test:{}/", port(&server));
    let args = [
        "-sS",
        "--dns-servers",
        &dns.server(),
        "--dns-ipv4-addr",
        "127.0.0.2",
    ];
    let run = fetch(&[&args[..], &[url.as_str()]].concat()).expect(0);
    assert_eq!(run.out(), "bound");
    let from = dns.queried_from();
    assert!(!from.is_empty());
    assert!(
        from.iter().all(|a| a.ip().to_string() == "127.0.0.2"),
        "{from:?}"
    );
}

/// Without the `dns` feature each resolver flag is refused in one line, exit 2.
#[cfg(not(feature = "dns"))]
#[test]
fn dns_flags_need_the_dns_feature() {
    for args in [
        &["--dns-servers", "127.0.0.1"][..],
        &["--dns-ipv4-addr", "127.0.0.1"],
        &["--dns-ipv6-addr", "::1"],
    ] {
        let run = fetch(&[args, &["-sS", "http://127.0.0.1:9/"]].concat()).expect(2);
        assert_eq!(
            run.stderr,
            format!(
                "sockit: (2) {} needs sockit built with the `dns` feature (cargo build --features \
                 dns)\n",
                args[0]
            )
        );
    }
}
