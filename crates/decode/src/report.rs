//! Turns ordered events into the event model (Go's `Event` accessors, `internal/trace/event.go`):
//! checks their table IDs, forces strictly increasing times, and stores them.

use crate::generation::Generation;
use crate::model::*;
use crate::order::{go_state, proc_state, BaseEvent, Ctx, MISSING_STRING};
use crate::stacks::{StackId, NO_STACK};
use crate::strings::StrId;
use crate::taken::{Item, Taken};
use crate::trace::{Head, LogInfo, RangeInfo, RegionInfo, TaskInfo, Trace, TransitionStack};
use crate::wire::*;

fn ctx_tuple(c: Ctx) -> (ThreadId, ProcId, GoId) {
    (c.m, c.p, c.g)
}

/// Go's `validateTableIDs`: every stack and string argument must exist in the generation.
/// Returns the event's own stack (its spec's first stack argument), resolved.
#[inline]
pub(crate) fn check_ids(ev: &BaseEvent, gen: &Generation) -> Result<StackId, String> {
    let l = &LAYOUT[usize::from(ev.typ)];
    let mut own = NO_STACK;
    for (n, &i) in l.stacks.iter().enumerate() {
        if i == NO_ARG {
            break;
        }
        let id = ev.args[usize::from(i)];
        let Some(stack) = gen.stack(id) else {
            return Err(bad_id("stack", id, ev.typ));
        };
        if n == 0 {
            own = stack;
        }
    }
    let mut strings = l.strings;
    while strings != 0 {
        let id = ev.args[strings.trailing_zeros() as usize];
        if gen.string(id).is_none() {
            return Err(bad_id("string", id, ev.typ));
        }
        strings &= strings - 1;
    }
    Ok(own)
}

#[cold]
fn bad_id(what: &str, id: u64, typ: u8) -> String {
    format!("found invalid {what} ID {id} for event {}", spec(typ).map_or("?", |s| s.name))
}

/// Appends ordered events to a trace, keeping Go's time normalization state.
#[derive(Default)]
pub(crate) struct Reporter {
    pub last_ts: i64,
    pub syncs: u32,
    /// Interned names of the GC mark, sweep and assist ranges, once first seen.
    range_names: [Option<StrId>; 3],
}

const RANGE_NAMES: [&[u8]; 3] = [b"GC concurrent mark phase", b"GC incremental sweep", b"GC mark assist"];

impl Reporter {
    fn range_name(&mut self, trace: &mut Trace, i: usize) -> StrId {
        *self.range_names[i].get_or_insert_with(|| trace.strings.intern(RANGE_NAMES[i]))
    }

    fn fix_time(&mut self, t: i64) -> i64 {
        // Saturating: times must never wrap to negative, even from a corrupt file's huge deltas.
        let t = if t <= self.last_ts { self.last_ts.saturating_add(1) } else { t };
        self.last_ts = t;
        t
    }

    pub(crate) fn sync(&mut self, trace: &mut Trace, time: i64, generation: Option<u32>, clock: Option<ClockSnapshot>) {
        self.syncs += 1;
        let t = self.fix_time(time);
        trace.push_sync(t, crate::trace::SyncInfo { n: self.syncs, generation, clock });
    }

    pub(crate) fn cpu_sample(&mut self, trace: &mut Trace, time: i64, ctx: (ThreadId, ProcId, GoId), stack: StackId) {
        let t = self.fix_time(time);
        trace.push(EventKind::StackSample, Head { time: t, ctx, stack }, 0, 0);
    }

    /// Stores what the ordering took on another thread.
    pub(crate) fn taken(&mut self, trace: &mut Trace, gen: &Generation, taken: &Taken) {
        for item in taken.items() {
            match item {
                Item::Event { ctx, ev, stack } => self.event(trace, ctx, &ev, stack, gen),
                Item::CpuSample { time, ctx, stack } => {
                    self.cpu_sample(trace, time, ctx, gen.stack(stack).unwrap_or(NO_STACK))
                }
            }
        }
    }

