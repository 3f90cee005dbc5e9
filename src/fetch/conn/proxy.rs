//! Owns proxies: choosing one for a URL as curl does (`-x` or `--socks5` and its kin, then the
//! environment: `http_proxy` in lower case only, `HTTPS_PROXY`/`https_proxy`,
//! `ALL_PROXY`/`all_proxy`; `--noproxy`, then `NO_PROXY`/`no_proxy`), what kind of proxy it
//! is (`http://`, `https://`, `socks4://`, `socks4a://`, `socks5://`, `socks5h://`), and the
//! CONNECT tunnel through an HTTP proxy.
//!
//! Plain http goes to an HTTP proxy as an absolute-form request (`GET http://host/path`),
//! which `request.rs` renders; https (and plain http with `-p`) goes through
//! `CONNECT host:port`, then TLS with the origin as if the tunnel were the network. A SOCKS
//! proxy is a hop of the dial instead (`net::socks`). `http_proxy` is read in lower case only
//! because a CGI program sees a request's `Proxy:` header as `HTTP_PROXY` (httpoxy), as curl
//! reasons.

use super::noproxy;
use super::proxy_auth::{Login, ProxyAuth};
use crate::fetch::error::{describe, FetchError};
use crate::fetch::http::digest::AuthMode;
use crate::fetch::http::head::{self, Parsed};
use crate::fetch::http::request::{self, HeaderEdit};
use crate::fetch::output::verbose::Verbose;
use crate::net::socks::SocksVersion;
use tokio::io::{AsyncRead, AsyncReadExt, AsyncWrite, AsyncWriteExt};
use url::Url;

/// curl's port for a proxy given without one.
const DEFAULT_PORT: u16 = 1080;

/// curl's port for an `https://` proxy given without one.
const DEFAULT_TLS_PORT: u16 = 443;

/// What a proxy speaks, from its URL's scheme.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ProxyKind {
    /// `http://` (the default without a scheme).
    Http,
    /// `https://`: TLS to the proxy, then HTTP as to an `http://` one.
    Https,
    /// `socks4://`, `socks4a://` (`resolves`: the proxy resolves the target's name),
    /// `socks5://`, `socks5h://`.
    Socks {
        /// 4 or 5.
        version: SocksVersion,
        /// The name goes to the proxy (`4a`, `5h`) instead of an address resolved here.
        resolves: bool,
    },
}

/// A proxy to go through.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Proxy {
    /// What it speaks.
    pub kind: ProxyKind,
    /// The proxy's host (a name or an IP literal, IPv6 in brackets).
    pub host: String,
    /// Its port.
    pub port: u16,
    /// `Proxy-Authorization` (Basic), from the proxy URL's `user:pass@` or `-U`, sent with
    /// the first request (`--proxy-basic`, the default; see [`ProxyAuth`] for the others).
    pub authorization: Option<String>,
    /// The same credentials as USER and PASSWORD, for a SOCKS proxy (RFC 1929).
    pub credentials: Option<(String, String)>,
}

impl Proxy {
    /// Whether requests go through it as HTTP (absolute form or CONNECT), not SOCKS.
    pub fn speaks_http(&self) -> bool {
        matches!(self.kind, ProxyKind::Http | ProxyKind::Https)
    }

    /// What identifies the route through it, for keeping connections: its URL.
    pub fn key(&self) -> String {
        format!("{:?}://{}:{}", self.kind, self.host, self.port)
    }

    /// Who answers its challenges: its key and credentials.
    pub fn login(&self) -> Login<'_> {
        Login {
            key: self.key(),
            credentials: self.credentials.as_ref(),
        }
    }
}

/// The proxies of one run, chosen once from the flags and the environment.
#[derive(Debug, Clone, Default)]
pub struct Proxies {
    http: Option<Proxy>,
    https: Option<Proxy>,
    /// Hosts reached directly (`--noproxy`, `NO_PROXY`), as given.
    no_proxy: String,
    /// `--preproxy`: the SOCKS proxy through which the HTTP proxy is reached.
    pre: Option<Proxy>,
    /// How requests authenticate to an HTTP proxy, and its challenge once it sent one.
    pub auth: ProxyAuth,
}

