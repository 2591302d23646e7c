//! Per-goroutine time accounting: Go 1.27's `internal/trace` Summarizer (analyses.md §3),
//! reproduced rule for rule — including its quirks — so every number equals the goroutine
//! pages of `go tool trace` to the nanosecond.
//!
//! Times of 0 mean "unset", as in Go: a v1 trace whose first event is at 0 ns gets the same
//! (odd) accounting Go gives it.

use std::collections::BTreeMap;
use std::sync::Arc;

use gotv_decode::{
    EventKind, GoId, GoState, ProcState, Resource, StackId, StrId, TaskId, Trace, Transition, NO_PROC, NO_STACK,
};
use serde::ser::{Serialize, SerializeMap, Serializer};

use crate::id_map::IdMap;
use crate::slots::Slots;

/// A name shared by every goroutine that has it (millions of goroutines, a few names).
pub type Name = Arc<str>;

/// Times by name (block reason, range name). A name is present, possibly with 0, whenever
/// Go's page would show its column. Serialized as an object sorted by name.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Times(Vec<(Name, i64)>);

impl Times {
    pub fn get(&self, name: &str) -> Option<i64> {
        self.0.iter().find(|e| &*e.0 == name).map(|e| e.1)
    }

    pub fn iter(&self) -> impl Iterator<Item = (&str, i64)> + '_ {
        self.0.iter().map(|(k, v)| (&**k, *v))
    }

    pub fn total(&self) -> i64 {
        self.0.iter().map(|e| e.1).sum()
    }

    fn bump(&mut self, name: &Name, d: i64) {
        match self.0.iter_mut().find(|e| Arc::ptr_eq(&e.0, name) || e.0 == *name) {
            Some(e) => e.1 += d,
            None => self.0.push((name.clone(), d)),
        }
    }

    /// `self − v` over the names of `self` (Go's `sub`).
    fn sub(&mut self, v: &Times) {
        for e in &mut self.0 {
            e.1 -= v.get(&e.0).unwrap_or(0);
        }
    }
}

impl Serialize for Times {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let mut sorted: Vec<&(Name, i64)> = self.0.iter().collect();
        sorted.sort_by(|a, b| a.0.cmp(&b.0));
        let mut m = s.serialize_map(Some(sorted.len()))?;
        for (k, v) in sorted {
            m.serialize_entry(&**k, v)?;
        }
        m.end()
    }
}

/// Non-overlapping time buckets of one goroutine (or one region of it), plus range times,
/// which overlap them.
#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Serialize)]
pub struct ExecStats {
    pub exec_ns: i64,
    pub sched_wait_ns: i64,
    /// By Go's reason string (`sync`, `chan receive`, `network`, `select`, `sleep`, …).
    pub block_ns: Times,
    pub syscall_ns: i64,
    pub syscall_block_ns: i64,
    /// Time inside ranges (`GC mark assist`, `GC incremental sweep`, `stop-the-world (…)`).
    pub range_ns: Times,
    pub unknown_ns: i64,
    pub total_ns: i64,
}

impl ExecStats {
    fn add(&mut self, o: &ExecStats) {
        self.exec_ns += o.exec_ns;
        self.sched_wait_ns += o.sched_wait_ns;
        self.syscall_ns += o.syscall_ns;
        self.syscall_block_ns += o.syscall_block_ns;
        self.unknown_ns += o.unknown_ns;
        self.total_ns += o.total_ns;
        for (k, v) in &o.block_ns.0 {
            self.block_ns.bump(k, *v);
        }
        for (k, v) in &o.range_ns.0 {
            self.range_ns.bump(k, *v);
        }
    }

    /// `self − v`, as Go's `sub` (which leaves Unknown to be derived).
    fn sub(&self, v: &ExecStats) -> ExecStats {
        let mut r = self.clone();
        r.exec_ns -= v.exec_ns;
        r.sched_wait_ns -= v.sched_wait_ns;
        r.syscall_ns -= v.syscall_ns;
        r.syscall_block_ns -= v.syscall_block_ns;
        r.total_ns -= v.total_ns;
        r.block_ns.sub(&v.block_ns);
        r.range_ns.sub(&v.range_ns);
        r
    }

