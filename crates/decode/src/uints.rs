//! A column of `u32` values, each stored in as many bytes (1 to 4) as the largest value
//! needs: slots of a trace's few threads and procs take one byte, the millions of
//! goroutines of a big trace three, where a `Vec<u32>` would always take four.

#[derive(Debug, Clone)]
pub(crate) struct Uints {
    /// Values plus one, little-endian, `width` bytes each: `u32::MAX` (the "none" of the
    /// slot columns) becomes 0 and costs no width.
    bytes: Vec<u8>,
    width: usize,
    /// The largest (stored) value `width` bytes hold.
    max: u32,
}

impl Default for Uints {
    fn default() -> Self {
        Uints { bytes: Vec::new(), width: 1, max: 0xff }
    }
}

impl Uints {
    #[inline(always)]
    pub(crate) fn push(&mut self, v: u32) {
        let x = v.wrapping_add(1);
        if x > self.max {
            self.widen(x);
        }
        let b = x.to_le_bytes();
        match self.width {
            1 => self.bytes.push(b[0]),
            2 => self.bytes.extend_from_slice(&b[..2]),
            3 => self.bytes.extend_from_slice(&b[..3]),
            _ => self.bytes.extend_from_slice(&b),
        }
    }

    /// Re-encodes the column wide enough for `x`: at most three times per column.
    #[cold]
    fn widen(&mut self, x: u32) {
        let width = (4 - x.leading_zeros() as usize / 8).max(self.width);
        let n = self.len();
        let mut bytes = Vec::with_capacity(self.bytes.capacity() / self.width * width);
        for i in 0..n {
            bytes.extend_from_slice(&self.raw(i).to_le_bytes()[..width]);
        }
        self.bytes = bytes;
        self.width = width;
        self.max = if width == 4 { u32::MAX } else { (1 << (8 * width)) - 1 };
    }

    #[inline]
    fn raw(&self, i: usize) -> u32 {
        let w = self.width;
        let mut b = [0u8; 4];
        b[..w].copy_from_slice(&self.bytes[i * w..i * w + w]);
        u32::from_le_bytes(b)
    }

    #[inline]
    pub(crate) fn get(&self, i: usize) -> u32 {
        self.raw(i).wrapping_sub(1)
    }

    pub(crate) fn len(&self) -> usize {
        self.bytes.len() / self.width
    }

    pub(crate) fn iter(&self) -> impl Iterator<Item = u32> + Clone + '_ {
        (0..self.len()).map(|i| self.get(i))
    }

    /// Room for `n` more values of the current width; fails instead of aborting.
    pub(crate) fn try_reserve(&mut self, n: usize) -> Result<(), std::collections::TryReserveError> {
        self.bytes.try_reserve(n.saturating_mul(self.width))
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
        assert!(c.iter().eq(want.iter().copied()));
    }
}
