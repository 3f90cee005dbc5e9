//! Owns resolving names by DNS-over-HTTPS (RFC 8484), as curl's `--doh-url` does: one
//! POST of a DNS query in wire format per address type (A, then AAAA unless only IPv4 is
//! wanted), `Content-Type: application/dns-message`, over one TLS connection to the DoH
//! server, HTTP/2 when it offers it (both queries at once) and HTTP/1.1 otherwise (one after
//! the other).
//!
//! The query is curl's byte for byte (ID 0, only RD set, one question, no EDNS), and so is the
//! request head (`Accept: */*`, the content type and length, no user agent), so that a DoH
//! server's logs cannot tell the two apart. The DoH server's own name is looked up by the
//! system resolver, as curl does, and its certificate is checked with the DoH server's own
//! [`TlsOptions`] (`--doh-insecure`, `--doh-cert-status`). The wire format is hickory-proto's
//! (already in the build for `--dns-servers`); HTTP is hyper's client connection over
//! `net`'s own TCP and TLS. Every failure is an `io::Error` naming the DoH server, which the
//! caller reports as a name that could not be resolved (curl's 6). Answers are kept for the
//! run, 60 s each, as curl's DNS cache keeps them.

use super::tls::{self, TlsOptions};
use super::{ConnectError, ConnectOptions, Family};
use crate::addr::{Address, Endpoint};
use bytes::Bytes;
use hickory_resolver::proto::op::{Message, MessageType, OpCode, Query, ResponseCode};
use hickory_resolver::proto::rr::{Name, RData, RecordType};
use http_body_util::{BodyExt, Full, Limited};
use hyper::client::conn::{http1, http2};
use hyper_util::rt::{TokioExecutor, TokioIo};
use rustls::ClientConfig;
use std::collections::HashMap;
use std::io;
use std::net::{IpAddr, SocketAddr};
use std::sync::{Arc, Mutex, PoisonError};
use std::time::{Duration, Instant};
use tokio::net::TcpStream;
use tokio_rustls::client::TlsStream;
use url::Url;

/// The longest DNS message there is (its length is 16 bits on TCP): a longer answer is
/// refused before it is read whole.
const MAX_ANSWER: usize = 65_535;

/// How long an answer is kept: curl's DNS cache timeout (`CURLOPT_DNS_CACHE_TIMEOUT`, 60 s
/// unless an application sets it; the curl tool does not).
const KEEP: Duration = Duration::from_secs(60);

/// Answers already had, keyed as curl's DNS cache keys them (the name and the port, so a
/// second port asks again, as curl does) and by the families asked for.
type Answers = HashMap<(String, u16, Family), (Instant, Vec<SocketAddr>)>;

/// A DoH server and how to reach it; one per run, shared by the run's URLs.
#[derive(Clone)]
pub struct DohResolver {
    /// `--doh-url` as given: parsed when a name is looked up, so that a bad one fails the
    /// lookup (curl's 6) as curl fails it, not the command line.
    url: Arc<str>,
    /// The DoH server's TLS, offering `h2` then `http/1.1`.
    tls: Arc<ClientConfig>,
    /// The bound on one lookup: connecting, the TLS handshake and both answers.
    timeout: Duration,
    /// What was found, for [`KEEP`]: the run's later connections to a name ask no one, as
    /// curl's DNS cache holds DoH answers too (each lookup costs a TLS connection).
    answers: Arc<Mutex<Answers>>,
}

impl std::fmt::Debug for DohResolver {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "DohResolver({})", self.url)
    }
}

impl DohResolver {
    /// A resolver asking the DoH server at `url`, whose certificate is checked as `tls`
    /// says; a lookup takes at most `timeout`.
    pub fn new(url: &str, tls: &TlsOptions, timeout: Duration) -> Result<Self, tls::TlsError> {
        let config = tls::client_config(tls, &[b"h2", b"http/1.1"])?;
        Ok(DohResolver {
            url: url.into(),
            tls: Arc::new(config),
            timeout,
            answers: Arc::default(),
        })
    }

