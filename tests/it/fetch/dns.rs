//! `--dns-servers`, `--dns-ipv4-addr`, `--dns-ipv6-addr`, `--dns-interface`: names resolved
//! by a DNS server on loopback instead of the system's; `--doh-url`, `--doh-insecure`,
//! `--doh-cert-status`: names resolved by unbound's DNS-over-HTTPS on loopback, compared with
//! curl where it is installed (with the `dns` feature); or the flags refused with exit 2
//! (without it, as Debian's curl refuses the `--dns-*` ones).

use crate::support::fetch_run::fetch;
#[cfg(feature = "dns")]
use crate::support::{
    dns::Dns,
    http_server::{ok, reply, Server},
    require, unbound,
    unbound::Unbound,
};
#[cfg(feature = "dns")]
use std::process::Command;

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

/// `--dns-interface lo` sends the queries from the loopback device, which reaches the DNS
/// server on loopback.
#[cfg(feature = "dns")]
#[test]
fn dns_interface_lo_reaches_the_loopback_server() {
    let server = Server::plain(|_, stream| reply(stream, &ok(b"via lo")));
    let dns = Dns::start(&[("lo.test", "127.0.0.1".parse().unwrap())]);
    let url = format!("http://lo.test:{}/", port(&server));
    let args = [
        "-sS",
        "--dns-servers",
        &dns.server(),
        "--dns-interface",
        "lo",
    ];
    let run = fetch(&[&args[..], &[url.as_str()]].concat()).expect(0);
    assert_eq!(run.out(), "via lo");
    assert!(!dns.queried_from().is_empty());
}

/// An interface that does not exist: no query leaves at all (where curl's c-ares would send
/// it from another interface), and the name is not resolved, curl's 6.
#[cfg(feature = "dns")]
#[test]
fn an_unknown_dns_interface_resolves_nothing() {
    let dns = Dns::start(&[("lo.test", "127.0.0.1".parse().unwrap())]);
    let args = [
        "-sS",
        "--dns-servers",
        &dns.server(),
        "--dns-interface",
        "nosuch0",
    ];
    let run = fetch(&[&args[..], &["http://lo.test:9/"]].concat()).expect(6);
    assert!(run.stderr.contains("lo.test"), "{}", run.stderr);
    assert_eq!(dns.queried_from(), []);
}

/// `--dns-interface` without `--dns-servers` is refused: the system resolver cannot be told
/// which interface to send from, and the queries must not leave from another unasked.
#[cfg(feature = "dns")]
#[test]
fn dns_interface_needs_dns_servers() {
    let run = fetch(&["-sS", "--dns-interface", "lo", "http://127.0.0.1:9/"]).expect(2);
    assert!(
        run.stderr.contains("--dns-interface needs --dns-servers"),
        "{}",
        run.stderr
    );
}

/// unbound, or a skip (a failure under CI).
#[cfg(feature = "dns")]
fn unbound_with(names: &[(&str, &str)]) -> Option<Unbound> {
    let binary = unbound::find_unbound();
    require(binary.is_some(), "unbound").then(|| Unbound::start(&binary.unwrap(), names))
}

/// curl's exit code for `args`, where curl is installed.
#[cfg(feature = "dns")]
fn curl_code(args: &[&str]) -> Option<i32> {
    let out = Command::new("curl").args(args).output().ok()?;
    Some(out.status.code().unwrap())
}

/// A name only the DoH server knows reaches the HTTP server it points at: the queries go
/// over DNS-over-HTTPS, the DoH server trusted through `--cacert` as the URLs are; curl
/// agrees.
#[cfg(feature = "dns")]
#[test]
fn doh_url_resolves_through_the_doh_server() {
    let Some(doh) = unbound_with(&[("doh-only.test", "127.0.0.1")]) else {
        return;
    };
    let server = Server::plain(|_, stream| reply(stream, &ok(b"over doh")));
    let url = format!("http://doh-only.test:{}/", port(&server));
    let ca = doh.ca().to_str().unwrap();
    let args = ["-sS", "--doh-url", &doh.url(), "--cacert", ca, &url];
    let run = fetch(&args).expect(0);
    assert_eq!(run.out(), "over doh");
    if let Some(code) = curl_code(&args) {
        assert_eq!(code, 0, "curl");
    }
}

