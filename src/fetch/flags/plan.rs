//! Owns [`FetchPlan`]: everything one fetch needs, checked and resolved from the flags before
//! any network traffic.
//!
//! The flags ([`FetchArgs`]) stop here: every later layer reads the plan alone, and the
//! layers below the story take only their own plain settings from it (`ConnectPlan` is
//! conn's, `HeadPlan` output's, `ContinueAt` the file's), so each setting has one source of
//! truth (`--compressed`, for one, lives only in the request
//! spec, which both asks for the encodings and decides whether to decode them).

use super::args::FetchArgs;
use super::file_arg;
use super::glob::Glob;
use super::netrc;
use super::out_flags::OutPlan;
use super::payload;
use super::protocols::Protocols;
use super::targets::OutputFlag;
use super::url_query;
use crate::fetch::conn::connect::Family;
use crate::fetch::conn::dial::{ConnectPlan, HttpVersions};
use crate::fetch::conn::proxy::{Proxies, ProxyFlags};
use crate::fetch::error::{describe, FetchError};
use crate::fetch::http::digest::{AuthMode, DigestState};
use crate::fetch::http::redirect::KeepPost;
use crate::fetch::http::request::{self, HeaderEdit, Payload, RequestSpec};
use crate::fetch::http::target::{self, Typed};
use crate::fetch::http::time_cond::TimeCond;
use crate::fetch::output::alt_svc::AltSvcCache;
use crate::fetch::output::checksum::Checksum;
use crate::fetch::output::cookies::Cookies;
use crate::fetch::output::file::{self, ContinueAt};
use crate::fetch::output::heads::HeadPlan;
use crate::fetch::output::hsts::HstsCache;
use crate::fetch::pace::Pace;
use crate::fetch::retry::RetryPlan;
use crate::net::tls::TlsOptions;
use percent_encoding::percent_decode_str;
use std::path::{Path, PathBuf};
use std::time::Duration;
use url::Url;

/// How long connecting may take without `--connect-timeout`: curl's default.
pub const DEFAULT_CONNECT_TIMEOUT: Duration = Duration::from_secs(300);

