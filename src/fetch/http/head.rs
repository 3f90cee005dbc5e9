//! Owns the response head: finding its end, parsing it with httparse, and deciding how the
//! body is framed (RFC 9112 section 6.3).
//!
//! Parsing is pure (bytes in, [`Parsed`] out) and incremental by re-parsing: the caller
//! appends what it read and calls [`parse`] again, which is cheap because a head is at most
//! [`MAX_HEAD`] bytes. A line ends in CRLF or in a bare LF: RFC 9112 section 2.2 lets a
//! recipient take LF alone, and curl, wget and browsers do, so servers that send it work.
//! Where leniency would let a hostile server split or smuggle responses, we are as strict as
//! Node's llhttp: a bare CR, conflicting Content-Length values, Content-Length together with
//! Transfer-Encoding and an unrequested 101 are all errors.

use thiserror::Error;

use super::status_line::{self, Unsupported};
use crate::fetch::error::FetchError;

/// The largest head accepted, in bytes (status line, headers and the blank line).
pub const MAX_HEAD: usize = 64 * 1024;
/// The most header fields accepted in one head.
pub const MAX_HEADERS: usize = 100;

/// Why a head was refused.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum HeadError {
    /// No blank line within [`MAX_HEAD`] bytes.
    #[error("response head larger than {MAX_HEAD} bytes")]
    TooLarge,
    /// More than [`MAX_HEADERS`] fields.
    #[error("more than {MAX_HEADERS} header fields")]
    TooManyHeaders,
    /// A CR is not followed by LF.
    #[error("{0} in the response head")]
    LineEnding(&'static str),
    /// httparse refused the status line or a header.
    #[error("malformed response head ({0})")]
    Malformed(String),
    /// The framing headers contradict each other or are invalid.
    #[error("{0}")]
    Framing(String),
    /// A status line curl refuses with its exit 1 (a code below 100 or of four digits).
    #[error("{0}")]
    Unsupported(#[from] Unsupported),
}

impl From<HeadError> for FetchError {
    /// A status line curl refuses is its 1; any other bad head its 8.
    fn from(e: HeadError) -> FetchError {
        match e {
            HeadError::Unsupported(u) => FetchError::UnsupportedReply(u.to_string()),
            e => FetchError::BadReply(e.to_string()),
        }
    }
}

/// A parsed response head.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Head {
    /// 0 for HTTP/1.0, 1 for HTTP/1.1, 9 for HTTP/0.9 (a reply with no head at all).
    pub version: u8,
    /// The status code.
    pub status: u16,
    /// The reason phrase (may be empty).
    pub reason: String,
    /// Header fields in order, names as received.
    pub headers: Vec<(String, Vec<u8>)>,
    /// The head exactly as received, blank line included.
    pub raw: Vec<u8>,
}

/// The result of trying to parse a head from the bytes received so far.
#[derive(Debug, PartialEq, Eq)]
pub enum Parsed {
    /// More bytes are needed.
    Partial,
    /// A complete head, and how many input bytes it used (leading blank lines included).
    Complete(Head, usize),
}

/// How the body after a head is delimited.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BodyFraming {
    /// No body (HEAD, 1xx, 204, 304).
    Empty,
    /// Exactly this many bytes.
    Length(u64),
    /// Chunked transfer coding.
    Chunked,
    /// Until the server closes the connection.
    Close,
}

