//! sockit: the classic socket tutorial's programs, made into software people can rely on.
//!
//! # Layout
//!
//! - [`addr`]: addresses as users type them (`host:port`, `[v6]:port`, `unix:/path`).
//! - [`fetch`]: `sockit fetch`, the HTTP/1.1 and HTTPS downloader (curl's flags and exit codes).
#![forbid(unsafe_code)]
#![warn(missing_docs)]

pub mod addr;
pub mod fetch;
