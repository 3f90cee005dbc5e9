//! The `sockit` binary: parses flags, starts logging, runs a subcommand, and hands how it
//! ended to [`sockit::exit::finish`]; each error type decides its own exit code. Everything
//! else lives in the library.

// Denied, not forbidden: `leave` is the one exception, `_exit` at the very end of a run, whose
// need is measured in docs/BENCHMARKS.md ("One small request, stop 31"). The library
// forbids unsafe code outright.
#![deny(unsafe_code)]

mod cli;
mod man;

use clap::FromArgMatches;
use cli::{ClientArgs, Command, ServeArgs};
use sockit::client::{Client, ClientError};
use sockit::exit::{self, Failure};
use sockit::fetch::config_file;
use sockit::fetch::FetchError;
use sockit::logging::{LogFormat, Logging};
use sockit::net::tls::TlsClient;
use sockit::protocol::Framing;
use sockit::server::config_file::{Loaded, Source};
use sockit::server::{self, reload, Server};
use std::ffi::OsString;
use std::io::{IsTerminal, Write};
use tokio::io::{AsyncBufReadExt, AsyncWriteExt, BufReader};
use tokio::signal::unix::{signal, Signal, SignalKind};

fn main() {
    let code = run();
    // Rust flushes stdout at a normal exit; this exit skips that with the rest.
    let _ = std::io::stdout().flush();
    // Everything is written and closed by now. libc's exit() would run mimalloc's exit
    // handler, which hands its segments back to the kernel one madvise(MADV_DONTNEED) at a
    // time (60 calls for one small fetch) just before the kernel frees them all anyway;
    // `_exit` skips the handlers (docs/BENCHMARKS.md, "One small request, stop 31").
    leave(code)
}

/// Ends the process with `code` at once: `_exit`, not `exit`.
#[allow(unsafe_code)]
fn leave(code: u8) -> ! {
    // SAFETY: `_exit` takes any status and does not return; nothing runs after it in this
    // process, so no Rust invariant can be observed broken.
    unsafe { libc::_exit(i32::from(code)) }
}

/// The subcommand's run, to its exit code.
fn run() -> u8 {
    // Built once: with fetch's 300 flags, building the command tree is a good part of a
    // small fetch's start-up (docs/BENCHMARKS.md, "One small request"), and the config
    // files, the `--next` split and the parse all read the same tree.
    let argv: Vec<OsString> = std::env::args_os().collect();
    let mut command = cli::command_for(&argv);
    let argv = match expand_config_files(argv, &command) {
        Ok(argv) => argv,
        Err(code) => return code,
    };
    let (argv, more_groups) = split_fetch_groups(argv, &command);
    let group_command = (!more_groups.is_empty()).then(|| fetch_command(&command).clone());
    let cli = match parse(&mut command, argv) {
        Ok(cli) => cli,
        Err(e) => return usage(&e),
    };
    let mut quiet = false;
    let failures: Vec<Failure> = match cli.command {
        Command::Serve(args) => {
            let (args, source) = match args.with_file() {
                Ok(loaded) => loaded,
                Err(e) => {
                    return exit::finish(vec![Failure::new(e.exit_code(), e.to_string())], false)
                }
            };
            let logging = init_logging("info", args.config.log_format);
            let served = serve(args, source, logging);
            // The access lines still batched, whichever way serving ended (a second signal
            // leaves the drain before the server's own flush).
            sockit::logging::flush();
            served
                .err()
                .and_then(|e| {
                    let code = (e.downcast_ref::<Forced>())
                        .map_or_else(|| server::exit_code(&e), Forced::exit_code);
                    Failure::unless_closed_stdout(code, format!("{e:#}"), e.as_ref())
                })
                .into_iter()
                .collect()
        }
        Command::Client(args) => {
            init_logging("warn", LogFormat::Text);
            run_client(args)
                .err()
                .and_then(|e| e.failure())
                .into_iter()
                .collect()
        }
        Command::Bench(args) => bench(args)
            .err()
            .and_then(|e| {
                Failure::unless_closed_stdout(exit::bench::FAILED, format!("{e:#}"), e.as_ref())
            })
            .into_iter()
            .collect(),
        Command::Fetch(args) => {
            let mut groups = vec![*args];
            for group in more_groups {
                let command = group_command.clone().expect("cloned when there are groups");
                match cli::parse_fetch(command, group) {
                    Ok(args) => groups.push(args),
                    Err(e) => return usage(&e),
                }
            }
            let groups = sockit::fetch::Groups::new(groups);
            if groups.first().out.manual {
                return exit::finish(print(Ok(man::page())), false);
            }
            if let Some(path) = &groups.first().out.stderr {
                redirect_stderr(path);
            }
            init_logging("warn", LogFormat::Text);
            quiet = groups.first().quiet_failures();
            fetch(groups)
        }
        Command::Completions(args) => print(Ok(cli::completions(args.shell)))
            .into_iter()
            .collect(),
        Command::Man => print(Ok(man::page())).into_iter().collect(),
    };
    exit::finish(failures, quiet)
}

