//! Go's G/P/M state machine (trace-format.md §4.2–4.7, `internal/trace/order.go`): decides
//! whether the next event of an M may be taken, validates it, and queues the events the
//! reader reports (sometimes several per input event).

use crate::dense_map::DenseMap;
use crate::generation::Generation;
use crate::hash::IdMap;
use crate::model::{GoState, ProcState};
use crate::report::{check_ids, Reporter};
use crate::stacks::NO_STACK;
use crate::strings::StrId;
use crate::taken::Taken;
use crate::trace::Trace;
use crate::wire::*;

/// A decoded timed event (or one the ordering synthesized). `args` excludes `dt`;
/// `extra` carries what the ordering learned (old states, task names) to the reporting step.
#[derive(Debug, Clone, Copy, Default)]
pub(crate) struct BaseEvent {
    pub typ: u8,
    pub time: i64,
    pub args: [u64; 4],
    pub extra: [u64; 2],
}

/// An event's scheduling context: the M, P and G it happened on (-1 = none).
/// `m` sits between `p` and `g` so that copying them into a thread's state cannot become one
/// wide load of two fields just stored separately, which stalls store forwarding.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[repr(C)]
pub(crate) struct Ctx {
    pub p: i64,
    pub m: i64,
    pub g: i64,
}

/// Where taken events go: stored at once, or handed on to the reporter's thread.
pub(crate) enum Out<'a> {
    Store { report: &'a mut Reporter, trace: &'a mut Trace },
    Hand(&'a mut Taken),
}

impl Out<'_> {
    pub(crate) fn reborrow(&mut self) -> Out<'_> {
        match self {
            Out::Store { report, trace } => Out::Store { report, trace },
            Out::Hand(taken) => Out::Hand(taken),
        }
    }

    /// A CPU sample, merged in by time; `stack` is the generation's table ID.
    pub(crate) fn cpu_sample(&mut self, time: i64, ctx: (i64, i64, i64), stack: u64, gen: &Generation) {
        match self {
            Out::Store { report, trace } => report.cpu_sample(trace, time, ctx, gen.stack(stack).unwrap_or(NO_STACK)),
            Out::Hand(taken) => taken.push_cpu_sample(time, ctx, stack),
        }
    }
}

/// Where the ordering puts the events it takes while advancing one event, checked as
/// Go's reader checks them before handing them out.
pub(crate) struct Sink<'a> {
    pub out: Out<'a>,
    pub gen: &'a Generation,
    /// Drop the events instead: decoding stops right after this advance, and Go reports
    /// none of them.
    pub discard: bool,
}

impl Sink<'_> {
    #[inline]
    fn push(&mut self, ctx: Ctx, ev: &BaseEvent) -> Result<(), String> {
        if !self.discard {
            let stack = check_ids(ev, self.gen)?;
            match &mut self.out {
                Out::Store { report, trace } => report.event(trace, ctx, ev, stack, self.gen),
                Out::Hand(taken) => taken.push_event(ctx, ev, stack),
            }
        }
        Ok(())
    }
}

#[derive(Clone, Copy, PartialEq, Eq)]
struct Seq {
    gen: u64,
    n: u64,
}

impl Seq {
    fn succeeds(self, prev: Seq) -> bool {
        self.gen == prev.gen && self.n == prev.n.wrapping_add(1)
    }
}

/// What a handler makes of an event: the thread's new context if it was taken, `None` if
/// not yet, or why the trace is inconsistent.
type Step = Result<Option<Ctx>, String>;

/// An in-flight special range: the type of its begin event and, for STW, its kind.
type RangeType = (u8, StrId);

struct GState {
    status: u64,
    seq: Seq,
    spans: Option<Box<Spans>>,
}

/// A goroutine's open regions and ranges. Few goroutines have any, so they live behind a
/// pointer: a trace can have millions of goroutines, and small states stay in cache.
#[derive(Default)]
struct Spans {
    regions: Vec<(u64, StrId)>,
    ranges: Vec<RangeType>,
}

impl GState {
    fn new(status: u64, seq: Seq) -> GState {
        GState { status, seq, spans: None }
    }

    fn spans(&mut self) -> &mut Spans {
        self.spans.get_or_insert_with(Box::default)
    }
}

struct PState {
    status: u64,
    seq: Seq,
    ranges: Vec<RangeType>,
}

#[derive(PartialEq, Eq)]
enum Gc {
    Undetermined,
    NotRunning,
    Running,
}