/// The DoH server's certificate is checked: signed by a CA nobody trusts, the name is not
/// resolved (curl's 6, not 60: curl reports a DoH failure as the name's); `--doh-insecure`
/// lifts that check for the DoH server alone, and `-k` does not.
#[cfg(feature = "dns")]
#[test]
fn doh_insecure_skips_only_the_doh_servers_check() {
    let Some(doh) = unbound_with(&[("doh-only.test", "127.0.0.1")]) else {
        return;
    };
    let server = Server::plain(|_, stream| reply(stream, &ok(b"insecure doh")));
    let url = format!("http://doh-only.test:{}/", port(&server));
    let doh_url = doh.url();
    for (flag, code) in [("-k", 6), ("--doh-insecure", 0)] {
        let args = ["-sS", "--doh-url", &doh_url, flag, &url];
        let run = fetch(&args).expect(code);
        if code == 0 {
            assert_eq!(run.out(), "insecure doh");
        } else {
            assert!(run.stderr.contains("doh-only.test"), "{}", run.stderr);
            assert!(run.stderr.contains("certificate"), "{}", run.stderr);
        }
        if let Some(curl) = curl_code(&args) {
            assert_eq!(curl, code, "curl {flag}");
        }
    }
}

/// A name the DoH server has no address for, and a DoH server that does not answer at all,
/// are curl's 6.
#[cfg(feature = "dns")]
#[test]
fn no_answer_from_doh_is_6() {
    let refusing = format!("https://{}/dns-query", crate::support::refusing());
    let run = fetch(&["-sS", "--doh-url", &refusing, "http://doh-only.test:9/"]).expect(6);
    assert!(run.stderr.contains("doh-only.test"), "{}", run.stderr);
    if let Some(code) = curl_code(&["-sS", "--doh-url", &refusing, "http://doh-only.test:9/"]) {
        assert_eq!(code, 6, "curl");
    }
    let Some(doh) = unbound_with(&[]) else {
        return;
    };
    let args = [
        "-sS",
        "--doh-url",
        &doh.url(),
        "--doh-insecure",
        "http://nowhere.test:9/",
    ];
    let run = fetch(&args).expect(6);
    assert!(run.stderr.contains("nowhere.test"), "{}", run.stderr);
    if let Some(code) = curl_code(&args) {
        assert_eq!(code, 6, "curl");
    }
}

/// `--doh-cert-status` asks the DoH server for an OCSP staple, as `--cert-status` does of the
/// URLs' servers: unbound staples none, so the name is not resolved (6, as curl).
#[cfg(feature = "dns")]
#[test]
fn doh_cert_status_needs_a_staple() {
    let Some(doh) = unbound_with(&[("doh-only.test", "127.0.0.1")]) else {
        return;
    };
    let ca = doh.ca().to_str().unwrap();
    let doh_url = doh.url();
    let args = [
        "-sS",
        "--doh-url",
        &doh_url,
        "--cacert",
        ca,
        "--doh-cert-status",
    ];
    let args = [&args[..], &["http://doh-only.test:9/"]].concat();
    let run = fetch(&args).expect(6);
    assert!(run.stderr.contains("certificate status"), "{}", run.stderr);
    if let Some(code) = curl_code(&args) {
        assert_eq!(code, 6, "curl");
    }
}

/// A DoH server speaking HTTP/1.1 that knows `doh-only.test` (127.0.0.1) and records every
/// query.
#[cfg(feature = "dns")]
fn recording_doh() -> Server {
    Server::tls(|req, stream| {
        let names = [("doh-only.test", "127.0.0.1".parse().unwrap())];
        let answer = crate::support::dns::reply_to(&req.body, &names).unwrap_or_default();
        let mut out = format!(
            "HTTP/1.1 200 OK\r\nContent-Type: application/dns-message\r\nContent-Length: {}\r\n\r\n",
            answer.len()
        )
        .into_bytes();
        out.extend_from_slice(&answer);
        reply(stream, &out)
    })
}

