//! Across hosts, for real: network namespaces stand in for machines (`ip netns`, veth pairs,
//! 10.77.0.0/16 addresses that exist only inside them), made by each test and removed when it
//! ends. A server bound to 127.0.0.1 cannot be reached from another host and one bound to
//! 0.0.0.0 or [::] can; HAProxy (PROXY v2) and nginx's stream module (PROXY v1) in a third
//! host relay a client in a fourth, and the servers log that client's address.
//!
//! Namespaces need root (CAP_SYS_ADMIN and CAP_NET_ADMIN); where they cannot be made the
//! tests say so and skip, except under `CI=true`.

use crate::support::balancers::{find_program, haproxy_config, nginx_config, stream_module};
use crate::support::{require, require_all, ChildGuard, WAIT};
use std::process::{Command, Output, Stdio};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

/// A network namespace: a host of its own, with only a loopback until linked. Deleted on drop
/// (after the processes started in it, which are dropped first).
struct Host {
    name: String,
}

/// Names namespaces and interfaces apart from other tests and other runs.
static NEXT: AtomicUsize = AtomicUsize::new(0);

fn unique(prefix: &str) -> String {
    let n = NEXT.fetch_add(1, Ordering::Relaxed);
    format!("{prefix}{}x{n}", std::process::id() % 100_000)
}

fn ip(args: &[&str]) -> Output {
    Command::new(find_program("ip").expect("ip is installed"))
        .args(args)
        .stdin(Stdio::null())
        .output()
        .expect("ip runs")
}

