//! Binding listeners (TCP over IPv4 and IPv6, Unix sockets) and the accept loop that hands
//! each connection to `admit`.
//!
//! Binding comes in two steps: bind now, listen once the whole start has succeeded (see
//! [`Bound`]), so a start that fails resets no connection. A `tls:` listener is a TCP one
//! with a [`Tls`] beside it, not another kind: the accept loop is the same, and `admit` runs
//! the handshake. A connection past `--max-connections` is accepted and told `ERR server
//! busy` rather than left in the kernel's queue, so a client learns at once that it should
//! retry. Running out of file descriptors makes accept fail on every call; the loop then logs
//! once and backs off instead of spinning, and resumes as soon as descriptors are free again.

use super::admit::admit;
use super::conn::Peer;
use super::settings::Cached;
use super::tls::Tls;
use super::{first_unless, Shared};
use crate::addr::{Address, Endpoint};
use crate::net::{bind_hint, describe};
use anyhow::{anyhow, bail, Context as _};
use socket2::{Domain, Protocol, Socket, Type};
use std::future::Future;
use std::io;
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::pin::pin;
use std::sync::Arc;
use std::time::Duration;
use tokio::net::{TcpListener, UnixListener};
use tokio_util::sync::CancellationToken;
use tracing::{debug, info, warn};

/// How many turned-away clients that had already sent bytes may be in their lingering close
/// at once; past that, such a client's queued bytes are discarded and it is closed at once
/// (after its `ERR server busy`), so a flood cannot grow the task count.
pub const MAX_PENDING_REJECTS: usize = 256;

/// How long accept waits after running out of file descriptors.
const FD_BACKOFF: Duration = Duration::from_millis(100);

/// Descriptors kept free for the runtime, logging and stdio, beyond the listeners and the
/// rejects in flight, which are counted separately.
pub const FD_RESERVE: u64 = 64;

/// A listening socket, and the TLS its connections speak on a `tls:` listener.
#[derive(Debug)]
pub(super) struct Listener {
    pub(super) socket: ListenSocket,
    endpoint: Endpoint,
    tls: Option<Arc<Tls>>,
}

/// The kernel socket a [`Listener`] accepts on.
#[derive(Debug)]
pub(super) enum ListenSocket {
    Tcp(TcpListener),
    Unix(UnixListener, SocketFile),
}

/// A Unix listener's socket file: removed when the listener is dropped if this server
/// created it, left alone if systemd passed the socket in.
#[derive(Debug)]
pub(super) struct SocketFile {
    path: PathBuf,
    created: bool,
}

impl SocketFile {
    /// A file this server bound, and so removes.
    fn created(path: PathBuf) -> Self {
        SocketFile {
            path,
            created: true,
        }
    }

    /// A file someone else bound (systemd), which outlives this server.
    pub(super) fn borrowed(path: PathBuf) -> Self {
        SocketFile {
            path,
            created: false,
        }
    }
}

impl Drop for SocketFile {
    fn drop(&mut self) {
        if self.created {
            let _ = std::fs::remove_file(&self.path);
        }
    }
}

impl Listener {
    /// A TCP listener bound to `endpoint`, speaking plain text.
    pub(super) fn tcp(socket: TcpListener, endpoint: Endpoint) -> Self {
        Listener {
            socket: ListenSocket::Tcp(socket),
            endpoint,
            tls: None,
        }
    }

    /// A Unix listener bound to `endpoint`, whose socket file is `file`.
    pub(super) fn unix(socket: UnixListener, endpoint: Endpoint, file: SocketFile) -> Self {
        Listener {
            socket: ListenSocket::Unix(socket, file),
            endpoint,
            tls: None,
        }
    }

    /// The same listener, its connections spoken to over `tls`.
    pub(super) fn with_tls(self, tls: Arc<Tls>) -> Self {
        Listener {
            tls: Some(tls),
            ..self
        }
    }

    pub(super) fn endpoint(&self) -> &Endpoint {
        &self.endpoint
    }

    pub(super) fn is_tls(&self) -> bool {
        self.tls.is_some()
    }
}

/// How a TCP listening socket is set up.
#[derive(Debug, Clone, Copy)]
pub(super) struct TcpOptions {
    /// SO_REUSEPORT: other processes with it set may bind the same port, and the kernel
    /// spreads new connections among them.
    pub(super) reuse_port: bool,
}

/// A socket bound to its address but not yet listening. The kernel queues no connection for
/// it, and with SO_REUSEPORT it is not yet among the sockets the kernel spreads a port's
/// connections over: a start that fails after binding (the `--metrics` port taken by the
/// instance being replaced) resets no one. Before this, three such failed starts beside a
/// running instance reset 23 conversations the kernel had queued on the new listeners.
#[derive(Debug)]
pub(super) struct Bound {
    socket: Socket,
    endpoint: Endpoint,
    /// A Unix socket's file, removed if the start fails.
    file: Option<SocketFile>,
}

