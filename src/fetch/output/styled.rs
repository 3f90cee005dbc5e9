//! Owns how `-i` heads look on a terminal (`--styled-output`, curl's default): each header's
//! name in bold, and a `Location` value made a hyperlink (OSC 8) to the URL it leads to, with
//! the bytes curl 7.88's header callback writes (`src/tool_cb_hdr.c`).
//!
//! Pure bytes in, bytes out, so that every line shape is tested here: whether to style at all
//! (the heads going to stdout, and stdout a terminal) is decided once per fetch in `heads.rs`.
//! Styling only adds escape sequences: with them taken out, the head is as received.

use crate::fetch::http::redirect;
use url::Url;

/// Bold on.
const BOLD: &[u8] = b"\x1b[1m";
/// All attributes off: curl's choice over bold-off (22), which not every terminal knows.
const BOLD_OFF: &[u8] = b"\x1b[0m";
/// A hyperlink's start; the URL follows, then [`LINK_END`]. The same with no URL ends it.
const LINK: &[u8] = b"\x1b]8;;";
/// The string terminator that closes a [`LINK`] sequence.
const LINK_END: &[u8] = b"\x1b\\";

/// `head` (whole lines, each with its line end) as curl shows it on a terminal: in a line with
/// a colon, what comes before the first colon is bold (the status line too, when its reason
/// has one, as in curl); a `Location` line's value is a link to where it leads from `base`.
pub fn styled(head: &[u8], base: &Url) -> Vec<u8> {
    let mut out = Vec::with_capacity(head.len() + 64);
    for line in head.split_inclusive(|&b| b == b'\n') {
        style_line(line, base, &mut out);
    }
    out
}

/// One line of a head, styled onto `out`.
fn style_line(line: &[u8], base: &Url, out: &mut Vec<u8>) {
    let Some(colon) = memchr::memchr(b':', line) else {
        out.extend_from_slice(line);
        return;
    };
    let (name, value) = (&line[..colon], &line[colon + 1..]);
    out.extend_from_slice(BOLD);
    out.extend_from_slice(name);
    out.extend_from_slice(BOLD_OFF);
    out.push(b':');
    let Some(url) = link_target(name, value, base) else {
        out.extend_from_slice(value);
        return;
    };
    // As curl: the value keeps its blanks and line end inside the link.
    out.extend_from_slice(LINK);
    out.extend_from_slice(url.as_str().as_bytes());
    out.extend_from_slice(LINK_END);
    out.extend_from_slice(value);
    out.extend_from_slice(LINK);
    out.extend_from_slice(LINK_END);
}

/// Where a header's link points: a Location's target, resolved as `-L` resolves it, when its
/// scheme is one curl links (http, https, ftp, ftps; never `javascript:` and the like).
///
/// curl 7.88 compares only as many letters as the name has, so it also links `Loc:`; sockit
/// links the Location header alone.
fn link_target(name: &[u8], value: &[u8], base: &Url) -> Option<Url> {
    if !name.eq_ignore_ascii_case(b"location") {
        return None;
    }
    let url = redirect::target(base, value)?;
    matches!(url.scheme(), "http" | "https" | "ftp" | "ftps").then_some(url)
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn base() -> Url {
        Url::parse("http://127.0.0.1:8080/dir/a?x=1").unwrap()
    }

    fn shown(head: &[u8]) -> String {
        styled(head, &base()).escape_ascii().to_string()
    }

    /// Names are bold up to the first colon; lines without one (a status line, a folded
    /// line, the blank end) are left as they are.
    #[test]
    fn names_are_bold_and_the_rest_is_as_received() {
        assert_eq!(
            shown(b"HTTP/1.1 200 OK\r\nContent-Length: 3\r\nX-Fold: a\r\n  b\r\nX-Empty:\r\n\r\n"),
            "HTTP/1.1 200 OK\\r\\n\\x1b[1mContent-Length\\x1b[0m: 3\\r\\n\
             \\x1b[1mX-Fold\\x1b[0m: a\\r\\n  b\\r\\n\\x1b[1mX-Empty\\x1b[0m:\\r\\n\\r\\n"
        );
        assert_eq!(
            shown(b"HTTP/1.1 301 Moved: here\n"),
            "\\x1b[1mHTTP/1.1 301 Moved\\x1b[0m: here\\n"
        );
    }

    /// A Location is linked to its absolute URL (default port dropped, dot segments
    /// resolved), the value shown as sent, its blanks and CRLF inside the link, as curl 7.88.
    #[test]
    fn a_location_links_to_where_it_leads() {
        assert_eq!(
            shown(b"location:  /next?a=1\r\n"),
            "\\x1b[1mlocation\\x1b[0m:\\x1b]8;;http://127.0.0.1:8080/next?a=1\\x1b\\\\  \
             /next?a=1\\r\\n\\x1b]8;;\\x1b\\\\"
        );
        assert_eq!(
            shown(b"Location: https://h.test:443/a/./b/../c\r\n"),
            "\\x1b[1mLocation\\x1b[0m:\\x1b]8;;https://h.test/a/c\\x1b\\\\ \
             https://h.test:443/a/./b/../c\\r\\n\\x1b]8;;\\x1b\\\\"
        );
        assert_eq!(
            shown(b"LOCATION: b\n"),
            "\\x1b[1mLOCATION\\x1b[0m:\\x1b]8;;http://127.0.0.1:8080/dir/b\\x1b\\\\ b\\n\
             \\x1b]8;;\\x1b\\\\"
        );
    }

    /// Only http, https, ftp and ftps targets are linked; an empty Location, another
    /// header, or a name that merely starts like Location is only bold.
    #[test]
    fn other_schemes_and_names_are_not_linked() {
        for line in [
            &b"Location: javascript:alert(1)\r\n"[..],
            b"Location: mailto:a@b.test\r\n",
            b"Location: \r\n",
            b"Loc: /x\r\n",
            b"Content-Location: /x\r\n",
        ] {
            assert!(!shown(line).contains("]8;;"), "{}", line.escape_ascii());
        }
    }

    proptest! {
        /// Styling only adds escape sequences: taken out again, any head (of bytes without
        /// an escape of their own) is as it was, and the link's URL holds no control byte
        /// that could end it early.
        #[test]
        fn styling_only_adds_escapes(lines in proptest::collection::vec(
            "[ -~\\t\\x80-\\u{ff}]{0,40}", 0..8), crlf in any::<bool>()) {
            let end = if crlf { "\r\n" } else { "\n" };
            let head: Vec<u8> = lines.iter().flat_map(|l| {
                l.chars().map(|c| c as u32 as u8).chain(end.bytes()).collect::<Vec<_>>()
            }).collect();
            let out = styled(&head, &base());
            prop_assert_eq!(without_escapes(&out), head);
        }
    }

    /// `bytes` with the sequences [`styled`] writes taken out, checking each link's URL.
    fn without_escapes(bytes: &[u8]) -> Vec<u8> {
        let mut out = Vec::new();
        let mut rest = bytes;
        while let Some(&b) = rest.first() {
            if rest.starts_with(BOLD) {
                rest = &rest[BOLD.len()..];
            } else if rest.starts_with(BOLD_OFF) {
                rest = &rest[BOLD_OFF.len()..];
            } else if rest.starts_with(LINK) {
                let after = &rest[LINK.len()..];
                let end = memchr::memmem::find(after, LINK_END).expect("a link is closed");
                assert!(after[..end].iter().all(u8::is_ascii_graphic), "{after:?}");
                rest = &after[end + LINK_END.len()..];
            } else {
                out.push(b);
                rest = &rest[1..];
            }
        }
        out
    }
}
