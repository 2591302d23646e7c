//! Conversion of the ordered v1 stream to gotv's event model, with the rules of Go 1.27's
//! `internal/trace/tracev1.go` (trace-format.md §5.7), so that a v1 trace reads like the
//! events Go's reader returns for it.

use std::collections::BTreeSet;

use super::event::{Event, EventType as T};
use super::{malformed, Trace as V1Trace};
use crate::decoder::Decoded;
use crate::hash::IdMap;
use crate::model::{
    Frame, GoId, GoState, Metric, ProcId, ProcState, Resource, ThreadId, NO_GOROUTINE, NO_PROC, NO_TASK, NO_THREAD,
};
use crate::stacks::{StackId, NO_STACK};
use crate::strings::StrId;
use crate::trace::{Head, LogInfo, RangeInfo, RegionInfo, SyncInfo, TaskInfo, Trace, TransitionStack};
use crate::Error;

/// Go 1.27's names for the 1.21 STW kinds (`STWReason`), which v1 converts to.
const STW_REASONS: [&str; 17] = [
    "",
    "GC mark termination",
    "GC sweep termination",
    "write heap dump",
    "goroutine profile",
    "goroutine profile cleanup",
    "all goroutine stack trace",
    "read mem stats",
    "AllThreadsSyscall",
    "GOMAXPROCS",
    "start trace",
    "stop trace",
    "CountPagesInUse (test)",
    "ReadMetricsSlow (test)",
    "ReadMemStatsSlow (test)",
    "PageCachePagesLeaked (test)",
    "ResetDebugLog (test)",
];

/// Slots of `Converter::builtins` before the STW range names.
const STW_SLOTS: usize = 64;

/// The stop/block reason or range name Go gives each v1 event type.
fn kind_string(kind: T) -> &'static str {
    match kind {
        T::GoStop => "forever",
        T::GoPreempt => "preempted",
        T::GoSched => "runtime.Gosched",
        T::GoSleep => "sleep",
        T::GoBlockSend => "chan send",
        T::GoBlockRecv => "chan receive",
        T::GoBlockNet => "network",
        T::GoBlockSync => "sync",
        T::GoBlockCond => "sync.(*Cond).Wait",
        T::GoBlockSelect => "select",
        T::GoBlockGC => "GC mark assist wait for work",
        T::GCStart | T::GCDone => "GC concurrent mark phase",
        T::GCSweepStart | T::GCSweepDone => "GC incremental sweep",
        T::GCMarkAssistStart | T::GCMarkAssistDone => "GC mark assist",
        _ => "",
    }
}

type Ctx = (ThreadId, ProcId, GoId);

struct Converter<'t, 'a> {
    v1: &'t V1Trace<'a>,
    out: Trace,
    last_ts: i64,
    strings: IdMap<u64, StrId>,
    stacks: IdMap<u64, StackId>,
    /// The thread of each P's latest ProcStart: v1 events name no thread.
    proc_threads: IdMap<u64, ThreadId>,
    seen_procs: IdMap<u64, ()>,
    /// Until the first Gomaxprocs the runtime lists the goroutines that already exist.
    pre_init: bool,
    created_pre_init: BTreeSet<u64>,
    tasks: IdMap<u64, (u64, StrId)>,
    /// Index into `STW_REASONS` of the latest STWStart, which its STWDone reports.
    last_stw: usize,
    /// Interned builtin strings: per v1 event type, then per STW reason.
    builtins: Vec<Option<StrId>>,
    /// Syncs pushed so far.
    syncs: u32,
}

