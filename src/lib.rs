//! sockit: the classic socket tutorial's programs, made into software people can rely on.
//!
//! # Layout
//!
//! - [`addr`]: addresses as users type them (`host:port`, `[v6]:port`, `unix:/path`,
//!   `tls:host:port`).
//! - [`duration`]: the one duration syntax of every flag (`10`, `0.5`, `500ms`, `5m`, `1h`).
//! - [`exit`]: what every ending shares: the exit-code tables (curl's among them), the one
//!   `sockit: ` line and the broken-pipe rule; each error type picks its own code.
//! - [`fetch`]: `sockit fetch`, the HTTP/1.1 and HTTP/2 downloader (curl's flags and exit
//!   codes), in layers that import only downward: `http/` (bytes and rules, no I/O: heads,
//!   bodies, codings, redirects, cookies, Digest), `conn/` (the dial as a chain of hops:
//!   TCP or Unix, SOCKS, proxy TLS, CONNECT, TLS; a proxy's Basic or Digest; the pool; one
//!   request over a connection in the version it speaks), `output/` (the file, heads, progress, `-v`, `--trace`, `-w`,
//!   `--checksum`, the cookie jar), `flags/` (clap and the plan; nothing below it sees a flag),
//!   and the story on top (the run, one URL's attempts, one attempt's exchange, segments).
//! - [`logging`]: the log subscriber, in text or JSON (`--log-format`), switchable at run time;
//!   the access lines batched until the server's pulse or end flushes them.
//! - [`net`]: a connected TCP, Unix or TLS stream, connecting with a deadline (each socket
//!   made and bound as its `SocketOptions` say: interface, local ports, keepalive), the boxed
//!   [`net::Pipe`] a layered connection is, the SOCKS client handshake ([`net::socks`]),
//!   Unix sockets by path or abstract name, and TLS for
//!   every subcommand ([`net::tls`]: the one crypto provider, whom a client trusts, the
//!   client handshake, one `TlsError`). It imports no subcommand.
//! - [`protocol`]: the hello protocol as a pure state machine (bytes in, replies out).
//! - [`server`]: the hello server: builder and `run` (which takes a shutdown future and never
//!   ends the process), binding and the accept loop, one admission pipeline (slot and
//!   connection-rate limits, PROXY header, per-address share, TLS handshake), one connection's
//!   life and its access log line, the drain, `tls:` certificates, the `--config` file and
//!   what SIGHUP reloads (the file, then the certificates), metrics and readiness
//!   (`--metrics`), systemd's sockets and notifications.
//! - [`size`]: the one size syntax of every flag (`1048576`, `512KiB`, `64MiB`).
//! - [`client`]: the hello client, one name at a time or pipelined.
//! - [`bench`]: `sockit bench`, the load generator: modes, reply checker, report, chart.
//! - `fuzzing` (hidden, only with the `fuzzing` feature or in the crate's tests): the fuzz
//!   targets' entry points, shared by `fuzz/` and the corpus replay test.
#![forbid(unsafe_code)]
#![warn(missing_docs)]

pub mod addr;
pub mod bench;
pub mod client;
pub mod duration;
pub mod exit;
pub mod fetch;
#[cfg(any(test, feature = "fuzzing"))]
#[doc(hidden)]
pub mod fuzzing;
pub mod logging;
pub mod net;
pub mod protocol;
pub mod server;
pub mod size;
