//! Defines `sockit fetch`'s flags: curl's spellings, `///` docs are the `--help` text.

use super::cookie_flags::CookieFlags;
use super::data_args::DataFlags;
use super::dns_args::DnsFlags;
use super::etag_flags::EtagFlags;
use super::form_flags::FormFlags;
use super::h3_flags::H3Flags;
use super::head_flags::HeadFlags;
use super::headings::{BEYOND, CONNECTION, MANY, OUTPUT, PROXY, REQUEST, RETRY, TLS};
use super::hsts_flag::HstsFlags;
use super::negations::Negations;
use super::out_flags::OutFlags;
use super::pace_args::PaceFlags;
use super::route_args::RouteFlags;
use super::sigv4_flag::SigV4Flags;
use super::socket_args::SocketFlags;
use super::targets::Targets;
use super::time_cond_flag::TimeCondFlags;
use super::tls_flags::TlsFlags;
use super::wire_flags::WireFlags;
use crate::fetch::output::checksum::Checksum;
use crate::fetch::output::file::ContinueAt;
use clap::Args;
use std::path::PathBuf;
use std::str::FromStr;
use std::time::Duration;

/// Download URLs over HTTP/1.1 or HTTPS, with curl's flags and exit codes.
///
/// The body goes to stdout, or with -o/-O to a file through FILE.part, renamed to FILE only
/// when the whole body arrived: a failed download never leaves a partial file under FILE.
///
/// Any flag may be given again, as curl allows (an alias plus the same flag typed by hand,
/// or a config file and the command line): a value flag takes the last value. Every switch
/// has curl's `--no-` form (`--no-include`, `--no-location`; `--progress-meter` for
/// `--no-progress-meter`), and the last of the two wins.
#[derive(Debug, Clone, Args)]
#[command(args_override_self = true, disable_version_flag = true)]
pub struct FetchArgs {
    /// The URLs and where each body goes.
    #[command(flatten)]
    pub targets: Targets,

    /// Include the response head in the output, before the body.
    #[arg(help_heading = OUTPUT, short = 'i', long = "include")]
    pub include: bool,

    /// Send HEAD and print only the response head (also with -s).
    #[arg(help_heading = OUTPUT, short = 'I', long = "head")]
    pub head: bool,

    /// Put -o and -O files in DIR.
    ///
    /// Joined as curl joins them, `DIR/FILE`, an absolute -o included.
    #[arg(help_heading = OUTPUT, long = "output-dir", value_name = "DIR")]
    pub output_dir: Option<PathBuf>,

    /// Give the -o/-O file the server's Last-Modified time.
    #[arg(help_heading = OUTPUT, short = 'R', long = "remote-time")]
    pub remote_time: bool,

    /// Never replace a file: save as FILE.1, FILE.2 ... instead.
    ///
    /// As curl names them, up to FILE.100 (then exit 23); %{filename_effective} says which.
    /// A name is taken only once the body is complete, and never over a file that appeared
    /// meanwhile.
    #[arg(help_heading = OUTPUT, long = "no-clobber")]
    pub no_clobber: bool,

    /// Make the output's missing directories (mode 0750, as curl).
    #[arg(help_heading = OUTPUT, long = "create-dirs")]
    pub create_dirs: bool,

    /// Write the response head(s) to FILE (`-` for stdout).
    #[arg(help_heading = OUTPUT, short = 'D', long = "dump-header", value_name = "FILE")]
    pub dump_header: Option<PathBuf>,

    /// Add a request header, `Name: value` (repeatable).
    ///
    /// Sent as typed, after the built-in headers, leaving out any built-in of that name.
    /// `Name:` removes a header, `Name;` sends it empty, `@FILE` reads one header per line.
    #[arg(help_heading = REQUEST, short = 'H', long = "header", value_name = "HEADER")]
    pub headers: Vec<String>,

