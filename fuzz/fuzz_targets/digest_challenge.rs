//! Fuzz target `digest_challenge`: see `sockit::fuzzing::digest_challenge` for the properties it checks.
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| sockit::fuzzing::digest_challenge(data));
