//! `sockit fetch`: the tutorial's page fetcher made real, an HTTP/1.1 and HTTPS downloader
//! with curl's flags and exit codes.
//!
//! [`run`] plans the fetch from the flags, then for each URL in a redirect chain opens a
//! connection (`connect.rs`, `tls.rs`), sends the request (`request.rs`), reads the head
//! ([`head`]), and either follows a redirect (`redirect.rs`) or streams the body ([`body`],
//! [`decode`]) into its destination (`output.rs`). The byte-level parts (head, body framing,
//! content decoding, redirects) are pure and tested on their own; this module only wires
//! them to sockets and files.

mod args;
pub mod body;
mod connect;
pub mod decode;
mod error;
pub mod head;
pub(crate) mod output;
mod progress;
pub(crate) mod redirect;
pub(crate) mod request;
mod tls;
mod transfer;

pub use args::{ContinueAt, FetchArgs};
pub use connect::{connect as connect_happy_eyeballs, ATTEMPT_DELAY};
pub use error::FetchError;

use connect::Family;
use decode::Sink;
use head::Head;
use output::Output;
use progress::Progress;
use redirect::{is_redirect, Redirects};
use request::{HeaderEdit, RequestSpec};
use rustls::ClientConfig;
use std::fs::File;
use std::io::{IsTerminal, Write};
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;
use transfer::{Buffer, Conn};
use url::Url;

/// How long connecting may take without `--connect-timeout`: curl's default.
pub const DEFAULT_CONNECT_TIMEOUT: Duration = Duration::from_secs(300);

/// Fetches `args.url` as the flags say. A closed stdout pipe counts as success.
pub async fn run(args: FetchArgs) -> Result<(), FetchError> {
    let plan = Plan::new(&args)?;
    let result = match args.max_time {
        Some(limit) => tokio::time::timeout(limit, fetch(&args, &plan))
            .await
            .unwrap_or_else(|_| {
                Err(FetchError::Timeout(format!(
                    "operation timed out after {} ms",
                    limit.as_millis()
                )))
            }),
        None => fetch(&args, &plan).await,
    };
    match result {
        Err(FetchError::StdoutClosed) => Ok(()),
        Err(e) => {
            if args.no_keep_partial {
                if let Some(path) = plan.output.as_deref().filter(|p| !output::is_special(p)) {
                    // Nothing to clean up when the .part file was never created.
                    let _ = std::fs::remove_file(output::part_path(path));
                }
            }
            Err(e)
        }
        Ok(()) => Ok(()),
    }
}

/// What the flags ask for, checked before any network traffic.
struct Plan {
    url: Url,
    spec: RequestSpec,
    /// The file the body goes to; None for stdout.
    output: Option<PathBuf>,
    /// Where `-C` resumes, once known.
    resume: Option<args::ContinueAt>,
    family: Family,
}

impl Plan {
    fn new(args: &FetchArgs) -> Result<Self, FetchError> {
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
        let spec = RequestSpec {
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
            drop_authorization: false,
        };
        let family = match (args.ipv4, args.ipv6) {
            (true, _) => Family::V4,
            (_, true) => Family::V6,
            _ => Family::Any,
        };
        Ok(Plan {
            url,
            spec,
            output,
            resume: args.continue_at,
            family,
        })
    }
}

/// Parses the URL as curl does: http:// when no scheme is given; only http and https.
pub(crate) fn parse_url(text: &str) -> Result<Url, FetchError> {
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
    if url.host_str().map_or(true, str::is_empty) {
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
        reason: error::describe(&e),
    })?;
    bytes.retain(|&b| b != b'\r' && b != b'\n');
    Ok(bytes)
}

/// Where response heads are shown as they arrive.
struct HeadSinks {
    /// Print heads on stdout (body going to a file, as the tutorial does).
    stdout: bool,
    /// `-D FILE`.
    dump: Option<(File, PathBuf)>,
    /// `-i`/`-I`: heads collected for the body output.
    include: Option<Vec<u8>>,
}

