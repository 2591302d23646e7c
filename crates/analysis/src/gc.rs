//! Garbage collection over time: cycles, stop-the-world pauses and the heap, for the
//! timeline and for findings.

use gotv_decode::{EventKind, GoId, Metric, Resource, Trace};
use serde::Serialize;

use crate::id_map::IdMap;

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct GcCycle {
    /// Start of the concurrent mark phase (trace clock, ns); for a cycle already running when
    /// the trace began, the trace start.
    pub start_ns: i64,
    /// Until the end of the mark phase; to the trace end if it had not ended.
    pub duration_ns: i64,
    pub ended: bool,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Pause {
    pub start_ns: i64,
    pub duration_ns: i64,
    /// What stopped the world: `GC mark termination`, `GC sweep termination`, `start trace`…
    pub reason: String,
    /// The goroutine that stopped it.
    pub goroutine: GoId,
}

/// A value from `time` until the next point.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct Point {
    pub time: i64,
    pub value: u64,
}

#[derive(Debug, Clone, Default, Serialize)]
pub struct GcAnalysis {
    pub cycles: Vec<GcCycle>,
    pub pauses: Vec<Pause>,
    /// Bytes in heap objects (Go's HeapAlloc metric).
    pub heap_alloc: Vec<Point>,
    pub heap_goal: Vec<Point>,
    pub gomaxprocs: Vec<Point>,
}

impl GcAnalysis {
    pub fn pause_ns(&self) -> i64 {
        self.pauses.iter().map(|p| p.duration_ns).sum()
    }

    pub fn mark_ns(&self) -> i64 {
        self.cycles.iter().map(|c| c.duration_ns).sum()
    }
}

const STW: &[u8] = b"stop-the-world (";

pub fn gc(trace: &Trace) -> GcAnalysis {
    let mut a = GcAnalysis::default();
    let n = trace.len();
    if n == 0 {
        return a;
    }
    let (start, end) = (trace.time(0), trace.time(n - 1));
    let mut mark: Option<i64> = None;
    let mut stw: IdMap<GoId, (i64, u32)> = IdMap::default();
    for (i, &kind) in trace.kinds().iter().enumerate() {
        // Most events are neither: not even their time is read.
        if !matches!(kind, EventKind::Metric | EventKind::RangeBegin | EventKind::RangeActive | EventKind::RangeEnd) {
            continue;
        }
        let ev = trace.event(i);
        let t = ev.time();
        match kind {
            EventKind::Metric => {
                let Some((m, v)) = ev.metric() else { continue };
                let s = match m {
                    Metric::HeapObjects => &mut a.heap_alloc,
                    Metric::HeapGoal => &mut a.heap_goal,
                    Metric::Gomaxprocs => &mut a.gomaxprocs,
                };
                if s.last().is_none_or(|p| p.value != v) {
                    s.push(Point { time: t, value: v });
                }
            }
            EventKind::RangeBegin | EventKind::RangeActive | EventKind::RangeEnd => {
                let Some(r) = ev.range() else { continue };
                let name = trace.strings.bytes(r.name);
                let begin = ev.kind() != EventKind::RangeEnd;
                // A range active at a generation boundary is reported again: not a new one.
                let since = if ev.kind() == EventKind::RangeActive { start } else { t };
                if name == b"GC concurrent mark phase" {
                    match (begin, mark) {
                        (true, None) => mark = Some(since),
                        (false, Some(s)) => {
                            a.cycles.push(GcCycle { start_ns: s, duration_ns: t - s, ended: true });
                            mark = None;
                        }
                        _ => {}
                    }
                } else if name.starts_with(STW) {
                    let g = match r.scope {
                        Resource::Goroutine(g) => g,
                        _ => ev.goroutine(),
                    };
                    if begin {
                        stw.entry(g).or_insert((since, r.name));
                    } else if let Some((s, id)) = stw.remove(&g) {
                        let name = trace.strings.get(id);
                        let reason = name.strip_prefix("stop-the-world (").and_then(|x| x.strip_suffix(')'));
                        a.pauses.push(Pause {
                            start_ns: s,
                            duration_ns: t - s,
                            reason: reason.unwrap_or(&name).to_owned(),
                            goroutine: g,
                        });
                    }
                }
            }
            _ => {}
        }
    }
    if let Some(s) = mark {
        a.cycles.push(GcCycle { start_ns: s, duration_ns: end - s, ended: false });
    }
    a.pauses.sort_by_key(|p| p.start_ns);
    a
}
