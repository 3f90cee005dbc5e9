//! Owns the request: the method, headers and body from the flags, and their HTTP/1.1 bytes.
//!
//! The bytes are curl 7.88's, header for header and in its order (the differential test in
//! `tests/it/curl_diff` runs both): `Host` (with the port when it is not the scheme's
//! default), the credentials (or `--aws-sigv4`'s signature and its date line), `Range`,
//! `User-Agent`, `Accept: */*`, `Referer`, then the user's `-H` lines exactly as typed, then
//! the body's `Content-Length` and `Content-Type`.

use super::aws_sigv4::{self, AwsSigV4, SigningError, Unsigned};
use super::head::{BodyFraming, Head, HeadError};
use super::multipart::EXPECT_THRESHOLD;
use super::target::{self, Typed};
use crate::fetch::error::FetchError;
use url::Url;

/// What to send, independent of the URL (which changes across redirects).
#[derive(Debug, Clone)]
pub struct RequestSpec {
    /// The method, as given.
    pub method: String,
    /// The body (`-d` and its kin, `--json`, `-T`), if any.
    pub body: Option<Payload>,
    /// `-e`: the Referer header.
    pub referer: Option<String>,
    /// `-r`: the byte ranges asked for, as in `Range: bytes=RANGE`.
    pub range: Option<String>,
    /// `--json`: ask for JSON back (Accept: application/json).
    pub accept_json: bool,
    /// Through an http proxy: the request line names the whole URL (absolute form), and
    /// this is the proxy's `Proxy-Authorization`, if any.
    pub via_proxy: Option<Option<String>>,
    /// Keep the connection for another request (a redirect's next hop, or the run's next
    /// URL); false once a request left it in a state no other can follow. Requests never
    /// say `Connection: close`, as curl's do not: the run closes its connections itself
    /// when it is done.
    pub keep_alive: bool,
    /// Sent as If-Range with a resumed Range: the server sends the rest only if the
    /// resource is unchanged (a retry continuing its `.part` file).
    pub if_range: Option<String>,
    /// The default User-Agent, or `-A`.
    pub user_agent: String,
    /// Ask for gzip, deflate, br and zstd (`--compressed`).
    pub compressed: bool,
    /// `-0`: say HTTP/1.0 in the request line.
    pub http10: bool,
    /// `-I`: the response has no body to read, whatever the method (`-I -X GET` too).
    pub head_only: bool,
    /// `-H` edits, in order.
    pub edits: Vec<HeaderEdit>,
    /// `--proxy-header` lines, sent after the `-H` ones when the request goes to an HTTP
    /// proxy in absolute form (as curl sends them; through a tunnel they go in CONNECT).
    pub proxy_edits: Vec<HeaderEdit>,
    /// `-u USER:PASSWORD`, sent as Basic credentials (before those in the URL).
    pub user: Option<String>,
    /// `--request-target`: sent in the request line instead of the URL's path and query.
    pub target: Option<String>,
    /// The URL as typed, for the URL it was parsed into: its path and query are sent as
    /// curl sends them (see [`super::target`]), `--path-as-is` keeping the dot segments; a
    /// redirect drops it, its next URL written as the url crate writes it.
    pub typed: Option<Typed>,
    /// `--http0.9`: a reply without a status line is taken as HTTP/0.9's bare body instead
    /// of refused.
    pub http09: bool,
    /// `--raw`: the body is written as received, its chunked framing and every coding left
    /// in.
    pub raw: bool,
    /// `--ignore-content-length`: the body runs until the server closes, whatever its
    /// Content-Length says.
    pub ignore_content_length: bool,
    /// `--tr-encoding`: ask for a gzip Transfer-Encoding (`TE: gzip`).
    pub tr_encoding: bool,
    /// `--oauth2-bearer TOKEN`, sent as `Authorization: Bearer TOKEN` instead of any Basic
    /// credentials, as curl prefers it.
    pub bearer: Option<String>,
    /// The token waits for a 401 that offers Bearer: with `--basic`, `--digest` or
    /// `--anyauth` beside `--oauth2-bearer`, curl wants several schemes and so asks first.
    pub bearer_waits: bool,
    /// The user's headers no longer sent since a redirect left the origin they were meant
    /// for (lower-case names: `authorization`, `cookie`, `host`); the defaults stay.
    pub withheld: Vec<&'static str>,
    /// `-b NAME=VALUE`: sent after the jar's cookies, to the first origin only unless
    /// `--location-trusted` (curl sends it to every host a redirect reaches).
    pub cookie_text: Option<String>,
    /// The cookie jar's cookies for this request's URL (set before each request).
    pub jar_cookies: Option<String>,
    /// Send the credentials as Basic (`-u` without --digest or --anyauth, or after an
    /// --anyauth server offered only Basic).
    pub basic: bool,
    /// A Digest `Authorization` value for this request, in place of Basic.
    pub authorization: Option<String>,
    /// The request only asks for the server's (or the proxy's) Digest challenge (`--digest`
    /// or `--proxy-digest` before one came): form data goes out empty, `Content-Length: 0`,
    /// as curl sends it.
    pub probe: bool,
    /// `--aws-sigv4`: the request is signed (see [`RequestSpec::sign_aws`]) instead of
    /// carrying Basic credentials.
    pub aws_sigv4: Option<AwsSigV4>,
    /// `--http2`: a request to an `http://` URL offers to upgrade to h2c, as curl's does
    /// ([`super::h2c`]).
    pub h2c_upgrade: bool,
}

