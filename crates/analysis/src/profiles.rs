//! The four blocking profiles of `go tool trace -pprof=…` (analyses.md §4), with Go 1.26+
//! semantics: every goroutine transition counts, stack or not.

use gotv_decode::{EventKind, GoState, StackId, Trace, Transition, NO_STACK};
use serde::Serialize;

use crate::goroutines::GoroutineAnalysis;
use crate::id_map::IdMap;
use crate::slots::Slots;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum ProfileKind {
    /// Blocked in the netpoller.
    Net,
    /// Blocked on channels, select, mutexes, WaitGroups, Cond.
    Sync,
    /// In a system call.
    Syscall,
    /// Runnable but not running.
    Sched,
}

impl ProfileKind {
    pub const ALL: [ProfileKind; 4] = [ProfileKind::Net, ProfileKind::Sync, ProfileKind::Syscall, ProfileKind::Sched];

    pub fn name(self) -> &'static str {
        match self {
            ProfileKind::Net => "net",
            ProfileKind::Sync => "sync",
            ProfileKind::Syscall => "syscall",
            ProfileKind::Sched => "sched",
        }
    }

    pub fn from_name(s: &str) -> Option<ProfileKind> {
        ProfileKind::ALL.into_iter().find(|k| k.name() == s)
    }

    fn state(self) -> GoState {
        match self {
            ProfileKind::Net | ProfileKind::Sync => GoState::Waiting,
            ProfileKind::Syscall => GoState::Syscall,
            ProfileKind::Sched => GoState::Runnable,
        }
    }

    fn tracks(self, reason: &[u8]) -> bool {
        let has = |w: &[u8]| reason.windows(w.len()).any(|x| x == w);
        match self {
            ProfileKind::Net => reason == b"network",
            ProfileKind::Sync => has(b"chan") || has(b"sync") || has(b"select"),
            ProfileKind::Syscall | ProfileKind::Sched => true,
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ProfileFrame {
    pub func: String,
    pub file: String,
    pub line: u64,
    pub pc: u64,
}

impl ProfileFrame {
    /// A stack's frames with their names resolved, leaf first.
    pub(crate) fn of_stack(trace: &Trace, stack: StackId) -> impl Iterator<Item = ProfileFrame> + '_ {
        trace.stacks.frames(stack).map(|f| ProfileFrame {
            func: trace.strings.get(f.func).into_owned(),
            file: trace.strings.get(f.file).into_owned(),
            line: f.line,
            pc: f.pc,
        })
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ProfileSample {
    /// Leaf first.
    pub stack: Vec<ProfileFrame>,
    /// Intervals counted.
    pub count: u64,
    pub delay_ns: i64,
}

#[derive(Debug, Clone, Serialize)]
pub struct Profile {
    pub kind: ProfileKind,
    /// Largest delay first.
    pub samples: Vec<ProfileSample>,
}

impl Profile {
    pub fn total_count(&self) -> u64 {
        self.samples.iter().map(|s| s.count).sum()
    }

    pub fn total_delay_ns(&self) -> i64 {
        self.samples.iter().map(|s| s.delay_ns).sum()
    }
}

struct Record {
    /// Number of the record's latest interval among all counted ones.
    last: usize,
    count: u64,
    delay: i64,
}

/// Go keys records by the first 128 PCs and writes at most 128 frames.
const MAX_STACK: usize = 128;

/// Intervals a goroutine spends in `kind`'s state, clipped to the goroutine's lifetime
/// ([first run, end or trace end]), summed by the stack of the event that began them.
pub fn profile(trace: &Trace, gs: &GoroutineAnalysis, kind: ProfileKind) -> Profile {
    profiles(trace, gs, &[kind]).remove(0)
}

/// Several profiles in one pass over the trace, in the order of `kinds`.
pub fn profiles(trace: &Trace, gs: &GoroutineAnalysis, kinds: &[ProfileKind]) -> Vec<Profile> {
    // One bit per kind in the reason masks below.
    if kinds.len() > 63 {
        return kinds.chunks(63).flat_map(|c| profiles(trace, gs, c)).collect();
    }
    let slots = Slots::new(trace);
    // Per goroutine slot: its window [first run, end].
    let mut windows: Vec<Option<(i64, i64)>> = vec![None; slots.len()];
    for g in gs.goroutines() {
        if let Some(i) = slots.get(g.id) {
            windows[i] = Some((g.start_ns, if g.end_ns == 0 { gs.trace_end_ns } else { g.end_ns }));
        }
    }
    let mut acc: Vec<Acc> = kinds.iter().map(|&kind| Acc { kind, by_stack: IdMap::default(), counted: 0 }).collect();
    // Per goroutine slot and kind (slot-major, so one slot's intervals share a cache line):
    // the open interval, if any.
    let nk = kinds.len();
    let mut tracking: Vec<Open> = vec![Open::NONE; slots.len() * nk];
    // Per string ID: bit k set when `kinds[k]` tracks that reason (the substring tests run
    // once per string, not once per transition).
    let mut tracked_cache: Vec<u64> = vec![u64::MAX; trace.strings.len()];
    let mut tracked = |reason: u32| -> u64 {
        let Some(c) = tracked_cache.get_mut(reason as usize) else {
            let bytes = trace.strings.bytes(reason);
            return kinds.iter().enumerate().fold(0, |m, (k, kind)| m | (u64::from(kind.tracks(bytes)) << k));
        };
        if *c == u64::MAX {
            let bytes = trace.strings.bytes(reason);
            *c = kinds.iter().enumerate().fold(0, |m, (k, kind)| m | (u64::from(kind.tracks(bytes)) << k));
        }
        *c
    };
    let mut gen = 0u32;
    for (i, &k) in trace.kinds().iter().enumerate() {
        if k == EventKind::Sync {
            gen += u32::from(trace.event(i).sync().is_some_and(|s| s.generation.is_some()));
            continue;
        }
        if k != EventKind::StateTransition {
            continue;
        }
        let ev = trace.event(i);
        let Some(Transition::Goroutine { id, to, .. }) = ev.transition() else { continue };
        let Some(slot) = slots.get(id) else { continue };
        // The reason is looked up (a search) only when some profile may start tracking.
        let mut reason_mask: Option<u64> = None;
        let open = &mut tracking[slot * nk..(slot + 1) * nk];
        for (k, (a, o)) in acc.iter_mut().zip(open).enumerate() {
            if o.start == i64::MIN {
                if to == a.kind.state() && *reason_mask.get_or_insert_with(|| tracked(ev.reason())) & (1 << k) != 0 {
                    *o = Open { start: ev.time(), stack: ev.stack(), gen };
                }
                continue;
            }
            if to == a.kind.state() {
                continue;
            }
            let Open { start, stack, gen: sgen } = std::mem::replace(o, Open::NONE);
            let Some((ws, we)) = windows[slot] else { continue };
            let end = ev.time();
            if we < start || end < ws {
                continue;
            }
            let d = end.min(we) - start.max(ws);
            if d > 0 {
                let ident = if stack == NO_STACK {
                    u64::from(NO_STACK) << 32
                } else {
                    u64::from(stack) << 32 | u64::from(sgen)
                };
                a.counted += 1;
                let r = a.by_stack.entry(ident).or_insert(Record { last: 0, count: 0, delay: 0 });
                r.last = a.counted;
                r.count += 1;
                r.delay += d;
            }
        }
    }
    acc.into_iter().map(|a| finish(trace, a.kind, a.by_stack)).collect()
}

/// An open interval: when it began, with what stack, in which generation.
#[derive(Clone, Copy)]
struct Open {
    /// `i64::MIN`: none.
    start: i64,
    stack: StackId,
    gen: u32,
}

impl Open {
    const NONE: Open = Open { start: i64::MIN, stack: NO_STACK, gen: 0 };
}

/// One profile being accumulated.
struct Acc {
    kind: ProfileKind,
    /// Go's stacks are per generation (except "no stack"), and a merged record is named by
    /// the stack of its last interval; so records are keyed by (stack, generation) first,
    /// packed as `stack << 32 | generation`.
    by_stack: IdMap<u64, Record>,
    counted: usize,
}

fn finish(trace: &Trace, kind: ProfileKind, by_stack: IdMap<u64, Record>) -> Profile {
    // Go compares the first 128 PCs, zero-padded: trailing PC-0 frames do not count.
    let mut merged: IdMap<Vec<u64>, (usize, StackId, u64, i64)> = IdMap::default();
    for (key, r) in by_stack {
        let stack = (key >> 32) as StackId;
        let mut pcs: Vec<u64> = trace.stacks.frames(stack).take(MAX_STACK).map(|f| f.pc).collect();
        while pcs.last() == Some(&0) {
            pcs.pop();
        }
        let e = merged.entry(pcs).or_insert((0, NO_STACK, 0, 0));
        if r.last >= e.0 {
            (e.0, e.1) = (r.last, stack);
        }
        e.2 += r.count;
        e.3 += r.delay;
    }
    let mut samples: Vec<ProfileSample> = merged
        .into_values()
        .map(|(_, stack, count, delay_ns)| ProfileSample {
            stack: ProfileFrame::of_stack(trace, stack).take(MAX_STACK).collect(),
            count,
            delay_ns,
        })
        .collect();
    samples.sort_by(|a, b| {
        b.delay_ns.cmp(&a.delay_ns).then(b.count.cmp(&a.count)).then_with(|| {
            let key = |s: &ProfileSample| s.stack.iter().map(|f| (f.pc, f.line)).collect::<Vec<_>>();
            key(a).cmp(&key(b))
        })
    });
    Profile { kind, samples }
}
