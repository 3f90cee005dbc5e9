//! TLS for `--bind tls:HOST:PORT`: the certificate and key loaded from PEM files, the
//! acceptor that a reload (`reload`, on SIGHUP) loads again, and the handshake with its
//! deadline.
//!
//! `admit` runs the handshake in the connection's own task after its slot and its client's
//! share are taken, bounded by `--handshake-timeout` (and by the end of the grace period), so a
//! client that connects and never speaks holds a slot for that long at most and never blocks
//! the accept loop. After the handshake the conversation is the plain one: `conn` serves any
//! [`Socket`], and the TLS stream is one whose close sends close_notify before the lingering
//! close.
//!
//! A reload builds a whole new configuration from the paths in force (a reloaded `--config`
//! may name new ones) and swaps it in for new connections, as nginx does; a connection keeps the configuration it shook hands with. A
//! reload that fails keeps the old one, and so does one whose files take longer than a few
//! seconds to read: they are read off the runtime, which serves on meanwhile.

use super::access_log::TlsSummary;
use super::conn::Socket;
use crate::duration::{self, shown};
use crate::net::describe;
use crate::net::tls::{crypto_provider as provider, pem_problem, words};
use rustls::pki_types::pem::PemObject;
use rustls::pki_types::{CertificateDer, PrivateKeyDer};
use rustls::server::WebPkiClientVerifier;
use rustls::{RootCertStore, ServerConfig};
use std::future::Future;
use std::io;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, PoisonError, RwLock};
use std::time::Duration;
use tokio::io::AsyncWriteExt;
use tokio::time::Instant;
use tokio_rustls::server::TlsStream;
use tokio_rustls::TlsAcceptor;
use tracing::{error, info};

/// How long a SIGHUP reload may take to read the certificate files before it gives up and
/// keeps the old ones; reading a local file takes microseconds.
const RELOAD_TIMEOUT: Duration = Duration::from_secs(5);

/// `--handshake-timeout`'s default.
pub const DEFAULT_HANDSHAKE_TIMEOUT: Duration = Duration::from_secs(10);

/// The TLS flags of `sockit serve`.
#[derive(Debug, Clone, PartialEq, Eq, clap::Args)]
pub struct TlsConfig {
    /// The certificate chain for `tls:` listeners (PEM, the server's certificate first).
    #[arg(long, value_name = "FILE", requires = "tls_key")]
    pub tls_cert: Option<PathBuf>,

    /// The private key of `--tls-cert` (PEM: PKCS#8, RSA or SEC1 EC).
    #[arg(long, value_name = "FILE", requires = "tls_cert")]
    pub tls_key: Option<PathBuf>,

    /// Require client certificates signed by a CA in this PEM file (mutual TLS).
    #[arg(long, value_name = "FILE")]
    pub tls_client_ca: Option<PathBuf>,

    /// Drop a client that has not finished its handshake after this long: the TLS handshake
    /// on `tls:` listeners, and the PROXY protocol header before it with `--proxy-protocol`.
    #[arg(long, value_name = "DURATION", default_value = shown!(DEFAULT_HANDSHAKE_TIMEOUT),
          value_parser = duration::parse)]
    pub handshake_timeout: Duration,
}

impl Default for TlsConfig {
    fn default() -> Self {
        TlsConfig {
            tls_cert: None,
            tls_key: None,
            tls_client_ca: None,
            handshake_timeout: DEFAULT_HANDSHAKE_TIMEOUT,
        }
    }
}

/// A TLS set-up that cannot work; each names the file or flag at fault.
#[derive(Debug, thiserror::Error)]
pub enum TlsSetupError {
    /// A `tls:` listener without a certificate.
    #[error("--bind {0} needs --tls-cert FILE and --tls-key FILE")]
    NoCertificate(String),
    /// TLS flags without a `tls:` listener to use them.
    #[error("--tls-cert, --tls-key and --tls-client-ca need a --bind tls:HOST:PORT")]
    NoListener,
    /// `--handshake-timeout 0` would drop every client.
    #[error("--handshake-timeout must be more than 0")]
    NoHandshakeTime,
    /// A file cannot be read or does not hold what it should.
    #[error("{}: {reason}", path.display())]
    File {
        /// The file.
        path: PathBuf,
        /// What is wrong with it.
        reason: String,
    },
}

