//! The hello protocol as a pure state machine: bytes in, replies out, no sockets in sight.
//!
//! The connection code only moves bytes between a socket and a [`Session`], so every framing
//! rule lives here, where a property test can check it over every split of the input into
//! reads (see `tests` below). Two framings exist:
//!
//! - [`Framing::Line`] (the default): a name is a line ending in `\n` (one `\r` before it is
//!   dropped); the reply is `Hello, NAME!\n`; the line `exit` ends the session.
//! - [`Framing::Chunk`]: the tutorial's wire format, where each read is one message, replies
//!   carry no newline and a message equal to `exit` ends the session.
//!
//! A [`Session`] holds no buffer while it has no unfinished line, so an idle connection costs
//! no heap memory here.

use memchr::memchr;

/// The greeting the tutorial's server sends on accept.
pub const DEFAULT_GREETING: &str = "Welcome!";

/// The default limit on the length of one line, in bytes (without its `\n`).
pub const DEFAULT_MAX_LINE: usize = 64 * 1024;

/// How a byte stream is cut into messages. Also the value of every `--framing` flag, and of
/// the `framing` field in `sockit bench --json`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, clap::ValueEnum, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Framing {
    /// One message per `\n`-terminated line; replies end in `\n`.
    #[default]
    Line,
    /// One message per read, as the tutorial's `recv(1024)` does; replies have no newline.
    Chunk,
}

/// What the session wants after the bytes it was just fed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Step {
    /// Keep reading.
    Continue,
    /// The client said `exit`: close after the replies already produced.
    Exit,
    /// A line went past the limit: send [`ErrorLine::LineTooLong`] and close.
    LineTooLong,
}

/// The `ERR` lines the server may send before it closes a connection.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ErrorLine {
    /// A line was longer than `--max-line`.
    LineTooLong,
    /// The client sent nothing for `--idle-timeout`.
    IdleTimeout,
    /// Every connection slot (`--max-connections`) is taken.
    ServerBusy,
    /// The server is stopping and `--grace` has run out.
    ShuttingDown,
    /// The client's address holds `--max-connections-per-ip` connections already.
    TooManyFromAddress,
}

impl ErrorLine {
    /// The exact bytes sent on the wire, newline included.
    pub fn as_bytes(self) -> &'static [u8] {
        match self {
            ErrorLine::LineTooLong => b"ERR line too long\n",
            ErrorLine::IdleTimeout => b"ERR idle timeout\n",
            ErrorLine::ServerBusy => b"ERR server busy\n",
            ErrorLine::ShuttingDown => b"ERR server shutting down\n",
            ErrorLine::TooManyFromAddress => b"ERR too many connections from your address\n",
        }
    }
}

/// Builds the greeting as sent on the wire for a framing.
pub fn greeting_bytes(greeting: &str, framing: Framing) -> Vec<u8> {
    let mut out = greeting.as_bytes().to_vec();
    if framing == Framing::Line {
        out.push(b'\n');
    }
    out
}

/// Appends the reply to `name` to `out`.
///
/// This is the hot path: one `reserve` and three copies into a buffer the caller reuses, so a
/// reply costs no allocation once the buffer has grown to its working size.
#[inline]
pub fn push_reply(out: &mut Vec<u8>, name: &[u8], framing: Framing) {
    out.reserve(name.len() + 9);
    out.extend_from_slice(b"Hello, ");
    out.extend_from_slice(name);
    out.extend_from_slice(if framing == Framing::Line {
        b"!\n"
    } else {
        b"!"
    });
}

/// One connection's protocol state.
#[derive(Debug)]
pub struct Session {
    framing: Framing,
    max_line: usize,
    /// The start of a line whose `\n` has not arrived yet. Empty (and unallocated) between
    /// lines, which is the common case for an idle connection.
    partial: Vec<u8>,
    done: bool,
    /// Bytes came after the `exit` line: the client is still sending.
    input_after_exit: bool,
}

impl Session {
    /// A session for one connection.
    pub fn new(framing: Framing, max_line: usize) -> Self {
        Session {
            framing,
            max_line,
            partial: Vec::new(),
            done: false,
            input_after_exit: false,
        }
    }

    /// Whether the client sent anything after its `exit` line (in what was fed so far).
    pub fn input_after_exit(&self) -> bool {
        self.input_after_exit
    }

