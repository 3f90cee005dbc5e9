//! `sockit serve --config FILE`: the serve flags as TOML keys, merged under the command line.
//!
//! Every long flag of `serve` is a key of the same name (`max-connections = 5000`,
//! `bind = ["127.0.0.1:9999", "tls:0.0.0.0:9443"]`, `quiet = true`). The file is not a second
//! definition of the settings: each key is turned back into the flag it names and parsed by
//! the same clap definitions as the command line, so a value the flag would refuse is refused
//! here too, with the same words, and a new flag is a new key without a line of code. What
//! this module adds is the bookkeeping: which keys exist (the serve command's long flags),
//! what TOML type each takes (a flag with no value takes `true`/`false`, a repeatable one an
//! array), where in the file each key is (for one-line errors naming file, line and key), and
//! the rule that a flag given on the command line wins over the file's key.

use std::ffi::{OsStr, OsString};
use std::path::{Path, PathBuf};

/// A configuration file that cannot be used: where, which key, and why.
#[derive(Debug, thiserror::Error)]
#[error("{}{}{}: {message}", path.display(), line.map(|l| format!(":{l}")).unwrap_or_default(), key.as_deref().map(|k| format!(": {k}")).unwrap_or_default())]
pub struct ConfigFileError {
    /// The file.
    pub path: PathBuf,
    /// The line of the offending key, when there is one.
    pub line: Option<usize>,
    /// The offending key.
    pub key: Option<String>,
    /// What is wrong, and what to do.
    pub message: String,
}

impl ConfigFileError {
    /// A bad configuration file is a usage error, as a bad flag is.
    pub fn exit_code(&self) -> u8 {
        crate::exit::serve::BAD_CONFIG
    }
}

/// Long flags that are not settings: a file does not name another file, nor ask for help.
const NOT_KEYS: [&str; 3] = ["config", "help", "version"];

/// The keys a configuration file may hold: every long flag of `serve` that is a setting.
pub fn keys(serve: &clap::Command) -> Vec<String> {
    serve
        .get_arguments()
        .filter_map(|arg| arg.get_long())
        .filter(|long| !NOT_KEYS.contains(long))
        .map(str::to_owned)
        .collect()
}

/// The keys a reload applies to the running server (to new connections); a change to any
/// other key (the listeners, `--threads`, the metrics address) is refused until a restart,
/// with one log line naming it.
pub const RELOADABLE: [&str; 20] = [
    "framing",
    "greeting",
    "max-line",
    "idle-timeout",
    "send-timeout",
    "max-input-memory",
    "max-connections",
    "max-connections-per-ip",
    "max-connection-rate",
    "max-connection-rate-per-ip",
    "drain-delay",
    "grace",
    "quiet",
    "log-format",
    "proxy-protocol",
    "proxy-from",
    "tls-cert",
    "tls-key",
    "tls-client-ca",
    "handshake-timeout",
];

/// The keys that shape what the process is (its sockets and threads), which take effect only
/// at a restart. Every key is in this list or in [`RELOADABLE`].
pub const AT_RESTART: [&str; 5] = ["bind", "backlog", "reuse-port", "metrics", "threads"];

/// Where `serve`'s settings come from: a file under a command line.
#[derive(Debug, Clone)]
pub struct Source {
    serve: clap::Command,
    file: PathBuf,
    command_line: Vec<OsString>,
}

/// One reading of a [`Source`].
#[derive(Debug, Clone)]
pub struct Loaded {
    /// The arguments `serve` runs with (after `serve`): the file's keys that the command line
    /// does not set, as flags, then the command line.
    pub argv: Vec<OsString>,
    /// The file's keys in force, each as its flags.
    from_file: Vec<(String, Vec<OsString>)>,
}

impl Source {
    /// `file` under `command_line` (the arguments after `serve`), for `serve`'s flags.
    pub fn new(serve: clap::Command, file: PathBuf, command_line: Vec<OsString>) -> Self {
        Source {
            serve,
            file,
            command_line,
        }
    }

