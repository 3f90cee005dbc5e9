//! Certificates made at test time with rcgen: a CA, server certificates it signs (ECDSA
//! P-256, Ed25519 or RSA) for localhost and the loopback addresses, and client certificates
//! for mutual TLS, written as PEM files into a temporary directory.

use rcgen::{
    BasicConstraints, CertificateParams, DnType, ExtendedKeyUsagePurpose, IsCa, Issuer, KeyPair,
    KeyUsagePurpose, SignatureAlgorithm,
};
use std::path::{Path, PathBuf};
use std::process::Command;

/// The kinds of key a server certificate can have.
#[derive(Debug, Clone, Copy)]
pub enum Key {
    EcdsaP256,
    Ed25519,
    /// Made with `openssl genpkey` (ring, rcgen's backend here, cannot generate RSA keys);
    /// callers check `require_tool("openssl")` first.
    Rsa,
}

/// A certificate and its key, as PEM files.
#[derive(Debug, Clone)]
pub struct Pair {
    pub cert: PathBuf,
    pub key: PathBuf,
}

/// A test CA and the directory its files live in (removed when dropped).
pub struct Pki {
    pub dir: tempfile::TempDir,
    /// The CA's certificate, as PEM: what clients trust.
    pub ca: PathBuf,
    issuer: Issuer<'static, KeyPair>,
}

impl Pki {
    /// A CA named `name` with an ECDSA P-256 key.
    pub fn new(name: &str) -> Pki {
        let dir = tempfile::tempdir().unwrap();
        let mut params = CertificateParams::new(Vec::<String>::new()).unwrap();
        params.distinguished_name.push(DnType::CommonName, name);
        params.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
        params.key_usages = vec![KeyUsagePurpose::KeyCertSign, KeyUsagePurpose::CrlSign];
        let key = KeyPair::generate_for(&rcgen::PKCS_ECDSA_P256_SHA256).unwrap();
        let cert = params.self_signed(&key).unwrap();
        let ca = dir.path().join(format!("{name}.pem"));
        std::fs::write(&ca, cert.pem()).unwrap();
        Pki {
            dir,
            ca,
            issuer: Issuer::new(params, key),
        }
    }

    /// A server certificate for localhost, 127.0.0.1 and ::1, signed by this CA.
    pub fn server(&self, name: &str, key: Key) -> Pair {
        let names = vec!["localhost".into(), "127.0.0.1".into(), "::1".into()];
        self.leaf(name, names, key, ExtendedKeyUsagePurpose::ServerAuth)
    }

    /// A client certificate (for mutual TLS) signed by this CA.
    pub fn client(&self, name: &str) -> Pair {
        let purpose = ExtendedKeyUsagePurpose::ClientAuth;
        self.leaf(name, vec![name.into()], Key::EcdsaP256, purpose)
    }

    fn leaf(
        &self,
        name: &str,
        names: Vec<String>,
        key: Key,
        purpose: ExtendedKeyUsagePurpose,
    ) -> Pair {
        let mut params = CertificateParams::new(names).unwrap();
        params.distinguished_name.push(DnType::CommonName, name);
        params.extended_key_usages = vec![purpose];
        let key_pair = match key {
            Key::EcdsaP256 => generate(&rcgen::PKCS_ECDSA_P256_SHA256),
            Key::Ed25519 => generate(&rcgen::PKCS_ED25519),
            Key::Rsa => rsa_key(self.dir.path()),
        };
        let cert = params.signed_by(&key_pair, &self.issuer).unwrap();
        let pair = Pair {
            cert: self.dir.path().join(format!("{name}.crt")),
            key: self.dir.path().join(format!("{name}.key")),
        };
        std::fs::write(&pair.cert, cert.pem()).unwrap();
        std::fs::write(&pair.key, key_pair.serialize_pem()).unwrap();
        pair
    }
}

fn generate(alg: &'static SignatureAlgorithm) -> KeyPair {
    KeyPair::generate_for(alg).unwrap()
}

fn rsa_key(dir: &Path) -> KeyPair {
    let path = dir.join("rsa-generated.key");
    let status = Command::new("openssl")
        .args([
            "genpkey",
            "-algorithm",
            "RSA",
            "-pkeyopt",
            "rsa_keygen_bits:2048",
            "-out",
        ])
        .arg(&path)
        .stderr(std::process::Stdio::null())
        .status()
        .expect("openssl runs");
    assert!(status.success(), "openssl genpkey failed");
    KeyPair::from_pem(&std::fs::read_to_string(&path).unwrap()).unwrap()
}
