//! Owns showing response heads as they arrive: on stdout beside a file download, into a
//! `-D` file, and collected for `-i`/`-I` to go before the body.

use super::file;
use crate::fetch::error::FetchError;
use crate::fetch::http::head::Head;
use std::fs::{File, OpenOptions};
use std::io::{ErrorKind, Write};
use std::path::PathBuf;

/// Where response heads go.
#[derive(Debug, Clone, Default)]
pub struct HeadPlan {
    /// `-D -`: print heads on stdout (with `-o FILE`, the tutorial's "print the head, save
    /// the body"; `-o` alone prints nothing there, as curl).
    pub stdout: bool,
    /// `-D FILE`.
    pub dump: Option<PathBuf>,
    /// `-i`/`-I`: heads go into the body's output, before the body.
    pub include: bool,
    /// Print warnings on stderr (not with `-s`).
    pub warn: bool,
}

/// The open destinations for response heads.
pub struct HeadSinks {
    /// Print heads on stdout.
    stdout: bool,
    /// `-D FILE`.
    dump: Option<(File, PathBuf)>,
    /// `-i`/`-I`: heads collected for the body output.
    include: Option<Vec<u8>>,
}

/// A trailer section as curl shows it after the body: each line ending in CRLF (also one
/// that came with LF alone), without the blank line that ends the section.
pub fn trailer_lines(raw: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(raw.len());
    for line in raw.split(|&b| b == b'\n') {
        let line = line.strip_suffix(b"\r").unwrap_or(line);
        if !line.is_empty() {
            out.extend_from_slice(line);
            out.extend_from_slice(b"\r\n");
        }
    }
    out
}

impl HeadSinks {
    /// Starts the run's `-D` file empty: every URL's heads then go after one another.
    pub fn start_dump(plan: &HeadPlan) -> Result<(), FetchError> {
        if let Some(path) = &plan.dump {
            File::create(path).map_err(|e| FetchError::write(path, &e))?;
        }
        Ok(())
    }

    /// Opens the destinations `plan` names (appending to the `-D` file).
    pub fn new(plan: &HeadPlan) -> Result<Self, FetchError> {
        let dump = match &plan.dump {
            Some(path) => {
                let file = OpenOptions::new()
                    .append(true)
                    .create(true)
                    .open(path)
                    .map_err(|e| FetchError::write(path, &e))?;
                Some((file, path.clone()))
            }
            None => None,
        };
        Ok(HeadSinks {
            stdout: plan.stdout,
            dump,
            include: plan.include.then(Vec::new),
        })
    }

    /// Shows one head (interim or final).
    pub fn show(&mut self, head: &Head) -> Result<(), FetchError> {
        self.print(&head.raw)?;
        if let Some(buf) = &mut self.include {
            buf.extend_from_slice(&head.raw);
        }
        Ok(())
    }

    /// The heads collected for `-i`, to be written before the body.
    pub fn included(&self) -> Option<&[u8]> {
        self.include.as_deref()
    }

    /// With `-f` failing on the status and the body bound for stdout, the heads `-i` (or
    /// `-I`) collected still go there: curl writes them before it looks at the status. To a
    /// file they go nowhere, as no file is made for a failed transfer.
    pub fn print_included(&mut self) -> Result<(), FetchError> {
        let Some(bytes) = self.include.take() else {
            return Ok(());
        };
        let mut out = std::io::stdout().lock();
        match out.write_all(&bytes).and_then(|()| out.flush()) {
            Err(e) if e.kind() != ErrorKind::BrokenPipe => Err(file::stdout_error(&e)),
            _ => Ok(()),
        }
    }

    /// A chunked body's trailer lines go where heads are printed and dumped, as curl
    /// does (without the blank line that ends them: nothing when there were none).
    pub fn show_trailers(&mut self, trailers: &[u8]) -> Result<(), FetchError> {
        if !trailers.is_empty() {
            self.print(trailers)?;
        }
        Ok(())
    }

    fn print(&mut self, bytes: &[u8]) -> Result<(), FetchError> {
        if self.stdout {
            let mut out = std::io::stdout().lock();
            match out.write_all(bytes).and_then(|()| out.flush()) {
                Ok(()) => {}
                // Nobody reads the heads any more (`| head -1`): the download itself goes
                // on, and its outcome, not the reader's, decides the exit code (issue 10).
                Err(e) if e.kind() == ErrorKind::BrokenPipe => self.stdout = false,
                Err(e) => return Err(file::stdout_error(&e)),
            }
        }
        if let Some((file, path)) = &mut self.dump {
            file.write_all(bytes)
                .map_err(|e| FetchError::write(path, &e))?;
        }
        Ok(())
    }
}
