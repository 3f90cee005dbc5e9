//! Owns `-v/--verbose`: curl's trace on stderr: `* ` lines for what happens (resolving,
//! connecting, TLS version, cipher and certificate), `> ` for the request head and `< ` for
//! each response head. The body goes where it would without `-v`.
//!
//! The same events go to `--trace`/`--trace-ascii`'s file (`trace.rs`) when one is open,
//! with or without `-v`, and `--trace-time` stamps each line.

use super::trace;
use rustls::ClientConnection;
use std::fmt::Display;
use std::net::SocketAddr;

/// The trace, or nothing when `-v` is off.
#[derive(Debug, Clone, Copy)]
pub struct Verbose(pub bool);

impl Verbose {
    /// Whether anyone listens: `-v`, or a trace file.
    pub fn on(self) -> bool {
        self.0 || trace::active()
    }

    /// A `* ` line (an `== Info: ` one in the trace).
    pub fn info(self, what: impl Display) {
        if !self.on() {
            return;
        }
        let text = what.to_string();
        if self.0 {
            eprintln!("{}* {text}", trace::stamp());
        }
        trace::info(&text);
    }

    /// The addresses a host resolved to.
    pub fn resolved(self, host: &str, port: u16, addrs: &[SocketAddr]) {
        if !self.on() {
            return;
        }
        self.info(format_args!("Host {host}:{port} was resolved."));
        for (family, v6) in [("IPv6", true), ("IPv4", false)] {
            let list: Vec<String> = addrs
                .iter()
                .filter(|a| a.is_ipv6() == v6)
                .map(|a| a.ip().to_string())
                .collect();
            if !list.is_empty() {
                self.info(format_args!("{family}: {}", list.join(", ")));
            }
        }
    }

    /// The request head, a `> ` line each (the body is not shown).
    pub fn request(self, rendered: &[u8]) {
        let end = memchr::memmem::find(rendered, b"\r\n\r\n").map_or(rendered.len(), |e| e + 4);
        if self.0 {
            lines("> ", &rendered[..end]);
        }
        trace::send_header(&rendered[..end]);
        if end < rendered.len() {
            trace::send_data(&rendered[end..]);
        }
    }

    /// A response head (or a trailer section), a `< ` line each.
    pub fn response(self, raw: &[u8]) {
        if self.0 {
            lines("< ", raw);
        }
        trace::recv_header(raw);
    }

    /// A trailer section, `< ` lines as a head's; the trace file has it already, in the
    /// body's data, as curl's has.
    pub fn trailers(self, raw: &[u8]) {
        if self.0 {
            lines("< ", raw);
        }
    }

    /// The TLS session: version, cipher, ALPN, and the server certificate's names.
    pub fn tls(self, session: &ClientConnection) {
        if !self.on() {
            return;
        }
        let version = session.protocol_version().map(|v| match v {
            rustls::ProtocolVersion::TLSv1_3 => "TLSv1.3",
            rustls::ProtocolVersion::TLSv1_2 => "TLSv1.2",
            _ => "TLS",
        });
        let cipher = session
            .negotiated_cipher_suite()
            .and_then(|s| s.suite().as_str());
        self.info(format_args!(
            "TLS connection using {} / {}",
            version.unwrap_or("TLS"),
            cipher.unwrap_or("unknown cipher")
        ));
        if let Some(alpn) = session.alpn_protocol() {
            self.info(format_args!(
                "ALPN: server accepted {}",
                String::from_utf8_lossy(alpn)
            ));
        }
        let leaf = session.peer_certificates().and_then(|c| c.first());
        if let Some(Ok((_, cert))) = leaf.map(|d| x509_parser::parse_x509_certificate(d)) {
            self.info("Server certificate:");
            self.info(format_args!(" subject: {}", cert.subject()));
            self.info(format_args!(" issuer: {}", cert.issuer()));
            let validity = cert.validity();
            self.info(format_args!(" start date: {}", validity.not_before));
            self.info(format_args!(" expire date: {}", validity.not_after));
        }
    }
}

/// Prints each CRLF-ended line of `block` behind `prefix` (the blank last line as the bare
/// prefix, as curl shows it).
fn lines(prefix: &str, block: &[u8]) {
    let text = String::from_utf8_lossy(block);
    for line in text.split_terminator("\r\n") {
        eprintln!("{}{prefix}{line}", trace::stamp());
    }
}
