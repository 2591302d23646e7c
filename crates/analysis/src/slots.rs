//! Dense indices for goroutine IDs, so per-goroutine state lives in flat vectors instead of
//! hash maps (millions of goroutines, tens of millions of transitions).

use gotv_decode::{GoId, Trace};

use crate::id_map::IdMap;

pub(crate) struct Slots {
    map: Map,
    len: usize,
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
    pub fn new(trace: &Trace) -> Slots {
        let ids = trace.goroutine_ids();
        let len = ids.len();
        let (Some(&lo), Some(&hi)) = (ids.iter().min(), ids.iter().max()) else {
            return Slots { map: Map::Sparse(IdMap::default()), len };
        };
        let span = hi.abs_diff(lo).saturating_add(1);
        let map = if span <= len as u64 * 8 + 1024 {
            let mut table = vec![NONE; span as usize];
            for (i, &id) in ids.iter().enumerate() {
                table[(id - lo) as usize] = i as u32;
            }
            Map::Direct { base: lo, table }
        } else {
            Map::Sparse(ids.iter().enumerate().map(|(i, &id)| (id, i as u32)).collect())
        };
        Slots { map, len }
    }

    /// Per slot: its rank among all IDs in ascending order (a permutation of `0..len`), so
    /// per-goroutine results can be laid out sorted by ID without sorting.
    pub fn ranks(&self, trace: &Trace) -> Vec<u32> {
        let mut ranks = vec![NONE; self.len];
        match &self.map {
            Map::Direct { table, .. } => {
                for (r, &s) in table.iter().filter(|&&s| s != NONE).enumerate() {
                    ranks[s as usize] = r as u32;
                }
            }
            Map::Sparse(_) => {
                let mut ids: Vec<(GoId, u32)> =
                    trace.goroutine_ids().iter().enumerate().map(|(i, &id)| (id, i as u32)).collect();
                ids.sort_unstable();
                for (r, (_, s)) in ids.into_iter().enumerate() {
                    ranks[s as usize] = r as u32;
                }
            }
        }
        ranks
    }

    /// How many slots there are: per-goroutine vectors have this length.
    pub fn len(&self) -> usize {
        self.len
    }

    #[inline]
    pub fn get(&self, id: GoId) -> Option<usize> {
        let s = match &self.map {
            Map::Direct { base, table } => *table.get(usize::try_from(id.wrapping_sub(*base)).ok()?)?,
            Map::Sparse(m) => *m.get(&id)?,
        };
        (s != NONE).then_some(s as usize)
    }
}
