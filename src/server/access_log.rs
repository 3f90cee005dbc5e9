//! The access log: one line at the end of each connection with what a dashboard or an
//! incident needs, as nginx's and HAProxy's access logs give it.
//!
//! The line is the one that says `Connection from PEER closed.`, with fields: `peer` (the
//! socket's peer), `client` (the PROXY header's client, when the server takes headers),
//! `listener` (the bound address), `tls_version`, `tls_cipher` and `tls_client` (the client
//! certificate's subject, under mutual TLS), `duration_ms`, `messages`, `bytes_in`,
//! `bytes_out` and `close` (the metrics' `closed` reason). With `--log-format json` they are
//! the object's top-level keys; in text they follow the message as `key=value`.
//!
//! It costs a connection nothing when the log is off (`-q`): the addresses and the TLS
//! details are looked up only for a line that will be written, and the counts are three adds
//! per read on the connection's own state. With the log on, what is looked up is boxed, so
//! the connection's future grows by one pointer, not by the record.

use super::metrics::Close;
use std::fmt::Display;
use std::time::Duration;
use tracing::info;

/// What one connection's conversation came to, counted as it went.
#[derive(Debug, Default, Clone, Copy)]
pub(crate) struct Tally {
    /// Names answered.
    pub(crate) messages: u32,
    /// Bytes read in the conversation (not TLS framing).
    pub(crate) bytes_in: u64,
    /// Bytes written in the conversation: greeting, replies and the closing `ERR` line.
    pub(crate) bytes_out: u64,
}

impl Tally {
    /// Counts bytes read and written, into a tally that is there only with the log on.
    #[inline]
    pub(crate) fn add(tally: &mut Option<&mut Tally>, read: usize, written: usize) {
        if let Some(tally) = tally {
            tally.bytes_in += read as u64;
            tally.bytes_out += written as u64;
        }
    }
}

/// A TLS connection's negotiated parameters.
#[derive(Debug, Default)]
pub(crate) struct TlsSummary {
    /// `TLSv1_3`, `TLSv1_2`.
    pub(crate) version: Option<&'static str>,
    /// The IANA name of the cipher suite, such as `TLS13_AES_256_GCM_SHA384`.
    pub(crate) cipher: Option<&'static str>,
    /// The client certificate's subject (`CN=client`), under mutual TLS.
    pub(crate) client: Option<String>,
}

/// Where a connection came from and over what, looked up from its socket before the close.
#[derive(Debug)]
pub(crate) struct Origin {
    /// The conversation's counts, carried here so that a connection that logs nothing does
    /// not hold them through its close.
    pub(crate) tally: Tally,
    peer: Option<String>,
    listener: Option<String>,
    tls: Option<TlsSummary>,
}

impl Origin {
    /// Reads the socket's addresses (two `getsockname`-like calls) beside its TLS
    /// parameters, `tls`. It takes the socket as a `SockRef` so that this module stays below
    /// `conn`, which calls it.
    pub(crate) fn of(sock_ref: socket2::SockRef<'_>, tls: Option<TlsSummary>) -> Box<Origin> {
        let shown = |addr: socket2::SockAddr| match addr.as_socket() {
            Some(addr) => addr.to_string(),
            None => match addr.as_pathname() {
                Some(path) => format!("unix:{}", path.display()),
                None => "unix".to_owned(),
            },
        };
        Box::new(Origin {
            tally: Tally::default(),
            peer: sock_ref.peer_addr().ok().map(shown),
            listener: sock_ref.local_addr().ok().map(shown),
            tls,
        })
    }
}

/// Writes the access line of a connection from `client` (the peer, or the PROXY header's
/// client when `proxied`) that ended for `close` after `lasted`.
pub(crate) fn write(
    origin: &Origin,
    client: &impl Display,
    proxied: bool,
    close: Close,
    lasted: Duration,
) {
    let tls = origin.tls.as_ref();
    let tally = origin.tally;
    let peer = match &origin.peer {
        // A Unix socket's client has no name of its own: show the listener's path.
        Some(peer) if peer != "unix" => peer.as_str(),
        _ => origin.listener.as_deref().unwrap_or("unix"),
    };
    info!(
        peer,
        client = proxied.then(|| tracing::field::display(client)),
        listener = origin.listener.as_deref(),
        tls_version = tls.and_then(|t| t.version),
        tls_cipher = tls.and_then(|t| t.cipher),
        tls_client = tls.and_then(|t| t.client.as_deref()),
        duration_ms = u64::try_from(lasted.as_millis()).unwrap_or(u64::MAX),
        messages = tally.messages,
        bytes_in = tally.bytes_in,
        bytes_out = tally.bytes_out,
        close = close.label(),
        "Connection from {client} closed."
    );
}
