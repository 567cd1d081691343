//! cargo-fuzz entry point; the checks live in `interop_fuzz::merge`.
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| interop_fuzz::merge(data));
