//! Per-goroutine time accounting: Go 1.27's `internal/trace` Summarizer (analyses.md §3),
//! reproduced rule for rule — including its quirks — so every number equals the goroutine
//! pages of `go tool trace` to the nanosecond.
//!
//! Times of 0 mean "unset", as in Go: a v1 trace whose first event is at 0 ns gets the same
//! (odd) accounting Go gives it.

use std::collections::BTreeMap;
use std::sync::Arc;

use gotv_decode::{EventKind, GoId, GoState, ProcState, Resource, StrId, TaskId, Trace, Transition, NO_PROC};
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

struct G {
    out: Goroutine,
    name: StrId,
    p: Pending,
}

impl G {
    fn new(id: GoId, created: i64, empty: &Name) -> G {
        let stats = ExecStats::default();
        let out = Goroutine {
            id,
            name: empty.clone(),
            created_ns: created,
            start_ns: 0,
            end_ns: 0,
            stats,
            regions: Vec::new(),
        };
        G { out, name: 0, p: Pending::default() }
    }

    fn snapshot(&self, last: i64) -> ExecStats {
        let mut r = self.out.stats.clone();
        self.add_pending(&mut r, last);
        r
    }

    /// Adds the intervals still open at `last` (Go's `snapshotStat`).
    fn add_pending(&self, r: &mut ExecStats, last: i64) {
        if r.total_ns == 0 {
            r.total_ns = last - self.out.created_ns;
        }
        if self.p.start != 0 {
            r.exec_ns += last - self.p.start;
        }
        if self.p.runnable != 0 {
            r.sched_wait_ns += last - self.p.runnable;
        }
        if let (true, Some(reason)) = (self.p.block != 0, &self.p.block_reason) {
            r.block_ns.bump(reason, last - self.p.block);
        }
        if self.p.syscall != 0 {
            r.syscall_ns += last - self.p.syscall;
        }
        // Go's quirk: a syscall still blocked at the end counts as scheduler wait.
        if self.p.syscall_block != 0 {
            r.sched_wait_ns += last - self.p.syscall_block;
        }
        for (name, ts) in &self.p.range {
            r.range_ns.bump(name, last - ts);
        }
    }

    fn finalize(&mut self, last: i64, end: Option<i64>, trace: &Trace) {
        if let Some(t) = end {
            self.out.end_ns = t;
        }
        let mut stats = std::mem::take(&mut self.out.stats);
        self.add_pending(&mut stats, last);
        self.out.stats = stats;
        // System goroutines can inherit a region at creation but are never part of one.
        if !is_system(trace.strings.bytes(self.name)) {
            for mut r in std::mem::take(&mut self.p.active_regions) {
                r.end_ns = end;
                r.stats = self.out.stats.sub(&r.stats);
                self.out.regions.push(r);
            }
        }
        self.p = Pending::default();
    }
}

/// Go's `IsSystemGoroutine`.
fn is_system(name: &[u8]) -> bool {
    name.is_empty() || (name != b"runtime.main" && name.starts_with(b"runtime."))
}

const NONE: u32 = u32::MAX;

