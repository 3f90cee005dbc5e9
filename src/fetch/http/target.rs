//! The request target and the URL as curl 7.88 writes them from the URL typed, where the
//! url crate (WHATWG) writes them otherwise. curl sends the path and query as typed: `{`,
//! `"`, `<`, `` ` ``, `\` and `'` stay raw where the crate writes `%7B`, `%22`, `%3C`,
//! `%60`, `/` and `%27`; only the literal `.` and `..` segments of the path are removed
//! (`%2e` stays), and bytes past ASCII are %-encoded in the path with lower-case digits and
//! sent raw in the query. Servers and signatures that compare the target byte for byte (a
//! CDN's cache key, a pre-signed link) then see what curl sends, and `-w`'s
//! `%{url_effective}` prints what curl prints.
//!
//! The url crate stays the one URL parser: a typed path or query is used only where the
//! crate, parsing it again, finds the same path or query as in the URL it parsed (a `-G`
//! query or a `-T` file name appended later makes it fall back to the crate's form).

use url::{Position, Url};

/// What the typed URL keeps of its own, beside the [`Url`] parsed from it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Typed {
    /// The URL the forms below are for: a redirect's next URL is written as the crate writes it.
    pub url: Url,
    /// The path to send, as typed (dot segments removed unless `--path-as-is`), before
    /// [`escape_path`].
    path: Option<String>,
    /// The query to send, as typed, without its `?`.
    query: Option<String>,
    /// The fragment as typed, without its `#`, for `%{url_effective}`.
    fragment: Option<String>,
    /// The host name in the case typed (`Host: LocalHost`, as curl sends it).
    host: Option<String>,
}

impl Typed {
    /// The typed forms of `typed` (the text `url` was parsed from, scheme included), kept
    /// where they name what `url` names; `as_is` keeps the dot segments (`--path-as-is`,
    /// which is sent even where the crate disagrees: that is the flag's point).
    pub fn new(typed: &str, url: &Url, as_is: bool) -> Self {
        let (path, query, fragment) = split_tail(typed);
        let path = match as_is {
            true => path.to_string(),
            false => remove_dot_segments(path),
        };
        let same = |target: &str, part: fn(&Url) -> Option<&str>| {
            let again = Url::parse(&format!("{}{target}", &url[..Position::BeforePath])).ok();
            let again = again.as_ref().and_then(part).map(upper_escapes);
            again.is_some() && again == part(url).map(upper_escapes)
        };
        // Where the typed form is the crate's already (most URLs), parsing again is not
        // needed to know that: `-Z` with 500 URLs parsed 1,000 URLs fewer.
        let escaped = escape_path(&path);
        let path =
            (as_is || escaped == url.path() || same(&escaped, |u| Some(u.path()))).then_some(path);
        let query = query
            .filter(|q| url.query() == Some(q) || same(&format!("/?{q}"), Url::query))
            .map(str::to_string);
        let host = typed_host(typed)
            .filter(|host| url.host_str().is_some_and(|h| h.eq_ignore_ascii_case(host)))
            .map(str::to_string);
        Typed {
            url: url.clone(),
            path,
            query,
            fragment: fragment.map(str::to_string),
            host,
        }
    }

    /// The host as `Host:` names it: in the case typed, with the port when it is not the
    /// scheme's default.
    pub fn host_header(&self, url: &Url) -> String {
        match &self.host {
            Some(host) => with_port(host, url),
            None => host_header(url),
        }
    }

    /// The path and query to send for `url` (its origin form).
    pub fn origin_form(&self, url: &Url) -> String {
        let mut target = match &self.path {
            Some(path) => escape_path(path),
            None => url.path().to_string(),
        };
        if let Some(query) = self.query.as_deref().or(url.query()) {
            target.push('?');
            target.push_str(query);
        }
        target
    }

    /// `%{url_effective}` as curl prints it: the host in the case typed, the path dot-free
    /// and raw, the query and the fragment as typed.
    pub fn effective(&self) -> String {
        let url = &self.url;
        let path = self.path.as_deref().unwrap_or(url.path());
        let host =
            (self.host.as_deref()).unwrap_or(&url[Position::BeforeHost..Position::AfterHost]);
        let mut shown = format!(
            "{}{host}{}{path}",
            &url[..Position::BeforeHost],
            &url[Position::AfterHost..Position::BeforePath]
        );
        if let Some(query) = self.query.as_deref().or(url.query()) {
            shown.push('?');
            shown.push_str(query);
        }
        if let Some(fragment) = self.fragment.as_deref().or(url.fragment()) {
            shown.push('#');
            shown.push_str(fragment);
        }
        shown
    }
}

/// The path and query `url` names (its origin form), as the url crate writes them.
pub fn origin_form(url: &Url) -> String {
    let mut target = url.path().to_string();
    if let Some(query) = url.query() {
        target.push('?');
        target.push_str(query);
    }
    target
}

/// `host` or `host:port` when the port is not the scheme's default; IPv6 in brackets.
pub fn host_header(url: &Url) -> String {
    with_port(url.host_str().unwrap_or_default(), url)
}

