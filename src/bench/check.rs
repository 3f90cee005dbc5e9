//! The reply checker: bytes from the server in, verdicts out, no I/O.
//!
//! A [`Checker`] follows one connection. It is told how many requests went out
//! ([`Checker::sent`]) and fed whatever the server sent ([`Checker::feed`]); it matches the
//! bytes against the expected greeting and replies of the [`Script`] as they stream in, so a
//! correct reply costs a byte comparison and no buffering, however the reads split it.
//!
//! On a mismatch in line framing it collects the rest of the offending line and tries to
//! resynchronise: if that line is a later outstanding reply, the ones in between are missing;
//! otherwise the expected reply was wrong. With chunk framing there is no delimiter to
//! resynchronise on, so the connection is [`Broken`]. Replies still outstanding when a
//! connection ends are the caller's to count as missing ([`Checker::outstanding`]).

use super::args::Framing;
use super::script::Script;

/// Longest offending line kept for resynchronisation; longer ones cannot match any reply.
const MAX_WRONG_LINE: usize = 64 * 1024;

/// What the checker saw.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Verdict {
    /// The greeting arrived intact: requests may go out.
    Greeted,
    /// The reply to request `seq` arrived intact.
    Reply(u64),
    /// Request `seq` got something other than its reply.
    Wrong(u64),
    /// The replies to this many requests never came (a later one did).
    Missing(u64),
    /// Bytes arrived where no reply was outstanding, or instead of the greeting.
    Unexpected,
}

/// The stream cannot be followed any further; the connection should be dropped.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Broken;

/// Where the checker is in the reply stream.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum CheckerState {
    /// Matching the greeting.
    Greeting,
    /// Matching the reply to request `next`.
    Replies,
    /// Collecting an offending line up to its `\n`.
    Resync,
    /// Given up.
    Broken,
}

/// Follows the replies on one connection; see the module docs.
#[derive(Debug)]
pub struct Checker {
    state: CheckerState,
    /// Bytes of the current greeting or reply matched so far.
    pos: usize,
    /// The request whose reply comes next.
    next: u64,
    /// Requests sent so far.
    sent: u64,
    /// The offending line while resynchronising; allocated only once something went wrong.
    line: Vec<u8>,
}

impl Default for Checker {
    fn default() -> Self {
        Self::new()
    }
}

impl Checker {
    /// A checker for a fresh connection: the greeting comes first.
    pub fn new() -> Self {
        Checker {
            state: CheckerState::Greeting,
            pos: 0,
            next: 0,
            sent: 0,
            line: Vec::new(),
        }
    }

    /// Records that `n` more requests went out; their sequence numbers follow the earlier ones.
    pub fn sent(&mut self, n: u64) {
        self.sent += n;
    }

    /// Sequence number of the next request to send.
    pub fn next_to_send(&self) -> u64 {
        self.sent
    }

    /// Requests whose replies have not come yet.
    pub fn outstanding(&self) -> u64 {
        self.sent - self.next
    }

    /// Whether the greeting has arrived.
    pub fn greeted(&self) -> bool {
        !matches!(self.state, CheckerState::Greeting)
    }

    /// For a server that greets nothing: replies come first.
    pub fn skip_greeting(&mut self) {
        if self.state == CheckerState::Greeting {
            self.state = CheckerState::Replies;
            self.pos = 0;
        }
    }

    /// Bytes of the greeting that have arrived intact while it is still incomplete, to tell
    /// why it never completed.
    pub fn greeting_so_far(&self) -> Option<usize> {
        (self.state == CheckerState::Greeting).then_some(self.pos)
    }

    /// Matches `data`, the next bytes from the server, reporting each verdict to `on`.
    pub fn feed(
        &mut self,
        script: &Script,
        mut data: &[u8],
        on: &mut impl FnMut(Verdict),
    ) -> Result<(), Broken> {
        while !data.is_empty() {
            data = match self.state {
                CheckerState::Broken => return Err(Broken),
                CheckerState::Greeting => self.greeting(script, data, on)?,
                CheckerState::Replies => self.reply(script, data, on)?,
                CheckerState::Resync => self.resync(script, data, on),
            };
        }
        Ok(())
    }

