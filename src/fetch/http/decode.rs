//! Owns `--compressed` and `--max-filesize`: decoding a body's content codings as it
//! streams, and bounding how much of a body is written.
//!
//! The codings (`coding.rs`) form a chain of `Write` adapters, each decoding into a fixed
//! buffer and writing it on, so memory stays constant however well a body compresses. What
//! a decompression bomb could still do is fill the disk, so between the chain and the output
//! sits a [`Guard`] that refuses to pass on more than `--max-filesize` bytes (curl's exit
//! 63), or [`DEFAULT_MAX_DECODED`] for a decoded body when that flag is not given. There is
//! no ratio limit: legitimate content (a file of zeros, gzip -9) compresses 1000:1 and more.
//!
//! The guard is shared (an `Rc<RefCell<..>>`) with the chain's last stage, so the chain can
//! be boxed stages of any order while [`ContentDecoder::finish`] still hands the typed sink
//! back.

use super::coding::{excess_in, Coding, Stage, MAX_STACK};
use crate::fetch::error::{describe, FetchError};
use std::cell::{RefCell, RefMut};
use std::io::{self, Write};
use std::rc::Rc;

/// The largest decoded body accepted without `--max-filesize`: 10 GiB, beyond what people
/// fetch with `--compressed`, yet a bound on what a bomb can write.
pub const DEFAULT_MAX_DECODED: u64 = 10 << 30;

/// Where decoded bytes go; remembers why a write failed, so an output error is not
/// mistaken for bad content.
pub trait Sink: Write {
    /// The error behind the last failed write, if the sink recorded one.
    fn take_failure(&mut self) -> Option<FetchError>;

    /// A handle on the file this sink writes every byte to unchanged, at the offset the
    /// next write would take, for bytes moved there without passing through it
    /// (`net/splice.rs`); None where the sink does more than write (a digest, a terminal).
    fn raw_file(&mut self) -> Option<std::fs::File> {
        None
    }

    /// The failure to report for `err`, met writing to [`Sink::raw_file`]'s file.
    fn raw_failure(&mut self, err: io::Error) -> FetchError {
        unnamed_failure(&err)
    }
}

/// What a body's bytes are pushed into as they arrive: a [`ContentDecoder`], or a
/// [`Plain`] sink where no decoding can apply.
pub trait BodySink {
    /// Takes `data` (body bytes as received).
    fn push(&mut self, data: &[u8]) -> Result<(), FetchError>;

    /// The file the next `most` body bytes may be moved into directly, where this sink
    /// would write them there unchanged and within its bounds; the mover then reports
    /// them with [`BodySink::moved`].
    fn direct_file(&mut self, _most: u64) -> Option<std::fs::File> {
        None
    }

    /// Counts `n` bytes moved into [`BodySink::direct_file`]'s file as written.
    fn moved(&mut self, _n: u64) {}

    /// The failure to report for `err`, met moving bytes into the direct file.
    fn direct_failed(&mut self, err: io::Error) -> FetchError {
        unnamed_failure(&err)
    }
}

/// A write failure of an output that cannot name itself (the defaults above; only a sink
/// with a [`Sink::raw_file`] is ever asked, and it names its file).
fn unnamed_failure(err: &io::Error) -> FetchError {
    FetchError::Write {
        path: "the output".into(),
        reason: describe(err),
    }
}

/// A sink taking the body as it comes, unbounded: what a `--segments` part writes through,
/// which never decodes (its ranges are of the encoded bytes) and whose size the head fixed.
pub struct Plain<W: Sink>(pub W);

impl<W: Sink> BodySink for Plain<W> {
    fn push(&mut self, data: &[u8]) -> Result<(), FetchError> {
        self.0.write_all(data).map_err(|e| {
            self.0.take_failure().unwrap_or_else(|| FetchError::Write {
                path: "the output".into(),
                reason: e.to_string(),
            })
        })
    }
}

/// A content decoder in front of a sink.
pub struct ContentDecoder<W: Sink> {
    /// The decoders, outermost coding first; None when the body passes unchanged.
    chain: Option<Box<dyn Stage>>,
    guard: Rc<RefCell<Guard<W>>>,
    /// The bound on bytes written, and whether it is the default for decoded bodies.
    limit: (u64, bool),
}

