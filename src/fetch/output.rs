//! Owns where the body goes: stdout, or a file written as `FILE.part` and renamed to FILE
//! only once the whole body arrived and was verified, plus the resume (`-C`) bookkeeping.
//!
//! The rename is the point: curl and wget leave a truncated file under the final name when
//! a download fails, and a script that checks "does the file exist" then uses half a file.
//! Here FILE appears complete or not at all, and an existing FILE is left untouched until
//! the new one is complete. The `.part` file stays (unless `--no-keep-partial`) so `-C -`
//! can continue it. Devices, FIFOs and sockets (`-o /dev/null`) have no "complete or not"
//! and are written in place.

use super::args::ContinueAt;
use super::decode::Sink;
use super::error::{describe, FetchError};
use std::ffi::OsString;
use std::fs::{self, File, OpenOptions};
use std::io::{self, Write};
use std::path::{Path, PathBuf};

/// The `.part` file next to `path`.
pub fn part_path(path: &Path) -> PathBuf {
    let mut name: OsString = path.file_name().unwrap_or_default().to_owned();
    name.push(".part");
    path.with_file_name(name)
}

/// The longest `-O` file name, in bytes: 255 (NAME_MAX on Linux and macOS) less `.part`.
pub const MAX_REMOTE_NAME: usize = 250;

/// `-O`'s file name: the URL path's last segment, sanitised so it cannot leave the current
/// directory, hide itself, look like a flag, or carry control characters, and cut to
/// [`MAX_REMOTE_NAME`] bytes so it and its `.part` file can be created.
pub fn remote_name(url_path: &str) -> PathBuf {
    let last = url_path.rsplit('/').next().unwrap_or("");
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
    if trimmed.is_empty() {
        PathBuf::from("index.html")
    } else {
        PathBuf::from(trimmed)
    }
}

/// True for an existing file that is not a regular file or a directory: a device such as
/// `/dev/null`, a FIFO, a socket. Those are written in place: a `.part` file renamed over
/// them would replace the device node itself.
pub fn is_special(path: &Path) -> bool {
    fs::metadata(path).is_ok_and(|m| !m.is_file() && !m.is_dir())
}

/// The path to write: a symbolic link is followed (the download replaces the file it points
/// to, as curl writes through it), anything else is used as given.
pub fn resolve_link(path: &Path) -> PathBuf {
    let is_link = fs::symlink_metadata(path).is_ok_and(|m| m.file_type().is_symlink());
    match is_link {
        true => fs::canonicalize(path).unwrap_or_else(|_| path.to_path_buf()),
        false => path.to_path_buf(),
    }
}

/// Where to resume, preparing `FILE.part` so it holds exactly the bytes before the offset:
/// `-C -` continues `FILE.part`, else an existing FILE (copied, so FILE stays untouched);
/// `-C N` cuts either back to N bytes.
pub fn prepare_resume(path: &Path, at: ContinueAt) -> Result<u64, FetchError> {
    if is_special(path) {
        return Ok(0);
    }
    let part = part_path(path);
    let len = |p: &Path| {
        fs::metadata(p)
            .ok()
            .filter(|m| m.is_file())
            .map(|m| m.len())
    };
    let want = match at {
        ContinueAt::Auto => match (len(&part), len(path)) {
            (Some(n), _) => return Ok(n),
            (None, Some(n)) => n,
            (None, None) => return Ok(0),
        },
        ContinueAt::At(0) => return Ok(0),
        ContinueAt::At(n) => n,
    };
    let have_part = len(&part).filter(|&l| l >= want);
    if have_part.is_none() {
        match len(path) {
            Some(l) if l >= want => {
                fs::copy(path, &part).map_err(|e| FetchError::write(&part, &e))?;
            }
            other => {
                return Err(FetchError::Range(format!(
                    "cannot resume at byte {want}: the local copy has only {} bytes",
                    other.or(len(&part)).unwrap_or(0)
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
    Ok(want)
}

/// The body's destination.
pub struct Output {
    target: Target,
    failure: Option<FetchError>,
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
        let len = file
            .metadata()
            .map_err(|e| FetchError::write(&part, &e))?
            .len();
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
        })
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
    pub fn commit(mut self) -> Result<(), FetchError> {
        match &mut self.target {
            Target::Stdout(out) => out.flush().map_err(|e| stdout_error(&e)),
            Target::File { file, part, path } => {
                file.sync_all().map_err(|e| FetchError::write(part, &e))?;
                fs::rename(&*part, &*path).map_err(|e| FetchError::write(path, &e))
            }
            Target::Special { .. } => Ok(()),
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

/// A closed stdout pipe ends the download quietly (as `head` expects); other errors are
/// write errors.
pub fn stdout_error(err: &io::Error) -> FetchError {
    if err.kind() == io::ErrorKind::BrokenPipe {
        FetchError::StdoutClosed
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
            Target::Stdout(out) => out.write(buf),
            Target::File { file, .. } | Target::Special { file, .. } => file.write(buf),
        };
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
    /// system accepts; it is cut to 250 bytes, on a character boundary.
    #[test]
    fn remote_names_fit_a_file_system() {
        let long = format!("/a/{}", "x".repeat(300));
        assert_eq!(
            remote_name(&long),
            PathBuf::from("x".repeat(MAX_REMOTE_NAME))
        );
        let wide = format!("/a{}", "\u{e9}".repeat(200));
        let name = remote_name(&wide).into_os_string().into_string().unwrap();
        assert_eq!(name, format!("a{}", "\u{e9}".repeat(124)));
    }

    #[test]
    fn part_is_next_to_the_file() {
        assert_eq!(
            part_path(Path::new("d/f.bin")),
            PathBuf::from("d/f.bin.part")
        );
    }
}