impl TlsSetupError {
    fn file(path: &Path, reason: impl Into<String>) -> Self {
        TlsSetupError::File {
            path: path.to_owned(),
            reason: reason.into(),
        }
    }
}

/// The files a configuration is loaded from, again on every reload.
#[derive(Debug, Clone)]
struct Files {
    cert: PathBuf,
    key: PathBuf,
    client_ca: Option<PathBuf>,
}

impl Files {
    /// The files `config` names, if it names a certificate and its key.
    fn of(config: &TlsConfig) -> Option<Files> {
        Some(Files {
            cert: config.tls_cert.clone()?,
            key: config.tls_key.clone()?,
            client_ca: config.tls_client_ca.clone(),
        })
    }
}

/// The TLS side of every `tls:` listener: the files, and the acceptor for new connections.
#[derive(Debug)]
pub(super) struct Tls {
    /// The files loaded last: a reload without a `--config` file loads them again.
    files: Mutex<Files>,
    current: RwLock<Arc<ServerConfig>>,
    /// A reload's thread is reading the files.
    reading: AtomicBool,
}

impl Tls {
    /// Loads the certificate, key and client CA when a `tls:` listener needs them; `None`
    /// when there is no `tls:` listener. `tls_binds` names the `tls:` binds, for the error.
    pub(super) fn from_config(
        config: &TlsConfig,
        tls_binds: &[String],
    ) -> Result<Option<Arc<Tls>>, TlsSetupError> {
        let files = match Files::of(config) {
            Some(files) => files,
            _ if !tls_binds.is_empty() => {
                return Err(TlsSetupError::NoCertificate(tls_binds.join(" ")))
            }
            _ if config.tls_client_ca.is_some() => return Err(TlsSetupError::NoListener),
            _ => return Ok(None),
        };
        if tls_binds.is_empty() {
            return Err(TlsSetupError::NoListener);
        }
        if config.handshake_timeout.is_zero() {
            return Err(TlsSetupError::NoHandshakeTime);
        }
        let current = RwLock::new(load(&files)?);
        Ok(Some(Arc::new(Tls {
            files: Mutex::new(files),
            current,
            reading: AtomicBool::new(false),
        })))
    }

    /// The acceptor for a new connection, with the configuration loaded last.
    pub(super) fn acceptor(&self) -> TlsAcceptor {
        let current = self.current.read().unwrap_or_else(PoisonError::into_inner);
        TlsAcceptor::from(current.clone())
    }