/// A request body.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Payload {
    /// Bytes sent as they are, with their Content-Type (`-d`, `--data-binary`,
    /// `--data-raw`: a form; `--json`: JSON; `-T -`: none).
    Bytes {
        /// The bytes.
        data: Vec<u8>,
        /// The Content-Type header, if any.
        content_type: Option<&'static str>,
    },
    /// `-T -`: stdin's bytes, sent chunked as curl does (it cannot know the length first).
    Chunked(Vec<u8>),
    /// `-F`: a multipart form, its files streamed from disk.
    Multipart(super::multipart::Multipart),
    /// `-T FILE`: streamed from the file (never held in memory), `len` bytes.
    File {
        /// The file.
        path: std::path::PathBuf,
        /// Its length when the upload was planned: exactly this many bytes are sent.
        len: u64,
    },
}

impl Payload {
    /// The body's length in bytes (before chunked framing).
    pub fn len(&self) -> u64 {
        match self {
            Payload::Bytes { data, .. } => data.len() as u64,
            Payload::Chunked(data) => data.len() as u64,
            Payload::File { len, .. } => *len,
            Payload::Multipart(form) => form.len(),
        }
    }
}

/// One `-H` flag.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum HeaderEdit {
    /// `Name: value` or `Name;`: this line, sent as typed (`Name;` as `Name:`), in place of
    /// any built-in header of the same name.
    Send {
        /// The header's name.
        name: String,
        /// The whole line, without its CRLF.
        line: String,
    },
    /// `Name:`: leave the built-in header out.
    Remove(String),
}

impl HeaderEdit {
    /// Parses curl's `-H` syntax: `Name: value` (sent as typed, spaces included), `Name:`
    /// (remove), `Name;` (an empty value).
    pub fn parse(text: &str) -> Result<Self, FetchError> {
        if text.contains(['\r', '\n']) {
            return Err(FetchError::Usage(format!(
                "header {text:?} contains a line break"
            )));
        }
        if let Some(name) = text.strip_suffix(';') {
            if !name.contains(':') {
                let name = valid_name(name)?;
                let line = format!("{name}:");
                return Ok(HeaderEdit::Send { name, line });
            }
        }
        let Some((name, value)) = text.split_once(':') else {
            return Err(FetchError::Usage(format!(
                "header {text:?} is not `Name: value`"
            )));
        };
        let name = valid_name(name)?;
        Ok(if value.trim().is_empty() {
            HeaderEdit::Remove(name)
        } else {
            HeaderEdit::Send {
                name,
                line: text.to_string(),
            }
        })
    }

