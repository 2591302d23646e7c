//! The decoded trace, stored column-wise so a timeline or an analysis can scan one attribute
//! of millions of events without touching the others. Per-kind details that only some
//! events have live in side tables indexed by the event's `arg` column.

use crate::hash::FxMap;
use crate::header::Version;
use crate::model::*;
use crate::stacks::{StackId, Stacks, NO_STACK};
use crate::strings::{StrId, Strings};

/// Dense index into `threads`/`procs`/`goroutines`; `NONE` = no resource.
const NONE: u32 = u32::MAX;

/// Flag in a transition's `aux` byte: its transition stack is the event stack.
const TSTACK_IS_STACK: u8 = 0x80;
/// Flag in a transition's `aux` byte: the resource is a proc.
const PROC_RESOURCE: u8 = 0x40;

#[derive(Debug, Clone, Copy)]
struct RangeRow {
    name: StrId,
    scope: Resource,
}

#[derive(Debug, Clone, Copy)]
pub struct TaskInfo {
    pub id: TaskId,
    pub parent: TaskId,
    pub type_: StrId,
}

#[derive(Debug, Clone, Copy)]
pub struct RegionInfo {
    pub task: TaskId,
    pub type_: StrId,
}

#[derive(Debug, Clone, Copy)]
pub struct LogInfo {
    pub task: TaskId,
    pub category: StrId,
    pub message: StrId,
}

#[derive(Debug, Clone, Copy)]
pub struct RangeInfo {
    pub name: StrId,
    pub scope: Resource,
}

#[derive(Debug, Clone, Copy)]
struct ExpRow {
    typ: u8,
    args: [u64; 3],
}

/// An experimental event, exposed raw as Go does.
#[derive(Debug, Clone, Copy)]
pub struct ExperimentalEvent {
    pub name: &'static str,
    pub experiment: &'static str,
    pub arg_names: &'static [&'static str],
    pub args: [u64; 3],
}

#[derive(Debug, Clone, Copy)]
pub struct SyncInfo {
    /// 1 for the first Sync of the trace.
    pub n: u32,
    /// Index into [`Trace::generations`] of the generation this Sync starts, if any.
    pub generation: Option<u32>,
    pub clock: Option<ClockSnapshot>,
}

/// What is known about one generation (v2) of the trace.
#[derive(Debug, Clone)]
pub struct GenerationInfo {
    pub number: u64,
    /// Index of the generation's Sync event.
    pub first_event: u32,
    /// Trace clock ticks per second.
    pub freq: u64,
    pub clock: Option<ClockSnapshot>,
    pub experimental_batches: Vec<ExperimentalBatch>,
}

/// Dense indices for one ID space (threads, procs or goroutines).
#[derive(Debug, Clone, Default)]
struct Ids {
    ids: Vec<i64>,
    index: FxMap<i64, u32>,
    /// The last lookup: consecutive events mostly share their M, P and G.
    last: Option<(i64, u32)>,
}

impl Ids {
    fn slot(&mut self, id: i64) -> u32 {
        if id == -1 {
            return NONE;
        }
        if let Some((last, slot)) = self.last {
            if last == id {
                return slot;
            }
        }
        let ids = &mut self.ids;
        let slot = *self.index.entry(id).or_insert_with(|| {
            ids.push(id);
            ids.len() as u32 - 1
        });
        self.last = Some((id, slot));
        slot
    }

    fn get(&self, id: i64) -> Option<u32> {
        self.index.get(&id).copied()
    }

    fn id(&self, slot: u32) -> i64 {
        if slot == NONE {
            -1
        } else {
            self.ids[slot as usize]
        }
    }

    fn heap_bytes(&self) -> usize {
        self.ids.capacity() * 8 + self.index.capacity() * 16
    }

    fn shrink(&mut self) {
        self.ids.shrink_to_fit();
        self.index.shrink_to_fit();
    }
}

/// Event indices grouped by resource (compressed sparse rows).
#[derive(Debug, Clone, Default)]
struct Groups {
    ends: Vec<u32>,
    items: Vec<u32>,
}

