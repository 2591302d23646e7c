//! The ordered stream's records, a 64-bit word each: the event's offset, and its time and
//! goroutine as differences from the record before (the stream is in time order, and
//! consecutive events mostly run on one goroutine or on goroutines created close
//! together). A difference that does not fit (a long gap, goroutines far apart) is
//! followed by a word with the whole value. 16 bytes of fixed-width fields took three
//! times the file; these take under twice, and read as fast as fixed-width ones.
//!
//! Once written, the words are reversed: the stream then reads from the end of the vector,
//! and the conversion, which reads it last, gives back its tail as it goes (see
//! [`give_back`]; freeing the front of a vector would need chunks, each kept whole until
//! read): the stream and the model it becomes are never both whole in memory, and never
//! more than a step of the stream beside the model.

use super::event::Rec;

/// The record's time is in the next word.
const WIDE_TS: u16 = u16::MAX;
/// The record's goroutine is in the word after it (and after the time's).
const WIDE_G: i16 = i16::MIN;

/// Words read between two shrinks of the stream the conversion reads: 1 MB.
const SHRINK_STEP: usize = 1 << 17;

/// The record word: offset in the low 32 bits, then the tick and goroutine differences.
fn pack(offset: u32, dt: u16, dg: i16) -> u64 {
    u64::from(offset) | u64::from(dt) << 32 | u64::from(dg as u16) << 48
}

fn unpack(word: u64) -> (u32, u16, i16) {
    (word as u32, (word >> 32) as u16, (word >> 48) as u16 as i16)
}

/// The stream as it is written, in order.
#[derive(Default)]
pub(super) struct Writer {
    words: Vec<u64>,
    len: usize,
    /// The last record pushed, which the next is encoded against.
    last: Rec,
}

impl Writer {
    /// A writer for about `records` records (some take more than a word: an eighth of
    /// them in a trace of millions of goroutines).
    pub fn with_expected(records: usize) -> Writer {
        let mut words = Vec::new();
        // Only a hint: refused, the vector grows as records come.
        let _ = words.try_reserve(records.saturating_add(records / 4));
        Writer { words, ..Writer::default() }
    }

    pub fn len(&self) -> usize {
        self.len
    }

    #[inline]
    pub fn push(&mut self, rec: Rec) {
        let dt = u16::try_from(rec.ts.wrapping_sub(self.last.ts)).ok().filter(|&dt| dt != WIDE_TS);
        let dg = i16::try_from(rec.g.wrapping_sub(self.last.g) as i64).ok().filter(|&dg| dg != WIDE_G);
        self.words.push(pack(rec.offset, dt.unwrap_or(WIDE_TS), dg.unwrap_or(WIDE_G)));
        if dt.is_none() {
            self.words.push(rec.ts as u64);
        }
        if dg.is_none() {
            self.words.push(rec.g);
        }
        self.last = rec;
        self.len += 1;
    }

    /// The stream, to be read.
    pub fn finish(mut self) -> Records {
        // Not shrunk: the room left was never touched, so it takes no memory, and the
        // conversion shrinks the vector anyway. Shrinking it here would also have glibc
        // map each stream of a small file anew (it maps blocks larger than the largest
        // it has seen freed), which costs more than decoding it.
        self.words.reverse();
        Records { words: self.words, moved: Vec::new(), len: self.len }
    }
}

/// The stream, its words reversed, and the records to merge back into it.
#[derive(Default)]
pub(super) struct Records {
    words: Vec<u64>,
    /// Records taken out of the stream to go back by time, each with the number of the
    /// stream's records that come before it, in order. Merged as the stream is read:
    /// written into it again, the stream would be whole twice in WebAssembly, whose
    /// memory is never given back.
    moved: Vec<(Rec, u32)>,
    len: usize,
}

impl Records {
    pub fn len(&self) -> usize {
        self.len
    }

    /// The stream with `moved` (sorted by time, each with the number of stream records
    /// taken before it, which it follows if their times are equal) merged back as a
    /// stable sort of the whole by time would place them: one pass over the stream finds
    /// where each goes.
    pub fn with_moved(mut self, mut moved: Vec<(Rec, u32)>) -> Records {
        let mut r = Reader::new(self.words.len());
        let (mut k, mut rec) = (0, r.read(&self.words));
        for (exit, at) in &mut moved {
            while rec.is_some_and(|rec| rec.ts < exit.ts || rec.ts == exit.ts && k < *at as usize) {
                k += 1;
                rec = r.read(&self.words);
            }
            *at = k as u32;
        }
        self.len += moved.len();
        self.moved = moved;
        self
    }

