//! Owns curl's config files for `sockit fetch`: `-K/--config FILE` (and `-K -` for stdin),
//! and the `.curlrc` read before the command line unless `-q/--disable` comes first.
//!
//! curl reads a config file as more command-line options, inserted where `-K` stands, so the
//! same happens here before clap sees the command line: each line becomes the arguments it
//! stands for, and clap then parses one command line with one set of rules. What an option
//! is (its names, whether it takes a value) is read off clap's own definition of the fetch
//! flags, so every flag is defined once and a config file knows every flag the command line
//! knows.
//!
//! The syntax is curl 7.88's (`tool_parsecfg.c`): one option per line, with or without its
//! leading dashes (`location`, `--location`, `-L`); its value after white space, or after `=`
//! or `:` when the option has no dashes; a value with white space in double quotes, inside
//! which `\\`, `\"`, `\t`, `\n`, `\r` and `\v` are escapes; a line whose first non-blank
//! character is `#` is a comment. Where curl only warns (a value after an option that takes
//! none, unquoted white space in a value), so does sockit; where curl would skip an option
//! it does not know or one missing its value and run on, sockit stops with a usage error
//! that names the file and line, since running without an option the user wrote can lose or
//! leak data.

use crate::exit::{common, curl};
use std::ffi::OsString;
use std::fmt;
use std::path::{Path, PathBuf};
use thiserror::Error;

/// How deep `-K` may nest inside config files, so that a file that names itself ends.
const MAX_DEPTH: usize = 16;

/// How many config files one command line may read in all: a file that names itself twice
/// would otherwise be read 2^16 times within the depth bound.
const MAX_FILES: usize = 64;

/// The largest config file read: curl 8.2 bounds a line at 10 MB; a whole file of that size
/// is already far past any real one.
const MAX_FILE: u64 = 10 << 20;

/// One option line of a config file, as curl splits it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Line {
    /// The line number, from 1.
    pub number: usize,
    /// The option as written: `location`, `--location` or `-L`.
    pub option: String,
    /// Its value, if the line has one.
    pub value: Option<String>,
    /// Whether more text followed an unquoted value (curl warns: it is not part of it).
    pub trailing: bool,
}

/// Splits a config file into its option lines, skipping blanks and comments.
pub fn parse(text: &str) -> Vec<Line> {
    text.lines()
        .enumerate()
        .filter_map(|(i, line)| parse_line(i + 1, line))
        .collect()
}

/// One line: `None` for a blank or comment line.
fn parse_line(number: usize, line: &str) -> Option<Line> {
    let line = line.trim_start_matches(is_space);
    if line.is_empty() || line.starts_with(['#', '/', '*', '\r']) {
        return None;
    }
    let dashed = line.starts_with('-');
    let is_separator = |c: char| !dashed && (c == '=' || c == ':');
    let end = line
        .find(|c: char| is_space(c) || is_separator(c))
        .unwrap_or(line.len());
    let (option, rest) = line.split_at(end);
    let rest = rest.trim_start_matches(|c: char| is_space(c) || is_separator(c));
    let (value, trailing) = if let Some(quoted) = rest.strip_prefix('"') {
        (Some(unquote(quoted)), false)
    } else {
        let end = rest.find(is_space).unwrap_or(rest.len());
        let after = rest[end..].trim_start_matches(is_space);
        let trailing = !(after.is_empty() || after.starts_with(['#', '\r']));
        ((end > 0).then(|| rest[..end].to_owned()), trailing)
    };
    Some(Line {
        number,
        option: option.to_owned(),
        value,
        trailing,
    })
}

/// curl's `ISSPACE`.
fn is_space(c: char) -> bool {
    matches!(c, ' ' | '\t' | '\n' | '\r' | '\x0b' | '\x0c')
}

/// A quoted value up to its closing quote (or the end of the line), escapes resolved.
fn unquote(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut chars = text.chars();
    while let Some(c) = chars.next() {
        match c {
            '"' => break,
            '\\' => match chars.next() {
                Some('t') => out.push('\t'),
                Some('n') => out.push('\n'),
                Some('r') => out.push('\r'),
                Some('v') => out.push('\x0b'),
                Some(other) => out.push(other),
                None => break,
            },
            c => out.push(c),
        }
    }
    out
}