/// `host`, with `url`'s port when it is not the scheme's default.
fn with_port(host: &str, url: &Url) -> String {
    match url.port() {
        Some(port) => format!("{host}:{port}"),
        None => host.to_string(),
    }
}

/// Whether `typed` holds a byte curl 7.88 refuses in a URL (exit 3): a space or a control
/// character. The url crate would drop tabs and newlines and encode the rest.
pub fn refused_byte(typed: &str) -> Option<u8> {
    typed.bytes().find(|&b| b <= b' ' || b == 0x7f)
}

/// The path (`/` when empty), query and fragment of `typed`, as typed: what follows the
/// authority. `http:/host` (one slash, which curl repairs) and a URL without a scheme too.
fn split_tail(typed: &str) -> (&str, Option<&str>, Option<&str>) {
    let after_scheme = match typed.find("://") {
        Some(at) => &typed[at + 3..],
        None => typed
            .split_once(':')
            .filter(|(scheme, _)| scheme.eq_ignore_ascii_case("http"))
            .map_or(typed, |(_, rest)| rest.trim_start_matches('/')),
    };
    let start = after_scheme
        .find(['/', '?', '#'])
        .unwrap_or(after_scheme.len());
    let (rest, fragment) = match after_scheme[start..].split_once('#') {
        Some((rest, fragment)) => (rest, Some(fragment)),
        None => (&after_scheme[start..], None),
    };
    let (path, query) = match rest.split_once('?') {
        Some((path, query)) => (path, Some(query)),
        None => (rest, None),
    };
    (if path.is_empty() { "/" } else { path }, query, fragment)
}

/// The host of `typed` as typed: the authority without user information or port.
fn typed_host(typed: &str) -> Option<&str> {
    let after_scheme = &typed[typed.find("://")? + 3..];
    let authority = &after_scheme[..after_scheme
        .find(['/', '?', '#', '\\'])
        .unwrap_or(after_scheme.len())];
    let host_port = authority.rsplit_once('@').map_or(authority, |(_, hp)| hp);
    match host_port.strip_prefix('[') {
        Some(v6) => Some(&host_port[..v6.find(']')? + 2]),
        None => host_port.split(':').next(),
    }
}

/// RFC 3986 section 5.2.4 on the literal `.` and `..` segments, as curl's `dedotdotify`.
fn remove_dot_segments(path: &str) -> String {
    let segments: Vec<&str> = path.strip_prefix('/').unwrap_or(path).split('/').collect();
    let mut out: Vec<&str> = Vec::with_capacity(segments.len());
    for (i, segment) in segments.iter().enumerate() {
        let last = i + 1 == segments.len();
        match *segment {
            "." => {}
            ".." => {
                out.pop();
            }
            other => {
                out.push(other);
                continue;
            }
        }
        if last {
            out.push("");
        }
    }
    format!("/{}", out.join("/"))
}

/// `path` with every byte outside printable ASCII %-encoded in lower case, as curl sends it.
fn escape_path(path: &str) -> String {
    let mut out = String::with_capacity(path.len());
    for byte in path.bytes() {
        if (0x21..0x7f).contains(&byte) {
            out.push(char::from(byte));
        } else {
            out.push_str(&format!("%{byte:02x}"));
        }
    }
    out
}