    /// Loads the files again, those `config` names when there is one (a reloaded `--config`
    /// may name other paths), else the ones in force; on success new connections use them,
    /// on failure the old configuration stays, one line says why, and false is returned.
    ///
    /// The files are read on a thread of their own, bounded by [`RELOAD_TIMEOUT`], while the
    /// runtime goes on serving with the old configuration: a path that blocks (a FIFO, a hung
    /// network mount) stopped every TLS handshake when the read ran on a runtime worker. Not
    /// tokio's blocking pool: the runtime waits for its tasks when it shuts down, so a read
    /// that never returns would keep the process from exiting. One read at a time: a SIGHUP
    /// while one is still stuck says so instead of starting another thread. `reload` calls it
    /// on each SIGHUP, after the `--config` file.
    pub(super) async fn reload(self: &Arc<Self>, config: Option<&TlsConfig>) -> bool {
        let files = match config.map(Files::of) {
            None => self
                .files
                .lock()
                .unwrap_or_else(PoisonError::into_inner)
                .clone(),
            Some(Some(files)) => files,
            Some(None) => {
                error!(
                    "TLS reload failed, still serving the previous certificate: the tls: \
                     listeners need tls-cert and tls-key"
                );
                return false;
            }
        };
        if self.reading.swap(true, Ordering::AcqRel) {
            error!(
                "TLS reload skipped: the previous one is still reading {} (a hung mount?)",
                files.cert.display()
            );
            return false;
        }
        let (done, loaded) = tokio::sync::oneshot::channel();
        let tls = self.clone();
        let reading = files.clone();
        let reader = std::thread::Builder::new()
            .name("tls-reload".into())
            .spawn(move || {
                let loaded = load(&reading);
                tls.reading.store(false, Ordering::Release);
                if done.send(loaded).is_err() {
                    info!(
                        "The TLS reload that gave up has finished reading {}: send SIGHUP \
                         again to load the files",
                        reading.cert.display()
                    );
                }
            });
        if let Err(e) = reader {
            self.reading.store(false, Ordering::Release);
            error!("TLS reload failed, still serving the previous certificate: {e}");
            return false;
        }
        match tokio::time::timeout(RELOAD_TIMEOUT, loaded).await {
            Ok(Ok(Ok(config))) => {
                *self.current.write().unwrap_or_else(PoisonError::into_inner) = config;
                info!("TLS certificate reloaded from {}", files.cert.display());
                *self.files.lock().unwrap_or_else(PoisonError::into_inner) = files;
                return true;
            }
            Ok(Ok(Err(e))) => {
                error!("TLS reload failed, still serving the previous certificate: {e}")
            }
            Ok(Err(_)) => error!("TLS reload failed, still serving the previous certificate"),
            Err(_) => error!(
                "TLS reload failed, still serving the previous certificate: reading {} took \
                 longer than {RELOAD_TIMEOUT:?}",
                files.cert.display()
            ),
        }
        false
    }
}

/// Builds a server configuration from the files, checking that the key fits the certificate.
fn load(files: &Files) -> Result<Arc<ServerConfig>, TlsSetupError> {
    let chain = read_certificates(&files.cert)?;
    let key = read_key(&files.key)?;
    let provider = provider();
    let builder = ServerConfig::builder_with_provider(provider.clone())
        .with_safe_default_protocol_versions()
        .map_err(|e| TlsSetupError::file(&files.cert, e.to_string()))?;
    let builder = match &files.client_ca {
        None => builder.with_no_client_auth(),
        Some(path) => {
            let mut roots = RootCertStore::empty();
            for cert in read_certificates(path)? {
                roots
                    .add(cert)
                    .map_err(|e| TlsSetupError::file(path, format!("not a usable CA: {e}")))?;
            }
            let verifier = WebPkiClientVerifier::builder_with_provider(roots.into(), provider)
                .build()
                .map_err(|e| TlsSetupError::file(path, format!("not a usable CA: {e}")))?;
            builder.with_client_cert_verifier(verifier)
        }
    };
    let config = builder.with_single_cert(chain, key).map_err(|e| match e {
        rustls::Error::InconsistentKeys(_) => TlsSetupError::file(
            &files.key,
            format!(
                "the key does not match the certificate in {}",
                files.cert.display()
            ),
        ),
        e => TlsSetupError::file(&files.key, format!("unusable private key: {e}")),
    })?;
    Ok(Arc::new(config))
}

fn read(path: &Path) -> Result<Vec<u8>, TlsSetupError> {
    std::fs::read(path)
        .map_err(|e| TlsSetupError::file(path, format!("cannot read: {}", describe(&e))))
}

fn read_certificates(path: &Path) -> Result<Vec<CertificateDer<'static>>, TlsSetupError> {
    let pem = read(path)?;
    let certs = CertificateDer::pem_slice_iter(&pem)
        .collect::<Result<Vec<_>, _>>()
        .map_err(|e| TlsSetupError::file(path, pem_problem(&e)))?;
    if certs.is_empty() {
        return Err(TlsSetupError::file(path, "no PEM certificate in it"));
    }
    Ok(certs)
}

