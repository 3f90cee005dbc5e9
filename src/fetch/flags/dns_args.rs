//! Defines the flags that choose who resolves names, with curl's spelling and meaning:
//! `--dns-servers`, `--dns-ipv4-addr` and `--dns-ipv6-addr`; and turns them into the
//! [`Names`] the dial takes.
//!
//! The flags exist in every build, so `--help` and the curl table stay one list; the
//! resolver behind them only with the `dns` cargo feature. Without it they are refused as
//! Debian's curl refuses them ("the installed libcurl version doesn't support this"), exit 2.

use super::headings::CONNECTION;
use crate::fetch::error::FetchError;
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
}

/// `--dns-servers`'s list.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Servers(Vec<SocketAddr>);

impl DnsFlags {
    /// Who resolves names: the servers given, else the system.
    pub fn names(&self) -> Result<Names, FetchError> {
        let given = [
            self.dns_servers.as_ref().map(|_| "--dns-servers"),
            self.dns_ipv4_addr.map(|_| "--dns-ipv4-addr"),
            self.dns_ipv6_addr.map(|_| "--dns-ipv6-addr"),
        ];
        let Some(&Some(flag)) = given.iter().find(|f| f.is_some()) else {
            return Ok(Names::System);
        };
        self.resolver(flag)
    }

    #[cfg(feature = "dns")]
    fn resolver(&self, _flag: &str) -> Result<Names, FetchError> {
        let Some(Servers(servers)) = &self.dns_servers else {
            // The local addresses alone change nothing: the system resolver picks its own.
            return Ok(Names::System);
        };
        let servers = crate::net::dns::DnsServers {
            servers: servers.clone(),
            bind_v4: self.dns_ipv4_addr,
            bind_v6: self.dns_ipv6_addr,
        };
        Ok(Names::Servers(servers.resolver()))
    }

    #[cfg(not(feature = "dns"))]
    fn resolver(&self, flag: &str) -> Result<Names, FetchError> {
        Err(FetchError::Usage(format!(
            "{flag} needs sockit built with the `dns` feature (cargo build --features dns)"
        )))
    }
}

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
