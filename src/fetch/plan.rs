//! Owns [`FetchPlan`]: everything one fetch needs, checked and resolved from the flags before
//! any network traffic.
//!
//! The flags ([`FetchArgs`]) stop here: every later layer reads the plan alone, so each
//! setting has one source of truth (`--compressed`, for one, lives only in the request
//! spec, which both asks for the encodings and decides whether to decode them).

use super::args::{ContinueAt, FetchArgs};
use super::connect::Family;
use super::error::{describe, FetchError};
use super::output;
use super::request::{self, HeaderEdit, RequestSpec};
use std::path::PathBuf;
use std::time::Duration;
use url::Url;

/// How long connecting may take without `--connect-timeout`: curl's default.
pub const DEFAULT_CONNECT_TIMEOUT: Duration = Duration::from_secs(300);

/// What one fetch does, resolved from the flags.
#[derive(Debug)]
pub struct FetchPlan {
    /// The URL asked for.
    pub url: Url,
    /// The request to send (changes along a redirect chain).
    pub request: RequestSpec,
    /// The file the body goes to; None for stdout.
    pub output: Option<PathBuf>,
    /// Where `-C` resumes.
    pub resume: Option<ContinueAt>,
    /// Keep `FILE.part` after a failure (for `-C -`); off with `--no-keep-partial`.
    pub keep_partial: bool,
    /// How to reach the server.
    pub connect: ConnectPlan,
    /// `-L`: how many redirects to follow; None when redirects are not followed.
    pub max_redirects: Option<u32>,
    /// `--location-trusted`: credentials and cookies follow redirects to other origins.
    pub location_trusted: bool,
    /// `-f`: a status of 400 or more fails without writing the body.
    pub fail: bool,
    /// Where response heads are shown.
    pub heads: HeadPlan,
    /// Show a progress bar on a terminal (not with `-s`).
    pub progress: bool,
    /// `-m`: the bound on the whole transfer.
    pub max_time: Option<Duration>,
}

/// How connections are opened.
#[derive(Debug, Clone)]
pub struct ConnectPlan {
    /// `-4`/`-6`.
    pub family: Family,
    /// The bound on resolving, connecting and the TLS handshake.
    pub timeout: Option<Duration>,
    /// `--cacert`.
    pub cacert: Option<PathBuf>,
    /// `-k`.
    pub insecure: bool,
    /// Warn about `-k` on stderr (not with `-s`).
    pub warn: bool,
}

/// Where response heads go.
#[derive(Debug, Clone, Default)]
pub struct HeadPlan {
    /// Print heads on stdout: the body goes to a file (the tutorial's habit), or `-D -`.
    pub stdout: bool,
    /// `-D FILE`.
    pub dump: Option<PathBuf>,
    /// `-i`/`-I`: heads go into the body's output, before the body.
    pub include: bool,
}

impl FetchPlan {
    /// Resolves and checks the flags.
    pub fn new(args: &FetchArgs) -> Result<Self, FetchError> {
        let url = parse_url(&args.url)?;
        let output = match (&args.output, args.remote_name) {
            (Some(path), _) if path.as_os_str() == "-" => None,
            (Some(path), _) => Some(output::resolve_link(path)),
            (None, true) => Some(output::resolve_link(&output::remote_name(url.path()))),
            (None, false) => None,
        };
        if output.is_none() && args.continue_at == Some(ContinueAt::Auto) {
            return Err(FetchError::Usage(
                "-C - needs a file to resume (-o FILE or -O)".into(),
            ));
        }
        let include = args.include || args.head;
        let dump_stdout = args.dump_header.as_deref() == Some("-".as_ref());
        Ok(FetchPlan {
            request: request_spec(args)?,
            heads: HeadPlan {
                stdout: dump_stdout || (output.is_some() && !include && !args.silent),
                dump: args.dump_header.clone().filter(|_| !dump_stdout),
                include,
            },
            url,
            output,
            resume: args.continue_at,
            keep_partial: !args.no_keep_partial,
            connect: ConnectPlan {
                family: match (args.ipv4, args.ipv6) {
                    (true, _) => Family::V4,
                    (_, true) => Family::V6,
                    _ => Family::Any,
                },
                timeout: Some(args.connect_timeout.unwrap_or(DEFAULT_CONNECT_TIMEOUT)),
                cacert: args.cacert.clone(),
                insecure: args.insecure,
                warn: !args.silent,
            },
            max_redirects: (args.location || args.location_trusted).then_some(args.max_redirs),
            location_trusted: args.location_trusted,
            fail: args.fail,
            progress: !args.silent,
            max_time: args.max_time,
        })
    }
}

/// The request from `-X`, `-I`, `-d`, `-A`, `-H` and `--compressed`.
fn request_spec(args: &FetchArgs) -> Result<RequestSpec, FetchError> {
    let method = match (&args.method, args.head, &args.data) {
        // Methods are case-sensitive (RFC 9110 9.1): sent as typed, as curl does.
        (Some(m), _, _) => m.clone(),
        (None, true, _) => "HEAD".into(),
        (None, false, Some(_)) => "POST".into(),
        (None, false, None) => "GET".into(),
    };
    if !request::valid_method(&method) {
        return Err(FetchError::Usage(format!(
            "{method:?} is not a valid method"
        )));
    }
    if let Some(agent) = args
        .user_agent
        .as_deref()
        .filter(|a| a.contains(['\r', '\n']))
    {
        return Err(FetchError::Usage(format!(
            "user agent {agent:?} contains a line break"
        )));
    }
    Ok(RequestSpec {
        method,
        body: args.data.as_deref().map(request_body).transpose()?,
        user_agent: args
            .user_agent
            .clone()
            .unwrap_or_else(|| concat!("sockit/", env!("CARGO_PKG_VERSION")).into()),
        compressed: args.compressed,
        edits: args
            .headers
            .iter()
            .map(|h| HeaderEdit::parse(h))
            .collect::<Result<_, _>>()?,
        user: args.user.clone(),
        withheld: Vec::new(),
    })
}

/// Parses the URL as curl does: http:// when no scheme is given; only http and https.
fn parse_url(text: &str) -> Result<Url, FetchError> {
    let full = if text.contains("://") {
        text.to_string()
    } else {
        format!("http://{text}")
    };
    let url = Url::parse(&full).map_err(|e| FetchError::BadUrl {
        url: text.to_string(),
        reason: e.to_string(),
    })?;
    if !matches!(url.scheme(), "http" | "https") {
        return Err(FetchError::UnsupportedProtocol(url.scheme().to_string()));
    }
    if url.host_str().is_none_or(str::is_empty) {
        return Err(FetchError::BadUrl {
            url: text.to_string(),
            reason: "no host".into(),
        });
    }
    Ok(url)
}

/// `-d DATA`, or `-d @FILE`: the file's contents without line breaks, as curl sends them.
fn request_body(data: &str) -> Result<Vec<u8>, FetchError> {
    let Some(path) = data.strip_prefix('@') else {
        return Ok(data.as_bytes().to_vec());
    };
    let mut bytes = std::fs::read(path).map_err(|e| FetchError::Read {
        path: path.to_string(),
        reason: describe(&e),
    })?;
    bytes.retain(|&b| b != b'\r' && b != b'\n');
    Ok(bytes)
}
