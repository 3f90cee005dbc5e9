//! Owns opening a connection for a URL: which hops it takes and in what order, all within
//! `--connect-timeout`. The hops themselves are `hops.rs`'s: a socket (TCP to the host, the
//! `--connect-to` target or the proxy, or `--unix-socket`), then SOCKS, then TLS to an
//! `https://` proxy, then CONNECT (https, or `-p`), then TLS to the origin. The exchange and
//! `--segments` both dial through here. TLS itself (trust, handshake, its failures) is
//! `net::tls`'s; fetch offers ALPN `h2` then `http/1.1` (or `http/1.1` alone) and the
//! client certificate, builds the configuration once per fetch, and warns once about `-k`.

use super::connect::{Family, Sockets};
use super::hops::{self, Net};
use super::proxy::{ConnectHead, Proxies, Proxy, ProxyKind};
use super::proxy_auth::ProxyAuth;
use super::route::{HostPort, Routes};
use super::transfer::Conn;
use crate::fetch::error::FetchError;
use crate::fetch::http::head::Head;
use crate::fetch::output::verbose::Verbose;
use crate::net::tls::{self, TlsOptions};
use crate::net::{Pipe, Transport, UnixAddr};
use rustls::ClientConfig;
use std::sync::{Arc, Mutex, PoisonError};
use std::time::{Duration, Instant};
use url::Url;

/// How connections are opened.
#[derive(Debug, Clone)]
pub struct ConnectPlan {
    /// `-4`/`-6`.
    pub family: Family,
    /// The bound on resolving, connecting and the TLS handshake.
    pub timeout: Option<Duration>,
    /// The origin's TLS: trust, versions, suites, pins, the client certificate.
    pub tls: TlsOptions,
    /// Warn about `-k` on stderr (not with `-s`).
    pub warn: bool,
    /// `--resolve` and `--connect-to`.
    pub routes: Routes,
    /// `--unix-socket` or `--abstract-unix-socket`: instead of the network.
    pub unix: Option<UnixAddr>,
    /// `-p`: CONNECT through an HTTP proxy for plain http too.
    pub proxytunnel: bool,
    /// An `https://` proxy's TLS (`--proxy-cacert`, `--proxy-insecure` and the other
    /// `--proxy-` twins of the TLS flags).
    pub proxy_tls: TlsOptions,
    /// What a CONNECT request says besides its target (`-A`, `--proxy-header`,
    /// `--proxy1.0`).
    pub connect_head: ConnectHead,
    /// `--haproxy-protocol`: a PROXY v1 line before the first request.
    pub haproxy_protocol: bool,
    /// Which HTTP versions a connection may speak.
    pub versions: HttpVersions,
    /// `--http3`, `--http3-only`: HTTP/3 over QUIC first (always `Off` in a build
    /// without the `http3` feature, whose flags refuse the others).
    #[cfg_attr(not(feature = "http3"), allow(dead_code))]
    pub quic: QuicMode,
    /// How sockets are made and bound.
    pub sockets: Sockets,
    /// Who resolves names (`--dns-servers`, else the system).
    pub names: crate::net::Names,
}

impl ConnectPlan {
    /// The network a connection is made over: routes, family, the connect's bound, sockets
    /// and resolver, reporting to `trace`; for TCP and QUIC alike.
    pub fn net(&self, trace: Verbose) -> Net<'_> {
        Net {
            routes: &self.routes,
            family: self.family,
            timeout: self.timeout,
            sockets: &self.sockets,
            names: &self.names,
            trace,
        }
    }
}

/// Whether an https:// URL goes over QUIC (HTTP/3) first (`--http3`, `--http3-only`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum QuicMode {
    /// TCP only (the default).
    #[default]
    Off,
    /// QUIC first; TCP (HTTP/2 or HTTP/1.1) when QUIC does not connect in time.
    Try,
    /// QUIC or nothing: its failure is the fetch's.
    Only,
}

