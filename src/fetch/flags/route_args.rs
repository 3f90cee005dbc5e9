//! Defines the flags that choose where a connection goes and who it says it is, with curl's
//! spelling: `--resolve`, `--connect-to`, `--unix-socket`, `--abstract-unix-socket`, the
//! client certificate (`-E/--cert`, `--key`, `--cert-type`, `--key-type`), the SOCKS
//! shorthands (`--socks4`, `--socks4a`, `--socks5`, `--socks5-hostname`, `--socks5-basic`),
//! `--proxy1.0`, `--proxy-header`, `--preproxy`, `--proxy-basic`, `--proxy-digest`,
//! `--proxy-anyauth`, `-p/--proxytunnel`, and the TLS flags of an `https://` proxy (from
//! `proxy_tls_flags.rs`); and turns them into what the plan carries.
//!
//! A group of its own, flattened into `FetchArgs`, so that the routing flags read together
//! and the plan takes them through one call each.

use super::headings::{CONNECTION, PROXY, TLS};
use super::proxy_tls_flags::ProxyTlsFlags;
use super::tls_flags::client_cert;
use crate::fetch::conn::proxy::ConnectHead;
use crate::fetch::conn::route::Routes;
use crate::fetch::error::FetchError;
use crate::fetch::http::digest::AuthMode;
use crate::fetch::http::request::HeaderEdit;
use crate::net::tls::ClientCert;
use crate::net::UnixAddr;
use std::path::PathBuf;