    /// Whether a line has started but not ended.
    pub fn has_partial(&self) -> bool {
        !self.partial.is_empty()
    }

    /// Takes the bytes of one read and appends every reply they complete to `out`.
    ///
    /// After [`Step::Exit`] or [`Step::LineTooLong`] the session ignores further input.
    pub fn feed(&mut self, input: &[u8], out: &mut Vec<u8>) -> Step {
        if self.done {
            return Step::Exit;
        }
        let step = match self.framing {
            Framing::Chunk => self.feed_chunk(input, out),
            Framing::Line => self.feed_lines(input, out),
        };
        if step != Step::Continue {
            self.done = true;
            self.partial = Vec::new();
        }
        step
    }

    /// The client closed its sending side: answers a final unterminated line, if any (kept
    /// byte for byte: only a `\r` before a `\n` is dropped).
    pub fn finish(&mut self, out: &mut Vec<u8>) -> Step {
        if self.done || self.partial.is_empty() {
            return Step::Exit;
        }
        let line = std::mem::take(&mut self.partial);
        self.done = true;
        if line.len() > self.max_line {
            return Step::LineTooLong;
        }
        if line != b"exit" {
            push_reply(out, &line, self.framing);
        }
        Step::Exit
    }

    fn feed_chunk(&mut self, input: &[u8], out: &mut Vec<u8>) -> Step {
        if input == b"exit" {
            return Step::Exit;
        }
        push_reply(out, input, Framing::Chunk);
        Step::Continue
    }

    fn feed_lines(&mut self, mut input: &[u8], out: &mut Vec<u8>) -> Step {
        if !self.partial.is_empty() {
            let Some(nl) = memchr(b'\n', input) else {
                self.partial.extend_from_slice(input);
                return self.check_partial();
            };
            let mut line = std::mem::take(&mut self.partial);
            line.extend_from_slice(&input[..nl]);
            let step = self.answer(&line, out);
            input = &input[nl + 1..];
            if step != Step::Continue {
                self.input_after_exit = !input.is_empty();
                return step;
            }
        }
        while let Some(nl) = memchr(b'\n', input) {
            let step = self.answer(&input[..nl], out);
            input = &input[nl + 1..];
            if step != Step::Continue {
                self.input_after_exit = !input.is_empty();
                return step;
            }
        }
        if !input.is_empty() {
            self.partial.extend_from_slice(input);
            return self.check_partial();
        }
        Step::Continue
    }

    /// Answers one complete line (without its `\n`).
    #[inline]
    fn answer(&self, line: &[u8], out: &mut Vec<u8>) -> Step {
        let line = line.strip_suffix(b"\r").unwrap_or(line);
        if line.len() > self.max_line {
            return Step::LineTooLong;
        }
        if line == b"exit" {
            return Step::Exit;
        }
        push_reply(out, line, Framing::Line);
        Step::Continue
    }

