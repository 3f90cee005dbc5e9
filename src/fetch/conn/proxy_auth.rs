//! Owns authentication to an HTTP proxy as curl 7.88 does it: Basic with the first request
//! (`--proxy-basic`, the default), or nothing until the proxy answers 407, then Digest
//! (`--proxy-digest`) or the strongest scheme its `Proxy-Authenticate` offers
//! (`--proxy-anyauth`: Digest, else Basic).
//!
//! The proxy's challenge is kept for one URL's transfer, shared by every connection it makes
//! through the proxy (the state sits behind an `Arc`), so later requests answer it at once
//! with `nc` counting up, as the origin's Digest does; the next URL starts anew
//! ([`ProxyAuth::fresh`]), as curl's does. The Digest arithmetic is `http::digest`'s.

use crate::fetch::http::digest::{fresh_cnonce, AuthMode, DigestState, Offers};
use crate::fetch::http::head::Head;
use crate::fetch::http::request;
use std::sync::{Arc, Mutex, PoisonError};

/// The proxy an answer is for: its key (`Proxy::key`, the route through it) and the
/// credentials it was given.
#[derive(Debug, Clone)]
pub struct Login<'a> {
    /// The proxy's identity.
    pub key: String,
    /// USER and PASSWORD, when it has them.
    pub credentials: Option<&'a (String, String)>,
}

/// How requests authenticate to HTTP proxies, and what the proxy asked for so far.
#[derive(Debug, Clone, Default)]
pub struct ProxyAuth {
    /// `--proxy-basic`, `--proxy-digest` or `--proxy-anyauth`.
    mode: AuthMode,
    state: Arc<Mutex<Answering>>,
}

/// What a proxy's 407 asked for.
#[derive(Debug, Default)]
struct Answering {
    /// The Digest challenge in use, for the proxy its `origin` names.
    digest: Option<DigestState>,
    /// `--proxy-anyauth` met a proxy offering Basic only: the proxy it is sent to.
    basic_for: Option<String>,
}

impl ProxyAuth {
    /// Authentication in `mode`.
    pub fn new(mode: AuthMode) -> Self {
        ProxyAuth {
            mode,
            state: Arc::default(),
        }
    }

    /// The same mode with nothing asked for yet: each URL of a command line answers its
    /// proxy's challenges anew, as curl 7.88 does (its first request through a Digest
    /// proxy goes without credentials).
    pub fn fresh(&self) -> Self {
        ProxyAuth::new(self.mode)
    }

    /// Whether the credentials go with the first request, as Basic.
    pub fn up_front(&self) -> bool {
        self.mode == AuthMode::Basic
    }

    /// Whether a request's body waits for `proxy`'s 407 (sent with Content-Length: 0 until
    /// then): under `--proxy-digest`, whose answer takes another round trip, as curl does;
    /// `--proxy-anyauth` sends it with the first request, as curl does too.
    pub fn awaits_challenge(&self, proxy: &Login<'_>) -> bool {
        self.mode == AuthMode::Digest && proxy.credentials.is_some()
    }

    /// What `-v` says of a request through `proxy` that carries `authorization` (or none
    /// yet), as curl says it: `Proxy auth using SCHEME with user 'USER'`. `--proxy-digest`
    /// names Digest from the first request on, before the proxy's challenge, as curl does.
    pub fn shown(&self, proxy: &Login<'_>, authorization: Option<&str>) -> Option<String> {
        let (user, _) = proxy.credentials?;
        let scheme = match authorization {
            Some(value) => value.split(' ').next().unwrap_or_default(),
            None if self.awaits_challenge(proxy) => "Digest",
            None => return None,
        };
        Some(format!("Proxy auth using {scheme} with user '{user}'"))
    }

    /// The `Proxy-Authorization` for a request through `proxy` of `method` on `uri` (the
    /// path and query, or `host:port` for CONNECT), once its 407 said what to answer.
    pub fn after_challenge(&self, proxy: &Login<'_>, method: &str, uri: &str) -> Option<String> {
        let (user, password) = proxy.credentials?;
        let mut state = self.lock();
        let key = proxy.key.clone();
        if state.basic_for.as_deref() == Some(key.as_str()) {
            return Some(request::basic(&format!("{user}:{password}")));
        }
        let digest = state.digest.as_mut().filter(|d| d.origin == key)?;
        Some(digest.authorization(user, password, method, uri))
    }

