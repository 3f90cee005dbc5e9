//! Owns body framing: Content-Length, chunked (extensions, trailers) and close-delimited
//! bodies, as a pure state machine with bytes in and events out.
//!
//! [`BodyDecoder::step`] never copies: a [`BodyStep::Data`] borrows from the input, so the
//! transfer loop hands slices of its one read buffer straight to the output. The chunked
//! decoder walks size lines and trailers a byte at a time, so it needs no line buffer and
//! gives the same result however the input is split across reads (the property tests check
//! this). It is as strict as llhttp: a chunk size is hex digits then a line end or `;` and
//! an extension, and every extension starts with a name (RFC 9112 section 7.1.1), so
//! `a;\r\n` is refused. A line ends in CRLF or, as RFC 9112 section 2.2 lets a recipient
//! accept and curl does, a bare LF; a bare CR is refused everywhere (smuggling lives there).

use super::head::BodyFraming;
use thiserror::Error;

/// The longest chunk-size line (digits and extensions) and the largest trailer section.
const MAX_LINE: usize = 64 * 1024;

/// Why a body could not be decoded.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum BodyError {
    /// The chunked framing is malformed.
    #[error("{0}")]
    Malformed(&'static str),
    /// The connection closed before the body's end.
    #[error("{0}")]
    Truncated(String),
}

/// One step of decoding.
#[derive(Debug, PartialEq, Eq)]
pub enum BodyStep<'a> {
    /// Body bytes, borrowed from the input.
    Data(&'a [u8]),
    /// All input was used; feed more.
    Need,
    /// The body is complete; any further input is not part of it.
    Done,
}

/// Decodes one response body.
#[derive(Debug)]
pub struct BodyDecoder {
    kind: Kind,
    /// Body bytes produced so far.
    received: u64,
    /// `--raw`: the bytes are handed on as received, framing included.
    raw: bool,
}

#[derive(Debug)]
enum Kind {
    Length { remaining: u64 },
    Chunked(Chunked),
    Close,
}

impl BodyDecoder {
    /// A decoder for `framing`.
    pub fn new(framing: BodyFraming) -> Self {
        let kind = match framing {
            BodyFraming::Empty => Kind::Length { remaining: 0 },
            BodyFraming::Length(n) => Kind::Length { remaining: n },
            BodyFraming::Chunked => Kind::Chunked(Chunked::default()),
            BodyFraming::Close => Kind::Close,
        };
        BodyDecoder {
            kind,
            received: 0,
            raw: false,
        }
    }

    /// A decoder that finds the body's end as [`BodyDecoder::new`]'s does, but hands on
    /// every byte it used as received, chunk sizes and trailers included (`--raw`).
    pub fn raw(framing: BodyFraming) -> Self {
        BodyDecoder {
            raw: true,
            ..Self::new(framing)
        }
    }

    /// Body bytes produced so far.
    pub fn received(&self) -> u64 {
        self.received
    }

    /// The body bytes still to come, where its length is known (Content-Length).
    pub fn remaining(&self) -> Option<u64> {
        match self.kind {
            Kind::Length { remaining } => Some(remaining),
            _ => None,
        }
    }

    /// Counts `n` of [`BodyDecoder::remaining`]'s bytes as received: bytes moved to the
    /// output past the decoder, unchanged (they are the body as received either way).
    pub fn skip(&mut self, n: u64) {
        if let Kind::Length { remaining } = &mut self.kind {
            let n = n.min(*remaining);
            *remaining -= n;
            self.received += n;
        }
    }

    /// True once the body is complete (never for a close-delimited body).
    pub fn is_done(&self) -> bool {
        match &self.kind {
            Kind::Length { remaining } => *remaining == 0,
            Kind::Chunked(c) => c.state == State::Done,
            Kind::Close => false,
        }
    }

    /// True for a body that ends only when the connection closes.
    pub fn is_close_delimited(&self) -> bool {
        matches!(self.kind, Kind::Close)
    }