/// The routing, client-certificate and proxy-transport flags.
#[derive(Debug, Clone, Default, clap::Args)]
pub struct RouteFlags {
    /// Use ADDR for HOST:PORT instead of asking DNS (repeatable).
    ///
    /// ADDR may be a comma-separated list, IPv6 in brackets or not; `*` as HOST stands for
    /// any host (after the named ones), `-HOST:PORT` drops an earlier entry, a leading `+`
    /// is accepted. The Host header and the TLS name stay the URL's.
    #[arg(help_heading = CONNECTION, long = "resolve",
          value_name = "HOST:PORT:ADDR,...", allow_hyphen_values = true)]
    pub resolve: Vec<String>,

    /// Connect to H2:P2 when the URL names H1:P1 (repeatable).
    ///
    /// curl spells it HOST1:PORT1:HOST2:PORT2. An empty H1 or P1 matches any; an empty H2 or
    /// P2 keeps the URL's. The
    /// first matching entry wins. The Host header and the TLS name stay the URL's.
    #[arg(help_heading = CONNECTION, long = "connect-to", value_name = "H1:P1:H2:P2")]
    pub connect_to: Vec<String>,

    /// Connect through this Unix socket instead of the network.
    ///
    /// The URL still gives the Host header and, for https, the TLS name; proxies are not
    /// used. For Docker: `--unix-socket /var/run/docker.sock http://localhost/version`.
    #[arg(help_heading = CONNECTION, long = "unix-socket", value_name = "PATH",
          overrides_with = "abstract_unix_socket")]
    pub unix_socket: Option<PathBuf>,

    /// As --unix-socket, in Linux's abstract namespace.
    ///
    /// NAME without the leading `@` that netstat and ss show.
    #[arg(help_heading = CONNECTION, long = "abstract-unix-socket", value_name = "NAME",
          overrides_with = "unix_socket")]
    pub abstract_unix_socket: Option<String>,

    /// Send a PROXY protocol v1 line first, as HAProxy reads it.
    ///
    /// `PROXY TCP4 CLIENT SERVER CPORT SPORT` (TCP6 over IPv6) with this connection's
    /// addresses, to the origin (through a tunnel) or to an HTTP proxy in absolute form.
    #[arg(help_heading = CONNECTION, long = "haproxy-protocol")]
    pub haproxy_protocol: bool,

    /// Present this client certificate (PEM) when asked.
    ///
    /// CERT[:PASSWORD]. The file may hold the private key too; otherwise --key names it.
    /// PASSWORD opens an encrypted key, as --pass does (`\:` is a colon in the file name).
    #[arg(help_heading = TLS, short = 'E', long = "cert", value_name = "CERT")]
    pub cert: Option<String>,

    /// The --cert's type: PEM, the only one sockit reads.
    #[arg(help_heading = TLS, long = "cert-type", value_name = "TYPE")]
    pub cert_type: Option<String>,

    /// The private key of --cert (PEM: PKCS#8, RSA or SEC1 EC).
    #[arg(help_heading = TLS, long = "key", value_name = "FILE")]
    pub key: Option<PathBuf>,

    /// The passphrase of an encrypted --key (58 if wrong).
    ///
    /// An encrypted PKCS#8 key (`BEGIN ENCRYPTED PRIVATE KEY`), as `openssl pkcs8 -topk8`
    /// and OpenSSL 3's `genpkey`/`req` write it. Wins over --cert's `:PASSWORD`.
    #[arg(help_heading = TLS, long = "pass", value_name = "PHRASE")]
    pub pass: Option<String>,

    /// The --key's type: PEM, the only one sockit reads.
    #[arg(help_heading = TLS, long = "key-type", value_name = "TYPE")]
    pub key_type: Option<String>,

    /// Use the SOCKS4 proxy HOST[:PORT]; names resolved here.
    #[arg(help_heading = PROXY, long = "socks4", value_name = "HOST[:PORT]",
          overrides_with_all = ["proxy", "socks4a", "socks5", "socks5_hostname", "proxy1_0"])]
    pub socks4: Option<String>,

    /// Use the SOCKS4a proxy HOST[:PORT]; it resolves names.
    #[arg(help_heading = PROXY, long = "socks4a", value_name = "HOST[:PORT]",
          overrides_with_all = ["proxy", "socks4", "socks5", "socks5_hostname", "proxy1_0"])]
    pub socks4a: Option<String>,

    /// Use the SOCKS5 proxy HOST[:PORT]; names resolved here.
    #[arg(help_heading = PROXY, long = "socks5", value_name = "HOST[:PORT]",
          overrides_with_all = ["proxy", "socks4", "socks4a", "socks5_hostname", "proxy1_0"])]
    pub socks5: Option<String>,

    /// Use the SOCKS5 proxy HOST[:PORT]; it resolves names.
    #[arg(help_heading = PROXY, long = "socks5-hostname", value_name = "HOST[:PORT]",
          overrides_with_all = ["proxy", "socks4", "socks4a", "socks5", "proxy1_0"])]
    pub socks5_hostname: Option<String>,

    /// Send USER:PASSWORD to SOCKS5 proxies (always done).
    ///
    /// Accepted for curl's sake: RFC 1929's user name and password are the only SOCKS5
    /// authentication sockit speaks, and are sent whenever the proxy URL or -U gives them.
    #[arg(help_heading = PROXY, long = "socks5-basic")]
    pub socks5_basic: bool,

    /// Use the HTTP proxy HOST[:PORT], CONNECT as HTTP/1.0.
    #[arg(help_heading = PROXY, long = "proxy1.0", value_name = "HOST[:PORT]",
          overrides_with_all = ["proxy", "socks4", "socks4a", "socks5", "socks5_hostname"])]
    pub proxy1_0: Option<String>,

    /// Send this header to the HTTP proxy (repeatable).
    ///
    /// In CONNECT (after its built-in lines, in place of one of the same name; `Name:` leaves
    /// one out), or after the -H lines of a request in absolute form. Never sent to the
    /// origin through a tunnel, as curl.
    #[arg(help_heading = PROXY, long = "proxy-header", value_name = "HEADER")]
    pub proxy_header: Vec<String>,

    /// Reach the HTTP proxy through this SOCKS proxy first.
    ///
    /// `[SCHEME://][USER:PASSWORD@]HOST[:PORT]`, SCHEME one of socks4 (the default, as
    /// curl), socks4a, socks5, socks5h.
    #[arg(help_heading = PROXY, long = "preproxy", value_name = "[SCHEME://]HOST[:PORT]")]
    pub preproxy: Option<String>,

    /// Basic auth to HTTP proxies, sent at once (the default).
    #[arg(help_heading = PROXY, long = "proxy-basic")]
    pub proxy_basic: bool,

    /// Digest auth to HTTP proxies, after their 407.
    ///
    /// The challenge is answered on the same connection (CONNECT too) and kept for the
    /// run; -U or the proxy URL gives the credentials.
    #[arg(help_heading = PROXY, long = "proxy-digest")]
    pub proxy_digest: bool,

    /// Ask the proxy first, then its strongest offer.
    ///
    /// Digest, else Basic, from the schemes its 407 offers.
    #[arg(help_heading = PROXY, long = "proxy-anyauth")]
    pub proxy_anyauth: bool,

    /// Tunnel plain http through the HTTP proxy with CONNECT too.
    #[arg(help_heading = PROXY, short = 'p', long = "proxytunnel")]
    pub proxytunnel: bool,

    /// The TLS flags of an https:// proxy.
    #[command(flatten)]
    pub proxy_tls: ProxyTlsFlags,
}

