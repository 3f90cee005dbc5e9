//! -w/--write-out and -v (issue 10): the report after a transfer and the trace on stderr.

use crate::support::fetch_run::{fetch, fetch_in};
use crate::support::http_server::{ok, reply, Server};

/// Every listed variable, after a redirect, on stdout after the body.
#[test]
fn write_out_reports_the_transfer() {
    const MOVED: &[u8] = b"HTTP/1.1 302 Found\r\nLocation: /b\r\nContent-Length: 0\r\n\r\n";
    const HEAD: &[u8] = b"HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Length: 5\r\n\r\n";
    let server = Server::plain(|req, s| match req.target.as_str() {
        "/a" => reply(s, MOVED),
        _ => reply(s, &[HEAD, b"hello"].concat()),
    });
    let format = "\\n%{http_code} %{size_download} %{size_header} %{num_redirects} \
                  %{url_effective} %{content_type} %{exitcode}[%{errormsg}]";
    let run = fetch(&["-L", "-w", format, &server.url("/a")]).expect(0);
    let heads = MOVED.len() + HEAD.len();
    assert_eq!(
        run.out(),
        format!("hello\n200 5 {heads} 1 {} text/plain 0[]", server.url("/b"))
    );
    let run = fetch(&[
        "-w",
        "%{time_connect} %{time_starttransfer} %{time_total} %{speed_download}",
        &server.url("/b"),
    ])
    .expect(0);
    let times: Vec<f64> = run.out()["hello".len()..]
        .split(' ')
        .map(|t| t.parse().unwrap())
        .collect();
    assert!(
        times[0] > 0.0 && times[0] <= times[1] && times[1] <= times[2],
        "{times:?}"
    );
}

/// %{json} holds every variable; %{stderr} switches the stream; the report comes after a
/// failure too, with its exit code and message; -w @FILE reads the format.
#[test]
fn write_out_json_streams_and_failures() {
    let server =
        Server::plain(|_, s| reply(s, b"HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\n\r\n"));
    let run = fetch(&["-s", "-f", "-w", "%{stderr}%{json}", &server.url("/x")]).expect(22);
    assert_eq!(run.out(), "");
    let json: serde_json::Value = serde_json::from_str(&run.stderr).unwrap();
    assert_eq!(json["http_code"], 404);
    assert_eq!(json["exitcode"], 22);
    assert_eq!(
        json["errormsg"],
        "the requested URL returned error: 404 Not Found"
    );
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("fmt"), "code=%{http_code}").unwrap();
    let run = fetch_in(dir.path(), &["-w", "@fmt", &server.url("/x")]).expect(0);
    assert_eq!(run.out(), "code=404");
}

/// -v traces resolving, connecting, the request and the response on stderr; the body is
/// unchanged on stdout.
#[test]
fn verbose_traces_on_stderr() {
    let server = Server::plain(|_, s| reply(s, &ok(b"body")));
    let run = fetch(&["-v", &server.url_localhost("/v")]).expect(0);
    assert_eq!(run.out(), "body");
    let port = server.addr.port();
    for line in [
        format!("* Host localhost:{port} was resolved."),
        format!("* Connected to localhost (127.0.0.1) port {port}"),
        "> GET /v HTTP/1.1".to_string(),
        format!("> Host: localhost:{port}"),
        "< HTTP/1.1 200 OK".to_string(),
        "< Content-Length: 4".to_string(),
    ] {
        assert!(
            run.stderr.lines().any(|l| l == line),
            "no {line:?} in\n{}",
            run.stderr
        );
    }
}

/// -v over TLS names the version, the cipher and the certificate's subject and issuer.
#[test]
fn verbose_shows_tls() {
    let server = Server::tls(|_, s| reply(s, &ok(b"secure")));
    let cacert = server.cert_pem().to_str().unwrap().to_string();
    let run = fetch(&["-v", "--cacert", &cacert, &server.url_localhost("/")]).expect(0);
    assert!(
        run.stderr.contains("* TLS connection using TLSv1.3 / TLS"),
        "{}",
        run.stderr
    );
    assert!(
        run.stderr.contains("*  subject: CN=rcgen self signed cert"),
        "{}",
        run.stderr
    );
    assert!(
        run.stderr.contains("*  issuer: CN=rcgen self signed cert"),
        "{}",
        run.stderr
    );
}
