//! The JSON log line: one object per line with `timestamp` (RFC 3339, UTC, microseconds),
//! `level`, `message` and the event's fields at the top level, the shape of
//! tracing-subscriber's flattened JSON formatter, as a tracing layer of its own.
//!
//! Why not tracing-subscriber's formatter: it serializes through serde_json into a
//! `fmt::Write` adaptor that checks UTF-8 again on every fragment, formats the timestamp
//! through `fmt` on every line, and allocates a string for every `Display` field: 19,300
//! instructions per access line (callgrind, churn), four times what the rest of a churn
//! connection costs. Here the line is built in a per-thread buffer that is reused: a string
//! with something to escape is escaped by serde_json (no escaping made by hand; one with
//! nothing to escape, most of them, is copied as it is), values shown with `Display` are
//! formatted into a reused scratch string first, numbers go through `itoa`, and the
//! timestamp's date and time of day are formatted once a second.

use std::cell::RefCell;
use std::fmt::Write as _;
use std::time::{SystemTime, UNIX_EPOCH};
use tracing::field::{Field, Visit};
use tracing::{Event, Level, Subscriber};
use tracing_subscriber::layer::{Context, Layer};

/// The layer that writes every event as a JSON line to the [`sink`](super::sink).
#[derive(Debug, Default)]
pub(super) struct JsonLayer;

impl<S: Subscriber> Layer<S> for JsonLayer {
    fn on_event(&self, event: &Event<'_>, _ctx: Context<'_, S>) {
        let write = |line: &mut Line| {
            line.format(event);
            super::sink::write(event.metadata(), &line.buf);
        };
        LINE.with(|line| match line.try_borrow_mut() {
            Ok(mut line) => write(&mut line),
            // An event logged while a field of another was being formatted.
            Err(_) => write(&mut Line::default()),
        });
    }
}

thread_local! {
    static LINE: RefCell<Line> = RefCell::default();
}

/// A thread's buffers for the line it writes.
#[derive(Default)]
struct Line {
    buf: Vec<u8>,
    /// Where a `Display` or `Debug` value is formatted before serde_json escapes it.
    scratch: String,
    clock: Clock,
}

impl Line {
    /// The whole line of `event`, newline included, in `self.buf`.
    fn format(&mut self, event: &Event<'_>) {
        let Line {
            buf,
            scratch,
            clock,
        } = self;
        buf.clear();
        buf.extend_from_slice(b"{\"timestamp\":\"");
        clock.now(buf);
        buf.extend_from_slice(b"\",\"level\":\"");
        buf.extend_from_slice(level(event.metadata().level()).as_bytes());
        buf.push(b'"');
        event.record(&mut Fields { buf, scratch });
        buf.extend_from_slice(b"}\n");
    }
}

fn level(level: &Level) -> &'static str {
    match *level {
        Level::ERROR => "ERROR",
        Level::WARN => "WARN",
        Level::INFO => "INFO",
        Level::DEBUG => "DEBUG",
        Level::TRACE => "TRACE",
    }
}

/// Writes each field as `,"name":value`.
struct Fields<'a> {
    buf: &'a mut Vec<u8>,
    scratch: &'a mut String,
}

impl Fields<'_> {
    fn key(&mut self, field: &Field) {
        self.buf.push(b',');
        self.string(field.name());
        self.buf.push(b':');
    }

    /// `value` as a JSON string: as it is when nothing in it needs escaping (the field
    /// names, addresses, numbers shown as text: most of a line), else escaped by serde_json.
    fn string(&mut self, value: &str) {
        let plain = |b: &u8| *b >= 0x20 && *b != b'"' && *b != b'\\';
        if value.as_bytes().iter().all(plain) {
            self.buf.push(b'"');
            self.buf.extend_from_slice(value.as_bytes());
            self.buf.push(b'"');
        } else {
            // Writing into a Vec cannot fail, nor can serializing a str.
            let _ = serde_json::to_writer(&mut *self.buf, value);
        }
    }

    fn integer(&mut self, field: &Field, value: impl itoa::Integer) {
        self.key(field);
        self.buf
            .extend_from_slice(itoa::Buffer::new().format(value).as_bytes());
    }

    /// A value only `fmt` can show, formatted into the scratch string and then escaped.
    fn formatted(&mut self, field: &Field, value: impl FnOnce(&mut String) -> std::fmt::Result) {
        self.key(field);
        let mut scratch = std::mem::take(self.scratch);
        scratch.clear();
        let _ = value(&mut scratch);
        self.string(&scratch);
        *self.scratch = scratch;
    }
}

