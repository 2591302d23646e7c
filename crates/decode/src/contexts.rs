//! Event contexts: the (M, P, G) an event happened on. Thread, proc and goroutine IDs get
//! dense indices, and each distinct triple is stored once, so an event's context costs one
//! 32-bit index instead of three 64-bit IDs.

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
    pub(crate) fn slot(&mut self, id: i64) -> u32 {
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
                self.dense.resize((i + 1).max(self.dense.len() * 2), NONE);
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

    pub(crate) fn get(&self, id: i64) -> Option<u32> {
        match usize::try_from(id).ok().and_then(|i| self.dense.get(i)) {
            Some(&NONE) => None,
            Some(&s) => Some(s),
            None => self.sparse.get(&id).copied(),
        }
    }

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

/// `heads` entry of a goroutine whose triples moved to `Contexts::spill`.
const SPILLED: u32 = NONE - 1;
/// Longest list walked before a goroutine's triples move to the hash map: a goroutine
/// that ran on many (thread, proc) pairs (old traces: one goroutine on every P) would
/// otherwise make interning quadratic.
const LIST_MAX: usize = 8;

#[derive(Debug, Clone, Default)]
pub(crate) struct Contexts {
    pub threads: Ids,
    pub procs: Ids,
    pub goroutines: Ids,
    /// Distinct (thread, proc, goroutine) slot triples.
    pub triples: Vec<[u32; 3]>,
    /// Interning state, dropped by `shrink` once decoding ends.
    ///
    /// Triples are found through their goroutine: `heads[g + 1]` (`heads[0]`: no goroutine)
    /// is the goroutine's most recently used triple, `next` links to the others. Most
    /// goroutines run on few (thread, proc) pairs, so the lists are short, and this costs
    /// 4 bytes per goroutine and per triple where a hash map would cost ten times that.
    /// Goroutines with long lists (`SPILLED`) are looked up in `spill` instead.
    heads: Vec<u32>,
    next: Vec<u32>,
    spill: IdMap<(u64, u32), u32>,
    /// Recently interned contexts, direct-mapped by a hash of the IDs: the few contexts
    /// active at a time are found without looking any ID up.
    recent: Vec<((i64, i64, i64), u32)>,
}

const RECENT_BITS: u32 = 10;
const NOT_RECENT: ((i64, i64, i64), u32) = ((i64::MIN, i64::MIN, i64::MIN), NONE);

impl Contexts {
    #[inline]
    pub(crate) fn intern(&mut self, ctx: (i64, i64, i64)) -> u32 {
        if self.recent.is_empty() {
            self.recent = vec![NOT_RECENT; 1 << RECENT_BITS];
        }
        let h = (ctx.0 as u64).wrapping_mul(0x9e37_79b9_7f4a_7c15)
            ^ (ctx.1 as u64).wrapping_mul(0xc2b2_ae3d_27d4_eb4f)
            ^ (ctx.2 as u64).wrapping_mul(0x1656_67b1_9e37_79f9);
        let r = &mut self.recent[(h >> (64 - RECENT_BITS)) as usize];
        // A file may hold the IDs of `NOT_RECENT`: its `NONE` tells the entry is empty.
        if r.0 == ctx && r.1 != NONE {
            return r.1;
        }
        let id = self.intern_slow(ctx);
        self.recent[(h >> (64 - RECENT_BITS)) as usize] = (ctx, id);
        id
    }

    fn intern_slow(&mut self, ctx: (i64, i64, i64)) -> u32 {
        let key = [self.threads.slot(ctx.0), self.procs.slot(ctx.1), self.goroutines.slot(ctx.2)];
        let h = if key[2] == NONE { 0 } else { key[2] as usize + 1 };
        if h >= self.heads.len() {
            self.heads.resize(h + 1, NONE);
        }
        if self.heads[h] == SPILLED {
            self.spilled(key)
        } else {
            self.listed(key, h)
        }
    }

    fn new_triple(&mut self, key: [u32; 3], next: u32) -> u32 {
        self.triples.push(key);
        self.next.push(next);
        self.triples.len() as u32 - 1
    }

    fn spilled(&mut self, key: [u32; 3]) -> u32 {
        let k = (u64::from(key[0]) << 32 | u64::from(key[1]), key[2]);
        if let Some(&id) = self.spill.get(&k) {
            return id;
        }
        let id = self.new_triple(key, NONE);
        self.spill.insert(k, id);
        id
    }

    fn listed(&mut self, key: [u32; 3], h: usize) -> u32 {
        let (mut prev, mut t, mut walked) = (NONE, self.heads[h], 0);
        while t != NONE && self.triples[t as usize] != key {
            prev = t;
            t = self.next[t as usize];
            walked += 1;
        }
        if t != NONE {
            if prev != NONE {
                // Move to the front: the goroutine's current context is looked up next.
                self.next[prev as usize] = self.next[t as usize];
                self.next[t as usize] = self.heads[h];
                self.heads[h] = t;
            }
            return t;
        }
        if walked < LIST_MAX {
            let id = self.new_triple(key, self.heads[h]);
            self.heads[h] = id;
            return id;
        }
        let mut t = self.heads[h];
        while t != NONE {
            let k = self.triples[t as usize];
            self.spill.insert((u64::from(k[0]) << 32 | u64::from(k[1]), k[2]), t);
            t = std::mem::replace(&mut self.next[t as usize], NONE);
        }
        self.heads[h] = SPILLED;
        self.spilled(key)
    }

    pub(crate) fn heap_bytes(&self) -> usize {
        self.threads.heap_bytes()
            + self.procs.heap_bytes()
            + self.goroutines.heap_bytes()
            + self.triples.capacity() * 12
            + (self.heads.capacity() + self.next.capacity()) * 4
            + self.spill.capacity() * 20
            + self.recent.capacity() * 32
    }

    pub(crate) fn shrink(&mut self) {
        self.threads.shrink();
        self.procs.shrink();
        self.goroutines.shrink();
        self.triples.shrink_to_fit();
        self.heads = Vec::new();
        self.next = Vec::new();
        self.spill = IdMap::default();
        self.recent = Vec::new();
    }
}
