//! Owns `-w/--write-out`: the numbers one transfer leaves behind ([`Stats`]) and curl's
//! format language that prints them: every `%{variable}` curl 7.88 documents,
//! `%header{name}`, `%{json}`, `%{header_json}`, `%{onerror}`, `%{stdout}`/`%{stderr}` to
//! switch streams, `%%`, and `\n \r \t \\`.
//!
//! Rendering is pure (stats and format in, bytes per stream out) so every variable is
//! tested without a server.

use std::net::SocketAddr;
use std::time::Duration;

/// What one transfer did, as `-w` reports it.
#[derive(Debug, Clone, Default)]
pub struct Stats {
    /// The last response's status (0 when none arrived).
    pub http_code: u16,
    /// The proxy's last answer to CONNECT (0 when none was asked).
    pub http_connect: u16,
    /// Body bytes received, as they came over the wire (before `--compressed` decoding).
    pub size_download: u64,
    /// Bytes of every response head received (redirects, 1xx and a proxy's answers to
    /// CONNECT included).
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
    /// The URL as given (before redirects).
    pub url: String,
    /// Which of the run's URLs this is, from 0.
    pub urlnum: usize,
    /// The last request's method.
    pub method: String,
    /// The last request's scheme, upper case as curl prints it.
    pub scheme: String,
    /// The last response's HTTP version: 10 for 1.0, 11 for 1.1, 20 for 2 (None: no
    /// response).
    pub http_version: Option<u8>,
    /// Where the last response redirects to, when it was not followed.
    pub redirect_url: Option<String>,
    /// The Referer sent.
    pub referer: Option<String>,
    /// The last response's header fields, in order.
    pub headers: Vec<(String, String)>,
    /// New connections opened (a kept-alive one reused is not one).
    pub num_connects: u32,
    /// The last connection's local and remote addresses.
    pub local: Option<SocketAddr>,
    /// The last connection's remote address (the proxy's through one).
    pub remote: Option<SocketAddr>,
    /// Bytes of requests sent, heads and bodies.
    pub size_request: u64,
    /// Request body bytes sent.
    pub size_upload: u64,
    /// From the start until the name was resolved.
    pub time_namelookup: Option<Duration>,
    /// From the start until the TLS handshake was done (https only).
    pub time_appconnect: Option<Duration>,
    /// From the start until the last request was about to go out.
    pub time_pretransfer: Option<Duration>,
    /// The time redirects took before the last request started.
    pub time_redirect: Option<Duration>,
    /// The file the body went to (empty: stdout).
    pub filename_effective: Option<String>,
}

/// Where a piece of `-w` output goes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Channel {
    /// stdout (the default).
    Stdout,
    /// stderr, after `%{stderr}`.
    Stderr,
}

/// The variables `%{json}` prints, in order; each is also `%{name}`.
const NAMES: [&str; 37] = [
    "content_type",
    "errormsg",
    "exitcode",
    "filename_effective",
    "ftp_entry_path",
    "http_code",
    "http_connect",
    "http_version",
    "local_ip",
    "local_port",
    "method",
    "num_connects",
    "num_headers",
    "num_redirects",
    "proxy_ssl_verify_result",
    "redirect_url",
    "referer",
    "remote_ip",
    "remote_port",
    "response_code",
    "scheme",
    "size_download",
    "size_header",
    "size_request",
    "size_upload",
    "speed_download",
    "speed_upload",
    "ssl_verify_result",
    "time_appconnect",
    "time_connect",
    "time_namelookup",
    "time_pretransfer",
    "time_redirect",
    "time_starttransfer",
    "time_total",
    "url",
    "url_effective",
];

impl Stats {
    /// One variable as `-w` prints it; None for a name it does not know.
    fn value(&self, name: &str) -> Option<Value> {
        let secs = |d: Option<Duration>| Value::Secs(d.unwrap_or_default());
        let text = |t: &Option<String>| Value::Text(t.clone().unwrap_or_default());
        let int = |n: usize| Value::Int(n as u64);
        Some(match name {
            "http_code" | "response_code" => Value::Code(self.http_code),
            "http_connect" => Value::Code(self.http_connect),
            "size_download" => Value::Int(self.size_download),
            "size_header" => Value::Int(self.size_header),
            "size_request" => Value::Int(self.size_request),
            "size_upload" => Value::Int(self.size_upload),
            "speed_download" => Value::Int(self.speed(self.size_download)),
            "speed_upload" => Value::Int(self.speed(self.size_upload)),
            "time_namelookup" => secs(self.time_namelookup),
            "time_connect" => secs(self.time_connect),
            "time_appconnect" => secs(self.time_appconnect),
            "time_pretransfer" => secs(self.time_pretransfer),
            "time_redirect" => secs(self.time_redirect),
            "time_starttransfer" => secs(self.time_starttransfer),
            "time_total" => Value::Secs(self.time_total),
            "url" => Value::Text(self.url.clone()),
            "url_effective" => Value::Text(self.url_effective.clone()),
            "urlnum" => int(self.urlnum),
            "redirect_url" => text(&self.redirect_url),
            "referer" => text(&self.referer),
            "num_redirects" => Value::Int(u64::from(self.num_redirects)),
            "num_connects" => Value::Int(u64::from(self.num_connects)),
            "num_headers" => int(self.headers.len()),
            "exitcode" => Value::Int(u64::from(self.exitcode)),
            "errormsg" => Value::Text(self.errormsg.clone()),
            "content_type" => text(&self.content_type),
            "filename_effective" => text(&self.filename_effective),
            "method" => Value::Text(self.method.clone()),
            "scheme" => Value::Text(self.scheme.clone()),
            "http_version" => Value::Text(match self.http_version {
                Some(10) => "1".into(),
                Some(11) => "1.1".into(),
                Some(20) => "2".into(),
                Some(30) => "3".into(),
                _ => "0".into(),
            }),
            "local_ip" => Value::Text(self.local.map(|a| a.ip().to_string()).unwrap_or_default()),
            "local_port" => int(self.local.map_or(0, |a| usize::from(a.port()))),
            "remote_ip" => Value::Text(self.remote.map(|a| a.ip().to_string()).unwrap_or_default()),
            "remote_port" => int(self.remote.map_or(0, |a| usize::from(a.port()))),
            // A verification failure is an error, so a finished transfer verified (0).
            "ssl_verify_result" | "proxy_ssl_verify_result" => Value::Int(0),
            "ftp_entry_path" => Value::Text(String::new()),
            "header_json" => Value::Json(self.header_json()),
            _ => return None,
        })
    }

