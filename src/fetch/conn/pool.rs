//! Owns keeping connections alive between the requests of one run: a connection whose
//! response ended exactly at its body's end waits here, by origin and route, for the next
//! request to the same scheme, host and port by the same way (direct, a proxy, a Unix
//! socket): a redirect's next hop, or the next URL, which then skips the connect, the
//! proxy's handshake and TLS, as curl reuses it.
//!
//! An HTTP/2 connection is not taken but shared: every fetch to its origin (by the same
//! route) opens a stream on it while the server's stream limit allows, and only then is
//! another one dialled. While the first connection to an origin is being set up, the other
//! fetches to it wait at the origin's gate (curl's "pipewait") rather than each dialling
//! its own: only its ALPN answer tells whether they can share it. Once an origin answered
//! HTTP/1.1, nobody waits.
//!
//! An HTTP/3 connection (the `http3` feature) is shared the same way, by origin alone (it
//! is always direct); QUIC makes a request wait for room itself.
//!
//! Connections are kept only while the run lasts.
//! A kept connection the server has closed meanwhile fails on its first use; the exchange
//! then opens a fresh one, so a stale connection costs a retry, never a failure.

use super::h2::H2Conn;
#[cfg(feature = "http3")]
use super::h3::H3Conn;
use super::transfer::Conn;
use std::collections::{HashMap, HashSet};
use std::sync::{Arc, Mutex};
use url::Url;

/// The most idle connections kept: `--parallel-max`'s largest value. With `-Z` every fetch
/// running at once may hand its connection back, and each one dropped here is dialled again
/// by a later URL (with 16 kept, 500 URLs at `--parallel-max 50` took 233 connections).
const MAX_IDLE: usize = 300;

/// Idle connections by origin.
#[derive(Default)]
pub struct Pool {
    idle: Mutex<Vec<(String, Conn)>>,
    /// HTTP/2 connections by origin and route, shared.
    shared: Mutex<Vec<(String, H2Conn)>>,
    /// Per origin and route, the gate held while a connection that may speak HTTP/2 is
    /// set up.
    gates: Mutex<HashMap<String, Arc<tokio::sync::Mutex<()>>>>,
    /// Origins (and routes) whose server answered with HTTP/1.1: no waiting at their gate.
    http1: Mutex<HashSet<String>>,
    /// HTTP/3 connections by origin, shared.
    #[cfg(feature = "http3")]
    quic: Mutex<Vec<(String, H3Conn)>>,
}

/// scheme://host:port and the route taken (empty when direct): what a connection can be
/// reused for.
fn origin(url: &Url, route: &str) -> String {
    format!(
        "{}://{}:{} {route}",
        url.scheme(),
        url.host_str().unwrap_or_default(),
        url.port_or_known_default().unwrap_or(0)
    )
}

impl Pool {
    /// An idle connection to `url`'s origin by `route`, if one is kept.
    pub fn take(&self, url: &Url, route: &str) -> Option<Conn> {
        let key = origin(url, route);
        let mut idle = self.idle.lock().unwrap_or_else(|e| e.into_inner());
        let at = idle.iter().position(|(k, _)| *k == key)?;
        Some(idle.swap_remove(at).1)
    }

    /// Keeps `conn` for the next request to `url`'s origin by `route`.
    pub fn put(&self, url: &Url, route: &str, conn: Conn) {
        let mut idle = self.idle.lock().unwrap_or_else(|e| e.into_inner());
        if idle.len() == MAX_IDLE {
            idle.remove(0);
        }
        idle.push((origin(url, route), conn));
    }

    /// An HTTP/2 connection to `url`'s origin by `route` with room for another stream, if
    /// one is up.
    pub fn shared(&self, url: &Url, route: &str) -> Option<H2Conn> {
        let key = origin(url, route);
        let mut shared = self.shared.lock().unwrap_or_else(|e| e.into_inner());
        shared.retain(|(_, conn)| !conn.is_closed());
        shared
            .iter()
            .find(|(k, conn)| *k == key && conn.has_room())
            .map(|(_, conn)| conn.clone())
    }

    /// Shares `conn` with the fetches to `url`'s origin by `route`.
    pub fn share(&self, url: &Url, route: &str, conn: H2Conn) {
        let mut shared = self.shared.lock().unwrap_or_else(|e| e.into_inner());
        shared.push((origin(url, route), conn));
    }

    /// Waits for the gate of `url`'s origin by `route` (see the module docs); none for an
    /// HTTP/1.1 origin.
    pub async fn wait_gate(
        &self,
        url: &Url,
        route: &str,
    ) -> Option<tokio::sync::OwnedMutexGuard<()>> {
        let key = origin(url, route);
        if self
            .http1
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .contains(&key)
        {
            return None;
        }
        let gate = {
            let mut gates = self.gates.lock().unwrap_or_else(|e| e.into_inner());
            gates.entry(key).or_default().clone()
        };
        Some(gate.lock_owned().await)
    }

    /// An HTTP/3 connection to `url`'s origin, if one is up.
    #[cfg(feature = "http3")]
    pub fn shared_h3(&self, url: &Url) -> Option<H3Conn> {
        let key = origin(url, "");
        let mut quic = self.quic.lock().unwrap_or_else(|e| e.into_inner());
        quic.retain(|(_, conn)| !conn.is_closed());
        quic.iter()
            .find(|(k, _)| *k == key)
            .map(|(_, conn)| conn.clone())
    }

    /// Shares `conn` with the fetches to `url`'s origin.
    #[cfg(feature = "http3")]
    pub fn share_h3(&self, url: &Url, conn: H3Conn) {
        let mut quic = self.quic.lock().unwrap_or_else(|e| e.into_inner());
        quic.push((origin(url, ""), conn));
    }

    /// Notes that `url`'s origin by `route` answered with HTTP/1.1.
    pub fn note_http1(&self, url: &Url, route: &str) {
        let mut http1 = self.http1.lock().unwrap_or_else(|e| e.into_inner());
        http1.insert(origin(url, route));
    }
}
