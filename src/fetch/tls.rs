//! Owns HTTPS set-up: the rustls client configuration (trust roots, `--cacert`, `-k`),
//! the handshake with SNI and ALPN `http/1.1`, and mapping TLS failures to curl's codes.
//!
//! Trust roots are Mozilla's, compiled in through `webpki-roots`, so a download behaves the
//! same on every machine; `--cacert` adds roots to them. Cryptography is rustls's `ring`
//! provider (aws-lc-rs would need cmake and nasm to build).
//!
//! A certificate given to `--cacert` is also trusted as the server's own certificate when it
//! is exactly the one presented, as curl (OpenSSL) does: rustls alone refuses a
//! self-signed `openssl req -x509` certificate (CA:TRUE, so "CA used as end entity") and a
//! leaf without its issuer ("unknown issuer"), a common complaint against rustls clients.
//! The host name and the validity dates are still checked. Failures are told in words.

use super::error::{describe, FetchError};
use rustls::client::danger::{HandshakeSignatureValid, ServerCertVerified, ServerCertVerifier};
use rustls::client::{verify_server_name, WebPkiServerVerifier};
use rustls::crypto::{ring, CryptoProvider};
use rustls::pki_types::pem::PemObject;
use rustls::pki_types::{CertificateDer, ServerName, UnixTime};
use rustls::server::ParsedCertificate;
use rustls::{
    CertificateError, ClientConfig, DigitallySignedStruct, RootCertStore, SignatureScheme,
};
use std::path::Path;
use std::sync::Arc;
use tokio::net::TcpStream;
use tokio_rustls::client::TlsStream;
use tokio_rustls::TlsConnector;
use url::Host;

/// Builds the client configuration: built-in roots plus `cacert`, or no verification at all
/// when `insecure`.
pub fn config(cacert: Option<&Path>, insecure: bool) -> Result<Arc<ClientConfig>, FetchError> {
    let provider = Arc::new(ring::default_provider());
    let builder = ClientConfig::builder_with_provider(provider.clone())
        .with_safe_default_protocol_versions()
        .map_err(|e| FetchError::Tls {
            host: String::new(),
            reason: e.to_string(),
        })?;
    let mut config = if insecure {
        builder
            .dangerous()
            .with_custom_certificate_verifier(Arc::new(NoVerification(provider)))
            .with_no_client_auth()
    } else {
        let (roots, pinned) = roots(cacert)?;
        let webpki = WebPkiServerVerifier::builder_with_provider(Arc::new(roots), provider)
            .build()
            .map_err(|e| FetchError::Tls {
                host: String::new(),
                reason: e.to_string(),
            })?;
        builder
            .dangerous()
            .with_custom_certificate_verifier(Arc::new(ExactOrChain { webpki, pinned }))
            .with_no_client_auth()
    };
    config.alpn_protocols = vec![b"http/1.1".to_vec()];
    Ok(Arc::new(config))
}

/// The built-in roots plus `--cacert`'s certificates, and those certificates themselves.
type Roots = (RootCertStore, Vec<CertificateDer<'static>>);

fn roots(cacert: Option<&Path>) -> Result<Roots, FetchError> {
    let mut store = RootCertStore {
        roots: webpki_roots::TLS_SERVER_ROOTS.to_vec(),
    };
    let Some(path) = cacert else {
        return Ok((store, Vec::new()));
    };
    let bad = |reason: String| FetchError::CaFile {
        path: path.display().to_string(),
        reason,
    };
    let certs = CertificateDer::pem_file_iter(path)
        .map_err(|e| bad(e.to_string()))?
        .collect::<Result<Vec<_>, _>>()
        .map_err(|e| bad(e.to_string()))?;
    if certs.is_empty() {
        return Err(bad("no PEM certificate in it".into()));
    }
    for cert in &certs {
        store.add(cert.clone()).map_err(|e| bad(e.to_string()))?;
    }
    Ok((store, certs))
}

/// Verifies the chain to a trusted root (webpki), or accepts a `--cacert` certificate that
/// is exactly the server's, when the only objection is that it has no issuer to chain to.
#[derive(Debug)]
struct ExactOrChain {
    webpki: Arc<WebPkiServerVerifier>,
    /// The certificates in `--cacert`.
    pinned: Vec<CertificateDer<'static>>,
}

impl ServerCertVerifier for ExactOrChain {
    fn verify_server_cert(
        &self,
        end_entity: &CertificateDer<'_>,
        intermediates: &[CertificateDer<'_>],
        server_name: &ServerName<'_>,
        ocsp_response: &[u8],
        now: UnixTime,
    ) -> Result<ServerCertVerified, rustls::Error> {
        let verdict = self.webpki.verify_server_cert(
            end_entity,
            intermediates,
            server_name,
            ocsp_response,
            now,
        );
        match verdict {
            Err(rustls::Error::InvalidCertificate(e))
                if only_chain_refused(&e) && self.pinned.iter().any(|c| c == end_entity) =>
            {
                // webpki checked the validity dates before it looked for an issuer; the
                // name is left, as webpki checks it only after the chain.
                let parsed = ParsedCertificate::try_from(end_entity)?;
                verify_server_name(&parsed, server_name)?;
                Ok(ServerCertVerified::assertion())
            }
            other => other,
        }
    }

    fn verify_tls12_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        self.webpki.verify_tls12_signature(message, cert, dss)
    }

    fn verify_tls13_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        self.webpki.verify_tls13_signature(message, cert, dss)
    }

    fn supported_verify_schemes(&self) -> Vec<SignatureScheme> {
        self.webpki.supported_verify_schemes()
    }
}