/// What one URL's fetch does, resolved from the flags.
#[derive(Debug, Clone)]
pub struct FetchPlan {
    /// The URL asked for.
    pub url: Url,
    /// The URL exactly as given (after globbing), for `-w`'s `%{url}`.
    pub given: String,
    /// Which of the run's URLs this is, from 0 (`%{urlnum}`).
    pub urlnum: usize,
    /// The request to send (changes along a redirect chain).
    pub request: RequestSpec,
    /// The file the body goes to; None for stdout.
    pub output: Option<PathBuf>,
    /// Where `-C` resumes.
    pub resume: Option<ContinueAt>,
    /// Keep `FILE.part` after a failure (for `-C -`); off with `--no-keep-partial`.
    pub keep_partial: bool,
    /// How to reach the server: the same for every URL of a command line, so shared (a
    /// copy a URL was 1 KB and more of every `-Z` run's memory).
    pub connect: std::sync::Arc<ConnectPlan>,
    /// `-L`: how many redirects to follow; None when redirects are not followed.
    pub max_redirects: Option<u32>,
    /// `-R`: the file takes the server's `Last-Modified` time.
    pub remote_time: bool,
    /// `--no-clobber`: the file never replaces one; a numbered name is used instead.
    pub no_clobber: bool,
    /// `--proto`: the schemes the URL may have.
    pub protocols: Protocols,
    /// `--proto-redir` within `--proto`: the schemes a redirect may lead to.
    pub redirect_protocols: Protocols,
    /// `--location-trusted`: credentials and cookies follow redirects to other origins.
    pub location_trusted: bool,
    /// `--post301`/`--post302`/`--post303`: the redirects that keep a POST a POST.
    pub keep_post: KeepPost,
    /// `-f`: a status of 400 or more fails without writing the body.
    pub fail: bool,
    /// `--fail-with-body`: a status of 400 or more fails after the body is written.
    pub fail_with_body: bool,
    /// `--etag-save`: where the final response's ETag is written.
    pub etag_save: Option<std::path::PathBuf>,
    /// `-z`: the time condition a delivered document must meet.
    pub time_cond: Option<TimeCond>,
    /// Where response heads are shown.
    pub heads: HeadPlan,
    /// Show a progress bar on a terminal (not with `-s`).
    pub progress: bool,
    /// `--expect100-timeout`: how long an upload waits for `100 Continue`.
    pub expect_wait: Duration,
    /// `-m`: the bound on the whole transfer.
    pub max_time: Option<Duration>,
    /// `--max-filesize`: the most body bytes written.
    pub max_filesize: Option<u64>,
    /// The proxies, chosen from `-x`, `-U`, `--noproxy` and the environment.
    pub proxies: Proxies,
    /// `--limit-rate`: the most body bytes per second.
    pub limit_rate: Option<u64>,
    /// `--retry` and its kin.
    pub retry: RetryPlan,
    /// `-v`: trace the exchange on stderr.
    pub verbose: bool,
    /// `-w`: the report printed at the end (the format itself, `@FILE` already read).
    pub write_out: Option<String>,
    /// `--segments`: how many ranged connections one download may use.
    pub segments: u16,
    /// `--checksum`: the digest the body must have.
    pub checksum: Option<Checksum>,
    /// `--create-dirs`: the output's missing directories are made (mode 0750, as curl).
    pub create_dirs: bool,
    /// The cookie engine all the run's URLs share (`-b`, `-c`), if on.
    pub cookies: Option<std::sync::Arc<Cookies>>,
    /// `--alt-svc`: the alt-svc cache all the run's URLs share.
    pub alt_svc: Option<std::sync::Arc<AltSvcCache>>,
    /// `--hsts`: the HSTS cache all the run's URLs share.
    pub hsts: Option<std::sync::Arc<HstsCache>>,
    /// `--basic`, `--digest` or `--anyauth`.
    pub auth: AuthMode,
    /// The Digest challenge in use, shared by the run's URLs so its nonce is used again.
    pub digest: std::sync::Arc<std::sync::Mutex<Option<DigestState>>>,
    /// `-Y`, `-y`, `--rate`, `--parallel-immediate`.
    pub pace: Pace,
    /// What the output flags of `out_flags.rs` (`-J` ...) come to.
    pub out: OutPlan,
}

