//! What the server counts, and the HTTP endpoint (`--metrics ADDR`) that serves it to
//! Prometheus at `GET /metrics`, with readiness for load balancers and supervisors at
//! `GET /ready`.
//!
//! The names and their meanings are an interface dashboards rely on; the README lists them.
//! Counts are exact. The per-connection events (accepted, rejected, closed, the duration) are
//! plain prometheus-client metrics, one atomic add each, pre-created for every label value so
//! a reason that never happened reads 0 rather than missing. The per-message figures
//! (messages, bytes) are touched on every read, so they live in [`Traffic`]: one cache line
//! of relaxed atomics per worker thread (indexed by a thread-local), added up only when
//! scraped. A read costs three uncontended atomic adds on a line its own thread owns.
//!
//! Readiness is a flag, not the listeners' state: it turns on once every listener is
//! accepting and off at the first shutdown signal, while listeners may still accept (a
//! balancer health-checking `/ready` stops sending before they close). A health check must
//! get through even when the endpoint is crowded: connections past the scraper limit are
//! still taken, up to a small reserve, for `/ready` alone; a connection that sends no request
//! head is closed after half a second; and what was turned away is counted.

use crate::net::{bind_hint, describe};
use anyhow::anyhow;
use http_body_util::Full;
use hyper::body::Bytes;
use hyper::{header, Method, Request, Response, StatusCode};
use hyper_util::rt::{TokioIo, TokioTimer};
use prometheus_client::collector::Collector;
use prometheus_client::encoding::{DescriptorEncoder, EncodeMetric};
use prometheus_client::metrics::counter::{ConstCounter, Counter};
use prometheus_client::metrics::family::Family;
use prometheus_client::metrics::gauge::Gauge;
use prometheus_client::metrics::histogram::Histogram;
use prometheus_client::metrics::MetricType;
use prometheus_client::registry::Registry;
use std::convert::Infallible;
use std::net::SocketAddr;
use std::sync::atomic::{AtomicBool, AtomicU64, AtomicUsize, Ordering::Relaxed};
use std::sync::Arc;
use std::time::{Duration, Instant};
use tokio::net::TcpListener;
use tokio::task::JoinSet;
use tokio_util::sync::CancellationToken;
use tracing::{debug, warn};

/// Why a connection was turned away before its conversation began
/// (`sockit_connections_rejected_total{reason}`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Rejection {
    /// Every `--max-connections` slot was taken: `ERR server busy`.
    Busy,
    /// Too many connections from one client address.
    PerAddress,
    /// The TLS handshake failed or timed out.
    TlsHandshake,
    /// A missing, malformed or untrusted PROXY protocol header.
    ProxyHeader,
    /// Over `--max-connection-rate`.
    Rate,
    /// Over `--max-connection-rate-per-ip`.
    RatePerAddress,
}

impl Rejection {
    const ALL: [Rejection; 6] = [
        Rejection::Busy,
        Rejection::PerAddress,
        Rejection::TlsHandshake,
        Rejection::ProxyHeader,
        Rejection::Rate,
        Rejection::RatePerAddress,
    ];

    /// The `reason` label, also the access log's.
    pub(crate) fn label(self) -> &'static str {
        match self {
            Rejection::Busy => "busy",
            Rejection::PerAddress => "per_address",
            Rejection::TlsHandshake => "tls_handshake",
            Rejection::ProxyHeader => "proxy_header",
            Rejection::Rate => "rate",
            Rejection::RatePerAddress => "rate_per_address",
        }
    }
}

/// Why the metrics endpoint turned a connection or a request away
/// (`sockit_metrics_turned_away_total{reason}`): what a starved endpoint looks like from the
/// outside, so that it shows before a health check fails.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum TurnedAway {
    /// Every scraper slot and the `/ready` reserve were taken: closed at accept.
    Closed,
    /// A `/metrics` request on a reserve connection: answered 503.
    ScrapeBusy,
    /// No request head within the head timeout.
    HeadTimeout,
}

impl TurnedAway {
    const ALL: [TurnedAway; 3] = [
        TurnedAway::Closed,
        TurnedAway::ScrapeBusy,
        TurnedAway::HeadTimeout,
    ];

    fn label(self) -> &'static str {
        match self {
            TurnedAway::Closed => "closed",
            TurnedAway::ScrapeBusy => "scrape_busy",
            TurnedAway::HeadTimeout => "head_timeout",
        }
    }
}

