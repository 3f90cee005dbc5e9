//! --limit-rate (issue 10): the average download rate stays under the limit.

use crate::support::fetch_run::fetch;
use crate::support::http_server::{ok, pattern, reply, Server};
use std::time::{Duration, Instant};

/// 512 KiB at --limit-rate 1M takes at least half a second, and arrives whole (a lower
/// bound only: the machine can be slower, never faster, than the limit allows).
#[test]
fn limit_rate_paces_the_body() {
    let body = pattern(512 << 10);
    let sent = body.clone();
    let server = Server::plain(move |_, s| reply(s, &ok(&sent)));
    let start = Instant::now();
    let run = fetch(&["--limit-rate", "1M", &server.url("/")]).expect(0);
    let took = start.elapsed();
    assert!(run.stdout == body, "the body differs");
    assert!(took >= Duration::from_millis(480), "took only {took:?}");
    fetch(&["--limit-rate", "fast", &server.url("/")]).expect(2);
}
