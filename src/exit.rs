//! Owns how every subcommand ends: the exit codes, one table per subcommand, and the one
//! `sockit: ...` line printed for a failure.
//!
//! Errors stay typed where they arise ([`ClientError`], [`FetchError`], the server's
//! [`ConfigError`](crate::server::ConfigError)); this module alone turns them into a process
//! exit, as ripgrep's and xh's `main` do. A closed stdout (the reader of a pipe went away, as
//! in `sockit bench --json | true`) is not a failure: the work was done, nobody is listening,
//! so the subcommand ends quietly with 0.
//!
//! | subcommand | codes |
//! |---|---|
//! | every one | 0 done, 1 could not start or write its output, 2 usage (a bad flag or flag value) |
//! | `serve` | 1 cannot listen or failed while running, 2 a configuration that cannot work (`--max-connections 0`, a `tls:` listener without a usable certificate and key), 130 a second SIGINT/SIGTERM |
//! | `client` | curl's: 1 the server sent `ERR`, 6 cannot resolve, 7 cannot connect, 28 timed out, 35 TLS handshake failed, 56 the connection failed or closed early, 58 a bad client certificate file, 60 the server's certificate is not trusted, 77 a bad `--cacert` file |
//! | `fetch` | curl's, see [`FetchError::exit_code`] |
//! | `bench` | 1 a reply was wrong, missing or late, a connection failed, or the run could not start |

use crate::client::ClientError;
use crate::fetch::FetchError;
use crate::net::tls::TlsError;
use crate::net::ConnectError;
use std::fmt;
use std::io;
use std::process::ExitCode;

/// Codes every subcommand shares.
pub mod common {
    /// The work was done.
    pub const OK: u8 = 0;
    /// The subcommand could not start (no async runtime) or write what it generated.
    pub const FAILED: u8 = 1;
    /// The command line cannot be acted on (clap's own code for a bad flag).
    pub const USAGE: u8 = 2;
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
    /// The server sent an `ERR` line.
    pub const SERVER_ERR: u8 = 1;
    /// A name cannot be sent (it holds a newline).
    pub const BAD_NAME: u8 = super::common::USAGE;
    /// The host name does not resolve (curl's 6).
    pub const RESOLVE: u8 = 6;
    /// No address accepted the connection (curl's 7).
    pub const CONNECT: u8 = 7;
    /// Connecting or a reply took longer than `--timeout` (curl's 28).
    pub const TIMEOUT: u8 = 28;
    /// The connection failed or closed before the replies came (curl's 56).
    pub const RECV: u8 = 56;
    /// The TLS handshake failed (curl's 35).
    pub const TLS_HANDSHAKE: u8 = 35;
    /// A `--tls-cert` or `--tls-key` file cannot be used (curl's 58).
    pub const CLIENT_CERTIFICATE: u8 = 58;
    /// The server's certificate is not trusted (curl's 60).
    pub const CERTIFICATE: u8 = 60;
    /// The `--cacert` file cannot be used (curl's 77).
    pub const CA_FILE: u8 = 77;
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

    /// `sockit serve`'s failure for an error from building or running the server.
    pub fn serve(err: &anyhow::Error) -> Option<Self> {
        if closed_stdout(err) {
            return None;
        }
        let code = if err.downcast_ref::<crate::server::ConfigError>().is_some() {
            serve::BAD_CONFIG
        } else {
            serve::CANNOT_LISTEN
        };
        Some(Failure::new(code, format!("{err:#}")))
    }

    /// `sockit client`'s failure for `err`.
    pub fn client(err: &ClientError) -> Option<Self> {
        let code = match err {
            ClientError::Io(e) if e.kind() == io::ErrorKind::BrokenPipe => return None,
            ClientError::Connect(ConnectError::Resolve { .. }) => client::RESOLVE,
            ClientError::Connect(ConnectError::Connect { .. }) => client::CONNECT,
            ClientError::Connect(ConnectError::Timeout { .. }) | ClientError::Timeout(_) => {
                client::TIMEOUT
            }
            ClientError::Server(_) => client::SERVER_ERR,
            ClientError::BadName(_) => client::BAD_NAME,
            // TLS 1.3 lets the client finish its handshake before the server checks the
            // client's certificate, so a refusal arrives as an alert on the first read.
            ClientError::Io(e) if is_tls_alert(e) => client::TLS_HANDSHAKE,
            ClientError::Closed | ClientError::Io(_) => client::RECV,
            ClientError::Tls(e) => tls_code(e),
        };
        Some(Failure::new(code, err.to_string()))
    }

