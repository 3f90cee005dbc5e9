//! `-L`: relative and absolute redirects, method rewriting, Authorization across hosts, and
//! the loop and limit checks (47).

use crate::support::fetch_run::fetch;
use crate::support::http_server::{ok, reply, Server};

/// Without -L a redirect is the answer; with -L relative and absolute Locations are followed.
#[test]
fn follows_relative_and_absolute() {
    let target = Server::plain(|_, s| reply(s, &ok(b"arrived")));
    let absolute = target.url("/end");
    let server = Server::plain(move |req, s| {
        let r = match req.target.as_str() {
            "/start" => {
                "HTTP/1.1 302 Found\r\nLocation: next/step\r\nContent-Length: 5\r\n\r\nmoved"
                    .to_string()
            }
            "/next/step" => {
                format!("HTTP/1.1 301 Moved\r\nLocation: {absolute}\r\nContent-Length: 0\r\n\r\n")
            }
            _ => "HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\n\r\n".to_string(),
        };
        reply(s, r.as_bytes())
    });
    assert_eq!(fetch(&[&server.url("/start")]).expect(0).out(), "moved");
    assert_eq!(
        fetch(&["-L", &server.url("/start")]).expect(0).out(),
        "arrived"
    );
    let reqs = server.requests();
    assert_eq!(reqs[2].target, "/next/step");
    assert_eq!(target.requests()[0].target, "/end");
}

/// 303 turns POST into GET without a body; 307 keeps both.
#[test]
fn methods_after_303_and_307() {
    let server = Server::plain(|req, s| {
        let r: &[u8] = match req.target.as_str() {
            "/see-other" => {
                b"HTTP/1.1 303 See Other\r\nLocation: /done\r\nContent-Length: 0\r\n\r\n"
            }
            "/temporary" => {
                b"HTTP/1.1 307 Temporary\r\nLocation: /done\r\nContent-Length: 0\r\n\r\n"
            }
            _ => return reply(s, &ok(req.method.as_bytes())),
        };
        reply(s, r)
    });
    assert_eq!(
        fetch(&["-L", "-d", "x=1", &server.url("/see-other")])
            .expect(0)
            .out(),
        "GET"
    );
    assert_eq!(
        fetch(&["-L", "-d", "x=1", &server.url("/temporary")])
            .expect(0)
            .out(),
        "POST"
    );
    let reqs = server.requests();
    assert!(reqs[1].body.is_empty());
    assert_eq!(reqs[3].body, b"x=1");
}

/// Authorization goes to the first host only, not to another host redirected to.
#[test]
fn authorization_dropped_across_hosts() {
    let other = Server::plain(|_, s| reply(s, &ok(b"other")));
    let same_host_url = other.url("/same");
    let other_host_url = other.url_localhost("/cross");
    let server = Server::plain(move |req, s| {
        let to = if req.target == "/a" {
            &same_host_url
        } else {
            &other_host_url
        };
        reply(
            s,
            format!("HTTP/1.1 302 Found\r\nLocation: {to}\r\n\r\n").as_bytes(),
        )
    });
    let auth = ["-L", "-H", "Authorization: Bearer secret"];
    fetch(&[&auth[..], &[&server.url("/a")]].concat()).expect(0);
    fetch(&[&auth[..], &[&server.url("/b")]].concat()).expect(0);
    let seen = other.requests();
    // Another port on the same host is another origin too: curl drops it there as well.
    assert_eq!(seen[0].header("authorization"), None);
    assert_eq!(seen[1].header("authorization"), None);
    assert_eq!(
        server.requests()[0].header("authorization"),
        Some("Bearer secret")
    );
}

/// Authorization is kept on a redirect within the same origin.
#[test]
fn authorization_kept_on_same_origin() {
    let server = Server::plain(|req, s| match req.target.as_str() {
        "/a" => reply(
            s,
            b"HTTP/1.1 302 Found\r\nLocation: /b\r\nContent-Length: 0\r\n\r\n",
        ),
        _ => reply(
            s,
            &ok(req.header("authorization").unwrap_or("none").as_bytes()),
        ),
    });
    let run = fetch(&["-L", "-H", "Authorization: Basic x", &server.url("/a")]).expect(0);
    assert_eq!(run.out(), "Basic x");
}

