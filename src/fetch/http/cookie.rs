//! Owns one cookie: reading it from a `Set-Cookie` header (RFC 6265 with curl 7.88's
//! choices) or from a line of a Netscape cookie file, writing that line back, and whether it
//! goes with a request to a URL.
//!
//! Written here rather than taken from `cookie_store`: what curl reads and writes is its own
//! dialect (a default path that keeps its trailing slash, a `Path` that need not start with
//! `/` kept as typed in the file, `127.0.0.1` and `localhost` counted as secure origins,
//! `#HttpOnly_` lines), and the differential test holds sockit to curl's bytes. Public
//! suffixes come from the `psl` crate's compiled-in list, as curl takes them from libpsl.

use super::cookie_date;

/// The longest name plus value curl keeps (its `MAX_NAME`): longer cookies are dropped.
const MAX_NAME_AND_VALUE: usize = 4096;

/// One cookie, as the jar keeps it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Cookie {
    /// Its name.
    pub name: String,
    /// Its value (may be empty).
    pub value: String,
    /// The host it came from, or the `Domain` it named, lower case, no leading dot.
    pub domain: String,
    /// A `Domain` was named: the domain's subdomains get it too (the file's TRUE/FALSE).
    pub tailmatch: bool,
    /// The path as curl keeps it: the `Path` given, or the request's directory with its
    /// trailing slash.
    pub path: String,
    /// Only sent to secure origins.
    pub secure: bool,
    /// `HttpOnly`: kept in the file as curl marks it, `#HttpOnly_`.
    pub http_only: bool,
    /// When it expires, in Unix seconds; 0 for a session cookie.
    pub expires: i64,
}

/// Where a `Set-Cookie` came from.
#[derive(Debug, Clone, Copy)]
pub struct Origin<'a> {
    /// The request's host, lower case (an IPv6 address without brackets).
    pub host: &'a str,
    /// The request's path, without its query.
    pub path: &'a str,
    /// https, or a loopback host: curl lets both set and get `Secure` cookies.
    pub secure: bool,
}

impl<'a> Origin<'a> {
    /// The origin of a request to `url`.
    pub fn of(url: &'a url::Url) -> Self {
        let host = match url.host() {
            Some(url::Host::Ipv6(_)) => url
                .host_str()
                .unwrap_or_default()
                .trim_start_matches('[')
                .trim_end_matches(']'),
            _ => url.host_str().unwrap_or_default(),
        };
        Origin {
            host,
            path: url.path(),
            secure: url.scheme() == "https" || matches!(host, "localhost" | "127.0.0.1" | "::1"),
        }
    }
}

impl Cookie {
    /// The cookie a `Set-Cookie: VALUE` header from `origin` sets at `now`, or None when
    /// curl would drop it (no name, a domain the origin may not set, a public suffix, a
    /// `Secure` cookie from an insecure origin, a bad `__Secure-`/`__Host-` name).
    pub fn from_header(value: &str, origin: Origin, now: i64) -> Option<Cookie> {
        // A control character (a tab above all) in what the file keeps (the value, the host,
        // the path a cookie defaults to) would break its line;
        // a cookie for no host, or for one no URL can name (`#...` reads as a comment), would be
        // a file line that neither curl nor the jar reads back.
        if [value, origin.host, origin.path]
            .iter()
            .any(|s| s.chars().any(char::is_control))
            || !is_host_name(origin.host)
        {
            return None;
        }
        let mut parts = value.split(';');
        let (name, value) = parts.next()?.split_once('=')?;
        let (name, value) = (name.trim_matches(BLANK), value.trim_matches(BLANK));
        if name.is_empty()
            || name.len() + value.len() > MAX_NAME_AND_VALUE
            || [name, value]
                .iter()
                .any(|s| s.chars().any(char::is_control))
        {
            return None;
        }
        let mut cookie = Cookie {
            name: name.into(),
            value: value.into(),
            domain: origin.host.to_ascii_lowercase(),
            tailmatch: false,
            path: default_path(origin.path),
            secure: false,
            http_only: false,
            expires: 0,
        };
        let (mut max_age, mut expires) = (None, None);
        for attribute in parts {
            let (key, val) = match attribute.split_once('=') {
                Some((k, v)) => (k.trim_matches(BLANK), v.trim_matches(BLANK)),
                None => (attribute.trim_matches(BLANK), ""),
            };
            match key.to_ascii_lowercase().as_str() {
                "secure" if origin.secure => cookie.secure = true,
                "secure" => return None,
                "httponly" => cookie.http_only = true,
                "path" if !val.is_empty() => cookie.path = val.into(),
                // `Domain=.` names the empty domain: RFC 6265 (5.3, step 6) keeps the cookie
                // for the host alone, as if no Domain were given.
                "domain" if !val.trim_start_matches('.').is_empty() => {
                    let named = val.trim_start_matches('.').to_ascii_lowercase();
                    cookie.tailmatch = !is_ip(&named);
                    if !may_set_domain(origin.host, &named) {
                        return None;
                    }
                    cookie.domain = named;
                }
                "max-age" => max_age = Some(val.to_string()),
                "expires" => expires = Some(val.to_string()),
                _ => {}
            }
        }
        cookie.expires = expiry(max_age.as_deref(), expires.as_deref(), now);
        let secure_prefix = name.starts_with("__Secure-") || name.starts_with("__Host-");
        let host_prefix = name.starts_with("__Host-");
        if secure_prefix && !cookie.secure
            || host_prefix && (cookie.tailmatch || cookie.path != "/")
        {
            return None;
        }
        Some(cookie)
    }

