//! The PROXY protocol (`--proxy-protocol`): the header a load balancer sends before the
//! client's bytes, naming the client it accepted, so that the log, the per-address limit and
//! the metrics see that client rather than the balancer.
//!
//! Parsing is the `ppp` crate's (v1 text and v2 binary, as HAProxy's specification defines
//! them); this file decides what to believe and takes no byte past the header. The socket
//! is looked at with `MSG_PEEK` and only the header's own bytes are read from it, so the
//! client's first line, which a balancer sends right behind the header, stays in the kernel
//! for the conversation. Bytes that belong to an unfinished header are taken at once, so
//! waiting for the rest of it waits on the socket instead of peeking the same bytes in a loop.
//!
//! A header is believed only from `--proxy-from` (loopback by default) and from `unix:`
//! listeners, whose file permissions already say who may connect. A v2 LOCAL header or a v1
//! `UNKNOWN` one, which HAProxy sends for its own health checks, leaves the connection's own
//! address in place, as the specification asks.

use crate::protocol::InputBudget;
use ipnet::IpNet;
use ppp::v1;
use ppp::v2;
use rustix::net::RecvFlags;
use std::future::Future;
use std::io;
use std::net::{IpAddr, SocketAddr};
use std::os::fd::AsFd;
use tokio::io::Interest;
use tokio::io::{AsyncRead, AsyncReadExt};

/// The most a v1 header may take, `\r\n` included (the specification's limit).
pub const V1_MAX: usize = 107;

/// The most a v2 header may take: its 16-byte preamble and the largest length it can state.
pub const V2_MAX: usize = 16 + u16::MAX as usize;

/// How much is looked at first: a whole v1 header, or a v2 header with any address and no
/// TLVs (16 + 216 bytes). A header with TLVs that do not fit is read on into a buffer that
/// doubles as they arrive.
const FIRST_LOOK: usize = 232;

/// The PROXY protocol flags of `sockit serve`.
#[derive(Debug, Clone, PartialEq, Eq, clap::Args)]
pub struct ProxyConfig {
    /// Require a PROXY protocol header (v1 or v2, as HAProxy's send-proxy and send-proxy-v2
    /// and nginx's proxy_protocol send it) at the start of every connection, and take the
    /// client address it carries as the connection's peer.
    #[arg(long)]
    pub proxy_protocol: bool,

    /// Believe PROXY headers only from this network (repeatable): the balancers' addresses.
    /// Any other peer is closed without a greeting.
    #[arg(long = "proxy-from", value_name = "CIDR", default_values = ["127.0.0.0/8", "::1/128"],
          requires = "proxy_protocol")]
    pub proxy_from: Vec<IpNet>,
}

impl Default for ProxyConfig {
    fn default() -> Self {
        ProxyConfig {
            proxy_protocol: false,
            proxy_from: loopback(),
        }
    }
}

/// `--proxy-from`'s default: the loopback networks.
fn loopback() -> Vec<IpNet> {
    ["127.0.0.0/8", "::1/128"]
        .iter()
        .map(|net| net.parse().expect("a valid CIDR"))
        .collect()
}

impl ProxyConfig {
    /// Whether headers from `peer` are believed. An IPv4 peer on an IPv6 listener
    /// (`::ffff:a.b.c.d`) is checked as the IPv4 address it is.
    pub(super) fn trusts(&self, peer: IpAddr) -> bool {
        let peer = peer.to_canonical();
        self.proxy_from.iter().any(|net| net.contains(&peer))
    }
}

/// What a complete header says.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Header {
    /// The balancer relays this client.
    Proxied(SocketAddr),
    /// The balancer speaks for itself (v2 LOCAL, v1 UNKNOWN, or an address family that is not
    /// IP): the connection keeps its own address.
    Local,
}

/// The outcome of parsing the bytes seen so far.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum HeaderParse {
    /// A whole header, `len` bytes long; what follows belongs to the client.
    Done {
        /// What the header says.
        header: Header,
        /// How many bytes it took.
        len: usize,
    },
    /// Every byte so far fits a header that has not ended yet.
    Incomplete,
    /// Not a PROXY header, and no more bytes can make it one.
    Invalid(String),
}

