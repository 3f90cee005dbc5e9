//! Owns where a connection really goes, as curl's `--resolve` and `--connect-to` decide it:
//! `--connect-to HOST1:PORT1:HOST2:PORT2` swaps the host and port connected to, and
//! `--resolve [+]HOST:PORT:ADDR[,ADDR...]` gives a name's addresses instead of asking DNS.
//!
//! Neither touches what the URL names: the Host header, the TLS name (SNI and the
//! certificate check) and the pool's key stay the URL's, which is what makes them useful
//! against a server whose name does not resolve (yet). The rules are pure data, checked
//! before any traffic; the dial asks them, once per connection.

use crate::fetch::error::FetchError;
use std::net::{IpAddr, SocketAddr};

/// The `--resolve` and `--connect-to` entries of one run.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Routes {
    /// `--resolve` after removals, in the order given.
    resolve: Vec<Resolve>,
    /// `--connect-to` as given: curl parses an entry only when it matches.
    connect_to: Vec<String>,
}

/// One `--resolve` entry.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Resolve {
    /// The name, in lower case; `*` for any name.
    host: String,
    port: u16,
    addrs: Vec<IpAddr>,
}

/// A host and port to connect to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HostPort {
    /// A name or an IP literal (IPv6 without brackets).
    pub host: String,
    /// The port.
    pub port: u16,
}

impl Routes {
    /// Checks `--resolve` entries (curl's 49 for one that does not parse) and keeps the
    /// `--connect-to` entries for later.
    pub fn new(resolve: &[String], connect_to: &[String]) -> Result<Self, FetchError> {
        let mut entries: Vec<Resolve> = Vec::new();
        for text in resolve {
            if let Some(removed) = text.strip_prefix('-') {
                let (host, port) = host_and_port(removed).ok_or_else(|| bad_resolve(text))?;
                entries.retain(|e| !(e.host == host && e.port == port));
                continue;
            }
            entries.push(parse_resolve(text.strip_prefix('+').unwrap_or(text))?);
        }
        Ok(Routes {
            resolve: entries,
            connect_to: connect_to.to_vec(),
        })
    }

    /// Where to connect for `host:port` (as the URL names them, IPv6 without brackets): the
    /// first `--connect-to` entry that matches, or `host:port` itself. curl's 49 for a
    /// matching entry whose HOST2:PORT2 does not parse.
    pub fn connect_to(&self, host: &str, port: u16) -> Result<HostPort, FetchError> {
        let written = match host.contains(':') {
            true => format!("[{host}]"),
            false => host.to_owned(),
        };
        for entry in &self.connect_to {
            let Some(rest) = matching(entry, &written, port) else {
                continue;
            };
            return parse_target(rest, host, port);
        }
        Ok(HostPort {
            host: host.to_owned(),
            port,
        })
    }

    /// `--resolve`'s addresses for `host:port`, a named entry before a `*` one; None to ask
    /// DNS.
    pub fn addresses(&self, host: &str, port: u16) -> Option<Vec<SocketAddr>> {
        let host = host.to_ascii_lowercase();
        let named = self
            .resolve
            .iter()
            .find(|e| e.host == host && e.port == port);
        let entry = named.or_else(|| {
            self.resolve
                .iter()
                .find(|e| e.host == "*" && e.port == port)
        })?;
        Some(
            entry
                .addrs
                .iter()
                .map(|ip| SocketAddr::new(*ip, port))
                .collect(),
        )
    }
}

/// `HOST:PORT:ADDR[,ADDR...]`, ADDR an IP, IPv6 in brackets or not.
fn parse_resolve(text: &str) -> Result<Resolve, FetchError> {
    let bad = || bad_resolve(text);
    let (host, rest) = text.split_once(':').ok_or_else(bad)?;
    let (port, addrs) = rest.split_once(':').ok_or_else(bad)?;
    let port = port.parse().map_err(|_| bad())?;
    let addrs = addrs
        .split(',')
        .map(|a| {
            let a = a.trim();
            let a = a
                .strip_prefix('[')
                .and_then(|a| a.strip_suffix(']'))
                .unwrap_or(a);
            a.parse::<IpAddr>().map_err(|_| bad())
        })
        .collect::<Result<Vec<_>, _>>()?;
    if host.is_empty() {
        return Err(bad());
    }
    Ok(Resolve {
        host: host.to_ascii_lowercase(),
        port,
        addrs,
    })
}

/// `HOST:PORT`, as a removal names an entry.
fn host_and_port(text: &str) -> Option<(String, u16)> {
    let (host, port) = text.rsplit_once(':')?;
    Some((host.to_ascii_lowercase(), port.parse().ok()?))
}

fn bad_resolve(text: &str) -> FetchError {
    FetchError::Option(format!(
        "cannot parse --resolve {text:?}: HOST:PORT:ADDRESS[,ADDRESS]... expected"
    ))
}