    /// The cookie on one line of a Netscape cookie file, or None for a comment, a blank line
    /// or a line curl would skip. `#HttpOnly_` marks an HttpOnly cookie.
    pub fn from_file_line(line: &str) -> Option<Cookie> {
        let line = line.trim_end_matches(['\r', '\n']);
        let (http_only, line) = match line.strip_prefix("#HttpOnly_") {
            Some(rest) => (true, rest),
            None if line.starts_with('#') => return None,
            None => (false, line),
        };
        let fields: Vec<&str> = line.split('\t').collect();
        let (domain, tailmatch, path, secure, expires, name) = match fields[..] {
            [d, t, p, s, e, n, _] | [d, t, p, s, e, n] => (d, t, p, s, e, n),
            _ => return None,
        };
        let value = fields.get(6).copied().unwrap_or_default();
        let domain = domain.trim_start_matches('.').to_ascii_lowercase();
        // a domain no URL can name never goes out, and `.#...` would be written back as a
        // comment line
        if !is_host_name(&domain) || name.is_empty() {
            return None;
        }
        Some(Cookie {
            name: name.into(),
            value: value.into(),
            domain,
            tailmatch: tailmatch.eq_ignore_ascii_case("TRUE"),
            path: path.into(),
            secure: secure.eq_ignore_ascii_case("TRUE"),
            http_only,
            expires: expires.trim().parse().ok()?,
        })
    }

    /// The cookie's line in the file, as curl writes it (without the line break).
    pub fn file_line(&self) -> String {
        let yes_no = |b: bool| if b { "TRUE" } else { "FALSE" };
        format!(
            "{}{}{}\t{}\t{}\t{}\t{}\t{}\t{}",
            if self.http_only { "#HttpOnly_" } else { "" },
            if self.tailmatch { "." } else { "" },
            self.domain,
            yes_no(self.tailmatch),
            self.path,
            yes_no(self.secure),
            self.expires,
            self.name,
            self.value
        )
    }

    /// Whether it has expired at `now` (a session cookie never has).
    pub fn expired(&self, now: i64) -> bool {
        self.expires != 0 && self.expires <= now
    }

    /// Whether it goes with a request to `origin`: domain, path and `Secure`.
    pub fn matches(&self, origin: Origin) -> bool {
        let host = origin.host.to_ascii_lowercase();
        let domain_ok = if self.tailmatch && !is_ip(&host) {
            tail_matches(&self.domain, &host)
        } else {
            host == self.domain
        };
        domain_ok && (!self.secure || origin.secure) && path_matches(self.match_path(), origin.path)
    }

    /// Whether `other` replaces this one in the jar: the same name, domain and path.
    pub fn same_slot(&self, other: &Cookie) -> bool {
        self.name == other.name
            && self.domain == other.domain
            && self.tailmatch == other.tailmatch
            && self.match_path() == other.match_path()
    }

    /// The path it is matched by: curl's sanitised form, `/` for one that does not start
    /// with a slash, a trailing slash dropped.
    pub fn match_path(&self) -> &str {
        let path = self.path.trim_matches('"');
        if !path.starts_with('/') {
            return "/";
        }
        match path.strip_suffix('/') {
            Some(trimmed) if !trimmed.is_empty() => trimmed,
            _ => path,
        }
    }
}

/// Spaces and tabs, which curl trims around names, values and attributes.
const BLANK: [char; 2] = [' ', '\t'];

/// The request path's directory, its trailing slash kept, as curl keeps it.
fn default_path(path: &str) -> String {
    match path.rfind('/') {
        Some(at) => path[..=at].to_string(),
        None => "/".into(),
    }
}

/// `Max-Age` wins over `Expires`; a zero or negative age, or a date at the epoch, has
/// already expired (1); an unreadable date leaves a session cookie (0), as in curl.
fn expiry(max_age: Option<&str>, expires: Option<&str>, now: i64) -> i64 {
    if let Some(age) = max_age {
        return match age.trim_matches('"').parse::<i64>() {
            Ok(age) if age <= 0 => 1,
            Ok(age) => now.saturating_add(age),
            Err(_) if age.trim_start_matches('"').starts_with('-') => 1,
            Err(_) => i64::MAX,
        };
    }
    match expires.and_then(cookie_date::parse) {
        Some(at) if at <= 0 => 1,
        Some(at) => at,
        None => 0,
    }
}

