//! `--aws-sigv4` against a server that checks what it receives: a signature made with the
//! clock (no date header to copy) verifies with the secret, and redirects are signed for the
//! host they reach only as curl's rules say. The bytes themselves are checked against curl
//! 7.88 in `tests/it/curl_diff/sigv4.rs`, the arithmetic against AWS's test suite in
//! `src/fetch/http/aws_sigv4.rs`.

use crate::support::fetch_run::fetch;
use crate::support::http_server::{ok, reply, Req, Server};
use ring::{digest, hmac};
use std::time::{SystemTime, UNIX_EPOCH};

const SECRET: &str = "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY";

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

fn mac(key: &[u8], data: &str) -> Vec<u8> {
    let key = hmac::Key::new(hmac::HMAC_SHA256, key);
    hmac::sign(&key, data.as_bytes()).as_ref().to_vec()
}

/// Days from 1970-01-01 to a civil date (proleptic Gregorian).
fn days_from_civil(year: i64, month: i64, day: i64) -> i64 {
    let year = if month <= 2 { year - 1 } else { year };
    let era = year.div_euclid(400);
    let yoe = year - era * 400;
    let doy = (153 * ((month + 9) % 12) + 2) / 5 + day - 1;
    era * 146_097 + yoe * 365 + yoe / 4 - yoe / 100 + doy - 719_468
}

/// `YYYYMMDDTHHMMSSZ` as Unix seconds.
fn unix_time(stamp: &str) -> i64 {
    let n = |range: std::ops::Range<usize>| stamp[range].parse::<i64>().unwrap();
    let days = days_from_civil(n(0..4), n(4..6), n(6..8));
    days * 86_400 + n(9..11) * 3600 + n(11..13) * 60 + n(13..15)
}

fn now() -> i64 {
    let since = SystemTime::now().duration_since(UNIX_EPOCH).unwrap();
    i64::try_from(since.as_secs()).unwrap()
}

/// The signature AWS computes for `req`, a request signed over `signed_headers` with
/// `payload`, under `secret` in `region` and `service`: written here from AWS's
/// description of Signature Version 4, apart from sockit's code.
fn expected_signature(
    req: &Req,
    signed_headers: &[&str],
    payload: &[u8],
    region: &str,
    service: &str,
) -> String {
    let stamp = req.header("x-amz-date").unwrap();
    let (path, query) = req.target.split_once('?').unwrap_or((&req.target, ""));
    let canonical_headers: String = signed_headers
        .iter()
        .map(|name| format!("{name}:{}\n", req.header(name).unwrap().trim()))
        .collect();
    let canonical = format!(
        "{}\n{path}\n{query}\n{canonical_headers}\n{}\n{}",
        req.method,
        signed_headers.join(";"),
        hex(digest::digest(&digest::SHA256, payload).as_ref())
    );
    let scope = format!("{}/{region}/{service}/aws4_request", &stamp[..8]);
    let to_sign = format!(
        "AWS4-HMAC-SHA256\n{stamp}\n{scope}\n{}",
        hex(digest::digest(&digest::SHA256, canonical.as_bytes()).as_ref())
    );
    let mut key = format!("AWS4{SECRET}").into_bytes();
    for part in [&stamp[..8], region, service, "aws4_request"] {
        key = mac(&key, part);
    }
    hex(&mac(&key, &to_sign))
}

/// Without a date header sockit signs with the clock, as curl does: the X-Amz-Date it adds
/// is the time of the request, and the signature verifies with the secret.
#[test]
fn a_signature_made_with_the_clock_verifies_with_the_secret() {
    let server = Server::plain(|_, s| reply(s, &ok(b"signed")));
    let before = now();
    let url = server.url("/items/1?b=2&a=1");
    let args = [
        "--aws-sigv4",
        "aws:amz:eu-central-1:execute-api",
        "-u",
        "AKIDEXAMPLE:wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY",
    ];
    let run = fetch(
        &[
            &args[..],
            &["-H", "X-Tenant:  blue ", "-d", "name=one", &url],
        ]
        .concat(),
    )
    .expect(0);
    let after = now();
    assert_eq!(run.out(), "signed");
    let req = &server.requests()[0];
    let stamp = req.header("x-amz-date").expect("an X-Amz-Date header");
    assert!(
        (before..=after).contains(&unix_time(stamp)),
        "{stamp} not between {before} and {after}"
    );
    let signed = ["host", "x-amz-date", "x-tenant"];
    let want = expected_signature(req, &signed, b"name=one", "eu-central-1", "execute-api");
    assert_eq!(
        req.header("authorization").unwrap(),
        format!(
            "AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/{}/eu-central-1/execute-api/aws4_request, \
             SignedHeaders=host;x-amz-date;x-tenant, Signature={want}",
            &stamp[..8]
        )
    );
}

