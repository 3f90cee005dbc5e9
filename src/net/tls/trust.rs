//! Owns whom a TLS client trusts: the rustls client configuration of `sockit fetch`,
//! `client` and `bench` (trust roots, `--cacert`, `--capath`, `--crlfile`, `-k`).
//!
//! Trust starts from the system's store, as curl on Debian does (its bundle,
//! `/etc/ssl/certs/ca-certificates.crt`, where an administrator's added CAs land too), and
//! from the Mozilla roots compiled in through `webpki-roots` only where the system has no
//! bundle. `--cacert` and `--capath` add to it, as they do to Debian curl's default CA path.
//!
//! A certificate given to `--cacert` or `--capath` is also trusted as the server's own
//! certificate when it is exactly the one presented, as curl (OpenSSL) does: rustls alone
//! refuses a self-signed `openssl req -x509` certificate (CA:TRUE, so "CA used as end
//! entity") and a leaf without its issuer ("unknown issuer"), a common complaint against
//! rustls clients. The host name and the validity dates are still checked. Failures are
//! told in words.

use super::options::TlsOptions;
use super::{identity, pin, suites, TlsError};
use rustls::client::danger::{HandshakeSignatureValid, ServerCertVerified, ServerCertVerifier};
use rustls::client::{verify_server_name, Resumption, WebPkiServerVerifier};
use rustls::crypto::CryptoProvider;
use rustls::pki_types::pem::PemObject;
use rustls::pki_types::{CertificateDer, CertificateRevocationListDer, ServerName, UnixTime};
use rustls::server::ParsedCertificate;
use rustls::{
    CertificateError, ClientConfig, DigitallySignedStruct, KeyLogFile, RootCertStore,
    SignatureScheme,
};
use std::path::Path;
use std::sync::{Arc, OnceLock};

/// Builds a client configuration from `opts`, offering the ALPN protocols `alpn` (none for
/// the hello protocol, nor with `--no-alpn`). TLS secrets go to `SSLKEYLOGFILE` when it
/// is set, as curl writes them, so that a capture can be read in Wireshark.
pub fn client_config(opts: &TlsOptions, alpn: &[&[u8]]) -> Result<ClientConfig, TlsError> {
    let offer = suites::choose(opts)?;
    let provider = offer.provider;
    let builder = ClientConfig::builder_with_provider(provider.clone())
        .with_protocol_versions(&offer.versions)
        .map_err(|e| TlsError::Versions(e.to_string()))?;
    let verifier: Arc<dyn ServerCertVerifier> = if opts.insecure {
        Arc::new(NoVerification(provider))
    } else {
        let pinned = given(opts)?;
        let crls = opts.crlfile.as_deref().map(crls).transpose()?;
        // The system's roots up front only when nothing is given (reading --cacert and
        // --capath once, not again through `roots`).
        let trusted = match pinned.is_empty() {
            true => system_roots().store.clone(),
            false => {
                let mut given_only = RootCertStore::empty();
                add_given(&mut given_only, &pinned, opts)?;
                given_only
            }
        };
        let webpki = webpki(trusted, &provider, crls.as_ref())?;
        Arc::new(ExactOrChain {
            webpki,
            pinned,
            system: OnceLock::new(),
            provider,
            crls,
        })
    };
    let verifier = pin::checked(verifier, opts, || Ok(roots(opts)?.0.roots))?;
    let mut config = builder
        .dangerous()
        .with_custom_certificate_verifier(verifier)
        .with_no_client_auth();
    if !opts.no_alpn {
        config.alpn_protocols = alpn.iter().map(|p| p.to_vec()).collect();
    }
    config.key_log = Arc::new(KeyLogFile::new());
    if opts.no_session_id {
        config.resumption = Resumption::disabled();
    }
    if let Some(cert) = &opts.identity {
        identity::present(&mut config, cert)?;
    }
    Ok(config)
}

/// Where the trust roots without `--cacert` come from: the system's bundle, or the roots
/// compiled in.
#[derive(Debug, Clone)]
pub struct SystemRoots {
    /// The bundle file read, or None for the compiled-in Mozilla roots.
    pub bundle: Option<&'static str>,
    /// The roots.
    pub store: RootCertStore,
}

/// The CA bundles of the common Linux and BSD distributions, in the order OpenSSL's and
/// Go's probes look for them: Debian and Ubuntu (where curl reads it too), Fedora and RHEL,
/// openSUSE, Alpine, FreeBSD.
const BUNDLES: [&str; 6] = [
    "/etc/ssl/certs/ca-certificates.crt",
    "/etc/pki/tls/certs/ca-bundle.crt",
    "/etc/pki/ca-trust/extracted/pem/tls-ca-bundle.pem",
    "/etc/ssl/ca-bundle.pem",
    "/etc/ssl/cert.pem",
    "/usr/local/share/certs/ca-root-nss.crt",
];

