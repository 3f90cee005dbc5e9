//! Fuzz target `segments_sidecar`: see `sockit::fuzzing::segments_sidecar` for the properties
//! it checks.
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| sockit::fuzzing::segments_sidecar(data));
