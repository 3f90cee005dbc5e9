//! What one connection does in each mode: the hot loops of the load generator.
//!
//! Every loop reads into one buffer allocated per connection task, sends slices of its preformatted
//! [`Script`], and hands what it reads to the [`Checker`]: nothing is allocated or formatted
//! per message. A pipeline refill of `k` requests is one write, and one read usually carries
//! many replies, so the generator makes about one `read` and one `write` per batch.
//!
//! Reads are guarded by a [`Watchdog`] that is armed once and only re-armed when it fires,
//! instead of a timer reset per message.

use super::args::Framing;
use super::check::{Checker, Verdict};
use super::conn::{connect, Secure, Sources};
use super::dialogue::Dialogue;
use super::script::Script;
use super::stats::{RunPhase, Tally};
use crate::addr::Endpoint;
use crate::net::Stream;
use std::io;
use std::pin::Pin;
use std::rc::Rc;
use std::time::{Duration, Instant};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::sync::{watch, Semaphore};
use tokio::time::Sleep;

/// Read buffer per busy connection: a full pipeline of replies fits many times over.
const READ_BUFFER: usize = 16 * 1024;

/// Pause before reopening a connection that failed, so a dead server is not hammered.
const RECONNECT_PAUSE: Duration = Duration::from_millis(20);

/// What every connection of a run needs to know.
#[derive(Debug)]
pub struct RunSetup {
    /// The server.
    pub target: Endpoint,
    /// Source addresses to spread connections over.
    pub sources: Sources,
    /// What the server says and is asked, in its framing.
    pub dialogue: Dialogue,
    /// Longest wait for a connect or a reply.
    pub timeout: Duration,
    /// With `--tls`, how to shake hands on each connection.
    pub tls: Option<Secure>,
}

/// Lockstep (`window` 1) and pipeline (`window` = depth): keeps `window` requests in flight
/// until the run stops, reopening the connection if it breaks.
pub async fn steady(index: u32, window: usize, setup: Rc<RunSetup>, tally: Rc<Tally>) {
    // At least four names, so a reply to a neighbouring request never passes for this one.
    let script = Script::new(&setup.dialogue, index, window.max(4));
    let mut buf = vec![0u8; READ_BUFFER];
    let mut sent_at = vec![Instant::now(); script.cycle()];
    while tally.phase() != RunPhase::Stop {
        let result = async {
            let mut conv = Conversation::open(index, &script, &mut buf, &setup, &tally).await?;
            conv.greet().await?;
            conv.keep_window(window, &mut sent_at).await
        };
        if let Err(e) = result.await {
            tally.failed(|| format!("connection {index}: {e}"));
            tokio::time::sleep(RECONNECT_PAUSE).await;
        }
    }
}

/// Churn: connect, greeting, one name, `exit`, close, again, until the run stops.
pub async fn churn(index: u32, setup: Rc<RunSetup>, tally: Rc<Tally>) {
    let script = Script::new(&setup.dialogue, index, 2);
    let mut buf = vec![0u8; 1024];
    while tally.phase() != RunPhase::Stop {
        let result = async {
            let start = Instant::now();
            let mut conv = Conversation::open(index, &script, &mut buf, &setup, &tally).await?;
            conv.greet().await?;
            conv.ask(start).await
        };
        if let Err(e) = result.await {
            tally.failed(|| format!("connection {index}: {e}"));
            tokio::time::sleep(RECONNECT_PAUSE).await;
        }
    }
}

/// Idle: open the connection (at most `gate` at a time), hold it until `go`, then check it
/// still answers.
pub async fn idle(
    index: u32,
    setup: Rc<RunSetup>,
    tally: Rc<Tally>,
    gate: Rc<Semaphore>,
    opened: Rc<dyn Fn(bool)>,
    mut go: watch::Receiver<bool>,
) {
    let mut buf = [0u8; 256];
    let script = Script::new(&setup.dialogue, index, 2);
    let held = async {
        let _permit = gate.acquire().await.map_err(io::Error::other)?;
        let mut conv = Conversation::open(index, &script, &mut buf, &setup, &tally).await?;
        conv.greet().await?;
        Ok::<_, io::Error>(conv)
    }
    .await;
    opened(held.is_ok());
    let result = match held {
        Ok(mut conv) => {
            // The sender lives until every connection is done, so this only waits.
            let _ = go.wait_for(|&go| go).await;
            let _permit = gate.acquire().await;
            conv.ask(Instant::now()).await
        }
        Err(e) => Err(e),
    };
    if let Err(e) = result {
        tally.failed(|| format!("connection {index}: {e}"));
    }
}

