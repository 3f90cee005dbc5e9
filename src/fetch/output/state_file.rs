//! Owns writing the small files fetch keeps between runs (`-c`'s cookie jar, and the like):
//! whole or not at all.
//!
//! curl rewrites them in place, so a run killed while writing leaves a cut jar that the next
//! run reads as fewer cookies. Here the text goes to a temporary file beside the target,
//! is synced, and is renamed over it: a reader sees the old file or the new one.

use super::file;
use crate::fetch::error::FetchError;
use std::io::Write;
use std::path::Path;

/// Replaces `path`'s contents with `text` atomically.
pub fn write(path: &Path, text: &[u8]) -> Result<(), FetchError> {
    let temporary = file::beside(path, &format!(".{}.tmp", std::process::id()));
    let written = std::fs::File::create(&temporary).and_then(|mut file| {
        file.write_all(text)?;
        file.sync_all()
    });
    let renamed = written.and_then(|()| std::fs::rename(&temporary, path));
    renamed.map_err(|e| {
        let _ = std::fs::remove_file(&temporary);
        FetchError::write(path, &e)
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The file is replaced whole and no temporary file is left beside it.
    #[test]
    fn replaces_the_file_and_leaves_nothing_else() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("jar");
        std::fs::write(&path, "old").unwrap();
        write(&path, b"new text").unwrap();
        assert_eq!(std::fs::read(&path).unwrap(), b"new text");
        assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 1);
    }

    /// A directory that does not exist is a write error (23), with nothing left behind.
    #[test]
    fn a_missing_directory_is_a_write_error() {
        let dir = tempfile::tempdir().unwrap();
        let err = write(&dir.path().join("no/jar"), b"x").unwrap_err();
        assert_eq!(err.exit_code(), 23);
    }
}
