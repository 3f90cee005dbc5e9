//! One connection's life: greet, answer names as they arrive, and close without losing a
//! reply.
//!
//! The loop moves bytes between the socket and a [`Session`]; it owns no framing rules. Three
//! choices keep it cheap, each for a target in the benchmark issue:
//!
//! - Reads go into a buffer owned by the worker thread (`SCRATCH`), not the connection, and
//!   replies are formatted into a second one and written in the same poll. A connection that
//!   is idle, or whose replies the kernel took at once, holds no buffer at all; only replies
//!   the socket refused are copied into a per-connection `unsent` buffer, and while that is
//!   non-empty the connection stops reading (backpressure: memory stays bounded by one read's
//!   worth of replies).
//! - All replies completed by one read go out in one write.
//! - There is no timer per connection: the time of the last read is noted, and a server-wide
//!   pulse (`Shared::wake`, from a kernel timer every tenth of the idle timeout, and once
//!   when the grace period ends) makes each connection compare it with the timeout and
//!   check for shutdown.
//!
//! Every close that may leave the client's bytes unread (after `exit`, an `ERR` line, or
//! shutdown) is a lingering close: half-close, then read and discard for a short while, so
//! the kernel does not answer those bytes with a reset that would destroy replies in flight.

use super::access_log::{self, Origin, Shown, Tally, TlsSummary};
use super::metrics::{Close, Metrics, Started};
use super::settings::Settings;
use super::{first_unless, Shared, FRAMING_HINT_AFTER};
use crate::logging::LogFormat;
use crate::net::describe;
use crate::protocol::{ErrorLine, Session, Step};
use socket2::SockRef;
use std::cell::RefCell;
use std::fmt;
use std::future::{poll_fn, Future};
use std::io;
use std::net::{Shutdown, SocketAddr};
use std::os::fd::AsFd;
use std::path::Path;
use std::pin::{pin, Pin};
use std::sync::Arc;
use std::task::{ready, Context, Poll};
use std::time::Duration;
use tokio::io::{AsyncRead, AsyncWrite, AsyncWriteExt, ReadBuf};
use tokio::sync::OwnedSemaphorePermit;
use tokio::time::Instant;
use tracing::{debug, info};

/// The most bytes read from a socket at once. Small enough that the replies to one read
/// (at most 9 bytes per 1-byte line) stay well under 64 KiB, large enough to take a burst of
/// pipelined names in one syscall.
const READ_SIZE: usize = 4096;

/// A stream a connection can be served on: TCP or Unix here, TLS over TCP in `tls.rs`.
///
/// Closing is where they differ: a bare socket half-closes with one `shutdown(2)`, while TLS
/// must first send its close_notify alert (and may hold encrypted bytes of its own that need
/// a flush), or the client cannot tell a clean end from a cut connection.
pub(crate) trait Socket: AsyncRead + AsyncWrite + Unpin + Send + 'static {
    /// The kernel socket underneath, for the socket options and non-blocking probes that
    /// work below any TLS layer (peer address, linger, peek).
    fn sock_ref(&self) -> SockRef<'_>;

    /// Whether the client has sent bytes the server has not read (one non-blocking `recv` on
    /// the kernel socket; what it takes is discarded, which is fine since the caller then
    /// drains the rest).
    fn input_pending(&self) -> bool;

    /// Whether the client may have sent bytes the server has not read, asked as cheaply as
    /// the stream allows (a bare socket first asks its readiness flag, see
    /// [`may_have_input`]); a TLS stream asks the kernel socket under it.
    fn may_have_input(&mut self) -> impl Future<Output = bool> + Send {
        let pending = self.input_pending();
        async move { pending }
    }

    /// Whether a read that returned less than it asked for emptied the kernel's queue at that
    /// moment: true of a bare socket; TLS decrypts from a buffer of its own, so it cannot say.
    const SHORT_READ_DRAINS: bool = false;

    /// Whether written bytes wait in the stream's own buffer, not yet handed to the kernel
    /// (TLS records); the connection flushes them before it reads on.
    fn output_buffered(&self) -> bool {
        false
    }

    /// Ends the sending direction (FIN; for TLS, close_notify first, which may wait up to
    /// `within` for the client to take it).
    fn close_write(&mut self, within: Duration) -> impl Future<Output = io::Result<()>> + Send;

    /// What must be said before a plain close, bounded by the time given: nothing for a
    /// bare socket, whose close sends FIN; TLS's close_notify.
    fn say_goodbye(&mut self, _within: Duration) -> impl Future<Output = ()> + Send {
        async {}
    }

    /// The negotiated TLS parameters, for the access log; `None` for a bare socket.
    fn tls_summary(&self) -> Option<TlsSummary> {
        None
    }
}