    /// Send USER:PASSWORD as Basic credentials.
    ///
    /// No `:PASSWORD`: an empty password (sockit never prompts). Sent to the first origin
    /// only unless --location-trusted.
    #[arg(help_heading = REQUEST, short = 'u', long = "user", value_name = "USER:PASSWORD")]
    pub user: Option<String>,

    /// Refuse a URL that names a user (`http://user@host/`): exit 67.
    #[arg(help_heading = REQUEST, long = "disallow-username-in-url")]
    pub disallow_username_in_url: bool,

    /// Send TARGET in the request line instead of the URL's path.
    ///
    /// As typed, e.g. `*` for `OPTIONS *`; the URL still picks the host.
    #[arg(help_heading = REQUEST, long = "request-target", value_name = "TARGET")]
    pub request_target: Option<String>,

    /// Send TOKEN as `Authorization: Bearer TOKEN` (instead of -u).
    ///
    /// Sent to the first origin only unless --location-trusted, as -u.
    #[arg(help_heading = REQUEST, long = "oauth2-bearer", value_name = "TOKEN")]
    pub oauth2_bearer: Option<String>,

    /// Send -u's credentials as Basic (the default).
    ///
    /// With --digest: either, as the server offers.
    #[arg(help_heading = REQUEST, long = "basic")]
    pub basic: bool,

    /// Send -u's credentials with Digest (MD5, SHA-256), when challenged.
    ///
    /// The first request goes without credentials; a 401 with a Digest challenge is answered
    /// once (again when the server says the nonce is stale). The nonce is used again,
    /// `nc` counting up, for the run's later requests to the same origin.
    #[arg(help_heading = REQUEST, long = "digest")]
    pub digest: bool,

    /// Ask first, then use the strongest scheme offered.
    ///
    /// Digest before Basic.
    #[arg(help_heading = REQUEST, long = "anyauth")]
    pub anyauth: bool,

    /// `--aws-sigv4`.
    #[command(flatten)]
    pub sigv4: SigV4Flags,

    /// Take the login and password for the URL's host from ~/.netrc.
    ///
    /// As curl: credentials the file gives win over the URL's; a missing file gives none.
    /// Sent to that host only, never to another after a redirect.
    #[arg(help_heading = REQUEST, short = 'n', long = "netrc")]
    pub netrc: bool,

    /// As --netrc, but credentials in the URL win over the file's.
    #[arg(help_heading = REQUEST, long = "netrc-optional")]
    pub netrc_optional: bool,

    /// As --netrc, reading FILE instead of ~/.netrc.
    #[arg(help_heading = REQUEST, long = "netrc-file", value_name = "FILE")]
    pub netrc_file: Option<PathBuf>,

    /// The User-Agent header [default: sockit/VERSION].
    #[arg(help_heading = REQUEST, short = 'A', long = "user-agent", value_name = "NAME")]
    pub user_agent: Option<String>,

    /// The request method [default: GET, or POST with -d, HEAD with -I].
    #[arg(help_heading = REQUEST, short = 'X', long = "request", value_name = "METHOD")]
    pub method: Option<String>,

    /// The request data, in the order typed.
    #[command(flatten)]
    pub data: DataFlags,

    /// The multipart form parts, in the order typed.
    #[command(flatten)]
    pub form: FormFlags,

    /// The cookie engine's flags.
    #[command(flatten)]
    pub cookies: CookieFlags,

    /// The ETag cache's flags.
    #[command(flatten)]
    pub etag: EtagFlags,

    /// The time condition's flag.
    #[command(flatten)]
    pub time_cond: TimeCondFlags,

    /// Send the -d data in the URL's query, with GET (HEAD with -I).
    #[arg(help_heading = REQUEST, short = 'G', long = "get")]
    pub get: bool,

