//! Runs `sockit fetch` with a deadline and collects its exit code and all of its output
//! (read while it runs, so a large body cannot fill the pipe and stall it).

use crate::support::{sockit, ChildGuard, PROXY_VARS, TLS_VARS};
use std::io::Read;
use std::path::Path;
use std::process::ChildStdout;
use std::thread;
use std::time::Duration;

/// How long any one `sockit fetch` may run before the test fails.
const DEADLINE: Duration = Duration::from_secs(60);

/// The outcome of one run.
#[derive(Debug)]
pub struct Run {
    pub code: i32,
    pub stdout: Vec<u8>,
    pub stderr: String,
}

impl Run {
    /// Asserts the exit code, showing stderr when it differs.
    #[track_caller]
    pub fn expect(self, code: i32) -> Self {
        assert_eq!(self.code, code, "exit code; stderr: {}", self.stderr);
        self
    }

    /// stdout as text.
    pub fn out(&self) -> String {
        String::from_utf8_lossy(&self.stdout).into_owned()
    }
}

/// Runs `sockit fetch ARGS` in a fresh temporary directory.
pub fn fetch(args: &[&str]) -> Run {
    let dir = tempfile::tempdir().unwrap();
    fetch_in(dir.path(), args)
}

/// Runs `sockit fetch ARGS` in `dir`.
pub fn fetch_in(dir: &Path, args: &[&str]) -> Run {
    Running::start(dir, args).finish()
}

/// A `sockit fetch` still running, for tests that act while it works.
pub struct Running {
    child: ChildGuard,
    /// Its stdout, until a test takes it to read as the body arrives.
    pub stdout: Option<ChildStdout>,
    label: String,
}

impl Running {
    /// Starts `sockit fetch ARGS` in `dir`.
    pub fn start(dir: &Path, args: &[&str]) -> Running {
        Self::start_with_env(dir, args, &[])
    }

    /// Starts `sockit fetch ARGS` in `dir` with `env` set; the proxy and TLS variables of
    /// the environment the tests run in are cleared, so only the test's own apply.
    pub fn start_with_env(dir: &Path, args: &[&str], env: &[(&str, &str)]) -> Running {
        let mut cmd = sockit();
        cmd.arg("fetch").args(args).current_dir(dir);
        for var in PROXY_VARS.iter().chain(&TLS_VARS) {
            cmd.env_remove(var);
        }
        cmd.envs(env.iter().copied());
        let mut child = ChildGuard::spawn(cmd);
        let stdout = child.child.stdout.take();
        Running {
            child,
            stdout,
            label: format!("{args:?}"),
        }
    }

    /// Waits (within [`DEADLINE`]) for the exit, collecting what is left of its output.
    pub fn finish(mut self) -> Run {
        let out = self.stdout.take().map(|mut out| {
            thread::spawn(move || {
                let mut v = Vec::new();
                let _ = out.read_to_end(&mut v);
                v
            })
        });
        // stderr closes when the process ends: its reader says when, so the wait is for that
        // event, with a deadline, not a poll.
        let mut err = self.child.stderr.take().unwrap();
        let (done, ended) = std::sync::mpsc::channel();
        thread::spawn(move || {
            let mut s = String::new();
            let _ = err.read_to_string(&mut s);
            let _ = done.send(s);
        });
        let stderr = ended
            .recv_timeout(DEADLINE)
            .unwrap_or_else(|_| panic!("sockit fetch {} did not finish", self.label));
        let status = self.child.child.wait().unwrap();
        Run {
            code: status.code().unwrap_or(-1),
            stdout: out.map_or_else(Vec::new, |t| t.join().unwrap()),
            stderr,
        }
    }
}