    /// `sockit fetch`'s failure for `err`: curl's code, and curl's `(CODE)` before the
    /// message, which scripts written against curl look for.
    pub fn fetch(err: &FetchError) -> Option<Self> {
        match err {
            FetchError::StdoutClosed => None,
            err => {
                let code = err.exit_code();
                Some(Failure::new(code, format!("({code}) {err}")))
            }
        }
    }

    /// `sockit bench`'s failure for an error from the run.
    pub fn bench(err: &anyhow::Error) -> Option<Self> {
        (!closed_stdout(err)).then(|| Failure::new(bench::FAILED, format!("{err:#}")))
    }
}

impl fmt::Display for Failure {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "sockit: {}", self.message)
    }
}

/// How a subcommand ended: done (`None`) or a failure to report.
pub fn report(failure: Option<Failure>) -> ExitCode {
    match failure {
        None => ExitCode::from(common::OK),
        Some(failure) => {
            eprintln!("{failure}");
            ExitCode::from(failure.code)
        }
    }
}

/// How a subcommand ended, without a word on stderr (`fetch -s`).
pub fn silently(failure: Option<Failure>) -> ExitCode {
    ExitCode::from(failure.map_or(common::OK, |failure| failure.code))
}

/// Ends the process at once with `code`, for the one place that cannot return to `main`:
/// the second shutdown signal, which must not wait for anything.
pub fn now(code: u8) -> ! {
    std::process::exit(i32::from(code))
}

/// The client's code for a TLS failure: curl's numbers, as fetch uses them.
fn tls_code(err: &TlsError) -> u8 {
    match err {
        TlsError::ClientCertificate { .. } => client::CLIENT_CERTIFICATE,
        TlsError::Fetch(FetchError::Certificate { .. }) => client::CERTIFICATE,
        TlsError::Fetch(FetchError::CaFile { .. }) => client::CA_FILE,
        TlsError::Fetch(_) => client::TLS_HANDSHAKE,
        TlsError::NotTcp(_) => common::USAGE,
    }
}

/// Whether a read failed because the TLS peer sent a fatal alert.
fn is_tls_alert(err: &io::Error) -> bool {
    let tls = err
        .get_ref()
        .and_then(|e| e.downcast_ref::<rustls::Error>());
    matches!(tls, Some(rustls::Error::AlertReceived(_)))
}

/// Whether `err` is, somewhere in its chain, a write to a pipe whose reader went away.
fn closed_stdout(err: &anyhow::Error) -> bool {
    err.chain().any(|cause| {
        cause
            .downcast_ref::<io::Error>()
            .is_some_and(|e| e.kind() == io::ErrorKind::BrokenPipe)
    })
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

    /// A broken pipe anywhere in an error's chain ends the subcommand as done.
    #[test]
    fn a_closed_stdout_is_not_a_failure() {
        let pipe = anyhow::Error::from(io::Error::from(io::ErrorKind::BrokenPipe))
            .context("cannot write the report");
        assert_eq!(Failure::bench(&pipe), None);
        assert_eq!(Failure::serve(&pipe), None);
        let pipe = ClientError::Io(io::ErrorKind::BrokenPipe.into());
        assert_eq!(Failure::client(&pipe), None);
        assert_eq!(Failure::fetch(&FetchError::StdoutClosed), None);
    }

    /// A configuration error is usage (2); a bind failure is 1.
    #[test]
    fn serve_tells_configuration_from_listening() {
        let config = anyhow::Error::from(crate::server::ConfigError::NoConnections);
        assert_eq!(Failure::serve(&config).unwrap().code, 2);
        let bind = anyhow::anyhow!("cannot listen on 127.0.0.1:1: permission denied");
        let failure = Failure::serve(&bind).unwrap();
        assert_eq!(failure.code, 1);
        assert_eq!(
            failure.to_string(),
            "sockit: cannot listen on 127.0.0.1:1: permission denied"
        );
    }

    /// fetch keeps curl's codes and curl's `(CODE)` spelling.
    #[test]
    fn fetch_keeps_curls_codes() {
        let err = FetchError::HttpStatus {
            status: 404,
            reason: " Not Found".into(),
        };
        let failure = Failure::fetch(&err).unwrap();
        assert_eq!(failure.code, 22);
        assert!(
            failure.to_string().starts_with("sockit: (22) "),
            "{failure}"
        );
    }
}
