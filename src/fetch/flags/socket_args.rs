//! Defines the flags that shape fetch's TCP sockets, with curl's spelling, meaning and
//! defaults: `--interface`, `--local-port`, `--happy-eyeballs-timeout-ms`,
//! `--keepalive-time`, `--no-keepalive`, `--tcp-nodelay`, `--no-tcp-nodelay` and
//! `--tcp-fastopen`; and turns them into the [`Sockets`] the dial takes.
//!
//! A group of its own, flattened into `FetchArgs`, so that the socket flags read together
//! and the plan takes them through one call.

use super::headings::CONNECTION;
use crate::fetch::conn::connect::{Sockets, DEFAULT_KEEPALIVE};
use crate::net::LocalName;
use std::time::Duration;

/// The socket flags.
#[derive(Debug, Clone, Default, clap::Args)]
pub struct SocketFlags {
    /// Connect from this interface, address or host.
    ///
    /// curl's forms: `if!NAME` an interface only, `host!NAME` a host name only, a bare NAME
    /// the interface of that name if there is one, else a host name. An interface is bound
    /// with SO_BINDTODEVICE where allowed (root), else through its address. One that cannot
    /// be used is exit 45.
    #[arg(help_heading = CONNECTION, long = "interface", value_name = "NAME")]
    pub interface: Option<LocalName>,

    /// Connect from local port N, or the first free of N-M.
    ///
    /// All of them taken is exit 45. 0 leaves the choice to the system.
    #[arg(help_heading = CONNECTION, long = "local-port", value_name = "N[-M]",
          value_parser = parse_ports)]
    pub local_port: Option<(u16, u16)>,

    /// Try the next address after MS [default: 200].
    ///
    /// Happy Eyeballs (RFC 8305): when a name has several addresses, the next one (of the
    /// other family first) is tried beside the first after MS milliseconds.
    #[arg(help_heading = CONNECTION, long = "happy-eyeballs-timeout-ms", value_name = "MS")]
    pub happy_eyeballs_timeout_ms: Option<u64>,

    /// Keepalive probes after SECS idle [default: 60].
    ///
    /// Then one every SECS: SO_KEEPALIVE with TCP_KEEPIDLE and TCP_KEEPINTVL, as curl sets
    /// them; 0 keeps the default.
    #[arg(help_heading = CONNECTION, long = "keepalive-time", value_name = "SECS")]
    pub keepalive_time: Option<u64>,

    /// Send no TCP keepalive probes.
    #[arg(help_heading = CONNECTION, long = "no-keepalive")]
    pub no_keepalive: bool,

    /// Send small writes at once (the default).
    ///
    /// TCP_NODELAY, as curl sets it: Nagle's algorithm off.
    #[arg(help_heading = CONNECTION, long = "tcp-nodelay", overrides_with = "no_tcp_nodelay")]
    pub tcp_nodelay: bool,

    /// Let Nagle's algorithm hold small writes back.
    ///
    /// TCP_NODELAY off; the last of --tcp-nodelay and this wins.
    #[arg(help_heading = CONNECTION, long = "no-tcp-nodelay", overrides_with = "tcp_nodelay")]
    pub no_tcp_nodelay: bool,

    /// Use TCP Fast Open (TCP_FASTOPEN_CONNECT).
    ///
    /// The request goes with the SYN to a server that gave this host a Fast Open cookie
    /// before; the kernel's net.ipv4.tcp_fastopen must allow clients (it does by default).
    #[arg(help_heading = CONNECTION, long = "tcp-fastopen")]
    pub tcp_fastopen: bool,
}

impl SocketFlags {
    /// How fetch's sockets are made: curl's defaults, changed by these flags.
    pub fn sockets(&self) -> Sockets {
        let mut sockets = Sockets::default();
        let options = &mut sockets.options;
        options.local = self.interface.clone();
        options.ports = self.local_port.filter(|&(first, _)| first != 0);
        options.keepalive = match (self.no_keepalive, self.keepalive_time) {
            (true, _) => None,
            (false, Some(secs)) if secs > 0 => Some(Duration::from_secs(secs)),
            (false, _) => Some(DEFAULT_KEEPALIVE),
        };
        options.nodelay = !self.no_tcp_nodelay;
        options.fastopen = self.tcp_fastopen;
        if let Some(ms) = self.happy_eyeballs_timeout_ms {
            sockets.attempt_delay = Duration::from_millis(ms);
        }
        sockets
    }
}

/// `--local-port N[-M]`: a port, or a range from N up to M (M not below N), as curl takes it.
fn parse_ports(text: &str) -> Result<(u16, u16), String> {
    let port = |s: &str| {
        s.parse::<u16>()
            .map_err(|_| format!("{s:?} is not a port (0 to 65535)"))
    };
    let (first, last) = match text.split_once('-') {
        Some((first, last)) => (port(first)?, port(last)?),
        None => (port(text)?, port(text)?),
    };
    match first <= last {
        true => Ok((first, last)),
        false => Err(format!("{text:?}: the range ends below its start")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// curl's `N` and `N-M`; a range that ends below its start, or a port past 65535, is
    /// refused.
    #[test]
    fn local_ports_are_a_port_or_a_rising_range() {
        assert_eq!(parse_ports("40000"), Ok((40000, 40000)));
        assert_eq!(parse_ports("40000-40010"), Ok((40000, 40010)));
        assert!(parse_ports("5-3").is_err());
        assert!(parse_ports("70000").is_err());
        assert!(parse_ports("abc").is_err());
        assert!(parse_ports("1-").is_err());
    }

    /// Without flags the sockets are curl's; each flag changes its one setting.
    #[test]
    fn the_defaults_are_curls_and_each_flag_changes_one() {
        let default = SocketFlags::default().sockets();
        assert_eq!(default.options.keepalive, Some(Duration::from_secs(60)));
        assert!(default.options.nodelay);
        assert!(!default.options.fastopen);
        assert_eq!(default.attempt_delay, Duration::from_millis(200));
        let flags = SocketFlags {
            keepalive_time: Some(7),
            no_tcp_nodelay: true,
            tcp_fastopen: true,
            happy_eyeballs_timeout_ms: Some(50),
            local_port: Some((0, 0)),
            ..SocketFlags::default()
        };
        let sockets = flags.sockets();
        assert_eq!(sockets.options.keepalive, Some(Duration::from_secs(7)));
        assert!(!sockets.options.nodelay);
        assert!(sockets.options.fastopen);
        assert_eq!(sockets.attempt_delay, Duration::from_millis(50));
        assert_eq!(sockets.options.ports, None, "port 0 is the system's choice");
        let off = SocketFlags {
            no_keepalive: true,
            keepalive_time: Some(7),
            ..SocketFlags::default()
        };
        assert_eq!(off.sockets().options.keepalive, None);
        let zero = SocketFlags {
            keepalive_time: Some(0),
            ..SocketFlags::default()
        };
        assert_eq!(zero.sockets().options.keepalive, Some(DEFAULT_KEEPALIVE));
    }
}
