//! Owns getting a TCP connection: resolving the host, `-4`/`-6`, and Happy Eyeballs.
//!
//! When a name has addresses of both families, the attempts alternate families (RFC 8305
//! section 4) and each starts [`ATTEMPT_DELAY`] after the previous one unless that one has
//! already failed; the first to connect wins and the others are dropped (closing them).

use super::error::{describe, FetchError};
use std::net::{IpAddr, SocketAddr};
use std::time::Duration;
use tokio::net::TcpStream;
use tokio::task::JoinSet;
use url::Host;

/// How long an attempt gets before the next address is tried alongside it (RFC 8305).
pub const ATTEMPT_DELAY: Duration = Duration::from_millis(250);

/// Which address families may be used.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Family {
    /// Both.
    Any,
    /// `-4`.
    V4,
    /// `-6`.
    V6,
}

impl Family {
    fn allows(self, ip: &IpAddr) -> bool {
        match self {
            Family::Any => true,
            Family::V4 => ip.is_ipv4(),
            Family::V6 => ip.is_ipv6(),
        }
    }
}

/// Resolves `host` (a literal or a name, through the system resolver) to the addresses
/// allowed by `family`, in Happy Eyeballs order.
pub async fn resolve(
    host: &Host<&str>,
    port: u16,
    family: Family,
) -> Result<Vec<SocketAddr>, FetchError> {
    let found: Vec<SocketAddr> = match host {
        Host::Ipv4(ip) => vec![SocketAddr::new((*ip).into(), port)],
        Host::Ipv6(ip) => vec![SocketAddr::new((*ip).into(), port)],
        Host::Domain(name) => tokio::net::lookup_host((*name, port))
            .await
            .map_err(|e| FetchError::Resolve {
                host: name.to_string(),
                reason: describe(&e),
            })?
            .collect(),
    };
    let allowed: Vec<SocketAddr> = found
        .into_iter()
        .filter(|a| family.allows(&a.ip()))
        .collect();
    if allowed.is_empty() {
        let which = match family {
            Family::V4 => "no IPv4 address",
            Family::V6 => "no IPv6 address",
            Family::Any => "no address",
        };
        return Err(FetchError::Resolve {
            host: host.to_string(),
            reason: which.into(),
        });
    }
    Ok(interleave(allowed))
}

/// Alternates address families, starting with the family of the first address, keeping the
/// resolver's order within each family (RFC 8305 section 4).
pub fn interleave(addrs: Vec<SocketAddr>) -> Vec<SocketAddr> {
    let Some(first) = addrs.first() else {
        return addrs;
    };
    let first_v6 = first.is_ipv6();
    let (mut lead, mut other): (Vec<_>, Vec<_>) =
        addrs.into_iter().partition(|a| a.is_ipv6() == first_v6);
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

/// Connects to the first of `addrs` that answers, starting a new attempt every `delay`
/// (or as soon as the current ones have all failed). `host` names the target in errors.
pub async fn connect(
    addrs: &[SocketAddr],
    host: &str,
    delay: Duration,
) -> Result<TcpStream, FetchError> {
    let mut pending = addrs.iter().copied();
    let mut attempts = JoinSet::new();
    let mut last_error = None;
    loop {
        if attempts.is_empty() {
            match pending.next() {
                Some(addr) => {
                    tracing::debug!(%addr, "connecting");
                    attempts.spawn(TcpStream::connect(addr));
                }
                None => {
                    return Err(FetchError::Connect {
                        host: host.to_string(),
                        port: addrs.first().map_or(0, SocketAddr::port),
                        reason: last_error.unwrap_or_else(|| "no address to try".into()),
                    })
                }
            }
        }
        tokio::select! {
            Some(joined) = attempts.join_next() => match joined {
                Ok(Ok(stream)) => {
                    // Nagle would only delay the one request write.
                    let _ = stream.set_nodelay(true);
                    return Ok(stream);
                }
                Ok(Err(e)) => {
                    tracing::debug!(error = %e, "connect attempt failed");
                    last_error = Some(describe(&e));
                    if let Some(addr) = pending.next() {
                        attempts.spawn(TcpStream::connect(addr));
                    }
                }
                Err(e) => last_error = Some(e.to_string()),
            },
            () = tokio::time::sleep(delay), if pending.len() > 0 => {
                if let Some(addr) = pending.next() {
                    tracing::debug!(%addr, "no answer yet, also trying the next address");
                    attempts.spawn(TcpStream::connect(addr));
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn interleave_alternates_families() {
        let a: Vec<SocketAddr> = ["[::1]:1", "[::2]:1", "1.0.0.1:1", "1.0.0.2:1", "1.0.0.3:1"]
            .iter()
            .map(|s| s.parse().unwrap())
            .collect();
        let got: Vec<String> = interleave(a).iter().map(ToString::to_string).collect();
        assert_eq!(
            got,
            ["[::1]:1", "1.0.0.1:1", "[::2]:1", "1.0.0.2:1", "1.0.0.3:1"]
        );
    }
}
