//! Owns the local end of a TCP connection: the options set on the socket before it connects
//! (`TCP_NODELAY`, keepalive, TCP Fast Open) and where it is bound (an interface, a local
//! address or host name, a range of local ports), in the order curl 7.88 does them.
//!
//! The socket is made with socket2 rather than by `TcpStream::connect` because keepalive's
//! timers, `SO_BINDTODEVICE` and `TCP_FASTOPEN_CONNECT` must be set before connect(2); tokio
//! then connects the socket as it is. With the defaults (no binding, no keepalive, no Fast
//! Open) it costs the same system calls as before: socket, one setsockopt, connect.

use super::describe;
use nix::sys::socket::{setsockopt, sockopt};
use socket2::{Domain, Protocol, SockAddr, Socket, TcpKeepalive, Type};
use std::io;
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr, SocketAddr};
use std::str::FromStr;
use std::time::Duration;
use tokio::net::{TcpSocket, TcpStream};

/// What is set on a TCP socket before it connects.
///
/// ```
/// use sockit::net::{LocalName, SocketOptions};
///
/// let options = SocketOptions {
///     local: Some("if!lo".parse().unwrap()),
///     ..SocketOptions::default()
/// };
/// assert_eq!(options.local, Some(LocalName::Interface("lo".into())));
/// assert!(options.nodelay);
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SocketOptions {
    /// The interface, address or host name to bind to (curl's `--interface`).
    pub local: Option<LocalName>,
    /// The local ports to try, first to last (curl's `--local-port N[-M]`); the kernel
    /// picks one when None.
    pub ports: Option<(u16, u16)>,
    /// `SO_KEEPALIVE`, with this as both the idle time before the first probe
    /// (`TCP_KEEPIDLE`) and the time between probes (`TCP_KEEPINTVL`), as curl sets them;
    /// None leaves keepalive off.
    pub keepalive: Option<Duration>,
    /// `TCP_NODELAY`: every protocol here writes small requests and waits for the answer,
    /// which Nagle's algorithm would only delay.
    pub nodelay: bool,
    /// `TCP_FASTOPEN_CONNECT`: the first write goes out with the SYN when the server gave
    /// this host a Fast Open cookie before.
    pub fastopen: bool,
}

impl Default for SocketOptions {
    /// Unbound, `TCP_NODELAY` on, no keepalive, no Fast Open.
    fn default() -> Self {
        SocketOptions {
            local: None,
            ports: None,
            keepalive: None,
            nodelay: true,
            fastopen: false,
        }
    }
}

/// Where a socket is bound, in curl's `--interface` forms.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum LocalName {
    /// An IP address.
    Addr(IpAddr),
    /// `if!NAME`: a network interface, never a host name.
    Interface(String),
    /// `host!NAME`: a host name (or address), never an interface.
    Host(String),
    /// A bare NAME: the interface of that name if there is one, else a host name.
    Either(String),
}

impl FromStr for LocalName {
    type Err = String;

    fn from_str(text: &str) -> Result<Self, Self::Err> {
        let (name, kind) = match (text.strip_prefix("if!"), text.strip_prefix("host!")) {
            (Some(name), _) => (name, LocalName::Interface as fn(String) -> LocalName),
            (_, Some(name)) => (name, LocalName::Host as fn(String) -> LocalName),
            _ => (text, LocalName::Either as fn(String) -> LocalName),
        };
        if name.is_empty() {
            return Err(format!("{text:?} names no interface, address or host"));
        }
        let interface_only = text.starts_with("if!");
        match name.trim_start_matches('[').trim_end_matches(']').parse() {
            Ok(ip) if !interface_only => Ok(LocalName::Addr(ip)),
            _ => Ok(kind(name.to_owned())),
        }
    }
}

impl std::fmt::Display for LocalName {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            LocalName::Addr(ip) => write!(f, "{ip}"),
            LocalName::Interface(name) | LocalName::Host(name) | LocalName::Either(name) => {
                f.write_str(name)
            }
        }
    }
}

