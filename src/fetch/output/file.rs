//! Owns where the body goes: stdout, or a file written as `FILE.part` and renamed to FILE
//! only once the whole body arrived and was verified, plus the resume (`-C`) bookkeeping.
//!
//! The rename is the point: curl and wget leave a truncated file under the final name when
//! a download fails, and a script that checks "does the file exist" then uses half a file.
//! Here FILE appears complete or not at all, and an existing FILE is left untouched until
//! the new one is complete. The `.part` file stays (unless `--no-keep-partial`) so `-C -`
//! can continue it. Devices, FIFOs and sockets (`-o /dev/null`) have no "complete or not"
//! and are written in place.

use super::checksum::{Checksum, Verifier};
use super::renames;
use crate::fetch::error::{describe, FetchError};
use crate::fetch::http::decode::Sink;
use rustix::fs::FileType;
use std::ffi::{OsStr, OsString};
use std::fs::{self, File, OpenOptions};
use std::io::{self, Read, Seek, SeekFrom, Write};
use std::os::fd::AsFd;
use std::os::unix::ffi::OsStrExt;
use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};

/// The longest file name most file systems take, in bytes.
const NAME_MAX: usize = 255;
/// How many numbered names `--no-clobber` tries after FILE itself, as curl.
const NO_CLOBBER_TRIES: usize = 100;
/// The most symbolic links followed to find where FILE really is (Linux's own limit).
const MAX_LINKS: usize = 40;

/// The `.part` file next to `path`. A name too long for `.part` to fit is shortened for the
/// temporary file only (issue 10): the final name stays as asked.
pub fn part_path(path: &Path) -> PathBuf {
    beside(path, ".part")
}

/// `path` with `suffix` added to its name, the name shortened if it would not fit.
pub fn beside(path: &Path, suffix: &str) -> PathBuf {
    let name = path.file_name().unwrap_or_default().as_bytes();
    let kept = &name[..name.len().min(NAME_MAX - suffix.len())];
    let mut sibling: OsString = OsStr::from_bytes(kept).to_owned();
    sibling.push(suffix);
    path.with_file_name(sibling)
}

/// What stands at FILE before a download, as far as replacing it goes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Found {
    /// Nothing, or a regular file the download may replace.
    Replaceable,
    /// A device, FIFO or socket: written in place ([`is_special`]).
    Special,
}

/// Refuses, before anything is downloaded, a FILE the download must not replace: a
/// directory, or a file the user could not write to (marked read-only, or not openable for
/// writing), which curl would overwrite through its rename-free write (issue 10). One
/// `stat` also says whether FILE is [`Found::Special`], which the part lock asks next.
pub fn check_replaceable(path: &Path) -> Result<Found, FetchError> {
    let Ok(meta) = fs::metadata(path) else {
        return Ok(Found::Replaceable);
    };
    let refuse = |reason: &str| FetchError::Write {
        path: path.display().to_string(),
        reason: reason.into(),
    };
    if meta.is_dir() {
        return Err(refuse("it is a directory"));
    }
    if !meta.is_file() {
        return Ok(Found::Special);
    }
    let read_only = meta.permissions().mode() & 0o222 == 0;
    if read_only || OpenOptions::new().write(true).open(path).is_err() {
        return Err(refuse("the file is read-only, so it is not replaced"));
    }
    Ok(Found::Replaceable)
}

/// The longest `-O` file name, in bytes: NAME_MAX on Linux and macOS. The `.part` file
/// beside it shortens its own name to fit ([`part_path`]), so the final name keeps all 255.
pub const MAX_REMOTE_NAME: usize = NAME_MAX;

/// `-O`'s file name: the URL path's last segment, sanitised so it cannot leave the current
/// directory, hide itself, look like a flag, or carry control characters, and cut to
/// [`MAX_REMOTE_NAME`] bytes so it and its `.part` file can be created.
pub fn remote_name(url_path: &str) -> PathBuf {
    let last = url_path.rsplit('/').next().unwrap_or("");
    let name = cleaned_name(last);
    if name.is_empty() {
        PathBuf::from("index.html")
    } else {
        PathBuf::from(name)
    }
}