impl Converter<'_, '_> {
    /// Converts the next events of `evs`, whose blocking syscalls are listed in `blocked`;
    /// `false` when none is left. Out of line, for [`crate::trace::repeat`].
    #[inline(never)]
    fn next<'b>(
        &mut self,
        evs: &mut impl Iterator<Item = (usize, Event)>,
        blocked: &mut std::iter::Peekable<impl Iterator<Item = &'b u32>>,
    ) -> Result<bool, Error> {
        for _ in 0..crate::trace::STEP {
            let Some((i, ev)) = evs.next() else { return Ok(false) };
            if i == 0 {
                self.sync(ev.ts.saturating_sub(1));
            }
            let is_blocked = blocked.next_if(|&&at| at as usize == i).is_some();
            self.convert(&ev, is_blocked)?;
        }
        Ok(true)
    }

    /// Go's reader brackets the events with Syncs.
    fn sync(&mut self, time: i64) {
        self.syncs += 1;
        self.out.push_sync(time, SyncInfo { n: self.syncs, generation: None, clock: None });
    }

    /// Go's reader never returns two events at the same time.
    fn time(&mut self, t: i64) -> i64 {
        self.last_ts = if t <= self.last_ts { self.last_ts.saturating_add(1) } else { t };
        self.last_ts
    }

    fn string(&mut self, id: u64) -> StrId {
        if id == 0 {
            return 0;
        }
        let (v1, out) = (self.v1, &mut self.out);
        *self.strings.entry(id).or_insert_with(|| out.strings.intern(v1.strings.get(id)))
    }

    /// A string the conversion adds (reasons, range names), interned once per `slot`.
    fn builtin(&mut self, slot: usize, s: impl FnOnce() -> String) -> StrId {
        if let Some(&Some(id)) = self.builtins.get(slot) {
            return id;
        }
        let id = self.out.strings.intern(s().as_bytes());
        if slot >= self.builtins.len() {
            self.builtins.resize(slot + 1, None);
        }
        self.builtins[slot] = Some(id);
        id
    }

    /// The model's stack for a v1 stack ID; missing stacks are none, as in Go.
    fn stack(&mut self, id: u64) -> StackId {
        let Ok(id32) = u32::try_from(id) else { return NO_STACK };
        if id == 0 || !self.v1.stacks.contains(id32) {
            return NO_STACK;
        }
        if let Some(&s) = self.stacks.get(&id) {
            return s;
        }
        let v1 = self.v1;
        let frames: Vec<Frame> = v1
            .stack(id32)
            .map(|f| Frame { pc: f.pc, func: self.string(f.func), file: self.string(f.file), line: f.line })
            .collect();
        let s = self.out.stacks.intern(&frames);
        self.stacks.insert(id, s);
        s
    }

    fn ctx(&self, ev: &Event) -> Ctx {
        let p = ProcId::from(ev.p);
        let m = if ev.p != -1 && ev.kind != T::CPUSample {
            self.proc_threads.get(&(p as u64)).copied().unwrap_or(NO_THREAD)
        } else {
            NO_THREAD
        };
        let g = if ev.g == 0 { NO_GOROUTINE } else { ev.g as GoId };
        (m, p, g)
    }

    fn head(&mut self, t: i64, ctx: Ctx, stack: StackId) -> Head {
        Head { time: self.time(t), ctx, stack }
    }

    #[allow(clippy::too_many_arguments)]
    fn go(
        &mut self,
        t: i64,
        ctx: Ctx,
        stack: StackId,
        id: u64,
        from: GoState,
        to: GoState,
        reason: StrId,
        ts: TransitionStack,
    ) {
        let h = self.head(t, ctx, stack);
        self.out.push_go_transition(h, (id as GoId, from, to), reason, ts);
    }

    fn proc(&mut self, t: i64, ctx: Ctx, from: ProcState, to: ProcState) {
        let h = self.head(t, ctx, NO_STACK);
        self.out.push_proc_transition(h, ctx.1, from, to);
    }

    #[allow(clippy::too_many_arguments)]
    fn range(
        &mut self,
        kind: crate::EventKind,
        t: i64,
        ctx: Ctx,
        stack: StackId,
        name: StrId,
        scope: Resource,
        attrs: Option<(u64, u64)>,
    ) {
        let h = self.head(t, ctx, stack);
        self.out.push_range(kind, h, RangeInfo { name, scope }, attrs);
    }

    fn stw_reason(&self, kind: u64) -> usize {
        let reason = match self.v1.version.0 {
            v if v < 21 => match kind {
                0 | 1 => kind + 1,
                _ => 0,
            },
            _ if kind < STW_REASONS.len() as u64 => kind,
            _ => 0,
        };
        reason as usize
    }

    fn convert(&mut self, ev: &Event, blocked_syscall: bool) -> Result<(), Error> {
        use crate::EventKind as K;
        use GoState::*;
        if ev.kind == T::ProcStart {
            self.proc_threads.insert(ev.p as u64, ev.args[0] as ThreadId);
        }
        let ctx = self.ctx(ev);
        let stack = if ev.kind.has_stack() { self.stack(u64::from(ev.stack)) } else { NO_STACK };
        let t = ev.ts;
        let (g, none) = (ctx.2, TransitionStack::None);
        let builtin = match kind_string(ev.kind) {
            "" => 0,
            s => self.builtin(ev.kind as usize, || s.into()),
        };
        match ev.kind {
            T::Gomaxprocs if self.pre_init => {
                // The first Gomaxprocs ends the list of goroutines that existed at the start;
                // those neither waiting, in a syscall nor started since were runnable.
                self.pre_init = false;
                for id in std::mem::take(&mut self.created_pre_init) {
                    let none_ctx = (NO_THREAD, NO_PROC, NO_GOROUTINE);
                    self.go(t, none_ctx, NO_STACK, id, Undetermined, Runnable, 0, TransitionStack::SameAsEvent);
                }
            }
            T::Gomaxprocs => {
                let h = self.head(t, ctx, stack);
                self.out.push_metric(h, Metric::Gomaxprocs, ev.args[0]);
            }
            T::HeapAlloc | T::HeapGoal => {
                let metric = if ev.kind == T::HeapAlloc { Metric::HeapObjects } else { Metric::HeapGoal };
                let h = self.head(t, ctx, stack);
                self.out.push_metric(h, metric, ev.args[0]);
            }
            T::ProcStart | T::ProcStop => {
                let first = self.seen_procs.insert(ev.p as u64, ()).is_none();
                let (from, to) = match (ev.kind, first) {
                    (T::ProcStart, true) => (ProcState::Undetermined, ProcState::Running),
                    (T::ProcStart, false) => (ProcState::Idle, ProcState::Running),
                    (_, true) => (ProcState::Undetermined, ProcState::Idle),
                    (_, false) => (ProcState::Running, ProcState::Idle),
                };
                self.proc(t, ctx, from, to);
                if ev.kind == T::ProcStop {
                    self.proc_threads.remove(&(ev.p as u64));
                }
            }
            T::GCStart | T::GCDone => {
                let kind = if ev.kind == T::GCStart { K::RangeBegin } else { K::RangeEnd };
                self.range(kind, t, ctx, stack, builtin, Resource::None, None);
            }
            T::STWStart | T::STWDone => {
                let kind = if ev.kind == T::STWStart {
                    self.last_stw = self.stw_reason(ev.args[0]);
                    K::RangeBegin
                } else {
                    K::RangeEnd
                };
                let reason = self.last_stw;
                let name = self.builtin(STW_SLOTS + reason, || format!("stop-the-world ({})", STW_REASONS[reason]));
                self.range(kind, t, ctx, stack, name, Resource::Goroutine(g), None);
            }
            T::GCSweepStart => self.range(K::RangeBegin, t, ctx, stack, builtin, Resource::Proc(ctx.1), None),
            T::GCSweepDone => {
                let attrs = Some((ev.args[0], ev.args[1]));
                self.range(K::RangeEnd, t, ctx, stack, builtin, Resource::Proc(ctx.1), attrs);
            }
            T::GCMarkAssistStart | T::GCMarkAssistDone => {
                let kind = if ev.kind == T::GCMarkAssistStart { K::RangeBegin } else { K::RangeEnd };
                self.range(kind, t, ctx, stack, builtin, Resource::Goroutine(g), None);
            }
            T::GoCreate if self.pre_init => {
                self.created_pre_init.insert(ev.args[0]);
            }
            T::GoCreate => {
                // Go reports the start stack even when it is missing, as a stack without frames.
                let start = match self.stack(ev.args[1]) {
                    NO_STACK => self.out.stacks.intern(&[]),
                    s => s,
                };
                self.go(t, ctx, stack, ev.args[0], NotExist, Runnable, 0, TransitionStack::Other(start));
            }
            T::GoStart if self.pre_init => {
                self.created_pre_init.remove(&ev.args[0]);
                self.go(t, ctx, NO_STACK, ev.args[0], Undetermined, Running, 0, TransitionStack::SameAsEvent);
            }
            T::GoStart => self.go(t, ctx, NO_STACK, ev.args[0], Runnable, Running, 0, none),
            T::GoStartLabel => {
                // Go builds this context without mapping G 0 to "no goroutine".
                let ctx = (ctx.0, ctx.1, ev.g as GoId);
                self.go(t, ctx, NO_STACK, ev.args[0], Runnable, Running, 0, none);
                let label = self.string(ev.args[2]);
                let h = self.head(t, ctx, NO_STACK);
                self.out.push(K::Label, h, 0, label);
            }
            T::GoWaiting | T::GoInSyscall => {
                self.created_pre_init.remove(&ev.args[0]);
                let to = if ev.kind == T::GoWaiting { Waiting } else { Syscall };
                self.go(t, ctx, NO_STACK, ev.args[0], Undetermined, to, 0, TransitionStack::SameAsEvent);
            }
            T::GoEnd => self.go(t, ctx, stack, g as u64, Running, NotExist, 0, none),
            T::GoSched | T::GoPreempt => {
                self.go(t, ctx, stack, g as u64, Running, Runnable, builtin, TransitionStack::SameAsEvent);
            }
            T::GoStop
            | T::GoSleep
            | T::GoBlock
            | T::GoBlockSend
            | T::GoBlockRecv
            | T::GoBlockSelect
            | T::GoBlockSync
            | T::GoBlockCond
            | T::GoBlockNet
            | T::GoBlockGC => {
                self.go(t, ctx, stack, g as u64, Running, Waiting, builtin, TransitionStack::SameAsEvent);
            }
            T::GoUnblock => self.go(t, ctx, stack, ev.args[0], Waiting, Runnable, 0, none),
            // An instant in v1; Go makes it a 1 ns syscall unless the goroutine's next event
            // says it blocked, in which case the GoSysExit ends it.
            T::GoSysCall => {
                self.go(t, ctx, stack, g as u64, Running, Syscall, 0, TransitionStack::SameAsEvent);
                if !blocked_syscall {
                    self.go(t.saturating_add(1), ctx, NO_STACK, g as u64, Syscall, Running, 0, none);
                }
            }
            T::GoSysBlock => {}
            T::GoSysExit => self.go(t, ctx, NO_STACK, g as u64, Syscall, Runnable, 0, none),
            T::UserTaskCreate => {
                let parent = if ev.args[1] == 0 { NO_TASK } else { ev.args[1] };
                let name = self.string(ev.args[2]);
                // The end reports the parent as written, 0 included (a Go 1.27 quirk).
                self.tasks.insert(ev.args[0], (ev.args[1], name));
                let h = self.head(t, ctx, stack);
                self.out.push_task(K::TaskBegin, h, TaskInfo { id: ev.args[0], parent, type_: name });
            }
            T::UserTaskEnd => {
                let (parent, type_) = self.tasks.remove(&ev.args[0]).unwrap_or((NO_TASK, 0));
                let h = self.head(t, ctx, stack);
                self.out.push_task(K::TaskEnd, h, TaskInfo { id: ev.args[0], parent, type_ });
            }
            T::UserRegion => {
                let kind = if ev.args[1] == 0 { K::RegionBegin } else { K::RegionEnd };
                let region = RegionInfo { task: ev.args[0], type_: self.string(ev.args[2]) };
                let h = self.head(t, ctx, stack);
                self.out.push_region(kind, h, region);
            }
            T::UserLog => {
                let category = self.string(ev.args[1]);
                let message = self.out.strings.intern(self.v1.log_bytes(ev));
                let h = self.head(t, ctx, stack);
                self.out.push_log(h, LogInfo { task: ev.args[0], category, message });
            }
            T::CPUSample => {
                let h = self.head(t, ctx, stack);
                self.out.push(K::StackSample, h, 0, 0);
            }
            // Only Go 1.21 read 1.5–1.10, and it kept these wakeups outside a futile sequence.
            T::FutileWakeup if self.v1.version.0 < 11 => {}
            kind => {
                return Err(malformed(format!("unexpected event type {} ({kind})", kind as u8), ev.offset as usize));
            }
        }
        Ok(())
    }
}

