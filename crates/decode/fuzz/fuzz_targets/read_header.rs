//! `gotv_decode::read_header`: any input; a header it accepts names a format, and a
//! header it rejects makes `decode` fail too.

#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    match gotv_decode::read_header(data) {
        Ok(v) => {
            let _ = (v.format(), v.writers());
        }
        Err(e) => {
            let _ = e.to_string();
            let d = gotv_decode::decode(data);
            assert!(d.error.is_some());
            assert!(d.trace.is_empty());
        }
    }
});
