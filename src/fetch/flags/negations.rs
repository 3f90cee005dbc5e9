//! Owns the `--no-FLAG` form of every fetch switch, as curl 7.88 takes `--no-` before any
//! boolean option (`--no-include`, `--no-location`, `--no-silent`, ...), and `--FLAG` for a
//! switch spelled `--no-FLAG` (`--progress-meter` undoes `--no-progress-meter`).
//!
//! The negations are derived from clap's own definitions rather than typed out, so a switch
//! added later gets its `--no-` form without anyone remembering: this group is flattened
//! last into the fetch flags, sees every switch defined before it, and adds a hidden
//! negation for each, the two overriding each other so the last one typed wins, as in
//! curl. A negation sets nothing of its own: it only takes its switch out of the matches.

use clap::{Arg, ArgAction, ArgMatches, Args, Command, FromArgMatches};

/// Switches curl does not let `--no-` turn off ("used '--no-' for option that isn't a
/// boolean"), read off curl 7.88 itself.
const NOT_BOOLEAN: [&str; 12] = [
    "http1.0",
    "http1.1",
    "http3",
    "http3-only",
    "ipv4",
    "ipv6",
    "tlsv1",
    "tlsv1.0",
    "tlsv1.1",
    "tlsv1.2",
    "tlsv1.3",
    "version",
];

/// Switches whose `--no-` form is a request mode of its own rather than an undo: curl's
/// `--no-head` asks for GET, so with `-I` (in either order) it is "one HTTP request method"
/// too many, read off curl 7.88 itself (exit 2).
const MODES: [&str; 1] = ["head"];

/// The `--no-` forms; of them, only a mode's is read after parsing.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Negations {
    /// `--no-head`: GET asked for, which a body (`-d`, `-F`, `-T`) contradicts.
    pub no_head: bool,
}

/// The id of the negation of the switch `id`.
fn negation_id(id: &str) -> String {
    format!("negate_{id}")
}

/// The long name that turns off the switch spelled `long`.
fn negated(long: &str) -> String {
    match long.strip_prefix("no-") {
        Some(positive) => positive.to_string(),
        None => format!("no-{long}"),
    }
}

impl Args for Negations {
    fn augment_args(cmd: Command) -> Command {
        // Run on every start: the names are looked up in a set borrowed from clap, and
        // only the switches' own are copied.
        let longs: std::collections::HashSet<&str> =
            cmd.get_arguments().filter_map(Arg::get_long).collect();
        // A switch whose `--no-` form is a flag of its own (`--tcp-nodelay` and
        // `--no-tcp-nodelay`, both in curl's list) already has its negation.
        let switches: Vec<(String, String)> = cmd
            .get_arguments()
            .filter(|a| matches!(a.get_action(), ArgAction::SetTrue))
            .filter_map(|a| Some((a.get_id().as_str(), a.get_long()?)))
            .filter(|(_, long)| !NOT_BOOLEAN.contains(long))
            .filter(|(_, long)| !longs.contains(negated(long).as_str()))
            .map(|(id, long)| (id.to_owned(), long.to_owned()))
            .collect();
        let mut cmd = cmd;
        for (id, long) in switches {
            let negation = negation_id(&id);
            // A value of its own, "true" when given, and no default: a SetTrue flag's
            // implicit "false" would be parsed and stored for each of these 100-odd
            // negations on every run, a tenth of the time clap takes for a small fetch.
            let negating = Arg::new(negation.clone())
                .long(negated(&long))
                .action(ArgAction::Set)
                .num_args(0)
                .default_missing_value("true")
                .value_parser(clap::value_parser!(bool))
                .hide(true);
            // clap reads an override both ways (the last of the two wins, whichever names
            // the other), so the negation alone names its switch: changing each switch as
            // well cost every start a hundred searches of the command's flags.
            cmd = match MODES.contains(&long.as_str()) {
                true => cmd
                    .mut_arg(&id, |a| a.conflicts_with(&negation))
                    .arg(negating),
                false => cmd.arg(negating.overrides_with(id)),
            };
        }
        cmd
    }

    fn augment_args_for_update(cmd: Command) -> Command {
        Self::augment_args(cmd)
    }
}

impl FromArgMatches for Negations {
    fn from_arg_matches(matches: &ArgMatches) -> Result<Self, clap::Error> {
        let mut negations = Negations::default();
        negations.update_from_arg_matches(matches)?;
        Ok(negations)
    }

    fn update_from_arg_matches(&mut self, matches: &ArgMatches) -> Result<(), clap::Error> {
        let id = negation_id("head");
        self.no_head = matches.try_get_one::<bool>(&id).ok().flatten() == Some(&true);
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::fetch::FetchArgs;
    use clap::Parser;

    #[derive(Parser)]
    struct Cli {
        #[command(flatten)]
        fetch: FetchArgs,
    }

    fn parse(args: &[&str]) -> Result<FetchArgs, clap::Error> {
        Cli::try_parse_from([&["fetch"], args, &["http://h/"]].concat()).map(|c| c.fetch)
    }

    /// The last of a switch and its `--no-` form wins, whichever comes first.
    #[test]
    fn the_last_of_a_switch_and_its_negation_wins() {
        assert!(!parse(&["-i", "--no-include"]).unwrap().include);
        assert!(parse(&["--no-include", "-i"]).unwrap().include);
        assert!(!parse(&["-sS", "--no-silent"]).unwrap().silent);
        assert!(parse(&["-sS", "--no-silent"]).unwrap().show_error);
        assert!(!parse(&["-L", "--no-location"]).unwrap().location);
        assert!(
            !parse(&["--no-progress-meter", "--progress-meter"])
                .unwrap()
                .no_progress_meter
        );
        assert!(!parse(&["--no-compressed"]).unwrap().compressed);
    }

    /// `--no-head` asks for GET: with `-I`, in either order, it is refused (curl's 2);
    /// alone or twice it is read.
    #[test]
    fn no_head_is_a_mode_that_clashes_with_head() {
        assert!(parse(&["-I", "--no-head"]).is_err());
        assert!(parse(&["--no-head", "-I"]).is_err());
        assert!(
            parse(&["--no-head", "--no-head"])
                .unwrap()
                .negations
                .no_head
        );
        assert!(!parse(&["-I", "-I"]).unwrap().negations.no_head);
    }

    /// curl refuses `--no-` on these, so sockit has no such flag.
    #[test]
    fn non_booleans_have_no_negation() {
        for long in NOT_BOOLEAN {
            assert!(parse(&[&format!("--no-{long}")]).is_err(), "--no-{long}");
        }
    }
}