/// `-J`'s file name: the name a server's Content-Disposition offers, reduced as curl reduces
/// it to what follows its last `/` or `\`, then cleaned by [`remote_name`]'s rules, so a
/// hostile name can never leave the output directory; none when nothing is left.
pub fn header_name(offered: &str) -> Option<PathBuf> {
    let last = offered.rsplit(['/', '\\']).next().unwrap_or("");
    let name = cleaned_name(last);
    (!name.is_empty()).then(|| PathBuf::from(name))
}

/// One path segment without control characters, a leading `.` or `-` (hidden files, flags),
/// or a `\`, cut to [`MAX_REMOTE_NAME`] bytes; possibly empty.
fn cleaned_name(last: &str) -> String {
    let cleaned: String = last
        .chars()
        .filter(|c| !c.is_control())
        .map(|c| if c == '\\' { '_' } else { c })
        .collect();
    let mut trimmed = cleaned.trim_start_matches(['.', '-']);
    if trimmed.len() > MAX_REMOTE_NAME {
        let cut = (0..=MAX_REMOTE_NAME)
            .rev()
            .find(|&i| trimmed.is_char_boundary(i))
            .unwrap_or(0);
        trimmed = &trimmed[..cut];
    }
    trimmed.to_string()
}

/// True for an existing file that is not a regular file or a directory: a device such as
/// `/dev/null`, a FIFO, a socket. Those are written in place: a `.part` file renamed over
/// them would replace the device node itself.
pub fn is_special(path: &Path) -> bool {
    fs::metadata(path).is_ok_and(|m| !m.is_file() && !m.is_dir())
}

/// `--create-dirs`: makes `path`'s missing parent directories, mode 0750 as curl makes them.
pub fn create_dirs(path: &Path) -> Result<(), FetchError> {
    use std::os::unix::fs::DirBuilderExt;
    let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) else {
        return Ok(());
    };
    fs::DirBuilder::new()
        .recursive(true)
        .mode(0o750)
        .create(dir)
        .map_err(|e| FetchError::write(dir, &e))
}

/// The path to write: a symbolic link is followed (the download replaces the file it points
/// to, as curl writes through it), also when that file does not exist yet (a dangling link:
/// its target is created, as curl does); anything else is used as given.
pub fn resolve_link(path: &Path) -> PathBuf {
    let mut current = path.to_path_buf();
    for _ in 0..MAX_LINKS {
        match fs::read_link(&current) {
            // A relative target is relative to the link's directory; join keeps an absolute one.
            Ok(target) => {
                current = match current.parent() {
                    Some(dir) => dir.join(target),
                    None => target,
                }
            }
            Err(_) => break,
        }
    }
    current
}

/// Where a download resumes, and how `FILE.part` came to be.
#[derive(Debug, Clone, Copy, Default)]
pub struct Resume {
    /// The byte the body continues at (0: from the start).
    pub offset: u64,
    /// `FILE.part` is a fresh copy of FILE: only a copy, so it is removed again when the
    /// download fails before adding to it.
    pub copied: bool,
    /// Where the request's Range starts: `offset`, except for `-C N` with nothing local to
    /// continue, where it is N while the body is written from FILE's start, as curl does.
    pub ask_from: u64,
}

/// Where `-C` resumes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ContinueAt {
    /// `-C -`: where the local file ends.
    Auto,
    /// `-C N`: at byte N.
    At(u64),
}