/// Which HTTP versions a connection offers and speaks (`-0`, `--http1.1`, `--http2`,
/// `--http2-prior-knowledge`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum HttpVersions {
    /// HTTP/1.x only: TLS offers ALPN `http/1.1` alone.
    Http1,
    /// TLS offers `h2` then `http/1.1` and speaks what the server picks; clear text is
    /// HTTP/1.1 (curl's default).
    #[default]
    Http2OverTls,
    /// HTTP/2 on every connection, clear text (h2c) included, without asking first.
    Http2PriorKnowledge,
}

/// The TLS configurations of a run, one per set of TLS options and HTTP versions: built
/// once, and kept so that a later connection of the run resumes an earlier one's session,
/// as curl's session cache lets it (rustls resumes a session only under the configuration
/// that verified it).
#[derive(Debug, Default)]
pub struct TlsConfigs(Mutex<Vec<(TlsOptions, HttpVersions, Arc<ClientConfig>)>>);

/// A dial: the connection (or why there is none), when its steps were done, and how a
/// request on it names its target.
pub struct Dialed {
    /// The connection, or why it could not be made.
    pub conn: Result<Conn, FetchError>,
    /// When each step was done, also of a dial that failed part-way (for `-w`).
    pub times: Milestones,
    /// What a request to the URL needs for its proxy (see [`via_proxy`]).
    pub via_proxy: Option<Option<String>>,
    /// The proxy's answers to CONNECT, in order (a 407 before the 200, or the refusal),
    /// also of a dial that failed after them: curl shows them with `-i` and `-D`.
    pub proxy_answers: Vec<Head>,
}

/// The proxy a connection for `url` goes through: none over `--unix-socket` (curl does not
/// mix the two either).
fn proxy_for<'a>(how: &ConnectPlan, proxies: &'a Proxies, url: &Url) -> Option<&'a Proxy> {
    match how.unix {
        Some(_) => None,
        None => proxies.for_url(url),
    }
}

/// What a request to `url` needs for its proxy: Some(Proxy-Authorization) when it goes to
/// an HTTP proxy in absolute form, None when direct, tunnelled or through SOCKS.
pub fn via_proxy(how: &ConnectPlan, proxies: &Proxies, url: &Url) -> Option<Option<String>> {
    let proxy = proxy_for(how, proxies, url)?;
    let absolute = url.scheme() == "http" && proxy.speaks_http() && !how.proxytunnel;
    absolute.then(|| proxy.authorization.clone())
}

/// What a connection for `url` can be kept for besides its origin: the route it took.
pub fn route_key(how: &ConnectPlan, proxies: &Proxies, url: &Url) -> String {
    match (&how.unix, proxy_for(how, proxies, url)) {
        (Some(unix), _) => format!("unix:{unix}"),
        (None, Some(proxy)) => match proxies.pre_for(proxy) {
            Some(pre) => format!("{} {}", pre.key(), proxy.key()),
            None => proxy.key(),
        },
        (None, None) => String::new(),
    }
}

/// When the steps of a dial were done, for `-w`'s timings.
#[derive(Debug, Default, Clone, Copy)]
pub struct Milestones {
    /// The name (of the host or the proxy) resolved.
    pub resolved: Option<Instant>,
    /// TCP up, to the host or the proxy.
    pub connected: Option<Instant>,
    /// The TLS handshake with the host done (https only).
    pub handshaken: Option<Instant>,
    /// TCP connections made (to the host or the proxy), counted as curl's
    /// `%{num_connects}` counts them: also when what follows fails (TLS, the tunnel), and
    /// twice when a proxy closes on its challenge.
    pub connects: u32,
}

/// Connects for `url` as `how` says, through the proxy `proxies` choose for it; `tls` is
/// the configuration for https.
pub async fn dial(
    how: &ConnectPlan,
    proxies: &Proxies,
    url: &Url,
    tls: Option<Arc<ClientConfig>>,
    trace: Verbose,
) -> Dialed {
    let mut times = Milestones::default();
    let mut proxy_answers = Vec::new();
    let noted = (&mut times, &mut proxy_answers);
    let conn = connect_within(how, proxies, url, tls, trace, noted).await;
    Dialed {
        conn,
        times,
        via_proxy: via_proxy(how, proxies, url),
        proxy_answers,
    }
}

