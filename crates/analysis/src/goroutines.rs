//! Per-goroutine time accounting: Go 1.27's `internal/trace` Summarizer (analyses.md §3),
//! reproduced rule for rule — including its quirks — so every number equals the goroutine
//! pages of `go tool trace` to the nanosecond.
//!
//! Times of 0 mean "unset", as in Go: a v1 trace whose first event is at 0 ns gets the same
//! (odd) accounting Go gives it.

use std::collections::BTreeMap;

use gotv_decode::{EventKind, GoId, GoState, ProcState, Resource, StrId, TaskId, Trace, Transition, NO_PROC};
use serde::Serialize;

use crate::id_map::IdMap;

/// Non-overlapping time buckets of one goroutine (or one region of it), plus range times,
/// which overlap them.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct ExecStats {
    pub exec_ns: i64,
    pub sched_wait_ns: i64,
    /// Block time by Go's reason string (`sync`, `chan receive`, `network`, `select`, …).
    /// A reason is present, possibly with 0, whenever Go's page would show its column.
    pub block_ns: BTreeMap<String, i64>,
    pub syscall_ns: i64,
    pub syscall_block_ns: i64,
    /// Time inside ranges (`GC mark assist`, `GC incremental sweep`, `stop-the-world (…)`).
    pub range_ns: BTreeMap<String, i64>,
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
        for (k, v) in &o.block_ns {
            *self.block_ns.entry(k.clone()).or_default() += v;
        }
        for (k, v) in &o.range_ns {
            *self.range_ns.entry(k.clone()).or_default() += v;
        }
    }
}

/// A user region as seen by one goroutine. `start_ns`/`end_ns` are absent when the region
/// began before the trace, or had not ended when the goroutine or the trace did.
#[derive(Debug, Clone, Serialize)]
pub struct Region {
    /// Empty for the synthetic region of a goroutine created inside a region.
    pub name: String,
    pub task: TaskId,
    pub start_ns: Option<i64>,
    pub end_ns: Option<i64>,
    #[serde(flatten)]
    pub stats: ExecStats,
}

#[derive(Debug, Clone, Serialize)]
pub struct Goroutine {
    pub id: GoId,
    /// The outermost function of its first stack; "" if never seen with a stack.
    pub name: String,
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

#[derive(Debug, Clone, Serialize)]
pub struct Group {
    pub name: String,
    pub count: usize,
    /// Sums over the group's goroutines.
    #[serde(flatten)]
    pub stats: ExecStats,
}

#[derive(Debug, Clone, Serialize)]
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

/// Accumulators keyed by interned strings; resolved to text once at the end.
#[derive(Clone, Default)]
struct Acc {
    exec: i64,
    sched: i64,
    block: Vec<(StrId, i64)>,
    syscall: i64,
    syscall_block: i64,
    total: i64,
    range: Vec<(StrId, i64)>,
}

fn bump(v: &mut Vec<(StrId, i64)>, key: StrId, d: i64) {
    match v.iter_mut().find(|e| e.0 == key) {
        Some(e) => e.1 += d,
        None => v.push((key, d)),
    }
}

fn get(v: &[(StrId, i64)], key: StrId) -> i64 {
    v.iter().find(|e| e.0 == key).map_or(0, |e| e.1)
}

impl Acc {
    /// `self − v`, over the keys of `self` (Go's `sub`).
    fn sub(&self, v: &Acc) -> Acc {
        let mut r = self.clone();
        r.exec -= v.exec;
        r.sched -= v.sched;
        r.syscall -= v.syscall;
        r.syscall_block -= v.syscall_block;
        r.total -= v.total;
        for e in &mut r.block {
            e.1 -= get(&v.block, e.0);
        }
        for e in &mut r.range {
            e.1 -= get(&v.range, e.0);
        }
        r
    }

    fn resolve(&self, trace: &Trace) -> ExecStats {
        let s = |id: StrId| trace.strings.get(id).into_owned();
        let mut sum = self.exec + self.sched + self.syscall + self.syscall_block;
        sum += self.block.iter().map(|e| e.1).sum::<i64>();
        ExecStats {
            exec_ns: self.exec,
            sched_wait_ns: self.sched,
            block_ns: self.block.iter().map(|&(k, v)| (s(k), v)).collect(),
            syscall_ns: self.syscall,
            syscall_block_ns: self.syscall_block,
            range_ns: self.range.iter().map(|&(k, v)| (s(k), v)).collect(),
            unknown_ns: if sum < self.total { self.total - sum } else { 0 },
            total_ns: self.total,
        }
    }
}

struct RegionAcc {
    name: StrId,
    task: TaskId,
    start: Option<i64>,
    end: Option<i64>,
    stats: Acc,
}

#[derive(Default)]
struct Pending {
    start: i64,
    runnable: i64,
    block: i64,
    block_reason: StrId,
    syscall: i64,
    syscall_block: i64,
    range: Vec<(StrId, i64)>,
    active_regions: Vec<RegionAcc>,
}

struct G {
    id: GoId,
    name: StrId,
    created: i64,
    start: i64,
    end: i64,
    acc: Acc,
    p: Pending,
    regions: Vec<RegionAcc>,
}

impl G {
    fn new(id: GoId, created: i64) -> G {
        G { id, name: 0, created, start: 0, end: 0, acc: Acc::default(), p: Pending::default(), regions: Vec::new() }
    }

