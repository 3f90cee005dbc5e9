//! Defines the request-data flags, `-d`, `--data-binary`, `--data-raw`, `--data-urlencode`
//! and `--json`, kept in command-line order: curl joins `-d` pieces in the order typed,
//! whichever of the four spellings each uses, so (as with URLs and outputs in `targets.rs`) this group is read by
//! hand from clap's argument indices.

use super::headings::REQUEST;
use clap::{Arg, ArgAction, ArgMatches, Args, Command, FromArgMatches};

/// How one piece of data is read.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DataKind {
    /// `-d`: `@FILE` without its line breaks.
    Text,
    /// `--data-binary`: `@FILE` as it is.
    Binary,
    /// `--data-raw`: no `@`.
    Raw,
    /// `--data-urlencode`: `[NAME]=CONTENT` or `[NAME]@FILE`, the content URL-encoded.
    UrlEncode,
}

/// The data flags, in command-line order.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct DataFlags {
    /// `-d`, `--data-binary` and `--data-raw` pieces, in order: a POSTed form joined by `&`.
    pub form: Vec<(DataKind, String)>,
    /// `--json` pieces, concatenated.
    pub json: Vec<String>,
}

const FLAGS: [(&str, DataKind); 4] = [
    ("data", DataKind::Text),
    ("data_binary", DataKind::Binary),
    ("data_raw", DataKind::Raw),
    ("data_urlencode", DataKind::UrlEncode),
];

impl FromArgMatches for DataFlags {
    fn from_arg_matches(m: &ArgMatches) -> Result<Self, clap::Error> {
        let mut form: Vec<(usize, (DataKind, String))> = Vec::new();
        for (id, kind) in FLAGS {
            if let (Some(at), Some(values)) = (m.indices_of(id), m.get_many::<String>(id)) {
                form.extend(at.zip(values.map(|v| (kind, v.clone()))));
            }
        }
        form.sort_by_key(|(at, _)| *at);
        Ok(DataFlags {
            form: form.into_iter().map(|(_, piece)| piece).collect(),
            json: m
                .get_many::<String>("json")
                .map(|v| v.cloned().collect())
                .unwrap_or_default(),
        })
    }

    fn update_from_arg_matches(&mut self, m: &ArgMatches) -> Result<(), clap::Error> {
        *self = Self::from_arg_matches(m)?;
        Ok(())
    }
}

impl Args for DataFlags {
    fn augment_args(cmd: Command) -> Command {
        let piece = |id: &'static str| {
            Arg::new(id)
                .value_name("DATA")
                .action(ArgAction::Append)
                .allow_hyphen_values(true)
                .help_heading(REQUEST)
        };
        cmd.arg(
            piece("data")
                .short('d')
                .long("data")
                .visible_alias("data-ascii")
                .help("Send DATA as the request body (POST, form content type)")
                .long_help(
                    "Send DATA as the request body (POST, form content type).\n\n\
                     Repeatable (joined with `&` in the order typed, with --data-binary and \
                     --data-raw too); `@FILE` sends FILE's contents without its line breaks, \
                     `@-` stdin, as curl.",
                ),
        )
        .arg(
            piece("data_binary")
                .long("data-binary")
                .help("Like -d, but `@FILE` is sent exactly as it is (line breaks kept)"),
        )
        .arg(
            piece("data_raw")
                .long("data-raw")
                .help("Like -d, but `@` has no special meaning"),
        )
        .arg(
            piece("data_urlencode")
                .long("data-urlencode")
                .help("Like -d, but URL-encoded: `CONTENT`, `NAME=CONTENT`, `NAME@FILE`")
                .long_help(
                    "Like -d, but URL-encoded: `CONTENT`, `NAME=CONTENT`, `NAME@FILE`.\n\n\
                     Only the content is encoded (space as `+`, all but letters, digits and \
                     `-._~` as %XX), as curl does; `=CONTENT` sends CONTENT alone, `@FILE` \
                     FILE's whole contents (`@-` stdin).",
                ),
        )
        .arg(
            piece("json")
                .long("json")
                .conflicts_with_all(["data", "data_binary", "data_raw", "data_urlencode"])
                .help("Send DATA (or `@FILE`) as JSON")
                .long_help(
                    "Send DATA (or `@FILE`) as JSON.\n\n\
                     POST, Content-Type and Accept application/json; repeated pieces are \
                     concatenated.",
                ),
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
        data: DataFlags,
    }

    #[test]
    fn pieces_keep_their_typed_order() {
        let cli =
            Cli::try_parse_from(["t", "--data-raw", "@r", "-d", "a=1", "--data-binary", "@b"])
                .unwrap();
        assert_eq!(
            cli.data.form,
            [
                (DataKind::Raw, "@r".to_string()),
                (DataKind::Text, "a=1".into()),
                (DataKind::Binary, "@b".into())
            ]
        );
        assert!(Cli::try_parse_from(["t", "--json", "{}", "-d", "x"]).is_err());
    }
}
