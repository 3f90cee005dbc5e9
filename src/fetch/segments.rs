//! Owns `--segments N`: one URL over N ranged connections at once, each writing its part of
//! the body straight into its place in `FILE.part` (positioned writes, no reassembly copy),
//! resumable through a small sidecar state file, `FILE.segments`, removed on success.
//!
//! It applies when the server answers 200 with a length and `Accept-Ranges: bytes`; the
//! first connection, already carrying the body from byte 0, keeps the first segment, and
//! N-1 more ask for the others with Range (and If-Range on the ETag or Last-Modified, so a
//! file that changed meanwhile is refused rather than mixed). aria2c does this; curl cannot.
//! Where a server limits each connection's rate, N connections finish N times sooner.

use super::body::BodyDecoder;
use super::decode::{ContentDecoder, Sink};
use super::dial;
use super::error::FetchError;
use super::head::{BodyFraming, Head};
use super::output;
use super::plan::FetchPlan;
use super::progress::{Meter, Progress};
use super::request::RequestSpec;
use super::retry::ResumeHint;
use super::transfer::{self, Buffer, Conn};
use super::verbose::Verbose;
use rustls::ClientConfig;
use std::fs::{File, OpenOptions};
use std::io::{self, Write};
use std::os::unix::fs::FileExt;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::Duration;
use tokio::task::JoinSet;
use url::Url;

/// The smallest segment worth its own connection.
pub const MIN_SEGMENT: u64 = 1 << 20;
/// How often the sidecar records progress while segments run.
const SAVE_EVERY: Duration = Duration::from_millis(500);
/// The sidecar's first line.
const MAGIC: &str = "sockit-segments 1";

/// The sidecar state file beside `path`.
pub fn state_path(path: &Path) -> PathBuf {
    output::beside(path, ".segments")
}

/// Whether a previous segmented download of `path` left its state behind.
pub fn in_progress(path: &Path) -> bool {
    state_path(path).exists()
}

/// Drops the state of a segmented download that will not be continued.
pub fn forget(path: &Path) {
    // Nothing to do when there was none.
    let _ = std::fs::remove_file(state_path(path));
}

/// The body length to split, when `plan` asks for segments and the response allows them.
pub fn length_to_split(plan: &FetchPlan, request: &RequestSpec, head: &Head) -> Option<u64> {
    let BodyFraming::Length(length) = head.framing(&request.method).ok()? else {
        return None;
    };
    let decoded = request.compressed && head.get("content-encoding").is_some();
    let splittable = plan.segments > 1
        && plan
            .output
            .as_deref()
            .is_some_and(|p| !output::is_special(p))
        && head.status == 200
        && ResumeHint::from_head(head).ranges
        && request.method == "GET"
        && !plan.heads.include
        && !decoded
        && length >= 2 * MIN_SEGMENT;
    splittable.then_some(length)
}

/// One segment: `start..end` of the body, `done` bytes of it written.
#[derive(Debug)]
struct Segment {
    start: u64,
    end: u64,
    done: Arc<AtomicU64>,
}

impl Segment {
    fn next(&self) -> u64 {
        self.start + self.done.load(Ordering::Relaxed)
    }
}

/// The plan of a segmented download, as the sidecar records it.
#[derive(Debug)]
struct Layout {
    length: u64,
    validator: Option<String>,
    segments: Vec<Segment>,
}

impl Layout {
    fn fresh(length: u64, validator: Option<String>, count: u64) -> Self {
        let count = count.min(length / MIN_SEGMENT).max(1);
        let size = length.div_ceil(count);
        let segments = (0..count)
            .map(|i| Segment {
                start: i * size,
                end: ((i + 1) * size).min(length),
                done: Arc::new(AtomicU64::new(0)),
            })
            .collect();
        Layout {
            length,
            validator,
            segments,
        }
    }

    /// The layout a sidecar holds, if it is for this very resource (same length and the
    /// same strong validator).
    fn load(state: &Path, length: u64, validator: Option<&str>) -> Option<Self> {
        let text = std::fs::read_to_string(state).ok()?;
        let mut lines = text.lines();
        if lines.next()? != MAGIC {
            return None;
        }
        let saved_length: u64 = lines.next()?.strip_prefix("length ")?.parse().ok()?;
        let saved_validator = lines.next()?.strip_prefix("validator ")?;
        if saved_length != length || Some(saved_validator) != validator {
            return None;
        }
        let segments = lines
            .map(|line| {
                let mut n = line.split(' ').map(str::parse::<u64>);
                let (start, end, done) = (n.next()?.ok()?, n.next()?.ok()?, n.next()?.ok()?);
                (start <= end && done <= end - start).then(|| Segment {
                    start,
                    end,
                    done: Arc::new(AtomicU64::new(done)),
                })
            })
            .collect::<Option<Vec<_>>>()?;
        let covers = segments.first().is_some_and(|s| s.start == 0)
            && segments.windows(2).all(|w| w[0].end == w[1].start)
            && segments.last().is_some_and(|s| s.end == length);
        covers.then(|| Layout {
            length,
            validator: validator.map(str::to_string),
            segments,
        })
    }

