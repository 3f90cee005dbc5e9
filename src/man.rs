//! Owns sockit(1), the one man page `sockit man` prints: every subcommand's flags from the
//! same clap definitions as `--help`, the exit status tables and examples.
//!
//! clap_mangen, which sockit used before, renders one page per command and points to
//! `sockit-serve(1)` and the like, pages that sockit does not install; a page per subcommand
//! would also scatter what is one small tool. So this page has a section per subcommand
//! instead (SERVE, CLIENT, ...), written with the roff crate that clap_mangen is built on,
//! and the help text's Markdown backticks become bold, as man pages set literal text.

use crate::cli::Cli;
use clap::{Arg, ArgAction, Command, CommandFactory};
use roff::{bold, italic, roman, Inline, Roff};

/// The exit statuses every subcommand shares.
const COMMON_CODES: &[(&str, &str)] = &[
    ("0", "done (also when the reader of stdout went away)"),
    ("1", "could not start, or could not write what it generated"),
    ("2", "usage: a bad flag or flag value"),
];

/// `sockit serve`'s exit statuses.
const SERVE_CODES: &[(&str, &str)] = &[
    ("0", "stopped after a signal"),
    (
        "1",
        "cannot listen (address in use, permission, cannot resolve) or failed while running",
    ),
    (
        "2",
        "usage: a bad flag, or a configuration that cannot work, such as `--max-connections 0` \
         or a `tls:` listener without a usable certificate and key",
    ),
    (
        "130",
        "a second SIGINT or SIGTERM ended the graceful shutdown",
    ),
];

/// `sockit client`'s exit statuses, curl's numbers where curl has one.
const CLIENT_CODES: &[(&str, &str)] = &[
    ("1", "the server sent an `ERR` line (printed to stderr)"),
    ("2", "usage"),
    ("6", "cannot resolve"),
    ("7", "cannot connect"),
    (
        "8",
        "the server is no hello server: it answered with an HTTP status line",
    ),
    (
        "28",
        "timed out (`--timeout` bounds connecting, the TLS handshake and each reply)",
    ),
    (
        "35",
        "the TLS handshake failed (or the server refused the client's certificate)",
    ),
    ("56", "the connection failed or closed early"),
    ("58", "a `--tls-cert`/`--tls-key` file cannot be used"),
    ("60", "the server's certificate is not trusted"),
    ("77", "a bad `--cacert` file"),
];

/// `sockit fetch`'s exit statuses: curl's, as the README's table lists them.
pub const FETCH_CODES: &[(&str, &str)] = &[
    ("0", "ok (also when the reader of stdout goes away)"),
    ("1", "unsupported protocol"),
    ("2", "usage"),
    ("3", "malformed URL"),
    ("5", "the proxy's name does not resolve"),
    ("6", "the host's name does not resolve"),
    ("7", "cannot connect (host or proxy)"),
    ("8", "weird server reply (framing, head or trailers)"),
    ("18", "partial file"),
    ("22", "HTTP error with `-f`"),
    ("23", "write error; FILE is read-only or a directory"),
    ("26", "read error (`-d @FILE`, `-T FILE`)"),
    ("28", "timeout"),
    ("32", "the body does not match `--checksum`"),
    ("33", "cannot resume"),
    ("35", "TLS handshake"),
    ("45", "`--interface` or `--local-port` cannot be bound"),
    ("47", "redirects"),
    (
        "49",
        "a `--resolve` or `--connect-to` entry that does not parse",
    ),
    ("52", "empty reply"),
    ("55", "send"),
    ("56", "receive; the proxy refused the tunnel"),
    ("58", "a client certificate or key that cannot be used"),
    (
        "59",
        "no usable name in `--ciphers`, `--tls13-ciphers` or `--curves`",
    ),
    ("60", "certificate"),
    ("61", "content encoding"),
    ("63", "larger than `--max-filesize`"),
    ("77", "bad `--cacert` file"),
    ("82", "bad `--crlfile` file"),
    ("90", "the server's public key is not `--pinnedpubkey`'s"),
    ("91", "`--cert-status`: no good OCSP response stapled"),
    ("97", "the SOCKS proxy's handshake failed"),
];

