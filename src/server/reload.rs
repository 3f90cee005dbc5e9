//! What SIGHUP does to a running server, in one place: reads the `--config` file again and
//! applies the settings that can change under running connections, then loads the TLS
//! certificate and key of `tls:` listeners again. The binary owns the signal (the library
//! never installs handlers of its own) and hands it to [`on_hangup`].
//!
//! Applied to new connections ([`config_file::RELOADABLE`]): `--max-connections` (a lower limit
//! is reached as connections end, never by closing one), the connection-rate limits and the
//! log format. The certificate is read off the runtime with a timeout (`tls`), so a hung file
//! never stalls serving. Any other changed key is refused with one log line naming it, and the rest of the
//! reload still applies. A file that cannot be read or parsed, or whose flags clap refuses,
//! changes nothing and is logged in one line. Each reload is counted in
//! `sockit_config_reloads_total{result}`, as Prometheus counts its own.

use super::config_file::{self, ConfigFileError, Loaded, Source};
use super::tls::Tls;
use super::{Config, Shared};
use crate::logging::Logging;
use std::ffi::OsString;
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
    /// Applies `config`'s reloadable settings to new connections.
    pub fn apply(&self, config: &Config) {
        self.shared.resize(config.max_connections);
        (self.shared.rate).set(
            config.max_connection_rate,
            config.max_connection_rate_per_ip,
        );
    }

    /// Counts a reload that worked (`ok`) or did not.
    pub fn counted(&self, ok: bool) {
        self.shared.metrics.config_reloaded(ok);
    }

    /// Loads the TLS certificate and key again, when there are `tls:` listeners; a failure
    /// keeps the one in force and says so in one line.
    pub async fn reload_tls(&self) {
        if let Some(tls) = &self.tls {
            info!("SIGHUP received: reloading the TLS certificate");
            tls.reload().await;
        }
    }
}

/// Turns the merged arguments into the settings they stand for (the binary's clap
/// definitions, which own `--threads` and `--config` beside the server's [`Config`]).
pub type Parse = dyn Fn(&[OsString]) -> Result<Config, clap::Error> + Send + Sync;

/// Reloads on every SIGHUP until the process ends: `source` read again (when there is one)
/// and compared with what it said last, then the TLS certificate (when there is one).
pub async fn on_hangup(
    mut hangup: Signal,
    mut source: Option<(Source, Loaded)>,
    reloader: Reloader,
    parse: Box<Parse>,
    logging: Option<Logging>,
) {
    while hangup.recv().await.is_some() {
        match &mut source {
            Some((source, loaded)) => {
                reload_file(source, loaded, &reloader, &parse, logging.as_ref());
            }
            None if reloader.tls.is_none() => {
                info!("SIGHUP received: no --config file or TLS certificate to reload");
            }
            None => {}
        }
        reloader.reload_tls().await;
    }
}

/// One reload of the `--config` file: applied and counted, or refused in one line.
fn reload_file(
    source: &Source,
    loaded: &mut Loaded,
    reloader: &Reloader,
    parse: &Parse,
    logging: Option<&Logging>,
) {
    let file = source.file().display().to_string();
    match reload(source, parse) {
        Ok((newer, config)) => {
            let changed = loaded.changed(&newer);
            for key in changed.iter().filter(|k| !is_reloadable(k)) {
                warn!("{file}: {key} changed, but takes effect only at a restart; kept");
            }
            reloader.apply(&config);
            if let Some(logging) = logging {
                logging.set_format(config.log_format);
            }
            reloader.counted(true);
            info!(
                "SIGHUP received: reloaded {file} ({} key(s) changed)",
                changed.len()
            );
            *loaded = newer;
        }
        Err(e) => {
            reloader.counted(false);
            warn!("SIGHUP received: {e}; the settings in force are kept");
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
