//! Fuzz target `disposition`: see `sockit::fuzzing::disposition` for the properties it checks.
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| sockit::fuzzing::disposition(data));
