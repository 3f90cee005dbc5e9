//! Fuzz target `ocsp_staple`: see `sockit::fuzzing::ocsp_staple` for the properties it checks.
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| sockit::fuzzing::ocsp_staple(data));
