//! sockit: the classic socket tutorial's programs, made into software people can rely on.
//!
//! # Layout
//!
//! - [`addr`]: addresses as users type them (`host:port`, `[v6]:port`, `unix:/path`).
//! - [`bench`]: `sockit bench`, the load generator: modes, reply checker, report, chart.
#![forbid(unsafe_code)]
#![warn(missing_docs)]

pub mod addr;
pub mod bench;