/// `sockit fetch`'s command line with curl's config files read in (`-K FILE`, `.curlrc`),
/// before clap parses it; their warnings on stderr, as curl prints them.
fn expand_config_files(
    mut argv: Vec<OsString>,
    command: &clap::Command,
) -> Result<Vec<OsString>, u8> {
    if argv.get(1).is_none_or(|sub| sub != "fetch") {
        return Ok(argv);
    }
    let fetch_args = argv.split_off(2);
    let fetch = fetch_command(command);
    match config_file::expand(fetch_args, fetch, &config_file::Sources::process()) {
        Ok((expanded, warnings)) => {
            eprint!("{warnings}");
            argv.extend(expanded);
            Ok(argv)
        }
        Err(e) => Err(exit::finish(
            [Failure::new(
                e.exit_code(),
                format!("({}) {e}", e.exit_code()),
            )],
            false,
        )),
    }
}

/// `sockit fetch`'s command line cut at `-:`/`--next` ([`sockit::fetch::next::split`]): the
/// command line with the first group's arguments, for clap, and the arguments of each group
/// after it. Any other command line as it is.
fn split_fetch_groups(
    mut argv: Vec<OsString>,
    command: &clap::Command,
) -> (Vec<OsString>, Vec<Vec<OsString>>) {
    if argv.get(1).is_none_or(|sub| sub != "fetch") {
        return (argv, Vec::new());
    }
    let fetch_args = argv.split_off(2);
    let mut groups = sockit::fetch::next::split(fetch_args, fetch_command(command)).into_iter();
    argv.extend(groups.next().unwrap_or_default());
    (argv, groups.collect())
}

/// The `fetch` subcommand of `command`.
fn fetch_command(command: &clap::Command) -> &clap::Command {
    command
        .find_subcommand("fetch")
        .expect("the fetch subcommand is defined")
}

/// Parses `argv` with `command`, as `Cli::try_parse_from` does with a tree of its own.
fn parse(command: &mut clap::Command, argv: Vec<OsString>) -> Result<cli::Cli, clap::Error> {
    let mut matches = command.try_get_matches_from_mut(argv)?;
    cli::Cli::from_arg_matches_mut(&mut matches)
}

/// `sockit fetch --stderr FILE`: from here on, whatever the process writes to stderr goes
/// to FILE (created or emptied; `-` is stdout), as curl sends it there. A FILE that cannot
/// be created is a warning, and stderr stays where it was, as curl's.
fn redirect_stderr(path: &std::path::Path) {
    let redirected = match path.as_os_str() == "-" {
        true => rustix::stdio::dup2_stderr(std::io::stdout()).map_err(std::io::Error::from),
        false => std::fs::File::create(path).and_then(|file| {
            rustix::stdio::dup2_stderr(&file)?;
            Ok(())
        }),
    };
    if let Err(e) = redirected {
        eprintln!(
            "sockit: warning: cannot write stderr to {}: {e}",
            path.display()
        );
    }
}

