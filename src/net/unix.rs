//! Owns connecting to a Unix socket given as a path or, on Linux, as a name in the abstract
//! namespace (curl's `--abstract-unix-socket`: no file, the name alone, as systemd and
//! Docker's tools use).

use std::io;
use std::path::Path;
use tokio::net::UnixStream;

/// Where a Unix socket is.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum UnixAddr {
    /// A path in the file system.
    Path(std::path::PathBuf),
    /// A name in Linux's abstract namespace (without the leading NUL byte).
    Abstract(Vec<u8>),
}

impl std::fmt::Display for UnixAddr {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            UnixAddr::Path(path) => write!(f, "{}", path.display()),
            UnixAddr::Abstract(name) => write!(f, "@{}", String::from_utf8_lossy(name)),
        }
    }
}

/// Connects to `addr`.
pub async fn connect_unix(addr: &UnixAddr) -> io::Result<UnixStream> {
    match addr {
        UnixAddr::Path(path) => UnixStream::connect(Path::new(path)).await,
        UnixAddr::Abstract(name) => connect_abstract(name),
    }
}

/// A connect to an abstract name completes at once or fails (there is no file to wait on, and
/// a full backlog is refused, not queued), so the blocking call does not hold the runtime.
#[cfg(target_os = "linux")]
fn connect_abstract(name: &[u8]) -> io::Result<UnixStream> {
    use std::os::linux::net::SocketAddrExt;
    let addr = std::os::unix::net::SocketAddr::from_abstract_name(name)?;
    let std = std::os::unix::net::UnixStream::connect_addr(&addr)?;
    std.set_nonblocking(true)?;
    UnixStream::from_std(std)
}

#[cfg(not(target_os = "linux"))]
fn connect_abstract(_name: &[u8]) -> io::Result<UnixStream> {
    Err(io::Error::new(
        io::ErrorKind::Unsupported,
        "abstract Unix sockets exist on Linux only",
    ))
}