    fn name(&self) -> &str {
        match self {
            HeaderEdit::Send { name, .. } | HeaderEdit::Remove(name) => name,
        }
    }
}

fn valid_name(name: &str) -> Result<String, FetchError> {
    let ok = !name.is_empty()
        && name
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b"!#$%&'*+-.^_`|~".contains(&b));
    if ok {
        Ok(name.to_string())
    } else {
        Err(FetchError::Usage(format!(
            "{name:?} is not a valid header name"
        )))
    }
}

impl RequestSpec {
    /// A plain `method` request with `user_agent` and nothing else: no body, no user headers,
    /// no credentials, no range: what the tests and fuzz targets start from (the flags
    /// build the real one in `plan.rs`).
    #[cfg(any(test, feature = "fuzzing"))]
    pub fn plain(method: &str, user_agent: &str) -> Self {
        RequestSpec {
            method: method.into(),
            body: None,
            referer: None,
            range: None,
            accept_json: false,
            via_proxy: None,
            if_range: None,
            user_agent: user_agent.into(),
            compressed: false,
            http10: false,
            head_only: false,
            edits: Vec::new(),
            proxy_edits: Vec::new(),
            user: None,
            bearer: None,
            bearer_waits: false,
            target: None,
            typed: None,
            http09: false,
            raw: false,
            ignore_content_length: false,
            tr_encoding: false,
            withheld: Vec::new(),
            keep_alive: false,
            cookie_text: None,
            jar_cookies: None,
            basic: true,
            authorization: None,
            probe: false,
            aws_sigv4: None,
            h2c_upgrade: false,
        }
    }

    /// Whether a request for `url` offers to upgrade to h2c: `--http2` and `http://`.
    pub fn offers_h2c(&self, url: &Url) -> bool {
        self.h2c_upgrade && url.scheme() == "http"
    }

