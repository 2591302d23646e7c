//! Validation of the ordered stream (trace-format.md §5.7): Go 1.21's `removeFutile` and
//! `postProcessTrace` for 1.5–1.10, Go 1.27's `postProcessTrace` for 1.11+.

use super::event::{Event, EventType as T, Rec};
use super::wire::Reader;
use super::{malformed, Minor, Trace, GC_P, NETPOLL_P, TIMER_P};
use crate::dense_map::DenseMap;
use crate::error::Error;
use crate::hash::IdMap;
use crate::trace::Expected;

/// Drops the block/unblock/start of wakeups the runtime marked futile (Go 1.21 only:
/// the 1.27 converter rejects FutileWakeup events instead).
pub(super) fn remove_futile(trace: &mut Trace<'_>) {
    #[derive(Default)]
    struct Wakeup {
        futile: bool,
        events: Vec<u32>,
    }
    let mut gs: IdMap<u64, Wakeup> = IdMap::default();
    let mut drop = vec![false; trace.len()];
    for (i, ev) in trace.events().enumerate() {
        match ev.kind {
            T::GoUnblock => {
                let w = gs.entry(ev.args[0]).or_default();
                w.events.clear();
                w.events.push(i as u32);
            }
            T::GoStart | T::GoPreempt | T::FutileWakeup => {
                let w = gs.entry(ev.g).or_default();
                w.events.push(i as u32);
                w.futile |= ev.kind == T::FutileWakeup;
            }
            T::GoBlock | T::GoBlockSend | T::GoBlockRecv | T::GoBlockSelect | T::GoBlockSync | T::GoBlockCond => {
                if let Some(w) = gs.remove(&ev.g) {
                    if w.futile {
                        drop[i] = true;
                        for j in w.events {
                            drop[j as usize] = true;
                        }
                    }
                }
            }
            _ => {}
        }
    }
    trace.events.retain_indices(|i| !drop[i]);
}

#[derive(Clone, Copy, PartialEq, Eq, Default)]
enum GStatus {
    #[default]
    Dead,
    Runnable,
    Running,
    Waiting,
}

#[derive(Clone, Copy, Default)]
struct G {
    state: GStatus,
    /// The last event that made it runnable or blocked it (Go's `gdesc.ev`).
    last: Option<T>,
    in_mark_assist: bool,
}

#[derive(Clone, Copy, Default)]
struct P {
    running: bool,
    g: u64,
    in_stw: bool,
    in_sweep: bool,
}

const NO_SYSCALL: u32 = u32::MAX;

fn fail(ev: &Event, what: String) -> Error {
    malformed(format!("{what} ({} at {} ns)", ev.kind, ev.ts), ev.offset as usize)
}

fn check_running(p: &P, g: &G, ev: &Event, allow_g0: bool) -> Result<(), Error> {
    if g.state != GStatus::Running {
        return Err(fail(ev, format!("g {} is not running while {}", ev.g, ev.kind)));
    }
    if p.g != ev.g {
        return Err(fail(ev, format!("p {} is not running g {} while {}", ev.p, ev.g, ev.kind)));
    }
    if !allow_g0 && ev.g == 0 {
        return Err(fail(ev, format!("g 0 did {}", ev.kind)));
    }
    Ok(())
}

/// Checks that the stream is consistent (a P runs one G at a time, a G is blocked before
/// it is unblocked, …), moves GC starts and network unblocks to their fake Ps, gives
/// each goroutine's first GoStart the stack of its start function, and finds the
/// syscalls that block.
pub(super) fn post_process(trace: &mut Trace<'_>) -> Result<(), Error> {
    let minor = trace.version.0;
    let mut c = Check {
        minor,
        store_all: minor < 11,
        gs: DenseMap::default(),
        ps: DenseMap::default(),
        tasks: IdMap::default(),
        regions: IdMap::default(),
        start_stacks: IdMap::default(),
        in_gc: false,
        in_stw: false,
        open_syscalls: DenseMap::default(),
        model: Expected::default(),
        doubled: 0,
    };
    c.gs.insert(0, G { state: GStatus::Running, ..G::default() });
    let mut r = Reader::new(trace.data, 0, minor);
    // Out of the trace while it is read, so that the tables can grow meanwhile.
    let events = std::mem::take(&mut trace.events);
    {
        let mut recs = events.iter().enumerate();
        crate::trace::repeat(|| c.next(trace, &mut recs, &mut r))?;
    }
    let Check { gs, mut model, doubled, .. } = c;
    trace.events = events;
    trace.blocked_syscalls.sort_unstable();
    // Events convert one to one, but for those that convert to two (GoStartLabels, and
    // GoSysCalls that do not block) and the two Syncs that bracket them.
    model.events = trace.len() + doubled - trace.blocked_syscalls.len() + 2;
    model.goroutines = gs.len();
    trace.model = model;
    Ok(())
}

