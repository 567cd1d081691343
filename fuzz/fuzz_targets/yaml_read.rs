//! cargo-fuzz entry point; the checks live in `interop_fuzz::yaml_read`.
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| interop_fuzz::yaml_read(data));
