//! Owns what every subcommand's ending shares: the exit-code tables, the one `sockit: ...`
//! line printed for a failure, and the broken-pipe rule.
//!
//! Each error type decides its own code beside its variants ([`FetchError::exit_code`],
//! [`ClientError::exit_code`], [`TlsError::exit_code`], the server's
//! [`exit_code`](crate::server::exit_code)), reading the numbers from the tables here, as
//! ripgrep's and xh's errors do; `main.rs` only hands what ended to [`finish`]. This module
//! imports nothing above it. A closed stdout (the reader of a pipe went away, as in
//! `sockit bench --json | true`) is not a failure: the work was done, nobody is listening, so
//! the subcommand ends quietly with 0 ([`Failure::unless_closed_stdout`]).
//!
//! | subcommand | codes |
//! |---|---|
//! | every one | 0 done, 1 could not start or write its output, 2 usage (a bad flag or flag value) |
//! | `serve` | 1 cannot listen or failed while running, 2 a configuration that cannot work (`--max-connections 0`, a `tls:` listener without a usable certificate and key), 130 a second SIGINT/SIGTERM |
//! | `client` | curl's: 1 the server sent `ERR`, 6 cannot resolve, 7 cannot connect, 8 the server speaks HTTP, 28 timed out, 35 TLS handshake failed, 56 the connection failed or closed early, 58 a bad client certificate file, 60 the server's certificate is not trusted, 77 a bad `--cacert` file |
//! | `fetch` | curl's, see [`curl`] |
//! | `bench` | 1 a reply was wrong, missing or late, a connection failed, or the run could not start |
//!
//! [`FetchError::exit_code`]: crate::fetch::FetchError::exit_code
//! [`ClientError::exit_code`]: crate::client::ClientError::exit_code
//! [`TlsError::exit_code`]: crate::net::tls::TlsError::exit_code

use std::error::Error;
use std::fmt;
use std::io;

/// Codes every subcommand shares.
pub mod common {
    /// The work was done.
    pub const OK: u8 = 0;
    /// The subcommand could not start (no async runtime) or write what it generated.
    pub const FAILED: u8 = 1;
    /// The command line cannot be acted on (clap's own code for a bad flag).
    pub const USAGE: u8 = 2;
}

