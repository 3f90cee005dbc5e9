//! `sockit bench`: the load generator for the hello protocol.
//!
//! A run opens `-c` connections to the server, each a task on one single-threaded runtime
//! (optionally pinned to a CPU), drives them in one of four [`Mode`]s for a set time, checks
//! every reply byte for byte ([`check`]) and reports throughput, latency percentiles from an
//! HDR histogram and every error ([`report`]). `--sweep` repeats the run at several connection
//! counts and `--plot` charts them ([`plot`]).
//!
//! The generator must never be what limits the numbers: requests and expected replies are
//! preformatted per connection ([`script`]), buffers are reused, nothing is allocated per
//! message, and the connections of a run share their counters without locks.

mod args;
pub mod check;
mod conn;
pub mod dialogue;
pub mod hdr;
pub mod merge;
mod modes;
#[cfg(feature = "plot")]
pub mod plot;
mod progress;
pub mod report;
pub mod schedule;
pub mod script;
mod stats;
pub mod timeline;

pub use args::{BenchArgs, Framing, Mode};
pub use report::RunReport;

use crate::net::ConnectOptions;
use anyhow::{bail, Context};
use conn::Sources;
use modes::RunSetup;
use report::RunSpec;
use stats::{RunPhase, Tally};
use std::cell::Cell;
use std::rc::Rc;
use std::time::{Duration, Instant};
use tokio::sync::{watch, Notify, Semaphore};
use tokio::task::JoinHandle;

/// Idle mode opens (and later checks) at most this many connections at a time, below the
/// listen backlog of common servers (128 for a plain tokio or std listener), so no handshake
/// is dropped and retried a second later.
const IDLE_OPENING: usize = 100;

/// Runs `sockit bench` from its flags: the runs, the table or JSON on stdout, the chart; an
/// error if any reply was wrong or missing, or any connection failed (or, with
/// `--fail-on-late`, any reply was late).
pub async fn execute(args: BenchArgs) -> anyhow::Result<()> {
    if let Some(args::BenchCommand::Merge(merging)) = &args.command {
        return merge::execute(merging);
    }
    // Tens of thousands of idle connections need as many descriptors as the hard limit allows.
    rlimit::increase_nofile_limit(u64::MAX).context("cannot raise the open-file limit")?;
    let reports = run(&args).await?;
    if let Some(path) = &args.hdr_out {
        hdr::write(path, &reports)?;
    }
    let text = if args.json {
        format!("{}\n", report::json(&reports))
    } else {
        report::table(&reports)
    };
    crate::exit::write_stdout(text.as_bytes()).context("cannot write the report")?;
    #[cfg(feature = "plot")]
    if let Some(path) = &args.plot {
        let title =
            format!("sockit bench --mode {:?} against {}", args.mode, args.addr).to_lowercase();
        if args.sweep.is_empty() {
            let median = report::Summary::of(&reports).map_or(0, |s| s.median.run as usize - 1);
            plot::draw_timeline(path, &title, &reports[median])?;
        } else {
            plot::draw(path, &title, &reports)?;
        }
    }
    let errors: u64 = reports.iter().map(|r| r.errors.total).sum();
    if errors > 0 {
        let first = reports
            .iter()
            .find_map(|r| r.errors.first_failure.as_deref());
        let first = first.map(|f| format!("; first: {f}")).unwrap_or_default();
        bail!("{errors} errors against {} (wrong, missing or late replies, or failed connections; see the report){first}", args.addr);
    }
    Ok(())
}