/// Connects for `url` within `--connect-timeout`, noting in `times` when each step was done
/// and in `answers` what the proxy answered to CONNECT (outside this future, so what came
/// before a timeout or a refusal still counts).
async fn connect_within(
    how: &ConnectPlan,
    proxies: &Proxies,
    url: &Url,
    tls: Option<Arc<ClientConfig>>,
    trace: Verbose,
    (times, answers): (&mut Milestones, &mut Vec<Head>),
) -> Result<Conn, FetchError> {
    let host = url.host().ok_or_else(|| FetchError::BadUrl {
        url: url.to_string(),
        reason: "no host".into(),
    })?;
    let port = url.port_or_known_default().unwrap_or(80);
    let label = url.host_str().unwrap_or_default().to_string();
    let origin = match &host {
        url::Host::Ipv6(ip) => ip.to_string(),
        _ => label.clone(),
    };
    let target = how.routes.connect_to(&origin, port)?;
    let proxy = proxy_for(how, proxies, url);
    let net = how.net(trace);
    // Which step a timeout cut short: the TLS handshake is named as curl names it.
    let mut handshaking = false;
    let work = async {
        let pre = proxy.and_then(|p| proxies.pre_for(p));
        // A proxy that closes on its challenge is dialled again for the answer, as curl
        // does; `answered` keeps a refused answer from going round for ever.
        let mut answered = false;
        let pipe = loop {
            let pipe = first_hop(net, how, (pre, proxy), &target, &label, port, times).await?;
            times.connected = Some(Instant::now());
            times.connects += 1;
            let Some(p) = proxy else { break pipe };
            let tunnel = tls.is_some() || how.proxytunnel;
            let head = tunnel.then_some((&how.connect_head, &proxies.auth));
            let noted = (&mut *answers, &mut answered);
            match through_proxy(pipe, p, &target, net, how, head, noted).await? {
                Some(pipe) => break pipe,
                None => trace.info("Connect me again please"),
            }
        };
        let pipe = match how.haproxy_protocol {
            true => hops::haproxy(pipe).await?,
            false => pipe,
        };
        match tls {
            Some(config) => {
                handshaking = true;
                let stream = hops::origin_tls(pipe, &host, config, &mut times.handshaken).await?;
                trace.tls(stream.get_ref().1);
                Ok(Conn::Tls(stream))
            }
            None => Ok(Conn::Plain(pipe)),
        }
    };
    let Some(limit) = how.timeout else {
        return work.await;
    };
    let result = tokio::time::timeout(limit, work).await;
    result.unwrap_or_else(|_| {
        let ms = limit.as_millis();
        Err(FetchError::Timeout(match handshaking {
            true => format!(
                "SSL connection timeout: the TLS handshake with {label} port {port} did not \
                 finish within {ms} ms"
            ),
            false => format!("connection to {label} port {port} timed out after {ms} ms"),
        }))
    })
}

/// The socket at the bottom: the Unix socket, the proxy, or the host (`--connect-to`'s
/// target when one matches).
async fn first_hop(
    net: Net<'_>,
    how: &ConnectPlan,
    (pre, proxy): (Option<&Proxy>, Option<&Proxy>),
    target: &HostPort,
    label: &str,
    port: u16,
    times: &mut Milestones,
) -> Result<Pipe, FetchError> {
    if let Some(unix) = &how.unix {
        net.trace.info(format_args!("Trying {unix}..."));
        return hops::unix(unix, label, port).await;
    }
    let (pipe, resolved) = match proxy {
        Some(p) => match pre {
            Some(pre) => {
                let (pipe, resolved) = net.tcp_to_proxy(pre).await?;
                let host = p.host.trim_start_matches('[').trim_end_matches(']');
                let to = HostPort {
                    host: host.to_owned(),
                    port: p.port,
                };
                (hops::socks(pipe, pre, &to, net).await?, resolved)
            }
            None => net.tcp_to_proxy(p).await?,
        },
        None => {
            if target.host != label.trim_matches(['[', ']']) || target.port != port {
                net.trace
                    .info(format_args!("Connecting to hostname: {}", target.host));
                net.trace
                    .info(format_args!("Connecting to port: {}", target.port));
            }
            net.tcp(target, label).await?
        }
    };
    times.resolved = Some(resolved);
    match (proxy, pipe.addresses().1) {
        (Some(p), _) => net
            .trace
            .info(format_args!("Connected to proxy {}:{}", p.host, p.port)),
        (None, Some(peer)) => net.trace.info(format_args!(
            "Connected to {label} ({}) port {}",
            peer.ip(),
            peer.port()
        )),
        (None, None) => {}
    }
    Ok(pipe)
}