/// The objections to the chain, not to the certificate itself, that an exact match in
/// `--cacert` overrides: no trusted issuer (a leaf given alone), an issuer of the same name
/// that did not sign it (the leaf taken as its own issuer), or a CA's certificate (a
/// self-signed `openssl req -x509` one). webpki checks dates and purpose before these.
fn only_chain_refused(e: &CertificateError) -> bool {
    match e {
        CertificateError::UnknownIssuer | CertificateError::BadSignature => true,
        CertificateError::Other(other) => matches!(
            other.0.downcast_ref::<webpki::Error>(),
            Some(webpki::Error::CaUsedAsEndEntity)
        ),
        _ => false,
    }
}

/// Runs the TLS handshake over `tcp`, sending SNI for host names (not for IP literals).
pub async fn handshake(
    tcp: TcpStream,
    host: &Host<&str>,
    config: Arc<ClientConfig>,
) -> Result<TlsStream<TcpStream>, FetchError> {
    let name = match host {
        Host::Domain(d) => ServerName::try_from(d.to_string()),
        Host::Ipv4(ip) => Ok(ServerName::IpAddress((*ip).into())),
        Host::Ipv6(ip) => Ok(ServerName::IpAddress((*ip).into())),
    }
    .map_err(|e| FetchError::Tls {
        host: host.to_string(),
        reason: e.to_string(),
    })?;
    TlsConnector::from(config)
        .connect(name, tcp)
        .await
        .map_err(|e| handshake_error(host, &e))
}

/// Certificate problems are curl's 60, everything else in the handshake 35.
fn handshake_error(host: &Host<&str>, err: &std::io::Error) -> FetchError {
    let tls = err
        .get_ref()
        .and_then(|e| e.downcast_ref::<rustls::Error>());
    match tls {
        Some(rustls::Error::InvalidCertificate(e)) => FetchError::Certificate {
            host: host.to_string(),
            reason: certificate_problem(e, host),
        },
        Some(e) => FetchError::Tls {
            host: host.to_string(),
            reason: handshake_problem(e),
        },
        None => FetchError::Tls {
            host: host.to_string(),
            reason: describe(err),
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
        rustls::Error::NoApplicationProtocol => "the server refused ALPN http/1.1".into(),
        other => words(&other.to_string()),
    }
}

/// `CaUsedAsEndEntity` as "ca used as end entity": a variant name as the words it spells
/// (anything after a `(` or `{` is dropped, so no debug structure leaks through).
pub(crate) fn words(name: &str) -> String {
    let name = name.split(['(', '{']).next().unwrap_or(name).trim();
    let mut out = String::with_capacity(name.len() + 8);
    for (i, c) in name.chars().enumerate() {
        if c.is_ascii_uppercase() && i > 0 && !out.ends_with(' ') {
            out.push(' ');
        }
        out.push(c.to_ascii_lowercase());
    }
    out
}

/// `-k`: accepts any certificate, but still checks that the server holds the key of the
/// certificate it sent (the handshake signatures), as curl does.
#[derive(Debug)]
struct NoVerification(Arc<CryptoProvider>);

impl ServerCertVerifier for NoVerification {
    fn verify_server_cert(
        &self,
        _end_entity: &CertificateDer<'_>,
        _intermediates: &[CertificateDer<'_>],
        _server_name: &ServerName<'_>,
        _ocsp_response: &[u8],
        _now: UnixTime,
    ) -> Result<ServerCertVerified, rustls::Error> {
        Ok(ServerCertVerified::assertion())
    }

    fn verify_tls12_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        rustls::crypto::verify_tls12_signature(
            message,
            cert,
            dss,
            &self.0.signature_verification_algorithms,
        )
    }

    fn verify_tls13_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        rustls::crypto::verify_tls13_signature(
            message,
            cert,
            dss,
            &self.0.signature_verification_algorithms,
        )
    }

    fn supported_verify_schemes(&self) -> Vec<SignatureScheme> {
        self.0.signature_verification_algorithms.supported_schemes()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn variant_names_become_words() {
        assert_eq!(words("CaUsedAsEndEntity"), "ca used as end entity");
        assert_eq!(words("HandshakeFailure"), "handshake failure");
        assert_eq!(words("Other(OtherError(x))"), "other");
    }
}
