//! Owns `-w/--write-out`: the numbers one transfer leaves behind ([`Stats`]) and curl's
//! format language that prints them: `%{variable}`, `%{json}`, `%{stdout}`/`%{stderr}` to
//! switch streams, `%%`, and `\n \r \t \\`.
//!
//! Rendering is pure (stats and format in, bytes per stream out) so every variable is
//! tested without a server.

use std::time::Duration;

/// What one transfer did, as `-w` reports it.
#[derive(Debug, Clone, Default)]
pub struct Stats {
    /// The last response's status (0 when none arrived).
    pub http_code: u16,
    /// Body bytes received, as they came over the wire (before `--compressed` decoding).
    pub size_download: u64,
    /// Bytes of every response head received (redirects and 1xx included).
    pub size_header: u64,
    /// From the start until the TCP connection was up.
    pub time_connect: Option<Duration>,
    /// From the start until the first byte of the response.
    pub time_starttransfer: Option<Duration>,
    /// From the start until the end.
    pub time_total: Duration,
    /// The last URL requested.
    pub url_effective: String,
    /// Redirects followed.
    pub num_redirects: u32,
    /// The last response's Content-Type.
    pub content_type: Option<String>,
    /// The exit code.
    pub exitcode: u8,
    /// The error message (empty on success).
    pub errormsg: String,
}

/// Where a piece of `-w` output goes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Stream {
    /// stdout (the default).
    Stdout,
    /// stderr, after `%{stderr}`.
    Stderr,
}

/// The variables `%{json}` prints, in order; each is also `%{name}`.
const NAMES: [&str; 12] = [
    "content_type",
    "errormsg",
    "exitcode",
    "http_code",
    "num_redirects",
    "size_download",
    "size_header",
    "speed_download",
    "time_connect",
    "time_starttransfer",
    "time_total",
    "url_effective",
];

impl Stats {
    /// One variable as `-w` prints it; None for a name it does not know.
    fn value(&self, name: &str) -> Option<Value> {
        let secs = |d: Option<Duration>| Value::Secs(d.unwrap_or_default());
        Some(match name {
            "http_code" | "response_code" => Value::Code(self.http_code),
            "size_download" => Value::Int(self.size_download),
            "size_header" => Value::Int(self.size_header),
            "speed_download" => Value::Int(self.speed_download()),
            "time_connect" => secs(self.time_connect),
            "time_starttransfer" => secs(self.time_starttransfer),
            "time_total" => Value::Secs(self.time_total),
            "url_effective" => Value::Text(self.url_effective.clone()),
            "num_redirects" => Value::Int(u64::from(self.num_redirects)),
            "exitcode" => Value::Int(u64::from(self.exitcode)),
            "errormsg" => Value::Text(self.errormsg.clone()),
            "content_type" => Value::Text(self.content_type.clone().unwrap_or_default()),
            _ => return None,
        })
    }

    /// Bytes per second over the whole transfer, as curl rounds it.
    fn speed_download(&self) -> u64 {
        let secs = self.time_total.as_secs_f64();
        if secs > 0.0 {
            (self.size_download as f64 / secs) as u64
        } else {
            0
        }
    }

    /// Every variable as one JSON object.
    fn json(&self) -> String {
        let mut map = serde_json::Map::new();
        for name in NAMES {
            let json = match self.value(name) {
                Some(Value::Int(n)) => serde_json::Value::from(n),
                Some(Value::Code(n)) => serde_json::Value::from(n),
                Some(Value::Secs(d)) => serde_json::Value::from(d.as_secs_f64()),
                Some(Value::Text(t)) => serde_json::Value::from(t),
                None => serde_json::Value::Null,
            };
            map.insert(name.to_string(), json);
        }
        serde_json::Value::Object(map).to_string()
    }
}

enum Value {
    Int(u64),
    /// A status code: three digits in text, a number in JSON.
    Code(u16),
    Secs(Duration),
    Text(String),
}

impl std::fmt::Display for Value {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Value::Int(n) => write!(f, "{n}"),
            Value::Code(n) => write!(f, "{n:03}"),
            Value::Secs(d) => write!(f, "{:.6}", d.as_secs_f64()),
            Value::Text(t) => f.write_str(t),
        }
    }
}

