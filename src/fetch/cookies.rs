//! Owns the run's cookie engine: the jar every URL of the run shares (`-Z` fetches too),
//! the `-b` text sent as it is, and saving `-c` at the end.
//!
//! The engine is on when any cookie flag is given, as in curl: then every response's
//! `Set-Cookie` is kept and every request (redirects included) gets the cookies that match
//! its URL. Without the flags there is no engine, and no cost.

use super::cookie::Origin;
use super::cookie_flags::CookieFlags;
use super::cookie_jar::CookieJar;
use super::error::FetchError;
use super::head::Head;
use super::state_file;
use super::upload;
use std::path::PathBuf;
use std::sync::{Arc, Mutex};
use url::Url;

/// The cookie engine of one run.
#[derive(Debug)]
pub struct Cookies {
    jar: Mutex<CookieJar>,
    /// The `-b NAME=VALUE` texts, joined with `;` as curl joins them.
    pub text: Option<String>,
    /// `-c FILE`.
    save_to: Option<PathBuf>,
}

impl Cookies {
    /// The engine the flags ask for (None without cookie flags), its `-b` files read.
    pub fn from_flags(flags: &CookieFlags) -> Result<Option<Arc<Cookies>>, FetchError> {
        if flags.cookie.is_empty() && flags.cookie_jar.is_none() {
            return Ok(None);
        }
        let now = now();
        let mut jar = CookieJar::default();
        let mut texts = Vec::new();
        for value in &flags.cookie {
            if value.contains('=') {
                if value.contains(['\r', '\n']) {
                    return Err(FetchError::Usage(format!(
                        "cookie {value:?} contains a line break"
                    )));
                }
                texts.push(value.as_str());
                continue;
            }
            match read_cookie_file(value)? {
                Some(text) => jar.load(&text, flags.junk_session_cookies, now),
                None => continue,
            }
        }
        Ok(Some(Arc::new(Cookies {
            jar: Mutex::new(jar),
            text: (!texts.is_empty()).then(|| texts.join(";")),
            save_to: flags.cookie_jar.clone(),
        })))
    }

    /// The jar's cookies for a request to `url`, as the `Cookie` header's value.
    pub fn for_request(&self, url: &Url) -> Option<String> {
        self.lock().header(Origin::of(url), now())
    }

    /// Keeps the cookies `head`, the response to a request for `url`, sets.
    pub fn take_from(&self, head: &Head, url: &Url) {
        let now = now();
        let origin = Origin::of(url);
        let mut jar = self.lock();
        for value in head.values("set-cookie") {
            jar.set(&String::from_utf8_lossy(value), origin, now);
        }
    }

    /// `-c FILE`: writes the jar, atomically; nothing without `-c`.
    pub fn save(&self) -> Result<(), FetchError> {
        let Some(path) = &self.save_to else {
            return Ok(());
        };
        let text = self.lock().file_text(now());
        if path.as_os_str() == "-" {
            use std::io::Write;
            return std::io::stdout()
                .write_all(text.as_bytes())
                .map_err(|e| super::output::stdout_error(&e));
        }
        state_file::write(path, text.as_bytes())
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, CookieJar> {
        self.jar
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }
}

/// A `-b FILE`'s text; None for a file that does not exist, as curl reads none then.
fn read_cookie_file(name: &str) -> Result<Option<String>, FetchError> {
    if name.is_empty() {
        return Ok(None);
    }
    match upload::read_all(name) {
        Ok(bytes) => Ok(Some(String::from_utf8_lossy(&bytes).into_owned())),
        Err(_) if std::fs::metadata(name).is_err() && name != "-" => Ok(None),
        Err(e) => Err(e),
    }
}

/// The Unix time in seconds.
fn now() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| i64::try_from(d.as_secs()).unwrap_or(i64::MAX))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Text with `=` is sent as typed, joined with `;` as curl joins several; a missing file
    /// turns the engine on with nothing in it.
    #[test]
    fn flags_split_text_from_files() {
        let flags = CookieFlags {
            cookie: vec!["a=1".into(), "b=2".into(), "no-such-file".into()],
            ..CookieFlags::default()
        };
        let engine = Cookies::from_flags(&flags).unwrap().unwrap();
        assert_eq!(engine.text.as_deref(), Some("a=1;b=2"));
        let url = Url::parse("http://127.0.0.1/").unwrap();
        assert_eq!(engine.for_request(&url), None);
        assert!(Cookies::from_flags(&CookieFlags::default())
            .unwrap()
            .is_none());
    }

    /// A file that exists but cannot be read is curl's 26, not silently nothing.
    #[test]
    fn an_unreadable_file_is_an_error() {
        let dir = tempfile::tempdir().unwrap();
        let flags = CookieFlags {
            cookie: vec![dir.path().display().to_string()],
            ..CookieFlags::default()
        };
        assert_eq!(Cookies::from_flags(&flags).unwrap_err().exit_code(), 26);
    }
}
