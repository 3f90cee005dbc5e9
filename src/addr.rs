//! Addresses as users type them: `host:port`, `[v6]:port`, `unix:/path`, and `tls:host:port`
//! for a TLS listener.
//!
//! [`Address`] is what a flag holds before any name is looked up; [`Endpoint`] is one concrete
//! place a socket can bind or connect to. Keeping the two apart lets `localhost:9999` bind every
//! address it resolves to, and lets error messages name the exact endpoint that failed.

use std::fmt;
use std::net::{IpAddr, SocketAddr};
use std::path::PathBuf;
use std::str::FromStr;

/// The forms an address may take, shown in every parse error.
pub const ADDRESS_FORMS: &str =
    "expected HOST:PORT (127.0.0.1:9999, [::1]:9999, localhost:9999), unix:/path/to.sock \
     or tls:HOST:PORT";

/// An address as given on the command line, before name resolution.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Address {
    /// A host name or IP literal with a port.
    Tcp {
        /// Host name or IP literal (IPv6 without brackets).
        host: String,
        /// TCP port; 0 asks the OS to choose one.
        port: u16,
    },
    /// A Unix domain socket path.
    Unix(PathBuf),
    /// A host name or IP literal with a port, spoken to over TLS (`tls:HOST:PORT`).
    Tls {
        /// Host name or IP literal (IPv6 without brackets).
        host: String,
        /// TCP port; 0 asks the OS to choose one.
        port: u16,
    },
}

/// One concrete socket address: an IP and port, or a Unix socket path.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum Endpoint {
    /// An IPv4 or IPv6 socket address.
    Tcp(SocketAddr),
    /// A Unix domain socket path.
    Unix(PathBuf),
}

/// Why an address string could not be parsed.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
#[error("invalid address '{input}': {reason}; {}", ADDRESS_FORMS)]
pub struct AddressError {
    input: String,
    reason: &'static str,
}

impl AddressError {
    fn new(input: &str, reason: &'static str) -> Self {
        AddressError {
            input: input.to_owned(),
            reason,
        }
    }
}

impl FromStr for Address {
    type Err = AddressError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        if let Some(rest) = s.strip_prefix("tls:") {
            let parsed = rest
                .parse()
                .map_err(|e: AddressError| AddressError::new(s, e.reason))?;
            return match parsed {
                Address::Tcp { host, port } => Ok(Address::Tls { host, port }),
                _ => Err(AddressError::new(s, "tls: takes HOST:PORT")),
            };
        }
        if let Some(path) = s.strip_prefix("unix:") {
            if path.is_empty() {
                return Err(AddressError::new(s, "the unix socket path is empty"));
            }
            return Ok(Address::Unix(PathBuf::from(path)));
        }
        let (host, port) = if let Some(rest) = s.strip_prefix('[') {
            let (host, after) = rest
                .split_once(']')
                .ok_or_else(|| AddressError::new(s, "missing ']' after the IPv6 address"))?;
            if host.parse::<std::net::Ipv6Addr>().is_err() {
                return Err(AddressError::new(s, "not an IPv6 address inside [ ]"));
            }
            let port = after
                .strip_prefix(':')
                .ok_or_else(|| AddressError::new(s, "missing ':PORT' after ']'"))?;
            (host, port)
        } else {
            let (host, port) = s
                .rsplit_once(':')
                .ok_or_else(|| AddressError::new(s, "missing ':PORT'"))?;
            if host.contains(':') {
                return Err(AddressError::new(
                    s,
                    "IPv6 addresses need brackets, as in [::1]:9999",
                ));
            }
            (host, port)
        };
        if host.is_empty() {
            return Err(AddressError::new(s, "the host is empty"));
        }
        let port = port
            .parse::<u16>()
            .map_err(|_| AddressError::new(s, "the port must be a number from 0 to 65535"))?;
        Ok(Address::Tcp {
            host: host.to_owned(),
            port,
        })
    }
}

