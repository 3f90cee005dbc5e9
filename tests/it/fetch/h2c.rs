//! `--http2` on an `http://` URL against a server that takes the upgrade: Apache's
//! mod_http2 with `Protocols h2c http/1.1` (nginx ignores the offer, as the recorder does
//! in `curl_diff::requests`). The request goes out in HTTP/1.1 offering h2c, Apache answers
//! `101`, and the response comes over HTTP/2 on the same connection: printed, written and
//! timed as curl 7.88 does it, the curl run being the oracle where curl is installed.
//! Skipped (with a message) when apache2 is not installed; `.ci/run` installs it.

use crate::support::apache::{self, APACHE};
use crate::support::fetch_run::fetch_in;
use crate::support::http_server::pattern;
use crate::support::{on_path, require, ChildGuard};
use std::path::Path;
use std::process::Command;

/// The large file's size: past the point where a body goes to its file by writev.
const BIG: usize = 300_000;

/// Apache serving `a.txt` and `big.bin` from `dir`, upgrading to h2c where asked.
fn start(dir: &Path) -> (ChildGuard, String) {
    let root = dir.join("root");
    std::fs::create_dir_all(&root).unwrap();
    std::fs::write(root.join("a.txt"), "hello\n").unwrap();
    std::fs::write(root.join("big.bin"), pattern(BIG)).unwrap();
    // Not the event MPM: under it, Apache 2.4 closes an upgraded connection with the rest
    // of a response larger than the first 64 KiB window still unsent (its log says sent).
    let modules = [
        ("mpm_worker_module", "mod_mpm_worker.so"),
        ("authz_core_module", "mod_authz_core.so"),
        ("http2_module", "mod_http2.so"),
    ];
    let d = root.display();
    let site = format!(
        "Protocols h2c http/1.1\nDocumentRoot {d}\n<Directory {d}>\nRequire all granted\n\
         </Directory>\n"
    );
    let (apache, port) = apache::run(dir, &modules, &site);
    (apache, format!("http://127.0.0.1:{port}"))
}

/// `date:` lines with the time taken out: two runs a second apart agree otherwise.
fn timeless(text: &str) -> String {
    text.split("\r\n")
        .map(
            |line| match line.to_ascii_lowercase().starts_with("date:") {
                true => "date: (time)",
                false => line,
            },
        )
        .collect::<Vec<_>>()
        .join("\r\n")
}

/// curl's stdout for `args`, or None when curl is missing.
fn curl(dir: &Path, args: &[&str]) -> Option<String> {
    if !on_path("curl") {
        crate::support::require_tool("curl");
        return None;
    }
    let out = Command::new("curl")
        .args(args)
        .current_dir(dir)
        .output()
        .unwrap();
    assert!(out.status.success(), "curl {args:?}");
    Some(String::from_utf8_lossy(&out.stdout).into_owned())
}

/// Apache switches to h2c and the response comes over HTTP/2: `-i` shows the `101` and
/// then the HTTP/2 head, as curl's does; `-v` says it switched where curl says it; a large
/// body arrives whole; two URLs are two upgraded connections; a POST, which Apache does not
/// upgrade, stays HTTP/1.1.
#[test]
fn an_upgrade_to_h2c_is_followed_as_curl_follows_it() {
    if !require(Path::new(APACHE).exists(), "apache2") {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let (_apache, base) = start(dir.path());
    let work = dir.path();
    let small = format!("{base}/a.txt");

    let args = ["-s", "--http2", "-i", small.as_str()];
    let shown = fetch_in(work, &args).expect(0).out();
    assert!(
        shown.starts_with("HTTP/1.1 101 Switching Protocols\r\n"),
        "{shown}"
    );
    assert!(shown.contains("\r\n\r\nHTTP/2 200 \r\n"), "{shown}");
    assert!(shown.ends_with("\r\n\r\nhello\n"), "{shown}");
    if let Some(theirs) = curl(work, &args) {
        assert_eq!(timeless(&shown), timeless(&theirs));
    }

    let verbose = fetch_in(work, &["-sv", "--http2", "-o", "v", &small]).expect(0);
    let order = [
        "> Upgrade: h2c\n",
        "< Connection: Upgrade\n* Received 101, Switching to HTTP/2\n< HTTP/2 200 \n",
    ];
    let at: Vec<Option<usize>> = order.iter().map(|l| verbose.stderr.find(l)).collect();
    assert!(at[0].is_some() && at[0] < at[1], "{}", verbose.stderr);

    let big = format!("{base}/big.bin");
    let args = ["-s", "--http2", "-o", "big", "-w", "%{http_version}", &big];
    assert_eq!(fetch_in(work, &args).expect(0).out(), "2");
    assert!(std::fs::read(work.join("big")).unwrap() == pattern(BIG));

    let args = ["-s", "--http2", "-w", "%{http_version}\n", &small, &big];
    let two = fetch_in(work, &args).expect(0);
    assert!(two.stdout.starts_with(b"hello\n2\n") && two.stdout.ends_with(b"2\n"));
    assert!(two.stdout[8..two.stdout.len() - 2] == pattern(BIG));

    let args = [
        "-s",
        "--http2",
        "-d",
        "a=1",
        "-w",
        "%{http_version}",
        "-o",
        "p",
    ];
    let posted = fetch_in(work, &[&args[..], &[small.as_str()]].concat()).expect(0);
    assert_eq!(posted.out(), "1.1");
    if let Some(theirs) = curl(work, &[&args[..], &[small.as_str()]].concat()) {
        assert_eq!(theirs, "1.1");
    }
}
