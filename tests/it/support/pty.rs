//! Runs a program with its stdout on a pseudo terminal, as when a user types the command,
//! and returns what it wrote there byte for byte: for what programs do only on a terminal
//! (`-i`'s styled heads).
//!
//! The terminal is put in raw mode first, so nothing is changed on the way (no `\n` made
//! `\r\n`), and the two tools of a differential test are compared on their own bytes.

use super::ChildGuard;
use rustix::pty::{grantpt, openpt, ptsname, unlockpt, OpenptFlags};
use rustix::termios::{tcgetattr, tcsetattr, OptionalActions};
use std::fs::{File, OpenOptions};
use std::io::Read;
use std::os::unix::fs::OpenOptionsExt;
use std::process::{Command, Stdio};
use std::sync::mpsc;
use std::thread;
use std::time::Duration;

/// The bound on one run.
const DEADLINE: Duration = Duration::from_secs(30);

/// What a program run on a terminal did.
#[derive(Debug)]
pub struct TtyRun {
    /// Its exit code.
    pub code: i32,
    /// What it wrote on stdout (the terminal).
    pub stdout: Vec<u8>,
}

/// Whether this machine gives pseudo terminals (a container may have no /dev/ptmx).
pub fn available() -> bool {
    openpt(OpenptFlags::RDWR | OpenptFlags::NOCTTY | OpenptFlags::CLOEXEC).is_ok()
}

/// Runs `cmd` with stdout on a new pseudo terminal in raw mode (stdin from /dev/null,
/// stderr dropped), within [`DEADLINE`]; the process is killed if the test fails first.
pub fn run_on_tty(mut cmd: Command) -> TtyRun {
    let flags = OpenptFlags::RDWR | OpenptFlags::NOCTTY | OpenptFlags::CLOEXEC;
    let controller = openpt(flags).expect("a pseudo terminal");
    grantpt(&controller).unwrap();
    unlockpt(&controller).unwrap();
    let name = ptsname(&controller, Vec::new()).unwrap();
    let terminal = OpenOptions::new()
        .read(true)
        .write(true)
        .custom_flags(libc::O_NOCTTY)
        .open(name.to_str().unwrap())
        .unwrap();
    let mut mode = tcgetattr(&terminal).unwrap();
    mode.make_raw();
    tcsetattr(&terminal, OptionalActions::Now, &mode).unwrap();
    cmd.stdin(Stdio::null())
        .stdout(terminal)
        .stderr(Stdio::null());
    let child = cmd.spawn().expect("spawn");
    // This process's handle on the terminal goes with `cmd`: reading the controller then
    // ends (EIO) when the child's handles close, that is when it exits.
    drop(cmd);
    let mut child = ChildGuard {
        child,
        stderr: None,
        lines: None,
    };
    let mut controller = File::from(controller);
    let (done, ended) = mpsc::channel();
    thread::spawn(move || {
        let mut bytes = Vec::new();
        let mut chunk = [0u8; 4096];
        while let Ok(n @ 1..) = controller.read(&mut chunk) {
            bytes.extend_from_slice(&chunk[..n]);
        }
        let _ = done.send(bytes);
    });
    let stdout = ended
        .recv_timeout(DEADLINE)
        .expect("the program on the terminal did not finish");
    let status = child.child.wait().unwrap();
    TtyRun {
        code: status.code().unwrap_or(-1),
        stdout,
    }
}