impl Groups {
    /// Groups events by their context slot (`ctx[i]`) and, if different, by the resource a
    /// state transition is about (`resource(i)`).
    fn build(n_groups: usize, ctx: &[u32], resource: impl Fn(usize) -> u32) -> Groups {
        let mut ends = vec![0u32; n_groups + 1];
        for (i, &c) in ctx.iter().enumerate() {
            if c != NONE {
                ends[c as usize + 1] += 1;
            }
            let r = resource(i);
            if r != NONE && r != c {
                ends[r as usize + 1] += 1;
            }
        }
        for i in 1..ends.len() {
            ends[i] += ends[i - 1];
        }
        let mut items = vec![0u32; ends[n_groups] as usize];
        for (i, &c) in ctx.iter().enumerate() {
            let r = resource(i);
            for g in [c, r] {
                if g != NONE && (g == c || r != c) {
                    let slot = &mut ends[g as usize];
                    items[*slot as usize] = i as u32;
                    *slot += 1;
                }
                if r == c {
                    break;
                }
            }
        }
        // Filling advanced each group's start to its end; shift back into "ends".
        ends.pop();
        Groups { ends, items }
    }

    fn get(&self, group: usize) -> &[u32] {
        let Some(&end) = self.ends.get(group) else { return &[] };
        let start = if group == 0 { 0 } else { self.ends[group - 1] };
        &self.items[start as usize..end as usize]
    }
}

/// A decoded trace.
#[derive(Debug, Clone)]
pub struct Trace {
    /// The header's version; `None` if the file has no valid header.
    pub version: Option<Version>,
    pub strings: Strings,
    pub stacks: Stacks,
    pub generations: Vec<GenerationInfo>,
    kind: Vec<EventKind>,
    aux: Vec<u8>,
    time: Vec<i64>,
    m: Vec<u32>,
    p: Vec<u32>,
    g: Vec<u32>,
    stack: Vec<StackId>,
    arg: Vec<u32>,
    threads: Ids,
    procs: Ids,
    goroutines: Ids,
    metrics: Vec<u64>,
    ranges: Vec<RangeRow>,
    tasks: Vec<TaskInfo>,
    regions: Vec<RegionInfo>,
    logs: Vec<LogInfo>,
    experimental: Vec<ExpRow>,
    syncs: Vec<SyncInfo>,
    /// (event, reason) for transitions with a reason, in event order.
    reasons: Vec<(u32, StrId)>,
    /// (event, stack) for GoCreate transitions, whose transition stack differs.
    create_stacks: Vec<(u32, StackId)>,
    /// (event, bytes swept, bytes reclaimed) for sweep ends.
    sweep_attrs: Vec<(u32, u64, u64)>,
    by_goroutine: Groups,
    by_proc: Groups,
}

fn lookup<T: Copy>(v: &[(u32, T)], ev: u32) -> Option<T> {
    v.binary_search_by_key(&ev, |e| e.0).ok().map(|i| v[i].1)
}

impl Trace {
    pub(crate) fn new(version: Option<Version>) -> Trace {
        Trace {
            version,
            strings: Strings::default(),
            stacks: Stacks::default(),
            generations: Vec::new(),
            kind: Vec::new(),
            aux: Vec::new(),
            time: Vec::new(),
            m: Vec::new(),
            p: Vec::new(),
            g: Vec::new(),
            stack: Vec::new(),
            arg: Vec::new(),
            threads: Ids::default(),
            procs: Ids::default(),
            goroutines: Ids::default(),
            metrics: Vec::new(),
            ranges: Vec::new(),
            tasks: Vec::new(),
            regions: Vec::new(),
            logs: Vec::new(),
            experimental: Vec::new(),
            syncs: Vec::new(),
            reasons: Vec::new(),
            create_stacks: Vec::new(),
            sweep_attrs: Vec::new(),
            by_goroutine: Groups::default(),
            by_proc: Groups::default(),
        }
    }

    pub fn len(&self) -> usize {
        self.kind.len()
    }

    pub fn is_empty(&self) -> bool {
        self.kind.is_empty()
    }

