//! `--max-connection-rate` and `--max-connection-rate-per-ip`: how fast new connections may
//! come, over all listeners and from one client address, so that a reconnect storm is turned
//! away at the door instead of taking every slot.
//!
//! Each limit is a token bucket of N tokens refilled at N a second (a burst of N, then N a
//! second), kept as GCRA does: one instant per bucket, the time at which it would be full
//! again, so a check is a clock read, a comparison and an add. A connection over the rate is
//! told `ERR too many connections, slow down` at once and closed without a lingering read:
//! a client that reconnects too fast gets no more of the server's time than that. A TLS
//! connection over the global rate is closed before its handshake, without a line (it could
//! not read one), as for `ERR server busy`.
//!
//! The per-address table is bounded: at most [`MAX_TRACKED`] client addresses (IPv6 by
//! /64, as `--max-connections-per-ip` counts them). A bucket that has refilled carries no
//! information and is dropped when the table is full; if that frees nothing, the half of the
//! entries seen least recently go. A flood from spoofed or fresh addresses can therefore
//! never grow the table past 16,384 entries (about 1 MiB); what it can do is make the server
//! forget an address's debt, which then starts again with a full burst, never more than that.

use super::conn::{self, Peer, Socket};
use super::metrics::Rejection;
use super::per_address::client_of;
use super::Shared;
use crate::protocol::ErrorLine;
use socket2::SockRef;
use std::collections::HashMap;
use std::net::IpAddr;
use std::num::NonZeroU32;
use std::sync::atomic::{AtomicBool, Ordering::Relaxed};
use std::sync::{Mutex, PoisonError};
use std::time::{Duration, Instant};
use tokio::io::AsyncWriteExt;
use tracing::debug;

/// How many client addresses the per-address limit remembers at most.
pub const MAX_TRACKED: usize = 16_384;

/// One token bucket: N a second, bursts of N.
#[derive(Debug)]
struct Bucket {
    /// N.
    rate: NonZeroU32,
    /// How much one connection costs: 1/N of a second.
    cost: Duration,
    /// How far ahead of now the bucket may run: N - 1 connections' worth.
    slack: Duration,
}

impl Bucket {
    fn new(per_second: NonZeroU32) -> Self {
        let cost = Duration::from_secs(1) / per_second.get();
        Bucket {
            rate: per_second,
            cost,
            slack: cost * (per_second.get() - 1),
        }
    }

    /// Takes a token at `now` from the bucket that is full again at `*full_at`; false, and
    /// nothing taken, when it is empty.
    fn take(&self, full_at: &mut Instant, now: Instant) -> bool {
        let from = (*full_at).max(now);
        if from.duration_since(now) > self.slack {
            return false;
        }
        *full_at = from + self.cost;
        true
    }
}

/// The server's connection-rate limits, which a configuration reload may change.
#[derive(Debug)]
pub(super) struct RateLimits {
    /// Whether either limit is set: a server without them pays one atomic load a connection.
    on: AtomicBool,
    global: Mutex<Option<(Bucket, Instant)>>,
    per_address: Mutex<Option<(Bucket, HashMap<IpAddr, Instant>)>>,
}

impl RateLimits {
    pub(super) fn new(global: Option<NonZeroU32>, per_address: Option<NonZeroU32>) -> Self {
        let limits = RateLimits {
            on: AtomicBool::new(false),
            global: Mutex::new(None),
            per_address: Mutex::new(None),
        };
        limits.set(global, per_address);
        limits
    }

    /// Sets both limits (`None`: off). A limit that keeps its rate keeps its buckets, so a
    /// reload does not hand every client a fresh burst.
    pub(super) fn set(&self, global: Option<NonZeroU32>, per_address: Option<NonZeroU32>) {
        let mut g = self.global.lock().unwrap_or_else(PoisonError::into_inner);
        if g.as_ref().map(|(b, _)| b.rate) != global {
            *g = global.map(|n| (Bucket::new(n), Instant::now()));
        }
        let mut p = self
            .per_address
            .lock()
            .unwrap_or_else(PoisonError::into_inner);
        if p.as_ref().map(|(b, _)| b.rate) != per_address {
            *p = per_address.map(|n| (Bucket::new(n), HashMap::new()));
        }
        self.on.store(g.is_some() || p.is_some(), Relaxed);
    }

