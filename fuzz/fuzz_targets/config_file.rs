//! Fuzz target `config_file`: see `sockit::fuzzing::config_file` for the properties it checks.
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| sockit::fuzzing::config_file(data));
