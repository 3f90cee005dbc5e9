//! Owns HTTP Digest authentication (RFC 7616) as curl 7.88 speaks it: reading a
//! `WWW-Authenticate: Digest` challenge, and the `Authorization` answer for a request, with
//! MD5 or SHA-256 (and their `-sess` forms), `qop=auth` (or none), and `nc` counting up as
//! the challenge's nonce is used again within the run.
//!
//! Pure: the caller supplies the client nonce and keeps the [`DigestState`] between requests.

use md5::{Digest as _, Md5};

/// Which authentication `-u` uses (`--basic`, `--digest`, `--anyauth`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum AuthMode {
    /// Basic, sent with the first request (curl's default).
    #[default]
    Basic,
    /// Digest, after the server's challenge.
    Digest,
    /// Ask first, then the strongest scheme the server offers (Digest, else Basic).
    Any,
}

/// The hash a challenge names.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Algorithm {
    Md5,
    Sha256,
}

/// A Digest challenge.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Challenge {
    realm: String,
    nonce: String,
    opaque: Option<String>,
    /// `algorithm=` as the server wrote it (echoed back), if it did.
    algorithm_text: Option<String>,
    algorithm: Algorithm,
    /// `-sess`: the session key includes the nonces.
    session: bool,
    /// The server offers `qop=auth`.
    qop_auth: bool,
    /// `stale=true`: the nonce expired, the credentials were right.
    pub stale: bool,
}

/// The schemes a response offers, from its `WWW-Authenticate` headers: the first Digest
/// challenge curl would take, and whether Basic and Bearer are offered.
#[derive(Debug, Default, PartialEq, Eq)]
pub struct Offers {
    /// The first usable Digest challenge.
    pub digest: Option<Challenge>,
    /// Basic is offered.
    pub basic: bool,
    /// Bearer (OAuth 2.0) is offered.
    pub bearer: bool,
}

impl Offers {
    /// Reads the values of every `WWW-Authenticate` header.
    pub fn parse<'a>(values: impl Iterator<Item = &'a [u8]>) -> Self {
        let mut offers = Offers::default();
        for value in values {
            let text = String::from_utf8_lossy(value);
            let text = text.trim();
            let (scheme, rest) = text.split_once([' ', '\t']).unwrap_or((text, ""));
            if scheme.eq_ignore_ascii_case("basic") {
                offers.basic = true;
            } else if scheme.eq_ignore_ascii_case("bearer") {
                offers.bearer = true;
            } else if scheme.eq_ignore_ascii_case("digest") && offers.digest.is_none() {
                offers.digest = Challenge::parse(rest);
            }
        }
        offers
    }
}

impl Challenge {
    /// Reads a Digest challenge's parameters (after `Digest `); None without a nonce, or
    /// with an algorithm sockit does not know.
    pub fn parse(params: &str) -> Option<Challenge> {
        let mut challenge = Challenge {
            realm: String::new(),
            nonce: String::new(),
            opaque: None,
            algorithm_text: None,
            algorithm: Algorithm::Md5,
            session: false,
            qop_auth: false,
            stale: false,
        };
        for (key, value) in pairs(params) {
            match key.to_ascii_lowercase().as_str() {
                "realm" => challenge.realm = value,
                "nonce" => challenge.nonce = value,
                "opaque" => challenge.opaque = Some(value),
                "stale" => challenge.stale = value.eq_ignore_ascii_case("true"),
                "qop" => {
                    challenge.qop_auth = value
                        .split(',')
                        .any(|q| q.trim().eq_ignore_ascii_case("auth"));
                }
                "algorithm" => {
                    let upper = value.to_ascii_uppercase();
                    let (name, session) = match upper.strip_suffix("-SESS") {
                        Some(name) => (name.to_string(), true),
                        None => (upper, false),
                    };
                    challenge.algorithm = match name.as_str() {
                        "MD5" => Algorithm::Md5,
                        "SHA-256" => Algorithm::Sha256,
                        _ => return None,
                    };
                    challenge.session = session;
                    challenge.algorithm_text = Some(value);
                }
                _ => {}
            }
        }
        // A value with a control character would put the server's bytes on a line of ours.
        let control = [&challenge.realm, &challenge.nonce]
            .into_iter()
            .chain(&challenge.opaque)
            .chain(&challenge.algorithm_text)
            .any(|v| v.chars().any(char::is_control));
        if control {
            return None;
        }
        (!challenge.nonce.is_empty()).then_some(challenge)
    }