impl Bound {
    /// Starts listening: from here on the kernel completes connections for this socket.
    pub(super) fn listen(self, backlog: u32) -> anyhow::Result<Listener> {
        let Bound {
            socket,
            endpoint,
            file,
        } = self;
        let fail = |e: io::Error| anyhow!("cannot listen on {endpoint}: {}", describe(&e));
        socket
            .listen(backlog.min(i32::MAX as u32) as i32)
            .map_err(fail)?;
        Ok(match file {
            None => Listener::tcp(
                TcpListener::from_std(socket.into()).map_err(fail)?,
                endpoint,
            ),
            Some(file) => {
                let std_listener: std::os::unix::net::UnixListener = socket.into();
                let listener = UnixListener::from_std(std_listener).map_err(fail)?;
                Listener::unix(listener, endpoint, file)
            }
        })
    }
}

/// Binds every endpoint `address` resolves to, without listening yet (see [`Bound`]).
pub(super) async fn bind(address: &Address, options: TcpOptions) -> anyhow::Result<Vec<Bound>> {
    let endpoints = address
        .resolve()
        .await
        .with_context(|| format!("cannot resolve '{address}'"))?;
    if endpoints.is_empty() {
        bail!("cannot resolve '{address}': no addresses found");
    }
    endpoints
        .into_iter()
        .map(|ep| match ep {
            Endpoint::Tcp(addr) => bind_tcp(addr, options),
            Endpoint::Unix(path) => bind_unix(&path),
        })
        .collect()
}

fn bind_tcp(addr: SocketAddr, options: TcpOptions) -> anyhow::Result<Bound> {
    let fail = |e: io::Error| {
        anyhow!(
            "cannot listen on {addr}: {}{}",
            describe(&e),
            bind_hint(&e, addr)
        )
    };
    let socket =
        Socket::new(Domain::for_address(addr), Type::STREAM, Some(Protocol::TCP)).map_err(fail)?;
    if addr.is_ipv6() {
        // [::] and 0.0.0.0 are separate listeners, as on the command line: both may be bound.
        socket.set_only_v6(true).map_err(fail)?;
    }
    socket.set_reuse_address(true).map_err(fail)?;
    if options.reuse_port {
        socket.set_reuse_port(true).map_err(fail)?;
    }
    socket.set_nonblocking(true).map_err(fail)?;
    socket.set_nodelay(true).map_err(fail)?;
    socket.bind(&addr.into()).map_err(fail)?;
    let local = (socket.local_addr().map_err(fail)?.as_socket())
        .ok_or_else(|| anyhow!("cannot listen on {addr}: bound to no IP address"))?;
    Ok(Bound {
        socket,
        endpoint: Endpoint::Tcp(local),
        file: None,
    })
}

fn bind_unix(path: &Path) -> anyhow::Result<Bound> {
    let shown = format!("unix:{}", path.display());
    replace_stale_socket(path).with_context(|| format!("cannot listen on {shown}"))?;
    let fail = |e: io::Error| anyhow!("cannot listen on {shown}: {}", describe(&e));
    let socket = Socket::new(Domain::UNIX, Type::STREAM, None).map_err(fail)?;
    socket
        .bind(&socket2::SockAddr::unix(path).map_err(fail)?)
        .map_err(fail)?;
    let file = SocketFile::created(path.to_owned());
    socket.set_nonblocking(true).map_err(fail)?;
    Ok(Bound {
        socket,
        endpoint: Endpoint::Unix(path.to_owned()),
        file: Some(file),
    })
}

/// A socket file left by a server that died is removed; one that a live server answers on,
/// or a path that is not a socket at all, is refused.
fn replace_stale_socket(path: &Path) -> anyhow::Result<()> {
    use std::os::unix::fs::FileTypeExt;
    let meta = match std::fs::symlink_metadata(path) {
        Ok(meta) => meta,
        Err(e) if e.kind() == io::ErrorKind::NotFound => return Ok(()),
        Err(e) => return Err(e.into()),
    };
    if !meta.file_type().is_socket() {
        bail!(
            "{} exists and is not a socket (remove it or choose another path)",
            path.display()
        );
    }
    match probe_unix(path) {
        Ok(()) => bail!("another server is listening there (is sockit serve already running?)"),
        Err(e) if e.kind() == io::ErrorKind::ConnectionRefused => {
            debug!("removing stale socket file {}", path.display());
            std::fs::remove_file(path)?;
            Ok(())
        }
        Err(e) => Err(e).context("cannot tell whether a server is listening there"),
    }
}