/// Why an admitted connection ended (`sockit_connections_closed_total{reason}`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Close {
    /// The client sent `exit`.
    Exit,
    /// The client closed its sending side.
    Eof,
    /// `ERR idle timeout`.
    IdleTimeout,
    /// `ERR line too long`.
    LineTooLong,
    /// The client reset the connection (or it was aborted under us).
    Reset,
    /// Pending replies made no progress for `--send-timeout`.
    SendTimeout,
    /// `ERR server shutting down`, after the grace period.
    Shutdown,
    /// Any other socket error.
    Error,
}

impl Close {
    const ALL: [Close; 8] = [
        Close::Exit,
        Close::Eof,
        Close::IdleTimeout,
        Close::LineTooLong,
        Close::Reset,
        Close::SendTimeout,
        Close::Shutdown,
        Close::Error,
    ];

    /// The `reason` label, also the access log's `close`.
    pub(crate) fn label(self) -> &'static str {
        match self {
            Close::Exit => "exit",
            Close::Eof => "eof",
            Close::IdleTimeout => "idle_timeout",
            Close::LineTooLong => "line_too_long",
            Close::Reset => "reset",
            Close::SendTimeout => "send_timeout",
            Close::Shutdown => "shutdown",
            Close::Error => "error",
        }
    }
}

/// Upper bounds of `sockit_connection_duration_seconds`'s buckets: from a churn client's few
/// milliseconds to an hour-long session.
const DURATION_BUCKETS: [f64; 12] = [
    0.001, 0.005, 0.025, 0.1, 0.5, 1.0, 5.0, 30.0, 60.0, 300.0, 900.0, 3600.0,
];

type Labels = [(&'static str, &'static str); 1];

/// The server's metrics and readiness, shared by every connection and the endpoint.
#[derive(Debug)]
pub struct Metrics {
    registry: Registry,
    accepted: Counter,
    open: Gauge,
    rejected: [Counter; Rejection::ALL.len()],
    turned_away: [Counter; TurnedAway::ALL.len()],
    closed: [Counter; Close::ALL.len()],
    durations: Histogram,
    traffic: Arc<Traffic>,
    ready: AtomicBool,
    /// `sockit_ready`: readiness as a sample, so an alert can see an instance that stays
    /// out of rotation.
    ready_gauge: Gauge,
    /// `sockit_connections_max`: `--max-connections` in force, what saturation is measured
    /// against.
    max_connections: Gauge,
    /// `sockit_config_reloads_total{result="ok"|"error"}`.
    reloads: [Counter; 2],
    /// `sockit_config_last_reload_successful` (1 or 0) and
    /// `sockit_config_last_reload_success_timestamp_seconds`, as Prometheus names its own.
    last_reload_successful: Gauge,
    last_reload_success: Gauge<f64, AtomicU64>,
    /// Where [`Metrics::clock`] counts from.
    epoch: Instant,
}

/// When a connection began, as nanoseconds since the metrics were created: 8 bytes in every
/// connection's future where an `Instant` would take 16.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Started(u64);

