//! Defines `--etag-save` and `--etag-compare` with curl's spellings (`///` docs are the
//! `--help` text), and reads the ETag a compare file holds into the `If-None-Match` line
//! curl sends for it.

use super::file_arg::read_all;
use super::headings::{OUTPUT, REQUEST};
use crate::fetch::error::FetchError;
use crate::fetch::http::request::HeaderEdit;
use clap::Args;
use std::path::PathBuf;

/// The flags of a download cached by its ETag.
#[derive(Debug, Clone, Default, Args)]
pub struct EtagFlags {
    /// Write the response's ETag to FILE (an empty FILE when there is none).
    ///
    /// The quoted value and a newline, as curl writes it; written whole through a temporary
    /// file and a rename.
    #[arg(help_heading = OUTPUT, long = "etag-save", value_name = "FILE")]
    pub etag_save: Option<PathBuf>,

    /// Send If-None-Match with the ETag FILE holds.
    ///
    /// An empty FILE sends `""`; a missing one is an error (exit 26), as in curl. A 304 then
    /// leaves the output untouched.
    #[arg(help_heading = REQUEST, long = "etag-compare", value_name = "FILE")]
    pub etag_compare: Option<String>,
}

impl EtagFlags {
    /// The `If-None-Match` header `--etag-compare` asks for, its file read; none without it.
    pub fn if_none_match(&self) -> Result<Option<HeaderEdit>, FetchError> {
        let Some(path) = &self.etag_compare else {
            return Ok(None);
        };
        let text = read_all(path)?;
        Ok(Some(HeaderEdit::Send {
            name: "If-None-Match".into(),
            line: format!("If-None-Match: {}", etag_value(&text)),
        }))
    }
}

/// The value curl sends for a compare file's bytes: its lines joined without their line
/// ends, or `""` for an empty file.
fn etag_value(text: &[u8]) -> String {
    let joined: String = String::from_utf8_lossy(text)
        .chars()
        .filter(|c| !matches!(c, '\r' | '\n'))
        .collect();
    if joined.is_empty() {
        "\"\"".into()
    } else {
        joined
    }
}

#[cfg(test)]
mod tests {
    use super::etag_value;

    /// A compare file's line ends are dropped and its lines joined, as curl reads it.
    #[test]
    fn line_ends_are_dropped() {
        assert_eq!(etag_value(b"\"abc\"\r\nmore\n"), "\"abc\"more");
    }

    /// An empty compare file sends the empty quoted ETag, as curl does.
    #[test]
    fn an_empty_file_is_the_empty_etag() {
        assert_eq!(etag_value(b""), "\"\"");
        assert_eq!(etag_value(b"\n"), "\"\"");
    }
}
