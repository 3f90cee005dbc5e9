//! Fuzz target `proxy_header`: see `sockit::fuzzing::proxy_header` for the properties it checks.
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| sockit::fuzzing::proxy_header(data));