    /// Whether a connection arriving at `now` fits `--max-connection-rate`.
    fn global_allows(&self, now: Instant) -> bool {
        if !self.on.load(Relaxed) {
            return true;
        }
        let mut global = self.global.lock().unwrap_or_else(PoisonError::into_inner);
        let Some((bucket, full_at)) = global.as_mut() else {
            return true;
        };
        bucket.take(full_at, now)
    }

    /// Whether a connection from `peer` arriving at `now` fits `--max-connection-rate-per-ip`.
    fn address_allows(&self, peer: IpAddr, now: Instant) -> bool {
        if !self.on.load(Relaxed) {
            return true;
        }
        let mut per_address = self
            .per_address
            .lock()
            .unwrap_or_else(PoisonError::into_inner);
        let Some((bucket, table)) = per_address.as_mut() else {
            return true;
        };
        let client = client_of(peer);
        if !table.contains_key(&client) && table.len() >= MAX_TRACKED {
            make_room(table, now);
        }
        bucket.take(table.entry(client).or_insert(now), now)
    }
}

/// Drops the buckets that have refilled; if none has, the half seen least recently (the
/// ones that would be full again soonest).
fn make_room(table: &mut HashMap<IpAddr, Instant>, now: Instant) {
    table.retain(|_, full_at| *full_at > now);
    if table.len() < MAX_TRACKED {
        return;
    }
    let mut ages: Vec<Instant> = table.values().copied().collect();
    let middle = ages.len() / 2;
    let (_, cut, _) = ages.select_nth_unstable(middle);
    let cut = *cut;
    table.retain(|_, full_at| *full_at > cut);
}

/// Checks a connection just accepted against `--max-connection-rate`: over it, the client is
/// told `ERR too many connections, slow down` on `plain` (nothing on a TLS connection, which
/// is closed before its handshake), the rejection is counted, and true is returned: the
/// caller drops the socket.
pub(super) fn refused_at_accept(shared: &Shared, peer: &Peer, plain: Option<SockRef<'_>>) -> bool {
    if shared.rate.global_allows(Instant::now()) {
        return false;
    }
    shared.reject(Rejection::Rate, peer, "");
    if let Some(sock) = plain {
        // A fresh socket's send buffer is empty: the line goes out whole or not at all.
        // What the client sent already is taken, so that the close is a FIN that lets the
        // line arrive, not a reset that destroys it; there is no lingering for more.
        let _ = sock.send(ErrorLine::SlowDown.as_bytes());
        conn::discard_queued(sock);
    }
    true
}

/// Checks a connection whose client is known (after any PROXY header) against
/// `--max-connection-rate-per-ip`; over it, tells the client `ERR too many connections,
/// slow down`, closes, counts and logs it, and returns `None`.
pub(super) async fn admit_client<S: Socket>(sock: S, peer: &Peer, shared: &Shared) -> Option<S> {
    let allowed = match peer {
        Peer::Tcp(addr) => shared.rate.address_allows(addr.ip(), Instant::now()),
        Peer::Unix(_) => true,
    };
    if allowed {
        return Some(sock);
    }
    shared.reject(Rejection::RatePerAddress, peer, "");
    slow_down(sock, shared).await;
    None
}

/// Sends the `ERR` line through the stream (so over TLS too) within the close timeout, and
/// closes without reading what the client sent.
async fn slow_down<S: Socket>(mut sock: S, shared: &Shared) {
    let within = shared.config.close_timeout;
    let deliver = async {
        sock.write_all(ErrorLine::SlowDown.as_bytes()).await?;
        sock.flush().await
    };
    if let Ok(Ok(())) = tokio::time::timeout(within, deliver).await {
        sock.say_goodbye(within).await;
    }
    debug!("connection-rate refusal closed");
    conn::discard_queued(sock.sock_ref());
}

#[cfg(test)]
mod tests {
    use super::*;

    fn n(n: u32) -> Option<NonZeroU32> {
        NonZeroU32::new(n)
    }

    fn ip(s: &str) -> IpAddr {
        s.parse().unwrap()
    }

