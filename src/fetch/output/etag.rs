//! Owns `--etag-save`'s file: the final response's ETag as curl writes it (the value as
//! sent, quotes and all, and a newline; an empty file when there is none), written whole
//! through a temporary file and a rename.

use super::state_file;
use crate::fetch::error::FetchError;
use crate::fetch::http::head::Head;
use std::path::Path;

/// Writes `head`'s ETag to `path`.
pub fn save(path: &Path, head: &Head) -> Result<(), FetchError> {
    let text = head
        .get("etag")
        .map_or_else(String::new, |etag| format!("{etag}\n"));
    state_file::write(path, text.as_bytes())
}
