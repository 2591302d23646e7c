//! Event contexts: the (M, P, G) an event happened on. Thread, proc and goroutine IDs get
//! dense indices, and each distinct (thread, proc) pair is stored once, so an event's
//! context costs a pair index and a goroutine slot instead of three 64-bit IDs.

use crate::dense_map::adopt_covered;
use crate::hash::IdMap;

/// A dense index; `NONE` = no thread/proc/goroutine.
pub(crate) const NONE: u32 = u32::MAX;

/// Dense indices for one ID space. Goroutine IDs are mostly small and dense, so most
/// are looked up in an array; outliers (OS thread IDs, corrupt values) in a map.
#[derive(Debug, Clone, Default)]
pub(crate) struct Ids {
    pub ids: Vec<i64>,
    /// Slot of ID `i`, or `NONE`.
    dense: Vec<u32>,
    sparse: IdMap<i64, u32>,
}

impl Ids {
    #[inline(always)]
    pub(crate) fn slot(&mut self, id: i64) -> u32 {
        match usize::try_from(id).ok().and_then(|i| self.dense.get(i)) {
            Some(&s) if s != NONE => s,
            _ => self.slot_slow(id),
        }
    }

    fn slot_slow(&mut self, id: i64) -> u32 {
        if id == -1 {
            return NONE;
        }
        let next = self.ids.len() as u32;
        // The array may grow to twice the number of IDs seen (plus some room), so a
        // huge ID cannot make it allocate.
        let dense_ok = usize::try_from(id).is_ok_and(|i| i < self.dense.len() || i < 2 * self.ids.len() + 65536);
        let slot = if dense_ok {
            let i = id as usize;
            if i >= self.dense.len() {
                // Doubling, but within what `reserve` set aside if the ID fits there.
                let cap = self.dense.capacity();
                let len = (i + 1).max(self.dense.len() * 2);
                self.dense.resize(if i < cap { len.min(cap) } else { len }, NONE);
                // Else an ID kept in `sparse` would get a second slot.
                adopt_covered(&mut self.dense, &mut self.sparse);
            }
            if self.dense[i] == NONE {
                self.dense[i] = next;
            }
            self.dense[i]
        } else {
            *self.sparse.entry(id).or_insert(next)
        };
        if slot == next {
            self.ids.push(id);
        }
        slot
    }

    /// Room for `n` IDs up to `max_id`, so that the tables are not copied as they grow
    /// (a copy leaves a hole in the heap that the process keeps). Only a hint: refused,
    /// the tables grow as IDs come.
    pub(crate) fn reserve(&mut self, n: usize, max_id: u64) {
        let _ = self.ids.try_reserve(n);
        let dense = usize::try_from(max_id).map_or(usize::MAX, |m| m.saturating_add(1));
        // Within what `slot` would grow the array to for that many IDs.
        let dense = dense.min(n.saturating_mul(2).saturating_add(65536));
        let _ = self.dense.try_reserve(dense.saturating_sub(self.dense.len()));
    }

    #[inline]
    pub(crate) fn get(&self, id: i64) -> Option<u32> {
        match usize::try_from(id).ok().and_then(|i| self.dense.get(i)) {
            Some(&NONE) => None,
            Some(&s) => Some(s),
            None => self.sparse.get(&id).copied(),
        }
    }

    #[inline]
    pub(crate) fn id(&self, slot: u32) -> i64 {
        if slot == NONE {
            -1
        } else {
            self.ids[slot as usize]
        }
    }

    fn heap_bytes(&self) -> usize {
        self.ids.capacity() * 8 + self.dense.capacity() * 4 + self.sparse.capacity() * 16
    }

    fn shrink(&mut self) {
        self.ids.shrink_to_fit();
        self.dense.truncate(self.dense.iter().rposition(|&s| s != NONE).map_or(0, |i| i + 1));
        self.dense.shrink_to_fit();
        self.sparse.shrink_to_fit();
    }
}

#[derive(Debug, Clone, Default)]
pub(crate) struct Contexts {
    pub threads: Ids,
    pub procs: Ids,
    pub goroutines: Ids,
    /// Distinct (thread, proc) slot pairs: a trace has few threads and procs, so an event
    /// stores its pair in about a byte, and its goroutine on its own.
    pub pairs: Vec<[u32; 2]>,
    /// Interning state, dropped by `shrink` once decoding ends.
    pair_index: IdMap<u64, u32>,
    /// Recently used (thread, proc) IDs and their pairs, direct-mapped by a hash of the
    /// IDs: the few active at a time are found without looking any ID up.
    recent: Vec<((i64, i64), u32)>,
}

const RECENT_BITS: u32 = 6;
const NOT_RECENT: ((i64, i64), u32) = ((i64::MIN, i64::MIN), NONE);

impl Contexts {
    /// The (thread, proc) pair and the goroutine slot of a context.
    #[inline]
    pub(crate) fn intern(&mut self, ctx: (i64, i64, i64)) -> (u32, u32) {
        (self.pair(ctx.0, ctx.1), self.goroutines.slot(ctx.2))
    }

    #[inline]
    fn pair(&mut self, m: i64, p: i64) -> u32 {
        if self.recent.is_empty() {
            self.recent = vec![NOT_RECENT; 1 << RECENT_BITS];
        }
        let h = (m as u64).wrapping_mul(0x9e37_79b9_7f4a_7c15) ^ (p as u64).wrapping_mul(0xc2b2_ae3d_27d4_eb4f);
        let r = self.recent[(h >> (64 - RECENT_BITS)) as usize];
        // A file may hold the IDs of `NOT_RECENT`: its `NONE` tells the entry is empty.
        if r.0 == (m, p) && r.1 != NONE {
            return r.1;
        }
        let id = self.pair_slow(m, p);
        self.recent[(h >> (64 - RECENT_BITS)) as usize] = ((m, p), id);
        id
    }

    fn pair_slow(&mut self, m: i64, p: i64) -> u32 {
        let key = [self.threads.slot(m), self.procs.slot(p)];
        let pairs = &mut self.pairs;
        *self.pair_index.entry(u64::from(key[0]) << 32 | u64::from(key[1])).or_insert_with(|| {
            pairs.push(key);
            pairs.len() as u32 - 1
        })
    }

    pub(crate) fn heap_bytes(&self) -> usize {
        self.threads.heap_bytes()
            + self.procs.heap_bytes()
            + self.goroutines.heap_bytes()
            + self.pairs.capacity() * 8
            + self.pair_index.capacity() * 12
            + self.recent.capacity() * 24
    }

    pub(crate) fn shrink(&mut self) {
        self.threads.shrink();
        self.procs.shrink();
        self.goroutines.shrink();
        self.pairs.shrink_to_fit();
        self.pair_index = IdMap::default();
        self.recent = Vec::new();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_id_first_too_large_for_the_array_keeps_its_one_slot() {
        let mut ids = Ids::default();
        let first = ids.slot(100_000);
        for id in 0..70_000 {
            ids.slot(id);
        }
        assert_eq!(ids.get(100_000), Some(first));
        assert_eq!(ids.slot(100_000), first);
        assert_eq!(ids.ids.len(), 70_001);
    }
}
