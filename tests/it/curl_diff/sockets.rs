//! Lines for the socket flags (issue 26): `--interface` in curl's three forms, `--local-port`,
//! `--happy-eyeballs-timeout-ms`, `--keepalive-time`, `--no-keepalive`, `--tcp-nodelay`,
//! `--no-tcp-nodelay`, `--tcp-fastopen`, and the exit codes curl gives when one cannot be
//! had (45) or does not parse (2).

use super::{check, line, Line};

/// The socket flags send what curl sends and fail as curl fails.
#[test]
fn socket_flags_are_curls() {
    check(table());
}

fn table() -> Vec<Line> {
    vec![
        line(&["-s", "--interface", "127.0.0.1", "{u}/hello"]),
        line(&["-s", "--interface", "host!127.0.0.1", "{u}/hello"]),
        line(&["-s", "--interface", "if!lo", "{u}/hello"]),
        line(&["-s", "--interface", "lo", "{u}/hello"]),
        line(&["-s", "--interface", "if!nosuchif0", "{u}/hello"]),
        line(&["-s", "--interface", "nosuchif0.invalid", "{u}/hello"]),
        line(&["-s", "--interface", "10.255.255.254", "{u}/hello"]),
        line(&["-s", "--local-port", "0", "{u}/hello"]),
        line(&["-s", "--local-port", "5-3", "{u}/hello"]),
        line(&["-s", "--local-port", "70000", "{u}/hello"]),
        line(&["-s", "--happy-eyeballs-timeout-ms", "100", "{u}/hello"]),
        line(&["-s", "--happy-eyeballs-timeout-ms", "-1", "{u}/hello"]),
        line(&["-s", "--keepalive-time", "7", "{u}/hello"]),
        line(&["-s", "--keepalive-time", "x", "{u}/hello"]),
        line(&["-s", "--no-keepalive", "{u}/hello"]),
        line(&["-s", "--no-keepalive", "--keepalive", "{u}/hello"]),
        line(&["-s", "--tcp-nodelay", "{u}/hello"]),
        line(&["-s", "--no-tcp-nodelay", "{u}/hello"]),
        line(&["-s", "--tcp-fastopen", "{u}/hello"]),
    ]
}