    /// Go's `UnknownTime`: whatever the non-overlapping buckets leave of the total.
    fn derive_unknown(&mut self) {
        let sum = self.exec_ns + self.sched_wait_ns + self.syscall_ns + self.syscall_block_ns + self.block_ns.total();
        self.unknown_ns = if sum < self.total_ns { self.total_ns - sum } else { 0 };
    }
}

/// A user region as seen by one goroutine. `start_ns`/`end_ns` are absent when the region
/// began before the trace, or had not ended when the goroutine or the trace did.
#[derive(Debug, Clone, serde::Serialize)]
pub struct Region {
    /// Empty for the synthetic region of a goroutine created inside a region.
    pub name: Name,
    pub task: TaskId,
    pub start_ns: Option<i64>,
    pub end_ns: Option<i64>,
    /// The RegionBegin event's stack (`NO_STACK` for synthetic regions and regions begun
    /// before the trace): Go's regions page groups by its outermost frame.
    #[serde(skip)]
    pub begin_stack: StackId,
    #[serde(flatten)]
    pub stats: ExecStats,
}

#[derive(Debug, Clone, serde::Serialize)]
pub struct Goroutine {
    pub id: GoId,
    /// The outermost function of its first stack; "" if never seen with a stack.
    pub name: Name,
    /// Trace clock, ns. For goroutines that existed at trace start: the Sync before their
    /// first event.
    pub created_ns: i64,
    /// First time running; 0 if it never ran.
    pub start_ns: i64,
    /// 0 if it had not ended when the trace did.
    pub end_ns: i64,
    #[serde(flatten)]
    pub stats: ExecStats,
    pub regions: Vec<Region>,
}

#[derive(Debug, Clone, serde::Serialize)]
pub struct Group {
    pub name: Name,
    pub count: usize,
    /// Sums over the group's goroutines.
    #[serde(flatten)]
    pub stats: ExecStats,
}

#[derive(Debug, Clone, serde::Serialize)]
pub struct GoroutineAnalysis {
    /// Time of the first and last events (what Go calls trace start and end).
    pub trace_start_ns: i64,
    pub trace_end_ns: i64,
    /// By name; sorted by execution time, largest first, then by name.
    pub groups: Vec<Group>,
    /// Sorted by ID.
    pub goroutines: Vec<Goroutine>,
}

impl GoroutineAnalysis {
    pub fn goroutine(&self, id: GoId) -> Option<&Goroutine> {
        self.goroutines.binary_search_by_key(&id, |g| g.id).ok().map(|i| &self.goroutines[i])
    }
}

/// In-flight state, dropped when the goroutine ends. Times of 0 mean "not pending".
#[derive(Default)]
struct Pending {
    start: i64,
    runnable: i64,
    block: i64,
    block_reason: Option<Name>,
    syscall: i64,
    syscall_block: i64,
    range: Vec<(Name, i64)>,
    active_regions: Vec<Region>,
}

/// What is kept beside each goroutine's result while the trace is read.
struct Meta {
    name: StrId,
    /// Index of its pending state in [`Summarizer::pend`], NONE once it ended. Pending
    /// state is recycled, so memory follows live goroutines, not all of them.
    p: u32,
    /// Whether `gs` holds a record for it (rather than a placeholder).
    made: bool,
}

/// Adds the intervals still open at `last` (Go's `snapshotStat`).
fn add_pending(g: &Goroutine, p: Option<&Pending>, r: &mut ExecStats, last: i64) {
    if r.total_ns == 0 {
        r.total_ns = last - g.created_ns;
    }
    let Some(p) = p else { return };
    if p.start != 0 {
        r.exec_ns += last - p.start;
    }
    if p.runnable != 0 {
        r.sched_wait_ns += last - p.runnable;
    }
    if let (true, Some(reason)) = (p.block != 0, &p.block_reason) {
        r.block_ns.bump(reason, last - p.block);
    }
    if p.syscall != 0 {
        r.syscall_ns += last - p.syscall;
    }
    // Go's quirk: a syscall still blocked at the end counts as scheduler wait.
    if p.syscall_block != 0 {
        r.sched_wait_ns += last - p.syscall_block;
    }
    for (name, ts) in &p.range {
        r.range_ns.bump(name, last - ts);
    }
}