    /// The addresses of `host` that `family` may use, IPv4 first, each with `port`; asked
    /// of the DoH server once per name and port in [`KEEP`].
    pub async fn lookup(
        &self,
        host: &str,
        port: u16,
        family: Family,
    ) -> io::Result<Vec<SocketAddr>> {
        let key = (host.to_ascii_lowercase(), port, family);
        if let Some(found) = self.kept(&key) {
            return Ok(found);
        }
        let found = tokio::time::timeout(self.timeout, self.ask(host, family))
            .await
            .map_err(|_| {
                self.failure(format!("no answer within {} ms", self.timeout.as_millis()))
            })??;
        let found: Vec<SocketAddr> = found
            .into_iter()
            .map(|ip| SocketAddr::new(ip, port))
            .collect();
        let mut answers = self.answers.lock().unwrap_or_else(PoisonError::into_inner);
        answers.insert(key, (Instant::now(), found.clone()));
        Ok(found)
    }

    /// An answer for `key` younger than [`KEEP`].
    fn kept(&self, key: &(String, u16, Family)) -> Option<Vec<SocketAddr>> {
        let mut answers = self.answers.lock().unwrap_or_else(PoisonError::into_inner);
        answers.retain(|_, (at, _)| at.elapsed() < KEEP);
        answers.get(key).map(|(_, found)| found.clone())
    }

    /// Sends the queries for `host` and gathers the addresses of the answers.
    async fn ask(&self, host: &str, family: Family) -> io::Result<Vec<IpAddr>> {
        let url = self.parsed_url()?;
        let types: &[RecordType] = match family {
            Family::V4 => &[RecordType::A],
            _ => &[RecordType::A, RecordType::AAAA],
        };
        let queries = types
            .iter()
            .map(|&kind| query(host, kind))
            .collect::<io::Result<Vec<_>>>()?;
        let tls = self.connect(&url).await?;
        let bodies = if tls.get_ref().1.alpn_protocol() == Some(b"h2") {
            over_h2(tls, &url, queries)
                .await
                .map_err(|e| self.failure(e.to_string()))?
        } else {
            // HTTP/1.1: a connection per query, as curl opens them (the server may close
            // each after its answer).
            let mut bodies = Vec::with_capacity(queries.len());
            let mut first = Some(tls);
            for q in queries {
                let tls = match first.take() {
                    Some(tls) => tls,
                    None => self.connect(&url).await?,
                };
                let body = over_h1(tls, &url, q).await;
                bodies.push(body.map_err(|e| self.failure(e.to_string()))?);
            }
            bodies
        };
        let mut found = Vec::new();
        for body in bodies {
            found.extend(addresses(&body).map_err(|e| self.failure(e))?);
        }
        if found.is_empty() {
            return Err(io::Error::new(
                io::ErrorKind::NotFound,
                format!("the DoH server {} knows no address for it", self.url),
            ));
        }
        Ok(found)
    }

    /// `--doh-url`, which must be an `https://` URL (curl's DoH speaks HTTPS only).
    fn parsed_url(&self) -> io::Result<Url> {
        let url = Url::parse(&self.url).map_err(|e| self.failure(format!("not a URL ({e})")))?;
        if url.scheme() != "https" || url.host().is_none() {
            return Err(self.failure("DoH needs an https:// URL".into()));
        }
        Ok(url)
    }

    /// TCP (its name by the system resolver, Happy Eyeballs) and TLS to the DoH server.
    async fn connect(&self, url: &Url) -> io::Result<TlsStream<TcpStream>> {
        let host = url.host().expect("checked by parsed_url");
        let port = url.port_or_known_default().unwrap_or(443);
        let address = Address::Tcp {
            host: match &host {
                url::Host::Domain(name) => name.to_string(),
                url::Host::Ipv4(ip) => ip.to_string(),
                url::Host::Ipv6(ip) => ip.to_string(),
            },
            port,
        };
        // The system's lookup itself, not `resolve`: that would come back here for DoH.
        let addrs: Vec<SocketAddr> = address
            .resolve()
            .await
            .map_err(|e| self.failure(format!("cannot resolve its name: {}", super::describe(&e))))?
            .into_iter()
            .filter_map(|endpoint| match endpoint {
                Endpoint::Tcp(addr) => Some(addr),
                Endpoint::Unix(_) => None,
            })
            .collect();
        let (tcp, _) = super::connect_addrs(&addrs, &ConnectOptions::new(self.timeout))
            .await
            .map_err(|e| match e {
                // Without the hint about `sockit serve`, which is for the hello client.
                ConnectError::Connect { endpoint, cause } => self.failure(format!(
                    "cannot connect to {endpoint}: {}",
                    super::describe(&cause)
                )),
                e => self.failure(e.to_string()),
            })?;
        tls::handshake(tcp, &host, self.tls.clone())
            .await
            .map_err(|e| self.failure(e.to_string()))
    }

