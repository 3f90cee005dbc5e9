//! Owns `--trace FILE`, `--trace-ascii FILE` and `--trace-time`: curl's trace of a run,
//! every byte sent and received, in curl 7.88's format (`tool_cb_dbg.c`).
//!
//! `== Info: ` lines say what happens (sockit's own words, as `-v`'s `* ` lines); each block
//! of bytes is a `=> Send header, N bytes (0xN)` (or `Send data`, `Recv header`, `Recv
//! data`) line and a dump: sixteen bytes a line in hex and text for `--trace`, 64 characters
//! a line for `--trace-ascii`, which also starts a new line after each CRLF. A response head
//! is dumped a line at a time, as curl passes it on. `--trace-time` puts the time of day
//! before each line, as `-v` lines get it too (UTC: curl prints local time).
//!
//! The trace is one file for the whole run, as curl's is a global option, so it is kept
//! process-wide: [`start`] opens it once before the first transfer, and the layers that see
//! bytes (the connection, `-v`) call the functions here without carrying a handle through
//! every signature.

use std::fs::File;
use std::io::{self, BufWriter, Write};
use std::path::Path;
use std::sync::{Mutex, OnceLock, PoisonError};
use std::time::{SystemTime, UNIX_EPOCH};

/// How bytes are dumped.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Style {
    /// `--trace`: hex and text.
    Hex,
    /// `--trace-ascii`: text only, lines split at CRLF.
    Ascii,
}

/// The run's trace: where it goes and how.
struct Tracer {
    out: Box<dyn Write + Send>,
    /// None when only `--trace-time` was given (its times go on `-v` lines).
    style: Option<Style>,
    time: bool,
}

static TRACER: OnceLock<Mutex<Tracer>> = OnceLock::new();

/// Opens the trace: `path` (`-` for stdout, `%` for stderr, as curl) in `style`, times
/// first when `time`; only `time` (no path) stamps `-v` lines. Called once, before the
/// first transfer.
pub fn start(target: Option<(&Path, Style)>, time: bool) -> io::Result<()> {
    let (out, style): (Box<dyn Write + Send>, _) = match target {
        None => (Box::new(io::sink()), None),
        Some((path, style)) if path.as_os_str() == "-" => (Box::new(io::stdout()), Some(style)),
        Some((path, style)) if path.as_os_str() == "%" => (Box::new(io::stderr()), Some(style)),
        Some((path, style)) => (Box::new(BufWriter::new(File::create(path)?)), Some(style)),
    };
    let _ = TRACER.set(Mutex::new(Tracer { out, style, time }));
    Ok(())
}

fn with<R>(f: impl FnOnce(&mut Tracer) -> R) -> Option<R> {
    let tracer = TRACER.get()?;
    let mut tracer = tracer.lock().unwrap_or_else(PoisonError::into_inner);
    Some(f(&mut tracer))
}

/// Whether a trace file is open.
pub fn active() -> bool {
    with(|t| t.style.is_some()).unwrap_or(false)
}

/// The `--trace-time` stamp for a line, or nothing.
pub fn stamp() -> String {
    match with(|t| t.time) {
        Some(true) => time_of_day(SystemTime::now()),
        _ => String::new(),
    }
}

/// `HH:MM:SS.uuuuuu ` (UTC), curl's stamp.
fn time_of_day(now: SystemTime) -> String {
    let since = now.duration_since(UNIX_EPOCH).unwrap_or_default();
    let secs = since.as_secs() % 86_400;
    format!(
        "{:02}:{:02}:{:02}.{:06} ",
        secs / 3600,
        secs / 60 % 60,
        secs % 60,
        since.subsec_micros()
    )
}

/// An `== Info: ` line.
pub fn info(text: &str) {
    write(|t, stamp| writeln!(t.out, "{stamp}== Info: {text}"));
}

/// The request head as sent.
pub fn send_header(bytes: &[u8]) {
    block("=> Send header", bytes);
}

/// Request body bytes as sent.
pub fn send_data(bytes: &[u8]) {
    block("=> Send data", bytes);
}

/// A response head (or trailers) as received, a block per line as curl passes them on.
pub fn recv_header(raw: &[u8]) {
    if !active() {
        return;
    }
    let mut rest = raw;
    while !rest.is_empty() {
        let end = rest
            .iter()
            .position(|&b| b == b'\n')
            .map_or(rest.len(), |at| at + 1);
        block("<= Recv header", &rest[..end]);
        rest = &rest[end..];
    }
}

