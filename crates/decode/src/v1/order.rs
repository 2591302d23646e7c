//! Merging the per-P streams into one (trace-format.md §5.6): Go 1.21's `order1005` for
//! 1.5/1.6, and for 1.7+ the goroutine-sequence merge of `order1007`, which Go 1.27's
//! v1 reader kept.

use std::cmp::Reverse;
use std::collections::binary_heap::PeekMut;
use std::collections::BinaryHeap;
use std::ops::Range;

use super::event::{Event, EventType as T};
use super::malformed;
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

fn check_sorted(events: &[Event], order: &[u32]) -> Result<(), Error> {
    let ts = |i: u32| events[i as usize].ts;
    match order.windows(2).find(|w| ts(w[1]) < ts(w[0])) {
        Some(w) => Err(time_order_error(&events[w[1] as usize], ts(w[0]))),
        None => Ok(()),
    }
}

/// Moves `events[order[k]]` to position `k`, in place: a v1 trace can hold tens of
/// millions of events, and a browser tab cannot hold two copies of them.
fn permute(events: &mut [Event], mut order: Vec<u32>) {
    const DONE: u32 = u32::MAX;
    for start in 0..order.len() {
        if order[start] == DONE {
            continue;
        }
        let first = events[start];
        let mut k = start;
        loop {
            let from = order[k] as usize;
            order[k] = DONE;
            if from == start {
                events[k] = first;
                break;
            }
            events[k] = events[from];
            k = from;
        }
    }
}

/// 1.5/1.6: every event carries a global sequence number; timestamps must agree with it.
pub(super) fn order_by_seq(mut events: Vec<Event>, mut seqs: Vec<i64>) -> Result<Vec<Event>, Error> {
    for (ev, seq) in events.iter_mut().zip(seqs.iter_mut()) {
        if ev.kind == T::GoSysExit {
            // Emission waits until the thread has a P; the arguments hold the real ones.
            *seq = ev.args[1] as i64;
            if ev.args[2] != 0 {
                ev.ts = ev.args[2] as i64;
            }
        }
    }
    let mut order: Vec<u32> = (0..events.len() as u32).collect();
    order.sort_by_key(|&i| seqs[i as usize]);
    check_sorted(&events, &order)?;
    permute(&mut events, order);
    Ok(events)
}

/// A P's events: runs of the file-order event list.
struct Stream {
    runs: Vec<Range<u32>>,
    run: usize,
    next: u32,
}

impl Stream {
    fn new(runs: Vec<Range<u32>>) -> Stream {
        let next = runs.first().map_or(0, |r| r.start);
        Stream { runs, run: 0, next }
    }

    fn head(&self) -> Option<u32> {
        (self.run < self.runs.len()).then_some(self.next)
    }

    fn advance(&mut self) {
        self.next += 1;
        if self.next == self.runs[self.run].end {
            self.run += 1;
            self.next = self.runs.get(self.run).map_or(0, |r| r.start);
        }
    }
}

/// Procs whose head event waits for a goroutine to reach a given state. Waking exactly the
/// procs a transition makes ready keeps the merge linear; Go re-checks every P per event,
/// which yields the same candidates.
type Waiters = IdMap<(u64, GState), Vec<usize>>;

struct Merge<'e> {
    events: &'e [Event],
    streams: Vec<Stream>,
    /// By goroutine ID as i64 (distinct IDs stay distinct): IDs are small and dense, and
    /// an array beats hashing on every event.
    gs: DenseMap<GState>,
    waiting: Waiters,
    frontier: BinaryHeap<Reverse<(i64, usize)>>,
}

impl Merge<'_> {
    /// Makes stream `i`'s head a candidate if its goroutine is ready, else parks it. With
    /// `replace_top`, stream `i` is the frontier's top, whose event was just taken: the new
    /// candidate replaces it in one sift (the common case: a P's events run in a row).
    fn offer(&mut self, i: usize, replace_top: bool) {
        let candidate = self.streams[i].head().and_then(|head| {
            let ev = &self.events[head as usize];
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
pub(super) fn order_by_goroutine(
    mut events: Vec<Event>,
    procs: Vec<Vec<Range<u32>>>,
    mut cpu_samples: Vec<Event>,
) -> Result<Vec<Event>, Error> {
    cpu_samples.sort_by_key(|ev| ev.ts);
    let samples = events.len() as u32..(events.len() + cpu_samples.len()) as u32;
    events.append(&mut cpu_samples);
    let mut streams: Vec<Stream> = procs.into_iter().map(Stream::new).collect();
    if !samples.is_empty() {
        streams.push(Stream::new(vec![samples]));
    }
    let mut m = Merge {
        events: &events,
        streams,
        gs: DenseMap::default(),
        waiting: Waiters::default(),
        frontier: BinaryHeap::new(),
    };
    for i in 0..m.streams.len() {
        m.offer(i, false);
    }
    let mut order: Vec<u32> = Vec::with_capacity(events.len());
    while let Some(&Reverse((_, i))) = m.frontier.peek() {
        let Some(at) = m.streams[i].head() else {
            m.frontier.pop();
            continue;
        };
        m.streams[i].advance();
        let ev = &m.events[at as usize];
        let (g, init, mut next) = transition_of(ev);
        if g != UNORDERED {
            let current = m.gs.get(&(g as i64)).copied().unwrap_or_default();
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
            m.gs.insert(g as i64, next);
        }
        order.push(at);
        m.offer(i, true);
        if g != UNORDERED {
            m.wake(g, next);
        }
    }
    if order.len() != events.len() {
        let stuck = m.streams.iter().filter_map(|s| s.head()).map(|at| &events[at as usize]).min_by_key(|ev| ev.offset);
        let (what, offset) = match stuck {
            Some(ev) => (format!("{} of goroutine {} can never happen", ev.kind, transition_of(ev).0), ev.offset),
            None => (String::new(), 0),
        };
        return Err(malformed(format!("no consistent ordering of events possible: {what}"), offset as usize));
    }
    // The *Local forms only exist to order events.
    for ev in &mut events {
        ev.kind = match ev.kind {
            T::GoStartLocal => T::GoStart,
            T::GoUnblockLocal => T::GoUnblock,
            T::GoSysExitLocal => T::GoSysExit,
            k => k,
        };
    }
    check_sorted(&events, &order)?;
    fix_syscall_exits(&mut events, &order)?;
    order.sort_by_key(|&i| events[i as usize].ts);
    permute(&mut events, order);
    Ok(events)
}

/// A GoSysExit is written when the goroutine gets a P back; its argument holds when the
/// syscall really returned. Applied only now, so that broken clocks surface as ordering
/// errors rather than as a misplaced event.
fn fix_syscall_exits(events: &mut [Event], order: &[u32]) -> Result<(), Error> {
    let mut last_block: IdMap<u64, i64> = IdMap::default();
    for &i in order {
        let ev = &mut events[i as usize];
        match ev.kind {
            T::GoSysBlock | T::GoInSyscall => {
                last_block.insert(ev.g, ev.ts);
            }
            T::GoSysExit if ev.args[2] != 0 => {
                let ts = ev.args[2] as i64;
                let block = last_block.get(&ev.g).copied().unwrap_or(0);
                if block == 0 {
                    return Err(malformed(
                        format!("stray syscall exit of goroutine {}: no syscall block before it", ev.g),
                        ev.offset as usize,
                    ));
                }
                if ts < block {
                    return Err(time_order_error(ev, block));
                }
                ev.ts = ts;
            }
            _ => {}
        }
    }
    Ok(())
}