    pub fn first(&self) -> Option<Rec> {
        self.iter().next()
    }

    pub fn iter(&self) -> impl Iterator<Item = Rec> + '_ {
        let mut r = Reader::new(self.words.len());
        std::iter::from_fn(move || r.next(&self.words, &self.moved))
    }

    /// The records, the stream giving back its memory as it is read.
    pub fn freeing_iter(self) -> impl Iterator<Item = Rec> {
        let (mut words, moved) = (self.words, self.moved);
        let mut r = Reader::new(words.len());
        std::iter::from_fn(move || {
            let rec = r.next(&words, &moved);
            give_back(&mut words, r.pos);
            rec
        })
    }

    /// Keeps the records for whose index `keep` is true, in order.
    pub fn retain_indices(&mut self, keep: impl Fn(usize) -> bool) {
        let old = std::mem::take(self);
        let mut kept = Writer::with_expected(old.len);
        for (i, rec) in old.freeing_iter().enumerate() {
            if keep(i) {
                kept.push(rec);
            }
        }
        *self = kept.finish();
    }
}

/// Gives back the words after `unread`, once there is a step of them. Natively, glibc
/// shrinks a block it mapped on its own by unmapping its tail, without copying it (and a
/// stream of a few MB lives among the rest of the heap anyway). WebAssembly memory is never
/// given back, and its allocator would copy the block to shrink it: there the words stay.
fn give_back(words: &mut Vec<u64>, unread: usize) {
    if cfg!(target_arch = "wasm32") || words.len() - unread < SHRINK_STEP {
        return;
    }
    words.truncate(unread);
    words.shrink_to_fit();
}

/// Reads records from the end of the reversed words, merging the moved ones in.
struct Reader {
    /// Words before `pos` are not read yet.
    pos: usize,
    last: Rec,
    /// Stream records returned so far, and moved ones.
    taken: usize,
    moved_taken: usize,
}

impl Reader {
    fn new(words: usize) -> Reader {
        Reader { pos: words, last: Rec::default(), taken: 0, moved_taken: 0 }
    }

    #[inline]
    fn next(&mut self, words: &[u64], moved: &[(Rec, u32)]) -> Option<Rec> {
        if let Some(&(rec, at)) = moved.get(self.moved_taken) {
            if at as usize == self.taken {
                self.moved_taken += 1;
                return Some(rec);
            }
        }
        self.taken += 1;
        self.read(words)
    }

    /// The stream's next record.
    #[inline]
    fn read(&mut self, words: &[u64]) -> Option<Rec> {
        let (offset, dt, dg) = unpack(self.word(words)?);
        let ts = if dt == WIDE_TS { self.word(words)? as i64 } else { self.last.ts.wrapping_add(i64::from(dt)) };
        let g = if dg == WIDE_G { self.word(words)? } else { self.last.g.wrapping_add(dg as u64) };
        // Returned from the values, not read back from `last`: reading the record whole
        // right after storing its fields one by one stalls on every record.
        let rec = Rec { ts, offset, g };
        self.last = rec;
        Some(rec)
    }

    #[inline]
    fn word(&mut self, words: &[u64]) -> Option<u64> {
        self.pos = self.pos.checked_sub(1)?;
        words.get(self.pos).copied()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_back_what_was_pushed() {
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
        // Expecting few records makes the vector grow.
        let mut w = Writer::with_expected(10);
        for &rec in &want {
            w.push(rec);
        }
        let mut recs = w.finish();
        assert_eq!(recs.len(), want.len());
        assert!(recs.iter().eq(want.iter().copied()));
        recs.retain_indices(|i| i % 3 != 1);
        let kept: Vec<Rec> = want.iter().enumerate().filter(|(i, _)| i % 3 != 1).map(|(_, &r)| r).collect();
        assert_eq!(recs.first(), kept.first().copied());
        assert!(recs.freeing_iter().eq(kept));
    }
}
