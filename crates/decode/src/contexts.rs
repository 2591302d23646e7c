//! Event contexts: the (M, P, G) an event happened on. Thread, proc and goroutine IDs get
//! dense indices, and each distinct triple is stored once, so an event's context costs one
//! 32-bit index instead of three 64-bit IDs.

use crate::hash::FxMap;

/// A dense index; `NONE` = no thread/proc/goroutine.
pub(crate) const NONE: u32 = u32::MAX;

/// Dense indices for one ID space. Goroutine IDs are mostly small and dense, so most
/// are looked up in an array; outliers (OS thread IDs, corrupt values) in a map.
#[derive(Debug, Clone, Default)]
pub(crate) struct Ids {
    pub ids: Vec<i64>,
    /// Slot of ID `i`, or `NONE`.
    dense: Vec<u32>,
    sparse: FxMap<i64, u32>,
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

#[derive(Debug, Clone, Default)]
pub(crate) struct Contexts {
    pub threads: Ids,
    pub procs: Ids,
    pub goroutines: Ids,
    /// Distinct (thread, proc, goroutine) slot triples.
    pub triples: Vec<[u32; 3]>,
    /// Triples are found through their goroutine: `heads[g + 1]` (`heads[0]`: no goroutine)
    /// is the goroutine's most recently used triple, `next` links to the others. A
    /// goroutine runs on few (thread, proc) pairs, so the lists are short, and this costs
    /// 4 bytes per goroutine and per triple where a hash map would cost ten times that.
    heads: Vec<u32>,
    next: Vec<u32>,
    /// The last context of each thread (by slot + 1; 0: no thread): its next event
    /// mostly has the same.
    last: Vec<Option<((i64, i64), u32)>>,
}

impl Contexts {
    pub(crate) fn intern(&mut self, ctx: (i64, i64, i64)) -> u32 {
        let m = self.threads.slot(ctx.0);
        let l = if m == NONE { 0 } else { m as usize + 1 };
        if l >= self.last.len() {
            self.last.resize(l + 1, None);
        }
        if let Some((pg, id)) = self.last[l] {
            if pg == (ctx.1, ctx.2) {
                return id;
            }
        }
        let key = [m, self.procs.slot(ctx.1), self.goroutines.slot(ctx.2)];
        let h = if key[2] == NONE { 0 } else { key[2] as usize + 1 };
        if h >= self.heads.len() {
            self.heads.resize(h + 1, NONE);
        }
        let (mut prev, mut t) = (NONE, self.heads[h]);
        while t != NONE && self.triples[t as usize] != key {
            prev = t;
            t = self.next[t as usize];
        }
        let id = if t == NONE {
            self.triples.push(key);
            self.next.push(self.heads[h]);
            self.triples.len() as u32 - 1
        } else {
            if prev != NONE {
                // Move to the front: the goroutine's current context is looked up next.
                self.next[prev as usize] = self.next[t as usize];
                self.next[t as usize] = self.heads[h];
            }
            t
        };
        self.heads[h] = id;
        self.last[l] = Some(((ctx.1, ctx.2), id));
        id
    }

    pub(crate) fn heap_bytes(&self) -> usize {
        self.threads.heap_bytes()
            + self.procs.heap_bytes()
            + self.goroutines.heap_bytes()
            + self.triples.capacity() * 12
            + (self.heads.capacity() + self.next.capacity()) * 4
            + self.last.capacity() * 32
    }

    pub(crate) fn shrink(&mut self) {
        self.threads.shrink();
        self.procs.shrink();
        self.goroutines.shrink();
        self.triples.shrink_to_fit();
        self.heads.shrink_to_fit();
        self.next.shrink_to_fit();
    }
}
