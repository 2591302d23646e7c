//! Merging the per-P streams into one (trace-format.md §5.6): Go 1.21's `order1005` for
//! 1.5/1.6, and for 1.7+ the goroutine-sequence merge of `order1007`, which Go 1.27's
//! v1 reader kept. Each P's events are read again from its batches as the merge takes
//! them, so that only the merged stream is ever held, as [`Rec`]s.

use std::cmp::Reverse;
use std::collections::binary_heap::PeekMut;
use std::collections::BinaryHeap;

use super::event::{Event, EventType as T, Rec};
use super::parse::{event, in_p_stream, PState, Parsed, Run, Sample};
use super::records::{Records, Writer};
use super::wire::{Reader, Record};
use super::{malformed, Minor};
use crate::dense_map::DenseMap;
use crate::error::Error;
use crate::hash::IdMap;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
enum Status {
    #[default]
    Dead,
    Runnable,
    Running,
    Waiting,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
struct GState {
    seq: u64,
    status: Status,
}

// Go's sentinels, kept as they are: a goroutine with one of these IDs behaves as in Go.
const UNORDERED: u64 = u64::MAX;
const GC_SEQUENCE: u64 = u64::MAX - 1;
const NOSEQ: u64 = u64::MAX;
const SEQINC: u64 = u64::MAX - 1;

/// The goroutine whose sequence orders `ev`, the state it must be in, and the state after.
fn transition_of(ev: &Event) -> (u64, GState, GState) {
    use Status::*;
    let st = |seq, status| GState { seq, status };
    match ev.kind {
        T::GoCreate => (ev.args[0], st(0, Dead), st(1, Runnable)),
        T::GoWaiting | T::GoInSyscall => (ev.g, st(1, Runnable), st(2, Waiting)),
        T::GoStart | T::GoStartLabel => (ev.g, st(ev.args[1], Runnable), st(ev.args[1].wrapping_add(1), Running)),
        T::GoStartLocal => (ev.g, st(NOSEQ, Runnable), st(SEQINC, Running)),
        T::GoBlock
        | T::GoBlockSend
        | T::GoBlockRecv
        | T::GoBlockSelect
        | T::GoBlockSync
        | T::GoBlockCond
        | T::GoBlockNet
        | T::GoSleep
        | T::GoSysBlock
        | T::GoBlockGC => (ev.g, st(NOSEQ, Running), st(NOSEQ, Waiting)),
        T::GoSched | T::GoPreempt => (ev.g, st(NOSEQ, Running), st(NOSEQ, Runnable)),
        T::GoUnblock | T::GoSysExit => (ev.args[0], st(ev.args[1], Waiting), st(ev.args[1].wrapping_add(1), Runnable)),
        T::GoUnblockLocal | T::GoSysExitLocal => (ev.args[0], st(NOSEQ, Waiting), st(SEQINC, Runnable)),
        T::GCStart => (GC_SEQUENCE, st(ev.args[0], Dead), st(ev.args[0].wrapping_add(1), Dead)),
        _ => (UNORDERED, GState::default(), GState::default()),
    }
}

fn ready(g: u64, current: GState, init: GState) -> bool {
    g == UNORDERED || (init.seq == NOSEQ || init.seq == current.seq) && init.status == current.status
}

fn time_order_error(ev: &Event, previous: i64) -> Error {
    malformed(
        format!("time stamps out of order: {} at tick {} is ordered after an event at tick {previous}", ev.kind, ev.ts),
        ev.offset as usize,
    )
}

/// Where a stream's events come from.
enum Source {
    /// A P's batches, read again from the file.
    Batches { p: i32, runs: Vec<Run>, run: usize, pos: usize, state: PState },
    /// CPU samples, already sorted.
    Samples { samples: Vec<Sample>, next: usize },
}

/// One P's events (or the CPU samples) in file order, read one ahead.
struct Stream {
    source: Source,
    head: Option<Event>,
    /// 1.5/1.6: the global sequence number of `head`.
    head_seq: i64,
}

impl Stream {
    fn new(source: Source, r: &mut Reader<'_>) -> Result<Stream, Error> {
        let mut s = Stream { source, head: None, head_seq: 0 };
        if let Source::Batches { runs, pos, state, .. } = &mut s.source {
            if let Some(first) = runs.first() {
                (*pos, state.ts, state.seq) = (first.start as usize, first.ts, first.seq);
            }
        }
        s.advance(r)?;
        Ok(s)
    }

