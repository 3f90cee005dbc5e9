//! Fuzz target `remote_name`: see `sockit::fuzzing::remote_name` for the properties it checks.
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| sockit::fuzzing::remote_name(data));
