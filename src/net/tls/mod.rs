//! Owns TLS for every connection sockit makes or takes: the one crypto provider, the plain
//! [`TlsOptions`] a client hop is made with (`options.rs`), whom a client trusts
//! (`trust.rs`), what it offers (`suites.rs`: versions, suites, groups), what it pins
//! (`pin.rs`), the client certificate it presents (`identity.rs`), the client handshake and
//! its failure in words (`client.rs`), and one [`TlsError`] for all of it. `sockit fetch`
//! fills the options from curl's flags and maps the error to curl's codes; `sockit client`
//! and `bench` use it with their flags ([`TlsArgs`], [`TlsClient`]); serve builds its
//! acceptor from the same provider.
//!
//! A server's certificate is checked the same way in every subcommand (the system's roots
//! plus `--cacert`, `-k` to skip, failures told in words): the hello protocol differs from
//! HTTPS only in offering no ALPN protocol and in presenting a client certificate for
//! mutual TLS.
//! This module imports nothing above `net` (`exit`'s code tables aside).

mod client;
mod identity;
mod ocsp;
mod options;
mod pin;
mod suites;
mod trust;

pub use client::handshake;
#[cfg(any(test, feature = "fuzzing"))]
pub(crate) use ocsp::check as ocsp_check;
pub use options::{ClientCert, TlsOptions, TlsVersion, VersionRange};
pub use trust::{client_config, system_roots, SystemRoots};

use crate::addr::Address;
use crate::exit::{common, curl};
use rustls::crypto::CryptoProvider;
use rustls::ClientConfig;
use std::path::PathBuf;
use std::sync::{Arc, OnceLock};
use tokio::net::TcpStream;
use tokio_rustls::client::TlsStream;

/// The rustls crypto provider of every TLS connection sockit makes or takes: ring (see
/// docs/BENCHMARKS.md for how it was chosen; aws-lc-rs would need cmake and nasm to
/// build). Built once, here.
pub fn crypto_provider() -> Arc<CryptoProvider> {
    static PROVIDER: OnceLock<Arc<CryptoProvider>> = OnceLock::new();
    PROVIDER
        .get_or_init(|| Arc::new(rustls::crypto::ring::default_provider()))
        .clone()
}

/// The TLS flags of `sockit client` and `sockit bench`.
#[derive(Debug, Clone, Default, clap::Args)]
pub struct TlsArgs {
    /// Speak TLS (also implied by a `tls:HOST:PORT` address): verify the server against the
    /// system's roots plus `--cacert`, for the host name of `-a`.
    #[arg(long)]
    pub tls: bool,

    /// Also trust the certificates in this PEM file (a CA, or the server's own certificate).
    #[arg(long, value_name = "FILE")]
    pub cacert: Option<PathBuf>,

    /// Do not verify the server's certificate (the handshake's signatures are still checked).
    #[arg(short = 'k', long)]
    pub insecure: bool,

    /// Present this certificate chain to a server that asks for one (PEM; mutual TLS).
    #[arg(long, value_name = "FILE", requires = "tls_key")]
    pub tls_cert: Option<PathBuf>,

    /// The private key of `--tls-cert` (PEM: PKCS#8, RSA or SEC1 EC).
    #[arg(long, value_name = "FILE", requires = "tls_cert")]
    pub tls_key: Option<PathBuf>,
}

impl TlsArgs {
    /// Whether to speak TLS to `address`.
    pub fn wanted(&self, address: &Address) -> bool {
        self.tls || matches!(address, Address::Tls { .. })
    }
}

/// Why a TLS connection could not be set up or made, on either side of the hello protocol
/// or HTTPS.
#[derive(Debug, thiserror::Error)]
pub enum TlsError {
    /// `--cacert` does not hold usable certificates (curl's 77).
    #[error("cannot use CA file {path}: {reason}")]
    CaFile {
        /// The file.
        path: String,
        /// What is wrong with it.
        reason: String,
    },
    /// The server's certificate did not verify (curl's 60).
    #[error("certificate verification failed for {host}: {reason}")]
    Certificate {
        /// The host.
        host: String,
        /// Why it failed.
        reason: String,
    },
    /// The handshake failed for a reason other than the certificate (curl's 35).
    #[error("TLS handshake with {host} failed: {reason}")]
    Handshake {
        /// The host.
        host: String,
        /// The TLS error.
        reason: String,
    },
    /// A `--tls-cert` or `--tls-key` file cannot be used (curl's 58).
    #[error("{}: {reason}", path.display())]
    ClientCertificate {
        /// The file at fault.
        path: PathBuf,
        /// What is wrong with it.
        reason: String,
    },
    /// TLS over a Unix socket is not offered.
    #[error("--tls needs a TCP address, not {0}")]
    NotTcp(String),
    /// No TLS version is left to offer (curl's 35).
    #[error("{0}")]
    Versions(String),
    /// `--ciphers`, `--tls13-ciphers` or `--curves` names nothing usable (curl's 59).
    #[error("failed setting {what}: {list} ({known})")]
    Cipher {
        /// Which list, as curl names it.
        what: &'static str,
        /// The list given.
        list: String,
        /// The names that would do.
        known: &'static str,
    },
    /// `--crlfile` cannot be used (curl's 82).
    #[error("error loading CRL file {}: {reason}", path.display())]
    CrlFile {
        /// The file.
        path: PathBuf,
        /// What is wrong with it.
        reason: String,
    },
    /// The server's key is not `--pinnedpubkey`'s (curl's 90).
    #[error("public key of {host} does not match the pinned public key (--pinnedpubkey)")]
    PinnedKey {
        /// The host.
        host: String,
    },
    /// `--cert-status`: no stapled OCSP response, or one that is not good (curl's 91).
    #[error("certificate status of {host}: {reason}")]
    CertStatus {
        /// The host.
        host: String,
        /// What is wrong with the staple.
        reason: String,
    },
}