/// Parses a head from the start of `buf`, skipping empty lines before the status line.
///
/// ```
/// use sockit::fetch::head::{parse, BodyFraming, Parsed};
///
/// let wire = b"HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nhello";
/// assert_eq!(parse(&wire[..10]), Ok(Parsed::Partial));
/// let Ok(Parsed::Complete(head, used)) = parse(wire) else { panic!() };
/// assert_eq!((head.status, &wire[used..]), (200, &b"hello"[..]));
/// assert_eq!(head.framing("GET"), Ok(BodyFraming::Length(5)));
/// assert!(matches!(parse(b"HTTP/1.1 200 OK\nBare: LF\n\n"), Ok(Parsed::Complete(..))));
/// assert!(parse(b"HTTP/1.1 200 OK\rBare: CR\r\n\r\n").is_err());
/// ```
pub fn parse(buf: &[u8]) -> Result<Parsed, HeadError> {
    let mut skip = 0;
    loop {
        if buf[skip..].starts_with(b"\r\n") {
            skip += 2;
        } else if buf[skip..].starts_with(b"\n") {
            skip += 1;
        } else {
            break;
        }
    }
    let rest = &buf[skip..];
    let Some(end) = head_end(rest) else {
        check_line_endings(rest)?;
        return if rest.len() >= MAX_HEAD {
            Err(HeadError::TooLarge)
        } else {
            Ok(Parsed::Partial)
        };
    };
    if end > MAX_HEAD {
        return Err(HeadError::TooLarge);
    }
    let raw = &rest[..end];
    check_line_endings(raw)?;
    let head = parse_complete(raw)?;
    Ok(Parsed::Complete(head, skip + end))
}

/// Whether `bytes`, the first a server sent, cannot begin a status line: they do not start
/// with `HTTP/` (any case) or a piece of it, as curl 7.88 tells an HTTP/0.9 reply (its bare
/// body, no head) apart. Nothing yet is no answer either way.
pub fn is_http09(bytes: &[u8]) -> bool {
    let n = bytes.len().min(5);
    n > 0 && !bytes[..n].eq_ignore_ascii_case(&b"HTTP/"[..n])
}

/// Where the head that starts `bytes` ends: just past the empty line (CRLF or LF) after its
/// last field.
fn head_end(bytes: &[u8]) -> Option<usize> {
    let mut line_start = 0;
    for at in memchr::memchr_iter(b'\n', bytes) {
        let line = &bytes[line_start..at];
        if line_start > 0 && (line.is_empty() || line == b"\r") {
            return Some(at + 1);
        }
        line_start = at + 1;
    }
    None
}

/// Refuses a CR not followed by LF (a CR at the very end may still get its LF).
fn check_line_endings(bytes: &[u8]) -> Result<(), HeadError> {
    for at in memchr::memchr_iter(b'\r', bytes) {
        if at + 1 < bytes.len() && bytes[at + 1] != b'\n' {
            return Err(HeadError::LineEnding("a bare CR"));
        }
    }
    Ok(())
}

fn parse_complete(raw: &[u8]) -> Result<Head, HeadError> {
    let mut fields = [httparse::EMPTY_HEADER; MAX_HEADERS];
    let mut response = httparse::Response::new(&mut fields);
    match response.parse(raw) {
        Ok(httparse::Status::Complete(_)) => {}
        Ok(httparse::Status::Partial) => {
            return Err(HeadError::Malformed("incomplete head".into()))
        }
        Err(httparse::Error::TooManyHeaders) => return Err(HeadError::TooManyHeaders),
        Err(httparse::Error::Status) => return parse_as_curl(raw),
        Err(e) => return Err(HeadError::Malformed(e.to_string())),
    }
    let (Some(version), Some(status)) = (response.version, response.code) else {
        return Err(HeadError::Malformed("no status line".into()));
    };
    if status < 100 {
        return Err(Unsupported::Code.into());
    }
    Ok(Head {
        version,
        status,
        reason: response.reason.unwrap_or("").to_string(),
        headers: response
            .headers
            .iter()
            .map(|h| (h.name.to_string(), h.value.to_vec()))
            .collect(),
        raw: raw.to_vec(),
    })
}

/// A head whose status line httparse refused, read as curl reads it: the line by
/// [`status_line::read`], the fields by httparse.
fn parse_as_curl(raw: &[u8]) -> Result<Head, HeadError> {
    let line_end = memchr::memchr(b'\n', raw).map_or(raw.len(), |at| at + 1);
    let line = status_line::read(&raw[..line_end])?;
    let mut fields = [httparse::EMPTY_HEADER; MAX_HEADERS];
    let headers = match httparse::parse_headers(&raw[line_end..], &mut fields) {
        Ok(httparse::Status::Complete((_, headers))) => headers,
        Ok(httparse::Status::Partial) => {
            return Err(HeadError::Malformed("incomplete head".into()))
        }
        Err(httparse::Error::TooManyHeaders) => return Err(HeadError::TooManyHeaders),
        Err(e) => return Err(HeadError::Malformed(e.to_string())),
    };
    Ok(Head {
        version: line.version,
        status: line.status,
        reason: line.reason,
        headers: headers
            .iter()
            .map(|h| (h.name.to_string(), h.value.to_vec()))
            .collect(),
        raw: raw.to_vec(),
    })
}