/// Parses the start of a connection's bytes as a v1 or v2 PROXY header.
///
/// ```
/// use sockit::server::proxy::{parse, Header, HeaderParse};
///
/// let line = b"PROXY TCP4 192.0.2.7 198.51.100.1 56324 443\r\nMichael\n";
/// let client = "192.0.2.7:56324".parse().unwrap();
/// assert_eq!(parse(line), HeaderParse::Done { header: Header::Proxied(client), len: 45 });
/// assert_eq!(parse(b"PROXY TCP4 192.0.2.7"), HeaderParse::Incomplete);
/// assert!(matches!(parse(b"GET / HTTP/1.1\r\n"), HeaderParse::Invalid(_)));
/// ```
pub fn parse(bytes: &[u8]) -> HeaderParse {
    if bytes.first() == Some(&b'P') {
        return parse_v1(bytes);
    }
    parse_whole(bytes)
}

/// A v1 header is handed to the parser only once its line is whole (up to its `\n`, within
/// 107 bytes): ppp judges a line cut short as it would a whole one, so a header split
/// between two packets after `... 4000 ` would be refused for its empty port.
fn parse_v1(bytes: &[u8]) -> HeaderParse {
    let Some(end) = memchr::memchr(b'\n', bytes) else {
        return if bytes.len() >= V1_MAX {
            HeaderParse::Invalid(format!("a v1 header longer than {V1_MAX} bytes"))
        } else if b"PROXY ".starts_with(&bytes[..bytes.len().min(6)]) {
            HeaderParse::Incomplete
        } else {
            HeaderParse::Invalid("not a PROXY header".into())
        };
    };
    let line = &bytes[..=end];
    if line.len() > V1_MAX {
        return HeaderParse::Invalid(format!("a v1 header longer than {V1_MAX} bytes"));
    }
    match parse_whole(line) {
        HeaderParse::Incomplete => {
            HeaderParse::Invalid("a v1 header that does not end in \\r\\n".into())
        }
        parsed => parsed,
    }
}

/// ppp's verdict on `bytes`.
fn parse_whole(bytes: &[u8]) -> HeaderParse {
    use ppp::{HeaderResult, PartialResult};
    let result = HeaderResult::parse(bytes);
    if result.is_incomplete() {
        return HeaderParse::Incomplete;
    }
    match result {
        HeaderResult::V1(Ok(header)) => HeaderParse::Done {
            header: v1_header(&header.addresses),
            len: header.header.len(),
        },
        HeaderResult::V2(Ok(header)) => HeaderParse::Done {
            header: v2_header(&header),
            len: header.len(),
        },
        HeaderResult::V1(Err(e)) => HeaderParse::Invalid(e.to_string()),
        HeaderResult::V2(Err(e)) => HeaderParse::Invalid(e.to_string()),
    }
}

fn v1_header(addresses: &v1::Addresses) -> Header {
    match addresses {
        v1::Addresses::Tcp4(a) => Header::Proxied((a.source_address, a.source_port).into()),
        v1::Addresses::Tcp6(a) => Header::Proxied((a.source_address, a.source_port).into()),
        v1::Addresses::Unknown => Header::Local,
    }
}

fn v2_header(header: &v2::Header<'_>) -> Header {
    if header.command == v2::Command::Local {
        return Header::Local;
    }
    match header.addresses {
        v2::Addresses::IPv4(a) => Header::Proxied((a.source_address, a.source_port).into()),
        v2::Addresses::IPv6(a) => Header::Proxied((a.source_address, a.source_port).into()),
        v2::Addresses::Unix(_) | v2::Addresses::Unspecified => Header::Local,
    }
}