    fn snapshot(&self, last: i64) -> Acc {
        let mut r = self.acc.clone();
        if self.acc.total == 0 {
            r.total = last - self.created;
        }
        if self.p.start != 0 {
            r.exec += last - self.p.start;
        }
        if self.p.runnable != 0 {
            r.sched += last - self.p.runnable;
        }
        if self.p.block != 0 {
            bump(&mut r.block, self.p.block_reason, last - self.p.block);
        }
        if self.p.syscall != 0 {
            r.syscall += last - self.p.syscall;
        }
        // Go's quirk: a syscall still blocked at the end counts as scheduler wait.
        if self.p.syscall_block != 0 {
            r.sched += last - self.p.syscall_block;
        }
        for &(name, ts) in &self.p.range {
            bump(&mut r.range, name, last - ts);
        }
        r
    }

    fn finalize(&mut self, last: i64, end: Option<i64>, trace: &Trace) {
        if let Some(t) = end {
            self.end = t;
        }
        self.acc = self.snapshot(last);
        // System goroutines can inherit a region at creation but are never part of one.
        if !is_system(trace.strings.bytes(self.name)) {
            for mut r in std::mem::take(&mut self.p.active_regions) {
                r.end = end;
                r.stats = self.acc.sub(&r.stats);
                self.regions.push(r);
            }
        }
        self.p = Pending::default();
    }
}

/// Go's `IsSystemGoroutine`.
fn is_system(name: &[u8]) -> bool {
    name.is_empty() || (name != b"runtime.main" && name.starts_with(b"runtime."))
}

struct Summarizer<'a> {
    trace: &'a Trace,
    gs: Vec<G>,
    slot: IdMap<GoId, usize>,
    /// P ↔ G bindings of goroutines in a syscall, to see the P taken away (syscall block).
    syscalling_p: IdMap<i64, GoId>,
    syscalling_g: IdMap<GoId, i64>,
    /// (P, range name) → the goroutine running when a P-scoped range began.
    ranges_p: IdMap<(i64, StrId), GoId>,
    last_ts: i64,
    sync_ts: i64,
}

