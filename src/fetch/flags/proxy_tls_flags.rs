//! Defines curl's TLS flags for an `https://` proxy, the `--proxy-*` twins of the origin's:
//! `--proxy-cacert`, `--proxy-capath`, `--proxy-insecure`, `--proxy-crlfile`,
//! `--proxy-pinnedpubkey`, `--proxy-tlsv1`, `--proxy-ciphers`, `--proxy-tls13-ciphers` and
//! the proxy's client certificate (`--proxy-cert`, `--proxy-cert-type`, `--proxy-key`,
//! `--proxy-key-type`, `--proxy-pass`); and turns them into the plain [`TlsOptions`] of
//! the proxy's hop.
//!
//! The same [`TlsOptions`] as the origin's, so the proxy's TLS is set up and checked by the
//! very code that does the origin's. Of the origin's flags only `--capath` and `--crlfile`
//! reach the proxy (when their `--proxy-` twins are not given), as curl 7.88 passes them
//! on; `--cacert` and curl's CA variables do not.

use super::headings::PROXY;
use super::tls_flags::{client_cert, TlsFlags};
use crate::net::tls::{TlsOptions, TlsVersion, VersionRange};
use std::path::PathBuf;

/// The TLS flags of an `https://` proxy.
#[derive(Debug, Clone, Default, clap::Args)]
pub struct ProxyTlsFlags {
    /// Trust this PEM file's CAs for an https:// proxy.
    #[arg(help_heading = PROXY, long = "proxy-cacert", value_name = "FILE")]
    pub proxy_cacert: Option<PathBuf>,

    /// Trust this directory's CAs for an https:// proxy.
    ///
    /// As --capath: PEM files, named by OpenSSL's hash or not. Without it, --capath counts
    /// for the proxy too, as in curl 7.88.
    #[arg(help_heading = PROXY, long = "proxy-capath", value_name = "DIR")]
    pub proxy_capath: Option<PathBuf>,

    /// Do not verify an https:// proxy's certificate.
    #[arg(help_heading = PROXY, long = "proxy-insecure")]
    pub proxy_insecure: bool,

    /// Refuse a proxy certificate these CRLs revoke (60).
    ///
    /// As --crlfile: the certificate's issuer must have a list in FILE; a FILE holding no
    /// CRL is 82. Without it, --crlfile counts for the proxy too, as in curl 7.88.
    #[arg(help_heading = PROXY, long = "proxy-crlfile", value_name = "FILE")]
    pub proxy_crlfile: Option<PathBuf>,

    /// Refuse a proxy whose public key is not this one (90).
    ///
    /// As --pinnedpubkey: `sha256//BASE64;...` or a PEM or DER public key file. curl 7.88
    /// takes the flag but never checks it; sockit does, as curl's manual says.
    #[arg(help_heading = PROXY, long = "proxy-pinnedpubkey", value_name = "HASHES")]
    pub proxy_pinnedpubkey: Option<String>,

    /// TLSv1.0 or later with the proxy (sockit speaks 1.2, 1.3).
    #[arg(help_heading = PROXY, long = "proxy-tlsv1")]
    pub proxy_tlsv1: bool,

    /// TLS 1.2 suites to offer the proxy (59: none known).
    ///
    /// As --ciphers: OpenSSL's or IANA's names, `:`-separated.
    #[arg(help_heading = PROXY, long = "proxy-ciphers", value_name = "LIST")]
    pub proxy_ciphers: Option<String>,

    /// TLS 1.3 suites to offer the proxy (59: none known).
    ///
    /// As --tls13-ciphers: `:`-separated.
    #[arg(help_heading = PROXY, long = "proxy-tls13-ciphers", value_name = "LIST")]
    pub proxy_tls13_ciphers: Option<String>,

    /// Present this client certificate (PEM) to the proxy.
    ///
    /// As --cert: CERT[:PASSWORD]; the file may hold the key too, else --proxy-key names it.
    #[arg(help_heading = PROXY, long = "proxy-cert", value_name = "CERT")]
    pub proxy_cert: Option<String>,

    /// The --proxy-cert's type: PEM, the only one sockit reads.
    #[arg(help_heading = PROXY, long = "proxy-cert-type", value_name = "TYPE")]
    pub proxy_cert_type: Option<String>,

    /// The private key of --proxy-cert (PEM).
    #[arg(help_heading = PROXY, long = "proxy-key", value_name = "FILE")]
    pub proxy_key: Option<PathBuf>,

    /// The --proxy-key's type: PEM, the only one sockit reads.
    #[arg(help_heading = PROXY, long = "proxy-key-type", value_name = "TYPE")]
    pub proxy_key_type: Option<String>,

    /// Passphrase of an encrypted --proxy-key (58 if wrong).
    ///
    /// Wins over --proxy-cert's `:PASSWORD`.
    #[arg(help_heading = PROXY, long = "proxy-pass", value_name = "PHRASE")]
    pub proxy_pass: Option<String>,
}

impl ProxyTlsFlags {
    /// The proxy hop's TLS options, given the origin's TLS flags.
    pub fn options(&self, origin: &TlsFlags) -> TlsOptions {
        TlsOptions {
            cacert: self.proxy_cacert.clone(),
            capath: self
                .proxy_capath
                .as_ref()
                .or(origin.capath.as_ref())
                .cloned(),
            insecure: self.proxy_insecure,
            versions: VersionRange {
                min: self.proxy_tlsv1.then_some(TlsVersion::V1_0),
                max: None,
            },
            ciphers: self.proxy_ciphers.clone(),
            tls13_ciphers: self.proxy_tls13_ciphers.clone(),
            pinned_pubkey: self.proxy_pinnedpubkey.clone(),
            crlfile: self
                .proxy_crlfile
                .as_ref()
                .or(origin.crlfile.as_ref())
                .cloned(),
            identity: self.proxy_cert.as_deref().map(|cert| {
                client_cert(
                    cert,
                    self.proxy_key.as_ref(),
                    [self.proxy_cert_type.clone(), self.proxy_key_type.clone()],
                    self.proxy_pass.as_deref(),
                )
            }),
            ..TlsOptions::default()
        }
    }
}