/// Where to resume, preparing `FILE.part` so it holds exactly the bytes before the offset:
/// `-C -` continues `FILE.part`, else an existing FILE (copied, so FILE stays untouched);
/// `-C N` cuts either back to N bytes, and with neither there asks for the bytes from N
/// and writes them as they come.
pub fn prepare_resume(path: &Path, at: ContinueAt) -> Result<Resume, FetchError> {
    let from = |offset| Resume {
        offset,
        copied: false,
        ask_from: offset,
    };
    if is_special(path) {
        return Ok(from(0));
    }
    let part = part_path(path);
    let len = |p: &Path| {
        fs::metadata(p)
            .ok()
            .filter(|m| m.is_file())
            .map(|m| m.len())
    };
    // An empty `.part` file holds nothing to continue (this run's claim may have just
    // created it): it counts as none.
    let part_len = len(&part).filter(|&n| n > 0);
    let want = match at {
        ContinueAt::Auto => match (part_len, len(path)) {
            (Some(n), _) => return Ok(from(n)),
            (None, Some(n)) => n,
            (None, None) => return Ok(from(0)),
        },
        ContinueAt::At(0) => return Ok(from(0)),
        ContinueAt::At(n) if part_len.is_none() && len(path).is_none() => {
            return Ok(Resume {
                ask_from: n,
                ..from(0)
            })
        }
        ContinueAt::At(n) => n,
    };
    let copied = part_len.filter(|&l| l >= want).is_none();
    if copied {
        match len(path) {
            Some(l) if l >= want => {
                fs::copy(path, &part).map_err(|e| FetchError::write(&part, &e))?;
            }
            other => {
                return Err(FetchError::Range(format!(
                    "cannot resume at byte {want}: the local copy has only {} bytes",
                    other.or(part_len).unwrap_or(0)
                )))
            }
        }
    }
    let file = OpenOptions::new()
        .write(true)
        .open(&part)
        .map_err(|e| FetchError::write(&part, &e))?;
    file.set_len(want)
        .map_err(|e| FetchError::write(&part, &e))?;
    Ok(Resume {
        offset: want,
        copied,
        ask_from: want,
    })
}

/// The length of `path`'s `.part` file (0 when there is none).
pub fn part_len(path: &Path) -> u64 {
    fs::metadata(part_path(path)).map_or(0, |m| m.len())
}

/// After a failed download: removes `FILE.part` with `--no-keep-partial`, or when it is
/// still only the copy of FILE that resuming made (so `-fC -` on a complete file leaves
/// nothing behind).
pub fn clean_up_part(path: &Path, resume: Resume, keep_partial: bool) {
    if is_special(path) {
        return;
    }
    let part = part_path(path);
    let untouched_copy =
        resume.copied && fs::metadata(&part).is_ok_and(|m| m.len() == resume.offset);
    if !keep_partial || untouched_copy {
        // Nothing to clean up when the .part file was never created.
        let _ = fs::remove_file(part);
    }
}

/// The body's destination.
pub struct Output {
    target: Target,
    failure: Option<FetchError>,
    /// `--checksum`: the digest of everything in the destination so far.
    verifier: Option<Verifier>,
    /// `-N`: stdout is flushed after every write, so each byte is out as soon as it came.
    flush_each: bool,
}

enum Target {
    Stdout(io::StdoutLock<'static>),
    File {
        file: File,
        part: PathBuf,
        path: PathBuf,
    },
    /// A device, FIFO or socket, written in place (see [`is_special`]).
    Special {
        file: File,
        path: PathBuf,
    },
}

impl Output {
    /// Writes to stdout.
    pub fn stdout() -> Self {
        Output {
            target: Target::Stdout(io::stdout().lock()),
            failure: None,
            verifier: None,
            flush_each: false,
        }
    }

    /// Writes to `path`'s `.part` file: appending after `keep` bytes (a resumed download),
    /// or from an empty file when `keep` is 0.
    pub fn file(path: &Path, keep: u64) -> Result<Self, FetchError> {
        if is_special(path) {
            let file = OpenOptions::new()
                .write(true)
                .open(path)
                .map_err(|e| FetchError::write(path, &e))?;
            return Ok(Output {
                target: Target::Special {
                    file,
                    path: path.to_path_buf(),
                },
                failure: None,
                verifier: None,
                flush_each: false,
            });
        }
        let part = part_path(path);
        let mut options = OpenOptions::new();
        options.create(true);
        if keep > 0 {
            options.append(true);
        } else {
            options.write(true).truncate(true);
        }
        let file = options
            .open(&part)
            .map_err(|e| FetchError::write(&part, &e))?;
        // Truncated on opening when nothing is kept: no need to ask its length then.
        let len = match keep {
            0 => 0,
            _ => file
                .metadata()
                .map_err(|e| FetchError::write(&part, &e))?
                .len(),
        };
        Self::part_file(file, part, path, len, keep)
    }

