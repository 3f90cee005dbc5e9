//! Owns opening a connection for a URL: which hops it takes and in what order, all within
//! `--connect-timeout`. The hops themselves are `hops.rs`'s: a socket (TCP to the host, the
//! `--connect-to` target or the proxy, or `--unix-socket`), then SOCKS, then TLS to an
//! `https://` proxy, then CONNECT (https, or `-p`), then TLS to the origin. The exchange and
//! `--segments` both dial through here. TLS itself (trust, handshake, its failures) is
//! `net::tls`'s; fetch adds ALPN `http/1.1` and the client certificate, builds the
//! configuration once per fetch, and warns once about `-k`.

use super::error::FetchError;
use super::hops::{self, Net};
use super::plan::{ConnectPlan, FetchPlan};
use super::proxy::{Proxy, ProxyKind};
use super::route::HostPort;
use super::transfer::Conn;
use super::verbose::Verbose;
use crate::net::tls;
use crate::net::{Pipe, Transport};
use rustls::ClientConfig;
use std::sync::Arc;
use std::time::Instant;
use url::Url;

/// The proxy a connection for `url` goes through: none over `--unix-socket` (curl does not
/// mix the two either).
pub fn proxy_for<'a>(plan: &'a FetchPlan, url: &Url) -> Option<&'a Proxy> {
    match plan.connect.unix {
        Some(_) => None,
        None => plan.proxies.for_url(url),
    }
}

/// What a request to `url` needs for its proxy: Some(Proxy-Authorization) when it goes to
/// an HTTP proxy in absolute form, None when direct, tunnelled or through SOCKS.
pub fn via_proxy(plan: &FetchPlan, url: &Url) -> Option<Option<String>> {
    let proxy = proxy_for(plan, url)?;
    let absolute = url.scheme() == "http" && proxy.speaks_http() && !plan.connect.proxytunnel;
    absolute.then(|| proxy.authorization.clone())
}

/// What a connection for `url` can be kept for besides its origin: the route it took.
pub fn route_key(plan: &FetchPlan, url: &Url) -> String {
    match (&plan.connect.unix, proxy_for(plan, url)) {
        (Some(unix), _) => format!("unix:{unix}"),
        (None, Some(proxy)) => proxy.key(),
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
}

/// Connects for `url`; `tls` is the configuration for https. `times` notes when each step
/// was done.
pub async fn dial(
    plan: &FetchPlan,
    url: &Url,
    tls: Option<Arc<ClientConfig>>,
    trace: Verbose,
    times: &mut Milestones,
) -> Result<Conn, FetchError> {
    let host = url.host().ok_or_else(|| FetchError::BadUrl {
        url: url.to_string(),
        reason: "no host".into(),
    })?;
    let port = url.port_or_known_default().unwrap_or(80);
    let label = url.host_str().unwrap_or_default().to_string();
    let how = &plan.connect;
    let origin = match &host {
        url::Host::Ipv6(ip) => ip.to_string(),
        _ => label.clone(),
    };
    let target = how.routes.connect_to(&origin, port)?;
    let proxy = proxy_for(plan, url);
    let net = Net {
        routes: &how.routes,
        family: how.family,
        timeout: how.timeout,
        trace,
    };
    // Which step a timeout cut short: the TLS handshake is named as curl names it.
    let mut handshaking = false;
    let work = async {
        let pipe = first_hop(net, how, proxy, &target, &label, port, times).await?;
        times.connected = Some(Instant::now());
        let pipe = match proxy {
            Some(p) => {
                let tunnel = tls.is_some() || how.proxytunnel;
                let agent = tunnel.then_some(plan.request.user_agent.as_str());
                through_proxy(pipe, p, &target, net, how, agent).await?
            }
            None => pipe,
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
    proxy: Option<&Proxy>,
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
        Some(p) => net.tcp_to_proxy(p).await?,
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
/// (saying `tunnel`, the User-Agent) when the origin is https or `-p` asks for it.
async fn through_proxy(
    pipe: Pipe,
    proxy: &Proxy,
    target: &HostPort,
    net: Net<'_>,
    how: &ConnectPlan,
    tunnel: Option<&str>,
) -> Result<Pipe, FetchError> {
    let pipe = match proxy.kind {
        ProxyKind::Socks { .. } => return hops::socks(pipe, proxy, target, net).await,
        ProxyKind::Https => hops::proxy_tls(pipe, proxy, proxy_tls_config(how)?).await?,
        ProxyKind::Http => pipe,
    };
    let Some(user_agent) = tunnel else {
        return Ok(pipe);
    };
    let pipe = hops::tunnel(pipe, proxy, target, user_agent).await?;
    net.trace.info(format_args!(
        "Tunnel to {}:{} established",
        target.host, target.port
    ));
    Ok(pipe)
}

/// The TLS configuration for an `https://` proxy: `--proxy-cacert`, `--proxy-insecure`, no
/// ALPN (the proxy is spoken to in HTTP/1.1) and no client certificate.
fn proxy_tls_config(how: &ConnectPlan) -> Result<Arc<ClientConfig>, FetchError> {
    let config = tls::client_config(how.proxy_cacert.as_deref(), how.proxy_insecure, &[])?;
    Ok(Arc::new(config))
}

/// The TLS configuration, built once per fetch (with the `-k` warning, once).
pub fn tls_config(
    cached: &mut Option<Arc<ClientConfig>>,
    how: &ConnectPlan,
) -> Result<Arc<ClientConfig>, FetchError> {
    if let Some(config) = cached {
        return Ok(config.clone());
    }
    if how.insecure && how.warn {
        eprintln!("sockit: warning: --insecure: the server's certificate is not verified");
    }
    let mut config = tls::client_config(how.cacert.as_deref(), how.insecure, &[b"http/1.1"])?;
    if let Some(cert) = &how.client_cert {
        cert.check()?;
        tls::present_identity(&mut config, &cert.cert, &cert.key)?;
    }
    let config = Arc::new(config);
    *cached = Some(config.clone());
    Ok(config)
}