/// Resources persist across generations; only sequence numbers expire.
pub(crate) struct Ordering {
    gs: DenseMap<GState>,
    ps: DenseMap<PState>,
    /// Thread states (the context of the thread's next event), by slot: every event looks
    /// its thread up, once. The whole context is kept, not only P and G, so that an event's
    /// context is copied from here wholesale: assembled field by field and then copied into
    /// the output queue (wide loads of narrow stores), it stalled on every event.
    ms: Vec<Ctx>,
    m_slots: IdMap<i64, usize>,
    tasks: IdMap<u64, (StrId, u64)>,
    gc_seq: u64,
    gc: Gc,
    initial_gen: u64,
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Req {
    MustNot,
    May,
    Must,
}

const USER_GO: [Req; 3] = [Req::Must, Req::Must, Req::Must];

#[inline]
fn validate(ctx: Ctx, req: [Req; 3]) -> Result<(), String> {
    let ok = |have: bool, r: Req| match r {
        Req::Must => have,
        Req::MustNot => !have,
        Req::May => true,
    };
    if ok(ctx.m != -1, req[0]) && ok(ctx.p != -1, req[1]) && ok(ctx.g != -1, req[2]) {
        return Ok(());
    }
    validation_error(ctx, req)
}

#[cold]
fn validation_error(ctx: Ctx, [m, p, g]: [Req; 3]) -> Result<(), String> {
    let check = |have: bool, req: Req, what: &str| match (req, have) {
        (Req::Must, false) => Err(format!("expected a {what} but didn't have one")),
        (Req::MustNot, true) => Err(format!("expected no {what} but had one")),
        _ => Ok(()),
    };
    check(ctx.m != -1, m, "thread")?;
    check(ctx.p != -1, p, "proc")?;
    check(ctx.g != -1, g, "goroutine")
}

fn name(typ: u8) -> &'static str {
    spec(typ).map_or("?", |s| s.name)
}

/// Go status → the state the API reports.
pub(crate) fn go_state(status: u64) -> GoState {
    match status {
        GO_RUNNABLE => GoState::Runnable,
        GO_RUNNING => GoState::Running,
        GO_SYSCALL => GoState::Syscall,
        GO_WAITING => GoState::Waiting,
        _ => GoState::Undetermined,
    }
}

pub(crate) fn proc_state(status: u64) -> ProcState {
    match status {
        PROC_RUNNING | PROC_SYSCALL => ProcState::Running,
        PROC_IDLE | PROC_SYSCALL_ABANDONED => ProcState::Idle,
        _ => ProcState::Undetermined,
    }
}

/// The begin event type a range event belongs to (Go's `StartEv`).
fn range_start(typ: u8) -> u8 {
    match typ {
        EV_STW_END => EV_STW_BEGIN,
        EV_GC_ACTIVE | EV_GC_END => EV_GC_BEGIN,
        EV_GC_SWEEP_ACTIVE | EV_GC_SWEEP_END => EV_GC_SWEEP_BEGIN,
        EV_GC_MARK_ASSIST_ACTIVE | EV_GC_MARK_ASSIST_END => EV_GC_MARK_ASSIST_BEGIN,
        t => t,
    }
}

fn begin_range(ranges: &mut Vec<RangeType>, r: RangeType) -> Result<(), String> {
    if ranges.contains(&r) {
        return Err(format!("discovered event already in-flight for when starting event {}", name(r.0)));
    }
    ranges.push(r);
    Ok(())
}

fn active_range(ranges: &mut Vec<RangeType>, r: RangeType, initial: bool) -> Result<(), String> {
    if initial {
        if ranges.contains(&r) {
            return Err(format!("found named active range already in first gen: {}", name(r.0)));
        }
        ranges.push(r);
    } else if !ranges.contains(&r) {
        return Err(format!("resource is missing active range: {}", name(r.0)));
    }
    Ok(())
}

fn end_range(ranges: &mut Vec<RangeType>, typ: u8) -> Result<StrId, String> {
    let start = range_start(typ);
    let Some(i) = ranges.iter().position(|r| r.0 == start) else {
        return Err(format!("tried to end event {}, but not in-flight", name(start)));
    };
    Ok(ranges.swap_remove(i).1)
}

/// Marks a string argument whose ID is not in the generation's table: the event is still
/// ordered, and reporting it fails as Go's table-ID check does.
pub(crate) const MISSING_STRING: StrId = StrId::MAX;

impl Ordering {
    pub(crate) fn new() -> Ordering {
        Ordering {
            gs: DenseMap::default(),
            ps: DenseMap::default(),
            ms: Vec::new(),
            m_slots: IdMap::default(),
            tasks: IdMap::default(),
            gc_seq: 0,
            gc: Gc::Undetermined,
            initial_gen: 0,
        }
    }

