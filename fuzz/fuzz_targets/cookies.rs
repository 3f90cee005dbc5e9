//! Fuzz target `cookies`: see `sockit::fuzzing::cookies` for the properties it checks.
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| sockit::fuzzing::cookies(data));