/// `text` with the hex digits of its %-escapes in upper case, so that two spellings of one
/// escape compare equal.
fn upper_escapes(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut after_percent = 0;
    for c in text.chars() {
        if after_percent > 0 {
            out.push(c.to_ascii_uppercase());
            after_percent -= 1;
        } else {
            out.push(c);
            if c == '%' {
                after_percent = 2;
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn typed(text: &str) -> Typed {
        Typed::new(text, &Url::parse(text).unwrap(), false)
    }

    fn target(text: &str) -> String {
        let url = Url::parse(text).unwrap();
        Typed::new(text, &url, false).origin_form(&url)
    }

    /// The targets curl 7.88 sent for these URLs (read off a recording server with `-g`).
    #[test]
    fn targets_are_curls() {
        assert_eq!(target("http://h/{}"), "/{}");
        assert_eq!(target("http://h/a/../b{}?q={x}#{f}"), "/b{}?q={x}");
        assert_eq!(target("http://h/%7b{}"), "/%7b{}");
        assert_eq!(target("http://h/a{b}[c]"), "/a{b}[c]");
        assert_eq!(target("http://h/a\\b?c\\d"), "/a\\b?c\\d");
        assert_eq!(target("http://h/a\\..\\b"), "/a\\..\\b");
        assert_eq!(target("http://h/a/..\\b"), "/a/..\\b");
        assert_eq!(target("http://h/a\"b<>`^|?q=\"<>`'"), "/a\"b<>`^|?q=\"<>`'");
        assert_eq!(target("http://h/ä?ä#ä"), "/%c3%a4?ä");
        assert_eq!(target("http://h/a/%2e%2e/b"), "/a/%2e%2e/b");
        assert_eq!(target("http://h/a/.%2e/b"), "/a/.%2e/b");
        assert_eq!(target("http://h/a/./b/.."), "/a/");
        assert_eq!(target("http://h/.."), "/");
        assert_eq!(target("http://h/a/b/."), "/a/b/");
        assert_eq!(target("http://h/a/..?x"), "/?x");
        assert_eq!(target("http://h//a//b"), "//a//b");
        assert_eq!(target("http://h?x"), "/?x");
        assert_eq!(target("http://h"), "/");
        assert_eq!(target("http://h/a..b/..."), "/a..b/...");
    }

    /// `%{url_effective}` as curl printed it for the same URLs.
    #[test]
    fn effective_urls_are_curls() {
        assert_eq!(typed("http://h/ä?ä#x").effective(), "http://h/ä?ä#x");
        assert_eq!(typed("http://h/a/../{x}#f").effective(), "http://h/{x}#f");
        assert_eq!(typed("http://h/a\\b").effective(), "http://h/a\\b");
        assert_eq!(typed("http://h/%c3%a4").effective(), "http://h/%c3%a4");
        assert_eq!(typed("http://h/%C3%A4").effective(), "http://h/%C3%A4");
        let cased = "http://u:p@LocalHost:8080/x";
        assert_eq!(typed(cased).effective(), cased);
        assert_eq!(typed("http://A.123/").effective(), "http://A.123/");
        assert_eq!(typed("http://[::1]:8/").effective(), "http://[::1]:8/");
    }

    /// A typed part is dropped where the URL no longer names it: a query added by -G, a
    /// file name added by -T; `--path-as-is` keeps its path regardless.
    #[test]
    fn parts_the_url_changed_fall_back() {
        let typed_text = "http://h/a\"b/?q=\"";
        let mut url = Url::parse(typed_text).unwrap();
        url.set_query(Some("q=%22&x=1"));
        url.set_path("/a%22b/file");
        let forms = Typed::new(typed_text, &url, false);
        assert_eq!(forms.origin_form(&url), "/a%22b/file?q=%22&x=1");
        let as_is = Typed::new("http://h/x/../y", &Url::parse("http://h/z").unwrap(), true);
        assert_eq!(
            as_is.origin_form(&Url::parse("http://h/z").unwrap()),
            "/x/../y"
        );
    }

    /// The typed path keeps its dot segments, `%2e` and backslashes, and ends at `?` or `#`.
    #[test]
    fn typed_tails_split_as_typed() {
        let path = |text| split_tail(text).0;
        assert_eq!(
            split_tail("http://h:8/a/../b/./c/%2e%2e/d?x/../y#f?g"),
            ("/a/../b/./c/%2e%2e/d", Some("x/../y"), Some("f?g"))
        );
        assert_eq!(path("h/x/..#f"), "/x/..");
        assert_eq!(path("http:/h/../x"), "/../x");
        assert_eq!(path("https://u:p@h"), "/");
        assert_eq!(path("http://h?q"), "/");
        assert_eq!(escape_path(path("http://h/ä/..\\x")), "/%c3%a4/..\\x");
    }

    /// `Host:` keeps the host's case as typed, and drops a default port as curl does.
    #[test]
    fn hosts_keep_their_case() {
        let host = |text: &str| typed(text).host_header(&Url::parse(text).unwrap());
        assert_eq!(host("http://LocalHost:80/a"), "LocalHost");
        assert_eq!(host("http://u:p@Example.COM:8080"), "Example.COM:8080");
        assert_eq!(host("https://[::1]:443/"), "[::1]");
        assert_eq!(host("http://bücher.de/"), "xn--bcher-kva.de");
        assert_eq!(typed_host("http://h\\x"), Some("h"));
    }

    /// Spaces and control characters are what curl refuses.
    #[test]
    fn spaces_and_controls_are_refused() {
        assert_eq!(refused_byte("http://h/a b"), Some(b' '));
        assert_eq!(refused_byte("http://h/#a\tb"), Some(b'\t'));
        assert_eq!(refused_byte("http://h/\x7f"), Some(0x7f));
        assert_eq!(refused_byte("http://h/ä\"<>"), None);
    }

    proptest! {
        /// Whatever is typed, the target sent names what the url crate parsed: parsed
        /// again, it gives the URL's own path and query.
        #[test]
        fn targets_name_the_parsed_url(tail in "[a-z{}%./?#é\"<>`'\\\\]{0,20}") {
            let text = format!("http://h/{tail}");
            if let Ok(url) = Url::parse(&text) {
                let sent = Typed::new(&text, &url, false).origin_form(&url);
                let again = Url::parse(&format!("http://h{sent}")).unwrap();
                prop_assert_eq!(upper_escapes(&origin_form(&again)), upper_escapes(&origin_form(&url)));
            }
        }

        /// Dot segments removal leaves no `.` or `..` segment and keeps a leading `/`.
        #[test]
        fn dot_segments_go(path in "(/(\\.|\\.\\.|[a-z]{1,2})){0,8}/?") {
            let out = remove_dot_segments(if path.is_empty() { "/" } else { &path });
            prop_assert!(out.starts_with('/'));
            prop_assert!(out.split('/').all(|s| s != "." && s != ".."), "{}", out);
        }
    }
}