    /// Tries to take `ev`, written by thread `m` (whose state slot the caller keeps in
    /// `m_slot` between calls). `Ok(false)`: not yet (another M must go first), and `ev`
    /// is untouched. `Ok(true)`: `ev` was taken and the events it makes were handed to
    /// `out`. `Err`: the trace is inconsistent, or `out` refused an event.
    pub(crate) fn advance(
        &mut self,
        ev: &mut BaseEvent,
        m: i64,
        m_slot: &mut Option<usize>,
        gen: &Generation,
        out: &mut Sink<'_>,
    ) -> Result<bool, String> {
        if self.initial_gen == 0 {
            self.initial_gen = gen.number;
        }
        let slot = match (m, *m_slot) {
            (-1, _) => None,
            (_, Some(s)) => Some(s),
            (_, None) => {
                let s = self.m_slot(m);
                *m_slot = Some(s);
                Some(s)
            }
        };
        let cur = match slot {
            None => Ctx { m, p: -1, g: -1 },
            Some(s) => self.ms[s],
        };
        let g = gen.number;
        let r = match ev.typ {
            EV_PROCS_CHANGE | EV_GO_LABEL | EV_USER_LOG => self.annotation(ev, cur, out),
            EV_PROC_START => self.proc_start(ev, cur, g, out),
            EV_PROC_STOP => self.proc_stop(ev, cur, out),
            EV_PROC_STEAL => self.proc_steal(ev, cur, g, out),
            EV_PROC_STATUS => self.proc_status(ev, cur, g, out),
            EV_GO_CREATE | EV_GO_CREATE_BLOCKED => self.go_create(ev, cur, g, out),
            EV_GO_CREATE_SYSCALL => self.go_create_syscall(ev, cur, g, out),
            EV_GO_START => self.go_start(ev, cur, g, out),
            EV_GO_DESTROY | EV_GO_STOP | EV_GO_BLOCK => self.go_stop_exec(ev, cur, out),
            EV_GO_DESTROY_SYSCALL => self.go_destroy_syscall(ev, cur, out),
            EV_GO_UNBLOCK => self.go_unblock(ev, cur, g, out),
            EV_GO_SYSCALL_BEGIN => self.go_syscall_begin(ev, cur, g, out),
            EV_GO_SYSCALL_END => self.go_syscall_end(ev, cur, out),
            EV_GO_SYSCALL_END_BLOCKED => self.go_syscall_end_blocked(ev, cur, out),
            EV_GO_STATUS | EV_GO_STATUS_STACK => self.go_status(ev, cur, g, out),
            EV_STW_BEGIN | EV_GC_MARK_ASSIST_BEGIN => self.go_range_begin(ev, cur, gen, out),
            EV_STW_END | EV_GC_MARK_ASSIST_END => self.go_range_end(ev, cur, out),
            EV_GC_MARK_ASSIST_ACTIVE => self.go_range_active(ev, cur, g, out),
            EV_GC_ACTIVE => self.gc_active(ev, cur, g, out),
            EV_GC_BEGIN => self.gc_begin(ev, cur, out),
            EV_GC_END => self.gc_end(ev, cur, out),
            EV_GC_SWEEP_ACTIVE => self.sweep_active(ev, cur, g, out),
            EV_GC_SWEEP_BEGIN => self.sweep_begin(ev, cur, out),
            EV_GC_SWEEP_END => self.sweep_end(ev, cur, out),
            EV_HEAP_ALLOC | EV_HEAP_GOAL => self.heap_metric(ev, cur, out),
            EV_USER_TASK_BEGIN => self.task_begin(ev, cur, gen, out),
            EV_USER_TASK_END => self.task_end(ev, cur, out),
            EV_USER_REGION_BEGIN | EV_USER_REGION_END => self.region(ev, cur, gen, out),
            EV_GO_SWITCH | EV_GO_SWITCH_DESTROY => self.go_switch(ev, cur, g, out),
            EV_FIRST_EXPERIMENTAL..=EV_LAST_EXPERIMENTAL => self.alloc_free(ev, cur, out),
            t => Err(format!("bad event type found while ordering: {t}")),
        };
        match r {
            Ok(Some(new)) => {
                if let Some(s) = slot {
                    let st = &mut self.ms[s];
                    st.g = new.g;
                    st.p = new.p;
                }
                Ok(true)
            }
            Ok(None) => Ok(false),
            Err(e) => Err(e),
        }
    }

    fn m_slot(&mut self, m: i64) -> usize {
        let ms = &mut self.ms;
        *self.m_slots.entry(m).or_insert_with(|| {
            ms.push(Ctx { m, p: -1, g: -1 });
            ms.len() - 1
        })
    }

    fn proc_status(&mut self, ev: &mut BaseEvent, mut cur: Ctx, gen: u64, out: &mut Sink<'_>) -> Step {
        let pid = ev.args[0] as i64;
        let status = ev.args[1];
        if status > PROC_SYSCALL_ABANDONED {
            return Err(format!("invalid status for proc {pid}: {status}"));
        }
        let mut old = proc_state(status);
        if let Some(s) = self.ps.get_mut(&pid) {
            if status == PROC_SYSCALL_ABANDONED && s.status == PROC_SYSCALL {
                // Abandoned is a weaker Syscall: nothing was lost, so keep Syscall.
                old = ProcState::Running;
                ev.args[1] = PROC_SYSCALL;
            } else if status == PROC_SYSCALL_ABANDONED && s.status == PROC_SYSCALL_ABANDONED {
                old = ProcState::Idle;
            } else if s.status != status {
                return Err(format!(
                    "inconsistent status for proc {pid}: old {} vs. new {}",
                    proc_status_name(s.status),
                    proc_status_name(status)
                ));
            }
            s.seq = Seq { gen, n: 0 };
        } else {
            self.ps.insert(pid, PState { status, seq: Seq { gen, n: 0 }, ranges: Vec::new() });
            old = if gen == self.initial_gen { ProcState::Undetermined } else { ProcState::NotExist };
        }
        ev.extra[0] = old as u64;
        let mut new = cur;
        if status == PROC_RUNNING || status == PROC_SYSCALL {
            new.p = pid;
        }
        // A promoted abandoned P is Running→Running and Running binds, so the event is
        // reported on the thread that holds the P, not the one that wrote the status.
        if status == PROC_SYSCALL_ABANDONED && old == ProcState::Running {
            let Some((&mid, &s)) = self.m_slots.iter().find(|(_, &s)| self.ms[s].p == pid) else {
                return Err(format!("failed to find sched context for proc {pid} that's about to be stolen"));
            };
            cur = Ctx { m: mid, p: pid, g: self.ms[s].g };
        }
        out.push(cur, ev)?;
        Ok(Some(new))
    }

