//! `gotv_decode::decode`: any input (v2 or v1) decodes without panicking, and every lazy
//! path of the result (events, stacks, strings, indexes) can be walked.

#![no_main]

mod common;

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    common::touch(&gotv_decode::decode(data));
});
