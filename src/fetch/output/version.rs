//! Owns what `sockit fetch -V/--version` prints: curl's `curl -V` lines (the version, the
//! protocols, the features), plus the TLS library and where trust comes from, so that a
//! user can tell why a certificate is or is not trusted without reading the source.

use crate::net::tls::system_roots;
use std::fmt::Write as _;

/// The text of `sockit fetch -V`.
pub fn text() -> String {
    let roots = system_roots();
    let trust = match roots.bundle {
        Some(file) => format!("the system's CA bundle {file}"),
        None => "the Mozilla roots built into sockit (webpki-roots): no system CA bundle found"
            .to_string(),
    };
    let mut out = String::new();
    let _ = writeln!(
        out,
        "sockit-fetch {} rustls/0.23 (ring) brotli zstd",
        env!("CARGO_PKG_VERSION")
    );
    let _ = writeln!(out, "Protocols: http https");
    let _ = writeln!(
        out,
        "Features: HTTP2 HTTPS-proxy IPv6 Largefile libz brotli zstd SSL UnixSockets \
         SSLKEYLOGFILE"
    );
    let _ = writeln!(out, "TLS versions: TLSv1.2 TLSv1.3");
    let _ = writeln!(
        out,
        "Trust: {trust} ({} roots); --cacert and --capath add to it, as do \
         CURL_CA_BUNDLE, SSL_CERT_DIR or SSL_CERT_FILE without them",
        roots.store.len()
    );
    out
}
