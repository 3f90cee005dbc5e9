//! Fuzz target `url_glob`: see `sockit::fuzzing::url_glob` for the properties it checks.
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| sockit::fuzzing::url_glob(data));