/// Connects to the socket at `path` without blocking: `Ok` when a server listens there,
/// whether it took the connection or its accept queue is full (a blocking connect would wait
/// on that queue past every signal); `ConnectionRefused` when no one does.
fn probe_unix(path: &Path) -> io::Result<()> {
    let socket = Socket::new(Domain::UNIX, Type::STREAM, None)?;
    socket.set_nonblocking(true)?;
    match socket.connect(&socket2::SockAddr::unix(path)?) {
        Err(e) if e.kind() != io::ErrorKind::WouldBlock => Err(e),
        _ => Ok(()),
    }
}

/// Raises the soft open-file limit to the hard limit and returns `max_connections`, capped
/// (with a warning) so that every connection can have its descriptor.
pub(super) fn fit_fd_limit(max_connections: usize, listeners: usize) -> usize {
    let limit = match rlimit::increase_nofile_limit(u64::MAX) {
        Ok(limit) => limit,
        Err(e) => {
            warn!("cannot read or raise the open-file limit: {e}");
            return max_connections;
        }
    };
    let reserved = FD_RESERVE + MAX_PENDING_REJECTS as u64 + listeners as u64;
    let room = limit.saturating_sub(reserved) as usize;
    if max_connections > room {
        warn!(
            "--max-connections {max_connections} does not fit the open-file limit of {limit}: \
             capped to {room} (raise it with `ulimit -n` or LimitNOFILE=)"
        );
        room.max(1)
    } else {
        max_connections
    }
}

/// Accepts connections until `stop` is cancelled, then takes what is queued and drops the
/// listener (so new connects are refused at once).
pub(super) async fn accept_loop(listener: Listener, shared: Arc<Shared>, stop: CancellationToken) {
    let mut out_of_fds = false;
    // Made once: a cancellation future registers its waker on its first poll and keeps it.
    let mut stopping = pin!(stop.cancelled());
    let mut settings = Cached::new(&shared.settings);
    loop {
        // Stopping is looked at only when nothing is queued (see `first_unless`).
        let accepted = {
            let mut accepting = pin!(accept_one(&listener, &shared, &mut settings));
            first_unless(|cx| accepting.as_mut().poll(cx), stopping.as_mut()).await
        };
        let Some(accepted) = accepted else {
            return accept_queued(listener, &shared);
        };
        match accepted {
            Ok(()) if out_of_fds => {
                info!("accepting again: file descriptors are available");
                out_of_fds = false;
            }
            Ok(()) => {}
            Err(e) if is_out_of_fds(&e) => {
                if !out_of_fds {
                    warn!(
                        "cannot accept on {}: {}; backing off until descriptors free up (raise `ulimit -n`?)",
                        listener.endpoint(),
                        describe(&e)
                    );
                    out_of_fds = true;
                }
                tokio::time::sleep(FD_BACKOFF).await;
            }
            Err(e) if is_per_connection(&e) => debug!("accept: {e}"),
            Err(e) => {
                warn!("accept on {} failed: {}", listener.endpoint(), describe(&e));
                tokio::time::sleep(FD_BACKOFF).await;
            }
        }
    }
}

/// Accepts one connection and hands it to [`admit`] (which turns it away when every slot is
/// taken) with the settings in force, read once for it.
async fn accept_one(
    listener: &Listener,
    shared: &Arc<Shared>,
    settings: &mut Cached,
) -> io::Result<()> {
    let tls = listener.tls.as_deref();
    match &listener.socket {
        ListenSocket::Tcp(l) => {
            let (stream, peer) = l.accept().await?;
            set_nodelay(&stream)?;
            let settings = settings.get(&shared.settings);
            admit(stream, Peer::Tcp(peer), tls, shared, settings);
        }
        ListenSocket::Unix(l, file) => {
            let (stream, _) = l.accept().await?;
            let settings = settings.get(&shared.settings);
            admit(
                stream,
                Peer::Unix(file.path.clone().into()),
                tls,
                shared,
                settings,
            );
        }
    }
    Ok(())
}

/// Replies are written whole, so Nagle's algorithm could only delay them: every accepted TCP
/// socket has TCP_NODELAY. Linux copies it from the listening socket, which `bind_tcp` and
/// systemd's `adopt` set, so there it costs no syscall per connection (one `setsockopt` of
/// the ~11 a churn connection makes); elsewhere it is set here. The tests of `bind_tcp` and
/// `adopt` check the inheritance.
pub(super) fn set_nodelay(stream: &tokio::net::TcpStream) -> io::Result<()> {
    if cfg!(target_os = "linux") {
        Ok(())
    } else {
        stream.set_nodelay(true)
    }
}