/// `--help` and `--version` go to stdout (a closed one is fine) with 0; a bad command line is
/// one `sockit: ...` line and clap's usage hint on stderr, with the usage code; a curl option
/// fetch does not take is that one line alone.
fn usage(err: &clap::Error) -> u8 {
    if let Some(refusal) = cli::unsupported_curl_option(err, std::env::args_os()) {
        let failure = Failure::new(refusal.exit_code(), refusal.to_string());
        return exit::finish([failure], false);
    }
    if !err.use_stderr() {
        let _ = err.print();
        return exit::common::OK;
    }
    if err.kind() == clap::error::ErrorKind::DisplayHelpOnMissingArgumentOrSubcommand {
        // `sockit` alone: the help is the message.
        let _ = err.print();
        return exit::common::USAGE;
    }
    let text = err.render().to_string();
    eprint!("sockit: {}", text.strip_prefix("error: ").unwrap_or(&text));
    exit::common::USAGE
}

/// Prints generated text (completions, the man page) to stdout.
fn print(text: std::io::Result<Vec<u8>>) -> Option<Failure> {
    let written = text.and_then(|text| exit::write_stdout(&text));
    written
        .err()
        .map(|e| Failure::new(exit::common::FAILED, format!("cannot write to stdout: {e}")))
}

/// Runs `sockit fetch` on a current-thread runtime; its failures, in URL order.
fn fetch(groups: sockit::fetch::Groups) -> Vec<Failure> {
    match runtime(Some(1)) {
        Ok(runtime) => runtime
            .block_on(sockit::fetch::run(groups))
            .iter()
            .filter_map(FetchError::failure)
            .collect(),
        Err(e) => vec![Failure::new(
            exit::common::FAILED,
            format!("cannot start the async runtime: {e}"),
        )],
    }
}

/// Runs `sockit bench` on a current-thread runtime, pinned to `--cpu` when given, so the
/// generator uses exactly one CPU and leaves the other to the server under test.
fn bench(args: sockit::bench::BenchArgs) -> anyhow::Result<()> {
    if let Some(cpu) = args.cpu {
        sockit::bench::pin_to_cpu(cpu)?;
    }
    runtime(Some(1))?.block_on(sockit::bench::execute(args))
}

/// Logs go to stderr in `format`; `RUST_LOG` overrides the subcommand's default level.
fn init_logging(default: &str, format: LogFormat) -> Option<Logging> {
    Logging::init(default, format)
}

/// A runtime with `threads` workers; one means a current-thread runtime, which spares the
/// work-stealing machinery when there is only one CPU to run on anyway.
fn runtime(threads: Option<usize>) -> std::io::Result<tokio::runtime::Runtime> {
    let threads = threads
        .or_else(|| std::thread::available_parallelism().ok().map(|n| n.get()))
        .unwrap_or(1);
    if threads <= 1 {
        tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
    } else {
        tokio::runtime::Builder::new_multi_thread()
            .worker_threads(threads)
            .enable_all()
            .build()
    }
}

/// Serves until the first SIGINT/SIGTERM, then shuts down gracefully; a second signal ends
/// the wait at once with [`Forced`]. Each SIGHUP reloads `source`, the `--config` file (when
/// there is one), and then the TLS certificate ([`reload::on_hangup`]). The signals are this
/// binary's, not the library's: the server takes a shutdown future and never ends the
/// process, as in mini-redis.
fn serve(
    args: ServeArgs,
    source: Option<(Source, Loaded)>,
    logging: Option<Logging>,
) -> anyhow::Result<()> {
    // Before the runtime starts threads: taking the sockets clears LISTEN_FDS.
    let inherited = server::systemd::inherited_sockets()?;
    runtime(args.threads)?.block_on(async {
        // Registered before binding, so a signal during start-up is not lost to the default
        // action (ending the process without a word).
        let mut signals = Signals::register()?;
        let hangup = signal(SignalKind::hangup())?;
        let server = Server::builder()
            .config(args.config)
            .inherited(inherited)
            .listen()
            .await?;
        let parse = |argv: &[OsString]| cli::parse_serve(argv).map(|args| args.config);
        let reloading =
            reload::on_hangup(hangup, source, server.reloader(), Box::new(parse), logging);
        tokio::spawn(reloading);
        let (start_shutdown, shutdown) = tokio::sync::oneshot::channel::<()>();
        let running = server.run(async {
            let _ = shutdown.await;
        });
        tokio::pin!(running);
        let first = tokio::select! {
            ran = &mut running => return ran,
            first = signals.next() => first,
        };
        tracing::info!("{first} received: shutting down (send it again to exit at once)");
        let _ = start_shutdown.send(());
        tokio::select! {
            ran = &mut running => ran,
            second = signals.next() => Err(Forced(second).into()),
        }
    })
}

