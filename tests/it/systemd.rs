//! `sockit serve` under systemd, with systemd's own tools where they can run here: socket
//! activation through the real `systemd-socket-activate`, readiness on a `NOTIFY_SOCKET`
//! the test binds, and `systemd-analyze verify` on the units in deploy/systemd/.

use crate::support::{require_tool, sockit, spawn_server, ChildGuard, WAIT};
use std::io::{Read, Write};
use std::net::{SocketAddr, TcpListener, TcpStream};
use std::os::unix::net::UnixDatagram;
use std::path::Path;
use std::process::Command;

/// Two loopback ports free right now (systemd-socket-activate takes fixed ports).
fn free_ports() -> [u16; 2] {
    let a = TcpListener::bind("127.0.0.1:0").unwrap();
    let b = TcpListener::bind("127.0.0.1:0").unwrap();
    [
        a.local_addr().unwrap().port(),
        b.local_addr().unwrap().port(),
    ]
}

/// The tutorial's exchange on one connection.
fn transcript(addr: SocketAddr, name: &str) -> String {
    let mut c = TcpStream::connect(addr).unwrap();
    c.set_read_timeout(Some(WAIT)).unwrap();
    write!(c, "{name}\nexit\n").unwrap();
    let mut all = String::new();
    c.read_to_string(&mut all).unwrap();
    all
}

/// Started by `systemd-socket-activate` with two sockets, the server serves on both instead
/// of `--bind`, says so in its log, and still stops with 0 on SIGTERM.
#[test]
fn socket_activation_serves_both_inherited_sockets() {
    if !require_tool("systemd-socket-activate") {
        return;
    }
    let ports = free_ports();
    let addrs = ports.map(|p| SocketAddr::from(([127, 0, 0, 1], p)));
    let mut cmd = Command::new("systemd-socket-activate");
    for addr in addrs {
        cmd.args(["-l", &addr.to_string()]);
    }
    cmd.arg(env!("CARGO_BIN_EXE_sockit"))
        .args(["serve", "--bind", "127.0.0.1:0", "--threads", "1"])
        .env_remove("RUST_LOG");
    let mut server = ChildGuard::spawn(cmd);
    server.wait_for_stderr(&format!("Listening on {} as 4.", addrs[1]));
    // The first connection makes systemd-socket-activate start sockit; it waits in the queue.
    let first = std::thread::spawn(move || transcript(addrs[0], "Michael"));
    server.wait_for_stderr("Socket activation: serving on 2 socket(s) passed by systemd");
    assert_eq!(server.wait_for_listen_addr(), addrs[0]);
    assert_eq!(server.wait_for_listen_addr(), addrs[1]);
    assert_eq!(first.join().unwrap(), "Welcome!\nHello, Michael!\n");
    assert_eq!(transcript(addrs[1], "Tracy"), "Welcome!\nHello, Tracy!\n");
    server.signal("TERM");
    let (status, log) = server.wait();
    assert_eq!(status.code(), Some(0), "{log}");
    assert!(
        !log.contains("Waiting for connection"),
        "--bind was bound too: {log}"
    );
}

/// With `NOTIFY_SOCKET` set, the server sends `READY=1` once it accepts, and `STOPPING=1` at
/// the first SIGTERM.
#[test]
fn notifies_ready_then_stopping() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("notify.sock");
    let notify = UnixDatagram::bind(&path).unwrap();
    notify.set_read_timeout(Some(WAIT)).unwrap();
    let next = || {
        let mut message = [0u8; 256];
        let n = notify.recv(&mut message).expect("a notification in time");
        String::from_utf8_lossy(&message[..n]).into_owned()
    };
    let mut cmd = sockit();
    cmd.args(["serve", "--bind", "127.0.0.1:0"])
        .env("NOTIFY_SOCKET", &path);
    let mut server = ChildGuard::spawn(cmd);
    assert_eq!(next(), "READY=1\n");
    let addr = server.wait_for_listen_addr();
    assert_eq!(transcript(addr, "Sarah"), "Welcome!\nHello, Sarah!\n");
    server.signal("TERM");
    assert_eq!(next(), "STOPPING=1\n");
    let (status, log) = server.wait();
    assert_eq!(status.code(), Some(0), "{log}");
}

