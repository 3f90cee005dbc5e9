//! Owns QUIC connections a client opens (only with the `http3` feature): a UDP endpoint, the
//! QUIC handshake to one of a host's addresses within a deadline, with the same rustls trust
//! as TCP ([`crate::net::tls`]), and its failures told apart as TLS's (certificate or
//! handshake) or the network's (nothing answered, or the time ran out).
//!
//! QUIC carries its TLS handshake inside its own packets, so the rustls configuration is
//! the one a TCP connection would use, only with ALPN `h3` (the caller sets it); quinn
//! needs TLS 1.3 from it, which every sockit configuration offers.

use crate::net::tls::TlsError;
use std::net::{Ipv4Addr, Ipv6Addr, SocketAddr};
use std::sync::Arc;
use std::time::Duration;

/// The receive window of one stream: as for HTTP/2's streams (`fetch/conn/h2.rs`), enough
/// that one download is not held to a window per round trip.
const STREAM_WINDOW: u32 = 4 << 20;
/// The receive window of the whole connection.
const CONNECTION_WINDOW: u32 = 8 << 20;

/// Why a QUIC connection could not be made.
#[derive(Debug, thiserror::Error)]
pub enum QuicError {
    /// No address answered the handshake, or the socket could not be set up.
    #[error("{0}")]
    Connect(String),
    /// The deadline passed before the handshake finished.
    #[error("no QUIC handshake within {} ms", .0.as_millis())]
    Timeout(Duration),
    /// TLS inside QUIC failed: the certificate (curl's 60) or the handshake (35).
    #[error(transparent)]
    Tls(#[from] TlsError),
}

/// A QUIC connection, with the endpoint (the UDP socket) it lives on.
pub struct QuicConn {
    /// The connection.
    pub conn: quinn::Connection,
    /// The local UDP socket's address.
    pub local: Option<SocketAddr>,
    /// Kept so the socket lives as long as the connection.
    _endpoint: quinn::Endpoint,
}

/// Connects over QUIC to the first of `addrs` that completes the handshake within
/// `timeout` in all, presenting `server_name` for TLS (the URL's host).
pub async fn connect(
    addrs: &[SocketAddr],
    server_name: &str,
    tls: Arc<rustls::ClientConfig>,
    timeout: Duration,
) -> Result<QuicConn, QuicError> {
    let config = client_config(tls)?;
    let work = async {
        let mut last = QuicError::Connect(format!("no address for {server_name}"));
        for addr in addrs {
            match connect_one(*addr, server_name, &config).await {
                Ok(conn) => return Ok(conn),
                // A certificate is the same on every address: no use trying the next.
                Err(e @ QuicError::Tls(_)) => return Err(e),
                Err(e) => last = e,
            }
        }
        Err(last)
    };
    tokio::time::timeout(timeout, work)
        .await
        .unwrap_or(Err(QuicError::Timeout(timeout)))
}

/// quinn's client configuration over `tls`, with the windows above.
fn client_config(tls: Arc<rustls::ClientConfig>) -> Result<quinn::ClientConfig, QuicError> {
    let crypto = quinn::crypto::rustls::QuicClientConfig::try_from(tls).map_err(|e| {
        QuicError::Tls(TlsError::Handshake {
            host: String::new(),
            reason: format!("no TLS 1.3 for QUIC: {e}"),
        })
    })?;
    let mut transport = quinn::TransportConfig::default();
    transport
        .stream_receive_window(STREAM_WINDOW.into())
        .receive_window(CONNECTION_WINDOW.into());
    let mut config = quinn::ClientConfig::new(Arc::new(crypto));
    config.transport_config(Arc::new(transport));
    Ok(config)
}

/// One handshake with `addr`, on an endpoint of its own address family.
async fn connect_one(
    addr: SocketAddr,
    server_name: &str,
    config: &quinn::ClientConfig,
) -> Result<QuicConn, QuicError> {
    let bind: SocketAddr = match addr {
        SocketAddr::V4(_) => (Ipv4Addr::UNSPECIFIED, 0).into(),
        SocketAddr::V6(_) => (Ipv6Addr::UNSPECIFIED, 0).into(),
    };
    let endpoint = quinn::Endpoint::client(bind)
        .map_err(|e| QuicError::Connect(format!("cannot open a UDP socket: {e}")))?;
    let connecting = endpoint
        .connect_with(config.clone(), addr, server_name)
        .map_err(|e| QuicError::Connect(format!("cannot connect to {addr}: {e}")))?;
    let conn = connecting
        .await
        .map_err(|e| handshake_error(&e, server_name, addr))?;
    Ok(QuicConn {
        conn,
        local: endpoint.local_addr().ok(),
        _endpoint: endpoint,
    })
}

/// A failed handshake: a TLS alert about the certificate is curl's 60, another TLS alert
/// 35, anything else a connection that could not be made.
fn handshake_error(e: &quinn::ConnectionError, host: &str, addr: SocketAddr) -> QuicError {
    let alert = match e {
        quinn::ConnectionError::TransportError(t) => tls_alert(u64::from(t.code)),
        quinn::ConnectionError::ConnectionClosed(c) => tls_alert(u64::from(c.error_code)),
        _ => None,
    };
    let host = host.to_owned();
    match alert {
        Some(alert) if is_certificate_alert(alert) => QuicError::Tls(TlsError::Certificate {
            host,
            reason: e.to_string(),
        }),
        Some(_) => QuicError::Tls(TlsError::Handshake {
            host,
            reason: e.to_string(),
        }),
        None => QuicError::Connect(format!("QUIC connection to {addr} failed: {e}")),
    }
}

/// The TLS alert a QUIC error code carries (RFC 9001 section 4.8: 0x100 plus the alert).
fn tls_alert(code: u64) -> Option<u8> {
    (0x100..0x200)
        .contains(&code)
        .then(|| u8::try_from(code - 0x100).unwrap_or(u8::MAX))
}

/// The TLS alerts that say the certificate was refused (RFC 8446 section 6.2): bad (42),
/// unsupported (43), revoked (44), expired (45), unknown (46), an unknown CA (48).
fn is_certificate_alert(alert: u8) -> bool {
    matches!(alert, 42..=46 | 48)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// QUIC's crypto error codes carry the TLS alert; a certificate alert is told apart
    /// from the rest of the handshake's, and a code outside the crypto range is none.
    #[test]
    fn crypto_codes_carry_the_tls_alert() {
        assert_eq!(tls_alert(0x100 + 48), Some(48));
        assert!(is_certificate_alert(48));
        assert!(is_certificate_alert(42));
        assert_eq!(tls_alert(0x100 + 40), Some(40));
        assert!(!is_certificate_alert(40));
        assert_eq!(tls_alert(0x0a), None);
        assert_eq!(tls_alert(0x200), None);
    }
}
