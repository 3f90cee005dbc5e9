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
//! the connection's future grows by one pointer, not by the record; the peer is the one
//! accept(2) returned (asked of the socket only behind a PROXY header), and the addresses are
//! formatted straight into the line.

use super::metrics::Close;
use std::fmt::Display;
use std::net::SocketAddr;
use std::time::Duration;
use tracing::{field, info};

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
    /// The socket's peer, `None` for a Unix socket's client (which has no name of its own).
    peer: Option<SocketAddr>,
    /// The socket's own address: TCP, or a Unix socket's path (`None` if unnamed).
    listener: Option<Listener>,
    tls: Option<TlsSummary>,
}

/// The address a connection came in on.
#[derive(Debug)]
enum Listener {
    Tcp(SocketAddr),
    Unix(socket2::SockAddr),
}

impl Display for Listener {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Listener::Tcp(addr) => Shown(*addr).fmt(f),
            Listener::Unix(addr) => match addr.as_pathname() {
                Some(path) => write!(f, "unix:{}", path.display()),
                None => f.write_str("unix"),
            },
        }
    }
}

impl Origin {
    /// Reads the socket's own address (one `getsockname`) beside its TLS parameters, `tls`.
    /// `accepted` is the peer as accept(2) gave it, when the connection's peer is the
    /// socket's (no PROXY header); otherwise the socket is asked (`getpeername`). It takes
    /// the socket as a `SockRef` so that this module stays below `conn`, which calls it.
    ///
    /// The addresses are kept as addresses and shown only when the line is written: no
    /// string is made per connection.
    pub(crate) fn of(
        sock_ref: socket2::SockRef<'_>,
        accepted: Option<SocketAddr>,
        tls: Option<TlsSummary>,
    ) -> Box<Origin> {
        let listener = sock_ref
            .local_addr()
            .ok()
            .map(|addr| match addr.as_socket() {
                Some(tcp) => Listener::Tcp(tcp),
                None => Listener::Unix(addr),
            });
        let peer = match (&listener, accepted) {
            (Some(Listener::Unix(_)), _) => None,
            (_, Some(accepted)) => Some(accepted),
            _ => sock_ref.peer_addr().ok().and_then(|a| a.as_socket()),
        };
        Box::new(Origin {
            tally: Tally::default(),
            peer,
            listener,
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
    // A Unix socket's client has no name of its own: it is shown by the listener's path.
    let shown;
    let peer: &dyn Display = match (&origin.peer, &origin.listener) {
        (Some(peer), _) => {
            shown = Shown(*peer);
            &shown
        }
        (None, Some(listener)) => listener,
        (None, None) => &"unix",
    };
    info!(
        target: crate::logging::ACCESS,
        peer = %peer,
        client = proxied.then(|| field::display(client)),
        listener = origin.listener.as_ref().map(field::display),
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

/// A socket address as `Display` shows it, sooner: std's formats an IPv4 address through
/// four padded integer formats (about 1,300 instructions an address, and an access line
/// shows three: callgrind, churn); this writes the digits with `itoa` into a stack buffer
/// and hands them over at once. IPv6 goes through std's.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Shown(pub(crate) SocketAddr);

impl Display for Shown {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let SocketAddr::V4(v4) = self.0 else {
            return self.0.fmt(f);
        };
        // "255.255.255.255:65535" at the longest.
        let mut text = [0u8; 21];
        let mut len = 0;
        let mut put = |bytes: &[u8]| {
            text[len..len + bytes.len()].copy_from_slice(bytes);
            len += bytes.len();
        };
        for (i, octet) in v4.ip().octets().into_iter().enumerate() {
            if i > 0 {
                put(b".");
            }
            put(itoa::Buffer::new().format(octet).as_bytes());
        }
        put(b":");
        put(itoa::Buffer::new().format(v4.port()).as_bytes());
        // Digits, dots and a colon: always UTF-8.
        f.pad(std::str::from_utf8(&text[..len]).unwrap_or_default())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    proptest! {
        /// An address is shown exactly as std shows it, IPv4 and IPv6 alike.
        #[test]
        fn shown_as_std_shows_it(ip in any::<u32>(), port in any::<u16>(), v6 in any::<u128>()) {
            let v4 = SocketAddr::from((std::net::Ipv4Addr::from_bits(ip), port));
            prop_assert_eq!(Shown(v4).to_string(), v4.to_string());
            let v6 = SocketAddr::from((std::net::Ipv6Addr::from_bits(v6), port));
            prop_assert_eq!(Shown(v6).to_string(), v6.to_string());
        }
    }
}
