//! Defines the flags that choose who resolves names, with curl's spelling and meaning:
//! `--dns-servers`, `--dns-ipv4-addr`, `--dns-ipv6-addr` and `--dns-interface` (DNS servers
//! of the user's choosing), `--doh-url`, `--doh-insecure` and `--doh-cert-status`
//! (DNS-over-HTTPS); and turns them into the [`Names`] the dial takes.
//!
//! The flags exist in every build, so `--help` and the curl table stay one list; the
//! resolvers behind them only with the `dns` cargo feature. Without it they are refused as
//! Debian's curl refuses the `--dns-*` ones ("the installed libcurl version doesn't support
//! this"), exit 2. With both `--doh-url` and `--dns-servers`, DoH resolves, as in curl.

use super::headings::CONNECTION;
use crate::fetch::error::FetchError;
use crate::net::tls::TlsOptions;
use crate::net::Names;
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr, SocketAddr};

/// The port DNS servers listen on when `--dns-servers` names none.
const DNS_PORT: u16 = 53;

/// The resolver flags.
#[derive(Debug, Clone, Default, clap::Args)]
pub struct DnsFlags {
    /// Resolve names with these DNS servers instead of the system's.
    ///
    /// ADDR[:PORT] entries, comma-separated (`[::1]:5353` for IPv6 with a port); port 53 by
    /// default; `localhost` stays the system's. Needs the `dns` build feature.
    #[arg(help_heading = CONNECTION, long = "dns-servers", value_name = "ADDRESSES",
          value_parser = parse_servers)]
    pub dns_servers: Option<Servers>,

    /// Send DNS queries to IPv4 servers from this local address.
    #[arg(help_heading = CONNECTION, long = "dns-ipv4-addr", value_name = "ADDRESS")]
    pub dns_ipv4_addr: Option<Ipv4Addr>,

    /// Send DNS queries to IPv6 servers from this local address.
    #[arg(help_heading = CONNECTION, long = "dns-ipv6-addr", value_name = "ADDRESS")]
    pub dns_ipv6_addr: Option<Ipv6Addr>,

    /// Send DNS queries from this network interface.
    ///
    /// The queries to `--dns-servers` (which it needs) leave from that device
    /// (SO_BINDTODEVICE); one it cannot bind to fails the lookup, where curl would send them
    /// from another. Needs the `dns` build feature.
    #[arg(help_heading = CONNECTION, long = "dns-interface", value_name = "INTERFACE")]
    pub dns_interface: Option<String>,

    /// Resolve host names over DNS-over-HTTPS (DoH).
    ///
    /// URL is the DoH server's (https:// only). A POST of each query (A, and AAAA unless -4) as curl sends it; the DoH server's own
    /// name is the system resolver's. No answer is exit 6. Needs the `dns` build feature.
    #[arg(help_heading = CONNECTION, long = "doh-url", value_name = "URL")]
    pub doh_url: Option<String>,

    /// Do not verify the DoH server's certificate.
    ///
    /// For the DoH server only: `-k` does not reach it, and this does not reach the URLs.
    #[arg(help_heading = CONNECTION, long = "doh-insecure")]
    pub doh_insecure: bool,

    /// Require an OCSP staple from the DoH server.
    ///
    /// A good one, as `--cert-status` requires of the URLs' servers.
    #[arg(help_heading = CONNECTION, long = "doh-cert-status")]
    pub doh_cert_status: bool,
}

/// `--dns-servers`'s list.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Servers(Vec<SocketAddr>);

