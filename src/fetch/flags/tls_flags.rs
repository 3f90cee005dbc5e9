//! Defines curl's TLS flags beyond `-k`, `--cacert` and the client certificate, with curl's
//! spelling: `--capath`, the versions (`-1/--tlsv1`, `--tlsv1.0` ... `--tlsv1.3`,
//! `--tls-max`), the suites and groups (`--ciphers`, `--tls13-ciphers`, `--curves`), what
//! the server must show (`--pinnedpubkey`, `--crlfile`, `--cert-status`), `--no-alpn`,
//! `--no-sessionid`, the no-ops `--false-start` and `--no-npn`, and `-V`; reads a client
//! certificate's `FILE[:PASSWORD]` as curl does (for `--cert` and `--proxy-cert` alike); and
//! turns them, with curl's environment (`CURL_CA_BUNDLE`, `SSL_CERT_DIR`, `SSL_CERT_FILE`),
//! into the plain [`TlsOptions`] of the origin's hop.
//!
//! A group of its own, flattened into `FetchArgs`, so that the TLS flags read together and
//! the plan takes them through one call (it imports nothing of the flags layer above it).

use super::headings::TLS;
use crate::net::tls::{ClientCert, TlsOptions, TlsVersion, VersionRange};
use std::ffi::OsString;
use std::path::PathBuf;

/// The TLS flags.
#[derive(Debug, Clone, Default, clap::Args)]
pub struct TlsFlags {
    /// Trust the CA certificates in this directory too.
    ///
    /// PEM files, named by OpenSSL's hash (`openssl rehash DIR`) or not. Added to the
    /// system's roots, as Debian's curl adds it to its bundle.
    #[arg(help_heading = TLS, long = "capath", value_name = "DIR")]
    pub capath: Option<PathBuf>,

    /// Use TLSv1.0 or greater (sockit speaks 1.2 and 1.3).
    #[arg(help_heading = TLS, short = '1', long = "tlsv1",
          overrides_with_all = ["tlsv1_0", "tlsv1_1", "tlsv1_2", "tlsv1_3"])]
    pub tlsv1: bool,

    /// Use TLSv1.0 or greater (sockit speaks 1.2 and 1.3).
    #[arg(help_heading = TLS, long = "tlsv1.0",
          overrides_with_all = ["tlsv1", "tlsv1_1", "tlsv1_2", "tlsv1_3"])]
    pub tlsv1_0: bool,

    /// Use TLSv1.1 or greater (sockit speaks 1.2 and 1.3).
    #[arg(help_heading = TLS, long = "tlsv1.1",
          overrides_with_all = ["tlsv1", "tlsv1_0", "tlsv1_2", "tlsv1_3"])]
    pub tlsv1_1: bool,

    /// Use TLSv1.2 or greater.
    #[arg(help_heading = TLS, long = "tlsv1.2",
          overrides_with_all = ["tlsv1", "tlsv1_0", "tlsv1_1", "tlsv1_3"])]
    pub tlsv1_2: bool,

    /// Use TLSv1.3 or greater.
    #[arg(help_heading = TLS, long = "tlsv1.3",
          overrides_with_all = ["tlsv1", "tlsv1_0", "tlsv1_1", "tlsv1_2"])]
    pub tlsv1_3: bool,

    /// Use TLS up to VERSION: 1.0, 1.1, 1.2, 1.3 or default.
    ///
    /// sockit speaks 1.2 and 1.3: a maximum below 1.2, or below the --tlsv1.x asked for,
    /// leaves no version and fails as curl's 35.
    #[arg(help_heading = TLS, long = "tls-max", value_name = "VERSION",
          value_parser = parse_tls_max)]
    pub tls_max: Option<MaxVersion>,

    /// TLS 1.2 cipher suites to offer, `:`-separated.
    ///
    /// OpenSSL's names (ECDHE-ECDSA-AES128-GCM-SHA256) or IANA's
    /// (TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256); DEFAULT, ALL or HIGH for all. Names
    /// sockit lacks are passed over; none known is curl's 59.
    #[arg(help_heading = TLS, long = "ciphers", value_name = "LIST")]
    pub ciphers: Option<String>,

    /// TLS 1.3 cipher suites to offer, `:`-separated.
    ///
    /// TLS_AES_128_GCM_SHA256, TLS_AES_256_GCM_SHA384, TLS_CHACHA20_POLY1305_SHA256; none
    /// known is curl's 59.
    #[arg(help_heading = TLS, long = "tls13-ciphers", value_name = "LIST")]
    pub tls13_ciphers: Option<String>,

    /// Key exchange groups to offer, `:`-separated.
    ///
    /// X25519, P-256 (prime256v1) and P-384 (secp384r1). One name OpenSSL does not know
    /// fails the list, as in curl (59); one sockit lacks (X448, P-521) is passed over.
    #[arg(help_heading = TLS, long = "curves", value_name = "LIST")]
    pub curves: Option<String>,

    /// Refuse a server whose public key is not this one (90).
    ///
    /// `sha256//BASE64` (the SHA-256 of the key's SubjectPublicKeyInfo; several joined by
    /// `;`), or a PEM or DER public key file. Checked with -k too, as curl does.
    #[arg(help_heading = TLS, long = "pinnedpubkey", value_name = "HASHES")]
    pub pinnedpubkey: Option<String>,

    /// Refuse a server certificate these CRLs (PEM) revoke (60).
    ///
    /// As curl with OpenSSL: the server certificate's issuer must have a list in FILE (else
    /// 60); a FILE holding no CRL is 82.
    #[arg(help_heading = TLS, long = "crlfile", value_name = "FILE")]
    pub crlfile: Option<PathBuf>,

    /// Require a good OCSP response stapled by the server (91).
    ///
    /// Signed by the certificate's issuer, current, for this certificate, saying good.
    #[arg(help_heading = TLS, long = "cert-status")]
    pub cert_status: bool,

    /// Offer no ALPN protocol, so HTTP/1.1 over TLS.
    #[arg(help_heading = TLS, long = "no-alpn")]
    pub no_alpn: bool,

    /// Never resume a TLS session.
    ///
    /// Otherwise a later connection of the run resumes the session of an earlier one to
    /// the same server, as curl's do.
    #[arg(help_heading = TLS, long = "no-sessionid")]
    pub no_sessionid: bool,

    /// Accepted and ignored: a no-op in curl 7.88 with OpenSSL too.
    #[arg(help_heading = TLS, long = "false-start")]
    pub false_start: bool,

    /// Accepted and ignored: curl 7.88 no longer offers NPN either.
    #[arg(help_heading = TLS, long = "no-npn")]
    pub no_npn: bool,

    /// Print the version, the features and the trust store, and exit.
    #[arg(help_heading = TLS, short = 'V', long = "version")]
    pub version: bool,
}