    pub fn event(&self, i: usize) -> EventRef<'_> {
        EventRef { trace: self, i }
    }

    pub fn events(&self) -> impl ExactSizeIterator<Item = EventRef<'_>> + '_ {
        (0..self.len()).map(move |i| EventRef { trace: self, i })
    }

    /// Kinds of all events, in order.
    pub fn kinds(&self) -> &[EventKind] {
        &self.kind
    }

    /// Times (ns) of all events; strictly increasing.
    pub fn times(&self) -> &[i64] {
        &self.time
    }

    /// Every thread, proc and goroutine ID seen in the trace.
    pub fn thread_ids(&self) -> &[ThreadId] {
        &self.threads.ids
    }

    pub fn proc_ids(&self) -> &[ProcId] {
        &self.procs.ids
    }

    pub fn goroutine_ids(&self) -> &[GoId] {
        &self.goroutines.ids
    }

    /// Indices of events that ran on goroutine `id` or changed its state, in order.
    pub fn goroutine_events(&self, id: GoId) -> &[u32] {
        self.goroutines.get(id).map_or(&[], |i| self.by_goroutine.get(i as usize))
    }

    /// Indices of events that happened on proc `id` or changed its state, in order.
    pub fn proc_events(&self, id: ProcId) -> &[u32] {
        self.procs.get(id).map_or(&[], |i| self.by_proc.get(i as usize))
    }

    /// Approximate heap memory held by the trace, in bytes.
    pub fn heap_bytes(&self) -> usize {
        fn v<T>(x: &Vec<T>) -> usize {
            x.capacity() * std::mem::size_of::<T>()
        }
        v(&self.kind)
            + v(&self.aux)
            + v(&self.time)
            + v(&self.m)
            + v(&self.p)
            + v(&self.g)
            + v(&self.stack)
            + v(&self.arg)
            + self.threads.heap_bytes()
            + self.procs.heap_bytes()
            + self.goroutines.heap_bytes()
            + v(&self.metrics)
            + v(&self.ranges)
            + v(&self.tasks)
            + v(&self.regions)
            + v(&self.logs)
            + v(&self.experimental)
            + v(&self.syncs)
            + v(&self.reasons)
            + v(&self.create_stacks)
            + v(&self.sweep_attrs)
            + v(&self.by_goroutine.ends)
            + v(&self.by_goroutine.items)
            + v(&self.by_proc.ends)
            + v(&self.by_proc.items)
            + self.strings.heap_bytes()
            + self.stacks.heap_bytes()
            + self
                .generations
                .iter()
                .map(|g| g.experimental_batches.iter().map(|b| b.data.len()).sum::<usize>())
                .sum::<usize>()
    }

    pub(crate) fn goroutine_slot(&mut self, id: GoId) -> u32 {
        self.goroutines.slot(id)
    }

    pub(crate) fn proc_slot(&mut self, id: ProcId) -> u32 {
        self.procs.slot(id)
    }

    /// Appends an event; returns its index. Side-table rows are added by the caller
    /// through the `push_*` helpers.
    pub(crate) fn push(&mut self, kind: EventKind, h: Head, aux: u8, arg: u32) -> u32 {
        let Head { time, ctx, stack } = h;
        let m = self.threads.slot(ctx.0);
        let p = self.procs.slot(ctx.1);
        let g = self.goroutines.slot(ctx.2);
        let i = self.kind.len() as u32;
        self.kind.push(kind);
        self.aux.push(aux);
        self.time.push(time);
        self.m.push(m);
        self.p.push(p);
        self.g.push(g);
        self.stack.push(stack);
        self.arg.push(arg);
        i
    }

    pub(crate) fn push_go_transition(
        &mut self,
        h: Head,
        (id, from, to): (GoId, GoState, GoState),
        reason: StrId,
        tstack: TransitionStack,
    ) {
        let res = self.goroutine_slot(id);
        self.push_transition(h, res, from as u8 | (to as u8) << 3, reason, tstack);
    }

    pub(crate) fn push_proc_transition(&mut self, h: Head, id: ProcId, from: ProcState, to: ProcState) {
        let res = self.proc_slot(id);
        let aux = from as u8 | (to as u8) << 3 | PROC_RESOURCE;
        self.push_transition(Head { stack: NO_STACK, ..h }, res, aux, 0, TransitionStack::None);
    }

    fn push_transition(&mut self, h: Head, res: u32, mut aux: u8, reason: StrId, tstack: TransitionStack) {
        let ev = self.kind.len() as u32;
        match tstack {
            TransitionStack::None => {}
            TransitionStack::SameAsEvent => aux |= TSTACK_IS_STACK,
            TransitionStack::Other(s) => self.create_stacks.push((ev, s)),
        }
        if reason != 0 {
            self.reasons.push((ev, reason));
        }
        self.push(EventKind::StateTransition, h, aux, res);
    }

    pub(crate) fn push_metric(&mut self, h: Head, metric: Metric, value: u64) {
        let arg = self.metrics.len() as u32;
        self.metrics.push(value);
        self.push(EventKind::Metric, h, metric as u8, arg);
    }

    pub(crate) fn push_range(&mut self, kind: EventKind, h: Head, range: RangeInfo, attrs: Option<(u64, u64)>) {
        let arg = self.ranges.len() as u32;
        self.ranges.push(RangeRow { name: range.name, scope: range.scope });
        let ev = self.push(kind, h, 0, arg);
        if let Some((swept, reclaimed)) = attrs {
            self.sweep_attrs.push((ev, swept, reclaimed));
        }
    }

    pub(crate) fn push_task(&mut self, kind: EventKind, h: Head, task: TaskInfo) {
        let arg = self.tasks.len() as u32;
        self.tasks.push(task);
        self.push(kind, h, 0, arg);
    }

    pub(crate) fn push_region(&mut self, kind: EventKind, h: Head, region: RegionInfo) {
        let arg = self.regions.len() as u32;
        self.regions.push(region);
        self.push(kind, h, 0, arg);
    }

    pub(crate) fn push_log(&mut self, h: Head, log: LogInfo) {
        let arg = self.logs.len() as u32;
        self.logs.push(log);
        self.push(EventKind::Log, h, 0, arg);
    }

    pub(crate) fn push_experimental(&mut self, h: Head, typ: u8, args: [u64; 3]) {
        let arg = self.experimental.len() as u32;
        self.experimental.push(ExpRow { typ, args });
        self.push(EventKind::Experimental, h, 0, arg);
    }

    pub(crate) fn push_sync(&mut self, time: i64, sync: SyncInfo) {
        let arg = self.syncs.len() as u32;
        self.syncs.push(sync);
        let h = Head { time, ctx: (NO_THREAD, NO_PROC, NO_GOROUTINE), stack: NO_STACK };
        self.push(EventKind::Sync, h, 0, arg);
    }

    /// Builds the per-goroutine and per-proc event lists once all events are in, and
    /// gives back the memory vectors reserved for growth.
    pub(crate) fn index_resources(&mut self) {
        let (kind, aux, arg) = (&self.kind, &self.aux, &self.arg);
        let resource = |i: usize, procs: bool| {
            let is_proc = aux[i] & PROC_RESOURCE != 0;
            if kind[i] == EventKind::StateTransition && is_proc == procs {
                arg[i]
            } else {
                NONE
            }
        };
        self.by_goroutine = Groups::build(self.goroutines.ids.len(), &self.g, |i| resource(i, false));
        self.by_proc = Groups::build(self.procs.ids.len(), &self.p, |i| resource(i, true));
        self.kind.shrink_to_fit();
        self.aux.shrink_to_fit();
        self.time.shrink_to_fit();
        self.m.shrink_to_fit();
        self.p.shrink_to_fit();
        self.g.shrink_to_fit();
        self.stack.shrink_to_fit();
        self.arg.shrink_to_fit();
        self.threads.shrink();
        self.procs.shrink();
        self.goroutines.shrink();
        self.metrics.shrink_to_fit();
        self.ranges.shrink_to_fit();
        self.tasks.shrink_to_fit();
        self.regions.shrink_to_fit();
        self.logs.shrink_to_fit();
        self.experimental.shrink_to_fit();
        self.syncs.shrink_to_fit();
        self.reasons.shrink_to_fit();
        self.create_stacks.shrink_to_fit();
        self.sweep_attrs.shrink_to_fit();
    }
}