    /// The request line, headers and body for `url`, with `Range: bytes=FROM-` when
    /// resuming; the headers in curl's order, which `curl -v` shows: the built-in ones (each
    /// left out when a `-H` names it), then the `-H` lines as typed, then the body's.
    pub fn render(&self, url: &Url, range_from: Option<u64>) -> Vec<u8> {
        let mut out = self.request_line(url);
        let line = |out: &mut String, name: &str, value: &str| {
            if self.user_header(name).is_none() {
                out.push_str(&format!("{name}: {value}\r\n"));
            }
        };
        if let Some(HeaderEdit::Send { line: host, .. }) = self.user_header("host") {
            out.push_str(host);
            out.push_str("\r\n");
        } else {
            line(&mut out, "Host", &self.host_header(url));
        }
        if let Some(Some(auth)) = &self.via_proxy {
            line(&mut out, "Proxy-Authorization", auth);
        }
        if let Some(credential) = self.credential(url) {
            out.push_str(&format!("Authorization: {}\r\n", credential.value));
            if let Some(signed) = self.aws_sigv4.as_ref().and_then(|aws| aws.signed.as_ref()) {
                // curl 7.88 puts its date line right after the signature, a user's own again.
                out.push_str(&format!("{}\r\n", signed.date_line));
            }
        }
        let range = match range_from.filter(|&f| f > 0) {
            Some(from) => Some(format!("bytes={from}-")),
            None => self.range.as_ref().map(|r| format!("bytes={r}")),
        };
        if let Some(range) = range {
            line(&mut out, "Range", &range);
            if let Some(validator) = &self.if_range {
                line(&mut out, "If-Range", validator);
            }
        }
        if !self.user_agent.is_empty() {
            line(&mut out, "User-Agent", &self.user_agent);
        }
        if !self.accept_json {
            line(&mut out, "Accept", "*/*");
        }
        let asks_te = self.asks_transfer_coding();
        if asks_te {
            out.push_str(&self.connection_te());
        }
        if self.compressed {
            line(&mut out, "Accept-Encoding", ACCEPT_ENCODING);
        }
        if let Some(referer) = &self.referer {
            line(&mut out, "Referer", referer);
        }
        if self.via_proxy.is_some() && url.scheme() == "http" {
            line(&mut out, "Proxy-Connection", "Keep-Alive");
        }
        if let Some(Payload::Chunked(_)) = &self.body {
            // Before the cookies and the -H lines, where curl 7.88 puts it.
            line(&mut out, "Transfer-Encoding", "chunked");
        }
        if self.offers_h2c(url) {
            // Before the cookies, unconditionally (a `-H Connection:` is sent as well),
            // where curl 7.88 puts it.
            out.push_str(&super::h2c::request_lines());
        }
        if let Some(cookies) = self.cookie_line() {
            out.push_str(&format!("Cookie: {cookies}\r\n"));
        }
        for edit in self.edits.iter().filter(|e| !self.is_withheld(e.name())) {
            if let HeaderEdit::Send { name, line } = edit {
                // `--tr-encoding` said the user's Connection in its own line already.
                let merged = asks_te && name.eq_ignore_ascii_case("connection");
                if !name.eq_ignore_ascii_case("host") && !merged {
                    out.push_str(line);
                    out.push_str("\r\n");
                }
            }
        }
        let to_proxy = self.via_proxy.is_some() && url.scheme() == "http";
        for edit in self.proxy_edits.iter().filter(|_| to_proxy) {
            if let HeaderEdit::Send { line, .. } = edit {
                out.push_str(line);
                out.push_str("\r\n");
            }
        }
        if self.accept_json {
            line(&mut out, "Content-Type", "application/json");
            line(&mut out, "Accept", "application/json");
        }
        match &self.body {
            Some(body @ Payload::Bytes { content_type, .. }) => {
                let len = if self.probe { 0 } else { body.len() };
                line(&mut out, "Content-Length", &len.to_string());
                if let (Some(kind), false) = (content_type, self.accept_json) {
                    line(&mut out, "Content-Type", kind);
                }
            }
            Some(body @ Payload::File { .. }) => {
                line(&mut out, "Content-Length", &body.len().to_string());
                line(&mut out, "Expect", "100-continue");
            }
            Some(Payload::Multipart(form)) => {
                line(&mut out, "Content-Length", &form.len().to_string());
                line(&mut out, "Content-Type", &form.content_type());
                if form.len() > EXPECT_THRESHOLD {
                    line(&mut out, "Expect", "100-continue");
                }
            }
            Some(Payload::Chunked(_)) => line(&mut out, "Expect", "100-continue"),
            None => {}
        }
        out.push_str("\r\n");
        let mut bytes = out.into_bytes();
        if let (Some(Payload::Bytes { data, .. }), false) = (&self.body, self.probe) {
            bytes.extend_from_slice(data);
        }
        bytes
    }

    /// `METHOD TARGET HTTP/1.1`: the target in absolute form through an http proxy, or as
    /// `--request-target` gives it.
    fn request_line(&self, url: &Url) -> String {
        let version = if self.http10 { "1.0" } else { "1.1" };
        if let Some(target) = &self.target {
            return format!("{} {target} HTTP/{version}\r\n", self.method);
        }
        let target = match &self.via_proxy {
            Some(_) => format!(
                "{}://{}{}",
                url.scheme(),
                self.host_header(url),
                self.origin_form(url)
            ),
            None => self.origin_form(url),
        };
        format!("{} {target} HTTP/{version}\r\n", self.method)
    }

    /// The path and query the request names for `url`: as typed when typed for it.
    pub fn origin_form(&self, url: &Url) -> String {
        match &self.typed {
            Some(typed) if typed.url == *url => typed.origin_form(url),
            _ => target::origin_form(url),
        }
    }

    /// `Host:` for `url`: the host in the case typed when typed for it.
    fn host_header(&self, url: &Url) -> String {
        match &self.typed {
            Some(typed) if typed.url == *url => typed.host_header(url),
            _ => target::host_header(url),
        }
    }

