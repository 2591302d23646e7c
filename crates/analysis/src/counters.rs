//! The timeline's counter rows (analyses.md §5.2): goroutines running / runnable / waiting
//! in GC, and Ps running with goroutines in syscalls, each a step series with a point wherever
//! a value changes.

use gotv_decode::{EventKind, GoState, GoTransition, ProcState, ProcTransition, Resource, Trace};
use serde::Serialize;

const WAITING: u8 = 1;
const ASSIST: u8 = 2;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct GoroutineCounts {
    pub time: i64,
    /// Running or in a syscall.
    pub running: u32,
    pub runnable: u32,
    /// Waiting inside a GC mark assist.
    pub gc_waiting: u32,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct ProcCount {
    pub time: i64,
    pub running: u32,
    /// Goroutines in a syscall (Go's "InSyscall", which it leaves at 0 for 1.22+ traces).
    pub in_syscall: u32,
}

#[derive(Debug, Clone, Default, Serialize)]
pub struct Counters {
    pub goroutines: Vec<GoroutineCounts>,
    /// Go calls this row "Threads"; it counts running Ps, and goroutines in syscalls.
    pub procs: Vec<ProcCount>,
}

/// Points a plot of a counter series needs across the whole trace: finer than any screen.
const PLOT_POINTS: i64 = 50_000;

/// The resolution that gives a trace of `duration_ns` about `PLOT_POINTS` points per series.
pub fn plot_resolution(duration_ns: i64) -> i64 {
    (duration_ns / PLOT_POINTS).max(1)
}

/// The counter series. With `resolution_ns` > 0, points closer than that to the previous
/// point are merged into it, keeping the highest value of each count (a plot of a 200 MB
/// trace needs thousands of points, not tens of millions); 0 keeps every change.
pub fn counters(trace: &Trace, resolution_ns: i64) -> Counters {
    let mut c = Counters::default();
    let mut now = GoroutineCounts { time: 0, running: 0, runnable: 0, gc_waiting: 0 };
    let mut procs = ProcCount { time: 0, running: 0, in_syscall: 0 };
    let proc_point = |c: &mut Counters, now: ProcCount| match c.procs.last_mut() {
        Some(p) if (p.running, p.in_syscall) == (now.running, now.in_syscall) => {}
        Some(p) if now.time.saturating_sub(p.time) < resolution_ns => {
            p.running = p.running.max(now.running);
            p.in_syscall = p.in_syscall.max(now.in_syscall);
        }
        _ => c.procs.push(now),
    };
    // Per goroutine, by its index in the trace (which transitions carry, so no ID is looked
    // up per transition): WAITING and ASSIST bits.
    let mut flags = vec![0u8; trace.goroutine_ids().len()];
    let assist_name = |id| trace.strings.bytes(id) == b"GC mark assist";
    trace.each_event(|i, kind| {
        // A fifth of a server's events are metrics: not even their time is read.
        if !matches!(
            kind,
            EventKind::StateTransition | EventKind::RangeBegin | EventKind::RangeActive | EventKind::RangeEnd
        ) {
            return;
        }
        let ev = trace.event(i);
        let t = ev.time();
        match kind {
            EventKind::StateTransition => match ev.go_transition() {
                Some(GoTransition { slot, from, to }) => {
                    let slot = slot as usize;
                    let in_assist = flags[slot] & ASSIST != 0;
                    for (state, d) in [(from, -1i32), (to, 1)] {
                        match state {
                            GoState::Running | GoState::Syscall => now.running = now.running.wrapping_add_signed(d),
                            GoState::Runnable => now.runnable = now.runnable.wrapping_add_signed(d),
                            GoState::Waiting if in_assist => now.gc_waiting = now.gc_waiting.wrapping_add_signed(d),
                            _ => {}
                        }
                    }
                    if to == GoState::Waiting {
                        flags[slot] |= WAITING;
                    } else {
                        flags[slot] &= !WAITING;
                    }
                    if (from == GoState::Syscall) != (to == GoState::Syscall) {
                        let n = &mut procs.in_syscall;
                        *n = if to == GoState::Syscall { *n + 1 } else { n.saturating_sub(1) };
                        proc_point(&mut c, ProcCount { time: t, ..procs });
                    }
                }
                None => {
                    let Some(ProcTransition { from, to, .. }) = ev.proc_transition() else { return };
                    if to == ProcState::Running && from != ProcState::Running {
                        procs.running += 1;
                    } else if from == ProcState::Running && to != ProcState::Running {
                        procs.running = procs.running.saturating_sub(1);
                    }
                    proc_point(&mut c, ProcCount { time: t, ..procs });
                }
            },
            EventKind::RangeBegin | EventKind::RangeActive | EventKind::RangeEnd => {
                let Some(r) = ev.range() else { return };
                let Resource::Goroutine(g) = r.scope else { return };
                let Some(slot) = trace.goroutine_slot(g).map(|s| s as usize) else { return };
                if !assist_name(r.name) {
                    return;
                }
                let was = flags[slot] & ASSIST != 0;
                let is = kind != EventKind::RangeEnd;
                if is {
                    flags[slot] |= ASSIST;
                } else {
                    flags[slot] &= !ASSIST;
                }
                if flags[slot] & WAITING != 0 {
                    now.gc_waiting = now.gc_waiting.wrapping_add_signed(i32::from(is) - i32::from(was));
                }
            }
            _ => return,
        }
        match c.goroutines.last_mut() {
            Some(l) if (l.running, l.runnable, l.gc_waiting) == (now.running, now.runnable, now.gc_waiting) => {}
            Some(l) if t.saturating_sub(l.time) < resolution_ns => {
                l.running = l.running.max(now.running);
                l.runnable = l.runnable.max(now.runnable);
                l.gc_waiting = l.gc_waiting.max(now.gc_waiting);
            }
            _ => c.goroutines.push(GoroutineCounts { time: t, ..now }),
        }
    });
    c
}