impl Head {
    /// The head of an HTTP/0.9 reply, which has none: no status (`%{http_code}` 000), no
    /// fields, nothing to print, and a body that runs until the server closes.
    pub fn http09() -> Head {
        Head {
            version: 9,
            status: 0,
            reason: String::new(),
            headers: Vec::new(),
            raw: Vec::new(),
        }
    }

    /// The values of every field called `name` (case-insensitive), in order.
    pub fn values<'a>(&'a self, name: &'a str) -> impl Iterator<Item = &'a [u8]> + 'a {
        self.headers
            .iter()
            .filter(move |(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_slice())
    }

    /// The first value of `name` as text, if it is valid UTF-8.
    pub fn get<'a>(&'a self, name: &'a str) -> Option<&'a str> {
        self.values(name)
            .next()
            .and_then(|v| std::str::from_utf8(v).ok())
            .map(str::trim)
    }

    /// Every value of `name` joined with `, `, as one field (RFC 9110 5.3); None when the
    /// field is absent.
    pub fn joined(&self, name: &str) -> Option<String> {
        let values: Vec<String> = self
            .values(name)
            .map(|v| String::from_utf8_lossy(v).trim().to_string())
            .collect();
        (!values.is_empty()).then(|| values.join(", "))
    }

    /// The transfer codings applied to the body other than chunked (`gzip` of
    /// `Transfer-Encoding: gzip, chunked`), as a list in the order applied; None when there
    /// are none.
    pub fn transfer_codings_applied(&self) -> Option<String> {
        let mut codings = Vec::new();
        for value in self.values("transfer-encoding") {
            for coding in String::from_utf8_lossy(value).split(',') {
                let coding = coding.trim();
                if !coding.is_empty() && !coding.eq_ignore_ascii_case("chunked") {
                    codings.push(coding.to_string());
                }
            }
        }
        (!codings.is_empty()).then(|| codings.join(", "))
    }

    /// Whether the connection stays open after this response: HTTP/1.1 without
    /// `Connection: close` (RFC 9112 9.3).
    pub fn keeps_alive(&self) -> bool {
        let close = self.values("connection").any(|v| {
            v.split(|&b| b == b',')
                .any(|token| token.trim_ascii().eq_ignore_ascii_case(b"close"))
        });
        self.version == 1 && !close
    }

    /// A 1xx response other than 101, which the client skips.
    pub fn is_interim(&self) -> bool {
        (100..200).contains(&self.status) && self.status != 101
    }

    /// How the body after this head is framed, for a request with `method`.
    pub fn framing(&self, method: &str) -> Result<BodyFraming, HeadError> {
        self.framing_with(method, false)
    }

    /// [`Head::framing`]; with `ignore_length` (`--ignore-content-length`) as if there were
    /// no Content-Length, so a body not chunked runs until the server closes.
    pub fn framing_with(
        &self,
        method: &str,
        ignore_length: bool,
    ) -> Result<BodyFraming, HeadError> {
        if self.status == 101 {
            return Err(HeadError::Framing(
                "server switched protocols (101) without being asked".into(),
            ));
        }
        if method.eq_ignore_ascii_case("HEAD")
            || (100..200).contains(&self.status)
            || self.status == 204
            || self.status == 304
        {
            return Ok(BodyFraming::Empty);
        }
        let length = match ignore_length {
            true => None,
            false => self.content_length()?,
        };
        let codings = self.transfer_codings()?;
        match (codings, length) {
            (Some(_), Some(_)) => Err(HeadError::Framing(
                "both Transfer-Encoding and Content-Length".into(),
            )),
            (Some(chunked_last), None) => Ok(if chunked_last {
                BodyFraming::Chunked
            } else {
                BodyFraming::Close
            }),
            (None, Some(n)) => Ok(BodyFraming::Length(n)),
            (None, None) => Ok(BodyFraming::Close),
        }
    }

