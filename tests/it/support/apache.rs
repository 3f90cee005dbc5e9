//! Apache httpd on loopback for the tests that need one (Digest in `fetch/auth.rs`, the
//! h2c upgrade of mod_http2 in `fetch/h2c.rs`): started from a directory of the test's own,
//! with the modules and site lines it asks for, on a port of its own; `.ci/run` installs it.

use super::ChildGuard;
use std::net::{SocketAddr, TcpListener, TcpStream};
use std::os::unix::fs::PermissionsExt;
use std::path::Path;
use std::process::Command;
use std::time::{Duration, Instant};

/// Debian's Apache.
pub const APACHE: &str = "/usr/sbin/apache2";
/// Where its modules are.
pub const MODULES: &str = "/usr/lib/apache2/modules";

/// Starts Apache from `dir` with `modules` (name and file) and `site`'s lines, on a port of
/// its own; returns it (killed when dropped) and its port once it listens.
pub fn run(dir: &Path, modules: &[(&str, &str)], site: &str) -> (ChildGuard, u16) {
    // Apache's children run as www-data: the files must be readable by it.
    std::fs::set_permissions(dir, std::fs::Permissions::from_mode(0o755)).unwrap();
    let port = TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let d = dir.display();
    let modules: String = modules
        .iter()
        .map(|(name, file)| format!("LoadModule {name} {MODULES}/{file}\n"))
        .collect();
    let config = format!(
        "{modules}ServerRoot {d}\nServerName localhost\nListen 127.0.0.1:{port}\n\
         PidFile {d}/apache.pid\nErrorLog {d}/error.log\nUser www-data\nGroup www-data\n\
         StartServers 1\n{site}"
    );
    std::fs::write(dir.join("apache.conf"), config).unwrap();
    let mut cmd = Command::new(APACHE);
    // -X: one process, no children, so killing it (the guard's drop) leaves nothing behind.
    cmd.args(["-f", &format!("{d}/apache.conf"), "-X"]);
    let guard = ChildGuard::spawn(cmd);
    let addr = SocketAddr::from(([127, 0, 0, 1], port));
    let start = Instant::now();
    while TcpStream::connect_timeout(&addr, Duration::from_millis(100)).is_err() {
        let log = std::fs::read_to_string(dir.join("error.log"));
        assert!(
            start.elapsed() < Duration::from_secs(10),
            "apache did not start: {log:?}"
        );
        std::thread::sleep(Duration::from_millis(20));
    }
    (guard, port)
}