    /// An unfinished line may hold one byte more than the limit only if it is the `\r` that
    /// will be dropped; anything longer can never become a valid line.
    fn check_partial(&self) -> Step {
        let len = self.partial.len();
        let over =
            len > self.max_line + 1 || (len == self.max_line + 1 && !self.partial.ends_with(b"\r"));
        if over {
            Step::LineTooLong
        } else {
            Step::Continue
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    /// Runs a whole input through a session, cut at the given read boundaries, then EOF.
    fn run(input: &[u8], cuts: &[usize], max_line: usize) -> (Vec<u8>, Step) {
        let mut session = Session::new(Framing::Line, max_line);
        let mut out = Vec::new();
        let mut start = 0;
        let mut points: Vec<usize> = cuts.iter().map(|c| c % (input.len() + 1)).collect();
        points.sort_unstable();
        points.push(input.len());
        for end in points {
            if end <= start {
                continue;
            }
            let step = session.feed(&input[start..end], &mut out);
            if step != Step::Continue {
                return (out, step);
            }
            start = end;
        }
        let step = session.finish(&mut out);
        (out, step)
    }

    /// The protocol as the spec states it, written the slow, obvious way.
    fn model(input: &[u8], max_line: usize) -> Vec<u8> {
        let mut out = Vec::new();
        let mut rest = input;
        while !rest.is_empty() {
            let (line, next) = match rest.iter().position(|&b| b == b'\n') {
                Some(i) => (&rest[..i], &rest[i + 1..]),
                None => (rest, &rest[rest.len()..]),
            };
            let terminated = rest.len() > line.len();
            let line = if terminated {
                line.strip_suffix(b"\r").unwrap_or(line)
            } else {
                line
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

    #[test]
    fn answers_each_line_and_stops_at_exit() {
        let (out, step) = run(b"Michael\nTracy\r\n\nexit\nSarah\n", &[], 100);
        assert_eq!(out, b"Hello, Michael!\nHello, Tracy!\nHello, !\n");
        assert_eq!(step, Step::Exit);
    }

    #[test]
    fn names_are_bytes_not_text() {
        let (out, _) = run(b"\xff\x00a\rb\r\r\n", &[], 100);
        assert_eq!(out, b"Hello, \xff\x00a\rb\r!\n");
    }

    #[test]
    fn final_unterminated_line_is_answered_at_eof() {
        let (out, step) = run(b"a\nb", &[], 100);
        assert_eq!(out, b"Hello, a!\nHello, b!\n");
        assert_eq!(step, Step::Exit);
        let (out, _) = run(b"a\nexit", &[], 100);
        assert_eq!(out, b"Hello, a!\n");
    }

    #[test]
    fn line_limit_counts_bytes_without_the_line_ending() {
        let (out, step) = run(b"abcd\r\nabcd\nabcde\nx\n", &[], 4);
        assert_eq!(out, b"Hello, abcd!\nHello, abcd!\n");
        assert_eq!(step, Step::LineTooLong);
        // An unfinished line is refused as soon as it cannot fit, before its newline.
        let mut s = Session::new(Framing::Line, 4);
        let mut out = Vec::new();
        assert_eq!(s.feed(b"abcd\r", &mut out), Step::Continue);
        assert_eq!(s.feed(b"x", &mut out), Step::LineTooLong);
        assert!(!s.has_partial());
    }

    #[test]
    fn notes_input_after_exit() {
        let mut s = Session::new(Framing::Line, 100);
        assert_eq!(s.feed(b"a\nexit\n", &mut Vec::new()), Step::Exit);
        assert!(!s.input_after_exit());
        let mut s = Session::new(Framing::Line, 100);
        assert_eq!(s.feed(b"a\nexit\nb", &mut Vec::new()), Step::Exit);
        assert!(s.input_after_exit());
    }

    #[test]
    fn chunk_framing_is_one_message_per_read() {
        let mut s = Session::new(Framing::Chunk, 4);
        let mut out = Vec::new();
        assert_eq!(s.feed(b"Michael\n", &mut out), Step::Continue);
        assert_eq!(s.feed(b"Tracy", &mut out), Step::Continue);
        assert_eq!(s.feed(b"exit", &mut out), Step::Exit);
        assert_eq!(out, b"Hello, Michael\n!Hello, Tracy!");
    }

    #[test]
    fn idle_session_holds_no_buffer() {
        let mut s = Session::new(Framing::Line, 100);
        let mut out = Vec::new();
        s.feed(b"ab", &mut out);
        s.feed(b"c\n", &mut out);
        assert_eq!(s.partial.capacity(), 0);
    }

    proptest! {
        /// Any split of the byte stream into reads yields exactly the same replies.
        #[test]
        fn any_split_gives_the_same_replies(
            lines in proptest::collection::vec(
                prop_oneof![
                    proptest::collection::vec(any::<u8>(), 0..12),
                    Just(b"exit".to_vec()),
                    proptest::collection::vec(Just(b'\r'), 0..3),
                ],
                0..20,
            ),
            cuts in proptest::collection::vec(any::<usize>(), 0..12),
            max_line in 1usize..16,
        ) {
            let mut input = Vec::new();
            for l in &lines {
                input.extend_from_slice(l);
                input.push(b'\n');
            }
            let whole = run(&input, &[], max_line);
            let split = run(&input, &cuts, max_line);
            prop_assert_eq!(&whole, &split);
            prop_assert_eq!(&whole.0, &model(&input, max_line));
            let bytewise: Vec<usize> = (0..input.len()).collect();
            prop_assert_eq!(&whole, &run(&input, &bytewise, max_line));
        }
    }
}
