//! Owns curl's URL globbing: `{a,b,c}` sets and `[1-100]`, `[001-100]`, `[a-z]`,
//! `[1-100:10]` ranges in a URL expand to one URL each, and `#N` in an `-o` name stands for
//! the Nth glob's current value. `-g/--globoff` turns it off.
//!
//! Parsed as curl 7.88's `tool_urlglob.c` parses, errors and their positions included
//! (`bad range in URL position 26:` with the URL and a caret under the column, exit 3),
//! because scripts pass these URLs unchanged from curl. The expansion is an odometer over
//! the patterns, the last one turning fastest, as curl's order of transfers.

use std::fmt;
use std::net::Ipv6Addr;

/// The most patterns (literal runs and globs) in one URL, as curl's `GLOB_PATTERN_NUM`.
const MAX_PATTERNS: usize = 100;

/// A URL cut into literal runs and globs.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Glob {
    patterns: Vec<Pattern>,
}

/// One piece of a globbed URL.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Pattern {
    /// Text taken as it is (escapes removed).
    Fixed(String),
    /// `{a,b,c}`.
    Set(Vec<String>),
    /// `[a-z:step]`.
    Chars { first: u8, last: u8, step: u8 },
    /// `[1-100:step]`, zero-padded to `pad` digits when the first number had leading zeros.
    Numbers {
        first: u64,
        last: u64,
        step: u64,
        pad: usize,
    },
}

impl Pattern {
    /// How many values the pattern takes.
    fn len(&self) -> u64 {
        match self {
            Pattern::Fixed(_) => 1,
            Pattern::Set(items) => items.len() as u64,
            Pattern::Chars { first, last, step } => u64::from((last - first) / step) + 1,
            Pattern::Numbers {
                first, last, step, ..
            } => (last - first) / step + 1,
        }
    }

    /// Its `i`th value.
    fn value(&self, i: u64) -> String {
        match self {
            Pattern::Fixed(text) => text.clone(),
            Pattern::Set(items) => items[i as usize].clone(),
            Pattern::Chars { first, step, .. } => {
                char::from(first + step * u8::try_from(i).unwrap_or(0)).to_string()
            }
            Pattern::Numbers {
                first, step, pad, ..
            } => format!("{:0pad$}", first + step * i, pad = *pad),
        }
    }
}

/// A URL that does not glob, in curl's words and with its column (1-based; 0: none).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GlobError {
    /// curl's words for the fault, e.g. `bad range`.
    pub what: &'static str,
    /// Where in the URL, from 1; 0 when curl names no place (`range overflow` of a set).
    pub column: usize,
    /// The URL as typed.
    pub url: String,
}

impl fmt::Display for GlobError {
    /// curl's message: the error, the URL, and a caret under the column.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.column == 0 {
            return f.write_str(self.what);
        }
        let pad = " ".repeat(self.column.saturating_sub(1).max(1));
        write!(
            f,
            "{} in URL position {}:\n{}\n{pad}^",
            self.what, self.column, self.url
        )
    }
}

impl std::error::Error for GlobError {}

/// One URL of an expansion, with the glob values `#N` names.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Expanded {
    /// The URL with each glob replaced by one of its values.
    pub url: String,
    /// The globs' values, in the order the globs stand in the URL.
    values: Vec<String>,
    /// How many patterns the URL had: curl takes `#N` only for N below it.
    patterns: usize,
}

impl Expanded {
    /// `name` with each `#N` replaced by the Nth glob's value, as curl names `-o` files;
    /// a `#N` with no such glob stays as it is.
    pub fn name(&self, name: &str) -> String {
        let mut out = String::with_capacity(name.len());
        let mut rest = name;
        while let Some(at) = rest.find('#') {
            out.push_str(&rest[..at]);
            let after = &rest[at + 1..];
            let digits = after.bytes().take_while(u8::is_ascii_digit).count();
            let value = after[..digits]
                .parse::<usize>()
                .ok()
                .filter(|&n| n > 0 && n < self.patterns)
                .and_then(|n| self.values.get(n - 1));
            match value {
                Some(value) => {
                    out.push_str(value);
                    rest = &after[digits..];
                }
                None => {
                    out.push('#');
                    rest = after;
                }
            }
        }
        out.push_str(rest);
        out
    }
}

