//! Owns `-:/--next`: the command line cut into groups of URLs, each with its own options as
//! curl resets them, and the options curl keeps global across the groups.
//!
//! clap parses one set of flags at a time, so the cut is made before it, on the command line
//! with `-K` files already read in (a config file's `next` line cuts too), by the same reading
//! of which flags take a value as the config file expansion uses: a `--next` that is the
//! value of `-d` is data, not a cut. Each group is then parsed on its own.

use super::args::FetchArgs;
use super::config_file::Flags;
use std::ffi::OsString;

/// The fetch arguments (after `sockit fetch`, `-K` files read in) cut at each `-:`/`--next`
/// into groups; `fetch` is clap's definition of the fetch flags.
///
/// As curl: an empty group before another is skipped (`--next URL`, `URL -: -: URL`), and
/// an empty last group is kept, for the "no URL given" error curl gives for `URL --next`.
pub fn split(args: Vec<OsString>, fetch: &clap::Command) -> Vec<Vec<OsString>> {
    let flags = Flags::of(fetch);
    let mut groups = vec![Vec::new()];
    let mut args = args.into_iter();
    while let Some(arg) = args.next() {
        let text = arg.to_str().unwrap_or_default().to_owned();
        let current = groups.last_mut().expect("there is always a group");
        if text == "--" {
            current.push(arg);
            current.extend(args.by_ref());
            break;
        }
        if text == "--next" || text == "-:" {
            groups.push(Vec::new());
            continue;
        }
        current.push(arg);
        let takes_value = match text.strip_prefix("--") {
            Some(long) => !long.contains('=') && flags.long(long) == Some(true),
            None if text.len() > 1 && text.starts_with('-') => cluster_wants_next(&flags, &text),
            None => false,
        };
        if takes_value {
            current.extend(args.next());
        }
    }
    let last = groups.len() - 1;
    let mut kept: Vec<Vec<OsString>> = groups
        .into_iter()
        .enumerate()
        .filter(|(at, group)| !group.is_empty() || (*at == last && last > 0))
        .map(|(_, group)| group)
        .collect();
    if kept.is_empty() {
        kept.push(Vec::new());
    }
    kept
}

/// Whether a cluster of short flags (`-sSo`) ends with one that takes its value from the
/// next argument (`-so file`; not `-ofile`).
fn cluster_wants_next(flags: &Flags<'_>, text: &str) -> bool {
    let cluster = &text[1..];
    for (at, c) in cluster.char_indices() {
        if flags.short(c) == Some(true) {
            return at + c.len_utf8() == cluster.len();
        }
    }
    false
}

/// The groups of one run, with curl's global options shared: given in any group, they
/// hold for every group (`-v`, `--trace`, `--trace-ascii`, `--trace-time`, `-s`, `-S`,
/// `--no-progress-meter`, `--fail-early`, `-Z`, `--parallel-max`, `--stderr`,
/// `--styled-output`/`--no-styled-output`), as curl keeps them in
/// one place for the whole command line; the last group that sets a value wins.
#[derive(Debug)]
pub struct Groups(Vec<FetchArgs>);

impl Groups {
    /// `groups` (at least one), their global options shared.
    pub fn new(mut groups: Vec<FetchArgs>) -> Self {
        let any = |on: fn(&FetchArgs) -> bool| groups.iter().any(on);
        let switches = [
            any(|g| g.verbose),
            any(|g| g.trace_time),
            any(|g| g.silent),
            any(|g| g.show_error),
            any(|g| g.no_progress_meter),
            any(|g| g.fail_early),
            any(|g| g.parallel),
        ];
        let traced = groups
            .iter()
            .rev()
            .find(|g| g.trace.is_some() || g.trace_ascii.is_some())
            .map(|g| (g.trace.clone(), g.trace_ascii.clone()));
        let stderr = groups.iter().rev().find_map(|g| g.out.stderr.clone());
        let styled = groups
            .iter()
            .rev()
            .map(|g| (g.heads.styled_output, g.heads.no_styled_output))
            .find(|&(on, off)| on || off);
        let default_max = groups[0].parallel_max;
        let parallel_max = groups
            .iter()
            .rev()
            .map(|g| g.parallel_max)
            .find(|&max| max != default_max)
            .unwrap_or(default_max);
        for group in &mut groups {
            [
                group.verbose,
                group.trace_time,
                group.silent,
                group.show_error,
                group.no_progress_meter,
                group.fail_early,
                group.parallel,
            ] = switches;
            if let Some((trace, ascii)) = &traced {
                (group.trace, group.trace_ascii) = (trace.clone(), ascii.clone());
            }
            group.parallel_max = parallel_max;
            group.out.stderr.clone_from(&stderr);
            if let Some((on, off)) = styled {
                (group.heads.styled_output, group.heads.no_styled_output) = (on, off);
            }
        }
        Groups(groups)
    }

    /// The groups in order.
    pub fn all(&self) -> &[FetchArgs] {
        &self.0
    }

    /// The first group: where the global options are read.
    pub fn first(&self) -> &FetchArgs {
        &self.0[0]
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use clap::{Args, Command, FromArgMatches};

    fn fetch() -> Command {
        FetchArgs::augment_args(Command::new("fetch"))
    }

    fn cut(args: &[&str]) -> Vec<Vec<String>> {
        split(args.iter().map(OsString::from).collect(), &fetch())
            .into_iter()
            .map(|g| g.into_iter().map(|a| a.into_string().unwrap()).collect())
            .collect()
    }

    fn parse(args: &[&str]) -> FetchArgs {
        let argv = std::iter::once("fetch").chain(args.iter().copied());
        FetchArgs::from_arg_matches(&fetch().get_matches_from(argv)).unwrap()
    }

    /// `-:` and `--next` cut where they stand as options, never where they are a flag's
    /// value; empty groups are skipped, but not a last one.
    #[test]
    fn next_cuts_between_options_only() {
        assert_eq!(
            cut(&["a", "-:", "-d", "x", "b"]),
            [vec!["a"], vec!["-d", "x", "b"]]
        );
        assert_eq!(cut(&["-d", "--next", "a"]), [vec!["-d", "--next", "a"]]);
        assert_eq!(cut(&["-sd", "-:", "a"]), [vec!["-sd", "-:", "a"]]);
        assert_eq!(cut(&["-dx", "--next", "a"]), [vec!["-dx"], vec!["a"]]);
        assert_eq!(
            cut(&["--data=x", "--next", "a"]),
            [vec!["--data=x"], vec!["a"]]
        );
        assert_eq!(
            cut(&["--next", "a", "-:", "-:", "b"]),
            [vec!["a"], vec!["b"]]
        );
        assert_eq!(cut(&["a", "--next"]), [vec!["a"], vec![]]);
        assert_eq!(cut(&["a", "--", "--next"]), [vec!["a", "--", "--next"]]);
    }

    /// A global option in any group holds for all; the others stay each group's own.
    #[test]
    fn global_options_hold_for_every_group() {
        let groups = Groups::new(vec![
            parse(&["-i", "a"]),
            parse(&["-v", "--trace", "t", "-s", "--no-styled-output", "b"]),
        ]);
        let [one, two] = groups.all() else {
            panic!("two groups")
        };
        assert!(one.verbose && one.silent && one.trace.is_some());
        assert!(!one.heads.styled());
        assert!(one.include && !two.include);
    }
}
