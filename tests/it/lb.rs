//! Many processes on one port and restarts without dropping a client: `--reuse-port` and
//! `--drain-delay`, with the real binary.

use crate::support::{spawn_server, ChildGuard};
use std::io::{Read, Write};
use std::net::{SocketAddr, TcpStream};

/// One conversation: a name and `exit`; the whole transcript.
fn converse(addr: SocketAddr) -> std::io::Result<String> {
    let mut c = TcpStream::connect(addr)?;
    c.set_read_timeout(Some(crate::support::WAIT))?;
    c.write_all(b"Michael\nexit\n")?;
    let mut transcript = String::new();
    c.read_to_string(&mut transcript)?;
    Ok(transcript)
}

const TRANSCRIPT: &str = "Welcome!\nHello, Michael!\n";

/// Two processes with `--reuse-port` share one port and both get connections; when one stops
/// (exit 0), the other serves every new one. Without the flag the second cannot bind.
#[test]
fn reuse_port_shares_a_port_between_processes() {
    let (mut first, addr) = spawn_server(&["--reuse-port"]);
    let bind = addr.to_string();
    let (mut second, _) = spawn_server(&["--reuse-port", "--bind", &bind]);
    for _ in 0..32 {
        assert_eq!(converse(addr).unwrap(), TRANSCRIPT);
    }
    first.wait_for_stderr("Accept new connection");
    second.wait_for_stderr("Accept new connection");

    let mut refused = crate::support::sockit();
    refused.args(["serve", "--bind", &bind]);
    let (status, stderr) = ChildGuard::spawn(refused).wait();
    assert_eq!(status.code(), Some(1), "{stderr}");

    first.signal("TERM");
    assert!(first.wait().0.success());
    for _ in 0..16 {
        assert_eq!(converse(addr).unwrap(), TRANSCRIPT);
    }
}