/// `--tls-max`'s value: a version, or `default` (no maximum).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct MaxVersion(pub Option<TlsVersion>);

fn parse_tls_max(text: &str) -> Result<MaxVersion, String> {
    if text == "default" {
        return Ok(MaxVersion(None));
    }
    TlsVersion::parse(text)
        .map(|v| MaxVersion(Some(v)))
        .ok_or_else(|| format!("'{text}' is not 1.0, 1.1, 1.2, 1.3 or default"))
}

impl TlsFlags {
    /// The least version asked for by `--tlsv1.x`.
    fn min_version(&self) -> Option<TlsVersion> {
        [
            (self.tlsv1 || self.tlsv1_0, TlsVersion::V1_0),
            (self.tlsv1_1, TlsVersion::V1_1),
            (self.tlsv1_2, TlsVersion::V1_2),
            (self.tlsv1_3, TlsVersion::V1_3),
        ]
        .into_iter()
        .find_map(|(set, version)| set.then_some(version))
    }

    /// The origin's TLS options: `given`'s (`--cacert`, `-k` and the client certificate,
    /// which live with the flags the proxy shares) with these flags, and where neither
    /// `--cacert` nor `--capath` nor `-k` is given, curl's environment, read as curl 7.88
    /// reads it: `CURL_CA_BUNDLE` as `--cacert`, else `SSL_CERT_DIR` as `--capath`, else
    /// `SSL_CERT_FILE` as `--cacert`.
    pub fn origin(&self, given: TlsOptions, env: impl Fn(&str) -> Option<OsString>) -> TlsOptions {
        let mut opts = TlsOptions {
            capath: self.capath.clone(),
            versions: VersionRange {
                min: self.min_version(),
                max: self.tls_max.and_then(|m| m.0),
            },
            ciphers: self.ciphers.clone(),
            tls13_ciphers: self.tls13_ciphers.clone(),
            curves: self.curves.clone(),
            pinned_pubkey: self.pinnedpubkey.clone(),
            crlfile: self.crlfile.clone(),
            cert_status: self.cert_status,
            no_alpn: self.no_alpn,
            no_session_id: self.no_sessionid,
            ..given
        };
        if opts.cacert.is_none() && opts.capath.is_none() && !opts.insecure {
            if let Some(bundle) = env("CURL_CA_BUNDLE") {
                opts.cacert = Some(bundle.into());
            } else if let Some(dir) = env("SSL_CERT_DIR") {
                opts.capath = Some(dir.into());
            } else if let Some(file) = env("SSL_CERT_FILE") {
                opts.cacert = Some(file.into());
            }
        }
        opts
    }
}

/// The client certificate of `cert` (`FILE[:PASSWORD]`, as `--cert` and `--proxy-cert` take
/// it), its key file (the certificate's own file when `key` is none), their `types`, and
/// `pass` (`--pass`, which wins over `:PASSWORD`).
pub(super) fn client_cert(
    cert: &str,
    key: Option<&PathBuf>,
    types: [Option<String>; 2],
    pass: Option<&str>,
) -> ClientCert {
    let (file, password) = split_cert(cert);
    let cert = PathBuf::from(file);
    ClientCert {
        key: key.cloned().unwrap_or_else(|| cert.clone()),
        cert,
        types,
        pass: pass.map(str::to_owned).or(password),
    }
}

