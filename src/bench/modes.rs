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
use super::schedule::{Pacer, Stamp};
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

/// Longest a paced connection sleeps before looking again whether the run has stopped, so a
/// slow `--rate` does not keep the run going past `-d` for a whole interval.
const STOP_CHECK: Duration = Duration::from_millis(100);

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
    /// With `--rate`, messages (churn: conversations) per second over all connections.
    pub rate: Option<f64>,
    /// Connections in the run, which share the rate.
    pub connections: u32,
}

impl RunSetup {
    /// Connection `index`'s schedule under `--rate`, starting now.
    fn pacer(&self, index: u32) -> Option<Pacer> {
        self.rate
            .map(|rate| Pacer::new(Instant::now(), rate, self.connections, index))
    }
}

/// Lockstep (`window` 1) and pipeline (`window` = depth): keeps `window` requests in flight
/// (under `--rate`, at most that many, each sent when due) until the run stops, reopening the
/// connection if it breaks.
pub async fn steady(index: u32, window: usize, setup: Rc<RunSetup>, tally: Rc<Tally>) {
    // At least four names, so a reply to a neighbouring request never passes for this one.
    let script = Script::new(&setup.dialogue, index, window.max(4));
    let mut buf = vec![0u8; READ_BUFFER];
    let mut stamps = vec![Stamp::unpaced(Instant::now()); script.cycle()];
    // Made when the connection is first greeted, and kept across reconnects: time lost
    // reconnecting is time behind schedule.
    let mut pacer: Option<Pacer> = None;
    while tally.phase() != RunPhase::Stop {
        let result = async {
            let mut conv = Conversation::open(index, &script, &mut buf, &setup, &tally).await?;
            conv.greet().await?;
            if setup.rate.is_none() {
                return conv.keep_window(window, &mut stamps).await;
            }
            let pacer = match &mut pacer {
                Some(pacer) => pacer,
                None => pacer.insert(setup.pacer(index).expect("--rate is set")),
            };
            conv.keep_pace(window, pacer, &mut stamps).await
        };
        if let Err(e) = result.await {
            tally.failed(|| format!("connection {index}: {e}"));
            tokio::time::sleep(RECONNECT_PAUSE).await;
        }
    }
}

/// Churn: connect, greeting, one name, `exit`, close, again, until the run stops; under
/// `--rate` each conversation starts when due.
pub async fn churn(index: u32, setup: Rc<RunSetup>, tally: Rc<Tally>) {
    let script = Script::new(&setup.dialogue, index, 2);
    let mut buf = vec![0u8; 1024];
    let mut pacer = setup.pacer(index);
    let running = |pacer: &Option<Pacer>| match pacer {
        Some(pacer) => tally.still_due(pacer.next_due()),
        None => tally.phase() != RunPhase::Stop,
    };
    while running(&pacer) {
        if let Some(pacer) = &pacer {
            if !wait_until(pacer.next_due(), &tally).await {
                return;
            }
        }
        let result = async {
            let start = Instant::now();
            let stamp = match &mut pacer {
                Some(pacer) => Stamp {
                    due: pacer.take(),
                    sent: start,
                },
                None => Stamp::unpaced(start),
            };
            tally.sent(stamp);
            let mut conv = Conversation::open(index, &script, &mut buf, &setup, &tally).await?;
            conv.greet().await?;
            conv.ask(stamp).await
        };
        if let Err(e) = result.await {
            tally.failed(|| format!("connection {index}: {e}"));
            tokio::time::sleep(RECONNECT_PAUSE).await;
        }
    }
}

/// Sleeps until `due`, waking every [`STOP_CHECK`] to see whether the run stopped; returns
/// whether the message due then is still to be sent.
async fn wait_until(due: Instant, tally: &Tally) -> bool {
    loop {
        if !tally.still_due(due) {
            return false;
        }
        let now = Instant::now();
        if now >= due {
            return true;
        }
        tokio::time::sleep_until(due.min(now + STOP_CHECK).into()).await;
    }
}

/// Round trips (churn: whole conversations) the probe makes at most.
const PROBES: usize = 5;

/// Time after which the probe makes no further round trip.
const PROBE_TIME: Duration = Duration::from_millis(200);

