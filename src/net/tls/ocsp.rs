//! Owns `--cert-status`: the OCSP response a server staples to its certificate, checked as
//! curl checks it with OpenSSL: there must be one, it must be a successful basic response
//! signed by the certificate's issuer, current, and about this certificate, and it must
//! say "good". Anything else is curl's 91, told in words.
//!
//! rustls asks every server for a staple and hands it over unread; the response is decoded
//! with RustCrypto's `x509-ocsp`, and its signature verified with the crypto provider's
//! own algorithms, picked by the response's and the issuer key's algorithm identifiers, so
//! no table of OIDs lives here. A response signed by a delegated responder is not taken.

use super::crypto_provider;
use rustls::pki_types::{CertificateDer, TrustAnchor, UnixTime};
use std::time::Duration;
use x509_cert::der::{Decode, Encode};
use x509_ocsp::{BasicOcspResponse, CertStatus, OcspResponse, OcspResponseStatus};

/// id-pkix-ocsp-basic, the only response type there is.
const BASIC: &str = "1.3.6.1.5.5.7.48.1.1";
/// The hash algorithms a CertID may use: SHA-1 (the usual) and SHA-256.
const SHA1: &str = "1.3.14.3.2.26";
const SHA256: &str = "2.16.840.1.101.3.4.2.1";

/// The issuer of a certificate, as OCSP needs it: its subject (DER contents, no tag) and
/// its SubjectPublicKeyInfo (DER contents).
struct Issuer<'a> {
    subject: &'a [u8],
    spki: &'a [u8],
}