fn read_key(path: &Path) -> Result<PrivateKeyDer<'static>, TlsSetupError> {
    let pem = read(path)?;
    PrivateKeyDer::from_pem_slice(&pem).map_err(|e| match e {
        rustls::pki_types::pem::Error::NoItemsFound => {
            TlsSetupError::file(path, "no private key in it (PEM: PKCS#8, RSA or SEC1 EC)")
        }
        e => TlsSetupError::file(path, pem_problem(&e)),
    })
}

/// Shakes hands with a client over `sock` by `deadline`, unless `shutdown` (the end of the
/// grace period) resolves first.
pub(super) async fn handshake<S: Socket>(
    sock: S,
    acceptor: TlsAcceptor,
    deadline: Instant,
    shutdown: impl Future<Output = ()>,
) -> Result<TlsStream<S>, HandshakeFailure> {
    let shaking = tokio::time::timeout_at(deadline, acceptor.accept(sock));
    tokio::select! {
        shaken = shaking => match shaken {
            Ok(Ok(stream)) => Ok(stream),
            Ok(Err(e)) => Err(HandshakeFailure::Refused(e)),
            Err(_) => Err(HandshakeFailure::TimedOut),
        },
        () = shutdown => Err(HandshakeFailure::ShuttingDown),
    }
}

/// Why a handshake did not complete.
#[derive(Debug)]
pub(super) enum HandshakeFailure {
    /// The client broke off, sent something that is not TLS, or was refused.
    Refused(io::Error),
    /// `--handshake-timeout` passed.
    TimedOut,
    /// The grace period ended first.
    ShuttingDown,
}

/// Why a handshake failed, in the words of its log line (which `admit` writes through the
/// rejection log, so that a flood of failed handshakes is a few lines a second).
impl std::fmt::Display for HandshakeFailure {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            HandshakeFailure::Refused(e) => f.write_str(&refusal(e)),
            HandshakeFailure::TimedOut => f.write_str("no handshake within --handshake-timeout"),
            HandshakeFailure::ShuttingDown => f.write_str("the server is shutting down"),
        }
    }
}

/// A handshake error in words.
fn refusal(err: &io::Error) -> String {
    use rustls::Error as E;
    let tls = err
        .get_ref()
        .and_then(|e| e.downcast_ref::<rustls::Error>());
    match tls {
        Some(E::InvalidMessage(_) | E::InappropriateMessage { .. }) => {
            "not a TLS client (plaintext on a TLS port?)".to_owned()
        }
        Some(E::NoCertificatesPresented) => "no client certificate".to_owned(),
        Some(E::InvalidCertificate(why)) => {
            format!("client certificate refused: {}", words(&format!("{why:?}")))
        }
        Some(E::AlertReceived(alert)) => {
            format!("the client refused: {}", words(&format!("{alert:?}")))
        }
        Some(E::PeerIncompatible(why)) => {
            format!("no TLS settings in common: {}", words(&format!("{why:?}")))
        }
        Some(other) => other.to_string(),
        None if err.kind() == io::ErrorKind::UnexpectedEof => {
            "the client closed the connection".to_owned()
        }
        None => describe(err),
    }
}

