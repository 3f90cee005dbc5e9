//! Owns the hops a connection is stacked from, one small function each, as curl's
//! connection filters are: a socket (TCP to a host, or a Unix socket), then a SOCKS
//! handshake, then TLS to an `https://` proxy, then a CONNECT tunnel, then TLS to the origin.
//!
//! Each hop takes the [`Pipe`] below it and gives one back, and knows nothing of the others:
//! `dial.rs` alone decides which hops a URL needs and in what order. Every hop maps its
//! failure to curl's exit code where it happens (a proxy's name that does not resolve is 5
//! for an HTTP proxy, 6 for a SOCKS one, as curl 7.88 says).

use super::connect::{self, Family, Sockets};
use super::proxy::{self, ConnectHead, Proxy, ProxyKind};
use super::proxy_auth::ProxyAuth;
use super::route::{HostPort, Routes};
use crate::fetch::error::FetchError;
use crate::fetch::http::head::Head;
use crate::fetch::output::verbose::Verbose;
use crate::net::socks::{self, SocksTarget};
use crate::net::tls;
use crate::net::{Names, Pipe, Transport, UnixAddr};
use rustls::ClientConfig;
use std::net::{IpAddr, SocketAddr};
use std::sync::Arc;
use std::time::{Duration, Instant};
use tokio::io::AsyncWriteExt;
use tokio_rustls::client::TlsStream;
use url::Host;

/// How names become addresses and sockets are opened, the same for every hop.
#[derive(Clone, Copy)]
pub struct Net<'a> {
    /// `--resolve` and `--connect-to`.
    pub routes: &'a Routes,
    /// `-4`/`-6`.
    pub family: Family,
    /// The bound on each connect.
    pub timeout: Option<Duration>,
    /// How sockets are made and bound.
    pub sockets: &'a Sockets,
    /// Who resolves names (`--dns-servers`, else the system).
    pub names: &'a Names,
    /// `-v`.
    pub trace: Verbose,
}

impl Net<'_> {
    /// The addresses of `host:port`: `--resolve`'s when it names them (whatever `-4`/`-6`
    /// say, as curl), else the resolver's.
    pub async fn resolve(&self, host: &str, port: u16) -> Result<Vec<SocketAddr>, FetchError> {
        if let Some(addrs) = self.routes.addresses(host, port) {
            self.trace
                .info(format_args!("Hostname {host} was found in DNS cache"));
            return Ok(addrs);
        }
        let parsed = match host.parse::<IpAddr>() {
            Ok(IpAddr::V4(ip)) => Host::Ipv4(ip),
            Ok(IpAddr::V6(ip)) => Host::Ipv6(ip),
            Err(_) => Host::Domain(host),
        };
        let addrs = connect::resolve(self.names, &parsed, port, self.family).await?;
        self.trace.resolved(host, port, &addrs);
        Ok(addrs)
    }

    /// TCP to `to`, named `label` in messages (the host as the URL writes it); also says
    /// when the name was resolved, for `-w`.
    pub async fn tcp(&self, to: &HostPort, label: &str) -> Result<(Pipe, Instant), FetchError> {
        let addrs = self.resolve(&to.host, to.port).await?;
        let resolved = Instant::now();
        let tcp = connect::connect(&addrs, label, self.timeout, self.sockets).await?;
        Ok((Box::new(crate::net::Tcp::from(tcp)), resolved))
    }

    /// TCP to `proxy`; its name not resolving is curl's 5 for an HTTP proxy and 6 for a
    /// SOCKS one.
    pub async fn tcp_to_proxy(&self, proxy: &Proxy) -> Result<(Pipe, Instant), FetchError> {
        let host = proxy.host.trim_start_matches('[').trim_end_matches(']');
        let to = HostPort {
            host: host.to_owned(),
            port: proxy.port,
        };
        match self.tcp(&to, &proxy.host).await {
            Err(FetchError::Resolve { host, reason }) if proxy.speaks_http() => {
                Err(FetchError::ResolveProxy { host, reason })
            }
            other => other,
        }
    }
}

/// A connection to the Unix socket `addr`, standing for `label:port` (the URL's host, which
/// still goes in the Host header): a failure is curl's 7.
pub async fn unix(addr: &UnixAddr, label: &str, port: u16) -> Result<Pipe, FetchError> {
    match crate::net::connect_unix(addr).await {
        Ok(stream) => Ok(Box::new(stream)),
        Err(e) => Err(FetchError::Connect {
            host: label.to_owned(),
            port,
            reason: format!("{} (Unix socket {addr})", crate::net::describe(&e)),
            refused: e.kind() == std::io::ErrorKind::ConnectionRefused,
        }),
    }
}

