//! sockit's integration tests: one binary, a module per area, helpers in `support`.

mod access_log;
mod alerting;
mod bench;
mod bench_merge;
mod bench_rate;
mod cli;
mod client;
mod config_file;
mod curl_diff;
mod fetch;
mod help;
mod hosts;
mod lb;
mod metrics;
mod net;
mod proxy;
mod rate;
mod reload;
mod serve;
mod serve_bin;
mod serve_hostile;
mod support;
mod systemd;
mod tls;
mod tutorial;
