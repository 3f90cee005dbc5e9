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
    /// no `Last-Modified` does; one curl cannot read is taken as older than any time; one
    /// modified exactly at the time is neither newer nor older, so it meets neither.
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
            TimeKind::Unmodified => doc < self.at,
            TimeKind::LastModified => true,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::fetch::http::head::{parse, Parsed};

    /// A head whose `Last-Modified` is `date`.
    fn dated(date: &str) -> Head {
        let bytes = format!("HTTP/1.1 200 OK\r\nLast-Modified: {date}\r\n\r\n");
        let Ok(Parsed::Complete(head, _)) = parse(bytes.as_bytes()) else {
            panic!("a complete head")
        };
        head
    }

    /// A document modified exactly at `-z`'s time is not older than it: curl 7.88 drops its
    /// body for `-z -DATE` ("not old enough"), as it does for `-z DATE` ("not new enough").
    #[test]
    fn a_document_of_the_same_second_meets_neither_condition() {
        let head = dated("Sun, 09 Sep 2001 01:46:40 GMT");
        for kind in [TimeKind::Modified, TimeKind::Unmodified] {
            let cond = TimeCond {
                kind,
                at: 1_000_000_000,
            };
            assert!(!cond.met_by(&head), "{kind:?}");
        }
        let later = TimeCond {
            kind: TimeKind::Unmodified,
            at: 1_000_000_001,
        };
        assert!(later.met_by(&head));
    }
}
