//! Owns `--segments N`: one URL over N ranged connections at once, each writing its part of
//! the body straight into its place in `FILE.part` (positioned writes, no reassembly copy),
//! resumable through a small sidecar state file, `FILE.segments`, removed on success.
//!
//! It applies when the server answers 200 with a length and `Accept-Ranges: bytes`; the
//! first connection, already carrying the body from byte 0, keeps the first segment, and
//! N-1 more ask for the others with Range (and If-Range on the ETag or Last-Modified, so a
//! file that changed meanwhile is refused rather than mixed). aria2c does this; curl cannot.
//! Where a server limits each connection's rate, N connections finish N times sooner.
//! Over HTTP/2 the N-1 are streams of the first response's connection, since servers limit
//! each request's rate (nginx's `limit_rate`) more often than each connection's; the first
//! stream is reset once its segment is in.

use super::conn::dial;
use super::conn::h2::{self, Failed, H2Body, H2Conn};
use super::conn::transfer::{self, Buffer, Conn};
use super::error::FetchError;
use super::flags::plan::FetchPlan;
use super::http::body::BodyDecoder;
use super::http::decode::{Plain, Sink};
use super::http::head::{BodyFraming, Head};
use super::http::request::RequestSpec;
use super::output::file;
use super::output::progress::{Meter, Progress};
use super::output::sidecar::{self, Sidecar};
use super::output::verbose::Verbose;
use super::retry::{self, ResumeHint};
use rustls::ClientConfig;
use std::fs::{File, OpenOptions};
use std::io::{self, Write};
use std::os::unix::fs::FileExt;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::Duration;
use tokio::sync::{OwnedSemaphorePermit, Semaphore};
use tokio::task::JoinSet;
use url::Url;

use super::output::sidecar::MIN_SEGMENT;
/// How often the sidecar records progress while segments run.
const SAVE_EVERY: Duration = Duration::from_millis(500);

/// The sidecar state file beside `path`.
pub fn state_path(path: &Path) -> PathBuf {
    file::beside(path, ".segments")
}

/// Whether `plan` has anything to do with a sidecar: only `--segments` writes one, and
/// only `--segments` and `-C` read one. Without either, a stale sidecar beside FILE changes
/// nothing, so the run neither looks for it nor removes it: a `stat` and an `unlink` per
/// file that `-Z` with 500 small files paid 500 times each.
pub fn concerns(plan: &FetchPlan) -> bool {
    plan.segments > 1 || plan.resume.is_some()
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
    let BodyFraming::Length(length) = request.body_framing(head).ok()? else {
        return None;
    };
    let decoded = request.decodings(head).is_some();
    let splittable = plan.segments > 1
        && plan.output.as_deref().is_some_and(|p| !file::is_special(p))
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
        self.start + self.done.load(Ordering::Acquire)
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
        let count = count.min(sidecar::max_segments(length));
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
    /// same validator) and `part` really holds the bytes it claims.
    fn load(state: &Path, part: &File, length: u64, validator: Option<&str>) -> Option<Self> {
        let saved = sidecar::parse(&std::fs::read_to_string(state).ok()?)?;
        let same = saved.length == length && saved.validator.as_deref() == validator;
        (same && saved.held_by(part)).then(|| Layout {
            length,
            validator: saved.validator,
            segments: saved
                .claims
                .into_iter()
                .map(|c| Segment {
                    start: c.start,
                    end: c.end,
                    done: Arc::new(AtomicU64::new(c.done)),
                })
                .collect(),
        })
    }

    /// Syncs `part`, then records the progress it now holds in the sidecar (through a
    /// temporary file, so a crash leaves the old sidecar whole). The progress is read
    /// before the sync: a claim never covers bytes the disk may not have.
    fn save(&self, files: &Files) -> Result<(), FetchError> {
        let Files {
            part,
            part_path,
            state,
        } = files;
        let done: Vec<u64> = self
            .segments
            .iter()
            .map(|s| s.done.load(Ordering::Acquire))
            .collect();
        let on_part = |e: io::Error| FetchError::write(part_path, &e);
        part.sync_data().map_err(on_part)?;
        let claims = self
            .segments
            .iter()
            .zip(done)
            .map(|(s, done)| Sidecar::claim(part, s.start, s.end, done))
            .collect::<io::Result<Vec<_>>>()
            .map_err(on_part)?;
        let text = sidecar::render(&Sidecar {
            length: self.length,
            validator: self.validator.clone(),
            claims,
        });
        let temporary = file::beside(state, ".new");
        let written =
            std::fs::write(&temporary, text).and_then(|()| std::fs::rename(&temporary, state));
        written.map_err(|e| {
            // Nothing to keep of a sidecar that could not be written.
            let _ = std::fs::remove_file(&temporary);
            FetchError::write(state, &e)
        })
    }
}