    /// A burst of N passes at once, the next is refused, and the bucket refills at N a
    /// second: one more after 1/N s, the whole burst again after a second.
    #[test]
    fn bursts_of_n_then_n_a_second() {
        let limits = RateLimits::new(n(10), None);
        let t = Instant::now();
        assert!((0..10).all(|_| limits.global_allows(t)));
        assert!(!limits.global_allows(t));
        assert!(!limits.global_allows(t + Duration::from_millis(99)));
        assert!(limits.global_allows(t + Duration::from_millis(100)));
        assert!(!limits.global_allows(t + Duration::from_millis(100)));
        let later = t + Duration::from_secs(5);
        assert_eq!((0..20).filter(|_| limits.global_allows(later)).count(), 10);
    }

    /// Refused attempts cost nothing: a client that keeps trying still gets its next token
    /// on time.
    #[test]
    fn refusals_do_not_spend_tokens() {
        let limits = RateLimits::new(n(1), None);
        let t = Instant::now();
        assert!(limits.global_allows(t));
        for ms in (0..1000).step_by(10) {
            assert!(!limits.global_allows(t + Duration::from_millis(ms)));
        }
        assert!(limits.global_allows(t + Duration::from_secs(1)));
    }

    /// Each client address has its own bucket; IPv6 clients share their /64's.
    #[test]
    fn per_address_buckets_by_client() {
        let limits = RateLimits::new(None, n(2));
        let t = Instant::now();
        assert!(limits.address_allows(ip("192.0.2.1"), t));
        assert!(limits.address_allows(ip("192.0.2.1"), t));
        assert!(!limits.address_allows(ip("192.0.2.1"), t));
        assert!(limits.address_allows(ip("192.0.2.2"), t));
        assert!(limits.address_allows(ip("2001:db8:0:1::1"), t));
        assert!(limits.address_allows(ip("2001:db8:0:1::2"), t));
        assert!(!limits.address_allows(ip("2001:db8:0:1:ffff::3"), t));
        assert!(limits.address_allows(ip("2001:db8:0:2::1"), t));
        assert!(!limits.address_allows(ip("::ffff:192.0.2.1"), t));
    }

    /// A reload that changes a rate starts its buckets afresh; one that keeps it keeps them;
    /// one that removes a limit lets everyone in.
    #[test]
    fn a_reload_changes_only_what_changed() {
        let limits = RateLimits::new(n(1), n(1));
        let t = Instant::now();
        assert!(limits.global_allows(t));
        assert!(!limits.global_allows(t));
        limits.set(n(1), n(1));
        assert!(!limits.global_allows(t));
        limits.set(n(2), n(1));
        assert!(limits.global_allows(t));
        assert!(limits.address_allows(ip("192.0.2.1"), t));
        limits.set(None, None);
        assert!((0..10).all(|_| limits.global_allows(t)));
        assert!((0..10).all(|_| limits.address_allows(ip("192.0.2.1"), t)));
    }

    /// A flood of fresh addresses never grows the table past its bound; refilled buckets
    /// are dropped first, so an address still in debt is remembered until the flood has
    /// filled the table again with addresses seen later.
    #[test]
    fn the_table_is_bounded() {
        let limits = RateLimits::new(None, n(1));
        let t = Instant::now();
        let table = || limits.per_address.lock().unwrap().as_ref().unwrap().1.len();
        let fresh = |i: u32| IpAddr::from(std::net::Ipv4Addr::from_bits((10u32 << 24) + i));
        for i in 0..MAX_TRACKED as u32 {
            assert!(limits.address_allows(fresh(i), t));
        }
        assert_eq!(table(), MAX_TRACKED);
        // Two seconds on every bucket has refilled: the next address makes room for itself.
        let later = t + Duration::from_secs(2);
        assert!(limits.address_allows(ip("192.0.2.1"), later));
        assert!(table() < MAX_TRACKED);
        assert!(!limits.address_allows(ip("192.0.2.1"), later));
        for i in 0..(2 * MAX_TRACKED as u32) {
            let now = later + Duration::from_micros(i.into());
            assert!(limits.address_allows(
                IpAddr::from(std::net::Ipv4Addr::from_bits((11u32 << 24) + i)),
                now
            ));
            assert!(table() <= MAX_TRACKED);
        }
        assert!(table() >= MAX_TRACKED / 2);
    }
}