/// The system's trust roots, read once per process: the first bundle of [`BUNDLES`] that
/// holds a certificate, else the compiled-in Mozilla roots.
pub fn system_roots() -> &'static SystemRoots {
    static ROOTS: OnceLock<SystemRoots> = OnceLock::new();
    ROOTS.get_or_init(|| {
        for bundle in BUNDLES {
            let found = rustls_native_certs::load_certs_from_paths(Some(Path::new(bundle)), None);
            let mut store = RootCertStore::empty();
            let (added, _) = store.add_parsable_certificates(found.certs);
            if added > 0 {
                return SystemRoots {
                    bundle: Some(bundle),
                    store,
                };
            }
        }
        SystemRoots {
            bundle: None,
            store: RootCertStore {
                roots: webpki_roots::TLS_SERVER_ROOTS.to_vec(),
            },
        }
    })
}

/// The system's roots plus `--cacert`'s and `--capath`'s certificates, and those
/// certificates themselves.
type Roots = (RootCertStore, Vec<CertificateDer<'static>>);

fn roots(opts: &TlsOptions) -> Result<Roots, TlsError> {
    let mut store = system_roots().store.clone();
    let given = given(opts)?;
    add_given(&mut store, &given, opts)?;
    Ok((store, given))
}

/// The certificates of `--cacert` and `--capath`.
fn given(opts: &TlsOptions) -> Result<Vec<CertificateDer<'static>>, TlsError> {
    let mut given = match &opts.cacert {
        Some(path) => ca_file(path)?,
        None => Vec::new(),
    };
    if let Some(dir) = &opts.capath {
        // A directory that cannot be read adds nothing, as with curl: the server is then
        // simply not trusted (60).
        given.extend(rustls_native_certs::load_certs_from_paths(None, Some(dir)).certs);
    }
    Ok(given)
}

/// Adds `given` (from `opts`' `--cacert` and `--capath`) to `store`; one that is no CA
/// certificate webpki can take is curl's 77.
fn add_given(
    store: &mut RootCertStore,
    given: &[CertificateDer<'static>],
    opts: &TlsOptions,
) -> Result<(), TlsError> {
    for cert in given {
        store.add(cert.clone()).map_err(|e| TlsError::CaFile {
            path: opts
                .cacert
                .as_ref()
                .or(opts.capath.as_ref())
                .map(|p| p.display().to_string())
                .unwrap_or_default(),
            reason: e.to_string(),
        })?;
    }
    Ok(())
}

/// A chain verifier trusting `roots`, checking the leaf against `crls` (`--crlfile`).
fn webpki(
    roots: RootCertStore,
    provider: &Arc<CryptoProvider>,
    crls: Option<&Vec<CertificateRevocationListDer<'static>>>,
) -> Result<Arc<WebPkiServerVerifier>, TlsError> {
    let mut webpki = WebPkiServerVerifier::builder_with_provider(Arc::new(roots), provider.clone());
    if let Some(crls) = crls {
        // OpenSSL's X509_V_FLAG_CRL_CHECK, which curl sets: the leaf's issuer must have
        // a list, the rest of the chain is not looked up.
        webpki = webpki
            .with_crls(crls.clone())
            .only_check_end_entity_revocation();
    }
    webpki
        .build()
        .map_err(|e| TlsError::Versions(e.to_string()))
}

/// The certificates of a `--cacert` file: at least one, or curl's 77.
fn ca_file(path: &Path) -> Result<Vec<CertificateDer<'static>>, TlsError> {
    let bad = |reason: String| TlsError::CaFile {
        path: path.display().to_string(),
        reason,
    };
    let certs = CertificateDer::pem_file_iter(path)
        .map_err(|e| bad(super::pem_problem(&e)))?
        .collect::<Result<Vec<_>, _>>()
        .map_err(|e| bad(super::pem_problem(&e)))?;
    if certs.is_empty() {
        return Err(bad("no PEM certificate in it".into()));
    }
    Ok(certs)
}

/// The revocation lists of a `--crlfile`: at least one, or curl's 82.
fn crls(path: &Path) -> Result<Vec<CertificateRevocationListDer<'static>>, TlsError> {
    let bad = |reason: String| TlsError::CrlFile {
        path: path.to_owned(),
        reason,
    };
    let lists = CertificateRevocationListDer::pem_file_iter(path)
        .map_err(|e| bad(super::pem_problem(&e)))?
        .collect::<Result<Vec<_>, _>>()
        .map_err(|e| bad(super::pem_problem(&e)))?;
    if lists.is_empty() {
        return Err(bad("no PEM X509 CRL in it".into()));
    }
    Ok(lists)
}

/// Verifies the chain to a trusted root (webpki), or accepts a `--cacert` certificate that
/// is exactly the server's, when the only objection is that it has no issuer to chain to.
///
/// With `--cacert` or `--capath`, the chain is first built to their certificates alone,
/// and the system's store is read only when that fails, as OpenSSL looks a CA up in curl's
/// CA path only when it needs one: parsing the system bundle's 140 certificates was a
/// ninth of a small `--cacert` download's CPU (docs/BENCHMARKS.md).
#[derive(Debug)]
struct ExactOrChain {
    /// The system's roots and the given certificates, or the given ones alone when there
    /// are any.
    webpki: Arc<WebPkiServerVerifier>,
    /// The certificates of `--cacert` and `--capath`.
    pinned: Vec<CertificateDer<'static>>,
    /// With given certificates: the system's roots and them, once a chain needed them.
    system: OnceLock<Result<Arc<WebPkiServerVerifier>, String>>,
    provider: Arc<CryptoProvider>,
    crls: Option<Vec<CertificateRevocationListDer<'static>>>,
}