    /// Writes the sidecar (through a temporary file, so a crash leaves the old one whole).
    fn save(&self, state: &Path) -> Result<(), FetchError> {
        let mut text = format!(
            "{MAGIC}\nlength {}\nvalidator {}\n",
            self.length,
            self.validator.as_deref().unwrap_or("")
        );
        for s in &self.segments {
            text.push_str(&format!(
                "{} {} {}\n",
                s.start,
                s.end,
                s.done.load(Ordering::Relaxed)
            ));
        }
        let temporary = output::beside(state, ".new");
        std::fs::write(&temporary, text)
            .and_then(|()| std::fs::rename(&temporary, state))
            .map_err(|e| FetchError::write(state, &e))
    }
}

/// Writes one segment's bytes at their place in the `.part` file.
struct PlacedWriter {
    file: Arc<File>,
    start: u64,
    done: Arc<AtomicU64>,
    part: PathBuf,
    failure: Option<FetchError>,
}

impl Write for PlacedWriter {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        let at = self.start + self.done.load(Ordering::Relaxed);
        if let Err(e) = self.file.write_all_at(buf, at) {
            self.failure = Some(FetchError::write(&self.part, &e));
            return Err(e);
        }
        self.done.fetch_add(buf.len() as u64, Ordering::Relaxed);
        Ok(buf.len())
    }

    fn flush(&mut self) -> io::Result<()> {
        Ok(())
    }
}

impl Sink for PlacedWriter {
    fn take_failure(&mut self) -> Option<FetchError> {
        self.failure.take()
    }
}

/// What every segment's connection needs.
struct Shared {
    plan: Arc<FetchPlan>,
    url: Url,
    request: RequestSpec,
    tls: Option<Arc<ClientConfig>>,
    file: Arc<File>,
    part: PathBuf,
    progress: Progress,
    trace: Verbose,
}

impl Shared {
    /// A copy for one more segment (sharing the progress bar).
    fn share(&self) -> Shared {
        Shared {
            plan: self.plan.clone(),
            url: self.url.clone(),
            request: self.request.clone(),
            tls: self.tls.clone(),
            file: self.file.clone(),
            part: self.part.clone(),
            progress: self.progress.share(),
            trace: self.trace,
        }
    }
}

/// The first response, whose connection already carries the body from byte 0.
pub struct First {
    /// Its connection.
    pub conn: Conn,
    /// The body bytes read with its head.
    pub buf: Buffer,
    /// Its head.
    pub head: Head,
}

/// Downloads the `length`-byte body of `first` into `plan`'s `.part` file over the
/// planned segments, continuing a matching sidecar; on success the sidecar is gone and
/// the `.part` file is whole (the caller verifies and renames it).
pub async fn download(
    plan: &FetchPlan,
    url: &Url,
    request: &RequestSpec,
    tls: Option<Arc<ClientConfig>>,
    first: First,
    length: u64,
    progress: Progress,
) -> Result<(), FetchError> {
    let path = plan.output.as_deref().expect("segments write to a file");
    let part = output::part_path(path);
    let state = state_path(path);
    let hint = ResumeHint::from_head(&first.head);
    let validator = hint.if_range().map(str::to_string);
    let resumed = Layout::load(&state, length, validator.as_deref());
    let layout = resumed
        .unwrap_or_else(|| Layout::fresh(length, validator.clone(), u64::from(plan.segments)));
    let file = OpenOptions::new()
        .write(true)
        .create(true)
        .truncate(false)
        .open(&part)
        .and_then(|f| f.set_len(length).map(|()| f))
        .map_err(|e| FetchError::write(&part, &e))?;
    layout.save(&state)?;
    let trace = Verbose(plan.verbose);
    trace.info(format_args!(
        "{} segments of {} bytes",
        layout.segments.len(),
        length.div_ceil(layout.segments.len() as u64)
    ));
    progress.advance_to(
        layout
            .segments
            .iter()
            .map(|s| s.done.load(Ordering::Relaxed))
            .sum(),
    );
    let shared = Shared {
        plan: Arc::new(plan.clone()),
        url: url.clone(),
        request: RequestSpec {
            if_range: validator,
            ..request.clone()
        },
        tls,
        file: Arc::new(file),
        part,
        progress,
        trace,
    };
    let mut tasks = JoinSet::new();
    let mut first = Some(first);
    for (i, segment) in layout.segments.iter().enumerate() {
        if segment.next() == segment.end {
            continue;
        }
        let writer = PlacedWriter {
            file: shared.file.clone(),
            start: segment.start,
            done: segment.done.clone(),
            part: shared.part.clone(),
            failure: None,
        };
        let left = segment.end - segment.next();
        let from_zero = i == 0 && segment.done.load(Ordering::Relaxed) == 0;
        let conn = if from_zero { first.take() } else { None };
        let (shared, next) = (shared.share(), segment.next());
        tasks.spawn(async move { fetch_segment(shared, conn, next, left, writer).await });
    }
    drop(first);
    let result = supervise(&mut tasks, &layout, &state).await;
    match &result {
        Ok(()) => forget(path),
        Err(_) => layout.save(&state)?,
    }
    result
}

