//! The one Range-serving test server of the fetch tests (resume, retry, `--checksum`,
//! `--segments`): it serves a body whole (200) or as `Content-Range` slices (206), and can be
//! told to carry a validator, to cut answers short, or to lie about the version it sends.
//!
//! A range is honoured when it starts past byte 0 or names its end (`bytes=A-`, `bytes=A-B`)
//! and, where the server has an ETag, when the request's If-Range names it (RFC 9110
//! 13.1.5); anything else gets the whole body.

use super::http_server::{End, Req, Server, Stream};
use std::io::Write;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;

/// One answer about to be sent: which it is (from 0, in arrival order), and the bytes
/// `from..to` of the body it carries.
pub struct Answer {
    pub index: usize,
    pub from: usize,
    pub to: usize,
}

type Cut = dyn Fn(&Answer) -> Option<usize> + Send + Sync;

/// A body served with ranges; [`Ranges::serve`] starts the server, [`Ranges::answer`]
/// answers one request inside a test's own handler.
pub struct Ranges {
    body: Arc<Vec<u8>>,
    etag: Option<&'static str>,
    other: Option<(Arc<Vec<u8>>, &'static str)>,
    cut: Arc<Cut>,
    answered: AtomicUsize,
}

impl Ranges {
    /// Serves `body`, without a validator and without `Accept-Ranges`, every answer whole.
    pub fn new(body: impl Into<Arc<Vec<u8>>>) -> Self {
        Ranges {
            body: body.into(),
            etag: None,
            other: None,
            cut: Arc::new(|_| None),
            answered: AtomicUsize::new(0),
        }
    }

    /// Sends `ETag: etag` and `Accept-Ranges: bytes`, and honours a range only when the
    /// request's If-Range is `etag`.
    pub fn etag(mut self, etag: &'static str) -> Self {
        self.etag = Some(etag);
        self
    }

    /// A server that ignores If-Range: every ranged answer is a 206 of `body`, another
    /// version of the file, tagged `etag`.
    pub fn ranges_of_another_version(mut self, body: Vec<u8>, etag: &'static str) -> Self {
        self.other = Some((Arc::new(body), etag));
        self
    }

    /// Ends an answer (the connection closed) at the byte of the body `cut` returns, when it
    /// returns one: a download that breaks part-way.
    pub fn cut(mut self, cut: impl Fn(&Answer) -> Option<usize> + Send + Sync + 'static) -> Self {
        self.cut = Arc::new(cut);
        self
    }

    /// Starts a plain HTTP server answering every request.
    pub fn serve(self) -> Server {
        Server::plain(move |req, s| self.answer(req, s))
    }

    /// Answers `req` on `s`.
    pub fn answer(&self, req: &Req, s: &mut Stream) -> End {
        let index = self.answered.fetch_add(1, Ordering::SeqCst);
        let len = self.body.len();
        let (head, body, from, to) = match self.honoured(req) {
            Some((from, last)) => {
                let (body, etag) = match &self.other {
                    Some((body, etag)) => (body, Some(*etag)),
                    None => (&self.body, self.etag),
                };
                let head = format!(
                    "HTTP/1.1 206 Partial Content\r\n{}Content-Length: {}\r\n\
                     Content-Range: bytes {from}-{last}/{len}\r\n\r\n",
                    validator(etag),
                    last + 1 - from
                );
                (head, body, from, last + 1)
            }
            None => {
                let head = format!(
                    "HTTP/1.1 200 OK\r\n{}Content-Length: {len}\r\n\r\n",
                    validator(self.etag)
                );
                (head, &self.body, 0, len)
            }
        };
        let _ = s.write_all(head.as_bytes());
        let end = (self.cut)(&Answer { index, from, to }).unwrap_or(to);
        let _ = s.write_all(&body[from..end.clamp(from, to)]);
        End::Close
    }

    /// The bytes `req` asks for, first and last, when this server honours its range.
    fn honoured(&self, req: &Req) -> Option<(usize, usize)> {
        let (from, last) = requested(req, self.body.len())?;
        let open_from_zero = from == 0 && req.header("range")?.ends_with('-');
        let validated = self.other.is_some()
            || self
                .etag
                .is_none_or(|etag| req.header("if-range") == Some(etag));
        (!open_from_zero && validated).then_some((from, last))
    }
}

/// The ETag and Accept-Ranges lines, where there is an ETag.
fn validator(etag: Option<&str>) -> String {
    etag.map_or_else(String::new, |etag| {
        format!("ETag: {etag}\r\nAccept-Ranges: bytes\r\n")
    })
}

/// The range `req` asks for in a body of `len` bytes, first and last byte (`bytes=A-B` or
/// `bytes=A-`).
pub fn requested(req: &Req, len: usize) -> Option<(usize, usize)> {
    let spec = req.header("range")?.strip_prefix("bytes=")?;
    let (a, b) = spec.split_once('-')?;
    let last = if b.is_empty() {
        len - 1
    } else {
        b.parse().ok()?
    };
    Some((a.parse().ok()?, last))
}
