//! curl's flags and what they mean: the clap derive (`args.rs`, grouped under
//! `headings.rs`, every switch's `--no-` form from `negations.rs`), URLs and outputs in typed
//! order and their globs ([`glob`]), request data and the body it makes
//! (`payload.rs`), `-K` config files, `.netrc`, the table of curl's options, and `plan.rs`,
//! which turns them into one plan per URL.
//!
//! clap stops here: the layers below read the plan, never `FetchArgs`. The flags import the
//! other layers' plain types only (a checksum, a proxy setting, a request spec).

pub(super) mod args;
pub mod config_file;
pub(super) mod cookie_flags;
pub mod curl_options;
pub(super) mod data_args;
mod dns_args;
pub(super) mod etag_flags;
mod file_arg;
pub(crate) mod form_flags;
pub mod glob;
pub(super) mod h3_flags;
pub(super) mod head_flags;
pub(super) mod headings;
pub(super) mod hsts_flag;
mod negations;
pub mod netrc;
pub mod next;
pub(super) mod out_flags;
pub(super) mod pace_args;
mod payload;
pub(super) mod plan;
pub(super) mod protocols;
pub(super) mod proxy_tls_flags;
pub(super) mod route_args;
pub(super) mod sigv4_flag;
pub(super) mod socket_args;
pub(super) mod targets;
pub(super) mod time_cond_flag;
pub(super) mod tls_flags;
mod url_query;
pub(super) mod wire_flags;