impl HeadSinks {
    fn new(args: &FetchArgs, plan: &Plan) -> Result<Self, FetchError> {
        let dump_stdout = args.dump_header.as_deref() == Some("-".as_ref());
        let dump = match &args.dump_header {
            Some(path) if !dump_stdout => {
                let file = File::create(path).map_err(|e| FetchError::write(path, &e))?;
                Some((file, path.clone()))
            }
            _ => None,
        };
        let include = args.include || args.head;
        Ok(HeadSinks {
            stdout: dump_stdout || (plan.output.is_some() && !include && !args.silent),
            dump,
            include: include.then(Vec::new),
        })
    }

    fn show(&mut self, head: &Head) -> Result<(), FetchError> {
        self.print(&head.raw)?;
        if let Some(buf) = &mut self.include {
            buf.extend_from_slice(&head.raw);
        }
        Ok(())
    }

    /// A chunked body's trailer section goes where heads are printed and dumped, as curl
    /// does (the bare final CRLF alone means there were none).
    fn show_trailers(&mut self, trailers: &[u8]) -> Result<(), FetchError> {
        if trailers.len() > 2 {
            self.print(trailers)?;
        }
        Ok(())
    }

    fn print(&mut self, bytes: &[u8]) -> Result<(), FetchError> {
        if self.stdout {
            let mut out = std::io::stdout().lock();
            out.write_all(bytes)
                .and_then(|()| out.flush())
                .map_err(|e| output::stdout_error(&e))?;
        }
        if let Some((file, path)) = &mut self.dump {
            file.write_all(bytes)
                .map_err(|e| FetchError::write(path, &e))?;
        }
        Ok(())
    }
}

async fn fetch(args: &FetchArgs, plan: &Plan) -> Result<(), FetchError> {
    let offset = match (plan.resume, &plan.output) {
        (None, _) => 0,
        (Some(at), Some(path)) => output::prepare_resume(path, at)?,
        (Some(ContinueAt::At(n)), None) => n,
        (Some(ContinueAt::Auto), None) => 0,
    };
    let mut heads = HeadSinks::new(args, plan)?;
    let mut url = plan.url.clone();
    let mut spec = plan.spec.clone();
    let mut redirects = Redirects::new(args.max_redirs, &spec, &url);
    let mut tls = None;
    let mut buf = Buffer::default();
    loop {
        buf.clear();
        let mut conn = open(&url, args, plan.family, &mut tls).await?;
        conn.send(&spec.render(&url, Some(offset))).await?;
        let (interim, head) = transfer::read_head(&mut conn, &mut buf).await?;
        for h in interim.iter().chain([&head]) {
            heads.show(h)?;
        }
        if args.location && is_redirect(head.status) {
            if let Some(location) = head.get("location") {
                url = redirects.follow(&mut spec, &url, head.status, location)?;
                tracing::debug!(status = head.status, %url, "following redirect");
                continue;
            }
        }
        if args.fail && head.status >= 400 {
            return Err(FetchError::HttpStatus {
                status: head.status,
                reason: if head.reason.is_empty() {
                    String::new()
                } else {
                    format!(" {}", head.reason)
                },
            });
        }
        let response = Response { conn, buf, head };
        return deliver(args, plan, &spec, offset, response, heads).await;
    }
}