struct Summarizer<'a> {
    trace: &'a Trace,
    slots: Slots,
    /// Goroutine slot → index in `gs`.
    index: Vec<u32>,
    gs: Vec<G>,
    /// Interned names by string ID.
    names: Vec<Option<Name>>,
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
        let i = *self.index.get(self.slots.get(id)?)?;
        (i != NONE).then_some(i as usize)
    }

    fn g(&mut self, id: GoId) -> Option<&mut G> {
        let i = self.at(id)?;
        Some(&mut self.gs[i])
    }

    fn name(&mut self, id: StrId) -> Name {
        let trace = self.trace;
        self.names[id as usize].get_or_insert_with(|| Arc::from(&*trace.strings.get(id))).clone()
    }

    fn insert(&mut self, g: G) {
        let Some(slot) = self.slots.get(g.out.id) else { return };
        // A reused ID replaces the old record, as Go's map assignment does.
        match self.index[slot] {
            NONE => {
                self.index[slot] = self.gs.len() as u32;
                self.gs.push(g);
            }
            i => self.gs[i as usize] = g,
        }
    }

    fn go_transition(&mut self, i: usize, id: GoId, old: GoState, new: GoState) {
        let ev = self.trace.event(i);
        let t = ev.time();
        let reason = ev.reason();
        match old {
            GoState::Undetermined => {
                let mut g = G::new(id, self.sync_ts, &self.empty);
                // The time since the Sync is credited to the state the goroutine is found in.
                let d = t - self.sync_ts;
                let st = &mut g.out.stats;
                match new {
                    GoState::Running => st.exec_ns += d,
                    GoState::Waiting => st.block_ns.bump(&self.name(reason), d),
                    GoState::Runnable => st.sched_wait_ns += d,
                    GoState::Syscall if ev.proc() == NO_PROC => st.syscall_block_ns += d,
                    GoState::Syscall => st.syscall_ns += d,
                    _ => {}
                }
                self.insert(g);
            }
            GoState::NotExist => {
                let mut g = G::new(id, t, &self.empty);
                let inherited = self.g(ev.goroutine()).and_then(|c| c.p.active_regions.last().map(|r| r.task));
                if let Some(task) = inherited {
                    g.p.active_regions.push(Region {
                        name: self.empty.clone(),
                        task,
                        start_ns: Some(t),
                        end_ns: None,
                        stats: ExecStats::default(),
                    });
                }
                self.insert(g);
            }
            _ => {}
        }
        let Some(gi) = self.at(id) else { return };
        let mut unbind = false;
        let g = &mut self.gs[gi];
        let st = &mut g.out.stats;
        match old {
            GoState::Running => {
                st.exec_ns += t - g.p.start;
                g.p.start = 0;
            }
            GoState::Waiting if g.p.block != 0 => {
                if let Some(r) = &g.p.block_reason {
                    st.block_ns.bump(r, t - g.p.block);
                }
                g.p.block = 0;
            }
            GoState::Runnable if g.p.runnable != 0 => {
                st.sched_wait_ns += t - g.p.runnable;
                g.p.runnable = 0;
            }
            GoState::Syscall if g.p.syscall != 0 => {
                if g.p.syscall_block != 0 {
                    st.syscall_block_ns += t - g.p.syscall_block;
                    st.syscall_ns += g.p.syscall_block - g.p.syscall;
                } else {
                    st.syscall_ns += t - g.p.syscall;
                }
                g.p.syscall = 0;
                g.p.syscall_block = 0;
                unbind = true;
            }
            _ => {}
        }
        if g.name == 0 {
            if let Some(f) = self.trace.stacks.frames(ev.transition_stack()).last() {
                g.name = f.func;
                let name = self.name(f.func);
                self.gs[gi].out.name = name;
            }
        }
        if unbind {
            if let Some(p) = self.syscalling_g.remove(&id) {
                self.syscalling_p.remove(&p);
            }
        }
        match new {
            GoState::Running => {
                let g = &mut self.gs[gi];
                g.p.start = t;
                if g.out.start_ns == 0 {
                    g.out.start_ns = t;
                }
            }
            GoState::Runnable => self.gs[gi].p.runnable = t,
            GoState::Waiting if self.trace.strings.bytes(reason) != b"forever" => {
                let reason = self.name(reason);
                let g = &mut self.gs[gi];
                g.p.block = t;
                g.p.block_reason = Some(reason);
            }
            // Blocked forever is treated as death.
            GoState::Waiting | GoState::NotExist => self.gs[gi].finalize(t, Some(t), self.trace),
            GoState::Syscall => {
                let p = ev.proc();
                self.syscalling_p.insert(p, id);
                self.syscalling_g.insert(id, p);
                self.gs[gi].p.syscall = t;
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
                let Some(g) = self.g(gid) else { return };
                let at = if ev.kind() == EventKind::RangeActive {
                    if let Some((_, ts)) = g.p.range.iter().find(|e| e.0 == name && e.1 != 0) {
                        let d = sync_ts - ts;
                        g.out.stats.range_ns.bump(&name, d);
                    }
                    sync_ts
                } else {
                    t
                };
                match g.p.range.iter_mut().find(|e| e.0 == name) {
                    Some(e) => e.1 = at,
                    None => g.p.range.push((name, at)),
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
                let Some(g) = self.g(gid) else { return };
                if let Some(k) = g.p.range.iter().position(|e| e.0 == name && e.1 != 0) {
                    let ts = g.p.range.swap_remove(k).1;
                    g.out.stats.range_ns.bump(&name, t - ts);
                }
            }
        }
    }

    fn region(&mut self, i: usize) {
        let ev = self.trace.event(i);
        let Some(info) = ev.region() else { return };
        let t = ev.time();
        let name = self.name(info.type_);
        let Some(g) = self.g(ev.goroutine()) else { return };
        if ev.kind() == EventKind::RegionBegin {
            let stats = g.snapshot(t);
            g.p.active_regions.push(Region { name, task: info.task, start_ns: Some(t), end_ns: None, stats });
            return;
        }
        // An end without a begin: the region started before the trace.
        let mut r = g.p.active_regions.pop().unwrap_or(Region {
            name,
            task: info.task,
            start_ns: None,
            end_ns: None,
            stats: ExecStats::default(),
        });
        r.stats = g.snapshot(t).sub(&r.stats);
        r.end_ns = Some(t);
        g.out.regions.push(r);
    }
}