impl Glob {
    /// Parses `url`'s globs.
    pub fn parse(url: &str) -> Result<Glob, GlobError> {
        Parser {
            url,
            at: 0,
            lag: 0,
            patterns: Vec::new(),
            amount: 1,
        }
        .run()
    }

    /// How many URLs the glob expands to.
    pub fn count(&self) -> u64 {
        self.patterns.iter().map(Pattern::len).product()
    }

    /// The `index`th URL of the expansion (below [`Glob::count`]).
    pub fn nth(&self, mut index: u64) -> Expanded {
        let mut picks = vec![0; self.patterns.len()];
        for (pattern, pick) in self.patterns.iter().zip(&mut picks).rev() {
            let len = pattern.len();
            *pick = index % len;
            index /= len;
        }
        let mut url = String::new();
        let mut values = Vec::new();
        for (pattern, pick) in self.patterns.iter().zip(picks) {
            let value = pattern.value(pick);
            url.push_str(&value);
            if !matches!(pattern, Pattern::Fixed(_)) {
                values.push(value);
            }
        }
        Expanded {
            url,
            values,
            patterns: self.patterns.len(),
        }
    }
}

/// The parse in progress; `at` is a byte offset into `url`, and columns are 1-based.
struct Parser<'a> {
    url: &'a str,
    at: usize,
    /// How far curl's column count lags behind `at`: curl 7.88 does not count a set's
    /// closing `}`, nor a `[]` or IPv6 literal it copies, so its later carets stand that
    /// much further left, and sockit's with them.
    lag: usize,
    patterns: Vec<Pattern>,
    /// The product of the patterns' lengths so far, checked for overflow as curl 7.88 does
    /// (64 bits unsigned).
    amount: u64,
}

