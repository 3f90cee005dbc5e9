//! Owns the client side of a TLS handshake: SNI from the host, and a failure told in words
//! a user can act on, split as curl splits them: the certificate (60) or anything else (35).

use super::pin::Refusal;
use super::{words, TlsError};
use rustls::pki_types::ServerName;
use rustls::{CertificateError, ClientConfig};
use std::sync::Arc;
use tokio::io::{AsyncRead, AsyncWrite};
use tokio_rustls::client::TlsStream;
use tokio_rustls::TlsConnector;
use url::Host;

/// Runs the TLS handshake over `tcp` (any byte stream: a socket, a proxy's tunnel, TLS to a
/// proxy), sending SNI for host names (not for IP literals).
pub async fn handshake<IO: AsyncRead + AsyncWrite + Unpin>(
    tcp: IO,
    host: &Host<&str>,
    config: Arc<ClientConfig>,
) -> Result<TlsStream<IO>, TlsError> {
    let name = match host {
        Host::Domain(d) => ServerName::try_from(d.to_string()),
        Host::Ipv4(ip) => Ok(ServerName::IpAddress((*ip).into())),
        Host::Ipv6(ip) => Ok(ServerName::IpAddress((*ip).into())),
    }
    .map_err(|e| TlsError::Handshake {
        host: host.to_string(),
        reason: e.to_string(),
    })?;
    TlsConnector::from(config)
        .connect(name, tcp)
        .await
        .map_err(|e| handshake_error(host, &e))
}

/// Certificate problems are curl's 60 (a key that is not the pinned one 90, no good OCSP
/// staple 91), everything else in the handshake 35.
fn handshake_error(host: &Host<&str>, err: &std::io::Error) -> TlsError {
    let tls = err
        .get_ref()
        .and_then(|e| e.downcast_ref::<rustls::Error>());
    let refusal = match tls {
        Some(rustls::Error::InvalidCertificate(CertificateError::Other(other))) => {
            other.0.downcast_ref::<Refusal>()
        }
        _ => None,
    };
    match (refusal, tls) {
        (Some(Refusal::Pin), _) => TlsError::PinnedKey {
            host: host.to_string(),
        },
        (Some(Refusal::Status(reason)), _) => TlsError::CertStatus {
            host: host.to_string(),
            reason: reason.clone(),
        },
        (None, Some(rustls::Error::InvalidCertificate(e))) => TlsError::Certificate {
            host: host.to_string(),
            reason: certificate_problem(e, host),
        },
        (None, Some(e)) => TlsError::Handshake {
            host: host.to_string(),
            reason: handshake_problem(e),
        },
        (None, None) => TlsError::Handshake {
            host: host.to_string(),
            reason: crate::net::describe(err),
        },
    }
}

/// Why a certificate was refused, in words a user can act on.
fn certificate_problem(e: &CertificateError, host: &Host<&str>) -> String {
    match e {
        CertificateError::Expired | CertificateError::ExpiredContext { .. } => {
            "the certificate has expired".into()
        }
        CertificateError::NotValidYet | CertificateError::NotValidYetContext { .. } => {
            "the certificate is not valid yet (or the clock is wrong)".into()
        }
        CertificateError::NotValidForName | CertificateError::NotValidForNameContext { .. } => {
            format!("the certificate is for another name, not {host}")
        }
        CertificateError::UnknownIssuer => "unknown issuer: no trusted root signed the \
            certificate (--cacert FILE trusts its CA, or the certificate itself)"
            .into(),
        CertificateError::BadSignature => "the certificate's signature is wrong".into(),
        CertificateError::BadEncoding => "the certificate is malformed".into(),
        CertificateError::Revoked => "the certificate has been revoked".into(),
        CertificateError::InvalidPurpose | CertificateError::InvalidPurposeContext { .. } => {
            "the certificate is not meant for a server".into()
        }
        CertificateError::Other(other) => match other.0.downcast_ref::<webpki::Error>() {
            Some(webpki::Error::CaUsedAsEndEntity) => "the server presents a CA certificate \
                (--cacert FILE with exactly this certificate trusts it)"
                .into(),
            Some(e) => words(&format!("{e:?}")),
            None => other.to_string(),
        },
        other => words(&format!("{other:?}")),
    }
}

/// Why a handshake failed for a reason other than the certificate.
fn handshake_problem(e: &rustls::Error) -> String {
    match e {
        rustls::Error::InvalidMessage(_) | rustls::Error::InappropriateHandshakeMessage { .. } => {
            "the server does not speak TLS (or sent a malformed handshake)".into()
        }
        rustls::Error::InappropriateMessage { .. } => "the server does not speak TLS".into(),
        rustls::Error::AlertReceived(alert) => {
            format!("the server refused: {}", words(&format!("{alert:?}")))
        }
        rustls::Error::PeerIncompatible(why) => {
            format!("no TLS settings in common: {}", words(&format!("{why:?}")))
        }
        rustls::Error::NoApplicationProtocol => {
            "the server takes none of the offered ALPN protocols".into()
        }
        other => words(&other.to_string()),
    }
}