    /// As [`Output::file`], through `file`: a handle on `path`'s `.part` file as the part
    /// lock claimed it (so FILE is no device). Emptied when nothing is kept (a `fresh`
    /// file, new and not written yet, is empty already), else written on after its `keep`
    /// bytes. Two cheap calls on the handle, where opening the file by name again cost a
    /// path walk and a `stat` of FILE for each of `-Z`'s 500 small files.
    pub fn claimed(
        mut file: File,
        path: &Path,
        keep: u64,
        fresh: bool,
    ) -> Result<Self, FetchError> {
        let part = part_path(path);
        let moved = |e: io::Error| FetchError::write(&part, &e);
        // Every handle on the file shares one offset: set it, whatever an earlier attempt
        // left it at. A file this run created and has not written is empty at 0 already
        // (two system calls a file fewer for `-Z`'s 500 small files).
        let len = match keep {
            0 if fresh => 0,
            0 => {
                file.set_len(0).map_err(moved)?;
                file.seek(SeekFrom::Start(0)).map_err(moved)?
            }
            _ => file.seek(SeekFrom::End(0)).map_err(moved)?,
        };
        Self::part_file(file, part, path, len, keep)
    }

    /// Writes to `file`, `path`'s `.part` file, which must hold `keep` bytes and holds `len`.
    fn part_file(
        file: File,
        part: PathBuf,
        path: &Path,
        len: u64,
        keep: u64,
    ) -> Result<Self, FetchError> {
        if len != keep {
            return Err(FetchError::Range(format!(
                "{} has {len} bytes, expected {keep}",
                part.display()
            )));
        }
        Ok(Output {
            target: Target::File {
                file,
                part,
                path: path.to_path_buf(),
            },
            failure: None,
            verifier: None,
            flush_each: false,
        })
    }

    /// With `-N` (`on`), stdout is flushed after every write instead of in blocks.
    pub fn unbuffered(mut self, on: bool) -> Self {
        self.flush_each = on;
        self
    }

    /// Bytes in the destination file (None for stdout).
    pub fn file_len(&self) -> Option<u64> {
        match &self.target {
            Target::Stdout(_) | Target::Special { .. } => None,
            Target::File { file, .. } => file.metadata().ok().map(|m| m.len()),
        }
    }

    /// The body is complete: flush stdout, or make the `.part` file durable and rename it to
    /// its final name.
    /// With `--checksum`, the digest must match first: a mismatch removes the `.part`
    /// file and leaves FILE untouched.
    ///
    /// The fsync and the rename run on the blocking pool, in batches ([`renames`]): the
    /// fetch waits for them, as the file must be durable before it takes its name, but the
    /// run's other fetches go on meanwhile instead of stalling behind one disk flush per
    /// file (`-Z` with many files).
    pub async fn commit(mut self) -> Result<(), FetchError> {
        let verifier = self.verifier.take();
        let verify =
            |what: &Path| verifier.map_or(Ok(()), |v| v.verify(&what.display().to_string()));
        match self.target {
            Target::Stdout(mut out) => {
                out.flush().map_err(|e| stdout_error(&e))?;
                verify(Path::new("the body"))
            }
            Target::File { file, part, path } => {
                if let Err(e) = verify(&path) {
                    let _ = fs::remove_file(&part);
                    return Err(e);
                }
                renames::rename(file, part, path).await
            }
            Target::Special { path, .. } => verify(&path),
        }
    }

    /// As [`Output::commit`], but never over an existing file (`--no-clobber`): FILE when
    /// it is free, else the first free `FILE.1` ... `FILE.100`, as curl names them. Each
    /// name is taken with a hard link, which fails where a file exists, so one that appears
    /// meanwhile is not overwritten either. The name used, or None for stdout or a device;
    /// no free name is curl's write error (23).
    pub async fn commit_unclobbered(mut self) -> Result<Option<PathBuf>, FetchError> {
        let Target::File { file, part, path } = &mut self.target else {
            return self.commit().await.map(|()| None);
        };
        if let Some(verifier) = self.verifier.take() {
            if let Err(e) = verifier.verify(&path.display().to_string()) {
                let _ = fs::remove_file(&*part);
                return Err(e);
            }
        }
        file.sync_all().map_err(|e| FetchError::write(part, &e))?;
        for n in 0..=NO_CLOBBER_TRIES {
            let name = match n {
                0 => path.clone(),
                n => beside(path, &format!(".{n}")),
            };
            match fs::hard_link(&*part, &name) {
                Ok(()) => {
                    let _ = fs::remove_file(&*part);
                    return Ok(Some(name));
                }
                Err(e) if e.kind() == io::ErrorKind::AlreadyExists => continue,
                Err(e) => return Err(FetchError::write(&name, &e)),
            }
        }
        let _ = fs::remove_file(&*part);
        Err(FetchError::Write {
            path: path.display().to_string(),
            reason: format!(
                "--no-clobber: it and {}.1 to .{NO_CLOBBER_TRIES} all exist",
                path.display()
            ),
        })
    }

