//! The hello protocol over real loopback sockets, against the server started through the
//! library API.

use crate::support::events::Events;
use crate::support::{
    loopback, queues, quick, read_exact, read_line, read_to_end, wait_until_read, TestServer, WAIT,
};
use sockit::server::Server;
use std::time::Duration;
use tokio::io::{AsyncReadExt, AsyncWriteExt};

/// The tutorial's transcript, with line framing.
#[tokio::test]
async fn answers_names_and_closes_on_exit() {
    let server = TestServer::default().await;
    let mut c = server.connect().await;
    c.write_all(b"Michael\nTracy\nSarah\nexit\n").await.unwrap();
    assert_eq!(
        read_to_end(&mut c).await,
        b"Welcome!\nHello, Michael!\nHello, Tracy!\nHello, Sarah!\n"
    );
    server.stop().await;
}

/// CRLF, empty, non-UTF-8 and NUL names come back exactly; lines after `exit` are ignored.
#[tokio::test]
async fn names_are_bytes() {
    let server = TestServer::default().await;
    let mut c = server.connect().await;
    c.write_all(b"Tracy\r\n\n\xff\xfe\x00\x01\nexit\nignored\n")
        .await
        .unwrap();
    assert_eq!(
        read_to_end(&mut c).await,
        b"Welcome!\nHello, Tracy!\nHello, !\nHello, \xff\xfe\x00\x01!\n"
    );
    drop(c);
    server.stop().await;
}

/// 10,000 names in one write are all answered, in order.
#[tokio::test]
async fn pipelined_names_are_answered_in_order() {
    let server = TestServer::default().await;
    let mut c = server.connect().await;
    let mut input = Vec::new();
    let mut expected = b"Welcome!\n".to_vec();
    for i in 0..10_000 {
        input.extend_from_slice(format!("name{i}\n").as_bytes());
        expected.extend_from_slice(format!("Hello, name{i}!\n").as_bytes());
    }
    input.extend_from_slice(b"exit\n");
    let (mut r, mut w) = c.split();
    let (_, got) = tokio::join!(
        async { w.write_all(&input).await.unwrap() },
        read_to_end(&mut r)
    );
    assert_eq!(got.len(), expected.len());
    assert!(got == expected, "replies differ");
    drop(c);
    server.stop().await;
}

/// A name sent one byte at a time is answered once, whole.
#[tokio::test]
async fn name_split_into_single_bytes() {
    let server = TestServer::default().await;
    let mut c = server.connect().await;
    assert_eq!(read_line(&mut c).await, b"Welcome!\n");
    for b in b"Sarah\r\n" {
        c.write_all(&[*b]).await.unwrap();
        wait_until_read(&c).await;
    }
    assert_eq!(read_line(&mut c).await, b"Hello, Sarah!\n");
    drop(c);
    server.stop().await;
}

/// After the client half-closes, every line and a final unterminated one are answered, then
/// the server closes.
#[tokio::test]
async fn half_close_answers_everything() {
    let server = TestServer::default().await;
    let mut c = server.connect().await;
    c.write_all(b"a\nb\nlast").await.unwrap();
    c.shutdown().await.unwrap();
    assert_eq!(
        read_to_end(&mut c).await,
        b"Welcome!\nHello, a!\nHello, b!\nHello, last!\n"
    );
    server.stop().await;
}

/// A line over --max-line gets `ERR line too long` after the replies before it, then close.
#[tokio::test]
async fn over_long_line_is_refused() {
    let server = TestServer::start(loopback().max_line(16)).await;
    let mut c = server.connect().await;
    let mut input = b"ok\n".to_vec();
    input.extend_from_slice(&[b'x'; 1000]);
    c.write_all(&input).await.unwrap();
    assert_eq!(
        read_to_end(&mut c).await,
        b"Welcome!\nHello, ok!\nERR line too long\n"
    );
    drop(c);
    server.stop().await;
}

/// A client that resets its connection mid-stream does not disturb the server.
#[tokio::test]
async fn reset_mid_stream_is_harmless() {
    let server = TestServer::default().await;
    let c = server.connect().await;
    socket2::SockRef::from(&c)
        .set_linger(Some(Duration::ZERO))
        .unwrap();
    let mut c = c;
    c.write_all(b"half a na").await.unwrap();
    read_line(&mut c).await;
    drop(c); // SO_LINGER 0: the kernel sends RST
    let mut d = server.connect().await;
    d.write_all(b"next\nexit\n").await.unwrap();
    assert_eq!(read_to_end(&mut d).await, b"Welcome!\nHello, next!\n");
    drop(d);
    server.stop().await;
}

