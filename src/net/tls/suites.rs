//! Owns what a TLS client offers: the protocol versions (`--tlsv1.x`, `--tls-max`), the
//! cipher suites (`--ciphers` for TLS 1.2, `--tls13-ciphers`) and the key exchange groups
//! (`--curves`), as curl takes them, mapped onto what rustls speaks.
//!
//! rustls speaks TLS 1.2 and 1.3 only, with AEAD suites and three groups, so a curl line
//! asking for something else is told so plainly: a version range that leaves neither is
//! curl's 35, a list naming nothing rustls has is curl's 59. Names are OpenSSL's (what curl
//! with OpenSSL, Debian's curl, takes) or IANA's (what curl with rustls takes), `:`, `,` or
//! space separated; as with OpenSSL, a suite name that is not known is passed over when
//! others are, while one unknown group fails the whole `--curves` list.

use super::options::{TlsOptions, TlsVersion};
use super::{crypto_provider, TlsError};
use rustls::crypto::{CryptoProvider, SupportedKxGroup};
use rustls::{CipherSuite, NamedGroup, SupportedCipherSuite, SupportedProtocolVersion};
use std::sync::Arc;

/// What a connection offers: a provider restricted to the chosen suites and groups, and the
/// versions.
pub struct Offer {
    /// The crypto provider, with only the chosen suites and groups.
    pub provider: Arc<CryptoProvider>,
    /// The versions, newest first.
    pub versions: Vec<&'static SupportedProtocolVersion>,
}

/// The TLS 1.2 suites rustls has, by OpenSSL's name.
const TLS12: [(&str, CipherSuite); 6] = [
    (
        "ECDHE-ECDSA-AES128-GCM-SHA256",
        CipherSuite::TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256,
    ),
    (
        "ECDHE-ECDSA-AES256-GCM-SHA384",
        CipherSuite::TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384,
    ),
    (
        "ECDHE-ECDSA-CHACHA20-POLY1305",
        CipherSuite::TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256,
    ),
    (
        "ECDHE-RSA-AES128-GCM-SHA256",
        CipherSuite::TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256,
    ),
    (
        "ECDHE-RSA-AES256-GCM-SHA384",
        CipherSuite::TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384,
    ),
    (
        "ECDHE-RSA-CHACHA20-POLY1305",
        CipherSuite::TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305_SHA256,
    ),
];

/// What a `--ciphers` list that names nothing is told.
const TLS12_KNOWN: &str = "sockit has the ECDHE-ECDSA- and ECDHE-RSA- suites with \
    AES128-GCM-SHA256, AES256-GCM-SHA384 and CHACHA20-POLY1305";

/// What a `--tls13-ciphers` list that names nothing is told.
const TLS13_KNOWN: &str =
    "sockit has TLS_AES_128_GCM_SHA256, TLS_AES_256_GCM_SHA384 and TLS_CHACHA20_POLY1305_SHA256";

/// Words of OpenSSL's cipher-list syntax that stand for every suite (rustls has strong
/// ones only).
const EVERY_SUITE: [&str; 4] = ["DEFAULT", "ALL", "HIGH", "SECURE"];

/// The groups rustls has, by every name OpenSSL takes for them.
const GROUPS: [(&str, NamedGroup); 7] = [
    ("X25519", NamedGroup::X25519),
    ("P-256", NamedGroup::secp256r1),
    ("prime256v1", NamedGroup::secp256r1),
    ("secp256r1", NamedGroup::secp256r1),
    ("P-384", NamedGroup::secp384r1),
    ("secp384r1", NamedGroup::secp384r1),
    ("prime384v1", NamedGroup::secp384r1),
];

/// Groups OpenSSL knows and rustls does not: skipped in `--curves` rather than refused.
const OTHER_GROUPS: [&str; 9] = [
    "X448",
    "P-521",
    "secp521r1",
    "ffdhe2048",
    "ffdhe3072",
    "ffdhe4096",
    "ffdhe6144",
    "ffdhe8192",
    "brainpoolP256r1",
];