/// Whether a response from `host` may set a cookie for `domain`: the host itself, or a
/// parent of it that is not a public suffix (libpsl's rule, which curl follows).
fn may_set_domain(host: &str, domain: &str) -> bool {
    let host = host.to_ascii_lowercase();
    if host == domain {
        return true;
    }
    if !is_host_name(domain) {
        return false;
    }
    if is_ip(&host) || is_ip(domain) || !tail_matches(domain, &host) {
        return false;
    }
    !is_public_suffix(domain)
}

/// Whether `domain` is a public suffix (`com`, `co.uk`, and any unknown top-level name, as
/// libpsl's default rule counts it).
fn is_public_suffix(domain: &str) -> bool {
    psl::suffix(domain.as_bytes()).is_some_and(|s| s.as_bytes() == domain.as_bytes())
}

/// `host` is `domain` or a subdomain of it.
fn tail_matches(domain: &str, host: &str) -> bool {
    host == domain
        || host
            .strip_suffix(domain)
            .is_some_and(|rest| rest.ends_with('.'))
}

/// RFC 6265's path-match, over curl's sanitised cookie path.
fn path_matches(cookie_path: &str, request_path: &str) -> bool {
    let request_path = if request_path.is_empty() {
        "/"
    } else {
        request_path
    };
    cookie_path == "/"
        || request_path == cookie_path
        || request_path
            .strip_prefix(cookie_path)
            .is_some_and(|rest| rest.starts_with('/'))
}

fn is_ip(host: &str) -> bool {
    host.parse::<std::net::IpAddr>().is_ok()
}