    /// `url` as the request names it, for `-w`'s `%{url_effective}`: as curl prints it
    /// when typed for it.
    pub fn shown_url(&self, url: &Url) -> String {
        match &self.typed {
            Some(typed) if typed.url == *url => typed.effective(),
            _ => url.to_string(),
        }
    }

    /// `--tr-encoding` without a `-H TE` of the user's own: the request asks for a gzip
    /// Transfer-Encoding.
    fn asks_transfer_coding(&self) -> bool {
        self.tr_encoding && self.user_header("te").is_none()
    }

    /// The `Connection: TE` and `TE: gzip` lines `--tr-encoding` sends, a `-H Connection`
    /// value put first in the one Connection line, as curl merges them.
    fn connection_te(&self) -> String {
        let connection = match self.user_header("connection") {
            Some(HeaderEdit::Send { line, .. }) => {
                let value = line.split_once(':').map_or("", |(_, v)| v.trim());
                format!("{value}, TE")
            }
            _ => "TE".into(),
        };
        format!("Connection: {connection}\r\nTE: gzip\r\n")
    }

    /// How the reply's body is framed for this request: as a HEAD's under `-I`, and with no
    /// regard to Content-Length under `--ignore-content-length`.
    pub fn body_framing(&self, head: &Head) -> Result<BodyFraming, HeadError> {
        head.framing_with(self.framing_method(), self.ignore_content_length)
    }

    /// The codings the body is decoded through, as one Content-Encoding list in the order
    /// applied: with `--compressed` the content codings, then any transfer coding but
    /// chunked (curl decodes a gzip Transfer-Encoding, asked for or not); none with `--raw`.
    pub fn decodings(&self, head: &Head) -> Option<String> {
        if self.raw {
            return None;
        }
        let content = head.joined("content-encoding").filter(|_| self.compressed);
        let codings: Vec<String> = content
            .into_iter()
            .chain(head.transfer_codings_applied())
            .collect();
        (!codings.is_empty()).then(|| codings.join(", "))
    }

    /// The `-H` edit of header `name` still in force (the last one given), if any.
    fn user_header(&self, name: &str) -> Option<&HeaderEdit> {
        self.edits
            .iter()
            .rev()
            .filter(|e| !self.is_withheld(e.name()))
            .find(|e| e.name().eq_ignore_ascii_case(name))
    }

    /// Whether a `-H` line sends (or removes) the header `name` in place of the request's
    /// own.
    pub fn overrides(&self, name: &str) -> bool {
        self.user_header(name).is_some()
    }

    /// Whether the request says `Expect: 100-continue` (an upload, unless `-H Expect:`):
    /// its body then waits for the server's 100, or a second without an answer.
    pub fn expects_continue(&self) -> bool {
        let large_form =
            matches!(&self.body, Some(Payload::Multipart(f)) if f.len() > EXPECT_THRESHOLD);
        (large_form || matches!(self.body, Some(Payload::File { .. } | Payload::Chunked(_))))
            && self.user_header("expect").is_none()
    }

    /// Whether a `-H` sends its own `Range`.
    pub fn sends_range_header(&self) -> bool {
        matches!(self.user_header("range"), Some(HeaderEdit::Send { .. }))
    }

    /// The `Cookie` header's value: the jar's cookies, then the `-b` text (left out when a
    /// `-H Cookie` replaces it, or a redirect left the origin it was meant for), as curl
    /// joins them.
    fn cookie_line(&self) -> Option<String> {
        let text = self
            .cookie_text
            .as_deref()
            .filter(|_| !self.is_withheld("cookie") && self.user_header("cookie").is_none());
        match (self.jar_cookies.as_deref(), text) {
            (Some(jar), Some(text)) => Some(format!("{jar}; {text}")),
            (Some(one), None) | (None, Some(one)) => Some(one.to_string()),
            (None, None) => None,
        }
    }