impl Parser<'_> {
    fn fail<T>(&self, what: &'static str, column: usize) -> Result<T, GlobError> {
        Err(GlobError {
            what,
            column,
            url: self.url.to_string(),
        })
    }

    /// The column curl reports for the parser's place.
    fn column(&self) -> usize {
        self.at + 1 - self.lag
    }

    fn bytes(&self) -> &[u8] {
        &self.url.as_bytes()[self.at..]
    }

    fn run(mut self) -> Result<Glob, GlobError> {
        while self.at < self.url.len() {
            let literal = self.literal()?;
            if !literal.is_empty() {
                self.patterns.push(Pattern::Fixed(literal));
            } else if self.bytes()[0] == b'{' {
                self.at += 1;
                let set = self.set()?;
                self.push_glob(Pattern::Set(set), 0)?;
            } else {
                self.at += 1;
                let range = self.range()?;
                self.push_glob(range, self.column())?;
            }
            if self.patterns.len() >= MAX_PATTERNS {
                return self.fail("too many globs", self.column());
            }
        }
        Ok(Glob {
            patterns: self.patterns,
        })
    }

    fn push_glob(&mut self, pattern: Pattern, column: usize) -> Result<(), GlobError> {
        match self.amount.checked_mul(pattern.len()) {
            Some(amount) => self.amount = amount,
            None => return self.fail("range overflow", column),
        }
        self.patterns.push(pattern);
        Ok(())
    }

    /// Text up to the next glob: `\{ \[ \} \]` are escapes, `[]` and an IPv6 literal in
    /// brackets are text, a lone `}` or `]` is an error.
    fn literal(&mut self) -> Result<String, GlobError> {
        let mut text = Vec::new();
        while let Some(&b) = self.bytes().first() {
            match b {
                b'{' => break,
                b'[' => match self.bracketed_text() {
                    Some(len) => {
                        text.extend_from_slice(&self.bytes()[..len]);
                        self.at += len;
                        self.lag += len;
                    }
                    None => break,
                },
                b'}' | b']' => {
                    return self.fail("unmatched close brace/bracket", self.column());
                }
                b'\\' if matches!(self.bytes().get(1), Some(b'{' | b'[' | b'}' | b']')) => {
                    text.push(self.bytes()[1]);
                    self.at += 2;
                }
                _ => {
                    text.push(b);
                    self.at += 1;
                }
            }
        }
        Ok(String::from_utf8_lossy(&text).into_owned())
    }

    /// The length of `[]` or `[IPV6]` at the parser's place, which are not globs.
    fn bracketed_text(&self) -> Option<usize> {
        let rest = self.bytes();
        let end = rest.iter().position(|&b| b == b']')?;
        let inside = std::str::from_utf8(&rest[1..end]).ok()?;
        let address = inside.split_once("%25").map_or(inside, |(a, _)| a);
        if end == 1 || address.parse::<Ipv6Addr>().is_ok() {
            return Some(end + 1);
        }
        None
    }

    /// `{a,b}` after its `{`: the elements, `\x` taken as `x`.
    fn set(&mut self) -> Result<Vec<String>, GlobError> {
        let open = self.at;
        let mut items = Vec::new();
        let mut item = Vec::new();
        loop {
            let Some(&b) = self.bytes().first() else {
                return self.fail("unmatched brace", open - self.lag);
            };
            match b {
                b'{' | b'[' => return self.fail("nested brace", self.column()),
                b'}' if self.at == open => {
                    return self.fail("empty string within braces", self.column());
                }
                b'}' | b',' => {
                    items.push(String::from_utf8_lossy(&std::mem::take(&mut item)).into_owned());
                    self.at += 1;
                    if b == b'}' {
                        self.lag += 1;
                        return Ok(items);
                    }
                }
                b']' => return self.fail("unexpected close bracket", self.column()),
                b'\\' if self.bytes().len() > 1 => {
                    item.push(self.bytes()[1]);
                    self.at += 2;
                }
                _ => {
                    item.push(b);
                    self.at += 1;
                }
            }
        }
    }

    /// `[..]` after its `[`: a letter or a number range.
    fn range(&mut self) -> Result<Pattern, GlobError> {
        match self.bytes().first() {
            Some(b) if b.is_ascii_alphabetic() => self.char_range(),
            Some(b) if b.is_ascii_digit() => self.number_range(),
            _ => self.fail("bad range specification", self.column()),
        }
    }

    fn char_range(&mut self) -> Result<Pattern, GlobError> {
        let rest = self.bytes();
        let parsed = match rest {
            [first, b'-', last, b']', ..] => Some((*first, *last, 1, 4)),
            [first, b'-', last, b':', tail @ ..] => {
                let digits = tail.iter().take_while(|b| b.is_ascii_digit()).count();
                match (tail.get(digits), parse_u64(&tail[..digits])) {
                    (Some(b']'), Some(step)) => Some((*first, *last, step, 4 + digits + 1)),
                    _ => Some((*first, *last, 0, 0)),
                }
            }
            _ => None,
        };
        let Some((first, last, step, used)) = parsed else {
            return self.fail("bad range", self.column());
        };
        self.at += used;
        let span = u64::from(last.wrapping_sub(first));
        let bad = step == 0
            || step > i32::MAX as u64
            || (first == last && step != 1)
            || (first != last && (first > last || step > span || span > u64::from(b'z' - b'a')));
        if bad {
            return self.fail("bad range", self.column());
        }
        Ok(Pattern::Chars {
            first,
            last,
            step: step as u8,
        })
    }

    /// A number range; on a malformed one the column moves as far as curl's `strtoul`
    /// walk got, so the caret stands where curl puts it.
    fn number_range(&mut self) -> Result<Pattern, GlobError> {
        let rest = self.bytes();
        let digits = |from: usize| {
            rest[from..]
                .iter()
                .take_while(|b| b.is_ascii_digit())
                .count()
        };
        let first_len = digits(0);
        let pad = if rest[0] == b'0' { first_len } else { 0 };
        let (parsed, used) = number_parts(rest, first_len, digits);
        self.at += used;
        let Some((first, last, step)) = parsed else {
            return self.fail("bad range", self.column());
        };
        let bad = step == 0
            || (first == last && step != 1)
            || (first != last && (first > last || step > last - first));
        if bad {
            return self.fail("bad range", self.column());
        }
        if (last - first) / step == u64::MAX {
            // 2^64 values: more than the count can hold (curl's count wraps to 0 here).
            return self.fail("range overflow", self.column());
        }
        Ok(Pattern::Numbers {
            first,
            last,
            step,
            pad,
        })
    }
}