/// Times the fastest of a few round trips (`churn`: whole conversations, connect to close) on
/// one connection besides the run's, so that at start a `--rate` can be compared with what
/// the connections can carry.
pub async fn probe(churn: bool, setup: Rc<RunSetup>) -> io::Result<Duration> {
    let tally = Tally::new(RunPhase::Measure, Duration::MAX, false, false);
    let index = setup.connections;
    let script = Script::new(&setup.dialogue, index, 2);
    let mut buf = vec![0u8; 1024];
    let deadline = Instant::now() + PROBE_TIME;
    let mut best = Duration::MAX;
    if churn {
        for _ in 0..PROBES {
            let start = Instant::now();
            let mut conv = Conversation::open(index, &script, &mut buf, &setup, &tally).await?;
            conv.greet().await?;
            conv.ask(Stamp::unpaced(start)).await?;
            best = best.min(start.elapsed());
            if Instant::now() >= deadline {
                break;
            }
        }
    } else {
        let mut conv = Conversation::open(index, &script, &mut buf, &setup, &tally).await?;
        conv.greet().await?;
        for _ in 0..PROBES {
            best = best.min(conv.round_trip().await?);
            if Instant::now() >= deadline {
                break;
            }
        }
        conv.say_exit().await?;
    }
    Ok(best)
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
            conv.ask(Stamp::unpaced(Instant::now())).await
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
            let now = Instant::now();
            let fed = self.checker.feed(self.script, &self.buf[..n], &mut |v| {
                settle(v, tally, now, |_| Stamp::unpaced(now));
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
    async fn keep_window(&mut self, window: usize, stamps: &mut [Stamp]) -> io::Result<()> {
        self.send(window, stamps, None).await?;
        loop {
            let n = self.read().await?;
            let now = Instant::now();
            let script = self.script;
            let done = self.check(n, now, |seq| stamps[slot(seq, script)])?;
            if self.tally.phase() == RunPhase::Stop {
                if self.checker.outstanding() == 0 {
                    return self.say_exit().await;
                }
            } else if done > 0 {
                self.send(done, stamps, None).await?;
            }
        }
    }

    /// Under `--rate`: sends each request when `pacer` says it is due (or, if `window`
    /// requests are already in flight then, as soon as a reply makes room) until the run
    /// stops and every reply is in, then says `exit`.
    async fn keep_pace(
        &mut self,
        window: usize,
        pacer: &mut Pacer,
        stamps: &mut [Stamp],
    ) -> io::Result<()> {
        loop {
            let running = self.tally.still_due(pacer.next_due());
            let outstanding = self.checker.outstanding() as usize;
            if !running && outstanding == 0 {
                return self.say_exit().await;
            }
            let room = if running { window - outstanding } else { 0 };
            let now = Instant::now();
            let due = pacer.due_by(now, room);
            if due > 0 {
                self.send(due, stamps, Some(pacer)).await?;
                continue;
            }
            // Nothing is due that fits: wait for a reply, or for the next due time when
            // there is room for it (briefly, so that the end of the run is seen).
            let wake = (room > 0).then(|| pacer.next_due().min(now + STOP_CHECK));
            let n = tokio::select! {
                biased;
                n = self.read(), if outstanding > 0 => n?,
                () = sleep_until(wake), if wake.is_some() => continue,
            };
            let now = Instant::now();
            let script = self.script;
            self.check(n, now, |seq| stamps[slot(seq, script)])?;
        }
    }

    /// Sends one name and waits for its reply; returns how long that took.
    async fn round_trip(&mut self) -> io::Result<Duration> {
        let start = Instant::now();
        let mut stamps = vec![Stamp::unpaced(start); self.script.cycle()];
        self.send(1, &mut stamps, None).await?;
        while self.checker.outstanding() > 0 {
            let n = self.read().await?;
            self.check(n, Instant::now(), |_| stamps[0])?;
        }
        Ok(start.elapsed())
    }

    /// Sends `exit` once the run is over; best effort, as a server that already closed is no
    /// error then.
    async fn say_exit(&mut self) -> io::Result<()> {
        let _ = self.write(self.script.exit()).await;
        Ok(())
    }

    /// Sends one name and `exit`, checks the reply (its latency counted from `stamp`) and
    /// that the server then closes.
    async fn ask(&mut self, stamp: Stamp) -> io::Result<()> {
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
            self.check(n, Instant::now(), |_| stamp)?;
            if !exit_sent && self.checker.outstanding() == 0 {
                self.write(self.script.exit()).await?;
                exit_sent = true;
            }
        }
    }

    /// Sends the next `n` requests in one write and stamps them: with `pacer`, each with
    /// its due time, and counts those behind schedule.
    async fn send(
        &mut self,
        n: usize,
        stamps: &mut [Stamp],
        mut pacer: Option<&mut Pacer>,
    ) -> io::Result<()> {
        let seq = self.checker.next_to_send();
        let idle = self.checker.outstanding() == 0;
        self.write(self.script.requests(seq, n)).await?;
        let now = Instant::now();
        if idle {
            // The reply timer counts from here, not from the last reply before a pause.
            self.watchdog.progress(now);
        }
        for k in 0..n as u64 {
            let stamp = match pacer.as_deref_mut() {
                Some(pacer) => {
                    let stamp = Stamp {
                        due: pacer.take(),
                        sent: now,
                    };
                    self.tally.sent(stamp);
                    stamp
                }
                None => Stamp::unpaced(now),
            };
            stamps[slot(seq + k, self.script)] = stamp;
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

    /// Checks the first `n` bytes read, which arrived at `now`, each reply's message
    /// described by `stamp(seq)`; returns how many outstanding requests they settled.
    fn check(&mut self, n: usize, now: Instant, stamp: impl Fn(u64) -> Stamp) -> io::Result<usize> {
        let tally = self.tally;
        let mut done = 0;
        let fed = self.checker.feed(self.script, &self.buf[..n], &mut |v| {
            done += settle(v, tally, now, &stamp);
        });
        if fed.is_err() {
            tally.missing(self.checker.outstanding());
            return Err(io::Error::other("the reply stream could not be followed"));
        }
        Ok(done)
    }
}

/// Records a verdict reached at `now`; returns how many outstanding requests it settled.
fn settle(v: Verdict, tally: &Tally, now: Instant, stamp: impl FnOnce(u64) -> Stamp) -> usize {
    match v {
        Verdict::Greeted => 0,
        Verdict::Reply(seq) => {
            tally.reply(now, stamp(seq));
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

/// Sleeps until `wake`; never returns without one (its `select!` branch is then disabled).
async fn sleep_until(wake: Option<Instant>) {
    match wake {
        Some(at) => tokio::time::sleep_until(at.into()).await,
        None => std::future::pending().await,
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
