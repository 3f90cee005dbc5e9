//! Fuzz entry points: one function per parser, each taking arbitrary bytes and panicking when
//! a property of that parser breaks.
//!
//! The cargo-fuzz targets in `fuzz/` and the corpus replay test at the end of this file call
//! these same functions, so every input a fuzzer ever kept is checked again by `cargo test`
//! on the stable toolchain. They wrap crate-internal parsers, which is why they live in the
//! library; they are not an API: the module is compiled only with the `fuzzing` feature
//! (which `fuzz/Cargo.toml` turns on) and in the crate's own tests. See docs/TESTING.md for
//! how to run them.
//!
//! Most targets read their first bytes as parameters (a framing, a limit, where to cut the
//! input into reads) and the rest as the input, so a fuzzer explores both at once.

use crate::fetch::body::{BodyDecoder, BodyError, BodyStep};
use crate::fetch::decode::{BodySink, ContentDecoder, Sink};
use crate::fetch::glob::Glob;
use crate::fetch::head::{self, BodyFraming, Parsed};
use crate::fetch::http::redirect::{is_redirect, Redirects};
use crate::fetch::http::request::RequestSpec;
use crate::fetch::http::target::Typed;
use crate::fetch::output::file;
use crate::fetch::{parse_url_with, FetchError};
use crate::protocol::{Framing, Session, Step, DEFAULT_MAX_LINE};
use std::cell::Cell;
use std::io::{self, Write};
use std::path::{Component, Path};
use std::rc::Rc;

/// A fuzz target's entry point: arbitrary bytes in, a panic when a property breaks.
pub type Target = fn(&[u8]);

/// The names of the targets, as directories under `fuzz/corpus/`, with their entry points.
pub const TARGETS: [(&str, Target); 19] = [
    ("protocol", protocol),
    ("head", head),
    ("chunked", chunked),
    ("content", content),
    ("url", url),
    ("remote_name", remote_name),
    ("proxy_header", proxy_header),
    ("netrc", netrc),
    ("config_file", config_file),
    ("segments_sidecar", segments_sidecar),
    ("url_glob", url_glob),
    ("cookies", cookies),
    ("form", form),
    ("digest_challenge", digest_challenge),
    ("curl_date", curl_date),
    ("disposition", disposition),
    ("ocsp_staple", ocsp_staple),
    ("alt_svc", alt_svc),
    ("hsts", hsts),
];

/// The first byte of `data` as flags, then up to 7 read boundaries (two bytes each, taken
/// modulo the input length), then the input itself.
struct Split<'a> {
    flags: u8,
    cuts: Vec<usize>,
    input: &'a [u8],
}

impl<'a> Split<'a> {
    fn new(data: &'a [u8]) -> Self {
        let Some((&flags, rest)) = data.split_first() else {
            return Split {
                flags: 0,
                cuts: Vec::new(),
                input: data,
            };
        };
        let count = usize::from(flags >> 5).min(rest.len() / 2);
        let (header, input) = rest.split_at(count * 2);
        let mut cuts: Vec<usize> = header
            .chunks(2)
            .map(|p| usize::from(u16::from_le_bytes([p[0], p[1]])) % (input.len() + 1))
            .collect();
        cuts.sort_unstable();
        Split { flags, cuts, input }
    }

    /// The input cut at the boundaries into non-empty reads.
    fn pieces(&self) -> Vec<&'a [u8]> {
        let mut pieces = Vec::new();
        let mut start = 0;
        for &end in self.cuts.iter().chain(std::iter::once(&self.input.len())) {
            if end > start {
                pieces.push(&self.input[start..end]);
                start = end;
            }
        }
        pieces
    }

    /// The input as one read.
    fn whole(&self) -> Vec<&'a [u8]> {
        if self.input.is_empty() {
            Vec::new()
        } else {
            vec![self.input]
        }
    }
}

/// The hello protocol over arbitrary reads: line framing gives the same replies however the
/// bytes are split (and matches a slow model of the spec); chunk framing answers each read.
pub fn protocol(data: &[u8]) {
    let split = Split::new(data);
    let max_line = match split.flags & 0x1f {
        0x1f => DEFAULT_MAX_LINE,
        n => usize::from(n >> 1) + 1,
    };
    if split.flags & 1 == 0 {
        let whole = run_session(Framing::Line, max_line, &split.whole());
        assert_eq!(whole, run_session(Framing::Line, max_line, &split.pieces()));
        assert_eq!(whole.0, line_model(split.input, max_line));
        if split.input.len() <= 4096 {
            let bytes: Vec<&[u8]> = split.input.chunks(1).collect();
            assert_eq!(whole, run_session(Framing::Line, max_line, &bytes));
        }
    } else {
        let pieces = split.pieces();
        let got = run_session(Framing::Chunk, max_line, &pieces);
        assert_eq!(got.0, chunk_model(&pieces));
    }
}

