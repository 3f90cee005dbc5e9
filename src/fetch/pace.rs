//! Owns the pace of a run, as curl 7.88 keeps it: `-Y/--speed-limit` with `-y/--speed-time`
//! (a transfer that stays slower than the floor for the whole time is aborted, curl's 28),
//! `--rate` (serial transfers started at most so often) and `--parallel-immediate` (with
//! `-Z`, connections opened at once instead of waiting to share an HTTP/2 one).
//!
//! The floor is watched beside the attempt rather than inside each read, so a server that
//! sends nothing at all (no head, no body) is caught as surely as one that trickles: the
//! watch samples the attempt's byte count once a second, as curl's progress meter does, and
//! judges the speed over the last five seconds, as curl's does.

use super::error::FetchError;
use std::collections::VecDeque;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;
use tokio::time::Instant;

/// How a run is paced.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Pace {
    /// `-Y`/`-y`: the speed a transfer must keep up.
    pub floor: Option<SpeedFloor>,
    /// `--rate`: the least time from one serial transfer's start to the next one's.
    pub every: Option<Duration>,
    /// `--parallel-immediate`: with `-Z`, never wait to share a connection being set up.
    pub parallel_immediate: bool,
}

/// `-Y BYTES -y SECS`: a transfer slower than `bytes_per_sec` for `time` is aborted.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SpeedFloor {
    /// The least average speed, in bytes a second.
    pub bytes_per_sec: u64,
    /// How long the speed may stay below it.
    pub time: Duration,
}

/// How often the speed is sampled, as curl's progress meter does.
const SAMPLE: Duration = Duration::from_secs(1);

/// How many samples the speed is averaged over: curl's five seconds (and the one before).
const WINDOW: usize = 6;

impl SpeedFloor {
    /// Waits until the bytes counted in `moved` have come slower than the floor for its
    /// whole time, and says so in curl's words; never returns while the transfer keeps up.
    pub async fn watch(self, moved: &AtomicU64) -> FetchError {
        let start = Instant::now();
        let mut samples: VecDeque<(Instant, u64)> = VecDeque::from([(start, 0)]);
        let mut slow_since: Option<Instant> = None;
        let mut ticks = tokio::time::interval_at(start + SAMPLE, SAMPLE);
        loop {
            let now = ticks.tick().await;
            let (previous, _) = samples[samples.len() - 1];
            samples.push_back((now, moved.load(Ordering::Relaxed)));
            if samples.len() > WINDOW {
                samples.pop_front();
            }
            if !self.too_slow(&samples) {
                slow_since = None;
                continue;
            }
            let since = *slow_since.get_or_insert(previous);
            if now - since >= self.time {
                return FetchError::Timeout(format!(
                    "Operation too slow. Less than {} bytes/sec transferred the last {} seconds",
                    self.bytes_per_sec,
                    self.time.as_secs()
                ));
            }
        }
    }

    /// Whether the speed from the first sample to the last is below the floor.
    fn too_slow(&self, samples: &VecDeque<(Instant, u64)>) -> bool {
        let (Some(&(then, before)), Some(&(now, after))) = (samples.front(), samples.back()) else {
            return false;
        };
        let span = (now - then).as_secs_f64();
        span > 0.0 && ((after - before) as f64) < self.bytes_per_sec as f64 * span
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn floor(bytes_per_sec: u64, secs: u64) -> SpeedFloor {
        SpeedFloor {
            bytes_per_sec,
            time: Duration::from_secs(secs),
        }
    }

    /// Nothing moving trips the floor after its time, measured from the start, with curl's
    /// words.
    #[tokio::test(start_paused = true)]
    async fn a_stalled_transfer_trips_the_floor_after_its_time() {
        let moved = AtomicU64::new(0);
        let started = Instant::now();
        let err = floor(1000, 2).watch(&moved).await;
        assert_eq!(started.elapsed(), Duration::from_secs(2));
        assert_eq!(
            err.to_string(),
            "Operation too slow. Less than 1000 bytes/sec transferred the last 2 seconds"
        );
        assert_eq!(err.exit_code(), 28);
    }

    /// A transfer that keeps up is never stopped; once it slows down, the time counts from
    /// the last second it kept up.
    #[tokio::test(start_paused = true)]
    async fn a_transfer_that_keeps_up_runs_on() {
        let moved = std::sync::Arc::new(AtomicU64::new(0));
        let feeder = {
            let moved = moved.clone();
            tokio::spawn(async move {
                for _ in 0..10 {
                    moved.fetch_add(5000, Ordering::Relaxed);
                    tokio::time::sleep(Duration::from_millis(500)).await;
                }
            })
        };
        let started = Instant::now();
        let _ = floor(1000, 3).watch(&moved).await;
        feeder.await.unwrap();
        // Fed for 5 s; the five-second average stays above 1000 B/s until well after.
        assert!(
            started.elapsed() > Duration::from_secs(8),
            "{:?}",
            started.elapsed()
        );
    }
}