/// `sockit bench`'s exit statuses.
const BENCH_CODES: &[(&str, &str)] = &[
    (
        "1",
        "a reply was wrong, missing or late, a connection failed, or the run could not start",
    ),
    ("2", "usage"),
];

/// Each example: what it does, and the command.
const EXAMPLES: &[(&str, &str)] = &[
    (
        "Serve on the default address, 127.0.0.1:9999:",
        "sockit serve",
    ),
    (
        "The tutorial's transcript, from another terminal:",
        "sockit client Michael Tracy Sarah",
    ),
    (
        "Serve TLS on 9443 and plain TCP on 9999, with Prometheus metrics:",
        "sockit serve -b tls:127.0.0.1:9443 -b 127.0.0.1:9999 \\\n    \
         --tls-cert server.pem --tls-key server.key --metrics 127.0.0.1:9100",
    ),
    (
        "Download a file quietly, failing on HTTP errors and following redirects:",
        "sockit fetch -sSfLO https://example.com/f.tar.gz",
    ),
    (
        "Resume it where the last try stopped:",
        "sockit fetch -C - -O https://example.com/f.tar.gz",
    ),
    (
        "Load a server with 50 pipelining connections for 10 seconds:",
        "sockit bench -m pipeline --depth 32 -c 50 -d 10s",
    ),
    (
        "Install the completions and read this page:",
        "sockit completions bash > /etc/bash_completion.d/sockit; sockit man | man -l -",
    ),
];

/// sockit(1) in roff.
pub fn page() -> Vec<u8> {
    let mut cli = Cli::command();
    cli.build();
    let subcommands: Vec<&Command> = cli
        .get_subcommands()
        .filter(|sub| sub.get_name() != "help")
        .collect();
    let mut roff = Roff::new();
    let version = format!("sockit {}", env!("CARGO_PKG_VERSION"));
    // An empty date: the page is generated, and the version says which sockit it is.
    roff.control("TH", ["SOCKIT", "1", "\"\"", &version, "User Commands"]);
    // Left-adjusted and unhyphenated: flags, paths and commands read as typed.
    roff.control("ad", ["l"]);
    roff.control("nh", []);
    roff.control("SH", ["NAME"]);
    roff.text([roman(
        "sockit - the socket tutorial's hello server, client, page fetcher and load \
         generator, made real",
    )]);
    synopsis(&mut roff, &subcommands);
    description(&mut roff, &cli, &subcommands);
    for sub in &subcommands {
        subcommand(&mut roff, sub);
    }
    exit_status(&mut roff);
    examples(&mut roff);
    roff.control("SH", ["SEE ALSO"]);
    roff.text([
        bold("curl"),
        roman("(1), "),
        bold("systemd-socket-activate"),
        roman("(1), "),
        bold("haproxy"),
        roman("(1); the README and docs/ of sockit's source."),
    ]);
    roff.render().into_bytes()
}

/// One usage line per subcommand.
fn synopsis(roff: &mut Roff, subcommands: &[&Command]) {
    roff.control("SH", ["SYNOPSIS"]);
    for (i, sub) in subcommands.iter().enumerate() {
        if i > 0 {
            roff.control("br", []);
        }
        let mut line = vec![bold(format!("sockit {}", sub.get_name()))];
        if shown(sub).any(|a| !a.is_positional()) {
            line.extend([roman(" ["), italic("OPTIONS"), roman("]")]);
        }
        for arg in sub.get_positionals() {
            let name = value_name(arg);
            let many = if takes_many(arg) { "..." } else { "" };
            if arg.is_required_set() {
                line.extend([roman(" "), italic(name), roman(many)]);
            } else {
                line.extend([roman(" ["), italic(name), roman(format!("]{many}"))]);
            }
        }
        roff.text(line);
    }
}