    /// Decodes from `input`: returns how many bytes were used and what they gave.
    ///
    /// ```
    /// use sockit::fetch::body::{BodyDecoder, BodyStep};
    /// use sockit::fetch::head::BodyFraming;
    ///
    /// let mut body = BodyDecoder::new(BodyFraming::Chunked);
    /// let mut input = &b"5;ext\r\nhello\r\n0\r\n\r\nnext response"[..];
    /// let mut out = Vec::new();
    /// loop {
    ///     let (used, step) = body.step(input).unwrap();
    ///     input = &input[used..];
    ///     match step {
    ///         BodyStep::Data(d) => out.extend_from_slice(d),
    ///         BodyStep::Need | BodyStep::Done => break,
    ///     }
    /// }
    /// assert_eq!((out.as_slice(), input), (&b"hello"[..], &b"next response"[..]));
    /// assert!(body.is_done());
    /// ```
    pub fn step<'a>(&mut self, input: &'a [u8]) -> Result<(usize, BodyStep<'a>), BodyError> {
        // A raw decoder hands on the bytes that ended the body as data, so it is asked
        // once more, after the end.
        if self.is_done() {
            return Ok((0, BodyStep::Done));
        }
        let (used, step) = match &mut self.kind {
            Kind::Length { remaining: 0 } => (0, BodyStep::Done),
            Kind::Length { remaining } => {
                let n = input
                    .len()
                    .min(usize::try_from(*remaining).unwrap_or(usize::MAX));
                *remaining -= n as u64;
                data_or_need(input, n)
            }
            Kind::Chunked(chunked) => chunked.step(input)?,
            Kind::Close => data_or_need(input, input.len()),
        };
        // Raw, whatever was used is data: framing read with `Need` or `Done` too (a step
        // that used nothing says so again on the next call).
        let step = match step {
            _ if self.raw && used > 0 => BodyStep::Data(&input[..used]),
            step => step,
        };
        if let BodyStep::Data(d) = step {
            self.received += d.len() as u64;
        }
        Ok((used, step))
    }

    /// The connection closed: fine for a complete or close-delimited body, else truncation.
    pub fn finish_at_eof(&self) -> Result<(), BodyError> {
        match &self.kind {
            Kind::Length { remaining: 0 } | Kind::Close => Ok(()),
            Kind::Length { remaining } => Err(BodyError::Truncated(format!(
                "connection closed with {remaining} bytes of the body missing"
            ))),
            Kind::Chunked(c) if c.state == State::Done => Ok(()),
            Kind::Chunked(_) => Err(BodyError::Truncated(
                "connection closed in the middle of the chunked body".into(),
            )),
        }
    }

    /// The trailer section of a chunked body, as received (empty when none, and when raw:
    /// they were handed on with the body).
    pub fn trailers(&self) -> &[u8] {
        match &self.kind {
            Kind::Chunked(c) if !self.raw => &c.trailers,
            _ => &[],
        }
    }
}

