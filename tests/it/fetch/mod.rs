//! Tests for `sockit fetch`: the real binary against an in-test HTTP(S) server on loopback,
//! plus property tests of the pure parsers and an interop test against a real nginx.

mod auth;
mod checksum;
mod compress;
mod conditional;
mod config;
mod connect;
mod cookies;
mod curl_options;
mod dirs;
mod errors;
mod forms;
mod framing;
mod h2;
mod h2_faults;
mod h3;
mod many;
mod memory;
mod netrc;
mod nginx;
mod out_flags;
mod output;
mod props;
mod proxy;
mod rate;
mod redirect;
mod request;
mod retry;
mod routing;
mod segments;
mod socks;
mod tls;
mod tls_options;
mod trailers;
mod writeout;
