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
//! no heap memory here. An unfinished line is charged to an [`InputBudget`] that every session
//! of a server shares: the first read's worth of it is free (a line that fits in one read
//! never needs the budget), and a line that grows past that is charged whole, so the memory a
//! server holds for unfinished lines is bounded however many clients send long ones (see
//! `partial` for where it lives). The connection asks [`Session::make_room`] before each
//! read and stops reading while the budget is spent.

mod partial;

use memchr::memchr;
use partial::Partial;
use std::sync::atomic::{AtomicUsize, Ordering};

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
    /// The client connects faster than `--max-connection-rate` or
    /// `--max-connection-rate-per-ip` allow.
    SlowDown,
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
            ErrorLine::SlowDown => b"ERR too many connections, slow down\n",
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

/// Where the next `\n` is. A line of the hello protocol is usually a few bytes: below 16,
/// a plain scan beats memchr's dispatch to its vector routine (callgrind, churn: 323 -> 247
/// instructions per connection in `Session::feed`); longer input goes to memchr.
#[inline]
fn find_newline(input: &[u8]) -> Option<usize> {
    if input.len() < 16 {
        input.iter().position(|&b| b == b'\n')
    } else {
        memchr(b'\n', input)
    }
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

/// A server-wide allowance of bytes for unfinished lines, shared by every [`Session`] of a
/// server. Sessions take from it as their unfinished line grows past one read and give it
/// back when the line ends or the session is dropped.
#[derive(Debug)]
pub struct InputBudget {
    limit: AtomicUsize,
    used: AtomicUsize,
}

/// The budget of sessions made with [`Session::new`]: no limit.
static UNLIMITED: InputBudget = InputBudget::new(usize::MAX);

impl InputBudget {
    /// A budget of `limit` bytes.
    pub const fn new(limit: usize) -> Self {
        InputBudget {
            limit: AtomicUsize::new(limit),
            used: AtomicUsize::new(0),
        }
    }

    /// Changes the limit (a configuration reload). Bytes taken beyond a lowered limit stay
    /// taken until their lines end; nothing more is taken until the total is under it.
    pub fn set_limit(&self, limit: usize) {
        self.limit.store(limit, Ordering::Relaxed);
    }

    /// The bytes taken now.
    pub fn used(&self) -> usize {
        self.used.load(Ordering::Relaxed)
    }

    /// Takes `n` bytes if they fit.
    #[must_use]
    pub(crate) fn take(&self, n: usize) -> bool {
        let limit = self.limit.load(Ordering::Relaxed);
        self.used
            .fetch_update(Ordering::Relaxed, Ordering::Relaxed, |used| {
                used.checked_add(n).filter(|&after| after <= limit)
            })
            .is_ok()
    }

    /// Gives back `n` bytes taken before.
    pub(crate) fn give_back(&self, n: usize) {
        self.used.fetch_sub(n, Ordering::Relaxed);
    }
}

/// One connection's protocol state.
#[derive(Debug)]
pub struct Session<'b> {
    framing: Framing,
    max_line: usize,
    /// The start of a line whose `\n` has not arrived yet. Empty (and unallocated) between
    /// lines, which is the common case for an idle connection.
    partial: Partial,
    /// Where `partial` is charged once it grows past one read.
    budget: &'b InputBudget,
    done: bool,
    /// Bytes came after the `exit` line: the client is still sending.
    input_after_exit: bool,
    /// Names answered so far, wrapping: the server counts the difference across one read,
    /// and a `u32` packs beside the flags where a `u64` would grow every connection.
    answered: u32,
}

impl Session<'static> {
    /// A session for one connection, its unfinished lines bounded only by `max_line`.
    pub fn new(framing: Framing, max_line: usize) -> Self {
        Session::with_budget(framing, max_line, &UNLIMITED)
    }
}

impl<'b> Session<'b> {
    /// A session whose unfinished lines, past one read's worth, are charged to `budget`.
    pub fn with_budget(framing: Framing, max_line: usize, budget: &'b InputBudget) -> Self {
        Session {
            framing,
            max_line,
            partial: Partial::new(),
            budget,
            done: false,
            input_after_exit: false,
            answered: 0,
        }
    }

    /// Whether the client sent anything after its `exit` line (in what was fed so far).
    pub fn input_after_exit(&self) -> bool {
        self.input_after_exit
    }

    /// How many names have been answered so far, modulo 2^32: take differences with
    /// `wrapping_sub`.
    pub fn answered(&self) -> u32 {
        self.answered
    }

    /// Whether a line has started but not ended.
    pub fn has_partial(&self) -> bool {
        !self.partial.is_empty()
    }

