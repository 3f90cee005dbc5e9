//! Defines the cookie flags, `-b`, `-c` and `-j`, with curl's spellings (`///` docs are the
//! `--help` text), and starts the cookie engine they ask for.

use super::headings::{OUTPUT, REQUEST};
use super::payload::read_all;
use crate::fetch::error::FetchError;
use crate::fetch::http::cookie_jar::CookieJar;
use crate::fetch::output::cookies::{self, Cookies};
use clap::Args;
use std::path::PathBuf;
use std::sync::Arc;

/// The flags that turn on the cookie engine and feed it.
#[derive(Debug, Clone, Default, Args)]
pub struct CookieFlags {
    /// Send cookies: `NAME=VALUE; ...`, or a Netscape cookie FILE's.
    ///
    /// Text with `=` is sent as it is (to the first origin only, unless --location-trusted);
    /// anything else names a file to read (`-` for stdin; a missing file is none, so `-b ''`
    /// just turns the cookie engine on). Cookies the server sets are then kept and sent back
    /// by RFC 6265's rules, across redirects too. Repeatable.
    #[arg(help_heading = REQUEST, short = 'b', long = "cookie", value_name = "DATA|FILE")]
    pub cookie: Vec<String>,

    /// Write every cookie to FILE at the end, in curl's Netscape format.
    ///
    /// Written whole through a temporary file and a rename (curl writes in place).
    #[arg(help_heading = OUTPUT, short = 'c', long = "cookie-jar", value_name = "FILE")]
    pub cookie_jar: Option<PathBuf>,

    /// Leave out the session cookies of -b files (a new session).
    #[arg(help_heading = REQUEST, short = 'j', long = "junk-session-cookies")]
    pub junk_session_cookies: bool,
}

impl CookieFlags {
    /// The engine the flags ask for (None without cookie flags), its `-b` files read.
    pub fn engine(&self) -> Result<Option<Arc<Cookies>>, FetchError> {
        if self.cookie.is_empty() && self.cookie_jar.is_none() {
            return Ok(None);
        }
        let now = cookies::now();
        let mut jar = CookieJar::default();
        let mut texts = Vec::new();
        for value in &self.cookie {
            if !value.contains('=') {
                if let Some(text) = read_cookie_file(value)? {
                    jar.load(&text, self.junk_session_cookies, now);
                }
                continue;
            }
            if value.contains(['\r', '\n']) {
                return Err(FetchError::Usage(format!(
                    "cookie {value:?} contains a line break"
                )));
            }
            texts.push(value.as_str());
        }
        let text = (!texts.is_empty()).then(|| texts.join(";"));
        Ok(Some(Arc::new(Cookies::new(
            jar,
            text,
            self.cookie_jar.clone(),
        ))))
    }
}

/// A `-b FILE`'s text; None for a file that does not exist, as curl reads none then.
fn read_cookie_file(name: &str) -> Result<Option<String>, FetchError> {
    if name.is_empty() {
        return Ok(None);
    }
    match read_all(name) {
        Ok(bytes) => Ok(Some(String::from_utf8_lossy(&bytes).into_owned())),
        Err(_) if name != "-" && std::fs::metadata(name).is_err() => Ok(None),
        Err(e) => Err(e),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use url::Url;

    /// Text with `=` is sent as typed, joined with `;` as curl joins several; a missing file
    /// turns the engine on with nothing in it.
    #[test]
    fn flags_split_text_from_files() {
        let flags = CookieFlags {
            cookie: vec!["a=1".into(), "b=2".into(), "no-such-file".into()],
            ..CookieFlags::default()
        };
        let engine = flags.engine().unwrap().unwrap();
        assert_eq!(engine.text.as_deref(), Some("a=1;b=2"));
        let url = Url::parse("http://127.0.0.1/").unwrap();
        assert_eq!(engine.for_request(&url), None);
        assert!(CookieFlags::default().engine().unwrap().is_none());
    }

    /// A file that exists but cannot be read is curl's 26, not silently nothing.
    #[test]
    fn an_unreadable_file_is_an_error() {
        let dir = tempfile::tempdir().unwrap();
        let flags = CookieFlags {
            cookie: vec![dir.path().display().to_string()],
            ..CookieFlags::default()
        };
        assert_eq!(flags.engine().unwrap_err().exit_code(), 26);
    }
}
