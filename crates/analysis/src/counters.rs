//! The timeline's counter rows (analyses.md §5.2): goroutines running / runnable / waiting
//! in GC, and Ps running, each a step series with a point wherever a value changes.

use gotv_decode::{EventKind, GoId, GoState, ProcState, Resource, Trace, Transition};
use serde::Serialize;

use crate::id_map::IdMap;

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
}

#[derive(Debug, Clone, Default, Serialize)]
pub struct Counters {
    pub goroutines: Vec<GoroutineCounts>,
    /// Go calls this row "Threads"; it counts running Ps.
    pub procs: Vec<ProcCount>,
}

pub fn counters(trace: &Trace) -> Counters {
    let mut c = Counters::default();
    let mut now = GoroutineCounts { time: 0, running: 0, runnable: 0, gc_waiting: 0 };
    let mut procs = 0u32;
    let mut waiting: IdMap<GoId, ()> = IdMap::default();
    let mut assist: IdMap<GoId, ()> = IdMap::default();
    let assist_name = |id| trace.strings.bytes(id) == b"GC mark assist";
    for ev in trace.events() {
        let t = ev.time();
        match ev.kind() {
            EventKind::StateTransition => match ev.transition() {
                Some(Transition::Goroutine { id, from, to }) => {
                    let in_assist = assist.contains_key(&id);
                    for (state, d) in [(from, -1i32), (to, 1)] {
                        match state {
                            GoState::Running | GoState::Syscall => now.running = now.running.wrapping_add_signed(d),
                            GoState::Runnable => now.runnable = now.runnable.wrapping_add_signed(d),
                            GoState::Waiting if in_assist => now.gc_waiting = now.gc_waiting.wrapping_add_signed(d),
                            _ => {}
                        }
                    }
                    if to == GoState::Waiting {
                        waiting.insert(id, ());
                    } else {
                        waiting.remove(&id);
                    }
                }
                Some(Transition::Proc { from, to, .. }) => {
                    if to == ProcState::Running && from != ProcState::Running {
                        procs += 1;
                    } else if from == ProcState::Running && to != ProcState::Running {
                        procs = procs.saturating_sub(1);
                    }
                    if c.procs.last().is_none_or(|p| p.running != procs) {
                        c.procs.push(ProcCount { time: t, running: procs });
                    }
                }
                None => {}
            },
            EventKind::RangeBegin | EventKind::RangeActive | EventKind::RangeEnd => {
                let Some(r) = ev.range() else { continue };
                let Resource::Goroutine(g) = r.scope else { continue };
                if !assist_name(r.name) {
                    continue;
                }
                let d = if ev.kind() == EventKind::RangeEnd {
                    assist.remove(&g).map_or(0, |()| -1)
                } else {
                    i32::from(assist.insert(g, ()).is_none())
                };
                if waiting.contains_key(&g) {
                    now.gc_waiting = now.gc_waiting.wrapping_add_signed(d);
                }
            }
            _ => continue,
        }
        let last = c.goroutines.last();
        if last.is_none_or(|l| (l.running, l.runnable, l.gc_waiting) != (now.running, now.runnable, now.gc_waiting)) {
            c.goroutines.push(GoroutineCounts { time: t, ..now });
        }
    }
    c
}
