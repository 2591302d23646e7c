//! The ordered stream's records, in chunks: the conversion frees each chunk once it has
//! read it, so that the stream and the model it becomes are not both whole in memory, and
//! nothing is copied to grow. Chunks are 32 MB, the size from which glibc's malloc maps
//! each allocation on its own and so gives it back to the system when freed.

use std::ops::{Index, IndexMut};

use super::event::Rec;
use crate::hash::IdMap;

const CHUNK: usize = 1 << 21;

/// A record's goroutine that does not fit in 32 bits (never in a real trace).
pub(super) const WIDE_G: u32 = u32::MAX;

#[derive(Default)]
pub(super) struct Records {
    chunks: Vec<Vec<Rec>>,
    len: usize,
    /// How many records are coming: small streams get a chunk of their size.
    expected: usize,
    /// Goroutines of [`WIDE_G`] records, by event offset.
    wide_gs: IdMap<u32, u64>,
}

impl Records {
    pub fn with_expected(expected: usize) -> Records {
        Records { expected, ..Records::default() }
    }

    /// The record of an event (added with [`Records::push`]).
    pub fn rec(&mut self, ts: i64, g: u64, offset: u32) -> Rec {
        let narrow = u32::try_from(g).ok().filter(|&g| g != WIDE_G);
        if narrow.is_none() {
            self.wide_gs.insert(offset, g);
        }
        Rec { ts, offset, g: narrow.unwrap_or(WIDE_G) }
    }

    pub fn g(&self, rec: &Rec) -> u64 {
        match rec.g {
            WIDE_G => self.wide_gs.get(&rec.offset).copied().unwrap_or(u64::from(WIDE_G)),
            g => u64::from(g),
        }
    }

    /// The records, each chunk freed once read; `g` still answers for them.
    pub fn take_chunks(&mut self) -> std::iter::Flatten<std::vec::IntoIter<Vec<Rec>>> {
        self.len = 0;
        std::mem::take(&mut self.chunks).into_iter().flatten()
    }

    pub fn len(&self) -> usize {
        self.len
    }

    pub fn push(&mut self, rec: Rec) {
        match self.chunks.last_mut() {
            Some(chunk) if chunk.len() < CHUNK => chunk.push(rec),
            _ => {
                let mut chunk = Vec::with_capacity(CHUNK.min(self.expected.saturating_sub(self.len)).max(1));
                chunk.push(rec);
                self.chunks.push(chunk);
            }
        }
        self.len += 1;
    }

    pub fn first(&self) -> Option<&Rec> {
        self.chunks.first()?.first()
    }

    pub fn iter(&self) -> impl Iterator<Item = &Rec> + '_ {
        self.chunks.iter().flatten()
    }

    /// Keeps the records for whose index `keep` is true, in order.
    pub fn retain_indices(&mut self, keep: impl Fn(usize) -> bool) {
        let mut kept = 0;
        for i in 0..self.len {
            if keep(i) {
                self[kept] = self[i];
                kept += 1;
            }
        }
        self.len = kept;
        let chunks = kept.div_ceil(CHUNK);
        self.chunks.truncate(chunks);
        if let Some(last) = self.chunks.last_mut() {
            last.truncate(kept - (chunks - 1) * CHUNK);
        }
    }
}

impl Index<usize> for Records {
    type Output = Rec;

    fn index(&self, i: usize) -> &Rec {
        &self.chunks[i / CHUNK][i % CHUNK]
    }
}

impl IndexMut<usize> for Records {
    fn index_mut(&mut self, i: usize) -> &mut Rec {
        &mut self.chunks[i / CHUNK][i % CHUNK]
    }
}
