//! Owns [`FetchError`], every way a fetch can fail, and the curl exit code each one maps to.
//!
//! Scripts written against curl test its exit codes, so each variant carries the kind that
//! picks curl's number (`exit_code`, from the table in [`crate::exit::curl`]), and its
//! `Display` is the one line a user sees after `sockit: (CODE) `. Messages name what failed
//! and on what (host, port, path).
//!
//! It sits under every layer of fetch (each speaks these failures) and imports none of
//! them: only the exit-code tables and `net`'s TLS and I/O wording.

use crate::exit::{common, curl, Failure};
pub(crate) use crate::net::describe;
use crate::net::socks::SocksError;
use crate::net::tls::TlsError;
use std::io;
use std::path::Path;
use thiserror::Error;

/// A failed fetch; `exit_code` gives the curl exit code for it.
#[derive(Debug, Error)]
pub enum FetchError {
    /// The command line cannot be acted on (curl's 2).
    #[error("{0}")]
    Usage(String),
    /// The URL's scheme is neither http nor https (curl's 1).
    #[error("unsupported protocol {0:?}: sockit fetch speaks http and https")]
    UnsupportedProtocol(String),
    /// The URL's scheme is one `--proto` (or `--proto-redir`, after a redirect) leaves out
    /// (curl's 1).
    #[error("protocol {scheme:?} is disabled by --{flag}")]
    ProtocolDisabled {
        /// The URL's scheme.
        scheme: String,
        /// `proto` or `proto-redir`.
        flag: &'static str,
    },
    /// A URL's `{}` or `[]` glob is malformed (curl's 3; the message in curl's words, with
    /// the URL and a caret under the column).
    #[error("{0}")]
    Glob(String),
    /// The URL names a user under `--disallow-username-in-url` (curl's 67).
    #[error("login denied: {0:?} names a user, and --disallow-username-in-url is given")]
    LoginDenied(String),
    /// The URL does not parse (curl's 3).
    #[error("malformed URL {url:?}: {reason}")]
    BadUrl {
        /// The URL as given.
        url: String,
        /// What is wrong with it.
        reason: String,
    },
    /// The proxy's host name has no usable address (curl's 5).
    #[error("cannot resolve proxy {host}: {reason}")]
    ResolveProxy {
        /// The proxy's host name.
        host: String,
        /// Why it did not resolve.
        reason: String,
    },
    /// The host name has no usable address (curl's 6).
    #[error("cannot resolve host {host}: {reason}")]
    Resolve {
        /// The host name.
        host: String,
        /// Why it did not resolve.
        reason: String,
    },
    /// The local end could not be bound as `--interface` or `--local-port` ask (curl's 45).
    #[error("{0}")]
    Interface(crate::net::BindError),
    /// No address of the host accepted a connection (curl's 7).
    #[error("cannot connect to {host} port {port}: {reason}")]
    Connect {
        /// The host as written in the URL.
        host: String,
        /// The port.
        port: u16,
        /// The last connect error.
        reason: String,
        /// The host refused the connection (ECONNREFUSED), which `--retry-connrefused`
        /// retries.
        refused: bool,
    },
    /// The proxy's scheme is none that sockit speaks (curl's 7).
    #[error(
        "unsupported proxy scheme for {0:?}: http, https, socks4, socks4a, socks5 and socks5h are"
    )]
    ProxyScheme(String),
    /// The server's reply breaks HTTP/1.1 framing (curl's 8).
    #[error("weird server reply: {0}")]
    BadReply(String),
    /// A status line curl refuses: no number, or one below 100 or of four digits (curl's
    /// 1, in curl's words).
    #[error("{0}")]
    UnsupportedReply(String),
    /// The HTTP/2 connection broke: a framing or protocol error, or a GOAWAY after the
    /// request was taken (curl's 16).
    #[error("HTTP/2 error: {0}")]
    Http2(String),
    /// The server reset the request's HTTP/2 stream (curl's 92).
    #[error("{0}")]
    Http2Stream(String),
    /// The server closed the connection without sending anything (curl's 52).
    #[error("empty reply from server")]
    EmptyReply,
    /// The reply has no status line (HTTP/0.9's bare body) and `--http0.9` was not given
    /// (curl's 1, in its words).
    #[error("Received HTTP/0.9 when not allowed")]
    Http09,
    /// The body ended before its announced end (curl's 18).
    #[error("partial file: {0}")]
    Partial(String),
    /// `--fail` and a status of 400 or more (curl's 22).
    #[error("the requested URL returned error: {status}{reason}")]
    HttpStatus {
        /// The status code.
        status: u16,
        /// The reason phrase, with a leading space when present.
        reason: String,
    },
    /// Writing the output failed (curl's 23).
    #[error("cannot write to {path}: {reason}")]
    Write {
        /// The file written to, or `stdout`.
        path: String,
        /// The I/O error.
        reason: String,
    },
    /// A local file named on the command line cannot be read (curl's 26).
    #[error("cannot read {path}: {reason}")]
    Read {
        /// The file.
        path: String,
        /// The I/O error.
        reason: String,
    },
    /// `--connect-timeout` or `--max-time` ran out (curl's 28).
    #[error("{0}")]
    Timeout(String),
    /// A resumed download cannot continue at the requested offset (curl's 33).
    #[error("cannot resume: {0}")]
    Range(String),
    /// TLS could not be set up (curl's 77), the server's certificate did not verify (60),
    /// or the handshake failed otherwise (35): the transport's error, as it words it.
    #[error(transparent)]
    Tls(#[from] TlsError),
    /// A SOCKS proxy's handshake failed (curl's 97).
    #[error(transparent)]
    Socks(#[from] SocksError),
    /// An option's value cannot be acted on when the request is made (curl's 43): an
    /// `--aws-sigv4` argument without a provider.
    #[error("{0}")]
    BadArgument(String),
    /// An option's value does not parse (curl's 49): `--resolve`, `--connect-to`.
    #[error("{0}")]
    Option(String),
    /// `-L` met a loop or more than `--max-redirs` redirects (curl's 47).
    #[error("{0}")]
    Redirects(String),
    /// Sending the request failed (curl's 55).
    #[error("failure sending the request: {0}")]
    Send(String),
    /// Receiving from the server failed (curl's 56).
    #[error("failure receiving data: {0}")]
    Recv(String),
    /// The body's content encoding is corrupt, unknown, or a decompression bomb (curl's 61).
    #[error("bad content encoding: {0}")]
    Encoding(String),
    /// Bytes after the end of a gzip or deflate stream, a second gzip member included: curl
    /// 7.88 stops there with its write error (23), after writing what came before.
    #[error("failed writing the received data: more bytes after the end of the {0} stream")]
    ExcessData(&'static str),
    /// The body is larger than `--max-filesize` (or the default bound on a decoded body)
    /// (curl's 63).
    #[error("{0}")]
    TooLarge(String),
    /// The body does not match `--checksum` (aria2c's 32; unused by curl).
    #[error("{0}")]
    Checksum(String),
    /// The reader of stdout went away (EPIPE): the broken-pipe rule
    /// ([`crate::exit::closed_stdout`]) makes this a success, as a closed pipe is not an error.
    #[error("stdout was closed")]
    StdoutClosed(#[source] io::Error),
}

impl FetchError {
    /// The curl exit code for this error.
    pub fn exit_code(&self) -> u8 {
        match self {
            FetchError::UnsupportedProtocol(_)
            | FetchError::ProtocolDisabled { .. }
            | FetchError::UnsupportedReply(_) => curl::UNSUPPORTED_PROTOCOL,
            FetchError::Usage(_) => curl::USAGE,
            FetchError::BadUrl { .. } | FetchError::Glob(_) => curl::URL_MALFORMAT,
            FetchError::LoginDenied(_) => curl::LOGIN_DENIED,
            FetchError::ResolveProxy { .. } => curl::COULDNT_RESOLVE_PROXY,
            FetchError::Resolve { .. } => curl::COULDNT_RESOLVE_HOST,
            FetchError::Connect { .. } | FetchError::ProxyScheme(_) => curl::COULDNT_CONNECT,
            FetchError::Interface(_) => curl::INTERFACE_FAILED,
            FetchError::BadReply(_) => curl::WEIRD_SERVER_REPLY,
            FetchError::Partial(_) => curl::PARTIAL_FILE,
            FetchError::HttpStatus { .. } => curl::HTTP_RETURNED_ERROR,
            FetchError::Write { .. } => curl::WRITE_ERROR,
            FetchError::Read { .. } => curl::READ_ERROR,
            FetchError::Timeout(_) => curl::OPERATION_TIMEDOUT,
            FetchError::Checksum(_) => curl::CHECKSUM,
            FetchError::Range(_) => curl::RANGE_ERROR,
            FetchError::Tls(e) => e.exit_code(),
            FetchError::Socks(e) => e.exit_code(),
            FetchError::Option(_) => curl::SETOPT_OPTION_SYNTAX,
            FetchError::BadArgument(_) => curl::BAD_FUNCTION_ARGUMENT,
            FetchError::Redirects(_) => curl::TOO_MANY_REDIRECTS,
            FetchError::EmptyReply => curl::GOT_NOTHING,
            FetchError::Http09 => curl::UNSUPPORTED_PROTOCOL,
            FetchError::Http2(_) => curl::HTTP2,
            FetchError::Http2Stream(_) => curl::HTTP2_STREAM,
            FetchError::Send(_) => curl::SEND_ERROR,
            FetchError::Recv(_) => curl::RECV_ERROR,
            FetchError::Encoding(_) => curl::BAD_CONTENT_ENCODING,
            FetchError::ExcessData(_) => curl::WRITE_ERROR,
            FetchError::TooLarge(_) => curl::FILESIZE_EXCEEDED,
            FetchError::StdoutClosed(_) => common::OK,
        }
    }

    /// What `main` reports for this error: curl's code, and curl's `(CODE)` before the
    /// message, which scripts written against curl look for; none for a closed stdout.
    pub fn failure(&self) -> Option<Failure> {
        let code = self.exit_code();
        Failure::unless_closed_stdout(code, format!("({code}) {self}"), self)
    }

    /// A write error on `path`.
    pub(crate) fn write(path: &Path, err: &io::Error) -> Self {
        FetchError::Write {
            path: path.display().to_string(),
            reason: describe(err),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// fetch keeps curl's codes and curl's `(CODE)` spelling; a closed stdout is no failure.
    #[test]
    fn failures_keep_curls_codes() {
        let err = FetchError::HttpStatus {
            status: 404,
            reason: " Not Found".into(),
        };
        let failure = err.failure().unwrap();
        assert_eq!(failure.code, 22);
        assert_eq!(
            failure.to_string(),
            "sockit: (22) the requested URL returned error: 404 Not Found"
        );
        let closed = FetchError::StdoutClosed(io::ErrorKind::BrokenPipe.into());
        assert_eq!(closed.failure(), None);
    }
}