    /// Upload FILE with PUT, streamed from disk.
    ///
    /// `-` reads stdin first; a URL ending in / gets the file's name appended.
    #[arg(help_heading = REQUEST, short = 'T', long = "upload-file", value_name = "FILE", conflicts_with_all = ["data", "data_binary", "data_raw", "data_urlencode", "json"])]
    pub upload_file: Option<PathBuf>,

    /// Add DATA to the URL's query (repeatable).
    ///
    /// `[NAME]=CONTENT`, `[NAME]@FILE` or `+RAW`. The content is URL-encoded (lower-case hex, space as `+`) and the name sent as typed;
    /// after `+` the piece goes as it is. With -G, curl 7.88 drops these, and so does sockit.
    #[arg(help_heading = REQUEST, long = "url-query", value_name = "DATA", allow_hyphen_values = true)]
    pub url_query: Vec<String>,

    /// Permit only these protocols, e.g. `=https` or `all,-http`.
    ///
    /// curl's syntax, comma-separated, read left to right: `+NAME` permits (the default), `-NAME` denies,
    /// `=NAME` permits only NAME; `all` is every protocol. A URL whose scheme is left out
    /// fails with exit 1.
    #[arg(help_heading = REQUEST, long = "proto", value_name = "PROTOCOLS", allow_hyphen_values = true)]
    pub proto: Option<String>,

    /// As --proto, for the URLs -L follows (within what --proto permits).
    #[arg(help_heading = REQUEST, long = "proto-redir", value_name = "PROTOCOLS", allow_hyphen_values = true)]
    pub proto_redir: Option<String>,

    /// Take `{}` and `[]` in URLs literally instead of as globs.
    ///
    /// Without it, `{a,b}`, `[1-10]`, `[001-100:5]` and `[a-z]` expand to one URL each, as
    /// in curl, and `#N` in an -o name is the Nth glob's value.
    #[arg(help_heading = REQUEST, short = 'g', long = "globoff")]
    pub globoff: bool,

    /// Send the Referer header.
    #[arg(help_heading = REQUEST, short = 'e', long = "referer", value_name = "URL")]
    pub referer: Option<String>,