    /// `bytes` per second over the whole transfer, as curl rounds it.
    fn speed(&self, bytes: u64) -> u64 {
        let secs = self.time_total.as_secs_f64();
        if secs > 0.0 {
            (bytes as f64 / secs) as u64
        } else {
            0
        }
    }

    /// `%header{name}`: the last response's values of `name`, joined with `, ` as curl
    /// joins them.
    fn header(&self, name: &str) -> String {
        let values: Vec<&str> = self
            .headers
            .iter()
            .filter(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
            .collect();
        values.join(", ")
    }

    /// `%{header_json}`: the last response's fields, lower-case names to lists of values,
    /// in the order they came and laid out as curl lays them out (one name a line).
    fn header_json(&self) -> String {
        let mut names: Vec<(String, Vec<serde_json::Value>)> = Vec::new();
        for (name, value) in &self.headers {
            let name = name.to_ascii_lowercase();
            let value = serde_json::Value::from(value.as_str());
            match names.iter_mut().find(|(n, _)| *n == name) {
                Some((_, values)) => values.push(value),
                None => names.push((name, vec![value])),
            }
        }
        let lines: Vec<String> = names
            .into_iter()
            .map(|(name, values)| {
                format!(
                    "{}:{}",
                    serde_json::Value::from(name),
                    serde_json::Value::from(values)
                )
            })
            .collect();
        format!("{{{}\n}}", lines.join(",\n"))
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
                Some(Value::Json(_)) | None => serde_json::Value::Null,
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
    /// Already JSON text (`%{header_json}`).
    Json(String),
}

impl std::fmt::Display for Value {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Value::Int(n) => write!(f, "{n}"),
            Value::Code(n) => write!(f, "{n:03}"),
            Value::Secs(d) => write!(f, "{:.6}", d.as_secs_f64()),
            Value::Text(t) | Value::Json(t) => f.write_str(t),
        }
    }
}

/// Renders `format` for `stats`: the text for each stream, in order of appearance. An
/// unknown `%{name}` is printed as it was written, as curl does (with a warning there);
/// `%{onerror}` ends the output there unless the transfer failed.
///
/// ```
/// use sockit::fetch::writeout::{render, Stats, Channel};
///
/// let stats = Stats { http_code: 200, size_download: 5, ..Stats::default() };
/// let out = render("%{http_code} %{size_download}\\n%{stderr}done", &stats);
/// assert_eq!(out, [(Channel::Stdout, "200 5\n".to_string()), (Channel::Stderr, "done".into())]);
/// ```
pub fn render(format: &str, stats: &Stats) -> Vec<(Channel, String)> {
    let mut pieces = vec![(Channel::Stdout, String::new())];
    let mut rest = format;
    while let Some(c) = rest.chars().next() {
        let out = &mut pieces.last_mut().expect("never empty").1;
        if let Some((name, after)) = rest
            .strip_prefix("%header{")
            .and_then(|r| r.split_once('}'))
        {
            out.push_str(&stats.header(name));
            rest = after;
            continue;
        }
        if rest.starts_with("%{onerror}") {
            if stats.exitcode == 0 {
                break;
            }
            rest = &rest["%{onerror}".len()..];
            continue;
        }
        if let Some(after) = rest.strip_prefix("%{") {
            if let Some(end) = after.find('}') {
                let name = &after[..end];
                rest = &after[end + 1..];
                let stream = match name {
                    "stdout" => Some(Channel::Stdout),
                    "stderr" => Some(Channel::Stderr),
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
            headers: vec![
                ("Content-Type".into(), "text/plain".into()),
                ("Set-Cookie".into(), "a=1".into()),
                ("set-cookie".into(), "b=2".into()),
            ],
            http_version: Some(11),
            ..Stats::default()
        }
    }

    /// `%header{name}` joins repeated fields as curl does, `%{header_json}` groups them in
    /// curl's layout, and `%{onerror}` cuts the rest off a transfer that succeeded.
    #[test]
    fn headers_and_onerror() {
        assert_eq!(one("%header{set-cookie}|%header{none}|"), "a=1, b=2||");
        assert_eq!(
            one("%{header_json}"),
            "{\"content-type\":[\"text/plain\"],\n\"set-cookie\":[\"a=1\",\"b=2\"]\n}"
        );
        assert_eq!(one("%{http_version} %{num_headers}"), "1.1 3");
        assert_eq!(one("a%{onerror}b"), "ab");
        let fine = Stats::default();
        assert_eq!(
            render("a%{onerror}b", &fine),
            [(Channel::Stdout, "a".into())]
        );
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
                (Channel::Stdout, "a".to_string()),
                (Channel::Stderr, "b".into()),
                (Channel::Stdout, "c".into())
            ]
        );
    }
}
