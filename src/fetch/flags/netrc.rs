//! Owns the netrc file (`--netrc`, `--netrc-optional`, `--netrc-file`): which login and
//! password it gives a host, read by curl 7.88's rules so that a `~/.netrc` curl accepts
//! gives sockit the same credentials.
//!
//! The file is a stream of tokens separated by white space: `machine NAME` starts a host's
//! entry, `default` one that matches every host, `login` and `password` take the next token,
//! and `macdef NAME` starts a macro that runs to the next blank line. A token may be quoted
//! (`"a pass with spaces"`, with `\"`, `\\`, `\n`, `\r` and `\t` inside), and a line whose
//! first non-blank character is `#` is a comment. As in curl, host names compare without
//! regard to case, logins exactly; the first entry that matches wins, and once a login and a
//! password are known the rest of the file is not read.
//!
//! The file is untrusted input (it may be any file `--netrc-file` names), so it is bounded:
//! at most [`MAX_FILE`] bytes and tokens of at most [`MAX_TOKEN`] bytes, as curl bounds them.

use thiserror::Error;

/// The largest netrc file read, as curl's limit.
pub const MAX_FILE: usize = 128 * 1024;

/// The longest token (a login, a password, a host name), as curl's limit.
pub const MAX_TOKEN: usize = 4096;

/// What the file says about one host.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Entry {
    /// The login: the file's, or the one the URL or `-u` already named.
    pub login: Option<String>,
    /// The password for that login; `None` where the file names the host but gives no
    /// password for the login asked for.
    pub password: Option<String>,
}

/// Why a netrc file cannot be read; curl reports these as a read error (26).
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum NetrcError {
    /// The file is larger than [`MAX_FILE`].
    #[error("the file is larger than {MAX_FILE} bytes")]
    TooLarge,
    /// A token is longer than [`MAX_TOKEN`].
    #[error("line {0}: a token longer than {MAX_TOKEN} bytes")]
    TokenTooLong(usize),
    /// A quoted token has no closing quote.
    #[error("line {0}: a quoted token has no closing quote")]
    Unterminated(usize),
    /// A vertical tab or form feed where a token should start.
    #[error("line {0}: a vertical tab or form feed between tokens")]
    StrayWhiteSpace(usize),
}

/// Where the parser stands, as curl's `host_lookup_state`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum State {
    /// Between entries, or inside another host's entry.
    Outside,
    /// `machine` was read; the next token is the host name.
    MachineNamed,
    /// Inside the entry of the host asked for (or `default`).
    OurHost,
    /// Inside a `macdef`, until a blank line.
    Macro,
}

/// Which value the next token is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Awaiting {
    Keyword,
    Login,
    Password,
}

/// The credentials `text` (a netrc file's contents) gives `host`, for the login `user` when
/// the URL or `-u` named one; `None` when no entry (nor `default`) gives any.
///
/// ```
/// use sockit::fetch::netrc::{lookup, Entry};
/// let file = "machine example.com login ann password \"s3cret pass\"\ndefault login anonymous";
/// let entry = lookup(file, "EXAMPLE.com", None).unwrap().unwrap();
/// assert_eq!(entry.login.as_deref(), Some("ann"));
/// assert_eq!(entry.password.as_deref(), Some("s3cret pass"));
/// ```
pub fn lookup(text: &str, host: &str, user: Option<&str>) -> Result<Option<Entry>, NetrcError> {
    if text.len() > MAX_FILE {
        return Err(NetrcError::TooLarge);
    }
    let specific = user.filter(|u| !u.is_empty());
    let mut login = specific.map(str::to_owned);
    let mut password: Option<String> = None;
    let mut our_login = true;
    let mut found = false;
    let mut state = State::Outside;
    let mut awaiting = Awaiting::Keyword;
    for token in Tokens::new(&without_comments(text)) {
        let token = match token? {
            Token::BlankLine => {
                if state == State::Macro {
                    state = State::Outside;
                }
                continue;
            }
            Token::Word(word) => word,
        };
        if login.as_deref().is_some_and(|l| !l.is_empty())
            && password.as_deref().is_some_and(|p| !p.is_empty())
        {
            break;
        }
        match state {
            State::Macro => {}
            State::Outside => {
                if token.eq_ignore_ascii_case("macdef") {
                    state = State::Macro;
                } else if token.eq_ignore_ascii_case("machine") {
                    state = State::MachineNamed;
                } else if token.eq_ignore_ascii_case("default") {
                    state = State::OurHost;
                    found = true;
                }
            }
            State::MachineNamed => {
                if token.eq_ignore_ascii_case(host) {
                    state = State::OurHost;
                    found = true;
                } else {
                    state = State::Outside;
                }
            }
            State::OurHost => match awaiting {
                Awaiting::Login => {
                    if let Some(user) = specific {
                        our_login = user == token;
                    } else {
                        login = Some(token);
                    }
                    awaiting = Awaiting::Keyword;
                }
                Awaiting::Password => {
                    if our_login || specific.is_none() {
                        password = Some(token);
                    }
                    awaiting = Awaiting::Keyword;
                }
                Awaiting::Keyword => {
                    if token.eq_ignore_ascii_case("login") {
                        awaiting = Awaiting::Login;
                    } else if token.eq_ignore_ascii_case("password") {
                        awaiting = Awaiting::Password;
                    } else if token.eq_ignore_ascii_case("machine") {
                        state = State::MachineNamed;
                        awaiting = Awaiting::Keyword;
                    }
                }
            },
        }
    }
    if !found {
        return Ok(None);
    }
    if password.is_none() && our_login {
        // curl: an entry for the host without a password gives a blank one.
        password = Some(String::new());
    } else if login.is_none() && password.is_none() {
        return Ok(None);
    }
    Ok(Some(Entry { login, password }))
}

