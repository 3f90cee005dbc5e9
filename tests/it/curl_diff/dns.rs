//! Lines for the resolver flags (issue 26) in the default build, which lacks the `dns`
//! feature: `--dns-servers`, `--dns-ipv4-addr`, `--dns-ipv6-addr` and `--dns-interface` are
//! refused (2) before any request, as Debian's curl 7.88, built without c-ares, refuses them.
//! With the feature sockit resolves through the servers given, where this curl cannot follow
//! (fetch/dns.rs). The DoH flags have no line here: this curl has DoH built in, and a build
//! without the feature refuses them (2) where curl resolves (intended: DoH needs the
//! feature's resolver); fetch/dns.rs compares them with curl in the `dns` build, against
//! unbound.

use super::{check, line, Line};

/// Without the `dns` feature the resolver flags end as this curl ends them.
#[test]
fn resolver_flags_are_refused_as_curl_refuses_them() {
    check(table());
}

fn table() -> Vec<Line> {
    vec![
        line(&["-s", "--dns-servers", "127.0.0.1", "{u}/hello"]),
        line(&["-s", "--dns-servers", "127.0.0.1:5353,::1", "{u}/hello"]),
        line(&["-s", "--dns-ipv4-addr", "127.0.0.1", "{u}/hello"]),
        line(&["-s", "--dns-ipv6-addr", "::1", "{u}/hello"]),
        line(&["-s", "--dns-interface", "lo", "{u}/hello"]),
    ]
}