    fn hash(&self, text: &str) -> String {
        let bytes: Vec<u8> = match self.algorithm {
            Algorithm::Md5 => Md5::digest(text.as_bytes()).to_vec(),
            Algorithm::Sha256 => ring::digest::digest(&ring::digest::SHA256, text.as_bytes())
                .as_ref()
                .to_vec(),
        };
        bytes.iter().map(|b| format!("{b:02x}")).collect()
    }
}

/// The challenge in use for one origin and how many times its nonce was sent.
#[derive(Debug, Clone)]
pub struct DigestState {
    /// The challenge.
    pub challenge: Challenge,
    /// `scheme://host:port` it was received from.
    pub origin: String,
    /// The last `nc` sent.
    nc: u32,
    /// The client nonce, kept for the nonce's life as curl keeps it.
    cnonce: String,
}

impl DigestState {
    /// Starts using `challenge` from `origin`, with the client nonce `cnonce`.
    pub fn new(challenge: Challenge, origin: String, cnonce: String) -> Self {
        DigestState {
            challenge,
            origin,
            nc: 0,
            cnonce,
        }
    }

    /// The `Authorization` value for `method` on `uri` (the request target), counting the
    /// nonce's use, in curl's words and order.
    pub fn authorization(&mut self, user: &str, password: &str, method: &str, uri: &str) -> String {
        let c = &self.challenge;
        let mut ha1 = c.hash(&format!("{user}:{}:{password}", c.realm));
        if c.session {
            ha1 = c.hash(&format!("{ha1}:{}:{}", c.nonce, self.cnonce));
        }
        let ha2 = c.hash(&format!("{method}:{uri}"));
        let (user_q, realm_q) = (quoted(user), quoted(&c.realm));
        let mut value = if c.qop_auth {
            self.nc += 1;
            let nc = format!("{:08x}", self.nc);
            let response = c.hash(&format!(
                "{ha1}:{}:{nc}:{}:auth:{ha2}",
                c.nonce, self.cnonce
            ));
            format!(
                "Digest username=\"{user_q}\", realm=\"{realm_q}\", nonce=\"{}\", uri=\"{uri}\", \
                 cnonce=\"{}\", nc={nc}, qop=auth, response=\"{response}\"",
                c.nonce, self.cnonce
            )
        } else {
            let response = c.hash(&format!("{ha1}:{}:{ha2}", c.nonce));
            format!(
                "Digest username=\"{user_q}\", realm=\"{realm_q}\", nonce=\"{}\", uri=\"{uri}\", \
                 response=\"{response}\"",
                c.nonce
            )
        };
        if let Some(opaque) = &c.opaque {
            value.push_str(&format!(", opaque=\"{opaque}\""));
        }
        if let Some(algorithm) = &c.algorithm_text {
            value.push_str(&format!(", algorithm={algorithm}"));
        }
        value
    }
}

/// A fresh client nonce from the system's randomness, or None when it has none to give.
pub fn fresh_cnonce() -> Option<String> {
    let mut random = [0u8; 16];
    ring::rand::SecureRandom::fill(&ring::rand::SystemRandom::new(), &mut random).ok()?;
    Some(cnonce(random))
}

/// A client nonce of curl's shape: 32 random hex digits, base64-encoded.
pub fn cnonce(random: [u8; 16]) -> String {
    use base64::Engine as _;
    let hex: String = random.iter().map(|b| format!("{b:02x}")).collect();
    base64::engine::general_purpose::STANDARD.encode(hex)
}

/// `"` and `\` escaped with a backslash, as curl quotes the user name and realm.
fn quoted(text: &str) -> String {
    text.replace('\\', "\\\\").replace('"', "\\\"")
}

