//! Defines the flags of curl 7.88 that shape how response heads are shown:
//! `--styled-output`/`--no-styled-output` (bold names on a terminal, curl's default) and
//! `--suppress-connect-headers` (a proxy's answers to CONNECT left out of `-i` and `-D`).
//!
//! A group of its own, flattened into the fetch flags, so the flags and what they come to
//! for the head plan live together.

use super::headings::{OUTPUT, PROXY};
use clap::Args;

/// How response heads are shown.
#[derive(Debug, Clone, Default, Args)]
pub struct HeadFlags {
    /// Bold -i's header names on a terminal (the default).
    ///
    /// As curl: only when the heads go to stdout and it is a terminal, never to a pipe,
    /// a file or -D; a Location is also a link (OSC 8) to where it leads. Global: it holds
    /// for every -: group.
    #[arg(help_heading = OUTPUT, long = "styled-output", overrides_with = "no_styled_output")]
    pub styled_output: bool,

    /// Show -i's heads on a terminal without styling.
    ///
    /// The last of --styled-output and this wins.
    #[arg(help_heading = OUTPUT, long = "no-styled-output", overrides_with = "styled_output")]
    pub no_styled_output: bool,

    /// Leave the proxy's CONNECT answers out of -i and -D.
    ///
    /// By default they come first, as curl shows them (`HTTP/1.1 200 Connection
    /// established`, its headers, a blank line); -v and -w's counts are unchanged.
    #[arg(help_heading = PROXY, long = "suppress-connect-headers")]
    pub suppress_connect_headers: bool,
}

impl HeadFlags {
    /// Whether `-i`'s heads are styled where they go to a terminal.
    pub fn styled(&self) -> bool {
        !self.no_styled_output
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use clap::{Command, FromArgMatches};

    fn parse(args: &[&str]) -> HeadFlags {
        let cmd = HeadFlags::augment_args(Command::new("fetch"));
        let argv = std::iter::once("fetch").chain(args.iter().copied());
        HeadFlags::from_arg_matches(&cmd.get_matches_from(argv)).unwrap()
    }

    /// Styled by default, as curl; the last of the two flags wins.
    #[test]
    fn styled_by_default_and_the_last_flag_wins() {
        assert!(parse(&[]).styled());
        assert!(!parse(&["--no-styled-output"]).styled());
        assert!(parse(&["--no-styled-output", "--styled-output"]).styled());
        assert!(!parse(&["--styled-output", "--no-styled-output"]).styled());
        assert!(parse(&["--suppress-connect-headers"]).suppress_connect_headers);
    }
}
