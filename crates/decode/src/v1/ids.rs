//! Maps keyed by trace IDs (goroutines, Ps, strings, stacks, tasks).

use std::collections::HashMap;
use std::hash::{BuildHasherDefault, Hasher};

/// IDs come from the file, so a hostile trace picks them: the hash must mix every bit
/// (a plain multiply would let IDs that differ only in high bits collide). SipHash would
/// too, at several times the cost on the ordering hot path.
#[derive(Default)]
pub struct IdHasher(u64);

impl Hasher for IdHasher {
    fn write(&mut self, bytes: &[u8]) {
        for &b in bytes {
            self.write_u64(u64::from(b));
        }
    }

    fn write_u64(&mut self, n: u64) {
        let m = u128::from(self.0 ^ n) * u128::from(0x9e37_79b9_7f4a_7c15_u64);
        self.0 = (m as u64) ^ ((m >> 64) as u64);
    }

    fn write_usize(&mut self, n: usize) {
        self.write_u64(n as u64);
    }

    fn finish(&self) -> u64 {
        self.0
    }
}

pub type IdMap<V> = HashMap<u64, V, BuildHasherDefault<IdHasher>>;
