//! Owns `-L`: which statuses redirect, where to (relative or absolute `Location`), what the
//! next request's method and body become, and when to stop (a loop, or `--max-redirs`).
//!
//! Pure logic over [`RequestSpec`] and [`Url`]: no I/O, so every rule has a unit test.

use super::error::FetchError;
use super::request::RequestSpec;
use std::collections::HashSet;
use url::Url;

/// Whether `status` is a redirect `-L` follows.
pub fn is_redirect(status: u16) -> bool {
    matches!(status, 301 | 302 | 303 | 307 | 308)
}

/// The redirects followed so far in one fetch.
#[derive(Debug)]
pub struct Redirects {
    max: u32,
    followed: u32,
    /// (method, URL) pairs already requested: asking again can only loop.
    seen: HashSet<(String, String)>,
}

impl Redirects {
    /// Starts a chain at `first`, allowing `max` redirects.
    pub fn new(max: u32, spec: &RequestSpec, first: &Url) -> Self {
        let mut seen = HashSet::new();
        seen.insert((spec.method.clone(), first.to_string()));
        Redirects {
            max,
            followed: 0,
            seen,
        }
    }

    /// Follows a `status` redirect from `from` to `location`: returns the next URL and
    /// updates `spec` (method, body, Authorization) for it.
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
        let to_get = status == 303 && !spec.is_head()
            || matches!(status, 301 | 302) && spec.method.eq_ignore_ascii_case("POST");
        if to_get {
            spec.method = "GET".into();
            spec.body = None;
        }
        if next.origin() != from.origin() {
            spec.drop_authorization = true;
        }
        if !self.seen.insert((spec.method.clone(), next.to_string())) {
            return Err(FetchError::Redirects(format!(
                "redirect loop: {} {next} was already requested",
                spec.method
            )));
        }
        self.followed += 1;
        Ok(next)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn spec(method: &str, body: Option<&str>) -> RequestSpec {
        RequestSpec {
            method: method.into(),
            body: body.map(|b| b.as_bytes().to_vec()),
            user_agent: "t".into(),
            compressed: false,
            edits: vec![],
            drop_authorization: false,
        }
    }

    #[test]
    fn relative_and_absolute_locations() {
        let from = Url::parse("http://a.test/x/y").unwrap();
        let mut s = spec("GET", None);
        let mut r = Redirects::new(20, &s, &from);
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
        assert!(s.drop_authorization);
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
            let mut r = Redirects::new(20, &s, &from);
            r.follow(&mut s, &from, status, "/next").unwrap();
            assert_eq!(s.method, want, "{status} after {method}");
            assert_eq!(s.body.is_some(), keeps_body, "{status} after {method}");
            assert!(!s.drop_authorization);
        }
    }

    #[test]
    fn loops_and_limits_stop() {
        let a = Url::parse("http://a.test/a").unwrap();
        let mut s = spec("GET", None);
        let mut r = Redirects::new(20, &s, &a);
        let b = r.follow(&mut s, &a, 302, "/b").unwrap();
        assert!(r.follow(&mut s, &b, 302, "/a").is_err());
        let mut r = Redirects::new(1, &s, &a);
        let b = r.follow(&mut s, &a, 302, "/b").unwrap();
        let err = r.follow(&mut s, &b, 302, "/c").unwrap_err();
        assert_eq!(err.exit_code(), 47);
        let mut r = Redirects::new(5, &s, &a);
        let err = r.follow(&mut s, &a, 302, "ftp://x/").unwrap_err();
        assert_eq!(err.exit_code(), 1);
    }
}