impl DnsFlags {
    /// Who resolves names: the DoH server given, else the DNS servers given, else the system.
    /// `origin` is the URLs' TLS, whose trust (`--cacert`, `--capath`, `--crlfile`) and
    /// `--curves` the DoH server's TLS takes, as curl's does.
    pub fn names(&self, origin: &TlsOptions) -> Result<Names, FetchError> {
        let given = [
            self.doh_url.as_ref().map(|_| "--doh-url"),
            self.dns_servers.as_ref().map(|_| "--dns-servers"),
            self.dns_interface.as_ref().map(|_| "--dns-interface"),
            self.dns_ipv4_addr.map(|_| "--dns-ipv4-addr"),
            self.dns_ipv6_addr.map(|_| "--dns-ipv6-addr"),
            self.doh_insecure.then_some("--doh-insecure"),
            self.doh_cert_status.then_some("--doh-cert-status"),
        ];
        let Some(&Some(flag)) = given.iter().find(|f| f.is_some()) else {
            return Ok(Names::System);
        };
        self.resolver(flag, origin)
    }

    #[cfg(feature = "dns")]
    fn resolver(&self, _flag: &str, origin: &TlsOptions) -> Result<Names, FetchError> {
        if let Some(url) = &self.doh_url {
            let tls = TlsOptions {
                cacert: origin.cacert.clone(),
                capath: origin.capath.clone(),
                crlfile: origin.crlfile.clone(),
                curves: origin.curves.clone(),
                insecure: self.doh_insecure,
                cert_status: self.doh_cert_status,
                ..TlsOptions::default()
            };
            let doh = crate::net::doh::DohResolver::new(url, &tls, DOH_TIMEOUT)
                .map_err(FetchError::Tls)?;
            return Ok(Names::Doh(doh));
        }
        let Some(Servers(servers)) = &self.dns_servers else {
            if self.dns_interface.is_some() {
                // The system resolver cannot be told where to send from: refused rather than
                // letting the queries leave from another interface unasked.
                return Err(FetchError::Usage(
                    "--dns-interface needs --dns-servers: the system resolver picks its own \
                     interface"
                        .into(),
                ));
            }
            // The local addresses alone change nothing: the system resolver picks its own.
            return Ok(Names::System);
        };
        let servers = crate::net::dns::DnsServers {
            servers: servers.clone(),
            bind_v4: self.dns_ipv4_addr,
            bind_v6: self.dns_ipv6_addr,
            device: self.dns_interface.clone(),
        };
        Ok(Names::Servers(servers.resolver()))
    }

    #[cfg(not(feature = "dns"))]
    fn resolver(&self, flag: &str, _origin: &TlsOptions) -> Result<Names, FetchError> {
        Err(FetchError::Usage(format!(
            "{flag} needs sockit built with the `dns` feature (cargo build --features dns)"
        )))
    }
}

/// The bound on one DoH lookup when `--connect-timeout 0` lifts the dial's own: curl's
/// default connect timeout, 300 s.
#[cfg(feature = "dns")]
const DOH_TIMEOUT: std::time::Duration = std::time::Duration::from_secs(300);

/// curl's `--dns-servers` list: `ADDR[:PORT]` entries separated by commas, an IPv6 address
/// with a port in brackets (`[::1]:5353`).
fn parse_servers(text: &str) -> Result<Servers, String> {
    text.split(',')
        .map(str::trim)
        .map(|entry| {
            entry
                .parse::<SocketAddr>()
                .or_else(|_| entry.parse::<IpAddr>().map(|ip| (ip, DNS_PORT).into()))
                .map_err(|_| format!("{entry:?} is not an IP address with an optional :PORT"))
        })
        .collect::<Result<_, _>>()
        .map(Servers)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// curl's list: addresses with or without a port, IPv6 bracketed with one; anything else
    /// refused.
    #[test]
    fn server_lists_are_curls() {
        let Servers(list) = parse_servers("127.0.0.1,127.0.0.2:5353, ::1,[::1]:53").unwrap();
        let want: Vec<SocketAddr> = ["127.0.0.1:53", "127.0.0.2:5353", "[::1]:53", "[::1]:53"]
            .iter()
            .map(|s| s.parse().unwrap())
            .collect();
        assert_eq!(list, want);
        for bad in ["", "dns.example", "127.0.0.1:x", "127.0.0.1,"] {
            assert!(parse_servers(bad).is_err(), "{bad}");
        }
    }
}
