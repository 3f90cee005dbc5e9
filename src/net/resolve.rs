//! Owns turning an [`Address`] into the endpoints to try, in the order to try them.
//!
//! The lookup itself is [`Address::resolve`] (the server binds every address it returns);
//! this file adds what connecting needs on top: keeping only the family asked for (`-4`/`-6`)
//! and alternating families (RFC 8305 section 4), so that a dead IPv6 route costs one
//! attempt delay, not the whole timeout.

use super::{ConnectError, Family};
use crate::addr::{Address, Endpoint};
use std::io;

/// Who turns host names into addresses.
#[derive(Debug, Clone, Default)]
pub enum Names {
    /// The system resolver (`getaddrinfo`, so `/etc/hosts` and `/etc/resolv.conf`).
    #[default]
    System,
    /// DNS servers of the user's choosing (`--dns-servers`).
    #[cfg(feature = "dns")]
    Servers(super::dns::Resolver),
    /// A DNS-over-HTTPS server (`--doh-url`).
    #[cfg(feature = "dns")]
    Doh(super::doh::DohResolver),
}

/// The endpoints of `address` that `family` allows, families interleaved.
///
/// An IP literal is its own endpoint and a Unix path is one endpoint; a name is looked up
/// through the system resolver.
pub async fn resolve(address: &Address, family: Family) -> Result<Vec<Endpoint>, ConnectError> {
    resolve_by(&Names::System, address, family).await
}

/// [`resolve`], a name looked up by `names`.
pub async fn resolve_by(
    names: &Names,
    address: &Address,
    family: Family,
) -> Result<Vec<Endpoint>, ConnectError> {
    let resolve_error = |cause| ConnectError::Resolve {
        address: address.clone(),
        cause,
    };
    let found = lookup(names, address, family)
        .await
        .map_err(resolve_error)?;
    let allowed: Vec<Endpoint> = found.into_iter().filter(|e| family.allows(e)).collect();
    if allowed.is_empty() {
        let none = match family {
            Family::V4 => "no IPv4 address",
            Family::V6 => "no IPv6 address",
            Family::Any => "no address found",
        };
        return Err(resolve_error(io::Error::new(io::ErrorKind::NotFound, none)));
    }
    Ok(interleave(allowed))
}

/// Looks `address` up with `names`. `localhost` and the names under it are the loopback
/// addresses, 127.0.0.1 then ::1, asking no one (RFC 6761 section 6.3), as curl 7.88
/// resolves them: `foo.localhost` works without a hosts-file entry, and a fetch from a local
/// server starts no resolver thread. DoH asks only for the families `family` allows, as
/// curl does.
async fn lookup(names: &Names, address: &Address, family: Family) -> io::Result<Vec<Endpoint>> {
    #[cfg(not(feature = "dns"))]
    let _ = family;
    match (names, address) {
        (_, Address::Tcp { host, port }) if is_localhost(host) => Ok(vec![
            Endpoint::Tcp((std::net::Ipv4Addr::LOCALHOST, *port).into()),
            Endpoint::Tcp((std::net::Ipv6Addr::LOCALHOST, *port).into()),
        ]),
        #[cfg(feature = "dns")]
        (Names::Servers(resolver), Address::Tcp { host, port })
            if host.parse::<std::net::IpAddr>().is_err() =>
        {
            let found = resolver.lookup(host, *port).await?;
            Ok(found.into_iter().map(Endpoint::Tcp).collect())
        }
        #[cfg(feature = "dns")]
        (Names::Doh(resolver), Address::Tcp { host, port })
            if host.parse::<std::net::IpAddr>().is_err() =>
        {
            let found = resolver.lookup(host, *port, family).await?;
            Ok(found.into_iter().map(Endpoint::Tcp).collect())
        }
        _ => address.resolve().await,
    }
}

/// `localhost` or a name under it, in any case, which curl resolves to the loopback
/// addresses itself; not with a trailing dot (`localhost.`), which curl 7.88 asks the
/// resolver for.
fn is_localhost(host: &str) -> bool {
    let host = host.to_ascii_lowercase();
    host == "localhost" || host.ends_with(".localhost")
}

/// Alternates address families, starting with the family of the first endpoint, keeping the
/// resolver's order within each family (RFC 8305 section 4).
fn interleave(endpoints: Vec<Endpoint>) -> Vec<Endpoint> {
    let Some(first) = endpoints.first() else {
        return endpoints;
    };
    let first_v6 = is_v6(first);
    let (mut lead, mut other): (Vec<_>, Vec<_>) =
        endpoints.into_iter().partition(|e| is_v6(e) == first_v6);
    let mut out = Vec::with_capacity(lead.len() + other.len());
    lead.reverse();
    other.reverse();
    loop {
        match (lead.pop(), other.pop()) {
            (None, None) => return out,
            (a, b) => out.extend(a.into_iter().chain(b)),
        }
    }
}

fn is_v6(endpoint: &Endpoint) -> bool {
    matches!(endpoint, Endpoint::Tcp(addr) if addr.is_ipv6())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn tcp(s: &str) -> Endpoint {
        Endpoint::Tcp(s.parse().unwrap())
    }

    #[test]
    fn interleave_alternates_families() {
        let given = ["[::1]:1", "[::2]:1", "1.0.0.1:1", "1.0.0.2:1", "1.0.0.3:1"];
        let got: Vec<String> = interleave(given.iter().map(|s| tcp(s)).collect())
            .iter()
            .map(ToString::to_string)
            .collect();
        assert_eq!(
            got,
            ["[::1]:1", "1.0.0.1:1", "[::2]:1", "1.0.0.2:1", "1.0.0.3:1"]
        );
    }

    /// `localhost` and the names under it are 127.0.0.1 then ::1, as curl 7.88 has them,
    /// with no hosts-file entry needed; `-6` keeps ::1; a name that only ends in
    /// "localhost", or has a trailing dot, is not one of them.
    #[tokio::test]
    async fn localhost_names_are_the_loopback_addresses() {
        for name in ["localhost", "LocalHost", "foo.localhost", "a.b.LOCALHOST"] {
            let address: Address = format!("{name}:8080").parse().unwrap();
            let got: Vec<String> = resolve(&address, Family::Any)
                .await
                .unwrap()
                .iter()
                .map(ToString::to_string)
                .collect();
            assert_eq!(got, ["127.0.0.1:8080", "[::1]:8080"], "{name}");
            let v6 = resolve(&address, Family::V6).await.unwrap();
            assert_eq!(v6, [tcp("[::1]:8080")], "{name}");
        }
        assert!(!is_localhost("notlocalhost"));
        assert!(!is_localhost("localhost."));
        assert!(!is_localhost("localhost.example"));
    }

    #[tokio::test]
    async fn a_family_with_no_address_is_a_resolve_error() {
        let v4: Address = "127.0.0.1:1".parse().unwrap();
        let err = resolve(&v4, Family::V6).await.unwrap_err();
        assert!(matches!(err, ConnectError::Resolve { .. }), "{err}");
        assert_eq!(
            err.to_string(),
            "cannot resolve '127.0.0.1:1': no IPv6 address"
        );
        assert_eq!(
            resolve(&v4, Family::V4).await.unwrap(),
            [tcp("127.0.0.1:1")]
        );
    }
}