/// A client that sends but never reads is throttled: the server stops reading from it rather
/// than buffering replies without bound, and another client is served normally meanwhile.
///
/// The kernel's queues (`/proc/net/tcp`) tell how many bytes the server has read, and how
/// many of its replies are queued in the kernel; it may hold at most one read's worth of
/// replies itself, however much the client sends.
#[tokio::test]
async fn client_that_never_reads_is_throttled() {
    let server = TestServer::default().await;
    let hog = server.connect().await;
    let line = b"a-name-to-answer\n";
    let reply_per_line = b"Hello, a-name-to-answer!\n".len();
    let chunk = line.repeat(4096);
    let mut sent = 0usize;
    // Write until the writes stall: the socket stays unwritable for a while, because the
    // server has stopped reading.
    loop {
        match hog.try_write(&chunk) {
            Ok(n) => sent += n,
            Err(e) if e.kind() == std::io::ErrorKind::WouldBlock => {
                let writable = tokio::time::timeout(Duration::from_millis(300), hog.writable());
                if writable.await.is_err() {
                    break;
                }
            }
            Err(e) => panic!("write: {e}"),
        }
        assert!(sent < 256 << 20, "server kept reading: {sent} bytes sent");
    }
    let client = queues(hog.local_addr().unwrap(), server.addr());
    let served = queues(server.addr(), hog.local_addr().unwrap());
    let read_by_server = sent - client.send - served.receive;
    let replies_in_kernel = served.send + client.receive;
    let held = (read_by_server / line.len() * reply_per_line).saturating_sub(replies_in_kernel);
    assert!(
        held <= 4096 / line.len() * reply_per_line + b"Welcome!\n".len(),
        "the server holds {held} bytes of replies: read {read_by_server} of {sent} bytes, \
         {replies_in_kernel} bytes of replies queued in the kernel"
    );
    let mut other = server.connect().await;
    other.write_all(b"Tracy\nexit\n").await.unwrap();
    assert_eq!(read_to_end(&mut other).await, b"Welcome!\nHello, Tracy!\n");
    drop((hog, other));
    server.stop().await;
}

/// 1,000 clients at once each get exactly their own replies.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_thousand_concurrent_clients_without_cross_talk() {
    let server = TestServer::default().await;
    let addr = server.addr();
    let mut tasks = Vec::new();
    for i in 0..1000 {
        tasks.push(tokio::spawn(async move {
            let mut c = tokio::net::TcpStream::connect(addr).await.unwrap();
            let mut expected = b"Welcome!\n".to_vec();
            let mut input = Vec::new();
            for j in 0..5 {
                input.extend_from_slice(format!("client{i}-{j}\n").as_bytes());
                expected.extend_from_slice(format!("Hello, client{i}-{j}!\n").as_bytes());
            }
            input.extend_from_slice(b"exit\n");
            c.write_all(&input).await.unwrap();
            let mut got = Vec::new();
            c.read_to_end(&mut got).await.unwrap();
            assert_eq!(got, expected, "client {i}");
        }));
    }
    for t in tasks {
        tokio::time::timeout(WAIT * 3, t)
            .await
            .expect("in time")
            .unwrap();
    }
    server.stop().await;
}

/// A silent connection gets `ERR idle timeout` and is closed; one that keeps talking is not.
#[tokio::test]
async fn idle_connections_time_out() {
    let server = TestServer::start(loopback().idle_timeout(Duration::from_millis(300))).await;
    let mut busy = server.connect().await;
    let mut idle = server.connect().await;
    assert_eq!(read_line(&mut busy).await, b"Welcome!\n");
    // `busy` converses without a pause until `idle` has timed out.
    let transcript = {
        let timed_out = read_to_end(&mut idle);
        tokio::pin!(timed_out);
        loop {
            busy.write_all(b"x\n").await.unwrap();
            assert_eq!(read_line(&mut busy).await, b"Hello, x!\n");
            if let Some(transcript) = futures::FutureExt::now_or_never(&mut timed_out) {
                break transcript;
            }
        }
    };
    assert_eq!(transcript, b"Welcome!\nERR idle timeout\n");
    busy.write_all(b"still here\n").await.unwrap();
    assert_eq!(read_line(&mut busy).await, b"Hello, still here!\n");
    drop((busy, idle));
    server.stop().await;
}