    /// An error saying that the DoH server at fault did not answer, and why.
    fn failure(&self, why: String) -> io::Error {
        io::Error::other(format!("the DoH server {}: {why}", self.url))
    }
}

/// The DNS query curl sends for `host`: ID 0, recursion desired, one question of `kind` in
/// class IN, nothing else.
fn query(host: &str, kind: RecordType) -> io::Result<Vec<u8>> {
    let name = Name::from_ascii(host).map_err(|e| {
        io::Error::new(
            io::ErrorKind::InvalidInput,
            format!("{host:?} is not a DNS name: {e}"),
        )
    })?;
    let mut message = Message::new();
    message
        .set_id(0)
        .set_message_type(MessageType::Query)
        .set_op_code(OpCode::Query)
        .set_recursion_desired(true)
        .add_query(Query::query(name, kind));
    message.to_vec().map_err(io::Error::other)
}

/// The A and AAAA addresses of an answer; an answer that is not one, or that says the name
/// does not exist (or any other failure), is refused in words.
fn addresses(answer: &[u8]) -> Result<Vec<IpAddr>, String> {
    let message =
        Message::from_vec(answer).map_err(|e| format!("its answer is not a DNS message ({e})"))?;
    match message.response_code() {
        ResponseCode::NoError => {}
        ResponseCode::NXDomain => return Ok(Vec::new()),
        code => return Err(format!("it answered {code}")),
    }
    Ok(message
        .answers()
        .iter()
        .filter_map(|record| match record.data() {
            RData::A(a) => Some(IpAddr::V4(a.0)),
            RData::AAAA(aaaa) => Some(IpAddr::V6(aaaa.0)),
            _ => None,
        })
        .collect())
}

