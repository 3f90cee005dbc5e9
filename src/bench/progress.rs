//! The live progress line, drawn on stderr only when stderr is a terminal.

use super::args::Mode;
use super::stats::{RunPhase, Tally};
use std::cell::Cell;
use std::io::{IsTerminal, Write};
use std::rc::Rc;
use std::time::{Duration, Instant};

/// Redraws the line every second until the run stops (or the task is aborted). Returns at once
/// when stderr is not a terminal, so logs and pipes never see it.
pub async fn show(mode: Mode, connections: u32, tally: Rc<Tally>, opened: Rc<Cell<u64>>) {
    if !std::io::stderr().is_terminal() {
        return;
    }
    let start = Instant::now();
    let mut last = (start, 0u64);
    let mut tick = tokio::time::interval(Duration::from_secs(1));
    tick.tick().await;
    while tally.phase() != RunPhase::Stop {
        tick.tick().await;
        let now = Instant::now();
        let (done, errors) = tally.progress();
        let rate = (done - last.1) as f64 / (now - last.0).as_secs_f64();
        last = (now, done);
        let what = match mode {
            Mode::Idle => format!("{} of {connections} open", opened.get()),
            Mode::Churn => format!("{connections} conns, {rate:.0} conn/s"),
            _ => format!("{connections} conns, {rate:.0} msg/s"),
        };
        let secs = (now - start).as_secs();
        let warm = if tally.phase() == RunPhase::Warmup {
            " (warm-up)"
        } else {
            ""
        };
        eprint!("\r\x1b[K{mode}{warm} {secs}s: {what}, {errors} errors");
        let _ = std::io::stderr().flush();
    }
}

/// Erases the progress line, if there is one.
pub fn clear() {
    if std::io::stderr().is_terminal() {
        eprint!("\r\x1b[K");
    }
}
