//! Defines `-F/--form` and `--form-string`, kept in command-line order, and reads curl's
//! `-F` syntax: `NAME=VALUE`, `NAME=@FILE` and `NAME=<FILE`, each followed by
//! `;type=`, `;filename=` and `;headers=` parameters, values optionally in double quotes.
//!
//! The reading follows curl 7.88's `tool_formparse.c` rule for rule (the word ends at `;`
//! or, for a file name, at `,`; a quoted word takes `\"` and `\\`; an unclosed quote is no
//! quote; `type=` ends at a tspecial and takes further `;`-parameters as its own, so
//! `type=text/plain; charset=utf-8` is one type; unknown parameters are skipped), since a
//! script's `-F` means what curl makes of it. Pure and property-tested; the files are read
//! in `payload.rs`.

use super::headings::REQUEST;
use clap::{Arg, ArgAction, ArgMatches, Args, Command, FromArgMatches};

/// The form flags, in command-line order: `(literal, text)`, literal for `--form-string`.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct FormFlags {
    /// Each part as typed, and whether it came from `--form-string`.
    pub parts: Vec<(bool, String)>,
}

/// One `-F` read, before any file is.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FormSpec {
    /// The field's name.
    pub name: String,
    /// Where the content comes from.
    pub source: Source,
    /// `;filename=`.
    pub filename: Option<String>,
    /// `;type=`.
    pub content_type: Option<String>,
    /// `;headers=`, in order.
    pub headers: Vec<String>,
}

/// Where a part's content comes from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Source {
    /// The text itself.
    Text(String),
    /// `@FILE`: the file, sent as a file (with a file name), `-` for stdin.
    File(String),
    /// `<FILE`: the file's contents as the value, `-` for stdin.
    Contents(String),
}

impl FormSpec {
    /// Reads one `-F` (or, `literal`, `--form-string`) argument.
    pub fn parse(text: &str, literal: bool) -> Result<FormSpec, String> {
        let Some((name, content)) = text.split_once('=') else {
            return Err(format!("-F {text:?} is not NAME=CONTENT"));
        };
        let mut spec = FormSpec {
            name: name.to_string(),
            source: Source::Text(content.to_string()),
            filename: None,
            content_type: None,
            headers: Vec::new(),
        };
        if literal {
            return Ok(spec);
        }
        let (source, end): (fn(String) -> Source, Option<char>) = match content.chars().next() {
            Some('@') => (Source::File, Some(',')),
            Some('<') => (Source::Contents, None),
            Some('(') => return Err(format!("-F {text:?}: nested multipart is not supported")),
            _ => (Source::Text, None),
        };
        let rest = match content.chars().next() {
            Some('@' | '<') => &content[1..],
            _ => content,
        };
        let params = params(rest, end)?;
        if params.sep == Some(',') {
            return Err(format!(
                "-F {text:?}: several files in one part are not supported"
            ));
        }
        spec.source = source(params.data);
        spec.content_type = params.content_type;
        spec.headers = params.headers;
        if !matches!(spec.source, Source::Contents(_)) {
            spec.filename = params.filename;
        }
        Ok(spec)
    }
}

/// What `get_param_part` finds: the word, its parameters and the character it stopped at.
struct Params {
    data: String,
    content_type: Option<String>,
    filename: Option<String>,
    headers: Vec<String>,
    sep: Option<char>,
}

/// White space as C's `isspace`.
fn is_space(c: char) -> bool {
    matches!(c, ' ' | '\t' | '\n' | '\u{b}' | '\u{c}' | '\r')
}

