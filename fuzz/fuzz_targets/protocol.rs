//! Fuzz target `protocol`: see `sockit::fuzzing::protocol` for the properties it checks.
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| sockit::fuzzing::protocol(data));