/// What sockit is, and where each subcommand's section is.
fn description(roff: &mut Roff, cli: &Command, subcommands: &[&Command]) {
    roff.control("SH", ["DESCRIPTION"]);
    if let Some(about) = cli.get_long_about().or(cli.get_about()) {
        roff.text(inlines(&sentence(&about.to_string())));
    }
    for sub in subcommands {
        roff.control("TP", []);
        roff.text([bold(format!("sockit {}", sub.get_name()))]);
        let see = format!(" See {} below.", sub.get_name().to_uppercase());
        roff.text(inlines(&(sentence(&about(sub)) + &see)));
    }
    roff.control("PP", []);
    roff.text([
        roman("Every subcommand takes "),
        bold("-h"),
        roman(" (a summary of its flags) and "),
        bold("--help"),
        roman(" (all of them, in full), and "),
        bold("-V"),
        roman(", "),
        bold("--version"),
        roman("."),
    ]);
}

/// A subcommand's section: what it does, its arguments, and its flags (under fetch's
/// headings where it has them).
fn subcommand(roff: &mut Roff, sub: &Command) {
    roff.control("SH", [sub.get_name().to_uppercase().as_str()]);
    for paragraph in sub
        .get_long_about()
        .map(|a| a.to_string())
        .unwrap_or_else(|| about(sub))
        .split("\n\n")
    {
        roff.control("PP", []);
        roff.text(inlines(&sentence(paragraph)));
    }
    let shown: Vec<&Arg> = shown(sub).collect();
    let mut headings: Vec<Option<&str>> = Vec::new();
    for arg in &shown {
        if !headings.contains(&arg.get_help_heading()) {
            headings.push(arg.get_help_heading());
        }
    }
    for heading in headings {
        if let Some(heading) = heading {
            roff.control("SS", [heading]);
        }
        for arg in shown.iter().filter(|a| a.get_help_heading() == heading) {
            flag(roff, arg);
        }
    }
}

/// One argument or flag: its spelling, value, default, choices, and its full help.
fn flag(roff: &mut Roff, arg: &Arg) {
    roff.control("TP", []);
    let mut head = Vec::new();
    if arg.is_positional() {
        head.push(italic(value_name(arg)));
    } else {
        if let Some(short) = arg.get_short() {
            head.push(bold(format!("-{short}")));
        }
        if let Some(long) = arg.get_long() {
            if !head.is_empty() {
                head.push(roman(", "));
            }
            head.push(bold(format!("--{long}")));
        }
        if arg.get_num_args().is_some_and(|n| n.takes_values()) {
            head.extend([roman(" "), italic(value_name(arg))]);
        }
    }
    roff.text(head);
    let help = arg
        .get_long_help()
        .or(arg.get_help())
        .map(|h| h.to_string())
        .unwrap_or_default();
    let mut paragraphs: Vec<String> = help.split("\n\n").map(sentence).collect();
    let choices: Vec<String> = arg
        .get_possible_values()
        .iter()
        .filter(|v| !v.is_hide_set())
        .map(|v| v.get_name().to_owned())
        .collect();
    let defaults: Vec<String> = arg
        .get_default_values()
        .iter()
        .map(|v| v.to_string_lossy().into_owned())
        .collect();
    let last = paragraphs.last_mut().expect("split yields one at least");
    if !choices.is_empty() && arg.get_action().takes_values() {
        last.push_str(&format!(" One of: {}.", choices.join(", ")));
    }
    if !defaults.is_empty() {
        last.push_str(&format!(" Default: {}.", defaults.join(", ")));
    }
    for (i, paragraph) in paragraphs.iter().enumerate() {
        if i > 0 {
            roff.control("IP", []);
        }
        roff.text(inlines(paragraph));
    }
}

/// The arguments a section lists: not hidden, and not `-h`/`-V`, which DESCRIPTION covers
/// once for all.
fn shown(sub: &Command) -> impl Iterator<Item = &Arg> {
    sub.get_arguments()
        .filter(|a| !a.is_hide_set() && !["help", "version"].contains(&a.get_id().as_str()))
}