/// Reads the word and its `;`-parameters, stopping at `end` (`,` for files) as curl does.
fn params(text: &str, end: Option<char>) -> Result<Params, String> {
    let p = text.trim_start_matches(is_space);
    let (mut data, quoted, mut rest) = word(p, end);
    if !quoted {
        data.truncate(data.trim_end_matches(is_space).len());
    }
    let mut out = Params {
        data,
        content_type: None,
        filename: None,
        headers: Vec::new(),
        sep: rest.chars().next(),
    };
    // The type, while further parameters may still extend it.
    let mut open_type = false;
    while out.sep == Some(';') {
        let p = rest[1..].trim_start_matches(is_space).to_string();
        let lower = p.get(..9).unwrap_or(&p).to_ascii_lowercase();
        if !open_type && out.content_type.is_none() && lower.starts_with("type=") {
            let value = p[5..].trim_start_matches(is_space);
            let len = value
                .find(|c: char| "()<>@,;:\\\"[]?=\r\n ".contains(c))
                .unwrap_or(value.len());
            out.content_type = Some(value[..len].to_string());
            open_type = true;
            rest = value[len..].to_string();
        } else if lower.starts_with("filename=") {
            open_type = false;
            let value = p[9..].trim_start_matches(is_space);
            let (mut name, quoted, after) = word(value, end);
            if !quoted {
                name.truncate(name.trim_end_matches(is_space).len());
            }
            out.filename = Some(name);
            rest = after;
        } else if lower.starts_with("headers=") {
            let value = &p[8..];
            if value.starts_with(['@', '<']) {
                return Err("-F ;headers=@FILE is not supported".into());
            }
            let (mut header, quoted, after) = word(value, end);
            if !quoted {
                header.truncate(header.trim_end_matches(is_space).len());
            }
            if header.contains(['\r', '\n']) {
                return Err(format!("-F header {header:?} contains a line break"));
            }
            out.headers.push(header);
            rest = after;
        } else if lower.starts_with("encoder=") {
            return Err("-F ;encoder= is not supported".into());
        } else if open_type {
            // `type=text/plain; charset=utf-8`: the parameter is the type's.
            let stop = p
                .find(|c: char| c == ';' || Some(c) == end)
                .unwrap_or(p.len());
            let kept = p[..stop].trim_end_matches(is_space);
            let ty = out.content_type.get_or_insert_with(String::new);
            ty.push_str(&rest[..rest.len() - p.len()]);
            ty.push_str(kept);
            rest = p[stop..].to_string();
        } else {
            rest = word(&p, end).2;
        }
        out.sep = rest.chars().next();
    }
    Ok(out)
}

/// One word: quoted (`\"` and `\\` escaped) up to its closing quote, whatever follows it up
/// to `;` or `end` dropped; or unquoted up to `;` or `end`. An unclosed quote is read as no
/// quote, over the text with its escapes already removed, as curl's in-place parse leaves
/// it. Returns the word, whether it was quoted, and the text from where it stopped.
fn word(text: &str, end: Option<char>) -> (String, bool, String) {
    let stops = |c: char| c == ';' || Some(c) == end;
    let mut text = text.to_string();
    if let Some(quoted) = text.strip_prefix('"') {
        let mut unescaped = String::from("\"");
        let mut chars = quoted.char_indices().peekable();
        while let Some((at, c)) = chars.next() {
            match c {
                '\\' if matches!(chars.peek(), Some((_, '\\' | '"'))) => {
                    unescaped.push(chars.next().map_or('\\', |(_, c)| c));
                }
                '"' => {
                    let after = &quoted[at + 1..];
                    let stop = after.find(stops).unwrap_or(after.len());
                    return (unescaped[1..].to_string(), true, after[stop..].to_string());
                }
                c => unescaped.push(c),
            }
        }
        text = unescaped;
    }
    let stop = text.find(stops).unwrap_or(text.len());
    (text[..stop].to_string(), false, text[stop..].to_string())
}

impl FromArgMatches for FormFlags {
    fn from_arg_matches(m: &ArgMatches) -> Result<Self, clap::Error> {
        let mut parts: Vec<(usize, (bool, String))> = Vec::new();
        for (id, literal) in [("form", false), ("form_string", true)] {
            if let (Some(at), Some(values)) = (m.indices_of(id), m.get_many::<String>(id)) {
                parts.extend(at.zip(values.map(|v| (literal, v.clone()))));
            }
        }
        parts.sort_by_key(|(at, _)| *at);
        Ok(FormFlags {
            parts: parts.into_iter().map(|(_, part)| part).collect(),
        })
    }

