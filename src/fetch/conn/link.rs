//! Owns what the exchange holds whatever HTTP version a connection speaks: the connection a
//! request goes out on ([`Link`]: HTTP/1.1 bytes on a socket, a shared HTTP/2 connection,
//! or with the `http3` feature a shared HTTP/3 one), and what a response's body comes on
//! ([`Carrier`]).
//!
//! The version is decided here, once per dialled connection, from the TLS handshake's ALPN
//! answer (`h2`, or `http/1.1` and no answer alike) or from `--http2-prior-knowledge` in
//! clear text; above this file the exchange reads heads and bodies the same way for both.

use super::dial::HttpVersions;
use super::h2::{self, H2Body, H2Conn};
#[cfg(feature = "http3")]
use super::h3::{self, H3Body, H3Conn};
use super::transfer::{self, Buffer, Conn};
use crate::fetch::error::FetchError;
use crate::fetch::http::body::BodyDecoder;
use crate::fetch::http::decode::BodySink;
use crate::fetch::output::progress::Meter;
use crate::fetch::output::verbose::Verbose;

/// A connection to send a request on.
pub enum Link {
    /// HTTP/1.x: the request's bytes go on the socket itself.
    H1(Conn),
    /// HTTP/2: the request gets a stream of its own.
    H2(H2Conn),
    /// HTTP/3: the request gets a QUIC stream of its own.
    #[cfg(feature = "http3")]
    H3(H3Conn),
}

/// Starts the HTTP version `versions` and the connection's ALPN answer call for on `conn`;
/// `absolute_form` (a plain http:// request to a proxy) always stays HTTP/1.1.
pub async fn speak(
    conn: Conn,
    versions: HttpVersions,
    absolute_form: bool,
    trace: Verbose,
) -> Result<Link, FetchError> {
    match &conn {
        // curl 7.88 says so after the TLS handshake only, not for h2c.
        Conn::Tls(tls) if tls.get_ref().1.alpn_protocol() == Some(b"h2") => {
            trace.info("using HTTP/2");
        }
        Conn::Plain(_) if versions == HttpVersions::Http2PriorKnowledge && !absolute_form => {}
        _ => return Ok(Link::H1(conn)),
    }
    Ok(Link::H2(h2::handshake(conn).await?))
}

/// Where a response's body comes from.
pub enum Carrier {
    /// The HTTP/1.x connection, and the body bytes already read with the head.
    H1 {
        /// The connection.
        conn: Conn,
        /// The bytes read past the head.
        buf: Buffer,
    },
    /// The response's HTTP/2 stream.
    H2(H2Body),
    /// The response's HTTP/3 stream (boxed: h3's stream is several times the size of
    /// the others).
    #[cfg(feature = "http3")]
    H3(Box<H3Body>),
}

/// How a body's reading ended.
pub struct Ended {
    /// The HTTP/1.1 connection stands exactly at the body's end (it may carry another
    /// request); never for HTTP/2 or HTTP/3, whose connection is shared, not handed back.
    pub at_end: bool,
    /// The trailer section (`name: value` lines), empty when none came.
    pub trailers: Vec<u8>,
}

impl Carrier {
    /// Streams the body through `decoder` (the framing) and `sink` (content decoding and
    /// the output), paced by `meter`.
    pub async fn read_body(
        &mut self,
        decoder: &mut BodyDecoder,
        sink: &mut impl BodySink,
        meter: &mut Meter,
    ) -> Result<Ended, FetchError> {
        match self {
            Carrier::H1 { conn, buf } => {
                let at_end = transfer::read_body(conn, buf, decoder, sink, meter).await?;
                Ok(Ended {
                    at_end,
                    trailers: decoder.trailers().to_vec(),
                })
            }
            Carrier::H2(body) => Ok(Ended {
                at_end: false,
                trailers: h2::read_body(body, decoder, sink, meter).await?,
            }),
            #[cfg(feature = "http3")]
            Carrier::H3(body) => Ok(Ended {
                at_end: false,
                trailers: h3::read_body(body, decoder, sink, meter).await?,
            }),
        }
    }

    /// The HTTP/1.x connection, to keep for the next request; none for HTTP/2 or HTTP/3.
    pub fn into_conn(self) -> Option<Conn> {
        match self {
            Carrier::H1 { conn, .. } => Some(conn),
            _ => None,
        }
    }
}
