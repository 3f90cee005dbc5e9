//! The server-wide pulse: every [`Shared::tick`](super::Shared) it wakes every connection so it
//! checks its idle and send timeouts, whether the input memory freed up, and whether to give
//! the framing hint.
//!
//! On Linux the pulse is a kernel timer (`timerfd`) that the runtime waits on like a socket,
//! not a tokio interval. Any timer pending in tokio makes every `epoll_wait` that sleeps pass
//! a timeout, which arms and cancels a kernel hrtimer, and makes the runtime read the clock
//! twice per sleep; the pulse is the one timer a busy server always has. With a timerfd, a
//! server whose connections close plainly has no tokio timer at all and sleeps in
//! `epoll_wait(-1)` as the C epoll server does; the kernel re-arms the periodic timer once
//! per tick. (A thread of its own would do the same, but a second thread makes glibc take
//! the slow path of every syscall wrapper: ~185 instructions per churn connection, counted
//! with callgrind.) Elsewhere it is a tokio interval.
//!
//! A reload that changes the timeouts changes the tick: the pulse looks at it after each
//! beat (one atomic load a tick) and re-arms at the new period.
//!
//! Connections measure their timeouts with tokio's clock, so a test that pauses time and
//! advances it must resume it for the pulse to come and find them overdue.

use super::Shared;
use std::sync::Arc;
use std::time::Duration;
use tokio_util::sync::CancellationToken;

/// Pulses `shared.wake` every `shared.tick()` until `stop` is cancelled.
pub(super) async fn run(shared: Arc<Shared>, stop: CancellationToken) {
    #[cfg(target_os = "linux")]
    match timerfd::Ticks::every(shared.tick()) {
        Ok(ticks) => return ticks.pulse(&shared, &stop).await,
        Err(e) => tracing::warn!(
            "cannot start a timerfd for the pulse ({}); using a tokio interval",
            crate::net::describe(&e)
        ),
    }
    interval(&shared, &stop).await;
}

/// The portable pulse: a tokio interval, made again when the tick changes.
async fn interval(shared: &Shared, stop: &CancellationToken) {
    let every = |tick: Duration| {
        let mut ticks = tokio::time::interval_at(tokio::time::Instant::now() + tick, tick);
        ticks.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        ticks
    };
    let mut tick = shared.tick();
    let mut ticks = every(tick);
    loop {
        tokio::select! {
            _ = stop.cancelled() => return,
            _ = ticks.tick() => shared.pulse(),
        }
        if shared.tick() != tick {
            tick = shared.tick();
            ticks = every(tick);
        }
    }
}

#[cfg(target_os = "linux")]
mod timerfd {
    use super::{interval, Shared};
    use rustix::time::{
        timerfd_create, timerfd_settime, Itimerspec, TimerfdClockId, TimerfdFlags,
        TimerfdTimerFlags, Timespec,
    };
    use std::io;
    use std::os::fd::OwnedFd;
    use std::time::Duration;
    use tokio::io::unix::AsyncFd;
    use tokio::io::Interest;
    use tokio_util::sync::CancellationToken;

    /// A periodic kernel timer, readable once per tick.
    pub(super) struct Ticks {
        fd: AsyncFd<OwnedFd>,
        tick: Duration,
    }

    impl Ticks {
        pub(super) fn every(tick: Duration) -> io::Result<Self> {
            let flags = TimerfdFlags::NONBLOCK | TimerfdFlags::CLOEXEC;
            let fd = timerfd_create(TimerfdClockId::Monotonic, flags)?;
            arm(&fd, tick)?;
            // Deprecated because an arbitrary `AsRawFd` may hand out another descriptor
            // later, which the `unsafe` replacement makes the caller rule out; an `OwnedFd`
            // owns its descriptor for its whole life, so this one is sound (and the crate
            // stays free of `unsafe`).
            #[allow(deprecated)]
            let fd = AsyncFd::with_interest(fd, Interest::READABLE)?;
            Ok(Ticks { fd, tick })
        }

        /// Pulses on every expiry (ticks missed while the runtime was busy are one pulse);
        /// should reading the timer ever fail, goes on with a tokio interval.
        pub(super) async fn pulse(mut self, shared: &Shared, stop: &CancellationToken) {
            loop {
                let expired = tokio::select! {
                    _ = stop.cancelled() => return,
                    expired = self.expired() => expired,
                };
                match expired.and_then(|()| self.follow(shared.tick())) {
                    Ok(()) => shared.pulse(),
                    Err(e) => {
                        tracing::warn!(
                            "the pulse's timerfd failed ({}); using a tokio interval",
                            crate::net::describe(&e)
                        );
                        return interval(shared, stop).await;
                    }
                }
            }
        }

        /// Re-arms the timer when a reload changed the tick.
        fn follow(&mut self, tick: Duration) -> io::Result<()> {
            if tick != self.tick {
                arm(self.fd.get_ref(), tick)?;
                self.tick = tick;
            }
            Ok(())
        }

        /// Waits for the timer to expire and takes its count of expiries.
        async fn expired(&self) -> io::Result<()> {
            loop {
                let mut ready = self.fd.readable().await?;
                let mut count = [0u8; 8];
                match ready.try_io(|fd| Ok(rustix::io::read(fd.get_ref(), &mut count[..])?)) {
                    Ok(read) => return read.map(drop),
                    Err(_would_block) => continue,
                }
            }
        }
    }

    /// Sets the timer to expire every `tick`, the first time one tick from now.
    fn arm(fd: &OwnedFd, tick: Duration) -> io::Result<()> {
        let every = Timespec {
            tv_sec: tick.as_secs().try_into().unwrap_or(i64::MAX),
            tv_nsec: tick.subsec_nanos().into(),
        };
        let period = Itimerspec {
            it_interval: every,
            it_value: every,
        };
        timerfd_settime(fd, TimerfdTimerFlags::empty(), &period)?;
        Ok(())
    }
}
