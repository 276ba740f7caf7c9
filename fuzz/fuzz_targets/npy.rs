#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| datassay::fuzzing::target("input.npy", data));