/// A bare socket's half of [`Socket`], through its descriptor.
macro_rules! bare_socket {
    ($($stream:ty),*) => {$(
        impl Socket for $stream {
            const SHORT_READ_DRAINS: bool = true;

            fn sock_ref(&self) -> SockRef<'_> {
                SockRef::from(self)
            }

            fn input_pending(&self) -> bool {
                input_pending(self)
            }

            async fn may_have_input(&mut self) -> bool {
                may_have_input(self).await
            }

            async fn close_write(&mut self, _within: Duration) -> io::Result<()> {
                SockRef::from(&*self).shutdown(Shutdown::Write)
            }
        }
    )*};
}
bare_socket!(tokio::net::TcpStream, tokio::net::UnixStream);

/// [`Socket::input_pending`] for anything with a socket descriptor.
pub(crate) fn input_pending(sock: &impl AsFd) -> bool {
    let mut probe = [std::mem::MaybeUninit::<u8>::uninit(); 1];
    matches!(SockRef::from(sock).recv(&mut probe), Ok(n) if n > 0)
}

/// Who is on the other end, as shown in the log.
#[derive(Debug, Clone)]
pub(crate) enum Peer {
    Tcp(SocketAddr),
    /// A Unix socket client has no address of its own; it is shown by the listener's path.
    Unix(Arc<Path>),
}

impl fmt::Display for Peer {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Peer::Tcp(addr) => Shown(*addr).fmt(f),
            Peer::Unix(path) => write!(f, "unix:{}", path.display()),
        }
    }
}

/// The per-worker-thread buffers every connection on that thread borrows for one poll.
struct Scratch {
    input: Box<[u8]>,
    output: Vec<u8>,
}

thread_local! {
    static SCRATCH: RefCell<Scratch> = RefCell::new(Scratch {
        input: vec![0; READ_SIZE].into_boxed_slice(),
        output: Vec::with_capacity(READ_SIZE * 4),
    });
}

/// Why the conversation ended, which decides how the connection is closed.
#[derive(Debug)]
enum End {
    /// The client said `exit`; `more` if it sent bytes after it, or may have: the read
    /// that brought `exit` filled the buffer, so more may wait in the kernel.
    Exit {
        more: bool,
    },
    Eof,
    TooLong,
    Idle,
    /// Pending replies made no progress for `--send-timeout`: the client does not read.
    SendTimeout,
    Shutdown,
    Failed(io::Error),
}

impl End {
    /// The reason the metrics give for this end.
    fn reason(&self) -> Close {
        match self {
            End::Exit { .. } => Close::Exit,
            End::Eof => Close::Eof,
            End::TooLong => Close::LineTooLong,
            End::Idle => Close::IdleTimeout,
            End::SendTimeout => Close::SendTimeout,
            End::Shutdown => Close::Shutdown,
            End::Failed(e) => match e.kind() {
                io::ErrorKind::ConnectionReset
                | io::ErrorKind::ConnectionAborted
                | io::ErrorKind::BrokenPipe => Close::Reset,
                _ => Close::Error,
            },
        }
    }
}

