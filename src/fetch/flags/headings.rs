//! Owns the headings that group `sockit fetch --help`: what a flag is about, in the order a
//! curl user looks for it (output, request, connection, TLS, proxy, retry, many URLs, and the
//! flags beyond curl), so that a long list reads as a few short ones.
//!
//! clap prints the headings in the order of their first flag, so fetch's flags are declared
//! in this order too.

/// Where the body, the head and the messages go.
pub const OUTPUT: &str = "Output";
/// What is sent: method, headers, data, credentials, redirects.
pub const REQUEST: &str = "Request";
/// How the connection is made and how long it may take.
pub const CONNECTION: &str = "Connection";
/// Whom to trust.
pub const TLS: &str = "TLS";
/// Going through an HTTP proxy.
pub const PROXY: &str = "Proxy";
/// Trying again after a transient error.
pub const RETRY: &str = "Retry";
/// Several URLs in one run.
pub const MANY: &str = "Many URLs";
/// What curl does not have.
pub const BEYOND: &str = "Beyond curl";