    fn proc_start(&mut self, ev: &BaseEvent, cur: Ctx, gen: u64, out: &mut Sink<'_>) -> Step {
        let pid = ev.args[0] as i64;
        let seq = Seq { gen, n: ev.args[1] };
        let s = match self.ps.get_mut(&pid) {
            Some(s) if s.status == PROC_IDLE && seq.succeeds(s.seq) && cur.p == -1 => s,
            _ => return Ok(None),
        };
        validate(cur, [Req::Must, Req::MustNot, Req::May])?;
        s.status = PROC_RUNNING;
        s.seq = seq;
        out.push(cur, ev)?;
        Ok(Some(Ctx { p: pid, ..cur }))
    }

    fn proc_stop(&mut self, ev: &BaseEvent, cur: Ctx, out: &mut Sink<'_>) -> Step {
        let Some(s) = self.ps.get_mut(&cur.p) else {
            return Err(format!("event ProcStop for proc ({}) that doesn't exist", cur.p));
        };
        if s.status != PROC_RUNNING && s.status != PROC_SYSCALL {
            return Err("ProcStop event for proc that's not Running or Syscall".into());
        }
        validate(cur, [Req::Must, Req::Must, Req::May])?;
        s.status = PROC_IDLE;
        out.push(cur, ev)?;
        Ok(Some(Ctx { p: -1, ..cur }))
    }

    fn proc_steal(&mut self, ev: &mut BaseEvent, cur: Ctx, gen: u64, out: &mut Sink<'_>) -> Step {
        let pid = ev.args[0] as i64;
        let seq = Seq { gen, n: ev.args[1] };
        let old = match self.ps.get(&pid) {
            Some(s) if (s.status == PROC_SYSCALL || s.status == PROC_SYSCALL_ABANDONED) && seq.succeeds(s.seq) => {
                s.status
            }
            _ => return Ok(None),
        };
        validate(cur, [Req::Must, Req::May, Req::May])?;
        ev.extra[0] = old;
        if let Some(s) = self.ps.get_mut(&pid) {
            s.status = PROC_IDLE;
            s.seq = seq;
        }
        // An abandoned P's thread may have moved on: leave it alone.
        if old == PROC_SYSCALL_ABANDONED {
            out.push(cur, ev)?;
            return Ok(Some(cur));
        }
        let mid = ev.args[2] as i64;
        if mid == cur.m {
            if cur.p != pid {
                return Err(format!("tried to self-steal proc {pid} (thread {mid}), but got proc {} instead", cur.p));
            }
            out.push(cur, ev)?;
            return Ok(Some(Ctx { p: -1, ..cur }));
        }
        let Some(&s) = self.m_slots.get(&mid) else {
            return Err(format!("stole proc from non-existent thread {mid}"));
        };
        let victim = &mut self.ms[s];
        if victim.p != pid {
            return Err(format!("tried to steal proc {pid} from thread {mid}, but got proc {} instead", victim.p));
        }
        victim.p = -1;
        out.push(cur, ev)?;
        Ok(Some(cur))
    }

    fn go_status(&mut self, ev: &mut BaseEvent, mut cur: Ctx, gen: u64, out: &mut Sink<'_>) -> Step {
        let gid = ev.args[0] as i64;
        let mid = ev.args[1] as i64;
        let status = ev.args[2];
        if status > GO_WAITING {
            return Err(format!("invalid status for goroutine {gid}: {status}"));
        }
        let mut old = go_state(status);
        if let Some(s) = self.gs.get_mut(&gid) {
            if s.status != status {
                return Err(format!(
                    "inconsistent status for goroutine {gid}: old {} vs. new {}",
                    go_status_name(s.status),
                    go_status_name(status)
                ));
            }
            s.seq = Seq { gen, n: 0 };
        } else if gen == self.initial_gen {
            self.gs.insert(gid, GState::new(status, Seq { gen, n: 0 }));
            old = GoState::Undetermined;
        } else {
            return Err(format!(
                "found goroutine status for new goroutine after the first generation: id={gid} status={}",
                go_status_name(status)
            ));
        }
        ev.args[2] = (old as u64) << 32 | status;
        let mut new = cur;
        match status {
            GO_RUNNING => new.g = gid,
            GO_SYSCALL => {
                if mid == -1 {
                    return Err(format!("found goroutine {gid} in syscall without a thread"));
                }
                if mid == cur.m {
                    if gen != self.initial_gen && cur.g != gid {
                        return Err(format!(
                            "inconsistent thread for syscalling goroutine {gid}: thread has goroutine {}",
                            cur.g
                        ));
                    }
                    new.g = gid;
                } else {
                    // A goroutine sitting in a syscall on another thread for the whole
                    // generation: that thread has no P (the runtime took them all back).
                    match self.m_slots.get(&mid).map(|&s| &self.ms[s]) {
                        Some(ms) => {
                            if ms.g != gid {
                                return Err(format!(
                                    "inconsistent thread for syscalling goroutine {gid}: thread has goroutine {}",
                                    ms.g
                                ));
                            }
                            cur.g = ms.g;
                        }
                        None => {
                            let s = self.m_slot(mid);
                            self.ms[s] = Ctx { m: mid, p: -1, g: gid };
                        }
                    }
                    cur.m = mid;
                }
            }
            _ => {}
        }
        out.push(cur, ev)?;
        Ok(Some(new))
    }

