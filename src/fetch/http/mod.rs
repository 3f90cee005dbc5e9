//! HTTP/1.1 as bytes and rules: the request's bytes, the response head, body framing,
//! content decoding (the chain in `decode.rs`, each coding in `coding.rs`), the redirect
//! rules, cookies (RFC 6265 as curl keeps them), `-F`'s multipart bodies, Digest
//! authentication (RFC 7616), `--aws-sigv4`'s signature (as curl 7.88 signs), the status
//! line as curl reads it, `-J`'s Content-Disposition names (RFC 6266), the Alt-Svc cache
//! (RFC 7838) and the HSTS cache (RFC 6797).
//!
//! Nothing here touches a socket, a file or tokio, so each part is tested over every split of
//! its input and fuzzed on its own. The layer imports nothing of fetch's but `error.rs`, the
//! failure vocabulary every layer speaks (which itself imports nothing of fetch's).

pub(crate) mod alt_svc;
pub(crate) mod aws_sigv4;
pub mod body;
mod coding;
pub(crate) mod cookie;
mod cookie_date;
pub(crate) mod cookie_jar;
pub(crate) mod curl_date;
pub mod decode;
pub(crate) mod digest;
pub(crate) mod disposition;
pub(crate) mod h2c;
pub mod head;
pub(crate) mod hsts;
pub(crate) mod multipart;
pub(crate) mod redirect;
pub(crate) mod request;
pub mod status_line;
pub(crate) mod target;
pub(crate) mod time_cond;