impl FetchPlan {
    /// Resolves and checks the flags: one plan per URL (after globbing), in order. A URL
    /// that does not glob or parse ends the list there, as curl stops at it after fetching
    /// the URLs before it: the plans so far come with that error.
    pub fn for_each_url(args: &FetchArgs) -> Result<Planned, FetchError> {
        if args.targets.urls.is_empty() {
            return Err(FetchError::Usage("no URL given".into()));
        }
        args.out
            .check(args.include || args.head, args.continue_at.is_some())?;
        let (targets, mut stopped) = expand_globs(args);
        if args.checksum.is_some() && targets.len() > 1 {
            return Err(FetchError::Usage(
                "--checksum names one body's digest: give one URL with it".into(),
            ));
        }
        // Read once: `-d @-` and `-w @-` consume stdin.
        let (mut request, query) = request_spec(args)?;
        let time_cond = args.time_cond.condition(args.silent);
        // -z's header goes before the -H lines (after the cookies), as curl 7.88 sends it.
        request.edits.splice(0..0, time_cond.map(|c| c.header()));
        request.keep_alive = true;
        let cookies = args.cookies.engine()?;
        let alt_svc = args.h3.alt_svc_cache()?;
        let hsts = args.hsts.cache(!args.silent);
        request.cookie_text = cookies.as_ref().and_then(|c| c.text.clone());
        // curl adds the schemes up: --digest with --basic asks first, as --anyauth does.
        let auth = if args.anyauth || args.digest && args.basic {
            AuthMode::Any
        } else if args.digest {
            AuthMode::Digest
        } else {
            AuthMode::Basic
        };
        // curl adds Bearer to the schemes --basic, --digest or --anyauth name: more than one
        // scheme means a first request without credentials, then the server's 401 picks.
        request.bearer_waits =
            request.bearer.is_some() && (args.basic || args.digest || args.anyauth);
        // --aws-sigv4 signs in place of Basic, as curl sends one or the other.
        request.basic =
            auth == AuthMode::Basic && request.aws_sigv4.is_none() && !request.bearer_waits;
        let digest = std::sync::Arc::default();
        let write_out = args
            .write_out
            .as_deref()
            .map(write_out_format)
            .transpose()?;
        let url_query = match args.get {
            true => None,
            false => url_query::query(&args.url_query)?,
        };
        let scheme = args.wire.default_scheme()?;
        let mut plans: Vec<FetchPlan> = Vec::with_capacity(targets.len());
        for target in targets {
            let parsed = parse_url_with(&target.url, &scheme);
            let url = match parsed.and_then(|url| allowed_login(args, url)) {
                Ok(url) => url,
                Err(e) => {
                    stopped = Some(e);
                    break;
                }
            };
            let mut url = payload::upload_url(url, args.upload_file.as_ref());
            let mut typed = with_scheme(&target.url, &scheme);
            for query in [&query, &url_query].into_iter().flatten() {
                append_query(&mut url, query);
                typed = append_typed_query(&typed, query);
            }
            let remote = matches!(target.output, Some(OutputFlag::Remote));
            let output = match target.output {
                Some(OutputFlag::File(path)) if path.as_os_str() == "-" => None,
                Some(OutputFlag::File(path)) => {
                    Some(file::resolve_link(&in_output_dir(args, &path)))
                }
                Some(OutputFlag::Remote) => {
                    let name = file::remote_name(url.path());
                    Some(file::resolve_link(&in_output_dir(args, &name)))
                }
                None => None,
            };
            let mut plan = match plans.first() {
                Some(first) => first.again(args, &request, url, output)?,
                None => Self::build(args, request.clone(), write_out.clone(), url, output)?,
            };
            let as_is = args.wire.path_as_is;
            plan.request.typed = Some(Typed::new(&typed, &plan.url, as_is));
            plan.given = target.url.clone();
            plan.urlnum = target.urlnum;
            plan.cookies = cookies.clone();
            plan.alt_svc = alt_svc.clone();
            plan.hsts = hsts.clone();
            plan.auth = auth;
            plan.time_cond = time_cond;
            plan.digest = std::sync::Arc::clone(&digest);
            plan.out = args.out.plan(remote, args.output_dir.as_ref());
            plans.push(plan);
        }
        Ok(Planned { plans, stopped })
    }

    /// The plan for another URL of the same command line, `url` into `output`, from `self`
    /// (the first URL's): what depends on the URL (its netrc login, whether `-i` styles the
    /// heads, what its proxy asked for) is made anew, the rest is the same for every URL and
    /// copied.
    /// Building it all anew (TLS options, proxies and DNS from the environment, routes)
    /// cost `-Z` with 500 URLs a twentieth of its CPU.
    fn again(
        &self,
        args: &FetchArgs,
        request: &RequestSpec,
        url: Url,
        output: Option<PathBuf>,
    ) -> Result<Self, FetchError> {
        let mut plan = self.clone();
        plan.request = request.clone();
        if plan.request.user.is_none() {
            plan.request.user = netrc_user(args, &url)?;
        }
        plan.request.proxy_edits = self.request.proxy_edits.clone();
        plan.proxies.auth = self.proxies.auth.fresh();
        plan.heads.styled = Self::styled(args, output.as_deref());
        plan.given = url.to_string();
        plan.url = url;
        plan.output = output;
        Ok(plan)
    }

