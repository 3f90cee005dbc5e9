//! What one connection does in each mode: the hot loops of the load generator.
//!
//! Every loop reads into one buffer allocated per connection, sends slices of its preformatted
//! [`Script`], and hands what it reads to the [`Checker`]: nothing is allocated or formatted
//! per message. A pipeline refill of `k` requests is one write, and one read usually carries
//! many replies, so the generator makes about one `read` and one `write` per batch.
//!
//! Reads are guarded by a [`Watchdog`] that is armed once and only re-armed when it fires,
//! instead of a timer reset per message.

use super::args::Framing;
use super::check::{Checker, Verdict};
use super::conn::{connect, Sources, Stream};
use super::script::Script;
use super::stats::{Phase, Tally};
use crate::addr::Endpoint;
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
pub struct Plan {
    /// The server.
    pub target: Endpoint,
    /// Source addresses to spread connections over.
    pub sources: Sources,
    /// The framing the server speaks.
    pub framing: Framing,
    /// Longest wait for a connect or a reply.
    pub timeout: Duration,
}

/// Lockstep (`window` 1) and pipeline (`window` = depth): keeps `window` requests in flight
/// until the run stops, reopening the connection if it breaks.
pub async fn steady(index: u32, window: usize, plan: Rc<Plan>, tally: Rc<Tally>) {
    // At least four names, so a reply to a neighbouring request never passes for this one.
    let script = Script::new(plan.framing, index, window.max(4));
    let mut buf = vec![0u8; READ_BUFFER];
    let mut sent_at = vec![Instant::now(); script.cycle()];
    while tally.phase() != Phase::Stop {
        let result = async {
            let stream = open(&plan, index).await?;
            steady_conversation(
                stream,
                &script,
                window,
                &mut buf,
                &mut sent_at,
                &plan,
                &tally,
            )
            .await
        };
        if let Err(e) = result.await {
            tally.failed(|| format!("connection {index}: {e}"));
            tokio::time::sleep(RECONNECT_PAUSE).await;
        }
    }
}

async fn steady_conversation(
    mut stream: Stream,
    script: &Script,
    window: usize,
    buf: &mut [u8],
    sent_at: &mut [Instant],
    plan: &Plan,
    tally: &Tally,
) -> io::Result<()> {
    let mut checker = Checker::new();
    let mut watchdog = Watchdog::new(plan.timeout);
    greet(&mut stream, script, &mut checker, &mut watchdog, buf, tally).await?;
    send(&mut stream, script, &mut checker, window, sent_at).await?;
    loop {
        let n = watchdog.read(&mut stream, buf).await;
        let n = lost_on_error(n, &checker, tally)?;
        let now = Instant::now();
        watchdog.progress(now);
        let mut done = 0;
        let fed = checker.feed(script, &buf[..n], &mut |v| {
            done += settle(v, tally, |seq| now - sent_at[slot(seq, script)])
        });
        if fed.is_err() {
            tally.missing(checker.outstanding());
            return Err(io::Error::other("the reply stream could not be followed"));
        }
        if tally.phase() == Phase::Stop {
            if checker.outstanding() == 0 {
                // Best effort: the run is over, a server that already closed is no error.
                let _ = stream.write_all(script.exit()).await;
                return Ok(());
            }
        } else if done > 0 {
            send(&mut stream, script, &mut checker, done, sent_at).await?;
        }
    }
}

/// Churn: connect, greeting, one name, `exit`, close, again, until the run stops.
pub async fn churn(index: u32, plan: Rc<Plan>, tally: Rc<Tally>) {
    let script = Script::new(plan.framing, index, 2);
    let mut buf = vec![0u8; 1024];
    while tally.phase() != Phase::Stop {
        if let Err(e) = one_shot(&script, &mut buf, index, &plan, &tally).await {
            tally.failed(|| format!("connection {index}: {e}"));
            tokio::time::sleep(RECONNECT_PAUSE).await;
        }
    }
}