/// Why a connection's PROXY header was not taken.
#[derive(Debug, thiserror::Error)]
pub(super) enum Refusal {
    /// The peer is not in `--proxy-from`.
    #[error("not in --proxy-from, so its PROXY header is not believed")]
    Untrusted,
    /// The bytes are not a PROXY header.
    #[error("malformed PROXY header: {0}")]
    Malformed(String),
    /// The peer closed before its header was complete.
    #[error("closed before sending a whole PROXY header")]
    Closed,
    /// No whole header within `--handshake-timeout`.
    #[error("no PROXY header within the handshake timeout")]
    TimedOut,
    /// The grace period after a shutdown ended first.
    #[error("no PROXY header before the server shut down")]
    ShuttingDown,
    /// `--max-input-memory` could not hold the rest of a long v2 header.
    #[error("no input memory left (--max-input-memory) for its PROXY header")]
    NoMemory,
    /// The socket failed.
    #[error("{}", crate::net::describe(.0))]
    Failed(#[from] io::Error),
}

/// A stream whose unread bytes can be looked at without taking them.
pub(crate) trait Peek: AsyncRead + Unpin + Send {
    /// Copies the bytes waiting in the socket into `buf`, leaving them there; waits until
    /// there is at least one (or the end of the stream: 0).
    fn peek(&self, buf: &mut [u8]) -> impl Future<Output = io::Result<usize>> + Send;
}

/// [`Peek`] through the socket's descriptor, with the runtime's readiness so that a peek
/// that finds nothing waits for the socket instead of spinning.
macro_rules! peek_through_fd {
    ($($stream:ty),*) => {$(
        impl Peek for $stream {
            async fn peek(&self, buf: &mut [u8]) -> io::Result<usize> {
                loop {
                    self.readable().await?;
                    match self.try_io(Interest::READABLE, || peek_fd(self, &mut *buf)) {
                        Err(e) if matches!(
                            e.kind(),
                            io::ErrorKind::WouldBlock | io::ErrorKind::Interrupted
                        ) => continue,
                        peeked => return peeked,
                    }
                }
            }
        }
    )*};
}
peek_through_fd!(tokio::net::TcpStream, tokio::net::UnixStream);

fn peek_fd(fd: impl AsFd, buf: &mut [u8]) -> io::Result<usize> {
    let (peeked, _) = rustix::net::recv(fd, buf, RecvFlags::PEEK)?;
    Ok(peeked)
}

/// Takes the PROXY header off the front of `sock`, leaving the bytes behind it unread.
///
/// The buffer starts at [`FIRST_LOOK`] bytes and doubles only when the bytes that arrived fill
/// it, so a v2 header that declares 65,535 bytes of TLVs and sends none costs 232 bytes, not
/// 64 KiB (2,000 such connections held 146 MB). Growth past the first look is charged to
/// `budget` (`--max-input-memory`, which unfinished lines share) and given back when the header
/// is taken or refused; a header the budget cannot hold is refused.
pub(super) async fn take_header<S: Peek>(
    sock: &mut S,
    budget: &InputBudget,
) -> Result<Header, Refusal> {
    let mut buf = Charged::new(budget);
    let mut taken = 0;
    loop {
        if taken == buf.len() {
            // Only a v2 header with TLVs gets this far (v1 is invalid past 107 bytes).
            buf.grow()?;
        }
        let seen = taken + sock.peek(&mut buf.bytes[taken..]).await?;
        if seen == taken {
            return Err(Refusal::Closed);
        }
        match parse(&buf.bytes[..seen]) {
            HeaderParse::Done { header, len } => {
                sock.read_exact(&mut buf.bytes[taken..len]).await?;
                return Ok(header);
            }
            HeaderParse::Incomplete => {
                sock.read_exact(&mut buf.bytes[taken..seen]).await?;
                taken = seen;
            }
            HeaderParse::Invalid(why) => return Err(Refusal::Malformed(why)),
        }
    }
}

/// A header's buffer, whatever it holds past [`FIRST_LOOK`] charged to the input memory and
/// given back when dropped. The first look is free, as a connection's first read is.
struct Charged<'b> {
    bytes: Vec<u8>,
    budget: &'b InputBudget,
}

impl<'b> Charged<'b> {
    fn new(budget: &'b InputBudget) -> Self {
        Charged {
            bytes: Vec::new(),
            budget,
        }
    }

    fn len(&self) -> usize {
        self.bytes.len()
    }

