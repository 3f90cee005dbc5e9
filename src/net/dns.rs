//! Owns looking names up with DNS servers of the user's choosing instead of the system
//! resolver: curl's `--dns-servers` (with `--dns-ipv4-addr`/`--dns-ipv6-addr` for the local
//! address the queries leave from, `--dns-interface` for the device), through
//! hickory-resolver.
//!
//! `--dns-interface` binds every query socket to the device (SO_BINDTODEVICE), as c-ares
//! does for curl; hickory has no such setting, so its tokio runtime is wrapped by one that
//! makes the sockets ([`DeviceSockets`]). Where c-ares goes on from an interface it cannot
//! bind to, and sends the queries from whatever interface routes them, the failure here is
//! the query's: DNS never leaves from an interface the user did not ask for.
//!
//! Built only with the `dns` cargo feature: the resolver and its protocol crate add to the
//! binary (see the README's size note), and the system resolver stays the default either way.
//! Happy Eyeballs applies on top of what it finds, as on top of the system's answer.

use hickory_resolver::config::{LookupIpStrategy, NameServerConfig, ResolverConfig, ResolverOpts};
use hickory_resolver::name_server::GenericConnector;
use hickory_resolver::proto::runtime::iocompat::AsyncIoTokioAsStd;
use hickory_resolver::proto::runtime::{
    RuntimeProvider, TokioHandle, TokioRuntimeProvider, TokioTime,
};
use hickory_resolver::proto::xfer::Protocol;
use std::future::Future;
use std::io;
use std::net::{Ipv4Addr, Ipv6Addr, SocketAddr};
use std::pin::Pin;
use std::sync::Arc;
use std::time::Duration;
use tokio::net::{TcpSocket, TcpStream, UdpSocket};

/// How long a query over TCP may take to connect when hickory gives no bound (its own
/// default, which it keeps private).
const TCP_CONNECT_TIMEOUT: Duration = Duration::from_secs(5);

/// hickory's resolver over [`DeviceSockets`].
type DeviceResolver = hickory_resolver::Resolver<GenericConnector<DeviceSockets>>;

/// Where queries go and leave from.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct DnsServers {
    /// The servers, tried in order (each over UDP, then TCP for a truncated answer).
    pub servers: Vec<SocketAddr>,
    /// `--dns-ipv4-addr`: the local address of queries to IPv4 servers.
    pub bind_v4: Option<Ipv4Addr>,
    /// `--dns-ipv6-addr`: the local address of queries to IPv6 servers.
    pub bind_v6: Option<Ipv6Addr>,
    /// `--dns-interface`: the network device every query leaves from.
    pub device: Option<String>,
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
        let sockets = DeviceSockets {
            tokio: TokioRuntimeProvider::default(),
            device: self.device.as_deref().map(Arc::from),
        };
        let inner = DeviceResolver::builder_with_config(config, GenericConnector::new(sockets))
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
    inner: Arc<DeviceResolver>,
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

/// hickory's tokio runtime, with every query socket bound to `device` when there is one.
#[derive(Clone)]
struct DeviceSockets {
    /// The runtime whose handle and timer are used, and whose sockets are without a device.
    tokio: TokioRuntimeProvider,
    /// `--dns-interface`.
    device: Option<Arc<str>>,
}

impl RuntimeProvider for DeviceSockets {
    type Handle = TokioHandle;
    type Timer = TokioTime;
    type Udp = UdpSocket;
    type Tcp = AsyncIoTokioAsStd<TcpStream>;

    fn create_handle(&self) -> Self::Handle {
        self.tokio.create_handle()
    }

    fn connect_tcp(
        &self,
        server_addr: SocketAddr,
        bind_addr: Option<SocketAddr>,
        timeout: Option<Duration>,
    ) -> Pin<Box<dyn Send + Future<Output = io::Result<Self::Tcp>>>> {
        let Some(device) = self.device.clone() else {
            return self.tokio.connect_tcp(server_addr, bind_addr, timeout);
        };
        Box::pin(async move {
            let socket = match server_addr {
                SocketAddr::V4(_) => TcpSocket::new_v4(),
                SocketAddr::V6(_) => TcpSocket::new_v6(),
            }?;
            bind_device(socket.bind_device(Some(device.as_bytes())), &device)?;
            if let Some(local) = bind_addr {
                socket.bind(local)?;
            }
            socket.set_nodelay(true)?;
            let wait = timeout.unwrap_or(TCP_CONNECT_TIMEOUT);
            let stream = tokio::time::timeout(wait, socket.connect(server_addr))
                .await
                .map_err(|_| io::Error::new(io::ErrorKind::TimedOut, "DNS over TCP timed out"))??;
            Ok(AsyncIoTokioAsStd(stream))
        })
    }

    fn bind_udp(
        &self,
        local_addr: SocketAddr,
        _server_addr: SocketAddr,
    ) -> Pin<Box<dyn Send + Future<Output = io::Result<Self::Udp>>>> {
        let device = self.device.clone();
        Box::pin(async move {
            let socket = UdpSocket::bind(local_addr).await?;
            if let Some(device) = device {
                bind_device(socket.bind_device(Some(device.as_bytes())), &device)?;
            }
            Ok(socket)
        })
    }
}

/// SO_BINDTODEVICE's outcome, its failure naming the device.
fn bind_device(result: io::Result<()>, device: &str) -> io::Result<()> {
    result.map_err(|e| {
        io::Error::new(
            e.kind(),
            format!(
                "cannot send DNS queries from interface '{device}': {}",
                super::describe(&e)
            ),
        )
    })
}
