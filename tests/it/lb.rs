//! Many processes on one port and restarts without dropping a client: `--reuse-port` and
//! `--drain-delay`, with the real binary, alone and behind nginx and HAProxy on loopback,
//! with `sockit bench` churning through the balancer while every instance is replaced.

use crate::support::balancers::{
    find_program, haproxy_config, nginx_config, nginx_config_text, stream_module, wait_listening,
};
use crate::support::{read_to_end, require, require_all, spawn_server, ChildGuard, TestServer};
use std::io::{Read, Write};
use std::net::{SocketAddr, TcpStream};

/// One conversation: a name and `exit`; the whole transcript.
fn converse(addr: SocketAddr) -> std::io::Result<String> {
    let mut c = TcpStream::connect(addr)?;
    c.set_read_timeout(Some(crate::support::WAIT))?;
    c.write_all(b"Michael\nexit\n")?;
    let mut transcript = String::new();
    c.read_to_string(&mut transcript)?;
    Ok(transcript)
}

const TRANSCRIPT: &str = "Welcome!\nHello, Michael!\n";

/// Two processes with `--reuse-port` share one port and both get connections; when one stops
/// (exit 0), the other serves every new one. Without the flag the second cannot bind.
#[test]
fn reuse_port_shares_a_port_between_processes() {
    let (mut first, addr) = spawn_server(&["--reuse-port"]);
    let bind = addr.to_string();
    let (mut second, _) = spawn_server(&["--reuse-port", "--bind", &bind]);
    for _ in 0..32 {
        assert_eq!(converse(addr).unwrap(), TRANSCRIPT);
    }
    first.wait_for_stderr("Accept new connection");
    second.wait_for_stderr("Accept new connection");

    let mut refused = crate::support::sockit();
    refused.args(["serve", "--bind", &bind]);
    let (status, stderr) = ChildGuard::spawn(refused).wait();
    assert_eq!(status.code(), Some(1), "{stderr}");

    first.signal("TERM");
    assert!(first.wait().0.success());
    for _ in 0..16 {
        assert_eq!(converse(addr).unwrap(), TRANSCRIPT);
    }
}

/// Issue 17: a new instance with `--reuse-port` whose `--metrics` port is taken (the old
/// instance holds it during an overlapping restart) fails to start, 300 times in a row,
/// while a client converses with the running instance without pause: not one conversation is
/// reset. Before the fix each failed start listened on the shared port before it tried the
/// metrics port, and the connections the kernel queued for it meanwhile were reset when it
/// gave up (the probe lost 23 in three failed starts).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_failed_start_beside_a_running_instance_resets_no_one() {
    use std::sync::atomic::{AtomicBool, Ordering};
    use std::sync::Arc;
    let running = crate::support::loopback()
        .reuse_port(true)
        .metrics("127.0.0.1:0".parse().unwrap())
        .quiet(true)
        .listen()
        .await
        .unwrap();
    let taken = running.metrics_addr().unwrap();
    let running = TestServer::run(running);
    let addr = running.addr();
    let stop = Arc::new(AtomicBool::new(false));
    let (first, conversing) = tokio::sync::oneshot::channel();
    let client = std::thread::spawn({
        let stop = stop.clone();
        move || {
            let mut first = Some(first);
            let mut lost = Vec::new();
            while !stop.load(Ordering::Relaxed) {
                match converse(addr) {
                    Ok(t) if t == TRANSCRIPT => {
                        if let Some(first) = first.take() {
                            let _ = first.send(());
                        }
                    }
                    other => lost.push(format!("{other:?}")),
                }
            }
            lost
        }
    });
    tokio::time::timeout(crate::support::WAIT, conversing)
        .await
        .expect("the client converses")
        .unwrap();
    let bind: sockit::addr::Address = addr.to_string().parse().unwrap();
    let deadline = std::time::Instant::now() + crate::support::WAIT;
    for _ in 0..300 {
        let failed = crate::support::quick()
            .bind(bind.clone())
            .reuse_port(true)
            .metrics(taken)
            .quiet(true)
            .listen()
            .await
            .expect_err("the metrics port is taken");
        assert!(
            failed.to_string().contains("cannot serve metrics"),
            "{failed:#}"
        );
        assert!(
            std::time::Instant::now() < deadline,
            "300 failed starts in time"
        );
    }
    stop.store(true, Ordering::Relaxed);
    let lost = client.join().unwrap();
    assert!(lost.is_empty(), "{} lost: {lost:?}", lost.len());
    running.stop().await;
}

