//! Fuzz target `chunked`: see `sockit::fuzzing::chunked` for the properties it checks.
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| sockit::fuzzing::chunked(data));