/// What `opts` offers, or why it cannot offer anything.
pub fn choose(opts: &TlsOptions) -> Result<Offer, TlsError> {
    let versions = versions(opts)?;
    let base = crypto_provider();
    if opts.ciphers.is_none() && opts.tls13_ciphers.is_none() && opts.curves.is_none() {
        return Ok(Offer {
            provider: base,
            versions,
        });
    }
    let mut provider = (*base).clone();
    let (tls13, tls12): (Vec<_>, Vec<_>) = base
        .cipher_suites
        .iter()
        .partition(|s| matches!(s, SupportedCipherSuite::Tls13(_)));
    let tls12 = match &opts.ciphers {
        Some(list) => pick_suites(&tls12, list, "cipher list", TLS12_KNOWN)?,
        None => tls12,
    };
    let tls13 = match &opts.tls13_ciphers {
        Some(list) => pick_suites(&tls13, list, "TLS 1.3 cipher suite", TLS13_KNOWN)?,
        None => tls13,
    };
    provider.cipher_suites = tls13.into_iter().chain(tls12).collect();
    if let Some(list) = &opts.curves {
        provider.kx_groups = pick_groups(&base.kx_groups, list)?;
    }
    Ok(Offer {
        provider: Arc::new(provider),
        versions,
    })
}

/// The versions between `--tlsv1.x` and `--tls-max` that rustls speaks.
fn versions(opts: &TlsOptions) -> Result<Vec<&'static SupportedProtocolVersion>, TlsError> {
    let range = opts.versions;
    if let (Some(min), Some(max)) = (range.min, range.max) {
        if max < min {
            return Err(TlsError::Versions(format!(
                "--tls-max {} is below the least version asked for ({}): no TLS version \
                 is left to use",
                &max.name()[4..],
                min.name()
            )));
        }
    }
    let min = range.min.unwrap_or(TlsVersion::V1_2);
    let max = range.max.unwrap_or(TlsVersion::V1_3);
    let spoken = [
        (TlsVersion::V1_3, &rustls::version::TLS13),
        (TlsVersion::V1_2, &rustls::version::TLS12),
    ];
    let chosen: Vec<_> = spoken
        .into_iter()
        .filter(|(v, _)| (min..=max).contains(v))
        .map(|(_, version)| version)
        .collect();
    if chosen.is_empty() {
        return Err(TlsError::Versions(format!(
            "sockit speaks TLSv1.2 and TLSv1.3 only, and --tls-max {} allows neither",
            &max.name()[4..]
        )));
    }
    Ok(chosen)
}

/// The separators of OpenSSL's lists, and curl's.
fn names(list: &str) -> impl Iterator<Item = &str> {
    list.split([':', ',', ' ']).filter(|n| !n.is_empty())
}

/// The suites of `from` that `list` names (in `list`'s order); none is curl's 59.
fn pick_suites(
    from: &[SupportedCipherSuite],
    list: &str,
    what: &'static str,
    known: &'static str,
) -> Result<Vec<SupportedCipherSuite>, TlsError> {
    let mut chosen: Vec<SupportedCipherSuite> = Vec::new();
    for name in names(list) {
        let every = EVERY_SUITE.iter().any(|w| w.eq_ignore_ascii_case(name));
        for suite in from {
            let id = suite.suite();
            let named = every
                || iana(id).is_some_and(|iana| iana.eq_ignore_ascii_case(name))
                || TLS12
                    .iter()
                    .any(|(openssl, s)| *s == id && openssl.eq_ignore_ascii_case(name));
            if named && !chosen.iter().any(|c| c.suite() == id) {
                chosen.push(*suite);
            }
        }
    }
    if chosen.is_empty() {
        return Err(TlsError::Cipher {
            what,
            list: list.to_owned(),
            known,
        });
    }
    Ok(chosen)
}

/// IANA's name of a suite: rustls says `TLS13_AES_128_GCM_SHA256` where IANA (and
/// OpenSSL, and curl) say `TLS_AES_128_GCM_SHA256`.
fn iana(id: CipherSuite) -> Option<String> {
    id.as_str().map(|name| name.replacen("TLS13_", "TLS_", 1))
}