/// Connections the kernel completed but the server had not accepted when it stopped are
/// accepted and served (greeting, then `ERR server shutting down` after the grace period)
/// instead of being reset with the listener.
#[tokio::test]
async fn queued_connections_are_served_at_shutdown() {
    let server = TestServer::default().await;
    // Connected by the kernel before the server's accept loop first runs: this test task
    // does not yield until the stop is sent.
    let queued: Vec<_> = (0..5)
        .map(|_| std::net::TcpStream::connect(server.addr()).unwrap())
        .collect();
    let stopping = tokio::spawn(server.stop());
    for c in queued {
        c.set_nonblocking(true).unwrap();
        let mut c = tokio::net::TcpStream::from_std(c).unwrap();
        assert_eq!(
            read_to_end(&mut c).await,
            b"Welcome!\nERR server shutting down\n"
        );
    }
    stopping.await.unwrap();
}

/// After SIGTERM with `--drain-delay`, `/ready` answers 503 at once while the server keeps
/// accepting and serving new clients for the delay; then it shuts down and exits 0.
#[test]
fn drain_delay_keeps_serving_after_sigterm() {
    let metrics = free_addr();
    let (mut server, addr) = spawn_server(&[
        "--drain-delay",
        "2s",
        "--grace",
        "1s",
        "--metrics",
        &metrics.to_string(),
    ]);
    server.wait_for_stderr("Serving metrics");
    assert!(ready_status(metrics).starts_with("HTTP/1.1 200"));
    server.signal("TERM");
    server.wait_for_stderr("Still accepting");
    assert!(ready_status(metrics).starts_with("HTTP/1.1 503"));
    assert_eq!(converse(addr).unwrap(), TRANSCRIPT);
    server.wait_for_stderr("Shutting down");
    assert!(server.wait().0.success());
    assert!(TcpStream::connect(addr).is_err());
}

/// The status line of `GET /ready` on the metrics endpoint.
fn ready_status(metrics: SocketAddr) -> String {
    let mut c = TcpStream::connect(metrics).unwrap();
    c.set_read_timeout(Some(crate::support::WAIT)).unwrap();
    c.write_all(b"GET /ready HTTP/1.1\r\nHost: sockit\r\nConnection: close\r\n\r\n")
        .unwrap();
    let mut response = String::new();
    c.read_to_string(&mut response).unwrap();
    response.lines().next().unwrap_or_default().to_owned()
}

/// `sockit serve` on `port` (0: the OS chooses) as a restartable instance behind a
/// balancer: SO_REUSEPORT, PROXY headers, a drain delay, quiet.
fn instance(port: u16, extra: &[&str]) -> (ChildGuard, SocketAddr) {
    let bind = format!("127.0.0.1:{port}");
    let mut args = vec!["--bind", &bind, "--reuse-port", "--proxy-protocol"];
    args.extend(["--drain-delay", "1s", "--grace", "2s"]);
    args.extend(extra);
    spawn_server(&args)
}

/// `sockit bench -m churn` against `front` for `seconds`, started now.
fn churn(front: SocketAddr, seconds: u32) -> ChildGuard {
    let mut cmd = crate::support::sockit();
    cmd.args(["bench", "-m", "churn", "-c", "4", "--late", "5s", "--json"])
        .args(["-d", &format!("{seconds}s"), "-a", &front.to_string()]);
    ChildGuard::spawn(cmd)
}