fn data_or_need(input: &[u8], n: usize) -> (usize, BodyStep<'_>) {
    if n == 0 {
        (0, BodyStep::Need)
    } else {
        (n, BodyStep::Data(&input[..n]))
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum State {
    /// Reading hex digits of a chunk size.
    Size,
    /// Right after a `;` outside a quoted string: optional whitespace, then a name.
    ExtensionStart,
    /// Reading a chunk extension, after its name began.
    Extension,
    /// Inside a quoted extension value, where `;` is text, not a separator.
    ExtensionQuoted,
    /// After a backslash in a quoted extension value.
    ExtensionEscape,
    /// Expecting the LF after a size line's CR.
    SizeLf,
    /// Inside chunk data.
    Data,
    /// Expecting the CR after chunk data.
    DataCr,
    /// Expecting the LF after chunk data.
    DataLf,
    /// At the start of a trailer line (or the final blank line).
    TrailerStart,
    /// Inside a trailer line.
    TrailerLine,
    /// Expecting the LF after a trailer line's CR.
    TrailerLf,
    /// Expecting the LF of the final blank line.
    EndLf,
    /// The body is complete.
    Done,
}

#[derive(Debug)]
struct Chunked {
    state: State,
    /// The chunk size being read, then the bytes left in the chunk.
    size: u64,
    /// Digits read in the current size.
    digits: usize,
    /// Bytes in the current size line, or in the trailer section.
    line: usize,
    /// The trailer section as received, bounded by [`MAX_LINE`].
    trailers: Vec<u8>,
}

impl Default for Chunked {
    fn default() -> Self {
        Chunked {
            state: State::Size,
            size: 0,
            digits: 0,
            line: 0,
            trailers: Vec::new(),
        }
    }
}

impl Chunked {
    fn step<'a>(&mut self, input: &'a [u8]) -> Result<(usize, BodyStep<'a>), BodyError> {
        let mut used = 0;
        while used < input.len() {
            if self.state == State::Data {
                let n = (input.len() - used).min(usize::try_from(self.size).unwrap_or(usize::MAX));
                self.size -= n as u64;
                if self.size == 0 {
                    self.state = State::DataCr;
                }
                return Ok((used + n, BodyStep::Data(&input[used..used + n])));
            }
            let byte = input[used];
            used += 1;
            self.byte(byte)?;
            if self.state == State::Done {
                return Ok((used, BodyStep::Done));
            }
        }
        Ok((
            used,
            if self.state == State::Done {
                BodyStep::Done
            } else {
                BodyStep::Need
            },
        ))
    }

    /// Advances the line-level states by one byte.
    fn byte(&mut self, b: u8) -> Result<(), BodyError> {
        match self.state {
            State::Size => self.size_byte(b)?,
            State::ExtensionStart | State::Extension => self.extension_byte(b)?,
            State::ExtensionQuoted | State::ExtensionEscape => self.quoted_byte(b)?,
            State::SizeLf => {
                expect(b, b'\n', "bare CR in chunk size line")?;
                self.end_size_line();
            }
            State::DataCr => match b {
                b'\r' => self.state = State::DataLf,
                b'\n' => self.next_chunk(),
                _ => return Err(BodyError::Malformed("chunk data longer than its size")),
            },
            State::DataLf => {
                expect(b, b'\n', "bare CR after chunk data")?;
                self.next_chunk();
            }
            State::TrailerStart => {
                self.keep_trailer(b)?;
                self.state = match b {
                    b'\r' => State::EndLf,
                    b'\n' => State::Done,
                    _ => State::TrailerLine,
                };
            }
            State::TrailerLine => {
                self.keep_trailer(b)?;
                match b {
                    b'\r' => self.state = State::TrailerLf,
                    b'\n' => self.state = State::TrailerStart,
                    _ => {}
                }
            }
            State::TrailerLf => {
                self.keep_trailer(b)?;
                expect(b, b'\n', "bare CR in trailers")?;
                self.state = State::TrailerStart;
            }
            State::EndLf => {
                self.keep_trailer(b)?;
                expect(b, b'\n', "bare CR after the last chunk")?;
                self.state = State::Done;
            }
            State::Data | State::Done => unreachable!("handled by step"),
        }
        Ok(())
    }

    /// After a size line: the chunk's data, or the trailers after the last chunk.
    fn end_size_line(&mut self) {
        self.line = 0;
        self.state = if self.size == 0 {
            State::TrailerStart
        } else {
            State::Data
        };
    }

    /// After a chunk's data and its line end: the next size line.
    fn next_chunk(&mut self) {
        self.size = 0;
        self.digits = 0;
        self.state = State::Size;
    }

    fn size_byte(&mut self, b: u8) -> Result<(), BodyError> {
        let digit = match b {
            b'0'..=b'9' => b - b'0',
            b'a'..=b'f' => b - b'a' + 10,
            b'A'..=b'F' => b - b'A' + 10,
            b';' | b'\r' | b'\n' if self.digits == 0 => {
                return Err(BodyError::Malformed("chunk size without digits"))
            }
            b'\n' => {
                self.end_size_line();
                return Ok(());
            }
            b';' => {
                self.state = State::ExtensionStart;
                return self.count_line();
            }
            b'\r' => {
                self.state = State::SizeLf;
                return Ok(());
            }
            _ => return Err(BodyError::Malformed("invalid character in chunk size")),
        };
        if self.digits == 16 {
            return Err(BodyError::Malformed("chunk size too large"));
        }
        self.size = self.size << 4 | u64::from(digit);
        self.digits += 1;
        Ok(())
    }

    /// An extension byte outside quotes: a name must follow each `;` (after optional
    /// whitespace), as RFC 9112 requires and llhttp enforces.
    fn extension_byte(&mut self, b: u8) -> Result<(), BodyError> {
        let start = self.state == State::ExtensionStart;
        match b {
            b'\r' | b'\n' if start => {
                return Err(BodyError::Malformed("chunk extension without a name"))
            }
            b'\r' => self.state = State::SizeLf,
            b'\n' => self.end_size_line(),
            b'\t' | b' ' => {}
            _ if start && !is_tchar(b) => {
                return Err(BodyError::Malformed("chunk extension without a name"))
            }
            b';' => self.state = State::ExtensionStart,
            b'"' => self.state = State::ExtensionQuoted,
            b'!'..=b'~' | 0x80..=0xff => self.state = State::Extension,
            _ => return Err(BodyError::Malformed("control character in chunk extension")),
        }
        self.count_line()
    }

    /// A byte of a quoted extension value.
    fn quoted_byte(&mut self, b: u8) -> Result<(), BodyError> {
        self.state = match (self.state, b) {
            (_, b'\r' | b'\n') => {
                return Err(BodyError::Malformed("unterminated quoted chunk extension"))
            }
            (State::ExtensionEscape, _) => State::ExtensionQuoted,
            (_, b'\\') => State::ExtensionEscape,
            (_, b'"') => State::Extension,
            (_, b'\t' | b' '..=b'~' | 0x80..=0xff) => State::ExtensionQuoted,
            _ => return Err(BodyError::Malformed("control character in chunk extension")),
        };
        self.count_line()
    }

    fn count_line(&mut self) -> Result<(), BodyError> {
        self.line += 1;
        if self.line > MAX_LINE {
            return Err(BodyError::Malformed("chunk extension too long"));
        }
        Ok(())
    }

    fn keep_trailer(&mut self, b: u8) -> Result<(), BodyError> {
        if self.trailers.len() >= MAX_LINE {
            return Err(BodyError::Malformed("trailer section too large"));
        }
        self.trailers.push(b);
        Ok(())
    }
}

/// A token character (RFC 9110 section 5.6.2), which chunk extension names are made of.
fn is_tchar(b: u8) -> bool {
    b.is_ascii_alphanumeric() || b"!#$%&'*+-.^_`|~".contains(&b)
}

fn expect(b: u8, want: u8, what: &'static str) -> Result<(), BodyError> {
    if b == want {
        Ok(())
    } else {
        Err(BodyError::Malformed(what))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Decodes `input` fed in pieces at `cuts`, returning the body or the error.
    pub(crate) fn decode(
        framing: BodyFraming,
        input: &[u8],
        cuts: &[usize],
    ) -> Result<(Vec<u8>, bool), BodyError> {
        decode_with(BodyDecoder::new(framing), input, cuts)
    }

    /// `--raw`: a chunked body comes out byte for byte as sent, trailers included, however
    /// it is split, and ends where the decoded one ends (what follows is not taken).
    #[test]
    fn raw_hands_on_the_framing_too() {
        let body = b"3;x=1\r\nabc\r\n2\nde\n0\r\nX-Sum: 5\r\n\r\n";
        let input = [&body[..], b"HTTP/1.1 200 OK"].concat();
        for cut in 0..input.len() {
            let raw = decode_with(BodyDecoder::raw(BodyFraming::Chunked), &input, &[cut]);
            assert_eq!(raw, Ok((body.to_vec(), true)), "cut at {cut}");
        }
        let mut decoder = BodyDecoder::raw(BodyFraming::Chunked);
        let mut rest = &body[..];
        while !rest.is_empty() {
            let (used, _) = decoder.step(rest).unwrap();
            rest = &rest[used..];
        }
        assert!(decoder.is_done());
        assert_eq!(
            decoder.trailers(),
            b"",
            "the trailers went out with the body"
        );
    }

    /// Feeds `input` to `decoder` in pieces at `cuts`.
    fn decode_with(
        mut decoder: BodyDecoder,
        input: &[u8],
        cuts: &[usize],
    ) -> Result<(Vec<u8>, bool), BodyError> {
        let mut out = Vec::new();
        let mut start = 0;
        let mut bounds: Vec<usize> = cuts.iter().map(|&c| c.min(input.len())).collect();
        bounds.sort_unstable();
        bounds.push(input.len());
        for end in bounds {
            let mut piece = &input[start..end.max(start)];
            start = end.max(start);
            while !piece.is_empty() {
                let (used, step) = decoder.step(piece)?;
                match step {
                    BodyStep::Data(d) => out.extend_from_slice(d),
                    BodyStep::Need => assert_eq!(used, piece.len()),
                    BodyStep::Done => return Ok((out, true)),
                }
                piece = &piece[used..];
            }
        }
        Ok((out, decoder.is_done()))
    }

    /// Steps a chunked decoder over `wire` to its end: the trailers it kept and what follows.
    fn trailers_and_rest(wire: &[u8]) -> (Vec<u8>, &[u8]) {
        let mut d = BodyDecoder::new(BodyFraming::Chunked);
        let mut rest = wire;
        while !d.is_done() {
            let (used, _) = d.step(rest).unwrap();
            rest = &rest[used..];
        }
        (d.trailers().to_vec(), rest)
    }

    #[test]
    fn chunked_with_extensions_and_trailers() {
        let wire = b"5;name=value\r\nhello\r\n6\r\n world\r\n0\r\nX-Sum: 1\r\n\r\nEXTRA";
        let (body, done) = decode(BodyFraming::Chunked, wire, &[]).unwrap();
        assert_eq!((body.as_slice(), done), (&b"hello world"[..], true));
        assert_eq!(
            trailers_and_rest(wire),
            (b"X-Sum: 1\r\n\r\n".to_vec(), &b"EXTRA"[..])
        );
    }

    /// RFC 9112 section 2.2: a bare LF ends a size line, a chunk and a trailer line as CRLF
    /// does (curl takes it), mixed with CRLF too.
    #[test]
    fn lf_only_chunk_lines_pass() {
        let wire = b"5\nhello\n6;a=b\r\n world\n0\nX-Sum: 1\r\nY: 2\n\nEXTRA";
        let (body, done) = decode(BodyFraming::Chunked, wire, &[]).unwrap();
        assert_eq!((body.as_slice(), done), (&b"hello world"[..], true));
        assert_eq!(
            trailers_and_rest(wire),
            (b"X-Sum: 1\r\nY: 2\n\n".to_vec(), &b"EXTRA"[..])
        );
    }

    #[test]
    fn chunked_refuses_llhttp_leniencies() {
        for bad in [
            &b"5 \r\nhello\r\n0\r\n\r\n"[..],
            b"5 ext\r\nhello\r\n0\r\n\r\n",
            b"5\rhello\r\n0\r\n\r\n",
            b"5\r\nhello\r0\r\n\r\n",
            b"0\r\nX: y\rZ\r\n\r\n",
            b";\n",
            b"5;\nhello\n0\n\n",
            b"5\r\nhelloX\r\n0\r\n\r\n",
            b"\r\n",
            b";x\r\n",
            b"-5\r\n",
            b"11111111111111111\r\n",
            // Issue 11: `;` must be followed by an extension name.
            b"a;\r\n0123456789\r\n0\r\n\r\n",
            b"5; \r\nhello\r\n0\r\n\r\n",
            b"5;=v\r\nhello\r\n0\r\n\r\n",
            b"5;a;\r\nhello\r\n0\r\n\r\n",
            b"5;a=\"x\r\nhello\r\n0\r\n\r\n",
        ] {
            assert!(
                decode(BodyFraming::Chunked, bad, &[]).is_err(),
                "{:?} was accepted",
                String::from_utf8_lossy(bad)
            );
        }
    }

    /// Extensions as RFC 9112 writes them still pass: several, with whitespace around `;`,
    /// and quoted values that hold `;` and escaped quotes.
    #[test]
    fn chunk_extensions_with_names_pass() {
        let wire = b"5;a ; b=1;c=\"x;\\\"y\"\r\nhello\r\n0;last\r\n\r\n";
        let (body, done) = decode(BodyFraming::Chunked, wire, &[]).unwrap();
        assert_eq!((body.as_slice(), done), (&b"hello"[..], true));
    }

    #[test]
    fn largest_chunk_size_does_not_overflow() {
        let (body, done) = decode(BodyFraming::Chunked, b"FFFFFFFFFFFFFFFF\r\nabc", &[2]).unwrap();
        assert_eq!((body.as_slice(), done), (&b"abc"[..], false));
    }

    #[test]
    fn length_stops_at_its_end_and_reports_truncation() {
        let (body, done) = decode(BodyFraming::Length(3), b"abcdef", &[1]).unwrap();
        assert_eq!((body.as_slice(), done), (&b"abc"[..], true));
        let mut d = BodyDecoder::new(BodyFraming::Length(10));
        d.step(b"abc").unwrap();
        assert!(matches!(d.finish_at_eof(), Err(BodyError::Truncated(_))));
        let mut c = BodyDecoder::new(BodyFraming::Chunked);
        c.step(b"5\r\nab").unwrap();
        assert!(matches!(c.finish_at_eof(), Err(BodyError::Truncated(_))));
        assert_eq!(BodyDecoder::new(BodyFraming::Close).finish_at_eof(), Ok(()));
    }
}
