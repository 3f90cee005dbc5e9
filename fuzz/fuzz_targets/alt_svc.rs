//! Fuzz target `alt_svc`: see `sockit::fuzzing::alt_svc` for the properties it checks.
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| sockit::fuzzing::alt_svc(data));