/// Asks the SOCKS `proxy` at the end of `pipe` for a connection to `to`: by name
/// (`socks4a`, `socks5h`) or by an address resolved here (`socks4`, `socks5`).
pub async fn socks(
    pipe: Pipe,
    proxy: &Proxy,
    to: &HostPort,
    net: Net<'_>,
) -> Result<Pipe, FetchError> {
    let ProxyKind::Socks { version, resolves } = proxy.kind else {
        return Ok(pipe);
    };
    // SOCKS4a sends even an IP literal as a name, as curl does; SOCKS5 sends it as an address.
    let name = || SocksTarget::Name(to.host.clone(), to.port);
    let target = match (resolves, to.host.parse::<IpAddr>()) {
        (true, _) if version == socks::SocksVersion::V4 => name(),
        (_, Ok(ip)) => SocksTarget::Addr(SocketAddr::new(ip, to.port)),
        (true, Err(_)) => name(),
        (false, Err(_)) => {
            let addrs = net.resolve(&to.host, to.port).await?;
            // SOCKS4 carries IPv4 only.
            let usable = addrs.iter().find(|a| match version {
                socks::SocksVersion::V4 => a.is_ipv4(),
                socks::SocksVersion::V5 => true,
            });
            let addr = usable.ok_or_else(|| FetchError::Resolve {
                host: to.host.clone(),
                reason: "no IPv4 address for SOCKS4".into(),
            })?;
            SocksTarget::Addr(*addr)
        }
    };
    let user = proxy
        .credentials
        .as_ref()
        .map(|(name, password)| (name.as_str(), password.as_str()));
    let named = format!("{}:{}", proxy.host, proxy.port);
    let pipe = socks::connect(pipe, version, &target, user, &named).await?;
    net.trace.info(format_args!(
        "SOCKS proxy {named} connected to {}:{}",
        to.host, to.port
    ));
    Ok(pipe)
}

/// TLS to an `https://` proxy, verified for the proxy's own name.
pub async fn proxy_tls(
    pipe: Pipe,
    proxy: &Proxy,
    config: Arc<ClientConfig>,
) -> Result<Pipe, FetchError> {
    let host = Host::parse(&proxy.host).map_err(|e| FetchError::BadUrl {
        url: proxy.host.clone(),
        reason: e.to_string(),
    })?;
    let stream = tls::handshake(pipe, &crate::net::borrow_host(&host), config).await?;
    Ok(Box::new(stream))
}

/// A CONNECT tunnel to `to` through the HTTP proxy at the end of `pipe`, saying `head` and
/// authenticating as `auth` says; the proxy's answers are added to `answers`. None when the
/// proxy closed the connection on a challenge that is answered on a new one (`answered`
/// carries that across them).
pub async fn tunnel(
    mut pipe: Pipe,
    proxy: &Proxy,
    to: &HostPort,
    asking: (&ConnectHead, &ProxyAuth),
    trace: Verbose,
    noted: (&mut Vec<Head>, &mut bool),
) -> Result<Option<Pipe>, FetchError> {
    let host = match to.host.contains(':') {
        true => format!("[{}]", to.host),
        false => to.host.clone(),
    };
    let tunnel = proxy::tunnel(&mut pipe, proxy, (&host, to.port), asking, trace, noted).await?;
    Ok((tunnel == proxy::Tunnel::Open).then_some(pipe))
}

/// `--haproxy-protocol`: the PROXY v1 line (HAProxy's protocol) naming this connection's
/// own addresses, written before anything else goes to the origin (through a tunnel, as
/// curl's filter sits above the proxy's), or `PROXY UNKNOWN` over a Unix socket.
pub async fn haproxy(mut pipe: Pipe) -> Result<Pipe, FetchError> {
    let line = match pipe.addresses() {
        (Some(local), Some(peer)) => format!(
            "PROXY {} {} {} {} {}\r\n",
            if local.is_ipv6() { "TCP6" } else { "TCP4" },
            local.ip(),
            peer.ip(),
            local.port(),
            peer.port()
        ),
        _ => "PROXY UNKNOWN\r\n".to_owned(),
    };
    let sent = match pipe.write_all(line.as_bytes()).await {
        Ok(()) => pipe.flush().await,
        Err(e) => Err(e),
    };
    sent.map_err(|e| FetchError::Send(crate::net::describe(&e)))?;
    Ok(pipe)
}

/// TLS to the origin, for the URL's host (SNI and the certificate's name), wherever the
/// hops below lead.
pub async fn origin_tls(
    pipe: Pipe,
    host: &Host<&str>,
    config: Arc<ClientConfig>,
    handshaken: &mut Option<Instant>,
) -> Result<Box<TlsStream<Pipe>>, FetchError> {
    let stream = tls::handshake(pipe, host, config).await?;
    *handshaken = Some(Instant::now());
    Ok(Box::new(stream))
}
