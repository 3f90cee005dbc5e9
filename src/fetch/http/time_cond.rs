//! Owns `-z`'s time condition as rules: the header it adds to the request, and whether a
//! response meets it, which curl checks itself when a server ignores the header (a `200`
//! whose `Last-Modified` fails the condition is taken as curl's simulated 304: no body).

use super::curl_date;
use super::head::Head;
use super::request::HeaderEdit;

/// Which condition `-z` sets, by the sign of its argument.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TimeKind {
    /// `-z DATE` or `-z +DATE`: If-Modified-Since.
    Modified,
    /// `-z -DATE`: If-Unmodified-Since.
    Unmodified,
    /// `-z =DATE`: a `Last-Modified` request header, as curl sends it.
    LastModified,
}

/// A time condition: its kind and its Unix time.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TimeCond {
    /// Which condition.
    pub kind: TimeKind,
    /// The time, in seconds since the epoch (UTC).
    pub at: i64,
}

impl TimeCond {
    /// The request header that carries the condition.
    pub fn header(&self) -> HeaderEdit {
        let name = match self.kind {
            TimeKind::Modified => "If-Modified-Since",
            TimeKind::Unmodified => "If-Unmodified-Since",
            TimeKind::LastModified => "Last-Modified",
        };
        HeaderEdit::Send {
            name: name.into(),
            line: format!("{name}: {}", curl_date::http_date(self.at)),
        }
    }

    /// Whether `head`'s document meets the condition, as curl judges it: a document with
    /// no `Last-Modified` does; one curl cannot read is taken as older than any time.
    pub fn met_by(&self, head: &Head) -> bool {
        let Some(text) = head.get("last-modified") else {
            return true;
        };
        let doc = curl_date::parse(text).unwrap_or(-1);
        if doc == 0 || self.at == 0 {
            return true;
        }
        match self.kind {
            TimeKind::Modified => doc > self.at,
            TimeKind::Unmodified => doc <= self.at,
            TimeKind::LastModified => true,
        }
    }
}
