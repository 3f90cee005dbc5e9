//! Fuzz target `head`: see `sockit::fuzzing::head` for the properties it checks.
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| sockit::fuzzing::head(data));