/// `text` without its comment lines (first non-blank character `#`), which curl drops
/// before it reads a token: a `#` elsewhere is part of a token.
fn without_comments(text: &str) -> String {
    text.split_inclusive('\n')
        .filter(|line| !line.trim_start_matches([' ', '\t']).starts_with('#'))
        .collect()
}

/// One item of the token stream.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Token {
    /// A token, unquoted.
    Word(String),
    /// A line with nothing but blanks on it: the end of a `macdef`.
    BlankLine,
}

/// The tokens of a netrc text, with the blank lines that end macros.
struct Tokens<'a> {
    rest: &'a str,
    line: usize,
    /// Whether `rest` starts a line (so that a blank line can be told).
    at_line_start: bool,
}

impl<'a> Tokens<'a> {
    fn new(text: &'a str) -> Self {
        Tokens {
            rest: text,
            line: 1,
            at_line_start: true,
        }
    }

    /// Moves past `n` bytes, counting newlines.
    fn advance(&mut self, n: usize) {
        self.line += self.rest[..n].matches('\n').count();
        self.rest = &self.rest[n..];
    }

    /// A quoted token: `rest` starts after the opening quote.
    fn quoted(&mut self) -> Result<String, NetrcError> {
        let line = self.line;
        let mut out = String::new();
        let mut chars = self.rest.char_indices();
        while let Some((i, c)) = chars.next() {
            let c = match c {
                '"' => {
                    self.advance(i + 1);
                    return Ok(out);
                }
                '\\' => match chars.next() {
                    Some((_, 'n')) => '\n',
                    Some((_, 'r')) => '\r',
                    Some((_, 't')) => '\t',
                    Some((_, other)) => other,
                    None => break,
                },
                c => c,
            };
            out.push(c);
            if out.len() > MAX_TOKEN {
                return Err(NetrcError::TokenTooLong(line));
            }
        }
        Err(NetrcError::Unterminated(line))
    }
}