/// Replaces each instance in turn: a new process on the same port (SO_REUSEPORT lets the
/// two overlap), then SIGTERM to the old one, which must drain and exit 0.
fn roll(instances: &mut [(ChildGuard, SocketAddr)], extra: impl Fn(usize) -> Vec<String>) {
    for (i, slot) in instances.iter_mut().enumerate() {
        let extra = extra(i);
        let extra: Vec<&str> = extra.iter().map(String::as_str).collect();
        let replacement = instance(slot.1.port(), &extra);
        let (mut old, _) = std::mem::replace(slot, replacement);
        old.signal("TERM");
        let (status, stderr) = old.wait();
        assert!(status.success(), "old instance {i}: {status}\n{stderr}");
    }
}

/// The churn must outlast the restarts, or it proved nothing about them.
fn assert_still_running(bench: &mut ChildGuard) {
    let ended = bench.child.try_wait().unwrap();
    assert!(ended.is_none(), "the bench ended before the restarts did");
}

/// The bench's report once it ends: zero errors (wrong, missing, late or failed) and some
/// conversations completed.
fn assert_clean_run(mut bench: ChildGuard) {
    let (status, stderr) = bench.wait_within(crate::support::WAIT * 2);
    let mut report = String::new();
    let stdout = bench.child.stdout.as_mut().expect("stdout is piped");
    stdout.read_to_string(&mut report).unwrap();
    let doc: serde_json::Value = serde_json::from_str(&report).expect(&stderr);
    let run = &doc["runs"][0];
    assert_eq!(run["errors"]["total"], 0, "{report}");
    assert!(run["messages"].as_u64() > Some(0), "{report}");
    assert!(status.success(), "{report}\n{stderr}");
}

/// A rolling restart behind nginx's stream module (PROXY v1, no health checks: a refused
/// connect goes to the next server) while churn runs through it: no client sees an error.
#[test]
fn rolling_restart_behind_nginx_loses_no_client() {
    let (nginx, module) = (find_program("nginx"), stream_module());
    let (Some(nginx), Some(module)) = (&nginx, &module) else {
        require_all(&[
            (nginx.is_some(), "nginx"),
            (module.is_some(), "libnginx-mod-stream"),
        ]);
        return;
    };
    rolling_restart_behind(|front, servers, dir| {
        let config = nginx_config(dir, module, &front.to_string(), servers);
        let mut cmd = std::process::Command::new(nginx);
        cmd.arg("-p").arg(dir).arg("-c").arg(&config);
        cmd
    });
}

/// The same behind HAProxy (PROXY v2, `retries` with `option redispatch`).
#[test]
fn rolling_restart_behind_haproxy_loses_no_client() {
    let Some(haproxy) = find_program("haproxy") else {
        require(false, "haproxy");
        return;
    };
    rolling_restart_behind(|front, servers, dir| {
        let config = dir.join("haproxy.cfg");
        std::fs::write(&config, haproxy_config(&front.to_string(), servers, None)).unwrap();
        let mut cmd = std::process::Command::new(&haproxy);
        cmd.arg("-db").arg("-f").arg(&config);
        cmd
    });
}