/// One open connection and everything that works on it: the requests it sends, the checker
/// following its replies, the read timer, the read buffer, and where it reports. The script
/// and buffer belong to the connection's task and outlive a reconnect; the rest is per
/// connection.
struct Conversation<'a> {
    stream: Stream,
    script: &'a Script,
    checker: Checker,
    watchdog: Watchdog,
    buf: &'a mut [u8],
    setup: &'a RunSetup,
    tally: &'a Tally,
}

impl<'a> Conversation<'a> {
    /// Opens connection `index`, within the timeout.
    async fn open(
        index: u32,
        script: &'a Script,
        buf: &'a mut [u8],
        setup: &'a RunSetup,
        tally: &'a Tally,
    ) -> io::Result<Self> {
        let mut stream = connect(&setup.target, &setup.sources, index, setup.timeout).await?;
        if let Some(tls) = &setup.tls {
            stream = tls.handshake(stream, setup.timeout).await?;
        }
        Ok(Conversation {
            stream,
            script,
            checker: Checker::new(),
            watchdog: Watchdog::new(setup.timeout),
            buf,
            setup,
            tally,
        })
    }

    /// Reads until the greeting has been checked (at once for a server that greets nothing).
    async fn greet(&mut self) -> io::Result<()> {
        if self.script.greeting().is_empty() {
            self.checker.skip_greeting();
        }
        while !self.checker.greeted() {
            let n = match self.watchdog.read(&mut self.stream, self.buf).await {
                Ok(n) => n,
                Err(e) => return Err(self.greeting_hint(e)),
            };
            if n == 0 {
                return Err(io::Error::new(
                    io::ErrorKind::UnexpectedEof,
                    "closed before the greeting",
                ));
            }
            let tally = self.tally;
            let fed = self.checker.feed(self.script, &self.buf[..n], &mut |v| {
                settle(v, tally, |_| Duration::ZERO);
            });
            if fed.is_err() {
                return Err(bad_greeting(self.script, &self.buf[..n]));
            }
        }
        Ok(())
    }

    /// `err`, or what it probably means when all of the greeting but its newline came: the
    /// server speaks the tutorial's chunk framing, which ends nothing with a newline.
    fn greeting_hint(&self, err: io::Error) -> io::Error {
        let greeting = self.script.greeting();
        let unframed = greeting.len().saturating_sub(1);
        if self.script.framing() == Framing::Line
            && self.checker.greeting_so_far() == Some(unframed)
        {
            let text = String::from_utf8_lossy(&greeting[..unframed]);
            return io::Error::new(
                err.kind(),
                format!("the greeting {text:?} came without a newline: the server may speak the tutorial's framing (try --framing chunk)"),
            );
        }
        err
    }
    /// Keeps `window` requests in flight until the run stops and every reply is in, then
    /// says `exit`.
    async fn keep_window(&mut self, window: usize, sent_at: &mut [Instant]) -> io::Result<()> {
        self.send(window, sent_at).await?;
        loop {
            let n = self.read().await?;
            let now = Instant::now();
            let script = self.script;
            let done = self.check(n, |seq| now - sent_at[slot(seq, script)])?;
            if self.tally.phase() == RunPhase::Stop {
                if self.checker.outstanding() == 0 {
                    // Best effort: the run is over, a server that already closed is no error.
                    let _ = self.write(self.script.exit()).await;
                    return Ok(());
                }
            } else if done > 0 {
                self.send(done, sent_at).await?;
            }
        }
    }

    /// Sends one name and `exit`, checks the reply (its latency counted from `start`) and
    /// that the server then closes.
    async fn ask(&mut self, start: Instant) -> io::Result<()> {
        // A fresh timer: an idle connection may have been held far longer than the timeout.
        self.watchdog = Watchdog::new(self.setup.timeout);
        let seq = self.checker.next_to_send();
        let framing = self.script.framing();
        match framing {
            // Name and exit in one write: the server answers the name, then closes.
            Framing::Line => {
                self.write(self.script.requests(seq, 1)).await?;
                self.write(self.script.exit()).await?;
            }
            // Chunk framing must not let the two merge into one read on the server.
            Framing::Chunk => self.write(self.script.requests(seq, 1)).await?,
        }
        self.checker.sent(1);
        let mut exit_sent = framing == Framing::Line;
        loop {
            let n = self.read().await?;
            if n == 0 {
                return Ok(());
            }
            let now = Instant::now();
            self.check(n, |_| now - start)?;
            if !exit_sent && self.checker.outstanding() == 0 {
                self.write(self.script.exit()).await?;
                exit_sent = true;
            }
        }
    }

