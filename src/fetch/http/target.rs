//! The request target as curl 7.88 writes it from the URL typed: `{` and `}` in a path go out
//! as typed, where the url crate (WHATWG) writes `%7B` and `%7D`. Servers and signatures that
//! compare the target byte for byte (a CDN's cache key, a pre-signed link) then see what
//! curl sends.
//!
//! The url crate stays the one URL parser: the typed text is parsed again with each brace
//! marked by a private-use character, the marks (which it percent-encodes) are turned back
//! into braces, and the result is used only when it names the same target as the URL's own
//! form but for the braces. Anything else the crate rewrites (dot segments, backslashes,
//! other characters it encodes) is written as it writes it.

use url::Url;

const MARKS: [(char, &str, char); 2] = [
    ('{', "%EE%80%80", '\u{E000}'),
    ('}', "%EE%80%81", '\u{E001}'),
];

/// The path and query `url` names (its origin form), as the url crate writes them.
pub fn origin_form(url: &Url) -> String {
    let mut target = url.path().to_string();
    if let Some(query) = url.query() {
        target.push('?');
        target.push_str(query);
    }
    target
}

/// `url` written with `target` as its path and query, as `%{url_effective}` shows it.
pub fn with_target(url: &Url, target: &str) -> String {
    use url::Position;
    format!(
        "{}{target}{}",
        &url[..Position::BeforePath],
        &url[Position::AfterQuery..]
    )
}

/// The target with the braces of `typed` (the text `url` was parsed from, scheme included)
/// as typed, when it has any and means the same target as `url`'s own form.
pub fn with_typed_braces(typed: &str, url: &Url) -> Option<String> {
    let after_scheme = typed.find("://").map_or(0, |at| at + 3);
    let start = after_scheme + typed[after_scheme..].find(['/', '?', '#'])?;
    let end = typed[start..]
        .find('#')
        .map_or(typed.len(), |at| start + at);
    let tail = &typed[start..end];
    let marked_already = MARKS.iter().any(|&(_, encoded, mark)| {
        tail.contains(mark) || tail.to_ascii_uppercase().contains(encoded)
    });
    if !tail.contains(['{', '}']) || marked_already {
        return None;
    }
    let marked_tail = MARKS.iter().fold(tail.to_string(), |t, &(brace, _, mark)| {
        t.replace(brace, &mark.to_string())
    });
    let marked = Url::parse(&format!(
        "{}{marked_tail}{}",
        &typed[..start],
        &typed[end..]
    ))
    .ok()?;
    let target = MARKS
        .iter()
        .fold(origin_form(&marked), |t, &(brace, encoded, _)| {
            t.replace(encoded, &brace.to_string())
        });
    let unbraced = |t: &str| t.replace("%7B", "{").replace("%7D", "}");
    (unbraced(&target) == unbraced(&origin_form(url))).then_some(target)
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn braces(typed: &str) -> Option<String> {
        with_typed_braces(typed, &Url::parse(typed).unwrap())
    }

    /// The targets curl 7.88 sent for these URLs (read off a recording server with `-g`).
    #[test]
    fn braces_go_as_typed() {
        assert_eq!(braces("http://h/{}").as_deref(), Some("/{}"));
        assert_eq!(
            braces("http://h/a/../b{}?q={x}#{f}").as_deref(),
            Some("/b{}?q={x}")
        );
        assert_eq!(braces("http://h/%7b{}").as_deref(), Some("/%7b{}"));
        assert_eq!(braces("http://h/a{b}[c]").as_deref(), Some("/a{b}[c]"));
        // nothing to keep, or a URL whose typed form is not its target
        assert_eq!(braces("http://h/plain"), None);
        assert_eq!(braces("http://h{x}/"), None);
        assert_eq!(braces("http://h/a\u{E000}{"), None);
        let url = Url::parse("http://h/{}").unwrap();
        let other = Url::parse("http://h/{}?more").unwrap();
        assert_eq!(with_typed_braces("http://h/{}", &other), None);
        assert_eq!(origin_form(&url), "/%7B%7D");
        assert_eq!(with_target(&url, "/{}"), "http://h/{}");
    }

    proptest! {
        /// Whatever is typed, a target kept is the URL's own but for braces, and has no
        /// character the url crate would not have written but a brace.
        #[test]
        fn kept_targets_differ_only_in_braces(tail in "[a-z{}%./?#é\\\\]{0,20}") {
            let typed = format!("http://h/{tail}");
            if let Ok(url) = Url::parse(&typed) {
                if let Some(target) = with_typed_braces(&typed, &url) {
                    let own = origin_form(&url);
                    prop_assert_eq!(target.replace('{', "%7B").replace('}', "%7D"),
                        own.replace('{', "%7B").replace('}', "%7D"));
                }
            }
        }
    }
}