/// What validation keeps from one event to the next.
struct Check {
    minor: Minor,
    /// Go 1.21 stores every event's goroutine back into its map, creating entries that its
    /// "g already exists" check then sees; Go 1.27 stores only the ones it changed.
    store_all: bool,
    /// Keyed by ID as i64 (distinct IDs stay distinct): arrays, not hashing, on every event.
    gs: DenseMap<G>,
    ps: DenseMap<P>,
    tasks: IdMap<u64, ()>,
    regions: IdMap<u64, Vec<(u64, u64)>>,
    /// The new-goroutine stack of each GoCreate, until the goroutine's first GoStart: aside
    /// from `gs`, which holds every goroutine of the trace, as only a few wait to start.
    start_stacks: IdMap<u64, u64>,
    in_gc: bool,
    in_stw: bool,
    /// The index of each goroutine's latest event if that is a GoSysCall: Go looks ahead
    /// from each syscall for a GoSysBlock.
    open_syscalls: DenseMap<u32>,
    model: Expected,
    /// Events that convert to two.
    doubled: usize,
}

impl Check {
    /// Validates the next events; `false` when none is left. Out of line, for
    /// [`crate::trace::repeat`].
    #[inline(never)]
    fn next<'a>(
        &mut self,
        trace: &mut Trace<'a>,
        recs: &mut impl Iterator<Item = (usize, Rec)>,
        r: &mut Reader<'a>,
    ) -> Result<bool, Error> {
        for _ in 0..crate::trace::STEP {
            let Some((i, rec)) = recs.next() else { return Ok(false) };
            self.event(trace, i, rec, r)?;
        }
        Ok(true)
    }

    /// Validates event `i`, of record `rec`.
    #[inline(always)]
    fn event<'a>(&mut self, trace: &mut Trace<'a>, i: usize, rec: Rec, r: &mut Reader<'a>) -> Result<(), Error> {
        use GStatus::*;
        let Check {
            minor,
            store_all,
            gs,
            ps,
            tasks,
            regions,
            start_stacks,
            in_gc,
            in_stw,
            open_syscalls,
            model,
            doubled,
        } = self;
        let (minor, store_all) = (*minor, *store_all);
        let ev = &mut trace.read(&rec, r);
        let read_p = ev.p;
        let mut g = gs.get(&(ev.g as i64)).copied().unwrap_or_default();
        let p_key = i64::from(ev.p);
        let mut p = ps.get(&p_key).copied().unwrap_or_default();
        let mut g_changed = store_all;
        match ev.kind {
            T::ProcStart => {
                if p.running {
                    return Err(fail(ev, format!("p {} is running before start", ev.p)));
                }
                p.running = true;
            }
            T::ProcStop => {
                if !p.running {
                    return Err(fail(ev, format!("p {} is not running before stop", ev.p)));
                }
                if p.g != 0 {
                    return Err(fail(ev, format!("p {} is running a goroutine {} during stop", ev.p, p.g)));
                }
                p.running = false;
            }
            T::GCStart => {
                if *in_gc {
                    return Err(fail(ev, "previous GC is not ended before a new one".into()));
                }
                *in_gc = true;
                ev.p = GC_P;
            }
            T::GCDone => {
                if !*in_gc {
                    return Err(fail(ev, "bogus GC end".into()));
                }
                *in_gc = false;
            }
            // Before 1.10 each P stopped the world on its own.
            T::STWStart | T::STWDone => {
                let active = if minor < 10 { &mut p.in_stw } else { &mut *in_stw };
                let starting = ev.kind == T::STWStart;
                if *active == starting {
                    let what = if starting { "previous STW is not ended before a new one" } else { "bogus STW end" };
                    return Err(fail(ev, what.into()));
                }
                *active = starting;
            }
            T::GCSweepStart => {
                if p.in_sweep {
                    return Err(fail(ev, "previous sweeping is not ended before a new one".into()));
                }
                p.in_sweep = true;
            }
            T::GCSweepDone => {
                if !p.in_sweep {
                    return Err(fail(ev, "bogus sweeping end".into()));
                }
                p.in_sweep = false;
            }
            T::GCMarkAssistStart => {
                if g.in_mark_assist {
                    return Err(fail(ev, "previous mark assist is not ended before a new one".into()));
                }
                g.in_mark_assist = true;
                g_changed = true;
            }
            // An assist can be running when tracing starts.
            T::GCMarkAssistDone => {
                g.in_mark_assist = false;
                g_changed = true;
            }
            T::GoWaiting | T::GoInSyscall => {
                if g.state != Runnable {
                    return Err(fail(ev, format!("g {} is not runnable before {}", ev.g, ev.kind)));
                }
                g.state = Waiting;
                g.last = Some(ev.kind);
                g_changed = true;
            }
            T::GoCreate => {
                check_running(&p, &g, ev, true)?;
                if gs.contains_key(&(ev.args[0] as i64)) {
                    return Err(fail(ev, format!("g {} already exists", ev.args[0])));
                }
                gs.insert(ev.args[0] as i64, G { state: Runnable, last: Some(T::GoCreate), ..G::default() });
                start_stacks.insert(ev.args[0], ev.args[1]);
                model.creates += 1;
                // Goroutines that existed at the start have smaller IDs.
                model.max_goroutine = model.max_goroutine.max(ev.args[0]);
            }
            T::GoStart | T::GoStartLabel => {
                if g.state != Runnable {
                    return Err(fail(ev, format!("g {} is not runnable before start", ev.g)));
                }
                if p.g != 0 {
                    return Err(fail(ev, format!("p {} is already running g {} while start g {}", ev.p, p.g, ev.g)));
                }
                g.state = Running;
                p.g = ev.g;
                if let Some(start) = start_stacks.remove(&ev.g) {
                    // 1.5/1.6 recorded the start PC itself; +1 makes it a return PC, as
                    // symbolizers expect.
                    let stack =
                        if minor < 7 { trace.stacks.add_synthetic(start.wrapping_add(1)) } else { start as u32 };
                    trace.start_stacks.push((i as u32, stack));
                }
                g.last = None;
                g_changed = true;
            }
            T::GoEnd | T::GoStop => {
                check_running(&p, &g, ev, false)?;
                g.state = Dead;
                p.g = 0;
                if ev.kind == T::GoEnd {
                    regions.remove(&ev.g);
                }
                g_changed = true;
            }
            T::GoSched | T::GoPreempt => {
                check_running(&p, &g, ev, false)?;
                g.state = Runnable;
                g.last = Some(ev.kind);
                p.g = 0;
                g_changed = true;
            }
            T::GoUnblock => {
                if g.state != Running {
                    return Err(fail(ev, format!("g {} is not running while unpark", ev.g)));
                }
                if ev.p != TIMER_P && p.g != ev.g {
                    return Err(fail(ev, format!("p {} is not running g {} while unpark", ev.p, ev.g)));
                }
                let mut target = gs.get(&(ev.args[0] as i64)).copied().unwrap_or_default();
                if target.state != Waiting {
                    return Err(fail(ev, format!("g {} is not waiting before unpark", ev.args[0])));
                }
                // Go 1.21 left timer unblocks of network waits on the timer P.
                if target.last == Some(T::GoBlockNet) && (minor >= 11 || ev.p != TIMER_P) {
                    ev.p = NETPOLL_P;
                }
                target.state = Runnable;
                target.last = Some(T::GoUnblock);
                gs.insert(ev.args[0] as i64, target);
            }
            T::GoSysCall => {
                check_running(&p, &g, ev, false)?;
                g.last = Some(T::GoSysCall);
                g_changed = true;
            }
            T::GoSysBlock => {
                check_running(&p, &g, ev, false)?;
                g.state = Waiting;
                p.g = 0;
                g_changed = true;
            }
            T::GoSysExit => {
                if g.state != Waiting {
                    return Err(fail(ev, format!("g {} is not waiting during syscall exit", ev.g)));
                }
                g.state = Runnable;
                g.last = Some(T::GoSysExit);
                g_changed = true;
            }
            T::GoSleep
            | T::GoBlock
            | T::GoBlockSend
            | T::GoBlockRecv
            | T::GoBlockSelect
            | T::GoBlockSync
            | T::GoBlockCond
            | T::GoBlockNet
            | T::GoBlockGC => {
                check_running(&p, &g, ev, false)?;
                g.state = Waiting;
                g.last = Some(ev.kind);
                p.g = 0;
                g_changed = true;
            }
            T::UserTaskCreate if tasks.contains_key(&ev.args[0]) => {
                return Err(fail(ev, format!("task id conflicts (id:{})", ev.args[0])));
            }
            T::UserTaskCreate => {
                tasks.insert(ev.args[0], ());
            }
            T::UserTaskEnd => {
                tasks.remove(&ev.args[0]);
            }
            T::UserRegion => {
                let region = (ev.args[0], ev.args[2]);
                match ev.args[1] {
                    0 => regions.entry(ev.g).or_default().push(region),
                    1 => {
                        // An end without a start began before the trace did.
                        if let Some(open) = regions.get_mut(&ev.g) {
                            if open.last() != Some(&region) {
                                return Err(fail(
                                    ev,
                                    format!("misuse of region in goroutine {}: the end does not match the innermost open region", ev.g),
                                ));
                            }
                            open.pop();
                            if open.is_empty() {
                                regions.remove(&ev.g);
                            }
                        }
                    }
                    mode => return Err(fail(ev, format!("invalid user region mode {mode}"))),
                }
            }
            _ => {}
        }
        if g_changed {
            gs.insert(ev.g as i64, g);
        }
        // Go 1.21 stores the P under the event's P after moving it to a fake P.
        ps.insert(if store_all { i64::from(ev.p) } else { p_key }, p);
        if ev.p != read_p {
            trace.moved_ps.push((i as u32, ev.p));
        }
        if let Some(at) = open_syscalls.get_mut(&(ev.g as i64)) {
            if ev.kind == T::GoSysBlock && *at != NO_SYSCALL {
                trace.blocked_syscalls.push(*at);
            }
            *at = NO_SYSCALL;
        }
        match ev.kind {
            T::GoSysCall => {
                open_syscalls.insert(ev.g as i64, i as u32);
                *doubled += 1;
            }
            T::GoStartLabel => *doubled += 1,
            _ => {}
        }
        if ev.kind.has_stack() && ev.stack != 0 {
            model.stacks += 1;
        }
        Ok(())
    }
}