/// The flags that choose proxies.
pub struct ProxyFlags<'a> {
    /// `-x` (or `--socks5 HOST` as `socks5://HOST` ...): "" turns proxies off, the
    /// environment's included.
    pub proxy: Option<&'a str>,
    /// `-U USER:PASSWORD`.
    pub user: Option<&'a str>,
    /// `--noproxy LIST`.
    pub noproxy: Option<&'a str>,
    /// `--preproxy [SCHEME://]HOST[:PORT]`: a SOCKS proxy (SOCKS4 without a scheme, as curl).
    pub preproxy: Option<&'a str>,
    /// `--proxy-basic` (the default), `--proxy-digest`, `--proxy-anyauth`.
    pub auth: AuthMode,
}

impl Proxies {
    /// Chooses proxies from `flags`, then `env` (a variable's value by name).
    pub fn choose(
        flags: &ProxyFlags<'_>,
        env: impl Fn(&str) -> Option<String>,
    ) -> Result<Self, FetchError> {
        let var = |names: &[&str]| names.iter().find_map(|n| env(n).filter(|v| !v.is_empty()));
        let all = var(&["all_proxy", "ALL_PROXY"]);
        let (http, https) = match flags.proxy {
            Some("") => (None, None),
            Some(given) => (Some(given.to_string()), Some(given.to_string())),
            None => (
                var(&["http_proxy"]).or_else(|| all.clone()),
                var(&["https_proxy", "HTTPS_PROXY"]).or(all),
            ),
        };
        let auth = ProxyAuth::new(flags.auth);
        let up_front = auth.up_front();
        let parse_one =
            |text: Option<String>| text.map(|t| parse(&t, flags.user, up_front)).transpose();
        let no_proxy = flags
            .noproxy
            .map(str::to_string)
            .or_else(|| var(&["no_proxy", "NO_PROXY"]))
            .unwrap_or_default();
        let pre = flags.preproxy.filter(|p| !p.is_empty()).map(|text| {
            let full = match text.contains("://") {
                true => text.to_string(),
                false => format!("socks4://{text}"),
            };
            match parse(&full, None, true)? {
                socks @ Proxy {
                    kind: ProxyKind::Socks { .. },
                    ..
                } => Ok(socks),
                _ => Err(FetchError::ProxyScheme(text.to_string())),
            }
        });
        Ok(Proxies {
            http: parse_one(http)?,
            https: parse_one(https)?,
            no_proxy,
            pre: pre.transpose()?,
            auth,
        })
    }

    /// `--preproxy`: the SOCKS proxy to reach `proxy` through, when it is an HTTP one.
    pub fn pre_for(&self, proxy: &Proxy) -> Option<&Proxy> {
        self.pre.as_ref().filter(|_| proxy.speaks_http())
    }

    /// The proxy for `url`, or None to connect directly.
    pub fn for_url(&self, url: &Url) -> Option<&Proxy> {
        let proxy = match url.scheme() {
            "https" => self.https.as_ref(),
            _ => self.http.as_ref(),
        }?;
        let bypassed = url
            .host()
            .is_some_and(|host| noproxy::matches(&self.no_proxy, &host));
        (!bypassed).then_some(proxy)
    }
}