    fn go_create(&mut self, ev: &BaseEvent, cur: Ctx, gen: u64, out: &mut Sink<'_>) -> Step {
        validate(cur, [Req::Must, Req::Must, Req::May])?;
        if let Some(s) = self.gs.get(&cur.g) {
            if s.status != GO_RUNNING {
                return Err(format!("{} event for goroutine that's not Running", name(ev.typ)));
            }
        }
        let new_g = ev.args[0] as i64;
        if self.gs.contains_key(&new_g) {
            return Err(format!("tried to create goroutine ({new_g}) that already exists"));
        }
        let status = if ev.typ == EV_GO_CREATE_BLOCKED { GO_WAITING } else { GO_RUNNABLE };
        self.gs.insert(new_g, GState::new(status, Seq { gen, n: 0 }));
        out.push(cur, ev)?;
        Ok(Some(cur))
    }

    fn go_stop_exec(&mut self, ev: &BaseEvent, cur: Ctx, out: &mut Sink<'_>) -> Step {
        validate(cur, USER_GO)?;
        let Some(s) = self.gs.get_mut(&cur.g) else {
            return Err(format!("event {} for goroutine ({}) that doesn't exist", name(ev.typ), cur.g));
        };
        if s.status != GO_RUNNING {
            return Err(format!("{} event for goroutine that's not Running", name(ev.typ)));
        }
        match ev.typ {
            EV_GO_DESTROY => {
                self.gs.remove(&cur.g);
            }
            EV_GO_STOP => s.status = GO_RUNNABLE,
            _ => s.status = GO_WAITING,
        }
        out.push(cur, ev)?;
        Ok(Some(Ctx { g: -1, ..cur }))
    }

    fn go_start(&mut self, ev: &BaseEvent, cur: Ctx, gen: u64, out: &mut Sink<'_>) -> Step {
        let gid = ev.args[0] as i64;
        let seq = Seq { gen, n: ev.args[1] };
        let s = match self.gs.get_mut(&gid) {
            Some(s) if s.status == GO_RUNNABLE && seq.succeeds(s.seq) => s,
            _ => return Ok(None),
        };
        validate(cur, [Req::Must, Req::Must, Req::MustNot])?;
        s.status = GO_RUNNING;
        s.seq = seq;
        out.push(cur, ev)?;
        Ok(Some(Ctx { g: gid, ..cur }))
    }

    fn go_unblock(&mut self, ev: &BaseEvent, cur: Ctx, gen: u64, out: &mut Sink<'_>) -> Step {
        let gid = ev.args[0] as i64;
        let seq = Seq { gen, n: ev.args[1] };
        match self.gs.get_mut(&gid) {
            Some(s) if s.status == GO_WAITING && seq.succeeds(s.seq) => {
                s.status = GO_RUNNABLE;
                s.seq = seq;
            }
            _ => return Ok(None),
        }
        out.push(cur, ev)?;
        Ok(Some(cur))
    }

    fn go_switch(&mut self, ev: &BaseEvent, cur: Ctx, gen: u64, out: &mut Sink<'_>) -> Step {
        validate(cur, USER_GO)?;
        match self.gs.get(&cur.g) {
            None => return Err(format!("event {} for goroutine ({}) that doesn't exist", name(ev.typ), cur.g)),
            Some(s) if s.status != GO_RUNNING => {
                return Err(format!("{} event for goroutine that's not Running", name(ev.typ)))
            }
            _ => {}
        }
        let next = ev.args[0] as i64;
        let seq = Seq { gen, n: ev.args[1] };
        match self.gs.get(&next) {
            Some(s) if s.status == GO_WAITING && seq.succeeds(s.seq) => {}
            _ => return Ok(None),
        }
        out.push(cur, ev)?;
        let mut synth = BaseEvent { time: ev.time, ..BaseEvent::default() };
        if ev.typ == EV_GO_SWITCH {
            if let Some(s) = self.gs.get_mut(&cur.g) {
                s.status = GO_WAITING;
            }
            synth.typ = EV_GO_BLOCK;
        } else {
            self.gs.remove(&cur.g);
            synth.typ = EV_GO_DESTROY;
        }
        out.push(cur, &synth)?;
        if let Some(s) = self.gs.get_mut(&next) {
            s.status = GO_RUNNING;
            s.seq = seq;
        }
        let start = BaseEvent { typ: EV_GO_START, time: ev.time, args: [next as u64, ev.args[1], 0, 0], extra: [0; 2] };
        out.push(Ctx { g: -1, ..cur }, &start)?;
        Ok(Some(Ctx { g: next, ..cur }))
    }