    /// The file.
    pub fn file(&self) -> &Path {
        &self.file
    }

    /// Reads the file and merges it under the command line.
    pub fn load(&self) -> Result<Loaded, ConfigFileError> {
        let text = std::fs::read_to_string(&self.file).map_err(|e| ConfigFileError {
            path: self.file.clone(),
            line: None,
            key: None,
            message: format!("cannot read it: {}", crate::net::describe(&e)),
        })?;
        let given = given_on(&self.serve, &self.command_line);
        let from_file: Vec<_> = from_toml(&self.serve, &self.file, &text)?
            .into_iter()
            .filter(|(key, _)| !given.contains(key))
            .collect();
        let mut argv: Vec<OsString> = from_file.iter().flat_map(|(_, a)| a.clone()).collect();
        argv.extend(self.command_line.iter().cloned());
        Ok(Loaded { argv, from_file })
    }

    /// A configuration error about the file as a whole (what clap says of the merged flags).
    pub fn error(&self, message: impl Into<String>) -> ConfigFileError {
        ConfigFileError {
            path: self.file.clone(),
            line: None,
            key: None,
            message: message.into(),
        }
    }
}

impl Loaded {
    /// The file's keys whose flags differ between `self` and `newer` (set, changed or
    /// removed).
    pub fn changed(&self, newer: &Loaded) -> Vec<String> {
        let flags = |loaded: &Loaded, key: &str| {
            (loaded.from_file.iter())
                .find(|(k, _)| k == key)
                .map(|(_, a)| a.clone())
        };
        let mut keys: Vec<String> = (self.from_file.iter().chain(&newer.from_file))
            .map(|(k, _)| k.clone())
            .collect();
        keys.sort();
        keys.dedup();
        keys.retain(|k| flags(self, k) != flags(newer, k));
        keys
    }
}

/// Each key of the file as the flags it stands for, checked one key at a time by clap.
fn from_toml(
    serve: &clap::Command,
    file: &Path,
    text: &str,
) -> Result<Vec<(String, Vec<OsString>)>, ConfigFileError> {
    let fail = |span: Option<std::ops::Range<usize>>, key: Option<&str>, message: String| {
        ConfigFileError {
            path: file.to_owned(),
            line: span.map(|s| line_of(text, s.start)),
            key: key.map(str::to_owned),
            message,
        }
    };
    let document = toml::de::DeTable::parse(text).map_err(|e| {
        let message = e.message().trim_end().replace('\n', "; ");
        fail(e.span(), None, message)
    })?;
    let mut flags = Vec::new();
    for (key, value) in document.get_ref() {
        let span = Some(key.span());
        let key = key.get_ref().as_ref();
        let arg = (serve.get_arguments())
            .find(|a| a.get_long() == Some(key) && !NOT_KEYS.contains(&key))
            .ok_or_else(|| fail(span.clone(), Some(key), unknown(serve, key)))?;
        let args =
            as_flags(arg, key, value.get_ref()).map_err(|m| fail(span.clone(), Some(key), m))?;
        check(serve, &args).map_err(|m| fail(span.clone(), Some(key), m))?;
        flags.push((key.to_owned(), args));
    }
    Ok(flags)
}

/// The 1-based line of byte `offset`.
fn line_of(text: &str, offset: usize) -> usize {
    text[..offset.min(text.len())].matches('\n').count() + 1
}

fn unknown(serve: &clap::Command, key: &str) -> String {
    let close = (keys(serve).into_iter())
        .map(|k| (distance(&k, key), k))
        .filter(|(d, _)| *d <= 2)
        .min();
    match close.map(|(_, k)| k) {
        Some(k) => format!("no such key (did you mean '{k}'?)"),
        None => "no such key: keys are `sockit serve`'s long flags, without the dashes".into(),
    }
}