/// What every event has: when, where (M, P, G) and its execution context's stack.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Head {
    pub time: i64,
    pub ctx: (ThreadId, ProcId, GoId),
    pub stack: StackId,
}

/// Where a state transition's stack (the stack of the goroutine being transitioned) comes from.
#[derive(Debug, Clone, Copy)]
pub(crate) enum TransitionStack {
    None,
    SameAsEvent,
    Other(StackId),
}

/// One event of a [`Trace`]: a cheap view that reads the columns on demand.
#[derive(Clone, Copy)]
pub struct EventRef<'a> {
    trace: &'a Trace,
    i: usize,
}

impl<'a> EventRef<'a> {
    pub fn index(&self) -> usize {
        self.i
    }

    pub fn trace(&self) -> &'a Trace {
        self.trace
    }

    pub fn kind(&self) -> EventKind {
        self.trace.kind[self.i]
    }

    /// Nanoseconds on the traced program's monotonic clock (v2) or since trace start (v1).
    pub fn time(&self) -> i64 {
        self.trace.time[self.i]
    }

    pub fn thread(&self) -> ThreadId {
        self.trace.threads.id(self.trace.m[self.i])
    }

    pub fn proc(&self) -> ProcId {
        self.trace.procs.id(self.trace.p[self.i])
    }

    pub fn goroutine(&self) -> GoId {
        self.trace.goroutines.id(self.trace.g[self.i])
    }

    /// The stack of the event's execution context.
    pub fn stack(&self) -> StackId {
        self.trace.stack[self.i]
    }

    fn arg(&self) -> u32 {
        self.trace.arg[self.i]
    }

    pub fn transition(&self) -> Option<Transition> {
        if self.kind() != EventKind::StateTransition {
            return None;
        }
        let aux = self.trace.aux[self.i];
        let (from, to) = (aux & 7, (aux >> 3) & 7);
        Some(if aux & PROC_RESOURCE != 0 {
            Transition::Proc {
                id: self.trace.procs.id(self.arg()),
                from: ProcState::from_u8(from),
                to: ProcState::from_u8(to),
            }
        } else {
            Transition::Goroutine {
                id: self.trace.goroutines.id(self.arg()),
                from: GoState::from_u8(from),
                to: GoState::from_u8(to),
            }
        })
    }

    /// Why a goroutine stopped or blocked (0 = "").
    pub fn reason(&self) -> StrId {
        if self.kind() != EventKind::StateTransition {
            return 0;
        }
        lookup(&self.trace.reasons, self.i as u32).unwrap_or(0)
    }

    /// The stack of the goroutine a transition is about (GoCreate: its start function).
    pub fn transition_stack(&self) -> StackId {
        if self.kind() != EventKind::StateTransition {
            return NO_STACK;
        }
        if self.trace.aux[self.i] & TSTACK_IS_STACK != 0 {
            return self.stack();
        }
        lookup(&self.trace.create_stacks, self.i as u32).unwrap_or(NO_STACK)
    }

    pub fn metric(&self) -> Option<(Metric, u64)> {
        if self.kind() != EventKind::Metric {
            return None;
        }
        let m = match self.trace.aux[self.i] {
            0 => Metric::Gomaxprocs,
            1 => Metric::HeapObjects,
            _ => Metric::HeapGoal,
        };
        Some((m, self.trace.metrics[self.arg() as usize]))
    }

    /// A label and the goroutine it applies to.
    pub fn label(&self) -> Option<(StrId, Resource)> {
        (self.kind() == EventKind::Label).then(|| (self.arg(), Resource::Goroutine(self.goroutine())))
    }

    pub fn range(&self) -> Option<RangeInfo> {
        matches!(self.kind(), EventKind::RangeBegin | EventKind::RangeActive | EventKind::RangeEnd).then(|| {
            let r = self.trace.ranges[self.arg() as usize];
            RangeInfo { name: r.name, scope: r.scope }
        })
    }

    /// Attributes of a completed range: (bytes swept, bytes reclaimed) for GC sweeps.
    pub fn range_attributes(&self) -> Option<(u64, u64)> {
        let i = self.trace.sweep_attrs.binary_search_by_key(&(self.i as u32), |a| a.0).ok()?;
        let a = self.trace.sweep_attrs[i];
        Some((a.1, a.2))
    }

    pub fn task(&self) -> Option<TaskInfo> {
        matches!(self.kind(), EventKind::TaskBegin | EventKind::TaskEnd).then(|| self.trace.tasks[self.arg() as usize])
    }

    pub fn region(&self) -> Option<RegionInfo> {
        matches!(self.kind(), EventKind::RegionBegin | EventKind::RegionEnd)
            .then(|| self.trace.regions[self.arg() as usize])
    }

    pub fn log(&self) -> Option<LogInfo> {
        (self.kind() == EventKind::Log).then(|| self.trace.logs[self.arg() as usize])
    }

    pub fn experimental(&self) -> Option<ExperimentalEvent> {
        if self.kind() != EventKind::Experimental {
            return None;
        }
        let r = self.trace.experimental[self.arg() as usize];
        let spec = crate::wire::spec(r.typ)?;
        Some(ExperimentalEvent { name: spec.name, experiment: "AllocFree", arg_names: spec.args, args: r.args })
    }

    pub fn sync(&self) -> Option<SyncInfo> {
        (self.kind() == EventKind::Sync).then(|| self.trace.syncs[self.arg() as usize])
    }
}
