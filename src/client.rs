//! The tutorial's client: connect, print the greeting, send names, print the replies.
//!
//! [`Client`] speaks one name at a time (what the tutorial does, and what a terminal session
//! needs); [`Client::pipeline`] streams names from a reader and replies to a writer with the
//! two directions running independently, the way `nc` moves stdin to a socket, so a million
//! names cost one round trip, not a million, and memory stays constant.

use crate::addr::Address;
use crate::exit;
use crate::net::tls::{TlsClient, TlsError};
use crate::net::{self, ConnectError, Stream};
use crate::protocol::Framing;
use std::io;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::Duration;
use tokio::io::{
    AsyncBufRead, AsyncBufReadExt, AsyncReadExt, AsyncWrite, AsyncWriteExt, BufReader, ReadHalf,
    WriteHalf,
};

/// The most bytes a single reply may have before the client gives up on the server.
const MAX_REPLY: usize = 1 << 20;

/// What can go wrong talking to a hello server; [`ClientError::exit_code`] gives the exit
/// code for each (curl's where curl has one).
#[derive(Debug, thiserror::Error)]
pub enum ClientError {
    /// Resolving or connecting failed, or timed out.
    #[error(transparent)]
    Connect(#[from] ConnectError),
    /// The server sent an `ERR ...` line and closed.
    #[error("server said: {0}")]
    Server(String),
    /// The server closed the connection before it replied.
    #[error("the server closed the connection before replying")]
    Closed,
    /// No reply arrived within the timeout.
    #[error("no reply within {0:?}")]
    Timeout(Duration),
    /// The server accepted the connection but said nothing: a hello server greets at once,
    /// so this is likely a server that waits for its client to speak first.
    #[error(
        "the server accepted the connection but sent no greeting within {0:?}; a hello server \
         greets at once, so this is probably one that waits for its client to speak first, \
         such as a web server (try sockit fetch http://HOST:PORT/) or a TLS one (try --tls)"
    )]
    NoGreeting(Duration),
    /// Bytes arrived but no newline: likely the tutorial's chunk framing.
    #[error(
        "no newline within {timeout:?} after {partial:?}; the server may speak the tutorial's \
         chunk framing (try --framing chunk)"
    )]
    Unframed {
        /// How long the client waited.
        timeout: Duration,
        /// What arrived, lossily decoded.
        partial: String,
    },
    /// The server answered with an HTTP status line.
    #[error(
        "the server answered {0:?}: it speaks HTTP, not the hello protocol (for a web page, \
         use sockit fetch)"
    )]
    Http(String),
    /// A name cannot be sent as one line.
    #[error("a name cannot contain a newline: {0:?}")]
    BadName(String),
    /// Reading or writing failed.
    #[error("{}", net::describe(.0))]
    Io(#[from] io::Error),
    /// TLS could not be set up, the handshake failed, or the server was not trusted.
    #[error(transparent)]
    Tls(#[from] TlsError),
}

impl ClientError {
    /// The exit code for this error: curl's numbers where curl has one
    /// ([`crate::exit::client`]).
    pub fn exit_code(&self) -> u8 {
        match self {
            ClientError::Connect(ConnectError::Resolve { .. }) => exit::client::RESOLVE,
            ClientError::Connect(ConnectError::Connect { .. } | ConnectError::Bind(_)) => {
                exit::client::CONNECT
            }
            ClientError::Connect(ConnectError::Timeout { .. })
            | ClientError::Timeout(_)
            | ClientError::NoGreeting(_)
            | ClientError::Unframed { .. } => exit::client::TIMEOUT,
            ClientError::Http(_) => exit::client::NOT_HELLO,
            ClientError::Server(_) => exit::client::SERVER_ERR,
            ClientError::BadName(_) => exit::client::BAD_NAME,
            // TLS 1.3 lets the client finish its handshake before the server checks the
            // client's certificate, so a refusal arrives as an alert on the first read.
            ClientError::Io(e) if is_tls_alert(e) => exit::curl::SSL_CONNECT_ERROR,
            ClientError::Closed | ClientError::Io(_) => exit::client::RECV,
            ClientError::Tls(e) => e.exit_code(),
        }
    }

    /// What `main` reports for this error; none for a closed stdout.
    pub fn failure(&self) -> Option<exit::Failure> {
        exit::Failure::unless_closed_stdout(self.exit_code(), self.to_string(), self)
    }
}

/// Whether a read failed because the TLS peer sent a fatal alert.
fn is_tls_alert(err: &io::Error) -> bool {
    let tls = err
        .get_ref()
        .and_then(|e| e.downcast_ref::<rustls::Error>());
    matches!(tls, Some(rustls::Error::AlertReceived(_)))
}

/// A connection to a hello server.
///
/// ```
/// # #[tokio::main(flavor = "current_thread")]
/// # async fn main() -> anyhow::Result<()> {
/// use sockit::{client::Client, protocol::Framing, server::Server};
/// use std::time::Duration;
///
/// let server = Server::builder().bind("127.0.0.1:0".parse()?).quiet(true).listen().await?;
/// let addr = (&server.local_endpoints()[0]).into();
/// tokio::spawn(server.run(std::future::pending()));
///
/// let mut client = Client::connect(&addr, Framing::Line, Duration::from_secs(10)).await?;
/// assert_eq!(client.greeting().await?, b"Welcome!");
/// assert_eq!(client.hello(b"Michael").await?, b"Hello, Michael!");
/// client.exit().await?;
/// # Ok(()) }
/// ```
#[derive(Debug)]
pub struct Client {
    reader: BufReader<ReadHalf<Stream>>,
    writer: WriteHalf<Stream>,
    framing: Framing,
    timeout: Duration,
}

impl Client {
    /// Connects within `timeout`, which also bounds every later wait for a reply.
    pub async fn connect(
        address: &Address,
        framing: Framing,
        timeout: Duration,
    ) -> Result<Self, ClientError> {
        let stream = net::connect(address, &net::ConnectOptions::new(timeout)).await?;
        Ok(Self::over(stream, framing, timeout))
    }

    /// Connects and shakes hands over TLS, within `timeout` each.
    pub async fn connect_tls(
        address: &Address,
        framing: Framing,
        timeout: Duration,
        tls: &TlsClient,
    ) -> Result<Self, ClientError> {
        let host = match address {
            Address::Tcp { host, .. } | Address::Tls { host, .. } => host,
            Address::Unix(_) => return Err(TlsError::NotTcp(address.to_string()).into()),
        };
        let Stream::Tcp(tcp) = net::connect(address, &net::ConnectOptions::new(timeout)).await?
        else {
            return Err(TlsError::NotTcp(address.to_string()).into());
        };
        let shaken = tokio::time::timeout(timeout, tls.handshake(tcp, host))
            .await
            .map_err(|_| ClientError::Timeout(timeout))??;
        Ok(Self::over(Stream::Tls(Box::new(shaken)), framing, timeout))
    }

    fn over(stream: Stream, framing: Framing, timeout: Duration) -> Self {
        let (reader, writer) = tokio::io::split(stream);
        Client {
            reader: BufReader::with_capacity(64 * 1024, reader),
            writer,
            framing,
            timeout,
        }
    }

    /// Reads the server's greeting (without its newline).
    pub async fn greeting(&mut self) -> Result<Vec<u8>, ClientError> {
        self.receive().await.map_err(|e| match e {
            ClientError::Timeout(timeout) => ClientError::NoGreeting(timeout),
            e => e,
        })
    }

    /// Sends one name and returns the reply (without its newline).
    pub async fn hello(&mut self, name: &[u8]) -> Result<Vec<u8>, ClientError> {
        self.send(name).await?;
        self.receive().await
    }

    /// Sends `exit` and closes the connection.
    pub async fn exit(mut self) -> Result<(), ClientError> {
        self.send(b"exit").await?;
        self.writer.shutdown().await?;
        Ok(())
    }

    async fn send(&mut self, name: &[u8]) -> Result<(), ClientError> {
        match self.framing {
            Framing::Line => {
                if name.contains(&b'\n') {
                    return Err(ClientError::BadName(String::from_utf8_lossy(name).into()));
                }
                let mut line = Vec::with_capacity(name.len() + 1);
                line.extend_from_slice(name);
                line.push(b'\n');
                self.writer.write_all(&line).await?;
            }
            Framing::Chunk => self.writer.write_all(name).await?,
        }
        // A no-op for a bare socket; TLS may hold the record until flushed.
        self.writer.flush().await?;
        Ok(())
    }

    /// One message: a line with line framing, one read with chunk framing. An `ERR` line is
    /// returned as [`ClientError::Server`], an HTTP status line as [`ClientError::Http`], and
    /// a timeout after part of a line as [`ClientError::Unframed`].
    async fn receive(&mut self) -> Result<Vec<u8>, ClientError> {
        let mut msg = Vec::new();
        let read = async {
            match self.framing {
                Framing::Line => {
                    let mut limited = (&mut self.reader).take(MAX_REPLY as u64);
                    limited.read_until(b'\n', &mut msg).await
                }
                Framing::Chunk => {
                    let buf = self.reader.fill_buf().await?;
                    msg.extend_from_slice(buf);
                    let n = buf.len();
                    self.reader.consume(n);
                    Ok(n)
                }
            }
        };
        match tokio::time::timeout(self.timeout, read).await {
            // read_until keeps what it read before the timeout cancelled it.
            Err(_) if !msg.is_empty() => {
                return Err(ClientError::Unframed {
                    timeout: self.timeout,
                    partial: String::from_utf8_lossy(&msg).into_owned(),
                })
            }
            Err(_) => return Err(ClientError::Timeout(self.timeout)),
            Ok(Err(e)) => return Err(e.into()),
            Ok(Ok(0)) => return Err(ClientError::Closed),
            Ok(Ok(_)) => {}
        }
        if msg.last() == Some(&b'\n') {
            msg.pop();
        } else if self.framing == Framing::Line && msg.len() >= MAX_REPLY {
            return Err(ClientError::Io(io::Error::new(
                io::ErrorKind::InvalidData,
                "reply too long",
            )));
        }
        if let Some(err) = msg.strip_prefix(b"ERR ") {
            return Err(ClientError::Server(
                String::from_utf8_lossy(err).into_owned(),
            ));
        }
        if msg.starts_with(b"HTTP/1.") {
            let status = msg.split(|&b| b == b'\n').next().unwrap_or_default();
            let status = String::from_utf8_lossy(status);
            return Err(ClientError::Http(status.trim_end().to_owned()));
        }
        Ok(msg)
    }

    /// Sends every line of `names` without waiting for replies, and copies the replies to
    /// `out` as they arrive, in order. At the end of `names` the client half-closes, so the
    /// server answers everything (a last line without `\n` too) and closes. Returns how many
    /// replies were received.
    ///
    /// Memory stays constant whatever the input size: both directions stream through fixed
    /// buffers, and the kernel's socket buffers pace the sender.
    pub async fn pipeline<R, W>(self, names: R, out: W) -> Result<u64, ClientError>
    where
        R: AsyncBufRead + Unpin + Send + 'static,
        W: AsyncWrite + Unpin,
    {
        let Client {
            mut reader,
            writer,
            timeout,
            ..
        } = self;
        let sent = Arc::new(AtomicU64::new(0));
        let sending = tokio::spawn(send_lines(names, writer, sent.clone()));
        let received = copy_replies(&mut reader, out, &sent, timeout).await;
        sending.abort();
        let received = received?;
        Ok(received)
    }
}

/// Copies `names` to the socket as it arrives (each read of the input is one write),
/// counting complete lines, then half-closes.
async fn send_lines<R: AsyncBufRead + Unpin>(
    mut names: R,
    mut writer: WriteHalf<Stream>,
    sent: Arc<AtomicU64>,
) -> io::Result<()> {
    loop {
        let buf = names.fill_buf().await?;
        if buf.is_empty() {
            break;
        }
        let n = buf.len();
        let lines = memchr::memchr_iter(b'\n', buf).count() as u64;
        writer.write_all(buf).await?;
        writer.flush().await?;
        names.consume(n);
        sent.fetch_add(lines, Ordering::Relaxed);
    }
    sent.fetch_add(1, Ordering::Relaxed); // a last line without '\n' is answered too
    writer.shutdown().await
}

/// Copies reply lines to `out` until the server closes; an `ERR` line ends it as an error.
async fn copy_replies<W: AsyncWrite + Unpin>(
    reader: &mut BufReader<ReadHalf<Stream>>,
    out: W,
    sent: &AtomicU64,
    timeout: Duration,
) -> Result<u64, ClientError> {
    let mut out = tokio::io::BufWriter::with_capacity(64 * 1024, out);
    let mut received = 0u64;
    let mut line = Vec::new();
    loop {
        // read_until keeps what it has read in `line` if the timeout cancels it, so a retry
        // after a quiet spell loses nothing.
        let mut limited = (&mut *reader).take(MAX_REPLY as u64);
        let read = limited.read_until(b'\n', &mut line);
        match tokio::time::timeout(timeout, read).await {
            Ok(read) => {
                read?;
            }
            Err(_) if sent.load(Ordering::Relaxed) > received => {
                out.flush().await?;
                return Err(ClientError::Timeout(timeout));
            }
            Err(_) => continue,
        }
        if line.is_empty() {
            out.flush().await?;
            return Ok(received);
        }
        if let Some(err) = line.strip_prefix(b"ERR ") {
            out.flush().await?;
            let text = String::from_utf8_lossy(err);
            return Err(ClientError::Server(text.trim_end().to_owned()));
        }
        received += 1;
        out.write_all(&line).await?;
        line.clear();
        // Replies that arrived together are written together; a pause flushes them, so a
        // person watching sees each reply as it comes.
        if reader.buffer().is_empty() {
            out.flush().await?;
        }
    }
}
