//! Owns HTTPS set-up: the rustls client configuration (trust roots, `--cacert`, `-k`),
//! the handshake with SNI and ALPN `http/1.1`, and mapping TLS failures to curl's codes.
//!
//! Trust roots are Mozilla's, compiled in through `webpki-roots`, so a download behaves the
//! same on every machine; `--cacert` adds roots to them. Cryptography is rustls's `ring`
//! provider (aws-lc-rs would need cmake and nasm to build).

use super::error::{describe, FetchError};
use rustls::client::danger::{HandshakeSignatureValid, ServerCertVerified, ServerCertVerifier};
use rustls::crypto::{ring, CryptoProvider};
use rustls::pki_types::pem::PemObject;
use rustls::pki_types::{CertificateDer, ServerName, UnixTime};
use rustls::{ClientConfig, DigitallySignedStruct, RootCertStore, SignatureScheme};
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
        builder
            .with_root_certificates(roots(cacert)?)
            .with_no_client_auth()
    };
    config.alpn_protocols = vec![b"http/1.1".to_vec()];
    Ok(Arc::new(config))
}

fn roots(cacert: Option<&Path>) -> Result<RootCertStore, FetchError> {
    let mut store = RootCertStore {
        roots: webpki_roots::TLS_SERVER_ROOTS.to_vec(),
    };
    let Some(path) = cacert else {
        return Ok(store);
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
    for cert in certs {
        store.add(cert).map_err(|e| bad(e.to_string()))?;
    }
    Ok(store)
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
        Some(e @ rustls::Error::InvalidCertificate(_)) => FetchError::Certificate {
            host: host.to_string(),
            reason: e.to_string(),
        },
        Some(e) => FetchError::Tls {
            host: host.to_string(),
            reason: e.to_string(),
        },
        None => FetchError::Tls {
            host: host.to_string(),
            reason: describe(err),
        },
    }
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