    fn go_syscall_begin(&mut self, ev: &BaseEvent, cur: Ctx, gen: u64, out: &mut Sink<'_>) -> Step {
        validate(cur, USER_GO)?;
        let Some(s) = self.gs.get_mut(&cur.g) else {
            return Err(format!("event GoSyscallBegin for goroutine ({}) that doesn't exist", cur.g));
        };
        if s.status != GO_RUNNING {
            return Err("GoSyscallBegin event for goroutine that's not Running".into());
        }
        s.status = GO_SYSCALL;
        let Some(p) = self.ps.get_mut(&cur.p) else {
            return Err(format!("uninitialized proc {} found during GoSyscallBegin", cur.p));
        };
        p.status = PROC_SYSCALL;
        // The P's sequence number only disambiguates steals; on a running P it must match.
        let seq = Seq { gen, n: ev.args[0] };
        if !seq.succeeds(p.seq) {
            return Err(format!(
                "failed to advance GoSyscallBegin: can't make sequence: {} (gen={}) -> {} (gen={})",
                p.seq.n, p.seq.gen, seq.n, seq.gen
            ));
        }
        p.seq = seq;
        out.push(cur, ev)?;
        Ok(Some(cur))
    }

    fn go_syscall_end(&mut self, ev: &BaseEvent, cur: Ctx, out: &mut Sink<'_>) -> Step {
        validate(cur, USER_GO)?;
        let Some(s) = self.gs.get_mut(&cur.g) else {
            return Err(format!("event GoSyscallEnd for goroutine ({}) that doesn't exist", cur.g));
        };
        if s.status != GO_SYSCALL {
            return Err("GoSyscallEnd event for goroutine that's not Running".into());
        }
        s.status = GO_RUNNING;
        let Some(p) = self.ps.get_mut(&cur.p) else {
            return Err(format!("uninitialized proc {} found during GoSyscallEnd", cur.p));
        };
        if p.status != PROC_SYSCALL {
            return Err(format!(
                "expected proc {} in state Syscall, but got {} instead",
                cur.p,
                proc_status_name(p.status)
            ));
        }
        p.status = PROC_RUNNING;
        out.push(cur, ev)?;
        Ok(Some(cur))
    }

    fn go_syscall_end_blocked(&mut self, ev: &BaseEvent, cur: Ctx, out: &mut Sink<'_>) -> Step {
        // Not before the P is out of the syscall (stolen or stopped): until then this M
        // still holds a P it is known to lose.
        if cur.p != -1 {
            match self.ps.get(&cur.p) {
                None => return Err(format!("uninitialized proc {} found during GoSyscallEndBlocked", cur.p)),
                Some(p) if p.status == PROC_SYSCALL => return Ok(None),
                _ => {}
            }
        }
        validate(cur, [Req::Must, Req::May, Req::Must])?;
        let Some(s) = self.gs.get_mut(&cur.g) else {
            return Err(format!("event GoSyscallEndBlocked for goroutine ({}) that doesn't exist", cur.g));
        };
        if s.status != GO_SYSCALL {
            return Err("GoSyscallEndBlocked event for goroutine that's not Running".into());
        }
        s.status = GO_RUNNABLE;
        out.push(cur, ev)?;
        Ok(Some(Ctx { g: -1, ..cur }))
    }

    fn go_create_syscall(&mut self, ev: &BaseEvent, cur: Ctx, gen: u64, out: &mut Sink<'_>) -> Step {
        validate(cur, [Req::Must, Req::May, Req::MustNot])?;
        let new_g = ev.args[0] as i64;
        if self.gs.contains_key(&new_g) {
            return Err(format!("tried to create goroutine ({new_g}) in syscall that already exists"));
        }
        self.gs.insert(new_g, GState::new(GO_SYSCALL, Seq { gen, n: 0 }));
        out.push(cur, ev)?;
        Ok(Some(Ctx { g: new_g, ..cur }))
    }

