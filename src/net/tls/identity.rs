//! Owns the client certificate a TLS client presents for mutual TLS (`sockit client
//! --tls-cert`, `sockit fetch --cert`/`--key`/`--pass`): the PEM chain, its key (an
//! encrypted PKCS#8 key opened with the passphrase, as curl's `--pass` does), and a file
//! that cannot be used told in words (curl's 58).

use super::options::ClientCert;
use super::{crypto_provider, pem_problem, TlsError};
use pkcs8::EncryptedPrivateKeyInfo;
use rustls::client::ResolvesClientCert;
use rustls::pki_types::pem::PemObject;
use rustls::pki_types::{CertificateDer, PrivateKeyDer, PrivatePkcs8KeyDer};
use rustls::sign::CertifiedKey;
use rustls::{ClientConfig, SignatureScheme};
use std::path::Path;
use std::sync::Arc;

impl ClientCert {
    /// Whether the files can be read as typed: a type other than PEM is curl's 58, as for a
    /// file that cannot be used.
    pub fn check(&self) -> Result<(), TlsError> {
        let files = [("--cert-type", &self.cert), ("--key-type", &self.key)];
        for ((flag, path), kind) in files.into_iter().zip(&self.types) {
            if let Some(kind) = kind.as_deref().filter(|k| !k.eq_ignore_ascii_case("PEM")) {
                return Err(TlsError::ClientCertificate {
                    path: path.clone(),
                    reason: format!("{flag} {kind}: sockit reads PEM files only"),
                });
            }
        }
        Ok(())
    }
}

/// Makes `config` present `cert`'s chain with its private key to a server that asks for one.
/// A file that cannot be used is [`TlsError::ClientCertificate`] (curl's 58).
pub fn present(config: &mut ClientConfig, cert: &ClientCert) -> Result<(), TlsError> {
    cert.check()?;
    let key = certified(&cert.cert, &cert.key, cert.pass.as_deref())?;
    config.client_auth_cert_resolver = Arc::new(Identity(key));
    Ok(())
}

/// The client certificate and its key, checked to belong together.
pub(super) fn certified(
    cert: &Path,
    key: &Path,
    pass: Option<&str>,
) -> Result<Arc<CertifiedKey>, TlsError> {
    let bad = |path: &Path, reason: String| TlsError::ClientCertificate {
        path: path.to_owned(),
        reason,
    };
    let chain = CertificateDer::pem_file_iter(cert)
        .and_then(|certs| certs.collect::<Result<Vec<_>, _>>())
        .map_err(|e| bad(cert, pem_problem(&e)))?;
    if chain.is_empty() {
        return Err(bad(cert, "no PEM certificate in it".into()));
    }
    let der = private_key(key, pass).map_err(|reason| bad(key, reason))?;
    CertifiedKey::from_der(chain, der, &crypto_provider())
        .map(Arc::new)
        .map_err(|e| match e {
            rustls::Error::InconsistentKeys(_) => bad(
                key,
                format!(
                    "the key does not match the certificate in {}",
                    cert.display()
                ),
            ),
            e => bad(key, format!("unusable private key: {e}")),
        })
}

/// The PEM private key in `key`: a plain one (PKCS#8, RSA or SEC1 EC), or an encrypted
/// PKCS#8 one opened with `pass`.
fn private_key(key: &Path, pass: Option<&str>) -> Result<PrivateKeyDer<'static>, String> {
    let text =
        std::fs::read(key).map_err(|e| format!("cannot read: {}", super::super::describe(&e)))?;
    let has = |marker: &[u8]| text.windows(marker.len()).any(|w| w == marker);
    if has(b"Proc-Type: 4,ENCRYPTED") {
        return Err(
            "the key is encrypted in OpenSSL's legacy format, which sockit cannot \
                    read: convert it to PKCS#8 (openssl pkcs8 -topk8 -in KEY -out NEW.key)"
                .into(),
        );
    }
    if !has(b"-----BEGIN ENCRYPTED PRIVATE KEY-----") {
        return PrivateKeyDer::from_pem_slice(&text).map_err(|e| pem_problem(&e));
    }
    let Some(pass) = pass else {
        return Err("the private key is encrypted: give its passphrase with --pass".into());
    };
    let text = std::str::from_utf8(&text).map_err(|_| "broken PEM: not text".to_string())?;
    let (_, document) =
        pkcs8::SecretDocument::from_pem(text).map_err(|e| format!("broken PEM: {e}"))?;
    let encrypted = EncryptedPrivateKeyInfo::try_from(document.as_bytes())
        .map_err(|e| format!("broken encrypted key: {e}"))?;
    let plain = encrypted
        .decrypt(pass)
        .map_err(|_| "cannot decrypt the private key: wrong passphrase (--pass)".to_string())?;
    Ok(PrivateKeyDer::Pkcs8(PrivatePkcs8KeyDer::from(
        plain.as_bytes().to_vec(),
    )))
}

/// Presents one certificate to every server that asks.
#[derive(Debug)]
struct Identity(Arc<CertifiedKey>);

impl ResolvesClientCert for Identity {
    fn resolve(
        &self,
        _root_hint_subjects: &[&[u8]],
        _sigschemes: &[SignatureScheme],
    ) -> Option<Arc<CertifiedKey>> {
        Some(self.0.clone())
    }

    fn has_certs(&self) -> bool {
        true
    }
}
