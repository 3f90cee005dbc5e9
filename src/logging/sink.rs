//! Where log lines go: stderr, one `write` per line, except the access lines (events with
//! the target [`ACCESS`]), which are batched as nginx's `access_log ... buffer=64k flush=1s`
//! batches them: written when 64 KiB have gathered, when [`flush`] is called (the server's
//! pulse, at most a second apart, and its end), and before any other line, so lines keep
//! their order.
//!
//! Why: the access line's own `write(2)` was the largest share of what the JSON access log
//! added to a churn connection. A line is lost only if the process dies without running its
//! end (SIGKILL, a panic that aborts): a clean stop, and the exit at a second signal, flush.

use std::io::Write as _;
use std::sync::{Mutex, MutexGuard, PoisonError};
use tracing::Metadata;
use tracing_subscriber::fmt::MakeWriter;

/// The target of the per-connection access lines, which are batched.
pub const ACCESS: &str = "sockit::access";

/// How much a batch holds before it is written whatever the time.
const BATCH_LIMIT: usize = 64 * 1024;

/// The access lines not yet written.
static BATCH: Mutex<Vec<u8>> = Mutex::new(Vec::new());

fn batch() -> MutexGuard<'static, Vec<u8>> {
    BATCH.lock().unwrap_or_else(PoisonError::into_inner)
}

/// Writes `line` of the event `meta` describes: batched if it is an access line, else at
/// once, after the access lines before it.
pub(super) fn write(meta: &Metadata<'_>, line: &[u8]) {
    write_line(meta.target() == ACCESS, line);
}

fn write_line(access: bool, line: &[u8]) {
    let mut batch = batch();
    if access {
        batch.extend_from_slice(line);
        if batch.len() >= BATCH_LIMIT {
            write_out(&mut batch);
        }
    } else {
        write_out(&mut batch);
        let _ = std::io::stderr().write_all(line);
    }
}

/// Writes the access lines gathered so far.
pub fn flush() {
    write_out(&mut batch());
}

fn write_out(batch: &mut Vec<u8>) {
    if !batch.is_empty() {
        let _ = std::io::stderr().write_all(batch);
        batch.clear();
    }
}

/// The text formatter's way to the sink: a writer per event that knows whether the event is
/// an access line.
#[derive(Debug, Clone, Copy, Default)]
pub(super) struct Sink;

/// One event's writer (see [`Sink`]).
#[derive(Debug)]
pub(super) struct EventWriter {
    access: bool,
}

impl std::io::Write for EventWriter {
    fn write(&mut self, line: &[u8]) -> std::io::Result<usize> {
        write_line(self.access, line);
        Ok(line.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

impl<'a> MakeWriter<'a> for Sink {
    type Writer = EventWriter;

    fn make_writer(&'a self) -> EventWriter {
        EventWriter { access: false }
    }

    fn make_writer_for(&'a self, meta: &Metadata<'_>) -> EventWriter {
        EventWriter {
            access: meta.target() == ACCESS,
        }
    }
}