/// The proxy's own hops over `pipe`: SOCKS, or TLS to an `https://` proxy and then CONNECT
/// (saying `tunnel`, the CONNECT head, its answers added to `noted`'s list) when the origin
/// is https or `-p` asks for it. None when the proxy closed on a challenge to be answered
/// on a new connection.
async fn through_proxy(
    pipe: Pipe,
    proxy: &Proxy,
    target: &HostPort,
    net: Net<'_>,
    how: &ConnectPlan,
    tunnel: Option<(&ConnectHead, &ProxyAuth)>,
    noted: (&mut Vec<Head>, &mut bool),
) -> Result<Option<Pipe>, FetchError> {
    let pipe = match proxy.kind {
        ProxyKind::Socks { .. } => return hops::socks(pipe, proxy, target, net).await.map(Some),
        ProxyKind::Https => hops::proxy_tls(pipe, proxy, proxy_tls_config(how)?).await?,
        ProxyKind::Http => pipe,
    };
    let Some(head) = tunnel else {
        return Ok(Some(pipe));
    };
    hops::tunnel(pipe, proxy, target, head, net.trace, noted).await
}

/// The TLS configuration for an `https://` proxy: the `--proxy-` TLS flags, no ALPN (the
/// proxy is spoken to in HTTP/1.1).
fn proxy_tls_config(how: &ConnectPlan) -> Result<Arc<ClientConfig>, FetchError> {
    Ok(Arc::new(tls::client_config(&how.proxy_tls, &[])?))
}

/// The TLS configuration, built once per run for `how`'s options (with the `-k` warning,
/// once) and kept in `configs`, the run's.
pub fn tls_config(
    cached: &mut Option<Arc<ClientConfig>>,
    how: &ConnectPlan,
    configs: &TlsConfigs,
) -> Result<Arc<ClientConfig>, FetchError> {
    if let Some(config) = cached {
        return Ok(config.clone());
    }
    let mut built = configs.0.lock().unwrap_or_else(PoisonError::into_inner);
    let found = built
        .iter()
        .find(|(opts, versions, _)| *opts == how.tls && *versions == how.versions);
    if let Some((_, _, config)) = found {
        *cached = Some(config.clone());
        return Ok(config.clone());
    }
    if how.tls.insecure && how.warn {
        eprintln!("sockit: warning: --insecure: the server's certificate is not verified");
    }
    let alpn: &[&[u8]] = match how.versions {
        HttpVersions::Http1 => &[b"http/1.1"],
        HttpVersions::Http2OverTls | HttpVersions::Http2PriorKnowledge => &[b"h2", b"http/1.1"],
    };
    let config = Arc::new(tls::client_config(&how.tls, alpn)?);
    built.push((how.tls.clone(), how.versions, config.clone()));
    *cached = Some(config.clone());
    Ok(config)
}

/// The TLS configuration for QUIC: `tcp`'s trust and client certificate, offering ALPN
/// `h3` alone.
#[cfg(feature = "http3")]
pub fn quic_tls_config(tcp: &ClientConfig) -> Arc<ClientConfig> {
    let mut config = tcp.clone();
    config.alpn_protocols = vec![b"h3".to_vec()];
    Arc::new(config)
}
