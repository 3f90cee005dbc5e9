//! What one connection sends and what must come back, formatted once before any load.
//!
//! A [`Script`] holds a short cycle of distinct names for one connection (`c17n0`, `c17n1`, ...,
//! or whatever `--name` makes of `{conn}` and `{seq}`) with their requests, expected replies
//! and greeting already encoded for the [`Dialogue`] and framing in use. Request
//! `seq` uses name `seq % len`, so the hot loop only slices preformatted bytes: no formatting
//! and no allocation per message. Names differ between neighbours in the cycle, so a reordered
//! reply does not match, and between connections, so cross-talk does not either.

use super::args::Framing;
use super::dialogue::Dialogue;

/// Preformatted requests and expected replies for one connection.
#[derive(Debug, Clone)]
pub struct Script {
    framing: Framing,
    /// The requests of the cycle, laid out twice in a row so that any run of up to `cycle()`
    /// consecutive requests is one contiguous slice: a pipeline refill is one write.
    requests: Vec<u8>,
    /// `2 * cycle() + 1` offsets into `requests`.
    request_at: Vec<usize>,
    /// The expected replies of the cycle, back to back.
    replies: Vec<u8>,
    /// `cycle() + 1` offsets into `replies`.
    reply_at: Vec<usize>,
    /// The greeting, framed; empty when the server greets nothing.
    greeting: Vec<u8>,
    /// `exit`, framed.
    exit: Vec<u8>,
}

impl Script {
    /// A cycle of `len` names (at least 2) for connection `conn`, spoken as `dialogue` says.
    pub fn new(dialogue: &Dialogue, conn: u32, len: usize) -> Self {
        let len = len.max(2);
        let names: Vec<String> = (0..len).map(|k| dialogue.name(conn, k)).collect();
        let mut requests = Vec::new();
        let mut request_at = vec![0];
        for name in names.iter().chain(names.iter()) {
            requests.extend_from_slice(&dialogue.framed(name));
            request_at.push(requests.len());
        }
        let mut replies = Vec::new();
        let mut reply_at = vec![0];
        for name in &names {
            replies.extend_from_slice(&dialogue.framed(&dialogue.reply(name)));
            reply_at.push(replies.len());
        }
        Script {
            framing: dialogue.framing(),
            requests,
            request_at,
            replies,
            reply_at,
            greeting: dialogue.greeting(),
            exit: dialogue.framed("exit"),
        }
    }

    /// Names in the cycle.
    pub fn cycle(&self) -> usize {
        self.reply_at.len() - 1
    }

    /// The framing the bytes are encoded for.
    pub fn framing(&self) -> Framing {
        self.framing
    }

    /// The bytes of requests `seq .. seq + n`, as one slice; `n` must not exceed `cycle()`.
    pub fn requests(&self, seq: u64, n: usize) -> &[u8] {
        assert!(
            n <= self.cycle(),
            "a window of {n} exceeds the cycle of {}",
            self.cycle()
        );
        let start = (seq % self.cycle() as u64) as usize;
        &self.requests[self.request_at[start]..self.request_at[start + n]]
    }

    /// The reply request `seq` must get, byte for byte.
    pub fn reply(&self, seq: u64) -> &[u8] {
        let k = (seq % self.cycle() as u64) as usize;
        &self.replies[self.reply_at[k]..self.reply_at[k + 1]]
    }

    /// The greeting the server sends on accept; empty when it greets nothing.
    pub fn greeting(&self) -> &[u8] {
        &self.greeting
    }

    /// The request that ends the conversation.
    pub fn exit(&self) -> &[u8] {
        &self.exit
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Windows that wrap around the cycle are still one contiguous run of requests.
    #[test]
    fn windows_wrap_contiguously() {
        let s = Script::new(&Dialogue::default(), 3, 4);
        assert_eq!(s.requests(0, 1), b"c3n0\n");
        assert_eq!(s.requests(3, 3), b"c3n3\nc3n0\nc3n1\n");
        assert_eq!(s.requests(9, 4), b"c3n1\nc3n2\nc3n3\nc3n0\n");
        assert_eq!(s.reply(6), b"Hello, c3n2!\n");
    }

    /// Chunk framing has no delimiters anywhere.
    #[test]
    fn chunk_framing_has_no_newlines() {
        let chunk = Dialogue::new(
            Framing::Chunk,
            Some("Welcome!".into()),
            "c{conn}n{seq}",
            "Hello, {name}!",
        );
        let s = Script::new(&chunk.unwrap(), 0, 1);
        assert_eq!(s.cycle(), 2);
        assert_eq!(s.requests(1, 1), b"c0n1");
        assert_eq!(s.reply(1), b"Hello, c0n1!");
        assert_eq!(s.greeting(), b"Welcome!");
        assert_eq!(s.exit(), b"exit");
    }

    /// Another server's dialogue: its greeting, a fixed name and its own reply.
    #[test]
    fn another_servers_dialogue() {
        let d = Dialogue::new(Framing::Line, Some("Hi there".into()), "Ann", "Yo {name}").unwrap();
        let s = Script::new(&d, 0, 2);
        assert_eq!(s.greeting(), b"Hi there\n");
        assert_eq!(s.requests(0, 2), b"Ann\nAnn\n");
        assert_eq!(s.reply(1), b"Yo Ann\n");
    }
}