    /// Sends the next `n` requests in one write and stamps their send time.
    async fn send(&mut self, n: usize, sent_at: &mut [Instant]) -> io::Result<()> {
        let seq = self.checker.next_to_send();
        self.write(self.script.requests(seq, n)).await?;
        let now = Instant::now();
        for k in 0..n as u64 {
            sent_at[slot(seq + k, self.script)] = now;
        }
        self.checker.sent(n as u64);
        Ok(())
    }

    /// Writes `bytes` and flushes them (a no-op for a bare socket; TLS may hold a record
    /// until flushed).
    async fn write(&mut self, bytes: &[u8]) -> io::Result<()> {
        self.stream.write_all(bytes).await?;
        self.stream.flush().await
    }

    /// Reads into the buffer; an error, or the end of the stream with replies outstanding,
    /// counts those replies as missing.
    async fn read(&mut self) -> io::Result<usize> {
        let n = self.watchdog.read(&mut self.stream, self.buf).await;
        let n = lost_on_error(n, &self.checker, self.tally)?;
        self.watchdog.progress(Instant::now());
        Ok(n)
    }

    /// Checks the first `n` bytes read, each reply's latency given by `latency(seq)`;
    /// returns how many outstanding requests they settled.
    fn check(&mut self, n: usize, latency: impl Fn(u64) -> Duration) -> io::Result<usize> {
        let tally = self.tally;
        let mut done = 0;
        let fed = self.checker.feed(self.script, &self.buf[..n], &mut |v| {
            done += settle(v, tally, &latency);
        });
        if fed.is_err() {
            tally.missing(self.checker.outstanding());
            return Err(io::Error::other("the reply stream could not be followed"));
        }
        Ok(done)
    }
}

/// Records a verdict; returns how many outstanding requests it settled.
fn settle(v: Verdict, tally: &Tally, latency: impl FnOnce(u64) -> Duration) -> usize {
    match v {
        Verdict::Greeted => 0,
        Verdict::Reply(seq) => {
            tally.reply(latency(seq));
            1
        }
        Verdict::Wrong(_) => {
            tally.wrong();
            1
        }
        Verdict::Missing(n) => {
            tally.missing(n);
            n as usize
        }
        Verdict::Unexpected => {
            tally.wrong();
            0
        }
    }
}

/// The error for a greeting that is not the expected one, with what to try.
fn bad_greeting(script: &Script, got: &[u8]) -> io::Error {
    let text = String::from_utf8_lossy(got);
    let want = script.greeting();
    let hint = if script.framing() == Framing::Chunk
        && got.starts_with(want)
        && got[want.len()..].starts_with(b"\n")
    {
        "the greeting ends with a newline: the server may speak line framing (try --framing line)"
    } else {
        "give the server's greeting with --greeting TEXT, or --greeting none"
    };
    io::Error::other(format!("bad greeting: {:?} ({hint})", text.trim_end()))
}

/// On a read error or end of stream with replies outstanding, counts them as missing.
fn lost_on_error(n: io::Result<usize>, checker: &Checker, tally: &Tally) -> io::Result<usize> {
    let outstanding = checker.outstanding();
    match n {
        Ok(0) if outstanding > 0 => {
            tally.missing(outstanding);
            Err(io::Error::new(
                io::ErrorKind::UnexpectedEof,
                format!("closed with {outstanding} replies outstanding"),
            ))
        }
        Err(e) => {
            tally.missing(outstanding);
            Err(e)
        }
        ok => ok,
    }
}

fn slot(seq: u64, script: &Script) -> usize {
    (seq % script.cycle() as u64) as usize
}

/// A read timeout that costs nothing per message: the timer is armed once and, when it fires,
/// re-armed from the last progress instead of being reset on every read.
struct Watchdog {
    timeout: Duration,
    last: Instant,
    timer: Pin<Box<Sleep>>,
}

impl Watchdog {
    fn new(timeout: Duration) -> Self {
        Watchdog {
            timeout,
            last: Instant::now(),
            timer: Box::pin(tokio::time::sleep(timeout)),
        }
    }

    /// Notes that the peer made progress at `now`.
    fn progress(&mut self, now: Instant) {
        self.last = now;
    }

    /// Reads into `buf`, failing with `TimedOut` after `timeout` without progress.
    async fn read(&mut self, stream: &mut Stream, buf: &mut [u8]) -> io::Result<usize> {
        loop {
            tokio::select! {
                biased;
                n = stream.read(buf) => return n,
                () = &mut self.timer => {
                    let deadline = self.last + self.timeout;
                    if Instant::now() >= deadline {
                        return Err(io::Error::new(io::ErrorKind::TimedOut, "no reply in time"));
                    }
                    self.timer.as_mut().reset(deadline.into());
                }
            }
        }
    }
}