/// curl's exit codes (its `CURLcode` numbers), for `fetch` and, where one fits, `client`:
/// scripts written against curl test these numbers.
pub mod curl {
    /// The URL's scheme is not one curl speaks (`CURLE_UNSUPPORTED_PROTOCOL`).
    pub const UNSUPPORTED_PROTOCOL: u8 = 1;
    /// A bad option or option value (`CURLE_FAILED_INIT`, curl's 2 for usage).
    pub const USAGE: u8 = super::common::USAGE;
    /// The URL is malformed.
    pub const URL_MALFORMAT: u8 = 3;
    /// The proxy's name does not resolve.
    pub const COULDNT_RESOLVE_PROXY: u8 = 5;
    /// The host's name does not resolve.
    pub const COULDNT_RESOLVE_HOST: u8 = 6;
    /// No address accepted the connection.
    pub const COULDNT_CONNECT: u8 = 7;
    /// The server's reply cannot be parsed (`CURLE_WEIRD_SERVER_REPLY`).
    pub const WEIRD_SERVER_REPLY: u8 = 8;
    /// An HTTP/2 framing or connection error (`CURLE_HTTP2`).
    pub const HTTP2: u8 = 16;
    /// The body ended before its announced end (`CURLE_PARTIAL_FILE`).
    pub const PARTIAL_FILE: u8 = 18;
    /// `--fail` and a status of 400 or more (`CURLE_HTTP_RETURNED_ERROR`).
    pub const HTTP_RETURNED_ERROR: u8 = 22;
    /// Writing the output failed.
    pub const WRITE_ERROR: u8 = 23;
    /// A local file cannot be read.
    pub const READ_ERROR: u8 = 26;
    /// A timeout ran out (`CURLE_OPERATION_TIMEDOUT`).
    pub const OPERATION_TIMEDOUT: u8 = 28;
    /// The body does not match `--checksum` (aria2c's 32; curl leaves 32 unused).
    pub const CHECKSUM: u8 = 32;
    /// A resume cannot continue at the requested offset (`CURLE_RANGE_ERROR`).
    pub const RANGE_ERROR: u8 = 33;
    /// The TLS handshake failed (`CURLE_SSL_CONNECT_ERROR`).
    pub const SSL_CONNECT_ERROR: u8 = 35;
    /// An option's argument refused when it is used (`CURLE_BAD_FUNCTION_ARGUMENT`).
    pub const BAD_FUNCTION_ARGUMENT: u8 = 43;
    /// `--interface` or `--local-port` could not be bound (`CURLE_INTERFACE_FAILED`).
    pub const INTERFACE_FAILED: u8 = 45;
    /// Too many redirects, or a loop (`CURLE_TOO_MANY_REDIRECTS`).
    pub const TOO_MANY_REDIRECTS: u8 = 47;
    /// An option's value does not parse (`CURLE_SETOPT_OPTION_SYNTAX`): `--resolve`,
    /// `--connect-to`.
    pub const SETOPT_OPTION_SYNTAX: u8 = 49;
    /// The server closed without a byte of reply (`CURLE_GOT_NOTHING`).
    pub const GOT_NOTHING: u8 = 52;
    /// Sending failed (`CURLE_SEND_ERROR`).
    pub const SEND_ERROR: u8 = 55;
    /// Receiving failed (`CURLE_RECV_ERROR`).
    pub const RECV_ERROR: u8 = 56;
    /// A client certificate or key cannot be used (`CURLE_SSL_CERTPROBLEM`).
    pub const SSL_CERTPROBLEM: u8 = 58;
    /// No cipher suite or key exchange group named is usable (`CURLE_SSL_CIPHER`).
    pub const SSL_CIPHER: u8 = 59;
    /// The peer's certificate did not verify (`CURLE_PEER_FAILED_VERIFICATION`).
    pub const PEER_FAILED_VERIFICATION: u8 = 60;
    /// A URL with a user name under `--disallow-username-in-url` (`CURLE_LOGIN_DENIED`).
    pub const LOGIN_DENIED: u8 = 67;
    /// The content encoding is corrupt or unknown (`CURLE_BAD_CONTENT_ENCODING`).
    pub const BAD_CONTENT_ENCODING: u8 = 61;
    /// The body passes `--max-filesize` (`CURLE_FILESIZE_EXCEEDED`).
    pub const FILESIZE_EXCEEDED: u8 = 63;
    /// The CA file cannot be used (`CURLE_SSL_CACERT_BADFILE`).
    pub const SSL_CACERT_BADFILE: u8 = 77;
    /// The `--crlfile` cannot be used (`CURLE_SSL_CRL_BADFILE`).
    pub const SSL_CRL_BADFILE: u8 = 82;
    /// The server's public key is not the pinned one (`CURLE_SSL_PINNEDPUBKEYNOTMATCH`).
    pub const SSL_PINNEDPUBKEYNOTMATCH: u8 = 90;
    /// No stapled OCSP response, or one that does not say "good"
    /// (`CURLE_SSL_INVALIDCERTSTATUS`).
    pub const SSL_INVALIDCERTSTATUS: u8 = 91;
    /// The server reset the HTTP/2 stream (`CURLE_HTTP2_STREAM`).
    pub const HTTP2_STREAM: u8 = 92;
    /// The SOCKS proxy's handshake failed (`CURLE_PROXY`).
    pub const PROXY: u8 = 97;
}

/// `sockit serve`'s codes.
pub mod serve {
    /// Cannot listen on an address, or the server failed while running.
    pub const CANNOT_LISTEN: u8 = 1;
    /// The flags ask for something that cannot work, such as `--max-connections 0`.
    pub const BAD_CONFIG: u8 = super::common::USAGE;
    /// A second SIGINT or SIGTERM ended the graceful shutdown at once, as shells report an
    /// interrupt (128 + SIGINT).
    pub const FORCED: u8 = 130;
}

/// `sockit client`'s codes, curl's numbers where curl has one.
pub mod client {
    use super::curl;