    fn update_from_arg_matches(&mut self, m: &ArgMatches) -> Result<(), clap::Error> {
        *self = Self::from_arg_matches(m)?;
        Ok(())
    }
}

impl Args for FormFlags {
    fn augment_args(cmd: Command) -> Command {
        let part = |id: &'static str| {
            Arg::new(id)
                .value_name("PART")
                .action(ArgAction::Append)
                .allow_hyphen_values(true)
                .help_heading(REQUEST)
                .conflicts_with_all([
                    "data",
                    "data_binary",
                    "data_raw",
                    "data_urlencode",
                    "json",
                    "upload_file",
                ])
        };
        cmd.arg(
            part("form")
                .short('F')
                .long("form")
                .help("Add a multipart/form-data PART (POST): NAME=VALUE, =@FILE or =<FILE")
                .long_help(
                    "Add a multipart/form-data PART (POST): NAME=VALUE, =@FILE or =<FILE.\n\n\
                     `NAME=VALUE`, `NAME=@FILE` (the file, streamed from disk, with its name), \
                     `NAME=<FILE` (its contents as the value; `-` is stdin for both); then \
                     `;type=TYPE`, `;filename=NAME`, `;headers=HEADER`. Repeatable, in order \
                     with --form-string.",
                ),
        )
        .arg(
            part("form_string")
                .long("form-string")
                .help("Like -F, but the value is sent as it is (no @, < or ;)"),
        )
    }

    fn augment_args_for_update(cmd: Command) -> Command {
        Self::augment_args(cmd)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn parse(text: &str) -> FormSpec {
        FormSpec::parse(text, false).unwrap()
    }

    /// Each form of -F curl's tool reads, as it reads it.
    #[test]
    fn syntax_is_curls() {
        assert_eq!(parse("a=x;y").source, Source::Text("x".into()));
        let file = parse("g=@b.png;type=image/x-foo;filename=other.bin");
        assert_eq!(file.source, Source::File("b.png".into()));
        assert_eq!(file.content_type.as_deref(), Some("image/x-foo"));
        assert_eq!(file.filename.as_deref(), Some("other.bin"));
        let typed = parse("c=x; type=text/y; charset=u;filename=q");
        assert_eq!(typed.content_type.as_deref(), Some("text/y; charset=u"));
        assert_eq!(typed.filename.as_deref(), Some("q"));
        assert_eq!(parse("q=\"a;b\"").source, Source::Text("a;b".into()));
        let quoted = parse(r#"e=@a.txt;filename="q;r\".txt""#);
        assert_eq!(quoted.filename.as_deref(), Some("q;r\".txt"));
        assert_eq!(parse("h=<a.txt").source, Source::Contents("a.txt".into()));
        let headers = parse("d=v;headers=X-A: 1;headers=X-B: 2");
        assert_eq!(headers.headers, ["X-A: 1", "X-B: 2"]);
        assert_eq!(parse("=v").name, "");
        assert_eq!(parse("u=\"open;x").source, Source::Text("\"open".into()));
    }

    /// `--form-string` takes its content as typed; what curl refuses or sockit does not
    /// take is an error.
    #[test]
    fn literals_and_refusals() {
        let literal = FormSpec::parse("s=@raw;type=x", true).unwrap();
        assert_eq!(literal.source, Source::Text("@raw;type=x".into()));
        for bad in ["noeq", "a=@x,y", "a=(", "a=v;encoder=base64"] {
            assert!(FormSpec::parse(bad, false).is_err(), "{bad}");
        }
    }

    proptest! {
        /// Any text either reads or is refused, never panics; a name and a value without
        /// curl's special characters read back as themselves.
        #[test]
        fn any_text_reads_or_is_refused(text in ".{0,40}") {
            let _ = FormSpec::parse(&text, false);
            let _ = FormSpec::parse(&text, true);
        }

        #[test]
        fn plain_values_are_themselves(name in "[a-z]{0,6}", value in "[a-zA-Z0-9./:_-]{1,12}") {
            let spec = FormSpec::parse(&format!("{name}={value}"), false).unwrap();
            prop_assert_eq!(spec.name, name);
            prop_assert_eq!(spec.source, Source::Text(value));
        }
    }
}
