//! Owns the run's `--alt-svc` cache: read from its file at the start, every HTTPS
//! response's `Alt-Svc` header recorded into it (`-Z` fetches too), asked for an HTTP/3
//! alternative before a connection is made, and written back at the end, whole or not at
//! all (`state_file.rs`), as curl writes its cache through a temporary file and a rename.
//!
//! A file that does not exist yet is an empty cache, as in curl; the rules and the file's
//! text are `http/alt_svc.rs`'s.

use super::cookies::now;
use super::state_file;
use crate::fetch::error::FetchError;
use crate::fetch::http::alt_svc::{Alpn, AltSvc};
use crate::fetch::http::head::Head;
use std::path::PathBuf;
use std::sync::Mutex;
use url::Url;

/// The alt-svc cache of one run.
#[derive(Debug)]
pub struct AltSvcCache {
    cache: Mutex<AltSvc>,
    /// The file it was read from and is written to.
    path: PathBuf,
}

/// Where an alternative sends a request: a host and port, over HTTP/3.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct H3Alternative {
    /// The host to connect to (the TLS name stays the URL's).
    pub host: String,
    /// The UDP port.
    pub port: u16,
}

impl AltSvcCache {
    /// The cache in `path` (empty when the file does not exist); an unreadable file is
    /// curl's 26.
    pub fn load(path: PathBuf) -> Result<Self, FetchError> {
        let cache = match std::fs::read(&path) {
            Ok(bytes) => AltSvc::parse_file(&String::from_utf8_lossy(&bytes)),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => AltSvc::default(),
            Err(e) => {
                return Err(FetchError::Read {
                    path: path.display().to_string(),
                    reason: crate::fetch::error::describe(&e),
                })
            }
        };
        Ok(AltSvcCache {
            cache: Mutex::new(cache),
            path,
        })
    }

    /// Records the `Alt-Svc` headers of `head`, the response to `url` (https only, as
    /// curl).
    pub fn take_from(&self, head: &Head, url: &Url) {
        if url.scheme() != "https" {
            return;
        }
        let (Some(host), Some(port)) = (url.host_str(), url.port_or_known_default()) else {
            return;
        };
        let alpn = Alpn::of_version(head.version);
        let now = now();
        let mut cache = self.lock();
        for value in head.values("alt-svc") {
            cache.take_header(&String::from_utf8_lossy(value), alpn, host, port, now);
        }
    }

    /// The HTTP/3 alternative for `url`'s origin (https only), when the alternative curl
    /// would pick for it is one. The lookup is made whether or not this build speaks
    /// HTTP/3 (`h3` says), as curl makes it, since it also forgets expired entries.
    pub fn h3_for(&self, url: &Url, h3: bool) -> Option<H3Alternative> {
        if url.scheme() != "https" {
            return None;
        }
        let host = url.host_str()?.trim_matches(['[', ']']);
        let port = url.port_or_known_default()?;
        let allowed: &[Alpn] = match h3 {
            true => &[Alpn::H1, Alpn::H2, Alpn::H3],
            false => &[Alpn::H1, Alpn::H2],
        };
        let hit = self.lock().lookup(host, port, allowed, now())?;
        (hit.dst.alpn == Alpn::H3).then_some(H3Alternative {
            host: hit.dst.host,
            port: hit.dst.port,
        })
    }

    /// Writes the cache back to its file, atomically.
    pub fn save(&self) -> Result<(), FetchError> {
        let text = self.lock().file_text();
        state_file::write(&self.path, text.as_bytes())
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, AltSvc> {
        self.cache
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }
}