impl TlsError {
    /// curl's code for this failure: 77 a bad `--cacert`, 60 an untrusted server, 35 any
    /// other handshake failure or no version to offer, 58 a client certificate file that
    /// cannot be used, 59 no usable suite or group, 82 a bad `--crlfile`, 90 a key that is
    /// not the pinned one, 91 no good OCSP staple; usage (2) for TLS over a Unix socket.
    pub fn exit_code(&self) -> u8 {
        match self {
            TlsError::CaFile { .. } => curl::SSL_CACERT_BADFILE,
            TlsError::Certificate { .. } => curl::PEER_FAILED_VERIFICATION,
            TlsError::Handshake { .. } => curl::SSL_CONNECT_ERROR,
            TlsError::ClientCertificate { .. } => curl::SSL_CERTPROBLEM,
            TlsError::NotTcp(_) => common::USAGE,
            TlsError::Versions(_) => curl::SSL_CONNECT_ERROR,
            TlsError::Cipher { .. } => curl::SSL_CIPHER,
            TlsError::CrlFile { .. } => curl::SSL_CRL_BADFILE,
            TlsError::PinnedKey { .. } => curl::SSL_PINNEDPUBKEYNOTMATCH,
            TlsError::CertStatus { .. } => curl::SSL_INVALIDCERTSTATUS,
        }
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

/// A client configuration made once and used for every connection.
#[derive(Debug, Clone)]
pub struct TlsClient {
    config: Arc<ClientConfig>,
}

impl TlsClient {
    /// Builds the configuration from the flags: reads `--cacert` and the client certificate.
    pub fn new(args: &TlsArgs) -> Result<Self, TlsError> {
        let opts = TlsOptions {
            cacert: args.cacert.clone(),
            insecure: args.insecure,
            identity: match (&args.tls_cert, &args.tls_key) {
                (Some(cert), Some(key)) => Some(ClientCert {
                    cert: cert.clone(),
                    key: key.clone(),
                    types: [None, None],
                    pass: None,
                }),
                _ => None,
            },
            ..TlsOptions::default()
        };
        Ok(TlsClient {
            config: Arc::new(client_config(&opts, &[])?),
        })
    }

    /// The same configuration without session resumption, so that every connection is a
    /// full handshake (the load generator's churn measures exactly that).
    pub fn without_resumption(mut self) -> Self {
        Arc::make_mut(&mut self.config).resumption = rustls::client::Resumption::disabled();
        self
    }

    /// Shakes hands over `tcp` with the server named `host` (a name, or an IP literal).
    pub async fn handshake(
        &self,
        tcp: TcpStream,
        host: &str,
    ) -> Result<TlsStream<TcpStream>, TlsError> {
        let host = url::Host::parse(host)
            .or_else(|_| url::Host::parse(&format!("[{host}]")))
            .map_err(|e| TlsError::Handshake {
                host: host.to_owned(),
                reason: e.to_string(),
            })?;
        let host = crate::net::borrow_host(&host);
        handshake(tcp, &host, self.config.clone()).await
    }
}

/// A PEM file's problem in words. The parser's own text shows a section's tag and a bad line
/// as byte arrays (`missing section end marker: [67, 69, 82, ...]`); these say `CERTIFICATE`.
pub(crate) fn pem_problem(err: &rustls::pki_types::pem::Error) -> String {
    use rustls::pki_types::pem::Error;
    match err {
        Error::Io(e) => format!("cannot read: {}", super::describe(e)),
        Error::NoItemsFound => "nothing usable in it (PEM expected)".into(),
        Error::MissingSectionEnd { end_marker } => {
            let tag = String::from_utf8_lossy(end_marker);
            format!("broken PEM: no -----END {tag}----- line after its -----BEGIN {tag}-----")
        }
        Error::IllegalSectionStart { line } => format!(
            "broken PEM: a bad -----BEGIN line: {:?}",
            String::from_utf8_lossy(line).trim_end()
        ),
        e => format!("broken PEM: {e}"),
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