impl Visit for Fields<'_> {
    fn record_str(&mut self, field: &Field, value: &str) {
        self.key(field);
        self.string(value);
    }

    fn record_u64(&mut self, field: &Field, value: u64) {
        self.integer(field, value);
    }

    fn record_i64(&mut self, field: &Field, value: i64) {
        self.integer(field, value);
    }

    fn record_u128(&mut self, field: &Field, value: u128) {
        self.integer(field, value);
    }

    fn record_i128(&mut self, field: &Field, value: i128) {
        self.integer(field, value);
    }

    fn record_bool(&mut self, field: &Field, value: bool) {
        self.key(field);
        self.buf
            .extend_from_slice(if value { b"true" } else { b"false" });
    }

    fn record_f64(&mut self, field: &Field, value: f64) {
        self.key(field);
        // serde_json writes NaN and the infinities as null, as JSON has no such numbers.
        let _ = serde_json::to_writer(&mut *self.buf, &value);
    }

    fn record_error(&mut self, field: &Field, value: &(dyn std::error::Error + 'static)) {
        self.formatted(field, |s| write!(s, "{value}"));
    }

    fn record_debug(&mut self, field: &Field, value: &dyn std::fmt::Debug) {
        self.formatted(field, |s| write!(s, "{value:?}"));
    }
}

/// The wall clock as RFC 3339 in UTC with microseconds, `2026-12-07T00:27:18.125711Z`; the
/// part up to the second is formatted (by humantime) once a second.
#[derive(Default)]
struct Clock {
    second: u64,
    /// `2026-12-07T00:27:18.` for `second`.
    prefix: Vec<u8>,
}

impl Clock {
    fn now(&mut self, buf: &mut Vec<u8>) {
        let now = SystemTime::now();
        let since = now.duration_since(UNIX_EPOCH).unwrap_or_default();
        if since.as_secs() != self.second || self.prefix.is_empty() {
            let whole = humantime::format_rfc3339_seconds(now).to_string();
            self.prefix.clear();
            self.prefix
                .extend_from_slice(whole.trim_end_matches('Z').as_bytes());
            self.prefix.push(b'.');
            self.second = since.as_secs();
        }
        buf.extend_from_slice(&self.prefix);
        let mut micros = since.subsec_micros();
        let mut digits = [b'0'; 6];
        for digit in digits.iter_mut().rev() {
            *digit = b'0' + (micros % 10) as u8;
            micros /= 10;
        }
        buf.extend_from_slice(&digits);
        buf.push(b'Z');
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    /// Formats one event with `field` set to `value` (and the message) through the layer's
    /// line, without installing a subscriber.
    fn line_of(value: &str) -> serde_json::Value {
        use tracing_subscriber::layer::SubscriberExt as _;
        let captured = std::sync::Arc::new(std::sync::Mutex::new(Vec::new()));
        let sink = Capture(captured.clone());
        let subscriber = tracing_subscriber::registry().with(sink);
        tracing::subscriber::with_default(subscriber, || {
            tracing::info!(text = value, shown = %value, n = 42u64, neg = -7i64, yes = true,
                "said {value:?}");
        });
        let bytes = captured.lock().unwrap().clone();
        assert!(
            bytes.ends_with(b"}\n"),
            "{:?}",
            String::from_utf8_lossy(&bytes)
        );
        serde_json::from_slice(&bytes).expect("one JSON object")
    }

    /// A layer that formats as [`JsonLayer`] does, into a buffer.
    struct Capture(std::sync::Arc<std::sync::Mutex<Vec<u8>>>);

    impl<S: Subscriber> Layer<S> for Capture {
        fn on_event(&self, event: &Event<'_>, _ctx: Context<'_, S>) {
            let mut line = Line::default();
            line.format(event);
            self.0.lock().unwrap().extend_from_slice(&line.buf);
        }
    }

    /// Every field comes out with its type: strings (through `Display` too) escaped, numbers
    /// and booleans bare; the timestamp is RFC 3339 UTC with microseconds.
    #[test]
    fn fields_keep_their_types() {
        let line = line_of("Tab\there \"quoted\" \\ and \u{1}");
        assert_eq!(line["level"], "INFO");
        assert_eq!(line["text"], "Tab\there \"quoted\" \\ and \u{1}");
        assert_eq!(line["shown"], line["text"]);
        assert_eq!(line["n"], 42);
        assert_eq!(line["neg"], -7);
        assert_eq!(line["yes"], true);
        assert_eq!(
            line["message"],
            format!("said {:?}", "Tab\there \"quoted\" \\ and \u{1}")
        );
        let timestamp = line["timestamp"].as_str().unwrap();
        assert_eq!(
            timestamp.len(),
            "2026-12-07T00:27:18.125711Z".len(),
            "{timestamp}"
        );
        assert!(humantime::parse_rfc3339(timestamp).is_ok(), "{timestamp}");
    }

    proptest! {
        /// Whatever a field holds, the line is one JSON object that gives it back.
        #[test]
        fn any_string_round_trips(value in any::<String>()) {
            let line = line_of(&value);
            prop_assert_eq!(line["text"].as_str(), Some(value.as_str()));
            prop_assert_eq!(line["shown"].as_str(), Some(value.as_str()));
        }
    }
}