/// The `key=value` pairs of a challenge: values bare or quoted (with `\` escapes),
/// separated by commas.
fn pairs(text: &str) -> Vec<(String, String)> {
    let mut out = Vec::new();
    let mut rest = text.trim_start_matches([' ', '\t', ',']);
    while let Some(eq) = rest.find('=') {
        let key = rest[..eq].trim().to_string();
        let after = rest[eq + 1..].trim_start();
        let (value, next) = match after.strip_prefix('"') {
            Some(quoted) => {
                let mut value = String::new();
                let mut chars = quoted.char_indices();
                let mut end = quoted.len();
                while let Some((at, c)) = chars.next() {
                    match c {
                        '\\' => value.extend(chars.next().map(|(_, c)| c)),
                        '"' => {
                            end = at + 1;
                            break;
                        }
                        c => value.push(c),
                    }
                }
                (value, &quoted[end..])
            }
            None => {
                let end = after.find(',').unwrap_or(after.len());
                (after[..end].trim().to_string(), &after[end..])
            }
        };
        out.push((key, value));
        rest = next.trim_start_matches(|c: char| c != ',' && c.is_whitespace());
        rest = match rest.find(',') {
            Some(at) => rest[at + 1..].trim_start(),
            None => "",
        };
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    /// RFC 7616 section 3.9.1's example, MD5 and SHA-256: the same responses.
    #[test]
    fn rfc7616_examples() {
        let params = "realm=\"http-auth@example.org\", qop=\"auth, auth-int\", \
                      algorithm=SHA-256, nonce=\"7ypf/xlj9XXwfDPEoM4URrv/xwf94BcCAzFZH4GiTo0v\", \
                      opaque=\"FQhe/qaU925kfnzjCev0ciny7QMkPqMAFRtzCUYo5tdS\"";
        let sha = Challenge::parse(params).unwrap();
        let cnonce = "f2/wE4q74E6zIJEtWaHKaf5wv/H5QzzpXusqGemxURZJ";
        let mut state = DigestState::new(sha.clone(), "o".into(), cnonce.into());
        let header = state.authorization("Mufasa", "Circle of Life", "GET", "/dir/index.html");
        assert!(
            header.contains(
                "response=\"753927fa0e85d155564e2e272a28d1802ca10daf4496794697cf8db5856cb6c1\""
            ),
            "{header}"
        );
        assert!(header.contains("nc=00000001, qop=auth"));
        assert!(header.ends_with(", algorithm=SHA-256"));
        let md5 = Challenge::parse(&params.replace("SHA-256", "MD5")).unwrap();
        let mut state = DigestState::new(md5, "o".into(), cnonce.into());
        let header = state.authorization("Mufasa", "Circle of Life", "GET", "/dir/index.html");
        assert!(
            header.contains("response=\"8ca523f5e9506fed4657c9700eebdbec\""),
            "{header}"
        );
        let again = state.authorization("Mufasa", "Circle of Life", "GET", "/dir/index.html");
        assert!(again.contains("nc=00000002"), "{again}");
    }

    /// RFC 2617's example: no qop, no algorithm, as old servers still send.
    #[test]
    fn rfc2069_style_without_qop() {
        let c = Challenge::parse(
            "realm=\"testrealm@host.com\", nonce=\"dcd98b7102dd2f0e8b11d0f600bfb0c093\"",
        )
        .unwrap();
        let mut state = DigestState::new(c, "o".into(), "x".into());
        let header = state.authorization("Mufasa", "Circle Of Life", "GET", "/dir/index.html");
        assert_eq!(
            header,
            "Digest username=\"Mufasa\", realm=\"testrealm@host.com\", \
             nonce=\"dcd98b7102dd2f0e8b11d0f600bfb0c093\", uri=\"/dir/index.html\", \
             response=\"670fd8c2df070c60b045671b8b24ff02\""
        );
    }

    /// The first Digest challenge is taken; Basic and Bearer are noted; unknown algorithms and
    /// challenges without a nonce are not usable.
    #[test]
    fn offers_are_read_as_curl() {
        let headers: [&[u8]; 3] = [
            b"Basic realm=\"x\"",
            b"Digest realm=\"a\", nonce=\"1\", algorithm=MD5",
            b"Digest realm=\"b\", nonce=\"2\", algorithm=SHA-256",
        ];
        let offers = Offers::parse(headers.into_iter());
        assert!(offers.basic);
        assert!(!offers.bearer);
        assert_eq!(offers.digest.unwrap().realm, "a");
        let bearer: [&[u8]; 1] = [b"bearer realm=\"x\", error=\"invalid_token\""];
        assert!(Offers::parse(bearer.into_iter()).bearer);
        assert_eq!(
            Challenge::parse("realm=\"a\", nonce=\"1\", algorithm=SHA-512-256"),
            None
        );
        assert_eq!(Challenge::parse("realm=\"a\""), None);
        let escaped = Challenge::parse(r#"realm="a \"b\"", nonce=n, stale=TRUE"#).unwrap();
        assert_eq!((escaped.realm.as_str(), escaped.stale), ("a \"b\"", true));
    }

    /// curl's client nonce: 32 hex digits in base64, 44 characters.
    #[test]
    fn cnonces_have_curls_shape() {
        assert_eq!(cnonce([0; 16]).len(), 44);
    }

    proptest! {
        /// Any challenge text reads or is refused without a panic; what reads answers with
        /// a header that holds no line break, whatever the server sent.
        #[test]
        fn any_challenge_is_safe(text in ".{0,80}") {
            if let Some(c) = Challenge::parse(&text) {
                let mut state = DigestState::new(c, "o".into(), "c".into());
                let header = state.authorization("u", "p", "GET", "/");
                prop_assert!(!header.contains(['\r', '\n']));
            }
        }
    }
}
