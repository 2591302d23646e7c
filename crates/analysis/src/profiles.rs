//! The four blocking profiles of `go tool trace -pprof=…` (analyses.md §4), with Go 1.26+
//! semantics: every goroutine transition counts, stack or not.

use gotv_decode::{each_index, EventKind, GoState, GoTransition, StackId, Trace, TransitionCursor, NO_STACK};
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

#[derive(Clone, Copy, Default)]
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

/// The profile of one goroutine group's goroutines only (the page's group filter).
pub fn group_profile(trace: &Trace, gs: &GoroutineAnalysis, kind: ProfileKind, group: &str) -> Profile {
    profiles_where(trace, gs, &[kind], Some(group)).remove(0)
}

/// An open interval: when it began (`i64::MIN`: none), with what stack.
#[derive(Clone, Copy)]
struct Open {
    start: i64,
    stack: StackId,
}

const CLOSED: Open = Open { start: i64::MIN, stack: NO_STACK };
const NONE: u32 = u32::MAX;

/// Several profiles in one pass over the trace, in the order of `kinds`.
pub fn profiles(trace: &Trace, gs: &GoroutineAnalysis, kinds: &[ProfileKind]) -> Vec<Profile> {
    profiles_where(trace, gs, kinds, None)
}

/// Profiles counting only the goroutines of `group`, if given.
fn profiles_where(trace: &Trace, gs: &GoroutineAnalysis, kinds: &[ProfileKind], group: Option<&str>) -> Vec<Profile> {
    // One bit per kind in the masks below.
    if kinds.len() > 63 {
        return kinds.chunks(63).flat_map(|c| profiles_where(trace, gs, c, group)).collect();
    }
    let nk = kinds.len();
    let n = trace.goroutine_ids().len();
    // Per goroutine (by its index in the trace): its window [first run, end]; an empty one if
    // it has no record.
    let mut windows = vec![(i64::MAX, i64::MIN); n];
    each_index(gs.lifetimes().len(), |g| {
        let (id, name, start, end) = gs.lifetime(g);
        if group.is_some_and(|g| g != name) {
            return;
        }
        if let Some(i) = trace.goroutine_slot(id) {
            windows[i as usize] = (start, if end == 0 { gs.trace_end_ns } else { end });
        }
    });
    // Per kind, per stack ID: the intervals begun with that stack. Go's records are per
    // (generation, stack), but the decoder's stack IDs are global and Go merges records by
    // their PCs in the end, so one record per stack gives the same profile. Grown as
    // stacks are met: most stacks begin no interval.
    let mut records: Vec<Vec<Record>> = vec![Vec::new(); nk];
    let mut counted = vec![0usize; nk];
    // Per goroutine state: the kinds that track it.
    let mut tracking_state = [0u64; 6];
    for (k, kind) in kinds.iter().enumerate() {
        tracking_state[kind.state() as usize] |= 1 << k;
    }
    // Per goroutine: where its open intervals (one per kind) are in `open`, or NONE while it
    // has none; entries are recycled, so memory follows goroutines with intervals. `masks`
    // says which of an entry's kinds are open: a transition then touches only the kinds it
    // opens or closes, instead of testing every kind of every entry.
    let mut open_at = vec![NONE; n];
    let mut open: Vec<Open> = Vec::new();
    let mut masks: Vec<u64> = Vec::new();
    let mut free: Vec<u32> = Vec::new();
    // Per string ID: bit k set when `kinds[k]` tracks that reason (the substring tests run
    // once per string, not once per transition).
    let mut tracked_cache: Vec<u64> = vec![u64::MAX; trace.strings.len()];
    let mut tracked = |reason: u32| -> u64 {
        let mask = || {
            let bytes = trace.strings.bytes(reason);
            kinds.iter().enumerate().fold(0, |m, (k, kind)| m | (u64::from(kind.tracks(bytes)) << k))
        };
        match tracked_cache.get_mut(reason as usize) {
            Some(c) if *c == u64::MAX => {
                *c = mask();
                *c
            }
            Some(c) => *c,
            None => mask(),
        }
    };
    let mut side = TransitionCursor::default();
    trace.each_event(|i, k| {
        if k != EventKind::StateTransition {
            return;
        }
        let ev = trace.event(i);
        let Some(GoTransition { slot, to, .. }) = ev.go_transition() else { return };
        let slot = slot as usize;
        let at = open_at[slot];
        let was_open = if at == NONE { 0 } else { masks[at as usize] };
        // Kinds tracking the new state stay open; those not open yet start if the reason
        // (looked up only then) is one they track; the others close.
        let starting = tracking_state[to as usize];
        let mut opens = starting & !was_open;
        if opens != 0 {
            opens &= tracked(side.reason(ev));
        }
        let closes = was_open & !starting;
        if opens == 0 && closes == 0 {
            return;
        }
        let at = match at {
            NONE => {
                let at = free.pop().unwrap_or_else(|| {
                    open.extend(std::iter::repeat_n(CLOSED, nk));
                    masks.push(0);
                    (masks.len() - 1) as u32
                });
                open_at[slot] = at;
                at
            }
            at => at,
        };
        let entry = &mut open[at as usize * nk..][..nk];
        let t = ev.time();
        for k in bits(closes) {
            let Open { start, stack } = std::mem::replace(&mut entry[k], CLOSED);
            let (ws, we) = windows[slot];
            if we < start || t < ws {
                continue;
            }
            // Wrapping, as Go's int64 does: a corrupt trace's times can be anything.
            let d = t.min(we).wrapping_sub(start.max(ws));
            if d > 0 {
                counted[k] += 1;
                let by_stack = &mut records[k];
                if by_stack.len() <= stack as usize {
                    by_stack.resize(stack as usize + 1, Record::default());
                }
                let r = &mut by_stack[stack as usize];
                r.last = counted[k];
                r.count += 1;
                r.delay = r.delay.wrapping_add(d);
            }
        }
        for k in bits(opens) {
            entry[k] = Open { start: t, stack: ev.stack() };
        }
        let now_open = (was_open & starting) | opens;
        masks[at as usize] = now_open;
        if now_open == 0 {
            open_at[slot] = NONE;
            free.push(at);
        }
    });
    kinds.iter().zip(records).map(|(&kind, by_stack)| finish(trace, kind, by_stack)).collect()
}

/// The indexes of the bits set in `m`, lowest first.
fn bits(mut m: u64) -> impl Iterator<Item = usize> {
    std::iter::from_fn(move || {
        let k = m.trailing_zeros() as usize;
        m &= m.wrapping_sub(1);
        (k < 64).then_some(k)
    })
}

fn finish(trace: &Trace, kind: ProfileKind, by_stack: Vec<Record>) -> Profile {
    // Go compares the first 128 PCs, zero-padded: trailing PC-0 frames do not count.
    let mut merged: IdMap<Vec<u64>, (usize, StackId, u64, i64)> = IdMap::default();
    for (stack, r) in by_stack.into_iter().enumerate().filter(|e| e.1.count > 0) {
        let stack = stack as StackId;
        let mut pcs: Vec<u64> = trace.stacks.frames(stack).take(MAX_STACK).map(|f| f.pc).collect();
        while pcs.last() == Some(&0) {
            pcs.pop();
        }
        let e = merged.entry(pcs).or_insert((0, NO_STACK, 0, 0));
        if r.last >= e.0 {
            (e.0, e.1) = (r.last, stack);
        }
        e.2 += r.count;
        e.3 = e.3.wrapping_add(r.delay);
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
