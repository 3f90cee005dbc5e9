//! Owns `--checksum ALGO=HEX`: hashing the body as it is written, so the file is verified
//! before it is renamed into place, without reading it a second time.
//!
//! SHA-1, SHA-256 and SHA-512 come from ring (already here for TLS); MD5 from RustCrypto's
//! md-5, as ring does not offer it. A mismatch is exit 32, the code aria2c gives the same
//! failure (curl has no checksum flag, and its 32 is unused).

use crate::fetch::error::FetchError;
use md5::Digest;
use std::fmt::Write;
use std::str::FromStr;

/// An expected digest.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Checksum {
    algo: Algo,
    expected: Vec<u8>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Algo {
    Md5,
    Sha1,
    Sha256,
    Sha512,
}

impl FromStr for Checksum {
    type Err = String;

    /// `sha256=HEX` (also sha512, sha1, md5; case-insensitive).
    fn from_str(text: &str) -> Result<Self, Self::Err> {
        let usage = || format!("{text:?} is not ALGO=HEX (sha256, sha512, sha1 or md5)");
        let (name, hex) = text.split_once('=').ok_or_else(usage)?;
        let algo = match name.to_ascii_lowercase().as_str() {
            "md5" => Algo::Md5,
            "sha1" | "sha-1" => Algo::Sha1,
            "sha256" | "sha-256" => Algo::Sha256,
            "sha512" | "sha-512" => Algo::Sha512,
            _ => return Err(usage()),
        };
        let expected = decode_hex(hex.trim()).ok_or_else(usage)?;
        let want = match algo {
            Algo::Md5 => 16,
            Algo::Sha1 => 20,
            Algo::Sha256 => 32,
            Algo::Sha512 => 64,
        };
        if expected.len() != want {
            return Err(format!(
                "{name} takes {} hex digits, {text:?} has {}",
                want * 2,
                hex.trim().len()
            ));
        }
        Ok(Checksum { algo, expected })
    }
}

fn decode_hex(hex: &str) -> Option<Vec<u8>> {
    if hex.len() % 2 != 0 {
        return None;
    }
    (0..hex.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(hex.get(i..i + 2)?, 16).ok())
        .collect()
}

fn encode_hex(bytes: &[u8]) -> String {
    bytes.iter().fold(String::new(), |mut out, b| {
        let _ = write!(out, "{b:02x}");
        out
    })
}

/// A digest being computed over the bytes written.
pub struct Verifier {
    check: Checksum,
    state: State,
}

enum State {
    Ring(ring::digest::Context),
    Md5(md5::Md5),
}

impl Verifier {
    /// Starts hashing for `check`.
    pub fn new(check: Checksum) -> Self {
        let ring = |alg| State::Ring(ring::digest::Context::new(alg));
        let state = match check.algo {
            Algo::Md5 => State::Md5(md5::Md5::new()),
            Algo::Sha1 => ring(&ring::digest::SHA1_FOR_LEGACY_USE_ONLY),
            Algo::Sha256 => ring(&ring::digest::SHA256),
            Algo::Sha512 => ring(&ring::digest::SHA512),
        };
        Verifier { check, state }
    }

    /// Adds `bytes` to the digest.
    pub fn update(&mut self, bytes: &[u8]) {
        match &mut self.state {
            State::Ring(c) => c.update(bytes),
            State::Md5(h) => h.update(bytes),
        }
    }

    /// Compares the digest with the expected one; `what` names the output in the error.
    pub fn verify(self, what: &str) -> Result<(), FetchError> {
        let actual = match self.state {
            State::Ring(c) => c.finish().as_ref().to_vec(),
            State::Md5(h) => h.finalize().to_vec(),
        };
        if actual == self.check.expected {
            return Ok(());
        }
        Err(FetchError::Checksum(format!(
            "{what} does not match --checksum: expected {}, got {}",
            encode_hex(&self.check.expected),
            encode_hex(&actual)
        )))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn digest(spec: &str, data: &[u8]) -> Result<(), FetchError> {
        let mut v = Verifier::new(spec.parse().unwrap());
        v.update(&data[..1]);
        v.update(&data[1..]);
        v.verify("test")
    }

    #[test]
    fn every_algorithm_verifies() {
        let abc = b"abc";
        digest("md5=900150983cd24fb0d6963f7d28e17f72", abc).unwrap();
        digest("sha1=a9993e364706816aba3e25717850c26c9cd0d89d", abc).unwrap();
        digest(
            "SHA256=BA7816BF8F01CFEA414140DE5DAE2223B00361A396177A9CB410FF61F20015AD",
            abc,
        )
        .unwrap();
        digest(
            "sha512=ddaf35a193617abacc417349ae20413112e6fa4e89a97ea20a9eeee64b55d39a\
             2192992a274fc1a836ba3c23a3feebbd454d4423643ce80e2a9ac94fa54ca49f",
            abc,
        )
        .unwrap();
        let err = digest("md5=00000000000000000000000000000000", abc).unwrap_err();
        assert_eq!(err.exit_code(), 32);
        assert!(
            err.to_string().contains("900150983cd24fb0d6963f7d28e17f72"),
            "{err}"
        );
    }

    #[test]
    fn bad_specs_are_refused() {
        for bad in ["sha256", "crc32=00", "md5=xyz", "md5=abc", "sha1=00"] {
            assert!(bad.parse::<Checksum>().is_err(), "{bad}");
        }
    }
}
