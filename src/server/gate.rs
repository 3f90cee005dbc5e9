//! What a connection passes before its greeting when the server runs behind a load balancer:
//! the PROXY header that names its client (`--proxy-protocol`), then its client's
//! `--max-connection-rate-per-ip` and share of `--max-connections-per-ip`.
//!
//! Both run in the connection's own task, after its `--max-connections` slot is taken, so a
//! balancer that is slow to send a header never holds up the accept loop, and the wait for a
//! header is bounded by the end of the grace period and by `--handshake-timeout`, which on a
//! `tls:` listener covers the header and the TLS handshake after it together. On a plain
//! listener a server with neither flag does not come through here at all: its connections
//! go straight to `conn::serve`, as before. A TLS connection takes the header ([`proxied`])
//! and its share ([`share`]) before its handshake, so that one address cannot hold every
//! slot with handshakes it never finishes; over its share it is closed without an `ERR`
//! line, which would need the handshake.

use super::conn::{self, Peer, Socket};
use super::metrics::Rejection;
use super::per_address::Share;
use super::proxy::{self, Header, Peek, Refusal};
use super::Config;
use super::{rate, Shared};
use crate::protocol::ErrorLine;
use std::sync::Arc;
use tokio::sync::OwnedSemaphorePermit;
use tokio::time::Instant;
use tracing::debug;

/// Whether connections must pass the gate before their conversation.
pub(super) fn needed(config: &Config) -> bool {
    config.proxy.proxy_protocol
        || config.max_connections_per_ip.is_some()
        || config.max_connection_rate_per_ip.is_some()
}

/// Takes the PROXY header and the client's share, then holds the conversation with the
/// client as the header names it. The slot is held throughout.
pub(super) async fn serve<S: Socket + Peek>(
    mut sock: S,
    peer: Peer,
    shared: Arc<Shared>,
    slot: OwnedSemaphorePermit,
) {
    let deadline = Instant::now() + shared.config.tls.handshake_timeout;
    if let Some(client) = proxied(&mut sock, peer, &shared, deadline).await {
        converse(sock, client, shared, slot).await;
    }
}

/// The client the connection's PROXY header names (or the peer itself, with no
/// `--proxy-protocol` or a LOCAL header), taken by `deadline`; `None`, reported once, when
/// the header is refused and the connection is to be closed.
pub(super) async fn proxied<S: Peek>(
    sock: &mut S,
    peer: Peer,
    shared: &Shared,
    deadline: Instant,
) -> Option<Peer> {
    match client(sock, &peer, shared, deadline).await {
        Ok(client) => Some(client),
        Err(why) => {
            proxy_header_refused(shared, &peer, &why);
            None
        }
    }
}

/// Checks the client's connection rate and takes its share of `--max-connections-per-ip`,
/// then holds the conversation; a client over either gets its `ERR` line instead.
pub(super) async fn converse<S: Socket>(
    sock: S,
    peer: Peer,
    shared: Arc<Shared>,
    slot: OwnedSemaphorePermit,
) {
    let Some(sock) = rate::admit_client(sock, &peer, &shared).await else {
        return;
    };
    let Ok(share) = share(&peer, &shared) else {
        shared.reject(Rejection::PerAddress, &peer, "");
        // The slot is held until the line is delivered, and given back on return.
        return conn::turn_away(sock, ErrorLine::TooManyFromAddress, &shared).await;
    };
    conn::serve(sock, peer, shared, slot).await;
    drop(share);
}

async fn client<S: Peek>(
    sock: &mut S,
    peer: &Peer,
    shared: &Shared,
    deadline: Instant,
) -> Result<Peer, Refusal> {
    let config = &shared.config;
    if !config.proxy.proxy_protocol {
        return Ok(peer.clone());
    }
    if let Peer::Tcp(addr) = peer {
        if !config.proxy.trusts(addr.ip()) {
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
pub(super) fn share(peer: &Peer, shared: &Shared) -> Result<Option<Share>, ()> {
    match (&shared.per_address, peer) {
        (Some(table), Peer::Tcp(addr)) => table.admit(addr.ip()).map(Some).ok_or(()),
        _ => Ok(None),
    }
}

/// The one place a refused PROXY header is reported (`reason="proxy_header"`): one line with
/// the address the connection really came from, never one a header claimed.
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

/// The one place a client over `--max-connections-per-ip` is reported
/// (`reason="per_address"`).
pub(super) fn too_many_from(peer: &Peer) {
    debug!("{peer}: too many connections from this address");
}