/// Whether an argument takes several values: `URL...`.
fn takes_many(arg: &Arg) -> bool {
    matches!(arg.get_action(), ArgAction::Append)
        || arg.get_num_args().is_some_and(|n| n.max_values() > 1)
}

/// `text` ending in a full stop (clap drops it from a first paragraph).
fn sentence(text: &str) -> String {
    let text = text.trim_end();
    if text.ends_with(['.', ':', '!', '?']) || text.is_empty() {
        text.to_owned()
    } else {
        format!("{text}.")
    }
}

/// The EXIT STATUS section: one table per subcommand.
fn exit_status(roff: &mut Roff) {
    roff.control("SH", ["EXIT STATUS"]);
    for (title, codes) in [
        ("Every subcommand", COMMON_CODES),
        ("sockit serve", SERVE_CODES),
        ("sockit client", CLIENT_CODES),
        ("sockit fetch (curl's codes)", FETCH_CODES),
        ("sockit bench", BENCH_CODES),
    ] {
        roff.control("SS", [title]);
        // One line per code, as a table reads.
        roff.control("PD", ["0"]);
        for (code, meaning) in codes {
            roff.control("TP", []);
            roff.text([bold(*code)]);
            roff.text(inlines(meaning));
        }
        roff.control("PD", []);
    }
}

/// The EXAMPLES section.
fn examples(roff: &mut Roff) {
    roff.control("SH", ["EXAMPLES"]);
    for (what, command) in EXAMPLES {
        roff.control("PP", []);
        roff.text([roman(*what)]);
        roff.control("RS", ["4"]);
        roff.control("EX", []);
        roff.text([roman(*command)]);
        roff.control("EE", []);
        roff.control("RE", []);
    }
}

/// A subcommand's one-line summary.
fn about(sub: &Command) -> String {
    sub.get_about().map(|a| a.to_string()).unwrap_or_default()
}

/// An argument's value name, as `--help` shows it.
fn value_name(arg: &Arg) -> String {
    arg.get_value_names()
        .map(|names| {
            names
                .iter()
                .map(|n| n.as_str())
                .collect::<Vec<_>>()
                .join(" ")
        })
        .unwrap_or_else(|| arg.get_id().as_str().to_uppercase())
}

/// Help text as roff: the lines joined (roff fills them), and each Markdown `code` span in
/// bold, without its backticks.
fn inlines(text: &str) -> Vec<Inline> {
    let text = text.split_whitespace().collect::<Vec<_>>().join(" ");
    text.split('`')
        .enumerate()
        .filter(|(_, piece)| !piece.is_empty())
        .map(|(i, piece)| {
            if i % 2 == 1 {
                bold(piece)
            } else {
                roman(piece)
            }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The fetch exit codes on the page are the README's table, row for row.
    #[test]
    fn fetch_codes_are_the_readme_table() {
        let readme = include_str!("../README.md");
        let rows: Vec<(String, String)> = readme
            .lines()
            .skip_while(|l| *l != "  | code | meaning |")
            .skip(2)
            .take_while(|l| l.starts_with("  | "))
            .map(|l| {
                let cells: Vec<&str> = l.trim().trim_matches('|').split(" | ").collect();
                (cells[0].trim().to_owned(), cells[1].trim().to_owned())
            })
            .collect();
        let page: Vec<(String, String)> = FETCH_CODES
            .iter()
            .map(|(c, m)| (c.to_string(), m.to_string()))
            .collect();
        assert_eq!(page, rows);
    }

    /// A code span becomes bold text, without backticks.
    #[test]
    fn code_spans_become_bold() {
        assert_eq!(
            inlines("greets `Welcome!`,\n  then `exit`"),
            vec![
                roman("greets "),
                bold("Welcome!"),
                roman(", then "),
                bold("exit")
            ]
        );
    }
}
