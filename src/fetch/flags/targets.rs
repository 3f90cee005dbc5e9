//! Defines the flags that name what to fetch and where it goes: URLs (positional and
//! `--url`), `-o FILE`, `-O` and `--remote-name-all`, kept in command-line order.
//!
//! curl pairs each URL with the next `-o` or `-O` in the order they were typed, so the
//! order across two different flags matters; clap's derive keeps one list per flag, so
//! this one group is written by hand over clap's argument indices.

use super::headings;
use clap::{value_parser, Arg, ArgAction, ArgMatches, Args, Command, FromArgMatches};
use std::path::PathBuf;

/// Where one URL's body goes, as typed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum OutputFlag {
    /// `-o FILE` (`-` is stdout).
    File(PathBuf),
    /// `-O`: named after the URL.
    Remote,
}

/// The URLs and their outputs, in command-line order.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Targets {
    /// Positional URLs and `--url`s, in order.
    pub urls: Vec<String>,
    /// `-o`s and `-O`s, in order: the Nth goes with the Nth URL.
    pub outputs: Vec<OutputFlag>,
    /// `--remote-name-all`: URLs without an `-o`/`-O` of their own are saved as with `-O`.
    pub remote_name_all: bool,
}

const URL: &str = "url";
const URL_FLAG: &str = "url_flag";
const OUTPUT: &str = "output";
const REMOTE: &str = "remote_name";
const REMOTE_ALL: &str = "remote_name_all";

impl Targets {
    /// Each URL with its output flag (None: stdout, unless `--remote-name-all`).
    pub fn pairs(&self) -> impl Iterator<Item = (&str, Option<&OutputFlag>)> {
        let remote_all = self.remote_name_all.then_some(&OutputFlag::Remote);
        self.urls
            .iter()
            .enumerate()
            .map(move |(i, url)| (url.as_str(), self.outputs.get(i).or(remote_all)))
    }
}

/// The values of `id` with their command-line indices.
fn indexed<T: Clone + Send + Sync + 'static>(m: &ArgMatches, id: &str) -> Vec<(usize, T)> {
    match (m.indices_of(id), m.get_many::<T>(id)) {
        (Some(at), Some(values)) => at.zip(values.cloned()).collect(),
        _ => Vec::new(),
    }
}

impl FromArgMatches for Targets {
    fn from_arg_matches(m: &ArgMatches) -> Result<Self, clap::Error> {
        let mut urls = indexed::<String>(m, URL);
        urls.extend(indexed::<String>(m, URL_FLAG));
        urls.sort_by_key(|(at, _)| *at);
        let mut outputs: Vec<(usize, OutputFlag)> = indexed::<PathBuf>(m, OUTPUT)
            .into_iter()
            .map(|(at, path)| (at, OutputFlag::File(path)))
            .collect();
        let typed = indexed::<String>(m, REMOTE);
        outputs.extend(typed.into_iter().map(|(at, _)| (at, OutputFlag::Remote)));
        outputs.sort_by_key(|(at, _)| *at);
        Ok(Targets {
            urls: urls.into_iter().map(|(_, u)| u).collect(),
            outputs: outputs.into_iter().map(|(_, o)| o).collect(),
            remote_name_all: m.get_flag(REMOTE_ALL),
        })
    }

    fn update_from_arg_matches(&mut self, m: &ArgMatches) -> Result<(), clap::Error> {
        *self = Self::from_arg_matches(m)?;
        Ok(())
    }
}

impl Args for Targets {
    fn augment_args(cmd: Command) -> Command {
        cmd.arg(
            Arg::new(URL)
                .value_name("URL")
                .action(ArgAction::Append)
                .help(
                    "The URLs to fetch: http:// or https:// (http:// is assumed when no scheme \
                     is given)",
                ),
        )
        .arg(
            Arg::new(OUTPUT)
                .short('o')
                .long("output")
                .value_name("FILE")
                .value_parser(value_parser!(PathBuf))
                .action(ArgAction::Append)
                .help_heading(headings::OUTPUT)
                .help("Write the body to FILE (through FILE.part) instead of stdout")
                .long_help(
                    "Write the body to FILE (through FILE.part) instead of stdout.\n\n\
                     Repeatable: the Nth -o/-O goes with the Nth URL; -D - prints the \
                     response head to stdout.",
                ),
        )
        .arg(
            Arg::new(REMOTE)
                .short('O')
                .long("remote-name")
                // A flag, but one value per use, so each -O keeps its place in the order.
                .action(ArgAction::Append)
                .num_args(0)
                .default_missing_value("-O")
                .help_heading(headings::OUTPUT)
                .help("Write the body to a file named after the URL")
                .long_help(
                    "Write the body to a file named after the URL.\n\n\
                     The file is in the current directory, named after the URL's last path \
                     segment (index.html when the path ends in /); repeatable.",
                ),
        )
        .arg(
            Arg::new(REMOTE_ALL)
                .long("remote-name-all")
                .action(ArgAction::SetTrue)
                .help_heading(headings::OUTPUT)
                .help("Save every URL without an -o/-O of its own as -O does"),
        )
        .arg(
            Arg::new(URL_FLAG)
                .long("url")
                .value_name("URL")
                .action(ArgAction::Append)
                .help_heading(headings::REQUEST)
                .help("One more URL to fetch, as a flag (repeatable)"),
        )
    }

    fn augment_args_for_update(cmd: Command) -> Command {
        Self::augment_args(cmd)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use clap::Parser;

    #[derive(Parser)]
    struct Cli {
        #[command(flatten)]
        targets: Targets,
    }

    fn parse(args: &[&str]) -> Targets {
        Cli::try_parse_from([&["t"], args].concat())
            .unwrap()
            .targets
    }

    #[test]
    fn outputs_pair_with_urls_in_typed_order() {
        let t = parse(&["-O", "a", "--url", "b", "-o", "f", "c"]);
        assert_eq!(t.urls, ["a", "b", "c"]);
        let pairs: Vec<_> = t.pairs().collect();
        assert_eq!(
            pairs,
            [
                ("a", Some(&OutputFlag::Remote)),
                ("b", Some(&OutputFlag::File("f".into()))),
                ("c", None)
            ]
        );
        assert_eq!(parse(&["a"]).outputs, []);
        let two = parse(&["-O", "a", "-o", "f", "b", "-O", "c"]);
        assert_eq!(
            two.outputs,
            [
                OutputFlag::Remote,
                OutputFlag::File("f".into()),
                OutputFlag::Remote
            ]
        );
        let all = parse(&["--remote-name-all", "a", "-o", "x", "b"]);
        let pairs: Vec<_> = all.pairs().collect();
        assert_eq!(pairs[0].1, Some(&OutputFlag::File("x".into())));
        assert_eq!(pairs[1].1, Some(&OutputFlag::Remote));
    }
}