impl Iterator for Tokens<'_> {
    type Item = Result<Token, NetrcError>;

    fn next(&mut self) -> Option<Self::Item> {
        loop {
            let blanks = self.rest.len() - self.rest.trim_start_matches([' ', '\t']).len();
            self.advance(blanks);
            let first = self.rest.chars().next()?;
            if first == '\n' || first == '\r' {
                let blank = self.at_line_start;
                self.advance(1);
                self.at_line_start = first == '\n' || self.at_line_start;
                if blank && first == '\n' {
                    return Some(Ok(Token::BlankLine));
                }
                continue;
            }
            self.at_line_start = false;
            if first == '"' {
                self.advance(1);
                return Some(self.quoted().map(Token::Word));
            }
            // curl's ISSPACE ends a token; one that starts with a vertical tab or form feed
            // (white space, but not a blank curl skips) is a syntax error there, as here.
            let end = self
                .rest
                .find([' ', '\t', '\n', '\r', '\x0b', '\x0c'])
                .unwrap_or(self.rest.len());
            if end == 0 {
                return Some(Err(NetrcError::StrayWhiteSpace(self.line)));
            }
            if end > MAX_TOKEN {
                return Some(Err(NetrcError::TokenTooLong(self.line)));
            }
            let word = self.rest[..end].to_owned();
            self.advance(end);
            return Some(Ok(Token::Word(word)));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn entry(login: Option<&str>, password: Option<&str>) -> Option<Entry> {
        Some(Entry {
            login: login.map(str::to_owned),
            password: password.map(str::to_owned),
        })
    }

    /// The host's own entry wins over `default`, and names compare without case.
    #[test]
    fn the_machine_entry_is_found_by_name_without_case() {
        let file = "machine a.example login al password ap\n\
                    machine B.example login bo password bp\n\
                    default login anon password guest\n";
        assert_eq!(
            lookup(file, "b.EXAMPLE", None),
            Ok(entry(Some("bo"), Some("bp")))
        );
        assert_eq!(
            lookup(file, "c.example", None),
            Ok(entry(Some("anon"), Some("guest")))
        );
        assert_eq!(lookup("machine a login x password y", "b", None), Ok(None));
    }

    /// Entries may span lines or share one, as tokens are only separated by white space.
    #[test]
    fn tokens_may_span_lines() {
        let file = "machine h\n  login u\n\tpassword p machine other login o password q";
        assert_eq!(lookup(file, "h", None), Ok(entry(Some("u"), Some("p"))));
        assert_eq!(lookup(file, "other", None), Ok(entry(Some("o"), Some("q"))));
    }

    /// A quoted password keeps its spaces and escapes, as curl 7.84 and later read it.
    #[test]
    fn quoted_tokens_keep_spaces_and_escapes() {
        let file = r#"machine h login "a user" password "p \"q\" \\ \t end""#;
        assert_eq!(
            lookup(file, "h", None),
            Ok(entry(Some("a user"), Some("p \"q\" \\ \t end")))
        );
        assert_eq!(
            lookup("machine h password \"open", "h", None),
            Err(NetrcError::Unterminated(1))
        );
    }

    /// With a login named by the URL or -u, only that login's password is taken.
    #[test]
    fn a_named_login_takes_only_its_own_password() {
        let file = "machine h login other password nope login me password mine";
        assert_eq!(
            lookup(file, "h", Some("me")),
            Ok(entry(Some("me"), Some("mine")))
        );
        let file = "machine h login other password nope";
        assert_eq!(lookup(file, "h", Some("me")), Ok(entry(Some("me"), None)));
    }

    /// Comment lines and macro bodies are not read as entries; a macro ends at a blank line.
    #[test]
    fn comments_and_macros_are_skipped() {
        let file = "# machine h login c password c\n\
                    macdef init\nmachine h login m password m\n\n\
                    machine h login real password pw\n";
        assert_eq!(lookup(file, "h", None), Ok(entry(Some("real"), Some("pw"))));
    }

    /// An entry without a password gives a blank one, as curl does; a `default` with
    /// nothing in it gives none.
    #[test]
    fn missing_passwords_as_curl() {
        assert_eq!(
            lookup("machine h login u", "h", None),
            Ok(entry(Some("u"), Some("")))
        );
        assert_eq!(lookup("machine h", "h", None), Ok(entry(None, Some(""))));
    }

    /// A form feed or vertical tab where a token starts is curl's syntax error, not a token
    /// of no length read forever (the hang the netrc fuzz target found).
    #[test]
    fn stray_white_space_is_an_error_not_a_hang() {
        for text in [
            "machine h \x0c login u",
            "\x0b",
            "machine h password p\n\x0c",
        ] {
            assert!(matches!(
                lookup(text, "h", None),
                Err(NetrcError::StrayWhiteSpace(_))
            ));
        }
    }

    /// Files and tokens past curl's bounds are refused, not read without end.
    #[test]
    fn bounds_are_kept() {
        let big = "#".repeat(MAX_FILE + 1);
        assert_eq!(lookup(&big, "h", None), Err(NetrcError::TooLarge));
        let long = format!("machine h password {}", "x".repeat(MAX_TOKEN + 1));
        assert_eq!(lookup(&long, "h", None), Err(NetrcError::TokenTooLong(1)));
    }

    proptest! {
        /// Any text is read without a panic, and a found entry's values are tokens of it
        /// (nothing is invented).
        #[test]
        fn any_text_is_read_safely(text in "[ -~\t\n\"\\\\]{0,200}", host in "[a-z]{1,3}") {
            if let Ok(Some(found)) = lookup(&text, &host, None) {
                if let Some(login) = &found.login {
                    prop_assert!(text.contains(login.as_str()) || text.contains('"'));
                }
            }
        }

        /// A well-formed file with the host's entry gives back exactly what was written,
        /// whatever the white space between tokens.
        #[test]
        fn written_entries_are_read_back(
            login in "[!-~&&[^\"#]]{1,12}",
            password in "[ -~]{0,12}",
            gaps in proptest::collection::vec(prop_oneof![Just(" "), Just("\t"), Just("\n "), Just(" \t ")], 5),
        ) {
            let keywords = ["machine", "login", "password", "default", "macdef"];
            prop_assume!(!keywords.iter().any(|k| login.eq_ignore_ascii_case(k)));
            let quoted = password.replace('\\', "\\\\").replace('"', "\\\"");
            let file = format!(
                "machine{}other login x password y\nmachine{}host{}login{}{login}{}password \"{quoted}\"\n",
                gaps[0], gaps[1], gaps[2], gaps[3], gaps[4]
            );
            let found = lookup(&file, "HOST", None).unwrap().unwrap();
            prop_assert_eq!(found.login.as_deref(), Some(login.as_str()));
            prop_assert_eq!(found.password.as_deref(), Some(password.as_str()));
        }
    }
}