/// How many single-character edits turn `a` into `b` (Levenshtein), for suggesting the key
/// a typo meant.
fn distance(a: &str, b: &str) -> usize {
    let b: Vec<char> = b.chars().collect();
    let mut row: Vec<usize> = (0..=b.len()).collect();
    for (i, ca) in a.chars().enumerate() {
        let mut diagonal = row[0];
        row[0] = i + 1;
        for (j, cb) in b.iter().enumerate() {
            let above = row[j + 1];
            row[j + 1] = (above + 1)
                .min(row[j] + 1)
                .min(diagonal + usize::from(ca != *cb));
            diagonal = above;
        }
    }
    row[b.len()]
}

/// The flags `key = value` stands for: `--key=VALUE` (repeated for each element of an
/// array, for a repeatable flag; one word, so that a value starting with `-` is a value), or
/// `--key` alone for `true` of a flag without a value.
fn as_flags(
    arg: &clap::Arg,
    key: &str,
    value: &toml::de::DeValue<'_>,
) -> Result<Vec<OsString>, String> {
    use toml::de::DeValue;
    let flag = OsString::from(format!("--{key}"));
    let takes_value = arg.get_action().takes_values();
    let repeatable = matches!(arg.get_action(), clap::ArgAction::Append);
    if !takes_value {
        return match value {
            DeValue::Boolean(true) => Ok(vec![flag]),
            DeValue::Boolean(false) => Ok(Vec::new()),
            _ => Err("expected true or false".into()),
        };
    }
    let scalar = |v: &DeValue<'_>| match v {
        DeValue::String(s) => Ok(s.to_string()),
        DeValue::Integer(i) => (i64::from_str_radix(i.as_str(), i.radix()))
            .map(|i| i.to_string())
            .map_err(|e| format!("{e}")),
        DeValue::Float(f) => Ok(f.to_string()),
        DeValue::Boolean(_) => Err("expected a value, not true or false".to_owned()),
        _ => Err("expected a string or a number".to_owned()),
    };
    let values = match value {
        DeValue::Array(items) if repeatable => (items.iter())
            .map(|item| scalar(item.get_ref()))
            .collect::<Result<Vec<_>, _>>()?,
        DeValue::Array(_) => return Err("takes one value, not an array".into()),
        other => vec![scalar(other)?],
    };
    Ok(values
        .into_iter()
        .map(|v| OsString::from(format!("--{key}={v}")))
        .collect())
}

/// Whether clap accepts `args` alone: the value checks of the flag itself. Also the message
/// of a clap error as one line. A flag that requires another (`tls-cert` and `tls-key`) is
/// not refused here for lacking it: the whole command line, file and flags together, is
/// parsed again afterwards, and that parse says so if the other is missing everywhere.
fn check(serve: &clap::Command, args: &[OsString]) -> Result<(), String> {
    let argv = std::iter::once(OsStr::new("serve")).chain(args.iter().map(OsString::as_os_str));
    match serve.clone().try_get_matches_from(argv) {
        Ok(_) => Ok(()),
        Err(e) if e.kind() == clap::error::ErrorKind::MissingRequiredArgument => Ok(()),
        Err(e) => Err(one_line(&e)),
    }
}

/// A clap error's first line, without its `error: `.
pub fn one_line(err: &clap::Error) -> String {
    let text = err.render().to_string();
    let first = text.lines().next().unwrap_or_default();
    first.strip_prefix("error: ").unwrap_or(first).to_owned()
}

/// The keys of the flags set on the command line (long or short spelling, `--key=value`
/// too).
fn given_on(serve: &clap::Command, command_line: &[OsString]) -> Vec<String> {
    let mut given = Vec::new();
    for word in command_line.iter().filter_map(|w| w.to_str()) {
        let long = word
            .strip_prefix("--")
            .map(|w| w.split('=').next().unwrap_or(w).to_owned());
        let arg = match long {
            Some(long) => serve.get_arguments().find(|a| a.get_long() == Some(&*long)),
            None => (word.strip_prefix('-'))
                .and_then(|w| w.chars().next())
                .and_then(|short| serve.get_arguments().find(|a| a.get_short() == Some(short))),
        };
        if let Some(long) = arg.and_then(|a| a.get_long()) {
            given.push(long.to_owned());
        }
    }
    given
}
