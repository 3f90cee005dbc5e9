//! Owns the content codings a response body may carry (gzip, deflate, br, zstd) and one
//! streaming decoder per coding, each a `Write` adapter in front of the next stage.
//!
//! `Content-Encoding: gzip, br` means the body was gzipped, then brotli'd, so the decoders
//! run in reverse order: brotli first, its output into gzip, gzip's into the output. Each
//! stage is a boxed [`Stage`] owning the next one, so a chain of any order is one value;
//! curl 7.88 stacks at most five and so does sockit ([`MAX_STACK`]).
//!
//! Bytes after the end of a gzip or deflate stream (a second gzip member, garbage) end the
//! transfer as curl 7.88 ends it, exit 23, after what was decoded so far; zstd's frames may
//! follow each other, as the format allows and curl decodes them.

use std::error::Error;
use std::fmt;
use std::io::{self, Write};

/// The most codings one response may stack, as curl 7.88 ("more than 5 content encodings").
pub const MAX_STACK: usize = 5;
/// brotli's output buffer.
const BROTLI_BUFFER: usize = 64 * 1024;

/// One content coding sockit decodes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Coding {
    Gzip,
    Deflate,
    Brotli,
    Zstd,
}

impl Coding {
    /// The coding of a `Content-Encoding` token (already trimmed and lower case); None for
    /// one sockit does not know.
    pub fn named(token: &str) -> Option<Coding> {
        match token {
            "gzip" | "x-gzip" => Some(Coding::Gzip),
            "deflate" => Some(Coding::Deflate),
            "br" => Some(Coding::Brotli),
            "zstd" => Some(Coding::Zstd),
            _ => None,
        }
    }

    /// The coding's name, for messages.
    pub fn name(self) -> &'static str {
        match self {
            Coding::Gzip => "gzip",
            Coding::Deflate => "deflate",
            Coding::Brotli => "br",
            Coding::Zstd => "zstd",
        }
    }

    /// A decoder for this coding writing its output into `next`.
    pub fn decoder(self, next: Box<dyn Stage>) -> io::Result<Box<dyn Stage>> {
        Ok(match self {
            Coding::Gzip => Box::new(Ended {
                coding: self,
                inner: flate2::write::GzDecoder::new(next),
            }),
            Coding::Deflate => Box::new(Deflate {
                next: Some(next),
                picked: None,
            }),
            Coding::Brotli => {
                Box::new(Brotli(brotli::DecompressorWriter::new(next, BROTLI_BUFFER)))
            }
            Coding::Zstd => Box::new(Zstd(zstd::stream::write::Decoder::new(next)?)),
        })
    }
}

/// One stage of a decoding chain: takes bytes, passes what they decode to on.
pub trait Stage: Write {
    /// Ends the input: checks that the stream is complete, flushes the rest of the output
    /// on, and finishes the stages after this one.
    fn finish(self: Box<Self>) -> io::Result<()>;
}

/// Bytes after the end of a coding's stream, which curl refuses with its write error (23).
#[derive(Debug)]
pub struct ExcessData(pub Coding);

impl fmt::Display for ExcessData {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "data after the end of the {} stream", self.0.name())
    }
}

impl Error for ExcessData {}

/// Whether `err` is (or wraps) an [`ExcessData`].
pub fn excess_in(err: &io::Error) -> Option<Coding> {
    err.get_ref()?.downcast_ref::<ExcessData>().map(|e| e.0)
}

/// A flate2 decoder, which takes no more bytes once its stream ended (it answers `Ok(0)`):
/// such bytes are [`ExcessData`].
struct Ended<D> {
    coding: Coding,
    inner: D,
}

impl<D: Write> Write for Ended<D> {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        match self.inner.write(buf)? {
            0 if !buf.is_empty() => Err(io::Error::other(ExcessData(self.coding))),
            n => Ok(n),
        }
    }

    fn flush(&mut self) -> io::Result<()> {
        self.inner.flush()
    }
}

impl Stage for Ended<flate2::write::GzDecoder<Box<dyn Stage>>> {
    fn finish(self: Box<Self>) -> io::Result<()> {
        self.inner.finish()?.finish()
    }
}

impl Stage for Ended<flate2::write::ZlibDecoder<Box<dyn Stage>>> {
    fn finish(self: Box<Self>) -> io::Result<()> {
        self.inner.finish()?.finish()
    }
}

impl Stage for Ended<flate2::write::DeflateDecoder<Box<dyn Stage>>> {
    fn finish(self: Box<Self>) -> io::Result<()> {
        self.inner.finish()?.finish()
    }
}

/// `deflate`: servers send zlib (as RFC 9110 says) or raw deflate; the first byte tells.
struct Deflate {
    /// The next stage, until the first byte picked the decoder that now owns it.
    next: Option<Box<dyn Stage>>,
    picked: Option<Box<dyn Stage>>,
}

impl Write for Deflate {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        if let (Some(&first), Some(next)) = (buf.first(), self.next.take()) {
            self.picked = Some(deflate_for(first, next));
        }
        match &mut self.picked {
            Some(d) => d.write(buf),
            None => Ok(0),
        }
    }

    fn flush(&mut self) -> io::Result<()> {
        match (&mut self.picked, &mut self.next) {
            (Some(d), _) | (None, Some(d)) => d.flush(),
            (None, None) => Ok(()),
        }
    }
}

impl Stage for Deflate {
    fn finish(self: Box<Self>) -> io::Result<()> {
        match (self.picked, self.next) {
            (Some(d), _) | (None, Some(d)) => d.finish(),
            (None, None) => Ok(()),
        }
    }
}

/// zlib or raw deflate, from a stream's first byte: a zlib stream starts with a CMF byte
/// whose low nibble is 8 (deflate) and whose window size is at most 32 KiB.
fn deflate_for(first: u8, next: Box<dyn Stage>) -> Box<dyn Stage> {
    let coding = Coding::Deflate;
    if first & 0x0f == 8 && first >> 4 <= 7 {
        Box::new(Ended {
            coding,
            inner: flate2::write::ZlibDecoder::new(next),
        })
    } else {
        Box::new(Ended {
            coding,
            inner: flate2::write::DeflateDecoder::new(next),
        })
    }
}

struct Brotli(brotli::DecompressorWriter<Box<dyn Stage>>);

impl Write for Brotli {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        self.0.write(buf)
    }

    fn flush(&mut self) -> io::Result<()> {
        self.0.flush()
    }
}

impl Stage for Brotli {
    fn finish(mut self: Box<Self>) -> io::Result<()> {
        self.0.close()?;
        match self.0.into_inner() {
            Ok(next) => next.finish(),
            Err(_) => Err(io::Error::other("brotli stream not finished")),
        }
    }
}

struct Zstd(zstd::stream::write::Decoder<'static, Box<dyn Stage>>);

impl Write for Zstd {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        self.0.write(buf)
    }

    fn flush(&mut self) -> io::Result<()> {
        self.0.flush()
    }
}

impl Stage for Zstd {
    fn finish(self: Box<Self>) -> io::Result<()> {
        self.0.finish()?.finish()
    }
}