/// Whether `host` is a host a URL can name: letters, digits, `-`, `.`, `_`, and the `:`
/// and brackets of an IPv6 literal; nothing a cookie file would misread. A leading dot or an
/// empty label is refused too: the jar's domain field reads a leading dot as "and its
/// subdomains", so `.co.uk` would come back as another cookie.
fn is_host_name(host: &str) -> bool {
    !host.is_empty()
        && !host.starts_with('.')
        && !host.contains("..")
        && host
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b"-._:[]".contains(&b))
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    const NOW: i64 = 1_800_000_000;

    fn origin<'a>(host: &'a str, path: &'a str) -> Origin<'a> {
        Origin {
            host,
            path,
            secure: false,
        }
    }

    fn set(header: &str, host: &str, path: &str) -> Option<Cookie> {
        Cookie::from_header(header, origin(host, path), NOW)
    }

    /// A plain cookie is host-only, for the request's directory, trailing slash kept.
    #[test]
    fn defaults_are_curls() {
        let c = set("a=1", "Example.com", "/dir/page").unwrap();
        assert_eq!(c.file_line(), "example.com\tFALSE\t/dir/\tFALSE\t0\ta\t1");
        assert!(c.matches(origin("example.com", "/dir/x")));
        assert!(!c.matches(origin("www.example.com", "/dir/x")));
        assert!(!c.matches(origin("example.com", "/other")));
    }

    /// Domain cookies go to subdomains; a domain the host is not in, or a public suffix,
    /// is refused.
    #[test]
    fn domains_follow_rfc6265_and_the_public_suffix_list() {
        let c = set("a=1; Domain=.example.com", "www.example.com", "/").unwrap();
        assert!(c.tailmatch);
        assert_eq!(c.file_line(), ".example.com\tTRUE\t/\tFALSE\t0\ta\t1");
        assert!(c.matches(origin("a.b.example.com", "/")));
        assert!(!c.matches(origin("badexample.com", "/")));
        assert_eq!(set("a=1; Domain=other.com", "www.example.com", "/"), None);
        assert_eq!(set("a=1; Domain=com", "example.com", "/"), None);
        assert_eq!(set("a=1; Domain=co.uk", "bbc.co.uk", "/"), None);
        assert!(set("a=1; Domain=bbc.co.uk", "www.bbc.co.uk", "/").is_some());
        assert!(set("a=1; Domain=127.0.0.1", "127.0.0.1", "/").is_some_and(|c| !c.tailmatch));
        assert_eq!(set("a=1; Domain=0.0.1", "127.0.0.1", "/"), None);
    }

    /// Paths match at `/` boundaries only, over curl's sanitised path.
    #[test]
    fn paths_match_at_slashes() {
        let c = set("a=1; Path=/docs/", "h.test", "/").unwrap();
        assert_eq!(c.path, "/docs/");
        assert!(c.matches(origin("h.test", "/docs")));
        assert!(c.matches(origin("h.test", "/docs/x")));
        assert!(!c.matches(origin("h.test", "/docsx")));
        let odd = set("a=1; Path=nosl", "h.test", "/x/y").unwrap();
        assert_eq!((odd.path.as_str(), odd.match_path()), ("nosl", "/"));
    }

    /// Secure cookies need a secure origin to be set and to be sent; curl counts loopback
    /// as secure.
    #[test]
    fn secure_needs_a_secure_origin() {
        assert_eq!(set("a=1; Secure", "h.test", "/"), None);
        let secure = Origin {
            secure: true,
            ..origin("h.test", "/")
        };
        let c = Cookie::from_header("a=1; Secure", secure, NOW).unwrap();
        assert!(c.matches(secure));
        assert!(!c.matches(origin("h.test", "/")));
        let url = url::Url::parse("http://127.0.0.1:8/").unwrap();
        assert!(Origin::of(&url).secure);
    }

    /// Max-Age beats Expires; zero or less has expired; a bad date is a session cookie.
    #[test]
    fn expiry_is_curls() {
        let exp = |h: &str| set(h, "h.test", "/").unwrap().expires;
        assert_eq!(
            exp("a=1; Max-Age=100; Expires=Wed, 09 Jun 2100 10:18:14 GMT"),
            NOW + 100
        );
        assert_eq!(exp("a=1; Max-Age=0"), 1);
        assert_eq!(
            exp("a=1; Expires=Wed, 09-Jun-2100 10:18:14 GMT"),
            4_116_219_494
        );
        assert_eq!(exp("a=1; Expires=soon"), 0);
    }

    /// Names without a value sign, empty names, control bytes and bad prefixes are dropped.
    #[test]
    fn bad_cookies_are_dropped() {
        for header in [
            "a",
            "=1",
            "a=\u{1}",
            "__Host-a=1; Secure; Path=/x",
            "__Secure-a=1",
        ] {
            assert_eq!(set(header, "127.0.0.1", "/"), None, "{header}");
        }
        let secure = Origin {
            secure: true,
            ..origin("127.0.0.1", "/")
        };
        assert!(Cookie::from_header("__Host-a=1; Secure; Path=/", secure, NOW).is_some());
        let empty = set("k=; Path=/x", "h.test", "/").unwrap();
        assert_eq!(empty.value, "");
        // hosts whose jar line would read back as another cookie or as a comment
        for host in ["", ".co.uk", "a..b", "#h"] {
            assert_eq!(set("a=1", host, "/"), None, "{host:?}");
        }
        // `Domain=.` names no domain (a fuzz finding: it became a `.` jar line that read back
        // as nothing): the cookie stays the host's own, as RFC 6265 says.
        let dot = set("c=2; Domain=.", "127.", "/").unwrap();
        assert_eq!((dot.domain.as_str(), dot.tailmatch), ("127.", false));
        assert_eq!(set("c=2; Domain=a..h.test", "x.a..h.test", "/"), None);
    }

    /// File lines read back to the cookie they were written from, HttpOnly included.
    #[test]
    fn file_lines_round_trip() {
        let line = "#HttpOnly_.example.com\tTRUE\t/p\tTRUE\t4116219494\tn\tv w";
        let c = Cookie::from_file_line(line).unwrap();
        assert!(c.http_only && c.tailmatch && c.secure);
        assert_eq!(c.file_line(), line);
        assert_eq!(Cookie::from_file_line("# a comment"), None);
        assert_eq!(Cookie::from_file_line(".#h\tTRUE\t/\tFALSE\t0\tc\t2"), None);
        assert_eq!(Cookie::from_file_line("too\tfew"), None);
        let no_value = Cookie::from_file_line("h\tFALSE\t/\tFALSE\t0\tn").unwrap();
        assert_eq!(no_value.value, "");
    }

    proptest! {
        /// Any line never panics, and a line that reads writes back to a line that reads
        /// to the same cookie.
        #[test]
        fn file_lines_are_stable(line in "(#HttpOnly_)?[a-z.]{0,8}\t[A-Z]{0,5}\t[/a-z]{0,6}\t[A-Z]{0,5}\t-?[0-9]{0,11}\t[^\t\r\n]{0,6}(\t[^\t\r\n]{0,6})?") {
            if let Some(c) = Cookie::from_file_line(&line) {
                prop_assert_eq!(Cookie::from_file_line(&c.file_line()), Some(c));
            }
        }

        /// Any Set-Cookie value never panics, and what it sets matches its own origin's
        /// host.
        #[test]
        fn headers_set_cookies_for_their_origin(header in ".{0,80}", path in "/[a-z/]{0,10}") {
            if let Some(c) = set(&header, "www.example.com", &path) {
                prop_assert!(c.domain == "www.example.com" || c.domain == "example.com");
            }
        }
    }
}