/// `FIRST-LAST[:STEP]]` at the start of `rest`: the numbers when well-formed, and how far
/// the parse got (past the `]` when well-formed).
fn number_parts(
    rest: &[u8],
    first_len: usize,
    digits: impl Fn(usize) -> usize,
) -> (Option<(u64, u64, u64)>, usize) {
    let Some(first) = parse_u64(&rest[..first_len]) else {
        return (None, 0);
    };
    if rest.get(first_len) != Some(&b'-') {
        return (None, 0);
    }
    let blanks = rest[first_len + 1..]
        .iter()
        .take_while(|&&b| b == b' ' || b == b'\t')
        .count();
    let last_at = first_len + 1 + blanks;
    let last_len = digits(last_at);
    if last_len == 0 {
        return (None, last_at);
    }
    let Some(last) = parse_u64(&rest[last_at..last_at + last_len]) else {
        return (None, last_at);
    };
    let mut end = last_at + last_len;
    let mut moved = last_at;
    let mut step = 1;
    if rest.get(end) == Some(&b':') {
        moved = end + 1;
        let step_len = digits(moved);
        match parse_u64(&rest[moved..moved + step_len]) {
            Some(n) => step = n,
            None if step_len == 0 => step = 0,
            None => return (None, moved),
        }
        end = moved + step_len;
    }
    if rest.get(end) != Some(&b']') {
        return (None, moved);
    }
    (Some((first, last, step)), end + 1)
}

