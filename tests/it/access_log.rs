//! What `sockit serve` logs for log shippers: `--log-format json` makes every line one JSON
//! object with a timestamp, a level and a message.

use crate::support::{spawn_server, ChildGuard, WAIT};
use std::io::{Read, Write};
use std::net::{SocketAddr, TcpStream};

/// One conversation over a blocking socket: sends `input`, reads to the end.
fn converse(addr: SocketAddr, input: &[u8]) -> Vec<u8> {
    let mut c = TcpStream::connect(addr).unwrap();
    c.set_read_timeout(Some(WAIT)).unwrap();
    c.write_all(input).unwrap();
    let mut out = Vec::new();
    c.read_to_end(&mut out).unwrap();
    out
}

/// The next stderr line containing `needle`, parsed as one JSON object.
pub fn json_line(server: &mut ChildGuard, needle: &str) -> serde_json::Value {
    let line = server.wait_for_stderr(needle);
    serde_json::from_str(&line).unwrap_or_else(|e| panic!("not one JSON object ({e}): {line}"))
}

/// `--log-format json`: the start-up line and the per-connection lines are each one JSON
/// object with an RFC 3339 UTC `timestamp`, `level` and `message`.
#[test]
fn json_lines_have_timestamp_level_and_message() {
    let (mut server, addr) = spawn_server(&["--log-format", "json"]);
    assert_eq!(converse(addr, b"Bob\nexit\n"), b"Welcome!\nHello, Bob!\n");
    let accepted = json_line(&mut server, "Accept new connection");
    assert_eq!(accepted["level"], "INFO");
    let timestamp = accepted["timestamp"].as_str().expect("a timestamp");
    assert!(
        timestamp.ends_with('Z') && humantime::parse_rfc3339(timestamp).is_ok(),
        "{timestamp}"
    );
    let message = accepted["message"].as_str().expect("a message");
    assert!(
        message.starts_with("Accept new connection from 127.0.0.1:"),
        "{message}"
    );
}

/// `--log-format text` (the default) keeps the lines people read today.
#[test]
fn text_is_the_default() {
    let (mut server, addr) = spawn_server(&[]);
    converse(addr, b"exit\n");
    let line = server.wait_for_stderr("Accept new connection");
    assert!(!line.trim_start().starts_with('{'), "{line}");
    assert!(line.contains(" INFO "), "{line}");
}
