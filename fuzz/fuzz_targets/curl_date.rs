//! Fuzz target `curl_date`: see `sockit::fuzzing::curl_date` for the properties it checks.
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| sockit::fuzzing::curl_date(data));
