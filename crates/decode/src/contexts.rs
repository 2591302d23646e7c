//! Event contexts: the (M, P, G) an event happened on. Thread, proc and goroutine IDs get
//! dense indices, and each distinct triple is stored once, so an event's context costs one
//! 32-bit index instead of three 64-bit IDs.

use crate::hash::FxMap;

/// A dense index; `NONE` = no thread/proc/goroutine.
pub(crate) const NONE: u32 = u32::MAX;

/// Dense indices for one ID space.
#[derive(Debug, Clone, Default)]
pub(crate) struct Ids {
    pub ids: Vec<i64>,
    index: FxMap<i64, u32>,
}

impl Ids {
    pub(crate) fn slot(&mut self, id: i64) -> u32 {
        if id == -1 {
            return NONE;
        }
        let ids = &mut self.ids;
        *self.index.entry(id).or_insert_with(|| {
            ids.push(id);
            ids.len() as u32 - 1
        })
    }

    pub(crate) fn get(&self, id: i64) -> Option<u32> {
        self.index.get(&id).copied()
    }

    pub(crate) fn id(&self, slot: u32) -> i64 {
        if slot == NONE {
            -1
        } else {
            self.ids[slot as usize]
        }
    }

    fn heap_bytes(&self) -> usize {
        self.ids.capacity() * 8 + self.index.capacity() * 16
    }

    fn shrink(&mut self) {
        self.ids.shrink_to_fit();
        self.index.shrink_to_fit();
    }
}

#[derive(Debug, Clone, Default)]
pub(crate) struct Contexts {
    pub threads: Ids,
    pub procs: Ids,
    pub goroutines: Ids,
    /// Distinct (thread, proc, goroutine) slot triples.
    pub triples: Vec<[u32; 3]>,
    index: FxMap<[u32; 3], u32>,
    /// The last context interned: consecutive events mostly share it.
    last: Option<((i64, i64, i64), u32)>,
}

impl Contexts {
    pub(crate) fn intern(&mut self, ctx: (i64, i64, i64)) -> u32 {
        if let Some((last, id)) = self.last {
            if last == ctx {
                return id;
            }
        }
        let key = [self.threads.slot(ctx.0), self.procs.slot(ctx.1), self.goroutines.slot(ctx.2)];
        let triples = &mut self.triples;
        let id = *self.index.entry(key).or_insert_with(|| {
            triples.push(key);
            triples.len() as u32 - 1
        });
        self.last = Some((ctx, id));
        id
    }

    pub(crate) fn heap_bytes(&self) -> usize {
        self.threads.heap_bytes()
            + self.procs.heap_bytes()
            + self.goroutines.heap_bytes()
            + self.triples.capacity() * 12
            + self.index.capacity() * 16
    }

    pub(crate) fn shrink(&mut self) {
        self.threads.shrink();
        self.procs.shrink();
        self.goroutines.shrink();
        self.triples.shrink_to_fit();
        self.index.shrink_to_fit();
    }
}
