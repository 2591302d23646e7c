//! A zero-copy cursor over trace bytes that knows its position in the file, so every error
//! can say where the file broke.

/// Why a varint could not be read. Go distinguishes the two in its messages.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum VarintError {
    /// The bytes ran out before the last byte of the varint.
    Truncated,
    /// More than 64 bits (Go's `binary.Uvarint` overflow).
    Overflow,
}

#[derive(Clone)]
pub(crate) struct Reader<'a> {
    data: &'a [u8],
    pos: usize,
    /// File offset of `data[0]`.
    base: u64,
}

impl<'a> Reader<'a> {
    pub(crate) fn new(data: &'a [u8], base: u64) -> Self {
        Reader { data, pos: 0, base }
    }

    pub(crate) fn offset(&self) -> u64 {
        self.base + self.pos as u64
    }

    pub(crate) fn pos(&self) -> usize {
        self.pos
    }

    pub(crate) fn is_empty(&self) -> bool {
        self.pos >= self.data.len()
    }

    pub(crate) fn remaining(&self) -> usize {
        self.data.len() - self.pos
    }

    pub(crate) fn byte(&mut self) -> Option<u8> {
        let b = *self.data.get(self.pos)?;
        self.pos += 1;
        Some(b)
    }

    pub(crate) fn bytes(&mut self, n: usize) -> Option<&'a [u8]> {
        let end = self.pos.checked_add(n)?;
        let s = self.data.get(self.pos..end)?;
        self.pos = end;
        Some(s)
    }

    /// Reads an unsigned LEB128 exactly as Go's `binary.Uvarint` accepts it: up to 10 bytes,
    /// non-minimal encodings allowed, the 10th byte at most 1. On error nothing is consumed.
    pub(crate) fn uvarint(&mut self) -> Result<u64, VarintError> {
        let (v, n) = uvarint(&self.data[self.pos..])?;
        self.pos += n;
        Ok(v)
    }
}

/// Decodes one varint from the start of `buf`, returning it and its length.
#[inline]
pub(crate) fn uvarint(buf: &[u8]) -> Result<(u64, usize), VarintError> {
    // Most values in a trace (deltas, IDs, sequence numbers) fit in one byte.
    if let Some(&b) = buf.first() {
        if b < 0x80 {
            return Ok((u64::from(b), 1));
        }
    }
    uvarint_slow(buf)
}

fn uvarint_slow(buf: &[u8]) -> Result<(u64, usize), VarintError> {
    let mut x = 0u64;
    let mut shift = 0u32;
    for (i, &b) in buf.iter().enumerate() {
        if i == 10 {
            return Err(VarintError::Overflow);
        }
        if b < 0x80 {
            if i == 9 && b > 1 {
                return Err(VarintError::Overflow);
            }
            return Ok((x | u64::from(b) << shift, i + 1));
        }
        x |= u64::from(b & 0x7f) << shift;
        shift += 7;
    }
    Err(VarintError::Truncated)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn padded_and_non_minimal_varints_read() {
        assert_eq!(uvarint(&[0x98, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x00]), Ok((24, 10)));
        assert_eq!(uvarint(&[0x85, 0x00]), Ok((5, 2)));
        assert_eq!(uvarint(&[0xff; 9].iter().copied().chain([1]).collect::<Vec<_>>()), Ok((u64::MAX, 10)));
    }

    #[test]
    fn overflow_and_truncation_are_told_apart() {
        assert_eq!(uvarint(&[0xff; 9].iter().copied().chain([2]).collect::<Vec<_>>()), Err(VarintError::Overflow));
        assert_eq!(uvarint(&[0x80; 11]), Err(VarintError::Overflow));
        assert_eq!(uvarint(&[0x80, 0x80]), Err(VarintError::Truncated));
        assert_eq!(uvarint(&[]), Err(VarintError::Truncated));
    }
}