/// Why the local end could not be bound as asked (curl's 45, "interface failed").
#[derive(Debug, thiserror::Error)]
pub enum BindError {
    /// `if!NAME` names no interface of this machine.
    #[error("cannot bind to interface '{0}': there is no such interface")]
    NoInterface(String),
    /// A bare name that is neither an interface nor a host name that resolves.
    #[error("cannot bind to '{0}': it is neither an interface nor a host name that resolves")]
    NoName(String),
    /// The interface or host has addresses, but none of the family the peer's address is.
    #[error("cannot bind to '{name}': it has no {family} address to reach {peer} from")]
    Family {
        /// The name as given.
        name: String,
        /// "IPv4" or "IPv6".
        family: &'static str,
        /// The address being connected to.
        peer: SocketAddr,
    },
    /// bind(2) failed on every port tried.
    #[error("cannot bind to {addr}{}: {}", ports_shown(*ports), describe(cause))]
    Bind {
        /// The local address.
        addr: IpAddr,
        /// The ports tried, when some were asked for.
        ports: Option<(u16, u16)>,
        /// The last failure.
        cause: io::Error,
    },
}

fn ports_shown(ports: Option<(u16, u16)>) -> String {
    match ports {
        Some((first, last)) if first == last => format!(" port {first}"),
        Some((first, last)) => format!(" ports {first}-{last}"),
        None => String::new(),
    }
}

/// Why one attempt to connect failed: the local end, or the connect itself.
#[derive(Debug)]
pub enum AttemptError {
    /// The socket could not be bound as asked.
    Bind(BindError),
    /// The socket could not be made, or did not connect.
    Connect(io::Error),
}

impl From<io::Error> for AttemptError {
    fn from(err: io::Error) -> Self {
        AttemptError::Connect(err)
    }
}

/// Connects a new socket to `addr`, with `options` set and bound as they say first.
pub async fn connect(addr: SocketAddr, options: &SocketOptions) -> Result<TcpStream, AttemptError> {
    let domain = Domain::for_address(addr);
    let socket = Socket::new(domain, Type::STREAM.nonblocking(), Some(Protocol::TCP))?;
    set_options(&socket, options);
    bind(&socket, addr, options)
        .await
        .map_err(AttemptError::Bind)?;
    let tcp = TcpSocket::from_std_stream(socket.into());
    Ok(tcp.connect(addr).await?)
}

/// Sets what `options` ask for; as curl, a failure is told (at debug level) and not fatal:
/// the connection works without the option.
fn set_options(socket: &Socket, options: &SocketOptions) {
    let told = |option: &str, result: io::Result<()>| {
        if let Err(e) = result {
            tracing::debug!(option, error = %describe(&e), "socket option not set");
        }
    };
    if options.nodelay {
        told("TCP_NODELAY", socket.set_nodelay(true));
    }
    if let Some(every) = options.keepalive {
        let keepalive = TcpKeepalive::new().with_time(every).with_interval(every);
        told("SO_KEEPALIVE", socket.set_tcp_keepalive(&keepalive));
    }
    if options.fastopen {
        let set = setsockopt(socket, sockopt::TcpFastOpenConnect, &true);
        told("TCP_FASTOPEN_CONNECT", set.map_err(io::Error::from));
    }
}

/// Binds `socket` (about to connect to `peer`) as `options` say, as curl 7.88's `bindlocal`
/// does: a name is first tried as a device (`SO_BINDTODEVICE`, which needs CAP_NET_RAW),
/// then as an interface's address, then (unless `if!`) as a host name.
async fn bind(socket: &Socket, peer: SocketAddr, options: &SocketOptions) -> Result<(), BindError> {
    let on_device = match &options.local {
        Some(LocalName::Interface(name) | LocalName::Either(name)) => {
            socket.bind_device(Some(name.as_bytes())).is_ok()
        }
        _ => false,
    };
    // On a device the address is the kernel's choice there, as curl 7.88 leaves it (curl
    // then skips `--local-port` too; sockit still binds the ports when asked).
    let ip = match &options.local {
        None if options.ports.is_none() => return Ok(()),
        Some(_) if on_device && options.ports.is_none() => return Ok(()),
        Some(_) if on_device => unspecified(peer),
        None => unspecified(peer),
        Some(LocalName::Addr(ip)) => *ip,
        Some(LocalName::Interface(name)) => match interface_address(name, peer)? {
            Some(ip) => ip,
            None => return Err(BindError::NoInterface(name.clone())),
        },
        Some(LocalName::Either(name)) => match interface_address(name, peer)? {
            Some(ip) => ip,
            None => host_address(name, peer).await?,
        },
        Some(LocalName::Host(name)) => host_address(name, peer).await?,
    };
    let (first, last) = options.ports.unwrap_or((0, 0));
    let mut failed = None;
    for port in first..=last {
        match socket.bind(&SockAddr::from(SocketAddr::new(ip, port))) {
            Ok(()) => return Ok(()),
            Err(e) => failed = Some(e),
        }
    }
    Err(BindError::Bind {
        addr: ip,
        ports: options.ports,
        cause: failed.unwrap_or_else(|| io::ErrorKind::AddrInUse.into()),
    })
}