/// Serves one connection to the end with the `settings` it was accepted with: its
/// conversation starts here (after the TLS handshake, for TLS), so this is where the metrics
/// count it. The slot permit is held until the socket is closed.
///
/// A plain fn around an `async move` block, not an `async fn`: an async fn copies its
/// arguments into locals and keeps both, which cost 96 bytes in every connection's task
/// (472 -> 376 bytes, measured with `size_of_val`).
#[allow(clippy::manual_async_fn)]
pub(crate) fn serve<S: Socket>(
    mut sock: S,
    peer: Peer,
    shared: Arc<Shared>,
    settings: Arc<Settings>,
    slot: OwnedSemaphorePermit,
) -> impl Future<Output = ()> + Send {
    async move {
        let quiet = settings.quiet;
        // The access line at the close says it all for a log shipper; people reading text
        // also see the connection arrive.
        if !quiet && settings.log_format == LogFormat::Text {
            info!("Accept new connection from {peer}...");
        }
        shared.metrics.accepted();
        // Boxed, and counted into through one pointer: the connection's future grows by two
        // pointers, not by the record (measured: a tally held in the future cost 80 bytes).
        let proxied = settings.proxy.proxy_protocol;
        let mut origin = (!quiet).then(|| {
            let accepted = match &peer {
                Peer::Tcp(addr) if !proxied => Some(*addr),
                _ => None,
            };
            Origin::of(sock.sock_ref(), accepted, sock.tls_summary())
        });
        let mut unsent = Vec::new();
        let tally = origin.as_deref_mut().map(|o| &mut o.tally);
        let (end, started) = talk(&mut sock, (&shared, &settings), &mut unsent, tally).await;
        let (reason, sent) = if closes_plainly(&mut sock, &end, &unsent).await {
            sock.say_goodbye(shared.config.close_timeout).await;
            drop(sock);
            (end.reason(), 0)
        } else {
            // Boxed: the closing steps carry two timers of their own, which every idle
            // connection would otherwise pay for; the reason rides in the box too (held
            // beside it, one byte cost 16 in every connection's future).
            let limits = (shared.config.close_timeout, shared.config.linger);
            let metrics = &shared.metrics;
            Box::pin(async {
                let reason = end.reason();
                let sent = close(sock, end, unsent, &peer, metrics, limits).await;
                (reason, sent)
            })
            .await
        };
        let lasted = shared.metrics.closed(reason, started);
        drop(slot);
        if let Some(origin) = &mut origin {
            origin.tally.bytes_out += sent as u64;
            access_log::write(origin, &peer, proxied, reason, lasted);
        }
    }
}

/// Whether the conversation ended the common way, so that closing is only saying goodbye:
/// the client said `exit` last, every reply is out, and nothing has arrived since. Asked
/// before [`close`] is boxed, which saves the churn path an allocation per connection.
///
/// On a bare socket, `exit` came in a read that emptied the kernel's queue (see
/// [`End::Exit`]) within this same poll, so nothing can have arrived since that the runtime
/// knows of: asking the socket again cost ~200 instructions a connection for nothing.
async fn closes_plainly<S: Socket>(sock: &mut S, end: &End, unsent: &[u8]) -> bool {
    matches!(end, End::Exit { more: false })
        && unsent.is_empty()
        && !sock.output_buffered()
        && (S::SHORT_READ_DRAINS || !sock.may_have_input().await)
}

/// Tells a client it cannot be served (`ERR server busy`) without a task of its own unless it
/// must linger: a fresh socket's send buffer is empty, so the line goes out in one
/// non-blocking send. A client that has sent nothing is closed at once (a plain FIN follows
/// the line). One that has sent bytes gets a lingering close, so that those bytes cannot turn
/// the close into a reset that destroys the line; those closes are bounded by `rejects`, and
/// past that bound its queued bytes are read and discarded before the close instead.
pub(crate) fn reject<S: Socket>(sock: S, peer: &Peer, shared: &Shared) {
    let line = ErrorLine::ServerBusy.as_bytes();
    match sock.sock_ref().send(line) {
        Ok(n) if n == line.len() => {}
        Ok(_) => return debug!("{peer}: server busy; the line did not fit, closed"),
        Err(e) => return debug!("{peer}: server busy; {}", describe(&e)),
    }
    if !input_waiting(&sock) {
        return debug!("{peer}: server busy");
    }
    match shared.rejects.clone().try_acquire_owned() {
        Ok(permit) => {
            debug!("{peer}: server busy; lingering");
            let linger = shared.config.linger;
            shared.drain.spawn(async move {
                lingering_close(sock, linger).await;
                drop(permit);
            });
        }
        Err(_) => {
            debug!("{peer}: server busy; its input discarded");
            discard_queued(sock.sock_ref());
            let _ = sock.sock_ref().shutdown(Shutdown::Write);
        }
    }
}