/// Opens a connection to `url`'s host: resolve, connect (Happy Eyeballs) and, for https,
/// the TLS handshake, all within `--connect-timeout`.
async fn open(
    url: &Url,
    args: &FetchArgs,
    family: Family,
    tls: &mut Option<Arc<ClientConfig>>,
) -> Result<Conn, FetchError> {
    let host = url.host().ok_or_else(|| FetchError::BadUrl {
        url: url.to_string(),
        reason: "no host".into(),
    })?;
    let port = url.port_or_known_default().unwrap_or(80);
    let label = url.host_str().unwrap_or_default().to_string();
    let https = url.scheme() == "https";
    if https && tls.is_none() {
        if args.insecure && !args.silent {
            eprintln!("sockit: warning: --insecure: the server's certificate is not verified");
        }
        *tls = Some(tls::config(args.cacert.as_deref(), args.insecure)?);
    }
    let config = tls.clone();
    let work = async {
        let addrs = connect::resolve(&host, port, family).await?;
        let tcp = connect::connect(&addrs, &label, ATTEMPT_DELAY).await?;
        match config.filter(|_| https) {
            Some(config) => Ok(Conn::Tls(Box::new(
                tls::handshake(tcp, &host, config).await?,
            ))),
            None => Ok(Conn::Plain(tcp)),
        }
    };
    let limit = args.connect_timeout.unwrap_or(DEFAULT_CONNECT_TIMEOUT);
    tokio::time::timeout(limit, work).await.unwrap_or_else(|_| {
        Err(FetchError::Timeout(format!(
            "connection to {label} port {port} timed out after {} ms",
            limit.as_millis()
        )))
    })
}

/// The final response: its head, the connection its body comes on, and the body bytes
/// already read with the head.
struct Response {
    conn: Conn,
    buf: Buffer,
    head: Head,
}

/// Streams the final response's body into its destination and commits it.
async fn deliver(
    args: &FetchArgs,
    plan: &Plan,
    spec: &RequestSpec,
    offset: u64,
    response: Response,
    mut heads: HeadSinks,
) -> Result<(), FetchError> {
    let Response {
        mut conn,
        mut buf,
        head,
    } = response;
    let framing = head
        .framing(&spec.method)
        .map_err(|e| FetchError::BadReply(e.to_string()))?;
    let keep = resumed_bytes(plan, offset, &head)?;
    let mut out = match (&plan.output, keep) {
        (Some(path), Keep::AlreadyComplete) => return Output::file(path, offset)?.commit(),
        (Some(path), Keep::Bytes(n)) => Output::file(path, n)?,
        (None, _) => Output::stdout(),
    };
    if let Some(included) = &heads.include {
        if let Err(e) = out.write_all(included) {
            return Err(out
                .take_failure()
                .unwrap_or_else(|| output::stdout_error(&e)));
        }
    }
    let mut sink = decode::Decoder::new(out, head.get("content-encoding"), args.compressed)?;
    let total = match framing {
        head::Framing::Length(n) => Some(n),
        _ => None,
    };
    let to_terminal = plan.output.is_none() && std::io::stdout().is_terminal();
    let progress = Progress::new(!args.silent && !to_terminal, total);
    let mut body = body::BodyDecoder::new(framing);
    transfer::read_body(&mut conn, &mut buf, &mut body, &mut sink, &progress).await?;
    heads.show_trailers(body.trailers())?;
    progress.finish();
    let out = sink.finish()?;
    if let (Some((_, Some(total))), Some(len)) = (head.content_range(), out.file_len()) {
        if head.status == 206 && len != total {
            return Err(FetchError::Partial(format!(
                "the resumed file has {len} bytes, the server announced {total}"
            )));
        }
    }
    out.commit()
}

/// How much of the `.part` file the response continues.
enum Keep {
    /// Append after this many bytes (0: start over).
    Bytes(u64),
    /// A 416 says the local copy already is the whole file.
    AlreadyComplete,
}

fn resumed_bytes(plan: &Plan, offset: u64, head: &Head) -> Result<Keep, FetchError> {
    if offset == 0 || plan.output.is_none() {
        return Ok(Keep::Bytes(0));
    }
    match head.status {
        206 => match head.content_range() {
            Some((start, _)) if start == offset => Ok(Keep::Bytes(offset)),
            _ => Err(FetchError::Range(format!(
                "asked for bytes from {offset}, the server sent Content-Range {:?}",
                head.get("content-range").unwrap_or("")
            ))),
        },
        416 if head.unsatisfied_range_total() == Some(offset) => Ok(Keep::AlreadyComplete),
        // The server ignored the Range header: start over from zero.
        200..=299 => Ok(Keep::Bytes(0)),
        status => Err(FetchError::Range(format!(
            "the server answered {status} to the request for bytes from {offset}"
        ))),
    }
}