    /// After `proxy` answered 407 with `head`: whether to ask again, having taken its
    /// challenge (Digest, or Basic with `--proxy-anyauth` when no Digest is offered). Once
    /// per request (`answered`), and once more when the proxy says the nonce was stale;
    /// never without credentials or under `--proxy-basic`.
    pub fn answer(&self, proxy: &Login<'_>, head: &Head, answered: &mut bool) -> bool {
        if self.mode == AuthMode::Basic || proxy.credentials.is_none() {
            return false;
        }
        let offers = Offers::parse(head.values("proxy-authenticate"));
        let mut state = self.lock();
        let key = proxy.key.clone();
        if let Some(challenge) = offers.digest {
            if *answered && !challenge.stale {
                return false;
            }
            let Some(cnonce) = fresh_cnonce() else {
                return false;
            };
            state.digest = Some(DigestState::new(challenge, key, cnonce));
        } else if self.mode == AuthMode::Any && offers.basic && !*answered {
            state.basic_for = Some(key);
        } else {
            return false;
        }
        *answered = true;
        true
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Answering> {
        self.state.lock().unwrap_or_else(PoisonError::into_inner)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::fetch::http::head::{parse, Parsed};

    fn proxy() -> Login<'static> {
        static USER: std::sync::OnceLock<(String, String)> = std::sync::OnceLock::new();
        Login {
            key: "Http://proxy.test:3128".into(),
            credentials: Some(USER.get_or_init(|| ("user".into(), "secret".into()))),
        }
    }

    fn head(challenges: &[&str]) -> Head {
        let mut text = String::from("HTTP/1.1 407 Proxy Authentication Required\r\n");
        for c in challenges {
            text.push_str(&format!("Proxy-Authenticate: {c}\r\n"));
        }
        text.push_str("\r\n");
        let Ok(Parsed::Complete(head, _)) = parse(text.as_bytes()) else {
            panic!("a complete head")
        };
        head
    }

    /// `--proxy-digest` answers the proxy's Digest challenge, once, with `nc` counting up
    /// on later requests; `--proxy-basic` never waits for a challenge.
    #[test]
    fn digest_answers_the_proxys_challenge_once() {
        let auth = ProxyAuth::new(AuthMode::Digest);
        let p = proxy();
        assert_eq!(auth.after_challenge(&p, "GET", "/"), None);
        let challenge = head(&["Digest realm=\"r\", nonce=\"n\", qop=\"auth\""]);
        let mut answered = false;
        assert!(auth.answer(&p, &challenge, &mut answered));
        assert!(!auth.answer(&p, &challenge, &mut answered));
        let first = auth.after_challenge(&p, "GET", "/x").unwrap();
        assert!(first.starts_with("Digest username=\"user\", realm=\"r\", nonce=\"n\", uri=\"/x\""));
        assert!(first.contains("nc=00000001"));
        let second = auth.after_challenge(&p, "CONNECT", "h:443").unwrap();
        assert!(second.contains("uri=\"h:443\"") && second.contains("nc=00000002"));
        assert!(!ProxyAuth::new(AuthMode::Basic).answer(&p, &challenge, &mut false));
    }

    /// `--proxy-anyauth` takes Digest over Basic, and Basic when that is all there is;
    /// `--proxy-digest` does not fall back to Basic.
    #[test]
    fn anyauth_picks_the_strongest_offer() {
        let p = proxy();
        let both = head(&["Basic realm=\"r\"", "Digest realm=\"r\", nonce=\"n\""]);
        let any = ProxyAuth::new(AuthMode::Any);
        assert!(any.answer(&p, &both, &mut false));
        assert!(any
            .after_challenge(&p, "GET", "/")
            .unwrap()
            .starts_with("Digest "));
        let basic = head(&["Basic realm=\"r\""]);
        let any = ProxyAuth::new(AuthMode::Any);
        assert!(any.answer(&p, &basic, &mut false));
        assert_eq!(
            any.after_challenge(&p, "GET", "/").as_deref(),
            Some(request::basic("user:secret").as_str())
        );
        assert!(!ProxyAuth::new(AuthMode::Digest).answer(&p, &basic, &mut false));
    }
}
