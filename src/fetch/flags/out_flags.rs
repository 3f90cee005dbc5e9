//! Defines the output flags of curl 7.88 that decide a file's name and how it is written
//! (`-J`), with `-:` that groups the URLs, and [`OutPlan`], what they come to once checked.
//!
//! One group of their own, flattened into the fetch flags, so the flags and the plan fields
//! they feed live together instead of spread through `args.rs` and `plan.rs`.

use super::headings::{MANY, OUTPUT};
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
    /// --parallel-max), which hold for every group wherever they are given. Also `next` in a
    /// -K file.
    // The command line is cut at -: before clap sees it (`next.rs`): this definition gives
    // the flag its place in --help and in the config file's vocabulary.
    #[arg(help_heading = MANY, short = ':', long = "next")]
    pub next: bool,
}

/// What the output flags come to for one URL.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct OutPlan {
    /// `-J` with `-O`: the directory (`--output-dir`, or none for the current one) where the
    /// Content-Disposition name goes, when the response offers one.
    pub header_name_dir: Option<Option<PathBuf>>,
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
        }
    }
}