/// Feeds `reads` to a fresh session, then EOF; returns the replies and the final step.
fn run_session(framing: Framing, max_line: usize, reads: &[&[u8]]) -> (Vec<u8>, Step) {
    let mut session = Session::new(framing, max_line);
    let mut out = Vec::new();
    for read in reads {
        let step = session.feed(read, &mut out);
        if step != Step::Continue {
            assert!(!session.has_partial(), "a finished session keeps a buffer");
            return (out, step);
        }
        if framing == Framing::Line && read.ends_with(b"\n") {
            assert!(!session.has_partial(), "a buffer outlives its line");
        }
    }
    let step = session.finish(&mut out);
    (out, step)
}

/// Line framing as docs/PROTOCOL.md states it, the slow obvious way: the reference both the
/// `protocol` target and the property tests in `protocol.rs` compare the session with.
pub fn line_model(input: &[u8], max_line: usize) -> Vec<u8> {
    let mut out = Vec::new();
    let mut rest = input;
    while !rest.is_empty() {
        let (line, next, terminated) = match rest.iter().position(|&b| b == b'\n') {
            Some(i) => (&rest[..i], &rest[i + 1..], true),
            None => (rest, &rest[rest.len()..], false),
        };
        let line = match terminated {
            true => line.strip_suffix(b"\r").unwrap_or(line),
            false => line,
        };
        if line.len() > max_line || line == b"exit" {
            break;
        }
        out.extend_from_slice(b"Hello, ");
        out.extend_from_slice(line);
        out.extend_from_slice(b"!\n");
        rest = next;
    }
    out
}

/// Chunk framing: one reply per read, no newline, until a read that is exactly `exit`.
fn chunk_model(reads: &[&[u8]]) -> Vec<u8> {
    let mut out = Vec::new();
    for read in reads.iter().take_while(|r| **r != b"exit") {
        out.extend_from_slice(b"Hello, ");
        out.extend_from_slice(read);
        out.extend_from_slice(b"!");
    }
    out
}

/// The response head parser: never panics; parsing by re-parsing is consistent (a prefix
/// that parses completely gives what the whole input gives, every prefix shorter than a
/// complete head is partial); the framing and range helpers never panic on what it accepts.
pub fn head(data: &[u8]) {
    let split = Split::new(data);
    let input = split.input;
    let whole = head::parse(input);
    for &cut in &split.cuts {
        let prefix = head::parse(&input[..cut]);
        match &whole {
            Ok(Parsed::Complete(_, used)) if cut < *used => {
                assert_eq!(prefix, Ok(Parsed::Partial), "prefix of {cut} bytes")
            }
            Ok(Parsed::Complete(..)) => assert_eq!(prefix, whole, "prefix of {cut} bytes"),
            _ => assert!(
                !matches!(prefix, Ok(Parsed::Complete(..))),
                "prefix of {cut}"
            ),
        }
    }
    let Ok(Parsed::Complete(parsed, used)) = whole else {
        return;
    };
    assert!(used <= input.len() && input[..used].ends_with(&parsed.raw));
    for method in ["GET", "HEAD"] {
        if let Ok(BodyFraming::Length(n)) = parsed.framing(method) {
            assert!(parsed.values("content-length").next().is_some() || n == 0);
        }
    }
    let _ = (parsed.content_range(), parsed.unsatisfied_range_total());
    let _ = (parsed.get("location"), parsed.is_interim());
}

/// What a body decoder made of some reads.
#[derive(Debug, PartialEq, Eq)]
struct Decoded {
    body: Vec<u8>,
    done: bool,
    trailers: Vec<u8>,
    /// Input bytes after the body's end.
    left: usize,
}

/// Body framing (chunked with extensions and trailers, mostly): the same body, trailers,
/// end and error however the input is split into reads.
pub fn chunked(data: &[u8]) {
    let split = Split::new(data);
    let framing = match split.flags & 3 {
        0 | 1 => BodyFraming::Chunked,
        2 => BodyFraming::Length(u64::from(split.flags >> 2) * 37),
        _ => BodyFraming::Close,
    };
    let whole = decode_body(framing, &split.whole());
    assert_eq!(whole, decode_body(framing, &split.pieces()));
    if let Ok(d) = &whole {
        assert!(d.trailers.len() <= 64 * 1024, "trailers past their bound");
    }
}

fn decode_body(framing: BodyFraming, reads: &[&[u8]]) -> Result<Decoded, BodyError> {
    let mut decoder = BodyDecoder::new(framing);
    let mut body = Vec::new();
    let mut left = 0;
    for (i, read) in reads.iter().enumerate() {
        let mut piece = *read;
        while !piece.is_empty() && !decoder.is_done() {
            let (used, step) = decoder.step(piece)?;
            assert!(used <= piece.len());
            match step {
                BodyStep::Data(d) => body.extend_from_slice(d),
                BodyStep::Need => assert_eq!(used, piece.len(), "Need before the read ends"),
                BodyStep::Done => assert!(decoder.is_done()),
            }
            piece = &piece[used..];
        }
        if decoder.is_done() {
            left = piece.len() + reads[i + 1..].iter().map(|r| r.len()).sum::<usize>();
            break;
        }
    }
    assert_eq!(decoder.received(), body.len() as u64);
    Ok(Decoded {
        body,
        done: decoder.is_done(),
        trailers: decoder.trailers().to_vec(),
        left,
    })
}