/// The `HOST2:PORT2` of `entry` when its `HOST1:PORT1` matches `host` (as written, IPv6 in
/// brackets) and `port`; an empty HOST1 or PORT1 matches any.
fn matching<'a>(entry: &'a str, host: &str, port: u16) -> Option<&'a str> {
    let rest = match entry.strip_prefix(':') {
        Some(rest) => rest,
        None => {
            let head = entry.get(..host.len())?;
            let rest = entry[host.len()..].strip_prefix(':')?;
            head.eq_ignore_ascii_case(host).then_some(rest)?
        }
    };
    if let Some(rest) = rest.strip_prefix(':') {
        return Some(rest);
    }
    let (given, rest) = rest.split_once(':')?;
    (given.parse::<u16>().ok()? == port).then_some(rest)
}

/// `HOST2:PORT2`, each part empty for the URL's own.
fn parse_target(text: &str, host: &str, port: u16) -> Result<HostPort, FetchError> {
    let bad = |what: &str| {
        FetchError::Option(format!(
            "--connect-to: {what} in {text:?} (HOST2:PORT2 expected)"
        ))
    };
    let (host2, port2) = match text.strip_prefix('[') {
        Some(v6) => {
            let (ip, rest) = v6.split_once(']').ok_or_else(|| bad("no ] after [IPv6"))?;
            (ip, rest.strip_prefix(':').unwrap_or(rest))
        }
        None => text.split_once(':').unwrap_or((text, "")),
    };
    let port = match port2 {
        "" => port,
        given => given
            .parse::<u16>()
            .ok()
            .filter(|p| *p > 0)
            .ok_or_else(|| bad("no valid port number"))?,
    };
    Ok(HostPort {
        host: match host2 {
            "" => host.to_owned(),
            given => given.to_owned(),
        },
        port,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn routes(resolve: &[&str], connect_to: &[&str]) -> Routes {
        let own = |v: &[&str]| v.iter().map(|s| s.to_string()).collect::<Vec<_>>();
        Routes::new(&own(resolve), &own(connect_to)).unwrap()
    }

    fn addrs(routes: &Routes, host: &str, port: u16) -> Option<Vec<String>> {
        routes
            .addresses(host, port)
            .map(|v| v.iter().map(ToString::to_string).collect())
    }

    /// --resolve as curl reads it: a list, brackets or not, `+`, `*` last, `-` removes an
    /// earlier entry, and the port must match.
    #[test]
    fn resolve_entries_as_curl_reads_them() {
        let r = routes(
            &[
                "*:80:10.0.0.9",
                "+Example.com:80:127.0.0.1,[::1]",
                "gone.test:80:10.0.0.1",
                "-gone.test:80",
            ],
            &[],
        );
        assert_eq!(
            addrs(&r, "example.COM", 80).unwrap(),
            ["127.0.0.1:80", "[::1]:80"]
        );
        assert_eq!(addrs(&r, "other.test", 80).unwrap(), ["10.0.0.9:80"]);
        assert_eq!(addrs(&r, "gone.test", 80).unwrap(), ["10.0.0.9:80"]);
        assert_eq!(addrs(&r, "example.com", 443), None);
    }

    /// What curl refuses with 49: no address, a bad port, an address that is not an IP.
    #[test]
    fn malformed_resolve_is_an_option_error() {
        for bad in [
            "x",
            "h:80",
            "h:80:",
            "h:x:127.0.0.1",
            "h:80:name",
            ":80:1.2.3.4",
        ] {
            let err = Routes::new(&[bad.to_string()], &[]).unwrap_err();
            assert_eq!(err.exit_code(), 49, "{bad}");
        }
    }

    /// --connect-to: the first match wins, empty parts match any or keep the URL's, IPv6 in
    /// brackets, and an entry that does not match is never parsed (as curl).
    #[test]
    fn connect_to_as_curl_matches_it() {
        let r = routes(
            &[],
            &[
                "nomatch:1:x:bad",
                "a.test:80:b.test:8080",
                "a.test::c.test:",
                "[::1]:443:[::2]:444",
                "::d.test:9",
            ],
        );
        let to = |h: &str, p: u16| {
            let hp = r.connect_to(h, p).unwrap();
            format!("{}:{}", hp.host, hp.port)
        };
        assert_eq!(to("A.TEST", 80), "b.test:8080");
        assert_eq!(to("a.test", 81), "c.test:81");
        assert_eq!(to("::1", 443), "::2:444");
        assert_eq!(to("other", 5), "d.test:9");
        let none = routes(&[], &["x.test:80:y.test:81"]);
        let hp = none.connect_to("z.test", 80).unwrap();
        assert_eq!((hp.host.as_str(), hp.port), ("z.test", 80));
        let bad = routes(&[], &["x.test:80:y.test:port"]);
        assert_eq!(bad.connect_to("x.test", 80).unwrap_err().exit_code(), 49);
    }

    proptest::proptest! {
        /// Any text as an entry is taken or refused, never a panic, and a taken
        /// --connect-to target always has a host.
        #[test]
        fn any_entry_is_taken_or_refused(entry in "[a-z0-9:.\\[\\]*+,-]{0,40}", host in "[a-z:.0-9]{1,12}") {
            let _ = Routes::new(std::slice::from_ref(&entry), &[]);
            let routes = Routes::new(&[], &[entry]).unwrap();
            if let Ok(to) = routes.connect_to(&host, 80) {
                proptest::prop_assert!(!to.host.is_empty());
            }
        }
    }
}