/// Accepts every connection already in the listener's queue, without waiting: closing a
/// listener resets the connections still queued, which the kernel had completed and their
/// clients believe accepted. Each is served like any other during the grace period.
fn accept_queued(listener: Listener, shared: &Arc<Shared>) {
    let tls = listener.tls.as_deref();
    let settings = &shared.settings.load();
    let queued = match listener.socket {
        ListenSocket::Tcp(l) => drain_queue(l.into_std(), |(stream, peer)| {
            stream.set_nonblocking(true)?;
            let stream = tokio::net::TcpStream::from_std(stream)?;
            set_nodelay(&stream)?;
            admit(stream, Peer::Tcp(peer), tls, shared, settings);
            Ok(())
        }),
        ListenSocket::Unix(l, file) => drain_queue(l.into_std(), |(stream, _)| {
            stream.set_nonblocking(true)?;
            let stream = tokio::net::UnixStream::from_std(stream)?;
            admit(
                stream,
                Peer::Unix(file.path.clone().into()),
                tls,
                shared,
                settings,
            );
            Ok(())
        }),
    };
    if queued > 0 {
        debug!("accepted {queued} queued connection(s) before closing a listener");
    }
}

/// A listener's side of [`accept_queued`]: std's non-blocking accept.
trait Queue {
    type Accepted;
    fn accept_now(&self) -> io::Result<Self::Accepted>;
}

impl Queue for std::net::TcpListener {
    type Accepted = (std::net::TcpStream, SocketAddr);
    fn accept_now(&self) -> io::Result<Self::Accepted> {
        self.accept()
    }
}

impl Queue for std::os::unix::net::UnixListener {
    type Accepted = (
        std::os::unix::net::UnixStream,
        std::os::unix::net::SocketAddr,
    );
    fn accept_now(&self) -> io::Result<Self::Accepted> {
        self.accept()
    }
}

/// Accepts from a listener turned non-blocking std until its queue is empty; returns how many.
fn drain_queue<L: Queue>(
    listener: io::Result<L>,
    mut serve: impl FnMut(L::Accepted) -> io::Result<()>,
) -> usize {
    let Ok(listener) = listener else { return 0 };
    let mut queued = 0;
    loop {
        match listener.accept_now() {
            Ok(accepted) => {
                queued += 1;
                if let Err(e) = serve(accepted) {
                    debug!("a queued connection: {}", describe(&e));
                }
            }
            Err(e) if is_per_connection(&e) => {}
            Err(_) => return queued,
        }
    }
}

/// EMFILE, ENFILE, ENOBUFS, ENOMEM: the process or the system is out of a resource that
/// accept needs; retrying at once would fail the same way.
fn is_out_of_fds(err: &io::Error) -> bool {
    matches!(
        err.raw_os_error(),
        Some(libc::ENOMEM | libc::ENFILE | libc::EMFILE | libc::ENOBUFS)
    )
}

/// Errors that concern only the connection being accepted (it was reset or aborted before
/// accept returned); the next accept is unaffected.
fn is_per_connection(err: &io::Error) -> bool {
    matches!(
        err.kind(),
        io::ErrorKind::ConnectionAborted
            | io::ErrorKind::ConnectionReset
            | io::ErrorKind::PermissionDenied
    ) || err.raw_os_error() == Some(libc::EPROTO)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn accepted_sockets_have_nodelay_over_ipv4_and_ipv6() {
        for addr in ["127.0.0.1:0", "[::1]:0"] {
            let addr: SocketAddr = addr.parse().unwrap();
            let options = TcpOptions { reuse_port: false };
            let listener = match bind_tcp(addr, options).and_then(|b| b.listen(16)) {
                Ok(Listener {
                    socket: ListenSocket::Tcp(listener),
                    ..
                }) => listener,
                Ok(other) => panic!("bound {other:?}"),
                // A host without IPv6 loopback has nothing to check there; under CI=true,
                // where every machine has one, its absence fails the test, as the
                // integration tests' `require_ipv6_loopback` does.
                Err(e) if addr.is_ipv6() && std::env::var("CI").as_deref() != Ok("true") => {
                    eprintln!("skipped: {addr}: this machine has no IPv6 loopback ({e:#})");
                    continue;
                }
                Err(e) => panic!("{e:#}"),
            };
            let _client = tokio::net::TcpStream::connect(listener.local_addr().unwrap())
                .await
                .unwrap();
            let (accepted, _) = listener.accept().await.unwrap();
            set_nodelay(&accepted).unwrap();
            assert!(accepted.nodelay().unwrap(), "{addr}");
        }
    }
}
