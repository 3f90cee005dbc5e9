//! Owns the checks curl makes on a server's certificate after (and besides) its
//! verification: `--pinnedpubkey` (the public key must be the pinned one, also with `-k`:
//! curl's 90) and `--cert-status` (a stapled OCSP response saying "good": curl's 91).
//!
//! Both wrap whichever verifier trust chose, so they hold with `-k` as with a verified
//! chain, and fail inside the handshake as curl's do, before a byte of HTTP is sent.

use super::options::TlsOptions;
use super::{ocsp, TlsError};
use base64::Engine;
use rustls::client::danger::{HandshakeSignatureValid, ServerCertVerified, ServerCertVerifier};
use rustls::pki_types::{CertificateDer, ServerName, TrustAnchor, UnixTime};
use rustls::{CertificateError, DigitallySignedStruct, OtherError, SignatureScheme};
use std::sync::Arc;

/// A pinned public key, as `--pinnedpubkey` gives it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Pin {
    /// `sha256//BASE64;sha256//BASE64`: the SHA-256 of the key's SubjectPublicKeyInfo.
    Hashes(Vec<Vec<u8>>),
    /// A PEM or DER public key file: its SubjectPublicKeyInfo.
    Key(Vec<u8>),
    /// A file that cannot be read or holds no key: nothing matches, as in curl.
    Nothing,
}

impl Pin {
    /// Reads `--pinnedpubkey`'s value: hashes after `sha256//`, or else a key file.
    pub fn parse(given: &str) -> Pin {
        if given.starts_with("sha256//") {
            let hashes = given
                .split(';')
                .filter_map(|h| h.strip_prefix("sha256//"))
                .filter_map(|b64| base64::engine::general_purpose::STANDARD.decode(b64).ok())
                .collect();
            return Pin::Hashes(hashes);
        }
        let Ok(bytes) = std::fs::read(given) else {
            return Pin::Nothing;
        };
        match public_key_der(&bytes) {
            Some(der) => Pin::Key(der),
            None => Pin::Nothing,
        }
    }

    /// Whether `spki` (a SubjectPublicKeyInfo, DER) is the pinned key.
    pub fn matches(&self, spki: &[u8]) -> bool {
        match self {
            Pin::Hashes(hashes) => {
                let digest = ring::digest::digest(&ring::digest::SHA256, spki);
                hashes.iter().any(|h| h.as_slice() == digest.as_ref())
            }
            Pin::Key(der) => der == spki,
            Pin::Nothing => false,
        }
    }
}

/// A `PUBLIC KEY` PEM block's DER, or the file itself taken as DER.
fn public_key_der(bytes: &[u8]) -> Option<Vec<u8>> {
    let text = String::from_utf8_lossy(bytes);
    let begin = "-----BEGIN PUBLIC KEY-----";
    let Some(start) = text.find(begin) else {
        return (!bytes.is_empty()).then(|| bytes.to_vec());
    };
    let body = &text[start + begin.len()..];
    let end = body.find("-----END PUBLIC KEY-----")?;
    let b64: String = body[..end].split_whitespace().collect();
    base64::engine::general_purpose::STANDARD.decode(b64).ok()
}

/// The SubjectPublicKeyInfo of a certificate, DER.
fn spki_of(cert: &CertificateDer<'_>) -> Option<Vec<u8>> {
    let (_, parsed) = x509_parser::parse_x509_certificate(cert.as_ref()).ok()?;
    Some(parsed.tbs_certificate.subject_pki.raw.to_vec())
}

/// Why a pinned key or a certificate status refused the server, carried through rustls to
/// the handshake's error.
#[derive(Debug, thiserror::Error)]
pub enum Refusal {
    /// The key is not the pinned one.
    #[error("the server's public key does not match --pinnedpubkey")]
    Pin,
    /// No good OCSP staple.
    #[error("{0}")]
    Status(String),
}

/// `verifier`, with `--pinnedpubkey` and `--cert-status` checked after it (the staple's
/// signer looked up among the server's intermediates and `anchors`); `verifier` itself
/// when neither is given.
pub fn checked(
    verifier: Arc<dyn ServerCertVerifier>,
    opts: &TlsOptions,
    anchors: impl FnOnce() -> Result<Vec<TrustAnchor<'static>>, TlsError>,
) -> Result<Arc<dyn ServerCertVerifier>, TlsError> {
    if opts.pinned_pubkey.is_none() && !opts.cert_status {
        return Ok(verifier);
    }
    Ok(Arc::new(Checked {
        inner: verifier,
        pin: opts.pinned_pubkey.as_deref().map(Pin::parse),
        status: match opts.cert_status {
            true => Some(anchors()?),
            false => None,
        },
    }))
}

/// A verifier with the pin and the status checked after it.
#[derive(Debug)]
struct Checked {
    inner: Arc<dyn ServerCertVerifier>,
    pin: Option<Pin>,
    /// `--cert-status`, with the anchors an issuer may be among.
    status: Option<Vec<TrustAnchor<'static>>>,
}

fn refuse(why: Refusal) -> rustls::Error {
    rustls::Error::InvalidCertificate(CertificateError::Other(OtherError(Arc::new(why))))
}

impl ServerCertVerifier for Checked {
    fn verify_server_cert(
        &self,
        end_entity: &CertificateDer<'_>,
        intermediates: &[CertificateDer<'_>],
        server_name: &ServerName<'_>,
        ocsp_response: &[u8],
        now: UnixTime,
    ) -> Result<ServerCertVerified, rustls::Error> {
        let verified = self.inner.verify_server_cert(
            end_entity,
            intermediates,
            server_name,
            ocsp_response,
            now,
        )?;
        if let Some(pin) = &self.pin {
            if !spki_of(end_entity).is_some_and(|spki| pin.matches(&spki)) {
                return Err(refuse(Refusal::Pin));
            }
        }
        if let Some(anchors) = &self.status {
            ocsp::check(ocsp_response, end_entity, intermediates, anchors, now)
                .map_err(|why| refuse(Refusal::Status(why)))?;
        }
        Ok(verified)
    }

    fn verify_tls12_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        self.inner.verify_tls12_signature(message, cert, dss)
    }

    fn verify_tls13_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        self.inner.verify_tls13_signature(message, cert, dss)
    }

    fn supported_verify_schemes(&self) -> Vec<SignatureScheme> {
        self.inner.supported_verify_schemes()
    }

    fn requires_raw_public_keys(&self) -> bool {
        self.inner.requires_raw_public_keys()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The hash form takes any of several `;`-separated hashes; a missing file pins
    /// nothing, so nothing matches.
    #[test]
    fn pins_are_hashes_or_a_key_file() {
        let spki = b"not really a key, but bytes to hash";
        let digest = ring::digest::digest(&ring::digest::SHA256, spki);
        let b64 = base64::engine::general_purpose::STANDARD.encode(digest.as_ref());
        assert!(Pin::parse(&format!("sha256//AAAA;sha256//{b64}")).matches(spki));
        assert!(!Pin::parse("sha256//AAAA").matches(spki));
        assert_eq!(Pin::parse("/nonexistent/key.pem"), Pin::Nothing);
    }
}