/// Waits for every segment, saving progress as it goes; the first failure stops the rest.
async fn supervise(
    tasks: &mut JoinSet<Result<(), FetchError>>,
    layout: &Layout,
    state: &Path,
) -> Result<(), FetchError> {
    let mut save = tokio::time::interval(SAVE_EVERY);
    loop {
        tokio::select! {
            joined = tasks.join_next() => match joined {
                None => return Ok(()),
                Some(Ok(Ok(()))) => {}
                Some(Ok(Err(e))) => return Err(e),
                // Tasks are aborted only when this function returns: a join error is a panic.
                Some(Err(e)) => std::panic::resume_unwind(e.into_panic()),
            },
            _ = save.tick() => layout.save(state)?,
        }
    }
}

/// Fetches `left` bytes from `next` on (over `first`'s connection when given) into
/// `writer`.
async fn fetch_segment(
    shared: Shared,
    first: Option<First>,
    next: u64,
    left: u64,
    writer: PlacedWriter,
) -> Result<(), FetchError> {
    let (mut conn, mut buf) = match first {
        Some(first) => (first.conn, first.buf),
        None => ranged(&shared, next, left).await?,
    };
    let mut sink = ContentDecoder::new(writer, None, false, None)?;
    let rate = shared
        .plan
        .limit_rate
        .map(|r| r / u64::from(shared.plan.segments.max(1)));
    let mut meter = Meter::new(shared.progress.share(), rate);
    let mut body = BodyDecoder::new(BodyFraming::Length(left));
    // The connection is dropped after its segment, whatever follows on it.
    transfer::read_body(&mut conn, &mut buf, &mut body, &mut sink, &mut meter).await?;
    sink.finish()?;
    Ok(())
}

/// Opens a connection asking for `left` bytes from `next` on, and checks the answer is
/// exactly that range of the same resource.
async fn ranged(shared: &Shared, next: u64, left: u64) -> Result<(Conn, Buffer), FetchError> {
    let mut request = shared.request.clone();
    request.range = Some(format!("{next}-{}", next + left - 1));
    request.via_proxy = dial::via_proxy(&shared.plan, &shared.url);
    let mut connected = None;
    let tls = shared.tls.clone();
    let mut conn = dial::dial(&shared.plan, &shared.url, tls, shared.trace, &mut connected).await?;
    let wire = request.render(&shared.url, None);
    shared.trace.request(&wire);
    conn.send(&wire).await?;
    let mut buf = Buffer::small();
    let (_, head) = transfer::read_head(&mut conn, &mut buf, &mut None).await?;
    shared.trace.response(&head.raw);
    match (head.status, head.content_range()) {
        (206, Some((start, _))) if start == next => Ok((conn, buf)),
        (status, _) => Err(FetchError::Range(format!(
            "asked for bytes {next}-{} of {}, the server answered {status} {} \
             (the file may have changed)",
            next + left - 1,
            shared.url,
            head.get("content-range").unwrap_or("")
        ))),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fresh_layout_covers_the_body_in_equal_parts() {
        let layout = Layout::fresh(10 << 20, None, 4);
        let bounds: Vec<(u64, u64)> = layout.segments.iter().map(|s| (s.start, s.end)).collect();
        let quarter = (10 << 20) / 4;
        assert_eq!(
            bounds,
            [
                (0, quarter),
                (quarter, 2 * quarter),
                (2 * quarter, 3 * quarter),
                (3 * quarter, 10 << 20)
            ]
        );
        assert_eq!(Layout::fresh(3 << 20, None, 16).segments.len(), 3);
    }

    #[test]
    fn sidecar_round_trips_and_must_match() {
        let dir = tempfile::tempdir().unwrap();
        let state = dir.path().join("f.segments");
        let layout = Layout::fresh(4 << 20, Some("\"v1\"".into()), 2);
        layout.segments[1].done.store(1234, Ordering::Relaxed);
        layout.save(&state).unwrap();
        let back = Layout::load(&state, 4 << 20, Some("\"v1\"")).unwrap();
        assert_eq!(back.segments[1].next(), (2 << 20) + 1234);
        assert!(Layout::load(&state, 4 << 20, Some("\"v2\"")).is_none());
        assert!(Layout::load(&state, 5 << 20, Some("\"v1\"")).is_none());
        std::fs::write(&state, "garbage").unwrap();
        assert!(Layout::load(&state, 4 << 20, Some("\"v1\"")).is_none());
    }
}
