//! A real unbound on loopback as the DNS-over-HTTPS server of fetch's `--doh-url` tests:
//! DoH (HTTP/2 over TLS, RFC 8484) at `https://localhost:PORT/dns-query` with a certificate
//! from a fresh test CA, answering the names it is given from local data and NXDOMAIN for
//! the rest of `.test`, asking no other server.
//!
//! unbound runs in the foreground as our child with its config in a temporary directory and
//! its log on stderr; it is ready once it logs "start of service", and the guard kills it at
//! the end.

use super::pki::{Key, Pki};
use super::ChildGuard;
use std::path::{Path, PathBuf};
use std::process::Command;

/// Debian's unbound (in /usr/sbin), when installed.
pub fn find_unbound() -> Option<PathBuf> {
    ["/usr/sbin/unbound", "/usr/bin/unbound"]
        .into_iter()
        .map(PathBuf::from)
        .find(|p| p.is_file())
}

/// A running unbound; killed and reaped on drop (by its guard).
pub struct Unbound {
    _guard: ChildGuard,
    port: u16,
    pki: Pki,
    _dir: tempfile::TempDir,
}

impl Unbound {
    /// Starts `binary` serving DoH, answering `names` (`(name, address)`, an A or AAAA
    /// record each); returns once it serves.
    pub fn start(binary: &Path, names: &[(&str, &str)]) -> Unbound {
        let dir = tempfile::tempdir().unwrap();
        let pki = Pki::new("doh-test-ca");
        let pair = pki.server("unbound", Key::EcdsaP256);
        let port = super::free_port();
        let records: String = names
            .iter()
            .map(|(name, ip)| {
                let kind = if ip.contains(':') { "AAAA" } else { "A" };
                format!("  local-data: \"{name}. 60 IN {kind} {ip}\"\n")
            })
            .collect();
        let config = format!(
            "server:\n  username: \"\"\n  chroot: \"\"\n  directory: \"{dir}\"\n  pidfile: \"\"\n\
             \x20 use-syslog: no\n  logfile: \"\"\n  verbosity: 1\n  do-daemonize: no\n\
             \x20 interface: 127.0.0.1@{port}\n  https-port: {port}\n\
             \x20 tls-service-key: \"{key}\"\n  tls-service-pem: \"{cert}\"\n\
             \x20 module-config: \"iterator\"\n  do-not-query-localhost: yes\n\
             \x20 access-control: 127.0.0.0/8 allow\n  local-zone: \"test.\" static\n\
             {records}remote-control:\n  control-enable: no\n",
            dir = dir.path().display(),
            key = pair.key.display(),
            cert = pair.cert.display(),
        );
        let conf = dir.path().join("unbound.conf");
        std::fs::write(&conf, config).unwrap();
        let mut cmd = Command::new(binary);
        cmd.arg("-d").arg("-c").arg(&conf);
        let mut guard = ChildGuard::spawn(cmd);
        guard.wait_for_stderr("start of service");
        Unbound {
            _guard: guard,
            port,
            pki,
            _dir: dir,
        }
    }

    /// The DoH URL, for `--doh-url`.
    pub fn url(&self) -> String {
        format!("https://localhost:{}/dns-query", self.port)
    }

    /// The CA that signed its certificate (PEM), for `--cacert`.
    pub fn ca(&self) -> &Path {
        &self.pki.ca
    }
}
