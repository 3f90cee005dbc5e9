//! Constant memory: the peak RSS of a download does not grow with the body size.
//!
//! Measured with `/usr/bin/time` (the `time` package; skipped with a message when absent),
//! comparing a 16 MiB and a 512 MiB body from the same server: the absolute number depends
//! on the allocator and the build, the difference must not.

use crate::support::http_server::{End, Server};
use crate::support::ChildGuard;
use std::io::Write;
use std::process::Command;

const TIME: &str = "/usr/bin/time";

/// Serves `/MIB` as that many MiB of a fixed byte.
fn sized_server() -> Server {
    Server::plain(|req, s| {
        let mib: usize = req.target.trim_start_matches('/').parse().unwrap();
        let head = format!("HTTP/1.1 200 OK\r\nContent-Length: {}\r\n\r\n", mib << 20);
        let _ = s.write_all(head.as_bytes());
        let block = vec![b'm'; 1 << 20];
        for _ in 0..mib {
            if s.write_all(&block).is_err() {
                break;
            }
        }
        End::Close
    })
}

/// Peak RSS in KiB of `sockit fetch -s -o /dev/null URL`.
fn peak_rss_kib(url: &str) -> u64 {
    let mut cmd = Command::new(TIME);
    cmd.args([
        "-f",
        "%M",
        env!("CARGO_BIN_EXE_sockit"),
        "fetch",
        "-sS",
        "-o",
        "/dev/null",
        url,
    ]);
    let mut child = ChildGuard::spawn(cmd);
    let (status, stderr) = child.wait();
    assert!(status.success(), "{stderr}");
    stderr.trim().lines().last().unwrap().parse().unwrap()
}

/// A 512 MiB body needs no more memory than a 16 MiB one (within 4 MiB: two huge pages of allocator noise).
#[test]
fn peak_memory_does_not_grow_with_the_body() {
    if !crate::support::require(std::path::Path::new(TIME).exists(), TIME) {
        return;
    }
    let server = sized_server();
    let small = peak_rss_kib(&server.url("/16"));
    let large = peak_rss_kib(&server.url("/512"));
    eprintln!("peak RSS: {small} KiB for 16 MiB, {large} KiB for 512 MiB");
    assert!(
        large <= small + 4096,
        "peak RSS grew from {small} KiB (16 MiB body) to {large} KiB (512 MiB body)"
    );
}