    /// Some(true) when Transfer-Encoding is present and ends in chunked, Some(false) when it
    /// ends in something else (the body then runs until close).
    fn transfer_codings(&self) -> Result<Option<bool>, HeadError> {
        let mut last: Option<String> = None;
        let mut chunked = 0;
        for value in self.values("transfer-encoding") {
            let text = std::str::from_utf8(value)
                .map_err(|_| HeadError::Framing("Transfer-Encoding is not text".into()))?;
            for coding in text.split(',') {
                let coding = coding.trim();
                if coding.is_empty() {
                    return Err(HeadError::Framing("empty Transfer-Encoding".into()));
                }
                let coding = coding.to_ascii_lowercase();
                chunked += usize::from(coding == "chunked");
                last = Some(coding);
            }
        }
        // RFC 9112 7: chunked is applied at most once; twice is a framing trick.
        if chunked > 1 {
            return Err(HeadError::Framing("chunked applied more than once".into()));
        }
        Ok(last.map(|c| c == "chunked"))
    }

    /// The Content-Length, refusing invalid and conflicting values.
    fn content_length(&self) -> Result<Option<u64>, HeadError> {
        let mut found: Option<u64> = None;
        for value in self.values("content-length") {
            for item in value.split(|&b| b == b',') {
                let item = item.trim_ascii();
                let n = parse_decimal(item).ok_or_else(|| {
                    HeadError::Framing(format!(
                        "invalid Content-Length {:?}",
                        String::from_utf8_lossy(item)
                    ))
                })?;
                match found {
                    Some(prev) if prev != n => {
                        return Err(HeadError::Framing(format!(
                            "conflicting Content-Length values {prev} and {n}"
                        )))
                    }
                    _ => found = Some(n),
                }
            }
        }
        Ok(found)
    }

    /// From `Content-Range: bytes START-END/TOTAL`: START and TOTAL (None when `*`).
    pub fn content_range(&self) -> Option<(u64, Option<u64>)> {
        let value = self.get("content-range")?;
        let spec = value.strip_prefix("bytes ")?.trim();
        let (range, total) = spec.split_once('/')?;
        let (start, _end) = range.split_once('-')?;
        let start = parse_decimal(start.trim().as_bytes())?;
        let total = match total.trim() {
            "*" => None,
            t => Some(parse_decimal(t.as_bytes())?),
        };
        Some((start, total))
    }

    /// From `Content-Range: bytes */TOTAL` on a 416: TOTAL.
    pub fn unsatisfied_range_total(&self) -> Option<u64> {
        let value = self.get("content-range")?;
        let total = value.strip_prefix("bytes */")?;
        parse_decimal(total.trim().as_bytes())
    }
}

/// Checks a chunked body's trailer section (as [`crate::fetch::http::body::BodyDecoder::trailers`]
/// keeps it, final CRLF included) like the lines of a head: token names, and values without
/// control characters other than tab, so nothing a hostile server puts there reaches a
/// terminal as an escape sequence.
///
/// ```
/// use sockit::fetch::head::check_trailers;
///
/// assert!(check_trailers(b"X-Sum: 1\r\n\r\n").is_ok());
/// assert!(check_trailers(b"X-Sum: \x1b[2J\r\n\r\n").is_err());
/// ```
pub fn check_trailers(raw: &[u8]) -> Result<(), HeadError> {
    if raw.len() <= 2 {
        return Ok(());
    }
    check_line_endings(raw)?;
    let mut fields = [httparse::EMPTY_HEADER; MAX_HEADERS];
    match httparse::parse_headers(raw, &mut fields) {
        Ok(httparse::Status::Complete((used, _))) if used == raw.len() => Ok(()),
        Ok(_) => Err(HeadError::Malformed("incomplete trailer section".into())),
        Err(httparse::Error::TooManyHeaders) => Err(HeadError::TooManyHeaders),
        Err(e) => Err(HeadError::Malformed(format!("trailer: {e}"))),
    }
}

