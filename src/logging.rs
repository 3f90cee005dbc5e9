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
//!
//! The level filter is tracing-subscriber's `Targets` (`RUST_LOG=debug`,
//! `RUST_LOG=warn,sockit::server=debug`), not its `EnvFilter`: `EnvFilter`'s span and field
//! directives (`[span{field=value}]`) need the regex engine, which was 0.3 MB of the release
//! binary (issue 26's 10 MB cap) for a filter syntax nobody used here.

mod json;
mod sink;

pub use sink::{flush, ACCESS};
use std::io::IsTerminal;
use tracing_subscriber::filter::Targets;
use tracing_subscriber::layer::SubscriberExt as _;
use tracing_subscriber::util::SubscriberInitExt as _;
use tracing_subscriber::{reload, Layer, Registry};

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
        let filter = level_filter(std::env::var("RUST_LOG").ok().as_deref(), default_level);
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

/// The filter `RUST_LOG` asks for (`LEVEL` or `TARGET=LEVEL`, comma-separated), or
/// `default_level` when it is unset, empty or does not parse.
fn level_filter(rust_log: Option<&str>, default_level: &str) -> Targets {
    rust_log
        .filter(|directives| !directives.trim().is_empty())
        .and_then(|directives| directives.parse().ok())
        .or_else(|| default_level.parse().ok())
        .unwrap_or_else(|| Targets::new().with_default(tracing::Level::INFO))
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

#[cfg(test)]
mod tests {
    use super::*;
    use tracing::Level;

    /// `RUST_LOG` overrides the default level, per target too, and a value that does not
    /// parse falls back to the default, as `EnvFilter` did.
    #[test]
    fn rust_log_overrides_the_default_level() {
        let default = level_filter(None, "info");
        assert!(default.would_enable("sockit", &Level::INFO));
        assert!(!default.would_enable("sockit", &Level::DEBUG));
        let debug = level_filter(Some("debug"), "info");
        assert!(debug.would_enable("sockit", &Level::DEBUG));
        let per_target = level_filter(Some("warn,sockit::server=trace"), "info");
        assert!(per_target.would_enable("sockit::server::conn", &Level::TRACE));
        assert!(!per_target.would_enable("sockit::fetch", &Level::INFO));
        assert!(per_target.would_enable("sockit::fetch", &Level::WARN));
        let garbage = level_filter(Some("sockit=[{"), "warn");
        assert!(!garbage.would_enable("sockit", &Level::INFO));
        assert!(garbage.would_enable("sockit", &Level::WARN));
    }
}
