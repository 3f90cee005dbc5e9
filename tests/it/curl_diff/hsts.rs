//! Lines for `--hsts`, against a real nginx over TLS (`support::nginx`) whose locations
//! send `Strict-Transport-Security` (the recorder speaks no TLS, and curl learns HSTS over
//! HTTPS only): curl 7.88 and sockit run the same command line and are compared on stdout
//! (`-w %{url_effective}` shows the upgrade), the files left (the cache file among them,
//! the expiry dates the run computed taken out: the runs straddle a second now and then)
//! and the exit code.

use super::h2::{check_cache_lines, CacheLine, Outcome};
use crate::support::nginx::{find_nginx, Nginx, Port};
use crate::support::{require, require_tool};

/// The headers the lines meet: one to learn, one to forget, one curl ignores (a directive
/// twice), and a redirect to an http URL.
const LOCATIONS: &str = "\
    location = /sts { add_header Strict-Transport-Security \"max-age=3600; includeSubDomains\" always;\n\
      return 200 \"secure\\n\"; }\n\
    location = /sts0 { add_header Strict-Transport-Security \"max-age=0\" always;\n\
      return 200 \"forget\\n\"; }\n\
    location = /bad { add_header Strict-Transport-Security \"max-age=1; max-age=2\" always;\n\
      return 200 \"bad\\n\"; }\n\
    location = /to-plain { add_header Strict-Transport-Security \"max-age=3600\" always;\n\
      return 302 http://localhost/sts; }\n";

/// A cache curl would leave: a comment, an entry before the one for localhost, and an
/// expired one after it (a lookup that stops at localhost never passes it).
const KEPT: &[u8] = b"# a comment\n\
    other.test \"20370101 00:00:00\"\n\
    .localhost \"20370101 00:00:00\"\n\
    expired.test \"20200101 00:00:00\"\n";

/// A line: the arguments (`{tls}` for `https://localhost:PORT`, `{tlsport}`, `{plainport}`,
/// `{route}` for the `--connect-to` taking port 443 to nginx) and the files it starts with.
type Line<'a> = (Vec<&'a str>, Vec<(&'a str, &'a [u8])>);

/// sockit learns, applies and writes the HSTS cache as curl does.
#[test]
fn hsts_lines_are_curls() {
    let found = find_nginx();
    if !require(found.is_some(), "nginx") || !require_tool("curl") {
        return;
    }
    let _turn = super::TURN
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner);
    let nginx = Nginx::start_with(
        &found.expect("checked above"),
        &[("s.txt", b"small\n")],
        LOCATIONS,
    );
    let tls = nginx.url(Port::Tls, "");
    let port = |url: &str| url.rsplit(':').next().unwrap().to_owned();
    let (tls_port, plain_port) = (port(&tls), port(&nginx.url(Port::Plain, "")));
    let route = format!("localhost:443:127.0.0.1:{tls_port}");
    let expired_localhost: &[u8] = b"localhost \"20200101 00:00:00\"\n";
    let url_effective = "%{url_effective}\n";
    let table: Vec<Line> = vec![
        (
            vec!["-s", "--hsts", "cache", "-o", "f", "{tls}/sts"],
            vec![],
        ),
        (
            vec![
                "-s",
                "--hsts",
                "cache",
                "-w",
                url_effective,
                "-o",
                "f",
                "--connect-to",
                "{route}",
                "http://localhost/s.txt",
            ],
            vec![("cache", KEPT)],
        ),
        (
            vec![
                "-s",
                "--hsts",
                "cache",
                "-w",
                url_effective,
                "-o",
                "f",
                "http://localhost:{tlsport}/s.txt",
            ],
            vec![("cache", KEPT)],
        ),
        (
            vec![
                "-s",
                "--hsts",
                "cache",
                "-w",
                url_effective,
                "-o",
                "f",
                "http://localhost:{tlsport}/./s.txt?q=\"a|b\"#frag",
            ],
            vec![("cache", KEPT)],
        ),
        (
            vec![
                "-s",
                "-L",
                "--hsts",
                "cache",
                "-w",
                url_effective,
                "-o",
                "f",
                "--connect-to",
                "{route}",
                "{tls}/to-plain",
            ],
            vec![],
        ),
        (
            vec!["-s", "--hsts", "cache", "-o", "f", "{tls}/sts0"],
            vec![("cache", KEPT)],
        ),
        (
            vec!["-s", "--hsts", "cache", "-o", "f", "{tls}/bad"],
            vec![("cache", KEPT)],
        ),
        (
            vec![
                "-s",
                "--hsts",
                "cache",
                "-w",
                url_effective,
                "-o",
                "f",
                "http://localhost:{plainport}/s.txt",
            ],
            vec![("cache", expired_localhost)],
        ),
        (
            vec![
                "-s",
                "--hsts",
                "",
                "-w",
                url_effective,
                "-o",
                "f",
                "{tls}/sts",
                "-o",
                "g",
                "http://localhost:{tlsport}/s.txt",
            ],
            vec![],
        ),
        (
            vec!["-s", "--hsts", "nodir/cache", "-o", "f", "{tls}/sts"],
            vec![],
        ),
    ];
    let lines: Vec<CacheLine> = table
        .into_iter()
        .map(|(args, before)| {
            let args = args
                .iter()
                .map(|a| {
                    a.replace("{tls}", tls.trim_end_matches('/'))
                        .replace("{tlsport}", &tls_port)
                        .replace("{plainport}", &plain_port)
                        .replace("{route}", &route)
                })
                .collect();
            (args, before)
        })
        .collect();
    check_cache_lines(&nginx.cacert(), &lines, without_expiry);
}

/// `outcome` with the expiry dates of its `cache` file taken out where the run computed
/// them (now plus the max age); the ones the line started with (2037, 2020) stay.
fn without_expiry(mut outcome: Outcome) -> Outcome {
    if let Some(cache) = outcome.files.get_mut("cache") {
        let text = String::from_utf8_lossy(cache).into_owned();
        let given = |line: &str| line.contains("\"2037") || line.contains("\"2020");
        *cache = text
            .lines()
            .map(|line| match line.split_once(" \"") {
                Some((host, _)) if !given(line) && !line.starts_with('#') => {
                    format!("{host} \"(now + max age)\"\n")
                }
                _ => format!("{line}\n"),
            })
            .collect::<String>()
            .into_bytes();
    }
    outcome
}
