//! `--max-connections-per-ip`: how many connections one client address may hold at once.
//!
//! A client is its IP address, except that IPv6 clients are grouped by their /64 prefix: one
//! host or home network is usually given a whole /64, and could otherwise take a fresh
//! address for every connection. An IPv4 client on an IPv6 listener (`::ffff:a.b.c.d`) counts
//! as the IPv4 address it is. Behind a balancer that sends the PROXY protocol, the address
//! counted is the one in the header, so each client behind the balancer has its own share.
//!
//! The counts sit in one map under a mutex, touched once when a connection starts and once
//! when it ends, never per message; a client's entry goes when its last connection does, so
//! the map holds only the addresses connected now: at most one entry per open connection,
//! which `--max-connections` bounds (a 32-byte slot and a control byte each, in a table kept
//! at least 7/16 full: under 80 bytes an entry, 800 KiB at the default 10,000).
//!
//! The limit is the connection's own (a reload may change it for new connections): the
//! table is always there, and counts only the connections admitted while a limit was set.

use std::collections::HashMap;
use std::net::{IpAddr, Ipv6Addr};
use std::num::NonZeroUsize;
use std::sync::{Arc, Mutex, PoisonError};

/// The open connections of every client address.
#[derive(Debug, Default)]
pub(super) struct PerAddress {
    open: Mutex<HashMap<IpAddr, usize>>,
}

/// One connection's share of its client's count, given back when dropped.
#[derive(Debug)]
pub(super) struct Share {
    table: Arc<PerAddress>,
    client: IpAddr,
}

impl PerAddress {
    /// An empty table.
    pub(super) fn new() -> Arc<Self> {
        Arc::default()
    }

    /// Takes a share for a connection from `peer`, or `None` if its client holds `limit`.
    pub(super) fn admit(self: &Arc<Self>, peer: IpAddr, limit: NonZeroUsize) -> Option<Share> {
        let client = client_of(peer);
        let mut open = self.open.lock().unwrap_or_else(PoisonError::into_inner);
        let count = open.entry(client).or_insert(0);
        if *count >= limit.get() {
            return None;
        }
        *count += 1;
        Some(Share {
            table: self.clone(),
            client,
        })
    }
}

impl Drop for Share {
    fn drop(&mut self) {
        let mut open = (self.table.open.lock()).unwrap_or_else(PoisonError::into_inner);
        if let Some(count) = open.get_mut(&self.client) {
            *count -= 1;
            if *count == 0 {
                open.remove(&self.client);
            }
        }
    }
}

/// The client an address counts as: itself for IPv4, its /64 for IPv6.
pub(super) fn client_of(peer: IpAddr) -> IpAddr {
    match peer.to_canonical() {
        IpAddr::V6(v6) => {
            let prefix = v6.to_bits() & !(u128::from(u64::MAX));
            IpAddr::V6(Ipv6Addr::from_bits(prefix))
        }
        v4 => v4,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ip(s: &str) -> IpAddr {
        s.parse().unwrap()
    }

    /// The limit holds per client, and a share given back makes room again.
    #[test]
    fn counts_each_client_up_to_the_limit() {
        let table = PerAddress::new();
        let two = NonZeroUsize::new(2).unwrap();
        let a = table.admit(ip("192.0.2.1"), two).unwrap();
        let _b = table.admit(ip("192.0.2.1"), two).unwrap();
        assert!(table.admit(ip("192.0.2.1"), two).is_none());
        let _other = table.admit(ip("192.0.2.2"), two).unwrap();
        drop(a);
        let _c = table.admit(ip("192.0.2.1"), two).unwrap();
        assert!(table.admit(ip("192.0.2.1"), two).is_none());
        // A raised limit (a reload) counts the connections already admitted.
        let three = NonZeroUsize::new(3).unwrap();
        let _d = table.admit(ip("192.0.2.1"), three).unwrap();
        assert!(table.admit(ip("192.0.2.1"), three).is_none());
    }

    /// IPv6 clients in one /64 share a count; the next /64 is another client; an
    /// IPv4-mapped address is its IPv4 client.
    #[test]
    fn ipv6_is_grouped_by_64() {
        let table = PerAddress::new();
        let one = NonZeroUsize::new(1).unwrap();
        let _a = table.admit(ip("2001:db8:1:2::1"), one).unwrap();
        assert!(table.admit(ip("2001:db8:1:2:ffff::9"), one).is_none());
        let _b = table.admit(ip("2001:db8:1:3::1"), one).unwrap();
        let _c = table.admit(ip("::ffff:192.0.2.1"), one).unwrap();
        assert!(table.admit(ip("192.0.2.1"), one).is_none());
    }

    /// The memory bound the docs give (docs/DEPLOY.md): an entry's slot is 32 bytes, so with
    /// its control byte and a table at least 7/16 full, under 80 bytes per open connection.
    #[test]
    fn an_entry_takes_a_32_byte_slot() {
        assert!(std::mem::size_of::<(IpAddr, usize)>() <= 32);
    }

    /// The map forgets a client whose last connection ended.
    #[test]
    fn forgets_clients_with_no_connections() {
        let table = PerAddress::new();
        drop(table.admit(ip("192.0.2.1"), NonZeroUsize::new(3).unwrap()));
        assert!(table.open.lock().unwrap().is_empty());
    }
}
