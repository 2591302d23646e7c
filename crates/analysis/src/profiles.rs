//! The four blocking profiles of `go tool trace -pprof=…` (analyses.md §4), with Go 1.26+
//! semantics: every goroutine transition counts, stack or not.

use gotv_decode::{GoId, GoState, StackId, Trace, Transition, NO_STACK};
use serde::Serialize;

use crate::goroutines::GoroutineAnalysis;
use crate::id_map::IdMap;

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

/// Go keys records by the first 128 PCs and writes at most 128 frames.
const MAX_STACK: usize = 128;

/// Intervals a goroutine spends in `kind`'s state, clipped to the goroutine's lifetime
/// ([first run, end or trace end]), summed by the stack of the event that began them.
pub fn profile(trace: &Trace, gs: &GoroutineAnalysis, kind: ProfileKind) -> Profile {
    let windows: IdMap<GoId, (i64, i64)> = gs
        .goroutines
        .iter()
        .map(|g| (g.id, (g.start_ns, if g.end_ns == 0 { gs.trace_end_ns } else { g.end_ns })))
        .collect();
    let state = kind.state();
    let mut tracking: IdMap<GoId, (i64, StackId)> = IdMap::default();
    let mut by_stack: IdMap<StackId, (u64, i64)> = IdMap::default();
    for ev in trace.events() {
        let Some(Transition::Goroutine { id, to, .. }) = ev.transition() else { continue };
        let Some(&(start, stack)) = tracking.get(&id) else {
            if to == state && kind.tracks(trace.strings.bytes(ev.reason())) {
                tracking.insert(id, (ev.time(), ev.stack()));
            }
            continue;
        };
        if to == state {
            continue;
        }
        tracking.remove(&id);
        let Some(&(ws, we)) = windows.get(&id) else { continue };
        let end = ev.time();
        if we < start || end < ws {
            continue;
        }
        let d = end.min(we) - start.max(ws);
        if d > 0 {
            let r = by_stack.entry(stack).or_default();
            r.0 += 1;
            r.1 += d;
        }
    }

    let mut merged: IdMap<Vec<u64>, (StackId, u64, i64)> = IdMap::default();
    for (stack, (count, delay)) in by_stack {
        let pcs: Vec<u64> = trace.stacks.frames(stack).take(MAX_STACK).map(|f| f.pc).collect();
        let e = merged.entry(pcs).or_insert((NO_STACK, 0, 0));
        e.0 = e.0.max(stack);
        e.1 += count;
        e.2 += delay;
    }
    let mut samples: Vec<ProfileSample> = merged
        .into_values()
        .map(|(stack, count, delay_ns)| ProfileSample {
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