/// Parses `[SCHEME://][user:pass@]host[:port]`; `-U` overrides the URL's credentials, which
/// go as Basic with the first request when `up_front`.
fn parse(text: &str, user: Option<&str>, up_front: bool) -> Result<Proxy, FetchError> {
    let full = if text.contains("://") {
        text.to_string()
    } else {
        format!("http://{text}")
    };
    let bad = |reason: String| FetchError::BadUrl {
        url: text.to_string(),
        reason,
    };
    let url = Url::parse(&full).map_err(|e| bad(e.to_string()))?;
    let socks = |version, resolves| ProxyKind::Socks { version, resolves };
    let kind = match url.scheme() {
        "http" => ProxyKind::Http,
        "https" => ProxyKind::Https,
        "socks4" => socks(SocksVersion::V4, false),
        "socks4a" => socks(SocksVersion::V4, true),
        "socks5" => socks(SocksVersion::V5, false),
        "socks5h" => socks(SocksVersion::V5, true),
        _ => return Err(FetchError::ProxyScheme(text.to_string())),
    };
    let host = url
        .host_str()
        .filter(|h| !h.is_empty())
        .ok_or_else(|| bad("no proxy host".into()))?;
    let from_url = (!url.username().is_empty()).then(|| {
        let decode = |s: &str| {
            percent_encoding::percent_decode_str(s)
                .decode_utf8_lossy()
                .into_owned()
        };
        format!(
            "{}:{}",
            decode(url.username()),
            decode(url.password().unwrap_or(""))
        )
    });
    let user = user.map(str::to_string).or(from_url);
    let credentials = user.as_deref().map(|u| {
        let (name, password) = u.split_once(':').unwrap_or((u, ""));
        (name.to_owned(), password.to_owned())
    });
    Ok(Proxy {
        kind,
        host: host.to_string(),
        port: url.port().unwrap_or(match kind {
            ProxyKind::Https => DEFAULT_TLS_PORT,
            _ => DEFAULT_PORT,
        }),
        authorization: user.filter(|_| up_front).map(|u| request::basic(&u)),
        credentials,
    })
}

/// The most a proxy's answer to CONNECT may take.
const MAX_CONNECT_REPLY: usize = 16 * 1024;

/// What a CONNECT request says besides its target, as curl builds it.
#[derive(Debug, Clone, Default)]
pub struct ConnectHead {
    /// The User-Agent, as the request's (`-A`); empty for none.
    pub user_agent: String,
    /// `--proxy-header`: sent after the built-in lines, in place of a built-in of the same
    /// name (`Name:` leaves one out), as `-H` is to the origin.
    pub headers: Vec<HeaderEdit>,
    /// `--proxy1.0`: `CONNECT ... HTTP/1.0`.
    pub http10: bool,
}

impl ConnectHead {
    /// The CONNECT request for `target` (`host:port`), with `authorization` for the proxy:
    /// Host, Proxy-Authorization, User-Agent and Proxy-Connection in curl's order, then the
    /// `--proxy-header` lines.
    pub fn render(&self, target: &str, authorization: Option<&str>) -> String {
        let version = if self.http10 { "1.0" } else { "1.1" };
        let mut built_in = vec![("Host", format!("Host: {target}"))];
        if let Some(auth) = authorization {
            built_in.push((
                "Proxy-Authorization",
                format!("Proxy-Authorization: {auth}"),
            ));
        }
        if !self.user_agent.is_empty() {
            built_in.push(("User-Agent", format!("User-Agent: {}", self.user_agent)));
        }
        built_in.push(("Proxy-Connection", "Proxy-Connection: Keep-Alive".into()));
        let replaced = |name: &str| {
            self.headers.iter().any(|edit| match edit {
                HeaderEdit::Send { name: n, .. } | HeaderEdit::Remove(n) => {
                    n.eq_ignore_ascii_case(name)
                }
            })
        };
        let mut ask = format!("CONNECT {target} HTTP/{version}\r\n");
        for (_, line) in built_in.iter().filter(|(name, _)| !replaced(name)) {
            ask.push_str(line);
            ask.push_str("\r\n");
        }
        for edit in &self.headers {
            if let HeaderEdit::Send { line, .. } = edit {
                ask.push_str(line);
                ask.push_str("\r\n");
            }
        }
        ask.push_str("\r\n");
        ask
    }
}

/// What came of asking a proxy for a tunnel.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Tunnel {
    /// The proxy said 2xx: the stream is the tunnel.
    Open,
    /// The proxy challenged (407) and closed the connection, or left no way to read past
    /// its page: the answer goes on a new connection ("Connect me again please", as curl).
    Again,
}