    /// Reads the next event into `head`.
    fn advance(&mut self, r: &mut Reader<'_>) -> Result<(), Error> {
        self.head = None;
        match &mut self.source {
            Source::Samples { samples, next } => {
                if let Some(&Sample { ts, g, offset }) = samples.get(*next) {
                    *next += 1;
                    self.head = Some(Event { ts, g, args: [0; 4], stack: 0, p: 0, offset, kind: T::CPUSample });
                }
            }
            Source::Batches { p, runs, run, pos, state } => {
                let minor = r.minor();
                while let Some(current) = runs.get(*run) {
                    if *pos >= current.end as usize {
                        *run += 1;
                        if let Some(next) = runs.get(*run) {
                            (*pos, state.ts, state.seq) = (next.start as usize, next.ts, next.seq);
                        }
                        continue;
                    }
                    let at = *pos;
                    r.seek(at);
                    let record = r.next()?;
                    *pos = r.pos();
                    let kind = match record {
                        Some(Record::Event { kind, .. }) => kind,
                        Some(Record::String { .. }) => continue,
                        None => break,
                    };
                    if in_p_stream(kind) {
                        self.head = Some(event(kind, &r.values, *p, state, minor, at));
                        self.head_seq = state.seq;
                        break;
                    }
                }
            }
        }
        Ok(())
    }
}

/// Every P's stream, CPU samples (sorted by time) last.
fn streams(parsed: &mut Parsed<'_>, r: &mut Reader<'_>) -> Result<Vec<Stream>, Error> {
    let mut streams = Vec::with_capacity(parsed.procs.len() + 1);
    for (p, runs) in std::mem::take(&mut parsed.procs) {
        streams.push(Stream::new(Source::Batches { p, runs, run: 0, pos: 0, state: PState::default() }, r)?);
    }
    let mut samples = std::mem::take(&mut parsed.cpu_samples);
    if !samples.is_empty() {
        samples.sort_by_key(|sample| sample.ts);
        streams.push(Stream::new(Source::Samples { samples, next: 0 }, r)?);
    }
    Ok(streams)
}

/// 1.5/1.6: every event carries a global sequence number; timestamps must agree with it.
pub(super) fn order_by_seq(data: &[u8], minor: Minor, mut parsed: Parsed<'_>) -> Result<Records, Error> {
    let mut r = Reader::new(data, 0, minor);
    let mut streams = streams(&mut parsed, &mut r)?;
    // File order: the stream whose next event comes first in the file.
    let mut next: BinaryHeap<Reverse<(u32, usize)>> =
        streams.iter().enumerate().filter_map(|(i, s)| Some(Reverse((s.head?.offset, i)))).collect();
    // (sequence number, record): 1.5/1.6 traces are small, and sorting them needs them whole.
    let mut seqs: Vec<(i64, Rec)> = Vec::with_capacity(parsed.events);
    while let Some(Reverse((_, i))) = next.pop() {
        let s = &mut streams[i];
        let (Some(mut ev), mut seq) = (s.head, s.head_seq) else { continue };
        s.advance(&mut r)?;
        if let Some(head) = s.head {
            next.push(Reverse((head.offset, i)));
        }
        if ev.kind == T::GoSysExit {
            // Emission waits until the thread has a P; the arguments hold the real ones.
            seq = ev.args[1] as i64;
            if ev.args[2] != 0 {
                ev.ts = ev.args[2] as i64;
            }
        }
        seqs.push((seq, Rec { ts: ev.ts, offset: ev.offset, g: ev.g }));
    }
    // Stable: events with equal sequence numbers stay in file order.
    seqs.sort_by_key(|&(seq, _)| seq);
    if let Some(w) = seqs.windows(2).find(|w| w[1].1.ts < w[0].1.ts) {
        let at = w[1].1;
        r.seek(at.offset as usize);
        let kind = match r.next()? {
            Some(Record::Event { kind, .. }) => kind,
            _ => T::None,
        };
        let ev = Event { ts: at.ts, g: at.g, args: [0; 4], stack: 0, p: 0, offset: at.offset, kind };
        return Err(time_order_error(&ev, w[0].1.ts));
    }
    let mut recs = Writer::with_expected(seqs.len());
    for (_, rec) in seqs {
        recs.push(rec);
    }
    Ok(recs.finish())
}

/// Procs whose head event waits for a goroutine to reach a given state. Waking exactly the
/// procs a transition makes ready keeps the merge linear; Go re-checks every P per event,
/// which yields the same candidates.
type Waiters = IdMap<(u64, GState), Vec<usize>>;

struct Merge {
    streams: Vec<Stream>,
    /// By goroutine ID as i64 (distinct IDs stay distinct): IDs are small and dense, and
    /// an array beats hashing on every event.
    gs: DenseMap<GState>,
    waiting: Waiters,
    frontier: BinaryHeap<Reverse<(i64, usize)>>,
}

/// The merged stream as it is written.
struct Merged {
    recs: Writer,
    exits: SyscallExits,
    /// The first events out of time order: reported once the merge is known to succeed.
    unsorted: Option<Error>,
    previous_ts: i64,
}

impl Merge {
    /// Takes the next events in order into `out`; `false` when no P has one left. Out of
    /// line, for [`crate::trace::repeat`].
    #[inline(never)]
    fn steps(&mut self, r: &mut Reader<'_>, out: &mut Merged) -> Result<bool, Error> {
        for _ in 0..crate::trace::STEP {
            if !self.step(r, out)? {
                return Ok(false);
            }
        }
        Ok(true)
    }