    /// The user name and password for `url` (`-u`, else the URL's own), unless a redirect
    /// left the origin they were meant for.
    pub fn credentials(&self, url: &Url) -> Option<(String, String)> {
        if let Some(user) = &self.user {
            if self.is_withheld("authorization") {
                return None;
            }
            let (name, password) = user.split_once(':').unwrap_or((user, ""));
            return Some((name.to_string(), password.to_string()));
        }
        if url.username().is_empty() && url.password().is_none() {
            return None;
        }
        let decode = |s: &str| {
            percent_encoding::percent_decode_str(s)
                .decode_utf8_lossy()
                .into_owned()
        };
        Some((decode(url.username()), decode(url.password().unwrap_or(""))))
    }

    /// The `Authorization` the request sends of its own for `url` (none when a `-H` line
    /// replaces or removes it): an AWS signature, a Digest answer, a Bearer token or Basic
    /// credentials, in curl's order of preference.
    pub fn credential(&self, url: &Url) -> Option<Credential> {
        let user = || {
            self.credentials(url)
                .map(|(user, _)| user)
                .unwrap_or_default()
        };
        let credential = |scheme, user, value| {
            Some(Credential {
                scheme,
                user,
                value,
            })
        };
        if let Some(signed) = self.aws_sigv4.as_ref().and_then(|aws| aws.signed.as_ref()) {
            return credential("AWS_SIGV4", user(), signed.authorization.clone());
        }
        if self.overrides("authorization") {
            return None;
        }
        // A redirect to another origin withholds -u's credentials, not those of its URL.
        let withheld = self.is_withheld("authorization");
        if let Some(digest) = self.authorization.as_ref().filter(|_| !withheld) {
            return credential("Digest", user(), digest.clone());
        }
        if let Some(token) = self
            .bearer
            .as_ref()
            .filter(|_| !withheld && !self.bearer_waits)
        {
            return credential("Bearer", user(), format!("Bearer {token}"));
        }
        if !self.basic {
            return None;
        }
        match self.user.as_deref().filter(|_| !withheld) {
            Some(pair) => {
                let name = pair.split_once(':').map_or(pair, |(name, _)| name);
                credential("Basic", name.to_owned(), basic(pair))
            }
            None => {
                let name = percent_encoding::percent_decode_str(url.username());
                credential(
                    "Basic",
                    name.decode_utf8_lossy().into_owned(),
                    basic_auth(url)?,
                )
            }
        }
    }

    /// `--aws-sigv4`: signs the request for `url` at `now` (Unix seconds) as curl 7.88 does,
    /// or leaves it unsigned where curl does: without credentials (no `-u`, none in the URL,
    /// or a redirect left the origin they were for), or with a `-H Authorization` line.
    pub fn sign_aws(&mut self, url: &Url, now: i64) -> Result<(), FetchError> {
        let Some(aws) = &self.aws_sigv4 else {
            return Ok(());
        };
        let own_authorization = aws_sigv4::find_header(&aws.headers, "authorization").is_some();
        let signed = match self.credentials(url).filter(|_| !own_authorization) {
            None => None,
            Some((user, secret)) => {
                let target = self.origin_form(url);
                let (path, query) = target.split_once('?').unwrap_or((&target, ""));
                let host = self.host_header(url);
                // SERVICE and REGION come from the host name in the case typed, as curl's.
                let port = url.port().map(|port| format!(":{port}"));
                let host_name = port.and_then(|p| host.strip_suffix(&p)).unwrap_or(&host);
                let own_host = aws_sigv4::find_header(&aws.headers, "host").is_some();
                let request = Unsigned {
                    method: &self.method,
                    path,
                    query,
                    host_name,
                    host: (!own_host).then_some(host.as_str()),
                    headers: &aws.headers,
                    payload_hash: &aws.payload_hash,
                    user: &user,
                    secret: &secret,
                    now,
                };
                let signed = aws_sigv4::sign(&aws.arg, &request);
                Some(signed.map_err(|e| signing_failure(e, url))?)
            }
        };
        if let Some(aws) = &mut self.aws_sigv4 {
            aws.signed = signed;
        }
        Ok(())
    }

