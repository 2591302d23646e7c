//! The decoded trace, stored column-wise so a timeline or an analysis can scan one attribute
//! of millions of events without touching the others. Per-kind details that only some
//! events have live in side tables indexed by the event's `arg` column.

use std::sync::OnceLock;

use crate::contexts::{Contexts, NONE};
use crate::header::Version;
use crate::model::*;
use crate::stack_column::StackColumn;
use crate::stacks::{StackId, Stacks, NO_STACK};
use crate::strings::{StrId, Strings};
use crate::times::Times;
use crate::uints::Uints;

/// A transition's `aux` byte: the low 6 bits encode which states it goes between
/// (goroutine pairs first, then proc pairs), plus two flags.
const PAIR_MASK: u8 = 0x3f;
const GO_PAIRS: u8 = 36;
/// The transition stack is the event stack.
const TSTACK_IS_STACK: u8 = 0x80;
/// A goroutine transition of the context's own goroutine (GoStop, GoBlock, syscalls…):
/// `arg` holds the reason instead of the goroutine.
const SELF: u8 = 0x40;

/// The states of each goroutine pair, looked up rather than decoded: every transition of
/// every pass over a trace reads them.
const GO_STATES: [(GoState, GoState); GO_PAIRS as usize] = {
    let mut t = [(GoState::Undetermined, GoState::Undetermined); GO_PAIRS as usize];
    let mut i = 0;
    while i < t.len() {
        t[i] = (GoState::from_u8(i as u8 / 6), GoState::from_u8(i as u8 % 6));
        i += 1;
    }
    t
};

/// A range's scope (`aux` byte of a range event): none, or the context's goroutine or
/// proc, or anything else (kept in a side table).
const SCOPE_NONE: u8 = 0;
const SCOPE_GOROUTINE: u8 = 1;
const SCOPE_PROC: u8 = 2;
const SCOPE_OTHER: u8 = 3;

/// A goroutine's state change; see [`EventRef::go_transition`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct GoTransition {
    /// The goroutine's index in [`Trace::goroutine_ids`].
    pub slot: u32,
    pub from: GoState,
    pub to: GoState,
}

/// A proc's state change; see [`EventRef::proc_transition`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ProcTransition {
    /// The proc's index in [`Trace::proc_ids`]; `None` for a transition of no proc.
    pub slot: Option<u32>,
    pub from: ProcState,
    pub to: ProcState,
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

/// A range's scope (see [`EventRef::range_slots`]) with its goroutine or proc as an index in
/// [`Trace::goroutine_ids`] or [`Trace::proc_ids`]; `None` for an ID the trace has no index for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ScopeSlot {
    None,
    Goroutine(Option<u32>),
    Proc(Option<u32>),
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

/// Event indices grouped by resource (compressed sparse rows).
#[derive(Debug, Clone, Default)]
struct Groups {
    ends: Vec<u32>,
    items: Vec<u32>,
}

