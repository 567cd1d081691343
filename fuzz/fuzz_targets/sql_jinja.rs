//! cargo-fuzz entry point; the checks live in `interop_fuzz::sql_jinja`.
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| interop_fuzz::sql_jinja(data));