impl Metrics {
    pub(crate) fn new() -> Self {
        let mut registry = Registry::with_prefix("sockit");
        let accepted = Counter::default();
        registry.register(
            "connections_accepted",
            "Connections admitted to a conversation (one turned away counts only in rejected)",
            accepted.clone(),
        );
        let open = Gauge::default();
        registry.register(
            "connections_open",
            "Connections in a conversation now",
            open.clone(),
        );
        let rejected = Family::<Labels, Counter>::default();
        registry.register(
            "connections_rejected",
            "Connections turned away before their conversation, by reason",
            rejected.clone(),
        );
        let turned_away = Family::<Labels, Counter>::default();
        registry.register(
            "metrics_turned_away",
            "Connections and requests the metrics endpoint turned away, by reason",
            turned_away.clone(),
        );
        let closed = Family::<Labels, Counter>::default();
        registry.register(
            "connections_closed",
            "Admitted connections that ended, by reason",
            closed.clone(),
        );
        let durations = Histogram::new(DURATION_BUCKETS);
        registry.register(
            "connection_duration_seconds",
            "How long admitted connections lasted, from accept to close",
            durations.clone(),
        );
        let traffic = Arc::new(Traffic::default());
        registry.register_collector(Box::new(traffic.clone()));
        let build = Family::<Labels, Gauge>::default();
        build
            .get_or_create(&[("version", env!("CARGO_PKG_VERSION"))])
            .set(1);
        registry.register("build_info", "The sockit build serving (always 1)", build);
        let ready_gauge = Gauge::default();
        registry.register(
            "ready",
            "1 while /ready answers 200 (every listener accepting, no shutdown begun), else 0",
            ready_gauge.clone(),
        );
        let max_connections = Gauge::default();
        registry.register(
            "connections_max",
            "Connections served at once at most (--max-connections, after fitting the open-file limit)",
            max_connections.clone(),
        );
        let reloads = Family::<Labels, Counter>::default();
        registry.register(
            "config_reloads",
            "Configuration reloads (SIGHUP), by result",
            reloads.clone(),
        );
        let last_reload_successful = Gauge::default();
        last_reload_successful.set(1);
        registry.register(
            "config_last_reload_successful",
            "Whether the last configuration reload worked (1; the start counts as one)",
            last_reload_successful.clone(),
        );
        let last_reload_success = Gauge::<f64, AtomicU64>::default();
        last_reload_success.set(unix_now());
        registry.register(
            "config_last_reload_success_timestamp_seconds",
            "When the configuration was last loaded successfully (at start, or a reload)",
            last_reload_success.clone(),
        );
        Metrics {
            reloads: ["ok", "error"].map(|r| reloads.get_or_create(&[("result", r)]).clone()),
            last_reload_successful,
            last_reload_success,
            registry,
            accepted,
            open,
            rejected: Rejection::ALL
                .map(|r| rejected.get_or_create(&[("reason", r.label())]).clone()),
            turned_away: TurnedAway::ALL
                .map(|t| turned_away.get_or_create(&[("reason", t.label())]).clone()),
            closed: Close::ALL.map(|c| closed.get_or_create(&[("reason", c.label())]).clone()),
            durations,
            traffic,
            ready: AtomicBool::new(false),
            ready_gauge,
            max_connections,
            epoch: Instant::now(),
        }
    }

    /// A connection was admitted to a conversation.
    pub(crate) fn accepted(&self) {
        self.accepted.inc();
        self.open.inc();
    }

    /// A connection was turned away for `why`.
    pub(crate) fn rejected(&self, why: Rejection) {
        self.rejected[why as usize].inc();
    }

    /// The metrics endpoint turned a connection or request away for `why`.
    pub(crate) fn turned_away(&self, why: TurnedAway) {
        self.turned_away[why as usize].inc();
    }

    /// A connection's start, at `at` (a time the connection has read anyway: the clock is
    /// one of the few user-space costs a churn connection pays); [`Metrics::closed`] takes it
    /// back.
    pub(crate) fn started_at(&self, at: Instant) -> Started {
        Started(at.saturating_duration_since(self.epoch).as_nanos() as u64)
    }

    /// An admitted connection that began at `started` ended for `why`; returns how long it
    /// lasted.
    pub(crate) fn closed(&self, why: Close, started: Started) -> Duration {
        self.closed[why as usize].inc();
        self.open.dec();
        let lasted = self.started_at(Instant::now()).0.saturating_sub(started.0);
        self.durations.observe(lasted as f64 / 1e9);
        Duration::from_nanos(lasted)
    }

    /// One read's worth of conversation: names answered and bytes read and written.
    #[inline]
    pub(crate) fn traffic(&self, messages: u32, received: usize, sent: usize) {
        let shard = self.traffic.shard();
        shard.messages.fetch_add(messages.into(), Relaxed);
        shard.received.fetch_add(received as u64, Relaxed);
        shard.sent.fetch_add(sent as u64, Relaxed);
    }

    /// Bytes written outside a read (the greeting, replies the socket took later, the
    /// closing `ERR` line).
    pub(crate) fn sent(&self, bytes: usize) {
        self.traffic.shard().sent.fetch_add(bytes as u64, Relaxed);
    }

    /// Whether `/ready` answers 200: every listener is accepting and no shutdown has begun.
    pub fn is_ready(&self) -> bool {
        self.ready.load(Relaxed)
    }

    pub(crate) fn set_ready(&self, ready: bool) {
        self.ready.store(ready, Relaxed);
        self.ready_gauge.set(ready.into());
    }

    /// A configuration reload that worked (`ok`) or did not.
    pub(crate) fn config_reloaded(&self, ok: bool) {
        self.reloads[usize::from(!ok)].inc();
        self.last_reload_successful.set(ok.into());
        if ok {
            self.last_reload_success.set(unix_now());
        }
    }

