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
    let slots = Slots::new(trace);
    // Per goroutine slot: its window [first run, end].
    let mut windows: Vec<Option<(i64, i64)>> = vec![None; slots.len()];
    for g in &gs.goroutines {
        if let Some(i) = slots.get(g.id) {
            windows[i] = Some((g.start_ns, if g.end_ns == 0 { gs.trace_end_ns } else { g.end_ns }));
        }
    }
    let mut acc: Vec<Acc> = kinds
        .iter()
        .map(|&kind| Acc { kind, tracking: vec![None; slots.len()], by_stack: IdMap::default(), counted: 0 })
        .collect();
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
        for a in &mut acc {
            let Some((start, stack, sgen)) = a.tracking[slot] else {
                if to == a.kind.state() && a.kind.tracks(trace.strings.bytes(ev.reason())) {
                    a.tracking[slot] = Some((ev.time(), ev.stack(), gen));
                }
                continue;
            };
            if to == a.kind.state() {
                continue;
            }
            a.tracking[slot] = None;
            let Some((ws, we)) = windows[slot] else { continue };
            let end = ev.time();
            if we < start || end < ws {
                continue;
            }
            let d = end.min(we) - start.max(ws);
            if d > 0 {
                let ident = if stack == NO_STACK { (NO_STACK, 0) } else { (stack, sgen) };
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

/// One profile being accumulated.
struct Acc {
    kind: ProfileKind,
    /// Per goroutine slot: the open interval (start, stack, generation), if any.
    tracking: Vec<Option<(i64, StackId, u32)>>,
    /// Go's stacks are per generation (except "no stack"), and a merged record is named by
    /// the stack of its last interval; so records are keyed by (stack, generation) first.
    by_stack: IdMap<(StackId, u32), Record>,
    counted: usize,
}

fn finish(trace: &Trace, kind: ProfileKind, by_stack: IdMap<(StackId, u32), Record>) -> Profile {
    // Go compares the first 128 PCs, zero-padded: trailing PC-0 frames do not count.
    let mut merged: IdMap<Vec<u64>, (usize, StackId, u64, i64)> = IdMap::default();
    for ((stack, _), r) in by_stack {
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
            stack: trace
                .stacks
                .frames(stack)
                .take(MAX_STACK)
                .map(|f| ProfileFrame {
                    func: trace.strings.get(f.func).into_owned(),
                    file: trace.strings.get(f.file).into_owned(),
                    line: f.line,
                    pc: f.pc,
                })
                .collect(),
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