impl Summarizer<'_> {
    fn g(&mut self, id: GoId) -> Option<&mut G> {
        let i = *self.slot.get(&id)?;
        Some(&mut self.gs[i])
    }

    fn insert(&mut self, g: G) {
        // A reused ID replaces the old record, as Go's map assignment does.
        match self.slot.get(&g.id) {
            Some(&i) => self.gs[i] = g,
            None => {
                self.slot.insert(g.id, self.gs.len());
                self.gs.push(g);
            }
        }
    }

    fn go_transition(&mut self, i: usize, id: GoId, old: GoState, new: GoState) {
        let ev = self.trace.event(i);
        let t = ev.time();
        let reason = ev.reason();
        match old {
            GoState::Undetermined => {
                let mut g = G::new(id, self.sync_ts);
                // The time since the Sync is credited to the state the goroutine is found in.
                let d = t - self.sync_ts;
                match new {
                    GoState::Running => g.acc.exec += d,
                    GoState::Waiting => bump(&mut g.acc.block, reason, d),
                    GoState::Runnable => g.acc.sched += d,
                    GoState::Syscall if ev.proc() == NO_PROC => g.acc.syscall_block += d,
                    GoState::Syscall => g.acc.syscall += d,
                    _ => {}
                }
                self.insert(g);
            }
            GoState::NotExist => {
                let mut g = G::new(id, t);
                let inherited = self.g(ev.goroutine()).and_then(|c| c.p.active_regions.last().map(|r| r.task));
                if let Some(task) = inherited {
                    g.p.active_regions.push(RegionAcc {
                        name: 0,
                        task,
                        start: Some(t),
                        end: None,
                        stats: Acc::default(),
                    });
                }
                self.insert(g);
            }
            _ => {}
        }
        let Some(&gi) = self.slot.get(&id) else { return };
        let mut unbind = false;
        {
            let g = &mut self.gs[gi];
            match old {
                GoState::Running => {
                    g.acc.exec += t - g.p.start;
                    g.p.start = 0;
                }
                GoState::Waiting if g.p.block != 0 => {
                    bump(&mut g.acc.block, g.p.block_reason, t - g.p.block);
                    g.p.block = 0;
                }
                GoState::Runnable if g.p.runnable != 0 => {
                    g.acc.sched += t - g.p.runnable;
                    g.p.runnable = 0;
                }
                GoState::Syscall if g.p.syscall != 0 => {
                    if g.p.syscall_block != 0 {
                        g.acc.syscall_block += t - g.p.syscall_block;
                        g.acc.syscall += g.p.syscall_block - g.p.syscall;
                    } else {
                        g.acc.syscall += t - g.p.syscall;
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
                }
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
                if g.start == 0 {
                    g.start = t;
                }
            }
            GoState::Runnable => self.gs[gi].p.runnable = t,
            GoState::Waiting if self.trace.strings.bytes(reason) != b"forever" => {
                let g = &mut self.gs[gi];
                g.p.block = t;
                g.p.block_reason = reason;
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
        match ev.kind() {
            EventKind::RangeBegin | EventKind::RangeActive => {
                let gid = match r.scope {
                    Resource::Goroutine(g) => g,
                    Resource::Proc(p) => {
                        let cur = ev.goroutine();
                        if self.slot.contains_key(&cur) {
                            self.ranges_p.insert((p, r.name), cur);
                        }
                        cur
                    }
                    _ => return,
                };
                let Some(g) = self.g(gid) else { return };
                let at = if ev.kind() == EventKind::RangeActive {
                    if let Some(&(_, ts)) = g.p.range.iter().find(|e| e.0 == r.name && e.1 != 0) {
                        bump(&mut g.acc.range, r.name, sync_ts - ts);
                    }
                    sync_ts
                } else {
                    t
                };
                match g.p.range.iter_mut().find(|e| e.0 == r.name) {
                    Some(e) => e.1 = at,
                    None => g.p.range.push((r.name, at)),
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
                if let Some(k) = g.p.range.iter().position(|e| e.0 == r.name && e.1 != 0) {
                    let ts = g.p.range.swap_remove(k).1;
                    bump(&mut g.acc.range, r.name, t - ts);
                }
            }
        }
    }

    fn region(&mut self, i: usize) {
        let ev = self.trace.event(i);
        let Some(info) = ev.region() else { return };
        let t = ev.time();
        let Some(g) = self.g(ev.goroutine()) else { return };
        if ev.kind() == EventKind::RegionBegin {
            let stats = g.snapshot(t);
            g.p.active_regions.push(RegionAcc { name: info.type_, task: info.task, start: Some(t), end: None, stats });
            return;
        }
        // An end without a begin: the region started before the trace.
        let mut r = g.p.active_regions.pop().unwrap_or(RegionAcc {
            name: info.type_,
            task: info.task,
            start: None,
            end: None,
            stats: Acc::default(),
        });
        r.stats = g.snapshot(t).sub(&r.stats);
        r.end = Some(t);
        g.regions.push(r);
    }
}

/// Go's goroutine analysis over the whole trace.
pub fn goroutines(trace: &Trace) -> GoroutineAnalysis {
    let mut s = Summarizer {
        trace,
        gs: Vec::new(),
        slot: IdMap::default(),
        syscalling_p: IdMap::default(),
        syscalling_g: IdMap::default(),
        ranges_p: IdMap::default(),
        last_ts: 0,
        sync_ts: 0,
    };
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
    let mut gs = std::mem::take(&mut s.gs);
    for g in &mut gs {
        g.finalize(last, None, trace);
        g.regions.sort_by(|a, b| match (a.start, b.start) {
            (None, None) => std::cmp::Ordering::Equal,
            (None, _) => std::cmp::Ordering::Less,
            (_, None) => std::cmp::Ordering::Greater,
            (Some(x), Some(y)) => x.cmp(&y),
        });
    }
    gs.sort_by_key(|g| g.id);

    let name = |id: StrId| trace.strings.get(id).into_owned();
    let goroutines: Vec<Goroutine> = gs
        .iter()
        .map(|g| Goroutine {
            id: g.id,
            name: name(g.name),
            created_ns: g.created,
            start_ns: g.start,
            end_ns: g.end,
            stats: g.acc.resolve(trace),
            regions: g
                .regions
                .iter()
                .map(|r| Region {
                    name: name(r.name),
                    task: r.task,
                    start_ns: r.start,
                    end_ns: r.end,
                    stats: r.stats.resolve(trace),
                })
                .collect(),
        })
        .collect();

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