fn snapshot(g: &Goroutine, p: Option<&Pending>, last: i64) -> ExecStats {
    let mut r = g.stats.clone();
    add_pending(g, p, &mut r, last);
    r
}

fn finalize(g: &mut Goroutine, name: StrId, p: Option<Pending>, last: i64, end: Option<i64>, trace: &Trace) {
    if let Some(t) = end {
        g.end_ns = t;
    }
    let mut stats = std::mem::take(&mut g.stats);
    add_pending(g, p.as_ref(), &mut stats, last);
    g.stats = stats;
    // System goroutines can inherit a region at creation but are never part of one.
    if let (Some(p), false) = (p, is_system(trace.strings.bytes(name))) {
        for mut r in p.active_regions {
            r.end_ns = end;
            r.stats = g.stats.sub(&r.stats);
            g.regions.push(r);
        }
    }
}

/// Go's `IsSystemGoroutine`.
fn is_system(name: &[u8]) -> bool {
    name.is_empty() || (name != b"runtime.main" && name.starts_with(b"runtime."))
}

const NONE: u32 = u32::MAX;
const NO_FUNC: u64 = u64::MAX;
const UNKNOWN_FUNC: u64 = u64::MAX - 1;

struct Summarizer<'a> {
    trace: &'a Trace,
    slots: Slots,
    /// Goroutine slot → index in `gs`: the rank of its ID, so `gs` is sorted by ID.
    index: Vec<u32>,
    gs: Vec<Goroutine>,
    meta: Vec<Meta>,
    pend: Vec<Pending>,
    /// Unused entries of `pend`.
    free: Vec<u32>,
    /// Interned names by string ID.
    names: Vec<Option<Name>>,
    /// Per stack ID: its outermost frame's function, [`NO_FUNC`] for none, or
    /// [`UNKNOWN_FUNC`] until looked up.
    outermost: Vec<u64>,
    empty: Name,
    /// P ↔ G bindings of goroutines in a syscall, to see the P taken away (syscall block).
    syscalling_p: IdMap<i64, GoId>,
    syscalling_g: IdMap<GoId, i64>,
    /// (P, range name) → the goroutine running when a P-scoped range began.
    ranges_p: IdMap<(i64, StrId), GoId>,
    last_ts: i64,
    sync_ts: i64,
}

