//! `sockit fetch --http3` and `--http3-only` against a real caddy (`support::caddy`) on
//! loopback: HTTP/3 over QUIC with the test CA's trust, the output guarantees of the other
//! versions (atomic -o, -C - with Range, --compressed, --max-filesize, -i, -D, -w), one QUIC
//! connection shared by `-Z`, the fallback to TCP where QUIC does not answer, and curl's
//! codes where `--http3-only` cannot connect (28) or the certificate is not trusted (60).
//! Without the `http3` feature, the flags' one-line refusal (exit 2). Fails under CI=true
//! when caddy is missing, says it skipped otherwise.

/// Without the `http3` feature, `--http3` and `--http3-only` are refused in one line with
/// exit 2, as curl 7.88 built without HTTP/3 refuses them, before any traffic.
#[cfg(not(feature = "http3"))]
#[test]
fn http3_flags_are_refused_without_the_feature() {
    use crate::support::fetch_run::fetch_in;
    let dir = tempfile::tempdir().unwrap();
    for flag in ["--http3", "--http3-only"] {
        let run = fetch_in(dir.path(), &[flag, "https://localhost:1/"]).expect(2);
        assert_eq!(run.stderr.lines().count(), 1, "{}", run.stderr);
        assert!(
            run.stderr.contains(&format!("option {flag}: "))
                && run.stderr.contains("--features http3"),
            "{}",
            run.stderr
        );
    }
}

#[cfg(feature = "http3")]
mod with_quic {
    use super::super::nginx::{sha256, text};
    use crate::support::caddy::{find_caddy, Caddy};
    use crate::support::fetch_run::fetch_in;
    use crate::support::http_server::pattern;

    const BIG: usize = 8 << 20;

    /// caddy with `big.bin`, `text.txt` and 20 small files, HTTP/3 on or off; None (after
    /// `require`'s verdict) when caddy is missing.
    fn caddy(h3: bool) -> Option<(Caddy, Vec<u8>)> {
        let found = find_caddy();
        if !crate::support::require(found.is_some(), "caddy") {
            return None;
        }
        let (big, text) = (pattern(BIG), text());
        let small: Vec<(String, Vec<u8>)> = (0..20)
            .map(|i| (format!("s{i}.bin"), pattern(4096 + i)))
            .collect();
        let mut files: Vec<(&str, &[u8])> = vec![("big.bin", &big), ("text.txt", &text)];
        files.extend(small.iter().map(|(n, b)| (n.as_str(), b.as_slice())));
        let caddy = Caddy::start(&found.expect("checked above"), &files, h3);
        Some((caddy, big))
    }

    /// `--http3` and `--http3-only` speak HTTP/3 to caddy: 8 MiB byte-exact into -o,
    /// `%{http_version}` is 3, `-v` says `using HTTP/3` and shows the request as curl
    /// shows an HTTP/3 one.
    #[test]
    fn http3_is_spoken_where_asked() {
        let Some((caddy, big)) = caddy(true) else {
            return;
        };
        let dir = tempfile::tempdir().unwrap();
        let ca = caddy.cacert();
        let url = caddy.url("/big.bin");
        for flag in ["--http3", "--http3-only"] {
            let args = [
                "-sS",
                "-v",
                "--cacert",
                &ca,
                "-o",
                "big",
                "-w",
                "%{http_version}",
                flag,
                &url,
            ];
            let run = fetch_in(dir.path(), &args).expect(0);
            assert_eq!(run.out(), "3", "{flag}: {}", run.stderr);
            assert!(run.stderr.contains("* using HTTP/3\n"), "{}", run.stderr);
            assert!(
                run.stderr.contains("> GET /big.bin HTTP/3"),
                "{}",
                run.stderr
            );
            assert!(run.stderr.contains("< HTTP/3 200"), "{}", run.stderr);
            let got = std::fs::read(dir.path().join("big")).unwrap();
            assert_eq!(sha256(&got), sha256(&big), "{flag}");
        }
        let default = fetch_in(
            dir.path(),
            &[
                "-sS",
                "--cacert",
                &ca,
                "-o",
                "big",
                "-w",
                "%{http_version}",
                &url,
            ],
        );
        assert_eq!(
            default.expect(0).out(),
            "2",
            "no flag: TCP and ALPN, as before"
        );
    }