    /// Ask for only these bytes: `0-499`, `500-`, `-500` (the last 500).
    ///
    /// Several ranges may be given comma-separated; the server's 206 reply is written as it
    /// comes.
    #[arg(
        help_heading = REQUEST,
        short = 'r',
        long = "range",
        value_name = "RANGE",
        allow_hyphen_values = true,
        conflicts_with = "continue_at"
    )]
    pub range: Option<String>,

    /// Trace the exchange on stderr.
    ///
    /// `* ` what happens (resolving, connecting, TLS), `> ` the request head, `< ` the
    /// response heads.
    #[arg(help_heading = OUTPUT, short = 'v', long = "verbose")]
    pub verbose: bool,

    /// Write every byte sent and received to FILE, in hex and text.
    ///
    /// curl's format: `=> Send header`, `<= Recv data` blocks dumped 16 bytes a line, and
    /// `== Info:` lines; `-` is stdout, `%` stderr. The last of --trace and --trace-ascii
    /// wins.
    #[arg(help_heading = OUTPUT, long = "trace", value_name = "FILE", overrides_with = "trace_ascii")]
    pub trace: Option<PathBuf>,

    /// As --trace, in text only.
    ///
    /// 64 characters a line, a new line after each CRLF, as curl.
    #[arg(help_heading = OUTPUT, long = "trace-ascii", value_name = "FILE", overrides_with = "trace")]
    pub trace_ascii: Option<PathBuf>,

    /// Put the time of day (UTC) before each trace and -v line.
    #[arg(help_heading = OUTPUT, long = "trace-time")]
    pub trace_time: bool,

    /// Print FORMAT after the transfer, e.g. `%{http_code}\n`.
    ///
    /// Also after a failure. Every variable of curl 7.88: `%{http_code}`, `%{redirect_url}`,
    /// `%{url_effective}`, `%{url}`, `%{urlnum}`, `%{method}`, `%{scheme}`,
    /// `%{http_version}`, `%{content_type}`, `%{num_headers}`, `%{num_redirects}`,
    /// `%{num_connects}`, `%{size_download}`, `%{size_header}`, `%{size_request}`,
    /// `%{size_upload}`, `%{speed_download}`, `%{speed_upload}`, `%{time_namelookup}`,
    /// `%{time_connect}`, `%{time_appconnect}`, `%{time_pretransfer}`, `%{time_redirect}`,
    /// `%{time_starttransfer}`, `%{time_total}`, `%{local_ip}`, `%{local_port}`,
    /// `%{remote_ip}`, `%{remote_port}`, `%{referer}`, `%{filename_effective}`,
    /// `%{ssl_verify_result}`, `%{exitcode}`, `%{errormsg}`, `%header{NAME}`,
    /// `%{header_json}`, `%{json}` (all of them), `%{onerror}` (the rest only after a
    /// failure), `%{stderr}`/`%{stdout}` to switch streams, `\n`; `@FILE` reads FORMAT from
    /// FILE.
    #[arg(help_heading = OUTPUT, short = 'w', long = "write-out", value_name = "FORMAT")]
    pub write_out: Option<String>,

    /// Silent: no progress bar, no error messages.
    #[arg(help_heading = OUTPUT, short = 's', long = "silent")]
    pub silent: bool,

    /// Show the error message even with -s.
    #[arg(help_heading = OUTPUT, short = 'S', long = "show-error")]
    pub show_error: bool,

    /// Fail on HTTP status 400 and above: exit 22 and write no body.
    #[arg(help_heading = OUTPUT, short = 'f', long = "fail")]
    pub fail: bool,

    /// Like -f, but write the body first (exit 22 after it).
    #[arg(help_heading = OUTPUT, long = "fail-with-body", conflicts_with = "fail")]
    pub fail_with_body: bool,

    /// Follow redirects (301, 302, 303, 307, 308).
    #[arg(help_heading = REQUEST, short = 'L', long = "location")]
    pub location: bool,

    /// Like -L, and send credentials to the hosts redirected to as well.
    ///
    /// Without it -u, Authorization and Cookie go to the first origin only.
    #[arg(help_heading = REQUEST, long = "location-trusted")]
    pub location_trusted: bool,

    /// Keep a POST a POST when -L follows a 301 (curl turns it into a GET).
    #[arg(help_heading = REQUEST, long = "post301")]
    pub post301: bool,

    /// Keep a POST a POST when -L follows a 302.
    #[arg(help_heading = REQUEST, long = "post302")]
    pub post302: bool,

    /// Keep a POST a POST when -L follows a 303.
    #[arg(help_heading = REQUEST, long = "post303")]
    pub post303: bool,

    /// The most redirects -L follows (exit 47 beyond).
    ///
    /// A redirect to the same URL counts like any other, as in curl.
    #[arg(help_heading = REQUEST, long = "max-redirs", value_name = "N", default_value_t = 50)]
    pub max_redirs: u32,

    /// Resume at byte OFFSET, or with `-` where the download stopped.
    ///
    /// `-` resumes where the .part file (or an existing FILE) ends.
    #[arg(
        help_heading = OUTPUT,
        short = 'C',
        long = "continue-at",
        value_name = "OFFSET",
        allow_hyphen_values = true
    )]
    pub continue_at: Option<ContinueAt>,

    /// Ask for a compressed body (gzip, deflate, br, zstd) and decode it.
    ///
    /// A decoded body stops at 10 GiB unless --max-filesize says otherwise.
    #[arg(help_heading = REQUEST, long = "compressed")]
    pub compressed: bool,

    /// Write at most BYTES of body (500K, 2G); more is exit 63.
    ///
    /// K, M and G are 1024-based. The decoded size with --compressed; exit 63 comes before the
    /// download when the length is known.
    #[arg(help_heading = OUTPUT, long = "max-filesize", value_name = "BYTES", value_parser = crate::size::parse_bytes)]
    pub max_filesize: Option<u64>,

    /// Send requests as HTTP/1.0.
    #[arg(help_heading = REQUEST, short = '0', long = "http1.0",
        overrides_with_all = ["http11", "http2", "http2_prior_knowledge"])]
    pub http10: bool,

    /// Speak HTTP/1.1 only: offer no HTTP/2 over TLS.
    #[arg(help_heading = REQUEST, long = "http1.1",
        overrides_with_all = ["http10", "http2", "http2_prior_knowledge"])]
    pub http11: bool,

    /// Offer HTTP/2 over TLS, HTTP/1.1 as the fallback (the default).
    ///
    /// To an http:// URL, offer to upgrade to HTTP/2 (`Upgrade: h2c`), as curl does; a
    /// server that switches (101) answers over HTTP/2 on that connection.
    #[arg(help_heading = REQUEST, long = "http2",
        overrides_with_all = ["http10", "http11", "http2_prior_knowledge"])]
    pub http2: bool,

    /// Speak HTTP/2 from the first byte, to http:// URLs too (h2c).
    #[arg(help_heading = REQUEST, long = "http2-prior-knowledge",
        overrides_with_all = ["http10", "http11", "http2"])]
    pub http2_prior_knowledge: bool,

    /// How long an upload waits for `100 Continue`.
    ///
    /// Then the body goes out anyway, as curl sends it.
    #[arg(help_heading = CONNECTION, long = "expect100-timeout", value_name = "SECS",
          default_value = "1", value_parser = crate::duration::parse)]
    pub expect100_timeout: Duration,

    /// No progress meter; error messages as usual.
    #[arg(help_heading = OUTPUT, long = "no-progress-meter")]
    pub no_progress_meter: bool,

    /// Use IPv4 addresses only.
    #[arg(help_heading = CONNECTION, short = '4', long = "ipv4", conflicts_with = "ipv6")]
    pub ipv4: bool,

    /// Use IPv6 addresses only.
    #[arg(help_heading = CONNECTION, short = '6', long = "ipv6")]
    pub ipv6: bool,

    /// Give up connecting after SECS [default: 300, as curl].
    ///
    /// SECS as 2.5 or 500ms. Connecting is resolving, TCP and the TLS handshake; 0 means no
    /// limit.
    #[arg(help_heading = CONNECTION, long = "connect-timeout", value_name = "SECS", value_parser = crate::duration::parse)]
    pub connect_timeout: Option<Duration>,

    /// Give up on the whole transfer after SECS (30, 1.5, 500ms).
    ///
    /// SECS as 30, 1.5, 500ms or 5m; 0 means no limit.
    #[arg(help_heading = CONNECTION, short = 'm', long = "max-time", value_name = "SECS", value_parser = crate::duration::parse)]
    pub max_time: Option<Duration>,

    /// Do not verify the server's certificate (prints a warning).
    #[arg(help_heading = TLS, short = 'k', long = "insecure")]
    pub insecure: bool,

    /// Trust this PEM file's CA certificates too (besides the system's).
    #[arg(help_heading = TLS, long = "cacert", value_name = "FILE")]
    pub cacert: Option<PathBuf>,

    /// The TLS flags beyond these: trust, versions, suites.
    #[command(flatten)]
    pub tls: TlsFlags,

    /// Use this proxy: http(s), socks4(a) or socks5(h).
    ///
    /// `[SCHEME://][USER:PASSWORD@]HOST[:PORT]`: SCHEME is http (the default), https (TLS to the proxy), socks4, socks4a, socks5 or
    /// socks5h (the last two with USER:PASSWORD as RFC 1929 says). Port 1080 when not given
    /// (443 for https): through an HTTP proxy, plain http as absolute-form requests, https
    /// through a CONNECT tunnel. `""` turns proxies off, the environment's too. Without -x,
    /// curl's variables are read: `http_proxy` (lower case only), `HTTPS_PROXY`/`https_proxy`,
    /// `ALL_PROXY`/`all_proxy`.
    #[arg(help_heading = PROXY, short = 'x', long = "proxy", value_name = "[SCHEME://]HOST[:PORT]")]
    pub proxy: Option<String>,

    /// The proxy's USER:PASSWORD (instead of the proxy URL's).
    ///
    /// Basic for an HTTP proxy, RFC 1929 for SOCKS5, the user id for SOCKS4.
    #[arg(help_heading = PROXY, short = 'U', long = "proxy-user", value_name = "USER:PASSWORD")]
    pub proxy_user: Option<String>,

    /// Where connections go and the client certificate they present.
    #[command(flatten)]
    pub route: RouteFlags,

    /// How sockets are made: interface, local port, keepalive, Nagle, Fast Open.
    #[command(flatten)]
    pub sockets: SocketFlags,

    /// Who resolves names: the system, or DNS servers given.
    #[command(flatten)]
    pub dns: DnsFlags,

    /// Hosts to reach without the proxy, comma-separated.
    ///
    /// Names (and their subdomains), IP addresses, or `*` for all; instead of
    /// `NO_PROXY`/`no_proxy`.
    #[arg(help_heading = PROXY, long = "noproxy", value_name = "LIST")]
    pub noproxy: Option<String>,

    /// At most RATE bytes a second on average (1000B, 500K, 1M).
    #[arg(help_heading = CONNECTION, long = "limit-rate", value_name = "RATE", value_parser = crate::size::parse_bytes)]
    pub limit_rate: Option<u64>,

    /// Retry up to N times on a transient error.
    ///
    /// Transient: a timeout, a name that does not resolve, HTTP 408, 429, 500, 502, 503 or
    /// 504, and a download into a file that dropped mid-body (resumed with Range and
    /// If-Range). Waits 1 s, doubling up to 10 minutes, or the
    /// server's Retry-After. A retried response's body is never written.
    #[arg(help_heading = RETRY, long = "retry", value_name = "N", default_value_t = 0)]
    pub retry: u32,

    /// Wait SECS between retries instead of the doubling backoff.
    ///
    /// 0: the backoff.
    #[arg(help_heading = RETRY, long = "retry-delay", value_name = "SECS", value_parser = crate::duration::parse)]
    pub retry_delay: Option<Duration>,

    /// Start no retry after SECS since the first attempt (0: no limit).
    #[arg(help_heading = RETRY, long = "retry-max-time", value_name = "SECS", value_parser = crate::duration::parse)]
    pub retry_max_time: Option<Duration>,

    /// With --retry, a refused connection is transient too.
    #[arg(help_heading = RETRY, long = "retry-connrefused")]
    pub retry_connrefused: bool,

    /// With --retry, every error is transient.
    ///
    /// A dropped download to a file continues with
    /// Range and If-Range when the server offers ranges; one to stdout is not retried once
    /// body bytes were written (they cannot be taken back).
    #[arg(help_heading = RETRY, long = "retry-all-errors")]
    pub retry_all_errors: bool,

    /// Stop at the first URL that fails (its exit code is the run's).
    #[arg(help_heading = MANY, long = "fail-early")]
    pub fail_early: bool,

    /// Fetch the URLs at once instead of one after another.
    #[arg(help_heading = MANY, short = 'Z', long = "parallel")]
    pub parallel: bool,

    /// With -Z, at most N fetches at a time.
    #[arg(help_heading = MANY, long = "parallel-max", value_name = "N", default_value_t = 50,
          value_parser = clap::value_parser!(u16).range(1..=300))]
    pub parallel_max: u16,

    /// How fast transfers must go and how often they start (after the Many URLs flags, so
    /// that clap's headings keep their order).
    #[command(flatten)]
    pub pace: PaceFlags,

    /// Download over N ranged connections at once, as aria2c does.
    ///
    /// Into FILE.part when the server sends a length and Accept-Ranges; one connection
    /// otherwise. Resumable with -C - (or a retry)
    /// through FILE.segments, removed on success.
    #[arg(help_heading = BEYOND, long = "segments", value_name = "N", default_value_t = 1,
          value_parser = clap::value_parser!(u16).range(1..=64))]
    pub segments: u16,

    /// Verify the body against ALGO=HEX (sha256, sha512, sha1, md5).
    ///
    /// Checked while it streams: a mismatch deletes FILE.part, leaves FILE untouched and exits 32.
    #[arg(help_heading = BEYOND, long = "checksum", value_name = "ALGO=HEX")]
    pub checksum: Option<Checksum>,

    /// Remove FILE.part when the download fails instead of keeping it for -C -.
    ///
    /// curl's --remove-on-error is the same flag: a failed download never leaves a partial
    /// file under FILE in sockit, with it or without.
    #[arg(help_heading = BEYOND, long = "no-keep-partial", visible_alias = "remove-on-error")]
    pub no_keep_partial: bool,

    /// Read more options from FILE, in curl's config syntax (repeatable).
    ///
    /// `-` reads stdin; the options count as if they stood here on the command line.
    /// `~/.curlrc` (or `$CURL_HOME/.curlrc`, `$XDG_CONFIG_HOME/.curlrc`) is read first unless
    /// -q is the first option.
    #[arg(short = 'K', long = "config", value_name = "FILE")]
    pub config: Vec<PathBuf>,

    /// As the first option: do not read `.curlrc`.
    #[arg(short = 'q', long = "disable")]
    pub disable: bool,

    /// The output flags of `out_flags.rs` (`-J` ...).
    #[command(flatten)]
    pub out: OutFlags,

    /// The wire flags of `wire_flags.rs` (`--path-as-is` ...).
    #[command(flatten)]
    pub wire: WireFlags,

    /// `--http3`, `--http3-only`, `--alt-svc`.
    #[command(flatten)]
    pub h3: H3Flags,

    /// `--styled-output`, `--no-styled-output`, `--suppress-connect-headers`.
    #[command(flatten)]
    pub heads: HeadFlags,

    /// `--hsts`.
    #[command(flatten)]
    pub hsts: HstsFlags,

    /// `--no-FLAG` for every switch above, as curl; flattened last, so it sees them all.
    #[command(flatten)]
    pub negations: Negations,
}