/// The address of `peer`'s family that lets the kernel choose.
fn unspecified(peer: SocketAddr) -> IpAddr {
    match peer {
        SocketAddr::V4(_) => IpAddr::V4(Ipv4Addr::UNSPECIFIED),
        SocketAddr::V6(_) => IpAddr::V6(Ipv6Addr::UNSPECIFIED),
    }
}

fn family_name(peer: SocketAddr) -> &'static str {
    match peer {
        SocketAddr::V4(_) => "IPv4",
        SocketAddr::V6(_) => "IPv6",
    }
}

/// The first address of `peer`'s family on the interface `name`; None when there is no
/// interface of that name.
fn interface_address(name: &str, peer: SocketAddr) -> Result<Option<IpAddr>, BindError> {
    let Ok(addresses) = nix::ifaddrs::getifaddrs() else {
        return Ok(None);
    };
    let mut found = false;
    for entry in addresses.filter(|a| a.interface_name == name) {
        found = true;
        let Some(address) = entry.address else {
            continue;
        };
        let ip = match peer {
            SocketAddr::V4(_) => address.as_sockaddr_in().map(|a| IpAddr::V4(a.ip())),
            SocketAddr::V6(_) => address.as_sockaddr_in6().map(|a| IpAddr::V6(a.ip())),
        };
        if ip.is_some() {
            return Ok(ip);
        }
    }
    match found {
        true => Err(BindError::Family {
            name: name.to_owned(),
            family: family_name(peer),
            peer,
        }),
        false => Ok(None),
    }
}

/// The first address of `peer`'s family that the host name `name` resolves to.
async fn host_address(name: &str, peer: SocketAddr) -> Result<IpAddr, BindError> {
    let host = name.trim_start_matches('[').trim_end_matches(']');
    let Ok(found) = tokio::net::lookup_host((host, 0)).await else {
        return Err(BindError::NoName(name.to_owned()));
    };
    let found: Vec<SocketAddr> = found.collect();
    found
        .iter()
        .find(|a| a.is_ipv4() == peer.is_ipv4())
        .map(SocketAddr::ip)
        .ok_or_else(|| match found.is_empty() {
            true => BindError::NoName(name.to_owned()),
            false => BindError::Family {
                name: name.to_owned(),
                family: family_name(peer),
                peer,
            },
        })
}

#[cfg(test)]
mod tests {
    use super::*;

    /// curl's three forms: `if!` an interface only, `host!` a host only, a bare name either;
    /// an address is an address whatever the prefix but `if!`.
    #[test]
    fn interface_forms_are_curls() {
        let parse = |s: &str| s.parse::<LocalName>();
        assert_eq!(parse("eth0"), Ok(LocalName::Either("eth0".into())));
        assert_eq!(parse("if!eth0"), Ok(LocalName::Interface("eth0".into())));
        assert_eq!(
            parse("host!example.com"),
            Ok(LocalName::Host("example.com".into()))
        );
        assert_eq!(
            parse("127.0.0.2"),
            Ok(LocalName::Addr([127, 0, 0, 2].into()))
        );
        assert_eq!(
            parse("host!::1"),
            Ok(LocalName::Addr("::1".parse().unwrap()))
        );
        assert_eq!(parse("[::1]"), Ok(LocalName::Addr("::1".parse().unwrap())));
        assert_eq!(
            parse("if!10.0.0.1"),
            Ok(LocalName::Interface("10.0.0.1".into()))
        );
        assert!(parse("").is_err());
        assert!(parse("if!").is_err());
    }

    /// A port range names itself in the bind error; one port is "port N".
    #[test]
    fn bind_errors_name_the_ports() {
        let err = |ports| BindError::Bind {
            addr: [127, 0, 0, 1].into(),
            ports,
            cause: io::ErrorKind::AddrInUse.into(),
        };
        assert_eq!(
            err(Some((5, 6))).to_string(),
            "cannot bind to 127.0.0.1 ports 5-6: address in use"
        );
        assert_eq!(
            err(Some((5, 5))).to_string(),
            "cannot bind to 127.0.0.1 port 5: address in use"
        );
        assert_eq!(
            err(None).to_string(),
            "cannot bind to 127.0.0.1: address in use"
        );
    }
}