/// Tells a client that already holds a slot and a task why it is not served (an `ERR` line
/// instead of the greeting, through the stream, so over TLS too) and closes gracefully,
/// within the close timeout and the linger.
pub(crate) async fn turn_away<S: Socket>(mut sock: S, line: ErrorLine, shared: &Shared) {
    let deliver = async {
        sock.write_all(line.as_bytes()).await?;
        sock.flush().await
    };
    if let Ok(Ok(())) = tokio::time::timeout(shared.config.close_timeout, deliver).await {
        lingering_close(sock, shared.config.linger).await;
    }
}

/// Whether the client has sent bytes the server has not read, without taking them.
fn input_waiting<S: Socket>(sock: &S) -> bool {
    let mut probe = [std::mem::MaybeUninit::<u8>::uninit(); 1];
    matches!(sock.sock_ref().peek(&mut probe), Ok(n) if n > 0)
}

/// Reads and discards what the kernel has queued from the client (a bounded number of
/// non-blocking reads), so that closing does not answer it with a reset.
pub(crate) fn discard_queued(sock: SockRef<'_>) {
    use std::io::Read as _;
    SCRATCH.with_borrow_mut(|scratch| {
        for _ in 0..16 {
            if !matches!((&*sock).read(&mut scratch.input), Ok(n) if n > 0) {
                return;
            }
        }
    })
}

/// What woke the conversation loop.
enum Event {
    Read(io::Result<Option<Answered>>),
    /// How many bytes of `unsent` went out.
    Flushed(io::Result<usize>),
    Wake,
}

/// What one read came to: the session's step, and the figures the metrics count. They are
/// counted by the loop rather than inside the poll, which would cost every connection's
/// future a pointer per branch.
struct Answered {
    step: Step,
    names: u32,
    received: usize,
    sent: usize,
}

