//! Owns the client side of a SOCKS handshake (SOCKS4, SOCKS4a, SOCKS5 with RFC 1929
//! username/password): over a connected [`Pipe`] to the proxy, ask for a connection to the
//! target; what comes back is the same stream, now carrying the target's bytes.
//!
//! The bytes are tokio-socks's (a well-kept crate, generic over any tokio stream, so it
//! takes a Unix socket or a TCP connection alike); this module adds the one error type with
//! curl's exit code and the proxy's refusal in words. The caller bounds the handshake with
//! its connect timeout, as every other step of a dial.

use super::transport::Pipe;
use crate::exit::curl;
use std::net::SocketAddr;
use tokio_socks::tcp::{Socks4Stream, Socks5Stream};
use tokio_socks::TargetAddr;

/// Which SOCKS protocol the proxy speaks.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SocksVersion {
    /// SOCKS4, or SOCKS4a when the target is a name.
    V4,
    /// SOCKS5.
    V5,
}

/// What the proxy is asked to connect to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SocksTarget {
    /// An address resolved here (`socks4://`, `socks5://`).
    Addr(SocketAddr),
    /// A name the proxy resolves (`socks4a://`, `socks5h://`).
    Name(String, u16),
}

/// A SOCKS handshake that failed (curl's 97).
#[derive(Debug, thiserror::Error)]
#[error("SOCKS{version} proxy {proxy}: {reason}")]
pub struct SocksError {
    /// `4` or `5`.
    pub version: u8,
    /// The proxy, as `host:port`.
    pub proxy: String,
    /// What went wrong, in words.
    pub reason: String,
}

impl SocksError {
    /// curl's code for a failed proxy handshake: `CURLE_PROXY`.
    pub fn exit_code(&self) -> u8 {
        curl::PROXY
    }
}

/// Asks the proxy at the other end of `stream` (named `proxy` in messages) for a connection to
/// `target`, with `user` (`NAME:PASSWORD`; SOCKS4 sends only the name, as its user id).
pub async fn connect(
    stream: Pipe,
    version: SocksVersion,
    target: &SocksTarget,
    user: Option<(&str, &str)>,
    proxy: &str,
) -> Result<Pipe, SocksError> {
    let to = match target {
        SocksTarget::Addr(addr) => TargetAddr::Ip(*addr),
        SocksTarget::Name(name, port) => TargetAddr::Domain(name.as_str().into(), *port),
    };
    let result = match (version, user) {
        (SocksVersion::V4, None) => Socks4Stream::connect_with_socket(stream, to)
            .await
            .map(|s| s.into_inner()),
        (SocksVersion::V4, Some((name, _))) => {
            Socks4Stream::connect_with_userid_and_socket(stream, to, name)
                .await
                .map(|s| s.into_inner())
        }
        (SocksVersion::V5, None) => Socks5Stream::connect_with_socket(stream, to)
            .await
            .map(|s| s.into_inner()),
        (SocksVersion::V5, Some((name, password))) => {
            Socks5Stream::connect_with_password_and_socket(stream, to, name, password)
                .await
                .map(|s| s.into_inner())
        }
    };
    result.map_err(|e| SocksError {
        version: match version {
            SocksVersion::V4 => 4,
            SocksVersion::V5 => 5,
        },
        proxy: proxy.to_owned(),
        reason: refusal(&e, target),
    })
}

/// The proxy's refusal, or the broken exchange, in words that say what to check.
fn refusal(err: &tokio_socks::Error, target: &SocksTarget) -> String {
    use tokio_socks::Error as E;
    let to = match target {
        SocksTarget::Addr(addr) => addr.to_string(),
        SocksTarget::Name(name, port) => format!("{name}:{port}"),
    };
    match err {
        E::Io(e) if e.kind() == std::io::ErrorKind::UnexpectedEof => {
            "the proxy closed the connection during the handshake".into()
        }
        E::Io(e) => super::describe(e),
        E::NoAcceptableAuthMethods => {
            "the proxy accepts none of the offered authentication methods (does it need \
             a user name and password?)"
                .into()
        }
        E::PasswordAuthFailure(_) => "the proxy refused the user name and password".into(),
        E::InvalidAuthValues(why) => format!("cannot send these credentials: {why}"),
        E::InvalidResponseVersion
        | E::UnknownAuthMethod
        | E::InvalidReservedByte
        | E::UnknownAddressType => format!("the proxy's reply is not SOCKS ({err})"),
        E::AddressTypeNotSupported => {
            format!("cannot ask for {to}: the proxy (or SOCKS4) does not take that address")
        }
        other => format!("the proxy could not connect to {to}: {}", lower(other)),
    }
}

/// tokio-socks's message with its first letter in lower case, as sockit's messages read.
fn lower(err: &tokio_socks::Error) -> String {
    let text = err.to_string();
    let mut chars = text.chars();
    chars
        .next()
        .map(|c| c.to_lowercase().chain(chars).collect())
        .unwrap_or_default()
}