impl FetchArgs {
    /// Whether a failure's line stays off stderr: `-s` without `-S`, as curl (the exit code
    /// is kept).
    pub fn quiet_failures(&self) -> bool {
        self.silent && !self.show_error
    }
}

impl FromStr for ContinueAt {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        if s == "-" {
            return Ok(ContinueAt::Auto);
        }
        s.parse()
            .map(ContinueAt::At)
            .map_err(|_| format!("{s:?} is neither - nor a byte offset"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::duration::parse as parse_secs;

    #[test]
    fn durations_take_curl_seconds_and_suffixes() {
        assert_eq!(parse_secs("2"), Ok(Duration::from_secs(2)));
        assert_eq!(parse_secs("0.5"), Ok(Duration::from_millis(500)));
        assert_eq!(parse_secs("250ms"), Ok(Duration::from_millis(250)));
        assert_eq!(parse_secs("5m"), Ok(Duration::from_secs(300)));
        assert!(parse_secs("-1").is_err());
        assert!(parse_secs("soon").is_err());
    }

    #[test]
    fn continue_at_is_dash_or_offset() {
        assert_eq!("-".parse(), Ok(ContinueAt::Auto));
        assert_eq!("42".parse(), Ok(ContinueAt::At(42)));
        assert!("x".parse::<ContinueAt>().is_err());
    }
}
