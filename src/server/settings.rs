//! What a connection is served with, read once as it arrives: the settings a SIGHUP reload
//! may change (greeting, framing, line limit, timeouts, PROXY protocol, per-address limit,
//! log lines) as one value that a reload replaces whole.
//!
//! A connection takes the [`Settings`] in force when it is accepted and keeps them to its
//! end, so a reload changes new connections only, as nginx's and HAProxy's reloads do. The
//! hot path pays one atomic load and one reference count per connection, never a lock: each
//! accept loop keeps the settings it handed out last in a [`Cached`] and asks the lock only
//! when [`Current`]'s generation says a reload has stored newer ones.

use super::proxy::ProxyConfig;
use super::Config;
use crate::logging::LogFormat;
use crate::protocol::{self, Framing};
use std::num::{NonZeroU32, NonZeroUsize};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, PoisonError, RwLock};
use std::time::Duration;

/// The settings one connection is served with, from accept to close.
#[derive(Debug)]
pub(super) struct Settings {
    /// The greeting as sent on the wire (`--greeting`, framed), built once per reload.
    pub(super) greeting: Box<[u8]>,
    /// `--framing`.
    pub(super) framing: Framing,
    /// `--max-line`.
    pub(super) max_line: usize,
    /// `--idle-timeout`; zero: none.
    pub(super) idle_timeout: Duration,
    /// `--send-timeout`; zero: none.
    pub(super) send_timeout: Duration,
    /// `--handshake-timeout`: the PROXY header and the TLS handshake together.
    pub(super) handshake_timeout: Duration,
    /// `--proxy-protocol` and `--proxy-from`.
    pub(super) proxy: ProxyConfig,
    /// `--max-connections-per-ip`.
    pub(super) max_connections_per_ip: Option<NonZeroUsize>,
    /// `--max-connection-rate-per-ip`, which the connection's steps need to know is on.
    pub(super) max_connection_rate_per_ip: Option<NonZeroU32>,
    /// `--quiet`: no per-connection lines.
    pub(super) quiet: bool,
    /// `--log-format`, for the line that only text shows.
    pub(super) log_format: LogFormat,
    /// `--drain-delay` and `--grace`: not a connection's, but read from the settings in force
    /// when a shutdown starts, so a reload changes them too.
    pub(super) drain_delay: Duration,
    pub(super) grace: Duration,
}

impl Settings {
    /// The per-connection part of `config`.
    pub(super) fn of(config: &Config) -> Self {
        Settings {
            greeting: protocol::greeting_bytes(&config.greeting, config.framing).into(),
            framing: config.framing,
            max_line: config.max_line,
            idle_timeout: config.idle_timeout,
            send_timeout: config.send_timeout,
            handshake_timeout: config.tls.handshake_timeout,
            proxy: config.proxy.clone(),
            max_connections_per_ip: config.max_connections_per_ip,
            max_connection_rate_per_ip: config.max_connection_rate_per_ip,
            quiet: config.quiet,
            log_format: config.log_format,
            drain_delay: config.drain_delay,
            grace: config.grace,
        }
    }

    /// Whether a plain connection has steps to pass between its slot and its conversation.
    pub(super) fn steps_needed(&self) -> bool {
        self.proxy.proxy_protocol
            || self.max_connections_per_ip.is_some()
            || self.max_connection_rate_per_ip.is_some()
    }
}

/// The settings in force for new connections, which a reload replaces.
#[derive(Debug)]
pub(super) struct Current {
    /// Counts the stores, so that a [`Cached`] knows when to look again.
    generation: AtomicU64,
    settings: RwLock<Arc<Settings>>,
}

impl Current {
    pub(super) fn new(settings: Settings) -> Self {
        Current {
            generation: AtomicU64::new(0),
            settings: RwLock::new(Arc::new(settings)),
        }
    }

    /// The settings in force now.
    pub(super) fn load(&self) -> Arc<Settings> {
        (self.settings.read().unwrap_or_else(PoisonError::into_inner)).clone()
    }

    /// Puts `settings` in force for the connections accepted from now on.
    pub(super) fn store(&self, settings: Settings) {
        let mut current = self
            .settings
            .write()
            .unwrap_or_else(PoisonError::into_inner);
        *current = Arc::new(settings);
        // Under the lock, so that a reader that sees the new generation finds the new
        // settings behind it.
        self.generation.fetch_add(1, Ordering::Release);
    }
}

/// One accept loop's copy of the settings in force, refreshed when a reload stored newer
/// ones.
#[derive(Debug)]
pub(super) struct Cached {
    generation: u64,
    settings: Arc<Settings>,
}

impl Cached {
    pub(super) fn new(current: &Current) -> Self {
        let generation = current.generation.load(Ordering::Acquire);
        Cached {
            generation,
            settings: current.load(),
        }
    }

    /// The settings in force: the copy, unless a reload has stored newer ones since.
    pub(super) fn get(&mut self, current: &Current) -> &Arc<Settings> {
        let generation = current.generation.load(Ordering::Acquire);
        if generation != self.generation {
            *self = Cached::new(current);
        }
        &self.settings
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A cached copy follows every store, and stays the same allocation between them.
    #[test]
    fn a_cached_copy_follows_each_store() {
        let current = Current::new(Settings::of(&Config::default()));
        let mut cached = Cached::new(&current);
        let first = cached.get(&current).clone();
        assert!(Arc::ptr_eq(&first, cached.get(&current)));
        assert_eq!(&*first.greeting, b"Welcome!\n");
        current.store(Settings::of(&Config {
            greeting: "Hi".into(),
            ..Config::default()
        }));
        assert_eq!(&*cached.get(&current).greeting, b"Hi\n");
        assert_eq!(&*first.greeting, b"Welcome!\n");
    }
}