    /// Whether `-i` styles the heads: they go where the body goes, styled only on stdout.
    fn styled(args: &FetchArgs, output: Option<&Path>) -> bool {
        (args.include || args.head) && output.is_none() && args.heads.styled()
    }

    /// The plan for `url` into `output`, with the request and `-w` format all URLs share.
    fn build(
        args: &FetchArgs,
        mut request: RequestSpec,
        write_out: Option<String>,
        url: Url,
        output: Option<PathBuf>,
    ) -> Result<Self, FetchError> {
        if request.user.is_none() {
            request.user = netrc_user(args, &url)?;
        }
        let include = args.include || args.head;
        let shorthand = args.route.proxy_shorthand();
        let connect_head = args.route.connect_head(&request.user_agent)?;
        request.proxy_edits = connect_head.headers.clone();
        let dump_stdout = args.dump_header.as_deref() == Some("-".as_ref());
        let protocols = match &args.proto {
            Some(spec) => Protocols::parse("proto", spec)?,
            None => Protocols::default(),
        };
        let redirect_protocols = match &args.proto_redir {
            Some(spec) => Protocols::parse("proto-redir", spec)?,
            None => Protocols::default(),
        };
        let tls = args.tls.origin(
            TlsOptions {
                cacert: args.cacert.clone(),
                insecure: args.insecure,
                identity: args.route.client_cert(),
                ..TlsOptions::default()
            },
            |name| std::env::var_os(name),
        );
        // After the origin's TLS: DoH trusts what the origin does (--cacert, --capath, ...).
        let names = args.dns.names(&tls)?;
        Ok(FetchPlan {
            request,
            heads: HeadPlan {
                stdout: dump_stdout,
                dump: args.dump_header.clone().filter(|_| !dump_stdout),
                include,
                warn: !args.silent,
                styled: Self::styled(args, output.as_deref()),
                suppress_connect: args.heads.suppress_connect_headers,
            },
            given: url.to_string(),
            url,
            urlnum: 0,
            output,
            resume: args.continue_at,
            keep_partial: !args.no_keep_partial,
            connect: std::sync::Arc::new(ConnectPlan {
                family: match (args.ipv4, args.ipv6) {
                    (true, _) => Family::V4,
                    (_, true) => Family::V6,
                    _ => Family::Any,
                },
                // 0 means no limit, as in curl.
                timeout: match args.connect_timeout {
                    Some(limit) if limit.is_zero() => None,
                    Some(limit) => Some(limit),
                    None => Some(DEFAULT_CONNECT_TIMEOUT),
                },
                tls,
                warn: !args.silent,
                routes: args.route.routes()?,
                unix: args.route.unix(),
                proxytunnel: args.route.proxytunnel,
                proxy_tls: args.route.proxy_tls.options(&args.tls),
                connect_head,
                versions: http_versions(args),
                quic: args.h3.quic_mode()?,
                haproxy_protocol: args.route.haproxy_protocol,
                sockets: args.sockets.sockets(),
                names,
            }),
            max_redirects: (args.location || args.location_trusted).then_some(args.max_redirs),
            protocols,
            redirect_protocols: protocols.and(redirect_protocols),
            remote_time: args.remote_time,
            no_clobber: args.no_clobber,
            location_trusted: args.location_trusted,
            keep_post: KeepPost {
                on301: args.post301,
                on302: args.post302,
                on303: args.post303,
            },
            fail: args.fail,
            fail_with_body: args.fail_with_body,
            etag_save: args.etag.etag_save.clone(),
            time_cond: None,
            progress: !args.silent && !args.no_progress_meter,
            expect_wait: args.expect100_timeout,
            max_time: args.max_time.filter(|limit| !limit.is_zero()),
            max_filesize: args.max_filesize,
            proxies: Proxies::choose(
                &ProxyFlags {
                    proxy: shorthand.as_deref().or(args.proxy.as_deref()),
                    user: args.proxy_user.as_deref(),
                    noproxy: args.noproxy.as_deref(),
                    preproxy: args.route.preproxy.as_deref(),
                    auth: args.route.proxy_auth(),
                },
                |name| std::env::var(name).ok(),
            )?,
            limit_rate: args.limit_rate,
            retry: RetryPlan {
                count: args.retry,
                // 0 means the backoff, as in curl.
                delay: args.retry_delay.filter(|d| !d.is_zero()),
                max_time: args.retry_max_time.filter(|d| !d.is_zero()),
                connrefused: args.retry_connrefused,
                all_errors: args.retry_all_errors,
            },
            verbose: args.verbose,
            write_out,
            segments: args.segments,
            checksum: args.checksum.clone(),
            create_dirs: args.create_dirs,
            cookies: None,
            alt_svc: None,
            hsts: None,
            auth: AuthMode::Basic,
            digest: std::sync::Arc::default(),
            pace: args.pace.pace(),
            out: OutPlan::default(),
        })
    }
}