    fn greeting<'d>(
        &mut self,
        script: &Script,
        data: &'d [u8],
        on: &mut impl FnMut(Verdict),
    ) -> Result<&'d [u8], Broken> {
        let want = &script.greeting()[self.pos..];
        let n = common_prefix(want, data);
        if n == want.len() {
            self.state = CheckerState::Replies;
            self.pos = 0;
            on(Verdict::Greeted);
            Ok(&data[n..])
        } else if n == data.len() {
            self.pos += n;
            Ok(&[])
        } else {
            on(Verdict::Unexpected);
            Err(self.broken())
        }
    }

    fn reply<'d>(
        &mut self,
        script: &Script,
        data: &'d [u8],
        on: &mut impl FnMut(Verdict),
    ) -> Result<&'d [u8], Broken> {
        if self.outstanding() == 0 {
            on(Verdict::Unexpected);
            return Err(self.broken());
        }
        let expected = script.reply(self.next);
        let want = &expected[self.pos..];
        let n = common_prefix(want, data);
        if n == want.len() {
            on(Verdict::Reply(self.next));
            self.next += 1;
            self.pos = 0;
            return Ok(&data[n..]);
        }
        if n == data.len() {
            self.pos += n;
            return Ok(&[]);
        }
        if script.framing() == Framing::Chunk {
            on(Verdict::Wrong(self.next));
            return Err(self.broken());
        }
        self.line.clear();
        self.line.extend_from_slice(&expected[..self.pos + n]);
        self.pos = 0;
        self.state = CheckerState::Resync;
        Ok(&data[n..])
    }

    fn resync<'d>(
        &mut self,
        script: &Script,
        data: &'d [u8],
        on: &mut impl FnMut(Verdict),
    ) -> &'d [u8] {
        let (part, rest, complete) = match memchr::memchr(b'\n', data) {
            Some(i) => (&data[..=i], &data[i + 1..], true),
            None => (data, &data[data.len()..], false),
        };
        let room = MAX_WRONG_LINE.saturating_sub(self.line.len());
        self.line.extend_from_slice(&part[..part.len().min(room)]);
        if complete {
            self.settle(script, on);
            self.state = CheckerState::Replies;
        }
        rest
    }

    /// Decides what the complete offending line in `self.line` was.
    fn settle(&mut self, script: &Script, on: &mut impl FnMut(Verdict)) {
        // Only replies within one cycle are told apart: `reply(seq + cycle)` equals `reply(seq)`.
        let ahead = self.outstanding().min(script.cycle() as u64);
        let skipped = (1..ahead).find(|&j| script.reply(self.next + j) == self.line.as_slice());
        match skipped {
            Some(j) => {
                on(Verdict::Missing(j));
                on(Verdict::Reply(self.next + j));
                self.next += j + 1;
            }
            None => {
                on(Verdict::Wrong(self.next));
                self.next += 1;
            }
        }
    }

    fn broken(&mut self) -> Broken {
        self.state = CheckerState::Broken;
        Broken
    }
}

fn common_prefix(a: &[u8], b: &[u8]) -> usize {
    a.iter().zip(b).take_while(|(x, y)| x == y).count()
}

#[cfg(test)]
mod tests {
    use super::super::dialogue::Dialogue;
    use super::*;

    /// Feeds `input` split into pieces of `step` bytes; returns the verdicts and the outcome.
    fn run(script: &Script, sent: u64, input: &[u8], step: usize) -> (Vec<Verdict>, Checker, bool) {
        let mut c = Checker::new();
        c.sent(sent);
        let mut out = Vec::new();
        let mut ok = true;
        for piece in input.chunks(step) {
            if c.feed(script, piece, &mut |v| out.push(v)).is_err() {
                ok = false;
                break;
            }
        }
        (out, c, ok)
    }

    fn line_script() -> Script {
        Script::new(&Dialogue::default(), 1, 4)
    }

    /// Correct replies pass however the reads split them, byte by byte included.
    #[test]
    fn correct_replies_pass_in_any_split() {
        let s = line_script();
        let input = b"Welcome!\nHello, c1n0!\nHello, c1n1!\nHello, c1n2!\n";
        for step in 1..input.len() {
            let (v, c, ok) = run(&s, 3, input, step);
            assert!(ok);
            assert_eq!(
                v,
                [
                    Verdict::Greeted,
                    Verdict::Reply(0),
                    Verdict::Reply(1),
                    Verdict::Reply(2)
                ]
            );
            assert_eq!(c.outstanding(), 0);
        }
    }

