//! The one hasher for maps keyed by what a trace file says: ids, PCs, string and stack
//! contents. A corrupt or hostile file picks those keys freely, so every bit of a key must
//! reach the bucket index: a plain multiplicative hash (FxHash) sends keys that differ only in
//! their high bits to one bucket, which makes inserting N of them quadratic. A folded 128-bit
//! multiply per word mixes every bit for a few cycles; SipHash would cost several times as
//! much in the ordering loop. The analyses use it too, for the same keys.

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

    #[inline]
    fn write_u64(&mut self, i: u64) {
        self.0 = fold(self.0 ^ i, 0x9e37_79b9_7f4a_7c15);
    }

    /// One more round: structured keys (`i << 40`) otherwise leave the low bits, which pick
    /// the bucket, in an arithmetic progression.
    fn finish(&self) -> u64 {
        fold(self.0, 0xd6e8_feb8_6659_fd93)
    }
}

#[inline]
fn fold(x: u64, k: u64) -> u64 {
    let m = u128::from(x) * u128::from(k);
    (m as u64) ^ ((m >> 64) as u64)
}

pub type IdMap<K, V> = HashMap<K, V, BuildHasherDefault<IdHasher>>;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_differing_only_in_high_bits_spread_over_the_low_bits() {
        let buckets: std::collections::HashSet<u64> = (0..4096u64)
            .map(|i| {
                let mut h = IdHasher::default();
                h.write_u64(i << 40);
                h.finish() & 0xfff
            })
            .collect();
        assert!(buckets.len() > 2000, "{} distinct low-12-bit buckets of 4096", buckets.len());
    }
}
