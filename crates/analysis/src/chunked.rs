//! A vector kept in pieces of under a megabyte, for per-goroutine tables of millions of rows.
//!
//! Decoding a 200 MB trace leaves some 250 MB of the page's WebAssembly memory free, in holes
//! of a few to tens of megabytes. A table in one piece fits none of them and grows the memory
//! by its whole size, and memory touched for the first time is dear (README, Benchmarks); in
//! pieces it fills the holes first.

use std::ops::{Index, IndexMut};

/// Items per piece: a power of two, so that an index splits with a shift and a mask.
const SHIFT: u32 = 14;
const PIECE: usize = 1 << SHIFT;
const MASK: usize = PIECE - 1;

#[derive(Debug, Default)]
pub(crate) struct Chunked<T> {
    pieces: Vec<Vec<T>>,
    len: usize,
}

impl<T: Copy> Chunked<T> {
    pub fn len(&self) -> usize {
        self.len
    }

    /// Grows to `len` items, the new ones `value`; never shrinks.
    pub fn grow_to(&mut self, len: usize, value: T) {
        while self.len < len {
            if self.len & MASK == 0 && self.pieces.len() == self.len >> SHIFT {
                self.pieces.push(Vec::with_capacity(PIECE));
            }
            let piece = &mut self.pieces[self.len >> SHIFT];
            let n = (len - self.len).min(PIECE - piece.len());
            piece.resize(piece.len() + n, value);
            self.len += n;
        }
    }

    /// Keeps the first `len` items, and gives back the pieces no longer needed.
    pub fn truncate(&mut self, len: usize) {
        if len >= self.len {
            return;
        }
        let kept = len.div_ceil(PIECE);
        self.pieces.truncate(kept);
        if let Some(last) = self.pieces.last_mut() {
            last.truncate(len - (kept - 1) * PIECE);
        }
        self.len = len;
    }

    pub fn iter(&self) -> impl Iterator<Item = &T> + '_ {
        self.pieces.iter().flatten()
    }

    /// The index of the first item for which `pred` is false, the items being partitioned by
    /// it (as `slice::partition_point`): the piece first, by its last item, then within it.
    pub fn partition_point(&self, mut pred: impl FnMut(&T) -> bool) -> usize {
        let piece = self.pieces.partition_point(|p| p.last().is_some_and(&mut pred));
        self.pieces.get(piece).map_or(self.len, |p| piece * PIECE + p.partition_point(pred))
    }
}

impl<T> Index<usize> for Chunked<T> {
    type Output = T;

    #[inline]
    fn index(&self, i: usize) -> &T {
        &self.pieces[i >> SHIFT][i & MASK]
    }
}

impl<T> IndexMut<usize> for Chunked<T> {
    #[inline]
    fn index_mut(&mut self, i: usize) -> &mut T {
        &mut self.pieces[i >> SHIFT][i & MASK]
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Growing, writing, truncating and reading across pieces match a `Vec` doing the same.
    #[test]
    fn behaves_as_a_vec() {
        let (mut c, mut v) = (Chunked::default(), Vec::new());
        for (grow, cut) in [(5, 5), (PIECE + 3, PIECE + 1), (3 * PIECE, 2 * PIECE), (2 * PIECE + 7, 0), (PIECE, PIECE)]
        {
            c.grow_to(grow, 1u32);
            if v.len() < grow {
                v.resize(grow, 1);
            }
            for i in (0..v.len()).step_by(97) {
                c[i] = i as u32;
                v[i] = i as u32;
            }
            assert_eq!(c.iter().copied().collect::<Vec<_>>(), v, "after growing to {grow}");
            c.truncate(cut);
            v.truncate(cut);
            assert_eq!((c.len(), c.pieces.len()), (v.len(), v.len().div_ceil(PIECE)));
            assert_eq!(c.iter().copied().collect::<Vec<_>>(), v, "after cutting to {cut}");
        }
    }

    #[test]
    fn partition_point_as_a_slice() {
        let mut c = Chunked::default();
        c.grow_to(2 * PIECE + 5, 0u32);
        for i in 0..c.len() {
            c[i] = i as u32 / 3;
        }
        let v: Vec<u32> = c.iter().copied().collect();
        for x in [0, 1, 5000, PIECE as u32 / 3, v[v.len() - 1], v[v.len() - 1] + 1] {
            assert_eq!(c.partition_point(|&y| y < x), v.partition_point(|&y| y < x), "{x}");
        }
    }
}