/// A TLS stream is served like the socket under it; only closing differs.
impl<S: Socket> Socket for TlsStream<S> {
    fn sock_ref(&self) -> socket2::SockRef<'_> {
        self.get_ref().0.sock_ref()
    }

    fn input_pending(&self) -> bool {
        self.get_ref().0.input_pending()
    }

    fn output_buffered(&self) -> bool {
        self.get_ref().1.wants_write()
    }

    /// close_notify, then FIN (tokio-rustls's shutdown does both).
    async fn close_write(&mut self, within: Duration) -> io::Result<()> {
        match tokio::time::timeout(within, self.shutdown()).await {
            Ok(done) => done,
            Err(_) => Err(io::ErrorKind::TimedOut.into()),
        }
    }

    async fn say_goodbye(&mut self, within: Duration) {
        let _ = self.close_write(within).await;
    }

    fn tls_summary(&self) -> Option<TlsSummary> {
        let session = self.get_ref().1;
        let client = (session.peer_certificates())
            .and_then(|chain| chain.first())
            .and_then(|cert| x509_parser::parse_x509_certificate(cert).ok())
            .map(|(_, cert)| cert.subject().to_string());
        Some(TlsSummary {
            version: session.protocol_version().and_then(|v| v.as_str()),
            cipher: (session.negotiated_cipher_suite()).and_then(|s| s.suite().as_str()),
            client,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rustls::pki_types::ServerName;
    use tokio::io::AsyncReadExt;

    /// Replies the kernel cannot take at once wait as TLS records in the stream's own buffer;
    /// they must go out when the socket drains, even though the client, waiting for them,
    /// sends nothing more. Small socket buffers on both ends make the kernel refuse most of
    /// the replies, so without the flush the client would wait for ever.
    #[tokio::test]
    async fn buffered_records_are_flushed_without_more_input() {
        let cert = rcgen::generate_simple_self_signed(vec!["localhost".into()]).unwrap();
        let chain = vec![cert.cert.der().clone()];
        let key = PrivateKeyDer::try_from(cert.signing_key.serialize_der()).unwrap();
        let server_config = ServerConfig::builder_with_provider(provider())
            .with_safe_default_protocol_versions()
            .unwrap()
            .with_no_client_auth()
            .with_single_cert(chain.clone(), key)
            .unwrap();
        let mut roots = RootCertStore::empty();
        roots.add(chain[0].clone()).unwrap();
        let client_config = rustls::ClientConfig::builder_with_provider(provider())
            .with_safe_default_protocol_versions()
            .unwrap()
            .with_root_certificates(roots)
            .with_no_client_auth();

        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let socket = tokio::net::TcpSocket::new_v4().unwrap();
        socket.set_recv_buffer_size(4096).unwrap();
        let client = socket
            .connect(listener.local_addr().unwrap())
            .await
            .unwrap();
        let (server_side, peer) = listener.accept().await.unwrap();
        socket2::SockRef::from(&server_side)
            .set_send_buffer_size(4096)
            .unwrap();
        let shared = Arc::new(super::super::Shared::new(Default::default()));
        let slot = shared.slots.clone().try_acquire_owned().unwrap();
        let acceptor = TlsAcceptor::from(Arc::new(server_config));
        tokio::spawn(async move {
            let stream = acceptor.accept(server_side).await.unwrap();
            let settings = shared.settings.load();
            let peer = super::super::conn::Peer::Tcp(peer);
            super::super::conn::serve(stream, peer, shared, settings, slot).await
        });

        let name = ServerName::try_from("localhost").unwrap();
        let connector = tokio_rustls::TlsConnector::from(Arc::new(client_config));
        let mut tls = connector.connect(name, client).await.unwrap();
        // About 40 KiB of replies: more than both socket buffers hold, less than rustls's
        // own 64 KiB, so the server reads every name before it has to wait.
        let names: Vec<u8> = (0..3000)
            .flat_map(|i| format!("n{i}\n").into_bytes())
            .collect();
        tls.write_all(&names).await.unwrap();
        let expected: usize = b"Welcome!\n".len()
            + (0..3000)
                .map(|i| format!("Hello, n{i}!\n").len())
                .sum::<usize>();
        let mut replies = vec![0; expected];
        let read = tokio::time::timeout(Duration::from_secs(10), tls.read_exact(&mut replies));
        assert!(read.await.is_ok(), "the last replies never came");
        assert!(replies.ends_with(b"Hello, n2999!\n"));
    }
}