/// The groups of `from` that `list` names (in `list`'s order): one name unknown to OpenSSL
/// fails the list, as it does in curl (59); so does a list of groups rustls lacks.
fn pick_groups(
    from: &[&'static dyn SupportedKxGroup],
    list: &str,
) -> Result<Vec<&'static dyn SupportedKxGroup>, TlsError> {
    let refused = || TlsError::Cipher {
        what: "curves list",
        list: list.to_owned(),
        known: "sockit has X25519, P-256 and P-384",
    };
    let mut chosen: Vec<&'static dyn SupportedKxGroup> = Vec::new();
    for name in names(list) {
        let group = GROUPS
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, g)| *g);
        let Some(group) = group else {
            if OTHER_GROUPS.iter().any(|n| n.eq_ignore_ascii_case(name)) {
                continue;
            }
            return Err(refused());
        };
        let found = from.iter().find(|g| g.name() == group);
        if let Some(g) = found.filter(|g| !chosen.iter().any(|c| c.name() == g.name())) {
            chosen.push(*g);
        }
    }
    if chosen.is_empty() {
        return Err(refused());
    }
    Ok(chosen)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::net::tls::options::VersionRange;

    fn with(f: impl FnOnce(&mut TlsOptions)) -> TlsOptions {
        let mut opts = TlsOptions::default();
        f(&mut opts);
        opts
    }

    /// `--tlsv1.0` still offers what rustls has; `--tls-max 1.2` stops at 1.2; a maximum
    /// below the minimum, or below 1.2, is refused.
    #[test]
    fn versions_are_the_range_rustls_can_meet() {
        let range =
            |min, max| versions(&with(|o| o.versions = VersionRange { min, max })).map(|v| v.len());
        assert_eq!(range(Some(TlsVersion::V1_0), None).unwrap(), 2);
        assert_eq!(range(None, Some(TlsVersion::V1_2)).unwrap(), 1);
        assert_eq!(range(Some(TlsVersion::V1_3), None).unwrap(), 1);
        let below = range(Some(TlsVersion::V1_3), Some(TlsVersion::V1_2)).unwrap_err();
        assert_eq!(below.exit_code(), 35);
        assert_eq!(
            range(None, Some(TlsVersion::V1_1)).unwrap_err().exit_code(),
            35
        );
    }

    /// OpenSSL's and IANA's names both pick a suite; a list naming none is curl's 59.
    #[test]
    fn cipher_names_are_openssls_or_ianas() {
        let offer = |list: &str| {
            choose(&with(|o| o.ciphers = Some(list.into()))).map(|o| o.provider.cipher_suites.len())
        };
        let tls13 = 3;
        assert_eq!(offer("ECDHE-ECDSA-AES128-GCM-SHA256").unwrap(), tls13 + 1);
        assert_eq!(
            offer("BOGUS:TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384,ECDHE-RSA-AES128-GCM-SHA256")
                .unwrap(),
            tls13 + 2
        );
        assert_eq!(offer("BOGUS").unwrap_err().exit_code(), 59);
        let only13 = choose(&with(|o| {
            o.tls13_ciphers = Some("TLS_AES_256_GCM_SHA384".into())
        }));
        assert_eq!(only13.unwrap().provider.cipher_suites.len(), 1 + 6);
    }

    /// Curves by OpenSSL's names; one name OpenSSL does not know fails the list (59), one it
    /// knows and rustls lacks is passed over.
    #[test]
    fn curves_fail_on_an_unknown_name() {
        let groups = |list: &str| {
            choose(&with(|o| o.curves = Some(list.into()))).map(|o| o.provider.kx_groups.len())
        };
        assert_eq!(groups("prime256v1:secp384r1").unwrap(), 2);
        assert_eq!(groups("X448:x25519").unwrap(), 1);
        assert_eq!(groups("bogus:X25519").unwrap_err().exit_code(), 59);
        assert_eq!(groups("X448").unwrap_err().exit_code(), 59);
    }
}