/// The conversation: greeting, then names and replies until something ends it.
///
/// Also returns when it started, for the metrics: the clock is read once for that and for
/// the idle timeout (a clock read is one of the few user-space costs a churn connection has).
///
/// `tally`, when the access log is on, counts the conversation for it. A plain fn around an
/// `async move` block, as [`serve`] is, so that its arguments are not held twice: with the
/// tally that saved 32 bytes of every connection's future.
#[allow(clippy::manual_async_fn)]
fn talk<'a, S: Socket>(
    sock: &'a mut S,
    (shared, config): (&'a Shared, &'a Settings),
    unsent: &'a mut Vec<u8>,
    mut tally: Option<&'a mut Tally>,
) -> impl Future<Output = (End, Started)> + Send + 'a {
    async move {
        // The last progress: a read, or replies taken by the socket. The idle timeout counts from
        // it while nothing is owed, the send timeout while replies wait.
        let mut progress = Instant::now();
        let started = shared.metrics.started_at(progress.into_std());
        let mut session =
            Session::with_budget(config.framing, config.max_line, &shared.input_budget);
        match poll_fn(|cx| Poll::Ready(write_some(sock, cx, &config.greeting))).await {
            Ok(n) => {
                shared.metrics.sent(n);
                Tally::add(&mut tally, 0, n);
                unsent.extend_from_slice(&config.greeting[n..]);
            }
            Err(e) => return (End::Failed(e), started),
        }
        let mut hinted = false;
        let mut wake = pin!(shared.wake.notified());
        let end = loop {
            // Replies are owed while `unsent` holds some, or a TLS stream holds encrypted records
            // it has not written yet.
            let owed = !unsent.is_empty() || sock.output_buffered();
            let starved = !owed && !session.make_room(READ_SIZE);
            // The pulse is looked at only when the socket is not ready (see `first_unless`).
            let event = if owed {
                let flushing = |cx: &mut Context<'_>| poll_flush_unsent(sock, cx, unsent);
                let flushed = first_unless(flushing, wake.as_mut()).await;
                flushed.map_or(Event::Wake, Event::Flushed)
            } else if starved {
                // The input memory is spent: not reading pushes back on the client until the
                // pulse finds some free again.
                (&mut wake).await;
                Event::Wake
            } else {
                let reading =
                    |cx: &mut Context<'_>| poll_read_answer(sock, cx, &mut session, unsent);
                let read = first_unless(reading, wake.as_mut()).await;
                read.map_or(Event::Wake, Event::Read)
            };
            match event {
                Event::Read(Ok(Some(read))) => {
                    shared.metrics.traffic(read.names, read.received, read.sent);
                    Tally::add(&mut tally, read.received, read.sent);
                    match read.step {
                        Step::Continue => progress = Instant::now(),
                        Step::Exit => {
                            break End::Exit {
                                more: session.input_after_exit() || read.received == READ_SIZE,
                            }
                        }
                        Step::LineTooLong => break End::TooLong,
                    }
                }
                Event::Read(Ok(None)) => {
                    let answered = session.answered();
                    let step = session.finish(unsent);
                    let names = session.answered().wrapping_sub(answered);
                    shared.metrics.traffic(names, 0, 0);
                    break match step {
                        Step::LineTooLong => End::TooLong,
                        _ => End::Eof,
                    };
                }
                Event::Read(Err(e)) | Event::Flushed(Err(e)) => break End::Failed(e),
                Event::Flushed(Ok(sent)) => {
                    shared.metrics.sent(sent);
                    Tally::add(&mut tally, 0, sent);
                    progress = Instant::now();
                }
                Event::Wake => {
                    if shared.drain.is_over() {
                        break End::Shutdown;
                    }
                    if let Some(end) = overdue(
                        config,
                        !unsent.is_empty() || sock.output_buffered(),
                        progress,
                    ) {
                        break end;
                    }
                    let stuck = session.has_partial() && unsent.is_empty();
                    if stuck && !hinted && progress.elapsed() >= FRAMING_HINT_AFTER {
                        hinted = true;
                        hint_chunk_framing(sock, config.quiet);
                    }
                    // A Notified hears every pulse from the moment it is created, so re-arming
                    // here misses none, even while the connection is busy.
                    wake.set(shared.wake.notified());
                }
            }
        };
        if let Some(tally) = tally {
            tally.messages = session.answered();
        }
        (end, started)
    }
}

/// The timeout that has run out since the last progress, if any: the send timeout while
/// replies wait, the idle timeout otherwise.
fn overdue(config: &Settings, sending: bool, progress: Instant) -> Option<End> {
    let (timeout, end) = if sending {
        (config.send_timeout, End::SendTimeout)
    } else {
        (config.idle_timeout, End::Idle)
    };
    (!timeout.is_zero() && progress.elapsed() >= timeout).then_some(end)
}

/// The learner's trap: the tutorial's client sends a name with no newline and waits for the
/// reply, which line framing only gives at the newline. Said once per connection.
///
/// The peer is looked up here (a rare event) rather than passed down, which would cost every
/// connection's future 8 bytes.
fn hint_chunk_framing<S: Socket>(sock: &S, quiet: bool) {
    if !quiet {
        let peer = sock.sock_ref().peer_addr().ok().and_then(|a| a.as_socket());
        let peer = peer.map_or_else(|| "A Unix socket client".to_owned(), |a| a.to_string());
        info!(
            "{peer} sent bytes without a newline, then nothing for {}s: a client that sends \
             one message per read, as the tutorial's does, needs `sockit serve --framing chunk`",
            FRAMING_HINT_AFTER.as_secs()
        );
    }
}

