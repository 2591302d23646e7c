//! Dense indices for goroutine IDs, so per-goroutine state lives in flat vectors instead of
//! hash maps (millions of goroutines, tens of millions of transitions).

use gotv_decode::{GoId, Trace};

use crate::id_map::IdMap;

pub(crate) struct Slots {
    map: Map,
    len: usize,
    /// Per goroutine index of the trace (a [`gotv_decode::GoTransition`]'s `slot`): its slot.
    by_index: Vec<u32>,
}

enum Map {
    /// IDs are nearly contiguous (the runtime hands them out in order): slot = table[id − base].
    Direct {
        base: GoId,
        table: Vec<u32>,
    },
    Sparse(IdMap<GoId, u32>),
}

const NONE: u32 = u32::MAX;

impl Slots {
    /// Slots numbered by ID rank (ascending), so per-goroutine results indexed by slot
    /// come out sorted by ID without sorting.
    pub fn new(trace: &Trace) -> Slots {
        let ids = trace.goroutine_ids();
        let len = ids.len();
        let (Some(&lo), Some(&hi)) = (ids.iter().min(), ids.iter().max()) else {
            return Slots { map: Map::Sparse(IdMap::default()), len, by_index: Vec::new() };
        };
        let span = hi.abs_diff(lo).saturating_add(1);
        let map = if span <= len as u64 * 8 + 1024 {
            let mut table = vec![NONE; span as usize];
            for &id in ids {
                table[(id - lo) as usize] = 0;
            }
            for (rank, s) in table.iter_mut().filter(|s| **s != NONE).enumerate() {
                *s = rank as u32;
            }
            Map::Direct { base: lo, table }
        } else {
            let mut sorted = ids.to_vec();
            sorted.sort_unstable();
            Map::Sparse(sorted.into_iter().enumerate().map(|(i, id)| (id, i as u32)).collect())
        };
        let mut slots = Slots { map, len, by_index: Vec::new() };
        slots.by_index = ids.iter().map(|&id| slots.get(id).map_or(NONE, |s| s as u32)).collect();
        slots
    }

    /// The slot of the goroutine of index `i` in the trace (every goroutine has one).
    #[inline]
    pub fn of_index(&self, i: u32) -> usize {
        self.by_index[i as usize] as usize
    }

    /// How many slots there are: per-goroutine vectors have this length.
    pub fn len(&self) -> usize {
        self.len
    }

    #[inline]
    pub fn get(&self, id: GoId) -> Option<usize> {
        let s = match &self.map {
            Map::Direct { base, table } => {
                // As u64, so a negative offset is out of range even where usize is 32 bits.
                let off = id.wrapping_sub(*base) as u64;
                if off >= table.len() as u64 {
                    return None;
                }
                table[off as usize]
            }
            Map::Sparse(m) => *m.get(&id)?,
        };
        (s != NONE).then_some(s as usize)
    }
}