/// Asks `proxy` (already connected as `tcp`) for a tunnel to `host:port`, saying `head`; on
/// a 2xx the stream is the tunnel. A 407 whose challenge `auth` takes is asked again on the
/// same connection, its page read first, as curl does, or on a new one when the proxy
/// closes this one ([`Tunnel::Again`]; `answered` says a challenge was taken, across the
/// connections of one dial, so a refused answer is not sent forever). A refusal is curl's
/// 56, with the proxy's status in words. Each answer's head is added to `answers` as it
/// arrives, for `-i` and `-D` to show (also when the tunnel is refused, as curl shows it);
/// `-v` and `--trace` see the exchange as curl shows it.
pub async fn tunnel<S: AsyncRead + AsyncWrite + Unpin>(
    tcp: &mut S,
    proxy: &Proxy,
    (host, port): (&str, u16),
    (head, auth): (&ConnectHead, &ProxyAuth),
    trace: Verbose,
    (answers, answered): (&mut Vec<head::Head>, &mut bool),
) -> Result<Tunnel, FetchError> {
    let target = format!("{host}:{port}");
    let login = proxy.login();
    loop {
        trace.info(format_args!("Establish HTTP proxy tunnel to {target}"));
        let authorization = auth
            .after_challenge(&login, "CONNECT", &target)
            .or_else(|| proxy.authorization.clone());
        if let Some(line) = auth.shown(&login, authorization.as_deref()) {
            trace.info(line);
        }
        let ask = head.render(&target, authorization.as_deref());
        trace.request(ask.as_bytes());
        let sent = match tcp.write_all(ask.as_bytes()).await {
            Ok(()) => tcp.flush().await,
            Err(e) => Err(e),
        };
        sent.map_err(|e| FetchError::Send(describe(&e)))?;
        let (reply, page) = connect_reply(tcp, proxy).await?;
        trace.response(&reply.raw);
        answers.push(reply.clone());
        if (200..300).contains(&reply.status) {
            trace.info("CONNECT phase completed");
            trace.info(format_args!(
                "CONNECT tunnel established, response {}",
                reply.status
            ));
            return Ok(Tunnel::Open);
        }
        if reply.status == 407 && auth.answer(&login, &reply, answered) {
            if reply.keeps_alive() && skip_page(tcp, &reply, page).await {
                continue;
            }
            return Ok(Tunnel::Again);
        }
        trace.info(format_args!(
            "CONNECT tunnel failed, response {}",
            reply.status
        ));
        return Err(FetchError::Recv(format!(
            "the proxy {}:{} refused the tunnel to {target}: {} {}",
            proxy.host, proxy.port, reply.status, reply.reason
        )));
    }
}

/// The proxy's answer to CONNECT, and the bytes of its page read with it.
async fn connect_reply<S: AsyncRead + Unpin>(
    tcp: &mut S,
    proxy: &Proxy,
) -> Result<(head::Head, Vec<u8>), FetchError> {
    let mut reply = Vec::new();
    let mut chunk = [0u8; 1024];
    loop {
        match head::parse(&reply).map_err(|e| FetchError::BadReply(format!("proxy: {e}")))? {
            // A refusal may come with a page; a 2xx must leave the tunnel untouched.
            Parsed::Complete(head, used) if used == reply.len() || head.status >= 300 => {
                return Ok((head, reply.split_off(used)))
            }
            Parsed::Complete(..) => {
                return Err(FetchError::BadReply(
                    "the proxy sent data after its answer to CONNECT".into(),
                ))
            }
            Parsed::Partial if reply.len() > MAX_CONNECT_REPLY => {
                return Err(FetchError::BadReply(
                    "the proxy's answer is too long".into(),
                ))
            }
            Parsed::Partial => {}
        }
        let n = tcp
            .read(&mut chunk)
            .await
            .map_err(|e| FetchError::Recv(describe(&e)))?;
        if n == 0 {
            return Err(FetchError::Recv(format!(
                "the proxy {}:{} closed the connection instead of answering CONNECT",
                proxy.host, proxy.port
            )));
        }
        reply.extend_from_slice(&chunk[..n]);
    }
}

