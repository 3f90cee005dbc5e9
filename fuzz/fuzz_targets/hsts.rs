//! Fuzz target `hsts`: see `sockit::fuzzing::hsts` for the properties it checks.
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| sockit::fuzzing::hsts(data));