impl Line {
    /// A usage error about this line of `file`.
    fn error(&self, file: &str, reason: String) -> ConfigFileError {
        ConfigFileError::Option {
            path: file.to_owned(),
            line: self.number,
            reason,
        }
    }
}

/// Why the command line could not be expanded.
#[derive(Debug, Error)]
pub enum ConfigFileError {
    /// The file cannot be read (curl's 26).
    #[error("cannot read config from {path}: {reason}")]
    Read {
        /// The file, `-` for stdin.
        path: String,
        /// Why.
        reason: String,
    },
    /// A line names an option sockit fetch does not have, or leaves out a value (usage).
    #[error("{path}:{line}: {reason}")]
    Option {
        /// The file.
        path: String,
        /// The line number.
        line: usize,
        /// What is wrong.
        reason: String,
    },
    /// `-K` names files inside files more than [`MAX_DEPTH`] deep, or more than
    /// [`MAX_FILES`] files in all (usage).
    #[error("config files nest more than {MAX_DEPTH} deep or {MAX_FILES} in all (does {0} read itself?)")]
    TooDeep(String),
}

impl ConfigFileError {
    /// curl's code: 26 for a file that cannot be read, usage otherwise.
    pub fn exit_code(&self) -> u8 {
        match self {
            ConfigFileError::Read { .. } => curl::READ_ERROR,
            ConfigFileError::Option { .. } | ConfigFileError::TooDeep(_) => common::USAGE,
        }
    }
}

/// Where the default config file may be, and how stdin is read for `-K -`.
pub struct Sources<'a> {
    /// `$CURL_HOME`, `$XDG_CONFIG_HOME` and `$HOME`, in curl's order of search.
    pub homes: Vec<PathBuf>,
    /// Reads a config file's text (`-` is stdin).
    pub read: &'a dyn Fn(&Path) -> std::io::Result<String>,
}

impl Sources<'_> {
    /// The process's own environment and file system.
    pub fn process() -> Sources<'static> {
        let homes = ["CURL_HOME", "XDG_CONFIG_HOME", "HOME"]
            .iter()
            .filter_map(std::env::var_os)
            .filter(|v| !v.is_empty())
            .map(PathBuf::from)
            .collect();
        Sources {
            homes,
            read: &read_config,
        }
    }
}

/// Reads a config file, or stdin for `-`, up to [`MAX_FILE`] bytes.
fn read_config(path: &Path) -> std::io::Result<String> {
    use std::io::Read;
    let mut text = String::new();
    if path == Path::new("-") {
        std::io::stdin().take(MAX_FILE).read_to_string(&mut text)?;
    } else {
        std::fs::File::open(path)?
            .take(MAX_FILE)
            .read_to_string(&mut text)?;
    }
    Ok(text)
}

/// What the expansion printed as curl would: warnings that do not stop the run.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct Warnings(pub Vec<String>);

impl fmt::Display for Warnings {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for warning in &self.0 {
            writeln!(f, "sockit: warning: {warning}")?;
        }
        Ok(())
    }
}

/// `fetch`'s arguments (those after `sockit fetch`) with every `-K FILE` replaced by the
/// options the file holds, and the default `.curlrc` first unless `-q` is the first
/// argument; `fetch` is clap's definition of the fetch flags.
pub fn expand(
    args: Vec<OsString>,
    fetch: &clap::Command,
    sources: &Sources<'_>,
) -> Result<(Vec<OsString>, Warnings), ConfigFileError> {
    let flags = Flags::of(fetch);
    let mut expander = Expander {
        flags: &flags,
        sources,
        warnings: Warnings::default(),
        files: 0,
    };
    let mut out = Vec::with_capacity(args.len());
    let disabled = args
        .first()
        .is_some_and(|first| flags.is_disable(first.to_str().unwrap_or("")));
    if !disabled {
        if let Some(curlrc) = sources
            .homes
            .iter()
            .map(|home| home.join(".curlrc"))
            .find(|path| path.is_file())
        {
            expander.file(&curlrc, 0, &mut out)?;
        }
    }
    expander.command_line(args, &mut out)?;
    Ok((out, expander.warnings))
}