impl Groups {
    /// Groups the `n` events by their context's slot (`ctx(i)`) and, if different, by the
    /// resource a state transition is about (`resource(i)`). Both passes go through
    /// [`each_index`]: in a browser, a story's first opening waits for them.
    fn build(n_groups: usize, n: usize, ctx: impl Fn(usize) -> u32, resource: impl Fn(usize) -> u32) -> Groups {
        let mut ends = vec![0u32; n_groups + 1];
        each_index(n, |i| {
            let c = ctx(i);
            if c != NONE {
                ends[c as usize + 1] += 1;
            }
            let r = resource(i);
            if r != NONE && r != c {
                ends[r as usize + 1] += 1;
            }
        });
        for i in 1..ends.len() {
            ends[i] += ends[i - 1];
        }
        let mut items = vec![0u32; ends[n_groups] as usize];
        each_index(n, |i| {
            let (c, r) = (ctx(i), resource(i));
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
        });
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

/// What a decoder knows ahead about the events to come: see [`Trace::reserve`].
#[derive(Debug, Clone, Copy, Default)]
pub(crate) struct Expected {
    pub events: usize,
    /// Events with a stack.
    pub stacks: usize,
    pub goroutines: usize,
    /// The largest goroutine ID.
    pub max_goroutine: u64,
    /// GoCreate transitions.
    pub creates: usize,
}

impl Expected {
    /// When only the number of events is known (about half of them have a stack).
    pub(crate) fn events(events: usize) -> Expected {
        Expected { events, stacks: events / 2, ..Expected::default() }
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
    time: Times,
    /// Index into `contexts.pairs`.
    pair: Uints,
    /// Goroutine slot.
    gor: Uints,
    stack: StackColumn,
    arg: Uints,
    contexts: Contexts,
    metrics: Vec<u64>,
    /// (event, scope) of ranges not scoped to their context's goroutine or proc.
    range_scopes: Vec<(u32, Resource)>,
    tasks: Vec<TaskInfo>,
    regions: Vec<RegionInfo>,
    logs: Vec<LogInfo>,
    experimental: Vec<ExpRow>,
    syncs: Vec<SyncInfo>,
    /// (event, reason) for transitions with a reason, in event order.
    reasons: Vec<(u32, StrId)>,
    /// GoCreate transitions, whose transition stack differs: the events, in order, and
    /// their transition stacks (a trace of short-lived goroutines has millions, of a few
    /// distinct stacks).
    create_events: Vec<u32>,
    create_stacks: Uints,
    /// (event, bytes swept, bytes reclaimed) for sweep ends.
    sweep_attrs: Vec<(u32, u64, u64)>,
    /// Events by goroutine and by proc, each built on first use (a u32 per event, 140 MB on
    /// the 200 MB trace).
    by_goroutine: OnceLock<Groups>,
    by_proc: OnceLock<Groups>,
    /// Goroutine state transitions by the goroutine they change, built on first use: all a
    /// goroutine's lane and story need (a u32 per transition).
    go_transitions: OnceLock<Groups>,
}

/// Items per call of [`each_index`]'s loop body: a few hundred calls on a big trace, each long
/// enough that a call costs nothing.
const CHUNK: usize = 1 << 17;

/// Calls `f` with `0..len` in order: the way to write a loop over millions of items (events,
/// goroutines) that runs once. In a browser, a wasm function first runs as quickly compiled
/// baseline code, and its optimized build serves only the calls made once it is ready (V8 does
/// not swap it into a call already running), so such a loop written as one runs wholly in
/// baseline code. Here the loop's body runs in a function over one chunk, called once per
/// chunk, so all but the first chunks run optimized (the goroutine analysis of a 200 MB trace
/// took a third less time so in Chromium).
pub fn each_index(len: usize, f: impl FnMut(usize)) {
    in_chunks(len, CHUNK, f);
}

/// Items a [`repeat`] step handles per call.
pub(crate) const STEP: usize = 4096;

/// Calls `step` until it returns `Ok(false)` or fails: for a pass whose items come from a
/// reader rather than an index, for the reason [`each_index`] gives. `step` must call a
/// function of its own (`#[inline(never)]`) that reads and handles up to [`STEP`] items; it
/// is called from two places here, so that wasm-opt keeps it out of line.
#[inline(always)]
pub(crate) fn repeat<E>(mut step: impl FnMut() -> Result<bool, E>) -> Result<(), E> {
    if step()? {
        while step()? {}
    }
    Ok(())
}

fn in_chunks(len: usize, size: usize, mut f: impl FnMut(usize)) {
    // The first chunk and the others in two calls: wasm-opt inlines a function called from
    // one place however big it is, which would put the loop back into the caller.
    let first = size.min(len);
    chunk(0, first, &mut f);
    for start in (first..len).step_by(size) {
        chunk(start, (start + size).min(len), &mut f);
    }
}

#[inline(never)]
fn chunk(start: usize, end: usize, f: &mut impl FnMut(usize)) {
    for i in start..end {
        f(i);
    }
}

fn lookup<T: Copy>(v: &[(u32, T)], ev: u32) -> Option<T> {
    v.binary_search_by_key(&ev, |e| e.0).ok().map(|i| v[i].1)
}

/// [`EventRef::reason`] and [`EventRef::transition_stack`] for a pass that asks about events
/// in increasing index order: it walks the side tables beside the pass instead of searching
/// them for each event (millions of rows, tens of millions of transitions in a big trace).
#[derive(Debug, Default)]
pub struct TransitionCursor {
    reason: usize,
    create: usize,
}

impl TransitionCursor {
    /// Like `ev.reason()`; `ev` must not come before an event asked about earlier.
    #[inline]
    pub fn reason(&mut self, ev: EventRef<'_>) -> StrId {
        ev.reason_from(|v, i| walk(v, |e| e.0, &mut self.reason, i).map(|k| v[k].1))
    }

    /// Like `ev.transition_stack()`; `ev` must not come before an event asked about earlier.
    #[inline]
    pub fn transition_stack(&mut self, ev: EventRef<'_>) -> StackId {
        ev.transition_stack_from(|v, i| walk(v, |&e| e, &mut self.create, i))
    }
}

/// The row of event `ev` in a table sorted by event (`key`), moving `at` forward to it.
#[inline]
fn walk<T>(v: &[T], key: impl Fn(&T) -> u32, at: &mut usize, ev: u32) -> Option<usize> {
    while v.get(*at).is_some_and(|e| key(e) < ev) {
        *at += 1;
    }
    v.get(*at).filter(|e| key(e) == ev).map(|_| *at)
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
            time: Times::default(),
            pair: Uints::default(),
            gor: Uints::default(),
            stack: StackColumn::default(),
            arg: Uints::default(),
            contexts: Contexts::default(),
            metrics: Vec::new(),
            range_scopes: Vec::new(),
            tasks: Vec::new(),
            regions: Vec::new(),
            logs: Vec::new(),
            experimental: Vec::new(),
            syncs: Vec::new(),
            reasons: Vec::new(),
            create_events: Vec::new(),
            create_stacks: Uints::default(),
            sweep_attrs: Vec::new(),
            by_goroutine: OnceLock::new(),
            by_proc: OnceLock::new(),
            go_transitions: OnceLock::new(),
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

    /// Calls `f` with each event's index and kind, in order: the way to write a pass over all
    /// events (see [`each_index`]).
    pub fn each_event(&self, mut f: impl FnMut(usize, EventKind)) {
        let kinds = &self.kind[..];
        each_index(kinds.len(), |i| f(i, kinds[i]));
    }

    /// Kinds of all events, in order.
    pub fn kinds(&self) -> &[EventKind] {
        &self.kind
    }

    /// Time (ns) of event `i`. Times strictly increase with `i` (as Go forces them to), except
    /// that a corrupt file whose times reach `i64::MAX` stays there instead of wrapping.
    pub fn time(&self, i: usize) -> i64 {
        self.time.get(i)
    }

    /// Times (ns) of the first and the last event; (0, 0) for an empty trace.
    pub fn time_span(&self) -> (i64, i64) {
        match self.len() {
            0 => (0, 0),
            n => (self.time(0), self.time(n - 1)),
        }
    }

    /// Times (ns) of all events, in order.
    pub fn times(&self) -> impl ExactSizeIterator<Item = i64> + '_ {
        (0..self.len()).map(|i| self.time.get(i))
    }

    /// Index of the first event at or after `t` ns (`len()` if none): where a timeline
    /// window starts.
    pub fn first_at_or_after(&self, t: i64) -> usize {
        let (mut lo, mut hi) = (0, self.len());
        while lo < hi {
            let mid = lo + (hi - lo) / 2;
            if self.time.get(mid) < t {
                lo = mid + 1;
            } else {
                hi = mid;
            }
        }
        lo
    }

    /// Every thread, proc and goroutine ID seen in the trace.
    pub fn thread_ids(&self) -> &[ThreadId] {
        &self.contexts.threads.ids
    }

    pub fn proc_ids(&self) -> &[ProcId] {
        &self.contexts.procs.ids
    }

    /// Every goroutine's ID, by its index (the `slot` of a [`GoTransition`]).
    pub fn goroutine_ids(&self) -> &[GoId] {
        &self.contexts.goroutines.ids
    }

    /// A goroutine's index in [`Trace::goroutine_ids`].
    pub fn goroutine_slot(&self, id: GoId) -> Option<u32> {
        self.contexts.goroutines.get(id)
    }

    /// A proc's index in [`Trace::proc_ids`].
    pub fn proc_slot(&self, id: ProcId) -> Option<u32> {
        self.contexts.procs.get(id)
    }

    /// Indices of events that ran on goroutine `id` or changed its state, in order.
    /// The first call (for any goroutine) indexes the whole trace.
    pub fn goroutine_events(&self, id: GoId) -> &[u32] {
        let groups = self.by_goroutine.get_or_init(|| {
            let n = self.contexts.goroutines.ids.len();
            Groups::build(n, self.len(), |i| self.gor.get(i), |i| self.transition_of(i, false))
        });
        self.contexts.goroutines.get(id).map_or(&[], |i| groups.get(i as usize))
    }

    /// Indices of the events that changed goroutine `id`'s state, in order: its own and the
    /// ones other goroutines made (its creation, its unblocking). Far fewer than its events
    /// when it creates millions of goroutines. The first call (for any goroutine) indexes the
    /// whole trace.
    pub fn goroutine_transitions(&self, id: GoId) -> &[u32] {
        let groups = self.go_transitions.get_or_init(|| {
            let n = self.contexts.goroutines.ids.len();
            Groups::build(n, self.len(), |_| NONE, |i| self.go_transition_slot(i))
        });
        self.contexts.goroutines.get(id).map_or(&[], |i| groups.get(i as usize))
    }

    /// Indices of events that happened on proc `id` or changed its state, in order.
    /// The first call (for any proc) indexes the whole trace.
    pub fn proc_events(&self, id: ProcId) -> &[u32] {
        let groups = self.by_proc.get_or_init(|| {
            let pairs = &self.contexts.pairs;
            let proc = |i| pairs[self.pair.get(i) as usize][1];
            Groups::build(self.contexts.procs.ids.len(), self.len(), proc, |i| self.transition_of(i, true))
        });
        self.contexts.procs.get(id).map_or(&[], |i| groups.get(i as usize))
    }

    /// Builds the per-goroutine and per-proc lists now rather than on the first query.
    pub fn build_indexes(&self) {
        self.goroutine_events(NO_GOROUTINE);
        self.goroutine_transitions(NO_GOROUTINE);
        self.proc_events(NO_PROC);
    }

    /// The slot of the goroutine whose state event `i` changes, or `NONE`.
    fn go_transition_slot(&self, i: usize) -> u32 {
        let aux = self.aux[i];
        match (self.kind[i] == EventKind::StateTransition && aux & PAIR_MASK < GO_PAIRS, aux & SELF != 0) {
            (false, _) => NONE,
            (true, true) => self.gor.get(i),
            (true, false) => self.arg.get(i),
        }
    }

    /// The goroutine (`procs` false) or proc whose state event `i` changes, when that is not
    /// the event's own goroutine or proc: its slot, or `NONE`.
    fn transition_of(&self, i: usize, procs: bool) -> u32 {
        let is_proc = self.aux[i] & PAIR_MASK >= GO_PAIRS;
        if self.kind[i] == EventKind::StateTransition && is_proc == procs && self.aux[i] & SELF == 0 {
            self.arg.get(i)
        } else {
            NONE
        }
    }

    /// Approximate heap memory held by the trace, in bytes.
    pub fn heap_bytes(&self) -> usize {
        fn v<T>(x: &Vec<T>) -> usize {
            x.capacity() * std::mem::size_of::<T>()
        }
        let groups = [&self.by_goroutine, &self.by_proc, &self.go_transitions]
            .iter()
            .filter_map(|g| g.get())
            .map(|g| v(&g.ends) + v(&g.items))
            .sum::<usize>();
        v(&self.kind)
            + v(&self.aux)
            + self.time.heap_bytes()
            + self.pair.heap_bytes()
            + self.gor.heap_bytes()
            + self.stack.heap_bytes()
            + self.arg.heap_bytes()
            + self.contexts.heap_bytes()
            + v(&self.metrics)
            + v(&self.range_scopes)
            + v(&self.tasks)
            + v(&self.regions)
            + v(&self.logs)
            + v(&self.experimental)
            + v(&self.syncs)
            + v(&self.reasons)
            + v(&self.create_events)
            + self.create_stacks.heap_bytes()
            + v(&self.sweep_attrs)
            + groups
            + self.strings.heap_bytes()
            + self.stacks.heap_bytes()
            + self
                .generations
                .iter()
                .map(|g| g.experimental_batches.iter().map(|b| b.data.len()).sum::<usize>())
                .sum::<usize>()
    }

    /// Makes room for what is expected at once, so the tables do not grow by copying (in
    /// WebAssembly, memory once grown is never given back; natively, the heap keeps the
    /// holes that copies leave). Only a hint: when the allocator refuses (a huge file, or
    /// junk behind a valid header in a 4 GiB wasm memory), the tables grow as events
    /// actually arrive and decoding goes on.
    pub(crate) fn reserve(&mut self, e: Expected) {
        let events = e.events;
        // Goroutine slots, in `gor` and in the `arg` of transitions of other goroutines.
        let slots = u32::try_from(e.goroutines).unwrap_or(u32::MAX);
        let granted = self.pair.try_reserve(events).is_ok()
            && self.gor.try_reserve_up_to(events, slots).is_ok()
            && self.arg.try_reserve_up_to(events, slots).is_ok()
            && self.kind.try_reserve(events).is_ok()
            && self.aux.try_reserve(events).is_ok();
        if granted {
            self.time.reserve(events);
            self.stack.reserve(events, e.stacks.min(events));
            self.contexts.goroutines.reserve(e.goroutines, e.max_goroutine);
            let _ = self.create_events.try_reserve(e.creates);
            let _ = self.create_stacks.try_reserve(e.creates);
        }
    }

    /// Appends an event; returns its index. Side-table rows are added by the caller
    /// through the `push_*` helpers.
    #[inline]
    pub(crate) fn push(&mut self, kind: EventKind, h: Head, aux: u8, arg: u32) -> u32 {
        let Head { time, ctx, stack } = h;
        let (pair, g) = self.contexts.intern(ctx);
        let i = self.kind.len() as u32;
        self.kind.push(kind);
        self.aux.push(aux);
        self.time.push(time);
        self.pair.push(pair);
        self.gor.push(g);
        self.stack.push(stack);
        self.arg.push(arg);
        i
    }

    /// Inlined: called out of line, the states are passed through memory, stored a byte at
    /// a time and loaded together, which stalls on every event.
    #[inline(always)]
    pub(crate) fn push_go_transition(
        &mut self,
        h: Head,
        (id, from, to): (GoId, GoState, GoState),
        reason: StrId,
        tstack: TransitionStack,
    ) {
        let pair = from as u8 * 6 + to as u8;
        if id == h.ctx.2 && id != NO_GOROUTINE {
            self.push_transition(h, reason, pair | SELF, 0, tstack);
        } else {
            let res = self.contexts.goroutines.slot(id);
            self.push_transition(h, res, pair, reason, tstack);
        }
    }

    pub(crate) fn push_proc_transition(&mut self, h: Head, id: ProcId, from: ProcState, to: ProcState) {
        let res = self.contexts.procs.slot(id);
        let aux = GO_PAIRS + from as u8 * 4 + to as u8;
        self.push_transition(Head { stack: NO_STACK, ..h }, res, aux, 0, TransitionStack::None);
    }

    fn push_transition(&mut self, h: Head, res: u32, mut aux: u8, reason: StrId, tstack: TransitionStack) {
        let ev = self.kind.len() as u32;
        match tstack {
            TransitionStack::None => {}
            TransitionStack::SameAsEvent => aux |= TSTACK_IS_STACK,
            TransitionStack::Other(s) => {
                self.create_events.push(ev);
                self.create_stacks.push(s);
            }
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
        let ev = self.kind.len() as u32;
        let scope = match range.scope {
            Resource::None => SCOPE_NONE,
            Resource::Goroutine(g) if g == h.ctx.2 => SCOPE_GOROUTINE,
            Resource::Proc(p) if p == h.ctx.1 => SCOPE_PROC,
            other => {
                self.range_scopes.push((ev, other));
                SCOPE_OTHER
            }
        };
        self.push(kind, h, scope, range.name);
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

    /// Called once all events are in: gives back the memory vectors reserved for growth.
    pub(crate) fn index_resources(&mut self) {
        self.kind.shrink_to_fit();
        self.aux.shrink_to_fit();
        self.time.shrink();
        self.pair.shrink();
        self.gor.shrink();
        self.stack.shrink();
        self.arg.shrink();
        self.contexts.shrink();
        self.strings.drop_index();
        self.stacks.drop_index();
        self.metrics.shrink_to_fit();
        self.range_scopes.shrink_to_fit();
        self.tasks.shrink_to_fit();
        self.regions.shrink_to_fit();
        self.logs.shrink_to_fit();
        self.experimental.shrink_to_fit();
        self.syncs.shrink_to_fit();
        self.reasons.shrink_to_fit();
        self.create_events.shrink_to_fit();
        self.create_stacks.shrink();
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

    #[inline]
    pub fn kind(&self) -> EventKind {
        self.trace.kind[self.i]
    }

    /// Nanoseconds on the traced program's monotonic clock (v2) or since trace start (v1).
    #[inline]
    pub fn time(&self) -> i64 {
        self.trace.time.get(self.i)
    }

    #[inline]
    pub fn thread(&self) -> ThreadId {
        self.trace.contexts.threads.id(self.pair()[0])
    }

    /// The event's thread and proc as indices into [`Trace::thread_ids`] and
    /// [`Trace::proc_ids`] (`None`: no thread, no proc): a pass keeping state per thread or
    /// proc in flat vectors reads them without looking IDs up (a v2 trace's thread IDs are the
    /// OS's, large and sparse).
    #[inline]
    pub fn thread_and_proc_slots(&self) -> (Option<u32>, Option<u32>) {
        let [thread, proc] = self.pair();
        ((thread != NONE).then_some(thread), (proc != NONE).then_some(proc))
    }

    #[inline]
    pub fn proc(&self) -> ProcId {
        self.trace.contexts.procs.id(self.pair()[1])
    }

    #[inline]
    pub fn goroutine(&self) -> GoId {
        self.trace.contexts.goroutines.id(self.trace.gor.get(self.i))
    }

    /// The event's goroutine as its index in [`Trace::goroutine_ids`] (`None`: no goroutine),
    /// as [`EventRef::thread_and_proc_slots`] gives its thread and proc.
    #[inline]
    pub fn goroutine_slot(&self) -> Option<u32> {
        Some(self.trace.gor.get(self.i)).filter(|&g| g != NONE)
    }

    #[inline]
    fn pair(&self) -> [u32; 2] {
        self.trace.contexts.pairs[self.trace.pair.get(self.i) as usize]
    }

    /// The stack of the event's execution context.
    #[inline]
    pub fn stack(&self) -> StackId {
        self.trace.stack.get(self.i)
    }

    #[inline(always)]
    fn arg(&self) -> u32 {
        self.trace.arg.get(self.i)
    }

    pub fn transition(&self) -> Option<Transition> {
        if self.kind() != EventKind::StateTransition {
            return None;
        }
        if let Some(g) = self.go_slot_transition() {
            let id = self.trace.contexts.goroutines.id(g.slot);
            return Some(Transition::Goroutine { id, from: g.from, to: g.to });
        }
        let p = self.proc_transition()?;
        let id = self.trace.contexts.procs.id(p.slot.unwrap_or(NONE));
        Some(Transition::Proc { id, from: p.from, to: p.to })
    }

    /// A proc's state change with the proc as its index in [`Trace::proc_ids`], like
    /// [`EventRef::go_transition`] for goroutines. `None` for other events.
    #[inline]
    pub fn proc_transition(&self) -> Option<ProcTransition> {
        if self.kind() != EventKind::StateTransition {
            return None;
        }
        let pair = self.trace.aux[self.i] & PAIR_MASK;
        let pair = pair.checked_sub(GO_PAIRS)?;
        let slot = self.arg();
        Some(ProcTransition {
            slot: (slot != NONE).then_some(slot),
            from: ProcState::from_u8(pair / 4),
            to: ProcState::from_u8(pair % 4),
        })
    }

    /// A goroutine's state change with the goroutine as its index in
    /// [`Trace::goroutine_ids`]: a pass keeping state per goroutine in flat vectors reads it
    /// without looking its ID up (tens of millions of transitions in a big trace). `None` for
    /// other events and for transitions of no goroutine.
    #[inline(always)]
    pub fn go_transition(&self) -> Option<GoTransition> {
        if self.kind() != EventKind::StateTransition {
            return None;
        }
        self.go_slot_transition().filter(|g| g.slot != NONE)
    }

    /// A state transition's goroutine slot (`NONE` for no goroutine) and states, unless it is
    /// a proc's.
    #[inline(always)]
    fn go_slot_transition(&self) -> Option<GoTransition> {
        let aux = self.trace.aux[self.i];
        let &(from, to) = GO_STATES.get((aux & PAIR_MASK) as usize)?;
        // Both columns read and one kept, without a branch: which one it is follows no
        // pattern that a branch could predict.
        let (own, other) = (self.trace.gor.get(self.i), self.arg());
        let slot = if aux & SELF != 0 { own } else { other };
        Some(GoTransition { slot, from, to })
    }

    /// Why a goroutine stopped or blocked (0 = "").
    pub fn reason(&self) -> StrId {
        self.reason_from(lookup)
    }

    /// The reason, with `side` finding it in the side table of reasons when the event does not
    /// hold it itself.
    #[inline]
    fn reason_from(&self, side: impl FnOnce(&[(u32, StrId)], u32) -> Option<StrId>) -> StrId {
        if self.kind() != EventKind::StateTransition {
            return 0;
        }
        if self.trace.aux[self.i] & SELF != 0 {
            return self.arg();
        }
        side(&self.trace.reasons, self.i as u32).unwrap_or(0)
    }

    /// The stack of the goroutine a transition is about (GoCreate: its start function).
    pub fn transition_stack(&self) -> StackId {
        self.transition_stack_from(|v, ev| v.binary_search(&ev).ok())
    }

    #[inline]
    fn transition_stack_from(&self, side: impl FnOnce(&[u32], u32) -> Option<usize>) -> StackId {
        if self.kind() != EventKind::StateTransition {
            return NO_STACK;
        }
        if self.trace.aux[self.i] & TSTACK_IS_STACK != 0 {
            return self.stack();
        }
        let t = self.trace;
        side(&t.create_events, self.i as u32).map_or(NO_STACK, |k| t.create_stacks.get(k))
    }

    // Inlined, and without a panic path, so that a pass wanting one metric reads the values
    // of only that one (a trace has millions of heap metrics).
    #[inline]
    pub fn metric(&self) -> Option<(Metric, u64)> {
        if self.kind() != EventKind::Metric {
            return None;
        }
        let m = match self.trace.aux.get(self.i)? {
            0 => Metric::Gomaxprocs,
            1 => Metric::HeapObjects,
            _ => Metric::HeapGoal,
        };
        Some((m, *self.trace.metrics.get(self.arg() as usize)?))
    }

    /// A label and the goroutine it applies to.
    pub fn label(&self) -> Option<(StrId, Resource)> {
        (self.kind() == EventKind::Label).then(|| (self.arg(), Resource::Goroutine(self.goroutine())))
    }

    pub fn range(&self) -> Option<RangeInfo> {
        if !matches!(self.kind(), EventKind::RangeBegin | EventKind::RangeActive | EventKind::RangeEnd) {
            return None;
        }
        let scope = match self.trace.aux[self.i] {
            SCOPE_NONE => Resource::None,
            SCOPE_GOROUTINE => Resource::Goroutine(self.goroutine()),
            SCOPE_PROC => Resource::Proc(self.proc()),
            _ => lookup(&self.trace.range_scopes, self.i as u32).unwrap_or(Resource::None),
        };
        Some(RangeInfo { name: self.arg(), scope })
    }

    /// [`EventRef::range`] with the scope's goroutine or proc as its index in the trace: a pass
    /// keeping state per goroutine or proc in flat vectors reads the event's own (the usual
    /// scope) without looking IDs up and back (millions of GC sweeps in a server's trace).
    #[inline]
    pub fn range_slots(&self) -> Option<(StrId, ScopeSlot)> {
        if !matches!(self.kind(), EventKind::RangeBegin | EventKind::RangeActive | EventKind::RangeEnd) {
            return None;
        }
        let t = self.trace;
        let scope = match t.aux[self.i] {
            SCOPE_NONE => ScopeSlot::None,
            SCOPE_GOROUTINE => ScopeSlot::Goroutine(self.goroutine_slot()),
            SCOPE_PROC => ScopeSlot::Proc(self.thread_and_proc_slots().1),
            _ => match lookup(&t.range_scopes, self.i as u32) {
                Some(Resource::Goroutine(g)) => ScopeSlot::Goroutine(t.goroutine_slot(g)),
                Some(Resource::Proc(p)) => ScopeSlot::Proc(t.proc_slot(p)),
                _ => ScopeSlot::None,
            },
        };
        Some((self.arg(), scope))
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

#[cfg(test)]
mod tests {
    use super::*;

    /// Chunks of any size, the last one partial, visit every index once, in order.
    #[test]
    fn chunks_visit_every_index_in_order() {
        for size in [1, 7, 999, 1000, 1001, CHUNK] {
            let mut seen = Vec::new();
            in_chunks(1000, size, |i| seen.push(i));
            assert_eq!(seen, (0..1000).collect::<Vec<_>>(), "chunks of {size}");
        }
    }
}