/// Renders `format` for `stats`: the text for each stream, in order of appearance. An
/// unknown `%{name}` is printed as it was written, as curl does (with a warning there).
///
/// ```
/// use sockit::fetch::writeout::{render, Stats, Stream};
///
/// let stats = Stats { http_code: 200, size_download: 5, ..Stats::default() };
/// let out = render("%{http_code} %{size_download}\\n%{stderr}done", &stats);
/// assert_eq!(out, [(Stream::Stdout, "200 5\n".to_string()), (Stream::Stderr, "done".into())]);
/// ```
pub fn render(format: &str, stats: &Stats) -> Vec<(Stream, String)> {
    let mut pieces = vec![(Stream::Stdout, String::new())];
    let mut rest = format;
    while let Some(c) = rest.chars().next() {
        let out = &mut pieces.last_mut().expect("never empty").1;
        if let Some(after) = rest.strip_prefix("%{") {
            if let Some(end) = after.find('}') {
                let name = &after[..end];
                rest = &after[end + 1..];
                let stream = match name {
                    "stdout" => Some(Stream::Stdout),
                    "stderr" => Some(Stream::Stderr),
                    _ => None,
                };
                match (stream, name, stats.value(name)) {
                    (Some(s), _, _) => pieces.push((s, String::new())),
                    (None, "json", _) => out.push_str(&stats.json()),
                    (None, _, Some(v)) => out.push_str(&v.to_string()),
                    (None, _, None) => out.push_str(&format!("%{{{name}}}")),
                }
                continue;
            }
        }
        let (text, used) = match (c, rest.as_bytes().get(1)) {
            ('%', Some(b'%')) => ("%", 2),
            ('\\', Some(b'n')) => ("\n", 2),
            ('\\', Some(b'r')) => ("\r", 2),
            ('\\', Some(b't')) => ("\t", 2),
            ('\\', Some(b'\\')) => ("\\", 2),
            _ => (&rest[..c.len_utf8()], c.len_utf8()),
        };
        out.push_str(text);
        rest = &rest[used..];
    }
    pieces.retain(|(_, text)| !text.is_empty());
    pieces
}

#[cfg(test)]
mod tests {
    use super::*;

    fn stats() -> Stats {
        Stats {
            http_code: 404,
            size_download: 2000,
            size_header: 120,
            time_connect: Some(Duration::from_millis(1)),
            time_starttransfer: Some(Duration::from_millis(2)),
            time_total: Duration::from_secs(2),
            url_effective: "http://h/x".into(),
            num_redirects: 1,
            content_type: Some("text/plain".into()),
            exitcode: 22,
            errormsg: "the requested URL returned error: 404".into(),
        }
    }

    fn one(format: &str) -> String {
        render(format, &stats())
            .into_iter()
            .map(|(_, t)| t)
            .collect()
    }

    #[test]
    fn every_variable_prints() {
        assert_eq!(
            one("%{http_code} %{size_download} %{size_header} %{speed_download}"),
            "404 2000 120 1000"
        );
        assert_eq!(
            one("%{time_connect} %{time_starttransfer} %{time_total}"),
            "0.001000 0.002000 2.000000"
        );
        assert_eq!(
            one("%{url_effective} %{num_redirects} %{exitcode} %{content_type}"),
            "http://h/x 1 22 text/plain"
        );
        assert_eq!(one("%{errormsg}"), "the requested URL returned error: 404");
        assert_eq!(one("%{nope} 100%% \\t\\\\"), "%{nope} 100% \t\\");
        assert_eq!(render("", &stats()), []);
        assert_eq!(one("%{http_code"), "%{http_code");
    }

    #[test]
    fn json_has_every_variable() {
        let json: serde_json::Value = serde_json::from_str(&one("%{json}")).unwrap();
        assert_eq!(json["http_code"], 404);
        assert_eq!(json["size_download"], 2000);
        assert_eq!(json["time_total"], 2.0);
        assert_eq!(json.as_object().unwrap().len(), NAMES.len());
    }

    #[test]
    fn streams_switch() {
        let out = render("a%{stderr}b%{stdout}c", &stats());
        assert_eq!(
            out,
            [
                (Stream::Stdout, "a".to_string()),
                (Stream::Stderr, "b".into()),
                (Stream::Stdout, "c".into())
            ]
        );
    }
}
