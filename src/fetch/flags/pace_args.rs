//! Defines the flags that pace a run, with curl's spelling, meaning and defaults:
//! `-Y/--speed-limit`, `-y/--speed-time`, `--rate` and `--parallel-immediate`; and turns
//! them into the [`Pace`] the story above keeps.
//!
//! A group of its own, flattened into `FetchArgs`, so that the pacing flags read together
//! and the plan takes them through one call.

use super::headings::{CONNECTION, MANY};
use crate::fetch::pace::{Pace, SpeedFloor};
use std::time::Duration;

/// How long `-Y` lets a transfer stay slow when `-y` is not given: curl's 30 s.
const DEFAULT_SPEED_TIME: u64 = 30;

/// The pacing flags.
#[derive(Debug, Clone, Default, clap::Args)]
pub struct PaceFlags {
    /// Abort a transfer slower than BYTES a second (exit 28).
    ///
    /// For -y's seconds (30 by default), averaged as curl averages it; 0 turns it off.
    #[arg(help_heading = CONNECTION, short = 'Y', long = "speed-limit", value_name = "BYTES")]
    pub speed_limit: Option<u64>,

    /// Seconds a transfer may stay below -Y [default: 30].
    ///
    /// Alone it aborts a transfer that moves less than 1 byte a second for SECS, as curl;
    /// 0 turns it off.
    #[arg(help_heading = CONNECTION, short = 'y', long = "speed-time", value_name = "SECS")]
    pub speed_time: Option<u64>,

    /// Start at most N serial transfers per unit: N/s, N/m, N/h, N/d.
    ///
    /// As curl: without a unit, per hour; the next URL waits until its turn; faster than
    /// 1000/s is not limited; no effect with -Z, nor on --retry's waits.
    #[arg(help_heading = MANY, long = "rate", value_name = "N/UNIT", value_parser = parse_rate)]
    pub rate: Option<Rate>,

    /// With -Z, open connections at once instead of waiting to share one.
    ///
    /// Without it a fetch to an origin whose first connection is still being set up waits
    /// to see whether it speaks HTTP/2 and can carry another stream.
    #[arg(help_heading = MANY, long = "parallel-immediate")]
    pub parallel_immediate: bool,
}

impl PaceFlags {
    /// The pace these flags ask for.
    pub fn pace(&self) -> Pace {
        let floor = match (self.speed_limit, self.speed_time) {
            (None, None) | (Some(0), _) | (_, Some(0)) => None,
            (limit, time) => Some(SpeedFloor {
                bytes_per_sec: limit.unwrap_or(1),
                time: Duration::from_secs(time.unwrap_or(DEFAULT_SPEED_TIME)),
            }),
        };
        Pace {
            floor,
            every: self.rate.and_then(|r| r.0),
            parallel_immediate: self.parallel_immediate,
        }
    }
}

/// `--rate`'s least time between transfer starts; None when unlimited.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Rate(Option<Duration>);

/// `--rate N[/UNIT]`: the least time between transfer starts, with curl's millisecond
/// resolution; no limit above 1000 a second, as curl.
///
/// As curl 7.88 reads it: N may have leading blanks (C's `strtol`), and only the unit's
/// first letter counts, so `1/sec` and `2/hour` are what scripts mean by them.
fn parse_rate(text: &str) -> Result<Rate, String> {
    let (count, unit) = text.split_once('/').unwrap_or((text, "h"));
    let count: u64 = count
        .trim_start()
        .parse()
        .map_err(|_| format!("{text:?}: N must be a whole number of transfers"))?;
    let unit_ms: u64 = match unit.chars().next() {
        Some('s') => 1000,
        Some('m') => 60_000,
        Some('h') => 3_600_000,
        Some('d') => 86_400_000,
        _ => return Err(format!("{text:?}: the unit is one of s, m, h, d")),
    };
    if count == 0 {
        return Err(format!("{text:?}: N must be 1 or more"));
    }
    let every = unit_ms / count;
    Ok(Rate((every > 0).then(|| Duration::from_millis(every))))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// curl's `N/U` forms, per hour without a unit, the unit's first letter alone counting;
    /// 0, a bad unit or a bad number refused; above 1000 a second unlimited.
    #[test]
    fn rates_are_curls() {
        let ms = |n| Ok(Rate(Some(Duration::from_millis(n))));
        assert_eq!(parse_rate("2/s"), ms(500));
        assert_eq!(parse_rate("10/m"), ms(6000));
        assert_eq!(parse_rate("10"), ms(360_000));
        assert_eq!(parse_rate("1/d"), ms(86_400_000));
        assert_eq!(parse_rate("1000/s"), ms(1));
        assert_eq!(parse_rate("2000/s"), Ok(Rate(None)));
        assert_eq!(parse_rate("1/sec"), ms(1000));
        assert_eq!(parse_rate("2/hour"), ms(1_800_000));
        assert_eq!(parse_rate(" 3/s"), ms(333));
        for bad in [
            "0", "0/s", "1/x", "1/", "1/S", "abc", "-1", "1/2s", "1.5/s", "3 /s",
        ] {
            assert!(parse_rate(bad).is_err(), "{bad}");
        }
    }

    /// `-y` alone floors at 1 byte a second; `-Y` alone for 30 s; 0 in either turns it off.
    #[test]
    fn speed_floor_defaults_are_curls() {
        let floor = |limit, time| {
            PaceFlags {
                speed_limit: limit,
                speed_time: time,
                ..PaceFlags::default()
            }
            .pace()
            .floor
        };
        let secs = Duration::from_secs;
        assert_eq!(floor(None, None), None);
        assert_eq!(
            floor(None, Some(5)),
            Some(SpeedFloor {
                bytes_per_sec: 1,
                time: secs(5)
            })
        );
        assert_eq!(
            floor(Some(300), None),
            Some(SpeedFloor {
                bytes_per_sec: 300,
                time: secs(30)
            })
        );
        assert_eq!(floor(Some(0), Some(5)), None);
        assert_eq!(floor(Some(300), Some(0)), None);
    }
}
