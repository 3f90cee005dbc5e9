//! Owns whom a TLS client trusts: the rustls client configuration of `sockit fetch`,
//! `client` and `bench` (trust roots, `--cacert`, `-k`).
//!
//! Trust roots are Mozilla's, compiled in through `webpki-roots`, so a connection behaves the
//! same on every machine; `--cacert` adds roots to them.
//!
//! A certificate given to `--cacert` is also trusted as the server's own certificate when it
//! is exactly the one presented, as curl (OpenSSL) does: rustls alone refuses a
//! self-signed `openssl req -x509` certificate (CA:TRUE, so "CA used as end entity") and a
//! leaf without its issuer ("unknown issuer"), a common complaint against rustls clients.
//! The host name and the validity dates are still checked. Failures are told in words.

use super::{crypto_provider, TlsError};
use rustls::client::danger::{HandshakeSignatureValid, ServerCertVerified, ServerCertVerifier};
use rustls::client::{verify_server_name, WebPkiServerVerifier};
use rustls::crypto::CryptoProvider;
use rustls::pki_types::pem::PemObject;
use rustls::pki_types::{CertificateDer, ServerName, UnixTime};
use rustls::server::ParsedCertificate;
use rustls::{
    CertificateError, ClientConfig, DigitallySignedStruct, RootCertStore, SignatureScheme,
};
use std::path::Path;
use std::sync::Arc;

/// Builds a client configuration: built-in roots plus `cacert`, or no verification at all
/// when `insecure`; offering the ALPN protocols `alpn` (none for the hello protocol).
pub fn client_config(
    cacert: Option<&Path>,
    insecure: bool,
    alpn: &[&[u8]],
) -> Result<ClientConfig, TlsError> {
    let provider = crypto_provider();
    let set_up = |e: rustls::Error| TlsError::Handshake {
        host: String::new(),
        reason: e.to_string(),
    };
    let builder = ClientConfig::builder_with_provider(provider.clone())
        .with_safe_default_protocol_versions()
        .map_err(set_up)?;
    let mut config = if insecure {
        builder
            .dangerous()
            .with_custom_certificate_verifier(Arc::new(NoVerification(provider)))
            .with_no_client_auth()
    } else {
        let (roots, pinned) = roots(cacert)?;
        let webpki = WebPkiServerVerifier::builder_with_provider(Arc::new(roots), provider)
            .build()
            .map_err(|e| set_up(rustls::Error::General(e.to_string())))?;
        builder
            .dangerous()
            .with_custom_certificate_verifier(Arc::new(ExactOrChain { webpki, pinned }))
            .with_no_client_auth()
    };
    config.alpn_protocols = alpn.iter().map(|p| p.to_vec()).collect();
    Ok(config)
}

/// The built-in roots plus `--cacert`'s certificates, and those certificates themselves.
type Roots = (RootCertStore, Vec<CertificateDer<'static>>);

fn roots(cacert: Option<&Path>) -> Result<Roots, TlsError> {
    let mut store = RootCertStore {
        roots: webpki_roots::TLS_SERVER_ROOTS.to_vec(),
    };
    let Some(path) = cacert else {
        return Ok((store, Vec::new()));
    };
    let bad = |reason: String| TlsError::CaFile {
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