/// The files of a segmented download: the `.part` file the segments write into, and the
/// sidecar that records their progress.
struct Files {
    part: Arc<File>,
    part_path: PathBuf,
    state: PathBuf,
}

impl Files {
    /// Records `layout`'s progress on the blocking pool (the sync may take a while), so the
    /// segments keep streaming meanwhile.
    async fn save(self: &Arc<Self>, layout: &Arc<Layout>) -> Result<(), FetchError> {
        let (files, layout) = (self.clone(), layout.clone());
        tokio::task::spawn_blocking(move || layout.save(&files))
            .await
            .unwrap_or_else(|e| std::panic::resume_unwind(e.into_panic()))
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
        let at = self.start + self.done.load(Ordering::Acquire);
        if let Err(e) = self.file.write_all_at(buf, at) {
            self.failure = Some(FetchError::write(&self.part, &e));
            return Err(e);
        }
        self.done.fetch_add(buf.len() as u64, Ordering::Release);
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
struct SegmentContext {
    plan: Arc<FetchPlan>,
    url: Url,
    request: RequestSpec,
    tls: Option<Arc<ClientConfig>>,
    file: Arc<File>,
    part: PathBuf,
    progress: Progress,
    trace: Verbose,
    /// One permit per open connection: `--segments` of them.
    connections: Arc<Semaphore>,
    /// The HTTP/2 connection the first response came on: the other segments are streams of
    /// it. None over HTTP/1.1, where each segment dials its own connection.
    h2: Option<H2Conn>,
}

/// What a segment's bytes come on.
pub enum Source {
    /// An HTTP/1.1 connection, and the body bytes read with the head.
    H1 {
        /// The connection.
        conn: Conn,
        /// The body bytes read with the head.
        buf: Buffer,
    },
    /// An HTTP/2 stream, and its connection (for the other segments' streams).
    H2(H2Body, H2Conn),
}

impl Source {
    /// Reads the segment's `left` bytes into `sink`, paced by `meter`.
    async fn read(
        &mut self,
        left: u64,
        sink: &mut impl crate::fetch::http::decode::BodySink,
        meter: &mut Meter,
    ) -> Result<(), FetchError> {
        let mut decoder = BodyDecoder::new(BodyFraming::Length(left));
        match self {
            Source::H1 { conn, buf } => {
                transfer::read_body(conn, buf, &mut decoder, sink, meter).await?;
            }
            Source::H2(body, _) => h2::read_prefix(body, &mut decoder, sink, meter).await?,
        }
        Ok(())
    }
}

impl SegmentContext {
    /// A copy for one more segment (sharing the progress bar).
    fn share(&self) -> SegmentContext {
        SegmentContext {
            plan: self.plan.clone(),
            url: self.url.clone(),
            request: self.request.clone(),
            tls: self.tls.clone(),
            file: self.file.clone(),
            part: self.part.clone(),
            progress: self.progress.share(),
            trace: self.trace,
            connections: self.connections.clone(),
            h2: self.h2.clone(),
        }
    }
}

/// Downloads the `length`-byte body of `first` (the response, answered with `head`, whose
/// connection or stream already carries the body from byte 0) into `plan`'s `.part` file
/// over the planned segments, continuing a sidecar that the `.part` file bears out; on
/// success the sidecar is gone and the `.part` file is whole (the caller verifies and
/// renames it). No more than `--segments` connections (or streams) are open at once,
/// whatever the sidecar lists.
pub async fn download(
    plan: &FetchPlan,
    url: &Url,
    request: &RequestSpec,
    tls: Option<Arc<ClientConfig>>,
    (first, head): (Source, &Head),
    length: u64,
    progress: Progress,
) -> Result<(), FetchError> {
    let path = plan.output.as_deref().expect("segments write to a file");
    let part_path = file::part_path(path);
    let state = state_path(path);
    let hint = ResumeHint::from_head(head);
    let validator = hint.if_range().map(str::to_string);
    let file = OpenOptions::new()
        .read(true)
        .write(true)
        .create(true)
        .truncate(false)
        .open(&part_path)
        .map_err(|e| FetchError::write(&part_path, &e))?;
    let resumed = Layout::load(&state, &file, length, validator.as_deref());
    let layout = Arc::new(
        resumed
            .unwrap_or_else(|| Layout::fresh(length, validator.clone(), u64::from(plan.segments))),
    );
    reserve(&file, length).map_err(|e| FetchError::write(&part_path, &e))?;
    let files = Arc::new(Files {
        part: Arc::new(file),
        part_path,
        state,
    });
    files.save(&layout).await?;
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
            .map(|s| s.done.load(Ordering::Acquire))
            .sum(),
    );
    let connections = Arc::new(Semaphore::new(usize::from(plan.segments.max(1))));
    let shared = SegmentContext {
        plan: Arc::new(plan.clone()),
        url: url.clone(),
        request: RequestSpec {
            if_range: validator,
            ..request.clone()
        },
        tls,
        file: files.part.clone(),
        part: files.part_path.clone(),
        progress,
        trace,
        connections: connections.clone(),
        h2: match &first {
            Source::H2(_, conn) => Some(conn.clone()),
            Source::H1 { .. } => None,
        },
    };
    // The first connection carries the body from byte 0: it serves the first segment when
    // that starts from zero, and is closed before any other opens otherwise.
    let first_segment_fresh = layout
        .segments
        .first()
        .is_some_and(|s| s.done.load(Ordering::Acquire) == 0);
    let mut first = first_segment_fresh
        .then(|| {
            connections
                .clone()
                .try_acquire_owned()
                .ok()
                .map(|p| (first, p))
        })
        .flatten();
    let mut tasks = JoinSet::new();
    for segment in &layout.segments {
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
        let conn = if segment.start == 0 {
            first.take()
        } else {
            None
        };
        let (shared, next) = (shared.share(), segment.next());
        tasks.spawn(async move { fetch_segment(shared, conn, next, left, writer).await });
    }
    let result = supervise(&mut tasks, &layout, &files).await;
    match &result {
        Ok(()) => forget(path),
        // The segment's own error says what went wrong; a sidecar that cannot be written
        // now (the disk is full, say) only loses the chance to continue.
        Err(_) => {
            if let Err(e) = files.save(&layout).await {
                tracing::debug!(error = %e, "cannot record the segments' progress");
            }
        }
    }
    result
}

/// Gives the `.part` file its full length with the disk space reserved where the file
/// system can (fallocate), so a disk too small for the body fails here, naming the `.part`
/// file, before a byte is fetched or a sidecar written (issue 17: it failed later, in the
/// sidecar's save, and named the sidecar).
fn reserve(file: &File, length: u64) -> io::Result<()> {
    use rustix::fs::{fallocate, FallocateFlags};
    use rustix::io::Errno;
    match fallocate(file, FallocateFlags::empty(), 0, length) {
        Ok(()) => Ok(()),
        Err(Errno::OPNOTSUPP | Errno::NOSYS) => file.set_len(length),
        Err(e) => Err(e.into()),
    }
}

/// Waits for every segment, saving progress as it goes; the first failure stops the rest.
/// A sidecar that cannot be written stops the download too, but only after the segments
/// had their chance to report a failure of their own (a full disk fails both).
async fn supervise(
    tasks: &mut JoinSet<Result<(), FetchError>>,
    layout: &Arc<Layout>,
    files: &Arc<Files>,
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
            _ = save.tick() => {
                if let Err(e) = files.save(layout).await {
                    tasks.abort_all();
                    while let Some(joined) = tasks.join_next().await {
                        if let Ok(Err(own)) = joined {
                            return Err(own);
                        }
                    }
                    return Err(e);
                }
            }
        }
    }
}

