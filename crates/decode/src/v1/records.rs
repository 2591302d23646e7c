//! The ordered stream's records, 8 bytes each: the event's offset, and its time and
//! goroutine as differences from the record before (the stream is in time order, and
//! consecutive events mostly run on one goroutine or on goroutines created close
//! together). Differences that do not fit (long gaps, goroutines far apart) stand for the
//! next value of a list aside, read in order too. 16 bytes of fixed-width fields would
//! take three times the file; these under twice, and read as fast. Only read in order;
//! the conversion frees each chunk once it has read it, so that the stream and the model
//! it becomes are not both whole in memory. Chunks are 32 MB, the size from which glibc's
//! malloc maps each allocation on its own and so gives it back to the system when freed.

use std::borrow::Borrow;

use super::event::Rec;

/// A record as stored.
#[derive(Debug, Clone, Copy, Default)]
struct Packed {
    offset: u32,
    /// Ticks since the record before, or [`WIDE_TS`].
    dt: u16,
    /// Goroutine minus that of the record before, or [`WIDE_G`].
    dg: i16,
}

/// The time is the next of [`Wide::ts`].
const WIDE_TS: u16 = u16::MAX;
/// The goroutine is the next of [`Wide::g`].
const WIDE_G: i16 = i16::MIN;

const CHUNK: usize = (1 << 25) / std::mem::size_of::<Packed>();
/// Records of a chunk for more records than expected.
const MIN_CHUNK: usize = 1 << 12;

/// The values that did not fit in their record, in stream order.
#[derive(Default)]
struct Wide {
    ts: Vec<i64>,
    g: Vec<u64>,
}

#[derive(Default)]
pub(super) struct Records {
    chunks: Vec<Vec<Packed>>,
    wide: Wide,
    len: usize,
    /// How many records are coming: small streams get a chunk of their size.
    expected: usize,
    /// The last record pushed, which the next is encoded against.
    last: Rec,
}

impl Records {
    pub fn with_expected(expected: usize) -> Records {
        Records { expected, ..Records::default() }
    }

    pub fn len(&self) -> usize {
        self.len
    }

    #[inline]
    pub fn push(&mut self, rec: Rec) {
        let dt = match u16::try_from(rec.ts.wrapping_sub(self.last.ts)) {
            Ok(dt) if dt != WIDE_TS => dt,
            _ => {
                self.wide.ts.push(rec.ts);
                WIDE_TS
            }
        };
        let dg = match i16::try_from(rec.g.wrapping_sub(self.last.g) as i64) {
            Ok(dg) if dg != WIDE_G => dg,
            _ => {
                self.wide.g.push(rec.g);
                WIDE_G
            }
        };
        let packed = Packed { offset: rec.offset, dt, dg };
        match self.chunks.last_mut() {
            Some(chunk) if chunk.len() < chunk.capacity() => chunk.push(packed),
            _ => self.push_to_new_chunk(packed),
        }
        self.last = rec;
        self.len += 1;
    }

    #[cold]
    fn push_to_new_chunk(&mut self, packed: Packed) {
        let expected = self.expected.saturating_sub(self.len);
        let mut chunk = Vec::with_capacity(if expected > 0 { expected.min(CHUNK) } else { MIN_CHUNK });
        chunk.push(packed);
        self.chunks.push(chunk);
    }

    pub fn first(&self) -> Option<Rec> {
        self.iter().next()
    }

    pub fn iter(&self) -> impl Iterator<Item = Rec> + '_ {
        Iter::new(self.chunks.iter().map(Vec::as_slice), &self.wide)
    }

    /// The records, each chunk freed once read.
    pub fn freeing_iter(self) -> impl Iterator<Item = Rec> {
        Iter::new(self.chunks.into_iter(), self.wide)
    }

    /// Keeps the records for whose index `keep` is true, in order.
    pub fn retain_indices(&mut self, keep: impl Fn(usize) -> bool) {
        let old = std::mem::take(self);
        *self = Records::with_expected(old.len);
        for (i, rec) in old.freeing_iter().enumerate() {
            if keep(i) {
                self.push(rec);
            }
        }
    }
}

struct Iter<B, I, W> {
    /// The chunks not yet read.
    chunks: I,
    chunk: B,
    pos: usize,
    wide: W,
    /// Next unread of `wide.ts` and `wide.g`.
    wide_ts: usize,
    wide_g: usize,
    last: Rec,
}

impl<B: AsRef<[Packed]> + Default, I: Iterator<Item = B>, W: Borrow<Wide>> Iter<B, I, W> {
    fn new(chunks: I, wide: W) -> Self {
        Iter { chunks, chunk: B::default(), pos: 0, wide, wide_ts: 0, wide_g: 0, last: Rec::default() }
    }
}

impl<B: AsRef<[Packed]> + Default, I: Iterator<Item = B>, W: Borrow<Wide>> Iterator for Iter<B, I, W> {
    type Item = Rec;

    #[inline]
    fn next(&mut self) -> Option<Rec> {
        let packed = loop {
            match self.chunk.as_ref().get(self.pos) {
                Some(&packed) => break packed,
                // Replacing the chunk read (when owned) frees it.
                None => (self.chunk, self.pos) = (self.chunks.next()?, 0),
            }
        };
        self.pos += 1;
        let wide = self.wide.borrow();
        let ts = if packed.dt == WIDE_TS {
            self.wide_ts += 1;
            wide.ts.get(self.wide_ts - 1).copied().unwrap_or_default()
        } else {
            self.last.ts.wrapping_add(i64::from(packed.dt))
        };
        let g = if packed.dg == WIDE_G {
            self.wide_g += 1;
            wide.g.get(self.wide_g - 1).copied().unwrap_or_default()
        } else {
            self.last.g.wrapping_add(packed.dg as u64)
        };
        self.last = Rec { ts, offset: packed.offset, g };
        Some(self.last)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_back_what_was_pushed_across_chunks() {
        let mut want = Vec::new();
        let mut ts = -3i64;
        for i in 0..200_000u32 {
            ts = ts.wrapping_add(match i % 1000 {
                0 => i64::MIN / 3,
                1 => i64::MAX / 3,
                n => i64::from(n % 7),
            });
            let g = if i % 13 == 0 { u64::MAX - u64::from(i) } else { u64::from(i / 5) };
            want.push(Rec { ts, offset: i.wrapping_mul(2_654_435_761), g });
        }
        // Expecting few records makes the stream take many chunks.
        let mut recs = Records::with_expected(10);
        for &rec in &want {
            recs.push(rec);
        }
        assert_eq!(recs.len(), want.len());
        assert!(recs.iter().eq(want.iter().copied()));
        recs.retain_indices(|i| i % 3 != 1);
        let kept: Vec<Rec> = want.iter().enumerate().filter(|(i, _)| i % 3 != 1).map(|(_, &r)| r).collect();
        assert_eq!(recs.first(), kept.first().copied());
        assert!(recs.freeing_iter().eq(kept));
    }
}
