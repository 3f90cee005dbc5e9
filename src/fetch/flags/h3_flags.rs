//! Defines the HTTP/3 flags with curl's spelling, `--http3`, `--http3-only` and
//! `--alt-svc FILE`, and turns them into what the plan carries.
//!
//! A group of its own, flattened into `FetchArgs`, so that a build without the `http3`
//! feature still knows the flags and can refuse them in one clear line, as curl 7.88 built
//! without HTTP/3 does (its exit 2), instead of calling them unknown.

use super::headings::{CONNECTION, REQUEST};
use crate::fetch::conn::dial::QuicMode;
use crate::fetch::error::FetchError;
use crate::fetch::output::alt_svc::AltSvcCache;
use std::ffi::OsString;
use std::path::PathBuf;
use std::sync::Arc;

/// The HTTP/3 flags.
#[derive(Debug, Clone, Default, clap::Args)]
pub struct H3Flags {
    /// Try HTTP/3 (QUIC) first, falling back to TCP.
    ///
    /// For https:// URLs reached directly: QUIC gets a 200 ms head start, then TCP (HTTP/2
    /// or HTTP/1.1) races it and is used when it connects first or QUIC fails. Needs a
    /// sockit built with the `http3` feature.
    #[arg(help_heading = REQUEST, long = "http3",
        overrides_with_all = ["http10", "http11", "http2", "http2_prior_knowledge", "http3_only"])]
    pub http3: bool,

    /// Speak HTTP/3 (QUIC) only: no fallback to TCP.
    ///
    /// A server that does not finish the QUIC handshake within --connect-timeout is exit
    /// 28, one that cannot be reached at all exit 7. Needs a sockit built with the `http3`
    /// feature.
    #[arg(help_heading = REQUEST, long = "http3-only",
        overrides_with_all = ["http10", "http11", "http2", "http2_prior_knowledge", "http3"])]
    pub http3_only: bool,

    /// Read and update curl's alt-svc cache in FILE.
    ///
    /// Every HTTPS response's Alt-Svc header is recorded (curl's file format, written
    /// atomically at the end); with an `http3` build, an h3 alternative for the origin
    /// sends the next request over QUIC, falling back to TCP as --http3 does. An empty
    /// FILE turns the cache off, as in curl.
    #[arg(help_heading = CONNECTION, long = "alt-svc", value_name = "FILE",
          value_parser = clap::value_parser!(OsString))]
    pub alt_svc: Option<OsString>,
}

impl H3Flags {
    /// The run's alt-svc cache, read from `--alt-svc`'s file; none without the flag or
    /// with an empty name.
    pub fn alt_svc_cache(&self) -> Result<Option<Arc<AltSvcCache>>, FetchError> {
        match &self.alt_svc {
            Some(path) if !path.is_empty() => {
                let cache = AltSvcCache::load(PathBuf::from(path))?;
                Ok(Some(Arc::new(cache)))
            }
            _ => Ok(None),
        }
    }

    /// Whether QUIC goes first; without the `http3` feature either flag is curl's "not
    /// supported by this build" (exit 2).
    pub fn quic_mode(&self) -> Result<QuicMode, FetchError> {
        let mode = match (self.http3, self.http3_only) {
            (_, true) => QuicMode::Only,
            (true, false) => QuicMode::Try,
            (false, false) => return Ok(QuicMode::Off),
        };
        if cfg!(feature = "http3") {
            return Ok(mode);
        }
        let flag = match mode {
            QuicMode::Only => "--http3-only",
            _ => "--http3",
        };
        Err(FetchError::Usage(format!(
            "option {flag}: this sockit is built without HTTP/3 (build it with \
             `cargo build --release --features http3`)"
        )))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// `--http3-only` wins over `--http3` when both are set; none is TCP; without the
    /// feature either one is refused with exit 2.
    #[test]
    fn the_flags_choose_the_quic_mode() {
        let none = H3Flags::default();
        assert_eq!(none.quic_mode().unwrap(), QuicMode::Off);
        let only = H3Flags {
            http3_only: true,
            ..H3Flags::default()
        };
        let try_first = H3Flags {
            http3: true,
            ..H3Flags::default()
        };
        if cfg!(feature = "http3") {
            assert_eq!(only.quic_mode().unwrap(), QuicMode::Only);
            assert_eq!(try_first.quic_mode().unwrap(), QuicMode::Try);
        } else {
            let refused = try_first.quic_mode().unwrap_err();
            assert_eq!(refused.exit_code(), 2);
            assert!(refused.to_string().starts_with("option --http3: "));
            assert!(only
                .quic_mode()
                .unwrap_err()
                .to_string()
                .contains("--http3-only"));
        }
    }
}
