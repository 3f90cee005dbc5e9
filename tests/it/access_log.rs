//! What `sockit serve` logs for log shippers: `--log-format json` makes every line one JSON
//! object with a timestamp, a level and a message, and each connection ends with one access
//! line whose fields say who, where, over what, how long, how much and why it closed.

use crate::support::pki::{Key, Pki};
use crate::support::{spawn_server, ChildGuard, WAIT};
use crate::tls::{client_config, spawn_tls_server, tls_connect, transcript};
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

/// `--log-format json`: lines are one JSON object each with an RFC 3339 UTC `timestamp`,
/// `level` and `message`; a connection's access line has its fields at the top level: the
/// peer, the listener, the duration, the names answered, the bytes each way (greeting and
/// replies out), and why it closed. With no PROXY header there is no `client`, and a plain
/// connection has no `tls_*`.
#[test]
fn json_access_line_has_every_field() {
    let (mut server, addr) = spawn_server(&["--log-format", "json"]);
    let mut c = TcpStream::connect(addr).unwrap();
    let local = c.local_addr().unwrap();
    c.write_all(b"Bob\nAnn\nexit\n").unwrap();
    let mut heard = Vec::new();
    c.read_to_end(&mut heard).unwrap();
    assert_eq!(heard, b"Welcome!\nHello, Bob!\nHello, Ann!\n");
    let line = json_line(&mut server, "closed.");
    assert_eq!(line["level"], "INFO");
    let timestamp = line["timestamp"].as_str().expect("a timestamp");
    assert!(
        timestamp.ends_with('Z') && humantime::parse_rfc3339(timestamp).is_ok(),
        "{timestamp}"
    );
    assert_eq!(line["message"], format!("Connection from {local} closed."));
    assert_eq!(line["peer"], local.to_string());
    assert_eq!(line["listener"], addr.to_string());
    assert_eq!(line["messages"], 2);
    assert_eq!(line["bytes_in"], 13);
    assert_eq!(line["bytes_out"], heard.len());
    assert_eq!(line["close"], "exit");
    assert!(line["duration_ms"].as_u64().is_some(), "{line}");
    for absent in ["client", "tls_version", "tls_cipher", "tls_client"] {
        assert!(line.get(absent).is_none(), "{absent} in {line}");
    }
}

/// The closing `ERR` line counts in `bytes_out`, and `close` gives the same reason as the
/// metrics (`line_too_long`).
#[test]
fn an_err_close_is_counted_and_named() {
    let (mut server, addr) = spawn_server(&["--log-format", "json", "--max-line", "8"]);
    let heard = converse(addr, b"far too long a name\n");
    assert_eq!(heard, b"Welcome!\nERR line too long\n");
    let line = json_line(&mut server, "closed.");
    assert_eq!(line["close"], "line_too_long");
    assert_eq!(line["bytes_out"], heard.len());
    assert_eq!(line["messages"], 0);
}

/// Behind a balancer, `client` is the PROXY header's client and `peer` the balancer's
/// connection.
#[test]
fn proxied_connections_log_peer_and_client() {
    let (mut server, addr) = spawn_server(&["--log-format", "json", "--proxy-protocol"]);
    let mut c = TcpStream::connect(addr).unwrap();
    let local = c.local_addr().unwrap();
    c.write_all(b"PROXY TCP4 192.0.2.7 127.0.0.1 56324 9999\r\nexit\n")
        .unwrap();
    let mut heard = Vec::new();
    c.read_to_end(&mut heard).unwrap();
    let line = json_line(&mut server, "closed.");
    assert_eq!(line["client"], "192.0.2.7:56324");
    assert_eq!(line["peer"], local.to_string());
    assert_eq!(line["message"], "Connection from 192.0.2.7:56324 closed.");
}

/// Over mutual TLS the line names the version, the cipher suite and the client
/// certificate's subject.
#[tokio::test]
async fn tls_connections_log_version_cipher_and_client_subject() {
    let pki = Pki::new("ca");
    let pair = pki.server("server", Key::EcdsaP256);
    let ca = pki.ca.to_str().unwrap();
    let (mut server, addr) =
        spawn_tls_server(&pair, &["--log-format", "json", "--tls-client-ca", ca]);
    let alice = pki.client("alice");
    let tls = tls_connect(addr, client_config(&pki.ca, Some(&alice))).await;
    transcript(tls.unwrap()).await.unwrap();
    let line = json_line(&mut server, "closed.");
    assert_eq!(line["tls_version"], "TLSv1_3");
    let cipher = line["tls_cipher"].as_str().expect("a cipher suite");
    assert!(cipher.starts_with("TLS13_"), "{cipher}");
    let subject = line["tls_client"].as_str().expect("a client subject");
    assert!(subject.contains("CN=alice"), "{subject}");
}