/// `--cert FILE[:PASSWORD]` as curl splits it: the file up to the first `:` that no `\`
/// escapes (with `\:` and `\\` unescaped), and the rest, if any, as the password.
fn split_cert(given: &str) -> (String, Option<String>) {
    let mut file = String::with_capacity(given.len());
    let mut chars = given.chars();
    while let Some(c) = chars.next() {
        match c {
            '\\' => match chars.next() {
                Some(next @ (':' | '\\')) => file.push(next),
                Some(other) => {
                    file.push('\\');
                    file.push(other);
                }
                None => file.push('\\'),
            },
            ':' => {
                let rest = chars.as_str();
                return (file, (!rest.is_empty()).then(|| rest.to_owned()));
            }
            c => file.push(c),
        }
    }
    (file, None)
}

#[cfg(test)]
mod tests {
    use super::*;
    use clap::Parser;

    /// The TLS group with the two flags of another group that `origin` is given.
    #[derive(Parser)]
    struct Cli {
        #[command(flatten)]
        tls: TlsFlags,
        #[arg(long)]
        cacert: Option<PathBuf>,
        #[arg(short = 'k')]
        insecure: bool,
    }

    fn origin(cli: &Cli, env: impl Fn(&str) -> Option<OsString>) -> TlsOptions {
        let given = TlsOptions {
            cacert: cli.cacert.clone(),
            insecure: cli.insecure,
            ..TlsOptions::default()
        };
        cli.tls.origin(given, env)
    }

    fn parse(args: &[&str]) -> Cli {
        Cli::try_parse_from([&["fetch"], args].concat()).unwrap()
    }

    /// curl's order: CURL_CA_BUNDLE, else SSL_CERT_DIR, else SSL_CERT_FILE; none of them
    /// with --cacert, --capath or -k.
    #[test]
    fn the_environment_is_read_as_curl_reads_it() {
        let env = |set: &'static [(&'static str, &'static str)]| {
            move |name: &str| {
                set.iter()
                    .find(|(n, _)| *n == name)
                    .map(|(_, v)| OsString::from(v))
            }
        };
        let all = env(&[
            ("CURL_CA_BUNDLE", "/b.pem"),
            ("SSL_CERT_DIR", "/d"),
            ("SSL_CERT_FILE", "/f.pem"),
        ]);
        let opts = origin(&parse(&[]), all);
        assert_eq!(opts.cacert, Some("/b.pem".into()));
        assert_eq!(opts.capath, None);
        let dir_and_file = env(&[("SSL_CERT_DIR", "/d"), ("SSL_CERT_FILE", "/f.pem")]);
        let opts = origin(&parse(&[]), dir_and_file);
        assert_eq!((opts.cacert, opts.capath), (None, Some("/d".into())));
        let opts = origin(&parse(&[]), env(&[("SSL_CERT_FILE", "/f.pem")]));
        assert_eq!(opts.cacert, Some("/f.pem".into()));
        for flag in [&["--cacert", "/c.pem"][..], &["--capath", "/c"], &["-k"]] {
            let opts = origin(&parse(flag), all);
            assert_ne!(opts.cacert.as_deref(), Some("/b.pem".as_ref()), "{flag:?}");
        }
    }

    /// The last --tlsv1.x wins, as in curl; --tls-max default is no maximum.
    #[test]
    fn the_last_version_flag_wins() {
        let range = |args: &[&str]| origin(&parse(args), |_| None).versions;
        assert_eq!(range(&["--tlsv1.3", "-1"]).min, Some(TlsVersion::V1_0));
        assert_eq!(range(&["-1", "--tlsv1.3"]).min, Some(TlsVersion::V1_3));
        assert_eq!(range(&["--tls-max", "1.2"]).max, Some(TlsVersion::V1_2));
        assert_eq!(range(&["--tls-max", "default"]).max, None);
    }

    /// `--cert FILE:PASSWORD` splits at the first unescaped colon, as curl's does, and the
    /// rest is the password.
    #[test]
    fn cert_names_split_at_the_first_unescaped_colon() {
        let split = |given| {
            let (file, password) = split_cert(given);
            (file, password.unwrap_or_default())
        };
        let pair = |file: &str, password: &str| (file.to_string(), password.to_string());
        assert_eq!(split("client.pem"), pair("client.pem", ""));
        assert_eq!(split("client.pem:secret"), pair("client.pem", "secret"));
        assert_eq!(split("a\\:b.pem:pw:more"), pair("a:b.pem", "pw:more"));
        assert_eq!(split("dir\\\\x.pem"), pair("dir\\x.pem", ""));
        assert_eq!(split("c:\\d.pem"), pair("c", "\\d.pem"));
        assert_eq!(split_cert("client.pem:").1, None);
    }
}
