//! Owns looking names up with DNS servers of the user's choosing instead of the system
//! resolver: curl's `--dns-servers` (with `--dns-ipv4-addr`/`--dns-ipv6-addr` for the local
//! address the queries leave from), through hickory-resolver.
//!
//! Built only with the `dns` cargo feature: the resolver and its protocol crate add to the
//! binary (see the README's size note), and the system resolver stays the default either way.
//! Happy Eyeballs applies on top of what it finds, as on top of the system's answer.

use hickory_resolver::config::{LookupIpStrategy, NameServerConfig, ResolverConfig, ResolverOpts};
use hickory_resolver::name_server::TokioConnectionProvider;
use hickory_resolver::proto::xfer::Protocol;
use hickory_resolver::TokioResolver;
use std::io;
use std::net::{Ipv4Addr, Ipv6Addr, SocketAddr};

/// Where queries go and leave from.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct DnsServers {
    /// The servers, tried in order (each over UDP, then TCP for a truncated answer).
    pub servers: Vec<SocketAddr>,
    /// `--dns-ipv4-addr`: the local address of queries to IPv4 servers.
    pub bind_v4: Option<Ipv4Addr>,
    /// `--dns-ipv6-addr`: the local address of queries to IPv6 servers.
    pub bind_v6: Option<Ipv6Addr>,
}

impl DnsServers {
    /// A resolver that asks these servers.
    pub fn resolver(&self) -> Resolver {
        let mut config = ResolverConfig::new();
        for &server in &self.servers {
            let bind_addr = match server {
                SocketAddr::V4(_) => self.bind_v4.map(|ip| (ip, 0).into()),
                SocketAddr::V6(_) => self.bind_v6.map(|ip| (ip, 0).into()),
            };
            for protocol in [Protocol::Udp, Protocol::Tcp] {
                config.add_name_server(NameServerConfig {
                    bind_addr,
                    ..NameServerConfig::new(server, protocol)
                });
            }
        }
        let mut options = ResolverOpts::default();
        options.ip_strategy = LookupIpStrategy::Ipv4AndIpv6;
        let inner = TokioResolver::builder_with_config(config, TokioConnectionProvider::default())
            .with_options(options)
            .build();
        Resolver {
            inner: inner.into(),
        }
    }
}

/// A resolver asking chosen DNS servers; one per run, its cache shared by the run's URLs.
#[derive(Clone)]
pub struct Resolver {
    /// Behind an `Arc`: hickory's resolver is large, and a plan holds one per URL.
    inner: std::sync::Arc<TokioResolver>,
}

impl std::fmt::Debug for Resolver {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Resolver")
    }
}

impl Resolver {
    /// The addresses of `host`, with `port`, in the servers' order.
    pub async fn lookup(&self, host: &str, port: u16) -> io::Result<Vec<SocketAddr>> {
        let found = self
            .inner
            .lookup_ip(host)
            .await
            .map_err(|e| io::Error::new(io::ErrorKind::NotFound, e.to_string()))?;
        Ok(found.iter().map(|ip| SocketAddr::new(ip, port)).collect())
    }
}
