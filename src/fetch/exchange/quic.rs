//! Owns the exchange's HTTP/3 story (only with the `http3` feature): whether a URL goes
//! over QUIC first (`--http3`, `--http3-only`, or an `h3` entry of the `--alt-svc` cache),
//! the race with TCP that `--http3` falls back to, and sharing the QUIC connection with the
//! run's other fetches to the origin.
//!
//! curl (7.88's `--http3`, and its `cf-https-connect` since) starts QUIC first and TCP a
//! moment later, and takes whichever connects first, QUIC preferred: a server that does
//! not answer over UDP (a firewall drops it, nothing listens) costs [`HEAD_START`], not a
//! timeout. `--http3-only` has no TCP: QUIC's failure is the fetch's (7, 28, 35, 60).

use super::Exchange;
use crate::fetch::conn::dial::{self, QuicMode};
use crate::fetch::conn::h2::{self, Failed};
use crate::fetch::conn::h3::{self, H3Conn};
use crate::fetch::conn::link::{Carrier, Link};
use crate::fetch::conn::route::HostPort;
use crate::fetch::error::FetchError;
use crate::fetch::flags::plan::FetchPlan;
use crate::fetch::http::head::Head;
use crate::fetch::output::alt_svc::H3Alternative;
use std::time::{Duration, Instant};

/// How long QUIC goes alone before TCP starts too (curl's hard "eyeballs" timeout for
/// HTTP/3 is 200 ms, its soft one half of that).
const HEAD_START: Duration = Duration::from_millis(200);

/// What a head comes with: the body's carrier, interim heads, the head.
type Answer = (Carrier, Vec<Head>, Head);

impl<'a> Exchange<'a> {
    /// How the current URL may use QUIC, and where to: not at all for http://, through a
    /// proxy or a Unix socket (`--http3-only` refuses those); as the flags say; else, as
    /// curl does, to `alternative` (the `--alt-svc` cache's h3 entry for the origin),
    /// falling back to TCP as `--http3` does.
    pub(super) fn quic_route(
        &self,
        alternative: Option<H3Alternative>,
    ) -> Result<Option<(QuicMode, Option<HostPort>)>, FetchError> {
        let how = &self.plan.connect;
        let direct = how.unix.is_none() && self.plan.proxies.for_url(&self.url).is_none();
        let to = alternative.map(|alt| HostPort {
            host: alt.host,
            port: alt.port,
        });
        match (how.quic, self.url.scheme() == "https" && direct) {
            (QuicMode::Only, false) => Err(FetchError::Usage(format!(
                "--http3-only: {} cannot be fetched over HTTP/3 (an https:// URL, reached \
                 without a proxy or a Unix socket, can)",
                self.url
            ))),
            (_, false) => Ok(None),
            (QuicMode::Off, true) => Ok(to.map(|to| (QuicMode::Try, Some(to)))),
            (mode, true) => Ok(Some((mode, to))),
        }
    }

    /// The request over an HTTP/3 connection the run already has to this origin; None when
    /// it has none (or the server turned the request away unseen).
    pub(super) async fn on_shared_h3(&mut self) -> Result<Option<Answer>, FetchError> {
        let Some(conn) = self.run.pool.shared_h3(&self.url) else {
            return Ok(None);
        };
        self.trace
            .info("Re-using the HTTP/3 connection to this origin (multiplexed)");
        match self.exchange_h3(&conn).await {
            Ok(answer) => Ok(Some(answer)),
            Err(Failed::Unprocessed) => Ok(None),
            Err(Failed::Fetch(e)) => Err(e),
        }
    }

    /// A new connection for the current URL, QUIC first as `mode` says: the HTTP/3 one, or
    /// (`--http3` only) the TCP one when QUIC lost the race or failed.
    pub(super) async fn quic_or_tcp(
        &mut self,
        mode: QuicMode,
        alternative: Option<HostPort>,
    ) -> Result<Link, FetchError> {
        let gate = self.run.pool.wait_gate(&self.url, "h3").await;
        if let Some(shared) = self.run.pool.shared_h3(&self.url) {
            return Ok(Link::H3(shared));
        }
        let plan: &'a FetchPlan = self.plan;
        let how = &plan.connect;
        let tcp_tls = dial::tls_config(&mut self.tls, how, &self.run.tls)?;
        let net = how.net(self.trace);
        let limit = how.timeout.unwrap_or(Duration::MAX);
        let url = self.url.clone();
        let quic = h3::dial(
            net,
            &url,
            alternative,
            dial::quic_tls_config(&tcp_tls),
            limit,
        );
        tokio::pin!(quic);
        let dialed = match mode {
            QuicMode::Only => quic.await?,
            _ => {
                let early = tokio::select! {
                    result = &mut quic => Some(result),
                    () = tokio::time::sleep(HEAD_START) => None,
                };
                let raced = match early {
                    Some(result) => result,
                    None => {
                        let tcp = self.open_link();
                        tokio::select! {
                            biased;
                            result = &mut quic => result,
                            link = tcp => match link {
                                Ok(link) => {
                                    self.trace
                                        .info("TCP connected before QUIC: not using HTTP/3");
                                    return Ok(link);
                                }
                                // QUIC may still make it; if not, TCP's failure is the one
                                // the user asked about first.
                                Err(tcp_failed) => match quic.await {
                                    Ok(dialed) => Ok(dialed),
                                    Err(_) => return Err(tcp_failed),
                                },
                            },
                        }
                    }
                };
                match raced {
                    Ok(dialed) => dialed,
                    Err(e) => {
                        self.trace
                            .info(format_args!("HTTP/3 failed ({e}); falling back to TCP"));
                        drop(gate);
                        return self.open_link().await;
                    }
                }
            }
        };
        let (conn, resolved) = dialed;
        self.note_quic_connect(resolved);
        self.run.pool.share_h3(&self.url, conn.clone());
        drop(gate);
        Ok(Link::H3(conn))
    }

    /// Notes for `-w` a QUIC connection made now, its name resolved at `resolved`: QUIC's
    /// connect and TLS handshake are one, as curl reports them.
    fn note_quic_connect(&mut self, resolved: Instant) {
        let started = self.attempt.started;
        let stats = &mut self.attempt.stats;
        let now = started.elapsed();
        stats.time_namelookup = Some(resolved - started);
        stats.time_connect = Some(now);
        stats.time_appconnect = Some(now);
        stats.num_connects += 1;
        self.request.via_proxy = None;
    }

    /// Sends the request on a new stream of `conn` and waits for the response head.
    pub(super) async fn exchange_h3(&mut self, conn: &H3Conn) -> Result<Answer, Failed> {
        self.take_url_state()?;
        let rendered = self.render();
        let request = h2::convert(&rendered, &self.url, http::Version::HTTP_3)?;
        self.note_request(conn.addresses(), request.shown.len());
        let answer = conn
            .exchange(request, self.request.body.as_ref(), self.trace)
            .await;
        self.attempt.stats.time_starttransfer = Some(self.attempt.started.elapsed());
        let (head, body) = answer?;
        Ok((Carrier::H3(Box::new(body)), Vec::new(), head))
    }
}