    /// Stores one event, whose table IDs were checked and own stack resolved as it was taken.
    pub(crate) fn event(&mut self, trace: &mut Trace, c: Ctx, ev: &BaseEvent, stack: StackId, gen: &Generation) {
        let time = self.fix_time(ev.time);
        let ctx = ctx_tuple(c);
        let a = ev.args;
        let str_of = |id: u64| gen.string(id).unwrap_or(0);
        let stack_of = |id: u64| gen.stack(id).unwrap_or(NO_STACK);
        let h = Head { time, ctx, stack };
        let go = |trace: &mut Trace, id: i64, from: GoState, to: GoState, reason: StrId, ts: TransitionStack| {
            trace.push_go_transition(h, (id, from, to), reason, ts);
        };
        match ev.typ {
            EV_PROCS_CHANGE => trace.push_metric(h, Metric::Gomaxprocs, a[0]),
            EV_HEAP_ALLOC => trace.push_metric(h, Metric::HeapObjects, a[0]),
            EV_HEAP_GOAL => trace.push_metric(h, Metric::HeapGoal, a[0]),
            EV_PROC_START => trace.push_proc_transition(h, a[0] as i64, ProcState::Idle, ProcState::Running),
            EV_PROC_STOP => trace.push_proc_transition(h, c.p, ProcState::Running, ProcState::Idle),
            EV_PROC_STEAL => {
                // A steal of an abandoned P is Idle→Idle: ProcStatus reported it Idle.
                let from = if ev.extra[0] == PROC_SYSCALL_ABANDONED { ProcState::Idle } else { ProcState::Running };
                trace.push_proc_transition(h, a[0] as i64, from, ProcState::Idle)
            }
            EV_PROC_STATUS => {
                let from = ProcState::from_u8(ev.extra[0] as u8);
                trace.push_proc_transition(h, a[0] as i64, from, proc_state(a[1]))
            }
            EV_GO_CREATE | EV_GO_CREATE_BLOCKED => {
                let to = if ev.typ == EV_GO_CREATE_BLOCKED { GoState::Waiting } else { GoState::Runnable };
                // Go reports a GoCreate's start stack even when its ID is 0: as a stack
                // without frames.
                let start = if a[1] == 0 { trace.stacks.intern(&[]) } else { stack_of(a[1]) };
                go(trace, a[0] as i64, GoState::NotExist, to, 0, TransitionStack::Other(start));
            }
            EV_GO_CREATE_SYSCALL => {
                go(trace, a[0] as i64, GoState::NotExist, GoState::Syscall, 0, TransitionStack::None)
            }
            EV_GO_START => go(trace, a[0] as i64, GoState::Runnable, GoState::Running, 0, TransitionStack::None),
            EV_GO_DESTROY => go(trace, c.g, GoState::Running, GoState::NotExist, 0, TransitionStack::None),
            EV_GO_DESTROY_SYSCALL => go(trace, c.g, GoState::Syscall, GoState::NotExist, 0, TransitionStack::None),
            EV_GO_STOP => {
                go(trace, c.g, GoState::Running, GoState::Runnable, str_of(a[0]), TransitionStack::SameAsEvent)
            }
            EV_GO_BLOCK => {
                go(trace, c.g, GoState::Running, GoState::Waiting, str_of(a[0]), TransitionStack::SameAsEvent)
            }
            EV_GO_UNBLOCK | EV_GO_SWITCH | EV_GO_SWITCH_DESTROY => {
                go(trace, a[0] as i64, GoState::Waiting, GoState::Runnable, 0, TransitionStack::None)
            }
            EV_GO_SYSCALL_BEGIN => go(trace, c.g, GoState::Running, GoState::Syscall, 0, TransitionStack::SameAsEvent),
            EV_GO_SYSCALL_END => go(trace, c.g, GoState::Syscall, GoState::Running, 0, TransitionStack::None),
            EV_GO_SYSCALL_END_BLOCKED => go(trace, c.g, GoState::Syscall, GoState::Runnable, 0, TransitionStack::None),
            EV_GO_STATUS | EV_GO_STATUS_STACK => {
                let from = GoState::from_u8((a[2] >> 32) as u8);
                let to = go_state(a[2] & 0xffff_ffff);
                go(trace, a[0] as i64, from, to, 0, TransitionStack::SameAsEvent);
            }
            EV_STW_BEGIN | EV_STW_END => {
                let kind = if ev.typ == EV_STW_BEGIN { str_of(a[0]) } else { a[0] as StrId };
                let kind = if kind == MISSING_STRING { 0 } else { kind };
                let mut name = b"stop-the-world (".to_vec();
                name.extend_from_slice(trace.strings.bytes(kind));
                name.push(b')');
                let name = trace.strings.intern(&name);
                let k = if ev.typ == EV_STW_BEGIN { EventKind::RangeBegin } else { EventKind::RangeEnd };
                trace.push_range(k, h, RangeInfo { name, scope: Resource::Goroutine(c.g) }, None);
            }
            EV_GC_ACTIVE | EV_GC_BEGIN | EV_GC_END => {
                let name = self.range_name(trace, 0);
                trace.push_range(range_kind(ev.typ), h, RangeInfo { name, scope: Resource::None }, None);
            }
            EV_GC_SWEEP_ACTIVE | EV_GC_SWEEP_BEGIN | EV_GC_SWEEP_END => {
                let name = self.range_name(trace, 1);
                let attrs = (ev.typ == EV_GC_SWEEP_END).then_some((a[0], a[1]));
                // Go scopes every sweep event, even GCSweepActive(p), to the context's P.
                trace.push_range(range_kind(ev.typ), h, RangeInfo { name, scope: Resource::Proc(c.p) }, attrs);
            }
            EV_GC_MARK_ASSIST_ACTIVE | EV_GC_MARK_ASSIST_BEGIN | EV_GC_MARK_ASSIST_END => {
                let name = self.range_name(trace, 2);
                let g = if ev.typ == EV_GC_MARK_ASSIST_ACTIVE { a[0] as i64 } else { c.g };
                trace.push_range(range_kind(ev.typ), h, RangeInfo { name, scope: Resource::Goroutine(g) }, None);
            }
            EV_GO_LABEL => {
                trace.push(EventKind::Label, h, 0, str_of(a[0]));
            }
            EV_USER_TASK_BEGIN => {
                let task = TaskInfo { id: a[0], parent: a[1], type_: str_of(a[2]) };
                trace.push_task(EventKind::TaskBegin, h, task);
            }
            EV_USER_TASK_END => {
                let task = TaskInfo { id: a[0], parent: ev.extra[0], type_: ev.extra[1] as StrId };
                trace.push_task(EventKind::TaskEnd, h, task);
            }
            EV_USER_REGION_BEGIN | EV_USER_REGION_END => {
                let k = if ev.typ == EV_USER_REGION_BEGIN { EventKind::RegionBegin } else { EventKind::RegionEnd };
                trace.push_region(k, h, RegionInfo { task: a[0], type_: str_of(a[1]) });
            }
            EV_USER_LOG => {
                trace.push_log(h, LogInfo { task: a[0], category: str_of(a[1]), message: str_of(a[2]) });
            }
            t @ EV_FIRST_EXPERIMENTAL..=EV_LAST_EXPERIMENTAL => {
                trace.push_experimental(h, t, [a[0], a[1], a[2]]);
            }
            // The ordering rejects every other type before taking it.
            t => debug_assert!(false, "event type {t} was taken"),
        }
    }
}

fn range_kind(typ: u8) -> EventKind {
    match typ {
        EV_GC_ACTIVE | EV_GC_SWEEP_ACTIVE | EV_GC_MARK_ASSIST_ACTIVE => EventKind::RangeActive,
        EV_GC_END | EV_GC_SWEEP_END | EV_GC_MARK_ASSIST_END | EV_STW_END => EventKind::RangeEnd,
        _ => EventKind::RangeBegin,
    }
}
