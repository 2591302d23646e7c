//! The one hasher for maps keyed by what a trace file says: ids, PCs, string and stack
//! contents. A corrupt or hostile file picks those keys freely, so every bit of a key must
//! reach the bucket index: a plain multiplicative hash (FxHash) sends keys that differ only in
//! their high bits to one bucket, which makes inserting N of them quadratic. Each word is
//! multiplied in, and the result goes through a full-avalanche finalizer (MurmurHash3's
//! `fmix64`) that brings the high bits down: a few cycles, with 64-bit multiplies only, which
//! WebAssembly has (a 128-bit multiply there is a call into a software routine). SipHash would
//! cost several times as much in the ordering loop. The analyses use it too, for the same keys.

use std::collections::HashMap;
use std::hash::{BuildHasherDefault, Hasher};

#[derive(Default, Clone, Copy)]
pub struct IdHasher(u64);

impl Hasher for IdHasher {
    fn write(&mut self, bytes: &[u8]) {
        for chunk in bytes.chunks(8) {
            let mut word = [0u8; 8];
            word[..chunk.len()].copy_from_slice(chunk);
            self.write_u64(u64::from_le_bytes(word));
        }
    }

    fn write_u8(&mut self, i: u8) {
        self.write_u64(u64::from(i));
    }

    fn write_u32(&mut self, i: u32) {
        self.write_u64(u64::from(i));
    }

    fn write_usize(&mut self, i: usize) {
        self.write_u64(i as u64);
    }

    fn write_i64(&mut self, i: i64) {
        self.write_u64(i as u64);
    }

    /// A bijection of the state and the word: distinct one-word keys stay distinct.
    #[inline]
    fn write_u64(&mut self, i: u64) {
        self.0 = (self.0 ^ i).wrapping_mul(0x9e37_79b9_7f4a_7c15);
    }

    /// The multiplies move bits only upward; this brings every bit down to the low bits,
    /// which pick the bucket.
    #[inline]
    fn finish(&self) -> u64 {
        let mut x = self.0;
        x ^= x >> 33;
        x = x.wrapping_mul(0xff51_afd7_ed55_8ccd);
        x ^= x >> 33;
        x = x.wrapping_mul(0xc4ce_b9fe_1a85_ec53);
        x ^ (x >> 33)
    }
}

pub type IdMap<K, V> = HashMap<K, V, BuildHasherDefault<IdHasher>>;

#[cfg(test)]
mod tests {
    use super::*;

    /// How many of 4096 keys land in distinct low-12-bit buckets, `write(h, i)` hashing key `i`.
    fn spread(write: impl Fn(&mut IdHasher, u64)) -> usize {
        let buckets: std::collections::HashSet<u64> = (0..4096u64)
            .map(|i| {
                let mut h = IdHasher::default();
                write(&mut h, i);
                h.finish() & 0xfff
            })
            .collect();
        buckets.len()
    }

    #[test]
    fn ids_differing_only_in_high_bits_spread_over_the_low_bits() {
        let n = spread(|h, i| h.write_u64(i << 40));
        assert!(n > 2000, "{n} distinct low-12-bit buckets of 4096");
    }

    /// Keys of two words (a P and a name, a thread and a proc) where only the first word's
    /// high bits differ spread as well.
    #[test]
    fn two_word_keys_differing_only_in_high_bits_spread_over_the_low_bits() {
        let n = spread(|h, i| {
            h.write_u64(i << 44);
            h.write_u64(7);
        });
        assert!(n > 2000, "{n} distinct low-12-bit buckets of 4096");
    }
}