/// Digits only, at most 19 of them (no sign, no spaces), as llhttp accepts.
fn parse_decimal(bytes: &[u8]) -> Option<u64> {
    if bytes.is_empty() || bytes.len() > 19 || !bytes.iter().all(u8::is_ascii_digit) {
        return None;
    }
    std::str::from_utf8(bytes).ok()?.parse().ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn head(text: &str) -> Head {
        match parse(text.as_bytes()) {
            Ok(Parsed::Complete(h, _)) => h,
            other => panic!("expected a head, got {other:?}"),
        }
    }

    #[test]
    fn parses_status_headers_and_length() {
        let h = head("HTTP/1.1 200 OK\r\nContent-Length: 5\r\nX: y\r\n\r\nhello");
        assert_eq!((h.version, h.status, h.reason.as_str()), (1, 200, "OK"));
        assert_eq!(h.framing("GET"), Ok(BodyFraming::Length(5)));
        assert_eq!(h.get("x"), Some("y"));
    }

    #[test]
    fn reason_phrase_is_optional() {
        let h = head("HTTP/1.1 200\r\n\r\n");
        assert_eq!((h.status, h.reason.as_str()), (200, ""));
        assert_eq!(head("HTTP/1.0 404 \r\n\r\n").status, 404);
    }

    #[test]
    fn skips_leading_blank_lines() {
        let text = "\r\n\r\nHTTP/1.1 204 No Content\r\n\r\n";
        assert!(matches!(parse(text.as_bytes()), Ok(Parsed::Complete(_, n)) if n == text.len()));
    }

    /// RFC 9112 section 2.2: LF alone ends a line, as in curl, mixed with CRLF too, and a
    /// head's end is found whichever of them end its last lines.
    #[test]
    fn takes_lf_only_line_endings() {
        for text in [
            "HTTP/1.1 200 OK\nX: y\nContent-Length: 2\n\nhi",
            "HTTP/1.1 200 OK\nX: y\r\nContent-Length: 2\r\n\nhi",
            "\n\r\nHTTP/1.1 200 OK\r\nX: y\nContent-Length: 2\n\r\nhi",
        ] {
            let Ok(Parsed::Complete(h, used)) = parse(text.as_bytes()) else {
                panic!("{text:?} did not parse");
            };
            assert_eq!((h.status, h.get("x")), (200, Some("y")), "{text:?}");
            assert_eq!(&text[used..], "hi");
            assert_eq!(h.framing("GET"), Ok(BodyFraming::Length(2)));
        }
        assert_eq!(parse(b"HTTP/1.1 200 OK\nX: y\n"), Ok(Parsed::Partial));
    }

    #[test]
    fn refuses_bare_cr() {
        assert!(matches!(
            parse(b"HTTP/1.1 200 OK\r\nX: a\rb\r\n\r\n"),
            Err(HeadError::LineEnding(_))
        ));
        assert!(matches!(
            parse(b"HTTP/1.1 200 OK\rX: a\n\n"),
            Err(HeadError::LineEnding(_))
        ));
        assert!(matches!(
            parse(b"HTTP/1.1 200 OK\nX: a\r\r\n\n"),
            Err(HeadError::LineEnding(_))
        ));
    }

    /// A status line curl refuses is refused in curl's words (its exit 1); what is no HTTP
    /// at all stays malformed (8); what curl takes despite httparse, sockit takes.
    #[test]
    fn refuses_malformed_status_line() {
        for (wire, why) in [
            (&b"HTTP/1.1 abc OK\r\n\r\n"[..], Unsupported::Version),
            (b"HTTP/1.1 1234 Odd\r\n\r\n", Unsupported::Code),
            (b"HTTP/1.1 099 Low\nX: y\n\n", Unsupported::Code),
        ] {
            assert_eq!(parse(wire), Err(HeadError::Unsupported(why)));
            let error = FetchError::from(parse(wire).unwrap_err());
            assert_eq!(error.exit_code(), 1, "{error}");
        }
        let h = head("HTTP/1.1  200a\r\nContent-Length: 2\r\nX: y\r\n\r\n");
        assert_eq!(
            (h.status, h.reason.as_str(), h.headers.len()),
            (200, "a", 2)
        );
        assert!(matches!(
            parse(b"SPDY/9 200 OK\r\n\r\n"),
            Err(HeadError::Malformed(_))
        ));
    }

    #[test]
    fn refuses_large_heads_and_many_headers() {
        let endless = format!("HTTP/1.1 200 OK\r\n{}", "X: y\r\n".repeat(20_000));
        assert_eq!(parse(endless.as_bytes()), Err(HeadError::TooLarge));
        let many = format!("HTTP/1.1 200 OK\r\n{}\r\n", "X: y\r\n".repeat(101));
        assert_eq!(parse(many.as_bytes()), Err(HeadError::TooManyHeaders));
    }

    /// A reply is HTTP/0.9 as soon as its first bytes cannot grow into `HTTP/` (any case),
    /// a leading blank line included, as curl tells them apart.
    #[test]
    fn http09_is_told_by_the_first_bytes() {
        assert!(!is_http09(b""));
        assert!(!is_http09(b"H"));
        assert!(!is_http09(b"http/1.1 200 OK\r\n"));
        assert!(!is_http09(b"HTTP/2 200\r\n"));
        assert!(is_http09(b"hello\n"));
        assert!(is_http09(b"HTX"));
        assert!(is_http09(b"\r\nHTTP/1.1 200 OK\r\n"));
    }

    #[test]
    fn framing_follows_rfc_9112() {
        let chunked = head("HTTP/1.1 200 OK\r\nTransfer-Encoding: gzip, chunked\r\n\r\n");
        assert_eq!(chunked.framing("GET"), Ok(BodyFraming::Chunked));
        let twice = head(
            "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\nTransfer-Encoding: chunked\r\n\r\n",
        );
        assert!(twice.framing("GET").is_err());
        let not_last = head("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked, gzip\r\n\r\n");
        assert_eq!(not_last.framing("GET"), Ok(BodyFraming::Close));
        let both =
            head("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\nContent-Length: 3\r\n\r\n");
        assert!(both.framing("GET").is_err());
        let same = head("HTTP/1.1 200 OK\r\nContent-Length: 3, 3\r\nContent-Length: 3\r\n\r\n");
        assert_eq!(same.framing("GET"), Ok(BodyFraming::Length(3)));
        let conflict = head("HTTP/1.1 200 OK\r\nContent-Length: 3\r\nContent-Length: 4\r\n\r\n");
        assert!(conflict.framing("GET").is_err());
        let signed = head("HTTP/1.1 200 OK\r\nContent-Length: +3\r\n\r\n");
        assert!(signed.framing("GET").is_err());
        let none = head("HTTP/1.0 200 OK\r\n\r\n");
        assert_eq!(none.framing("GET"), Ok(BodyFraming::Close));
        let length = head("HTTP/1.1 200 OK\r\nContent-Length: 9\r\n\r\n");
        assert_eq!(length.framing("HEAD"), Ok(BodyFraming::Empty));
        assert_eq!(
            head("HTTP/1.1 304 Not Modified\r\n\r\n").framing("GET"),
            Ok(BodyFraming::Empty)
        );
        assert!(head("HTTP/1.1 101 Switching\r\n\r\n")
            .framing("GET")
            .is_err());
    }

    #[test]
    fn trailers_are_checked_like_headers() {
        assert_eq!(check_trailers(b"\r\n"), Ok(()));
        assert_eq!(check_trailers(b"A: 1\r\nB: x\ty\r\n\r\n"), Ok(()));
        for bad in [
            &b"A: \x1b]0;owned\x07\r\n\r\n"[..],
            b"A: \x00\r\n\r\n",
            b"Bad Name: 1\r\n\r\n",
            b"(x): 1\r\n\r\n",
            b"no colon\r\n\r\n",
        ] {
            assert!(
                check_trailers(bad).is_err(),
                "{:?}",
                String::from_utf8_lossy(bad)
            );
        }
    }

    #[test]
    fn reads_content_range() {
        let h = head("HTTP/1.1 206 Partial\r\nContent-Range: bytes 10-19/20\r\n\r\n");
        assert_eq!(h.content_range(), Some((10, Some(20))));
        let h = head("HTTP/1.1 416 No\r\nContent-Range: bytes */20\r\n\r\n");
        assert_eq!(h.unsatisfied_range_total(), Some(20));
    }
}
