//! Per-M cursors over a generation's event batches and the min-heap Go keeps them in
//! (`internal/trace/batchcursor.go`). The heap is replicated operation for operation so
//! that events with equal timestamps come out in Go's order; it holds only each cursor's
//! time and index, so that sifting moves 16 bytes instead of whole cursors.

use crate::generation::{BatchRef, Freq};
use crate::order::BaseEvent;
use crate::reader::uvarint;
use crate::wire::{LAYOUT, NOT_TIMED};

#[derive(Clone, Copy, PartialEq, Eq)]
enum Ahead {
    /// The event is in `evs[head ^ 1]`.
    Event,
    /// The M has no more events.
    End,
    Failed,
}

pub(crate) struct Cursor {
    /// Index of the M in the generation's thread list.
    pub slot: usize,
    pub m: i64,
    /// Index of the next batch to read.
    idx: usize,
    /// The unread part of the current batch: `data[pos..end]`.
    pos: usize,
    end: usize,
    /// File offset of `data[0]` in the current batch's terms.
    base: u64,
    /// The current batch's start time, in ticks.
    batch_time: u64,
    last_ts: i64,
    /// The M's next event (`evs[head]`, the one in the frontier) and the event after it,
    /// read ahead: events are reported as they are taken, and when reading the one after
    /// fails, Go reports that error instead of the event, so it must be known first.
    evs: [BaseEvent; 2],
    /// File offsets of `evs`.
    offsets: [u64; 2],
    /// Only its low bit is used: masking it spares the bounds checks.
    head: usize,
    /// What reading the event after the head gave.
    ahead: Ahead,
    /// The error to report once the head is taken, when `ahead` is `Failed`.
    ahead_error: Option<(String, u64)>,
    /// The ordering's state slot for `m`, once looked up.
    pub m_slot: Option<usize>,
}

impl Cursor {
    pub(crate) fn new(slot: usize, m: i64) -> Cursor {
        Cursor {
            slot,
            m,
            idx: 0,
            pos: 0,
            end: 0,
            base: 0,
            batch_time: 0,
            last_ts: 0,
            evs: [BaseEvent::default(); 2],
            offsets: [0; 2],
            head: 0,
            ahead: Ahead::End,
            ahead_error: None,
            m_slot: None,
        }
    }

    /// The M's next event.
    pub(crate) fn ev(&self) -> &BaseEvent {
        &self.evs[self.head & 1]
    }

    /// What the ordering needs to take the next event: the event, the M, the M's slot.
    pub(crate) fn parts(&mut self) -> (&mut BaseEvent, i64, &mut Option<usize>) {
        (&mut self.evs[self.head & 1], self.m, &mut self.m_slot)
    }

    /// File offset of the M's next event.
    pub(crate) fn ev_offset(&self) -> u64 {
        self.offsets[self.head & 1]
    }

    /// Taking the next event will fail: the one after it cannot be read.
    pub(crate) fn ahead_failed(&self) -> bool {
        self.ahead == Ahead::Failed
    }

    /// Reads the M's first event (and the one after it); `Ok(false)` if it has none.
    /// On error, returns the message and the file offset.
    pub(crate) fn start(&mut self, batches: &[BatchRef], data: &[u8], freq: Freq) -> Result<bool, (String, u64)> {
        self.read_ahead(batches, data, freq);
        self.next(batches, data, freq)
    }

    /// Moves past the event just taken; `Ok(false)` when the M has no more.
    #[inline]
    pub(crate) fn next(&mut self, batches: &[BatchRef], data: &[u8], freq: Freq) -> Result<bool, (String, u64)> {
        match self.ahead {
            Ahead::Event => {
                self.head ^= 1;
                self.read_ahead(batches, data, freq);
                Ok(true)
            }
            Ahead::End => Ok(false),
            Ahead::Failed => Err(self.ahead_error.take().unwrap_or_default()),
        }
    }

    #[inline(always)]
    fn read_ahead(&mut self, batches: &[BatchRef], data: &[u8], freq: Freq) {
        self.ahead = self.read(batches, data, freq);
    }

    #[cold]
    fn fail(&mut self, what: String, at: u64) -> Ahead {
        self.ahead_error = Some((what, at));
        Ahead::Failed
    }

    /// Moves to the next non-empty batch; `false` when there is none.
    #[cold]
    fn next_batch(&mut self, batches: &[BatchRef]) -> bool {
        while let Some(b) = batches.get(self.idx) {
            self.idx += 1;
            if b.end > b.start {
                self.pos = b.start;
                self.end = b.end;
                self.base = b.offset.wrapping_sub(b.start as u64);
                self.batch_time = b.time;
                self.last_ts = 0;
                return true;
            }
        }
        false
    }

