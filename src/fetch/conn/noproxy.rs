//! Owns the `NO_PROXY` / `--noproxy` list as curl 7.88 reads it: which hosts are reached
//! directly although a proxy is set.
//!
//! The list is split at commas and blanks. `*` alone means every host. A host name matches
//! an entry equal to it or a domain it is in (`example.com` and `.example.com` both cover
//! `www.example.com`, never `badexample.com`), case-insensitively, a trailing dot ignored on
//! either side (`localhost.`). An IP address matches only IP entries, optionally CIDR ranges
//! (`127.0.0.0/8`, `::1/128`, since curl 7.86); a range of more bits than the address has
//! matches nothing, and `/0` (or none) means the whole address.

use std::net::{Ipv4Addr, Ipv6Addr};
use url::Host;

/// Whether `host` is to be reached directly under the `NO_PROXY`-style `list`.
pub fn matches(list: &str, host: &Host<&str>) -> bool {
    if list == "*" {
        return true;
    }
    let mut entries = list
        .split([',', ' ', '\t'])
        .filter(|entry| !entry.is_empty());
    match host {
        Host::Domain(name) => {
            let name = name.strip_suffix('.').unwrap_or(name);
            entries.any(|entry| in_domain(name, entry))
        }
        Host::Ipv4(ip) => entries.any(|entry| in_range(ip.to_bits().into(), 32, entry, v4)),
        Host::Ipv6(ip) => entries.any(|entry| in_range(ip.to_bits(), 128, entry, v6)),
    }
}

/// `name` is `entry`, or in the domain `entry` (one leading and one trailing dot ignored).
fn in_domain(name: &str, entry: &str) -> bool {
    let entry = entry.strip_suffix('.').unwrap_or(entry);
    let entry = entry.strip_prefix('.').unwrap_or(entry);
    if entry.is_empty() || entry.len() > name.len() {
        return false;
    }
    let (rest, tail) = name.split_at(name.len() - entry.len());
    tail.eq_ignore_ascii_case(entry) && (rest.is_empty() || rest.ends_with('.'))
}

fn v4(text: &str) -> Option<u128> {
    text.parse::<Ipv4Addr>().ok().map(|ip| ip.to_bits().into())
}

fn v6(text: &str) -> Option<u128> {
    text.parse::<Ipv6Addr>().ok().map(Ipv6Addr::to_bits)
}

/// `address` (of `width` bits) is in the range `entry` (`ADDRESS[/BITS]`), read by `parse`.
fn in_range(address: u128, width: u32, entry: &str, parse: fn(&str) -> Option<u128>) -> bool {
    let (network, bits) = match entry.split_once('/') {
        Some((network, bits)) => (network, leading_number(bits)),
        None => (entry, 0),
    };
    let Some(network) = parse(network) else {
        return false;
    };
    let bits = match bits {
        0 => width,
        b if b > width => return false,
        b => b,
    };
    let ignored = width - bits;
    (address >> ignored) == (network >> ignored)
}

/// The number at the start of `text`, as C's `atoi` reads a prefix length: 0 when there is
/// none, and too large to be a prefix length (so matching nothing) when it overflows.
fn leading_number(text: &str) -> u32 {
    let digits = text.bytes().take_while(u8::is_ascii_digit).count();
    match text[..digits].parse() {
        Ok(n) => n,
        Err(_) if digits == 0 => 0,
        Err(_) => u32::MAX,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn direct(list: &str, host: &str) -> bool {
        let host = Host::parse(host).unwrap();
        matches(list, &crate::net::borrow_host(&host))
    }

    #[test]
    fn names_match_themselves_and_their_subdomains() {
        assert!(direct("example.com", "example.com"));
        assert!(direct("example.com", "www.EXAMPLE.com"));
        assert!(direct(".example.com", "www.example.com"));
        assert!(direct(".example.com", "example.com"));
        assert!(!direct("example.com", "badexample.com"));
        assert!(!direct("www.example.com", "example.com"));
        assert!(direct("a.test, example.com", "example.com"));
        assert!(direct("a.test example.com", "example.com"));
        assert!(direct("*", "anything.test"));
        assert!(!direct("", "anything.test"));
    }

    /// Issue 17: a trailing dot on either side is ignored, as curl 7.88 does.
    #[test]
    fn trailing_dots_are_ignored_on_both_sides() {
        assert!(direct("localhost.", "localhost"));
        assert!(direct("localhost", "localhost."));
        assert!(direct("example.com.", "www.example.com."));
    }

    /// Issue 17: CIDR ranges, IPv4 and IPv6, as curl 7.86 and later read them.
    #[test]
    fn addresses_match_cidr_ranges() {
        assert!(direct("127.0.0.0/8", "127.1.2.3"));
        assert!(!direct("127.0.0.0/8", "128.0.0.1"));
        assert!(direct("10.0.0.1", "10.0.0.1"));
        assert!(!direct("10.0.0.1", "10.0.0.2"));
        assert!(direct("192.168.0.0/16,10.0.0.0/8", "10.9.9.9"));
        assert!(!direct("127.0.0.0/33", "127.0.0.1"));
        assert!(direct("::1/128", "[::1]"));
        assert!(direct("::1", "[::1]"));
        assert!(direct("fe80::/10", "[fe80::1]"));
        assert!(!direct("fe80::/10", "[fec0::1]"));
        assert!(!direct("::1/129", "[::1]"));
        assert!(!direct("127.0.0.1", "[::1]"));
        assert!(
            !direct("localhost", "127.0.0.1"),
            "names never match addresses"
        );
        assert!(!direct("127.0.0.0/99999999999", "127.0.0.1"));
    }
}
