//! What a configuration reload changes, in process through [`sockit::server::Reloader`]: the
//! greeting, the line limit, the timeouts, the per-address limit, the PROXY protocol settings
//! and the grace period take effect for connections accepted after it, while a connection
//! opened before keeps what it started with; settings that cannot work together change
//! nothing. (tests/it/config_file.rs drives the same through SIGHUP and a file.)

use crate::support::{loopback, read_line, read_to_end, TestServer, GRACE, WAIT};
use sockit::server::{Config, Reloader, Server};
use std::num::NonZeroUsize;
use std::time::Duration;
use tokio::io::AsyncWriteExt;
use tokio::net::TcpStream;

/// Starts `builder`'s server (quiet) and returns it with its reloader.
async fn start(builder: sockit::server::Builder) -> (TestServer, Reloader) {
    let server: Server = builder.quiet(true).listen().await.unwrap();
    let reloader = server.reloader();
    (TestServer::run(server), reloader)
}

/// What the test server starts with (quiet, the short grace period), as a reload gives it:
/// a reload sets every reloadable setting, so one it leaves out is back to its default.
fn reloaded() -> Config {
    Config {
        quiet: true,
        grace: GRACE,
        ..Config::default()
    }
}

/// Sends `name` and returns the line that answers it.
async fn ask(conn: &mut TcpStream, name: &str) -> Vec<u8> {
    conn.write_all(format!("{name}\n").as_bytes())
        .await
        .unwrap();
    read_line(conn).await
}

/// A reloaded greeting, line limit and idle timeout apply to the next connection; the one
/// opened before still has the old limit and is not timed out by the new timeout, which has
/// already closed the newer, idle connection.
#[tokio::test]
async fn new_connections_take_the_reload_and_open_ones_keep_theirs() {
    let (server, reloader) = start(loopback()).await;
    let mut before = server.connect().await;
    assert_eq!(read_line(&mut before).await, b"Welcome!\n");

    let reloaded = Config {
        greeting: "Hi".into(),
        max_line: 8,
        idle_timeout: Duration::from_millis(300),
        ..reloaded()
    };
    reloader.apply(&reloaded).unwrap();

    let mut idle = server.connect().await;
    assert_eq!(read_line(&mut idle).await, b"Hi\n");
    assert_eq!(read_to_end(&mut idle).await, b"ERR idle timeout\n");

    let mut after = server.connect().await;
    assert_eq!(read_line(&mut after).await, b"Hi\n");
    assert_eq!(ask(&mut after, "Bartholomew").await, b"ERR line too long\n");

    // Open since before the reload and idle longer than the new timeout: still served, and
    // with the old line limit.
    assert_eq!(
        ask(&mut before, "Bartholomew").await,
        b"Hello, Bartholomew!\n"
    );
    server.stop().await;
}

/// A reloaded `--framing chunk` greets and answers the next connection without newlines,
/// while the one opened before still speaks in lines.
#[tokio::test]
async fn a_reloaded_framing_applies_to_new_connections() {
    let (server, reloader) = start(loopback()).await;
    let mut before = server.connect().await;
    assert_eq!(read_line(&mut before).await, b"Welcome!\n");
    reloader
        .apply(&Config {
            framing: sockit::protocol::Framing::Chunk,
            ..reloaded()
        })
        .unwrap();
    let mut after = server.connect().await;
    after.write_all(b"Ann").await.unwrap();
    assert_eq!(
        crate::support::read_exact(&mut after, 19).await,
        b"Welcome!Hello, Ann!"
    );
    assert_eq!(ask(&mut before, "Ann").await, b"Hello, Ann!\n");
    server.stop().await;
}

/// `--max-connections-per-ip` turned on by a reload limits the connections accepted after
/// it; one opened before is not counted against it.
#[tokio::test]
async fn a_reloaded_per_address_limit_applies_to_new_connections() {
    let (server, reloader) = start(loopback()).await;
    let mut before = server.connect().await;
    assert_eq!(read_line(&mut before).await, b"Welcome!\n");

    reloader
        .apply(&Config {
            max_connections_per_ip: NonZeroUsize::new(1),
            ..reloaded()
        })
        .unwrap();
    let mut first = server.connect().await;
    assert_eq!(read_line(&mut first).await, b"Welcome!\n");
    let mut second = server.connect().await;
    assert_eq!(
        read_to_end(&mut second).await,
        b"ERR too many connections from your address\n"
    );
    assert_eq!(ask(&mut before, "Ann").await, b"Hello, Ann!\n");
    server.stop().await;
}

/// `--proxy-protocol` and `--handshake-timeout` turned on by a reload: a new connection must
/// send a PROXY header within the new deadline, while one opened before goes on without.
#[tokio::test]
async fn a_reloaded_proxy_protocol_applies_to_new_connections() {
    let (server, reloader) = start(loopback()).await;
    let mut before = server.connect().await;
    assert_eq!(read_line(&mut before).await, b"Welcome!\n");

    let mut proxied = reloaded();
    proxied.proxy.proxy_protocol = true;
    proxied.tls.handshake_timeout = Duration::from_millis(200);
    reloader.apply(&proxied).unwrap();

    let mut behind = server.connect().await;
    behind
        .write_all(b"PROXY TCP4 192.0.2.1 127.0.0.1 5000 9999\r\n")
        .await
        .unwrap();
    assert_eq!(read_line(&mut behind).await, b"Welcome!\n");
    assert_eq!(ask(&mut behind, "Bo").await, b"Hello, Bo!\n");
    // Silent past the new deadline: closed without a greeting.
    let mut silent = server.connect().await;
    assert_eq!(read_to_end(&mut silent).await, b"");
    assert_eq!(ask(&mut before, "Ann").await, b"Hello, Ann!\n");
    server.stop().await;
}

/// A reload that shortens `--grace` is the one a shutdown uses: the server stops within the
/// new grace, not the hour it started with, and tells the open client why.
#[tokio::test]
async fn a_reloaded_grace_period_is_the_one_shutdown_uses() {
    let (server, reloader) = start(loopback().grace(Duration::from_secs(3600))).await;
    let mut open = server.connect().await;
    assert_eq!(read_line(&mut open).await, b"Welcome!\n");
    reloader
        .apply(&Config {
            grace: Duration::from_millis(100),
            ..reloaded()
        })
        .unwrap();
    // `stop` fails the test if the server takes longer than twice WAIT.
    server.stop().await;
    assert_eq!(read_to_end(&mut open).await, b"ERR server shutting down\n");
}

/// Settings that would be refused at start are refused whole at a reload: nothing of them
/// applies, and the error says what is wrong.
#[tokio::test]
async fn settings_that_cannot_work_change_nothing() {
    let (server, reloader) = start(loopback()).await;
    let refused = reloader.apply(&Config {
        greeting: "Hi".into(),
        max_line: 1024,
        max_input_memory: 512,
        ..reloaded()
    });
    let error = refused.unwrap_err().to_string();
    assert!(error.contains("--max-input-memory"), "{error}");
    let mut conn = server.connect().await;
    assert_eq!(read_line(&mut conn).await, b"Welcome!\n");
    drop(conn);
    tokio::time::timeout(WAIT, server.stop()).await.unwrap();
}
