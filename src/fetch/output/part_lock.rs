//! Owns a download's claim on its `FILE.part`: an exclusive lock held for the whole run,
//! so two downloads to one `-o FILE` (two processes, or `-Z -o same URL1 -o same URL2`)
//! never write into the same temporary file.
//!
//! Without it the second run finished and renamed `FILE.part` to FILE while the first kept
//! writing into the renamed, delivered file (issue 17). The name stays `FILE.part`, so
//! `-C -` still finds what an interrupted run left; the lock (`flock`, released by the
//! kernel when the process ends, however it ends) only says that a run is writing it now.
//! The second run is refused at once with a clear error (curl's 23) rather than waiting.

use super::file;
use crate::fetch::error::FetchError;
use rustix::fs::{flock, FlockOperation};
use std::fs::{self, File, OpenOptions};
use std::os::unix::fs::MetadataExt;
use std::path::{Path, PathBuf};

/// How often a claim is tried again when `FILE.part` was renamed (its download finished)
/// between opening and locking it.
const TRIES: usize = 8;

/// The lock on one `FILE.part`, released when dropped.
#[derive(Debug)]
pub struct PartLock {
    /// Holds the lock.
    file: File,
    part: PathBuf,
    /// `FILE.part` did not exist before this run claimed it.
    created: bool,
    /// No handle for writing has been given out yet.
    untouched: std::cell::Cell<bool>,
}

impl PartLock {
    /// Claims `path`'s `.part` file, creating it empty when there is none; None for a
    /// device, FIFO or socket, which has no `.part` file. A FILE the download must not
    /// replace is refused first ([`file::check_replaceable`]), before a `.part` is made.
    pub fn claim(path: &Path) -> Result<Option<Self>, FetchError> {
        if file::check_replaceable(path)? == file::Found::Special {
            return Ok(None);
        }
        let part = file::part_path(path);
        let busy = || FetchError::Write {
            path: part.display().to_string(),
            reason: "another download is writing it (the same output twice at once?)".into(),
        };
        for _ in 0..TRIES {
            let (file, created) =
                open_or_create(&part).map_err(|e| FetchError::write(&part, &e))?;
            match flock(&file, FlockOperation::NonBlockingLockExclusive) {
                Ok(()) => {}
                Err(rustix::io::Errno::WOULDBLOCK) => return Err(busy()),
                Err(e) => return Err(FetchError::write(&part, &e.into())),
            }
            if names(&part, &file) {
                return Ok(Some(PartLock {
                    file,
                    part,
                    created,
                    untouched: std::cell::Cell::new(true),
                }));
            }
        }
        Err(busy())
    }

    /// A second handle on the claimed `.part` file, for the body to be written through
    /// (`Output::claimed`), and whether the file is new and no handle was given out before
    /// (so it is empty, at offset 0); None where the system has no descriptor to spare.
    pub fn handle(&self) -> Option<(File, bool)> {
        let file = self.file.try_clone().ok()?;
        Some((file, self.created && self.untouched.replace(false)))
    }

    /// After a failed run: removes `FILE.part` when this run created it and left nothing
    /// in it, so a failure before any byte arrived leaves no empty file behind.
    pub fn drop_if_unused(self) {
        let empty = self.file.metadata().is_ok_and(|m| m.len() == 0);
        if self.created && empty && names(&self.part, &self.file) {
            // Gone already is as good.
            let _ = fs::remove_file(&self.part);
        }
    }
}

/// Opens `part` for reading and writing, creating it if there is none; true when this call
/// created it. One `open` in the usual case, where the name is free: the exclusive create
/// both makes the file and says that it was not there (no `stat` before it).
fn open_or_create(part: &Path) -> std::io::Result<(File, bool)> {
    let mut options = OpenOptions::new();
    options.read(true).write(true);
    match options.clone().create_new(true).open(part) {
        Ok(file) => Ok((file, true)),
        // Something has the name (a .part file to continue, or a link to follow).
        Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => options
            .create(true)
            .truncate(false)
            .open(part)
            .map(|file| (file, false)),
        Err(e) => Err(e),
    }
}

/// Whether `part` is still the name of `file` (not renamed away, nor replaced).
fn names(part: &Path, file: &File) -> bool {
    match (fs::metadata(part), file.metadata()) {
        (Ok(named), Ok(held)) => named.dev() == held.dev() && named.ino() == held.ino(),
        _ => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Issue 17: a second claim on the same `.part` file is refused while the first holds
    /// it, and succeeds once it is released.
    #[test]
    fn one_claim_at_a_time() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("f");
        let first = PartLock::claim(&path).unwrap().unwrap();
        let err = PartLock::claim(&path).unwrap_err();
        assert!(err.to_string().contains("another download"), "{err}");
        first.drop_if_unused();
        assert!(
            !dir.path().join("f.part").exists(),
            "the empty claim is gone"
        );
        assert!(PartLock::claim(&path).unwrap().is_some());
    }

    /// Once a run renamed its `.part` file to FILE, the name is free for the next run,
    /// which claims a new file, never the delivered one.
    #[test]
    fn a_delivered_part_file_frees_the_name() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("f");
        let first = PartLock::claim(&path).unwrap().unwrap();
        fs::rename(dir.path().join("f.part"), &path).unwrap();
        let second = PartLock::claim(&path).unwrap().unwrap();
        assert!(names(&dir.path().join("f.part"), &second.file));
        assert!(!names(&dir.path().join("f.part"), &first.file));
    }
}
