//! The per-event stack column, stored sparsely: about half of a trace's events (proc
//! transitions, starts, GC ranges…) have no stack, and a bit per event plus a running count
//! per 64 events costs much less than a 4-byte ID each, still with O(1) access. The IDs
//! themselves take two bytes while a trace has fewer than 65535 distinct stacks.

use crate::stacks::{StackId, NO_STACK};
use crate::uints::Uints;

#[derive(Debug, Clone, Default)]
pub(crate) struct StackColumn {
    /// Bit `i % 64` of word `i / 64`: event `i` has a stack.
    has: Vec<u64>,
    /// Per word: the number of events with a stack before it.
    rank: Vec<u32>,
    stacks: Uints,
    len: usize,
}

impl StackColumn {
    #[inline]
    pub(crate) fn push(&mut self, s: StackId) {
        let bit = self.len % 64;
        if bit == 0 {
            self.has.push(0);
            self.rank.push(self.stacks.len() as u32);
        }
        if s != NO_STACK {
            if let Some(w) = self.has.last_mut() {
                *w |= 1 << bit;
            }
            self.stacks.push(s);
        }
        self.len += 1;
    }

    #[inline]
    pub(crate) fn get(&self, i: usize) -> StackId {
        let (w, bit) = (self.has[i / 64], i % 64);
        if w >> bit & 1 == 0 {
            return NO_STACK;
        }
        let before = (w & ((1u64 << bit) - 1)).count_ones();
        self.stacks.get((self.rank[i / 64] + before) as usize)
    }

    /// Room for `n` more events, `stacks` of them with a stack.
    pub(crate) fn reserve(&mut self, n: usize, stacks: usize) {
        self.has.reserve(n / 64 + 1);
        self.rank.reserve(n / 64 + 1);
        // Only a hint: decoding goes on if it is refused.
        let _ = self.stacks.try_reserve(stacks);
    }

    pub(crate) fn shrink(&mut self) {
        self.has.shrink_to_fit();
        self.rank.shrink_to_fit();
        self.stacks.shrink();
    }

    pub(crate) fn heap_bytes(&self) -> usize {
        self.has.capacity() * 8 + self.rank.capacity() * 4 + self.stacks.heap_bytes()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_back_what_was_pushed() {
        let mut c = StackColumn::default();
        let want: Vec<StackId> =
            (0..1000u32).map(|i| if i % 3 == 0 || i % 7 == 1 { i + 1 } else { NO_STACK }).collect();
        for &s in &want {
            c.push(s);
        }
        for (i, &s) in want.iter().enumerate() {
            assert_eq!(c.get(i), s, "event {i}");
        }
    }
}