    /// The server sent an `ERR` line.
    pub const SERVER_ERR: u8 = 1;
    /// A name cannot be sent (it holds a newline).
    pub const BAD_NAME: u8 = super::common::USAGE;
    /// The host name does not resolve (curl's 6).
    pub const RESOLVE: u8 = curl::COULDNT_RESOLVE_HOST;
    /// No address accepted the connection (curl's 7).
    pub const CONNECT: u8 = curl::COULDNT_CONNECT;
    /// Connecting or a reply took longer than `--timeout` (curl's 28).
    pub const TIMEOUT: u8 = curl::OPERATION_TIMEDOUT;
    /// The connection failed or closed before the replies came (curl's 56).
    pub const RECV: u8 = curl::RECV_ERROR;
    /// The server is no hello server: it answered with an HTTP status line (curl's 8, a
    /// reply it cannot parse).
    pub const NOT_HELLO: u8 = curl::WEIRD_SERVER_REPLY;
}

/// `sockit bench`'s codes.
pub mod bench {
    /// A reply was wrong, missing or late, a connection failed, or the run could not start.
    pub const FAILED: u8 = 1;
}

/// A subcommand that did not do its work: the exit code and the line that says why.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Failure {
    /// The process exit status.
    pub code: u8,
    /// What failed, on what, and what to do; printed after `sockit: `.
    pub message: String,
}

impl Failure {
    /// A failure with `code` and `message`.
    pub fn new(code: u8, message: impl Into<String>) -> Self {
        Failure {
            code,
            message: message.into(),
        }
    }

    /// The failure for `err`, whose code its type decided, or none where the broken-pipe
    /// rule says the work was done: somewhere in `err`'s chain a write met a closed pipe.
    pub fn unless_closed_stdout(
        code: u8,
        message: impl Into<String>,
        err: &(dyn Error + 'static),
    ) -> Option<Self> {
        (!closed_stdout(err)).then(|| Failure::new(code, message))
    }
}

impl fmt::Display for Failure {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "sockit: {}", self.message)
    }
}

/// How a subcommand ended: each failure's line on stderr, unless `quiet` (`fetch -s`), in
/// the order they happened, and the exit status of the last one (0 when there is none), as
/// curl reports the last failed transfer of several.
pub fn finish(failures: impl IntoIterator<Item = Failure>, quiet: bool) -> u8 {
    let mut code = common::OK;
    for failure in failures {
        if !quiet {
            eprintln!("{failure}");
        }
        code = failure.code;
    }
    code
}

/// The broken-pipe rule: whether `err`, or anything in its chain of sources, is a write to a
/// pipe whose reader went away.
pub fn closed_stdout(err: &(dyn Error + 'static)) -> bool {
    let mut cause = Some(err);
    while let Some(e) = cause {
        if e.downcast_ref::<io::Error>()
            .is_some_and(|e| e.kind() == io::ErrorKind::BrokenPipe)
        {
            return true;
        }
        cause = e.source();
    }
    false
}

/// Writes to stdout, treating a closed stdout as done: `Ok` when the reader went away.
pub fn write_stdout(bytes: &[u8]) -> io::Result<()> {
    use io::Write;
    let mut out = io::stdout().lock();
    match out.write_all(bytes).and_then(|()| out.flush()) {
        Err(e) if e.kind() == io::ErrorKind::BrokenPipe => Ok(()),
        other => other,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A broken pipe anywhere in an error's chain ends the subcommand as done; another error
    /// does not.
    #[test]
    fn a_closed_stdout_is_not_a_failure() {
        let pipe = anyhow::Error::from(io::Error::from(io::ErrorKind::BrokenPipe))
            .context("cannot write the report");
        assert_eq!(Failure::unless_closed_stdout(1, "x", pipe.as_ref()), None);
        let refused = anyhow::Error::from(io::Error::from(io::ErrorKind::ConnectionRefused))
            .context("cannot connect");
        assert_eq!(
            Failure::unless_closed_stdout(7, "x", refused.as_ref()),
            Some(Failure::new(7, "x"))
        );
    }

    /// The line is `sockit: ` and the message.
    #[test]
    fn a_failure_reads_as_one_sockit_line() {
        let failure = Failure::new(1, "cannot listen on 127.0.0.1:1: permission denied");
        assert_eq!(
            failure.to_string(),
            "sockit: cannot listen on 127.0.0.1:1: permission denied"
        );
    }
}
