//! Defines `-z/--time-cond` with curl's spelling (its `///` doc is the `--help` text), and
//! reads its argument as curl does: a sign for the kind, then a date in curl's syntax, or
//! else a file whose mtime is the date, or else a warning and no condition at all.

use super::headings::REQUEST;
use crate::fetch::http::curl_date;
use crate::fetch::http::time_cond::{TimeCond, TimeKind};
use clap::Args;
use std::path::Path;
use std::time::UNIX_EPOCH;

/// The time condition flag.
#[derive(Debug, Clone, Default, Args)]
pub struct TimeCondFlags {
    /// Fetch only if modified since TIME, a date or a file's mtime.
    ///
    /// Sends If-Modified-Since (`+TIME` too), If-Unmodified-Since for `-TIME`, or a
    /// Last-Modified header for `=TIME`. TIME is a date in curl's syntax (`Sun, 06 Nov 1994
    /// 08:49:37 GMT`, `20211231`, `Wed 01 Sep 2021 12:18:00` ...) or else a file whose
    /// modification time is taken. A 304, or a document that fails the condition, writes
    /// nothing and leaves an existing output file as it was (exit 0).
    #[arg(help_heading = REQUEST, short = 'z', long = "time-cond", value_name = "TIME",
          allow_hyphen_values = true)]
    pub time_cond: Option<String>,
}

impl TimeCondFlags {
    /// The condition `-z` sets; none without it, or (with curl's warning unless `silent`)
    /// when its TIME is neither a date nor a file.
    pub fn condition(&self, silent: bool) -> Option<TimeCond> {
        let arg = self.time_cond.as_deref()?;
        let (kind, text) = match arg.as_bytes().first() {
            Some(b'+') => (TimeKind::Modified, &arg[1..]),
            Some(b'-') => (TimeKind::Unmodified, &arg[1..]),
            Some(b'=') => (TimeKind::LastModified, &arg[1..]),
            _ => (TimeKind::Modified, arg),
        };
        let Some(at) = curl_date::parse(text).or_else(|| mtime(Path::new(text))) else {
            if !silent {
                eprintln!(
                    "sockit: warning: illegal date format for -z, --time-cond (and not a file \
                     name); no time condition"
                );
            }
            return None;
        };
        Some(TimeCond { kind, at })
    }
}

/// `path`'s modification time in seconds since the epoch.
fn mtime(path: &Path) -> Option<i64> {
    let modified = std::fs::metadata(path).ok()?.modified().ok()?;
    Some(match modified.duration_since(UNIX_EPOCH) {
        Ok(after) => i64::try_from(after.as_secs()).ok()?,
        Err(before) => -i64::try_from(before.duration().as_secs()).ok()?,
    })
}
