//! A map from trace IDs (goroutines, procs) to state. The runtime hands out these IDs
//! densely from small numbers, so most live in an array; others (corrupt or unusual
//! values) in a hash map. The array is bounded by the number of IDs ever inserted, so no
//! ID value can make it allocate much.

use crate::hash::IdMap;

const ABSENT: u32 = u32::MAX;

#[derive(Debug)]
pub(crate) struct DenseMap<V> {
    /// Slot in `values` of ID `i`.
    dense: Vec<u32>,
    sparse: IdMap<i64, u32>,
    values: Vec<Option<V>>,
    free: Vec<u32>,
    inserted: usize,
}

/// Moves the IDs that `dense` (indexed by ID) now covers out of `sparse`, after `dense` grew:
/// an ID that `dense` covers is looked up there only, so one left in `sparse` would be lost
/// (a long trace's goroutine IDs outgrow the array and are later covered by it).
pub(crate) fn adopt_covered(dense: &mut [u32], sparse: &mut IdMap<i64, u32>) {
    sparse.retain(|&id, &mut s| match usize::try_from(id).ok().and_then(|i| dense.get_mut(i)) {
        Some(d) => {
            *d = s;
            false
        }
        None => true,
    });
}

impl<V> Default for DenseMap<V> {
    fn default() -> Self {
        DenseMap { dense: Vec::new(), sparse: IdMap::default(), values: Vec::new(), free: Vec::new(), inserted: 0 }
    }
}

impl<V> DenseMap<V> {
    #[inline]
    fn slot(&self, id: i64) -> Option<u32> {
        match usize::try_from(id).ok().and_then(|i| self.dense.get(i)) {
            Some(&ABSENT) => None,
            Some(&s) => Some(s),
            None => self.sparse_slot(id),
        }
    }

    /// Kept out of line, so that the lookups every event makes are small enough to inline.
    #[cold]
    #[inline(never)]
    fn sparse_slot(&self, id: i64) -> Option<u32> {
        self.sparse.get(&id).copied()
    }

    #[inline]
    pub(crate) fn get(&self, id: &i64) -> Option<&V> {
        self.values[self.slot(*id)? as usize].as_ref()
    }

    #[inline]
    pub(crate) fn get_mut(&mut self, id: &i64) -> Option<&mut V> {
        let s = self.slot(*id)?;
        self.values[s as usize].as_mut()
    }

    /// The number of IDs in the map.
    pub(crate) fn len(&self) -> usize {
        self.values.len() - self.free.len()
    }

    #[inline]
    pub(crate) fn contains_key(&self, id: &i64) -> bool {
        self.slot(*id).is_some()
    }

    pub(crate) fn insert(&mut self, id: i64, v: V) {
        if let Some(s) = self.slot(id) {
            self.values[s as usize] = Some(v);
            return;
        }
        let s = match self.free.pop() {
            Some(s) => {
                self.values[s as usize] = Some(v);
                s
            }
            None => {
                self.values.push(Some(v));
                self.values.len() as u32 - 1
            }
        };
        self.inserted += 1;
        match usize::try_from(id) {
            Ok(i) if i < self.dense.len() || i < 2 * self.inserted + 4096 => {
                if i >= self.dense.len() {
                    self.dense.resize((i + 1).max(self.dense.len() * 2).min(2 * self.inserted + 4096), ABSENT);
                    adopt_covered(&mut self.dense, &mut self.sparse);
                }
                self.dense[i] = s;
            }
            _ => {
                self.sparse.insert(id, s);
            }
        }
    }

    pub(crate) fn remove(&mut self, id: &i64) {
        let Some(s) = self.slot(*id) else { return };
        match usize::try_from(*id).ok().filter(|&i| i < self.dense.len()) {
            Some(i) => self.dense[i] = ABSENT,
            None => {
                self.sparse.remove(id);
            }
        }
        self.values[s as usize] = None;
        self.free.push(s);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn behaves_like_a_map() {
        let mut m = DenseMap::default();
        let ids = [1i64, 2, 5, 1 << 40, -7, 3, 100_000];
        for (n, &id) in ids.iter().enumerate() {
            m.insert(id, n);
        }
        for (n, &id) in ids.iter().enumerate() {
            assert_eq!(m.get(&id), Some(&n));
        }
        m.remove(&5);
        m.remove(&(1 << 40));
        assert!(!m.contains_key(&5) && !m.contains_key(&(1 << 40)));
        assert_eq!(m.len(), ids.len() - 2);
        m.insert(6, 60);
        assert_eq!(m.get(&6), Some(&60));
        assert_eq!(m.get(&2), Some(&1));
        assert_eq!(m.get(&4), None);
    }

    #[test]
    fn an_id_first_too_large_for_the_array_stays_found_once_the_array_covers_it() {
        let mut m = DenseMap::default();
        m.insert(100_000, 1);
        // The array doubles past 100,000 at ID 65,536.
        for id in 0..90_000 {
            m.insert(id, 0);
        }
        assert_eq!(m.get(&100_000), Some(&1));
        m.remove(&100_000);
        assert_eq!(m.get(&100_000), None);
        assert_eq!(m.len(), 90_000);
    }
}