    fn go_destroy_syscall(&mut self, ev: &BaseEvent, cur: Ctx, out: &mut Sink<'_>) -> Step {
        validate(cur, [Req::Must, Req::May, Req::Must])?;
        match self.gs.get(&cur.g) {
            None => return Err(format!("event GoDestroySyscall for goroutine ({}) that doesn't exist", cur.g)),
            Some(s) if s.status != GO_SYSCALL => {
                return Err("GoDestroySyscall event for goroutine that's not Syscall".into())
            }
            _ => {}
        }
        self.gs.remove(&cur.g);
        let mut new = Ctx { g: -1, ..cur };
        // The thread may be reused by a new M with the same ID, which must not find this P
        // bound to it: drop the P as if it were stolen from ourselves.
        if cur.p != -1 {
            let Some(p) = self.ps.get_mut(&cur.p) else {
                return Err(format!("found invalid proc {} during GoDestroySyscall", cur.p));
            };
            if p.status != PROC_SYSCALL {
                return Err(format!(
                    "proc {} in unexpected state {} during GoDestroySyscall",
                    cur.p,
                    proc_status_name(p.status)
                ));
            }
            p.status = PROC_SYSCALL_ABANDONED;
            new.p = -1;
            let steal = BaseEvent {
                typ: EV_PROC_STEAL,
                time: ev.time,
                args: [cur.p as u64, 0, 0, 0],
                extra: [PROC_SYSCALL, 0],
            };
            out.push(cur, &steal)?;
        }
        out.push(cur, ev)?;
        Ok(Some(new))
    }

    fn task_begin(&mut self, ev: &mut BaseEvent, cur: Ctx, gen: &Generation, out: &mut Sink<'_>) -> Step {
        let id = ev.args[0];
        if self.tasks.contains_key(&id) {
            return Err(format!("task ID conflict: {id}"));
        }
        // Parent 0 on the wire means "no parent", not the background task.
        if ev.args[1] == 0 {
            ev.args[1] = crate::model::NO_TASK;
        }
        let Some(name) = gen.string(ev.args[2]) else {
            return Err(format!("invalid string ID {} for {} event", ev.args[2], EV_USER_TASK_BEGIN));
        };
        self.tasks.insert(id, (name, ev.args[1]));
        validate(cur, USER_GO)?;
        out.push(cur, ev)?;
        Ok(Some(cur))
    }

    fn task_end(&mut self, ev: &mut BaseEvent, cur: Ctx, out: &mut Sink<'_>) -> Step {
        // The name is carried over because the begin may be in an earlier generation,
        // whose string table is gone.
        let (name, parent) = self.tasks.remove(&ev.args[0]).unwrap_or((0, crate::model::NO_TASK));
        ev.extra = [parent, u64::from(name)];
        validate(cur, USER_GO)?;
        out.push(cur, ev)?;
        Ok(Some(cur))
    }

    fn region(&mut self, ev: &BaseEvent, cur: Ctx, gen: &Generation, out: &mut Sink<'_>) -> Step {
        validate(cur, USER_GO)?;
        let task = ev.args[0];
        let Some(name) = gen.string(ev.args[1]) else {
            return Err(format!("invalid string ID {} for {} event", ev.args[1], ev.typ));
        };
        let which = if ev.typ == EV_USER_REGION_BEGIN { "EvUserRegionBegin" } else { "EvUserRegionEnd" };
        let Some(s) = self.gs.get_mut(&cur.g) else {
            return Err(format!("encountered {which} without known state for current goroutine {}", cur.g));
        };
        let s = s.spans();
        if ev.typ == EV_USER_REGION_BEGIN {
            s.regions.push((task, name));
        } else if let Some(&top) = s.regions.last() {
            // An empty stack is fine: the region began before the trace did.
            if top != (task, name) {
                return Err(format!(
                    "misuse of region in goroutine {}: region end {:?} when the inner-most active region start event is {:?}",
                    cur.g,
                    (task, name),
                    top
                ));
            }
            s.regions.pop();
        }
        out.push(cur, ev)?;
        Ok(Some(cur))
    }

    fn gc_active(&mut self, ev: &BaseEvent, cur: Ctx, gen: u64, out: &mut Sink<'_>) -> Step {
        let seq = ev.args[0];
        if gen == self.initial_gen {
            if self.gc != Gc::Undetermined {
                return Err("GCActive in the first generation isn't first GC event".into());
            }
            self.gc_seq = seq;
            self.gc = Gc::Running;
            out.push(cur, ev)?;
            return Ok(Some(cur));
        }
        if seq != self.gc_seq.wrapping_add(1) {
            return Ok(None);
        }
        if self.gc != Gc::Running {
            return Err("encountered GCActive while GC was not in progress".into());
        }
        self.gc_seq = seq;
        validate(cur, USER_GO)?;
        out.push(cur, ev)?;
        Ok(Some(cur))
    }

    fn gc_begin(&mut self, ev: &BaseEvent, cur: Ctx, out: &mut Sink<'_>) -> Step {
        let seq = ev.args[0];
        if self.gc == Gc::Undetermined {
            self.gc_seq = seq;
            self.gc = Gc::Running;
            out.push(cur, ev)?;
            return Ok(Some(cur));
        }
        if seq != self.gc_seq.wrapping_add(1) {
            return Ok(None);
        }
        if self.gc == Gc::Running {
            return Err("encountered GCBegin while GC was already in progress".into());
        }
        self.gc_seq = seq;
        self.gc = Gc::Running;
        validate(cur, USER_GO)?;
        out.push(cur, ev)?;
        Ok(Some(cur))
    }