impl fmt::Display for Address {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Address::Tcp { host, port } if host.contains(':') => write!(f, "[{host}]:{port}"),
            Address::Tcp { host, port } => write!(f, "{host}:{port}"),
            Address::Unix(path) => write!(f, "unix:{}", path.display()),
            Address::Tls { host, port } if host.contains(':') => write!(f, "tls:[{host}]:{port}"),
            Address::Tls { host, port } => write!(f, "tls:{host}:{port}"),
        }
    }
}

impl Address {
    /// Looks the address up: every IP a host name resolves to (duplicates removed, in the
    /// resolver's order), the literal itself for an IP, the path for a Unix socket.
    pub async fn resolve(&self) -> std::io::Result<Vec<Endpoint>> {
        match self {
            Address::Unix(path) => Ok(vec![Endpoint::Unix(path.clone())]),
            Address::Tcp { host, port } | Address::Tls { host, port } => {
                if let Ok(ip) = host.parse::<IpAddr>() {
                    return Ok(vec![Endpoint::Tcp(SocketAddr::new(ip, *port))]);
                }
                let mut out: Vec<Endpoint> = Vec::new();
                for addr in tokio::net::lookup_host((host.as_str(), *port)).await? {
                    let ep = Endpoint::Tcp(addr);
                    if !out.contains(&ep) {
                        out.push(ep);
                    }
                }
                Ok(out)
            }
        }
    }
}

impl fmt::Display for Endpoint {
    /// Shows `127.0.0.1:9999`, `[::1]:9999` or `unix:/path`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Endpoint::Tcp(addr) => write!(f, "{addr}"),
            Endpoint::Unix(path) => write!(f, "unix:{}", path.display()),
        }
    }
}

impl From<SocketAddr> for Endpoint {
    fn from(addr: SocketAddr) -> Self {
        Endpoint::Tcp(addr)
    }
}

impl From<&Endpoint> for Address {
    fn from(ep: &Endpoint) -> Self {
        match ep {
            Endpoint::Tcp(addr) => Address::Tcp {
                host: addr.ip().to_string(),
                port: addr.port(),
            },
            Endpoint::Unix(path) => Address::Unix(path.clone()),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn tcp(host: &str, port: u16) -> Address {
        Address::Tcp {
            host: host.into(),
            port,
        }
    }

    #[test]
    fn parses_every_documented_form() {
        assert_eq!("127.0.0.1:9999".parse(), Ok(tcp("127.0.0.1", 9999)));
        assert_eq!("0.0.0.0:0".parse(), Ok(tcp("0.0.0.0", 0)));
        assert_eq!("[::1]:9999".parse(), Ok(tcp("::1", 9999)));
        assert_eq!("[::]:80".parse(), Ok(tcp("::", 80)));
        assert_eq!("localhost:9999".parse(), Ok(tcp("localhost", 9999)));
        assert_eq!(
            "unix:/tmp/s.sock".parse(),
            Ok(Address::Unix("/tmp/s.sock".into()))
        );
        assert_eq!(
            "tls:[::1]:443".parse(),
            Ok(Address::Tls {
                host: "::1".into(),
                port: 443
            })
        );
    }

    #[test]
    fn rejects_malformed_forms_with_the_expected_shape() {
        for bad in [
            "9999",
            "127.0.0.1",
            ":9999",
            "::1:9999",
            "[::1]9999",
            "[::1",
            "[nothost]:1",
            "host:99999",
            "host:port",
            "unix:",
            "tls:unix:/x",
            "tls:9999",
        ] {
            let err = bad.parse::<Address>().unwrap_err().to_string();
            assert!(err.contains(ADDRESS_FORMS), "{bad}: {err}");
            assert!(err.contains(bad), "{bad}: {err}");
        }
    }

    #[test]
    fn displays_round_trip() {
        for s in [
            "127.0.0.1:9999",
            "[::1]:9999",
            "localhost:1",
            "unix:/x/y",
            "tls:[::1]:1",
            "tls:h:2",
        ] {
            assert_eq!(s.parse::<Address>().unwrap().to_string(), s);
        }
        let ep = Endpoint::Tcp("[::1]:5".parse().unwrap());
        assert_eq!(ep.to_string(), "[::1]:5");
    }
}