/// Checks `staple` for `leaf`, whose issuer is among `intermediates` or `anchors`, at
/// `now`; why not, in words.
pub fn check(
    staple: &[u8],
    leaf: &CertificateDer<'_>,
    intermediates: &[CertificateDer<'_>],
    anchors: &[TrustAnchor<'_>],
    now: UnixTime,
) -> Result<(), String> {
    if staple.is_empty() {
        return Err("no OCSP response received (--cert-status)".into());
    }
    let bad = |what: &str| format!("invalid OCSP response: {what}");
    let response = OcspResponse::from_der(staple).map_err(|_| bad("malformed"))?;
    if response.response_status != OcspResponseStatus::Successful {
        return Err(bad(&format!("status {:?}", response.response_status)));
    }
    let bytes = response
        .response_bytes
        .ok_or_else(|| bad("no response in it"))?;
    if bytes.response_type.to_string() != BASIC {
        return Err(bad("not a basic OCSP response"));
    }
    let basic =
        BasicOcspResponse::from_der(bytes.response.as_bytes()).map_err(|_| bad("malformed"))?;
    let cert = x509_cert::Certificate::from_der(leaf.as_ref())
        .map_err(|_| bad("the server's certificate does not parse"))?;
    let issuer_name = cert
        .tbs_certificate
        .issuer
        .to_der()
        .map_err(|_| bad("the certificate's issuer does not encode"))?;
    let issuers = issuers(intermediates, anchors);
    let issuer = issuers
        .iter()
        .map(|(subject, spki)| Issuer { subject, spki })
        .find(|i| Some(i.subject) == contents(&issuer_name))
        .ok_or_else(|| {
            bad("the certificate's issuer is not known, so the signature cannot be checked")
        })?;
    verify_signature(&basic, &issuer).map_err(|e| bad(&e))?;
    let serial = cert.tbs_certificate.serial_number.as_bytes();
    let single = basic
        .tbs_response_data
        .responses
        .iter()
        .find(|r| {
            r.cert_id.serial_number.as_bytes() == serial
                && names_issuer(&r.cert_id, &issuer_name, &issuer)
        })
        .ok_or_else(|| bad("it is about another certificate"))?;
    let at = |t: &x509_ocsp::OcspGeneralizedTime| t.0.to_unix_duration();
    let now = Duration::from_secs(now.as_secs());
    // OpenSSL's default leeway for clocks a little apart: five minutes.
    let leeway = Duration::from_secs(300);
    if at(&single.this_update) > now + leeway {
        return Err(bad("it is not valid yet (or the clock is wrong)"));
    }
    if single
        .next_update
        .as_ref()
        .is_some_and(|next| at(next) + leeway < now)
    {
        return Err(bad("it has expired"));
    }
    match &single.cert_status {
        CertStatus::Good(_) => Ok(()),
        CertStatus::Revoked(_) => Err("the server's certificate is revoked (OCSP)".into()),
        CertStatus::Unknown(_) => Err("the OCSP responder does not know the server's \
            certificate (status unknown)"
            .into()),
    }
}

/// The candidate issuers: the intermediates the server sent and the trust anchors, each as
/// (subject, SubjectPublicKeyInfo), DER contents.
fn issuers(
    intermediates: &[CertificateDer<'_>],
    anchors: &[TrustAnchor<'_>],
) -> Vec<(Vec<u8>, Vec<u8>)> {
    let mut found: Vec<(Vec<u8>, Vec<u8>)> = intermediates
        .iter()
        .filter_map(|der| {
            let cert = x509_cert::Certificate::from_der(der.as_ref()).ok()?;
            let subject = cert.tbs_certificate.subject.to_der().ok()?;
            let spki = cert.tbs_certificate.subject_public_key_info.to_der().ok()?;
            Some((contents(&subject)?.to_vec(), contents(&spki)?.to_vec()))
        })
        .collect();
    found.extend(
        anchors
            .iter()
            .map(|a| (a.subject.to_vec(), a.subject_public_key_info.to_vec())),
    );
    found
}

/// Whether `id` names `issuer` (by the hashes of its name and key) in a hash it uses.
fn names_issuer(id: &x509_ocsp::CertId, issuer_name: &[u8], issuer: &Issuer<'_>) -> bool {
    let algorithm = match id.hash_algorithm.oid.to_string().as_str() {
        SHA1 => &ring::digest::SHA1_FOR_LEGACY_USE_ONLY,
        SHA256 => &ring::digest::SHA256,
        _ => return false,
    };
    let Some(key) = public_key(issuer.spki) else {
        return false;
    };
    let hash = |bytes: &[u8]| ring::digest::digest(algorithm, bytes);
    id.issuer_name_hash.as_bytes() == hash(issuer_name).as_ref()
        && id.issuer_key_hash.as_bytes() == hash(key).as_ref()
}

/// Verifies the response's signature with the issuer's key, by the provider's algorithm
/// whose identifiers match the response's and the key's.
fn verify_signature(basic: &BasicOcspResponse, issuer: &Issuer<'_>) -> Result<(), String> {
    let signed = basic
        .tbs_response_data
        .to_der()
        .map_err(|_| "its signed part does not encode".to_string())?;
    let sig_alg = basic
        .signature_algorithm
        .to_der()
        .map_err(|_| "its signature algorithm does not encode".to_string())?;
    let sig_alg = contents(&sig_alg).unwrap_or_default();
    let ((_, key_alg), _) = tlv(issuer.spki).ok_or("the issuer's key does not parse")?;
    let key = public_key(issuer.spki).ok_or("the issuer's key does not parse")?;
    let signature = basic
        .signature
        .as_bytes()
        .ok_or("its signature is not whole bytes")?;
    let provider = crypto_provider();
    let algorithm = provider
        .signature_verification_algorithms
        .all
        .iter()
        .find(|a| *a.signature_alg_id() == *sig_alg && *a.public_key_alg_id() == *key_alg)
        .ok_or("its signature algorithm is not one sockit verifies")?;
    algorithm
        .verify_signature(key, &signed, signature)
        .map_err(|_| "its signature is not the issuer's".to_string())
}

/// The public key bits of a SubjectPublicKeyInfo (DER contents): its BIT STRING's bytes.
fn public_key(spki: &[u8]) -> Option<&[u8]> {
    let (_, rest) = tlv(spki)?;
    let ((tag, bits), _) = tlv(rest)?;
    // A BIT STRING whose first byte says no bits are unused.
    (tag == 0x03 && bits.first() == Some(&0)).then(|| &bits[1..])
}

/// The contents of the one DER element `der` holds.
fn contents(der: &[u8]) -> Option<&[u8]> {
    tlv(der).map(|((_, value), _)| value)
}

/// One DER element: (tag, contents), and the bytes after it.
type Element<'a> = ((u8, &'a [u8]), &'a [u8]);

/// One DER element at the start of `input`: (tag, contents), and what follows it.
fn tlv(input: &[u8]) -> Option<Element<'_>> {
    let (&tag, rest) = input.split_first()?;
    let (&first, rest) = rest.split_first()?;
    let (len, rest) = match first {
        n if n < 0x80 => (usize::from(n), rest),
        0x81..=0x84 => {
            let width = usize::from(first & 0x7f);
            let bytes = rest.get(..width)?;
            let len = bytes.iter().fold(0usize, |n, b| (n << 8) | usize::from(*b));
            (len, &rest[width..])
        }
        _ => return None,
    };
    let value = rest.get(..len)?;
    Some(((tag, value), &rest[len..]))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// No staple is refused in words; bytes that are not OCSP are refused, not panicked on.
    #[test]
    fn a_missing_or_broken_staple_is_refused() {
        let leaf = CertificateDer::from(vec![0x30, 0x00]);
        let now = UnixTime::now();
        let missing = check(&[], &leaf, &[], &[], now).unwrap_err();
        assert!(missing.contains("no OCSP response"), "{missing}");
        let broken = check(b"\x30\x03\x0a\x01\x00", &leaf, &[], &[], now).unwrap_err();
        assert!(broken.starts_with("invalid OCSP response"), "{broken}");
        for junk in [&b"\x30\x84\xff\xff\xff\xff"[..], b"\x00", b"\x30"] {
            assert!(check(junk, &leaf, &[], &[], now).is_err());
        }
    }

    /// The DER reader takes short and long lengths and refuses what runs past the input.
    #[test]
    fn tlv_reads_short_and_long_lengths() {
        assert_eq!(tlv(b"\x04\x02ab+"), Some(((4, &b"ab"[..]), &b"+"[..])));
        let long = [&[0x04, 0x81, 0x80][..], &[7; 0x80]].concat();
        assert_eq!(tlv(&long).map(|((_, v), _)| v.len()), Some(0x80));
        assert_eq!(tlv(b"\x04\x05ab"), None);
        assert_eq!(tlv(b"\x04\x85\x01\x01\x01\x01\x01"), None);
    }
}
