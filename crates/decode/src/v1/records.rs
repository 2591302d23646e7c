//! The ordered stream's records, in fixed-size chunks: the conversion frees each chunk
//! once it has read it, so that the stream and the model it becomes are not both whole
//! in memory (and no chunk is ever copied to grow).

use std::ops::{Index, IndexMut};

use super::event::Rec;

const CHUNK: usize = 1 << 16;

#[derive(Default)]
pub(super) struct Records {
    chunks: Vec<Vec<Rec>>,
    len: usize,
}

impl Records {
    pub fn len(&self) -> usize {
        self.len
    }

    pub fn push(&mut self, rec: Rec) {
        match self.chunks.last_mut() {
            Some(chunk) if chunk.len() < CHUNK => chunk.push(rec),
            _ => {
                let mut chunk = Vec::with_capacity(CHUNK);
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

impl IntoIterator for Records {
    type Item = Rec;
    type IntoIter = std::iter::Flatten<std::vec::IntoIter<Vec<Rec>>>;

    /// Frees each chunk once it is read.
    fn into_iter(self) -> Self::IntoIter {
        self.chunks.into_iter().flatten()
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
