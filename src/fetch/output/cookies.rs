//! Owns the run's cookie engine: the jar every URL of the run shares (`-Z` fetches too),
//! the `-b` text sent as it is, and saving `-c` at the end.
//!
//! The engine is on when any cookie flag is given, as in curl: then every response's
//! `Set-Cookie` is kept and every request (redirects included) gets the cookies that match
//! its URL. Without the flags there is no engine, and no cost.

use super::file::stdout_error;
use super::state_file;
use crate::fetch::error::FetchError;
use crate::fetch::http::cookie::Origin;
use crate::fetch::http::cookie_jar::CookieJar;
use crate::fetch::http::head::Head;
use std::path::PathBuf;
use std::sync::Mutex;
use url::Url;

/// The cookie engine of one run.
#[derive(Debug)]
pub struct Cookies {
    jar: Mutex<CookieJar>,
    /// The `-b NAME=VALUE` texts, joined with `;` as curl joins them.
    pub text: Option<String>,
    /// `-c FILE` (`-` for stdout).
    save_to: Option<PathBuf>,
}

impl Cookies {
    /// An engine starting from `jar`, sending `text` too, saved to `save_to` at the end.
    pub fn new(jar: CookieJar, text: Option<String>, save_to: Option<PathBuf>) -> Self {
        Cookies {
            jar: Mutex::new(jar),
            text,
            save_to,
        }
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
                .map_err(|e| stdout_error(&e));
        }
        state_file::write(path, text.as_bytes())
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, CookieJar> {
        self.jar
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }
}

/// The Unix time in seconds.
pub fn now() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| i64::try_from(d.as_secs()).unwrap_or(i64::MAX))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Cookies a response sets go with the next request to the same place, and `-c -`-less
    /// engines save nothing.
    #[test]
    fn responses_feed_requests() {
        let engine = Cookies::new(CookieJar::default(), None, None);
        let url = Url::parse("http://127.0.0.1/a/b").unwrap();
        let head = match crate::fetch::http::head::parse(
            b"HTTP/1.1 200 OK\r\nSet-Cookie: s=1\r\nSet-Cookie: t=2; Path=/\r\n\r\n",
        ) {
            Ok(crate::fetch::http::head::Parsed::Complete(h, _)) => h,
            other => panic!("{other:?}"),
        };
        engine.take_from(&head, &url);
        assert_eq!(engine.for_request(&url).as_deref(), Some("s=1; t=2"));
        let root = Url::parse("http://127.0.0.1/").unwrap();
        assert_eq!(engine.for_request(&root).as_deref(), Some("t=2"));
        assert!(engine.save().is_ok());
    }
}
