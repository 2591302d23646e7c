//! Any input: no panic, and decoding in two chunks equals decoding whole.
//!
//! Run from crates/decode/fuzz, seeded with Go's vectors and our fixtures:
//! `cargo +nightly fuzz run decode corpus/decode ../../../tests/fixtures/go`

#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let whole = gotv_decode::decode(data);
    let rendered: Vec<String> = whole.trace.events().map(|e| e.to_string()).collect();
    let cut = data.first().map_or(0, |&b| usize::from(b) * data.len() / 256);
    let mut d = gotv_decode::Decoder::new();
    d.feed(&data[..cut]);
    d.feed(&data[cut..]);
    let chunked = d.finish();
    let again: Vec<String> = chunked.trace.events().map(|e| e.to_string()).collect();
    assert_eq!(rendered, again);
    assert_eq!(whole.error, chunked.error);
});