/// `-n`, `--netrc-optional`, `--netrc-file`: the netrc file's credentials for `url`'s host,
/// as `-u` would give them (so they follow the same rule: never sent to another origin after
/// a redirect unless --location-trusted); none without those flags, with `-u`, or where the
/// file has no entry for the host (a missing file is no error, as in curl).
///
/// Where the URL names a login the file has no password for, curl 7.88 sends the password of
/// the file's other login for the host; sockit sends the URL's own password (or none) instead.
fn netrc_user(args: &FetchArgs, url: &Url) -> Result<Option<String>, FetchError> {
    if !(args.netrc || args.netrc_optional || args.netrc_file.is_some()) || args.user.is_some() {
        return Ok(None);
    }
    let decode = |s: &str| percent_decode_str(s).decode_utf8_lossy().into_owned();
    let url_user = decode(url.username());
    let url_password = url.password().map(decode);
    if args.netrc_optional && (!url_user.is_empty() || url_password.is_some()) {
        return Ok(None);
    }
    let path = match &args.netrc_file {
        Some(path) => path.clone(),
        None => match std::env::var_os("HOME") {
            Some(home) => PathBuf::from(home).join(".netrc"),
            None => return Ok(None),
        },
    };
    let read_error = |reason: String| FetchError::Read {
        path: path.display().to_string(),
        reason,
    };
    let text = match read_limited(&path, netrc::MAX_FILE) {
        Ok(text) => text,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
        Err(e) => return Err(read_error(describe(&e))),
    };
    let host = match url.host() {
        Some(url::Host::Ipv6(addr)) => addr.to_string(),
        _ => url.host_str().unwrap_or_default().to_owned(),
    };
    let named = (!url_user.is_empty()).then_some(url_user.as_str());
    let entry = netrc::lookup(&text, &host, named).map_err(|e| read_error(e.to_string()))?;
    Ok(entry.map(|entry| {
        let login = entry.login.unwrap_or(url_user);
        let password = entry.password.or(url_password).unwrap_or_default();
        format!("{login}:{password}")
    }))
}

/// A text file's contents, or one byte past `limit` of them (enough to tell it is too large).
fn read_limited(path: &std::path::Path, limit: usize) -> std::io::Result<String> {
    use std::io::Read;
    let mut text = String::new();
    std::fs::File::open(path)?
        .take(limit as u64 + 1)
        .read_to_string(&mut text)?;
    Ok(text)
}

/// `--output-dir DIR`: `path` inside DIR, joined as curl joins them (`DIR/PATH`, so an
/// absolute `-o` lands inside DIR too).
fn in_output_dir(args: &FetchArgs, path: &Path) -> PathBuf {
    match &args.output_dir {
        Some(dir) => {
            let mut joined = dir.clone().into_os_string();
            joined.push("/");
            joined.push(path);
            PathBuf::from(joined)
        }
        None => path.to_path_buf(),
    }
}