impl Summarizer<'_> {
    fn at(&self, id: GoId) -> Option<usize> {
        let i = *self.index.get(self.slots.get(id)?)? as usize;
        self.meta[i].made.then_some(i)
    }

    /// The goroutine's result and pending state; a finalized goroutine that still changes
    /// state gets fresh (zero) pending state, as Go's cleared record does.
    fn live(&mut self, gi: usize) -> (&mut Goroutine, &mut Pending) {
        if self.meta[gi].p == NONE {
            self.meta[gi].p = self.alloc();
        }
        (&mut self.gs[gi], &mut self.pend[self.meta[gi].p as usize])
    }

    fn alloc(&mut self) -> u32 {
        self.free.pop().unwrap_or_else(|| {
            self.pend.push(Pending::default());
            self.pend.len() as u32 - 1
        })
    }

    /// Takes a goroutine's pending state, recycling its entry.
    fn release(&mut self, gi: usize) -> Option<Pending> {
        let p = std::mem::replace(&mut self.meta[gi].p, NONE);
        (p != NONE).then(|| {
            self.free.push(p);
            std::mem::take(&mut self.pend[p as usize])
        })
    }

    fn end(&mut self, gi: usize, last: i64, end: Option<i64>) {
        let p = self.release(gi);
        finalize(&mut self.gs[gi], self.meta[gi].name, p, last, end, self.trace);
    }

    /// The function of a stack's outermost frame, cached per stack.
    fn outermost(&mut self, stack: StackId) -> Option<StrId> {
        let trace = self.trace;
        let Some(c) = self.outermost.get_mut(stack as usize) else {
            return trace.stacks.frames(stack).last().map(|f| f.func);
        };
        if *c == UNKNOWN_FUNC {
            *c = trace.stacks.frames(stack).last().map_or(NO_FUNC, |f| u64::from(f.func));
        }
        (*c < UNKNOWN_FUNC).then_some(*c as StrId)
    }

    fn name(&mut self, id: StrId) -> Name {
        let trace = self.trace;
        self.names[id as usize].get_or_insert_with(|| Arc::from(&*trace.strings.get(id))).clone()
    }

    fn create(&mut self, id: GoId, created: i64) -> Option<usize> {
        let slot = self.slots.get(id)?;
        let g = Goroutine {
            id,
            name: self.empty.clone(),
            created_ns: created,
            start_ns: 0,
            end_ns: 0,
            stats: ExecStats::default(),
            regions: Vec::new(),
        };
        // A reused ID replaces the old record, as Go's map assignment does.
        let gi = self.index[slot] as usize;
        if self.meta[gi].made {
            self.release(gi);
        }
        self.gs[gi] = g;
        self.meta[gi].name = 0;
        self.meta[gi].made = true;
        self.meta[gi].p = self.alloc();
        Some(gi)
    }

    fn go_transition(&mut self, i: usize, id: GoId, old: GoState, new: GoState) {
        let ev = self.trace.event(i);
        let t = ev.time();
        // A search in the decoder's side table: looked up only when needed, once.
        let reason_id = std::cell::OnceCell::new();
        let reason = || *reason_id.get_or_init(|| ev.reason());
        match old {
            GoState::Undetermined => {
                let Some(gi) = self.create(id, self.sync_ts) else { return };
                // The time since the Sync is credited to the state the goroutine is found in.
                let d = t - self.sync_ts;
                if new == GoState::Waiting {
                    let reason = self.name(reason());
                    self.gs[gi].stats.block_ns.bump(&reason, d);
                }
                let st = &mut self.gs[gi].stats;
                match new {
                    GoState::Running => st.exec_ns += d,
                    GoState::Runnable => st.sched_wait_ns += d,
                    GoState::Syscall if ev.proc() == NO_PROC => st.syscall_block_ns += d,
                    GoState::Syscall => st.syscall_ns += d,
                    _ => {}
                }
            }
            GoState::NotExist => {
                let creator = self.at(ev.goroutine());
                let pending = creator.map(|c| self.meta[c].p).filter(|&p| p != NONE);
                let inherited = pending.and_then(|p| self.pend[p as usize].active_regions.last().map(|r| r.task));
                let Some(gi) = self.create(id, t) else { return };
                if let Some(task) = inherited {
                    let name = self.empty.clone();
                    let stats = ExecStats::default();
                    let region = Region { name, task, start_ns: Some(t), end_ns: None, begin_stack: NO_STACK, stats };
                    self.live(gi).1.active_regions.push(region);
                }
            }
            _ => {}
        }
        let Some(gi) = self.at(id) else { return };
        let mut unbind = false;
        let (g, p) = self.live(gi);
        let st = &mut g.stats;
        match old {
            GoState::Running => {
                st.exec_ns += t - p.start;
                p.start = 0;
            }
            GoState::Waiting if p.block != 0 => {
                if let Some(r) = &p.block_reason {
                    st.block_ns.bump(r, t - p.block);
                }
                p.block = 0;
            }
            GoState::Runnable if p.runnable != 0 => {
                st.sched_wait_ns += t - p.runnable;
                p.runnable = 0;
            }
            GoState::Syscall if p.syscall != 0 => {
                if p.syscall_block != 0 {
                    st.syscall_block_ns += t - p.syscall_block;
                    st.syscall_ns += p.syscall_block - p.syscall;
                } else {
                    st.syscall_ns += t - p.syscall;
                }
                p.syscall = 0;
                p.syscall_block = 0;
                unbind = true;
            }
            _ => {}
        }
        if self.meta[gi].name == 0 {
            if let Some(func) = self.outermost(ev.transition_stack()) {
                self.meta[gi].name = func;
                self.gs[gi].name = self.name(func);
            }
        }
        if unbind {
            if let Some(p) = self.syscalling_g.remove(&id) {
                self.syscalling_p.remove(&p);
            }
        }
        match new {
            GoState::Running => {
                let (g, p) = self.live(gi);
                p.start = t;
                if g.start_ns == 0 {
                    g.start_ns = t;
                }
            }
            GoState::Runnable => self.live(gi).1.runnable = t,
            GoState::Waiting if self.trace.strings.bytes(reason()) != b"forever" => {
                let reason = self.name(reason());
                let p = self.live(gi).1;
                p.block = t;
                p.block_reason = Some(reason);
            }
            // Blocked forever is treated as death.
            GoState::Waiting | GoState::NotExist => {
                self.end(gi, t, Some(t));
            }
            GoState::Syscall => {
                let proc = ev.proc();
                self.syscalling_p.insert(proc, id);
                self.syscalling_g.insert(id, proc);
                self.live(gi).1.syscall = t;
            }
            GoState::Undetermined => {}
        }
    }

    fn range(&mut self, i: usize) {
        let ev = self.trace.event(i);
        let Some(r) = ev.range() else { return };
        let (t, sync_ts) = (ev.time(), self.sync_ts);
        let name = self.name(r.name);
        match ev.kind() {
            EventKind::RangeBegin | EventKind::RangeActive => {
                let gid = match r.scope {
                    Resource::Goroutine(g) => g,
                    Resource::Proc(p) => {
                        let cur = ev.goroutine();
                        if self.at(cur).is_some() {
                            self.ranges_p.insert((p, r.name), cur);
                        }
                        cur
                    }
                    _ => return,
                };
                let Some(gi) = self.at(gid) else { return };
                let (g, p) = self.live(gi);
                let at = if ev.kind() == EventKind::RangeActive {
                    if let Some((_, ts)) = p.range.iter().find(|e| e.0 == name && e.1 != 0) {
                        g.stats.range_ns.bump(&name, sync_ts - ts);
                    }
                    sync_ts
                } else {
                    t
                };
                match p.range.iter_mut().find(|e| e.0 == name) {
                    Some(e) => e.1 = at,
                    None => p.range.push((name, at)),
                }
            }
            _ => {
                let gid = match r.scope {
                    Resource::Goroutine(g) => g,
                    Resource::Proc(p) => match self.ranges_p.remove(&(p, r.name)) {
                        // Only if it ends on the goroutine it began on.
                        Some(g) if g == ev.goroutine() => g,
                        _ => return,
                    },
                    _ => return,
                };
                let Some(gi) = self.at(gid) else { return };
                let (g, p) = self.live(gi);
                if let Some(k) = p.range.iter().position(|e| e.0 == name && e.1 != 0) {
                    let ts = p.range.swap_remove(k).1;
                    g.stats.range_ns.bump(&name, t - ts);
                }
            }
        }
    }

    fn region(&mut self, i: usize) {
        let ev = self.trace.event(i);
        let Some(info) = ev.region() else { return };
        let t = ev.time();
        let name = self.name(info.type_);
        let Some(gi) = self.at(ev.goroutine()) else { return };
        let (g, p) = self.live(gi);
        if ev.kind() == EventKind::RegionBegin {
            let stats = snapshot(g, Some(p), t);
            let begin_stack = ev.stack();
            p.active_regions.push(Region {
                name,
                task: info.task,
                start_ns: Some(t),
                end_ns: None,
                begin_stack,
                stats,
            });
            return;
        }
        // An end without a begin: the region started before the trace.
        let mut r = p.active_regions.pop().unwrap_or(Region {
            name,
            task: info.task,
            start_ns: None,
            end_ns: None,
            begin_stack: NO_STACK,
            stats: ExecStats::default(),
        });
        r.stats = snapshot(g, Some(p), t).sub(&r.stats);
        r.end_ns = Some(t);
        g.regions.push(r);
    }
}