    /// Reads the event after the head into the other slot. Kept out of line: inlined
    /// into the reader loop it costs more (in spilled registers) than the call.
    #[inline(never)]
    fn read(&mut self, batches: &[BatchRef], data: &[u8], freq: Freq) -> Ahead {
        if self.pos >= self.end && !self.next_batch(batches) {
            return Ahead::End;
        }
        // Go re-bases whenever the running time is 0, not only at a batch start.
        if self.last_ts == 0 {
            self.last_ts = freq.mul(self.batch_time);
        }
        let buf = &data[self.pos..self.end];
        let at = self.base.wrapping_add(self.pos as u64);
        let typ = buf[0];
        let args = usize::from(LAYOUT[usize::from(typ)].args);
        if args == usize::from(NOT_TIMED) {
            return self.fail(not_timed(typ), at);
        }
        let mut n = 1;
        let Some(dt) = read_uvarint(buf, &mut n) else {
            return self.fail("found invalid uvarint for timestamp".into(), at);
        };
        // Written in place, field by field: building the event in a local and copying it
        // here makes wide loads of just-stored narrow values, which stalls.
        let slot = (self.head ^ 1) & 1;
        self.evs[slot].args = [0; 4];
        for i in 0..args {
            let Some(v) = read_uvarint(buf, &mut n) else {
                return self.fail("found invalid uvarint".into(), at);
            };
            self.evs[slot].args[i] = v;
        }
        let time = freq.mul(dt).wrapping_add(self.last_ts);
        self.last_ts = time;
        let ev = &mut self.evs[slot];
        ev.typ = typ;
        ev.time = time;
        ev.extra = [0; 2];
        self.offsets[slot] = at;
        self.pos += n;
        prefetch(data, self.pos + PREFETCH_AHEAD);
        Ahead::Event
    }
}

/// Bytes ahead of a cursor to ask the cache for. Each M's batches are read in order, but
/// the merge interleaves dozens of them, more streams than the hardware prefetcher follows.
const PREFETCH_AHEAD: usize = 512;

#[inline(always)]
fn prefetch(data: &[u8], at: usize) {
    #[cfg(target_arch = "x86_64")]
    if let Some(b) = data.get(at) {
        // SAFETY: a prefetch of a valid address; it neither reads nor faults.
        unsafe { std::arch::x86_64::_mm_prefetch(b as *const u8 as *const i8, std::arch::x86_64::_MM_HINT_T0) }
    }
    #[cfg(not(target_arch = "x86_64"))]
    let _ = (data, at);
}

#[cold]
fn not_timed(typ: u8) -> String {
    if typ > 136 {
        format!("found invalid event type: {typ}")
    } else {
        format!("found event without a timestamp: type={typ}")
    }
}

/// Reads the varint at `buf[*n..]` and moves `n` past it. One- and two-byte varints
/// (most IDs, sequence numbers and time deltas) are decoded here; longer ones by the
/// general reader, which applies Go's overflow rules.
#[inline(always)]
fn read_uvarint(buf: &[u8], n: &mut usize) -> Option<u64> {
    let b0 = *buf.get(*n)?;
    if b0 < 0x80 {
        *n += 1;
        return Some(u64::from(b0));
    }
    match buf.get(*n + 1) {
        Some(&b1) if b1 < 0x80 => {
            *n += 2;
            Some(u64::from(b0 & 0x7f) | u64::from(b1) << 7)
        }
        _ => {
            let (v, len) = uvarint(&buf[*n..]).ok()?;
            *n += len;
            Some(v)
        }
    }
}

/// A frontier entry: the time of cursor `slot`'s current event.
#[derive(Clone, Copy)]
pub(crate) struct Entry {
    pub time: i64,
    pub slot: usize,
}

pub(crate) fn heap_insert(heap: &mut Vec<Entry>, c: Entry) {
    heap.push(c);
    let last = heap.len() - 1;
    sift_up(heap, last);
}

pub(crate) fn heap_update(heap: &mut [Entry], i: usize) {
    if sift_up(heap, i) != i {
        return;
    }
    sift_down(heap, i);
}

pub(crate) fn heap_remove(heap: &mut Vec<Entry>, mut i: usize) {
    while i > 0 {
        heap.swap((i - 1) / 2, i);
        i = (i - 1) / 2;
    }
    let last = heap.len() - 1;
    heap.swap(0, last);
    heap.pop();
    sift_down(heap, 0);
}

fn sift_up(heap: &mut [Entry], mut i: usize) -> usize {
    while i > 0 && heap[(i - 1) / 2].time > heap[i].time {
        heap.swap((i - 1) / 2, i);
        i = (i - 1) / 2;
    }
    i
}

fn sift_down(heap: &mut [Entry], mut i: usize) {
    loop {
        let mut m = i;
        let mut min_t = heap.get(i).map_or(i64::MAX, |c| c.time);
        for j in [2 * i + 1, 2 * i + 2] {
            if let Some(c) = heap.get(j) {
                if c.time < min_t {
                    min_t = c.time;
                    m = j;
                }
            }
        }
        if m == i {
            return;
        }
        heap.swap(i, m);
        i = m;
    }
}