/// `-q` leaves out the access lines (and the accept lines), in either format.
#[test]
fn quiet_leaves_out_the_access_lines() {
    for format in ["json", "text"] {
        let (mut server, addr) = spawn_server(&["--log-format", format, "-q"]);
        converse(addr, b"exit\n");
        server.signal("TERM");
        let (status, log) = server.wait();
        assert_eq!(status.code(), Some(0), "{log}");
        assert!(!log.contains("Connection from"), "{format}: {log}");
        assert!(!log.contains("Accept new"), "{format}: {log}");
    }
}

/// `--log-format text` (the default) keeps the lines people read today, with the access
/// fields after the closing line's message.
#[test]
fn text_is_the_default() {
    let (mut server, addr) = spawn_server(&[]);
    converse(addr, b"exit\n");
    let line = server.wait_for_stderr("Accept new connection");
    assert!(!line.trim_start().starts_with('{'), "{line}");
    assert!(line.contains(" INFO "), "{line}");
    let line = server.wait_for_stderr("closed.");
    assert!(
        line.contains(" messages=0 ") && line.contains(" close=\"exit\""),
        "{line}"
    );
}

/// Access lines are batched, never lost: the access line of a connection that ended during
/// the drain is written even when a second signal then ends the process at once, while
/// another connection is still open (the lines gathered since the last pulse were left in
/// the batch before the exit flushed it).
#[test]
fn no_access_line_is_lost_at_shutdown() {
    let (mut server, addr) = spawn_server(&["--log-format", "json", "--grace", "1h"]);
    for _ in 0..20 {
        assert_eq!(converse(addr, b"Bo\nexit\n"), b"Welcome!\nHello, Bo!\n");
    }
    let mut held = TcpStream::connect(addr).unwrap();
    held.set_read_timeout(Some(WAIT)).unwrap();
    let mut greeting = [0; 9];
    held.read_exact(&mut greeting).unwrap();
    // Keeps the drain going after `held` has ended.
    let mut stays = TcpStream::connect(addr).unwrap();
    stays.set_read_timeout(Some(WAIT)).unwrap();
    stays.read_exact(&mut greeting).unwrap();
    server.signal("TERM");
    server.wait_for_stderr("draining");
    held.write_all(b"exit\n").unwrap();
    let mut rest = Vec::new();
    held.read_to_end(&mut rest).unwrap();
    server.signal("TERM");
    let (status, log) = server.wait();
    assert_eq!(status.code(), Some(130), "{log}");
    let held_port = held.local_addr().unwrap().port();
    let lines: Vec<serde_json::Value> = (log.lines())
        .filter(|l| l.starts_with('{'))
        .map(|l| serde_json::from_str(l).unwrap_or_else(|e| panic!("{e}: {l}")))
        .collect();
    assert!(
        lines.iter().any(
            |l| l["peer"].as_str() == Some(&format!("127.0.0.1:{held_port}"))
                && l["close"] == "exit"
        ),
        "no access line for the connection that ended in the drain:\n{log}"
    );
}

/// Every access line of a busy run reaches the log, once, each one JSON object, and the
/// server's last line is still last.
#[test]
fn a_batched_run_keeps_every_line() {
    let (mut server, addr) = spawn_server(&["--log-format", "json"]);
    let mut ports = Vec::new();
    for _ in 0..50 {
        let mut c = TcpStream::connect(addr).unwrap();
        ports.push(c.local_addr().unwrap().to_string());
        c.set_read_timeout(Some(WAIT)).unwrap();
        c.write_all(b"Bo\nexit\n").unwrap();
        let mut heard = Vec::new();
        c.read_to_end(&mut heard).unwrap();
    }
    server.signal("TERM");
    let (status, log) = server.wait();
    assert_eq!(status.code(), Some(0), "{log}");
    let mut logged = Vec::new();
    for line in log.lines() {
        let line: serde_json::Value =
            serde_json::from_str(line).unwrap_or_else(|e| panic!("{e}: {line}"));
        if let Some(peer) = line.get("peer") {
            logged.push(peer.as_str().unwrap().to_owned());
        }
    }
    // A connection's line is written after its socket closes, so on a busy machine the next
    // connection's line can come first: each line once is the promise, not their order.
    logged.sort();
    ports.sort();
    assert_eq!(logged, ports);
    assert!(log.trim_end().ends_with("\"Server stopped.\"}"), "{log}");
}