/// Why a query could not be asked or answered over HTTP.
#[derive(Debug, thiserror::Error)]
enum HttpError {
    #[error("{0}")]
    Hyper(#[from] hyper::Error),
    #[error("{0}")]
    Request(#[from] hyper::http::Error),
    #[error("it answered HTTP {0}")]
    Status(u16),
    #[error("its answer is longer than a DNS message can be")]
    TooLong,
}

/// POSTs each query over `tls` with HTTP/2, all at once, and returns the answers' bodies in
/// the queries' order.
async fn over_h2(
    tls: TlsStream<TcpStream>,
    url: &Url,
    queries: Vec<Vec<u8>>,
) -> Result<Vec<Bytes>, HttpError> {
    let (mut sender, conn) = http2::handshake(TokioExecutor::new(), TokioIo::new(tls)).await?;
    let asking = async {
        // Every request goes out before any answer is awaited: streams side by side.
        let pending: Vec<_> = queries
            .into_iter()
            .map(|q| request(url, q, true).map(|r| sender.send_request(r)))
            .collect::<Result<_, _>>()?;
        let mut bodies = Vec::with_capacity(pending.len());
        for response in pending {
            bodies.push(body(response.await?).await?);
        }
        Ok(bodies)
    };
    drive(asking, conn).await
}

/// POSTs one query over `tls` with HTTP/1.1 and returns the answer's body.
async fn over_h1(tls: TlsStream<TcpStream>, url: &Url, query: Vec<u8>) -> Result<Bytes, HttpError> {
    let (mut sender, conn) = http1::Builder::new()
        .title_case_headers(true)
        .handshake(TokioIo::new(tls))
        .await?;
    let asking = async {
        let response = sender.send_request(request(url, query, false)?).await?;
        Ok(vec![body(response).await?])
    };
    let mut bodies = drive(asking, conn).await?;
    Ok(bodies.pop().unwrap_or_default())
}

/// Runs `asking` while `conn` moves its bytes; the connection is dropped (closed) once the
/// answers are in, and its failure is the exchange's.
async fn drive<C, E>(
    asking: impl Future<Output = Result<Vec<Bytes>, HttpError>>,
    conn: C,
) -> Result<Vec<Bytes>, HttpError>
where
    C: Future<Output = Result<(), E>>,
    HttpError: From<E>,
{
    tokio::pin!(asking, conn);
    tokio::select! {
        answers = &mut asking => answers,
        ended = &mut conn => match ended {
            Err(e) => Err(e.into()),
            // The server closed first: the requests still pending fail with hyper's words.
            Ok(()) => asking.await,
        },
    }
}

/// curl's DoH request: POST to the URL's path and query, `Accept: */*`, the content type and
/// length. HTTP/1.1 names the host in `Host` (first, as curl puts it); HTTP/2 in
/// `:authority`, from the absolute URI.
fn request(url: &Url, query: Vec<u8>, h2: bool) -> Result<hyper::Request<Full<Bytes>>, HttpError> {
    let target = &url[url::Position::BeforePath..url::Position::AfterQuery];
    let mut builder = hyper::Request::post(if h2 { url.as_str() } else { target });
    if !h2 {
        let host = &url[url::Position::BeforeHost..url::Position::AfterPort];
        builder = builder.header(hyper::header::HOST, host);
    }
    Ok(builder
        .header(hyper::header::ACCEPT, "*/*")
        .header(hyper::header::CONTENT_TYPE, "application/dns-message")
        .header(hyper::header::CONTENT_LENGTH, query.len())
        .body(Full::new(Bytes::from(query)))?)
}

/// The body of a 200 answer, at most [`MAX_ANSWER`] bytes.
async fn body(response: hyper::Response<hyper::body::Incoming>) -> Result<Bytes, HttpError> {
    if response.status() != hyper::StatusCode::OK {
        return Err(HttpError::Status(response.status().as_u16()));
    }
    let collected = Limited::new(response.into_body(), MAX_ANSWER)
        .collect()
        .await
        .map_err(|e| match e.downcast::<hyper::Error>() {
            Ok(e) => HttpError::Hyper(*e),
            Err(_) => HttpError::TooLong,
        })?;
    Ok(collected.to_bytes())
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    /// An answer holding `ips`, in that order, for x.test.
    fn answer_with(ips: &[IpAddr]) -> Message {
        let mut reply = Message::new();
        reply.set_message_type(MessageType::Response);
        let name = Name::from_ascii("x.test.").unwrap();
        for ip in ips {
            let data = match ip {
                IpAddr::V4(v4) => RData::A((*v4).into()),
                IpAddr::V6(v6) => RData::AAAA((*v6).into()),
            };
            reply.add_answer(hickory_resolver::proto::rr::Record::from_rdata(
                name.clone(),
                60,
                data,
            ));
        }
        reply
    }

    proptest! {
        /// Whatever bytes a DoH server sends back, they are addresses or a refusal in
        /// words, never a panic: whole answers cut short or with a byte changed included.
        #[test]
        fn any_answer_is_addresses_or_refused(
            ips in proptest::collection::vec(any::<IpAddr>(), 0..8),
            noise in proptest::collection::vec(any::<u8>(), 0..300),
            cut in any::<prop::sample::Index>(),
            flip in any::<(prop::sample::Index, u8)>(),
        ) {
            let _ = addresses(&noise);
            let whole = answer_with(&ips).to_vec().unwrap();
            let _ = addresses(&whole[..cut.index(whole.len() + 1)]);
            let mut changed = whole.clone();
            changed[flip.0.index(whole.len())] ^= flip.1;
            let _ = addresses(&changed);
            prop_assert_eq!(addresses(&whole).unwrap(), ips);
        }
    }

    /// The query is curl's byte for byte (lib/doh.c's doh_encode): ID 0, only RD, one
    /// question, no EDNS record.
    #[test]
    fn queries_are_curls_bytes() {
        let got = query("doh-only.test", RecordType::AAAA).unwrap();
        let mut want = vec![0, 0, 1, 0, 0, 1, 0, 0, 0, 0, 0, 0];
        want.extend_from_slice(b"\x08doh-only\x04test\x00");
        want.extend_from_slice(&[0, 28, 0, 1]);
        assert_eq!(got, want);
        assert_eq!(
            query("a.b.", RecordType::A).unwrap()[12..],
            *b"\x01a\x01b\x00\x00\x01\x00\x01"
        );
    }

    /// An answer's A and AAAA records are the addresses; NXDOMAIN is none; SERVFAIL and
    /// bytes that are no DNS message are refused.
    #[test]
    fn answers_give_their_addresses() {
        let want = [
            "127.0.0.1".parse::<IpAddr>().unwrap(),
            "::1".parse().unwrap(),
        ];
        let mut reply = answer_with(&want);
        assert_eq!(addresses(&reply.to_vec().unwrap()).unwrap(), want);
        reply.set_response_code(ResponseCode::NXDomain);
        assert_eq!(
            addresses(&reply.to_vec().unwrap()).unwrap(),
            Vec::<IpAddr>::new()
        );
        reply.set_response_code(ResponseCode::ServFail);
        assert!(addresses(&reply.to_vec().unwrap()).is_err());
        assert!(addresses(b"<html>").is_err());
    }
}