/// Decimal digits as a number; None when empty or too large.
fn parse_u64(digits: &[u8]) -> Option<u64> {
    std::str::from_utf8(digits).ok()?.parse().ok()
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn urls(url: &str) -> Vec<String> {
        let glob = Glob::parse(url).unwrap();
        (0..glob.count()).map(|i| glob.nth(i).url).collect()
    }

    fn error(url: &str) -> (&'static str, usize) {
        let e = Glob::parse(url).unwrap_err();
        (e.what, e.column)
    }

    /// The orders and values curl 7.88 requested for these URLs, read off a recording server.
    #[test]
    fn expands_as_curl_did() {
        assert_eq!(urls("h/{a,b}/[1-2]"), ["h/a/1", "h/a/2", "h/b/1", "h/b/2"]);
        let many = urls("/x[08-10]y[a-c:2]z[1-10:4]");
        assert_eq!(many.len(), 18);
        assert_eq!(&many[..4], ["/x08yaz1", "/x08yaz5", "/x08yaz9", "/x08ycz1"]);
        assert_eq!(many[17], "/x10ycz9");
        assert_eq!(urls("/[01-1]"), ["/01"]);
        assert_eq!(urls("/[001-100]")[99], "/100");
        assert_eq!(urls("/[0-2]"), ["/0", "/1", "/2"]);
        assert_eq!(urls("/{a,,b}"), ["/a", "/", "/b"]);
        assert_eq!(urls("/{a\\,b,c}"), ["/a,b", "/c"]);
        assert_eq!(urls("/[A-C]"), ["/A", "/B", "/C"]);
        assert_eq!(urls("/[1- 3]"), ["/1", "/2", "/3"]);
    }

    /// `[]`, an IPv6 literal and escaped brackets are text, not globs.
    #[test]
    fn leaves_literals_alone() {
        assert_eq!(urls("http://h/[]"), ["http://h/[]"]);
        assert_eq!(urls("http://[::1]:80/"), ["http://[::1]:80/"]);
        assert_eq!(
            urls("http://[fe80::1%25eth0]/"),
            ["http://[fe80::1%25eth0]/"]
        );
        assert_eq!(urls("http://h/\\{x\\}"), ["http://h/{x}"]);
        assert_eq!(urls("http://h/\\[1-2\\]"), ["http://h/[1-2]"]);
        assert_eq!(urls("http://h/a\\b"), ["http://h/a\\b"]);
    }

    /// Each error and column curl 7.88 printed for these URLs.
    #[test]
    fn refuses_as_curl_did() {
        let base = "http://127.0.0.1:8711/";
        let cases = [
            ("{a,{b}}", "nested brace", 26),
            ("[1-]", "bad range", 26),
            ("[3-1]", "bad range", 28),
            ("{a", "unmatched brace", 23),
            ("a}", "unmatched close brace/bracket", 24),
            ("a]", "unmatched close brace/bracket", 24),
            ("[a-Z]", "bad range", 28),
            ("[1-3:0]", "bad range", 30),
            ("{}", "empty string within braces", 24),
            ("[1-2", "bad range", 26),
            ("{a,b[1-2]}", "nested brace", 27),
            ("[a-c1]", "bad range", 24),
            ("[1-2]/a[b", "bad range", 31),
            ("[-1]", "bad range specification", 24),
            ("{a]}", "unexpected close bracket", 25),
        ];
        for (tail, what, column) in cases {
            assert_eq!(error(&format!("{base}{tail}")), (what, column), "{tail}");
        }
    }

    /// The message is curl's three lines, the caret under the column.
    #[test]
    fn says_where_as_curl() {
        let e = Glob::parse("http://127.0.0.1:8711/[1-]").unwrap_err();
        assert_eq!(
            e.to_string(),
            "bad range in URL position 26:\nhttp://127.0.0.1:8711/[1-]\n                         ^"
        );
        let huge = "/[1-4294967295][1-4294967295][1-4294967295]";
        assert_eq!(error(huge), ("range overflow", 44));
        // One range of 2^64 numbers overflows on its own (a fuzz finding: it panicked).
        let full = "/[0-0000000000000018446744073709551615]";
        assert_eq!(error(full), ("range overflow", 40));
        assert!(Glob::parse("/[0-18446744073709551614]").is_ok_and(|g| g.count() == u64::MAX));
        let sets = format!("/{}", "{a,b,c,d,e,f,g,h}".repeat(22));
        assert_eq!(error(&sets), ("range overflow", 0));
        assert_eq!(
            Glob::parse(&sets).unwrap_err().to_string(),
            "range overflow"
        );
        let globs = "{a}".repeat(100);
        assert_eq!(error(&globs), ("too many globs", 201));
        assert!(Glob::parse(&"{a}".repeat(99)).is_ok());
        assert_eq!(error("/[]{a}/[]]"), ("unmatched close brace/bracket", 5));
    }

    /// `#N` is the Nth glob's value; a number with no glob (or 0) stays as typed. curl
    /// counts the literal runs too when it checks N, so `{a,b}` alone has no `#1`.
    #[test]
    fn names_outputs_as_curl() {
        let glob = Glob::parse("http://h/{x,y}/[8-10]").unwrap();
        let first = glob.nth(0);
        assert_eq!(first.name("#1_#2.txt"), "x_8.txt");
        assert_eq!(glob.nth(5).name("#2-#1-#3-#0-#"), "10-y-#3-#0-#");
        assert_eq!(first.name("a#b##1"), "a#b#x");
        assert_eq!(Glob::parse("{a,b}").unwrap().nth(1).name("#1"), "#1");
    }

    proptest! {
        /// Any text either parses or is refused with a column inside it; never a panic.
        #[test]
        fn any_text_parses_or_is_refused(url in "[a-z0-9{}\\[\\],:\\\\ -]{0,40}") {
            match Glob::parse(&url) {
                Ok(glob) => {
                    let count = glob.count();
                    prop_assert!(count >= 1);
                    let _ = glob.nth(count - 1);
                }
                Err(e) => prop_assert!(e.column <= url.len() + 2),
            }
        }

        /// A URL without glob characters is its own one expansion.
        #[test]
        fn plain_urls_are_themselves(url in "[a-z0-9:/._?=&%-]{0,60}") {
            prop_assert_eq!(urls(&url), vec![url.clone()]);
        }

        /// Sets and ranges expand to every combination, each once, the last turning fastest.
        #[test]
        fn expansions_are_every_combination(
            items in proptest::collection::vec("[a-z]{1,3}", 1..5),
            first in 0u64..50, span in 0u64..20, step in 1u64..5,
        ) {
            let step = if span == 0 { 1 } else { step.min(span) };
            let url = format!("/{{{}}}/[{first}-{}:{step}]", items.join(","), first + span);
            let got = urls(&url);
            let mut want = Vec::new();
            for item in &items {
                let mut n = first;
                while n <= first + span {
                    want.push(format!("/{item}/{n}"));
                    n += step;
                }
            }
            prop_assert_eq!(got, want);
        }
    }
}
