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

/// Looks `address` up with `names`; `localhost` and its subdomains are the system's
/// (its hosts file) whoever resolves the rest, as curl never asks DNS for them. DoH asks
/// only for the families `family` allows, as curl does.
async fn lookup(names: &Names, address: &Address, family: Family) -> io::Result<Vec<Endpoint>> {
    #[cfg(not(feature = "dns"))]
    let _ = family;
    match (names, address) {
        #[cfg(feature = "dns")]
        (Names::Servers(resolver), Address::Tcp { host, port })
            if host.parse::<std::net::IpAddr>().is_err() && !is_localhost(host) =>
        {
            let found = resolver.lookup(host, *port).await?;
            Ok(found.into_iter().map(Endpoint::Tcp).collect())
        }
        #[cfg(feature = "dns")]
        (Names::Doh(resolver), Address::Tcp { host, port })
            if host.parse::<std::net::IpAddr>().is_err() && !is_localhost(host) =>
        {
            let found = resolver.lookup(host, *port, family).await?;
            Ok(found.into_iter().map(Endpoint::Tcp).collect())
        }
        _ => address.resolve().await,
    }
}

/// `localhost` or a name under it, which curl resolves to the loopback addresses itself.
#[cfg(feature = "dns")]
fn is_localhost(host: &str) -> bool {
    let host = host.trim_end_matches('.').to_ascii_lowercase();
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
