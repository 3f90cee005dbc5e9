//! `sockit fetch` over HTTP/2 against a real nginx (`support::nginx`): ALPN over TLS, h2c
//! with `--http2-prior-knowledge`, the output guarantees of the HTTP/1.1 path (resume,
//! `--compressed`, `--max-filesize`, `-L`, `-I`, `-f`, `-T`), and `-Z` sharing one
//! connection. Fails under CI=true when nginx is missing, says it skipped otherwise.

use super::nginx::{sha256, text};
use crate::support::fetch_run::fetch_in;
use crate::support::http_server::pattern;
use crate::support::nginx::{find_nginx, Nginx, Port};

const BIG: usize = 16 << 20;

/// nginx with the big file, the text and 20 small files `s0.bin` .. `s19.bin`; None (after
/// `require`'s verdict) when nginx is missing.
fn nginx() -> Option<(Nginx, Vec<u8>, Vec<u8>)> {
    let found = find_nginx();
    if !crate::support::require(found.is_some(), "nginx") {
        return None;
    }
    let (big, text) = (pattern(BIG), text());
    let small: Vec<(String, Vec<u8>)> = (0..20)
        .map(|i| (format!("s{i}.bin"), pattern(4096 + i)))
        .collect();
    let mut files: Vec<(&str, &[u8])> = vec![("big.bin", &big), ("text.txt", &text)];
    files.extend(small.iter().map(|(n, b)| (n.as_str(), b.as_slice())));
    let nginx = Nginx::start(&found.expect("checked above"), &files);
    Some((nginx, big, text))
}

