//! Owns how log lines are written: the subscriber every subcommand installs, in text for
//! people or JSON for log shippers (`--log-format`), switchable while the process runs.
//!
//! The format sits behind tracing-subscriber's `reload` layer so that `sockit serve` can change
//! it when its configuration file is reloaded; the level filter stays outside it, so an event
//! below the level costs the same as before. Text is tracing-subscriber's formatter; JSON
//! lines (`json`) have `timestamp` (RFC 3339, UTC), `level`, `message` and the event's
//! fields at the top level of one object per line, which is what Loki, Vector and Elastic's
//! agents parse without a grok pattern. Both go to stderr through `sink`, which batches the
//! access lines (target [`ACCESS`]) until [`flush`].

mod json;
mod sink;

pub use sink::{flush, ACCESS};
use std::io::IsTerminal;
use tracing_subscriber::layer::SubscriberExt as _;
use tracing_subscriber::util::SubscriberInitExt as _;
use tracing_subscriber::{reload, EnvFilter, Layer, Registry};

/// How each log line is written (`--log-format`).
#[derive(
    Debug,
    Clone,
    Copy,
    PartialEq,
    Eq,
    Default,
    clap::ValueEnum,
    serde::Serialize,
    serde::Deserialize,
)]
#[serde(rename_all = "lowercase")]
pub enum LogFormat {
    /// `2026-12-07T00:27:18.125711Z  INFO message field=value`, coloured on a terminal.
    #[default]
    Text,
    /// One JSON object per line: `{"timestamp":"...","level":"INFO","message":"...",...}`.
    Json,
}

type Formatter = Box<dyn Layer<Registry> + Send + Sync>;

/// The installed subscriber's format switch.
#[derive(Clone)]
pub struct Logging {
    format: reload::Handle<Formatter, Registry>,
}

impl std::fmt::Debug for Logging {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Logging")
    }
}

impl Logging {
    /// Installs the process's subscriber, writing to stderr in `format`; `RUST_LOG` overrides
    /// `default_level`. `None` if a subscriber is installed already (a test that runs two
    /// servers in one process): the first one stays.
    pub fn init(default_level: &str, format: LogFormat) -> Option<Logging> {
        let filter =
            EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new(default_level));
        let (formatter, handle) = reload::Layer::new(formatter(format));
        (tracing_subscriber::registry().with(formatter).with(filter))
            .try_init()
            .ok()?;
        Some(Logging { format: handle })
    }

    /// Writes every later line in `format`.
    pub fn set_format(&self, format: LogFormat) {
        // Fails only if the subscriber is gone, when there is nothing left to format.
        let _ = self.format.reload(formatter(format));
    }
}

fn formatter(format: LogFormat) -> Formatter {
    match format {
        LogFormat::Text => tracing_subscriber::fmt::layer()
            .with_writer(sink::Sink)
            .with_target(false)
            .with_ansi(std::io::stderr().is_terminal())
            .boxed(),
        LogFormat::Json => json::JsonLayer.boxed(),
    }
}
