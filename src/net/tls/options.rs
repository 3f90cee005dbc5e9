//! Owns [`TlsOptions`], the plain settings one TLS hop is made with (whom to trust, which
//! versions, suites and groups to offer, what to pin, the client certificate): curl's TLS
//! options as data, filled by whoever parses flags (fetch fills one for the origin and one
//! for an `https://` proxy) and read by `trust.rs` and `suites.rs` alone.
//!
//! Plain data on purpose: `net` knows nothing of fetch's flags, and the same options serve
//! the origin and the proxy hop, as curl's `--proxy-*` twins mirror its TLS options.

use std::path::PathBuf;

/// How one TLS connection is set up: curl's TLS options, already read from the flags.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct TlsOptions {
    /// `--cacert` (or `CURL_CA_BUNDLE`/`SSL_CERT_FILE`): more trusted certificates, PEM.
    pub cacert: Option<PathBuf>,
    /// `--capath` (or `SSL_CERT_DIR`): a directory of trusted certificates, PEM, hashed
    /// names or any others.
    pub capath: Option<PathBuf>,
    /// `-k`: no verification of the certificate (the pin and the signatures still count).
    pub insecure: bool,
    /// `--tlsv1.x` and `--tls-max`.
    pub versions: VersionRange,
    /// `--ciphers`: TLS 1.2 suites, OpenSSL's or IANA's names, `:`-separated.
    pub ciphers: Option<String>,
    /// `--tls13-ciphers`: TLS 1.3 suites, `:`-separated.
    pub tls13_ciphers: Option<String>,
    /// `--curves`: the key exchange groups, `:`-separated.
    pub curves: Option<String>,
    /// `--pinnedpubkey`: `sha256//BASE64;...` or a PEM/DER public key file.
    pub pinned_pubkey: Option<String>,
    /// `--crlfile`: revocation lists (PEM) for the server's certificate.
    pub crlfile: Option<PathBuf>,
    /// `--cert-status`: a stapled OCSP response is required, and must say "good".
    pub cert_status: bool,
    /// `--no-alpn`: offer no ALPN protocol (so HTTP/1.1 over TLS).
    pub no_alpn: bool,
    /// `--no-sessionid`: never resume a TLS session.
    pub no_session_id: bool,
    /// `--cert`, `--key` and `--pass`: the client certificate.
    pub identity: Option<ClientCert>,
}

/// A TLS protocol version, as curl names them.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum TlsVersion {
    /// TLS 1.0.
    V1_0,
    /// TLS 1.1.
    V1_1,
    /// TLS 1.2.
    V1_2,
    /// TLS 1.3.
    V1_3,
}

impl TlsVersion {
    /// The version as `--tls-max` spells it (`1.0` ... `1.3`).
    pub fn parse(text: &str) -> Option<TlsVersion> {
        match text {
            "1.0" => Some(TlsVersion::V1_0),
            "1.1" => Some(TlsVersion::V1_1),
            "1.2" => Some(TlsVersion::V1_2),
            "1.3" => Some(TlsVersion::V1_3),
            _ => None,
        }
    }

    /// `TLSv1.2`, as curl's messages name a version.
    pub fn name(self) -> &'static str {
        match self {
            TlsVersion::V1_0 => "TLSv1.0",
            TlsVersion::V1_1 => "TLSv1.1",
            TlsVersion::V1_2 => "TLSv1.2",
            TlsVersion::V1_3 => "TLSv1.3",
        }
    }
}

/// The versions a connection may speak: at least `min`, at most `max` (none: no bound).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct VersionRange {
    /// `--tlsv1.x`.
    pub min: Option<TlsVersion>,
    /// `--tls-max`.
    pub max: Option<TlsVersion>,
}

/// A client certificate and its key, as files.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ClientCert {
    /// The certificate chain (PEM).
    pub cert: PathBuf,
    /// The private key (PEM): `--key`, or the certificate's own file.
    pub key: PathBuf,
    /// `--cert-type`, `--key-type`: checked only when TLS needs the files, as curl does.
    pub types: [Option<String>; 2],
    /// `--pass` (or `--cert FILE:PASSWORD`): the passphrase of an encrypted key.
    pub pass: Option<String>,
}