/// Go's goroutine analysis over the whole trace.
pub fn goroutines(trace: &Trace) -> GoroutineAnalysis {
    let slots = Slots::new(trace);
    let n = slots.len();
    let mut s = Summarizer {
        trace,
        slots,
        index: vec![NONE; n],
        gs: Vec::with_capacity(n),
        names: vec![None; trace.strings.len()],
        empty: Arc::from(""),
        syscalling_p: IdMap::default(),
        syscalling_g: IdMap::default(),
        ranges_p: IdMap::default(),
        last_ts: 0,
        sync_ts: 0,
    };
    s.names[0] = Some(s.empty.clone());
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
                        if let Some(g) = s.g(g) {
                            g.p.syscall_block = t;
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
    let mut goroutines: Vec<Goroutine> = std::mem::take(&mut s.gs)
        .into_iter()
        .map(|mut g| {
            g.finalize(last, None, trace);
            let mut out = g.out;
            out.stats.derive_unknown();
            for r in &mut out.regions {
                r.stats.derive_unknown();
            }
            out.regions.sort_by(|a, b| match (a.start_ns, b.start_ns) {
                (None, None) => std::cmp::Ordering::Equal,
                (None, _) => std::cmp::Ordering::Less,
                (_, None) => std::cmp::Ordering::Greater,
                (Some(x), Some(y)) => x.cmp(&y),
            });
            out
        })
        .collect();
    goroutines.sort_by_key(|g| g.id);

    let mut by_name: BTreeMap<&str, Group> = BTreeMap::new();
    for g in &goroutines {
        let e = by_name.entry(&g.name).or_insert_with(|| Group {
            name: g.name.clone(),
            count: 0,
            stats: ExecStats::default(),
        });
        e.count += 1;
        e.stats.add(&g.stats);
    }
    let mut groups: Vec<Group> = by_name.into_values().collect();
    groups.sort_by(|a, b| b.stats.exec_ns.cmp(&a.stats.exec_ns).then_with(|| a.name.cmp(&b.name)));

    let n = trace.len();
    let (trace_start_ns, trace_end_ns) = if n == 0 { (0, 0) } else { (trace.time(0), trace.time(n - 1)) };
    GoroutineAnalysis { trace_start_ns, trace_end_ns, groups, goroutines }
}
