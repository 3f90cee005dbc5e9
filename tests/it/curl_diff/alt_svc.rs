//! Lines for `--alt-svc`, against a real caddy (`support::caddy`) whose HTTPS responses
//! carry `Alt-Svc: h3=":PORT"; ma=2592000` (the recorder speaks no TLS, and curl records
//! alt-svc over HTTPS only): curl 7.88 and sockit run the same command line over TCP and
//! are compared on stdout, the files left (the cache file among them, its expiry dates
//! taken out: the runs straddle a second now and then) and the exit code.
//!
//! Neither run is given `--http3`, and the cache files the lines start from hold no h3
//! alternative for the server, so both tools speak HTTP/2 to it (an http3 build of sockit
//! would take an h3 entry to QUIC, which this curl cannot).

use super::h2::{check_cache_lines, CacheLine, Outcome};
use crate::support::caddy::{find_caddy, Caddy};
use crate::support::{require, require_tool};

/// A line: the arguments (`{url}` for the server's file) and the files it starts with.
type Line<'a> = (Vec<&'a str>, Vec<(&'a str, &'a [u8])>);

/// sockit records, keeps and writes the alt-svc cache as curl does.
#[test]
fn alt_svc_lines_are_curls() {
    let found = find_caddy();
    if !require(found.is_some(), "caddy") || !require_tool("curl") {
        return;
    }
    let _turn = super::TURN
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner);
    let small: Vec<u8> = (0..4096u32).map(|i| (i * 7 % 251) as u8).collect();
    let caddy = Caddy::start(&found.expect("checked above"), &[("s.bin", &small)], true);
    let url = caddy.url("/s.bin");
    let port = url
        .rsplit(':')
        .next()
        .unwrap()
        .trim_end_matches("/s.bin")
        .to_owned();
    let kept = format!(
        "# a comment\n\
         h1 other.test 443 h2 other.test 8443 \"20370101 00:00:00\" 1 0\n\
         h2 localhost {port} h2 localhost {port} \"20370101 00:00:00\" 0 0\n\
         junk line\n\
         h2 expired.test 443 h3 expired.test 443 \"20200101 00:00:00\" 0 0\n"
    );
    let table: Vec<Line> = vec![
        (vec!["-s", "--alt-svc", "cache", "-o", "f", "{url}"], vec![]),
        (
            vec![
                "-s",
                "--alt-svc",
                "cache",
                "-w",
                "%{http_version}",
                "-o",
                "f",
                "{url}",
            ],
            vec![("cache", kept.as_bytes())],
        ),
        (
            vec![
                "-s",
                "--alt-svc",
                "cache",
                "-o",
                "f",
                "{url}",
                "-o",
                "g",
                "{url}",
            ],
            vec![],
        ),
        (vec!["-s", "--alt-svc", "", "-o", "f", "{url}"], vec![]),
    ];
    let lines: Vec<CacheLine> = table
        .into_iter()
        .map(|(args, before)| {
            let args = args.iter().map(|a| a.replace("{url}", &url)).collect();
            (args, before)
        })
        .collect();
    check_cache_lines(&caddy.cacert(), &lines, without_expiry);
}

/// `outcome` with the expiry dates of its `cache` file taken out, where they are the run's
/// own time plus the max age; the ones the line started with stay.
fn without_expiry(mut outcome: Outcome) -> Outcome {
    if let Some(cache) = outcome.files.get_mut("cache") {
        let text = String::from_utf8_lossy(cache).into_owned();
        let year = |line: &str| line.contains("\"2037") || line.contains("\"2020");
        *cache = text
            .lines()
            .map(|line| match line.split_once(" \"") {
                Some((head, rest)) if !year(line) => {
                    let tail = rest.split_once('"').map_or("", |(_, t)| t);
                    format!("{head} \"(now + max age)\"{tail}\n")
                }
                _ => format!("{line}\n"),
            })
            .collect::<String>()
            .into_bytes();
    }
    outcome
}
