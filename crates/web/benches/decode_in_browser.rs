//! The decoder as the page runs it: compiled to wasm, in Chromium (`cargo bench --target
//! wasm32-unknown-unknown -p gotv-web`, or `cargo xtask bench`). Native figures and Go's are
//! in crates/decode/benches.

#![cfg(target_arch = "wasm32")]

use wasm_bindgen_test::{wasm_bindgen_bench, wasm_bindgen_test_configure, Criterion};

wasm_bindgen_test_configure!(run_in_browser);

#[wasm_bindgen_bench]
fn decode(c: &mut Criterion) {
    for (name, bytes) in [
        ("workshop-go1.27", &include_bytes!("../../../tests/fixtures/workshop-go1.27.trace")[..]),
        ("workshop-go1.21", &include_bytes!("../../../tests/fixtures/workshop-go1.21.trace")[..]),
    ] {
        c.bench_function(&format!("decode {name} ({} bytes)", bytes.len()), |b| b.iter(|| gotv_decode::decode(bytes)));
    }
}