    /// The connection limit in force, for `sockit_connections_max`.
    pub(crate) fn set_max_connections(&self, limit: usize) {
        self.max_connections
            .set(i64::try_from(limit).unwrap_or(i64::MAX));
    }

    /// Every metric in the Prometheus text format (version 0.0.4), as `GET /metrics` serves
    /// it.
    pub fn render(&self) -> String {
        let mut text = String::new();
        prometheus_client::encoding::prometheus_text::encode(&mut text, &self.registry)
            .expect("writing to a String cannot fail");
        text
    }
}

/// Seconds since the Unix epoch, as Prometheus's timestamps count.
fn unix_now() -> f64 {
    (std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH))
        .map_or(0.0, |d| d.as_secs_f64())
}

/// How many cache lines of per-message counters there are; worker threads beyond this many
/// share lines, which stays exact and only costs contention.
const SHARDS: usize = 16;

static NEXT_SHARD: AtomicUsize = AtomicUsize::new(0);

thread_local! {
    /// This thread's line of [`Traffic`], handed out in turn as threads first count.
    static SHARD: usize = NEXT_SHARD.fetch_add(1, Relaxed) % SHARDS;
}

/// The per-message counters of one thread, on a cache line of its own (two, for the
/// adjacent-line prefetcher) so that threads never write to each other's lines.
#[derive(Debug, Default)]
#[repr(align(128))]
struct Shard {
    messages: AtomicU64,
    received: AtomicU64,
    sent: AtomicU64,
}

/// `sockit_messages_total`, `sockit_received_bytes_total` and `sockit_sent_bytes_total`,
/// split per thread while counting and added up when scraped.
#[derive(Debug, Default)]
struct Traffic {
    shards: [Shard; SHARDS],
}

impl Traffic {
    fn shard(&self) -> &Shard {
        &self.shards[SHARD.with(|s| *s)]
    }

    fn sum(&self, field: impl Fn(&Shard) -> &AtomicU64) -> u64 {
        self.shards.iter().map(|s| field(s).load(Relaxed)).sum()
    }
}

impl Collector for Traffic {
    fn encode(&self, mut encoder: DescriptorEncoder) -> Result<(), std::fmt::Error> {
        let counters = [
            ("messages", "Names answered.", self.sum(|s| &s.messages)),
            (
                "received_bytes",
                "Bytes read from admitted clients in their conversation (not TLS framing).",
                self.sum(|s| &s.received),
            ),
            (
                "sent_bytes",
                "Bytes written to admitted clients in their conversation (not TLS framing).",
                self.sum(|s| &s.sent),
            ),
        ];
        for (name, help, value) in counters {
            let counter = ConstCounter::new(value);
            let metric = encoder.encode_descriptor(name, help, None, MetricType::Counter)?;
            counter.encode(metric)?;
        }
        Ok(())
    }
}

/// How many scrapers may be connected at once; past them a small reserve answers `/ready`
/// only, and past that a connection is closed at accept, so the endpoint's cost stays bounded
/// whatever connects to it.
const MAX_SCRAPERS: usize = 16;

/// Connections past [`MAX_SCRAPERS`] still taken, for `/ready` alone (`/metrics` gets a quick
/// 503 there): a probe found 16 connections that never finish a head took every `/ready`
/// answer (0 of 28), and a balancer or kubelet probe that cannot reach `/ready` takes a
/// healthy instance out of rotation.
const READY_RESERVE: usize = 8;

/// How long a connection may take to send a request head, by default. A scraper on an internal network
/// sends one in a round trip; a connection that sends none holds a slot for this long at most
/// (it was 10 s, which let 16 silent connections reopened twice a second starve the port).
pub(crate) const HEAD_TIMEOUT: Duration = Duration::from_millis(500);

/// Binds the metrics endpoint's address.
pub(crate) async fn bind(addr: SocketAddr) -> anyhow::Result<TcpListener> {
    TcpListener::bind(addr).await.map_err(|e| {
        anyhow!(
            "cannot serve metrics on {addr}: {}{}",
            describe(&e),
            bind_hint(&e, addr)
        )
    })
}

/// What a connection to the endpoint may ask for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Service {
    /// Everything: a scraper slot was free.
    Full,
    /// `/ready` only; `/metrics` is answered 503 at once: every scraper slot was taken.
    ReadyOnly,
}

