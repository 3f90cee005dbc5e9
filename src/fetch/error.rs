//! Owns [`FetchError`], every way a fetch can fail, and the curl exit code each one maps to.
//!
//! Scripts written against curl test its exit codes, so each variant carries the kind that
//! picks curl's number (`exit_code`), and its `Display` is the one line a user sees after
//! `sockit: (CODE) `. Messages name what failed and on what (host, port, path).

pub(crate) use crate::net::describe;
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
    /// No address of the host accepted a connection (curl's 7).
    #[error("cannot connect to {host} port {port}: {reason}")]
    Connect {
        /// The host as written in the URL.
        host: String,
        /// The port.
        port: u16,
        /// The last connect error.
        reason: String,
    },
    /// The server's reply breaks HTTP/1.1 framing (curl's 8).
    #[error("weird server reply: {0}")]
    BadReply(String),
    /// The server closed the connection without sending anything (curl's 52).
    #[error("empty reply from server")]
    EmptyReply,
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
    /// The TLS handshake failed for a reason other than the certificate (curl's 35).
    #[error("TLS handshake with {host} failed: {reason}")]
    Tls {
        /// The host.
        host: String,
        /// The TLS error.
        reason: String,
    },
    /// `-L` met a loop or more than `--max-redirs` redirects (curl's 47).
    #[error("{0}")]
    Redirects(String),
    /// Sending the request failed (curl's 55).
    #[error("failure sending the request: {0}")]
    Send(String),
    /// Receiving from the server failed (curl's 56).
    #[error("failure receiving data: {0}")]
    Recv(String),
    /// The server's certificate did not verify (curl's 60).
    #[error("certificate verification failed for {host}: {reason}")]
    Certificate {
        /// The host.
        host: String,
        /// Why it failed.
        reason: String,
    },
    /// The body's content encoding is corrupt, unknown, or a decompression bomb (curl's 61).
    #[error("bad content encoding: {0}")]
    Encoding(String),
    /// The body is larger than `--max-filesize` (or the default bound on a decoded body)
    /// (curl's 63).
    #[error("{0}")]
    TooLarge(String),
    /// The body does not match `--checksum` (aria2c's 32; unused by curl).
    #[error("{0}")]
    Checksum(String),
    /// The reader of stdout went away (EPIPE); [`crate::fetch::run`] turns this into
    /// success, as a closed pipe is not an error.
    #[error("stdout was closed")]
    StdoutClosed,
    /// `--cacert` does not hold usable certificates (curl's 77).
    #[error("cannot use CA file {path}: {reason}")]
    CaFile {
        /// The file.
        path: String,
        /// What is wrong with it.
        reason: String,
    },
}

impl FetchError {
    /// The curl exit code for this error.
    pub fn exit_code(&self) -> u8 {
        match self {
            FetchError::UnsupportedProtocol(_) => 1,
            FetchError::Usage(_) => 2,
            FetchError::BadUrl { .. } => 3,
            FetchError::ResolveProxy { .. } => 5,
            FetchError::Resolve { .. } => 6,
            FetchError::Connect { .. } => 7,
            FetchError::BadReply(_) => 8,
            FetchError::Partial(_) => 18,
            FetchError::HttpStatus { .. } => 22,
            FetchError::Write { .. } => 23,
            FetchError::Read { .. } => 26,
            FetchError::Timeout(_) => 28,
            FetchError::Checksum(_) => 32,
            FetchError::Range(_) => 33,
            FetchError::Tls { .. } => 35,
            FetchError::Redirects(_) => 47,
            FetchError::EmptyReply => 52,
            FetchError::Send(_) => 55,
            FetchError::Recv(_) => 56,
            FetchError::Certificate { .. } => 60,
            FetchError::Encoding(_) => 61,
            FetchError::TooLarge(_) => 63,
            FetchError::CaFile { .. } => 77,
            FetchError::StdoutClosed => 0,
        }
    }

    /// A write error on `path`.
    pub(crate) fn write(path: &Path, err: &io::Error) -> Self {
        FetchError::Write {
            path: path.display().to_string(),
            reason: describe(err),
        }
    }
}
