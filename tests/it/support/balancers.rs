//! The load balancers the tests put in front of sockit, HAProxy and nginx's stream module:
//! where their programs are, and the configurations the tests write (docs/DEPLOY.md shows
//! the same ones, so they are known to work).

use std::net::{SocketAddr, TcpStream};
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

/// A program from `PATH` or the sbin directories (where `ip`, haproxy and nginx live, and
/// which a non-root `PATH` may lack).
pub fn find_program(name: &str) -> Option<PathBuf> {
    let path = std::env::var_os("PATH").unwrap_or_default();
    std::env::split_paths(&path)
        .chain(["/usr/sbin", "/sbin"].map(PathBuf::from))
        .map(|dir| dir.join(name))
        .find(|p| p.is_file())
}

/// nginx's stream module, which Debian packages apart (libnginx-mod-stream).
pub fn stream_module() -> Option<PathBuf> {
    let module = PathBuf::from("/usr/lib/nginx/modules/ngx_stream_module.so");
    module.is_file().then_some(module)
}

/// The HAProxy configuration the tests run and docs/DEPLOY.md shows: TCP mode, PROXY v2 to
/// each server, and, given each server's metrics address, a health check of `/ready`.
pub fn haproxy_config(front: &str, servers: &[&str], metrics: Option<&[&str]>) -> String {
    let mut config = format!(
        "global\n    maxconn 1000\n\n\
         defaults\n    mode tcp\n    timeout connect 2s\n    timeout client 30s\n    \
         timeout server 30s\n    retries 3\n    option redispatch\n\n\
         frontend hello\n    bind {front}\n    default_backend sockit\n\n\
         backend sockit\n    balance roundrobin\n"
    );
    if metrics.is_some() {
        // Checks every 100 ms, but a slow answer (a loaded test machine) is not a failure.
        config.push_str("    option httpchk GET /ready\n    http-check expect status 200\n");
        config.push_str("    timeout check 2s\n");
    }
    for (i, server) in servers.iter().enumerate() {
        config.push_str(&format!("    server s{i} {server} send-proxy-v2"));
        if let Some(metrics) = metrics {
            let (addr, port) = metrics[i].rsplit_once(':').expect("HOST:PORT");
            config.push_str(&format!(
                " check addr {addr} port {port} inter 100ms fall 1 rise 1"
            ));
        }
        config.push('\n');
    }
    config
}

/// The nginx configuration the tests run and docs/DEPLOY.md shows: the stream module in
/// front of `servers`, PROXY v1 to each, written into `dir`; returns its path.
pub fn nginx_config(dir: &Path, module: &Path, front: &str, servers: &[&str]) -> PathBuf {
    let path = dir.join("nginx.conf");
    std::fs::write(&path, nginx_config_text(dir, module, front, servers)).unwrap();
    path
}

/// The text of [`nginx_config`], its pid and error log in `dir`.
pub fn nginx_config_text(dir: &Path, module: &Path, front: &str, servers: &[&str]) -> String {
    let d = dir.display();
    let upstream: String = servers
        .iter()
        .map(|s| format!("        server {s};\n"))
        .collect();
    format!(
        "load_module {};\ndaemon off;\nmaster_process off;\nworker_processes 1;\n\
         pid {d}/nginx.pid;\nerror_log {d}/error.log;\nevents {{ worker_connections 1024; }}\n\
         stream {{\n    upstream sockit {{\n{upstream}    }}\n    server {{\n        \
         listen {front};\n        proxy_pass sockit;\n        proxy_protocol on;\n        \
         proxy_connect_timeout 2s;\n    }}\n}}\n",
        module.display()
    )
}

/// Waits until something accepts connections at `addr` (a balancer that is starting).
pub fn wait_listening(addr: SocketAddr) {
    let deadline = Instant::now() + super::WAIT;
    while TcpStream::connect_timeout(&addr, Duration::from_millis(100)).is_err() {
        assert!(Instant::now() < deadline, "nothing listens on {addr}");
        std::thread::sleep(Duration::from_millis(20));
    }
}
