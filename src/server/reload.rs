//! What SIGHUP does to a running server, in one place: reads the `--config` file again and
//! applies the settings that can change under running connections, then loads the TLS
//! certificate and key of `tls:` listeners again. The binary owns the signal (the library
//! never installs handlers of its own) and hands it to [`on_hangup`].
//!
//! Applied to new connections ([`config_file::RELOADABLE`]): the greeting and framing, the
//! line and input-memory limits, every timeout, the PROXY protocol settings, the connection
//! limits (a lower `--max-connections` is reached as connections end, never by closing one)
//! and rates, `--quiet`, the log format, the grace period and drain delay, and the TLS files
//! (by their new paths when the file changed them). A connection keeps the settings it was
//! accepted with to its end (see `settings`). The certificate is read off the runtime with a
//! timeout (`tls`), so a hung file never stalls serving. Any other changed key (the listeners,
//! `--threads`) is refused with one log line naming it, and the rest of the reload still
//! applies. A file that cannot be read or parsed, whose flags clap refuses, or whose settings
//! cannot work together, changes nothing and is logged in one line; a certificate that fails
//! to load keeps the one in force. Each SIGHUP is counted in
//! `sockit_config_reloads_total{result}`, as Prometheus counts its own: `ok` only when the
//! file and the certificate both loaded.

use super::config_file::{self, ConfigFileError, Loaded, Source};
use super::settings::Settings;
use super::tls::{Tls, TlsConfig, TlsSetupError};
use super::{nanos, Config, ConfigError, Shared};
use crate::logging::Logging;
use std::ffi::OsString;
use std::sync::atomic::Ordering::Relaxed;
use std::sync::Arc;
use tokio::signal::unix::Signal;
use tracing::{info, warn};

/// What a reload may change in a running server.
#[derive(Debug, Clone)]
pub struct Reloader {
    pub(super) shared: Arc<Shared>,
    /// The certificate of the `tls:` listeners, when there are any.
    pub(super) tls: Option<Arc<Tls>>,
}

impl Reloader {
    /// Applies `config`'s reloadable settings to new connections, or none of them when they
    /// cannot work together (as the same flags would be refused at start).
    pub fn apply(&self, config: &Config) -> Result<(), ConfigError> {
        config.check()?;
        if self.tls.is_some() && config.tls.handshake_timeout.is_zero() {
            return Err(TlsSetupError::NoHandshakeTime.into());
        }
        let shared = &self.shared;
        shared.settings.store(Settings::of(config));
        shared.resize(config.max_connections);
        (shared.rate).set(
            config.max_connection_rate,
            config.max_connection_rate_per_ip,
        );
        shared.input_budget.set_limit(config.max_input_memory);
        (shared.tick).store(nanos(Shared::tick_for(config)), Relaxed);
        Ok(())
    }

    /// Counts a reload that worked (`ok`) or did not.
    pub fn counted(&self, ok: bool) {
        self.shared.metrics.config_reloaded(ok);
    }

    /// Loads the TLS certificate and key again, when there are `tls:` listeners: from the
    /// files `config` names when there is one, else from those in force. A failure keeps the
    /// certificate in force, says so in one line, and returns false.
    pub async fn reload_tls(&self, config: Option<&TlsConfig>) -> bool {
        match &self.tls {
            Some(tls) => {
                info!("SIGHUP received: reloading the TLS certificate");
                tls.reload(config).await
            }
            None => true,
        }
    }
}

/// Turns the merged arguments into the settings they stand for (the binary's clap
/// definitions, which own `--threads` and `--config` beside the server's [`Config`]).
pub type Parse = dyn Fn(&[OsString]) -> Result<Config, clap::Error> + Send + Sync;

/// Reloads on every SIGHUP until the process ends: `source` read again (when there is one)
/// and compared with what it said last, then the TLS certificate (when there is one); each
/// SIGHUP that had something to reload is counted once.
pub async fn on_hangup(
    mut hangup: Signal,
    mut source: Option<(Source, Loaded)>,
    reloader: Reloader,
    parse: Box<Parse>,
    logging: Option<Logging>,
) {
    while hangup.recv().await.is_some() {
        let (file_ok, config) = match &mut source {
            Some((source, loaded)) => {
                let config = reload_file(source, loaded, &reloader, &parse, logging.as_ref());
                (config.is_some(), config)
            }
            None if reloader.tls.is_none() => {
                info!("SIGHUP received: no --config file or TLS certificate to reload");
                continue;
            }
            None => (true, None),
        };
        let tls_ok = reloader.reload_tls(config.as_ref().map(|c| &c.tls)).await;
        reloader.counted(file_ok && tls_ok);
    }
}

/// One reload of the `--config` file: applied, or refused in one line. Returns the settings
/// applied.
fn reload_file(
    source: &Source,
    loaded: &mut Loaded,
    reloader: &Reloader,
    parse: &Parse,
    logging: Option<&Logging>,
) -> Option<Config> {
    let file = source.file().display().to_string();
    let applied = reload(source, parse).and_then(|(newer, config)| {
        reloader
            .apply(&config)
            .map_err(|e| source.error(e.to_string()))?;
        Ok((newer, config))
    });
    match applied {
        Ok((newer, config)) => {
            let changed = loaded.changed(&newer);
            for key in changed.iter().filter(|k| !is_reloadable(k)) {
                warn!("{file}: {key} changed, but takes effect only at a restart; kept");
            }
            if let Some(logging) = logging {
                logging.set_format(config.log_format);
            }
            info!(
                "SIGHUP received: reloaded {file} ({} key(s) changed)",
                changed.len()
            );
            *loaded = newer;
            Some(config)
        }
        Err(e) => {
            warn!("SIGHUP received: {e}; the settings in force are kept");
            None
        }
    }
}

fn reload(source: &Source, parse: &Parse) -> Result<(Loaded, Config), ConfigFileError> {
    let newer = source.load()?;
    let config = parse(&newer.argv).map_err(|e| source.error(config_file::one_line(&e)))?;
    Ok((newer, config))
}

fn is_reloadable(key: &str) -> bool {
    config_file::RELOADABLE.contains(&key)
}
