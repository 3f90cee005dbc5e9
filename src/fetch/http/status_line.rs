//! The status line as curl 7.88 reads it, for the lines httparse refuses or takes too
//! readily. curl reads `HTTP/1.x`, one space, then the code as `sscanf`'s `%3d` does (blanks
//! skipped, a sign counted in the three places) and whatever follows as the reason, so
//! `HTTP/1.1  200 OK` and `HTTP/1.1 200a` are 200s; a code below 100, or one whose digits run
//! on past three (`2001`), is curl's exit 1, "Unsupported response code in HTTP response";
//! no code at all is "Unsupported HTTP version in response". Taking what curl takes and
//! refusing what it refuses, in its words, keeps scripts written against curl working.

use thiserror::Error;

/// Why curl refuses a status line; both are its exit 1.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Error)]
pub enum Unsupported {
    /// Not `HTTP/1.0` or `HTTP/1.1`, a space, and a number.
    #[error("Unsupported HTTP version in response")]
    Version,
    /// A number below 100, or of more than three digits.
    #[error("Unsupported response code in HTTP response")]
    Code,
}

/// A status line curl accepts.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StatusLine {
    /// 0 for HTTP/1.0, 1 for HTTP/1.1.
    pub version: u8,
    /// The code, 100 to 999.
    pub status: u16,
    /// What follows the code, leading blanks dropped.
    pub reason: String,
}

/// Reads one status line (its line end may be included).
pub fn read(line: &[u8]) -> Result<StatusLine, Unsupported> {
    let line = line.strip_suffix(b"\n").unwrap_or(line);
    let line = line.strip_suffix(b"\r").unwrap_or(line);
    let Some(rest) = skip_blanks(line).strip_prefix(b"HTTP/1.") else {
        return Err(Unsupported::Version);
    };
    let (version, rest) = match rest {
        [minor @ (b'0' | b'1'), b' ', rest @ ..] => (minor - b'0', skip_blanks(rest)),
        _ => return Err(Unsupported::Version),
    };
    let signed = usize::from(matches!(rest.first(), Some(b'+' | b'-')));
    let digits = rest[signed..]
        .iter()
        .take(3 - signed)
        .take_while(|b| b.is_ascii_digit())
        .count();
    if digits == 0 {
        return Err(Unsupported::Version);
    }
    let end = signed + digits;
    let after = &rest[end..];
    let value: i32 = rest[signed..end]
        .iter()
        .fold(0, |n, d| n * 10 + i32::from(d - b'0'));
    if rest[0] == b'-' || value < 100 || after.first().is_some_and(u8::is_ascii_digit) {
        return Err(Unsupported::Code);
    }
    Ok(StatusLine {
        version,
        status: value as u16,
        reason: String::from_utf8_lossy(skip_blanks(after)).into_owned(),
    })
}

/// `isspace`'s bytes, as `sscanf` skips them.
fn skip_blanks(bytes: &[u8]) -> &[u8] {
    let n = bytes
        .iter()
        .take_while(|b| matches!(b, b' ' | b'\t' | b'\x0b' | b'\x0c'))
        .count();
    &bytes[n..]
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn status(line: &str) -> Result<u16, Unsupported> {
        read(line.as_bytes()).map(|s| s.status)
    }

    /// What curl 7.88 made of each status line, read off curl against a server sending it
    /// (`-w '%{http_code}'` and its exit-1 message).
    #[test]
    fn reads_as_curl_did() {
        for (line, want) in [
            ("HTTP/1.1 200 OK", Ok(200)),
            ("HTTP/1.1 200", Ok(200)),
            ("HTTP/1.1 200a", Ok(200)),
            ("HTTP/1.1 200X", Ok(200)),
            ("HTTP/1.1  200 OK", Ok(200)),
            ("HTTP/1.1 \t200 tab", Ok(200)),
            ("HTTP/1.0 999 Top", Ok(999)),
            ("HTTP/1.1 600 Big", Ok(600)),
            ("HTTP/1.1 1234 Odd", Err(Unsupported::Code)),
            ("HTTP/1.1 2001 X", Err(Unsupported::Code)),
            ("HTTP/1.1 1999", Err(Unsupported::Code)),
            ("HTTP/1.1 0200", Err(Unsupported::Code)),
            ("HTTP/1.1 099 Low", Err(Unsupported::Code)),
            ("HTTP/1.1 20 Short", Err(Unsupported::Code)),
            ("HTTP/1.1 20a X", Err(Unsupported::Code)),
            ("HTTP/1.1 -200 X", Err(Unsupported::Code)),
            ("HTTP/1.1 +200", Err(Unsupported::Code)),
            ("HTTP/1.1 abc X", Err(Unsupported::Version)),
        ] {
            assert_eq!(status(line), want, "{line:?}");
        }
        let line = read(b"HTTP/1.0 404  Not Found\r\n").unwrap();
        assert_eq!((line.version, line.reason.as_str()), (0, "Not Found"));
    }

    proptest! {
        /// Any line: no panic, and an accepted code is one of three digits from 100 up.
        #[test]
        fn accepted_codes_are_three_digits(line in proptest::collection::vec(any::<u8>(), 0..40)) {
            let mut with_prefix = b"HTTP/1.1 ".to_vec();
            with_prefix.extend_from_slice(&line);
            for input in [&line, &with_prefix] {
                if let Ok(s) = read(input) {
                    prop_assert!((100..=999).contains(&s.status));
                }
            }
        }
    }
}
