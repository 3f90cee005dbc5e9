//! Owns `--proto` and `--proto-redir`: which schemes a transfer, and a redirect, may use,
//! in curl's syntax (`=https`, `-all,+http`, `all,-http`).
//!
//! Tokens are comma-separated and read left to right, each a protocol name or `all` after
//! any number of modifiers: `+` permits it (the default), `-` denies it, `=` permits only it.
//! Every use of the flag starts again from curl's default, everything permitted, so the last
//! one wins, as curl 7.88 does. A name sockit never speaks (`ftp`, or one nobody knows)
//! permits or denies nothing, though `=ftp` still denies the rest, as in curl; a token of
//! modifiers alone is curl's usage error (2). Only
//! http and https matter to sockit, so those two are all the set holds.

use crate::fetch::error::FetchError;

/// The schemes permitted.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Protocols {
    http: bool,
    https: bool,
}

impl Default for Protocols {
    /// curl's default for transfers and (for http and https) for redirects: both.
    fn default() -> Self {
        Protocols {
            http: true,
            https: true,
        }
    }
}

/// What a token's modifiers ask.
#[derive(Clone, Copy)]
enum Action {
    Permit,
    Deny,
    Only,
}

impl Protocols {
    /// The set `spec` leaves of curl's default; `flag` names the option in an error.
    pub fn parse(flag: &str, spec: &str) -> Result<Protocols, FetchError> {
        let mut set = Protocols::default();
        for token in spec.split(',').filter(|t| !t.is_empty()) {
            let name = token.trim_start_matches(['+', '-', '=']);
            let action = match token[..token.len() - name.len()].chars().last() {
                None | Some('+') => Action::Permit,
                Some('-') => Action::Deny,
                _ => Action::Only,
            };
            if !name.starts_with(|c: char| c.is_ascii_alphanumeric()) {
                return Err(FetchError::Usage(format!(
                    "option --{flag}: {token:?} is not [+-=]PROTOCOL or [+-=]all"
                )));
            }
            set.apply(action, &name.to_ascii_lowercase());
        }
        Ok(set)
    }

    fn apply(&mut self, action: Action, name: &str) {
        let (http, https) = match name {
            "all" => (true, true),
            "http" => (true, false),
            "https" => (false, true),
            _ => (false, false),
        };
        match action {
            Action::Only => {
                self.http = http;
                self.https = https;
            }
            Action::Permit => {
                self.http |= http;
                self.https |= https;
            }
            Action::Deny => {
                self.http &= !http;
                self.https &= !https;
            }
        }
    }

    /// Whether `scheme` (lower case, as a parsed URL has it) is permitted.
    pub fn permits(self, scheme: &str) -> bool {
        match scheme {
            "http" => self.http,
            "https" => self.https,
            _ => false,
        }
    }

    /// Both limits at once: what `self` and `other` permit.
    pub fn and(self, other: Protocols) -> Protocols {
        Protocols {
            http: self.http && other.http,
            https: self.https && other.https,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn permits(spec: &str) -> (bool, bool) {
        let set = Protocols::parse("proto", spec).unwrap();
        (set.permits("http"), set.permits("https"))
    }

    /// What curl 7.88 let through for an http:// URL (and what that implies for https).
    #[test]
    fn reads_specs_as_curl() {
        assert_eq!(permits("https"), (true, true));
        assert_eq!(permits("=https"), (false, true));
        assert_eq!(permits("-http"), (false, true));
        assert_eq!(permits("-all,+http"), (true, false));
        assert_eq!(permits("=http,-http"), (false, false));
        assert_eq!(permits("-all"), (false, false));
        assert_eq!(permits("xyz"), (true, true));
        assert_eq!(permits("=https,http"), (true, true));
        assert_eq!(permits("all,-http"), (false, true));
        assert_eq!(permits("=HTTP"), (true, false));
        assert_eq!(permits("-all,=http"), (true, false));
        assert_eq!(permits(",,=https,,"), (false, true));
        assert_eq!(permits("-=http"), (true, false));
        assert_eq!(permits("=ftp"), (false, false));
        assert_eq!(permits("=xyz"), (false, false));
        assert_eq!(permits(""), (true, true));
    }

    /// A token of modifiers alone is curl's "badly used" (2).
    #[test]
    fn refuses_modifiers_alone() {
        for spec in ["=,http", "+", "-,http", "=.x"] {
            let err = Protocols::parse("proto", spec).unwrap_err();
            assert_eq!(err.exit_code(), 2, "{spec}");
        }
    }
}
