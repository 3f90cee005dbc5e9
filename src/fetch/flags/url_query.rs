//! Owns `--url-query`: pieces appended to every URL's query, encoded as curl 7.88 encodes
//! them.
//!
//! Each piece is split as `--data-urlencode`'s (`CONTENT`, `=CONTENT`, `NAME=CONTENT`,
//! `@FILE`, `NAME@FILE`: the name as typed, the content encoded), or taken as it is after a
//! leading `+`. curl encodes the content through its URL API, not as `--data-urlencode`
//! does: the hex is lower case (`%0a`), a space is `+`. A space left in the query (in a name
//! or a `+` piece) is curl's exit 3. With `-G`, curl 7.88 builds the query from the data
//! alone and drops these pieces, and so does sockit.

use super::payload::read_all;
use crate::fetch::error::FetchError;

/// The pieces joined with `&`; None when there are none (or all are empty).
pub fn query(pieces: &[String]) -> Result<Option<String>, FetchError> {
    let mut parts = Vec::new();
    for piece in pieces {
        let part = match piece.strip_prefix('+') {
            Some(raw) => raw.to_string(),
            None => encoded(piece)?,
        };
        if part.contains(|c: char| c == ' ' || c.is_control()) {
            return Err(FetchError::BadUrl {
                url: piece.clone(),
                reason: "--url-query left a space or control character in the query".into(),
            });
        }
        if !part.is_empty() {
            parts.push(part);
        }
    }
    Ok((!parts.is_empty()).then(|| parts.join("&")))
}

/// One piece split at its first `=` (else its first `@`, a file), the content encoded.
fn encoded(piece: &str) -> Result<String, FetchError> {
    let (name, content) = match piece.find('=').or_else(|| piece.find('@')) {
        Some(at) if piece.as_bytes()[at] == b'@' => (&piece[..at], read_all(&piece[at + 1..])?),
        Some(at) => (&piece[..at], piece.as_bytes()[at + 1..].to_vec()),
        None => ("", piece.as_bytes().to_vec()),
    };
    let mut out = String::with_capacity(name.len() + 1 + content.len() * 3);
    if !name.is_empty() {
        out.push_str(name);
        out.push('=');
    }
    for &b in &content {
        match b {
            b'a'..=b'z' | b'A'..=b'Z' | b'0'..=b'9' | b'-' | b'.' | b'_' | b'~' => {
                out.push(char::from(b))
            }
            b' ' => out.push('+'),
            _ => out.push_str(&format!("%{b:02x}")),
        }
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn q(pieces: &[&str]) -> Option<String> {
        let pieces: Vec<String> = pieces.iter().map(|p| p.to_string()).collect();
        query(&pieces).unwrap()
    }

    /// The queries curl 7.88 sent for these pieces, read off a recording server.
    #[test]
    fn encodes_as_curl() {
        assert_eq!(q(&["a=b c"]).as_deref(), Some("a=b+c"));
        assert_eq!(q(&["a=b%20c"]).as_deref(), Some("a=b%2520c"));
        assert_eq!(q(&["+a=b%20c&d"]).as_deref(), Some("a=b%20c&d"));
        assert_eq!(q(&["=x&y"]).as_deref(), Some("x%26y"));
        assert_eq!(q(&["x&y=1"]).as_deref(), Some("x&y=1"));
        assert_eq!(
            q(&["a=é~!*()/?:@[]"]).as_deref(),
            Some("a=%c3%a9~%21%2a%28%29%2f%3f%3a%40%5b%5d")
        );
        assert_eq!(q(&["+@qf"]).as_deref(), Some("@qf"));
        assert_eq!(q(&["a=1", "b=2"]).as_deref(), Some("a=1&b=2"));
        assert_eq!(q(&["+", ""]), None);
    }

    /// A space curl would leave in the URL is its exit 3.
    #[test]
    fn refuses_a_raw_space_as_curl() {
        for piece in ["a b=c d", "+a b"] {
            let err = query(&[piece.to_string()]).unwrap_err();
            assert_eq!(err.exit_code(), 3, "{piece}");
        }
    }
}