/// `-G`'s data or `--url-query`'s pieces after the URL's query (`?` or `&` first, as curl
/// joins them).
fn append_query(url: &mut Url, data: &str) {
    let query = match url.query() {
        Some(q) if !q.is_empty() => format!("{q}&{data}"),
        _ => data.to_owned(),
    };
    url.set_query(Some(&query));
}

/// `typed` (a URL as typed) with `data` added to its query as [`append_query`] adds it,
/// the bytes as given: curl sends `-G`'s data raw.
fn append_typed_query(typed: &str, data: &str) -> String {
    let (before, fragment) = match typed.find('#') {
        Some(at) => typed.split_at(at),
        None => (typed, ""),
    };
    let joined = match before.split_once('?') {
        Some((_, query)) if !query.is_empty() => format!("{before}&{data}"),
        Some((start, _)) => format!("{start}?{data}"),
        None => format!("{before}?{data}"),
    };
    joined + fragment
}

/// `-I` or `--no-head`: a request mode that carries no body, which curl 7.88 will not
/// combine with one ("You can only select one HTTP request method!").
fn head_mode(args: &FetchArgs) -> Option<&'static str> {
    match (args.head, args.negations.no_head) {
        (true, _) => Some("-I/--head (HEAD)"),
        (false, true) => Some("--no-head (GET)"),
        (false, false) => None,
    }
}

/// The request from `-X`, `-I`, `-d`, `-G`, `-A`, `-H` and `--compressed`, and with `-G`
/// the data for every URL's query instead of a body.
fn request_spec(args: &FetchArgs) -> Result<(RequestSpec, Option<String>), FetchError> {
    let mut body = payload::payload(args)?;
    let query = match body.take() {
        Some(Payload::Bytes { data, .. }) if args.get => {
            Some(String::from_utf8_lossy(&data).into_owned())
        }
        other => {
            body = other;
            None
        }
    };
    if let (Some(mode), Some(_)) = (head_mode(args), &body) {
        return Err(FetchError::Usage(format!(
            "{mode} sends no body, but -d, --json, -F or -T gives one (curl refuses the pair \
             too)"
        )));
    }
    let method = match (&args.method, args.head, &body) {
        // Methods are case-sensitive (RFC 9110 9.1): sent as typed, as curl does.
        (Some(m), _, _) => m.clone(),
        (None, true, _) => "HEAD".into(),
        (None, false, Some(_)) if args.upload_file.is_some() => "PUT".into(),
        (None, false, Some(_)) => "POST".into(),
        (None, false, None) => "GET".into(),
    };
    if !request::valid_method(&method) {
        return Err(FetchError::Usage(format!(
            "{method:?} is not a valid method"
        )));
    }
    for (flag, value) in [
        ("user agent", &args.user_agent),
        ("referer", &args.referer),
        ("--oauth2-bearer token", &args.oauth2_bearer),
        ("--request-target", &args.request_target),
    ] {
        if let Some(text) = value.as_deref().filter(|t| t.contains(['\r', '\n'])) {
            return Err(FetchError::Usage(format!(
                "{flag} {text:?} contains a line break"
            )));
        }
    }
    let range = args.range.clone();
    if let Some(r) = range.as_deref().filter(|r| !valid_range(r)) {
        return Err(FetchError::Usage(format!(
            "{r:?} is not a byte range (e.g. 0-499, 500-, -500, 0-1,5-9)"
        )));
    }
    let mut headers = header_lines(&args.headers)?;
    let mut edits = headers
        .iter()
        .map(|line| HeaderEdit::parse(line))
        .collect::<Result<Vec<_>, _>>()?;
    if let Some(etag) = args.etag.if_none_match()? {
        // curl adds it to the -H lines, and so signs it with --aws-sigv4 (-z's it does not).
        if let HeaderEdit::Send { line, .. } = &etag {
            headers.push(line.clone());
        }
        edits.push(etag);
    }
    let post_fields = match &body {
        Some(Payload::Bytes { data, .. }) => Some(data.as_slice()),
        _ => None,
    };
    let aws_sigv4 = args
        .sigv4
        .setting(&headers, post_fields, !args.data.json.is_empty());
    let spec = RequestSpec {
        method,
        body,
        referer: args.referer.clone(),
        range,
        accept_json: !args.data.json.is_empty(),
        if_range: None,
        via_proxy: None,
        keep_alive: false,
        user_agent: args
            .user_agent
            .clone()
            .unwrap_or_else(|| concat!("sockit/", env!("CARGO_PKG_VERSION")).into()),
        compressed: args.compressed,
        http10: args.http10,
        head_only: args.head,
        edits,
        proxy_edits: Vec::new(),
        user: args.user.clone(),
        bearer: args.oauth2_bearer.clone(),
        bearer_waits: false,
        basic: true,
        authorization: None,
        probe: false,
        target: args.request_target.clone(),
        typed: None,
        http09: args.wire.http09,
        raw: args.wire.raw,
        ignore_content_length: args.wire.ignore_content_length,
        tr_encoding: args.wire.tr_encoding,
        withheld: Vec::new(),
        cookie_text: None,
        jar_cookies: None,
        aws_sigv4,
        h2c_upgrade: args.http2,
    };
    Ok((spec, query))
}

