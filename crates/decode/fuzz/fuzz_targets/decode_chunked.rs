//! `Decoder::feed`/`finish`: the input is fed in chunks and the result must equal
//! decoding it whole (events, stacks, strings and error). Fed again within a memory budget,
//! it must give what the input cut where decoding stopped gives.
//!
//! The chunk sizes come from a hash of the input rather than from bytes taken off it, so
//! raw trace files are valid seeds and every mutation also moves the cuts.

#![no_main]

mod common;

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let whole = common::touch(&gotv_decode::decode(data));
    // FNV-1a over the input, then xorshift64*.
    let mut rng =
        data.iter().fold(0xcbf2_9ce4_8422_2325u64, |h, &b| (h ^ u64::from(b)).wrapping_mul(0x100_0000_01b3)) | 1;
    let mut next = |below: u64| {
        rng ^= rng >> 12;
        rng ^= rng << 25;
        rng ^= rng >> 27;
        rng.wrapping_mul(0x2545_f491_4f6c_dd1d) % below
    };
    let mut d = gotv_decode::Decoder::with_size_hint(data.len() as u64);
    let mut pos = 0;
    while pos < data.len() {
        let max = [16, 256, 4096, 65536][next(4) as usize];
        let end = data.len().min(pos + 1 + next(max) as usize);
        let p = d.feed(&data[pos..end]);
        assert_eq!(p.bytes, end as u64);
        assert!(p.bytes_decoded <= p.bytes);
        pos = end;
    }
    let chunked = common::touch(&d.finish());
    assert_eq!(whole, chunked);

    let bytes = next(data.len() as u64 * 8 + 1);
    let budget = gotv_decode::Budget { bytes, per_event: 10, per_goroutine: 100 };
    let mut d = gotv_decode::Decoder::with_size_hint(data.len() as u64).with_budget(budget);
    d.feed(data);
    let within = d.finish();
    match within.error.as_ref().map(|e| (&e.kind, e.offset as usize)) {
        Some((gotv_decode::ErrorKind::TooBig { whole: true, .. }, at)) => {
            assert_eq!((at, within.trace.len()), (0, 0));
        }
        Some((gotv_decode::ErrorKind::TooBig { whole: false, .. }, at)) => {
            let cut = gotv_decode::decode(&data[..at]);
            assert!(cut.error.is_none());
            let shown = gotv_decode::Decoded { trace: within.trace, error: None };
            assert_eq!(common::touch(&shown), common::touch(&cut));
        }
        _ => assert_eq!(common::touch(&within), whole),
    }
});