/// Reads once into the thread's scratch buffer, feeds the session, and writes the replies it
/// produced in the same poll; what the socket does not take goes to `unsent`. The metrics
/// count the returned figures once per read, not per name.
///
/// `Ok(None)` is end of stream. Reading through `poll_read` (not `readable` + `try_read`) lets
/// tokio clear the readiness when a read comes back short, which saves the extra `read` that
/// would otherwise return `EAGAIN` after every message.
fn poll_read_answer<S: Socket>(
    sock: &mut S,
    cx: &mut Context<'_>,
    session: &mut Session,
    unsent: &mut Vec<u8>,
) -> Poll<io::Result<Option<Answered>>> {
    SCRATCH.with_borrow_mut(|scratch| {
        let Scratch { input, output } = scratch;
        let mut buf = ReadBuf::new(input);
        ready!(Pin::new(&mut *sock).poll_read(cx, &mut buf))?;
        let read = buf.filled();
        if read.is_empty() {
            return Poll::Ready(Ok(None));
        }
        output.clear();
        let answered = session.answered();
        let step = session.feed(read, output);
        let written = write_some(sock, cx, output)?;
        unsent.extend_from_slice(&output[written..]);
        Poll::Ready(Ok(Some(Answered {
            step,
            names: session.answered().wrapping_sub(answered),
            received: read.len(),
            sent: written,
        })))
    })
}

/// Writes as much of `buf` as the socket takes right now; returns how much that was.
fn write_some<S: Socket>(sock: &mut S, cx: &mut Context<'_>, buf: &[u8]) -> io::Result<usize> {
    let mut written = 0;
    while written < buf.len() {
        match Pin::new(&mut *sock).poll_write(cx, &buf[written..]) {
            Poll::Ready(Ok(0)) => return Err(io::ErrorKind::WriteZero.into()),
            Poll::Ready(Ok(n)) => written += n,
            Poll::Ready(Err(e)) => return Err(e),
            Poll::Pending => break,
        }
    }
    Ok(written)
}

/// Writes some of `unsent` when the socket is writable; frees the buffer once it is empty so
/// a connection that was slow once does not keep the memory. With nothing unsent, flushes
/// the stream's own buffer (TLS records). Returns how many bytes of `unsent` went out.
fn poll_flush_unsent<S: Socket>(
    sock: &mut S,
    cx: &mut Context<'_>,
    unsent: &mut Vec<u8>,
) -> Poll<io::Result<usize>> {
    if unsent.is_empty() {
        return Pin::new(&mut *sock).poll_flush(cx).map_ok(|()| 0);
    }
    let n = ready!(Pin::new(&mut *sock).poll_write(cx, unsent))?;
    if n == 0 {
        return Poll::Ready(Err(io::ErrorKind::WriteZero.into()));
    }
    unsent.drain(..n);
    if unsent.is_empty() {
        *unsent = Vec::new();
    }
    Poll::Ready(Ok(n))
}

/// Delivers what is owed (pending replies, then the `ERR` line the end calls for) and closes,
/// giving the client `close_timeout` to take the bytes and `linger` to close its side.
/// Returns how many bytes went out.
async fn close<S: Socket>(
    mut sock: S,
    end: End,
    mut unsent: Vec<u8>,
    peer: &Peer,
    metrics: &Metrics,
    (close_timeout, linger): (Duration, Duration),
) -> usize {
    let error_line = match end {
        End::Exit { .. } | End::Eof => None,
        End::TooLong => Some(ErrorLine::LineTooLong),
        End::Idle => Some(ErrorLine::IdleTimeout),
        End::Shutdown => Some(ErrorLine::ShuttingDown),
        // Nothing more can reach a client that does not read: reset the connection, so the
        // kernel frees its queued replies now instead of retrying them for minutes.
        End::SendTimeout => {
            info!("{peer}: replies not taken for the send timeout; connection reset");
            let _ = sock.sock_ref().set_linger(Some(Duration::ZERO));
            return 0;
        }
        End::Failed(e) => {
            debug!("{peer}: {}", describe(&e));
            return 0;
        }
    };
    if let Some(line) = error_line {
        unsent.extend_from_slice(line.as_bytes());
    }
    let mut sent = 0;
    if !unsent.is_empty() || sock.output_buffered() {
        let deliver = async {
            write_counted(&mut sock, &unsent, &mut sent).await?;
            sock.flush().await
        };
        let delivered = tokio::time::timeout(close_timeout, deliver).await;
        metrics.sent(sent);
        match delivered {
            Ok(Ok(())) => {}
            Ok(Err(e)) => {
                debug!("{peer}: {}", describe(&e));
                return sent;
            }
            Err(_) => {
                debug!("{peer}: not reading its replies; closed");
                return sent;
            }
        }
    }
    let linger_needed = match end {
        // The client has finished sending, so nothing can arrive to provoke a reset.
        End::Eof => {
            let _ = sock.close_write(close_timeout).await;
            false
        }
        // The common way to leave: `exit` was the last thing sent and nothing has arrived
        // since, so a plain close sends FIN, not RST. Lingering only when input is pending
        // (as nginx does) took churn from 1.16-1.26x to 1.07-1.13x of the C epoll server's
        // CPU per connection (three alternating 4 s churn runs, 50 clients, server and load
        // pinned apart: 34.5-37.9 -> 31.8-33.9 us per connection; C 29.5-30.0 us).
        End::Exit { more: false } => sock.may_have_input().await,
        _ => true,
    };
    if linger_needed {
        lingering_close(sock, linger).await;
    } else {
        sock.say_goodbye(close_timeout).await;
    }
    sent
}

