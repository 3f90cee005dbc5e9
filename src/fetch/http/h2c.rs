//! Owns the HTTP/1.1 side of `--http2` on an `http://` URL, as curl 7.88 words it: the
//! offer to upgrade to h2c that goes with each request (`Connection: Upgrade,
//! HTTP2-Settings`, `Upgrade: h2c`, and the client's SETTINGS in `HTTP2-Settings`, RFC 7540
//! section 3.2), and telling a server's `101` to h2c from other answers. What follows a
//! `101` is the connection's (`fetch/conn/upgrade.rs`).

use super::head::Head;

/// The most streams the server may open (SETTINGS_MAX_CONCURRENT_STREAMS), as curl 7.88
/// offers it.
pub const MAX_STREAMS: u32 = 100;
/// Each stream's receive window (SETTINGS_INITIAL_WINDOW_SIZE), as curl 7.88 offers it. The
/// connection's window stays 8 MiB, which bounds what waits in memory.
pub const STREAM_WINDOW: u32 = 32 << 20;

/// The SETTINGS offered in `HTTP2-Settings` (identifier, value), in curl 7.88's order, and
/// sent again after the preface: the two above and no server push (SETTINGS_ENABLE_PUSH 0).
const SETTINGS: [(u16, u32); 3] = [(3, MAX_STREAMS), (4, STREAM_WINDOW), (2, 0)];

/// The upgrade's lines of an HTTP/1.1 request, as curl 7.88 writes them.
pub fn request_lines() -> String {
    use base64::Engine as _;
    let payload: Vec<u8> = SETTINGS
        .iter()
        .flat_map(|(id, value)| id.to_be_bytes().into_iter().chain(value.to_be_bytes()))
        .collect();
    let settings = base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(payload);
    format!("Connection: Upgrade, HTTP2-Settings\r\nUpgrade: h2c\r\nHTTP2-Settings: {settings}\r\n")
}

/// True for a `101 Switching Protocols` to h2c.
pub fn switches_to_h2c(head: &Head) -> bool {
    head.status == 101
        && head.values("upgrade").any(|v| {
            v.split(|&b| b == b',')
                .any(|token| token.trim_ascii().eq_ignore_ascii_case(b"h2c"))
        })
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The offer is curl 7.88's, byte for byte.
    #[test]
    fn the_offer_is_curls() {
        assert_eq!(
            request_lines(),
            "Connection: Upgrade, HTTP2-Settings\r\nUpgrade: h2c\r\n\
             HTTP2-Settings: AAMAAABkAAQCAAAAAAIAAAAA\r\n"
        );
    }
}