/// Past --max-connections a client gets `ERR server busy` at once; a freed slot is reused.
#[tokio::test]
async fn connection_limit_rejects_then_reuses_slots() {
    let mut events = Events::catch();
    let server = TestServer::start_logged(loopback().max_connections(2)).await;
    let mut a = server.connect().await;
    let mut b = server.connect().await;
    assert_eq!(read_line(&mut a).await, b"Welcome!\n");
    assert_eq!(read_line(&mut b).await, b"Welcome!\n");
    let mut c = server.connect().await;
    assert_eq!(read_to_end(&mut c).await, b"ERR server busy\n");
    a.write_all(b"exit\n").await.unwrap();
    assert_eq!(read_to_end(&mut a).await, b"");
    // The slot is given back before the close is logged.
    let peer = a.local_addr().unwrap();
    drop(a);
    events.wait_for_close(peer).await;
    let mut d = server.connect().await;
    assert_eq!(read_line(&mut d).await, b"Welcome!\n");
    d.write_all(b"Sarah\n").await.unwrap();
    assert_eq!(read_line(&mut d).await, b"Hello, Sarah!\n");
    drop(d);
    drop((b, c));
    server.stop().await;
}

/// When the grace period runs out, an open connection gets its pending replies and then
/// `ERR server shutting down`; new connections are refused as soon as shutdown starts.
#[tokio::test]
async fn shutdown_drains_then_says_so() {
    let server = TestServer::start(loopback().grace(Duration::from_millis(300))).await;
    let addr = server.addr();
    let mut c = server.connect().await;
    c.write_all(b"Michael\n").await.unwrap();
    assert_eq!(read_exact(&mut c, 25).await, b"Welcome!\nHello, Michael!\n");
    let stopping = tokio::spawn(server.stop());
    let deadline = tokio::time::Instant::now() + WAIT;
    while tokio::net::TcpStream::connect(addr).await.is_ok() {
        assert!(
            tokio::time::Instant::now() < deadline,
            "listener not closed"
        );
        tokio::task::yield_now().await;
    }
    c.write_all(b"Tracy\n").await.unwrap();
    assert_eq!(read_line(&mut c).await, b"Hello, Tracy!\n");
    assert_eq!(read_to_end(&mut c).await, b"ERR server shutting down\n");
    stopping.await.unwrap();
}

/// IPv6 loopback works like IPv4.
#[tokio::test]
async fn serves_ipv6() {
    let bound = Server::builder()
        .bind("[::1]:0".parse().unwrap())
        .quiet(true)
        .listen()
        .await;
    let Some(server) = crate::support::require_ipv6_loopback(bound.ok()) else {
        return;
    };
    let server = TestServer::run(server);
    assert!(server.addr().is_ipv6());
    let mut c = server.connect().await;
    c.write_all(b"Sarah\nexit\n").await.unwrap();
    assert_eq!(read_to_end(&mut c).await, b"Welcome!\nHello, Sarah!\n");
    server.stop().await;
}

/// Unix sockets work like TCP; a stale socket file is replaced, a live one is refused, and
/// the file is removed at shutdown.
#[tokio::test]
async fn serves_unix_sockets() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("hello.sock");
    drop(std::os::unix::net::UnixListener::bind(&path).unwrap()); // leaves a stale file
    let address: sockit::addr::Address = format!("unix:{}", path.display()).parse().unwrap();
    let server = TestServer::start(quick().bind(address.clone())).await;
    let again = quick().bind(address).quiet(true).listen().await;
    let err = format!("{:#}", again.unwrap_err());
    assert!(err.contains("another server is listening there"), "{err}");
    let mut c = tokio::net::UnixStream::connect(&path).await.unwrap();
    c.write_all(b"Tracy\nexit\n").await.unwrap();
    assert_eq!(read_to_end(&mut c).await, b"Welcome!\nHello, Tracy!\n");
    drop(c);
    server.stop().await;
    assert!(!path.exists(), "socket file removed");
}

