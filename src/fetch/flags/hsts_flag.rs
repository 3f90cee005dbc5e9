//! Defines `--hsts FILE` with curl's spelling (its `///` doc is the `--help` text), and
//! turns it into the run's HSTS cache (`output/hsts.rs`).

use super::headings::TLS;
use crate::fetch::output::hsts::HstsCache;
use clap::Args;
use std::ffi::OsString;
use std::path::PathBuf;
use std::sync::Arc;

/// The HSTS flag.
#[derive(Debug, Clone, Default, Args)]
pub struct HstsFlags {
    /// Use and update curl's HSTS cache in FILE (http:// goes https).
    ///
    /// A host the cache names (or a parent named with includeSubDomains) is reached over
    /// https even when the URL or a redirect says http://, before any connection is made
    /// (port 443 unless the URL gives one). Every Strict-Transport-Security header
    /// received over https to a host name updates the cache, which is written back at the
    /// end in curl's file format, atomically. A missing or unreadable FILE starts empty;
    /// an empty FILE keeps the cache for this run only, as in curl.
    #[arg(help_heading = TLS, long = "hsts", value_name = "FILE",
          value_parser = clap::value_parser!(OsString))]
    pub hsts: Option<OsString>,
}

impl HstsFlags {
    /// The run's HSTS cache, read from `--hsts`'s file; none without the flag. `warn`: a
    /// cache that cannot be saved is said on stderr.
    pub fn cache(&self, warn: bool) -> Option<Arc<HstsCache>> {
        let path = self.hsts.as_ref()?;
        let file = (!path.is_empty()).then(|| PathBuf::from(path));
        Some(Arc::new(HstsCache::load(file, warn)))
    }
}
