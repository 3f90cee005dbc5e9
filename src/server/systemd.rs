//! Running under systemd: listening sockets it hands over (socket activation, `LISTEN_FDS`),
//! and the state changes it is told about (`READY=1`, `STOPPING=1` on `NOTIFY_SOCKET`).
//!
//! Socket activation lets systemd own the port (a privileged one, with no capability for the
//! server) and queue connections while the server starts or restarts. The sockets are taken
//! with the listenfd crate, which also clears `LISTEN_FDS` and `LISTEN_PID` so no child
//! inherits them: changing the environment is only safe while the process has one thread,
//! so the binary calls [`inherited_sockets`] before it starts the runtime.

use super::listener::{Listener, SocketFile};
use crate::addr::Endpoint;
use anyhow::{bail, Context as _};
use std::path::PathBuf;
use tracing::warn;

/// A listening socket handed over by systemd (or `systemd-socket-activate`).
#[derive(Debug)]
pub enum Inherited {
    /// A TCP listener (`ListenStream=9999` or `ListenStream=[::]:9999`).
    Tcp(std::net::TcpListener),
    /// A Unix stream listener (`ListenStream=/run/sockit.sock`).
    Unix(std::os::unix::net::UnixListener),
}

/// The listening sockets passed to this process with `LISTEN_FDS`/`LISTEN_PID`, in order;
/// empty when the process was not socket-activated. Call it while the process has one
/// thread (it clears those variables). A passed socket that is not a TCP or Unix stream
/// listener is an error naming its position.
pub fn inherited_sockets() -> anyhow::Result<Vec<Inherited>> {
    let mut fds = listenfd::ListenFd::from_env();
    (0..fds.len())
        .map(|i| {
            let shown = || format!("socket {} passed by systemd (descriptor {})", i + 1, i + 3);
            if let Ok(Some(tcp)) = fds.take_tcp_listener(i) {
                return Ok(Inherited::Tcp(tcp));
            }
            match fds.take_unix_listener(i) {
                Ok(Some(unix)) => Ok(Inherited::Unix(unix)),
                Ok(None) => bail!("{} was already taken", shown()),
                Err(e) => Err(e).with_context(|| {
                    format!(
                        "cannot serve on {}: not a TCP or Unix stream listener",
                        shown()
                    )
                }),
            }
        })
        .collect()
}

/// Makes an inherited socket a listener like a bound one. A Unix socket's file belongs to
/// systemd, so it is left in place when the server stops.
pub(super) fn adopt(socket: Inherited) -> anyhow::Result<Listener> {
    let context = "cannot serve on a socket passed by systemd";
    match socket {
        Inherited::Tcp(socket) => {
            socket.set_nonblocking(true).context(context)?;
            // Accepted sockets inherit it (see `listener::set_nodelay`).
            socket2::SockRef::from(&socket)
                .set_nodelay(true)
                .context(context)?;
            let listener = tokio::net::TcpListener::from_std(socket).context(context)?;
            let local = listener.local_addr().context(context)?;
            Ok(Listener::tcp(listener, Endpoint::Tcp(local)))
        }
        Inherited::Unix(socket) => {
            socket.set_nonblocking(true).context(context)?;
            let path = socket
                .local_addr()
                .ok()
                .and_then(|a| a.as_pathname().map(PathBuf::from))
                .unwrap_or_else(|| PathBuf::from("(unnamed)"));
            let listener = tokio::net::UnixListener::from_std(socket).context(context)?;
            let file = SocketFile::borrowed(path.clone());
            Ok(Listener::unix(listener, Endpoint::Unix(path), file))
        }
    }
}

/// Tells the supervisor named by `NOTIFY_SOCKET` (if any) that every listener is up.
pub(super) fn notify_ready() {
    notify(sd_notify::NotifyState::Ready);
}

/// Tells the supervisor named by `NOTIFY_SOCKET` (if any) that shutdown has begun.
pub(super) fn notify_stopping() {
    notify(sd_notify::NotifyState::Stopping);
}

fn notify(state: sd_notify::NotifyState) {
    if let Err(e) = sd_notify::notify(&[state]) {
        warn!("cannot notify systemd (NOTIFY_SOCKET): {e}");
    }
}

#[cfg(test)]
mod tests {
    use super::super::listener::ListenSocket;
    use super::*;

    /// A socket systemd made knows nothing of Nagle; the server's connections on it must
    /// still go out unbuffered, which on Linux they inherit from the listener.
    #[tokio::test]
    async fn connections_on_an_adopted_socket_have_nodelay() {
        let socket = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        let addr = socket.local_addr().unwrap();
        let ListenSocket::Tcp(listener) = adopt(Inherited::Tcp(socket)).unwrap().socket else {
            panic!("a TCP socket adopted as something else");
        };
        let _client = tokio::net::TcpStream::connect(addr).await.unwrap();
        let (accepted, _) = listener.accept().await.unwrap();
        super::super::listener::set_nodelay(&accepted).unwrap();
        assert!(accepted.nodelay().unwrap());
    }
}