/// ALPN picks HTTP/2 where nginx offers it (by default and with --http2), HTTP/1.1 with
/// --http1.1 or where nginx does not; h2c with prior knowledge; 16 MiB byte-exact over both.
#[test]
fn http2_is_spoken_where_alpn_or_prior_knowledge_says() {
    let Some((nginx, big, _)) = nginx() else {
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    let cacert = nginx.cacert();
    let cases = [
        (Port::H2, None, "2"),
        (Port::H2, Some("--http2"), "2"),
        (Port::H2, Some("--http1.1"), "1.1"),
        (Port::Tls, None, "1.1"),
        (Port::H2c, Some("--http2-prior-knowledge"), "2"),
        (Port::Plain, None, "1.1"),
    ];
    for (port, flag, version) in cases {
        let url = nginx.url(port, "/big.bin");
        let mut args = vec![
            "-sS",
            "--cacert",
            &cacert,
            "-o",
            "big",
            "-w",
            "%{http_version}",
        ];
        args.extend(flag);
        args.push(&url);
        let run = fetch_in(dir.path(), &args).expect(0);
        assert_eq!(run.out(), version, "{port:?} {flag:?}");
        let got = std::fs::read(dir.path().join("big")).unwrap();
        assert_eq!(sha256(&got), sha256(&big), "{port:?} {flag:?}");
    }
}

/// Over HTTP/2 the HTTP/1.1 path's guarantees hold: a resumed `.part`, gzip decoded,
/// `--max-filesize` refused before the body with no file left, redirects followed, `-I`
/// and `-i` in curl's HTTP/2 form, `--segments` (a stream a segment, on one connection),
/// `-f`, and an upload
/// answered by nginx's 405.
#[test]
fn output_guarantees_hold_over_http2() {
    let Some((nginx, big, text)) = nginx() else {
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    let ca = nginx.cacert();
    let url = |path: &str| nginx.url(Port::H2, path);
    let run = |args: &[&str]| {
        let mut all = vec!["-sS", "--cacert", ca.as_str()];
        all.extend_from_slice(args);
        fetch_in(dir.path(), &all)
    };
    std::fs::write(dir.path().join("resumed.part"), &big[..BIG / 3]).unwrap();
    run(&["-C", "-", "-o", "resumed", &url("/big.bin")]).expect(0);
    let resumed = std::fs::read(dir.path().join("resumed")).unwrap();
    assert_eq!(sha256(&resumed), sha256(&big));

    let gz = run(&["--compressed", "-D", "h", &url("/text.txt")]).expect(0);
    assert_eq!(sha256(&gz.stdout), sha256(&text));
    let head = std::fs::read_to_string(dir.path().join("h")).unwrap();
    assert!(head.starts_with("HTTP/2 200 \r\n"), "{head}");
    assert!(head.contains("\r\ncontent-encoding: gzip\r\n"), "{head}");

    let too_big = run(&["--max-filesize", "1000", "-o", "capped", &url("/big.bin")]);
    too_big.expect(63);
    assert!(!dir.path().join("capped").exists());

    let moved = run(&[
        "-L",
        "-w",
        "%{num_redirects} %{http_version}",
        &url("/moved"),
    ]);
    let moved = moved.expect(0).out();
    assert!(moved.ends_with("1 2"), "{moved:.80}");
    assert!(moved.starts_with("line 0:"), "{moved:.80}");

    let head_only = run(&["-I", &url("/text.txt")]).expect(0).out();
    assert!(
        head_only.starts_with("HTTP/2 200 \r\nserver: nginx"),
        "{head_only}"
    );
    assert!(head_only.ends_with("\r\n\r\n"), "{head_only}");
    let included = run(&["-i", &url("/s0.bin")]).expect(0);
    assert!(included.stdout.starts_with(b"HTTP/2 200 \r\n"));
    assert!(included.stdout.ends_with(&pattern(4096)));

    let segmented = run(&[
        "-v",
        "--segments",
        "4",
        "-w",
        "%{num_connects}",
        "-o",
        "split",
        &url("/big.bin"),
    ]);
    let segmented = segmented.expect(0);
    let split = std::fs::read(dir.path().join("split")).unwrap();
    assert_eq!(sha256(&split), sha256(&big), "--segments over HTTP/2");
    assert_eq!(segmented.out(), "1", "the segments share one connection");
    let streams = segmented
        .stderr
        .lines()
        .filter(|l| l.starts_with("* Using Stream ID: "))
        .count();
    assert_eq!(streams, 4, "a stream a segment:\n{}", segmented.stderr);

    run(&["-f", &url("/missing")]).expect(22);
    std::fs::write(dir.path().join("up"), b"payload").unwrap();
    let put = run(&[
        "-T",
        "up",
        "-w",
        "%{http_code}",
        "-o",
        "/dev/null",
        &url("/up"),
    ]);
    assert_eq!(put.expect(0).out(), "405");
    let post = run(&[
        "-d",
        "a=b",
        "-w",
        "%{http_code}",
        "-o",
        "/dev/null",
        &url("/text.txt"),
    ]);
    assert_eq!(post.expect(0).out(), "405");
}

/// `-Z` and URLs in sequence to one origin share one HTTP/2 connection: one connect in all.
#[test]
fn many_urls_share_one_http2_connection() {
    let Some((nginx, _, _)) = nginx() else {
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    let ca = nginx.cacert();
    let urls: Vec<String> = (0..20)
        .map(|i| nginx.url(Port::H2, &format!("/s{i}.bin")))
        .collect();
    for parallel in [true, false] {
        let mut args = vec!["-sS", "--cacert", &ca, "--remote-name-all"];
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
        assert!(lines.iter().all(|l| l.ends_with(" 2")), "{lines:?}");
        for i in 0..20 {
            let got = std::fs::read(dir.path().join(format!("s{i}.bin"))).unwrap();
            assert_eq!(got, pattern(4096 + i));
        }
    }
}

/// `--trace-ascii` over HTTP/2 shows the response as curl 7.88 shows it: each header line
/// received, then the body as `<= Recv data` blocks, byte for byte (curl's TLS record lines,
/// `Send SSL data` and the like, are curl's own and left out of the comparison).
#[test]
fn the_trace_of_an_http2_response_is_curls() {
    let Some((nginx, _, _)) = nginx() else {
        return;
    };
    if !crate::support::on_path("curl") {
        crate::support::require_tool("curl");
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let ca = nginx.cacert();
    let url = nginx.url(Port::H2, "/s3.bin");
    let received = |tool: &str| {
        let trace = dir.path().join(tool);
        let trace = trace.to_str().unwrap();
        let args = [
            "-s",
            "--cacert",
            &ca,
            "--trace-ascii",
            trace,
            "-o",
            "/dev/null",
            &url,
        ];
        let status = match tool {
            "curl" => std::process::Command::new("curl").args(args).status(),
            _ => crate::support::sockit().arg("fetch").args(args).status(),
        };
        assert!(status.unwrap().success(), "{tool}");
        let text = std::fs::read_to_string(trace).unwrap();
        // A block is its title line and the dump lines under it, up to the next title.
        let mut blocks: Vec<String> = Vec::new();
        for line in text.lines() {
            match line.chars().next() {
                Some('=' | '<') => blocks.push(format!("{line}\n")),
                _ => blocks.last_mut().map_or((), |b| b.push_str(line)),
            }
        }
        blocks.retain(|b| b.starts_with("<= Recv header") || b.starts_with("<= Recv data"));
        // nginx's Date line is the one that differs between two runs.
        blocks.retain(|b| !b.contains("date: "));
        blocks
    };
    let sockit = received("sockit");
    assert!(
        sockit
            .iter()
            .any(|b| b.starts_with("<= Recv data, 4099 bytes")),
        "{sockit:?}"
    );
    assert_eq!(sockit, received("curl"));
}
