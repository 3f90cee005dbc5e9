//! A connection's way in, in one order for every listener: `--max-connection-rate` and a
//! `--max-connections` slot at accept, the PROXY header that names its client
//! (`--proxy-protocol`), the client's share of `--max-connections-per-ip`, the TLS handshake
//! (`tls:` listeners), the client's `--max-connection-rate-per-ip`, then the conversation.
//!
//! Each step reads the connection's own [`Settings`], taken once as it was accepted, so a
//! reload never changes a connection halfway in.
//!
//! The slot is taken in the accept loop, before any work starts, as mini-redis takes its
//! permit; everything after it runs in the connection's own task, so a balancer slow to send
//! its header or a client slow to shake hands never holds up the accept loop. The PROXY header
//! and the handshake share one deadline, `--handshake-timeout`, and both give up when the
//! grace period ends. The per-address share is taken before the handshake, once the header
//! has named the client: one address holding silent handshakes must not take every slot
//! (issue 17). A plain connection turned away hears why in an `ERR` line; a TLS one is closed
//! without one, since a line in plaintext would only be a broken record to it.
//!
//! A plain listener without `--proxy-protocol` and the per-address limits skips the steps
//! between the slot and the conversation: its connections go straight to
//! `conn::serve`, the churn path, without the extra future.

use super::conn::{self, Peer, Socket};
use super::metrics::Rejection;
use super::per_address::Share;
use super::proxy::{self, Header, Peek, Refusal};
use super::rate;
use super::settings::Settings;
use super::tls::{self, Tls};
use super::Shared;
use crate::protocol::ErrorLine;
use std::sync::Arc;
use tokio::sync::OwnedSemaphorePermit;
use tokio::time::Instant;
use tokio_rustls::TlsAcceptor;
use tracing::debug;

/// Takes a slot for a connection just accepted and starts its task with `settings`, with
/// `tls` when its listener is a `tls:` one; a connection past `--max-connections` is turned
/// away at once.
pub(super) fn admit<S: Socket + Peek>(
    sock: S,
    peer: Peer,
    tls: Option<&Tls>,
    shared: &Arc<Shared>,
    settings: &Arc<Settings>,
) {
    // Over --max-connection-rate, a plain client hears why; a TLS one cannot.
    if rate::refused_at_accept(shared, &peer, tls.is_none().then(|| sock.sock_ref())) {
        return;
    }
    let Ok(slot) = shared.slots.clone().try_acquire_owned() else {
        match tls {
            None => {
                shared.reject(Rejection::Busy, &peer, "");
                conn::reject(sock, &peer, shared);
            }
            Some(_) => shared.reject(Rejection::Busy, &peer, ": TLS connection closed"),
        }
        return;
    };
    let settings = settings.clone();
    match tls {
        None if !settings.steps_needed() => {
            let serving = Box::pin(conn::serve(sock, peer, shared.clone(), settings, slot));
            shared.drain.spawn(serving);
        }
        tls => {
            let acceptor = tls.map(Tls::acceptor);
            let entering = enter(sock, peer, acceptor, (shared.clone(), settings), slot);
            shared.drain.spawn(entering);
        }
    }
}

/// The steps after the slot, which is held throughout: the PROXY header, the client's share,
/// the handshake when there is an `acceptor`, then the conversation with the client as the
/// header names it.
async fn enter<S: Socket + Peek>(
    mut sock: S,
    peer: Peer,
    acceptor: Option<TlsAcceptor>,
    (shared, settings): (Arc<Shared>, Arc<Settings>),
    slot: OwnedSemaphorePermit,
) {
    let deadline = Instant::now() + settings.handshake_timeout;
    let client = match client(&mut sock, &peer, (&shared, &settings), deadline).await {
        Ok(client) => client,
        Err(why) => return proxy_header_refused(&shared, &peer, &why),
    };
    let Ok(share) = share(&client, &shared, &settings) else {
        shared.reject(Rejection::PerAddress, &client, "");
        if acceptor.is_none() {
            // The slot is held until the line is delivered, and given back on return.
            conn::turn_away(sock, ErrorLine::TooManyFromAddress, &shared).await;
        }
        return;
    };
    match acceptor {
        None => converse(sock, client, (shared, settings), slot).await,
        Some(acceptor) => {
            let over = shared.drain.over(&shared.wake);
            match tls::handshake(sock, acceptor, deadline, over).await {
                Ok(stream) => converse(stream, client, (shared, settings), slot).await,
                // Through the rejection log, so that a flood of failed handshakes is a few
                // lines a second.
                Err(why) => shared.reject(
                    Rejection::TlsHandshake,
                    &client,
                    format_args!(": {client}: TLS handshake failed: {why}"),
                ),
            }
        }
    }
    drop(share);
}

/// The last step, once the client can be spoken to (after the handshake, over TLS): its
/// `--max-connection-rate-per-ip`, whose `ERR` line goes through the stream; then the
/// conversation.
async fn converse<S: Socket>(
    sock: S,
    client: Peer,
    (shared, settings): (Arc<Shared>, Arc<Settings>),
    slot: OwnedSemaphorePermit,
) {
    if let Some(sock) = rate::admit_client(sock, &client, &shared).await {
        conn::serve(sock, client, shared, settings, slot).await;
    }
}

/// The client the connection's PROXY header names (or the peer itself, with no
/// `--proxy-protocol` or a LOCAL header), taken by `deadline`.
async fn client<S: Peek>(
    sock: &mut S,
    peer: &Peer,
    (shared, settings): (&Shared, &Settings),
    deadline: Instant,
) -> Result<Peer, Refusal> {
    if !settings.proxy.proxy_protocol {
        return Ok(peer.clone());
    }
    if let Peer::Tcp(addr) = peer {
        if !settings.proxy.trusts(addr.ip()) {
            return Err(Refusal::Untrusted);
        }
    }
    let reading = tokio::time::timeout_at(deadline, proxy::take_header(sock, &shared.input_budget));
    let header = tokio::select! {
        read = reading => read.map_err(|_| Refusal::TimedOut)??,
        () = shared.drain.over(&shared.wake) => return Err(Refusal::ShuttingDown),
    };
    Ok(match header {
        Header::Proxied(client) => {
            debug!("{peer}: PROXY header names {client}");
            Peer::Tcp(client)
        }
        Header::Local => peer.clone(),
    })
}

/// The client's share of `--max-connections-per-ip`: `Ok(None)` when there is no such limit
/// or the client has no IP address (a Unix socket peer), `Err` when its client holds the
/// limit already.
fn share(peer: &Peer, shared: &Shared, settings: &Settings) -> Result<Option<Share>, ()> {
    match (settings.max_connections_per_ip, peer) {
        (Some(limit), Peer::Tcp(addr)) => (shared.per_address.admit(addr.ip(), limit))
            .map(Some)
            .ok_or(()),
        _ => Ok(None),
    }
}

/// The one place a refused PROXY header is counted (`reason="proxy_header"`) and reported:
/// one line with the address the connection really came from, never one a header claimed.
fn proxy_header_refused(shared: &Shared, peer: &Peer, why: &Refusal) {
    match why {
        Refusal::ShuttingDown => {
            shared.metrics.rejected(Rejection::ProxyHeader);
            debug!("{peer}: {why}; closed");
        }
        // Through the rejection log, so that a flood of bad headers is a few lines a second.
        _ => shared.reject(
            Rejection::ProxyHeader,
            peer,
            format_args!(": {peer}: {why}; closed without a greeting"),
        ),
    }
}
