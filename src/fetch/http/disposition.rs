//! Owns the file name a `Content-Disposition` header offers (RFC 6266), for `-J`.
//!
//! RFC 6266 gives two forms: `filename="name"` (a token or a quoted string) and
//! `filename*=UTF-8''n%C3%A4me` (RFC 8187's extended value, percent-encoded in a named
//! charset), and says a client that understands the second prefers it. curl 7.88 reads only
//! `filename=`; sockit reads both and prefers `filename*`, as the RFC asks. The name comes
//! back as the server sent it, decoded: reducing it to a safe base name is the output
//! layer's work (`output::file::header_name`), so this stays pure text in, text out.

/// The file name `value` (a `Content-Disposition` header's value) offers: `filename*`'s
/// when it is there and decodes, else `filename`'s; none when neither is there.
pub fn filename(value: &str) -> Option<String> {
    let mut plain = None;
    let mut extended = None;
    for param in params(value) {
        let Some((name, raw)) = param.split_once('=') else {
            continue;
        };
        let name = name.trim();
        if name.eq_ignore_ascii_case("filename*") && extended.is_none() {
            extended = ext_value(raw.trim());
        } else if name.eq_ignore_ascii_case("filename") && plain.is_none() {
            plain = Some(unquote(raw.trim()));
        }
    }
    extended.or(plain)
}

/// The parameters after the disposition type, split at the `;`s outside quoted strings.
fn params(value: &str) -> Vec<&str> {
    let mut out = Vec::new();
    let (mut start, mut quoted, mut escaped) = (0, false, false);
    for (at, c) in value.char_indices() {
        match c {
            _ if escaped => escaped = false,
            '\\' if quoted => escaped = true,
            '"' => quoted = !quoted,
            ';' if !quoted => {
                out.push(&value[start..at]);
                start = at + 1;
            }
            _ => {}
        }
    }
    out.push(&value[start..]);
    // The first piece is the disposition type (`attachment`, `inline`), not a parameter.
    out.into_iter().skip(1).collect()
}

/// A token as it is, or a quoted string without its quotes and backslash escapes.
fn unquote(raw: &str) -> String {
    let Some(inner) = raw.strip_prefix('"') else {
        return raw.to_string();
    };
    let mut out = String::with_capacity(inner.len());
    let mut chars = inner.chars();
    while let Some(c) = chars.next() {
        match c {
            '"' => break,
            '\\' => out.extend(chars.next()),
            c => out.push(c),
        }
    }
    out
}

/// RFC 8187's `charset'language'pct-encoded`, decoded; none for a charset other than UTF-8
/// and ISO-8859-1 (the two the RFC names), or bytes that are not text in UTF-8.
fn ext_value(raw: &str) -> Option<String> {
    let mut parts = raw.splitn(3, '\'');
    let (charset, _language, encoded) = (parts.next()?, parts.next()?, parts.next()?);
    let bytes: Vec<u8> = percent_encoding::percent_decode_str(encoded).collect();
    if charset.eq_ignore_ascii_case("utf-8") {
        String::from_utf8(bytes).ok()
    } else if charset.eq_ignore_ascii_case("iso-8859-1") {
        Some(bytes.into_iter().map(char::from).collect())
    } else {
        None
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    /// The plain form, quoted or a token, with other parameters around it.
    #[test]
    fn plain_names_quoted_or_tokens() {
        let name = |v| filename(v).unwrap();
        assert_eq!(name("attachment; filename=\"name.txt\""), "name.txt");
        assert_eq!(name("attachment; filename=plain.txt; size=3"), "plain.txt");
        assert_eq!(name("inline; size=3; FILENAME=\"x y.txt\""), "x y.txt");
        assert_eq!(name("attachment; filename=\"a\\\"b;c.txt\""), "a\"b;c.txt");
        assert_eq!(filename("attachment"), None);
        assert_eq!(filename("attachment; name=\"f\""), None);
    }

    /// RFC 6266: `filename*` wins over `filename`, in UTF-8 or ISO-8859-1; one that does not
    /// decode leaves `filename`.
    #[test]
    fn extended_names_win_when_they_decode() {
        let name = |v| filename(v).unwrap();
        assert_eq!(
            name("attachment; filename*=UTF-8''n%C3%A4me.txt"),
            "näme.txt"
        );
        assert_eq!(
            name("attachment; filename=plain.txt; filename*=utf-8'en'star.txt"),
            "star.txt"
        );
        assert_eq!(name("attachment; filename*=iso-8859-1''%E4.txt"), "ä.txt");
        assert_eq!(
            name("attachment; filename=plain.txt; filename*=UTF-8''%FF.txt"),
            "plain.txt"
        );
        assert_eq!(
            name("attachment; filename*=KOI8-R''x.txt; filename=p.txt"),
            "p.txt"
        );
    }

    proptest! {
        /// Any header value parses without a panic.
        #[test]
        fn any_value_parses(value in "\\PC{0,80}") {
            let _ = filename(&value);
        }

        /// A UTF-8 name percent-encoded into `filename*` comes back as it was.
        #[test]
        fn extended_names_round_trip(name in "\\PC{1,40}") {
            let encoded = percent_encoding::utf8_percent_encode(
                &name,
                percent_encoding::NON_ALPHANUMERIC,
            );
            let value = format!("attachment; filename*=UTF-8''{encoded}");
            prop_assert_eq!(filename(&value), Some(name));
        }
    }
}
