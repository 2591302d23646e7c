//! A column of `u32` values, each stored in as many bytes (1 to 4) as the largest value
//! needs: slots of a trace's few threads and procs take one byte, the millions of
//! goroutines of a big trace three, where a `Vec<u32>` would always take four.

#[derive(Debug, Clone)]
pub(crate) struct Uints {
    /// Values plus one, little-endian, `width` bytes each: `u32::MAX` (the "none" of the
    /// slot columns) becomes 0 and costs no width. Then [`PAD`] zero bytes, so that any value
    /// is read as one 4-byte load, masked.
    bytes: Vec<u8>,
    width: usize,
    /// The largest (stored) value `width` bytes hold: also the mask of a 4-byte read.
    max: u32,
}

const PAD: usize = 3;

impl Default for Uints {
    fn default() -> Self {
        Uints { bytes: vec![0; PAD], width: 1, max: 0xff }
    }
}

impl Uints {
    #[inline(always)]
    pub(crate) fn push(&mut self, v: u32) {
        let x = v.wrapping_add(1);
        if x > self.max {
            self.widen(x);
        }
        // Eight bytes over the padding, then the unused ones dropped: one fixed-size store
        // and no branch on the width (a variable-length copy would call `memcpy`). The
        // bytes beyond `width` are zero, so they are the new padding.
        let at = self.bytes.len() - PAD;
        self.bytes.truncate(at);
        self.bytes.extend_from_slice(&u64::from(x).to_le_bytes());
        self.bytes.truncate(at + self.width + PAD);
    }

    /// Re-encodes the column wide enough for `x`: at most three times per column.
    #[cold]
    fn widen(&mut self, x: u32) {
        let width = (4 - x.leading_zeros() as usize / 8).max(self.width);
        let mut bytes = Vec::with_capacity(self.bytes.capacity() / self.width * width + PAD);
        for i in 0..self.len() {
            let len = bytes.len();
            bytes.extend_from_slice(&self.raw(i).to_le_bytes());
            bytes.truncate(len + width);
        }
        bytes.extend_from_slice(&[0; PAD]);
        self.bytes = bytes;
        self.width = width;
        self.max = if width == 4 { u32::MAX } else { (1 << (8 * width)) - 1 };
    }

    #[inline(always)]
    fn raw(&self, i: usize) -> u32 {
        let at = i * self.width;
        let four = &self.bytes[at..at + 4];
        u32::from_le_bytes([four[0], four[1], four[2], four[3]]) & self.max
    }

    #[inline(always)]
    pub(crate) fn get(&self, i: usize) -> u32 {
        self.raw(i).wrapping_sub(1)
    }

    pub(crate) fn len(&self) -> usize {
        (self.bytes.len() - PAD) / self.width
    }

    /// Room for `n` more values up to `max`, in the width `max` needs: a column that would
    /// widen later is not copied then (a copy that, natively, can leave a hole in the heap
    /// as large as the column). Fails instead of aborting.
    pub(crate) fn try_reserve_up_to(&mut self, n: usize, max: u32) -> Result<(), std::collections::TryReserveError> {
        let x = max.saturating_add(1);
        if x > self.max {
            self.widen(x);
        }
        self.try_reserve(n)
    }

    /// Room for `n` more values of the current width; fails instead of aborting.
    pub(crate) fn try_reserve(&mut self, n: usize) -> Result<(), std::collections::TryReserveError> {
        // Plus the bytes a push writes past its value and padding before dropping them.
        self.bytes.try_reserve(n.saturating_mul(self.width).saturating_add(8))
    }

    pub(crate) fn shrink(&mut self) {
        self.bytes.shrink_to_fit();
    }

    pub(crate) fn heap_bytes(&self) -> usize {
        self.bytes.capacity()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn widens_as_values_grow_and_reads_back() {
        let mut c = Uints::default();
        let want: Vec<u32> =
            (0..3000u32).map(|i| if i % 11 == 0 { u32::MAX } else { i * i * (i / 1000 + 1) * 97 }).collect();
        for &v in &want {
            c.push(v);
        }
        assert_eq!(c.len(), want.len());
        assert!((0..c.len()).map(|i| c.get(i)).eq(want.iter().copied()));
    }
}