/// A redirect within the origin is signed again for its own path; one to another host
/// (localhost) goes unsigned, with no date line of the signature's either.
#[test]
fn redirects_are_signed_for_the_first_host_only() {
    let server = Server::plain(|req, s| match req.target.as_str() {
        "/same" => reply(
            s,
            b"HTTP/1.1 302 Found\r\nLocation: /next?x=1\r\nContent-Length: 0\r\n\r\n",
        ),
        _ => reply(s, &ok(b"here")),
    });
    let other = server.url_localhost("/elsewhere");
    let away = Server::plain(move |_, s| {
        reply(
            s,
            format!("HTTP/1.1 302 Found\r\nLocation: {other}\r\nContent-Length: 0\r\n\r\n")
                .as_bytes(),
        )
    });
    let args = [
        "-L",
        "--aws-sigv4",
        "aws:amz:r:s",
        "-u",
        "AKIDEXAMPLE:wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY",
    ];
    fetch(&[&args[..], &[&server.url("/same")]].concat()).expect(0);
    fetch(&[&args[..], &[&away.url("/away")]].concat()).expect(0);
    let seen = server.requests();
    let signed = ["host", "x-amz-date"];
    for req in &seen[..2] {
        let want = expected_signature(req, &signed, b"", "r", "s");
        assert!(
            req.header("authorization").unwrap().ends_with(&want),
            "{req:?}"
        );
    }
    assert_eq!(seen[2].target, "/elsewhere");
    assert_eq!(seen[2].header("authorization"), None);
    assert_eq!(seen[2].header("x-amz-date"), None);
    assert!(away.requests()[0].header("authorization").is_some());
}

/// With --location-trusted the redirect is signed for the host it reaches, which curl
/// 7.88 takes SERVICE and REGION from: localhost names neither, so the run ends with curl's
/// 3 after the first request, saying why.
#[test]
fn a_trusted_redirect_is_signed_for_the_new_host() {
    let target = Server::plain(|_, s| reply(s, &ok(b"unreached")));
    let other = target.url_localhost("/elsewhere");
    let away = Server::plain(move |_, s| {
        reply(
            s,
            format!("HTTP/1.1 302 Found\r\nLocation: {other}\r\nContent-Length: 0\r\n\r\n")
                .as_bytes(),
        )
    });
    let run = fetch(&[
        "--location-trusted",
        "--aws-sigv4",
        "aws:amz",
        "-u",
        "AK:SK",
        "--resolve",
        &format!("sqs.us-east-2.amazonaws.com:{}:127.0.0.1", away.addr.port()),
        &format!(
            "http://sqs.us-east-2.amazonaws.com:{}/away",
            away.addr.port()
        ),
    ])
    .expect(3);
    assert!(
        run.stderr
            .contains("service missing in parameters and hostname"),
        "{}",
        run.stderr
    );
    let first = &away.requests()[0];
    assert!(first
        .header("authorization")
        .unwrap()
        .contains("/us-east-2/sqs/aws4_request"));
    assert!(target.requests().is_empty());
}

/// An argument without a provider is curl's 43, said in one line, and nothing is sent.
#[test]
fn an_empty_provider_is_refused_with_curls_code() {
    let server = Server::plain(|_, s| reply(s, &ok(b"unreached")));
    let run = fetch(&["--aws-sigv4", ":amz", "-u", "AK:SK", &server.url("/")]).expect(43);
    assert_eq!(
        run.stderr.trim(),
        "sockit: (43) --aws-sigv4: first provider can't be empty"
    );
    assert!(server.requests().is_empty());
}