/// A redirect loop is followed until --max-redirs (50 by default, as curl), then 47, as
/// is any chain longer than --max-redirs.
#[test]
fn loops_and_limits_are_47() {
    let looping = Server::plain(|req, s| {
        let next = if req.target == "/a" { "/b" } else { "/a" };
        reply(
            s,
            format!("HTTP/1.1 302 Found\r\nLocation: {next}\r\nContent-Length: 0\r\n\r\n")
                .as_bytes(),
        )
    });
    let run = fetch(&["-L", &looping.url("/a")]).expect(47);
    assert!(
        run.stderr.contains("maximum (50) redirects followed"),
        "{}",
        run.stderr
    );
    assert_eq!(looping.requests().len(), 51);
    let counting = Server::plain(|req, s| {
        let n: u32 = req.target.trim_start_matches('/').parse().unwrap_or(0);
        reply(
            s,
            format!(
                "HTTP/1.1 302 Found\r\nLocation: /{}\r\nContent-Length: 0\r\n\r\n",
                n + 1
            )
            .as_bytes(),
        )
    });
    let run = fetch(&["-L", "--max-redirs", "3", &counting.url("/0")]).expect(47);
    assert!(
        run.stderr.contains("maximum (3) redirects followed"),
        "{}",
        run.stderr
    );
    assert_eq!(counting.requests().len(), 4);
}

/// Issue 10: -u, Cookie and a user-set Host go to the first origin only; --location-trusted
/// lets -u and Cookie follow (never Host), as curl does.
#[test]
fn credentials_stay_with_their_origin() {
    let other = Server::plain(|_, s| reply(s, &ok(b"other")));
    let to = other.url("/landed");
    let first = Server::plain(move |_, s| {
        reply(
            s,
            format!("HTTP/1.1 302 Found\r\nLocation: {to}\r\nContent-Length: 0\r\n\r\n").as_bytes(),
        )
    });
    let flags = [
        "-u",
        "me:pw",
        "-H",
        "Cookie: id=1",
        "-H",
        "Host: example.test",
    ];
    fetch(&[&flags[..], &["-L", &first.url("/")]].concat()).expect(0);
    fetch(&[&flags[..], &["--location-trusted", &first.url("/")]].concat()).expect(0);
    let sent = &first.requests()[0];
    assert_eq!(sent.header("authorization"), Some("Basic bWU6cHc="));
    assert_eq!(sent.header("cookie"), Some("id=1"));
    assert_eq!(sent.header("host"), Some("example.test"));
    let plain = &other.requests()[0];
    assert_eq!(plain.header("authorization"), None);
    assert_eq!(plain.header("cookie"), None);
    assert_eq!(plain.header("host"), Some(&*other.addr.to_string()));
    let trusted = &other.requests()[1];
    assert_eq!(trusted.header("authorization"), Some("Basic bWU6cHc="));
    assert_eq!(trusted.header("cookie"), Some("id=1"));
    assert_eq!(trusted.header("host"), Some(&*other.addr.to_string()));
}

/// Issue 10: an empty Location is no redirect: the response is the answer (exit 0).
#[test]
fn empty_location_stops() {
    let server = Server::plain(|_, s| {
        reply(
            s,
            b"HTTP/1.1 302 Found\r\nLocation: \r\nContent-Length: 4\r\n\r\nhere",
        )
    });
    assert_eq!(fetch(&["-L", &server.url("/")]).expect(0).out(), "here");
    assert_eq!(server.requests().len(), 1);
}

/// Issue 10: a Location that is not UTF-8 (Latin-1 here) is followed, percent-encoded.
#[test]
fn non_utf8_location_is_percent_encoded() {
    let server = Server::plain(|req, s| match req.target.as_str() {
        "/start" => reply(
            s,
            b"HTTP/1.1 301 Moved\r\nLocation: /caf\xe9\r\nContent-Length: 0\r\n\r\n",
        ),
        other => reply(s, &ok(other.as_bytes())),
    });
    let run = fetch(&["-L", &server.url("/start")]).expect(0);
    assert_eq!(run.out(), "/caf%E9");
}