    /// Over HTTP/3 the guarantees of the other versions hold: a `.part` resumed with Range,
    /// gzip decoded with --compressed, --max-filesize refused with no file left, `-i` and
    /// `-D` in curl's HTTP/3 form, `-f` on a 404.
    #[test]
    fn output_guarantees_hold_over_http3() {
        let Some((caddy, big)) = caddy(true) else {
            return;
        };
        let dir = tempfile::tempdir().unwrap();
        let ca = caddy.cacert();
        let run = |args: &[&str]| {
            let mut all = vec!["-sS", "--http3-only", "--cacert", ca.as_str()];
            all.extend_from_slice(args);
            fetch_in(dir.path(), &all)
        };
        std::fs::write(dir.path().join("resumed.part"), &big[..BIG / 3]).unwrap();
        let resumed = run(&[
            "-C",
            "-",
            "-o",
            "resumed",
            "-w",
            "%{http_code}",
            &caddy.url("/big.bin"),
        ]);
        assert_eq!(resumed.expect(0).out(), "206");
        let got = std::fs::read(dir.path().join("resumed")).unwrap();
        assert_eq!(sha256(&got), sha256(&big));
        assert!(!dir.path().join("resumed.part").exists());

        let gz = run(&["--compressed", "-D", "h", &caddy.url("/text.txt")]).expect(0);
        assert_eq!(sha256(&gz.stdout), sha256(&text()));
        let head = std::fs::read_to_string(dir.path().join("h")).unwrap();
        assert!(head.starts_with("HTTP/3 200 \r\n"), "{head}");
        assert!(head.contains("\r\ncontent-encoding: gzip\r\n"), "{head}");

        run(&[
            "--max-filesize",
            "1000",
            "-o",
            "capped",
            &caddy.url("/big.bin"),
        ])
        .expect(63);
        assert!(!dir.path().join("capped").exists());
        assert!(!dir.path().join("capped.part").exists());

        let included = run(&["-i", &caddy.url("/s0.bin")]).expect(0);
        assert!(included.stdout.starts_with(b"HTTP/3 200 \r\n"));
        assert!(included.stdout.ends_with(&pattern(4096)));

        run(&["-f", "-o", "missing", &caddy.url("/missing")]).expect(22);
        assert!(!dir.path().join("missing").exists());
    }

    /// `-Z` and URLs in sequence to one origin share one QUIC connection: one connect in all.
    #[test]
    fn many_urls_share_one_quic_connection() {
        let Some((caddy, _)) = caddy(true) else {
            return;
        };
        let dir = tempfile::tempdir().unwrap();
        let ca = caddy.cacert();
        let urls: Vec<String> = (0..20).map(|i| caddy.url(&format!("/s{i}.bin"))).collect();
        for parallel in [true, false] {
            let mut args = vec!["-sS", "--http3", "--cacert", &ca, "--remote-name-all"];
            args.extend(["-w", "%{num_connects} %{http_version}\n"]);
            if parallel {
                args.push("-Z");
            }
            args.extend(urls.iter().map(String::as_str));
            let run = fetch_in(dir.path(), &args).expect(0);
            let lines: Vec<String> = run.out().lines().map(str::to_string).collect();
            assert_eq!(lines.len(), 20, "{}", run.out());
            let connects: u32 = lines
                .iter()
                .map(|l| l.split(' ').next().unwrap().parse::<u32>().unwrap())
                .sum();
            assert_eq!(connects, 1, "parallel={parallel}: {lines:?}");
            assert!(lines.iter().all(|l| l.ends_with(" 3")), "{lines:?}");
            for i in 0..20 {
                let got = std::fs::read(dir.path().join(format!("s{i}.bin"))).unwrap();
                assert_eq!(got, pattern(4096 + i));
            }
        }
    }