fn ip_ok(args: &[&str]) {
    let out = ip(args);
    assert!(
        out.status.success(),
        "ip {args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
}

impl Host {
    /// Makes a namespace with its loopback up; `None` where this machine will not let us.
    fn new() -> Option<Host> {
        let name = unique("sockit");
        let out = ip(&["netns", "add", &name]);
        if !out.status.success() {
            eprintln!(
                "cannot make a network namespace: {}",
                String::from_utf8_lossy(&out.stderr).trim()
            );
            return None;
        }
        let host = Host { name };
        ip_ok(&["-n", &host.name, "link", "set", "lo", "up"]);
        Some(host)
    }

    /// `program args` run inside this host.
    fn command(&self, program: &std::path::Path) -> Command {
        let mut cmd = Command::new(find_program("ip").expect("ip is installed"));
        cmd.args(["netns", "exec", &self.name]).arg(program);
        cmd
    }

    /// `sockit ARGS` inside this host.
    fn sockit(&self, args: &[&str]) -> Command {
        let mut cmd = self.command(std::path::Path::new(env!("CARGO_BIN_EXE_sockit")));
        cmd.args(args).env_remove("RUST_LOG");
        cmd
    }

    /// `sockit serve ARGS` inside this host, once it logs that it listens.
    fn serve(&self, args: &[&str]) -> ChildGuard {
        let mut server = ChildGuard::spawn(self.sockit(&[&["serve"], args].concat()));
        server.wait_for_stderr("Waiting for connection on ");
        server
    }
}

impl Drop for Host {
    fn drop(&mut self) {
        let _ = ip(&["netns", "del", &self.name]);
    }
}

/// Links two hosts with a veth pair: `a_addr` and `b_addr` are CIDR addresses (IPv4 or
/// IPv6; IPv6 skips duplicate address detection so it is usable at once).
fn link(a: &Host, a_addrs: &[&str], b: &Host, b_addrs: &[&str]) {
    let (a_if, b_if) = (unique("va"), unique("vb"));
    ip_ok(&[
        "link", "add", &a_if, "netns", &a.name, "type", "veth", "peer", "name", &b_if, "netns",
        &b.name,
    ]);
    for (host, dev, addrs) in [(a, &a_if, a_addrs), (b, &b_if, b_addrs)] {
        for addr in addrs {
            let mut args = vec!["-n", &host.name, "addr", "add", addr, "dev", dev];
            if addr.contains(':') {
                args.push("nodad");
            }
            ip_ok(&args);
        }
        ip_ok(&["-n", &host.name, "link", "set", dev, "up"]);
    }
}

/// Hosts for a test, or `None` (skipped, said on stderr) where they cannot be made.
fn hosts<const N: usize>() -> Option<[Host; N]> {
    if !require(find_program("ip").is_some(), "ip (iproute2)") {
        return None;
    }
    let made: Vec<Host> = (0..N).map_while(|_| Host::new()).collect();
    let ok = made.len() == N;
    if !require(ok, "network namespaces (ip netns add, as root)") {
        return None;
    }
    made.try_into().ok()
}

/// `sockit client -a ADDR Michael` from `host`: its exit code and output.
fn client(host: &Host, addr: &str) -> (Option<i32>, String) {
    let out = host
        .sockit(&["client", "-a", addr, "--timeout", "5s", "Michael"])
        .stdin(Stdio::null())
        .output()
        .expect("client runs");
    (
        out.status.code(),
        String::from_utf8_lossy(&out.stdout).into_owned(),
    )
}

const TRANSCRIPT: &str = "Welcome!\nHello, Michael!\n";

/// The tutorial's point: 127.0.0.1 is each host's own, so a server bound there cannot be
/// reached from another host (connection refused, exit 7); bound to 0.0.0.0 and [::] it is,
/// and its log shows the other host's address.
#[test]
fn loopback_bind_stays_home_and_wildcard_is_reached() {
    let Some([server_host, client_host]) = hosts::<2>() else {
        return;
    };
    link(
        &server_host,
        &["10.77.0.1/24", "fd77::1/64"],
        &client_host,
        &["10.77.0.2/24", "fd77::2/64"],
    );
    let mut server = server_host.serve(&[
        "--bind",
        "127.0.0.1:7000",
        "--bind",
        "0.0.0.0:7001",
        "--bind",
        "[::]:7001",
    ]);
    assert_eq!(client(&client_host, "10.77.0.1:7000").0, Some(7));
    assert_eq!(
        client(&client_host, "10.77.0.1:7001"),
        (Some(0), TRANSCRIPT.into())
    );
    server.wait_for_stderr("Accept new connection from 10.77.0.2:");
    assert_eq!(
        client(&client_host, "[fd77::1]:7001"),
        (Some(0), TRANSCRIPT.into())
    );
    server.wait_for_stderr("Accept new connection from [fd77::2]:");
}

/// Two server hosts behind HAProxy (send-proxy-v2) and nginx stream (proxy_protocol, v1) in
/// a third, the client in a fourth: every server logs the client host's address, never the
/// balancer's.
#[test]
fn balancers_in_another_host_pass_the_client_address() {
    let (haproxy, nginx, stream) = (
        find_program("haproxy"),
        find_program("nginx"),
        stream_module(),
    );
    let (Some(haproxy), Some(nginx), Some(stream)) = (&haproxy, &nginx, &stream) else {
        require_all(&[
            (haproxy.is_some(), "haproxy"),
            (nginx.is_some(), "nginx"),
            (stream.is_some(), "libnginx-mod-stream"),
        ]);
        return;
    };
    let Some([one, two, balancer, client_host]) = hosts::<4>() else {
        return;
    };
    link(&one, &["10.77.1.1/24"], &balancer, &["10.77.1.2/24"]);
    link(&two, &["10.77.2.1/24"], &balancer, &["10.77.2.2/24"]);
    link(
        &client_host,
        &["10.77.3.1/24"],
        &balancer,
        &["10.77.3.2/24"],
    );
    let proxied = |from: &str| {
        [
            "--bind",
            "0.0.0.0:7000",
            "--proxy-protocol",
            "--proxy-from",
            from,
        ]
        .map(String::from)
    };
    let args = proxied("10.77.1.2/32");
    let mut first = one.serve(&args.each_ref().map(String::as_str));
    let args = proxied("10.77.2.2/32");
    let mut second = two.serve(&args.each_ref().map(String::as_str));

    let dir = tempfile::tempdir().unwrap();
    let servers = ["10.77.1.1:7000", "10.77.2.1:7000"];
    let config = dir.path().join("haproxy.cfg");
    std::fs::write(&config, haproxy_config("10.77.3.2:7000", &servers, None)).unwrap();
    let mut cmd = balancer.command(haproxy);
    cmd.arg("-db").arg("-f").arg(&config);
    let _haproxy = ChildGuard::spawn(cmd);
    let config = nginx_config(dir.path(), stream, "10.77.3.2:7001", &servers);
    let mut cmd = balancer.command(nginx);
    cmd.arg("-p").arg(dir.path()).arg("-c").arg(&config);
    let _nginx = ChildGuard::spawn(cmd);

    for front in ["10.77.3.2:7000", "10.77.3.2:7001"] {
        wait_until_served(&client_host, front);
        // Round robin: the next two conversations go one to each server.
        for _ in 0..2 {
            assert_eq!(client(&client_host, front), (Some(0), TRANSCRIPT.into()));
        }
        first.wait_for_stderr("Accept new connection from 10.77.3.1:");
        second.wait_for_stderr("Accept new connection from 10.77.3.1:");
    }
}

/// Tries a conversation through a balancer that is starting, until one succeeds.
fn wait_until_served(host: &Host, addr: &str) {
    let deadline = Instant::now() + WAIT;
    while client(host, addr) != (Some(0), TRANSCRIPT.into()) {
        assert!(Instant::now() < deadline, "nothing served at {addr}");
        std::thread::sleep(Duration::from_millis(50));
    }
}