    /// As [`Output::commit`], but only under a name no file has yet (`-J`: a name the
    /// server chose never replaces a file, as curl 7.88 refuses); taken with a hard link, so
    /// a file that appeared meanwhile is not overwritten either. An existing file is curl's
    /// write error (23).
    pub async fn commit_new(mut self) -> Result<(), FetchError> {
        let Target::File { file, part, path } = &mut self.target else {
            return self.commit().await;
        };
        if let Some(verifier) = self.verifier.take() {
            if let Err(e) = verifier.verify(&path.display().to_string()) {
                let _ = fs::remove_file(&*part);
                return Err(e);
            }
        }
        file.sync_all().map_err(|e| FetchError::write(part, &e))?;
        let linked = fs::hard_link(&*part, &*path);
        let _ = fs::remove_file(&*part);
        match linked {
            Ok(()) => Ok(()),
            Err(e) if e.kind() == io::ErrorKind::AlreadyExists => Err(refuse_existing(path)),
            Err(e) => Err(FetchError::write(path, &e)),
        }
    }

    /// Verifies what is written against `check` (`--checksum`), starting with the bytes a
    /// resumed `.part` file already holds.
    pub fn verify_with(mut self, check: Option<Checksum>) -> Result<Self, FetchError> {
        let Some(check) = check else {
            return Ok(self);
        };
        let mut verifier = Verifier::new(check);
        if let Target::File { part, .. } = &self.target {
            let mut kept = File::open(part).map_err(|e| FetchError::write(part, &e))?;
            let mut chunk = vec![0u8; 64 * 1024];
            loop {
                match kept.read(&mut chunk) {
                    Ok(0) => break,
                    Ok(n) => verifier.update(&chunk[..n]),
                    Err(e) => return Err(FetchError::write(part, &e)),
                }
            }
        }
        self.verifier = Some(verifier);
        Ok(self)
    }

    /// Writes all of `bytes`, a failure as the error that says where.
    pub fn put(&mut self, bytes: &[u8]) -> Result<(), FetchError> {
        match self.write_all(bytes) {
            Ok(()) => Ok(()),
            Err(e) => Err(self.take_failure().unwrap_or_else(|| stdout_error(&e))),
        }
    }

    fn record(&mut self, err: io::Error) -> io::Error {
        self.failure = Some(match &self.target {
            Target::Stdout(_) => stdout_error(&err),
            Target::File { part, .. } => FetchError::write(part, &err),
            Target::Special { path, .. } => FetchError::write(path, &err),
        });
        err
    }
}

/// `-R`: gives the regular file `path` the time of `http_date` (a `Last-Modified` value), as
/// curl does; a date that does not parse, a device, or a file whose time cannot be set is
/// left as it is, as curl leaves it.
pub fn set_remote_time(path: &Path, http_date: &str) {
    let Ok(time) = httpdate::parse_http_date(http_date.trim()) else {
        return;
    };
    let Ok(file) = File::open(path) else { return };
    if file.metadata().is_ok_and(|m| m.is_file()) {
        let _ = file.set_modified(time);
    }
}

/// A closed stdout pipe ends the download quietly (as `head` expects); other errors are
/// write errors.
pub fn stdout_error(err: &io::Error) -> FetchError {
    if err.kind() == io::ErrorKind::BrokenPipe {
        FetchError::StdoutClosed(io::ErrorKind::BrokenPipe.into())
    } else {
        FetchError::Write {
            path: "stdout".into(),
            reason: describe(err),
        }
    }
}

impl Write for Output {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        let result = match &mut self.target {
            Target::Stdout(out) if self.flush_each => out.write(buf).and_then(|n| {
                out.flush()?;
                Ok(n)
            }),
            Target::Stdout(out) => out.write(buf),
            Target::File { file, .. } | Target::Special { file, .. } => file.write(buf),
        };
        if let (Ok(n), Some(v)) = (&result, &mut self.verifier) {
            v.update(&buf[..*n]);
        }
        result.map_err(|e| self.record(e))
    }

