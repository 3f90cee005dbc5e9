//! Defines sockit's command line: one subcommand per program, `///` docs are the `--help` text,
//! and the completion scripts generated from the same definitions (the man page: `man.rs`).

use clap::error::{ContextKind, ContextValue, ErrorKind};
use clap::{Args, CommandFactory, FromArgMatches, Parser, Subcommand};
use clap_complete::Shell;
use sockit::addr::Address;
use sockit::fetch::curl_options::UnsupportedCurlOption;
use sockit::protocol::Framing;
use sockit::server::config_file::{one_line, ConfigFileError, Loaded, Source};
use std::ffi::OsString;
use std::path::PathBuf;
use std::time::Duration;

/// The socket tutorial's programs, made real: a hello server, its client, a page fetcher and a
/// load generator.
#[derive(Debug, Parser)]
#[command(name = "sockit", version, about, propagate_version = true)]
pub struct Cli {
    /// What to run.
    #[command(subcommand)]
    pub command: Command,
}

/// The subcommands.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Run the hello server: greets `Welcome!`, answers each NAME line with `Hello, NAME!`,
    /// closes on `exit`.
    Serve(ServeArgs),
    /// Talk to a hello server: send NAMEs (or stdin lines) and print the replies.
    Client(ClientArgs),
    #[command(about = FETCH_ABOUT, long_about = None)]
    Fetch(Box<sockit::fetch::FetchArgs>),
    /// Load a hello server: lockstep, pipeline, churn or idle connections, every reply checked.
    Bench(sockit::bench::BenchArgs),
    /// Print a shell completion script: `sockit completions bash > /etc/bash_completion.d/sockit`.
    Completions(CompletionsArgs),
    /// Print the man page (roff), every subcommand's flags included: `sockit man | man -l -`.
    Man,
}

/// `sockit fetch`'s line in `sockit --help`, and the head of its own `--help`.
const FETCH_ABOUT: &str = "Download a URL over HTTP/1.1 or HTTPS, with curl's flags and exit codes";

/// The command line when it starts `sockit fetch`: [`Cli`]'s root with the `fetch`
/// subcommand alone. Building the other subcommands' flags cost a small fetch 4% of its
/// start-up (docs/BENCHMARKS.md, "One small request, stop 31"); its matches are read by
/// [`Cli`] as the whole tree's are.
#[derive(Debug, Parser)]
#[command(name = "sockit", version, about, propagate_version = true)]
struct FetchCli {
    #[command(subcommand)]
    command: FetchOnly,
}

/// [`Command`]'s `fetch`, alone.
#[derive(Debug, Subcommand)]
enum FetchOnly {
    #[command(about = FETCH_ABOUT, long_about = None)]
    Fetch(Box<sockit::fetch::FetchArgs>),
}

/// The command tree to parse `argv` with: [`FetchCli`]'s for `sockit fetch ...`, else the
/// whole [`Cli`].
pub fn command_for(argv: &[OsString]) -> clap::Command {
    match argv.get(1).is_some_and(|sub| sub == "fetch") {
        true => FetchCli::command(),
        false => Cli::command(),
    }
}

/// Flags of `sockit serve`: the server's own settings, defined next to what they configure,
/// and the runtime's.
#[derive(Debug, Args)]
pub struct ServeArgs {
    /// The server's settings.
    #[command(flatten)]
    pub config: sockit::server::Config,

    /// Worker threads [default: the CPUs this process may run on]; 1 runs everything on one
    /// thread.
    #[arg(long, value_name = "N")]
    pub threads: Option<usize>,

    /// Read settings from this TOML file: each long flag is a key (`max-connections = 5000`,
    /// `bind = ["127.0.0.1:9999"]`, `quiet = true`); a flag on the command line wins over its
    /// key. SIGHUP reads it again (docs/DEPLOY.md says what a reload changes).
    #[arg(long = "config", value_name = "FILE")]
    pub config_file: Option<PathBuf>,
}