/// Writes all of `buf`, adding to `sent` as the stream takes it, so that a write cut short by
/// the close timeout still counts what went out.
async fn write_counted<S: Socket>(sock: &mut S, buf: &[u8], sent: &mut usize) -> io::Result<()> {
    while *sent < buf.len() {
        match sock.write(&buf[*sent..]).await? {
            0 => return Err(io::ErrorKind::WriteZero.into()),
            n => *sent += n,
        }
    }
    Ok(())
}

/// Whether the client may have sent bytes the server has not read. Asked of the socket's
/// readiness first, as nginx asks its read event's `ready` flag: a short read cleared it, so
/// after the usual `exit` this costs no syscall (it saved one `recvfrom` per connection in
/// churn); only when the socket is flagged readable does a non-blocking `recv` look (what it
/// takes is discarded, which is fine since the caller then drains the rest). Bytes that
/// arrive after the runtime last polled the kernel go unseen, as they do for nginx: the
/// close may then reset.
async fn may_have_input<S: AsyncRead + AsFd + Unpin>(sock: &mut S) -> bool {
    let flagged = poll_fn(|cx| {
        // An empty read never takes bytes: tokio answers `Pending` without a syscall when
        // the socket is not flagged readable.
        let mut nothing = ReadBuf::new(&mut []);
        Poll::Ready(Pin::new(&mut *sock).poll_read(cx, &mut nothing).is_ready())
    })
    .await;
    flagged && input_pending(sock)
}

/// Half-closes, then reads and discards until the client closes too (or `linger` passes),
/// so that bytes the client sent after its last line cannot trigger a reset that would
/// destroy the replies still in flight.
async fn lingering_close<S: Socket>(mut sock: S, linger: Duration) {
    if sock.close_write(linger).await.is_err() {
        return;
    }
    let discard = async {
        loop {
            let read = poll_fn(|cx| {
                SCRATCH.with_borrow_mut(|scratch| {
                    let mut buf = ReadBuf::new(&mut scratch.input);
                    ready!(Pin::new(&mut sock).poll_read(cx, &mut buf))?;
                    Poll::Ready(Ok::<_, io::Error>(buf.filled().len()))
                })
            })
            .await;
            if !matches!(read, Ok(n) if n > 0) {
                return;
            }
        }
    };
    let _ = tokio::time::timeout(linger, discard).await;
}
#[cfg(test)]
mod tests {
    use super::*;

    /// An idle connection costs its task (this future plus tokio's ~100-byte header) and its
    /// socket registration; the target is under 1 KiB in all. This guards the future's share.
    #[tokio::test]
    async fn connection_future_fits_the_idle_memory_budget() {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let _client = tokio::net::TcpStream::connect(listener.local_addr().unwrap())
            .await
            .unwrap();
        let (sock, peer) = listener.accept().await.unwrap();
        let shared = Arc::new(Shared::new(Default::default()));
        let slot = shared.slots.clone().try_acquire_owned().unwrap();
        let settings = shared.settings.load();
        let conn = serve(sock, Peer::Tcp(peer), shared.clone(), settings, slot);
        let size = std::mem::size_of_val(&conn);
        assert!(size <= 400, "connection future grew to {size} bytes");
    }
}
