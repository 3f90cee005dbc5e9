//! Owns showing response heads as they arrive: on stdout beside a file download, into a
//! `-D` file, and collected for `-i`/`-I` to go before the body; a proxy's answers to
//! CONNECT among them unless `--suppress-connect-headers`.
//!
//! `-i`'s heads are styled (`styled.rs`) when they go to a terminal, as curl's are; what `-D`
//! writes never is, wherever it goes, as in curl.

use super::{file, styled};
use crate::fetch::error::FetchError;
use crate::fetch::http::head::Head;
use std::borrow::Cow;
use std::fs::{File, OpenOptions};
use std::io::{ErrorKind, IsTerminal, Write};
use std::path::PathBuf;
use url::Url;

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
    /// `--styled-output` (curl's default) with `-i`'s heads bound for stdout: styled there
    /// when stdout is a terminal.
    pub styled: bool,
    /// `--suppress-connect-headers`: a proxy's answers to CONNECT are not shown (`-w`
    /// still counts them, as curl does).
    pub suppress_connect: bool,
}

/// The open destinations for response heads.
pub struct HeadSinks {
    /// Print heads on stdout.
    stdout: bool,
    /// `-D FILE`.
    dump: Option<(File, PathBuf)>,
    /// `-i`/`-I`: heads collected for the body output.
    include: Option<Vec<u8>>,
    /// `-i`'s heads are styled: they go to a terminal, and `--no-styled-output` was not given.
    styled: bool,
    /// A proxy's answers to CONNECT are shown too.
    connect: bool,
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

/// Head `lines` of the response to `url` as `-i` shows them: `styled` on a terminal.
fn as_included<'a>(styled: bool, lines: &'a [u8], url: &Url) -> Cow<'a, [u8]> {
    match styled {
        true => Cow::Owned(styled::styled(lines, url)),
        false => Cow::Borrowed(lines),
    }
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
            // Asked once per fetch, as curl asks once per transfer.
            styled: plan.styled && std::io::stdout().is_terminal(),
            connect: !plan.suppress_connect,
        })
    }

    /// Shows one head (interim or final) of the response to `url`.
    pub fn show(&mut self, head: &Head, url: &Url) -> Result<(), FetchError> {
        self.print(&head.raw)?;
        let styled = self.styled;
        if let Some(buf) = &mut self.include {
            buf.extend_from_slice(&as_included(styled, &head.raw, url));
        }
        Ok(())
    }

    /// Shows a proxy's answers to CONNECT for a tunnel to `url`, in order, unless
    /// `--suppress-connect-headers`.
    pub fn show_tunnel(&mut self, heads: &[Head], url: &Url) -> Result<(), FetchError> {
        if self.connect {
            for head in heads {
                self.show(head, url)?;
            }
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
    /// does (without the blank line that ends them: nothing when there were none); returns
    /// what `-i` puts after the body (styled as the heads are), None without `-i`.
    pub fn show_trailers(
        &mut self,
        trailers: &[u8],
        url: &Url,
    ) -> Result<Option<Vec<u8>>, FetchError> {
        if trailers.is_empty() {
            return Ok(self.include.as_ref().map(|_| Vec::new()));
        }
        self.print(trailers)?;
        let styled = self.styled;
        Ok(self
            .include
            .as_ref()
            .map(|_| as_included(styled, trailers, url).into_owned()))
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
