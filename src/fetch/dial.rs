//! Owns opening a connection for a URL: straight to its host (resolve, Happy Eyeballs), or
//! to the proxy chosen for it (a CONNECT tunnel for https), then TLS, all within
//! `--connect-timeout`. The exchange and `--segments` both dial through here. TLS itself
//! (trust, handshake, its failures) is `net::tls`'s; fetch offers ALPN `h2` and `http/1.1` (or `http/1.1` alone), builds
//! the configuration once per fetch, and warns once about `-k`.

use super::connect;
use super::error::FetchError;
use super::plan::{ConnectPlan, FetchPlan, HttpVersions};
use super::proxy::{self, Proxy};
use super::transfer::Conn;
use super::verbose::Verbose;
use crate::net::tls;
use rustls::ClientConfig;
use std::sync::Arc;
use std::time::Instant;
use tokio::net::TcpStream;
use url::Url;

/// What a request to `url` needs for its proxy: Some(Proxy-Authorization) when it goes to
/// an http proxy in absolute form, None when direct or tunnelled.
pub fn via_proxy(plan: &FetchPlan, url: &Url) -> Option<Option<String>> {
    let proxy = plan.proxies.for_url(url)?;
    (url.scheme() == "http").then(|| proxy.authorization.clone())
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
    let proxy = plan.proxies.for_url(url);
    // Which step a timeout cut short: the TLS handshake is named as curl names it.
    let mut handshaking = false;
    let work = async {
        let mut tcp = match proxy {
            Some(p) => {
                let tcp = dial_proxy(p, how, trace, &mut times.resolved).await?;
                trace.info(format_args!("Connected to proxy {}:{}", p.host, p.port));
                tcp
            }
            None => {
                let addrs = connect::resolve(&host, port, how.family).await?;
                times.resolved = Some(Instant::now());
                trace.resolved(&label, port, &addrs);
                connect::connect(&addrs, &label, how.timeout).await?
            }
        };
        times.connected = Some(Instant::now());
        if let (Ok(peer), None) = (tcp.peer_addr(), proxy) {
            trace.info(format_args!(
                "Connected to {label} ({}) port {port}",
                peer.ip()
            ));
        }
        match tls {
            Some(config) => {
                if let Some(p) = proxy {
                    proxy::tunnel(&mut tcp, p, &label, port).await?;
                    trace.info(format_args!("Tunnel to {label}:{port} established"));
                }
                handshaking = true;
                let stream = tls::handshake(tcp, &host, config).await?;
                times.handshaken = Some(Instant::now());
                trace.tls(stream.get_ref().1);
                Ok(Conn::Tls(Box::new(stream)))
            }
            None => Ok(Conn::Plain(tcp)),
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

/// Connects to `proxy`; its name not resolving is curl's 5, not 6.
async fn dial_proxy(
    proxy: &Proxy,
    how: &ConnectPlan,
    trace: Verbose,
    resolved: &mut Option<Instant>,
) -> Result<TcpStream, FetchError> {
    let host = url::Host::parse(&proxy.host).map_err(|e| FetchError::BadUrl {
        url: proxy.host.clone(),
        reason: e.to_string(),
    })?;
    let host = crate::net::borrow_host(&host);
    let addrs = match connect::resolve(&host, proxy.port, how.family).await {
        Ok(addrs) => addrs,
        Err(FetchError::Resolve { host, reason }) => {
            return Err(FetchError::ResolveProxy { host, reason })
        }
        Err(e) => return Err(e),
    };
    *resolved = Some(Instant::now());
    trace.resolved(&proxy.host, proxy.port, &addrs);
    connect::connect(&addrs, &proxy.host, how.timeout).await
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
    let alpn: &[&[u8]] = match how.versions {
        HttpVersions::Http1 => &[b"http/1.1"],
        HttpVersions::Http2OverTls | HttpVersions::Http2PriorKnowledge => &[b"h2", b"http/1.1"],
    };
    let config = Arc::new(tls::client_config(
        how.cacert.as_deref(),
        how.insecure,
        alpn,
    )?);
    *cached = Some(config.clone());
    Ok(config)
}