/// Idle: open the connection (at most `gate` at a time), hold it until `go`, then check it
/// still answers.
pub async fn idle(
    index: u32,
    plan: Rc<Plan>,
    tally: Rc<Tally>,
    gate: Rc<Semaphore>,
    opened: Rc<dyn Fn(bool)>,
    mut go: watch::Receiver<bool>,
) {
    let mut buf = [0u8; 256];
    let script = Script::new(plan.framing, index, 2);
    let mut checker = Checker::new();
    let held = async {
        let _permit = gate.acquire().await.map_err(io::Error::other)?;
        let mut stream = open(&plan, index).await?;
        let mut watchdog = Watchdog::new(plan.timeout);
        greet(
            &mut stream,
            &script,
            &mut checker,
            &mut watchdog,
            &mut buf,
            &tally,
        )
        .await?;
        Ok::<_, io::Error>(stream)
    }
    .await;
    opened(held.is_ok());
    let result = match held {
        Ok(mut stream) => {
            // The sender lives until every connection is done, so this only waits.
            let _ = go.wait_for(|&go| go).await;
            let _permit = gate.acquire().await;
            let start = Instant::now();
            ask(
                &mut stream,
                &script,
                &mut checker,
                &mut buf,
                start,
                &plan,
                &tally,
            )
            .await
        }
        Err(e) => Err(e),
    };
    if let Err(e) = result {
        tally.failed(|| format!("connection {index}: {e}"));
    }
}

/// One churn connection, start to close.
async fn one_shot(
    script: &Script,
    buf: &mut [u8],
    index: u32,
    plan: &Plan,
    tally: &Tally,
) -> io::Result<()> {
    let start = Instant::now();
    let mut stream = open(plan, index).await?;
    let mut checker = Checker::new();
    let mut watchdog = Watchdog::new(plan.timeout);
    greet(&mut stream, script, &mut checker, &mut watchdog, buf, tally).await?;
    ask(&mut stream, script, &mut checker, buf, start, plan, tally).await
}

/// Sends one name and `exit`, checks the reply and that the server then closes.
async fn ask(
    stream: &mut Stream,
    script: &Script,
    checker: &mut Checker,
    buf: &mut [u8],
    start: Instant,
    plan: &Plan,
    tally: &Tally,
) -> io::Result<()> {
    let mut watchdog = Watchdog::new(plan.timeout);
    let seq = checker.next_to_send();
    match plan.framing {
        // Name and exit in one write: the server answers the name, then closes.
        Framing::Line => {
            stream.write_all(script.requests(seq, 1)).await?;
            stream.write_all(script.exit()).await?;
        }
        // Chunk framing must not let the two merge into one read on the server.
        Framing::Chunk => stream.write_all(script.requests(seq, 1)).await?,
    }
    checker.sent(1);
    let mut exit_sent = plan.framing == Framing::Line;
    loop {
        let n = lost_on_error(watchdog.read(stream, buf).await, checker, tally)?;
        if n == 0 {
            return Ok(());
        }
        let now = Instant::now();
        watchdog.progress(now);
        let fed = checker.feed(script, &buf[..n], &mut |v| {
            settle(v, tally, |_| now - start);
        });
        if fed.is_err() {
            tally.missing(checker.outstanding());
            return Err(io::Error::other("the reply stream could not be followed"));
        }
        if !exit_sent && checker.outstanding() == 0 {
            stream.write_all(script.exit()).await?;
            exit_sent = true;
        }
    }
}

/// Opens connection `index`, within the timeout.
async fn open(plan: &Plan, index: u32) -> io::Result<Stream> {
    match tokio::time::timeout(plan.timeout, connect(&plan.target, &plan.sources, index)).await {
        Ok(result) => result,
        Err(_) => Err(io::Error::new(io::ErrorKind::TimedOut, "connect timed out")),
    }
}

/// Reads until the greeting has been checked.
async fn greet(
    stream: &mut Stream,
    script: &Script,
    checker: &mut Checker,
    watchdog: &mut Watchdog,
    buf: &mut [u8],
    tally: &Tally,
) -> io::Result<()> {
    while !checker.greeted() {
        let n = watchdog.read(stream, buf).await?;
        if n == 0 {
            return Err(io::Error::new(
                io::ErrorKind::UnexpectedEof,
                "closed before the greeting",
            ));
        }
        let fed = checker.feed(script, &buf[..n], &mut |v| {
            settle(v, tally, |_| Duration::ZERO);
        });
        if fed.is_err() {
            let got = String::from_utf8_lossy(&buf[..n]);
            return Err(io::Error::other(format!(
                "bad greeting: {:?}",
                got.trim_end()
            )));
        }
    }
    Ok(())
}

/// Sends the next `n` requests in one write and stamps their send time.
async fn send(
    stream: &mut Stream,
    script: &Script,
    checker: &mut Checker,
    n: usize,
    sent_at: &mut [Instant],
) -> io::Result<()> {
    let seq = checker.next_to_send();
    stream.write_all(script.requests(seq, n)).await?;
    let now = Instant::now();
    for k in 0..n as u64 {
        sent_at[slot(seq + k, script)] = now;
    }
    checker.sent(n as u64);
    Ok(())
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
