//! Fuzz target `form`: see `sockit::fuzzing::form` for the properties it checks.
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| sockit::fuzzing::form(data));