/// Runs the mode at each connection count (`--sweep`, or just `-c`), `--runs` times, and
/// returns the reports.
///
/// Runs on the current thread: call it from a current-thread runtime (or `#[tokio::test]`).
///
/// ```
/// # #[tokio::main(flavor = "current_thread")]
/// # async fn main() -> anyhow::Result<()> {
/// use clap::Parser;
/// use sockit::bench::BenchArgs;
/// use sockit::server::Server;
///
/// let server = Server::builder().bind("127.0.0.1:0".parse()?).quiet(true).listen().await?;
/// let addr = server.local_endpoints()[0].to_string();
/// let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
/// let running = tokio::spawn(server.run(async move { let _ = stopped.await; }));
///
/// let args = BenchArgs::parse_from(["bench", "-a", &addr, "-m", "pipeline", "-d", "300ms"]);
/// let reports = sockit::bench::run(&args).await?;
/// assert_eq!(reports[0].errors.total, 0);
/// assert!(reports[0].messages > 0);
///
/// stop.send(()).unwrap();
/// running.await??;
/// # Ok(()) }
/// ```
pub async fn run(args: &BenchArgs) -> anyhow::Result<Vec<RunReport>> {
    if args.mode == Mode::Pipeline && args.framing == Framing::Chunk {
        bail!("--mode pipeline needs --framing line: with chunk framing names sent together merge into one message");
    }
    if args.runs > 1 && !args.sweep.is_empty() {
        bail!("--runs repeats one run: give -c, not --sweep");
    }
    if args.rate.is_some() && args.mode == Mode::Idle {
        bail!("--rate applies to lockstep, pipeline and churn: idle mode sends one name per connection");
    }
    let dialogue = dialogue::Dialogue::from_args(args)?;
    let target = resolve(args).await?;
    let tls = conn::Secure::from_args(args)?;
    let local = tokio::task::LocalSet::new();
    let mut reports = Vec::new();
    for connections in args.connection_counts() {
        let setup = Rc::new(RunSetup {
            target: target.clone(),
            sources: Sources::new(args.sources, connections),
            dialogue: dialogue.clone(),
            timeout: args.timeout,
            tls: tls.clone(),
            rate: args.rate,
            connections,
        });
        if let Some(rate) = args.rate {
            let probe = modes::probe(args.mode == Mode::Churn, setup.clone());
            if let Ok(best) = local.run_until(probe).await {
                if let Some(warning) = too_few_connections(args, connections, rate, best) {
                    eprintln!("sockit: warning: {warning}");
                }
            }
        }
        for n in 1..=args.runs {
            let mut report = local
                .run_until(run_once(args, connections, setup.clone()))
                .await?;
            report.run = (args.runs > 1).then_some(n);
            reports.push(report);
        }
    }
    Ok(reports)
}

/// What to say when `rate` is more than `connections` can carry, each holding at most its
/// window of messages (lockstep one, pipeline `--depth`, churn one conversation) in flight
/// and a round trip taking at best `best`: a paced run can only fall behind then.
fn too_few_connections(
    args: &BenchArgs,
    connections: u32,
    rate: f64,
    best: Duration,
) -> Option<String> {
    let window = if args.mode == Mode::Pipeline {
        f64::from(args.depth)
    } else {
        1.0
    };
    let per_connection = window / best.as_secs_f64().max(1e-9);
    let capacity = per_connection * f64::from(connections);
    if rate <= capacity {
        return None;
    }
    let needed = (rate / per_connection).ceil();
    let what = if args.mode == Mode::Churn {
        "a conversation"
    } else {
        "a round trip"
    };
    Some(format!(
        "--rate {rate} is more than {connections} connections can carry: {what} took at best {best:.2?}, so they carry at most {capacity:.0}/s; use -c {needed} or more"
    ))
}

/// Pins the calling thread to CPU `cpu`.
pub fn pin_to_cpu(cpu: usize) -> anyhow::Result<()> {
    let ids = core_affinity::get_core_ids().context("cannot list the CPUs")?;
    let id = ids
        .into_iter()
        .find(|c| c.id == cpu)
        .with_context(|| format!("--cpu {cpu}: no such CPU available to this process"))?;
    if !core_affinity::set_for_current(id) {
        bail!("--cpu {cpu}: cannot pin to that CPU");
    }
    Ok(())
}

/// Connects once (Happy Eyeballs over every address the name has) to make sure something
/// answers before loading it; every connection of the run then goes to the endpoint that
/// answered.
async fn resolve(args: &BenchArgs) -> anyhow::Result<crate::addr::Endpoint> {
    let options = ConnectOptions::new(args.timeout);
    let (_probe, target) = crate::net::connect_first(&args.addr, &options).await?;
    Ok(target)
}

