//! Fuzz target `content`: see `sockit::fuzzing::content` for the properties it checks.
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| sockit::fuzzing::content(data));