/// SIGINT and SIGTERM, the signals that stop `sockit serve`.
struct Signals {
    interrupt: Signal,
    terminate: Signal,
}

impl Signals {
    /// Registers both. Needs a running tokio runtime.
    fn register() -> std::io::Result<Self> {
        Ok(Signals {
            interrupt: signal(SignalKind::interrupt())?,
            terminate: signal(SignalKind::terminate())?,
        })
    }

    /// The next one to arrive, by name.
    async fn next(&mut self) -> &'static str {
        tokio::select! {
            _ = self.interrupt.recv() => "SIGINT",
            _ = self.terminate.recv() => "SIGTERM",
        }
    }
}

/// A second SIGINT/SIGTERM during the graceful shutdown: the person wants the process gone
/// now, without waiting for connections to drain.
#[derive(Debug, thiserror::Error)]
#[error("second {0}: stopped without waiting for open connections")]
struct Forced(&'static str);

impl Forced {
    /// [`exit::serve::FORCED`], 130, as shells report an interrupt.
    fn exit_code(&self) -> u8 {
        exit::serve::FORCED
    }
}

fn run_client(args: ClientArgs) -> Result<(), ClientError> {
    runtime(Some(1))?.block_on(async {
        let mut client = if args.tls.wanted(&args.addr) {
            let tls = TlsClient::new(&args.tls)?;
            Client::connect_tls(&args.addr, args.framing, args.timeout, &tls).await?
        } else {
            Client::connect(&args.addr, args.framing, args.timeout).await?
        };
        print_line(&client.greeting().await?)?;
        if !args.names.is_empty() {
            for name in &args.names {
                print_line(&client.hello(name.as_bytes()).await?)?;
            }
            client.exit().await
        } else if std::io::stdin().is_terminal() {
            interactive(client).await
        } else if args.framing == Framing::Chunk {
            one_at_a_time(client).await
        } else {
            let names = BufReader::with_capacity(64 * 1024, tokio::io::stdin());
            client.pipeline(names, tokio::io::stdout()).await.map(drop)
        }
    })
}

/// A prompt per name; `exit` or Ctrl+D ends the session.
async fn interactive(mut client: Client) -> Result<(), ClientError> {
    let mut lines = BufReader::new(tokio::io::stdin()).lines();
    loop {
        let mut stderr = tokio::io::stderr();
        stderr.write_all(b"name> ").await?;
        stderr.flush().await?;
        match lines.next_line().await? {
            Some(name) if name != "exit" => print_line(&client.hello(name.as_bytes()).await?)?,
            _ => return client.exit().await,
        }
    }
}

/// Chunk framing cannot pipeline (the server would see several names as one message), so
/// each stdin line waits for its reply.
async fn one_at_a_time(mut client: Client) -> Result<(), ClientError> {
    let mut lines = BufReader::new(tokio::io::stdin()).lines();
    while let Some(name) = lines.next_line().await? {
        if name == "exit" {
            break;
        }
        print_line(&client.hello(name.as_bytes()).await?)?;
    }
    client.exit().await
}

fn print_line(bytes: &[u8]) -> std::io::Result<()> {
    let mut out = std::io::stdout().lock();
    out.write_all(bytes)?;
    out.write_all(b"\n")?;
    out.flush()
}

/// mimalloc instead of the system allocator: tokio allocates each task and each socket's
/// readiness state 128-byte aligned, and glibc pays heavily for aligned allocations. Measured
/// with 10,000 idle connections: 1400 bytes per connection with glibc, 775 with mimalloc
/// (bench idle mode, RSS delta). Its `no_thp` feature keeps it off transparent huge pages,
/// which otherwise added 6-10 MiB to fetch's peak RSS and 60 bytes per idle connection.
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;