/// Collects decoded bytes for [`content`], with a count the caller can watch while the
/// decoder owns the sink.
#[derive(Default)]
struct Collect {
    bytes: Vec<u8>,
    written: Rc<Cell<u64>>,
}

impl Write for Collect {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        self.bytes.extend_from_slice(buf);
        self.written.set(self.bytes.len() as u64);
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

/// The content decoders (gzip, deflate, br, zstd, and stacks of them): never panic, never write more than the bomb
/// guard allows for the compressed bytes seen so far, and give the same output however the
/// body is split when both runs succeed.
pub fn content(data: &[u8]) {
    let split = Split::new(data);
    let coding = [
        "gzip",
        "deflate",
        "br",
        "x-gzip",
        "zstd",
        "gzip, br",
        "zstd, gzip",
        "deflate, zstd",
    ][usize::from(split.flags & 7)];
    let whole = decode_content(coding, &split.whole());
    let pieces = decode_content(coding, &split.pieces());
    if let (Ok(a), Ok(b)) = (&whole, &pieces) {
        assert_eq!(a, b, "{coding} output depends on the read boundaries");
    }
}

/// The `--max-filesize` the content target decodes under: what bounds a decompression bomb.
const DECODED_LIMIT: u64 = 1 << 20;

fn decode_content(coding: &str, reads: &[&[u8]]) -> Result<Vec<u8>, FetchError> {
    let sink = Collect::default();
    let written = Rc::clone(&sink.written);
    let mut decoder = ContentDecoder::new(sink, Some(coding), true, Some(DECODED_LIMIT))?;
    for read in reads {
        let result = decoder.push(read);
        assert!(
            written.get() <= DECODED_LIMIT,
            "{coding} wrote past the limit"
        );
        result?;
    }
    let out = decoder.finish()?.bytes;
    assert!(
        out.len() as u64 <= DECODED_LIMIT,
        "{coding} wrote past the limit at the end"
    );
    Ok(out)
}

/// Whether a `[x-y]` range of `url` may end at or past `{`: curl takes any range of at
/// most 26 characters from a letter, so `[e-~:2]` expands to `}` among others (the fuzzer's
/// find), and that brace is the glob's output, not syntax left over.
fn range_reaches_braces(url: &str) -> bool {
    url.split('[').skip(1).any(|after| {
        let inside = after.split(']').next().unwrap_or(after);
        inside.bytes().any(|b| b >= b'{')
    })
}

/// curl's URL globs: a URL (before the first `\n`) and an `-o` name (after it). A glob parses
/// or is refused with a column inside the URL; one that parses expands at its first, middle
/// and last index without a panic, each expansion free of unescaped glob syntax when the URL
/// had no escapes, and names the output.
pub fn url_glob(data: &[u8]) {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let (url, name) = text.split_once('\n').unwrap_or((text, "#1"));
    match Glob::parse(url) {
        Ok(glob) => {
            let count = glob.count();
            assert!(count >= 1, "{url:?} expands to nothing");
            for index in [0, count / 2, count - 1] {
                let expanded = glob.nth(index);
                let _ = expanded.name(name);
                if !url.contains('\\') && !range_reaches_braces(url) {
                    assert!(
                        !expanded.url.contains(['{', '}']),
                        "{url:?} left a brace in {:?}",
                        expanded.url
                    );
                }
            }
        }
        Err(e) => {
            assert!(e.column <= url.len() + 1, "{url:?}: column {}", e.column);
            assert!(e.to_string().starts_with(e.what));
        }
    }
}

/// URLs and redirects: the command-line URL (before the first `\n`) and a `Location` (after
/// it), with a redirect status from the first byte. Whatever parses renders a request whose
/// head is one well-formed HTTP/1.1 request (no header or line injection), also with the
/// target as typed (`http::target`), and a followed redirect only ever leads to http or
/// https.
pub fn url(data: &[u8]) {
    let Some((&status_byte, rest)) = data.split_first() else {
        return;
    };
    let Ok(text) = std::str::from_utf8(rest) else {
        return;
    };
    let (given, location) = text.split_once('\n').unwrap_or((text, ""));
    let Ok(first) = parse_url_with(given, "http") else {
        return;
    };
    let mut spec = RequestSpec::plain("GET", "sockit-fuzz");
    check_request(&spec, &first);
    if given.contains("://") {
        for as_is in [false, true] {
            let mut typed = spec.clone();
            typed.typed = Some(Typed::new(given, &first, as_is));
            check_head(&typed, &first);
        }
    }
    let status = [301, 302, 303, 307, 308][usize::from(status_byte % 5)];
    assert!(is_redirect(status));
    let mut redirects = Redirects::new(5, false);
    if let Ok(next) = redirects.follow(&mut spec, &first, status, location.trim()) {
        assert!(matches!(next.scheme(), "http" | "https"), "{next}");
        check_request(&spec, &next);
        check_remote_name(&file::remote_name(next.path()));
    }
    check_remote_name(&file::remote_name(first.path()));
}

/// The request for `url` parses back as exactly one request head with the URL's target.
fn check_request(spec: &RequestSpec, url: &url::Url) {
    let target = check_head(spec, url);
    assert!(target.starts_with('/') && url.as_str().contains(target.split('?').next().unwrap()));
}

/// The request for `url` parses back as exactly one request head; its target.
fn check_head(spec: &RequestSpec, url: &url::Url) -> String {
    let wire = spec.render(url, None);
    let mut fields = [httparse::EMPTY_HEADER; 16];
    let mut request = httparse::Request::new(&mut fields);
    let parsed = request.parse(&wire);
    assert!(
        matches!(parsed, Ok(httparse::Status::Complete(n)) if n == wire.len()),
        "{url} renders a malformed request: {:?}",
        String::from_utf8_lossy(&wire)
    );
    let target = request.path.unwrap_or_default();
    assert!(target.starts_with('/'), "{target:?}");
    target.to_string()
}

/// `-O`'s file name from any URL path: one plain file name in the current directory.
pub fn remote_name(data: &[u8]) {
    let path = String::from_utf8_lossy(data);
    check_remote_name(&file::remote_name(&path));
}

/// `-J`'s name from a Content-Disposition value (`http::disposition`, then
/// `file::header_name`): no panic, and a name offered comes out as one plain name that
/// stays in the output directory, by the same rules as `-O`'s.
pub fn disposition(data: &[u8]) {
    let value = String::from_utf8_lossy(data);
    let offered = crate::fetch::http::disposition::filename(&value);
    if let Some(name) = offered.as_deref().and_then(file::header_name) {
        check_remote_name(&name);
    }
}

fn check_remote_name(name: &Path) {
    let text = name.to_str().expect("a name made from text is text");
    let mut components = name.components();
    assert!(
        matches!(components.next(), Some(Component::Normal(_))) && components.next().is_none(),
        "{text:?} is not one plain name"
    );
    assert!(!text.contains(['/', '\\', '\0']), "{text:?}");
    assert!(!text.starts_with(['.', '-']), "{text:?}");
    assert!(!text.chars().any(char::is_control), "{text:?}");
    assert!(text.len() <= file::MAX_REMOTE_NAME, "{} bytes", text.len());
}

/// The PROXY protocol header (`server::proxy::parse`, over the `ppp` crate): no panic; a
/// whole header lies within the input, at most 107 bytes for v1 and 16 + 65535 for v2, and
/// reads the same without what follows it; every shorter prefix of a header, whole or
/// unfinished, is unfinished, so a header split across reads is taken as if sent at once.
pub fn proxy_header(data: &[u8]) {
    use crate::server::proxy::{parse, HeaderParse, V1_MAX, V2_MAX};
    let parsed = parse(data);
    let prefixes = match &parsed {
        HeaderParse::Done { len, .. } => {
            assert!(0 < *len && *len <= data.len(), "{len} of {}", data.len());
            assert!(*len <= if data[0] == b'P' { V1_MAX } else { V2_MAX });
            assert_eq!(parse(&data[..*len]), parsed);
            *len
        }
        HeaderParse::Incomplete => data.len(),
        HeaderParse::Invalid(_) => return,
    };
    // Every prefix below 300 bytes, then every 97th: v2 headers may be 64 KiB long.
    for cut in (0..prefixes).filter(|&cut| cut < 300 || cut % 97 == 0) {
        assert_eq!(parse(&data[..cut]), HeaderParse::Incomplete, "cut at {cut}");
    }
}

/// The netrc reader (`fetch::netrc::lookup`): the first line is the host, the rest the
/// file. No panic; a found entry invents nothing: its login is the one asked for or a token
/// of the file, and so is its password (quoted tokens aside, whose escapes change them).
pub fn netrc(data: &[u8]) {
    use crate::fetch::netrc::lookup;
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let (host, file) = text.split_once('\n').unwrap_or(("h", text));
    for user in [None, Some("u")] {
        let Ok(Some(entry)) = lookup(file, host, user) else {
            continue;
        };
        let quoted = file.contains('"');
        if let Some(login) = &entry.login {
            assert!(Some(login.as_str()) == user || file.contains(login.as_str()) || quoted);
        }
        if let Some(password) = &entry.password {
            assert!(file.contains(password.as_str()) || quoted);
        }
    }
}

/// curl's config files (`fetch::config_file`): no panic splitting any text, no option with
/// white space in it, and expanding it against the real fetch flags (every `-K` reading the
/// same text again, so nesting is bounded too) either fails cleanly or yields arguments
/// that each name a flag or come from the text (quoted values aside, whose escapes change
/// them).
pub fn config_file(data: &[u8]) {
    use crate::fetch::config_file::{expand, parse, Sources};
    use clap::Args;
    let text = String::from_utf8_lossy(data).into_owned();
    for line in parse(&text) {
        assert!(!line
            .option
            .contains([' ', '\t', '\n', '\r', '\x0b', '\x0c']));
    }
    let fetch = crate::fetch::FetchArgs::augment_args(clap::Command::new("fetch"));
    let read = |_: &Path| Ok(text.clone());
    let sources = Sources {
        homes: Vec::new(),
        read: &read,
    };
    let args = vec!["-q".into(), "-K".into(), "cfg".into()];
    if let Ok((expanded, _)) = expand(args, &fetch, &sources) {
        for arg in expanded.iter().filter_map(|a| a.to_str()) {
            let from_text = text.contains(arg) || text.contains('"');
            assert!(arg.starts_with('-') || from_text, "{arg:?}");
        }
    }
}

/// The `--segments` sidecar (`FILE.segments`, `fetch::sidecar::parse`), text a previous
/// run, a crash or another program left: no panic; what parses covers the body exactly in
/// no more than one segment per MiB, claims no more than each segment holds, and renders
/// back to the same sidecar.
pub fn segments_sidecar(data: &[u8]) {
    use crate::fetch::output::sidecar;
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    if let Some(parsed) = sidecar::parse(text) {
        sidecar::check(&parsed);
    }
}

/// Cookies from hostile text (`fetch::http::cookie`, `fetch::http::cookie_jar`): the first line is a
/// request URL's host and path, the rest a Netscape cookie file (`-b FILE`) and, line by
/// line, `Set-Cookie` values. No panic; a file line that reads writes back to a line that
/// reads to the same cookie; a `Set-Cookie` only sets cookies for the host or a parent
/// domain of it; the jar's file reads back to the same cookies.
pub fn cookies(data: &[u8]) {
    use crate::fetch::http::cookie::{Cookie, Origin};
    use crate::fetch::http::cookie_jar::CookieJar;
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let (first, rest) = text.split_once('\n').unwrap_or(("h.test/", text));
    let (host, path) = first.split_once('/').unwrap_or((first, ""));
    let host = host.to_ascii_lowercase();
    let path = format!("/{path}");
    let origin = Origin {
        host: &host,
        path: &path,
        secure: data.len() % 2 == 0,
    };
    const NOW: i64 = 1_800_000_000;
    let mut jar = CookieJar::default();
    jar.load(rest, false, NOW);
    for line in rest.lines() {
        if let Some(cookie) = Cookie::from_file_line(line) {
            assert_eq!(Cookie::from_file_line(&cookie.file_line()), Some(cookie));
        }
        if let Some(cookie) = Cookie::from_header(line, origin, NOW) {
            let parent = host
                .strip_suffix(&cookie.domain)
                .is_some_and(|r| r.is_empty() || r.ends_with('.'));
            assert!(parent, "{host} set a cookie for {}", cookie.domain);
        }
        jar.set(line, origin, NOW);
    }
    let _ = jar.header(origin, NOW);
    let written = jar.file_text(NOW);
    let mut again = CookieJar::default();
    again.load(&written, false, NOW);
    let sorted = |t: &str| {
        let mut lines: Vec<String> = t.lines().map(String::from).collect();
        lines.sort();
        lines
    };
    assert_eq!(sorted(&again.file_text(NOW)), sorted(&written));
}

/// `-F`'s syntax (`fetch::flags::form_flags`), each line of the input one argument: no
/// panic; what reads keeps the name typed before the first `=`; `--form-string` keeps the
/// rest as it is; a part header never holds a line break; the multipart body built from
/// what reads has the length it announces.
pub fn form(data: &[u8]) {
    use crate::fetch::flags::form_flags::{FormSpec, Source};
    use crate::fetch::http::multipart::{self, FormPart, Multipart, PartContent, Piece};
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let mut parts = Vec::new();
    for line in text.lines() {
        if let Ok(spec) = FormSpec::parse(line, true) {
            assert_eq!(Some(spec.name.as_str()), line.split('=').next());
            assert_eq!(
                Some(spec.source),
                line.split_once('=').map(|(_, v)| Source::Text(v.into()))
            );
        }
        let Ok(spec) = FormSpec::parse(line, false) else {
            continue;
        };
        assert_eq!(Some(spec.name.as_str()), line.split('=').next());
        assert!(spec.headers.iter().all(|h| !h.contains(['\r', '\n'])));
        let content = match spec.source {
            Source::Text(t) | Source::File(t) | Source::Contents(t) => t.into_bytes(),
        };
        parts.push(FormPart {
            name: spec.name,
            content: PartContent::Bytes(content),
            filename: spec.filename,
            content_type: spec.content_type,
            headers: spec.headers,
        });
    }
    let body = Multipart::new(
        &parts,
        multipart::boundary([7; 8]),
        multipart::NameEscape::Percent,
    );
    let sent: usize = body
        .pieces
        .iter()
        .map(|p| match p {
            Piece::Bytes(b) => b.len(),
            Piece::File { .. } => unreachable!("no file parts were made"),
        })
        .sum();
    assert_eq!(sent as u64, body.len());
}

/// `WWW-Authenticate` values from a hostile server (`fetch::http::digest`), one header a
/// line: no panic; a challenge that reads answers with an `Authorization` value that holds
/// no control character (no header injection into the next request), the second time too.
pub fn digest_challenge(data: &[u8]) {
    use crate::fetch::http::digest::{DigestState, Offers};
    let offers = Offers::parse(data.split(|&b| b == b'\n'));
    if let Some(challenge) = offers.digest {
        let mut state = DigestState::new(challenge, "o".into(), "c".into());
        let first = state.authorization("u", "p", "GET", "/");
        let second = state.authorization("u", "p", "GET", "/");
        for header in [first, second] {
            assert!(!header.chars().any(char::is_control), "{header:?}");
        }
    }
}

/// curl's date parser (`fetch::http::curl_date`), which reads a server's `Last-Modified`
/// for `-z`: no panic, and a date it reads (after 1583, where curl's calendar starts),
/// written back as an HTTP-date, reads as the same time.
pub fn curl_date(data: &[u8]) {
    use crate::fetch::http::curl_date::{http_date, parse};
    let Some(t) = parse(&String::from_utf8_lossy(data)) else {
        return;
    };
    if t >= -12_000_000_000 {
        let written = http_date(t);
        assert_eq!(parse(&written), Some(t), "{written:?}");
    }
}

/// The alt-svc cache (`fetch::http::alt_svc`): the first line is a request's host (read
/// through a URL, as the cache gets it), the other lines are both `Alt-Svc` header values
/// from that host and the text of a cache file. No panic; whatever the headers add writes
/// one line per alternative, which reads back to the same alternatives (a host with a dot
/// left after curl strips one is curl's own odd case and only checked not to panic); a
/// file read and written once is a fixed point of reading and writing.
pub fn alt_svc(data: &[u8]) {
    use crate::fetch::http::alt_svc::{Alpn, AltSvc};
    const NOW: i64 = 1_800_000_000;
    let text = String::from_utf8_lossy(data);
    let (first, rest) = text.split_once('\n').unwrap_or(("h.test", &text));
    let Ok(url) = url::Url::parse(&format!("https://{first}/")) else {
        return;
    };
    let (Some(host), Some(port)) = (url.host_str(), url.port_or_known_default()) else {
        return;
    };
    let mut cache = AltSvc::default();
    for (i, line) in rest.lines().enumerate() {
        let alpn = [Alpn::H1, Alpn::H2, Alpn::H3][i % 3];
        cache.take_header(line, alpn, host, port, NOW);
    }
    let written = cache.file_text();
    assert_eq!(
        written.lines().count(),
        2 + cache.entries.len(),
        "{written:?}"
    );
    let stripped = host.strip_suffix('.').unwrap_or(host);
    if !stripped.ends_with('.') {
        assert_eq!(AltSvc::parse_file(&written), cache, "{written:?}");
    }
    let _ = cache.lookup(host, port, &[Alpn::H1, Alpn::H2, Alpn::H3], NOW);
    let once = AltSvc::parse_file(&AltSvc::parse_file(rest).file_text());
    assert_eq!(AltSvc::parse_file(&once.file_text()), once);
}

/// The HSTS cache (`fetch::http::hsts`): the first line is a response's host (read through
/// a URL, as the cache gets it), the other lines are both `Strict-Transport-Security` header
/// values from that host and the text of a cache file. No panic; what the headers add
/// writes one line per entry, which reads back the same when its date can be written
/// (up to the year 9999) and its host neither keeps a dot at its end after curl strips one
/// nor starts with one (the file's mark for includeSubDomains: `https://.h/` is a host the
/// url crate takes, and curl writes it as sockit does; both only run); a file read and
/// written twice is a fixed point of reading and writing.
pub fn hsts(data: &[u8]) {
    use crate::fetch::http::hsts::{Hsts, UNLIMITED};
    const NOW: i64 = 1_800_000_000;
    const LAST_SAYABLE: i64 = 253_402_300_799;
    let text = String::from_utf8_lossy(data);
    let (first, rest) = text.split_once('\n').unwrap_or(("h.test", &text));
    let Ok(url) = url::Url::parse(&format!("https://{first}/")) else {
        return;
    };
    let Some(url::Host::Domain(host)) = url.host() else {
        return;
    };
    let mut cache = Hsts::default();
    for line in rest.lines() {
        cache.take_header(line, host, NOW);
    }
    let written = cache.file_text();
    assert_eq!(
        written.lines().count(),
        2 + cache.entries.len(),
        "{written:?}"
    );
    let sayable = |e: &crate::fetch::http::hsts::Entry| {
        (e.expires == UNLIMITED || e.expires <= LAST_SAYABLE)
            && !e.host.ends_with('.')
            && !e.host.starts_with('.')
            // curl learns a host past 256 bytes from a header but neither finds nor reads
            // it back from the file (its `%256s`): it is lost at the next run, as in curl.
            // The includeSubDomains dot counts: a 256-byte host is written as 257 bytes.
            && e.host.len() + usize::from(e.subdomains) <= 256
    };
    // curl looks a host up before it drops its trailing dot, so a 256-byte host typed with
    // one (257 bytes) is never found and each header adds it again; reading the file merges
    // a host's lines into one entry: only caches of distinct hosts read back the same.
    let distinct = cache
        .entries
        .iter()
        .map(|e| e.host.to_ascii_lowercase())
        .collect::<std::collections::HashSet<_>>()
        .len()
        == cache.entries.len();
    if distinct && cache.entries.iter().all(sayable) {
        assert_eq!(Hsts::parse_file(&written, NOW), cache, "{written:?}");
    }
    let _ = cache.upgrades(host, NOW);
    // A date curl cannot read back (a year past 9999) is -1, written `19691231 23:59:59`,
    // which reads as 0 (curl never answers -1 for a date that parsed): two rounds settle it.
    // A host ending in dots loses one a read, as in curl, so only dot-free ends settle.
    let mut settled = Hsts::parse_file(rest, NOW);
    for _ in 0..2 {
        settled = Hsts::parse_file(&settled.file_text(), NOW);
    }
    if settled.entries.iter().all(|e| !e.host.ends_with('.')) {
        assert_eq!(Hsts::parse_file(&settled.file_text(), NOW), settled);
    }
}

/// The CA of [`ocsp_staple`]'s certificate (made with `openssl req -x509`, P-256, valid
/// until 2126), which signs the corpus's responses.
const OCSP_CA: &str = "-----BEGIN CERTIFICATE-----
MIIBiTCCAS6gAwIBAgIULajMv++zW6lV2YaF/5gf7UYMEMkwCgYIKoZIzj0EAwIw
EjEQMA4GA1UEAwwHZnV6ei1jYTAgFw0yNjEyMDcwNjU5MzVaGA8yMTI2MTExMzA2
NTkzNVowEjEQMA4GA1UEAwwHZnV6ei1jYTBZMBMGByqGSM49AgEGCCqGSM49AwEH
A0IABIJVP8FXavgfr30xr6zAJeCM28Ni3NvQNxHjVPRZIU7XRAINyeBaHrr1fLyW
woS/8hSszBcWjqvbiqJNG7Z3OOSjYDBeMB0GA1UdDgQWBBTBNK8l/IsOUYQvacFu
BxmFcXbpuzAfBgNVHSMEGDAWgBTBNK8l/IsOUYQvacFuBxmFcXbpuzAPBgNVHRMB
Af8EBTADAQH/MAsGA1UdDwQEAwIBBjAKBggqhkjOPQQDAgNJADBGAiEA3J3OzZ2x
PLxR7Ti67CdmnQeucDKZMLxsBhLazva2Ff4CIQCNYrBMo8sBXMDGRKBJvaAmnUj3
Imbu/u8+9iqWLkV5xQ==
-----END CERTIFICATE-----
";

/// The server certificate the corpus's OCSP responses are about (serial 0x1234).
const OCSP_LEAF: &str = "-----BEGIN CERTIFICATE-----
MIIBEDCBtwICEjQwCgYIKoZIzj0EAwIwEjEQMA4GA1UEAwwHZnV6ei1jYTAgFw0y
NjEyMDcwNjU5MzZaGA8yMTI2MTExMzA2NTkzNlowFDESMBAGA1UEAwwJbG9jYWxo
b3N0MFkwEwYHKoZIzj0CAQYIKoZIzj0DAQcDQgAEXttoR2+k6zjEZ5iMsHtO2NtS
YlPrvUEXrgeLpb2T6JECvd7krlpk9pNgGjooMr6Se6RyE7lmoAdhpDmT8B6e1jAK
BggqhkjOPQQDAgNIADBFAiEA0ARb4vTRhDxnxC3LDvTtMllgJiC0v9L2giNX7JrJ
MI8CIBMWaavJOPhxYdQ7JVWLWuvSUzlfEKFon5QquyMLSt+e
-----END CERTIFICATE-----
";

/// `--cert-status`'s check of a stapled OCSP response, the bytes a server sends: whatever
/// they are, it answers without panicking; it takes a response only when it holds the
/// certificate's serial number, and never without a known issuer to check the signature.
pub fn ocsp_staple(data: &[u8]) {
    use rustls::pki_types::pem::PemObject;
    use rustls::pki_types::{CertificateDer, UnixTime};
    let ca = CertificateDer::from_pem_slice(OCSP_CA.as_bytes()).expect("the CA parses");
    let leaf = CertificateDer::from_pem_slice(OCSP_LEAF.as_bytes()).expect("the leaf parses");
    let anchor = webpki::anchor_from_trusted_cert(&ca).expect("the CA is an anchor");
    // 2026-12-08, a day into the corpus's responses' validity.
    let now = UnixTime::since_unix_epoch(std::time::Duration::from_secs(1_796_688_000));
    let verdict = crate::net::tls::ocsp_check(data, &leaf, &[], &[anchor], now);
    if verdict.is_ok() {
        // The CertID's serial number, as DER writes 0x1234.
        assert!(data.windows(4).any(|w| w == [0x02, 0x02, 0x12, 0x34]));
    }
    // The same bytes as an intermediate's staple, with no anchor: never taken.
    assert!(crate::net::tls::ocsp_check(data, &leaf, &[], &[], now).is_err());
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::fs;
    use std::panic::{self, AssertUnwindSafe};

    /// The corpus's OCSP responses (made by `openssl ocsp`) are read as OpenSSL reads them:
    /// the good one is taken at a time it is valid, the revoked one is refused, and neither
    /// a day before it was made.
    #[test]
    fn ocsp_corpus_responses_are_read_as_openssl_wrote_them() {
        use rustls::pki_types::pem::PemObject;
        use rustls::pki_types::{CertificateDer, UnixTime};
        let ca = CertificateDer::from_pem_slice(OCSP_CA.as_bytes()).unwrap();
        let leaf = CertificateDer::from_pem_slice(OCSP_LEAF.as_bytes()).unwrap();
        let anchor = webpki::anchor_from_trusted_cert(&ca).unwrap();
        let at = |secs| UnixTime::since_unix_epoch(std::time::Duration::from_secs(secs));
        let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("fuzz/corpus/ocsp_staple");
        let good = fs::read(root.join("good.der")).unwrap();
        let revoked = fs::read(root.join("revoked.der")).unwrap();
        let check = |staple: &[u8], now| {
            crate::net::tls::ocsp_check(staple, &leaf, &[], std::slice::from_ref(&anchor), now)
        };
        assert_eq!(check(&good, at(1_796_688_000)), Ok(()));
        let refused = check(&revoked, at(1_796_688_000)).unwrap_err();
        assert!(refused.contains("revoked"), "{refused}");
        let early = check(&good, at(1_796_688_000 - 2 * 86_400)).unwrap_err();
        assert!(early.contains("not valid yet"), "{early}");
    }

    /// Every input of every target's corpus (`fuzz/corpus/TARGET/*`) passes its properties,
    /// and no target's corpus is missing: what the fuzzers found (crashes included, kept
    /// there after their fix) stays checked by `cargo test` without cargo-fuzz.
    #[test]
    fn fuzz_corpora_replay_clean() {
        let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("fuzz/corpus");
        let mut failures = Vec::new();
        for (target, entry) in TARGETS {
            let dir = root.join(target);
            let files = fs::read_dir(&dir).unwrap_or_else(|e| panic!("{}: {e}", dir.display()));
            let mut replayed = 0;
            for file in files {
                let path = file.unwrap().path();
                let data = fs::read(&path).unwrap();
                if panic::catch_unwind(AssertUnwindSafe(|| entry(&data))).is_err() {
                    failures.push(path.display().to_string());
                }
                replayed += 1;
            }
            assert!(replayed > 0, "{} holds no inputs", dir.display());
        }
        assert!(failures.is_empty(), "failing corpus inputs: {failures:#?}");
    }

    /// `fuzz/Cargo.lock` holds every crate the library now depends on: a dependency added to
    /// `Cargo.toml` alone makes `cargo fuzz build` rewrite the lock file, and CI's check for a
    /// clean tree then fails after the whole run (it did, twice).
    #[test]
    fn fuzz_lock_file_is_current() {
        let manifest = Path::new(env!("CARGO_MANIFEST_DIR")).join("fuzz/Cargo.toml");
        let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".into());
        let out = std::process::Command::new(cargo)
            .args([
                "metadata",
                "--locked",
                "--format-version",
                "1",
                "--manifest-path",
            ])
            .arg(&manifest)
            .stdout(std::process::Stdio::null())
            .output()
            .expect("cargo runs");
        assert!(
            out.status.success(),
            "fuzz/Cargo.lock is stale: run `cargo metadata --manifest-path fuzz/Cargo.toml` \
             and commit it\n{}",
            String::from_utf8_lossy(&out.stderr)
        );
    }

    /// The first byte's top three bits count the cuts; each takes two bytes.
    #[test]
    fn split_reads_flags_cuts_and_input() {
        let split = Split::new(&[0b0100_0001, 3, 0, 1, 0, b'a', b'b', b'c', b'd']);
        assert_eq!((split.flags & 1, split.input), (1, &b"abcd"[..]));
        assert_eq!(split.pieces(), [&b"a"[..], b"bc", b"d"]);
        assert_eq!(Split::new(b"").pieces(), Vec::<&[u8]>::new());
    }
}