impl RouteFlags {
    /// How to authenticate to an HTTP proxy: as curl 7.88, `--proxy-anyauth` wins over
    /// `--proxy-digest`, which wins over `--proxy-basic`, whatever their order.
    pub fn proxy_auth(&self) -> AuthMode {
        match (self.proxy_anyauth, self.proxy_digest) {
            (true, _) => AuthMode::Any,
            (false, true) => AuthMode::Digest,
            (false, false) => AuthMode::Basic,
        }
    }

    /// `--resolve` and `--connect-to`, checked.
    pub fn routes(&self) -> Result<Routes, FetchError> {
        Routes::new(&self.resolve, &self.connect_to)
    }

    /// `--unix-socket` or `--abstract-unix-socket`.
    pub fn unix(&self) -> Option<UnixAddr> {
        match (&self.unix_socket, &self.abstract_unix_socket) {
            (Some(path), _) => Some(UnixAddr::Path(path.clone())),
            (None, Some(name)) => Some(UnixAddr::Abstract(name.as_bytes().to_vec())),
            (None, None) => None,
        }
    }

    /// A proxy shorthand as the proxy URL it stands for (`--socks5 h:1` is `socks5://h:1`,
    /// `--proxy1.0 h:1` is `http://h:1`).
    pub fn proxy_shorthand(&self) -> Option<String> {
        [
            ("socks4", &self.socks4),
            ("socks4a", &self.socks4a),
            ("socks5", &self.socks5),
            ("socks5h", &self.socks5_hostname),
            ("http", &self.proxy1_0),
        ]
        .into_iter()
        .find_map(|(scheme, host)| host.as_ref().map(|h| format!("{scheme}://{h}")))
    }

    /// What CONNECT says besides its target: `user_agent` (the request's), `--proxy-header`,
    /// `--proxy1.0`.
    pub fn connect_head(&self, user_agent: &str) -> Result<ConnectHead, FetchError> {
        Ok(ConnectHead {
            user_agent: user_agent.to_owned(),
            headers: self
                .proxy_header
                .iter()
                .map(|h| HeaderEdit::parse(h))
                .collect::<Result<_, _>>()?,
            http10: self.proxy1_0.is_some(),
        })
    }

    /// `--cert`, `--key` and `--pass`.
    pub fn client_cert(&self) -> Option<ClientCert> {
        Some(client_cert(
            self.cert.as_deref()?,
            self.key.as_ref(),
            [self.cert_type.clone(), self.key_type.clone()],
            self.pass.as_deref(),
        ))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// --pass opens the key, and wins over --cert's `:PASSWORD`, which counts without it.
    #[test]
    fn pass_wins_over_the_certs_password() {
        let flags = |cert: &str, pass: Option<&str>| RouteFlags {
            cert: Some(cert.into()),
            pass: pass.map(Into::into),
            ..RouteFlags::default()
        };
        let pass = |f: RouteFlags| f.client_cert().unwrap().pass;
        assert_eq!(pass(flags("c.pem:one", None)).as_deref(), Some("one"));
        assert_eq!(
            pass(flags("c.pem:one", Some("two"))).as_deref(),
            Some("two")
        );
        assert_eq!(pass(flags("c.pem", Some("two"))).as_deref(), Some("two"));
        assert_eq!(pass(flags("c.pem", None)), None);
    }

    /// A type other than PEM is refused with curl's 58; PEM in any case is taken.
    #[test]
    fn only_pem_is_taken() {
        let flags = |cert_type: &str| RouteFlags {
            cert: Some("c.pem".into()),
            cert_type: Some(cert_type.into()),
            ..RouteFlags::default()
        };
        let refused = |kind: &str| flags(kind).client_cert().unwrap().check().unwrap_err();
        assert_eq!(refused("DER").exit_code(), 58);
        assert_eq!(refused("P12").exit_code(), 58);
        let taken = flags("pem").client_cert().unwrap();
        assert!(taken.check().is_ok());
        assert_eq!(
            taken.key,
            PathBuf::from("c.pem"),
            "the key is in the cert's file"
        );
    }
}