/// Converts a parsed v1 trace. As Go's reader, it brackets the events with two Sync events
/// and stops at the first event it cannot convert, keeping those before it.
pub fn convert(mut v1: V1Trace<'_>) -> Decoded {
    let events = std::mem::take(&mut v1.events).freeing_iter();
    // GoStarts convert without a stack: the stacks their GoCreates gave them only serve
    // `Trace::events`.
    v1.start_stacks = Vec::new();
    let mut c = Converter {
        v1: &v1,
        out: Trace::new(Some(v1.version)),
        last_ts: -1,
        strings: IdMap::default(),
        stacks: IdMap::default(),
        proc_threads: IdMap::default(),
        seen_procs: IdMap::default(),
        pre_init: true,
        created_pre_init: BTreeSet::new(),
        tasks: IdMap::default(),
        last_stw: 0,
        builtins: Vec::new(),
        syncs: 0,
    };
    // Reserved for the events as validation counted them: any more would double the
    // columns. A goroutine that existed at the start becomes one event at the first
    // Gomaxprocs instead of at its GoCreate.
    c.out.reserve(v1.model);
    let mut blocked = v1.blocked_syscalls.iter().peekable();
    let mut evs = v1.read_all(events).enumerate();
    let error = crate::trace::repeat(|| c.next(&mut evs, &mut blocked)).err();
    if error.is_none() {
        let end = c.last_ts.saturating_add(1);
        c.sync(end);
    }
    c.out.index_resources();
    Decoded { trace: c.out, error }
}

/// Decodes a whole v1 file into the event model.
pub fn decode(data: &[u8]) -> Decoded {
    match super::parse(data) {
        Ok(v1) => convert(v1),
        Err(error) => {
            let mut trace = Trace::new(crate::read_header(data).ok());
            trace.index_resources();
            Decoded { trace, error: Some(error) }
        }
    }
}
