//! Where the response goes and what the user sees: the output file (written as `.part`,
//! claimed by a lock, resumable through the `--segments` sidecar), the heads printed (`-i`,
//! `-D`; styled on a terminal), the progress meter, `-v`'s trace and `--trace`'s, `-w`'s
//! write-out, `--checksum`, the cookie jar saved by `-c`, the `--hsts` cache, `-V`'s text,
//! and `--xattr`'s attributes.
//!
//! It imports the http layer (a head to print, a sink to fill); it never dials and never
//! decides whether to try again.

pub(crate) mod alt_svc;
pub(super) mod checksum;
pub(crate) mod cookies;
pub(super) mod etag;
pub(crate) mod file;
pub(super) mod hash_bar;
pub(super) mod heads;
pub(crate) mod hsts;
pub(super) mod part_lock;
pub(super) mod progress;
mod renames;
pub(crate) mod sidecar;
pub(super) mod state_file;
mod styled;
pub(crate) mod trace;
pub(super) mod verbose;
pub(super) mod version;
pub mod writeout;
pub(super) mod xattr;
