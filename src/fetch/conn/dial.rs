//! Owns opening a connection for a URL: straight to its host (resolve, Happy Eyeballs), or
//! to the proxy chosen for it (a CONNECT tunnel for https), then TLS, all within
//! `--connect-timeout`. The exchange and `--segments` both dial through here. TLS itself
//! (trust, handshake, its failures) is `net::tls`'s; fetch offers ALPN `h2` then
//! `http/1.1` (or `http/1.1` alone), builds the configuration once per fetch, and warns once about `-k`.

use super::connect::{self, Family};
use super::proxy::{self, Proxies, Proxy};
use super::transfer::Conn;
use crate::fetch::error::FetchError;
use crate::fetch::output::verbose::Verbose;
use crate::net::tls;
use rustls::ClientConfig;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::{Duration, Instant};
use tokio::net::TcpStream;
use url::Url;

/// How connections are opened.
#[derive(Debug, Clone)]
pub struct ConnectPlan {
    /// `-4`/`-6`.
    pub family: Family,
    /// The bound on resolving, connecting and the TLS handshake.
    pub timeout: Option<Duration>,
    /// `--cacert`.
    pub cacert: Option<PathBuf>,
    /// `-k`.
    pub insecure: bool,
    /// Warn about `-k` on stderr (not with `-s`).
    pub warn: bool,
    /// Which HTTP versions a connection may speak.
    pub versions: HttpVersions,
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

/// A dial: the connection (or why there is none), when its steps were done, and how a
/// request on it names its target.
pub struct Dialed {
    /// The connection, or why it could not be made.
    pub conn: Result<Conn, FetchError>,
    /// When each step was done, also of a dial that failed part-way (for `-w`).
    pub times: Milestones,
    /// What a request to the URL needs for its proxy: Some(Proxy-Authorization) when it
    /// goes to an http proxy in absolute form, None when direct or tunnelled.
    pub via_proxy: Option<Option<String>>,
}

/// What a request to `url` needs for its proxy (see [`Dialed::via_proxy`]).
fn via_proxy(proxies: &Proxies, url: &Url) -> Option<Option<String>> {
    let proxy = proxies.for_url(url)?;
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
    let conn = connect_within(how, proxies, url, tls, trace, &mut times).await;
    Dialed {
        conn,
        times,
        via_proxy: via_proxy(proxies, url),
    }
}

/// Connects for `url` within `--connect-timeout`, noting in `times` when each step was done
/// (outside this future, so the steps a timeout cut short still count).
async fn connect_within(
    how: &ConnectPlan,
    proxies: &Proxies,
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
    let proxy = proxies.for_url(url);
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