    fn is_withheld(&self, name: &str) -> bool {
        self.withheld.iter().any(|w| w.eq_ignore_ascii_case(name))
    }

    /// Stops sending the user's header `name` (lower case) from now on; for
    /// `authorization`, the `-u` credentials too.
    pub fn withhold(&mut self, name: &'static str) {
        if !self.withheld.contains(&name) {
            self.withheld.push(name);
        }
    }

    /// True when the request is a HEAD (its response has no body), or `-I` said to take it
    /// as one.
    pub fn is_head(&self) -> bool {
        self.head_only || self.method.eq_ignore_ascii_case("HEAD")
    }

    /// The method the response is framed for: HEAD under `-I`, as curl reads no body then.
    pub fn framing_method(&self) -> &str {
        if self.head_only {
            "HEAD"
        } else {
            &self.method
        }
    }
}

/// What `--compressed` asks for, in curl's words and order.
const ACCEPT_ENCODING: &str = "deflate, gzip, br, zstd";

/// A signature's failure as curl reports it: the URL's (3) when its host name gives no
/// service or region, the argument's (43) otherwise.
fn signing_failure(e: SigningError, url: &Url) -> FetchError {
    match e.in_host_name() {
        true => FetchError::BadUrl {
            url: url.to_string(),
            reason: e.to_string(),
        },
        false => FetchError::BadArgument(e.to_string()),
    }
}

/// `Basic` credentials from the URL's `user:password@`, as curl sends them.
fn basic_auth(url: &Url) -> Option<String> {
    if url.username().is_empty() && url.password().is_none() {
        return None;
    }
    let decode = |s: &str| percent_encoding::percent_decode_str(s).collect::<Vec<u8>>();
    let mut pair = decode(url.username());
    pair.push(b':');
    pair.extend(decode(url.password().unwrap_or("")));
    Some(format!("Basic {}", base64(&pair)))
}

/// The `Authorization` a request sends of its own, and what `-v` says of it, as curl does:
/// `Server auth using SCHEME with user 'USER'`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Credential {
    /// curl's name for the scheme: `Basic`, `Digest`, `Bearer` or `AWS_SIGV4`.
    pub scheme: &'static str,
    /// The user it authenticates (empty for a Bearer token without `-u`).
    pub user: String,
    /// The header's value.
    pub value: String,
}

/// `-u USER[:PASSWORD]` as a Basic credential (no password: an empty one; sockit never
/// prompts, so a script cannot hang on a hidden question).
pub fn basic(user: &str) -> String {
    let pair = if user.contains(':') {
        user.to_string()
    } else {
        format!("{user}:")
    };
    format!("Basic {}", base64(pair.as_bytes()))
}

/// Standard base64 with padding (RFC 4648), for Basic credentials.
fn base64(bytes: &[u8]) -> String {
    const ALPHABET: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let mut out = String::with_capacity(bytes.len().div_ceil(3) * 4);
    for group in bytes.chunks(3) {
        let b = [
            group[0],
            *group.get(1).unwrap_or(&0),
            *group.get(2).unwrap_or(&0),
        ];
        let n = u32::from(b[0]) << 16 | u32::from(b[1]) << 8 | u32::from(b[2]);
        for i in 0..4 {
            if i <= group.len() {
                out.push(ALPHABET[(n >> (18 - 6 * i) & 63) as usize] as char);
            } else {
                out.push('=');
            }
        }
    }
    out
}