    /// Doubles the buffer (to [`FIRST_LOOK`] first, and never past [`V2_MAX`]).
    fn grow(&mut self) -> Result<(), Refusal> {
        let now = self.bytes.len();
        let next = (now * 2).clamp(FIRST_LOOK, V2_MAX);
        let charge = next - now.max(FIRST_LOOK);
        if charge > 0 && !self.budget.take(charge) {
            return Err(Refusal::NoMemory);
        }
        self.bytes.reserve_exact(next - now);
        self.bytes.resize(next, 0);
        Ok(())
    }
}

impl Drop for Charged<'_> {
    fn drop(&mut self) {
        self.budget
            .give_back(self.bytes.len().saturating_sub(FIRST_LOOK));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The specification's examples (section 2.1 and 2.2), and the edges around them.
    #[test]
    fn parses_the_specification_examples() {
        let v4 = b"PROXY TCP4 255.255.255.255 255.255.255.255 65535 65535\r\n";
        assert_eq!(
            parse(v4),
            HeaderParse::Done {
                header: Header::Proxied("255.255.255.255:65535".parse().unwrap()),
                len: v4.len()
            }
        );
        let v6 = b"PROXY TCP6 ffff:f...f:ffff ffff:f...f:ffff 65535 65535\r\n";
        assert!(matches!(parse(v6), HeaderParse::Invalid(_)));
        let unknown = b"PROXY UNKNOWN\r\n";
        assert_eq!(
            parse(unknown),
            HeaderParse::Done {
                header: Header::Local,
                len: 15
            }
        );
        let local = b"\r\n\r\n\0\r\nQUIT\n\x20\x00\x00\x00";
        assert_eq!(
            parse(local),
            HeaderParse::Done {
                header: Header::Local,
                len: 16
            }
        );
    }

    /// A v2 header's TLVs are skipped: the address is read and the length covers them.
    #[test]
    fn v2_tlvs_are_skipped() {
        let mut header = b"\r\n\r\n\0\r\nQUIT\n\x21\x11\x00\x14".to_vec();
        header.extend([192, 0, 2, 7, 198, 51, 100, 1, 0x1f, 0x90, 0x01, 0xbb]);
        header.extend([0x04, 0x00, 0x05, 1, 2, 3, 4, 5]); // a NOOP TLV of 5 bytes
        header.extend(b"Michael\n");
        assert_eq!(
            parse(&header),
            HeaderParse::Done {
                header: Header::Proxied("192.0.2.7:8080".parse().unwrap()),
                len: 36
            }
        );
    }

    /// A v1 line longer than 107 bytes is refused however it goes on.
    #[test]
    fn v1_over_107_bytes_is_invalid() {
        let mut long = b"PROXY TCP4 ".to_vec();
        long.resize(V1_MAX, b'1');
        assert!(matches!(parse(&long), HeaderParse::Invalid(_)));
        assert_eq!(parse(&long[..V1_MAX - 1]), HeaderParse::Incomplete);
    }

    /// Every prefix of a valid header is incomplete, never invalid or a different header.
    #[test]
    fn every_prefix_is_incomplete() {
        let v1 = b"PROXY TCP6 2001:db8::1 2001:db8::2 4000 443\r\n".as_slice();
        let mut v2 = b"\r\n\r\n\0\r\nQUIT\n\x21\x11\x00\x0c".to_vec();
        v2.extend([10, 0, 0, 1, 10, 0, 0, 2, 0, 80, 0, 81]);
        for header in [v1, &v2] {
            for cut in 0..header.len() {
                assert_eq!(parse(&header[..cut]), HeaderParse::Incomplete, "{cut}");
            }
        }
    }

    /// The default `--proxy-from` is loopback, IPv4-mapped addresses included.
    #[test]
    fn loopback_is_trusted_by_default() {
        let config = ProxyConfig::default();
        for peer in ["127.0.0.1", "127.1.2.3", "::1", "::ffff:127.0.0.1"] {
            assert!(config.trusts(peer.parse().unwrap()), "{peer}");
        }
        for peer in ["10.0.0.1", "::2", "::ffff:10.0.0.1"] {
            assert!(!config.trusts(peer.parse().unwrap()), "{peer}");
        }
    }
}