/// Fetches `left` bytes from `next` on (over `first`'s connection when given) into
/// `writer`.
async fn fetch_segment(
    shared: SegmentContext,
    first: Option<(Source, OwnedSemaphorePermit)>,
    next: u64,
    left: u64,
    writer: PlacedWriter,
) -> Result<(), FetchError> {
    let (first, permit) = match first {
        Some((first, permit)) => (Some(first), permit),
        None => {
            let permit = shared.connections.clone().acquire_owned().await;
            (None, permit.expect("the semaphore is never closed"))
        }
    };
    let result = stream_segment(&shared, first, next, left, writer).await;
    // The connection is closed by now: only then may another open.
    drop(permit);
    result
}

/// Streams the segment over `first`'s connection (or stream), or a ranged one opened for
/// it; the connection is dropped after its segment, whatever follows on it.
async fn stream_segment(
    shared: &SegmentContext,
    first: Option<Source>,
    next: u64,
    left: u64,
    writer: PlacedWriter,
) -> Result<(), FetchError> {
    let mut source = match first {
        Some(first) => first,
        None => ranged(shared, next, left).await?,
    };
    let mut sink = Plain(writer);
    let rate = shared
        .plan
        .limit_rate
        .map(|r| r / u64::from(shared.plan.segments.max(1)));
    let mut meter = Meter::new(shared.progress.share(), rate);
    source.read(left, &mut sink, &mut meter).await
}

