//! The connection: dialing as a stack of hops (`dial.rs` orders them, `hops.rs` has each:
//! TCP or a Unix socket, SOCKS, TLS to an https proxy, CONNECT, TLS to the origin; `route.rs`
//! is `--resolve` and `--connect-to`; a proxy is chosen with `--noproxy`), TLS from
//! [`crate::net::tls`] with its failures mapped to curl's codes in `error.rs`, the kept-alive
//! pool, and moving one request and its response over a connection (`transfer.rs`, with the
//! upload's sending), in the HTTP version the connection speaks (`link.rs`: HTTP/1.1,
//! HTTP/2 in `h2.rs`, reached from HTTP/1.1 by `upgrade.rs`, or with the `http3` feature HTTP/3
//! over QUIC in `h3.rs`).
//!
//! It imports the http layer (bytes and rules) and the plain types it is handed; it knows
//! nothing of the story (attempts, retries, redirects followed) above it.

pub(super) mod connect;
pub(super) mod dial;
pub(super) mod h2;
#[cfg(feature = "http3")]
pub(super) mod h3;
pub(super) mod hops;
pub(super) mod link;
pub(super) mod noproxy;
pub(super) mod pool;
pub(super) mod proxy;
pub(super) mod proxy_auth;
pub(super) mod route;
pub(super) mod transfer;
pub(super) mod upgrade;