/// Counts the bytes written and stops them past the limit.
pub struct Guard<W> {
    inner: W,
    written: u64,
    allowed: u64,
    tripped: bool,
}

impl<W: Write> Write for Guard<W> {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        if self.written + buf.len() as u64 > self.allowed {
            self.tripped = true;
            return Err(io::Error::other("body larger than the limit"));
        }
        let n = self.inner.write(buf)?;
        self.written += n as u64;
        Ok(n)
    }

    fn flush(&mut self) -> io::Result<()> {
        self.inner.flush()
    }
}

/// The chain's last stage: writes into the shared guard.
struct Tap<W>(Rc<RefCell<Guard<W>>>);

impl<W: Write> Write for Tap<W> {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        lock(&self.0).write(buf)
    }

    fn flush(&mut self) -> io::Result<()> {
        lock(&self.0).flush()
    }
}

impl<W: Write + 'static> Stage for Tap<W> {
    fn finish(mut self: Box<Self>) -> io::Result<()> {
        self.flush()
    }
}

fn lock<W>(guard: &RefCell<Guard<W>>) -> RefMut<'_, Guard<W>> {
    guard.borrow_mut()
}

/// The codings of a `Content-Encoding` value (its headers joined with `,`), in the order
/// they were applied, `identity` left out.
fn codings(content_encoding: &str) -> Result<Vec<Coding>, FetchError> {
    let tokens: Vec<String> = content_encoding
        .split(',')
        .map(|c| c.trim().to_ascii_lowercase())
        .filter(|c| !c.is_empty() && c != "identity")
        .collect();
    if tokens.len() > MAX_STACK {
        return Err(FetchError::Encoding(format!(
            "more than {MAX_STACK} content encodings: {content_encoding:?}"
        )));
    }
    tokens
        .iter()
        .map(|t| {
            Coding::named(t).ok_or_else(|| {
                FetchError::Encoding(format!(
                    "unsupported content encoding {t:?} (sockit decodes deflate, gzip, br, zstd)"
                ))
            })
        })
        .collect()
}

impl<W: Sink + 'static> ContentDecoder<W> {
    /// A decoder for `content_encoding` (every Content-Encoding header, joined with `,`)
    /// when `enabled` (`--compressed`); without it, or for `identity`, bytes pass through
    /// unchanged. At most `max_size` bytes are written (`--max-filesize`; a decoded body
    /// gets [`DEFAULT_MAX_DECODED`] when None).
    pub fn new(
        sink: W,
        content_encoding: Option<&str>,
        enabled: bool,
        max_size: Option<u64>,
    ) -> Result<Self, FetchError> {
        let codings = match content_encoding {
            Some(value) if enabled => codings(value)?,
            _ => Vec::new(),
        };
        let limit = match max_size {
            Some(n) => (n, false),
            None if !codings.is_empty() => (DEFAULT_MAX_DECODED, true),
            None => (u64::MAX, false),
        };
        let guard = Rc::new(RefCell::new(Guard {
            inner: sink,
            written: 0,
            allowed: limit.0,
            tripped: false,
        }));
        let mut chain = None;
        if !codings.is_empty() {
            let mut next: Box<dyn Stage> = Box::new(Tap(guard.clone()));
            for coding in codings {
                next = coding
                    .decoder(next)
                    .map_err(|e| FetchError::Encoding(format!("{}: {e}", coding.name())))?;
            }
            chain = Some(next);
        }
        Ok(ContentDecoder {
            chain,
            guard,
            limit,
        })
    }

    /// Ends the body: checks that every coding's stream is complete, and returns the sink.
    pub fn finish(mut self) -> Result<W, FetchError> {
        if let Some(chain) = self.chain.take() {
            chain.finish().map_err(|e| self.classify(&e))?;
        }
        match Rc::try_unwrap(self.guard) {
            Ok(guard) => Ok(guard.into_inner().inner),
            Err(_) => Err(FetchError::Encoding("decoder still in use".into())),
        }
    }

    /// Tells a body over the limit, an output failure, bytes after a stream's end and
    /// corrupt content apart after a failed write.
    fn classify(&mut self, err: &io::Error) -> FetchError {
        let (tripped, failure) = {
            let mut guard = lock(&self.guard);
            (guard.tripped, guard.inner.take_failure())
        };
        if let Some(failure) = failure {
            return failure;
        }
        if tripped {
            return FetchError::TooLarge(match self.limit {
                (n, true) => format!(
                    "the decoded body is larger than {} GiB (a decompression bomb?); \
                     --max-filesize sets another limit",
                    n >> 30
                ),
                (n, false) => format!("the body is larger than --max-filesize {n} bytes"),
            });
        }
        if let Some(coding) = excess_in(err) {
            return FetchError::ExcessData(coding.name());
        }
        FetchError::Encoding(format!("corrupt compressed body: {err}"))
    }
}