/// A name's DoH answer is kept for the run, per name and port, as curl's DNS cache keeps
/// it: a second connection to the same host and port (the web server closes each one) asks
/// the DoH server nothing, another port asks again; curl asks as often.
#[cfg(feature = "dns")]
#[test]
fn doh_answers_are_kept_for_the_run() {
    let web = Server::plain(|_, stream| reply(stream, &ok(b"kept")));
    let other = Server::plain(|_, stream| reply(stream, &ok(b"kept")));
    let doh = recording_doh();
    let url = format!("http://doh-only.test:{}/", port(&web));
    let second = format!("http://doh-only.test:{}/", port(&other));
    let doh_url = doh.url("/dns-query");
    let cacert = doh.cert_pem().to_str().unwrap();
    let args = [
        "-sS",
        "--doh-url",
        &doh_url,
        "--cacert",
        cacert,
        &url,
        &url,
        &second,
    ];
    assert_eq!(fetch(&args).expect(0).out(), "keptkeptkept");
    assert_eq!(web.requests().len(), 2, "two connections to the first port");
    let ours = doh.requests().len();
    assert_eq!(ours, 4, "A and AAAA for each of the two ports");
    if !crate::support::require_tool("curl") {
        return;
    }
    assert_eq!(curl_code(&args), Some(0));
    assert_eq!(doh.requests().len() - ours, ours, "curl asks as often");
}

/// The DoH requests are curl's, read off a DoH server that speaks HTTP/1.1 (unbound speaks
/// only HTTP/2, whose bytes are compressed): the same method, target, headers (names, case
/// and order) and DNS query bytes, one request for A and one for AAAA (for A alone with -4).
#[cfg(feature = "dns")]
#[test]
fn doh_requests_are_curls() {
    let web = Server::plain(|_, stream| reply(stream, &ok(b"same")));
    let doh = recording_doh();
    let url = format!("http://doh-only.test:{}/", port(&web));
    let doh_url = doh.url("/dns-query");
    let cacert = doh.cert_pem().to_str().unwrap();
    let shape = |reqs: &mut Vec<crate::support::http_server::Req>| -> Vec<_> {
        // curl's two connections answer in either order.
        reqs.sort_by(|a, b| a.body.cmp(&b.body));
        reqs.iter()
            .map(|r| {
                (
                    r.method.clone(),
                    r.target.clone(),
                    r.headers.clone(),
                    r.body.clone(),
                )
            })
            .collect()
    };
    // -4 asks for A alone, as curl does.
    for (family, queries) in [("-sS", 2), ("-4", 1)] {
        let args = [
            "-sS",
            family,
            "--doh-url",
            &doh_url,
            "--cacert",
            cacert,
            &url,
        ];
        let before = doh.requests().len();
        assert_eq!(fetch(&args).expect(0).out(), "same");
        let mut ours = doh.requests().split_off(before);
        assert_eq!(ours.len(), queries, "{family}");
        if !crate::support::require_tool("curl") {
            return;
        }
        assert_eq!(curl_code(&args), Some(0), "curl {family}");
        let mut theirs = doh.requests().split_off(before + queries);
        assert_eq!(shape(&mut ours), shape(&mut theirs), "{family}");
    }
}

/// Without the `dns` feature each resolver flag is refused in one line, exit 2.
#[cfg(not(feature = "dns"))]
#[test]
fn dns_flags_need_the_dns_feature() {
    for args in [
        &["--dns-servers", "127.0.0.1"][..],
        &["--dns-ipv4-addr", "127.0.0.1"],
        &["--dns-ipv6-addr", "::1"],
        &["--dns-interface", "lo"],
        &["--doh-url", "https://127.0.0.1/dns-query"],
        &["--doh-insecure"],
        &["--doh-cert-status"],
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
