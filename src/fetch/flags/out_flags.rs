//! Defines the output flags of curl 7.88 that decide a file's name and how it is written
//! (`-J`, `-N`, `--xattr`, `--create-file-mode`), where messages go (`--stderr`), `-#`, `-M`, and
//! `-:` that groups the URLs; and [`OutPlan`], what they come to once checked.
//!
//! One group of their own, flattened into the fetch flags, so the flags and the plan fields
//! they feed live together instead of spread through `args.rs` and `plan.rs`.

use super::headings::{MANY, OUTPUT, REQUEST};
use crate::fetch::error::FetchError;
use clap::Args;
use std::path::PathBuf;

/// Output flags: where a file's name comes from and how it is written.
#[derive(Debug, Clone, Default, Args)]
pub struct OutFlags {
    /// With -O: name the file as the server's Content-Disposition says.
    ///
    /// `filename*=UTF-8''...` (RFC 6266) is preferred to `filename=` (curl 7.88 reads only
    /// the latter). The name is reduced to what follows its last `/` or `\` and cleaned by
    /// -O's rules, so it stays in the current directory (or --output-dir); a file of that name
    /// is never replaced (exit 23, as curl). Without the header, -O's name. Not with -i or -C.
    #[arg(help_heading = OUTPUT, short = 'J', long = "remote-header-name")]
    pub remote_header_name: bool,

    /// Start a new group: the URLs after it take the options after it.
    ///
    /// As curl: each group's options are its own, but for the global ones (-v, --trace,
    /// --trace-ascii, --trace-time, -s, -S, --no-progress-meter, --fail-early, -Z,
    /// --parallel-max, --stderr), which hold for every group wherever they are given. Also `next` in a
    /// -K file.
    // The command line is cut at -: before clap sees it (`next.rs`): this definition gives
    // the flag its place in --help and in the config file's vocabulary.
    #[arg(help_heading = MANY, short = ':', long = "next")]
    pub next: bool,

    /// Write the body to stdout as it arrives, flushing after every write.
    ///
    /// Without it a body to a pipe is written in blocks, as curl's is.
    #[arg(help_heading = OUTPUT, short = 'N', long = "no-buffer")]
    pub no_buffer: bool,

    /// Write errors, warnings and -v to FILE (`-`: stdout).
    ///
    /// Everything the run would write to stderr goes there. Global, as curl's: it holds for every -: group. A FILE that cannot be created is a
    /// warning, and stderr stays.
    #[arg(help_heading = OUTPUT, long = "stderr", value_name = "FILE")]
    pub stderr: Option<PathBuf>,

    /// Save the URL and the Content-Type in the file's extended attributes.
    ///
    /// `user.xdg.origin.url` (the final URL, credentials left out) and `user.mime_type`, as
    /// curl writes them; a file system without them is a warning.
    #[arg(help_heading = OUTPUT, long = "xattr")]
    pub xattr: bool,

    /// The mode of files an upload creates on the server, in octal.
    ///
    /// None over HTTP: curl applies it to SFTP, SCP and FILE only, and over HTTP(S) neither
    /// curl nor sockit creates a file on the server; accepted and checked (0 to 777) so
    /// curl's command lines run.
    // Under Request: it is about what the server creates, not about the local file.
    #[arg(help_heading = REQUEST, long = "create-file-mode", value_name = "MODE", value_parser = octal_mode)]
    pub create_file_mode: Option<u32>,

    /// Show curl's bar of hashes as the progress meter.
    ///
    /// `######   42.0%` on stderr when it is a terminal, as wide as `COLUMNS` (or the
    /// terminal) less 7, as curl 7.88 draws it; a body of unknown length shows no bar.
    #[arg(help_heading = OUTPUT, short = '#', long = "progress-bar")]
    pub progress_bar: bool,

    /// Print the manual (as `sockit man` does) and exit.
    #[arg(help_heading = OUTPUT, short = 'M', long = "manual")]
    pub manual: bool,
}

/// `--create-file-mode`'s octal MODE, at most 777 (curl's bounds and words).
fn octal_mode(text: &str) -> Result<u32, String> {
    if text.is_empty() || !text.bytes().all(|b| (b'0'..=b'7').contains(&b)) {
        return Err("expected a proper numerical parameter".into());
    }
    match u32::from_str_radix(text, 8) {
        Ok(mode) if mode <= 0o777 => Ok(mode),
        _ => Err("too large number".into()),
    }
}

/// What the output flags come to for one URL.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct OutPlan {
    /// `-J` with `-O`: the directory (`--output-dir`, or none for the current one) where the
    /// Content-Disposition name goes, when the response offers one.
    pub header_name_dir: Option<Option<PathBuf>>,
    /// `-N`: stdout is flushed after every write.
    pub no_buffer: bool,
    /// `--xattr`: the file gets the URL and the MIME type as extended attributes.
    pub xattr: bool,
    /// `-#`: the progress meter is curl's bar of hashes.
    pub progress_bar: bool,
}

impl OutFlags {
    /// Refuses what curl 7.88 refuses along with these flags (exit 2): `-J` with the heads in
    /// the output (`-i`, `-I`), or with `-C` (the name is not known before the response,
    /// so there is no file to continue).
    pub fn check(&self, include: bool, resume: bool) -> Result<(), FetchError> {
        if self.remote_header_name && include {
            return Err(FetchError::Usage(
                "showing headers and --remote-header-name cannot be combined".into(),
            ));
        }
        if self.remote_header_name && resume {
            return Err(FetchError::Usage(
                "--continue-at and --remote-header-name cannot be combined".into(),
            ));
        }
        Ok(())
    }

    /// The plan for a URL whose body goes where `-O` put it (`remote`), into `output_dir`.
    pub fn plan(&self, remote: bool, output_dir: Option<&PathBuf>) -> OutPlan {
        OutPlan {
            header_name_dir: (self.remote_header_name && remote).then(|| output_dir.cloned()),
            no_buffer: self.no_buffer,
            xattr: self.xattr,
            progress_bar: self.progress_bar,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// `--create-file-mode` takes octal up to 777 and refuses the rest with curl's words.
    #[test]
    fn file_modes_are_octal_up_to_777() {
        assert_eq!(octal_mode("0600"), Ok(0o600));
        assert_eq!(octal_mode("777"), Ok(0o777));
        assert_eq!(
            octal_mode("999").unwrap_err(),
            "expected a proper numerical parameter"
        );
        assert_eq!(
            octal_mode("").unwrap_err(),
            "expected a proper numerical parameter"
        );
        assert_eq!(octal_mode("7777777").unwrap_err(), "too large number");
    }
}