/// Reads past the page of a refusal to CONNECT (`read` bytes of it came with the head), so
/// the connection can carry the next CONNECT; false when its length is not given or is
/// more than a refusal's page should be.
async fn skip_page<S: AsyncRead + Unpin>(tcp: &mut S, reply: &head::Head, read: Vec<u8>) -> bool {
    let Ok(head::BodyFraming::Length(len)) = reply.framing("CONNECT") else {
        return false;
    };
    if len > MAX_CONNECT_REPLY as u64 || (read.len() as u64) > len {
        return false;
    }
    let mut left = len - read.len() as u64;
    let mut chunk = [0u8; 1024];
    while left > 0 {
        match tcp.read(&mut chunk).await {
            Ok(n) if n > 0 => left = left.saturating_sub(n as u64),
            _ => return false,
        }
    }
    true
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashMap;

    fn choose(flags: ProxyFlags<'_>, env: &[(&str, &str)]) -> Proxies {
        let env: HashMap<String, String> = env
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect();
        Proxies::choose(&flags, |name| env.get(name).cloned()).unwrap()
    }

    fn none() -> ProxyFlags<'static> {
        ProxyFlags {
            proxy: None,
            user: None,
            noproxy: None,
            preproxy: None,
            auth: AuthMode::Basic,
        }
    }

    fn host(proxies: &Proxies, url: &str) -> Option<String> {
        proxies
            .for_url(&Url::parse(url).unwrap())
            .map(|p| format!("{}:{}", p.host, p.port))
    }

    #[test]
    fn environment_as_curl_reads_it() {
        let env = [("HTTP_PROXY", "upper:1"), ("HTTPS_PROXY", "secure:2")];
        let p = choose(none(), &env);
        assert_eq!(host(&p, "http://a.test/"), None, "HTTP_PROXY is ignored");
        assert_eq!(host(&p, "https://a.test/").as_deref(), Some("secure:2"));
        let p = choose(none(), &[("http_proxy", "lower"), ("ALL_PROXY", "all:3")]);
        assert_eq!(host(&p, "http://a.test/").as_deref(), Some("lower:1080"));
        assert_eq!(host(&p, "https://a.test/").as_deref(), Some("all:3"));
    }

    #[test]
    fn flags_win_and_empty_turns_off() {
        let env = [("http_proxy", "env:1")];
        let flags = ProxyFlags {
            proxy: Some("http://u:p%40ss@flag:8"),
            ..none()
        };
        let p = choose(flags, &env);
        let chosen = p.for_url(&Url::parse("http://a.test/").unwrap()).unwrap();
        assert_eq!((chosen.host.as_str(), chosen.port), ("flag", 8));
        assert_eq!(
            chosen.authorization.as_deref(),
            Some(request::basic("u:p@ss").as_str())
        );
        let off = ProxyFlags {
            proxy: Some(""),
            ..none()
        };
        assert_eq!(host(&choose(off, &env), "http://a.test/"), None);
        let err = Proxies::choose(
            &ProxyFlags {
                proxy: Some("ftp://h:1"),
                ..none()
            },
            |_| None,
        )
        .unwrap_err();
        assert_eq!(
            err.exit_code(),
            7,
            "curl's code for a proxy scheme it does not know"
        );
    }

    #[test]
    fn noproxy_matches_suffixes_ips_and_star() {
        let env = [
            ("http_proxy", "p:1"),
            ("NO_PROXY", ".example.com, 10.0.0.1,::1"),
        ];
        let p = choose(none(), &env);
        assert_eq!(host(&p, "http://example.com/"), None);
        assert_eq!(host(&p, "http://www.example.com/"), None);
        assert!(host(&p, "http://badexample.com/").is_some());
        assert_eq!(host(&p, "http://10.0.0.1/"), None);
        assert_eq!(host(&p, "http://[::1]/"), None);
        let star = ProxyFlags {
            noproxy: Some("*"),
            ..none()
        };
        assert_eq!(host(&choose(star, &env), "http://any.test/"), None);
    }
}