    /// Where nothing answers over UDP, `--http3` falls back to TCP (HTTP/2 here) after its
    /// head start, and `--http3-only` fails with curl's 28 within --connect-timeout.
    #[test]
    fn http3_falls_back_to_tcp_and_http3_only_does_not() {
        let Some((caddy, big)) = caddy(false) else {
            return;
        };
        let dir = tempfile::tempdir().unwrap();
        let ca = caddy.cacert();
        let url = caddy.url("/big.bin");
        let args = [
            "-sS",
            "--http3",
            "--cacert",
            &ca,
            "-o",
            "big",
            "-w",
            "%{http_version}",
            &url,
        ];
        assert_eq!(fetch_in(dir.path(), &args).expect(0).out(), "2");
        let got = std::fs::read(dir.path().join("big")).unwrap();
        assert_eq!(sha256(&got), sha256(&big));

        let only = [
            "-sS",
            "--http3-only",
            "--connect-timeout",
            "0.5",
            "--cacert",
            &ca,
            "-o",
            "no",
            &url,
        ];
        let run = fetch_in(dir.path(), &only).expect(28);
        assert!(run.stderr.contains("QUIC"), "{}", run.stderr);
        assert!(!dir.path().join("no").exists());
    }

    /// A certificate the client does not trust fails the QUIC handshake with curl's 60 under
    /// `--http3-only`; `--http3` then falls back, and TCP fails the same way.
    #[test]
    fn an_untrusted_certificate_is_60_over_quic() {
        let Some((caddy, _)) = caddy(true) else {
            return;
        };
        let dir = tempfile::tempdir().unwrap();
        let url = caddy.url("/s0.bin");
        for flag in ["--http3-only", "--http3"] {
            let run = fetch_in(dir.path(), &["-sS", flag, "-o", "s0", &url]).expect(60);
            assert_eq!(run.stderr.lines().count(), 1, "{}", run.stderr);
            assert!(!dir.path().join("s0").exists());
        }
    }

    /// `--alt-svc` as curl built with HTTP/3 uses it: the first request goes over TCP and
    /// records caddy's `h3` alternative, the next run takes it over QUIC; an `h3` entry for
    /// a server that does not answer over UDP falls back to TCP, as `--http3` does.
    #[test]
    fn an_alt_svc_h3_entry_sends_the_next_request_over_quic() {
        let Some((quic, _)) = caddy(true) else {
            return;
        };
        let dir = tempfile::tempdir().unwrap();
        let ca = quic.cacert();
        let url = quic.url("/s1.bin");
        let args = [
            "-sS",
            "--cacert",
            &ca,
            "--alt-svc",
            "cache",
            "-o",
            "s1",
            "-w",
            "%{http_version}",
            &url,
        ];
        assert_eq!(fetch_in(dir.path(), &args).expect(0).out(), "2");
        let cache = std::fs::read_to_string(dir.path().join("cache")).unwrap();
        assert!(cache.contains(" h3 localhost "), "{cache}");
        assert_eq!(fetch_in(dir.path(), &args).expect(0).out(), "3");
        assert_eq!(std::fs::read(dir.path().join("s1")).unwrap(), pattern(4097));

        let Some((tcp_only, _)) = caddy(false) else {
            return;
        };
        let port = tcp_only.url("").rsplit(':').next().unwrap().to_owned();
        let stale = format!("h2 localhost {port} h3 localhost {port} \"20370101 00:00:00\" 0 0\n");
        std::fs::write(dir.path().join("cache"), stale).unwrap();
        let url = tcp_only.url("/s1.bin");
        let ca = tcp_only.cacert();
        let args = [
            "-sS",
            "--cacert",
            &ca,
            "--alt-svc",
            "cache",
            "-o",
            "s1",
            "-w",
            "%{http_version}",
            &url,
        ];
        assert_eq!(fetch_in(dir.path(), &args).expect(0).out(), "2");
    }
}