/// A rolling restart behind HAProxy checking `/ready` on each instance's metrics port
/// (`option httpchk`), as across machines: each instance gets SIGTERM, its `/ready` turns
/// 503 at once and HAProxy takes it out while it still serves for the drain delay; once it
/// has exited 0, a new one takes the same ports, and the next goes only when HAProxy sends
/// the new one traffic. Churn through HAProxy sees no error.
#[test]
fn rolling_restart_behind_haproxy_health_checks_loses_no_client() {
    let Some(haproxy) = find_program("haproxy") else {
        require(false, "haproxy");
        return;
    };
    let metrics = [free_addr(), free_addr()].map(|a| a.to_string());
    let start = |i: usize, port: u16| instance(port, &["--metrics", &metrics[i]]);
    let mut instances = [start(0, 0), start(1, 0)];
    let servers = instances.each_ref().map(|(_, addr)| addr.to_string());
    let front = free_addr();
    let dir = tempfile::tempdir().unwrap();
    let config = dir.path().join("haproxy.cfg");
    let servers = servers.each_ref().map(String::as_str);
    let checks = metrics.each_ref().map(String::as_str);
    let text = haproxy_config(&front.to_string(), &servers, Some(&checks));
    std::fs::write(&config, text).unwrap();
    let mut cmd = std::process::Command::new(haproxy);
    cmd.arg("-db").arg("-f").arg(&config);
    let mut haproxy = ChildGuard::spawn(cmd);
    wait_listening(front);

    let mut bench = churn(front, 6);
    for (i, slot) in instances.iter_mut().enumerate() {
        slot.0.signal("TERM");
        // Out of rotation for its 503, while it still serves: not for a refused connect.
        let down = haproxy.wait_for_stderr(&format!("s{i} is DOWN"));
        assert!(down.contains("503"), "{down}");
        let (status, stderr) = slot.0.wait();
        assert!(status.success(), "old instance {i}: {status}\n{stderr}");
        *slot = start(i, slot.1.port());
        slot.0
            .wait_for_stderr("Accept new connection from 127.0.0.1:");
    }
    assert_still_running(&mut bench);
    assert_clean_run(bench);
}

/// Two instances behind the balancer that `balancer(front, servers, dir)` starts, churn
/// through it, every instance replaced while it runs; then the bench's verdict.
fn rolling_restart_behind(
    balancer: impl FnOnce(SocketAddr, &[&str], &std::path::Path) -> std::process::Command,
) {
    let mut instances = [instance(0, &["-q"]), instance(0, &["-q"])];
    let servers = instances.each_ref().map(|(_, addr)| addr.to_string());
    let front = free_addr();
    let dir = tempfile::tempdir().unwrap();
    let servers = servers.each_ref().map(String::as_str);
    let _balancer = ChildGuard::spawn(balancer(front, &servers, dir.path()));
    wait_listening(front);

    let mut bench = churn(front, 5);
    roll(&mut instances, |_| vec!["-q".into()]);
    assert_still_running(&mut bench);
    assert_clean_run(bench);
}

/// A loopback address with a port free a moment ago, for a balancer's configuration.
fn free_addr() -> SocketAddr {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    listener.local_addr().unwrap()
}

/// docs/DEPLOY.md shows the configurations these tests run, byte for byte, so that a reader
/// who saves them as written runs what was tested.
#[test]
fn deploy_doc_shows_the_tested_configurations() {
    let doc = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/docs/DEPLOY.md"))
        .expect("docs/DEPLOY.md");
    let servers = ["127.0.0.1:9001", "127.0.0.1:9002"];
    let haproxy = haproxy_config("127.0.0.1:7000", &servers, None);
    assert!(doc.contains(&format!("```\n{haproxy}```")), "{haproxy}");
    let checked = haproxy_config(
        "127.0.0.1:7000",
        &servers,
        Some(&["127.0.0.1:9101", "127.0.0.1:9102"]),
    );
    let backend: String = checked
        .lines()
        .skip_while(|l| *l != "backend sockit")
        .map(|l| format!("  {l}\n"))
        .collect();
    assert!(doc.contains(&backend), "{backend}");
    let nginx = nginx_config_text(
        std::path::Path::new("/tmp/sockit-nginx"),
        std::path::Path::new("/usr/lib/nginx/modules/ngx_stream_module.so"),
        "127.0.0.1:7000",
        &servers,
    );
    assert!(doc.contains(&format!("```nginx\n{nginx}```")), "{nginx}");
}