    fn gc_end(&mut self, ev: &BaseEvent, cur: Ctx, out: &mut Sink<'_>) -> Step {
        let seq = ev.args[0];
        if seq != self.gc_seq.wrapping_add(1) {
            return Ok(None);
        }
        match self.gc {
            Gc::NotRunning => return Err("encountered GCEnd when GC was not in progress".into()),
            Gc::Undetermined => return Err("encountered GCEnd when GC was in an undetermined state".into()),
            Gc::Running => {}
        }
        self.gc_seq = seq;
        self.gc = Gc::NotRunning;
        validate(cur, USER_GO)?;
        out.push(cur, ev)?;
        Ok(Some(cur))
    }

    fn annotation(&mut self, ev: &BaseEvent, cur: Ctx, out: &mut Sink<'_>) -> Step {
        validate(cur, USER_GO)?;
        out.push(cur, ev)?;
        Ok(Some(cur))
    }

    fn heap_metric(&mut self, ev: &BaseEvent, cur: Ctx, out: &mut Sink<'_>) -> Step {
        validate(cur, [Req::Must, Req::Must, Req::May])?;
        out.push(cur, ev)?;
        Ok(Some(cur))
    }

    fn sweep_begin(&mut self, ev: &BaseEvent, cur: Ctx, out: &mut Sink<'_>) -> Step {
        validate(cur, [Req::Must, Req::Must, Req::May])?;
        let Some(p) = self.ps.get_mut(&cur.p) else {
            return Err(format!("uninitialized proc {} found during GCSweepBegin", cur.p));
        };
        begin_range(&mut p.ranges, (EV_GC_SWEEP_BEGIN, 0))?;
        out.push(cur, ev)?;
        Ok(Some(cur))
    }

    fn sweep_active(&mut self, ev: &BaseEvent, cur: Ctx, gen: u64, out: &mut Sink<'_>) -> Step {
        let pid = ev.args[0] as i64;
        let initial = gen == self.initial_gen;
        let Some(p) = self.ps.get_mut(&pid) else {
            return Err(format!("encountered GCSweepActive for unknown proc {pid}"));
        };
        active_range(&mut p.ranges, (EV_GC_SWEEP_BEGIN, 0), initial)?;
        out.push(cur, ev)?;
        Ok(Some(cur))
    }

    fn sweep_end(&mut self, ev: &BaseEvent, cur: Ctx, out: &mut Sink<'_>) -> Step {
        validate(cur, [Req::Must, Req::Must, Req::May])?;
        let Some(p) = self.ps.get_mut(&cur.p) else {
            return Err(format!("uninitialized proc {} found during GCSweepEnd", cur.p));
        };
        end_range(&mut p.ranges, ev.typ)?;
        out.push(cur, ev)?;
        Ok(Some(cur))
    }

    fn go_range_begin(&mut self, ev: &BaseEvent, cur: Ctx, gen: &Generation, out: &mut Sink<'_>) -> Step {
        validate(cur, USER_GO)?;
        let desc = if ev.typ == EV_STW_BEGIN { gen.string(ev.args[0]).unwrap_or(MISSING_STRING) } else { 0 };
        let Some(s) = self.gs.get_mut(&cur.g) else {
            return Err(format!(
                "encountered event of type {} without known state for current goroutine {}",
                ev.typ, cur.g
            ));
        };
        begin_range(&mut s.spans().ranges, (ev.typ, desc))?;
        out.push(cur, ev)?;
        Ok(Some(cur))
    }

    fn go_range_active(&mut self, ev: &BaseEvent, cur: Ctx, gen: u64, out: &mut Sink<'_>) -> Step {
        let gid = ev.args[0] as i64;
        let initial = gen == self.initial_gen;
        let Some(s) = self.gs.get_mut(&gid) else {
            return Err(format!("uninitialized goroutine {gid} found during {}", name(ev.typ)));
        };
        active_range(&mut s.spans().ranges, (EV_GC_MARK_ASSIST_BEGIN, 0), initial)?;
        out.push(cur, ev)?;
        Ok(Some(cur))
    }

    fn go_range_end(&mut self, ev: &mut BaseEvent, cur: Ctx, out: &mut Sink<'_>) -> Step {
        validate(cur, USER_GO)?;
        let Some(s) = self.gs.get_mut(&cur.g) else {
            return Err(format!(
                "encountered event of type {} without known state for current goroutine {}",
                ev.typ, cur.g
            ));
        };
        let desc = end_range(&mut s.spans().ranges, ev.typ)?;
        if ev.typ == EV_STW_END {
            // The kind, already resolved to a global string: the begin's table may be gone.
            ev.args[0] = u64::from(desc);
        }
        out.push(cur, ev)?;
        Ok(Some(cur))
    }

    fn alloc_free(&mut self, ev: &BaseEvent, cur: Ctx, out: &mut Sink<'_>) -> Step {
        validate(cur, [Req::Must, Req::May, Req::May])?;
        out.push(cur, ev)?;
        Ok(Some(cur))
    }
}