impl ServeArgs {
    /// These flags with the `--config` file's keys under them, and where they came from (for
    /// SIGHUP to read again); as they are without `--config`.
    pub fn with_file(self) -> Result<(ServeArgs, Option<(Source, Loaded)>), ConfigFileError> {
        let Some(file) = self.config_file else {
            return Ok((self, None));
        };
        let command_line: Vec<OsString> = std::env::args_os()
            .skip_while(|arg| arg != "serve")
            .skip(1)
            .collect();
        let source = Source::new(serve_command(), file, command_line);
        let loaded = source.load()?;
        let args = parse_serve(&loaded.argv).map_err(|e| source.error(one_line(&e)))?;
        Ok((args, Some((source, loaded))))
    }
}

/// `sockit serve`'s definition, as clap builds it.
pub fn serve_command() -> clap::Command {
    Cli::command()
        .find_subcommand("serve")
        .expect("serve is a subcommand")
        .clone()
}

/// Parses `argv` (the arguments after `serve`) as `sockit serve`'s flags.
pub fn parse_serve(argv: &[OsString]) -> Result<ServeArgs, clap::Error> {
    let argv = std::iter::once(OsString::from("serve")).chain(argv.iter().cloned());
    let matches = serve_command().try_get_matches_from(argv)?;
    ServeArgs::from_arg_matches(&matches)
}

/// Parses `argv` (one `-:` group's arguments) as `sockit fetch`'s flags, with `fetch`
/// (the `fetch` subcommand of [`Cli::command`]).
pub fn parse_fetch(
    fetch: clap::Command,
    argv: Vec<OsString>,
) -> Result<sockit::fetch::FetchArgs, clap::Error> {
    let argv = std::iter::once(OsString::from("fetch")).chain(argv);
    sockit::fetch::FetchArgs::from_arg_matches(&fetch.try_get_matches_from(argv)?)
}

/// Flags of `sockit client`.
#[derive(Debug, Args)]
pub struct ClientArgs {
    /// The server: HOST:PORT, [V6]:PORT, unix:PATH, or tls:HOST:PORT (as `--tls`).
    #[arg(short, long, value_name = "ADDR", default_value = "127.0.0.1:9999")]
    pub addr: Address,

    /// How names are framed: `line` or `chunk` (the tutorial's wire format).
    #[arg(long, value_enum, value_name = "FRAMING", default_value_t = Framing::Line)]
    pub framing: Framing,

    /// Bounds connecting and the wait for each reply (exit 28 when it runs out).
    #[arg(long, value_name = "DURATION", default_value = "10s", value_parser = sockit::duration::parse)]
    pub timeout: Duration,

    /// TLS: `--tls`, the certificates to trust and the one to present.
    #[command(flatten)]
    pub tls: sockit::net::tls::TlsArgs,

    /// Names to send, one at a time. Without any, stdin lines are sent (pipelined when stdin
    /// is not a terminal; with a prompt when it is).
    #[arg(value_name = "NAME")]
    pub names: Vec<String>,
}

/// The one-line refusal for a curl option `sockit fetch` does not take, when `err` is clap
/// rejecting one on the command line `args` (the program name first); none for any other
/// error, which clap's own message explains better.
pub fn unsupported_curl_option(
    err: &clap::Error,
    args: impl IntoIterator<Item = OsString>,
) -> Option<UnsupportedCurlOption> {
    // sockit takes no flags before the subcommand but --help and --version, which are no
    // errors, so the subcommand is the first argument.
    if err.kind() != ErrorKind::UnknownArgument || args.into_iter().nth(1)? != "fetch" {
        return None;
    }
    match err.get(ContextKind::InvalidArg)? {
        ContextValue::String(arg) => UnsupportedCurlOption::for_arg(arg),
        _ => None,
    }
}

/// Flags of `sockit completions`.
#[derive(Debug, Args)]
pub struct CompletionsArgs {
    /// The shell to complete for.
    #[arg(value_enum, value_name = "SHELL")]
    pub shell: Shell,
}

/// The shell completion script for `shell`, from the same definitions as `--help`.
pub fn completions(shell: Shell) -> Vec<u8> {
    let mut script = Vec::new();
    clap_complete::generate(shell, &mut Cli::command(), "sockit", &mut script);
    script
}