impl<W: Sink + 'static> BodySink for ContentDecoder<W> {
    /// Decodes `data` into the sink.
    fn push(&mut self, data: &[u8]) -> Result<(), FetchError> {
        let result = match self.chain.as_mut() {
            Some(chain) => chain.write_all(data),
            None => lock(&self.guard).write_all(data),
        };
        result.map_err(|e| self.classify(&e))
    }

    /// Only a body no coding changes, and only bytes the bound allows.
    fn direct_file(&mut self, most: u64) -> Option<std::fs::File> {
        let mut guard = lock(&self.guard);
        let within = guard.written.checked_add(most)? <= guard.allowed;
        (self.chain.is_none() && within).then(|| guard.inner.raw_file())?
    }

    fn moved(&mut self, n: u64) {
        lock(&self.guard).written += n;
    }

    fn direct_failed(&mut self, err: io::Error) -> FetchError {
        lock(&self.guard).inner.raw_failure(err)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(Default)]
    struct Collect(Vec<u8>);

    impl Write for Collect {
        fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
            self.0.extend_from_slice(buf);
            Ok(buf.len())
        }
        fn flush(&mut self) -> io::Result<()> {
            Ok(())
        }
    }

    impl Sink for Collect {
        fn take_failure(&mut self) -> Option<FetchError> {
            None
        }
    }

    fn run(encoding: &str, wire: &[u8]) -> Result<Vec<u8>, FetchError> {
        run_limited(encoding, wire, None)
    }

    fn run_limited(encoding: &str, wire: &[u8], max: Option<u64>) -> Result<Vec<u8>, FetchError> {
        let mut d = ContentDecoder::new(Collect::default(), Some(encoding), true, max)?;
        for piece in wire.chunks(7) {
            d.push(piece)?;
        }
        Ok(d.finish()?.0)
    }

    fn compress(encoding: &str, data: &[u8]) -> Vec<u8> {
        let mut out = Vec::new();
        match encoding {
            "gzip" => {
                let mut e = flate2::write::GzEncoder::new(&mut out, flate2::Compression::fast());
                e.write_all(data).unwrap();
                e.finish().unwrap();
            }
            "zlib" => {
                let mut e = flate2::write::ZlibEncoder::new(&mut out, flate2::Compression::fast());
                e.write_all(data).unwrap();
                e.finish().unwrap();
            }
            "raw" => {
                let mut e =
                    flate2::write::DeflateEncoder::new(&mut out, flate2::Compression::fast());
                e.write_all(data).unwrap();
                e.finish().unwrap();
            }
            "zstd" => out = zstd::encode_all(data, 3).unwrap(),
            _ => {
                let mut e = brotli::CompressorWriter::new(&mut out, 4096, 5, 22);
                e.write_all(data).unwrap();
                e.flush().unwrap();
                drop(e);
            }
        }
        out
    }

    #[test]
    fn decodes_every_coding() {
        let text = b"hello, compressed world! ".repeat(100);
        assert_eq!(run("gzip", &compress("gzip", &text)).unwrap(), text);
        assert_eq!(run("deflate", &compress("zlib", &text)).unwrap(), text);
        assert_eq!(run("deflate", &compress("raw", &text)).unwrap(), text);
        assert_eq!(run("br", &compress("br", &text)).unwrap(), text);
        assert_eq!(run("zstd", &compress("zstd", &text)).unwrap(), text);
        assert_eq!(run("identity", &text).unwrap(), text);
    }

    /// `gzip, br` was gzipped, then brotli'd: decoded brotli first, as curl does.
    #[test]
    fn decodes_stacked_codings_in_reverse_order() {
        let text = b"stacked ".repeat(300);
        let wire = compress("br", &compress("gzip", &text));
        assert_eq!(run("gzip, br", &wire).unwrap(), text);
        let wire = compress("gzip", &compress("zstd", &compress("zlib", &text)));
        assert_eq!(run("deflate, identity, zstd, GZIP", &wire).unwrap(), text);
        assert_eq!(
            run("gzip, br", &compress("gzip", &compress("br", &text)))
                .unwrap_err()
                .exit_code(),
            61,
            "the wrong order is corrupt content"
        );
    }

    /// curl 7.88 stops at five codings (61), the bound on how deep a chain a server builds.
    #[test]
    fn stacks_at_most_five_codings() {
        let mut wire = b"deep\n".to_vec();
        for _ in 0..5 {
            wire = compress("gzip", &wire);
        }
        assert_eq!(run("gzip,gzip,gzip,gzip,gzip", &wire).unwrap(), b"deep\n");
        let six = compress("gzip", &wire);
        let err = run("gzip,gzip,gzip,gzip,gzip,gzip", &six).unwrap_err();
        assert_eq!(err.exit_code(), 61, "{err}");
    }

    /// A second gzip member is curl's write error (23); zstd frames may follow each other.
    #[test]
    fn bytes_after_a_stream_end_as_curl() {
        let two = [compress("gzip", b"one\n"), compress("gzip", b"two\n")].concat();
        assert_eq!(run("gzip", &two).unwrap_err().exit_code(), 23);
        let garbage = [compress("zlib", b"one\n"), b"junk".to_vec()].concat();
        assert_eq!(run("deflate", &garbage).unwrap_err().exit_code(), 23);
        let frames = [compress("zstd", b"one\n"), compress("zstd", b"two\n")].concat();
        assert_eq!(run("zstd", &frames).unwrap(), b"one\ntwo\n");
        let garbage = [compress("zstd", b"one\n"), b"junk".to_vec()].concat();
        assert_eq!(run("zstd", &garbage).unwrap_err().exit_code(), 61);
    }

    #[test]
    fn refuses_truncated_streams() {
        let text = b"hello, compressed world! ".repeat(100);
        for (coding, format) in [
            ("gzip", "gzip"),
            ("deflate", "zlib"),
            ("br", "br"),
            ("zstd", "zstd"),
        ] {
            let wire = compress(format, &text);
            let cut = &wire[..wire.len() / 2];
            assert!(
                run(coding, cut).is_err(),
                "{coding} cut in half was accepted"
            );
        }
    }

    #[test]
    fn bounds_the_written_size_not_the_ratio() {
        let zeros = vec![0u8; 16 << 20];
        let bomb = compress("br", &zeros);
        assert_eq!(run("br", &bomb).unwrap(), zeros);
        let err = run_limited("br", &bomb, Some(1 << 20)).unwrap_err();
        assert_eq!(err.exit_code(), 63, "{err}");
        assert_eq!(run_limited("identity", b"abcd", Some(4)).unwrap(), b"abcd");
        let err = run_limited("identity", b"abcde", Some(4)).unwrap_err();
        assert_eq!(err.exit_code(), 63, "{err}");
    }

    #[test]
    fn refuses_corruption_and_unknown_codings() {
        assert_eq!(run("gzip", b"not gzip at all").unwrap_err().exit_code(), 61);
        assert_eq!(run("zstd", b"x").unwrap_err().exit_code(), 61);
        assert_eq!(run("compress", b"x").unwrap_err().exit_code(), 61);
        assert_eq!(run("gzip, foo", b"x").unwrap_err().exit_code(), 61);
    }
}