/// What the expansion (and `-:`'s cut) needs to know of the fetch flags, read off clap:
/// names borrowed from clap's definitions, as both run on every start (copying 500-odd
/// names twice cost a small fetch a percent of its time).
pub(super) struct Flags<'a> {
    /// `(short, long, takes a value)` of every flag.
    options: Vec<(Option<char>, Option<&'a str>, bool)>,
    /// `-K`'s short and long names.
    config: (Option<char>, Option<&'a str>),
    /// `-q`'s short and long names.
    disable: (Option<char>, Option<&'a str>),
}

impl<'a> Flags<'a> {
    pub(super) fn of(fetch: &'a clap::Command) -> Self {
        let names = |id: &str| {
            fetch
                .get_arguments()
                .find(|a| a.get_id() == id)
                .map_or((None, None), |a| (a.get_short(), a.get_long()))
        };
        let mut options = Vec::with_capacity(2 * fetch.get_arguments().count());
        for arg in fetch.get_arguments().filter(|a| !a.is_positional()) {
            // A `--no-` negation is a Set of no values (negations.rs).
            let takes = arg.get_action().takes_values()
                && arg.get_num_args().is_none_or(|n| n.takes_values());
            let longs = arg.get_long().into_iter();
            let aliases = arg.get_all_aliases().unwrap_or_default();
            options.extend(longs.chain(aliases).map(|l| (None, Some(l), takes)));
            let shorts = arg.get_short().into_iter();
            let short_aliases = arg.get_all_short_aliases().unwrap_or_default();
            options.extend(shorts.chain(short_aliases).map(|c| (Some(c), None, takes)));
        }
        Flags {
            options,
            config: names("config"),
            disable: names("disable"),
        }
    }

    /// Whether the long option `name` exists, and whether it takes a value.
    pub(super) fn long(&self, name: &str) -> Option<bool> {
        self.options
            .iter()
            .find(|(_, long, _)| *long == Some(name))
            .map(|&(_, _, takes)| takes)
    }

    /// Whether the short option `c` exists, and whether it takes a value.
    pub(super) fn short(&self, c: char) -> Option<bool> {
        self.options
            .iter()
            .find(|(short, _, _)| *short == Some(c))
            .map(|&(_, _, takes)| takes)
    }

    fn is_config_long(&self, name: &str) -> bool {
        self.config.1 == Some(name)
    }

    fn is_disable(&self, arg: &str) -> bool {
        let (short, long) = &self.disable;
        arg.strip_prefix("--")
            .is_some_and(|name| *long == Some(name))
            || short.is_some_and(|c| arg == format!("-{c}"))
    }
}

/// Expands `-K` wherever it stands, recursively.
struct Expander<'a> {
    flags: &'a Flags<'a>,
    sources: &'a Sources<'a>,
    warnings: Warnings,
    /// Config files read so far.
    files: usize,
}

impl Expander<'_> {
    /// Copies the command line to `out`, replacing each `-K FILE` by the file's options.
    fn command_line(
        &mut self,
        args: Vec<OsString>,
        out: &mut Vec<OsString>,
    ) -> Result<(), ConfigFileError> {
        let mut args = args.into_iter();
        while let Some(arg) = args.next() {
            let Some(text) = arg.to_str().map(str::to_owned) else {
                out.push(arg);
                continue;
            };
            if text == "--" {
                out.push(arg);
                out.extend(args);
                break;
            }
            if let Some(long) = text.strip_prefix("--") {
                let (name, inline) = match long.split_once('=') {
                    Some((name, value)) => (name, Some(value.to_owned())),
                    None => (long, None),
                };
                if self.flags.is_config_long(name) {
                    let file = inline.map(OsString::from).or_else(|| args.next());
                    self.config_flag(file, 0, out)?;
                    continue;
                }
                let takes = self.flags.long(name) == Some(true);
                out.push(arg);
                if takes && inline.is_none() {
                    out.extend(args.next());
                }
                continue;
            }
            if text.len() > 1 && text.starts_with('-') {
                self.short_cluster(&text, &mut args, out)?;
                continue;
            }
            out.push(arg);
        }
        Ok(())
    }

    /// A cluster of short flags (`-sSL`, `-ofile`, `-K file`), where `-K` may stand.
    fn short_cluster(
        &mut self,
        text: &str,
        args: &mut impl Iterator<Item = OsString>,
        out: &mut Vec<OsString>,
    ) -> Result<(), ConfigFileError> {
        let cluster = &text[1..];
        for (i, c) in cluster.char_indices() {
            let rest = &cluster[i + c.len_utf8()..];
            if Some(c) == self.flags.config.0 {
                if i > 0 {
                    out.push(format!("-{}", &cluster[..i]).into());
                }
                let file = if rest.is_empty() {
                    args.next()
                } else {
                    Some(rest.into())
                };
                return self.config_flag(file, 0, out);
            }
            if self.flags.short(c) == Some(true) {
                out.push(text.into());
                if rest.is_empty() {
                    out.extend(args.next());
                }
                return Ok(());
            }
        }
        out.push(text.into());
        Ok(())
    }

    /// `-K` with `file` (none: the flag ended the command line; clap will say so).
    fn config_flag(
        &mut self,
        file: Option<OsString>,
        depth: usize,
        out: &mut Vec<OsString>,
    ) -> Result<(), ConfigFileError> {
        match file {
            Some(file) => self.file(Path::new(&file), depth, out),
            None => {
                let long = self.flags.config.1.unwrap_or("config");
                out.push(format!("--{long}").into());
                Ok(())
            }
        }
    }

    /// The options of the config file at `path`, appended to `out`.
    fn file(
        &mut self,
        path: &Path,
        depth: usize,
        out: &mut Vec<OsString>,
    ) -> Result<(), ConfigFileError> {
        let name = path.display().to_string();
        self.files += 1;
        if depth >= MAX_DEPTH || self.files > MAX_FILES {
            return Err(ConfigFileError::TooDeep(name));
        }
        let text = (self.sources.read)(path).map_err(|e| ConfigFileError::Read {
            path: name.clone(),
            reason: crate::net::describe(&e),
        })?;
        for line in parse(&text) {
            self.line(&name, &line, depth, out)?;
        }
        Ok(())
    }

    /// One option line, as the arguments it stands for.
    fn line(
        &mut self,
        file: &str,
        line: &Line,
        depth: usize,
        out: &mut Vec<OsString>,
    ) -> Result<(), ConfigFileError> {
        let fail = |reason: String| line.error(file, reason);
        if line.trailing {
            self.warn(
                file,
                line,
                "uses unquoted white space in the line that may cause side-effects",
            );
        }
        let option = &line.option;
        let long = match option.strip_prefix("--") {
            Some(long) => Some(long),
            None if !option.starts_with('-') => Some(option.as_str()),
            None => None,
        };
        let Some(long) = long else {
            return self.short_line(file, line, depth, out);
        };
        if self.flags.is_config_long(long) {
            let value = line
                .value
                .clone()
                .ok_or_else(|| fail(format!("'{option}' requires a value")))?;
            return self.file(Path::new(&value), depth + 1, out);
        }
        match self.flags.long(long) {
            None => Err(fail(format!("'{option}' is not an option of sockit fetch"))),
            Some(true) => {
                let value = line
                    .value
                    .clone()
                    .ok_or_else(|| fail(format!("'{option}' requires a value")))?;
                out.push(format!("--{long}").into());
                out.push(value.into());
                Ok(())
            }
            Some(false) => {
                if line.value.is_some() {
                    self.warn(file, line, "had unsupported trailing garbage");
                }
                out.push(format!("--{long}").into());
                Ok(())
            }
        }
    }

    /// A line whose option is a cluster of short flags (`-L`, `-sS`, `-o file`).
    fn short_line(
        &mut self,
        file: &str,
        line: &Line,
        depth: usize,
        out: &mut Vec<OsString>,
    ) -> Result<(), ConfigFileError> {
        let fail = |reason: String| line.error(file, reason);
        let cluster = &line.option[1..];
        if cluster.is_empty() {
            return Err(fail("'-' is not an option of sockit fetch".into()));
        }
        for (i, c) in cluster.char_indices() {
            let rest = &cluster[i + c.len_utf8()..];
            let value = || {
                if rest.is_empty() {
                    line.value.clone()
                } else {
                    Some(rest.to_owned())
                }
                .ok_or_else(|| fail(format!("'-{c}' requires a value")))
            };
            if Some(c) == self.flags.config.0 {
                return self.file(Path::new(&value()?), depth + 1, out);
            }
            match self.flags.short(c) {
                None => return Err(fail(format!("'-{c}' is not an option of sockit fetch"))),
                Some(true) => {
                    out.push(format!("-{c}").into());
                    out.push(value()?.into());
                    return Ok(());
                }
                Some(false) => out.push(format!("-{c}").into()),
            }
        }
        if line.value.is_some() {
            self.warn(file, line, "had unsupported trailing garbage");
        }
        Ok(())
    }

    fn warn(&mut self, file: &str, line: &Line, what: &str) {
        self.warnings
            .0
            .push(format!("{file}:{}: '{}' {what}", line.number, line.option));
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn line(number: usize, option: &str, value: Option<&str>) -> Line {
        Line {
            number,
            option: option.into(),
            value: value.map(str::to_owned),
            trailing: false,
        }
    }

    /// The forms curl's manual gives: no dashes with `=`/`:`/space, dashes with space,
    /// quoted values with escapes, comments.
    #[test]
    fn lines_split_as_curl_splits_them() {
        let text = "# a comment\n\
                    location\n\
                    \t--silent\n\
                    url = \"http://h/a b\"\n\
                    output:out.txt\n\
                    -H \"X-A: b\\tc\\\"d\"\n\
                    user-agent foo bar\n\
                    \n";
        let lines = parse(text);
        assert_eq!(lines[0], line(2, "location", None));
        assert_eq!(lines[1], line(3, "--silent", None));
        assert_eq!(lines[2], line(4, "url", Some("http://h/a b")));
        assert_eq!(lines[3], line(5, "output", Some("out.txt")));
        assert_eq!(lines[4], line(6, "-H", Some("X-A: b\tc\"d")));
        assert_eq!(
            lines[5],
            Line {
                trailing: true,
                ..line(7, "user-agent", Some("foo"))
            }
        );
        assert_eq!(lines.len(), 6);
    }

    /// With dashes, `=` and `:` are part of the option, not separators (curl's rule).
    #[test]
    fn dashed_options_take_no_separator() {
        assert_eq!(parse("--url=x"), vec![line(1, "--url=x", None)]);
    }

    proptest! {
        /// Any text splits without a panic, no option holds white space, and only a line
        /// that starts with a separator has an empty option (curl then says it is unknown).
        #[test]
        fn any_text_splits_safely(text in "[ -~\t\n\r\"\\\\]{0,300}") {
            for line in parse(&text) {
                prop_assert!(!line.option.contains(is_space));
                if line.option.is_empty() {
                    let source = text.lines().nth(line.number - 1).unwrap();
                    prop_assert!(source.trim_start_matches(is_space).starts_with(['=', ':']));
                }
            }
        }

        /// A quoted value comes back exactly as written, escapes and all.
        #[test]
        fn quoted_values_round_trip(value in "[ -~\t]{0,40}") {
            let escaped = value.replace('\\', "\\\\").replace('"', "\\\"").replace('\t', "\\t");
            let lines = parse(&format!("header = \"{escaped}\"\n"));
            prop_assert_eq!(lines[0].value.as_deref(), Some(value.as_str()));
        }
    }
}
