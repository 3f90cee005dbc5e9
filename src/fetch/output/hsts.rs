//! Owns the run's `--hsts` cache: read from its file at the start, asked before every
//! request whether an `http://` URL (a redirect's too) must go to https instead, fed every
//! `Strict-Transport-Security` header received over https, and written back at the end,
//! whole or not at all (`state_file.rs`).
//!
//! As in curl 7.88, a file that is absent or cannot be read is an empty cache, an empty
//! FILE keeps the cache for the run without reading or writing a file, and a cache that
//! cannot be saved does not fail the run (curl says nothing and exits 0; sockit warns,
//! unless `-s`). The rules and the file's text are `http/hsts.rs`'s.

use super::cookies::now;
use super::state_file;
use crate::fetch::http::head::Head;
use crate::fetch::http::hsts::Hsts;
use std::path::PathBuf;
use std::sync::Mutex;
use url::{Host, Url};

/// The HSTS cache of one run.
#[derive(Debug)]
pub struct HstsCache {
    cache: Mutex<Hsts>,
    /// The file it was read from and is written to; none for `--hsts ""`.
    path: Option<PathBuf>,
    /// Whether a cache that cannot be saved is said on stderr (not under `-s`).
    warn: bool,
}

impl HstsCache {
    /// The cache in `path` (none: a cache without a file), empty when the file cannot be
    /// read, as in curl.
    pub fn load(path: Option<PathBuf>, warn: bool) -> Self {
        let cache = match path.as_deref().map(std::fs::read) {
            Some(Ok(bytes)) => Hsts::parse_file(&String::from_utf8_lossy(&bytes), now()),
            _ => Hsts::default(),
        };
        HstsCache {
            cache: Mutex::new(cache),
            path,
            warn,
        }
    }

    /// Switches `url` from http to https when its host has a live entry (its own, or a
    /// parent's with includeSubDomains); whether it did. Only the scheme changes, as in
    /// curl: a port given stays, none given is https's 443.
    pub fn upgrade(&self, url: &mut Url) -> bool {
        if url.scheme() != "http" {
            return false;
        }
        let Some(host) = url
            .host_str()
            .map(|h| h.trim_matches(['[', ']']).to_owned())
        else {
            return false;
        };
        self.lock().upgrades(&host, now()) && url.set_scheme("https").is_ok()
    }

    /// Takes the `Strict-Transport-Security` headers of `head`, the response to `url`:
    /// over https to a host name only (never an IP address, RFC 6797 section 8.1.1). False
    /// when one of them was ignored, as curl ignores a malformed one.
    pub fn take_from(&self, head: &Head, url: &Url) -> bool {
        let (true, Some(Host::Domain(host))) = (url.scheme() == "https", url.host()) else {
            return true;
        };
        let now = now();
        let mut cache = self.lock();
        let mut all_taken = true;
        for value in head.values("strict-transport-security") {
            all_taken &= cache.take_header(&String::from_utf8_lossy(value), host, now);
        }
        all_taken
    }

    /// Writes the cache back to its file, atomically; a failure is a warning, not an
    /// error, as curl carries on without its cache file.
    pub fn save(&self) {
        let Some(path) = &self.path else {
            return;
        };
        let text = self.lock().file_text();
        if let Err(e) = state_file::write(path, text.as_bytes()) {
            if self.warn {
                eprintln!("sockit: warning: the HSTS cache is not saved: {e}");
            }
        }
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Hsts> {
        self.cache
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A head of `lines` (after the status line).
    fn head(lines: &str) -> Head {
        use crate::fetch::http::head::{parse, Parsed};
        let raw = format!("HTTP/1.1 200 OK\r\n{lines}\r\n");
        let Ok(Parsed::Complete(head, _)) = parse(raw.as_bytes()) else {
            panic!("a complete head")
        };
        head
    }

    /// Learnt over https, the entry upgrades an http URL of the host and its subdomains
    /// (ports kept, 443 where none was given); learnt over http or from an IP address, it
    /// is not learnt at all.
    #[test]
    fn learns_over_https_only_and_upgrades_http() {
        let cache = HstsCache::load(None, false);
        let sts = head("Strict-Transport-Security: max-age=60; includeSubDomains\r\n");
        for ignored in ["http://a.test/", "https://127.0.0.1/", "https://[::1]/"] {
            assert!(cache.take_from(&sts, &Url::parse(ignored).unwrap()));
        }
        let mut url = Url::parse("http://a.test/x").unwrap();
        assert!(!cache.upgrade(&mut url));
        assert!(cache.take_from(&sts, &Url::parse("https://a.test:8443/").unwrap()));
        assert!(cache.upgrade(&mut url));
        assert_eq!(url.as_str(), "https://a.test/x");
        let mut sub = Url::parse("http://www.a.test:8080/y?q").unwrap();
        assert!(cache.upgrade(&mut sub));
        assert_eq!(sub.as_str(), "https://www.a.test:8080/y?q");
        let bad = head("Strict-Transport-Security: max-age=1; max-age=2\r\n");
        assert!(!cache.take_from(&bad, &Url::parse("https://b.test/").unwrap()));
    }

    /// An absent file and a directory are empty caches; a cache that cannot be written
    /// leaves the run alone, and one that can is written whole, in curl's format.
    #[test]
    fn unreadable_files_start_empty_and_save_writes_curls_format() {
        let dir = tempfile::tempdir().unwrap();
        let cache = HstsCache::load(Some(dir.path().to_path_buf()), false);
        assert!(cache.lock().entries.is_empty());
        cache.save();
        assert!(dir.path().is_dir());
        let path = dir.path().join("hsts");
        let cache = HstsCache::load(Some(path.clone()), false);
        let sts = head("Strict-Transport-Security: max-age=99999999999999999999\r\n");
        cache.take_from(&sts, &Url::parse("https://A.test./").unwrap());
        cache.save();
        let text = std::fs::read_to_string(&path).unwrap();
        assert!(text.starts_with("# Your HSTS cache. https://curl.se/docs/hsts.html\n"));
        assert!(text.ends_with("\na.test \"unlimited\"\n"), "{text}");
        assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 1);
    }
}
