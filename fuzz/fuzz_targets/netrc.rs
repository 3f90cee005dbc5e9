//! Fuzz target `netrc`: see `sockit::fuzzing::netrc` for the properties it checks.
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| sockit::fuzzing::netrc(data));
