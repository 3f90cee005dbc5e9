//! The connection: dialing (direct or through a proxy, with `--noproxy`; TLS from
//! [`crate::net::tls`], its failures mapped to curl's codes in `error.rs`), the kept-alive
//! pool, and moving one request and its response over a connection (`transfer.rs`, with the
//! upload's sending).
//!
//! It imports the http layer (bytes and rules) and the plain types it is handed; it knows
//! nothing of the story (attempts, retries, redirects followed) above it.

pub(super) mod connect;
pub(super) mod dial;
pub(super) mod noproxy;
pub(super) mod pool;
pub(super) mod proxy;
pub(super) mod transfer;