    /// Takes the next event in order into `out`; `false` when no P has one left.
    #[inline(always)]
    fn step(&mut self, r: &mut Reader<'_>, out: &mut Merged) -> Result<bool, Error> {
        let Some(&Reverse((_, i))) = self.frontier.peek() else { return Ok(false) };
        let Some(mut ev) = self.streams[i].head else {
            self.frontier.pop();
            return Ok(true);
        };
        self.streams[i].advance(r)?;
        let (g, init, mut next) = transition_of(&ev);
        if g != UNORDERED {
            let current = self.gs.get(&(g as i64)).copied().unwrap_or_default();
            // A candidate stays queued while another P's event moves its goroutine on;
            // Go 1.27 fails here too (Go 1.21 panicked).
            if !ready(g, current, init) {
                return Err(malformed(
                    format!("encountered impossible goroutine state transition ({} of goroutine {g})", ev.kind),
                    ev.offset as usize,
                ));
            }
            match next.seq {
                NOSEQ => next.seq = current.seq,
                SEQINC => next.seq = current.seq.wrapping_add(1),
                _ => {}
            }
            self.gs.insert(g as i64, next);
        }
        ev.kind = ev.kind.normal();
        if ev.ts < out.previous_ts && out.unsorted.is_none() {
            out.unsorted = Some(time_order_error(&ev, out.previous_ts));
        }
        out.previous_ts = ev.ts;
        out.exits.take(&mut ev, &mut out.recs);
        self.offer(i, true);
        if g != UNORDERED {
            self.wake(g, next);
        }
        Ok(true)
    }

    /// Makes stream `i`'s head a candidate if its goroutine is ready, else parks it. With
    /// `replace_top`, stream `i` is the frontier's top, whose event was just taken: the new
    /// candidate replaces it in one sift (the common case: a P's events run in a row).
    fn offer(&mut self, i: usize, replace_top: bool) {
        let candidate = self.streams[i].head.as_ref().and_then(|ev| {
            let (g, init, _) = transition_of(ev);
            let current = self.gs.get(&(g as i64)).copied().unwrap_or_default();
            if ready(g, current, init) {
                Some(ev.ts)
            } else {
                self.waiting.entry((g, init)).or_default().push(i);
                None
            }
        });
        if replace_top {
            if let Some(mut top) = self.frontier.peek_mut() {
                match candidate {
                    Some(ts) => *top = Reverse((ts, i)),
                    None => {
                        PeekMut::pop(top);
                    }
                }
                return;
            }
        }
        if let Some(ts) = candidate {
            self.frontier.push(Reverse((ts, i)));
        }
    }