/// Serves `/metrics` and `/ready` on `listener` until `stop` is cancelled; open scrapes are
/// then dropped with it.
pub(crate) async fn serve(
    listener: TcpListener,
    metrics: Arc<Metrics>,
    head_timeout: Duration,
    stop: CancellationToken,
) {
    let mut scrapers = JoinSet::new();
    let mut reserve = JoinSet::new();
    loop {
        let accepted = tokio::select! {
            _ = stop.cancelled() => return,
            accepted = listener.accept() => accepted,
        };
        while scrapers.try_join_next().is_some() {}
        while reserve.try_join_next().is_some() {}
        match accepted {
            Ok((stream, peer)) if scrapers.len() < MAX_SCRAPERS => {
                let full = Service::Full;
                scrapers.spawn(answer(stream, peer, metrics.clone(), full, head_timeout));
            }
            Ok((stream, peer)) if reserve.len() < READY_RESERVE => {
                let ready = Service::ReadyOnly;
                reserve.spawn(answer(stream, peer, metrics.clone(), ready, head_timeout));
            }
            Ok((_, peer)) => {
                metrics.turned_away(TurnedAway::Closed);
                debug!("metrics: {peer}: too many connections, closed");
            }
            Err(e) => {
                warn!("metrics: accept failed: {}", describe(&e));
                tokio::time::sleep(Duration::from_millis(100)).await;
            }
        }
    }
}

/// Serves one HTTP/1.1 connection to the endpoint.
async fn answer(
    stream: tokio::net::TcpStream,
    peer: SocketAddr,
    metrics: Arc<Metrics>,
    service: Service,
    head_timeout: Duration,
) {
    let counted = metrics.clone();
    let service = hyper::service::service_fn(move |request| {
        let response = respond(&metrics, &request, service);
        async move { Ok::<_, Infallible>(response) }
    });
    let served = hyper::server::conn::http1::Builder::new()
        .timer(TokioTimer::new())
        .header_read_timeout(head_timeout)
        // A client that half-closes after pipelining its requests still gets every answer:
        // without it hyper dropped the last of 1,000 when it read the end of the stream.
        .half_close(true)
        .serve_connection(TokioIo::new(stream), service)
        .await;
    match served {
        Err(e) if e.is_timeout() => {
            counted.turned_away(TurnedAway::HeadTimeout);
            debug!("metrics: {peer}: no request head within {head_timeout:?}, closed");
        }
        Err(e) => debug!("metrics: {peer}: {e}"),
        Ok(()) => {}
    }
}

/// `GET /metrics`, `GET /ready` (200 or 503), 405 for other methods on those, 404 elsewhere;
/// `/metrics` is 503 on a connection from the reserve.
fn respond<B>(metrics: &Metrics, request: &Request<B>, service: Service) -> Response<Full<Bytes>> {
    let path = request.uri().path();
    if path != "/metrics" && path != "/ready" {
        return plain(StatusCode::NOT_FOUND, "not found: try /metrics or /ready\n");
    }
    if request.method() != Method::GET && request.method() != Method::HEAD {
        let mut response = plain(StatusCode::METHOD_NOT_ALLOWED, "use GET\n");
        response
            .headers_mut()
            .insert(header::ALLOW, header::HeaderValue::from_static("GET, HEAD"));
        return response;
    }
    match path {
        "/metrics" if service == Service::ReadyOnly => {
            metrics.turned_away(TurnedAway::ScrapeBusy);
            plain(
                StatusCode::SERVICE_UNAVAILABLE,
                "too many scrapers connected: try again\n",
            )
        }
        "/metrics" => {
            let mut response = Response::new(Full::new(Bytes::from(metrics.render())));
            response.headers_mut().insert(
                header::CONTENT_TYPE,
                header::HeaderValue::from_static(
                    prometheus_client::encoding::prometheus_text::CONTENT_TYPE,
                ),
            );
            response
        }
        _ if metrics.is_ready() => plain(StatusCode::OK, "ready\n"),
        _ => plain(
            StatusCode::SERVICE_UNAVAILABLE,
            "not ready: shutting down\n",
        ),
    }
}

fn plain(status: StatusCode, body: &'static str) -> Response<Full<Bytes>> {
    let mut response = Response::new(Full::new(Bytes::from_static(body.as_bytes())));
    *response.status_mut() = status;
    response.headers_mut().insert(
        header::CONTENT_TYPE,
        header::HeaderValue::from_static("text/plain; charset=utf-8"),
    );
    response
}