/// Asks for `left` bytes from `next` on, on a new stream of the first response's HTTP/2
/// connection or a connection of its own, and checks the answer is exactly that range of
/// the same resource.
async fn ranged(shared: &SegmentContext, next: u64, left: u64) -> Result<Source, FetchError> {
    let mut request = shared.request.clone();
    request.range = Some(format!("{next}-{}", next + left - 1));
    let (head, source) = match &shared.h2 {
        Some(conn) => {
            let wire = request.render(&shared.url, None);
            let asking = h2::convert(&wire, &shared.url, http::Version::HTTP_2)?;
            let answer = conn.exchange(asking, None, shared.trace).await;
            let (head, body) = answer.map_err(|e| match e {
                Failed::Fetch(e) => e,
                Failed::Unprocessed => FetchError::Http2(
                    "the server refused a segment's stream (REFUSED_STREAM or GOAWAY)".into(),
                ),
            })?;
            (head, Source::H2(body, conn.clone()))
        }
        None => {
            let how = &shared.plan.connect;
            let tls = shared.tls.clone();
            let dialed =
                dial::dial(how, &shared.plan.proxies, &shared.url, tls, shared.trace).await;
            let mut conn = dialed.conn?;
            request.via_proxy = dialed.via_proxy;
            let wire = request.render(&shared.url, None);
            let mut buf = Buffer::small();
            let wait = shared.plan.expect_wait;
            let answer =
                transfer::round_trip(&mut conn, &mut buf, &request, &wire, wait, shared.trace);
            (answer.await?.head, Source::H1 { conn, buf })
        }
    };
    shared.trace.response(&head.raw);
    let asked = format!("bytes {next}-{} of {}", next + left - 1, shared.url);
    match (head.status, head.content_range()) {
        (206, Some((start, _))) if start == next => {
            let started = shared.request.if_range.as_deref();
            match started.filter(|v| !retry::same_version(v, &head)) {
                None => Ok(source),
                Some(v) => Err(FetchError::Range(format!(
                    "asked for {asked}, the server sent another version of the file \
                     ({}, the download started from {v})",
                    retry::version_of(&head)
                ))),
            }
        }
        (status, _) => Err(FetchError::Range(format!(
            "asked for {asked}, the server answered {status} {} (the file may have changed)",
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
        let files = Files {
            part: Arc::new(tempfile::tempfile().unwrap()),
            part_path: dir.path().join("f.part"),
            state: dir.path().join("f.segments"),
        };
        files.part.write_all_at(&[7u8; 1234], 2 << 20).unwrap();
        files.part.set_len(4 << 20).unwrap();
        let layout = Layout::fresh(4 << 20, Some("\"v1\"".into()), 2);
        layout.segments[1].done.store(1234, Ordering::Relaxed);
        layout.save(&files).unwrap();
        let load = |length, validator| Layout::load(&files.state, &files.part, length, validator);
        let back = load(4 << 20, Some("\"v1\"")).unwrap();
        assert_eq!(back.segments[1].next(), (2 << 20) + 1234);
        assert!(load(4 << 20, Some("\"v2\"")).is_none());
        assert!(load(5 << 20, Some("\"v1\"")).is_none());
        std::fs::write(&files.state, "garbage").unwrap();
        assert!(load(4 << 20, Some("\"v1\"")).is_none());
    }

    /// Issue 17: a sidecar that cannot be written leaves no empty `FILE.segments.new`.
    #[test]
    fn a_failed_save_leaves_no_temporary_sidecar() {
        let dir = tempfile::tempdir().unwrap();
        let state = dir.path().join("f.segments");
        std::fs::create_dir(&state).unwrap();
        std::fs::write(state.join("x"), "").unwrap();
        let files = Files {
            part: Arc::new(tempfile::tempfile().unwrap()),
            part_path: dir.path().join("f.part"),
            state: state.clone(),
        };
        let err = Layout::fresh(4 << 20, None, 2).save(&files).unwrap_err();
        assert!(err.to_string().contains("f.segments"), "{err}");
        assert!(!dir.path().join("f.segments.new").exists());
    }
}