/// The `-H` flags' lines in order, `-H @FILE` standing for FILE's lines (`@-`: stdin's), one
/// header each, as curl reads them.
fn header_lines(flags: &[String]) -> Result<Vec<String>, FetchError> {
    let mut lines = Vec::with_capacity(flags.len());
    for flag in flags {
        let Some(path) = flag.strip_prefix('@') else {
            lines.push(flag.clone());
            continue;
        };
        let bytes = file_arg::read_all(path)?;
        for line in String::from_utf8_lossy(&bytes).lines() {
            let line = line.trim_end_matches('\r');
            if !line.trim().is_empty() {
                lines.push(line.to_string());
            }
        }
    }
    Ok(lines)
}

/// Parses the URL as curl does: `scheme://` (`--proto-default`'s, else http) when no
/// scheme is given, `http:/host` with one slash repaired; only http and https.
pub(crate) fn parse_url_with(text: &str, scheme: &str) -> Result<Url, FetchError> {
    if let Some(byte) = target::refused_byte(text) {
        return Err(FetchError::BadUrl {
            url: text.to_string(),
            reason: match byte {
                b' ' => "a space in it (curl refuses one too: write it as %20)".into(),
                _ => format!("control character {byte:#04x} in it (curl refuses it too)"),
            },
        });
    }
    let url = Url::parse(&with_scheme(text, scheme)).map_err(|e| FetchError::BadUrl {
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

/// The URL as typed, with `scheme://` when it names no scheme.
fn with_scheme(text: &str, scheme: &str) -> String {
    let lower = text.get(..6).unwrap_or(text).to_ascii_lowercase();
    if text.contains("://") || lower.starts_with("http:") || lower == "https:" {
        text.to_string()
    } else {
        format!("{scheme}://{text}")
    }
}

/// The plans of a run, and the error of the URL that ended the list early, if one did.
pub struct Planned {
    /// One plan per URL to fetch, in order.
    pub plans: Vec<FetchPlan>,
    /// The malformed URL (or glob) curl would stop at, after fetching the plans before it.
    pub stopped: Option<FetchError>,
}

/// `url`, unless it names a user and `--disallow-username-in-url` forbids that (curl's 67).
fn allowed_login(args: &FetchArgs, url: Url) -> Result<Url, FetchError> {
    if args.disallow_username_in_url && !url.username().is_empty() {
        return Err(FetchError::LoginDenied(
            url.host_str().unwrap_or_default().into(),
        ));
    }
    Ok(url)
}

/// One URL to fetch after globbing, with its output flag (`#N` filled in) and the index of
/// the URL it came from, which is its `%{urlnum}` (curl numbers a glob's URLs alike).
struct Target {
    url: String,
    output: Option<OutputFlag>,
    urlnum: usize,
}

/// The most URLs one run's globs may expand to: each is a plan held in memory, so a typo
/// such as `[1-1000000000]` is refused up front instead of filling it.
const MAX_GLOBBED: u64 = 100_000;

/// Each typed URL's glob expansion (none with `-g`), in curl's order, up to the first URL
/// whose glob is malformed or that would take the run past [`MAX_GLOBBED`]: the targets
/// before it, and its error.
fn expand_globs(args: &FetchArgs) -> (Vec<Target>, Option<FetchError>) {
    let mut targets = Vec::new();
    for (urlnum, (text, flag)) in args.targets.pairs().enumerate() {
        if args.globoff {
            targets.push(Target {
                url: text.to_string(),
                output: flag.cloned(),
                urlnum,
            });
            continue;
        }
        let glob = match Glob::parse(text) {
            Ok(glob) => glob,
            Err(e) => return (targets, Some(FetchError::Glob(e.to_string()))),
        };
        let total = targets.len() as u64 + glob.count();
        if total > MAX_GLOBBED {
            let e = FetchError::Usage(format!(
                "the URLs' globs expand to {total} URLs or more, beyond the {MAX_GLOBBED} \
                 sockit fetches in one run: split the ranges, or -g to take [ ] {{ }} literally"
            ));
            return (targets, Some(e));
        }
        for index in 0..glob.count() {
            let expanded = glob.nth(index);
            let output = match flag {
                Some(OutputFlag::File(path)) => Some(OutputFlag::File(
                    expanded.name(&path.to_string_lossy()).into(),
                )),
                other => other.cloned(),
            };
            targets.push(Target {
                url: expanded.url,
                output,
                urlnum,
            });
        }
    }
    (targets, None)
}

/// `-w FORMAT`, or `-w @FILE` (`@-`: stdin) holding the format, its line breaks dropped as
/// curl drops them (`\n` in the format writes one).
fn write_out_format(text: &str) -> Result<String, FetchError> {
    let Some(path) = text.strip_prefix('@') else {
        return Ok(text.to_string());
    };
    let mut bytes = file_arg::read_all(path)?;
    bytes.retain(|&b| b != b'\r' && b != b'\n');
    Ok(String::from_utf8_lossy(&bytes).into_owned())
}

/// `-r`'s ranges: `FIRST-LAST`, `FIRST-` or `-SUFFIX`, comma-separated, digits only.
fn valid_range(text: &str) -> bool {
    text.split(',').all(|r| match r.split_once('-') {
        Some((a, b)) => {
            let digits = |s: &str| s.bytes().all(|c| c.is_ascii_digit());
            !(a.is_empty() && b.is_empty()) && digits(a) && digits(b)
        }
        None => false,
    })
}

/// Which HTTP versions the flags allow (the last of `-0`, `--http1.1`, `--http2` and
/// `--http2-prior-knowledge` given wins: clap sees to that).
fn http_versions(args: &FetchArgs) -> HttpVersions {
    if args.http2_prior_knowledge {
        HttpVersions::Http2PriorKnowledge
    } else if args.http10 || args.http11 {
        HttpVersions::Http1
    } else {
        HttpVersions::Http2OverTls
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// `-G`'s data joins the typed query as [`append_query`] joins the parsed one, the
    /// fragment kept last.
    #[test]
    fn typed_queries_grow_as_parsed_ones() {
        assert_eq!(append_typed_query("http://h/a", "x=\""), "http://h/a?x=\"");
        assert_eq!(append_typed_query("http://h/a?", "x"), "http://h/a?x");
        assert_eq!(
            append_typed_query("http://h/a?q#f", "x"),
            "http://h/a?q&x#f"
        );
        assert_eq!(append_typed_query("http://h/#f?g", "x"), "http://h/?x#f?g");
    }
}