    fn wake(&mut self, g: u64, state: GState) {
        if self.waiting.is_empty() {
            return;
        }
        for seq in [state.seq, NOSEQ] {
            if let Some(streams) = self.waiting.remove(&(g, GState { seq, status: state.status })) {
                for i in streams {
                    self.offer(i, false);
                }
            }
        }
    }
}

/// 1.7+: merges per-P streams (CPU samples last, as their own stream) by the smallest
/// timestamp among events whose goroutine is in the state they require. Ties go to the
/// P seen first in the file: Go breaks them by map iteration order, i.e. at random.
/// The merged stream must then be in time order; syscall exits finally move to when the
/// syscall returned (see [`SyscallExits`]).
pub(super) fn order_by_goroutine(data: &[u8], minor: Minor, mut parsed: Parsed<'_>) -> Result<Records, Error> {
    let total = parsed.events + parsed.cpu_samples.len();
    let mut r = Reader::new(data, 0, minor);
    let mut m = Merge {
        streams: streams(&mut parsed, &mut r)?,
        gs: DenseMap::default(),
        waiting: Waiters::default(),
        frontier: BinaryHeap::new(),
    };
    for i in 0..m.streams.len() {
        m.offer(i, false);
    }
    let mut out = Merged {
        recs: Writer::with_expected(total),
        exits: SyscallExits::default(),
        unsorted: None,
        previous_ts: i64::MIN,
    };
    crate::trace::repeat(|| m.steps(&mut r, &mut out))?;
    let Merged { recs, mut exits, unsorted, .. } = out;
    if recs.len() + exits.moved.len() != total {
        let stuck = m.streams.iter().filter_map(|s| s.head).min_by_key(|ev| ev.offset);
        let (what, offset) = match stuck {
            Some(ev) => (format!("{} of goroutine {} can never happen", ev.kind, transition_of(&ev).0), ev.offset),
            None => (String::new(), 0),
        };
        return Err(malformed(format!("no consistent ordering of events possible: {what}"), offset as usize));
    }
    if let Some(e) = unsorted.or(exits.error.take()) {
        return Err(e);
    }
    Ok(exits.merge_into(recs.finish()))
}

/// A GoSysExit is written when the goroutine gets a P back; its argument holds when the
/// syscall really returned. Applied only once the merged stream is known to be in time
/// order, so that broken clocks surface as ordering errors rather than as a misplaced
/// event. The exits set aside here are the only events out of order once moved.
#[derive(Default)]
struct SyscallExits {
    last_block: IdMap<u64, i64>,
    /// With the number of other events before them in the merged stream.
    moved: Vec<(Rec, u32)>,
    error: Option<Error>,
}

impl SyscallExits {
    /// Appends the next event of the merged stream to `recs`, or sets it aside.
    fn take(&mut self, ev: &mut Event, recs: &mut Writer) {
        match ev.kind {
            T::GoSysBlock | T::GoInSyscall => {
                self.last_block.insert(ev.g, ev.ts);
            }
            T::GoSysExit if ev.args[2] != 0 => {
                let ts = ev.args[2] as i64;
                let block = self.last_block.get(&ev.g).copied().unwrap_or(0);
                if self.error.is_none() {
                    if block == 0 {
                        self.error = Some(malformed(
                            format!("stray syscall exit of goroutine {}: no syscall block before it", ev.g),
                            ev.offset as usize,
                        ));
                    } else if ts < block {
                        self.error = Some(time_order_error(ev, block));
                    }
                }
                ev.ts = ts;
                self.moved.push((Rec { ts: ev.ts, offset: ev.offset, g: ev.g }, recs.len() as u32));
                return;
            }
            _ => {}
        }
        recs.push(Rec { ts: ev.ts, offset: ev.offset, g: ev.g });
    }

    /// Merges the exits into `recs` (sorted by time) as a stable sort of the merged stream
    /// by time would place them.
    fn merge_into(mut self, recs: Records) -> Records {
        self.moved.sort_by_key(|(rec, _)| rec.ts);
        recs.with_moved(self.moved)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn moved_exits_merge_back_by_time_after_the_events_taken_before_them() {
        let stream: Vec<Rec> = (0..5000u32).map(|i| Rec { ts: i64::from(i / 3), offset: i, g: 1 }).collect();
        // Each exit: its time, and how many other events were taken before it.
        let moved: Vec<(Rec, u32)> = (0..700u32)
            .map(|j| (Rec { ts: i64::from(j * 7 % 1700), offset: 100_000 + j, g: 2 }, (j * 11 % 5001).min(5000)))
            .collect();
        // A stable sort by time of the stream with each exit where it was taken.
        let mut keyed: Vec<((i64, u32, u8), Rec)> =
            stream.iter().enumerate().map(|(k, &rec)| ((rec.ts, k as u32, 1), rec)).collect();
        keyed.extend(moved.iter().map(|&(rec, before)| ((rec.ts, before, 0), rec)));
        keyed.sort_by_key(|&(key, _)| key);
        let mut w = Writer::with_expected(stream.len());
        for &rec in &stream {
            w.push(rec);
        }
        let exits = SyscallExits { moved, ..SyscallExits::default() };
        let merged = exits.merge_into(w.finish());
        assert_eq!(merged.len(), keyed.len());
        assert!(merged.freeing_iter().eq(keyed.into_iter().map(|(_, rec)| rec)));
    }
}