    /// Makes sure the next read, of at most `read_size` bytes, can be kept whole: `false`
    /// when that needs more of the budget than is left, and the caller should not read until
    /// some is given back. A session without an unfinished line always has room: a read's
    /// unfinished tail is kept without charge, so lines that fit in one read never wait.
    pub fn make_room(&mut self, read_size: usize) -> bool {
        let len = self.partial.as_slice().len();
        let needed = (len + read_size).min(self.max_line + 1);
        let capacity = self.partial.capacity();
        if len == 0 || capacity >= needed {
            return true;
        }
        // Doubling keeps the copies few; when the budget cannot cover that, just enough.
        let doubled = (capacity * 2).clamp(needed, self.max_line + 1);
        [doubled, needed]
            .into_iter()
            .any(|size| self.partial.grow(size, self.budget))
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
            self.release();
        }
        step
    }

    /// The client closed its sending side: answers a final unterminated line, if any (kept
    /// byte for byte: only a `\r` before a `\n` is dropped).
    pub fn finish(&mut self, out: &mut Vec<u8>) -> Step {
        if self.done || self.partial.is_empty() {
            return Step::Exit;
        }
        self.done = true;
        let line = self.partial.as_slice();
        let step = if line.len() > self.max_line {
            Step::LineTooLong
        } else {
            if line != b"exit" {
                push_reply(out, line, self.framing);
                self.answered = self.answered.wrapping_add(1);
            }
            Step::Exit
        };
        self.release();
        step
    }

    /// Frees the unfinished line and gives its charge back.
    fn release(&mut self) {
        self.partial.release(self.budget);
    }

    fn feed_chunk(&mut self, input: &[u8], out: &mut Vec<u8>) -> Step {
        if input == b"exit" {
            return Step::Exit;
        }
        push_reply(out, input, Framing::Chunk);
        self.answered = self.answered.wrapping_add(1);
        Step::Continue
    }

    fn feed_lines(&mut self, mut input: &[u8], out: &mut Vec<u8>) -> Step {
        if !self.partial.is_empty() {
            let Some(nl) = find_newline(input) else {
                return self.hold(input);
            };
            let step = self.answer_joined(&input[..nl], out);
            self.release();
            input = &input[nl + 1..];
            if step != Step::Continue {
                self.input_after_exit = !input.is_empty();
                return step;
            }
            self.answered = self.answered.wrapping_add(1);
        }
        while let Some(nl) = find_newline(input) {
            let step = self.answer(&input[..nl], out);
            input = &input[nl + 1..];
            if step != Step::Continue {
                self.input_after_exit = !input.is_empty();
                return step;
            }
            self.answered = self.answered.wrapping_add(1);
        }
        if !input.is_empty() {
            return self.hold(input);
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

    /// Answers the line made of the unfinished one and `rest` (up to its `\n`), without
    /// copying them together: the `\r` to drop may be the last byte of either.
    fn answer_joined(&self, rest: &[u8], out: &mut Vec<u8>) -> Step {
        let partial = self.partial.as_slice();
        let (head, tail) = match rest.strip_suffix(b"\r") {
            Some(tail) => (partial, tail),
            None if rest.is_empty() => (partial.strip_suffix(b"\r").unwrap_or(partial), rest),
            None => (partial, rest),
        };
        if head.len() + tail.len() > self.max_line {
            return Step::LineTooLong;
        }
        if head.iter().chain(tail).eq(b"exit") {
            return Step::Exit;
        }
        out.reserve(head.len() + tail.len() + 9);
        out.extend_from_slice(b"Hello, ");
        out.extend_from_slice(head);
        out.extend_from_slice(tail);
        out.extend_from_slice(b"!\n");
        Step::Continue
    }

    /// Keeps `input` (not empty) as the start of an unfinished line, or refuses the line once
    /// it cannot fit: it may hold one byte more than the limit only if that is a `\r`, which
    /// the `\n` will drop.
    fn hold(&mut self, input: &[u8]) -> Step {
        let len = self.partial.as_slice().len() + input.len();
        let limit = self.max_line + 1;
        if len > limit || (len == limit && !input.ends_with(b"\r")) {
            return Step::LineTooLong;
        }
        self.partial.extend(input, self.budget);
        Step::Continue
    }
}

impl Drop for Session<'_> {
    fn drop(&mut self) {
        self.release();
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    /// Runs a whole input through a session, cut at the given read boundaries, then EOF.
    ///
    /// Room is made before each read, as the server does, against a budget that fits; every
    /// byte taken from it is given back once the session is gone.
    fn run(input: &[u8], cuts: &[usize], max_line: usize) -> (Vec<u8>, Step) {
        let budget = InputBudget::new(1 << 20);
        let result = run_with(&budget, input, cuts, max_line);
        assert_eq!(budget.used(), 0, "budget given back");
        result
    }

    fn run_with(
        budget: &InputBudget,
        input: &[u8],
        cuts: &[usize],
        max_line: usize,
    ) -> (Vec<u8>, Step) {
        let mut session = Session::with_budget(Framing::Line, max_line, budget);
        let mut out = Vec::new();
        let mut start = 0;
        let mut points: Vec<usize> = cuts.iter().map(|c| c % (input.len() + 1)).collect();
        points.sort_unstable();
        points.push(input.len());
        for end in points {
            if end <= start {
                continue;
            }
            assert!(session.make_room(end - start), "the budget fits");
            let step = session.feed(&input[start..end], &mut out);
            if step != Step::Continue {
                return (out, step);
            }
            start = end;
        }
        let step = session.finish(&mut out);
        (out, step)
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

    /// Every reply is counted once, in both framings and at end of stream; `exit` and an
    /// over-long line are not replies.
    #[test]
    fn answered_counts_replies() {
        let mut out = Vec::new();
        let mut lines = Session::new(Framing::Line, 8);
        lines.feed(b"a\nb\r\nc", &mut out);
        assert_eq!(lines.answered(), 2);
        lines.finish(&mut out);
        assert_eq!(lines.answered(), 3);
        let mut joined = Session::new(Framing::Line, 8);
        joined.feed(b"ab", &mut out);
        joined.feed(b"c\nd\n", &mut out);
        assert_eq!(joined.answered(), 2);
        let mut exit = Session::new(Framing::Line, 8);
        exit.feed(b"a\nexit\nb\n", &mut out);
        assert_eq!(exit.answered(), 1);
        let mut long = Session::new(Framing::Line, 2);
        long.feed(b"a\nlong\n", &mut out);
        assert_eq!(long.answered(), 1);
        let mut chunks = Session::new(Framing::Chunk, 8);
        chunks.feed(b"a", &mut out);
        chunks.feed(b"exit", &mut out);
        assert_eq!(chunks.answered(), 1);
    }

    /// Issue 11: an unfinished line grows past one read only with budget; while it is spent
    /// the session has no room (the server stops reading it), a session without an unfinished
    /// line still answers lines that fit in one read, and ending the line gives it back.
    #[test]
    fn unfinished_lines_past_one_read_are_charged_to_the_budget() {
        let budget = InputBudget::new(100);
        let mut out = Vec::new();
        let mut long = Session::with_budget(Framing::Line, 1000, &budget);
        assert!(long.make_room(10));
        assert_eq!(long.feed(&[b'x'; 10], &mut out), Step::Continue);
        assert_eq!(budget.used(), 0, "the first read's tail is free");
        assert!(long.make_room(10));
        assert_eq!(
            budget.used(),
            20,
            "past one read, the line is charged whole"
        );
        assert_eq!(long.feed(&[b'x'; 10], &mut out), Step::Continue);
        let mut held = 20;
        while long.make_room(10) {
            long.feed(&[b'x'; 10], &mut out);
            held += 10;
            assert!(held <= 200, "the budget never ran out");
        }
        let used = budget.used();
        assert!(
            used <= 100 && held + 10 > 100,
            "{held} held, {used} charged"
        );
        let mut short = Session::with_budget(Framing::Line, 1000, &budget);
        assert!(short.make_room(10));
        assert_eq!(short.feed(b"Sarah\nTr", &mut out), Step::Continue);
        assert_eq!(short.feed(b"acy\n", &mut out), Step::Continue);
        assert_eq!(out, b"Hello, Sarah!\nHello, Tracy!\n");
        assert_eq!(long.feed(b"\n", &mut out), Step::Continue);
        assert_eq!(budget.used(), 0, "the ended line gave its charge back");
        assert!(long.make_room(10));
        long.feed(&[b'y'; 10], &mut out);
        assert!(long.make_room(10));
        assert!(budget.used() > 0);
        drop(long);
        assert_eq!(budget.used(), 0, "a dropped session gives its charge back");
    }

    /// A line completed across reads is answered whole, its `\r` dropped wherever it fell.
    #[test]
    fn a_line_joined_across_reads_drops_one_cr() {
        for cut in 1..8 {
            let input = b"Tracy\r\nexi";
            let (out, _) = run(input, &[cut], 100);
            assert_eq!(out, b"Hello, Tracy!\nHello, exi!\n", "cut at {cut}");
        }
        let (out, step) = run(b"ex\r\r\nexit\r\n", &[2, 3, 4], 100);
        assert_eq!((out.as_slice(), step), (&b"Hello, ex\r!\n"[..], Step::Exit));
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
            prop_assert_eq!(&whole.0, &crate::fuzzing::line_model(&input, max_line));
            let bytewise: Vec<usize> = (0..input.len()).collect();
            prop_assert_eq!(&whole, &run(&input, &bytewise, max_line));
        }
    }
}