/// Whether `method` is a valid HTTP token (so it cannot break the request line).
pub fn valid_method(method: &str) -> bool {
    valid_name(method).is_ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn spec() -> RequestSpec {
        RequestSpec::plain("GET", "sockit/test")
    }

    #[test]
    fn renders_the_tutorial_request() {
        let url = Url::parse("http://example.com/a/b?x=1#frag").unwrap();
        let text = String::from_utf8(spec().render(&url, None)).unwrap();
        assert_eq!(
            text,
            "GET /a/b?x=1 HTTP/1.1\r\nHost: example.com\r\nUser-Agent: sockit/test\r\n\
             Accept: */*\r\n\r\n"
        );
    }

    #[test]
    fn through_a_proxy_the_target_is_absolute() {
        let mut s = spec();
        s.via_proxy = Some(Some("Basic eA==".into()));
        let url = Url::parse("http://u:p@h:8080/a?b#c").unwrap();
        let text = String::from_utf8(s.render(&url, None)).unwrap();
        assert!(text.starts_with("GET http://h:8080/a?b HTTP/1.1\r\nHost: h:8080\r\n"));
        assert!(text.contains("Proxy-Authorization: Basic eA==\r\n"));
    }

    #[test]
    fn host_has_port_and_brackets() {
        let url = Url::parse("http://[::1]:8080/").unwrap();
        assert_eq!(target::host_header(&url), "[::1]:8080");
        let url = Url::parse("https://example.com:443/").unwrap();
        assert_eq!(target::host_header(&url), "example.com");
    }

    #[test]
    fn url_credentials_become_basic_auth() {
        assert_eq!(
            base64(b"Aladdin:open sesame"),
            "QWxhZGRpbjpvcGVuIHNlc2FtZQ=="
        );
        assert_eq!(base64(b"ab"), "YWI=");
        assert_eq!(base64(b""), "");
        let url = Url::parse("http://us%20er:p%40ss@h/").unwrap();
        let text = String::from_utf8(spec().render(&url, None)).unwrap();
        assert!(text.contains(&format!(
            "Authorization: Basic {}\r\n",
            base64(b"us er:p@ss")
        )));
        assert!(text.starts_with("GET / HTTP/1.1\r\nHost: h\r\n"));
        let mut s = spec();
        s.user = Some("me".into());
        let url = Url::parse("http://h/").unwrap();
        let text = String::from_utf8(s.render(&url, None)).unwrap();
        assert!(text.contains(&format!("Authorization: Basic {}\r\n", base64(b"me:"))));
        s.withhold("authorization");
        let text = String::from_utf8(s.render(&url, None)).unwrap();
        assert!(!text.contains("Authorization"));
    }

    #[test]
    fn header_edits_replace_remove_and_empty() {
        let mut s = spec();
        s.edits = vec![
            HeaderEdit::parse("accept: text/html").unwrap(),
            HeaderEdit::parse("User-Agent:").unwrap(),
            HeaderEdit::parse("X-Empty;").unwrap(),
        ];
        let text = String::from_utf8(s.render(&Url::parse("http://h/").unwrap(), Some(7))).unwrap();
        assert!(text.contains("accept: text/html\r\n"));
        assert!(!text.contains("Accept: */*"));
        assert!(!text.contains("User-Agent"));
        assert!(text.contains("X-Empty:\r\n"));
        assert!(text.contains("Range: bytes=7-\r\n"));
        assert!(text.ends_with("\r\naccept: text/html\r\nX-Empty:\r\n\r\n"));
        assert!(HeaderEdit::parse("X: a\r\nY: b").is_err());
        assert!(HeaderEdit::parse("no colon").is_err());
    }

    /// `-T -`'s Transfer-Encoding goes before the `-H` lines and Expect after them, as curl
    /// 7.88 orders them (the bug: both came after the `-H` lines).
    #[test]
    fn chunked_upload_says_so_before_the_user_headers() {
        let mut s = spec();
        s.method = "PUT".into();
        s.body = Some(Payload::Chunked(b"data".to_vec()));
        s.edits = vec![HeaderEdit::parse("X-A: b").unwrap()];
        let text = String::from_utf8(s.render(&Url::parse("http://h/").unwrap(), None)).unwrap();
        assert!(
            text.ends_with(
                "Accept: */*\r\nTransfer-Encoding: chunked\r\nX-A: b\r\nExpect: 100-continue\r\n\r\n"
            ),
            "{text}"
        );
    }
}