async fn run_once(
    args: &BenchArgs,
    connections: u32,
    setup: Rc<RunSetup>,
) -> anyhow::Result<RunReport> {
    let spec = RunSpec {
        mode: args.mode,
        framing: args.framing,
        connections,
        depth: (args.mode == Mode::Pipeline).then_some(args.depth),
    };
    let warm = !args.warmup.is_zero() && args.mode != Mode::Idle;
    let tally = Rc::new(Tally::new(
        if warm {
            RunPhase::Warmup
        } else {
            RunPhase::Measure
        },
        args.late,
        args.fail_on_late,
        args.rate.is_some(),
    ));
    let opened = Rc::new(Cell::new(0u64));
    let progress = tokio::task::spawn_local(progress::show(
        args.mode,
        connections,
        tally.clone(),
        opened.clone(),
    ));
    let (elapsed, held) = match args.mode {
        Mode::Idle => idle(args, connections, &setup, &tally, &opened).await?,
        _ => (steady(args, connections, warm, &setup, &tally).await?, None),
    };
    tally.set_phase(RunPhase::Stop);
    // Not awaited: it may be asleep for up to a second.
    progress.abort();
    progress::clear();
    Ok(RunReport::new(
        spec,
        &tally.snapshot(),
        elapsed,
        held,
        args.rate,
    ))
}

/// Lockstep, pipeline and churn: warm up, measure for `-d`, stop, wait for the connections to
/// drain. Returns the time measured.
async fn steady(
    args: &BenchArgs,
    connections: u32,
    warm: bool,
    setup: &Rc<RunSetup>,
    tally: &Rc<Tally>,
) -> anyhow::Result<Duration> {
    let tasks: Vec<JoinHandle<()>> = (0..connections)
        .map(|i| {
            let (setup, tally) = (setup.clone(), tally.clone());
            match args.mode {
                Mode::Lockstep => tokio::task::spawn_local(modes::steady(i, 1, setup, tally)),
                Mode::Pipeline => {
                    let depth = args.depth as usize;
                    tokio::task::spawn_local(modes::steady(i, depth, setup, tally))
                }
                _ => tokio::task::spawn_local(modes::churn(i, setup, tally)),
            }
        })
        .collect();
    if warm {
        tokio::time::sleep(args.warmup).await;
        tally.set_phase(RunPhase::Measure);
    }
    tokio::time::sleep(args.duration).await;
    tally.set_phase(RunPhase::Stop);
    join(tasks).await?;
    Ok(tally.measured_time())
}

/// Idle: open every connection, hold them for `-d`, then check each one answers. Returns the
/// time the check took and how many connections were held.
async fn idle(
    args: &BenchArgs,
    connections: u32,
    setup: &Rc<RunSetup>,
    tally: &Rc<Tally>,
    opened: &Rc<Cell<u64>>,
) -> anyhow::Result<(Duration, Option<u64>)> {
    let gate = Rc::new(Semaphore::new(IDLE_OPENING));
    let (go_tx, go_rx) = watch::channel(false);
    let all_open = Rc::new(Notify::new());
    let settled = Rc::new(Cell::new(0u32));
    let on_open: Rc<dyn Fn(bool)> = {
        let (opened, settled, all_open) = (opened.clone(), settled.clone(), all_open.clone());
        Rc::new(move |ok| {
            opened.set(opened.get() + u64::from(ok));
            settled.set(settled.get() + 1);
            if settled.get() == connections {
                all_open.notify_one();
            }
        })
    };
    let tasks: Vec<JoinHandle<()>> = (0..connections)
        .map(|i| {
            tokio::task::spawn_local(modes::idle(
                i,
                setup.clone(),
                tally.clone(),
                gate.clone(),
                on_open.clone(),
                go_rx.clone(),
            ))
        })
        .collect();
    all_open.notified().await;
    let held = opened.get();
    tokio::time::sleep(args.duration).await;
    let start = Instant::now();
    go_tx.send_replace(true);
    join(tasks).await?;
    Ok((start.elapsed(), Some(held)))
}

async fn join(tasks: Vec<JoinHandle<()>>) -> anyhow::Result<()> {
    for task in tasks {
        task.await.context("a connection task failed")?;
    }
    Ok(())
}
