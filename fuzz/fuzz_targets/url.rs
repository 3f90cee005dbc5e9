//! Fuzz target `url`: see `sockit::fuzzing::url` for the properties it checks.
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| sockit::fuzzing::url(data));