/// Go's goroutine analysis over the whole trace.
pub fn goroutines(trace: &Trace) -> GoroutineAnalysis {
    let slots = Slots::new(trace);
    let n = slots.len();
    let index = slots.ranks(trace);
    let empty: Name = Arc::from("");
    let placeholder = Goroutine {
        id: 0,
        name: empty.clone(),
        created_ns: 0,
        start_ns: 0,
        end_ns: 0,
        stats: ExecStats::default(),
        regions: Vec::new(),
    };
    let mut s = Summarizer {
        trace,
        slots,
        index,
        gs: Vec::new(),
        meta: (0..n).map(|_| Meta { name: 0, p: NONE, made: false }).collect(),
        pend: Vec::new(),
        free: Vec::new(),
        names: vec![None; trace.strings.len()],
        outermost: vec![UNKNOWN_FUNC; trace.stacks.len()],
        empty,
        syscalling_p: IdMap::default(),
        syscalling_g: IdMap::default(),
        ranges_p: IdMap::default(),
        last_ts: 0,
        sync_ts: 0,
    };
    s.names[0] = Some(s.empty.clone());
    s.gs = vec![placeholder; n];
    for (i, &kind) in trace.kinds().iter().enumerate() {
        let t = trace.time(i);
        if s.sync_ts == 0 {
            s.sync_ts = t;
        }
        s.last_ts = t;
        match kind {
            EventKind::Sync => s.sync_ts = t,
            EventKind::StateTransition => match trace.event(i).transition() {
                Some(Transition::Goroutine { id, from, to }) if from != to => s.go_transition(i, id, from, to),
                Some(Transition::Proc { id, from, to }) if from != to && to == ProcState::Idle => {
                    if let Some(g) = s.syscalling_p.remove(&id) {
                        if let Some(gi) = s.at(g) {
                            s.live(gi).1.syscall_block = t;
                        }
                    }
                }
                _ => {}
            },
            EventKind::RangeBegin | EventKind::RangeActive | EventKind::RangeEnd => s.range(i),
            EventKind::RegionBegin | EventKind::RegionEnd => s.region(i),
            _ => {}
        }
    }
    let last = s.last_ts;
    // One pass over the records (in ID order) while each is in cache: the last accounting,
    // the derived times, the regions' order and the groups.
    // Names are interned (one `Arc` per string), so groups are found by pointer; distinct
    // strings with equal text are merged after.
    let mut by_ptr: IdMap<usize, usize> = IdMap::default();
    let mut partial: Vec<Group> = Vec::new();
    for gi in 0..s.gs.len() {
        if !s.meta[gi].made {
            continue;
        }
        s.end(gi, last, None);
        let g = &mut s.gs[gi];
        g.stats.derive_unknown();
        for r in &mut g.regions {
            r.stats.derive_unknown();
        }
        g.regions.sort_by(|a, b| match (a.start_ns, b.start_ns) {
            (None, None) => std::cmp::Ordering::Equal,
            (None, _) => std::cmp::Ordering::Less,
            (_, None) => std::cmp::Ordering::Greater,
            (Some(x), Some(y)) => x.cmp(&y),
        });
        let k = *by_ptr.entry(g.name.as_ptr() as usize).or_insert_with(|| {
            partial.push(Group { name: g.name.clone(), count: 0, stats: ExecStats::default() });
            partial.len() - 1
        });
        let e = &mut partial[k];
        e.count += 1;
        e.stats.add(&g.stats);
    }
    let mut goroutines = std::mem::take(&mut s.gs);
    let mut made = s.meta.iter().map(|m| m.made);
    goroutines.retain(|_| made.next() == Some(true));
    debug_assert!(goroutines.windows(2).all(|w| w[0].id < w[1].id));

    let mut by_name: BTreeMap<&str, Group> = BTreeMap::new();
    for p in &partial {
        let e = by_name.entry(&p.name).or_insert_with(|| Group {
            name: p.name.clone(),
            count: 0,
            stats: ExecStats::default(),
        });
        e.count += p.count;
        e.stats.add(&p.stats);
    }
    let mut groups: Vec<Group> = by_name.into_values().collect();
    groups.sort_by(|a, b| b.stats.exec_ns.cmp(&a.stats.exec_ns).then_with(|| a.name.cmp(&b.name)));

    let n = trace.len();
    let (trace_start_ns, trace_end_ns) = if n == 0 { (0, 0) } else { (trace.time(0), trace.time(n - 1)) };
    GoroutineAnalysis { trace_start_ns, trace_end_ns, groups, goroutines }
}