impl ExactOrChain {
    /// The verifier with the system's roots, built the first time it is asked for.
    fn with_system(&self) -> Result<&WebPkiServerVerifier, rustls::Error> {
        let built = self.system.get_or_init(|| {
            let mut store = system_roots().store.clone();
            for cert in &self.pinned {
                // Each was added to the given-only store already, so each is taken.
                let _ = store.add(cert.clone());
            }
            webpki(store, &self.provider, self.crls.as_ref()).map_err(|e| e.to_string())
        });
        match built {
            Ok(webpki) => Ok(webpki),
            Err(e) => Err(rustls::Error::General(e.clone())),
        }
    }
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
        let verify = |webpki: &WebPkiServerVerifier| {
            webpki.verify_server_cert(end_entity, intermediates, server_name, ocsp_response, now)
        };
        let given_leaf = self.pinned.iter().any(|c| c == end_entity);
        let mut verdict = verify(&self.webpki);
        // The given certificates did not sign the chain: the system's roots may, unless the
        // server's certificate is itself given, which is taken below whatever chain it lacks.
        if let Err(rustls::Error::InvalidCertificate(e)) = &verdict {
            if !self.pinned.is_empty() && only_chain_refused(e) && !given_leaf {
                verdict = verify(self.with_system()?);
            }
        }
        match verdict {
            Err(rustls::Error::InvalidCertificate(e)) if only_chain_refused(&e) && given_leaf => {
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

#[cfg(test)]
mod tests {
    use super::*;
    use rcgen::{BasicConstraints, CertificateParams, DnType, IsCa, Issuer, KeyPair};

    /// A CA named `name`, and a certificate for `localhost` it signed.
    fn ca_and_leaf(name: &str) -> (CertificateDer<'static>, CertificateDer<'static>) {
        let mut params = CertificateParams::new(Vec::new()).unwrap();
        params.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
        params.distinguished_name.push(DnType::CommonName, name);
        let key = KeyPair::generate().unwrap();
        let ca = params.self_signed(&key).unwrap();
        let issuer = Issuer::new(params, key);
        let leaf = CertificateParams::new(vec!["localhost".into()])
            .unwrap()
            .signed_by(&KeyPair::generate().unwrap(), &issuer)
            .unwrap();
        (ca.der().clone(), leaf.der().clone())
    }

    /// A verifier given `given` (as `--cacert`), whose system store holds `system` alone.
    fn verifier(given: &CertificateDer<'static>, system: &CertificateDer<'static>) -> ExactOrChain {
        let provider = crate::net::tls::crypto_provider();
        let store = |certs: &[&CertificateDer<'static>]| {
            let mut store = RootCertStore::empty();
            for cert in certs {
                store.add((*cert).clone()).unwrap();
            }
            store
        };
        let system_verifier = webpki(store(&[system, given]), &provider, None);
        ExactOrChain {
            webpki: webpki(store(&[given]), &provider, None).unwrap(),
            pinned: vec![given.clone()],
            system: OnceLock::from(system_verifier.map_err(|e| e.to_string())),
            provider,
            crls: None,
        }
    }

    fn verify(
        v: &ExactOrChain,
        leaf: &CertificateDer<'_>,
    ) -> Result<ServerCertVerified, rustls::Error> {
        let name = ServerName::try_from("localhost").unwrap();
        v.verify_server_cert(leaf, &[], &name, &[], UnixTime::now())
    }

    /// With `--cacert`, a server chaining to the system's roots is still trusted: the
    /// system's store is read when the given CA does not sign the chain.
    #[test]
    fn a_given_ca_adds_to_the_systems_roots() {
        let (given, given_leaf) = ca_and_leaf("given");
        let (system, system_leaf) = ca_and_leaf("system");
        let (_, stranger_leaf) = ca_and_leaf("stranger");
        let v = verifier(&given, &system);
        assert!(verify(&v, &given_leaf).is_ok());
        assert!(verify(&v, &system_leaf).is_ok());
        assert!(verify(&v, &stranger_leaf).is_err());
    }

    /// The system's store is not read for a chain the given CA signs.
    #[test]
    fn the_systems_roots_are_read_only_when_needed() {
        let (given, given_leaf) = ca_and_leaf("given");
        let (system, system_leaf) = ca_and_leaf("system");
        let mut v = verifier(&given, &system);
        let prepared = v.system.take();
        assert!(verify(&v, &given_leaf).is_ok());
        assert!(
            v.system.get().is_none(),
            "built for a chain the given CA signs"
        );
        v.system = OnceLock::from(prepared.unwrap());
        assert!(verify(&v, &system_leaf).is_ok());
    }
}
