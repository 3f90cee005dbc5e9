//! Certificates made at test time with rcgen: a CA, server certificates it signs (ECDSA
//! P-256, Ed25519 or RSA) for localhost and the loopback addresses, and client certificates
//! for mutual TLS, written as PEM files into a temporary directory; revocation lists and
//! (with openssl) OCSP responses about them.

use rcgen::{
    BasicConstraints, CertificateParams, CertificateRevocationListParams, DnType,
    ExtendedKeyUsagePurpose, IsCa, Issuer, KeyIdMethod, KeyPair, KeyUsagePurpose,
    RevokedCertParams, SerialNumber, SignatureAlgorithm,
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
    /// The certificate's serial number.
    pub serial: u64,
}

/// A test CA and the directory its files live in (removed when dropped).
pub struct Pki {
    pub dir: tempfile::TempDir,
    /// The CA's certificate, as PEM: what clients trust.
    pub ca: PathBuf,
    /// The CA's private key, as PEM (for openssl, which signs OCSP responses with it).
    pub ca_key: PathBuf,
    issuer: Issuer<'static, KeyPair>,
    /// The serial number the next certificate gets.
    next_serial: std::cell::Cell<u64>,
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
        let ca_key = dir.path().join(format!("{name}.key"));
        std::fs::write(&ca_key, key.serialize_pem()).unwrap();
        Pki {
            dir,
            ca,
            ca_key,
            issuer: Issuer::new(params, key),
            next_serial: std::cell::Cell::new(1000),
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
        let serial = self.next_serial.get();
        self.next_serial.set(serial + 1);
        params.serial_number = Some(SerialNumber::from(serial));
        let key_pair = match key {
            Key::EcdsaP256 => generate(&rcgen::PKCS_ECDSA_P256_SHA256),
            Key::Ed25519 => generate(&rcgen::PKCS_ED25519),
            Key::Rsa => rsa_key(self.dir.path()),
        };
        let cert = params.signed_by(&key_pair, &self.issuer).unwrap();
        let pair = Pair {
            cert: self.dir.path().join(format!("{name}.crt")),
            key: self.dir.path().join(format!("{name}.key")),
            serial,
        };
        std::fs::write(&pair.cert, cert.pem()).unwrap();
        std::fs::write(&pair.key, key_pair.serialize_pem()).unwrap();
        pair
    }
}

impl Pki {
    /// A revocation list of this CA, revoking `revoked`, as a PEM file.
    pub fn crl(&self, name: &str, revoked: &[&Pair]) -> PathBuf {
        let params = CertificateRevocationListParams {
            this_update: rcgen::date_time_ymd(2020, 1, 1),
            next_update: rcgen::date_time_ymd(2120, 1, 1),
            crl_number: SerialNumber::from(1),
            issuing_distribution_point: None,
            revoked_certs: revoked
                .iter()
                .map(|pair| RevokedCertParams {
                    serial_number: SerialNumber::from(pair.serial),
                    revocation_time: rcgen::date_time_ymd(2021, 1, 1),
                    reason_code: None,
                    invalidity_date: None,
                })
                .collect(),
            key_identifier_method: KeyIdMethod::Sha256,
        };
        let crl = params.signed_by(&self.issuer).unwrap();
        let path = self.dir.path().join(format!("{name}.crl"));
        std::fs::write(&path, crl.pem().unwrap()).unwrap();
        path
    }

    /// An OCSP response (DER) about `pair`, signed by this CA with `openssl ocsp`, saying
    /// `status` ("good" or "revoked"); callers check `require_tool("openssl")` first.
    pub fn ocsp(&self, pair: &Pair, status: &str) -> Vec<u8> {
        let dir = self.dir.path();
        let flag = if status == "revoked" { "R" } else { "V" };
        let revoked_at = if status == "revoked" {
            "210101000000Z"
        } else {
            ""
        };
        let index = dir.join(format!("index-{}.txt", pair.serial));
        std::fs::write(
            &index,
            format!(
                "{flag}\t991231235959Z\t{revoked_at}\t{:X}\tunknown\t/CN=x\n",
                pair.serial
            ),
        )
        .unwrap();
        let request = dir.join(format!("req-{}.der", pair.serial));
        let response = dir.join(format!("resp-{}-{status}.der", pair.serial));
        let run = |args: &[&std::ffi::OsStr]| {
            let out = Command::new("openssl")
                .args(args)
                .output()
                .expect("openssl runs");
            assert!(out.status.success(), "openssl ocsp: {out:?}");
        };
        run(&[
            "ocsp".as_ref(),
            "-issuer".as_ref(),
            self.ca.as_os_str(),
            "-cert".as_ref(),
            pair.cert.as_os_str(),
            "-no_nonce".as_ref(),
            "-reqout".as_ref(),
            request.as_os_str(),
        ]);
        run(&[
            "ocsp".as_ref(),
            "-index".as_ref(),
            index.as_os_str(),
            "-CA".as_ref(),
            self.ca.as_os_str(),
            "-rsigner".as_ref(),
            self.ca.as_os_str(),
            "-rkey".as_ref(),
            self.ca_key.as_os_str(),
            "-reqin".as_ref(),
            request.as_os_str(),
            "-respout".as_ref(),
            response.as_os_str(),
            "-ndays".as_ref(),
            "1".as_ref(),
        ]);
        std::fs::read(&response).unwrap()
    }
}

impl Pki {
    /// `pair`'s key as an encrypted PKCS#8 PEM file (what `--pass` opens), written with
    /// `openssl pkcs8 -topk8`; callers check `require_tool("openssl")` first.
    pub fn encrypted_key(&self, pair: &Pair, pass: &str) -> PathBuf {
        let path = pair.key.with_extension("enc.key");
        let out = Command::new("openssl")
            .args(["pkcs8", "-topk8", "-v2", "aes-256-cbc", "-in"])
            .arg(&pair.key)
            .arg("-out")
            .arg(&path)
            .arg("-passout")
            .arg(format!("pass:{pass}"))
            .output()
            .expect("openssl runs");
        assert!(out.status.success(), "openssl pkcs8: {out:?}");
        path
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
