//! The one duration syntax every subcommand's flags accept: a bare number is seconds (`2`,
//! `0.5`, as curl's `-m` takes them); anything else is humantime (`500ms`, `30s`, `5m`,
//! `1h30m`), with a fraction allowed before a single unit (`1.5s`).
//!
//! One parser, so `--idle-timeout 10`, `--timeout 10` and `-d 10` mean the same thing.

use std::time::Duration;

/// Parses a duration as the flags take it; the error is one line that shows the syntax.
///
/// ```
/// use std::time::Duration;
/// use sockit::duration::parse;
/// assert_eq!(parse("2"), Ok(Duration::from_secs(2)));
/// assert_eq!(parse("0.5"), Ok(Duration::from_millis(500)));
/// assert_eq!(parse("1h30m"), Ok(Duration::from_secs(5400)));
/// assert!(parse("soon").is_err());
/// ```
pub fn parse(text: &str) -> Result<Duration, String> {
    let bad = || format!("{text:?} is not a duration (e.g. 10, 0.5, 500ms, 30s, 5m, 1h)");
    let digits = text
        .find(|c: char| !(c.is_ascii_digit() || c == '.'))
        .unwrap_or(text.len());
    let (number, unit) = text.split_at(digits);
    if unit.is_empty() || number.contains('.') {
        if !unit.chars().all(|c| c.is_ascii_alphabetic()) {
            return Err(bad());
        }
        let value: f64 = number.parse().map_err(|_| bad())?;
        let scale = match unit {
            "" => Duration::from_secs(1),
            unit => humantime::parse_duration(&format!("1{unit}")).map_err(|_| bad())?,
        };
        return Duration::try_from_secs_f64(value * scale.as_secs_f64()).map_err(|_| bad());
    }
    humantime::parse_duration(text).map_err(|_| bad())
}

/// A duration as `--help` shows a default (`5m`, `10s`), for clap's `default_value`, which
/// wants a `&'static str`: the text is made once per call site and kept.
macro_rules! shown {
    ($duration:expr) => {{
        static TEXT: ::std::sync::OnceLock<String> = ::std::sync::OnceLock::new();
        TEXT.get_or_init(|| ::humantime::format_duration($duration).to_string())
            .as_str()
    }};
}
pub(crate) use shown;

#[cfg(test)]
mod tests {
    use super::*;

    /// Bare numbers are seconds, whole or not; units are humantime's, `h` included.
    #[test]
    fn numbers_are_seconds_and_units_are_humantime() {
        assert_eq!(parse("10"), Ok(Duration::from_secs(10)));
        assert_eq!(parse("0"), Ok(Duration::ZERO));
        assert_eq!(parse("2.5"), Ok(Duration::from_millis(2500)));
        assert_eq!(parse("250ms"), Ok(Duration::from_millis(250)));
        assert_eq!(parse("5m"), Ok(Duration::from_secs(300)));
        assert_eq!(parse("2h"), Ok(Duration::from_secs(7200)));
        assert_eq!(parse("1.5s"), Ok(Duration::from_millis(1500)));
        assert_eq!(parse("0.5m"), Ok(Duration::from_secs(30)));
    }

    /// Nonsense, negatives and empty text are refused with the syntax in the message.
    #[test]
    fn refuses_nonsense() {
        for text in [
            "",
            "-1",
            "soon",
            "1.2.3",
            "1.5h30m",
            "5 parsecs",
            "inf",
            "NaN",
        ] {
            let err = parse(text).unwrap_err();
            assert!(err.contains("500ms"), "{text}: {err}");
        }
    }

    /// What `--help` shows for a default reads back as the same duration.
    #[test]
    fn shown_defaults_read_back() {
        for d in [
            Duration::from_secs(300),
            Duration::from_secs(10),
            Duration::from_millis(500),
        ] {
            let text = humantime::format_duration(d).to_string();
            assert_eq!(parse(&text), Ok(d), "{text}");
        }
    }
}
