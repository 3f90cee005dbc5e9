//! Owns HTTP proxies: choosing one for a URL as curl does (`-x`, then the environment:
//! `http_proxy` in lower case only, `HTTPS_PROXY`/`https_proxy`, `ALL_PROXY`/`all_proxy`;
//! `--noproxy`, then `NO_PROXY`/`no_proxy`), and the CONNECT tunnel that carries https.
//!
//! Plain http goes to the proxy as an absolute-form request (`GET http://host/path`), which
//! `request.rs` renders; https goes through `CONNECT host:port`, then TLS with the origin
//! as if the tunnel were the network. `http_proxy` is read in lower case only because a CGI
//! program sees a request's `Proxy:` header as `HTTP_PROXY` (httpoxy), as curl reasons.

use super::noproxy;
use crate::fetch::error::{describe, FetchError};
use crate::fetch::http::head::{self, Parsed};
use crate::fetch::http::request;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;
use url::Url;

/// curl's port for a proxy given without one.
const DEFAULT_PORT: u16 = 1080;

/// A proxy to go through.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Proxy {
    /// The proxy's host (a name or an IP literal, IPv6 in brackets).
    pub host: String,
    /// Its port.
    pub port: u16,
    /// `Proxy-Authorization` (Basic), from the proxy URL's `user:pass@` or `-U`.
    pub authorization: Option<String>,
}

/// The proxies of one run, chosen once from the flags and the environment.
#[derive(Debug, Clone, Default)]
pub struct Proxies {
    http: Option<Proxy>,
    https: Option<Proxy>,
    /// Hosts reached directly (`--noproxy`, `NO_PROXY`), as given.
    no_proxy: String,
}

/// The flags that choose proxies.
pub struct ProxyFlags<'a> {
    /// `-x`: "" turns proxies off, the environment's included.
    pub proxy: Option<&'a str>,
    /// `-U USER:PASSWORD`.
    pub user: Option<&'a str>,
    /// `--noproxy LIST`.
    pub noproxy: Option<&'a str>,
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
        let parse = |text: Option<String>| text.map(|t| parse(&t, flags.user)).transpose();
        let no_proxy = flags
            .noproxy
            .map(str::to_string)
            .or_else(|| var(&["no_proxy", "NO_PROXY"]))
            .unwrap_or_default();
        Ok(Proxies {
            http: parse(http)?,
            https: parse(https)?,
            no_proxy,
        })
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

/// Parses `[http://][user:pass@]host[:port]`; `-U` overrides the URL's credentials.
fn parse(text: &str, user: Option<&str>) -> Result<Proxy, FetchError> {
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
    if url.scheme() != "http" {
        return Err(FetchError::UnsupportedProtocol(format!(
            "{} (proxy; sockit speaks to http:// proxies only)",
            url.scheme()
        )));
    }
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
    Ok(Proxy {
        host: host.to_string(),
        port: url.port().unwrap_or(DEFAULT_PORT),
        authorization: user
            .map(str::to_string)
            .or(from_url)
            .map(|u| request::basic(&u)),
    })
}

/// The most a proxy's answer to CONNECT may take.
const MAX_CONNECT_REPLY: usize = 16 * 1024;

/// Asks `proxy` (already connected as `tcp`) for a tunnel to `host:port`; on a 2xx the
/// stream is the tunnel. A refusal is curl's 56, with the proxy's status in words.
pub async fn tunnel(
    tcp: &mut TcpStream,
    proxy: &Proxy,
    host: &str,
    port: u16,
) -> Result<(), FetchError> {
    let target = format!("{host}:{port}");
    let mut ask = format!("CONNECT {target} HTTP/1.1\r\nHost: {target}\r\n");
    if let Some(auth) = &proxy.authorization {
        ask.push_str(&format!("Proxy-Authorization: {auth}\r\n"));
    }
    ask.push_str("\r\n");
    tcp.write_all(ask.as_bytes())
        .await
        .map_err(|e| FetchError::Send(describe(&e)))?;
    let mut reply = Vec::new();
    let mut chunk = [0u8; 1024];
    let head = loop {
        match head::parse(&reply).map_err(|e| FetchError::BadReply(format!("proxy: {e}")))? {
            // A refusal may come with a page; a 2xx must leave the tunnel untouched.
            Parsed::Complete(head, used) if used == reply.len() || head.status >= 300 => {
                break head
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
    };
    if (200..300).contains(&head.status) {
        return Ok(());
    }
    Err(FetchError::Recv(format!(
        "the proxy {}:{} refused the tunnel to {target}: {} {}",
        proxy.host, proxy.port, head.status, head.reason
    )))
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
        assert!(Proxies::choose(
            &ProxyFlags {
                proxy: Some("socks5://h:1"),
                ..none()
            },
            |_| None
        )
        .is_err());
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
