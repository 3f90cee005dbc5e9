//! `--compressed`: gzip, deflate, br and zstd decode as they stream; bombs are refused (61).

use crate::support::fetch_run::fetch;
use crate::support::http_server::{pattern, reply, Server};
use std::io::Write;

fn encode(coding: &str, data: &[u8]) -> Vec<u8> {
    let mut out = Vec::new();
    match coding {
        "gzip" => {
            let mut e = flate2::write::GzEncoder::new(&mut out, flate2::Compression::default());
            e.write_all(data).unwrap();
            e.finish().unwrap();
        }
        "deflate" => {
            let mut e = flate2::write::ZlibEncoder::new(&mut out, flate2::Compression::default());
            e.write_all(data).unwrap();
            e.finish().unwrap();
        }
        "br" => {
            let mut e = brotli::CompressorWriter::new(&mut out, 4096, 9, 22);
            e.write_all(data).unwrap();
            drop(e);
        }
        "zstd" => out = zstd::encode_all(data, 3).unwrap(),
        other => panic!("no encoder for {other}"),
    }
    out
}

/// Serves `body` compressed with `coding` (chunked when `chunked`).
fn compressed(coding: &'static str, body: &[u8], chunked: bool) -> Server {
    let wire = encode(coding, body);
    Server::plain(move |_, s| {
        let mut r = format!("HTTP/1.1 200 OK\r\nContent-Encoding: {coding}\r\n").into_bytes();
        if chunked {
            r.extend_from_slice(b"Transfer-Encoding: chunked\r\n\r\n");
            for piece in wire.chunks(1000) {
                r.extend_from_slice(format!("{:x}\r\n", piece.len()).as_bytes());
                r.extend_from_slice(piece);
                r.extend_from_slice(b"\r\n");
            }
            r.extend_from_slice(b"0\r\n\r\n");
        } else {
            r.extend_from_slice(format!("Content-Length: {}\r\n\r\n", wire.len()).as_bytes());
            r.extend_from_slice(&wire);
        }
        reply(s, &r)
    })
}

/// Each coding decodes to the original bytes, with Content-Length and chunked framing.
#[test]
fn decodes_gzip_deflate_br_zstd() {
    let mut body = pattern(50_000);
    body.extend_from_slice(&b"some very repetitive text ".repeat(4000));
    for coding in ["gzip", "deflate", "br", "zstd"] {
        for chunked in [false, true] {
            let server = compressed(coding, &body, chunked);
            let run = fetch(&["--compressed", &server.url("/")]).expect(0);
            assert!(run.stdout == body, "{coding} chunked={chunked}");
            let asked = server.requests()[0]
                .header("accept-encoding")
                .map(str::to_string);
            assert_eq!(asked.as_deref(), Some("deflate, gzip, br, zstd"));
        }
    }
}

/// Issue 10: legitimate, very compressible content decodes: 64 MiB of zeros at gzip -9
/// (over 1000:1) arrives whole, exit 0.
#[test]
fn zeros_at_gzip_9_decode() {
    let zeros = vec![0u8; 64 << 20];
    let mut wire = Vec::new();
    let mut e = flate2::write::GzEncoder::new(&mut wire, flate2::Compression::best());
    e.write_all(&zeros).unwrap();
    e.finish().unwrap();
    let server = Server::plain(move |_, s| {
        let mut r = format!(
            "HTTP/1.1 200 OK\r\nContent-Encoding: gzip\r\nContent-Length: {}\r\n\r\n",
            wire.len()
        )
        .into_bytes();
        r.extend_from_slice(&wire);
        reply(s, &r)
    });
    let dir = tempfile::tempdir().unwrap();
    let run = crate::support::fetch_run::fetch_in(
        dir.path(),
        &["-s", "-S", "--compressed", "-o", "zeros", &server.url("/")],
    );
    assert_eq!(run.code, 0, "{}", run.stderr);
    let got = std::fs::read(dir.path().join("zeros")).unwrap();
    assert!(got == zeros, "{} bytes, not 64 MiB of zeros", got.len());
}

/// Issue 10: what bounds a bomb is --max-filesize on the decoded size (curl's 63), and
/// without --compressed a Content-Length over it is refused before anything is written.
#[test]
fn max_filesize_is_63() {
    let server = compressed("br", &vec![0u8; 8 << 20], false);
    let dir = tempfile::tempdir().unwrap();
    let url = server.url("/");
    let flags = [
        "-s",
        "-S",
        "--compressed",
        "--max-filesize",
        "1M",
        "-o",
        "f",
        &url,
    ];
    let run = crate::support::fetch_run::fetch_in(dir.path(), &flags);
    assert_eq!(run.code, 63, "{}", run.stderr);
    assert!(run.stderr.contains("--max-filesize"), "{}", run.stderr);
    assert!(!dir.path().join("f").exists());
    let part = std::fs::metadata(dir.path().join("f.part")).unwrap().len();
    assert!(part <= 1 << 20, "wrote {part} bytes past the limit");
    let plain = Server::plain(|_, s| reply(s, &crate::support::http_server::ok(&pattern(5000))));
    let run = crate::support::fetch_run::fetch_in(
        dir.path(),
        &[
            "-s",
            "-S",
            "--max-filesize",
            "4999",
            "-o",
            "g",
            &plain.url("/"),
        ],
    );
    assert_eq!(run.code, 63, "{}", run.stderr);
    assert!(!dir.path().join("g.part").exists());
    let run = crate::support::fetch_run::fetch_in(
        dir.path(),
        &["-s", "--max-filesize", "5000", "-o", "g", &plain.url("/")],
    );
    assert_eq!(run.code, 0, "{}", run.stderr);
}

/// Without --compressed the body is passed on as received, as curl does.
#[test]
fn without_flag_passes_through() {
    let wire = encode("gzip", b"hello");
    let sent = wire.clone();
    let server = Server::plain(move |_, s| {
        let mut r = format!(
            "HTTP/1.1 200 OK\r\nContent-Encoding: gzip\r\nContent-Length: {}\r\n\r\n",
            sent.len()
        )
        .into_bytes();
        r.extend_from_slice(&sent);
        reply(s, &r)
    });
    assert_eq!(fetch(&[&server.url("/")]).expect(0).stdout, wire);
    assert_eq!(server.requests()[0].header("accept-encoding"), None);
}