    /// A reply with one wrong byte is Wrong, and the replies after it still check.
    #[test]
    fn wrong_reply_is_caught_and_resynchronised() {
        let s = line_script();
        let input = b"Welcome!\nHello, c1n0!\nHello, c1nX!\nHello, c1n2!\n";
        for step in [1, 5, input.len()] {
            let (v, _, ok) = run(&s, 3, input, step);
            assert!(ok);
            assert_eq!(
                v,
                [
                    Verdict::Greeted,
                    Verdict::Reply(0),
                    Verdict::Wrong(1),
                    Verdict::Reply(2)
                ]
            );
        }
    }

    /// Two replies swapped are caught: the first reads as a skip ahead (one missing), the
    /// late one as wrong, and the stream then runs past what was sent, which breaks it.
    #[test]
    fn reordered_replies_are_caught() {
        let s = line_script();
        let input = b"Welcome!\nHello, c1n1!\nHello, c1n0!\nHello, c1n2!\n";
        let (v, _, ok) = run(&s, 3, input, 7);
        assert!(!ok);
        assert_eq!(
            v,
            [
                Verdict::Greeted,
                Verdict::Missing(1),
                Verdict::Reply(1),
                Verdict::Wrong(2),
                Verdict::Unexpected,
            ]
        );
    }

    /// A reply dropped in the middle is Missing, and the later ones are still correct.
    #[test]
    fn missing_reply_in_the_middle_is_caught() {
        let s = line_script();
        let input = b"Welcome!\nHello, c1n0!\nHello, c1n2!\nHello, c1n3!\n";
        let (v, c, ok) = run(&s, 4, input, 3);
        assert!(ok);
        assert_eq!(
            v,
            [
                Verdict::Greeted,
                Verdict::Reply(0),
                Verdict::Missing(1),
                Verdict::Reply(2),
                Verdict::Reply(3),
            ]
        );
        assert_eq!(c.outstanding(), 0);
    }

    /// Replies that never come stay outstanding for the caller to count as missing.
    #[test]
    fn missing_reply_at_the_end_stays_outstanding() {
        let s = line_script();
        let (v, c, ok) = run(&s, 3, b"Welcome!\nHello, c1n0!\nHello, c1", 4);
        assert!(ok);
        assert_eq!(v, [Verdict::Greeted, Verdict::Reply(0)]);
        assert_eq!(c.outstanding(), 2);
    }

    /// A reply nobody asked for, or a wrong greeting, breaks the connection.
    #[test]
    fn unexpected_bytes_break_the_connection() {
        let s = line_script();
        let (v, _, ok) = run(&s, 1, b"Welcome!\nHello, c1n0!\nHello, c1n1!\n", 64);
        assert!(!ok);
        assert_eq!(v.last(), Some(&Verdict::Unexpected));
        let (v, _, ok) = run(&s, 1, b"ERR server busy\n", 64);
        assert!(!ok);
        assert_eq!(v, [Verdict::Unexpected]);
    }

    /// A greeting that is only partly there says how much of it came; after skipping it,
    /// replies are matched from the first byte.
    #[test]
    fn greeting_progress_and_skipping() {
        let s = line_script();
        let (_, c, ok) = run(&s, 1, b"Welcome!", 3);
        assert!(ok);
        assert_eq!(c.greeting_so_far(), Some(8));
        let mut c = Checker::new();
        c.skip_greeting();
        c.sent(1);
        let mut out = Vec::new();
        c.feed(&s, b"Hello, c1n0!\n", &mut |v| out.push(v)).unwrap();
        assert_eq!(out, [Verdict::Reply(0)]);
        assert_eq!(c.greeting_so_far(), None);
    }

    /// With chunk framing a wrong reply cannot be resynchronised: Wrong, then Broken.
    #[test]
    fn chunk_framing_wrong_reply_breaks() {
        let chunk = Dialogue::new(
            Framing::Chunk,
            Some("Welcome!".into()),
            "c{conn}n{seq}",
            "Hello, {name}!",
        );
        let s = Script::new(&chunk.unwrap(), 2, 2);
        let (v, _, ok) = run(&s, 1, b"Welcome!Hello, c2n0!", 3);
        assert!(ok);
        assert_eq!(v, [Verdict::Greeted, Verdict::Reply(0)]);
        let (v, _, ok) = run(&s, 1, b"Welcome!Hello, c2n1!", 64);
        assert!(!ok);
        assert_eq!(v, [Verdict::Greeted, Verdict::Wrong(0)]);
    }
}