/// `systemd-analyze verify` finds nothing to say about deploy/systemd's units (with
/// ExecStart pointed at this build, since verify checks that the program exists).
#[test]
fn systemd_units_verify() {
    if !require_tool("systemd-analyze") || !systemd_analyze_runs() {
        return;
    }
    let units = Path::new(env!("CARGO_MANIFEST_DIR")).join("deploy/systemd");
    let dir = tempfile::tempdir().unwrap();
    for name in ["sockit.socket", "sockit.service"] {
        let text = std::fs::read_to_string(units.join(name)).unwrap();
        let text = text.replace("/usr/local/bin/sockit", env!("CARGO_BIN_EXE_sockit"));
        std::fs::write(dir.path().join(name), text).unwrap();
    }
    let out = Command::new("systemd-analyze")
        .arg("verify")
        .args(["sockit.socket", "sockit.service"].map(|n| dir.path().join(n)))
        .output()
        .unwrap();
    let said = String::from_utf8_lossy(&out.stdout) + String::from_utf8_lossy(&out.stderr);
    assert!(
        out.status.success() && said.is_empty(),
        "systemd-analyze verify: {said}"
    );
}

/// `systemctl reload sockit` runs the unit's `ExecReload=` with `$MAINPID` set to the
/// server's process id: that command, run as written (through sh, which expands `$MAINPID`
/// as systemd does), makes the running server read its `--config` file again, and does not
/// end it.
#[test]
fn the_units_reload_command_reloads_the_server() {
    let unit = Path::new(env!("CARGO_MANIFEST_DIR")).join("deploy/systemd/sockit.service");
    let unit = std::fs::read_to_string(unit).unwrap();
    let reload = (unit.lines())
        .find_map(|line| line.strip_prefix("ExecReload="))
        .expect("the unit has an ExecReload= line");
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("sockit.toml");
    std::fs::write(&file, "greeting = \"Hi\"\n").unwrap();
    let (mut server, addr) = spawn_server(&["--config", file.to_str().unwrap()]);
    assert_eq!(transcript(addr, "Sarah"), "Hi\nHello, Sarah!\n");
    std::fs::write(&file, "greeting = \"Hello\"\n").unwrap();
    let status = Command::new("sh")
        .args(["-c", reload])
        .env("MAINPID", server.pid().to_string())
        .status()
        .unwrap();
    assert!(status.success(), "{reload}");
    server.wait_for_stderr("reloaded");
    assert_eq!(transcript(addr, "Sarah"), "Hello\nHello, Sarah!\n");
    server.signal("TERM");
    let (status, log) = server.wait();
    assert_eq!(status.code(), Some(0), "{log}");
}

/// Whether `systemd-analyze verify` works on this machine at all, tried on a minimal unit.
/// It needs systemd's unit search paths and a few kernel features; where it cannot run,
/// the test is skipped with a line saying why, even under CI=true: this is a property of
/// the machine, not a tool .ci/run could install.
fn systemd_analyze_runs() -> bool {
    let dir = tempfile::tempdir().unwrap();
    let unit = dir.path().join("probe.service");
    std::fs::write(&unit, "[Service]\nType=oneshot\nExecStart=/bin/true\n").unwrap();
    let out = Command::new("systemd-analyze")
        .arg("verify")
        .arg(&unit)
        .output()
        .unwrap();
    if !out.status.success() {
        crate::support::skip(&format!(
            "systemd-analyze cannot run on this machine: {}",
            String::from_utf8_lossy(&out.stderr).trim()
        ));
    }
    out.status.success()
}
