//! Owns `-L`: which statuses redirect, where to (relative or absolute `Location`), what the
//! next request's method and body become, and when to stop: at `--max-redirs`, as curl
//! (a redirect to the same URL, or a loop, is followed until then: a server may answer the
//! same URL differently the next time, after setting state).
//!
//! Pure logic over [`RequestSpec`] and [`Url`]: no I/O, so every rule has a unit test.

use super::head::Head;
use super::request::RequestSpec;
use crate::fetch::error::FetchError;
use url::Url;

/// Whether `status` is a redirect `-L` follows.
pub fn is_redirect(status: u16) -> bool {
    matches!(status, 301 | 302 | 303 | 307 | 308)
}

/// Where a redirect points: the Location value as text, with bytes that are not printable
/// ASCII (a Location in Latin-1, raw UTF-8, spaces) percent-encoded as browsers and curl do.
/// None when there is no Location or it is empty: the response is then the answer.
pub fn location(head: &Head) -> Option<String> {
    encoded(head.values("location").next()?)
}

/// A Location value (surrounding blanks aside) with its bytes that are not printable ASCII
/// percent-encoded; None when it is empty.
fn encoded(value: &[u8]) -> Option<String> {
    let value = value.trim_ascii();
    if value.is_empty() {
        return None;
    }
    let mut text = String::with_capacity(value.len());
    for &b in value {
        if b.is_ascii_graphic() {
            text.push(char::from(b));
        } else {
            text.push_str(&format!("%{b:02X}"));
        }
    }
    Some(text)
}

/// Where a Location `value` leads from `from`, as `-L` would follow it; None when it is
/// empty or no URL.
pub fn target(from: &Url, value: &[u8]) -> Option<Url> {
    from.join(&encoded(value)?).ok()
}

/// The redirects followed so far in one fetch.
#[derive(Debug)]
pub struct Redirects {
    max: u32,
    /// `--location-trusted`: credentials and cookies follow the redirect to other origins.
    trusted: bool,
    followed: u32,
    /// `--post301`, `--post302`, `--post303`: a POST stays a POST after that status.
    keep_post: KeepPost,
}

/// Which redirects keep a POST a POST (`--post301`, `--post302`, `--post303`); by default
/// each turns it into a GET, as curl does.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct KeepPost {
    /// `--post301`.
    pub on301: bool,
    /// `--post302`.
    pub on302: bool,
    /// `--post303`.
    pub on303: bool,
}

impl Redirects {
    /// Starts a chain allowing `max` redirects; `trusted` is `--location-trusted`.
    pub fn new(max: u32, trusted: bool) -> Self {
        Redirects {
            max,
            trusted,
            followed: 0,
            keep_post: KeepPost::default(),
        }
    }

    /// With POST kept a POST after the redirects `keep` names.
    pub fn keeping_post(mut self, keep: KeepPost) -> Self {
        self.keep_post = keep;
        self
    }

    /// Follows a `status` redirect from `from` to `location`: returns the next URL and
    /// updates `spec` (method, body, credentials) for it.
    pub fn follow(
        &mut self,
        spec: &mut RequestSpec,
        from: &Url,
        status: u16,
        location: &str,
    ) -> Result<Url, FetchError> {
        if self.followed >= self.max {
            return Err(FetchError::Redirects(format!(
                "maximum ({}) redirects followed",
                self.max
            )));
        }
        let next = from.join(location).map_err(|e| FetchError::BadUrl {
            url: location.to_string(),
            reason: e.to_string(),
        })?;
        if !matches!(next.scheme(), "http" | "https") {
            return Err(FetchError::UnsupportedProtocol(next.scheme().to_string()));
        }
        spec.typed = None;
        let post = spec.method.eq_ignore_ascii_case("POST");
        let to_get = match status {
            303 => !(spec.is_head() || post && self.keep_post.on303),
            301 => post && !self.keep_post.on301,
            302 => post && !self.keep_post.on302,
            _ => false,
        };
        if to_get {
            spec.method = "GET".into();
            spec.body = None;
        }
        withhold_credentials(spec, from, &next, self.trusted);
        self.followed += 1;
        Ok(next)
    }
}