/// Chunk framing: no newline in the greeting or replies, one message per read.
#[tokio::test]
async fn chunk_framing_matches_the_tutorial() {
    let server = TestServer::start(
        loopback()
            .framing(sockit::protocol::Framing::Chunk)
            .greeting("Hi there"),
    )
    .await;
    let mut c = server.connect().await;
    assert_eq!(read_exact(&mut c, 8).await, b"Hi there");
    c.write_all(b"Michael").await.unwrap();
    assert_eq!(read_exact(&mut c, 15).await, b"Hello, Michael!");
    c.write_all(b"exit").await.unwrap();
    assert_eq!(read_to_end(&mut c).await, b"");
    drop(c);
    server.stop().await;
}

/// `exit` that ends a read which filled the server's 4 KiB buffer may have more bytes queued
/// behind it: the server must linger as it does when bytes follow `exit` in the same read,
/// or those bytes (and the ones the client keeps sending) turn its close into a reset.
#[tokio::test]
async fn exit_at_the_end_of_a_full_read_does_not_reset_a_client_still_sending() {
    let server = TestServer::start(loopback()).await;
    let mut c = server.connect().await;
    assert_eq!(read_exact(&mut c, 9).await, b"Welcome!\n");
    let long = [b'x'; 99];
    let last = [b'y'; 90];
    let mut first = Vec::new();
    let mut expected = Vec::new();
    for name in std::iter::repeat_n(&long[..], 40).chain([&last[..]]) {
        first.extend_from_slice(name);
        first.push(b'\n');
        expected.extend_from_slice(&[b"Hello, ", name, b"!\n"].concat());
    }
    first.extend_from_slice(b"exit\n");
    assert_eq!(first.len(), 4096, "exit must end the server's first read");
    // One write, so the server's first read finds it all, and more queued behind it.
    first.extend_from_slice(&b"late-name\n".repeat(100));
    let (mut r, mut w) = c.into_split();
    let writer = tokio::spawn(async move {
        w.write_all(&first).await.unwrap();
        let more = b"late-name\n".repeat(1000);
        for _ in 0..20 {
            if w.write_all(&more).await.is_err() {
                break;
            }
        }
    });
    assert_eq!(read_to_end(&mut r).await, expected);
    writer.await.unwrap();
    drop(r);
    server.stop().await;
}

/// A client still sending when the server closes on an ERR line receives every reply and the
/// ERR line intact: the lingering close keeps its unread bytes from triggering a reset.
#[tokio::test]
async fn error_close_does_not_reset_a_client_still_sending() {
    let server = TestServer::start(loopback().max_line(16)).await;
    let c = server.connect().await;
    let (mut r, mut w) = c.into_split();
    let writer = tokio::spawn(async move {
        w.write_all(b"first\nsecond\n").await.unwrap();
        w.write_all(&[b'x'; 64]).await.unwrap();
        // Keep sending after the over-long line; the server has stopped answering by now.
        let more = b"late-name\n".repeat(1000);
        for _ in 0..20 {
            if w.write_all(&more).await.is_err() {
                break;
            }
        }
    });
    assert_eq!(
        read_to_end(&mut r).await,
        b"Welcome!\nHello, first!\nHello, second!\nERR line too long\n"
    );
    writer.await.unwrap();
    drop(r);
    server.stop().await;
}

/// An idle timeout of zero disables it, as `timeout 0` does in redis: a silent connection
/// stays open and is served when it speaks. Time is paused once both are connected, so an
/// hour passes at once; the same hour closes a connection to a server with the default
/// timeout, which shows the wait would catch a zero taken as the default (or as any other
/// finite timeout). Time runs again after the hour: the pulse that makes connections check
/// their timeouts comes from a kernel timer, in real time.
#[tokio::test]
async fn zero_idle_timeout_never_expires() {
    let never = TestServer::start(loopback().idle_timeout(Duration::ZERO)).await;
    let default = TestServer::default().await;
    let mut quiet = never.connect().await;
    let mut control = default.connect().await;
    assert_eq!(read_line(&mut quiet).await, b"Welcome!\n");
    assert_eq!(read_line(&mut control).await, b"Welcome!\n");
    tokio::time::pause();
    tokio::time::sleep(Duration::from_secs(3600)).await;
    tokio::time::resume();
    assert_eq!(read_to_end(&mut control).await, b"ERR idle timeout\n");
    quiet.write_all(b"Sarah\n").await.unwrap();
    assert_eq!(read_line(&mut quiet).await, b"Hello, Sarah!\n");
    drop((quiet, control));
    never.stop().await;
    default.stop().await;
}
