//! What SIGHUP does to a running server: reads the `--config` file again and applies the
//! settings that can change under running connections.
//!
//! Applied to new connections ([`config_file::RELOADABLE`]): `--max-connections` (a lower limit
//! is reached as connections end, never by closing one), the connection-rate limits and the
//! log format; the TLS certificate and key are read again by the TLS listeners' own SIGHUP
//! handler. Any other changed key is refused with one log line naming it, and the rest of the
//! reload still applies. A file that cannot be read or parsed, or whose flags clap refuses,
//! changes nothing and is logged in one line. Each reload is counted in
//! `sockit_config_reloads_total{result}`, as Prometheus counts its own.

use super::config_file::{self, ConfigFileError, Loaded, Source};
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
}

/// Turns the merged arguments into the settings they stand for (the binary's clap
/// definitions, which own `--threads` and `--config` beside the server's [`Config`]).
pub type Parse = dyn Fn(&[OsString]) -> Result<Config, clap::Error> + Send + Sync;

/// Reloads on every SIGHUP until the process ends: `source` read again (when there is one)
/// and compared with what it said last (`loaded`).
pub async fn on_hangup(
    mut hangup: Signal,
    source: Option<(Source, Loaded)>,
    reloader: Reloader,
    parse: Box<Parse>,
    logging: Option<Logging>,
) {
    let Some((source, mut loaded)) = source else {
        while hangup.recv().await.is_some() {
            info!("SIGHUP received: no --config file to reload");
        }
        return;
    };
    while hangup.recv().await.is_some() {
        let file = source.file().display().to_string();
        match reload(&source, &parse) {
            Ok((newer, config)) => {
                let changed = loaded.changed(&newer);
                for key in changed.iter().filter(|k| !is_reloadable(k)) {
                    warn!("{file}: {key} changed, but takes effect only at a restart; kept");
                }
                reloader.apply(&config);
                if let Some(logging) = &logging {
                    logging.set_format(config.log_format);
                }
                reloader.counted(true);
                info!(
                    "SIGHUP received: reloaded {file} ({} key(s) changed)",
                    changed.len()
                );
                loaded = newer;
            }
            Err(e) => {
                reloader.counted(false);
                warn!("SIGHUP received: {e}; the settings in force are kept");
            }
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