/// What curl withholds from another origin (scheme, host or port differ): a user-set Host
/// always, and Authorization (`-u` included) and Cookie unless `trusted`. Going from https to
/// http drops Cookie even when trusted: it would cross the network in the clear.
fn withhold_credentials(spec: &mut RequestSpec, from: &Url, next: &Url, trusted: bool) {
    if next.origin() != from.origin() {
        spec.withhold("host");
        if !trusted {
            spec.withhold("authorization");
            spec.withhold("cookie");
        }
    }
    if from.scheme() == "https" && next.scheme() == "http" {
        spec.withhold("cookie");
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::fetch::http::request::Payload;

    fn spec(method: &str, body: Option<&str>) -> RequestSpec {
        RequestSpec {
            body: body.map(|b| Payload::Bytes {
                data: b.as_bytes().to_vec(),
                content_type: None,
            }),
            ..RequestSpec::plain(method, "t")
        }
    }

    #[test]
    fn relative_and_absolute_locations() {
        let from = Url::parse("http://a.test/x/y").unwrap();
        let mut s = spec("GET", None);
        let mut r = Redirects::new(20, false);
        assert_eq!(
            r.follow(&mut s, &from, 302, "z").unwrap().as_str(),
            "http://a.test/x/z"
        );
        assert_eq!(
            r.follow(&mut s, &from, 301, "https://b.test/")
                .unwrap()
                .as_str(),
            "https://b.test/"
        );
        assert_eq!(s.withheld, ["host", "authorization", "cookie"]);
    }

    #[test]
    fn methods_change_as_browsers_and_curl_do() {
        let from = Url::parse("http://a.test/").unwrap();
        for (status, method, want, keeps_body) in [
            (303, "POST", "GET", false),
            (303, "PUT", "GET", false),
            (302, "POST", "GET", false),
            (301, "POST", "GET", false),
            (301, "PUT", "PUT", true),
            (307, "POST", "POST", true),
            (308, "POST", "POST", true),
            (303, "HEAD", "HEAD", false),
        ] {
            let mut s = spec(method, (method != "HEAD").then_some("b"));
            let mut r = Redirects::new(20, false);
            r.follow(&mut s, &from, status, "/next").unwrap();
            assert_eq!(s.method, want, "{status} after {method}");
            assert_eq!(s.body.is_some(), keeps_body, "{status} after {method}");
            assert!(s.withheld.is_empty());
        }
    }

    #[test]
    fn locations_are_percent_encoded_and_empty_is_none() {
        let head = |raw: &[u8]| match crate::fetch::http::head::parse(raw) {
            Ok(crate::fetch::http::head::Parsed::Complete(h, _)) => h,
            other => panic!("{other:?}"),
        };
        let latin1 = head(b"HTTP/1.1 302 Found\r\nLocation: /caf\xe9 x\r\n\r\n");
        assert_eq!(location(&latin1).as_deref(), Some("/caf%E9%20x"));
        assert_eq!(
            location(&head(b"HTTP/1.1 302 Found\r\nLocation: \r\n\r\n")),
            None
        );
        assert_eq!(location(&head(b"HTTP/1.1 302 Found\r\n\r\n")), None);
    }

    #[test]
    fn trusted_keeps_credentials_but_not_cookies_over_http() {
        let from = Url::parse("https://a.test/").unwrap();
        let mut s = spec("GET", None);
        let mut r = Redirects::new(20, true);
        r.follow(&mut s, &from, 302, "https://b.test/").unwrap();
        assert_eq!(s.withheld, ["host"]);
        let mut s = spec("GET", None);
        let mut r = Redirects::new(20, true);
        r.follow(&mut s, &from, 302, "http://a.test/").unwrap();
        assert_eq!(s.withheld, ["host", "cookie"]);
    }

    /// A redirect to the same URL is followed like any other, as curl follows it, until
    /// the limit.
    #[test]
    fn loops_and_limits_stop() {
        let a = Url::parse("http://a.test/a").unwrap();
        let mut s = spec("GET", None);
        let mut r = Redirects::new(3, false);
        for _ in 0..3 {
            assert_eq!(r.follow(&mut s, &a, 302, "/a").unwrap(), a);
        }
        assert_eq!(r.follow(&mut s, &a, 302, "/a").unwrap_err().exit_code(), 47);
        let mut r = Redirects::new(1, false);
        let b = r.follow(&mut s, &a, 302, "/b").unwrap();
        let err = r.follow(&mut s, &b, 302, "/c").unwrap_err();
        assert_eq!(err.exit_code(), 47);
        let mut r = Redirects::new(5, false);
        let err = r.follow(&mut s, &a, 302, "ftp://x/").unwrap_err();
        assert_eq!(err.exit_code(), 1);
    }
}
