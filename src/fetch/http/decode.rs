//! Owns `--compressed` and `--max-filesize`: decoding gzip, deflate and br bodies as they
//! stream, and bounding how much of a body is written.
//!
//! The decoders are flate2's and brotli's `Write` adapters, which decode into a fixed
//! buffer and write it on, so memory stays constant however well a body compresses. What a
//! decompression bomb could still do is fill the disk, so between the decoder and the output
//! sits a [`Guard`] that refuses to pass on more than `--max-filesize` bytes (curl's exit
//! 63), or [`DEFAULT_MAX_DECODED`] for a decoded body when that flag is not given. There is
//! no ratio limit: legitimate content (a file of zeros, gzip -9) compresses 1000:1 and more.

use crate::fetch::error::FetchError;
use flate2::write::{DeflateDecoder, GzDecoder, ZlibDecoder};
use std::io::{self, Write};

/// The largest decoded body accepted without `--max-filesize`: 10 GiB, beyond what people
/// fetch with `--compressed`, yet a bound on what a bomb can write.
pub const DEFAULT_MAX_DECODED: u64 = 10 << 30;
/// brotli's output buffer.
const BROTLI_BUFFER: usize = 64 * 1024;

/// Where decoded bytes go; remembers why a write failed, so an output error is not
/// mistaken for bad content.
pub trait Sink: Write {
    /// The error behind the last failed write, if the sink recorded one.
    fn take_failure(&mut self) -> Option<FetchError>;
}

/// A content decoder in front of a sink.
pub struct ContentDecoder<W: Sink> {
    inner: Option<Inner<W>>,
    /// The bound on bytes written, and whether it is the default for decoded bodies.
    limit: (u64, bool),
}

enum Inner<W: Sink> {
    Identity(Guard<W>),
    Gzip(GzDecoder<Guard<W>>),
    /// `deflate` before its first byte: servers send zlib (as RFC 9110 says) or raw deflate.
    DeflateUnknown(Guard<W>),
    Zlib(ZlibDecoder<Guard<W>>),
    RawDeflate(DeflateDecoder<Guard<W>>),
    Brotli(Box<brotli::DecompressorWriter<Guard<W>>>),
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

impl<W: Sink> ContentDecoder<W> {
    /// A decoder for `content_encoding` when `enabled` (`--compressed`); without it, or
    /// for `identity`, bytes pass through unchanged. At most `max_size` bytes are written
    /// (`--max-filesize`; a decoded body gets [`DEFAULT_MAX_DECODED`] when None).
    pub fn new(
        sink: W,
        content_encoding: Option<&str>,
        enabled: bool,
        max_size: Option<u64>,
    ) -> Result<Self, FetchError> {
        let codings: Vec<String> = content_encoding
            .unwrap_or("")
            .split(',')
            .map(|c| c.trim().to_ascii_lowercase())
            .filter(|c| !c.is_empty() && c != "identity")
            .collect();
        let decoding = enabled && !codings.is_empty();
        let limit = match max_size {
            Some(n) => (n, false),
            None if decoding => (DEFAULT_MAX_DECODED, true),
            None => (u64::MAX, false),
        };
        let guard = Guard {
            inner: sink,
            written: 0,
            allowed: limit.0,
            tripped: false,
        };
        let inner = match codings.as_slice() {
            _ if !decoding => Inner::Identity(guard),
            [one] => match one.as_str() {
                "gzip" | "x-gzip" => Inner::Gzip(GzDecoder::new(guard)),
                "deflate" => Inner::DeflateUnknown(guard),
                "br" => Inner::Brotli(Box::new(brotli::DecompressorWriter::new(
                    guard,
                    BROTLI_BUFFER,
                ))),
                other => {
                    return Err(FetchError::Encoding(format!(
                        "unsupported content encoding {other:?}"
                    )))
                }
            },
            _ => {
                return Err(FetchError::Encoding(format!(
                    "stacked content encodings {codings:?} are not supported"
                )))
            }
        };
        Ok(ContentDecoder {
            inner: Some(inner),
            limit,
        })
    }

    /// Decodes `data` (body bytes as received) into the sink.
    pub fn push(&mut self, data: &[u8]) -> Result<(), FetchError> {
        if let Some(Inner::DeflateUnknown(_)) = &self.inner {
            self.pick_deflate(data);
        }
        let result = match self.inner.as_mut() {
            Some(Inner::Identity(w)) => w.write_all(data),
            Some(Inner::Gzip(d)) => d.write_all(data),
            Some(Inner::Zlib(d)) => d.write_all(data),
            Some(Inner::RawDeflate(d)) => d.write_all(data),
            Some(Inner::Brotli(d)) => d.write_all(data),
            Some(Inner::DeflateUnknown(_)) | None => Ok(()),
        };
        result.map_err(|e| self.classify(&e))
    }

    /// Chooses zlib or raw deflate from the first byte: a zlib stream starts with a CMF byte
    /// whose low nibble is 8 (deflate) and whose window size is at most 32 KiB.
    fn pick_deflate(&mut self, data: &[u8]) {
        let Some(&first) = data.first() else { return };
        let Some(Inner::DeflateUnknown(guard)) = self.inner.take() else {
            return;
        };
        let zlib = first & 0x0f == 8 && first >> 4 <= 7;
        self.inner = Some(if zlib {
            Inner::Zlib(ZlibDecoder::new(guard))
        } else {
            Inner::RawDeflate(DeflateDecoder::new(guard))
        });
    }

    /// Flushes the decoder and returns the sink.
    pub fn finish(mut self) -> Result<W, FetchError> {
        let finished = match self.inner.take() {
            Some(Inner::Identity(g)) | Some(Inner::DeflateUnknown(g)) => Ok(g),
            Some(Inner::Gzip(d)) => d.finish(),
            Some(Inner::Zlib(d)) => d.finish(),
            Some(Inner::RawDeflate(d)) => d.finish(),
            Some(Inner::Brotli(mut d)) => match d.close() {
                Ok(()) => d.into_inner().map_err(|_| io::Error::other("brotli")),
                Err(e) => Err(e),
            },
            None => Err(io::Error::other("decoder already finished")),
        };
        finished
            .map(|g| g.inner)
            .map_err(|e| FetchError::Encoding(e.to_string()))
    }

    /// Tells a body over the limit, an output failure and corrupt content apart after a
    /// failed write.
    fn classify(&mut self, err: &io::Error) -> FetchError {
        let (tripped, failure) = match self.inner.as_mut() {
            Some(Inner::Identity(g)) => guard_state(g),
            Some(Inner::Gzip(d)) => guard_state(d.get_mut()),
            Some(Inner::Zlib(d)) => guard_state(d.get_mut()),
            Some(Inner::RawDeflate(d)) => guard_state(d.get_mut()),
            Some(Inner::Brotli(d)) => guard_state(d.get_mut()),
            Some(Inner::DeflateUnknown(g)) => guard_state(g),
            None => (false, None),
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
        FetchError::Encoding(format!("corrupt compressed body: {err}"))
    }
}

fn guard_state<W: Sink>(g: &mut Guard<W>) -> (bool, Option<FetchError>) {
    (g.tripped, g.inner.take_failure())
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
        assert_eq!(run("identity", &text).unwrap(), text);
    }

    #[test]
    fn refuses_truncated_streams() {
        let text = b"hello, compressed world! ".repeat(100);
        for (coding, format) in [("gzip", "gzip"), ("deflate", "zlib"), ("br", "br")] {
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
        assert_eq!(run("gzip, br", b"x").unwrap_err().exit_code(), 61);
    }
}