    fn flush(&mut self) -> io::Result<()> {
        let result = match &mut self.target {
            Target::Stdout(out) => out.flush(),
            Target::File { .. } | Target::Special { .. } => Ok(()),
        };
        result.map_err(|e| self.record(e))
    }
}

impl Sink for Output {
    fn take_failure(&mut self) -> Option<FetchError> {
        self.failure.take()
    }

    /// The `.part` file, or stdout when it is a pipe or a regular file (flushed first, so
    /// what it holds goes out before the bytes moved past it); none where a digest is kept
    /// of what is written, or where the file appends (splice(2) refuses such a file).
    fn raw_file(&mut self) -> Option<File> {
        if self.verifier.is_some() {
            return None;
        }
        let file = match &mut self.target {
            Target::File { file, .. } => file.try_clone().ok()?,
            Target::Stdout(out) => {
                out.flush().ok()?;
                let file = File::from(out.as_fd().try_clone_to_owned().ok()?);
                let mode = rustix::fs::fstat(&file).ok()?.st_mode;
                let kind = FileType::from_raw_mode(mode);
                if !matches!(kind, FileType::Fifo | FileType::RegularFile) {
                    return None;
                }
                file
            }
            Target::Special { .. } => return None,
        };
        let flags = rustix::fs::fcntl_getfl(&file).ok()?;
        (!flags.contains(rustix::fs::OFlags::APPEND)).then_some(file)
    }

    fn raw_failure(&mut self, err: io::Error) -> FetchError {
        self.record(err);
        self.failure.take().expect("record sets the failure")
    }
}

/// `-J`'s refusal of a name a file already has (curl's 23, as curl 7.88 refuses).
pub fn refuse_existing(path: &Path) -> FetchError {
    FetchError::Write {
        path: path.display().to_string(),
        reason: "the file exists, and -J never replaces one".into(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn remote_names_are_sanitised() {
        assert_eq!(
            remote_name("/a/b/file.tar.gz"),
            PathBuf::from("file.tar.gz")
        );
        assert_eq!(remote_name("/a/b/"), PathBuf::from("index.html"));
        assert_eq!(remote_name("/"), PathBuf::from("index.html"));
        assert_eq!(remote_name("/.."), PathBuf::from("index.html"));
        assert_eq!(remote_name("/.bashrc"), PathBuf::from("bashrc"));
        assert_eq!(remote_name("/-rf"), PathBuf::from("rf"));
        assert_eq!(remote_name("/a\u{1b}b"), PathBuf::from("ab"));
        assert_eq!(remote_name("/x\\..\\y"), PathBuf::from("x_.._y"));
    }

    /// Found by the fuzz corpus (issue 11): a 300-byte last segment gave a name no file
    /// system accepts; it is cut to 255 bytes (NAME_MAX), on a character boundary.
    #[test]
    fn remote_names_fit_a_file_system() {
        let long = format!("/a/{}", "x".repeat(300));
        assert_eq!(
            remote_name(&long),
            PathBuf::from("x".repeat(MAX_REMOTE_NAME))
        );
        let wide = format!("/a{}", "\u{e9}".repeat(200));
        let name = remote_name(&wide).into_os_string().into_string().unwrap();
        assert_eq!(name, format!("a{}", "\u{e9}".repeat(127)));
    }

    #[test]
    fn part_is_next_to_the_file() {
        assert_eq!(
            part_path(Path::new("d/f.bin")),
            PathBuf::from("d/f.bin.part")
        );
        let long = "x".repeat(255);
        let part = part_path(Path::new(&long));
        assert_eq!(part.as_os_str().len(), 255);
        assert!(part.to_str().unwrap().ends_with("x.part"));
    }
}
