//! Interned strings shared by all generations: string IDs on the wire restart every
//! generation, so events keep these global IDs instead.

use crate::hash::IdMap;

/// Index into [`Strings`]. 0 is the empty string.
pub type StrId = u32;

#[derive(Debug, Clone)]
pub struct Strings {
    data: Vec<u8>,
    /// End offset in `data` of each string; the start is the previous end.
    ends: Vec<u32>,
    /// Hash → IDs, for interning; dropped when decoding ends (see `drop_index`).
    index: IdMap<u64, Vec<StrId>>,
    indexed: usize,
}

impl Default for Strings {
    fn default() -> Self {
        let mut s = Strings { data: Vec::new(), ends: Vec::new(), index: IdMap::default(), indexed: 0 };
        s.intern(b"");
        s
    }
}

fn hash_bytes(b: &[u8]) -> u64 {
    use std::hash::Hasher;
    let mut h = crate::hash::IdHasher::default();
    h.write(b);
    h.write_usize(b.len());
    h.finish()
}

impl Strings {
    pub fn intern(&mut self, s: &[u8]) -> StrId {
        if self.indexed != self.ends.len() {
            self.index = IdMap::default();
            for id in 0..self.ends.len() as StrId {
                let h = hash_bytes(self.bytes(id));
                self.index.entry(h).or_default().push(id);
            }
            self.indexed = self.ends.len();
        }
        let h = hash_bytes(s);
        if let Some(ids) = self.index.get(&h) {
            for &id in ids {
                if self.bytes(id) == s {
                    return id;
                }
            }
        }
        let id = self.ends.len() as StrId;
        self.data.extend_from_slice(s);
        self.ends.push(self.data.len() as u32);
        self.index.entry(h).or_default().push(id);
        self.indexed += 1;
        id
    }

    /// Frees the interning index once no more strings are expected; interning again
    /// rebuilds it.
    pub(crate) fn drop_index(&mut self) {
        self.index = IdMap::default();
        self.indexed = 0;
        self.data.shrink_to_fit();
        self.ends.shrink_to_fit();
    }

    /// The raw bytes (Go strings need not be UTF-8).
    pub fn bytes(&self, id: StrId) -> &[u8] {
        let i = id as usize;
        let Some(&end) = self.ends.get(i) else { return b"" };
        let start = if i == 0 { 0 } else { self.ends[i - 1] };
        &self.data[start as usize..end as usize]
    }

    /// The string, with invalid UTF-8 replaced.
    pub fn get(&self, id: StrId) -> std::borrow::Cow<'_, str> {
        String::from_utf8_lossy(self.bytes(id))
    }

    pub fn len(&self) -> usize {
        self.ends.len()
    }

    pub fn is_empty(&self) -> bool {
        self.ends.is_empty()
    }

    pub(crate) fn heap_bytes(&self) -> usize {
        self.data.capacity() + self.ends.capacity() * 4 + self.index.capacity() * 40
    }
}
