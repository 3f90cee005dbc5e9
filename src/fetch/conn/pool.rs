//! Owns keeping connections alive between the requests of one run: a connection whose
//! response ended exactly at its body's end waits here, by origin and route, for the next
//! request to the same scheme, host and port by the same way (direct, a proxy, a Unix
//! socket): a redirect's next hop, or the next URL, which then skips the connect, the
//! proxy's handshake and TLS, as curl reuses it.
//!
//! Connections are kept only while the run lasts.
//! A kept connection the server has closed meanwhile fails on its first use; the exchange
//! then opens a fresh one, so a stale connection costs a retry, never a failure.

use super::transfer::Conn;
use std::sync::Mutex;
use url::Url;

/// The most idle connections kept.
const MAX_IDLE: usize = 16;

/// Idle connections by origin.
#[derive(Default)]
pub struct Pool {
    idle: Mutex<Vec<(String, Conn)>>,
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
}