/// Body bytes as received (before any decoding), one block per read.
pub fn recv_data(bytes: &[u8]) {
    block("<= Recv data", bytes);
}

fn block(what: &str, bytes: &[u8]) {
    write(|t, stamp| {
        let Some(style) = t.style else { return Ok(()) };
        t.out.write_all(dump(&stamp, what, bytes, style).as_bytes())
    });
}

fn write(f: impl FnOnce(&mut Tracer, String) -> io::Result<()>) {
    with(|t| {
        if t.style.is_none() {
            return;
        }
        let stamp = match t.time {
            true => time_of_day(SystemTime::now()),
            false => String::new(),
        };
        let _ = f(t, stamp).and_then(|()| t.out.flush());
    });
}

/// One block in curl's format: the title line, then the dump.
pub fn dump(stamp: &str, what: &str, bytes: &[u8], style: Style) -> String {
    let size = bytes.len();
    let mut out = format!("{stamp}{what}, {size} bytes ({size:#x})\n");
    let width = match style {
        Style::Hex => 0x10,
        Style::Ascii => 0x40,
    };
    let crlf_at = |at: usize| at + 1 < size && bytes[at] == b'\r' && bytes[at + 1] == b'\n';
    let mut i = 0;
    while i < size {
        out.push_str(&format!("{i:04x}: "));
        if style == Style::Hex {
            for c in 0..width {
                match bytes.get(i + c) {
                    Some(b) => out.push_str(&format!("{b:02x} ")),
                    None => out.push_str("   "),
                }
            }
        }
        let mut next = i + width;
        for c in 0..width.min(size - i) {
            if style == Style::Ascii && crlf_at(i + c) {
                next = i + c + 2;
                break;
            }
            let b = bytes[i + c];
            // Printable ASCII; DEL (0x7f) is a dot too, as curl 7.88 writes it.
            out.push(if (0x20..0x7f).contains(&b) {
                char::from(b)
            } else {
                '.'
            });
            if style == Style::Ascii && crlf_at(i + c + 1) {
                next = i + c + 3;
                break;
            }
        }
        out.push('\n');
        i = next;
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    /// curl 7.88's `--trace-ascii` of a request head, byte for byte.
    #[test]
    fn dumps_ascii_as_curl() {
        let head = b"GET /z HTTP/1.1\r\nHost: 127.0.0.1:8711\r\nUser-Agent: curl/7.88.1\r\nAccept: */*\r\n\r\n";
        assert_eq!(
            dump("", "=> Send header", head, Style::Ascii),
            "=> Send header, 79 bytes (0x4f)\n0000: GET /z HTTP/1.1\n0011: Host: 127.0.0.1:8711\n\
             0027: User-Agent: curl/7.88.1\n0040: Accept: */*\n004d: \n"
        );
        let data = b"(\xb5/\xfd\x04XY\x00\x00hello zstd\nlW\xf9Q";
        assert_eq!(
            dump("", "<= Recv data", data, Style::Ascii),
            "<= Recv data, 24 bytes (0x18)\n0000: (./..XY..hello zstd.lW.Q\n"
        );
        assert_eq!(
            dump("", "<= Recv data", b"~\x7f\x80 ", Style::Ascii),
            "<= Recv data, 4 bytes (0x4)\n0000: ~.. \n"
        );
    }

    /// curl 7.88's `--trace` (hex) of the same bytes.
    #[test]
    fn dumps_hex_as_curl() {
        let line = b"HTTP/1.1 200 OK\r\n";
        assert_eq!(
            dump("", "<= Recv header", line, Style::Hex),
            "<= Recv header, 17 bytes (0x11)\n\
             0000: 48 54 54 50 2f 31 2e 31 20 32 30 30 20 4f 4b 0d HTTP/1.1 200 OK.\n\
             0010: 0a                                              .\n"
        );
    }

    /// A text line longer than 64 characters wraps, and a CRLF right at the wrap does not
    /// leave an empty line, as in curl.
    #[test]
    fn wraps_long_ascii_lines_as_curl() {
        let mut text = vec![b'a'; 64];
        text.extend_from_slice(b"\r\nb");
        assert_eq!(
            dump("", "x", &text, Style::Ascii),
            format!("x, 67 bytes (0x43)\n0000: {}\n0042: b\n", "a".repeat(64))
        );
        assert_eq!(time_of_day(UNIX_EPOCH).len(), "00:00:00.000000 ".len());
    }
}
